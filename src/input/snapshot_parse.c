/*
 * snapshot_parse.c - the text of /proc/buddyinfo, /proc/pagetypeinfo,
 * /proc/zoneinfo and the "System RAM" lines of /proc/iomem, read back.
 *
 * Reads the layouts mm/vmstat.c prints (frag_show_print(),
 * pagetypeinfo_showfree_print(), pagetypeinfo_showblockcount_print(),
 * zoneinfo_show_print()) in the v4.2 and the current forms, and checks
 * that the files describe one machine: the same zones in the same order,
 * the same number of orders, zone spans in order.  Every error names the
 * file and the line.  buddyinfo's free blocks per order equal the sum of
 * pagetypeinfo's when both were read at one moment; a live /proc read file
 * after file differs by a block or two, and then pagetypeinfo wins (unless
 * strict).
 *
 * Simplified: one NUMA node (node 0); pagetypeinfo's page_owner section
 * ("Number of mixed blocks") is skipped; zoneinfo is read only for spans,
 * present, managed, free pages, watermarks and protection.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "input.h"

static int bad(char *why, size_t len, const struct input_lines *l, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int bad(char *why, size_t len, const struct input_lines *l, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_why(why, len, "%s:%llu: %s", l->name, (unsigned long long)l->no, msg);
	return -EINVAL;
}

/* Word scanning within a line. */
struct words {
	const char *p, *end;
};

static bool word(struct words *w, const char **s, size_t *n)
{
	while (w->p < w->end && (*w->p == ' ' || *w->p == '\t'))
		w->p++;
	if (w->p == w->end)
		return false;
	*s = w->p;
	while (w->p < w->end && *w->p != ' ' && *w->p != '\t')
		w->p++;
	*n = (size_t)(w->p - *s);
	return true;
}

static bool word_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(s, lit, n);
}

static bool parse_dec(const char *s, size_t n, uint64_t *v)
{
	return n && !trace_parse_u64(s, n, false, v) && !(n > 1 && s[1] == 'x');
}

/* The next line that is not blank, and a cursor over its words. */
static bool next_content(struct input_lines *l, struct words *w)
{
	while (input_lines_next(l)) {
		size_t i = 0;

		while (i < l->n && (l->s[i] == ' ' || l->s[i] == '\t'))
			i++;
		if (i < l->n) {
			*w = (struct words){l->s, l->s + l->n};
			return true;
		}
	}
	return false;
}

static int zone_type_of(const char *s, size_t n)
{
	static const char *const names[PFNLAB_NR_ZONES] = {"DMA", "DMA32", "Normal", "Movable"};

	for (int t = 0; t < PFNLAB_NR_ZONES; t++)
		if (word_is(s, n, names[t]))
			return t;
	return -1;
}

/*
 * "Node N, zone NAME" at the start of a line; *rest points after NAME
 * (and after ", type" for pagetypeinfo's free rows when @typed).
 */
static int node_zone(char *why, size_t len, const struct input_lines *l, struct words *w, char name[16])
{
	const char *s;
	size_t n;
	uint64_t node;

	if (!word(w, &s, &n) || !word_is(s, n, "Node"))
		return bad(why, len, l, "expected \"Node N, zone NAME\"");
	if (!word(w, &s, &n) || n < 2 || s[n - 1] != ',' || !parse_dec(s, n - 1, &node))
		return bad(why, len, l, "expected a node number followed by ','");
	if (node != 0)
		return bad(why, len, l, "node %llu: pfnlab models one NUMA node (node 0)", (unsigned long long)node);
	if (!word(w, &s, &n) || !word_is(s, n, "zone"))
		return bad(why, len, l, "expected \"zone\" after the node");
	if (!word(w, &s, &n))
		return bad(why, len, l, "no zone name");
	if (n && s[n - 1] == ',')
		n--;
	if (n >= 16)
		return bad(why, len, l, "zone name too long");
	memcpy(name, s, n);
	name[n] = '\0';
	return 0;
}

/* The zone of @s called @name: found, or appended (in file order). */
static struct snap_zone *zone_named(struct snapshot *s, const char *name, bool add, const struct input_lines *l,
				    char *why, size_t len, int *err)
{
	int t;

	for (unsigned i = 0; i < s->nr_zones; i++)
		if (strcmp(s->zones[i].name, name) == 0)
			return &s->zones[i];
	if (!add) {
		*err = bad(why, len, l, "zone %s is not in the other files (snapshots of different machines?)", name);
		return NULL;
	}
	t = zone_type_of(name, strlen(name));
	if (t < 0) {
		*err = bad(why, len, l, "zone %s is not one pfnlab models (DMA, DMA32, Normal, Movable)", name);
		return NULL;
	}
	if (s->nr_zones && s->zones[s->nr_zones - 1].type >= t) {
		*err = bad(why, len, l, "zone %s out of order", name);
		return NULL;
	}
	if (s->nr_zones == SNAP_MAX_ZONES) {
		*err = bad(why, len, l, "too many zones");
		return NULL;
	}
	struct snap_zone *z = &s->zones[s->nr_zones++];

	memset(z, 0, sizeof(*z));
	snprintf(z->name, sizeof(z->name), "%s", name);
	z->type = t;
	snprintf(z->where, sizeof(z->where), "%s:%llu", l->name, (unsigned long long)l->no);
	return z;
}

/* Per-order counts to the end of the line: "%6lu " each, ">100000" when capped. */
static int counts(char *why, size_t len, const struct input_lines *l, struct words *w, uint64_t *v, bool *capped,
		  unsigned *n)
{
	const char *s;
	size_t k;

	*n = 0;
	while (word(w, &s, &k)) {
		bool cap = k && s[0] == '>';

		if (*n == MAX_ORDERS)
			return bad(why, len, l, "more than %d orders", MAX_ORDERS);
		if (!parse_dec(s + cap, k - cap, &v[*n]))
			return bad(why, len, l, "'%.*s' is not a count", (int)k, s);
		if (v[*n] >= 1ull << 32)
			return bad(why, len, l, "%llu: more than a 32-bit PFN machine can have", (unsigned long long)v[*n]);
		if (cap && !capped)
			return bad(why, len, l, "'%.*s': a capped count where none can be", (int)k, s);
		if (capped)
			capped[*n] = cap;
		(*n)++;
	}
	return 0;
}

static int set_orders(struct snapshot *s, unsigned n, const struct input_lines *l, char *why, size_t len)
{
	if (!n)
		return bad(why, len, l, "no counts");
	if (s->nr_orders && s->nr_orders != n)
		return bad(why, len, l, "%u orders here, %u elsewhere (files from different kernels?)", n, s->nr_orders);
	s->nr_orders = n;
	return 0;
}

static int parse_buddyinfo(const struct snapshot_text *t, struct snapshot *s, char *why, size_t len)
{
	struct input_lines l;
	struct words w;
	int err = 0;

	input_lines_init(&l, t->name, t->data, t->len);
	while (next_content(&l, &w)) {
		struct snap_zone *z;
		char name[16];
		unsigned n;

		if ((err = node_zone(why, len, &l, &w, name)))
			return err;
		if (!(z = zone_named(s, name, true, &l, why, len, &err)))
			return err;
		if (z->have_buddy)
			return bad(why, len, &l, "zone %s twice", name);
		if ((err = counts(why, len, &l, &w, z->buddy, NULL, &n)) || (err = set_orders(s, n, &l, why, len)))
			return err;
		z->have_buddy = true;
	}
	if (!s->nr_zones)
		return set_why(why, len, "%s: no zones (empty or not /proc/buddyinfo)", t->name), -EINVAL;
	s->have_buddyinfo = true;
	return 0;
}

/* A migrate type name of pagetypeinfo: model index, and the era it shows (-1 either). */
static int mt_of(const char *s, size_t n, int *era)
{
	static const struct {
		const char *name;
		int mt, era;
	} t[] = {
		{"Unmovable", PFNLAB_MT_UNMOVABLE, -1}, {"Movable", PFNLAB_MT_MOVABLE, -1},
		{"Reclaimable", PFNLAB_MT_RECLAIMABLE, -1}, {"HighAtomic", PFNLAB_MT_HIGHATOMIC, PFNLAB_ERA_CURRENT},
		{"Reserve", PFNLAB_MT_HIGHATOMIC, PFNLAB_ERA_2015}, {"CMA", PFNLAB_MT_CMA, -1},
		{"Isolate", PFNLAB_MT_ISOLATE, -1},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (word_is(s, n, t[i].name)) {
			*era = t[i].era;
			return t[i].mt;
		}
	return -1;
}

static int note_era(struct snapshot *s, int era, const struct input_lines *l, char *why, size_t len)
{
	if (era < 0)
		return 0;
	if (s->era >= 0 && s->era != era)
		return bad(why, len, l, "HighAtomic and Reserve types in one file");
	s->era = era;
	return 0;
}

static int parse_pagetypeinfo(const struct snapshot_text *t, struct snapshot *s, char *why, size_t len)
{
	enum { HEAD, FREE, BLOCKS, MIXED } state = HEAD;
	int header_mt[PFNLAB_MT_TYPES], nheader = 0, err = 0;
	uint64_t per_block = 0;
	bool have_pb = false, have_per = false;
	struct input_lines l;
	struct words w;

	input_lines_init(&l, t->name, t->data, t->len);
	while (next_content(&l, &w)) {
		const char *x;
		size_t k;
		uint64_t v;

		if (l.n >= 17 && !memcmp(l.s, "Page block order:", 17)) {
			w.p = l.s + 17;
			if (!word(&w, &x, &k) || !parse_dec(x, k, &v) || v >= MAX_ORDERS)
				return bad(why, len, &l, "bad pageblock order");
			s->pb_order = (unsigned)v;
			have_pb = true;
			continue;
		}
		if (l.n >= 16 && !memcmp(l.s, "Pages per block:", 16)) {
			w.p = l.s + 16;
			if (!word(&w, &x, &k) || !parse_dec(x, k, &per_block))
				return bad(why, len, &l, "bad pages per block");
			have_per = true;
			continue;
		}
		if (l.n >= 42 && !memcmp(l.s, "Free pages count per migrate type at order", 42)) {
			uint64_t cols[MAX_ORDERS];
			unsigned n;

			w.p = l.s + 42;
			if ((err = counts(why, len, &l, &w, cols, NULL, &n)) || (err = set_orders(s, n, &l, why, len)))
				return err;
			for (unsigned o = 0; o < n; o++)
				if (cols[o] != o)
					return bad(why, len, &l, "order columns are not 0, 1, 2, ...");
			state = FREE;
			continue;
		}
		if (l.n >= 22 && !memcmp(l.s, "Number of blocks type", 21)) {
			w.p = l.s + 21;
			nheader = 0;
			while (word(&w, &x, &k)) {
				int era, mt = mt_of(x, k, &era);

				if (mt < 0)
					return bad(why, len, &l, "unknown migrate type '%.*s'", (int)k, x);
				if (nheader == PFNLAB_MT_TYPES || (err = note_era(s, era, &l, why, len)))
					return err ? err : bad(why, len, &l, "too many types");
				header_mt[nheader++] = mt;
				s->config_cma |= mt == PFNLAB_MT_CMA;
				s->have_isolate |= mt == PFNLAB_MT_ISOLATE;
			}
			state = BLOCKS;
			continue;
		}
		if (l.n >= 22 && !memcmp(l.s, "Number of mixed blocks", 22)) {
			state = MIXED; /* CONFIG_PAGE_OWNER: not modelled */
			continue;
		}
		if (state == MIXED)
			continue;
		if (state == HEAD)
			return bad(why, len, &l, "expected the pagetypeinfo header (Page block order, Free pages count ...)");
		{
			struct snap_zone *z;
			char name[16];
			unsigned n;

			if ((err = node_zone(why, len, &l, &w, name)))
				return err;
			if (!(z = zone_named(s, name, !s->have_buddyinfo, &l, why, len, &err)))
				return err;
			if (state == FREE) {
				int era, mt;
				uint64_t c[MAX_ORDERS];
				bool cap[MAX_ORDERS] = {0};

				if (!word(&w, &x, &k) || !word_is(x, k, "type") || !word(&w, &x, &k))
					return bad(why, len, &l, "expected \"type NAME\" after the zone");
				mt = mt_of(x, k, &era);
				if (mt < 0)
					return bad(why, len, &l, "unknown migrate type '%.*s'", (int)k, x);
				if ((err = note_era(s, era, &l, why, len)))
					return err;
				if ((err = counts(why, len, &l, &w, c, cap, &n)) || (err = set_orders(s, n, &l, why, len)))
					return err;
				for (unsigned o = 0; o < n; o++) {
					z->nfree[mt][o] = c[o];
					z->capped[mt][o] = cap[o];
					if (cap[o] && c[o] != 100000)
						return bad(why, len, &l, "a capped count is always >100000");
				}
				z->have_types = true;
			} else {
				uint64_t c[MAX_ORDERS];

				if ((err = counts(why, len, &l, &w, c, NULL, &n)))
					return err;
				if ((int)n != nheader)
					return bad(why, len, &l, "%u pageblock counts for %d types", n, nheader);
				if (z->have_blocks)
					return bad(why, len, &l, "zone %s twice", name);
				for (unsigned i = 0; i < n; i++)
					z->blocks[header_mt[i]] = c[i];
				z->have_blocks = true;
			}
		}
	}
	if (!have_pb || !have_per)
		return set_why(why, len, "%s: no \"Page block order\"/\"Pages per block\" header (empty or truncated?)",
			       t->name), -EINVAL;
	if (per_block != 1ull << s->pb_order)
		return set_why(why, len, "%s: %llu pages per block for pageblock order %u", t->name,
			       (unsigned long long)per_block, s->pb_order), -EINVAL;
	if (!nheader)
		return set_why(why, len, "%s: no \"Number of blocks type\" section (truncated?)", t->name), -EINVAL;
	if (s->pb_order >= s->nr_orders)
		return set_why(why, len, "%s: pageblock order %u above the largest order %u", t->name, s->pb_order,
			       s->nr_orders - 1), -EINVAL;
	for (unsigned i = 0; i < s->nr_zones; i++) {
		const struct snap_zone *z = &s->zones[i];

		if (!z->have_types || !z->have_blocks)
			return set_why(why, len, "%s: zone %s lacks its %s (truncated?)", t->name, z->name,
				       z->have_types ? "pageblock counts" : "free counts"), -EINVAL;
	}
	s->have_pagetypeinfo = true;
	return 0;
}

/* "protection: (a, b, c)" */
static int parse_protection(const struct input_lines *l, const char *p, uint64_t *v, unsigned *n, char *why, size_t len)
{
	const char *end = l->s + l->n;

	*n = 0;
	while (p < end && *p != '(')
		p++;
	if (p == end)
		return bad(why, len, l, "protection without '('");
	p++;
	for (;;) {
		const char *q = p;

		while (q < end && *q >= '0' && *q <= '9')
			q++;
		if (q == p || *n == PFNLAB_NR_ZONES + 2)
			return bad(why, len, l, "bad protection list");
		trace_parse_u64(p, (size_t)(q - p), false, &v[(*n)++]);
		if (q < end && *q == ')')
			return 0;
		if (q + 1 >= end || q[0] != ',' || q[1] != ' ')
			return bad(why, len, l, "bad protection list");
		p = q + 2;
	}
}

static int parse_zoneinfo(const struct snapshot_text *t, struct snapshot *s, char *why, size_t len)
{
	struct input_lines l;
	struct words w;
	struct {
		char name[16];
		bool populated;
		uint64_t prot[PFNLAB_NR_ZONES + 2];
		unsigned nprot;
		struct snap_zone tmp;
		uint64_t line;
	} all[PFNLAB_NR_ZONES + 2];
	unsigned nall = 0;
	int err = 0;

	input_lines_init(&l, t->name, t->data, t->len);
	while (next_content(&l, &w)) {
		const char *x;
		size_t k;
		uint64_t v;

		if (l.n > 5 && !memcmp(l.s, "Node ", 5)) {
			char name[16];

			if ((err = node_zone(why, len, &l, &w, name)))
				return err;
			if (nall == PFNLAB_NR_ZONES + 2)
				return bad(why, len, &l, "too many zones");
			memset(&all[nall], 0, sizeof(all[nall]));
			snprintf(all[nall].name, sizeof(all[nall].name), "%s", name);
			all[nall].line = l.no;
			nall++;
			continue;
		}
		if (!nall)
			return bad(why, len, &l, "expected \"Node 0, zone NAME\" first (not /proc/zoneinfo?)");
		struct snap_zone *z = &all[nall - 1].tmp;

		if (!word(&w, &x, &k))
			continue;
		if (word_is(x, k, "pages")) {
			if (word(&w, &x, &k) && word_is(x, k, "free") && word(&w, &x, &k) && parse_dec(x, k, &v))
				z->free_pages = v;
			continue;
		}
		if (word_is(x, k, "protection:")) {
			if ((err = parse_protection(&l, x, all[nall - 1].prot, &all[nall - 1].nprot, why, len)))
				return err;
			continue;
		}
		if (word_is(x, k, "start_pfn:")) {
			if (!word(&w, &x, &k) || !parse_dec(x, k, &z->start))
				return bad(why, len, &l, "bad start_pfn");
			continue;
		}
		{
			static const char *const keys[] = {"min", "low", "high", "promo", "spanned", "present",
							   "managed", "boost"};
			for (int i = 0; i < 8; i++) {
				const char *y;
				size_t yk;

				if (!word_is(x, k, keys[i]))
					continue;
				if (!word(&w, &y, &yk) || !parse_dec(y, yk, &v))
					return bad(why, len, &l, "bad %s", keys[i]);
				if (w.p != w.end) {
					const char *z2;
					size_t zk;

					if (word(&w, &z2, &zk))
						break; /* a vmstat line that happens to start with the word */
				}
				if (i < 4) {
					z->wmark[i] = v;
					z->have_wmark[i] = true;
				} else if (i == 4) {
					z->spanned = v;
				} else if (i == 5) {
					z->present = v;
					all[nall - 1].populated = v > 0;
				} else if (i == 6) {
					z->managed = v;
				} else {
					z->boost = v;
				}
				break;
			}
		}
	}
	if (!nall)
		return set_why(why, len, "%s: no zones (empty or not /proc/zoneinfo)", t->name), -EINVAL;
	for (unsigned i = 0; i < nall; i++) {
		struct snap_zone *z;

		if (!all[i].populated)
			continue;
		l.no = all[i].line;
		if (!(z = zone_named(s, all[i].name, !s->have_buddyinfo && !s->have_pagetypeinfo, &l, why, len, &err)))
			return err;
		z->have_zoneinfo = true;
		z->start = all[i].tmp.start;
		z->spanned = all[i].tmp.spanned;
		z->present = all[i].tmp.present;
		z->managed = all[i].tmp.managed;
		z->free_pages = all[i].tmp.free_pages;
		memcpy(z->wmark, all[i].tmp.wmark, sizeof(z->wmark));
		memcpy(z->have_wmark, all[i].tmp.have_wmark, sizeof(z->have_wmark));
		z->boost = all[i].tmp.boost;
		/* min, low and high are printed with the boost added: none can be below it */
		for (int k = 0; k < NR_WMARK; k++)
			if (z->have_wmark[k] && z->wmark[k] < z->boost)
				return bad(why, len, &l, "zone %s: boost %llu is above a watermark printed with it (%llu)",
					   all[i].name, (unsigned long long)z->boost, (unsigned long long)z->wmark[k]);
		if (all[i].nprot == nall) {
			for (unsigned j = 0; j < nall; j++) {
				int ty = zone_type_of(all[j].name, strlen(all[j].name));

				if (ty >= 0)
					z->protection[ty] = all[i].prot[j];
			}
			z->have_protection = true;
		}
		if (z->start >= 1ull << 40 || z->spanned >= 1ull << 40)
			return bad(why, len, &l, "zone %s: start_pfn %llu, spanned %llu are beyond any machine", z->name,
				   (unsigned long long)z->start, (unsigned long long)z->spanned);
		if (!z->spanned || z->present > z->spanned || z->managed > z->present)
			return bad(why, len, &l, "zone %s: spanned %llu, present %llu, managed %llu do not fit",
				   z->name, (unsigned long long)z->spanned, (unsigned long long)z->present,
				   (unsigned long long)z->managed);
	}
	for (unsigned i = 0; i < s->nr_zones; i++) {
		const struct snap_zone *z = &s->zones[i];

		if (!z->have_zoneinfo)
			return set_why(why, len, "%s: zone %s (%s) is not populated here (files from different moments?)",
				       t->name, z->name, z->where), -EINVAL;
		if (i && z->start < s->zones[i - 1].start + s->zones[i - 1].spanned)
			return set_why(why, len, "%s: zone %s overlaps zone %s", t->name, z->name,
				       s->zones[i - 1].name), -EINVAL;
	}
	s->have_zoneinfo = true;
	return 0;
}

/*
 * The top-level "System RAM" lines.  Read without CAP_SYS_ADMIN every
 * address shows as 0 (iomem_show() hides them, kernel/resource.c): such a
 * file says nothing about RAM and is ignored, however many lines it has.
 */
static int parse_iomem(const struct snapshot_text *t, struct snapshot *s, char *why, size_t len)
{
	struct input_lines l;
	struct words w;
	uint64_t zeroed = 0;

	input_lines_init(&l, t->name, t->data, t->len);
	while (next_content(&l, &w)) {
		const char *dash, *colon;
		uint64_t a, b;

		if (l.s[0] == ' ')
			continue; /* nested resources */
		dash = memchr(l.s, '-', l.n);
		colon = memchr(l.s, ':', l.n);
		if (!dash || !colon || colon < dash)
			return bad(why, len, &l, "expected \"start-end : name\"");
		if ((size_t)(l.s + l.n - colon) < 12 || memcmp(colon + 2, "System RAM", 10))
			continue;
		{
			const char *e = dash + 1;

			while (e < colon && *e != ' ')
				e++;
			if (trace_parse_u64(l.s, (size_t)(dash - l.s), true, &a) ||
			    trace_parse_u64(dash + 1, (size_t)(e - dash - 1), true, &b) || b < a)
				return bad(why, len, &l, "bad address range");
		}
		if (!a && !b) {
			zeroed = zeroed ? zeroed : l.no;
			continue;
		}
		if (zeroed)
			return bad(why, len, &l, "real addresses after zeroed ones (line %llu): iomem read partly as root?",
				   (unsigned long long)zeroed);
		if (s->nr_ram == SNAP_MAX_RAM)
			return bad(why, len, &l, "more than %d System RAM ranges", SNAP_MAX_RAM);
		if (s->nr_ram && a <= s->ram_end[s->nr_ram - 1])
			return bad(why, len, &l, "System RAM ranges out of order");
		s->ram_start[s->nr_ram] = a;
		s->ram_end[s->nr_ram++] = b + 1;
	}
	if (zeroed && s->nr_ram) {
		l.no = zeroed;
		return bad(why, len, &l, "zeroed addresses after real ones: iomem read partly as root?");
	}
	s->have_iomem = s->nr_ram > 0;
	return 0;
}

/*
 * buddyinfo and pagetypeinfo say the same, order by order, when read at
 * one moment.  A live /proc is read file by file while pages come and go,
 * so they may differ by a few blocks: then pagetypeinfo, the finer of the
 * two, wins and the difference is kept (buddy_delta); @strict refuses it.
 */
static int cross_check(struct snapshot *s, const struct snapshot_files *f, bool strict, char *why, size_t len)
{
	for (unsigned i = 0; i < s->nr_zones; i++) {
		struct snap_zone *z = &s->zones[i];

		if (s->have_buddyinfo && !z->have_buddy)
			return set_why(why, len, "%s: zone %s (%s) is missing (files from different moments?)",
				       f->buddyinfo.name, z->name, z->where), -EINVAL;
		if (!s->have_buddyinfo || !s->have_pagetypeinfo)
			continue;
		for (unsigned o = 0; o < s->nr_orders; o++) {
			uint64_t sum = 0;
			int ncap = 0, capmt = -1;

			for (int t = 0; t < PFNLAB_MT_TYPES; t++) {
				sum += z->nfree[t][o];
				if (z->capped[t][o]) {
					ncap++;
					capmt = t;
				}
			}
			if (ncap == 1 && z->buddy[o] >= sum) {
				z->nfree[capmt][o] += z->buddy[o] - sum; /* the exact count behind ">100000" */
				sum = z->buddy[o];
			}
			if (!(ncap ? sum > z->buddy[o] : sum != z->buddy[o]))
				continue;
			if (strict)
				return set_why(why, len,
					       "%s and %s disagree: zone %s order %u has %llu free blocks in one and %llu in the other (read at different moments?)",
					       f->buddyinfo.name, f->pagetypeinfo.name, z->name, o,
					       (unsigned long long)z->buddy[o], (unsigned long long)sum), -EAGAIN;
			z->buddy_delta[o] = (int64_t)z->buddy[o] - (int64_t)sum;
			s->blocks_disagree += (uint64_t)(z->buddy_delta[o] < 0 ? -z->buddy_delta[o] : z->buddy_delta[o]);
			z->buddy[o] = sum;
		}
	}
	return 0;
}

int snapshot_parse(const struct snapshot_files *f, bool strict, struct snapshot *s, char *why, size_t len)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->era = -1;
	if (!f->pagetypeinfo.data && !f->buddyinfo.data)
		return set_why(why, len, "%s: neither pagetypeinfo nor buddyinfo", f->pagetypeinfo.name), -ENOENT;
	if (f->buddyinfo.data && (err = parse_buddyinfo(&f->buddyinfo, s, why, len)))
		return err;
	if (f->pagetypeinfo.data && (err = parse_pagetypeinfo(&f->pagetypeinfo, s, why, len)))
		return err;
	if (f->zoneinfo.data && (err = parse_zoneinfo(&f->zoneinfo, s, why, len)))
		return err;
	if (f->iomem.data && (err = parse_iomem(&f->iomem, s, why, len)))
		return err;
	if (!s->nr_zones)
		return set_why(why, len, "%s: no populated zones", f->pagetypeinfo.name), -EINVAL;
	if (!s->have_pagetypeinfo) {
		/* buddyinfo alone: every free block Movable, every pageblock Movable (counted later) */
		for (unsigned i = 0; i < s->nr_zones; i++)
			memcpy(s->zones[i].nfree[PFNLAB_MT_MOVABLE], s->zones[i].buddy, sizeof(s->zones[i].buddy));
		s->have_isolate = true;
	}
	return cross_check(s, f, strict, why, len);
}
