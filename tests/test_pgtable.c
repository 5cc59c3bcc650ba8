/*
 * test_pgtable.c - the address spaces' PTE tables in the model's memory
 * (pgtable.c): taken by the fault that first needs one, before the page,
 * unmovable and outside CMA, one per span of address shared by the
 * mappings that reach it, freed when no mapping reaches the span any
 * more; on ppc64 16 tables to a 64 KiB page from the space's fragment
 * cache.  The whole-state checker runs after every operation.
 */
#include <errno.h>
#include <string.h>

#include "model.h"
#include "test.h"

#define PAGE 4096ull
#define SPAN (512 * PAGE) /* a PTE table's span on x86_64: 2 MiB */

/* 8 MiB of 4 KiB pages, 2 MiB pageblocks, PTE tables on; a CMA area of @cma_pages at the top */
static struct pfnlab_machine *x86(uint64_t cma_pages)
{
	struct pfnlab_config c;

	test_tiny_config(&c, 2048, 9, 9);
	c.pgtables = true;
	if (cma_pages)
		test_cma_area(&c, 2048 - cma_pages, cma_pages, NULL);
	return test_machine(&c);
}

static unsigned space(struct pfnlab_machine *m, const char *name)
{
	unsigned id = 0;

	CHECK_EQ(pfnlab_mm_create(m, name, &id), 0);
	return id;
}

static void map(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t pages)
{
	CHECK_EQ(pfnlab_mm_map(m, id, addr, pages * PAGE, 0), 0);
	test_check_state(m);
}

static void touch(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t pages)
{
	CHECK_EQ(pfnlab_mm_touch(m, id, addr, pages * PAGE, NULL), 0);
	test_check_state(m);
}

static long long tables(const struct pfnlab_machine *m)
{
	return pfnlab_vmstat(m, "nr_page_table_pages");
}

/* The PFN of the one PTE table page of the machine, NIL_PFN if there is none or more. */
static uint64_t table_pfn(const struct pfnlab_machine *m)
{
	uint64_t found = NIL_PFN;

	for (uint64_t p = 0; p < m->nr_pfns; p++)
		if (frame_is_pgtable(&m->frames[p]))
			found = found == NIL_PFN ? p : UINT64_MAX;
	return found == UINT64_MAX ? NIL_PFN : found;
}

/*
 * Space a maps 4 MiB at 2 MiB and writes one page, then all of them.
 * Expect the fault to take the table first (GFP_PGTABLE_USER, printed as
 * the kernel prints it), then the page; the table a kernel page of a's,
 * unmovable, not the user's to free; two tables for two spans, in
 * meminfo's PageTables; all of it back after munmap.
 */
TEST(pgtable_fault_takes_table_first_check)
{
	struct pfnlab_machine *m = x86(0);
	struct test_capture trace = {.len = 0};
	struct pfnlab_sink sink = {test_capture_write, &trace};
	struct test_capture mi = {.len = 0};
	struct pfnlab_sink misink = {test_capture_write, &mi};
	uint64_t free0 = (uint64_t)pfnlab_vmstat(m, "nr_free_pages"), pt;
	unsigned a = space(m, "a");
	const char *t, *d;
	struct pfnlab_page_info pi;

	map(m, a, SPAN, 1024);
	CHECK_EQ(tables(m), 0);
	pfnlab_set_trace(m, &sink);
	touch(m, a, SPAN, 1);
	pfnlab_set_trace(m, NULL);
	t = strstr(trace.text, "gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO");
	d = strstr(trace.text, "gfp_flags=GFP_HIGHUSER_MOVABLE");
	CHECK(t != NULL && d != NULL && t < d);
	CHECK_EQ(tables(m), 1);
	pt = table_pfn(m);
	CHECK(pt != NIL_PFN);
	CHECK_EQ(pfnlab_page_info(m, pt, &pi), 0);
	CHECK_EQ(pi.state, PFNLAB_PAGE_ALLOCATED);
	CHECK_EQ(pi.owner, a);
	CHECK_EQ(pi.mapcount, 0);
	CHECK_EQ(pfnlab_pageblock_type(m, pt), PFNLAB_MT_UNMOVABLE);
	CHECK_EQ(pfnlab_free_pages(m, pt, 0), -EBUSY);
	touch(m, a, SPAN, 1024);
	CHECK_EQ(tables(m), 2);
	CHECK_EQ(pfnlab_print(m, "meminfo", &misink), 0);
	CHECK(strstr(mi.text, "\nPageTables:            8 kB\n") != NULL);
	CHECK_EQ(pfnlab_mm_unmap(m, a, SPAN, 1024 * PAGE), 0);
	test_check_state(m);
	CHECK_EQ(tables(m), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages"), (long long)free0);
	pfnlab_machine_destroy(m);
}

/*
 *   span 0 [0, 2 MiB)          span 1 [2 MiB, 4 MiB)
 *     a1 0x100000 (16 pages)
 *     a2 0x110000 (32 pages)
 *     a3 0x1f0000 (32 pages) ---------> to 0x210000
 * Expect a1 and a2 to share span 0's table and a3 to add span 1's (a3
 * faults only there); munmap of a1 and a2 to keep span 0's table, which
 * a3 still reaches (free_pgtables()' floor and ceiling), and a3's munmap
 * to free both.
 */
TEST(pgtable_shared_span_check)
{
	struct pfnlab_machine *m = x86(0);
	unsigned a = space(m, "a");

	map(m, a, 0x100000, 16);
	map(m, a, 0x110000, 32);
	map(m, a, 0x1f0000, 32);
	touch(m, a, 0x100000, 16);
	CHECK_EQ(tables(m), 1);
	touch(m, a, 0x110000, 32);
	CHECK_EQ(tables(m), 1);
	touch(m, a, 0x200000, 16);
	CHECK_EQ(tables(m), 2);
	CHECK_EQ(pfnlab_mm_unmap(m, a, 0x100000, 16 * PAGE), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_unmap(m, a, 0x110000, 32 * PAGE), 0);
	test_check_state(m);
	CHECK_EQ(tables(m), 2);
	touch(m, a, 0x1f0000, 16); /* span 0 again: the table handed to a3, not a new one */
	CHECK_EQ(tables(m), 2);
	CHECK_EQ(pfnlab_mm_unmap(m, a, 0x1f0000, 32 * PAGE), 0);
	test_check_state(m);
	CHECK_EQ(tables(m), 0);
	pfnlab_machine_destroy(m);
}

/*
 * Every page outside CMA taken by the kernel: a fault finds room for its
 * page in CMA but none for its table (GFP_KERNEL cannot use CMA).  Expect
 * -ENOMEM, nothing taken and the faulting task killed by the OOM killer
 * (it is the only one); with one page given back, a new space's table
 * there.
 */
TEST(pgtable_needs_memory_outside_cma_check)
{
	struct pfnlab_machine *m = x86(1024);
	uint64_t taken[2048];
	size_t n = test_take_outside_cma(m, taken, 2048);
	long long free_cma = pfnlab_vmstat(m, "nr_free_cma");
	unsigned a = space(m, "a");

	CHECK(n > 0);
	map(m, a, SPAN, 16);
	CHECK_EQ(pfnlab_mm_touch(m, a, SPAN, PAGE, NULL), -ENOMEM);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_rss(m, a, NULL, NULL, NULL), -ENOENT); /* the OOM killer's victim: the only task */
	CHECK_EQ(tables(m), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_cma"), free_cma);
	CHECK_EQ(pfnlab_free_pages(m, taken[n - 1], 0), 0);
	a = space(m, "b");
	map(m, a, SPAN, 16);
	touch(m, a, SPAN, 1);
	CHECK_EQ(tables(m), 1);
	CHECK_EQ(table_pfn(m), taken[n - 1]);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_cma"), free_cma - 1);
	pfnlab_machine_destroy(m);
}

/*
 * A table in a range alloc_contig_range() must empty: it cannot move, so
 * isolating its pageblock fails (has_unmovable_pages()).  Expect -EBUSY
 * and the table where it was.
 */
TEST(pgtable_blocks_contig_range_check)
{
	struct pfnlab_machine *m = x86(0);
	unsigned a = space(m, "vm1");
	uint64_t pt;

	map(m, a, SPAN, 4);
	touch(m, a, SPAN, 4);
	pt = table_pfn(m);
	CHECK(pt != NIL_PFN);
	CHECK_EQ(pfnlab_alloc_contig_range(m, pt & ~511ull, (pt & ~511ull) + 512, PFNLAB_MT_MOVABLE), -EBUSY);
	test_check_state(m);
	CHECK_EQ(table_pfn(m), pt);
	pfnlab_machine_destroy(m);
}

/*
 * ppc64, 64 KiB pages: a PTE table maps 16 MiB and is a 4 KiB fragment,
 * 16 to a page.  Space a writes one page in each of 17 spans, b one page.
 * Expect a's 17 tables on 2 pages and b's on a page of its own; a page
 * that still holds tables (or still offers some from the fragment cache)
 * stays; every page back when the spaces go.
 */
TEST(pgtable_ppc64_fragments_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	uint64_t span = 16ull << 20, free0;
	unsigned a, b;

	pfnlab_config_preset(&c, "ppc64", 1ull << 30);
	m = test_machine(&c);
	if (!m)
		return;
	free0 = (uint64_t)pfnlab_vmstat(m, "nr_free_pages") + pfnlab_zone_pcp_pages(m, PFNLAB_ZONE_DMA);
	a = space(m, "a");
	b = space(m, "b");
	CHECK_EQ(pfnlab_mm_map(m, a, 16 * span, 17 * span, 0), 0);
	for (uint64_t i = 0; i < 17; i++)
		CHECK_EQ(pfnlab_mm_touch(m, a, (16 + i) * span, 65536, NULL), 0);
	test_check_state(m);
	CHECK_EQ(tables(m), 2);
	CHECK_EQ(pfnlab_mm_map(m, b, 16 * span, span, 0), 0);
	CHECK_EQ(pfnlab_mm_touch(m, b, 16 * span, 65536, NULL), 0);
	test_check_state(m);
	CHECK_EQ(tables(m), 3);
	/* a's first 16 tables fill its first page: gone with them; its second page is its cache */
	CHECK_EQ(pfnlab_mm_unmap(m, a, 16 * span, 17 * span), 0);
	test_check_state(m);
	CHECK_EQ(tables(m), 2);
	CHECK_EQ(pfnlab_mm_destroy(m, a), 0);
	test_check_state(m);
	CHECK_EQ(tables(m), 1);
	CHECK_EQ(pfnlab_mm_destroy(m, b), 0);
	test_check_state(m);
	CHECK_EQ(tables(m), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages") + pfnlab_zone_pcp_pages(m, PFNLAB_ZONE_DMA), (long long)free0);
	pfnlab_machine_destroy(m);
}

RUN_TESTS(pgtable_fault_takes_table_first_check, pgtable_shared_span_check, pgtable_needs_memory_outside_cma_check,
	  pgtable_blocks_contig_range_check, pgtable_ppc64_fragments_check)
