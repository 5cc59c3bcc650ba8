/*
 * sweep_engine.c - executing a sweep's runs: the output directory, the
 * local engine (forked workers) and the MPI engine (ranks started by
 * mpirun, talking to rank 0 over TCP), for `pfnlab sweep` and `pfnlab
 * size-cma` (docs/sweep.md).
 *
 * Every run is one forked child: it runs the scenario (parsed once per
 * point in the parent and inherited), writes its row, one line, on a pipe
 * and exits.  A child that dies instead becomes a "crashed" row with its
 * stderr; the sweep goes on.  The parent is the only writer of the files:
 *
 *   DIR/sweep.json     the spec's hash, run count, slice   (written first)
 *   DIR/spec.txt       the spec as read; DIR/scenario.txt the scenario it names
 *   DIR/results.jsonl  one row per run, appended as rows arrive, fsync'd each second
 *   DIR/results.csv    the same rows as CSV
 *   DIR/summary.json   statistics per point (study_finish)
 *
 * An interrupted sweep loses only the runs in flight.  --resume keeps the
 * complete rows there are (a torn last line and "crashed" rows are dropped)
 * and runs exactly the missing ones.  When every run has its row the files
 * are rewritten in run-id order, so they are byte-identical whatever the
 * engine, the worker count or the interruptions.
 *
 * MPI without linking MPI: under `mpirun -np N pfnlab sweep ... --engine
 * mpi` each rank reads its rank from the launcher's environment.  Rank 0
 * listens on a TCP port and publishes it in DIR/.coordinator (DIR must be
 * on a file system every node sees) with the job's id; the other ranks
 * connect, say HELLO with the spec's hash, and then take "RUN id" lines
 * and send rows back, running each in a forked child like the local
 * engine.  Rank 0 hands runs out one at a time as ranks become free, and
 * runs its own share.  A rank that dies is reported; its run in flight is
 * left for --resume.
 *
 *   rank 0 (coordinator + worker)          rank k
 *     listen, DIR/.coordinator  <------  connect, "HELLO k slots hash host"
 *     "RUN 17"                   ------>  fork: scenario -> row
 *     row line                  <------
 *     "QUIT"                     ------>  exit 0
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sweep_cli.h"

#define MAX_ROW_BYTES (1u << 20)
#define MAX_STDERR_BYTES 4096
#define SYNC_SECONDS 1.0
#define MAX_RANKS 4096

/* One run in a forked child. */
struct job {
	pid_t pid;
	uint64_t run;
	int fd_out, fd_err;
	struct sweep_buf out, err;
};

/* A connected MPI rank (rank 0's view). */
struct conn {
	int fd;
	int rank;               /* -1 until HELLO */
	char host[64];
	unsigned slots;
	uint64_t inflight[64];
	unsigned ninflight;
	struct sweep_buf in;
	bool dead;
};

struct study {
	struct study_spec *ss;
	struct study_opts o;
	char dir[PATH_MAX];
	int jsonl_fd, csv_fd;
	off_t jsonl_size;
	int64_t *offset;        /* per run: offset of its row, -1 = none */
	uint32_t *len;
	uint64_t in_scope, have;
	uint64_t executed, lost;
	double t0, last_sync;
	struct progress pline;
	bool dirty;
	/* the parsed program of the last point (inherited by children) */
	char *prog_text;
	struct scn_program *prog;
	uint64_t host_limit;
	/* signals */
	int sfd;
	sigset_t oldmask;
	int interrupted;
	/* local children */
	struct job *jobs;
	unsigned njobs;
	/* MPI */
	int rank, size;
	int lfd;
	struct conn *conns;
	size_t nconns;
	char token[128];
	struct sweep_kv *kv;    /* scratch for CSV */
};

/* ------------------------------------------------------------------ helpers */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pf = {fd, POLLOUT, 0};

				poll(&pf, 1, 1000);
				continue;
			}
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static char *slurp(const char *path, size_t *len, int *err)
{
	FILE *f = fopen(path, "rb");
	struct sweep_buf b = {0};
	char tmp[65536];
	size_t r;

	*err = 0;
	if (!f) {
		*err = errno;
		return NULL;
	}
	while ((r = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		sweep_buf_add(&b, tmp, r);
		if (b.n > (64u << 20)) {
			*err = EFBIG;
			break;
		}
	}
	if (ferror(f) && !*err)
		*err = EIO;
	fclose(f);
	sweep_buf_add(&b, "", 0);
	if (b.failed && !*err)
		*err = ENOMEM;
	if (*err) {
		sweep_buf_free(&b);
		return NULL;
	}
	*len = b.n;
	return b.p;
}

int study_write_file(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX + 16];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return cli_error("%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return cli_error("cannot write '%s': %s", tmp, strerror(errno));
	rc = write_all(fd, text, len);
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return cli_error("cannot write '%s': %s", path, strerror(-rc));
	}
	return EXIT_OK;
}

static int mkdir_p(const char *dir)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			if (mkdir(p, 0755) && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	if (mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------ specs */

/* The keys of a run's JSON: render an empty result, flatten it. */
static int run_keys(struct study_spec *ss)
{
	static const char *const row_keys[] = {"run", "point"};
	struct scn_result r;
	struct sweep_buf b = {0};
	struct pfnlab_sink sk;
	struct sweep_kv *kv = calloc(256, sizeof(*kv));
	const char *lb, *rb;
	size_t n = 0;
	int rc = -ENOMEM;

	memset(&r, 0, sizeof(r));
	if (!kv)
		return -ENOMEM;
	sweep_buf_sink(&b, &sk);
	compare_report_json(&r, 1, &sk);
	lb = b.p ? strchr(b.p, '[') : NULL;
	rb = b.p ? strrchr(b.p, ']') : NULL;
	if (!lb || !rb || rb < lb || sweep_json_flat(lb + 1, (size_t)(rb - lb - 1), kv, 256, &n))
		goto out;
	ss->metrics = calloc(n + 1, sizeof(char *));
	ss->cols = calloc(n + 16 + SWEEP_MAX_PARAMS, sizeof(char *));
	if (!ss->metrics || !ss->cols)
		goto out;
	for (size_t i = 0; i < 2; i++)
		if (!(ss->cols[ss->ncols++] = strdup(row_keys[i])))
			goto out;
	/* params.NAME columns come from the spec: added by study_spec_finish() */
	for (size_t i = 0; i < n; i++) {
		if (kv[i].is_num && strcmp(kv[i].key, "seed"))
			if (!(ss->metrics[ss->nmetrics++] = strdup(kv[i].key)))
				goto out;
	}
	rc = 0;
out:
	free(kv);
	sweep_buf_free(&b);
	return rc;
}

static int finish_cols(struct study_spec *ss)
{
	struct scn_result r;
	struct sweep_buf b = {0};
	struct pfnlab_sink sk;
	struct sweep_kv *kv = calloc(256, sizeof(*kv));
	const char *lb, *rb;
	size_t n = 0;
	char name[80];

	memset(&r, 0, sizeof(r));
	if (!kv)
		return -ENOMEM;
	for (size_t i = 2; i < ss->ncols; i++)
		free(ss->cols[i]);
	ss->ncols = 2;
	for (size_t i = 0; i < sweep_nparams(ss->s); i++) {
		if (sweep_param_kind(ss->s, i) == SWEEP_SEED)
			continue;
		snprintf(name, sizeof(name), "params.%s", sweep_param_name(ss->s, i));
		if (!(ss->cols[ss->ncols++] = strdup(name)))
			goto fail;
	}
	if (!(ss->cols[ss->ncols++] = strdup("status")))
		goto fail;
	sweep_buf_sink(&b, &sk);
	compare_report_json(&r, 1, &sk);
	lb = b.p ? strchr(b.p, '[') : NULL;
	rb = b.p ? strrchr(b.p, ']') : NULL;
	if (!lb || !rb || sweep_json_flat(lb + 1, (size_t)(rb - lb - 1), kv, 256, &n))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (!(ss->cols[ss->ncols++] = strdup(kv[i].key)))
			goto fail;
	if (!(ss->cols[ss->ncols++] = strdup("exit")) || !(ss->cols[ss->ncols++] = strdup("signal")) ||
	    !(ss->cols[ss->ncols++] = strdup("error")))
		goto fail;
	free(kv);
	sweep_buf_free(&b);
	return 0;
fail:
	free(kv);
	sweep_buf_free(&b);
	return -ENOMEM;
}

/* The directory part of @path ("." if none). */
static void dir_of(const char *path, char *dir, size_t len)
{
	const char *sl = strrchr(path, '/');

	if (!sl)
		snprintf(dir, len, ".");
	else
		snprintf(dir, len, "%.*s", (int)(sl - path == 0 ? 1 : sl - path), path);
}

static int load_common(const char *name, const char *text, size_t len, struct study_spec *ss)
{
	char err[1024];
	int rc;

	if (memchr(text, 0, len))
		return cli_error("%s: not a text file (it contains NUL bytes)", name);
	rc = sweep_spec_parse(name, text, len, &ss->s, err, sizeof(err));
	if (rc == -ENOMEM) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	if (rc)
		return cli_error("%s", err);
	if (run_keys(ss)) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	return 0;
}

static int bind_scenario(struct study_spec *ss, const char *name, const char *text, size_t len)
{
	char err[1024];
	int rc = sweep_spec_set_scenario(ss->s, name, text, len, err, sizeof(err));

	if (rc == -ENOMEM) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	return rc ? cli_error("%s", err) : 0;
}

int study_spec_load(const char *arg, struct study_spec *ss)
{
	const struct scn_builtin *b = scn_builtin(arg);
	const char *ref;
	int e = 0, rc, line;

	memset(ss, 0, sizeof(*ss));
	if (b && access(arg, F_OK)) {
		snprintf(ss->path, sizeof(ss->path), "builtin:%s", b->name);
		ss->spec_len = strlen(b->text);
		ss->spec_text = strdup(b->text);
		if (!ss->spec_text)
			return cli_error("out of memory");
	} else {
		snprintf(ss->path, sizeof(ss->path), "%s", arg);
		ss->spec_text = slurp(arg, &ss->spec_len, &e);
		if (!ss->spec_text)
			return cli_error("%s: %s%s", arg, e == EFBIG ? "larger than 64 MiB" : strerror(e),
					 e == ENOENT ? " (and no built-in scenario of that name; see 'pfnlab run --list')" : "");
	}
	rc = load_common(ss->path, ss->spec_text, ss->spec_len, ss);
	if (rc)
		return rc;
	ref = sweep_spec_scenario_ref(ss->s, &line);
	if (ref) {
		char dir[PATH_MAX], path[PATH_MAX * 2], name[PATH_MAX * 2];
		const struct scn_builtin *rb = NULL;

		dir_of(arg, dir, sizeof(dir));
		if (!strncmp(ref, "builtin:", 8))
			rb = scn_builtin(ref + 8);
		if (ref[0] == '/' || !strcmp(dir, "."))
			snprintf(path, sizeof(path), "%s", ref);
		else
			snprintf(path, sizeof(path), "%s/%s", dir, ref);
		if (!rb && access(path, F_OK))
			rb = scn_builtin(ref);
		if (rb) {
			snprintf(name, sizeof(name), "builtin:%s", rb->name);
			ss->scn_len = strlen(rb->text);
			ss->scn_text = strdup(rb->text);
			if (!ss->scn_text)
				return cli_error("out of memory");
		} else {
			snprintf(name, sizeof(name), "%s", path);
			ss->scn_text = slurp(path, &ss->scn_len, &e);
			if (!ss->scn_text)
				return cli_error("%s:%d: scenario %s: %s", ss->path, line, path,
						 e == EFBIG ? "larger than 64 MiB" : strerror(e));
			if (memchr(ss->scn_text, 0, ss->scn_len))
				return cli_error("%s: not a text file (it contains NUL bytes)", path);
		}
		return bind_scenario(ss, name, ss->scn_text, ss->scn_len);
	}
	return 0;
}

static int read_meta(const char *dir, struct sweep_kv *kv, size_t max, size_t *n)
{
	char path[PATH_MAX + 32];
	size_t len;
	char *t;
	int e, rc;

	*n = 0;
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	t = slurp(path, &len, &e);
	if (!t)
		return -e;
	rc = sweep_json_flat(t, len, kv, max, n);
	free(t);
	return rc;
}

static const char *meta_str(const struct sweep_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].str;
	return NULL;
}

int study_spec_load_dir(const char *dir, struct study_spec *ss)
{
	struct sweep_kv kv[32];
	char path[PATH_MAX + 32];
	const char *spec, *scn;
	size_t n;
	int e, rc;

	memset(ss, 0, sizeof(*ss));
	rc = read_meta(dir, kv, 32, &n);
	if (rc)
		return cli_error("%s: no sweep here (%s/sweep.json: %s)", dir, dir,
				 rc == -EINVAL || rc == -E2BIG ? "not a sweep description" : strerror(-rc));
	spec = meta_str(kv, n, "spec");
	scn = meta_str(kv, n, "scenario");
	if (!spec || !scn)
		return cli_error("%s/sweep.json: no \"spec\" or \"scenario\"", dir);
	snprintf(ss->path, sizeof(ss->path), "%s", spec);
	snprintf(path, sizeof(path), "%s/spec.txt", dir);
	ss->spec_text = slurp(path, &ss->spec_len, &e);
	if (!ss->spec_text)
		return cli_error("%s: %s", path, strerror(e));
	rc = load_common(ss->path, ss->spec_text, ss->spec_len, ss);
	if (rc)
		return rc;
	if (sweep_spec_scenario_ref(ss->s, NULL)) {
		snprintf(path, sizeof(path), "%s/scenario.txt", dir);
		ss->scn_text = slurp(path, &ss->scn_len, &e);
		if (!ss->scn_text)
			return cli_error("%s: %s", path, strerror(e));
		return bind_scenario(ss, scn, ss->scn_text, ss->scn_len);
	}
	return 0;
}

int study_spec_finish(struct study_spec *ss)
{
	char err[1024];
	int rc = sweep_spec_finish(ss->s, (const char *const *)ss->metrics, ss->nmetrics, err, sizeof(err));

	if (rc == -ENOMEM) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	if (rc)
		return cli_error("%s", err);
	if (finish_cols(ss)) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	/* every point's scenario parses (its first seed; seeds change numbers only) */
	for (uint64_t p = 0; p < sweep_points(ss->s); p++) {
		struct scn_program *prog;
		uint64_t seed;
		bool seed_set;
		char *text;
		size_t len;
		int policy;

		if (sweep_run_text(ss->s, p * sweep_seeds(ss->s), &text, &len, &policy, &seed, &seed_set)) {
			cli_error("out of memory");
			return EXIT_RESOURCE;
		}
		rc = scn_parse(sweep_scenario_name(ss->s), text, len, &prog, err, sizeof(err));
		free(text);
		if (rc == -ENOMEM) {
			cli_error("out of memory");
			return EXIT_RESOURCE;
		}
		if (rc)
			return cli_error("%s", err);
		scn_free(prog);
	}
	return 0;
}

void study_spec_free(struct study_spec *ss)
{
	sweep_spec_free(ss->s);
	for (size_t i = 0; i < ss->nmetrics; i++)
		free(ss->metrics[i]);
	for (size_t i = 0; i < ss->ncols; i++)
		free(ss->cols[i]);
	free(ss->metrics);
	free(ss->cols);
	free(ss->spec_text);
	free(ss->scn_text);
	memset(ss, 0, sizeof(*ss));
}

/* ------------------------------------------------------------------ rows and files */

static bool in_scope(const struct study *st, uint64_t id)
{
	return !st->o.slice_n || id % st->o.slice_n == st->o.slice_i;
}

static void csv_field(struct sweep_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		sweep_buf_add(b, s, strlen(s));
		return;
	}
	sweep_buf_add(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			sweep_buf_add(b, "\"", 1);
		sweep_buf_add(b, s, 1);
	}
	sweep_buf_add(b, "\"", 1);
}

static void csv_header(const struct study *st, struct sweep_buf *b)
{
	for (size_t c = 0; c < st->ss->ncols; c++) {
		if (c)
			sweep_buf_add(b, ",", 1);
		csv_field(b, st->ss->cols[c]);
	}
	sweep_buf_add(b, "\n", 1);
}

static int csv_line(const struct study *st, const char *row, size_t len, struct sweep_buf *b)
{
	size_t n;

	if (sweep_json_flat(row, len, st->kv, 256, &n))
		return -EINVAL;
	for (size_t c = 0; c < st->ss->ncols; c++) {
		const char *col = st->ss->cols[c];

		if (c)
			sweep_buf_add(b, ",", 1);
		for (size_t i = 0; i < n; i++)
			if (!strcmp(st->kv[i].key, col)) {
				char num[64];

				if (st->kv[i].is_num) {
					sweep_format_num(st->kv[i].num, num, sizeof(num));
					sweep_buf_add(b, num, strlen(num));
				} else {
					csv_field(b, st->kv[i].str);
				}
				break;
			}
	}
	sweep_buf_add(b, "\n", 1);
	return 0;
}

static void sync_files(struct study *st)
{
	if (!st->dirty)
		return;
	fdatasync(st->jsonl_fd);
	fdatasync(st->csv_fd);
	st->dirty = false;
	st->last_sync = now();
}

/* Append a row to the files; -EINVAL for a row that is not one of ours. */
static int store_row(struct study *st, const char *row, size_t len)
{
	int64_t id = sweep_row_id(row, len);
	struct sweep_buf csv = {0};
	int rc;

	if (id < 0 || (uint64_t)id >= sweep_runs(st->ss->s) || !len || row[len - 1] != '\n')
		return -EINVAL;
	if (st->offset[id] >= 0)
		return 0; /* a duplicate (a rank that came back): the first row stands */
	if (csv_line(st, row, len, &csv)) {
		sweep_buf_free(&csv);
		return -EINVAL;
	}
	rc = write_all(st->jsonl_fd, row, len);
	if (!rc)
		rc = write_all(st->csv_fd, csv.p, csv.n);
	sweep_buf_free(&csv);
	if (rc) {
		cli_error("%s/results.jsonl: %s", st->dir, strerror(-rc));
		return rc;
	}
	st->offset[id] = st->jsonl_size;
	st->len[id] = (uint32_t)len;
	st->jsonl_size += (off_t)len;
	st->have += in_scope(st, (uint64_t)id);
	st->executed++;
	st->dirty = true;
	if (now() - st->last_sync >= SYNC_SECONDS)
		sync_files(st);
	return 0;
}

bool study_has(const struct study *st, uint64_t id)
{
	return id < sweep_runs(st->ss->s) && st->offset[id] >= 0;
}

int study_row(const struct study *st, uint64_t id, struct sweep_buf *row)
{
	char *p;
	ssize_t r;

	row->n = 0;
	if (!study_has(st, id))
		return -ENOENT;
	sweep_buf_add(row, "", 0);
	if (row->failed || row->cap < st->len[id] + 1) {
		p = realloc(row->p, st->len[id] + 1);
		if (!p)
			return -ENOMEM;
		row->p = p;
		row->cap = st->len[id] + 1;
	}
	r = pread(st->jsonl_fd, row->p, st->len[id], st->offset[id]);
	if (r != (ssize_t)st->len[id])
		return -EIO;
	row->n = st->len[id];
	row->p[row->n] = 0;
	return 0;
}

uint64_t study_missing(const struct study *st)
{
	return st->in_scope - st->have;
}

uint64_t study_lost(const struct study *st)
{
	return st->lost;
}

double study_elapsed(const struct study *st)
{
	return now() - st->t0;
}

uint64_t study_executed(const struct study *st)
{
	return st->executed;
}

/* Rewrite results.jsonl (rows in run order, @sorted) and results.csv from the kept rows. */
static int rewrite(struct study *st)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 48], cpath[PATH_MAX + 32], ctmp[PATH_MAX + 48];
	struct sweep_buf row = {0}, csv = {0};
	int fd = -1, cfd = -1, rc = 0;
	off_t off = 0;
	uint64_t runs = sweep_runs(st->ss->s);
	int64_t *noff = malloc(runs * sizeof(int64_t) + 1);

	snprintf(path, sizeof(path), "%s/results.jsonl", st->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(cpath, sizeof(cpath), "%s/results.csv", st->dir);
	snprintf(ctmp, sizeof(ctmp), "%s.tmp", cpath);
	if (!noff)
		return -ENOMEM;
	memset(noff, 0xff, runs * sizeof(*noff)); /* -1: no row */
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cfd = open(ctmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || cfd < 0) {
		rc = -errno;
		goto fail;
	}
	csv_header(st, &csv);
	for (uint64_t id = 0; id < runs && !rc; id++) {
		if (st->offset[id] < 0)
			continue;
		rc = study_row(st, id, &row);
		if (!rc)
			rc = write_all(fd, row.p, row.n);
		if (!rc && csv_line(st, row.p, row.n, &csv))
			rc = -EINVAL;
		if (!rc && csv.n > 65536) {
			rc = write_all(cfd, csv.p, csv.n);
			csv.n = 0;
		}
		noff[id] = off;
		off += (off_t)row.n;
	}
	if (!rc && csv.failed)
		rc = -ENOMEM;
	if (!rc)
		rc = write_all(cfd, csv.p, csv.n);
	if (!rc && (fsync(fd) || fsync(cfd)))
		rc = -errno;
	if (!rc && (rename(tmp, path) || rename(ctmp, cpath)))
		rc = -errno;
	sweep_buf_free(&row);
	sweep_buf_free(&csv);
	if (rc)
		goto fail;
	close(st->jsonl_fd);
	close(st->csv_fd);
	st->jsonl_fd = fd;
	st->csv_fd = -1;
	close(cfd);
	st->csv_fd = open(cpath, O_WRONLY | O_APPEND | O_CLOEXEC);
	free(st->offset);
	st->offset = noff;
	st->jsonl_size = off;
	if (st->csv_fd < 0)
		return -errno;
	lseek(st->jsonl_fd, 0, SEEK_END);
	return 0;
fail:
	/* nothing is in row or csv yet when the files did not open */
	if (fd >= 0)
		close(fd);
	if (cfd >= 0)
		close(cfd);
	unlink(tmp);
	unlink(ctmp);
	free(noff);
	return rc;
}

/*
 * Read the rows of an earlier sweep: complete lines of runs of this spec,
 * the first of each run, "crashed" ones dropped.  Returns the number of
 * rows dropped in *dropped.
 */
static int load_rows(struct study *st, uint64_t *kept, uint64_t *dropped)
{
	char path[PATH_MAX + 32];
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	off_t off = 0;

	*kept = *dropped = 0;
	snprintf(path, sizeof(path), "%s/results.jsonl", st->dir);
	f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while ((n = getline(&line, &cap, f)) > 0) {
		int64_t id = sweep_row_id(line, (size_t)n);
		size_t kvn;
		bool keep = id >= 0 && (uint64_t)id < sweep_runs(st->ss->s) && line[n - 1] == '\n' &&
			    st->offset[id] < 0 && !sweep_json_flat(line, (size_t)n, st->kv, 256, &kvn);

		for (size_t i = 0; keep && i < kvn; i++)
			if (!strcmp(st->kv[i].key, "status") && !strcmp(st->kv[i].str, "crashed"))
				keep = false;
		if (keep) {
			st->offset[id] = off;
			st->len[id] = (uint32_t)n;
			st->have += in_scope(st, (uint64_t)id);
			(*kept)++;
		} else {
			(*dropped)++;
		}
		off += n;
	}
	free(line);
	fclose(f);
	return 0;
}

static int write_meta(struct study *st)
{
	struct sweep_buf b = {0}, name = {0};
	char path[PATH_MAX + 32];
	int rc;

	sweep_buf_printf(&b, "{\"pfnlab_sweep\": 1, \"spec\": ");
	/* JSON string through the row helper's escaping: use a tiny object */
	sweep_buf_printf(&name, "%s", st->ss->path);
	sweep_buf_add(&b, "\"", 1);
	for (size_t i = 0; i < name.n; i++) {
		if (name.p[i] == '"' || name.p[i] == '\\')
			sweep_buf_add(&b, "\\", 1);
		sweep_buf_add(&b, name.p + i, 1);
	}
	sweep_buf_add(&b, "\", \"scenario\": \"", 16);
	for (const char *c = sweep_scenario_name(st->ss->s); *c; c++) {
		if (*c == '"' || *c == '\\')
			sweep_buf_add(&b, "\\", 1);
		sweep_buf_add(&b, c, 1);
	}
	sweep_buf_printf(&b, "\", \"hash\": \"%016llx\", \"runs\": %llu, \"points\": %llu, \"seeds\": %llu, \"slice\": \"%llu/%llu\"}\n",
			 (unsigned long long)sweep_hash(st->ss->s), (unsigned long long)sweep_runs(st->ss->s),
			 (unsigned long long)sweep_points(st->ss->s), (unsigned long long)sweep_seeds(st->ss->s),
			 (unsigned long long)st->o.slice_i, (unsigned long long)(st->o.slice_n ? st->o.slice_n : 1));
	sweep_buf_free(&name);
	snprintf(path, sizeof(path), "%s/spec.txt", st->dir);
	rc = study_write_file(path, st->ss->spec_text, st->ss->spec_len);
	if (!rc && st->ss->scn_text) {
		snprintf(path, sizeof(path), "%s/scenario.txt", st->dir);
		rc = study_write_file(path, st->ss->scn_text, st->ss->scn_len);
	}
	if (!rc) {
		snprintf(path, sizeof(path), "%s/sweep.json", st->dir);
		rc = study_write_file(path, b.p, b.n);
	}
	sweep_buf_free(&b);
	return rc;
}

/* ------------------------------------------------------------------ children */

static void child_run(struct study *st, uint64_t run, int policy, uint64_t seed, bool seed_set)
{
	struct scn_opts o = {.policy = policy, .seed_set = seed_set, .seed = seed, .host_limit_bytes = st->host_limit};
	struct sweep_buf body = {0}, row = {0};
	struct pfnlab_sink sk;
	struct scn_result r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = scn_run(st->prog, &o, &r);
	if (rc) {
		int code = rc == -E2BIG || rc == -ENOMEM ? EXIT_RESOURCE : rc == -EUCLEAN ? EXIT_INTERNAL : EXIT_USAGE;

		sweep_row_fail(st->ss->s, run, "error", code, 0, r.error[0] ? r.error : pfnlab_strerror(rc), &row);
	} else {
		const char *lb, *rb;

		sweep_buf_sink(&body, &sk);
		compare_report_json(&r, 1, &sk);
		lb = body.p ? strchr(body.p, '[') : NULL;
		rb = body.p ? strrchr(body.p, ']') : NULL;
		if (!lb || !rb || rb < lb)
			_exit(EXIT_INTERNAL);
		sweep_row_ok(st->ss->s, run, lb + 1, (size_t)(rb - lb - 1), &row);
	}
	if (row.failed || write_all(STDOUT_FILENO, row.p, row.n))
		_exit(EXIT_RESOURCE);
	_exit(0);
}

/* Parse the run's scenario unless the cached program is it. */
static int prepare(struct study *st, uint64_t run, int *policy, uint64_t *seed, bool *seed_set, char *err,
		   size_t errlen)
{
	char *text;
	size_t len;
	int rc = sweep_run_text(st->ss->s, run, &text, &len, policy, seed, seed_set);

	if (rc)
		return rc;
	if (st->prog && !strcmp(text, st->prog_text)) {
		free(text);
		return 0;
	}
	scn_free(st->prog);
	free(st->prog_text);
	st->prog = NULL;
	st->prog_text = NULL;
	rc = scn_parse(sweep_scenario_name(st->ss->s), text, len, &st->prog, err, errlen);
	if (rc) {
		st->prog = NULL;
		free(text);
		return rc;
	}
	st->prog_text = text;
	return 0;
}

/*
 * Start run @run in a child.  Returns 0 (job started), 1 (the row is
 * already in @row: the scenario does not parse) or a negative errno.
 */
static int job_start(struct study *st, struct job *j, uint64_t run, struct sweep_buf *row)
{
	int po[2], pe[2], policy;
	uint64_t seed;
	bool seed_set;
	char err[1024];
	pid_t parent = getpid();
	int rc = prepare(st, run, &policy, &seed, &seed_set, err, sizeof(err));

	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		sweep_row_fail(st->ss->s, run, "error", EXIT_USAGE, 0, err, row);
		return 1;
	}
	if (pipe2(po, O_CLOEXEC))
		return -errno;
	if (pipe2(pe, O_CLOEXEC)) {
		close(po[0]);
		close(po[1]);
		return -errno;
	}
	fflush(NULL);
	j->pid = fork();
	if (j->pid < 0) {
		rc = -errno;
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		return rc;
	}
	if (j->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(EXIT_INTERNAL);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &st->oldmask, NULL);
		if (dup2(po[1], STDOUT_FILENO) < 0 || dup2(pe[1], STDERR_FILENO) < 0)
			_exit(EXIT_INTERNAL);
		close_range(3, ~0u, 0);
		child_run(st, run, policy, seed, seed_set);
	}
	close(po[1]);
	close(pe[1]);
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	j->run = run;
	j->fd_out = po[0];
	j->fd_err = pe[0];
	j->out = (struct sweep_buf){0};
	j->err = (struct sweep_buf){0};
	return 0;
}

/* Read what a child wrote; true when both pipes are at their end. */
static bool job_read(struct job *j, int fd)
{
	char buf[65536];
	ssize_t r;

	for (;;) {
		bool is_out = fd == j->fd_out;
		struct sweep_buf *b = is_out ? &j->out : &j->err;

		r = read(fd, buf, sizeof(buf));
		if (r > 0) {
			size_t cap = is_out ? MAX_ROW_BYTES : MAX_STDERR_BYTES;

			if (b->n < cap)
				sweep_buf_add(b, buf, (size_t)r < cap - b->n ? (size_t)r : cap - b->n);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		close(fd);
		if (is_out)
			j->fd_out = -1;
		else
			j->fd_err = -1;
		break;
	}
	return j->fd_out < 0 && j->fd_err < 0;
}

/*
 * A child is done: its row into @row.  Returns 1 with a row, 0 when the
 * run was lost to an interruption (no row).
 */
static int job_end(struct study *st, struct job *j, struct sweep_buf *row)
{
	int status = 0;
	char msg[MAX_STDERR_BYTES + 64];

	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	size_t nkv;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && j->out.n && j->out.p[j->out.n - 1] == '\n' &&
	    sweep_row_id(j->out.p, j->out.n) == (int64_t)j->run && !memchr(j->out.p, '\n', j->out.n - 1) &&
	    !sweep_json_flat(j->out.p, j->out.n, st->kv, 256, &nkv)) {
		sweep_buf_add(row, j->out.p, j->out.n);
	} else if (WIFSIGNALED(status) && st->interrupted) {
		sweep_buf_free(&j->out);
		sweep_buf_free(&j->err);
		return 0;
	} else {
		size_t n = j->err.n;

		while (n && (j->err.p[n - 1] == '\n' || j->err.p[n - 1] == ' '))
			n--;
		if (n)
			snprintf(msg, sizeof(msg), "%.*s", (int)n, j->err.p);
		else if (WIFSIGNALED(status))
			snprintf(msg, sizeof(msg), "the worker was killed by signal %d (%s)", WTERMSIG(status),
				 strsignal(WTERMSIG(status)));
		else
			snprintf(msg, sizeof(msg), "the worker exited with status %d without a row", WEXITSTATUS(status));
		sweep_row_fail(st->ss->s, j->run, "crashed", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			       WIFSIGNALED(status) ? WTERMSIG(status) : 0, msg, row);
	}
	sweep_buf_free(&j->out);
	sweep_buf_free(&j->err);
	return 1;
}

static void jobs_kill(struct study *st)
{
	for (unsigned i = 0; i < st->njobs; i++) {
		kill(st->jobs[i].pid, SIGKILL);
		if (st->jobs[i].fd_out >= 0)
			close(st->jobs[i].fd_out);
		if (st->jobs[i].fd_err >= 0)
			close(st->jobs[i].fd_err);
		waitpid(st->jobs[i].pid, NULL, 0);
		sweep_buf_free(&st->jobs[i].out);
		sweep_buf_free(&st->jobs[i].err);
	}
	st->njobs = 0;
}

static void signals_block(struct study *st)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &st->oldmask);
	st->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void signals_restore(struct study *st)
{
	if (st->sfd >= 0)
		close(st->sfd);
	st->sfd = -1;
	sigprocmask(SIG_SETMASK, &st->oldmask, NULL);
}

static void read_signal(struct study *st)
{
	struct signalfd_siginfo si;

	while (read(st->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (!st->interrupted)
			st->interrupted = (int)si.ssi_signo;
}

/* ------------------------------------------------------------------ MPI */

bool study_mpi_env(int *rank, int *size)
{
	const char *r = getenv("OMPI_COMM_WORLD_RANK"), *n = getenv("OMPI_COMM_WORLD_SIZE");

	if (!r || !n) {
		r = getenv("PMI_RANK");
		n = getenv("PMI_SIZE");
	}
	if (!r || !n)
		return false;
	*rank = atoi(r);
	*size = atoi(n);
	return *size >= 1 && *rank >= 0 && *rank < *size;
}

static void mpi_token(char *buf, size_t len)
{
	static const char *const vars[] = {"PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid", "OMPI_MCA_orte_ess_jobid",
					   "PMI_KVSNAME", "SLURM_JOB_ID"};

	snprintf(buf, len, "job");
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v) {
			snprintf(buf, len, "%s", v);
			for (char *c = buf; *c; c++)
				if (*c == ' ' || *c == '\n')
					*c = '_';
			return;
		}
	}
}

static int coordinator_publish(struct study *st, bool done)
{
	struct sweep_buf b = {0};
	char path[PATH_MAX + 32];
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct ifaddrs *ifa = NULL;
	int rc;

	sweep_buf_printf(&b, "pfnlab-sweep %s %016llx %s\n", st->token, (unsigned long long)sweep_hash(st->ss->s),
			 done ? "done" : "open");
	if (!done) {
		if (getsockname(st->lfd, (struct sockaddr *)&sa, &sl))
			return cli_error("sweep: mpi: getsockname: %s", strerror(errno));
		sweep_buf_printf(&b, "port %u\n", ntohs(sa.sin_port));
		if (!getifaddrs(&ifa)) {
			for (int pass = 0; pass < 2; pass++)
				for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
					char ip[INET_ADDRSTRLEN];
					struct sockaddr_in *a = (struct sockaddr_in *)i->ifa_addr;
					bool lo;

					if (!a || a->sin_family != AF_INET)
						continue;
					lo = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
					if (lo != (pass == 1))
						continue;
					inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
					sweep_buf_printf(&b, "addr %s\n", ip);
				}
			freeifaddrs(ifa);
		}
		sweep_buf_printf(&b, "addr 127.0.0.1\n");
	}
	snprintf(path, sizeof(path), "%s/.coordinator", st->dir);
	rc = study_write_file(path, b.p, b.n);
	sweep_buf_free(&b);
	return rc;
}

static int coordinator_listen(struct study *st)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};

	st->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (st->lfd < 0 || bind(st->lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(st->lfd, 128))
		return cli_error("sweep: mpi: cannot listen on a TCP port: %s", strerror(errno));
	st->conns = calloc(MAX_RANKS, sizeof(*st->conns));
	if (!st->conns) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	return coordinator_publish(st, false);
}

static void conn_send(struct study *st, struct conn *c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void conn_send(struct study *st, struct conn *c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!c->dead && send_all(c->fd, buf, (size_t)n))
		c->dead = true;
}

static void conn_lost(struct study *st, struct conn *c, const char *why)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->dead = true;
	if (c->ninflight) {
		fprintf(stderr, "pfnlab: sweep: rank %d on %s %s with %u run%s in flight (run %llu%s); 'pfnlab sweep --resume' completes %s\n",
			c->rank, c->host[0] ? c->host : "?", why, c->ninflight, c->ninflight > 1 ? "s" : "",
			(unsigned long long)c->inflight[0], c->ninflight > 1 ? ", ..." : "", c->ninflight > 1 ? "them" : "it");
		st->lost += c->ninflight;
	}
	c->ninflight = 0;
	sweep_buf_free(&c->in);
}

static void conn_line(struct study *st, struct conn *c, char *line, size_t len)
{
	if (c->rank < 0) {
		int rank;
		unsigned slots;
		unsigned long long hash;
		char host[64];

		if (sscanf(line, "HELLO %d %u %llx %63s", &rank, &slots, &hash, host) != 4) {
			conn_lost(st, c, "said no HELLO");
			return;
		}
		if (hash != sweep_hash(st->ss->s)) {
			fprintf(stderr, "pfnlab: sweep: rank %d on %s has another spec (hash %016llx, not %016llx); ignored\n",
				rank, host, hash, (unsigned long long)sweep_hash(st->ss->s));
			conn_send(st, c, "BYE spec\n");
			conn_lost(st, c, "refused");
			return;
		}
		c->rank = rank;
		c->slots = slots < 1 ? 1 : slots > 64 ? 64 : slots;
		snprintf(c->host, sizeof(c->host), "%s", host);
		return;
	}
	{
		int64_t id = sweep_row_id(line, len + 1);
		unsigned k;

		for (k = 0; k < c->ninflight; k++)
			if ((int64_t)c->inflight[k] == id)
				break;
		if (id < 0 || k == c->ninflight) {
			conn_lost(st, c, "sent a row it was not asked for");
			return;
		}
		c->inflight[k] = c->inflight[--c->ninflight];
		line[len] = '\n';
		if (store_row(st, line, len + 1) == -EINVAL) {
			fprintf(stderr, "pfnlab: sweep: rank %d sent a malformed row for run %lld; left for --resume\n",
				c->rank, (long long)id);
			st->lost++;
		}
	}
}

static void conn_read(struct study *st, struct conn *c)
{
	char buf[65536];
	ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
	size_t start = 0;

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_lost(st, c, "was lost");
		return;
	}
	if (r < 0)
		return;
	sweep_buf_add(&c->in, buf, (size_t)r);
	for (size_t i = 0; i < c->in.n && !c->dead; i++)
		if (c->in.p[i] == '\n') {
			c->in.p[i] = 0;
			conn_line(st, c, c->in.p + start, i - start);
			start = i + 1;
		}
	if (c->dead)
		return;
	memmove(c->in.p, c->in.p + start, c->in.n - start);
	c->in.n -= start;
	if (c->in.n > MAX_ROW_BYTES)
		conn_lost(st, c, "sent a line too long");
}

/* Connect to rank 0: wait for DIR/.coordinator of this job, try its addresses. */
static int worker_connect(struct study *st)
{
	char path[PATH_MAX + 32];
	double t = now();

	snprintf(path, sizeof(path), "%s/.coordinator", st->dir);
	for (;;) {
		size_t len;
		int e;
		char *text = slurp(path, &len, &e);
		char magic[32], token[128], state[16];
		unsigned long long hash;

		if (text && sscanf(text, "%31s %127s %llx %15s", magic, token, &hash, state) == 4 &&
		    !strcmp(magic, "pfnlab-sweep") && !strcmp(token, st->token)) {
			unsigned port = 0;
			char *save = NULL;

			if (hash != sweep_hash(st->ss->s)) {
				free(text);
				cli_error("sweep: mpi rank %d: rank 0 runs another spec than this rank (%s)", st->rank,
					  sweep_file(st->ss->s));
				return -EINVAL;
			}
			if (!strcmp(state, "done")) {
				free(text);
				return -ECONNREFUSED; /* the sweep ended before this rank came */
			}
			for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
				char ip[64];
				struct sockaddr_in sa = {.sin_family = AF_INET};
				int fd;

				if (sscanf(l, "port %u", &port) == 1 || sscanf(l, "addr %63s", ip) != 1)
					continue;
				sa.sin_port = htons((uint16_t)port);
				if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
					continue;
				fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
				if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
					free(text);
					return fd;
				}
				if (fd >= 0)
					close(fd);
			}
		}
		free(text);
		if (now() - t > 120)
			return -ETIMEDOUT;
		usleep(20000);
	}
}

/* A rank other than 0: take RUN lines, send rows, until QUIT. */
static int worker_serve(struct study *st)
{
	struct sweep_buf in = {0}, row = {0};
	char host[64] = "?";
	int fd = worker_connect(st), rc = 0;
	bool quit = false;

	if (fd == -ECONNREFUSED)
		return EXIT_OK;
	if (fd < 0) {
		if (fd == -ETIMEDOUT)
			cli_error("sweep: mpi rank %d: no coordinator in %s/.coordinator after 120 s (is --out on a file system every node sees?)",
				  st->rank, st->dir);
		return EXIT_USAGE;
	}
	gethostname(host, sizeof(host) - 1);
	{
		char hello[160];
		int n = snprintf(hello, sizeof(hello), "HELLO %d %u %016llx %s\n", st->rank, st->o.jobs,
				 (unsigned long long)sweep_hash(st->ss->s), host);

		send_all(fd, hello, (size_t)n);
	}
	while (!quit || st->njobs) {
		struct pollfd pf[2 + 2 * 64];
		unsigned np = 0;

		pf[np++] = (struct pollfd){fd, POLLIN, 0};
		pf[np++] = (struct pollfd){st->sfd, POLLIN, 0};
		for (unsigned i = 0; i < st->njobs; i++) {
			pf[np++] = (struct pollfd){st->jobs[i].fd_out, POLLIN, 0};
			pf[np++] = (struct pollfd){st->jobs[i].fd_err, POLLIN, 0};
		}
		if (poll(pf, np, 1000) < 0 && errno != EINTR)
			break;
		if (pf[1].revents) {
			read_signal(st);
			if (st->interrupted) {
				jobs_kill(st);
				rc = EXIT_SIGNAL(st->interrupted);
				break;
			}
		}
		for (unsigned i = 0; i < st->njobs; i++) {
			struct job *jb = &st->jobs[i];
			bool done = false;

			if (jb->fd_out >= 0 && pf[2 + 2 * i].revents)
				done = job_read(jb, jb->fd_out);
			if (jb->fd_err >= 0 && pf[3 + 2 * i].revents)
				done = job_read(jb, jb->fd_err);
			if (!done)
				continue;
			row.n = 0;
			if (job_end(st, jb, &row) && send_all(fd, row.p, row.n))
				quit = true;
			*jb = st->jobs[--st->njobs];
			i = st->njobs; /* poll indices moved: read the rest next round */
		}
		if (pf[0].revents) {
			char buf[4096];
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			size_t start = 0;

			if (r <= 0 && !(r < 0 && errno == EINTR)) {
				jobs_kill(st); /* rank 0 is gone */
				break;
			}
			if (r > 0)
				sweep_buf_add(&in, buf, (size_t)r);
			for (size_t i = 0; i < in.n; i++) {
				unsigned long long id;

				if (in.p[i] != '\n')
					continue;
				in.p[i] = 0;
				if (sscanf(in.p + start, "RUN %llu", &id) == 1 && id < sweep_runs(st->ss->s) &&
				    st->njobs < st->o.jobs) {
					int s;

					row.n = 0;
					s = job_start(st, &st->jobs[st->njobs], id, &row);
					if (s == 0)
						st->njobs++;
					else if (s == 1)
						send_all(fd, row.p, row.n);
					else {
						sweep_row_fail(st->ss->s, id, "crashed", -1, 0, strerror(-s), &row);
						send_all(fd, row.p, row.n);
					}
				} else if (!strncmp(in.p + start, "QUIT", 4) || !strncmp(in.p + start, "BYE", 3)) {
					quit = true;
					if (!strncmp(in.p + start, "BYE", 3)) {
						cli_error("sweep: mpi rank %d: rank 0 refused this rank (another spec)", st->rank);
						rc = EXIT_USAGE;
					}
				}
				start = i + 1;
			}
			if (start) {
				memmove(in.p, in.p + start, in.n - start);
				in.n -= start;
			}
		}
	}
	close(fd);
	sweep_buf_free(&in);
	sweep_buf_free(&row);
	return rc;
}

/* ------------------------------------------------------------------ open, run, finish */

int study_open(struct study_spec *ss, const struct study_opts *o, struct study **out)
{
	struct study *st = calloc(1, sizeof(*st));
	uint64_t runs = sweep_runs(ss->s), kept = 0, dropped = 0;
	char path[PATH_MAX + 32];
	struct stat sb;
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
	st->jsonl_fd = st->csv_fd = st->sfd = st->lfd = -1;
	st->t0 = st->last_sync = now();
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
	st->jobs = calloc(st->o.jobs, sizeof(*st->jobs));
	if (!st->kv || !st->jobs) {
		free(st->kv);
		free(st->jobs);
		free(st);
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	signals_block(st);
	if (st->rank > 0) {
		rc = worker_serve(st);
		free(st->kv);
		signals_restore(st);
		scn_free(st->prog);
		free(st->prog_text);
		free(st->jobs);
		free(st);
		return rc;
	}
	st->offset = malloc(runs * sizeof(*st->offset) + 1);
	st->len = calloc(runs + 1, sizeof(*st->len));
	if (!st->offset || !st->len) {
		study_close(st);
		cli_error("out of memory: %llu runs", (unsigned long long)runs);
		return EXIT_RESOURCE;
	}
	for (uint64_t i = 0; i < runs; i++) {
		st->offset[i] = -1;
		st->in_scope += in_scope(st, i);
	}
	rc = mkdir_p(st->dir);
	if (rc) {
		study_close(st);
		return cli_error("--out %s: %s", o->dir, strerror(-rc));
	}
	snprintf(path, sizeof(path), "%s/results.jsonl", st->dir);
	if (!stat(path, &sb) && sb.st_size > 0) {
		struct sweep_kv kv[32];
		char hash[32], slice[64];
		size_t n;
		const char *mh, *ms;

		if (!o->resume) {
			study_close(st);
			return cli_error("--out %s: holds the results of a sweep; --resume completes it, or choose another --out",
					 o->dir);
		}
		snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)sweep_hash(ss->s));
		snprintf(slice, sizeof(slice), "%llu/%llu", (unsigned long long)o->slice_i,
			 (unsigned long long)(o->slice_n ? o->slice_n : 1));
		if (read_meta(st->dir, kv, 32, &n) || !(mh = meta_str(kv, n, "hash")) || !(ms = meta_str(kv, n, "slice"))) {
			study_close(st);
			return cli_error("--resume: %s/sweep.json is missing or damaged; cannot tell which sweep %s holds", o->dir,
					 o->dir);
		}
		if (strcmp(mh, hash)) {
			study_close(st);
			return cli_error("--resume: %s holds another sweep (its spec or scenario differ from %s)", o->dir,
					 ss->path);
		}
		if (strcmp(ms, slice)) {
			study_close(st);
			return cli_error("--resume: %s holds slice %s, not %s", o->dir, ms, slice);
		}
		rc = load_rows(st, &kept, &dropped);
		if (rc) {
			study_close(st);
			return cli_error("%s: %s", path, strerror(-rc));
		}
	}
	rc = write_meta(st);
	if (rc) {
		study_close(st);
		return rc;
	}
	st->jsonl_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	snprintf(path, sizeof(path), "%s/results.csv", st->dir);
	st->csv_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (st->jsonl_fd < 0 || st->csv_fd < 0) {
		study_close(st);
		return cli_error("%s: %s", path, strerror(errno));
	}
	/* rows kept (or none): both files rewritten from them, then appended to */
	rc = rewrite(st);
	if (rc) {
		study_close(st);
		return cli_error("%s: rewriting the results: %s", st->dir, strerror(-rc));
	}
	if ((kept || dropped) && !o->quiet_resume)
		fprintf(stderr, "pfnlab: sweep: resuming %s: %llu rows kept%s%s, %llu runs to go\n", st->dir,
			(unsigned long long)kept, dropped ? ", " : "",
			dropped ? "crashed or torn rows dropped" : "", (unsigned long long)study_missing(st));
	if (o->mpi) {
		rc = coordinator_listen(st);
		if (rc) {
			study_close(st);
			return rc;
		}
	}
	*out = st;
	return 0;
}

/* The progress line (progress.c): done/total, runs/s, ETA. */
static void show_progress(struct study *st, uint64_t done, uint64_t total)
{
	double el = now() - st->t0, rate = el > 0 ? (double)st->executed / el : 0;

	if (rate > 0 && total > done)
		progress_show(&st->pline, "sweep: %llu/%llu runs, %.1f runs/s, ETA %.0f s", (unsigned long long)done,
			      (unsigned long long)total, rate, (double)(total - done) / rate);
	else
		progress_show(&st->pline, "sweep: %llu/%llu runs", (unsigned long long)done, (unsigned long long)total);
}

int study_run(struct study *st, const uint64_t *ids, size_t n)
{
	size_t next = 0, busy;
	uint64_t todo = 0, done0 = st->have;
	struct sweep_buf row = {0};
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		todo += !study_has(st, ids[i]);
	while (!rc) {
		struct pollfd *pf;
		size_t np = 0, base_jobs, base_conns, npolled;

		/* hand out work */
		while (!st->interrupted && next < n && st->njobs < st->o.jobs) {
			int s;

			if (study_has(st, ids[next])) {
				next++;
				continue;
			}
			row.n = 0;
			s = job_start(st, &st->jobs[st->njobs], ids[next], &row);
			if (s < 0) {
				rc = cli_error("sweep: cannot start a worker: %s", strerror(-s));
				break;
			}
			next++;
			if (s == 0)
				st->njobs++;
			else if (store_row(st, row.p, row.n))
				rc = EXIT_USAGE;
		}
		for (size_t c = 0; c < st->nconns && !st->interrupted; c++) {
			struct conn *cn = &st->conns[c];

			while (!cn->dead && cn->rank >= 0 && cn->ninflight < cn->slots && next < n) {
				if (study_has(st, ids[next])) {
					next++;
					continue;
				}
				cn->inflight[cn->ninflight++] = ids[next];
				conn_send(st, cn, "RUN %llu\n", (unsigned long long)ids[next++]);
				if (cn->dead)
					conn_lost(st, cn, "was lost");
			}
		}
		busy = st->njobs;
		for (size_t c = 0; c < st->nconns; c++)
			busy += st->conns[c].ninflight;
		if (rc || (!busy && (next >= n || st->interrupted)))
			break;
		pf = calloc(2 + 2 * st->njobs + st->nconns, sizeof(*pf));
		if (!pf) {
			rc = EXIT_RESOURCE;
			break;
		}
		pf[np++] = (struct pollfd){st->sfd, POLLIN, 0};
		pf[np++] = (struct pollfd){st->lfd, st->lfd >= 0 ? POLLIN : 0, 0};
		base_jobs = np;
		for (unsigned i = 0; i < st->njobs; i++) {
			pf[np++] = (struct pollfd){st->jobs[i].fd_out, POLLIN, 0};
			pf[np++] = (struct pollfd){st->jobs[i].fd_err, POLLIN, 0};
		}
		base_conns = np;
		npolled = st->nconns; /* accept() below may add one */
		for (size_t c = 0; c < npolled; c++)
			pf[np++] = (struct pollfd){st->conns[c].fd, st->conns[c].fd >= 0 ? POLLIN : 0, 0};
		if (poll(pf, np, 250) < 0 && errno != EINTR) {
			free(pf);
			rc = cli_error("sweep: poll: %s", strerror(errno));
			break;
		}
		if (pf[0].revents) {
			read_signal(st);
			if (st->interrupted) {
				jobs_kill(st);
				for (size_t c = 0; c < st->nconns; c++) {
					conn_send(st, &st->conns[c], "QUIT\n");
					st->lost += st->conns[c].ninflight;
					st->conns[c].ninflight = 0;
				}
			}
		}
		if (pf[1].revents && st->lfd >= 0) {
			int fd = accept4(st->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

			if (fd >= 0 && st->nconns < MAX_RANKS) {
				int one = 1;

				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				st->conns[st->nconns++] = (struct conn){.fd = fd, .rank = -1};
			} else if (fd >= 0) {
				close(fd);
			}
		}
		/* children: indices are stable until the end of this pass */
		for (unsigned i = 0; i < st->njobs && !st->interrupted; i++) {
			struct job *j = &st->jobs[i];

			if (j->fd_out >= 0 && pf[base_jobs + 2 * i].revents)
				job_read(j, j->fd_out);
			if (j->fd_err >= 0 && pf[base_jobs + 2 * i + 1].revents)
				job_read(j, j->fd_err);
		}
		for (unsigned i = 0; i < st->njobs;) {
			struct job *j = &st->jobs[i];

			if (j->fd_out >= 0 || j->fd_err >= 0) {
				i++;
				continue;
			}
			if (!st->interrupted) {
				/* a child killed by the terminal's SIGINT: the parent's signal may still be queued */
				read_signal(st);
			}
			row.n = 0;
			if (job_end(st, j, &row) && store_row(st, row.p, row.n))
				rc = EXIT_USAGE;
			*j = st->jobs[--st->njobs];
		}
		for (size_t c = 0; c < npolled; c++)
			if (st->conns[c].fd >= 0 && pf[base_conns + c].revents)
				conn_read(st, &st->conns[c]);
		free(pf);
		if (now() - st->last_sync >= SYNC_SECONDS)
			sync_files(st);
		show_progress(st, st->have - done0, todo);
	}
	progress_done(&st->pline);
	sync_files(st);
	sweep_buf_free(&row);
	if (rc)
		jobs_kill(st);
	if (!rc && st->interrupted)
		rc = EXIT_SIGNAL(st->interrupted);
	return rc;
}

int study_run_all(struct study *st)
{
	uint64_t runs = sweep_runs(st->ss->s), n = 0;
	uint64_t *ids = malloc((study_missing(st) + 1) * sizeof(*ids));
	int rc;

	if (!ids) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	for (uint64_t i = 0; i < runs; i++)
		if (in_scope(st, i) && st->offset[i] < 0)
			ids[n++] = i;
	rc = study_run(st, ids, n);
	free(ids);
	return rc;
}

int study_import(struct study *st, const char *dir, uint64_t *rows)
{
	struct sweep_kv kv[32];
	char path[PATH_MAX + 32], hash[32];
	const char *mh;
	size_t n, cap = 0;
	char *line = NULL;
	ssize_t r;
	FILE *f;
	int rc = 0;

	*rows = 0;
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)sweep_hash(st->ss->s));
	if (read_meta(dir, kv, 32, &n) || !(mh = meta_str(kv, n, "hash")))
		return cli_error("merge: %s/sweep.json is missing or damaged", dir);
	if (strcmp(mh, hash))
		return cli_error("merge: %s holds another sweep than %s (spec or scenario differ)", dir, st->ss->path);
	snprintf(path, sizeof(path), "%s/results.jsonl", dir);
	f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? 0 : cli_error("merge: %s: %s", path, strerror(errno));
	while (!rc && (r = getline(&line, &cap, f)) > 0) {
		int64_t id = sweep_row_id(line, (size_t)r);

		if (id < 0 || line[r - 1] != '\n' || study_has(st, (uint64_t)id))
			continue;
		rc = store_row(st, line, (size_t)r);
		if (rc == -EINVAL)
			rc = 0; /* a torn or foreign line: the run stays missing */
		else if (!rc)
			(*rows)++;
		else
			rc = EXIT_USAGE;
	}
	free(line);
	fclose(f);
	return rc;
}

int study_aggregate(const struct study *st, struct sweep_agg **agg)
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
	char path[PATH_MAX + 32];
	int rc;

	*agg = NULL;
	if (!study_missing(st)) {
		rc = rewrite(st);
		if (rc)
			return cli_error("%s: sorting the results: %s", st->dir, strerror(-rc));
	}
	rc = study_aggregate(st, agg);
	if (rc) {
		cli_error("%s/results.jsonl: %s", st->dir, rc == -ENOMEM ? "out of memory" : "a row does not read back");
		return rc == -ENOMEM ? EXIT_RESOURCE : EXIT_INTERNAL;
	}
	sweep_buf_sink(&b, &sk);
	sweep_agg_json(*agg, study_missing(st), &sk);
	snprintf(path, sizeof(path), "%s/summary.json", st->dir);
	rc = b.failed ? cli_error("out of memory") : study_write_file(path, b.p, b.n);
	sweep_buf_free(&b);
	return rc;
}

void study_close(struct study *st)
{
	if (!st)
		return;
	jobs_kill(st);
	for (size_t c = 0; c < st->nconns; c++) {
		if (st->conns[c].fd >= 0) {
			conn_send(st, &st->conns[c], "QUIT\n");
			close(st->conns[c].fd);
		}
		sweep_buf_free(&st->conns[c].in);
	}
	if (st->lfd >= 0) {
		close(st->lfd);
		coordinator_publish(st, true);
	}
	if (st->jsonl_fd >= 0) {
		sync_files(st);
		close(st->jsonl_fd);
	}
	if (st->csv_fd >= 0)
		close(st->csv_fd);
	signals_restore(st);
	scn_free(st->prog);
	free(st->prog_text);
	free(st->conns);
	free(st->offset);
	free(st->len);
	free(st->jobs);
	free(st->kv);
	free(st);
}

/* ------------------------------------------------------------------ mpirun */

int study_mpirun(int argc, char **argv, unsigned n)
{
	const char *launcher = getenv("PFNLAB_MPIRUN");
	char **av = calloc((size_t)argc + 16, sizeof(char *));
	char self[PATH_MAX], np[16], *lcopy = NULL, status[64];
	int ws = 0, code = -1;
	pid_t pid;
	FILE *f;
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t k = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!av)
		return cli_error("out of memory");
	if (sl <= 0) {
		free(av);
		return cli_error("--engine mpi: cannot find this program (/proc/self/exe)");
	}
	self[sl] = 0;
	snprintf(np, sizeof(np), "%u", n);
	if (launcher && *launcher) {
		char *save = NULL;

		lcopy = strdup(launcher);
		for (char *t = lcopy ? strtok_r(lcopy, " ", &save) : NULL; t && k < 8; t = strtok_r(NULL, " ", &save))
			av[k++] = t;
	} else {
		av[k++] = "mpirun";
		if ((long)n > cpus)
			av[k++] = "--oversubscribe";
		if (geteuid() == 0)
			av[k++] = "--allow-run-as-root";
		/* a rank that dies ends only itself: rank 0 reports it and goes on (Open MPI 4) */
		av[k++] = "--enable-recovery";
		av[k++] = "--mca";
		av[k++] = "orte_abort_on_non_zero_status";
		av[k++] = "0";
	}
	av[k++] = "-np";
	av[k++] = np;
	av[k++] = self;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--jobs")) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "-j", 2) && argv[i][2])
			continue;
		av[k++] = argv[i];
	}
	av[k] = NULL;
	/* with recovery mpirun's status is not rank 0's: rank 0 leaves it in a file here */
	snprintf(status, sizeof(status), ".pfnlab-mpi-status.%d", (int)getpid());
	setenv("PFNLAB_MPI_STATUS", status, 1);
	unlink(status);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execvp(av[0], av);
		fprintf(stderr, "pfnlab: --engine mpi: cannot run '%s': %s (install openmpi-bin, or start pfnlab under mpirun yourself)\n",
			av[0], strerror(errno));
		_exit(127);
	}
	free(lcopy);
	free(av);
	if (pid < 0)
		return cli_error("--engine mpi: fork: %s", strerror(errno));
	signal(SIGINT, SIG_IGN); /* mpirun passes Ctrl-C on to the ranks */
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	f = fopen(status, "r");
	if (f) {
		if (fscanf(f, "%d", &code) != 1)
			code = -1;
		fclose(f);
		unlink(status);
		if (code >= 0)
			return code;
	}
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws) == 127 ? EXIT_USAGE : WEXITSTATUS(ws) ? WEXITSTATUS(ws) : EXIT_CHECK;
	return EXIT_SIGNAL(WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
}

void study_mpi_status(int rc)
{
	const char *path = getenv("PFNLAB_MPI_STATUS");
	int rank, size;
	FILE *f;

	if (!path || !study_mpi_env(&rank, &size) || rank != 0)
		return;
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%d\n", rc);
		fclose(f);
	}
}
