/*
 * claim.c - exact PFN ranges in and out of the buddy lists: what a replay
 * needs when the trace says which page was allocated or freed (claim.h;
 * src/input/replay_apply.c is its one caller, so buddy.h's free-list
 * primitives stay inside the core).
 *
 * Models the effect of rmqueue() -> __rmqueue_smallest() -> expand() when
 * the page it returned is known: the free block holding it leaves its
 * list and the unused halves go back to the same type's lists, each at
 * the head, smallest last (expand() of mm/page_alloc.c).  Giving a block
 * back is __free_pages() -> __free_one_page() with the pageblock's migrate
 * type, merging with free buddies (buddy.c's free_one_page()).
 *
 *   free block of order 3 on the Movable list        allocation at pfn 5, order 0
 *   [0 1 2 3 4 5 6 7]                          ->   [0 1 2 3] [4] (5) [6 7]
 *                                                    order 2  o0 ALLOC order 1, all Movable
 *
 * Simplified: no per-CPU lists (the replay refuses machines with them);
 * watermarks are not consulted (the trace already says the page was given).
 */
#include "buddy.h"
#include "claim.h"

uint64_t claim_block_head(const struct pfnlab_machine *m, uint64_t pfn)
{
	/* the candidates pfn & ~(2^o - 1), o < nr_orders: each distinct one once, lowest set bit cleared */
	const uint64_t span = (1ull << (m->nr_orders - 1)) - 1;
	const struct frame *f = &m->frames[pfn];
	uint64_t h = pfn;

	if (f->flags & (F_HOLE | F_RESERVED | F_PCP))
		return NIL_PFN;
	for (;;) {
		f = &m->frames[h];
		if ((f->flags & (F_BUDDY | F_ALLOC)) && h + (1ull << f->order) > pfn)
			return h;
		if (!(h & span))
			return NIL_PFN;
		h &= h - 1;
	}
}

struct zone *claim_range_zone(struct pfnlab_machine *m, uint64_t pfn, uint64_t n)
{
	struct zone *z;

	if (pfn >= m->nr_pfns || n > m->nr_pfns - pfn || !(z = pfn_zone(m, pfn)) || !zone_spans(z, pfn + n - 1))
		return NULL;
	for (uint64_t p = pfn; p < pfn + n; p++)
		if (m->frames[p].flags & (F_HOLE | F_RESERVED | F_PCP))
			return NULL;
	return z;
}

bool claim_range_free(const struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	uint64_t end = pfn + (1ull << order), h = claim_block_head(m, pfn);

	if (h == NIL_PFN)
		return false;
	if (m->frames[h].flags & F_BUDDY) {
		if (h + (1ull << m->frames[h].order) >= end)
			return true;
	} else {
		return false;
	}
	/* smaller free blocks side by side (types that may not merge) */
	for (uint64_t p = pfn; p < end;) {
		const struct frame *f = &m->frames[p];

		if (!(f->flags & F_BUDDY))
			return false;
		p += 1ull << f->order;
	}
	return true;
}

/* claim_take_free() with the head @h of the block holding @pfn already found */
static void claim_take_free_at(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order,
			       uint64_t h)
{
	uint64_t end = pfn + (1ull << order);

	if (h != NIL_PFN && (m->frames[h].flags & F_BUDDY) && m->frames[h].order > order) {
		/*
		 * models expand(): the halves not holding @pfn, the buddies of
		 * @pfn's blocks of each order from the largest down, go back to
		 * the head of the block's list; the free-page counters move
		 * once, by the pages taken (as buddy_take())
		 */
		unsigned k = m->frames[h].order;
		int mt = unlink_free_block(m, z, h, k);

		while (k > order) {
			uint64_t half = 1ull << --k;

			link_list_head(m, z, (pfn & ~(half - 1)) ^ half, k, mt);
		}
		zone_freepage_state(z, mt, -((int64_t)1 << order));
		return;
	}
	for (uint64_t p = pfn; p < end;) {
		struct frame *f = &m->frames[p];

		if (f->flags & F_BUDDY) {
			unsigned o = f->order;

			list_del_block(m, z, p);
			p += 1ull << o;
		} else if (f->flags & F_ALLOC) {
			p += 1ull << f->order;
		} else {
			p++;
		}
	}
}

bool claim_take_if_free(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order)
{
	uint64_t h = claim_block_head(m, pfn);

	if (h == NIL_PFN || !(m->frames[h].flags & F_BUDDY))
		return false;
	if (h + (1ull << m->frames[h].order) < pfn + (1ull << order) && !claim_range_free(m, pfn, order))
		return false;
	claim_take_free_at(m, z, pfn, order, h);
	return true;
}

void claim_take_free(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order)
{
	claim_take_free_at(m, z, pfn, order, claim_block_head(m, pfn));
}

void claim_split_alloc(struct pfnlab_machine *m, uint64_t head)
{
	struct frame *f = &m->frames[head];
	unsigned order = f->order;
	uint8_t flags = f->flags & (F_ALLOC | F_LRU);

	if (!order)
		return;
	m->frames[head + 1].refcount = 0; /* the pincount slot of a large folio */
	for (uint64_t p = head; p < head + (1ull << order); p++)
		m->frames[p] = (struct frame){.flags = flags, .refcount = 1};
}

void claim_mark_alloc(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order, bool movable)
{
	struct frame *f = &m->frames[pfn];

	*f = (struct frame){.flags = (uint8_t)(F_ALLOC | (movable ? F_LRU : 0)), .order = (uint8_t)order,
			    .refcount = 1};
	if (m->pgflags)
		m->pgflags[pfn] = 0;
	m->vm[VM_PGALLOC_DMA + z->type] += 1ull << order;
}

/*
 * A folio the trace frees while the model still has it mapped or cached (a
 * --pages snapshot names owners): its page-table entries and page-cache
 * slot go with it, so nothing points at the freed frames.
 */
static void forget_owner(struct pfnlab_machine *m, uint64_t head)
{
	struct frame *f = &m->frames[head];
	uint64_t n = 1ull << f->order;

	if (f->flags & F_ANON) {
		struct mm *mm = mm_get(m, f->next);

		for (uint64_t i = 0; mm && f->mt && i < n; i++) {
			uint32_t *pte = mm_pte(m, mm, f->prev + i, false);

			if (pte && *pte == head + i + 1) {
				*pte = 0;
				mm->rss--;
			}
		}
	} else if (pg_kind(m, head)) {
		struct mapping *mp = mapping_get(m, f->next);
		uint32_t *slot = mp ? cache_slot(m, mp, f->prev, false) : NULL;

		if (slot && *slot == head + 1) {
			*slot = 0;
			xa_erase(m, mp, f->prev);
			mp->nr_cached--;
			m->nr_file_pages--;
			m->nr_shmem -= pg_kind(m, head) == PGK_SHMEM;
			mp->nr_dirty -= (pg_flags(m, head) & PG_DIRTY) != 0;
			m->nr_dirty -= (pg_flags(m, head) & PG_DIRTY) != 0;
			m->nr_writeback -= (pg_flags(m, head) & PG_WRITEBACK) != 0;
		}
	}
	if (m->pgflags)
		m->pgflags[head] = 0;
}

void claim_release(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order)
{
	uint64_t end = pfn + (1ull << order);

	for (uint64_t p = pfn; p < end;) {
		struct frame *f = &m->frames[p];
		uint64_t size = 1ull << f->order;

		if (f->flags & F_BUDDY) {
			list_del_block(m, z, p);
			p += size;
		} else if (f->flags & F_ALLOC) {
			forget_owner(m, p);
			if (f->order)
				m->frames[p + 1].refcount = 0;
			*f = (struct frame){0};
			p += size;
		} else {
			*f = (struct frame){0};
			p++;
		}
	}
	m->vm[VM_PGFREE] += 1ull << order;
	free_one_page(m, z, pfn, order, pb_type(m, pfn), false);
}
