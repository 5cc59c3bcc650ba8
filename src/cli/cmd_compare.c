/*
 * cmd_compare.c - `pfnlab compare`: the same scenario and seed under
 * several pin policies, one fresh machine each, side by side.
 */
#include <string.h>

#include "scn_cli.h"

static int parse_policies(const struct cli_args *a, int *list, size_t *n)
{
	const char *v = a->val;
	char buf[256];
	char *save = NULL;

	*n = 0;
	if (strlen(v) >= sizeof(buf))
		return cli_usage_error(a, "--policies: list too long");
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int p = pfnlab_pin_policy_parse(t);

		if (p < 0)
			return cli_usage_error(a, "--policies: unknown policy '%s' (none, rfc2015, migrate-cma, migrate-movable, pin-aware)",
					       t);
		for (size_t i = 0; i < *n; i++)
			if (list[i] == p)
				return cli_usage_error(a, "--policies: '%s' given twice", t);
		list[(*n)++] = p;
	}
	if (!*n)
		return cli_usage_error(a, "--policies: empty list");
	return 0;
}

enum { O_POLICIES = KEYS_CMD, O_FORMAT, O_HTML, O_CHECK, O_NO_PROGRESS };

static const struct cli_opt opts[] = {
	{"policies", O_POLICIES, "LIST", "comma-separated, default none,rfc2015,migrate-cma,migrate-movable,pin-aware",
	 "<policies>"},
	{"seed", SO_SEED, "N", "seed of the scenario's random generators", NULL},
	{"format", O_FORMAT, "text|json", "json: JSON instead of the table", "text json"},
	{"html", O_HTML, "FILE",
	 "also write one self-contained HTML page: the table, the memory map of every policy at the end side by "
	 "side, maps at each failed HPT allocation, and time series (free CMA, pinned pages in CMA, HPT failures, "
	 "UNMOVABLE pageblocks, cma_alloc busy retries)",
	 "<file>"},
	{"check", O_CHECK, NULL, "run the whole-state checker after every line (slow)", NULL},
	{"max-steps", SO_MAX_STEPS, "N", "stop a runaway run after N steps (default 10000000; exit 3)", NULL},
	{"no-progress", O_NO_PROGRESS, NULL, "no progress line (shown on a terminal after a second)", NULL},
	{NULL, 0, NULL, NULL, NULL},
};

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
	struct cli_args a;
	int rc = 0, k;
	size_t done = 0;

	for (int i = 0; i < PFNLAB_PIN_POLICIES; i++)
		policies[i] = i;
	cli_args_init(&a, &cmd_compare, argc, argv);
	while (!rc && (k = cli_next(&a)) != CLI_END) {
		switch (k) {
		case CLI_STOP:
			return a.rc;
		case CLI_OPERAND:
			rc = cli_one_operand(&a, &file, "scenario");
			break;
		case O_CHECK:
			o.check = true;
			break;
		case O_NO_PROGRESS:
			no_progress = true;
			break;
		case O_POLICIES:
			rc = parse_policies(&a, policies, &np);
			break;
		case O_HTML:
			html = a.val;
			o.record = true;
			break;
		case O_FORMAT:
			rc = cli_format_opt(&a);
			format = a.val;
			break;
		default: /* SO_SEED, SO_MAX_STEPS */
			rc = scn_opt(&o, &a);
			break;
		}
	}
	if (rc)
		return rc;
	rc = scn_load(file, &p);
	if (rc)
		return rc;
	scn_opts_host(&o, &prog, !no_progress);
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

static const struct cli_section sections[] = {{"Options", NULL, opts}, {NULL, NULL, NULL}};

const struct command cmd_compare = {
	.name = "compare",
	.summary = "run a scenario under several pin policies and compare them",
	.synopsis = "[FILE|NAME] [--policies A,B,...] [--seed N] [--format text|json] [--html FILE] [--check] "
		    "[--no-progress] [--max-steps N]",
	.description =
		"Runs the same scenario with the same seed under each policy, each on a fresh machine,\n"
		"and prints one column per policy (text) or {\"runs\": [one run object per policy]}\n"
		"(JSON, the objects of 'pfnlab run --format json' without the story).  Without FILE it\n"
		"compares the built-in seed scenario.\n",
	.sections = sections,
	.operands = "<scenario>",
	.notes = "Expect lines are checked in every run (an expect line may name the policies it holds\n"
		 "for: policy=none, policy=!none, policy=migrating).\n",
	.examples = "pfnlab compare\n"
		    "pfnlab compare --policies none,migrate-movable --html report.html\n",
	.exit_check = "an expect line failed in some run",
	.exits = EXITS_USAGE | EXITS_RESOURCE | EXITS_INTERNAL,
	.run = run,
};
