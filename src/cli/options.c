/*
 * options.c - the one option parser of every subcommand (docs/cli.md,
 * "Conventions"), on getopt_long(): `--opt value` and `--opt=value`, `-x
 * value` and `-xvalue`, flags combined (`-vn`), `--` ends the options, `-`
 * is an operand.  Options and operands come back in the order given
 * (getopt_long's "-" mode: argv is never permuted, POSIXLY_CORRECT changes
 * nothing).  Unlike getopt_long, a long option is never abbreviated: a
 * command line keeps its meaning when options are added.  Every error is one
 * line, `pfnlab: CMD: ...`, and exit code 2.
 */
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"

static void add_option(struct cli_args *a, const struct cli_opt *o)
{
	struct option *l = &a->longopts[a->nopts];

	if (a->nopts >= CLI_MAX_OPTS - 1)
		return; /* tests/cli/conventions.sh keeps every command below this */
	a->opt[a->nopts++] = o;
	l->name = o->name;
	l->has_arg = o->arg ? required_argument : no_argument;
	l->flag = NULL;
	l->val = o->key;
	if (o->key < CLI_LONG) {
		size_t n = strlen(a->shorts);

		a->shorts[n++] = (char)o->key;
		if (o->arg)
			a->shorts[n++] = ':';
		a->shorts[n] = 0;
	}
}

void cli_args_init(struct cli_args *a, const struct command *cmd, int argc, char **argv)
{
	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->argc = argc;
	a->argv = argv;
	/* operands in order ('-'), errors returned and not printed (':') */
	strcpy(a->shorts, "-:");
	add_option(a, &cli_common_opts[0]); /* -h, --help */
	for (const struct cli_section *s = cmd->sections; s && s->opts; s++)
		for (const struct cli_opt *o = s->opts; o->name; o++)
			add_option(a, o);
	optind = 0; /* glibc: a full reset */
	opterr = 0;
}

static const struct cli_opt *find_key(const struct cli_args *a, int key)
{
	for (int i = 0; i < a->nopts; i++)
		if (a->opt[i]->key == key)
			return a->opt[i];
	return NULL;
}

static int stop(struct cli_args *a, int rc)
{
	a->rc = rc;
	return CLI_STOP;
}

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("pfnlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cli_usage_error(const struct cli_args *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pfnlab: %s: ", a->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cli_bad_value(const struct cli_args *a, const char *what)
{
	return cli_usage_error(a, "%s: invalid value '%s' (%s)", a->spelled, a->val, what);
}

int cli_one_operand(const struct cli_args *a, const char **slot, const char *what)
{
	if (*slot)
		return cli_usage_error(a, "one %s at a time ('%s' and '%s')", what, *slot, a->val);
	*slot = a->val;
	return 0;
}

int cli_format_opt(const struct cli_args *a)
{
	if (strcmp(a->val, "text") && strcmp(a->val, "json"))
		return cli_usage_error(a, "--format is text or json, not '%s'", a->val);
	return 0;
}

/* The argv element getopt_long() took a long option from (its value may be the next). */
static const char *long_element(const struct cli_args *a)
{
	if (a->val && optind >= 2 && a->val == a->argv[optind - 1])
		return a->argv[optind - 2];
	return a->argv[optind - 1];
}

int cli_next(struct cli_args *a)
{
	int k, li = -1;

	if (a->ended) {
		if (optind >= a->argc)
			return CLI_END;
		a->val = a->argv[optind++];
		return CLI_OPERAND;
	}
	k = getopt_long(a->argc, a->argv, a->shorts, a->longopts, &li);
	a->val = optarg;
	if (k == -1) { /* the end, or "--": what follows is operands */
		a->ended = true;
		return cli_next(a);
	}
	if (k == 1)
		return CLI_OPERAND;
	if (k == '?' || k == ':') {
		const struct cli_opt *o = optopt ? find_key(a, optopt) : NULL;
		const char *el = a->argv[optind - 1];

		if (!o && optopt)
			return stop(a, cli_usage_error(a, "unknown option '-%c' (try 'pfnlab %s --help')", optopt, a->cmd->name));
		if (!o)
			return stop(a, cli_usage_error(a, "unknown option '%.*s' (try 'pfnlab %s --help')",
						       (int)strcspn(el, "="), el, a->cmd->name));
		if (k == '?') /* a flag given a value */
			return stop(a, cli_usage_error(a, "--%s takes no value ('%s')", o->name, el));
		if (strncmp(el, "--", 2) == 0)
			return stop(a, cli_usage_error(a, "--%s needs a value (%s)", o->name, o->arg));
		return stop(a, cli_usage_error(a, "-%c needs a value (%s)", optopt, o->arg));
	}
	if (li >= 0) {
		const char *el = long_element(a);
		size_t n = strlen(a->longopts[li].name);

		if (strncmp(el + 2, a->longopts[li].name, n) || (el[2 + n] && el[2 + n] != '='))
			return stop(a, cli_usage_error(a, "unknown option '%.*s' (try 'pfnlab %s --help')",
						       (int)strcspn(el, "="), el, a->cmd->name));
		snprintf(a->spelled, sizeof(a->spelled), "--%s", a->longopts[li].name);
	} else {
		snprintf(a->spelled, sizeof(a->spelled), "-%c", k);
	}
	if (k == 'h') {
		cli_print_help(a->cmd, stdout);
		return stop(a, EXIT_OK);
	}
	return a->key = k;
}
