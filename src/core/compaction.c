/*
 * compaction.c - memory compaction: move movable pages from the bottom of
 * a zone to free pages at its top until a free block of the wanted order
 * appears.
 *
 * This file runs compact_zone() and decides when compaction is suitable,
 * finished or deferred; the migrate and free scanners are
 * compaction_scan.c's, compaction nobody waits for (kcompactd, proactive,
 * vm.compact_memory, the sysctls) kcompactd.c's; compact_control.h holds
 * what they share.
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

#include "compact_control.h"
#include "buddy.h"
#include "gfp.h"
#include "migrate.h"

static const char *const status_names[] = {
	[COMPACT_NOT_SUITABLE_ZONE] = "not_suitable_zone", [COMPACT_SKIPPED] = "skipped",
	[COMPACT_DEFERRED] = "deferred", [COMPACT_NO_SUITABLE_PAGE] = "no_suitable_page",
	[COMPACT_CONTINUE] = "continue", [COMPACT_COMPLETE] = "complete",
	[COMPACT_PARTIAL_SKIPPED] = "partial_skipped", [COMPACT_CONTENDED] = "contended",
	[COMPACT_SUCCESS] = "success",
};

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

const char *const zone_type_names[PFNLAB_NR_ZONES] = {"DMA", "DMA32", "Normal", "Movable"};

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
unsigned fragmentation_score_wmark(const struct pfnlab_machine *m, bool low)
{
	unsigned p = m->compaction.proactiveness, wmark_low = 100 - p > 5 ? 100 - p : 5;

	return low ? wmark_low : (wmark_low + 10 < 100 ? wmark_low + 10 : 100);
}

/* models kswapd_is_running(): inside balance_pgdat() (kswapd.c) */
bool kswapd_is_running(const struct pfnlab_machine *m)
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
void defer_compaction(struct pfnlab_machine *m, struct zone *z, int order)
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
	if (zone_watermark_ok(m, z, (unsigned)order, wmark_pages(z, (int)(alloc_flags & ALLOC_WMARK_MASK)), highest,
			      alloc_flags))
		return COMPACT_SUCCESS;
	wm = wmark_pages(z, order > PAGE_ALLOC_COSTLY_ORDER ? WMARK_LOW : WMARK_MIN) + (2ull << order);
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
int compact_zone_run(struct compact_control *cc)
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
