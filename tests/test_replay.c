/*
 * test_replay.c - trace replay (src/input): the line and field parsers,
 * exact-PFN claims on the buddy lists, what each event does to the model,
 * errors with their line numbers, decompression.  Every test that changes
 * a machine runs the whole-state checker after it.
 */
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "claim.h"
#include "input.h"
#include "test.h"
#include "text_scan.h"

/* ---- helpers ---------------------------------------------------------- */

/* One Normal zone of @mib MiB from PFN 0, 4 KiB pages, orders 0..10, pageblock order 9, v6.1. */
static struct pfnlab_machine *small(unsigned mib, unsigned cma_mib)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char why[256];

	pfnlab_config_preset(&c, "x86_64", (uint64_t)mib << 20);
	c.nr_ranges = 1;
	c.ranges[0] = (struct pfnlab_range){0, (uint64_t)mib << 20};
	c.reserved_low_bytes = 0;
	c.zone_dma_end = c.zone_dma32_end = 0;
	c.pcp = false; /* a replay needs them off: the trace shows each page the buddy allocator gave */
	if (cma_mib) {
		c.nr_cma = 1;
		c.cma[0].size = (uint64_t)cma_mib << 20;
		snprintf(c.cma[0].name, sizeof(c.cma[0].name), "reserved");
	}
	if (pfnlab_machine_create(&c, &m, why, sizeof(why))) {
		T_FAIL("machine: %s", why);
		return NULL;
	}
	return m;
}

/* Feed @text to a new replay of @m; returns the replay (error in *err, message in why). */
static struct pfnlab_replay *replay(struct pfnlab_machine *m, const char *text, bool lenient, int *err, char *why,
				    size_t len)
{
	struct pfnlab_replay_opts o = {.lenient = lenient};
	struct pfnlab_replay *r;

	*err = pfnlab_replay_create(m, &o, &r);
	if (*err) {
		T_FAIL("%s", "replay_create failed");
		return NULL;
	}
	*err = pfnlab_replay_feed(r, text, strlen(text), "t", why, len);
	return r;
}

/* replay() after a look-ahead over @text: its lines split once, by the look-ahead (the memo) */
static struct pfnlab_replay *replay_ahead(struct pfnlab_machine *m, const char *text, bool lenient, int *err,
					  char *why, size_t len)
{
	struct pfnlab_replay_opts o = {.lenient = lenient};
	struct pfnlab_replay *r;
	struct input_lines l;
	struct trace_prescan ps;

	*err = pfnlab_replay_create(m, &o, &r);
	if (*err) {
		T_FAIL("%s", "replay_create failed");
		return NULL;
	}
	input_lines_init(&l, "t", text, strlen(text));
	*err = trace_lookahead(&l, true, 1u << 20, &ps);
	if (!*err)
		*err = pfnlab_replay_run(r, &l, why, len);
	input_lines_free(&l);
	return r;
}

#define C(r, key) ((long long)pfnlab_replay_counter(r, key))

/* A free block of @order with head @pfn on the @mt list? */
static bool free_block(const struct pfnlab_machine *m, uint64_t pfn, unsigned order, int mt)
{
	const struct frame *f = &m->frames[pfn];

	return (f->flags & F_BUDDY) && f->order == order && f->mt == mt;
}

#define ALLOC(pfn, order) \
	"  a-1 [000] .... 1.0: mm_page_alloc: page=ffffea0000000040 pfn=" #pfn " order=" #order \
	" migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
#define FREE(pfn, order) "  a-1 [000] .... 1.0: mm_page_free: page=ffffea0000000040 pfn=" #pfn " order=" #order "\n"
#define ALLOC_FMT "  a-1 [000] .... 1.0: mm_page_alloc: page=ffffea0000000040 pfn=%#x order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
#define FREE_FMT "  a-1 [000] .... 1.0: mm_page_free: page=ffffea0000000040 pfn=%#x order=0\n"

/* ---- the line parser -------------------------------------------------- */

TEST(split_line_shapes_check)
{
	static const struct {
		const char *line;
		int kind;
		const char *name;
		bool flags;
	} cases[] = {
		/* trace, today: five flags */
		{"       apt-cache-4912    [000] .....   489.671954: mm_page_alloc: page=0 pfn=0x1", TL_EVENT, "mm_page_alloc", true},
		/* 2015: four flags */
		{"        qemu-kvm-4242  [003] d...  1234.567900: mm_page_free: page=f pfn=7", TL_EVENT, "mm_page_free", true},
		/* trace-cmd report: no flags, padded name */
		{"              rm-87    [000]     5.291353: mm_page_alloc:        page=0x1 pfn=0x26c0", TL_EVENT, "mm_page_alloc", false},
		/* record-tgid */
		{"            bash-4930    (   4930) [001] .....   489.671961: kmalloc: call_site=x", TL_EVENT, "kmalloc", true},
		/* a comm with blanks and dashes */
		{"  Web Content-x-12  [001] ....  9.5: cma_release: name=a pfn=0x1 page=0 count=1", TL_EVENT, "cma_release", true},
		/* no fields */
		{" k-1 [000] .... 1.0: mm_compaction_kcompactd_sleep:", TL_EVENT, "mm_compaction_kcompactd_sleep", true},
		{"# tracer: nop", TL_SKIP, NULL, false},
		{"", TL_SKIP, NULL, false},
		{"### begin phase=whole_refs_held", TL_SKIP, NULL, false},
		{"cpus=1", TL_SKIP, NULL, false},
		/* the function tracer's lines are no events */
		{"   bash-1 [000] .... 1.0: do_sys_open <-sys_open", TL_SKIP, NULL, false},
		{"CPU:3 [LOST 4711 EVENTS]", TL_LOST, NULL, false},
		{"CPU:0 [12 EVENTS DROPPED]", TL_LOST, NULL, false},
		{"CPU:0 [EVENTS DROPPED]", TL_LOST, NULL, false},
		{"CPU:0 [LOST EVENTS]", TL_SKIP, NULL, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct trace_line tl;
		int k = trace_split_line(cases[i].line, strlen(cases[i].line), &tl);

		test_variant = cases[i].line;
		CHECK_EQ(k, cases[i].kind);
		if (k == TL_EVENT) {
			CHECK_EQ(tl.name_len, strlen(cases[i].name));
			CHECK(!memcmp(tl.name, cases[i].name, tl.name_len));
			CHECK_EQ(tl.has_flags, cases[i].flags);
		}
	}
	test_variant = NULL;
	{
		struct trace_line tl;

		CHECK_EQ(trace_split_line("CPU:3 [LOST 4711 EVENTS]", 24, &tl), TL_LOST);
		CHECK_EQ(tl.lost, 4711);
		CHECK_EQ(trace_split_line("CPU:0 [EVENTS DROPPED]", 22, &tl), TL_LOST);
		CHECK(tl.lost_unknown);
	}
}

TEST(split_fields_check)
{
	const char *s = "range=(0x17c00 ~ 0x18000) nr_scanned=1024 nr_taken=0";
	const char *z = "node=0 zone=Normal   order=9 ret=continue";
	struct trace_fields tf;
	uint32_t vl;
	const char *v;
	uint64_t x;

	CHECK_EQ(trace_split_fields(s, strlen(s), &tf), 0);
	CHECK_EQ(tf.n, 3);
	v = trace_field(&tf, 0, "range", &vl);
	CHECK(v && vl == 19 && !memcmp(v, "(0x17c00 ~ 0x18000)", 19));
	v = trace_field(&tf, 0, "nr_taken", &vl); /* wrong hint: found anyway */
	CHECK(v && !trace_parse_u64(v, vl, false, &x) && x == 0);
	CHECK_EQ(trace_split_fields(z, strlen(z), &tf), 0);
	CHECK_EQ(tf.n, 4);
	CHECK(trace_field(&tf, 9, "absent", &vl) == NULL);
	CHECK_EQ(trace_split_fields("word k=v", 8, &tf), -EINVAL);
	CHECK(!trace_parse_u64("0x1f", 4, false, &x) && x == 0x1f);
	CHECK(!trace_parse_u64("1f", 2, true, &x) && x == 0x1f);
	CHECK(trace_parse_u64("1f", 2, false, &x) == -EINVAL);
	CHECK(trace_parse_u64("", 0, false, &x) == -EINVAL);
	CHECK(trace_parse_u64("99999999999999999999", 20, false, &x) == -EINVAL);
	{
		int64_t y;

		CHECK(!trace_parse_s64("-16", 3, &y) && y == -16);
	}
	CHECK_EQ(trace_event_lookup("mm_compaction_begin", 19), EV_COMPACTION);
	CHECK_EQ(trace_event_lookup("kmalloc", 7), EV_UNKNOWN);
	CHECK_EQ(trace_event_lookup("cma_alloc", 9), EV_CMA_ALLOC);
	{
		/* every name by its length and first byte, and near misses */
		static const struct {
			const char *name;
			enum trace_event_id id;
		} names[] = {
			{"mm_page_alloc", EV_PAGE_ALLOC}, {"mm_page_free", EV_PAGE_FREE},
			{"mm_page_free_batched", EV_PAGE_FREE_BATCHED}, {"mm_page_alloc_zone_locked", EV_ALLOC_ZONE_LOCKED},
			{"mm_page_pcpu_drain", EV_PCPU_DRAIN}, {"mm_page_alloc_extfrag", EV_EXTFRAG},
			{"mm_alloc_contig_migrate_range_info", EV_CONTIG_INFO}, {"mm_migrate_pages", EV_MIGRATE},
			{"mm_migrate_pages_start", EV_MIGRATE_START}, {"cma_alloc", EV_CMA_ALLOC},
			{"cma_release", EV_CMA_RELEASE}, {"cma_alloc_start", EV_CMA_ALLOC_START},
			{"cma_alloc_finish", EV_CMA_ALLOC_FINISH}, {"cma_alloc_busy_retry", EV_CMA_BUSY_RETRY},
			{"test_pages_isolated", EV_TEST_ISOLATED}, {"mm_page_allox", EV_UNKNOWN},
			{"cma_alloc_busy_retrx", EV_UNKNOWN}, {"mm_page_free_batchex", EV_UNKNOWN},
			{"xm_migrate_pages", EV_UNKNOWN}, {"mm_compaction_", EV_UNKNOWN}, {"", EV_UNKNOWN},
		};
		struct trace_line tl;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char line[128];

			test_variant = names[i].name;
			CHECK_EQ(trace_event_lookup(names[i].name, strlen(names[i].name)), names[i].id);
			snprintf(line, sizeof(line), " k-1 [000] .... 1.0: %s: pfn=0x1", names[i].name);
			if (names[i].name[0]) {
				CHECK_EQ(trace_split_line(line, strlen(line), &tl), TL_EVENT);
				CHECK_EQ(tl.id, names[i].id);
			}
		}
		test_variant = NULL;
		/* a name with a character no event name has is no event */
		CHECK_EQ(trace_split_line(" k-1 [000] .... 1.0: mm_compaction_x-y: a=1", 43, &tl), TL_SKIP);
		CHECK_EQ(trace_split_line(" k-1 [000] .... 1.0: mm_compaction_x_y: a=1", 43, &tl), TL_EVENT);
		CHECK_EQ(tl.id, EV_COMPACTION);
	}
}

/* ---- claims ----------------------------------------------------------- */

/*
 *   PFN    0                               1024
 *          [ free, order 10, Movable        ]
 *   claim  5 (order 0):
 *          [0-3 o2][4 o0](5)[6-7 o1][8-15 o3] ... [512-1023 o9]
 * Expect the unused halves back on the Movable list, 5 taken, the checker happy,
 * and the release to rebuild the order-10 block.
 */
TEST(claim_expand_check)
{
	struct pfnlab_machine *m = small(64, 0);

	if (!m)
		return;
	CHECK(claim_range_free(m, 5, 0));
	CHECK(claim_take_if_free(m, pfn_zone(m, 5), 5, 0));
	claim_mark_alloc(m, pfn_zone(m, 5), 5, 0, true);
	CHECK(free_block(m, 0, 2, PFNLAB_MT_MOVABLE));
	CHECK(free_block(m, 4, 0, PFNLAB_MT_MOVABLE));
	CHECK(free_block(m, 6, 1, PFNLAB_MT_MOVABLE));
	CHECK(free_block(m, 8, 3, PFNLAB_MT_MOVABLE));
	CHECK(free_block(m, 512, 9, PFNLAB_MT_MOVABLE));
	CHECK(!claim_range_free(m, 4, 1));
	CHECK(!claim_take_if_free(m, pfn_zone(m, 5), 5, 0));
	CHECK_EQ(claim_block_head(m, 7), 6);
	test_check_state(m);
	claim_release(m, pfn_zone(m, 5), 5, 0);
	CHECK(free_block(m, 0, 10, PFNLAB_MT_MOVABLE));
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 * expand() adds each half at the head of its list, whatever its
 * neighbours (only __free_one_page() asks buddy_merge_likely()): after
 * claims of PFN 1029 and then 5, the order-8 list starts 256, 1280,
 * although 256's next-higher buddy (512, order 9) is free.
 */
TEST(claim_expand_head_check)
{
	struct pfnlab_machine *m = small(64, 0);
	const struct free_list *l;

	if (!m)
		return;
	CHECK(claim_take_if_free(m, pfn_zone(m, 1029), 1029, 0));
	claim_mark_alloc(m, pfn_zone(m, 1029), 1029, 0, true);
	CHECK(claim_take_if_free(m, pfn_zone(m, 5), 5, 0));
	claim_mark_alloc(m, pfn_zone(m, 5), 5, 0, true);
	l = &m->zones[m->nr_zones - 1].area[8].list[PFNLAB_MT_MOVABLE];
	CHECK_EQ(l->head, 256);
	CHECK_EQ(m->frames[256].next, 1280);
	CHECK(free_block(m, 512, 9, PFNLAB_MT_MOVABLE));
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* ---- replay ----------------------------------------------------------- */

/*
 *   alloc 0x105 o0, alloc 0x200 o2, free both:
 *   [0x100 .. 0x500) order 10 -> split twice -> merged back
 * Expect the machine to print exactly what it printed before.
 */
TEST(replay_alloc_free_roundtrip_check)
{
	struct pfnlab_machine *m = small(64, 0);
	struct pfnlab_replay *r;
	char why[256], before[2048];
	int err;
	long f0;

	if (!m)
		return;
	f0 = pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL);
	snprintf(before, sizeof(before), "%ld", pfnlab_nr_free(m, PFNLAB_ZONE_NORMAL, 10, PFNLAB_MT_MOVABLE));
	r = replay(m, ALLOC(0x105, 0) ALLOC(0x200, 2), false, &err, why, sizeof(why));
	CHECK_EQ(err, 0);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), f0 - 5);
	CHECK(m->frames[0x105].flags & F_ALLOC);
	CHECK_EQ(m->frames[0x200].order, 2);
	test_check_state(m);
	CHECK_EQ(pfnlab_replay_feed(r, FREE(0x200, 2) FREE(0x105, 0), strlen(FREE(0x200, 2) FREE(0x105, 0)), "t",
				    why, sizeof(why)), 0);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), f0);
	CHECK_EQ(pfnlab_nr_free(m, PFNLAB_ZONE_NORMAL, 10, PFNLAB_MT_MOVABLE), atol(before));
	CHECK_EQ(C(r, "pages_allocated"), 5);
	CHECK_EQ(C(r, "pages_freed"), 5);
	CHECK_EQ(C(r, "frees_unseen"), 0);
	test_check_state(m);
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
}

/*
 * A page freed that the trace never allocated existed before it began:
 * on a fresh machine it is already free.  Expect it counted, nothing changed.
 */
TEST(replay_free_unseen_check)
{
	struct pfnlab_machine *m = small(64, 0);
	struct pfnlab_replay *r;
	char why[256];
	int err;
	long f0;

	if (!m)
		return;
	f0 = pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL);
	r = replay(m, FREE(0x300, 1), false, &err, why, sizeof(why));
	CHECK_EQ(err, 0);
	CHECK_EQ(C(r, "frees_unseen"), 1);
	CHECK_EQ(C(r, "pages_freed_unseen"), 2);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), f0);
	test_check_state(m);
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
}

/*
 *   [0x400 in use before the trace]  trace: alloc 0x400, free 0x400
 * The model has 0x400 in use (a snapshot put an allocation there): the
 * allocation is made elsewhere by the model's allocator and remembered.
 * Expect alloc_relocated 1, and the free to free the relocated pages, so
 * that free memory is what it was.
 */
TEST(replay_relocation_check)
{
	struct pfnlab_machine *m = small(64, 0);
	struct pfnlab_replay *r;
	char why[256];
	int err;
	long f0;

	if (!m)
		return;
	CHECK(claim_take_if_free(m, pfn_zone(m, 0x400), 0x400, 0));
	claim_mark_alloc(m, pfn_zone(m, 0x400), 0x400, 0, false);
	f0 = pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL);
	r = replay(m, ALLOC(0x400, 0), false, &err, why, sizeof(why));
	CHECK_EQ(err, 0);
	CHECK_EQ(C(r, "alloc_relocated"), 1);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), f0 - 1);
	test_check_state(m);
	CHECK_EQ(pfnlab_replay_feed(r, FREE(0x400, 0), strlen(FREE(0x400, 0)), "t", why, sizeof(why)), 0);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), f0);
	CHECK(m->frames[0x400].flags & F_ALLOC); /* the pre-trace allocation is still there */
	/* a second free of 0x400: never allocated by the trace now, the model's page goes */
	CHECK_EQ(pfnlab_replay_feed(r, FREE(0x400, 0), strlen(FREE(0x400, 0)), "t", why, sizeof(why)), 0);
	CHECK_EQ(C(r, "frees_unseen"), 1);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), f0 + 1);
	test_check_state(m);
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
}

/*
 * An order-2 page split into four order-0 frees (split_page()), and an
 * allocation seen twice (its free was lost).  Expect both handled, checker happy.
 */
TEST(replay_split_and_lost_free_check)
{
	struct pfnlab_machine *m = small(64, 0);
	struct pfnlab_replay *r;
	char why[256];
	int err;
	long f0;

	if (!m)
		return;
	f0 = pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL);
	r = replay(m, ALLOC(0x800, 2) FREE(0x801, 0) FREE(0x800, 0) FREE(0x803, 0) FREE(0x802, 0)
		   ALLOC(0x900, 0) ALLOC(0x900, 0), false, &err, why, sizeof(why));
	CHECK_EQ(err, 0);
	CHECK_EQ(C(r, "frees_unseen"), 0);
	CHECK_EQ(C(r, "free_conflicts"), 1);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), f0 - 1);
	test_check_state(m);
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
}

/*
 *   [0x1000 .. 0x1200) free order 9   [0x1200 (0x1201 in use) .. 0x1400) split
 *   extfrag alloc_migratetype=0 fallback_order=9 change_ownership=1 at 0x1000;
 *   extfrag alloc_migratetype=2 fallback_order=10 at 0x2000
 * Expect the first pageblock Unmovable with its free pages on the Unmovable
 * list, its neighbour untouched, and both pageblocks of the order-10 block
 * Reclaimable.
 */
TEST(replay_extfrag_ownership_check)
{
	struct pfnlab_machine *m = small(64, 0);
	struct pfnlab_replay *r;
	char why[256];
	int err;

	if (!m)
		return;
	r = replay(m, ALLOC(0x1201, 0)
		   "  a-1 [000] d... 1.0: mm_page_alloc_extfrag: page=ffffea0000040000 pfn=0x1000 alloc_order=0 "
		   "fallback_order=9 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 "
		   "change_ownership=1\n"
		   "  a-1 [000] d... 1.0: mm_page_alloc_extfrag: page=ffffea0000080000 pfn=0x2000 alloc_order=0 "
		   "fallback_order=10 pageblock_order=9 alloc_migratetype=2 fallback_migratetype=1 fragmenting=0 "
		   "change_ownership=1\n",
		   false, &err, why, sizeof(why));
	CHECK_EQ(C(r, "extfrag_type_fixes"), 0);
	CHECK_EQ(err, 0);
	CHECK_EQ(pfnlab_pageblock_type(m, 0x1000), PFNLAB_MT_UNMOVABLE);
	CHECK_EQ(pfnlab_pageblock_type(m, 0x1200), PFNLAB_MT_MOVABLE);
	CHECK_EQ(pfnlab_pageblock_type(m, 0x2000), PFNLAB_MT_RECLAIMABLE);
	CHECK_EQ(pfnlab_pageblock_type(m, 0x2200), PFNLAB_MT_RECLAIMABLE);
	CHECK(free_block(m, 0x1000, 9, PFNLAB_MT_UNMOVABLE));
	CHECK(free_block(m, 0x1200, 0, PFNLAB_MT_MOVABLE));
	CHECK(free_block(m, 0x2000, 10, PFNLAB_MT_RECLAIMABLE));
	CHECK_EQ(C(r, "extfrag_events"), 2);
	CHECK_EQ(C(r, "extfrag_change_ownership"), 2);
	test_check_state(m);
	/*
	 * The trace says 0x3000 was Unmovable; the model has it Movable: it
	 * swaps types with the nearest Unmovable block (0x1000) first.
	 */
	{
		static const char t[] = "  a-1 [000] d... 1.0: mm_page_alloc_extfrag: page=1 pfn=0x3000 alloc_order=0 "
					"fallback_order=9 pageblock_order=9 alloc_migratetype=2 fallback_migratetype=0 "
					"fragmenting=0 change_ownership=1\n";

		CHECK_EQ(pfnlab_replay_feed(r, t, strlen(t), "t", why, sizeof(why)), 0);
		CHECK_EQ(C(r, "extfrag_type_fixes"), 1);
		CHECK_EQ(pfnlab_pageblock_type(m, 0x1000), PFNLAB_MT_MOVABLE);
		CHECK_EQ(pfnlab_pageblock_type(m, 0x3000), PFNLAB_MT_RECLAIMABLE);
		CHECK(free_block(m, 0x1000, 9, PFNLAB_MT_MOVABLE));
		test_check_state(m);
	}
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
}

/* A malformed line of a known event: "FILE:LINE: what"; --lenient counts it. */
TEST(replay_malformed_check)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"# x\n  a-1 [000] .... 1.0: mm_page_alloc: page=0 pfn=0x10 order=0 migratetype=1\n",
		 "t:2: mm_page_alloc: no gfp_flags= field"},
		{"  a-1 [000] .... 1.0: mm_page_free: page=0 pfn=0xzz order=0\n", "t:1: mm_page_free: pfn=0xzz is not a number"},
		{"  a-1 [000] .... 1.0: mm_page_alloc: page=1 pfn=0x10 order=0 migratetype=1 gfp_flags=GFP_BOGUS\n",
		 "t:1: mm_page_alloc: gfp_flags=GFP_BOGUS has a name pfnlab does not know"},
		{"  a-1 [000] .... 1.0: mm_page_free: page=1 pfn=0x10 order=44\n", "order=44 is beyond"},
		{ALLOC(0x10, 0) "  a-1 [000] .... 1.0: mm_page_free: page=1 pfn=16 order=0\n", "t:2: mm_page_free: pfn=16 is in the 2015 (decimal) form"},
		{"  a-1 [000] .... 1.0: test_pages_isolated: start_pfn=0x1 end_pfn=0x2 fin_pfn=0x2 ret=maybe\n", "ret=maybe"},
		{"  a-1 [000] .... 1.0: mm_migrate_pages: nr_succeeded=1 nr_failed=0\n", "no mode= field"},
		{"  a-1 [000] .... 1.0: cma_alloc_finish: name=r pfn=0x10 page=1 count=1 align=0 errorno=x\n", "errorno=x"},
		/* a line cut short at the end of a truncated file */
		{ALLOC(0x10, 0) "  a-1 [000] .... 1.0: mm_page_alloc: page=1 pfn=0x12 order=0 migratetype=1 gfp_fla",
		 "t:2: mm_page_alloc: "},
	};

	/* fed as it is, and after a look-ahead, which splits the lines for the replay */
	for (size_t i = 0; i < 2 * sizeof(bad) / sizeof(bad[0]); i++) {
		struct pfnlab_replay *(*run)(struct pfnlab_machine *, const char *, bool, int *, char *, size_t) =
			i & 1 ? replay_ahead : replay;
		const char *text = bad[i / 2].text, *msg = bad[i / 2].msg;
		struct pfnlab_machine *m = small(64, 0);
		struct pfnlab_replay *r;
		char why[256] = "";
		int err;

		if (!m)
			return;
		test_variant = msg;
		r = run(m, text, false, &err, why, sizeof(why));
		CHECK_EQ(err, -EINVAL);
		if (!strstr(why, msg))
			T_FAIL("message '%s'%s", why, i & 1 ? " after a look-ahead" : "");
		pfnlab_replay_destroy(r);
		r = run(m, text, true, &err, why, sizeof(why));
		CHECK_EQ(err, 0);
		CHECK_EQ(C(r, "lines_malformed"), 1);
		test_check_state(m);
		pfnlab_replay_destroy(r);
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

/* Unknown events, lost events, binary data, a text that is no trace. */
TEST(replay_counts_check)
{
	struct pfnlab_machine *m = small(64, 0);
	struct pfnlab_replay *r;
	char why[256];
	int err;

	if (!m)
		return;
	r = replay(m,
		   "# tracer: nop\n"
		   "  a-1 [000] .... 1.0: kmalloc: call_site=x ptr=0 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL\n"
		   "CPU:1 [LOST 10 EVENTS]\n"
		   "  a-1 [000] .... 1.0: sched_switch: prev_comm=a prev_pid=1\n"
		   "CPU:0 [EVENTS DROPPED]\n"
		   "  a-1 [000] .... 1.0: kmalloc: call_site=y\n",
		   false, &err, why, sizeof(why));
	CHECK_EQ(err, 0);
	CHECK_EQ(C(r, "events_total"), 3);
	CHECK_EQ(C(r, "events_unknown"), 3);
	CHECK_EQ(C(r, "lost_events"), 10);
	CHECK_EQ(C(r, "lost_lines"), 2);
	CHECK_EQ(C(r, "lost_unknown"), 1);
	CHECK_EQ(C(r, "lines_skipped"), 1);
	CHECK_EQ(C(r, "lines_total"), 6);
	pfnlab_replay_destroy(r);
	{
		static const char bin[] = "  a-1 [000] .... 1.0: kmalloc: x=1\nab\0cd\n";

		CHECK_EQ(pfnlab_replay_create(m, NULL, &r), 0);
		CHECK_EQ(pfnlab_replay_feed(r, bin, sizeof(bin) - 1, "b", why, sizeof(why)), -EINVAL);
		CHECK(strstr(why, "b:2: binary data") != NULL);
		CHECK_EQ(pfnlab_replay_feed(r, "hello\nworld\n", 12, "h", why, sizeof(why)), -EINVAL);
		CHECK(strstr(why, "h: no trace events") != NULL);
		pfnlab_replay_destroy(r);
	}
	pfnlab_machine_destroy(m);
}

/*
 * 6.10+ kernels print mm_alloc_contig_migrate_range_info's values under the
 * wrong labels (nr_migrated holds the migrate type).  Expect the 6.12.117
 * line read as 13264 migrated, 0 reclaimed, 13264 mapped; a line whose
 * nr_migrated cannot be a migrate type read as labelled.
 */
TEST(replay_contig_info_labels_check)
{
	struct pfnlab_machine *m = small(64, 0);
	struct pfnlab_replay *r;
	char why[256];
	int err;

	if (!m)
		return;
	r = replay(m,
		   "  o-62 [000] ..... 3.3: mm_alloc_contig_migrate_range_info: start=0x17c00 end=0x1fc00 "
		   "migratetype=13264 nr_migrated=4 nr_reclaimed=13264 nr_mapped=0\n"
		   "  o-62 [000] ..... 3.4: mm_alloc_contig_migrate_range_info: start=0x17c00 end=0x1fc00 "
		   "migratetype=4 nr_migrated=100 nr_reclaimed=3 nr_mapped=50\n",
		   false, &err, why, sizeof(why));
	CHECK_EQ(err, 0);
	CHECK_EQ(C(r, "contig_migrated"), 13364);
	CHECK_EQ(C(r, "contig_reclaimed"), 3);
	CHECK_EQ(C(r, "contig_mapped"), 13314);
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
}

/*
 *   CMA area [base, base + 4096): cma_alloc_finish takes 1024 pages at base,
 *   one page of which the trace had allocated (it moves away first);
 *   a failed one counts its pages in alloc_pages_fail; cma_release gives them back.
 * Expect the bitmap and sysfs counters to follow, and the machine to end as it began.
 */
TEST(replay_cma_cycle_check)
{
	struct pfnlab_machine *m = small(256, 16);
	struct pfnlab_replay *r;
	struct pfnlab_cma_info ci;
	char why[256], text[2048];
	int err;
	long f0;

	if (!m)
		return;
	pfnlab_cma_info(m, 0, &ci);
	f0 = pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL);
	snprintf(text, sizeof(text),
		 "  a-1 [000] .... 1.0: mm_page_alloc: page=1 pfn=%#llx order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		 "  o-6 [000] .... 2.0: cma_alloc_start: name=reserved count=1024 align=0\n"
		 "  o-6 [000] .... 2.1: cma_alloc_finish: name=reserved pfn=%#llx page=2 count=1024 align=0 errorno=0\n"
		 "  o-6 [000] .... 2.2: cma_alloc_finish: name=reserved pfn=%#llx page=0000000000000000 count=4096 align=0 errorno=-16\n",
		 (unsigned long long)ci.base_pfn + 7, (unsigned long long)ci.base_pfn, (unsigned long long)ci.base_pfn);
	r = replay(m, text, false, &err, why, sizeof(why));
	CHECK_EQ(err, 0);
	pfnlab_cma_info(m, 0, &ci);
	CHECK_EQ(ci.used, 1024);
	CHECK_EQ(ci.alloc_pages_success, 1024);
	CHECK_EQ(ci.alloc_pages_fail, 4096);
	CHECK_EQ(C(r, "cma_pages_moved"), 1);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), f0 - 1025);
	test_check_state(m);
	snprintf(text, sizeof(text),
		 "  o-6 [000] .... 3.0: cma_release: name=reserved pfn=%#llx page=2 count=1024\n"
		 "  a-1 [000] .... 3.1: mm_page_free: page=1 pfn=%#llx order=0\n",
		 (unsigned long long)ci.base_pfn, (unsigned long long)ci.base_pfn + 7);
	CHECK_EQ(pfnlab_replay_feed(r, text, strlen(text), "t", why, sizeof(why)), 0);
	pfnlab_cma_info(m, 0, &ci);
	CHECK_EQ(ci.used, 0);
	CHECK_EQ(ci.release_pages_success, 1024);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), f0);
	CHECK_EQ(C(r, "frees_unseen"), 0);
	test_check_state(m);
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
}

/*
 * A cma_release whose range begins 31 pages below the area and ends on
 * its first page (no kernel prints one; a lenient replay of another
 * machine's trace can meet it): the held page it covers goes back and
 * its bitmap bit with it, the other ten stay held.  The fuzzer found the
 * bit left set (fuzz/corpus/trace_cma/straddling-release).
 */
TEST(replay_cma_release_straddling_check)
{
	struct pfnlab_machine *m = small(256, 16);
	struct pfnlab_replay *r;
	struct pfnlab_cma_info ci;
	char why[256], text[1024];
	int err;

	if (!m)
		return;
	pfnlab_cma_info(m, 0, &ci);
	snprintf(text, sizeof(text),
		 "  o-6 [000] .... 2.1: cma_alloc_finish: name=reserved pfn=%#llx page=2 count=11 align=0 errorno=0\n"
		 "  o-6 [000] .... 3.0: cma_release: name=reserved pfn=%#llx page=2 count=32\n",
		 (unsigned long long)ci.base_pfn, (unsigned long long)ci.base_pfn - 31);
	r = replay(m, text, true, &err, why, sizeof(why));
	CHECK_EQ(err, 0);
	pfnlab_cma_info(m, 0, &ci);
	CHECK_EQ(ci.used, 10);
	test_check_state(m);
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
}

/*
 * A range a cma_alloc of the trace holds, then page events inside it:
 * an allocation there (the cma_release and its frees were lost) and a free
 * there (the release's own, before its cma_release event).  Expect the
 * pages to leave the CMA range (bits cleared, the allocation's 8 pages in
 * cma_pages_released_unseen), the checker to pass after each step (it
 * failed with "bit set but PFN is not a cma_alloc page"), and the machine
 * to end as it began once the release and the allocation's free come.
 */
TEST(replay_cma_lost_release_check)
{
	struct pfnlab_machine *m = small(256, 16);
	struct pfnlab_replay *r;
	struct pfnlab_cma_info ci;
	char why[256], text[2048];
	unsigned long long base;
	int err;
	long f0;

	if (!m)
		return;
	pfnlab_cma_info(m, 0, &ci);
	base = ci.base_pfn;
	f0 = pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL);
	snprintf(text, sizeof(text),
		 "  o-6 [000] .... 2.1: cma_alloc_finish: name=reserved pfn=%#llx page=2 count=64 align=0\n"
		 "  a-1 [000] .... 2.2: mm_page_alloc: page=1 pfn=%#llx order=3 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		 "  o-6 [000] .... 2.3: mm_page_free: page=2 pfn=%#llx order=0\n",
		 base, base + 8, base + 16);
	r = replay(m, text, false, &err, why, sizeof(why));
	CHECK_EQ(err, 0);
	test_check_state(m);
	pfnlab_cma_info(m, 0, &ci);
	CHECK_EQ(ci.used, 64 - 8 - 1);
	CHECK_EQ(C(r, "cma_pages_released_unseen"), 8);
	CHECK_EQ(C(r, "free_conflicts"), 0);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), f0 - 63);
	snprintf(text, sizeof(text),
		 "  o-6 [000] .... 3.0: cma_release: name=reserved pfn=%#llx page=2 count=64\n"
		 "  a-1 [000] .... 3.1: mm_page_free: page=1 pfn=%#llx order=3\n",
		 base, base + 8);
	CHECK_EQ(pfnlab_replay_feed(r, text, strlen(text), "t", why, sizeof(why)), 0);
	test_check_state(m);
	pfnlab_cma_info(m, 0, &ci);
	CHECK_EQ(ci.used, 0);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), f0);
	CHECK_EQ(C(r, "frees_unseen"), 0);
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
}

/* 2015 kernels: decimal PFNs, the old migrate-type numbers (2 = Movable), cma_alloc's hex pfn. */
TEST(replay_2015_form_check)
{
	struct pfnlab_machine *m = small(64, 0);
	struct pfnlab_replay *r;
	struct trace_prescan ps;
	char why[256];
	int err;
	static const char t[] =
		"  q-1 [003] ....  1.5: mm_page_alloc: page=ffffea000002e000 pfn=2944 order=0 migratetype=2 gfp_flags=GFP_HIGHUSER_MOVABLE|GFP_COLD\n"
		"  q-1 [003] d...  1.6: mm_page_alloc_extfrag: page=ffffea0000800000 pfn=8192 alloc_order=0 fallback_order=3 pageblock_order=9 alloc_migratetype=1 fallback_migratetype=2 fragmenting=1 change_ownership=1\n"
		"  q-1 [003] ....  1.7: mm_page_alloc: page=(null) pfn=0 order=9 migratetype=2 gfp_flags=GFP_TRANSHUGE\n"
		"  q-1 [003] ....  1.8: cma_alloc: pfn=1000 page=ffffea0000800000 count=16 align=4\n";

	if (!m)
		return;
	trace_prescan(t, strlen(t), &ps);
	CHECK_EQ(ps.era, PFNLAB_ERA_2015);
	CHECK_EQ(ps.max_pfn, 8192);
	r = replay(m, t, false, &err, why, sizeof(why));
	CHECK_EQ(err, 0);
	CHECK(m->frames[2944].flags & F_ALLOC);
	CHECK_EQ(pfnlab_pageblock_type(m, 8192), PFNLAB_MT_RECLAIMABLE); /* 1 was Reclaimable in 2015 */
	CHECK_EQ(C(r, "alloc_failed"), 1);
	CHECK_EQ(C(r, "cma_alloc_success"), 1);
	CHECK(m->frames[0x1000].flags & F_ALLOC);
	test_check_state(m);
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
}

/*
 * Page event lines in the usual form and in every odd form near it: the
 * one-pass reader (event_parse_next()) takes the first, the line split and
 * field readers the others.  With "\r\n" line ends every line takes the
 * second path; expect the same counters, names, messages and frames.
 */
static char *odd_page_trace(unsigned lines, bool crlf)
{
	static const char *const masks[] = {"GFP_HIGHUSER_MOVABLE|__GFP_COMP", "GFP_KERNEL", "GFP_KERNEL_ACCOUNT|__GFP_ZERO",
					    "GFP_NOWAIT|__GFP_BOGUS"};
	static const char *const heads[] = {
		"%16s-%-7d [%03d] ..... %5u.%06u: ",   /* trace, v6.x: '[' in the 26th column */
		"%16s-%-7d [%03d] .... %5u.%06u: ",    /* 2015: four flags */
		"%16s-%-7d [%03d] %5u.%06u: ",          /* no flags column */
		"%s-%d [%03d] d..1. %u.%06u: ",         /* trace-cmd: no padding */
		"%16s-%-7d [%03d]\t..... %5u.%06u: ",  /* a tab after the CPU: no blank */
	};
	static const char *const comms[] = {"bash", "kworker/u8:12-events_unbound", "a[1]", "k [7]", "two words", "C", "#x"};
	size_t cap = (size_t)lines * 256, n = 0;
	char *t = malloc(cap);
	uint64_t x = 88172645463325252ull;

	for (unsigned i = 0; t && i < lines; i++) {
		unsigned r[8], pfn, order, kind;
		bool odd[8];
		const char *sp;

		for (int k = 0; k < 8; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			r[k] = (unsigned)(x >> 20);
			odd[k] = i && r[k] % 24 == 0; /* the first line usual: it sets the era */
		}
		order = odd[1] ? 11 : r[1] % 4;
		pfn = (r[2] % 17000) & ~((1u << (order < 11 ? order : 0)) - 1);
		kind = r[3] % 8;
		sp = odd[4] ? "  " : " ";
		n += (size_t)snprintf(t + n, cap - n, heads[odd[5] ? r[5] % 5 : 0], comms[odd[6] ? r[6] % 7 : 0],
				      (int)(r[6] % 100000), (int)(r[7] % 3), r[7] % 1000, r[0] % 1000000);
		if (kind < 4) {
			bool none = r[4] % 20 == 0;

			n += (size_t)snprintf(t + n, cap - n,
					      "mm_page_alloc:%spage=%s%spfn=%s%x%sorder=%u%smigratetype=%u%sgfp_flags=%s",
					      odd[0] ? "   " : " ", none ? (r[0] % 2 ? "(null)" : "0000000000000000") : "ffffea0000412340",
					      sp, odd[2] ? (r[5] % 2 ? "0X" : "0x00000") : "0x", none ? 0 : pfn, sp, order, sp,
					      odd[3] ? 7 : r[6] % 3, sp, masks[odd[7] ? 3 : r[7] % 3]);
		} else {
			n += (size_t)snprintf(t + n, cap - n, "%s: page=%s pfn=%s%x%sorder=%u",
					      kind < 7 ? "mm_page_free" : "mm_page_free_batched", odd[0] ? "" : "ffffea0000412340",
					      odd[2] ? (r[5] % 2 ? "" : "0xA") : "0x", pfn, sp, order);
		}
		if (odd[3] || odd[7])
			t[n++] = r[4] % 2 ? ' ' : '\t';
		if (crlf)
			t[n++] = '\r';
		t[n++] = '\n';
	}
	if (t)
		t[n] = '\0';
	return t;
}

TEST(replay_one_pass_check)
{
	for (int lenient = 1; lenient >= 0; lenient--) {
		char *text[2] = {odd_page_trace(6000, false), odd_page_trace(6000, true)}, *sum[2] = {NULL, NULL};
		struct pfnlab_machine *m[2] = {small(64, 0), small(64, 0)};
		char why[2][256] = {"", ""};
		int err[2];

		for (int i = 0; i < 2 && text[i] && m[i]; i++) {
			struct test_text out = {0};
			struct pfnlab_sink s = {test_text_write, &out};
			struct pfnlab_replay *r = replay(m[i], text[i], lenient, &err[i], why[i], sizeof(why[i]));

			if (!r)
				break;
			test_text_write(&out, "", 0);
			pfnlab_replay_summary(r, true, &s);
			sum[i] = out.p;
			if (lenient)
				CHECK(C(r, "events_known") > 4000 && C(r, "lines_malformed") > 100);
			test_check_state(m[i]);
			pfnlab_replay_destroy(r);
		}
		if (sum[0] && sum[1]) {
			CHECK_EQ(err[0], err[1]);
			if (strcmp(why[0], why[1]) || strcmp(sum[0], sum[1]))
				T_FAIL("one pass '%s' %s, line split '%s' %s", why[0], sum[0], why[1], sum[1]);
			CHECK(!memcmp(m[0]->frames, m[1]->frames, m[0]->nr_pfns * sizeof(struct frame)));
		} else {
			T_FAIL("%s", "setup");
		}
		for (int i = 0; i < 2; i++) {
			free(text[i]);
			free(sum[i]);
			pfnlab_machine_destroy(m[i]);
		}
	}
}

/* The word-at-a-time scans (text_scan.h) against the byte-at-a-time reading, at every offset. */
TEST(text_scan_check)
{
	static const char tails[] = " \n\tg:G/@`\x80\xff";
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 4000; i++) {
		char buf[48], *end;
		int w, len;
		uint64_t v, got = 0;
		const char *q;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v = x >> (x % 61);
		w = (int)(x >> 7) % 20;
		len = snprintf(buf, sizeof(buf), x & 1 ? "%0*llx%c" : "%0*llX%c", w, (unsigned long long)v,
			       tails[(x >> 3) % (sizeof(tails) - 1)]);
		q = span_hex(buf, buf + len - (int)(x >> 9) % 2, &got);
		strtoull(buf, &end, 16);
		CHECK_EQ(q - buf, end - buf);
		if (q - buf <= 16)
			CHECK_EQ(got, strtoull(buf, NULL, 16));
		CHECK_EQ(span_digits(buf, buf + len) - buf, (long)strspn(buf, "0123456789"));
		CHECK_EQ(span_word(buf, buf + len) - buf, (long)strcspn(buf, " \n\t\x01"));
		CHECK_EQ(find2(buf, buf + len, 'f', '\n') - buf, (long)strcspn(buf, "f\n"));
	}
	CHECK_EQ(span_spaces("         x", "         x" + 10) - "         x", 9);
	for (size_t n = 0; n < 40; n++) {
		char a[40] = {0}, b[40] = {0};

		for (size_t i = 0; i < n; i++)
			a[i] = b[i] = (char)('A' + (i * 7 + n) % 26);
		CHECK(scan_same(a, b, n));
		for (size_t i = 0; i < n; i++) {
			b[i] ^= 0x20;
			CHECK(!scan_same(a, b, n));
			b[i] ^= 0x20;
		}
	}
}

/* ---- decompression ---------------------------------------------------- */

TEST(decompress_check)
{
	static const char text[] = "  a-1 [000] .... 1.0: mm_page_free: page=0 pfn=0x10 order=0\n";
	uint8_t buf[4096];
	size_t n = 0, outlen;
	char *out, why[256];
	z_stream zs;

	/* xz */
	CHECK_EQ(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, (const uint8_t *)text, sizeof(text) - 1, buf, &n,
					 sizeof(buf)), LZMA_OK);
	CHECK_EQ(input_detect(buf, n), INPUT_XZ);
	CHECK_EQ(input_decompress(INPUT_XZ, buf, n, &out, &outlen, 0, why, sizeof(why)), 0);
	CHECK(outlen == sizeof(text) - 1 && !memcmp(out, text, outlen));
	free(out);
	CHECK_EQ(input_decompress(INPUT_XZ, buf, n - 5, &out, &outlen, 0, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "truncated") || strstr(why, "corrupt"));
	buf[n / 2] ^= 0xff;
	CHECK_EQ(input_decompress(INPUT_XZ, buf, n, &out, &outlen, 0, why, sizeof(why)), -EINVAL);
	/* zstd */
	n = ZSTD_compress(buf, sizeof(buf), text, sizeof(text) - 1, 3);
	CHECK_EQ(input_detect(buf, n), INPUT_ZSTD);
	CHECK_EQ(input_decompress(INPUT_ZSTD, buf, n, &out, &outlen, 0, why, sizeof(why)), 0);
	CHECK(outlen == sizeof(text) - 1 && !memcmp(out, text, outlen));
	free(out);
	CHECK_EQ(input_decompress(INPUT_ZSTD, buf, n - 3, &out, &outlen, 0, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "truncated") != NULL);
	/* gzip */
	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (Bytef *)(uintptr_t)text;
	zs.avail_in = sizeof(text) - 1;
	zs.next_out = buf;
	zs.avail_out = sizeof(buf);
	deflate(&zs, Z_FINISH);
	n = sizeof(buf) - zs.avail_out;
	deflateEnd(&zs);
	CHECK_EQ(input_detect(buf, n), INPUT_GZIP);
	CHECK_EQ(input_decompress(INPUT_GZIP, buf, n, &out, &outlen, 0, why, sizeof(why)), 0);
	CHECK(outlen == sizeof(text) - 1 && !memcmp(out, text, outlen));
	free(out);
	CHECK_EQ(input_decompress(INPUT_GZIP, buf, n - 6, &out, &outlen, 0, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "truncated") != NULL);
	/* a limit */
	CHECK_EQ(input_decompress(INPUT_GZIP, buf, n, &out, &outlen, 10, why, sizeof(why)), -E2BIG);
	/*
	 * a decoder whose dictionary is beyond the limit is refused before it
	 * takes the memory: xz -9 from a pipe (sizes not in the header) asks
	 * for 64 MiB
	 */
	{
		lzma_stream xs = LZMA_STREAM_INIT;

		CHECK_EQ(lzma_easy_encoder(&xs, 9, LZMA_CHECK_CRC64), LZMA_OK);
		xs.next_in = (const uint8_t *)text;
		xs.avail_in = sizeof(text) - 1;
		xs.next_out = buf;
		xs.avail_out = sizeof(buf);
		CHECK_EQ(lzma_code(&xs, LZMA_FINISH), LZMA_STREAM_END);
		n = sizeof(buf) - xs.avail_out;
		lzma_end(&xs);
	}
	CHECK_EQ(input_decompress(INPUT_XZ, buf, n, &out, &outlen, 16 << 20, why, sizeof(why)), -E2BIG);
	CHECK(strstr(why, "needs more memory than the limit of 16777216 bytes") != NULL);
	CHECK_EQ(input_decompress(INPUT_XZ, buf, n, &out, &outlen, 128 << 20, why, sizeof(why)), 0);
	free(out);
	CHECK_EQ(input_detect("\x17\x08\x44tracing6", 11), INPUT_TRACEDAT);
	CHECK_EQ(input_detect("plain", 5), INPUT_PLAIN);
}

/* ---- streams ---------------------------------------------------------- */

/* A trace of @n events, allocations of order 0 at PFNs 0x1000 up and their frees; malloc'd. */
static char *gen_trace(unsigned n, size_t *len)
{
	size_t cap = 128 + (size_t)n * 160, k = 0;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	k += (size_t)snprintf(t + k, cap - k, "# tracer: nop\n");
	for (unsigned i = 0; i < n; i++)
		k += (size_t)snprintf(t + k, cap - k, i % 2 ? FREE_FMT : ALLOC_FMT, 0x1000 + i / 2);
	*len = k;
	return t;
}

/* The read end of a pipe a child fills with @text, as a path ("/dev/fd/N"); the child's pid in *pid. */
static int piped(const char *text, size_t len, char *path, size_t plen, pid_t *pid)
{
	int fd[2];

	*pid = -1;
	if (pipe(fd))
		return -1;
	*pid = fork();
	if (*pid == 0) {
		close(fd[0]);
		for (size_t done = 0; done < len;) {
			ssize_t w = write(fd[1], text + done, len - done);

			if (w <= 0)
				_exit(1);
			done += (size_t)w;
		}
		_exit(0);
	}
	close(fd[1]);
	snprintf(path, plen, "/dev/fd/%d", fd[0]);
	return fd[0];
}

/* Replay @path (a stream) after a look-ahead of @window bytes; the replay, its look-ahead in *ps. */
static struct pfnlab_replay *stream_replay(struct pfnlab_machine *m, const char *path, size_t window,
					   struct trace_prescan *ps, int *err, char *why, size_t wlen)
{
	struct input_stream *st;
	struct input_lines l;
	struct pfnlab_replay *r = NULL;

	*err = input_open(path, NULL, &st, why, wlen);
	if (*err)
		return NULL;
	if (!(*err = input_lines_stream(&l, st)) && !(*err = trace_lookahead(&l, true, window, ps)) &&
	    !(*err = pfnlab_replay_create(m, NULL, &r)))
		*err = pfnlab_replay_run(r, &l, why, wlen);
	input_lines_free(&l);
	input_close(st);
	return r;
}

/*
 * A trace of 2000 events (17 lines of 4 KiB) read as a stream: from a
 * regular file and from a pipe, with a look-ahead window of 4 KiB.  Expect
 * the file read whole by the look-ahead (the highest PFN, 0x13e7, found on
 * the last line) and started again; the pipe looked at for its first
 * window only (partial, a lower PFN); both replays to count every event,
 * as the same text replayed from memory does, and leave the same machine.
 * A NUL byte in the stream ends the replay at its line.
 */
TEST(stream_lookahead_check)
{
	char why[256], path[64], file[] = "/tmp/pfnlab-test-XXXXXX";
	struct pfnlab_machine *m[3] = {small(64, 0), small(64, 0), small(64, 0)};
	struct pfnlab_replay *r[3] = {NULL, NULL, NULL};
	struct trace_prescan ps[2] = {{0}};
	size_t len;
	char *text = gen_trace(2000, &len);
	int fd, err, st;
	pid_t pid;

	if (!text || !m[0] || !m[1] || !m[2] || (fd = mkstemp(file)) < 0) {
		T_FAIL("%s", "setup");
		goto out;
	}
	CHECK_EQ((size_t)write(fd, text, len), len);
	close(fd);
	r[0] = stream_replay(m[0], file, 4096, &ps[0], &err, why, sizeof(why));
	CHECK_EQ(err, 0);
	CHECK(!ps[0].partial && ps[0].any_pfn);
	CHECK_EQ(ps[0].max_pfn, 0x1000 + 999);
	CHECK_EQ(ps[0].max_line, 2000);
	fd = piped(text, len, path, sizeof(path), &pid);
	r[1] = stream_replay(m[1], path, 4096, &ps[1], &err, why, sizeof(why));
	close(fd);
	waitpid(pid, &st, 0);
	CHECK_EQ(err, 0);
	CHECK(ps[1].partial && ps[1].max_pfn < 0x1000 + 999);
	CHECK_EQ(pfnlab_replay_create(m[2], NULL, &r[2]), 0);
	CHECK_EQ(pfnlab_replay_feed(r[2], text, len, "t", why, sizeof(why)), 0);
	for (int i = 0; i < 3; i++) {
		CHECK(r[i] != NULL);
		if (!r[i])
			continue;
		CHECK_EQ(C(r[i], "events_total"), 2000);
		CHECK_EQ(C(r[i], "lines_total"), 2001);
		CHECK_EQ(C(r[i], "frees_unseen"), 0);
		CHECK_EQ(pfnlab_zone_free_pages(m[i], PFNLAB_ZONE_NORMAL), pfnlab_zone_free_pages(m[2], PFNLAB_ZONE_NORMAL));
		test_check_state(m[i]);
		pfnlab_replay_destroy(r[i]);
		r[i] = NULL;
	}
	/* binary data on a line past the window of a pipe: lines before it applied, then the error names it */
	{
		size_t at = (size_t)(strchr(text + len / 5 * 3, '\n') - text) + 5;
		uint64_t line = 1;
		char want[64];

		for (size_t i = 0; i < at; i++)
			line += text[i] == '\n';
		text[at] = '\0';

		fd = piped(text, len, path, sizeof(path), &pid);
		r[0] = stream_replay(m[0], path, 4096, &ps[0], &err, why, sizeof(why));
		close(fd);
		waitpid(pid, &st, 0);
		CHECK_EQ(err, -EINVAL);
		CHECK_EQ(input_binary_line(text, len), line);
		snprintf(want, sizeof(want), ":%llu: binary data", (unsigned long long)line);
		CHECK(strstr(why, want) != NULL);
		CHECK(r[0] && C(r[0], "lines_total") == (long long)line - 1);
	}
	pfnlab_replay_destroy(r[0]);
out:
	unlink(file);
	free(text);
	for (int i = 0; i < 3; i++)
		pfnlab_machine_destroy(m[i]);
}

/* Write @text to @dir/@name, making the directories on the way. */
static void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	if ((f = fopen(path, "w"))) {
		fputs(text, f);
		fclose(f);
	}
}

/*
 * The memory input may take: half the cgroup's limit, the smallest over
 * the cgroup and its parents, v2 (memory.max) or v1 (the memory
 * hierarchy's memory.limit_in_bytes); at least 64 MiB; half of RAM
 * without a limit.  Expect each from fake /proc/self/cgroup and cgroup
 * trees in a scratch directory.
 */
TEST(memory_limit_check)
{
	char dir[] = "/tmp/pfnlab-cg-XXXXXX", pc[600], root[600], cmd[700];
	uint64_t ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);

	if (!mkdtemp(dir)) {
		T_FAIL("%s", "mkdtemp");
		return;
	}
	snprintf(pc, sizeof(pc), "%s/cgroup", dir);
	snprintf(root, sizeof(root), "%s/fs", dir);
	/* v2: the parent's limit is the smaller */
	put_file(dir, "cgroup", "0::/a/b\n");
	put_file(dir, "fs/a/b/memory.max", "max\n");
	put_file(dir, "fs/a/memory.max", "1073741824\n");
	CHECK_EQ(input_memory_limit(pc, root), 512ull << 20);
	put_file(dir, "fs/a/b/memory.max", "268435456\n");
	CHECK_EQ(input_memory_limit(pc, root), 128ull << 20);
	/* v1: the hierarchy with the memory controller */
	put_file(dir, "cgroup", "5:cpu,cpuacct:/x\n4:memory:/x\n0::/\n");
	put_file(dir, "fs/memory/x/memory.limit_in_bytes", "209715200\n");
	put_file(dir, "fs/memory/memory.limit_in_bytes", "9223372036854771712\n");
	CHECK_EQ(input_memory_limit(pc, root), 100ull << 20);
	put_file(dir, "fs/memory/x/memory.limit_in_bytes", "1048576\n");
	CHECK_EQ(input_memory_limit(pc, root), 64ull << 20);
	/* no limit anywhere */
	put_file(dir, "cgroup", "0::/none\n");
	CHECK_EQ(input_memory_limit(pc, root), ram / 2 > (64ull << 20) ? ram / 2 : 64ull << 20);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ(system(cmd), 0);
}

RUN_TESTS(split_line_shapes_check, split_fields_check, claim_expand_check, claim_expand_head_check, replay_alloc_free_roundtrip_check,
	  replay_free_unseen_check, replay_relocation_check, replay_split_and_lost_free_check,
	  replay_extfrag_ownership_check, replay_malformed_check, replay_counts_check,
	  replay_contig_info_labels_check, replay_cma_cycle_check, replay_cma_release_straddling_check, replay_cma_lost_release_check,
	  replay_2015_form_check, replay_one_pass_check, text_scan_check, decompress_check,
	  stream_lookahead_check, memory_limit_check)
