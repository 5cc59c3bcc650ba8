/*
 * study_internal.h - what the files of src/cli/study/ share and the
 * commands do not see: the study being executed, and each part's entry
 * points.  Each part calls only those below it:
 *
 *   study_exec.c     open, the loop, finish, close
 *   engine_mpi.c     rank 0's ranks, or this rank serving rank 0
 *   engine_slurm.c   the job array's script
 *   engine_local.c   forked children, and the signals that interrupt them
 *   study_load.c     the spec; a run's JSON
 *   study_files.c    every file: the only code that opens one
 */
#ifndef PFNLAB_STUDY_INTERNAL_H
#define PFNLAB_STUDY_INTERNAL_H

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include "scenario.h"
#include "study.h"

#define MAX_ROW_BYTES (1u << 20) /* a row: a child's stdout, a rank's line */

struct study_files;
struct job;
struct conn;

struct study {
	struct study_spec *ss;
	struct study_opts o;
	char dir[PATH_MAX];
	struct study_files *files;  /* DIR (rank 0) */
	double t0;
	struct progress pline;
	/* signals */
	int sfd;
	sigset_t oldmask;
	int interrupted;
	/* local children, and the parsed program of the last point (inherited by them) */
	struct job *jobs;
	unsigned njobs;
	char *prog_text;
	struct scn_program *prog;
	uint64_t host_limit;
	struct sweep_kv *kv;        /* scratch: a child's row read back */
	int store_err;              /* a row could not be written (-errno): the study stops */
	uint64_t todo;              /* runs missing when study_run_all() began (0: not in it) */
	/* MPI */
	int rank, size;
	int lfd;
	struct conn *conns;
	size_t nconns;
	char token[128];
};

/* Seconds on the host's monotonic clock. */
static inline double study_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* engine_local.c: runs in forked children, up to o.jobs at a time; the signals that interrupt them */
void local_signals_block(struct study *st);
void local_signals_restore(struct study *st);
void local_read_signal(struct study *st);
int local_init(struct study *st);
int local_start(struct study *st, uint64_t run, struct sweep_buf *row);
size_t local_pollfds(const struct study *st, struct pollfd *pf);
bool local_read(struct study *st, unsigned i, const struct pollfd *pf);
bool local_done(const struct study *st, unsigned i);
int local_end(struct study *st, unsigned i, struct sweep_buf *row);
void local_kill(struct study *st);

/* engine_mpi.c: rank 0 hands runs to the other ranks; they serve them */
void mpi_token(char *buf, size_t len);
int mpi_listen(struct study *st);
void mpi_hand_out(struct study *st, const uint64_t *ids, size_t n, size_t *next);
size_t mpi_busy(const struct study *st);
size_t mpi_pollfds(const struct study *st, struct pollfd *pf);
void mpi_accept(struct study *st, const struct pollfd *pf);
void mpi_read(struct study *st, const struct pollfd *pf, size_t n);
void mpi_interrupt(struct study *st);
void mpi_close(struct study *st);
int mpi_serve(struct study *st);

/* study_load.c */
int study_run_json(const struct scn_result *r, struct sweep_buf *b, const char **obj, size_t *len);

/* study_files.c: every file a study reads or writes */
int study_write_all(int fd, const char *p, size_t n);
char *study_read_file(const char *path, size_t *len, int *err);
char *study_dir_read(const char *dir, const char *name, size_t *len, int *err);
int study_dir_write(const char *dir, const char *name, const char *text, size_t len, bool executable);
/* The MPI status file: made (O_EXCL, here) by the pfnlab starting mpirun, written by rank 0, read back. */
int study_status_create(char *path, size_t len);
void study_status_write(const char *path, int rc);
int study_status_read(const char *path);
int study_dir_meta(const char *dir, struct sweep_kv *kv, size_t max, size_t *n);
const char *study_meta_str(const struct sweep_kv *kv, size_t n, const char *key);

int files_open(struct study_files **out, const char *dir, const struct study_spec *ss, const struct study_opts *o);
int files_write(struct study_files *f, const char *name, const char *text, size_t len);
bool files_in_scope(const struct study_files *f, uint64_t id);
bool files_has(const struct study_files *f, uint64_t id);
int files_row(const struct study_files *f, uint64_t id, struct sweep_buf *row);
int files_store(struct study_files *f, const char *row, size_t len);
uint64_t files_missing(const struct study_files *f);
uint64_t files_stored(const struct study_files *f);
void files_sync(struct study_files *f, bool due);
int files_sort(struct study_files *f);
int files_import(struct study_files *f, const char *dir, uint64_t *rows);
void files_close(struct study_files *f);

#endif /* PFNLAB_STUDY_INTERNAL_H */
