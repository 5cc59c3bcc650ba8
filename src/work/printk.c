/*
 * printk.c - what the host kernel says: its log as `dmesg` shows it, an
 * ftrace session switched on around the operations worth tracing, and the
 * notable events the run report tells.  Every actor writes here; it calls
 * no other actor.
 *
 * Models the host's printk ring as seen with `dmesg` (a "[sec.usec] "
 * prefix from the model's logical clock) and an ftrace session that a
 * user switches on around the interesting operations.  Simplified: the
 * kmem page events (mm_page_alloc, mm_page_free, mm_page_pcpu_drain) are
 * left out of traced operations unless everything is traced, since a
 * guest faulting in 64 GiB would write millions of them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "work.h"

static void out_write(struct host *h, const char *buf, size_t len)
{
	if (h->out.write)
		h->out.write(h->out.arg, buf, len);
}

/* One printk line: count what the report needs, then print it as dmesg does. */
static void log_line(struct host *h, const char *text, size_t len)
{
	char buf[640];
	uint64_t now = pfnlab_now(h->m);
	int n;

	while (len && text[len - 1] == '\n')
		len--;
	h->st.log_lines++;
	if (len >= 10 && memmem(text, len, "PFNs busy", 9))
		h->st.busy_messages++;
	if (!h->out.write)
		return;
	n = snprintf(buf, sizeof(buf), "[%5llu.%06llu] %.*s\n", (unsigned long long)(now / 1000000000ull),
		     (unsigned long long)(now / 1000 % 1000000), (int)(len < 600 ? len : 600), text);
	out_write(h, buf, (size_t)n);
}

static void core_log_write(void *arg, const char *buf, size_t len)
{
	struct host *h = arg;

	/* the core may hand over several lines at once */
	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) + 1 : len;

		log_line(h, buf, n);
		buf += n;
		len -= n;
	}
}

static bool kmem_page_event(const char *buf, size_t len)
{
	return memmem(buf, len, ": mm_page_alloc: ", 17) || memmem(buf, len, ": mm_page_free: ", 16) ||
	       memmem(buf, len, ": mm_page_pcpu_drain: ", 22);
}

static void core_trace_write(void *arg, const char *buf, size_t len)
{
	struct host *h = arg;

	if (!h->trace_all && kmem_page_event(buf, len))
		return;
	out_write(h, buf, len);
}

/**
 * host_log_start() - from now on the core's log lines, and with trace_all
 * every trace line, go to the host's output.
 * @h: host, with m, out and trace_all set
 */
void host_log_start(struct host *h)
{
	h->core_log = (struct pfnlab_sink){core_log_write, h};
	h->core_trace = (struct pfnlab_sink){core_trace_write, h};
	pfnlab_set_log(h->m, &h->core_log);
	if (h->trace_all && h->out.write) {
		pfnlab_set_trace(h->m, &h->core_trace);
		h->tracing = true;
	}
}

/** host_log_stop() - the core writes no more log or trace lines to the host. */
void host_log_stop(struct host *h)
{
	pfnlab_set_log(h->m, NULL);
	pfnlab_set_trace(h->m, NULL);
}

/** host_log() - a kernel message of an actor (printk), one line. */
void host_log(struct host *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sink_vprintf(&h->core_log, fmt, ap);
	va_end(ap);
}

/** host_event() - something the run report should tell (a failure, a fallback), one line. */
void host_event(struct host *h, const char *fmt, ...)
{
	va_list ap;

	if (!h->event.write)
		return;
	va_start(ap, fmt);
	sink_vprintf(&h->event, fmt, ap);
	va_end(ap);
}

/** host_trace_begin() - trace the core's events during an interesting operation. */
void host_trace_begin(struct host *h)
{
	if (h->trace_ops && h->out.write && !h->tracing) {
		pfnlab_set_trace(h->m, &h->core_trace);
		h->tracing = true;
	}
}

/** host_trace_end() - stop tracing begun by host_trace_begin(). */
void host_trace_end(struct host *h)
{
	if (h->tracing && !h->trace_all) {
		pfnlab_set_trace(h->m, NULL);
		h->tracing = false;
	}
}
