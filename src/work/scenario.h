/*
 * scenario.h - the scenario language (docs/scenario.md): parse a scenario
 * once, run it on a fresh machine under any pin policy, and collect what
 * the run report shows.
 */
#ifndef PFNLAB_SCENARIO_H
#define PFNLAB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfnlab.h"
#include "work.h"

struct scn_program;

/* How a run is made; fields left zero take the scenario's own values. */
/*
 * A step is a statement executed (each pass of a repeat counts), an event a
 * generator scheduled, or a background batch that expired.  The seed takes
 * 53, host-month 184,214; a run past the bound stops with -E2BIG and says
 * where (a trivial loop reaches it in about 2 s, a 1 ms kernel churn in 6 s).
 */
#define SCN_MAX_STEPS 10000000ull

struct scn_opts {
	int policy;               /* enum pfnlab_pin_policy, -1 = the scenario's (default none) */
	bool seed_set;
	uint64_t seed;
	struct pfnlab_sink out;   /* kernel log and trace lines (write NULL: none) */
	bool trace_all;           /* every trace event, kmem page events included */
	bool check;               /* whole-state checker after every statement */
	uint64_t host_limit_bytes; /* refuse machines needing more host memory (0 = no limit) */
	uint64_t max_steps;       /* stop a runaway run after this many steps (0 = SCN_MAX_STEPS) */
	bool record;              /* keep maps and time series for the HTML report */
	/* called after each action statement: its line and the model time */
	void (*progress)(void *arg, int line, uint64_t model_ns);
	void *progress_arg;
	/* called with the machine after each action statement, and once at the end (line 0) */
	void (*moment)(void *arg, const struct pfnlab_machine *m, int line);
	void *moment_arg;
};

/* Time series of a run, one point per action statement (scn_opts.record). */
enum scn_series {
	SCN_FREE_CMA,        /* free CMA pages */
	SCN_PINNED_IN_CMA,   /* long-term pinned pages inside CMA */
	SCN_HPT_FAILURES,    /* HPT allocations that failed or fell back, cumulative */
	SCN_UNMOVABLE,       /* UNMOVABLE pageblocks */
	SCN_BUSY_RETRIES,    /* cma_alloc busy retries, cumulative */
	SCN_NR_SERIES
};

#define SCN_MAX_MAPS 8

/* What scn_opts.record keeps: maps at the moments that matter, and series. */
struct scn_record {
	size_t nr_maps;
	char *map_caption[SCN_MAX_MAPS];
	char *map_svg[SCN_MAX_MAPS];
	size_t n, cap;
	double *t;                      /* model time, seconds */
	double *y[SCN_NR_SERIES];
};

/* Room for every PFNLAB_PAGE_* state in scn_culprits.kind[]. */
#define SCN_PAGE_KINDS 16

/*
 * The last failed contiguous allocation's busy folios, counted by page kind
 * (PFNLAB_PAGE_*) and by why they did not move (enum pfnlab_busy_reason).
 * Kept only in runs with page cache or memfd guests (`files`,
 * backend=memfd), so that the reports of anonymous-only runs stay as they
 * were.
 */
struct scn_culprits {
	bool shown;
	uint64_t start, end, fin_pfn;
	int err;
	uint64_t folios;
	uint64_t kind[SCN_PAGE_KINDS];
	uint64_t reason[PFNLAB_BUSY_REASONS];
};

/* What a finished run reports; the JSON keys of `pfnlab run`. */
/* The compact_* counters a run reports, in /proc/vmstat's order (metric.c) */
#define SCN_NR_COMPACT 9
extern const char *const scn_compact_names[SCN_NR_COMPACT];

struct scn_result {
	char scenario[256];
	int policy;
	uint64_t seed;
	char preset[16];
	uint64_t ram_bytes;
	unsigned page_shift;
	int era, cma_rule, kernel; /* kernel: enum pfnlab_kernel, within era current */
	uint64_t kvm_cma_pages, kvm_cma_base_pfn;
	struct work_stats st;
	uint64_t pins_migrated, pins_failed, pins_unmovable_blocks;
	uint64_t busy_retries;
	struct {                  /* reclaim, compaction and the OOM killer (vmstat) */
		uint64_t pgscan, pgsteal, direct_reclaims, kswapd_runs, compact_stall, compact_success, oom_kill;
		bool panic;
	} reclaim;
	uint64_t unmovable_start, unmovable_end;
	uint64_t compact[SCN_NR_COMPACT]; /* compact_* of /proc/vmstat, scn_compact_names[] order */
	uint64_t guests_running;
	uint64_t expects_passed, expects_failed;
	uint64_t model_ns;
	uint64_t steps;           /* steps taken (see SCN_MAX_STEPS) */
	char *story;              /* echo, print and event lines, in order */
	size_t story_len, story_cap;
	uint64_t events, events_dropped;
	char *failures;           /* one "file:line: expect ..." line per failed expectation */
	size_t failures_len, failures_cap;
	char error[768];          /* "file:line: message" when scn_run() fails */
	struct scn_record rec;    /* with scn_opts.record */
	struct scn_culprits culprits;
};

/**
 * scn_compaction_ran() - did compaction run in @r: a scan, a direct stall
 * or a kcompactd wake-up (alloc_contig_range() alone counts only
 * compact_isolated)?
 */
bool scn_compaction_ran(const struct scn_result *r);

/**
 * scn_reclaim_acted() - did reclaim, direct compaction or the OOM killer
 * act in @r (pages scanned, kswapd or direct reclaim run, a compaction
 * stall, a kill or a panic): the run's reports show them only then.
 * @r: a finished run
 * Return: true if any of them did.
 */
bool scn_reclaim_acted(const struct scn_result *r);

/**
 * scn_parse() - parse scenario text.
 * @file: name used in messages ("examples/seed.scn", "builtin:seed")
 * @text: the scenario
 * @len: its length
 * @out: receives the program
 * @err: receives "file:line: message" on error
 * @errlen: size of @err
 *
 * Return: 0, -EINVAL (a syntax error, with its line) or -ENOMEM.
 */
int scn_parse(const char *file, const char *text, size_t len, struct scn_program **out, char *err,
	      size_t errlen);

/** scn_free() - free a parsed program. */
void scn_free(struct scn_program *p);

/** scn_policy() - the policy the scenario names (`policy` line), PFNLAB_PIN_NONE if none. */
int scn_policy(const struct scn_program *p);

/**
 * scn_run() - run a program on a new machine.
 * @p: program
 * @o: options
 * @r: receives the results (free with scn_result_free())
 *
 * Return: 0 when the run completed (r->expects_failed may be > 0),
 * -EINVAL for an input error found while running (r->error), -E2BIG when
 * the machine does not fit this host, -EUCLEAN when the checker found an
 * inconsistency, -ENOMEM when the host ran out of memory.
 */
int scn_run(const struct scn_program *p, const struct scn_opts *o, struct scn_result *r);

/** scn_result_free() - free what a result holds. */
void scn_result_free(struct scn_result *r);

/* Built-in scenarios (builtin.c). */
struct scn_builtin {
	const char *name;
	const char *summary;
	const char *text;
};

/** scn_builtins() - the built-in scenarios, ended by a NULL name. */
const struct scn_builtin *scn_builtins(void);

/** scn_builtin() - the built-in scenario called @name, or NULL. */
const struct scn_builtin *scn_builtin(const char *name);

/* Run reports (src/report/run_report.c). */
void run_report_text(const struct scn_result *r, const struct pfnlab_sink *s);
void run_report_json(const struct scn_result *r, const struct pfnlab_sink *s);
void compare_report_text(const struct scn_result *r, size_t n, const struct pfnlab_sink *s);
void compare_report_json(const struct scn_result *r, size_t n, const struct pfnlab_sink *s);
/* src/report/run_html.c: one self-contained page for run (n = 1) or compare */
void run_report_html(const struct scn_result *r, size_t n, const struct pfnlab_sink *s);

#endif /* PFNLAB_SCENARIO_H */
