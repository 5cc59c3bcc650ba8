/*
 * cmd_machine.c - `pfnlab machine`: build a freshly booted machine and
 * print its state in the kernel's formats.
 */
#include <string.h>

#include "cli.h"

static int run(int argc, char **argv)
{
	struct machine_opts o;
	struct pfnlab_machine *m;
	struct pfnlab_sink out;
	const char *views[16];
	int nviews = 0, rc;
	bool check = false;

	machine_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		int r = machine_opt(&o, argc, argv, &i);

		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		if (strcmp(argv[i], "--print") == 0) {
			const char *const *known = pfnlab_views();
			bool ok = false;

			if (i + 1 >= argc)
				return cli_error("--print needs a view");
			for (int k = 0; known[k]; k++)
				ok |= strcmp(known[k], argv[i + 1]) == 0;
			if (!ok)
				return cli_error("--print: unknown view '%s' (buddyinfo, pagetypeinfo, zoneinfo, meminfo, vmstat, extfrag_index, unusable_index, cma, cma_bitmap)",
						 argv[i + 1]);
			if (nviews == 16)
				return cli_error("--print: at most 16 views");
			views[nviews++] = argv[++i];
		} else if (strcmp(argv[i], "--check") == 0) {
			check = true;
		} else {
			return cli_error("machine: unknown option '%s' (try 'pfnlab machine --help')", argv[i]);
		}
	}
	rc = machine_build(&o, &m);
	if (rc)
		return rc;
	file_sink(&out, stdout);
	if (!nviews)
		views[nviews++] = "buddyinfo";
	for (int i = 0; i < nviews; i++)
		pfnlab_print(m, views[i], &out);
	if (check) {
		char why[512];

		if (pfnlab_check(m, why, sizeof(why))) {
			cli_error("check: %s", why);
			pfnlab_machine_destroy(m);
			return EXIT_INTERNAL;
		}
	}
	pfnlab_machine_destroy(m);
	return EXIT_OK;
}

const struct command cmd_machine = {
	.name = "machine",
	.summary = "build a freshly booted machine and print it in the kernel's formats",
	.run = run,
	.help =
		"usage: pfnlab machine [machine options] [--print VIEW]... [--check]\n\n"
		"Builds the modelled machine as the kernel leaves it after boot (all managed memory\n"
		"free, pageblocks MOVABLE, CMA areas typed CMA and free) and prints it.\n\n"
		"  --print VIEW   buddyinfo (default), pagetypeinfo, zoneinfo, meminfo, vmstat,\n"
		"                 extfrag_index, unusable_index (byte for byte the kernel's layout);\n"
		"                 cma, cma_bitmap (each CMA area's debugfs and sysfs files)\n"
		"  --check        run the whole-state checker afterwards (exit 4 if it fails)\n\n"
		"%MACHINE%"
		"\nExamples:\n"
		"  pfnlab machine --preset x86_64 --ram 4G --print pagetypeinfo\n"
		"  pfnlab machine --preset ppc64 --ram 256G --cma 12800M --print buddyinfo\n\n"
		"Exit codes: 0 ok, 2 bad option or impossible machine, 3 too large for this host,\n"
		"4 checker failure.\n",
};
