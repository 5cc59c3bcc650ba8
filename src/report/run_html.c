/*
 * run_html.c - the HTML report of `pfnlab run --html` and `pfnlab compare
 * --html`: the summary table (one column per policy), the compact_*
 * counters when compaction ran, memory maps at the
 * moments that matter (start, each failed HPT allocation, end; for compare
 * the end of every policy side by side), the last failed contiguous
 * allocation's busy folios by kind and reason (runs with page cache or
 * memfd guests), and the time series as charts.
 * One self-contained file (html.c).
 */
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "scenario.h"

static const char *const series_title[SCN_NR_SERIES] = {
	"free CMA pages", "long-term pinned pages inside CMA", "HPT allocations failed or fallen back",
	"UNMOVABLE pageblocks", "cma_alloc busy retries",
};

#define ROWS 12

/* The summary table: a row per figure, a column per run. */
static void summary(const struct scn_result *r, size_t n, const struct pfnlab_sink *s)
{
	static const char *const names[ROWS] = {
		"policy", "HPT requested", "HPT ok", "HPT fell back", "HPT failed", "long-term pinned pages",
		"long-term pinned in CMA (peak)", "pages migrated at pin time", "long-term pins failed",
		"cma_alloc busy retries", "\"PFNs busy\" lines", "UNMOVABLE pageblocks (delta)",
	};
	char buf[ROWS][8][32];
	const char *cells[ROWS * 9];

	if (n > 8)
		n = 8;
	for (size_t c = 0; c < n; c++) {
		const struct scn_result *x = &r[c];
		unsigned long long v[ROWS] = {0, x->st.hpt_requested, x->st.hpt_ok, x->st.hpt_fallback, x->st.hpt_failed,
					      x->st.pins_longterm_pages, x->st.pins_in_cma_peak, x->pins_migrated,
					      x->pins_failed, x->busy_retries, x->st.busy_messages, 0};

		snprintf(buf[0][c], sizeof(buf[0][c]), "%s", pfnlab_pin_policy_name((enum pfnlab_pin_policy)x->policy));
		for (int k = 1; k < ROWS - 1; k++)
			snprintf(buf[k][c], sizeof(buf[k][c]), "%llu", v[k]);
		snprintf(buf[ROWS - 1][c], sizeof(buf[ROWS - 1][c]), "%+lld",
			 (long long)x->unmovable_end - (long long)x->unmovable_start);
	}
	for (int k = 0; k < ROWS; k++) {
		cells[k * (n + 1)] = names[k];
		for (size_t c = 0; c < n; c++)
			cells[k * (n + 1) + 1 + c] = buf[k][c];
	}
	html_table(s, cells, ROWS, n + 1);
}

/* Culprits of the last failed contiguous allocation: a row per page kind and reason met, a column per run. */
static void culprits(const struct scn_result *r, size_t n, const struct pfnlab_sink *s)
{
	enum { MAXROWS = 3 + SCN_PAGE_KINDS + PFNLAB_BUSY_REASONS };
	char buf[MAXROWS][8][40], names[MAXROWS][48];
	const char *cells[MAXROWS * 9];
	size_t rows = 0, c;
	bool any = false;

	if (n > 8)
		n = 8;
	for (c = 0; c < n; c++)
		any |= r[c].culprits.shown;
	if (!any)
		return;
	html_heading(s, 2, "Culprits of the last failed contiguous allocation");
	memset(buf, 0, sizeof(buf));
	snprintf(names[rows++], sizeof(names[0]), "policy");
	snprintf(names[rows++], sizeof(names[0]), "range, error");
	snprintf(names[rows++], sizeof(names[0]), "busy folios");
	for (c = 0; c < n; c++) {
		const struct scn_culprits *x = &r[c].culprits;

		snprintf(buf[0][c], sizeof(buf[0][c]), "%s", pfnlab_pin_policy_name((enum pfnlab_pin_policy)r[c].policy));
		if (x->shown) {
			snprintf(buf[1][c], sizeof(buf[1][c]), "[0x%llx, 0x%llx) %s", (unsigned long long)x->start,
				 (unsigned long long)x->end, pfnlab_strerror(x->err));
			snprintf(buf[2][c], sizeof(buf[2][c]), "%llu", (unsigned long long)x->folios);
		}
	}
	for (int k = 0; k < SCN_PAGE_KINDS + PFNLAB_BUSY_REASONS; k++) {
		bool met = false;

		for (c = 0; c < n; c++) {
			uint64_t v = k < SCN_PAGE_KINDS ? r[c].culprits.kind[k] : r[c].culprits.reason[k - SCN_PAGE_KINDS];

			met |= v != 0;
			snprintf(buf[rows][c], sizeof(buf[rows][c]), "%llu", (unsigned long long)v);
		}
		if (!met)
			continue;
		if (k < SCN_PAGE_KINDS)
			snprintf(names[rows], sizeof(names[0]), "kind %s", pfnlab_page_state_name(k));
		else
			snprintf(names[rows], sizeof(names[0]), "reason %s",
				 pfnlab_busy_reason_name((enum pfnlab_busy_reason)(k - SCN_PAGE_KINDS)));
		rows++;
	}
	for (size_t k = 0; k < rows; k++) {
		cells[k * (n + 1)] = names[k];
		for (c = 0; c < n; c++)
			cells[k * (n + 1) + 1 + c] = buf[k][c];
	}
	html_table(s, cells, rows, n + 1);
}

/* Run @r's figure of row @k as its cell shows it, into @buf. */
typedef void counter_cell(const struct scn_result *r, int k, char *buf, size_t len);

#define COUNTER_ROWS 9 /* the longest table: SCN_NR_COMPACT */

/*
 * A table of counters under @heading: a row per name in @names, a column
 * per run (the first 8), each cell from @cell.
 */
static void counter_table(const struct scn_result *r, size_t n, const char *heading, const char *const *names,
			  int rows, counter_cell *cell, const struct pfnlab_sink *s)
{
	char buf[COUNTER_ROWS][8][24];
	const char *cells[(COUNTER_ROWS + 1) * 9];

	if (n > 8)
		n = 8;
	html_heading(s, 2, heading);
	cells[0] = "policy";
	for (size_t c = 0; c < n; c++)
		cells[1 + c] = pfnlab_pin_policy_name((enum pfnlab_pin_policy)r[c].policy);
	for (int k = 0; k < rows; k++) {
		cells[(k + 1) * (n + 1)] = names[k];
		for (size_t c = 0; c < n; c++) {
			cell(&r[c], k, buf[k][c], sizeof(buf[k][c]));
			cells[(k + 1) * (n + 1) + 1 + c] = buf[k][c];
		}
	}
	html_table(s, cells, (size_t)rows + 1, n + 1);
}

static void compaction_cell(const struct scn_result *r, int k, char *buf, size_t len)
{
	snprintf(buf, len, "%llu", (unsigned long long)r->compact[k]);
}

static const char *const reclaim_names[] = {"pages scanned", "pages reclaimed", "kswapd runs", "direct reclaims",
					    "OOM kills", "of them a guest's QEMU", "kernel panic"};
enum { RECLAIM_ROWS = sizeof(reclaim_names) / sizeof(reclaim_names[0]) };

static void reclaim_cell(const struct scn_result *r, int k, char *buf, size_t len)
{
	const uint64_t v[RECLAIM_ROWS] = {r->reclaim.pgscan, r->reclaim.pgsteal, r->reclaim.kswapd_runs,
					  r->reclaim.direct_reclaims, r->reclaim.oom_kill, r->st.guests_oom_killed,
					  r->reclaim.panic};

	if (k == RECLAIM_ROWS - 1)
		snprintf(buf, len, "%s", v[k] ? "yes" : "no");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v[k]);
}

/*
 * Reclaim and the OOM killer when they acted in some run (the run text's
 * lines); the compact_* counters of /proc/vmstat when compaction ran in
 * some run.
 */
static void counter_tables(const struct scn_result *r, size_t n, const struct pfnlab_sink *s)
{
	bool ran = false, acted = false;

	for (size_t c = 0; c < n && c < 8; c++) {
		ran |= scn_compaction_ran(&r[c]);
		acted |= scn_reclaim_acted(&r[c]);
	}
	if (acted)
		counter_table(r, n, "Reclaim and the OOM killer", reclaim_names, RECLAIM_ROWS, reclaim_cell, s);
	if (ran)
		counter_table(r, n, "Compaction (/proc/vmstat)", scn_compact_names, SCN_NR_COMPACT, compaction_cell, s);
}

_Static_assert(SCN_NR_COMPACT <= COUNTER_ROWS && RECLAIM_ROWS <= COUNTER_ROWS, "counter_table() rows");

static void charts(const struct scn_result *r, size_t n, const struct pfnlab_sink *s)
{
	html_row_begin(s);
	for (int k = 0; k < SCN_NR_SERIES; k++) {
		struct chart_series ser[8];

		for (size_t c = 0; c < n && c < 8; c++)
			ser[c] = (struct chart_series){pfnlab_pin_policy_name((enum pfnlab_pin_policy)r[c].policy),
						       r[c].rec.n, r[c].rec.t, r[c].rec.y[k]};
		html_chart(s, series_title[k], "model time (s)", "", ser, n < 8 ? n : 8);
	}
	html_row_end(s);
}

void run_report_html(const struct scn_result *r, size_t n, const struct pfnlab_sink *s)
{
	char title[400];

	snprintf(title, sizeof(title), "pfnlab %s: %.300s", n > 1 ? "compare" : "run", r[0].scenario);
	html_begin(s, title);
	html_para(s, "Summary of the run under each long-term pin policy. Maps: one cell per pageblock, coloured by "
		     "migrate type, filled by pages in use; CMA areas outlined; a black dot marks pageblocks holding "
		     "long-term pinned pages; magenta outlines the busy range of the last failed contiguous allocation.");
	summary(r, n, s);
	culprits(r, n, s);
	counter_tables(r, n, s);
	html_heading(s, 2, "Time series");
	charts(r, n, s);
	if (n > 1) {
		html_heading(s, 2, "The end of the run, policy by policy");
		html_row_begin(s);
		for (size_t c = 0; c < n; c++)
			if (r[c].rec.nr_maps)
				html_map(s, pfnlab_pin_policy_name((enum pfnlab_pin_policy)r[c].policy),
					 r[c].rec.map_svg[r[c].rec.nr_maps - 1]);
		html_row_end(s);
	}
	for (size_t c = 0; c < n; c++) {
		char h[96];
		size_t from = n > 1 ? 1 : 0, to = r[c].rec.nr_maps - (n > 1 ? 1 : 0);

		if (n > 1 && r[c].rec.nr_maps <= 2)
			continue; /* start and end only: the end is shown above */
		snprintf(h, sizeof(h), "Maps under %s", pfnlab_pin_policy_name((enum pfnlab_pin_policy)r[c].policy));
		html_heading(s, 2, h);
		html_row_begin(s);
		for (size_t k = from; k < to && k < r[c].rec.nr_maps; k++)
			html_map(s, r[c].rec.map_caption[k], r[c].rec.map_svg[k]);
		html_row_end(s);
	}
	html_end(s);
}
