/*
 * decompress.c - compressed traces: .xz through liblzma, .zst through
 * libzstd, .gz through zlib, recognised by their magic numbers.
 *
 * Each decoder reads a whole buffer into a growing output buffer and
 * accepts concatenated streams (`cat a.xz b.xz`), as xz, zstd and gzip
 * do.  Data that stops before the end of a stream is "truncated"; data
 * the library rejects is "corrupt".  Nothing is written by hand: these
 * are the libraries the tools that made the files use.
 */
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

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

/* models xz -d: every concatenated stream, the integrity check verified */
static int unxz(const uint8_t *in, size_t inlen, struct input_text *o, char *why, size_t len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret ret = lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED);
	int err = 0;

	if (ret != LZMA_OK)
		return set_why(why, len, "xz: decoder setup failed"), -ENOMEM;
	s.next_in = in;
	s.avail_in = inlen;
	for (;;) {
		if ((err = input_text_reserve(o, 1 << 20)))
			break;
		s.next_out = (uint8_t *)o->p + o->len;
		s.avail_out = o->cap - o->len - 1;
		ret = lzma_code(&s, s.avail_in ? LZMA_RUN : LZMA_FINISH);
		o->len = (size_t)((char *)s.next_out - o->p);
		if (ret == LZMA_STREAM_END)
			break;
		if (ret == LZMA_OK)
			continue;
		if (ret == LZMA_BUF_ERROR)
			set_why(why, len, "xz data is truncated (the stream ends early)");
		else if (ret == LZMA_MEM_ERROR)
			set_why(why, len, "xz: out of memory");
		else if (ret == LZMA_FORMAT_ERROR)
			set_why(why, len, "not xz data");
		else
			set_why(why, len, "xz data is corrupt (liblzma error %d)", (int)ret);
		err = ret == LZMA_MEM_ERROR ? -ENOMEM : -EINVAL;
		break;
	}
	if (err == -E2BIG)
		set_why(why, len, "decompressed data exceeds %llu bytes", (unsigned long long)o->limit);
	lzma_end(&s);
	return err;
}

/* models zstd -d: every frame; a frame cut short is truncated */
static int unzstd(const uint8_t *in, size_t inlen, struct input_text *o, char *why, size_t len)
{
	ZSTD_DStream *d = ZSTD_createDStream();
	ZSTD_inBuffer ib = {in, inlen, 0};
	size_t r = 1;
	int err = 0;

	if (!d)
		return set_why(why, len, "zstd: out of memory"), -ENOMEM;
	ZSTD_initDStream(d);
	while (ib.pos < ib.size || r != 0) {
		ZSTD_outBuffer ob;

		if ((err = input_text_reserve(o, 1 << 20))) {
			set_why(why, len, err == -E2BIG ? "decompressed data exceeds the limit" : "zstd: out of memory");
			break;
		}
		ob = (ZSTD_outBuffer){o->p + o->len, o->cap - o->len - 1, 0};
		r = ZSTD_decompressStream(d, &ob, &ib);
		o->len += ob.pos;
		if (ZSTD_isError(r)) {
			set_why(why, len, "zstd data is corrupt (%s)", ZSTD_getErrorName(r));
			err = -EINVAL;
			break;
		}
		if (ib.pos == ib.size && r != 0 && ob.pos < ob.size) {
			set_why(why, len, "zstd data is truncated (the frame ends early)");
			err = -EINVAL;
			break;
		}
	}
	ZSTD_freeDStream(d);
	return err;
}

/* models gzip -d: every member; zlib checks each member's CRC */
static int ungzip(const uint8_t *in, size_t inlen, struct input_text *o, char *why, size_t len)
{
	z_stream s;
	int ret, err = 0;

	memset(&s, 0, sizeof(s));
	if (inflateInit2(&s, 15 + 32) != Z_OK)
		return set_why(why, len, "gzip: decoder setup failed"), -ENOMEM;
	s.next_in = (Bytef *)(uintptr_t)in;
	s.avail_in = (uInt)(inlen > UINT32_MAX ? UINT32_MAX : inlen);
	for (;;) {
		size_t before;

		if ((err = input_text_reserve(o, 1 << 20))) {
			set_why(why, len, err == -E2BIG ? "decompressed data exceeds the limit" : "gzip: out of memory");
			break;
		}
		s.next_out = (Bytef *)o->p + o->len;
		s.avail_out = (uInt)(o->cap - o->len - 1 > UINT32_MAX ? UINT32_MAX : o->cap - o->len - 1);
		before = s.avail_out;
		ret = inflate(&s, Z_NO_FLUSH);
		o->len += before - s.avail_out;
		if (ret == Z_STREAM_END) {
			size_t used = (size_t)((const uint8_t *)s.next_in - in);

			if (used >= inlen)
				break;
			s.avail_in = (uInt)(inlen - used > UINT32_MAX ? UINT32_MAX : inlen - used);
			if (inflateReset(&s) != Z_OK) {
				err = -EINVAL;
				break;
			}
			continue;
		}
		if (ret == Z_OK)
			continue;
		if (ret == Z_BUF_ERROR && s.avail_in == 0)
			set_why(why, len, "gzip data is truncated (the stream ends early)");
		else
			set_why(why, len, "gzip data is corrupt (%s)", s.msg ? s.msg : "zlib error");
		err = ret == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
		break;
	}
	inflateEnd(&s);
	return err;
}

int input_decompress(enum input_kind kind, const void *in, size_t inlen, char **out, size_t *outlen,
		     uint64_t limit, char *why, size_t len)
{
	struct input_text o = {.limit = limit};
	int err;

	*out = NULL;
	*outlen = 0;
	switch (kind) {
	case INPUT_XZ:
		err = unxz(in, inlen, &o, why, len);
		break;
	case INPUT_ZSTD:
		err = unzstd(in, inlen, &o, why, len);
		break;
	case INPUT_GZIP:
		err = ungzip(in, inlen, &o, why, len);
		break;
	default:
		return set_why(why, len, "not compressed data"), -EINVAL;
	}
	if (!err && !o.p && (err = input_text_reserve(&o, 0)))
		set_why(why, len, "out of memory");
	if (err) {
		free(o.p);
		return err;
	}
	o.p[o.len] = '\0';
	*out = o.p;
	*outlen = o.len;
	return 0;
}
