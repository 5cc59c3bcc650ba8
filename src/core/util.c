/*
 * util.c - small helpers shared by the core: formatted output to a sink,
 * error reasons, errno names, the library's version.
 */
#include <stdarg.h>
#include <stdio.h>

#include "model.h"

void sink_printf(const struct pfnlab_sink *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	s->write(s->arg, buf, (size_t)n);
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

const char *pfnlab_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case -EINVAL: return "EINVAL";
	case -ENOMEM: return "ENOMEM";
	case -EBUSY: return "EBUSY";
	case -EAGAIN: return "EAGAIN";
	case -EEXIST: return "EEXIST";
	case -ENOSPC: return "ENOSPC";
	case -ENOENT: return "ENOENT";
	case -E2BIG: return "E2BIG";
	case -EOVERFLOW: return "EOVERFLOW";
	case -EUCLEAN: return "EUCLEAN";
	case -EFAULT: return "EFAULT";
	case -EPERM: return "EPERM";
	default: return "unknown error";
	}
}

const char *pfnlab_version(void)
{
	return PFNLAB_VERSION;
}
