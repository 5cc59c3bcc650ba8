/*
 * sweep_target.c - a target: the condition a run should meet, `KEY OP
 * NUMBER [&& ...]` over the numeric keys of a run's row (`hpt.failed ==
 * 0 && hpt.fallback == 0`).  The aggregation counts the runs meeting it
 * per point; size-cma searches for the value where enough runs do.
 * Pure: no files.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

int sweep_set_target(struct sweep_spec *s, const char *expr, const char *where, char *err, size_t errlen)
{
	static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
	char buf[256], *save = NULL, *w[64];
	size_t nw = 0;

	if (strlen(expr) >= sizeof(buf))
		return sweep_fail(err, errlen, where, "target: too long");
	snprintf(buf, sizeof(buf), "%s", expr);
	for (char *t = strtok_r(buf, " \t", &save); t && nw < 64; t = strtok_r(NULL, " \t", &save))
		w[nw++] = t;
	s->nterm = 0;
	for (size_t i = 0; i < nw; i += 4) {
		struct term *t = &s->term[s->nterm];
		char *end;
		int op = -1;

		if (i + 3 > nw)
			return sweep_fail(err, errlen, where, "target: '%s': conditions are KEY OP NUMBER, joined by &&", expr);
		if (s->nterm == MAX_TERMS)
			return sweep_fail(err, errlen, where, "target: at most %d conditions", MAX_TERMS);
		if (strlen(w[i]) >= sizeof(t->key) || !sweep_valid_name(w[i], true))
			return sweep_fail(err, errlen, where, "target: '%s' is not a metric", w[i]);
		for (int k = 0; k < 6; k++)
			if (!strcmp(w[i + 1], ops[k]))
				op = k;
		if (op < 0)
			return sweep_fail(err, errlen, where, "target: '%s' is not one of == != < <= > >=", w[i + 1]);
		t->val = strtod(w[i + 2], &end);
		if (*end || end == w[i + 2] || !isfinite(t->val))
			return sweep_fail(err, errlen, where, "target: '%s' is not a number", w[i + 2]);
		snprintf(t->key, sizeof(t->key), "%s", w[i]);
		t->op = op;
		s->nterm++;
		if (i + 3 < nw && strcmp(w[i + 3], "&&") && strcmp(w[i + 3], "and"))
			return sweep_fail(err, errlen, where, "target: '%s': join conditions with &&", w[i + 3]);
		if (i + 3 < nw && i + 4 >= nw)
			return sweep_fail(err, errlen, where, "target: a condition is missing after '%s'", w[i + 3]);
	}
	if (!s->nterm)
		return sweep_fail(err, errlen, where, "target: empty");
	snprintf(s->target_text, sizeof(s->target_text), "%s", sweep_trim(strcpy(buf, expr)));
	snprintf(s->target_where, sizeof(s->target_where), "%s", where);
	s->finished = false;
	return 0;
}

const char *sweep_target(const struct sweep_spec *s)
{
	return s->nterm ? s->target_text : NULL;
}

/* Whether value @v meets condition @t. */
bool sweep_term_holds(const struct term *t, double v)
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
	st = sweep_kv_find(kv, n, "status");
	if (!st || strcmp(st->str, "ok"))
		rc = 0;
	for (size_t t = 0; rc == 1 && t < s->nterm; t++) {
		const struct sweep_kv *v = sweep_kv_find(kv, n, s->term[t].key);

		if (!v || !v->is_num || !sweep_term_holds(&s->term[t], v->num))
			rc = 0;
	}
	free(kv);
	return rc;
}
