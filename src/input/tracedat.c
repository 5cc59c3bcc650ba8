/*
 * tracedat.c - trace-cmd .dat files, read through Debian's libtracecmd
 * (package libtracecmd-dev, with libtracefs-dev and libtraceevent-dev).
 *
 * Every record of the top instance is rendered the way `trace-cmd report`
 * prints it, "comm-pid [cpu] secs.usecs: event: fields", by the event's own
 * print format (libtraceevent), so the text parser reads .dat files and
 * text captures alike.  A record after lost events is preceded by
 * "CPU:N [LOST M EVENTS]" (or "CPU:N [EVENTS DROPPED]" when the count is
 * unknown).  Plugins are not loaded, so the rendering does not depend on
 * what the host has installed.
 *
 * Records are pulled one at a time, in the order tracecmd_iterate_events()
 * gives them (the oldest timestamp of the CPUs' next records, the lowest
 * CPU on a tie), one pending record per CPU: a .dat file of any length is
 * read in constant memory.
 *
 * Simplified: buffer instances other than the top one are not read.
 * Built without libtracecmd (HAVE_LIBTRACECMD unset), .dat files are
 * refused with -ENOTSUP and a message saying what to install.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

#ifdef HAVE_LIBTRACECMD
#include <trace-cmd.h>

struct tracedat {
	struct tracecmd_input *h;
	int cpus;
	struct tep_record **next;  /* per CPU: its next record, NULL when it has no more */
	struct trace_seq seq;
	char *line;                /* the rendered record not yet handed out */
	size_t len, done;
};

int input_tracedat_open(int fd, const char *name, struct tracedat **out, char *why, size_t len)
{
	struct tracedat *d = calloc(1, sizeof(*d));
	int dfd = dup(fd);

	*out = NULL;
	if (!d || dfd < 0) {
		free(d);
		if (dfd >= 0)
			close(dfd);
		return set_why(why, len, "%s: cannot read", name), -EIO;
	}
	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	d->h = tracecmd_open_fd(dfd, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!d->h) {
		close(dfd);
		free(d);
		return set_why(why, len, "%s: not a readable trace-cmd .dat file (libtracecmd refused it: truncated or corrupt?)",
			       name), -EINVAL;
	}
	d->cpus = tep_get_cpus(tracecmd_get_tep(d->h));
	if (d->cpus > 0 && !(d->next = calloc((size_t)d->cpus, sizeof(*d->next)))) {
		input_tracedat_close(d);
		return set_why(why, len, "%s: out of memory", name), -ENOMEM;
	}
	for (int cpu = 0; cpu < d->cpus; cpu++)
		d->next[cpu] = tracecmd_read_data(d->h, cpu);
	trace_seq_init(&d->seq);
	*out = d;
	return 0;
}

void input_tracedat_close(struct tracedat *d)
{
	if (!d)
		return;
	for (int cpu = 0; d->next && cpu < d->cpus; cpu++)
		tracecmd_free_record(d->next[cpu]);
	free(d->next);
	if (d->seq.buffer)
		trace_seq_destroy(&d->seq);
	tracecmd_close(d->h);
	free(d);
}

/* The next record as `trace-cmd report` lines into d->seq; false when there is none. */
static bool render_next(struct tracedat *d)
{
	struct tep_record *rec;
	int best = -1;

	for (int cpu = 0; cpu < d->cpus; cpu++)
		if (d->next[cpu] && (best < 0 || d->next[cpu]->ts < d->next[best]->ts))
			best = cpu;
	if (best < 0)
		return false;
	rec = d->next[best];
	d->next[best] = tracecmd_read_data(d->h, best);
	trace_seq_reset(&d->seq);
	if (rec->missed_events > 0)
		trace_seq_printf(&d->seq, "CPU:%d [LOST %lld EVENTS]\n", best, (long long)rec->missed_events);
	else if (rec->missed_events)
		trace_seq_printf(&d->seq, "CPU:%d [EVENTS DROPPED]\n", best);
	tep_print_event(tracecmd_get_tep(d->h), &d->seq, rec, "%s-%d [%03d] %6.1000d: %s: %s", TEP_PRINT_COMM,
			TEP_PRINT_PID, TEP_PRINT_CPU, TEP_PRINT_TIME, TEP_PRINT_NAME, TEP_PRINT_INFO);
	trace_seq_putc(&d->seq, '\n');
	trace_seq_terminate(&d->seq);
	tracecmd_free_record(rec);
	d->line = d->seq.buffer;
	d->len = strlen(d->seq.buffer);
	d->done = 0;
	return true;
}

int input_tracedat_read(struct tracedat *d, char *out, size_t cap, size_t *n, char *why, size_t len)
{
	*n = 0;
	while (*n < cap) {
		size_t k;

		if (d->done == d->len) {
			if (!render_next(d))
				return *n ? 0 : 1;
			if (d->seq.state != TRACE_SEQ__GOOD)
				return set_why(why, len, "out of memory rendering the trace"), -ENOMEM;
		}
		k = d->len - d->done < cap - *n ? d->len - d->done : cap - *n;
		memcpy(out + *n, d->line + d->done, k);
		d->done += k;
		*n += k;
	}
	return 0;
}

#else /* !HAVE_LIBTRACECMD */

struct tracedat {
	int unused;
};

int input_tracedat_open(int fd, const char *name, struct tracedat **out, char *why, size_t len)
{
	(void)fd;
	*out = NULL;
	return set_why(why, len,
		       "%s: a trace-cmd .dat file, but pfnlab was built without libtracecmd (install libtracecmd-dev, libtracefs-dev and libtraceevent-dev and rebuild, or convert it with `trace-cmd report`)",
		       name), -ENOTSUP;
}

void input_tracedat_close(struct tracedat *d)
{
	free(d);
}

int input_tracedat_read(struct tracedat *d, char *out, size_t cap, size_t *n, char *why, size_t len)
{
	(void)d;
	(void)out;
	(void)cap;
	*n = 0;
	return set_why(why, len, "no .dat support"), -ENOTSUP;
}

#endif
