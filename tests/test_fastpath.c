/*
 * test_fastpath.c - the allocation fast path against the general path.
 *
 * pfnlab_alloc_pages() serves a request straight from the free lists when
 * the first zone that passes the watermark holds a block of the request's
 * own type (get_page_fast(), page_alloc.c); a trace sink sends every
 * allocation down the general path, which emits the trace line.  Two
 * machines built alike run the same pseudo-random operation stream, one
 * of them traced: every returned PFN and error, every frame, pageblock,
 * free list, per-CPU list and counter must agree, and both machines must
 * pass the whole-state checker.  Over both eras, both CMA rules, per-CPU
 * lists off and on, with and without a CMA area, on one-, two- and
 * three-zone machines and with ZONE_MOVABLE.
 */
#include <errno.h>

#include "model.h"
#include "gfp.h"
#include "test.h"

#define OPS 6000
#define COMPARE_EVERY 250

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned long trace_lines;

static void count_line(void *arg, const char *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	trace_lines++;
}

enum layout { ONE_ZONE, TWO_ZONES, THREE_ZONES, WITH_MOVABLE, NR_LAYOUTS };

static const char *const layout_names[NR_LAYOUTS] = {"ppc64", "dma+dma32", "dma+dma32+normal",
						      "movable"};

static struct pfnlab_machine *build(enum layout lay, enum pfnlab_era era, enum pfnlab_cma_rule rule,
				    int pcp_cpus, bool cma)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char why[256];

	if (lay == ONE_ZONE) {
		pfnlab_config_preset(&c, "ppc64", 256ull << 20);
	} else {
		pfnlab_config_preset(&c, "x86_64", 48ull << 20);
		if (lay == THREE_ZONES || lay == WITH_MOVABLE) {
			/* DMA32 ends at 64 MiB here, so Normal comes without a 4 GiB hole */
			c.zone_dma32_end = 64ull << 20;
			c.nr_ranges = 2;
			c.ranges[0] = (struct pfnlab_range){1ull << 20, 40ull << 20};
			c.ranges[1] = (struct pfnlab_range){64ull << 20, 88ull << 20};
			c.ram_bytes = (39ull + 24) << 20;
		}
		if (lay == WITH_MOVABLE)
			c.movablecore_bytes = 8ull << 20;
	}
	c.era = era;
	c.cma_rule = rule;
	c.pcp = pcp_cpus > 0;
	c.nr_cpus = pcp_cpus > 0 ? (unsigned)pcp_cpus : 1;
	if (cma) {
		c.nr_cma = 1;
		c.cma[0].size = lay == ONE_ZONE ? 32ull << 20 : 8ull << 20;
		snprintf(c.cma[0].name, sizeof(c.cma[0].name), "test");
	}
	if (pfnlab_machine_create(&c, &m, why, sizeof(why))) {
		T_FAIL("machine: %s", why);
		return NULL;
	}
	return m;
}

/* Everything but the trace clock agrees. */
static bool same_state(const struct pfnlab_machine *a, const struct pfnlab_machine *b)
{
	char why[512];

	if (pfnlab_check(a, why, sizeof(why))) {
		T_FAIL("checker (fast): %s", why);
		return false;
	}
	if (pfnlab_check(b, why, sizeof(why))) {
		T_FAIL("checker (general): %s", why);
		return false;
	}
	if (memcmp(a->frames, b->frames, a->nr_pfns * sizeof(struct frame))) {
		for (uint64_t p = 0; p < a->nr_pfns; p++)
			if (memcmp(&a->frames[p], &b->frames[p], sizeof(struct frame))) {
				T_FAIL("frame %#llx differs", (unsigned long long)p);
				break;
			}
		return false;
	}
	if (memcmp(a->pageblock, b->pageblock, a->nr_pageblocks)) {
		T_FAIL("%s", "pageblock types differ");
		return false;
	}
	for (int i = 0; i < a->nr_zones; i++) {
		const struct zone *za = &a->zones[i], *zb = &b->zones[i];

		if (za->nr_free != zb->nr_free || za->nr_free_cma != zb->nr_free_cma ||
		    za->nr_reserved_highatomic != zb->nr_reserved_highatomic ||
		    memcmp(za->area, zb->area, sizeof(za->area)) || memcmp(za->pcp, zb->pcp, sizeof(za->pcp))) {
			T_FAIL("zone %s: free lists or counters differ", za->name);
			return false;
		}
	}
	if (memcmp(a->vm, b->vm, sizeof(a->vm))) {
		T_FAIL("%s", "vmstat counters differ");
		return false;
	}
	return true;
}

struct live {
	uint64_t pfn;
	unsigned order;  /* buddy order, or CONTIG/CMA_RANGE */
	uint64_t count;  /* pages of a contiguous range */
};

#define CONTIG 100u
#define CMA_RANGE 101u

static const pfnlab_gfp_t gfps[] = {
	PFNLAB_GFP_KERNEL,
	PFNLAB_GFP_HIGHUSER_MOVABLE,
	PFNLAB_GFP_USER | PFNLAB___GFP_MOVABLE,
	PFNLAB_GFP_KERNEL | PFNLAB___GFP_RECLAIMABLE,
	PFNLAB_GFP_ATOMIC,
	PFNLAB_GFP_ATOMIC | PFNLAB___GFP_MOVABLE,
	PFNLAB_GFP_NOWAIT,
	PFNLAB_GFP_KERNEL | PFNLAB___GFP_DMA,
	PFNLAB_GFP_KERNEL | PFNLAB___GFP_DMA32,
	PFNLAB_GFP_TRANSHUGE,
	PFNLAB_GFP_TRANSHUGE_LIGHT,
	PFNLAB_GFP_HIGHUSER,
	PFNLAB_GFP_KERNEL | PFNLAB___GFP_HIGH | PFNLAB___GFP_NOMEMALLOC,
	PFNLAB___GFP_MOVABLE | PFNLAB___GFP_RECLAIMABLE,
	PFNLAB___GFP_DMA | PFNLAB___GFP_DMA32,
	0,
};

#define NR_GFPS (sizeof(gfps) / sizeof(gfps[0]))

/* Managed pages not on the buddy lists, in percent. */
static unsigned used_percent(const struct pfnlab_machine *m)
{
	uint64_t managed = 0;
	int64_t free = 0;

	for (int i = 0; i < m->nr_zones; i++) {
		managed += m->zones[i].managed;
		free += m->zones[i].nr_free;
	}
	return managed ? (unsigned)((managed - (uint64_t)free) * 100 / managed) : 100;
}

/* One operation on both machines; false when they disagree. */
static bool step(struct pfnlab_machine *a, struct pfnlab_machine *b, struct live *live, size_t *nlive,
		 size_t cap, uint64_t *seed, unsigned *occupancy)
{
	uint64_t r = next_rand(seed), pa = 0, pb = 0;
	unsigned what = (unsigned)(r % 1000);
	int ea, eb;

	r >>= 10;
	if (what < 3) {
		pfnlab_drain_pages(a);
		pfnlab_drain_pages(b);
	} else if (what < 6) {
		a->cpu = b->cpu = (unsigned)(r % a->cfg.nr_cpus);
	} else if (what < 10) {
		/* memalloc_nocma / memalloc_pin scopes as migration and pinning set them */
		unsigned v = (unsigned)(r % 4);

		a->memalloc_flags = b->memalloc_flags =
			v == 0 ? MEMALLOC_NOCMA : v == 1 ? (MEMALLOC_PIN | MEMALLOC_NOCMA) : 0;
	} else if (what < 14) {
		*occupancy = 40 + (unsigned)(r % 61);
	} else if (what < 16 && a->nr_cma && *nlive < cap) {
		uint64_t count = 1 + r % 200;

		ea = pfnlab_cma_alloc(a, 0, count, (unsigned)((r >> 8) % 3), &pa);
		eb = pfnlab_cma_alloc(b, 0, count, (unsigned)((r >> 8) % 3), &pb);
		if (ea != eb || (!ea && pa != pb)) {
			T_FAIL("cma_alloc: %d %#llx vs %d %#llx", ea, (unsigned long long)pa, eb,
			       (unsigned long long)pb);
			return false;
		}
		if (!ea)
			live[(*nlive)++] = (struct live){pa, CMA_RANGE, count};
	} else if (what < 18 && *nlive < cap) {
		uint64_t start = (r % a->nr_pfns) & ~(a->pb_pages - 1), end = start + a->pb_pages;

		for (uint64_t p = start; p < end && p < a->nr_pfns; p += a->pb_pages)
			if (pb_type(a, p) == PFNLAB_MT_CMA || pb_type(a, p) == PFNLAB_MT_ISOLATE)
				return true;
		ea = pfnlab_alloc_contig_range(a, start, end, PFNLAB_MT_MOVABLE);
		eb = pfnlab_alloc_contig_range(b, start, end, PFNLAB_MT_MOVABLE);
		if (ea != eb) {
			T_FAIL("alloc_contig_range [%#llx, %#llx): %d vs %d", (unsigned long long)start,
			       (unsigned long long)end, ea, eb);
			return false;
		}
		if (!ea)
			live[(*nlive)++] = (struct live){start, CONTIG, end - start};
	} else if (what < 600 && *nlive < cap && used_percent(a) < *occupancy) {
		unsigned order = 0;
		pfnlab_gfp_t gfp = gfps[(r >> 20) % NR_GFPS];

		while (order + 1 < a->nr_orders && (r & 3) == 3) {
			order++;
			r >>= 2;
		}
		if ((r >> 40) % 16 == 0)
			order = (unsigned)((r >> 44) % (a->nr_orders + 1)); /* sometimes one too many */
		ea = pfnlab_alloc_pages(a, gfp, order, &pa);
		eb = pfnlab_alloc_pages(b, gfp, order, &pb);
		if (ea != eb || pa != pb) {
			T_FAIL("alloc order %u gfp %#x: %d %#llx vs %d %#llx", order, gfp, ea,
			       (unsigned long long)pa, eb, (unsigned long long)pb);
			return false;
		}
		if (!ea)
			live[(*nlive)++] = (struct live){pa, order, 0};
	} else if (*nlive) {
		size_t k = (size_t)(r % *nlive);
		struct live l = live[k];

		if (l.order == CMA_RANGE) {
			ea = pfnlab_cma_release(a, 0, l.pfn, l.count);
			eb = pfnlab_cma_release(b, 0, l.pfn, l.count);
		} else if (l.order == CONTIG) {
			ea = pfnlab_free_contig_range(a, l.pfn, l.count);
			eb = pfnlab_free_contig_range(b, l.pfn, l.count);
		} else {
			ea = pfnlab_free_pages(a, l.pfn, l.order);
			eb = pfnlab_free_pages(b, l.pfn, l.order);
		}
		if (ea || eb) {
			T_FAIL("free %#llx order %u: %d vs %d", (unsigned long long)l.pfn, l.order, ea, eb);
			return false;
		}
		live[k] = live[--*nlive];
	}
	return true;
}

static void run(enum layout lay, enum pfnlab_era era, enum pfnlab_cma_rule rule, int pcp_cpus, bool cma,
		uint64_t seed)
{
	static struct live live[OPS];
	static char variant[128];
	struct pfnlab_machine *a = build(lay, era, rule, pcp_cpus, cma);
	struct pfnlab_machine *b = build(lay, era, rule, pcp_cpus, cma);
	const struct pfnlab_sink sink = {count_line, NULL};
	unsigned occupancy = 90;
	size_t nlive = 0;

	snprintf(variant, sizeof(variant), "%s era %s cma-rule %s pcp-cpus %d%s", layout_names[lay],
		 era == PFNLAB_ERA_2015 ? "2015" : "current", rule == PFNLAB_CMA_2015 ? "2015" : "5.7",
		 pcp_cpus, cma ? " cma" : "");
	test_variant = variant;
	if (!a || !b)
		goto out;
	pfnlab_set_trace(b, &sink);
	for (unsigned i = 1; i <= OPS; i++) {
		if (!step(a, b, live, &nlive, OPS, &seed, &occupancy))
			goto out;
		if (i % COMPARE_EVERY == 0 && !same_state(a, b))
			goto out;
	}
	/* everything back: the lists end alike too */
	while (nlive && step(a, b, live, &nlive, 0, &seed, &occupancy))
		;
	same_state(a, b);
out:
	pfnlab_machine_destroy(a);
	pfnlab_machine_destroy(b);
	test_variant = NULL;
}

/*
 * Expect identical PFNs, errors and state from the fast path (untraced)
 * and the general path (traced) under every rule that shapes a decision.
 */
TEST(fast_and_general_paths_agree)
{
	uint64_t seed = 0x2545f4914f6cdd1dull;

	trace_lines = 0;
	for (int lay = 0; lay < NR_LAYOUTS; lay++)
		for (int era = 0; era < 2; era++)
			for (int rule = 0; rule < 2; rule++)
				for (int pcp = 0; pcp < 3; pcp += 2)
					for (int cma = 0; cma < 2; cma++)
						run((enum layout)lay, (enum pfnlab_era)era, (enum pfnlab_cma_rule)rule,
						    pcp, cma, seed++);
	CHECK(trace_lines > 0);
}

/*
 * Expect the fast path's view of a zone at low memory to match too: fill
 * each zone of a three-zone machine below its watermarks with one request
 * type, so that allocations skip zones, fall back and fail, then free.
 */
TEST(paths_agree_at_the_watermarks)
{
	static const pfnlab_gfp_t fill[] = {PFNLAB_GFP_KERNEL, PFNLAB_GFP_HIGHUSER_MOVABLE,
					    PFNLAB_GFP_KERNEL | PFNLAB___GFP_DMA32};
	static uint64_t pfns[2][20000];
	const struct pfnlab_sink sink = {count_line, NULL};

	for (int era = 0; era < 2; era++)
		for (size_t g = 0; g < sizeof(fill) / sizeof(fill[0]); g++) {
			struct pfnlab_machine *a = build(THREE_ZONES, (enum pfnlab_era)era, PFNLAB_CMA_5_7, 0, true);
			struct pfnlab_machine *b = build(THREE_ZONES, (enum pfnlab_era)era, PFNLAB_CMA_5_7, 0, true);
			size_t n = 0;

			if (!a || !b) {
				pfnlab_machine_destroy(a);
				pfnlab_machine_destroy(b);
				return;
			}
			pfnlab_set_trace(b, &sink);
			while (n < 20000) {
				int ea = pfnlab_alloc_pages(a, fill[g], 0, &pfns[0][n]);
				int eb = pfnlab_alloc_pages(b, fill[g], 0, &pfns[1][n]);

				CHECK_EQ(ea, eb);
				CHECK_EQ(pfns[0][n], pfns[1][n]);
				if (ea || pfns[0][n] != pfns[1][n])
					break;
				n++;
			}
			CHECK(n < 20000); /* it ran out */
			same_state(a, b);
			for (size_t i = 0; i < n; i++) {
				CHECK_EQ(pfnlab_free_pages(a, pfns[0][i], 0), 0);
				CHECK_EQ(pfnlab_free_pages(b, pfns[1][i], 0), 0);
			}
			same_state(a, b);
			pfnlab_machine_destroy(a);
			pfnlab_machine_destroy(b);
		}
}

/* Expect the packed tables to say what gfp_zone() and gfp_migratetype() say, bit by bit. */
TEST(gfp_tables)
{
	for (unsigned bits = 0; bits < 16; bits++) {
		bool dma = bits & PFNLAB___GFP_DMA, high = bits & PFNLAB___GFP_HIGHMEM;
		bool dma32 = bits & PFNLAB___GFP_DMA32, movable = bits & PFNLAB___GFP_MOVABLE;
		int want = dma + high + dma32 > 1 ? PFNLAB_ZONE_NORMAL
			   : dma		  ? PFNLAB_ZONE_DMA
			   : dma32		  ? PFNLAB_ZONE_DMA32
			   : movable && high	  ? PFNLAB_ZONE_MOVABLE
						  : PFNLAB_ZONE_NORMAL;

		CHECK_EQ(gfp_zone_type(bits | PFNLAB_GFP_KERNEL), want);
		CHECK_EQ(gfp_zone(NULL, bits), want);
	}
	for (unsigned bits = 0; bits < 4; bits++) {
		pfnlab_gfp_t g = (bits & 1 ? PFNLAB___GFP_MOVABLE : 0) | (bits & 2 ? PFNLAB___GFP_RECLAIMABLE : 0);
		int want = bits == 1 ? PFNLAB_MT_MOVABLE : bits == 2 ? PFNLAB_MT_RECLAIMABLE : PFNLAB_MT_UNMOVABLE;

		CHECK_EQ(gfp_migratetype(g | PFNLAB_GFP_KERNEL), want);
	}
}

RUN_TESTS(fast_and_general_paths_agree, paths_agree_at_the_watermarks, gfp_tables)
