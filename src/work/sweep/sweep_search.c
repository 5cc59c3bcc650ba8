/*
 * sweep_search.c - size-cma's search: the smallest value of a monotone
 * parameter for which runs meet a target with probability at least C
 * (docs/sweep.md).
 *
 * A value meets the target when the Wilson 95% interval of the share of
 * its runs (seeds 1, 2, ...) meeting the target lies at or above the
 * confidence C; it misses when the interval lies below C.  Runs are added
 * until one or the other is shown, up to max_runs (then it misses, as
 * "undecided"):
 *
 *   values v0 < v1 < ... (in the order given; larger is assumed better)
 *   binary search with a screen of `batch` runs per probe: a probe whose
 *   interval lies below C moves up, any other moves down;
 *   the candidate is then confirmed with as many runs as showing C takes;
 *   a candidate that fails confirmation restarts the search above it.
 *
 * Everything the search decides follows from the counts of runs meeting
 * the target, which the caller's run() hands back: the answer and its
 * evidence do not depend on what executes the runs.  Pure: no files.
 */
#include "sweep.h"

static const char *const verdict_name[] = {"untried", "misses", "screened", "meets", "undecided"};

const char *sweep_verdict_name(enum sweep_verdict v)
{
	return verdict_name[v];
}

/* Make value @v have @n runs (at most max_runs), then its interval. */
static int ensure_runs(struct sweep_search *se, size_t v, uint64_t n)
{
	struct sweep_probe *pr = &se->p[v];
	uint64_t met = 0;
	int rc;

	if (n > se->max_runs)
		n = se->max_runs;
	if (n <= pr->runs)
		return 0;
	rc = se->run(se->arg, v, pr->runs, n, &met);
	if (rc)
		return rc;
	pr->met += met;
	pr->runs = n;
	sweep_wilson(pr->met, pr->runs, SWEEP_Z95, &pr->lo, &pr->hi);
	return 0;
}

/* Fewest runs (>= now) that could show the confidence if every further run met the target; 0 if none <= max. */
static uint64_t runs_needed(const struct sweep_search *se, const struct sweep_probe *pr)
{
	uint64_t lo = pr->runs + 1, hi = se->max_runs;
	double l, h;

	sweep_wilson(pr->met + (hi - pr->runs), hi, SWEEP_Z95, &l, &h);
	if (hi <= pr->runs || l < se->conf)
		return 0;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		sweep_wilson(pr->met + (mid - pr->runs), mid, SWEEP_Z95, &l, &h);
		if (l >= se->conf)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* A first look: misses (interval below C, or C out of reach) or plausible. */
static int screen(struct sweep_search *se, size_t v)
{
	struct sweep_probe *pr = &se->p[v];
	int rc;

	if (pr->v == SWEEP_MEETS || pr->v == SWEEP_MISSES || pr->v == SWEEP_UNDECIDED)
		return 0;
	rc = ensure_runs(se, v, se->batch);
	if (rc)
		return rc;
	if (pr->lo >= se->conf)
		pr->v = SWEEP_MEETS;
	else if (pr->hi < se->conf || !runs_needed(se, pr))
		pr->v = SWEEP_MISSES;
	else
		pr->v = SWEEP_PLAUSIBLE;
	return 0;
}

/* Runs until the interval lies above or below C, or max_runs. */
static int confirm(struct sweep_search *se, size_t v)
{
	struct sweep_probe *pr = &se->p[v];

	while (pr->v == SWEEP_PLAUSIBLE) {
		uint64_t need = runs_needed(se, pr);
		int rc;

		if (!need) {
			pr->v = pr->runs >= se->max_runs && pr->hi >= se->conf ? SWEEP_UNDECIDED : SWEEP_MISSES;
			break;
		}
		rc = ensure_runs(se, v, need);
		if (rc)
			return rc;
		if (pr->lo >= se->conf)
			pr->v = SWEEP_MEETS;
		else if (pr->hi < se->conf)
			pr->v = SWEEP_MISSES;
	}
	return 0;
}

int sweep_search(struct sweep_search *se, size_t *answer)
{
	size_t lo = 0, hi = se->nv;
	int rc;

	for (;;) {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			rc = screen(se, mid);
			if (rc)
				return rc;
			if (se->p[mid].v == SWEEP_MISSES || se->p[mid].v == SWEEP_UNDECIDED)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (hi == se->nv) {
			*answer = se->nv;
			return 0;
		}
		rc = confirm(se, hi);
		if (rc)
			return rc;
		if (se->p[hi].v == SWEEP_MEETS) {
			*answer = hi;
			return 0;
		}
		lo = hi + 1;
		hi = se->nv;
	}
}
