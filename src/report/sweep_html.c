/*
 * sweep_html.c - the HTML page of `pfnlab sweep --html`: one self-contained
 * page (html.c) with the statistics table, and for each failure metric
 * that failed somewhere (and the target, if the spec has one):
 *
 *   one swept parameter   a line chart of the failure probability against
 *                         it, one line per policy
 *   two swept parameters  a heatmap per policy: the first parameter across,
 *                         the second down, the probability as colour and number
 *
 * "Swept" parameters are those with more than one value other than the
 * seed and the policy.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "sweep.h"

/* What a chart or heatmap shows: failure metric f, or the target when f == SIZE_MAX. */
static double prob(const struct sweep_point_stats *p, size_t f)
{
	if (f == SIZE_MAX)
		return p->runs ? (double)p->target_k / (double)p->runs : NAN;
	return p->ok ? (double)p->fail_k[f] / (double)p->ok : NAN;
}

/* The point with value indices @vi (per parameter), or NULL. */
static const struct sweep_point_stats *point_at(const struct sweep_agg *a, const size_t *vi)
{
	const struct sweep_spec *s = sweep_agg_spec(a);

	for (size_t i = 0; i < sweep_agg_npoints(a); i++) {
		const struct sweep_point_stats *p = sweep_agg_point(a, i);
		bool match = true;

		for (size_t k = 0; k < sweep_nparams(s) && match; k++)
			if (sweep_param_kind(s, k) != SWEEP_SEED && vi[k] != SIZE_MAX &&
			    sweep_point_value(s, p->point, k) != vi[k])
				match = false;
		if (match)
			return p;
	}
	return NULL;
}

/* x of value v of parameter k: its number, or its index when any value is not a number. */
static double xval(const struct sweep_spec *s, size_t k, size_t v)
{
	for (size_t i = 0; i < sweep_param_nvalues(s, k); i++)
		if (isnan(sweep_param_num(s, k, i)))
			return (double)v;
	return sweep_param_num(s, k, v);
}

static void line_chart(const struct pfnlab_sink *sk, const struct sweep_agg *a, size_t f, const char *what, int px,
		       int pol)
{
	const struct sweep_spec *s = sweep_agg_spec(a);
	size_t nv = sweep_param_nvalues(s, (size_t)px), nser = pol >= 0 ? sweep_param_nvalues(s, (size_t)pol) : 1;
	struct chart_series ser[16];
	double *x = calloc(nv * nser + 1, sizeof(double)), *y = calloc(nv * nser + 1, sizeof(double));
	size_t vi[SWEEP_MAX_PARAMS];
	char title[256], xlabel[128];
	bool idx = false;

	if (!x || !y || nser > 16)
		goto out;
	for (size_t v = 0; v < nv; v++)
		idx |= isnan(sweep_param_num(s, (size_t)px, v));
	for (size_t k = 0; k < SWEEP_MAX_PARAMS; k++)
		vi[k] = SIZE_MAX;
	for (size_t p = 0; p < nser; p++) {
		size_t n = 0;

		if (pol >= 0)
			vi[pol] = p;
		for (size_t v = 0; v < nv; v++) {
			const struct sweep_point_stats *pt;
			double pr;

			vi[px] = v;
			pt = point_at(a, vi);
			pr = pt ? prob(pt, f) : NAN;
			if (isnan(pr))
				continue;
			x[p * nv + n] = xval(s, (size_t)px, v);
			y[p * nv + n] = pr;
			n++;
		}
		ser[p] = (struct chart_series){pol >= 0 ? sweep_param_value(s, (size_t)pol, p) : "all runs", n, x + p * nv,
					       y + p * nv};
	}
	snprintf(title, sizeof(title), "%s", what);
	snprintf(xlabel, sizeof(xlabel), "%s%s", sweep_param_name(s, (size_t)px), idx ? " (value index)" : "");
	html_chart(sk, title, xlabel, "probability", ser, nser);
out:
	free(x);
	free(y);
}

/* White (0) to red (1). */
static void heat_colour(double p, char *buf, size_t len)
{
	int g;

	if (isnan(p)) {
		snprintf(buf, len, "#dddddd");
		return;
	}
	g = (int)lround(255 * (1 - fmin(1, fmax(0, p))));
	snprintf(buf, len, "#ff%02x%02x", g, g);
}

static void heatmap(const struct pfnlab_sink *sk, const struct sweep_agg *a, size_t f, const char *what, int px,
		    int py, int pol, size_t polv)
{
	const struct sweep_spec *s = sweep_agg_spec(a);
	size_t nx = sweep_param_nvalues(s, (size_t)px), ny = sweep_param_nvalues(s, (size_t)py);
	const int cw = 56, ch = 24, L = 90, T = 44;
	int W = L + cw * (int)nx + 20, H = T + ch * (int)ny + 36;
	size_t vi[SWEEP_MAX_PARAMS];

	for (size_t k = 0; k < SWEEP_MAX_PARAMS; k++)
		vi[k] = SIZE_MAX;
	if (pol >= 0)
		vi[pol] = polv;
	sink_printf(sk, "<div class=\"fig heatmap\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
			"font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		    W, H, W, H);
	sink_printf(sk, "<text x=\"%d\" y=\"16\" font-size=\"13\">", L);
	html_escape(sk, what);
	if (pol >= 0) {
		sink_printf(sk, ", policy ");
		html_escape(sk, sweep_param_value(s, (size_t)pol, polv));
	}
	sink_printf(sk, "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", L + cw * (int)nx / 2, H - 6);
	html_escape(sk, sweep_param_name(s, (size_t)px));
	sink_printf(sk, "</text><text x=\"10\" y=\"%d\">", T - 6);
	html_escape(sk, sweep_param_name(s, (size_t)py));
	sink_printf(sk, "</text>\n");
	for (size_t x = 0; x < nx; x++) {
		sink_printf(sk, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", L + cw * (int)x + cw / 2,
			    T + ch * (int)ny + 14);
		html_escape(sk, sweep_param_value(s, (size_t)px, x));
		sink_printf(sk, "</text>\n");
	}
	for (size_t y = 0; y < ny; y++) {
		sink_printf(sk, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", L - 6, T + ch * (int)y + ch / 2 + 4);
		html_escape(sk, sweep_param_value(s, (size_t)py, y));
		sink_printf(sk, "</text>\n");
		for (size_t x = 0; x < nx; x++) {
			const struct sweep_point_stats *pt;
			double p;
			char col[16];

			vi[px] = x;
			vi[py] = y;
			pt = point_at(a, vi);
			p = pt ? prob(pt, f) : NAN;
			heat_colour(p, col, sizeof(col));
			sink_printf(sk, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#ffffff\">"
					"<title>%s, %s: ",
				    L + cw * (int)x, T + ch * (int)y, cw, ch, col, sweep_param_value(s, (size_t)px, x),
				    sweep_param_value(s, (size_t)py, y));
			if (!pt || isnan(p))
				sink_printf(sk, "no runs");
			else
				sink_printf(sk, "%.3f of %llu runs", p,
					    (unsigned long long)(f == SIZE_MAX ? pt->runs : pt->ok));
			sink_printf(sk, "</title></rect><text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">",
				    L + cw * (int)x + cw / 2, T + ch * (int)y + ch / 2 + 4, p > 0.6 ? "#ffffff" : "#222222");
			if (isnan(p))
				sink_printf(sk, "-");
			else
				sink_printf(sk, "%.2f", p);
			sink_printf(sk, "</text>\n");
		}
	}
	sink_printf(sk, "</svg></div>\n");
}

/* The table: as the text one, the failure metrics in @fs (@nf of them). */
static void table(const struct pfnlab_sink *sk, const struct sweep_agg *a, const size_t *fs, size_t nf)
{
	const struct sweep_spec *s = sweep_agg_spec(a);
	size_t np = 0, ncol, nrow = sweep_agg_npoints(a) + 1;
	char **cells;

	for (size_t i = 0; i < sweep_nparams(s); i++)
		np += sweep_param_kind(s, i) != SWEEP_SEED;
	ncol = np + 2 + nf + (sweep_target(s) ? 1 : 0);
	cells = calloc(nrow * ncol, sizeof(char *));
	if (!cells)
		return;
	for (size_t r = 0; r < nrow; r++) {
		const struct sweep_point_stats *p = r ? sweep_agg_point(a, r - 1) : NULL;
		size_t c = 0;
		char buf[160];

		for (size_t i = 0; i < sweep_nparams(s); i++)
			if (sweep_param_kind(s, i) != SWEEP_SEED)
				cells[r * ncol + c++] = strdup(r ? sweep_param_value(s, i, sweep_point_value(s, p->point, i))
								 : sweep_param_name(s, i));
		snprintf(buf, sizeof(buf), "%llu", r ? (unsigned long long)p->runs : 0ull);
		cells[r * ncol + c++] = strdup(r ? buf : "runs");
		snprintf(buf, sizeof(buf), "%llu", r ? (unsigned long long)p->ok : 0ull);
		cells[r * ncol + c++] = strdup(r ? buf : "ok");
		for (size_t i = 0; i < nf; i++) {
			size_t f = fs[i];

			if (!r)
				snprintf(buf, sizeof(buf), "P(%s > 0)", sweep_failure(s, f));
			else if (!p->ok)
				snprintf(buf, sizeof(buf), "-");
			else
				snprintf(buf, sizeof(buf), "%.3f [%.3f, %.3f]", (double)p->fail_k[f] / (double)p->ok,
					 p->fail_lo[f], p->fail_hi[f]);
			cells[r * ncol + c++] = strdup(buf);
		}
		if (sweep_target(s)) {
			if (!r)
				snprintf(buf, sizeof(buf), "P(%.120s)", sweep_target(s));
			else if (!p->runs)
				snprintf(buf, sizeof(buf), "-");
			else
				snprintf(buf, sizeof(buf), "%.3f [%.3f, %.3f]", (double)p->target_k / (double)p->runs,
					 p->target_lo, p->target_hi);
			cells[r * ncol + c++] = strdup(buf);
		}
	}
	html_table(sk, (const char *const *)cells, nrow, ncol);
	for (size_t i = 0; i < nrow * ncol; i++)
		free(cells[i]);
	free(cells);
}

/**
 * sweep_report_html() - the page of a sweep: summary, table, charts.
 * @a: the aggregated rows
 * @missing: runs without a row
 * @sk: where the page goes
 */
void sweep_report_html(const struct sweep_agg *a, uint64_t missing, const struct pfnlab_sink *sk)
{
	const struct sweep_spec *s = sweep_agg_spec(a);
	int swept[SWEEP_MAX_PARAMS], nswept = 0, pol = -1;
	size_t shown[64], nshown = 0, nf = sweep_nfailures(s);
	char buf[1024];

	for (size_t i = 0; i < sweep_nparams(s); i++) {
		if (sweep_param_kind(s, i) == SWEEP_POLICY)
			pol = (int)i;
		else if (sweep_param_kind(s, i) != SWEEP_SEED && sweep_param_nvalues(s, i) > 1)
			swept[nswept++] = (int)i;
	}
	snprintf(buf, sizeof(buf), "pfnlab sweep: %s", sweep_file(s));
	html_begin(sk, buf);
	snprintf(buf, sizeof(buf), "Scenario %.300s: %llu runs, %llu points x %llu seeds.  Probabilities are shares of runs with the Wilson 95%% interval in brackets.",
		 sweep_scenario_name(s), (unsigned long long)sweep_runs(s), (unsigned long long)sweep_points(s),
		 (unsigned long long)sweep_seeds(s));
	if (missing)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (%llu runs have no row yet.)",
			 (unsigned long long)missing);
	html_para(sk, buf);
	/* failure metrics that failed somewhere, then the target */
	for (size_t f = 0; f < nf && nshown < 63; f++)
		for (size_t i = 0; i < sweep_agg_npoints(a); i++)
			if (sweep_agg_point(a, i)->fail_k[f]) {
				shown[nshown++] = f;
				break;
			}
	if (!nshown && nf && !sweep_target(s))
		shown[nshown++] = 0;
	if (sweep_target(s))
		shown[nshown++] = SIZE_MAX;
	if (nswept == 1 || nswept == 2) {
		html_heading(sk, 2, nswept == 1 ? "Failure probability against the swept parameter"
						: "Failure probability over both swept parameters");
		html_row_begin(sk);
		for (size_t i = 0; i < nshown; i++) {
			char what[256];

			if (shown[i] == SIZE_MAX)
				snprintf(what, sizeof(what), "P(%.200s)", sweep_target(s));
			else
				snprintf(what, sizeof(what), "P(%.200s > 0)", sweep_failure(s, shown[i]));
			if (nswept == 1) {
				line_chart(sk, a, shown[i], what, swept[0], pol);
				continue;
			}
			for (size_t p = 0; p < (pol >= 0 ? sweep_param_nvalues(s, (size_t)pol) : 1); p++)
				heatmap(sk, a, shown[i], what, swept[0], swept[1], pol, p);
		}
		html_row_end(sk);
	} else if (nswept > 2) {
		html_para(sk, "Charts are drawn for one or two swept parameters; this sweep has more, see the table.");
	}
	html_heading(sk, 2, "Statistics per point");
	{
		size_t fs[64], nfs = 0;

		for (size_t i = 0; i < nshown; i++)
			if (shown[i] != SIZE_MAX)
				fs[nfs++] = shown[i];
		table(sk, a, fs, nfs);
	}
	html_para(sk, "Failure metrics that never failed are left out; summary.json has every metric's mean, p50, p95, p99, min and max per point.");
	html_end(sk);
}
