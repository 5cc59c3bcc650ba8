/*
 * study_files.c - every file a study reads or writes, and the only code
 * of src/cli/study/ that opens one (docs/sweep.md):
 *
 *   DIR/lock           held (flock) from files_open() to files_close(): who runs here
 *   DIR/sweep.json     the spec's hash, run count, slice   (written first)
 *   DIR/spec.txt       the spec as read; DIR/scenario.txt the scenario it names
 *   DIR/results.jsonl  one row per run, appended as rows arrive, fsync'd each second
 *   DIR/results.csv    the same rows as CSV
 *   DIR/summary.json   statistics per point (study_finish)
 *   DIR/.coordinator   where MPI rank 0 listens (engine_mpi.c)
 *   DIR/sweep.sbatch   the Slurm job array (engine_slurm.c)
 *
 * and the spec and scenario files a study starts from, and the file in
 * which an MPI rank 0 leaves its exit code for the pfnlab that started
 * mpirun.
 *
 * Everything in DIR is opened relative to DIR's fd with O_NOFOLLOW: a
 * link planted there is never followed.  A file is replaced whole: a
 * temporary (O_EXCL, output_temp()) written, fsync'd and renamed over it,
 * so a full disk leaves the old file as it was; nothing is truncated.
 *
 * The results are open from files_open() to files_close(): rows are
 * appended as they come, indexed by run id (offset and length in
 * results.jsonl: 12 bytes a run in scope, allocated lazily), and read back
 * from there.  --resume keeps the complete rows there are (a torn last
 * line and "crashed" rows are dropped); a merge imports the rows of other
 * directories of the same sweep.  When every run has its row, both files
 * are rewritten in run-id order, so they are byte-identical whatever the
 * engine, the worker count or the interruptions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "study_internal.h"

#define SYNC_SECONDS 1.0
#define MAX_TEXT (64u << 20) /* a file read whole: a spec, a scenario, sweep.json */

/* DIR's results, open. */
struct study_files {
	char dir[PATH_MAX];
	int dirfd, lockfd;
	const struct study_spec *ss;
	uint64_t slice_i, slice_n;  /* the runs in scope: id % n == i (n = 0: all) */
	int jsonl_fd, csv_fd;
	off_t jsonl_size;
	uint64_t *offset;           /* per run in scope (slot()): offset of its row + 1, 0 = none */
	uint32_t *len;
	uint64_t in_scope, have;    /* runs in scope, of them with a row */
	uint64_t stored;            /* rows stored since files_open() */
	double last_sync;
	bool dirty;
	struct sweep_kv *kv;        /* scratch for CSV */
};

/* ------------------------------------------------------------------ whole files */

int study_write_all(int fd, const char *p, size_t n)
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

/* What @fd holds (at most 64 MiB), NUL-terminated; NULL with *@err an errno.  Closes @fd. */
static char *read_fd(int fd, size_t *len, int *err)
{
	struct sweep_buf b = {0};
	char tmp[65536];
	ssize_t r;

	*err = 0;
	while ((r = read(fd, tmp, sizeof(tmp))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*err = errno;
			break;
		}
		sweep_buf_add(&b, tmp, (size_t)r);
		if (b.n > MAX_TEXT) {
			*err = EFBIG;
			break;
		}
	}
	close(fd);
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

char *study_read_file(const char *path, size_t *len, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	return read_fd(fd, len, err);
}

/* DIR (@dirfd)/NAME, not through a link; as study_read_file(). */
static char *read_at(int dirfd, const char *name, size_t *len, int *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	return read_fd(fd, len, err);
}

/* @dir opened as a directory (its own path may hold links: the user named it); fd or -errno. */
static int open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd >= 0 ? fd : -errno;
}

char *study_dir_read(const char *dir, const char *name, size_t *len, int *err)
{
	int dfd = open_dir(dir);
	char *t;

	if (dfd < 0) {
		*err = -dfd;
		return NULL;
	}
	t = read_at(dfd, name, len, err);
	close(dfd);
	return t;
}

/* DIR (@dirfd)/NAME replaced by @text whole or not at all; 0 or -errno. */
static int write_at(int dirfd, const char *name, const char *text, size_t len, unsigned mode)
{
	char tmp[256];
	int fd = output_temp(dirfd, name, mode, tmp, sizeof(tmp)), rc;

	if (fd < 0)
		return fd;
	rc = study_write_all(fd, text, len);
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && renameat(dirfd, tmp, dirfd, name))
		rc = -errno;
	if (rc)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

/* The message and exit code of a file of DIR that could not be written. */
static int write_failed(const char *dir, const char *name, int err)
{
	cli_error("%s/%s: %s%s", dir, name, strerror(-err),
		  exit_for_errno(err) == EXIT_WRITE ? " (the file is left as it was)" : "");
	return exit_for_errno(err);
}

int study_dir_write(const char *dir, const char *name, const char *text, size_t len, bool executable)
{
	int dfd = open_dir(dir), rc;

	if (dfd < 0)
		return write_failed(dir, name, dfd);
	rc = write_at(dfd, name, text, len, executable ? 0777 : 0666);
	close(dfd);
	return rc ? write_failed(dir, name, rc) : EXIT_OK;
}

int files_write(struct study_files *f, const char *name, const char *text, size_t len)
{
	int rc = write_at(f->dirfd, name, text, len, 0666);

	return rc ? write_failed(f->dir, name, rc) : EXIT_OK;
}

static int mkdir_p(const char *dir)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			if (mkdir(p, 0777) && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	if (mkdir(p, 0777) && errno != EEXIST)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------ the MPI status file */

int study_status_create(char *path, size_t len)
{
	int fd = output_temp(AT_FDCWD, "pfnlab-mpi-status", 0600, path, len);

	if (fd < 0) {
		cli_error("--engine mpi: cannot create a status file here: %s", strerror(-fd));
		return exit_for_errno(fd);
	}
	close(fd);
	return 0;
}

void study_status_write(const char *path, int rc)
{
	char text[32];
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC); /* created by study_status_create() */
	int n = snprintf(text, sizeof(text), "%d\n", rc);

	if (fd < 0)
		return;
	if (study_write_all(fd, text, (size_t)n))
		fprintf(stderr, "pfnlab: %s: %s\n", path, strerror(errno));
	close(fd);
}

int study_status_read(const char *path)
{
	size_t len;
	int e, code = -1;
	char *t = read_at(AT_FDCWD, path, &len, &e);

	if (t && sscanf(t, "%d", &code) != 1)
		code = -1;
	free(t);
	unlink(path);
	return code;
}

/* ------------------------------------------------------------------ DIR/lock */

/*
 * Take DIR/lock (flock, not blocking) and say in it who holds it.  An exit
 * code: EXIT_BUSY with the holder named when another pfnlab has it.  A file
 * system without flock gets a warning, and the study goes on unlocked.
 */
static int lock_dir(struct study_files *f)
{
	char text[512], host[256] = "?", when[64] = "?";
	struct stat st;
	struct tm tm;
	time_t now = time(NULL);
	int n;

	f->lockfd = openat(f->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
	if (f->lockfd < 0 || fstat(f->lockfd, &st) || !S_ISREG(st.st_mode)) {
		int e = f->lockfd < 0 ? errno : EINVAL;

		return cli_error("--out %s: cannot take %s/lock: %s", f->dir, f->dir,
				 e == ELOOP ? "it is a symbolic link" : e == EINVAL ? "not a regular file" : strerror(e)),
		       exit_for_errno(e);
	}
	if (flock(f->lockfd, LOCK_EX | LOCK_NB)) {
		size_t len;
		int e = errno;
		char *who;

		if (e != EWOULDBLOCK) {
			fprintf(stderr, "pfnlab: warning: --out %s: this file system cannot lock (%s); nothing stops a "
					"second sweep from writing here too\n", f->dir, strerror(e));
			return 0;
		}
		who = read_at(f->dirfd, "lock", &len, &e);
		if (who && len && who[len - 1] == '\n')
			who[len - 1] = 0;
		cli_error("--out %s: in use by %s; wait for it to end or choose another --out", f->dir,
			  who && *who ? who : "another pfnlab (it has not said who yet)");
		free(who);
		return EXIT_BUSY;
	}
	gethostname(host, sizeof(host) - 1);
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(text, sizeof(text), "pfnlab pid %d on %s since %s\n", (int)getpid(), host, when);
	if (ftruncate(f->lockfd, 0) || pwrite(f->lockfd, text, (size_t)n, 0) != n)
		return write_failed(f->dir, "lock", -errno);
	return 0;
}

/* ------------------------------------------------------------------ DIR/sweep.json */

/* @dirfd's sweep.json flattened; 0, a negative errno, -EINVAL or -E2BIG. */
static int read_meta(int dirfd, struct sweep_kv *kv, size_t max, size_t *n)
{
	size_t len;
	char *t;
	int e, rc;

	*n = 0;
	t = read_at(dirfd, "sweep.json", &len, &e);
	if (!t)
		return -e;
	rc = sweep_json_flat(t, len, kv, max, n);
	free(t);
	return rc;
}

int study_dir_meta(const char *dir, struct sweep_kv *kv, size_t max, size_t *n)
{
	int dfd = open_dir(dir), rc;

	*n = 0;
	if (dfd < 0)
		return dfd;
	rc = read_meta(dfd, kv, max, n);
	close(dfd);
	return rc;
}

/* The string @key of a flattened sweep.json, or NULL. */
const char *study_meta_str(const struct sweep_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].str;
	return NULL;
}

static int write_meta(struct study_files *f)
{
	struct sweep_buf b = {0};
	struct pfnlab_sink sk;
	int rc;

	sweep_buf_sink(&b, &sk);
	sweep_buf_printf(&b, "{\"pfnlab_sweep\": 1, \"spec\": ");
	json_string(&sk, f->ss->path, strlen(f->ss->path));
	sweep_buf_printf(&b, ", \"scenario\": ");
	json_string(&sk, sweep_scenario_name(f->ss->s), strlen(sweep_scenario_name(f->ss->s)));
	sweep_buf_printf(&b, ", \"hash\": \"%016llx\", \"runs\": %llu, \"points\": %llu, \"seeds\": %llu, \"slice\": \"%llu/%llu\"}\n",
			 (unsigned long long)sweep_hash(f->ss->s), (unsigned long long)sweep_runs(f->ss->s),
			 (unsigned long long)sweep_points(f->ss->s), (unsigned long long)sweep_seeds(f->ss->s),
			 (unsigned long long)f->slice_i, (unsigned long long)(f->slice_n ? f->slice_n : 1));
	if (b.failed) {
		sweep_buf_free(&b);
		return cli_error("out of memory"), EXIT_RESOURCE;
	}
	rc = files_write(f, "spec.txt", f->ss->spec_text, f->ss->spec_len);
	if (!rc && f->ss->scn_text)
		rc = files_write(f, "scenario.txt", f->ss->scn_text, f->ss->scn_len);
	if (!rc)
		rc = files_write(f, "sweep.json", b.p, b.n);
	sweep_buf_free(&b);
	return rc;
}

/* ------------------------------------------------------------------ rows */

bool files_in_scope(const struct study_files *f, uint64_t id)
{
	return !f->slice_n || id % f->slice_n == f->slice_i;
}

/* Run @id's place in the index (runs in scope only); UINT64_MAX when it has none. */
static uint64_t slot(const struct study_files *f, uint64_t id)
{
	if (id >= sweep_runs(f->ss->s) || !files_in_scope(f, id))
		return UINT64_MAX;
	return f->slice_n ? id / f->slice_n : id;
}

/* The run id of index place @s. */
static uint64_t slot_id(const struct study_files *f, uint64_t s)
{
	return f->slice_n ? s * f->slice_n + f->slice_i : s;
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

static void csv_header(const struct study_files *f, struct sweep_buf *b)
{
	for (size_t c = 0; c < f->ss->ncols; c++) {
		if (c)
			sweep_buf_add(b, ",", 1);
		csv_field(b, f->ss->cols[c]);
	}
	sweep_buf_add(b, "\n", 1);
}

static int csv_line(const struct study_files *f, const char *row, size_t len, struct sweep_buf *b)
{
	size_t n;

	if (sweep_json_flat(row, len, f->kv, 256, &n))
		return -EINVAL;
	for (size_t c = 0; c < f->ss->ncols; c++) {
		const char *col = f->ss->cols[c];

		if (c)
			sweep_buf_add(b, ",", 1);
		for (size_t i = 0; i < n; i++)
			if (!strcmp(f->kv[i].key, col)) {
				char num[64];

				if (f->kv[i].is_num) {
					sweep_format_num(f->kv[i].num, num, sizeof(num));
					sweep_buf_add(b, num, strlen(num));
				} else {
					csv_field(b, f->kv[i].str);
				}
				break;
			}
	}
	sweep_buf_add(b, "\n", 1);
	return 0;
}

/* fdatasync() the results if rows came since the last time; with @due only a second after it. */
void files_sync(struct study_files *f, bool due)
{
	if (!f->dirty || (due && study_now() - f->last_sync < SYNC_SECONDS))
		return;
	fdatasync(f->jsonl_fd);
	fdatasync(f->csv_fd);
	f->dirty = false;
	f->last_sync = study_now();
}

/* Append a row to the files; -EINVAL for a row that is not one of ours, -errno (said) when a write fails. */
int files_store(struct study_files *f, const char *row, size_t len)
{
	int64_t id = sweep_row_id(row, len);
	struct sweep_buf csv = {0};
	uint64_t s = id < 0 ? UINT64_MAX : slot(f, (uint64_t)id);
	int rc;

	if (s == UINT64_MAX || !len || row[len - 1] != '\n' || len > UINT32_MAX)
		return -EINVAL;
	if (f->offset[s])
		return 0; /* a duplicate (a rank that came back): the first row stands */
	if (csv_line(f, row, len, &csv)) {
		sweep_buf_free(&csv);
		return -EINVAL;
	}
	rc = csv.failed ? -ENOMEM : study_write_all(f->jsonl_fd, row, len);
	if (!rc)
		rc = study_write_all(f->csv_fd, csv.p, csv.n);
	sweep_buf_free(&csv);
	if (rc) {
		cli_error("%s/results.jsonl: %s", f->dir, strerror(-rc));
		return rc;
	}
	f->offset[s] = (uint64_t)f->jsonl_size + 1;
	f->len[s] = (uint32_t)len;
	f->jsonl_size += (off_t)len;
	f->have++;
	f->stored++;
	f->dirty = true;
	files_sync(f, true);
	return 0;
}

bool files_has(const struct study_files *f, uint64_t id)
{
	uint64_t s = slot(f, id);

	return s != UINT64_MAX && f->offset[s];
}

int files_row(const struct study_files *f, uint64_t id, struct sweep_buf *row)
{
	uint64_t s = slot(f, id);
	char *p;
	ssize_t r;

	row->n = 0;
	if (!files_has(f, id))
		return -ENOENT;
	sweep_buf_add(row, "", 0);
	if (row->failed || row->cap < f->len[s] + 1) {
		p = realloc(row->p, f->len[s] + 1);
		if (!p)
			return -ENOMEM;
		row->p = p;
		row->cap = f->len[s] + 1;
	}
	r = pread(f->jsonl_fd, row->p, f->len[s], (off_t)(f->offset[s] - 1));
	if (r != (ssize_t)f->len[s])
		return r < 0 ? -errno : -EIO;
	row->n = f->len[s];
	row->p[row->n] = 0;
	return 0;
}

uint64_t files_missing(const struct study_files *f)
{
	return f->in_scope - f->have;
}

uint64_t files_stored(const struct study_files *f)
{
	return f->stored;
}

/*
 * Rewrite results.jsonl (rows in run order) and results.csv from the kept
 * rows: both written to temporaries, fsync'd, then renamed over the old
 * ones, which stay as they were until then.  0 or -errno.
 */
int files_sort(struct study_files *f)
{
	char tmp[256], ctmp[256];
	struct sweep_buf row = {0}, csv = {0};
	int fd, cfd, rc = 0;
	off_t off = 0;

	fd = output_temp(f->dirfd, "results.jsonl", 0666, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	cfd = output_temp(f->dirfd, "results.csv", 0666, ctmp, sizeof(ctmp));
	if (cfd < 0) {
		close(fd);
		unlinkat(f->dirfd, tmp, 0);
		return cfd;
	}
	csv_header(f, &csv);
	for (uint64_t s = 0; s < f->in_scope && !rc; s++) {
		if (!f->offset[s])
			continue;
		rc = files_row(f, slot_id(f, s), &row);
		if (!rc)
			rc = study_write_all(fd, row.p, row.n);
		if (!rc && csv_line(f, row.p, row.n, &csv))
			rc = -EINVAL;
		if (!rc && csv.n > 65536) {
			rc = csv.failed ? -ENOMEM : study_write_all(cfd, csv.p, csv.n);
			csv.n = 0;
		}
	}
	if (!rc)
		rc = csv.failed ? -ENOMEM : study_write_all(cfd, csv.p, csv.n);
	if (!rc && (fsync(fd) || fsync(cfd)))
		rc = -errno;
	if (!rc && (renameat(f->dirfd, tmp, f->dirfd, "results.jsonl") ||
		    renameat(f->dirfd, ctmp, f->dirfd, "results.csv")))
		rc = -errno;
	sweep_buf_free(&row);
	sweep_buf_free(&csv);
	if (rc) {
		close(fd);
		close(cfd);
		unlinkat(f->dirfd, tmp, 0);
		unlinkat(f->dirfd, ctmp, 0);
		return rc;
	}
	/* the new offsets: the rows one after the other, in run order */
	for (uint64_t s = 0; s < f->in_scope; s++)
		if (f->offset[s]) {
			f->offset[s] = (uint64_t)off + 1;
			off += f->len[s];
		}
	if (f->jsonl_fd >= 0)
		close(f->jsonl_fd);
	if (f->csv_fd >= 0)
		close(f->csv_fd);
	f->jsonl_fd = fd; /* both at their end: rows are appended from here */
	f->csv_fd = cfd;
	f->jsonl_size = off;
	return 0;
}

/*
 * Read the rows of an earlier sweep: complete lines of runs of this spec
 * and slice, the first of each run, "crashed" ones dropped.  The file
 * stays open (f->jsonl_fd) for reading them back.  Returns the number of
 * rows dropped in *dropped.
 */
static int load_rows(struct study_files *f, uint64_t *kept, uint64_t *dropped)
{
	FILE *in;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	off_t off = 0;
	int fd;

	*kept = *dropped = 0;
	fd = openat(f->dirfd, "results.jsonl", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	f->jsonl_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	in = f->jsonl_fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (!in) {
		close(fd);
		return -errno;
	}
	while ((n = getline(&line, &cap, in)) > 0) {
		int64_t id = sweep_row_id(line, (size_t)n);
		uint64_t s = id < 0 ? UINT64_MAX : slot(f, (uint64_t)id);
		size_t kvn;
		bool keep = s != UINT64_MAX && line[n - 1] == '\n' && !f->offset[s] && n <= UINT32_MAX &&
			    !sweep_json_flat(line, (size_t)n, f->kv, 256, &kvn);

		for (size_t i = 0; keep && i < kvn; i++)
			if (!strcmp(f->kv[i].key, "status") && !strcmp(f->kv[i].str, "crashed"))
				keep = false;
		if (keep) {
			f->offset[s] = (uint64_t)off + 1;
			f->len[s] = (uint32_t)n;
			f->have++;
			(*kept)++;
		} else {
			(*dropped)++;
		}
		off += n;
	}
	free(line);
	n = ferror(in) ? -EIO : 0;
	fclose(in);
	return (int)n;
}

/* ------------------------------------------------------------------ open, import, close */

/* The runs with id % n == i among @runs (all when n = 0). */
static uint64_t runs_in_scope(uint64_t runs, uint64_t i, uint64_t n)
{
	if (!n)
		return runs;
	return runs > i ? (runs - i - 1) / n + 1 : 0;
}

/* Whether DIR's results are those of this sweep and slice (--resume); an exit code. */
static int same_sweep(const struct study_files *f, const struct study_opts *o)
{
	struct sweep_kv kv[32];
	char hash[32], slice[64];
	size_t n;
	const char *mh, *ms;

	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)sweep_hash(f->ss->s));
	snprintf(slice, sizeof(slice), "%llu/%llu", (unsigned long long)o->slice_i,
		 (unsigned long long)(o->slice_n ? o->slice_n : 1));
	if (read_meta(f->dirfd, kv, 32, &n) || !(mh = study_meta_str(kv, n, "hash")) ||
	    !(ms = study_meta_str(kv, n, "slice")))
		return cli_error("--resume: %s/sweep.json is missing or damaged; cannot tell which sweep %s holds", o->dir,
				 o->dir);
	if (strcmp(mh, hash))
		return cli_error("--resume: %s holds another sweep (its spec or scenario differ from %s)", o->dir,
				 f->ss->path);
	if (strcmp(ms, slice))
		return cli_error("--resume: %s holds slice %s, not %s", o->dir, ms, slice);
	return 0;
}

/*
 * Open DIR: fresh, or resumed (o->resume: its rows kept when it holds the
 * same sweep and slice).  Prints errors; returns an exit code.
 */
int files_open(struct study_files **out, const char *dir, const struct study_spec *ss, const struct study_opts *o)
{
	struct study_files *f = calloc(1, sizeof(*f));
	uint64_t runs = sweep_runs(ss->s), scope = runs_in_scope(runs, o->slice_i, o->slice_n), kept = 0, dropped = 0;
	uint64_t limit = host_limit_bytes();
	struct stat sb;
	int rc;

	*out = NULL;
	if (f) {
		f->dirfd = f->lockfd = f->jsonl_fd = f->csv_fd = -1;
		f->kv = calloc(256, sizeof(*f->kv));
	}
	if (limit && scope > limit / (sizeof(*f->offset) + sizeof(*f->len))) {
		files_close(f);
		return cli_error("%llu runs: their row index (12 bytes a run) is more than this host allows (%llu MiB); "
				 "split the sweep with --engine slurm or --slice I/N",
				 (unsigned long long)scope, (unsigned long long)(limit >> 20)),
		       EXIT_RESOURCE;
	}
	if (f && f->kv) { /* calloc: the index takes memory only where rows come */
		f->offset = calloc(scope + 1, sizeof(*f->offset));
		f->len = calloc(scope + 1, sizeof(*f->len));
	}
	if (!f || !f->offset || !f->len || !f->kv) {
		files_close(f);
		cli_error("out of memory: %llu runs", (unsigned long long)scope);
		return EXIT_RESOURCE;
	}
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	f->ss = ss;
	f->slice_i = o->slice_i;
	f->slice_n = o->slice_n;
	f->in_scope = scope;
	f->last_sync = study_now();
	rc = mkdir_p(f->dir);
	if (!rc)
		rc = f->dirfd = open_dir(f->dir);
	if (rc < 0) {
		files_close(f);
		cli_error("--out %s: %s", o->dir, strerror(-rc));
		return exit_for_errno(rc);
	}
	rc = lock_dir(f);
	if (rc) {
		files_close(f);
		return rc;
	}
	if (!fstatat(f->dirfd, "results.jsonl", &sb, AT_SYMLINK_NOFOLLOW)) {
		if (!S_ISREG(sb.st_mode)) {
			files_close(f);
			return cli_error("--out %s: results.jsonl is not a regular file (a link?); pfnlab follows no link "
					 "in --out", o->dir);
		}
		if (sb.st_size > 0 && !o->resume) {
			files_close(f);
			return cli_error("--out %s: holds the results of a sweep; --resume completes it, or choose another --out",
					 o->dir);
		}
		rc = sb.st_size > 0 ? same_sweep(f, o) : 0;
		if (!rc && (rc = load_rows(f, &kept, &dropped)) != 0) {
			cli_error("%s/results.jsonl: %s", o->dir, strerror(-rc));
			rc = exit_for_errno(rc);
		}
		if (rc) {
			files_close(f);
			return rc;
		}
	}
	rc = write_meta(f);
	if (rc) {
		files_close(f);
		return rc;
	}
	/* rows kept (or none): both files rewritten from them, then appended to */
	rc = files_sort(f);
	if (rc) {
		files_close(f);
		cli_error("%s: rewriting the results: %s (the files are left as they were)", dir, strerror(-rc));
		return exit_for_errno(rc);
	}
	if ((kept || dropped) && !o->quiet_resume)
		fprintf(stderr, "pfnlab: sweep: resuming %s: %llu rows kept%s%s, %llu runs to go\n", dir,
			(unsigned long long)kept, dropped ? ", " : "",
			dropped ? "crashed or torn rows dropped" : "", (unsigned long long)files_missing(f));
	*out = f;
	return 0;
}

/* Add the complete rows of DIR, another output directory of the same sweep (merge); an exit code. */
int files_import(struct study_files *f, const char *dir, uint64_t *rows)
{
	struct sweep_kv kv[32];
	char hash[32];
	const char *mh;
	size_t n, cap = 0;
	char *line = NULL;
	ssize_t r;
	FILE *in;
	int rc = 0, dfd, fd;

	*rows = 0;
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)sweep_hash(f->ss->s));
	dfd = open_dir(dir);
	if (dfd < 0)
		return cli_error("merge: %s: %s", dir, strerror(-dfd));
	if (read_meta(dfd, kv, 32, &n) || !(mh = study_meta_str(kv, n, "hash"))) {
		close(dfd);
		return cli_error("merge: %s/sweep.json is missing or damaged", dir);
	}
	if (strcmp(mh, hash)) {
		close(dfd);
		return cli_error("merge: %s holds another sweep than %s (spec or scenario differ)", dir, f->ss->path);
	}
	fd = openat(dfd, "results.jsonl", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	in = fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (!in) {
		rc = errno;
		if (fd >= 0)
			close(fd);
		return rc == ENOENT ? 0 : cli_error("merge: %s/results.jsonl: %s", dir, strerror(rc));
	}
	while (!rc && (r = getline(&line, &cap, in)) > 0) {
		int64_t id = sweep_row_id(line, (size_t)r);

		if (id < 0 || line[r - 1] != '\n' || files_has(f, (uint64_t)id))
			continue;
		rc = files_store(f, line, (size_t)r);
		if (rc == -EINVAL)
			rc = 0; /* a torn or foreign line: the run stays missing */
		else if (!rc)
			(*rows)++;
		else
			rc = exit_for_errno(rc);
	}
	free(line);
	fclose(in);
	return rc;
}

/* Sync and close the results (NULL is fine); the lock goes with its fd. */
void files_close(struct study_files *f)
{
	if (!f)
		return;
	if (f->jsonl_fd >= 0) {
		files_sync(f, false);
		close(f->jsonl_fd);
	}
	if (f->csv_fd >= 0)
		close(f->csv_fd);
	if (f->lockfd >= 0)
		close(f->lockfd);
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->offset);
	free(f->len);
	free(f->kv);
	free(f);
}
