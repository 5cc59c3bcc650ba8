/*
 * bench_floor.c - the floors under alloc_free_order0_ns,
 * mixed_order_op_ns and alloc_free_batch_ns: the same workloads on a bare
 * buddy allocator.
 *
 * The bare allocator keeps only what any buddy allocator must: 16-byte
 * frames on doubly linked free lists, one list per order, a bitmap of
 * non-empty orders, split on allocation, merge on free.  It has none of
 * the kernel's rules the model follows: no zones or zonelist walk, no
 * watermarks, no migrate types or fallbacks, no pageblock checks, no
 * tail insertion, no free-page counters or vmstat.  Its time on this
 * host is the least the model's figure could be; the ratio of the two is
 * what the kernel's rules cost.
 *
 * alloc_free_order0_pcp_floor_ns puts the one mechanism of the default
 * configuration that the bare allocator lacks in front of it: a per-CPU
 * list, linked through the pages as the kernel's list_head is (a sentinel
 * frame for its head), refilled by a batch from the buddy lists when
 * empty and drained of a batch, oldest first, when it reaches high.  No
 * migrate types, no free_factor scaling.  On the order-0 workload every
 * page passes the list twice, so this is the least any allocator with the
 * kernel's per-CPU lists could do there.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cli.h"

#define BARE_NIL UINT32_MAX
#define BARE_ORDERS 11 /* orders 0..10, as x86_64 */

struct bare_frame {
	uint32_t next, prev, refcount;
	uint16_t unused;
	uint8_t order, free;
};

struct bare_buddy {
	struct bare_frame *f;
	uint32_t head[BARE_ORDERS];
	unsigned nonempty; /* bit o: head[o] is a block */
};

static void bare_push(struct bare_buddy *b, uint32_t pfn, unsigned order)
{
	uint32_t first = b->head[order];

	b->f[pfn].next = first;
	b->f[pfn].prev = BARE_NIL;
	if (first != BARE_NIL)
		b->f[first].prev = pfn;
	b->head[order] = pfn;
	b->nonempty |= 1u << order;
	b->f[pfn].order = (uint8_t)order;
	b->f[pfn].free = 1;
}

static void bare_unlink(struct bare_buddy *b, uint32_t pfn, unsigned order)
{
	uint32_t next = b->f[pfn].next, prev = b->f[pfn].prev;

	if (prev != BARE_NIL)
		b->f[prev].next = next;
	else
		b->head[order] = next;
	if (next != BARE_NIL)
		b->f[next].prev = prev;
	if (b->head[order] == BARE_NIL)
		b->nonempty &= ~(1u << order);
	b->f[pfn].free = 0;
}

static __attribute__((noinline)) uint32_t bare_alloc(struct bare_buddy *b, unsigned order)
{
	unsigned mask = b->nonempty >> order, o;
	uint32_t pfn;

	if (!mask)
		return BARE_NIL;
	o = order + (unsigned)__builtin_ctz(mask);
	pfn = b->head[o];
	bare_unlink(b, pfn, o);
	while (o > order) {
		o--;
		bare_push(b, pfn + (1u << o), o);
	}
	b->f[pfn].refcount = 1;
	return pfn;
}

static __attribute__((noinline)) void bare_free(struct bare_buddy *b, uint32_t pfn, unsigned order)
{
	b->f[pfn].refcount = 0;
	while (order + 1 < BARE_ORDERS) {
		uint32_t buddy = pfn ^ (1u << order);

		if (!b->f[buddy].free || b->f[buddy].order != order)
			break;
		bare_unlink(b, buddy, order);
		pfn &= buddy;
		order++;
	}
	bare_push(b, pfn, order);
}

/* A bare buddy allocator of @frames free frames in blocks of the largest order */
static int bare_init(struct bare_buddy *b, uint32_t frames)
{
	b->f = calloc((size_t)frames + 1, sizeof(struct bare_frame)); /* + a list head for the pcp floor */
	b->nonempty = 0;
	if (!b->f)
		return -1;
	for (unsigned o = 0; o < BARE_ORDERS; o++)
		b->head[o] = BARE_NIL;
	for (uint32_t pfn = 0; pfn < frames; pfn += 1u << (BARE_ORDERS - 1))
		bare_push(b, pfn, BARE_ORDERS - 1);
	return 0;
}

/*
 * A per-CPU list in front of the bare allocator: the batch and high of the
 * model's 4 GiB Normal zone (v6.1, /proc/zoneinfo), its head the sentinel
 * frame after the last page
 */
#define PCP_FLOOR_BATCH 63
#define PCP_FLOOR_HIGH 5281

struct bare_pcp {
	struct bare_buddy b;
	uint32_t head, count; /* head: the sentinel's index */
};

/* list_add() (@tail false) or list_add_tail() of @pfn */
static inline void pcp_floor_add(struct bare_pcp *p, uint32_t pfn, int tail)
{
	struct bare_frame *f = p->b.f;
	uint32_t prev = tail ? f[p->head].prev : p->head, next = f[prev].next;

	f[pfn].next = next;
	f[pfn].prev = prev;
	f[prev].next = pfn;
	f[next].prev = pfn;
}

/* list_del() of @pfn */
static inline void pcp_floor_del(struct bare_pcp *p, uint32_t pfn)
{
	struct bare_frame *f = p->b.f;

	f[f[pfn].prev].next = f[pfn].next;
	f[f[pfn].next].prev = f[pfn].prev;
}

static __attribute__((noinline)) uint32_t pcp_floor_alloc(struct bare_pcp *p)
{
	uint32_t pfn;

	if (!p->count) { /* rmqueue_bulk() */
		for (unsigned i = 0; i < PCP_FLOOR_BATCH; i++) {
			pfn = bare_alloc(&p->b, 0);
			if (pfn == BARE_NIL)
				break;
			pcp_floor_add(p, pfn, 1);
			p->count++;
		}
		if (!p->count)
			return BARE_NIL;
	}
	pfn = p->b.f[p->head].next;
	pcp_floor_del(p, pfn);
	p->count--;
	return pfn;
}

static __attribute__((noinline)) void pcp_floor_free(struct bare_pcp *p, uint32_t pfn)
{
	pcp_floor_add(p, pfn, 0);
	if (++p->count < PCP_FLOOR_HIGH)
		return;
	for (unsigned i = 0; i < PCP_FLOOR_BATCH; i++) { /* free_pcppages_bulk(), oldest first */
		uint32_t old = p->b.f[p->head].prev;

		pcp_floor_del(p, old);
		bare_free(&p->b, old, 0);
	}
	p->count -= PCP_FLOOR_BATCH;
}

/*
 * Order-0 pairs on 4 GiB: @n allocations, then the @n frees in the same
 * order, on the bare allocator (p.b) or behind its per-CPU list (p)
 */
struct order0_floor {
	struct bare_pcp p;
	uint32_t *pfns;
	size_t n;
};

static void bare_order0_round(void *arg)
{
	struct order0_floor *s = arg;

	for (size_t i = 0; i < s->n; i++)
		s->pfns[i] = bare_alloc(&s->p.b, 0);
	for (size_t i = 0; i < s->n; i++)
		bare_free(&s->p.b, s->pfns[i], 0);
}

static void pcp_order0_round(void *arg)
{
	struct order0_floor *s = arg;

	for (size_t i = 0; i < s->n; i++)
		s->pfns[i] = pcp_floor_alloc(&s->p);
	for (size_t i = 0; i < s->n; i++)
		pcp_floor_free(&s->p, s->pfns[i]);
}

static void order0_floor_destroy(void *arg)
{
	struct order0_floor *s = arg;

	free(s->p.b.f);
	free(s->pfns);
	free(s);
}

/* The order-0 workload of @size with @round: 0, or -1 without memory */
static int order0_floor(struct bench_workload *w, enum bench_size size, void (*round)(void *))
{
	struct order0_floor *s = calloc(1, sizeof(*s));
	const uint32_t frames = 1u << 20; /* 4 GiB of 4 KiB pages, as the model's bench */

	if (!s)
		return -1;
	s->n = size == BENCH_FULL ? 800000 : 200000;
	s->pfns = malloc(s->n * sizeof(*s->pfns));
	if (!s->pfns || bare_init(&s->p.b, frames)) {
		free(s->pfns);
		free(s);
		return -1;
	}
	s->p.head = frames; /* the sentinel: an empty list points at itself */
	s->p.b.f[frames].next = s->p.b.f[frames].prev = frames;
	*w = (struct bench_workload){.state = s, .ops = s->n,
				     .rounds = size == BENCH_FULL ? 7 : 3, .round = round,
				     .destroy = order0_floor_destroy};
	return 0;
}

/**
 * bench_bare_order0() - alloc_free_order0_ns's workload on the bare
 * allocator: N order-0 allocations then N frees on 4 GiB.
 * @w: receives the workload
 * @size: full, quick (fewer pages and rounds) or sized for callgrind
 *
 * Return: 0, or -1 without memory.
 */
int bench_bare_order0(struct bench_workload *w, enum bench_size size)
{
	return order0_floor(w, size, bare_order0_round);
}

/**
 * bench_pcp_order0() - alloc_free_order0_ns's workload on the bare
 * allocator behind one per-CPU list: N order-0 allocations then N frees
 * on 4 GiB.
 * @w: receives the workload
 * @size: full, quick (fewer pages and rounds) or sized for callgrind
 *
 * Return: 0, or -1 without memory.
 */
int bench_pcp_order0(struct bench_workload *w, enum bench_size size)
{
	return order0_floor(w, size, pcp_order0_round);
}

/* Random orders, random allocations and frees around 75% of 1 GiB */
struct bare_mixed {
	struct bare_buddy b;
	struct { uint32_t pfn, order; } *live;
	size_t nlive, ops;
	uint64_t live_pages, seed;
};

#define MIXED_PAGES (1u << 18)

static void bare_mixed_round(void *arg)
{
	struct bare_mixed *s = arg;

	for (size_t i = 0; i < s->ops; i++) {
		uint64_t r = bench_rng(&s->seed);

		if (s->live_pages < MIXED_PAGES * 3 / 4) {
			unsigned o = 0;
			uint32_t pfn;

			while (o < 10 && (r & 1)) {
				o++;
				r >>= 1;
			}
			pfn = bare_alloc(&s->b, o);
			if (pfn != BARE_NIL) {
				s->live[s->nlive].pfn = pfn;
				s->live[s->nlive++].order = o;
				s->live_pages += 1ull << o;
			}
		} else if (s->nlive) {
			size_t k = (size_t)(r >> 16) % s->nlive;

			bare_free(&s->b, s->live[k].pfn, s->live[k].order);
			s->live_pages -= 1ull << s->live[k].order;
			s->live[k] = s->live[--s->nlive];
		}
	}
}

static void bare_mixed_destroy(void *arg)
{
	struct bare_mixed *s = arg;

	free(s->b.f);
	free(s->live);
	free(s);
}

/**
 * bench_bare_mixed() - mixed_order_op_ns's workload on the bare allocator:
 * 1 GiB, filled to 75% with orders 0-3, then random allocations (order 0
 * half the time, then geometric up to 10) and random frees around 75%.
 * @w: receives the workload (one round)
 * @size: full, quick (fewer operations) or sized for callgrind
 *
 * Return: 0, or -1 without memory.
 */
int bench_bare_mixed(struct bench_workload *w, enum bench_size size)
{
	struct bare_mixed *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->seed = 0x9e3779b97f4a7c15ull;
	s->ops = size == BENCH_FULL ? 10000000 : size == BENCH_QUICK ? 2000000 : 500000;
	s->live = calloc(MIXED_PAGES, sizeof(*s->live));
	if (!s->live || bare_init(&s->b, MIXED_PAGES)) {
		free(s->live);
		free(s);
		return -1;
	}
	while (s->live_pages < MIXED_PAGES * 3 / 4) {
		unsigned o = (unsigned)(bench_rng(&s->seed) % 4);
		uint32_t pfn = bare_alloc(&s->b, o);

		if (pfn == BARE_NIL)
			break;
		s->live[s->nlive].pfn = pfn;
		s->live[s->nlive++].order = o;
		s->live_pages += 1ull << o;
	}
	*w = (struct bench_workload){.state = s, .ops = s->ops,
				     .rounds = 1, .round = bare_mixed_round, .destroy = bare_mixed_destroy};
	return 0;
}

/* 1 GiB half full of order-0 pages; rounds of 1,024 allocations and their frees in reverse */
struct bare_batch {
	struct bare_buddy b;
	uint32_t *held, batch[BENCH_BATCH];
	int reps;
};

static void bare_batch_round(void *arg)
{
	struct bare_batch *s = arg;

	for (int r = 0; r < s->reps; r++) {
		for (unsigned i = 0; i < BENCH_BATCH; i++)
			s->batch[i] = bare_alloc(&s->b, 0);
		for (unsigned i = BENCH_BATCH; i-- > 0;)
			bare_free(&s->b, s->batch[i], 0);
	}
}

static void bare_batch_destroy(void *arg)
{
	struct bare_batch *s = arg;

	free(s->b.f);
	free(s->held);
	free(s);
}

/**
 * bench_bare_batch() - alloc_free_batch_ns's workload on the bare
 * allocator: 1 GiB with half its pages allocated one by one, then rounds
 * of 1,024 order-0 allocations followed by their frees in reverse order.
 * @w: receives the workload
 * @size: full, quick (fewer rounds) or sized for callgrind
 *
 * Return: 0, or -1 without memory.
 */
int bench_bare_batch(struct bench_workload *w, enum bench_size size)
{
	struct bare_batch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->reps = BENCH_BATCH_REPS;
	s->held = malloc(BENCH_BATCH_HELD * sizeof(*s->held));
	if (!s->held || bare_init(&s->b, BENCH_BATCH_HELD * 2)) {
		free(s->held);
		free(s);
		return -1;
	}
	for (size_t i = 0; i < BENCH_BATCH_HELD; i++)
		s->held[i] = bare_alloc(&s->b, 0);
	*w = (struct bench_workload){.state = s, .ops = (size_t)s->reps * BENCH_BATCH,
				     .rounds = size == BENCH_FULL ? 7 : 3, .round = bare_batch_round,
				     .destroy = bare_batch_destroy};
	return 0;
}
