/*
 * progress.c - the progress line on stderr: only when stderr is a
 * terminal, only once the work has lasted a second, at most ten updates a
 * second, erased when the work ends.  Nothing of it reaches files or pipes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void progress_init(struct progress *p, bool wanted)
{
	p->on = wanted && isatty(2);
	p->shown = false;
	p->t0 = now_s();
	p->last = 0;
}

void progress_show(struct progress *p, const char *fmt, ...)
{
	va_list ap;
	double t;

	if (!p->on)
		return;
	t = now_s();
	if (t - p->t0 < 1.0 || t - p->last < 0.1)
		return;
	p->last = t;
	p->shown = true;
	fputs("\r\x1b[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

void progress_done(struct progress *p)
{
	if (p->shown)
		fputs("\r\x1b[K", stderr);
	p->shown = false;
}
