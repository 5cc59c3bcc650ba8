/*
 * test_pagecache.c - page kinds: files and memfds, their page cache and
 * mappings, and how alloc_contig_range(), migration and long-term pins
 * treat each kind; the whole-state checker after every operation.
 *
 * Picture legend: one character per page frame (or per 16-page block
 * where said) of a small machine with a CMA area at its top.
 *   K  kernel page  s  memfd page  f  clean file page  d  dirty file page
 *   v  dirty vfat page  a  anonymous page  *  the page held by an extra reference
 *   .  free
 */
#include <errno.h>

#include "model.h"
#include "test.h"

#define PAGE 4096ull

static void free_all(struct pfnlab_machine *m, const uint64_t *pfns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(pfnlab_free_pages(m, pfns[i], 0), 0);
	test_check_state(m);
}

static size_t count_substr(const char *s, const char *sub)
{
	size_t n = 0;

	for (const char *p = s ? strstr(s, sub) : NULL; p; p = strstr(p + 1, sub))
		n++;
	return n;
}

static uint64_t pfn_at(struct pfnlab_machine *m, unsigned mm, uint64_t addr)
{
	uint64_t pfn = NIL_PFN;

	CHECK_EQ(pfnlab_mm_lookup(m, mm, addr, &pfn), 0);
	return pfn;
}

static uint64_t in_cma(struct pfnlab_machine *m, unsigned mm, uint64_t addr, uint64_t pages)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < pages; i++) {
		uint64_t pfn = pfn_at(m, mm, addr + i * PAGE);

		n += pfn >= 256 && pfn < 384;
	}
	return n;
}

/*
 *   file "log" (ext4, 4 pages): read, read again, write page 1, sync
 * Expect a read to cache clean pages without buffers (refcount 1) with the
 * readahead mask, the second read to activate them (pgactivate), a write
 * to dirty its page and attach buffers (refcount 2), fsync to clean it
 * with its buffers kept; closing keeps the cache; a memfd reads holes
 * without allocating.
 */
TEST(file_read_write_sync_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	struct pfnlab_file_info fi;
	struct pfnlab_page_info pi;
	struct test_text tr = {0};
	struct pfnlab_sink ts = {test_text_write, &tr};
	unsigned f = 0, s = 0;
	uint64_t pfn;

	if (!m)
		return;
	CHECK_EQ(pfnlab_file_create(m, "log", PFNLAB_FS_EXT4, 4 * PAGE, &f), 0);
	pfnlab_set_trace(m, &ts);
	CHECK_EQ(pfnlab_file_read(m, f, 0, 4 * PAGE), 0);
	pfnlab_set_trace(m, NULL);
	test_check_state(m);
	CHECK_EQ(count_substr(tr.p, "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_NOWARN|__GFP_NORETRY"), 4);
	free(tr.p);
	CHECK_EQ(pfnlab_file_info(m, f, &fi), 0);
	CHECK_EQ(fi.cached, 4);
	CHECK_EQ(fi.dirty, 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_file_pages"), 4);
	CHECK_EQ(pfnlab_vmstat(m, "pgactivate"), 0);
	CHECK_EQ(pfnlab_file_read(m, f, PAGE, 2 * PAGE), 0);
	CHECK_EQ(pfnlab_vmstat(m, "pgactivate"), 2);
	CHECK_EQ(pfnlab_file_write(m, f, PAGE + 10, 20), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_file_info(m, f, &fi), 0);
	CHECK_EQ(fi.dirty, 1);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 1);
	for (pfn = 0; pfn < 512; pfn++) {
		CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
		if (pi.state == PFNLAB_PAGE_FILE && pi.index == 1)
			break;
	}
	CHECK_EQ(pi.mapping, f);
	CHECK(pi.dirty && pi.buffers && !pi.writeback);
	CHECK_EQ(pi.refcount, 2);
	CHECK_EQ(pfnlab_file_sync(m, f), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
	CHECK(!pi.dirty && pi.buffers);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 0);
	CHECK_EQ(pfnlab_file_close(m, f), 0);
	CHECK_EQ(pfnlab_file_close(m, f), -ENOENT);
	CHECK_EQ(pfnlab_file_read(m, f, 0, PAGE), -ENOENT);
	CHECK_EQ(pfnlab_file_info(m, f, &fi), 0);
	CHECK_EQ(fi.cached, 4);
	CHECK_EQ(pfnlab_memfd_create(m, "ram", 8 * PAGE, &s), 0);
	CHECK_EQ(pfnlab_file_read(m, s, 0, 8 * PAGE), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_shmem"), 0);
	CHECK_EQ(pfnlab_file_read(m, s, 0, 9 * PAGE), -EINVAL);
	CHECK_EQ(pfnlab_file_create(m, "x", PFNLAB_FS_SHMEM, PAGE, &f), -EINVAL);
	CHECK_EQ(pfnlab_file_create(m, "x", PFNLAB_FS_EXT2, 0, &f), -EINVAL);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 * A file read, partly written, one page under writeback, then its pages
 * dropped (truncate_inode_pages()): expect the cache, dirty and writeback
 * counts back to zero, every page free again but the buffer heads' slab
 * page and the xarray node's order-1 slab (SLUB keeps empty slabs), the
 * file readable after; a mapped file refused with -EBUSY.
 */
TEST(file_truncate_pages_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	struct pfnlab_file_info fi;
	uint64_t free0;
	unsigned f = 0, mm = 0;

	if (!m)
		return;
	free0 = pfnlab_vmstat(m, "nr_free_pages");
	CHECK_EQ(pfnlab_file_create(m, "tmp", PFNLAB_FS_EXT4, 8 * PAGE, &f), 0);
	CHECK_EQ(pfnlab_file_read(m, f, 0, 8 * PAGE), 0);
	CHECK_EQ(pfnlab_file_write(m, f, 0, 3 * PAGE), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 3);
	/* the written pages' buffer heads, and the node holding pages 0-7 */
	CHECK_EQ(pfnlab_vmstat(m, "nr_slab_reclaimable"), 1 + 2);
	CHECK_EQ(m->xa_nodes.inuse, 1);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages"), free0 - 8 - 3);
	CHECK_EQ(pfnlab_file_truncate_pages(m, f), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_file_info(m, f, &fi), 0);
	CHECK_EQ(fi.cached, 0);
	CHECK_EQ(fi.dirty, 0);
	CHECK_EQ(fi.pages, 8);
	CHECK_EQ(pfnlab_vmstat(m, "nr_file_pages"), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_slab_reclaimable"), 1 + 2); /* empty, within the caches' min_partial */
	CHECK_EQ(m->xa_nodes.inuse, 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages"), free0 - 3);
	CHECK_EQ(pfnlab_file_read(m, f, 0, 2 * PAGE), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_file_pages"), 2);
	CHECK_EQ(pfnlab_mm_create(m, "reader", &mm), 0);
	CHECK_EQ(pfnlab_mm_map_file(m, mm, 0x100000, 2 * PAGE, f, 0, PFNLAB_MAP_SHARED), 0);
	CHECK_EQ(pfnlab_file_truncate_pages(m, f), -EBUSY);
	CHECK_EQ(pfnlab_file_truncate_pages(m, 99), -ENOENT);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 *   memfd "ram" (16 pages) mapped shared by "qemu" and by "vhost" (vhost-user)
 * Expect both spaces' faults to map the same pages (mapcount 2, refcount
 * 3: cache + two mappings), counted as shmem RSS in each; a write through
 * one mapping to be read through the other; the pages to outlive both
 * mappings while the memfd is open and to be freed when it is closed,
 * all but the empty order-1 slab its xarray node came from (kept).
 */
TEST(memfd_shared_by_two_spaces_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	struct pfnlab_config c;
	struct pfnlab_page_info pi;
	unsigned s = 0, q = 0, v = 0;
	uint64_t anon, file, shmem, free0;
	char buf[8];

	if (!m)
		return;
	pfnlab_machine_destroy(m);
	test_tiny_config(&c, 512, 5, 4);
	c.backed = true;
	m = test_machine(&c);
	if (!m)
		return;
	free0 = (uint64_t)pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA);
	CHECK_EQ(pfnlab_memfd_create(m, "ram", 16 * PAGE, &s), 0);
	CHECK_EQ(pfnlab_mm_create(m, "qemu", &q), 0);
	CHECK_EQ(pfnlab_mm_create(m, "vhost", &v), 0);
	CHECK_EQ(pfnlab_mm_map_file(m, q, 0x100000, 16 * PAGE, s, 0, PFNLAB_MAP_SHARED), 0);
	CHECK_EQ(pfnlab_mm_map_file(m, v, 0x200000, 8 * PAGE, s, 8 * PAGE, PFNLAB_MAP_SHARED), 0);
	CHECK_EQ(pfnlab_mm_map_file(m, v, 0x300000, 8 * PAGE, s, 12 * PAGE, PFNLAB_MAP_SHARED), -EINVAL);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_touch(m, q, 0x100000, 16 * PAGE, NULL), 0);
	CHECK_EQ(pfnlab_mm_touch(m, v, 0x200000, 8 * PAGE, NULL), 0);
	test_check_state(m);
	CHECK_EQ(pfn_at(m, q, 0x100000 + 8 * PAGE), pfn_at(m, v, 0x200000));
	CHECK_EQ(pfnlab_page_info(m, pfn_at(m, v, 0x200000), &pi), 0);
	CHECK_EQ(pi.state, PFNLAB_PAGE_SHMEM);
	CHECK_EQ(pi.mapcount, 2);
	CHECK_EQ(pi.refcount, 3);
	CHECK_EQ(pi.index, 8);
	CHECK_EQ(pfnlab_mm_rss(m, q, &anon, &file, &shmem), 0);
	CHECK_EQ(anon, 0);
	CHECK_EQ(file, 0);
	CHECK_EQ(shmem, 16);
	CHECK_EQ(pfnlab_mm_write(m, v, 0x200000 + 5, "vhost", 6), 0);
	CHECK_EQ(pfnlab_mm_read(m, q, 0x100000 + 8 * PAGE + 5, buf, 6), 0);
	CHECK_STR(buf, "vhost");
	CHECK_EQ(pfnlab_mm_destroy(m, v), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_unmap(m, q, 0x100000, 16 * PAGE), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_vmstat(m, "nr_shmem"), 16);
	CHECK_EQ(pfnlab_file_close(m, s), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_vmstat(m, "nr_shmem"), 0);
	CHECK_EQ(m->xa_nodes.inuse, 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_slab_reclaimable"), 2);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_DMA), (long)free0 - 2);
	pfnlab_machine_destroy(m);
}

/*
 *   file "lib" (ext2, 2 pages) mapped private
 * Expect a read fault to map the cached page, a write to copy it to a new
 * anonymous page (COW) and leave the cached page unmapped and clean.
 */
TEST(private_file_mapping_cow_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	struct pfnlab_page_info pi;
	unsigned f = 0, a = 0;
	uint64_t cached, anon, file;

	if (!m)
		return;
	CHECK_EQ(pfnlab_file_create(m, "lib", PFNLAB_FS_EXT2, 2 * PAGE, &f), 0);
	CHECK_EQ(pfnlab_mm_create(m, "a", &a), 0);
	CHECK_EQ(pfnlab_mm_map_file(m, a, 0x10000, 2 * PAGE, f, 0, 0), 0);
	CHECK_EQ(pfnlab_mm_touch(m, a, 0x10000, 2 * PAGE, NULL), 0);
	test_check_state(m);
	cached = pfn_at(m, a, 0x10000);
	CHECK_EQ(pfnlab_page_info(m, cached, &pi), 0);
	CHECK_EQ(pi.state, PFNLAB_PAGE_FILE);
	CHECK_EQ(pi.mapcount, 1);
	CHECK_EQ(pfnlab_mm_write(m, a, 0x10000, "x", 1), 0);
	test_check_state(m);
	CHECK(pfn_at(m, a, 0x10000) != cached);
	CHECK_EQ(pfnlab_page_info(m, pfn_at(m, a, 0x10000), &pi), 0);
	CHECK_EQ(pi.state, PFNLAB_PAGE_ANON);
	CHECK_EQ(pfnlab_page_info(m, cached, &pi), 0);
	CHECK_EQ(pi.state, PFNLAB_PAGE_FILE);
	CHECK_EQ(pi.mapcount, 0);
	CHECK(!pi.dirty);
	CHECK_EQ(pfnlab_mm_rss(m, a, &anon, &file, NULL), 0);
	CHECK_EQ(anon, 1);
	CHECK_EQ(file, 1);
	CHECK_EQ(pfnlab_mm_destroy(m, a), 0);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 * R, 64 pages at 0x400000 of a new space "oracle" (its id in @a): a memfd
 * mapped shared (its id in @r) or anonymous, faulted in while everything
 * outside CMA is taken, so all of it lands in the area; but for a memfd
 * two pages, whose order-1 slab holds its xarray node.
 */
static void r_in_cma(struct pfnlab_machine *m, bool shmem, unsigned *a, unsigned *r)
{
	uint64_t kern[512];
	size_t nk = test_take_outside_cma(m, kern, 512);

	CHECK_EQ(pfnlab_mm_create(m, "oracle", a), 0);
	if (shmem) {
		free_all(m, kern + nk - 2, 2);
		nk -= 2;
		CHECK_EQ(pfnlab_memfd_create(m, "R", 64 * PAGE, r), 0);
		CHECK_EQ(pfnlab_mm_map_file(m, *a, 0x400000, 64 * PAGE, *r, 0, PFNLAB_MAP_SHARED), 0);
	} else {
		CHECK_EQ(pfnlab_mm_map(m, *a, 0x400000, 64 * PAGE, 0), 0);
	}
	CHECK_EQ(pfnlab_mm_touch(m, *a, 0x400000, 64 * PAGE, NULL), 0);
	CHECK_EQ(in_cma(m, *a, 0x400000, 64), 64);
	free_all(m, kern, nk);
}

/* The @nth page in PFN order of kind @state in the area [256, 384); NIL_PFN when none. */
static uint64_t nth_in_area(struct pfnlab_machine *m, int state, int nth, struct pfnlab_page_info *pi)
{
	for (uint64_t p = 256; p < 384; p++) {
		CHECK_EQ(pfnlab_page_info(m, p, pi), 0);
		if (pi->state == state && !nth--)
			return p;
	}
	return NIL_PFN;
}

/*
 *   256                                        384
 *   |ss*sssss.. (first batch) ..sss*ssss ..... |   R shmem, 64 pages, two held
 * Two of R's pages held (FOLL_GET): its 3rd in PFN order, in the first
 * batch of 32, and its 50th, past where the attempt ends (the fifth call
 * on the first batch gives up).  Expect both as culprits: the first
 * "extra-ref" (isolated, failed five times), the second "not-reached"
 * (never isolated; it would have failed the same way).
 */
TEST(busy_shmem_reasons_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	struct pfnlab_contig_failure cf;
	struct pfnlab_page_info pi;
	uint64_t held[2];
	unsigned r = 0, a = 0;

	if (!m)
		return;
	r_in_cma(m, true, &a, &r);
	for (int i = 0; i < 2; i++) {
		CHECK(nth_in_area(m, PFNLAB_PAGE_SHMEM, i ? 49 : 2, &pi) != NIL_PFN);
		CHECK_EQ(pfnlab_gup(m, a, 0x400000 + pi.index * PAGE, 1, PFNLAB_FOLL_GET, &held[i]), 0);
		test_check_state(m);
	}
	CHECK_EQ(pfnlab_alloc_contig_range(m, 256, 384, PFNLAB_MT_CMA), -EBUSY);
	test_check_state(m);
	CHECK_EQ(pfnlab_contig_failure(m, &cf), 0);
	CHECK_EQ(cf.nr_culprits, 2);
	if (cf.nr_culprits == 2) {
		CHECK_EQ(cf.culprits[0].pfn, held[0]);
		CHECK_EQ(cf.culprits[0].reason, PFNLAB_BUSY_EXTRA_REF);
		CHECK_EQ(cf.culprits[1].pfn, held[1]);
		CHECK_EQ(cf.culprits[1].reason, PFNLAB_BUSY_NOT_REACHED);
		CHECK_STR(pfnlab_busy_reason_name(cf.culprits[1].reason), "not-reached");
	}
	CHECK_EQ(in_cma(m, a, 0x400000, 64), 33);
	pfnlab_machine_destroy(m);
}

/*
 *   256             320        352        384
 *   |...............|bbbb(32)bb|..........|   space "b" in CMA, free pages after it
 * Two spaces of 32 pages fault into the area from its top ("a" first,
 * then "b" below it); "a" goes.  Expect alloc_contig_range() to migrate
 * b's pages in one batch and then, the next isolation finding nothing
 * before the end, to call migrate_pages() once more on the empty list
 * (__alloc_contig_migrate_range() calls it after every isolation): two
 * mm_migrate_pages lines, the second "nr_succeeded=0 nr_failed=0".
 */
TEST(contig_empty_last_batch_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	struct test_text tr = {0};
	struct pfnlab_sink ts = {test_text_write, &tr};
	uint64_t kern[512];
	size_t nk;
	unsigned a = 0, b = 0;

	if (!m)
		return;
	nk = test_take_outside_cma(m, kern, 512);
	CHECK_EQ(pfnlab_mm_create(m, "a", &a), 0);
	CHECK_EQ(pfnlab_mm_create(m, "b", &b), 0);
	CHECK_EQ(pfnlab_mm_map(m, a, 0x400000, 32 * PAGE, 0), 0);
	CHECK_EQ(pfnlab_mm_map(m, b, 0x400000, 32 * PAGE, 0), 0);
	CHECK_EQ(pfnlab_mm_touch(m, a, 0x400000, 32 * PAGE, NULL), 0);
	CHECK_EQ(pfnlab_mm_touch(m, b, 0x400000, 32 * PAGE, NULL), 0);
	free_all(m, kern, nk);
	CHECK_EQ(pfn_at(m, a, 0x400000), 352);
	CHECK_EQ(pfn_at(m, b, 0x400000), 320);
	CHECK_EQ(pfnlab_mm_destroy(m, a), 0);
	test_check_state(m);
	pfnlab_set_trace(m, &ts);
	CHECK_EQ(pfnlab_alloc_contig_range(m, 256, 384, PFNLAB_MT_CMA), 0);
	pfnlab_set_trace(m, NULL);
	test_check_state(m);
	CHECK_EQ(count_substr(tr.p, "mm_migrate_pages:"), 2);
	CHECK_EQ(count_substr(tr.p, "mm_migrate_pages: nr_succeeded=32 nr_failed=0 "), 1);
	CHECK_EQ(count_substr(tr.p, "mm_migrate_pages: nr_succeeded=0 nr_failed=0 "), 1);
	CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_success"), 32);
	CHECK_EQ(in_cma(m, b, 0x400000, 32), 0);
	free(tr.p);
	pfnlab_machine_destroy(m);
}

/*
 * The busy experiment of ../shared/data/cma-busy-oracle at small scale:
 *   256     320                               384
 *   |.......|ss*sssss sssssss.. (64 pages of R)|   R in CMA, its third page held by FOLL_GET
 * R shmem (memfd mapped shared): expect the held page isolated with its
 * batch of 32, migration to move 31 and fail it (nr_succeeded=31
 * nr_failed=1), four more calls failing it alone, then the early end
 * (-EBUSY): R's other 32 pages never moved, one culprit: the held shmem
 * page, "extra-ref".  Under 6.12 the attempt ends with
 * mm_alloc_contig_migrate_range_info printing 36 mapped pages (32 + 4) as
 * "migratetype=" and the CMA type 4 as "nr_migrated=".
 * R anonymous: expect the held page skipped at isolation, the other 63
 * migrated (no call fails a page), one culprit "skipped".
 */
static void busy_case(bool shmem, enum pfnlab_kernel kernel)
{
	struct pfnlab_machine *m = test_cma_machine(kernel);
	struct test_text tr = {0};
	struct pfnlab_sink ts = {test_text_write, &tr};
	struct pfnlab_contig_failure cf;
	uint64_t held;
	unsigned r = 0, a = 0;

	if (!m)
		return;
	r_in_cma(m, shmem, &a, &r);
	{ /* hold R's third page in PFN order: in the first batch of 32 */
		struct pfnlab_page_info pi = {0};
		uint64_t p = nth_in_area(m, shmem ? PFNLAB_PAGE_SHMEM : PFNLAB_PAGE_ANON, 2, &pi);

		CHECK_EQ(pfnlab_gup(m, a, shmem ? 0x400000 + pi.index * PAGE : pi.vaddr, 1, PFNLAB_FOLL_GET, &held), 0);
		CHECK_EQ(held, p);
	}
	test_check_state(m);
	pfnlab_set_trace(m, &ts);
	CHECK_EQ(pfnlab_alloc_contig_range(m, 256, 384, PFNLAB_MT_CMA), -EBUSY);
	pfnlab_set_trace(m, NULL);
	test_check_state(m);
	CHECK_EQ(pfnlab_contig_failure(m, &cf), 0);
	CHECK_EQ(cf.fin_pfn, held);
	CHECK_EQ(cf.nr_culprits, 1);
	if (cf.nr_culprits == 1) {
		CHECK_EQ(cf.culprits[0].pfn, held);
		CHECK_EQ(cf.culprits[0].kind, PFNLAB_HOLD_GET);
		CHECK_EQ(cf.culprits[0].page_kind, shmem ? PFNLAB_PAGE_SHMEM : PFNLAB_PAGE_ANON);
		CHECK_EQ(cf.culprits[0].reason, shmem ? PFNLAB_BUSY_EXTRA_REF : PFNLAB_BUSY_SKIPPED);
		CHECK_EQ(cf.culprits[0].mapping, shmem ? r : 0);
		CHECK_STR(pfnlab_busy_reason_name(cf.culprits[0].reason), shmem ? "extra-ref" : "skipped");
	}
	{ /* the culprit report says the kind and the reason, in text and JSON */
		struct test_text txt = {0}, js = {0};
		struct pfnlab_sink st = {test_text_write, &txt}, sj = {test_text_write, &js};

		CHECK_EQ(pfnlab_print_culprits(m, false, &st), 0);
		CHECK_EQ(pfnlab_print_culprits(m, true, &sj), 0);
		CHECK(strstr(txt.p, shmem ? " get          shmem    extra-ref    R (file " : " get          anon     skipped      oracle (space ") != NULL);
		CHECK(strstr(js.p, shmem ? "\"page_kind\":\"shmem\",\"reason\":\"extra-ref\",\"file\":1,"
					 : "\"page_kind\":\"anon\",\"reason\":\"skipped\",\"file\":0,") != NULL);
		free(txt.p);
		free(js.p);
	}
	if (shmem) {
		CHECK_EQ(count_substr(tr.p, "mm_migrate_pages: nr_succeeded=31 nr_failed=1 "), 1);
		CHECK_EQ(count_substr(tr.p, "mm_migrate_pages: nr_succeeded=0 nr_failed=1 "), 4);
		CHECK_EQ(count_substr(tr.p, "mm_migrate_pages:"), 5);
		CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_success"), 31);
		CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_fail"), 5);
		CHECK_EQ(in_cma(m, a, 0x400000, 64), 33);
	} else {
		CHECK_EQ(count_substr(tr.p, "nr_failed=0 "), count_substr(tr.p, "mm_migrate_pages:"));
		CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_success"), 63);
		CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_fail"), 0);
		CHECK_EQ(in_cma(m, a, 0x400000, 64), 1);
	}
	CHECK_EQ(count_substr(tr.p, "mm_alloc_contig_migrate_range_info:"), kernel == PFNLAB_KERNEL_6_12);
	if (kernel == PFNLAB_KERNEL_6_12 && shmem)
		CHECK_EQ(count_substr(tr.p, "mm_alloc_contig_migrate_range_info: start=0x100 end=0x180 migratetype=36 nr_migrated=4 nr_reclaimed=0 nr_mapped=0\n"), 1);
	if (kernel == PFNLAB_KERNEL_6_12 && !shmem)
		CHECK_EQ(count_substr(tr.p, "mm_alloc_contig_migrate_range_info: start=0x100 end=0x180 migratetype=63 nr_migrated=4 nr_reclaimed=63 nr_mapped=0\n"), 1);
	/* the reference dropped (the pipe closed): the whole area is taken */
	CHECK_EQ(pfnlab_put_pages(m, &held, 1, PFNLAB_FOLL_GET), 0);
	CHECK_EQ(pfnlab_alloc_contig_range(m, 256, 384, PFNLAB_MT_CMA), 0);
	test_check_state(m);
	CHECK_EQ(in_cma(m, a, 0x400000, 64), 0);
	free(tr.p);
	pfnlab_machine_destroy(m);
}

TEST(busy_shmem_ends_early_check)
{
	test_variant = "6.1";
	busy_case(true, PFNLAB_KERNEL_6_1);
	test_variant = "6.12";
	busy_case(true, PFNLAB_KERNEL_6_12);
	test_variant = NULL;
}

TEST(busy_anon_skipped_check)
{
	test_variant = "6.1";
	busy_case(false, PFNLAB_KERNEL_6_1);
	test_variant = "6.12";
	busy_case(false, PFNLAB_KERNEL_6_12);
	test_variant = NULL;
}

/*
 * Page cache in CMA, 16-page cells:
 *   256      272      288      304      320
 *   |ffffffff|ffffffff|dddddddd|vvvvvvvv|.....   f ext2 read (8 of them mapped), d ext4 written, v vfat written
 * Expect a whole-area alloc_contig_range() to reclaim the 32 clean pages
 * (mapped or not) instead of migrating them, to migrate the 16 dirty ext4
 * pages with their buffers and dirty bit (buffer_migrate_folio), and to
 * write the 8 dirty vfat pages out (writeout(): writeback), wait for that
 * writeback on the fourth pass and migrate them clean, without buffers
 * (fallback_migrate_folio); under 6.12 the trace line says 24 migrated
 * (as nr_reclaimed=), 32 reclaimed (as nr_mapped=), 16 mapped when the
 * ext4 and vfat batch was migrated... and 0 before: mapped pages are
 * reclaimed first.
 */
static void pagecache_case(enum pfnlab_kernel kernel)
{
	struct pfnlab_machine *m = test_cma_machine(kernel);
	struct test_text tr = {0};
	struct pfnlab_sink ts = {test_text_write, &tr};
	struct pfnlab_file_info fi;
	struct pfnlab_page_info pi;
	uint64_t kern[512];
	size_t nk;
	unsigned f2 = 0, f4 = 0, fv = 0, rd = 0;

	if (!m)
		return;
	/* as the oracle's pagecache experiment: no background writeback holds the pages dirty */
	CHECK_EQ(pfnlab_sysctl_set(m, "vm.dirty_writeback_centisecs", 0), 0);
	CHECK_EQ(pfnlab_sysctl_set(m, "vm.dirty_expire_centisecs", 360000), 0);
	CHECK_EQ(pfnlab_sysctl_set(m, "vm.dirty_background_ratio", 90), 0);
	CHECK_EQ(pfnlab_sysctl_set(m, "vm.dirty_ratio", 95), 0);
	nk = test_take_outside_cma(m, kern, 512);
	/* for the 24 buffer heads' slab page, and the order-1 slab of the files' 3 xarray nodes */
	free_all(m, kern + nk - 3, 3);
	nk -= 3;
	CHECK_EQ(pfnlab_file_create(m, "data", PFNLAB_FS_EXT2, 32 * PAGE, &f2), 0);
	CHECK_EQ(pfnlab_file_create(m, "db", PFNLAB_FS_EXT4, 16 * PAGE, &f4), 0);
	CHECK_EQ(pfnlab_file_create(m, "usb", PFNLAB_FS_VFAT, 8 * PAGE, &fv), 0);
	CHECK_EQ(pfnlab_file_read(m, f2, 0, 32 * PAGE), 0);
	CHECK_EQ(pfnlab_file_write(m, f4, 0, 16 * PAGE), 0);
	CHECK_EQ(pfnlab_file_write(m, fv, 0, 8 * PAGE), 0);
	CHECK_EQ(pfnlab_mm_create(m, "reader", &rd), 0);
	CHECK_EQ(pfnlab_mm_map_file(m, rd, 0x10000, 8 * PAGE, f2, 0, 0), 0);
	CHECK_EQ(pfnlab_mm_touch(m, rd, 0x10000, 8 * PAGE, NULL), 0);
	CHECK_EQ(in_cma(m, rd, 0x10000, 8), 8);
	free_all(m, kern, nk);
	pfnlab_set_trace(m, &ts);
	CHECK_EQ(pfnlab_alloc_contig_range(m, 256, 384, PFNLAB_MT_CMA), 0);
	pfnlab_set_trace(m, NULL);
	test_check_state(m);
	CHECK_EQ(pfnlab_vmstat(m, "pfnlab_contig_reclaimed"), 32);
	CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_success"), 24);
	CHECK_EQ(pfnlab_vmstat(m, "pfnlab_writeout"), 8);
	CHECK_EQ(pfnlab_vmstat(m, "pfnlab_writeback_waited"), 8);
	CHECK_EQ(pfnlab_file_info(m, f2, &fi), 0);
	CHECK_EQ(fi.cached, 0);
	CHECK_EQ(pfnlab_mm_rss(m, rd, NULL, &fi.cached, NULL), 0);
	CHECK_EQ(fi.cached, 0);
	CHECK_EQ(pfnlab_file_info(m, f4, &fi), 0);
	CHECK_EQ(fi.cached, 16);
	CHECK_EQ(fi.dirty, 16);
	CHECK_EQ(pfnlab_file_info(m, fv, &fi), 0);
	CHECK_EQ(fi.cached, 8);
	CHECK_EQ(fi.dirty, 0);
	CHECK_EQ(fi.writeback, 0);
	for (uint64_t p = 0; p < 512; p++) {
		CHECK_EQ(pfnlab_page_info(m, p, &pi), 0);
		if (pi.state == PFNLAB_PAGE_FILE) {
			CHECK(p < 256 || p >= 384);
			CHECK_EQ(pi.buffers, pi.mapping == f4);
			CHECK_EQ(pi.refcount, pi.mapping == f4 ? 2 : 1);
		}
	}
	if (kernel == PFNLAB_KERNEL_6_12)
		CHECK_EQ(count_substr(tr.p, "mm_alloc_contig_migrate_range_info: start=0x100 end=0x180 migratetype=0 nr_migrated=4 nr_reclaimed=24 nr_mapped=32\n"), 1);
	else
		CHECK_EQ(count_substr(tr.p, "mm_alloc_contig_migrate_range_info"), 0);
	free(tr.p);
	pfnlab_machine_destroy(m);
}

TEST(pagecache_reclaimed_or_migrated_check)
{
	test_variant = "6.1";
	pagecache_case(PFNLAB_KERNEL_6_1);
	test_variant = "6.12";
	pagecache_case(PFNLAB_KERNEL_6_12);
	test_variant = NULL;
}

/*
 *   |KKKK...|ssssssss (memfd guest RAM in CMA) ...|   then a long-term pin of all of it
 * Expect migrate-movable to move the shmem pages out of CMA and pin them
 * there, still shmem pages of the memfd; a writable long-term pin of a
 * shared ext4 mapping to work under 6.1 and fail with -EFAULT under 6.12,
 * where the memfd's is still allowed.
 */
TEST(longterm_pin_moves_shmem_check)
{
	for (int k = 0; k < 2; k++) {
		struct pfnlab_machine *m = test_cma_machine(k ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1);
		const unsigned fl = PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE;
		struct pfnlab_page_info pi;
		uint64_t kern[512], pfns[16];
		size_t nk;
		unsigned s = 0, e = 0, q = 0;
		long h;

		if (!m)
			return;
		test_variant = k ? "6.12" : "6.1";
		m->cfg.pin_policy = PFNLAB_PIN_MIGRATE_MOVABLE;
		nk = test_take_outside_cma(m, kern, 512);
		free_all(m, kern + nk - 2, 2); /* the order-1 slab of the two files' xarray nodes */
		nk -= 2;
		CHECK_EQ(pfnlab_memfd_create(m, "ram", 16 * PAGE, &s), 0);
		CHECK_EQ(pfnlab_file_create(m, "disk", PFNLAB_FS_EXT4, 4 * PAGE, &e), 0);
		CHECK_EQ(pfnlab_mm_create(m, "qemu", &q), 0);
		CHECK_EQ(pfnlab_mm_map_file(m, q, 0x100000, 16 * PAGE, s, 0, PFNLAB_MAP_SHARED), 0);
		CHECK_EQ(pfnlab_mm_map_file(m, q, 0x200000, 4 * PAGE, e, 0, PFNLAB_MAP_SHARED), 0);
		CHECK_EQ(pfnlab_mm_touch(m, q, 0x100000, 16 * PAGE, NULL), 0);
		CHECK_EQ(in_cma(m, q, 0x100000, 16), 16);
		free_all(m, kern, nk);
		h = pfnlab_pin(m, q, 0x100000, 16, fl, "VFIO", pfns);
		CHECK(h > 0);
		test_check_state(m);
		CHECK_EQ(in_cma(m, q, 0x100000, 16), 0);
		CHECK_EQ(pfnlab_vmstat(m, "pfnlab_pin_migrated"), 16);
		CHECK_EQ(pfnlab_page_info(m, pfns[3], &pi), 0);
		CHECK_EQ(pi.state, PFNLAB_PAGE_SHMEM);
		CHECK_EQ(pi.index, 3);
		CHECK_EQ(pi.pincount, 1);
		CHECK(pi.dirty); /* a writable fault of a shared mapping */
		h = pfnlab_pin(m, q, 0x200000, 4, fl, "io_uring", NULL);
		if (k)
			CHECK_EQ(h, -EFAULT);
		else
			CHECK(h > 0);
		test_check_state(m);
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

/*
 * Expect the checker to notice a page-cache folio that lost its cache
 * reference, a slot naming a page of another file, and a dirty count off.
 */
TEST(checker_sees_page_cache_damage_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	unsigned f = 0, g = 0;
	uint64_t pfn;
	char why[256];

	if (!m)
		return;
	CHECK_EQ(pfnlab_file_create(m, "a", PFNLAB_FS_EXT4, 2 * PAGE, &f), 0);
	CHECK_EQ(pfnlab_file_create(m, "b", PFNLAB_FS_EXT4, 2 * PAGE, &g), 0);
	CHECK_EQ(pfnlab_file_write(m, f, 0, 2 * PAGE), 0);
	test_check_state(m);
	pfn = m->mappings[f - 1].chunks[0][0] - 1u;
	m->frames[pfn].refcount--;
	CHECK_EQ(pfnlab_check(m, why, sizeof(why)), -EUCLEAN);
	m->frames[pfn].refcount++;
	m->frames[pfn].next = g;
	CHECK_EQ(pfnlab_check(m, why, sizeof(why)), -EUCLEAN);
	m->frames[pfn].next = f;
	m->nr_dirty++;
	CHECK_EQ(pfnlab_check(m, why, sizeof(why)), -EUCLEAN);
	m->nr_dirty--;
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* The state of the fault walk: a page-cache mix in CMA, then alloc_contig_range(). */
struct walk_ctx {
	struct pfnlab_machine *m;
};

static struct pfnlab_machine *walk_setup(void *arg)
{
	struct walk_ctx *w = arg;
	uint64_t kern[512];
	size_t nk;
	unsigned f = 0, v = 0, s = 0, a = 0;

	w->m = test_cma_machine(PFNLAB_KERNEL_6_1);
	if (!w->m)
		return NULL;
	nk = test_take_outside_cma(w->m, kern, 512);
	for (int i = 0; i < 3; i++) /* for the buffer heads' slab page and the xarray nodes' order-1 slab */
		pfnlab_free_pages(w->m, kern[--nk], 0);
	if (pfnlab_file_create(w->m, "f", PFNLAB_FS_EXT4, 16 * PAGE, &f) || pfnlab_file_read(w->m, f, 0, 8 * PAGE) ||
	    pfnlab_file_write(w->m, f, 8 * PAGE, 8 * PAGE) ||
	    pfnlab_file_create(w->m, "v", PFNLAB_FS_VFAT, 8 * PAGE, &v) || pfnlab_file_write(w->m, v, 0, 8 * PAGE) ||
	    pfnlab_memfd_create(w->m, "s", 8 * PAGE, &s) || pfnlab_mm_create(w->m, "q", &a) ||
	    pfnlab_mm_map_file(w->m, a, 0x100000, 8 * PAGE, s, 0, PFNLAB_MAP_SHARED) ||
	    pfnlab_mm_touch(w->m, a, 0x100000, 8 * PAGE, NULL)) {
		pfnlab_machine_destroy(w->m);
		return NULL;
	}
	for (size_t i = 0; i < nk; i++)
		pfnlab_free_pages(w->m, kern[i], 0);
	return w->m;
}

static int walk_run(void *arg)
{
	struct walk_ctx *w = arg;

	return pfnlab_alloc_contig_range(w->m, 256, 384, PFNLAB_MT_CMA);
}

static void walk_verify(void *arg, int err)
{
	struct walk_ctx *w = arg;

	test_check_state(w->m);
	CHECK(err == 0 || err == -EBUSY || err == -ENOMEM);
	pfnlab_machine_destroy(w->m);
}

/*
 * Expect every failure at the new points (migration targets, copies,
 * writeout) during a page-cache alloc_contig_range() to leave a
 * consistent machine.
 */
TEST(pagecache_fault_walk_check)
{
	struct walk_ctx w = {0};
	struct test_fault_op op = {"pagecache contig", walk_setup, walk_run, NULL, walk_verify};

	CHECK(test_fault_walk(&op, &w, 4) > 0);
}

RUN_TESTS(file_read_write_sync_check, file_truncate_pages_check, memfd_shared_by_two_spaces_check, private_file_mapping_cow_check,
	  busy_shmem_ends_early_check, busy_anon_skipped_check, busy_shmem_reasons_check, contig_empty_last_batch_check, pagecache_reclaimed_or_migrated_check,
	  longterm_pin_moves_shmem_check, checker_sees_page_cache_damage_check, pagecache_fault_walk_check)
