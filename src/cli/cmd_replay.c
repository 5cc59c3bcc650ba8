/*
 * cmd_replay.c - `pfnlab replay`: apply a kernel trace to a model machine
 * and print what it did, optionally from a /proc snapshot and against the
 * state the real machine reached.
 *
 * The trace is streamed: read, applied and forgotten a line at a time, so
 * `cat trace_pipe | pfnlab replay -` runs in constant memory for as long
 * as the pipe flows.  SIGINT and SIGTERM only set a flag; the replay stops
 * at the next line, the report of what was read is printed, and the exit
 * code is 128 + the signal's number.  `--every N` prints the report each
 * time N more events were read.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "input.h"

/* A sink collecting into memory (for embedding views in JSON); out of memory drops the rest. */
static void mem_write(void *arg, const char *buf, size_t len)
{
	input_text_append(arg, buf, len);
}

static void progress(void *arg, uint64_t done, uint64_t total, uint64_t events)
{
	if (total)
		progress_show(arg, "pfnlab: replay %3llu%%, %llu events", (unsigned long long)(done * 100 / total),
			      (unsigned long long)events);
	else
		progress_show(arg, "pfnlab: replay %llu events", (unsigned long long)events);
}

/* The signal that stopped the replay (SIGINT, SIGTERM), 0 while none came. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/*
 * @on: SIGINT and SIGTERM set stop_signal (once: a second one acts as
 * usual), unless they were ignored (a background job's SIGINT); off: as
 * they were.
 */
static void catch_stop_signals(bool on)
{
	static const int sigs[2] = {SIGINT, SIGTERM};
	static bool caught[2];
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on ? on_stop_signal : SIG_DFL;
	sa.sa_flags = on ? SA_RESETHAND : 0; /* no SA_RESTART: a read from a quiet pipe returns */
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 2; i++) {
		if (on && (sigaction(sigs[i], NULL, &old) || old.sa_handler == SIG_IGN))
			continue;
		if (on || caught[i])
			sigaction(sigs[i], &sa, NULL);
		caught[i] = on;
	}
}

/* --every N: the summary so far, on stdout (JSON: one object a line; text: reports apart by a blank line). */
struct every {
	bool json;
	struct progress *prog;
};

static void every_report(void *arg, const struct pfnlab_replay *r)
{
	struct every *e = arg;
	struct pfnlab_sink s;

	file_sink(&s, stdout);
	progress_done(e->prog);
	pfnlab_replay_summary(r, e->json, &s);
	if (!e->json)
		fputc('\n', stdout);
	fflush(stdout);
}

/* RAM for a default machine that holds every PFN of the trace. */
static uint64_t auto_ram(const char *preset, uint64_t max_pfn)
{
	const uint64_t G = 1ull << 30;
	uint64_t need;

	if (strcmp(preset, "ppc64") == 0) {
		need = (max_pfn + 1) << 16;
		need = (need + G - 1) / G * G;
		return need > 64 * G ? need : 64 * G;
	}
	need = (max_pfn + 1) << 12;
	if (need <= 3 * G + G / 2)
		need = (need + G - 1) / G * G;
	else if (need <= 4 * G)
		need = 4 * G;
	else
		need = (need - G + G - 1) / G * G; /* QEMU PC: 3 GiB below 4 GiB, the rest above */
	return need > 4 * G ? need : 4 * G;
}

/* -v: the peak resident memory of the process (VmHWM of /proc/self/status), as a note. */
static void note_peak_memory(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long kb;

		if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			fprintf(stderr, "pfnlab: note: peak resident memory %llu KiB (VmHWM)\n", kb);
	}
	if (f)
		fclose(f);
}

/* The "snapshot" member: what --snapshot's files disagreed on (buddyinfo minus pagetypeinfo, per order). */
static void snapshot_json(const struct snapshot *s, FILE *out)
{
	fprintf(out, ", \"snapshot\": {\"blocks_disagree\": %llu, \"buddyinfo_delta\": {",
		(unsigned long long)s->blocks_disagree);
	for (unsigned i = 0; i < s->nr_zones; i++) {
		fprintf(out, "%s", i ? ", " : "");
		json_fstring(out, s->zones[i].name);
		fprintf(out, ": [");
		for (unsigned o = 0; o < s->nr_orders; o++)
			fprintf(out, "%s%lld", o ? ", " : "", (long long)s->zones[i].buddy_delta[o]);
		fprintf(out, "]");
	}
	fprintf(out, "}}");
}

/*
 * The machine a trace needs, from a look-ahead over its lines: RAM for its
 * highest PFN (without --ram), its era (without --era).  0, or an exit code
 * after a message.
 */
static int size_for_trace(struct machine_opts *o, struct input_lines *l, bool verbose)
{
	struct trace_prescan ps;
	char why[512];

	if (trace_lookahead(l, !o->ram_set, TRACE_LOOKAHEAD_WINDOW, &ps)) {
		input_lines_error(l, "trace text", why, sizeof(why));
		return cli_error("%s", why), EXIT_USAGE;
	}
	if (!o->ram_set && ps.any_pfn) {
		struct pfnlab_config c;
		uint64_t need, limit = host_limit_bytes();

		o->ram = auto_ram(o->preset, ps.max_pfn);
		o->ram_set = true;
		pfnlab_config_preset(&c, o->preset, o->ram);
		need = pfnlab_config_bytes(&c);
		if (limit && need > limit)
			return cli_error("%s:%llu: pfn %#llx sizes the machine at %llu GiB, whose model needs %llu MiB of host memory, more than the %llu MiB allowed (give --ram: PFNs beyond the machine are counted in pfn_invalid)",
					 l->name, (unsigned long long)ps.max_line, (unsigned long long)ps.max_pfn,
					 (unsigned long long)(o->ram >> 30), (unsigned long long)(need >> 20),
					 (unsigned long long)(limit >> 20)), EXIT_RESOURCE;
		if (ps.partial)
			fprintf(stderr, "pfnlab: note: %s: the machine is sized for the first %u MiB of the stream (pfn %#llx); give --ram for the whole stream (PFNs beyond the machine are counted in pfn_invalid)\n",
				l->name, TRACE_LOOKAHEAD_WINDOW >> 20, (unsigned long long)ps.max_pfn);
	}
	if (verbose && ps.beyond)
		fprintf(stderr, "pfnlab: note: %s: %llu event%s with PFNs no machine pfnlab models has (from %#llx): counted in pfn_invalid\n",
			l->name, (unsigned long long)ps.beyond, ps.beyond == 1 ? "" : "s", (unsigned long long)TRACE_PFN_LIMIT);
	if (!o->era_set && ps.era >= 0) {
		o->over.era = (enum pfnlab_era)ps.era;
		o->era_set = true;
	}
	return 0;
}

/* Print the model's free blocks per order next to a real after-snapshot's. */
static int compare_after(const struct pfnlab_machine *m, const char *dir, bool strict, bool json, FILE *out)
{
	struct snapshot_files f;
	struct input_buf b[2];
	struct snapshot *s = calloc(1, sizeof(*s));
	char why[512], path[2][4096];
	int err = 0;

	memset(b, 0, sizeof(b));
	if (!s)
		return cli_error("out of memory"), EXIT_RESOURCE;
	memset(&f, 0, sizeof(f));
	snprintf(path[0], sizeof(path[0]), "%s/buddyinfo", dir);
	snprintf(path[1], sizeof(path[1]), "%s/pagetypeinfo", dir);
	for (int i = 0; i < 2 && !err; i++) {
		struct snapshot_text *t = i ? &f.pagetypeinfo : &f.buddyinfo;

		t->name = path[i];
		if (access(path[i], F_OK) != 0)
			continue;
		err = input_read(path[i], SNAPSHOT_FILE_MAX, &b[i], why, sizeof(why));
		t->data = b[i].data;
		t->len = b[i].len;
	}
	if (!err)
		err = snapshot_parse(&f, strict, s, why, sizeof(why));
	if (err) {
		cli_error("--after: %s", why);
		goto out;
	}
	if (json)
		fprintf(out, ", \"after\": {");
	else
		fprintf(out, "\nfree blocks per order, replayed model vs %s:\n", dir);
	for (unsigned i = 0; i < s->nr_zones; i++) {
		const struct snap_zone *z = &s->zones[i];
		int zi = m->zone_of_type[z->type];

		if (json) {
			fprintf(out, "%s", i ? ", " : "");
			json_fstring(out, z->name);
			fprintf(out, ": {\"model\": [");
		} else {
			fprintf(out, "zone %-8s model ", z->name);
		}
		for (unsigned o = 0; o < s->nr_orders; o++) {
			unsigned long long v = zi >= 0 && o < m->nr_orders ? m->zones[zi].area[o].nr_free : 0;

			fprintf(out, json ? "%s%llu" : "%s%6llu", o && json ? ", " : json ? "" : " ", v);
		}
		fprintf(out, json ? "], \"real\": [" : "\n              real  ");
		for (unsigned o = 0; o < s->nr_orders; o++) {
			uint64_t v = z->buddy[o];

			if (!s->have_buddyinfo)
				for (int t = 0; t < PFNLAB_MT_TYPES; t++)
					v += z->nfree[t][o];
			fprintf(out, json ? "%s%llu" : "%s%6llu", o && json ? ", " : json ? "" : " ", (unsigned long long)v);
		}
		fprintf(out, json ? "]}" : "\n");
	}
	if (json)
		fprintf(out, "}");
out:
	for (int i = 0; i < 2; i++)
		input_buf_free(&b[i]);
	free(s);
	return err ? EXIT_USAGE : EXIT_OK;
}

enum {
	O_FORMAT = KEYS_CMD, O_LENIENT, O_NO_PROGRESS, O_SNAPSHOT, O_AFTER, O_PRINT, O_CHECK, O_STRICT, O_EVERY,
	O_LIVE, O_DURATION, O_HTML, O_CMA_DIR
};

static const struct cli_opt opts[] = {
	{"format", O_FORMAT, "text|json", "json: one JSON object (keys in docs/formats.md)", "text json"},
	{"lenient", O_LENIENT, NULL,
	 "skip malformed lines of known events (counted in lines_malformed) instead of stopping at the first with "
	 "FILE:LINE",
	 NULL},
	{"no-progress", O_NO_PROGRESS, NULL, "no progress line on a terminal", NULL},
	{"every", O_EVERY, "N",
	 "print the report each time N more events were read, then the last (with --live: every N seconds)", NULL},
	{"snapshot", O_SNAPSHOT, "DIR",
	 "start from a /proc snapshot (see pfnlab snapshot) instead of a freshly booted machine; prints the end "
	 "state as buddyinfo and pagetypeinfo",
	 "<dir>"},
	{"after", O_AFTER, "DIR",
	 "compare the end state's free blocks per order with a snapshot taken after the trace (buddyinfo and/or "
	 "pagetypeinfo in DIR)",
	 "<dir>"},
	{"print", O_PRINT, "VIEW", "print a view of the end state (as pfnlab machine --print)", "<view>"},
	{"check", O_CHECK, NULL, "run the whole-state checker at the end (exit 4 if it fails)", NULL},
	{"strict", O_STRICT, NULL,
	 "refuse a snapshot whose buddyinfo and pagetypeinfo differ (read at different moments; by default "
	 "pagetypeinfo's counts win)",
	 NULL},
	{"verbose", 'v', NULL, "notes on stderr: the snapshot, PFNs no machine has, the peak memory", NULL},
	{NULL, 0, NULL, NULL, NULL},
};

static const struct cli_opt live_table[] = {
	{"live", O_LIVE, NULL, "read the running kernel instead of a trace file", NULL},
	{"duration", O_DURATION, "T", "stop after T seconds (default: at SIGINT or SIGTERM)", NULL},
	{"html", O_HTML, "FILE", "the final report as a page", "<file>"},
	{"cma-dir", O_CMA_DIR, "DIR", "the CMA debugfs directory (default /sys/kernel/debug/cma)", "<dir>"},
	{NULL, 0, NULL, NULL, NULL},
};

static int run(int argc, char **argv)
{
	struct machine_opts o;
	const char *file = NULL, *snap = NULL, *after = NULL, *views[MAX_VIEWS];
	int nviews = 0, rc = EXIT_OK, err, k;
	struct progress prog;
	bool json = false, lenient = false, no_progress = false, check = false, verbose = false, machine_given = false;
	bool strict = false;
	struct pfnlab_machine *m = NULL;
	struct pfnlab_replay *r = NULL;
	struct input_stream *in = NULL;
	struct input_lines l = {0};
	unsigned long long every = 0;
	struct every ev = {.prog = &prog};
	int stopped = 0;
	char why[1024] = "";
	struct pfnlab_replay_opts ro = {0};
	struct map_out map = {.ansi = false};
	struct snapshot *parsed = NULL;
	struct live_opts lo = {0};
	bool live = false;
	struct cli_args a;

	machine_opts_init(&o);
	cli_args_init(&a, &cmd_replay, argc, argv);
	while (!rc && (k = cli_next(&a)) != CLI_END) {
		switch (k) {
		case CLI_STOP:
			return a.rc;
		case CLI_OPERAND:
			rc = cli_one_operand(&a, &file, "trace file");
			break;
		case O_FORMAT:
			rc = cli_format_opt(&a);
			json = strcmp(a.val, "json") == 0;
			break;
		case O_LENIENT:
			lenient = true;
			break;
		case O_NO_PROGRESS:
			no_progress = true;
			break;
		case O_CHECK:
			check = true;
			break;
		case O_STRICT:
			strict = true;
			break;
		case O_EVERY:
			if (parse_uint(a.val, 1, UINT64_MAX, &every))
				rc = cli_bad_value(&a, "a number of events, 1 or more");
			break;
		case 'v':
			verbose = true;
			break;
		case O_LIVE:
			live = true;
			break;
		case O_DURATION: {
			char *end;
			double v = strtod(a.val, &end);

			if (end == a.val || v <= 0 || (*end && strcmp(end, "s")))
				rc = cli_error("replay: %s: '%s' is not a number of seconds above 0", a.spelled, a.val);
			lo.duration_s = v;
			break;
		}
		case O_HTML:
			lo.html = a.val;
			break;
		case O_CMA_DIR:
			lo.cma_dir = a.val;
			break;
		case O_SNAPSHOT:
			snap = a.val;
			break;
		case O_AFTER:
			after = a.val;
			break;
		case O_PRINT:
			rc = print_opt(&a, views, &nviews);
			break;
		default: /* a machine or map output option */
			rc = cli_shared_opt(&a, &o, &map, &machine_given);
			break;
		}
	}
	if (rc)
		return rc;
	if (live) {
		if (file || snap || after || machine_given || nviews || map.given)
			return cli_error("replay: --live reads the running kernel and builds its machine from /proc; no trace file, --snapshot, --after, --print, map or machine options with it");
		lo.every_s = (double)every; /* with --live, seconds */
		lo.json = json;
		lo.check = check;
		lo.verbose = verbose;
		return replay_live(&lo);
	}
	if (lo.duration_s || lo.html || lo.cma_dir)
		return cli_error("replay: --duration, --html and --cma-dir go with --live");
	if (!file)
		return cli_error("replay: which trace? (pfnlab replay FILE|- [options])");
	if (map.given && !map_out_wanted(&map))
		return cli_error("replay: --pfns, --columns, --title and --kinds go with --svg, --png or --ansi");
	if (json && map_out_to_stdout(&map))
		return cli_error("replay: --format json holds stdout; write the map to a file (--svg FILE, --png FILE)");
	if (snap && machine_given)
		return cli_error("replay: --snapshot builds the machine; give no machine options with it");
	if (o.pcp_set && o.over.pcp)
		return cli_error("replay: --pcp is not supported (the trace already shows each page the buddy allocator gave)");
	o.pcp_set = true; /* per-CPU lists off: the trace shows each page the buddy allocator gave */
	o.over.pcp = false;
	if ((err = input_open(file, &(struct input_stream_opts){.stop = &stop_signal}, &in, why, sizeof(why)))) {
		cli_error("%s", why);
		return err == -ENOMEM || err == -E2BIG ? EXIT_RESOURCE : err == -EINTR ? 128 + stop_signal : EXIT_USAGE;
	}
	if (input_lines_stream(&l, in)) {
		rc = (cli_error("out of memory"), EXIT_RESOURCE);
		goto out;
	}
	catch_stop_signals(true);
	if (snap) {
		struct pfnlab_snapshot_opts so = {.thp = true, .strict = strict};

		if (!(parsed = malloc(sizeof(*parsed)))) {
			rc = (cli_error("out of memory"), EXIT_RESOURCE);
			goto out;
		}
		so.parsed = parsed;
		if ((rc = snapshot_machine(snap, &so, verbose, &m)))
			goto out;
	} else if ((!o.ram_set || !o.era_set) && (rc = size_for_trace(&o, &l, verbose))) {
		goto out;
	} else if ((rc = machine_build(&o, &m))) {
		goto out;
	}
	ro.lenient = lenient;
	ro.stop = &stop_signal;
	ev.json = json;
	progress_init(&prog, !no_progress);
	if (prog.on) {
		ro.progress = progress;
		ro.progress_arg = &prog;
	}
	if (every) {
		ro.every = every;
		ro.report = every_report;
		ro.report_arg = &ev;
	}
	if (pfnlab_replay_create(m, &ro, &r)) {
		rc = (cli_error("replay: out of memory"), EXIT_RESOURCE);
		goto out;
	}
	err = pfnlab_replay_run(r, &l, why, sizeof(why));
	catch_stop_signals(false);
	progress_done(&prog);
	if (err == -EINTR) {
		fprintf(stderr, "pfnlab: %s: stopped by %s; the report covers the %llu lines read\n", input_stream_name(in),
			stop_signal == SIGTERM ? "SIGTERM" : "SIGINT", (unsigned long long)l.no);
		stopped = stop_signal ? stop_signal : SIGINT;
	} else if (err) {
		cli_error("%s", why);
		rc = err == -ENOMEM || err == -E2BIG ? EXIT_RESOURCE : EXIT_USAGE;
		goto out;
	}
	if (snap && !nviews && !json) {
		views[nviews++] = "buddyinfo";
		views[nviews++] = "pagetypeinfo";
	}
	{
		struct pfnlab_sink s;
		struct input_text mb = {0};

		if (json) {
			s = (struct pfnlab_sink){mem_write, &mb};
			pfnlab_replay_summary(r, true, &s);
			if (mb.len >= 2 && mb.p[mb.len - 2] == '}')
				mb.len -= 2; /* reopen the object for the views */
			fwrite(mb.p, 1, mb.len, stdout);
			free(mb.p);
			if (parsed)
				snapshot_json(parsed, stdout);
			if (nviews) {
				printf(", \"views\": {");
				for (int i = 0; i < nviews; i++) {
					struct input_text vb = {0};

					s = (struct pfnlab_sink){mem_write, &vb};
					pfnlab_print(m, views[i], &s);
					printf("%s\"%s\": ", i ? ", " : "", views[i]);
					json_fstring(stdout, vb.p);
					free(vb.p);
				}
				printf("}");
			}
			if (after && (rc = compare_after(m, after, strict, true, stdout)))
				goto out;
			printf("}\n");
		} else {
			file_sink(&s, stdout);
			pfnlab_replay_summary(r, false, &s);
			for (int i = 0; i < nviews; i++) {
				printf("\n");
				pfnlab_print(m, views[i], &s);
			}
			if (after && (rc = compare_after(m, after, strict, false, stdout)))
				goto out;
		}
	}
	if (map_out_wanted(&map) && (rc = map_out_draw(m, &map)))
		goto out;
	if (check && pfnlab_check(m, why, sizeof(why))) {
		cli_error("check: %s", why);
		rc = EXIT_INTERNAL;
	}
	if (!rc && stopped)
		rc = 128 + stopped;
	if (verbose)
		note_peak_memory();
out:
	catch_stop_signals(false);
	free(parsed);
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
	input_lines_free(&l);
	input_close(in);
	return rc;
}

static const struct cli_section sections[] = {
	{"Options", NULL, opts},
	{"Live options",
	 "--live (root, tracefs mounted) reads the running kernel's kmem, cma, migrate, page_isolation and "
	 "compaction events from a trace buffer instance of its own (every CPU's raw buffer, through libtracefs), "
	 "starting from a snapshot of /proc --pages taken once tracing is on, with constant memory.  Every --every T "
	 "seconds, and at the end (--duration T seconds, SIGINT or SIGTERM) it prints each CMA area's health: pages "
	 "borrowed by movable memory, pages that cannot move now, what a whole-area cma_alloc would do now and which "
	 "frames block it; at the end the model's own whole-area cma_alloc with its culprits.",
	 live_table},
	MAP_OUT_SECTION("The end state's map, as pfnlab map draws it (after the report):"),
	MACHINE_SECTION,
	{NULL, NULL, NULL}};

const struct command cmd_replay = {
	.name = "replay",
	.summary = "apply a kernel trace (ftrace text, trace-cmd report or .dat) to a model machine",
	.synopsis = "FILE|- [--format text|json] [--lenient] [--no-progress] [--every N] [--snapshot DIR | machine options] "
		    "[--after DIR] [--print VIEW]... [--check] [--strict] [--svg FILE] [--png FILE] [--ansi] [map options]\n"
		    "--live [--duration T] [--every T] [--html FILE] [--cma-dir DIR] [--format text|json] [--check] [-v]",
	.description =
		"Reads the text of /sys/kernel/tracing/trace or trace_pipe (with or without the flags\n"
		"column), of `trace-cmd report`, or a trace-cmd .dat file; plain or .xz/.zst/.gz; '-' is\n"
		"standard input.  Events of kmem (mm_page_alloc, mm_page_free, mm_page_free_batched,\n"
		"mm_page_alloc_extfrag, mm_page_alloc_zone_locked, mm_page_pcpu_drain), migrate\n"
		"(mm_migrate_pages), compaction:*, cma:* and page_isolation:test_pages_isolated, in their\n"
		"2015 (decimal pfn) and current (hex pfn) forms, drive the model: pages are allocated and\n"
		"freed at their PFNs, pageblocks change owner, CMA ranges are taken and released.  Other\n"
		"events are counted and skipped; lost-event lines are counted.  The trace is streamed:\n"
		"a pipe that never ends replays in constant memory until SIGINT or SIGTERM, which print\n"
		"the report of what was read (exit 130, 143).\n",
	.sections = sections,
	.operands = "<file>",
	.notes = "Without --snapshot the machine is a fresh one from the machine options; without --ram it\n"
		 "is made large enough for every PFN in the trace (of a pipe: in its first 16 MiB, read\n"
		 "ahead), and without --era it follows the trace's form.\n",
	.examples = "pfnlab replay trace.txt.xz --format json\n"
		    "pfnlab replay trace.dat --snapshot before/ --after after/\n"
		    "pfnlab replay trace.txt.xz --svg end.svg --png end.png\n"
		    "cat /sys/kernel/tracing/trace_pipe | pfnlab replay - --ram 16G --era current --every 100000\n"
		    "sudo pfnlab replay --live --duration 60 --every 10\n",
	.exits = EXITS_USAGE | EXITS_RESOURCE | EXITS_INTERNAL | EXITS_SIGNAL,
	.run = run,
};
