/*
 * buddy.c - the buddy free lists of a zone: split, merge, __rmqueue with
 * CMA use, fallback and pageblock stealing.
 *
 * Models mm/page_alloc.c of v6.1 (era "current"), v4.2 (era "2015") and,
 * where they differ, Debian's 6.12.117 (claim, then steal a single page;
 * a free page always on its pageblock's type's list):
 * free_area[order].free_list[migratetype] per zone, blocks linked through
 * their head frame.  Free-page counters (NR_FREE_PAGES, NR_FREE_CMA_PAGES)
 * follow list membership: a block on a list of type t counts as free of
 * type t, except on the ISOLATE list, which the kernel also leaves out.
 *
 * A fallback below pageblock order boosts the zone's watermarks
 * (boost_watermark(), v5.0+, watermark.c) before it claims or steals.
 *
 * Simplified: no guard pages, no page shuffling, no compaction capture;
 * 6.12's split_large_buddy() (a freed block above pageblock order freed
 * a pageblock at a time) is not modelled.
 */
#include "buddy.h"

/* Fallback order when a type's own lists are empty (fallbacks[], both eras). */
static const int fallbacks[3][2] = {
	[PFNLAB_MT_UNMOVABLE] = {PFNLAB_MT_RECLAIMABLE, PFNLAB_MT_MOVABLE},
	[PFNLAB_MT_MOVABLE] = {PFNLAB_MT_RECLAIMABLE, PFNLAB_MT_UNMOVABLE},
	[PFNLAB_MT_RECLAIMABLE] = {PFNLAB_MT_UNMOVABLE, PFNLAB_MT_MOVABLE},
};

/* models __mod_zone_freepage_state(), include/linux/vmstat.h (see zone_freepage_state()) */
void account_freepages(struct zone *z, int mt, int64_t delta)
{
	zone_freepage_state(z, mt, delta);
}

/* models del_page_from_free_list(), mm/page_alloc.c (see del_from_free_list()) */
void list_del_block(struct pfnlab_machine *m, struct zone *z, uint64_t pfn)
{
	del_from_free_list(m, z, pfn);
}

/* models move_to_free_list(): to the tail in v6.1, to the head in v4.2 */
static void move_to_free_list(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, int mt)
{
	unsigned order = pfn_frame(m, pfn)->order;

	del_from_free_list(m, z, pfn);
	add_to_free_list(m, z, pfn, order, mt, m->cfg.era == PFNLAB_ERA_CURRENT);
}

/* models __free_one_page(), mm/page_alloc.c (see buddy_free_block()) */
void free_one_page(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order,
		   int mt, bool to_tail)
{
	buddy_free_block(m, z, pfn, order, mt, to_tail, false);
}

/* buddy_merge_link() from a merge that reached pageblock order on an order-0 free path */
void buddy_merge_from(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order, int mt,
		      bool to_tail)
{
	if (z->buddy_aligned)
		buddy_merge_link(m, z, pfn, order, mt, to_tail, true, false);
	else
		buddy_merge_link(m, z, pfn, order, mt, to_tail, false, false);
}

/* models __rmqueue_smallest(), mm/page_alloc.c (see buddy_take_smallest()) */
uint64_t rmqueue_smallest(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt)
{
	return buddy_take_smallest(m, z, order, mt);
}

/*
 * The first head of a free block in [@p, @end), or @end: the flags of
 * sixteen frames ORed at a time (no branch per frame) and the chunk that
 * has one searched frame by frame.  An allocated block's tail frames are
 * plain (check.c), so no jump over allocations by their order is needed.
 */
static uint64_t next_free_head(const struct frame *frames, uint64_t p, uint64_t end)
{
	enum { CHUNK = 16 };

	for (; p + CHUNK <= end; p += CHUNK) {
		const struct frame *f = frames + p;
		unsigned acc = 0;

		for (unsigned j = 0; j < CHUNK; j += 8)
			acc |= f[j].flags | f[j + 1].flags | f[j + 2].flags | f[j + 3].flags | f[j + 4].flags |
			       f[j + 5].flags | f[j + 6].flags | f[j + 7].flags;
		if (acc & F_BUDDY)
			break;
	}
	while (p < end && !(frames[p].flags & F_BUDDY))
		p++;
	return p;
}

/*
 * models move_freepages_block(): move every free block of the pageblock
 * holding @pfn to @mt's lists (none for @mt < 0: prep_move_freepages_block()'s
 * count of 6.12); count LRU pages in @movable.  Returns the number of free
 * pages moved (counted).
 */
uint64_t move_freepages_block(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, int mt,
			      uint64_t *movable)
{
	uint64_t start = pfn & ~(m->pb_pages - 1);
	uint64_t end = start + m->pb_pages; /* exclusive */
	uint64_t moved = 0;

	if (movable)
		*movable = 0;
	if (!zone_spans(z, start))
		start = pfn;
	if (!zone_spans(z, end - 1))
		return 0;
	for (uint64_t p = start; p < end;) {
		const struct frame *f = pfn_frame(m, p);

		if (f->flags & F_BUDDY) {
			uint64_t size = (uint64_t)1 << f->order;

			if (mt >= 0)
				move_to_free_list(m, z, p, mt);
			moved += size;
			p += size;
		} else if (!movable) { /* isolation's walk: only the free blocks matter */
			p = next_free_head(m->frames, p, end);
		} else {
			uint64_t n = (f->flags & F_ALLOC) ? (uint64_t)1 << f->order : 1;

			/* PageLRU() of a tail page reads its head: every page of an LRU folio counts */
			if (f->flags & F_LRU)
				*movable += p + n <= end ? n : end - p;
			p += n;
		}
	}
	return moved;
}

static bool can_steal_fallback(const struct pfnlab_machine *m, unsigned order, int start_mt)
{
	if (order >= m->pb_order)
		return true;
	return order >= m->pb_order / 2 || start_mt == PFNLAB_MT_RECLAIMABLE ||
	       start_mt == PFNLAB_MT_UNMOVABLE;
}

/* models find_suitable_fallback(); returns the type or -1 (@only_stealable: only one it may steal) */
int find_suitable_fallback(const struct pfnlab_machine *m, const struct zone *z, unsigned order, int mt,
			   bool only_stealable, bool *can_steal)
{
	const struct free_area *area = &z->area[order];

	if (area->nr_free == 0)
		return -1;
	*can_steal = false;
	for (int i = 0; i < 2; i++) {
		int fmt = fallbacks[mt][i];

		if (area->list[fmt].head == NIL_PFN)
			continue;
		if (can_steal_fallback(m, order, mt))
			*can_steal = true;
		if (!only_stealable || *can_steal)
			return fmt;
	}
	return -1;
}

/* models change_pageblock_range(): the pageblocks of the order-@order block at @pfn become @mt */
void change_pageblock_range(struct pfnlab_machine *m, uint64_t pfn, unsigned order, int mt)
{
	uint64_t n = (uint64_t)1 << (order - m->pb_order);

	for (uint64_t i = 0; i < n; i++)
		set_pageblock_migratetype(m, pfn + i * m->pb_pages, mt);
}

/*
 * The pages of a pageblock of type @block_mt, besides its @free_pages,
 * that a @start_mt allocation counts as its own kind when it claims the
 * block: its @movable pages for a movable one, for another the pages that
 * are neither free nor movable in a MOVABLE block, none in another block
 */
static uint64_t alike_pages(const struct pfnlab_machine *m, int start_mt, int block_mt, uint64_t free_pages,
			    uint64_t movable)
{
	if (start_mt == PFNLAB_MT_MOVABLE)
		return movable;
	if (block_mt == PFNLAB_MT_MOVABLE)
		return m->pb_pages - (free_pages + movable);
	return 0;
}

/*
 * A fallback that may fragment: boost_watermark(), and for a caller that
 * may wake kswapd, ZONE_BOOSTED_WATERMARK for rmqueue() to act on
 */
static void boost_and_flag(struct pfnlab_machine *m, struct zone *z, unsigned alloc_flags)
{
	if (boost_watermark(m, z) && (alloc_flags & ALLOC_KSWAPD))
		z->boosted_wmark = true;
}

/* models steal_suitable_fallback() of v6.1 */
static void steal_suitable_fallback(struct pfnlab_machine *m, struct zone *z, uint64_t pfn,
				    int start_mt, bool whole_block, unsigned alloc_flags)
{
	unsigned order = pfn_frame(m, pfn)->order;
	int old = pb_type(m, pfn);
	uint64_t free_pages, movable_pages, alike;

	if (old == PFNLAB_MT_HIGHATOMIC)
		goto single_page;
	if (order >= m->pb_order) {
		change_pageblock_range(m, pfn, order, start_mt);
		goto single_page;
	}
	boost_and_flag(m, z, alloc_flags);
	if (!whole_block)
		goto single_page;
	free_pages = move_freepages_block(m, z, pfn, start_mt, &movable_pages);
	alike = alike_pages(m, start_mt, old, free_pages, movable_pages);
	if (!free_pages)
		goto single_page;
	if (free_pages + alike >= m->pb_pages / 2)
		set_pageblock_migratetype(m, pfn, start_mt);
	return;
single_page:
	move_to_free_list(m, z, pfn, start_mt);
}

/* models steal_suitable_fallback() of v4.2: only free pages count */
static void steal_suitable_fallback_2015(struct pfnlab_machine *m, struct zone *z, uint64_t pfn,
					 int start_mt)
{
	unsigned order = pfn_frame(m, pfn)->order;
	uint64_t pages;

	if (order >= m->pb_order) {
		change_pageblock_range(m, pfn, order, start_mt);
		return;
	}
	pages = move_freepages_block(m, z, pfn, start_mt, NULL);
	if (pages >= m->pb_pages / 2)
		set_pageblock_migratetype(m, pfn, start_mt);
}

/*
 * Find the fallback block: the largest of any fallback type, or for a
 * movable request that cannot steal, the smallest.  Returns its order and
 * sets *fmt and *can_steal, or returns -1.
 */
static int pick_fallback(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt,
			 unsigned min_order, int *fmt, bool *can_steal)
{
	for (int o = (int)m->nr_orders - 1; o >= (int)min_order; o--) {
		*fmt = find_suitable_fallback(m, z, (unsigned)o, mt, false, can_steal);
		if (*fmt < 0)
			continue;
		if (m->cfg.era == PFNLAB_ERA_CURRENT && !*can_steal &&
		    mt == PFNLAB_MT_MOVABLE && (unsigned)o > order) {
			for (unsigned s = order; s < m->nr_orders; s++) {
				*fmt = find_suitable_fallback(m, z, s, mt, false, can_steal);
				if (*fmt >= 0)
					return (int)s;
			}
		}
		return o;
	}
	return -1;
}

/*
 * models try_to_steal_block() of 6.12 (Debian's 6.12.117): claim the
 * pageblock of fallback block @pfn (order @o) for @start_mt, whole blocks
 * outright, a smaller one only when at least half its pages are free or
 * alike (then all its free blocks move with the type, and the page comes
 * from @start_mt's lists); a HIGHATOMIC block, a block straddling the
 * zone's ends and one with too few such pages are left as they are.
 * Returns the page or NIL_PFN.
 */
static uint64_t try_to_claim_block(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned o,
				   unsigned order, int start_mt, unsigned alloc_flags)
{
	int block_mt = pb_type(m, pfn);
	uint64_t start = pfn & ~(m->pb_pages - 1), free_pages, movable, alike;

	if (block_mt == PFNLAB_MT_HIGHATOMIC)
		return NIL_PFN;
	if (o >= m->pb_order) {
		del_from_free_list(m, z, pfn);
		change_pageblock_range(m, pfn, o, start_mt);
		buddy_expand(m, z, pfn, order, o, start_mt);
		pfn_frame(m, pfn)->mt = (uint16_t)start_mt;
		return pfn;
	}
	boost_and_flag(m, z, alloc_flags);
	if (!zone_spans(z, start) || !zone_spans(z, start + m->pb_pages - 1))
		return NIL_PFN;
	free_pages = move_freepages_block(m, z, pfn, -1, &movable);
	alike = alike_pages(m, start_mt, block_mt, free_pages, movable);
	if (free_pages + alike < m->pb_pages / 2)
		return NIL_PFN;
	move_freepages_block(m, z, pfn, start_mt, NULL);
	set_pageblock_migratetype(m, pfn, start_mt);
	return buddy_take_smallest(m, z, order, start_mt);
}

/*
 * models __rmqueue_claim() of 6.12: from the largest order down, the first
 * fallback block whose pageblock try_to_claim_block() takes; an order
 * whose fallback may not claim ends the search (NOFRAGMENT: whole
 * pageblocks only).  Returns the page or NIL_PFN.
 */
static uint64_t rmqueue_claim(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt,
			      unsigned alloc_flags)
{
	int min_order = order < m->pb_order && (alloc_flags & ALLOC_NOFRAGMENT) ? (int)m->pb_order : (int)order;

	for (int o = (int)m->nr_orders - 1; o >= min_order; o--) {
		bool can_steal;
		int fmt = find_suitable_fallback(m, z, (unsigned)o, mt, false, &can_steal);
		uint64_t pfn;

		if (fmt < 0)
			continue;
		if (!can_steal)
			break;
		pfn = try_to_claim_block(m, z, z->area[o].list[fmt].head, (unsigned)o, order, mt, alloc_flags);
		if (pfn != NIL_PFN) {
			trace_extfrag(m, pfn, order, (unsigned)o, mt, fmt);
			return pfn;
		}
	}
	return NIL_PFN;
}

/*
 * models __rmqueue_steal() of 6.12: one page from the smallest fallback
 * block, the rest of it left on its own type's lists.  Returns the page or
 * NIL_PFN.
 */
static uint64_t rmqueue_steal(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt)
{
	for (unsigned o = order; o < m->nr_orders; o++) {
		bool can_steal;
		int fmt = find_suitable_fallback(m, z, o, mt, false, &can_steal);
		uint64_t pfn;

		if (fmt < 0)
			continue;
		pfn = buddy_take(m, z, order, o, fmt);
		trace_extfrag(m, pfn, order, o, mt, fmt);
		return pfn;
	}
	return NIL_PFN;
}

/*
 * models __rmqueue() of 6.12 (Debian's 6.12.117): CMA first under the 5.7
 * rule, then as *@mode says where the last call of the same refill found
 * its page: the request's own type, CMA for ALLOC_CMA callers, claiming a
 * fallback pageblock, stealing a single fallback page (not under
 * ALLOC_NOFRAGMENT).  A free page of 6.12 always lies on its pageblock's
 * type's list; nothing here breaks that.
 */
uint64_t rmqueue_in_mode(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt, unsigned alloc_flags,
			 enum rmqueue_mode *mode)
{
	uint64_t pfn;

	if (rmqueue_cma_first(m, z, alloc_flags)) {
		pfn = buddy_take_smallest(m, z, order, PFNLAB_MT_CMA);
		if (pfn != NIL_PFN)
			return pfn;
	}
	switch (*mode) {
	case RMQUEUE_NORMAL:
		pfn = buddy_take_smallest(m, z, order, mt);
		if (pfn != NIL_PFN)
			return pfn;
		/* fall through */
	case RMQUEUE_CMA:
		if (m->cfg.config_cma && (alloc_flags & ALLOC_CMA)) {
			pfn = buddy_take_smallest(m, z, order, PFNLAB_MT_CMA);
			if (pfn != NIL_PFN) {
				*mode = RMQUEUE_CMA;
				return pfn;
			}
		}
		pfn = rmqueue_claim(m, z, order, mt, alloc_flags);
		if (pfn != NIL_PFN) {
			*mode = RMQUEUE_NORMAL;
			return pfn;
		}
		/* fall through */
	case RMQUEUE_STEAL:
		if (!(alloc_flags & ALLOC_NOFRAGMENT)) {
			pfn = rmqueue_steal(m, z, order, mt);
			if (pfn != NIL_PFN) {
				*mode = RMQUEUE_STEAL;
				return pfn;
			}
		}
	}
	return NIL_PFN;
}

/*
 * models __rmqueue_fallback(): v6.1 steals onto the lists and lets the
 * caller retry __rmqueue_smallest; v4.2 takes the fallback block directly.
 * Returns NIL_PFN (v6.1: "found, retry") through *retry, or a page (v4.2).
 */
static uint64_t rmqueue_fallback(struct pfnlab_machine *m, struct zone *z, unsigned order,
				 int mt, unsigned alloc_flags, bool *retry)
{
	unsigned min_order = order;
	bool can_steal;
	int fmt, o;
	uint64_t pfn;

	*retry = false;
	if (order < m->pb_order && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = m->pb_order;
	o = pick_fallback(m, z, order, mt, min_order, &fmt, &can_steal);
	if (o < 0)
		return NIL_PFN;
	pfn = z->area[o].list[fmt].head;
	if (m->cfg.era == PFNLAB_ERA_CURRENT) {
		steal_suitable_fallback(m, z, pfn, mt, can_steal, alloc_flags);
		trace_extfrag(m, pfn, order, (unsigned)o, mt, fmt);
		*retry = true;
		return NIL_PFN;
	}
	if (can_steal)
		steal_suitable_fallback_2015(m, z, pfn, mt);
	del_from_free_list(m, z, pfn);
	buddy_expand(m, z, pfn, order, (unsigned)o, mt);
	pfn_frame(m, pfn)->mt = (uint16_t)mt;
	trace_extfrag(m, pfn, order, (unsigned)o, mt, fmt);
	return pfn;
}

/*
 * models __rmqueue(): CMA first when the 5.7 rule says so, then the
 * requested type, then CMA for ALLOC_CMA callers, then fallback; in the
 * 2015 era, MIGRATE_RESERVE last.
 */
uint64_t rmqueue(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt,
		 unsigned alloc_flags)
{
	bool cma_ok = m->cfg.config_cma && (alloc_flags & ALLOC_CMA);
	uint64_t pfn;
	bool retry;

	if (kernel_612(m)) { /* one call: rmqueue_buddy()'s own mode */
		enum rmqueue_mode mode = RMQUEUE_NORMAL;

		return rmqueue_in_mode(m, z, order, mt, alloc_flags, &mode);
	}

	if (rmqueue_cma_first_seen(m, z, alloc_flags)) {
		pfn = buddy_take_smallest(m, z, order, PFNLAB_MT_CMA);
		if (pfn != NIL_PFN)
			return pfn;
	}
	for (;;) {
		pfn = buddy_take_smallest(m, z, order, mt);
		if (pfn != NIL_PFN)
			return pfn;
		if (cma_ok) {
			pfn = buddy_take_smallest(m, z, order, PFNLAB_MT_CMA);
			if (pfn != NIL_PFN)
				return pfn;
		}
		pfn = rmqueue_fallback(m, z, order, mt, alloc_flags, &retry);
		if (pfn != NIL_PFN)
			return pfn;
		if (!retry)
			break;
	}
	if (m->cfg.era == PFNLAB_ERA_2015)
		return buddy_take_smallest(m, z, order, PFNLAB_MT_HIGHATOMIC);
	return NIL_PFN;
}

/*
 * models split_free_page() as isolate_single_pageblock() uses it (v6.1):
 * a free block that straddles @pfn becomes aligned blocks on either side,
 * each on the list of its pageblock's type, without merging back.
 */
void split_free_block_at(struct pfnlab_machine *m, struct zone *z, uint64_t pfn)
{
	uint64_t head = NIL_PFN, end;
	unsigned order = 0;

	for (unsigned o = 1; o < m->nr_orders; o++) {
		uint64_t h = pfn & ~((1ull << o) - 1);
		const struct frame *f = &m->frames[h];

		if (h != pfn && zone_spans(z, h) && (f->flags & F_BUDDY) && f->order >= o) {
			head = h;
			order = f->order;
			break;
		}
	}
	if (head == NIL_PFN)
		return;
	end = head + (1ull << order);
	del_from_free_list(m, z, head);
	for (uint64_t p = head; p < end;) {
		unsigned o = (unsigned)__builtin_ctzll(p);
		uint64_t limit = p < pfn ? pfn : end;

		if (o >= m->nr_orders)
			o = m->nr_orders - 1;
		while (p + (1ull << o) > limit)
			o--;
		add_to_free_list(m, z, p, o, pb_type(m, p), false);
		p += 1ull << o;
	}
}
