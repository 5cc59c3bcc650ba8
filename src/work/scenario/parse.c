/*
 * parse.c - scenario text to a program: each line a statement, checked
 * against its verb's row before anything runs, and the program's shape.
 *
 * A statement is `verb [positional...] key=value ...`: the verb is looked
 * up in the verb tables (listed here, in the order messages name them);
 * each key must be one of the verb's, once, with a value of its type
 * (value.c) unless the value holds a $VAR, which is checked when the line
 * runs; a verb's row may read its words in its own way (expect) or check
 * its positional words (policy, seed, advance, repeat, expect); by default
 * the first positional word is a name.  The program: setup lines (machine
 * first) before the first action and outside repeat, every repeat paired
 * with its end.  Errors read "file:line: message".
 */
#include <stdlib.h>
#include <string.h>

#include "scn.h"

/* Every verb table, in the order messages list the verbs. */
static const struct verb *const tables[] = {
	setup_verbs, actor_verbs, direct_verbs, event_verbs, story_verbs, expect_verbs, run_verbs,
};

static const struct verb *verb_find(const char *name, size_t n)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct verb *v = tables[t]; v->name; v++)
			if (strlen(v->name) == n && !strncmp(v->name, name, n))
				return v;
	return NULL;
}

/* The names of the verbs that have all of @flags, comma-separated. */
static const char *verb_list(unsigned flags, char *buf, size_t len)
{
	buf[0] = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct verb *v = tables[t]; v->name; v++)
			if ((v->flags & flags) == flags)
				snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "", v->name);
	return buf;
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

static const struct keyspec *find_key(const struct verb *v, const char *k, size_t n)
{
	for (int i = 0; v->keys && v->keys[i].key; i++)
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

/* The common reading of word @tok: 0 a positional word, 1 a key=value pair of the verb's keys (or want=). */
static int key_word(const struct stmt *s, int i, const char *tok, char *err, size_t len)
{
	const struct verb *v = s->verb;
	const char *eq = strchr(tok, '=');
	const struct keyspec *ks;
	size_t kl;
	bool want;

	if (!eq || !lex_is_key(tok))
		return 0;
	kl = (size_t)(eq - tok);
	ks = find_key(v, tok, kl);
	want = (v->flags & F_WANT) && kl == 4 && !strncmp(tok, "want", 4);
	if (!ks && !want)
		return fail(err, len, "%s: unknown key '%.*s' (usage: %s%s)", v->name, (int)kl, tok, v->usage,
			    (v->flags & F_WANT) ? " [want=ERRNO]" : "");
	for (int k = 0; k < s->nkv; k++)
		if (strlen(s->kv[k].key) == kl && !strncmp(s->kv[k].key, tok, kl))
			return fail(err, len, "%s: key '%.*s' given twice", v->name, (int)kl, tok);
	if (!eq[1])
		return fail(err, len, "%s: key '%.*s' has no value", v->name, (int)kl, tok);
	if (!strchr(eq + 1, '$')) {
		int e = want ? val_check(T_ERRNO, NULL, eq + 1, err, len) : val_check(ks->t, ks->choices, eq + 1, err, len);

		if (e) {
			char tmp[400];

			snprintf(tmp, sizeof(tmp), "%s %.*s: %.300s", v->name, (int)kl, tok, err);
			snprintf(err, len, "%s", tmp);
			return e;
		}
	}
	return 1;
}

/* Parse one line into @s; *@err gets "message" (the caller adds file:line); 1 for a blank line. */
static int parse_line(struct scn_program *p, char *line, int lineno, struct stmt *s, char *err, size_t len)
{
	char *tok[64], *text, list[512];
	int n;
	const struct verb *v;

	memset(s, 0, sizeof(*s));
	s->line = lineno;
	line += strspn(line, " \t");
	/* a text verb (echo) takes the rest of the line as it is */
	v = verb_find(line, lex_word_len(line));
	if (v && (v->flags & F_TEXT)) {
		s->verb = v;
		if (lex_text(line + strlen(v->name), &text))
			return fail(err, len, "%s: unterminated \"", v->name);
		s->text = xstrdup(text);
		return s->text ? 0 : -ENOMEM;
	}
	n = lex_words(line, tok, 64);
	if (n < 0)
		return fail(err, len, "too many words on one line (at most 64)");
	if (!n)
		return 1; /* blank */
	v = verb_find(tok[0], strlen(tok[0]));
	if (!v)
		return fail(err, len, "unknown verb '%s' (%s)", tok[0], verb_list(0, list, sizeof(list)));
	s->verb = v;
	s->pos = calloc((size_t)n, sizeof(char *));
	s->kv = calloc((size_t)n, sizeof(struct kv));
	if (!s->pos || !s->kv)
		return -ENOMEM;
	for (int i = 1; i < n; i++) {
		int k = v->word ? v->word(s, i, tok[i], err, len) : key_word(s, i, tok[i], err, len);

		if (k < 0)
			return k;
		if (k) {
			char *eq = strchr(tok[i], '=');

			*eq = 0;
			s->kv[s->nkv].key = xstrdup(tok[i]);
			s->kv[s->nkv].val = xstrdup(eq + 1);
			if (!s->kv[s->nkv].key || !s->kv[s->nkv].val)
				return -ENOMEM;
			s->nkv++;
		} else {
			if (s->nkv)
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
	if (v->check)
		return v->check(p, s, err, len);
	if (s->npos && !strchr(s->pos[0], '$') && val_name(s->pos[0], err, len)) {
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
		char line[4096], list[256];
		struct stmt s;
		int r;

		lineno++;
		ret = lex_line(&t, end, line, sizeof(line), msg, sizeof(msg));
		if (ret)
			break;
		r = parse_line(p, line, lineno, &s, msg, sizeof(msg));
		if (r == 1) {
			stmt_free(&s);
			continue;
		}
		if (!r) {
			const struct verb *v = s.verb;

			if (v->flags & F_SETUP) {
				if (actions)
					r = fail(msg, sizeof(msg), "%s: setup lines (%s) must come before the first action", v->name,
						 verb_list(F_SETUP, list, sizeof(list)));
				else if ((v->flags & F_FIRST) && p->n)
					for (int i = 0; i < p->n && !r; i++)
						if (p->s[i].verb->flags & F_CONFIG)
							r = fail(msg, sizeof(msg), "machine: must come before cma and kvm lines, and only once");
				if (!r && depth)
					r = fail(msg, sizeof(msg), "%s: setup lines cannot be inside repeat", v->name);
			} else if (!actions) {
				actions = true;
				p->first_action = p->n;
			}
			if (!r && (v->flags & F_OPEN)) {
				if (depth == 32)
					r = fail(msg, sizeof(msg), "repeat: nested more than 32 deep");
				else
					stack[depth++] = p->n;
			} else if (!r && (v->flags & F_CLOSE)) {
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
