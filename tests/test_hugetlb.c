/*
 * test_hugetlb.c - the hugetlb pool: growth and shrinking, boot pages and
 * their messages, hugetlb_cma and gigantic pages, hugetlbfs reservations
 * and faults, what alloc_contig_range() does with hugetlb pages (dissolve,
 * migrate, give up), long-term pins of hugetlb pages under each policy;
 * the whole-state checker after every operation.
 *
 * Picture legend: one character per 16-page huge page ("2 MiB" here) of a
 * tiny machine of 1024 pages, pageblocks of 16 pages, largest buddy block
 * 32 pages, gigantic pages of 128 pages, a CMA area at the top.
 *   K  kernel pages  h  free pool page  H  pool page in use (mapped)
 *   *  the page of interest  .  free
 */
#include <errno.h>

#include "model.h"
#include "test.h"

#define PAGE 4096ull
#define HUGE (16 * PAGE)

/* 1024 pages, orders to 5, 16-page pageblocks (huge pages), gigantic order 7; CMA [768, 1024) if @cma. */
static void tiny(struct pfnlab_config *c, bool cma, enum pfnlab_kernel kernel)
{
	test_tiny_config(c, 1024, 5, 4);
	c->gigantic_order = 7;
	c->kernel = kernel;
	if (cma)
		test_cma_area(c, 768, 256, "test");
}

static struct pfnlab_machine *tiny_machine(bool cma, enum pfnlab_kernel kernel)
{
	struct pfnlab_config c;

	tiny(&c, cma, kernel);
	return test_machine(&c);
}

static struct pfnlab_hugetlb_info pool(const struct pfnlab_machine *m, uint64_t page_bytes)
{
	struct pfnlab_hugetlb_info hi = {0};
	int idx = pfnlab_hugetlb_find(m, page_bytes);

	CHECK(idx >= 0);
	if (idx >= 0)
		CHECK_EQ(pfnlab_hugetlb_info(m, (unsigned)idx, &hi), 0);
	return hi;
}

static unsigned hidx(const struct pfnlab_machine *m, uint64_t page_bytes)
{
	int idx = pfnlab_hugetlb_find(m, page_bytes);

	CHECK(idx >= 0);
	return idx < 0 ? 0 : (unsigned)idx;
}

/* Take every free page outside [768, 1024) as a kernel page; their PFNs in @out. */
static size_t fill_outside(struct pfnlab_machine *m, uint64_t *out, size_t cap)
{
	size_t n = 0;
	uint64_t pfn;

	while (n < cap && pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &pfn) == 0)
		out[n++] = pfn;
	return n;
}

static void free_pages(struct pfnlab_machine *m, const uint64_t *pfns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(pfnlab_free_pages(m, pfns[i], 0), 0);
	test_check_state(m);
}

/* How many hugetlb pages of the pool sit in [lo, hi), and how many of them are in use. */
static unsigned hugetlb_in(const struct pfnlab_machine *m, uint64_t lo, uint64_t hi, unsigned *used)
{
	struct pfnlab_page_info pi;
	unsigned n = 0;

	if (used)
		*used = 0;
	for (uint64_t p = lo; p < hi; p++) {
		CHECK_EQ(pfnlab_page_info(m, p, &pi), 0);
		if (pi.state != PFNLAB_PAGE_HUGETLB || pi.head != p)
			continue;
		n++;
		if (used && pi.refcount)
			(*used)++;
	}
	return n;
}

/* The first hugetlb page in [lo, hi), NIL_PFN if none. */
static uint64_t first_hugetlb(const struct pfnlab_machine *m, uint64_t lo, uint64_t hi)
{
	for (uint64_t p = lo; p < hi; p++)
		if (hugetlb_in(m, p, p + 1, NULL))
			return p;
	return NIL_PFN;
}

static uint64_t pfn_at(struct pfnlab_machine *m, unsigned mm, uint64_t addr)
{
	uint64_t pfn = NIL_PFN;

	CHECK_EQ(pfnlab_mm_lookup(m, mm, addr, &pfn), 0);
	return pfn;
}

/*
 * A one-huge-page hugetlbfs file "guest" mapped shared at 0x400000 by a
 * new space "qemu" (@f, @q receive them) and touched; returns the page's PFN.
 */
static uint64_t map_guest(struct pfnlab_machine *m, unsigned *f, unsigned *q)
{
	CHECK_EQ(pfnlab_hugetlbfs_create(m, "guest", HUGE, HUGE, f), 0);
	CHECK_EQ(pfnlab_mm_create(m, "qemu", q), 0);
	CHECK_EQ(pfnlab_mm_map_file(m, *q, 0x400000, HUGE, *f, 0, PFNLAB_MAP_SHARED), 0);
	CHECK_EQ(pfnlab_mm_touch(m, *q, 0x400000, HUGE, NULL), 0);
	return pfn_at(m, *q, 0x400000);
}

/* The pool page a one-huge-page mapping's fault takes on a fresh machine after @writes. */
static uint64_t first_fault_after(enum pfnlab_kernel kernel, const unsigned *writes, size_t n)
{
	struct pfnlab_machine *m = tiny_machine(false, kernel);
	uint64_t pfn = NIL_PFN;
	unsigned f = 0, q = 0;

	if (!m)
		return NIL_PFN;
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), writes[i]), 0);
	pfn = map_guest(m, &f, &q);
	test_check_state(m);
	pfnlab_machine_destroy(m);
	return pfn;
}

/*
 * Three pool pages p1, p2, p3 got in that order (learned from three
 * writes of one page each, which both kernels enqueue as they come), then
 * the same three in one write of 3 on a fresh machine.  Expect a fault to
 * take the page at the head of the free list: after one-page writes p3 on
 * both; after the write of 3, 6.1's p3 (each page freed into the pool as
 * it comes, LIFO) and 6.12's p1 (prep_and_add_allocated_folios() after the
 * loop leaves them in the order got) -- the order the oracle's
 * pin-hugetlb experiment sees in which of B's pages are in CMA.
 */
TEST(pool_growth_order_check)
{
	static const unsigned one_by_one[] = {1, 2, 3}, at_once[] = {3};
	uint64_t p[3];

	for (int k = 0; k < 2; k++) {
		enum pfnlab_kernel kernel = k ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1;

		for (size_t i = 0; i < 3; i++) /* p[i]: the page write i + 1 added */
			p[i] = first_fault_after(kernel, one_by_one, i + 1);
		CHECK(p[0] != p[1] && p[1] != p[2] && p[0] != p[2]);
		CHECK_EQ(first_fault_after(kernel, at_once, 1), k ? p[0] : p[2]);
	}
}

/*
 *   0                                                       1024
 *   |hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh...|  nr_hugepages = 100
 * Expect the pool to grow one page per buddy allocation of the huge order
 * (htlb_buddy_alloc_success per page) until the first failure, which ends
 * the write (one htlb_buddy_alloc_fail, the write still succeeds): every
 * free pageblock (min_free_kbytes is 0 here), the CMA area included;
 * /proc/meminfo to show the pool; shrinking to 10 to free pages back to
 * the buddy allocator, the most recently added first.
 */
TEST(pool_grows_until_first_failure_check)
{
	struct pfnlab_machine *m = tiny_machine(true, PFNLAB_KERNEL_6_1);
	struct pfnlab_hugetlb_info hi;
	char *mi, line[64];
	long free0;

	if (!m)
		return;
	free0 = pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA);
	CHECK_EQ(pfnlab_hugetlb_count(m), 2);
	hi = pool(m, 0);
	CHECK_EQ(hi.page_bytes, HUGE);
	CHECK(hi.is_default && !hi.gigantic);
	CHECK(pool(m, 128 * PAGE).gigantic);
	CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 100), 0);
	test_check_state(m);
	hi = pool(m, HUGE);
	CHECK_EQ(hi.nr * 16, (uint64_t)free0);
	CHECK_EQ(hi.free, hi.nr);
	CHECK_EQ(pfnlab_vmstat(m, "htlb_buddy_alloc_success"), (long long)hi.nr);
	CHECK_EQ(pfnlab_vmstat(m, "htlb_buddy_alloc_fail"), 1);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), free0 - (long)(hi.nr * 16));
	CHECK(hugetlb_in(m, 768, 1024, NULL) > 0);                /* movable: the pool borrows CMA */
	mi = test_view(m, "meminfo");
	snprintf(line, sizeof(line), "HugePages_Total:   %5llu\n", (unsigned long long)hi.nr);
	CHECK(strstr(mi, line) != NULL);
	snprintf(line, sizeof(line), "Hugetlb:        %8llu kB\n", (unsigned long long)hi.nr * 64);
	CHECK(strstr(mi, line) != NULL);
	CHECK(strstr(mi, "Hugepagesize:         64 kB\n") != NULL);
	free(mi);
	CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 10), 0);
	test_check_state(m);
	hi = pool(m, HUGE);
	CHECK_EQ(hi.nr, 10);
	CHECK_EQ(hi.free, 10);
	CHECK_EQ(pfnlab_vmstat(m, "htlb_buddy_alloc_fail"), 1);
	CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 0), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), free0);
	CHECK_EQ(pfnlab_hugetlb_set_pages(m, 2, 1), -EINVAL);
	CHECK_EQ(pfnlab_hugetlb_set_overcommit(m, hidx(m, 128 * PAGE), 1), -EINVAL);
	pfnlab_machine_destroy(m);
}

/*
 * hugepagesz=512K hugepages=9 hugepagesz=64K hugepages=3 on 1024 pages
 *   0        128      256      384      512      640      768      896   1024
 *   |G       |G       |G       |G       |G       |G       |G       |G     |
 * Expect the gigantic pages from memblock, top-down, before the buddy
 * allocator gets anything: 8 fit, the 9th fails; they stay in the zone's
 * managed pages; the 64K pages then find no buddy memory; the kernel's
 * messages byte for byte (v6.1), registered in command-line order.
 */
TEST(boot_pages_and_messages_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	struct test_text t = {0};
	struct pfnlab_sink s = {test_text_write, &t};
	struct pfnlab_page_info pi;

	tiny(&c, false, PFNLAB_KERNEL_6_1);
	c.hugepagesz[0] = 128 * PAGE;
	c.hugepages[0] = 9;
	c.hugepagesz[1] = HUGE;
	c.hugepages[1] = 3;
	m = test_machine(&c);
	if (!m)
		return;
	test_check_state(m);
	CHECK_EQ(pool(m, 128 * PAGE).nr, 8);
	CHECK_EQ(pool(m, HUGE).nr, 0);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), 0);
	CHECK_EQ(pfnlab_page_info(m, 896 + 5, &pi), 0);
	CHECK_EQ(pi.state, PFNLAB_PAGE_HUGETLB);
	CHECK_EQ(pi.head, 896);
	CHECK_EQ(pi.order, 7);
	pfnlab_set_log(m, &s);
	pfnlab_hugetlb_boot_log(m);
	CHECK_STR(t.p, "HugeTLB: allocating 9 of page size 512 KiB failed.  Only allocated 8 hugepages.\n"
		       "HugeTLB: allocating 3 of page size 64.0 KiB failed.  Only allocated 0 hugepages.\n"
		       "HugeTLB: registered 512 KiB page size, pre-allocated 8 pages\n"
		       "HugeTLB: 4 KiB vmemmap can be freed for a 512 KiB page\n"
		       "HugeTLB: registered 64.0 KiB page size, pre-allocated 0 pages\n"
		       "HugeTLB: 0 KiB vmemmap can be freed for a 64.0 KiB page\n");
	free(t.p);
	/* a gigantic page freed goes back to the buddy allocator whole */
	CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, 128 * PAGE), 7), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), 128);
	CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 3), 0);
	test_check_state(m);
	CHECK_EQ(pool(m, HUGE).nr, 3);
	pfnlab_machine_destroy(m);
}

/*
 * x86_64, 4 GiB, hugetlb_cma=1G, hugepagesz=1G hugepages=2
 * Expect the area "hugetlb0" placed like any cma= (bottom-up from 4 GiB),
 * order_per_bit 9, the boot gigantic pages skipped; a gigantic page grown
 * at run time from the area by cma_alloc(); the messages of both sizes.
 * v4.2 has no hugetlb_cma: the configuration is refused.
 */
TEST(hugetlb_cma_boot_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	struct pfnlab_cma_info ci;
	struct test_text t = {0};
	struct pfnlab_sink s = {test_text_write, &t};
	char why[128];
	int a;

	pfnlab_config_preset(&c, "x86_64", 4ull << 30);
	c.hugetlb_cma_bytes = 1ull << 30;
	c.hugepagesz[0] = 1ull << 30;
	c.hugepages[0] = 2;
	m = test_machine(&c);
	if (!m)
		return;
	a = pfnlab_cma_find(m, "hugetlb0");
	CHECK(a >= 0);
	CHECK_EQ(pfnlab_cma_info(m, (unsigned)a, &ci), 0);
	CHECK_EQ(ci.base_pfn, 0x100000);
	CHECK_EQ(ci.count, 0x40000);
	CHECK_EQ(ci.order_per_bit, 9);
	CHECK_EQ(pool(m, 1ull << 30).nr, 0);
	pfnlab_set_log(m, &s);
	pfnlab_hugetlb_boot_log(m);
	CHECK_STR(t.p, "hugetlb_cma: reserve 1024 MiB, up to 1024 MiB per node\n"
		       "cma: Reserved 1024 MiB at 0x0000000100000000\n"
		       "hugetlb_cma: reserved 1024 MiB on node 0\n"
		       "HugeTLB: hugetlb_cma is enabled, skip boot time allocation\n"
		       "HugeTLB: registered 1.00 GiB page size, pre-allocated 0 pages\n"
		       "HugeTLB: 16380 KiB vmemmap can be freed for a 1.00 GiB page\n"
		       "HugeTLB: registered 2.00 MiB page size, pre-allocated 0 pages\n"
		       "HugeTLB: 28 KiB vmemmap can be freed for a 2.00 MiB page\n");
	free(t.p);
	CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, 1ull << 30), 1), 0);
	test_check_state(m);
	CHECK_EQ(pool(m, 1ull << 30).nr, 1);
	CHECK_EQ(pfnlab_cma_info(m, (unsigned)a, &ci), 0);
	CHECK_EQ(ci.used, 0x40000);
	CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, 1ull << 30), 0), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_cma_info(m, (unsigned)a, &ci), 0);
	CHECK_EQ(ci.used, 0);
	pfnlab_machine_destroy(m);
	c.era = PFNLAB_ERA_2015;
	CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "hugetlb_cma") != NULL);
}

/*
 *   hugetlbfs file "guest" of 3 huge pages, a pool of 2
 * Expect mapping all 3 to fail (-ENOMEM: free minus reserved pages fall
 * short, as QEMU's start fails), mapping 2 to reserve them (resv 2),
 * faults to take the reserved pages and map them whole (hugetlb_usage,
 * not RSS), the pages to stay cached after the unmap and go back to the
 * pool (not to the buddy allocator) when the file is closed.  With
 * nr_overcommit_hugepages 1 all 3 map: a surplus page joins the pool for
 * the reservation and leaves it again when the file goes.
 */
TEST(hugetlbfs_reserve_fault_free_check)
{
	struct pfnlab_machine *m = tiny_machine(false, PFNLAB_KERNEL_6_1);
	struct pfnlab_hugetlb_info hi;
	struct pfnlab_page_info pi;
	unsigned f = 0, q = 0;
	uint64_t anon = 9, file = 9, shmem = 9, huge = 0;
	long free1;

	if (!m)
		return;
	CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 2), 0);
	free1 = pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA);
	CHECK_EQ(pfnlab_hugetlbfs_create(m, "guest", HUGE, 3 * HUGE, &f), 0);
	CHECK_EQ(pfnlab_mm_create(m, "qemu", &q), 0);
	CHECK_EQ(pfnlab_mm_map_file(m, q, 0x400000, 3 * HUGE, f, 0, PFNLAB_MAP_SHARED), -ENOMEM);
	CHECK_EQ(pfnlab_mm_map_file(m, q, 0x400000, HUGE / 2, f, 0, PFNLAB_MAP_SHARED), -EINVAL);
	CHECK_EQ(pfnlab_mm_map_file(m, q, 0x400000, 2 * HUGE, f, 0, 0), -EINVAL);
	test_check_state(m);
	CHECK_EQ(pool(m, HUGE).resv, 0);
	CHECK_EQ(pfnlab_mm_map_file(m, q, 0x400000, 2 * HUGE, f, 0, PFNLAB_MAP_SHARED), 0);
	test_check_state(m);
	hi = pool(m, HUGE);
	CHECK_EQ(hi.resv, 2);
	CHECK_EQ(hi.free, 2);
	CHECK_EQ(pfnlab_mm_touch(m, q, 0x400000 + HUGE + 3 * PAGE, PAGE, NULL), 0);
	test_check_state(m);
	hi = pool(m, HUGE);
	CHECK_EQ(hi.resv, 1);
	CHECK_EQ(hi.free, 1);
	CHECK_EQ(pfnlab_page_info(m, pfn_at(m, q, 0x400000 + HUGE), &pi), 0);
	CHECK_EQ(pi.state, PFNLAB_PAGE_HUGETLB);
	CHECK_EQ(pi.order, 4);
	CHECK_EQ(pi.mapcount, 1);
	CHECK_EQ(pi.refcount, 2);
	CHECK_EQ(pi.mapping, f);
	CHECK_EQ(pi.index, 16);
	CHECK_EQ(pfn_at(m, q, 0x400000 + HUGE + 15 * PAGE), pi.head + 15);
	CHECK_EQ(pfnlab_mm_touch(m, q, 0x400000, 2 * HUGE, NULL), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_rss(m, q, &anon, &file, &shmem), 0);
	CHECK_EQ(anon + file + shmem, 0);
	CHECK_EQ(pfnlab_mm_hugetlb(m, q, &huge), 0);
	CHECK_EQ(huge, 32);
	CHECK_EQ(pfnlab_mm_unmap(m, q, 0x400000, 2 * HUGE), 0);
	test_check_state(m);
	CHECK_EQ(pool(m, HUGE).free, 0);
	CHECK_EQ(pfnlab_file_close(m, f), 0);
	test_check_state(m);
	hi = pool(m, HUGE);
	CHECK_EQ(hi.free, 2);
	CHECK_EQ(hi.resv, 0);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), free1);
	/* overcommit: a surplus page for the third */
	CHECK_EQ(pfnlab_hugetlb_set_overcommit(m, hidx(m, HUGE), 1), 0);
	CHECK_EQ(pfnlab_hugetlbfs_create(m, "guest2", 0, 3 * HUGE, &f), 0);
	CHECK_EQ(pfnlab_mm_map_file(m, q, 0x400000, 3 * HUGE, f, 0, PFNLAB_MAP_SHARED), 0);
	test_check_state(m);
	hi = pool(m, HUGE);
	CHECK_EQ(hi.nr, 3);
	CHECK_EQ(hi.surplus, 1);
	CHECK_EQ(hi.resv, 3);
	CHECK_EQ(pfnlab_file_close(m, f), 0);
	CHECK_EQ(pfnlab_mm_touch(m, q, 0x400000, 3 * HUGE, NULL), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_destroy(m, q), 0);
	test_check_state(m);
	hi = pool(m, HUGE);
	CHECK_EQ(hi.nr, 2);
	CHECK_EQ(hi.surplus, 0);
	CHECK_EQ(hi.free, 2);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), free1);
	pfnlab_machine_destroy(m);
}

/*
 *   0                                   768            1024
 *   |K K K K K ... (all kernel) ........|h h h h ......|   four free pool pages in CMA
 * then the kernel pages are freed and the whole area is taken by cma_alloc.
 * Expect each free pool page to be dissolved: a new huge page allocated
 * outside the area replaces it (htlb_buddy_alloc_success 4 + 4), the old
 * one freed into the isolated range; the allocation succeeds and the pool
 * keeps 4 pages, all outside.  With the outside still full, expect the
 * first replacement to fail: cma_alloc() ends at once with -ENOMEM and
 * names the free pool page ("no-replacement").
 */
TEST(contig_dissolves_free_pool_pages_check)
{
	for (int full = 0; full < 2; full++) {
		struct pfnlab_machine *m = tiny_machine(true, PFNLAB_KERNEL_6_1);
		struct pfnlab_contig_failure cf;
		uint64_t kernel[1024], pfn;
		size_t nk;

		if (!m)
			return;
		nk = fill_outside(m, kernel, 1024);
		CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 4), 0);
		test_check_state(m);
		CHECK_EQ(hugetlb_in(m, 768, 1024, NULL), 4);
		if (!full)
			free_pages(m, kernel, nk);
		else /* leave no huge block outside: free only one page of every 32 */
			for (size_t i = 0; i < nk; i += 32)
				CHECK_EQ(pfnlab_free_pages(m, kernel[i], 0), 0);
		if (!full) {
			CHECK_EQ(pfnlab_cma_alloc(m, 0, 256, 0, &pfn), 0);
			test_check_state(m);
			CHECK_EQ(pfn, 768);
			CHECK_EQ(pool(m, HUGE).nr, 4);
			CHECK_EQ(hugetlb_in(m, 0, 768, NULL), 4);
			CHECK_EQ(pfnlab_vmstat(m, "htlb_buddy_alloc_success"), 8);
			CHECK_EQ(pfnlab_cma_release(m, 0, 768, 256), 0);
		} else {
			CHECK_EQ(pfnlab_cma_alloc(m, 0, 256, 0, &pfn), -ENOMEM);
			test_check_state(m);
			CHECK_EQ(pfnlab_vmstat(m, "pfnlab_cma_busy_retry"), 0);
			CHECK_EQ(pfnlab_contig_failure(m, &cf), 0);
			CHECK_EQ(cf.err, -ENOMEM);
			CHECK_EQ(cf.nr_culprits, 1);
			if (cf.nr_culprits == 1) {
				CHECK_EQ(cf.culprits[0].reason, PFNLAB_BUSY_NO_REPLACEMENT);
				CHECK_EQ(cf.culprits[0].page_kind, PFNLAB_PAGE_HUGETLB);
				CHECK(cf.culprits[0].pfn >= 768);
			}
			CHECK_EQ(pool(m, HUGE).nr, 4);
			CHECK_EQ(pfnlab_vmstat(m, "htlb_buddy_alloc_fail"), 1);
		}
		test_check_state(m);
		pfnlab_machine_destroy(m);
	}
}

/*
 *   0                      768                       1024
 *   |..........h...........|H*.......................|  A (in use, mapped by qemu) in CMA,
 *                                                         B free outside
 * (B is added while MOVABLE pages are free outside, A once only CMA is
 * left: a movable request falls back to CMA before stealing), then a
 * whole-area cma_alloc.  Expect A isolated and migrated: the target is the
 * free pool page B (free > reserved), A's contents and mapping move to B,
 * and A, not temporary, goes back to the pool's free list, inside the
 * range.  6.1: test_pages_isolated() then fails at A (-EBUSY), culprit A
 * ("hugetlb"); a second cma_alloc dissolves it and succeeds.  6.12:
 * replace_free_hugepage_folios() dissolves A at once and the first one
 * succeeds.
 */
TEST(contig_migrates_used_pool_pages_check)
{
	for (int k = 0; k < 2; k++) {
		enum pfnlab_kernel kernel = k ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1;
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		struct pfnlab_contig_failure cf;
		uint64_t kernel_pages[1024], pfn, a, b;
		unsigned f = 0, q = 0, used;
		size_t nk;
		char buf[4] = {0};

		tiny(&c, true, kernel);
		c.backed = true;
		m = test_machine(&c);
		if (!m)
			return;
		CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 1), 0); /* B, outside while MOVABLE pages are free there */
		b = first_hugetlb(m, 0, 768);
		nk = fill_outside(m, kernel_pages, 1024);
		CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 2), 0); /* A: only CMA is left */
		CHECK_EQ(pfnlab_hugetlbfs_create(m, "guest", HUGE, HUGE, &f), 0);
		CHECK_EQ(pfnlab_mm_create(m, "qemu", &q), 0);
		CHECK_EQ(pfnlab_mm_map_file(m, q, 0x400000, HUGE, f, 0, PFNLAB_MAP_SHARED), 0);
		CHECK_EQ(pfnlab_mm_write(m, q, 0x400000 + 5 * PAGE, "abc", 3), 0); /* the last page freed: A */
		a = pfn_at(m, q, 0x400000);
		CHECK(a >= 768);
		CHECK(b < 768);
		free_pages(m, kernel_pages, nk);
		test_check_state(m);
		CHECK_EQ(pfnlab_cma_alloc(m, 0, 256, 0, &pfn), k ? 0 : -EBUSY);
		test_check_state(m);
		CHECK_EQ(pfn_at(m, q, 0x400000), b);
		CHECK_EQ(pfnlab_mm_read(m, q, 0x400000 + 5 * PAGE, buf, 3), 0);
		CHECK_STR(buf, "abc");
		CHECK_EQ(pool(m, HUGE).nr, 2);
		CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_success"), 16);
		if (!k) {
			CHECK_EQ(hugetlb_in(m, 768, 1024, &used), 1);
			CHECK_EQ(used, 0);
			CHECK_EQ(pfnlab_contig_failure(m, &cf), 0);
			CHECK_EQ(cf.nr_culprits, 1);
			if (cf.nr_culprits == 1) {
				CHECK_EQ(cf.culprits[0].pfn, a);
				CHECK_EQ(cf.culprits[0].reason, PFNLAB_BUSY_HUGETLB);
			}
			CHECK_EQ(pfnlab_cma_alloc(m, 0, 256, 0, &pfn), 0);
			test_check_state(m);
		}
		CHECK_EQ(hugetlb_in(m, 768, 1024, NULL), 0);
		CHECK_EQ(pool(m, HUGE).nr, 2);
		pfnlab_machine_destroy(m);
	}
}

/*
 *   0                            896       1024
 *   |............................|G       |   a gigantic page from hugetlb_cma
 * Expect alloc_contig_range() over it to give up at once (-ENOMEM),
 * naming it ("gigantic"); the page untouched.
 */
TEST(contig_gives_up_at_gigantic_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	struct pfnlab_contig_failure cf;
	int a;

	tiny(&c, false, PFNLAB_KERNEL_6_1);
	c.hugetlb_cma_bytes = 128 * PAGE;
	m = test_machine(&c);
	if (!m)
		return;
	a = pfnlab_cma_find(m, "hugetlb0");
	CHECK_EQ(a, 0);
	CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, 128 * PAGE), 1), 0);
	test_check_state(m);
	CHECK_EQ(hugetlb_in(m, 896, 1024, NULL), 1);
	CHECK_EQ(pfnlab_alloc_contig_range(m, 896, 1024, PFNLAB_MT_CMA), -ENOMEM);
	test_check_state(m);
	CHECK_EQ(pfnlab_contig_failure(m, &cf), 0);
	CHECK_EQ(cf.nr_culprits, 1);
	if (cf.nr_culprits == 1) {
		CHECK_EQ(cf.culprits[0].pfn, 896);
		CHECK_EQ(cf.culprits[0].reason, PFNLAB_BUSY_GIGANTIC);
	}
	CHECK_EQ(pool(m, 128 * PAGE).nr, 1);
	pfnlab_machine_destroy(m);
}

/*
 *   0                      768                       1024
 *   |..........(h)........|H*.......................|  A in CMA mapped by qemu, pinned long-term
 * Expect, by policy (kernel 6.12): none pins A where it is;
 * migrate-movable moves A to
 * the free pool page B outside CMA when there is one, else to a temporary
 * page from the buddy allocator (freed when A goes); migrate-cma (v5.1)
 * never takes the pool's page: always a fresh one; the pool's size never
 * changes.  A gigantic page in hugetlb_cma cannot move (no free gigantic
 * page a pin may keep, none from the buddy allocator): migrate-movable
 * fails the pin with -ENOMEM (6.1 and 6.12).
 */
TEST(longterm_pin_moves_hugetlb_pages_check)
{
	for (int policy = 0; policy < 3; policy++)
		for (int with_b = 0; with_b < 2; with_b++) {
			static const enum pfnlab_pin_policy pol[] = {PFNLAB_PIN_NONE, PFNLAB_PIN_MIGRATE_MOVABLE,
								     PFNLAB_PIN_MIGRATE_CMA};
			struct pfnlab_config c;
			struct pfnlab_machine *m;
			uint64_t kernel_pages[1024], b = NIL_PFN, a, now;
			unsigned f = 0, q = 0;
			size_t nk;
			long h;

			tiny(&c, true, PFNLAB_KERNEL_6_12);
			c.pin_policy = pol[policy];
			m = test_machine(&c);
			if (!m)
				return;
			if (with_b) {
				CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 1), 0);
				b = first_hugetlb(m, 0, 768);
			}
			nk = fill_outside(m, kernel_pages, 1024);
			CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), with_b ? 2 : 1), 0);
			a = map_guest(m, &f, &q);
			CHECK(a >= 768);
			free_pages(m, kernel_pages, nk);
			h = pfnlab_pin(m, q, 0x400000, 16, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE,
				       "VFIO", NULL);
			CHECK(h > 0);
			test_check_state(m);
			now = pfn_at(m, q, 0x400000);
			if (pol[policy] == PFNLAB_PIN_NONE)
				CHECK_EQ(now, a);
			else if (pol[policy] == PFNLAB_PIN_MIGRATE_MOVABLE && with_b)
				CHECK_EQ(now, b);
			else
				CHECK(now < 768 && now != b);
			CHECK_EQ(pool(m, HUGE).nr, with_b ? 2 : 1);
			CHECK_EQ(pfnlab_vmstat(m, "pfnlab_pin_migrated"), pol[policy] == PFNLAB_PIN_NONE ? 0 : 16);
			CHECK_EQ(pfnlab_unpin(m, h), 0);
			CHECK_EQ(pfnlab_mm_destroy(m, q), 0);
			CHECK_EQ(pfnlab_file_close(m, f), 0);
			test_check_state(m);
			CHECK_EQ(pool(m, HUGE).free, with_b ? 2 : 1);
			pfnlab_machine_destroy(m);
		}
	for (int k = 0; k < 2; k++) {
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		unsigned f = 0, q = 0;

		tiny(&c, false, k ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1);
		c.hugetlb_cma_bytes = 128 * PAGE;
		c.pin_policy = PFNLAB_PIN_MIGRATE_MOVABLE;
		m = test_machine(&c);
		if (!m)
			return;
		CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, 128 * PAGE), 1), 0);
		CHECK_EQ(pfnlab_hugetlbfs_create(m, "guest", 128 * PAGE, 128 * PAGE, &f), 0);
		CHECK_EQ(pfnlab_mm_create(m, "qemu", &q), 0);
		CHECK_EQ(pfnlab_mm_map_file(m, q, 0x800000, 128 * PAGE, f, 0, PFNLAB_MAP_SHARED), 0);
		CHECK_EQ(pfnlab_pin(m, q, 0x800000, 128, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM, "VFIO", NULL), -ENOMEM);
		test_check_state(m);
		CHECK_EQ(pfn_at(m, q, 0x800000 + 127 * PAGE), 1023);
		pfnlab_machine_destroy(m);
	}
}

/*
 *   0                      768                       1024
 *   |KKKKKKKKK(b)KKKKKKKKK|H*(c)....................|  A in CMA mapped by qemu, pinned long-term;
 *                                                       outside CMA the kernel holds every page
 * A VFIO pin of A while the memory outside CMA is full; (b) a free pool page
 * outside CMA or (c) one inside.  Expect, by rule:
 *   v4.2 (era 2015, policy none): A pinned where it is, in CMA (no check);
 *   the 2015 RFC (rfc2015): A pinned where it is (it moved small pages only);
 *   6.12 (migrate-movable) with b: A moves to b (alloc_migration_target():
 *     the pool, only a page a pin may keep under PF_MEMALLOC_PIN);
 *   6.12 with c only: c is no target, no huge page outside CMA from the buddy
 *     allocator: the pin fails with -ENOMEM, nothing stays pinned, A stays;
 *   6.1 (migrate-movable) with b: follow_hugetlb_page() refuses to pin A at
 *     all (try_grab_folio()'s long-term check): -ENOMEM before any
 *     migration, A stays, b stays free;
 *   v5.1 (migrate-cma) with c only: migration fails, A pinned where it is.
 * The pool keeps its size and gets every page back when the guest goes.
 */
TEST(longterm_pin_hugetlb_rules_check)
{
	enum { IN_PLACE, TO_B, FAILS };
	static const struct {
		enum pfnlab_pin_policy pol;
		enum pfnlab_era era;
		enum pfnlab_kernel kernel;
		bool with_b;
		int want;
	} cases[] = {
		{PFNLAB_PIN_NONE, PFNLAB_ERA_2015, PFNLAB_KERNEL_6_1, true, IN_PLACE},
		{PFNLAB_PIN_RFC2015, PFNLAB_ERA_2015, PFNLAB_KERNEL_6_1, true, IN_PLACE},
		{PFNLAB_PIN_MIGRATE_MOVABLE, PFNLAB_ERA_CURRENT, PFNLAB_KERNEL_6_12, true, TO_B},
		{PFNLAB_PIN_MIGRATE_MOVABLE, PFNLAB_ERA_CURRENT, PFNLAB_KERNEL_6_12, false, FAILS},
		{PFNLAB_PIN_MIGRATE_MOVABLE, PFNLAB_ERA_CURRENT, PFNLAB_KERNEL_6_1, true, FAILS},
		{PFNLAB_PIN_MIGRATE_CMA, PFNLAB_ERA_CURRENT, PFNLAB_KERNEL_6_1, false, IN_PLACE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		struct pfnlab_page_info pi;
		uint64_t kernel_pages[1024], b = NIL_PFN, a;
		unsigned f = 0, q = 0;
		size_t nk;
		long h;

		tiny(&c, true, cases[i].kernel);
		c.pin_policy = cases[i].pol;
		c.era = cases[i].era;
		if (c.era == PFNLAB_ERA_2015)
			c.cma_rule = PFNLAB_CMA_2015;
		test_variant = pfnlab_pin_policy_name(cases[i].pol);
		m = test_machine(&c);
		if (!m)
			return;
		if (cases[i].with_b) {
			CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 1), 0);
			b = first_hugetlb(m, 0, 768);
			CHECK(b != NIL_PFN);
		}
		nk = fill_outside(m, kernel_pages, 1024);
		CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 2), 0);
		CHECK_EQ(hugetlb_in(m, 768, 1024, NULL), cases[i].with_b ? 1 : 2);
		a = map_guest(m, &f, &q);
		test_check_state(m);
		CHECK(a >= 768);
		h = pfnlab_pin(m, q, 0x400000, 16, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE, "VFIO",
			       NULL);
		test_check_state(m);
		CHECK_EQ(pfn_at(m, q, 0x400000), cases[i].want == TO_B ? b : a);
		CHECK_EQ(pfnlab_page_info(m, pfn_at(m, q, 0x400000), &pi), 0);
		if (cases[i].want == FAILS) {
			CHECK_EQ(h, -ENOMEM);
			CHECK_EQ(pi.pincount, 0);
			CHECK_EQ(pfnlab_vmstat(m, "pfnlab_pin_failed"), 1);
			CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_success"), 0);
			CHECK_EQ(pool(m, HUGE).free, 1); /* c, in CMA, was no target; 6.1: b never asked */
		} else {
			CHECK(h > 0);
			CHECK_EQ(pi.pincount, 16);
			CHECK_EQ(pfnlab_vmstat(m, "pfnlab_pin_migrated"), cases[i].want == TO_B ? 16 : 0);
			CHECK_EQ(pfnlab_unpin(m, h), 0);
		}
		CHECK_EQ(pool(m, HUGE).nr, 2);
		free_pages(m, kernel_pages, nk);
		CHECK_EQ(pfnlab_mm_destroy(m, q), 0);
		CHECK_EQ(pfnlab_file_close(m, f), 0);
		test_check_state(m);
		CHECK_EQ(pool(m, HUGE).free, 2);
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

/*
 *   0                      768                       1024
 *   |....(o).........(b)...|..(c)....................|  qemu maps o then c (in CMA), b free
 * A long-term pin (6.1, migrate-movable) over o and c: follow_hugetlb_page()
 * takes o, then try_grab_folio() refuses c, a page that may not be pinned
 * long-term, with one WARN_ON_ONCE; pin_user_pages() returns the prefix,
 * which the pin turns into -EFAULT; over c alone (no prefix) -ENOMEM.
 * Expect nothing pinned or migrated either time, b still free, the warning
 * printed once; the same pins on 6.12 migrate c to b and succeed.
 */
TEST(longterm_pin_refused_on_6_1_check)
{
	for (int k = 0; k < 2; k++) {
		const unsigned flags = PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE;
		struct test_capture log = {0};
		struct pfnlab_sink sink = {test_capture_write, &log};
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		struct pfnlab_page_info pi;
		uint64_t kernel_pages[1024], o, cpfn;
		unsigned f = 0, q = 0;
		size_t nk;
		long h;

		tiny(&c, true, k ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1);
		c.pin_policy = PFNLAB_PIN_MIGRATE_MOVABLE;
		m = test_machine(&c);
		if (!m)
			return;
		CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 2), 0); /* o and b, outside CMA */
		nk = fill_outside(m, kernel_pages, 1024);
		CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 3), 0); /* c: only CMA is left */
		free_pages(m, kernel_pages, nk);
		CHECK_EQ(hugetlb_in(m, 768, 1024, NULL), 1);
		CHECK_EQ(pfnlab_hugetlbfs_create(m, "guest", HUGE, 2 * HUGE, &f), 0);
		CHECK_EQ(pfnlab_mm_create(m, "qemu", &q), 0);
		CHECK_EQ(pfnlab_mm_map_file(m, q, 0x400000, 2 * HUGE, f, 0, PFNLAB_MAP_SHARED), 0);
		CHECK_EQ(pfnlab_mm_touch(m, q, 0x400000 + HUGE, HUGE, NULL), 0); /* c first (the pool's head) */
		CHECK_EQ(pfnlab_mm_touch(m, q, 0x400000, HUGE, NULL), 0);
		o = pfn_at(m, q, 0x400000);
		cpfn = pfn_at(m, q, 0x400000 + HUGE);
		CHECK(o < 768);
		CHECK(cpfn >= 768);
		test_check_state(m);
		pfnlab_set_log(m, &sink);
		h = pfnlab_pin(m, q, 0x400000, 32, flags, "io_uring", NULL);
		test_check_state(m);
		CHECK_EQ(h, k ? 1 : -EFAULT);
		h = k ? h : pfnlab_pin(m, q, 0x400000 + HUGE, 16, flags, "io_uring", NULL);
		test_check_state(m);
		CHECK_EQ(pfnlab_page_info(m, o, &pi), 0);
		if (!k) {
			CHECK_EQ(h, -ENOMEM);
			CHECK_EQ(pfnlab_vmstat(m, "pfnlab_pin_failed"), 2);
			CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_success"), 0);
			CHECK_EQ(pi.pincount, 0);
			CHECK_EQ(pfn_at(m, q, 0x400000 + HUGE), cpfn);
			CHECK_EQ(pool(m, HUGE).free, 1);
			CHECK_STR(log.text, "WARNING: CPU: 0 PID: 2 at mm/hugetlb.c:6629 follow_hugetlb_page\n"); /* qemu: space 1 */
		} else {
			CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_success"), 16);
			CHECK_EQ(pi.pincount, 16);
			CHECK(pfn_at(m, q, 0x400000 + HUGE) < 768);
			CHECK_EQ(log.len, 0);
			CHECK_EQ(pfnlab_unpin(m, h), 0);
		}
		pfnlab_set_log(m, NULL);
		CHECK_EQ(pfnlab_mm_destroy(m, q), 0);
		CHECK_EQ(pfnlab_file_close(m, f), 0);
		test_check_state(m);
		CHECK_EQ(pool(m, HUGE).free, 3);
		pfnlab_machine_destroy(m);
	}
}

/*
 * v4.2 (2015): a free and a used pool page in CMA
 * Expect alloc_contig_range() to isolate neither (not on an LRU) nor
 * dissolve the free one: both busy ("hugetlb"); the 2015 boot message.
 */
TEST(era_2015_hugetlb_busy_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	struct pfnlab_contig_failure cf;
	struct test_text t = {0};
	struct pfnlab_sink s = {test_text_write, &t};
	uint64_t kernel_pages[1024], pfn;
	unsigned f = 0, q = 0;
	size_t nk;

	tiny(&c, true, PFNLAB_KERNEL_6_1);
	c.era = PFNLAB_ERA_2015;
	c.cma_rule = PFNLAB_CMA_2015;
	m = test_machine(&c);
	if (!m)
		return;
	nk = fill_outside(m, kernel_pages, 1024);
	CHECK_EQ(pfnlab_hugetlb_set_pages(m, hidx(m, HUGE), 2), 0);
	CHECK_EQ(hugetlb_in(m, 768, 1024, NULL), 2);
	map_guest(m, &f, &q);
	free_pages(m, kernel_pages, nk);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 256, 0, &pfn), -EBUSY);
	test_check_state(m);
	CHECK_EQ(pfnlab_contig_failure(m, &cf), 0);
	CHECK(cf.nr_culprits >= 1);
	for (size_t i = 0; i < cf.nr_culprits; i++)
		CHECK_EQ(cf.culprits[i].reason, PFNLAB_BUSY_HUGETLB);
	pfnlab_set_log(m, &s);
	pfnlab_hugetlb_boot_log(m);
	CHECK_STR(t.p, "HugeTLB registered 512 KB page size, pre-allocated 0 pages\n"
		       "HugeTLB registered 64 KB page size, pre-allocated 0 pages\n");
	free(t.p);
	pfnlab_machine_destroy(m);
}

/*
 * Fault walks.  State for each: the tiny machine with CMA, backed; a pool
 * of 4 pages: B outside, three in CMA, two of those (A1, A2) mapped by
 * "qemu" with data written; everything else outside free.
 */
struct walk_ctx {
	struct pfnlab_machine *m;
	enum pfnlab_kernel kernel;
	enum pfnlab_pin_policy policy;
	unsigned q, f;
	uint64_t pool_nr;
};

static struct pfnlab_machine *walk_setup(void *arg)
{
	struct walk_ctx *w = arg;
	struct pfnlab_config c;
	uint64_t kernel_pages[1024];
	size_t nk;

	tiny(&c, true, w->kernel);
	c.backed = true;
	c.pin_policy = w->policy;
	w->m = test_machine(&c);
	if (!w->m)
		return NULL;
	pfnlab_hugetlb_set_pages(w->m, hidx(w->m, HUGE), 1);
	nk = fill_outside(w->m, kernel_pages, 1024);
	pfnlab_hugetlb_set_pages(w->m, hidx(w->m, HUGE), 4);
	pfnlab_hugetlbfs_create(w->m, "guest", HUGE, 2 * HUGE, &w->f);
	pfnlab_mm_create(w->m, "qemu", &w->q);
	pfnlab_mm_map_file(w->m, w->q, 0x400000, 2 * HUGE, w->f, 0, PFNLAB_MAP_SHARED);
	pfnlab_mm_write(w->m, w->q, 0x400000 + 7 * PAGE, "first", 6);
	pfnlab_mm_write(w->m, w->q, 0x400000 + HUGE + 9 * PAGE, "second", 7);
	free_pages(w->m, kernel_pages, nk);
	w->pool_nr = pool(w->m, HUGE).nr;
	CHECK_EQ(w->pool_nr, 4);
	CHECK_EQ(hugetlb_in(w->m, 768, 1024, NULL), 3);
	return w->m;
}

static int walk_cma(void *arg)
{
	struct walk_ctx *w = arg;
	uint64_t pfn;
	int err = pfnlab_cma_alloc(w->m, 0, 256, 0, &pfn);

	/*
	 * 6.1: a migrated page goes back to the pool inside the range, and may
	 * even become the next page's target there (the free list is LIFO):
	 * each attempt leaves one free pool page behind, the next dissolves it
	 */
	for (int tries = 0; err == -EBUSY && w->kernel == PFNLAB_KERNEL_6_1 && tries < 3; tries++)
		err = pfnlab_cma_alloc(w->m, 0, 256, 0, &pfn);
	return err;
}

static int walk_pin(void *arg)
{
	struct walk_ctx *w = arg;
	long h = pfnlab_pin(w->m, w->q, 0x400000, 32, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE,
			    "VFIO", NULL);

	return h > 0 ? 0 : (int)h;
}

static int walk_grow(void *arg)
{
	struct walk_ctx *w = arg;

	return pfnlab_hugetlb_set_pages(w->m, hidx(w->m, HUGE), 30) ||
	       pfnlab_hugetlb_set_pages(w->m, hidx(w->m, 128 * PAGE), 1);
}

static void walk_verify(void *arg, int err)
{
	struct walk_ctx *w = arg;
	char buf[8] = {0};

	test_check_state(w->m);
	CHECK(err == 0 || err == -EBUSY || err == -ENOMEM);
	if (w->pool_nr && pool(w->m, HUGE).nr < w->pool_nr) /* the pool never shrinks on its own */
		T_FAIL("pool shrank to %llu", (unsigned long long)pool(w->m, HUGE).nr);
	CHECK_EQ(pfnlab_mm_read(w->m, w->q, 0x400000 + 7 * PAGE, buf, 6), 0);
	CHECK_STR(buf, "first");
	CHECK_EQ(pfnlab_mm_read(w->m, w->q, 0x400000 + HUGE + 9 * PAGE, buf, 7), 0);
	CHECK_STR(buf, "second");
	pfnlab_machine_destroy(w->m);
}

/*
 * Expect every failure at every point (fresh huge pages, migration
 * targets, copies, isolation, host memory) during a whole-area cma_alloc
 * over used and free pool pages (6.1 and 6.12), a long-term pin of pool
 * pages in CMA, and pool growth of both sizes, once and from then on, to
 * leave a consistent machine with the pool whole and the guest's data
 * where it maps it.
 */
TEST(hugetlb_fault_walk_check)
{
	struct walk_ctx w = {0};
	struct test_fault_op cma = {"hugetlb cma_alloc", walk_setup, walk_cma, NULL, walk_verify};
	struct test_fault_op pin = {"hugetlb pin", walk_setup, walk_pin, NULL, walk_verify};
	struct test_fault_op grow = {"hugetlb grow", walk_setup, walk_grow, NULL, walk_verify};

	for (int k = 0; k < 2; k++) {
		w.kernel = k ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1;
		w.policy = PFNLAB_PIN_NONE;
		CHECK(test_fault_walk(&cma, &w, 6) > 0);
	}
	w.kernel = PFNLAB_KERNEL_6_12; /* 6.1 refuses the pin before migrating (longterm_pin_refused_on_6_1_check) */
	w.policy = PFNLAB_PIN_MIGRATE_MOVABLE;
	CHECK(test_fault_walk(&pin, &w, 6) > 0);
	w.kernel = PFNLAB_KERNEL_6_1;
	w.policy = PFNLAB_PIN_MIGRATE_CMA;
	CHECK(test_fault_walk(&pin, &w, 6) > 0);
	w.policy = PFNLAB_PIN_NONE;
	CHECK(test_fault_walk(&grow, &w, 6) > 0);
}

RUN_TESTS(pool_grows_until_first_failure_check, pool_growth_order_check, boot_pages_and_messages_check, hugetlb_cma_boot_check,
	  hugetlbfs_reserve_fault_free_check, contig_dissolves_free_pool_pages_check,
	  contig_migrates_used_pool_pages_check, contig_gives_up_at_gigantic_check,
	  longterm_pin_moves_hugetlb_pages_check, longterm_pin_hugetlb_rules_check, longterm_pin_refused_on_6_1_check,
	  era_2015_hugetlb_busy_check, hugetlb_fault_walk_check)
