/*
 * source.c - what users bring, as a stream of text: a trace file, a pipe
 * (`cat trace_pipe | pfnlab replay -`), a FIFO, standard input, a snapshot
 * file; recognised by magic number, decoded as it is read; then its lines,
 * one at a time (struct input_lines).
 *
 *   fd --read--> raw (compressed bytes) --decoder_run()--> \
 *   fd --read----------------------------------------------> line buffer --> lines
 *   .dat file --libtracecmd, record by record-------------> /
 *
 * Nothing holds more than a buffer: a trace of any length, or one that
 * never ends, is read in constant memory.  The line buffer is 2 MiB; a
 * line longer than INPUT_LINE_MAX is no text pfnlab reads, and a NUL byte
 * is binary data: both end the lines at the line they are on, so
 * `/dev/zero` or a renamed binary file is refused at once.  A look-ahead
 * (input_lines_hold()) keeps the lines it has read, up to a window, to
 * read them again: how a replay learns what machine a stream needs
 * before it applies the stream's first event.
 *
 * Small files (a snapshot's) are read whole into a growing text (struct
 * input_text, which a report sink shares) of bounded size.
 *
 * A name that promises compression (.xz, .zst, .gz) the bytes do not have
 * is refused rather than guessed at, and so are directories and empty
 * files.  Decoders get a memory limit (input_memory_limit(): half of the
 * cgroup's limit or of RAM), so a small crafted file cannot grow into
 * gigabytes.  libtracecmd reads .dat files from a descriptor it can seek:
 * a .dat from a pipe, or inside a compressed file, is first copied into an
 * unlinked temporary file (in $TMPDIR, else /tmp), up to the memory limit.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

#define RAW_CHUNK (256u << 10)   /* compressed bytes read at a time */
#define MIN_LIMIT (64ull << 20)

/* What the stream hands out. */
enum stream_mode {
	MODE_TEXT,      /* the descriptor's bytes (after what the magic check read into raw) */
	MODE_DECODED,   /* the decoder's output (after what the magic check decoded into peek) */
	MODE_DAT,       /* libtracecmd's rendering */
};

struct input_stream {
	char name[256];
	enum input_kind kind;            /* what the bytes on disk are */
	enum stream_mode mode;
	int fd;
	bool own_fd;
	bool seekable;                   /* a regular file: input_stream_rewind() works */
	bool raw_eof;                    /* the descriptor has no more bytes */
	off_t start;                     /* where the data begins in fd (standard input may be part read) */
	uint64_t size;                   /* bytes of a regular file from start (0: unknown) */
	uint64_t disk_bytes;             /* bytes read from fd */
	uint64_t mem_limit;
	const volatile sig_atomic_t *stop;
	struct decoder *dec;
	struct tracedat *dat;
	int stage_fd;                    /* the temporary copy a .dat is read from, or -1 */
	uint8_t *raw;                    /* bytes read from fd not handed on yet */
	size_t raw_pos, raw_len;
	char *peek;                      /* decoded bytes read to see what the data is */
	size_t peek_pos, peek_len;
};

/* ---- the memory limit ---- */

/* The value of a cgroup limit file, or UINT64_MAX ("max", absent, unreadable). */
static uint64_t read_limit(const char *path)
{
	char buf[64];
	FILE *f = fopen(path, "re");
	uint64_t v = UINT64_MAX;
	char *end;

	if (!f)
		return v;
	if (fgets(buf, sizeof(buf), f)) {
		unsigned long long x = strtoull(buf, &end, 10);

		if (end != buf && (*end == '\n' || !*end))
			v = x;
	}
	fclose(f);
	return v;
}

/* The smallest limit of @file over the cgroup @path and its parents under @base. */
static uint64_t cgroup_limit(const char *base, const char *path, const char *file)
{
	char dir[2048], p[4096];
	uint64_t lim = UINT64_MAX;

	snprintf(dir, sizeof(dir), "%s", path);
	for (;;) {
		char *slash;
		uint64_t v;

		snprintf(p, sizeof(p), "%s%s/%s", base, strcmp(dir, "/") ? dir : "", file);
		v = read_limit(p);
		lim = v < lim ? v : lim;
		slash = strrchr(dir, '/');
		if (!slash || slash == dir) {
			if (!strcmp(dir, "/") || !dir[0])
				break;
			snprintf(dir, sizeof(dir), "/");
			continue;
		}
		*slash = '\0';
	}
	return lim;
}

uint64_t input_memory_limit(const char *proc_cgroup, const char *cgroup_root)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	uint64_t lim = pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : UINT64_MAX;
	const char *root = cgroup_root ? cgroup_root : "/sys/fs/cgroup";
	FILE *f = fopen(proc_cgroup ? proc_cgroup : "/proc/self/cgroup", "re");
	char line[2048], base[1024], ctl[256];

	/* "0::PATH" (v2), "N:CONTROLLERS:PATH" (v1: the hierarchy whose controllers include memory) */
	while (f && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *nl;
		uint64_t v = UINT64_MAX;

		if (!c2)
			continue;
		if ((nl = strchr(c2, '\n')))
			*nl = '\0';
		*c2 = '\0';
		snprintf(ctl, sizeof(ctl), ",%s,", c1 + 1);
		if (!c1[1]) {
			v = cgroup_limit(root, c2 + 1, "memory.max");
		} else if (strstr(ctl, ",memory,")) {
			snprintf(base, sizeof(base), "%s/memory", root);
			v = cgroup_limit(base, c2 + 1, "memory.limit_in_bytes");
		}
		lim = v < lim ? v : lim;
	}
	if (f)
		fclose(f);
	lim /= 2;
	return lim < MIN_LIMIT ? MIN_LIMIT : lim;
}

/* ---- the stream ---- */

/* read() that retries when a signal interrupts it, unless the stop flag was set. */
static int fd_read(struct input_stream *st, void *p, size_t n, size_t *got)
{
	*got = 0;
	for (;;) {
		ssize_t r = read(st->fd, p, n);

		if (r >= 0) {
			*got = (size_t)r;
			st->disk_bytes += (uint64_t)r;
			return 0;
		}
		if (errno != EINTR)
			return errno ? -errno : -EIO;
		if (st->stop && *st->stop)
			return -EINTR;
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The compression a file name promises, or INPUT_PLAIN. */
static enum input_kind kind_of_name(const char *path)
{
	if (ends_with(path, ".xz"))
		return INPUT_XZ;
	if (ends_with(path, ".zst") || ends_with(path, ".zstd"))
		return INPUT_ZSTD;
	if (ends_with(path, ".gz"))
		return INPUT_GZIP;
	return INPUT_PLAIN;
}

static const char *file_type(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
	       : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* Decoded bytes from the compressed stream: 0 (n > 0), 1 at the end, or an error. */
static int decode(struct input_stream *st, char *out, size_t cap, size_t *n, char *why, size_t len)
{
	*n = 0;
	for (;;) {
		struct decoder_io io;
		int rc;

		if (st->raw_pos == st->raw_len && !st->raw_eof) {
			size_t got;

			st->raw_pos = st->raw_len = 0;
			if ((rc = fd_read(st, st->raw, RAW_CHUNK, &got)))
				return rc == -EINTR ? rc : (set_why(why, len, "%s", strerror(-rc)), -EIO);
			st->raw_len = got;
			st->raw_eof = !got;
		}
		io = (struct decoder_io){st->raw + st->raw_pos, st->raw_len - st->raw_pos, st->raw_eof, out, cap, 0};
		rc = decoder_run(st->dec, &io, why, len);
		st->raw_pos = st->raw_len - io.inlen;
		*n = io.produced;
		if (rc || *n)
			return rc;
	}
}

int input_stream_read(struct input_stream *st, char *out, size_t cap, size_t *n, char *why, size_t len)
{
	*n = 0;
	if (st->stop && *st->stop)
		return -EINTR;
	if (st->mode == MODE_DAT)
		return input_tracedat_read(st->dat, out, cap, n, why, len);
	if (st->peek_pos < st->peek_len || (st->mode == MODE_TEXT && st->raw_pos < st->raw_len)) {
		const char *from = st->mode == MODE_TEXT ? (const char *)st->raw + st->raw_pos : st->peek + st->peek_pos;
		size_t *pos = st->mode == MODE_TEXT ? &st->raw_pos : &st->peek_pos;
		size_t have = (st->mode == MODE_TEXT ? st->raw_len : st->peek_len) - *pos;

		*n = have < cap ? have : cap;
		memcpy(out, from, *n);
		*pos += *n;
		return 0;
	}
	if (st->mode == MODE_DECODED)
		return decode(st, out, cap, n, why, len);
	if (st->raw_eof)
		return 1;
	{
		int rc = fd_read(st, out, cap, n);

		if (rc)
			return rc == -EINTR ? rc : (set_why(why, len, "%s", strerror(-rc)), -EIO);
		st->raw_eof = !*n;
		return *n ? 0 : 1;
	}
}

/* An unlinked temporary file in $TMPDIR or /tmp, or -1. */
static int stage_create(void)
{
	const char *dir = getenv("TMPDIR");
	char tpl[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	snprintf(tpl, sizeof(tpl), "%s/pfnlab-dat-XXXXXX", dir);
	fd = mkostemp(tpl, O_CLOEXEC);
	if (fd >= 0)
		unlink(tpl);
	return fd;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * The rest of the stream (what it has buffered, then what follows) copied
 * into a temporary file, then read as a .dat file from there.
 */
static int stage_dat(struct input_stream *st, char *why, size_t len)
{
	char *chunk = malloc(RAW_CHUNK), sub[200];
	uint64_t total = 0;
	int err = 0;

	if (!chunk)
		return set_why(why, len, "%s: out of memory", st->name), -ENOMEM;
	if ((st->stage_fd = stage_create()) < 0) {
		free(chunk);
		return set_why(why, len, "%s: cannot create a temporary file for the .dat data (%s)", st->name,
			       strerror(errno)), -EIO;
	}
	for (;;) {
		size_t n;
		int rc = input_stream_read(st, chunk, RAW_CHUNK, &n, sub, sizeof(sub));

		if (rc == 1)
			break;
		if (rc) {
			err = rc == -EINTR ? (set_why(why, len, "%s: interrupted", st->name), rc)
					   : (set_why(why, len, "%s: %s", st->name, sub), rc);
			break;
		}
		total += n;
		if (total >= st->mem_limit) {
			err = (set_why(why, len, "%s: .dat data beyond the limit of %llu bytes from a pipe or compressed file (give the .dat file itself)",
				       st->name, (unsigned long long)st->mem_limit), -E2BIG);
			break;
		}
		if (write_all(st->stage_fd, chunk, n)) {
			err = (set_why(why, len, "%s: cannot stage the .dat data (%s)", st->name, strerror(errno)), -EIO);
			break;
		}
	}
	free(chunk);
	if (!err && lseek(st->stage_fd, 0, SEEK_SET) != 0)
		err = (set_why(why, len, "%s: cannot stage the .dat data", st->name), -EIO);
	if (!err)
		err = input_tracedat_open(st->stage_fd, st->name, &st->dat, why, len);
	if (!err)
		st->mode = MODE_DAT;
	return err;
}

/* The first decoded bytes into peek, to see whether a compressed file holds text or a .dat file. */
static int peek_decoded(struct input_stream *st, char *why, size_t len)
{
	char sub[200];

	if (!(st->peek = malloc(RAW_CHUNK)))
		return set_why(why, len, "%s: out of memory", st->name), -ENOMEM;
	st->mode = MODE_DECODED;
	while (st->peek_len < 10) {
		size_t n;
		int rc = decode(st, st->peek + st->peek_len, RAW_CHUNK - st->peek_len, &n, sub, sizeof(sub));

		if (rc == 1)
			break;
		if (rc == -EINTR)
			return set_why(why, len, "%s: interrupted", st->name), rc;
		if (rc)
			return set_why(why, len, "%s: %s", st->name, sub), rc;
		st->peek_len += n;
	}
	if (!st->peek_len)
		return set_why(why, len, "%s: empty after decompression", st->name), -EINVAL;
	return 0;
}

/* What the data is, from its first bytes: the stream set up to hand it out as text. */
static int open_kind(struct input_stream *st, enum input_kind named, char *why, size_t len)
{
	int err;

	while (st->raw_len < 10 && !st->raw_eof) {
		size_t got;

		if ((err = fd_read(st, st->raw + st->raw_len, RAW_CHUNK - st->raw_len, &got)))
			return err == -EINTR ? (set_why(why, len, "%s: interrupted", st->name), err)
					     : (set_why(why, len, "%s: %s", st->name, strerror(-err)), -EIO);
		st->raw_len += got;
		st->raw_eof = !got;
	}
	if (!st->raw_len)
		return set_why(why, len, "%s: empty file", st->name), -EINVAL;
	st->kind = input_detect(st->raw, st->raw_len);
	if (named != INPUT_PLAIN && st->kind != named)
		return set_why(why, len, "%s: the name says %s but the data is %s (wrongly compressed or renamed)", st->name,
			       input_kind_name(named), input_kind_name(st->kind)), -EINVAL;
	switch (st->kind) {
	case INPUT_PLAIN:
		st->mode = MODE_TEXT;
		return 0;
	case INPUT_TRACEDAT:
		if (st->seekable && lseek(st->fd, st->start, SEEK_SET) == st->start) {
			st->raw_pos = st->raw_len = 0;
			st->mode = MODE_DAT;
			return input_tracedat_open(st->fd, st->name, &st->dat, why, len);
		}
		st->mode = MODE_TEXT;
		return stage_dat(st, why, len);
	default: {
		char sub[200];

		if ((err = decoder_create(st->kind, st->mem_limit, &st->dec, sub, sizeof(sub))))
			return set_why(why, len, "%s: %s", st->name, sub), err;
		if ((err = peek_decoded(st, why, len)))
			return err;
		if (input_detect(st->peek, st->peek_len) == INPUT_TRACEDAT)
			return stage_dat(st, why, len);
		return 0;
	}
	}
}

int input_open(const char *path, const struct input_stream_opts *o, struct input_stream **out, char *why,
	       size_t len)
{
	struct input_stream_opts opts = o ? *o : (struct input_stream_opts){0};
	bool is_stdin = strcmp(path, "-") == 0;
	struct input_stream *st;
	struct stat sb;
	int err;

	*out = NULL;
	if (!(st = calloc(1, sizeof(*st))) || !(st->raw = malloc(RAW_CHUNK))) {
		free(st);
		return set_why(why, len, "%s: out of memory", path), -ENOMEM;
	}
	snprintf(st->name, sizeof(st->name), "%s", is_stdin ? "<stdin>" : path);
	st->stop = opts.stop;
	st->mem_limit = opts.mem_limit ? opts.mem_limit : input_memory_limit(NULL, NULL);
	st->stage_fd = -1;
	st->fd = 0;
	if (!is_stdin) {
		/* O_NONBLOCK: a FIFO is not waited for when only regular files are wanted */
		while ((st->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (opts.regular_only ? O_NONBLOCK : 0))) < 0 &&
		       errno == EINTR && !(st->stop && *st->stop))
			;
		if (st->fd < 0) {
			err = errno == ENOENT ? -ENOENT : errno == EINTR ? -EINTR : -EIO;
			set_why(why, len, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
			goto fail;
		}
		st->own_fd = true;
	}
	if (fstat(st->fd, &sb) != 0) {
		err = (set_why(why, len, "%s: %s", st->name, strerror(errno)), -EIO);
		goto fail;
	}
	if (S_ISDIR(sb.st_mode)) {
		err = (set_why(why, len, "%s: is a directory, not a file", st->name), -EISDIR);
		goto fail;
	}
	if (opts.regular_only && !S_ISREG(sb.st_mode)) {
		err = (set_why(why, len, "%s: %s, not a regular file: refused (it could block or never end)", st->name,
			       file_type(sb.st_mode)), -EINVAL);
		goto fail;
	}
	if (opts.regular_only)
		fcntl(st->fd, F_SETFL, fcntl(st->fd, F_GETFL) & ~O_NONBLOCK);
	if (S_ISREG(sb.st_mode) && (st->start = lseek(st->fd, 0, SEEK_CUR)) >= 0) {
		st->seekable = true;
		st->size = sb.st_size > st->start ? (uint64_t)(sb.st_size - st->start) : 0;
	}
	if ((err = open_kind(st, is_stdin ? INPUT_PLAIN : kind_of_name(path), why, len)))
		goto fail;
	*out = st;
	return 0;
fail:
	input_close(st);
	return err;
}

void input_close(struct input_stream *st)
{
	if (!st)
		return;
	decoder_destroy(st->dec);
	input_tracedat_close(st->dat);
	if (st->stage_fd >= 0)
		close(st->stage_fd);
	if (st->own_fd)
		close(st->fd);
	free(st->raw);
	free(st->peek);
	free(st);
}

int input_stream_rewind(struct input_stream *st, char *why, size_t len)
{
	char sub[200];
	int err;

	if (st->stage_fd >= 0) {
		input_tracedat_close(st->dat);
		st->dat = NULL;
		if (lseek(st->stage_fd, 0, SEEK_SET) != 0)
			return set_why(why, len, "%s: cannot rewind", st->name), -EIO;
		return input_tracedat_open(st->stage_fd, st->name, &st->dat, why, len);
	}
	if (!st->seekable)
		return set_why(why, len, "%s: cannot be read twice (a pipe)", st->name), -ESPIPE;
	if (lseek(st->fd, st->start, SEEK_SET) != st->start)
		return set_why(why, len, "%s: cannot rewind", st->name), -EIO;
	st->disk_bytes = 0;
	st->raw_pos = st->raw_len = 0;
	st->raw_eof = false;
	st->peek_pos = st->peek_len = 0;
	if (st->mode == MODE_DAT) {
		input_tracedat_close(st->dat);
		st->dat = NULL;
		return input_tracedat_open(st->fd, st->name, &st->dat, why, len);
	}
	if (st->dec) {
		decoder_destroy(st->dec);
		st->dec = NULL;
		if ((err = decoder_create(st->kind, st->mem_limit, &st->dec, sub, sizeof(sub))))
			return set_why(why, len, "%s: %s", st->name, sub), err;
	}
	return 0;
}

const char *input_stream_name(const struct input_stream *st)
{
	return st->name;
}

enum input_kind input_stream_kind(const struct input_stream *st)
{
	return st->kind;
}

bool input_stream_seekable(const struct input_stream *st)
{
	return st->seekable || st->stage_fd >= 0;
}

void input_stream_progress(const struct input_stream *st, uint64_t *done, uint64_t *total)
{
	*done = st->disk_bytes;
	*total = st->mode == MODE_DAT ? 0 : st->size;
}

/* ---- whole small files ---- */

int input_read(const char *path, uint64_t max, struct input_buf *b, char *why, size_t len)
{
	struct input_stream_opts o = {.regular_only = true};
	struct input_stream *st;
	struct input_text t = {0};
	char sub[200];
	int err;

	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", path);
	if ((err = input_open(path, &o, &st, why, len)))
		return err;
	t.limit = max ? max : st->mem_limit;
	for (;;) {
		size_t n, room = t.limit - t.len < RAW_CHUNK ? (size_t)(t.limit - t.len) : RAW_CHUNK;
		int rc;

		if (!room) {
			uint64_t line = 1;

			for (size_t i = 0; t.p && i < t.len; i++)
				line += t.p[i] == '\n';
			err = (set_why(why, len, "%s:%llu: %llu bytes of text or more (a decompression bomb?): too large",
				       st->name, (unsigned long long)line, (unsigned long long)t.limit), -E2BIG);
			break;
		}
		if (input_text_reserve(&t, room)) {
			err = (set_why(why, len, "%s: out of memory", st->name), -ENOMEM);
			break;
		}
		rc = input_stream_read(st, t.p + t.len, room, &n, sub, sizeof(sub));
		if (rc == 1)
			break;
		if (rc) {
			err = (set_why(why, len, "%s: %s", st->name, rc == -EINTR ? "interrupted" : sub), rc);
			break;
		}
		t.len += n;
	}
	input_close(st);
	if (err) {
		free(t.p);
		return err;
	}
	t.p[t.len] = '\0';
	b->data = t.p;
	b->len = t.len;
	return 0;
}

void input_buf_free(struct input_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

int input_text_reserve(struct input_text *t, size_t want)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *p;

	if (t->len + want + 1 <= t->cap)
		return 0;
	while (cap < t->len + want + 1)
		cap *= 2;
	if (t->limit && cap > t->limit + 1) {
		if (t->len + want > t->limit)
			return -E2BIG;
		cap = (size_t)t->limit + 1;
	}
	p = realloc(t->p, cap);
	if (!p)
		return -ENOMEM;
	t->p = p;
	t->cap = cap;
	return 0;
}
int input_text_append(struct input_text *t, const char *s, size_t n)
{
	int err = input_text_reserve(t, n);

	if (err)
		return err;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
	return 0;
}

uint64_t input_binary_line(const char *text, size_t len)
{
	const char *z = memchr(text, '\0', len);
	uint64_t line = 1;

	if (!z)
		return 0;
	for (const char *p = text; p < z; p++)
		line += *p == '\n';
	return line;
}

/* ---- lines ---- */

/* Lines end before the line holding @z, a NUL byte in [l->p, l->end). */
static void stop_at_nul(struct input_lines *l, const char *z)
{
	const char *nl = memrchr(l->p, '\n', (size_t)(z - l->p));

	l->end = nl ? nl + 1 : l->p;
	l->stop_err = -EILSEQ;
}

void input_lines_init(struct input_lines *l, const char *name, const char *text, size_t len)
{
	const char *z = memchr(text, '\0', len);

	*l = (struct input_lines){.name = name, .p = text, .end = text + len, .eof = true, .buf = (char *)text, .cap = len};
	if (z)
		stop_at_nul(l, z);
}

int input_lines_stream(struct input_lines *l, struct input_stream *st)
{
	*l = (struct input_lines){.name = st->name, .src = st, .cap = 2 * (size_t)INPUT_LINE_MAX};
	if (!(l->buf = malloc(l->cap)))
		return -ENOMEM;
	l->p = l->end = l->buf;
	return 0;
}

void input_lines_free(struct input_lines *l)
{
	if (l->src)
		free(l->buf);
	l->buf = NULL;
	free(l->memo);
	l->memo = NULL;
}

static bool take(struct input_lines *l, const char *nl)
{
	l->s = l->p;
	l->n = (size_t)(nl - l->p);
	if (l->n && l->s[l->n - 1] == '\r')
		l->n--;
	l->p = nl < l->end ? nl + 1 : nl;
	l->no++;
	return true;
}

/* More of the stream into the buffer: false when the lines must stop (l->err says why). */
static bool refill(struct input_lines *l)
{
	const char *keep = l->mark ? l->mark : l->p;
	size_t kept = (size_t)(l->end - keep), n;
	int rc;

	if (!l->src) {
		l->eof = true; /* a text in memory: nothing follows */
		return true;
	}
	if ((size_t)(l->end - l->p) >= INPUT_LINE_MAX) {
		l->err = l->stop_err = -E2BIG;
		return false;
	}
	if (l->mark && kept >= l->window) {
		l->err = -ENOSPC;
		return false;
	}
	if (keep > l->buf) {
		size_t d = (size_t)(keep - l->buf);

		memmove(l->buf, keep, kept);
		l->p -= d;
		l->end -= d;
		if (l->mark)
			l->mark -= d;
	}
	if (kept == l->cap) {
		/* only a held window fills the buffer: a line never does (cap >= 2 x INPUT_LINE_MAX) */
		size_t cap = l->cap ? l->cap * 2 : 2 * (size_t)INPUT_LINE_MAX;
		char *b = realloc(l->buf, cap);

		if (!b) {
			l->err = l->stop_err = -ENOMEM;
			snprintf(l->why, sizeof(l->why), "out of memory");
			return false;
		}
		l->p = b + (l->p - l->buf);
		l->end = b + (l->end - l->buf);
		l->mark = l->mark ? b + (l->mark - l->buf) : NULL;
		l->buf = b;
		l->cap = cap;
	}
	rc = input_stream_read(l->src, (char *)l->end, l->cap - kept, &n, l->why, sizeof(l->why));
	if (rc == 1) {
		l->eof = true;
		return true;
	}
	if (rc) {
		l->err = rc;
		if (rc != -EINTR)
			l->stop_err = rc;
		return false;
	}
	{
		const char *z = memchr(l->end, '\0', n);

		l->end += n;
		if (z)
			stop_at_nul(l, z);
	}
	return true;
}

bool input_lines_more(struct input_lines *l)
{
	for (;;) {
		const char *nl;

		if (l->p < l->end && (nl = memchr(l->p, '\n', (size_t)(l->end - l->p))))
			return take(l, nl);
		if (l->stop_err) {
			l->err = l->stop_err;
			return false;
		}
		if (l->eof)
			return l->p < l->end ? take(l, l->end) : false;
		if (!refill(l))
			return false;
	}
}

void input_lines_hold(struct input_lines *l, size_t window)
{
	l->mark = l->p;
	l->mark_no = l->no;
	l->window = window;
}

void input_lines_release(struct input_lines *l)
{
	l->mark = NULL;
	if (l->err == -ENOSPC)
		l->err = 0;
}

void input_lines_rewind(struct input_lines *l)
{
	if (!l->mark)
		return;
	l->p = l->mark;
	l->no = l->mark_no;
	input_lines_release(l);
}

int input_lines_restart(struct input_lines *l)
{
	int err = input_stream_rewind(l->src, l->why, sizeof(l->why));

	l->p = l->end = l->buf;
	l->mark = NULL;
	l->no = 0;
	l->eof = false;
	l->err = l->stop_err = err;
	return err;
}

int input_lines_error(const struct input_lines *l, const char *what, char *why, size_t len)
{
	unsigned long long at = (unsigned long long)l->no + 1;

	switch (l->err) {
	case 0:
		break;
	case -EILSEQ:
		set_why(why, len, "%s:%llu: binary data, not %s", l->name, at, what);
		break;
	case -E2BIG:
		set_why(why, len, "%s:%llu: a line longer than %u bytes, not %s", l->name, at, INPUT_LINE_MAX, what);
		break;
	case -EINTR:
		set_why(why, len, "%s:%llu: interrupted", l->name, at);
		break;
	default:
		set_why(why, len, "%s: %s", l->name, l->why);
		break;
	}
	return l->err;
}
