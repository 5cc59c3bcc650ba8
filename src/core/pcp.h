/*
 * pcp.h - the per-CPU page lists' primitives, inline: private to pcp.c and
 * the allocation and free entry points (page_alloc.c).
 *
 * Models list_add()/list_del() on a per_cpu_pages list and
 * free_unref_page_commit() (v6.1; v4.2's free_hot_cold_page()); see pcp.c
 * for what the per-CPU lists model and simplify.
 */
#ifndef PFNLAB_PCP_H
#define PFNLAB_PCP_H

#include "buddy.h"

/*
 * Per-CPU list primitives (pcp.c and the entry points in page_alloc.c).
 * A pcp list is circular through frame.next/prev; its head is the
 * kernel's list head's next, its tail the head's prev.
 */

/* A free order-0 page of pageblock type @stored_mt onto @l: list_add(), or list_add_tail() */
HOT_INLINE void pcp_list_add(struct frame *frames, struct pcp_list *l, uint32_t pfn, int stored_mt, bool tail)
{
	struct frame *f = &frames[pfn];
	uint32_t head = l->head;

	if (head == NIL_PFN) {
		f->next = f->prev = pfn;
		l->head = pfn;
	} else {
		uint32_t last = frames[head].prev;

		f->next = head;
		f->prev = last;
		frames[last].next = pfn;
		frames[head].prev = pfn;
		if (!tail)
			l->head = pfn;
	}
	frame_set_state(f, 0, (unsigned)stored_mt, 0, F_PCP);
	l->count++;
}

/*
 * @n free order-0 pages @pfn, @pfn + 1, ... of pageblock type @stored_mt
 * onto the tail of @l in that order: @n list_add_tail()s, linked at once
 */
HOT_INLINE void pcp_list_add_run(struct frame *frames, struct pcp_list *l, uint32_t pfn, uint32_t n, int stored_mt)
{
	uint32_t last = pfn + n - 1, head = l->head;

	for (uint32_t p = pfn; p <= last; p++) {
		struct frame *f = &frames[p];

		f->prev = p - 1;
		f->next = p + 1;
		frame_set_state(f, 0, (unsigned)stored_mt, 0, F_PCP);
	}
	if (head == NIL_PFN) {
		head = l->head = pfn;
	} else {
		uint32_t tail = frames[head].prev;

		frames[tail].next = pfn;
		frames[pfn].prev = tail;
	}
	frames[last].next = head;
	frames[head].prev = last;
	l->count += n;
}

/*
 * list_del() of @pfn from @l; its frame keeps stale links and marks, for
 * the caller to rewrite whole (an allocation) or clear (pcp_list_del())
 */
HOT_INLINE void pcp_list_unlink(struct frame *frames, struct pcp_list *l, uint32_t pfn)
{
	const struct frame *f = &frames[pfn];
	uint32_t next = f->next, prev = f->prev;

	if (next == pfn) {
		l->head = NIL_PFN;
	} else {
		frames[prev].next = next;
		frames[next].prev = prev;
		if (l->head == pfn)
			l->head = next;
	}
	l->count--;
}

/* models __rmqueue_pcplist()'s list_first_entry() and list_del() of a non-empty list */
HOT_INLINE uint32_t pcp_list_pop(struct frame *frames, struct per_cpu_pages *p, struct pcp_list *l)
{
	uint32_t pfn = l->head;

	pcp_list_unlink(frames, l, pfn);
	p->count--;
	return pfn;
}

/*
 * models free_unref_page() (v6.1) and free_hot_cold_page() (v4.2) for an
 * order-0 page of pageblock type @mt whose frame is this function's to
 * rewrite whole (the caller need not clear it): onto
 * the head of its pcp list (HIGHATOMIC and CMA pages onto MOVABLE's,
 * remembering their type), a bulk free once the list holds high pages;
 * an isolated page straight to the buddy lists.
 */
HOT_INLINE void pcp_free(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, int mt)
{
	struct per_cpu_pages *p = &z->pcp[m->cpu];
	int list = mt;

	if (mt >= PFNLAB_MT_HIGHATOMIC) {
		if (mt == PFNLAB_MT_ISOLATE) {
			struct frame *f = &m->frames[pfn];

			f->next = f->prev = 0;
			frame_set_state(f, 0, 0, 0, 0);
			free_one_page(m, z, pfn, 0, mt, false);
			return;
		}
		list = PFNLAB_MT_MOVABLE;
	}
	pcp_list_add(m->frames, &p->lists[list], (uint32_t)pfn, mt, false);
	if (++p->count >= p->free_limit)
		pcp_free_high(m, z, p, list);
}

#endif /* PFNLAB_PCP_H */
