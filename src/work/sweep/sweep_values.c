/*
 * sweep_values.c - a parameter's value list, as after `param NAME =`:
 * words and ranges of numbers, percentages, sizes and times, expanded
 * into the values substituted into the scenario (docs/sweep.md).
 *
 *   1..1000               1, 2, ..., 1000
 *   2%..10% step 1%       decimals exact: values are integers in 10^-dec units
 *   64G..1T x2            multiplied by an integer factor
 *   512M..2G step 512M    sizes printed in their largest exact unit (512M 1G 1536M 2G)
 *
 * Seeds must be numbers, policies known ones, and no value may come twice
 * (it would make identical runs).  Pure: no files.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

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
	if (!digits || (dot && p[-1] == '.') || dec > 15) /* 10^dec fits a long long */
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

/* @q in 10^-@dec units; -ERANGE when it no longer fits. */
static int rescale(struct qty *q, int dec)
{
	if (q->kind == Q_NUM || q->kind == Q_PCT) {
		if (__builtin_mul_overflow(q->v, pow10ll(dec - q->dec), &q->v))
			return -ERANGE;
		q->dec = dec;
	}
	return 0;
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

/* Free the values of @p; it has none after. */
void sweep_param_clear(struct param *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	free(p->num);
	p->v = NULL;
	p->num = NULL;
	p->n = 0;
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
			return sweep_fail(err, errlen, where, "param %s: '%s': one value per list item (separate values with commas)",
					  p->name, item);
		return add_value(p, item, parse_qty(item, &q) ? NAN : qty_num(&q), cap);
	}
	for (t = strtok_r(item, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (nw == 4)
			return sweep_fail(err, errlen, where, "param %s: '%s ...': a range is A..B [step S | xF]", p->name, words[0]);
		words[nw++] = t;
	}
	/* the dots belong to the first word, not so in "1 ..4" (item is that first word now) */
	dots = nw ? strstr(words[0], "..") : NULL;
	if (!dots)
		return sweep_fail(err, errlen, where, "param %s: '%s ...': a range is A..B [step S | xF], no blank around the dots",
				  p->name, item);
	*dots = 0;
	if (parse_qty(words[0], &a) || parse_qty(dots + 2, &b))
		return sweep_fail(err, errlen, where,
				  "param %s: '%s..%s' is not a range of numbers, percentages, sizes or times", p->name, words[0],
				  dots + 2);
	if (a.kind != b.kind)
		return sweep_fail(err, errlen, where, "param %s: %s..%s: the bounds are not both %s", p->name, words[0], dots + 2,
				  qkind_name[a.kind]);
	if (nw == 2 && words[1][0] == 'x') {
		char *end;

		errno = 0;
		factor = strtoll(words[1] + 1, &end, 10);
		if (errno || *end || end == words[1] + 1)
			return sweep_fail(err, errlen, where, "param %s: '%s' is not a factor (x2, x10)", p->name, words[1]);
		if (factor < 2)
			return sweep_fail(err, errlen, where, "param %s: factor %s: it must be 2 or more", p->name, words[1]);
		if (a.v <= 0)
			return sweep_fail(err, errlen, where, "param %s: a range with a factor must start above zero", p->name);
	} else if (nw == 3 && !strcmp(words[1], "step")) {
		if (parse_qty(words[2], &st))
			return sweep_fail(err, errlen, where, "param %s: step '%s' is not %s", p->name, words[2], qkind_name[a.kind]);
		if (st.kind != a.kind && !(st.kind == Q_NUM && st.dec == 0 && (a.kind == Q_SIZE || a.kind == Q_TIME)))
			return sweep_fail(err, errlen, where, "param %s: step %s is not %s like the bounds", p->name, words[2],
					  qkind_name[a.kind]);
		st.kind = a.kind;
	} else if (nw != 1) {
		return sweep_fail(err, errlen, where, "param %s: after %s..%s: 'step S' or 'xF'", p->name, words[0], dots + 2);
	}
	if (!factor) {
		int dec = a.dec > b.dec ? a.dec : b.dec;

		dec = dec > st.dec ? dec : st.dec;
		if (rescale(&a, dec) || rescale(&b, dec) || rescale(&st, dec))
			return sweep_fail(err, errlen, where, "param %s: %s..%s: too many digits at %d decimals", p->name,
					  words[0], dots + 2, dec);
		if (st.v == 0)
			return sweep_fail(err, errlen, where, "param %s: a step of zero", p->name);
		if (st.v < 0)
			return sweep_fail(err, errlen, where, "param %s: a negative step", p->name);
	}
	if (b.v < a.v)
		return sweep_fail(err, errlen, where, "param %s: empty range %s..%s (the end is below the start)", p->name,
				  words[0], dots + 2);
	if (factor) {
		count = 0;
		for (long long v = a.v; v <= b.v; v = v > b.v / factor ? b.v + 1 : v * factor)
			count++;
	} else {
		long long span;

		if (__builtin_sub_overflow(b.v, a.v, &span))
			return sweep_fail(err, errlen, where, "param %s: %s..%s: too wide", p->name, words[0], dots + 2);
		count = (size_t)(span / st.v) + 1;
	}
	if (count + p->n > SWEEP_MAX_VALUES)
		return sweep_fail(err, errlen, where, "param %s: more than %u values", p->name, SWEEP_MAX_VALUES);
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

/*
 * The values of @p from @values: comma-separated items, each a word or a
 * range.  On error @p may hold some values: sweep_param_clear() it.
 */
int sweep_param_values(struct param *p, const char *values, const char *where, char *err, size_t errlen)
{
	const char *name = p->name;
	char *copy, *item, *save = NULL;
	size_t cap = 0;
	int rc = 0;

	copy = strdup(values);
	if (!copy)
		return -ENOMEM;
	if (!*sweep_trim(copy)) {
		free(copy);
		return sweep_fail(err, errlen, where, "param %s: no values", name);
	}
	for (item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
		item = sweep_trim(item);
		if (!*item)
			rc = sweep_fail(err, errlen, where, "param %s: an empty value in the list", name);
		else
			rc = expand_item(p, item, &cap, where, err, errlen);
	}
	if (!rc && copy[strlen(copy) - 1] == ',')
		rc = sweep_fail(err, errlen, where, "param %s: an empty value in the list", name);
	free(copy);
	for (size_t i = 0; !rc && i < p->n; i++) {
		if (p->kind == SWEEP_SEED) {
			const char *c = p->v[i];

			while (isdigit((unsigned char)*c))
				c++;
			if (*c || c == p->v[i] || c - p->v[i] > 19)
				rc = sweep_fail(err, errlen, where, "param seed: '%s' is not a seed (a number)", p->v[i]);
		} else if (p->kind == SWEEP_POLICY && pfnlab_pin_policy_parse(p->v[i]) < 0) {
			rc = sweep_fail(err, errlen, where,
					"param policy: unknown policy '%s' (none, rfc2015, migrate-cma, migrate-movable, pin-aware)",
					p->v[i]);
		}
	}
	/* duplicates make identical runs: refuse them (values are few, or sorted seeds) */
	for (size_t i = 0; !rc && i < p->n && p->n <= 4096; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->v[i], p->v[j])) {
				rc = sweep_fail(err, errlen, where, "param %s: value '%s' given twice", name, p->v[i]);
				break;
			}
	return rc;
}
