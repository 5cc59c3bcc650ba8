/*
 * study.h - executing a study for `pfnlab sweep` and `pfnlab size-cma`
 * (docs/sweep.md): a sweep spec (src/work/sweep.h), its output directory,
 * and the engines that execute its runs.  The interface of src/cli/study/:
 *
 *   study_load.c    study_spec_load(): a spec file, scenario file or built-in;
 *                   study_spec_finish(): checked, every point's scenario parsed
 *   study_exec.c    study_open(): DIR fresh or resumed (under mpirun a rank
 *                   other than 0 serves runs and ends here); study_run(): the
 *                   loop handing runs to the engines; study_finish(): rows
 *                   sorted by run id, summary.json
 *   engine_local.c  each run in a forked child of this process
 *   engine_mpi.c    runs handed to MPI ranks over TCP; a rank's side; mpirun
 *   engine_slurm.c  a Slurm job array whose tasks each run a slice
 *   study_files.c   every file a study reads or writes: DIR/lock, sweep.json, spec.txt,
 *                   scenario.txt, results.jsonl, results.csv (appended as rows
 *                   come; resumed, merged, sorted), summary.json
 *
 * The study is neither library code (it forks, execs, reads the clock,
 * writes files) nor argument parsing: the commands (cmd_sweep.c,
 * cmd_size_cma.c) parse options and print, this folder executes, the
 * library (src/work/sweep/) knows what a run, a row and a statistic are.
 */
#ifndef PFNLAB_STUDY_H
#define PFNLAB_STUDY_H

#include "../cli.h"
#include "sweep.h"

/* A spec with what a run row holds. */
struct study_spec {
	struct sweep_spec *s;
	char **metrics;      /* numeric keys of a run's JSON ("hpt.failed", ...) */
	size_t nmetrics;
	char **cols;         /* every key of a row, for results.csv */
	size_t ncols;
	char *spec_text;     /* the file as read (kept in DIR/spec.txt) */
	size_t spec_len;
	char *scn_text;      /* the scenario a `scenario` line names (DIR/scenario.txt) */
	size_t scn_len;
	char path[512];      /* the spec's path or "builtin:NAME" */
};

struct study_opts {
	const char *dir;       /* output directory */
	unsigned jobs;         /* concurrent runs in this process */
	bool mpi;              /* under mpirun: rank 0 coordinates, the others serve */
	bool progress;         /* a progress line on stderr (a terminal) */
	bool resume;           /* keep the rows of an earlier sweep of the same spec */
	bool quiet_resume;     /* size-cma: resume without saying so */
	uint64_t slice_i, slice_n; /* only runs with id % n == i (n = 0: all) */
};

struct study;

/*
 * Load @arg: a spec file, a scenario file, or a built-in scenario name.
 * Prints errors; returns an exit code.
 */
int study_spec_load(const char *arg, struct study_spec *ss);
/* Load a spec kept in an output directory (DIR/spec.txt, DIR/scenario.txt). */
int study_spec_load_dir(const char *dir, struct study_spec *ss);
/* sweep_spec_finish() plus a parse of every point's scenario; prints errors, returns an exit code. */
int study_spec_finish(struct study_spec *ss);
void study_spec_free(struct study_spec *ss);

/*
 * Open the output directory.  Returns an exit code; 0 with *out == NULL
 * means this process was an MPI rank that served runs and is done.
 */
int study_open(struct study_spec *ss, const struct study_opts *o, struct study **out);

/* Execute the runs among @ids that have no row yet; 0, or an exit code (128 + signal if interrupted). */
int study_run(struct study *st, const uint64_t *ids, size_t n);
/* Every run in scope without a row. */
int study_run_all(struct study *st);

/* Whether run @id has a row; its text (with the newline) into @row. */
bool study_has(const struct study *st, uint64_t id);
int study_row(const struct study *st, uint64_t id, struct sweep_buf *row);
/* Runs in scope without a row. */
uint64_t study_missing(const struct study *st);

/*
 * Sort the rows by run id when every run in scope has one, rewrite
 * results.csv, write summary.json; @agg receives the aggregation (free it).
 * Returns an exit code.
 */
int study_finish(struct study *st, struct sweep_agg **agg);

/* Add the complete rows of another output directory of the same sweep (merge); an exit code. */
int study_import(struct study *st, const char *dir, uint64_t *rows);

/* Stop MPI ranks, close and free. */
void study_close(struct study *st);

/* Elapsed seconds since study_open() and runs executed by this process and its ranks. */
double study_elapsed(const struct study *st);
uint64_t study_executed(const struct study *st);

/* The MPI rank and size from the launcher's environment; false when not under mpirun. */
bool study_mpi_env(int *rank, int *size);

/*
 * Run this command under `mpirun -np N` (Open MPI): argv without -j,
 * --oversubscribe when N exceeds the CPUs, --allow-run-as-root as root,
 * recovery so a dead rank ends only itself.  Waits; returns rank 0's
 * exit code.
 */
int study_mpirun(int argc, char **argv, unsigned n);

/* Under a re-executed mpirun, rank 0 hands its exit code @rc to the pfnlab that started mpirun. */
void study_mpi_status(int rc);

/* The default number of concurrent runs on this machine: its CPUs. */
unsigned study_cpus(void);

/*
 * --engine slurm: write DIR/sweep.sbatch, a job array of @slices tasks
 * (0: 16) of @jobs CPUs (0: 1), task I running the runs whose id modulo
 * @slices is I into DIR/slice-I; print how to submit and merge.  An exit code.
 */
int study_slurm(const struct study_spec *ss, const char *dir, uint64_t slices, unsigned jobs);

#endif
