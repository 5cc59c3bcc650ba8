/*
 * source.c - an input file (or standard input) into memory: read whole,
 * recognised by magic number, decompressed, .dat files rendered as text;
 * then its lines, one at a time (struct input_lines).  The growing text
 * the decompressors and the .dat renderer write into (struct input_text,
 * with its size limit) is here too.
 *
 * The whole input is held in memory, decompressed: a trace of ten million
 * events is about 1.5 GB of text.  A name that promises compression
 * (.xz, .zst, .gz) the bytes do not have is refused rather than guessed
 * at, and so are directories, empty files and data that decompresses to
 * more than half of this host's memory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

/* Read all of @fd; returns 0 or a negative errno. */
static int read_all(int fd, char **out, size_t *outlen)
{
	struct stat st;
	size_t cap = 1 << 16, len = 0;
	char *p;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	p = malloc(cap);
	if (!p)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *q = realloc(p, cap * 2);

			if (!q) {
				free(p);
				return -ENOMEM;
			}
			p = q;
			cap *= 2;
		}
		n = read(fd, p + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(p);
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	p[len] = '\0';
	*out = p;
	*outlen = len;
	return 0;
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

static uint64_t decompress_limit(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size / 2 : 0;
}

/* A .dat held in memory: hand libtracecmd a memfd holding it. */
static int dat_from_memory(const char *data, size_t n, const char *name, char **out, size_t *outlen,
			   char *why, size_t len)
{
	int fd = memfd_create("pfnlab-dat", MFD_CLOEXEC), err;
	size_t done = 0;

	if (fd < 0)
		return set_why(why, len, "%s: cannot stage the .dat data", name), -EIO;
	while (done < n) {
		ssize_t w = write(fd, data + done, n - done);

		if (w <= 0) {
			close(fd);
			return set_why(why, len, "%s: cannot stage the .dat data", name), -EIO;
		}
		done += (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	err = input_tracedat_text(fd, name, out, outlen, why, len);
	close(fd);
	return err;
}

int input_read(const char *path, struct input_buf *b, char *why, size_t len)
{
	bool is_stdin = strcmp(path, "-") == 0;
	enum input_kind named = is_stdin ? INPUT_PLAIN : kind_of_name(path), kind;
	char *raw = NULL, *text = NULL, sub[200];
	size_t rawlen = 0, textlen = 0;
	struct stat st;
	int fd, err;

	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", is_stdin ? "<stdin>" : path);
	if (is_stdin) {
		fd = 0;
	} else {
		if (stat(path, &st) != 0)
			return set_why(why, len, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno)),
			       errno == ENOENT ? -ENOENT : -EIO;
		if (S_ISDIR(st.st_mode))
			return set_why(why, len, "%s: is a directory, not a trace file", path), -EISDIR;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return set_why(why, len, "%s: %s", path, strerror(errno)), -EIO;
	}
	err = read_all(fd, &raw, &rawlen);
	if (err) {
		if (!is_stdin)
			close(fd);
		return set_why(why, len, "%s: %s", b->name, strerror(-err)), err == -ENOMEM ? err : -EIO;
	}
	b->disk_bytes = rawlen;
	if (rawlen == 0) {
		if (!is_stdin)
			close(fd);
		free(raw);
		return set_why(why, len, "%s: empty file", b->name), -EINVAL;
	}
	kind = input_detect(raw, rawlen);
	b->kind = kind;
	if (named != INPUT_PLAIN && kind != named) {
		if (!is_stdin)
			close(fd);
		free(raw);
		return set_why(why, len, "%s: the name says %s but the data is %s (wrongly compressed or renamed)",
			       b->name, input_kind_name(named), input_kind_name(kind)), -EINVAL;
	}
	if (kind == INPUT_TRACEDAT) {
		/* libtracecmd reads from a descriptor it can seek: the file, or a copy of a pipe's bytes */
		if (is_stdin || lseek(fd, 0, SEEK_SET) != 0) {
			err = dat_from_memory(raw, rawlen, b->name, &b->data, &b->len, why, len);
		} else {
			err = input_tracedat_text(fd, b->name, &b->data, &b->len, why, len);
		}
		if (!is_stdin)
			close(fd);
		free(raw);
		return err;
	}
	if (!is_stdin)
		close(fd);
	if (kind == INPUT_PLAIN) {
		b->data = raw;
		b->len = rawlen;
		return 0;
	}
	err = input_decompress(kind, raw, rawlen, &text, &textlen, decompress_limit(), sub, sizeof(sub));
	free(raw);
	if (err)
		return set_why(why, len, "%s: %s", b->name, sub), err;
	if (textlen == 0) {
		free(text);
		return set_why(why, len, "%s: empty after decompression", b->name), -EINVAL;
	}
	if (input_detect(text, textlen) == INPUT_TRACEDAT) {
		err = dat_from_memory(text, textlen, b->name, &b->data, &b->len, why, len);
		free(text);
		return err;
	}
	b->data = text;
	b->len = textlen;
	return 0;
}

void input_buf_free(struct input_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
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

void input_lines_init(struct input_lines *l, const char *name, const char *text, size_t len)
{
	*l = (struct input_lines){.name = name, .p = text, .end = text + len};
}
