/*
 * compact_control.h - what the compaction files share, private to them:
 * struct compact_control (one compaction run of one zone), the pageblock
 * and zone arithmetic both scanners use, and the entry points each file
 * gives the others.  compaction.c runs compact_zone() and decides when
 * compaction is suitable, finished or deferred; compaction_scan.c holds
 * the migrate and free scanners; kcompactd.c the background compaction.
 * The rest of the core sees compaction through model.h only.
 */
#ifndef PFNLAB_COMPACT_CONTROL_H
#define PFNLAB_COMPACT_CONTROL_H

#include "model.h"

#define COMPACT_MAX_DEFER_SHIFT 6
#define HPAGE_FRAG_CHECK_INTERVAL_NS 500000000ull /* HPAGE_FRAG_CHECK_INTERVAL_MSEC */

struct compact_control {
	struct pfnlab_machine *m;
	struct zone *zone;
	int order, search_order;   /* order -1: the whole zone (compact_memory, proactive) */
	pfnlab_gfp_t gfp;
	int migratetype;
	unsigned alloc_flags;
	int highest;               /* highest_zoneidx, a zone type */
	int mode;                  /* enum pfnlab_migrate_mode */
	bool direct, whole_zone, ignore_skip_hint, ignore_block_suitable, proactive, rescan, contended;
	uint64_t migrate_pfn, free_pfn;
	uint64_t fast_start_pfn;   /* 0: unset; UINT64_MAX: used */
	unsigned fast_search_fail;
	uint64_t total_migrate_scanned, total_free_scanned;
	uint64_t *migratepages;    /* a pageblock's worth: a rescan does not stop at COMPACT_CLUSTER_MAX */
	size_t nr_migratepages;
	uint64_t *freepages;       /* order-0 pages, [fp_head, fp_tail) in list order */
	size_t fp_head, fp_tail, fp_cap;
	bool capture;              /* a direct compaction's capture_control */
	uint64_t captured;         /* capc->page, NIL_PFN until a block is captured */
};

extern const char *const zone_type_names[PFNLAB_NR_ZONES];

static inline bool v42(const struct pfnlab_machine *m)
{
	return m->cfg.era == PFNLAB_ERA_2015;
}

static inline uint64_t zone_end(const struct zone *z)
{
	return z->start_pfn + z->spanned;
}

static inline uint64_t pb_start(const struct pfnlab_machine *m, uint64_t pfn)
{
	return pfn & ~(m->pb_pages - 1);
}

/* pageblock_end_pfn(): the end of the pageblock holding @pfn */
static inline uint64_t pb_end(const struct pfnlab_machine *m, uint64_t pfn)
{
	return pb_start(m, pfn) + m->pb_pages;
}

/* block_end_pfn(pfn, order) */
static inline uint64_t order_block_end(uint64_t pfn, int order)
{
	return (pfn | ((1ull << order) - 1)) + 1;
}

/*
 * models pageblock_pfn_to_page(): does [@start, @end) lie in the zone?
 * (holes inside have struct pages in the kernel, so they do not matter)
 */
static inline bool block_in_zone(const struct zone *z, uint64_t start, uint64_t end)
{
	return start >= z->start_pfn && end > start && end <= zone_end(z);
}

/* The highest zone type of the node (pgdat->nr_zones - 1) */
static inline int node_highest(const struct pfnlab_machine *m)
{
	return m->nr_zones ? m->zones[m->nr_zones - 1].type : 0;
}

/* compaction.c */
int compact_zone_run(struct compact_control *cc);
unsigned fragmentation_score_wmark(const struct pfnlab_machine *m, bool low);
bool kswapd_is_running(const struct pfnlab_machine *m);
void defer_compaction(struct pfnlab_machine *m, struct zone *z, int order);

/* compaction_scan.c */
bool isolate_migratepages(struct compact_control *cc);
uint64_t compaction_alloc(struct pfnlab_machine *m, uint64_t src, void *arg);
void compaction_free(struct pfnlab_machine *m, uint64_t dst, void *arg);
uint64_t release_freepages(struct compact_control *cc);
size_t nr_freepages(const struct compact_control *cc);
bool compact_scanners_met(const struct compact_control *cc);
void reset_cached_positions(const struct pfnlab_machine *m, struct zone *z);
void reset_isolation_suitable_zone(struct pfnlab_machine *m, struct zone *z);

#endif /* PFNLAB_COMPACT_CONTROL_H */
