/*
 * sweep_run.c - one run of a sweep: from its id, its point and parameter
 * values, the scenario text it executes, and the row it becomes.
 *
 *   run id = point * seeds + seed index            (seeds innermost)
 *   point  = mixed radix over the non-seed params, the last declared fastest
 *
 * A row is one line of JSON: the run id, the point, the parameters and a
 * status, then the keys of `pfnlab run --format json` (or the error).
 * Pure: no files; the engines (src/cli/study/) write the rows.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

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
		size_t ll = nl ? (size_t)(nl - line) : s->tmpl_len - off, wl = sweep_first_word(line, ll, &w);
		struct sweep_buf l = {0};
		bool keyed = false;

		for (size_t i = 0; i < s->np; i++)
			if (s->p[i].kind == SWEEP_KEY && !key_done[i] && sweep_word_is(w, wl, s->p[i].verb)) {
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
		sweep_buf_json_str(out, s->p[i].name, strlen(s->p[i].name));
		sweep_buf_add(out, ": ", 2);
		sweep_buf_json_str(out, v, strlen(v));
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
	sweep_buf_json_str(out, msg ? msg : "", msg ? strlen(msg) : 0);
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
