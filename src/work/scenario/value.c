/*
 * value.c - the values of the scenario language, each parsed or refused
 * with a message that names the form it expects: sizes (64K, 7.5G),
 * percentages, numbers, addresses, on/off, times (500ms, 6h), choices,
 * names, errno names, the distributions of the `guests` generator
 * (exp:MEAN, uniform:A..B, choice:A,B,...), and a value checked by its
 * type alone (val_check(), what the parser runs on every key it can).
 *
 * Every function takes the text, an out-parameter and a buffer for the
 * message; it returns 0 or -EINVAL.  No state: used by the parser and the
 * interpreter alike.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

/* A decimal number with an optional fraction: *ip, and the fraction as num/den. */
static const char *parse_decimal(const char *s, uint64_t *ip, uint64_t *fnum, uint64_t *fden)
{
	const char *p = s;

	*ip = 0;
	*fnum = 0;
	*fden = 1;
	if (!isdigit((unsigned char)*p))
		return NULL;
	for (; isdigit((unsigned char)*p); p++) {
		if (*ip > (UINT64_MAX - 9) / 10)
			return NULL;
		*ip = *ip * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return NULL;
		for (; isdigit((unsigned char)*p); p++)
			if (*fden < 1000000000ull) {
				*fnum = *fnum * 10 + (uint64_t)(*p - '0');
				*fden *= 10;
			}
	}
	return p;
}

static int scaled(uint64_t ip, uint64_t fnum, uint64_t fden, uint64_t unit, uint64_t *out)
{
	if (unit && ip > UINT64_MAX / unit)
		return -EOVERFLOW;
	*out = ip * unit + (uint64_t)((double)fnum / (double)fden * (double)unit);
	return 0;
}

/* A size: 4096, 64K, 7.5G, 1TiB. */
int val_size(const char *s, uint64_t *out, char *err, size_t len)
{
	uint64_t ip, fn, fd, unit = 1;
	const char *p = parse_decimal(s, &ip, &fn, &fd);

	if (!p && strspn(s, "0123456789") > 18)
		return fail(err, len, "size '%s' is too large", s);
	if (!p)
		return fail(err, len, "'%s' is not a size (e.g. 64K, 512M, 7.5G, 1T)", s);
	switch (*p) {
	case 'K': case 'k': unit = 1ull << 10; p++; break;
	case 'M': case 'm': unit = 1ull << 20; p++; break;
	case 'G': case 'g': unit = 1ull << 30; p++; break;
	case 'T': case 't': unit = 1ull << 40; p++; break;
	case 'P': case 'p': unit = 1ull << 50; p++; break;
	default: break;
	}
	if (unit > 1 && (strcmp(p, "iB") == 0 || strcmp(p, "B") == 0))
		p += strlen(p);
	else if (unit == 1 && strcmp(p, "B") == 0)
		p++;
	if (*p)
		return fail(err, len, "'%s' is not a size (e.g. 64K, 512M, 7.5G, 1T)", s);
	if (scaled(ip, fn, fd, unit, out) || *out > (1ull << 60))
		return fail(err, len, "size '%s' is too large", s);
	return 0;
}

/* N% as parts per million */
int val_pct(const char *s, uint64_t *ppm, char *err, size_t len)
{
	uint64_t ip, fn, fd;
	const char *p = parse_decimal(s, &ip, &fn, &fd);

	if (!p || strcmp(p, "%") || ip > 100 || (ip == 100 && fn))
		return fail(err, len, "'%s' is not a percentage from 0%% to 100%%", s);
	*ppm = ip * 10000 + (uint64_t)((double)fn / (double)fd * 10000.0);
	return 0;
}

static bool is_pct(const char *s)
{
	size_t n = strlen(s);

	return n && s[n - 1] == '%';
}

/* A size, or N% of @base, rounded down to @align. */
int val_sizepct(const char *s, uint64_t base, uint64_t align, uint64_t *out, char *err, size_t len)
{
	uint64_t ppm;
	int e;

	if (is_pct(s)) {
		e = val_pct(s, &ppm, err, len);
		if (e)
			return e;
		*out = (uint64_t)((double)base * (double)ppm / 1e6);
	} else {
		e = val_size(s, out, err, len);
		if (e)
			return e;
	}
	if (align)
		*out &= ~(align - 1);
	return 0;
}

/* A number: 42, 0x2a. */
int val_uint(const char *s, uint64_t *out, char *err, size_t len)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return fail(err, len, "'%s' is not a number", s);
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (*end || errno)
		return fail(err, len, "'%s' is not a number", s);
	return 0;
}

/* An address: 0x1000, 4096 or 1G. */
int val_addr(const char *s, uint64_t *out, char *err, size_t len)
{
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		errno = 0;
		*out = strtoull(s + 2, &end, 16);
		if (*end || errno || !s[2])
			return fail(err, len, "'%s' is not an address (0x1000, 4096 or 1G)", s);
		return 0;
	}
	return val_size(s, out, err, len) ? fail(err, len, "'%s' is not an address (0x1000, 4096 or 1G)", s) : 0;
}

/* on/off, yes/no, true/false or 1/0. */
int val_bool(const char *s, bool *out, char *err, size_t len)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1"))
		return *out = true, 0;
	if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0"))
		return *out = false, 0;
	return fail(err, len, "'%s' is not on/off, yes/no, true/false or 1/0", s);
}

/* A time in nanoseconds: 0, 500ms, 90s, 15m, 6h, 30d, 2w. */
int val_time(const char *s, uint64_t *ns, char *err, size_t len)
{
	static const struct { const char *u; uint64_t ns; } units[] = {
		{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000ull}, {"min", 60000000000ull},
		{"m", 60000000000ull}, {"h", 3600000000000ull}, {"d", 86400000000000ull}, {"w", 604800000000000ull},
	};
	uint64_t ip, fn, fd;
	const char *p = parse_decimal(s, &ip, &fn, &fd);

	if (p && !*p && ip == 0 && fn == 0)
		return *ns = 0, 0;
	if (p)
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(p, units[i].u)) {
				if (scaled(ip, fn, fd, units[i].ns, ns))
					return fail(err, len, "time '%s' is too long", s);
				return 0;
			}
	return fail(err, len, "'%s' is not a time (e.g. 500ms, 90s, 15m, 6h, 30d)", s);
}

/* One of @choices ("a|b|c"): *@idx is its position. */
int val_enum(const char *s, const char *choices, int *idx, char *err, size_t len)
{
	const char *c = choices;
	size_t n = strlen(s);

	for (int i = 0; c && *c; i++) {
		const char *bar = strchr(c, '|');
		size_t cl = bar ? (size_t)(bar - c) : strlen(c);

		if (cl == n && !strncmp(c, s, n))
			return *idx = i, 0;
		c = bar ? bar + 1 : NULL;
	}
	return fail(err, len, "'%s' is not one of %s", s, choices);
}

/* A name of 1 to 23 letters, digits, '_', '-', '.'. */
int val_name(const char *s, char *err, size_t len)
{
	if (!*s || strlen(s) > 23)
		return fail(err, len, "'%s' is not a name (1 to 23 letters, digits, '_', '-', '.')", s);
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
			return fail(err, len, "'%s' is not a name (1 to 23 letters, digits, '_', '-', '.')", s);
	return 0;
}

static const struct { const char *name; int err; } errnos[] = {
	{"ok", 0}, {"EINVAL", -EINVAL}, {"ENOMEM", -ENOMEM}, {"EBUSY", -EBUSY}, {"EAGAIN", -EAGAIN},
	{"EEXIST", -EEXIST}, {"ENOSPC", -ENOSPC}, {"ENOENT", -ENOENT}, {"EFAULT", -EFAULT}, {"EPERM", -EPERM},
	{"E2BIG", -E2BIG}, {"EINTR", -EINTR},
};

/* an oom_score_adj: -1000..1000 */
int val_adj(const char *s, int *out, char *err, size_t len)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < -1000 || v > 1000)
		return fail(err, len, "'%s' is not an oom_score_adj (-1000..1000)", s);
	*out = (int)v;
	return 0;
}

/* ok (0) or an errno name: *@out is its negative errno. */
int val_errno(const char *s, int *out, char *err, size_t len)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(s, errnos[i].name))
			return *out = errnos[i].err, 0;
	return fail(err, len, "'%s' is not ok or an errno name (ENOMEM, EBUSY, EINVAL, EEXIST, ENOSPC, ENOENT, EFAULT, EINTR)", s);
}

/* The name val_errno() reads for @e, else pfnlab_strerror()'s. */
const char *val_errno_name(int e)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == e)
			return errnos[i].name;
	return pfnlab_strerror(e);
}

static int dist_elem(const char *s, size_t n, bool time, uint64_t *out, char *err, size_t len)
{
	char buf[64];

	if (n >= sizeof(buf))
		return fail(err, len, "'%.*s' is too long", (int)n, s);
	memcpy(buf, s, n);
	buf[n] = 0;
	return time ? val_time(buf, out, err, len) : val_size(buf, out, err, len);
}

/* A distribution of times (@time) or sizes: constant, exp:MEAN, uniform:A..B, choice:A,B,... */
int val_dist(const char *s, bool time, struct dist *d, char *err, size_t len)
{
	const char *colon = strchr(s, ':');
	const char *what = time ? "time" : "size";
	int e;

	memset(d, 0, sizeof(*d));
	if (!colon) {
		d->kind = D_CONST;
		d->n = 1;
		return dist_elem(s, strlen(s), time, &d->v[0], err, len);
	}
	if (!strncmp(s, "exp:", 4)) {
		d->kind = D_EXP;
		d->n = 1;
		return dist_elem(colon + 1, strlen(colon + 1), time, &d->v[0], err, len);
	}
	if (!strncmp(s, "uniform:", 8)) {
		const char *dots = strstr(colon + 1, "..");

		if (!dots)
			return fail(err, len, "'%s': uniform:A..B with A and B a %s", s, what);
		d->kind = D_UNIFORM;
		d->n = 2;
		e = dist_elem(colon + 1, (size_t)(dots - colon - 1), time, &d->v[0], err, len);
		if (!e)
			e = dist_elem(dots + 2, strlen(dots + 2), time, &d->v[1], err, len);
		if (!e && d->v[1] < d->v[0])
			return fail(err, len, "'%s': the upper bound is below the lower one", s);
		return e;
	}
	if (!strncmp(s, "choice:", 7)) {
		const char *p = colon + 1;

		d->kind = D_CHOICE;
		while (*p) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);

			if (d->n == DIST_MAX)
				return fail(err, len, "'%s': at most %d choices", s, DIST_MAX);
			e = dist_elem(p, n, time, &d->v[d->n++], err, len);
			if (e)
				return e;
			p += n + (comma ? 1 : 0);
		}
		if (!d->n)
			return fail(err, len, "'%s': no choices", s);
		return 0;
	}
	return fail(err, len, "'%s' is not a distribution: a %s, exp:MEAN, uniform:A..B or choice:A,B,...", s, what);
}

/* A value of type @t, checked (and for simple types parsed and dropped). */
int val_check(enum vtype t, const char *choices, const char *v, char *err, size_t len)
{
	uint64_t u;
	bool b;
	int i;
	struct dist d;
	pfnlab_gfp_t g;

	switch (t) {
	case T_SIZE: return val_size(v, &u, err, len);
	case T_SIZEPCT: return val_sizepct(v, 0, 0, &u, err, len);
	case T_UINT: return val_uint(v, &u, err, len);
	case T_BOOL: return val_bool(v, &b, err, len);
	case T_TIME: return val_time(v, &u, err, len);
	case T_LIFETIME:
		if (!strcmp(v, "forever"))
			return 0;
		return val_time(strncmp(v, "exp:", 4) ? v : v + 4, &u, err, len);
	case T_NAME: return val_name(v, err, len);
	case T_ENUM: return val_enum(v, choices, &i, err, len);
	case T_DSIZE: return val_dist(v, false, &d, err, len);
	case T_DTIME: return val_dist(v, true, &d, err, len);
	case T_PCT: return val_pct(v, &u, err, len);
	case T_GFP:
		return pfnlab_gfp_parse(v, strlen(v), &g) ? fail(err, len, "'%s' is not a GFP mask (e.g. GFP_KERNEL|__GFP_ZERO)", v) : 0;
	case T_ERRNO: return val_errno(v, &i, err, len);
	case T_ADDR: return val_addr(v, &u, err, len);
	case T_AMOUNT:
		if (!strcmp(v, "all") || !strcmp(v, "none"))
			return 0;
		return val_sizepct(v, 0, 0, &u, err, len);
	case T_HPT:
		if (!strcmp(v, "auto") || !strcmp(v, "off"))
			return 0;
		if (val_uint(v, &u, err, len) || u < 18 || u > 46)
			return fail(err, len, "'%s' is not auto, off or an HPT order 18..46", v);
		return 0;
	case T_MEMLOCK:
		if (!strcmp(v, "unlimited"))
			return 0;
		return val_size(v, &u, err, len);
	case T_ADJ: return val_adj(v, &i, err, len);
	case T_POLICIES: {
		const char *p = v + (*v == '!');

		while (*p) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);
			char buf[32];

			if (!n || n >= sizeof(buf))
				return fail(err, len, "'%s' is not a list of policies", v);
			memcpy(buf, p, n);
			buf[n] = 0;
			if (pfnlab_pin_policy_parse(buf) < 0 && strcmp(buf, "migrating"))
				return fail(err, len, "'%s' is not a policy (none, rfc2015, migrate-cma, migrate-movable, pin-aware, migrating)",
					    buf);
			p += n + (comma ? 1 : 0);
		}
		return 0;
	}
	}
	return 0;
}
