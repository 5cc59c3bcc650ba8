/*
 * test_reclaim.c - reclaim, swap and the OOM killer on small machines:
 * kswapd and direct reclaim of clean page cache, the second chance of
 * pages read twice, swap-out and swap-in of anonymous memory with its
 * contents, OOM kills in oom_badness() order with oom_score_adj, the
 * panic when nothing is left to kill, and the stop of v4.2's
 * __GFP_REPEAT reclaim loop over pages that can never go.  The
 * whole-state checker runs after every step.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "test.h"

#define PAGE 4096ull
#define RAM 4096ull /* pages: 16 MiB */

/* One zone of RAM pages with min_free_kbytes of RAM / 64 and @swap pages of swap. */
static struct pfnlab_machine *machine(uint64_t swap, enum pfnlab_era era)
{
	struct pfnlab_config c;

	test_tiny_config(&c, RAM, 5, 4);
	c.min_free_kbytes = (unsigned)(RAM * 4 / 64);
	c.swap_bytes = swap * PAGE;
	c.era = era;
	return test_machine(&c);
}

static unsigned file(struct pfnlab_machine *m, const char *name, uint64_t pages)
{
	unsigned id = 0;

	CHECK_EQ(pfnlab_file_create(m, name, PFNLAB_FS_EXT4, pages * PAGE, &id), 0);
	return id;
}

static uint64_t cached(const struct pfnlab_machine *m, unsigned id)
{
	struct pfnlab_file_info fi;

	CHECK_EQ(pfnlab_file_info(m, id, &fi), 0);
	return fi.cached;
}

/* Read @pages of file @id from its start, 32 pages per read(); every read must succeed. */
static void read_through(struct pfnlab_machine *m, unsigned id, uint64_t pages)
{
	for (uint64_t p = 0; p < pages; p += 32) {
		CHECK_EQ(pfnlab_file_read(m, id, p * PAGE, 32 * PAGE), 0);
		test_check_state(m);
	}
}

/* An address space @name with @pages of anonymous memory faulted in at 1 GiB. */
static unsigned space(struct pfnlab_machine *m, const char *name, uint64_t pages, int *err)
{
	unsigned id = 0;

	CHECK_EQ(pfnlab_mm_create(m, name, &id), 0);
	CHECK_EQ(pfnlab_mm_map(m, id, 1ull << 30, pages * PAGE, 0), 0);
	*err = pfnlab_mm_touch(m, id, 1ull << 30, pages * PAGE, NULL);
	test_check_state(m);
	return id;
}

/*
 * Reading a file twice the size of RAM succeeds throughout: kswapd, woken
 * below the low watermark, and direct reclaim drop the clean pages read
 * before; afterwards the zone is above its min watermark and the counters
 * say who reclaimed.
 */
TEST(stream_larger_than_ram_check)
{
	struct pfnlab_machine *m = machine(0, PFNLAB_ERA_CURRENT);
	unsigned f;

	if (!m)
		return;
	f = file(m, "big", 2 * RAM);
	read_through(m, f, 2 * RAM);
	CHECK(cached(m, f) < RAM);
	CHECK(cached(m, f) > RAM / 2);
	CHECK(pfnlab_vmstat(m, "pgsteal_kswapd") > 0);
	CHECK(pfnlab_vmstat(m, "pgscan_kswapd") >= pfnlab_vmstat(m, "pgsteal_kswapd"));
	CHECK_EQ(pfnlab_vmstat(m, "pgsteal_kswapd") + pfnlab_vmstat(m, "pgsteal_direct") + (long long)cached(m, f),
		 (long long)(2 * RAM));
	CHECK(m->zones[0].nr_free > (int64_t)m->zones[0].wmark[WMARK_MIN]);
	CHECK_EQ(pfnlab_vmstat(m, "oom_kill"), 0);
	for (int i = 0; i < m->nr_zones; i++) /* balance_pgdat() cleared ZONE_RECLAIM_ACTIVE as it ended */
		CHECK(!m->zones[i].reclaim_active);
	pfnlab_machine_destroy(m);
}

/*
 * Second chance: a file read twice is active and survives a stream of
 * single reads twice the size of RAM; a file read once before the stream
 * is reclaimed with it.
 */
TEST(read_twice_survives_stream_check)
{
	struct pfnlab_machine *m = machine(0, PFNLAB_ERA_CURRENT);
	unsigned hot, cold, stream;

	if (!m)
		return;
	hot = file(m, "hot", 256);
	cold = file(m, "cold", 256);
	stream = file(m, "stream", 2 * RAM);
	read_through(m, hot, 256);
	read_through(m, hot, 256);
	read_through(m, cold, 256);
	read_through(m, stream, 2 * RAM);
	CHECK_EQ(cached(m, hot), 256);
	CHECK(cached(m, cold) < 256);
	CHECK(pfnlab_vmstat(m, "pgactivate") >= 256);
	pfnlab_machine_destroy(m);
}

/*
 * With swap, anonymous memory one and a half times RAM fits: the pages
 * touched first go out to swap, and touching them again faults them back
 * in (swap is modelled without page contents).
 */
TEST(swap_out_and_in_check)
{
	struct pfnlab_machine *m = machine(2 * RAM, PFNLAB_ERA_CURRENT);
	uint64_t total = 0, used = 0, back = 0, n = RAM + RAM / 2;
	unsigned id;
	int err = 0;

	if (!m)
		return;
	id = space(m, "qemu", n, &err);
	CHECK_EQ(err, 0);
	pfnlab_swap_pages(m, &total, &used);
	CHECK_EQ(total, 2 * RAM);
	CHECK(used >= RAM / 2);
	CHECK(pfnlab_vmstat(m, "pswpout") >= (long long)(RAM / 2));
	CHECK_EQ(pfnlab_vmstat(m, "pswpin"), 0);
	CHECK_EQ(pfnlab_mm_touch(m, id, 1ull << 30, 256 * PAGE, &back), 0);
	test_check_state(m);
	CHECK(back > 0);
	CHECK(pfnlab_vmstat(m, "pswpin") >= (long long)back);
	CHECK_EQ(pfnlab_vmstat(m, "oom_kill"), 0);
	pfnlab_machine_destroy(m);
}

/*
 * Without swap, kernel allocations after anonymous memory filled RAM call
 * the OOM killer: the largest task goes first, a task with oom_score_adj
 * -1000 never, and when only it is left the machine panics.
 */
TEST(oom_kill_order_and_panic_check)
{
	struct pfnlab_machine *m = machine(0, PFNLAB_ERA_CURRENT);
	struct pfnlab_oom_event ev[4] = {0};
	struct pfnlab_task t;
	unsigned big, small, keep;
	size_t kills = 0;
	uint64_t pfn;
	char why[256] = "";
	int err = 0;

	if (!m)
		return;
	big = space(m, "big", RAM / 2, &err);
	CHECK_EQ(err, 0);
	small = space(m, "small", RAM / 8, &err);
	CHECK_EQ(err, 0);
	keep = space(m, "keep", RAM / 4, &err);
	CHECK_EQ(err, 0);
	CHECK_EQ(pfnlab_mm_task(m, keep, &t), 0);
	t.oom_score_adj = -1000;
	CHECK_EQ(pfnlab_mm_set_task(m, keep, &t), 0);
	for (int i = 0; i < (int)RAM && !pfnlab_panicked(m, why, sizeof(why)); i++) {
		err = pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &pfn);
		test_check_state(m);
		while (kills < 4 && pfnlab_oom_next(m, &ev[kills]) == 0)
			kills++;
	}
	CHECK_EQ(kills, 2);
	CHECK_STR(ev[0].comm, "big");
	CHECK_STR(ev[1].comm, "small");
	CHECK(ev[0].points > ev[1].points);
	CHECK_EQ(ev[0].mm, big);
	CHECK_EQ(ev[1].mm, small);
	CHECK(strstr(ev[0].line, "Out of memory: Killed process") == ev[0].line);
	CHECK(pfnlab_panicked(m, why, sizeof(why)));
	CHECK(strstr(why, "System is deadlocked on memory") != NULL);
	CHECK_EQ(pfnlab_mm_task(m, big, &t), -ENOENT);
	CHECK_EQ(pfnlab_mm_task(m, keep, &t), 0);
	CHECK_EQ(pfnlab_vmstat(m, "oom_kill"), 2);
	pfnlab_machine_destroy(m);
}

/*
 * --era 2015: an order-4 __GFP_REPEAT allocation on a machine whose
 * reclaimable pages are all pinned, unmapped page cache (on the inactive
 * list, never referenced again) and whose free memory cannot be compacted.  v4.2's shrink_zone() would scan those pages
 * forever; the model stops the loop, counts it and the allocation fails.
 */
TEST(repeat_livelock_stops_2015_check)
{
	struct pfnlab_machine *m = machine(0, PFNLAB_ERA_2015);
	unsigned f, id = 0;
	uint64_t pfn = 0, last = 0, n = 0;
	long h;

	if (!m)
		return;
	f = file(m, "pinned", 64);
	read_through(m, f, 64);
	CHECK_EQ(pfnlab_mm_create(m, "qemu", &id), 0);
	CHECK_EQ(pfnlab_mm_map_file(m, id, 1ull << 30, 64 * PAGE, f, 0, PFNLAB_MAP_SHARED), 0);
	h = pfnlab_pin(m, id, 1ull << 30, 64, PFNLAB_FOLL_PIN | PFNLAB_FOLL_WRITE | PFNLAB_FOLL_LONGTERM, "vfio", NULL);
	CHECK_EQ(h > 0 ? 0 : h, 0);
	CHECK_EQ(pfnlab_mm_unmap(m, id, 1ull << 30, 64 * PAGE), 0); /* VFIO keeps them pinned, unmapped */
	while (pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL | PFNLAB___GFP_NORETRY, 0, &pfn) == 0) {
		last = pfn;
		n++;
	}
	CHECK(n > RAM / 2);
	/* kswapd scanned the pinned pages while the filler ran: a page freed makes the zone reclaimable again */
	CHECK_EQ(pfnlab_free_pages(m, last, 0), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL | PFNLAB___GFP_REPEAT, 4, &pfn), -ENOMEM);
	test_check_state(m);
	CHECK(pfnlab_vmstat(m, "pfnlab_reclaim_livelock") > 0);
	CHECK_EQ(cached(m, f), 64);
	CHECK_EQ(pfnlab_unpin(m, h), 0);
	pfnlab_machine_destroy(m);
}

/*
 * A file written larger than RAM with the dirty limits raised and the
 * flusher's periodic runs off: the page cache needs reclaim of dirty
 * pages.  6.1's kswapd wakes the flusher and sleeps in reclaim_throttle()
 * while the disk completes (direct reclaimers a jiffy at a time), so model
 * time passes inside the writes, traced as mm_vmscan_throttled, and every
 * write succeeds with the cleaned pages reclaimed.  v4.2 has no such sleep:
 * no model time passes there.
 */
TEST(reclaim_sleeps_while_disk_writes_check)
{
	for (int era = 0; era < 2; era++) {
		struct pfnlab_machine *m = machine(0, era ? PFNLAB_ERA_2015 : PFNLAB_ERA_CURRENT);
		struct test_text t = {0};
		struct pfnlab_sink sink = {test_text_write, &t};
		unsigned f;
		uint64_t failed = 0;

		if (!m)
			return;
		pfnlab_set_trace(m, &sink);
		CHECK_EQ(pfnlab_sysctl_set(m, "vm.dirty_writeback_centisecs", 0), 0);
		CHECK_EQ(pfnlab_sysctl_set(m, "vm.dirty_background_ratio", 90), 0);
		CHECK_EQ(pfnlab_sysctl_set(m, "vm.dirty_ratio", 95), 0);
		f = file(m, "big", RAM * 3 / 2);
		for (uint64_t p = 0; p < RAM * 3 / 2; p += 32) {
			failed += pfnlab_file_write(m, f, p * PAGE, 32 * PAGE) != 0;
			test_check_state(m);
		}
		pfnlab_set_trace(m, NULL);
		if (era) {
			CHECK_EQ(pfnlab_now(m), 0);
			CHECK(!t.p || !strstr(t.p, "mm_vmscan_throttled"));
		} else {
			CHECK_EQ(failed, 0);
			CHECK(pfnlab_now(m) > 0);
			CHECK(t.p && strstr(t.p, "mm_vmscan_throttled: nid=0 usec_timeout="));
			CHECK(pfnlab_vmstat(m, "pgsteal_file") > 0);
			CHECK(pfnlab_vmstat(m, "nr_written") > 0);
		}
		if (test_verbose)
			printf("  %s: %llu writes failed, %llu ns passed, %llu written, %llu reclaimed\n",
			       era ? "2015" : "6.1", (unsigned long long)failed, (unsigned long long)pfnlab_now(m),
			       (unsigned long long)pfnlab_vmstat(m, "nr_written"),
			       (unsigned long long)pfnlab_vmstat(m, "pgsteal_file"));
		free(t.p);
		pfnlab_machine_destroy(m);
	}
}

/*
 * boost_watermark() (v5.0+) on 256 pages in pageblocks of 4 with
 * watermark_scale_factor 200: min 0, low 5, high 10 (256 * 200 / 10000 =
 * 5 a step), so the boost's cap is max(4, 10 * 15000 / 10000) = 15.  Each
 * boost adds a pageblock up to the cap: 4, 8, 12, 15, 15; the checker
 * finds the fast path's marks raised with it; a sysctl write that sets
 * the watermarks up again drops it.  v4.2 never boosts.
 */
TEST(boost_watermark_steps_check)
{
	static const uint64_t boost[] = {4, 8, 12, 15, 15};

	for (int era = 0; era < 2; era++) {
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		struct zone *z;

		test_variant = era ? "2015" : "current";
		test_tiny_config(&c, 256, 3, 2);
		c.watermark_scale_factor = 200;
		c.era = era ? PFNLAB_ERA_2015 : PFNLAB_ERA_CURRENT;
		m = test_machine(&c);
		z = &m->zones[0];
		if (!era)
			CHECK_EQ(z->wmark[WMARK_HIGH], 10);
		for (size_t i = 0; i < sizeof(boost) / sizeof(boost[0]); i++) {
			CHECK_EQ(boost_watermark(m, z), !era);
			CHECK_EQ(z->watermark_boost, era ? 0 : boost[i]);
			CHECK_EQ(wmark_pages(z, WMARK_LOW), z->wmark[WMARK_LOW] + (era ? 0 : boost[i]));
			test_check_state(m);
		}
		if (!era) {
			CHECK_EQ(pfnlab_sysctl_set(m, "vm.watermark_scale_factor", 200), 0);
			CHECK_EQ(z->watermark_boost, 0);
			CHECK_EQ(pfnlab_sysctl_set(m, "vm.watermark_boost_factor", 0), 0);
			CHECK(!boost_watermark(m, z));
			test_check_state(m);
		}
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

/*
 * A fallback below pageblock order boosts the watermarks and wakes kswapd
 * though the node is balanced (6.1 and 6.12).  256 pages in pageblocks of
 * 4, no watermarks while 255 movable pages are allocated and those at
 * even PFNs freed again (every free page alone, its buddy in use), then
 * watermark_scale_factor 200 (low 5, high 10).  An unmovable page can only
 * come from an order-0 MOVABLE block: the claim boosts by a pageblock (4),
 * rmqueue() wakes kswapd, whose boosted reclaim may neither write back
 * nor swap, finds nothing, stops and counts a failure, takes the boost off
 * and wakes kcompactd for pageblock order.  v4.2 neither boosts nor wakes
 * kswapd here.
 */
TEST(fallback_boost_wakes_kswapd_check)
{
	for (int k = 0; k < 3; k++) {
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		uint64_t pfn[255], p;
		bool cur = k < 2;

		test_variant = k == 0 ? "6.1" : k == 1 ? "6.12" : "2015";
		test_tiny_config(&c, 256, 3, 2);
		c.era = cur ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
		c.kernel = k == 1 ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1;
		m = test_machine(&c);
		for (int i = 0; i < 255; i++)
			CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0, &pfn[i]), 0);
		for (int i = 0; i < 255; i++)
			if (!(pfn[i] & 1))
				CHECK_EQ(pfnlab_free_pages(m, pfn[i], 0), 0);
		if (cur)
			CHECK_EQ(pfnlab_sysctl_set(m, "vm.watermark_scale_factor", 200), 0);
		test_check_state(m);
		CHECK_EQ(m->vm[VM_PAGEOUTRUN], 0);
		CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &p), 0);
		test_check_state(m);
		CHECK_EQ(m->vm[VM_EXTFRAG], 1);
		CHECK_EQ(pb_type(m, p), PFNLAB_MT_UNMOVABLE);
		CHECK_EQ(m->vm[VM_PAGEOUTRUN], cur);
		CHECK_EQ(m->kswapd.failures, cur);
		CHECK_EQ(m->zones[0].watermark_boost, 0);
		CHECK_EQ(m->zones[0].boosted_wmark, false);
		CHECK_EQ(m->vm[VM_COMPACT_DAEMON_WAKE] > 0, cur);
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

/*
 * zone_watermark_fast()'s exemption: an atomic order-0 request at the min
 * watermark ignores the boost.  256 pages, min_free_kbytes 128: min 32,
 * low 40, high 48; GFP_ATOMIC pages (__GFP_HIGH halves the mark, no
 * blocking takes a quarter more) until 20 are free; then the boost at its
 * cap, 72 (48 * 15000 / 10000).  With it the reduced mark is 104 - 52 -
 * 13 = 39 and fails; without it 32 - 16 - 4 = 12 passes.  6.1 exempts
 * masks with __GFP_ATOMIC, so GFP_ATOMIC gets a page and __GFP_HIGH
 * without it does not; 6.12 exempts ALLOC_MIN_RESERVE (__GFP_HIGH), so
 * both do.  kswapd, hopeless after the fill (nothing it may reclaim),
 * leaves the boost in place.
 */
TEST(atomic_ignores_boost_at_min_check)
{
	for (int k = 0; k < 2; k++) {
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		struct zone *z;
		uint64_t p;

		test_variant = k ? "6.12" : "6.1";
		test_tiny_config(&c, 256, 3, 2);
		c.min_free_kbytes = 128;
		c.kernel = k ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1;
		m = test_machine(&c);
		z = &m->zones[0];
		CHECK_EQ(z->wmark[WMARK_MIN], 32);
		CHECK_EQ(z->wmark[WMARK_HIGH], 48);
		while (z->nr_free > 20)
			CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_ATOMIC, 0, &p), 0);
		for (int i = 0; i < 18; i++)
			boost_watermark(m, z);
		CHECK_EQ(z->watermark_boost, 72);
		CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_ATOMIC, 0, &p), 0);
		CHECK(m->kswapd.failures >= 16); /* hopeless since the fill: the boost stays */
		CHECK_EQ(z->watermark_boost, 72);
		CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_NOWAIT | PFNLAB___GFP_HIGH, 0, &p), k ? 0 : -ENOMEM);
		test_check_state(m);
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

/*
 * warn_alloc(): the line a failed allocation leaves in the kernel's log.
 * 64 pages, all allocated; GFP_NOWAIT pages then fail at once (no direct
 * reclaim) for a task "tester".  6.1 prints one line per 10 s (nopage_rs,
 * burst 1) and, at the first line of a new window, how many it
 * suppressed; v4.2 ten per 5 s, in its own words and bit values
 * (__GFP_ZERO is 0x8000 there, GFP_NOWAIT 0); __GFP_NOWARN prints nothing.
 */
TEST(warn_alloc_line_check)
{
	for (int era = 0; era < 2; era++) {
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		struct test_capture log = {.len = 0};
		struct pfnlab_sink sink = {test_capture_write, &log};
		uint64_t p;
		unsigned task;

		test_variant = era ? "2015" : "current";
		test_tiny_config(&c, 64, 3, 2);
		c.era = era ? PFNLAB_ERA_2015 : PFNLAB_ERA_CURRENT;
		m = test_machine(&c);
		while (pfnlab_alloc_pages(m, PFNLAB_GFP_HIGHUSER_MOVABLE | PFNLAB___GFP_NOWARN, 0, &p) == 0)
			;
		CHECK_EQ(pfnlab_mm_create(m, "tester", &task), 0);
		pfnlab_set_current(m, task);
		pfnlab_set_log(m, &sink);
		CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_NOWAIT | PFNLAB___GFP_NOWARN, 0, &p), -ENOMEM);
		CHECK_STR(log.text, "");
		for (int i = 0; i < 12; i++)
			CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_NOWAIT | PFNLAB___GFP_ZERO, 0, &p), -ENOMEM);
		pfnlab_advance(m, 10000000000ull);
		CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_NOWAIT, 1, &p), -ENOMEM);
		if (era)
			CHECK_STR(log.text, "tester: page allocation failure: order:0, mode:0x8000\n"
					    "tester: page allocation failure: order:0, mode:0x8000\n"
					    "tester: page allocation failure: order:0, mode:0x8000\n"
					    "tester: page allocation failure: order:0, mode:0x8000\n"
					    "tester: page allocation failure: order:0, mode:0x8000\n"
					    "tester: page allocation failure: order:0, mode:0x8000\n"
					    "tester: page allocation failure: order:0, mode:0x8000\n"
					    "tester: page allocation failure: order:0, mode:0x8000\n"
					    "tester: page allocation failure: order:0, mode:0x8000\n"
					    "tester: page allocation failure: order:0, mode:0x8000\n"
					    "warn_alloc_failed: 2 callbacks suppressed\n"
					    "tester: page allocation failure: order:1, mode:0x0\n");
		else
			CHECK_STR(log.text, "tester: page allocation failure: order:0, mode:0x900(GFP_NOWAIT|__GFP_ZERO), "
					    "nodemask=(null)\n"
					    "warn_alloc: 11 callbacks suppressed\n"
					    "tester: page allocation failure: order:1, mode:0x800(GFP_NOWAIT), nodemask=(null)\n");
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

RUN_TESTS(stream_larger_than_ram_check, read_twice_survives_stream_check, swap_out_and_in_check,
	  oom_kill_order_and_panic_check, repeat_livelock_stops_2015_check,
	  reclaim_sleeps_while_disk_writes_check, boost_watermark_steps_check, fallback_boost_wakes_kswapd_check,
	  atomic_ignores_boost_at_min_check, warn_alloc_line_check)
