/*
 * sweep_summary.c - the statistics of a sweep as summary.json and as the
 * table `pfnlab sweep` prints: a line per point with its parameters, runs,
 * completed runs and, for each failure metric that failed somewhere and
 * the target, the share with its Wilson 95% interval.  Pure: no files.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

/* The keys of a metric's statistics, in the order of struct sweep_metric_stats. */
static const char *const stat_name[] = {"mean", "p50", "p95", "p99", "min", "max"};

static void json_num(const struct pfnlab_sink *s, double v)
{
	char b[64];

	sweep_format_num(v, b, sizeof(b));
	sweep_sink_str(s, b);
}

/* `P, "lo": LO, "hi": HI}`: the share @k / @n with its interval, closing the object. */
static void share_json(const struct pfnlab_sink *s, uint64_t k, uint64_t n, double lo, double hi)
{
	json_num(s, n ? (double)k / (double)n : NAN);
	sweep_sink_str(s, ", \"lo\": ");
	json_num(s, lo);
	sweep_sink_str(s, ", \"hi\": ");
	json_num(s, hi);
	sweep_sink_str(s, "}");
}

static void point_params_json(const struct sweep_spec *sp, uint64_t point, const struct pfnlab_sink *s)
{
	bool first = true;

	sweep_sink_str(s, "{");
	for (size_t i = 0; i < sweep_nparams(sp); i++) {
		if (sweep_param_kind(sp, i) == SWEEP_SEED)
			continue;
		sweep_sink_str(s, first ? "" : ", ");
		sweep_sink_json_str(s, sweep_param_name(sp, i));
		sweep_sink_str(s, ": ");
		sweep_sink_json_str(s, sweep_param_value(sp, i, sweep_point_value(sp, point, i)));
		first = false;
	}
	sweep_sink_str(s, "}");
}

void sweep_agg_json(const struct sweep_agg *a, uint64_t missing, const struct pfnlab_sink *s)
{
	const struct sweep_spec *sp = sweep_agg_spec(a);
	const char *target = sweep_target(sp);

	sweep_sink_str(s, "{\"spec\": ");
	sweep_sink_json_str(s, sweep_file(sp));
	sweep_sink_str(s, ", \"scenario\": ");
	sweep_sink_json_str(s, sweep_scenario_name(sp));
	sweep_sink_fmt(s, ", \"runs\": %llu, \"points\": %llu, \"seeds\": %llu, \"missing\": %llu, \"params\": {",
		       (unsigned long long)sweep_runs(sp), (unsigned long long)sweep_points(sp),
		       (unsigned long long)sweep_seeds(sp), (unsigned long long)missing);
	for (size_t i = 0; i < sweep_nparams(sp); i++) {
		sweep_sink_str(s, i ? ", " : "");
		sweep_sink_json_str(s, sweep_param_name(sp, i));
		sweep_sink_str(s, ": [");
		for (size_t k = 0; k < sweep_param_nvalues(sp, i); k++) {
			sweep_sink_str(s, k ? ", " : "");
			sweep_sink_json_str(s, sweep_param_value(sp, i, k));
		}
		sweep_sink_str(s, "]");
	}
	sweep_sink_str(s, "}, \"failure_metrics\": [");
	for (size_t f = 0; f < sweep_nfailures(sp); f++) {
		sweep_sink_str(s, f ? ", " : "");
		sweep_sink_json_str(s, sweep_failure(sp, f));
	}
	sweep_sink_str(s, "], \"target\": ");
	if (target)
		sweep_sink_json_str(s, target);
	else
		sweep_sink_str(s, "null");
	sweep_sink_str(s, ", \"points_detail\": [");
	for (size_t pi = 0; pi < sweep_agg_npoints(a); pi++) {
		const struct sweep_point_stats *p = sweep_agg_point(a, pi);

		sweep_sink_fmt(s, "%s\n  {\"point\": %llu, \"params\": ", pi ? "," : "", (unsigned long long)p->point);
		point_params_json(sp, p->point, s);
		sweep_sink_fmt(s, ", \"runs\": %llu, \"ok\": %llu, \"errors\": %llu, \"crashed\": %llu, \"failures\": {",
			       (unsigned long long)p->runs, (unsigned long long)p->ok, (unsigned long long)p->errors,
			       (unsigned long long)p->crashed);
		for (size_t f = 0; f < sweep_nfailures(sp); f++) {
			sweep_sink_str(s, f ? ", " : "");
			sweep_sink_json_str(s, sweep_failure(sp, f));
			sweep_sink_fmt(s, ": {\"runs\": %llu, \"p\": ", (unsigned long long)p->fail_k[f]);
			share_json(s, p->fail_k[f], p->ok, p->fail_lo[f], p->fail_hi[f]);
		}
		sweep_sink_str(s, "}");
		if (target) {
			sweep_sink_fmt(s, ", \"target\": {\"met\": %llu, \"p\": ", (unsigned long long)p->target_k);
			share_json(s, p->target_k, p->runs, p->target_lo, p->target_hi);
		}
		sweep_sink_str(s, ", \"metrics\": {");
		for (size_t i = 0; i < sweep_agg_nmetrics(a); i++) {
			const struct sweep_metric_stats *m = &p->m[i];
			const double v[] = {m->mean, m->p50, m->p95, m->p99, m->min, m->max};

			sweep_sink_str(s, i ? ", " : "");
			sweep_sink_json_str(s, sweep_agg_metric(a, i));
			for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
				sweep_sink_fmt(s, "%s\"%s\": ", k ? ", " : ": {", stat_name[k]);
				json_num(s, v[k]);
			}
			sweep_sink_str(s, "}");
		}
		sweep_sink_str(s, "}}");
	}
	sweep_sink_str(s, "\n]}\n");
}

/* "0.25 [0.10, 0.47]" */
static void prob_cell(char *buf, size_t len, uint64_t k, uint64_t n, double lo, double hi)
{
	if (!n)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3f [%.3f, %.3f]", (double)k / (double)n, lo, hi);
}

void sweep_agg_table(const struct sweep_agg *a, const struct pfnlab_sink *s)
{
	const struct sweep_spec *sp = sweep_agg_spec(a);
	const char *target = sweep_target(sp);
	size_t cols[MAX_FAILURES], nc = 0, ncol, w[64] = {0}, np = 0, npt = sweep_agg_npoints(a);
	const char *head[64];
	char ***cell;

	/* failure metrics that failed somewhere; the first one when none did */
	for (size_t f = 0; f < sweep_nfailures(sp) && nc < 6; f++) {
		bool any = false;

		for (size_t p = 0; p < npt; p++)
			any |= sweep_agg_point(a, p)->fail_k[f] > 0;
		if (any)
			cols[nc++] = f;
	}
	if (!nc && sweep_nfailures(sp))
		cols[nc++] = 0;
	for (size_t i = 0; i < sweep_nparams(sp); i++)
		if (sweep_param_kind(sp, i) != SWEEP_SEED)
			head[np++] = sweep_param_name(sp, i);
	ncol = np + 2 + nc + (target ? 1 : 0);
	head[np] = "runs";
	head[np + 1] = "ok";
	cell = calloc(npt + 1, sizeof(*cell));
	if (!cell)
		return;
	for (size_t r = 0; r <= npt; r++) {
		cell[r] = calloc(ncol, sizeof(char *));
		if (!cell[r])
			goto out;
		for (size_t c = 0; c < ncol; c++) {
			char buf[128] = "";

			if (r == 0) {
				if (c < np + 2)
					snprintf(buf, sizeof(buf), "%s", head[c]);
				else if (c < np + 2 + nc)
					snprintf(buf, sizeof(buf), "P(%s > 0)", sweep_failure(sp, cols[c - np - 2]));
				else
					snprintf(buf, sizeof(buf), "P(%.100s)", target);
			} else {
				const struct sweep_point_stats *p = sweep_agg_point(a, r - 1);

				if (c < np) {
					size_t pi = 0, k = 0;

					for (; pi < sweep_nparams(sp); pi++)
						if (sweep_param_kind(sp, pi) != SWEEP_SEED && k++ == c)
							break;
					snprintf(buf, sizeof(buf), "%s",
						 sweep_param_value(sp, pi, sweep_point_value(sp, p->point, pi)));
				} else if (c == np) {
					snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p->runs);
				} else if (c == np + 1) {
					snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p->ok);
				} else if (c < np + 2 + nc) {
					size_t f = cols[c - np - 2];

					prob_cell(buf, sizeof(buf), p->fail_k[f], p->ok, p->fail_lo[f], p->fail_hi[f]);
				} else {
					prob_cell(buf, sizeof(buf), p->target_k, p->runs, p->target_lo, p->target_hi);
				}
			}
			cell[r][c] = strdup(buf);
			if (!cell[r][c])
				goto out;
			if (strlen(buf) > w[c])
				w[c] = strlen(buf);
		}
	}
	for (size_t r = 0; r <= npt; r++) {
		for (size_t c = 0; c < ncol; c++)
			sweep_sink_fmt(s, c < np ? "%s%-*s" : "%s%*s", c ? "  " : "", (int)w[c], cell[r][c]);
		sweep_sink_str(s, "\n");
	}
out:
	for (size_t r = 0; r <= npt; r++) {
		for (size_t c = 0; cell[r] && c < ncol; c++)
			free(cell[r][c]);
		free(cell[r]);
	}
	free(cell);
}
