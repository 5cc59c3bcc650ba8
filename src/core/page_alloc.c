/*
 * page_alloc.c - the allocation and free entry points.
 *
 * Models __alloc_pages() -> get_page_from_freelist() -> rmqueue() and
 * __free_pages() -> free_unref_page()/free_one_page() of mm/page_alloc.c:
 * the zonelist walked from the highest zone the GFP mask allows down to
 * ZONE_DMA, the low watermark on the first pass and the min watermark in
 * the slow path, ALLOC_NOFRAGMENT (v5.0+: first pass steals only whole
 * pageblocks), per-CPU lists, high-order atomic reserves.
 *
 * Three layers: the entry points page_alloc_setup() chose for the machine
 * (era, per-CPU lists and tracing decided once), each the answer of the
 * general path in the common case (the preferred zone passes the
 * watermark and holds a page of the request's own type, or its per-CPU
 * list does) and otherwise a tail call into it; the general path,
 * alloc_frames_general() (the first pass, then the slow path, then the
 * trace line); the slow path, alloc_pages_slowpath() (slowpath.c), with
 * kswapd, reclaim, the compaction hook and the OOM killer, a floor above
 * this file, reached only through the machine's hooks (m->hooks).
 *
 * Allocated movable pages are treated as on the LRU (PageLRU) for
 * stealing decisions.
 */
#include "model.h"
#include "gfp.h"
#include "pcp.h"

/* Index in m->zones[] of the highest populated zone of type <= @type. */
static inline int top_zone(const struct pfnlab_machine *m, int type)
{
	int i = m->nr_zones - 1;

	while (i >= 0 && m->zones[i].type > type)
		i--;
	return i;
}

/*
 * models zone_watermark_fast(): an order-0 request well above the mark
 * passes without the full check (v6.1; the same answer as the full check)
 */
static inline bool zone_watermark_fast(const struct pfnlab_machine *m, const struct zone *z,
				       unsigned order, uint64_t mark, int highest, unsigned alloc_flags)
{
	if (!order && m->cfg.era == PFNLAB_ERA_CURRENT) {
		int64_t usable = z->nr_free - z->nr_free_cma * !(alloc_flags & ALLOC_CMA) -
				 (int64_t)z->nr_reserved_highatomic;

		if (usable > (int64_t)(mark + z->lowmem_reserve[highest]))
			return true;
	}
	if (zone_watermark_ok(m, z, order, mark, highest, alloc_flags))
		return true;
	/* an atomic order-0 request ignores the boost at the min watermark (6.1: __GFP_ATOMIC; 6.12: ALLOC_MIN_RESERVE) */
	if (!order && (alloc_flags & (kernel_612(m) ? ALLOC_MIN_RESERVE : ALLOC_GFP_ATOMIC)) && z->watermark_boost &&
	    (alloc_flags & ALLOC_WMARK_MASK) == ALLOC_WMARK_MIN)
		return zone_watermark_ok(m, z, order, z->wmark[WMARK_MIN], highest, alloc_flags);
	return false;
}

/* models reserve_highatomic_pageblock() of v6.1 */
static void reserve_highatomic(struct pfnlab_machine *m, struct zone *z, uint64_t pfn)
{
	uint64_t max_managed = z->managed / 100 + m->pb_pages;
	int mt = pb_type(m, pfn);

	if (m->cfg.era == PFNLAB_ERA_2015 || z->nr_reserved_highatomic >= max_managed)
		return;
	if (!mt_is_mergeable(mt))
		return;
	z->nr_reserved_highatomic += m->pb_pages;
	set_pageblock_migratetype(m, pfn, PFNLAB_MT_HIGHATOMIC);
	move_freepages_block(m, z, pfn, PFNLAB_MT_HIGHATOMIC, NULL);
}

/*
 * May an order-0 allocation of @mt take a per-CPU list?  v6.1 rmqueue():
 * the MOVABLE list may hold CMA pages, so not without ALLOC_CMA; v4.2
 * buffered_rmqueue(): always.
 */
static inline bool pcp_allowed(const struct pfnlab_machine *m, int mt, unsigned alloc_flags)
{
	return m->cfg.era == PFNLAB_ERA_2015 || !m->cfg.config_cma || (alloc_flags & ALLOC_CMA) ||
	       mt != PFNLAB_MT_MOVABLE;
}

/*
 * models rmqueue() up to its "out" label: per-CPU list for order 0, else
 * (and in v6.1 when the list could not be refilled) rmqueue_buddy()
 */
static uint64_t zone_rmqueue_page(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt,
				  unsigned alloc_flags)
{
	uint64_t pfn = NIL_PFN;
	bool cur = m->cfg.era == PFNLAB_ERA_CURRENT;

	if (m->cfg.pcp && order == 0 && pcp_allowed(m, mt, alloc_flags)) {
		pfn = pcp_alloc(m, z, mt, alloc_flags);
		if (pfn != NIL_PFN || !cur) /* v4.2: the allocation fails in this zone */
			return pfn;
	}
	if (cur && (alloc_flags & ALLOC_HIGHATOMIC))
		pfn = rmqueue_smallest(m, z, order, PFNLAB_MT_HIGHATOMIC);
	if (pfn == NIL_PFN)
		pfn = rmqueue(m, z, order, mt, alloc_flags);
	if (pfn == NIL_PFN && cur && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
		pfn = rmqueue_smallest(m, z, order, PFNLAB_MT_HIGHATOMIC);
	return pfn;
}

/*
 * models rmqueue(): the page, then a zone whose watermarks a fallback
 * boosted wakes kswapd (v5.0+; 6.12 only for callers that may wake it)
 */
static uint64_t zone_rmqueue(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt,
			     unsigned alloc_flags)
{
	uint64_t pfn = zone_rmqueue_page(m, z, order, mt, alloc_flags);

	if (z->boosted_wmark && (!kernel_612(m) || (alloc_flags & ALLOC_KSWAPD))) {
		z->boosted_wmark = false;
		m->hooks.wakeup_kswapd(m, 0, 0, z->type);
	}
	return pfn;
}

/* models get_page_from_freelist(); *@zone_type receives the type of the zone used */
uint64_t get_page_from_freelist(struct pfnlab_machine *m, unsigned order, unsigned alloc_flags, int highest,
				int mt, int *zone_type)
{
	for (;;) {
		for (int i = top_zone(m, highest); i >= 0; i--) {
			struct zone *z = &m->zones[i];
			uint64_t pfn;

			/* 6.12: a zone found under its high watermark frees from its per-CPU lists (nr_pcp_high()) */
			if (kernel_612(m) && !z->below_high) {
				if (zone_watermark_fast(m, z, order, wmark_pages(z, WMARK_HIGH), highest, alloc_flags))
					goto try_this_zone;
				zone_set_below_high(m, z, true);
			}
			if (!(alloc_flags & ALLOC_NO_WATERMARKS) &&
			    !zone_watermark_fast(m, z, order, wmark_pages(z, (int)(alloc_flags & ALLOC_WMARK_MASK)),
						 highest, alloc_flags))
				continue;
try_this_zone:
			pfn = zone_rmqueue(m, z, order, mt, alloc_flags);
			if (pfn == NIL_PFN)
				continue;
			if (alloc_flags & ALLOC_HIGHATOMIC)
				reserve_highatomic(m, z, pfn);
			*zone_type = z->type;
			return pfn;
		}
		if (!(alloc_flags & ALLOC_NOFRAGMENT))
			return NIL_PFN;
		alloc_flags &= ~ALLOC_NOFRAGMENT;
	}
}

/*
 * zone_watermark_fast() as the first pass of get_page_from_freelist() asks
 * it (ALLOC_WMARK_LOW; none of ALLOC_NO_WATERMARKS, ALLOC_NON_BLOCK,
 * ALLOC_MIN_RESERVE, ALLOC_HIGHATOMIC, ALLOC_OOM), given that a block of
 * the request's own type (below MIGRATE_HIGHATOMIC) is free at an order
 * >= @order.  In v6.1 the per-order scan of __zone_watermark_ok() then
 * succeeds at the latest at that block's order, so the free-page test
 * alone decides; for order 0 it is zone_watermark_fast()'s own test.
 */
static inline bool first_pass_watermark_ok(const struct pfnlab_machine *m, const struct zone *z,
					   unsigned order, int highest, unsigned alloc_flags)
{
	int64_t usable;

	/* v4.2's per-order scan has no such shortcut; its order-0 test is this one (no HIGHATOMIC reserve) */
	if (order && m->cfg.era != PFNLAB_ERA_CURRENT)
		return zone_watermark_ok(m, z, order, wmark_pages(z, WMARK_LOW), highest, alloc_flags);
	usable = z->nr_free - (((int64_t)1 << order) - 1) - (int64_t)z->nr_reserved_highatomic;
	if (!(alloc_flags & ALLOC_CMA))
		usable -= z->nr_free_cma;
	return usable > (int64_t)z->low_mark[highest];
}

/* An allocated head frame: refcount 1, no owner, on the LRU when movable */
static inline __attribute__((always_inline)) void init_alloc_frame(struct pfnlab_machine *m, uint64_t pfn,
								   unsigned order, int mt)
{
	struct frame *f = &m->frames[pfn];

	f->next = 0;
	f->prev = 0;
	frame_set_state(f, 1, 0, order, F_ALLOC | (mt == PFNLAB_MT_MOVABLE ? F_LRU : 0));
}

/* An allocation request as the first pass sees it */
struct alloc_req {
	int mt;         /* gfp_migratetype() */
	int highest;    /* gfp_zone() */
	unsigned flags; /* ALLOC_WMARK_LOW, ALLOC_CMA (no ALLOC_NOFRAGMENT, no __GFP_KSWAPD_RECLAIM) */
};

/*
 * models prepare_alloc_pages() with current_gfp_context(): a pin scope
 * strips __GFP_MOVABLE (v5.13+)
 */
static inline __attribute__((always_inline)) struct alloc_req prepare_alloc(const struct pfnlab_machine *m,
									    pfnlab_gfp_t gfp)
{
	struct alloc_req r;

	if (m->memalloc_flags & MEMALLOC_PIN)
		gfp &= ~PFNLAB___GFP_MOVABLE;
	gfp_decode(gfp, &r.mt, &r.highest);
	r.flags = alloc_flags_cma(m, r.mt, ALLOC_WMARK_LOW);
	return r;
}

/* models __alloc_pages(): get_page_from_freelist() on the first pass's flags, then the slow path */
static __attribute__((noinline)) uint64_t alloc_frames_general(struct pfnlab_machine *m, pfnlab_gfp_t gfp,
							      unsigned order)
{
	struct alloc_req r = prepare_alloc(m, gfp);
	int mt = r.mt, highest = r.highest, top = top_zone(m, highest), zone_type;
	unsigned flags = r.flags | (gfp & PFNLAB___GFP_KSWAPD_RECLAIM);
	uint64_t p;

	if (m->memalloc_flags & MEMALLOC_PIN) /* as prepare_alloc() saw it, for the slow path too */
		gfp &= ~PFNLAB___GFP_MOVABLE;
	/*
	 * alloc_flags_nofragment(): with CONFIG_ZONE_DMA32 (a machine that has
	 * a DMA32 limit) on one node, whenever the preferred zone is Normal
	 */
	if (m->cfg.era == PFNLAB_ERA_CURRENT && top >= 0 && m->zones[top].type == PFNLAB_ZONE_NORMAL &&
	    m->cfg.zone_dma32_end && !m->cfg.single_zone_dma)
		flags |= ALLOC_NOFRAGMENT;
	p = get_page_from_freelist(m, order, flags, highest, mt, &zone_type);
	if (p == NIL_PFN) {
		struct alloc_request ar = {.gfp = gfp, .order = order, .highest = highest, .mt = mt,
					   .preferred = top >= 0 ? m->zones[top].type : highest};

		p = m->hooks.alloc_slowpath(m, &ar);
		zone_type = ar.zone_type;
	}
	if (m->trace.write)
		trace_page_alloc(m, p, order, gfp, mt);
	if (p == NIL_PFN) {
		m->vm[VM_ALLOC_FAILED]++;
	} else {
		init_alloc_frame(m, p, order, mt);
		m->vm[VM_PGALLOC_DMA + zone_type] += 1ull << order;
	}
	if (m->kswapd.pending || m->compaction.kcompactd_pending) /* woken (by the slow path): run now */
		m->hooks.run_woken(m);
	return p;
}

/*
 * The fast path of __alloc_pages(): get_page_from_freelist()'s first pass
 * up to the first zone that passes the watermark, when zone_rmqueue() ->
 * rmqueue() would take the block there from __rmqueue_smallest() on the
 * request's own type.  That is the general path's first choice whenever
 * the page does not come from a per-CPU list and the 5.7 CMA-first rule
 * does not apply; ALLOC_NOFRAGMENT only matters for fallbacks.  The
 * preferred zone is tried first; zones below the watermark are skipped
 * as the general path skips them.  Returns NIL_PFN, having changed
 * nothing, whenever the general path must decide.
 */
static inline __attribute__((always_inline)) uint64_t alloc_buddy_fast(struct pfnlab_machine *m,
								       pfnlab_gfp_t gfp, unsigned order)
{
	struct alloc_req r = prepare_alloc(m, gfp);
	int mt = r.mt, highest = r.highest;
	unsigned flags = r.flags;
	struct zone *z = m->preferred_zone[highest];

	if (!z)
		return NIL_PFN;
	for (;; z--) {
		int o = smallest_free_order(z, order, mt);
		uint64_t p;

		/* none of @mt's own: rmqueue() might fall back here, the general path decides */
		if (o < 0)
			return NIL_PFN;
		if (first_pass_watermark_ok(m, z, order, highest, flags)) {
			if (rmqueue_cma_first(m, z, flags))
				return NIL_PFN;
			p = buddy_take(m, z, order, (unsigned)o, mt);
			init_alloc_frame(m, p, order, mt);
			m->vm[VM_PGALLOC_DMA + z->type] += 1ull << order;
			return p;
		}
		/* 6.12: the general path marks the zone below its high watermark (fast_marks()) */
		if (z == m->zones || (kernel_612(m) && !z->below_high))
			return NIL_PFN;
	}
}

/* The general path as an entry point: 0 and the PFN in *@pfn, or -ENOMEM */
static __attribute__((noinline)) int alloc_slow(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order,
						uint64_t *pfn)
{
	*pfn = alloc_frames_general(m, gfp, order);
	return *pfn == NIL_PFN ? -ENOMEM : 0;
}

/* An entry point's answer: the fast path's page @p, else the general path's (a tail call) */
static inline __attribute__((always_inline)) int alloc_answer(struct pfnlab_machine *m, pfnlab_gfp_t gfp,
							      unsigned order, uint64_t *pfn, uint64_t p)
{
	if (__builtin_expect(p != NIL_PFN, 1)) {
		*pfn = p;
		return 0;
	}
	return alloc_slow(m, gfp, order, pfn);
}

/* A fast path: the page it took, or NIL_PFN to leave the request to the general path */
typedef uint64_t alloc_fast_fn(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order);

/*
 * An entry point: @fast on @gfp, which is a constant when it is one of the
 * two masks most requests carry (GFP_KERNEL; GFP_HIGHUSER_MOVABLE outside
 * any memalloc scope).  prepare_alloc() then folds to constants (the
 * type, the zonelist, the CMA flag), as it does in the kernel for a
 * caller whose mask is known when it is compiled.
 */
static inline __attribute__((always_inline)) int alloc_entry(struct pfnlab_machine *m, pfnlab_gfp_t gfp,
							     unsigned order, uint64_t *pfn, alloc_fast_fn *fast)
{
	if (gfp == PFNLAB_GFP_KERNEL)
		return alloc_answer(m, PFNLAB_GFP_KERNEL, order, pfn, fast(m, PFNLAB_GFP_KERNEL, order));
	if (gfp == PFNLAB_GFP_HIGHUSER_MOVABLE && !m->memalloc_flags)
		return alloc_answer(m, PFNLAB_GFP_HIGHUSER_MOVABLE, order, pfn,
				    fast(m, PFNLAB_GFP_HIGHUSER_MOVABLE, order));
	return alloc_answer(m, gfp, order, pfn, fast(m, gfp, order));
}

/* alloc_buddy_fast() of an order-0 page (no per-CPU lists), the order folded in */
static int alloc_order0_buddy(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, uint64_t *pfn)
{
	return alloc_entry(m, gfp, 0, pfn, alloc_buddy_fast);
}

/* alloc_buddy_fast() of a larger block */
static int alloc_high_order(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, uint64_t *pfn)
{
	return alloc_entry(m, gfp, order, pfn, alloc_buddy_fast);
}

/*
 * The fast path of an order-0 allocation with per-CPU lists: the preferred
 * zone passes the low watermark (zone_watermark_fast(), whose order-0 test
 * is v4.2's __zone_watermark_ok() too: no HIGHATOMIC reserve there) and
 * its list of the request's type holds a page: rmqueue_pcplist() takes
 * the head.  An empty list (rmqueue_bulk() refills it), a zone below the
 * watermark and v6.1's MOVABLE request without ALLOC_CMA (the list may
 * hold CMA pages) are the general path's.  @order is 0 (an alloc_fast_fn).
 */
static inline __attribute__((always_inline)) uint64_t pcp_take_fast(struct pfnlab_machine *m, pfnlab_gfp_t gfp,
								    unsigned order)
{
	struct alloc_req r = prepare_alloc(m, gfp);
	struct zone *z = m->preferred_zone[r.highest];
	struct per_cpu_pages *p;
	struct pcp_list *l;
	uint64_t pfn;

	if (!z || !pcp_allowed(m, r.mt, r.flags) || !first_pass_watermark_ok(m, z, 0, r.highest, r.flags))
		return NIL_PFN;
	p = &z->pcp[m->cpu];
	l = &p->lists[r.mt];
	if (l->head == NIL_PFN)
		return NIL_PFN;
	p->free_factor >>= 1; /* v6.1 rmqueue_pcplist(); always 0 in v4.2 */
	pfn = pcp_list_pop(m->frames, p, l);
	init_alloc_frame(m, pfn, 0, r.mt);
	m->vm[VM_PGALLOC_DMA + z->type]++;
	return pfn;
}

/* pcp_take_fast() as an entry point */
static int alloc_order0_pcp(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, uint64_t *pfn)
{
	return alloc_entry(m, gfp, 0, pfn, pcp_take_fast);
}

/*
 * The allocation path every user of the model takes.  Returns the PFN of a
 * fresh head frame (refcount 1, no owner) or NIL_PFN.
 */
uint64_t alloc_frames(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order)
{
	uint64_t pfn;

	return m->alloc_fast[order != 0](m, gfp, order, &pfn) ? NIL_PFN : pfn;
}

int pfnlab_alloc_pages(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, uint64_t *pfn)
{
	if (!pfn)
		return -EINVAL;
	if (order >= m->nr_orders) {
		*pfn = NIL_PFN;
		return -EINVAL;
	}
	return m->alloc_fast[order != 0](m, gfp, order, pfn);
}

/* The freed head and, for a large folio, its pincount frame go back to plain */
static inline __attribute__((always_inline)) void clear_freed_frame(struct pfnlab_machine *m, uint64_t pfn,
								    unsigned order)
{
	struct frame *f = &m->frames[pfn];

	if (order)
		f[1].refcount = 0; /* the pincount of a large folio */
	f->next = 0;
	f->prev = 0;
	frame_set_state(f, 0, 0, 0, 0);
}

/* models page_zone() of a freed page: the highest zone first, where most pages are */
static inline __attribute__((always_inline)) struct zone *freed_page_zone(struct pfnlab_machine *m, uint64_t pfn)
{
	struct zone *top = m->preferred_zone[PFNLAB_ZONE_MOVABLE]; /* the highest zone (page_alloc_setup()) */

	return zone_spans(top, pfn) ? top : pfn_zone(m, pfn);
}

/*
 * models __free_pages() -> free_unref_page() (order 0 with per-CPU lists)
 * or __free_pages_ok() -> __free_one_page(); @traced emits mm_page_free
 */
static inline __attribute__((always_inline)) void free_frames_common(struct pfnlab_machine *m, uint64_t pfn,
								     unsigned order, bool pcp, bool traced)
{
	struct zone *z = freed_page_zone(m, pfn);
	int mt;

	if (!pcp) /* pcp_free() rewrites the whole frame */
		clear_freed_frame(m, pfn, order);
	if (traced)
		trace_page_free(m, pfn, order);
	m->vm[VM_PGFREE] += 1ull << order;
	mt = pb_type(m, pfn);
	if (pcp)
		pcp_free(m, z, pfn, mt);
	else
		buddy_free_block(m, z, pfn, order, mt, false, order == 0);
}

/* A traced machine's free, any order; 0 */
static int free_traced(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	if (m->cfg.pcp && order == 0)
		free_frames_common(m, pfn, 0, true, true);
	else
		free_frames_common(m, pfn, order, false, true);
	return 0;
}

/* An order-0 page onto a per-CPU list; 0 */
static int free_order0_pcp(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	free_frames_common(m, pfn, 0, true, false);
	return 0;
}

/* An order-0 page straight to __free_one_page() (no per-CPU lists); 0 */
static int free_order0_buddy(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	free_frames_common(m, pfn, 0, false, false);
	return 0;
}

/* A larger block straight to __free_one_page(); 0 */
static int free_high_order(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	free_frames_common(m, pfn, order, false, false);
	return 0;
}

/* models __free_pages(): give a head frame's block back (the caller checked it) */
void free_frames(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	m->free_fast[order != 0](m, pfn, order);
}

int pfnlab_free_pages(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	const struct frame *f;

	if (pfn >= m->nr_pfns)
		return -EINVAL;
	f = pfn_frame(m, pfn);
	/*
	 * one test for the common case: a live head of this order, refcount 1,
	 * no mapcount or page type (a PTE table's), not anonymous, no page
	 * cache; then the order's bound, which only a block above the buddy's
	 * orders can fail (a snapshot's gigantic page)
	 */
	if (__builtin_expect((frame_get_state(f) & frame_state_word(UINT32_MAX, 0xffff, 0xff, F_ALLOC | F_ANON)) ==
				     frame_state_word(1, 0, order, F_ALLOC) &&
			     !pg_flags(m, pfn), 1)) {
		if (__builtin_expect(!order, 1))
			return m->free_fast[0](m, pfn, 0);
		if (order < m->nr_orders)
			return m->free_fast[1](m, pfn, order);
	}
	if (order >= m->nr_orders || !(f->flags & F_ALLOC) || f->order != order)
		return -EINVAL;
	return -EBUSY;
}

/*
 * May the free path take the aligned shortcut in @z: are both ends aligned
 * to the largest block?  Never on 6.12, whose merges retype pageblocks
 * (buddy_merge_link() does that only off the shortcut).
 */
bool zone_buddy_aligned(const struct pfnlab_machine *m, const struct zone *z)
{
	uint64_t mask = (1ull << (m->nr_orders - 1)) - 1;

	uint64_t end = z->start_pfn + z->spanned;

	return !(z->start_pfn & mask) && !(end & mask) && end <= m->nr_pfns && !kernel_612(m);
}

/*
 * The mark the fast paths compare a zone's free pages with, per highest
 * zone: wmark[WMARK_LOW] + lowmem_reserve[t]; on 6.12, while the zone is
 * not below its high watermark, wmark[WMARK_HIGH] + lowmem_reserve[t]:
 * passing it is get_page_from_freelist()'s "try this zone" before any
 * other test, failing it leaves ZONE_BELOW_HIGH to the general path
 */
static void fast_marks(const struct pfnlab_machine *m, struct zone *z)
{
	int w = kernel_612(m) && !z->below_high ? WMARK_HIGH : WMARK_LOW;

	for (int t = 0; t < PFNLAB_NR_ZONES; t++) {
		uint64_t mark = wmark_pages(z, w) + z->lowmem_reserve[t];

		/* a zone's free pages stay below 2^32 (32-bit PFNs): the cap changes no answer */
		z->low_mark[t] = mark < UINT32_MAX ? (uint32_t)mark : UINT32_MAX;
	}
}

/*
 * The machine's fast paths, chosen once its zones and watermarks are laid
 * out and again when tracing starts or stops: the per-CPU list or buddy
 * entry points, or none (a traced machine takes the general path, which
 * emits the trace lines); the preferred zone of each highest zone type
 * (the first of the zonelist); the low watermark plus lowmem_reserve the
 * first pass checks in each zone.
 */
void page_alloc_setup(struct pfnlab_machine *m)
{
	bool traced = m->trace.write != NULL;

	m->alloc_fast[0] = traced ? alloc_slow : m->cfg.pcp ? alloc_order0_pcp : alloc_order0_buddy;
	m->alloc_fast[1] = traced ? alloc_slow : alloc_high_order;
	m->free_fast[0] = traced ? free_traced : m->cfg.pcp ? free_order0_pcp : free_order0_buddy;
	m->free_fast[1] = traced ? free_traced : free_high_order;
	for (int t = 0; t < PFNLAB_NR_ZONES; t++) {
		int i = top_zone(m, t);

		m->preferred_zone[t] = i >= 0 ? &m->zones[i] : NULL;
	}
	for (int i = 0; i < m->nr_zones; i++)
		m->zones[i].buddy_aligned = zone_buddy_aligned(m, &m->zones[i]);
	for (int i = 0; i < m->nr_zones; i++)
		fast_marks(m, &m->zones[i]);
}

/* models set_bit() / clear_bit() of ZONE_BELOW_HIGH (6.12), with the fast path's marks */
void zone_set_below_high(struct pfnlab_machine *m, struct zone *z, bool below)
{
	z->below_high = below;
	fast_marks(m, z);
}

/* A new zone->watermark_boost, with the fast path's marks */
void zone_set_boost(struct pfnlab_machine *m, struct zone *z, uint64_t boost)
{
	z->watermark_boost = boost;
	fast_marks(m, z);
}

void pfnlab_set_trace(struct pfnlab_machine *m, const struct pfnlab_sink *sink)
{
	if (!m)
		return;
	m->trace = sink ? *sink : (struct pfnlab_sink){0};
	page_alloc_setup(m); /* a traced machine takes the general path, which emits the lines */
}
