/*
 * cma_alloc.c - the whole-area cma_alloc of an experiment (debugfs "alloc"
 * of the CMA area found by probe.c), run as one traced phase: its time,
 * result, errno, the pages migrated and, on failure, who is left in the
 * area.  Above probe.c and trace.c, below the experiments.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>

#include "guest.h"

/*
 * Whole-area cma_alloc (debugfs "alloc"); traced.  Returns 0 or the write's
 * -errno (debugfs turns every failure into -ENOMEM; the -EBUSY inside shows
 * in the trace).  Reports pages migrated (pgmigrate_success delta, trace
 * sum), the counters of the phase and the time; frees the allocation again
 * on success when @give_back.
 */
int cma_alloc_whole(const char *phase, int give_back)
{
	char p[512], v[32], key[96];
	long long mig0 = vmstat("pgmigrate_success"), fail0 = vmstat("pgmigrate_fail");
	double t0;
	int err;

	snprintf(p, sizeof(p), "/sys/kernel/debug/cma/%s/alloc", cma.name);
	snprintf(v, sizeof(v), "%" PRIu64, cma.count);
	phase_begin(phase);
	t0 = now();
	err = write_file(p, v);
	snprintf(key, sizeof(key), "%s.cma_alloc.seconds", phase);
	result(key, "%.3f", now() - t0);
	if (err) {	/* who is left in the area, before anything else allocates */
		pfnlab_live_pause();
		cma_occupancy(phase);
	}
	snprintf(key, sizeof(key), "%s.cma_alloc.count", phase);
	result(key, "%" PRIu64, cma.count);
	snprintf(key, sizeof(key), "%s.cma_alloc.result", phase);
	result(key, "%s", err ? "fail" : "success");
	snprintf(key, sizeof(key), "%s.cma_alloc.errno", phase);
	result(key, "%d", -err);
	snprintf(key, sizeof(key), "%s.pgmigrate_success", phase);
	result(key, "%lld", vmstat("pgmigrate_success") - mig0);
	snprintf(key, sizeof(key), "%s.pgmigrate_fail", phase);
	result(key, "%lld", vmstat("pgmigrate_fail") - fail0);
	phase_end(phase);
	if (!err) {
		char used[512];

		snprintf(used, sizeof(used), "/sys/kernel/debug/cma/%s/used", cma.name);
		snprintf(key, sizeof(key), "%s.cma_used", phase);
		result(key, "%" PRIu64, read_u64(used));
		if (give_back) {
			snprintf(p, sizeof(p), "/sys/kernel/debug/cma/%s/free", cma.name);
			if (write_file(p, v))
				fail("debugfs cma free");
		}
	}
	return err;
}
