/*
 * test_html.c - the HTML report of `compare` on the built-in seed scenario
 * under none and migrate-movable: the page holds the expected maps and
 * charts, no script and nothing fetched from the network; the end map shows
 * long-term pinned pages inside CMA under none and none under
 * migrate-movable; headless Chromium renders it to a screenshot that is
 * not blank.  Needs `chromium` (scripts/deps.sh installs it).
 */
#include <png.h>
#include <unistd.h>

#include "scenario.h"
#include "test.h"

static size_t count(const char *s, const char *sub)
{
	size_t n = 0;

	for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub))
		n++;
	return n;
}

/* Pageblocks inside CMA whose tooltip reports long-term pinned pages, in one map. */
static size_t pinned_cma_cells(const char *svg, const char *end)
{
	size_t n = 0;

	for (const char *p = strstr(svg, ", CMA area "); p && p < end; p = strstr(p + 1, ", CMA area ")) {
		const char *t = strstr(p, " long-term pinned");
		const char *d = t;

		while (d > p && d[-1] >= '0' && d[-1] <= '9')
			d--;
		n += t && t < end && d < t && !(t - d == 1 && *d == '0');
	}
	return n;
}

/* Share of pixels that are not the page background, in a PNG file. */
static double ink(const char *path, unsigned *w, unsigned *h)
{
	png_image img = {.version = PNG_IMAGE_VERSION};
	png_bytep buf;
	size_t n = 0;

	if (!png_image_begin_read_from_file(&img, path))
		return -1;
	img.format = PNG_FORMAT_RGB;
	buf = malloc(PNG_IMAGE_SIZE(img));
	if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
		free(buf);
		return -1;
	}
	*w = img.width;
	*h = img.height;
	for (size_t i = 0; i < (size_t)img.width * img.height; i++)
		n += buf[3 * i] < 240 || buf[3 * i + 1] < 240 || buf[3 * i + 2] < 240;
	free(buf);
	return (double)n / ((double)img.width * img.height);
}

/* Expect the compare page's structure and content, and a rendered screenshot with ink on it. */
TEST(compare_html_report)
{
	const struct scn_builtin *b = scn_builtin("seed");
	struct scn_program *p = NULL;
	struct scn_opts o = {.policy = -1, .record = true};
	struct scn_result r[2];
	struct test_text t = {0};
	struct pfnlab_sink s = {test_text_write, &t};
	char err[512], html[] = "/tmp/pfnlab-test-XXXXXX.html", png[64], cmd[512];
	const char *ends, *end2, *end3;
	unsigned w = 0, h = 0;
	double frac;
	int fd;
	FILE *f;

	CHECK(b != NULL);
	CHECK_EQ(scn_parse("builtin:seed", b->text, strlen(b->text), &p, err, sizeof(err)), 0);
	o.policy = PFNLAB_PIN_NONE;
	CHECK_EQ(scn_run(p, &o, &r[0]), 0);
	o.policy = PFNLAB_PIN_MIGRATE_MOVABLE;
	CHECK_EQ(scn_run(p, &o, &r[1]), 0);
	run_report_html(r, 2, &s);
	CHECK(!strstr(t.p, "<script"));
	CHECK(!strstr(t.p, "https://"));
	CHECK_EQ(count(t.p, "http://") , count(t.p, "xmlns=\"http://www.w3.org/2000/svg\""));
	CHECK_EQ(count(t.p, "<div class=\"fig chart\">"), SCN_NR_SERIES);
	/* the end of each policy side by side, then none's maps at its HPT failures */
	CHECK_EQ(r[0].rec.nr_maps, 2 + r[0].st.hpt_failed + r[0].st.hpt_fallback);
	CHECK_EQ(r[1].rec.nr_maps, 2);
	CHECK_EQ(count(t.p, "<div class=\"fig map\">"), 2 + r[0].st.hpt_failed + r[0].st.hpt_fallback);
	ends = strstr(t.p, "The end of the run, policy by policy");
	CHECK(ends != NULL);
	if (ends) {
		end2 = strstr(ends, "<div class=\"fig map\"><div>migrate-movable");
		end3 = end2 ? strstr(end2 + 1, "</svg>") : NULL;
		CHECK(end2 && end3);
		if (end2 && end3) {
			CHECK(pinned_cma_cells(ends, end2) > 0);
			CHECK_EQ(pinned_cma_cells(end2, end3), 0);
		}
	}
	fd = mkstemps(html, 5);
	CHECK(fd >= 0);
	f = fdopen(fd, "w");
	fwrite(t.p, 1, t.n, f);
	fclose(f);
	snprintf(png, sizeof(png), "%.*s.png", (int)(strlen(html) - 5), html);
	snprintf(cmd, sizeof(cmd),
		 "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,2000 "
		 "--screenshot=%s file://%s >/dev/null 2>&1", png, html);
	CHECK_EQ(system(cmd), 0);
	frac = ink(png, &w, &h);
	CHECK_EQ(w, 1400);
	CHECK_EQ(h, 2000);
	if (frac < 0.05 || frac > 0.95)
		T_FAIL("screenshot %s has %.1f%% ink: blank or solid", png, frac * 100);
	unlink(html);
	unlink(png);
	free(t.p);
	scn_result_free(&r[0]);
	scn_result_free(&r[1]);
	scn_free(p);
}

/*
 * The compact_* figures of a run: a result whose compaction scanned, stalled
 * and woke kcompactd, and one where only alloc_contig_range() isolated pages.
 * Expect the first to print a "compaction" object in JSON (the counters
 * without their prefix, in /proc/vmstat's order), two summary lines and a
 * table in HTML; the second none of them, as runs printed before.
 */
/* A result of scenario "t" on x86_64 under @policy, nothing else set (calloc: free() it). */
static struct scn_result *bare_result(enum pfnlab_pin_policy policy)
{
	struct scn_result *r = calloc(1, sizeof(*r));

	if (r) {
		snprintf(r->scenario, sizeof(r->scenario), "t");
		snprintf(r->preset, sizeof(r->preset), "x86_64");
		r->policy = policy;
	}
	return r;
}

/* @r's JSON, text and HTML reports into t[0], t[1] and t[2], each from empty. */
static void render(const struct scn_result *r, struct test_text t[3])
{
	struct pfnlab_sink s[3] = {{test_text_write, &t[0]}, {test_text_write, &t[1]}, {test_text_write, &t[2]}};

	for (int i = 0; i < 3; i++)
		t[i].n = 0;
	run_report_json(r, &s[0]);
	run_report_text(r, &s[1]);
	run_report_html(r, 1, &s[2]);
}

TEST(compaction_figures)
{
	static const uint64_t counts[SCN_NR_COMPACT] = {30, 40, 12, 2, 1, 1, 3, 20, 25};
	struct scn_result *r = bare_result(PFNLAB_PIN_NONE);
	struct test_text t[3] = {{0}};

	if (!r)
		return;
	memcpy(r->compact, counts, sizeof(counts));
	render(r, t);
	CHECK(strstr(t[0].p, "\"compaction\": {\"migrate_scanned\": 30, \"free_scanned\": 40, \"isolated\": 12, "
			     "\"stall\": 2, \"fail\": 1, \"success\": 1, \"daemon_wake\": 3, "
			     "\"daemon_migrate_scanned\": 20, \"daemon_free_scanned\": 25}, ") != NULL);
	CHECK(strstr(t[1].p, "  compaction  2 direct stalls (1 succeeded, 1 failed); 30 pages scanned to migrate, 40 free; "
			     "12 isolated\n              kcompactd woke 3 times and scanned 20 pages to migrate, 25 free\n") != NULL);
	CHECK(strstr(t[2].p, "Compaction (/proc/vmstat)") != NULL);
	CHECK_EQ(count(t[2].p, "compact_"), SCN_NR_COMPACT);
	memset(r->compact, 0, sizeof(r->compact));
	r->compact[2] = 5; /* compact_isolated alone: alloc_contig_range(), no compaction */
	render(r, t);
	CHECK(!strstr(t[0].p, "compaction"));
	CHECK(!strstr(t[1].p, "compaction"));
	CHECK(!strstr(t[2].p, "compact"));
	for (int i = 0; i < 3; i++)
		free(t[i].p);
	free(r);
}

/*
 * Reclaim and OOM figures: the run text's lines, the JSON objects and the
 * HTML table carry the same numbers, and none of them appear when nothing
 * was reclaimed, scanned or killed.
 */
TEST(reclaim_figures)
{
	struct scn_result *r = bare_result(PFNLAB_PIN_MIGRATE_MOVABLE);
	struct test_text t[3] = {{0}};

	if (!r)
		return;
	r->reclaim.pgscan = 700;
	r->reclaim.pgsteal = 650;
	r->reclaim.kswapd_runs = 16;
	r->reclaim.direct_reclaims = 17;
	r->reclaim.oom_kill = 2;
	r->st.guests_oom_killed = 1;
	render(r, t);
	CHECK(strstr(t[0].p, "\"reclaim\": {\"pgscan\": 700, \"pgsteal\": 650, \"kswapd_runs\": 16, "
			     "\"direct_reclaims\": 17, ") != NULL);
	CHECK(strstr(t[0].p, "\"oom\": {\"kills\": 2, \"guests_killed\": 1, \"panic\": false}") != NULL);
	CHECK(strstr(t[1].p, "  reclaim     700 pages scanned, 650 reclaimed; kswapd ran 16 times, 17 direct reclaims\n"
			     "  OOM killer  2 kills, 1 of them a guest's QEMU\n") != NULL);
	CHECK(strstr(t[2].p, "<h2>Reclaim and the OOM killer</h2>") != NULL);
	CHECK(strstr(t[2].p, "<tr><td>pages reclaimed</td><td>650</td></tr>") != NULL);
	CHECK(strstr(t[2].p, "<tr><td>of them a guest's QEMU</td><td>1</td></tr>") != NULL);
	CHECK(strstr(t[2].p, "<tr><td>kernel panic</td><td>no</td></tr>") != NULL);
	memset(&r->reclaim, 0, sizeof(r->reclaim));
	r->st.guests_oom_killed = 0;
	render(r, t);
	CHECK(!strstr(t[0].p, "reclaim"));
	CHECK(!strstr(t[1].p, "OOM killer"));
	CHECK(!strstr(t[2].p, "Reclaim"));
	for (int i = 0; i < 3; i++)
		free(t[i].p);
	free(r);
}

RUN_TESTS(compare_html_report, compaction_figures, reclaim_figures)
