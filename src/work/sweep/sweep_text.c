/*
 * sweep_text.c - the text every part of a sweep writes: a growing byte
 * buffer (also a pfnlab_sink), JSON strings, numbers as summary.json
 * prints them, "file:line: message" errors, and words (trimmed, names).
 * Pure: no files.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"
#include "fmt.h"

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

/* ------------------------------------------------------------------ JSON and numbers */

/* @s (@n bytes) as a JSON string, quotes included (json_string(), src/base/fmt.c). */
void sweep_buf_json_str(struct sweep_buf *b, const char *s, size_t n)
{
	struct pfnlab_sink sk;

	sweep_buf_sink(b, &sk);
	json_string(&sk, s, n);
}

void sweep_sink_str(const struct pfnlab_sink *s, const char *t)
{
	s->write(s->arg, t, strlen(t));
}

void sweep_sink_fmt(const struct pfnlab_sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sink_vfmt(s, fmt, ap);
	va_end(ap);
}

void sweep_sink_json_str(const struct pfnlab_sink *s, const char *t)
{
	json_string(s, t, strlen(t));
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

/* "@where: message" into @err; returns -EINVAL. */
int sweep_fail(char *err, size_t errlen, const char *where, const char *fmt, ...)
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
void sweep_err_oom(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of host memory");
}

/* ------------------------------------------------------------------ words */

/* @s without its leading and trailing blanks (the end is cut in place). */
char *sweep_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* Letters, digits and _, not starting with a digit; with @dotted also dots (VERB.KEY, hpt.failed). */
bool sweep_valid_name(const char *n, bool dotted)
{
	if (!*n || !(isalpha((unsigned char)*n) || *n == '_'))
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && *n != '_' && !(dotted && *n == '.'))
			return false;
	return true;
}
