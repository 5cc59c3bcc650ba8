/*
 * expect.c - expectations: what a scenario says should happen, counted as
 * passed or failed; a failure is one "file:line: ..." line and the run
 * goes on (exit 1 at the end).
 *
 *   expect KEY OP VALUE [policy=LIST]
 *       a counter (metric.c) compared with ==, !=, <, <=, >, >= to a
 *       number, a size, an errno name, yes/no or a policy name; only under
 *       the policies listed (none,rfc2015 / !none / migrating), if given
 *   ACTION ... want=ERRNO
 *       the modelled call returns ERRNO (ok for success): compared instead
 *       of deciding whether a failure is an outcome or a mistake
 *
 * Without want=, a failure the verb's row names an outcome (-ENOMEM, and
 * -EBUSY for cma_alloc) is a result; any other ends the run (exit 2).
 */
#include <string.h>

#include "scn.h"

/* Does policy @pol match the list @v ("none", "rfc2015,migrate-cma", "!none", "migrating")? */
static bool policy_in(const char *v, int pol)
{
	bool neg = *v == '!', hit = false;
	const char *p = v + neg;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *name = pfnlab_pin_policy_name((enum pfnlab_pin_policy)pol);

		if ((n == strlen(name) && !strncmp(p, name, n)) ||
		    (n == 9 && !strncmp(p, "migrating", 9) && pol != PFNLAB_PIN_NONE))
			hit = true;
		p += n + (comma ? 1 : 0);
	}
	return hit != neg;
}

/* The value side of `expect KEY OP VALUE`, parsed; false if it is none of the forms. */
static bool expect_value(const char *k, const char *v, long long *want)
{
	char m[256];
	uint64_t u;
	int ev = 0;

	if (!strcmp(k, "policy")) {
		*want = pfnlab_pin_policy_parse(v);
		return *want >= 0;
	}
	if (!val_errno(v, &ev, m, sizeof(m)))
		return *want = ev, true;
	if (!strcmp(v, "yes") || !strcmp(v, "true"))
		return *want = 1, true;
	if (!strcmp(v, "no") || !strcmp(v, "false"))
		return *want = 0, true;
	if (!val_size(v, &u, m, sizeof(m)))
		return *want = (long long)u, true;
	if (v[0] == '-' && !val_size(v + 1, &u, m, sizeof(m)))
		return *want = -(long long)u, true;
	return false;
}

static bool expect_value_ok(const char *k, const char *v)
{
	long long w;

	return expect_value(k, v, &w);
}

/* expect's words: KEY OP VALUE whatever their shape, then only policy=LIST. */
static int expect_word(const struct stmt *s, int i, const char *tok, char *err, size_t len)
{
	const char *eq = strchr(tok, '=');

	if (i <= 3 || !eq || !lex_is_key(tok))
		return 0;
	if (eq - tok != 6 || strncmp(tok, "policy", 6))
		return fail(err, len, "expect: unknown key '%.*s' (usage: %s)", (int)(eq - tok), tok, s->verb->usage);
	return val_check(T_POLICIES, NULL, eq + 1, err, len) ? -EINVAL : 1;
}

static int expect_check(struct scn_program *p, const struct stmt *s, char *err, size_t len)
{
	static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
	bool op = false;

	if (metric_check(s->pos[0], err, len))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		op |= !strcmp(s->pos[1], ops[i]);
	if (!op)
		return fail(err, len, "expect: '%s' is not ==, !=, <, <=, > or >=", s->pos[1]);
	if (!strchr(s->pos[2], '$') && !expect_value_ok(s->pos[0], s->pos[2]))
		return fail(err, len, "expect: '%s' is not a number, size, errno name, yes/no%s", s->pos[2],
			    strcmp(s->pos[0], "policy") ? "" : " or policy name");
	return 0;
}

static int run_expect(struct exec *e, int *res)
{
	bool bad = false;
	const char *k = arg_word(e, 0, &bad), *op = arg_word(e, 1, &bad), *v = arg_word(e, 2, &bad);
	const char *pl = arg_key(e, "policy", &bad);
	long long have, want;
	bool ok;
	char m[400], line[1024];

	if (bad)
		return -EINVAL;
	if (pl && !policy_in(pl, e->policy))
		return 0;
	if (metric_check(k, m, sizeof(m)))
		return RUN_ERR(e, "%s", m);
	if (metric_get(e, k, &have))
		return -EINVAL;
	if (!expect_value(k, v, &want))
		return RUN_ERR(e, "expect: '%s' is not a number, size, errno name, yes/no%s", v,
			       strcmp(k, "policy") ? "" : " or policy name");
	ok = !strcmp(op, "==") ? have == want : !strcmp(op, "!=") ? have != want : !strcmp(op, "<") ? have < want
	     : !strcmp(op, "<=") ? have <= want : !strcmp(op, ">") ? have > want : have >= want;
	if (ok) {
		e->r->expects_passed++;
		return 0;
	}
	e->r->expects_failed++;
	if (!strcmp(k, "last"))
		snprintf(line, sizeof(line), "%s:%d: expect %s %s %s: found %s (policy %s)\n", e->p->file, e->cur->line, k,
			 op, v, val_errno_name((int)have), pfnlab_pin_policy_name((enum pfnlab_pin_policy)e->policy));
	else
		snprintf(line, sizeof(line), "%s:%d: expect %s %s %s: found %lld (policy %s)\n", e->p->file, e->cur->line,
			 k, op, v, have, pfnlab_pin_policy_name((enum pfnlab_pin_policy)e->policy));
	text_add(&e->r->failures, &e->r->failures_len, &e->r->failures_cap, line, strlen(line));
	return 0;
}

/* want=ERRNO: compare, else decide whether a failure is an outcome or a mistake. */
int expect_want(struct exec *e, int res)
{
	const struct verb *v = e->cur->verb;
	bool bad = false;
	const char *w = arg_key(e, "want", &bad);
	int want = 0;
	char m[400], line[1024];

	e->last = res;
	if (bad)
		return -EINVAL;
	if (w) {
		if (val_errno(w, &want, m, sizeof(m)))
			return RUN_ERR(e, "want: %s", m);
		if (want == res) {
			e->r->expects_passed++;
			return 0;
		}
		e->r->expects_failed++;
		snprintf(line, sizeof(line), "%s:%d: %s: wanted %s, got %s (policy %s)\n", e->p->file, e->cur->line, v->name,
			 val_errno_name(want), val_errno_name(res), pfnlab_pin_policy_name((enum pfnlab_pin_policy)e->policy));
		text_add(&e->r->failures, &e->r->failures_len, &e->r->failures_cap, line, strlen(line));
		return 0;
	}
	/* -EINTR: the OOM killer killed the task the verb ran as, an outcome of running out of memory */
	if (!res || ((res == -ENOMEM || res == -EINTR) && (v->outcome & O_NOMEM)) ||
	    (res == -EBUSY && (v->outcome & O_BUSY)) || (res == -EFAULT && (v->outcome & O_FAULT)))
		return 0;
	if (!e->msg[0])
		snprintf(e->msg, sizeof(e->msg), "%s: %s", v->name, val_errno_name(res));
	return -EINVAL;
}

const struct verb expect_verbs[] = {
	{"expect", F_LOOK, 3, 3, "expect KEY ==|!=|<|<=|>|>= VALUE [policy=LIST]", 0,
	 (const struct keyspec[]){{"policy", T_POLICIES, 0}, {0}}, expect_word, expect_check, run_expect},
	{0},
};
