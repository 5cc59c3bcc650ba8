/*
 * trace.c - the oracle guest's trace events and kernel log, per phase.
 *
 * A phase (phase_begin .. phase_end) clears the trace buffer and the kernel
 * log and marks /proc/vmstat; at its end the trace is read as a stream:
 * every event is counted by name ("<phase>.trace.count.<event>"), the
 * frequent ones (migration, compaction scanners, LRU scans) only summed
 * field by field ("<phase>.trace.<event>.<field>"), the others printed as
 * "TRACE <phase> <event>: <fields>" (timestamp and task stripped, at most
 * 2,000 per phase); then the kernel log as "DMESG <phase> <line>" and the
 * counters' changes (vm_delta).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

static int tracing;
static char trace_buf[1 << 22];

/* events counted and summed, never printed line by line */
static const char *const summed[] = {
	"mm_migrate_pages", "mm_compaction_isolate_migratepages", "mm_compaction_isolate_freepages",
	"mm_compaction_fast_isolate_freepages", "mm_compaction_migratepages", "mm_vmscan_lru_isolate",
	"mm_vmscan_lru_shrink_inactive", "mm_vmscan_lru_shrink_active", "mm_shrink_slab_start",
	"mm_shrink_slab_end", "mm_vmscan_write_folio", "mm_vmscan_writepage", "reclaim_retry_zone",
	"compact_retry",
};

#define MAX_PRINTED 2000

/*
 * Enable the events every experiment records (cma:*, test_pages_isolated,
 * mm_migrate_pages, 6.12's mm_alloc_contig_migrate_range_info) plus
 * @extra (NULL-terminated "system/event" or "system" names), and dynamic
 * debug for mm/cma.c and alloc_contig_dump_pages() (the "migration
 * failure" page dump).
 */
void trace_setup(const char *const *extra)
{
	static const char *const events[] = {
		"cma", "page_isolation/test_pages_isolated", "migrate/mm_migrate_pages",
		"kmem/mm_alloc_contig_migrate_range_info",
	};
	char p[256];
	struct stat st;

	if (stat(TRACEFS "/events", &st)) {
		result("trace.available", "no");
		return;
	}
	write_file(TRACEFS "/buffer_size_kb", "4096");
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]) + 16; i++) {
		const char *e = i < sizeof(events) / sizeof(events[0]) ? events[i] : extra ? extra[i - sizeof(events) / sizeof(events[0])] : NULL;

		if (!e)
			break;
		snprintf(p, sizeof(p), TRACEFS "/events/%s/enable", e);
		if (stat(p, &st) == 0 && write_file(p, "1") == 0)
			printf("INFO trace event on: %s\n", e);
		else
			printf("INFO trace event missing: %s\n", e);
	}
	if (write_file("/sys/kernel/debug/dynamic_debug/control", "file mm/cma.c +p") == 0)
		printf("INFO dynamic debug on for mm/cma.c\n");
	if (write_file("/sys/kernel/debug/dynamic_debug/control", "func alloc_contig_dump_pages +p") == 0)
		printf("INFO dynamic debug on for alloc_contig_dump_pages\n");
	tracing = 1;
	result("trace.available", "yes");
}

void trace_clear(void)
{
	if (tracing)
		write_file(TRACEFS "/trace", "");
	klogctl(5 /* SYSLOG_ACTION_CLEAR */, NULL, 0);
}

/* a phase's tally: events by name, and sums of the summed events' fields */
struct tally {
	char name[48][48];
	long long count[48];
	int nnames;
	char field[96][96];
	long long sum[96];
	int nfields;
	long long printed, not_printed, migrate_failed_events;
	char reason[32];
};

static struct tally tally;

/* Write the trace buffer and the tally before the experiment (see probe.c). */
void trace_scratch_init(void)
{
	memset(trace_buf, 0x5a, sizeof(trace_buf));
	memset(&tally, 0x5a, sizeof(tally));
	name_range("trace_buf", trace_buf, sizeof(trace_buf));
}

static long long *slot(char (*names)[96], long long *vals, int *n, int max, const char *key)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(names[i], key))
			return &vals[i];
	if (*n == max)
		return NULL;
	snprintf(names[*n], 96, "%s", key);
	vals[*n] = 0;
	return &vals[(*n)++];
}

static void tally_event(struct tally *t, const char *phase, char *ev)
{
	char name[48];
	size_t nl = strcspn(ev, ":");
	int i, is_summed = 0;

	if (!ev[nl] || nl >= sizeof(name))
		return;
	memcpy(name, ev, nl);
	name[nl] = 0;
	for (i = 0; i < t->nnames && strcmp(t->name[i], name); i++)
		;
	if (i == t->nnames && i < 48) {
		snprintf(t->name[i], sizeof(t->name[i]), "%s", name);
		t->count[t->nnames++] = 0;
	}
	if (i < 48)
		t->count[i]++;
	for (size_t s = 0; s < sizeof(summed) / sizeof(summed[0]); s++)
		is_summed |= !strcmp(summed[s], name);
	if (!is_summed) {
		if (t->printed < MAX_PRINTED) {
			printf("TRACE %s %s\n", phase, ev);
			t->printed++;
		} else {
			t->not_printed++;
		}
		return;
	}
	/* sum every "field=<decimal>" of the event */
	for (char *q = ev + nl + 1; (q = strchr(q, '=')); q++) {
		char *b = q, *end, key[96];
		long long v;

		while (b > ev && b[-1] != ' ')
			b--;
		if (!strcmp(name, "mm_migrate_pages") && !strncmp(b, "reason=", 7)) {
			snprintf(t->reason, sizeof(t->reason), "%.*s", (int)strcspn(q + 1, " "), q + 1);
			continue;
		}
		if (q[1] == '0' && q[2] == 'x')
			continue;
		v = strtoll(q + 1, &end, 10);
		if (end == q + 1 || (*end && *end != ' '))
			continue;
		snprintf(key, sizeof(key), "%s.%.*s", name, (int)(q - b), b);
		{
			long long *p = slot(t->field, t->sum, &t->nfields, 96, key);

			if (p)
				*p += v;
		}
		if (!strcmp(name, "mm_migrate_pages") && !strncmp(b, "nr_failed=", 10) && v)
			t->migrate_failed_events++;
	}
}

static long long summed_field(const struct tally *t, const char *key)
{
	for (int i = 0; i < t->nfields; i++)
		if (!strcmp(t->field[i], key))
			return t->sum[i];
	return 0;
}

/* The trace of @phase, read in chunks (it can be larger than any buffer). */
void trace_dump(const char *phase)
{
	struct tally *t = &tally;
	char key[160];
	long long entries = 0, migrations = 0;
	size_t have = 0;
	int fd, len;

	memset(t, 0, sizeof(*t));
	snprintf(t->reason, sizeof(t->reason), "-");
	fd = tracing ? open(TRACEFS "/trace", O_RDONLY) : -1;
	while (fd >= 0) {
		ssize_t n = read(fd, trace_buf + have, sizeof(trace_buf) - 1 - have);
		char *line = trace_buf, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		trace_buf[have] = 0;
		while ((nl = strchr(line, '\n'))) {
			char *ev;

			*nl = 0;
			if (line[0] != '#' && line[0]) {
				entries++;
				ev = strchr(line, ']');
				ev = ev ? strstr(ev, ": ") : NULL;
				if (ev)
					tally_event(t, phase, ev + 2);
			}
			line = nl + 1;
		}
		have -= (size_t)(line - trace_buf);
		memmove(trace_buf, line, have);
	}
	if (fd >= 0)
		close(fd);
	snprintf(key, sizeof(key), "%s.trace.entries", phase);
	result(key, "%lld", entries);
	/* mm_migrate_pages always: events, nr_succeeded, nr_failed, reason */
	for (int i = 0; i < t->nnames; i++)
		if (!strcmp(t->name[i], "mm_migrate_pages"))
			migrations = t->count[i];
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.events", phase);
	result(key, "%lld", migrations);
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.nr_succeeded", phase);
	result(key, "%lld", summed_field(t, "mm_migrate_pages.nr_succeeded"));
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.nr_failed", phase);
	result(key, "%lld", summed_field(t, "mm_migrate_pages.nr_failed"));
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.reason", phase);
	result(key, "%s", t->reason);
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.failed_events", phase);
	result(key, "%lld", t->migrate_failed_events);
	for (int i = 0; i < t->nnames; i++) {
		snprintf(key, sizeof(key), "%s.trace.count.%s", phase, t->name[i]);
		result(key, "%lld", t->count[i]);
	}
	for (int i = 0; i < t->nfields; i++) {
		if (!strcmp(t->field[i], "mm_migrate_pages.nr_succeeded") || !strcmp(t->field[i], "mm_migrate_pages.nr_failed"))
			continue;
		snprintf(key, sizeof(key), "%s.trace.%s", phase, t->field[i]);
		result(key, "%lld", t->sum[i]);
	}
	snprintf(key, sizeof(key), "%s.trace.not_printed", phase);
	result(key, "%lld", t->not_printed);
	if (tracing && (len = read_file(TRACEFS "/per_cpu/cpu0/stats", trace_buf, sizeof(trace_buf))) > 0) {
		char *q = strstr(trace_buf, "overrun: ");

		snprintf(key, sizeof(key), "%s.trace.overrun", phase);
		result(key, "%lld", q ? atoll(q + 9) : -1);
	}
}

/* The kernel log since the last trace_clear(), as DMESG lines. */
void klog_dump(const char *phase)
{
	int len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, trace_buf, sizeof(trace_buf) - 1);

	if (len <= 0)
		return;
	trace_buf[len] = 0;
	for (char *line = strtok(trace_buf, "\n"); line; line = strtok(NULL, "\n"))
		printf("DMESG %s %s\n", phase, line);
}

/* A measured phase: the counters marked, the trace and the log cleared. */
void phase_begin(const char *phase)
{
	vm_mark(phase);
	trace_clear();
}

/* Its trace, log and counter changes. */
void phase_end(const char *phase)
{
	trace_dump(phase);
	klog_dump(phase);
	vm_delta(phase);
}
