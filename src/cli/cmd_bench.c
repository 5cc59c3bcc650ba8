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

uint64_t bench_rng(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static struct pfnlab_machine *bench_machine(uint64_t ram, char *why, size_t len)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;

	pfnlab_config_preset(&c, "x86_64", ram);
	if (pfnlab_machine_create(&c, &m, why, len))
		return NULL;
	return m;
}

/* N order-0 allocations then N frees; ns per alloc+free pair, best of rounds. */
static double bench_order0(bool quick)
{
	char why[256];
	struct pfnlab_machine *m = bench_machine(4ull << 30, why, sizeof(why));
	size_t n = quick ? 200000 : 800000;
	uint64_t *pfns = malloc(n * sizeof(*pfns));
	double best = 1e30;

	if (!m || !pfns) {
		free(pfns);
		pfnlab_machine_destroy(m);
		return -1;
	}
	for (int round = 0; round < (quick ? 3 : 7); round++) {
		double t0 = now_s(), t;

		for (size_t i = 0; i < n; i++)
			if (pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &pfns[i]))
				abort();
		for (size_t i = 0; i < n; i++)
			pfnlab_free_pages(m, pfns[i], 0);
		t = (now_s() - t0) * 1e9 / (double)n;
		if (t < best)
			best = t;
	}
	free(pfns);
	pfnlab_machine_destroy(m);
	return best;
}

/* Random alloc/free of random orders (0..max_order, weighted to small) at ~75% occupancy. */
static double bench_mixed(bool quick)
{
	char why[256];
	uint64_t ram = 1ull << 30, pages = ram >> 12, live_pages = 0, seed = 0x9e3779b97f4a7c15ull;
	struct pfnlab_machine *m = bench_machine(ram, why, sizeof(why));
	size_t cap = pages, nlive = 0, ops = quick ? 2000000 : 10000000;
	struct live { uint64_t pfn; unsigned order; } *live = malloc(cap * sizeof(*live));
	double t0, t;

	if (!m || !live) {
		free(live);
		pfnlab_machine_destroy(m);
		return -1;
	}
	/* fill to 75% with order-0..3 first, then measure the steady state */
	while (live_pages < pages * 3 / 4) {
		unsigned o = (unsigned)(bench_rng(&seed) % 4);

		if (pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, o, &live[nlive].pfn))
			break;
		live[nlive++].order = o;
		live_pages += 1ull << o;
	}
	t0 = now_s();
	for (size_t i = 0; i < ops; i++) {
		uint64_t r = bench_rng(&seed);

		if (live_pages < pages * 3 / 4 && nlive < cap) {
			/* orders: 0 half the time, then geometric up to max */
			unsigned o = 0;

			while (o < 10 && (r & 1)) {
				o++;
				r >>= 1;
			}
			if (!pfnlab_alloc_pages(m, (r & 2) ? PFNLAB_GFP_HIGHUSER_MOVABLE : PFNLAB_GFP_KERNEL, o,
						&live[nlive].pfn)) {
				live[nlive++].order = o;
				live_pages += 1ull << o;
			}
		} else {
			size_t k = (size_t)(r >> 16) % nlive;

			pfnlab_free_pages(m, live[k].pfn, live[k].order);
			live_pages -= 1ull << live[k].order;
			live[k] = live[--nlive];
		}
	}
	t = (now_s() - t0) * 1e9 / (double)ops;
	free(live);
	pfnlab_machine_destroy(m);
	return t;
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
	if (input_read(path, &in, why, sizeof(why))) {
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

static int run(int argc, char **argv)
{
	bool quick = false, json = false;
	struct result r[20];
	int n = 0;
	double rss = 0;
	const char *skip = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "json") == 0)
				json = true;
			else if (strcmp(argv[i], "text") != 0)
				return cli_error("bench: --format is text or json, not '%s'", argv[i]);
		} else
			return cli_error("bench: unknown option '%s'", argv[i]);
	}
	r[n++] = (struct result){"bytes_per_frame", (double)pfnlab_frame_size(), "bytes", NULL};
	r[n++] = (struct result){"metadata_bytes_per_frame", metadata_per_frame(), "bytes", NULL};
	r[n++] = (struct result){"alloc_free_order0_ns", bench_order0(quick), "ns", NULL};
	r[n++] = (struct result){"alloc_free_order0_floor_ns", bench_bare_order0(quick), "ns", NULL};
	r[n++] = (struct result){"mixed_order_op_ns", bench_mixed(quick), "ns", NULL};
	r[n++] = (struct result){"mixed_order_op_floor_ns", bench_bare_mixed(quick), "ns", NULL};
	r[n] = (struct result){"build_1tib_s", bench_build_1tib(&rss, &skip), "s", skip};
	n++;
	r[n++] = (struct result){"build_1tib_rss_mib", rss, "MiB", skip};
	r[n++] = (struct result){"migrate_meta_pages_per_s", bench_migrate_meta(quick), "pages/s", NULL};
	r[n++] = (struct result){"migrate_backed_vs_memcpy", bench_migrate_backed(quick), "x", NULL};
	skip = NULL;
	r[n] = (struct result){"fault_64g_thp_off_s", bench_fault_64g(quick, &skip), "s", skip};
	n++;
	r[n++] = (struct result){"cma_alloc_full_vs_memcpy", bench_cma_full(quick), "x", NULL};
	r[n++] = (struct result){"longterm_pin_ns_per_page", bench_longterm_pin(quick), "ns", NULL};
	skip = NULL;
	r[n] = (struct result){"seed_scenario_s", bench_scenario("seed", quick ? 1 : 3, &skip), "s", skip};
	n++;
	skip = NULL;
	r[n] = (struct result){"replay_events_per_s", bench_replay(quick, &skip), "events/s", skip};
	n++;
	skip = quick ? "not run with --quick" : NULL;
	r[n] = (struct result){"host_month_s", quick ? 0 : bench_scenario("host-month", 1, &skip), "s", skip};
	n++;
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
				printf("%-27s skipped: %s\n", r[i].name, r[i].skipped);
			else
				printf("%-27s %12.3f %s\n", r[i].name, r[i].value, r[i].unit);
		}
	}
	return EXIT_OK;
}

const struct command cmd_bench = {
	.name = "bench",
	.summary = "run the benchmarks (like perf bench)",
	.run = run,
	.help = "usage: pfnlab bench [--quick] [--format text|json]\n\n"
		"Runs the benchmarks the project sets targets for and prints one figure each:\n"
		"  bytes_per_frame       metadata per page frame, struct frame (target <= 16)\n"
		"  metadata_bytes_per_frame  all metadata of a 1 TiB machine per frame\n"
		"  alloc_free_order0_ns  N order-0 allocations then N frees, ns per pair (<= 12)\n"
		"  alloc_free_order0_floor_ns  the same loop on a bare buddy allocator without the\n"
		"                        kernel's rules (no zones, watermarks, types, counters):\n"
		"                        the least this host allows\n"
		"  mixed_order_op_ns     random orders, random alloc/free at 75% occupancy (<= 20)\n"
		"  mixed_order_op_floor_ns  the same workload on the bare buddy allocator\n"
		"  build_1tib_s          build a 1 TiB x86_64 machine (<= 5 s), with its RSS in\n"
		"                        build_1tib_rss_mib (<= 5120); skipped when memory is short\n"
		"  migrate_meta_pages_per_s  metadata-only migration rate (>= 10 million)\n"
		"  migrate_backed_vs_memcpy  migrating 256 MiB with contents / memcpy of 256 MiB (<= 1.2);\n"
		"                        the model's host memory is faulted in first, as memcpy's is\n"
		"  fault_64g_thp_off_s   fault in a 64 GiB guest, THP off (<= 1 s; --quick times 16 GiB\n"
		"                        and scales)\n"
		"  cma_alloc_full_vs_memcpy  emptying a full 256 MiB CMA area (backed) / memcpy of 256 MiB (<= 1.3)\n"
		"  longterm_pin_ns_per_page  long-term pin (migrate-movable) of pages outside CMA, ns per page (<= 50)\n"
		"  seed_scenario_s       the built-in seed scenario under policy none (< 1 s)\n"
		"  replay_events_per_s   parse and apply a real trace, text in memory (>= 3 million; the 6.18\n"
		"                        capture of ../shared/data or $PFNLAB_BENCH_TRACE)\n"
		"  host_month_s          the built-in host-month scenario: a 1 TiB ppc64 host, 200 guest\n"
		"                        lifecycles with VFIO in 30 days (< 10 s; not run with --quick)\n\n"
		"  --quick        fewer rounds (for CI)\n"
		"  --format json  one JSON object with the figures\n",
};
