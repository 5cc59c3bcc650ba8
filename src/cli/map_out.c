/*
 * map_out.c - the map output options every command that ends with a
 * machine shares (map, replay, snapshot): --svg FILE, --png FILE, --ansi,
 * --pfns A-B, --columns N, --title TEXT, --kinds.  Files are written whole or not
 * at all (output.c).  The commands that take the machine options too (map,
 * replay) hand both shared tables' keys to cli_shared_opt().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { MAP_SVG = KEYS_MAP_OUT, MAP_PNG, MAP_ANSI, MAP_PFNS, MAP_COLUMNS, MAP_TITLE, MAP_KINDS };

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

int map_out_opt(struct map_out *o, const struct cli_args *a)
{
	unsigned long long n;

	switch (a->key) {
	case MAP_ANSI:
		o->ansi = true;
		return 0;
	case MAP_KINDS:
		o->mo.kinds = true;
		break;
	case MAP_SVG:
		o->svg = a->val;
		break;
	case MAP_PNG:
		o->png = a->val;
		break;
	case MAP_TITLE:
		o->mo.title = a->val;
		break;
	case MAP_PFNS:
		if (parse_pfns(a->val, &o->mo))
			return cli_bad_value(a, "FIRST-LAST, e.g. 0x0-0x100000");
		break;
	default: /* MAP_COLUMNS */
		if (parse_uint(a->val, 1, 1024, &n))
			return cli_bad_value(a, "1..1024");
		o->mo.columns = (unsigned)n;
		break;
	}
	o->given = true;
	return 0;
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

int cli_shared_opt(const struct cli_args *a, struct machine_opts *mo, struct map_out *out, bool *machine_given)
{
	if (KEY_GROUP(a->key) == KEYS_MAP_OUT)
		return map_out_opt(out, a);
	*machine_given = true;
	return machine_opt(mo, a);
}

const struct cli_opt map_out_table[] = {
	{"svg", MAP_SVG, "FILE",
	 "one cell per pageblock: colour = migrate type, fill = pages in use, CMA areas outlined, long-term "
	 "pinned pages marked, the busy range of a failed contiguous allocation highlighted, zone boundaries, "
	 "legend, PFN and address axis, a tooltip per cell ('-' for stdout)",
	 "<file>"},
	{"png", MAP_PNG, "FILE", "one pixel per page, 1024 pages per row (at most 64 Mi pages: use --pfns)", "<file>"},
	{"ansi", MAP_ANSI, NULL, "a coloured map for the terminal, 80 columns", NULL},
	{"pfns", MAP_PFNS, "A-B", "only PFNs [A, B) (decimal or 0x hex)", NULL},
	{"columns", MAP_COLUMNS, "N", "SVG cells per row (default: 32, 64 or 128 by size)", NULL},
	{"title", MAP_TITLE, "TEXT", "the picture's title", NULL},
	{"kinds", MAP_KINDS, NULL,
	 "pages in use by kind (anon, file, shmem, hugetlb, kernel, reserved): stacked in each SVG cell, a colour "
	 "per page in the PNG, the main kind in the terminal",
	 NULL},
	{NULL, 0, NULL, NULL, NULL},
};
