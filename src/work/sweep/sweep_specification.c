/*
 * sweep_specification.c - a sweep specification: a scenario with `param`,
 * `scenario`, `failure` and `target` lines (docs/sweep.md), read, checked
 * against its scenario and counted.
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
 * scenario's.  sweep_spec_finish() checks that every ${NAME} is defined
 * and every parameter used, counts the runs and hashes their definition;
 * sweep_run.c turns a run id into its scenario.  Pure: no files.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

/* Failure metrics when a spec names none (those a run JSON has). */
static const char *const default_failures[] = {
	"hpt.failed", "hpt.fallback", "pins.failed", "guests.failed", "guests.oom",
	"vfio.map_failed", "vfio.spapr_failed", "vfio.memlock_exceeded", "expects.failed",
};
#define NR_DEFAULT_FAILURES (sizeof(default_failures) / sizeof(default_failures[0]))

/* ------------------------------------------------------------------ parameters */

int sweep_spec_set_param(struct sweep_spec *s, const char *name, const char *values, const char *where, char *err,
			 size_t errlen)
{
	struct param *p = NULL, tmp = {0};
	const char *dot = strchr(name, '.');
	int rc;

	sweep_err_oom(err, errlen);
	if (strlen(name) >= sizeof(tmp.name) || !sweep_valid_name(name, true) || (dot && (strchr(dot + 1, '.') || !dot[1])))
		return sweep_fail(err, errlen, where, "param: '%s' is not a name (letters, digits and _; or VERB.KEY)", name);
	for (size_t i = 0; i < s->np; i++)
		if (!strcmp(s->p[i].name, name))
			p = &s->p[i];
	if (!p && s->np == SWEEP_MAX_PARAMS)
		return sweep_fail(err, errlen, where, "param %s: at most %d parameters", name, SWEEP_MAX_PARAMS);
	snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	snprintf(tmp.where, sizeof(tmp.where), "%s", where);
	if (dot) {
		tmp.kind = SWEEP_KEY;
		snprintf(tmp.verb, sizeof(tmp.verb), "%.*s", (int)(dot - name), name);
		snprintf(tmp.key, sizeof(tmp.key), "%s", dot + 1);
		if (strcmp(tmp.verb, "machine") && strcmp(tmp.verb, "kvm") && strcmp(tmp.verb, "cma"))
			return sweep_fail(err, errlen, where, "param %s: '%s' is not a setup line whose keys a sweep can set (machine, kvm, cma)",
					  name, tmp.verb);
	} else {
		tmp.kind = !strcmp(name, "seed") ? SWEEP_SEED : !strcmp(name, "policy") ? SWEEP_POLICY : SWEEP_SUBST;
	}
	rc = sweep_param_values(&tmp, values, where, err, errlen);
	if (rc) {
		sweep_param_clear(&tmp);
		return rc;
	}
	if (p) {
		sweep_param_clear(p);
		*p = tmp;
	} else {
		s->p[s->np++] = tmp;
	}
	s->finished = false;
	return 0;
}

/* ------------------------------------------------------------------ lines */

/* The first word of a line (after blanks), its length; 0 for blank or comment lines. */
size_t sweep_first_word(const char *line, size_t len, const char **w)
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

/* Whether the word @w (@n bytes) is @s. */
bool sweep_word_is(const char *w, size_t n, const char *s)
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

/* ------------------------------------------------------------------ the spec */

int sweep_spec_parse(const char *file, const char *text, size_t len, struct sweep_spec **out, char *err,
		     size_t errlen)
{
	struct sweep_spec *s = calloc(1, sizeof(*s));
	int lineno = 0, rc = 0;
	size_t off = 0;

	sweep_err_oom(err, errlen);
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
		size_t ll = nl ? (size_t)(nl - line) : len - off, wl = sweep_first_word(line, ll, &w);
		char where[300], buf[4096];
		bool spec_line = true;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", file, lineno);
		line_copy(line, ll, buf, sizeof(buf));
		if (ll >= sizeof(buf)) {
			rc = sweep_fail(err, errlen, where, "line longer than %zu bytes", sizeof(buf) - 1);
		} else if (sweep_word_is(w, wl, "param")) {
			char *rest = sweep_trim(buf) + 5, *eq = strchr(rest, '=');

			if (!eq) {
				rc = sweep_fail(err, errlen, where, "param: usage: param NAME = VALUES");
			} else {
				*eq = 0;
				rest = sweep_trim(rest);
				if (!*rest)
					rc = sweep_fail(err, errlen, where, "param: usage: param NAME = VALUES");
				else if (sweep_param_find(s, rest) >= 0)
					rc = sweep_fail(err, errlen, where, "param %s: defined twice (first at %s)", rest,
							s->p[sweep_param_find(s, rest)].where);
				else
					rc = sweep_spec_set_param(s, rest, eq + 1, where, err, errlen);
			}
		} else if (sweep_word_is(w, wl, "scenario")) {
			char *rest = sweep_trim(sweep_trim(buf) + 8);

			if (s->ref[0])
				rc = sweep_fail(err, errlen, where, "scenario: given twice (first at line %d)", s->ref_line);
			else if (!*rest || strpbrk(rest, " \t") || strlen(rest) >= sizeof(s->ref))
				rc = sweep_fail(err, errlen, where, "scenario: usage: scenario FILE|NAME (one word)");
			else {
				snprintf(s->ref, sizeof(s->ref), "%s", rest);
				s->ref_line = lineno;
			}
		} else if (sweep_word_is(w, wl, "failure")) {
			char *save = NULL;

			if (!s->failure_set)
				snprintf(s->failure_where, sizeof(s->failure_where), "%s", where);
			s->failure_set = true;
			for (char *t = strtok_r(sweep_trim(buf) + 7, " \t,", &save); t && !rc; t = strtok_r(NULL, " \t,", &save)) {
				if (s->nfailure == MAX_FAILURES)
					rc = sweep_fail(err, errlen, where, "failure: at most %d metrics", MAX_FAILURES);
				else if (strlen(t) >= 64 || !sweep_valid_name(t, true))
					rc = sweep_fail(err, errlen, where, "failure: '%s' is not a metric", t);
				else
					snprintf(s->failure[s->nfailure++], 64, "%s", t);
			}
			if (!rc && !s->nfailure)
				rc = sweep_fail(err, errlen, where, "failure: usage: failure METRIC...");
		} else if (sweep_word_is(w, wl, "target")) {
			rc = sweep_set_target(s, sweep_trim(buf) + 6, where, err, errlen);
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
		rc = sweep_fail(err, errlen, where, "the scenario comes from '%s' (line %d); a spec with a scenario line holds only param, failure and target lines",
				s->ref, s->ref_line);
	}
	if (!rc && !s->ref[0] && !s->first_scn_line)
		rc = sweep_fail(err, errlen, s->file, "no scenario: neither scenario lines nor a 'scenario FILE|NAME' line");
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

	sweep_err_oom(err, errlen);
	while (off < len) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off), *w;
		size_t ll = nl ? (size_t)(nl - line) : len - off, wl = sweep_first_word(line, ll, &w);

		lineno++;
		if (sweep_word_is(w, wl, "param") || sweep_word_is(w, wl, "scenario") || sweep_word_is(w, wl, "failure") ||
		    sweep_word_is(w, wl, "target")) {
			char where[300];

			snprintf(where, sizeof(where), "%s:%d", name, lineno);
			return sweep_fail(err, errlen, where, "%.*s: a sweep line in the scenario of %s (put it in the spec)", (int)wl,
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
		sweep_param_clear(&s->p[i]);
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
		size_t ll = nl ? (size_t)(nl - line) : s->tmpl_len - off, wl = sweep_first_word(line, ll, &w);
		char buf[4096];

		lineno++;
		off += ll + (nl != NULL);
		line_copy(line, ll, buf, sizeof(buf));
		if (sweep_word_is(w, wl, "repeat")) {
			char var[64] = "";

			/* repeat N VAR */
			sscanf(buf, "%*s %*s %63s", var);
			if (nvars < 32)
				snprintf(vars[nvars++], 64, "%s", var);
		} else if (sweep_word_is(w, wl, "end")) {
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
	return sweep_fail(c->err, c->errlen, where, "${%.*s} is not defined (no 'param %.*s = ...' line and no repeat variable)",
			  (int)n, name, (int)n, name);
}

/* The line number of the first setup line VERB in the template, 0 if none. */
static int find_verb(const struct sweep_spec *s, const char *verb)
{
	size_t off = 0;
	int lineno = 0;

	while (off < s->tmpl_len) {
		const char *line = s->tmpl + off, *nl = memchr(line, '\n', s->tmpl_len - off), *w;
		size_t ll = nl ? (size_t)(nl - line) : s->tmpl_len - off, wl = sweep_first_word(line, ll, &w);

		lineno++;
		if (sweep_word_is(w, wl, verb))
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

	sweep_err_oom(err, errlen);
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
				return sweep_fail(err, errlen, p->where, "param %s: the scenario (%s) has no '%s' line", p->name,
						  s->scn_name, p->verb);
			p->used = true;
		}
		if (!p->used)
			return sweep_fail(err, errlen, p->where, "param %s: never used (no ${%s} in the scenario %s)", p->name,
					  p->name, s->scn_name);
	}
	if (s->failure_set) {
		for (size_t i = 0; i < s->nfailure; i++)
			if (!is_metric(s->failure[i], metrics, nmetrics))
				return sweep_fail(err, errlen, s->failure_where, "failure: unknown metric '%s' (a numeric key of the run JSON, e.g. hpt.failed)",
						  s->failure[i]);
	} else {
		s->nfailure = 0;
		for (size_t i = 0; i < NR_DEFAULT_FAILURES; i++)
			if (is_metric(default_failures[i], metrics, nmetrics))
				snprintf(s->failure[s->nfailure++], 64, "%s", default_failures[i]);
	}
	for (size_t i = 0; i < s->nterm; i++)
		if (!is_metric(s->term[i].key, metrics, nmetrics))
			return sweep_fail(err, errlen, s->target_where, "target: unknown metric '%s' (a numeric key of the run JSON, e.g. hpt.failed)",
					  s->term[i].key);
	s->points = 1;
	s->seeds = 1;
	for (size_t i = 0; i < s->np; i++) {
		uint64_t n = s->p[i].n;

		if (s->p[i].kind == SWEEP_SEED)
			s->seeds = n;
		else if (s->points > SWEEP_MAX_RUNS / n)
			return sweep_fail(err, errlen, s->p[i].where, "the sweep would have more than %llu runs",
					  (unsigned long long)SWEEP_MAX_RUNS);
		else
			s->points *= n;
	}
	if (s->points > SWEEP_MAX_RUNS / s->seeds)
		return sweep_fail(err, errlen, s->file, "the sweep would have more than %llu runs",
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
