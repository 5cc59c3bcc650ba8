/*
 * host.c - the hypervisor host the actors share: its kernel log, the
 * tracing of the operations worth tracing, the guest table and the pin
 * bookkeeping every actor uses.
 *
 * Models the host's printk ring as seen with `dmesg` (a "[sec.usec] "
 * prefix from the model's logical clock) and an ftrace session that a
 * user switches on around the interesting operations.  Simplified: the
 * kmem page events (mm_page_alloc, mm_page_free, mm_page_pcpu_drain) are
 * left out of traced operations unless everything is traced, since a
 * guest faulting in 64 GiB would write millions of them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
 * host_init() - set up the actors' host on a freshly built machine.
 * @h: host, zeroed except for out, trace_ops, trace_all, hpt_fallback, event
 * @m: the machine (the host does not own it)
 *
 * Return: 0.
 */
int host_init(struct host *h, struct pfnlab_machine *m)
{
	const struct pfnlab_config *c = pfnlab_machine_config(m);
	int k = pfnlab_cma_find(m, "kvm_cma");

	h->m = m;
	h->page_shift = c->page_shift;
	h->page_size = 1ull << c->page_shift;
	h->kvm_cma = k < 0 ? -1 : k;
	h->next_lpid = 1;
	h->core_log = (struct pfnlab_sink){core_log_write, h};
	h->core_trace = (struct pfnlab_sink){core_trace_write, h};
	pfnlab_set_log(m, &h->core_log);
	if (h->trace_all && h->out.write) {
		pfnlab_set_trace(m, &h->core_trace);
		h->tracing = true;
	}
	return 0;
}

/** host_fini() - stop every guest and the background, detach from the machine. */
void host_fini(struct host *h)
{
	while (h->nr_guests)
		guest_stop(h, h->guests[h->nr_guests - 1]);
	bg_destroy(h);
	free(h->guests);
	h->guests = NULL;
	if (h->m) {
		pfnlab_set_log(h->m, NULL);
		pfnlab_set_trace(h->m, NULL);
	}
}

/** host_log() - a kernel message of an actor (printk), one line. */
void host_log(struct host *h, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	log_line(h, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/** host_event() - something the run report should tell (a failure, a fallback). */
void host_event(struct host *h, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!h->event)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	h->event(h->event_arg, buf);
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

/** set_err() - write a reason into @why (may be NULL); returns 0 so callers can chain. */
int set_err(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return 0;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return 0;
}

/** host_guest() - the running guest called @name, or NULL. */
struct guest *host_guest(const struct host *h, const char *name)
{
	for (unsigned i = 0; i < h->nr_guests; i++)
		if (strcmp(h->guests[i]->name, name) == 0)
			return h->guests[i];
	return NULL;
}

/**
 * pin_set_add() - pin_user_pages() under the machine's policy and keep the
 * handle in @s; counts long-term pins and those that stay in CMA.
 * @h: host
 * @g: the guest whose QEMU process pins
 * @s: the set the pin joins
 * @addr: first virtual address
 * @npages: pages
 * @write: FOLL_WRITE
 * @longterm: FOLL_LONGTERM
 * @pinner: who pins, for culprit reports
 * @pfns: receives the pinned PFNs (may be NULL)
 *
 * Return: 0 or the negative errno of pfnlab_pin() (nothing pinned then).
 */
int pin_set_add(struct host *h, struct guest *g, struct pin_set *s, uint64_t addr, uint64_t npages,
		bool write, bool longterm, const char *pinner, uint64_t *pfns)
{
	unsigned flags = PFNLAB_FOLL_PIN | (write ? PFNLAB_FOLL_WRITE : 0) | (longterm ? PFNLAB_FOLL_LONGTERM : 0);
	uint64_t *buf = pfns, in_cma = 0;
	long handle;

	if (s->nr == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 4;
		struct pin_ref *n = realloc(s->v, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->v = n;
		s->cap = cap;
	}
	if (!buf) {
		buf = malloc(npages * sizeof(*buf));
		if (!buf)
			return -ENOMEM;
	}
	host_trace_begin(h);
	handle = pfnlab_pin(h->m, g->mm, addr, npages, flags, pinner, buf);
	host_trace_end(h);
	if (handle > 0)
		for (uint64_t i = 0; i < npages; i++)
			in_cma += pfnlab_pageblock_type(h->m, buf[i]) == PFNLAB_MT_CMA;
	if (buf != pfns)
		free(buf);
	if (handle <= 0)
		return handle ? (int)handle : -EINVAL;
	s->v[s->nr++] = (struct pin_ref){handle, npages, in_cma, longterm};
	if (longterm) {
		h->st.pins_longterm_pages += npages;
		h->st.pins_longterm_now += npages;
		h->st.pins_in_cma_now += in_cma;
		g->pinned_pages += npages;
		g->pinned_in_cma += in_cma;
		if (h->st.pins_in_cma_now > h->st.pins_in_cma_peak)
			h->st.pins_in_cma_peak = h->st.pins_in_cma_now;
	}
	return 0;
}

/** pin_set_release() - unpin_user_pages() of every pin in @s, @g's counters follow. */
void pin_set_release(struct host *h, struct guest *g, struct pin_set *s)
{
	pin_set_drop(h, g, s, false);
}

/**
 * pin_set_drop() - unpin every pin in @s.
 * @undo: the pins were part of an operation that failed: they leave the
 *        cumulative count too, as if never made
 */
void pin_set_drop(struct host *h, struct guest *g, struct pin_set *s, bool undo)
{
	for (unsigned i = 0; i < s->nr; i++) {
		struct pin_ref *p = &s->v[i];

		pfnlab_unpin(h->m, p->handle);
		if (p->longterm && undo)
			h->st.pins_longterm_pages -= p->pages;
		if (p->longterm) {
			h->st.pins_longterm_now -= p->pages;
			h->st.pins_in_cma_now -= p->in_cma;
			if (g) {
				g->pinned_pages -= p->pages;
				g->pinned_in_cma -= p->in_cma;
			}
		}
	}
	free(s->v);
	*s = (struct pin_set){0};
}

/** host_pageblocks_of_type() - how many pageblocks have migrate type @mt now. */
uint64_t host_pageblocks_of_type(const struct host *h, int mt)
{
	const struct pfnlab_config *c = pfnlab_machine_config(h->m);
	uint64_t step = 1ull << c->pageblock_order, n = 0, end = pfnlab_nr_pfns(h->m);

	for (uint64_t pfn = 0; pfn < end; pfn += step) {
		struct pfnlab_page_info pi;

		if (pfnlab_page_info(h->m, pfn, &pi) == 0 && pi.state == PFNLAB_PAGE_HOLE)
			continue;
		n += pfnlab_pageblock_type(h->m, pfn) == mt;
	}
	return n;
}

/** work_rng() - the actors' random numbers: splitmix64 of the state @s. */
uint64_t work_rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/** work_rng_unit() - a uniform number in (0, 1) from work_rng(). */
double work_rng_unit(uint64_t *s)
{
	return ((double)(work_rng(s) >> 11) + 0.5) / 9007199254740992.0;
}

/** size_str() - "7.5 GiB", "512 MiB", "64 KiB", "100 B". */
const char *size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	unsigned u = 0;
	uint64_t v = bytes;

	while (u < 5 && v >= 1024 && (v % 1024 == 0 || v >= 1024 * 1024)) {
		v /= 1024;
		u++;
	}
	if (u && bytes % (1ull << (10 * u)))
		snprintf(buf, len, "%.1f %s", (double)bytes / (double)(1ull << (10 * u)), unit[u]);
	else
		snprintf(buf, len, "%llu %s", (unsigned long long)v, unit[u]);
	return buf;
}

/** time_str() - model time as "HH:MM:SS" or "Dd HH:MM:SS". */
const char *time_str(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ull;

	if (s >= 86400)
		snprintf(buf, len, "%llud %02llu:%02llu:%02llu", (unsigned long long)(s / 86400),
			 (unsigned long long)(s / 3600 % 24), (unsigned long long)(s / 60 % 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%02llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	return buf;
}
