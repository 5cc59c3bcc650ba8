/*
 * args.c - a running statement's words and keys: $VAR and ${VAR} replaced
 * by the repeat counters in scope, then read as the type the verb wants,
 * with its default when the key is absent.
 *
 * Every getter returns 0 or -EINVAL with e->msg set ("VERB KEY: why"),
 * so a verb reads all its keys in one condition and returns on the first
 * bad one.  What the parser could not check (a value with $VAR) is checked
 * here, with the same words.
 */
#include <ctype.h>
#include <string.h>

#include "scn.h"

/* $VAR / ${VAR} substitution into one of a small ring of buffers. */
const char *arg_subst(struct exec *e, const char *in)
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
const char *arg_key(struct exec *e, const char *k, bool *bad)
{
	for (int i = 0; i < e->cur->nkv; i++)
		if (!strcmp(e->cur->kv[i].key, k)) {
			const char *v = arg_subst(e, e->cur->kv[i].val);

			if (!v)
				*bad = true;
			return v;
		}
	return NULL;
}

/* Positional word @i of the current statement after substitution, NULL if absent. */
const char *arg_word(struct exec *e, int i, bool *bad)
{
	const char *v;

	if (i >= e->cur->npos)
		return NULL;
	v = arg_subst(e, e->cur->pos[i]);
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

	*v = arg_key(e, k, &bad);
	return bad ? -EINVAL : *v != NULL;
}

static int key_error(struct exec *e, const char *k, const char *m)
{
	return RUN_ERR(e, "%s %s: %s", e->cur->verb->name, k, m);
}

int arg_size(struct exec *e, const char *k, uint64_t base, uint64_t def, uint64_t *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_sizepct(v, base, 0, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

int arg_uint(struct exec *e, const char *k, uint64_t def, uint64_t *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_uint(v, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

int arg_addr(struct exec *e, const char *k, uint64_t def, uint64_t *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_addr(v, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

int arg_bool(struct exec *e, const char *k, bool def, bool *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_bool(v, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

int arg_enum(struct exec *e, const char *k, const char *choices, int def, int *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_enum(v, choices, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

int arg_time(struct exec *e, const char *k, uint64_t def, uint64_t *out)
{
	const char *v;
	char m[400];
	int r = key_value(e, k, &v);

	if (r <= 0)
		return r ? r : (*out = def, 0);
	return val_time(v, out, m, sizeof(m)) ? key_error(e, k, m) : 0;
}

int arg_dist(struct exec *e, const char *k, bool time, struct dist *d, bool *have)
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
int arg_amount(struct exec *e, const char *k, uint64_t base, uint64_t def, uint64_t *out)
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

int arg_memlock(struct exec *e, const char *k, uint64_t *out)
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
int arg_hpt(struct exec *e, int *out)
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

/* key @k as an oom_score_adj (absent: 0) */
int arg_adj(struct exec *e, const char *k, int *out)
{
	const char *v;
	char m[400];

	*out = 0;
	if (key_value(e, k, &v) < 0)
		return -EINVAL;
	if (v && val_adj(v, out, m, sizeof(m)))
		return RUN_ERR(e, "%s: %s", k, m);
	return 0;
}
