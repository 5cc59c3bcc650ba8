/*
 * exp_pressure.c - the pressure experiment: F and B kept, B's pages in
 * CMA more than the free pages outside CMA, then B pinned long-term under
 * the migrate-movable rule: the kernel's answer (success, an error, an OOM
 * kill of which process, a panic) and the pages migrated before it.
 *
 * The model: the guest's process ("pressure": F and B in one space, its
 * arrays in the guest heap, the same task) is current while it registers
 * B with io_uring (io_uring.c: the kernel's arrays, then pfnlab_pin with
 * FOLL_PIN|FOLL_LONGTERM|FOLL_WRITE); when the targets run out
 * the slow path reclaims nothing (no swap, no page cache) and the OOM
 * killer chooses by oom_badness(); a kill of the pinning process ends the
 * experiment there, as SIGKILL ends the guest's child.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

/* The pin phase: counters as deltas, the migrate reason from the trace, an OOM kill's victim. */
static bool pin_phase(struct sim *s, unsigned b, uint64_t pages, long *h, struct kvbuf *bvec)
{
	static const char *const counters[] = {"pgmigrate_success", "pgmigrate_fail", "oom_kill", "compact_stall",
					       "allocstall_dma32", "allocstall_normal", "allocstall_movable",
					       "pgsteal_anon", "pgsteal_file"};
	long long before[sizeof(counters) / sizeof(counters[0])];
	struct pfnlab_sink ts = {strbuf_sink, &s->trace};
	struct pfnlab_oom_event ev;
	bool killed = false;

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		before[i] = vm(s, counters[i]);
	pfnlab_set_trace(s->m, &ts);
	pfnlab_set_current(s->m, b);
	*h = io_uring_register_buffer(s, b, VA_B, pages, bvec);
	pfnlab_set_current(s->m, 0);
	pfnlab_set_trace(s->m, NULL);
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		char key[64];

		snprintf(key, sizeof(key), "pin.vmstat.%s", counters[i]);
		put(s->p, key, "%lld", vm(s, counters[i]) - before[i]);
	}
	put_migrate_reason(s->p, "pin.trace.mm_migrate_pages.reason", s->trace.text);
	s->trace.len = 0;
	while (pfnlab_oom_next(s->m, &ev) == 0) {
		put(s->p, "outcome.victim", "%s", ev.comm);
		put(s->p, "outcome.oom_kill_line", "%s", ev.line);
		killed |= ev.mm == b;
	}
	return killed;
}

static int model_pressure(const struct facts *k, struct facts *p)
{
	const struct pfnlab_task task = {.comm = "pressure", .pid = 30};
	struct kvbuf bvec = {0};
	struct sim s;
	long long bm;
	uint64_t pages, *before = NULL, incma, freenc;
	unsigned f;
	double clock = -1;
	long h = -1;
	int rc = -EINVAL;

	if (!num(k, "param.b_mib", &bm) || bm < 1 || bm > (1ll << 30))
		return -EINVAL;
	pages = ((uint64_t)bm << 20) / PAGE;
	if (sim_start(&s, k, p, PFNLAB_CMA_5_7, PFNLAB_PIN_MIGRATE_MOVABLE, true) || fill(&s, &f) ||
	    pfnlab_mm_set_task(s.m, f, &task) || pfnlab_mm_set_task(s.m, s.guest, &task))
		goto out;
	sim_catch_up(&s, "clock.filled", &clock);
	if (pfnlab_mm_map(s.m, f, VA_B, pages * PAGE, 0) || region_write(&s, f, VA_B, bm, 0xb))
		goto out;
	sim_catch_up(&s, "clock.touched", &clock);
	incma = count_in_cma(&s, "touched", "B", f, VA_B, bm);
	if (!guest_array(&s, pages * 8)) /* B's PFN array, filled by the count */
		goto out;
	freenc = (uint64_t)(vm(&s, "nr_free_pages") - vm(&s, "nr_free_cma"));
	put(p, "pressure.B.in_cma", "%llu", (unsigned long long)incma);
	put(p, "pressure.free_noncma", "%llu", (unsigned long long)freenc);
	put(p, "pressure.condition", "%s", incma > freenc ? "exceeds" : "fits");
	before = pfns_of(&s, f, VA_B, pages);
	if (!before || !guest_array(&s, pages * 8)) /* pfn_copy() */
		goto out;
	sim_catch_up(&s, "clock.pin_begin", &clock);
	if (pin_phase(&s, f, pages, &h, &bvec)) {
		put(p, "outcome", "oom-kill");
	} else {
		put(p, "pin.result", "%s", h > 0 ? "success" : "fail");
		put(p, "pin.errno", "%ld", h > 0 ? 0 : -h);
		count_in_cma(&s, "pinned", "B", f, VA_B, bm);
		put(p, "pin.moved", "%llu", (unsigned long long)moved(&s, f, VA_B, before, pages));
		put_mismatches(&s, "pin.B.mismatches", f, VA_B, bm, 0xb);
		if (h > 0) {
			pfnlab_unpin(s.m, h);
			kvfree(&s, &bvec);
		}
	}
	rc = 0;
out:
	free(before);
	sim_end(&s);
	return rc;
}

/* pin.allocstall and pin.pgsteal: the sums of the pin phase's allocstall_* and pgsteal_{anon,file}; no victim: none */
static void derive_sums(struct facts *f)
{
	long long a = 0, b = 0, v;

	if (num(f, "pin.vmstat.allocstall_normal", &v))
		a += v;
	if (num(f, "pin.vmstat.allocstall_dma32", &v))
		a += v;
	if (num(f, "pin.vmstat.allocstall_movable", &v))
		a += v;
	put(f, "pin.allocstall", "%lld", a);
	if (num(f, "pin.vmstat.pgsteal_anon", &v))
		b += v;
	if (num(f, "pin.vmstat.pgsteal_file", &v))
		b += v;
	put(f, "pin.pgsteal", "%lld", b);
	if (!get(f, "outcome.victim")) /* the pin completed: nobody was killed */
		put(f, "outcome.victim", "none");
}

static void derive_pressure(struct facts *k, struct facts *p)
{
	derive_sums(k);
	derive_sums(p);
}

#define R(id, label, key, kind) {id, label, key, key, kind}
static const struct row rows[] = {
	R("B.in_cma", "B pages in CMA before the pin", "touched.B.in_cma", K_COUNT),
	R("free_noncma", "free pages outside CMA before the pin", "pressure.free_noncma", K_COUNT),
	R("condition", "B's CMA pages against them", "pressure.condition", K_OUTCOME),
	R("victim", "OOM victim", "outcome.victim", K_OUTCOME),
	R("invoked", "the OOM killer invoked by", "outcome.oom_invoked", K_INFO),
	R("kill_line", "the kernel's line", "outcome.oom_kill_line", K_INFO),
	R("result", "io_uring_register(BUFFERS)", "pin.result", K_OUTCOME),
	R("errno", "its errno", "pin.errno", K_OUTCOME),
	R("migrated", "pages migrated before the end (pgmigrate_success)", "pin.vmstat.pgmigrate_success", K_COUNT),
	R("migrate_fail", "pgmigrate_fail", "pin.vmstat.pgmigrate_fail", K_INFO),
	R("reason", "migrate reason", "pin.trace.mm_migrate_pages.reason", K_OUTCOME),
	R("oom_kill", "OOM kills (vmstat oom_kill)", "pin.vmstat.oom_kill", K_OUTCOME),
	R("allocstall", "direct reclaim stalls (allocstall_*)", "pin.allocstall", K_INFO),
	R("pgsteal", "pages reclaimed (pgsteal_anon + pgsteal_file)", "pin.pgsteal", K_INFO),
	R("compact_stall", "compact_stall", "pin.vmstat.compact_stall", K_INFO),
	R("B.after", "B pages in CMA after the pin", "pinned.B.in_cma", K_COUNT),
	R("moved", "B pages whose PFN the pin changed", "pin.moved", K_COUNT),
	R("data", "B data mismatches after the pin", "pin.B.mismatches", K_ZERO),
};

const struct experiment exp_pressure = {"pressure", model_pressure, derive_pressure, ROWS(rows)};
