/*
 * text_scan.h - the byte scans of trace lines, eight bytes at a time on
 * little-endian hosts (a byte at a time elsewhere and at a text's end).
 *
 * Each returns the first byte at or after @p, before @end, that ends what
 * it spans, or @end.  They never read at or past @end.  The flagged bytes
 * of a word are found with the borrow trick: (x - k) & ~x & 0x80 per byte
 * flags every byte below k, and only bytes above the first true one can be
 * flagged falsely, so the lowest flag is always exact.
 */
#ifndef PFNLAB_TEXT_SCAN_H
#define PFNLAB_TEXT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* they run on every byte of a trace: always inlined */
#define SCAN_INLINE static inline __attribute__((always_inline))

#define SCAN_ONES 0x0101010101010101ull
#define SCAN_HIGHS 0x8080808080808080ull

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SCAN_WORDS 1
#else
#define SCAN_WORDS 0
#endif

SCAN_INLINE uint64_t scan_load(const char *p)
{
	uint64_t x;

	memcpy(&x, p, 8);
	return x;
}

/* The offset of the lowest flagged byte of a nonzero @flags. */
SCAN_INLINE unsigned scan_first(uint64_t flags)
{
	return (unsigned)__builtin_ctzll(flags) >> 3;
}

/* Flags the zero bytes of @x (exact up to the first one). */
SCAN_INLINE uint64_t scan_zero(uint64_t x)
{
	return (x - SCAN_ONES) & ~x & SCAN_HIGHS;
}

/* Per byte of @x, its flag (0x80) when the byte is ' ' or below (a blank, a newline, a control byte); exact. */
SCAN_INLINE uint64_t scan_blank(uint64_t x)
{
	return ~((x & (SCAN_ONES * 0x7f)) + SCAN_ONES * 0x5f) & ~x & SCAN_HIGHS;
}

/* Are the @n bytes at @a and @b the same?  A word at a time, the last word overlapping. */
SCAN_INLINE bool scan_same(const char *a, const char *b, size_t n)
{
	if (n < 8)
		return !memcmp(a, b, n);
	for (size_t i = 0; i + 8 < n; i += 8)
		if (scan_load(a + i) != scan_load(b + i))
			return false;
	return scan_load(a + n - 8) == scan_load(b + n - 8);
}

/* Span decimal digits. */
SCAN_INLINE const char *span_digits(const char *p, const char *end)
{
	while (SCAN_WORDS && end - p >= 8) {
		/* a byte is a digit when, xor '0', its high nibble is 0 and its low one below 10 */
		uint64_t y = scan_load(p) ^ (SCAN_ONES * '0');
		uint64_t bad = (y & 0xf0f0f0f0f0f0f0f0ull) | (((y & 0x0f0f0f0f0f0f0f0full) + 0x0606060606060606ull) &
							   0x1010101010101010ull);

		if (bad)
			return p + scan_first(bad);
		p += 8;
	}
	while (p < end && (unsigned char)(*p - '0') < 10)
		p++;
	return p;
}

/* Span everything but @a and @b. */
SCAN_INLINE const char *find2(const char *p, const char *end, char a, char b)
{
	while (SCAN_WORDS && end - p >= 8) {
		uint64_t x = scan_load(p);
		uint64_t hit = scan_zero(x ^ (SCAN_ONES * (unsigned char)a)) | scan_zero(x ^ (SCAN_ONES * (unsigned char)b));

		if (hit)
			return p + scan_first(hit);
		p += 8;
	}
	while (p < end && *p != a && *p != b)
		p++;
	return p;
}

/* Span bytes above ' ': a word ends at a blank, a newline or any control byte. */
SCAN_INLINE const char *span_word(const char *p, const char *end)
{
	while (SCAN_WORDS && end - p >= 8) {
		uint64_t x = scan_load(p), low = (x - SCAN_ONES * '!') & ~x & SCAN_HIGHS;

		if (low)
			return p + scan_first(low);
		p += 8;
	}
	while (p < end && (unsigned char)*p > ' ')
		p++;
	return p;
}

/* Span spaces. */
SCAN_INLINE const char *span_spaces(const char *p, const char *end)
{
	while (SCAN_WORDS && end - p >= 8) {
		uint64_t y = scan_load(p) ^ (SCAN_ONES * ' ');

		/* the first nonzero byte holds the lowest set bit */
		if (y)
			return p + scan_first(y);
		p += 8;
	}
	while (p < end && *p == ' ')
		p++;
	return p;
}

/*
 * Span hex digits (either case), their value in @x: the first 16 of them
 * (the caller refuses more).
 */
SCAN_INLINE const char *span_hex(const char *p, const char *end, uint64_t *x)
{
	uint64_t n = 0;

	if (SCAN_WORDS && end - p >= 8) {
		uint64_t w = scan_load(p), d = w ^ (SCAN_ONES * '0'), t = (w | (SCAN_ONES * 0x20)) ^ (SCAN_ONES * 0x60);
		/* digits: w ^ '0' below 10; letters: (w | 0x20) ^ 0x60 in 1..6; no byte of 0x80 or more */
		uint64_t ok = (~(d + SCAN_ONES * 0x76) | ((t + SCAN_ONES * 0x7f) & ~(t + SCAN_ONES * 0x79))) & ~w & SCAN_HIGHS;
		uint64_t bad = ~ok & SCAN_HIGHS;
		unsigned k = bad ? scan_first(bad) : 8;

		if (k < 8) {
			if (!k)
				return p;
			/* nibble values, the first digit the most significant */
			w = (w & (SCAN_ONES * 0x0f)) + ((w >> 6) & SCAN_ONES) * 9;
			w = __builtin_bswap64(w << (8 * (8 - k)));
			w = (w | w >> 4) & 0x00ff00ff00ff00ffull;
			w = (w | w >> 8) & 0x0000ffff0000ffffull;
			*x = (w | w >> 16) & 0xffffffffull;
			return p + k;
		}
	}
	for (; p < end; p++) {
		unsigned c = (unsigned char)*p, d = c - '0';

		if (d > 9) {
			d = (c | 0x20) - 'a';
			if (d > 5)
				break;
			d += 10;
		}
		n = n << 4 | d;
	}
	*x = n;
	return p;
}

#endif
