/*
 * cmd_map.c - `pfnlab map`: draw physical memory as SVG, PNG or a terminal
 * map, of a fresh machine, a scenario's or a snapshot's (map_out.c writes
 * the files).
 */
#include <errno.h>
#include <string.h>

#include "input.h"
#include "scn_cli.h"
#include "sweep.h"

/* What a scenario run draws at its chosen moment: each format into memory. */
struct moment {
	int at_line;                 /* 0: the end */
	bool done;
	const struct pfnlab_map_opts *mo;
	bool svg, png, ansi;
	struct sweep_buf out[3];
	int err;
};

static void on_moment(void *arg, const struct pfnlab_machine *m, int line)
{
	struct moment *mo = arg;
	int (*fn[3])(const struct pfnlab_machine *, const struct pfnlab_map_opts *, const struct pfnlab_sink *) = {
		pfnlab_map_svg, pfnlab_map_png, pfnlab_map_ansi};
	bool want[3] = {mo->svg, mo->png, mo->ansi};

	if (mo->done || (mo->at_line ? line < mo->at_line : line != 0) || (mo->at_line && !line))
		return;
	mo->done = true;
	for (int k = 0; k < 3; k++) {
		struct pfnlab_sink s;
		int err;

		sweep_buf_sink(&mo->out[k], &s);
		err = want[k] ? fn[k](m, mo->mo, &s) : 0;

		if (err || mo->out[k].failed)
			mo->err = err ? err : -ENOMEM;
	}
}

/* pfnlab map --scenario: run it and draw the moment asked for. */
static int draw_scenario(const char *scn, int policy, int at_line, const struct pfnlab_map_opts *mo,
			 const char *svg, const char *png, bool ansi)
{
	struct moment mm = {.at_line = at_line, .mo = mo, .svg = svg != NULL, .png = png != NULL, .ansi = ansi};
	struct scn_opts o = {.policy = policy, .moment = on_moment, .moment_arg = &mm};
	struct scn_program *p;
	struct scn_result r;
	int rc = scn_load(scn, &p);

	if (rc)
		return rc;
	o.host_limit_bytes = host_limit_bytes();
	rc = scn_run(p, &o, &r);
	scn_free(p);
	if (rc) {
		rc = scn_fail(rc, &r);
	} else if (!mm.done) {
		rc = cli_error("map: the scenario has no statement at or after line %d", at_line);
	} else if (mm.err == -E2BIG) {
		rc = cli_error("map: the PNG window is over 64 Mi pages; narrow it with --pfns A-B");
	} else if (mm.err) {
		rc = cli_error("map: %s", pfnlab_strerror(mm.err));
	} else {
		if (svg)
			rc = output_file("--svg", svg, mm.out[0].p, mm.out[0].n);
		if (!rc && png)
			rc = output_file("--png", png, mm.out[1].p, mm.out[1].n);
		if (!rc && ansi)
			rc = output_file("--ansi", "-", mm.out[2].p, mm.out[2].n);
	}
	scn_result_free(&r);
	for (int k = 0; k < 3; k++)
		sweep_buf_free(&mm.out[k]);
	return rc;
}

/* pfnlab map --snapshot: the machine a /proc snapshot describes */
static int draw_snapshot(const char *dir, const struct map_out *out)
{
	struct pfnlab_snapshot_opts so = {.thp = true};
	struct pfnlab_machine *m;
	int rc = snapshot_machine(dir, &so, false, &m);

	if (rc)
		return rc;
	rc = map_out_draw(m, out);
	pfnlab_machine_destroy(m);
	return rc;
}

enum { O_SCENARIO = KEYS_CMD, O_POLICY, O_AT_LINE, O_SNAPSHOT };

static const struct cli_opt opts[] = {
	{"scenario", O_SCENARIO, "S", "a scenario file or built-in name (pfnlab run --list)", "<scenario>"},
	{"policy", O_POLICY, "P", "its long-term pin policy", "<policy>"},
	{"at-line", O_AT_LINE, "N", "draw after the first statement at or after line N runs", NULL},
	{"snapshot", O_SNAPSHOT, "DIR", "a /proc snapshot (buddyinfo, pagetypeinfo, zoneinfo, iomem)", "<dir>"},
	{NULL, 0, NULL, NULL, NULL},
};

static int run(int argc, char **argv)
{
	struct machine_opts o;
	struct map_out out = {.ansi = false};
	const char *scn = NULL, *snap = NULL;
	bool machine_given = false;
	int policy = -1, at_line = 0, k;
	unsigned long long n;
	struct pfnlab_machine *m;
	struct cli_args a;
	int rc = EXIT_OK;

	machine_opts_init(&o);
	cli_args_init(&a, &cmd_map, argc, argv);
	while (!rc && (k = cli_next(&a)) != CLI_END) {
		switch (k) {
		case CLI_STOP:
			return a.rc;
		case CLI_OPERAND:
			return cli_usage_error(&a, "unexpected operand '%s' (try 'pfnlab map --help')", a.val);
		case O_SCENARIO:
			scn = a.val;
			break;
		case O_SNAPSHOT:
			snap = a.val;
			break;
		case O_POLICY:
			policy = pfnlab_pin_policy_parse(a.val);
			if (policy < 0)
				rc = cli_bad_value(&a, "none, rfc2015, migrate-cma, migrate-movable or pin-aware");
			break;
		case O_AT_LINE:
			if (parse_uint(a.val, 1, 1u << 30, &n))
				rc = cli_bad_value(&a, "a line number");
			at_line = (int)n;
			break;
		default: /* a machine or map output option */
			rc = cli_shared_opt(&a, &o, &out, &machine_given);
			break;
		}
	}
	if (rc)
		return rc;
	if (!map_out_wanted(&out))
		out.svg = "-";
	if ((scn || snap) && machine_given)
		return cli_error("map: --%s sets up its own machine; drop the machine options", scn ? "scenario" : "snapshot");
	if (scn && snap)
		return cli_error("map: --scenario or --snapshot, not both");
	if (!scn && (policy >= 0 || at_line))
		return cli_error("map: --policy and --at-line need --scenario");
	if (scn)
		return draw_scenario(scn, policy, at_line, &out.mo, out.svg, out.png, out.ansi);
	if (snap)
		return draw_snapshot(snap, &out);
	rc = machine_build(&o, &m);
	if (rc)
		return rc;
	rc = map_out_draw(m, &out);
	pfnlab_machine_destroy(m);
	return rc;
}

static const struct cli_section sections[] = {
	MAP_OUT_SECTION(NULL), {"Options", NULL, opts}, MACHINE_SECTION, {NULL, NULL, NULL}};

const struct command cmd_map = {
	.name = "map",
	.summary = "draw physical memory: SVG (a cell per pageblock), PNG (a pixel per page), terminal",
	.synopsis = "[machine options] [--svg FILE] [--png FILE] [--ansi] [--pfns A-B] [--columns N] [--title TEXT] [--kinds]\n"
		    "--scenario FILE|NAME [--policy P] [--at-line N] [output options]\n"
		    "--snapshot DIR|/proc [output options]",
	.description =
		"Draws physical memory: of a freshly booted machine, of a scenario's machine after the\n"
		"first statement at or after line N (default: at the end), or of the machine a /proc\n"
		"snapshot describes (pfnlab snapshot).  Without an output option the SVG goes to stdout.\n"
		"pfnlab replay and pfnlab snapshot take the same output options.\n",
	.sections = sections,
	.examples = "pfnlab map --preset ppc64 --ram 64G --cma 5%:kvm_cma --svg host.svg\n"
		    "pfnlab map --ram 1G --cma 128M --ansi\n"
		    "pfnlab map --scenario seed --policy none --svg seed-end.svg\n"
		    "pfnlab map --snapshot /proc --ansi\n",
	.exits = EXITS_USAGE | EXITS_RESOURCE,
	.run = run,
};
