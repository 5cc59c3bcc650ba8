/*
 * cmd_bench.c - `pfnlab bench`: the benchmarks whose targets the issues
 * set, like `perf bench`.  Times come from the host clock here, in the CLI;
 * the library never reads a clock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "input.h"
#include "scenario.h"

struct result {
	const char *name;
	double value;
	const char *unit;
	const char *skipped; /* reason, or NULL */
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* An x86_64 machine of @ram bytes; per-CPU lists as the preset has them unless @no_pcp */
static struct pfnlab_machine *bench_machine(uint64_t ram, bool no_pcp)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char why[256];

	pfnlab_config_preset(&c, "x86_64", ram);
	if (no_pcp)
		c.pcp = false;
	if (pfnlab_machine_create(&c, &m, why, sizeof(why)))
		return NULL;
	return m;
}

/* Order-0 pairs on 4 GiB: @n allocations, then the @n frees in the same order */
struct order0 {
	struct pfnlab_machine *m;
	uint64_t *pfns;
	size_t n;
};

static void order0_round(void *arg)
{
	struct order0 *s = arg;

	for (size_t i = 0; i < s->n; i++)
		if (pfnlab_alloc_pages(s->m, PFNLAB_GFP_KERNEL, 0, &s->pfns[i]))
			abort();
	for (size_t i = 0; i < s->n; i++)
		pfnlab_free_pages(s->m, s->pfns[i], 0);
}

static void order0_destroy(void *arg)
{
	struct order0 *s = arg;

	pfnlab_machine_destroy(s->m);
	free(s->pfns);
	free(s);
}

static int order0_workload(struct bench_workload *w, enum bench_size size, bool no_pcp)
{
	struct order0 *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->n = size == BENCH_FULL ? 800000 : 200000;
	s->m = bench_machine(4ull << 30, no_pcp);
	s->pfns = malloc(s->n * sizeof(*s->pfns));
	if (!s->m || !s->pfns) {
		order0_destroy(s);
		return -1;
	}
	*w = (struct bench_workload){.state = s, .ops = s->n,
				     .rounds = size == BENCH_FULL ? 7 : 3, .round = order0_round,
				     .destroy = order0_destroy};
	return 0;
}

/* alloc_free_order0_ns: the default machine */
static int bench_order0(struct bench_workload *w, enum bench_size size)
{
	return order0_workload(w, size, false);
}

/* alloc_free_order0_nopcp_ns: --no-pcp */
static int bench_order0_nopcp(struct bench_workload *w, enum bench_size size)
{
	return order0_workload(w, size, true);
}

/* Random orders, random allocations and frees around 75% of 1 GiB */
struct mixed {
	struct pfnlab_machine *m;
	struct live { uint64_t pfn; unsigned order; } *live;
	size_t nlive, cap, ops;
	uint64_t pages, live_pages, seed;
};

static void mixed_round(void *arg)
{
	struct mixed *s = arg;

	for (size_t i = 0; i < s->ops; i++) {
		uint64_t r = bench_rng(&s->seed);

		if (s->live_pages < s->pages * 3 / 4 && s->nlive < s->cap) {
			/* orders: 0 half the time, then geometric up to max */
			unsigned o = 0;

			while (o < 10 && (r & 1)) {
				o++;
				r >>= 1;
			}
			if (!pfnlab_alloc_pages(s->m, (r & 2) ? PFNLAB_GFP_HIGHUSER_MOVABLE : PFNLAB_GFP_KERNEL, o,
						&s->live[s->nlive].pfn)) {
				s->live[s->nlive++].order = o;
				s->live_pages += 1ull << o;
			}
		} else {
			size_t k = (size_t)(r >> 16) % s->nlive;

			pfnlab_free_pages(s->m, s->live[k].pfn, s->live[k].order);
			s->live_pages -= 1ull << s->live[k].order;
			s->live[k] = s->live[--s->nlive];
		}
	}
}

static void mixed_destroy(void *arg)
{
	struct mixed *s = arg;

	pfnlab_machine_destroy(s->m);
	free(s->live);
	free(s);
}

/* mixed_order_op_ns: filled to 75% with orders 0..3 first, then the steady state is measured */
static int bench_mixed(struct bench_workload *w, enum bench_size size)
{
	uint64_t ram = 1ull << 30;
	struct mixed *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->pages = s->cap = ram >> 12;
	s->seed = 0x9e3779b97f4a7c15ull;
	s->ops = size == BENCH_FULL ? 10000000 : size == BENCH_QUICK ? 2000000 : 500000;
	s->m = bench_machine(ram, false);
	s->live = malloc(s->cap * sizeof(*s->live));
	if (!s->m || !s->live) {
		mixed_destroy(s);
		return -1;
	}
	while (s->live_pages < s->pages * 3 / 4) {
		unsigned o = (unsigned)(bench_rng(&s->seed) % 4);

		if (pfnlab_alloc_pages(s->m, PFNLAB_GFP_KERNEL, o, &s->live[s->nlive].pfn))
			break;
		s->live[s->nlive++].order = o;
		s->live_pages += 1ull << o;
	}
	*w = (struct bench_workload){.state = s, .ops = s->ops,
				     .rounds = 1, .round = mixed_round, .destroy = mixed_destroy};
	return 0;
}

/* 1 GiB half full of order-0 pages; rounds of 1,024 allocations and their frees in reverse */
struct batch {
	struct pfnlab_machine *m;
	uint64_t batch[BENCH_BATCH];
	int reps;
};

static void batch_round(void *arg)
{
	struct batch *s = arg;

	for (int r = 0; r < s->reps; r++) {
		for (unsigned i = 0; i < BENCH_BATCH; i++)
			if (pfnlab_alloc_pages(s->m, PFNLAB_GFP_KERNEL, 0, &s->batch[i]))
				abort();
		for (unsigned i = BENCH_BATCH; i-- > 0;)
			pfnlab_free_pages(s->m, s->batch[i], 0);
	}
}

static void batch_destroy(void *arg)
{
	struct batch *s = arg;

	pfnlab_machine_destroy(s->m);
	free(s);
}

/* alloc_free_batch_ns: the hot-cache case a per-CPU list exists for */
static int bench_batch(struct bench_workload *w, enum bench_size size)
{
	struct batch *s = calloc(1, sizeof(*s));
	uint64_t pfn;

	if (!s)
		return -1;
	s->reps = BENCH_BATCH_REPS;
	s->m = bench_machine((uint64_t)BENCH_BATCH_HELD * 2 << 12, false);
	if (!s->m) {
		free(s);
		return -1;
	}
	for (size_t i = 0; i < BENCH_BATCH_HELD; i++)
		if (pfnlab_alloc_pages(s->m, PFNLAB_GFP_KERNEL, 0, &pfn)) {
			batch_destroy(s);
			return -1;
		}
	*w = (struct bench_workload){.state = s, .ops = (size_t)s->reps * BENCH_BATCH,
				     .rounds = size == BENCH_FULL ? 7 : 3, .round = batch_round,
				     .destroy = batch_destroy};
	return 0;
}

/* The per-operation figures, each a workload timed in rounds (or counted: bench/instructions.sh) */
static const struct per_op_figure {
	const char *name;
	int (*make)(struct bench_workload *w, enum bench_size size);
} per_op_figures[] = {
	{"alloc_free_order0_ns", bench_order0},       {"alloc_free_order0_nopcp_ns", bench_order0_nopcp},
	{"alloc_free_order0_floor_ns", bench_bare_order0}, {"alloc_free_order0_pcp_floor_ns", bench_pcp_order0},
	{"mixed_order_op_ns", bench_mixed},
	{"mixed_order_op_floor_ns", bench_bare_mixed},  {"alloc_free_batch_ns", bench_batch},
	{"alloc_free_batch_floor_ns", bench_bare_batch},
};

/*
 * One round of a workload: the only code bench/instructions.sh counts
 * (callgrind --toggle-collect=bench_measured)
 */
static __attribute__((noinline)) void bench_measured(const struct bench_workload *w)
{
	w->round(w->state);
}

/* ns per operation of @f, best of its rounds; -1 when it cannot be built */
static double time_per_op(const struct per_op_figure *f, bool quick)
{
	struct bench_workload w;
	double best = 1e30;

	if (f->make(&w, quick ? BENCH_QUICK : BENCH_FULL))
		return -1;
	for (int r = 0; r < w.rounds; r++) {
		double t0 = now_s(), t;

		bench_measured(&w);
		t = (now_s() - t0) * 1e9 / (double)w.ops;
		if (t < best)
			best = t;
	}
	w.destroy(w.state);
	return best;
}

/*
 * `pfnlab bench --count NAME`: one warm-up round and one measured round
 * of a per-operation figure's workload, no clock; prints the operations
 * the measured round did
 */
static int count_ops(const char *name)
{
	struct bench_workload w;

	for (size_t i = 0; i < sizeof(per_op_figures) / sizeof(per_op_figures[0]); i++) {
		if (strcmp(per_op_figures[i].name, name) != 0)
			continue;
		if (per_op_figures[i].make(&w, BENCH_COUNT)) {
			fprintf(stderr, "pfnlab: bench: %s: not enough host memory\n", name);
			return EXIT_RESOURCE;
		}
		w.round(w.state);
		bench_measured(&w);
		w.destroy(w.state);
		printf("%zu\n", w.ops);
		return EXIT_OK;
	}
	return cli_error("bench: --count takes a per-operation figure (alloc_free_order0_ns ...), not '%s'", name);
}

/* A machine of @ram bytes with one guest of @pages pages faulted in at 1 GiB. */
static struct pfnlab_machine *guest_machine(uint64_t ram, uint64_t pages, bool backed, unsigned *id)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char why[256];

	pfnlab_config_preset(&c, "x86_64", ram);
	c.backed = backed;
	if (pfnlab_machine_create(&c, &m, why, sizeof(why)))
		return NULL;
	if (pfnlab_mm_create(m, "guest", id) || pfnlab_mm_map(m, *id, 1ull << 30, pages << 12, 0) ||
	    pfnlab_mm_touch(m, *id, 1ull << 30, pages << 12, NULL)) {
		pfnlab_machine_destroy(m);
		return NULL;
	}
	return m;
}

/* Migrate every page of the guest once, in batches; returns seconds. */
static double migrate_all(struct pfnlab_machine *m, unsigned id, uint64_t pages)
{
	static const struct pfnlab_migrate_target t = {PFNLAB_GFP_USER | PFNLAB___GFP_MOVABLE, 0};
	uint64_t batch[1024];
	double t0 = now_s();

	for (uint64_t p = 0; p < pages; p += 1024) {
		size_t n = 0;

		for (uint64_t i = p; i < p + 1024 && i < pages; i++)
			pfnlab_mm_lookup(m, id, (1ull << 30) + (i << 12), &batch[n++]);
		if (pfnlab_migrate_pages(m, batch, n, &t, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_COMPACTION, NULL))
			return -1;
	}
	return now_s() - t0;
}

/* Metadata-only migration rate: pages per second. */
static double bench_migrate_meta(bool quick)
{
	uint64_t pages = quick ? 1ull << 18 : 1ull << 20;
	unsigned id;
	struct pfnlab_machine *m = guest_machine(8ull << 30, pages, false, &id);
	double best = 1e30;

	if (!m)
		return -1;
	for (int r = 0; r < 3; r++) {
		double t = migrate_all(m, id, pages);

		if (t > 0 && t < best)
			best = t;
	}
	pfnlab_machine_destroy(m);
	return (double)pages / best;
}

/*
 * Fault in the host memory behind every free frame of a backed machine, as
 * memset() does for the buffers memcpy() is timed on: an anonymous space
 * takes all the free memory it can, then goes away.
 */
static int prefault_free_memory(struct pfnlab_machine *m)
{
	uint64_t free_bytes = (uint64_t)pfnlab_vmstat(m, "nr_free_pages") << 12, addr = 1ull << 40;
	unsigned id;
	int err = pfnlab_mm_create(m, "prefault", &id);

	if (err)
		return err;
	err = pfnlab_mm_map(m, id, addr, free_bytes, 0);
	if (!err) {
		err = pfnlab_mm_touch(m, id, addr, free_bytes, NULL);
		if (err == -ENOMEM) /* stopped at the watermark: as far as it goes */
			err = 0;
	}
	return pfnlab_mm_destroy(m, id) ? -EBUSY : err;
}

/* Backed migration of 256 MiB against a memcpy of 256 MiB in the same run. */
static double bench_migrate_backed(bool quick)
{
	uint64_t pages = quick ? 1ull << 14 : 1ull << 16, bytes = pages << 12;
	unsigned id;
	struct pfnlab_machine *m = guest_machine(2ull << 30, pages, true, &id);
	uint8_t *a = malloc(bytes), *b = malloc(bytes);
	double tm = 1e30, tc = 1e30;

	if (!m || !a || !b || prefault_free_memory(m)) {
		free(a);
		free(b);
		pfnlab_machine_destroy(m);
		return -1;
	}
	memset(a, 1, bytes);
	memset(b, 2, bytes);
	migrate_all(m, id, pages); /* warm */
	for (int r = 0; r < 5; r++) {
		double t = migrate_all(m, id, pages), t0;

		if (t > 0 && t < tm)
			tm = t;
		t0 = now_s();
		memcpy(r & 1 ? a : b, r & 1 ? b : a, bytes);
		t = now_s() - t0;
		if (t < tc)
			tc = t;
	}
	if (a[bytes / 2] == 7)
		printf(" ");
	free(a);
	free(b);
	pfnlab_machine_destroy(m);
	return tm / tc;
}

/* Fault in a 64 GiB guest (THP off, metadata only); seconds. */
static double bench_fault_64g(bool quick, const char **skipped)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	uint64_t gb = quick ? 16 : 64;
	unsigned id;
	char why[256];
	double t0, t;

	pfnlab_config_preset(&c, "x86_64", (gb + 8) << 30);
	if (pfnlab_machine_create(&c, &m, why, sizeof(why))) {
		*skipped = "machine build failed";
		return 0;
	}
	t0 = now_s();
	if (pfnlab_mm_create(m, "guest", &id) || pfnlab_mm_map(m, id, 1ull << 30, gb << 30, 0) ||
	    pfnlab_mm_touch(m, id, 1ull << 30, gb << 30, NULL)) {
		*skipped = "fault-in failed";
		pfnlab_machine_destroy(m);
		return 0;
	}
	t = (now_s() - t0) * 64.0 / (double)gb;
	pfnlab_machine_destroy(m);
	return t;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			v = strtol(line + 6, NULL, 10);
	fclose(f);
	return v;
}

static double bench_build_1tib(double *rss_mib, const char **skipped)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	long before = rss_kib(), avail = sysconf(_SC_AVPHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	char why[256];
	double t0, t;

	pfnlab_config_preset(&c, "x86_64", 1ull << 40);
	if (avail > 0 && (uint64_t)avail * (uint64_t)psz < pfnlab_config_bytes(&c) + (1ull << 30)) {
		*skipped = "not enough free host memory for a 1 TiB model";
		return 0;
	}
	t0 = now_s();
	if (pfnlab_machine_create(&c, &m, why, sizeof(why))) {
		*skipped = "machine build failed";
		return 0;
	}
	t = now_s() - t0;
	*rss_mib = (double)(rss_kib() - before) / 1024.0;
	pfnlab_machine_destroy(m);
	return t;
}

static double metadata_per_frame(void)
{
	struct pfnlab_config c;
	uint64_t pfns;

	pfnlab_config_preset(&c, "x86_64", 1ull << 40);
	pfns = (1ull << 40) >> 12;
	return (double)pfnlab_config_bytes(&c) / (double)pfns;
}

/*
 * Empty a fully occupied 256 MiB CMA area (backed: every page's contents
 * move) with one whole-area cma_alloc(); time divided by a memcpy of 256 MiB.
 */
static double bench_cma_full(bool quick)
{
	uint64_t cma = quick ? 16384 : 65536, bytes = cma << 12, ram = 4 * bytes + (64ull << 20);
	uint64_t other, base = 1ull << 30;
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	unsigned filler, guest;
	uint8_t *a = malloc(bytes), *b = malloc(bytes);
	double tc = 1e30, ta = 1e30;
	char why[256];
	uint64_t pfn;
	double ret = -1;

	if (!a || !b)
		goto out;
	memset(a, 1, bytes);
	memset(b, 2, bytes);
	for (int r = 0; r < 3; r++) {
		double t0 = now_s(), t;

		memcpy(r & 1 ? a : b, r & 1 ? b : a, bytes);
		t = now_s() - t0;
		if (t < tc)
			tc = t;
	}
	for (int r = 0; r < 3; r++) {
		double t0;

		pfnlab_config_preset(&c, "x86_64", ram);
		c.backed = true;
		c.nr_cma = 1;
		c.cma[0].size = bytes;
		c.cma_rule = PFNLAB_CMA_2015;
		c.min_free_kbytes = 0;
		c.thp = false;
		if (pfnlab_machine_create(&c, &m, why, sizeof(why)))
			goto out;
		/* the filler takes free memory until CMA is touched, the guest then fills CMA */
		other = (uint64_t)pfnlab_vmstat(m, "nr_free_pages");
		if (pfnlab_mm_create(m, "filler", &filler) || pfnlab_mm_map(m, filler, base, other << 12, 0) ||
		    pfnlab_mm_create(m, "guest", &guest) || pfnlab_mm_map(m, guest, 2 * base + (other << 12), other << 12, 0)) {
			pfnlab_machine_destroy(m);
			goto out;
		}
		for (uint64_t i = 0; i < other && pfnlab_vmstat(m, "nr_free_cma") == (long long)cma; i++)
			pfnlab_mm_touch(m, filler, base + (i << 12), 4096, NULL);
		for (uint64_t i = 0; i < other && pfnlab_vmstat(m, "nr_free_cma") > 0; i++)
			pfnlab_mm_touch(m, guest, 2 * base + (other << 12) + (i << 12), 4096, NULL);
		if (pfnlab_vmstat(m, "nr_free_cma") != 0 || pfnlab_mm_unmap(m, filler, base, other << 12)) {
			pfnlab_machine_destroy(m);
			goto out;
		}
		t0 = now_s();
		if (pfnlab_cma_alloc(m, 0, cma, 0, &pfn)) {
			pfnlab_machine_destroy(m);
			goto out;
		}
		if (now_s() - t0 < ta)
			ta = now_s() - t0;
		pfnlab_machine_destroy(m);
	}
	if (a[bytes / 3] == 7)
		printf(" ");
	ret = ta / tc;
out:
	free(a);
	free(b);
	return ret;
}

/* Long-term pin (policy migrate-movable) of 1 GiB already outside CMA; ns per page. */
static double bench_longterm_pin(bool quick)
{
	uint64_t pages = quick ? 1ull << 16 : 1ull << 18;
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	double best = 1e30;
	unsigned id;
	char why[256];

	pfnlab_config_preset(&c, "x86_64", 8ull << 30);
	c.pin_policy = PFNLAB_PIN_MIGRATE_MOVABLE;
	c.nr_cma = 1;
	c.cma[0].size = 256ull << 20;
	if (pfnlab_machine_create(&c, &m, why, sizeof(why)))
		return -1;
	if (pfnlab_mm_create(m, "guest", &id) || pfnlab_mm_map(m, id, 1ull << 30, pages << 12, 0) ||
	    pfnlab_mm_touch(m, id, 1ull << 30, pages << 12, NULL)) {
		pfnlab_machine_destroy(m);
		return -1;
	}
	for (int r = 0; r < 5; r++) {
		double t0 = now_s(), t;
		long h = pfnlab_pin(m, id, 1ull << 30, pages,
				    PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE, "bench", NULL);

		t = now_s() - t0;
		if (h <= 0 || pfnlab_vmstat(m, "pfnlab_pin_migrated") != 0) {
			pfnlab_machine_destroy(m);
			return -1;
		}
		if (t < best)
			best = t;
		pfnlab_unpin(m, h);
	}
	pfnlab_machine_destroy(m);
	return best * 1e9 / (double)pages;
}

/* A built-in scenario under its own policy (none for both); best of @rounds, seconds. */
static double bench_scenario(const char *name, int rounds, const char **skipped)
{
	const struct scn_builtin *b = scn_builtin(name);
	struct scn_opts o = {.policy = -1};
	struct scn_program *p;
	char err[512];
	double best = 1e30;

	if (!b || scn_parse(name, b->text, strlen(b->text), &p, err, sizeof(err))) {
		*skipped = "the built-in scenario does not parse";
		return 0;
	}
	for (int i = 0; i < rounds; i++) {
		struct scn_result r;
		double t0 = now_s(), t;
		int rc = scn_run(p, &o, &r);

		t = now_s() - t0;
		scn_result_free(&r);
		if (rc) {
			*skipped = rc == -E2BIG ? "not enough host memory" : "the scenario failed";
			break;
		}
		if (t < best)
			best = t;
	}
	scn_free(p);
	return *skipped ? 0 : best;
}

/*
 * Trace replay (issue 6): parse and apply a real capture whose text is
 * already decompressed in memory, on a fresh machine large enough for it
 * whose frames are faulted in before the clock starts; events per second,
 * best of the rounds.  The capture is
 * $PFNLAB_BENCH_TRACE or the 6.18 one in ../shared/data.
 */
static double bench_replay(bool quick, const char **skipped)
{
	const char *path = getenv("PFNLAB_BENCH_TRACE");
	struct input_buf in;
	struct trace_prescan ps;
	char why[512];
	double best = 0;

	if (!path)
		path = "../shared/data/ftrace-linux-6.18-x86_64/trace.txt.xz";
	if (input_read(path, 0, &in, why, sizeof(why))) {
		*skipped = "no capture (set PFNLAB_BENCH_TRACE to a trace file)";
		return 0;
	}
	trace_prescan(in.data, in.len, &ps);
	for (int round = 0; round < (quick ? 3 : 10) && !*skipped; round++) {
		uint64_t ram = ((ps.max_pfn + 1) << 12) + (1ull << 30) - 1;
		struct pfnlab_config c;
		struct pfnlab_machine *m;
		struct pfnlab_replay *r;
		double t0, t;

		ram &= ~((1ull << 30) - 1);
		pfnlab_config_preset(&c, "x86_64", ram > (4ull << 30) ? ram : 4ull << 30);
		c.era = ps.era == PFNLAB_ERA_2015 ? PFNLAB_ERA_2015 : PFNLAB_ERA_CURRENT;
		c.pcp = false; /* as pfnlab replay: the trace shows each page the buddy allocator gave */
		if (pfnlab_machine_create(&c, &m, why, sizeof(why)) || pfnlab_replay_create(m, NULL, &r)) {
			*skipped = "machine build failed";
			break;
		}
		/* frames are allocated lazily (calloc): fault them in first, so the figure is parse and apply */
		for (uint64_t p = 0; p < m->nr_pfns; p += 4096 / sizeof(*m->frames))
			((volatile struct frame *)m->frames)[p].refcount += 0;
		t0 = now_s();
		if (pfnlab_replay_feed(r, in.data, in.len, path, why, sizeof(why)))
			*skipped = "the capture does not replay";
		t = now_s() - t0;
		if (t > 0 && (double)pfnlab_replay_events(r) / t > best)
			best = (double)pfnlab_replay_events(r) / t;
		pfnlab_replay_destroy(r);
		pfnlab_machine_destroy(m);
	}
	input_buf_free(&in);
	return *skipped ? 0 : best;
}

/* Is figure @name (or, for a pair, @also) among the comma-separated @only (NULL: all)? */
static bool wanted(const char *only, const char *name, const char *also)
{
	size_t len = strlen(name);

	if (!only)
		return true;
	for (const char *p = only; *p;) {
		size_t n = strcspn(p, ",");

		if ((n == len && !strncmp(p, name, n)) || (also && n == strlen(also) && !strncmp(p, also, n)))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

enum { O_QUICK = KEYS_CMD, O_FORMAT, O_ONLY, O_COUNT };

static const struct cli_opt opts[] = {
	{"quick", O_QUICK, NULL, "fewer rounds (for CI)", NULL},
	{"format", O_FORMAT, "text|json", "json: one JSON object with the figures", "text json"},
	{"only", O_ONLY, "LIST", "only these figures (comma-separated names)", NULL},
	{"count", O_COUNT, "FIGURE",
	 "run a per-operation figure's workload once to warm up and once more, without the clock, and print the "
	 "operations of the second round: bench/instructions.sh counts that round's instructions under callgrind",
	 NULL},
	{NULL, 0, NULL, NULL, NULL},
};

static int run(int argc, char **argv)
{
	bool quick = false, json = false;
	const char *only = NULL;
	struct result r[24];
	int n = 0;
	double rss = 0;
	const char *skip = NULL, *count = NULL;
	struct cli_args a;
	int k;

	cli_args_init(&a, &cmd_bench, argc, argv);
	while ((k = cli_next(&a)) != CLI_END) {
		switch (k) {
		case CLI_STOP:
			return a.rc;
		case CLI_OPERAND:
			return cli_usage_error(&a, "unexpected operand '%s' (try 'pfnlab bench --help')", a.val);
		case O_QUICK:
			quick = true;
			break;
		case O_FORMAT:
			if (cli_format_opt(&a))
				return EXIT_USAGE;
			json = strcmp(a.val, "json") == 0;
			break;
		case O_ONLY:
			only = a.val;
			break;
		default: /* O_COUNT */
			count = a.val;
			break;
		}
	}
	if (count)
		return count_ops(count);
	if (wanted(only, "bytes_per_frame", NULL))
		r[n++] = (struct result){"bytes_per_frame", (double)pfnlab_frame_size(), "bytes", NULL};
	if (wanted(only, "metadata_bytes_per_frame", NULL))
		r[n++] = (struct result){"metadata_bytes_per_frame", metadata_per_frame(), "bytes", NULL};
	for (size_t i = 0; i < sizeof(per_op_figures) / sizeof(per_op_figures[0]); i++)
		if (wanted(only, per_op_figures[i].name, NULL))
			r[n++] = (struct result){per_op_figures[i].name, time_per_op(&per_op_figures[i], quick), "ns",
						 NULL};
	if (wanted(only, "build_1tib_s", "build_1tib_rss_mib")) {
		r[n] = (struct result){"build_1tib_s", bench_build_1tib(&rss, &skip), "s", skip};
		n++;
		r[n++] = (struct result){"build_1tib_rss_mib", rss, "MiB", skip};
	}
	if (wanted(only, "migrate_meta_pages_per_s", NULL))
		r[n++] = (struct result){"migrate_meta_pages_per_s", bench_migrate_meta(quick), "pages/s", NULL};
	if (wanted(only, "migrate_backed_vs_memcpy", NULL))
		r[n++] = (struct result){"migrate_backed_vs_memcpy", bench_migrate_backed(quick), "x", NULL};
	skip = NULL;
	if (wanted(only, "fault_64g_thp_off_s", NULL)) {
		r[n] = (struct result){"fault_64g_thp_off_s", bench_fault_64g(quick, &skip), "s", skip};
		n++;
	}
	if (wanted(only, "cma_alloc_full_vs_memcpy", NULL))
		r[n++] = (struct result){"cma_alloc_full_vs_memcpy", bench_cma_full(quick), "x", NULL};
	if (wanted(only, "longterm_pin_ns_per_page", NULL))
		r[n++] = (struct result){"longterm_pin_ns_per_page", bench_longterm_pin(quick), "ns", NULL};
	skip = NULL;
	if (wanted(only, "seed_scenario_s", NULL)) {
		r[n] = (struct result){"seed_scenario_s", bench_scenario("seed", quick ? 1 : 3, &skip), "s", skip};
		n++;
	}
	skip = NULL;
	if (wanted(only, "replay_events_per_s", NULL)) {
		r[n] = (struct result){"replay_events_per_s", bench_replay(quick, &skip), "events/s", skip};
		n++;
	}
	skip = quick ? "not run with --quick" : NULL;
	if (wanted(only, "host_month_s", NULL)) {
		r[n] = (struct result){"host_month_s", quick ? 0 : bench_scenario("host-month", 1, &skip), "s", skip};
		n++;
	}
	if (!n)
		return cli_error("bench: --only names no figure: '%s'", only);
	if (json) {
		printf("{");
		for (int i = 0; i < n; i++) {
			if (r[i].skipped)
				printf("%s\"%s\": null, \"%s_skipped\": \"%s\"", i ? ", " : "", r[i].name, r[i].name,
				       r[i].skipped);
			else
				printf("%s\"%s\": %.3f", i ? ", " : "", r[i].name, r[i].value);
		}
		printf("}\n");
	} else {
		for (int i = 0; i < n; i++) {
			if (r[i].skipped)
				printf("%-30s skipped: %s\n", r[i].name, r[i].skipped);
			else
				printf("%-30s %12.3f %s\n", r[i].name, r[i].value, r[i].unit);
		}
	}
	return EXIT_OK;
}

static const struct cli_section sections[] = {{"Options", NULL, opts}, {NULL, NULL, NULL}};

const struct command cmd_bench = {
	.name = "bench",
	.summary = "run the benchmarks (like perf bench)",
	.synopsis = "[--quick] [--format text|json] [--only FIGURE,...]\n"
		    "--count FIGURE",
	.description =
		"Runs the benchmarks the project sets targets for and prints one figure each:\n"
		"  bytes_per_frame       metadata per page frame, struct frame (target <= 16)\n"
		"  metadata_bytes_per_frame  all metadata of a 1 TiB machine per frame\n"
		"  alloc_free_order0_ns  N order-0 allocations then N frees on 4 GiB, ns per pair\n"
		"                        (<= 1.3 x the floor)\n"
		"  alloc_free_order0_nopcp_ns  the same with --no-pcp (<= 1.8 x the floor)\n"
		"  alloc_free_order0_floor_ns  the same loop on a bare buddy allocator without the\n"
		"                        kernel's rules (no zones, watermarks, types, counters,\n"
		"                        per-CPU lists): the least this host allows\n"
		"  alloc_free_order0_pcp_floor_ns  the same loop on the bare buddy allocator behind\n"
		"                        one bare per-CPU list (the kernel's batch and high, pages\n"
		"                        linked through the frames): the least an allocator with\n"
		"                        per-CPU lists could do\n"
		"  mixed_order_op_ns     random orders, random alloc/free at 75% occupancy (<= 1.5 x\n"
		"                        its floor)\n"
		"  mixed_order_op_floor_ns  the same workload on the bare buddy allocator\n"
		"  alloc_free_batch_ns   1 GiB half full of order-0 pages, then 1,024 order-0\n"
		"                        allocations and their frees in reverse order, repeated; ns\n"
		"                        per pair (<= 1.3 x its floor)\n"
		"  alloc_free_batch_floor_ns  the same workload on the bare buddy allocator\n"
		"  build_1tib_s          build a 1 TiB x86_64 machine (<= 5 s), with its RSS in\n"
		"                        build_1tib_rss_mib (<= 5120); skipped when memory is short\n"
		"  migrate_meta_pages_per_s  metadata-only migration rate (>= 10 million)\n"
		"  migrate_backed_vs_memcpy  migrating 256 MiB with contents / memcpy of 256 MiB (<= 1.2);\n"
		"                        the model's host memory is faulted in first, as memcpy's is\n"
		"  fault_64g_thp_off_s   fault in a 64 GiB guest, THP off (<= 1 s; --quick times 16 GiB\n"
		"                        and scales)\n"
		"  cma_alloc_full_vs_memcpy  emptying a full 256 MiB CMA area (backed) / memcpy of 256 MiB\n"
		"                        (<= 1.3)\n"
		"  longterm_pin_ns_per_page  long-term pin (migrate-movable) of pages outside CMA, ns per\n"
		"                        page (<= 50)\n"
		"  seed_scenario_s       the built-in seed scenario under policy none (<= 0.15 s)\n"
		"  replay_events_per_s   parse and apply a real trace, text in memory (>= 12 million; the\n"
		"                        6.18 capture of ../shared/data or $PFNLAB_BENCH_TRACE)\n"
		"  host_month_s          the built-in host-month scenario: a 1 TiB ppc64 host, 200 guest\n"
		"                        lifecycles with VFIO in 30 days (<= 1.5 s; not run with --quick)\n",
	.sections = sections,
	.examples = "pfnlab bench --quick --format json\n"
		    "pfnlab bench --only alloc_free_order0_ns,alloc_free_order0_floor_ns\n",
	.exits = EXITS_USAGE | EXITS_RESOURCE,
	.run = run,
};
