/*
 * test_snapshot.c - snapshot import (src/input/snapshot*.c): machines the
 * model itself fragmented, printed, read back and rebuilt must print the
 * same bytes (both eras, with and without CMA, with and without zoneinfo);
 * a hand-made snapshot laid out where the rules say; capped counts;
 * snapshots that cannot be one machine refused with their file and line.
 */
#include "input.h"
#include "test.h"

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Parse (@strict as snapshot_parse()) and build from texts (absent ones NULL); the machine or NULL with why. */
static struct pfnlab_machine *build_files(const char *buddy, const char *pti, const char *zi, const char *iomem,
					  bool strict, char *why, size_t len)
{
	struct snapshot_files f = {
		{"buddyinfo", buddy, buddy ? strlen(buddy) : 0},
		{"pagetypeinfo", pti, pti ? strlen(pti) : 0},
		{"zoneinfo", zi, zi ? strlen(zi) : 0},
		{"iomem", iomem, iomem ? strlen(iomem) : 0},
	};
	struct snapshot *s = malloc(sizeof(*s));
	struct pfnlab_machine *m = NULL;

	if (s && !snapshot_parse(&f, strict, s, why, len))
		pfnlab_snapshot_build(s, NULL, &m, why, len);
	free(s);
	return m;
}

static struct pfnlab_machine *build(const char *buddy, const char *pti, const char *zi, char *why, size_t len)
{
	return build_files(buddy, pti, zi, NULL, false, why, len);
}

/*
 * A 2 GiB x86_64 machine fragmented by random allocations of every kind
 * (pageblocks stolen, CMA borrowed), then half of them freed.  Expect its
 * buddyinfo and pagetypeinfo, read back with and without zoneinfo, to
 * build a machine that prints them byte for byte and passes the checker;
 * with zoneinfo, the zone's watermarks and their boost (raised by hand on
 * the current era) come back as they were.
 */
TEST(model_roundtrip_check)
{
	static const pfnlab_gfp_t gfps[] = {PFNLAB_GFP_KERNEL, PFNLAB_GFP_HIGHUSER_MOVABLE,
					    PFNLAB_GFP_KERNEL | PFNLAB___GFP_RECLAIMABLE, PFNLAB_GFP_USER,
					    PFNLAB_GFP_TRANSHUGE};

	for (int era = 0; era < 2; era++)
		for (int cma = 0; cma < 2; cma++)
			for (uint64_t seed = 1; seed <= 2; seed++) {
				struct pfnlab_config c;
				struct pfnlab_machine *m, *b;
				char why[512], var[64];
				uint64_t s = seed * 0x9e3779b97f4a7c15ull, *live = calloc(40000, sizeof(uint64_t));
				unsigned *ord = calloc(40000, sizeof(unsigned));
				size_t n = 0;

				snprintf(var, sizeof(var), "era %d cma %d seed %llu", era, cma, (unsigned long long)seed);
				test_variant = var;
				pfnlab_config_preset(&c, "x86_64", 2ull << 30);
				c.era = era ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
				if (cma) {
					c.nr_cma = 1;
					c.cma[0].size = 128ull << 20;
				}
				if (!live || !ord || pfnlab_machine_create(&c, &m, why, sizeof(why))) {
					T_FAIL("machine: %s", why);
					free(live);
					free(ord);
					return;
				}
				for (int i = 0; i < 40000; i++) {
					uint64_t r = rng(&s), pfn;
					unsigned o = (r & 7) < 5 ? 0 : (unsigned)(r >> 8) % 10;
					pfnlab_gfp_t g = gfps[(r >> 16) % 5];

					if (g == PFNLAB_GFP_TRANSHUGE)
						o = 9;
					if (!pfnlab_alloc_pages(m, g, o, &pfn)) {
						live[n] = pfn;
						ord[n++] = o;
					}
				}
				for (size_t i = 0; i < n; i++)
					if (rng(&s) & 1)
						pfnlab_free_pages(m, live[i], ord[i]);
				/* a boost kswapd has not reclaimed yet: zoneinfo prints the watermarks with it */
				CHECK_EQ(boost_watermark(m, &m->zones[1]), era == 1);
				{
					char *bi = test_view(m, "buddyinfo"), *pt = test_view(m, "pagetypeinfo"), *zi = test_view(m, "zoneinfo");

					for (int with_zi = 0; with_zi < 2; with_zi++) {
						b = build(bi, pt, with_zi ? zi : NULL, why, sizeof(why));
						if (!b) {
							T_FAIL("build (zoneinfo %d): %s", with_zi, why);
							continue;
						}
						char *bi2 = test_view(b, "buddyinfo"), *pt2 = test_view(b, "pagetypeinfo");

						CHECK_STR(bi2, bi);
						CHECK_STR(pt2, pt);
						test_check_state(b);
						if (with_zi) {
							CHECK_EQ(b->zones[1].managed, m->zones[1].managed);
							CHECK_EQ(b->zones[1].spanned, m->zones[1].spanned);
							CHECK_EQ(b->zones[1].start_pfn, m->zones[1].start_pfn);
							CHECK_EQ(b->zones[1].nr_free, m->zones[1].nr_free);
							CHECK_EQ(b->zones[1].watermark_boost, m->zones[1].watermark_boost);
							CHECK_EQ(b->zones[1].wmark[WMARK_LOW], m->zones[1].wmark[WMARK_LOW]);
						}
						free(bi2);
						free(pt2);
						pfnlab_machine_destroy(b);
					}
					free(bi);
					free(pt);
					free(zi);
				}
				pfnlab_machine_destroy(m);
				free(live);
				free(ord);
			}
	test_variant = NULL;
}

static const char picture_pti[] =
	"Page block order: 9\n"
	"Pages per block:  512\n"
	"\n"
	"Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 \n"
	"Node    0, zone   Normal, type    Unmovable      0      0      0      1      0      0      0      0      0      0      0 \n"
	"Node    0, zone   Normal, type      Movable      1      0      0      0      0      0      0      0      0      1      2 \n"
	"Node    0, zone   Normal, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0 \n"
	"Node    0, zone   Normal, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 \n"
	"Node    0, zone   Normal, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 \n"
	"\n"
	"Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
	"Node 0, zone   Normal            1            7            0            0            0 \n";

/*
 *   PFN  0        512       1024      1536      2048            3072          4096
 *        |  M in use |  free o9 M | M in use |  U in use  |  free o10 M   |  free o10 M  |
 *        (1 free o0)                          (o3 free at 1544)
 * One zone of 4096 pages: two free order-10 Movable blocks, one order-9
 * Movable, one order-3 Unmovable, one order-0 Movable; 1 Unmovable and 7
 * Movable pageblocks.  Expect the order-10 blocks at the top, the order-9
 * block in the upper half of the lowest chunk, the small blocks in the
 * lowest pageblocks of their type, each beside a page in use.
 */
TEST(layout_picture_check)
{
	char why[512];
	struct pfnlab_machine *m = build(NULL, picture_pti, NULL, why, sizeof(why));
	char *pt;

	if (!m) {
		T_FAIL("build: %s", why);
		return;
	}
	CHECK(m->frames[3072].flags & F_BUDDY && m->frames[3072].order == 10);
	CHECK(m->frames[2048].flags & F_BUDDY && m->frames[2048].order == 10);
	CHECK(m->frames[512].flags & F_BUDDY && m->frames[512].order == 9);
	CHECK_EQ(pfnlab_pageblock_type(m, 0), PFNLAB_MT_MOVABLE);
	CHECK_EQ(pfnlab_pageblock_type(m, 1024), PFNLAB_MT_MOVABLE);
	CHECK_EQ(pfnlab_pageblock_type(m, 1536), PFNLAB_MT_UNMOVABLE);
	CHECK(m->frames[1].flags & F_BUDDY && m->frames[1].order == 0);
	CHECK(m->frames[0].flags & F_ALLOC);
	CHECK(m->frames[1544].flags & F_BUDDY && m->frames[1544].order == 3 &&
	      m->frames[1544].mt == PFNLAB_MT_UNMOVABLE);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), 2048 + 512 + 8 + 1);
	pt = test_view(m, "pagetypeinfo");
	CHECK_STR(pt, picture_pti);
	free(pt);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* ">100000": pagetypeinfo caps the count; buddyinfo has the exact number. */
TEST(capped_count_check)
{
	char bi[256], pti[2048], why[512];
	struct pfnlab_machine *m;
	char *out;

	snprintf(bi, sizeof(bi), "Node 0, zone   Normal %6u %6u %6u %6u %6u %6u %6u %6u %6u %6u %6u \n", 100007u, 0u, 0u, 0u,
		 0u, 0u, 0u, 0u, 0u, 0u, 40u);
	snprintf(pti, sizeof(pti),
		 "Page block order: 9\nPages per block:  512\n\n"
		 "Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 \n"
		 "Node    0, zone   Normal, type    Unmovable      0      0      0      0      0      0      0      0      0      0      0 \n"
		 "Node    0, zone   Normal, type      Movable >100000      0      0      0      0      0      0      0      0      0     40 \n"
		 "Node    0, zone   Normal, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0 \n"
		 "Node    0, zone   Normal, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 \n"
		 "Node    0, zone   Normal, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 \n"
		 "\nNumber of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
		 "Node 0, zone   Normal            0          512            0            0            0 \n");
	m = build(bi, pti, NULL, why, sizeof(why));
	if (!m) {
		T_FAIL("build: %s", why);
		return;
	}
	CHECK_EQ(pfnlab_nr_free(m, PFNLAB_ZONE_NORMAL, 0, PFNLAB_MT_MOVABLE), 100007);
	out = test_view(m, "pagetypeinfo");
	CHECK_STR(out, pti);
	free(out);
	out = test_view(m, "buddyinfo");
	CHECK_STR(out, bi);
	free(out);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 * A snapshot taken while alloc_contig_range() had a pageblock isolated:
 * one Isolate pageblock holding a free order-9 block on the Isolate list.
 * Expect it to build and print back; the block stays isolated and marked
 * held from outside; the allocator, run dry, never hands out its pages; an
 * alloc_contig_range() across it fails without lifting the isolation.
 */
TEST(isolated_pageblock_check)
{
	static const char blocks[] = "6            0            0            1 \n";
	char pti[sizeof(picture_pti)], why[512];
	struct pfnlab_machine *m;
	uint64_t held = NIL_PFN, pfn;
	char *out;
	long n = 0;

	snprintf(pti, sizeof(pti), "%s", picture_pti);
	memcpy(strstr(pti, "type      Isolate") + 17 + 9 * 7, "      1", 7);
	memcpy(strstr(pti, "7            0            0            0 \n"), blocks, sizeof(blocks) - 1);
	m = build(NULL, pti, NULL, why, sizeof(why));
	if (!m) {
		T_FAIL("build: %s", why);
		return;
	}
	out = test_view(m, "pagetypeinfo");
	CHECK_STR(out, pti);
	free(out);
	for (uint64_t b = 0; b < 8; b++)
		if (pfnlab_pageblock_type(m, b * 512) == PFNLAB_MT_ISOLATE) {
			CHECK_EQ(held, NIL_PFN);
			held = b * 512;
		}
	CHECK(held != NIL_PFN && (m->pageblock[held / 512] & PB_HELD));
	CHECK(m->frames[held].flags & F_BUDDY && m->frames[held].order == 9 &&
	      m->frames[held].mt == PFNLAB_MT_ISOLATE);
	test_check_state(m);
	while (!pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &pfn)) {
		CHECK(pfn < held || pfn >= held + 512);
		n++;
	}
	CHECK(n >= 2048); /* down to the min watermark */
	CHECK(m->frames[held].flags & F_BUDDY && m->frames[held].order == 9);
	CHECK_EQ(pfnlab_alloc_contig_range(m, 0, 4096, PFNLAB_MT_MOVABLE), -EBUSY);
	CHECK_EQ(pfnlab_pageblock_type(m, held), PFNLAB_MT_ISOLATE);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* The picture's free blocks as /proc/buddyinfo prints them. */
static const char picture_bi[] =
	"Node 0, zone   Normal      1      0      0      1      0      0      0      0      0      1      2 \n";

/* zoneinfo of the picture's zone: 4096 pages from PFN 0, all managed, 2569 free */
static const char picture_zi[] =
	"Node 0, zone   Normal\n  pages free     2569\n        min      10\n        low      12\n        high     14\n"
	"        spanned  4096\n        present  4096\n        managed  4096\n        cma      0\n"
	"        protection: (0, 0, 0, 0)\n  start_pfn:           0\n";

/*
 * A live /proc read file after file: buddyinfo taken a moment after
 * pagetypeinfo, one order-0 block more and the order-3 block gone.
 * Expect strict parsing to refuse it (-EAGAIN, "disagree"); by default
 * pagetypeinfo wins: the machine prints the picture's pagetypeinfo and
 * the buddyinfo it sums to, and the difference is kept per order.
 */
TEST(read_apart_check)
{
	static const char later[] =
		"Node 0, zone   Normal      2      0      0      0      0      0      0      0      0      1      2 \n";
	struct snapshot_files f = {{"buddyinfo", later, sizeof(later) - 1}, {"pagetypeinfo", picture_pti, sizeof(picture_pti) - 1},
				   {"zoneinfo", NULL, 0}, {"iomem", NULL, 0}};
	struct snapshot *s = malloc(sizeof(*s));
	struct pfnlab_machine *m;
	char why[512] = "", *out;

	if (!s)
		return;
	CHECK_EQ(snapshot_parse(&f, true, s, why, sizeof(why)), -EAGAIN);
	CHECK(strstr(why, "buddyinfo and pagetypeinfo disagree: zone Normal order 0 has 2 free blocks in one and 1") != NULL);
	CHECK_EQ(snapshot_parse(&f, false, s, why, sizeof(why)), 0);
	CHECK_EQ(s->blocks_disagree, 2);
	CHECK_EQ(s->zones[0].buddy_delta[0], 1);
	CHECK_EQ(s->zones[0].buddy_delta[3], -1);
	CHECK_EQ(s->zones[0].buddy_delta[9], 0);
	free(s);
	m = build(later, picture_pti, NULL, why, sizeof(why));
	if (!m) {
		T_FAIL("build: %s", why);
		return;
	}
	out = test_view(m, "pagetypeinfo");
	CHECK_STR(out, picture_pti);
	free(out);
	out = test_view(m, "buddyinfo");
	CHECK_STR(out, picture_bi);
	free(out);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 * What a user without root reads: /proc/iomem with every address zeroed
 * (three System RAM lines of "00000000-00000000"), and no pagetypeinfo
 * (mode 0400) but buddyinfo and zoneinfo.  Expect the zeroed iomem to be
 * ignored (the same machine as without it); buddyinfo with zoneinfo to
 * build the zoneinfo's zone, all 8 pageblocks Movable, buddyinfo printed
 * back; iomem mixing zeroed and real lines to be refused with its line.
 */
TEST(non_root_check)
{
	static const char zeroed[] = "00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n"
				     "00000000-00000000 : System RAM\n  00000000-00000000 : Kernel code\n"
				     "00000000-00000000 : System RAM\n";
	static const char mixed[] = "00000000-00000000 : System RAM\n00100000-00ffffff : System RAM\n";
	struct pfnlab_machine *m, *plain;
	char why[512] = "", *a, *b;

	m = build_files(NULL, picture_pti, picture_zi, zeroed, false, why, sizeof(why));
	plain = build(NULL, picture_pti, picture_zi, why, sizeof(why));
	CHECK(m != NULL && plain != NULL);
	if (m && plain) {
		a = test_view(m, "zoneinfo");
		b = test_view(plain, "zoneinfo");
		CHECK_STR(a, b);
		free(a);
		free(b);
		test_check_state(m);
	}
	pfnlab_machine_destroy(m);
	pfnlab_machine_destroy(plain);
	m = build_files(NULL, picture_pti, picture_zi, mixed, false, why, sizeof(why));
	CHECK(m == NULL);
	CHECK(strstr(why, "iomem:2: real addresses after zeroed ones (line 1)") != NULL);
	pfnlab_machine_destroy(m);

	m = build(picture_bi, NULL, picture_zi, why, sizeof(why));
	if (!m) {
		T_FAIL("buddyinfo + zoneinfo: %s", why);
		return;
	}
	a = test_view(m, "buddyinfo");
	CHECK_STR(a, picture_bi);
	free(a);
	CHECK_EQ(pfnlab_zone_free_pages(m, PFNLAB_ZONE_NORMAL), 2569);
	for (uint64_t p = 0; p < 4096; p += 512)
		CHECK_EQ(pfnlab_pageblock_type(m, p), PFNLAB_MT_MOVABLE);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* Snapshots that cannot be one machine: a reason naming the file (and line). */
TEST(bad_snapshot_check)
{
	static const char zi[] =
		"Node 0, zone   Normal\n  pages free     2569\n        min      10\n        low      12\n        high     14\n"
		"        spanned  4096\n        present  4096\n        managed  2000\n        cma      0\n"
		"        protection: (0, 0, 0, 0)\n  start_pfn:           0\n";
	static const char zi_boost[] =
		"Node 0, zone   Normal\n  pages free     1000\n        boost    11\n        min      10\n        low      12\n"
		"        high     14\n        spanned  4096\n        present  4096\n        managed  2000\n        cma      0\n"
		"        protection: (0, 0, 0, 0)\n  start_pfn:           0\n";
	static const char bi_short[] = "Node 0, zone   Normal      1      0      0      0      0      0      0      0      0      1 \n";
	char why[512] = "", bad[2048];
	struct pfnlab_machine *m;

	/* more free pages than managed */
	m = build(NULL, picture_pti, zi, why, sizeof(why));
	CHECK(m == NULL);
	CHECK(strstr(why, "zone Normal: 2569 free pages but only 2000 managed") != NULL);
	/* a boost above the watermarks zoneinfo prints with it added */
	m = build(NULL, picture_pti, zi_boost, why, sizeof(why));
	CHECK(m == NULL);
	CHECK(strstr(why, "zoneinfo:1: zone Normal: boost 11 is above a watermark printed with it (10)") != NULL);
	/* buddyinfo of another kernel (10 orders) */
	m = build(bi_short, picture_pti, NULL, why, sizeof(why));
	CHECK(m == NULL);
	CHECK(strstr(why, "pagetypeinfo:4: 11 orders here, 10 elsewhere") != NULL);
	/* free blocks that cannot fit beside each other: three order-10 blocks in four chunks, plus small ones everywhere */
	snprintf(bad, sizeof(bad), "%s", picture_pti);
	memcpy(strstr(bad, "type      Movable") + 17, "   1024", 7);
	m = build(NULL, bad, NULL, why, sizeof(why));
	CHECK(m == NULL);
	CHECK(strstr(why, "do not fit") != NULL);
	/* a pagetypeinfo without its pageblock section */
	snprintf(bad, sizeof(bad), "%.*s", (int)(strstr(picture_pti, "\nNumber of blocks") - picture_pti), picture_pti);
	m = build(NULL, bad, NULL, why, sizeof(why));
	CHECK(m == NULL);
	CHECK(strstr(why, "pagetypeinfo: no \"Number of blocks type\" section") != NULL);
}

RUN_TESTS(model_roundtrip_check, layout_picture_check, capped_count_check, isolated_pageblock_check,
	  read_apart_check, non_root_check, bad_snapshot_check)
