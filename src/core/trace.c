/*
 * trace.c - kernel-format trace lines to an optional sink.
 *
 * Lines look like the text of /sys/kernel/tracing/trace:
 *   "<comm>-<pid> [<cpu>] <flags> <sec>.<usec>: <event>: <fields>"
 * laid out as trace_print_context() does.  Time is the machine's logical
 * clock (one microsecond per event), never the wall clock.  A page pointer
 * prints as the unhashed struct page address in the vmemmap, so the same
 * run gives the same bytes.  Event fields follow the TP_printk strings of
 * include/trace/events/kmem.h: hex PFNs today, decimal PFNs in 2015, and
 * the migrate-type numbers of each era.
 */
#include <stdarg.h>
#include <stdio.h>

#include "model.h"

/* The migrate-type number a kernel of the machine's era prints. */
int era_migratetype(const struct pfnlab_machine *m, int mt)
{
	static const int old[PFNLAB_MT_TYPES] = {0, 2, 1, 3, 4, 5};

	return m->cfg.era == PFNLAB_ERA_2015 ? old[mt] : mt;
}

static unsigned long long page_ptr(const struct pfnlab_machine *m, uint64_t pfn)
{
	unsigned long long base = m->cfg.page_shift >= 16 ? 0xc00c000000000000ull : 0xffffea0000000000ull;

	return base + pfn * 64;
}

void trace_printf(struct pfnlab_machine *m, const char *event, const char *fmt, ...)
{
	char buf[512];
	int n;
	va_list ap;

	if (!m->trace.write)
		return;
	m->clock_ns += 1000;
	n = snprintf(buf, sizeof(buf), "%16s-%-7d [%03u] %s %5llu.%06llu: %s: ", "pfnlab", 1, m->cpu,
		     m->cfg.era == PFNLAB_ERA_2015 ? "...." : ".....",
		     (unsigned long long)(m->clock_ns / 1000000000ull),
		     (unsigned long long)(m->clock_ns / 1000 % 1000000), event);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	m->trace.write(m->trace.arg, buf, (size_t)n);
}

/* A kernel log line (printk text without timestamp) to the log sink. */
void log_printf(struct pfnlab_machine *m, const char *fmt, ...)
{
	char buf[512];
	int n;
	va_list ap;

	if (!m->log.write)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	m->log.write(m->log.arg, buf, (size_t)n);
}

/*
 * models ___ratelimit(), lib/ratelimit.c: at most @burst messages per
 * @interval_ns of model time; the first message of a new window is
 * preceded by "FUNC: N callbacks suppressed" when the last one dropped any
 */
bool ratelimit(struct pfnlab_machine *m, struct ratelimit_state *rs, uint64_t interval_ns, unsigned burst,
	       const char *func)
{
	if (!rs->begin_ns)
		rs->begin_ns = m->now_ns + 1;
	if (m->now_ns + 1 >= rs->begin_ns + interval_ns) {
		if (rs->missed) {
			log_printf(m, "%s: %u callbacks suppressed", func, rs->missed);
			rs->missed = 0;
		}
		rs->begin_ns = m->now_ns + 1;
		rs->printed = 0;
	}
	if (rs->printed < burst) {
		rs->printed++;
		return true;
	}
	rs->missed++;
	return false;
}

void pfnlab_set_log(struct pfnlab_machine *m, const struct pfnlab_sink *sink)
{
	if (!m)
		return;
	m->log = sink ? *sink : (struct pfnlab_sink){0};
}

/* "pfn=0x1f00" today, "pfn=7936" in 2015 */
static const char *pfn_fmt(const struct pfnlab_machine *m)
{
	return m->cfg.era == PFNLAB_ERA_2015 ? "%llu" : "0x%llx";
}

void trace_page_alloc(struct pfnlab_machine *m, uint64_t pfn, unsigned order, pfnlab_gfp_t gfp, int mt)
{
	char g[256], p[32];
	bool ok = pfn != NIL_PFN;

	if (!m->trace.write)
		return;
	pfnlab_gfp_format(gfp, g, sizeof(g));
	snprintf(p, sizeof(p), pfn_fmt(m), ok ? (unsigned long long)pfn : 0ull);
	trace_printf(m, "mm_page_alloc", "page=%016llx pfn=%s order=%u migratetype=%d gfp_flags=%s",
		     ok ? page_ptr(m, pfn) : 0ull, p, order, era_migratetype(m, mt), g);
}

void trace_page_free(struct pfnlab_machine *m, uint64_t pfn, unsigned order)
{
	char p[32];

	if (!m->trace.write)
		return;
	snprintf(p, sizeof(p), pfn_fmt(m), (unsigned long long)pfn);
	trace_printf(m, "mm_page_free", "page=%016llx pfn=%s order=%u", page_ptr(m, pfn), p, order);
}

/* models trace_mm_page_alloc_extfrag(), counted for the vmstat-like totals */
void trace_extfrag(struct pfnlab_machine *m, uint64_t pfn, unsigned alloc_order,
		   unsigned fallback_order, int alloc_mt, int fallback_mt)
{
	char p[32];
	bool claimed = pb_type(m, pfn) == alloc_mt;

	m->vm[VM_EXTFRAG]++;
	m->vm[VM_EXTFRAG_CLAIMED] += claimed;
	if (!m->trace.write)
		return;
	snprintf(p, sizeof(p), pfn_fmt(m), (unsigned long long)pfn);
	trace_printf(m, "mm_page_alloc_extfrag",
		     "page=%016llx pfn=%s alloc_order=%u fallback_order=%u pageblock_order=%u alloc_migratetype=%d fallback_migratetype=%d fragmenting=%d change_ownership=%d",
		     page_ptr(m, pfn), p, alloc_order, fallback_order, m->pb_order,
		     era_migratetype(m, alloc_mt), era_migratetype(m, fallback_mt),
		     fallback_order < m->pb_order, claimed);
}

void trace_pcpu_drain(struct pfnlab_machine *m, uint64_t pfn, int mt)
{
	char p[32];

	if (!m->trace.write)
		return;
	snprintf(p, sizeof(p), pfn_fmt(m), (unsigned long long)pfn);
	trace_printf(m, "mm_page_pcpu_drain", "page=%016llx pfn=%s order=0 migratetype=%d",
		     page_ptr(m, pfn), p, era_migratetype(m, mt));
}
