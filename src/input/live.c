/*
 * live.c - the running kernel as a trace source, and the health of its
 * CMA areas as the model sees them.
 *
 * live_open() makes a tracefs buffer instance of its own ("pfnlab-PID"),
 * enables the kmem, cma, migrate and page_isolation events pfnlab reads
 * (those the kernel has) and turns tracing on; live_read() drains every
 * CPU's raw ring buffer once (tracefs_iterate_raw_events()), each record
 * rendered by its own print format as one line of the `trace-cmd report`
 * shape, as tracedat.c renders .dat files, so one parser reads every
 * source; live_close() removes the instance.  Nothing is kept but the line
 * being handed over: memory stays constant however long it runs.
 *
 * cma_health() says, without touching the machine, what each CMA area
 * holds and what a whole-area cma_alloc() would meet: pages already
 * handed out (no free range: -ENOMEM), frames that cannot move (kernel
 * allocations, reserved frames, pinned or extra-referenced anonymous
 * folios, page cache under writeback) and the movable pages it would
 * migrate.  It is a static reading of the frames; the model's own
 * cma_alloc() (what_if.c) is what runs at the end.
 *
 * Simplified: the records are rendered to text and parsed, not read field
 * by field; built without libtracefs (HAVE_LIBTRACECMD unset) live_open()
 * says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

void cma_health(const struct pfnlab_machine *m, unsigned idx, struct cma_health *h)
{
	const struct cma_area *a = &m->cma[idx];
	uint64_t end = a->base_pfn + a->count;

	memset(h, 0, sizeof(*h));
	h->pages = a->count;
	for (uint64_t b = 0; b < a->count >> a->order_per_bit; b++)
		if (a->bitmap[b / 64] >> (b % 64) & 1)
			h->cma_allocated += 1ull << a->order_per_bit;
	for (uint64_t p = a->base_pfn; p < end;) {
		const struct frame *f = &m->frames[p];
		uint64_t n = (f->flags & (F_BUDDY | F_ALLOC)) ? 1ull << f->order : 1;
		bool stuck = false;

		if (f->flags & F_BUDDY) {
			h->free += n;
		} else if (f->flags & F_ALLOC) {
			bool anon = f->flags & F_ANON, cache = !anon && (f->flags & F_LRU) && pg_kind(m, p);

			if (anon || cache) {
				h->borrowed += n;
				stuck = (anon && f->refcount > f->mt) || (f->flags & F_PINNED) ||
					(cache && (pg_flags(m, p) & PG_WRITEBACK)) ||
					(cache && f->refcount > folio_expected_refs(m, p));
				if (stuck)
					h->pinned += n;
			} else {
				uint64_t b = (p - a->base_pfn) >> a->order_per_bit;

				stuck = !(a->bitmap[b / 64] >> (b % 64) & 1);
				h->unmovable += stuck ? n : 0;
			}
		} else if (f->flags & (F_RESERVED | F_PCP)) {
			stuck = !(f->flags & F_PCP);
			h->unmovable += stuck;
		}
		if (stuck && h->nr_blockers < CMA_HEALTH_BLOCKERS)
			h->blocker[h->nr_blockers++] = p;
		p += n;
	}
	/* migration targets come from outside the area */
	for (int z = 0; z < m->nr_zones; z++)
		h->free_outside += (uint64_t)(m->zones[z].nr_free - m->zones[z].nr_free_cma);
	if (h->cma_allocated)
		h->verdict = -ENOMEM;
	else if (h->unmovable + h->pinned)
		h->verdict = -EBUSY;
	else if (h->borrowed > h->free_outside)
		h->verdict = -ENOMEM;
}

const char *cma_health_owner(const struct pfnlab_machine *m, uint64_t pfn)
{
	const struct frame *f = &m->frames[pfn];

	if ((f->flags & F_ALLOC) && (f->flags & F_ANON) && f->next && f->next <= m->nr_mms && m->mms[f->next - 1].live)
		return m->mms[f->next - 1].name;
	if ((f->flags & F_ALLOC) && !(f->flags & F_ANON) && pg_kind(m, pfn) && f->next && f->next <= m->nr_mappings)
		return m->mappings[f->next - 1].name;
	if (f->flags & F_RESERVED)
		return "reserved";
	return "kernel";
}

#ifdef HAVE_LIBTRACECMD
#include <event-parse.h>
#include <tracefs.h>

struct live_source {
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct trace_seq seq;
	int (*line)(void *arg, const char *s, size_t n);
	void *arg;
	uint64_t records;
};

/* The events pfnlab reads, by system; a system the kernel lacks is skipped. */
static const char *const live_systems[] = {"kmem", "cma", "migrate", "page_isolation", "compaction", NULL};

int live_open(struct live_source **out, char *why, size_t len)
{
	struct live_source *ls;
	const char *dir;
	char name[64];
	int enabled = 0;

	*out = NULL;
	if (geteuid() != 0)
		return set_why(why, len, "--live needs root: the kernel's trace buffers and /proc/kpageflags are root's"),
		       -EPERM;
	tep_set_loglevel(TEP_LOG_NONE);
	tracefs_set_loglevel(TEP_LOG_NONE);
	dir = tracefs_tracing_dir();
	if (!dir || access(dir, F_OK) != 0)
		return set_why(why, len,
			       "--live needs tracefs: mount it (mount -t tracefs nodev /sys/kernel/tracing) on a kernel with CONFIG_FTRACE"),
		       -ENOENT;
	ls = calloc(1, sizeof(*ls));
	if (!ls)
		return set_why(why, len, "out of host memory"), -ENOMEM;
	trace_seq_init(&ls->seq);
	snprintf(name, sizeof(name), "pfnlab-%d", (int)getpid());
	ls->inst = tracefs_instance_create(name);
	if (!ls->inst) {
		free(ls);
		return set_why(why, len, "%s/instances/%s: cannot create a trace buffer instance", dir, name), -EIO;
	}
	for (int i = 0; live_systems[i]; i++)
		enabled += tracefs_event_enable(ls->inst, live_systems[i], NULL) == 0;
	ls->tep = tracefs_local_events_system(NULL, live_systems);
	if (!enabled || !ls->tep) {
		live_close(ls);
		return set_why(why, len, "%s: none of the kmem, cma, migrate, page_isolation events could be enabled", dir),
		       -ENOENT;
	}
	/* pfnlab's own allocations while it reads are not the machine's story: not traced (v5.8+) */
	snprintf(name, sizeof(name), "%d", (int)getpid());
	tracefs_instance_file_write(ls->inst, "set_event_notrace_pid", name);
	tracefs_trace_on(ls->inst);
	*out = ls;
	return 0;
}

/* One record as a line of `trace-cmd report` (tracedat.c's shape). */
static int live_record(struct tep_event *ev, struct tep_record *rec, int cpu, void *arg)
{
	struct live_source *ls = arg;
	char lost[64];
	int n;

	if (rec->missed_events) {
		n = rec->missed_events > 0
			    ? snprintf(lost, sizeof(lost), "CPU:%d [LOST %lld EVENTS]", cpu, (long long)rec->missed_events)
			    : snprintf(lost, sizeof(lost), "CPU:%d [EVENTS DROPPED]", cpu);
		ls->line(ls->arg, lost, (size_t)n);
	}
	trace_seq_reset(&ls->seq);
	tep_print_event(ls->tep, &ls->seq, rec, "%s-%d [%03d] %6.1000d: %s: %s", TEP_PRINT_COMM, TEP_PRINT_PID,
			TEP_PRINT_CPU, TEP_PRINT_TIME, TEP_PRINT_NAME, TEP_PRINT_INFO);
	trace_seq_terminate(&ls->seq);
	ls->records++;
	if (ls->line(ls->arg, ls->seq.buffer, strlen(ls->seq.buffer)))
		tracefs_iterate_stop(ls->inst);
	return 0;
}

int live_read(struct live_source *ls, int (*line)(void *arg, const char *s, size_t n), void *arg)
{
	ls->line = line;
	ls->arg = arg;
	return tracefs_iterate_raw_events(ls->tep, ls->inst, NULL, 0, live_record, ls) < 0 ? -EIO : 0;
}

uint64_t live_records(const struct live_source *ls)
{
	return ls->records;
}

void live_close(struct live_source *ls)
{
	if (!ls)
		return;
	if (ls->inst) {
		tracefs_trace_off(ls->inst);
		tracefs_instance_destroy(ls->inst);
		tracefs_instance_free(ls->inst);
	}
	if (ls->tep)
		tep_free(ls->tep);
	trace_seq_destroy(&ls->seq);
	free(ls);
}

#else

int live_open(struct live_source **out, char *why, size_t len)
{
	*out = NULL;
	return set_why(why, len, "--live: pfnlab was built without libtracefs (install libtracecmd-dev and rebuild)"),
	       -ENOTSUP;
}

int live_read(struct live_source *ls, int (*line)(void *arg, const char *s, size_t n), void *arg)
{
	return -ENOTSUP;
}

uint64_t live_records(const struct live_source *ls)
{
	return 0;
}

void live_close(struct live_source *ls)
{
}

#endif
