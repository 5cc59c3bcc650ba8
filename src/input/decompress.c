/*
 * decompress.c - compressed traces and snapshots: .xz through liblzma,
 * .zst through libzstd, .gz through zlib, recognised by their magic
 * numbers, decoded as a stream a buffer at a time.
 *
 * A decoder takes compressed bytes as they come and fills the caller's
 * buffer, so a trace of any length decodes in constant memory.  It accepts
 * concatenated streams (`cat a.xz b.xz`), as xz, zstd and gzip do.  Data
 * that stops before the end of a stream is "truncated"; data the library
 * rejects is "corrupt".  The decoders' own memory (the xz dictionary, the
 * zstd window) is bounded by the caller's limit, so a crafted header
 * cannot make them allocate gigabytes.  Nothing is written by hand: these
 * are the libraries the tools that made the files use.
 */
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "input.h"

enum input_kind input_detect(const void *p, size_t n)
{
	const unsigned char *b = p;

	if (n >= 6 && !memcmp(b, "\xfd" "7zXZ\0", 6))
		return INPUT_XZ;
	if (n >= 4 && !memcmp(b, "\x28\xb5\x2f\xfd", 4))
		return INPUT_ZSTD;
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return INPUT_GZIP;
	if (n >= 10 && !memcmp(b, "\x17\x08\x44tracing", 10))
		return INPUT_TRACEDAT;
	return INPUT_PLAIN;
}

const char *input_kind_name(enum input_kind k)
{
	static const char *const names[] = {"text", "xz", "zstd", "gzip", "trace-cmd dat"};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

struct decoder {
	enum input_kind kind;
	bool ended;           /* the last stream, frame or member is complete */
	lzma_stream xz;
	ZSTD_DStream *zs;
	z_stream gz;
};

int decoder_create(enum input_kind kind, uint64_t memlimit, struct decoder **out, char *why, size_t len)
{
	struct decoder *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (!d)
		return set_why(why, len, "out of memory"), -ENOMEM;
	d->kind = kind;
	d->xz = (lzma_stream)LZMA_STREAM_INIT;
	switch (kind) {
	case INPUT_XZ:
		if (lzma_stream_decoder(&d->xz, memlimit ? memlimit : UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
			goto nomem;
		break;
	case INPUT_ZSTD: {
		unsigned wlog = 10;

		if (!(d->zs = ZSTD_createDStream()))
			goto nomem;
		ZSTD_initDStream(d->zs);
		/* a frame asking for a window beyond the limit is refused, not allocated (31: zstd's largest) */
		while (memlimit && wlog < 31 && (2ull << wlog) <= memlimit)
			wlog++;
		if (memlimit)
			ZSTD_DCtx_setParameter(d->zs, ZSTD_d_windowLogMax, (int)wlog);
		break;
	}
	case INPUT_GZIP:
		if (inflateInit2(&d->gz, 15 + 32) != Z_OK)
			goto nomem;
		break;
	default:
		free(d);
		return set_why(why, len, "not compressed data"), -EINVAL;
	}
	*out = d;
	return 0;
nomem:
	decoder_destroy(d);
	return set_why(why, len, "%s: decoder setup failed", input_kind_name(kind)), -ENOMEM;
}

void decoder_destroy(struct decoder *d)
{
	if (!d)
		return;
	if (d->kind == INPUT_XZ)
		lzma_end(&d->xz);
	else if (d->kind == INPUT_ZSTD)
		ZSTD_freeDStream(d->zs);
	else if (d->kind == INPUT_GZIP)
		inflateEnd(&d->gz);
	free(d);
}

/* models xz -d: every concatenated stream, the integrity check verified */
static int unxz(struct decoder *d, struct decoder_io *io, char *why, size_t len)
{
	lzma_ret ret;

	if (d->ended)
		return 0; /* liblzma takes no call after LZMA_STREAM_END */
	d->xz.next_in = io->in;
	d->xz.avail_in = io->inlen;
	d->xz.next_out = (uint8_t *)io->out;
	d->xz.avail_out = io->cap;
	ret = lzma_code(&d->xz, io->in_eof ? LZMA_FINISH : LZMA_RUN);
	io->in = d->xz.next_in;
	io->inlen = d->xz.avail_in;
	io->produced = io->cap - d->xz.avail_out;
	if (ret == LZMA_STREAM_END)
		d->ended = true;
	if (ret == LZMA_OK || ret == LZMA_STREAM_END || (ret == LZMA_BUF_ERROR && !io->in_eof))
		return 0;
	if (ret == LZMA_BUF_ERROR)
		return set_why(why, len, "xz data is truncated (the stream ends early)"), -EINVAL;
	if (ret == LZMA_MEM_ERROR)
		return set_why(why, len, "xz: out of memory"), -ENOMEM;
	if (ret == LZMA_MEMLIMIT_ERROR)
		return set_why(why, len, "xz: the stream needs more memory than the limit of %llu bytes",
			       (unsigned long long)lzma_memlimit_get(&d->xz)), -E2BIG;
	if (ret == LZMA_FORMAT_ERROR)
		return set_why(why, len, "not xz data"), -EINVAL;
	return set_why(why, len, "xz data is corrupt (liblzma error %d)", (int)ret), -EINVAL;
}

/* models zstd -d: every frame; a frame cut short is truncated */
static int unzstd(struct decoder *d, struct decoder_io *io, char *why, size_t len)
{
	ZSTD_inBuffer ib = {io->in, io->inlen, 0};
	ZSTD_outBuffer ob = {io->out, io->cap, 0};
	size_t r = ZSTD_decompressStream(d->zs, &ob, &ib);

	io->in += ib.pos;
	io->inlen -= ib.pos;
	io->produced = ob.pos;
	if (ZSTD_isError(r)) {
		if (ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge)
			return set_why(why, len, "zstd: the frame needs a window beyond the memory limit"), -E2BIG;
		return set_why(why, len, "zstd data is corrupt (%s)", ZSTD_getErrorName(r)), -EINVAL;
	}
	if (ib.pos || ob.pos)
		d->ended = r == 0; /* a frame is complete and flushed (a call with nothing to do says nothing) */
	return 0;
}

/* models gzip -d: every member; zlib checks each member's CRC */
static int ungzip(struct decoder *d, struct decoder_io *io, char *why, size_t len)
{
	z_stream *s = &d->gz;
	uInt cap = io->cap > UINT32_MAX ? UINT32_MAX : (uInt)io->cap;
	int ret;

	if (d->ended && io->inlen) {
		/* another member after a complete one */
		if (inflateReset(s) != Z_OK)
			return set_why(why, len, "gzip: decoder reset failed"), -EINVAL;
		d->ended = false;
	}
	s->next_in = (Bytef *)(uintptr_t)io->in;
	s->avail_in = io->inlen > UINT32_MAX ? UINT32_MAX : (uInt)io->inlen;
	s->next_out = (Bytef *)io->out;
	s->avail_out = cap;
	ret = d->ended ? Z_STREAM_END : inflate(s, Z_NO_FLUSH);
	io->produced = cap - s->avail_out;
	io->inlen -= (size_t)((const uint8_t *)s->next_in - io->in);
	io->in = s->next_in;
	if (ret == Z_STREAM_END)
		d->ended = true;
	if (ret == Z_OK || ret == Z_STREAM_END)
		return 0;
	if (ret == Z_BUF_ERROR && (!io->in_eof || io->inlen))
		return 0;
	if (ret == Z_BUF_ERROR)
		return set_why(why, len, "gzip data is truncated (the stream ends early)"), -EINVAL;
	if (ret == Z_MEM_ERROR)
		return set_why(why, len, "gzip: out of memory"), -ENOMEM;
	return set_why(why, len, "gzip data is corrupt (%s)", s->msg ? s->msg : "zlib error"), -EINVAL;
}

int decoder_run(struct decoder *d, struct decoder_io *io, char *why, size_t len)
{
	int err;

	io->produced = 0;
	switch (d->kind) {
	case INPUT_XZ:
		err = unxz(d, io, why, len);
		break;
	case INPUT_ZSTD:
		err = unzstd(d, io, why, len);
		break;
	default:
		err = ungzip(d, io, why, len);
		break;
	}
	if (err)
		return err;
	/* the end: all input consumed and the last stream complete, or no progress is possible */
	if (io->in_eof && !io->inlen && !io->produced) {
		if (!d->ended)
			return set_why(why, len, "%s data is truncated (the %s ends early)", input_kind_name(d->kind),
				       d->kind == INPUT_ZSTD ? "frame" : "stream"), -EINVAL;
		return 1;
	}
	return 0;
}

int input_decompress(enum input_kind kind, const void *in, size_t inlen, char **out, size_t *outlen,
		     uint64_t limit, char *why, size_t len)
{
	struct decoder_io io = {.in = in, .inlen = inlen, .in_eof = true};
	struct decoder *d;
	size_t cap = 1 << 16, n = 0;
	char *p;
	int err;

	*out = NULL;
	*outlen = 0;
	if (limit && cap > limit + 1)
		cap = (size_t)limit + 1;
	if (!(p = malloc(cap)))
		return set_why(why, len, "out of memory"), -ENOMEM;
	if ((err = decoder_create(kind, limit, &d, why, len))) {
		free(p);
		return err;
	}
	for (;;) {
		if (n + 1 == cap) {
			size_t more = limit && cap * 2 > limit + 1 ? (size_t)limit + 1 : cap * 2;
			char *q;

			if (more <= cap) {
				err = (set_why(why, len, "decompressed data reaches the limit of %llu bytes",
					       (unsigned long long)limit), -E2BIG);
				break;
			}
			if (!(q = realloc(p, more))) {
				err = (set_why(why, len, "out of memory"), -ENOMEM);
				break;
			}
			p = q;
			cap = more;
		}
		io.out = p + n;
		io.cap = cap - n - 1;
		err = decoder_run(d, &io, why, len);
		n += io.produced;
		if (err)
			break;
	}
	decoder_destroy(d);
	if (err < 0) {
		free(p);
		return err;
	}
	p[n] = '\0';
	*out = p;
	*outlen = n;
	return 0;
}
