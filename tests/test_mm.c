/*
 * test_mm.c - address spaces, reverse maps, references and migration, with
 * the whole-state checker after every operation.
 *
 * Picture legend: one character per page frame of a small machine.
 *   .  free   a/b  page of space a/b   A  THP of space a   P  pinned page
 */
#include <errno.h>

#include "model.h"
#include "test.h"

#define PAGE 4096ull

static struct pfnlab_machine *small(uint64_t pages, bool backed, uint64_t cma_pages)
{
	struct pfnlab_config c;

	test_tiny_config(&c, pages, 4, 3);
	c.backed = backed;
	if (cma_pages)
		test_cma_area(&c, pages - cma_pages, cma_pages, NULL);
	return test_machine(&c);
}

static unsigned space(struct pfnlab_machine *m, const char *name, uint64_t addr, uint64_t pages,
		      unsigned flags)
{
	unsigned id = 0;

	CHECK_EQ(pfnlab_mm_create(m, name, &id), 0);
	CHECK_EQ(pfnlab_mm_map(m, id, addr, pages * PAGE, flags), 0);
	test_check_state(m);
	return id;
}

/*
 *   |aaaa....|........|   four pages of space a at 0x10000
 * Expect each page's rmap to name space a and its virtual address, and the
 * page table to give the PFN back.
 */
TEST(fault_and_rmap_check)
{
	struct pfnlab_machine *m = small(16, false, 0);
	unsigned a = space(m, "a", 0x10000, 4, 0);
	uint64_t faulted = 0;

	CHECK_EQ(pfnlab_mm_touch(m, a, 0x10000, 4 * PAGE, &faulted), 0);
	CHECK_EQ(faulted, 4);
	test_check_state(m);
	for (uint64_t i = 0; i < 4; i++) {
		uint64_t pfn = 0;
		struct pfnlab_page_info pi;

		CHECK_EQ(pfnlab_mm_lookup(m, a, 0x10000 + i * PAGE, &pfn), 0);
		CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
		CHECK_EQ(pi.state, PFNLAB_PAGE_ANON);
		CHECK_EQ(pi.owner, a);
		CHECK_EQ(pi.vaddr, 0x10000 + i * PAGE);
		CHECK_EQ(pi.refcount, 1);
		CHECK_EQ(pi.mapcount, 1);
	}
	CHECK_EQ(pfnlab_mm_unmap(m, a, 0x10000, 4 * PAGE), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), 16);
	pfnlab_machine_destroy(m);
}

/*
 *   |AAAAAAAA|........|   a THP mapping of 8 pages (pageblock order 3 = THP order)
 * Expect one order-3 folio; with no free huge block, order-0 pages instead.
 */
TEST(thp_fault_and_fallback_check)
{
	struct pfnlab_machine *m = small(16, false, 0);
	unsigned a = space(m, "a", 0, 8, PFNLAB_MAP_THP), b;
	uint64_t pfn = 0, hold;
	struct pfnlab_page_info pi;

	CHECK_EQ(pfnlab_mm_touch(m, a, 3 * PAGE, PAGE, NULL), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_lookup(m, a, 5 * PAGE, &pfn), 0);
	CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
	CHECK_EQ(pi.order, 3);
	CHECK_EQ(pi.vaddr, 5 * PAGE);
	/* take one page of the other huge block, then a THP fault must fall back */
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &hold), 0);
	b = space(m, "b", 0, 8, PFNLAB_MAP_THP);
	CHECK_EQ(pfnlab_mm_touch(m, b, 0, PAGE, NULL), 0);
	CHECK_EQ(pfnlab_mm_lookup(m, b, 0, &pfn), 0);
	CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
	CHECK_EQ(pi.order, 0);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* Expect bad requests to fail cleanly, with the checker passing after each. */
TEST(bad_requests_check)
{
	struct pfnlab_machine *m = small(16, false, 0);
	unsigned a = space(m, "a", 0x10000, 4, 0);
	uint64_t pfn;

	CHECK_EQ(pfnlab_mm_touch(m, a, 0x20000, PAGE, NULL), -EFAULT);
	CHECK_EQ(pfnlab_mm_touch(m, a, 0x10000, 8 * PAGE, NULL), -EFAULT);
	CHECK_EQ(pfnlab_mm_map(m, a, 0x12000, 4 * PAGE, 0), -EEXIST);
	CHECK_EQ(pfnlab_mm_map(m, a, 0x30001, 4 * PAGE, 0), -EINVAL);
	CHECK_EQ(pfnlab_mm_map(m, a, 0x30000, 0, 0), -EINVAL);
	CHECK_EQ(pfnlab_mm_unmap(m, a, 0x11000, PAGE), -EINVAL);
	CHECK_EQ(pfnlab_mm_touch(m, 99, 0x10000, PAGE, NULL), -ENOENT);
	CHECK_EQ(pfnlab_mm_lookup(m, a, 0x10000, &pfn), -ENOENT);
	CHECK_EQ(pfnlab_mm_read(m, a, 0x10000, &pfn, 8), -EPERM); /* metadata-only */
	test_check_state(m);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), 16);
	pfnlab_machine_destroy(m);
}

/*
 *   |aaPa....|   page 2 pinned (FOLL_PIN)
 * Expect destroy to be refused while it is pinned; unmapping leaves the
 * pinned page allocated with no owner; unpinning frees it.
 */
TEST(pinned_page_outlives_mapping_check)
{
	struct pfnlab_machine *m = small(16, false, 0);
	unsigned a = space(m, "a", 0, 4, 0);
	uint64_t pfn = 0;
	struct pfnlab_page_info pi;

	CHECK_EQ(pfnlab_gup(m, a, 2 * PAGE, 1, PFNLAB_FOLL_PIN | PFNLAB_FOLL_WRITE, &pfn), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
	CHECK_EQ(pi.refcount, 1 + 1024);
	CHECK_EQ(pi.pincount, 1);
	CHECK_EQ(pfnlab_mm_destroy(m, a), -EBUSY);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_unmap(m, a, 0, 4 * PAGE), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
	CHECK_EQ(pi.state, PFNLAB_PAGE_ANON);
	CHECK_EQ(pi.owner, 0);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), 15);
	CHECK_EQ(pfnlab_put_pages(m, &pfn, 1, PFNLAB_FOLL_GET), -EINVAL); /* it holds no FOLL_GET */
	CHECK_EQ(pfnlab_put_pages(m, &pfn, 1, PFNLAB_FOLL_PIN), 0);
	CHECK_EQ(pfnlab_put_pages(m, &pfn, 1, PFNLAB_FOLL_PIN), -EINVAL);
	test_check_state(m);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), 16);
	CHECK_EQ(pfnlab_mm_destroy(m, a), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_foll_pin_acquired"), 1);
	CHECK_EQ(pfnlab_vmstat(m, "nr_foll_pin_released"), 1);
	pfnlab_machine_destroy(m);
}

/*
 *   |ab......|   page a holds an extra FOLL_GET reference, b none
 * Expect b to move and a to fail after 10 passes; once the reference is a
 * transient one that expires, a moves too.
 */
TEST(migrate_refs_check)
{
	struct pfnlab_machine *m = small(16, true, 0);
	unsigned a = space(m, "a", 0, 1, 0), b = space(m, "b", 0, 1, 0);
	struct pfnlab_migrate_target t = {PFNLAB_GFP_USER | PFNLAB___GFP_MOVABLE, 0};
	struct pfnlab_migrate_result r;
	uint64_t pa, pb, pfns[2], after;
	char buf[8];

	CHECK_EQ(pfnlab_mm_write(m, a, 0, "alpha", 6), 0);
	CHECK_EQ(pfnlab_mm_write(m, b, 0, "bravo", 6), 0);
	CHECK_EQ(pfnlab_gup(m, a, 0, 1, PFNLAB_FOLL_GET, &pa), 0);
	CHECK_EQ(pfnlab_mm_lookup(m, b, 0, &pb), 0);
	pfns[0] = pa;
	pfns[1] = pb;
	CHECK_EQ(pfnlab_migrate_pages(m, pfns, 2, &t, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_COMPACTION, &r), 1);
	test_check_state(m);
	CHECK_EQ(r.nr_succeeded, 1);
	CHECK_EQ(r.nr_failed, 1);
	CHECK_EQ(pfnlab_mm_lookup(m, b, 0, &after), 0);
	CHECK(after != pb);
	CHECK_EQ(pfnlab_mm_read(m, b, 0, buf, 6), 0);
	CHECK_STR(buf, "bravo");
	/* swap the FOLL_GET for a transient reference of 5 us */
	CHECK_EQ(pfnlab_page_ref_transient(m, pa, 5000), 0);
	CHECK_EQ(pfnlab_put_pages(m, &pa, 1, PFNLAB_FOLL_GET), 0);
	CHECK_EQ(pfnlab_migrate_pages(m, &pa, 1, &t, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_COMPACTION, &r), 1);
	pfnlab_advance(m, 5000);
	test_check_state(m);
	CHECK_EQ(pfnlab_migrate_pages(m, &pa, 1, &t, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_COMPACTION, &r), 0);
	CHECK_EQ(pfnlab_mm_read(m, a, 0, buf, 6), 0);
	CHECK_STR(buf, "alpha");
	CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_success"), 2);
	CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_fail"), 2);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 *   |AAAAAAAA|........|   a THP, moved whole to the free huge block; then
 *   |........|AAAAAAAA| with no huge block left it is split and moved page by page.
 */
TEST(migrate_thp_check)
{
	struct pfnlab_machine *m = small(32, true, 0);
	unsigned a = space(m, "a", 0, 8, PFNLAB_MAP_THP);
	struct pfnlab_migrate_target t = {PFNLAB_GFP_USER | PFNLAB___GFP_MOVABLE | PFNLAB___GFP_RETRY_MAYFAIL, 0};
	struct pfnlab_migrate_result r;
	uint64_t p0, p1, hold[32], nhold = 0;
	char pat[8 * 4096], back[8 * 4096];

	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (char)(i * 7 + 3);
	CHECK_EQ(pfnlab_mm_write(m, a, 0, pat, sizeof(pat)), 0);
	CHECK_EQ(pfnlab_mm_lookup(m, a, 0, &p0), 0);
	CHECK_EQ(pfnlab_migrate_pages(m, &p0, 1, &t, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_COMPACTION, &r), 0);
	CHECK_EQ(r.nr_thp_succeeded, 1);
	CHECK_EQ(r.nr_succeeded, 8);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_lookup(m, a, 0, &p1), 0);
	CHECK(p1 != p0);
	/* leave one page of every free huge block allocated: no order-3 block is free (fail, do not OOM-kill) */
	while (nhold < 32 && pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL | PFNLAB___GFP_RETRY_MAYFAIL, 0, &hold[nhold]) == 0)
		nhold++;
	CHECK_EQ(nhold, 24);
	for (uint64_t i = 0; i < nhold; i++)
		if (hold[i] % 8 != 7)
			CHECK_EQ(pfnlab_free_pages(m, hold[i], 0), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_migrate_pages(m, &p1, 1, &t, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_COMPACTION, &r), 0);
	CHECK_EQ(r.nr_thp_split, 1);
	CHECK_EQ(r.nr_succeeded, 8);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_read(m, a, 0, back, sizeof(back)), 0);
	CHECK(memcmp(pat, back, sizeof(pat)) == 0);
	pfnlab_machine_destroy(m);
}

/*
 *   |aaaaaaaa|aaaaaaaa|   memory full: no target can be had
 * Expect -ENOMEM (the targets may fail: __GFP_RETRY_MAYFAIL, no OOM kill)
 * and every page still in place.
 */
TEST(migrate_enomem_check)
{
	struct pfnlab_machine *m = small(16, false, 0);
	unsigned a = space(m, "a", 0, 16, 0);
	struct pfnlab_migrate_target t = {PFNLAB_GFP_USER | PFNLAB___GFP_MOVABLE | PFNLAB___GFP_RETRY_MAYFAIL, 0};
	uint64_t pfn;

	CHECK_EQ(pfnlab_mm_touch(m, a, 0, 16 * PAGE, NULL), 0);
	CHECK_EQ(pfnlab_mm_lookup(m, a, 0, &pfn), 0);
	CHECK_EQ(pfnlab_migrate_pages(m, &pfn, 1, &t, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_COMPACTION, NULL), -ENOMEM);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_touch(m, a, 0, 16 * PAGE, NULL), 0);
	pfnlab_machine_destroy(m);
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The byte every guest page offset holds: guest, page and offset mixed. */
static uint8_t pattern(unsigned g, uint64_t page, size_t off)
{
	return (uint8_t)(g * 131 + page * 7 + off * 13 + (off >> 8));
}

/*
 * Four guests of 512 pages each (half THP-backed) on a 4096-page machine
 * with a CMA area; 40,000 migrations of random pages to random targets
 * (any, not CMA, pin scope), with FOLL_GET pins and transient references
 * coming and going.  Expect every byte of every guest intact at the end,
 * and the checker to pass every 1000 operations.
 */
TEST(backed_migration_stress_check)
{
	struct pfnlab_machine *m = small(4096, true, 512);
	unsigned g[4];
	uint64_t seed = 42, moved = 0;
	uint8_t page[4096];

	for (unsigned i = 0; i < 4; i++) {
		char name[8];

		snprintf(name, sizeof(name), "vm%u", i);
		g[i] = space(m, name, 1ull << 30, 512, (i & 1) ? PFNLAB_MAP_THP : 0);
		for (uint64_t p = 0; p < 512; p++) {
			for (size_t o = 0; o < sizeof(page); o++)
				page[o] = pattern(i, p, o);
			CHECK_EQ(pfnlab_mm_write(m, g[i], (1ull << 30) + p * PAGE, page, sizeof(page)), 0);
		}
	}
	test_check_state(m);
	for (int op = 0; op < 40000; op++) {
		uint64_t r = rng(&seed), pfn;
		unsigned i = (unsigned)(r % 4);
		uint64_t p = (r >> 8) % 512;
		struct pfnlab_migrate_target t = {PFNLAB_GFP_USER | PFNLAB___GFP_MOVABLE, 0};

		if (pfnlab_mm_lookup(m, g[i], (1ull << 30) + p * PAGE, &pfn)) {
			T_FAIL("guest page %u/%" PRIu64 " lost", i, p);
			break;
		}
		switch ((r >> 20) % 8) {
		case 0:
			pfnlab_page_ref_transient(m, pfn, (r >> 32) % 50000);
			break;
		case 1:
			pfnlab_advance(m, 10000);
			break;
		default:
			t.flags = (unsigned)((r >> 24) % 3);
			if (pfnlab_migrate_pages(m, &pfn, 1, &t, PFNLAB_MIGRATE_SYNC,
						 (enum pfnlab_migrate_reason)((r >> 28) % PFNLAB_MR_TYPES), NULL) == 0)
				moved++;
		}
		if (op % 1000 == 0)
			test_check_state(m);
	}
	pfnlab_advance(m, 1000000);
	test_check_state(m);
	CHECK(moved > 20000);
	for (unsigned i = 0; i < 4; i++)
		for (uint64_t p = 0; p < 512; p++) {
			CHECK_EQ(pfnlab_mm_read(m, g[i], (1ull << 30) + p * PAGE, page, sizeof(page)), 0);
			for (size_t o = 0; o < sizeof(page); o++)
				if (page[o] != pattern(i, p, o)) {
					T_FAIL("guest %u page %" PRIu64 " byte %zu: %u, expected %u", i, p, o, page[o],
					       pattern(i, p, o));
					p = 512;
					break;
				}
		}
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(pfnlab_mm_destroy(m, g[i]), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), 4096);
	pfnlab_machine_destroy(m);
}

/* Expect migration with the pin target never to land in CMA. */
TEST(migrate_pin_target_avoids_cma_check)
{
	struct pfnlab_machine *m = small(64, false, 16);
	unsigned a = space(m, "a", 0, 40, 0);
	struct pfnlab_migrate_target t = {PFNLAB_GFP_USER | PFNLAB___GFP_MOVABLE, PFNLAB_TARGET_PIN};
	uint64_t n_in_cma = 0;

	m->cfg.cma_rule = PFNLAB_CMA_5_7;
	CHECK_EQ(pfnlab_mm_touch(m, a, 0, 40 * PAGE, NULL), 0);
	for (uint64_t p = 0; p < 40; p++) {
		uint64_t pfn;

		pfnlab_mm_lookup(m, a, p * PAGE, &pfn);
		if (pfnlab_pageblock_type(m, pfn) == PFNLAB_MT_CMA) {
			n_in_cma++;
			CHECK_EQ(pfnlab_migrate_pages(m, &pfn, 1, &t, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_LONGTERM_PIN, NULL), 0);
			pfnlab_mm_lookup(m, a, p * PAGE, &pfn);
			CHECK(pfnlab_pageblock_type(m, pfn) != PFNLAB_MT_CMA);
		}
	}
	CHECK(n_in_cma > 0);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

RUN_TESTS(fault_and_rmap_check, thp_fault_and_fallback_check, bad_requests_check,
	  pinned_page_outlives_mapping_check, migrate_refs_check, migrate_thp_check,
	  migrate_enomem_check, backed_migration_stress_check, migrate_pin_target_avoids_cma_check)
