/*
 * cmd_map.c - `pfnlab map`: draw physical memory as SVG, PNG or a terminal
 * map.  Files are written whole or not at all (a temporary file renamed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scn_cli.h"
#include "sweep.h"

struct out_file {
	FILE *f;
	char tmp[4096];
	const char *path;
};

static int out_open(struct out_file *o, const char *path)
{
	int fd;

	o->path = path;
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	if (snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", path) >= (int)sizeof(o->tmp))
		return cli_error("map: path too long: %s", path), -1;
	fd = mkstemp(o->tmp);
	if (fd >= 0)
		fchmod(fd, 0666 & ~current_umask());
	if (fd < 0 || !(o->f = fdopen(fd, "wb")))
		return cli_error("map: cannot write %s: %s", path, strerror(errno)), -1;
	return 0;
}

static int out_close(struct out_file *o, bool ok)
{
	if (o->f == stdout)
		return fflush(stdout) == 0 && ok ? 0 : -1;
	if (fclose(o->f) != 0)
		ok = false;
	if (ok && rename(o->tmp, o->path) == 0)
		return 0;
	unlink(o->tmp);
	cli_error("map: cannot write %s", o->path);
	return -1;
}

/* Draw @m into @path with @fn; returns an exit code. */
static int draw(struct pfnlab_machine *m, const struct pfnlab_map_opts *mo, const char *path,
		int (*fn)(const struct pfnlab_machine *, const struct pfnlab_map_opts *, const struct pfnlab_sink *))
{
	struct out_file of;
	struct pfnlab_sink s;
	int err;

	if (out_open(&of, path))
		return EXIT_USAGE;
	file_sink(&s, of.f);
	err = fn(m, mo, &s);
	if (out_close(&of, err == 0))
		return err == -E2BIG ? cli_error("map: the PNG window is over 64 Mi pages; narrow it with --pfns A-B") : EXIT_USAGE;
	return EXIT_OK;
}

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

/* Write a buffer to @path whole or not at all. */
static int save(const char *path, const struct sweep_buf *b)
{
	struct out_file of;
	bool ok;

	if (out_open(&of, path))
		return EXIT_USAGE;
	ok = fwrite(b->p, 1, b->n, of.f) == b->n;
	return out_close(&of, ok) ? EXIT_USAGE : EXIT_OK;
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
	o.host_limit_bytes = scn_host_limit();
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
			rc = save(svg, &mm.out[0]);
		if (!rc && png)
			rc = save(png, &mm.out[1]);
		if (!rc && ansi)
			rc = save("-", &mm.out[2]);
	}
	scn_result_free(&r);
	for (int k = 0; k < 3; k++)
		sweep_buf_free(&mm.out[k]);
	return rc;
}

static int parse_pfns(const char *v, struct pfnlab_map_opts *mo)
{
	char *end;
	unsigned long long a, b;

	errno = 0;
	a = strtoull(v, &end, 0);
	if (errno || *end != '-')
		return -1;
	b = strtoull(end + 1, &end, 0);
	if (errno || *end || b <= a)
		return -1;
	mo->first_pfn = a;
	mo->last_pfn = b;
	return 0;
}

static int run(int argc, char **argv)
{
	struct machine_opts o;
	struct pfnlab_map_opts mo = {0};
	const char *svg = NULL, *png = NULL, *scn = NULL;
	bool ansi = false, machine_given = false;
	int policy = -1, at_line = 0;
	struct pfnlab_machine *m;
	int rc = EXIT_OK;

	machine_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		int r = machine_opt(&o, argc, argv, &i);
		const char *a = argv[i];

		if (r < 0)
			return EXIT_USAGE;
		if (r) {
			machine_given = true;
			continue;
		}
		if (strcmp(a, "--ansi") == 0) {
			ansi = true;
			continue;
		}
		if (strcmp(a, "--svg") && strcmp(a, "--png") && strcmp(a, "--pfns") && strcmp(a, "--title") &&
		    strcmp(a, "--columns") && strcmp(a, "--scenario") && strcmp(a, "--policy") && strcmp(a, "--at-line"))
			return cli_error("map: unknown option '%s' (try 'pfnlab map --help')", a);
		if (i + 1 >= argc)
			return cli_error("%s needs a value", a);
		if (strcmp(a, "--svg") == 0) {
			svg = argv[++i];
		} else if (strcmp(a, "--scenario") == 0) {
			scn = argv[++i];
		} else if (strcmp(a, "--policy") == 0) {
			policy = pfnlab_pin_policy_parse(argv[++i]);
			if (policy < 0)
				return cli_error("--policy: unknown policy '%s' (none, rfc2015, migrate-cma, migrate-movable, pin-aware)",
						 argv[i]);
		} else if (strcmp(a, "--at-line") == 0) {
			unsigned long long n;

			if (parse_uint(argv[++i], 1, 1u << 30, &n))
				return cli_error("--at-line: invalid value '%s' (a line number)", argv[i]);
			at_line = (int)n;
		} else if (strcmp(a, "--png") == 0) {
			png = argv[++i];
		} else if (strcmp(a, "--title") == 0) {
			mo.title = argv[++i];
		} else if (strcmp(a, "--pfns") == 0) {
			if (parse_pfns(argv[++i], &mo))
				return cli_error("--pfns: invalid value '%s' (FIRST-LAST, e.g. 0x0-0x100000)", argv[i]);
		} else {
			unsigned long long n;

			if (parse_uint(argv[++i], 1, 1024, &n))
				return cli_error("--columns: invalid value '%s' (1..1024)", argv[i]);
			mo.columns = (unsigned)n;
		}
	}
	if (!svg && !png && !ansi)
		svg = "-";
	if (scn && machine_given)
		return cli_error("map: --scenario sets up its own machine; drop the machine options");
	if (!scn && (policy >= 0 || at_line))
		return cli_error("map: --policy and --at-line need --scenario");
	if (scn)
		return draw_scenario(scn, policy, at_line, &mo, svg, png, ansi);
	rc = machine_build(&o, &m);
	if (rc)
		return rc;
	if (svg)
		rc = draw(m, &mo, svg, pfnlab_map_svg);
	if (!rc && png)
		rc = draw(m, &mo, png, pfnlab_map_png);
	if (!rc && ansi)
		rc = draw(m, &mo, "-", pfnlab_map_ansi);
	pfnlab_machine_destroy(m);
	return rc;
}

const struct command cmd_map = {
	.name = "map",
	.summary = "draw physical memory: SVG (a cell per pageblock), PNG (a pixel per page), terminal",
	.run = run,
	.help =
		"usage: pfnlab map [machine options] [--svg FILE] [--png FILE] [--ansi] [--pfns A-B]\n"
		"                  [--columns N] [--title TEXT]\n"
		"       pfnlab map --scenario FILE|NAME [--policy P] [--at-line N] [output options]\n\n"
		"Draws physical memory: of a freshly booted machine, or of a scenario's machine after the\n"
		"first statement at or after line N (default: at the end).  Without an output option\n"
		"the SVG goes to stdout.\n\n"
		"  --svg FILE     one cell per pageblock: colour = migrate type, fill = pages in use, CMA\n"
		"                 areas outlined, long-term pinned pages marked, the busy range of a failed\n"
		"                 contiguous allocation highlighted, zone boundaries, legend, PFN and\n"
		"                 address axis, a tooltip per cell ('-' for stdout)\n"
		"  --png FILE     one pixel per page, 1024 pages per row (at most 64 Mi pages: use --pfns)\n"
		"  --ansi         a coloured map for the terminal, 80 columns\n"
		"  --pfns A-B     only PFNs [A, B) (decimal or 0x hex)\n"
		"  --columns N    SVG cells per row (default: 32, 64 or 128 by size)\n"
		"  --title TEXT   the picture's title\n"
		"  --scenario S   a scenario file or built-in name (pfnlab run --list)\n"
		"  --policy P     its long-term pin policy\n"
		"  --at-line N    draw after the first statement at or after line N runs\n\n"
		"%MACHINE%"
		"\nExamples:\n"
		"  pfnlab map --preset ppc64 --ram 64G --cma 5%:kvm_cma --svg host.svg\n"
		"  pfnlab map --ram 1G --cma 128M --ansi\n"
		"  pfnlab map --scenario seed --policy none --svg seed-end.svg\n\n"
		"Exit codes: 0 ok, 2 bad option or unwritable file, 3 too large for this host.\n",
};
