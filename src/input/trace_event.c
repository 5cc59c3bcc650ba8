/*
 * trace_event.c - one line of a kernel trace read into a struct
 * trace_event: which event, and what its fields say in the model's terms.
 *
 * Reads the fields each event's TP_printk prints (include/trace/events/
 * kmem.h, migrate.h, compaction.h, cma.h, page_isolation.h), in the 2015
 * form (decimal pfn=, the old migrate-type numbers) and the current one
 * (hex pfn=); the era is learnt from the first pfn= that shows it, and a
 * trace that changes form is refused.  mm_page_alloc and mm_page_free, most
 * of a trace, are read by a fast path without the generic field split;
 * anything unusual goes to the generic path, which words the errors.
 * gfp_flags= strings are parsed once and remembered (a trace has few).
 * Event names are counted here, for the summary.
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

#define NAME_SLOTS (2 * TRACE_EVENT_NAMES)
#define NAME_MAX_LEN 64
#define GFP_SLOTS 256
#define GFP_MAX_LEN 192

struct name_ent {
	uint64_t count;
	uint32_t hash;
	uint16_t len;
	uint8_t id;          /* enum trace_event_id */
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
	struct name_ent *last_name; /* the name of the last event line, tried first */
	struct gfp_ent gfp[GFP_SLOTS];
	struct gfp_ent *last_gfp;  /* the mask of the last allocation, tried first */
	/* the line being read, for messages */
	const struct input_lines *l;
	char *why;
	size_t wlen;
};

static uint32_t fnv(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
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
	h = fnv(s, n);
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

/* The table entry of an event name, added on first sight; NULL when the table is full. */
static struct name_ent *name_entry(struct event_parser *ep, const char *name, size_t len)
{
	uint32_t h;

	if (ep->last_name && ep->last_name->len == len && !memcmp(ep->last_name->name, name, len))
		return ep->last_name;
	h = fnv(name, len);
	for (unsigned i = 0; i < NAME_SLOTS; i++) {
		struct name_ent *e = &ep->names[(h + i) & (NAME_SLOTS - 1)];

		if (e->used) {
			if (e->hash == h && e->len == len && !memcmp(e->name, name, len))
				return ep->last_name = e;
			continue;
		}
		if (len >= NAME_MAX_LEN || ep->nr_names >= NAME_SLOTS / 2)
			return NULL;
		e->used = true;
		e->hash = h;
		e->len = (uint16_t)len;
		memcpy(e->name, name, len);
		e->name[len] = '\0';
		e->id = (uint8_t)trace_event_lookup(name, len);
		ep->nr_names++;
		return ep->last_name = e;
	}
	return NULL;
}

/* Fields of a known event, with the hint of where each usually sits. */
struct want {
	const char *key;
	unsigned hint;
};

static const char *need(struct event_parser *ep, const struct trace_fields *tf, const char *ev, struct want w,
			uint32_t *vl, int *err)
{
	const char *v = trace_field(tf, w.hint, w.key, vl);

	if (!v && !*err)
		*err = line_error(ep, "%s: no %s= field", ev, w.key);
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

/* A number field; sets *err with a message when it is not one. */
static uint64_t num(struct event_parser *ep, const struct trace_fields *tf, const char *ev, struct want w,
		    bool hex, int *err)
{
	uint32_t vl;
	const char *v = need(ep, tf, ev, w, &vl, err);
	uint64_t x = 0;

	if (v && trace_parse_u64(v, vl, hex, &x) && !*err)
		*err = line_error(ep, "%s: %s=%.*s is not a number", ev, w.key, (int)vl, v);
	return x;
}

/* The pfn= field of a kmem event, noting the era its form shows. */
static uint64_t kmem_pfn(struct event_parser *ep, const struct trace_fields *tf, const char *ev, unsigned hint,
			 int *err)
{
	uint32_t vl;
	const char *v = need(ep, tf, ev, (struct want){"pfn", hint}, &vl, err);
	uint64_t x = 0;
	int era;

	if (!v)
		return 0;
	era = vl > 2 && v[0] == '0' && v[1] == 'x' ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
	if (trace_parse_u64(v, vl, false, &x)) {
		if (!*err)
			*err = line_error(ep, "%s: pfn=%.*s is not a number", ev, (int)vl, v);
		return 0;
	}
	if (x == 0 && vl == 1) {
		/* "pfn=0" of a failed allocation says nothing about the form */
	} else if (ep->era < 0) {
		ep->era = era;
	} else if (ep->era != era && !(era == PFNLAB_ERA_2015 && x == 0)) {
		if (!*err)
			*err = line_error(ep, "%s: pfn=%.*s is in the %s form, earlier events used the %s form (mixed traces?)",
					  ev, (int)vl, v, era == PFNLAB_ERA_2015 ? "2015 (decimal)" : "current (hex)",
					  ep->era == PFNLAB_ERA_2015 ? "2015 (decimal)" : "current (hex)");
	}
	return x;
}

static int order_of(struct event_parser *ep, const char *ev, uint64_t order, int *err)
{
	if (order >= MAX_ORDERS && !*err)
		*err = line_error(ep, "%s: order=%llu is beyond any kernel's largest order", ev,
				  (unsigned long long)order);
	return (int)order;
}

/* A decimal or "0x" hex number of at most 16 digits, inline for the hot path; false if it is not one. */
static inline bool fast_num(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (n > 2 && v[1] == 'x' && v[0] == '0') {
		if (n > 18)
			return false;
		for (size_t i = 2; i < n; i++) {
			unsigned c = (unsigned char)v[i], d = c - '0';

			if (d > 9) {
				d = (c | 0x20) - 'a';
				if (d > 5)
					return false;
				d += 10;
			}
			x = x << 4 | d;
		}
	} else {
		if (!n || n > 19)
			return false;
		for (size_t i = 0; i < n; i++) {
			unsigned d = (unsigned char)v[i] - '0';

			if (d > 9)
				return false;
			x = x * 10 + d;
		}
	}
	*out = x;
	return true;
}

/* "key=value" at @p (@key ends with '='): the value, and where the next field starts; NULL if not there. */
static inline const char *fast_kv(const char *p, const char *end, const char *key, size_t kl, const char **v,
				   size_t *vl)
{
	const char *sp;

	if ((size_t)(end - p) <= kl || __builtin_memcmp(p, key, kl))
		return NULL;
	*v = p + kl;
	for (sp = *v; sp < end && *sp != ' '; sp++)
		;
	*vl = (size_t)(sp - *v);
	while (sp < end && *sp == ' ')
		sp++;
	return sp;
}

#define FAST_KV(p, end, key, v, vl) fast_kv(p, end, key, sizeof(key) - 1, v, vl)

/*
 * mm_page_alloc and mm_page_free as their TP_printk prints them, read
 * without the generic field split: most of a trace.  Returns true when
 * the line was read into @ev; false sends it to the generic path, which
 * also words the errors.
 */
static bool fast_page_event(struct event_parser *ep, enum trace_event_id id, const struct trace_line *tl,
			    struct trace_event *ev)
{
	const char *p = tl->fields, *end = tl->fields + tl->fields_len, *page, *v;
	size_t pl, vl;
	uint64_t pfn, order, mt;
	int era;
	pfnlab_gfp_t gfp = 0;

	while (end > p && end[-1] == ' ')
		end--;
	if ((size_t)(end - p) < 6 || memcmp(p, "page=", 5))
		return false;
	page = p + 5;
	p = memchr(page, ' ', (size_t)(end - page));
	if (!p)
		return false;
	pl = (size_t)(p - page);
	while (p < end && *p == ' ')
		p++;
	if (!(p = FAST_KV(p, end, "pfn=", &v, &vl)))
		return false;
	era = vl > 2 && v[1] == 'x' ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
	if (!fast_num(v, vl, &pfn) || (ep->era != era && !(pfn == 0 && vl == 1)))
		return false;
	if (!(p = FAST_KV(p, end, "order=", &v, &vl)) || !fast_num(v, vl, &order) || order >= MAX_ORDERS)
		return false;
	if (id != EV_PAGE_ALLOC) {
		if (p != end)
			return false;
		ev->id = id;
		ev->pfn = pfn;
		ev->order = (unsigned)order;
		return true;
	}
	if (!(p = FAST_KV(p, end, "migratetype=", &v, &vl)) || !fast_num(v, vl, &mt) ||
	    mt >= PFNLAB_MT_TYPES || (size_t)(end - p) <= 10 || memcmp(p, "gfp_flags=", 10))
		return false;
	/* the mask runs to the end of the line (the last field) */
	v = p + 10;
	vl = (size_t)(end - v);
	if (memchr(v, ' ', vl) || parse_gfp(ep, v, vl, &gfp))
		return false;
	ev->id = id;
	ev->failed = pfn == 0 && is_null_ptr(page, pl);
	ev->pfn = pfn;
	ev->order = (unsigned)order;
	ev->mt = trace_mt(ep, mt);
	ev->gfp = gfp;
	return true;
}

/* Read the fields of one event of a known kind into @ev; 0 or -EINVAL (message set). */
static int read_fields(struct event_parser *ep, enum trace_event_id id, const struct trace_line *tl,
		       struct trace_event *ev)
{
	struct trace_fields tf;
	char evname[NAME_MAX_LEN];
	size_t evl = tl->name_len < NAME_MAX_LEN ? tl->name_len : NAME_MAX_LEN - 1;
	int err = 0;
	uint32_t vl;
	const char *v;

	if ((id == EV_PAGE_ALLOC || id == EV_PAGE_FREE || id == EV_PAGE_FREE_BATCHED) && ep->era >= 0 &&
	    fast_page_event(ep, id, tl, ev))
		return 0;
	memcpy(evname, tl->name, evl);
	evname[evl] = '\0';
	if (trace_split_fields(tl->fields, tl->fields_len, &tf))
		return line_error(ep, "%s: fields are not key=value pairs", evname);
	*ev = (struct trace_event){.line = TL_EVENT, .id = id, .has_flags = ev->has_flags};
	switch (id) {
	case EV_PAGE_ALLOC: {
		const char *page = need(ep, &tf, evname, (struct want){"page", 0}, &vl, &err);
		uint32_t pl = vl;
		uint64_t pfn = kmem_pfn(ep, &tf, evname, 1, &err);
		int order = order_of(ep, evname, num(ep, &tf, evname, (struct want){"order", 2}, false, &err), &err);
		uint64_t mt = num(ep, &tf, evname, (struct want){"migratetype", 3}, false, &err);

		v = need(ep, &tf, evname, (struct want){"gfp_flags", 4}, &vl, &err);
		if (v && !err && parse_gfp(ep, v, vl, &ev->gfp))
			err = line_error(ep, "%s: gfp_flags=%.*s has a name pfnlab does not know", evname, (int)vl, v);
		if (!err && mt >= PFNLAB_MT_TYPES)
			err = line_error(ep, "%s: migratetype=%llu is not a migrate type", evname, (unsigned long long)mt);
		if (err)
			return err;
		ev->failed = is_null_ptr(page, pl) && pfn == 0;
		ev->pfn = pfn;
		ev->order = (unsigned)order;
		ev->mt = trace_mt(ep, mt);
		return 0;
	}
	case EV_PAGE_FREE:
	case EV_PAGE_FREE_BATCHED:
		need(ep, &tf, evname, (struct want){"page", 0}, &vl, &err);
		ev->pfn = kmem_pfn(ep, &tf, evname, 1, &err);
		ev->order = (unsigned)order_of(ep, evname, num(ep, &tf, evname, (struct want){"order", 2}, false, &err), &err);
		return err;
	case EV_ALLOC_ZONE_LOCKED:
	case EV_PCPU_DRAIN:
		need(ep, &tf, evname, (struct want){"page", 0}, &vl, &err);
		kmem_pfn(ep, &tf, evname, 1, &err);
		ev->order = (unsigned)order_of(ep, evname, num(ep, &tf, evname, (struct want){"order", 2}, false, &err), &err);
		num(ep, &tf, evname, (struct want){"migratetype", 3}, false, &err);
		return err;
	case EV_EXTFRAG: {
		uint64_t amt, fmt;

		need(ep, &tf, evname, (struct want){"page", 0}, &vl, &err);
		ev->pfn = kmem_pfn(ep, &tf, evname, 1, &err);
		order_of(ep, evname, num(ep, &tf, evname, (struct want){"alloc_order", 2}, false, &err), &err);
		ev->order = (unsigned)order_of(ep, evname, num(ep, &tf, evname, (struct want){"fallback_order", 3}, false, &err),
					       &err);
		num(ep, &tf, evname, (struct want){"pageblock_order", 4}, false, &err);
		amt = num(ep, &tf, evname, (struct want){"alloc_migratetype", 5}, false, &err);
		fmt = num(ep, &tf, evname, (struct want){"fallback_migratetype", 6}, false, &err);
		ev->fragmenting = num(ep, &tf, evname, (struct want){"fragmenting", 7}, false, &err) != 0;
		ev->claimed = num(ep, &tf, evname, (struct want){"change_ownership", 8}, false, &err) != 0;
		if (!err && (amt >= PFNLAB_MT_TYPES || fmt >= PFNLAB_MT_TYPES))
			err = line_error(ep, "%s: a migratetype is not a migrate type", evname);
		ev->mt = trace_mt(ep, amt);
		ev->fallback_mt = trace_mt(ep, fmt);
		return err;
	}
	case EV_CONTIG_INFO: {
		uint64_t a, b, c, d;

		num(ep, &tf, evname, (struct want){"start", 0}, false, &err);
		num(ep, &tf, evname, (struct want){"end", 1}, false, &err);
		a = num(ep, &tf, evname, (struct want){"migratetype", 2}, false, &err);
		b = num(ep, &tf, evname, (struct want){"nr_migrated", 3}, false, &err);
		c = num(ep, &tf, evname, (struct want){"nr_reclaimed", 4}, false, &err);
		d = num(ep, &tf, evname, (struct want){"nr_mapped", 5}, false, &err);
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
		return err;
	}
	case EV_MIGRATE:
		ev->nr[0] = num(ep, &tf, evname, (struct want){"nr_succeeded", 0}, false, &err);
		ev->nr[1] = num(ep, &tf, evname, (struct want){"nr_failed", 1}, false, &err);
		need(ep, &tf, evname, (struct want){"mode", tf.n > 4 ? tf.n - 2 : 2}, &vl, &err);
		need(ep, &tf, evname, (struct want){"reason", tf.n > 4 ? tf.n - 1 : 3}, &vl, &err);
		/* the THP counts (v5.x+) are optional: one absent or unreadable counts 0 */
		if ((v = trace_field(&tf, 2, "nr_thp_succeeded", &vl)))
			trace_parse_u64(v, vl, false, &ev->nr[2]);
		if ((v = trace_field(&tf, 3, "nr_thp_failed", &vl)))
			trace_parse_u64(v, vl, false, &ev->nr[3]);
		if ((v = trace_field(&tf, 4, "nr_thp_split", &vl)))
			trace_parse_u64(v, vl, false, &ev->nr[4]);
		return err;
	case EV_MIGRATE_START:
		need(ep, &tf, evname, (struct want){"mode", 0}, &vl, &err);
		need(ep, &tf, evname, (struct want){"reason", 1}, &vl, &err);
		return err;
	case EV_COMPACTION:
		if (tl->name_len == 34 && !memcmp(tl->name, "mm_compaction_isolate_migratepages", 34)) {
			need(ep, &tf, evname, (struct want){"range", 0}, &vl, &err);
			num(ep, &tf, evname, (struct want){"nr_scanned", 1}, false, &err);
			ev->nr[0] = num(ep, &tf, evname, (struct want){"nr_taken", 2}, false, &err);
			if (err)
				ev->nr[0] = 0;
		} else if (tl->name_len == 26 && !memcmp(tl->name, "mm_compaction_migratepages", 26)) {
			ev->nr[1] = num(ep, &tf, evname, (struct want){"nr_migrated", 0}, false, &err);
			ev->nr[2] = num(ep, &tf, evname, (struct want){"nr_failed", 1}, false, &err);
		}
		return err;
	case EV_CMA_ALLOC: {
		/* v4.1..v5.12: "pfn=%lx page=%p count=%u align=%u", pfn in hex without 0x */
		const char *page;
		uint32_t pl;

		ev->pfn = num(ep, &tf, evname, (struct want){"pfn", 0}, true, &err);
		page = need(ep, &tf, evname, (struct want){"page", 1}, &pl, &err);
		ev->count = num(ep, &tf, evname, (struct want){"count", 2}, false, &err);
		num(ep, &tf, evname, (struct want){"align", 3}, false, &err);
		if (err)
			return err;
		ev->failed = is_null_ptr(page, pl);
		return 0;
	}
	case EV_CMA_ALLOC_FINISH: {
		int64_t errno_v = 0;
		const char *page;
		uint32_t pl;

		ev->area = need(ep, &tf, evname, (struct want){"name", 0}, &ev->area_len, &err);
		ev->pfn = num(ep, &tf, evname, (struct want){"pfn", 1}, true, &err);
		page = need(ep, &tf, evname, (struct want){"page", 2}, &pl, &err);
		ev->count = num(ep, &tf, evname, (struct want){"count", 3}, false, &err);
		num(ep, &tf, evname, (struct want){"align", 4}, false, &err);
		if ((v = trace_field(&tf, 5, "errorno", &vl)) && trace_parse_s64(v, vl, &errno_v) && !err)
			err = line_error(ep, "%s: errorno=%.*s is not a number", evname, (int)vl, v);
		if (err)
			return err;
		ev->failed = is_null_ptr(page, pl) || errno_v;
		return 0;
	}
	case EV_CMA_ALLOC_START:
		need(ep, &tf, evname, (struct want){"name", 0}, &vl, &err);
		if (!trace_field(&tf, 1, "count", &vl))
			num(ep, &tf, evname, (struct want){"request_count", 1}, false, &err);
		num(ep, &tf, evname, (struct want){"align", tf.n ? tf.n - 1 : 0}, false, &err);
		return err;
	case EV_CMA_BUSY_RETRY:
		need(ep, &tf, evname, (struct want){"name", 0}, &vl, &err);
		num(ep, &tf, evname, (struct want){"pfn", 1}, true, &err);
		need(ep, &tf, evname, (struct want){"page", 2}, &vl, &err);
		num(ep, &tf, evname, (struct want){"count", 3}, false, &err);
		return err;
	case EV_CMA_RELEASE: {
		bool named = trace_field(&tf, 0, "name", &vl) != NULL;

		ev->pfn = num(ep, &tf, evname, (struct want){"pfn", named}, true, &err);
		need(ep, &tf, evname, (struct want){"page", 1 + named}, &vl, &err);
		ev->count = num(ep, &tf, evname, (struct want){"count", 2 + named}, false, &err);
		return err;
	}
	case EV_TEST_ISOLATED:
		num(ep, &tf, evname, (struct want){"start_pfn", 0}, false, &err);
		num(ep, &tf, evname, (struct want){"end_pfn", 1}, false, &err);
		num(ep, &tf, evname, (struct want){"fin_pfn", 2}, false, &err);
		v = need(ep, &tf, evname, (struct want){"ret", 3}, &vl, &err);
		if (!err && !(vl == 7 && !memcmp(v, "success", 7)) && !(vl == 4 && !memcmp(v, "fail", 4)))
			err = line_error(ep, "%s: ret=%.*s is neither success nor fail", evname, (int)vl, v);
		ev->failed = !err && vl == 4;
		return err;
	default:
		return 0;
	}
}

int event_parse(struct event_parser *ep, const struct input_lines *l, struct trace_event *ev, char *why,
		size_t wlen)
{
	struct trace_line tl;
	struct name_ent *e;
	enum trace_event_id id;
	int err;

	ev->line = trace_split_line(l->s, l->n, &tl);
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
	e = name_entry(ep, tl.name, tl.name_len);
	id = e ? (enum trace_event_id)e->id : trace_event_lookup(tl.name, tl.name_len);
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

/* ---- prescan ---- */

/* What one line says about the machine a trace needs. */
static void prescan_line(const char *s, size_t n, struct trace_prescan *ps)
{
	struct trace_line tl;
	struct trace_fields tf;
	enum trace_event_id id;
	uint64_t pfn = 0, count = 1, order = 0;
	uint32_t vl;
	const char *v;
	bool hex;

	if (trace_split_line(s, n, &tl) != TL_EVENT)
		return;
	id = trace_event_lookup(tl.name, tl.name_len);
	hex = id >= EV_CMA_ALLOC && id <= EV_CMA_BUSY_RETRY;
	if (id == EV_UNKNOWN || id == EV_COMPACTION || id == EV_TEST_ISOLATED || id == EV_CONTIG_INFO ||
	    id == EV_MIGRATE || id == EV_MIGRATE_START || trace_split_fields(tl.fields, tl.fields_len, &tf) ||
	    !(v = trace_field(&tf, 1, "pfn", &vl)) || trace_parse_u64(v, vl, hex, &pfn))
		return;
	if (!hex && ps->era < 0)
		ps->era = vl > 2 && v[1] == 'x' ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
	if ((v = trace_field(&tf, 2, "order", &vl)) && !trace_parse_u64(v, vl, false, &order) && order < MAX_ORDERS)
		count = 1ull << order;
	if (hex && (v = trace_field(&tf, 2, "count", &vl)))
		trace_parse_u64(v, vl, false, &count);
	if (count && pfn + count - 1 > ps->max_pfn && pfn + count - 1 < (1ull << 40))
		ps->max_pfn = pfn + count - 1;
	ps->any_pfn = true;
}

void trace_prescan(const char *text, size_t len, struct trace_prescan *ps)
{
	struct input_lines l;

	*ps = (struct trace_prescan){.era = -1};
	input_lines_init(&l, "", text, len);
	while (input_lines_next(&l))
		prescan_line(l.s, l.n, ps);
}
