/*
 * trace_parse.c - one line of ftrace text, cut into its parts.
 *
 * Models the output of print_trace_line() -> trace_print_context()
 * (kernel/trace/trace_output.c) and of `trace-cmd report`:
 *
 *   <comm>-<pid> [(<tgid>)] [<cpu>] [<flags>] <secs>.<usecs>: <event>: <fields>
 *            bash-4930    [001] .....   489.672050: mm_page_alloc: page=... pfn=0x136cd6 ...
 *              rm-87      [000]     5.291353: mm_page_alloc:        page=0x... pfn=0x26c0 ...
 *   CPU:1 [LOST 4711 EVENTS]                 (ring buffer overrun, kernel)
 *   CPU:1 [4711 EVENTS DROPPED]              (the same, trace-cmd report)
 *
 * A comm may hold blanks and dashes, so the line is anchored on the
 * "[cpu]" column.  The flags column is there when the token after it is
 * not a timestamp (trace_pipe and trace print it unless the irq-info
 * option is off; 2015 kernels print four flags, today's five).
 *
 * The event name runs to the next ':'; the names pfnlab reads are
 * recognised there by their length and first byte (trace_event_lookup()),
 * and only other names have their characters checked.  Fields are
 * "key=value" pairs as the events' TP_printk strings print them.  Nothing
 * here knows what an event means; trace_event.c and replay_apply.c do.
 * trace_page_head() reads the head of the page event lines that make most
 * of a trace in one pass over the buffered text, before their line end is
 * known; anything it does not expect there goes to trace_split_line().
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "input.h"
#include "text_scan.h"

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* [A-Za-z0-9_]: the characters of an event name */
static inline bool is_name_char(char c)
{
	unsigned u = (unsigned char)c;

	return u - '0' < 10 || (u | 0x20) - 'a' < 26 || u == '_';
}

/* "CPU:N [LOST M EVENTS]", "CPU:N [M EVENTS DROPPED]" or "CPU:N [EVENTS DROPPED]" */
static bool lost_line(const char *p, const char *end, struct trace_line *tl)
{
	uint64_t v = 0;
	bool have = false;

	if (end - p < 4 || memcmp(p, "CPU:", 4))
		return false;
	p += 4;
	if (p == end || !is_digit(*p))
		return false;
	while (p < end && is_digit(*p))
		p++;
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p++ != '[')
		return false;
	if (end - p >= 5 && !memcmp(p, "LOST ", 5))
		p += 5;
	while (p < end && is_digit(*p)) {
		v = v * 10 + (uint64_t)(*p++ - '0');
		have = true;
	}
	while (p < end && is_blank(*p))
		p++;
	if (end - p >= 7 && !memcmp(p, "EVENTS]", 7)) {
		if (!have)
			return false;
	} else if (end - p < 15 || memcmp(p, "EVENTS DROPPED]", 15)) {
		return false;
	}
	tl->lost = v;
	tl->lost_unknown = !have;
	return true;
}

/* The names pfnlab reads, by length; two of a length differ in their first byte. */
#define EVENT(name, id) {name, sizeof(name) - 1, id}
static const struct {
	const char *name;
	size_t len;
	enum trace_event_id id;
} events[] = {
	EVENT("cma_alloc", EV_CMA_ALLOC),
	EVENT("cma_release", EV_CMA_RELEASE),
	EVENT("mm_page_free", EV_PAGE_FREE),
	EVENT("mm_page_alloc", EV_PAGE_ALLOC),
	EVENT("cma_alloc_start", EV_CMA_ALLOC_START),
	EVENT("mm_migrate_pages", EV_MIGRATE),
	EVENT("cma_alloc_finish", EV_CMA_ALLOC_FINISH),
	EVENT("mm_page_pcpu_drain", EV_PCPU_DRAIN),
	EVENT("test_pages_isolated", EV_TEST_ISOLATED),
	EVENT("mm_page_free_batched", EV_PAGE_FREE_BATCHED),
	EVENT("cma_alloc_busy_retry", EV_CMA_BUSY_RETRY),
	EVENT("mm_page_alloc_extfrag", EV_EXTFRAG),
	EVENT("mm_migrate_pages_start", EV_MIGRATE_START),
	EVENT("mm_page_alloc_zone_locked", EV_ALLOC_ZONE_LOCKED),
	EVENT("mm_alloc_contig_migrate_range_info", EV_CONTIG_INFO),
};

#define EVENT_NAME_MAX 34

/* Do the @len bytes at @a and @b match?  Names of 8 to 16 bytes as two overlapping words, without a call. */
static inline bool same_name(const char *a, const char *b, size_t len)
{
	uint64_t a0, a1, b0, b1;

	if (len < 8 || len > 16)
		return !memcmp(a, b, len);
	memcpy(&a0, a, 8);
	memcpy(&b0, b, 8);
	memcpy(&a1, a + len - 8, 8);
	memcpy(&b1, b + len - 8, 8);
	return !((a0 ^ b0) | (a1 ^ b1));
}

static inline enum trace_event_id event_lookup(const char *name, size_t len)
{
	/* by_len[len]: the first of events[] with that length, plus one (0: none) */
	static const uint8_t by_len[EVENT_NAME_MAX + 1] = {
		[9] = 1, [11] = 2, [12] = 3, [13] = 4, [15] = 5, [16] = 6, [18] = 8, [19] = 9,
		[20] = 10, [21] = 12, [22] = 13, [25] = 14, [34] = 15,
	};

	if (len <= EVENT_NAME_MAX && by_len[len]) {
		unsigned i = by_len[len] - 1u;

		if (events[i].name[0] != name[0] && i + 1 < sizeof(events) / sizeof(events[0]) &&
		    events[i + 1].len == len)
			i++;
		if (same_name(events[i].name, name, len))
			return events[i].id;
	}
	if (len > 14 && !memcmp(name, "mm_compaction_", 14))
		return EV_COMPACTION;
	return EV_UNKNOWN;
}

enum trace_event_id trace_event_lookup(const char *name, size_t len)
{
	return event_lookup(name, len);
}

enum trace_line_kind trace_split_line(const char *s, size_t n, struct trace_line *tl)
{
	const char *end = s + n, *p = s, *b, *q;

	if (p < end && *p != ' ') {
		/* event lines start with the blanks that right-align the comm */
		if (*p == '#')
			return TL_SKIP;
		if (*p == 'C' && lost_line(p, end, tl))
			return TL_LOST;
	}
	/* the "[cpu]" column, after a blank */
	for (b = p;; b++) {
		b = memchr(b, '[', (size_t)(end - b));
		if (!b)
			return TL_SKIP;
		if (b == p || !is_blank(b[-1]))
			continue;
		q = span_digits(b + 1, end);
		if (q > b + 1 && q < end && *q == ']') {
			p = q + 1;
			break;
		}
	}
	while (p < end && *p == ' ')
		p++;
	/* the flags column, when the word here is not the timestamp */
	tl->has_flags = p < end && !is_digit(*p);
	if (tl->has_flags) {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	/* the timestamp: digits, maybe '.' and digits, then ':' */
	q = span_digits(p, end);
	if (q == p)
		return TL_SKIP;
	if (q < end && *q == '.') {
		const char *d = ++q;

		q = span_digits(q, end);
		if (q == d)
			return TL_SKIP;
	}
	if (q >= end || *q != ':')
		return TL_SKIP;
	p = q + 1;
	while (p < end && *p == ' ')
		p++;
	/* the name runs to the first ':'; a name pfnlab reads needs no check of its characters */
	tl->name = p;
	q = memchr(p, ':', (size_t)(end - p));
	if (!q || q == p)
		return TL_SKIP;
	tl->id = event_lookup(p, (size_t)(q - p));
	if (tl->id == EV_UNKNOWN || tl->id == EV_COMPACTION) {
		while (p < q && is_name_char(*p))
			p++;
		if (p != q)
			return TL_SKIP;
	}
	p = q;
	tl->name_len = (size_t)(p - tl->name);
	p++;
	while (p < end && is_blank(*p))
		p++;
	tl->fields = p;
	tl->fields_len = (size_t)(end - p);
	return TL_EVENT;
}

/*
 * The name of a page event at @p and the blanks after it: the fields'
 * start, or NULL.  @prefixed: "mm_page_" is known to be at @p.
 */
static inline __attribute__((always_inline)) const char *page_name(const char *p, const char *end, bool has_flags,
								  bool prefixed, struct trace_line *tl)
{
	/* mm_page_alloc, mm_page_free, mm_page_free_batched */
	if (end - p < 24 || (!prefixed && __builtin_memcmp(p, "mm_page_", 8)))
		return NULL;
	tl->has_flags = has_flags;
	tl->name = p;
	if (!__builtin_memcmp(p + 8, "alloc:", 6)) {
		tl->id = EV_PAGE_ALLOC;
		tl->name_len = 13;
	} else if (!__builtin_memcmp(p + 8, "free:", 5)) {
		tl->id = EV_PAGE_FREE;
		tl->name_len = 12;
	} else if (!__builtin_memcmp(p + 8, "free_batched:", 13)) {
		tl->id = EV_PAGE_FREE_BATCHED;
		tl->name_len = 20;
	} else {
		return NULL;
	}
	/* one blank, as the kernel prints it, is checked without a loop (the 24 bytes hold it) */
	p += tl->name_len + 1;
	if (*p == ' ' && !is_blank(p[1]))
		p++;
	else
		while (p < end && is_blank(*p))
			p++;
	tl->fields = p;
	return p;
}

#ifdef __SSE2__
/* The bytes of @v equal to @c, one bit each. */
static inline uint32_t eq16(__m128i v, char c)
{
	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

/* The bytes of @v equal to those at @c (16-byte aligned), one bit each. */
static inline uint32_t same16(__m128i v, const char *c)
{
	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_load_si128((const __m128i *)(const void *)c)));
}

/* The bytes of @v that are decimal digits, one bit each. */
static inline uint32_t digits16(__m128i v)
{
	__m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));

	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
}

/* The bytes of @v that are ' ' or below (blanks, newlines, control bytes), one bit each. */
static inline uint32_t blanks16(__m128i v)
{
	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(' ')), v));
}
#endif

/*
 * The columns of a line from the trace file as print_trace_line() pads
 * them, "%16s-%-7d [%03d] %5s %5lu.%06lu: " with '[' in the 26th column
 * and no '[' or newline before it, checked 16 bytes at a time (SSE2; the
 * column-by-column reading elsewhere): the start of an "mm_page_" name in
 * the 52nd column, or NULL when the line is not exactly so.
 */
static const char *padded_columns(const char *s, const char *end)
{
#ifdef __SSE2__
	/* bit i of each mask is byte i of the line */
	static const char fixed[64] __attribute__((aligned(16))) = {
		[24] = ' ', [25] = '[', [29] = ']', [30] = ' ', [36] = ' ', [42] = '.', [49] = ':', [50] = ' ',
		[51] = 'm', [52] = 'm', [53] = '_', [54] = 'p', [55] = 'a', [56] = 'g', [57] = 'e', [58] = '_'};
	const uint64_t fixed_bits = 1ull << 24 | 1ull << 25 | 1ull << 29 | 1ull << 30 | 1ull << 36 | 1ull << 42 |
				    1ull << 49 | 1ull << 50 | 0xffull << 51;
	const uint64_t digit_bits = 7ull << 26 | 0x3full << 43; /* the CPU, the microseconds */
	uint64_t same, dig, blank, sp, dg;
	__m128i v[4];

	if (end - s < 64)
		return NULL;
	/* (written out: as a loop, the vectors stayed in memory) */
	v[0] = _mm_loadu_si128((const __m128i *)(const void *)s);
	v[1] = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
	v[2] = _mm_loadu_si128((const __m128i *)(const void *)(s + 32));
	v[3] = _mm_loadu_si128((const __m128i *)(const void *)(s + 48));
	/* no fixed byte is in the first 16 */
	same = (uint64_t)same16(v[1], fixed + 16) << 16 | (uint64_t)same16(v[2], fixed + 32) << 32 |
	       (uint64_t)same16(v[3], fixed + 48) << 48;
	dig = (uint64_t)digits16(v[1]) << 16 | (uint64_t)digits16(v[2]) << 32 | (uint64_t)digits16(v[3]) << 48;
	blank = (uint64_t)blanks16(v[1]) << 16 | (uint64_t)blanks16(v[2]) << 32;
	/* the fixed bytes; the digits; flags that are no blank and do not open with a digit */
	if ((same & fixed_bits) != fixed_bits || (dig & digit_bits) != digit_bits || (dig & 1ull << 31) ||
	    (blank & 0x1full << 31))
		return NULL;
	/* nothing before the '[' is '[' or a newline */
	if ((eq16(v[0], '[') | eq16(v[0], '\n') | (eq16(v[1], '[') | eq16(v[1], '\n')) << 16) & 0xffffff)
		return NULL;
	/* the seconds: blanks, then digits to the '.' */
	sp = (uint64_t)eq16(v[2], ' ') >> 5 & 0x1f;
	dg = dig >> 37 & 0x1f;
	if ((sp | dg) != 0x1f || sp >= (dg & -dg))
		return NULL;
	return s + 51;
#else
	return NULL;
#endif
}

/* trace_page_head() of a line whose columns are not padded_columns() */
static const char *__attribute__((noinline)) page_head_unpadded(const char *s, const char *end,
								  struct trace_line *tl)
{
	const char *p = s, *b, *q;

	b = find2(s, end, '[', '\n');
	if (b == end || *b != '[' || b == p || !is_blank(b[-1]))
		return NULL;
	q = span_digits(b + 1, end);
	if (q == b + 1 || q == end || *q != ']')
		return NULL;
	p = q + 1;
	while (p < end && *p == ' ')
		p++;
	tl->has_flags = p < end && !is_digit(*p);
	if (tl->has_flags) {
		/* the flags run to a blank (a tab, a control byte: trace_split_line() decides) */
		p = span_word(p, end);
		if (p == end || *p != ' ')
			return NULL;
		p = span_spaces(p, end);
	}
	q = span_digits(p, end);
	if (q == p)
		return NULL;
	if (q < end && *q == '.') {
		p = ++q;
		q = span_digits(q, end);
		if (q == p)
			return NULL;
	}
	if (q == end || *q != ':')
		return NULL;
	return page_name(span_spaces(q + 1, end), end, tl->has_flags, false, tl);
}

const char *trace_page_head(const char *s, const char *end, struct trace_line *tl)
{
	const char *q;

	/* trace_split_line()'s reading where it reads nothing odd; never past a newline */
	if (s == end || *s == '#' || *s == 'C')
		return NULL;
	if ((q = padded_columns(s, end)))
		return page_name(q, end, true, true, tl);
	return page_head_unpadded(s, end, tl);
}

int trace_split_fields(const char *s, size_t n, struct trace_fields *tf)
{
	const char *p = s, *end = s + n;

	tf->n = 0;
	while (p < end) {
		const char *k, *eq = NULL, *v, *ve;

		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			break;
		k = p;
		while (p < end && !is_blank(*p) && *p != '=')
			p++;
		if (p == end || *p != '=') {
			/* a word without '=': part of the value before ("range=(0x1 ~ 0x2)" is handled below) */
			if (!tf->n)
				return -EINVAL;
			while (p < end && !is_blank(*p))
				p++;
			tf->f[tf->n - 1].vlen = (uint32_t)(p - tf->f[tf->n - 1].v);
			continue;
		}
		eq = p;
		v = ++p;
		if (p < end && *p == '(') {
			const char *close = memchr(p, ')', (size_t)(end - p));

			p = close ? close + 1 : end;
			while (p < end && !is_blank(*p))
				p++;
		} else {
			while (p < end && !is_blank(*p))
				p++;
		}
		ve = p;
		if (tf->n == TRACE_MAX_FIELDS)
			return -EINVAL;
		tf->f[tf->n].k = k;
		tf->f[tf->n].klen = (uint32_t)(eq - k);
		tf->f[tf->n].v = v;
		tf->f[tf->n].vlen = (uint32_t)(ve - v);
		tf->n++;
	}
	return 0;
}

const char *trace_field(const struct trace_fields *tf, unsigned hint, const char *key, uint32_t *vlen)
{
	size_t kl = strlen(key);

	if (hint < tf->n && tf->f[hint].klen == kl && !memcmp(tf->f[hint].k, key, kl)) {
		*vlen = tf->f[hint].vlen;
		return tf->f[hint].v;
	}
	for (unsigned i = 0; i < tf->n; i++)
		if (tf->f[i].klen == kl && !memcmp(tf->f[i].k, key, kl)) {
			*vlen = tf->f[i].vlen;
			return tf->f[i].v;
		}
	return NULL;
}

int trace_parse_u64(const char *v, size_t n, bool hex, uint64_t *out)
{
	uint64_t x = 0;
	size_t i = 0;

	if (n > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		hex = true;
		i = 2;
	}
	if (i == n)
		return -EINVAL;
	if (hex) {
		for (; i < n; i++) {
			unsigned c = (unsigned char)v[i], d;

			if (c - '0' < 10)
				d = c - '0';
			else if ((c | 0x20) - 'a' < 6)
				d = (c | 0x20) - 'a' + 10;
			else
				return -EINVAL;
			if (x >> 60)
				return -EINVAL;
			x = x << 4 | d;
		}
	} else {
		for (; i < n; i++) {
			unsigned d = (unsigned char)v[i] - '0';

			if (d > 9 || x > (UINT64_MAX - d) / 10)
				return -EINVAL;
			x = x * 10 + d;
		}
	}
	*out = x;
	return 0;
}

int trace_parse_s64(const char *v, size_t n, int64_t *out)
{
	uint64_t x;
	bool neg = n > 0 && v[0] == '-';

	if (trace_parse_u64(v + neg, n - neg, false, &x) || x > (uint64_t)INT64_MAX)
		return -EINVAL;
	*out = neg ? -(int64_t)x : (int64_t)x;
	return 0;
}
