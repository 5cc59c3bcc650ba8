/*
 * pcp.c - per-CPU page lists for order-0 pages (an option of the machine).
 *
 * Models zone_batchsize(), zone_highsize(), __rmqueue_pcplist(),
 * free_unref_page() and free_pcppages_bulk() of mm/page_alloc.c (v6.1).
 * A page on a pcp list is not counted in NR_FREE_PAGES.  A CMA page freed
 * here rides on the MOVABLE list but remembers it is CMA (frame.mt), so it
 * returns to the CMA free list when drained; only allocations that may use
 * the MOVABLE pcp list can receive it.
 *
 * Simplified: order 0 only (v5.13+ also keeps orders 1-3 and THP order);
 * one list set per modelled CPU; operations run on CPU m->cpu.
 */
#include "model.h"

static uint64_t rounddown_pow2(uint64_t x)
{
	uint64_t p = 1;

	while (p * 2 <= x)
		p *= 2;
	return p;
}

/* models zone_batchsize() */
static uint32_t zone_batchsize(const struct pfnlab_machine *m, const struct zone *z)
{
	uint64_t cap = (1ull << 20) >> m->cfg.page_shift, batch = z->managed >> 10;

	if (m->cfg.era == PFNLAB_ERA_2015)
		cap = (512ull << 10) >> m->cfg.page_shift;
	if (batch > cap)
		batch = cap;
	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch = rounddown_pow2(batch + batch / 2) - 1;
	return batch < 1 ? 1 : (uint32_t)batch;
}

void pcp_setup(struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		uint32_t batch = zone_batchsize(m, z);
		uint64_t high = m->cfg.era == PFNLAB_ERA_2015 ? 6ull * batch
							       : z->wmark[WMARK_LOW] / m->cfg.nr_cpus;

		if (high < 4ull * batch)
			high = 4ull * batch;
		for (unsigned c = 0; c < MAX_CPUS; c++) {
			struct per_cpu_pages *p = &z->pcp[c];

			for (int t = 0; t < 3; t++)
				p->lists[t] = (struct pcp_list){.head = NIL_PFN, .count = 0};
			p->count = 0;
			p->batch = batch;
			p->high = (uint32_t)high;
		}
	}
}

static void pcp_add(struct pfnlab_machine *m, struct pcp_list *l, uint64_t pfn, int stored_mt,
		    bool tail)
{
	struct frame *f = pfn_frame(m, pfn);

	f->flags = F_PCP;
	f->order = 0;
	f->mt = (uint16_t)stored_mt;
	f->refcount = 0;
	if (l->head == NIL_PFN) {
		f->next = f->prev = (uint32_t)pfn;
		l->head = (uint32_t)pfn;
	} else {
		struct frame *h = pfn_frame(m, l->head);
		uint32_t last = h->prev;

		f->next = l->head;
		f->prev = last;
		pfn_frame(m, last)->next = (uint32_t)pfn;
		h->prev = (uint32_t)pfn;
		if (!tail)
			l->head = (uint32_t)pfn;
	}
	l->count++;
}

static void pcp_del(struct pfnlab_machine *m, struct pcp_list *l, uint64_t pfn)
{
	struct frame *f = pfn_frame(m, pfn);

	if (f->next == pfn) {
		l->head = NIL_PFN;
	} else {
		pfn_frame(m, f->prev)->next = f->next;
		pfn_frame(m, f->next)->prev = f->prev;
		if (l->head == pfn)
			l->head = f->next;
	}
	l->count--;
	f->flags = 0;
	f->next = f->prev = 0;
	f->mt = 0;
}

/* models free_pcppages_bulk(): round-robin from list @start, oldest first */
static void free_pcppages_bulk(struct pfnlab_machine *m, struct zone *z, struct per_cpu_pages *p,
			       uint32_t count, int start)
{
	int idx = start - 1;

	while (count > 0 && p->count > 0) {
		struct pcp_list *l;

		do {
			idx = idx + 1 > 2 ? 0 : idx + 1;
			l = &p->lists[idx];
		} while (l->head == NIL_PFN);
		do {
			uint64_t pfn = pfn_frame(m, l->head)->prev;
			int mt = pfn_frame(m, pfn)->mt;

			pcp_del(m, l, pfn);
			p->count--;
			count--;
			if (pb_type(m, pfn) == PFNLAB_MT_ISOLATE)
				mt = PFNLAB_MT_ISOLATE;
			free_one_page(m, z, pfn, 0, mt, false);
			trace_pcpu_drain(m, pfn, mt);
		} while (count > 0 && l->head != NIL_PFN);
	}
}

/* models __rmqueue_pcplist(): refill a batch from the buddy lists when empty */
uint64_t pcp_alloc(struct pfnlab_machine *m, struct zone *z, int mt, unsigned alloc_flags)
{
	struct per_cpu_pages *p = &z->pcp[m->cpu];
	struct pcp_list *l = &p->lists[mt];
	uint64_t pfn;

	if (l->head == NIL_PFN) {
		for (uint32_t i = 0; i < p->batch; i++) {
			uint64_t got = rmqueue(m, z, 0, mt, alloc_flags);

			if (got == NIL_PFN)
				break;
			/* __rmqueue_smallest() recorded the list it came from */
			pcp_add(m, l, got, pfn_frame(m, got)->mt, true);
			p->count++;
		}
		if (l->head == NIL_PFN)
			return NIL_PFN;
	}
	pfn = l->head;
	pcp_del(m, l, pfn);
	p->count--;
	return pfn;
}

/* models free_unref_page() for an order-0 page of pageblock type @mt */
void pcp_free(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, int mt)
{
	struct per_cpu_pages *p = &z->pcp[m->cpu];
	int list = mt;

	if (mt >= PFNLAB_MT_HIGHATOMIC) {
		if (mt == PFNLAB_MT_ISOLATE) {
			free_one_page(m, z, pfn, 0, mt, false);
			return;
		}
		list = PFNLAB_MT_MOVABLE;
	}
	pcp_add(m, &p->lists[list], pfn, mt, false);
	p->count++;
	if (p->count >= p->high)
		free_pcppages_bulk(m, z, p, p->batch, list);
}

void pcp_drain_zone(struct pfnlab_machine *m, struct zone *z)
{
	for (unsigned c = 0; c < m->cfg.nr_cpus; c++)
		free_pcppages_bulk(m, z, &z->pcp[c], z->pcp[c].count, 0);
}

void pfnlab_drain_pages(struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++)
		pcp_drain_zone(m, &m->zones[i]);
}
