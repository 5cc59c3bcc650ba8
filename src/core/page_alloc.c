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
static int top_zone(const struct pfnlab_machine *m, int type)
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

/* models rmqueue(): per-CPU list for order 0, else the buddy lists */
static uint64_t zone_rmqueue(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt,
			     unsigned alloc_flags)
{
	uint64_t pfn = NIL_PFN;
	bool cur = m->cfg.era == PFNLAB_ERA_CURRENT;

	if (m->cfg.pcp && order == 0 &&
	    (!cur || !m->cfg.config_cma || (alloc_flags & ALLOC_CMA) || mt != PFNLAB_MT_MOVABLE))
		return pcp_alloc(m, z, mt, alloc_flags);
	if (cur && (alloc_flags & ALLOC_HIGHATOMIC))
		pfn = rmqueue_smallest(m, z, order, PFNLAB_MT_HIGHATOMIC);
	if (pfn == NIL_PFN)
		pfn = rmqueue(m, z, order, mt, alloc_flags);
	if (pfn == NIL_PFN && cur && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
		pfn = rmqueue_smallest(m, z, order, PFNLAB_MT_HIGHATOMIC);
	return pfn;
}

/* models get_page_from_freelist() */
static uint64_t get_page_from_freelist(struct pfnlab_machine *m, unsigned order, unsigned alloc_flags,
				       int highest, int mt, struct zone **zp)
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
			*zp = z;
			return pfn;
		}
		if (!(alloc_flags & ALLOC_NOFRAGMENT))
			return NIL_PFN;
		alloc_flags &= ~ALLOC_NOFRAGMENT;
	}
}

/* models gfp_to_alloc_flags_cma() */
static unsigned alloc_flags_cma(const struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned flags)
{
	if (m->cfg.config_cma && pfnlab_gfp_migratetype(gfp) == PFNLAB_MT_MOVABLE &&
	    !(m->memalloc_flags & MEMALLOC_NOCMA))
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
	return alloc_flags_cma(m, gfp, f);
}

/*
 * The allocation path every user of the model takes.  Returns the PFN of a
 * fresh head frame (refcount 1, no owner) or NIL_PFN.
 */
uint64_t alloc_frames(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order)
{
	int mt, highest, top;
	unsigned flags;
	uint64_t p;
	struct frame *f;
	struct zone *z = NULL;

	/* current_gfp_context(): a pin scope strips __GFP_MOVABLE (v5.13+) */
	if (m->memalloc_flags & MEMALLOC_PIN)
		gfp &= ~PFNLAB___GFP_MOVABLE;
	mt = pfnlab_gfp_migratetype(gfp);
	highest = gfp_zone(m, gfp);
	flags = alloc_flags_cma(m, gfp, ALLOC_WMARK_LOW);
	top = top_zone(m, highest);
	flags |= gfp & PFNLAB___GFP_KSWAPD_RECLAIM;
	/* alloc_flags_nofragment(): the preferred zone is Normal with DMA32 below it */
	if (m->cfg.era == PFNLAB_ERA_CURRENT && top > 0 && m->zones[top].type == PFNLAB_ZONE_NORMAL &&
	    m->zones[top - 1].type == PFNLAB_ZONE_DMA32)
		flags |= ALLOC_NOFRAGMENT;
	p = get_page_from_freelist(m, order, flags, highest, mt, &z);
	if (p == NIL_PFN)
		p = get_page_from_freelist(m, order, slowpath_flags(m, gfp, order), highest, mt, &z);
	if (m->trace.write)
		trace_page_alloc(m, p, order, gfp, mt);
	if (p == NIL_PFN) {
		m->vm[VM_ALLOC_FAILED]++;
		return NIL_PFN;
	}
	f = pfn_frame(m, p);
	f->flags = F_ALLOC | (mt == PFNLAB_MT_MOVABLE ? F_LRU : 0);
	f->order = (uint8_t)order;
	f->refcount = 1;
	f->mt = 0;
	f->next = f->prev = 0;
	m->vm[VM_PGALLOC_DMA + z->type] += 1ull << order;
	return p;
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

/* models __free_pages(): give a head frame's block back (the caller checked it) */
void free_frames(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	struct frame *f = pfn_frame(m, pfn);
	struct zone *z = pfn_zone(m, pfn);
	int mt;

	if (order)
		m->frames[pfn + 1].refcount = 0; /* the pincount of a large folio */
	f->flags = 0;
	f->order = 0;
	f->refcount = 0;
	f->mt = 0;
	f->next = f->prev = 0;
	if (m->trace.write)
		trace_page_free(m, pfn, order);
	m->vm[VM_PGFREE] += 1ull << order;
	mt = pb_type(m, pfn);
	if (m->cfg.pcp && order == 0)
		pcp_free(m, z, pfn, mt);
	else
		free_one_page(m, z, pfn, order, mt, false);
}

int pfnlab_free_pages(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	struct frame *f;

	if (pfn >= m->nr_pfns || order >= m->nr_orders)
		return -EINVAL;
	f = pfn_frame(m, pfn);
	if (!(f->flags & F_ALLOC) || f->order != order)
		return -EINVAL;
	if (f->refcount != 1 || (f->flags & F_ANON))
		return -EBUSY;
	free_frames(m, pfn, order);
	return 0;
}
