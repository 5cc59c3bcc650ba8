/*
 * fmt.c - formatted text to a sink or into a reason buffer (fmt.h), for
 * every layer.  A sink gets each call's text in one write, cut at 1023
 * bytes: printers write a line or less at a time.
 */
#include <stdio.h>

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
