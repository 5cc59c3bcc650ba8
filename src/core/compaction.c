/*
 * compaction.c - memory compaction: move movable pages from the bottom of
 * a zone to free pages at its top until a free block of the wanted order
 * appears.
 *
 * Models mm/compaction.c of Debian 6.1.192 (v4.2 where --era 2015
 * differs): compact_zone() with the migrate scanner (isolate_migratepages(),
 * fast_find_migrateblock(), isolate_migratepages_block()) and the free
 * scanner (isolate_freepages(), fast_isolate_freepages(),
 * isolate_freepages_block()), whose free pages are the migration targets
 * (compaction_alloc()/compaction_free()); the pageblock skip hints and the
 * cached scanner positions; compaction_suitable() with the fragmentation
 * index and vm.extfrag_threshold; compact_finished(); deferral;
 * try_to_compact_pages() with its priorities and the capture of a freed
 * block by direct compaction; kcompactd and proactive compaction (the
 * fragmentation score, a check every 500 ms of model time,
 * vm.compaction_proactiveness); vm.compact_memory; and the fragmentation
 * indexes of mm/vmstat.c.  The mm_compaction_* trace events print as
 * include/trace/events/compaction.h does, the compact_* counters count as
 * the kernel's.
 *
 * v4.2 (2015): no fast searches, no capture, no kcompactd: kswapd compacts
 * (compact_pgdat(), asynchronously); async compaction scans only MOVABLE
 * and CMA pageblocks; compaction_suitable() asks the low watermark plus
 * 2 << order with the caller's flags and the fragmentation index for every
 * order; compact_finished() wants the low watermark at the order, then a
 * free block of the type or any block of pageblock order; deferral in
 * every mode.
 *
 * Simplified: the migrate scanner takes order-0 folios only (as the
 * kernel's compaction does) and treats every larger allocation as a
 * compound page (skipped whole; the kernel steps through a non-compound
 * one page by page); no lock contention, need_resched() or fatal signals
 * (so never COMPACT_CONTENDED but for -ENOMEM from migration); no
 * too_many_isolated() throttling, no unevictable pages, no non-LRU movable
 * pages (balloon, zsmalloc); a block is captured when a freed source
 * leaves it free at the order (the kernel captures while merging inside
 * __free_one_page(), with the same blocks free afterwards, in another list
 * position); pages freed to a per-CPU list are captured when compaction
 * drains the lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *const status_names[] = {
	[COMPACT_NOT_SUITABLE_ZONE] = "not_suitable_zone", [COMPACT_SKIPPED] = "skipped",
	[COMPACT_DEFERRED] = "deferred", [COMPACT_NO_SUITABLE_PAGE] = "no_suitable_page",
	[COMPACT_CONTINUE] = "continue", [COMPACT_COMPLETE] = "complete",
	[COMPACT_PARTIAL_SKIPPED] = "partial_skipped", [COMPACT_CONTENDED] = "contended",
	[COMPACT_SUCCESS] = "success",
};

static bool v42(const struct pfnlab_machine *m)
{
	return m->cfg.era == PFNLAB_ERA_2015;
}

/* max() of two statuses in the era's enum order (v4.2: DEFERRED, SKIPPED, CONTINUE, PARTIAL, COMPLETE, ...) */
static int status_max(const struct pfnlab_machine *m, int a, int b)
{
	static const int rank_2015[] = {
		[COMPACT_DEFERRED] = 0, [COMPACT_SKIPPED] = 1, [COMPACT_CONTINUE] = 2, [COMPACT_SUCCESS] = 3,
		[COMPACT_COMPLETE] = 4, [COMPACT_NO_SUITABLE_PAGE] = 5, [COMPACT_NOT_SUITABLE_ZONE] = 6,
		[COMPACT_PARTIAL_SKIPPED] = 4, [COMPACT_CONTENDED] = 3,
	};

	if (v42(m))
		return rank_2015[a] >= rank_2015[b] ? a : b;
	return a > b ? a : b;
}

/* The name v4.2's compaction_status_string[] gave a status (COMPACT_PARTIAL for success). */
static const char *status_name(const struct pfnlab_machine *m, int r)
{
	if (v42(m) && r == COMPACT_SUCCESS)
		return "partial";
	return status_names[r];
}

static const char *const zone_type_names[PFNLAB_NR_ZONES] = {"DMA", "DMA32", "Normal", "Movable"};

static uint64_t zone_end(const struct zone *z)
{
	return z->start_pfn + z->spanned;
}

static uint64_t pb_start(const struct pfnlab_machine *m, uint64_t pfn)
{
	return pfn & ~(m->pb_pages - 1);
}

/* pageblock_end_pfn(): the end of the pageblock holding @pfn */
static uint64_t pb_end(const struct pfnlab_machine *m, uint64_t pfn)
{
	return pb_start(m, pfn) + m->pb_pages;
}

/* block_end_pfn(pfn, order) */
static uint64_t order_block_end(uint64_t pfn, int order)
{
	return (pfn | ((1ull << order) - 1)) + 1;
}

/*
 * models pageblock_pfn_to_page(): does [@start, @end) lie in the zone?
 * (holes inside have struct pages in the kernel, so they do not matter)
 */
static bool block_in_zone(const struct zone *z, uint64_t start, uint64_t end)
{
	return start >= z->start_pfn && end > start && end <= zone_end(z);
}

/* The fragmentation figures of fill_contig_page_info(), mm/vmstat.c */
struct contig_info {
	uint64_t free_pages, free_blocks_total, free_blocks_suitable;
};

/* models fill_contig_page_info(), mm/vmstat.c */
static struct contig_info contig_info(const struct pfnlab_machine *m, const struct zone *z, unsigned order)
{
	struct contig_info info = {0};

	for (unsigned o = 0; o < m->nr_orders; o++) {
		uint64_t blocks = z->area[o].nr_free;

		info.free_blocks_total += blocks;
		info.free_pages += blocks << o;
		if (o >= order)
			info.free_blocks_suitable += blocks << (o - order);
	}
	return info;
}

/* models fragmentation_index() (__fragmentation_index()), mm/vmstat.c: -1000..1000 */
int fragmentation_index(const struct pfnlab_machine *m, const struct zone *z, unsigned order)
{
	struct contig_info info = contig_info(m, z, order);

	if (!info.free_blocks_total)
		return 0;
	if (info.free_blocks_suitable)
		return -1000;
	return (int)(1000 - (1000 + info.free_pages * 1000 / (1ull << order)) / info.free_blocks_total);
}

/* models unusable_free_index(), mm/vmstat.c */
int unusable_free_index(const struct pfnlab_machine *m, const struct zone *z, unsigned order)
{
	struct contig_info info = contig_info(m, z, order);

	if (!info.free_pages)
		return 1000;
	return (int)((info.free_pages - (info.free_blocks_suitable << order)) * 1000 / info.free_pages);
}

/* models extfrag_for_order(), mm/vmstat.c: the percentage of free pages not in blocks of @order */
unsigned extfrag_for_order(const struct pfnlab_machine *m, const struct zone *z, unsigned order)
{
	struct contig_info info = contig_info(m, z, order);

	if (!info.free_pages)
		return 0;
	return (unsigned)((info.free_pages - (info.free_blocks_suitable << order)) * 100 / info.free_pages);
}

/* COMPACTION_HPAGE_ORDER: the PMD order */
static unsigned hpage_order(const struct pfnlab_machine *m)
{
	return m->thp_order < m->nr_orders ? m->thp_order : m->nr_orders - 1;
}

/* models fragmentation_score_node(): present-weighted zone scores */
unsigned fragmentation_score_node(const struct pfnlab_machine *m)
{
	uint64_t present = 0, score = 0;

	for (int i = 0; i < m->nr_zones; i++)
		present += m->zones[i].present;
	for (int i = 0; i < m->nr_zones; i++)
		score += m->zones[i].present * extfrag_for_order(m, &m->zones[i], hpage_order(m)) / (present + 1);
	return (unsigned)score;
}

/* models fragmentation_score_wmark() */
static unsigned fragmentation_score_wmark(const struct pfnlab_machine *m, bool low)
{
	unsigned p = m->compaction.proactiveness, wmark_low = 100 - p > 5 ? 100 - p : 5;

	return low ? wmark_low : (wmark_low + 10 < 100 ? wmark_low + 10 : 100);
}

/* models kswapd_is_running(): inside balance_pgdat() (kswapd.c) */
static bool kswapd_is_running(const struct pfnlab_machine *m)
{
	return m->kswapd.running;
}

/* The trace events of the deferral state, mm_compaction_defer_template */
static void trace_defer(struct pfnlab_machine *m, const char *event, const struct zone *z, int order)
{
	trace_printf(m, event, "node=0 zone=%-8s order=%d order_failed=%d consider=%u limit=%lu",
		     zone_type_names[z->type], order, z->compact_order_failed, z->compact_considered,
		     1ul << z->compact_defer_shift);
}

/* models defer_compaction() */
static void defer_compaction(struct pfnlab_machine *m, struct zone *z, int order)
{
	z->compact_considered = 0;
	z->compact_defer_shift++;
	if (order < z->compact_order_failed)
		z->compact_order_failed = order;
	if (z->compact_defer_shift > COMPACT_MAX_DEFER_SHIFT)
		z->compact_defer_shift = COMPACT_MAX_DEFER_SHIFT;
	trace_defer(m, "mm_compaction_defer_compaction", z, order);
}

/* models compaction_deferred(): true if this attempt is to be skipped */
bool compaction_deferred(struct pfnlab_machine *m, struct zone *z, int order)
{
	unsigned limit = 1u << z->compact_defer_shift;

	if (order < z->compact_order_failed)
		return false;
	if (++z->compact_considered >= limit) {
		z->compact_considered = limit;
		return false;
	}
	trace_defer(m, "mm_compaction_deferred", z, order);
	return true;
}

/* models compaction_defer_reset() */
void compaction_defer_reset(struct pfnlab_machine *m, struct zone *z, int order, bool alloc_success)
{
	if (alloc_success) {
		z->compact_considered = 0;
		z->compact_defer_shift = 0;
	}
	if (order >= z->compact_order_failed)
		z->compact_order_failed = order + 1;
	trace_defer(m, "mm_compaction_defer_reset", z, order);
}

/* models compaction_restarting(): the deferral ran out */
bool compaction_restarting(const struct zone *z, int order)
{
	if (order < z->compact_order_failed)
		return false;
	return z->compact_defer_shift == COMPACT_MAX_DEFER_SHIFT &&
	       z->compact_considered >= 1u << z->compact_defer_shift;
}

/* models isolation_suitable(): not marked for skipping (or told to ignore it) */
static bool isolation_suitable(const struct compact_control *cc, uint64_t pfn)
{
	return cc->ignore_skip_hint || !pageblock_skip(cc->m, pfn);
}

/* models reset_cached_positions() (v4.2: the free scanner restarts at the zone end) */
static void reset_cached_positions(const struct pfnlab_machine *m, struct zone *z)
{
	z->compact_cached_migrate_pfn[0] = z->start_pfn;
	z->compact_cached_migrate_pfn[1] = z->start_pfn;
	z->compact_cached_free_pfn = v42(m) ? zone_end(z) & ~(m->pb_pages - 1) : pb_start(m, zone_end(z) - 1);
}

/* models pageblock_skip_persistent(): a compound page of at least pageblock order starts there */
static bool pageblock_skip_persistent(const struct pfnlab_machine *m, uint64_t pfn)
{
	const struct frame *f = &m->frames[pfn];

	return (f->flags & F_ALLOC) && f->order >= m->pb_order;
}

/* models __reset_isolation_pfn(): clear a block's skip bit if it may serve as source or target */
static bool reset_isolation_pfn(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, bool check_source,
				bool check_target)
{
	uint64_t start, last;

	if (!zone_spans(z, pfn) || pageblock_skip_persistent(m, pfn))
		return false;
	if (check_source && check_target && !pageblock_skip(m, pfn))
		return true;
	if (!check_source && check_target && pb_type(m, pfn) != PFNLAB_MT_MOVABLE)
		return false;
	start = pb_start(m, pfn) > z->start_pfn ? pb_start(m, pfn) : z->start_pfn;
	last = pb_end(m, pfn) - 1 < zone_end(z) - 1 ? pb_end(m, pfn) - 1 : zone_end(z) - 1;
	/* a sample every 2^PAGE_ALLOC_COSTLY_ORDER pages: an LRU page or a free page */
	for (uint64_t p = start; p <= last; p += 1u << PAGE_ALLOC_COSTLY_ORDER) {
		unsigned fl = m->frames[p].flags;

		if ((check_source && (fl & F_LRU) && (fl & F_ALLOC)) || (check_target && (fl & F_BUDDY))) {
			m->pageblock[p >> m->pb_order] &= (uint8_t)~PB_MIGRATE_SKIP;
			return true;
		}
	}
	return false;
}

/* models __reset_isolation_suitable() (v6.1; v4.2 clears every skip bit of the zone) */
static void reset_isolation_suitable_zone(struct pfnlab_machine *m, struct zone *z)
{
	uint64_t migrate_pfn = z->start_pfn, free_pfn = zone_end(z) - 1;
	uint64_t reset_migrate = free_pfn, reset_free = migrate_pfn;
	bool source_set = false, free_set = false;

	if (!z->compact_blockskip_flush)
		return;
	z->compact_blockskip_flush = false;
	if (v42(m)) {
		for (uint64_t p = pb_start(m, z->start_pfn); p < zone_end(z); p += m->pb_pages)
			m->pageblock[p >> m->pb_order] &= (uint8_t)~PB_MIGRATE_SKIP;
		reset_cached_positions(m, z);
		return;
	}
	for (; migrate_pfn < free_pfn; migrate_pfn += m->pb_pages, free_pfn -= m->pb_pages) {
		if (reset_isolation_pfn(m, z, migrate_pfn, true, source_set) && migrate_pfn < reset_migrate) {
			source_set = true;
			reset_migrate = migrate_pfn;
			z->compact_init_migrate_pfn = reset_migrate;
			z->compact_cached_migrate_pfn[0] = reset_migrate;
			z->compact_cached_migrate_pfn[1] = reset_migrate;
		}
		if (reset_isolation_pfn(m, z, free_pfn, free_set, true) && free_pfn > reset_free) {
			free_set = true;
			reset_free = free_pfn;
			z->compact_init_free_pfn = reset_free;
			z->compact_cached_free_pfn = reset_free;
		}
		if (free_pfn < m->pb_pages)
			break;
	}
	if (reset_migrate >= reset_free) { /* leave no distance if no suitable block was reset */
		z->compact_cached_migrate_pfn[0] = migrate_pfn;
		z->compact_cached_migrate_pfn[1] = migrate_pfn;
		z->compact_cached_free_pfn = free_pfn;
	}
}

/* models reset_isolation_suitable(): kswapd going to sleep clears what a full compaction left */
void reset_isolation_suitable(struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++)
		if (m->zones[i].compact_blockskip_flush)
			reset_isolation_suitable_zone(m, &m->zones[i]);
}

/* models test_and_set_skip(): set the skip bit of the block @pfn starts; was it set? */
static bool test_and_set_skip(struct compact_control *cc, uint64_t pfn)
{
	bool skip;

	if (cc->ignore_skip_hint || (pfn & (cc->m->pb_pages - 1)))
		return false;
	skip = pageblock_skip(cc->m, pfn);
	if (!skip)
		set_pageblock_skip(cc->m, pfn);
	return skip;
}

/* models update_cached_migrate() */
static void update_cached_migrate(struct compact_control *cc, uint64_t pfn)
{
	struct zone *z = cc->zone;

	pfn = pb_end(cc->m, pfn);
	if (pfn > z->compact_cached_migrate_pfn[0])
		z->compact_cached_migrate_pfn[0] = pfn;
	if (cc->mode != PFNLAB_MIGRATE_ASYNC && pfn > z->compact_cached_migrate_pfn[1])
		z->compact_cached_migrate_pfn[1] = pfn;
}

/* models update_pageblock_skip(): a block the free scanner emptied */
static void update_pageblock_skip(struct compact_control *cc, uint64_t pfn)
{
	set_pageblock_skip(cc->m, pfn);
	if (pfn < cc->zone->compact_cached_free_pfn)
		cc->zone->compact_cached_free_pfn = pfn;
}

/* Room for @n more pages on the private free list; false when the host is out of memory. */
static bool freepages_reserve(struct compact_control *cc, size_t n)
{
	uint64_t *p;
	size_t cap;

	if (cc->fp_tail + n <= cc->fp_cap)
		return true;
	cap = (cc->fp_tail + n) * 2;
	p = host_alloc(cc->m, cap * sizeof(*p));
	if (!p)
		return false;
	if (cc->freepages)
		memcpy(p, cc->freepages, cc->fp_tail * sizeof(*p));
	free(cc->freepages);
	cc->freepages = p;
	cc->fp_cap = cap;
	return true;
}

static size_t nr_freepages(const struct compact_control *cc)
{
	return cc->fp_tail - cc->fp_head;
}

/*
 * models __isolate_free_page(): take the free block at @pfn off its list
 * for compaction, if the zone stays above its min watermark; its pages
 * become the free list's (split_map_pages() does the rest).  Returns the
 * pages taken, 0 if none.
 */
static uint64_t isolate_free_page(struct compact_control *cc, uint64_t pfn)
{
	struct pfnlab_machine *m = cc->m;
	struct zone *z = cc->zone;
	unsigned order = m->frames[pfn].order;
	uint64_t n = 1ull << order;
	int mt = pb_type(m, pfn);

	if (mt != PFNLAB_MT_ISOLATE &&
	    !zone_watermark_ok(m, z, 0, z->wmark[WMARK_MIN] + n, 0, ALLOC_CMA))
		return 0;
	if (!freepages_reserve(cc, n))
		return 0;
	list_del_block(m, z, pfn);
	if (order + 1 >= m->pb_order)
		for (uint64_t p = pfn; p < pfn + n; p += m->pb_pages)
			if (mt_is_mergeable(pb_type(m, p)))
				set_pageblock_migratetype(m, p, PFNLAB_MT_MOVABLE);
	for (uint64_t p = pfn; p < pfn + n; p++) {
		struct frame *f = &m->frames[p];

		f->next = f->prev = 0;
		frame_set_state(f, 1, 0, 0, F_ALLOC); /* post_alloc_hook(), split_page() */
		cc->freepages[cc->fp_tail++] = p;
	}
	m->vm[VM_COMPACT_ISOLATED] += n;
	return n;
}

/* models split_map_pages(): the pages isolated since @from, in the list's order (reversed) */
static void split_map_pages(struct compact_control *cc, size_t from)
{
	for (size_t i = from, j = cc->fp_tail; i + 1 < j; i++) {
		uint64_t t = cc->freepages[i];

		j--;

		cc->freepages[i] = cc->freepages[j];
		cc->freepages[j] = t;
	}
}

/* models isolate_freepages_block() (not strict): free blocks of [*@start, @end) to the free list */
static uint64_t isolate_freepages_block(struct compact_control *cc, uint64_t *start, uint64_t end,
					unsigned stride)
{
	struct pfnlab_machine *m = cc->m;
	uint64_t pfn = *start, nr_scanned = 0, total = 0;

	for (; pfn < end; pfn += stride) {
		const struct frame *f = &m->frames[pfn];
		uint64_t isolated;

		nr_scanned++;
		if ((f->flags & F_ALLOC) && f->order) { /* PageCompound() */
			pfn += (1ull << f->order) - 1;
			continue;
		}
		if (!(f->flags & F_BUDDY))
			continue;
		isolated = isolate_free_page(cc, pfn);
		if (!isolated)
			break;
		nr_scanned += isolated - 1;
		total += isolated;
		if (cc->nr_migratepages <= nr_freepages(cc)) {
			pfn += isolated;
			break;
		}
		pfn += isolated - 1;
	}
	if (pfn > end)
		pfn = end;
	trace_printf(m, "mm_compaction_isolate_freepages", "range=(0x%llx ~ 0x%llx) nr_scanned=%llu nr_taken=%llu",
		     (unsigned long long)*start, (unsigned long long)pfn, (unsigned long long)nr_scanned,
		     (unsigned long long)total);
	*start = pfn;
	cc->total_free_scanned += nr_scanned;
	return total;
}

/* models suitable_migration_target(): a pageblock the free scanner may take pages from */
static bool suitable_migration_target(const struct compact_control *cc, uint64_t pfn)
{
	const struct frame *f = &cc->m->frames[pfn];
	int mt;

	if ((f->flags & F_BUDDY) && f->order >= cc->m->pb_order)
		return false;
	if (cc->ignore_block_suitable)
		return true;
	mt = pb_type(cc->m, pfn);
	return mt == PFNLAB_MT_MOVABLE || mt == PFNLAB_MT_CMA;
}

/* models freelist_scan_limit() */
static unsigned freelist_scan_limit(const struct compact_control *cc)
{
	unsigned shift = cc->fast_search_fail < 63 ? cc->fast_search_fail : 63;

	return shift >= 32 ? 1 : (COMPACT_CLUSTER_MAX >> shift) + 1;
}

/* models compact_scanners_met(): the free scanner's block is at or below the migrate scanner's */
static bool compact_scanners_met(const struct compact_control *cc)
{
	return cc->free_pfn >> cc->m->pb_order <= cc->migrate_pfn >> cc->m->pb_order;
}

/*
 * Rotate free list @l so that @pfn is its head (move_freelist_head()),
 * or its tail (@tail: move_freelist_tail()); NIL_PFN leaves it as it is
 */
static void rotate_free_list(struct pfnlab_machine *m, struct free_list *l, uint32_t pfn, bool tail)
{
	struct frame *fr = m->frames;
	uint32_t prev;

	if (pfn == NIL_PFN)
		return;
	if (tail) {
		if (pfn == l->tail)
			return;
		pfn = fr[pfn].next; /* the entry after @pfn becomes the head */
	}
	if (pfn == l->head)
		return;
	prev = fr[pfn].prev;
	fr[l->tail].next = l->head;
	fr[l->head].prev = l->tail;
	fr[pfn].prev = NIL_PFN;
	fr[prev].next = NIL_PFN;
	l->head = pfn;
	l->tail = prev;
}

/* models next_search_order() */
static int next_search_order(struct compact_control *cc, int order)
{
	order--;
	if (order < 0)
		order = cc->order - 1;
	if (order == cc->search_order) {
		cc->search_order--;
		if (cc->search_order < 0)
			cc->search_order = cc->order - 1;
		return -1;
	}
	return order;
}

/* models fast_isolate_around(): the rest of the free pages of the block a fast search found */
static void fast_isolate_around(struct compact_control *cc, uint64_t pfn)
{
	struct zone *z = cc->zone;
	uint64_t start, end;

	if (nr_freepages(cc) >= cc->nr_migratepages)
		return;
	if (cc->direct && cc->mode == PFNLAB_MIGRATE_ASYNC)
		return;
	start = pb_start(cc->m, pfn) > z->start_pfn ? pb_start(cc->m, pfn) : z->start_pfn;
	end = pb_end(cc->m, pfn) < zone_end(z) ? pb_end(cc->m, pfn) : zone_end(z);
	if (!block_in_zone(z, start, end))
		return;
	isolate_freepages_block(cc, &start, end, 1);
	if (nr_freepages(cc) < cc->nr_migratepages)
		set_pageblock_skip(cc->m, start);
}

/*
 * models fast_isolate_freepages(): search the MOVABLE free lists below
 * the request's order for a block in the top quarter of the distance
 * between the scanners (the top half if none), isolate it and its
 * pageblock; otherwise restart the linear scan where the search saw free
 * pages
 */
static void fast_isolate_freepages(struct compact_control *cc)
{
	struct pfnlab_machine *m = cc->m;
	struct zone *z = cc->zone;
	unsigned limit = freelist_scan_limit(cc) >> 1 ? freelist_scan_limit(cc) >> 1 : 1;
	uint64_t nr_scanned = 0, low_pfn, min_pfn, highest = 0, distance, page = NIL_PFN;
	bool scan_start = false;

	if (cc->order <= 0)
		return;
	if (cc->free_pfn >= z->compact_init_free_pfn) {
		limit = (unsigned)(m->pb_pages >> 1);
		scan_start = true;
	}
	distance = cc->free_pfn - cc->migrate_pfn;
	low_pfn = pb_start(m, cc->free_pfn - (distance >> 2));
	min_pfn = pb_start(m, cc->free_pfn - (distance >> 1));
	if (min_pfn > low_pfn)
		low_pfn = min_pfn;
	if (cc->order - 1 < cc->search_order)
		cc->search_order = cc->order - 1;
	for (int order = cc->search_order; page == NIL_PFN && order >= 0; order = next_search_order(cc, order)) {
		struct free_list *l = &z->area[order].list[PFNLAB_MT_MOVABLE];
		unsigned order_scanned = 0;
		uint64_t high_pfn = 0;
		uint32_t freepage = NIL_PFN;

		if (!z->area[order].nr_free)
			continue;
		for (uint32_t p = l->tail; p != NIL_PFN; p = m->frames[p].prev) { /* list_for_each_entry_reverse */
			order_scanned++;
			nr_scanned++;
			freepage = p;
			if (p >= highest)
				highest = pb_start(m, p) > z->start_pfn ? pb_start(m, p) : z->start_pfn;
			if (p >= low_pfn) {
				cc->fast_search_fail = 0;
				cc->search_order = order;
				page = p;
				break;
			}
			if (p >= min_pfn && p > high_pfn) {
				high_pfn = p;
				limit >>= 1;
			}
			if (order_scanned >= limit)
				break;
			if (m->frames[p].prev == NIL_PFN)
				freepage = NIL_PFN; /* ran off the list: the cursor is the list head itself */
		}
		if (page == NIL_PFN && high_pfn) {
			page = high_pfn;
			freepage = (uint32_t)page;
		}
		rotate_free_list(m, l, freepage, false);
		if (page != NIL_PFN) {
			uint64_t n = isolate_free_page(cc, page);

			if (n) {
				nr_scanned += n - 1;
			} else {
				order = cc->search_order + 1;
				page = NIL_PFN;
			}
		}
		if (order_scanned >= limit)
			limit = limit >> 1 ? limit >> 1 : 1;
	}
	if (page == NIL_PFN) {
		cc->fast_search_fail++;
		if (scan_start) {
			if (highest >= min_pfn) {
				page = highest;
				cc->free_pfn = highest;
			} else if (cc->direct) {
				uint64_t end = pb_end(m, min_pfn) < zone_end(z) ? pb_end(m, min_pfn) : zone_end(z);

				if (block_in_zone(z, min_pfn, end))
					page = min_pfn;
				cc->free_pfn = min_pfn;
			}
		}
	}
	if (highest && highest >= z->compact_cached_free_pfn) {
		highest -= m->pb_pages;
		z->compact_cached_free_pfn = highest;
	}
	cc->total_free_scanned += nr_scanned;
	if (page != NIL_PFN)
		fast_isolate_around(cc, page);
}

/* models isolate_freepages(): fill the free list, the fast search first (v6.1) */
static void isolate_freepages(struct compact_control *cc)
{
	struct pfnlab_machine *m = cc->m;
	struct zone *z = cc->zone;
	size_t from = cc->fp_tail;
	uint64_t block_start, block_end, isolate_start, low_pfn;
	unsigned stride;

	if (!v42(m)) {
		fast_isolate_freepages(cc);
		if (nr_freepages(cc))
			goto splitmap;
	}
	isolate_start = cc->free_pfn;
	block_start = pb_start(m, isolate_start);
	block_end = block_start + m->pb_pages < zone_end(z) ? block_start + m->pb_pages : zone_end(z);
	low_pfn = pb_end(m, cc->migrate_pfn);
	stride = cc->mode == PFNLAB_MIGRATE_ASYNC && !v42(m) ? COMPACT_CLUSTER_MAX : 1;
	for (; block_start >= low_pfn; block_end = block_start, block_start -= m->pb_pages,
				       isolate_start = block_start) {
		uint64_t nr_isolated;

		if (!block_in_zone(z, block_start, block_end) || !suitable_migration_target(cc, block_start) ||
		    !isolation_suitable(cc, block_start)) {
			if (block_start < m->pb_pages)
				break;
			continue;
		}
		nr_isolated = isolate_freepages_block(cc, &isolate_start, block_end, stride);
		if (isolate_start == block_end)
			update_pageblock_skip(cc, block_start);
		if (nr_freepages(cc) >= cc->nr_migratepages) {
			if (isolate_start >= block_end)
				isolate_start = block_start - m->pb_pages;
			break;
		} else if (isolate_start < block_end) {
			break;
		}
		if (nr_isolated)
			stride = 1;
		else
			stride = stride << 1 < COMPACT_CLUSTER_MAX ? stride << 1 : COMPACT_CLUSTER_MAX;
		if (block_start < m->pb_pages)
			break;
	}
	cc->free_pfn = isolate_start;
splitmap:
	split_map_pages(cc, from);
}

/* models compaction_alloc(): a migration target from the free list */
static uint64_t compaction_alloc(struct pfnlab_machine *m, uint64_t src, void *arg)
{
	struct compact_control *cc = arg;

	(void)m;
	(void)src;
	if (!nr_freepages(cc)) {
		cc->fp_head = cc->fp_tail = 0;
		isolate_freepages(cc);
		if (!nr_freepages(cc))
			return NIL_PFN;
	}
	return cc->freepages[cc->fp_head++];
}

/* models compaction_free(): an unused target back to the head of the free list */
static void compaction_free(struct pfnlab_machine *m, uint64_t dst, void *arg)
{
	struct compact_control *cc = arg;

	if (cc->fp_head) {
		cc->freepages[--cc->fp_head] = dst;
		return;
	}
	if (!freepages_reserve(cc, 1)) { /* no room: the page goes back to the allocator */
		free_frames(m, dst, 0);
		return;
	}
	memmove(cc->freepages + 1, cc->freepages, cc->fp_tail * sizeof(*cc->freepages));
	cc->freepages[0] = dst;
	cc->fp_tail++;
}

/*
 * models compaction_capture() for a block freed while direct compaction
 * runs: the free block holding @pfn, at least the request's order and of
 * a type capture may take, is taken whole down to that order
 */
static void capture_check(struct compact_control *cc, uint64_t pfn)
{
	struct pfnlab_machine *m = cc->m;
	unsigned o = (unsigned)cc->order;
	uint64_t head;
	struct frame *f;
	int mt;

	if (!cc->capture || cc->captured != NIL_PFN)
		return;
	for (;; o++) {
		if (o >= m->nr_orders)
			return;
		head = pfn & ~((1ull << o) - 1);
		if ((m->frames[head].flags & F_BUDDY) && m->frames[head].order >= o)
			break;
	}
	if (m->frames[head].order != o) /* the block holding @pfn is smaller than the order searched */
		return;
	mt = m->frames[head].mt;
	if (mt == PFNLAB_MT_CMA || mt == PFNLAB_MT_ISOLATE ||
	    ((unsigned)cc->order < m->pb_order && mt == PFNLAB_MT_MOVABLE))
		return;
	list_del_block(m, cc->zone, head);
	while (o > (unsigned)cc->order) { /* the halves not holding @pfn go back, as if never merged */
		uint64_t half = 1ull << --o;

		if (pfn - head >= half) {
			add_to_free_list(m, cc->zone, head, o, mt, false);
			head += half;
		} else {
			add_to_free_list(m, cc->zone, head + half, o, mt, false);
		}
	}
	f = &m->frames[head];
	f->next = f->prev = 0;
	frame_set_state(f, 1, 0, (unsigned)cc->order, F_ALLOC); /* the caller's now (capc->page) */
	cc->captured = head;
}

/* The migration context's source-freed hook: capture for a direct compaction */
static void compaction_freed(struct pfnlab_machine *m, uint64_t src, unsigned order, void *arg)
{
	(void)m;
	(void)order;
	capture_check(arg, src);
}

/* models release_freepages(): the unused free pages back; the highest PFN, 0 if none */
static uint64_t release_freepages(struct compact_control *cc)
{
	uint64_t high = 0;

	for (size_t i = cc->fp_head; i < cc->fp_tail; i++) {
		uint64_t p = cc->freepages[i];

		if (p > high)
			high = p;
		free_frames(cc->m, p, 0);
	}
	cc->fp_head = cc->fp_tail = 0;
	return high;
}

/* models suitable_migration_source() (v4.2: async scans only MOVABLE and CMA blocks) */
static bool suitable_migration_source(const struct compact_control *cc, uint64_t pfn)
{
	int mt = pb_type(cc->m, pfn);

	if (v42(cc->m))
		return cc->mode != PFNLAB_MIGRATE_ASYNC || mt == PFNLAB_MT_MOVABLE || mt == PFNLAB_MT_CMA;
	if (pageblock_skip_persistent(cc->m, pfn))
		return false;
	if (cc->mode != PFNLAB_MIGRATE_ASYNC || !cc->direct)
		return true;
	if (cc->migratetype == PFNLAB_MT_MOVABLE)
		return mt == PFNLAB_MT_MOVABLE || mt == PFNLAB_MT_CMA;
	return mt == cc->migratetype;
}

/*
 * Would isolate_migratepages_block() take the allocated head at @pfn for
 * compaction?  On an LRU, order 0, anonymous without references beyond
 * its mappings or in a page cache (not for a !__GFP_FS request), and in
 * the ISOLATE_ASYNC_MIGRATE modes not under writeback nor dirty without a
 * ->migrate_folio (vfat)
 */
static bool compaction_isolatable(const struct compact_control *cc, uint64_t pfn, bool async_migrate)
{
	const struct pfnlab_machine *m = cc->m;
	const struct frame *f = &m->frames[pfn];
	unsigned pf;

	if (!(f->flags & F_LRU) || !folio_movable(m, pfn))
		return false;
	if (f->flags & F_ANON)
		return f->refcount <= f->mt; /* the pre-check: no references beyond the mappings */
	if (!(cc->gfp & PFNLAB___GFP_FS))
		return false;
	pf = pg_flags(m, pfn);
	if (async_migrate && (pf & PG_WRITEBACK))
		return false;
	if (async_migrate && (pf & PG_DIRTY) && (pf & PGK_MASK) == PGK_FILE &&
	    m->mappings[f->next - 1].fs == PFNLAB_FS_VFAT)
		return false;
	return true;
}

/* models isolate_migratepages_block() for compaction: the movable pages of [@low, @end) */
static void isolate_migratepages_block(struct compact_control *cc, uint64_t low, uint64_t end)
{
	struct pfnlab_machine *m = cc->m;
	uint64_t start = low, nr_scanned = 0, nr_isolated = 0, next_skip = 0, valid = NIL_PFN;
	bool skip_on_failure = false, skip_updated = false;
	bool async_migrate = v42(m) ? cc->mode == PFNLAB_MIGRATE_ASYNC : cc->mode != PFNLAB_MIGRATE_SYNC;

	cc->migrate_pfn = low;
	if (cc->direct && cc->mode == PFNLAB_MIGRATE_ASYNC && !v42(m)) {
		skip_on_failure = true;
		next_skip = order_block_end(low, cc->order);
	}
	for (; low < end; low++) {
		const struct frame *f;

		if (skip_on_failure && low >= next_skip) {
			if (nr_isolated)
				break;
			next_skip = order_block_end(low, cc->order);
		}
		nr_scanned++;
		f = &m->frames[low];
		if (valid == NIL_PFN && !(low & (m->pb_pages - 1))) {
			if (!isolation_suitable(cc, low)) {
				low = end;
				goto out;
			}
			valid = low;
		}
		if (f->flags & F_BUDDY) {
			if (f->order)
				low += (1ull << f->order) - 1;
			continue;
		}
		if ((f->flags & F_ALLOC) && f->order) { /* PageCompound() */
			low += (1ull << f->order) - 1;
			goto fail;
		}
		if (!(f->flags & F_ALLOC) || !compaction_isolatable(cc, low, async_migrate))
			goto fail;
		if (!skip_updated && !v42(m)) {
			skip_updated = true;
			if (test_and_set_skip(cc, low))
				goto out;
		}
		if (!folio_isolate_lru(m, low))
			goto fail;
		cc->migratepages[cc->nr_migratepages++] = low;
		nr_isolated++;
		if (cc->nr_migratepages >= COMPACT_CLUSTER_MAX && !cc->rescan) {
			low++;
			break;
		}
		continue;
fail:
		if (!skip_on_failure)
			continue;
		if (nr_isolated) {
			putback_movable_pages(m, cc->migratepages, cc->nr_migratepages);
			cc->nr_migratepages = 0;
			nr_isolated = 0;
		}
		if (low < next_skip) {
			low = next_skip - 1;
			next_skip += 1ull << cc->order;
		}
	}
	if (low > end)
		low = end;
	if (low == end && (!nr_isolated || cc->rescan)) {
		if (valid != NIL_PFN && !skip_updated)
			set_pageblock_skip(m, valid);
		update_cached_migrate(cc, low);
	}
out:
	trace_printf(m, "mm_compaction_isolate_migratepages", "range=(0x%llx ~ 0x%llx) nr_scanned=%llu nr_taken=%llu",
		     (unsigned long long)start, (unsigned long long)low, (unsigned long long)nr_scanned,
		     (unsigned long long)nr_isolated);
	cc->total_migrate_scanned += nr_scanned;
	m->vm[VM_COMPACT_ISOLATED] += nr_isolated;
	cc->migrate_pfn = low;
}

/* models update_fast_start_pfn() */
static void update_fast_start_pfn(struct compact_control *cc, uint64_t pfn)
{
	if (cc->fast_start_pfn == UINT64_MAX)
		return;
	if (!cc->fast_start_pfn || pfn < cc->fast_start_pfn)
		cc->fast_start_pfn = pfn;
}

/* models reinit_migrate_pfn() */
static uint64_t reinit_migrate_pfn(struct compact_control *cc)
{
	if (!cc->fast_start_pfn || cc->fast_start_pfn == UINT64_MAX)
		return cc->migrate_pfn;
	cc->migrate_pfn = cc->fast_start_pfn;
	cc->fast_start_pfn = UINT64_MAX;
	return cc->migrate_pfn;
}

/*
 * models fast_find_migrateblock(): start the migrate scanner at a
 * pageblock low in the zone that the MOVABLE free lists of orders
 * PAGE_ALLOC_COSTLY_ORDER..order-1 show to be partly free
 */
static uint64_t fast_find_migrateblock(struct compact_control *cc)
{
	struct pfnlab_machine *m = cc->m;
	struct zone *z = cc->zone;
	unsigned limit = freelist_scan_limit(cc), nr_scanned = 0;
	uint64_t pfn = cc->migrate_pfn, distance, high_pfn;
	bool found = false;

	if (v42(m) || cc->ignore_skip_hint)
		return pfn;
	if (pfn != z->start_pfn && pfn != pb_start(m, pfn))
		return pfn;
	if (cc->order <= PAGE_ALLOC_COSTLY_ORDER)
		return pfn;
	if (cc->direct && cc->migratetype != PFNLAB_MT_MOVABLE)
		return pfn;
	distance = (cc->free_pfn - cc->migrate_pfn) >> 1;
	if (cc->migrate_pfn != z->start_pfn)
		distance >>= 2;
	high_pfn = pb_start(m, cc->migrate_pfn + distance);
	for (int order = cc->order - 1; order >= PAGE_ALLOC_COSTLY_ORDER && !found && nr_scanned < limit;
	     order--) {
		struct free_list *l = &z->area[order].list[PFNLAB_MT_MOVABLE];

		if (!z->area[order].nr_free)
			continue;
		for (uint32_t p = l->head; p != NIL_PFN; p = m->frames[p].next) {
			if (nr_scanned++ >= limit) {
				rotate_free_list(m, l, p, true);
				break;
			}
			if (p < high_pfn) {
				if (pageblock_skip(m, p))
					continue;
				rotate_free_list(m, l, p, true);
				update_fast_start_pfn(cc, p);
				pfn = pb_start(m, p) > z->start_pfn ? pb_start(m, p) : z->start_pfn;
				cc->fast_search_fail = 0;
				found = true;
				set_pageblock_skip(m, p);
				break;
			}
		}
	}
	cc->total_migrate_scanned += nr_scanned;
	if (!found) {
		cc->fast_search_fail++;
		pfn = reinit_migrate_pfn(cc);
	}
	return pfn;
}

/* models isolate_migratepages(): the next pageblock with pages to move; true if some were isolated */
static bool isolate_migratepages(struct compact_control *cc)
{
	struct pfnlab_machine *m = cc->m;
	struct zone *z = cc->zone;
	uint64_t low = fast_find_migrateblock(cc);
	uint64_t block_start = pb_start(m, low) > z->start_pfn ? pb_start(m, low) : z->start_pfn;
	uint64_t block_end = pb_end(m, low);
	bool fast_find_block = low != cc->migrate_pfn && !cc->fast_search_fail;

	for (; block_end <= cc->free_pfn; fast_find_block = false, cc->migrate_pfn = low = block_end,
					  block_start = block_end, block_end += m->pb_pages) {
		if (!block_in_zone(z, block_start, block_end))
			continue;
		if (!(low & (m->pb_pages - 1)) && !fast_find_block && !isolation_suitable(cc, block_start))
			continue;
		if (!suitable_migration_source(cc, block_start)) {
			if (!v42(m))
				update_cached_migrate(cc, block_end);
			continue;
		}
		isolate_migratepages_block(cc, low, block_end);
		break;
	}
	return cc->nr_migratepages > 0;
}

/* The 6.1 finished test for a request: a free block it could take (also by stealing) */
static int compact_finished_order(const struct compact_control *cc)
{
	const struct pfnlab_machine *m = cc->m;
	const struct zone *z = cc->zone;

	if (v42(m)) {
		if (!zone_watermark_ok(m, z, (unsigned)cc->order, z->wmark[WMARK_LOW], cc->highest, cc->alloc_flags))
			return COMPACT_CONTINUE;
		for (unsigned o = (unsigned)cc->order; o < m->nr_orders; o++) {
			if (z->area[o].list[cc->migratetype].head != NIL_PFN)
				return COMPACT_SUCCESS;
			if (o >= m->pb_order && z->area[o].nr_free)
				return COMPACT_SUCCESS;
		}
		return COMPACT_NO_SUITABLE_PAGE;
	}
	if (cc->migrate_pfn & (m->pb_pages - 1))
		return COMPACT_CONTINUE;
	for (unsigned o = (unsigned)cc->order; o < m->nr_orders; o++) {
		bool can_steal;

		if (z->area[o].list[cc->migratetype].head != NIL_PFN)
			return COMPACT_SUCCESS;
		if (m->cfg.config_cma && cc->migratetype == PFNLAB_MT_MOVABLE &&
		    z->area[o].list[PFNLAB_MT_CMA].head != NIL_PFN)
			return COMPACT_SUCCESS;
		if (find_suitable_fallback(m, z, o, cc->migratetype, true, &can_steal) != -1)
			return COMPACT_SUCCESS;
	}
	return COMPACT_NO_SUITABLE_PAGE;
}

/* models __compact_finished() */
static int compact_finished_status(struct compact_control *cc)
{
	struct pfnlab_machine *m = cc->m;

	if (compact_scanners_met(cc)) {
		reset_cached_positions(m, cc->zone);
		if (cc->direct || (v42(m) && !m->compaction.kswapd_compacting))
			cc->zone->compact_blockskip_flush = true;
		return cc->whole_zone || v42(m) ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
	}
	if (cc->proactive) {
		if (kswapd_is_running(m))
			return COMPACT_PARTIAL_SKIPPED;
		return extfrag_for_order(m, cc->zone, hpage_order(m)) > fragmentation_score_wmark(m, true)
			       ? COMPACT_CONTINUE
			       : COMPACT_SUCCESS;
	}
	if (cc->order < 0)
		return COMPACT_CONTINUE;
	return compact_finished_order(cc);
}

/* models compact_finished(): traced; no suitable page yet means go on */
static int compact_finished(struct compact_control *cc)
{
	int ret = compact_finished_status(cc);

	trace_printf(cc->m, "mm_compaction_finished", "node=0 zone=%-8s order=%d ret=%s",
		     zone_type_names[cc->zone->type], cc->order, status_name(cc->m, ret));
	return ret == COMPACT_NO_SUITABLE_PAGE ? COMPACT_CONTINUE : ret;
}

/* models __compaction_suitable() (v6.1, v4.2) with the free pages @free counted for the order-0 test */
static int compaction_suitable_free(struct pfnlab_machine *m, const struct zone *z, int order,
				    unsigned alloc_flags, int highest, int64_t free)
{
	uint64_t wm;
	int fragindex;

	if (order < 0)
		return COMPACT_CONTINUE;
	if (v42(m)) {
		wm = z->wmark[WMARK_LOW];
		if (zone_watermark_ok(m, z, (unsigned)order, wm, highest, alloc_flags))
			return COMPACT_SUCCESS;
		if (!zone_watermark_ok(m, z, 0, wm + (2ull << order), highest, alloc_flags))
			return COMPACT_SKIPPED;
		fragindex = fragmentation_index(m, z, (unsigned)order);
		if (fragindex >= 0 && fragindex <= (int)m->compaction.extfrag_threshold)
			return COMPACT_NOT_SUITABLE_ZONE;
		return COMPACT_CONTINUE;
	}
	if (zone_watermark_ok(m, z, (unsigned)order, z->wmark[alloc_flags & ALLOC_WMARK_MASK], highest, alloc_flags))
		return COMPACT_SUCCESS;
	wm = (order > PAGE_ALLOC_COSTLY_ORDER ? z->wmark[WMARK_LOW] : z->wmark[WMARK_MIN]) + (2ull << order);
	if (!zone_watermark_ok_free(m, z, 0, wm, highest, ALLOC_CMA, free))
		return COMPACT_SKIPPED;
	return COMPACT_CONTINUE;
}

/* models compaction_suitable(): traced (6.12: not the watermark's SUCCESS, which it tests elsewhere) */
int compaction_suitable(struct pfnlab_machine *m, struct zone *z, int order, unsigned alloc_flags, int highest)
{
	int ret;

	if (m->cfg.no_compaction) /* the !CONFIG_COMPACTION stub */
		return COMPACT_SKIPPED;
	ret = compaction_suitable_free(m, z, order, alloc_flags, highest, z->nr_free);
	if (!v42(m) && ret == COMPACT_CONTINUE && order > PAGE_ALLOC_COSTLY_ORDER) {
		int fragindex = fragmentation_index(m, z, (unsigned)order);

		if (fragindex >= 0 && fragindex <= (int)m->compaction.extfrag_threshold)
			ret = COMPACT_NOT_SUITABLE_ZONE;
	}
	if (!(m->cfg.kernel == PFNLAB_KERNEL_6_12 && !v42(m) && ret == COMPACT_SUCCESS))
		trace_printf(m, "mm_compaction_suitable", "node=0 zone=%-8s order=%d ret=%s",
			     zone_type_names[z->type], order, status_name(m, ret));
	return ret == COMPACT_NOT_SUITABLE_ZONE ? COMPACT_SKIPPED : ret;
}

/*
 * models compaction_zonelist_suitable(): would compaction have a chance in
 * some zone up to @highest if @reclaimable[i] pages of zones[i] were freed?
 */
bool compaction_zonelist_suitable(struct pfnlab_machine *m, int order, unsigned alloc_flags, int highest,
				  const uint64_t *reclaimable)
{
	for (int i = m->nr_zones - 1; i >= 0; i--) {
		const struct zone *z = &m->zones[i];
		int64_t available = z->nr_free + (int64_t)(reclaimable ? reclaimable[i] / (unsigned)order : 0);

		if (z->type <= highest &&
		    compaction_suitable_free(m, z, order, alloc_flags, highest, available) == COMPACT_CONTINUE)
			return true;
	}
	return false;
}

/* The trace line of mm_compaction_begin and _end */
static void trace_begin_end(struct compact_control *cc, const char *event, bool sync, int status)
{
	const struct zone *z = cc->zone;
	char st[40] = "";

	if (!cc->m->trace.write)
		return;
	if (status >= 0)
		snprintf(st, sizeof(st), " status=%s", status_name(cc->m, status));
	trace_printf(cc->m, event, "zone_start=0x%llx migrate_pfn=0x%llx free_pfn=0x%llx zone_end=0x%llx, mode=%s%s",
		     (unsigned long long)z->start_pfn, (unsigned long long)cc->migrate_pfn,
		     (unsigned long long)cc->free_pfn, (unsigned long long)zone_end(z), sync ? "sync" : "async", st);
}

/* Drain the per-CPU free lists of the zone and capture from what they freed since @from. */
static void drain_and_capture(struct compact_control *cc, uint64_t from)
{
	pcp_drain_zone(cc->m, cc->zone);
	if (!cc->capture)
		return;
	for (uint64_t p = from & ~((1ull << cc->order) - 1); p < cc->migrate_pfn && cc->captured == NIL_PFN;
	     p += 1ull << cc->order)
		capture_check(cc, p);
}

/* models compact_zone() */
static int compact_zone(struct compact_control *cc)
{
	struct pfnlab_machine *m = cc->m;
	struct zone *z = cc->zone;
	uint64_t start = z->start_pfn, end = zone_end(z), last_migrated = 0;
	bool sync = cc->mode != PFNLAB_MIGRATE_ASYNC, update_cached;
	struct migrate_ctx ctx = {.alloc = compaction_alloc, .release = compaction_free, .arg = cc,
				  .freed = compaction_freed};
	int ret;

	cc->total_migrate_scanned = cc->total_free_scanned = 0;
	cc->nr_migratepages = 0;
	cc->migratetype = gfp_migratetype(cc->gfp);
	cc->captured = NIL_PFN;
	ret = compaction_suitable(m, z, cc->order, cc->alloc_flags, cc->highest);
	if (ret == COMPACT_SUCCESS || ret == COMPACT_SKIPPED)
		return ret;
	if (compaction_restarting(z, cc->order) && !(v42(m) && m->compaction.kswapd_compacting))
		reset_isolation_suitable_zone(m, z);
	cc->fast_start_pfn = 0;
	if (cc->whole_zone) {
		cc->migrate_pfn = start;
		cc->free_pfn = pb_start(m, end - 1);
	} else {
		cc->migrate_pfn = z->compact_cached_migrate_pfn[sync];
		cc->free_pfn = z->compact_cached_free_pfn;
		if (cc->free_pfn < start || cc->free_pfn >= end + v42(m)) {
			cc->free_pfn = v42(m) ? end & ~(m->pb_pages - 1) : pb_start(m, end - 1);
			z->compact_cached_free_pfn = cc->free_pfn;
		}
		if (cc->migrate_pfn < start || cc->migrate_pfn >= end + v42(m)) {
			cc->migrate_pfn = start;
			z->compact_cached_migrate_pfn[0] = start;
			z->compact_cached_migrate_pfn[1] = start;
		}
		if (!v42(m) && cc->migrate_pfn <= z->compact_init_migrate_pfn)
			cc->whole_zone = true;
	}
	update_cached = !sync && z->compact_cached_migrate_pfn[0] == z->compact_cached_migrate_pfn[1];
	trace_begin_end(cc, "mm_compaction_begin", sync, -1);
	m->compaction.depth++;
	while ((ret = compact_finished(cc)) == COMPACT_CONTINUE) {
		uint64_t iteration_start = cc->migrate_pfn;
		struct pfnlab_migrate_result res;
		size_t nr_isolated;
		long err;

		cc->rescan = !v42(m) && pb_start(m, last_migrated) == pb_start(m, iteration_start);
		if (!isolate_migratepages(cc)) {
			if (update_cached && !v42(m))
				z->compact_cached_migrate_pfn[1] = z->compact_cached_migrate_pfn[0];
			goto check_drain;
		}
		update_cached = false;
		if (!v42(m) || !last_migrated)
			last_migrated = iteration_start;
		/* the list holds the last isolated first (list_add()) */
		for (size_t i = 0, j = cc->nr_migratepages - 1; i < j; i++, j--) {
			uint64_t t = cc->migratepages[i];

			cc->migratepages[i] = cc->migratepages[j];
			cc->migratepages[j] = t;
		}
		nr_isolated = cc->nr_migratepages;
		err = migrate_pages_ctx(m, cc->migratepages, &cc->nr_migratepages, 0, &ctx,
					(enum pfnlab_migrate_mode)cc->mode, PFNLAB_MR_COMPACTION, &res);
		trace_printf(m, "mm_compaction_migratepages", "nr_migrated=%llu nr_failed=%llu",
			     (unsigned long long)res.nr_succeeded, (unsigned long long)(nr_isolated - res.nr_succeeded));
		putback_movable_pages(m, cc->migratepages, cc->nr_migratepages);
		cc->nr_migratepages = 0;
		if (err) {
			if (err == -ENOMEM && !compact_scanners_met(cc)) {
				ret = v42(m) ? COMPACT_SUCCESS : COMPACT_CONTENDED;
				goto out;
			}
			if (cc->direct && cc->mode == PFNLAB_MIGRATE_ASYNC && !v42(m)) {
				cc->migrate_pfn = order_block_end(cc->migrate_pfn - 1, cc->order);
				last_migrated = 0;
			}
		}
check_drain:
		if (cc->order > 0 && last_migrated) {
			uint64_t current_block_start = cc->migrate_pfn & ~((1ull << cc->order) - 1);

			if (last_migrated < current_block_start) {
				drain_and_capture(cc, last_migrated);
				last_migrated = 0;
			}
		}
		if (cc->captured != NIL_PFN) {
			ret = COMPACT_SUCCESS;
			break;
		}
	}
out:
	if (nr_freepages(cc)) {
		uint64_t free_pfn = pb_start(m, release_freepages(cc));

		if (free_pfn > z->compact_cached_free_pfn)
			z->compact_cached_free_pfn = free_pfn;
	}
	m->compaction.depth--;
	m->vm[VM_COMPACT_MIGRATE_SCANNED] += cc->total_migrate_scanned;
	m->vm[VM_COMPACT_FREE_SCANNED] += cc->total_free_scanned;
	trace_begin_end(cc, "mm_compaction_end", sync, ret);
	return ret;
}

/* compact_zone() with its lists' host memory (COMPACT_CONTENDED when the host has none) */
static int compact_zone_run(struct compact_control *cc)
{
	int ret;

	cc->migratepages = host_alloc(cc->m, cc->m->pb_pages * sizeof(*cc->migratepages));
	if (!cc->migratepages)
		return COMPACT_CONTENDED;
	ret = compact_zone(cc);
	free(cc->migratepages);
	cc->migratepages = NULL;
	free(cc->freepages);
	cc->freepages = NULL;
	cc->fp_cap = cc->fp_head = cc->fp_tail = 0;
	return ret;
}

/* models gfp_compaction_allowed() (6.1.192: __GFP_IO; v4.2: __GFP_IO and __GFP_FS) */
bool gfp_compaction_allowed(const struct pfnlab_machine *m, pfnlab_gfp_t gfp)
{
	if (m->cfg.no_compaction)
		return false;
	if (v42(m))
		return (gfp & PFNLAB___GFP_IO) && (gfp & PFNLAB___GFP_FS);
	return gfp & PFNLAB___GFP_IO;
}

/* models compact_zone_order(): one zone for a direct compaction; *@capture gets a captured block */
static int compact_zone_order(struct pfnlab_machine *m, struct zone *z, int order, pfnlab_gfp_t gfp, int prio,
			      unsigned alloc_flags, int highest, uint64_t *capture)
{
	struct compact_control cc = {
		.m = m, .zone = z, .order = order, .search_order = order, .gfp = gfp,
		.mode = prio == COMPACT_PRIO_ASYNC ? PFNLAB_MIGRATE_ASYNC : PFNLAB_MIGRATE_SYNC_LIGHT,
		.alloc_flags = alloc_flags, .highest = highest, .direct = true,
		.whole_zone = prio == COMPACT_PRIO_MIN, .ignore_skip_hint = prio == COMPACT_PRIO_MIN,
		.ignore_block_suitable = prio == COMPACT_PRIO_MIN, .capture = !v42(m),
	};
	int ret;

	m->compaction.capc = &cc;
	ret = compact_zone_run(&cc);
	m->compaction.capc = NULL;
	if (cc.captured != NIL_PFN) {
		*capture = cc.captured;
		ret = COMPACT_SUCCESS;
	}
	return ret;
}

/*
 * models try_to_compact_pages(): direct compaction of the zones up to
 * @highest, highest first, at priority @prio (enum compact_priority; v4.2:
 * ASYNC or SYNC_LIGHT as its migrate mode).  Returns the highest status
 * of the zones tried; *@capture receives a block of @order captured for
 * the caller (an allocated head, not counted in pgalloc), else NIL_PFN.
 */
int try_to_compact_pages(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, unsigned alloc_flags,
			 int highest, int prio, uint64_t *capture)
{
	int rc = v42(m) ? COMPACT_DEFERRED : COMPACT_SKIPPED;
	char g[256];

	*capture = NIL_PFN;
	if (!gfp_compaction_allowed(m, gfp) || (v42(m) && !order))
		return COMPACT_SKIPPED;
	if (m->trace.write) {
		pfnlab_gfp_format(gfp, g, sizeof(g));
		if (v42(m))
			trace_printf(m, "mm_compaction_try_to_compact_pages", "order=%u gfp_mask=0x%x mode=%d", order,
				     (unsigned)gfp, prio == COMPACT_PRIO_ASYNC ? 0 : 1);
		else
			trace_printf(m, "mm_compaction_try_to_compact_pages", "order=%u gfp_mask=%s priority=%d", order,
				     g, prio);
	}
	for (int i = m->nr_zones - 1; i >= 0; i--) {
		struct zone *z = &m->zones[i];
		int status;

		if (z->type > highest)
			continue;
		if ((v42(m) || prio > COMPACT_PRIO_MIN) && compaction_deferred(m, z, (int)order)) {
			rc = status_max(m, COMPACT_DEFERRED, rc);
			continue;
		}
		status = compact_zone_order(m, z, (int)order, gfp, prio, alloc_flags, highest, capture);
		rc = status_max(m, status, rc);
		if (v42(m)) { /* "if a normal allocation would succeed, stop compacting" */
			if (zone_watermark_ok(m, z, order, z->wmark[WMARK_LOW], highest, alloc_flags)) {
				compaction_defer_reset(m, z, (int)order, false);
				break;
			}
			if (prio != COMPACT_PRIO_ASYNC && status == COMPACT_COMPLETE)
				defer_compaction(m, z, (int)order);
			continue;
		}
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(m, z, (int)order, false);
			break;
		}
		if (prio != COMPACT_PRIO_ASYNC && (status == COMPACT_COMPLETE || status == COMPACT_PARTIAL_SKIPPED))
			defer_compaction(m, z, (int)order);
	}
	return rc;
}

/* models kcompactd_node_suitable() */
static bool kcompactd_node_suitable(struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++)
		if (m->zones[i].type <= m->compaction.kcompactd_highest &&
		    compaction_suitable(m, &m->zones[i], m->compaction.kcompactd_max_order, 0,
					m->compaction.kcompactd_highest) == COMPACT_CONTINUE)
			return true;
	return false;
}

/*
 * models wakeup_kcompactd(): note the order and zone and wake kcompactd
 * if some zone is worth compacting; it runs when kcompactd_run() is called
 * (after the operation that woke it)
 */
void wakeup_kcompactd(struct pfnlab_machine *m, int order, int highest)
{
	struct compaction_state *c = &m->compaction;

	if (v42(m) || !order || m->cfg.no_compaction)
		return;
	if (c->kcompactd_max_order < order)
		c->kcompactd_max_order = order;
	if (c->kcompactd_highest > highest)
		c->kcompactd_highest = highest;
	if (c->kcompactd_pending || !kcompactd_node_suitable(m))
		return;
	trace_printf(m, "mm_compaction_wakeup_kcompactd", "nid=0 order=%d classzone_idx=%-8s", order,
		     zone_type_names[highest]);
	c->kcompactd_pending = true;
}

/* The highest zone type of the node (pgdat->nr_zones - 1) */
static int node_highest(const struct pfnlab_machine *m)
{
	return m->nr_zones ? m->zones[m->nr_zones - 1].type : 0;
}

/* models kcompactd_do_work() */
static void kcompactd_do_work(struct pfnlab_machine *m)
{
	struct compaction_state *c = &m->compaction;
	struct compact_control cc = {
		.m = m, .order = c->kcompactd_max_order, .search_order = c->kcompactd_max_order,
		.highest = c->kcompactd_highest, .mode = PFNLAB_MIGRATE_SYNC_LIGHT, .gfp = PFNLAB_GFP_KERNEL,
	};

	trace_printf(m, "mm_compaction_kcompactd_wake", "nid=0 order=%d classzone_idx=%-8s", cc.order,
		     zone_type_names[cc.highest]);
	m->vm[VM_COMPACT_DAEMON_WAKE]++;
	for (int i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		int status;

		if (z->type > cc.highest || compaction_deferred(m, z, cc.order) ||
		    compaction_suitable(m, z, cc.order, 0, z->type) != COMPACT_CONTINUE)
			continue;
		cc.zone = z;
		status = compact_zone_run(&cc);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(m, z, cc.order, false);
		} else if (status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE) {
			pcp_drain_zone(m, z);
			defer_compaction(m, z, cc.order);
		}
		m->vm[VM_COMPACT_DAEMON_MIGRATE_SCANNED] += cc.total_migrate_scanned;
		m->vm[VM_COMPACT_DAEMON_FREE_SCANNED] += cc.total_free_scanned;
	}
	if (c->kcompactd_max_order <= cc.order)
		c->kcompactd_max_order = 0;
	if (c->kcompactd_highest >= cc.highest)
		c->kcompactd_highest = node_highest(m);
}

/* models compact_node() (@proactive: proactive_compact_node()): every zone, whole */
static void compact_node(struct pfnlab_machine *m, bool proactive)
{
	for (int i = 0; i < m->nr_zones; i++) {
		struct compact_control cc = {
			.m = m, .zone = &m->zones[i], .order = -1, .search_order = -1, .gfp = PFNLAB_GFP_KERNEL,
			.mode = proactive ? PFNLAB_MIGRATE_SYNC_LIGHT : PFNLAB_MIGRATE_SYNC,
			.ignore_skip_hint = true, .whole_zone = true, .proactive = proactive,
		};

		if (v42(m)) /* __compact_pgdat() for compact_memory */
			reset_isolation_suitable_zone(m, cc.zone);
		compact_zone_run(&cc);
		if (proactive && m->cfg.kernel == PFNLAB_KERNEL_6_12) {
			m->vm[VM_COMPACT_DAEMON_MIGRATE_SCANNED] += cc.total_migrate_scanned;
			m->vm[VM_COMPACT_DAEMON_FREE_SCANNED] += cc.total_free_scanned;
		}
	}
}

/* models compact_nodes(): a write of vm.compact_memory */
void compact_nodes(struct pfnlab_machine *m)
{
	pfnlab_drain_pages(m); /* lru_add_drain_all() has no per-CPU page lists to drain but these */
	compact_node(m, false);
}

int pfnlab_compact_memory(struct pfnlab_machine *m)
{
	return compaction_sysctl_set(m, "vm.compact_memory", 1);
}

/*
 * models v4.2's compact_pgdat(): kswapd compacts every zone
 * asynchronously for @order, unless deferred, and stops deferring a zone
 * that then meets its low watermark at the order
 */
void compact_pgdat(struct pfnlab_machine *m, int order)
{
	if (order < 0)
		return;
	m->compaction.kswapd_compacting = true;
	for (int i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		struct compact_control cc = {.m = m, .zone = z, .order = order, .search_order = order,
					     .mode = PFNLAB_MIGRATE_ASYNC, .gfp = PFNLAB_GFP_KERNEL,
					     .highest = z->type};

		if (compaction_deferred(m, z, order))
			continue;
		compact_zone_run(&cc);
		if (zone_watermark_ok(m, z, (unsigned)order, z->wmark[WMARK_LOW], 0, 0))
			compaction_defer_reset(m, z, order, false);
	}
	m->compaction.kswapd_compacting = false;
}

/* Run kcompactd if something woke it (the kernel's thread, once the waker sleeps). */
void kcompactd_run(struct pfnlab_machine *m)
{
	struct compaction_state *c = &m->compaction;

	if (!c->kcompactd_pending)
		return;
	c->kcompactd_pending = false;
	kcompactd_do_work(m);
	trace_printf(m, "mm_compaction_kcompactd_sleep", "nid=0");
	c->next_check_ns = m->now_ns + HPAGE_FRAG_CHECK_INTERVAL_NS;
}

/*
 * models kcompactd's timeout: every 500 ms of model time up to now, a
 * proactive check (should_proactive_compact_node()), compacting the node
 * while its score is over the high mark; a run that did not lower the
 * score waits 500 ms << COMPACT_MAX_DEFER_SHIFT.  The caller makes sure
 * nothing else changes the machine up to @until (pfnlab_advance() stops
 * at each expiring reference), so checks that find nothing to do are
 * skipped whole: they would decide alike.
 */
void compaction_advance(struct pfnlab_machine *m, uint64_t until)
{
	struct compaction_state *c = &m->compaction;
	uint64_t now = m->now_ns;

	if (v42(m) || m->cfg.no_compaction)
		return;
	while (c->proactiveness && c->next_check_ns <= until) {
		uint64_t wait = HPAGE_FRAG_CHECK_INTERVAL_NS;
		unsigned prev = fragmentation_score_node(m);

		if (!kswapd_is_running(m) && prev > fragmentation_score_wmark(m, false)) {
			if (c->next_check_ns > m->now_ns)
				m->now_ns = c->next_check_ns;
			compact_node(m, true);
			if (fragmentation_score_node(m) >= prev)
				wait <<= COMPACT_MAX_DEFER_SHIFT;
		} else {
			/* nothing changes until @until: the checks up to it decide alike */
			wait *= (until - c->next_check_ns) / HPAGE_FRAG_CHECK_INTERVAL_NS + 1;
		}
		c->next_check_ns += wait;
	}
	if (!c->proactiveness && c->next_check_ns <= until)
		c->next_check_ns = until + HPAGE_FRAG_CHECK_INTERVAL_NS;
	if (m->now_ns < now)
		m->now_ns = now;
}

/* The compaction state of a new machine: the sysctl defaults, kcompactd asleep. */
void compaction_init(struct pfnlab_machine *m)
{
	struct compaction_state *c = &m->compaction;

	*c = (struct compaction_state){
		.proactiveness = v42(m) ? 0 : 20, .extfrag_threshold = 500, .unevictable_allowed = true,
		.kcompactd_highest = node_highest(m), .next_check_ns = m->now_ns + HPAGE_FRAG_CHECK_INTERVAL_NS,
	};
}

/*
 * compaction's vm sysctls: vm.compaction_proactiveness (0..100, v6.1 only),
 * vm.extfrag_threshold (0..1000), vm.compact_unevictable_allowed (0, 1;
 * v4.1+), vm.compact_memory (write: compact everything now).  0, -ENOENT
 * (not a compaction knob or not in the era), -EINVAL (out of range).
 */
int compaction_sysctl_set(struct pfnlab_machine *m, const char *name, uint64_t value)
{
	struct compaction_state *c = &m->compaction;

	if (strcmp(name, "vm.compaction_proactiveness") == 0) {
		if (v42(m))
			return -ENOENT;
		if (value > 100)
			return -EINVAL;
		c->proactiveness = (unsigned)value;
		if (value) /* proactive_compact_trigger: a check at once */
			c->next_check_ns = m->now_ns;
		compaction_advance(m, m->now_ns);
		return 0;
	}
	if (strcmp(name, "vm.extfrag_threshold") == 0) {
		if (value > 1000)
			return -EINVAL;
		c->extfrag_threshold = (unsigned)value;
		return 0;
	}
	if (strcmp(name, "vm.compact_unevictable_allowed") == 0) {
		if (value > 1)
			return -EINVAL;
		c->unevictable_allowed = value;
		return 0;
	}
	if (strcmp(name, "vm.compact_memory") == 0) {
		if (value != 1)
			return -EINVAL;
		compact_nodes(m);
		return 0;
	}
	return -ENOENT;
}

/* Read a compaction sysctl (vm.compact_memory reads 0); 0 or -ENOENT. */
int compaction_sysctl_get(const struct pfnlab_machine *m, const char *name, uint64_t *value)
{
	const struct compaction_state *c = &m->compaction;

	if (strcmp(name, "vm.compaction_proactiveness") == 0 && !v42(m))
		*value = c->proactiveness;
	else if (strcmp(name, "vm.extfrag_threshold") == 0)
		*value = c->extfrag_threshold;
	else if (strcmp(name, "vm.compact_unevictable_allowed") == 0)
		*value = c->unevictable_allowed;
	else if (strcmp(name, "vm.compact_memory") == 0)
		*value = 0;
	else
		return -ENOENT;
	return 0;
}
