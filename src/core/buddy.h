/*
 * buddy.h - the buddy allocator's free-list primitives, inline: private to
 * the allocator (buddy.c, page_alloc.c, pcp.c) and to what takes blocks off
 * the free lists itself (compaction's capture).  Everything else reaches
 * the free lists through model.h's out-of-line functions (buddy.c).
 *
 * Models the free-list helpers of mm/page_alloc.c and include/linux/mmzone.h
 * (add_to_free_list(), del_page_from_free_list(), page_is_buddy(),
 * buddy_merge_likely(), __free_one_page(), expand(), __rmqueue_smallest());
 * see buddy.c for what the allocator models and simplifies.
 */
#ifndef PFNLAB_BUDDY_H
#define PFNLAB_BUDDY_H

#include "model.h"

/*
 * Free-list primitives of the buddy allocator, inline because both the
 * general paths (buddy.c) and the allocation and free entry points
 * (page_alloc.c) run them for every block.  There is one implementation
 * of each; buddy.c exports the out-of-line versions.  The byte stores of
 * a frame (flags, order) come last and loop invariants sit in locals: a
 * byte store may alias anything and makes the compiler reload the rest.
 */
#define HOT_INLINE static inline __attribute__((always_inline))

/* buddy.c: the rest of an order-0 free whose merges reached pageblock order (buddy_merge_link()) */
void buddy_merge_from(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order, int mt,
		      bool to_tail);

/* models __mod_zone_freepage_state(), include/linux/vmstat.h */
HOT_INLINE void zone_freepage_state(struct zone *z, int mt, int64_t delta)
{
	if (mt == PFNLAB_MT_ISOLATE)
		return;
	z->nr_free += delta;
	if (mt == PFNLAB_MT_CMA)
		z->nr_free_cma += delta;
}

/* A block becomes the free block @f of (@order, @mt) in @area: its count and marks */
HOT_INLINE void mark_free_block(struct free_area *area, struct frame *f, unsigned order, int mt)
{
	area->nr_free++;
	f->refcount = 0;
	f->mt = (uint16_t)mt;
	f->order = (uint8_t)order;
	f->flags = F_BUDDY;
}

/* The free block @f leaves its list in @area: mark_free_block() undone (the links stay) */
HOT_INLINE void unmark_free_block(struct free_area *area, struct frame *f)
{
	area->nr_free--;
	f->mt = 0;
	f->order = 0;
	f->flags = 0;
}

/*
 * Link free block @pfn of (@order, @mt) into its list between @prev and
 * @next (NIL_PFN at either end of the list); the shape of the kernel's
 * __list_add().  The zone's counters are the caller's.
 */
HOT_INLINE void link_free_block(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order, int mt,
				uint32_t prev, uint32_t next)
{
	struct frame *frames = m->frames, *f = &frames[pfn];
	struct free_area *area = &z->area[order];
	struct free_list *l = &area->list[mt];
	uint32_t p = (uint32_t)pfn;

	f->prev = prev;
	f->next = next;
	if (prev != NIL_PFN)
		frames[prev].next = p;
	else
		l->head = p;
	if (next != NIL_PFN)
		frames[next].prev = p;
	else
		l->tail = p;
	mark_free_block(area, f, order, mt);
}

/* add_to_free_list() at the head, except for the zone's free-page counters: the caller settles those */
HOT_INLINE void link_list_head(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order,
			       int mt)
{
	link_free_block(m, z, pfn, order, mt, NIL_PFN, z->area[order].list[mt].head);
}

/* add_to_free_list() except for the zone's free-page counters: the caller settles those */
HOT_INLINE void link_free_list(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order, int mt,
			       bool tail)
{
	const struct free_list *l = &z->area[order].list[mt];

	if (tail)
		link_free_block(m, z, pfn, order, mt, l->tail, NIL_PFN);
	else
		link_free_block(m, z, pfn, order, mt, NIL_PFN, l->head);
}

/* models __add_to_free_list() and add_to_free_list_tail() */
HOT_INLINE void add_to_free_list(struct pfnlab_machine *m, struct zone *z, uint64_t pfn,
				 unsigned order, int mt, bool tail)
{
	link_free_list(m, z, pfn, order, mt, tail);
	zone_freepage_state(z, mt, (int64_t)1 << order);
}

/*
 * del_block_of_order() except for the zone's free-page counters: the
 * caller settles those.  Returns the type of the list the block was on.
 */
HOT_INLINE int unlink_free_block(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order)
{
	struct frame *frames = m->frames, *f = &frames[pfn];
	uint32_t next = f->next, prev = f->prev;
	int mt = f->mt;
	struct free_area *area = &z->area[order];
	struct free_list *l = &area->list[mt];

	if (prev != NIL_PFN)
		frames[prev].next = next;
	else
		l->head = next;
	if (next != NIL_PFN) {
		frames[next].prev = prev;
	} else {
		l->tail = prev;
	}
	unmark_free_block(area, f);
	return mt;
}

/*
 * models del_page_from_free_list() for a block of @order: the links stay,
 * the block marks go
 */
HOT_INLINE void del_block_of_order(struct pfnlab_machine *m, struct zone *z, uint64_t pfn,
				   unsigned order)
{
	int mt = unlink_free_block(m, z, pfn, order);

	zone_freepage_state(z, mt, -((int64_t)1 << order));
}

/* models del_page_from_free_list(), mm/page_alloc.c */
HOT_INLINE void del_from_free_list(struct pfnlab_machine *m, struct zone *z, uint64_t pfn)
{
	del_block_of_order(m, z, pfn, m->frames[pfn].order);
}

/*
 * del_from_free_list() of the first block of (@order, @mt), which has no
 * block before it and carries that order and type, except for the zone's
 * free-page counters: the caller settles those.  Returns its PFN.
 */
HOT_INLINE uint32_t unlink_list_head(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt)
{
	struct free_area *area = &z->area[order];
	struct free_list *l = &area->list[mt];
	uint32_t pfn = l->head;
	struct frame *frames = m->frames, *f = &frames[pfn];
	uint32_t next = f->next;

	l->head = next;
	if (next != NIL_PFN) {
		frames[next].prev = NIL_PFN;
	} else {
		l->tail = NIL_PFN;
	}
	unmark_free_block(area, f);
	return pfn;
}

/*
 * models page_is_buddy(): is @pfn, inside the zone [@zstart, @zstart +
 * @zspan), the head of a free block of exactly @order?
 */
HOT_INLINE bool page_is_buddy(const struct frame *frames, uint64_t zstart, uint64_t zspan,
			      uint64_t pfn, unsigned order, bool aligned)
{
	const struct frame *f;

	if (!aligned && pfn - zstart >= zspan) /* @aligned: see buddy_merge_link() */
		return false;
	f = &frames[pfn];
	return (f->flags & F_BUDDY) && f->order == order;
}

/* May two blocks of these pageblock types merge above pageblock_order? */
static inline bool may_merge_blocks(const struct pfnlab_machine *m, int mt, int buddy_mt)
{
	if (mt == buddy_mt)
		return true;
	if (m->cfg.era == PFNLAB_ERA_2015)
		return mt != PFNLAB_MT_ISOLATE && buddy_mt != PFNLAB_MT_ISOLATE;
	return mt_is_mergeable(mt) && mt_is_mergeable(buddy_mt);
}

/* models buddy_merge_likely(): is the next-higher buddy free too? */
HOT_INLINE bool buddy_merge_likely(const struct frame *frames, uint64_t zstart, uint64_t zspan,
				   unsigned nr_orders, uint64_t pfn, unsigned order, bool aligned)
{
	uint64_t higher, higher_buddy;

	if (order + 2 >= nr_orders)
		return false;
	higher = pfn & ~(((uint64_t)1 << (order + 1)) - 1);
	higher_buddy = higher ^ ((uint64_t)1 << (order + 1));
	return page_is_buddy(frames, zstart, zspan, higher_buddy, order + 1, aligned);
}

/*
 * The merges of __free_one_page() from @order up and the link of the
 * merged block, the zone's free-page counters already moved by the freed
 * pages.  On a zone whose ends are aligned to the largest block
 * (@aligned, a constant) a buddy of a block below the largest order lies
 * in the same largest-order block, so in the zone, and the zone test of
 * page_is_buddy() (page_zone_id()) can go.  @outline: a block that
 * reaches pageblock order goes on in buddy_merge_from() (buddy.c), so
 * the order-0 free paths keep few registers live (below pageblock order
 * the largest order is never reached: pb_order < nr_orders).
 */
HOT_INLINE void buddy_merge_link(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order,
				 int mt, bool to_tail, bool aligned, bool outline)
{
	const struct frame *frames = m->frames;
	const uint64_t zstart = z->start_pfn, zspan = z->spanned;
	const unsigned nr_orders = m->nr_orders, pb_order = m->pb_order;

	for (;;) {
		uint64_t buddy = pfn ^ ((uint64_t)1 << order);
		int buddy_mt;

		if (outline && order >= pb_order) {
			buddy_merge_from(m, z, pfn, order, mt, to_tail);
			return;
		}
		if (!outline && order + 1 >= nr_orders)
			break;
		if (!page_is_buddy(frames, zstart, zspan, buddy, order, aligned))
			break;
		if (!outline && order >= pb_order) {
			int buddy_pb = pb_type(m, buddy);

			if (!may_merge_blocks(m, mt, buddy_pb))
				break;
			/* 6.12: the buddy's pageblocks take @mt (its zones are never @aligned) */
			if (!aligned && buddy_pb != mt && kernel_612(m))
				change_pageblock_range(m, buddy, order, mt);
		}
		/*
		 * a merge with a buddy of @mt's own list leaves the counters as
		 * they are, one from another list moves its pages to @mt's count
		 * (del_page_from_free_list() and add_to_free_list() of each step, summed)
		 */
		buddy_mt = unlink_free_block(m, z, buddy, order); /* page_is_buddy() saw the order */
		if (buddy_mt != mt) {
			zone_freepage_state(z, buddy_mt, -((int64_t)1 << order));
			zone_freepage_state(z, mt, (int64_t)1 << order);
		}
		pfn &= buddy;
		order++;
	}
	if (!to_tail)
		to_tail = buddy_merge_likely(frames, zstart, zspan, nr_orders, pfn, order, aligned);
	link_free_list(m, z, pfn, order, mt, to_tail);
}

/* models __free_one_page(), mm/page_alloc.c (free_one_page() in buddy.c calls it); @outline: see above */
HOT_INLINE void buddy_free_block(struct pfnlab_machine *m, struct zone *z, uint64_t pfn,
				 unsigned order, int mt, bool to_tail, bool outline)
{
	zone_freepage_state(z, mt, (int64_t)1 << order); /* once, by the freed pages */
	if (z->buddy_aligned)
		buddy_merge_link(m, z, pfn, order, mt, to_tail, true, outline);
	else
		buddy_merge_link(m, z, pfn, order, mt, to_tail, false, outline);
}

/* models expand(): put the unused halves back on @mt's lists */
HOT_INLINE void buddy_expand(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned low,
			     unsigned high, int mt)
{
	while (high > low) {
		high--;
		add_to_free_list(m, z, pfn + ((uint64_t)1 << high), high, mt, false);
	}
}

/* The smallest order >= @order with a block on @mt's list, or -1. */
HOT_INLINE int smallest_free_order(const struct zone *z, unsigned order, int mt)
{
	for (unsigned o = order; o < MAX_ORDERS; o++) /* __rmqueue_smallest()'s walk up the orders */
		if (z->area[o].list[mt].head != NIL_PFN)
			return (int)o;
	return -1;
}

/*
 * Take the first block of (@o, @mt) and split it down to @order: the
 * list operations of del_page_from_free_list() and expand(), with the
 * free-page counters settled once for all of them
 * (-2^o, then +2^h for each half put back: -2^order in all).
 */
HOT_INLINE uint64_t buddy_take(struct pfnlab_machine *m, struct zone *z, unsigned order, unsigned o,
			       int mt)
{
	uint32_t pfn = unlink_list_head(m, z, o, mt);

	for (unsigned high = o; high > order;) { /* expand() */
		high--;
		link_list_head(m, z, pfn + ((uint64_t)1 << high), high, mt);
	}
	zone_freepage_state(z, mt, -((int64_t)1 << order));
	m->frames[pfn].mt = (uint16_t)mt; /* set_pcppage_migratetype() */
	return pfn;
}

/* models __rmqueue_smallest(), mm/page_alloc.c (rmqueue_smallest() in buddy.c calls it) */
HOT_INLINE uint64_t buddy_take_smallest(struct pfnlab_machine *m, struct zone *z, unsigned order,
					int mt)
{
	int o = smallest_free_order(z, order, mt);

	return o < 0 ? NIL_PFN : buddy_take(m, z, order, (unsigned)o, mt);
}

/* Does the 5.7 rule of __rmqueue() below apply to a caller with @alloc_flags at all? */
static inline bool rmqueue_cma_rule(const struct pfnlab_machine *m, unsigned alloc_flags)
{
	return m->cfg.config_cma && (alloc_flags & ALLOC_CMA) && m->cfg.cma_rule == PFNLAB_CMA_5_7;
}

/*
 * models the 5.7 rule of __rmqueue(): a caller that may use CMA takes CMA
 * pages first while they are over half of the zone's free pages
 */
static inline bool rmqueue_cma_first(const struct pfnlab_machine *m, const struct zone *z,
				     unsigned alloc_flags)
{
	return rmqueue_cma_rule(m, alloc_flags) && z->nr_free_cma > z->nr_free / 2;
}

/*
 * The 5.7 rule as __rmqueue() reads NR_FREE_PAGES inside 6.1's
 * rmqueue_bulk(), which subtracts the batch's pages only after its loop:
 * @z->bulk_taken pages more than the zone's free pages now
 */
static inline bool rmqueue_cma_first_seen(const struct pfnlab_machine *m, const struct zone *z,
					  unsigned alloc_flags)
{
	return rmqueue_cma_rule(m, alloc_flags) && z->nr_free_cma > (z->nr_free + z->bulk_taken) / 2;
}

#endif /* PFNLAB_BUDDY_H */
