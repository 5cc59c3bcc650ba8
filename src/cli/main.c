/*
 * main.c - the pfnlab command: dispatch to subcommands, help, version;
 * --follow-symlinks (any command) and the last check of standard output.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int dispatch(int argc, char **argv)
{
	const struct command *c = NULL;

	if (argc < 2) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("pfnlab %s\n", PFNLAB_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
		return cli_help(argc - 1, argv + 1);
	for (size_t i = 0; cli_commands[i]; i++)
		if (strcmp(cli_commands[i]->name, argv[1]) == 0)
			c = cli_commands[i];
	if (!c)
		return cli_error("unknown command '%s' (try 'pfnlab help')", argv[1]);
	/* --help anywhere before "--", even where an option's value would be, as always */
	for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_print_help(c, stdout);
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
