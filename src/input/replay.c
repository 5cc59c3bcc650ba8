/*
 * replay.c - a kernel trace replayed on a model machine: its lines read,
 * parsed and applied one at a time, counted, and the summary printed.
 *
 * The driver of the three stages (input.h): the lines come from an
 * input_lines reader (source.c), event_parse() reads each into a struct
 * trace_event (trace_event.c), replay_apply() applies a well-formed event
 * to the machine (replay_apply.c).  This file counts the lines (events,
 * lost events, headers, malformed lines), refuses a text that holds no
 * trace, and prints the summary: the counters, the events by name and each
 * zone's free pages and pageblocks before and after.
 *
 * Simplified: one trace buffer instance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "fmt.h"

#define X_NAME(n) #n,
static const char *const counter_names[NR_REPLAY_COUNTERS] = {REPLAY_COUNTERS(X_NAME)};

struct pfnlab_replay {
	struct pfnlab_machine *m;
	struct pfnlab_replay_opts o;
	struct event_parser *ep;
	struct replay_model *model;
	bool flags_column, saw_header, trace_cmd;
	uint64_t c[NR_REPLAY_COUNTERS];
	int64_t free_before[PFNLAB_NR_ZONES];
	uint64_t pb_before[PFNLAB_NR_ZONES][PFNLAB_MT_TYPES];
};

static void record_before(struct pfnlab_replay *r)
{
	const struct pfnlab_machine *m = r->m;

	for (int i = 0; i < m->nr_zones; i++) {
		r->free_before[i] = m->zones[i].nr_free;
		for (int t = 0; t < PFNLAB_MT_TYPES; t++)
			r->pb_before[i][t] = count_pageblocks(m, &m->zones[i], t);
	}
}

int pfnlab_replay_create(struct pfnlab_machine *m, const struct pfnlab_replay_opts *opts,
			 struct pfnlab_replay **out)
{
	struct pfnlab_replay *r;

	*out = NULL;
	if (m->cfg.pcp)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (event_parser_create(&r->ep) || replay_model_create(m, r->c, &r->model)) {
		pfnlab_replay_destroy(r);
		return -ENOMEM;
	}
	r->m = m;
	if (opts)
		r->o = *opts;
	record_before(r);
	*out = r;
	return 0;
}

void pfnlab_replay_destroy(struct pfnlab_replay *r)
{
	if (!r)
		return;
	event_parser_destroy(r->ep);
	replay_model_destroy(r->model);
	free(r);
}

/* A well-formed event line: applied and counted. */
static inline void replay_event(struct pfnlab_replay *r, const struct trace_event *ev)
{
	replay_apply(r->model, ev);
	r->c[C_events_total]++;
	r->c[ev->id == EV_UNKNOWN ? C_events_unknown : C_events_known]++;
	r->flags_column |= ev->has_flags;
}

/* The current line of @l: read, counted, applied.  0, or -EINVAL (message in @why) without lenient. */
static int replay_line(struct pfnlab_replay *r, const struct input_lines *l, char *why, size_t wlen)
{
	struct trace_event ev;
	int err;

	r->c[C_lines_total]++;
	err = event_parse(r->ep, l, &ev, why, wlen);
	if (err) {
		/* compaction events count by name: one with a bad number counts with the numbers before it */
		if (ev.id == EV_COMPACTION)
			replay_apply(r->model, &ev);
		if (!r->o.lenient)
			return err;
		r->c[C_lines_malformed]++;
		r->c[C_lines_skipped]++;
		return 0;
	}
	switch (ev.line) {
	case TL_EVENT:
		replay_event(r, &ev);
		break;
	case TL_LOST:
		r->c[C_lost_lines]++;
		r->c[C_lost_events] += ev.lost;
		r->c[C_lost_unknown] += ev.lost_unknown;
		break;
	default:
		r->saw_header |= ev.header;
		r->trace_cmd |= ev.trace_cmd;
		r->c[C_lines_skipped]++;
		break;
	}
	return 0;
}

/*
 * A text with neither an event, a lost-events line, a malformed line of a
 * known event nor a trace header in this many lines is no trace: a stream
 * of anything else is refused here rather than read forever.
 */
#define NO_TRACE_LINES (1u << 20)

static bool saw_trace(const struct pfnlab_replay *r, const uint64_t *before)
{
	return r->c[C_events_total] != before[0] || r->c[C_lost_lines] != before[1] ||
	       r->c[C_lines_malformed] != before[2] || r->saw_header;
}

/* The progress callback: bytes read of the input, when it knows. */
static void report_progress(const struct pfnlab_replay *r, const struct input_lines *l)
{
	uint64_t done, total;

	if (l->src) {
		input_stream_progress(l->src, &done, &total);
	} else {
		done = (uint64_t)(l->p - l->buf);
		total = l->cap;
	}
	r->o.progress(r->o.progress_arg, done, total, r->c[C_events_total]);
}

int pfnlab_replay_run(struct pfnlab_replay *r, struct input_lines *l, char *why, size_t wlen)
{
	uint64_t before[3] = {r->c[C_events_total], r->c[C_lost_lines], r->c[C_lines_malformed]};
	uint64_t lines = 0, next_report = r->o.every ? r->c[C_events_total] + r->o.every : UINT64_MAX;
	const volatile sig_atomic_t *stop = r->o.stop;

	/* a stream stops at its next read (input_stream_read()): what is buffered is applied first */
	for (;;) {
		struct trace_event ev;

		/* most lines are page events in their usual form: read in one pass */
		if (event_parse_next(r->ep, l, &ev)) {
			r->c[C_lines_total]++;
			replay_event(r, &ev);
		} else {
			int err;

			if (!input_lines_next(l))
				break;
			if ((err = replay_line(r, l, why, wlen)))
				return err;
		}
		if (r->c[C_events_total] >= next_report) {
			r->o.report(r->o.report_arg, r);
			next_report += r->o.every;
		}
		if (!(++lines & ((1u << 16) - 1))) {
			if (stop && *stop)
				break;
			if (r->o.progress)
				report_progress(r, l);
			if (lines == NO_TRACE_LINES && !saw_trace(r, before))
				return set_why(why, wlen, "%s: no trace events and no trace header in the first %u lines (not a kernel trace?)",
					       l->name, NO_TRACE_LINES), -EINVAL;
		}
	}
	if ((stop && *stop) || l->err == -EINTR)
		return set_why(why, wlen, "%s:%llu: interrupted", l->name, (unsigned long long)l->no + 1), -EINTR;
	if (input_lines_error(l, "trace text (a trace-cmd .dat or compressed file under another name?)", why, wlen))
		return l->err == -EILSEQ || l->err == -E2BIG ? -EINVAL : l->err;
	if (!saw_trace(r, before))
		return set_why(why, wlen, "%s: no trace events and no trace header in %llu lines (not a kernel trace?)",
			       l->name, (unsigned long long)lines), -EINVAL;
	return 0;
}

int pfnlab_replay_feed(struct pfnlab_replay *r, const char *text, size_t len, const char *name, char *why,
		       size_t wlen)
{
	struct input_lines l;

	input_lines_init(&l, name, text, len);
	return pfnlab_replay_run(r, &l, why, wlen);
}

uint64_t pfnlab_replay_events(const struct pfnlab_replay *r)
{
	return r->c[C_events_total];
}

uint64_t pfnlab_replay_counter(const struct pfnlab_replay *r, const char *key)
{
	for (int i = 0; i < NR_REPLAY_COUNTERS; i++)
		if (strcmp(counter_names[i], key) == 0)
			return r->c[i];
	return 0;
}

/* The migrate types /proc/pagetypeinfo of the machine's era lists, and their names. */
static int view_types(const struct pfnlab_machine *m, int *mts, const char *const **names)
{
	static const int cur[] = {PFNLAB_MT_UNMOVABLE, PFNLAB_MT_MOVABLE, PFNLAB_MT_RECLAIMABLE,
				  PFNLAB_MT_HIGHATOMIC, PFNLAB_MT_CMA, PFNLAB_MT_ISOLATE};
	static const int old[] = {PFNLAB_MT_UNMOVABLE, PFNLAB_MT_RECLAIMABLE, PFNLAB_MT_MOVABLE,
				  PFNLAB_MT_HIGHATOMIC, PFNLAB_MT_CMA, PFNLAB_MT_ISOLATE};
	const int *order = m->cfg.era == PFNLAB_ERA_2015 ? old : cur;
	int n = 0;

	*names = m->cfg.era == PFNLAB_ERA_2015 ? migratetype_names_2015 : migratetype_names;
	for (int i = 0; i < PFNLAB_MT_TYPES; i++)
		if (order[i] != PFNLAB_MT_CMA || m->cfg.config_cma)
			mts[n++] = order[i];
	return n;
}

void pfnlab_replay_summary(const struct pfnlab_replay *r, bool json, const struct pfnlab_sink *s)
{
	const struct pfnlab_machine *m = r->m;
	struct trace_event_count sorted[TRACE_EVENT_NAMES];
	const char *const *mtn;
	int e = event_parser_era(r->ep);
	const char *era = e == PFNLAB_ERA_2015 ? "2015" : e == PFNLAB_ERA_CURRENT ? "current" : "unknown";
	int mts[PFNLAB_MT_TYPES], nmt = view_types(m, mts, &mtn);
	uint64_t other;
	unsigned n = event_parser_names(r->ep, sorted, &other);
	if (json) {
		sink_printf(s, "{\"era\": \"%s\", \"flags_column\": %s, \"trace_cmd\": %s", era,
			    r->flags_column ? "true" : "false", r->trace_cmd ? "true" : "false");
		for (int i = 0; i < NR_REPLAY_COUNTERS; i++)
			sink_printf(s, ", \"%s\": %llu", counter_names[i], (unsigned long long)r->c[i]);
		sink_printf(s, ", \"events_by_name\": {");
		for (unsigned i = 0; i < n; i++) { /* names come from the trace: any bytes */
			sink_printf(s, "%s", i ? ", " : "");
			json_string(s, sorted[i].name, strlen(sorted[i].name));
			sink_printf(s, ": %llu", (unsigned long long)sorted[i].count);
		}
		if (other)
			sink_printf(s, "%s\"(other)\": %llu", n ? ", " : "", (unsigned long long)other);
		sink_printf(s, "}, \"zones\": {");
		for (int i = 0; i < m->nr_zones; i++) {
			const struct zone *z = &m->zones[i];

			sink_printf(s, "%s", i ? ", " : "");
			json_string(s, z->name, strlen(z->name));
			sink_printf(s, ": {\"free_pages_before\": %lld, \"free_pages_after\": %lld, \"free_pages_delta\": %lld, \"pageblocks_delta\": {",
				    (long long)r->free_before[i], (long long)z->nr_free, (long long)(z->nr_free - r->free_before[i]));
			for (int k = 0; k < nmt; k++)
				sink_printf(s, "%s\"%s\": %lld", k ? ", " : "", mtn[mts[k]],
					    (long long)count_pageblocks(m, z, mts[k]) - (long long)r->pb_before[i][mts[k]]);
			sink_printf(s, "}, \"pageblocks_after\": {");
			for (int k = 0; k < nmt; k++)
				sink_printf(s, "%s\"%s\": %llu", k ? ", " : "", mtn[mts[k]],
					    (unsigned long long)count_pageblocks(m, z, mts[k]));
			sink_printf(s, "}}");
		}
		sink_printf(s, "}}\n");
		return;
	}
	sink_printf(s, "%-26s %s\n", "era", era);
	sink_printf(s, "%-26s %s\n", "flags_column", r->flags_column ? "yes" : "no");
	for (int i = 0; i < NR_REPLAY_COUNTERS; i++)
		if (r->c[i] || i < C_pages_freed_unseen || i == C_extfrag_events || i == C_extfrag_change_ownership)
			sink_printf(s, "%-26s %llu\n", counter_names[i], (unsigned long long)r->c[i]);
	sink_printf(s, "events_by_name:\n");
	for (unsigned i = 0; i < n; i++)
		sink_printf(s, "  %-36s %llu\n", sorted[i].name, (unsigned long long)sorted[i].count);
	if (other)
		sink_printf(s, "  %-36s %llu\n", "(other)", (unsigned long long)other);
	for (int i = 0; i < m->nr_zones; i++) {
		const struct zone *z = &m->zones[i];
		char line[512];
		int k, len = snprintf(line, sizeof(line), "zone %-8s free pages %lld -> %lld (%+lld), pageblocks",
				      z->name, (long long)r->free_before[i], (long long)z->nr_free,
				      (long long)(z->nr_free - r->free_before[i]));

		for (k = 0; k < nmt; k++)
			len += snprintf(line + len, sizeof(line) - (size_t)len, " %s %+lld", mtn[mts[k]],
					(long long)count_pageblocks(m, z, mts[k]) - (long long)r->pb_before[i][mts[k]]);
		sink_printf(s, "%s\n", line);
	}
}
