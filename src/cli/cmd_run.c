/*
 * cmd_run.c - `pfnlab run`: run a scenario (a file, or the built-in seed)
 * under one pin policy and print its report; --trace writes the host's
 * kernel log and trace lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scn_cli.h"

#define MAX_SCENARIO_BYTES (16u << 20)

static char *read_file(const char *path, size_t *len, int *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	*err = 0;
	if (!f) {
		*err = errno;
		return NULL;
	}
	for (;;) {
		size_t r;

		if (n == cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > MAX_SCENARIO_BYTES + 1) {
				*err = EFBIG;
				break;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				*err = ENOMEM;
				break;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f))
				*err = errno ? errno : EIO;
			break;
		}
	}
	fclose(f);
	if (*err) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

int scn_load(const char *arg, struct scn_program **p)
{
	const struct scn_builtin *b = scn_builtin(arg ? arg : "seed");
	char err[1024], name[128];
	size_t len = 0;
	char *text = NULL;
	int e = 0, rc;

	if (arg && (!b || access(arg, F_OK) == 0)) {
		text = read_file(arg, &len, &e);
		if (!text) {
			cli_error("%s: %s%s", arg, e == EFBIG ? "larger than 16 MiB" : strerror(e),
				  e == ENOENT ? " (and no built-in scenario of that name; see 'pfnlab run --list')" : "");
			return EXIT_USAGE;
		}
		if (memchr(text, 0, len)) {
			free(text);
			cli_error("%s: not a text file (it contains NUL bytes)", arg);
			return EXIT_USAGE;
		}
		rc = scn_parse(arg, text, len, p, err, sizeof(err));
		free(text);
	} else {
		snprintf(name, sizeof(name), "builtin:%s", b->name);
		rc = scn_parse(name, b->text, strlen(b->text), p, err, sizeof(err));
	}
	if (rc == -ENOMEM) {
		cli_error("out of memory parsing the scenario");
		return EXIT_RESOURCE;
	}
	if (rc) {
		cli_error("%s", err);
		return EXIT_USAGE;
	}
	return 0;
}

int scn_fail(int err, const struct scn_result *r)
{
	cli_error("%s", r->error[0] ? r->error : pfnlab_strerror(err));
	switch (err) {
	case -E2BIG:
	case -ENOMEM:
		return EXIT_RESOURCE;
	case -EUCLEAN:
		return EXIT_INTERNAL;
	default:
		return EXIT_USAGE;
	}
}

int scn_write_html(const char *path, const struct scn_result *r, size_t n)
{
	struct output out;
	struct pfnlab_sink s;
	int rc = output_open(&out, "--html", path);

	if (rc)
		return rc;
	file_sink(&s, out.f);
	run_report_html(r, n, &s);
	return output_close(&out);
}

/* scn_opts.progress: the progress line of a long run */
static void scn_progress(void *arg, int line, uint64_t model_ns)
{
	progress_show(arg, "pfnlab: line %d, model time %llu s", line, (unsigned long long)(model_ns / 1000000000u));
}

void scn_opts_host(struct scn_opts *o, struct progress *prog, bool progress)
{
	o->host_limit_bytes = host_limit_bytes();
	progress_init(prog, progress);
	if (prog->on) {
		o->progress = scn_progress;
		o->progress_arg = prog;
	}
}

static void list_builtins(void)
{
	for (const struct scn_builtin *b = scn_builtins(); b->name; b++)
		printf("%-12s %s\n", b->name, b->summary);
}

enum { O_POLICY = KEYS_CMD, O_FORMAT, O_TRACE, O_TRACE_ALL, O_HTML, O_CHECK, O_NO_PROGRESS, O_LIST, O_SHOW };

static const struct cli_opt opts[] = {
	{"policy", O_POLICY, "P",
	 "long-term pin policy, overriding the scenario's: none, rfc2015, migrate-cma, migrate-movable, pin-aware",
	 "<policy>"},
	{"seed", SO_SEED, "N", "seed of the scenario's random generators (default: its seed line, or 1)", NULL},
	{"format", O_FORMAT, "text|json",
	 "json: one JSON object: policy, hpt{requested,ok,failed,fallback}, "
	 "pins{longterm_pages,longterm_in_cma_peak,migrated,failed}, contig{busy_retries,busy_messages}, "
	 "pageblocks{unmovable_delta}, ...",
	 "text json"},
	{"no-progress", O_NO_PROGRESS, NULL, "no progress line (shown on a terminal after a second)", NULL},
	{"html", O_HTML, "FILE",
	 "also write one self-contained HTML page: the summary, memory maps at the start, after each failed HPT "
	 "allocation and at the end, and time series (free CMA, pinned pages in CMA, HPT failures, UNMOVABLE "
	 "pageblocks, cma_alloc busy retries)",
	 "<file>"},
	{"trace", O_TRACE, "FILE",
	 "write the host's kernel log (dmesg lines, e.g. 'alloc_contig_range: [1f3800, 1f78c4) PFNs busy') and "
	 "the trace events of CMA, isolation, migration and pinning (ftrace lines) to FILE",
	 "<file>"},
	{"trace-all", O_TRACE_ALL, NULL, "trace every event, kmem page allocations and frees included (large)", NULL},
	{"check", O_CHECK, NULL, "run the whole-state checker after every line (slow; exit 4 on failure)", NULL},
	{"max-steps", SO_MAX_STEPS, "N",
	 "stop a runaway run after N steps: statements (each pass of a repeat), generated events and background "
	 "expiries (default 10000000; exit 3)",
	 NULL},
	{"list", O_LIST, NULL, "name the built-in scenarios", NULL},
	{"show", O_SHOW, "NAME", "print a built-in scenario, to start your own from it", "<scenario>"},
	{NULL, 0, NULL, NULL, NULL},
};

int scn_opt(struct scn_opts *o, const struct cli_args *a)
{
	unsigned long long n;

	if (a->key == SO_MAX_STEPS) {
		if (parse_uint(a->val, 1, ~0ull, &n))
			return cli_bad_value(a, "a number, at least 1");
		o->max_steps = n;
	} else {
		if (parse_uint(a->val, 0, ~0ull, &n))
			return cli_bad_value(a, "a number");
		o->seed = n;
		o->seed_set = true;
	}
	return 0;
}

static int run(int argc, char **argv)
{
	const char *file = NULL, *trace = NULL, *format = "text", *show = NULL, *html = NULL;
	struct scn_opts o = {.policy = -1};
	struct scn_program *p;
	struct scn_result r;
	struct pfnlab_sink out;
	struct output tf = {.f = NULL};
	bool list = false, no_progress = false;
	struct progress prog;
	struct cli_args a;
	int rc = 0, k;

	cli_args_init(&a, &cmd_run, argc, argv);
	while (!rc && (k = cli_next(&a)) != CLI_END) {
		switch (k) {
		case CLI_STOP:
			return a.rc;
		case CLI_OPERAND:
			rc = cli_one_operand(&a, &file, "scenario");
			break;
		case O_LIST:
			list = true;
			break;
		case O_TRACE_ALL:
			o.trace_all = true;
			break;
		case O_CHECK:
			o.check = true;
			break;
		case O_NO_PROGRESS:
			no_progress = true;
			break;
		case O_POLICY:
			o.policy = pfnlab_pin_policy_parse(a.val);
			if (o.policy < 0)
				rc = cli_usage_error(&a, "--policy: unknown policy '%s' (none, rfc2015, migrate-cma, "
						     "migrate-movable, pin-aware)", a.val);
			break;
		case O_FORMAT:
			rc = cli_format_opt(&a);
			format = a.val;
			break;
		case O_TRACE:
			trace = a.val;
			break;
		case O_HTML:
			html = a.val;
			o.record = true;
			break;
		case O_SHOW:
			show = a.val;
			break;
		default: /* SO_SEED, O_MAX_STEPS */
			rc = scn_opt(&o, &a);
			break;
		}
	}
	if (rc)
		return rc;
	if (list) {
		list_builtins();
		return EXIT_OK;
	}
	if (show) {
		const struct scn_builtin *b = scn_builtin(show);

		if (!b)
			return cli_error("run: --show: no built-in scenario '%s' (see 'pfnlab run --list')", show);
		fputs(b->text, stdout);
		return EXIT_OK;
	}
	if (o.trace_all && !trace)
		return cli_error("run: --trace-all needs --trace FILE");
	rc = scn_load(file, &p);
	if (rc)
		return rc;
	if (trace) { /* a temporary until the run is complete: a failed run leaves FILE as it was */
		rc = output_open(&tf, "--trace", trace);
		if (rc) {
			scn_free(p);
			return rc;
		}
		file_sink(&o.out, tf.f);
	}
	scn_opts_host(&o, &prog, !no_progress);
	rc = scn_run(p, &o, &r);
	progress_done(&prog);
	scn_free(p);
	if (tf.f && rc)
		output_discard(&tf);
	if (tf.f && !rc && (rc = output_close(&tf)) != 0) {
		scn_result_free(&r);
		return rc;
	}
	if (rc) {
		rc = scn_fail(rc, &r);
		scn_result_free(&r);
		return rc;
	}
	if (html && (rc = scn_write_html(html, &r, 1)) != 0) {
		scn_result_free(&r);
		return rc;
	}
	file_sink(&out, stdout);
	if (!strcmp(format, "json"))
		run_report_json(&r, &out);
	else
		run_report_text(&r, &out);
	fflush(stdout);
	if (r.failures_len)
		fputs(r.failures, stderr);
	rc = r.expects_failed ? EXIT_CHECK : EXIT_OK;
	scn_result_free(&r);
	return rc;
}

static const struct cli_section sections[] = {{"Options", NULL, opts}, {NULL, NULL, NULL}};

const struct command cmd_run = {
	.name = "run",
	.summary = "run a scenario (default: the built-in seed) and report what happened",
	.synopsis = "[FILE|NAME] [--policy P] [--seed N] [--format text|json] [--trace FILE [--trace-all]] "
		    "[--html FILE] [--check] [--no-progress] [--max-steps N]\n"
		    "--list\n"
		    "--show NAME",
	.description =
		"Runs a scenario (docs/scenario.md, pfnlab-scenario(5)) on a freshly built machine and\n"
		"prints a short report.  Without FILE it runs the built-in seed scenario: a POWER8 KVM\n"
		"host where VFIO pins guest RAM in kvm_cma and the next guests' hash page tables fail.\n"
		"A NAME that is not a file names a built-in scenario.\n",
	.sections = sections,
	.operands = "<scenario>",
	.examples = "pfnlab run --policy migrate-movable\n"
		    "pfnlab run --trace seed.log\n"
		    "pfnlab run --show seed > my.scn\n",
	.exit_check = "an expect line failed (each failure on stderr as FILE:LINE)",
	.exits = EXITS_USAGE | EXITS_RESOURCE | EXITS_INTERNAL,
	.run = run,
};
