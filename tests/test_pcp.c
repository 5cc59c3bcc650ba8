/*
 * test_pcp.c - the per-CPU lists of both eras: high and batch, the bulk
 * free's round robin (v4.2) and its growing batch (v6.1), the pageblock
 * type a drained page goes back under while a pageblock is isolated.
 * Hand-computed from the kernel's formulas, each case says how; the
 * whole-state checker runs after each operation.
 */
#include <errno.h>

#include "model.h"
#include "test.h"

/* One zone of @pages pages, per-CPU lists on, no watermarks, kernel @k where the era is current */
static struct pfnlab_machine *pcp_machine_of(uint64_t pages, enum pfnlab_era era, enum pfnlab_kernel k)
{
	struct pfnlab_config c;

	test_tiny_config(&c, pages, 10, 9);
	c.era = era;
	c.kernel = k;
	c.cma_rule = era == PFNLAB_ERA_2015 ? PFNLAB_CMA_2015 : PFNLAB_CMA_5_7;
	c.pcp = true;
	return test_machine(&c);
}

static struct pfnlab_machine *pcp_machine(uint64_t pages, enum pfnlab_era era)
{
	return pcp_machine_of(pages, era, PFNLAB_KERNEL_6_1);
}

static uint64_t alloc_ok(struct pfnlab_machine *m, pfnlab_gfp_t gfp)
{
	uint64_t pfn = 0;

	if (pfnlab_alloc_pages(m, gfp, 0, &pfn))
		T_FAIL("%s", "order-0 allocation failed");
	test_check_state(m);
	return pfn;
}

static void free_ok(struct pfnlab_machine *m, uint64_t pfn)
{
	CHECK_EQ(pfnlab_free_pages(m, pfn, 0), 0);
	test_check_state(m);
}

/*
 * x86_64, 4 GiB, v6.1: DMA32 manages 782,336 pages; zone_batchsize() =
 * min(782336 >> 10, 1 MiB / 4 KiB) / 4 = 64, rounddown_pow_of_two(64 + 32)
 * - 1 = 63; zone_highsize() = the low watermark over the CPUs (1, then 2).
 * DMA manages 3,840: 3 / 4 = 0, raised to 1, rounddown(1) - 1 = 0, which
 * v6.1 makes batch 1, high max(low, 4 x 1); v4.2 keeps high = 6 x 0 = 0.
 * Expect those in the zones and in /proc/zoneinfo.
 */
TEST(high_batch_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;

	for (unsigned cpus = 1; cpus <= 2; cpus++) {
		pfnlab_config_preset(&c, "x86_64", 4ull << 30);
		c.nr_cpus = cpus;
		m = test_machine(&c);
		if (!m)
			return;
		for (int i = 0; i < m->nr_zones; i++) {
			const struct zone *z = &m->zones[i];

			if (z->type == PFNLAB_ZONE_DMA32) {
				CHECK_EQ(z->managed, 782336);
				CHECK_EQ(z->pcp[cpus - 1].batch, 63);
				CHECK_EQ(z->pcp[cpus - 1].high, z->wmark[WMARK_LOW] / cpus);
			}
			if (z->type == PFNLAB_ZONE_DMA) {
				CHECK_EQ(z->pcp[0].batch, 1);
				CHECK_EQ(z->pcp[0].high, z->wmark[WMARK_LOW] / cpus > 4 ? z->wmark[WMARK_LOW] / cpus : 4);
			}
		}
		pfnlab_machine_destroy(m);
	}
	pfnlab_config_preset(&c, "x86_64", 4ull << 30);
	c.era = PFNLAB_ERA_2015;
	m = test_machine(&c);
	if (!m)
		return;
	CHECK_EQ(m->zones[0].type, PFNLAB_ZONE_DMA);
	CHECK_EQ(m->zones[0].pcp[0].high, 0);
	CHECK_EQ(m->zones[0].pcp[0].batch, 1);
	/* DMA32 in v4.2: min(764, 512 KiB / 4 KiB = 128) / 4 = 32, rounddown(48) - 1 = 31; high 6 x 31 */
	CHECK_EQ(m->zones[1].pcp[0].batch, 31);
	CHECK_EQ(m->zones[1].pcp[0].high, 186);
	{
		char *zi = test_view(m, "zoneinfo");

		CHECK(strstr(zi, "              high:  186\n              batch: 31\n") != NULL);
		free(zi);
	}
	pfnlab_machine_destroy(m);
}

/* Pages of @n allocations of @gfp, each checked to sit in a pageblock of type @mt */
static void alloc_typed(struct pfnlab_machine *m, pfnlab_gfp_t gfp, int mt, uint64_t *pfns, int n)
{
	for (int i = 0; i < n; i++) {
		pfns[i] = alloc_ok(m, gfp);
		CHECK_EQ(pfnlab_pageblock_type(m, pfns[i]), mt);
	}
}

/*
 * 64 MiB, one zone: zone_batchsize() = 16384 >> 10 = 16, / 4 = 4,
 * rounddown(4 + 2) - 1 = 3; v4.2 high = 18.  Free 6 reclaimable, 6
 * movable and 6 unmovable pages onto the lists, the last making 18:
 * v4.2's free_pcppages_bulk() frees 3, one per list, starting after
 * Unmovable in its order (Unmovable, Reclaimable, Movable), each the
 * oldest of its list.  Expect exactly r[0], m[0], u[0] back in the buddy
 * lists.
 */
TEST(bulk_free_2015_round_robin_check)
{
	struct pfnlab_machine *m = pcp_machine(16384, PFNLAB_ERA_2015);
	uint64_t r[6], mv[6], u[6];

	if (!m)
		return;
	CHECK_EQ(m->zones[0].pcp[0].batch, 3);
	CHECK_EQ(m->zones[0].pcp[0].high, 18);
	alloc_typed(m, PFNLAB_GFP_KERNEL | PFNLAB___GFP_RECLAIMABLE, PFNLAB_MT_RECLAIMABLE, r, 6);
	alloc_typed(m, PFNLAB_GFP_HIGHUSER_MOVABLE, PFNLAB_MT_MOVABLE, mv, 6);
	alloc_typed(m, PFNLAB_GFP_KERNEL, PFNLAB_MT_UNMOVABLE, u, 6);
	CHECK_EQ(m->zones[0].pcp[0].count, 0); /* two refills of 3 per type, all taken */
	for (int i = 0; i < 6; i++)
		free_ok(m, r[i]);
	for (int i = 0; i < 6; i++)
		free_ok(m, mv[i]);
	for (int i = 0; i < 6; i++)
		free_ok(m, u[i]);
	CHECK_EQ(m->zones[0].pcp[0].count, 15);
	for (int i = 0; i < 6; i++) {
		CHECK_EQ(m->frames[r[i]].flags == F_PCP, i > 0);
		CHECK_EQ(m->frames[mv[i]].flags == F_PCP, i > 0);
		CHECK_EQ(m->frames[u[i]].flags == F_PCP, i > 0);
	}
	pfnlab_machine_destroy(m);
}

/*
 * The same machine in v6.1: the low watermark is 16384 x 10 / 10000 = 16
 * pages (watermark_scale_factor, min_free_kbytes 0), so high = max(16, 4
 * x 3) = 16.  Free 6 reclaimable, 5 movable and 5 unmovable pages, the
 * last making 16: free_pcppages_bulk() starts from the freed page's list
 * and empties it oldest first: nr_pcp_free() = clamp(3 << 0, 3, 16 - 3)
 * = 3, so u[0..2].  Expect those back and every other page still listed.
 */
TEST(bulk_free_current_own_list_first_check)
{
	struct pfnlab_machine *m = pcp_machine(16384, PFNLAB_ERA_CURRENT);
	uint64_t r[6], mv[5], u[5];

	if (!m)
		return;
	CHECK_EQ(m->zones[0].wmark[WMARK_LOW], 16);
	CHECK_EQ(m->zones[0].pcp[0].high, 16);
	alloc_typed(m, PFNLAB_GFP_KERNEL | PFNLAB___GFP_RECLAIMABLE, PFNLAB_MT_RECLAIMABLE, r, 6);
	alloc_typed(m, PFNLAB_GFP_HIGHUSER_MOVABLE, PFNLAB_MT_MOVABLE, mv, 5);
	alloc_typed(m, PFNLAB_GFP_KERNEL, PFNLAB_MT_UNMOVABLE, u, 5);
	pfnlab_drain_pages(m); /* the refills' leftovers */
	test_check_state(m);
	for (int i = 0; i < 6; i++)
		free_ok(m, r[i]);
	for (int i = 0; i < 5; i++)
		free_ok(m, mv[i]);
	for (int i = 0; i < 5; i++)
		free_ok(m, u[i]);
	CHECK_EQ(m->zones[0].pcp[0].count, 13);
	for (int i = 0; i < 6; i++)
		CHECK_EQ(m->frames[r[i]].flags, F_PCP);
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(m->frames[mv[i]].flags, F_PCP);
		CHECK_EQ(m->frames[u[i]].flags == F_PCP, i >= 3);
	}
	pfnlab_machine_destroy(m);
}

/*
 * v6.1, batch 3, high 16: each bulk free without an allocation between
 * frees more (nr_pcp_free(): 3 << free_factor, clamped to [3, 16 - 3],
 * free_factor growing while under the clamp): frees 16, 19, 25, 37, 50
 * leave 13, 10, 4, 3, 3 pages listed, free_factor 3.  An allocation
 * halves it (3 -> 1): the next bulk frees 3 << 1 = 6.
 */
TEST(free_factor_check)
{
	struct pfnlab_machine *m = pcp_machine(16384, PFNLAB_ERA_CURRENT);
	static const struct { int frees; uint32_t listed; } after[] = {
		{16, 13}, {19, 10}, {25, 4}, {37, 3}, {50, 3}};
	uint64_t pfns[80];
	int freed = 0;

	if (!m)
		return;
	for (int i = 0; i < 80; i++)
		pfns[i] = alloc_ok(m, PFNLAB_GFP_KERNEL);
	pfnlab_drain_pages(m);
	for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++) {
		while (freed < after[k].frees)
			free_ok(m, pfns[freed++]);
		CHECK_EQ(m->zones[0].pcp[0].count, after[k].listed);
	}
	CHECK_EQ(m->zones[0].pcp[0].free_factor, 3);
	pfns[79] = alloc_ok(m, PFNLAB_GFP_KERNEL); /* from the list: 2 listed */
	CHECK_EQ(m->zones[0].pcp[0].free_factor, 1);
	while (m->zones[0].pcp[0].count < 15)
		free_ok(m, pfns[freed++]);
	free_ok(m, pfns[freed++]); /* 16: 3 << 1 = 6 */
	CHECK_EQ(m->zones[0].pcp[0].count, 10);
	pfnlab_machine_destroy(m);
}

/*
 * v6.1 nr_pcp_high(): while kswapd reclaims the zone (ZONE_RECLAIM_ACTIVE)
 * a list holds at most 4 x batch = 12 pages, not high = 16.  Batch 3,
 * frees without an allocation between: the 12th free bulk-frees
 * clamp(3 << 0, 3, 12 - 3) = 3 (9 left), the 15th 3 << 1 = 6 (6 left),
 * the 21st 3 << 2 = 12 clamped to 9 (3 left).  Once reclaim ends the
 * limit is 16 again: the 34th free is the first to reach it.  v4.2's
 * lists have no such limit (its kswapd never sets it).
 */
TEST(reclaim_active_limit_check)
{
	struct pfnlab_machine *m = pcp_machine(16384, PFNLAB_ERA_CURRENT);
	static const struct { int frees; uint32_t listed; } after[] = {{11, 11}, {12, 9}, {15, 6}, {21, 3}};
	const struct per_cpu_pages *p;
	uint64_t pfns[40];
	int freed = 0;

	if (!m)
		return;
	p = &m->zones[0].pcp[0];
	for (int i = 0; i < 40; i++)
		pfns[i] = alloc_ok(m, PFNLAB_GFP_KERNEL);
	pfnlab_drain_pages(m);
	pcp_reclaim_active(m, m->zones[0].type, true);
	CHECK_EQ(p->free_limit, 12);
	CHECK_EQ(p->high, 16); /* what /proc/zoneinfo shows does not move */
	test_check_state(m);
	for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++) {
		while (freed < after[k].frees)
			free_ok(m, pfns[freed++]);
		CHECK_EQ(p->count, after[k].listed);
	}
	pcp_reclaim_active(m, m->zones[0].type, false);
	CHECK_EQ(p->free_limit, 16);
	while (freed < 33)
		free_ok(m, pfns[freed++]);
	CHECK_EQ(p->count, 15);
	free_ok(m, pfns[freed++]);
	CHECK(p->count < 16);
	pfnlab_machine_destroy(m);
}

/*
 * A page freed to a pcp list while its pageblock was MOVABLE, the block
 * then claimed UNMOVABLE.  Expect a v6.1 drain to give it back to the
 * MOVABLE list it was freed under, except while the zone has an isolated
 * pageblock (has_isolate_pageblock()): then to its block's type now, as
 * 6.12's drain always does.
 */
TEST(drain_under_isolation_check)
{
	for (int isolate = 0; isolate < 3; isolate++) {
		/* 2: 6.12's free_pcppages_bulk() always reads the block's type (get_pfnblock_migratetype()) */
		struct pfnlab_machine *m = pcp_machine_of(16384, PFNLAB_ERA_CURRENT,
							  isolate == 2 ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1);
		uint64_t pfns[8], p;

		if (!m)
			return;
		for (int i = 0; i < 8; i++)
			pfns[i] = alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE);
		pfnlab_drain_pages(m);
		p = pfns[2]; /* its buddy (pfns[3]) stays allocated */
		CHECK_EQ(p ^ 1, pfns[3]);
		free_ok(m, p);
		CHECK_EQ(m->frames[p].mt, PFNLAB_MT_MOVABLE);
		if (isolate == 2) /* 6.12 retypes a block with its free pages (__move_freepages_block()) */
			move_freepages_block(m, &m->zones[0], p, PFNLAB_MT_UNMOVABLE, NULL);
		set_pageblock_migratetype(m, p, PFNLAB_MT_UNMOVABLE);
		if (isolate == 1) {
			uint64_t last = m->nr_pfns - m->pb_pages;

			CHECK_EQ(start_isolate_page_range(m, last, m->nr_pfns, PFNLAB_MT_MOVABLE), 0);
			CHECK_EQ(m->zones[0].nr_isolate_pageblock, 1);
		}
		pfnlab_drain_pages(m);
		CHECK_EQ(m->frames[p].flags, F_BUDDY);
		CHECK_EQ(m->frames[p].mt, isolate ? PFNLAB_MT_UNMOVABLE : PFNLAB_MT_MOVABLE);
		if (isolate == 1) {
			undo_isolate_page_range(m, m->nr_pfns - m->pb_pages, m->nr_pfns, PFNLAB_MT_MOVABLE);
			CHECK_EQ(m->zones[0].nr_isolate_pageblock, 0);
		}
		test_check_state(m);
		pfnlab_machine_destroy(m);
	}
}


/* Each free list of @a and @b holds the same blocks in the same order, and the counters agree */
static void same_free_lists(const struct pfnlab_machine *a, const struct pfnlab_machine *b)
{
	const struct zone *za = &a->zones[0], *zb = &b->zones[0];

	CHECK_EQ(za->nr_free, zb->nr_free);
	CHECK_EQ(za->nr_free_cma, zb->nr_free_cma);
	for (unsigned o = 0; o < a->nr_orders; o++)
		for (int t = 0; t < PFNLAB_MT_TYPES; t++) {
			uint32_t pa = za->area[o].list[t].head, pb = zb->area[o].list[t].head;

			while (pa != NIL_PFN && pa == pb) {
				pa = a->frames[pa].next;
				pb = b->frames[pb].next;
			}
			if (pa != pb) {
				T_FAIL("order %u type %d: lists part at %u against %u", o, t, pa, pb);
				return;
			}
		}
}

/*
 * rmqueue_bulk() is __rmqueue() a batch of times: a refill hands out the
 * pages an order-0 allocation without per-CPU lists would get one by one,
 * in that order, and leaves the free lists as those allocations leave
 * them.  Two 1 GiB machines, one with per-CPU lists, are
 * fragmented alike by blocks of orders 1-4 (which never use the lists),
 * half of them freed at random; then 20 batches of order-0 pages of one
 * type, then of another (v6.1's batch is 63; v4.2 caps the batch at
 * 512 KiB, 128 pages: 256 / 4 = 32, rounddown_pow_of_two(48) - 1 = 31).
 * Run in v4.2, in v6.1, and in 6.12 with a 512 MiB CMA area and the 5.7
 * rule (CMA taken first while it holds over half of the free pages, which
 * a batch crosses page by page: 6.12 counts each page out of
 * NR_FREE_PAGES as it takes it; its refills grow from 63 to 2,016).
 * Expect the same PFNs in the same order, and, each time the list is
 * empty again, the same free lists block for block.
 */
TEST(rmqueue_bulk_is_rmqueue_smallest_check)
{
	static const pfnlab_gfp_t types[2] = {PFNLAB_GFP_HIGHUSER_MOVABLE, PFNLAB_GFP_KERNEL};
	const uint64_t pages = 1u << 18;

	for (int run = 0; run < 3; run++) {
		struct pfnlab_machine *m[2];
		struct pfnlab_config c;
		uint64_t seed = 12345, *held = calloc(8192, sizeof(*held));
		unsigned *ord = calloc(8192, sizeof(*ord));
		int batch, in_cma = 0;

		if (!held || !ord) {
			free(held);
			free(ord);
			T_FAIL("%s", "no memory");
			return;
		}
		test_tiny_config(&c, pages, 10, 9);
		c.era = run ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
		c.cma_rule = run ? PFNLAB_CMA_5_7 : PFNLAB_CMA_2015;
		if (run == 2) {
			test_cma_area(&c, pages / 2, pages / 2, "cma");
			c.kernel = PFNLAB_KERNEL_6_12; /* 6.1 reads NR_FREE_PAGES from before the batch */
		}
		c.pcp = true;
		m[0] = test_machine(&c);
		c.pcp = false;
		m[1] = test_machine(&c);
		if (!m[0] || !m[1])
			goto out;
		batch = (int)m[0]->zones[0].pcp[0].batch;
		CHECK_EQ(batch, run ? 63 : 31);
		for (int i = 0; i < 8192; i++) { /* the same blocks on both machines */
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			ord[i] = 1 + (unsigned)(seed >> 60) % 4;
			for (int k = 0; k < 2; k++)
				CHECK_EQ(pfnlab_alloc_pages(m[k], types[(seed >> 40) & 1], ord[i], &held[i]), 0);
		}
		for (int i = 0; i < 8192; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			if (seed >> 63)
				for (int k = 0; k < 2; k++)
					CHECK_EQ(pfnlab_free_pages(m[k], held[i], ord[i]), 0);
		}
		same_free_lists(m[0], m[1]);
		for (int t = 0; t < 2; t++)
			for (int i = 0; i < 20 * batch; i++) {
				uint64_t pfn[2];

				for (int k = 0; k < 2; k++)
					CHECK_EQ(pfnlab_alloc_pages(m[k], types[t], 0, &pfn[k]), 0);
				test_check_state(m[0]);
				CHECK_EQ(pfn[0], pfn[1]);
				if (pfn[0] != pfn[1])
					goto out;
				in_cma += t == 0 && pfn[0] >= pages / 2;
				if (!m[0]->zones[0].pcp[0].count) /* a refill used up */
					same_free_lists(m[0], m[1]);
			}
		/* the 5.7 rule turned on and off within the movable batches */
		if (run == 2)
			CHECK(in_cma > 0 && in_cma < 20 * batch);
out:
		pfnlab_machine_destroy(m[0]);
		pfnlab_machine_destroy(m[1]);
		free(held);
		free(ord);
	}
}

/*
 * 6.12 (16,384 pages, batch 3): zone_highsize() gives high_min = max(low
 * watermark 16, 4 x 3) = 16 and high_max = max(16384 / 8, 12) = 2048;
 * pcp->high is 0 until the CPU first uses its lists.  Allocations with
 * no free between: each refill (nr_pcp_alloc()) asks 3 << alloc_factor
 * pages and raises high by as much (high clamped to 16 first), the factor
 * growing to 5: refills of 3, 6, 12, 24, 48, 96, 96 at the 1st, 4th,
 * 10th, 22nd, 46th, 94th and 190th allocation, high 19, 25, 37, 61, 109,
 * 205, 301.  Expect each refill's count and high, and /proc/zoneinfo to
 * show the tuned high.  A free then halves alloc_factor (5 -> 2).
 */
TEST(tuned_refill_check)
{
	struct pfnlab_machine *m = pcp_machine_of(16384, PFNLAB_ERA_CURRENT, PFNLAB_KERNEL_6_12);
	static const struct { int allocs; uint32_t count, high, factor; } after[] = {
		{1, 2, 19, 1}, {4, 5, 25, 2}, {10, 11, 37, 3}, {22, 23, 61, 4},
		{46, 47, 109, 5}, {94, 95, 205, 5}, {190, 95, 301, 5}};
	const struct zone *z;
	const struct per_cpu_pages *p;
	uint64_t pfn = 0;
	int done = 0;

	if (!m)
		return;
	z = &m->zones[0];
	p = &z->pcp[0];
	CHECK_EQ(z->wmark[WMARK_LOW], 16);
	CHECK_EQ(z->pcp_high_min, 16);
	CHECK_EQ(z->pcp_high_max, 2048);
	CHECK_EQ(p->high, 0);
	for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++) {
		while (done < after[k].allocs) {
			pfn = alloc_ok(m, PFNLAB_GFP_KERNEL);
			done++;
		}
		CHECK_EQ(p->count, after[k].count);
		CHECK_EQ(p->high, after[k].high);
		CHECK_EQ(p->alloc_factor, after[k].factor);
	}
	{
		char *zi = test_view(m, "zoneinfo");

		CHECK(strstr(zi, "              count: 95\n              high:  301\n              batch: 3\n") != NULL);
		free(zi);
	}
	free_ok(m, pfn);
	CHECK_EQ(p->alloc_factor, 2);
	CHECK_EQ(p->free_count, 1);
	CHECK(!z->below_high);
	pfnlab_machine_destroy(m);
}

/*
 * 6.12, the free side.  After 200 allocations and a drain, high is 301
 * and decays by an eighth a second (decay_pcp_high(), vmstat_update()):
 * 30 s of model time bring it to high_min 16, then nothing is due.
 * Frees with no allocation between (free_count = pages freed): the 16th
 * reaches high 16, nr_pcp_high() raises high to free_count + batch = 19
 * and the bulk free takes clamp(16, 3, 16 - 3) = 13 (3 left); the 32nd
 * reaches 19: high 35, clamp(32, 3, 16) = 16; the 64th: high 67, 32; the
 * 128th (free_count stops at 3 << 5 = 96): high 99, clamp(96, 3, 64) =
 * 64.  Each time 3 pages stay listed.  An allocation halves free_count.
 */
TEST(tuned_free_and_decay_check)
{
	struct pfnlab_machine *m = pcp_machine_of(16384, PFNLAB_ERA_CURRENT, PFNLAB_KERNEL_6_12);
	static const struct { int frees; uint32_t high; } after[] = {{16, 19}, {32, 35}, {64, 67}, {128, 99}};
	const struct per_cpu_pages *p;
	uint64_t pfns[200];
	int freed = 0;

	if (!m)
		return;
	p = &m->zones[0].pcp[0];
	for (int i = 0; i < 200; i++)
		pfns[i] = alloc_ok(m, PFNLAB_GFP_KERNEL);
	pfnlab_drain_pages(m);
	CHECK_EQ(p->high, 301);
	CHECK_EQ(pcp_decay_next(m), 1000000000ull);
	CHECK_EQ(pfnlab_advance(m, 1000000000ull), 0);
	CHECK_EQ(p->high, 301 - 301 / 8);
	CHECK_EQ(pfnlab_advance(m, 29000000000ull), 0);
	test_check_state(m);
	CHECK_EQ(p->high, 16);
	CHECK_EQ(pcp_decay_next(m), UINT64_MAX);
	for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++) {
		while (freed < after[k].frees)
			free_ok(m, pfns[freed++]);
		CHECK_EQ(p->count, 3);
		CHECK_EQ(p->high, after[k].high);
	}
	CHECK_EQ(p->free_count, 96);
	alloc_ok(m, PFNLAB_GFP_KERNEL);
	CHECK_EQ(p->free_count, 48);
	pfnlab_machine_destroy(m);
}

/*
 * 6.12 ZONE_BELOW_HIGH.  An allocation that finds the zone's free pages
 * at or under the high watermark (32 here) marks the zone; from then on
 * each free cuts pcp->high by max(free_count, batch), never under
 * high_min, and bulk-frees whenever the list holds high_min pages or
 * more; the mark goes once a bulk free leaves the free pages above the
 * high watermark.  Allocate until the mark is set, then free: expect the
 * mark set by exactly the first allocation that saw <= 32 free, high
 * falling with every free (to 16 at the least), and the mark cleared by the first
 * bulk free after which NR_FREE_PAGES > 32.
 */
TEST(tuned_below_high_check)
{
	struct pfnlab_machine *m = pcp_machine_of(16384, PFNLAB_ERA_CURRENT, PFNLAB_KERNEL_6_12);
	struct zone *z;
	const struct per_cpu_pages *p;
	uint64_t *pfns = malloc(16384 * sizeof(*pfns));
	size_t n = 0;
	uint32_t last_high;

	if (!m || !pfns) {
		free(pfns);
		pfnlab_machine_destroy(m);
		return;
	}
	z = &m->zones[0];
	p = &z->pcp[0];
	CHECK_EQ(z->wmark[WMARK_HIGH], 32);
	while (!z->below_high && n < 16384) {
		bool was_low = z->nr_free <= 32;

		/*
		 * set exactly by the first allocation that finds <= 32 free, which
		 * fails if the buddy lists are under the low watermark 16 too
		 * (the per-CPU list's pages are not counted free)
		 */
		int err = pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &pfns[n]);

		test_check_state(m);
		CHECK_EQ(z->below_high, was_low);
		CHECK(!err || z->nr_free <= 16);
		n += !err;
	}
	CHECK(z->below_high);
	last_high = p->high;
	while (z->below_high && n > 0) {
		uint32_t before = p->count;
		int64_t free_before = z->nr_free;

		free_ok(m, pfns[--n]);
		CHECK(p->high < last_high || p->high == 16);
		CHECK(p->high >= 16);
		last_high = p->high;
		if (p->count < before + 1) /* a bulk free: the list held high_min pages */
			CHECK(before + 1 >= 16);
		if (!z->below_high) /* cleared right after a bulk free that passed the high mark */
			CHECK(p->count < before + 1 && z->nr_free > 32 && z->nr_free > free_before);
	}
	CHECK(!z->below_high);
	free(pfns);
	pfnlab_machine_destroy(m);
}

/*
 * Writing vm.min_free_kbytes or vm.watermark_scale_factor runs
 * setup_per_zone_wmarks(): new watermarks, and zone_pcp_update() gives
 * each zone's lists the high of the new low watermark (6.1), or the new
 * high_min (6.12, whose pcp->high waits for its next use: a free clamps
 * it into the new range).  Expect the lists' high and the fast path's
 * marks to follow (the checker compares the marks with the watermarks),
 * on both kernels.
 */
TEST(watermark_sysctl_check)
{
	for (int k = 0; k < 2; k++) {
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		const struct zone *z;

		pfnlab_config_preset(&c, "x86_64", 4ull << 30);
		c.kernel = k ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1;
		c.nr_cpus = 1;
		m = test_machine(&c);
		if (!m)
			return;
		z = &m->zones[1];
		CHECK_EQ(z->type, PFNLAB_ZONE_DMA32);
		alloc_ok(m, PFNLAB_GFP_KERNEL | PFNLAB___GFP_DMA32);
		CHECK_EQ(pfnlab_sysctl_set(m, "vm.min_free_kbytes", 65536), 0);
		test_check_state(m);
		CHECK_EQ(z->pcp_high_min, z->wmark[WMARK_LOW]);
		CHECK_EQ(z->pcp[0].high, k ? z->pcp[0].high : z->wmark[WMARK_LOW]);
		CHECK_EQ(pfnlab_sysctl_set(m, "vm.watermark_scale_factor", 200), 0);
		test_check_state(m);
		CHECK_EQ(z->pcp_high_min, z->wmark[WMARK_LOW]);
		CHECK_EQ(z->wmark[WMARK_LOW], z->wmark[WMARK_MIN] + z->managed * 200 / 10000);
		CHECK(z->pcp_high_min < z->pcp_high_max || !k);
		free_ok(m, alloc_ok(m, PFNLAB_GFP_KERNEL | PFNLAB___GFP_DMA32)); /* a free clamps 6.12's high */
		if (!k)
			CHECK_EQ(z->pcp[0].high, z->wmark[WMARK_LOW]);
		else
			CHECK(z->pcp[0].high >= z->pcp_high_min && z->pcp[0].high <= z->pcp_high_max);
		pfnlab_machine_destroy(m);
	}
}

/*
 * v6.1's rmqueue_bulk() subtracts its pages from NR_FREE_PAGES after its
 * loop, so __rmqueue()'s 5.7 rule (CMA first while free CMA > NR_FREE_PAGES
 * / 2) reads the free pages from before the batch: a batch that starts
 * outside CMA stays there.  6.12 counts each page out as it takes it.  A
 * 256 MiB zone, its upper half CMA (batch: 65536 >> 10 = 64, / 4 = 16,
 * rounddown(16 + 8) - 1 = 15); cma_alloc() enough of the area that
 * nr_free - 2 * nr_free_cma is 4, then the first refill (15 pages on
 * both).  Expect all 15 outside CMA on 6.1.  On 6.12 the pages taken
 * bring the difference down: 5 pages (4 down to 0) outside, then, as it
 * swings between -1 and 0, CMA and outside by turns: 10 outside.
 */
TEST(rmqueue_bulk_reads_free_pages_before_check)
{
	for (int k = 0; k < 2; k++) {
		const uint64_t pages = 1u << 16;
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		struct zone *z;
		uint64_t got;
		int outside = 0;

		test_tiny_config(&c, pages, 10, 9);
		c.cma_rule = PFNLAB_CMA_5_7;
		c.kernel = k ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1;
		c.pcp = true;
		test_cma_area(&c, pages / 2, pages / 2, "cma");
		m = test_machine(&c);
		if (!m)
			return;
		z = &m->zones[0];
		CHECK_EQ(z->pcp[0].batch, 15);
		CHECK(z->nr_free - 2 * z->nr_free_cma < 4);
		CHECK_EQ(pfnlab_cma_alloc(m, 0, (uint64_t)(4 - (z->nr_free - 2 * z->nr_free_cma)), 0, &got), 0);
		test_check_state(m);
		CHECK_EQ(z->nr_free - 2 * z->nr_free_cma, 4);
		CHECK_EQ(z->pcp[0].count, 0);
		for (int i = 0; i < 15; i++)
			outside += alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE) < pages / 2;
		CHECK_EQ(z->pcp[0].count, 0);
		CHECK_EQ(outside, k ? 10 : 15);
		pfnlab_machine_destroy(m);
	}
}

/* The pages of every "count:" line of /proc/zoneinfo */
static long zoneinfo_pcp_count(const struct pfnlab_machine *m)
{
	char *zi = test_view(m, "zoneinfo");
	long n = 0, c;

	for (const char *q = zi; q && (q = strstr(q, "count: ")); q += 7)
		if (sscanf(q + 7, "%ld", &c) == 1)
			n += c;
	free(zi);
	return n;
}

/*
 * pfnlab_zone_pcp_pages(): the pages of every CPU's lists, as
 * /proc/zoneinfo's "count:" lines add up.  On two CPUs of a 6.12 machine
 * (its refills grow) and a 6.1 one, take unmovable and movable pages on
 * each CPU, free half of them; expect the count to follow the lists and
 * zoneinfo after every step, 0 without per-CPU lists, -1 for a zone the
 * machine lacks, an unknown zone or no machine.
 */
TEST(zone_pcp_pages_check)
{
	const enum pfnlab_kernel kernels[] = {PFNLAB_KERNEL_6_1, PFNLAB_KERNEL_6_12};
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	uint64_t pfns[200];

	for (size_t k = 0; k < 2; k++) {
		int zt;

		test_tiny_config(&c, 16384, 10, 9);
		c.kernel = kernels[k];
		c.pcp = true;
		c.nr_cpus = 2;
		m = test_machine(&c);
		if (!m)
			return;
		zt = m->zones[0].type;
		CHECK_EQ(pfnlab_zone_pcp_pages(m, zt), 0);
		for (int i = 0; i < 200; i++) {
			m->cpu = (unsigned)(i / 100);
			pfns[i] = alloc_ok(m, i % 2 ? PFNLAB_GFP_HIGHUSER_MOVABLE : PFNLAB_GFP_KERNEL);
			CHECK_EQ(pfnlab_zone_pcp_pages(m, zt), (long)(m->zones[0].pcp[0].count + m->zones[0].pcp[1].count));
		}
		CHECK(pfnlab_zone_pcp_pages(m, zt) > 0);
		CHECK(m->zones[0].pcp[1].count > 0);
		CHECK_EQ(pfnlab_zone_pcp_pages(m, zt), zoneinfo_pcp_count(m));
		for (int i = 0; i < 200; i += 2)
			free_ok(m, pfns[i]);
		CHECK_EQ(pfnlab_zone_pcp_pages(m, zt), zoneinfo_pcp_count(m));
		CHECK_EQ(pfnlab_zone_pcp_pages(m, zt == PFNLAB_ZONE_DMA ? PFNLAB_ZONE_MOVABLE : PFNLAB_ZONE_DMA), -1);
		CHECK_EQ(pfnlab_zone_pcp_pages(m, PFNLAB_NR_ZONES), -1);
		CHECK_EQ(pfnlab_zone_pcp_pages(m, -1), -1);
		pfnlab_machine_destroy(m);
	}
	CHECK_EQ(pfnlab_zone_pcp_pages(NULL, 0), -1);
	test_tiny_config(&c, 16384, 10, 9);
	m = test_machine(&c);
	if (!m)
		return;
	alloc_ok(m, PFNLAB_GFP_KERNEL);
	CHECK_EQ(pfnlab_zone_pcp_pages(m, m->zones[0].type), 0);
	pfnlab_machine_destroy(m);
}

RUN_TESTS(high_batch_check, reclaim_active_limit_check, bulk_free_2015_round_robin_check, bulk_free_current_own_list_first_check,
	  free_factor_check, drain_under_isolation_check, rmqueue_bulk_is_rmqueue_smallest_check, tuned_refill_check,
	  tuned_free_and_decay_check, tuned_below_high_check, watermark_sysctl_check,
	  rmqueue_bulk_reads_free_pages_before_check, zone_pcp_pages_check)
