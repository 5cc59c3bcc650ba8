/*
 * sweep_agg.c - rows aggregated into statistics per parameter point: run
 * counts by status, each metric's mean, p50, p95, p99, min and max over the
 * completed runs, each failure metric's share of runs above zero and the
 * target's share, with Wilson 95% intervals (sweep_stats.c).
 *
 * Rows come in run order, so grouped by point: only the current point's
 * values are held, and memory does not grow with the number of points.
 * Pure: no files.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct sweep_agg {
	const struct sweep_spec *s;
	char **metric;
	size_t nm;
	size_t fail_idx[MAX_FAILURES];
	size_t term_idx[MAX_TERMS];
	struct sweep_point_stats *pt;
	size_t npt;
	/* the current point */
	bool open;
	uint64_t cur;
	double *vals;          /* ok runs x nm */
	size_t nvals, capvals; /* rows */
	struct sweep_point_stats acc;
	int64_t last_run;
	struct sweep_kv kv[256];
	double *col;
};

int sweep_agg_new(const struct sweep_spec *s, const char *const *metrics, size_t nmetrics, struct sweep_agg **out)
{
	struct sweep_agg *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->s = s;
	a->last_run = -1;
	a->metric = calloc(nmetrics ? nmetrics : 1, sizeof(char *));
	a->pt = calloc(s->points ? s->points : 1, sizeof(*a->pt));
	if (!a->metric || !a->pt) {
		sweep_agg_free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nmetrics; i++) {
		a->metric[i] = strdup(metrics[i]);
		if (!a->metric[i]) {
			sweep_agg_free(a);
			return -ENOMEM;
		}
		a->nm++;
	}
	for (size_t f = 0; f < s->nfailure; f++) {
		a->fail_idx[f] = SIZE_MAX;
		for (size_t i = 0; i < a->nm; i++)
			if (!strcmp(a->metric[i], s->failure[f]))
				a->fail_idx[f] = i;
	}
	for (size_t t = 0; t < s->nterm; t++) {
		a->term_idx[t] = SIZE_MAX;
		for (size_t i = 0; i < a->nm; i++)
			if (!strcmp(a->metric[i], s->term[t].key))
				a->term_idx[t] = i;
	}
	*out = a;
	return 0;
}

static int point_alloc(struct sweep_agg *a, struct sweep_point_stats *p, uint64_t point)
{
	size_t nf = a->s->nfailure ? a->s->nfailure : 1;

	*p = (struct sweep_point_stats){.point = point};
	p->m = calloc(a->nm ? a->nm : 1, sizeof(*p->m));
	p->fail_k = calloc(nf, sizeof(*p->fail_k));
	p->fail_lo = calloc(nf, sizeof(double));
	p->fail_hi = calloc(nf, sizeof(double));
	if (!p->m || !p->fail_k || !p->fail_lo || !p->fail_hi)
		return -ENOMEM;
	for (size_t i = 0; i < a->nm; i++)
		p->m[i] = (struct sweep_metric_stats){NAN, NAN, NAN, NAN, NAN, NAN};
	for (size_t f = 0; f < a->s->nfailure; f++) {
		p->fail_lo[f] = 0;
		p->fail_hi[f] = 1;
	}
	p->target_lo = 0;
	p->target_hi = 1;
	return 0;
}

/* Close the current point: its statistics from the values held. */
static int close_point(struct sweep_agg *a)
{
	struct sweep_point_stats *p = &a->pt[a->cur];
	size_t n = a->nvals;
	int rc;

	if (!a->open)
		return 0;
	a->open = false;
	rc = point_alloc(a, p, a->cur);
	if (rc)
		return rc;
	p->runs = a->acc.runs;
	p->ok = a->acc.ok;
	p->errors = a->acc.errors;
	p->crashed = a->acc.crashed;
	p->target_k = a->acc.target_k;
	if (n) {
		double *col = realloc(a->col, n * sizeof(double));

		if (!col)
			return -ENOMEM;
		a->col = col;
	}
	for (size_t i = 0; i < a->nm && n; i++) {
		double sum = 0;

		for (size_t r = 0; r < n; r++) {
			a->col[r] = a->vals[r * a->nm + i];
			sum += a->col[r];
		}
		qsort(a->col, n, sizeof(double), cmp_double);
		p->m[i].mean = sum / (double)n;
		p->m[i].p50 = sweep_quantile(a->col, n, 0.50);
		p->m[i].p95 = sweep_quantile(a->col, n, 0.95);
		p->m[i].p99 = sweep_quantile(a->col, n, 0.99);
		p->m[i].min = a->col[0];
		p->m[i].max = a->col[n - 1];
	}
	for (size_t f = 0; f < a->s->nfailure; f++) {
		size_t mi = a->fail_idx[f];

		p->fail_k[f] = 0;
		for (size_t r = 0; r < n && mi != SIZE_MAX; r++)
			p->fail_k[f] += a->vals[r * a->nm + mi] > 0;
		sweep_wilson(p->fail_k[f], p->ok, SWEEP_Z95, &p->fail_lo[f], &p->fail_hi[f]);
	}
	sweep_wilson(p->target_k, p->runs, SWEEP_Z95, &p->target_lo, &p->target_hi);
	a->nvals = 0;
	return 0;
}

/* Empty statistics for points without rows, up to (not including) @upto. */
static int fill_gaps(struct sweep_agg *a, uint64_t upto)
{
	for (uint64_t p = a->npt; p < upto; p++) {
		if (!a->pt[p].m) {
			int rc = point_alloc(a, &a->pt[p], p);

			if (rc)
				return rc;
		}
	}
	if (upto > a->npt)
		a->npt = upto;
	return 0;
}

int sweep_agg_row(struct sweep_agg *a, const char *row, size_t len)
{
	const struct sweep_kv *run, *point, *status;
	size_t n;
	int rc;
	bool met = true;

	rc = sweep_json_flat(row, len, a->kv, sizeof(a->kv) / sizeof(a->kv[0]), &n);
	if (rc)
		return -EINVAL;
	run = sweep_kv_find(a->kv, n, "run");
	point = sweep_kv_find(a->kv, n, "point");
	status = sweep_kv_find(a->kv, n, "status");
	if (!run || !point || !status || !run->is_num || !point->is_num || point->num >= (double)a->s->points ||
	    (int64_t)run->num <= a->last_run)
		return -EINVAL;
	if (a->open && (uint64_t)point->num != a->cur) {
		if ((uint64_t)point->num < a->cur)
			return -EINVAL;
		rc = close_point(a);
		if (rc)
			return rc;
	}
	a->last_run = (int64_t)run->num;
	if (!a->open) {
		rc = fill_gaps(a, (uint64_t)point->num);
		if (rc)
			return rc;
		a->open = true;
		a->cur = (uint64_t)point->num;
		a->npt = a->cur + 1;
		memset(&a->acc, 0, sizeof(a->acc));
	}
	a->acc.runs++;
	if (strcmp(status->str, "ok")) {
		if (!strcmp(status->str, "crashed"))
			a->acc.crashed++;
		else
			a->acc.errors++;
		return 0;
	}
	a->acc.ok++;
	if (a->nvals == a->capvals) {
		size_t cap = a->capvals ? a->capvals * 2 : 64;
		double *v = realloc(a->vals, cap * (a->nm ? a->nm : 1) * sizeof(double));

		if (!v)
			return -ENOMEM;
		a->vals = v;
		a->capvals = cap;
	}
	for (size_t i = 0; i < a->nm; i++) {
		const struct sweep_kv *kv = sweep_kv_find(a->kv, n, a->metric[i]);

		a->vals[a->nvals * a->nm + i] = kv && kv->is_num ? kv->num : NAN;
	}
	for (size_t t = 0; t < a->s->nterm; t++) {
		size_t mi = a->term_idx[t];

		if (mi == SIZE_MAX || !sweep_term_holds(&a->s->term[t], a->vals[a->nvals * a->nm + mi]))
			met = false;
	}
	a->acc.target_k += met;
	a->nvals++;
	return 0;
}

int sweep_agg_end(struct sweep_agg *a)
{
	int rc = close_point(a);

	return rc ? rc : fill_gaps(a, a->s->points);
}

size_t sweep_agg_npoints(const struct sweep_agg *a) { return a->npt; }
const struct sweep_point_stats *sweep_agg_point(const struct sweep_agg *a, size_t i) { return &a->pt[i]; }
size_t sweep_agg_nmetrics(const struct sweep_agg *a) { return a->nm; }
const char *sweep_agg_metric(const struct sweep_agg *a, size_t i) { return a->metric[i]; }
const struct sweep_spec *sweep_agg_spec(const struct sweep_agg *a) { return a->s; }

void sweep_agg_free(struct sweep_agg *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nm; i++)
		free(a->metric[i]);
	free(a->metric);
	for (size_t p = 0; a->pt && p < a->s->points; p++) {
		free(a->pt[p].m);
		free(a->pt[p].fail_k);
		free(a->pt[p].fail_lo);
		free(a->pt[p].fail_hi);
	}
	free(a->pt);
	free(a->vals);
	free(a->col);
	free(a);
}
