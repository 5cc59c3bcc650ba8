/*
 * bench_floor.c - the floors under alloc_free_order0_ns and
 * mixed_order_op_ns: the same workloads on a bare buddy allocator.
 *
 * The bare allocator keeps only what any buddy allocator must: 16-byte
 * frames on doubly linked free lists, one list per order, a bitmap of
 * non-empty orders, split on allocation, merge on free.  It has none of
 * the kernel's rules the model follows: no zones or zonelist walk, no
 * watermarks, no migrate types or fallbacks, no pageblock checks, no
 * tail insertion, no free-page counters or vmstat.  Its time on this
 * host is the least the model's figure could be; the ratio of the two is
 * what the kernel's rules cost.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

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
	b->f = calloc(frames, sizeof(struct bare_frame));
	b->nonempty = 0;
	if (!b->f)
		return -1;
	for (unsigned o = 0; o < BARE_ORDERS; o++)
		b->head[o] = BARE_NIL;
	for (uint32_t pfn = 0; pfn < frames; pfn += 1u << (BARE_ORDERS - 1))
		bare_push(b, pfn, BARE_ORDERS - 1);
	return 0;
}

static double elapsed_ns(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e9 + (double)(t1.tv_nsec - t0->tv_nsec);
}

/**
 * bench_bare_order0() - alloc_free_order0_ns's loop on the bare allocator:
 * N order-0 allocations then N frees on 4 GiB.
 * @quick: fewer pages and rounds
 *
 * Return: ns per allocation and free pair, best of rounds; -1 without memory.
 */
double bench_bare_order0(bool quick)
{
	size_t n = quick ? 200000 : 800000;
	struct bare_buddy b;
	uint32_t *pfns = malloc(n * sizeof(*pfns));
	double best = 1e30;

	if (!pfns || bare_init(&b, 1u << 20)) { /* 4 GiB of 4 KiB pages, as the model's bench */
		free(pfns);
		return -1;
	}
	for (int round = 0; round < (quick ? 3 : 7); round++) {
		struct timespec t0;
		double t;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (size_t i = 0; i < n; i++)
			pfns[i] = bare_alloc(&b, 0);
		for (size_t i = 0; i < n; i++)
			bare_free(&b, pfns[i], 0);
		t = elapsed_ns(&t0) / (double)n;
		if (t < best)
			best = t;
	}
	free(b.f);
	free(pfns);
	return best;
}

/**
 * bench_bare_mixed() - mixed_order_op_ns's workload on the bare allocator:
 * 1 GiB, filled to 75% with orders 0-3, then random allocations (order 0
 * half the time, then geometric up to 10) and random frees around 75%.
 * @quick: fewer operations
 *
 * Return: ns per operation; -1 without memory.
 */
double bench_bare_mixed(bool quick)
{
	const uint64_t pages = 1u << 18;
	uint64_t live_pages = 0, seed = 0x9e3779b97f4a7c15ull;
	size_t nlive = 0, ops = quick ? 2000000 : 10000000;
	struct bare_buddy b;
	struct { uint32_t pfn, order; } *live = calloc(pages, sizeof(*live));
	struct timespec t0;
	double t;

	if (!live || bare_init(&b, (uint32_t)pages)) {
		free(live);
		return -1;
	}
	while (live_pages < pages * 3 / 4) {
		unsigned o = (unsigned)(bench_rng(&seed) % 4);
		uint32_t pfn = bare_alloc(&b, o);

		if (pfn == BARE_NIL)
			break;
		live[nlive].pfn = pfn;
		live[nlive++].order = o;
		live_pages += 1ull << o;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < ops; i++) {
		uint64_t r = bench_rng(&seed);

		if (live_pages < pages * 3 / 4) {
			unsigned o = 0;
			uint32_t pfn;

			while (o < 10 && (r & 1)) {
				o++;
				r >>= 1;
			}
			pfn = bare_alloc(&b, o);
			if (pfn != BARE_NIL) {
				live[nlive].pfn = pfn;
				live[nlive++].order = o;
				live_pages += 1ull << o;
			}
		} else if (nlive) {
			size_t k = (size_t)(r >> 16) % nlive;

			bare_free(&b, live[k].pfn, live[k].order);
			live_pages -= 1ull << live[k].order;
			live[k] = live[--nlive];
		}
	}
	t = elapsed_ns(&t0) / (double)ops;
	free(b.f);
	free(live);
	return t;
}
