/*
 * cmd_machine.c - `pfnlab machine`: build a freshly booted machine and
 * print its state in the kernel's formats.
 */
#include <string.h>

#include "cli.h"

enum { O_PRINT = KEYS_CMD, O_CHECK };

static const struct cli_opt opts[] = {
	{"print", O_PRINT, "VIEW",
	 "buddyinfo (default), pagetypeinfo, zoneinfo, meminfo, vmstat, extfrag_index, unusable_index (byte "
	 "for byte the kernel's layout); cma, cma_bitmap (each CMA area's debugfs and sysfs files); repeatable",
	 "<view>"},
	{"check", O_CHECK, NULL, "run the whole-state checker afterwards (exit 4 if it fails)", NULL},
	{NULL, 0, NULL, NULL, NULL},
};

/* --print VIEW, as machine, replay and snapshot take it: 0 or EXIT_USAGE */
int print_opt(const struct cli_args *a, const char **views, int *nviews)
{
	const char *const *known = pfnlab_views();
	bool ok = false;

	for (int k = 0; known[k]; k++)
		ok |= strcmp(known[k], a->val) == 0;
	if (!ok)
		return cli_usage_error(a, "--print: unknown view '%s' (buddyinfo, pagetypeinfo, zoneinfo, meminfo, "
					"vmstat, extfrag_index, unusable_index, cma, cma_bitmap)", a->val);
	if (*nviews == MAX_VIEWS)
		return cli_usage_error(a, "--print: at most 16 views");
	views[(*nviews)++] = a->val;
	return 0;
}

static int run(int argc, char **argv)
{
	struct machine_opts o;
	struct pfnlab_machine *m;
	struct pfnlab_sink out;
	const char *views[MAX_VIEWS];
	int nviews = 0, rc = 0, k;
	bool check = false;
	struct cli_args a;

	machine_opts_init(&o);
	cli_args_init(&a, &cmd_machine, argc, argv);
	while (!rc && (k = cli_next(&a)) != CLI_END) {
		if (k == CLI_STOP)
			return a.rc;
		if (k == CLI_OPERAND)
			rc = cli_usage_error(&a, "unexpected operand '%s' (try 'pfnlab machine --help')", a.val);
		else if (k == O_PRINT)
			rc = print_opt(&a, views, &nviews);
		else if (k == O_CHECK)
			check = true;
		else
			rc = machine_opt(&o, &a);
	}
	if (rc)
		return rc;
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

static const struct cli_section sections[] = {{"Options", NULL, opts}, MACHINE_SECTION, {NULL, NULL, NULL}};

const struct command cmd_machine = {
	.name = "machine",
	.summary = "build a freshly booted machine and print it in the kernel's formats",
	.synopsis = "[machine options] [--print VIEW]... [--check]",
	.description = "Builds the modelled machine as the kernel leaves it after boot (all managed memory\n"
		       "free, pageblocks MOVABLE, CMA areas typed CMA and free) and prints it.\n",
	.sections = sections,
	.examples = "pfnlab machine --preset x86_64 --ram 4G --print pagetypeinfo\n"
		    "pfnlab machine --preset ppc64 --ram 256G --cma 12800M --print buddyinfo\n",
	.exits = EXITS_USAGE | EXITS_RESOURCE | EXITS_INTERNAL,
	.run = run,
};
