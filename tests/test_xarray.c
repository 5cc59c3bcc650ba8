/*
 * test_xarray.c - the page cache's xarray nodes take memory (xarray.c,
 * slab.c): a node per 64 indices holding a page and one above per 4,096,
 * as tall as the largest index needs, none for index 0 alone; slabs of
 * radix_tree_node_cachep sized as SLUB sizes them, reclaimable, outside
 * CMA, allocated after the page they index.
 */
#include <string.h>

#include "model.h"
#include "test.h"

#define PAGE 4096ull

/* Free pages outside CMA (buddy and per-CPU lists) */
static long long outside_cma(struct pfnlab_machine *m)
{
	return pfnlab_vmstat(m, "nr_free_pages") - pfnlab_vmstat(m, "nr_free_cma");
}

/* A 1 GiB x86_64 machine of the presets (per-CPU lists, page tables) */
static struct pfnlab_machine *x86_machine(void)
{
	struct pfnlab_config c;

	pfnlab_config_preset(&c, "x86_64", 1ull << 30);
	return test_machine(&c);
}

/*
 * A file of 5,000 pages read at chosen indices: index 0 alone needs no
 * node (xa_head holds it); 1 a leaf; 64 two leaves under a root; 4,096 a
 * third level (three leaves, two nodes above them, a root: 6); the whole
 * file 79 leaves, 2 above, a root (82).  Dropped to the pages a mapping
 * keeps: index 0 alone, none again; index 1 alone, one.  Expect those
 * counts, the checker's agreement after each step, 14 nodes to an order-1
 * slab (584-byte objects), and the slab pages counted as reclaimable slab.
 */
TEST(xarray_tree_shape_check)
{
	static const struct {
		uint64_t index;
		uint64_t nodes;
	} steps[] = {{0, 0}, {1, 1}, {64, 3}, {4096, 6}};
	struct pfnlab_machine *m = x86_machine();
	unsigned f = 0, mm = 0;

	if (!m)
		return;
	CHECK_EQ(pfnlab_file_create(m, "f", PFNLAB_FS_EXT4, 5000 * PAGE, &f), 0);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		CHECK_EQ(pfnlab_file_read(m, f, steps[i].index * PAGE, PAGE), 0);
		test_check_state(m);
		CHECK_EQ(m->mappings[f - 1].xa.nodes, steps[i].nodes);
	}
	CHECK_EQ(m->xa_nodes.order, 1);
	CHECK_EQ(m->xa_nodes.objects, 14);
	CHECK_EQ(m->xa_nodes.min_partial, 5);
	CHECK_EQ(pfnlab_file_read(m, f, 0, 5000 * PAGE), 0);
	test_check_state(m);
	CHECK_EQ(m->xa_nodes.inuse, 79 + 2 + 1);
	CHECK_EQ(m->xa_nodes.pages, 6 * 2); /* 82 nodes: 6 slabs of 14 */
	CHECK_EQ(pfnlab_vmstat(m, "nr_slab_reclaimable"), 12);
	for (uint64_t keep = 0; keep < 2; keep++) {
		CHECK_EQ(pfnlab_mm_create(m, keep ? "one" : "zero", &mm), 0);
		CHECK_EQ(pfnlab_mm_map_file(m, mm, 0x100000, PAGE, f, keep * PAGE, 0), 0);
		CHECK_EQ(pfnlab_mm_touch(m, mm, 0x100000, PAGE, NULL), 0);
		CHECK_EQ(pfnlab_sysctl_set(m, "vm.drop_caches", 1), 0);
		test_check_state(m);
		CHECK_EQ(m->mappings[f - 1].nr_cached, 1);
		CHECK_EQ(m->mappings[f - 1].xa.nodes, keep);
		CHECK_EQ(pfnlab_mm_destroy(m, mm), 0);
		CHECK_EQ(pfnlab_file_read(m, f, 0, 5000 * PAGE), 0);
	}
	/* the drops left min_partial's 5 empty slabs of 6; the last read took one more */
	CHECK_EQ(m->xa_nodes.nr, 6);
	pfnlab_machine_destroy(m);
}

/*
 * The trace of a read of page 1 of a fresh file: the page (movable,
 * readahead's mask), then its node's order-1 slab: xas_alloc()'s
 * GFP_NOWAIT with __GFP_ACCOUNT, SLUB's first try adding __GFP_NORETRY,
 * __GFP_NOWARN and __GFP_COMP, in a reclaimable pageblock.  Expect the
 * two lines in that order, and the buddy's free pages outside CMA down by
 * the page's per-CPU refill and the slab's two.
 */
TEST(xarray_node_after_page_check)
{
	struct pfnlab_machine *m = x86_machine();
	struct test_text tr = {0};
	struct pfnlab_sink ts = {test_text_write, &tr};
	unsigned f = 0;
	const char *page, *slab;
	long long out0;

	if (!m)
		return;
	CHECK_EQ(pfnlab_file_create(m, "f", PFNLAB_FS_EXT4, 2 * PAGE, &f), 0);
	CHECK_EQ(pfnlab_sysctl_set(m, "vm.drop_caches", 1), 0);
	out0 = outside_cma(m);
	pfnlab_set_trace(m, &ts);
	CHECK_EQ(pfnlab_file_read(m, f, PAGE, PAGE), 0);
	pfnlab_set_trace(m, NULL);
	test_check_state(m);
	page = tr.p ? strstr(tr.p, "order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_NOWARN|__GFP_NORETRY") : NULL;
	slab = tr.p ? strstr(tr.p, "order=1 migratetype=2 gfp_flags=") : NULL;
	CHECK(page && slab && page < slab);
	CHECK(slab && !strncmp(slab + strlen("order=1 migratetype=2 gfp_flags="),
			       "GFP_NOWAIT|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_RECLAIMABLE|__GFP_ACCOUNT\n", 79));
	CHECK_EQ(m->xa_nodes.inuse, 1);
	CHECK_EQ(pfnlab_pageblock_type(m, m->xa_nodes.slabs[0]), PFNLAB_MT_RECLAIMABLE);
	CHECK_EQ(out0 - outside_cma(m), 63 + 2); /* the page's per-CPU refill (a batch), the slab's two */
	free(tr.p);
	pfnlab_machine_destroy(m);
}

/*
 * ppc64 with 64 KiB pages: 112 nodes to an order-0 slab.  A memfd of
 * 8,192 pages written through a shared mapping: 128 leaves, 2 above, a
 * root (131 nodes, 2 slab pages); the memfd closed and unmapped, every
 * node goes, both slabs kept (min_partial).  Expect those counts.
 */
TEST(xarray_ppc64_shmem_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	unsigned s = 0, q = 0;

	pfnlab_config_preset(&c, "ppc64", 4ull << 30);
	m = test_machine(&c);
	if (!m)
		return;
	CHECK_EQ(pfnlab_memfd_create(m, "ram", 8192 * 65536ull, &s), 0);
	CHECK_EQ(pfnlab_mm_create(m, "qemu", &q), 0);
	CHECK_EQ(pfnlab_mm_map_file(m, q, 0x10000000, 8192 * 65536ull, s, 0, PFNLAB_MAP_SHARED), 0);
	CHECK_EQ(pfnlab_mm_touch(m, q, 0x10000000, 8192 * 65536ull, NULL), 0);
	test_check_state(m);
	CHECK_EQ(m->xa_nodes.order, 0);
	CHECK_EQ(m->xa_nodes.inuse, 128 + 2 + 1);
	CHECK_EQ(m->xa_nodes.pages, 2);
	CHECK_EQ(pfnlab_file_close(m, s), 0);
	CHECK_EQ(pfnlab_mm_destroy(m, q), 0);
	test_check_state(m);
	CHECK_EQ(m->xa_nodes.inuse, 0);
	CHECK_EQ(m->xa_nodes.pages, 2);
	pfnlab_machine_destroy(m);
}

RUN_TESTS(xarray_tree_shape_check, xarray_node_after_page_check, xarray_ppc64_shmem_check)
