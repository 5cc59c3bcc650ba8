/*
 * slowpath.c - the allocator's slow path: what an allocation does when
 * the free lists are below the low watermark.
 *
 * Models __alloc_pages_slowpath() of mm/page_alloc.c in Debian 6.1.192
 * and v4.2 (--era 2015), with gfp_to_alloc_flags(),
 * __gfp_pfmemalloc_flags(), wake_all_kswapds(),
 * __alloc_pages_direct_reclaim(), should_reclaim_retry(),
 * unreserve_highatomic_pageblock(), __alloc_pages_may_oom() and the
 * __GFP_NOFAIL fallback.
 *
 * 6.1: wake kswapd, try at the min watermark, direct compaction first for
 * costly and unmovable high orders, then loop: direct reclaim, direct
 * compaction, should_reclaim_retry() (at most MAX_RECLAIM_RETRIES rounds
 * without progress, and only while some zone could pass the min
 * watermark with all its reclaimable pages), should_compact_retry(),
 * then the OOM killer (not for order > 3, __GFP_RETRY_MAYFAIL,
 * __GFP_THISNODE, or a request below ZONE_NORMAL); an OOM victim
 * allocating dips into half the min reserve (ALLOC_OOM), then fails.
 * v4.2: no costly distinction before reclaim (async direct compaction
 * first for any order > 0), a retry whenever reclaim made progress for
 * order <= 3 or, with __GFP_REPEAT, until 2^order pages were reclaimed;
 * OOM after a round without progress; TIF_MEMDIE takes any page
 * (ALLOC_NO_WATERMARKS).
 *
 * Direct compaction is try_to_compact_pages() (compaction.c) with
 * __alloc_pages_direct_compact() and should_compact_retry() here.
 * kswapd and kcompactd, once woken, run when this allocation returns
 * (kswapd.c, compaction.c).
 *
 * warn_alloc() prints its line (v4.2: warn_alloc_failed()), rate-limited
 * as the kernel does.
 *
 * Simplified: no stack dump or show_mem() after that line; no cpusets,
 * memory policies or nodes; a __GFP_NOFAIL request gives up after
 * NOFAIL_ROUNDS rounds, and
 * v4.2 after NOFAIL_ROUNDS kills in one allocation; any allocation after
 * SLOWPATH_MAX_ROUNDS rounds (the kernel would loop on).
 */
#include "model.h"
#include "gfp.h"

#define NOFAIL_ROUNDS 16
#define NOPAGE_RATELIMIT_NS 10000000000ull  /* warn_alloc()'s nopage_rs: 10 * HZ, burst 1 */
#define RATELIMIT_DEFAULT_NS 5000000000ull  /* DEFAULT_RATELIMIT_INTERVAL (v4.2's nopage_rs) */
#define RATELIMIT_DEFAULT_BURST 10
#define MAX_COMPACT_RETRIES 16
#define SLOWPATH_MAX_ROUNDS 65536

static bool v42(const struct pfnlab_machine *m)
{
	return m->cfg.era == PFNLAB_ERA_2015;
}

/* Is the task allocating (current) an OOM victim? */
static bool current_oom_victim(struct pfnlab_machine *m)
{
	struct mm *mm = mm_get(m, m->current_mm);

	return mm && mm->oom_victim;
}

/* models gfp_to_alloc_flags() (v6.1) and v4.2's, the slow path's flags */
unsigned gfp_to_alloc_flags(const struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order)
{
	unsigned f = ALLOC_WMARK_MIN;

	f |= gfp & PFNLAB___GFP_HIGH; /* ALLOC_MIN_RESERVE (v4.2 ALLOC_HIGH) */
	if (v42(m)) {
		bool atomic = !(gfp & PFNLAB___GFP_DIRECT_RECLAIM) && (gfp & PFNLAB___GFP_KSWAPD_RECLAIM);

		if (atomic && !(gfp & PFNLAB___GFP_NOMEMALLOC))
			f |= ALLOC_NON_BLOCK; /* ALLOC_HARDER */
		if (!(gfp & PFNLAB___GFP_NOMEMALLOC) &&
		    ((gfp & PFNLAB___GFP_MEMALLOC) || m->reclaim_depth || current_oom_victim((struct pfnlab_machine *)m)))
			f |= ALLOC_NO_WATERMARKS;
		return alloc_flags_cma(m, gfp_migratetype(gfp), f);
	}
	f |= gfp & PFNLAB___GFP_KSWAPD_RECLAIM;
	if (gfp & PFNLAB___GFP_ATOMIC)
		f |= ALLOC_GFP_ATOMIC;
	if (!(gfp & PFNLAB___GFP_DIRECT_RECLAIM) && !(gfp & PFNLAB___GFP_NOMEMALLOC)) {
		f |= ALLOC_NON_BLOCK;
		if (order > 0 && (f & ALLOC_MIN_RESERVE))
			f |= ALLOC_HIGHATOMIC;
	}
	return alloc_flags_cma(m, gfp_migratetype(gfp), f);
}

/* models __gfp_pfmemalloc_flags() (v6.1): reserves for PF_MEMALLOC and OOM victims */
static unsigned pfmemalloc_flags(struct pfnlab_machine *m, pfnlab_gfp_t gfp)
{
	if (gfp & PFNLAB___GFP_NOMEMALLOC)
		return 0;
	if ((gfp & PFNLAB___GFP_MEMALLOC) || m->reclaim_depth)
		return ALLOC_NO_WATERMARKS;
	return current_oom_victim(m) ? ALLOC_OOM : 0;
}

/* models wake_all_kswapds(): one node, one kswapd (v4.2: asked per zone, kswapd.c) */
static void wake_all_kswapds(struct pfnlab_machine *m, const struct alloc_request *ar)
{
	if (m->trace.write) {
		char g[256];

		pfnlab_gfp_format(ar->gfp, g, sizeof(g));
		trace_printf(m, "mm_vmscan_wakeup_kswapd", "nid=0 order=%u gfp_flags=%s", ar->order, g);
	}
	wakeup_kswapd(m, ar->gfp, ar->order, v42(m) ? ar->preferred : ar->highest);
}

/*
 * models unreserve_highatomic_pageblock(): give a HIGHATOMIC pageblock
 * with free pages back to the request's type; true if pages moved
 */
static bool unreserve_highatomic(struct pfnlab_machine *m, const struct alloc_request *ar, bool force)
{
	if (v42(m))
		return false;
	for (int i = m->nr_zones - 1; i >= 0; i--) {
		struct zone *z = &m->zones[i];

		if (z->type > ar->highest || (!force && z->nr_reserved_highatomic <= m->pb_pages))
			continue;
		for (unsigned o = 0; o < m->nr_orders; o++) {
			uint64_t pfn = z->area[o].list[PFNLAB_MT_HIGHATOMIC].head;

			if (pfn == NIL_PFN)
				continue;
			if (pb_type(m, pfn) == PFNLAB_MT_HIGHATOMIC)
				z->nr_reserved_highatomic -= z->nr_reserved_highatomic < m->pb_pages
								     ? z->nr_reserved_highatomic : m->pb_pages;
			set_pageblock_migratetype(m, pfn, ar->mt);
			m->pageblock[pfn >> m->pb_order] |= PB_RETYPED;
			if (move_freepages_block(m, z, pfn, ar->mt, NULL))
				return true;
		}
	}
	return false;
}

/* drain_all_pages(): every CPU's lists back to the buddy lists */
static void drain_all(struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++)
		pcp_drain_zone(m, &m->zones[i]);
}

/* get_page_from_freelist() for @ar with @flags */
static uint64_t try_freelist(struct pfnlab_machine *m, struct alloc_request *ar, unsigned flags)
{
	return get_page_from_freelist(m, ar->order, flags, ar->highest, ar->mt, &ar->zone_type);
}

/* models __alloc_pages_direct_reclaim(): reclaim, then allocate (draining per-CPU lists once) */
static uint64_t direct_reclaim(struct pfnlab_machine *m, struct alloc_request *ar, unsigned flags,
			       uint64_t *progress)
{
	uint64_t p;
	char g[256];

	if (m->trace.write) {
		pfnlab_gfp_format(ar->gfp, g, sizeof(g));
		trace_printf(m, "mm_vmscan_direct_reclaim_begin", "order=%u gfp_flags=%s", ar->order, g);
	}
	*progress = try_to_free_pages(m, ar->gfp, ar->order);
	trace_printf(m, "mm_vmscan_direct_reclaim_end", "nr_reclaimed=%llu", (unsigned long long)*progress);
	if (!*progress)
		return NIL_PFN;
	p = try_freelist(m, ar, v42(m) ? flags & ~ALLOC_NO_WATERMARKS : flags);
	if (p == NIL_PFN) {
		unreserve_highatomic(m, ar, false);
		drain_all(m);
		p = try_freelist(m, ar, v42(m) ? flags & ~ALLOC_NO_WATERMARKS : flags);
	}
	return p;
}

/*
 * models __alloc_pages_direct_compact(): compact (as PF_MEMALLOC), take a
 * captured block or try the free lists; compact_stall unless compaction
 * was skipped (v4.2: or deferred, which sets *@deferred), then
 * compact_success or compact_fail; @result receives try_to_compact_pages()'s answer
 */
static uint64_t direct_compact(struct pfnlab_machine *m, struct alloc_request *ar, unsigned flags, int prio,
			       int *result, bool *deferred)
{
	uint64_t p;
	struct zone *z;

	if (!ar->order)
		return NIL_PFN;
	m->reclaim_depth++;
	*result = try_to_compact_pages(m, ar->gfp, ar->order, flags, ar->highest, prio, &p);
	m->reclaim_depth--;
	if (v42(m) && *result == COMPACT_DEFERRED)
		*deferred = true;
	if (*result == COMPACT_SKIPPED || (v42(m) && *result == COMPACT_DEFERRED))
		return NIL_PFN;
	m->vm[VM_COMPACT_STALL]++;
	if (p != NIL_PFN)
		ar->zone_type = pfn_zone(m, p)->type;
	else
		p = try_freelist(m, ar, v42(m) ? flags & ~ALLOC_NO_WATERMARKS : flags);
	if (p == NIL_PFN) {
		m->vm[VM_COMPACT_FAIL]++;
		return NIL_PFN;
	}
	z = pfn_zone(m, p);
	z->compact_blockskip_flush = false;
	compaction_defer_reset(m, z, (int)ar->order, true);
	m->vm[VM_COMPACT_SUCCESS]++;
	return p;
}

static const char *const prio_names[] = {"COMPACT_PRIO_SYNC_FULL", "COMPACT_PRIO_SYNC_LIGHT", "COMPACT_PRIO_ASYNC"};

/* compact_result_to_feedback() of the compact_retry trace line */
static const char *compact_feedback(int result)
{
	if (result == COMPACT_COMPLETE)
		return "failed";
	if (result == COMPACT_DEFERRED || result == COMPACT_CONTENDED || result == COMPACT_PARTIAL_SKIPPED)
		return "withdrawn";
	return "progress";
}

/*
 * models should_compact_retry() (v6.1): retry after a successful
 * compaction at most MAX_COMPACT_RETRIES times (a quarter of that for
 * costly orders); after a complete or withdrawn one at a higher priority
 * (down to SYNC_FULL, SYNC_LIGHT for costly orders); after a skipped one
 * if reclaim could make room for it
 */
static bool should_compact_retry(struct pfnlab_machine *m, struct alloc_request *ar, unsigned flags, int result,
				 int *prio, int *retries)
{
	int max_retries = MAX_COMPACT_RETRIES, prio0 = *prio, retries0 = *retries;
	bool ret = false;

	if (!ar->order || current_oom_victim(m)) /* fatal_signal_pending() */
		return false;
	if (result == COMPACT_SUCCESS)
		(*retries)++;
	if (result == COMPACT_SKIPPED) {
		uint64_t reclaimable[PFNLAB_NR_ZONES];

		for (int i = 0; i < m->nr_zones; i++)
			reclaimable[i] = zone_reclaimable_pages(m, i);
		ret = compaction_zonelist_suitable(m, (int)ar->order, flags, ar->highest, reclaimable);
	} else if (result != COMPACT_COMPLETE && result != COMPACT_DEFERRED && result != COMPACT_CONTENDED &&
		   result != COMPACT_PARTIAL_SKIPPED) {
		if (ar->order > PAGE_ALLOC_COSTLY_ORDER)
			max_retries /= 4;
		ret = *retries <= max_retries;
	}
	if (!ret && result != COMPACT_SKIPPED &&
	    *prio > (ar->order > PAGE_ALLOC_COSTLY_ORDER ? COMPACT_PRIO_MIN_COSTLY : COMPACT_PRIO_MIN)) {
		(*prio)--;
		*retries = 0;
		ret = true;
	}
	trace_printf(m, "compact_retry",
		     "order=%u priority=%s compaction_result=%s retries=%d max_retries=%d should_retry=%d", ar->order,
		     prio_names[prio0], compact_feedback(result), retries0, max_retries, ret);
	return ret;
}

/*
 * models should_reclaim_retry() (v6.1): another round while reclaim made
 * progress (order <= 3) or fewer than MAX_RECLAIM_RETRIES rounds went
 * without, and some zone would pass its min watermark with all its
 * reclaimable pages freed; before the OOM killer, highatomic reserves go
 */
static bool should_reclaim_retry(struct pfnlab_machine *m, struct alloc_request *ar, unsigned flags,
				 bool progress, int *loops)
{
	bool ret = false;

	if (progress && ar->order <= PAGE_ALLOC_COSTLY_ORDER)
		*loops = 0;
	else
		(*loops)++;
	for (int i = m->nr_zones - 1; *loops <= MAX_RECLAIM_RETRIES && i >= 0 && !ret; i--) {
		const struct zone *z = &m->zones[i];
		uint64_t reclaimable, available;

		if (z->type > ar->highest)
			continue;
		reclaimable = zone_reclaimable_pages(m, i);
		available = reclaimable + (uint64_t)z->nr_free;
		ret = zone_watermark_ok_free(m, z, ar->order, wmark_pages(z, WMARK_MIN), ar->highest, flags,
					     (int64_t)available);
		if (m->trace.write)
			trace_printf(m, "reclaim_retry_zone",
				     "node=0 zone=%-8s order=%u reclaimable=%llu available=%llu min_wmark=%llu no_progress_loops=%d wmark_check=%d",
				     z->name, ar->order, (unsigned long long)reclaimable,
				     (unsigned long long)available, (unsigned long long)wmark_pages(z, WMARK_MIN), *loops,
				     ret);
	}
	return ret || unreserve_highatomic(m, ar, true);
}

/*
 * models __alloc_pages_may_oom(): one more try at the high watermark,
 * then the OOM killer unless the request may not use it; *@progress is
 * set when a victim was killed (or one is exiting)
 */
static uint64_t may_oom(struct pfnlab_machine *m, struct alloc_request *ar, uint64_t *progress)
{
	pfnlab_gfp_t gfp = ar->gfp;
	uint64_t p;

	*progress = 0;
	p = get_page_from_freelist(m, ar->order, ALLOC_WMARK_HIGH, ar->highest, ar->mt, &ar->zone_type);
	if (p != NIL_PFN)
		return p;
	if (v42(m) && (gfp & PFNLAB___GFP_NOFAIL))
		goto kill;
	if (ar->order > PAGE_ALLOC_COSTLY_ORDER || ar->highest < PFNLAB_ZONE_NORMAL)
		return NIL_PFN;
	if (!v42(m) && (gfp & (PFNLAB___GFP_RETRY_MAYFAIL | PFNLAB___GFP_THISNODE)))
		return NIL_PFN;
	if (v42(m) && !(gfp & PFNLAB___GFP_FS)) {
		*progress = 1; /* "keep looping as per tradition" */
		return NIL_PFN;
	}
	if (v42(m) && (gfp & PFNLAB___GFP_THISNODE))
		return NIL_PFN;
kill:
	if (out_of_memory(m, gfp, ar->order) || (gfp & PFNLAB___GFP_NOFAIL)) {
		*progress = 1;
		if (!v42(m) && (gfp & PFNLAB___GFP_NOFAIL))
			p = try_freelist(m, ar, ALLOC_NO_WATERMARKS);
	}
	return p;
}

/* models __alloc_pages_slowpath() of v4.2 */
static uint64_t slowpath_2015(struct pfnlab_machine *m, struct alloc_request *ar)
{
	pfnlab_gfp_t gfp = ar->gfp;
	bool wait = gfp & PFNLAB___GFP_DIRECT_RECLAIM;
	bool thp = (gfp & PFNLAB_GFP_TRANSHUGE) == PFNLAB_GFP_TRANSHUGE;
	int prio = COMPACT_PRIO_ASYNC, result = COMPACT_SKIPPED, oom_rounds = 0;
	bool deferred = false;
	uint64_t p, progress, reclaimed = 0;
	unsigned flags = gfp_to_alloc_flags(m, gfp, ar->order);

	for (unsigned round = 0; round < SLOWPATH_MAX_ROUNDS; round++) {
		if (gfp & PFNLAB___GFP_KSWAPD_RECLAIM)
			wake_all_kswapds(m, ar);
		flags = gfp_to_alloc_flags(m, gfp, ar->order);
		p = try_freelist(m, ar, flags & ~ALLOC_NO_WATERMARKS);
		if (p != NIL_PFN)
			return p;
		if (flags & ALLOC_NO_WATERMARKS) { /* __alloc_pages_high_priority() */
			p = try_freelist(m, ar, ALLOC_NO_WATERMARKS);
			if (p != NIL_PFN)
				return p;
		}
		if (!wait || m->reclaim_depth || (current_oom_victim(m) && !(gfp & PFNLAB___GFP_NOFAIL)))
			return NIL_PFN;
		p = direct_compact(m, ar, flags, prio, &result, &deferred);
		if (p != NIL_PFN)
			return p;
		if (thp && (deferred || result == COMPACT_CONTENDED))
			return NIL_PFN;
		if (!thp)
			prio = COMPACT_PRIO_SYNC_LIGHT;
		p = direct_reclaim(m, ar, flags, &progress);
		if (p != NIL_PFN)
			return p;
		if (gfp & PFNLAB___GFP_NORETRY)
			break;
		reclaimed += progress;
		/*
		 * should_alloc_retry(); a costly __GFP_REPEAT request without
		 * progress goes to the OOM path, which does nothing for it, and
		 * fails (v4.2 goes to nopage there; it never loops without progress)
		 */
		if ((progress && ar->order <= PAGE_ALLOC_COSTLY_ORDER) ||
		    ((gfp & PFNLAB___GFP_REPEAT) && reclaimed < (1ull << ar->order) &&
		     (progress || ar->order <= PAGE_ALLOC_COSTLY_ORDER)))
			continue;
		p = may_oom(m, ar, &progress);
		if (p != NIL_PFN)
			return p;
		if (!progress || ++oom_rounds > NOFAIL_ROUNDS)
			break;
	}
	return direct_compact(m, ar, flags, prio, &result, &deferred); /* noretry: */
}

/* models __alloc_pages_slowpath() of 6.1.192 */
static uint64_t slowpath_current(struct pfnlab_machine *m, struct alloc_request *ar)
{
	pfnlab_gfp_t gfp = ar->gfp;
	bool can_direct = gfp & PFNLAB___GFP_DIRECT_RECLAIM, can_compact = gfp_compaction_allowed(m, gfp);
	bool costly = ar->order > PAGE_ALLOC_COSTLY_ORDER;
	int prio = COMPACT_PRIO_DEF, result = COMPACT_SKIPPED, compaction_retries = 0, loops = 0;
	bool deferred = false;
	unsigned flags = gfp_to_alloc_flags(m, gfp, ar->order), reserve;
	uint64_t p, progress = 0;

	if (flags & ALLOC_KSWAPD)
		wake_all_kswapds(m, ar);
	p = try_freelist(m, ar, flags);
	if (p != NIL_PFN)
		return p;
	if (can_direct && can_compact && (costly || (ar->order && ar->mt != PFNLAB_MT_MOVABLE)) &&
	    !pfmemalloc_flags(m, gfp)) {
		p = direct_compact(m, ar, flags, COMPACT_PRIO_INIT, &result, &deferred);
		if (p != NIL_PFN)
			return p;
		if (costly && (gfp & PFNLAB___GFP_NORETRY)) {
			if (result == COMPACT_SKIPPED || result == COMPACT_DEFERRED || (gfp & PFNLAB___GFP_THISNODE))
				return NIL_PFN;
			prio = COMPACT_PRIO_INIT;
		}
	}
	for (unsigned round = 0, nofail = 0; nofail <= NOFAIL_ROUNDS && round < SLOWPATH_MAX_ROUNDS; round++) {
		if (flags & ALLOC_KSWAPD)
			wake_all_kswapds(m, ar);
		reserve = pfmemalloc_flags(m, gfp);
		if (reserve)
			flags = alloc_flags_cma(m, ar->mt, reserve) | (flags & (ALLOC_KSWAPD | ALLOC_GFP_ATOMIC));
		p = try_freelist(m, ar, flags);
		if (p != NIL_PFN)
			return p;
		if (!can_direct || m->reclaim_depth)
			goto nopage;
		p = direct_reclaim(m, ar, flags, &progress);
		if (p != NIL_PFN)
			return p;
		p = direct_compact(m, ar, flags, prio, &result, &deferred);
		if (p != NIL_PFN)
			return p;
		if ((gfp & PFNLAB___GFP_NORETRY) ||
		    (costly && (!can_compact || !(gfp & PFNLAB___GFP_RETRY_MAYFAIL))))
			goto nopage;
		if (should_reclaim_retry(m, ar, flags, progress > 0, &loops))
			continue;
		if (progress && can_compact &&
		    should_compact_retry(m, ar, flags, result, &prio, &compaction_retries))
			continue;
		p = may_oom(m, ar, &progress);
		if (p != NIL_PFN)
			return p;
		if (current_oom_victim(m) && ((flags & ALLOC_OOM) || (gfp & PFNLAB___GFP_NOMEMALLOC)))
			goto nopage;
		if (progress) {
			loops = 0;
			continue;
		}
nopage:
		if (!(gfp & PFNLAB___GFP_NOFAIL) || !can_direct)
			return NIL_PFN;
		p = try_freelist(m, ar, ALLOC_MIN_RESERVE); /* __alloc_pages_cpuset_fallback() */
		if (p != NIL_PFN)
			return p;
		nofail++;
	}
	return NIL_PFN;
}

/* models has_managed_dma(): a ZONE_DMA with managed pages */
static bool has_managed_dma(const struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++)
		if (m->zones[i].type == PFNLAB_ZONE_DMA && m->zones[i].managed)
			return true;
	return false;
}

/*
 * models warn_alloc() (v4.2 warn_alloc_failed()) as the slow path's end
 * calls it for a failed allocation: unless __GFP_NOWARN, one line per 10 s
 * (v4.2: ten per 5 s), without the stack dump and show_mem() that follow
 * it in the kernel's log
 */
static void warn_alloc(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order)
{
	char g[256] = "";
	int adj;
	const char *comm = current_comm(m, &adj);

	if (gfp & PFNLAB___GFP_NOWARN)
		return;
	if (v42(m)) {
		if (ratelimit(m, &m->nopage_rs, RATELIMIT_DEFAULT_NS, RATELIMIT_DEFAULT_BURST, "warn_alloc_failed"))
			log_printf(m, "%s: page allocation failure: order:%u, mode:0x%x", comm, order,
				   gfp_v42_value(gfp));
		return;
	}
	if (!ratelimit(m, &m->nopage_rs, NOPAGE_RATELIMIT_NS, 1, "warn_alloc") ||
	    ((gfp & PFNLAB___GFP_DMA) && !has_managed_dma(m)))
		return;
	if (gfp)
		pfnlab_gfp_format(gfp, g, sizeof(g));
	log_printf(m, "%s: page allocation failure: order:%u, mode:%#x(%s), nodemask=(null)", comm, order, gfp, g);
}

/*
 * models __alloc_pages_slowpath(): the page, or NIL_PFN (then warn_alloc(),
 * as every way to its end does); @ar->zone_type receives the zone the page
 * came from
 */
uint64_t alloc_pages_slowpath(struct pfnlab_machine *m, struct alloc_request *ar)
{
	uint64_t p = v42(m) ? slowpath_2015(m, ar) : slowpath_current(m, ar);

	if (p == NIL_PFN)
		warn_alloc(m, ar->gfp, ar->order);
	return p;
}
