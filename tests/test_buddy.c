/*
 * test_buddy.c - hand-written buddy allocator cases, each with a picture of
 * the PFN range and the expected outcome.  Every case runs the whole-state
 * checker after each operation.
 *
 * Picture legend: one character per page frame.
 *   .  free          U  unmovable alloc   M  movable alloc   C  CMA pageblock free
 *   |  pageblock boundary
 */
#include <errno.h>

#include "model.h"
#include "test.h"

static struct pfnlab_machine *tiny(uint64_t pages, unsigned max_order, unsigned pb_order,
				   enum pfnlab_era era, uint64_t cma_pages)
{
	struct pfnlab_config c;

	test_tiny_config(&c, pages, max_order, pb_order);
	c.era = era;
	if (cma_pages)
		test_cma_area(&c, pages - cma_pages, cma_pages, "test");
	return test_machine(&c);
}

/* The free list of (zone 0, order, mt) as "pfn pfn ...". */
static const char *list_str(const struct pfnlab_machine *m, unsigned order, int mt)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = 0;
	for (uint32_t p = m->zones[0].area[order].list[mt].head; p != NIL_PFN; p = m->frames[p].next)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%u", n ? " " : "", p);
	return buf;
}

static uint64_t alloc_ok(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order)
{
	uint64_t pfn = 0;
	int err = pfnlab_alloc_pages(m, gfp, order, &pfn);

	if (err)
		T_FAIL("allocation of order %u failed: %d", order, err);
	test_check_state(m);
	return pfn;
}

/*
 * 16 pages, max order 3, pageblocks of 4:
 *   |....|....|....|....|   two order-3 blocks, 0 and 8
 * Expect at boot (v6.1, FPI_TO_TAIL) the order-3 list to read "0 8";
 * in 2015 (to the head) "8 0".
 */
TEST(boot_list_order_check)
{
	struct pfnlab_machine *m = tiny(16, 3, 2, PFNLAB_ERA_CURRENT, 0);

	CHECK_STR(list_str(m, 3, PFNLAB_MT_MOVABLE), "0 8");
	test_check_state(m);
	pfnlab_machine_destroy(m);
	m = tiny(16, 3, 2, PFNLAB_ERA_2015, 0);
	CHECK_STR(list_str(m, 3, PFNLAB_MT_MOVABLE), "8 0");
	pfnlab_machine_destroy(m);
}

/*
 *   |M...|....|....|....|   movable order-0 allocation from the fresh machine
 * Expect PFN 0, and expand() to leave 1 (order 0), 2 (order 1), 4 (order 2)
 * free, with 8 still whole.
 */
TEST(split_check)
{
	struct pfnlab_machine *m = tiny(16, 3, 2, PFNLAB_ERA_CURRENT, 0);

	CHECK_EQ(alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0), 0);
	CHECK_STR(list_str(m, 0, PFNLAB_MT_MOVABLE), "1");
	CHECK_STR(list_str(m, 1, PFNLAB_MT_MOVABLE), "2");
	CHECK_STR(list_str(m, 2, PFNLAB_MT_MOVABLE), "4");
	CHECK_STR(list_str(m, 3, PFNLAB_MT_MOVABLE), "8");
	CHECK_EQ(m->zones[0].nr_free, 15);
	pfnlab_machine_destroy(m);
}

/*
 *   |MM..|....|....|....|  -> free 0, then 1
 * Expect freeing 0 to leave it alone (its buddy 1 is allocated), and
 * freeing 1 to merge everything back into two order-3 blocks.
 */
TEST(merge_check)
{
	struct pfnlab_machine *m = tiny(16, 3, 2, PFNLAB_ERA_CURRENT, 0);
	uint64_t a = alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0);
	uint64_t b = alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0);

	CHECK_EQ(a, 0);
	CHECK_EQ(b, 1);
	CHECK_EQ(pfnlab_free_pages(m, a, 0), 0);
	test_check_state(m);
	CHECK_STR(list_str(m, 0, PFNLAB_MT_MOVABLE), "0");
	CHECK_EQ(pfnlab_free_pages(m, b, 0), 0);
	test_check_state(m);
	CHECK_STR(list_str(m, 0, PFNLAB_MT_MOVABLE), "");
	CHECK_EQ(m->zones[0].area[3].nr_free, 2);
	CHECK_EQ(m->zones[0].nr_free, 16);
	pfnlab_machine_destroy(m);
}

/*
 *   |U...|....|....|....|   an unmovable page on an all-movable machine
 * Expect a fallback to the largest movable block (order 3 at PFN 0): it
 * covers whole pageblocks, so both become UNMOVABLE (change_ownership=1).
 */
TEST(steal_whole_block_check)
{
	struct pfnlab_machine *m = tiny(16, 3, 2, PFNLAB_ERA_CURRENT, 0);

	CHECK_EQ(alloc_ok(m, PFNLAB_GFP_KERNEL, 0), 0);
	CHECK_EQ(pb_type(m, 0), PFNLAB_MT_UNMOVABLE);
	CHECK_EQ(pb_type(m, 4), PFNLAB_MT_UNMOVABLE);
	CHECK_EQ(pb_type(m, 8), PFNLAB_MT_MOVABLE);
	CHECK_EQ(m->vm[VM_EXTFRAG], 1);
	CHECK_EQ(m->vm[VM_EXTFRAG_CLAIMED], 1);
	CHECK_STR(list_str(m, 2, PFNLAB_MT_UNMOVABLE), "4");
	pfnlab_machine_destroy(m);
}

/*
 * 16 pages, max order 3, pageblocks of 8:
 *   |MMMMMMMM|MMMM....|   an order-3 and an order-2 movable allocation
 * then an unmovable order-0 page: the only free block is order 2 at 12,
 * below the pageblock.  Its pageblock holds 4 free and 4 movable pages;
 * alike pages for an unmovable request are 8 - (4 + 4) = 0, and
 * 4 free + 0 alike >= half (4) -> claim.
 * Expect PFN 12 and the second pageblock to turn UNMOVABLE.
 */
TEST(steal_half_block_claims_check)
{
	struct pfnlab_machine *m = tiny(16, 3, 3, PFNLAB_ERA_CURRENT, 0);

	CHECK_EQ(alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 3), 0);
	CHECK_EQ(alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 2), 8);
	CHECK_EQ(alloc_ok(m, PFNLAB_GFP_KERNEL, 0), 12);
	CHECK_EQ(pb_type(m, 8), PFNLAB_MT_UNMOVABLE);
	CHECK_EQ(m->vm[VM_EXTFRAG_CLAIMED], 1);
	CHECK_STR(list_str(m, 0, PFNLAB_MT_UNMOVABLE), "13");
	CHECK_STR(list_str(m, 1, PFNLAB_MT_UNMOVABLE), "14");
	pfnlab_machine_destroy(m);
}

/*
 * 16 pages, max order 3, pageblocks of 8:
 *   |MMMMMMMM|MMMMMM..|   then an unmovable page
 * Expect the fallback to take the order-1 block at 14: its pageblock has
 * 2 free pages and 6 movable ones, 2 + 0 < 4, so the pageblock stays
 * MOVABLE; v6.1 still moves the free pages to the unmovable lists.
 */
TEST(steal_below_half_keeps_type_check)
{
	struct pfnlab_machine *m = tiny(16, 3, 3, PFNLAB_ERA_CURRENT, 0);

	alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 3);
	for (int i = 0; i < 6; i++)
		alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0);
	CHECK_STR(list_str(m, 1, PFNLAB_MT_MOVABLE), "14");
	CHECK_EQ(alloc_ok(m, PFNLAB_GFP_KERNEL, 0), 14);
	CHECK_EQ(pb_type(m, 8), PFNLAB_MT_MOVABLE);
	CHECK_EQ(m->vm[VM_EXTFRAG], 1);
	CHECK_EQ(m->vm[VM_EXTFRAG_CLAIMED], 0);
	CHECK_STR(list_str(m, 0, PFNLAB_MT_UNMOVABLE), "15");
	pfnlab_machine_destroy(m);
}

/*
 * 32 pages, the top 8 a CMA area, max order 3, pageblocks of 8:
 *   |........|........|........|CCCCCCCC|
 * Expect under the 2015 rule a movable page to come from the movable lists
 * (PFN 0); under the 5.7 rule too (free CMA 8 is not > half of 32 free).
 * With 14 free pages left, 8 of them CMA (8 > 14/2), the 5.7 rule takes
 * CMA first while 2015 still takes movable pages.
 */
TEST(cma_era_rule_check)
{
	for (int rule = 0; rule < 2; rule++) {
		struct pfnlab_machine *m = tiny(32, 3, 3, PFNLAB_ERA_CURRENT, 8);
		uint64_t p;

		test_variant = rule ? "5.7" : "2015";
		m->cfg.cma_rule = rule ? PFNLAB_CMA_5_7 : PFNLAB_CMA_2015;
		CHECK_EQ(pb_type(m, 24), PFNLAB_MT_CMA);
		CHECK_EQ(m->zones[0].nr_free_cma, 8);
		CHECK_EQ(alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0), 0);
		/* fill to 14 free pages under the 2015 rule, which leaves CMA alone */
		m->cfg.cma_rule = PFNLAB_CMA_2015;
		for (int i = 0; i < 17; i++)
			alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0);
		CHECK_EQ(m->zones[0].nr_free, 14);
		CHECK_EQ(m->zones[0].nr_free_cma, 8);
		m->cfg.cma_rule = rule ? PFNLAB_CMA_5_7 : PFNLAB_CMA_2015;
		p = alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0);
		if (rule)
			CHECK(p >= 24);
		else
			CHECK(p < 24);
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

/*
 *   |UUUUUUUU|UUUUUUUU|UUUUUUUU|CCCCCCCC|
 * Expect an unmovable allocation to fail once only CMA pages are free:
 * free CMA pages do not count for it, and it may not take them; a movable
 * allocation still succeeds from CMA.
 */
TEST(cma_not_for_unmovable_check)
{
	struct pfnlab_machine *m = tiny(32, 3, 3, PFNLAB_ERA_CURRENT, 8);
	uint64_t pfn;

	for (int i = 0; i < 24; i++)
		alloc_ok(m, PFNLAB_GFP_KERNEL, 0);
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &pfn), -ENOMEM);
	test_check_state(m);
	CHECK_EQ(m->zones[0].nr_free_cma, 8);
	CHECK(alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0) >= 24);
	CHECK_EQ(pb_type(m, 24), PFNLAB_MT_CMA);
	pfnlab_machine_destroy(m);
}

/*
 *   |M.......|........|   free with bad arguments
 * Expect double free, a never-allocated PFN, a wrong order, an out-of-range
 * PFN and a head whose own order is above the largest all to return
 * -EINVAL and change nothing.
 */
TEST(bad_free_check)
{
	struct pfnlab_machine *m = tiny(16, 3, 3, PFNLAB_ERA_CURRENT, 0);
	uint64_t a = alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 1);

	CHECK_EQ(pfnlab_free_pages(m, a, 0), -EINVAL);
	CHECK_EQ(pfnlab_free_pages(m, a + 1, 0), -EINVAL);
	CHECK_EQ(pfnlab_free_pages(m, 9, 0), -EINVAL);
	CHECK_EQ(pfnlab_free_pages(m, 1000, 0), -EINVAL);
	CHECK_EQ(pfnlab_free_pages(m, a, 99), -EINVAL);
	/* a live head whose order is above the buddy's (a snapshot's gigantic page) */
	m->frames[a].order = (uint8_t)m->nr_orders;
	CHECK_EQ(pfnlab_free_pages(m, a, m->nr_orders), -EINVAL);
	m->frames[a].order = 1;
	test_check_state(m);
	CHECK_EQ(m->zones[0].nr_free, 14);
	CHECK_EQ(pfnlab_free_pages(m, a, 1), 0);
	CHECK_EQ(pfnlab_free_pages(m, a, 1), -EINVAL);
	test_check_state(m);
	CHECK_EQ(m->zones[0].nr_free, 16);
	pfnlab_machine_destroy(m);
}

/*
 *   |MMMMMMMM|........|   8 pages, then one order-4 request on a max-order-3 machine
 * Expect -EINVAL for an order above the largest, -ENOMEM when no block is
 * big enough, and the state intact.
 */
TEST(order_limits_check)
{
	struct pfnlab_machine *m = tiny(16, 3, 3, PFNLAB_ERA_CURRENT, 0);
	uint64_t pfn;

	alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 3);
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 4, &pfn), -EINVAL);
	alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 2);
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 3, &pfn), -ENOMEM);
	CHECK_EQ(m->vm[VM_ALLOC_FAILED], 1);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 *   |........|........|........|CCCCCCCC|   with per-CPU lists
 * Expect a CMA page freed to the pcp lists to ride on the MOVABLE list, not
 * counted free, and to go back to the CMA free list when drained.
 */
TEST(pcp_cma_rides_movable_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	uint64_t p;

	test_tiny_config(&c, 32, 3, 3);
	test_cma_area(&c, 24, 8, "test");
	c.pcp = true;
	c.cma_rule = PFNLAB_CMA_5_7;
	m = test_machine(&c);
	if (!m)
		return;
	/* drain the movable memory so CMA is preferred */
	for (int i = 0; i < 20; i++)
		alloc_ok(m, PFNLAB_GFP_KERNEL, 0);
	p = alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0);
	CHECK(p >= 24);
	CHECK_EQ(pfnlab_free_pages(m, p, 0), 0);
	test_check_state(m);
	CHECK_EQ(m->frames[p].flags, F_PCP);
	CHECK_EQ(m->frames[p].mt, PFNLAB_MT_CMA);
	CHECK(m->zones[0].pcp[0].lists[PFNLAB_MT_MOVABLE].count > 0);
	pfnlab_drain_pages(m);
	test_check_state(m);
	CHECK_EQ(m->zones[0].nr_free_cma, 8);
	CHECK_EQ(m->zones[0].pcp[0].count, 0);
	pfnlab_machine_destroy(m);
}

/*
 *   |........|IIIIIIII|   the second pageblock isolated
 * Expect pages freed on either side of the boundary not to merge across it
 * above pageblock order (the 2015 rule and today's).
 */
TEST(no_merge_across_isolation_check)
{
	for (int era = 0; era < 2; era++) {
		struct pfnlab_machine *m = tiny(16, 4, 3, (enum pfnlab_era)era, 0);
		uint64_t a = alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 3);
		uint64_t b = alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 3);

		test_variant = era ? "current" : "2015";
		set_pageblock_migratetype(m, 8, PFNLAB_MT_ISOLATE);
		CHECK_EQ(pfnlab_free_pages(m, a < b ? a : b, 3), 0);
		CHECK_EQ(pfnlab_free_pages(m, a < b ? b : a, 3), 0);
		CHECK_EQ(m->zones[0].area[4].nr_free, 0);
		CHECK_EQ(m->zones[0].area[3].nr_free, 2);
		CHECK_EQ(m->zones[0].nr_free, 8); /* the isolated half is not counted */
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

/* Expect the x86_64 4G preset to have the zones and spans of a QEMU PC machine. */
TEST(x86_64_layout_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char why[256];

	pfnlab_config_preset(&c, "x86_64", 4ull << 30);
	CHECK_EQ(pfnlab_machine_create(&c, &m, why, sizeof(why)), 0);
	CHECK_EQ(m->nr_zones, 3);
	CHECK_EQ(m->zones[0].start_pfn, 1);
	CHECK_EQ(m->zones[0].spanned, 4095);
	CHECK_EQ(m->zones[0].present, 3998);
	CHECK_EQ(m->zones[0].managed, 3840);
	CHECK_EQ(m->zones[1].start_pfn, 4096);
	CHECK_EQ(m->zones[1].present, (3ull << 18) - 4096);
	CHECK_EQ(m->zones[2].start_pfn, 1ull << 20);
	CHECK_EQ(m->zones[2].present, 1ull << 18);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages"), 3840 + (3ull << 18) - 4096 + (1ull << 18));
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* Expect impossible configurations to be refused with a reason. */
TEST(bad_config_check)
{
	struct pfnlab_config c;
	char why[256] = "";

	pfnlab_config_preset(&c, "x86_64", 4ull << 30);
	c.pageblock_order = 11;
	CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "pageblock order") != NULL);
	pfnlab_config_preset(&c, "x86_64", 1 << 20);
	CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), -EINVAL);
	pfnlab_config_preset(&c, "x86_64", 1ull << 50);
	CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), -EOVERFLOW);
	pfnlab_config_preset(&c, "x86_64", 64ull << 30);
	c.host_limit_bytes = 1 << 20;
	CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), -E2BIG);
	CHECK(strstr(why, "MiB") != NULL);
	pfnlab_config_preset(&c, "x86_64", 1ull << 30);
	c.nr_ranges = 1;
	c.ranges[0] = (struct pfnlab_range){0, 100}; /* not one whole page */
	CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "no page frame") != NULL);
	CHECK_EQ(pfnlab_config_preset(&c, "sparc", 1ull << 30), -EINVAL);
	pfnlab_config_preset(&c, "x86_64", 4ull << 30);
	c.nr_cma = 1;
	c.cma[0].size = 64ull << 20;
	c.cma[0].base = (3ull << 30) - (32ull << 20); /* straddles the PCI hole */
	{
		struct pfnlab_machine *m;

		CHECK_EQ(pfnlab_machine_create(&c, &m, why, sizeof(why)), -EINVAL);
		CHECK(strstr(why, "not free RAM") != NULL);
	}
}

/* tiny() on the current era with kernel @k */
static struct pfnlab_machine *tiny_kernel(uint64_t pages, unsigned max_order, unsigned pb_order,
					  enum pfnlab_kernel k)
{
	struct pfnlab_config c;

	test_tiny_config(&c, pages, max_order, pb_order);
	c.kernel = k;
	return test_machine(&c);
}

/*
 * The same machine and page as steal_below_half_keeps_type_check, 6.12
 * (Debian's 6.12.117: __rmqueue_claim(), then __rmqueue_steal()):
 *   |MMMMMMMM|MMMMMM..|   then an unmovable page
 * The claim fails (2 free + 0 alike < 4), so the page is stolen alone from
 * the smallest fallback block, and its buddy stays on the MOVABLE list:
 * a free page lies on its pageblock's type's list (v6.10).  Expect page
 * 14, the pageblock MOVABLE, 15 on the MOVABLE order-0 list, an extfrag
 * event that claimed nothing.
 */
TEST(steal_single_page_612_check)
{
	struct pfnlab_machine *m = tiny_kernel(16, 3, 3, PFNLAB_KERNEL_6_12);

	alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 3);
	for (int i = 0; i < 6; i++)
		alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0);
	CHECK_EQ(alloc_ok(m, PFNLAB_GFP_KERNEL, 0), 14);
	CHECK_EQ(pb_type(m, 8), PFNLAB_MT_MOVABLE);
	CHECK_EQ(m->vm[VM_EXTFRAG], 1);
	CHECK_EQ(m->vm[VM_EXTFRAG_CLAIMED], 0);
	CHECK_STR(list_str(m, 0, PFNLAB_MT_UNMOVABLE), "");
	CHECK_STR(list_str(m, 0, PFNLAB_MT_MOVABLE), "15");
	pfnlab_machine_destroy(m);
}

/*
 * 16 pages, max order 3, pageblocks of 8, on 6.1 and 6.12:
 *   |UUUU....|UUUUUUU.|   then movable pages
 * (both pageblocks UNMOVABLE, their free blocks 4-7 and 15 on its lists).
 * The largest fallback block, order 2 at 4, may be claimed (order 2 >=
 * pageblock order / 2): 4 free + 0 movable pages reach half the block, so
 * the pageblock turns MOVABLE with its free pages and the pages are 4, 5,
 * 6, 7.  Then only 15 is left, below pageblock order / 2: no claim, the
 * page stolen alone, its pageblock still UNMOVABLE.  Both kernels agree.
 */
TEST(claim_then_steal_612_check)
{
	for (int k = 0; k < 2; k++) {
		struct pfnlab_machine *m = tiny_kernel(16, 3, 3, k ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1);

		test_variant = k ? "6.12" : "6.1";
		for (int i = 0; i < 4; i++)
			alloc_ok(m, PFNLAB_GFP_KERNEL, 0);
		alloc_ok(m, PFNLAB_GFP_KERNEL, 2);
		for (int i = 0; i < 7; i++)
			alloc_ok(m, PFNLAB_GFP_KERNEL, 0);
		CHECK_EQ(pb_type(m, 0), PFNLAB_MT_UNMOVABLE);
		CHECK_EQ(pb_type(m, 8), PFNLAB_MT_UNMOVABLE);
		CHECK_EQ(pfnlab_free_pages(m, 4, 2), 0);
		test_check_state(m);
		CHECK_STR(list_str(m, 2, PFNLAB_MT_UNMOVABLE), "4");
		CHECK_STR(list_str(m, 0, PFNLAB_MT_UNMOVABLE), "15");
		CHECK_EQ(alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0), 4);
		CHECK_EQ(pb_type(m, 0), PFNLAB_MT_MOVABLE);
		CHECK_EQ(m->vm[VM_EXTFRAG_CLAIMED], 3); /* the unmovable pages claimed both pageblocks first */
		for (uint64_t p = 5; p < 8; p++)
			CHECK_EQ(alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0), p);
		CHECK_EQ(alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0), 15);
		CHECK_EQ(pb_type(m, 8), PFNLAB_MT_UNMOVABLE);
		CHECK_EQ(m->vm[VM_EXTFRAG], 4);
		CHECK_EQ(m->vm[VM_EXTFRAG_CLAIMED], 3);
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

/*
 * 32 pages, max order 4, pageblocks of 4, on 6.1 and 6.12:
 *   |M...|....|........|...   page 0 allocated, pageblock 1 (PFN 4-7)
 * retyped UNMOVABLE with its free pages (as a claim does, move_freepages_block()
 * and the type), then page 0 freed.  It merges up to order 4 across
 * pageblock 1 (both types mergeable).  6.12's __free_one_page() gives the
 * merged buddy's pageblock the freed page's type (change_pageblock_range());
 * v6.1 leaves it UNMOVABLE inside a MOVABLE free block.  Expect the order-4
 * block at 0 on the MOVABLE list on both, and pageblock 1 MOVABLE on 6.12.
 */
TEST(merge_retypes_buddy_612_check)
{
	for (int k = 0; k < 2; k++) {
		struct pfnlab_machine *m = tiny_kernel(32, 4, 2, k ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1);

		test_variant = k ? "6.12" : "6.1";
		CHECK_EQ(alloc_ok(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0), 0);
		move_freepages_block(m, &m->zones[0], 4, PFNLAB_MT_UNMOVABLE, NULL);
		set_pageblock_migratetype(m, 4, PFNLAB_MT_UNMOVABLE);
		test_check_state(m);
		CHECK_STR(list_str(m, 2, PFNLAB_MT_UNMOVABLE), "4");
		CHECK_EQ(pfnlab_free_pages(m, 0, 0), 0);
		test_check_state(m);
		CHECK_STR(list_str(m, 4, PFNLAB_MT_MOVABLE), "0 16");
		CHECK_EQ(pb_type(m, 4), k ? PFNLAB_MT_MOVABLE : PFNLAB_MT_UNMOVABLE);
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

RUN_TESTS(boot_list_order_check, split_check, merge_check, steal_whole_block_check,
	  steal_half_block_claims_check, steal_below_half_keeps_type_check, cma_era_rule_check,
	  cma_not_for_unmovable_check, bad_free_check, order_limits_check, pcp_cma_rides_movable_check,
	  no_merge_across_isolation_check, x86_64_layout_check, bad_config_check, steal_single_page_612_check,
	  claim_then_steal_612_check, merge_retypes_buddy_612_check)
