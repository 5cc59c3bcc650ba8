/*
 * study_exec.c - a study from open to close (docs/sweep.md): its output
 * directory opened (study_files.c), its runs executed, the results
 * sorted and summarised.
 *
 * study_run() is one loop over every engine this process drives: it
 * starts runs in forked children up to -j (engine_local.c), hands runs to
 * the MPI ranks that have free slots (engine_mpi.c, rank 0), and waits on
 * all of them and on the signals at once; each row is stored as it
 * arrives.  An interrupted study loses only the runs in flight.  An MPI
 * rank other than 0 never gets here: study_open() serves rank 0 and ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "study_internal.h"

int study_open(struct study_spec *ss, const struct study_opts *o, struct study **out)
{
	struct study *st = calloc(1, sizeof(*st));
	int rc;

	*out = NULL;
	if (!st) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	st->ss = ss;
	st->o = *o;
	if (!st->o.jobs)
		st->o.jobs = 1;
	st->sfd = st->lfd = -1;
	st->t0 = study_now();
	st->host_limit = host_limit_bytes();
	progress_init(&st->pline, o->progress);
	snprintf(st->dir, sizeof(st->dir), "%s", o->dir);
	st->rank = 0;
	st->size = 1;
	if (o->mpi && !study_mpi_env(&st->rank, &st->size)) {
		free(st);
		return cli_error("sweep: --engine mpi: not started by mpirun (no OMPI_COMM_WORLD_RANK)");
	}
	mpi_token(st->token, sizeof(st->token));
	st->kv = calloc(256, sizeof(*st->kv));
	if (!st->kv || local_init(st)) {
		free(st->kv);
		free(st->jobs);
		free(st);
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	local_signals_block(st);
	if (st->rank > 0) {
		rc = mpi_serve(st);
		study_close(st);
		return rc;
	}
	rc = files_open(&st->files, st->dir, ss, o);
	if (!rc && o->mpi)
		rc = mpi_listen(st);
	if (rc) {
		study_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

/* The progress line (progress.c): done/total, runs/s, ETA. */
static void show_progress(struct study *st, uint64_t done, uint64_t total)
{
	double el = study_now() - st->t0, rate = el > 0 ? (double)study_executed(st) / el : 0;

	if (rate > 0 && total > done)
		progress_show(&st->pline, "sweep: %llu/%llu runs, %.1f runs/s, ETA %.0f s", (unsigned long long)done,
			      (unsigned long long)total, rate, (double)(total - done) / rate);
	else
		progress_show(&st->pline, "sweep: %llu/%llu runs", (unsigned long long)done, (unsigned long long)total);
}

/* Store a row; on a write error the study stops (st->store_err). */
static void store(struct study *st, const struct sweep_buf *row)
{
	int rc = files_store(st->files, row->p, row->n);

	if (rc && !st->store_err)
		st->store_err = rc;
}

/* The exit code of a study stopped by a row that could not be stored. */
static int store_exit(int err)
{
	return err == -EINVAL ? EXIT_INTERNAL : exit_for_errno(err);
}

int study_run(struct study *st, const uint64_t *ids, size_t n)
{
	size_t next = 0, busy;
	bool stopped = false; /* the workers were told to stop */
	uint64_t todo = 0, missing0 = study_missing(st);
	struct sweep_buf row = {0};
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		todo += !study_has(st, ids[i]);
	if (st->todo) /* one batch of study_run_all(): the progress is of them all */
		todo = missing0 = st->todo;
	while (!rc) {
		struct pollfd *pf;
		size_t np = 1, base_mpi, nmpi;

		/* hand out work: to children, then to the ranks */
		while (!st->interrupted && next < n && st->njobs < st->o.jobs) {
			int s;

			if (study_has(st, ids[next])) {
				next++;
				continue;
			}
			row.n = 0;
			s = local_start(st, ids[next], &row);
			if (s < 0) {
				rc = cli_error("sweep: cannot start a worker: %s", strerror(-s));
				break;
			}
			next++;
			if (s == 1)
				store(st, &row);
		}
		if (st->store_err)
			rc = store_exit(st->store_err);
		mpi_hand_out(st, ids, n, &next);
		busy = st->njobs + mpi_busy(st);
		if (rc || (!busy && (next >= n || st->interrupted)))
			break;
		pf = calloc(2 + 2 * st->njobs + st->nconns, sizeof(*pf));
		if (!pf) {
			rc = EXIT_RESOURCE;
			break;
		}
		pf[0] = (struct pollfd){st->sfd, POLLIN, 0};
		np += local_pollfds(st, pf + np);
		base_mpi = np;
		nmpi = mpi_pollfds(st, pf + base_mpi); /* mpi_accept() below may add a rank */
		np += nmpi;
		if (poll(pf, np, 250) < 0 && errno != EINTR) {
			free(pf);
			rc = cli_error("sweep: poll: %s", strerror(errno));
			break;
		}
		if (pf[0].revents)
			local_read_signal(st);
		mpi_accept(st, pf + base_mpi);
		/* children: indices are stable until the end of this pass */
		for (unsigned i = 0; i < st->njobs && !st->interrupted; i++)
			local_read(st, i, pf + 1);
		for (unsigned i = 0; i < st->njobs;) {
			if (!local_done(st, i)) {
				i++;
				continue;
			}
			if (!st->interrupted) {
				/* a child killed by the terminal's SIGINT: the parent's signal may still be queued */
				local_read_signal(st);
			}
			row.n = 0;
			if (local_end(st, i, &row))
				store(st, &row);
		}
		mpi_read(st, pf + base_mpi, nmpi);
		free(pf);
		/*
		 * an interruption, seen here or while a job ended: the children
		 * are killed and the ranks told to quit, once; else, no longer
		 * read, the pipes of the children that finish would wake poll()
		 * at once forever
		 */
		if (st->interrupted && !stopped) {
			local_kill(st);
			mpi_interrupt(st);
			stopped = true;
		}
		if (st->store_err)
			rc = store_exit(st->store_err);
		files_sync(st->files, true);
		show_progress(st, missing0 - study_missing(st), todo);
	}
	progress_done(&st->pline);
	files_sync(st->files, false);
	sweep_buf_free(&row);
	if (rc)
		local_kill(st);
	if (!rc && st->interrupted)
		rc = EXIT_SIGNAL(st->interrupted);
	return rc;
}

/* Runs handed to study_run() at a time by study_run_all(): memory bounded whatever the sweep's size. */
#define RUN_BATCH 65536

int study_run_all(struct study *st)
{
	uint64_t runs = sweep_runs(st->ss->s), next = 0;
	uint64_t *ids = malloc(RUN_BATCH * sizeof(*ids));
	int rc = 0;

	if (!ids) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	st->todo = study_missing(st);
	while (!rc && next < runs) {
		size_t n = 0;

		for (; next < runs && n < RUN_BATCH; next++)
			if (files_in_scope(st->files, next) && !files_has(st->files, next))
				ids[n++] = next;
		if (n)
			rc = study_run(st, ids, n);
	}
	st->todo = 0;
	free(ids);
	return rc;
}

bool study_has(const struct study *st, uint64_t id)
{
	return files_has(st->files, id);
}

int study_row(const struct study *st, uint64_t id, struct sweep_buf *row)
{
	return files_row(st->files, id, row);
}

uint64_t study_missing(const struct study *st)
{
	return files_missing(st->files);
}

double study_elapsed(const struct study *st)
{
	return study_now() - st->t0;
}

uint64_t study_executed(const struct study *st)
{
	return files_stored(st->files);
}

int study_import(struct study *st, const char *dir, uint64_t *rows)
{
	return files_import(st->files, dir, rows);
}

/* Aggregate every row, in run order. */
static int study_aggregate(const struct study *st, struct sweep_agg **agg)
{
	struct sweep_buf row = {0};
	int rc = sweep_agg_new(st->ss->s, (const char *const *)st->ss->metrics, st->ss->nmetrics, agg);

	for (uint64_t id = 0; !rc && id < sweep_runs(st->ss->s); id++) {
		if (!study_has(st, id))
			continue;
		rc = study_row(st, id, &row);
		if (!rc)
			rc = sweep_agg_row(*agg, row.p, row.n);
	}
	if (!rc)
		rc = sweep_agg_end(*agg);
	sweep_buf_free(&row);
	if (rc) {
		sweep_agg_free(*agg);
		*agg = NULL;
	}
	return rc;
}

int study_finish(struct study *st, struct sweep_agg **agg)
{
	struct sweep_buf b = {0};
	struct pfnlab_sink sk;
	int rc;

	*agg = NULL;
	if (!study_missing(st)) {
		rc = files_sort(st->files);
		if (rc) {
			cli_error("%s: sorting the results: %s (the files are left as they were)", st->dir, strerror(-rc));
			return exit_for_errno(rc);
		}
	}
	rc = study_aggregate(st, agg);
	if (rc) {
		cli_error("%s/results.jsonl: %s", st->dir, rc == -ENOMEM ? "out of memory" : "a row does not read back");
		return rc == -ENOMEM ? EXIT_RESOURCE : EXIT_INTERNAL;
	}
	sweep_buf_sink(&b, &sk);
	sweep_agg_json(*agg, study_missing(st), &sk);
	rc = b.failed ? (cli_error("out of memory"), EXIT_RESOURCE) : files_write(st->files, "summary.json", b.p, b.n);
	sweep_buf_free(&b);
	return rc;
}

void study_close(struct study *st)
{
	if (!st)
		return;
	local_kill(st);
	mpi_close(st);
	files_close(st->files);
	local_signals_restore(st);
	scn_free(st->prog);
	free(st->prog_text);
	free(st->jobs);
	free(st->kv);
	free(st);
}
