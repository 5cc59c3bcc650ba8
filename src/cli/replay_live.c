/*
 * replay_live.c - `pfnlab replay --live`: the running kernel's events
 * (live.c) applied to a model built from a --pages snapshot of /proc taken
 * once tracing is on, a line at a time; every --every and on SIGINT (or at
 * the end of --duration) the CMA areas' health; at the end the model's own
 * whole-area cma_alloc() of each area (what_if.c) and, with --html, the
 * report as a page.  The real machine is only read.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "input.h"

static volatile sig_atomic_t stop_now;

static void on_sigint(int sig)
{
	(void)sig;
	stop_now = 1;
}

struct live_ctx {
	struct pfnlab_replay *r;
	uint64_t bad, lines;
	double until;            /* hand control back at this time: a report or the end is due */
	char why[512];
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One rendered record: a line of trace text for the replay (lenient: a bad line is counted). */
static int on_line(void *arg, const char *s, size_t n)
{
	struct live_ctx *c = arg;

	if (pfnlab_replay_feed(c->r, s, n, "live", c->why, sizeof(c->why)))
		c->bad++;
	/* the buffers may never run dry: look at the clock every 4096 lines */
	return stop_now || (!(++c->lines & 4095) && c->until > 0 && now_s() >= c->until);
}

/* The health of every CMA area: text lines or one JSON object. */
static void print_health(FILE *out, const struct pfnlab_machine *m, const struct pfnlab_replay *r, double t, bool json)
{
	if (json)
		fprintf(out, "{\"t\": %.1f, \"events\": %llu, \"lost_events\": %llu, \"areas\": [", t,
			(unsigned long long)pfnlab_replay_events(r),
			(unsigned long long)pfnlab_replay_counter(r, "lost_events"));
	else
		fprintf(out, "live +%.1fs: %llu events applied (%llu lost)\n", t,
			(unsigned long long)pfnlab_replay_events(r),
			(unsigned long long)pfnlab_replay_counter(r, "lost_events"));
	for (unsigned i = 0; i < pfnlab_cma_count(m); i++) {
		struct pfnlab_cma_info ci;
		struct cma_health h;

		pfnlab_cma_info(m, i, &ci);
		cma_health(m, i, &h);
		if (json) {
			fprintf(out, "%s{\"name\": ", i ? ", " : "");
			json_fstring(out, ci.name);
			fprintf(out, ", \"pages\": %llu, \"free\": %llu, \"cma_allocated\": %llu, \"borrowed\": %llu, \"cannot_move\": %llu, \"unmovable\": %llu, \"whole_area_cma_alloc\": \"%s\", \"error\": \"%s\", \"blockers\": [",
				(unsigned long long)h.pages, (unsigned long long)h.free,
				(unsigned long long)h.cma_allocated, (unsigned long long)h.borrowed,
				(unsigned long long)h.pinned, (unsigned long long)h.unmovable,
				h.verdict ? "fails" : "succeeds", h.verdict ? pfnlab_strerror(h.verdict) : "");
			for (unsigned k = 0; k < h.nr_blockers; k++) {
				fprintf(out, "%s{\"pfn\": %llu, \"owner\": ", k ? ", " : "", (unsigned long long)h.blocker[k]);
				json_fstring(out, cma_health_owner(m, h.blocker[k]));
				fprintf(out, "}");
			}
			fprintf(out, "]}");
			continue;
		}
		fprintf(out, "  CMA area %s: %llu pages: %llu free, %llu cma_alloc'd, %llu borrowed by movable memory (%llu cannot move now), %llu unmovable\n",
			ci.name, (unsigned long long)h.pages, (unsigned long long)h.free,
			(unsigned long long)h.cma_allocated, (unsigned long long)h.borrowed,
			(unsigned long long)h.pinned, (unsigned long long)h.unmovable);
		if (!h.verdict)
			fprintf(out, "    a whole-area cma_alloc now would succeed, migrating %llu pages\n",
				(unsigned long long)h.borrowed);
		else if (h.cma_allocated)
			fprintf(out, "    a whole-area cma_alloc now would fail (%s): %llu pages are already cma_alloc'd\n",
				pfnlab_strerror(h.verdict), (unsigned long long)h.cma_allocated);
		else if (h.verdict == -ENOMEM)
			fprintf(out, "    a whole-area cma_alloc now would fail (%s): %llu borrowed pages, %llu free pages outside CMA to move them to\n",
				pfnlab_strerror(h.verdict), (unsigned long long)h.borrowed,
				(unsigned long long)h.free_outside);
		else
			fprintf(out, "    a whole-area cma_alloc now would fail (%s), blocked by %llu frames:",
				pfnlab_strerror(h.verdict), (unsigned long long)(h.pinned + h.unmovable));
		for (unsigned k = 0; h.verdict == -EBUSY && !h.cma_allocated && k < h.nr_blockers; k++)
			fprintf(out, " %#llx (%s)", (unsigned long long)h.blocker[k], cma_health_owner(m, h.blocker[k]));
		if (h.verdict == -EBUSY && !h.cma_allocated)
			fprintf(out, "%s\n", h.pinned + h.unmovable > h.nr_blockers ? " ..." : "");
	}
	if (json)
		fprintf(out, "]}\n");
	if (!pfnlab_cma_count(m) && !json)
		fprintf(out, "  no CMA area on this machine\n");
	fflush(out);
}

/* The report as a page: the last health and the model's whole-area allocations, as preformatted text. */
static int write_html(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return cli_error("--html: cannot write %s", path);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>pfnlab replay --live</title></head>\n"
	      "<body style=\"font-family:sans-serif;margin:16px\">\n<h1>pfnlab replay --live: the CMA areas</h1>\n<pre>",
	      f);
	for (const char *p = text; *p; p++) {
		if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if (*p == '&')
			fputs("&amp;", f);
		else
			fputc(*p, f);
	}
	fputs("</pre>\n</body></html>\n", f);
	if (fclose(f))
		return cli_error("--html: cannot write %s", path);
	return EXIT_OK;
}

int replay_live(const struct live_opts *o)
{
	struct live_source *ls = NULL;
	struct pfnlab_machine *m = NULL;
	struct pfnlab_pages pg = {0};
	struct pfnlab_replay_opts ro = {.lenient = true};
	struct live_ctx c = {0};
	struct pfnlab_snapshot_opts so = {.thp = true};
	struct sigaction sa;
	char why[1024] = "", *text = NULL;
	size_t tlen = 0;
	double t0, next;
	int rc, err;
	FILE *out;

	err = live_open(&ls, why, sizeof(why));
	if (err) {
		cli_error("%s", why);
		return err == -ENOMEM ? EXIT_RESOURCE : EXIT_USAGE;
	}
	/* tracing is on: the snapshot is taken now, and what changes while it is read is in the buffers */
	rc = snapshot_machine("/proc", &so, o->verbose, &m);
	if (!rc && (err = pfnlab_snapshot_pages(m, "/proc", o->cma_dir, &pg, why, sizeof(why)))) {
		cli_error("%s", why);
		rc = err == -ENOMEM ? EXIT_RESOURCE : EXIT_USAGE;
	}
	if (!rc && pfnlab_replay_create(m, &ro, &c.r)) {
		cli_error("replay: out of memory");
		rc = EXIT_RESOURCE;
	}
	if (rc)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t0 = now_s();
	next = o->every_s > 0 ? t0 + o->every_s : 0;
	while (!stop_now) {
		double t;

		c.until = next;
		if (o->duration_s > 0 && (!c.until || t0 + o->duration_s < c.until))
			c.until = t0 + o->duration_s;
		if (live_read(ls, on_line, &c)) {
			cli_error("--live: reading the trace buffers failed");
			rc = EXIT_USAGE;
			break;
		}
		t = now_s();
		if (next && t >= next) {
			print_health(stdout, m, c.r, t - t0, o->json);
			next += o->every_s;
		}
		if (o->duration_s > 0 && t - t0 >= o->duration_s)
			break;
		usleep(100000);
	}
	live_close(ls);
	ls = NULL;
	out = open_memstream(&text, &tlen);
	if (!out) {
		rc = EXIT_RESOURCE;
		goto out;
	}
	print_health(out, m, c.r, now_s() - t0, o->json);
	if (c.bad && !o->json)
		fprintf(out, "  %llu lines not applied (the last: %s)\n", (unsigned long long)c.bad, c.why);
	/* the model's own cma_alloc() of each whole area, the last thing done to the model */
	for (unsigned i = 0; i < pfnlab_cma_count(m); i++) {
		struct pfnlab_cma_info ci;
		struct what_if w;
		char spec[80];

		pfnlab_cma_info(m, i, &ci);
		snprintf(spec, sizeof(spec), "cma_alloc %s all", ci.name);
		if (!what_if_parse(m, spec, &w))
			what_if_run(m, NULL, &w, o->json, out);
	}
	fclose(out);
	fputs(text, stdout);
	if (o->html)
		rc = write_html(o->html, text);
	if (!rc && o->check && pfnlab_check(m, why, sizeof(why))) {
		cli_error("check: %s", why);
		rc = EXIT_INTERNAL;
	}
out:
	free(text);
	live_close(ls);
	pfnlab_replay_destroy(c.r);
	pfnlab_pages_free(&pg);
	pfnlab_machine_destroy(m);
	return rc;
}
