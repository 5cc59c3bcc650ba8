/*
 * facts.c - the facts of one experiment's run: "RESULT key value" lines
 * (the kernel's, from a results file) or pfnlab's predictions, and the
 * "TRACE phase event" and "DMESG phase line" lines, kept by phase.  Values
 * of any length (a list of a thousand PFNs is one value).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "predict: out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "predict: out of memory\n");
		exit(2);
	}
	return d;
}

const char *get(const struct facts *fs, const char *key)
{
	for (size_t i = fs->n; i-- > 0;)
		if (!strcmp(fs->f[i].key, key))
			return fs->f[i].val;
	return NULL;
}

static char *vformat(const char *fmt, va_list ap)
{
	va_list aq;
	int len;
	char *s;

	va_copy(aq, ap);
	len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (len < 0)
		len = 0;
	s = xrealloc(NULL, (size_t)len + 1);
	if (vsnprintf(s, (size_t)len + 1, fmt, ap) < 0)
		s[0] = 0;
	return s;
}

void put(struct facts *fs, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *val;

	va_start(ap, fmt);
	val = vformat(fmt, ap);
	va_end(ap);
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 64;
		fs->f = xrealloc(fs->f, fs->cap * sizeof(*fs->f));
	}
	fs->f[fs->n++] = (struct fact){xstrdup(key), val};
}

void add_line(struct line **v, size_t *n, size_t *cap, const char *phase, const char *text)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = (struct line){xstrdup(phase), xstrdup(text)};
}

void facts_free(struct facts *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->f[i].key);
		free(fs->f[i].val);
	}
	for (size_t i = 0; i < fs->ntr; i++) {
		free(fs->tr[i].phase);
		free(fs->tr[i].text);
	}
	for (size_t i = 0; i < fs->nlg; i++) {
		free(fs->lg[i].phase);
		free(fs->lg[i].text);
	}
	free(fs->f);
	free(fs->tr);
	free(fs->lg);
	*fs = (struct facts){0};
}

/* Read a guest output file; 0, or -errno. */
int facts_load(struct facts *fs, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!fp)
		return -errno;
	while ((len = getline(&line, &cap, fp)) > 0) {
		char *a, *b;

		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		a = strchr(line, ' ');
		if (!a)
			continue;
		*a++ = 0;
		b = strchr(a, ' ');
		if (b)
			*b++ = 0;
		else
			b = a + strlen(a);
		if (!strcmp(line, "RESULT"))
			put(fs, a, "%s", b);
		else if (!strcmp(line, "TRACE"))
			add_line(&fs->tr, &fs->ntr, &fs->captr, a, b);
		else if (!strcmp(line, "DMESG"))
			add_line(&fs->lg, &fs->nlg, &fs->caplg, a, b);
	}
	free(line);
	fclose(fp);
	return 0;
}

bool num(const struct facts *fs, const char *key, long long *v)
{
	const char *s = get(fs, key);
	char *end;

	if (!s || !*s)
		return false;
	*v = strtoll(s, &end, 0);
	return *end == 0 || *end == ' ';
}

/* ---- growing strings ---- */

void strbuf_add(struct strbuf *s, const char *buf, size_t len)
{
	if (s->len + len + 1 > s->cap) {
		s->cap = (s->len + len + 1) * 2;
		s->text = xrealloc(s->text, s->cap);
	}
	memcpy(s->text + s->len, buf, len);
	s->len += len;
	s->text[s->len] = 0;
}

void strbuf_printf(struct strbuf *s, const char *fmt, ...)
{
	va_list ap;
	char *t;

	va_start(ap, fmt);
	t = vformat(fmt, ap);
	va_end(ap);
	strbuf_add(s, t, strlen(t));
	free(t);
}

/* A pfnlab_sink writing into a struct strbuf. */
void strbuf_sink(void *arg, const char *buf, size_t len)
{
	strbuf_add(arg, buf, len);
}
