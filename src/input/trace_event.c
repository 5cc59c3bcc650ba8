/*
 * trace_event.c - one line of a kernel trace read into a struct
 * trace_event: which event, and what its fields say in the model's terms.
 *
 * Reads the fields each event's TP_printk prints (include/trace/events/
 * kmem.h, migrate.h, compaction.h, cma.h, page_isolation.h), in the 2015
 * form (decimal pfn=, the old migrate-type numbers) and the current one
 * (hex pfn=); the era is learnt from the first pfn= that shows it, and a
 * trace that changes form is refused.  Each event has a field reader,
 * found by its id in readers[]: a new event is an id (input.h) and its
 * name (trace_parse.c), a reader here, and its effect in replay_apply.c.
 * mm_page_alloc and mm_page_free, most of a trace, are read by a fast path
 * without the generic field split (the look-ahead too); in the replay the
 * usual lines of them are found, split and read in one pass over the
 * buffered text (event_parse_next()).  Anything unusual goes to their
 * reader, which words the errors.  gfp_flags= strings are parsed once and
 * remembered (a trace has few).  Event names are counted here, for the
 * summary.
 *
 * 6.10+ kernels print mm_alloc_contig_migrate_range_info with its values
 * under the wrong labels (6.12.117 shows "migratetype=13264 nr_migrated=4"
 * for 13264 pages migrated from a CMA range): the arguments are passed as
 * (migratetype, migrated, reclaimed, mapped) to slots declared (migrated,
 * reclaimed, mapped, migratetype).  A line whose nr_migrated is a valid
 * migrate type is read that way; one whose nr_migrated is not (>= 6) comes
 * from a fixed kernel and is read as labelled.
 *
 * Simplified: the timestamps, comm, pid and CPU are not read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "text_scan.h"

#define NAME_SLOTS (2 * TRACE_EVENT_NAMES)
#define NAME_MAX_LEN 64
#define GFP_SLOTS 256
#define GFP_MAX_LEN 192

struct name_ent {
	uint64_t count;
	uint32_t hash;
	uint16_t len;
	bool used;
	char name[NAME_MAX_LEN];
};

struct gfp_ent {
	uint32_t hash;
	uint16_t len;
	bool used;
	pfnlab_gfp_t gfp;
	char s[GFP_MAX_LEN];
};

struct event_parser {
	int era;                  /* of the trace's kmem events, -1 unknown */
	struct name_ent names[NAME_SLOTS];
	unsigned nr_names;
	uint64_t other_names;     /* events whose names did not fit the table */
	struct name_ent *known[EV_NR_IDS]; /* the entry of each name pfnlab reads, once seen */
	struct gfp_ent gfp[GFP_SLOTS];
	struct gfp_ent *last_gfp;  /* the mask of the last allocation, tried first */
	/* the line being read, for messages */
	const struct input_lines *l;
	char *why;
	size_t wlen;
};

/* A hash of @n bytes, a word at a time (the last word overlapping): masks and names are short. */
static uint32_t hash_bytes(const char *s, size_t n)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h = n * k;

	if (n < 8) {
		for (size_t i = 0; i < n; i++)
			h = (h ^ (unsigned char)s[i]) * k;
	} else {
		for (size_t i = 0; i + 8 < n; i += 8)
			h = (h ^ scan_load(s + i)) * k;
		h = (h ^ scan_load(s + n - 8)) * k;
	}
	return (uint32_t)(h >> 32);
}

/* An error about the current line: "FILE:LINE: what". */
static int line_error(struct event_parser *ep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int line_error(struct event_parser *ep, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_why(ep->why, ep->wlen, "%s:%llu: %s", ep->l->name, (unsigned long long)ep->l->no, msg);
	return -EINVAL;
}

/* The migrate type (model numbering) an event's number stands for in the trace's era. */
static int trace_mt(const struct event_parser *ep, uint64_t v)
{
	static const int old[PFNLAB_MT_TYPES] = {PFNLAB_MT_UNMOVABLE, PFNLAB_MT_RECLAIMABLE, PFNLAB_MT_MOVABLE,
						 PFNLAB_MT_HIGHATOMIC, PFNLAB_MT_CMA, PFNLAB_MT_ISOLATE};

	if (v >= PFNLAB_MT_TYPES)
		return -1;
	return ep->era == PFNLAB_ERA_2015 ? old[v] : (int)v;
}

/* gfp_flags= through pfnlab_gfp_parse(), remembered: a trace has few distinct masks. */
static int parse_gfp(struct event_parser *ep, const char *s, size_t n, pfnlab_gfp_t *gfp)
{
	uint32_t h;
	struct gfp_ent *e = ep->last_gfp;

	if (e && e->len == n && !memcmp(e->s, s, n)) {
		*gfp = e->gfp;
		return 0;
	}
	h = hash_bytes(s, n);
	e = &ep->gfp[h & (GFP_SLOTS - 1)];
	if (e->used && e->hash == h && e->len == n && !memcmp(e->s, s, n)) {
		*gfp = e->gfp;
		ep->last_gfp = e;
		return 0;
	}
	if (pfnlab_gfp_parse(s, n, gfp))
		return -EINVAL;
	if (n < GFP_MAX_LEN) {
		e->used = true;
		e->hash = h;
		e->len = (uint16_t)n;
		e->gfp = *gfp;
		memcpy(e->s, s, n);
		ep->last_gfp = e;
	}
	return 0;
}

/*
 * The table entry of an event name (@id: its trace_event_lookup()), added
 * on first sight; NULL when the table is full.  A name pfnlab reads (but
 * compaction:*) is found by its id.
 */
static struct name_ent *name_entry(struct event_parser *ep, const char *name, size_t len, enum trace_event_id id)
{
	bool by_id = id != EV_UNKNOWN && id != EV_COMPACTION;
	uint32_t h;

	if (by_id && ep->known[id])
		return ep->known[id];
	h = hash_bytes(name, len);
	for (unsigned i = 0; i < NAME_SLOTS; i++) {
		struct name_ent *e = &ep->names[(h + i) & (NAME_SLOTS - 1)];

		if (e->used) {
			if (e->hash == h && e->len == len && !memcmp(e->name, name, len))
				return e;
			continue;
		}
		if (len >= NAME_MAX_LEN || ep->nr_names >= NAME_SLOTS / 2)
			return NULL;
		e->used = true;
		e->hash = h;
		e->len = (uint16_t)len;
		memcpy(e->name, name, len);
		e->name[len] = '\0';
		ep->nr_names++;
		if (by_id)
			ep->known[id] = e;
		return e;
	}
	return NULL;
}

/* What an event's field reader works with. */
struct fields {
	struct event_parser *ep;
	const struct trace_line *tl;
	struct trace_fields tf;
	char ev[NAME_MAX_LEN];    /* the event's name, for messages */
	int err;                  /* the first fault found (its message is set), or 0 */
};

/* A fault of the line: the first one is the one reported. */
static void bad(struct fields *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(struct fields *f, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (f->err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->err = line_error(f->ep, "%s: %s", f->ev, msg);
}

/* The value of field @key (@hint: where it usually sits); NULL, and a fault, if absent. */
static const char *need(struct fields *f, const char *key, unsigned hint, uint32_t *vl)
{
	const char *v = trace_field(&f->tf, hint, key, vl);

	if (!v)
		bad(f, "no %s= field", key);
	return v;
}

static bool is_null_ptr(const char *v, size_t n)
{
	size_t i = 0;

	if (n == 6 && (!memcmp(v, "(null)", 6)))
		return true;
	if (n == 5 && !memcmp(v, "(nil)", 5))
		return true;
	if (n > 2 && v[0] == '0' && v[1] == 'x')
		i = 2;
	if (i == n)
		return false;
	for (; i < n; i++)
		if (v[i] != '0')
			return false;
	return true;
}

/* A number field (hex without "0x" when @hex); 0, and a fault, when it is not one. */
static uint64_t num(struct fields *f, const char *key, unsigned hint, bool hex)
{
	uint32_t vl;
	const char *v = need(f, key, hint, &vl);
	uint64_t x = 0;

	if (v && trace_parse_u64(v, vl, hex, &x))
		bad(f, "%s=%.*s is not a number", key, (int)vl, v);
	return x;
}

static const char *era_form(int era)
{
	return era == PFNLAB_ERA_2015 ? "2015 (decimal)" : "current (hex)";
}

/* The pfn= field of a kmem event, noting the era its form shows. */
static uint64_t kmem_pfn(struct fields *f, unsigned hint)
{
	struct event_parser *ep = f->ep;
	uint32_t vl;
	const char *v = need(f, "pfn", hint, &vl);
	uint64_t x = 0;
	int era;

	if (!v)
		return 0;
	era = vl > 2 && v[0] == '0' && v[1] == 'x' ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
	if (trace_parse_u64(v, vl, false, &x)) {
		bad(f, "pfn=%.*s is not a number", (int)vl, v);
		return 0;
	}
	if (x == 0 && vl == 1) {
		/* "pfn=0" of a failed allocation says nothing about the form */
	} else if (ep->era < 0) {
		ep->era = era;
	} else if (ep->era != era && !(era == PFNLAB_ERA_2015 && x == 0)) {
		bad(f, "pfn=%.*s is in the %s form, earlier events used the %s form (mixed traces?)", (int)vl, v,
		    era_form(era), era_form(ep->era));
	}
	return x;
}

/* An order field (order=, alloc_order=, fallback_order=): a fault when no kernel has that order. */
static unsigned order_of(struct fields *f, const char *key, unsigned hint)
{
	uint64_t order = num(f, key, hint, false);

	if (order >= MAX_ORDERS)
		bad(f, "order=%llu is beyond any kernel's largest order", (unsigned long long)order);
	return (unsigned)order;
}

/*
 * "key=number" at @p (@key ends with '='), the number decimal (at most 19
 * digits) or "0x" hex (at most 16), read in place up to the blank, newline
 * or end that closes it: its value and text, and where the next field starts.
 * NULL if the key is not there or the value is not such a number.
 */
SCAN_INLINE const char *fast_kv_num(const char *p, const char *end, const char *key, size_t kl, uint64_t *x,
				      const char **v, size_t *vl)
{
	const char *q;
	uint64_t n = 0;

	if ((size_t)(end - p) <= kl || __builtin_memcmp(p, key, kl))
		return NULL;
	q = *v = p + kl;
	if (end - q > 2 && q[0] == '0' && q[1] == 'x') {
		q = span_hex(q + 2, end, &n);
		if (q - *v <= 2 || q - *v > 18)
			return NULL;
	} else {
		for (; q < end; q++) {
			unsigned d = (unsigned char)*q - '0';

			if (d > 9)
				break;
			n = n * 10 + d;
		}
		if (q == *v || q - *v > 19)
			return NULL;
	}
	if (q < end && *q != ' ' && *q != '\n')
		return NULL;
	*x = n;
	*vl = (size_t)(q - *v);
	return span_spaces(q, end);
}

#define FAST_KV_NUM(p, end, key, x, v, vl) fast_kv_num(p, end, key, sizeof(key) - 1, x, v, vl)

/* The era the form of a pfn= value shows ("0x..." current, decimal 2015). */
static int pfn_era(const char *v, size_t vl)
{
	return vl > 2 && v[1] == 'x' ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
}

/* The fields of an mm_page_alloc or mm_page_free line in their usual form. */
struct page_fields {
	const char *page, *pfn_v, *gfp;
	size_t page_len, pfn_len, gfp_len;
	uint64_t pfn, order, mt;
};

/*
 * page_kv() where the fields are laid out as a 64-bit kernel prints them
 * today: 16 characters of %p, "pfn=0x", one blank between fields, orders
 * and types of one digit, and (mm_page_free) the newline right after the
 * order.  Checked at fixed offsets; NULL for anything else.
 */
SCAN_INLINE const char *page_kv_printed(enum trace_event_id id, const char *p, const char *end, struct page_fields *pf)
{
	const char *q;

	if (end - p < 64 || __builtin_memcmp(p, "page=", 5) || scan_blank(scan_load(p + 5)) ||
	    scan_blank(scan_load(p + 13)) || __builtin_memcmp(p + 21, " pfn=0x", 7))
		return NULL;
	q = span_hex(p + 28, end, &pf->pfn);
	if (q == p + 28 || q - p > 44 || end - q < 40 || __builtin_memcmp(q, " order=", 7) ||
	    (unsigned char)(q[7] - '0') >= MAX_ORDERS)
		return NULL;
	pf->page = p + 5;
	pf->page_len = 16;
	pf->pfn_v = p + 26;
	pf->pfn_len = (size_t)(q - pf->pfn_v);
	pf->order = (unsigned char)(q[7] - '0');
	if (id != EV_PAGE_ALLOC)
		return q[8] == '\n' ? q + 8 : NULL;
	if (__builtin_memcmp(q + 8, " migratetype=", 13) || (unsigned char)(q[21] - '0') > 9 ||
	    __builtin_memcmp(q + 22, " gfp_flags=", 11))
		return NULL;
	pf->mt = (unsigned char)(q[21] - '0');
	return q + 33;
}

/*
 * The fields of mm_page_alloc ("page= pfn= order= migratetype= gfp_flags=")
 * and of mm_page_free, mm_page_free_batched ("page= pfn= order=") exactly
 * as their TP_printk prints them, read in place from @p, never past a
 * newline before @end: where what follows them starts (mm_page_alloc: the
 * gfp_flags= mask), or NULL for any other form (the generic field split
 * reads it).
 */
static const char *page_kv(enum trace_event_id id, const char *p, const char *end, struct page_fields *pf)
{
	const char *v;
	size_t vl;

	if ((v = page_kv_printed(id, p, end, pf)))
		return v;
	if ((size_t)(end - p) < 6 || memcmp(p, "page=", 5))
		return NULL;
	pf->page = p + 5;
	p = span_word(pf->page, end);
	if (p == end || *p != ' ')
		return NULL;
	pf->page_len = (size_t)(p - pf->page);
	while (p < end && *p == ' ')
		p++;
	if (!(p = FAST_KV_NUM(p, end, "pfn=", &pf->pfn, &pf->pfn_v, &pf->pfn_len)))
		return NULL;
	if (!(p = FAST_KV_NUM(p, end, "order=", &pf->order, &v, &vl)) || pf->order >= MAX_ORDERS)
		return NULL;
	if (id != EV_PAGE_ALLOC)
		return p;
	if (!(p = FAST_KV_NUM(p, end, "migratetype=", &pf->mt, &v, &vl)) ||
	    (size_t)(end - p) <= 10 || memcmp(p, "gfp_flags=", 10))
		return NULL;
	return p + 10;
}

/*
 * mm_page_alloc, mm_page_free and mm_page_free_batched in their usual
 * form, the fields of line @tl read without the generic field split.
 * Returns false for anything else.
 */
static bool page_fields(enum trace_event_id id, const struct trace_line *tl, struct page_fields *pf)
{
	const char *p = tl->fields, *end = tl->fields + tl->fields_len;

	while (end > p && end[-1] == ' ')
		end--;
	if (!(p = page_kv(id, p, end, pf)))
		return false;
	if (id != EV_PAGE_ALLOC)
		return p == end;
	/* the mask runs to the end of the line (the last field) */
	pf->gfp = p;
	pf->gfp_len = (size_t)(end - p);
	return !memchr(pf->gfp, ' ', pf->gfp_len);
}

/*
 * Fields @pf of a page event @id (@gfp: its mask, parsed) into @ev; false
 * when the pfn= form is not the trace's era or migratetype= no migrate
 * type (the generic path words the error).
 */
SCAN_INLINE bool page_event(struct event_parser *ep, enum trace_event_id id, const struct page_fields *pf,
		       pfnlab_gfp_t gfp, struct trace_event *ev)
{
	int era = pfn_era(pf->pfn_v, pf->pfn_len);

	if (ep->era != era && !(pf->pfn == 0 && pf->pfn_len == 1))
		return false;
	if (id == EV_PAGE_ALLOC) {
		if (pf->mt >= PFNLAB_MT_TYPES)
			return false;
		ev->failed = pf->pfn == 0 && is_null_ptr(pf->page, pf->page_len);
		ev->mt = trace_mt(ep, pf->mt);
		ev->gfp = gfp;
	}
	ev->id = id;
	ev->pfn = pf->pfn;
	ev->order = (unsigned)pf->order;
	return true;
}

/*
 * mm_page_alloc and mm_page_free read without the generic field split.
 * Returns true when the line was read into @ev; false sends it to the
 * generic path, which also words the errors.
 */
static bool fast_page_event(struct event_parser *ep, enum trace_event_id id, const struct trace_line *tl,
			    struct trace_event *ev)
{
	struct page_fields pf;
	pfnlab_gfp_t gfp = 0;

	return page_fields(id, tl, &pf) &&
	       (id != EV_PAGE_ALLOC || !parse_gfp(ep, pf.gfp, pf.gfp_len, &gfp)) && page_event(ep, id, &pf, gfp, ev);
}

/*
 * The rest of a page event line after its fields @pf, from @p (the
 * mm_page_alloc mask, the newline): @ev and the line's place in @l.
 */
SCAN_INLINE bool page_line_end(struct event_parser *ep, struct input_lines *l, const struct trace_line *tl,
			       const char *p, const struct page_fields *pf, struct trace_event *ev)
{
	const char *s = l->p, *end = l->end, *q;
	const struct gfp_ent *g = ep->last_gfp;
	pfnlab_gfp_t gfp = 0;

	if (tl->id == EV_PAGE_ALLOC) {
		/* the mask runs to the newline; most often it is the last one again */
		if (g && (size_t)(end - p) > g->len && p[g->len] == '\n' && scan_same(p, g->s, g->len)) {
			gfp = g->gfp;
			p += g->len;
		} else {
			q = span_word(p, end);
			if (q == end || *q != '\n' || parse_gfp(ep, p, (size_t)(q - p), &gfp))
				return false;
			p = q;
		}
	}
	if (p == end || *p != '\n' || !page_event(ep, tl->id, pf, gfp, ev))
		return false;
	ev->line = TL_EVENT;
	ev->has_flags = tl->has_flags;
	ep->known[tl->id]->count++;
	l->s = s;
	l->n = (size_t)(p - s);
	l->p = p + 1;
	l->no++;
	return true;
}

/* event_parse_next() for fields not laid out as page_kv_printed() expects (kept apart: its @pf lives in memory) */
static bool __attribute__((noinline)) page_line_unusual(struct event_parser *ep, struct input_lines *l,
							const struct trace_line *tl, const char *p,
							struct trace_event *ev)
{
	struct page_fields pf;

	return (p = page_kv(tl->id, p, l->end, &pf)) && page_line_end(ep, l, tl, p, &pf, ev);
}

bool event_parse_next(struct event_parser *ep, struct input_lines *l, struct trace_event *ev)
{
	const char *p, *q;
	struct trace_line tl;
	struct page_fields pf = {.mt = 0};

	if (ep->era < 0 || l->mark || !(p = trace_page_head(l->p, l->end, &tl)) || !ep->known[tl.id])
		return false;
	if ((q = page_kv_printed(tl.id, p, l->end, &pf)))
		return page_line_end(ep, l, &tl, q, &pf, ev);
	return page_line_unusual(ep, l, &tl, p, ev);
}

/*
 * The field readers, one per event: each reads what its TP_printk prints
 * into @ev, in the model's terms.  A fault is kept in f->err (the first
 * one is reported); what was read before it stays in @ev.
 */

static void read_page_alloc(struct fields *f, struct trace_event *ev)
{
	uint32_t pl, vl;
	const char *page = need(f, "page", 0, &pl), *v;
	uint64_t pfn = kmem_pfn(f, 1), mt;

	ev->order = order_of(f, "order", 2);
	mt = num(f, "migratetype", 3, false);
	v = need(f, "gfp_flags", 4, &vl);
	if (v && !f->err && parse_gfp(f->ep, v, vl, &ev->gfp))
		bad(f, "gfp_flags=%.*s has a name pfnlab does not know", (int)vl, v);
	if (mt >= PFNLAB_MT_TYPES)
		bad(f, "migratetype=%llu is not a migrate type", (unsigned long long)mt);
	if (f->err)
		return;
	ev->failed = is_null_ptr(page, pl) && pfn == 0;
	ev->pfn = pfn;
	ev->mt = trace_mt(f->ep, mt);
}

/* mm_page_free, mm_page_free_batched */
static void read_page_free(struct fields *f, struct trace_event *ev)
{
	uint32_t vl;

	need(f, "page", 0, &vl);
	ev->pfn = kmem_pfn(f, 1);
	ev->order = order_of(f, "order", 2);
}

/* mm_page_alloc_zone_locked, mm_page_pcpu_drain */
static void read_page_counted(struct fields *f, struct trace_event *ev)
{
	uint32_t vl;

	need(f, "page", 0, &vl);
	kmem_pfn(f, 1);
	ev->order = order_of(f, "order", 2);
	num(f, "migratetype", 3, false);
}

static void read_extfrag(struct fields *f, struct trace_event *ev)
{
	uint32_t vl;
	uint64_t amt, fmt;

	need(f, "page", 0, &vl);
	ev->pfn = kmem_pfn(f, 1);
	order_of(f, "alloc_order", 2);
	ev->order = order_of(f, "fallback_order", 3);
	num(f, "pageblock_order", 4, false);
	amt = num(f, "alloc_migratetype", 5, false);
	fmt = num(f, "fallback_migratetype", 6, false);
	ev->fragmenting = num(f, "fragmenting", 7, false) != 0;
	ev->claimed = num(f, "change_ownership", 8, false) != 0;
	if (amt >= PFNLAB_MT_TYPES || fmt >= PFNLAB_MT_TYPES)
		bad(f, "a migratetype is not a migrate type");
	ev->mt = trace_mt(f->ep, amt);
	ev->fallback_mt = trace_mt(f->ep, fmt);
}

static void read_contig_info(struct fields *f, struct trace_event *ev)
{
	uint64_t a, b, c, d;

	num(f, "start", 0, false);
	num(f, "end", 1, false);
	a = num(f, "migratetype", 2, false);
	b = num(f, "nr_migrated", 3, false);
	c = num(f, "nr_reclaimed", 4, false);
	d = num(f, "nr_mapped", 5, false);
	if (b < PFNLAB_MT_TYPES) {
		/* 6.10+: migratetype=<mapped> nr_migrated=<type> nr_reclaimed=<migrated> nr_mapped=<reclaimed> */
		ev->nr[0] = c;
		ev->nr[1] = d;
		ev->nr[2] = a;
	} else {
		ev->nr[0] = b;
		ev->nr[1] = c;
		ev->nr[2] = d;
	}
}

static void read_migrate(struct fields *f, struct trace_event *ev)
{
	unsigned n = f->tf.n;
	uint32_t vl;
	const char *v;

	ev->nr[0] = num(f, "nr_succeeded", 0, false);
	ev->nr[1] = num(f, "nr_failed", 1, false);
	need(f, "mode", n > 4 ? n - 2 : 2, &vl);
	need(f, "reason", n > 4 ? n - 1 : 3, &vl);
	/* the THP counts (v5.x+) are optional: one absent or unreadable counts 0 */
	if ((v = trace_field(&f->tf, 2, "nr_thp_succeeded", &vl)))
		trace_parse_u64(v, vl, false, &ev->nr[2]);
	if ((v = trace_field(&f->tf, 3, "nr_thp_failed", &vl)))
		trace_parse_u64(v, vl, false, &ev->nr[3]);
	if ((v = trace_field(&f->tf, 4, "nr_thp_split", &vl)))
		trace_parse_u64(v, vl, false, &ev->nr[4]);
}

static void read_migrate_start(struct fields *f, struct trace_event *ev)
{
	uint32_t vl;

	need(f, "mode", 0, &vl);
	need(f, "reason", 1, &vl);
}

/* compaction:*: two of them carry counts */
static void read_compaction(struct fields *f, struct trace_event *ev)
{
	const struct trace_line *tl = f->tl;
	uint32_t vl;

	if (tl->name_len == 34 && !memcmp(tl->name, "mm_compaction_isolate_migratepages", 34)) {
		need(f, "range", 0, &vl);
		num(f, "nr_scanned", 1, false);
		ev->nr[0] = num(f, "nr_taken", 2, false);
		if (f->err)
			ev->nr[0] = 0;
	} else if (tl->name_len == 26 && !memcmp(tl->name, "mm_compaction_migratepages", 26)) {
		ev->nr[1] = num(f, "nr_migrated", 0, false);
		ev->nr[2] = num(f, "nr_failed", 1, false);
	}
}

/* v4.1..v5.12: "pfn=%lx page=%p count=%u align=%u", pfn in hex without 0x */
static void read_cma_alloc(struct fields *f, struct trace_event *ev)
{
	uint32_t pl;
	const char *page;

	ev->pfn = num(f, "pfn", 0, true);
	page = need(f, "page", 1, &pl);
	ev->count = num(f, "count", 2, false);
	num(f, "align", 3, false);
	if (!f->err)
		ev->failed = is_null_ptr(page, pl);
}

static void read_cma_alloc_finish(struct fields *f, struct trace_event *ev)
{
	int64_t errno_v = 0;
	uint32_t pl, vl;
	const char *page, *v;

	ev->area = need(f, "name", 0, &ev->area_len);
	ev->pfn = num(f, "pfn", 1, true);
	page = need(f, "page", 2, &pl);
	ev->count = num(f, "count", 3, false);
	num(f, "align", 4, false);
	if ((v = trace_field(&f->tf, 5, "errorno", &vl)) && trace_parse_s64(v, vl, &errno_v))
		bad(f, "errorno=%.*s is not a number", (int)vl, v);
	if (!f->err)
		ev->failed = is_null_ptr(page, pl) || errno_v;
}

static void read_cma_alloc_start(struct fields *f, struct trace_event *ev)
{
	uint32_t vl;

	need(f, "name", 0, &vl);
	if (!trace_field(&f->tf, 1, "count", &vl))
		num(f, "request_count", 1, false);
	num(f, "align", f->tf.n ? f->tf.n - 1 : 0, false);
}

static void read_cma_busy_retry(struct fields *f, struct trace_event *ev)
{
	uint32_t vl;

	need(f, "name", 0, &vl);
	num(f, "pfn", 1, true);
	need(f, "page", 2, &vl);
	num(f, "count", 3, false);
}

/* both forms: with name= (v5.13+) and without */
static void read_cma_release(struct fields *f, struct trace_event *ev)
{
	uint32_t vl;
	unsigned named = trace_field(&f->tf, 0, "name", &vl) != NULL;

	ev->pfn = num(f, "pfn", named, true);
	need(f, "page", 1 + named, &vl);
	ev->count = num(f, "count", 2 + named, false);
}

static void read_test_isolated(struct fields *f, struct trace_event *ev)
{
	uint32_t vl;
	const char *v;

	num(f, "start_pfn", 0, false);
	num(f, "end_pfn", 1, false);
	num(f, "fin_pfn", 2, false);
	v = need(f, "ret", 3, &vl);
	if (!f->err && !(vl == 7 && !memcmp(v, "success", 7)) && !(vl == 4 && !memcmp(v, "fail", 4)))
		bad(f, "ret=%.*s is neither success nor fail", (int)vl, v);
	ev->failed = !f->err && vl == 4;
}

static void (*const readers[EV_NR_IDS])(struct fields *f, struct trace_event *ev) = {
	[EV_PAGE_ALLOC] = read_page_alloc,
	[EV_PAGE_FREE] = read_page_free,
	[EV_PAGE_FREE_BATCHED] = read_page_free,
	[EV_ALLOC_ZONE_LOCKED] = read_page_counted,
	[EV_PCPU_DRAIN] = read_page_counted,
	[EV_EXTFRAG] = read_extfrag,
	[EV_CONTIG_INFO] = read_contig_info,
	[EV_MIGRATE] = read_migrate,
	[EV_MIGRATE_START] = read_migrate_start,
	[EV_COMPACTION] = read_compaction,
	[EV_CMA_ALLOC] = read_cma_alloc,
	[EV_CMA_RELEASE] = read_cma_release,
	[EV_CMA_ALLOC_START] = read_cma_alloc_start,
	[EV_CMA_ALLOC_FINISH] = read_cma_alloc_finish,
	[EV_CMA_BUSY_RETRY] = read_cma_busy_retry,
	[EV_TEST_ISOLATED] = read_test_isolated,
};

/* Read the fields of an event pfnlab knows into @ev; 0 or -EINVAL (message set). */
static int read_fields(struct event_parser *ep, enum trace_event_id id, const struct trace_line *tl,
		       struct trace_event *ev)
{
	struct fields f;
	size_t n = tl->name_len < NAME_MAX_LEN ? tl->name_len : NAME_MAX_LEN - 1;

	if ((id == EV_PAGE_ALLOC || id == EV_PAGE_FREE || id == EV_PAGE_FREE_BATCHED) && ep->era >= 0 &&
	    fast_page_event(ep, id, tl, ev))
		return 0;
	f.ep = ep;
	f.tl = tl;
	f.err = 0;
	memcpy(f.ev, tl->name, n);
	f.ev[n] = '\0';
	if (trace_split_fields(tl->fields, tl->fields_len, &f.tf))
		return line_error(ep, "%s: fields are not key=value pairs", f.ev);
	*ev = (struct trace_event){.line = TL_EVENT, .id = id, .has_flags = ev->has_flags};
	readers[id](&f, ev);
	return f.err;
}

/*
 * The look-ahead's split of each event line it hands out again, so that
 * the replay splits every line once: offsets into the line, which may have
 * moved in the stream's buffer since.  A line whose length differs, or
 * that was no event, is split again.
 */
struct trace_memo_ent {
	uint32_t n;               /* the line's length; UINT32_MAX: not kept */
	uint32_t name_off, fields_off;
	uint16_t name_len;
	uint8_t id;               /* enum trace_event_id */
	bool has_flags;
};

struct trace_memo {
	uint64_t first_no;        /* the line of e[0] */
	size_t nr, cap;
	struct trace_memo_ent e[];
};

/* Keep the split @tl (@kind) of the current line of @l, the next one the memo holds. */
static void memo_keep(struct input_lines *l, enum trace_line_kind kind, const struct trace_line *tl)
{
	struct trace_memo *mo = l->memo;
	struct trace_memo_ent *e;

	if (!mo || mo->nr == mo->cap || l->no != mo->first_no + mo->nr)
		return;
	e = &mo->e[mo->nr++];
	e->n = UINT32_MAX;
	if (kind != TL_EVENT || l->n >= UINT32_MAX || tl->name_len > UINT16_MAX)
		return;
	e->n = (uint32_t)l->n;
	e->name_off = (uint32_t)(tl->name - l->s);
	e->name_len = (uint16_t)tl->name_len;
	e->fields_off = (uint32_t)(tl->fields - l->s);
	e->id = (uint8_t)tl->id;
	e->has_flags = tl->has_flags;
}

/* The current line of @l split: from the memo, or by trace_split_line(). */
static enum trace_line_kind split_current(const struct input_lines *l, struct trace_line *tl)
{
	const struct trace_memo *mo = l->memo;
	const struct trace_memo_ent *e;

	if (!mo || l->no < mo->first_no || l->no - mo->first_no >= mo->nr)
		return trace_split_line(l->s, l->n, tl);
	e = &mo->e[l->no - mo->first_no];
	if (e->n != l->n)
		return trace_split_line(l->s, l->n, tl);
	tl->name = l->s + e->name_off;
	tl->name_len = e->name_len;
	tl->id = (enum trace_event_id)e->id;
	tl->fields = l->s + e->fields_off;
	tl->fields_len = l->n - e->fields_off;
	tl->has_flags = e->has_flags;
	return TL_EVENT;
}

int event_parse(struct event_parser *ep, const struct input_lines *l, struct trace_event *ev, char *why,
		size_t wlen)
{
	struct trace_line tl;
	struct name_ent *e;
	enum trace_event_id id;
	int err;

	ev->line = split_current(l, &tl);
	if (ev->line == TL_LOST) {
		ev->lost = tl.lost;
		ev->lost_unknown = tl.lost_unknown;
		return 0;
	}
	if (ev->line == TL_SKIP) {
		const char *q = l->s, *end = l->s + l->n;

		ev->header = ev->trace_cmd = false;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(end - q) >= 9 && !memcmp(q, "# tracer:", 9))
			ev->header = true;
		if ((size_t)(end - q) >= 5 && !memcmp(q, "cpus=", 5))
			ev->header = ev->trace_cmd = true;
		return 0;
	}
	ep->l = l;
	ep->why = why;
	ep->wlen = wlen;
	id = tl.id;
	e = name_entry(ep, tl.name, tl.name_len, id);
	ev->id = EV_UNKNOWN;
	ev->has_flags = tl.has_flags;
	err = id == EV_UNKNOWN ? 0 : read_fields(ep, id, &tl, ev);
	if (err)
		return err;
	if (e)
		e->count++;
	else
		ep->other_names++;
	return 0;
}

int event_parser_create(struct event_parser **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->era = -1;
	return 0;
}

void event_parser_destroy(struct event_parser *ep)
{
	free(ep);
}

int event_parser_era(const struct event_parser *ep)
{
	return ep->era;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(((const struct trace_event_count *)a)->name, ((const struct trace_event_count *)b)->name);
}

unsigned event_parser_names(const struct event_parser *ep, struct trace_event_count *out, uint64_t *other)
{
	unsigned n = 0;

	for (unsigned i = 0; i < NAME_SLOTS; i++)
		if (ep->names[i].used && ep->names[i].count)
			out[n++] = (struct trace_event_count){ep->names[i].name, ep->names[i].count};
	qsort(out, n, sizeof(out[0]), cmp_names);
	*other = ep->other_names;
	return n;
}

/* ---- look-ahead ---- */

/*
 * The PFNs a kmem or cma event line names, for the look-ahead: the first
 * and how many, and the era of a kmem pfn= (-1 for cma's hex without
 * "0x").  False when the line names none.
 */
static bool event_pfns(const struct trace_line *tl, uint64_t *pfn, uint64_t *count, int *era)
{
	enum trace_event_id id = tl->id;
	bool hex = id >= EV_CMA_ALLOC && id <= EV_CMA_BUSY_RETRY;
	struct trace_fields tf;
	struct page_fields pf;
	uint64_t order;
	uint32_t vl;
	const char *v;

	/* (a page= value opening with '(' runs to its ')' in the generic split) */
	if ((id == EV_PAGE_ALLOC || id == EV_PAGE_FREE || id == EV_PAGE_FREE_BATCHED) && page_fields(id, tl, &pf) &&
	    (pf.page[0] != '(' || memchr(pf.page, ')', pf.page_len))) {
		*pfn = pf.pfn;
		*count = 1ull << pf.order;
		*era = pfn_era(pf.pfn_v, pf.pfn_len);
		return true;
	}
	if (id == EV_UNKNOWN || id == EV_COMPACTION || id == EV_TEST_ISOLATED || id == EV_CONTIG_INFO ||
	    id == EV_MIGRATE || id == EV_MIGRATE_START || trace_split_fields(tl->fields, tl->fields_len, &tf) ||
	    !(v = trace_field(&tf, 1, "pfn", &vl)) || trace_parse_u64(v, vl, hex, pfn))
		return false;
	*era = hex ? -1 : pfn_era(v, vl);
	*count = 1;
	if ((v = trace_field(&tf, 2, "order", &vl)) && !trace_parse_u64(v, vl, false, &order) && order < MAX_ORDERS)
		*count = 1ull << order;
	if (hex && (v = trace_field(&tf, 2, "count", &vl)))
		trace_parse_u64(v, vl, false, count);
	return true;
}

/* What the current line of @l says about the machine a trace needs; its split kept in the memo. */
static void prescan_line(struct input_lines *l, struct trace_prescan *ps)
{
	struct trace_line tl;
	enum trace_line_kind kind = trace_split_line(l->s, l->n, &tl);
	uint64_t pfn, count;
	int era;

	memo_keep(l, kind, &tl);
	if (kind != TL_EVENT || !event_pfns(&tl, &pfn, &count, &era))
		return;
	if (era >= 0 && ps->era < 0)
		ps->era = era;
	if (!count)
		return;
	if (pfn >= TRACE_PFN_LIMIT || count > TRACE_PFN_LIMIT - pfn) {
		ps->beyond++; /* a failed cma_alloc's pfn=ffffffffffffffff, or no PFN any machine has */
		return;
	}
	if (pfn + count - 1 > ps->max_pfn || !ps->any_pfn) {
		ps->max_pfn = pfn + count - 1;
		ps->max_line = l->no;
	}
	ps->any_pfn = true;
}

/* trace_lookahead(), keeping the lines' splits for the replay when @memo */
static int lookahead(struct input_lines *l, bool want_size, size_t window, bool memo, struct trace_prescan *ps)
{
	size_t cap = window / 32 + 1;

	*ps = (struct trace_prescan){.era = -1};
	free(l->memo);
	/* (a memo that cannot be had costs a second split of each line) */
	l->memo = memo ? malloc(sizeof(*l->memo) + cap * sizeof(l->memo->e[0])) : NULL;
	if (l->memo)
		*l->memo = (struct trace_memo){.first_no = l->no + 1, .cap = cap};
	input_lines_hold(l, window);
	while (input_lines_next(l)) {
		prescan_line(l, ps);
		if (!want_size && ps->era >= 0)
			break;
	}
	if (l->err == -ENOSPC && l->src && input_stream_seekable(l->src)) {
		/* a file: read it all, then start it again (read anew: no memo) */
		free(l->memo);
		l->memo = NULL;
		input_lines_release(l);
		while (input_lines_next(l))
			prescan_line(l, ps);
		return input_lines_restart(l);
	}
	ps->partial = l->err == -ENOSPC;
	input_lines_rewind(l);
	return 0;
}

int trace_lookahead(struct input_lines *l, bool want_size, size_t window, struct trace_prescan *ps)
{
	return lookahead(l, want_size, window, true, ps);
}

void trace_prescan(const char *text, size_t len, struct trace_prescan *ps)
{
	struct input_lines l;

	input_lines_init(&l, "", text, len);
	lookahead(&l, true, len, false, ps);
}
