/*
 * usage.c - what a command says about itself on a terminal, made from the
 * command table (cli_commands[]), the commands' option tables (struct
 * command, struct cli_opt) and the exit code table: `pfnlab help` (the
 * commands and the exit codes) and `pfnlab help CMD`, which `pfnlab CMD
 * --help` prints too (options.c, main.c).  Text is wrapped at 80 columns.
 * The man pages and the completion (help.c) are made from the same tables.
 */
#include <string.h>

#include "cli.h"

#define WIDTH 80
#define OPT_COLUMN_MAX 30 /* a longer option starts its help on the next line */

const struct cli_exit cli_exits[] = {
	{EXIT_OK, "ok", "success"},
	{EXIT_CHECK, "a check failed", "an expectation or comparison failed (what 1 means is in each command's help)"},
	{EXIT_USAGE, "bad option or input",
	 "bad command line or bad input (the message says which option or FILE:LINE), an output pfnlab may not write "
	 "(a link, another user's file, a directory)"},
	{EXIT_RESOURCE, "out of memory (too large for this host)",
	 "out of memory: the model does not fit this host (the message gives the memory it would need), an "
	 "allocation failed, or a run passed its step limit"},
	{EXIT_INTERNAL, "checker failure", "the whole-state checker found an inconsistency (a bug: please report it)"},
	{EXIT_WRITE, "an output could not be written whole (disk full)",
	 "an output could not be written whole: out of space (ENOSPC, EDQUOT), a file size limit (EFBIG), an I/O "
	 "error; standard output included"},
	{EXIT_BUSY, "--out DIR in use by another pfnlab",
	 "sweep --out DIR, size-cma --out DIR: DIR is in use by another pfnlab (the message names it)"},
	{EXIT_SIGNAL(0), "interrupted by signal N",
	 "stopped by signal N (sweep, size-cma: the runs done are kept; replay: 130 on SIGINT, 143 on SIGTERM, "
	 "after the report of what was read)"},
	{0, NULL, NULL},
};

/* -h, --help (the parser's) and --follow-symlinks (main.c takes it out of any command line) */
const struct cli_opt cli_common_opts[] = {
	{"help", 'h', NULL, "this help", NULL},
	{"follow-symlinks", CLI_LONG, NULL,
	 "write outputs (--svg, --png, --html, --trace, ...) through symbolic links, which are refused otherwise "
	 "(docs/cli.md, \"Outputs\"); any command takes it, anywhere on its command line",
	 NULL},
	{NULL, 0, NULL, NULL, NULL},
};
static const struct cli_section common_section = {"Common options", NULL, cli_common_opts};

const struct command *const cli_commands[] = {&cmd_machine, &cmd_run,   &cmd_compare, &cmd_map,   &cmd_sweep,
					      &cmd_size_cma, &cmd_replay, &cmd_snapshot, &cmd_bench, NULL};

const char cli_overview[] =
	"pfnlab models Linux physical memory: the buddy allocator, pageblocks and migrate\n"
	"types, CMA, and what long-term pinning does to contiguous allocations.\n";

/*
 * @text (spaces between words) from column @col, lines wrapped at WIDTH and
 * indented by @indent; a word longer than a line stands alone.  Ends the line.
 */
static void wrap(FILE *f, const char *text, int col, int indent)
{
	const char *p = text;
	bool first = true;

	while (*p) {
		size_t n = strcspn(p, " ");

		if (!first && col + 1 + (int)n > WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, n, f);
		col += (int)n;
		first = false;
		p += n;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

/* "-j, --jobs N" or "--ram SIZE" */
static int opt_left(const struct cli_opt *o, char *buf, size_t len)
{
	char sh[8] = "";

	if (o->key < CLI_LONG)
		snprintf(sh, sizeof(sh), "-%c, ", o->key);
	return snprintf(buf, len, "%s--%s%s%s", sh, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

static void print_section(FILE *f, const struct cli_section *s)
{
	int col = 0;
	char left[96];

	for (const struct cli_opt *o = s->opts; o->name; o++) {
		int n = opt_left(o, left, sizeof(left)) + 4;

		if (n > col && n <= OPT_COLUMN_MAX)
			col = n;
	}
	fprintf(f, "%s:\n", s->title);
	if (s->intro)
		wrap(f, s->intro, 0, 0);
	for (const struct cli_opt *o = s->opts; o->name; o++) {
		int n = opt_left(o, left, sizeof(left));

		fprintf(f, "  %s", left);
		if (n + 2 > col - 2)
			fprintf(f, "\n%*s", col, "");
		else
			fprintf(f, "%*s", col - n - 2, "");
		wrap(f, o->help, col, col);
	}
}

/*
 * One form of the synopsis after "pfnlab NAME ", wrapped at WIDTH between
 * words outside brackets, continued under its first word.
 */
static void print_synopsis_line(FILE *f, const char *line, size_t len, int col)
{
	const int indent = col;
	const char *p = line, *end = line + len;

	while (p < end) {
		const char *q = p;
		int depth = 0;

		while (q < end && (*q != ' ' || depth)) {
			depth += *q == '[' ? 1 : *q == ']' ? -1 : 0;
			q++;
		}
		if (p != line && col + 1 + (int)(q - p) > WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (p != line) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, (size_t)(q - p), f);
		col += (int)(q - p);
		p = q < end ? q + 1 : q;
	}
	fputc('\n', f);
}

/* Does @c return exit code @code (one above 1, or 128+N)? */
bool cli_cmd_returns(const struct command *c, int code)
{
	if (code == EXIT_WRITE) /* standard output, for every command */
		return true;
	if (code == EXIT_SIGNAL(0))
		return (c->exits & EXITS_SIGNAL) != 0;
	return code > EXIT_CHECK && code < 31 && (c->exits & (1u << code)) != 0;
}

static void print_exits(FILE *f, const struct command *c)
{
	char buf[1024];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "Exit codes: 0 ok");

	for (const struct cli_exit *e = cli_exits + 1; e->brief && n < sizeof(buf); e++) {
		if (e->code == EXIT_CHECK && c->exit_check)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, ", 1 %s", c->exit_check);
		else if (e->code == EXIT_SIGNAL(0) && cli_cmd_returns(c, e->code))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, ", 128+N %s", e->brief);
		else if (cli_cmd_returns(c, e->code))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, ", %d %s", e->code, e->brief);
	}
	if (n < sizeof(buf) - 1)
		strcat(buf, ".");
	wrap(f, buf, 0, 0);
}

void cli_print_help(const struct command *c, FILE *f)
{
	const char *p = c->synopsis;

	for (bool first = true; *p; first = false) {
		size_t n = strcspn(p, "\n");
		int col = fprintf(f, "%s pfnlab %s ", first ? "usage:" : "      ", c->name);

		print_synopsis_line(f, p, n, col);
		p += n + (p[n] == '\n');
	}
	fprintf(f, "\n%s", c->description);
	for (const struct cli_section *s = c->sections; s->opts; s++) {
		fputc('\n', f);
		print_section(f, s);
	}
	fputc('\n', f);
	print_section(f, &common_section);
	if (c->notes)
		fprintf(f, "\n%s", c->notes);
	if (c->examples) {
		fprintf(f, "\nExamples:\n");
		for (p = c->examples; *p;) {
			size_t n = strcspn(p, "\n");

			fprintf(f, "  %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	fputc('\n', f);
	print_exits(f, c);
}

void cli_usage(FILE *f)
{
	fprintf(f, "usage: pfnlab <command> [options]\n\n%s\nCommands:\n", cli_overview);
	for (size_t i = 0; cli_commands[i]; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fprintf(f, "  %-10s %s\n\n", "help", "help on a command: pfnlab help <command>");
	fprintf(f, "Options: --version, --help.  --follow-symlinks (with any command): write outputs through\n"
		   "symbolic links.  Exit codes:\n");
	for (const struct cli_exit *e = cli_exits; e->brief; e++) {
		char code[8];

		snprintf(code, sizeof(code), e->code == EXIT_SIGNAL(0) ? "128+N" : "%d", e->code);
		fprintf(f, "  %-6s", code);
		wrap(f, e->text, 8, 8);
	}
}
