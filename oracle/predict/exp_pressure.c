/*
 * exp_pressure.c - the pressure experiment: F and B kept, B's pages in
 * CMA more than the free pages outside CMA, then B pinned long-term under
 * the migrate-movable rule: the kernel's answer (success, an error, an OOM
 * kill of which process, a panic) and the pages migrated before it.  The
 * kernel's side only: pfnlab has no reclaim or OOM killer yet (rows show
 * pfnlab "n/m"); the row keys are what a model replay will put.
 */
#include <stdio.h>

#include "predict.h"

static void derive_pressure(struct facts *k, struct facts *p)
{
	long long a = 0, b = 0, v;

	if (num(k, "pin.vmstat.allocstall_normal", &v))
		a += v;
	if (num(k, "pin.vmstat.allocstall_dma32", &v))
		a += v;
	if (num(k, "pin.vmstat.allocstall_movable", &v))
		a += v;
	put(k, "pin.allocstall", "%lld", a);
	if (num(k, "pin.vmstat.pgsteal_anon", &v))
		b += v;
	if (num(k, "pin.vmstat.pgsteal_file", &v))
		b += v;
	put(k, "pin.pgsteal", "%lld", b);
	(void)p;
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

const struct experiment exp_pressure = {"pressure", NULL, derive_pressure, ROWS(rows)};
