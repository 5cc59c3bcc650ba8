/*
 * bench_floor.c - the floor under alloc_free_order0_ns: the same loop of N
 * order-0 allocations then N frees on a bare buddy allocator.
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

static __attribute__((noinline)) uint32_t bare_alloc0(struct bare_buddy *b)
{
	unsigned order;
	uint32_t pfn;

	if (!b->nonempty)
		return BARE_NIL;
	order = (unsigned)__builtin_ctz(b->nonempty);
	pfn = b->head[order];
	bare_unlink(b, pfn, order);
	while (order) {
		order--;
		bare_push(b, pfn + (1u << order), order);
	}
	b->f[pfn].refcount = 1;
	return pfn;
}

static __attribute__((noinline)) void bare_free0(struct bare_buddy *b, uint32_t pfn)
{
	unsigned order = 0;

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

/**
 * bench_bare_order0() - alloc_free_order0_ns's loop on the bare allocator.
 * @quick: fewer pages and rounds
 *
 * Return: ns per allocation and free pair, best of rounds; -1 without memory.
 */
double bench_bare_order0(bool quick)
{
	const uint32_t frames = 1u << 20; /* 4 GiB of 4 KiB pages, as the model's bench */
	size_t n = quick ? 200000 : 800000;
	struct bare_buddy b = {.f = calloc(frames, sizeof(struct bare_frame))};
	uint32_t *pfns = malloc(n * sizeof(*pfns));
	double best = 1e30;

	if (!b.f || !pfns) {
		free(b.f);
		free(pfns);
		return -1;
	}
	for (unsigned o = 0; o < BARE_ORDERS; o++)
		b.head[o] = BARE_NIL;
	for (uint32_t pfn = 0; pfn < frames; pfn += 1u << (BARE_ORDERS - 1))
		bare_push(&b, pfn, BARE_ORDERS - 1);
	for (int round = 0; round < (quick ? 3 : 7); round++) {
		struct timespec t0, t1;
		double t;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (size_t i = 0; i < n; i++)
			pfns[i] = bare_alloc0(&b);
		for (size_t i = 0; i < n; i++)
			bare_free0(&b, pfns[i]);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		t = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n;
		if (t < best)
			best = t;
	}
	free(b.f);
	free(pfns);
	return best;
}
