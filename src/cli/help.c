/*
 * help.c - everything the command says about itself, made from the
 * commands' option tables (struct command, struct cli_opt) and the exit
 * code table: `pfnlab help` and `pfnlab help CMD` (which `pfnlab CMD
 * --help` prints too), and, hidden from the help because the build and the
 * tests use them, the man pages (`pfnlab help --man [CMD]`: pfnlab(1),
 * pfnlab-CMD(1)), the bash completion (`pfnlab help --completion`) and the
 * options of a command one a line (`pfnlab help --options CMD`).
 * Terminal text is wrapped at 80 columns; man pages leave filling to roff.
 */
#include <string.h>

#include "cli.h"
#include "scenario.h"

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

static const char overview[] =
	"pfnlab models Linux physical memory: the buddy allocator, pageblocks and migrate\n"
	"types, CMA, and what long-term pinning does to contiguous allocations.\n";

/* pfnlab(1) only */
static const char conventions[] =
	"Every command takes its options in any order with its operands: --opt value and\n"
	"--opt=value alike, -x value and -xvalue, flags combined (-vn); -- ends the options\n"
	"(what follows is an operand even if it starts with -), and - is an operand (standard\n"
	"input or output).  Long options are never abbreviated.  -h or --help anywhere before\n"
	"-- prints the command's help, as pfnlab help COMMAND does.  --follow-symlinks, with any\n"
	"command and anywhere on its line, lets outputs be written through symbolic links.\n"
	"Errors are one line on stderr, pfnlab: what is wrong; data goes to stdout.\n";

static const char files[] =
	"A scenario file (pfnlab-scenario(5)) for run, compare, map --scenario, sweep and\n"
	"size-cma; the built-in scenarios are named by pfnlab run --list.\n"
	"\n"
	"/proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo and /proc/iomem, or copies of\n"
	"them in a directory, for snapshot, map --snapshot and replay --snapshot.\n"
	"\n"
	"/proc/kpageflags, /proc/kpagecount, every /proc/PID/pagemap and the CMA areas' debugfs\n"
	"files (/sys/kernel/debug/cma) for snapshot --pages and replay --live.\n"
	"\n"
	"/sys/kernel/tracing/trace and trace_pipe, trace-cmd report output and trace-cmd .dat\n"
	"files, plain, .xz, .zst or .gz, for replay; tracefs itself for replay --live.\n"
	"\n"
	"DIR/results.jsonl, DIR/results.csv and DIR/summary.json, written by sweep and\n"
	"size-cma into their --out DIR.\n"
	"\n"
	"The environment: PFNLAB_MPIRUN replaces mpirun (--engine mpi); PFNLAB_BENCH_TRACE is\n"
	"the trace bench replays.\n";

static const char examples[] =
	"pfnlab run\n"
	"pfnlab compare --policies none,migrate-movable --html report.html\n"
	"pfnlab run --policy=migrate-movable --trace seed.log\n"
	"pfnlab machine --preset ppc64 --ram 64G --cma 3200M --print zoneinfo\n"
	"pfnlab map --preset ppc64 --ram 64G --cma 5%:kvm_cma --ansi\n"
	"pfnlab replay trace.txt.xz --format json\n"
	"sudo pfnlab snapshot /proc --print pagetypeinfo\n";

/* ---- terminal text ------------------------------------------------------------------------ */

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
static bool cmd_returns(const struct command *c, int code)
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
		else if (e->code == EXIT_SIGNAL(0) && cmd_returns(c, e->code))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, ", 128+N %s", e->brief);
		else if (cmd_returns(c, e->code))
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
	fprintf(f, "usage: pfnlab <command> [options]\n\n%s\nCommands:\n", overview);
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

/* ---- man pages ---------------------------------------------------------------------------- */

/* @n bytes of @s as roff text: \ as \e, - as \-, a leading . or ' made literal */
static void roff(FILE *f, const char *s, size_t n, bool line_start)
{
	for (size_t i = 0; i < n; i++) {
		if (line_start && (s[i] == '.' || s[i] == '\''))
			fputs("\\&", f);
		line_start = s[i] == '\n';
		if (s[i] == '\\')
			fputs("\\e", f);
		else if (s[i] == '-')
			fputs("\\-", f);
		else
			fputc(s[i], f);
	}
}

static void roff_str(FILE *f, const char *s)
{
	roff(f, s, strlen(s), false);
}

/* Paragraphs: blank lines become .PP, lines that start with a space are kept as they are. */
static void roff_text(FILE *f, const char *t)
{
	bool literal = false;

	while (*t) {
		size_t n = strcspn(t, "\n");
		bool lit = t[0] == ' ';

		if (lit != literal && n)
			fputs(lit ? ".PP\n.nf\n" : ".fi\n", f);
		if (n)
			literal = lit;
		if (!n) {
			if (literal)
				fputs(".fi\n", f);
			literal = false;
			fputs(".PP\n", f);
		} else {
			roff(f, t, n, true);
			fputc('\n', f);
		}
		t += n + (t[n] == '\n');
	}
	if (literal)
		fputs(".fi\n", f);
}

static void man_header(FILE *f, const char *name, const char *upper, const char *summary)
{
	fprintf(f, ".\\\" generated by `pfnlab help --man`: edit src/cli/, not this file\n");
	fprintf(f, ".TH %s 1 \"\" \"pfnlab %s\" \"User Commands\"\n.SH NAME\n", upper, PFNLAB_VERSION);
	roff_str(f, name);
	fputs(" \\- ", f);
	roff_str(f, summary);
	fputc('\n', f);
}

static void man_option(FILE *f, const struct cli_opt *o)
{
	fputs(".TP\n", f);
	if (o->key < CLI_LONG)
		fprintf(f, "\\fB\\-%c\\fR, ", o->key);
	fputs("\\fB\\-\\-", f);
	roff_str(f, o->name);
	fputs("\\fR", f);
	if (o->arg) {
		fputs(" \\fI", f);
		roff_str(f, o->arg);
		fputs("\\fR", f);
	}
	fputc('\n', f);
	roff(f, o->help, strlen(o->help), true);
	fputc('\n', f);
}

static void man_exit(FILE *f, const char *code, const char *text)
{
	fprintf(f, ".TP\n%s\n", code);
	roff(f, text, strlen(text), true);
	fputc('\n', f);
}

static void man_command(FILE *f, const struct command *c)
{
	char name[64], upper[64];
	const char *p;

	snprintf(name, sizeof(name), "pfnlab-%s", c->name);
	for (size_t i = 0; i < sizeof(upper); i++)
		if (!(upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i])))
			break;
	man_header(f, name, upper, c->summary);
	fputs(".SH SYNOPSIS\n.nf\n", f);
	for (p = c->synopsis; *p;) {
		size_t n = strcspn(p, "\n");

		fprintf(f, "\\fBpfnlab %s\\fR ", c->name);
		roff(f, p, n, false);
		fputc('\n', f);
		p += n + (p[n] == '\n');
	}
	fputs(".fi\n.SH DESCRIPTION\n", f);
	roff_text(f, c->description);
	fputs(".SH OPTIONS\n", f);
	for (const struct cli_section *s = c->sections; s->opts; s++) {
		if (s != c->sections || strcmp(s->title, "Options")) {
			fputs(".SS ", f);
			roff_str(f, s->title);
			fputc('\n', f);
		}
		if (s->intro) {
			roff(f, s->intro, strlen(s->intro), true);
			fputc('\n', f);
		}
		for (const struct cli_opt *o = s->opts; o->name; o++)
			man_option(f, o);
	}
	fputs(".SS Common options\n", f);
	for (const struct cli_opt *o = cli_common_opts; o->name; o++)
		man_option(f, o);
	if (c->notes) {
		fputs(".SH NOTES\n", f);
		roff_text(f, c->notes);
	}
	if (c->examples) {
		fputs(".SH EXAMPLES\n.nf\n", f);
		roff(f, c->examples, strlen(c->examples), true);
		fputs(".fi\n", f);
	}
	fputs(".SH EXIT STATUS\n", f);
	man_exit(f, "0", "success");
	for (const struct cli_exit *e = cli_exits + 1; e->brief; e++) {
		char code[8];

		snprintf(code, sizeof(code), e->code == EXIT_SIGNAL(0) ? "128+N" : "%d", e->code);
		if (e->code == EXIT_CHECK && c->exit_check)
			man_exit(f, code, c->exit_check);
		else if (cmd_returns(c, e->code))
			man_exit(f, code, e->text);
	}
	fputs(".SH SEE ALSO\n.BR pfnlab (1),\n.BR pfnlab\\-scenario (5),\n.BR libpfnlab (3)\n", f);
}

static void man_pfnlab(FILE *f)
{
	man_header(f, "pfnlab", "PFNLAB", "a model of Linux physical memory: buddy allocator, CMA, long-term pinning");
	fputs(".SH SYNOPSIS\n.nf\n\\fBpfnlab\\fR \\fIcommand\\fR [\\fIoptions\\fR] [\\fIoperands\\fR]\n"
	      "\\fBpfnlab help\\fR [\\fIcommand\\fR]\n\\fBpfnlab \\-\\-version\\fR\n.fi\n.SH DESCRIPTION\n",
	      f);
	roff_text(f, overview);
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; cli_commands[i]; i++) {
		fprintf(f, ".TP\n.BR pfnlab\\-");
		roff_str(f, cli_commands[i]->name);
		fputs(" (1)\n", f);
		roff_str(f, cli_commands[i]->summary);
		fputc('\n', f);
	}
	fputs(".TP\n\\fBpfnlab help\\fR \\fIcommand\\fR\nthe command's help, as \\fBpfnlab\\fR \\fIcommand\\fR "
	      "\\fB\\-\\-help\\fR prints it and its man page says it\n.SH OPTIONS\n",
	      f);
	roff_text(f, conventions);
	fputs(".SH EXIT STATUS\n", f);
	for (const struct cli_exit *e = cli_exits; e->brief; e++) {
		char code[8];

		snprintf(code, sizeof(code), e->code == EXIT_SIGNAL(0) ? "128+N" : "%d", e->code);
		man_exit(f, code, e->text);
	}
	fputs(".SH FILES\n", f);
	roff_text(f, files);
	fputs(".SH EXAMPLES\n.nf\n", f);
	roff(f, examples, strlen(examples), true);
	fputs(".fi\n.SH SEE ALSO\n", f);
	for (size_t i = 0; cli_commands[i]; i++) {
		fputs(".BR pfnlab\\-", f);
		roff_str(f, cli_commands[i]->name);
		fputs(" (1),\n", f);
	}
	fputs(".BR pfnlab\\-scenario (5),\n.BR libpfnlab (3)\n", f);
}

/* ---- bash completion ---------------------------------------------------------------------- */

static void words(FILE *f, const char *kind)
{
	if (!strcmp(kind, "policy")) {
		for (int i = 0; i < PFNLAB_PIN_POLICIES; i++)
			fprintf(f, "%s%s", i ? " " : "", pfnlab_pin_policy_name((enum pfnlab_pin_policy)i));
	} else if (!strcmp(kind, "view")) {
		const char *const *v = pfnlab_views();

		for (int i = 0; v[i]; i++)
			fprintf(f, "%s%s", i ? " " : "", v[i]);
	} else if (!strcmp(kind, "scenario")) {
		for (const struct scn_builtin *b = scn_builtins(); b->name; b++)
			fprintf(f, "%s%s", b == scn_builtins() ? "" : " ", b->name);
	}
}

static void completion(FILE *f)
{
	fputs("# bash completion for pfnlab, generated by `pfnlab help --completion`: edit src/cli/, not this file\n"
	      "# _pfnlab_value KIND CUR: the values of an option or operand (cli_opt.complete)\n"
	      "_pfnlab_value()\n{\n\tlocal pre=\n\tcase $1 in\n"
	      "\t'<file>') compopt -o filenames 2>/dev/null; compgen -f -- \"$2\";;\n"
	      "\t'<dir>') compopt -o filenames 2>/dev/null; compgen -d -- \"$2\";;\n"
	      "\t'<scenario>') compopt -o filenames 2>/dev/null; compgen -W '",
	      f);
	words(f, "scenario");
	fputs("' -- \"$2\"; compgen -f -- \"$2\";;\n\t'<policy>') compgen -W '", f);
	words(f, "policy");
	fputs("' -- \"$2\";;\n\t'<policies>') [[ $2 == *,* ]] && pre=${2%,*},\n\t\tcompgen -P \"$pre\" -W '", f);
	words(f, "policy");
	fputs("' -- \"${2##*,}\";;\n\t'<view>') compgen -W '", f);
	words(f, "view");
	fputs("' -- \"$2\";;\n"
	      "\t'<'*) ;;\n"
	      "\t*) compgen -W \"$1\" -- \"$2\";;\n"
	      "\tesac\n}\n\n"
	      "_pfnlab()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= cmd=${COMP_WORDS[1]} opts= kind= i\n"
	      "\t(( COMP_CWORD > 1 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tCOMPREPLY=()\n"
	      "\tif (( COMP_CWORD == 1 )); then\n"
	      "\t\tCOMPREPLY=($(compgen -W '",
	      f);
	for (size_t i = 0; cli_commands[i]; i++)
		fprintf(f, "%s ", cli_commands[i]->name);
	fputs("help --help --version' -- \"$cur\"))\n\t\treturn\n\tfi\n"
	      "\t# --opt=value: as one word, or as three when COMP_WORDBREAKS holds '='\n"
	      "\tif [[ $cur == --*=* ]]; then\n"
	      "\t\tprev=${cur%%=*} cur=${cur#*=}\n"
	      "\telif [[ $cur == = ]]; then\n"
	      "\t\tcur=\n"
	      "\telif [[ $prev == = ]] && (( COMP_CWORD > 2 )); then\n"
	      "\t\tprev=${COMP_WORDS[COMP_CWORD-2]}\n"
	      "\tfi\n"
	      "\tcase $cmd in\n"
	      "\thelp) COMPREPLY=($(compgen -W '",
	      f);
	for (size_t i = 0; cli_commands[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", cli_commands[i]->name);
	fputs("' -- \"$cur\")); return;;\n", f);
	for (size_t i = 0; cli_commands[i]; i++) {
		const struct command *c = cli_commands[i];

		fprintf(f, "\t%s)\n\t\tcase $prev in\n", c->name);
		for (const struct cli_section *s = c->sections; s->opts; s++)
			for (const struct cli_opt *o = s->opts; o->name; o++) {
				if (!o->arg)
					continue;
				fprintf(f, "\t\t");
				if (o->key < CLI_LONG)
					fprintf(f, "-%c|", o->key);
				fprintf(f, "--%s) kind='%s';;\n", o->name, o->complete ? o->complete : "<'none'>");
			}
		fprintf(f, "\t\t*) kind='%s'\n\t\t\topts='", c->operands ? c->operands : "<'none'>");
		for (const struct cli_opt *o = cli_common_opts; o->name; o++)
			fprintf(f, "%s--%s", o == cli_common_opts ? "" : " ", o->name);
		for (const struct cli_section *s = c->sections; s->opts; s++)
			for (const struct cli_opt *o = s->opts; o->name; o++)
				fprintf(f, " --%s", o->name);
		fputs("';;\n\t\tesac;;\n", f);
	}
	fputs("\t*) return;;\n\tesac\n"
	      "\tif [[ -n $opts && $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telse\n"
	      "\t\tmapfile -t COMPREPLY < <(_pfnlab_value \"$kind\" \"$cur\")\n"
	      "\tfi\n"
	      "}\n"
	      "complete -F _pfnlab pfnlab\n",
	      f);
}

/* ---- pfnlab help -------------------------------------------------------------------------- */

static const struct command *find(const char *name)
{
	for (size_t i = 0; cli_commands[i]; i++)
		if (strcmp(cli_commands[i]->name, name) == 0)
			return cli_commands[i];
	return NULL;
}

/* `pfnlab help --options CMD`: LONG SHORT ARG COMPLETE, tab-separated, "-" for none */
static void list_options(FILE *f, const struct command *c)
{
	for (const struct cli_section *s = c->sections; s->opts; s++)
		for (const struct cli_opt *o = s->opts; o->name; o++) {
			fprintf(f, "--%s\t", o->name);
			if (o->key < CLI_LONG)
				fprintf(f, "-%c\t", o->key);
			else
				fputs("-\t", f);
			fprintf(f, "%s\t%s\n", o->arg ? o->arg : "-", o->complete ? o->complete : "-");
		}
}

int cli_help(int argc, char **argv)
{
	const struct command *c = argc > 2 ? find(argv[2]) : argc > 1 ? find(argv[1]) : NULL;
	const char *form = argc > 1 && argv[1][0] == '-' ? argv[1] : NULL;

	if (argc < 2) {
		cli_usage(stdout);
		return EXIT_OK;
	}
	if (!form) {
		if (!c)
			return cli_error("help: unknown command '%s'", argv[1]);
		cli_print_help(c, stdout);
		return EXIT_OK;
	}
	if (!strcmp(form, "--completion") && argc == 2) {
		completion(stdout);
		return EXIT_OK;
	}
	if (!strcmp(form, "--man") && argc == 2) {
		man_pfnlab(stdout);
		return EXIT_OK;
	}
	if (argc != 3 || (strcmp(form, "--man") && strcmp(form, "--options")))
		return cli_error("help: unknown form '%s' (pfnlab help [COMMAND])", form);
	if (!c)
		return cli_error("help: unknown command '%s'", argv[2]);
	if (!strcmp(form, "--man"))
		man_command(stdout, c);
	else
		list_options(stdout, c);
	return EXIT_OK;
}
