/*
 * sweep.h - studies over many scenario runs (docs/sweep.md): a sweep
 * specification (a scenario plus `param NAME = VALUES` lines), its
 * expansion into numbered runs, the rows those runs become, the
 * statistics per parameter point (mean, p50/p95/p99, probability of a
 * failure with a Wilson 95% interval) and size-cma's search.  The
 * interface of src/work/sweep/, one file per concept:
 *
 *   sweep_text.c           buffers, JSON strings, numbers, names, error messages
 *   sweep_values.c         a parameter's value list: words and ranges
 *   sweep_specification.c  the spec's lines, checks, run count and hash
 *   sweep_target.c         the target a run should meet
 *   sweep_run.c            a run id: its point, its scenario text, its row
 *   sweep_json.c           a row read back: JSON flattened into dotted keys
 *   sweep_stats.c          nearest-rank quantiles, Wilson intervals
 *   sweep_agg.c            rows aggregated per point
 *   sweep_summary.c        summary.json and the printed table
 *   sweep_search.c         the smallest value meeting the target (size-cma)
 *
 * Everything here is pure: no files, no processes, no clock.  The engines
 * that execute runs (src/cli/study/) hand rows in and read rows out.
 *
 *   run id = point * seeds + seed index            (seeds innermost)
 *   point  = mixed radix over the non-seed params, the last declared fastest
 *
 * so the set of runs, and each run's id, depend on the specification only:
 * whatever the engine and worker count, the same id is the same run.
 */
#ifndef PFNLAB_SWEEP_H
#define PFNLAB_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfnlab.h"

#define SWEEP_MAX_PARAMS 16
#define SWEEP_MAX_VALUES 1000000u
#define SWEEP_MAX_RUNS (1ull << 32)
#define SWEEP_MAX_METRICS 128
#define SWEEP_Z95 1.959963984540054 /* the 97.5% normal quantile */

struct sweep_spec;
struct sweep_agg;

/* A growing byte buffer, usable as a pfnlab_sink. */
struct sweep_buf {
	char *p;
	size_t n, cap;
	bool failed; /* an append ran out of memory */
};

void sweep_buf_sink(struct sweep_buf *b, struct pfnlab_sink *s);
void sweep_buf_add(struct sweep_buf *b, const char *s, size_t n);
void sweep_buf_printf(struct sweep_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sweep_buf_free(struct sweep_buf *b);

/* What a parameter does to the scenario. */
enum sweep_kind {
	SWEEP_SUBST,  /* ${NAME} in the scenario text */
	SWEEP_SEED,   /* `seed`: the run's --seed (and ${seed}) */
	SWEEP_POLICY, /* `policy`: the run's --policy (and ${policy}) */
	SWEEP_KEY,    /* VERB.KEY: key KEY of the first VERB setup line */
};

/**
 * sweep_spec_parse() - parse a sweep specification.
 * @file: its name, for messages
 * @text: the specification: `param`, `scenario`, `failure`, `target` lines;
 *        every other line is the scenario (a plain scenario is a spec with
 *        no parameters)
 * @len: length of @text
 * @out: receives the spec
 * @err: receives "file:line: message"
 * @errlen: size of @err
 *
 * With a `scenario FILE` line the scenario must then be given with
 * sweep_spec_set_scenario(); in any case sweep_spec_finish() ends the set-up.
 *
 * Return: 0, -EINVAL or -ENOMEM (@err then says "out of host memory").
 */
int sweep_spec_parse(const char *file, const char *text, size_t len, struct sweep_spec **out, char *err,
		     size_t errlen);

/** sweep_spec_scenario_ref() - the `scenario` line's FILE|NAME (NULL if inline); @line its line. */
const char *sweep_spec_scenario_ref(const struct sweep_spec *s, int *line);

/**
 * sweep_spec_set_scenario() - the scenario of a spec with a `scenario` line.
 * @s: spec
 * @name: its name in messages (a path, "builtin:seed")
 * @text: scenario text, @len its length
 * @err, @errlen: message
 *
 * Return: 0, -EINVAL (it holds sweep lines) or -ENOMEM.
 */
int sweep_spec_set_scenario(struct sweep_spec *s, const char *name, const char *text, size_t len, char *err,
			    size_t errlen);

/**
 * sweep_spec_set_param() - add a parameter, or replace the values of one.
 * @s: spec
 * @name: NAME, `seed`, `policy` or VERB.KEY
 * @values: the value list, as after `param NAME =`
 * @where: "file:line" or "--values" for messages
 * @err, @errlen: message
 *
 * Return: 0, -EINVAL or -ENOMEM (@err then says "out of host memory").
 */
int sweep_spec_set_param(struct sweep_spec *s, const char *name, const char *values, const char *where, char *err,
			 size_t errlen);

/**
 * sweep_spec_finish() - check the spec against its scenario and count runs.
 * @s: spec
 * @metrics: the numeric keys a run row has ("hpt.failed", ...), @nmetrics many
 * @err, @errlen: "file:line: message"
 *
 * Checks that every `${NAME}` is defined, that every parameter is used,
 * that VERB.KEY parameters find their line, that `failure` and `target`
 * name metrics; computes the number of runs and the spec's hash.
 *
 * Return: 0, -EINVAL or -ENOMEM (@err then says "out of host memory").
 */
int sweep_spec_finish(struct sweep_spec *s, const char *const *metrics, size_t nmetrics, char *err, size_t errlen);

/** sweep_spec_free() - free a spec (NULL is fine). */
void sweep_spec_free(struct sweep_spec *s);

uint64_t sweep_runs(const struct sweep_spec *s);   /* points * seeds */
uint64_t sweep_points(const struct sweep_spec *s);
uint64_t sweep_seeds(const struct sweep_spec *s);  /* 1 when no seed param */
uint64_t sweep_hash(const struct sweep_spec *s);   /* FNV-1a of the runs' definition */
const char *sweep_file(const struct sweep_spec *s);
const char *sweep_scenario_name(const struct sweep_spec *s);

/* Parameters, in declaration order. */
size_t sweep_nparams(const struct sweep_spec *s);
const char *sweep_param_name(const struct sweep_spec *s, size_t i);
enum sweep_kind sweep_param_kind(const struct sweep_spec *s, size_t i);
size_t sweep_param_nvalues(const struct sweep_spec *s, size_t i);
const char *sweep_param_value(const struct sweep_spec *s, size_t i, size_t v);
/* The value as a number for charts: bytes, seconds, percent or the number; NAN if not numeric. */
double sweep_param_num(const struct sweep_spec *s, size_t i, size_t v);
/* Index of the parameter called @name, or -1. */
int sweep_param_find(const struct sweep_spec *s, const char *name);
/* Which value of parameter @i point @point has. */
size_t sweep_point_value(const struct sweep_spec *s, uint64_t point, size_t i);

/** sweep_spec_uses() - whether the scenario holds ${@name} (outside comments). */
bool sweep_spec_uses(const struct sweep_spec *s, const char *name);

/** sweep_spec_has_line() - whether the scenario has a line starting with @verb. */
bool sweep_spec_has_line(const struct sweep_spec *s, const char *verb);

/* The failure metrics (`failure` lines, or the defaults). */
size_t sweep_nfailures(const struct sweep_spec *s);
const char *sweep_failure(const struct sweep_spec *s, size_t i);

/**
 * sweep_set_target() - the per-run condition `KEY OP NUMBER [&& ...]`.
 * @s: spec (before sweep_spec_finish(), which checks the keys)
 * @expr: e.g. "hpt.failed == 0 && hpt.fallback == 0"
 * @where: for messages
 * @err, @errlen: message
 *
 * Return: 0 or -EINVAL.
 */
int sweep_set_target(struct sweep_spec *s, const char *expr, const char *where, char *err, size_t errlen);
const char *sweep_target(const struct sweep_spec *s); /* NULL when none */

/**
 * sweep_row_meets() - whether a row meets the target.
 * @s: finished spec with a target
 * @row: the row line, @len its length
 *
 * Return: 1 (status ok and every condition holds), 0 (not, or the run did
 * not complete), -EINVAL (not a row) or -ENOMEM.
 */
int sweep_row_meets(const struct sweep_spec *s, const char *row, size_t len);

/**
 * sweep_run_text() - the scenario text of run @run: parameters substituted.
 * @s: finished spec
 * @run: run id
 * @out: receives the text (malloc()ed, NUL-terminated; same lines as the template)
 * @len: its length
 * @policy: receives the run's policy (-1: the scenario's)
 * @seed: receives the run's seed, @seed_set whether the spec fixes it
 *
 * Return: 0 or -ENOMEM.
 */
int sweep_run_text(const struct sweep_spec *s, uint64_t run, char **out, size_t *len, int *policy, uint64_t *seed,
		   bool *seed_set);

/**
 * sweep_row_ok() - the row of a run that completed.
 * @s: spec
 * @run: run id
 * @body: the run's JSON object (`pfnlab run --format json`, story left out)
 * @len: its length
 * @out: receives one line: {"run": N, "point": P, "params": {...}, "status": "ok", <body's keys>}
 */
void sweep_row_ok(const struct sweep_spec *s, uint64_t run, const char *body, size_t len, struct sweep_buf *out);

/**
 * sweep_row_fail() - the row of a run that did not complete.
 * @s: spec
 * @run: run id
 * @status: "error" (the scenario stopped with an error) or "crashed" (the worker died)
 * @exit_code: the exit code (`pfnlab run`'s 2, 3, 4 for "error"), or -1 if none
 * @sig: the signal that ended the worker, or 0
 * @msg: the error message or the worker's stderr
 * @out: receives the line
 */
void sweep_row_fail(const struct sweep_spec *s, uint64_t run, const char *status, int exit_code, int sig,
		    const char *msg, struct sweep_buf *out);

/* One leaf of a flattened JSON object: "hpt.failed" = 2. */
struct sweep_kv {
	char key[64];
	bool is_num;
	double num;
	char str[256];
};

/**
 * sweep_json_flat() - flatten a JSON object into dotted leaf keys.
 * @json: the text, @len its length
 * @kv: array receiving the leaves (arrays are skipped)
 * @max: size of @kv
 * @n: receives the number of leaves
 *
 * Return: 0, -EINVAL (not a JSON object) or -E2BIG (more than @max leaves).
 */
int sweep_json_flat(const char *json, size_t len, struct sweep_kv *kv, size_t max, size_t *n);

/** sweep_row_id() - the run id at the start of a row line, or -EINVAL as a negative value. */
int64_t sweep_row_id(const char *row, size_t len);

/* Statistics. */

/** sweep_quantile() - nearest-rank quantile: sorted[ceil(q * n) - 1] (q in (0, 1]). */
double sweep_quantile(const double *sorted, size_t n, double q);

/**
 * sweep_wilson() - Wilson score interval of a proportion.
 * @k: successes
 * @n: trials (0 gives [0, 1])
 * @z: normal quantile (SWEEP_Z95 for 95%)
 * @lo, @hi: receive the bounds
 */
void sweep_wilson(uint64_t k, uint64_t n, double z, double *lo, double *hi);

/* Aggregation of rows into per-point statistics. */

struct sweep_metric_stats {
	double mean, p50, p95, p99, min, max;
};

struct sweep_point_stats {
	uint64_t point;
	uint64_t runs;     /* rows of this point */
	uint64_t ok;       /* of them completed */
	uint64_t errors;   /* stopped with an error */
	uint64_t crashed;  /* the worker died */
	struct sweep_metric_stats *m;  /* per metric, over the ok runs */
	uint64_t *fail_k;               /* per failure metric: ok runs where it is > 0 */
	double *fail_lo, *fail_hi;      /* Wilson 95% interval of fail_k / ok */
	uint64_t target_k;              /* runs meeting the target (errors count as not) */
	double target_lo, target_hi;    /* Wilson 95% interval of target_k / runs */
};

/**
 * sweep_agg_new() - start aggregating rows of a finished spec.
 * @s: spec
 * @metrics: the numeric keys to summarise, @nmetrics many
 * @out: receives the aggregator
 *
 * Return: 0 or -ENOMEM.
 */
int sweep_agg_new(const struct sweep_spec *s, const char *const *metrics, size_t nmetrics, struct sweep_agg **out);

/**
 * sweep_agg_row() - add one row.  Rows must come grouped by point, points
 * ascending (as run ids ascending give them); only the current point's
 * values are held, so memory does not grow with the number of runs.
 *
 * Return: 0, -EINVAL (not a row, or out of order) or -ENOMEM.
 */
int sweep_agg_row(struct sweep_agg *a, const char *row, size_t len);

/** sweep_agg_end() - close the last point.  Return: 0 or -ENOMEM. */
int sweep_agg_end(struct sweep_agg *a);

size_t sweep_agg_npoints(const struct sweep_agg *a);
const struct sweep_point_stats *sweep_agg_point(const struct sweep_agg *a, size_t i);
size_t sweep_agg_nmetrics(const struct sweep_agg *a);
const char *sweep_agg_metric(const struct sweep_agg *a, size_t i);
const struct sweep_spec *sweep_agg_spec(const struct sweep_agg *a);

/**
 * sweep_agg_json() - summary.json: the spec's parameters and one object per
 * point with its parameters, run counts, each metric's mean, p50, p95, p99,
 * min, max, and each failure metric's probability with its interval.
 * @a: aggregator
 * @missing: runs without a row
 * @s: sink
 */
void sweep_agg_json(const struct sweep_agg *a, uint64_t missing, const struct pfnlab_sink *s);

/** sweep_agg_table() - the printed table: a line per point. */
void sweep_agg_table(const struct sweep_agg *a, const struct pfnlab_sink *s);

/**
 * sweep_agg_free() - free an aggregator (NULL is fine).
 */
void sweep_agg_free(struct sweep_agg *a);

/** sweep_format_num() - a number as summary.json prints it (integers exactly, else %.6g). */
void sweep_format_num(double v, char *buf, size_t len);

/* size-cma's search (sweep_search.c). */

enum sweep_verdict { SWEEP_UNTRIED, SWEEP_MISSES, SWEEP_PLAUSIBLE, SWEEP_MEETS, SWEEP_UNDECIDED };

/* What the search knows about one value. */
struct sweep_probe {
	uint64_t runs, met;     /* runs made (seeds 1..runs), runs meeting the target */
	enum sweep_verdict v;
	double lo, hi;          /* Wilson 95% interval of met / runs */
};

/**
 * struct sweep_search - a search for the smallest value meeting a target.
 * @nv: number of values, smallest first (a larger value is assumed never worse)
 * @p: per value, zeroed before the search (untried); the evidence after it
 * @conf: the share of runs that must meet the target, in (0, 1)
 * @max_runs: runs per value at most
 * @batch: runs of a first look at a value
 * @run: makes runs @from .. @to - 1 of value @v and adds to *@met those
 *       meeting the target; a nonzero return ends the search with it
 * @arg: for @run
 */
struct sweep_search {
	size_t nv;
	struct sweep_probe *p;
	double conf;
	uint64_t max_runs, batch;
	int (*run)(void *arg, size_t v, uint64_t from, uint64_t to, uint64_t *met);
	void *arg;
};

/**
 * sweep_search() - binary search with a screen of @se->batch runs per probe,
 * then the candidate confirmed with as many runs as showing the confidence
 * takes; a candidate that fails confirmation restarts the search above it.
 * @se: the search
 * @answer: receives the index of the smallest value that meets, or @se->nv
 *
 * Return: 0, or what @se->run returned.
 */
int sweep_search(struct sweep_search *se, size_t *answer);

/** sweep_verdict_name() - "untried", "misses", "screened", "meets", "undecided". */
const char *sweep_verdict_name(enum sweep_verdict v);

/* src/report/sweep_html.c: one self-contained page (table, charts, heatmaps). */
void sweep_report_html(const struct sweep_agg *a, uint64_t missing, const struct pfnlab_sink *s);

#endif /* PFNLAB_SWEEP_H */
