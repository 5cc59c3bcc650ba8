/*
 * sweep.c - sweep specifications, their runs, rows and statistics
 * (docs/sweep.md).  Pure: the engines in src/cli read and write the files.
 *
 * A specification is a scenario with `param` lines:
 *
 *   param cma    = 2..10 step 2          -> ${cma} = 2 4 6 8 10
 *   param policy = none, migrate-movable -> the run's pin policy
 *   param seed   = 1..100                -> the run's seed (innermost)
 *   machine preset=ppc64 ram=64G
 *   kvm cma_ratio=${cma}
 *   ...
 *
 * Spec lines are blanked in the template so the scenario keeps its line
 * numbers: a scenario error in a run reads "spec:line: message" like any
 * scenario's.  The runs are the cross product of the values, seeds
 * innermost; a run's id fixes its parameters (see sweep.h).
 *
 * A run becomes one row, one line of JSON: the run id, the point, the
 * parameters and status, then the keys of `pfnlab run --format json`.
 * Rows are aggregated per point in run order holding only one point's
 * values at a time: quantiles are exact (nearest rank), and memory does
 * not grow with the number of seeds beyond one point's.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"

/* Failure metrics when a spec names none (those a run JSON has). */
static const char *const default_failures[] = {
	"hpt.failed", "hpt.fallback", "pins.failed", "guests.failed", "guests.oom",
	"vfio.map_failed", "vfio.spapr_failed", "vfio.memlock_exceeded", "expects.failed",
};
#define NR_DEFAULT_FAILURES (sizeof(default_failures) / sizeof(default_failures[0]))
#define MAX_FAILURES 32
#define MAX_TERMS 8

struct param {
	char name[64];
	enum sweep_kind kind;
	char verb[16], key[48];  /* SWEEP_KEY */
	char where[300];         /* "file:line" of its definition */
	char **v;                /* values, as substituted */
	double *num;             /* numeric value for charts, NAN if none */
	size_t n;
	bool used;
};

struct term {
	char key[64];
	int op;                  /* 0 ==, 1 !=, 2 <, 3 <=, 4 >, 5 >= */
	double val;
};

struct sweep_spec {
	char file[256];
	char scn_name[256];
	char ref[256];           /* `scenario` line, "" if inline */
	int ref_line;
	char *tmpl;              /* the scenario, spec lines blanked */
	size_t tmpl_len;
	int first_scn_line;      /* first scenario line of the spec itself (with a ref: an error) */
	struct param p[SWEEP_MAX_PARAMS];
	size_t np;
	int seed_idx;            /* index in p[], -1 */
	int policy_idx;
	char failure[MAX_FAILURES][64];
	size_t nfailure;
	bool failure_set;
	char failure_where[300];
	struct term term[MAX_TERMS];
	size_t nterm;
	char target_text[256];
	char target_where[300];
	uint64_t points, seeds, runs, hash;
	bool finished;
};

/* ------------------------------------------------------------------ buffers */

void sweep_buf_add(struct sweep_buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

static void buf_write(void *arg, const char *s, size_t n)
{
	sweep_buf_add(arg, s, n);
}

void sweep_buf_sink(struct sweep_buf *b, struct pfnlab_sink *s)
{
	s->write = buf_write;
	s->arg = b;
}

/* Format into @s at any length; -ENOMEM when a long text could not be held. */
static int sink_vfmt(const struct pfnlab_sink *s, const char *fmt, va_list ap)
{
	char small[512], *big;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0 || (size_t)n < sizeof(small)) {
		if (n >= 0)
			s->write(s->arg, small, (size_t)n);
		va_end(again);
		return 0;
	}
	big = malloc((size_t)n + 1);
	if (big) {
		vsnprintf(big, (size_t)n + 1, fmt, again);
		s->write(s->arg, big, (size_t)n);
		free(big);
	}
	va_end(again);
	return big ? 0 : -ENOMEM;
}

void sweep_buf_printf(struct sweep_buf *b, const char *fmt, ...)
{
	struct pfnlab_sink s;
	va_list ap;

	sweep_buf_sink(b, &s);
	va_start(ap, fmt);
	if (sink_vfmt(&s, fmt, ap))
		b->failed = true;
	va_end(ap);
}

void sweep_buf_free(struct sweep_buf *b)
{
	free(b->p);
	*b = (struct sweep_buf){0};
}

static void buf_json_str(struct sweep_buf *b, const char *s, size_t n)
{
	sweep_buf_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};

			sweep_buf_add(b, e, 2);
		} else if (c == '\n') {
			sweep_buf_add(b, "\\n", 2);
		} else if (c < 0x20 || c == 0x7f) {
			sweep_buf_printf(b, "\\u%04x", c);
		} else {
			sweep_buf_add(b, (const char *)&s[i], 1);
		}
	}
	sweep_buf_add(b, "\"", 1);
}

static void sink_str(const struct pfnlab_sink *s, const char *t)
{
	s->write(s->arg, t, strlen(t));
}

static void sink_fmt(const struct pfnlab_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sink_fmt(const struct pfnlab_sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sink_vfmt(s, fmt, ap);
	va_end(ap);
}

static void sink_json_str(const struct pfnlab_sink *s, const char *t)
{
	struct sweep_buf b = {0};

	buf_json_str(&b, t, strlen(t));
	if (b.p)
		s->write(s->arg, b.p, b.n);
	sweep_buf_free(&b);
}

void sweep_format_num(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "null");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.6g", v);
}

/* ------------------------------------------------------------------ errors */

static int fail(char *err, size_t errlen, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, const char *where, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", where, msg);
	return -EINVAL;
}

/* @err reads "out of host memory" unless a later failure writes its own reason. */
static void err_preset_oom(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of host memory");
}

/* ------------------------------------------------------------------ values */

enum qkind { Q_NUM, Q_PCT, Q_SIZE, Q_TIME };

/* A number with a unit: v in 10^-dec units (numbers, percentages), bytes or milliseconds. */
struct qty {
	enum qkind kind;
	long long v;
	int dec;
};

static const char *const qkind_name[] = {"a number", "a percentage", "a size", "a time"};

static long long pow10ll(int d)
{
	long long p = 1;

	while (d-- > 0)
		p *= 10;
	return p;
}

/* Parse "12", "2.5%", "64G", "7.5G", "90s", "6h"; 0 or -EINVAL. */
static int parse_qty(const char *s, struct qty *q)
{
	static const struct { const char *suf; enum qkind k; long long mul; } units[] = {
		{"%", Q_PCT, 1}, {"K", Q_SIZE, 1ll << 10}, {"M", Q_SIZE, 1ll << 20}, {"G", Q_SIZE, 1ll << 30},
		{"T", Q_SIZE, 1ll << 40}, {"P", Q_SIZE, 1ll << 50}, {"ms", Q_TIME, 1}, {"s", Q_TIME, 1000},
		{"min", Q_TIME, 60000}, {"m", Q_TIME, 60000}, {"h", Q_TIME, 3600000}, {"d", Q_TIME, 86400000},
		{"w", Q_TIME, 604800000},
	};
	long long m = 0;
	int dec = 0, digits = 0;
	bool neg = false, dot = false;
	const char *p = s;

	if (*p == '-') {
		neg = true;
		p++;
	}
	for (; isdigit((unsigned char)*p) || (*p == '.' && !dot); p++) {
		if (*p == '.') {
			dot = true;
			continue;
		}
		if (m > 100000000000000ll)
			return -EINVAL;
		m = m * 10 + (*p - '0');
		digits++;
		dec += dot;
	}
	if (!digits || (dot && p[-1] == '.'))
		return -EINVAL;
	if (neg)
		m = -m;
	if (!*p) {
		*q = (struct qty){Q_NUM, m, dec};
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		long long whole, p10 = pow10ll(dec);

		if (strcmp(p, units[i].suf))
			continue;
		if (units[i].k == Q_PCT) {
			*q = (struct qty){Q_PCT, m, dec};
			return 0;
		}
		if (neg)
			return -EINVAL;
		/* sizes and times in whole bytes and milliseconds */
		if (m > (long long)(9.2e18 / (double)units[i].mul))
			return -EINVAL;
		whole = m * units[i].mul;
		if (whole % p10)
			return -EINVAL;
		*q = (struct qty){units[i].k, whole / p10, 0};
		return 0;
	}
	return -EINVAL;
}

struct unit {
	const char *suf;
	long long mul;
};

static void format_qty(const struct qty *q, char *buf, size_t len)
{
	static const struct unit sizes[] = {
		{"P", 1ll << 50}, {"T", 1ll << 40}, {"G", 1ll << 30}, {"M", 1ll << 20}, {"K", 1ll << 10},
	}, times[] = {
		{"w", 604800000}, {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000},
	};

	if (q->kind == Q_SIZE || q->kind == Q_TIME) {
		const struct unit *u = q->kind == Q_SIZE ? sizes : times;

		for (size_t i = 0; i < 5 && q->v; i++)
			if (q->v % u[i].mul == 0) {
				snprintf(buf, len, "%lld%s", q->v / u[i].mul, u[i].suf);
				return;
			}
		snprintf(buf, len, "%lld%s", q->v, q->kind == Q_TIME && q->v ? "ms" : "");
		return;
	}
	{
		long long p10 = pow10ll(q->dec), a = q->v < 0 ? -q->v : q->v;
		char frac[32] = "";
		int d = q->dec;

		if (d) {
			long long f = a % p10;

			while (d && f % 10 == 0) {
				f /= 10;
				d--;
			}
			if (d)
				snprintf(frac, sizeof(frac), ".%0*lld", d, f);
		}
		snprintf(buf, len, "%s%lld%s%s", q->v < 0 ? "-" : "", a / p10, frac, q->kind == Q_PCT ? "%" : "");
	}
}

static double qty_num(const struct qty *q)
{
	switch (q->kind) {
	case Q_SIZE: return (double)q->v;
	case Q_TIME: return (double)q->v / 1000.0;
	default: return (double)q->v / (double)pow10ll(q->dec);
	}
}

static void rescale(struct qty *q, int dec)
{
	if (q->kind == Q_NUM || q->kind == Q_PCT) {
		q->v *= pow10ll(dec - q->dec);
		q->dec = dec;
	}
}

static int add_value(struct param *p, const char *v, double num, size_t *cap)
{
	if (p->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		char **nv = realloc(p->v, nc * sizeof(*nv));
		double *nn;

		if (!nv)
			return -ENOMEM;
		p->v = nv;
		nn = realloc(p->num, nc * sizeof(*nn));
		if (!nn)
			return -ENOMEM;
		p->num = nn;
		*cap = nc;
	}
	p->v[p->n] = strdup(v);
	if (!p->v[p->n])
		return -ENOMEM;
	p->num[p->n++] = num;
	return 0;
}

static void param_clear(struct param *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	free(p->num);
	p->v = NULL;
	p->num = NULL;
	p->n = 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* One list item: a word, or `A..B [step S | xF]`. */
static int expand_item(struct param *p, char *item, size_t *cap, const char *where, char *err, size_t errlen)
{
	char *dots = strstr(item, ".."), *words[4], *save = NULL, *t;
	struct qty a, b, st = {Q_NUM, 1, 0};
	long long factor = 0;
	int nw = 0, rc;
	size_t count;
	char buf[64];

	if (!dots) {
		struct qty q;

		if (strpbrk(item, " \t"))
			return fail(err, errlen, where, "param %s: '%s': one value per list item (separate values with commas)",
				    p->name, item);
		return add_value(p, item, parse_qty(item, &q) ? NAN : qty_num(&q), cap);
	}
	for (t = strtok_r(item, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (nw == 4)
			return fail(err, errlen, where, "param %s: '%s ...': a range is A..B [step S | xF]", p->name, words[0]);
		words[nw++] = t;
	}
	/* the dots belong to the first word, not so in "1 ..4" (item is that first word now) */
	dots = nw ? strstr(words[0], "..") : NULL;
	if (!dots)
		return fail(err, errlen, where, "param %s: '%s ...': a range is A..B [step S | xF], no blank around the dots",
			    p->name, item);
	*dots = 0;
	if (parse_qty(words[0], &a) || parse_qty(dots + 2, &b))
		return fail(err, errlen, where,
			    "param %s: '%s..%s' is not a range of numbers, percentages, sizes or times", p->name, words[0],
			    dots + 2);
	if (a.kind != b.kind)
		return fail(err, errlen, where, "param %s: %s..%s: the bounds are not both %s", p->name, words[0], dots + 2,
			    qkind_name[a.kind]);
	if (nw == 2 && words[1][0] == 'x') {
		char *end;

		errno = 0;
		factor = strtoll(words[1] + 1, &end, 10);
		if (errno || *end || end == words[1] + 1)
			return fail(err, errlen, where, "param %s: '%s' is not a factor (x2, x10)", p->name, words[1]);
		if (factor < 2)
			return fail(err, errlen, where, "param %s: factor %s: it must be 2 or more", p->name, words[1]);
		if (a.v <= 0)
			return fail(err, errlen, where, "param %s: a range with a factor must start above zero", p->name);
	} else if (nw == 3 && !strcmp(words[1], "step")) {
		if (parse_qty(words[2], &st))
			return fail(err, errlen, where, "param %s: step '%s' is not %s", p->name, words[2], qkind_name[a.kind]);
		if (st.kind != a.kind && !(st.kind == Q_NUM && st.dec == 0 && (a.kind == Q_SIZE || a.kind == Q_TIME)))
			return fail(err, errlen, where, "param %s: step %s is not %s like the bounds", p->name, words[2],
				    qkind_name[a.kind]);
		st.kind = a.kind;
	} else if (nw != 1) {
		return fail(err, errlen, where, "param %s: after %s..%s: 'step S' or 'xF'", p->name, words[0], dots + 2);
	}
	if (!factor) {
		int dec = a.dec > b.dec ? a.dec : b.dec;

		dec = dec > st.dec ? dec : st.dec;
		rescale(&a, dec);
		rescale(&b, dec);
		rescale(&st, dec);
		if (st.v == 0)
			return fail(err, errlen, where, "param %s: a step of zero", p->name);
		if (st.v < 0)
			return fail(err, errlen, where, "param %s: a negative step", p->name);
	}
	if (b.v < a.v)
		return fail(err, errlen, where, "param %s: empty range %s..%s (the end is below the start)", p->name,
			    words[0], dots + 2);
	if (factor) {
		count = 0;
		for (long long v = a.v; v <= b.v; v = v > b.v / factor ? b.v + 1 : v * factor)
			count++;
	} else {
		count = (size_t)((b.v - a.v) / st.v) + 1;
	}
	if (count + p->n > SWEEP_MAX_VALUES)
		return fail(err, errlen, where, "param %s: more than %u values", p->name, SWEEP_MAX_VALUES);
	for (long long v = a.v, i = 0; (size_t)i < count; i++) {
		struct qty q = a;

		q.v = v;
		format_qty(&q, buf, sizeof(buf));
		rc = add_value(p, buf, qty_num(&q), cap);
		if (rc)
			return rc;
		v = factor ? (v > b.v / factor ? b.v + 1 : v * factor) : v + st.v;
	}
	return 0;
}

static bool valid_name(const char *n, bool dotted)
{
	if (!*n || !(isalpha((unsigned char)*n) || *n == '_'))
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && *n != '_' && !(dotted && *n == '.'))
			return false;
	return true;
}

int sweep_spec_set_param(struct sweep_spec *s, const char *name, const char *values, const char *where, char *err,
			 size_t errlen)
{
	struct param *p = NULL, tmp = {0};
	char *copy, *item, *save = NULL;
	size_t cap = 0;
	int rc = 0;
	const char *dot = strchr(name, '.');

	err_preset_oom(err, errlen);
	if (strlen(name) >= sizeof(tmp.name) || !valid_name(name, true) || (dot && (strchr(dot + 1, '.') || !dot[1])))
		return fail(err, errlen, where, "param: '%s' is not a name (letters, digits and _; or VERB.KEY)", name);
	for (size_t i = 0; i < s->np; i++)
		if (!strcmp(s->p[i].name, name))
			p = &s->p[i];
	if (!p && s->np == SWEEP_MAX_PARAMS)
		return fail(err, errlen, where, "param %s: at most %d parameters", name, SWEEP_MAX_PARAMS);
	snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	snprintf(tmp.where, sizeof(tmp.where), "%s", where);
	if (dot) {
		tmp.kind = SWEEP_KEY;
		snprintf(tmp.verb, sizeof(tmp.verb), "%.*s", (int)(dot - name), name);
		snprintf(tmp.key, sizeof(tmp.key), "%s", dot + 1);
		if (strcmp(tmp.verb, "machine") && strcmp(tmp.verb, "kvm") && strcmp(tmp.verb, "cma"))
			return fail(err, errlen, where, "param %s: '%s' is not a setup line whose keys a sweep can set (machine, kvm, cma)",
				    name, tmp.verb);
	} else {
		tmp.kind = !strcmp(name, "seed") ? SWEEP_SEED : !strcmp(name, "policy") ? SWEEP_POLICY : SWEEP_SUBST;
	}
	copy = strdup(values);
	if (!copy)
		return -ENOMEM;
	if (!*trim(copy)) {
		free(copy);
		return fail(err, errlen, where, "param %s: no values", name);
	}
	for (item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
		item = trim(item);
		if (!*item)
			rc = fail(err, errlen, where, "param %s: an empty value in the list", name);
		else
			rc = expand_item(&tmp, item, &cap, where, err, errlen);
	}
	if (!rc && copy[strlen(copy) - 1] == ',')
		rc = fail(err, errlen, where, "param %s: an empty value in the list", name);
	free(copy);
	for (size_t i = 0; !rc && i < tmp.n; i++) {
		if (tmp.kind == SWEEP_SEED) {
			const char *c = tmp.v[i];

			while (isdigit((unsigned char)*c))
				c++;
			if (*c || c == tmp.v[i] || c - tmp.v[i] > 19)
				rc = fail(err, errlen, where, "param seed: '%s' is not a seed (a number)", tmp.v[i]);
		} else if (tmp.kind == SWEEP_POLICY && pfnlab_pin_policy_parse(tmp.v[i]) < 0) {
			rc = fail(err, errlen, where,
				  "param policy: unknown policy '%s' (none, rfc2015, migrate-cma, migrate-movable, pin-aware)",
				  tmp.v[i]);
		}
	}
	/* duplicates make identical runs: refuse them (values are few, or sorted seeds) */
	for (size_t i = 0; !rc && i < tmp.n && tmp.n <= 4096; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(tmp.v[i], tmp.v[j])) {
				rc = fail(err, errlen, where, "param %s: value '%s' given twice", name, tmp.v[i]);
				break;
			}
	if (rc) {
		param_clear(&tmp);
		return rc;
	}
	if (p) {
		param_clear(p);
		*p = tmp;
	} else {
		s->p[s->np++] = tmp;
	}
	s->finished = false;
	return 0;
}

/* ------------------------------------------------------------------ target */

int sweep_set_target(struct sweep_spec *s, const char *expr, const char *where, char *err, size_t errlen)
{
	static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
	char buf[256], *save = NULL, *w[64];
	size_t nw = 0;

	if (strlen(expr) >= sizeof(buf))
		return fail(err, errlen, where, "target: too long");
	snprintf(buf, sizeof(buf), "%s", expr);
	for (char *t = strtok_r(buf, " \t", &save); t && nw < 64; t = strtok_r(NULL, " \t", &save))
		w[nw++] = t;
	s->nterm = 0;
	for (size_t i = 0; i < nw; i += 4) {
		struct term *t = &s->term[s->nterm];
		char *end;
		int op = -1;

		if (i + 3 > nw)
			return fail(err, errlen, where, "target: '%s': conditions are KEY OP NUMBER, joined by &&", expr);
		if (s->nterm == MAX_TERMS)
			return fail(err, errlen, where, "target: at most %d conditions", MAX_TERMS);
		if (strlen(w[i]) >= sizeof(t->key) || !valid_name(w[i], true))
			return fail(err, errlen, where, "target: '%s' is not a metric", w[i]);
		for (int k = 0; k < 6; k++)
			if (!strcmp(w[i + 1], ops[k]))
				op = k;
		if (op < 0)
			return fail(err, errlen, where, "target: '%s' is not one of == != < <= > >=", w[i + 1]);
		t->val = strtod(w[i + 2], &end);
		if (*end || end == w[i + 2] || !isfinite(t->val))
			return fail(err, errlen, where, "target: '%s' is not a number", w[i + 2]);
		snprintf(t->key, sizeof(t->key), "%s", w[i]);
		t->op = op;
		s->nterm++;
		if (i + 3 < nw && strcmp(w[i + 3], "&&") && strcmp(w[i + 3], "and"))
			return fail(err, errlen, where, "target: '%s': join conditions with &&", w[i + 3]);
		if (i + 3 < nw && i + 4 >= nw)
			return fail(err, errlen, where, "target: a condition is missing after '%s'", w[i + 3]);
	}
	if (!s->nterm)
		return fail(err, errlen, where, "target: empty");
	snprintf(s->target_text, sizeof(s->target_text), "%s", trim(strcpy(buf, expr)));
	snprintf(s->target_where, sizeof(s->target_where), "%s", where);
	s->finished = false;
	return 0;
}

const char *sweep_target(const struct sweep_spec *s)
{
	return s->nterm ? s->target_text : NULL;
}

static bool term_holds(const struct term *t, double v)
{
	switch (t->op) {
	case 0: return v == t->val;
	case 1: return v != t->val;
	case 2: return v < t->val;
	case 3: return v <= t->val;
	case 4: return v > t->val;
	default: return v >= t->val;
	}
}

/* ------------------------------------------------------------------ spec */

/* The first word of a line (after blanks), its length; 0 for blank or comment lines. */
static size_t first_word(const char *line, size_t len, const char **w)
{
	size_t i = 0, n;

	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	*w = line + i;
	if (i == len || line[i] == '#')
		return 0;
	for (n = 0; i + n < len && !isspace((unsigned char)line[i + n]); n++)
		;
	return n;
}

static bool word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && !strncmp(w, s, n);
}

/* A line without its comment (a word starting with #), as a string. */
static void line_copy(const char *line, size_t len, char *buf, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < size; i++) {
		if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
			break;
		buf[n++] = line[i] == '\r' ? ' ' : line[i];
	}
	buf[n] = 0;
}

int sweep_spec_parse(const char *file, const char *text, size_t len, struct sweep_spec **out, char *err,
		     size_t errlen)
{
	struct sweep_spec *s = calloc(1, sizeof(*s));
	int lineno = 0, rc = 0;
	size_t off = 0;

	err_preset_oom(err, errlen);
	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->seed_idx = s->policy_idx = -1;
	snprintf(s->file, sizeof(s->file), "%s", file);
	snprintf(s->scn_name, sizeof(s->scn_name), "%s", file);
	s->tmpl = malloc(len + 1);
	if (!s->tmpl) {
		free(s);
		return -ENOMEM;
	}
	s->tmpl_len = 0;
	while (off < len && !rc) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off), *w;
		size_t ll = nl ? (size_t)(nl - line) : len - off, wl = first_word(line, ll, &w);
		char where[300], buf[4096];
		bool spec_line = true;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", file, lineno);
		line_copy(line, ll, buf, sizeof(buf));
		if (ll >= sizeof(buf)) {
			rc = fail(err, errlen, where, "line longer than %zu bytes", sizeof(buf) - 1);
		} else if (word_is(w, wl, "param")) {
			char *rest = trim(buf) + 5, *eq = strchr(rest, '=');

			if (!eq) {
				rc = fail(err, errlen, where, "param: usage: param NAME = VALUES");
			} else {
				*eq = 0;
				rest = trim(rest);
				if (!*rest)
					rc = fail(err, errlen, where, "param: usage: param NAME = VALUES");
				else if (sweep_param_find(s, rest) >= 0)
					rc = fail(err, errlen, where, "param %s: defined twice (first at %s)", rest,
						  s->p[sweep_param_find(s, rest)].where);
				else
					rc = sweep_spec_set_param(s, rest, eq + 1, where, err, errlen);
			}
		} else if (word_is(w, wl, "scenario")) {
			char *rest = trim(trim(buf) + 8);

			if (s->ref[0])
				rc = fail(err, errlen, where, "scenario: given twice (first at line %d)", s->ref_line);
			else if (!*rest || strpbrk(rest, " \t") || strlen(rest) >= sizeof(s->ref))
				rc = fail(err, errlen, where, "scenario: usage: scenario FILE|NAME (one word)");
			else {
				snprintf(s->ref, sizeof(s->ref), "%s", rest);
				s->ref_line = lineno;
			}
		} else if (word_is(w, wl, "failure")) {
			char *save = NULL;

			if (!s->failure_set)
				snprintf(s->failure_where, sizeof(s->failure_where), "%s", where);
			s->failure_set = true;
			for (char *t = strtok_r(trim(buf) + 7, " \t,", &save); t && !rc; t = strtok_r(NULL, " \t,", &save)) {
				if (s->nfailure == MAX_FAILURES)
					rc = fail(err, errlen, where, "failure: at most %d metrics", MAX_FAILURES);
				else if (strlen(t) >= 64 || !valid_name(t, true))
					rc = fail(err, errlen, where, "failure: '%s' is not a metric", t);
				else
					snprintf(s->failure[s->nfailure++], 64, "%s", t);
			}
			if (!rc && !s->nfailure)
				rc = fail(err, errlen, where, "failure: usage: failure METRIC...");
		} else if (word_is(w, wl, "target")) {
			rc = sweep_set_target(s, trim(buf) + 6, where, err, errlen);
		} else {
			spec_line = false;
			if (wl && !s->first_scn_line)
				s->first_scn_line = lineno;
		}
		if (!spec_line) /* spec lines leave an empty line: line numbers stay */
			memcpy(s->tmpl + s->tmpl_len, line, ll);
		s->tmpl_len += spec_line ? 0 : ll;
		if (nl)
			s->tmpl[s->tmpl_len++] = '\n';
		off += ll + (nl != NULL);
	}
	s->tmpl[s->tmpl_len] = 0;
	if (!rc && s->ref[0] && s->first_scn_line) {
		char where[300];

		snprintf(where, sizeof(where), "%s:%d", file, s->first_scn_line);
		rc = fail(err, errlen, where, "the scenario comes from '%s' (line %d); a spec with a scenario line holds only param, failure and target lines",
			  s->ref, s->ref_line);
	}
	if (!rc && !s->ref[0] && !s->first_scn_line)
		rc = fail(err, errlen, s->file, "no scenario: neither scenario lines nor a 'scenario FILE|NAME' line");
	if (rc) {
		sweep_spec_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

const char *sweep_spec_scenario_ref(const struct sweep_spec *s, int *line)
{
	if (line)
		*line = s->ref_line;
	return s->ref[0] ? s->ref : NULL;
}

int sweep_spec_set_scenario(struct sweep_spec *s, const char *name, const char *text, size_t len, char *err,
			    size_t errlen)
{
	size_t off = 0;
	int lineno = 0;
	char *t;

	err_preset_oom(err, errlen);
	while (off < len) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off), *w;
		size_t ll = nl ? (size_t)(nl - line) : len - off, wl = first_word(line, ll, &w);

		lineno++;
		if (word_is(w, wl, "param") || word_is(w, wl, "scenario") || word_is(w, wl, "failure") ||
		    word_is(w, wl, "target")) {
			char where[300];

			snprintf(where, sizeof(where), "%s:%d", name, lineno);
			return fail(err, errlen, where, "%.*s: a sweep line in the scenario of %s (put it in the spec)", (int)wl,
				    w, s->file);
		}
		off += ll + (nl != NULL);
	}
	t = malloc(len + 1);
	if (!t)
		return -ENOMEM;
	memcpy(t, text, len);
	t[len] = 0;
	free(s->tmpl);
	s->tmpl = t;
	s->tmpl_len = len;
	snprintf(s->scn_name, sizeof(s->scn_name), "%s", name);
	s->finished = false;
	return 0;
}

void sweep_spec_free(struct sweep_spec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->np; i++)
		param_clear(&s->p[i]);
	free(s->tmpl);
	free(s);
}

int sweep_param_find(const struct sweep_spec *s, const char *name)
{
	for (size_t i = 0; i < s->np; i++)
		if (!strcmp(s->p[i].name, name))
			return (int)i;
	return -1;
}

static bool is_metric(const char *k, const char *const *metrics, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(metrics[i], k))
			return true;
	return false;
}

static void fnv(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= c[i];
		*h *= 1099511628211ull;
	}
}

/* Visit every ${NAME} of the template outside comments: cb(name, len, line, arg) returns nonzero to stop. */
static int scan_refs(const struct sweep_spec *s, int (*cb)(const struct sweep_spec *, const char *, size_t, int,
							    const char (*)[64], size_t, void *),
		     void *arg)
{
	char vars[32][64];
	size_t nvars = 0, off = 0;
	int lineno = 0, rc;

	while (off < s->tmpl_len) {
		const char *line = s->tmpl + off, *nl = memchr(line, '\n', s->tmpl_len - off), *w;
		size_t ll = nl ? (size_t)(nl - line) : s->tmpl_len - off, wl = first_word(line, ll, &w);
		char buf[4096];

		lineno++;
		off += ll + (nl != NULL);
		line_copy(line, ll, buf, sizeof(buf));
		if (word_is(w, wl, "repeat")) {
			char var[64] = "";

			/* repeat N VAR */
			sscanf(buf, "%*s %*s %63s", var);
			if (nvars < 32)
				snprintf(vars[nvars++], 64, "%s", var);
		} else if (word_is(w, wl, "end")) {
			if (nvars)
				nvars--;
		}
		for (char *p = strstr(buf, "${"); p; p = strstr(p + 2, "${")) {
			char *c = strchr(p + 2, '}');

			if (!c)
				break;
			rc = cb(s, p + 2, (size_t)(c - p - 2), lineno, (const char (*)[64])vars, nvars, arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

struct ref_ctx {
	char *err;
	size_t errlen;
};

static int check_ref(const struct sweep_spec *s, const char *name, size_t n, int line, const char (*vars)[64],
		     size_t nvars, void *arg)
{
	struct ref_ctx *c = arg;
	char where[300];

	for (size_t i = 0; i < s->np; i++)
		if (s->p[i].kind != SWEEP_KEY && strlen(s->p[i].name) == n && !strncmp(s->p[i].name, name, n)) {
			((struct sweep_spec *)s)->p[i].used = true;
			return 0;
		}
	for (size_t i = 0; i < nvars; i++)
		if (strlen(vars[i]) == n && !strncmp(vars[i], name, n))
			return 0;
	snprintf(where, sizeof(where), "%s:%d", s->scn_name, line);
	return fail(c->err, c->errlen, where, "${%.*s} is not defined (no 'param %.*s = ...' line and no repeat variable)",
		    (int)n, name, (int)n, name);
}

/* The line number of the first setup line VERB in the template, 0 if none. */
static int find_verb(const struct sweep_spec *s, const char *verb)
{
	size_t off = 0;
	int lineno = 0;

	while (off < s->tmpl_len) {
		const char *line = s->tmpl + off, *nl = memchr(line, '\n', s->tmpl_len - off), *w;
		size_t ll = nl ? (size_t)(nl - line) : s->tmpl_len - off, wl = first_word(line, ll, &w);

		lineno++;
		if (word_is(w, wl, verb))
			return lineno;
		off += ll + (nl != NULL);
	}
	return 0;
}

int sweep_spec_finish(struct sweep_spec *s, const char *const *metrics, size_t nmetrics, char *err, size_t errlen)
{
	struct ref_ctx c = {err, errlen};
	uint64_t h = 14695981039346656037ull;
	int rc;

	err_preset_oom(err, errlen);
	s->seed_idx = s->policy_idx = -1;
	for (size_t i = 0; i < s->np; i++) {
		s->p[i].used = s->p[i].kind == SWEEP_SEED || s->p[i].kind == SWEEP_POLICY;
		if (s->p[i].kind == SWEEP_SEED)
			s->seed_idx = (int)i;
		if (s->p[i].kind == SWEEP_POLICY)
			s->policy_idx = (int)i;
	}
	rc = scan_refs(s, check_ref, &c);
	if (rc)
		return rc;
	for (size_t i = 0; i < s->np; i++) {
		struct param *p = &s->p[i];

		if (p->kind == SWEEP_KEY) {
			if (!find_verb(s, p->verb))
				return fail(err, errlen, p->where, "param %s: the scenario (%s) has no '%s' line", p->name,
					    s->scn_name, p->verb);
			p->used = true;
		}
		if (!p->used)
			return fail(err, errlen, p->where, "param %s: never used (no ${%s} in the scenario %s)", p->name,
				    p->name, s->scn_name);
	}
	if (s->failure_set) {
		for (size_t i = 0; i < s->nfailure; i++)
			if (!is_metric(s->failure[i], metrics, nmetrics))
				return fail(err, errlen, s->failure_where, "failure: unknown metric '%s' (a numeric key of the run JSON, e.g. hpt.failed)",
					    s->failure[i]);
	} else {
		s->nfailure = 0;
		for (size_t i = 0; i < NR_DEFAULT_FAILURES; i++)
			if (is_metric(default_failures[i], metrics, nmetrics))
				snprintf(s->failure[s->nfailure++], 64, "%s", default_failures[i]);
	}
	for (size_t i = 0; i < s->nterm; i++)
		if (!is_metric(s->term[i].key, metrics, nmetrics))
			return fail(err, errlen, s->target_where, "target: unknown metric '%s' (a numeric key of the run JSON, e.g. hpt.failed)",
				    s->term[i].key);
	s->points = 1;
	s->seeds = 1;
	for (size_t i = 0; i < s->np; i++) {
		uint64_t n = s->p[i].n;

		if (s->p[i].kind == SWEEP_SEED)
			s->seeds = n;
		else if (s->points > SWEEP_MAX_RUNS / n)
			return fail(err, errlen, s->p[i].where, "the sweep would have more than %llu runs",
				    (unsigned long long)SWEEP_MAX_RUNS);
		else
			s->points *= n;
	}
	if (s->points > SWEEP_MAX_RUNS / s->seeds)
		return fail(err, errlen, s->file, "the sweep would have more than %llu runs",
			    (unsigned long long)SWEEP_MAX_RUNS);
	s->runs = s->points * s->seeds;
	fnv(&h, s->tmpl, s->tmpl_len);
	for (size_t i = 0; i < s->np; i++) {
		fnv(&h, s->p[i].name, strlen(s->p[i].name) + 1);
		for (size_t k = 0; k < s->p[i].n; k++)
			fnv(&h, s->p[i].v[k], strlen(s->p[i].v[k]) + 1);
	}
	s->hash = h;
	s->finished = true;
	return 0;
}

struct uses_ctx {
	const char *name;
	bool found;
};

static int uses_ref(const struct sweep_spec *s, const char *name, size_t n, int line, const char (*vars)[64],
		    size_t nvars, void *arg)
{
	struct uses_ctx *c = arg;

	if (strlen(c->name) == n && !strncmp(c->name, name, n))
		c->found = true;
	return 0;
}

bool sweep_spec_uses(const struct sweep_spec *s, const char *name)
{
	struct uses_ctx c = {name, false};

	scan_refs(s, uses_ref, &c);
	return c.found;
}

bool sweep_spec_has_line(const struct sweep_spec *s, const char *verb)
{
	return find_verb(s, verb) > 0;
}

uint64_t sweep_runs(const struct sweep_spec *s) { return s->runs; }
uint64_t sweep_points(const struct sweep_spec *s) { return s->points; }
uint64_t sweep_seeds(const struct sweep_spec *s) { return s->seeds; }
uint64_t sweep_hash(const struct sweep_spec *s) { return s->hash; }
const char *sweep_file(const struct sweep_spec *s) { return s->file; }
const char *sweep_scenario_name(const struct sweep_spec *s) { return s->scn_name; }
size_t sweep_nparams(const struct sweep_spec *s) { return s->np; }
const char *sweep_param_name(const struct sweep_spec *s, size_t i) { return s->p[i].name; }
enum sweep_kind sweep_param_kind(const struct sweep_spec *s, size_t i) { return s->p[i].kind; }
size_t sweep_param_nvalues(const struct sweep_spec *s, size_t i) { return s->p[i].n; }
const char *sweep_param_value(const struct sweep_spec *s, size_t i, size_t v) { return s->p[i].v[v]; }
double sweep_param_num(const struct sweep_spec *s, size_t i, size_t v) { return s->p[i].num[v]; }
size_t sweep_nfailures(const struct sweep_spec *s) { return s->nfailure; }
const char *sweep_failure(const struct sweep_spec *s, size_t i) { return s->failure[i]; }

/* Every parameter has at least one value: sweep_spec_set_param() refuses an empty list. */
size_t sweep_point_value(const struct sweep_spec *s, uint64_t point, size_t i)
{
	size_t v = 0;

	if (s->p[i].kind == SWEEP_SEED)
		return 0;
	for (size_t k = s->np; k-- > 0;) {
		if (s->p[k].kind == SWEEP_SEED)
			continue;
		v = (size_t)(point % s->p[k].n); /* NOLINT(clang-analyzer-core.DivideZero): n >= 1, see above */
		if (k == i)
			return v;
		point /= s->p[k].n;
	}
	return v;
}

/* ------------------------------------------------------------------ runs */

/* Rewrite `VERB ... KEY=old ...` with KEY=@val (appended when absent), comment kept. */
static void set_key(struct sweep_buf *b, const char *line, size_t ll, const char *key, const char *val)
{
	size_t klen = strlen(key), i = 0, cend = ll;
	bool done = false;

	for (size_t k = 0; k < ll; k++)
		if (line[k] == '#' && (k == 0 || line[k - 1] == ' ' || line[k - 1] == '\t')) {
			cend = k;
			break;
		}
	while (i < cend) {
		size_t j = i;

		while (j < cend && line[j] != ' ' && line[j] != '\t')
			j++;
		if (j > i && !done && j - i > klen && !strncmp(line + i, key, klen) && line[i + klen] == '=') {
			sweep_buf_printf(b, "%s=%s", key, val);
			done = true;
		} else {
			sweep_buf_add(b, line + i, j - i);
		}
		i = j;
		while (i < cend && (line[i] == ' ' || line[i] == '\t'))
			sweep_buf_add(b, line + i++, 1);
	}
	if (!done) {
		while (b->n && (b->p[b->n - 1] == ' ' || b->p[b->n - 1] == '\t'))
			b->n--;
		sweep_buf_printf(b, " %s=%s%s", key, val, cend < ll ? " " : "");
	}
	sweep_buf_add(b, line + cend, ll - cend);
}

int sweep_run_text(const struct sweep_spec *s, uint64_t run, char **out, size_t *len, int *policy, uint64_t *seed,
		   bool *seed_set)
{
	uint64_t point = run / s->seeds;
	size_t vi[SWEEP_MAX_PARAMS] = {0};
	bool key_done[SWEEP_MAX_PARAMS] = {false};
	struct sweep_buf b = {0};
	size_t off = 0;

	for (size_t i = 0; i < s->np; i++)
		vi[i] = s->p[i].kind == SWEEP_SEED ? (size_t)(run % s->seeds) : sweep_point_value(s, point, i);
	*policy = s->policy_idx >= 0 ? pfnlab_pin_policy_parse(s->p[s->policy_idx].v[vi[s->policy_idx]]) : -1;
	*seed_set = s->seed_idx >= 0;
	*seed = *seed_set ? strtoull(s->p[s->seed_idx].v[vi[s->seed_idx]], NULL, 10) : 0;
	while (off < s->tmpl_len) {
		const char *line = s->tmpl + off, *nl = memchr(line, '\n', s->tmpl_len - off), *w;
		size_t ll = nl ? (size_t)(nl - line) : s->tmpl_len - off, wl = first_word(line, ll, &w);
		struct sweep_buf l = {0};
		bool keyed = false;

		for (size_t i = 0; i < s->np; i++)
			if (s->p[i].kind == SWEEP_KEY && !key_done[i] && word_is(w, wl, s->p[i].verb)) {
				struct sweep_buf nb = {0};

				set_key(&nb, keyed ? l.p : line, keyed ? l.n : ll, s->p[i].key, s->p[i].v[vi[i]]);
				sweep_buf_free(&l);
				l = nb;
				keyed = true;
				key_done[i] = true;
			}
		if (!keyed)
			sweep_buf_add(&l, line, ll);
		/* ${NAME} of parameters; other ${...} are the scenario's repeat variables */
		for (size_t k = 0; k < l.n; k++) {
			size_t i;

			if (l.p[k] != '$' || k + 1 >= l.n || l.p[k + 1] != '{') {
				sweep_buf_add(&b, l.p + k, 1);
				continue;
			}
			for (i = 0; i < s->np; i++) {
				size_t n = strlen(s->p[i].name);

				if (s->p[i].kind != SWEEP_KEY && k + 3 + n <= l.n && !strncmp(l.p + k + 2, s->p[i].name, n) &&
				    l.p[k + 2 + n] == '}')
					break;
			}
			if (i == s->np) {
				sweep_buf_add(&b, l.p + k, 1);
				continue;
			}
			sweep_buf_add(&b, s->p[i].v[vi[i]], strlen(s->p[i].v[vi[i]]));
			k += 2 + strlen(s->p[i].name);
		}
		sweep_buf_free(&l);
		if (nl)
			sweep_buf_add(&b, "\n", 1);
		off += ll + (nl != NULL);
	}
	sweep_buf_add(&b, "", 0);
	if (b.failed) {
		sweep_buf_free(&b);
		return -ENOMEM;
	}
	*out = b.p;
	*len = b.n;
	return 0;
}

/* {"run": N, "point": P, "params": {...}, */
static void row_head(const struct sweep_spec *s, uint64_t run, struct sweep_buf *out)
{
	uint64_t point = run / s->seeds;
	bool first = true;

	sweep_buf_printf(out, "{\"run\": %llu, \"point\": %llu, \"params\": {", (unsigned long long)run,
			 (unsigned long long)point);
	for (size_t i = 0; i < s->np; i++) {
		const char *v;

		if (s->p[i].kind == SWEEP_SEED)
			continue;
		v = s->p[i].v[sweep_point_value(s, point, i)];
		sweep_buf_add(out, first ? "" : ", ", first ? 0 : 2);
		buf_json_str(out, s->p[i].name, strlen(s->p[i].name));
		sweep_buf_add(out, ": ", 2);
		buf_json_str(out, v, strlen(v));
		first = false;
	}
	sweep_buf_add(out, "}, ", 3);
}

void sweep_row_ok(const struct sweep_spec *s, uint64_t run, const char *body, size_t len, struct sweep_buf *out)
{
	while (len && (body[len - 1] == '\n' || body[len - 1] == ' '))
		len--;
	row_head(s, run, out);
	sweep_buf_printf(out, "\"status\": \"ok\", ");
	if (len > 1 && body[0] == '{')
		sweep_buf_add(out, body + 1, len - 1);
	else
		sweep_buf_add(out, "}", 1);
	sweep_buf_add(out, "\n", 1);
}

void sweep_row_fail(const struct sweep_spec *s, uint64_t run, const char *status, int exit_code, int sig,
		    const char *msg, struct sweep_buf *out)
{
	row_head(s, run, out);
	if (s->seed_idx >= 0)
		sweep_buf_printf(out, "\"seed\": %llu, ", strtoull(s->p[s->seed_idx].v[run % s->seeds], NULL, 10));
	sweep_buf_printf(out, "\"status\": \"%s\"", status);
	if (exit_code >= 0)
		sweep_buf_printf(out, ", \"exit\": %d", exit_code);
	if (sig > 0)
		sweep_buf_printf(out, ", \"signal\": %d", sig);
	sweep_buf_add(out, ", \"error\": ", 11);
	buf_json_str(out, msg ? msg : "", msg ? strlen(msg) : 0);
	sweep_buf_add(out, "}\n", 2);
}

int64_t sweep_row_id(const char *row, size_t len)
{
	static const char pre[] = "{\"run\": ";
	uint64_t v = 0;
	size_t i = sizeof(pre) - 1;

	if (len < i + 1 || memcmp(row, pre, i))
		return -EINVAL;
	for (; i < len && isdigit((unsigned char)row[i]); i++) {
		if (v > (uint64_t)INT64_MAX / 10 - 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(row[i] - '0');
	}
	if (i == sizeof(pre) - 1 || i >= len || row[i] != ',')
		return -EINVAL;
	return (int64_t)v;
}

/* ------------------------------------------------------------------ JSON */

struct jp {
	const char *p, *end;
	struct sweep_kv *kv;
	size_t max, n;
	int depth;
	bool big;
};

static void jws(struct jp *j)
{
	while (j->p < j->end && isspace((unsigned char)*j->p))
		j->p++;
}

/* A string into @out (may be NULL), truncated to @size. */
static int jstr(struct jp *j, char *out, size_t size)
{
	size_t n = 0;

	if (j->p >= j->end || *j->p != '"')
		return -EINVAL;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;

		if (c == '\\') {
			if (j->p >= j->end)
				return -EINVAL;
			c = *j->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned v = 0;

				for (int k = 0; k < 4; k++, j->p++) {
					if (j->p >= j->end || !isxdigit((unsigned char)*j->p))
						return -EINVAL;
					v = v * 16 + (unsigned)(isdigit((unsigned char)*j->p) ? *j->p - '0' : (tolower(*j->p) - 'a' + 10));
				}
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			default: break;
			}
		}
		if (out && n + 1 < size)
			out[n++] = c;
	}
	if (j->p >= j->end)
		return -EINVAL;
	j->p++;
	if (out && size)
		out[n] = 0;
	return 0;
}

static int jvalue(struct jp *j, const char *prefix);

static int jobject(struct jp *j, const char *prefix)
{
	if (++j->depth > 32)
		return -EINVAL;
	j->p++;
	jws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		char key[64], path[64];
		int rc;

		jws(j);
		if (jstr(j, key, sizeof(key)))
			return -EINVAL;
		jws(j);
		if (j->p >= j->end || *j->p != ':')
			return -EINVAL;
		j->p++;
		jws(j);
		snprintf(path, sizeof(path), "%.31s%s%.31s", prefix, *prefix ? "." : "", key);
		rc = jvalue(j, path);
		if (rc)
			return rc;
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			j->depth--;
			return 0;
		}
		return -EINVAL;
	}
}

static struct sweep_kv *jleaf(struct jp *j, const char *path)
{
	if (j->n == j->max) {
		j->big = true;
		return NULL;
	}
	snprintf(j->kv[j->n].key, sizeof(j->kv[0].key), "%s", path);
	j->kv[j->n].str[0] = 0;
	j->kv[j->n].num = NAN;
	j->kv[j->n].is_num = false;
	return &j->kv[j->n++];
}

static int jvalue(struct jp *j, const char *path)
{
	struct sweep_kv *kv;

	if (j->p >= j->end)
		return -EINVAL;
	switch (*j->p) {
	case '{':
		return jobject(j, path);
	case '[': {
		int depth = 0;
		bool str = false;

		for (; j->p < j->end; j->p++) {
			if (str) {
				if (*j->p == '\\')
					j->p++;
				else if (*j->p == '"')
					str = false;
			} else if (*j->p == '"') {
				str = true;
			} else if (*j->p == '[' || *j->p == '{') {
				depth++;
			} else if ((*j->p == ']' || *j->p == '}') && --depth == 0) {
				j->p++;
				return 0;
			}
		}
		return -EINVAL;
	}
	case '"':
		kv = jleaf(j, path);
		return jstr(j, kv ? kv->str : NULL, kv ? sizeof(kv->str) : 0);
	default: {
		char *end;
		double v;

		if (j->end - j->p >= 4 && (!strncmp(j->p, "true", 4) || !strncmp(j->p, "null", 4))) {
			kv = jleaf(j, path);
			if (kv && *j->p == 't') {
				kv->is_num = true;
				kv->num = 1;
			}
			j->p += 4;
			return 0;
		}
		if (j->end - j->p >= 5 && !strncmp(j->p, "false", 5)) {
			kv = jleaf(j, path);
			if (kv) {
				kv->is_num = true;
				kv->num = 0;
			}
			j->p += 5;
			return 0;
		}
		if (!(*j->p == '-' || isdigit((unsigned char)*j->p)))
			return -EINVAL;
		v = strtod(j->p, &end);
		if (end > j->end || end == j->p)
			return -EINVAL;
		j->p = end;
		kv = jleaf(j, path);
		if (kv) {
			kv->is_num = true;
			kv->num = v;
		}
		return 0;
	}
	}
}

int sweep_json_flat(const char *json, size_t len, struct sweep_kv *kv, size_t max, size_t *n)
{
	struct jp j = {json, json + len, kv, max, 0, 0, false};
	int rc;

	*n = 0;
	jws(&j);
	if (j.p >= j.end || *j.p != '{')
		return -EINVAL;
	rc = jobject(&j, "");
	*n = j.n;
	if (rc)
		return rc;
	jws(&j);
	if (j.p != j.end)
		return -EINVAL;
	return j.big ? -E2BIG : 0;
}

static const struct sweep_kv *kv_find(const struct sweep_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return &kv[i];
	return NULL;
}

int sweep_row_meets(const struct sweep_spec *s, const char *row, size_t len)
{
	struct sweep_kv *kv = malloc(256 * sizeof(*kv));
	const struct sweep_kv *st;
	size_t n;
	int rc = 1;

	if (!kv)
		return -ENOMEM;
	if (sweep_json_flat(row, len, kv, 256, &n)) {
		free(kv);
		return -EINVAL;
	}
	st = kv_find(kv, n, "status");
	if (!st || strcmp(st->str, "ok"))
		rc = 0;
	for (size_t t = 0; rc == 1 && t < s->nterm; t++) {
		const struct sweep_kv *v = kv_find(kv, n, s->term[t].key);

		if (!v || !v->is_num || !term_holds(&s->term[t], v->num))
			rc = 0;
	}
	free(kv);
	return rc;
}

/* ------------------------------------------------------------------ statistics */

double sweep_quantile(const double *sorted, size_t n, double q)
{
	size_t r;

	if (!n)
		return NAN;
	r = (size_t)ceil(q * (double)n - 1e-9);
	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return sorted[r - 1];
}

void sweep_wilson(uint64_t k, uint64_t n, double z, double *lo, double *hi)
{
	double p, d, c, h;

	if (!n) {
		*lo = 0;
		*hi = 1;
		return;
	}
	p = (double)k / (double)n;
	d = 1 + z * z / (double)n;
	c = (p + z * z / (2.0 * (double)n)) / d;
	h = z * sqrt(p * (1 - p) / (double)n + z * z / (4.0 * (double)n * (double)n)) / d;
	*lo = k == 0 ? 0 : fmax(0, c - h);
	*hi = k == n ? 1 : fmin(1, c + h);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct sweep_agg {
	const struct sweep_spec *s;
	char **metric;
	size_t nm;
	size_t fail_idx[MAX_FAILURES];
	size_t term_idx[MAX_TERMS];
	struct sweep_point_stats *pt;
	size_t npt;
	/* the current point */
	bool open;
	uint64_t cur;
	double *vals;          /* ok runs x nm */
	size_t nvals, capvals; /* rows */
	struct sweep_point_stats acc;
	int64_t last_run;
	struct sweep_kv kv[256];
	double *col;
};

int sweep_agg_new(const struct sweep_spec *s, const char *const *metrics, size_t nmetrics, struct sweep_agg **out)
{
	struct sweep_agg *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->s = s;
	a->last_run = -1;
	a->metric = calloc(nmetrics ? nmetrics : 1, sizeof(char *));
	a->pt = calloc(s->points ? s->points : 1, sizeof(*a->pt));
	if (!a->metric || !a->pt) {
		sweep_agg_free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nmetrics; i++) {
		a->metric[i] = strdup(metrics[i]);
		if (!a->metric[i]) {
			sweep_agg_free(a);
			return -ENOMEM;
		}
		a->nm++;
	}
	for (size_t f = 0; f < s->nfailure; f++) {
		a->fail_idx[f] = SIZE_MAX;
		for (size_t i = 0; i < a->nm; i++)
			if (!strcmp(a->metric[i], s->failure[f]))
				a->fail_idx[f] = i;
	}
	for (size_t t = 0; t < s->nterm; t++) {
		a->term_idx[t] = SIZE_MAX;
		for (size_t i = 0; i < a->nm; i++)
			if (!strcmp(a->metric[i], s->term[t].key))
				a->term_idx[t] = i;
	}
	*out = a;
	return 0;
}

static int point_alloc(struct sweep_agg *a, struct sweep_point_stats *p, uint64_t point)
{
	size_t nf = a->s->nfailure ? a->s->nfailure : 1;

	*p = (struct sweep_point_stats){.point = point};
	p->m = calloc(a->nm ? a->nm : 1, sizeof(*p->m));
	p->fail_k = calloc(nf, sizeof(*p->fail_k));
	p->fail_lo = calloc(nf, sizeof(double));
	p->fail_hi = calloc(nf, sizeof(double));
	if (!p->m || !p->fail_k || !p->fail_lo || !p->fail_hi)
		return -ENOMEM;
	for (size_t i = 0; i < a->nm; i++)
		p->m[i] = (struct sweep_metric_stats){NAN, NAN, NAN, NAN, NAN, NAN};
	for (size_t f = 0; f < a->s->nfailure; f++) {
		p->fail_lo[f] = 0;
		p->fail_hi[f] = 1;
	}
	p->target_lo = 0;
	p->target_hi = 1;
	return 0;
}

/* Close the current point: its statistics from the values held. */
static int close_point(struct sweep_agg *a)
{
	struct sweep_point_stats *p = &a->pt[a->cur];
	size_t n = a->nvals;
	int rc;

	if (!a->open)
		return 0;
	a->open = false;
	rc = point_alloc(a, p, a->cur);
	if (rc)
		return rc;
	p->runs = a->acc.runs;
	p->ok = a->acc.ok;
	p->errors = a->acc.errors;
	p->crashed = a->acc.crashed;
	p->target_k = a->acc.target_k;
	if (n) {
		double *col = realloc(a->col, n * sizeof(double));

		if (!col)
			return -ENOMEM;
		a->col = col;
	}
	for (size_t i = 0; i < a->nm && n; i++) {
		double sum = 0;

		for (size_t r = 0; r < n; r++) {
			a->col[r] = a->vals[r * a->nm + i];
			sum += a->col[r];
		}
		qsort(a->col, n, sizeof(double), cmp_double);
		p->m[i].mean = sum / (double)n;
		p->m[i].p50 = sweep_quantile(a->col, n, 0.50);
		p->m[i].p95 = sweep_quantile(a->col, n, 0.95);
		p->m[i].p99 = sweep_quantile(a->col, n, 0.99);
		p->m[i].min = a->col[0];
		p->m[i].max = a->col[n - 1];
	}
	for (size_t f = 0; f < a->s->nfailure; f++) {
		size_t mi = a->fail_idx[f];

		p->fail_k[f] = 0;
		for (size_t r = 0; r < n && mi != SIZE_MAX; r++)
			p->fail_k[f] += a->vals[r * a->nm + mi] > 0;
		sweep_wilson(p->fail_k[f], p->ok, SWEEP_Z95, &p->fail_lo[f], &p->fail_hi[f]);
	}
	sweep_wilson(p->target_k, p->runs, SWEEP_Z95, &p->target_lo, &p->target_hi);
	a->nvals = 0;
	return 0;
}

/* Empty statistics for points without rows, up to (not including) @upto. */
static int fill_gaps(struct sweep_agg *a, uint64_t upto)
{
	for (uint64_t p = a->npt; p < upto; p++) {
		if (!a->pt[p].m) {
			int rc = point_alloc(a, &a->pt[p], p);

			if (rc)
				return rc;
		}
	}
	if (upto > a->npt)
		a->npt = upto;
	return 0;
}

int sweep_agg_row(struct sweep_agg *a, const char *row, size_t len)
{
	const struct sweep_kv *run, *point, *status;
	size_t n;
	int rc;
	bool met = true;

	rc = sweep_json_flat(row, len, a->kv, sizeof(a->kv) / sizeof(a->kv[0]), &n);
	if (rc)
		return -EINVAL;
	run = kv_find(a->kv, n, "run");
	point = kv_find(a->kv, n, "point");
	status = kv_find(a->kv, n, "status");
	if (!run || !point || !status || !run->is_num || !point->is_num || point->num >= (double)a->s->points ||
	    (int64_t)run->num <= a->last_run)
		return -EINVAL;
	if (a->open && (uint64_t)point->num != a->cur) {
		if ((uint64_t)point->num < a->cur)
			return -EINVAL;
		rc = close_point(a);
		if (rc)
			return rc;
	}
	a->last_run = (int64_t)run->num;
	if (!a->open) {
		rc = fill_gaps(a, (uint64_t)point->num);
		if (rc)
			return rc;
		a->open = true;
		a->cur = (uint64_t)point->num;
		a->npt = a->cur + 1;
		memset(&a->acc, 0, sizeof(a->acc));
	}
	a->acc.runs++;
	if (strcmp(status->str, "ok")) {
		if (!strcmp(status->str, "crashed"))
			a->acc.crashed++;
		else
			a->acc.errors++;
		return 0;
	}
	a->acc.ok++;
	if (a->nvals == a->capvals) {
		size_t cap = a->capvals ? a->capvals * 2 : 64;
		double *v = realloc(a->vals, cap * (a->nm ? a->nm : 1) * sizeof(double));

		if (!v)
			return -ENOMEM;
		a->vals = v;
		a->capvals = cap;
	}
	for (size_t i = 0; i < a->nm; i++) {
		const struct sweep_kv *kv = kv_find(a->kv, n, a->metric[i]);

		a->vals[a->nvals * a->nm + i] = kv && kv->is_num ? kv->num : NAN;
	}
	for (size_t t = 0; t < a->s->nterm; t++) {
		size_t mi = a->term_idx[t];

		if (mi == SIZE_MAX || !term_holds(&a->s->term[t], a->vals[a->nvals * a->nm + mi]))
			met = false;
	}
	a->acc.target_k += met;
	a->nvals++;
	return 0;
}

int sweep_agg_end(struct sweep_agg *a)
{
	int rc = close_point(a);

	return rc ? rc : fill_gaps(a, a->s->points);
}

size_t sweep_agg_npoints(const struct sweep_agg *a) { return a->npt; }
const struct sweep_point_stats *sweep_agg_point(const struct sweep_agg *a, size_t i) { return &a->pt[i]; }
size_t sweep_agg_nmetrics(const struct sweep_agg *a) { return a->nm; }
const char *sweep_agg_metric(const struct sweep_agg *a, size_t i) { return a->metric[i]; }
const struct sweep_spec *sweep_agg_spec(const struct sweep_agg *a) { return a->s; }

void sweep_agg_free(struct sweep_agg *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nm; i++)
		free(a->metric[i]);
	free(a->metric);
	for (size_t p = 0; a->pt && p < a->s->points; p++) {
		free(a->pt[p].m);
		free(a->pt[p].fail_k);
		free(a->pt[p].fail_lo);
		free(a->pt[p].fail_hi);
	}
	free(a->pt);
	free(a->vals);
	free(a->col);
	free(a);
}

static void json_num(const struct pfnlab_sink *s, double v)
{
	char b[64];

	sweep_format_num(v, b, sizeof(b));
	sink_str(s, b);
}

static void point_params_json(const struct sweep_spec *sp, uint64_t point, const struct pfnlab_sink *s)
{
	bool first = true;

	sink_str(s, "{");
	for (size_t i = 0; i < sp->np; i++) {
		if (sp->p[i].kind == SWEEP_SEED)
			continue;
		sink_str(s, first ? "" : ", ");
		sink_json_str(s, sp->p[i].name);
		sink_str(s, ": ");
		sink_json_str(s, sp->p[i].v[sweep_point_value(sp, point, i)]);
		first = false;
	}
	sink_str(s, "}");
}

void sweep_agg_json(const struct sweep_agg *a, uint64_t missing, const struct pfnlab_sink *s)
{
	const struct sweep_spec *sp = a->s;

	sink_str(s, "{\"spec\": ");
	sink_json_str(s, sp->file);
	sink_str(s, ", \"scenario\": ");
	sink_json_str(s, sp->scn_name);
	sink_fmt(s, ", \"runs\": %llu, \"points\": %llu, \"seeds\": %llu, \"missing\": %llu, \"params\": {",
		 (unsigned long long)sp->runs, (unsigned long long)sp->points, (unsigned long long)sp->seeds,
		 (unsigned long long)missing);
	for (size_t i = 0; i < sp->np; i++) {
		sink_str(s, i ? ", " : "");
		sink_json_str(s, sp->p[i].name);
		sink_str(s, ": [");
		for (size_t k = 0; k < sp->p[i].n; k++) {
			sink_str(s, k ? ", " : "");
			sink_json_str(s, sp->p[i].v[k]);
		}
		sink_str(s, "]");
	}
	sink_str(s, "}, \"failure_metrics\": [");
	for (size_t f = 0; f < sp->nfailure; f++) {
		sink_str(s, f ? ", " : "");
		sink_json_str(s, sp->failure[f]);
	}
	sink_str(s, "], \"target\": ");
	if (sp->nterm)
		sink_json_str(s, sp->target_text);
	else
		sink_str(s, "null");
	sink_str(s, ", \"points_detail\": [");
	for (size_t pi = 0; pi < a->npt; pi++) {
		const struct sweep_point_stats *p = &a->pt[pi];

		sink_fmt(s, "%s\n  {\"point\": %llu, \"params\": ", pi ? "," : "", (unsigned long long)p->point);
		point_params_json(sp, p->point, s);
		sink_fmt(s, ", \"runs\": %llu, \"ok\": %llu, \"errors\": %llu, \"crashed\": %llu, \"failures\": {",
			 (unsigned long long)p->runs, (unsigned long long)p->ok, (unsigned long long)p->errors,
			 (unsigned long long)p->crashed);
		for (size_t f = 0; f < sp->nfailure; f++) {
			sink_str(s, f ? ", " : "");
			sink_json_str(s, sp->failure[f]);
			sink_fmt(s, ": {\"runs\": %llu, \"p\": ", (unsigned long long)p->fail_k[f]);
			json_num(s, p->ok ? (double)p->fail_k[f] / (double)p->ok : NAN);
			sink_str(s, ", \"lo\": ");
			json_num(s, p->fail_lo[f]);
			sink_str(s, ", \"hi\": ");
			json_num(s, p->fail_hi[f]);
			sink_str(s, "}");
		}
		sink_str(s, "}");
		if (sp->nterm) {
			sink_fmt(s, ", \"target\": {\"met\": %llu, \"p\": ", (unsigned long long)p->target_k);
			json_num(s, p->runs ? (double)p->target_k / (double)p->runs : NAN);
			sink_str(s, ", \"lo\": ");
			json_num(s, p->target_lo);
			sink_str(s, ", \"hi\": ");
			json_num(s, p->target_hi);
			sink_str(s, "}");
		}
		sink_str(s, ", \"metrics\": {");
		for (size_t i = 0; i < a->nm; i++) {
			const struct sweep_metric_stats *m = &p->m[i];

			sink_str(s, i ? ", " : "");
			sink_json_str(s, a->metric[i]);
			sink_str(s, ": {\"mean\": ");
			json_num(s, m->mean);
			sink_str(s, ", \"p50\": ");
			json_num(s, m->p50);
			sink_str(s, ", \"p95\": ");
			json_num(s, m->p95);
			sink_str(s, ", \"p99\": ");
			json_num(s, m->p99);
			sink_str(s, ", \"min\": ");
			json_num(s, m->min);
			sink_str(s, ", \"max\": ");
			json_num(s, m->max);
			sink_str(s, "}");
		}
		sink_str(s, "}}");
	}
	sink_str(s, "\n]}\n");
}

/* "0.25 [0.10, 0.47]" */
static void prob_cell(char *buf, size_t len, uint64_t k, uint64_t n, double lo, double hi)
{
	if (!n)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3f [%.3f, %.3f]", (double)k / (double)n, lo, hi);
}

void sweep_agg_table(const struct sweep_agg *a, const struct pfnlab_sink *s)
{
	const struct sweep_spec *sp = a->s;
	size_t cols[MAX_FAILURES], nc = 0, ncol, w[64] = {0}, np = 0;
	const char *head[64];
	char ***cell;

	/* failure metrics that failed somewhere; the first one when none did */
	for (size_t f = 0; f < sp->nfailure && nc < 6; f++) {
		bool any = false;

		for (size_t p = 0; p < a->npt; p++)
			any |= a->pt[p].fail_k[f] > 0;
		if (any)
			cols[nc++] = f;
	}
	if (!nc && sp->nfailure)
		cols[nc++] = 0;
	for (size_t i = 0; i < sp->np; i++)
		if (sp->p[i].kind != SWEEP_SEED)
			head[np++] = sp->p[i].name;
	ncol = np + 2 + nc + (sp->nterm ? 1 : 0);
	head[np] = "runs";
	head[np + 1] = "ok";
	cell = calloc(a->npt + 1, sizeof(*cell));
	if (!cell)
		return;
	for (size_t r = 0; r <= a->npt; r++) {
		cell[r] = calloc(ncol, sizeof(char *));
		if (!cell[r])
			goto out;
		for (size_t c = 0; c < ncol; c++) {
			char buf[128] = "";

			if (r == 0) {
				if (c < np + 2)
					snprintf(buf, sizeof(buf), "%s", head[c]);
				else if (c < np + 2 + nc)
					snprintf(buf, sizeof(buf), "P(%s > 0)", sp->failure[cols[c - np - 2]]);
				else
					snprintf(buf, sizeof(buf), "P(%.100s)", sp->target_text);
			} else {
				const struct sweep_point_stats *p = &a->pt[r - 1];

				if (c < np) {
					size_t pi = 0, k = 0;

					for (; pi < sp->np; pi++)
						if (sp->p[pi].kind != SWEEP_SEED && k++ == c)
							break;
					snprintf(buf, sizeof(buf), "%s", sp->p[pi].v[sweep_point_value(sp, p->point, pi)]);
				} else if (c == np) {
					snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p->runs);
				} else if (c == np + 1) {
					snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p->ok);
				} else if (c < np + 2 + nc) {
					size_t f = cols[c - np - 2];

					prob_cell(buf, sizeof(buf), p->fail_k[f], p->ok, p->fail_lo[f], p->fail_hi[f]);
				} else {
					prob_cell(buf, sizeof(buf), p->target_k, p->runs, p->target_lo, p->target_hi);
				}
			}
			cell[r][c] = strdup(buf);
			if (!cell[r][c])
				goto out;
			if (strlen(buf) > w[c])
				w[c] = strlen(buf);
		}
	}
	for (size_t r = 0; r <= a->npt; r++) {
		for (size_t c = 0; c < ncol; c++)
			sink_fmt(s, c < np ? "%s%-*s" : "%s%*s", c ? "  " : "", (int)w[c], cell[r][c]);
		sink_str(s, "\n");
	}
out:
	for (size_t r = 0; r <= a->npt; r++) {
		for (size_t c = 0; cell[r] && c < ncol; c++)
			free(cell[r][c]);
		free(cell[r]);
	}
	free(cell);
}
