/*
 * scenario.c - the scenario language: parser and interpreter.
 *
 * A scenario is a text file of lines `verb [positional...] key=value ...`
 * with `#` comments (docs/scenario.md, pfnlab-scenario(5)).  Setup verbs
 * (machine, cma, kvm, policy, seed) describe the host and come first; the
 * machine is built at the first action.  Actions drive the actors of
 * src/work (guests, KVM HPTs, VFIO, kernel background) and the core
 * directly (alloc, cma_alloc, pin); `advance` lets model time pass, running
 * the events that `guests` generators scheduled and the background churn;
 * `expect` checks a counter.  `repeat N VAR ... end` repeats a block with
 * $VAR = 1..N.
 *
 * The parser checks every line it can before anything runs (verb, keys,
 * values without $VAR); what depends on the run (guest names, labels,
 * values with $VAR) is checked when the line runs.  Errors read
 * "file:line: message".
 *
 * Outcomes versus misuse: a modelled kernel call that fails for lack of
 * memory (-ENOMEM, and -EBUSY from cma_alloc) is a result the scenario is
 * about: it is counted, reported and the run goes on.  A call the kernel
 * would refuse as invalid (-EINVAL, -EEXIST, -ENOSPC, -ENOENT, ...) is a
 * mistake in the scenario and ends the run (exit 2) unless the line says
 * `want=ERRNO`, which also makes an unexpected result an expectation
 * failure.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "sweep.h"

enum verb {
	V_MACHINE, V_CMA, V_KVM, V_POLICY, V_SEED, V_KERNEL, V_GUEST, V_TOUCH, V_HOTPLUG, V_UNPLUG, V_STOP,
	V_VFIO_MAP, V_VFIO_UNMAP, V_SPAPR_REG, V_SPAPR_UNREG, V_PIN, V_UNPIN, V_ALLOC, V_FREE, V_CMA_ALLOC,
	V_CMA_RELEASE, V_GUESTS, V_ADVANCE, V_PRINT, V_ECHO, V_EXPECT, V_CHECK, V_REPEAT, V_END, NR_VERBS
};

enum vtype {
	T_SIZE,     /* 64K, 7.5G, 4096 */
	T_SIZEPCT,  /* a size or N% of something */
	T_UINT,
	T_BOOL,     /* on/off, yes/no, true/false, 1/0 */
	T_TIME,     /* 90s, 6h, 30d, 0 */
	T_LIFETIME, /* a time, exp:TIME, forever */
	T_NAME,     /* [A-Za-z0-9_.-]+ */
	T_ENUM,     /* one of keyspec.choices ("a|b|c") */
	T_DSIZE,    /* distribution of sizes */
	T_DTIME,    /* distribution of times */
	T_PCT,      /* N% */
	T_GFP,      /* GFP_KERNEL|__GFP_ZERO */
	T_ERRNO,    /* ENOMEM, ok */
	T_ADDR,     /* 0x1000, 1G */
	T_AMOUNT,   /* a size, N%, all or none */
	T_HPT,      /* auto, off, ORDER */
	T_MEMLOCK,  /* a size or unlimited */
	T_POLICIES, /* none,rfc2015 or !none */
};

struct keyspec {
	const char *key;
	enum vtype t;
	const char *choices;
};

#define F_SETUP 0x1u /* before the first action */
#define F_WANT  0x2u /* takes want=ERRNO */

#define O_NOMEM 0x1u /* -ENOMEM is an outcome */
#define O_BUSY  0x2u /* -EBUSY is an outcome */

struct verbspec {
	const char *name;
	unsigned flags;
	int pmin, pmax;
	const char *usage;
	unsigned outcome;
	struct keyspec keys[18];
};

static const struct verbspec verbs[NR_VERBS] = {
	[V_MACHINE] = {"machine", F_SETUP, 0, 0, "machine [preset=ppc64] [ram=SIZE] [era=2015|current] ...", 0,
		       {{"preset", T_ENUM, "x86_64|ppc64"}, {"ram", T_SIZE, 0}, {"page_size", T_ENUM, "4K|16K|64K"},
			{"max_order", T_UINT, 0}, {"pageblock_order", T_UINT, 0}, {"era", T_ENUM, "2015|current"},
			{"cma_era", T_ENUM, "2015|5.7"}, {"pcp", T_BOOL, 0}, {"cpus", T_UINT, 0}, {"thp", T_BOOL, 0},
			{"min_free_kbytes", T_UINT, 0}, {"watermark_scale_factor", T_UINT, 0},
			{"movablecore", T_SIZE, 0}, {"kernelcore", T_SIZE, 0},
			{"cma_retry", T_ENUM, "kernel|pageblock|bounded"}, {"cma_retry_max", T_UINT, 0},
			{"vfio_dma_entry_limit", T_UINT, 0}}},
	[V_CMA] = {"cma", F_SETUP, 0, 0, "cma name=NAME size=SIZE|N% [base=ADDR] [limit=ADDR] [order_per_bit=N]", 0,
		   {{"name", T_NAME, 0}, {"size", T_SIZEPCT, 0}, {"base", T_ADDR, 0}, {"limit", T_ADDR, 0},
		    {"order_per_bit", T_UINT, 0}}},
	[V_KVM] = {"kvm", F_SETUP, 0, 0, "kvm [cma_ratio=5] [hpt_fallback=2015|current]", 0,
		   {{"cma_ratio", T_UINT, 0}, {"hpt_fallback", T_ENUM, "2015|current"}}},
	[V_POLICY] = {"policy", F_SETUP, 1, 1, "policy none|rfc2015|migrate-cma|migrate-movable|pin-aware", 0, {{0}}},
	[V_SEED] = {"seed", F_SETUP, 1, 1, "seed N", 0, {{0}}},
	[V_KERNEL] = {"kernel", 0, 0, 0,
		      "kernel [unmovable=SIZE|N%] [reclaimable=SIZE|N%] [pagecache=SIZE|N%] [lifetime=TIME|exp:TIME|forever] [max_order=N]",
		      0,
		      {{"unmovable", T_SIZEPCT, 0}, {"reclaimable", T_SIZEPCT, 0}, {"pagecache", T_SIZEPCT, 0},
		       {"lifetime", T_LIFETIME, 0}, {"max_order", T_UINT, 0}}},
	[V_GUEST] = {"guest", F_WANT, 1, 1,
		     "guest NAME ram=SIZE|N% [fault=all|none|SIZE|N%] [thp=on] [hpt=auto|off|ORDER] [vfio=none|type1|spapr] [memlock=SIZE|unlimited] [pin_aware=yes]",
		     O_NOMEM,
		     {{"ram", T_SIZEPCT, 0}, {"thp", T_BOOL, 0}, {"fault", T_AMOUNT, 0}, {"hpt", T_HPT, 0},
		      {"vfio", T_ENUM, "none|type1|spapr"}, {"memlock", T_MEMLOCK, 0}, {"pin_aware", T_BOOL, 0}}},
	[V_TOUCH] = {"touch", F_WANT, 1, 1, "touch NAME|all [size=SIZE|N%|all] [step=SIZE]", O_NOMEM,
		     {{"size", T_AMOUNT, 0}, {"step", T_SIZE, 0}}},
	[V_HOTPLUG] = {"hotplug", F_WANT, 1, 1, "hotplug NAME [type=type1|spapr]", O_NOMEM,
		       {{"type", T_ENUM, "type1|spapr"}}},
	[V_UNPLUG] = {"unplug", F_WANT, 1, 1, "unplug NAME", 0, {{0}}},
	[V_STOP] = {"stop", F_WANT, 1, 1, "stop NAME|all", 0, {{0}}},
	[V_VFIO_MAP] = {"vfio_map", F_WANT, 1, 1, "vfio_map NAME iova=ADDR size=SIZE [vaddr=ADDR] [flags=rw|r|w|none]",
			O_NOMEM,
			{{"iova", T_ADDR, 0}, {"size", T_SIZE, 0}, {"vaddr", T_ADDR, 0}, {"flags", T_ENUM, "rw|r|w|none"}}},
	[V_VFIO_UNMAP] = {"vfio_unmap", F_WANT, 1, 1, "vfio_unmap NAME iova=ADDR size=SIZE", 0,
			  {{"iova", T_ADDR, 0}, {"size", T_SIZE, 0}}},
	[V_SPAPR_REG] = {"spapr_register", F_WANT, 1, 1, "spapr_register NAME [vaddr=ADDR] [size=SIZE]", O_NOMEM,
			 {{"vaddr", T_ADDR, 0}, {"size", T_SIZE, 0}}},
	[V_SPAPR_UNREG] = {"spapr_unregister", F_WANT, 1, 1, "spapr_unregister NAME [vaddr=ADDR] [size=SIZE]", 0,
			   {{"vaddr", T_ADDR, 0}, {"size", T_SIZE, 0}}},
	[V_PIN] = {"pin", F_WANT, 1, 1, "pin NAME [offset=SIZE] size=SIZE|N% [longterm=yes] [as=LABEL]", O_NOMEM,
		   {{"offset", T_SIZE, 0}, {"size", T_AMOUNT, 0}, {"longterm", T_BOOL, 0}, {"as", T_NAME, 0}}},
	[V_UNPIN] = {"unpin", F_WANT, 1, 1, "unpin LABEL", 0, {{0}}},
	[V_ALLOC] = {"alloc", F_WANT, 0, 0, "alloc [order=N] [gfp=GFP_KERNEL] [count=N] [as=LABEL]", O_NOMEM,
		     {{"order", T_UINT, 0}, {"gfp", T_GFP, 0}, {"count", T_UINT, 0}, {"as", T_NAME, 0}}},
	[V_FREE] = {"free", F_WANT, 1, 1, "free LABEL", 0, {{0}}},
	[V_CMA_ALLOC] = {"cma_alloc", F_WANT, 0, 0, "cma_alloc [area=NAME] pages=N|size=SIZE [align=N] [as=LABEL]",
			 O_NOMEM | O_BUSY,
			 {{"area", T_NAME, 0}, {"pages", T_UINT, 0}, {"size", T_SIZE, 0}, {"align", T_UINT, 0},
			  {"as", T_NAME, 0}}},
	[V_CMA_RELEASE] = {"cma_release", F_WANT, 1, 1, "cma_release LABEL", 0, {{0}}},
	[V_GUESTS] = {"guests", 0, 0, 0,
		      "guests count=N every=DIST ram=DIST lifetime=DIST [vfio=N%] [vfio_type=type1|spapr] [vfio_after=DIST] [name=PREFIX] [start=TIME] ...",
		      0,
		      {{"count", T_UINT, 0}, {"name", T_NAME, 0}, {"every", T_DTIME, 0}, {"ram", T_DSIZE, 0},
		       {"lifetime", T_DTIME, 0}, {"vfio", T_PCT, 0}, {"vfio_type", T_ENUM, "type1|spapr"},
		       {"vfio_after", T_DTIME, 0}, {"thp", T_BOOL, 0}, {"fault", T_AMOUNT, 0}, {"start", T_TIME, 0},
		       {"pin_aware", T_ENUM, "vfio|all|none"}, {"memlock", T_MEMLOCK, 0}, {"hpt", T_HPT, 0}}},
	[V_ADVANCE] = {"advance", 0, 1, 1, "advance TIME", 0, {{0}}},
	[V_PRINT] = {"print", 0, 1, 8, "print VIEW...", 0, {{0}}},
	[V_ECHO] = {"echo", 0, 0, 0, "echo TEXT", 0, {{0}}},
	[V_EXPECT] = {"expect", 0, 3, 3, "expect KEY ==|!=|<|<=|>|>= VALUE [policy=LIST]", 0,
		      {{"policy", T_POLICIES, 0}}},
	[V_CHECK] = {"check", 0, 0, 0, "check", 0, {{0}}},
	[V_REPEAT] = {"repeat", 0, 1, 2, "repeat N [VAR] ... end", 0, {{0}}},
	[V_END] = {"end", 0, 0, 0, "end", 0, {{0}}},
};

struct kv {
	char *key;
	char *val;
};

struct stmt {
	int line;
	enum verb verb;
	int npos;
	char **pos;
	int nkv;
	struct kv *kv;
	char *text;   /* echo */
	int jump;     /* repeat: index of its end; end: index of its repeat */
};

struct scn_program {
	char file[256];
	struct stmt *s;
	int n, cap;
	int policy;
	bool seed_set;
	uint64_t seed;
	int first_action; /* index of the first action statement, n if none */
};

/* ---------------------------------------------------------------- values */

/* The message into @err, and -EINVAL.  A macro like RUN_ERR: callers (and the analyzer) see the error is not 0. */
#define fail(err, len, ...) (snprintf((err), (len), __VA_ARGS__), -EINVAL)

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

static int val_size(const char *s, uint64_t *out, char *err, size_t len)
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
static int val_pct(const char *s, uint64_t *ppm, char *err, size_t len)
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
static int val_sizepct(const char *s, uint64_t base, uint64_t align, uint64_t *out, char *err, size_t len)
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

static int val_uint(const char *s, uint64_t *out, char *err, size_t len)
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

static int val_addr(const char *s, uint64_t *out, char *err, size_t len)
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

static int val_bool(const char *s, bool *out, char *err, size_t len)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1"))
		return *out = true, 0;
	if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0"))
		return *out = false, 0;
	return fail(err, len, "'%s' is not on/off, yes/no, true/false or 1/0", s);
}

static int val_time(const char *s, uint64_t *ns, char *err, size_t len)
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

static int val_enum(const char *s, const char *choices, int *idx, char *err, size_t len)
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

static int val_name(const char *s, char *err, size_t len)
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
	{"E2BIG", -E2BIG},
};

static int val_errno(const char *s, int *out, char *err, size_t len)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(s, errnos[i].name))
			return *out = errnos[i].err, 0;
	return fail(err, len, "'%s' is not ok or an errno name (ENOMEM, EBUSY, EINVAL, EEXIST, ENOSPC, ENOENT, EFAULT)", s);
}

static const char *errno_name(int e)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == e)
			return errnos[i].name;
	return pfnlab_strerror(e);
}

/* Distributions of the generator: constant, exp:MEAN, uniform:A..B, choice:A,B,... */
enum dist_kind { D_CONST, D_EXP, D_UNIFORM, D_CHOICE };
#define DIST_MAX 16

struct dist {
	enum dist_kind kind;
	unsigned n;
	uint64_t v[DIST_MAX];
};

static int dist_elem(const char *s, size_t n, bool time, uint64_t *out, char *err, size_t len)
{
	char buf[64];

	if (n >= sizeof(buf))
		return fail(err, len, "'%.*s' is too long", (int)n, s);
	memcpy(buf, s, n);
	buf[n] = 0;
	return time ? val_time(buf, out, err, len) : val_size(buf, out, err, len);
}

static int val_dist(const char *s, bool time, struct dist *d, char *err, size_t len)
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
static int check_value(enum vtype t, const char *choices, const char *v, char *err, size_t len)
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

/* ---------------------------------------------------------------- parser */

static const char *const metric_keys[] = {
	"hpt.requested", "hpt.ok", "hpt.failed", "hpt.fallback",
	"pins.longterm_pages", "pins.longterm_now", "pins.longterm_in_cma", "pins.longterm_in_cma_peak",
	"pins.migrated", "pins.failed", "pins.unmovable_blocks",
	"contig.busy_retries", "contig.busy_messages",
	"pageblocks.unmovable_delta", "pageblocks.unmovable", "pageblocks.movable", "pageblocks.reclaimable",
	"pageblocks.cma",
	"guests.started", "guests.failed", "guests.stopped", "guests.running", "guests.vfio", "guests.oom",
	"vfio.maps", "vfio.map_failed", "vfio.unmaps", "vfio.memlock_exceeded", "spapr.registered", "spapr.failed",
	"kernel.unmovable_pages", "kernel.reclaimable_pages", "kernel.pagecache_pages", "kernel.alloc_failed",
	"last", "time", "policy", NULL,
};

static const char *const guest_fields[] = {
	"running", "ram", "touched", "hpt_order", "hpt_cma", "pinned", "pinned_in_cma", "locked_vm", NULL,
};

static const char *const cma_fields[] = {
	"base_pfn", "count", "used", "maxchunk", "alloc_pages_success", "alloc_pages_fail",
	"release_pages_success", "busy_retries", NULL,
};

static bool in_list(const char *const *l, const char *s, size_t n)
{
	for (; *l; l++)
		if (strlen(*l) == n && !strncmp(*l, s, n))
			return true;
	return false;
}

/* Is @k a metric `expect` knows?  ($VAR parts are checked when the line runs.) */
static int check_metric(const char *k, char *err, size_t len)
{
	const char *dot;

	if (strchr(k, '$'))
		return 0;
	if (in_list(metric_keys, k, strlen(k)))
		return 0;
	if (!strncmp(k, "vmstat.", 7) && k[7])
		return 0;
	if (!strncmp(k, "guest.", 6) && (dot = strrchr(k, '.')) > k + 6 && in_list(guest_fields, dot + 1, strlen(dot + 1)))
		return 0;
	if (!strncmp(k, "cma.", 4) && (dot = strrchr(k, '.')) > k + 4 && in_list(cma_fields, dot + 1, strlen(dot + 1)))
		return 0;
	return fail(err, len, "expect: unknown counter '%s' (see docs/scenario.md, \"Counters\")", k);
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

static int prog_add(struct scn_program *p, struct stmt *s)
{
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		struct stmt *n = realloc(p->s, (size_t)cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->s = n;
		p->cap = cap;
	}
	p->s[p->n++] = *s;
	return 0;
}

static void stmt_free(struct stmt *s)
{
	for (int i = 0; i < s->npos; i++)
		free(s->pos[i]);
	for (int i = 0; i < s->nkv; i++) {
		free(s->kv[i].key);
		free(s->kv[i].val);
	}
	free(s->pos);
	free(s->kv);
	free(s->text);
}

/* Split @line (NUL-terminated, comments removed) into tokens. */
static int tokenize(char *line, char **tok, int max)
{
	int n = 0;

	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (n == max)
			return -E2BIG;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

static bool is_key_token(const char *t)
{
	const char *eq = strchr(t, '=');

	if (!eq || eq == t || !(isalpha((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (const char *p = t; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

static const struct keyspec *find_key(const struct verbspec *v, const char *k, size_t n)
{
	for (int i = 0; v->keys[i].key; i++)
		if (strlen(v->keys[i].key) == n && !strncmp(v->keys[i].key, k, n))
			return &v->keys[i];
	return NULL;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

/* Parse one line into @s; *@err gets "message" (the caller adds file:line). */
static int parse_line(char *line, int lineno, struct stmt *s, char *err, size_t len)
{
	char *tok[64];
	int n, vi = -1;
	const struct verbspec *v;

	memset(s, 0, sizeof(*s));
	s->line = lineno;
	while (*line == ' ' || *line == '\t')
		line++;
	/* echo takes the rest of the line as it is */
	if (!strncmp(line, "echo", 4) && (line[4] == ' ' || line[4] == '\t' || !line[4])) {
		char *t = line + 4, *e;

		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '"') {
			e = strrchr(t + 1, '"');
			if (!e)
				return fail(err, len, "echo: unterminated \"");
			*e = 0;
			t++;
		} else {
			char *hash = strstr(t, " #");

			if (hash)
				*hash = 0;
			if (*t == '#')
				*t = 0;
		}
		e = t + strlen(t);
		while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = 0;
		s->verb = V_ECHO;
		s->text = xstrdup(t);
		return s->text ? 0 : -ENOMEM;
	}
	for (char *p = line; *p; p++)
		if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			*p = 0;
			break;
		}
	n = tokenize(line, tok, 64);
	if (n < 0)
		return fail(err, len, "too many words on one line (at most 64)");
	if (!n)
		return 1; /* blank */
	for (int i = 0; i < NR_VERBS; i++)
		if (!strcmp(tok[0], verbs[i].name))
			vi = i;
	if (vi < 0)
		return fail(err, len, "unknown verb '%s' (machine, cma, kvm, policy, seed, kernel, guest, guests, touch, hotplug, unplug, stop, vfio_map, vfio_unmap, spapr_register, spapr_unregister, pin, unpin, alloc, free, cma_alloc, cma_release, advance, print, echo, expect, check, repeat, end)",
			    tok[0]);
	v = &verbs[vi];
	s->verb = (enum verb)vi;
	s->pos = calloc((size_t)n, sizeof(char *));
	s->kv = calloc((size_t)n, sizeof(struct kv));
	if (!s->pos || !s->kv)
		return -ENOMEM;
	for (int i = 1; i < n; i++) {
		if (vi != V_EXPECT && is_key_token(tok[i])) {
			char *eq = strchr(tok[i], '=');
			size_t kl = (size_t)(eq - tok[i]);
			const struct keyspec *ks = find_key(v, tok[i], kl);
			bool want = (v->flags & F_WANT) && kl == 4 && !strncmp(tok[i], "want", 4);

			if (!ks && !want)
				return fail(err, len, "%s: unknown key '%.*s' (usage: %s%s)", v->name, (int)kl, tok[i], v->usage,
					    (v->flags & F_WANT) ? " [want=ERRNO]" : "");
			for (int k = 0; k < s->nkv; k++)
				if (strlen(s->kv[k].key) == kl && !strncmp(s->kv[k].key, tok[i], kl))
					return fail(err, len, "%s: key '%.*s' given twice", v->name, (int)kl, tok[i]);
			if (!eq[1])
				return fail(err, len, "%s: key '%.*s' has no value", v->name, (int)kl, tok[i]);
			if (!strchr(eq + 1, '$')) {
				int e = want ? check_value(T_ERRNO, NULL, eq + 1, err, len)
					     : check_value(ks->t, ks->choices, eq + 1, err, len);

				if (e) {
					char tmp[400];

					snprintf(tmp, sizeof(tmp), "%s %.*s: %.300s", v->name, (int)kl, tok[i], err);
					snprintf(err, len, "%s", tmp);
					return e;
				}
			}
			*eq = 0;
			s->kv[s->nkv].key = xstrdup(tok[i]);
			s->kv[s->nkv].val = xstrdup(eq + 1);
			if (!s->kv[s->nkv].key || !s->kv[s->nkv].val)
				return -ENOMEM;
			s->nkv++;
		} else if (vi == V_EXPECT && is_key_token(tok[i]) && i > 3) {
			char *eq = strchr(tok[i], '=');

			*eq = 0;
			if (strcmp(tok[i], "policy"))
				return fail(err, len, "expect: unknown key '%s' (usage: %s)", tok[i], v->usage);
			if (check_value(T_POLICIES, NULL, eq + 1, err, len))
				return -EINVAL;
			s->kv[s->nkv].key = xstrdup(tok[i]);
			s->kv[s->nkv].val = xstrdup(eq + 1);
			if (!s->kv[s->nkv].key || !s->kv[s->nkv].val)
				return -ENOMEM;
			s->nkv++;
		} else {
			if (s->nkv && vi != V_PRINT)
				return fail(err, len, "%s: '%s' after key=value pairs (usage: %s)", v->name, tok[i], v->usage);
			s->pos[s->npos] = xstrdup(tok[i]);
			if (!s->pos[s->npos])
				return -ENOMEM;
			s->npos++;
		}
	}
	if (s->npos < v->pmin || s->npos > v->pmax)
		return fail(err, len, "%s: %s (usage: %s)", v->name,
			    s->npos < v->pmin ? "missing argument" : "too many arguments", v->usage);
	/* positional values that can be checked now */
	if (vi == V_EXPECT) {
		static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">=", NULL};

		if (check_metric(s->pos[0], err, len))
			return -EINVAL;
		if (!in_list(ops, s->pos[1], strlen(s->pos[1])))
			return fail(err, len, "expect: '%s' is not ==, !=, <, <=, > or >=", s->pos[1]);
		if (!strchr(s->pos[2], '$') && !expect_value_ok(s->pos[0], s->pos[2]))
			return fail(err, len, "expect: '%s' is not a number, size, errno name, yes/no%s", s->pos[2],
				    strcmp(s->pos[0], "policy") ? "" : " or policy name");
	} else if (vi == V_POLICY) {
		if (pfnlab_pin_policy_parse(s->pos[0]) < 0)
			return fail(err, len, "policy: unknown policy '%s' (none, rfc2015, migrate-cma, migrate-movable, pin-aware)",
				    s->pos[0]);
	} else if (vi == V_SEED) {
		uint64_t u;

		if (val_uint(s->pos[0], &u, err, len))
			return fail(err, len, "seed: '%s' is not a number", s->pos[0]);
	} else if (vi == V_ADVANCE && !strchr(s->pos[0], '$')) {
		uint64_t u;

		if (val_time(s->pos[0], &u, err, len))
			return -EINVAL;
	} else if (vi == V_REPEAT) {
		uint64_t u;

		if (!strchr(s->pos[0], '$') && (val_uint(s->pos[0], &u, err, len) || u > 100000000))
			return fail(err, len, "repeat: '%s' is not a count 0..100000000", s->pos[0]);
		if (s->npos == 2 && (val_name(s->pos[1], err, len) || !isalpha((unsigned char)s->pos[1][0])))
			return fail(err, len, "repeat: '%s' is not a variable name", s->pos[1]);
	} else if (s->npos && !strchr(s->pos[0], '$') && vi != V_PRINT && val_name(s->pos[0], err, len)) {
		char tmp[400];

		snprintf(tmp, sizeof(tmp), "%s: %.300s", v->name, err);
		snprintf(err, len, "%s", tmp);
		return -EINVAL;
	}
	return 0;
}

int scn_parse(const char *file, const char *text, size_t len, struct scn_program **out, char *err, size_t errlen)
{
	struct scn_program *p = calloc(1, sizeof(*p));
	int stack[32], depth = 0, lineno = 0, ret = 0;
	const char *t = text, *end = text + len;
	char msg[512] = "";
	bool actions = false;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	snprintf(p->file, sizeof(p->file), "%s", file);
	p->policy = PFNLAB_PIN_NONE;
	p->first_action = -1;
	while (t < end && !ret) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t n = nl ? (size_t)(nl - t) : (size_t)(end - t);
		char line[4096];
		struct stmt s;
		int r;

		lineno++;
		if (n >= sizeof(line)) {
			ret = fail(msg, sizeof(msg), "line longer than %zu characters", sizeof(line) - 1);
			break;
		}
		memcpy(line, t, n);
		line[n] = 0;
		if (n && line[n - 1] == '\r')
			line[n - 1] = 0;
		t += n + (nl ? 1 : 0);
		for (char *c = line; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t') {
				ret = fail(msg, sizeof(msg), "control character 0x%02x in the line", (unsigned char)*c);
				break;
			}
		if (ret)
			break;
		r = parse_line(line, lineno, &s, msg, sizeof(msg));
		if (r == 1) {
			stmt_free(&s);
			continue;
		}
		if (!r) {
			const struct verbspec *v = &verbs[s.verb];

			if (v->flags & F_SETUP) {
				if (actions)
					r = fail(msg, sizeof(msg), "%s: setup lines (machine, cma, kvm, policy, seed) must come before the first action",
						 v->name);
				else if (s.verb == V_MACHINE && p->n)
					for (int i = 0; i < p->n && !r; i++)
						if (p->s[i].verb == V_CMA || p->s[i].verb == V_KVM || p->s[i].verb == V_MACHINE)
							r = fail(msg, sizeof(msg), "machine: must come before cma and kvm lines, and only once");
				if (!r && depth)
					r = fail(msg, sizeof(msg), "%s: setup lines cannot be inside repeat", v->name);
				if (!r && s.verb == V_POLICY)
					p->policy = pfnlab_pin_policy_parse(s.pos[0]);
				if (!r && s.verb == V_SEED) {
					p->seed_set = true;
					p->seed = strtoull(s.pos[0], NULL, 0);
				}
			} else if (!actions) {
				actions = true;
				p->first_action = p->n;
			}
			if (!r && s.verb == V_REPEAT) {
				if (depth == 32)
					r = fail(msg, sizeof(msg), "repeat: nested more than 32 deep");
				else
					stack[depth++] = p->n;
			} else if (!r && s.verb == V_END) {
				if (!depth)
					r = fail(msg, sizeof(msg), "end without repeat");
				else {
					s.jump = stack[--depth];
					p->s[s.jump].jump = p->n;
				}
			}
		}
		if (r) {
			stmt_free(&s);
			ret = r;
			break;
		}
		if (prog_add(p, &s)) {
			stmt_free(&s);
			ret = -ENOMEM;
		}
	}
	if (!ret && depth) {
		lineno = p->s[stack[depth - 1]].line;
		ret = fail(msg, sizeof(msg), "repeat without end");
	}
	if (!ret && !p->n) {
		lineno = lineno ? lineno : 1;
		ret = fail(msg, sizeof(msg), "empty scenario: no statements, only blank lines and comments");
	}
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(msg, sizeof(msg), "out of memory");
		snprintf(err, errlen, "%s:%d: %s", file, lineno, msg);
		scn_free(p);
		return ret;
	}
	if (p->first_action < 0)
		p->first_action = p->n;
	*out = p;
	return 0;
}

void scn_free(struct scn_program *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		stmt_free(&p->s[i]);
	free(p->s);
	free(p);
}

int scn_policy(const struct scn_program *p)
{
	return p->policy;
}

/* ---------------------------------------------------------------- run */

struct var {
	const char *name;
	uint64_t value;
};

struct label_alloc {
	uint64_t pfn;
	unsigned order;
};

struct label {
	char name[32];
	int kind;             /* V_ALLOC or V_CMA_ALLOC */
	unsigned area;
	uint64_t pfn, count;  /* cma */
	struct label_alloc *a;
	uint64_t n;
};

struct gen {
	int line;
	unsigned left, next_id;
	char prefix[24];
	struct dist every, ram, lifetime, vfio_after;
	uint64_t vfio_ppm;
	bool spapr, thp, has_after;
	int pin_aware;        /* 0 vfio, 1 all, 2 none */
	const char *fault;
	uint64_t memlock;
	int hpt;
	uint64_t rng;
};

enum ev_kind { EV_ARRIVE, EV_HOTPLUG, EV_STOP };

struct event {
	uint64_t t, seq;
	enum ev_kind kind;
	unsigned gen;
	char name[32];
};

struct exec {
	const struct scn_program *p;
	const struct scn_opts *o;
	struct scn_result *r;
	int policy;
	uint64_t seed;
	struct pfnlab_config cfg;
	unsigned kvm_ratio;
	unsigned dma_entry_limit;
	int hpt_fallback;     /* -1: by era */
	bool built;
	struct pfnlab_machine *m;
	struct host h;
	const struct stmt *cur;
	struct var vars[32];
	int nvars;
	char sub[8][512];
	int subi;
	int last;             /* errno of the last action */
	struct label *labels;
	unsigned nr_labels, cap_labels;
	struct gen *gens;
	unsigned nr_gens;
	struct event *ev;
	size_t nr_ev, cap_ev;
	uint64_t ev_seq;
	uint64_t steps, max_steps; /* steps taken, and the bound (scn_opts.max_steps) */
	char msg[512];
};

#define RUN_ERR(e, ...) (snprintf((e)->msg, sizeof((e)->msg), __VA_ARGS__), -EINVAL)

static void buf_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap * 2 : 4096;
		char *nb;

		while (c < *len + n + 1)
			c *= 2;
		nb = realloc(*buf, c);
		if (!nb)
			return;
		*buf = nb;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = 0;
}

static void story(struct exec *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void story(struct exec *e, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	buf_add(&e->r->story, &e->r->story_len, &e->r->story_cap, line, (size_t)n);
}

static void story_sink(void *arg, const char *buf, size_t len)
{
	struct exec *e = arg;

	buf_add(&e->r->story, &e->r->story_len, &e->r->story_cap, buf, len);
}

#define MAX_EVENT_LINES 40

static void on_event(void *arg, const char *text)
{
	struct exec *e = arg;
	char t[32];

	e->r->events++;
	if (e->r->events > MAX_EVENT_LINES) {
		e->r->events_dropped++;
		return;
	}
	story(e, "%12s  %s\n", time_str(e->built ? pfnlab_now(e->m) : 0, t, sizeof(t)), text);
}

static uint64_t dist_sample(const struct dist *d, uint64_t *rng)
{
	switch (d->kind) {
	case D_EXP:
		return (uint64_t)(-log(work_rng_unit(rng)) * (double)d->v[0]);
	case D_UNIFORM:
		return d->v[0] + (uint64_t)(work_rng_unit(rng) * (double)(d->v[1] - d->v[0]));
	case D_CHOICE:
		return d->v[work_rng(rng) % d->n];
	default:
		return d->v[0];
	}
}

/* $VAR / ${VAR} substitution into one of a small ring of buffers. */
static const char *subst(struct exec *e, const char *in)
{
	char *out;
	size_t o = 0;

	if (!in || !strchr(in, '$'))
		return in;
	out = e->sub[e->subi++ % 8];
	for (const char *p = in; *p && o < 500;) {
		const char *name;
		size_t n;
		int k;

		if (*p != '$' || !(isalpha((unsigned char)p[1]) || p[1] == '_' || p[1] == '{')) {
			out[o++] = *p++;
			continue;
		}
		p++;
		if (*p == '{') {
			const char *c = strchr(p, '}');

			if (!c)
				return NULL;
			name = p + 1;
			n = (size_t)(c - name);
			p = c + 1;
		} else {
			name = p;
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			n = (size_t)(p - name);
		}
		for (k = e->nvars - 1; k >= 0; k--)
			if (strlen(e->vars[k].name) == n && !strncmp(e->vars[k].name, name, n))
				break;
		if (k < 0) {
			snprintf(e->msg, sizeof(e->msg), "unknown variable '$%.*s'", (int)n, name);
			return NULL;
		}
		o += (size_t)snprintf(out + o, 512 - o, "%llu", (unsigned long long)e->vars[k].value);
	}
	out[o < 511 ? o : 511] = 0;
	return out;
}

/* The value of key @k of the current statement after substitution, NULL if absent. */
static const char *kv(struct exec *e, const char *k, bool *bad)
{
	for (int i = 0; i < e->cur->nkv; i++)
		if (!strcmp(e->cur->kv[i].key, k)) {
			const char *v = subst(e, e->cur->kv[i].val);

			if (!v)
				*bad = true;
			return v;
		}
	return NULL;
}

static const char *pos(struct exec *e, int i, bool *bad)
{
	const char *v;

	if (i >= e->cur->npos)
		return NULL;
	v = subst(e, e->cur->pos[i]);
	if (!v)
		*bad = true;
	return v;
}

/*
 * Typed getters: return -EINVAL with e->msg set on a bad value.
 * key_value() looks the key up: -EINVAL (substitution failed), 0 (absent)
 * or 1 (*v set); key_error() words a parser's complaint about it.
 */
static int key_value(struct exec *e, const char *k, const char **v)
{
	bool bad = false;

	*v = kv(e, k, &bad);
	return bad ? -EINVAL : *v != NULL;
}

static int key_error(struct exec *e, const char *k, const char *m)
{
	return RUN_ERR(e, "%s %s: %s", verbs[e->cur->verb].name, k, m);
}

static int get_size(struct exec *e, const char *k, uint64_t base, uint64_t def, uint64_t *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_sizepct(v, base, 0, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

static int get_uint(struct exec *e, const char *k, uint64_t def, uint64_t *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_uint(v, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

static int get_addr(struct exec *e, const char *k, uint64_t def, uint64_t *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_addr(v, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

static int get_bool(struct exec *e, const char *k, bool def, bool *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_bool(v, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

static int get_enum(struct exec *e, const char *k, const char *choices, int def, int *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_enum(v, choices, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

static int get_time(struct exec *e, const char *k, uint64_t def, uint64_t *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_time(v, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

static int get_dist(struct exec *e, const char *k, bool time, struct dist *d, bool *have)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	*have = v != NULL;
	if (r <= 0)
		return r;
	return val_dist(v, time, d, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

/* amount: all / none / SIZE / N% of @base */
static int get_amount(struct exec *e, const char *k, uint64_t base, uint64_t def, uint64_t *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	if (!strcmp(v, "all"))
		return *out = base, 0;
	if (!strcmp(v, "none"))
		return *out = 0, 0;
	return val_sizepct(v, base, 0, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

static int get_memlock(struct exec *e, const char *k, uint64_t *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r < 0)
		return r;
	if (!v || !strcmp(v, "unlimited"))
		return *out = 0, 0;
	return val_sizepct(v, 0, 0, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

/* hpt: auto -> -1 (QEMU's rule on ppc64, none elsewhere), off -> 0, else the order */
static int get_hpt(struct exec *e, int *out)
{
	const char *v;
	uint64_t u;
	char m[400];

	if (key_value(e, "hpt", &v) < 0)
		return -EINVAL;
	if (!v || !strcmp(v, "auto")) {
		*out = strcmp(e->cfg.preset, "ppc64") == 0 || e->h.kvm_cma >= 0 ? -1 : 0;
		return 0;
	}
	if (!strcmp(v, "off"))
		return *out = 0, 0;
	if (val_uint(v, &u, m, sizeof(m)) || u < 18 || u > 46)
		return RUN_ERR(e, "hpt: '%s' is not auto, off or an order 18..46", v);
	*out = (int)u;
	return 0;
}

static struct guest *need_guest(struct exec *e, int *err)
{
	bool bad = false;
	const char *n = pos(e, 0, &bad);
	struct guest *g;

	if (bad) {
		*err = -EINVAL;
		return NULL;
	}
	g = host_guest(&e->h, n);
	if (!g)
		*err = RUN_ERR(e, "%s: no running guest called '%s'", verbs[e->cur->verb].name, n);
	return g;
}

/* ------------------------------------------------------------ counters */

static uint64_t guests_running(const struct exec *e)
{
	return e->built ? e->h.nr_guests : 0;
}

/* The value of counter @k now; -EINVAL with e->msg for an unknown one. */
static int metric(struct exec *e, const char *k, long long *out)
{
	const struct work_stats *st = &e->h.st;
	struct { const char *k; long long v; } simple[] = {
		{"hpt.requested", (long long)st->hpt_requested}, {"hpt.ok", (long long)st->hpt_ok},
		{"hpt.failed", (long long)st->hpt_failed}, {"hpt.fallback", (long long)st->hpt_fallback},
		{"pins.longterm_pages", (long long)st->pins_longterm_pages},
		{"pins.longterm_now", (long long)st->pins_longterm_now},
		{"pins.longterm_in_cma", (long long)st->pins_in_cma_now},
		{"pins.longterm_in_cma_peak", (long long)st->pins_in_cma_peak},
		{"contig.busy_messages", (long long)st->busy_messages},
		{"guests.started", (long long)st->guests_started}, {"guests.failed", (long long)st->guests_failed},
		{"guests.stopped", (long long)st->guests_stopped}, {"guests.running", (long long)guests_running(e)},
		{"guests.vfio", (long long)st->guests_vfio}, {"guests.oom", (long long)st->guest_oom},
		{"vfio.maps", (long long)st->vfio_maps}, {"vfio.map_failed", (long long)st->vfio_map_failed},
		{"vfio.unmaps", (long long)st->vfio_unmaps}, {"vfio.memlock_exceeded", (long long)st->memlock_exceeded},
		{"spapr.registered", (long long)st->spapr_regs}, {"spapr.failed", (long long)st->spapr_reg_failed},
		{"kernel.unmovable_pages", (long long)bg_pages(&e->h, BG_UNMOVABLE)},
		{"kernel.reclaimable_pages", (long long)bg_pages(&e->h, BG_RECLAIMABLE)},
		{"kernel.pagecache_pages", (long long)bg_pages(&e->h, BG_PAGECACHE)},
		{"kernel.alloc_failed", (long long)st->bg_alloc_failed},
		{"last", e->last}, {"time", e->built ? (long long)pfnlab_now(e->m) : 0}, {"policy", e->policy},
	};
	const char *dot;

	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (!strcmp(k, simple[i].k))
			return *out = simple[i].v, 0;
	if (!e->built)
		return RUN_ERR(e, "expect %s: the machine is not built yet (no action before this line)", k);
	if (!strcmp(k, "pins.migrated"))
		return *out = pfnlab_vmstat(e->m, "pfnlab_pin_migrated"), 0;
	if (!strcmp(k, "pins.failed"))
		return *out = pfnlab_vmstat(e->m, "pfnlab_pin_failed"), 0;
	if (!strcmp(k, "pins.unmovable_blocks"))
		return *out = pfnlab_vmstat(e->m, "pfnlab_pin_unmovable_blocks"), 0;
	if (!strcmp(k, "contig.busy_retries"))
		return *out = pfnlab_vmstat(e->m, "pfnlab_cma_busy_retry"), 0;
	if (!strncmp(k, "pageblocks.", 11)) {
		static const struct { const char *n; int mt; } pb[] = {
			{"unmovable", PFNLAB_MT_UNMOVABLE}, {"movable", PFNLAB_MT_MOVABLE},
			{"reclaimable", PFNLAB_MT_RECLAIMABLE}, {"cma", PFNLAB_MT_CMA},
		};

		if (!strcmp(k + 11, "unmovable_delta"))
			return *out = (long long)host_pageblocks_of_type(&e->h, PFNLAB_MT_UNMOVABLE) -
				      (long long)e->r->unmovable_start, 0;
		for (size_t i = 0; i < 4; i++)
			if (!strcmp(k + 11, pb[i].n))
				return *out = (long long)host_pageblocks_of_type(&e->h, pb[i].mt), 0;
	}
	if (!strncmp(k, "vmstat.", 7)) {
		*out = pfnlab_vmstat(e->m, k + 7);
		if (*out < 0)
			return RUN_ERR(e, "expect: unknown vmstat counter '%s'", k + 7);
		return 0;
	}
	dot = strrchr(k, '.');
	if (!strncmp(k, "cma.", 4) && dot > k + 4) {
		char name[64];
		struct pfnlab_cma_info ci;
		int idx;

		snprintf(name, sizeof(name), "%.*s", (int)(dot - k - 4), k + 4);
		idx = pfnlab_cma_find(e->m, name);
		if (idx < 0 || pfnlab_cma_info(e->m, (unsigned)idx, &ci))
			return RUN_ERR(e, "expect: no CMA area called '%s'", name);
		dot++;
		*out = !strcmp(dot, "base_pfn") ? (long long)ci.base_pfn
		       : !strcmp(dot, "count") ? (long long)ci.count
		       : !strcmp(dot, "used") ? (long long)ci.used
		       : !strcmp(dot, "maxchunk") ? (long long)ci.maxchunk
		       : !strcmp(dot, "alloc_pages_success") ? (long long)ci.alloc_pages_success
		       : !strcmp(dot, "alloc_pages_fail") ? (long long)ci.alloc_pages_fail
		       : !strcmp(dot, "release_pages_success") ? (long long)ci.release_pages_success
		       : (long long)ci.busy_retries;
		return 0;
	}
	if (!strncmp(k, "guest.", 6) && dot > k + 6) {
		char name[64];
		struct guest *g;

		snprintf(name, sizeof(name), "%.*s", (int)(dot - k - 6), k + 6);
		g = host_guest(&e->h, name);
		dot++;
		if (!strcmp(dot, "running"))
			return *out = g != NULL, 0;
		if (!g)
			return RUN_ERR(e, "expect %s: no running guest called '%s'", k, name);
		*out = !strcmp(dot, "ram") ? (long long)g->ram
		       : !strcmp(dot, "touched") ? (long long)g->touched
		       : !strcmp(dot, "hpt_order") ? (long long)(g->hpt.present ? g->hpt.order : 0)
		       : !strcmp(dot, "hpt_cma") ? (long long)(g->hpt.present && g->hpt.cma)
		       : !strcmp(dot, "pinned") ? (long long)g->pinned_pages
		       : !strcmp(dot, "pinned_in_cma") ? (long long)g->pinned_in_cma
		       : (long long)(g->locked_vm << e->h.page_shift);
		return 0;
	}
	return RUN_ERR(e, "expect: unknown counter '%s'", k);
}

/* ------------------------------------------------------------ machine */

static int setup_machine(struct exec *e, const struct stmt *s)
{
	int idx;
	uint64_t u;
	bool b;
	const char *v;

	e->cur = s;
	v = kv(e, "preset", &b);
	if (!v)
		v = "x86_64";
	u = strcmp(v, "ppc64") == 0 ? 64ull << 30 : 4ull << 30;
	if (get_size(e, "ram", 0, u, &u))
		return -EINVAL;
	if (!u)
		return RUN_ERR(e, "machine ram: must not be zero");
	pfnlab_config_preset(&e->cfg, v, u);
	if (kv(e, "page_size", &b)) {
		if (get_enum(e, "page_size", "4K|16K|64K", 0, &idx))
			return -EINVAL;
		e->cfg.page_shift = (unsigned[]){12, 14, 16}[idx];
	}
	if (kv(e, "max_order", &b)) {
		if (get_uint(e, "max_order", 0, &u) || u < 1 || u > 15)
			return RUN_ERR(e, "machine max_order: 1..15");
		e->cfg.max_order = (unsigned)u;
	}
	if (kv(e, "pageblock_order", &b)) {
		if (get_uint(e, "pageblock_order", 0, &u) || u > 15)
			return RUN_ERR(e, "machine pageblock_order: 0..15");
		e->cfg.pageblock_order = (unsigned)u;
	}
	if (kv(e, "era", &b) && !get_enum(e, "era", "2015|current", 0, &idx))
		e->cfg.era = idx ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
	if (kv(e, "cma_era", &b) && !get_enum(e, "cma_era", "2015|5.7", 0, &idx))
		e->cfg.cma_rule = idx ? PFNLAB_CMA_5_7 : PFNLAB_CMA_2015;
	if (get_bool(e, "pcp", e->cfg.pcp, &e->cfg.pcp) || get_bool(e, "thp", e->cfg.thp, &e->cfg.thp))
		return -EINVAL;
	if (kv(e, "cpus", &b)) {
		if (get_uint(e, "cpus", 1, &u) || u < 1 || u > 64)
			return RUN_ERR(e, "machine cpus: 1..64");
		e->cfg.nr_cpus = (unsigned)u;
	}
	if (kv(e, "min_free_kbytes", &b)) {
		if (get_uint(e, "min_free_kbytes", 0, &u) || u > (1u << 30))
			return RUN_ERR(e, "machine min_free_kbytes: 0..1073741824");
		e->cfg.min_free_kbytes = (int)u;
	}
	if (kv(e, "watermark_scale_factor", &b)) {
		if (get_uint(e, "watermark_scale_factor", 10, &u) || u < 1 || u > 3000)
			return RUN_ERR(e, "machine watermark_scale_factor: 1..3000");
		e->cfg.watermark_scale_factor = (unsigned)u;
	}
	if (get_size(e, "movablecore", 0, 0, &e->cfg.movablecore_bytes) ||
	    get_size(e, "kernelcore", 0, 0, &e->cfg.kernelcore_bytes))
		return -EINVAL;
	if (kv(e, "cma_retry", &b) && !get_enum(e, "cma_retry", "kernel|pageblock|bounded", 0, &idx))
		e->cfg.cma_retry = (enum pfnlab_cma_retry)idx;
	if (get_uint(e, "cma_retry_max", 64, &u))
		return -EINVAL;
	e->cfg.cma_retry_max = (unsigned)u;
	if (get_uint(e, "vfio_dma_entry_limit", 65535, &u))
		return -EINVAL;
	if (!u || u > 0xffffffffu)
		return RUN_ERR(e, "machine vfio_dma_entry_limit: 1..4294967295");
	e->dma_entry_limit = (unsigned)u;
	return 0;
}

static int setup_cma(struct exec *e, const struct stmt *s)
{
	uint64_t size, base, limit, opb;
	bool b;
	const char *name;

	e->cur = s;
	if (e->cfg.nr_cma >= PFNLAB_MAX_CMA)
		return RUN_ERR(e, "cma: at most %d areas", PFNLAB_MAX_CMA);
	name = kv(e, "name", &b);
	if (!kv(e, "size", &b))
		return RUN_ERR(e, "cma: size= is required (usage: %s)", verbs[V_CMA].usage);
	if (get_size(e, "size", e->cfg.ram_bytes, 0, &size) || get_addr(e, "base", 0, &base) ||
	    get_addr(e, "limit", 0, &limit) || get_uint(e, "order_per_bit", 0, &opb))
		return -EINVAL;
	if (limit && limit <= base)
		return RUN_ERR(e, "cma: limit 0x%llx is not above base 0x%llx", (unsigned long long)limit,
			       (unsigned long long)base);
	size &= ~((1ull << e->cfg.page_shift) - 1);
	if (!size)
		return RUN_ERR(e, "cma: size must be at least one page");
	if (opb > 20)
		return RUN_ERR(e, "cma order_per_bit: 0..20");
	snprintf(e->cfg.cma[e->cfg.nr_cma].name, sizeof(e->cfg.cma[0].name), "%s",
		 name ? name : e->cfg.nr_cma ? "cma" : "reserved");
	for (unsigned i = 0; i < e->cfg.nr_cma; i++)
		if (!strcmp(e->cfg.cma[i].name, e->cfg.cma[e->cfg.nr_cma].name))
			return RUN_ERR(e, "cma: an area called '%s' exists already", e->cfg.cma[i].name);
	e->cfg.cma[e->cfg.nr_cma].size = size;
	e->cfg.cma[e->cfg.nr_cma].base = base;
	e->cfg.cma[e->cfg.nr_cma].limit = limit;
	e->cfg.cma[e->cfg.nr_cma].order_per_bit = (unsigned)opb;
	e->cfg.nr_cma++;
	return 0;
}

static int setup_kvm(struct exec *e, const struct stmt *s)
{
	uint64_t ratio;
	int fb;

	e->cur = s;
	if (get_uint(e, "cma_ratio", 5, &ratio) || get_enum(e, "hpt_fallback", "2015|current", -1, &fb))
		return -EINVAL;
	if (ratio > 100)
		return RUN_ERR(e, "kvm cma_ratio: 0..100 (percent of RAM)");
	for (unsigned i = 0; i < e->cfg.nr_cma; i++)
		if (!strcmp(e->cfg.cma[i].name, "kvm_cma"))
			return RUN_ERR(e, "kvm: kvm_cma is declared already");
	if (kvm_cma_declare(&e->cfg, (unsigned)ratio))
		return RUN_ERR(e, "kvm: no CMA slot left for kvm_cma (at most %d areas)", PFNLAB_MAX_CMA);
	e->kvm_ratio = (unsigned)ratio;
	if (fb >= 0)
		e->hpt_fallback = fb;
	return 0;
}

/* The index of the CMA area a machine error is about (pfnlab_machine_create()'s "CMA area NAME"), or -1. */
static int cma_area_of_error(const struct exec *e, const char *why)
{
	size_t n;

	if (strncmp(why, "CMA area ", 9))
		return -1;
	why += 9;
	n = strcspn(why, ": ");
	for (unsigned i = 0; i < e->cfg.nr_cma; i++)
		if (strlen(e->cfg.cma[i].name) == n && !strncmp(e->cfg.cma[i].name, why, n))
			return (int)i;
	return -1;
}

/* Build the machine described by the setup lines. */
static int build(struct exec *e)
{
	char why[256] = "";
	int err;

	if (e->built)
		return 0;
	e->cfg.pin_policy = (enum pfnlab_pin_policy)e->policy;
	e->cfg.host_limit_bytes = e->o->host_limit_bytes;
	err = pfnlab_machine_create(&e->cfg, &e->m, why, sizeof(why));
	if (err) {
		int line = 0, area = cma_area_of_error(e, why), nth = 0;
		const char *verb = "machine";

		/* the line of the area the reason names (the cma and kvm lines declare areas in order), else the first setup line */
		for (int i = 0; i < e->p->first_action; i++) {
			int v = e->p->s[i].verb;

			if ((v == V_CMA || v == V_KVM) && area >= 0 && nth++ == area) {
				line = e->p->s[i].line;
				verb = verbs[v].name;
				break;
			}
			if ((v == V_MACHINE || v == V_CMA || v == V_KVM) && !line)
				line = e->p->s[i].line;
		}
		snprintf(e->r->error, sizeof(e->r->error), "%s:%d: %s: %s", e->p->file, line ? line : 1, verb,
			 why[0] ? why : pfnlab_strerror(err));
		return err == -E2BIG || err == -ENOMEM ? -E2BIG : -EINVAL;
	}
	e->built = true;
	e->h.out = e->o->out;
	e->h.dma_entry_limit = e->dma_entry_limit;
	e->h.trace_ops = e->o->out.write != NULL;
	e->h.trace_all = e->o->trace_all;
	e->h.hpt_fallback = e->hpt_fallback >= 0 ? (enum hpt_fallback)e->hpt_fallback
			    : e->cfg.era == PFNLAB_ERA_2015 ? HPT_FALLBACK_2015 : HPT_FALLBACK_CURRENT;
	e->h.event = on_event;
	e->h.event_arg = e;
	host_init(&e->h, e->m);
	if (bg_create(&e->h, e->seed))
		return -ENOMEM;
	kvm_boot_log(&e->h, e->kvm_ratio);
	e->r->unmovable_start = host_pageblocks_of_type(&e->h, PFNLAB_MT_UNMOVABLE);
	return 0;
}

/* ------------------------------------------------------------ events */

static int ev_push(struct exec *e, uint64_t t, enum ev_kind k, unsigned gen, const char *name)
{
	size_t i;

	if (e->nr_ev == e->cap_ev) {
		size_t cap = e->cap_ev ? e->cap_ev * 2 : 64;
		struct event *n = realloc(e->ev, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		e->ev = n;
		e->cap_ev = cap;
	}
	i = e->nr_ev++;
	e->ev[i] = (struct event){.t = t, .seq = e->ev_seq++, .kind = k, .gen = gen};
	snprintf(e->ev[i].name, sizeof(e->ev[i].name), "%s", name ? name : "");
	while (i) {
		size_t up = (i - 1) / 2;
		struct event tmp;

		if (e->ev[up].t < e->ev[i].t || (e->ev[up].t == e->ev[i].t && e->ev[up].seq < e->ev[i].seq))
			break;
		tmp = e->ev[up];
		e->ev[up] = e->ev[i];
		e->ev[i] = tmp;
		i = up;
	}
	return 0;
}

static bool ev_less(const struct event *a, const struct event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static struct event ev_pop(struct exec *e)
{
	struct event top = e->ev[0];
	size_t i = 0;

	e->ev[0] = e->ev[--e->nr_ev];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;
		struct event tmp;

		if (l < e->nr_ev && ev_less(&e->ev[l], &e->ev[s]))
			s = l;
		if (r < e->nr_ev && ev_less(&e->ev[r], &e->ev[s]))
			s = r;
		if (s == i)
			break;
		tmp = e->ev[i];
		e->ev[i] = e->ev[s];
		e->ev[s] = tmp;
		i = s;
	}
	return top;
}

/* One arrival of generator @k: start a guest, schedule its device and its end. */
static int gen_arrive(struct exec *e, unsigned k)
{
	struct gen *g = &e->gens[k];
	struct guest_opts go = {.thp = g->thp, .hpt_order = g->hpt, .memlock = g->memlock};
	uint64_t now = pfnlab_now(e->m), page = e->h.page_size, gran = 256ull << 20;
	bool vfio = work_rng_unit(&g->rng) * 1e6 < (double)g->vfio_ppm;
	uint64_t life = dist_sample(&g->lifetime, &g->rng), after = g->has_after ? dist_sample(&g->vfio_after, &g->rng) : 0;
	struct guest *gu;
	char name[32], m[256] = "";
	int err;

	go.ram = dist_sample(&g->ram, &g->rng);
	/* sPAPR guests have RAM in 256 MiB blocks; at least one page anyway */
	go.ram = go.ram >= gran ? go.ram / gran * gran : (go.ram + page - 1) / page * page;
	if (!go.ram)
		go.ram = page;
	go.pin_aware = g->pin_aware == 1 || (g->pin_aware == 0 && vfio);
	if (!g->fault || !strcmp(g->fault, "all"))
		go.fault = go.ram;
	else if (strcmp(g->fault, "none") && val_sizepct(g->fault, go.ram, 0, &go.fault, m, sizeof(m)))
		go.fault = go.ram;
	snprintf(name, sizeof(name), "%s%u", g->prefix, ++g->next_id);
	if (host_guest(&e->h, name)) {
		snprintf(e->msg, sizeof(e->msg), "guests: generated name '%s' is taken by a running guest", name);
		return -EINVAL;
	}
	if (--g->left)
		ev_push(e, now + dist_sample(&g->every, &g->rng), EV_ARRIVE, k, NULL);
	err = guest_start(&e->h, name, &go, &gu);
	if (!gu)
		return err == -ENOMEM || err == -EINVAL ? 0 : err;
	ev_push(e, now + (life ? life : 1), EV_STOP, k, name);
	if (vfio) {
		if (after)
			ev_push(e, now + after, EV_HOTPLUG, k, name);
		else
			vfio_hotplug(&e->h, gu, g->spapr, m, sizeof(m));
	}
	return 0;
}

static int run_event(struct exec *e, const struct event *ev)
{
	struct guest *g;
	char m[256];

	if (ev->kind == EV_ARRIVE)
		return gen_arrive(e, ev->gen);
	g = host_guest(&e->h, ev->name);
	if (!g)
		return 0; /* it never started, or a scenario line stopped it */
	if (ev->kind == EV_STOP)
		guest_stop(&e->h, g);
	else if (!(g->has_type1 && g->type1.nr) && !g->nr_spapr)
		vfio_hotplug(&e->h, g, e->gens[ev->gen].spapr, m, sizeof(m));
	return 0;
}

/* Count @n steps; past the bound, the run stops (-E2BIG) with the reason in e->msg. */
static int steps(struct exec *e, uint64_t n)
{
	e->steps += n;
	if (e->steps <= e->max_steps)
		return 0;
	snprintf(e->msg, sizeof(e->msg),
		 "stopped after %llu steps (statements, repeat passes, generated events, expired background batches): a runaway "
		 "loop? raise the bound with --max-steps",
		 (unsigned long long)e->max_steps);
	return -E2BIG;
}

/* Let @ns of model time pass: background expiries and scheduled events, in time order. */
static int advance(struct exec *e, uint64_t ns)
{
	uint64_t now = pfnlab_now(e->m), target = now + ns;

	if (target < now)
		target = UINT64_MAX;
	for (;;) {
		uint64_t tb = bg_next_expiry(&e->h), te = e->nr_ev ? e->ev[0].t : UINT64_MAX;
		uint64_t t = tb < te ? tb : te;
		int err;

		if (t > target)
			break;
		if (t > now) {
			pfnlab_advance(e->m, t - now);
			now = t;
		}
		if (tb <= te) {
			err = steps(e, bg_expire(&e->h, now));
			if (err)
				return err;
			continue;
		}
		err = steps(e, 1);
		if (err)
			return err;
		struct event ev = ev_pop(e);

		err = run_event(e, &ev);
		if (err)
			return err;
		if (e->o->check) {
			char why[512];

			if (pfnlab_check(e->m, why, sizeof(why))) {
				snprintf(e->msg, sizeof(e->msg), "after a generated event: checker: %.400s", why);
				return -EUCLEAN;
			}
		}
	}
	if (target > now)
		pfnlab_advance(e->m, target - now);
	bg_expire(&e->h, pfnlab_now(e->m));
	return 0;
}

/* ------------------------------------------------------------ actions */

static struct label *label_find(struct exec *e, const char *name)
{
	for (unsigned i = 0; i < e->nr_labels; i++)
		if (!strcmp(e->labels[i].name, name))
			return &e->labels[i];
	return NULL;
}

static struct label *label_new(struct exec *e, const char *name)
{
	struct label *l;

	if (name && label_find(e, name)) {
		(void)RUN_ERR(e, "%s: label '%s' is in use", verbs[e->cur->verb].name, name);
		return NULL;
	}
	if (e->nr_labels == e->cap_labels) {
		unsigned cap = e->cap_labels ? e->cap_labels * 2 : 16;
		struct label *n = realloc(e->labels, cap * sizeof(*n));

		if (!n)
			return NULL;
		e->labels = n;
		e->cap_labels = cap;
	}
	l = &e->labels[e->nr_labels++];
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name ? name : "");
	return l;
}

static void label_drop(struct exec *e, struct label *l)
{
	free(l->a);
	*l = e->labels[--e->nr_labels];
}

static struct raw_pin *raw_find(struct exec *e, const char *label, struct guest **owner)
{
	for (unsigned i = 0; i < e->h.nr_guests; i++) {
		struct guest *g = e->h.guests[i];

		for (unsigned k = 0; k < g->nr_raw; k++)
			if (!strcmp(g->raw[k].label, label)) {
				*owner = g;
				return &g->raw[k];
			}
	}
	return NULL;
}

static int do_kernel(struct exec *e)
{
	static const char *const keys[BG_CLASSES] = {"unmovable", "reclaimable", "pagecache"};
	uint64_t life = 0, mo;
	bool exp = false, bad = false;
	const char *lv = kv(e, "lifetime", &bad);
	char m[400];

	if (bad || get_uint(e, "max_order", 3, &mo))
		return -EINVAL;
	if (mo > pfnlab_machine_config(e->m)->max_order)
		return RUN_ERR(e, "kernel max_order: %llu is above the largest order %u", (unsigned long long)mo,
			       pfnlab_machine_config(e->m)->max_order);
	if (lv && strcmp(lv, "forever")) {
		exp = !strncmp(lv, "exp:", 4);
		if (val_time(exp ? lv + 4 : lv, &life, m, sizeof(m)))
			return RUN_ERR(e, "kernel lifetime: %s", m);
	}
	for (int c = 0; c < BG_CLASSES; c++) {
		uint64_t bytes;

		if (!kv(e, keys[c], &bad))
			continue;
		if (get_size(e, keys[c], e->cfg.ram_bytes, 0, &bytes))
			return -EINVAL;
		if (bg_set(&e->h, (enum bg_class)c, bytes >> e->h.page_shift, life, exp, (unsigned)mo))
			return -ENOMEM;
	}
	return 0;
}

static int do_guest(struct exec *e, int *res)
{
	struct guest_opts go = {0};
	bool bad = false;
	const char *name = pos(e, 0, &bad);
	int vfio;
	struct guest *g;
	char m[400] = "";

	if (bad || get_size(e, "ram", e->cfg.ram_bytes, 0, &go.ram) || get_bool(e, "thp", false, &go.thp) ||
	    get_hpt(e, &go.hpt_order) || get_enum(e, "vfio", "none|type1|spapr", 0, &vfio) ||
	    get_memlock(e, "memlock", &go.memlock) || get_bool(e, "pin_aware", vfio > 0, &go.pin_aware))
		return -EINVAL;
	if (!kv(e, "ram", &bad))
		return RUN_ERR(e, "guest: ram= is required (usage: %s)", verbs[V_GUEST].usage);
	if (!go.ram || (go.ram & (e->h.page_size - 1)))
		return RUN_ERR(e, "guest %s: ram %llu bytes is not a positive multiple of the page size", name,
			       (unsigned long long)go.ram);
	if (host_guest(&e->h, name))
		return RUN_ERR(e, "guest: a guest called '%s' is running already", name);
	if (get_amount(e, "fault", go.ram, vfio ? 0 : go.ram, &go.fault))
		return -EINVAL;
	*res = guest_start(&e->h, name, &go, &g);
	if (*res == -EINVAL)
		return RUN_ERR(e, "guest %s: HPT order out of range", name);
	if (g && vfio && !*res) {
		*res = vfio_hotplug(&e->h, g, vfio == 2, m, sizeof(m));
		if (*res && *res != -ENOMEM)
			return RUN_ERR(e, "guest %s: vfio: %s: %s", name, m, errno_name(*res));
	}
	return 0;
}

static int by_seq(const void *a, const void *b)
{
	const struct guest *x = *(struct guest *const *)a, *y = *(struct guest *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void touch_turns(struct exec *e, struct guest **list, uint64_t *want, unsigned n, uint64_t step, int *res);

static int do_touch(struct exec *e, int *res)
{
	bool bad = false;
	const char *who = pos(e, 0, &bad);
	struct guest *one = NULL;
	uint64_t step, *want;
	unsigned n, i;
	struct guest **list;
	int err = 0;

	if (bad || get_size(e, "step", 0, 0, &step))
		return -EINVAL;
	if (strcmp(who, "all")) {
		one = host_guest(&e->h, who);
		if (!one)
			return RUN_ERR(e, "touch: no running guest called '%s'", who);
	}
	n = one ? 1 : e->h.nr_guests;
	want = malloc((n + 1) * sizeof(*want));
	list = malloc((n + 1) * sizeof(*list));
	if (!want || !list) {
		free(want);
		free(list);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		list[i] = one ? one : e->h.guests[i];
	qsort(list, n, sizeof(*list), by_seq); /* in the order they started */
	for (i = 0; i < n && !err; i++)
		if (get_amount(e, "size", list[i]->ram, list[i]->ram, &want[i]))
			err = -EINVAL;
	if (!err)
		touch_turns(e, list, want, n, step, res);
	free(want);
	free(list);
	return err;
}

/* Guests take turns touching @step at a time until each touched its @want. */
static void touch_turns(struct exec *e, struct guest **list, uint64_t *want, unsigned n, uint64_t step, int *res)
{
	unsigned i;

	if (!step)
		step = UINT64_MAX;
	step = step == UINT64_MAX ? step : (step + e->h.page_size - 1) & ~(e->h.page_size - 1);
	for (bool more = true; more;) {
		more = false;
		for (i = 0; i < n; i++) {
			uint64_t chunk = want[i] < step ? want[i] : step, done = 0;

			if (!want[i] || list[i]->touched >= list[i]->ram)
				continue;
			*res = guest_touch(&e->h, list[i], chunk, &done);
			if (*res)
				return;
			want[i] -= chunk;
			more |= want[i] && list[i]->touched < list[i]->ram;
		}
	}
}

static int do_vfio(struct exec *e, int *res)
{
	int err = 0;
	struct guest *g = need_guest(e, &err);
	uint64_t iova, size, vaddr, unmapped;
	char m[400] = "";
	int fl;

	if (!g)
		return err;
	switch (e->cur->verb) {
	case V_HOTPLUG:
		if (get_enum(e, "type", "type1|spapr", strcmp(e->cfg.preset, "ppc64") == 0, &fl))
			return -EINVAL;
		*res = vfio_hotplug(&e->h, g, fl == 1, m, sizeof(m));
		break;
	case V_UNPLUG:
		if (!(g->has_type1 && g->type1.nr) && !g->nr_spapr) {
			*res = -ENOENT;
			snprintf(m, sizeof(m), "guest %s has no VFIO device", g->name);
		} else {
			vfio_unplug(&e->h, g);
		}
		break;
	case V_VFIO_MAP:
		if (!kv(e, "iova", (bool[]){0}) || !kv(e, "size", (bool[]){0}))
			return RUN_ERR(e, "vfio_map: iova= and size= are required (usage: %s)", verbs[V_VFIO_MAP].usage);
		if (get_addr(e, "iova", 0, &iova) || get_size(e, "size", 0, 0, &size) ||
		    get_enum(e, "flags", "rw|r|w|none", 0, &fl) || get_addr(e, "vaddr", GUEST_RAM_HVA + iova, &vaddr))
			return -EINVAL;
		*res = vfio_map_dma(&e->h, g, iova, vaddr, size,
				    (unsigned[]){VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, VFIO_DMA_MAP_FLAG_READ,
						 VFIO_DMA_MAP_FLAG_WRITE, 0}[fl], m, sizeof(m));
		break;
	case V_VFIO_UNMAP:
		if (!kv(e, "iova", (bool[]){0}) || !kv(e, "size", (bool[]){0}))
			return RUN_ERR(e, "vfio_unmap: iova= and size= are required (usage: %s)", verbs[V_VFIO_UNMAP].usage);
		if (get_addr(e, "iova", 0, &iova) || get_size(e, "size", 0, 0, &size))
			return -EINVAL;
		*res = vfio_unmap_dma(&e->h, g, iova, size, &unmapped, m, sizeof(m));
		break;
	case V_SPAPR_REG:
	case V_SPAPR_UNREG:
		if (get_addr(e, "vaddr", GUEST_RAM_HVA, &vaddr) || get_size(e, "size", 0, g->ram, &size))
			return -EINVAL;
		*res = e->cur->verb == V_SPAPR_REG ? spapr_register(&e->h, g, vaddr, size, m, sizeof(m))
						   : spapr_unregister(&e->h, g, vaddr, size, m, sizeof(m));
		break;
	default:
		break;
	}
	if (*res && m[0])
		snprintf(e->msg, sizeof(e->msg), "%s %s: %s: %s", verbs[e->cur->verb].name, g->name, m, errno_name(*res));
	else if (*res)
		snprintf(e->msg, sizeof(e->msg), "%s %s: %s", verbs[e->cur->verb].name, g->name, errno_name(*res));
	return 0;
}

static int do_pin(struct exec *e, int *res)
{
	int err = 0;
	struct guest *g = need_guest(e, &err);
	uint64_t off, size;
	bool lt, bad = false;
	const char *as = kv(e, "as", &bad);
	struct raw_pin *rp;
	struct guest *owner;
	char pinner[48];

	if (!g)
		return err;
	if (bad || get_size(e, "offset", 0, 0, &off) || get_amount(e, "size", g->ram, 0, &size) ||
	    get_bool(e, "longterm", true, &lt))
		return -EINVAL;
	if (!size || ((off | size) & (e->h.page_size - 1)) || off + size > g->ram || off + size < off)
		return RUN_ERR(e, "pin %s: [offset, offset+size) must be a non-empty, page-aligned part of its %llu bytes of RAM",
			       g->name, (unsigned long long)g->ram);
	if (as && raw_find(e, as, &owner))
		return RUN_ERR(e, "pin: label '%s' is in use", as);
	if (g->nr_raw == g->cap_raw) {
		unsigned cap = g->cap_raw ? g->cap_raw * 2 : 4;
		struct raw_pin *n = realloc(g->raw, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->raw = n;
		g->cap_raw = cap;
	}
	rp = &g->raw[g->nr_raw];
	memset(rp, 0, sizeof(*rp));
	snprintf(rp->label, sizeof(rp->label), "%s", as ? as : "");
	snprintf(pinner, sizeof(pinner), "pin_user_pages by guest %.23s", g->name);
	*res = pin_set_add(&e->h, g, &rp->pins, GUEST_RAM_HVA + off, size >> e->h.page_shift, true, lt, pinner, NULL);
	if (!*res) {
		g->nr_raw++;
		if (off + size > g->touched && off <= g->touched)
			g->touched = off + size;
	} else {
		free(rp->pins.v);
	}
	return 0;
}

static int do_unpin(struct exec *e, int *res)
{
	bool bad = false;
	const char *l = pos(e, 0, &bad);
	struct guest *g;
	struct raw_pin *rp;

	if (bad)
		return -EINVAL;
	rp = raw_find(e, l, &g);
	if (!rp) {
		*res = -ENOENT;
		snprintf(e->msg, sizeof(e->msg), "unpin: no pin labelled '%s'", l);
		return 0;
	}
	pin_set_release(&e->h, g, &rp->pins);
	*rp = g->raw[--g->nr_raw];
	return 0;
}

static int do_alloc(struct exec *e, int *res)
{
	uint64_t order, count;
	bool bad = false;
	const char *gs = kv(e, "gfp", &bad), *as = kv(e, "as", &bad);
	pfnlab_gfp_t gfp = PFNLAB_GFP_KERNEL;
	struct label *l;

	if (bad || get_uint(e, "order", 0, &order) || get_uint(e, "count", 1, &count))
		return -EINVAL;
	if (gs && pfnlab_gfp_parse(gs, strlen(gs), &gfp))
		return RUN_ERR(e, "alloc gfp: '%s' is not a GFP mask", gs);
	if (order > pfnlab_machine_config(e->m)->max_order)
		return RUN_ERR(e, "alloc order: %llu is above the largest order %u", (unsigned long long)order,
			       pfnlab_machine_config(e->m)->max_order);
	if (!count || count > (pfnlab_nr_pfns(e->m) >> order) + 1)
		return RUN_ERR(e, "alloc count: 1..%llu (the machine's blocks of that order)",
			       (unsigned long long)(pfnlab_nr_pfns(e->m) >> order) + 1);
	l = label_new(e, as);
	if (!l)
		return -EINVAL;
	l->kind = V_ALLOC;
	l->a = malloc(count * sizeof(*l->a));
	if (!l->a)
		return -ENOMEM;
	for (l->n = 0; l->n < count; l->n++) {
		if (pfnlab_alloc_pages(e->m, gfp, (unsigned)order, &l->a[l->n].pfn)) {
			*res = -ENOMEM;
			break;
		}
		l->a[l->n].order = (unsigned)order;
	}
	if (*res)
		snprintf(e->msg, sizeof(e->msg), "alloc: %llu of %llu order-%llu allocations succeeded",
			 (unsigned long long)l->n, (unsigned long long)count, (unsigned long long)order);
	if (!as) {
		/* unlabelled allocations stay allocated for good */
		free(l->a);
		e->nr_labels--;
	}
	return 0;
}

static int do_free(struct exec *e, int *res)
{
	bool bad = false;
	const char *n = pos(e, 0, &bad);
	struct label *l;

	if (bad)
		return -EINVAL;
	l = label_find(e, n);
	if (!l || l->kind != (e->cur->verb == V_FREE ? V_ALLOC : V_CMA_ALLOC)) {
		*res = -ENOENT;
		snprintf(e->msg, sizeof(e->msg), "%s: no %s labelled '%s'", verbs[e->cur->verb].name,
			 e->cur->verb == V_FREE ? "allocation" : "cma_alloc", n);
		return 0;
	}
	if (l->kind == V_ALLOC)
		for (uint64_t i = 0; i < l->n; i++)
			pfnlab_free_pages(e->m, l->a[i].pfn, l->a[i].order);
	else
		*res = pfnlab_cma_release(e->m, l->area, l->pfn, l->count);
	label_drop(e, l);
	return 0;
}

static int do_cma_alloc(struct exec *e, int *res)
{
	bool bad = false;
	const char *area = kv(e, "area", &bad), *as = kv(e, "as", &bad);
	uint64_t pages, size, align;
	int idx;
	struct label *l;
	uint64_t pfn;

	if (bad || get_uint(e, "pages", 0, &pages) || get_size(e, "size", 0, 0, &size) || get_uint(e, "align", 0, &align))
		return -EINVAL;
	if (!area)
		area = e->h.kvm_cma >= 0 && pfnlab_cma_count(e->m) == 1 ? "kvm_cma" : "reserved";
	idx = pfnlab_cma_find(e->m, area);
	if (idx < 0 && !kv(e, "area", &bad) && pfnlab_cma_count(e->m))
		idx = 0;
	if (idx < 0)
		return RUN_ERR(e, "cma_alloc: no CMA area called '%s'", area);
	if (!pages)
		pages = (size + e->h.page_size - 1) >> e->h.page_shift;
	if (!pages)
		return RUN_ERR(e, "cma_alloc: give pages=N or size=SIZE");
	if (align > 40)
		return RUN_ERR(e, "cma_alloc align: 0..40");
	if (as && label_find(e, as))
		return RUN_ERR(e, "cma_alloc: label '%s' is in use", as);
	host_trace_begin(&e->h);
	*res = pfnlab_cma_alloc(e->m, (unsigned)idx, pages, (unsigned)align, &pfn);
	host_trace_end(&e->h);
	if (*res == -EINVAL)
		return RUN_ERR(e, "cma_alloc: %llu pages do not fit area '%s'", (unsigned long long)pages, area);
	if (!*res && as) {
		l = label_new(e, as);
		if (!l)
			return -EINVAL;
		l->kind = V_CMA_ALLOC;
		l->area = (unsigned)idx;
		l->pfn = pfn;
		l->count = pages;
	}
	return 0;
}

static int do_stop(struct exec *e, int *res)
{
	bool bad = false;
	const char *n = pos(e, 0, &bad);
	int err = 0;
	struct guest *g;

	if (bad)
		return -EINVAL;
	if (!strcmp(n, "all")) {
		while (e->h.nr_guests)
			guest_stop(&e->h, e->h.guests[0]);
		return 0;
	}
	g = need_guest(e, &err);
	if (!g)
		return err;
	guest_stop(&e->h, g);
	return 0;
}

static int do_guests(struct exec *e)
{
	struct gen *g, *n;
	bool have, bad = false;
	uint64_t count, start;
	const char *prefix = kv(e, "name", &bad);
	int type, pa;
	struct dist d;

	if (bad)
		return -EINVAL;
	n = realloc(e->gens, (e->nr_gens + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	e->gens = n;
	g = &e->gens[e->nr_gens];
	memset(g, 0, sizeof(*g));
	g->line = e->cur->line;
	if (get_uint(e, "count", 1, &count) || get_time(e, "start", 0, &start) ||
	    get_dist(e, "every", true, &g->every, &have) || get_dist(e, "lifetime", true, &g->lifetime, &have) ||
	    get_dist(e, "ram", false, &g->ram, &have) || get_dist(e, "vfio_after", true, &g->vfio_after, &g->has_after) ||
	    get_enum(e, "vfio_type", "type1|spapr", strcmp(e->cfg.preset, "ppc64") == 0, &type) ||
	    get_bool(e, "thp", false, &g->thp) || get_enum(e, "pin_aware", "vfio|all|none", 0, &pa) ||
	    get_memlock(e, "memlock", &g->memlock) || get_hpt(e, &g->hpt))
		return -EINVAL;
	if (!have)
		return RUN_ERR(e, "guests: ram= is required (usage: %s)", verbs[V_GUESTS].usage);
	if (!kv(e, "every", &bad))
		g->every = (struct dist){D_CONST, 1, {3600000000000ull}};
	if (!kv(e, "lifetime", &bad))
		g->lifetime = (struct dist){D_CONST, 1, {86400000000000ull}};
	if (kv(e, "vfio", &bad)) {
		char m[400];

		if (val_pct(kv(e, "vfio", &bad), &g->vfio_ppm, m, sizeof(m)))
			return RUN_ERR(e, "guests vfio: %s", m);
	}
	if (!count || count > 1000000)
		return RUN_ERR(e, "guests count: 1..1000000");
	(void)d;
	g->left = (unsigned)count;
	g->spapr = type == 1;
	g->pin_aware = pa;
	g->fault = kv(e, "fault", &bad);
	for (int i = 0; i < e->cur->nkv; i++)
		if (!strcmp(e->cur->kv[i].key, "fault"))
			g->fault = e->cur->kv[i].val; /* lives as long as the program */
	snprintf(g->prefix, sizeof(g->prefix), "%.23s", prefix ? prefix : "vm");
	g->rng = e->seed * 0x2545f4914f6cdd1dull + (uint64_t)e->cur->line * 0x9e3779b97f4a7c15ull;
	e->nr_gens++;
	return ev_push(e, pfnlab_now(e->m) + start, EV_ARRIVE, e->nr_gens - 1, NULL) ? -ENOMEM : 0;
}

static void print_guests(struct exec *e)
{
	char a[32], b[32], c[32];
	struct guest **list = malloc((e->h.nr_guests + 1) * sizeof(*list));

	if (!list)
		return;
	memcpy(list, e->h.guests, e->h.nr_guests * sizeof(*list));
	qsort(list, e->h.nr_guests, sizeof(*list), by_seq);

	story(e, "%-12s %10s %10s %10s %5s %-6s %10s %10s\n", "guest", "ram", "touched", "hpt", "order", "from",
	      "pinned", "in CMA");
	for (unsigned i = 0; i < e->h.nr_guests; i++) {
		struct guest *g = list[i];

		story(e, "%-12s %10s %10s %10s %5u %-6s %10llu %10llu\n", g->name, size_str(g->ram, a, sizeof(a)),
		      size_str(g->touched, b, sizeof(b)),
		      g->hpt.present ? size_str(1ull << g->hpt.order, c, sizeof(c)) : "-",
		      g->hpt.present ? g->hpt.order : 0, !g->hpt.present ? "-" : g->hpt.cma ? "cma" : "buddy",
		      (unsigned long long)g->pinned_pages, (unsigned long long)g->pinned_in_cma);
	}
	free(list);
}

static int do_print(struct exec *e)
{
	struct pfnlab_sink s = {story_sink, e};

	for (int i = 0; i < e->cur->npos; i++) {
		bool bad = false;
		const char *v = pos(e, i, &bad);

		if (bad)
			return -EINVAL;
		if (!strcmp(v, "guests")) {
			print_guests(e);
		} else if (!strcmp(v, "culprits")) {
			if (pfnlab_print_culprits(e->m, false, &s))
				story(e, "no contiguous allocation has failed\n");
		} else if (pfnlab_print(e->m, v, &s)) {
			const char *const *known = pfnlab_views();
			char list[512] = "";

			for (int k = 0; known[k]; k++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s, ", known[k]);
			return RUN_ERR(e, "print: unknown view '%.64s' (%.380sguests, culprits)", v, list);
		}
	}
	return 0;
}

static int do_expect(struct exec *e)
{
	bool bad = false;
	const char *k = pos(e, 0, &bad), *op = pos(e, 1, &bad), *v = pos(e, 2, &bad), *pl = kv(e, "policy", &bad);
	long long have, want;
	bool ok;
	char m[400], line[1024];

	if (bad)
		return -EINVAL;
	if (pl && !policy_in(pl, e->policy))
		return 0;
	if (check_metric(k, m, sizeof(m)))
		return RUN_ERR(e, "%s", m);
	if (metric(e, k, &have))
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
			 op, v, errno_name((int)have), pfnlab_pin_policy_name((enum pfnlab_pin_policy)e->policy));
	else
		snprintf(line, sizeof(line), "%s:%d: expect %s %s %s: found %lld (policy %s)\n", e->p->file, e->cur->line,
			 k, op, v, have, pfnlab_pin_policy_name((enum pfnlab_pin_policy)e->policy));
	buf_add(&e->r->failures, &e->r->failures_len, &e->r->failures_cap, line, strlen(line));
	return 0;
}

/* want=ERRNO: compare, else decide whether a failure is an outcome or a mistake. */
static int settle(struct exec *e, int res)
{
	const struct verbspec *v = &verbs[e->cur->verb];
	bool bad = false;
	const char *w = kv(e, "want", &bad);
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
			 errno_name(want), errno_name(res), pfnlab_pin_policy_name((enum pfnlab_pin_policy)e->policy));
		buf_add(&e->r->failures, &e->r->failures_len, &e->r->failures_cap, line, strlen(line));
		return 0;
	}
	if (!res || (res == -ENOMEM && (v->outcome & O_NOMEM)) || (res == -EBUSY && (v->outcome & O_BUSY)))
		return 0;
	if (!e->msg[0])
		snprintf(e->msg, sizeof(e->msg), "%s: %s", v->name, errno_name(res));
	return -EINVAL;
}

static int exec_stmt(struct exec *e, const struct stmt *s)
{
	int res = 0, err = 0;
	bool bad = false;

	e->cur = s;
	e->msg[0] = 0;
	switch (s->verb) {
	case V_KERNEL: err = do_kernel(e); break;
	case V_GUEST: err = do_guest(e, &res); break;
	case V_TOUCH: err = do_touch(e, &res); break;
	case V_HOTPLUG: case V_UNPLUG: case V_VFIO_MAP: case V_VFIO_UNMAP: case V_SPAPR_REG: case V_SPAPR_UNREG:
		err = do_vfio(e, &res);
		break;
	case V_STOP: err = do_stop(e, &res); break;
	case V_PIN: err = do_pin(e, &res); break;
	case V_UNPIN: err = do_unpin(e, &res); break;
	case V_ALLOC: err = do_alloc(e, &res); break;
	case V_FREE: case V_CMA_RELEASE: err = do_free(e, &res); break;
	case V_CMA_ALLOC: err = do_cma_alloc(e, &res); break;
	case V_GUESTS: err = do_guests(e); break;
	case V_ADVANCE: {
		const char *v = pos(e, 0, &bad);
		uint64_t ns;
		char m[400];

		if (bad)
			return -EINVAL;
		if (val_time(v, &ns, m, sizeof(m)))
			return RUN_ERR(e, "advance: %s", m);
		err = advance(e, ns);
		break;
	}
	case V_PRINT: err = do_print(e); break;
	case V_ECHO: {
		char t[32];
		const char *text = subst(e, s->text);

		if (!text)
			return -EINVAL;
		story(e, "%12s  %s\n", time_str(pfnlab_now(e->m), t, sizeof(t)), text);
		break;
	}
	case V_EXPECT: err = do_expect(e); break;
	case V_CHECK: {
		char why[512];

		if (pfnlab_check(e->m, why, sizeof(why))) {
			snprintf(e->msg, sizeof(e->msg), "check: %.400s", why);
			return -EUCLEAN;
		}
		break;
	}
	default:
		break;
	}
	if (err)
		return err;
	if (verbs[s->verb].flags & F_WANT)
		return settle(e, res);
	return 0;
}

static void collect(struct exec *e)
{
	struct scn_result *r = e->r;
	struct pfnlab_cma_info ci;

	r->st = e->h.st;
	r->model_ns = pfnlab_now(e->m);
	r->steps = e->steps;
	r->pins_migrated = (uint64_t)pfnlab_vmstat(e->m, "pfnlab_pin_migrated");
	r->pins_failed = (uint64_t)pfnlab_vmstat(e->m, "pfnlab_pin_failed");
	r->pins_unmovable_blocks = (uint64_t)pfnlab_vmstat(e->m, "pfnlab_pin_unmovable_blocks");
	r->busy_retries = (uint64_t)pfnlab_vmstat(e->m, "pfnlab_cma_busy_retry");
	r->unmovable_end = host_pageblocks_of_type(&e->h, PFNLAB_MT_UNMOVABLE);
	r->guests_running = e->h.nr_guests;
	if (e->h.kvm_cma >= 0 && !pfnlab_cma_info(e->m, (unsigned)e->h.kvm_cma, &ci)) {
		r->kvm_cma_pages = ci.count;
		r->kvm_cma_base_pfn = ci.base_pfn;
	}
}

/* ------------------------------------------------------------ recording */

/* Keep an SVG map of the machine now, captioned (at most SCN_MAX_MAPS; the last slot is the end's). */
static void record_map(struct exec *e, const char *caption, bool last)
{
	struct scn_record *rec = &e->r->rec;
	struct pfnlab_map_opts mo = {.title = caption};
	struct sweep_buf g = {0};
	struct pfnlab_sink s;

	if (!e->o->record || (rec->nr_maps >= SCN_MAX_MAPS - 1 && !last) || rec->nr_maps >= SCN_MAX_MAPS)
		return;
	sweep_buf_sink(&g, &s);
	if (pfnlab_map_svg(e->m, &mo, &s) || g.failed || !(rec->map_caption[rec->nr_maps] = strdup(caption))) {
		sweep_buf_free(&g);
		return;
	}
	rec->map_svg[rec->nr_maps++] = g.p;
}

/* One point of every series after an action statement. */
static void record_sample(struct exec *e)
{
	struct scn_record *rec = &e->r->rec;
	uint64_t hpt = e->h.st.hpt_failed + e->h.st.hpt_fallback;

	if (!e->o->record)
		return;
	if (rec->n == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 256;
		double *t = realloc(rec->t, cap * sizeof(double));

		if (!t)
			return;
		rec->t = t;
		for (int k = 0; k < SCN_NR_SERIES; k++) {
			double *y = realloc(rec->y[k], cap * sizeof(double));

			if (!y)
				return;
			rec->y[k] = y;
		}
		rec->cap = cap;
	}
	if (rec->n && hpt > (uint64_t)rec->y[SCN_HPT_FAILURES][rec->n - 1]) {
		char cap[160];

		snprintf(cap, sizeof(cap), "after HPT failure %llu (%.100s, line %d)", (unsigned long long)hpt,
			 e->p->file, e->cur ? e->cur->line : 0);
		record_map(e, cap, false);
	}
	rec->t[rec->n] = (double)pfnlab_now(e->m) / 1e9;
	rec->y[SCN_FREE_CMA][rec->n] = (double)pfnlab_vmstat(e->m, "nr_free_cma");
	rec->y[SCN_PINNED_IN_CMA][rec->n] = (double)e->h.st.pins_in_cma_now;
	rec->y[SCN_HPT_FAILURES][rec->n] = (double)hpt;
	rec->y[SCN_UNMOVABLE][rec->n] = (double)host_pageblocks_of_type(&e->h, PFNLAB_MT_UNMOVABLE);
	rec->y[SCN_BUSY_RETRIES][rec->n] = (double)pfnlab_vmstat(e->m, "pfnlab_cma_busy_retry");
	rec->n++;
}

int scn_run(const struct scn_program *p, const struct scn_opts *o, struct scn_result *r)
{
	struct exec *e = calloc(1, sizeof(*e));
	int err = 0, i;
	uint64_t counters[32] = {0};
	int pc[32], depth = 0;

	memset(r, 0, sizeof(*r));
	if (!e)
		return -ENOMEM;
	e->p = p;
	e->o = o;
	e->r = r;
	e->policy = o->policy >= 0 ? o->policy : p->policy;
	e->seed = o->seed_set ? o->seed : p->seed_set ? p->seed : 1;
	e->max_steps = o->max_steps ? o->max_steps : SCN_MAX_STEPS;
	e->hpt_fallback = -1;
	pfnlab_config_preset(&e->cfg, "x86_64", 4ull << 30);
	r->policy = e->policy;
	r->seed = e->seed;
	snprintf(r->scenario, sizeof(r->scenario), "%s", p->file);
	/* setup lines */
	for (i = 0; i < p->first_action && !err; i++) {
		const struct stmt *s = &p->s[i];

		if (s->verb == V_MACHINE)
			err = setup_machine(e, s);
		else if (s->verb == V_CMA)
			err = setup_cma(e, s);
		else if (s->verb == V_KVM)
			err = setup_kvm(e, s);
	}
	if (!err)
		err = build(e);
	else
		snprintf(r->error, sizeof(r->error), "%.200s:%d: %.500s", p->file, e->cur->line, e->msg);
	if (!err) {
		record_map(e, "start: the host after boot", false);
		record_sample(e);
	}
	if (!err) {
		snprintf(r->preset, sizeof(r->preset), "%s", e->cfg.preset);
		r->ram_bytes = e->cfg.ram_bytes;
		r->page_shift = e->cfg.page_shift;
		r->era = e->cfg.era;
		r->cma_rule = e->cfg.cma_rule;
	}
	for (i = p->first_action; i < p->n && !err;) {
		const struct stmt *s = &p->s[i];

		e->cur = s;
		err = steps(e, 1);
		if (err) {
			snprintf(r->error, sizeof(r->error), "%.200s:%d: %.500s", p->file, s->line, e->msg);
			break;
		}
		if (s->verb == V_REPEAT) {
			uint64_t n;
			bool bad = false;
			const char *v;
			char m[400];

			e->cur = s;
			v = pos(e, 0, &bad);
			if (bad) {
				err = -EINVAL;
				break;
			}
			if (val_uint(v, &n, m, sizeof(m)) || n > 100000000) {
				err = RUN_ERR(e, "repeat: '%s' is not a count 0..100000000", v);
				break;
			}
			if (!n) {
				i = s->jump + 1;
				continue;
			}
			pc[depth] = i;
			counters[depth++] = n;
			if (s->npos == 2) {
				e->vars[e->nvars].name = s->pos[1];
				e->vars[e->nvars++].value = 1;
			}
			i++;
			continue;
		}
		if (s->verb == V_END) {
			const struct stmt *rep = &p->s[s->jump];

			/* depth >= 1: scn_parse() pairs every end with a repeat, and a count of 0 jumps past the end */
			if (--counters[depth - 1]) {
				if (rep->npos == 2)
					e->vars[e->nvars - 1].value++;
				i = pc[depth - 1] + 1; /* NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult): see above */
			} else {
				depth--;
				if (rep->npos == 2)
					e->nvars--;
				i++;
			}
			continue;
		}
		err = exec_stmt(e, s);
		if (!err && s->verb != V_ECHO && s->verb != V_PRINT && s->verb != V_EXPECT)
			record_sample(e);
		if (!err && o->progress)
			o->progress(o->progress_arg, s->line, pfnlab_now(e->m));
		if (!err && o->moment)
			o->moment(o->moment_arg, e->m, s->line);
		if (!err && o->check && s->verb != V_ECHO && s->verb != V_PRINT && s->verb != V_EXPECT) {
			char why[512];

			if (pfnlab_check(e->m, why, sizeof(why))) {
				snprintf(e->msg, sizeof(e->msg), "after %s: checker: %.400s", verbs[s->verb].name, why);
				err = -EUCLEAN;
			}
		}
		if (err)
			snprintf(r->error, sizeof(r->error), "%.200s:%d: %.500s", p->file, s->line,
				 e->msg[0] ? e->msg : err == -ENOMEM ? "out of host memory" : pfnlab_strerror(err));
		i++;
	}
	if (e->built && !err) {
		char why[512];

		record_map(e, "end", true);
		if (o->moment)
			o->moment(o->moment_arg, e->m, 0);
		collect(e);
		if (o->check && pfnlab_check(e->m, why, sizeof(why))) {
			snprintf(r->error, sizeof(r->error), "%.200s: at the end: checker: %.500s", p->file, why);
			err = -EUCLEAN;
		}
	}
	if (e->built) {
		host_fini(&e->h);
		pfnlab_machine_destroy(e->m);
	}
	for (unsigned k = 0; k < e->nr_labels; k++)
		free(e->labels[k].a);
	free(e->labels);
	free(e->gens);
	free(e->ev);
	free(e);
	return err;
}

void scn_result_free(struct scn_result *r)
{
	for (size_t k = 0; k < r->rec.nr_maps; k++) {
		free(r->rec.map_caption[k]);
		free(r->rec.map_svg[k]);
	}
	free(r->rec.t);
	for (int k = 0; k < SCN_NR_SERIES; k++)
		free(r->rec.y[k]);
	r->rec = (struct scn_record){0};
	free(r->story);
	free(r->failures);
	r->story = r->failures = NULL;
}
