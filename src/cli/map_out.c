/*
 * map_out.c - the map output options every command that ends with a
 * machine shares (map, replay, snapshot): --svg FILE, --png FILE, --ansi,
 * --pfns A-B, --columns N, --title TEXT, --kinds.  Files are written whole or not
 * at all (output.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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

int map_out_opt(struct map_out *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	unsigned long long n;

	if (strcmp(a, "--ansi") == 0) {
		o->ansi = true;
		return 1;
	}
	if (strcmp(a, "--kinds") == 0) {
		o->mo.kinds = true;
		o->given = true;
		return 1;
	}
	if (strcmp(a, "--svg") && strcmp(a, "--png") && strcmp(a, "--pfns") && strcmp(a, "--title") &&
	    strcmp(a, "--columns"))
		return 0;
	if (*i + 1 >= argc)
		return cli_error("%s needs a value", a), -1;
	v = argv[++*i];
	if (strcmp(a, "--svg") == 0) {
		o->svg = v;
	} else if (strcmp(a, "--png") == 0) {
		o->png = v;
	} else if (strcmp(a, "--title") == 0) {
		o->mo.title = v;
	} else if (strcmp(a, "--pfns") == 0) {
		if (parse_pfns(v, &o->mo))
			return cli_error("--pfns: invalid value '%s' (FIRST-LAST, e.g. 0x0-0x100000)", v), -1;
	} else {
		if (parse_uint(v, 1, 1024, &n))
			return cli_error("--columns: invalid value '%s' (1..1024)", v), -1;
		o->mo.columns = (unsigned)n;
	}
	o->given = true;
	return 1;
}

bool map_out_wanted(const struct map_out *o)
{
	return o->svg || o->png || o->ansi;
}

bool map_out_to_stdout(const struct map_out *o)
{
	return o->ansi || (o->svg && !strcmp(o->svg, "-")) || (o->png && !strcmp(o->png, "-"));
}

/* Draw @m into @path with @fn; returns an exit code. */
static int draw(const struct pfnlab_machine *m, const struct pfnlab_map_opts *mo, const char *what, const char *path,
		int (*fn)(const struct pfnlab_machine *, const struct pfnlab_map_opts *, const struct pfnlab_sink *))
{
	struct output out;
	struct pfnlab_sink s;
	int err, rc = output_open(&out, what, path);

	if (rc)
		return rc;
	file_sink(&s, out.f);
	err = fn(m, mo, &s);
	if (!err)
		return output_close(&out);
	output_discard(&out);
	if (err == -E2BIG)
		return cli_error("map: the PNG window is over 64 Mi pages; narrow it with --pfns A-B");
	if (err == -ERANGE)
		return cli_error("--pfns: 0x%llx-0x%llx is outside the machine (PFNs 0x0-0x%llx)",
				 (unsigned long long)mo->first_pfn, (unsigned long long)mo->last_pfn,
				 (unsigned long long)pfnlab_nr_pfns(m) - 1);
	cli_error("map: %s", pfnlab_strerror(err));
	return exit_for_errno(err);
}

int map_out_draw(const struct pfnlab_machine *m, const struct map_out *o)
{
	int rc = EXIT_OK;

	if (o->svg)
		rc = draw(m, &o->mo, "--svg", o->svg, pfnlab_map_svg);
	if (!rc && o->png)
		rc = draw(m, &o->mo, "--png", o->png, pfnlab_map_png);
	if (!rc && o->ansi)
		rc = draw(m, &o->mo, "--ansi", "-", pfnlab_map_ansi);
	return rc;
}

const char map_out_help[] =
	"  --svg FILE     one cell per pageblock: colour = migrate type, fill = pages in use, CMA\n"
	"                 areas outlined, long-term pinned pages marked, the busy range of a failed\n"
	"                 contiguous allocation highlighted, zone boundaries, legend, PFN and\n"
	"                 address axis, a tooltip per cell ('-' for stdout)\n"
	"  --png FILE     one pixel per page, 1024 pages per row (at most 64 Mi pages: use --pfns)\n"
	"  --ansi         a coloured map for the terminal, 80 columns\n"
	"  --pfns A-B     only PFNs [A, B) (decimal or 0x hex)\n"
	"  --columns N    SVG cells per row (default: 32, 64 or 128 by size)\n"
	"  --title TEXT   the picture's title\n"
	"  --kinds        pages in use by kind (anon, file, shmem, hugetlb, kernel, reserved): stacked\n"
	"                 in each SVG cell, a colour per page in the PNG, the main kind in the terminal\n";
