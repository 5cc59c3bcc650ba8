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

struct render {
	struct input_text t;
	int err;
};

static void put(struct render *r, const char *s, size_t n)
{
	if (!r->err)
		r->err = input_text_append(&r->t, s, n);
}

/* One record as a line of `trace-cmd report`. */
static int render_record(struct tracecmd_input *h, struct tep_record *rec, int cpu, void *arg)
{
	struct render *r = arg;
	struct tep_handle *tep = tracecmd_get_tep(h);
	struct trace_seq s;
	char lost[64];
	int n;

	if (rec->missed_events) {
		if (rec->missed_events > 0)
			n = snprintf(lost, sizeof(lost), "CPU:%d [LOST %lld EVENTS]\n", cpu, (long long)rec->missed_events);
		else
			n = snprintf(lost, sizeof(lost), "CPU:%d [EVENTS DROPPED]\n", cpu);
		put(r, lost, (size_t)n);
	}
	trace_seq_init(&s);
	tep_print_event(tep, &s, rec, "%s-%d [%03d] %6.1000d: %s: %s", TEP_PRINT_COMM, TEP_PRINT_PID,
			TEP_PRINT_CPU, TEP_PRINT_TIME, TEP_PRINT_NAME, TEP_PRINT_INFO);
	trace_seq_terminate(&s);
	put(r, s.buffer, strlen(s.buffer));
	put(r, "\n", 1);
	trace_seq_destroy(&s);
	return r->err ? -1 : 0;
}

int input_tracedat_text(int fd, const char *name, char **out, size_t *outlen, char *why, size_t len)
{
	struct render r = {0};
	struct tracecmd_input *h;
	int dfd = dup(fd);

	*out = NULL;
	*outlen = 0;
	if (dfd < 0)
		return set_why(why, len, "%s: cannot read", name), -EIO;
	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	h = tracecmd_open_fd(dfd, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!h) {
		close(dfd);
		return set_why(why, len, "%s: not a readable trace-cmd .dat file (libtracecmd refused it: truncated or corrupt?)",
			       name), -EINVAL;
	}
	put(&r, "", 0); /* the text of a trace without records is "", not NULL */
	if (tracecmd_iterate_events(h, NULL, 0, render_record, &r) < 0 && !r.err)
		r.err = -EINVAL;
	tracecmd_close(h);
	if (r.err) {
		free(r.t.p);
		return set_why(why, len, r.err == -ENOMEM ? "%s: out of memory rendering the trace"
							  : "%s: libtracecmd could not read every record (truncated or corrupt?)",
			       name), r.err;
	}
	*out = r.t.p;
	*outlen = r.t.len;
	return 0;
}

#else /* !HAVE_LIBTRACECMD */

int input_tracedat_text(int fd, const char *name, char **out, size_t *outlen, char *why, size_t len)
{
	(void)fd;
	*out = NULL;
	*outlen = 0;
	return set_why(why, len,
		       "%s: a trace-cmd .dat file, but pfnlab was built without libtracecmd (install libtracecmd-dev, libtracefs-dev and libtraceevent-dev and rebuild, or convert it with `trace-cmd report`)",
		       name), -ENOTSUP;
}

#endif
