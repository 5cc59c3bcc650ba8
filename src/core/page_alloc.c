/*
 * page_alloc.c - the allocation and free entry points.
 *
 * Models __alloc_pages() -> get_page_from_freelist() -> rmqueue() and
 * __free_pages() -> free_unref_page()/free_one_page() of mm/page_alloc.c:
 * the zonelist walked from the highest zone the GFP mask allows down to
 * ZONE_DMA, the low watermark on the fast path and the min watermark on
 * the slow path, ALLOC_NOFRAGMENT (v5.0+: first pass steals only whole
 * pageblocks), per-CPU lists, high-order atomic reserves.
 *
 * Simplified: the slow path has no reclaim, compaction or OOM killer; an
 * allocation the free lists cannot satisfy fails at once.  Allocated
 * movable pages are treated as on the LRU (PageLRU) for stealing decisions.
 */
#include "model.h"

/* Index in m->zones[] of the highest populated zone of type <= @type. */
static inline int top_zone(const struct pfnlab_machine *m, int type)
{
	int i = m->nr_zones - 1;

	while (i >= 0 && m->zones[i].type > type)
		i--;
	return i;
}

/* top_zone() as a pointer: the highest populated zone of type <= @type, or NULL */
static inline struct zone *top_zone_ptr(struct pfnlab_machine *m, int type)
{
	for (struct zone *z = m->zones + m->nr_zones; z != m->zones;) {
		z--;
		if (z->type <= type)
			return z;
	}
	return NULL;
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
	return zone_watermark_ok(m, z, order, mark, highest, alloc_flags);
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
 * models rmqueue(): per-CPU list for order 0, else (and in v6.1 when the
 * list could not be refilled) rmqueue_buddy()
 */
static uint64_t zone_rmqueue(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt,
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

/* models get_page_from_freelist(); *@zone_type receives the type of the zone used */
static uint64_t get_page_from_freelist(struct pfnlab_machine *m, unsigned order, unsigned alloc_flags,
				       int highest, int mt, int *zone_type)
{
	for (;;) {
		for (int i = top_zone(m, highest); i >= 0; i--) {
			struct zone *z = &m->zones[i];
			uint64_t pfn;

			if (!(alloc_flags & ALLOC_NO_WATERMARKS) &&
			    !zone_watermark_fast(m, z, order, z->wmark[alloc_flags & ALLOC_WMARK_MASK],
						 highest, alloc_flags))
				continue;
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

/* models gfp_to_alloc_flags_cma(); @mt is gfp_migratetype() of the mask */
static inline unsigned alloc_flags_cma(const struct pfnlab_machine *m, int mt, unsigned flags)
{
	if (m->cfg.config_cma && mt == PFNLAB_MT_MOVABLE && !(m->memalloc_flags & MEMALLOC_NOCMA))
		flags |= ALLOC_CMA;
	return flags;
}

/* models gfp_to_alloc_flags(): the slow path's flags */
static unsigned slowpath_flags(const struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order)
{
	unsigned f = ALLOC_WMARK_MIN;

	f |= gfp & (PFNLAB___GFP_HIGH | PFNLAB___GFP_KSWAPD_RECLAIM);
	if (!(gfp & PFNLAB___GFP_DIRECT_RECLAIM) && !(gfp & PFNLAB___GFP_NOMEMALLOC)) {
		f |= ALLOC_NON_BLOCK;
		if (order > 0 && (f & ALLOC_MIN_RESERVE))
			f |= ALLOC_HIGHATOMIC;
	}
	return alloc_flags_cma(m, gfp_migratetype(gfp), f);
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
	uint64_t mark = z->wmark[WMARK_LOW];
	int64_t usable;

	if (m->cfg.era != PFNLAB_ERA_CURRENT)
		return zone_watermark_ok(m, z, order, mark, highest, alloc_flags);
	usable = z->nr_free - (((int64_t)1 << order) - 1) - (int64_t)z->nr_reserved_highatomic;
	if (!(alloc_flags & ALLOC_CMA))
		usable -= z->nr_free_cma;
	return usable > (int64_t)(mark + z->lowmem_reserve[highest]);
}

/* An allocated head frame: refcount 1, no owner, on the LRU when movable */
static inline __attribute__((always_inline)) void init_alloc_frame(struct pfnlab_machine *m, uint64_t pfn,
								   unsigned order, int mt)
{
	struct frame *f = &m->frames[pfn];

	f->next = 0;
	f->prev = 0;
	f->refcount = 1;
	f->mt = 0;
	f->order = (uint8_t)order;
	f->flags = (uint8_t)(F_ALLOC | (mt == PFNLAB_MT_MOVABLE ? F_LRU : 0));
}

/* models __alloc_pages(): get_page_from_freelist() on the fast path's flags, then the slow path's */
static __attribute__((noinline)) uint64_t alloc_frames_general(struct pfnlab_machine *m, pfnlab_gfp_t gfp,
							      unsigned order)
{
	int mt, highest, top, zone_type;
	unsigned flags;
	uint64_t p;

	/* current_gfp_context(): a pin scope strips __GFP_MOVABLE (v5.13+) */
	if (m->memalloc_flags & MEMALLOC_PIN)
		gfp &= ~PFNLAB___GFP_MOVABLE;
	mt = gfp_migratetype(gfp);
	highest = gfp_zone_type(gfp);
	flags = alloc_flags_cma(m, mt, ALLOC_WMARK_LOW);
	top = top_zone(m, highest);
	flags |= gfp & PFNLAB___GFP_KSWAPD_RECLAIM;
	/*
	 * alloc_flags_nofragment(): with CONFIG_ZONE_DMA32 (a machine that has
	 * a DMA32 limit) on one node, whenever the preferred zone is Normal
	 */
	if (m->cfg.era == PFNLAB_ERA_CURRENT && top >= 0 && m->zones[top].type == PFNLAB_ZONE_NORMAL &&
	    m->cfg.zone_dma32_end && !m->cfg.single_zone_dma)
		flags |= ALLOC_NOFRAGMENT;
	p = get_page_from_freelist(m, order, flags, highest, mt, &zone_type);
	if (p == NIL_PFN)
		p = get_page_from_freelist(m, order, slowpath_flags(m, gfp, order), highest, mt,
					   &zone_type);
	if (m->trace.write)
		trace_page_alloc(m, p, order, gfp, mt);
	if (p == NIL_PFN) {
		m->vm[VM_ALLOC_FAILED]++;
		return NIL_PFN;
	}
	init_alloc_frame(m, p, order, mt);
	m->vm[VM_PGALLOC_DMA + zone_type] += 1ull << order;
	return p;
}

/*
 * The fast path of __alloc_pages(): get_page_from_freelist()'s first pass
 * up to the first zone that passes the watermark, when zone_rmqueue() ->
 * rmqueue() would take the block there from __rmqueue_smallest() on the
 * request's own type.  That is the general path's first choice whenever
 * the page does not come from a per-CPU list and the 5.7 CMA-first rule
 * does not apply; ALLOC_NOFRAGMENT only matters for fallbacks.  Zones
 * below the watermark are skipped as the general path skips them.
 * Returns NIL_PFN, having changed nothing, whenever the general path must
 * decide, and always when tracing (the general path emits the line).
 */
static inline __attribute__((always_inline)) uint64_t alloc_frames_fast(struct pfnlab_machine *m,
									pfnlab_gfp_t gfp, unsigned order)
{
	int mt, highest;
	unsigned flags;
	struct zone *z;

	if (m->trace.write || (m->cfg.pcp && order == 0))
		return NIL_PFN;
	/* current_gfp_context(): a pin scope strips __GFP_MOVABLE (v5.13+) */
	if (m->memalloc_flags & MEMALLOC_PIN)
		gfp &= ~PFNLAB___GFP_MOVABLE;
	mt = gfp_migratetype(gfp);
	highest = gfp_zone_type(gfp);
	flags = alloc_flags_cma(m, mt, ALLOC_WMARK_LOW) | (gfp & PFNLAB___GFP_KSWAPD_RECLAIM);
	z = top_zone_ptr(m, highest);
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
		if (z == m->zones)
			return NIL_PFN;
	}
}

/* alloc_frames_fast() of an order-0 page, with the order folded in and registers of its own */
static __attribute__((noinline)) uint64_t alloc_order0(struct pfnlab_machine *m, pfnlab_gfp_t gfp)
{
	return alloc_frames_fast(m, gfp, 0);
}

/* alloc_frames_fast() of a larger block, out of line like alloc_order0() */
static __attribute__((noinline)) uint64_t alloc_high_order(struct pfnlab_machine *m, pfnlab_gfp_t gfp,
							  unsigned order)
{
	return alloc_frames_fast(m, gfp, order);
}

/*
 * The allocation path every user of the model takes.  Returns the PFN of a
 * fresh head frame (refcount 1, no owner) or NIL_PFN.
 */
uint64_t alloc_frames(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order)
{
	uint64_t p = order ? alloc_high_order(m, gfp, order) : alloc_order0(m, gfp);

	return p != NIL_PFN ? p : alloc_frames_general(m, gfp, order);
}

int pfnlab_alloc_pages(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, uint64_t *pfn)
{
	if (order >= m->nr_orders) {
		*pfn = NIL_PFN;
		return -EINVAL;
	}
	*pfn = alloc_frames(m, gfp, order);
	return *pfn == NIL_PFN ? -ENOMEM : 0;
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
	f->refcount = 0;
	f->mt = 0;
	f->order = 0;
	f->flags = 0;
}

/* free_frames() with tracing or onto a per-CPU list */
static __attribute__((noinline)) void free_frames_general(struct pfnlab_machine *m, uint64_t pfn,
							  unsigned order)
{
	struct zone *z = pfn_zone(m, pfn);
	int mt;

	clear_freed_frame(m, pfn, order);
	if (m->trace.write)
		trace_page_free(m, pfn, order);
	m->vm[VM_PGFREE] += 1ull << order;
	mt = pb_type(m, pfn);
	if (m->cfg.pcp && order == 0)
		pcp_free(m, z, pfn, mt);
	else
		free_one_page(m, z, pfn, order, mt, false);
}

/* free_frames_general() without tracing and per-CPU lists: straight to __free_one_page() */
static inline __attribute__((always_inline)) void free_frames_fast(struct pfnlab_machine *m, uint64_t pfn,
								   unsigned order)
{
	struct zone *z = pfn_zone(m, pfn);

	clear_freed_frame(m, pfn, order);
	m->vm[VM_PGFREE] += 1ull << order;
	buddy_free_block(m, z, pfn, order, pb_type(m, pfn), false);
}

/* free_frames_fast() of an order-0 page, with the order folded in and registers of its own */
static __attribute__((noinline)) void free_order0(struct pfnlab_machine *m, uint64_t pfn)
{
	free_frames_fast(m, pfn, 0);
}

/* free_frames_fast() of a larger block, out of line like free_order0() */
static __attribute__((noinline)) void free_high_order(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	free_frames_fast(m, pfn, order);
}

/* models __free_pages(): give a head frame's block back (the caller checked it) */
void free_frames(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	if (m->trace.write || (m->cfg.pcp && order == 0))
		free_frames_general(m, pfn, order);
	else if (order)
		free_high_order(m, pfn, order);
	else
		free_order0(m, pfn);
}

int pfnlab_free_pages(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	struct frame *f;

	if (pfn >= m->nr_pfns || order >= m->nr_orders)
		return -EINVAL;
	f = pfn_frame(m, pfn);
	if (!(f->flags & F_ALLOC) || f->order != order)
		return -EINVAL;
	if (f->refcount != 1 || (f->flags & F_ANON) || pg_kind(m, pfn))
		return -EBUSY;
	free_frames(m, pfn, order);
	return 0;
}
