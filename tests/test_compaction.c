/*
 * test_compaction.c - hand-written compaction cases, each with a picture of
 * the PFN range and the expected outcome, a slow reference for the
 * fragmentation index and score, and compaction under fault injection.
 * The whole-state checker runs after every operation.
 *
 * Picture legend: one character per page frame.
 *   .  free   a  anonymous page   p  anonymous page with an extra reference
 *   |  pageblock boundary
 */
#include <errno.h>
#include <stdlib.h>

#include "model.h"
#include "test.h"

/* 16 pages, max order 2 (blocks of 4), pageblocks of 4, no per-CPU lists, min watermark 0 */
static struct pfnlab_machine *tiny16(enum pfnlab_era era)
{
	struct pfnlab_config c;

	test_tiny_config(&c, 16, 2, 2);
	c.era = era;
	return test_machine(&c);
}

/*
 * Fill the machine with one space's anonymous pages, then free every
 * page whose picture character is '.', and take an extra reference on
 * each 'p'.  Returns the space.
 */
static unsigned paint(struct pfnlab_machine *m, const char *pic)
{
	unsigned id = 0;
	uint64_t n = (uint64_t)m->zones[0].nr_free, faulted = 0;

	CHECK_EQ(pfnlab_mm_create(m, "filler", &id), 0);
	for (uint64_t i = 0; i < n; i++) { /* one mapping per page, a page apart, so each unmaps alone */
		uint64_t one = 0;

		CHECK_EQ(pfnlab_mm_map(m, id, i << 13, 4096, 0), 0);
		CHECK_EQ(pfnlab_mm_touch(m, id, i << 13, 4096, &one), 0);
		faulted += one;
	}
	CHECK_EQ(faulted, n);
	for (uint64_t pfn = 0, i = 0; pfn < m->nr_pfns; pfn++) {
		const struct frame *f = &m->frames[pfn];
		char ch;

		if (f->flags & F_HOLE)
			continue;
		while (pic[i] == '|')
			i++;
		ch = pic[i++];
		CHECK(f->flags & F_ANON);
		if (ch == '.')
			CHECK_EQ(pfnlab_mm_unmap(m, id, (uint64_t)f->prev << 12, 4096), 0);
		else if (ch == 'p')
			CHECK_EQ(pfnlab_gup(m, id, (uint64_t)f->prev << 12, 1, PFNLAB_FOLL_GET, NULL), 0);
	}
	test_check_state(m);
	return id;
}

/* paint() with every @k-th page free, from PFN 0 */
static void fill_every(struct pfnlab_machine *m, unsigned k)
{
	char *pic = calloc(m->nr_pfns + 1, 1);

	CHECK(pic != NULL);
	for (uint64_t i = 0; i < m->nr_pfns; i++)
		pic[i] = i % k ? 'a' : '.';
	paint(m, pic);
	free(pic);
}

/* The picture of the machine now: '.' free, 'a' anonymous, '?' anything else. */
static const char *picture(const struct pfnlab_machine *m)
{
	static char buf[256];
	size_t n = 0;

	for (uint64_t pfn = 0; pfn < m->nr_pfns && n + 2 < sizeof(buf); pfn++) {
		const struct frame *f = &m->frames[pfn];

		if (pfn && !(pfn & (m->pb_pages - 1)))
			buf[n++] = '|';
		if (f->flags & F_BUDDY) {
			for (uint64_t k = 0; k < (1ull << f->order) && n + 2 < sizeof(buf); k++)
				buf[n++] = '.';
			pfn += (1ull << f->order) - 1;
			continue;
		}
		buf[n++] = (f->flags & F_ANON) ? (f->refcount > f->mt ? 'p' : 'a') : (f->flags ? '?' : '.');
	}
	buf[n] = 0;
	return buf;
}

static uint64_t vm(const struct pfnlab_machine *m, enum vm_item i)
{
	return m->vm[i];
}

/*
 * vm.compact_memory on
 *   |a...|a...|..aa|..a.|
 * Expect the migrate scanner to move page 0 and page 4 to the free
 * scanner's pages 13 and 12 (its block's order-1 free block, handed out
 * last page first), to isolate 10 and 11 with no target left (the free
 * scanner found no block above the migrate scanner), and the scanners to
 * meet:
 *   |....|....|..aa|aaa.|
 * compact_isolated = 4 migrate + 2 free; compact_migrate_scanned = 3 per
 * block (a free block counts once); compact_free_scanned = 2.
 */
TEST(compact_memory_scanners_meet)
{
	struct pfnlab_machine *m = tiny16(PFNLAB_ERA_CURRENT);
	uint32_t vpn0, vpn4;

	paint(m, "a...|a...|..aa|..a.");
	vpn0 = m->frames[0].prev;
	vpn4 = m->frames[4].prev;
	CHECK_EQ(compaction_sysctl_set(m, "vm.compact_memory", 1), 0);
	test_check_state(m);
	CHECK_STR(picture(m), "....|....|..aa|aaa.");
	CHECK_EQ(m->frames[13].prev, vpn0);
	CHECK_EQ(m->frames[12].prev, vpn4);
	CHECK_EQ(vm(m, VM_PGMIGRATE_SUCCESS), 2);
	CHECK_EQ(vm(m, VM_COMPACT_ISOLATED), 6);
	CHECK_EQ(vm(m, VM_COMPACT_MIGRATE_SCANNED), 9);
	CHECK_EQ(vm(m, VM_COMPACT_FREE_SCANNED), 2);
	CHECK_EQ(m->zones[0].area[2].nr_free, 2);
	/* met: the cached positions start anew */
	CHECK_EQ(m->zones[0].compact_cached_migrate_pfn[0], 0);
	CHECK_EQ(m->zones[0].compact_cached_free_pfn, 12);
	pfnlab_machine_destroy(m);
}

/*
 * Direct async compaction for an order-2 movable request on
 *   |p...|.a..|..a.|...a|      (p: an extra reference, the anon pre-check fails)
 * run twice.  The first run finds the zone's cached free scanner at 0
 * (the zone starts at PFN 0, never compacted): the scanners meet at once,
 * nothing moves, the positions reset, and as the migrate scanner started
 * at the zone's first restart point the run counts as whole: complete.
 * Expect the second run to skip the rest of the first block at the
 * failure (skip_on_failure), mark it PB_migrate_skip (nothing isolated),
 * and move page 5 up; block 1 left free at order 2 = pageblock order is
 * captured for the caller (a movable block may be captured from
 * pageblock order up):
 *   |p...|C...|..a.|..aa|      (C: the captured block)
 */
TEST(direct_async_skip_bit)
{
	struct pfnlab_machine *m = tiny16(PFNLAB_ERA_CURRENT);
	pfnlab_gfp_t gfp = PFNLAB_GFP_HIGHUSER_MOVABLE;
	uint64_t cap = 0;
	int r;

	paint(m, "p...|.a..|..a.|...a");
	r = try_to_compact_pages(m, gfp, 2, ALLOC_WMARK_MIN | ALLOC_CMA, PFNLAB_ZONE_MOVABLE, COMPACT_PRIO_ASYNC, &cap);
	test_check_state(m);
	CHECK_EQ(r, COMPACT_COMPLETE);
	CHECK_EQ(vm(m, VM_PGMIGRATE_SUCCESS), 0);
	CHECK_EQ(m->zones[0].compact_cached_free_pfn, 12);
	r = try_to_compact_pages(m, gfp, 2, ALLOC_WMARK_MIN | ALLOC_CMA, PFNLAB_ZONE_MOVABLE, COMPACT_PRIO_ASYNC, &cap);
	test_check_state(m);
	CHECK(pageblock_skip(m, 0));
	CHECK(!pageblock_skip(m, 4));
	CHECK_EQ(vm(m, VM_PGMIGRATE_SUCCESS), 1);
	CHECK_STR(picture(m), "p...|?...|..a.|..aa");
	CHECK_EQ(r, COMPACT_SUCCESS);
	CHECK_EQ(cap, 4);
	CHECK_EQ(m->frames[4].order, 2);
	CHECK_EQ(pfnlab_free_pages(m, 4, 2), 0);
	test_check_state(m);
	/* async: only the async cached migrate position moved past block 0 */
	CHECK(m->zones[0].compact_cached_migrate_pfn[0] >= 8);
	pfnlab_machine_destroy(m);
}

/*
 * Deferral arithmetic: each failed sync compaction doubles the attempts
 * skipped (1 << shift, at most 64); a success resets it.
 * Expect after k defer_compaction() calls that the next (1 << k) - 1
 * attempts are deferred and the one after runs; compaction_restarting()
 * once the shift is 6 and 64 were considered.
 */
TEST(deferral_arithmetic)
{
	struct pfnlab_machine *m = tiny16(PFNLAB_ERA_CURRENT);
	struct zone *z = &m->zones[0];
	uint64_t cap;

	/* 12 free pages (> 2 << 2 above the min watermark 0), no order-2 block, nothing movable */
	paint(m, "p...|p...|p...|p...");
	for (unsigned k = 1; k <= 7; k++) {
		unsigned expect_shift = k < 6 ? k : 6, deferred = 0;
		int r;

		/* a sync compaction that completes without a page defers the zone */
		r = try_to_compact_pages(m, PFNLAB_GFP_KERNEL, 2, ALLOC_WMARK_MIN, PFNLAB_ZONE_NORMAL,
					 COMPACT_PRIO_SYNC_LIGHT, &cap);
		test_check_state(m);
		CHECK(r == COMPACT_COMPLETE || r == COMPACT_PARTIAL_SKIPPED);
		CHECK_EQ(z->compact_defer_shift, expect_shift);
		CHECK_EQ(z->compact_order_failed, 0); /* zero at boot, min() keeps it there */
		for (;;) {
			r = try_to_compact_pages(m, PFNLAB_GFP_KERNEL, 2, ALLOC_WMARK_MIN, PFNLAB_ZONE_NORMAL,
						 COMPACT_PRIO_ASYNC, &cap);
			if (r != COMPACT_DEFERRED)
				break;
			deferred++;
		}
		CHECK_EQ(deferred, (1u << expect_shift) - 1);
		CHECK_EQ(compaction_restarting(z, 2), expect_shift == 6);
	}
	compaction_defer_reset(m, z, 2, true);
	CHECK_EQ(z->compact_defer_shift, 0);
	CHECK_EQ(z->compact_order_failed, 3);
	CHECK(try_to_compact_pages(m, PFNLAB_GFP_KERNEL, 2, ALLOC_WMARK_MIN, PFNLAB_ZONE_NORMAL,
				   COMPACT_PRIO_SYNC_LIGHT, &cap) != COMPACT_DEFERRED);
	CHECK_EQ(z->compact_order_failed, 2);
	CHECK_EQ(z->compact_defer_shift, 1);
	/* order 1 is below compact_order_failed: never deferred; order 2 is, once */
	CHECK(try_to_compact_pages(m, PFNLAB_GFP_KERNEL, 1, ALLOC_WMARK_MIN, PFNLAB_ZONE_NORMAL, COMPACT_PRIO_ASYNC,
				   &cap) != COMPACT_DEFERRED);
	CHECK_EQ(try_to_compact_pages(m, PFNLAB_GFP_KERNEL, 2, ALLOC_WMARK_MIN, PFNLAB_ZONE_NORMAL, COMPACT_PRIO_ASYNC,
				      &cap), COMPACT_DEFERRED);
	pfnlab_machine_destroy(m);
}

/*
 * Capture: direct compaction at the highest priority (whole zone, no
 * skip hints) for an unmovable order-2 request on
 *   |.a..|a...|..a.|.a..|      pageblock 0 UNMOVABLE, the rest MOVABLE
 * Expect page 1 to move to a page of an order-1 free block the fast free
 * search finds in the upper half, and block 0, free at order 2 then, to
 * be captured for the caller (allocated, off the free lists).
 */
TEST(capture_freed_block)
{
	struct pfnlab_machine *m = tiny16(PFNLAB_ERA_CURRENT);
	uint64_t cap = NIL_PFN, free_before;
	int r;

	paint(m, ".a..|a...|..a.|.a..");
	set_pageblock_migratetype(m, 0, PFNLAB_MT_UNMOVABLE);
	move_freepages_block(m, &m->zones[0], 0, PFNLAB_MT_UNMOVABLE, NULL);
	test_check_state(m);
	free_before = (uint64_t)m->zones[0].nr_free;
	r = try_to_compact_pages(m, PFNLAB_GFP_KERNEL, 2, ALLOC_WMARK_MIN, PFNLAB_ZONE_NORMAL, COMPACT_PRIO_SYNC_FULL,
				 &cap);
	test_check_state(m);
	CHECK_EQ(r, COMPACT_SUCCESS);
	CHECK_EQ(cap, 0);
	CHECK(m->frames[0].flags & F_ALLOC);
	CHECK_EQ(m->frames[0].order, 2);
	CHECK_EQ((uint64_t)m->zones[0].nr_free, free_before - 4);
	CHECK_EQ(pfnlab_free_pages(m, 0, 2), 0);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* The fragmentation index by walking every free list (the slow reference). */
static int ref_fragindex(const struct pfnlab_machine *m, const struct zone *z, unsigned order, unsigned *extfrag)
{
	uint64_t pages = 0, blocks = 0, suitable = 0;

	for (unsigned o = 0; o < m->nr_orders; o++)
		for (int t = 0; t < PFNLAB_MT_TYPES; t++)
			for (uint32_t p = z->area[o].list[t].head; p != NIL_PFN; p = m->frames[p].next) {
				blocks++;
				pages += 1ull << o;
				if (o >= order)
					suitable += 1ull << (o - order);
			}
	*extfrag = pages ? (unsigned)((pages - (suitable << order)) * 100 / pages) : 0;
	if (!blocks)
		return 0;
	if (suitable)
		return -1000;
	/* 1000 - (1000 + 1000 * free / requested) / blocks, in exact rationals truncated as C does */
	return (int)(1000 - (1000 + pages * 1000 / (1ull << order)) / blocks);
}

/*
 * Random allocations and frees on a 4 MiB machine; after each, expect the
 * fragmentation index and extfrag_for_order() of every order to equal the
 * slow reference's, and the node score to be the present-weighted mean.
 */
TEST(fragindex_reference)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	uint64_t live[256];
	unsigned nl = 0, seed = 12345;

	test_tiny_config(&c, 1024, 10, 9);
	m = test_machine(&c);
	for (int step = 0; step < 600; step++) {
		seed = seed * 1103515245u + 12345u;
		if (nl && ((seed >> 16) % 3 == 0 || nl == 256)) {
			unsigned k = (seed >> 8) % nl;

			CHECK_EQ(pfnlab_free_pages(m, live[k], m->frames[live[k]].order), 0);
			live[k] = live[--nl];
		} else {
			uint64_t pfn;

			if (!pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, (seed >> 20) % 4, &pfn))
				live[nl++] = pfn;
		}
		for (unsigned o = 0; o < m->nr_orders; o++) {
			unsigned ext;
			int ref = ref_fragindex(m, &m->zones[0], o, &ext);

			CHECK_EQ(fragmentation_index(m, &m->zones[0], o), ref);
			CHECK_EQ(extfrag_for_order(m, &m->zones[0], o), ext);
		}
	}
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 * compaction_suitable() for order 4 (costly) with every free page in
 * order-0 blocks: the fragmentation index is high (fragmentation, not
 * lack of memory), so compaction runs (continue); with
 * vm.extfrag_threshold = 1000 it is "not suitable" and reported as
 * skipped.  Below the order-0 watermark plus 2 << order: skipped.
 */
TEST(suitable_fragindex)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;

	test_tiny_config(&c, 128, 5, 5);
	m = test_machine(&c);
	fill_every(m, 2); /* every other page free: 64 order-0 blocks */
	CHECK_EQ(fragmentation_index(m, &m->zones[0], 4), 1000 - (1000 + 64 * 1000 / 16) / 64);
	CHECK_EQ(compaction_suitable(m, &m->zones[0], 4, ALLOC_WMARK_MIN, PFNLAB_ZONE_NORMAL), COMPACT_CONTINUE);
	CHECK_EQ(compaction_sysctl_set(m, "vm.extfrag_threshold", 1000), 0);
	CHECK_EQ(compaction_suitable(m, &m->zones[0], 4, ALLOC_WMARK_MIN, PFNLAB_ZONE_NORMAL), COMPACT_SKIPPED);
	CHECK_EQ(compaction_sysctl_set(m, "vm.extfrag_threshold", 1001), -EINVAL);
	/* order 5: 2 << 5 = 64 free pages needed above the watermark, 64 free: skipped */
	CHECK_EQ(compaction_suitable(m, &m->zones[0], 5, ALLOC_WMARK_MIN, PFNLAB_ZONE_NORMAL), COMPACT_SKIPPED);
	pfnlab_machine_destroy(m);
}

/*
 * Proactive compaction on a zone starting at PFN 512 whose free pages are
 * all single pages (every fourth page): the fragmentation score is 99
 * (> 90, the high mark at proactiveness 20).  Expect nothing before 500 ms
 * of model time, a whole-node compaction at the first check (pages move,
 * no kcompactd wake counted in 6.1), then either the score dropped and
 * the next check comes 500 ms later, or it did not and kcompactd waits
 * 500 ms << 6 = 32 s; and nothing at all with proactiveness 0.
 */
TEST(proactive_score)
{
	for (int on = 0; on < 2; on++) {
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		unsigned before, after;
		uint64_t moved;

		test_tiny_config(&c, 2560, 10, 9);
		c.ranges[0].start = 512ull << 12;
		m = test_machine(&c);
		if (!on)
			CHECK_EQ(compaction_sysctl_set(m, "vm.compaction_proactiveness", 0), 0);
		fill_every(m, 4);
		before = fragmentation_score_node(m);
		CHECK_EQ(before, 99);
		pfnlab_advance(m, 499000000);
		CHECK_EQ(vm(m, VM_PGMIGRATE_SUCCESS), 0);
		pfnlab_advance(m, 1000000);
		test_check_state(m);
		moved = vm(m, VM_PGMIGRATE_SUCCESS);
		after = fragmentation_score_node(m);
		CHECK_EQ(moved > 0, on);
		CHECK_EQ(vm(m, VM_COMPACT_DAEMON_WAKE), 0);
		pfnlab_advance(m, 31000000000ull); /* to 31.5 s */
		if (on && after >= before)
			CHECK_EQ(vm(m, VM_PGMIGRATE_SUCCESS), moved);
		pfnlab_advance(m, 30ull * 86400 * 1000000000); /* a month: the checks are cheap */
		test_check_state(m);
		if (!on)
			CHECK_EQ(vm(m, VM_PGMIGRATE_SUCCESS), 0);
		pfnlab_machine_destroy(m);
	}
}

/*
 * vm.compact_memory under fault injection: the Nth migration target
 * fails (compaction_alloc() finding no page), transiently and
 * persistently; expect the checker to pass, no page to leak (free +
 * mapped = all) and the space's pages to stay mapped.
 */
static int compact_op(struct pfnlab_machine *m, void *ctx)
{
	(void)ctx;
	return compaction_sysctl_set(m, "vm.compact_memory", 1);
}

TEST(compact_memory_faults)
{
	for (unsigned nth = 1; nth <= 6; nth++) {
		for (int persistent = 0; persistent < 2; persistent++) {
			struct pfnlab_machine *m = tiny16(PFNLAB_ERA_CURRENT);
			struct mm *mm;

			paint(m, "a...|a.a.|..aa|..a.");
			pfnlab_fault_inject(m, PFNLAB_FAULT_MIGRATE_TARGET, nth, persistent);
			CHECK_EQ(compact_op(m, NULL), 0);
			test_check_state(m);
			mm = mm_get(m, 1);
			CHECK_EQ(mm->rss, 6);
			CHECK_EQ((uint64_t)m->zones[0].nr_free, 10);
			pfnlab_machine_destroy(m);
		}
	}
}

/* Era 2015: no proactiveness knob; compaction_suitable() uses the low watermark and every order's fragindex. */
TEST(era_2015_knobs)
{
	struct pfnlab_machine *m = tiny16(PFNLAB_ERA_2015);
	uint64_t v = 7;

	CHECK_EQ(compaction_sysctl_set(m, "vm.compaction_proactiveness", 20), -ENOENT);
	CHECK_EQ(compaction_sysctl_get(m, "vm.compaction_proactiveness", &v), -ENOENT);
	CHECK_EQ(compaction_sysctl_get(m, "vm.extfrag_threshold", &v), 0);
	CHECK_EQ(v, 500);
	paint(m, "a...|a...|..aa|..a.");
	CHECK_EQ(compaction_sysctl_set(m, "vm.compact_memory", 1), 0);
	test_check_state(m);
	CHECK_EQ(m->zones[0].area[2].nr_free, 2);
	pfnlab_machine_destroy(m);
}

/*
 * The 2015 HPT fallback (kvmppc_alloc_hpt(): GFP_KERNEL | __GFP_ZERO |
 * __GFP_REPEAT | __GFP_NOWARN) on a v4.2 machine whose free pages lie in
 * no order-2 block:
 *   |a.a.|.a.a|a...|.a.a|      (fragmentation index 639, above vm.extfrag_threshold)
 * Expect v4.2's slow path to do it all inside the one allocation: the free
 * lists refuse the order-2 request; async direct compaction (MOVABLE
 * blocks only, no capture) meets the cached free scanner at the zone's
 * start and completes having moved nothing (as in direct_async_skip_bit);
 * direct reclaim finds nothing to reclaim (anonymous pages, no swap);
 * __GFP_REPEAT retries with sync-light compaction, which moves pages 0 and
 * 2 to the free scanner's block 3 and frees block 0:
 *   |....|.a.a|a...|aaaa|
 * and the free lists then give the fallback its table at PFN 0: whether
 * the fallback gets its table depends on compaction.
 */
TEST(hpt_fallback_2015_direct)
{
	struct pfnlab_machine *m = tiny16(PFNLAB_ERA_2015);
	pfnlab_gfp_t gfp = PFNLAB_GFP_KERNEL | PFNLAB___GFP_ZERO | PFNLAB___GFP_REPEAT | PFNLAB___GFP_NOWARN;
	uint64_t pfn = NIL_PFN;

	paint(m, "a.a.|.a.a|a...|.a.a");
	CHECK_EQ(pfnlab_alloc_pages(m, gfp, 2, &pfn), 0);
	test_check_state(m);
	CHECK_EQ(pfn, 0);
	CHECK_EQ(vm(m, VM_PGMIGRATE_SUCCESS), 2);
	CHECK_EQ(vm(m, VM_COMPACT_STALL), 2);
	CHECK_EQ(vm(m, VM_COMPACT_FAIL), 1);
	CHECK_EQ(vm(m, VM_COMPACT_SUCCESS), 1);
	CHECK_EQ(pfnlab_free_pages(m, pfn, 2), 0);
	test_check_state(m);
	CHECK_STR(picture(m), "....|.a.a|a...|aaaa");
	pfnlab_machine_destroy(m);
}

/*
 * alloc_contig_range() and the skip hints: a cma_alloc() of CMA blocks
 * 2 and 3 of
 *   |aaaa|aaaa|p...|a...|      (p: an extra reference, never isolated)
 * scans block 2 whole and takes nothing, block 3 takes page 12.
 * Expect 6.1 to leave block 2 marked PB_migrate_skip although the scan
 * ignored the hints (set_pageblock_skip() at the end of
 * isolate_migratepages_block() has no no_set_skip_hint test), and block 3
 * unmarked; 6.12 (which tests no_set_skip_hint) and v4.2 (whose
 * update_pageblock_skip() returns on ignore_skip_hint) to mark nothing.
 */
TEST(contig_skip_hint_quirk)
{
	static const struct {
		enum pfnlab_era era;
		enum pfnlab_kernel kernel;
		bool marked;
	} cases[] = {
		{PFNLAB_ERA_CURRENT, PFNLAB_KERNEL_6_1, true},
		{PFNLAB_ERA_CURRENT, PFNLAB_KERNEL_6_12, false},
		{PFNLAB_ERA_2015, PFNLAB_KERNEL_6_1, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		uint64_t pfn = 0;

		test_tiny_config(&c, 16, 2, 2);
		test_cma_area(&c, 8, 8, "t");
		c.era = cases[i].era;
		c.kernel = cases[i].kernel;
		m = test_machine(&c);
		if (!m)
			return;
		paint(m, "aaaa|aaaa|p...|a...");
		CHECK(pfnlab_cma_alloc(m, 0, 8, 0, &pfn) < 0);
		test_check_state(m);
		CHECK_EQ(pageblock_skip(m, 8), cases[i].marked);
		CHECK(!pageblock_skip(m, 12));
		CHECK(!pageblock_skip(m, 0) && !pageblock_skip(m, 4));
		pfnlab_machine_destroy(m);
	}
}

RUN_TESTS(compact_memory_scanners_meet, direct_async_skip_bit, deferral_arithmetic, capture_freed_block,
	  fragindex_reference, suitable_fragindex, proactive_score, compact_memory_faults, era_2015_knobs,
	  hpt_fallback_2015_direct, contig_skip_hint_quirk)
