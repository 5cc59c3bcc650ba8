/*
 * main.c - the pfnlab command: dispatch to subcommands, help, version;
 * --follow-symlinks (any command) and the last check of standard output.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

extern const struct command cmd_run, cmd_compare;

static const struct command *const commands[] = {&cmd_machine, &cmd_run, &cmd_compare, &cmd_map,
						  &cmd_sweep, &cmd_size_cma,
						  &cmd_replay, &cmd_snapshot, &cmd_bench};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: pfnlab <command> [options]\n\n"
		   "pfnlab models Linux physical memory: the buddy allocator, pageblocks and migrate\n"
		   "types, CMA, and what long-term pinning does to contiguous allocations.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "  %-10s %s\n\n", "help", "help on a command: pfnlab help <command>");
	fprintf(f, "Options: --version, --help.  Exit codes: 0 ok, 1 a check failed, 2 bad usage or\n"
		   "input, 3 out of memory (the model does not fit this host), 4 internal inconsistency,\n"
		   "5 an output could not be written (disk full), 6 the output directory is in use.\n"
		   "--follow-symlinks (with any command): write outputs through symbolic links.\n");
}

/*
 * A command's --help, with the shared option texts where it says %MACHINE%
 * (machine options) and %MAPOUT% (map output options).
 */
static void print_help(const struct command *c)
{
	static const struct {
		const char *mark, *text;
	} parts[] = {{"%MACHINE%", machine_opts_help}, {"%MAPOUT%", map_out_help}};
	const char *p = c->help;

	for (;;) {
		const char *next = NULL;
		size_t k = 0;

		for (size_t j = 0; j < sizeof(parts) / sizeof(parts[0]); j++) {
			const char *at = strstr(p, parts[j].mark);

			if (at && (!next || at < next)) {
				next = at;
				k = j;
			}
		}
		if (!next) {
			fputs(p, stdout);
			return;
		}
		fwrite(p, 1, (size_t)(next - p), stdout);
		fputs(parts[k].text, stdout);
		p = next + strlen(parts[k].mark);
	}
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int dispatch(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("pfnlab %s\n", PFNLAB_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return EXIT_OK;
		}
		c = find(argv[2]);
		if (!c)
			return cli_error("help: unknown command '%s'", argv[2]);
		print_help(c);
		return EXIT_OK;
	}
	c = find(argv[1]);
	if (!c) {
		cli_error("unknown command '%s' (try 'pfnlab help')", argv[1]);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_help(c);
			return EXIT_OK;
		}
	return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	struct output_stdout so;
	int n = 1;

	/* --follow-symlinks, wherever it is, for output.c (and a re-executed mpirun's ranks) */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--follow-symlinks") == 0)
			setenv("PFNLAB_FOLLOW_SYMLINKS", "1", 1);
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	output_stdout_begin(&so);
	return output_stdout_end(&so, dispatch(n, argv));
}
