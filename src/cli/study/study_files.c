/*
 * study_files.c - every file a study reads or writes, and the only code
 * of src/cli/study/ that opens one (docs/sweep.md):
 *
 *   DIR/sweep.json     the spec's hash, run count, slice   (written first)
 *   DIR/spec.txt       the spec as read; DIR/scenario.txt the scenario it names
 *   DIR/results.jsonl  one row per run, appended as rows arrive, fsync'd each second
 *   DIR/results.csv    the same rows as CSV
 *   DIR/summary.json   statistics per point (study_finish)
 *   DIR/.coordinator   where MPI rank 0 listens (engine_mpi.c)
 *   DIR/sweep.sbatch   the Slurm job array (engine_slurm.c)
 *
 * and the spec and scenario files a study starts from and the --html page.
 *
 * The results are open from files_open() to files_close(): rows are
 * appended as they come, indexed by run id (offset and length in
 * results.jsonl: 12 bytes a run), and read back from there.  --resume
 * keeps the complete rows there are (a torn last line and "crashed" rows
 * are dropped); a merge imports the rows of other directories of the same
 * sweep.  When every run has its row, both files are rewritten in run-id
 * order, so they are byte-identical whatever the engine, the worker count
 * or the interruptions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "study_internal.h"

#define SYNC_SECONDS 1.0

/* DIR's results, open. */
struct study_files {
	char dir[PATH_MAX];
	const struct study_spec *ss;
	uint64_t slice_i, slice_n;  /* the runs in scope: id % n == i (n = 0: all) */
	int jsonl_fd, csv_fd;
	off_t jsonl_size;
	int64_t *offset;            /* per run: offset of its row, -1 = none */
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

/* @path whole (at most 64 MiB), NUL-terminated; NULL with *@err an errno. */
char *study_read_file(const char *path, size_t *len, int *err)
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
	rc = study_write_all(fd, text, len);
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

/* DIR/NAME whole; as study_read_file(). */
char *study_dir_read(const char *dir, const char *name, size_t *len, int *err)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return study_read_file(path, len, err);
}

/* DIR/NAME whole or not at all, mode 0755 if @executable; an exit code. */
int study_dir_write(const char *dir, const char *name, const char *text, size_t len, bool executable)
{
	char path[PATH_MAX + 32];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = study_write_file(path, text, len);
	if (!rc && executable)
		chmod(path, 0755);
	return rc;
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

/* ------------------------------------------------------------------ DIR/sweep.json */

/* DIR/sweep.json flattened; 0, a negative errno, -EINVAL or -E2BIG. */
int study_dir_meta(const char *dir, struct sweep_kv *kv, size_t max, size_t *n)
{
	size_t len;
	char *t;
	int e, rc;

	*n = 0;
	t = study_dir_read(dir, "sweep.json", &len, &e);
	if (!t)
		return -e;
	rc = sweep_json_flat(t, len, kv, max, n);
	free(t);
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

static int write_meta(const struct study_files *f)
{
	struct sweep_buf b = {0}, name = {0};
	int rc;

	sweep_buf_printf(&b, "{\"pfnlab_sweep\": 1, \"spec\": ");
	/* JSON string through the row helper's escaping: use a tiny object */
	sweep_buf_printf(&name, "%s", f->ss->path);
	sweep_buf_add(&b, "\"", 1);
	for (size_t i = 0; i < name.n; i++) {
		if (name.p[i] == '"' || name.p[i] == '\\')
			sweep_buf_add(&b, "\\", 1);
		sweep_buf_add(&b, name.p + i, 1);
	}
	sweep_buf_add(&b, "\", \"scenario\": \"", 16);
	for (const char *c = sweep_scenario_name(f->ss->s); *c; c++) {
		if (*c == '"' || *c == '\\')
			sweep_buf_add(&b, "\\", 1);
		sweep_buf_add(&b, c, 1);
	}
	sweep_buf_printf(&b, "\", \"hash\": \"%016llx\", \"runs\": %llu, \"points\": %llu, \"seeds\": %llu, \"slice\": \"%llu/%llu\"}\n",
			 (unsigned long long)sweep_hash(f->ss->s), (unsigned long long)sweep_runs(f->ss->s),
			 (unsigned long long)sweep_points(f->ss->s), (unsigned long long)sweep_seeds(f->ss->s),
			 (unsigned long long)f->slice_i, (unsigned long long)(f->slice_n ? f->slice_n : 1));
	sweep_buf_free(&name);
	rc = study_dir_write(f->dir, "spec.txt", f->ss->spec_text, f->ss->spec_len, false);
	if (!rc && f->ss->scn_text)
		rc = study_dir_write(f->dir, "scenario.txt", f->ss->scn_text, f->ss->scn_len, false);
	if (!rc)
		rc = study_dir_write(f->dir, "sweep.json", b.p, b.n, false);
	sweep_buf_free(&b);
	return rc;
}

/* ------------------------------------------------------------------ rows */

bool files_in_scope(const struct study_files *f, uint64_t id)
{
	return !f->slice_n || id % f->slice_n == f->slice_i;
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

/* Append a row to the files; -EINVAL for a row that is not one of ours. */
int files_store(struct study_files *f, const char *row, size_t len)
{
	int64_t id = sweep_row_id(row, len);
	struct sweep_buf csv = {0};
	int rc;

	if (id < 0 || (uint64_t)id >= sweep_runs(f->ss->s) || !len || row[len - 1] != '\n')
		return -EINVAL;
	if (f->offset[id] >= 0)
		return 0; /* a duplicate (a rank that came back): the first row stands */
	if (csv_line(f, row, len, &csv)) {
		sweep_buf_free(&csv);
		return -EINVAL;
	}
	rc = study_write_all(f->jsonl_fd, row, len);
	if (!rc)
		rc = study_write_all(f->csv_fd, csv.p, csv.n);
	sweep_buf_free(&csv);
	if (rc) {
		cli_error("%s/results.jsonl: %s", f->dir, strerror(-rc));
		return rc;
	}
	f->offset[id] = f->jsonl_size;
	f->len[id] = (uint32_t)len;
	f->jsonl_size += (off_t)len;
	f->have += files_in_scope(f, (uint64_t)id);
	f->stored++;
	f->dirty = true;
	files_sync(f, true);
	return 0;
}

bool files_has(const struct study_files *f, uint64_t id)
{
	return id < sweep_runs(f->ss->s) && f->offset[id] >= 0;
}

int files_row(const struct study_files *f, uint64_t id, struct sweep_buf *row)
{
	char *p;
	ssize_t r;

	row->n = 0;
	if (!files_has(f, id))
		return -ENOENT;
	sweep_buf_add(row, "", 0);
	if (row->failed || row->cap < f->len[id] + 1) {
		p = realloc(row->p, f->len[id] + 1);
		if (!p)
			return -ENOMEM;
		row->p = p;
		row->cap = f->len[id] + 1;
	}
	r = pread(f->jsonl_fd, row->p, f->len[id], f->offset[id]);
	if (r != (ssize_t)f->len[id])
		return -EIO;
	row->n = f->len[id];
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

/* Rewrite results.jsonl (rows in run order) and results.csv from the kept rows. */
int files_sort(struct study_files *f)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 48], cpath[PATH_MAX + 32], ctmp[PATH_MAX + 48];
	struct sweep_buf row = {0}, csv = {0};
	int fd = -1, cfd = -1, rc = 0;
	off_t off = 0;
	uint64_t runs = sweep_runs(f->ss->s);
	int64_t *noff = malloc(runs * sizeof(int64_t) + 1);

	snprintf(path, sizeof(path), "%s/results.jsonl", f->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(cpath, sizeof(cpath), "%s/results.csv", f->dir);
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
	csv_header(f, &csv);
	for (uint64_t id = 0; id < runs && !rc; id++) {
		if (f->offset[id] < 0)
			continue;
		rc = files_row(f, id, &row);
		if (!rc)
			rc = study_write_all(fd, row.p, row.n);
		if (!rc && csv_line(f, row.p, row.n, &csv))
			rc = -EINVAL;
		if (!rc && csv.n > 65536) {
			rc = study_write_all(cfd, csv.p, csv.n);
			csv.n = 0;
		}
		noff[id] = off;
		off += (off_t)row.n;
	}
	if (!rc && csv.failed)
		rc = -ENOMEM;
	if (!rc)
		rc = study_write_all(cfd, csv.p, csv.n);
	if (!rc && (fsync(fd) || fsync(cfd)))
		rc = -errno;
	if (!rc && (rename(tmp, path) || rename(ctmp, cpath)))
		rc = -errno;
	sweep_buf_free(&row);
	sweep_buf_free(&csv);
	if (rc)
		goto fail;
	close(f->jsonl_fd);
	close(f->csv_fd);
	f->jsonl_fd = fd;
	f->csv_fd = -1;
	close(cfd);
	f->csv_fd = open(cpath, O_WRONLY | O_APPEND | O_CLOEXEC);
	free(f->offset);
	f->offset = noff;
	f->jsonl_size = off;
	if (f->csv_fd < 0)
		return -errno;
	lseek(f->jsonl_fd, 0, SEEK_END);
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
static int load_rows(struct study_files *f, uint64_t *kept, uint64_t *dropped)
{
	char path[PATH_MAX + 32];
	FILE *in;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	off_t off = 0;

	*kept = *dropped = 0;
	snprintf(path, sizeof(path), "%s/results.jsonl", f->dir);
	in = fopen(path, "rb");
	if (!in)
		return errno == ENOENT ? 0 : -errno;
	while ((n = getline(&line, &cap, in)) > 0) {
		int64_t id = sweep_row_id(line, (size_t)n);
		size_t kvn;
		bool keep = id >= 0 && (uint64_t)id < sweep_runs(f->ss->s) && line[n - 1] == '\n' &&
			    f->offset[id] < 0 && !sweep_json_flat(line, (size_t)n, f->kv, 256, &kvn);

		for (size_t i = 0; keep && i < kvn; i++)
			if (!strcmp(f->kv[i].key, "status") && !strcmp(f->kv[i].str, "crashed"))
				keep = false;
		if (keep) {
			f->offset[id] = off;
			f->len[id] = (uint32_t)n;
			f->have += files_in_scope(f, (uint64_t)id);
			(*kept)++;
		} else {
			(*dropped)++;
		}
		off += n;
	}
	free(line);
	fclose(in);
	return 0;
}

/* ------------------------------------------------------------------ open, import, close */

/*
 * Open DIR: fresh, or resumed (o->resume: its rows kept when it holds the
 * same sweep and slice).  Prints errors; returns an exit code.
 */
int files_open(struct study_files **out, const char *dir, const struct study_spec *ss, const struct study_opts *o)
{
	struct study_files *f = calloc(1, sizeof(*f));
	uint64_t runs = sweep_runs(ss->s), kept = 0, dropped = 0;
	char path[PATH_MAX + 32];
	struct stat sb;
	int rc;

	*out = NULL;
	if (f) {
		f->jsonl_fd = f->csv_fd = -1;
		f->offset = malloc(runs * sizeof(*f->offset) + 1);
		f->len = calloc(runs + 1, sizeof(*f->len));
		f->kv = calloc(256, sizeof(*f->kv));
	}
	if (!f || !f->offset || !f->len || !f->kv) {
		files_close(f);
		cli_error("out of memory: %llu runs", (unsigned long long)runs);
		return EXIT_RESOURCE;
	}
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	f->ss = ss;
	f->slice_i = o->slice_i;
	f->slice_n = o->slice_n;
	f->last_sync = study_now();
	for (uint64_t i = 0; i < runs; i++) {
		f->offset[i] = -1;
		f->in_scope += files_in_scope(f, i);
	}
	rc = mkdir_p(f->dir);
	if (rc) {
		files_close(f);
		return cli_error("--out %s: %s", o->dir, strerror(-rc));
	}
	snprintf(path, sizeof(path), "%s/results.jsonl", f->dir);
	if (!stat(path, &sb) && sb.st_size > 0) {
		struct sweep_kv kv[32];
		char hash[32], slice[64];
		size_t n;
		const char *mh, *ms;

		if (!o->resume) {
			files_close(f);
			return cli_error("--out %s: holds the results of a sweep; --resume completes it, or choose another --out",
					 o->dir);
		}
		snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)sweep_hash(ss->s));
		snprintf(slice, sizeof(slice), "%llu/%llu", (unsigned long long)o->slice_i,
			 (unsigned long long)(o->slice_n ? o->slice_n : 1));
		if (study_dir_meta(f->dir, kv, 32, &n) || !(mh = study_meta_str(kv, n, "hash")) ||
		    !(ms = study_meta_str(kv, n, "slice"))) {
			files_close(f);
			return cli_error("--resume: %s/sweep.json is missing or damaged; cannot tell which sweep %s holds", o->dir,
					 o->dir);
		}
		if (strcmp(mh, hash)) {
			files_close(f);
			return cli_error("--resume: %s holds another sweep (its spec or scenario differ from %s)", o->dir,
					 ss->path);
		}
		if (strcmp(ms, slice)) {
			files_close(f);
			return cli_error("--resume: %s holds slice %s, not %s", o->dir, ms, slice);
		}
		rc = load_rows(f, &kept, &dropped);
		if (rc) {
			files_close(f);
			return cli_error("%s: %s", path, strerror(-rc));
		}
	}
	rc = write_meta(f);
	if (rc) {
		files_close(f);
		return rc;
	}
	f->jsonl_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	snprintf(path, sizeof(path), "%s/results.csv", f->dir);
	f->csv_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->jsonl_fd < 0 || f->csv_fd < 0) {
		rc = errno;
		files_close(f);
		return cli_error("%s: %s", path, strerror(rc));
	}
	/* rows kept (or none): both files rewritten from them, then appended to */
	rc = files_sort(f);
	if (rc) {
		files_close(f);
		return cli_error("%s: rewriting the results: %s", dir, strerror(-rc));
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
	char path[PATH_MAX + 32], hash[32];
	const char *mh;
	size_t n, cap = 0;
	char *line = NULL;
	ssize_t r;
	FILE *in;
	int rc = 0;

	*rows = 0;
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)sweep_hash(f->ss->s));
	if (study_dir_meta(dir, kv, 32, &n) || !(mh = study_meta_str(kv, n, "hash")))
		return cli_error("merge: %s/sweep.json is missing or damaged", dir);
	if (strcmp(mh, hash))
		return cli_error("merge: %s holds another sweep than %s (spec or scenario differ)", dir, f->ss->path);
	snprintf(path, sizeof(path), "%s/results.jsonl", dir);
	in = fopen(path, "rb");
	if (!in)
		return errno == ENOENT ? 0 : cli_error("merge: %s: %s", path, strerror(errno));
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
			rc = EXIT_USAGE;
	}
	free(line);
	fclose(in);
	return rc;
}

/* Sync and close the results (NULL is fine). */
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
	free(f->offset);
	free(f->len);
	free(f->kv);
	free(f);
}
