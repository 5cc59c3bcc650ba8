/*
 * pcp.c - per-CPU page lists for order-0 pages (on unless cfg.pcp is off).
 *
 * Models zone_batchsize(), the per-CPU lists' high and batch (v4.2
 * pageset_set_batch(): high = 6 * batch; v6.1 zone_highsize(): the low
 * watermark split over the node's CPUs, at least 4 * batch),
 * rmqueue_bulk(), free_pcppages_bulk() (each era's round robin), the
 * order-0 branch of buffered_rmqueue() (v4.2) / __rmqueue_pcplist()
 * (v6.1), and the bulk free of free_hot_cold_page() (v4.2) /
 * free_unref_page_commit() with nr_pcp_free()'s free_factor (v6.1.y,
 * PCP_BATCH_SCALE_MAX 5), all of mm/page_alloc.c.  A page on a pcp list
 * is not counted in NR_FREE_PAGES.  A CMA page freed here rides on the
 * MOVABLE list but remembers it is CMA (frame.mt), so it returns to the
 * CMA free list when drained; only allocations that may use the MOVABLE
 * pcp list can receive it.
 *
 * With kernel 6.12 (v6.7+) the lists' high is tuned as the kernel tunes
 * it: between zone_highsize()'s high_min (the low watermark) and high_max
 * (an eighth of the zone), grown by refills (nr_pcp_alloc(), whose batch
 * doubles with alloc_factor) and by runs of frees (nr_pcp_high()), cut
 * while the zone is below its high watermark (ZONE_BELOW_HIGH) or
 * reclaimed (ZONE_RECLAIM_ACTIVE), a bulk free as large as the pages
 * freed since the last allocation (free_count), decayed every second of
 * model time (decay_pcp_high()), and drained pages go to their
 * pageblock's list of the moment.
 *
 * Simplified: order 0 only (v5.13+ also keeps orders 1-3 and THP order,
 * so 6.12's free_high and PCPF_* flags never apply); one list set per
 * modelled CPU; operations run on CPU m->cpu; the
 * ZONE_RECLAIM_ACTIVE limit holds while kswapd runs, and kswapd runs
 * between allocations; 6.12's decay runs at each whole second of model
 * time (pfnlab_advance()) while a list has work, not per CPU on a
 * deferrable timer; NR_FREE_PAGES is exact, where the kernel's reads lag
 * its per-CPU vmstat diffs (6.1's rmqueue_bulk() subtracting a batch's
 * pages only after its loop is modelled where it decides something: the
 * 5.7 CMA rule within the batch).
 */
#include "pcp.h"

#define PCP_BATCH_SCALE_MAX 5
#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8
#define NSEC_PER_SEC 1000000000ull

static uint64_t rounddown_pow2(uint64_t x)
{
	uint64_t p = 1;

	while (p * 2 <= x)
		p *= 2;
	return p;
}

/*
 * models nr_pcp_high() of v6.1 for an order-0 free: the list's high, at
 * most 4 * batch while kswapd reclaims the zone (ZONE_RECLAIM_ACTIVE)
 */
static uint32_t pcp_free_limit(const struct pfnlab_machine *m, const struct zone *z, const struct per_cpu_pages *p)
{
	uint32_t cap = (uint32_t)p->batch << 2;

	if (kernel_612(m)) /* 6.12: every free asks nr_pcp_high_tuned() */
		return 0;
	return z->reclaim_active && p->high > cap ? cap : p->high;
}

/* models set_reclaim_active() / clear_reclaim_active(): the zones up to type @highest */
void pcp_reclaim_active(struct pfnlab_machine *m, int highest, bool active)
{
	for (int i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];

		if (z->type > highest || !z->managed)
			continue;
		z->reclaim_active = active;
		for (unsigned c = 0; c < MAX_CPUS; c++)
			z->pcp[c].free_limit = pcp_free_limit(m, z, &z->pcp[c]);
	}
}

/* models zone_batchsize(): 0 for a small zone, which v6.1 raises to 1 and v4.2 keeps for high */
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
	return (uint32_t)(rounddown_pow2(batch + batch / 2) - 1);
}

/* models zone_highsize(): @total pages split over the node's CPUs, at least 4 * batch */
static uint32_t zone_highsize(const struct pfnlab_machine *m, uint64_t total, uint32_t batch)
{
	uint64_t high = total / m->cfg.nr_cpus;

	return (uint32_t)(high < 4ull * batch ? 4ull * batch : high);
}

/*
 * models pageset_set_batch() (v4.2) and zone_set_pageset_high_and_batch()
 * (v6.1: high from the low watermark; 6.12: high_min from it, high_max
 * from an eighth of the zone, pcp->high left to its next use): at boot
 * and, as zone_pcp_update(), whenever the watermarks change
 */
void pcp_update(struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		uint32_t batch = zone_batchsize(m, z), high;

		if (m->cfg.era == PFNLAB_ERA_2015) {
			high = 6 * batch;
		} else {
			batch = batch ? batch : 1;
			high = zone_highsize(m, wmark_pages(z, WMARK_LOW), batch);
		}
		z->pcp_high_min = high;
		z->pcp_high_max = high;
		if (kernel_612(m))
			z->pcp_high_max = zone_highsize(m, z->managed / MIN_PERCPU_PAGELIST_HIGH_FRACTION, batch);
		for (unsigned c = 0; c < MAX_CPUS; c++) {
			struct per_cpu_pages *p = &z->pcp[c];

			p->batch = (uint8_t)(batch ? batch : 1);
			if (!kernel_612(m))
				p->high = high;
			p->free_limit = pcp_free_limit(m, z, p);
		}
	}
}

/* models per_cpu_pages_init() and the boot's zone_set_pageset_high_and_batch() (6.12: pcp->high 0) */
void pcp_setup(struct pfnlab_machine *m)
{
	m->k612 = m->cfg.era == PFNLAB_ERA_CURRENT && m->cfg.kernel == PFNLAB_KERNEL_6_12;
	for (int i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];

		z->below_high = false;
		for (unsigned c = 0; c < MAX_CPUS; c++) {
			struct per_cpu_pages *p = &z->pcp[c];

			for (int t = 0; t < 3; t++)
				p->lists[t] = (struct pcp_list){.head = NIL_PFN, .count = 0};
			p->count = 0;
			p->high = 0;
			p->free_factor = 0;
			p->alloc_factor = 0;
		}
	}
	pcp_update(m);
}

/*
 * The oldest page of non-empty list @l back to the buddy lists: one step of
 * v4.2's free_pcppages_bulk(), whose runs are mostly a page or two (a run
 * at a time, drain_run(), costs more there)
 */
static inline __attribute__((always_inline)) void drain_one(struct pfnlab_machine *m, struct zone *z,
							     struct per_cpu_pages *p, struct pcp_list *l)
{
	struct frame *frames = m->frames;
	uint32_t pfn = frames[l->head].prev;
	struct frame *f = &frames[pfn];
	int mt = f->mt;

	pcp_list_unlink(frames, l, pfn);
	p->count--;
	f->next = f->prev = 0; /* a plain frame, should it merge into a buddy below it */
	frame_set_state(f, 0, 0, 0, 0);
	if (z->nr_isolate_pageblock) /* a pageblock may have been isolated meanwhile */
		mt = pb_type(m, pfn);
	buddy_free_block(m, z, pfn, 0, mt, false, true);
	if (m->trace.write)
		trace_pcpu_drain(m, pfn, mt);
}

/*
 * The @n oldest pages of list @l (it holds at least @n) back to the buddy
 * lists, oldest first: @n steps of free_pcppages_bulk().  The list is
 * relinked once, after the last page; nothing reads the pcp list between.
 * @aligned is buddy_merge_link()'s; @general: the zone may hold
 * isolated pageblocks and the machine may be traced (both read per page).
 */
static inline __attribute__((always_inline)) void drain_run(struct pfnlab_machine *m, struct zone *z,
							     struct per_cpu_pages *p, struct pcp_list *l,
							     uint32_t n, bool aligned, bool general)
{
	struct frame *frames = m->frames;
	uint32_t head = l->head, pfn = frames[head].prev;

	for (uint32_t i = 0; i < n; i++) {
		struct frame *f = &frames[pfn];
		uint32_t prev = f->prev;
		int mt = f->mt;

		f->next = f->prev = 0; /* a plain frame, should it merge into a buddy below it */
		frame_set_state(f, 0, 0, 0, 0);
		/* a pageblock may have been isolated meanwhile; 6.12 always reads the block's type */
		if (general && (z->nr_isolate_pageblock || kernel_612(m)))
			mt = pb_type(m, pfn);
		zone_freepage_state(z, mt, 1);
		buddy_merge_link(m, z, pfn, 0, mt, false, aligned, true);
		if (general && m->trace.write)
			trace_pcpu_drain(m, pfn, mt);
		pfn = prev;
	}
	l->count -= n;
	p->count -= n;
	if (!l->count) {
		l->head = NIL_PFN;
	} else { /* @pfn is the new tail */
		frames[pfn].next = head;
		frames[head].prev = pfn;
	}
}

/* The @n oldest pages of list @l back to the buddy lists (drain_run() chosen for the zone) */
static inline __attribute__((always_inline)) void drain_oldest(struct pfnlab_machine *m, struct zone *z,
								struct per_cpu_pages *p, struct pcp_list *l, uint32_t n)
{
	if (z->buddy_aligned && !z->nr_isolate_pageblock && !m->trace.write) /* never on 6.12 (zone_buddy_aligned()) */
		drain_run(m, z, p, l, n, true, false);
	else
		drain_run(m, z, p, l, n, false, true);
}

/*
 * models free_pcppages_bulk() of v6.1: round robin from list @start, each
 * list emptied oldest first before the next while pages are still due
 */
static void free_pcppages_bulk(struct pfnlab_machine *m, struct zone *z, struct per_cpu_pages *p,
			       uint32_t count, int start)
{
	int idx = start - 1;

	if (count > p->count)
		count = p->count;
	while (count > 0) {
		struct pcp_list *l;
		uint32_t n;

		do {
			idx = idx + 1 > 2 ? 0 : idx + 1;
			l = &p->lists[idx];
		} while (l->head == NIL_PFN);
		n = count < l->count ? count : l->count;
		drain_oldest(m, z, p, l, n);
		count -= n;
	}
}

/*
 * models free_pcppages_bulk() of v4.2: round robin over the lists in the
 * kernel's order (Unmovable, Reclaimable, Movable; starting after
 * Unmovable), taking one more page from a list for each list passed on
 * the way to it, all from the only non-empty one
 */
static void free_pcppages_bulk_2015(struct pfnlab_machine *m, struct zone *z, struct per_cpu_pages *p,
				    uint32_t count)
{
	static const int kernel_order[3] = {PFNLAB_MT_UNMOVABLE, PFNLAB_MT_RECLAIMABLE, PFNLAB_MT_MOVABLE};
	uint32_t batch_free = 0;
	int idx = 0;

	if (count > p->count)
		count = p->count;
	while (count > 0) {
		struct pcp_list *l;

		do {
			batch_free++;
			idx = idx == 2 ? 0 : idx + 1;
			l = &p->lists[kernel_order[idx]];
		} while (l->head == NIL_PFN);
		if (batch_free == 3)
			batch_free = count;
		do {
			drain_one(m, z, p, l);
		} while (--count && --batch_free && l->head != NIL_PFN);
	}
}

/* models nr_pcp_free() of v6.1.y: the batch doubled per bulk free since the last allocation */
static uint32_t nr_pcp_free(struct per_cpu_pages *p)
{
	uint32_t high = p->free_limit, batch = p->batch, max_free;

	if (high < batch)
		return 1;
	max_free = high - batch;
	batch <<= p->free_factor;
	if (batch < max_free && p->free_factor < PCP_BATCH_SCALE_MAX)
		p->free_factor++;
	if (batch < p->batch)
		batch = p->batch;
	return batch < max_free ? batch : max_free;
}

/* The kernel's clamp(): @hi when @v reaches it, else at least @lo */
static int64_t clamp_high(int64_t v, int64_t lo, int64_t hi)
{
	return v >= hi ? hi : v <= lo ? lo : v;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* pcp->high brought into [high_min, high_max], as 6.12 does before each use */
static int64_t pcp_high_clamped(const struct zone *z, struct per_cpu_pages *p)
{
	p->high = (uint32_t)clamp_high(p->high, z->pcp_high_min, z->pcp_high_max);
	return p->high;
}

/*
 * models nr_pcp_high() of 6.12 for an order-0 free: the count at which
 * this free bulk-frees; cuts pcp->high by the pages freed since the last
 * allocation while the zone is reclaimed or below its high watermark,
 * raises it to hold them and a batch when a run of frees filled the list
 */
static int64_t nr_pcp_high_tuned(const struct zone *z, struct per_cpu_pages *p)
{
	int64_t hmin = z->pcp_high_min, hmax = z->pcp_high_max, batch = p->batch;
	int64_t high = pcp_high_clamped(z, p), cut = max64(p->free_count, batch);

	if (!high)
		return 0;
	if (z->reclaim_active) {
		p->high = (uint32_t)max64(high - cut, hmin);
		return batch << 2 < p->high ? batch << 2 : p->high;
	}
	if (hmin == hmax)
		return high;
	if (z->below_high) {
		p->high = (uint32_t)max64(high - cut, hmin);
		return max64(p->count, hmin);
	}
	if (p->count >= high && p->high < p->free_count + batch)
		p->high = (uint32_t)clamp_high(p->free_count + batch, hmin, hmax);
	return high;
}

/* models nr_pcp_free() of 6.12: the pages freed since the last allocation, a batch to high - batch */
static uint32_t nr_pcp_free_tuned(const struct per_cpu_pages *p, int64_t high)
{
	int64_t batch = p->batch;

	if (high < batch)
		return 1;
	return (uint32_t)clamp_high(p->free_count, batch, high - batch);
}

/*
 * models free_unref_page_commit() of 6.12 after list_add() for an order-0
 * page: the refill factor halves, the free count grows, and a list at its
 * high bulk-frees; the zone leaves ZONE_BELOW_HIGH once its free pages
 * outside CMA pass the high watermark again
 */
static __attribute__((noinline)) void free_commit_tuned(struct pfnlab_machine *m, struct zone *z,
							struct per_cpu_pages *p, int list)
{
	int64_t high;

	p->alloc_factor >>= 1;
	if (p->free_count < (uint32_t)p->batch << PCP_BATCH_SCALE_MAX)
		p->free_count++;
	high = nr_pcp_high_tuned(z, p);
	if (p->count < high)
		return;
	free_pcppages_bulk(m, z, p, nr_pcp_free_tuned(p, high), list);
	if (z->below_high && zone_watermark_ok(m, z, 0, wmark_pages(z, WMARK_HIGH), PFNLAB_ZONE_MOVABLE, 0))
		zone_set_below_high(m, z, false);
}

/*
 * models nr_pcp_alloc() of 6.12 for order 0: the batch doubled per refill
 * since the last free (alloc_factor, up to 32 times), pcp->high raised by
 * it unless the zone is below its high watermark, at most what keeps a
 * batch of room under high
 */
static __attribute__((noinline)) uint32_t nr_pcp_alloc_tuned(const struct zone *z, struct per_cpu_pages *p)
{
	int64_t base = p->batch, high = pcp_high_clamped(z, p), batch, room;

	if (high < base)
		return 1;
	batch = base << p->alloc_factor;
	if (z->pcp_high_min != z->pcp_high_max && !z->below_high) {
		high = high + batch < z->pcp_high_max ? high + batch : z->pcp_high_max;
		p->high = (uint32_t)high;
	}
	room = max64(high - p->count - base, base);
	if (batch <= room && p->alloc_factor < PCP_BATCH_SCALE_MAX)
		p->alloc_factor++;
	batch = batch < room ? batch : room;
	return (uint32_t)(batch > 1 ? max64(batch, 2) : batch);
}

/*
 * A free made list @list's CPU reach its free limit: the bulk free of
 * either era (6.12: every free, to tune high)
 */
void pcp_free_high(struct pfnlab_machine *m, struct zone *z, struct per_cpu_pages *p, int list)
{
	if (m->cfg.era == PFNLAB_ERA_2015)
		free_pcppages_bulk_2015(m, z, p, p->batch);
	else if (kernel_612(m))
		free_commit_tuned(m, z, p, list);
	else
		free_pcppages_bulk(m, z, p, nr_pcp_free(p), list);
}

/*
 * The first @n pages of the first free block of (@o, @mt), @n <= 2^@o, onto
 * the tail of @l: what @n calls of __rmqueue_smallest() do when no smaller
 * block of @mt is free.  Each call takes the lowest page of the smallest
 * block and expand() puts the halves above it on the empty lists below @o,
 * so the pages come in PFN order and what stays free of the block is one
 * block of each order whose bit is set in 2^@o - @n, each alone on its list
 * of @mt, the smallest lowest.  The same frames, lists and counters, once.
 */
static inline __attribute__((always_inline)) void rmqueue_run(struct pfnlab_machine *m, struct zone *z,
								struct pcp_list *l, unsigned o, int mt, uint32_t n)
{
	uint32_t pfn = unlink_list_head(m, z, o, mt), rest = (1u << o) - n;
	uint64_t pos = pfn + n;

	for (uint32_t left = rest; left; left &= left - 1) { /* the smallest block first */
		unsigned h = (unsigned)__builtin_ctz(left);

		link_list_head(m, z, pos, h, mt);
		pos += 1u << h;
	}
	zone_freepage_state(z, mt, -(int64_t)n);
	pcp_list_add_run(m->frames, l, pfn, n, mt);
}

/*
 * The 5.7 rule within rmqueue_bulk() after @i pages: NR_FREE_PAGES as
 * __rmqueue() reads it, @i pages more than the zone's free pages on 6.1
 * (@late), which subtracts them after the loop
 */
static inline bool bulk_cma_first(const struct zone *z, bool late, uint32_t i)
{
	return z->nr_free_cma > (z->nr_free + (late ? i : 0)) / 2;
}

/*
 * models rmqueue_bulk(): up to a batch of pages from __rmqueue() onto the
 * tail of @l, in the order the buddy lists give them; returns how many
 */
static uint32_t rmqueue_bulk(struct pfnlab_machine *m, struct zone *z, struct per_cpu_pages *p,
			     struct pcp_list *l, int mt, unsigned alloc_flags)
{
	const bool cma_rule = rmqueue_cma_rule(m, alloc_flags);
	const uint32_t batch = kernel_612(m) ? nr_pcp_alloc_tuned(z, p) : p->batch;
	/* 6.1 subtracts the batch from NR_FREE_PAGES after the loop (6.12 per page, v4.2 has no such rule) */
	const bool seen_late = cma_rule && !kernel_612(m);
	enum rmqueue_mode mode = RMQUEUE_NORMAL; /* 6.12: where the last page was found */
	uint32_t i = 0;

	while (i < batch) {
		int o = mode == RMQUEUE_NORMAL ? smallest_free_order(z, 0, mt) : -1;
		uint64_t got;

		/*
		 * __rmqueue()'s first choice, the request's own type, for as many
		 * pages of its smallest block as the batch wants and the 5.7 CMA
		 * rule leaves to it: that rule sends a page to CMA first once
		 * nr_free_cma > nr_free / 2, that is 2 * nr_free_cma > nr_free.
		 * On 6.12 nr_free drops by one per page taken, so the rule may
		 * turn to CMA within the batch; on 6.1 it reads the free pages
		 * from before the batch, so a batch that starts outside CMA stays
		 * there
		 */
		if (o == 0 && !(cma_rule && bulk_cma_first(z, seen_late, i))) { /* a page off the order-0 list */
			got = unlink_list_head(m, z, 0, mt);
			zone_freepage_state(z, mt, -1);
			pcp_list_add(m->frames, l, (uint32_t)got, mt, true);
			i++;
			continue;
		}
		if (o > 0) {
			int64_t n = batch - i < (1u << o) ? batch - i : 1u << o, room;

			if (cma_rule) {
				room = !seen_late ? z->nr_free - 2 * z->nr_free_cma + 1 : bulk_cma_first(z, true, i) ? 0 : n;
				n = room < n ? room : n;
			}
			if (n == 1) { /* one page: split as expand() does (buddy_take() records @mt) */
				got = buddy_take(m, z, 0, (unsigned)o, mt);
				pcp_list_add(m->frames, l, (uint32_t)got, mt, true);
				i++;
				continue;
			}
			if (n > 1) {
				rmqueue_run(m, z, l, (unsigned)o, mt, (uint32_t)n);
				i += (uint32_t)n;
				continue;
			}
		}
		if (kernel_612(m)) {
			got = rmqueue_in_mode(m, z, 0, mt, alloc_flags, &mode);
		} else {
			if (seen_late)
				z->bulk_taken = i;
			got = rmqueue(m, z, 0, mt, alloc_flags);
			if (seen_late)
				z->bulk_taken = 0;
		}
		if (got == NIL_PFN)
			break;
		/* __rmqueue_smallest() recorded the list it came from */
		pcp_list_add(m->frames, l, (uint32_t)got, m->frames[got].mt, true);
		i++;
	}
	p->count += i;
	return i;
}

/*
 * models rmqueue_pcplist() and __rmqueue_pcplist() for order 0: the head
 * of @mt's list, refilled from the buddy lists when empty; NIL_PFN when
 * the refill found nothing.  The frame is the caller's to rewrite.
 */
uint64_t pcp_alloc(struct pfnlab_machine *m, struct zone *z, int mt, unsigned alloc_flags)
{
	struct per_cpu_pages *p = &z->pcp[m->cpu];
	struct pcp_list *l = &p->lists[mt];

	p->free_factor >>= 1; /* v6.1 (6.12: free_count); always 0 in v4.2 */
	if (l->head == NIL_PFN && !rmqueue_bulk(m, z, p, l, mt, alloc_flags))
		return NIL_PFN;
	return pcp_list_pop(m->frames, p, l);
}

/*
 * models decay_pcp_high() for one CPU's lists: high an eighth lower (at
 * most what leaves 32 batches above it, never under high_min), the pages
 * above it freed a batch at a time
 */
static void decay_pcp_high(struct pfnlab_machine *m, struct zone *z, struct per_cpu_pages *p)
{
	int64_t hmin = z->pcp_high_min, batch = p->batch, drain;

	if (p->high > hmin) {
		int64_t h = max64((int64_t)p->count - (batch << PCP_BATCH_SCALE_MAX), p->high - (p->high >> 3));

		p->high = (uint32_t)max64(h, hmin);
	}
	for (drain = (int64_t)p->count - p->high; drain > 0; drain -= batch)
		free_pcppages_bulk(m, z, p, (uint32_t)(drain < batch ? drain : batch), 0);
}

/* Has a CPU's list of @z work for decay_pcp_high() (refresh_cpu_vm_stats() would requeue itself)? */
static bool pcp_decay_due(const struct pfnlab_machine *m, const struct zone *z)
{
	for (unsigned c = 0; c < m->cfg.nr_cpus; c++)
		if (z->pcp[c].high > z->pcp_high_min || z->pcp[c].count > z->pcp[c].high)
			return true;
	return false;
}

uint64_t pcp_decay_next(const struct pfnlab_machine *m)
{
	if (!kernel_612(m) || !m->cfg.pcp)
		return UINT64_MAX;
	for (int i = 0; i < m->nr_zones; i++)
		if (pcp_decay_due(m, &m->zones[i]))
			return (m->now_ns / NSEC_PER_SEC + 1) * NSEC_PER_SEC;
	return UINT64_MAX;
}

/* models vmstat_update() -> refresh_cpu_vm_stats(): each modelled CPU's lists of each zone decayed */
void pcp_decay(struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++)
		for (unsigned c = 0; c < m->cfg.nr_cpus; c++)
			decay_pcp_high(m, &m->zones[i], &m->zones[i].pcp[c]);
}

/* models drain_pages_zone() for every modelled CPU */
void pcp_drain_zone(struct pfnlab_machine *m, struct zone *z)
{
	for (unsigned c = 0; c < m->cfg.nr_cpus; c++) {
		struct per_cpu_pages *p = &z->pcp[c];

		if (m->cfg.era == PFNLAB_ERA_2015)
			free_pcppages_bulk_2015(m, z, p, p->count);
		else
			free_pcppages_bulk(m, z, p, p->count, 0);
	}
}

void pfnlab_drain_pages(struct pfnlab_machine *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nr_zones; i++)
		pcp_drain_zone(m, &m->zones[i]);
}
