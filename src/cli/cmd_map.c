/*
 * cmd_map.c - `pfnlab map`: draw physical memory as SVG, PNG or a terminal
 * map.  Files are written whole or not at all (a temporary file renamed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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
	const char *svg = NULL, *png = NULL;
	bool ansi = false;
	struct pfnlab_machine *m;
	int rc = EXIT_OK;

	machine_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		int r = machine_opt(&o, argc, argv, &i);
		const char *a = argv[i];

		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		if (strcmp(a, "--ansi") == 0) {
			ansi = true;
			continue;
		}
		if (strcmp(a, "--svg") && strcmp(a, "--png") && strcmp(a, "--pfns") && strcmp(a, "--title") &&
		    strcmp(a, "--columns"))
			return cli_error("map: unknown option '%s' (try 'pfnlab map --help')", a);
		if (i + 1 >= argc)
			return cli_error("%s needs a value", a);
		if (strcmp(a, "--svg") == 0) {
			svg = argv[++i];
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
		"                  [--columns N] [--title TEXT]\n\n"
		"Draws the machine's physical memory.  Without an output option the SVG goes to stdout.\n\n"
		"  --svg FILE     one cell per pageblock: colour = migrate type, fill = pages in use, CMA\n"
		"                 areas outlined, long-term pinned pages marked, the busy range of a failed\n"
		"                 contiguous allocation highlighted, zone boundaries, legend, PFN and\n"
		"                 address axis, a tooltip per cell ('-' for stdout)\n"
		"  --png FILE     one pixel per page, 1024 pages per row (at most 64 Mi pages: use --pfns)\n"
		"  --ansi         a coloured map for the terminal, 80 columns\n"
		"  --pfns A-B     only PFNs [A, B) (decimal or 0x hex)\n"
		"  --columns N    SVG cells per row (default: 32, 64 or 128 by size)\n"
		"  --title TEXT   the picture's title\n\n"
		"%MACHINE%"
		"\nExamples:\n"
		"  pfnlab map --preset ppc64 --ram 64G --cma 5%:kvm_cma --svg host.svg\n"
		"  pfnlab map --ram 1G --cma 128M --ansi\n\n"
		"Exit codes: 0 ok, 2 bad option or unwritable file, 3 too large for this host.\n",
};
