/*
 * exp_migrate.c - the migrate experiment: F, R; a whole-area cma_alloc
 * with nothing held succeeds by migrating R's borrowed pages out of the
 * area.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "predict.h"

static int model_migrate(const struct facts *k, struct facts *p)
{
	struct sim s;
	long long rm, fm;
	uint64_t pages, *pf;
	unsigned f, r;

	if (!num(k, "param.r_mib", &rm) || !num(k, "param.f_mib", &fm))
		return -EINVAL;
	pages = ((uint64_t)rm << 20) / PAGE;
	if (sim_start(&s, k, p, PFNLAB_CMA_5_7, PFNLAB_PIN_MIGRATE_MOVABLE, true) || fill(&s, &f) ||
	    map_touch(&s, "R", VA_R, rm, REGION_ANON, &r, 0xa)) {
		sim_end(&s);
		return -EINVAL;
	}
	count_in_cma(&s, "touched", "R", r, VA_R, rm);
	pf = pfns_of(&s, r, VA_R, pages);
	/* the guest's PFN array of R, then its copy */
	if (!pf || !guest_array(&s, pages * 8) || !guest_array(&s, pages * 8)) {
		sim_end(&s);
		return -ENOMEM;
	}
	if (sim_process(&s, (const unsigned[]){f, r}, 2)) {
		free(pf);
		sim_end(&s);
		return -EINVAL;
	}
	sim_cma_alloc(&s, "migrate", false);
	count_in_cma(&s, "migrate", "R", r, VA_R, rm);
	put(p, "migrate.R.moved", "%llu", (unsigned long long)moved(&s, r, VA_R, pf, pages));
	put_mismatches(&s, "migrate.R.mismatches", r, VA_R, rm, 0xa);
	put_mismatches(&s, "migrate.F.mismatches", f, VA_F, fm, 0xf);
	free(pf);
	sim_end(&s);
	return 0;
}

static void derive_migrate(struct facts *k, struct facts *p)
{
	derive_cma_alloc(k, "migrate");
	derive_cma_alloc(p, "migrate");
	derive_warn_alloc(k, "migrate");
}

static const struct row rows[] = {
	{"R.in_cma", "R pages in CMA before", "touched.R.in_cma", "touched.R.in_cma", K_COUNT},
	{"result", "whole-area cma_alloc", "migrate.cma_alloc.result", "migrate.cma_alloc.result", K_OUTCOME},
	{"events", "trace event order", "migrate.events", "migrate.events", K_OUTCOME},
	{"migrated", "pages it migrated (pgmigrate_success)", "migrate.pgmigrate_success", "migrate.pgmigrate_success", K_COUNT},
	{"migrated.to_end", "pages migrated to the phase's end (also if killed)", "migrate.vmstat.pgmigrate_success", "-", K_INFO},
	{"moved", "R pages whose PFN changed", "migrate.R.moved", "migrate.R.moved", K_COUNT},
	{"R.after", "R pages in CMA after", "migrate.R.in_cma", "migrate.R.in_cma", K_COUNT},
	{"data", "R data mismatches", "migrate.R.mismatches", "migrate.R.mismatches", K_ZERO},
	{"warn_alloc", "allocation failure line (warn_alloc)", "migrate.warn_alloc", "migrate.warn_alloc", K_OUTCOME},
};

const struct experiment exp_migrate = {"migrate", model_migrate, derive_migrate, ROWS(rows)};
