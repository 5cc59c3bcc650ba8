/*
 * fmt.c - formatted text to a sink or into a reason buffer (fmt.h), for
 * every layer.  A sink gets each call's text in one write, cut at 1023
 * bytes: printers write a line or less at a time.  And the one JSON string
 * escaper every JSON writer of the library and the command uses.
 */
#include <stdio.h>
#include <string.h>

#include "fmt.h"

void sink_vprintf(const struct pfnlab_sink *s, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	s->write(s->arg, buf, (size_t)n);
}

void sink_printf(const struct pfnlab_sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sink_vprintf(s, fmt, ap);
	va_end(ap);
}

int set_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return 0;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return 0;
}

/* The length of the well-formed UTF-8 sequence at @p (@n bytes left), or 0 (RFC 3629). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0; /* no overlong forms */
	else if (p[0] == 0xed)
		hi = 0x9f; /* no surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f; /* nothing above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/**
 * json_string() - @str (@len bytes, any bytes) into @s as a JSON string,
 * quotes included: '"' and '\\' escaped, \n \r \t, other control
 * characters and DEL as \u00XX, well-formed UTF-8 as it is, and each byte
 * that is not part of well-formed UTF-8 as \ufffd, so the output is
 * valid JSON whatever the input (a trace, a file name, a guest's name).
 */
void json_string(const struct pfnlab_sink *s, const char *str, size_t len)
{
	const unsigned char *p = (const unsigned char *)str;
	char buf[256];
	size_t n = 0;

	buf[n++] = '"';
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t k = c >= 0x80 ? utf8_len(p + i, len - i) : 1;

		if (n + 8 > sizeof(buf)) {
			s->write(s->arg, buf, n);
			n = 0;
		}
		if (!k) {
			memcpy(buf + n, "\\ufffd", 6);
			n += 6;
			i++;
		} else if (k > 1) {
			memcpy(buf + n, p + i, k);
			n += k;
			i += k;
		} else {
			if (c == '"' || c == '\\') {
				buf[n++] = '\\';
				buf[n++] = (char)c;
			} else if (c == '\n' || c == '\r' || c == '\t') {
				buf[n++] = '\\';
				buf[n++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			} else if (c < 0x20 || c == 0x7f) {
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\u%04x", c);
			} else {
				buf[n++] = (char)c;
			}
			i++;
		}
	}
	buf[n++] = '"';
	s->write(s->arg, buf, n);
}
