/*
 * cmd_compare.c - `pfnlab compare`: the same scenario and seed under
 * several pin policies, one fresh machine each, side by side.
 */
#include <string.h>

#include "scn_cli.h"

static int parse_policies(const char *v, int *list, size_t *n)
{
	char buf[256];
	char *save = NULL;

	*n = 0;
	if (strlen(v) >= sizeof(buf))
		return cli_error("compare: --policies: list too long");
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int p = pfnlab_pin_policy_parse(t);

		if (p < 0)
			return cli_error("compare: --policies: unknown policy '%s' (none, rfc2015, migrate-cma, migrate-movable, pin-aware)",
					 t);
		for (size_t i = 0; i < *n; i++)
			if (list[i] == p)
				return cli_error("compare: --policies: '%s' given twice", t);
		list[(*n)++] = p;
	}
	if (!*n)
		return cli_error("compare: --policies: empty list");
	return 0;
}

static int run(int argc, char **argv)
{
	const char *file = NULL, *format = "text", *html = NULL;
	int policies[PFNLAB_PIN_POLICIES];
	size_t np = PFNLAB_PIN_POLICIES;
	struct scn_opts o = {.policy = -1};
	struct scn_result r[PFNLAB_PIN_POLICIES];
	struct scn_program *p;
	struct pfnlab_sink out;
	uint64_t failed = 0;
	bool no_progress = false;
	struct progress prog;
	int rc = 0;
	size_t done = 0;

	for (int i = 0; i < PFNLAB_PIN_POLICIES; i++)
		policies[i] = i;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned long long n;

		if (!strcmp(a, "--check")) {
			o.check = true;
		} else if (!strcmp(a, "--no-progress")) {
			no_progress = true;
		} else if (!strcmp(a, "--policies") || !strcmp(a, "--seed") || !strcmp(a, "--format") ||
			   !strcmp(a, "--html") || !strcmp(a, "--max-steps")) {
			const char *v;

			if (i + 1 >= argc)
				return cli_error("compare: %s needs a value", a);
			v = argv[++i];
			if (!strcmp(a, "--policies")) {
				if (parse_policies(v, policies, &np))
					return EXIT_USAGE;
			} else if (!strcmp(a, "--html")) {
				html = v;
				o.record = true;
			} else if (!strcmp(a, "--max-steps")) {
				if (parse_uint(v, 1, ~0ull, &n))
					return cli_error("compare: --max-steps: invalid value '%s' (a number, at least 1)", v);
				o.max_steps = n;
			} else if (!strcmp(a, "--seed")) {
				if (parse_uint(v, 0, ~0ull, &n))
					return cli_error("compare: --seed: invalid value '%s' (a number)", v);
				o.seed = n;
				o.seed_set = true;
			} else {
				if (strcmp(v, "text") && strcmp(v, "json"))
					return cli_error("compare: --format is text or json, not '%s'", v);
				format = v;
			}
		} else if (a[0] == '-' && a[1]) {
			return cli_error("compare: unknown option '%s' (try 'pfnlab compare --help')", a);
		} else if (file) {
			return cli_error("compare: one scenario at a time ('%s' and '%s')", file, a);
		} else {
			file = a;
		}
	}
	rc = scn_load(file, &p);
	if (rc)
		return rc;
	o.host_limit_bytes = host_limit_bytes();
	progress_init(&prog, !no_progress);
	if (prog.on) {
		o.progress = scn_progress;
		o.progress_arg = &prog;
	}
	for (done = 0; done < np; done++) {
		o.policy = policies[done];
		rc = scn_run(p, &o, &r[done]);
		if (rc) {
			rc = scn_fail(rc, &r[done]);
			scn_result_free(&r[done]);
			break;
		}
		failed += r[done].expects_failed;
	}
	progress_done(&prog);
	scn_free(p);
	if (!rc && html)
		rc = scn_write_html(html, r, np);
	if (!rc) {
		file_sink(&out, stdout);
		if (!strcmp(format, "json"))
			compare_report_json(r, np, &out);
		else
			compare_report_text(r, np, &out);
		fflush(stdout);
		for (size_t i = 0; i < np; i++)
			if (r[i].failures_len)
				fputs(r[i].failures, stderr);
		rc = failed ? EXIT_CHECK : EXIT_OK;
	}
	for (size_t i = 0; i < done; i++)
		scn_result_free(&r[i]);
	return rc;
}

const struct command cmd_compare = {
	.name = "compare",
	.summary = "run a scenario under several pin policies and compare them",
	.run = run,
	.help =
		"usage: pfnlab compare [FILE|NAME] [--policies A,B,...] [--seed N] [--format text|json]\n"
		"                      [--html FILE] [--check] [--no-progress] [--max-steps N]\n\n"
		"Runs the same scenario with the same seed under each policy, each on a fresh machine,\n"
		"and prints one column per policy (text) or {\"runs\": [one run object per policy]}\n"
		"(JSON, the objects of 'pfnlab run --format json' without the story).  Without FILE it\n"
		"compares the built-in seed scenario.\n\n"
		"  --policies LIST  comma-separated, default none,rfc2015,migrate-cma,migrate-movable,pin-aware\n"
		"  --seed N         seed of the scenario's random generators\n"
		"  --format json    JSON instead of the table\n"
		"  --html FILE      also write one self-contained HTML page: the table, the memory map\n"
		"                   of every policy at the end side by side, maps at each failed HPT\n"
		"                   allocation, and time series (free CMA, pinned pages in CMA, HPT\n"
		"                   failures, UNMOVABLE pageblocks, cma_alloc busy retries)\n"
		"  --check          run the whole-state checker after every line (slow)\n"
		"  --max-steps N    stop a runaway run after N steps (default 10000000; exit 3)\n"
		"  --no-progress    no progress line (shown on a terminal after a second)\n\n"
		"Expect lines are checked in every run (an expect line may name the policies it holds\n"
		"for: policy=none, policy=!none, policy=migrating).\n\n"
		"Exit codes: 0 ok, 1 an expect line failed in some run, 2 bad option or scenario,\n"
		"3 the machine does not fit this host, 4 checker failure.\n",
};
