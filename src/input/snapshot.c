/*
 * snapshot.c - a model machine built to match what /proc said: the same
 * zones and spans, the same number of pageblocks of each migrate type per
 * zone, the same free blocks per zone, type and order, so that
 * /proc/buddyinfo and /proc/pagetypeinfo print back byte for byte.
 *
 * /proc says how many, never where.  Positions are chosen so that the
 * buddy allocator's invariants hold (no two free buddies it would have
 * merged), deterministically, top-down through the buddy tree of each
 * zone:
 *
 *   order K (max)   every aligned 2^K block of the zone: the highest clean
 *                   ones (all pages usable RAM) become the free order-K
 *                   blocks, the others are "in use somewhere"
 *   order o < K     each in-use block of order o+1 splits in halves: one
 *                   clean half may become a free block of order o (the
 *                   upper one, as expand() leaves it), the other half stays
 *                   in use; or both halves stay in use
 *   pageblock order at this level every pageblock still untyped takes a
 *                   type from what pagetypeinfo's counts leave over; below
 *                   it a free block of type t goes into a pageblock of type
 *                   t (or, when those run out, any non-CMA pageblock)
 *   order 0         in-use single pages are not free: the first
 *                   present - managed of them (in PFN order) are reserved,
 *                   the rest allocated (refcount 1, no owner)
 *
 *   chunk (order 10) in use                    free
 *   [ in use (9)          | free 9 (Movable)  ] [ free 10 ]
 *   [ in use 8 | free 8 U ]
 *
 * A free block's buddy always keeps a page in use, so nothing could have
 * merged.  The CMA area is the highest run of clean pageblocks its count
 * needs, aligned to the largest order when it can be.  Memory the kernel
 * counts as present but not online (pagetypeinfo skips offline sections)
 * is taken from the top of the zone until the pageblock counts agree.
 *
 * Simplified: one node; where the snapshot has no zoneinfo, zones are laid
 * end to end from PFN 0, each as large as its pageblocks (or, with only
 * buddyinfo, just large enough for its free blocks); page contents, owners
 * and per-CPU lists are not known and not modelled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

/* pageblock flag bit marking a block typed by the layout until its zone is done */
#define PB_LAID 0x80u

struct place {
	uint64_t pfn;
	uint8_t order;
	uint8_t mt;
};

struct vec {
	uint64_t *v;
	size_t n, cap;
};

static int vec_push(struct vec *v, uint64_t x)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		uint64_t *p = realloc(v->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

/* Working state of one zone's layout. */
struct zctx {
	struct pfnlab_machine *m;
	const struct snap_zone *sz;
	struct zone *z;
	uint64_t zs, ze;                    /* span */
	uint64_t cs, ce;                    /* CMA area, cs == ce when none */
	unsigned nr;                        /* usable RAM of the zone, sorted */
	uint64_t ra[SNAP_MAX_RAM], rb[SNAP_MAX_RAM];
	uint64_t D[PFNLAB_MT_TYPES][MAX_ORDERS]; /* free blocks still to place */
	int64_t PB[PFNLAB_MT_TYPES];        /* pageblocks still to type */
	struct place *pl;
	size_t npl, cappl;
	char *why;
	size_t len;
};

static const char *const zone_names[PFNLAB_NR_ZONES] = {"DMA", "DMA32", "Normal", "Movable"};

/* Non-CMA types in the order free blocks and pageblock budgets are handed out. */
static const int normal_order[] = {PFNLAB_MT_MOVABLE, PFNLAB_MT_UNMOVABLE, PFNLAB_MT_RECLAIMABLE,
				   PFNLAB_MT_HIGHATOMIC, PFNLAB_MT_ISOLATE};
#define NR_NORMAL 5

static uint64_t usable(const struct zctx *c, uint64_t a, uint64_t b)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < c->nr; i++) {
		uint64_t lo = c->ra[i] > a ? c->ra[i] : a, hi = c->rb[i] < b ? c->rb[i] : b;

		n += hi > lo ? hi - lo : 0;
	}
	return n;
}

static bool clean(const struct zctx *c, uint64_t a, unsigned order)
{
	return usable(c, a, a + (1ull << order)) == 1ull << order;
}

enum { K_NORMAL, K_CMA, K_MIXED };

static int kind(const struct zctx *c, uint64_t a, unsigned order)
{
	uint64_t b = a + (1ull << order);

	if (c->cs == c->ce || b <= c->cs || a >= c->ce)
		return K_NORMAL;
	return a >= c->cs && b <= c->ce ? K_CMA : K_MIXED;
}

static int place(struct zctx *c, uint64_t pfn, unsigned order, int mt)
{
	if (c->npl == c->cappl) {
		size_t cap = c->cappl ? c->cappl * 2 : 1024;
		struct place *p = realloc(c->pl, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->pl = p;
		c->cappl = cap;
	}
	c->pl[c->npl++] = (struct place){pfn, (uint8_t)order, (uint8_t)mt};
	c->D[mt][order]--;
	return 0;
}

/* Type the pageblocks of a free block of order >= pageblock_order. */
static int type_block(struct zctx *c, uint64_t pfn, unsigned order, int mt)
{
	struct pfnlab_machine *m = c->m;

	for (uint64_t p = pfn; p < pfn + (1ull << order); p += m->pb_pages) {
		int t = mt;

		if (mt != PFNLAB_MT_CMA && c->PB[t] <= 0) {
			/* more free blocks of this type than its pageblocks: borrow another type's */
			t = -1;
			for (int i = 0; i < NR_NORMAL; i++)
				if (c->PB[normal_order[i]] > 0 && (t < 0 || c->PB[normal_order[i]] > c->PB[t]))
					t = normal_order[i];
			if (t < 0)
				return set_why(c->why, c->len,
					       "zone %s: its free blocks of order >= %u need more pageblocks than pagetypeinfo counts (inconsistent snapshot)",
					       c->sz->name, m->pb_order), -EINVAL;
		}
		c->PB[t]--;
		set_pageblock_migratetype(m, p, t);
	}
	return 0;
}

/* A free block of some type for a clean half of kind @k at @order, or -1. */
static int pick_big(const struct zctx *c, int k, unsigned order)
{
	if (k == K_CMA)
		return c->D[PFNLAB_MT_CMA][order] ? PFNLAB_MT_CMA : -1;
	if (k != K_NORMAL)
		return -1;
	for (int i = 0; i < NR_NORMAL; i++)
		if (c->D[normal_order[i]][order])
			return normal_order[i];
	return -1;
}

/* Can a free block of type @t sit in a pageblock of type @T (below pageblock order)? */
static bool fits(int t, int T, bool own)
{
	if (own)
		return t == T;
	return (t == PFNLAB_MT_CMA) == (T == PFNLAB_MT_CMA);
}

/* Free blocks of orders below @order still to place, over the types a pageblock of type @T may hold. */
static uint64_t demand_below(const struct zctx *c, int T, unsigned order)
{
	uint64_t n = 0;

	for (int t = 0; t < PFNLAB_MT_TYPES; t++)
		if (fits(t, T, false))
			for (unsigned o = 0; o < order; o++)
				n += c->D[t][o];
	return n;
}

/* Give the untyped counted pageblocks of the zone their types from the remaining budgets. */
static int type_rest(struct zctx *c)
{
	struct pfnlab_machine *m = c->m;
	struct vec full = {0}, empty = {0};
	int order[PFNLAB_MT_TYPES], n = 0;
	size_t k = 0;
	int err = 0;

	/* types with small free blocks to place take the pageblocks with usable pages first */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < NR_NORMAL; i++) {
			int t = normal_order[i];
			bool has = false;

			for (unsigned o = 0; o < m->pb_order; o++)
				has |= c->D[t][o] != 0;
			if (has == (pass == 0))
				order[n++] = t;
		}
	for (uint64_t pfn = c->zs; pfn < c->ze; pfn += m->pb_pages) {
		uint64_t b = pfn >> m->pb_order, a = b << m->pb_order;

		if (!pfn_section_online(m, pfn) || (m->pageblock[b] & PB_LAID))
			continue;
		if (c->cs != c->ce && a >= c->cs && a < c->ce)
			continue;
		err = vec_push(usable(c, a, a + m->pb_pages) ? &full : &empty, a);
		if (err)
			goto out;
	}
	for (int i = 0; i < n && !err; i++) {
		int t = order[i];

		while (c->PB[t] > 0) {
			uint64_t a;

			if (k < full.n)
				a = full.v[k];
			else if (k < full.n + empty.n)
				a = empty.v[k - full.n];
			else
				break;
			k++;
			set_pageblock_migratetype(m, a, t);
			c->PB[t]--;
		}
	}
	if (!err && k != full.n + empty.n)
		err = (set_why(c->why, c->len, "zone %s: pagetypeinfo counts fewer pageblocks than the zone has (inconsistent snapshot)",
			      c->sz->name), -EINVAL);
out:
	free(full.v);
	free(empty.v);
	return err;
}

/*
 * The top-down layout described at the top of the file.  Pageblocks typed
 * by a free block are marked PB_LAID until the zone is done.
 */
static int layout_zone(struct zctx *c)
{
	struct pfnlab_machine *m = c->m;
	unsigned K = m->nr_orders - 1, P = m->pb_order;
	struct vec cur = {0}, next = {0};
	int err = 0;

	/* order K: the highest clean chunks of each type's kind */
	for (uint64_t ch = c->zs >> K; ch <= (c->ze - 1) >> K; ch++)
		if (usable(c, ch << K, (ch + 1) << K) && (err = vec_push(&cur, ch << K)))
			goto out;
	for (size_t i = cur.n; i-- > 0;) {
		int t = clean(c, cur.v[i], K) ? pick_big(c, kind(c, cur.v[i], K), K) : -1;

		if (t < 0)
			continue;
		if ((err = place(c, cur.v[i], K, t)) || (err = type_block(c, cur.v[i], K, t)))
			goto out;
		for (uint64_t p = cur.v[i]; p < cur.v[i] + (1ull << K); p += m->pb_pages)
			m->pageblock[p >> P] |= PB_LAID;
		cur.v[i] = NIL_PFN;
	}
	for (unsigned o = K; o-- > 0;) {
		uint64_t half = 1ull << o;
		size_t pushed[PFNLAB_MT_TYPES] = {0};
		uint8_t *got = NULL;

		if (o + 1 == P && (err = type_rest(c)))
			goto out;
		got = calloc(cur.n ? cur.n : 1, 1);
		if (!got) {
			err = -ENOMEM;
			goto out;
		}
		/* pass 0: own type (or any type above pageblock order); pass 1: leftovers */
		for (int pass = 0; pass < 2; pass++) {
			for (size_t i = 0; i < cur.n; i++) {
				uint64_t r = cur.v[i], h;
				int t = -1, T;

				if (r == NIL_PFN || got[i])
					continue;
				h = clean(c, r + half, o) ? r + half : clean(c, r, o) ? r : NIL_PFN;
				if (h == NIL_PFN)
					continue;
				if (o >= P) {
					if (pass)
						continue;
					t = pick_big(c, kind(c, h, o), o);
					if (t >= 0 && (err = type_block(c, h, o, t)))
						break;
					if (t >= 0)
						for (uint64_t p = h; p < h + half; p += m->pb_pages)
							m->pageblock[p >> P] |= PB_LAID;
				} else {
					T = pb_type(m, h);
					for (int k = 0; k < PFNLAB_MT_TYPES && t < 0; k++)
						if (c->D[k][o] && fits(k, T, pass == 0))
							t = k;
				}
				if (t < 0)
					continue;
				if ((err = place(c, h, o, t)))
					break;
				got[i] = h == r ? 2 : 1; /* 1: the upper half is free, 2: the lower */
			}
			if (err)
				break;
		}
		next.n = 0;
		for (size_t i = 0; i < cur.n && !err; i++) {
			uint64_t r = cur.v[i];

			if (r == NIL_PFN)
				continue;
			for (int side = 0; side < 2 && !err; side++) {
				uint64_t h = r + (side ? half : 0);
				int T;

				if ((got[i] == 1 && side == 1) || (got[i] == 2 && side == 0) || !usable(c, h, h + half))
					continue;
				if (o < P) {
					/* below pageblock order only as many in-use blocks as free blocks could still need */
					T = pb_type(m, h) & PB_MT_MASK;
					if (pushed[T] >= demand_below(c, T, o))
						continue;
					pushed[T]++;
				}
				err = vec_push(&next, h);
			}
		}
		free(got);
		if (err)
			goto out;
		{
			struct vec tmp = cur;

			cur = next;
			next = tmp;
		}
	}
	for (int t = 0; t < PFNLAB_MT_TYPES; t++)
		for (unsigned o = 0; o <= K; o++)
			if (c->D[t][o]) {
				err = (set_why(c->why, c->len,
					      "zone %s: %llu free %s blocks of order %u do not fit in the zone's pages beside the others (inconsistent snapshot?)",
					      c->sz->name, (unsigned long long)c->D[t][o], migratetype_names[t], o), -EINVAL);
				goto out;
			}
out:
	free(cur.v);
	free(next.v);
	return err;
}

static int cmp_place(const void *a, const void *b)
{
	const struct place *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* Frames of the zone: free blocks onto their lists, the rest reserved or allocated. */
static void fill_zone(struct zctx *c, uint64_t reserved)
{
	struct pfnlab_machine *m = c->m;
	size_t k = 0;

	uint64_t p = 0;

	if (c->npl)
		qsort(c->pl, c->npl, sizeof(c->pl[0]), cmp_place);
	for (unsigned i = 0; i < c->nr; i++) {
		/* a free block may run across two touching ranges: go on from where it ended */
		for (p = p > c->ra[i] ? p : c->ra[i]; p < c->rb[i];) {
			if (k < c->npl && c->pl[k].pfn == p) {
				p += 1ull << c->pl[k].order;
				k++;
				continue;
			}
			if (reserved) {
				m->frames[p].flags = F_RESERVED;
				reserved--;
			} else {
				m->frames[p] = (struct frame){.flags = F_ALLOC, .refcount = 1};
			}
			p++;
		}
	}
	/* lists: the kernel's lists hold the last freed first; put low PFNs at the head */
	for (size_t i = c->npl; i-- > 0;)
		free_one_page(m, c->z, c->pl[i].pfn, c->pl[i].order, c->pl[i].mt, false);
}

/* The page size a snapshot implies: iomem in bytes against zoneinfo in PFNs. */
static unsigned page_shift_of(const struct snapshot *s, unsigned given)
{
	uint64_t end_pfn = 0;

	if (given)
		return given;
	if (!s->have_iomem || !s->have_zoneinfo)
		return 12;
	for (unsigned i = 0; i < s->nr_zones; i++)
		if (s->zones[i].start + s->zones[i].spanned > end_pfn)
			end_pfn = s->zones[i].start + s->zones[i].spanned;
	for (unsigned sh = 12; sh <= 16; sh += 2)
		if ((s->ram_end[s->nr_ram - 1] + (1ull << sh) - 1) >> sh == end_pfn)
			return sh;
	return 12;
}

/*
 * The smallest number of in-use chunks that lets free blocks below max
 * order fit (buddyinfo only): an in-use block of order o+1 holds one free
 * block of order o and an in-use half, or two in-use halves, so hosting
 * D[o] blocks and req in-use blocks of order o takes max(D[o],
 * ceil((D[o] + req) / 2)) in-use blocks of order o+1.
 */
static uint64_t chunks_needed(const uint64_t *D, unsigned K)
{
	uint64_t req = 0;

	for (unsigned o = 0; o < K; o++) {
		uint64_t half = (D[o] + req + 1) / 2;

		req = D[o] > half ? D[o] : half;
	}
	return req;
}

/* Zone spans and RAM when the snapshot has no zoneinfo: end to end from PFN 0. */
static void lay_out_spans(struct snapshot *s, unsigned K, unsigned P)
{
	uint64_t start = 0;

	for (unsigned i = 0; i < s->nr_zones; i++) {
		struct snap_zone *z = &s->zones[i];
		uint64_t blocks = 0;

		for (int t = 0; t < PFNLAB_MT_TYPES; t++)
			blocks += z->blocks[t];
		if (!s->have_pagetypeinfo) {
			uint64_t D[MAX_ORDERS] = {0};

			for (unsigned o = 0; o <= K; o++)
				D[o] = z->buddy[o];
			blocks = (D[K] + chunks_needed(D, K)) << (K - P);
			if (!blocks)
				blocks = 1;
			z->blocks[PFNLAB_MT_MOVABLE] = blocks;
		}
		z->start = start;
		z->spanned = z->present = z->managed = blocks << P;
		start += blocks << P;
	}
}

/* The counted pageblocks of a zone, as pagetypeinfo counts them. */
static uint64_t counted(const struct pfnlab_machine *m, uint64_t zs, uint64_t ze)
{
	uint64_t n = 0;

	for (uint64_t pfn = zs; pfn < ze; pfn += m->pb_pages)
		n += pfn_section_online(m, pfn);
	return n;
}

/*
 * Online RAM in PFNs: iomem, or each zone's present pages with the hole
 * (spanned - present) at the zone's end, or at its start when the start
 * is not aligned to the largest order (the first block cannot be free
 * then anyway: x86's ZONE_DMA starts at PFN 1 and has its hole below 1 MiB).
 */
static int ram_ranges(const struct snapshot *s, unsigned shift, unsigned K, uint64_t *a, uint64_t *b,
		      unsigned *n)
{
	*n = 0;
	if (s->have_iomem && s->have_zoneinfo) {
		for (unsigned i = 0; i < s->nr_ram; i++) {
			uint64_t lo = (s->ram_start[i] + (1ull << shift) - 1) >> shift, hi = s->ram_end[i] >> shift;

			if (lo < hi) {
				a[*n] = lo;
				b[(*n)++] = hi;
			}
		}
		return 0;
	}
	for (unsigned i = 0; i < s->nr_zones; i++) {
		const struct snap_zone *z = &s->zones[i];
		uint64_t hole = z->spanned - z->present;

		a[*n] = z->start + (z->start & ((1ull << K) - 1) ? hole : 0);
		b[*n] = a[*n] + z->present;
		(*n)++;
	}
	return 0;
}

/* Cut [x, y) out of the RAM ranges. */
static void cut_ram(uint64_t *a, uint64_t *b, unsigned *n, uint64_t x, uint64_t y)
{
	uint64_t na[SNAP_MAX_RAM * 2], nb[SNAP_MAX_RAM * 2];
	unsigned k = 0;

	for (unsigned i = 0; i < *n; i++) {
		if (b[i] <= x || a[i] >= y) {
			na[k] = a[i];
			nb[k++] = b[i];
			continue;
		}
		if (a[i] < x) {
			na[k] = a[i];
			nb[k++] = x;
		}
		if (b[i] > y && k < SNAP_MAX_RAM * 2) {
			na[k] = y;
			nb[k++] = b[i];
		}
	}
	if (k > SNAP_MAX_RAM)
		k = SNAP_MAX_RAM;
	/* cppcheck-suppress uninitvar ; k entries were written */
	memcpy(a, na, k * sizeof(*a));
	/* cppcheck-suppress uninitvar ; k entries were written */
	memcpy(b, nb, k * sizeof(*b));
	*n = k;
}

/* Make m->ram_* the online RAM (at most PFNLAB_MAX_RANGES, gaps within a section merged). */
static int set_model_ram(struct pfnlab_machine *m, const uint64_t *a, const uint64_t *b, unsigned n)
{
	uint64_t sec = 1ull << ((m->cfg.page_shift >= 16 ? 24 : 27) - m->cfg.page_shift);

	m->nr_ram = 0;
	for (unsigned i = 0; i < n; i++) {
		/* a gap shorter than a section holds no whole section: merging it changes no online test */
		if (m->nr_ram && a[i] - m->ram_end[m->nr_ram - 1] < sec) {
			m->ram_end[m->nr_ram - 1] = b[i];
			continue;
		}
		if (m->nr_ram == PFNLAB_MAX_RANGES)
			return -E2BIG;
		m->ram_start[m->nr_ram] = a[i];
		m->ram_end[m->nr_ram++] = b[i];
	}
	return 0;
}

/* The -v note of a zone whose buddyinfo and pagetypeinfo were read at different moments. */
static void note_disagreement(const struct pfnlab_snapshot_opts *o, const struct snap_zone *sz, unsigned nr_orders)
{
	char msg[512];
	int n = 0, shown = 0;
	int64_t total = 0;

	for (unsigned k = 0; k < nr_orders; k++)
		total += sz->buddy_delta[k] < 0 ? -sz->buddy_delta[k] : sz->buddy_delta[k];
	if (!total)
		return;
	n = snprintf(msg, sizeof(msg), "zone %s: buddyinfo and pagetypeinfo differ by %lld free block%s (", sz->name,
		     (long long)total, total == 1 ? "" : "s");
	for (unsigned k = 0; k < nr_orders && n < (int)sizeof(msg) - 100; k++)
		if (sz->buddy_delta[k])
			n += snprintf(msg + n, sizeof(msg) - (size_t)n, "%sorder %u: %+lld", shown++ ? ", " : "", k,
				      (long long)sz->buddy_delta[k]);
	snprintf(msg + n, sizeof(msg) - (size_t)n, "), read at different moments; pagetypeinfo's counts used");
	o->note(o->note_arg, msg);
}

/* Does the machine print what the snapshot says? */
static int verify(const struct pfnlab_machine *m, const struct snapshot *s, char *why, size_t len)
{
	for (unsigned i = 0; i < s->nr_zones; i++) {
		const struct snap_zone *sz = &s->zones[i];
		const struct zone *z = &m->zones[i];

		for (int t = 0; t < PFNLAB_MT_TYPES; t++) {
			uint64_t pb = count_pageblocks(m, z, t);

			if (s->have_pagetypeinfo && pb != sz->blocks[t])
				return set_why(why, len, "zone %s: built %llu %s pageblocks, the snapshot has %llu",
					       sz->name, (unsigned long long)pb, migratetype_names[t],
					       (unsigned long long)sz->blocks[t]), -EINVAL;
			for (unsigned o = 0; o < s->nr_orders; o++) {
				uint64_t built = free_list_count(m->frames, &z->area[o].list[t], UINT64_MAX);

				if (built != sz->nfree[t][o])
					return set_why(why, len, "zone %s: built %llu free %s blocks of order %u, the snapshot has %llu",
						       sz->name, (unsigned long long)built, migratetype_names[t], o,
						       (unsigned long long)sz->nfree[t][o]), -EINVAL;
			}
		}
	}
	return 0;
}

/* The CMA area of a zone: the highest run of @n clean counted pageblocks, chunk-aligned if it can be. */
static int find_cma(struct zctx *c, uint64_t n)
{
	struct pfnlab_machine *m = c->m;
	uint64_t size = n << m->pb_order;
	uint64_t aligns[2] = {1ull << (m->nr_orders - 1), m->pb_pages};

	for (int k = 0; k < 2; k++) {
		uint64_t al = aligns[k];

		if (c->ze < size)
			break;
		for (uint64_t a = (c->ze - size) & ~(al - 1);; a -= al) {
			if (a >= c->zs && usable(c, a, a + size) == size) {
				c->cs = a;
				c->ce = a + size;
				return 0;
			}
			if (a < al || a - al < c->zs)
				break;
		}
	}
	return set_why(c->why, c->len, "zone %s: no run of %llu whole pageblocks for its CMA pageblocks", c->sz->name,
		       (unsigned long long)n), -EINVAL;
}

int pfnlab_snapshot_build(const struct snapshot *snap, const struct pfnlab_snapshot_opts *opts,
			  struct pfnlab_machine **out, char *why, size_t len)
{
	struct pfnlab_snapshot_opts o = opts ? *opts : (struct pfnlab_snapshot_opts){.thp = true};
	struct snapshot s = *snap;
	struct pfnlab_config cfg;
	struct pfnlab_machine *m = NULL;
	unsigned K = s.nr_orders - 1, P, shift, nram;
	uint64_t ra[SNAP_MAX_RAM], rb[SNAP_MAX_RAM], first, last = 0;
	char sub[256];
	int err;

	*out = NULL;
	if (s.nr_orders < 2 || s.nr_orders > MAX_ORDERS)
		return set_why(why, len, "snapshot: %u orders is not a kernel's", s.nr_orders), -EINVAL;
	if (!s.have_isolate)
		return set_why(why, len,
			       "snapshot: pagetypeinfo has no Isolate row (a kernel without CONFIG_MEMORY_ISOLATION), which pfnlab always prints"),
		       -EINVAL;
	P = s.have_pagetypeinfo ? s.pb_order : (K >= 9 ? 9 : K);
	shift = page_shift_of(&s, o.page_shift);
	if (!s.have_zoneinfo)
		lay_out_spans(&s, K, P);
	first = s.zones[0].start;
	for (unsigned i = 0; i < s.nr_zones; i++)
		if (s.zones[i].start + s.zones[i].spanned > last)
			last = s.zones[i].start + s.zones[i].spanned;
	if (last >= NIL_PFN)
		return set_why(why, len, "snapshot: PFNs up to %#llx exceed the model's 32-bit PFNs",
			       (unsigned long long)last), -EOVERFLOW;

	/* a machine of the right size and shape; its zones and frames are replaced below */
	pfnlab_config_preset(&cfg, "x86_64", (last - first) << shift);
	cfg.page_shift = shift;
	cfg.max_order = K;
	cfg.pageblock_order = P;
	cfg.era = s.era == PFNLAB_ERA_2015 ? PFNLAB_ERA_2015 : PFNLAB_ERA_CURRENT;
	cfg.cma_rule = cfg.era == PFNLAB_ERA_2015 ? PFNLAB_CMA_2015 : PFNLAB_CMA_5_7;
	/* zoneinfo's promo watermark: a kernel after 6.1, which prints none; 6.12 is the nearer model */
	for (unsigned i = 0; i < s.nr_zones; i++)
		if (cfg.era == PFNLAB_ERA_CURRENT && s.zones[i].have_wmark[WMARK_PROMO])
			cfg.kernel = PFNLAB_KERNEL_6_12;
	cfg.thp = o.thp;
	/* the pages on the real per-CPU lists are not in buddyinfo: here they look allocated */
	cfg.pcp = false;
	cfg.reserved_low_bytes = 0;
	cfg.zone_dma_end = cfg.zone_dma32_end = 0;
	cfg.single_zone_dma = s.nr_zones == 1 && s.zones[0].type == PFNLAB_ZONE_DMA;
	for (unsigned i = 0; i < s.nr_zones; i++) {
		if (s.zones[i].type == PFNLAB_ZONE_DMA)
			cfg.zone_dma_end = (s.zones[i].start + s.zones[i].spanned) << shift;
		if (s.zones[i].type == PFNLAB_ZONE_DMA32)
			cfg.zone_dma32_end = (s.zones[i].start + s.zones[i].spanned) << shift;
	}
	snprintf(cfg.preset, sizeof(cfg.preset), "%s",
		 cfg.zone_dma32_end ? "x86_64" : cfg.single_zone_dma && shift == 16 ? "ppc64" : "custom");
	cfg.nr_ranges = 1;
	cfg.ranges[0] = (struct pfnlab_range){first << shift, last << shift};
	if ((1ull << (K + shift)) > cfg.ram_bytes)
		cfg.ram_bytes = 1ull << (K + shift);
	cfg.host_limit_bytes = o.host_limit_bytes;
	err = pfnlab_machine_create(&cfg, &m, sub, sizeof(sub));
	if (err)
		return set_why(why, len, "snapshot: %s", sub), err;

	/* the machine's own layout goes: frames, zones, pageblocks */
	memset(m->frames, 0, m->nr_pfns * sizeof(struct frame));
	memset(m->pageblock, PFNLAB_MT_MOVABLE, m->nr_pageblocks);
	memset(m->vm, 0, sizeof(m->vm));
	m->reserved_end = 0;
	m->cfg.config_cma = s.config_cma;
	ram_ranges(&s, shift, K, ra, rb, &nram);
	for (int t = 0; t < PFNLAB_NR_ZONES; t++)
		m->zone_of_type[t] = -1;
	m->nr_zones = (int)s.nr_zones;
	for (unsigned i = 0; i < s.nr_zones; i++) {
		const struct snap_zone *sz = &s.zones[i];
		struct zone *z = &m->zones[i];

		memset(z, 0, sizeof(*z));
		z->type = sz->type;
		z->name = zone_names[sz->type];
		z->start_pfn = sz->start;
		z->spanned = sz->spanned;
		z->present = sz->present;
		z->managed = sz->managed;
		for (unsigned k = 0; k < MAX_ORDERS; k++)
			for (int t = 0; t < PFNLAB_MT_TYPES; t++)
				z->area[k].list[t] = (struct free_list){.head = NIL_PFN, .tail = NIL_PFN};
		m->zone_of_type[sz->type] = (int)i;
	}
	if (set_model_ram(m, ra, rb, nram)) {
		err = (set_why(why, len, "snapshot: more than %d separate RAM ranges", PFNLAB_MAX_RANGES), -EINVAL);
		goto fail;
	}
	/* offline memory: pagetypeinfo does not count it; take it from the top of each zone */
	for (unsigned i = 0; i < s.nr_zones && s.have_pagetypeinfo; i++) {
		const struct snap_zone *sz = &s.zones[i];
		uint64_t want = 0, sec = 1ull << ((shift >= 16 ? 24 : 27) - shift), ze = sz->start + sz->spanned;

		for (int t = 0; t < PFNLAB_MT_TYPES; t++)
			want += sz->blocks[t];
		while (counted(m, sz->start, ze) > want) {
			uint64_t top = 0;

			for (unsigned r = 0; r < nram; r++)
				if (ra[r] < ze && rb[r] > sz->start)
					top = (rb[r] < ze ? rb[r] : ze) > top ? (rb[r] < ze ? rb[r] : ze) : top;
			if (!top)
				break;
			top = (top - 1) / sec * sec;
			cut_ram(ra, rb, &nram, top > sz->start ? top : sz->start, ze);
			set_model_ram(m, ra, rb, nram);
		}
		if (counted(m, sz->start, ze) != want) {
			err = (set_why(why, len, "%s: zone %s has %llu pageblocks in pagetypeinfo, but its span holds %llu of online memory (snapshots of different machines?)",
				      sz->where, sz->name, (unsigned long long)want,
				      (unsigned long long)counted(m, sz->start, ze)), -EINVAL);
			goto fail;
		}
	}
	/* without pagetypeinfo every pageblock it would count is Movable */
	for (unsigned i = 0; i < s.nr_zones && !s.have_pagetypeinfo && s.have_zoneinfo; i++)
		s.zones[i].blocks[PFNLAB_MT_MOVABLE] = counted(m, s.zones[i].start, s.zones[i].start + s.zones[i].spanned);
	/* frames: holes everywhere, then each zone's usable RAM */
	for (uint64_t p = 0; p < m->nr_pfns; p++)
		m->frames[p].flags = F_HOLE;
	for (unsigned i = 0; i < s.nr_zones; i++) {
		const struct snap_zone *sz = &s.zones[i];
		struct zctx c = {.m = m, .sz = sz, .z = &m->zones[i], .zs = sz->start,
				 .ze = sz->start + sz->spanned, .why = why, .len = len};
		uint64_t u = 0, freep = 0;

		for (unsigned r = 0; r < nram; r++) {
			uint64_t lo = ra[r] > c.zs ? ra[r] : c.zs, hi = rb[r] < c.ze ? rb[r] : c.ze;

			if (lo < hi && c.nr < SNAP_MAX_RAM) {
				c.ra[c.nr] = lo;
				c.rb[c.nr++] = hi;
				u += hi - lo;
				for (uint64_t p = lo; p < hi; p++)
					m->frames[p].flags = 0;
			}
		}
		memcpy(c.D, sz->nfree, sizeof(c.D));
		for (int t = 0; t < PFNLAB_MT_TYPES; t++) {
			c.PB[t] = (int64_t)sz->blocks[t];
			for (unsigned k = 0; k <= K; k++)
				freep += sz->nfree[t][k] << k;
		}
		if (!s.have_zoneinfo)
			m->zones[i].present = m->zones[i].managed = u;
		if (m->zones[i].managed > u) {
			err = (set_why(why, len, "%s: zone %s: %llu managed pages but only %llu pages of online RAM",
				      sz->where, sz->name, (unsigned long long)m->zones[i].managed,
				      (unsigned long long)u), -EINVAL);
			goto fail;
		}
		if (freep > m->zones[i].managed) {
			err = (set_why(why, len, "%s: zone %s: %llu free pages but only %llu managed (inconsistent snapshot)",
				      sz->where, sz->name, (unsigned long long)freep,
				      (unsigned long long)m->zones[i].managed), -EINVAL);
			goto fail;
		}
		if (sz->have_zoneinfo && o.note && sz->free_pages != freep) {
			char msg[256];

			snprintf(msg, sizeof(msg), "zone %s: zoneinfo says %llu pages free, the free lists hold %llu (read at different moments); the free lists win",
				 sz->name, (unsigned long long)sz->free_pages, (unsigned long long)freep);
			o.note(o.note_arg, msg);
		}
		if (s.blocks_disagree && o.note)
			note_disagreement(&o, sz, s.nr_orders);
		if (sz->blocks[PFNLAB_MT_ISOLATE] && o.note) {
			char msg[256];

			snprintf(msg, sizeof(msg), "zone %s: %llu pageblock%s isolated when the snapshot was taken (alloc_contig_range() or memory offlining at work); kept isolated",
				 sz->name, (unsigned long long)sz->blocks[PFNLAB_MT_ISOLATE],
				 sz->blocks[PFNLAB_MT_ISOLATE] == 1 ? "" : "s");
			o.note(o.note_arg, msg);
		}
		if (sz->blocks[PFNLAB_MT_CMA]) {
			if ((err = find_cma(&c, sz->blocks[PFNLAB_MT_CMA])))
				goto fail;
			if (m->nr_cma == PFNLAB_MAX_CMA) {
				err = (set_why(why, len, "snapshot: too many CMA areas"), -EINVAL);
				goto fail;
			}
			struct cma_area *a = &m->cma[m->nr_cma++];

			snprintf(a->name, sizeof(a->name), m->nr_cma == 1 ? "reserved" : "cma%u", m->nr_cma - 1);
			a->base_pfn = c.cs;
			a->count = c.ce - c.cs;
			a->zone = (int)i;
			a->bitmap = calloc((a->count + 63) / 64 + 1, sizeof(uint64_t));
			if (!a->bitmap) {
				err = (set_why(why, len, "out of host memory"), -ENOMEM);
				goto fail;
			}
			m->zones[i].cma_pages = a->count;
			for (uint64_t p = c.cs; p < c.ce; p += m->pb_pages) {
				set_pageblock_migratetype(m, p, PFNLAB_MT_CMA);
				m->pageblock[p >> P] |= PB_LAID;
			}
			c.PB[PFNLAB_MT_CMA] = 0;
		}
		err = layout_zone(&c);
		if (!err) {
			for (uint64_t p = c.zs; p < c.ze; p += m->pb_pages)
				m->pageblock[p >> P] &= (uint8_t)~PB_LAID;
			fill_zone(&c, u - m->zones[i].managed);
		}
		free(c.pl);
		if (err) {
			if (err == -ENOMEM)
				set_why(why, len, "out of host memory");
			goto fail;
		}
		if (s.era != PFNLAB_ERA_2015)
			m->zones[i].nr_reserved_highatomic = sz->blocks[PFNLAB_MT_HIGHATOMIC] << P;
	}
	m->cfg.nr_cma = m->nr_cma;
	/* isolated pageblocks belong to whoever isolated them on the real machine */
	for (uint64_t b = 0; b < m->nr_pageblocks; b++) {
		m->pageblock[b] &= (uint8_t)~PB_LAID;
		if ((m->pageblock[b] & PB_MT_MASK) == PFNLAB_MT_ISOLATE)
			m->pageblock[b] |= PB_HELD;
	}
	setup_watermarks(m);
	for (unsigned i = 0; i < s.nr_zones; i++) {
		const struct snap_zone *sz = &s.zones[i];
		struct zone *z = &m->zones[i];

		/* zoneinfo prints the watermarks with the boost (wmark_pages()) */
		z->watermark_boost = m->cfg.era == PFNLAB_ERA_CURRENT ? sz->boost : 0;
		for (int w = 0; w < NR_WMARK; w++)
			if (sz->have_wmark[w])
				z->wmark[w] = sz->wmark[w] - z->watermark_boost; /* never below: snapshot_parse.c */
		if (sz->have_protection)
			for (int t = 0; t < PFNLAB_NR_ZONES; t++)
				z->lowmem_reserve[t] = sz->protection[t];
	}
	pcp_setup(m);
	page_alloc_setup(m);
	err = verify(m, &s, why, len);
	if (err)
		goto fail;
	*out = m;
	return 0;
fail:
	pfnlab_machine_destroy(m);
	return err;
}

/* Read DIR/NAME if it exists (absent: data NULL): a regular file, at most SNAPSHOT_FILE_MAX bytes of text. */
static int read_part(const char *dir, const char *name, struct snapshot_text *t, struct input_buf *b, char *why,
		     size_t len)
{
	char path[4096];
	uint64_t line;
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(b->name, sizeof(b->name), "%.250s", path);
	t->name = b->name;
	t->data = NULL;
	t->len = 0;
	if (access(path, F_OK) != 0)
		return 0;
	err = input_read(path, SNAPSHOT_FILE_MAX, b, why, len);
	snprintf(b->name, sizeof(b->name), "%.250s", path);
	t->name = b->name;
	if (err)
		return err == -E2BIG ? -EINVAL : err; /* no /proc file is that large: bad input */
	line = input_binary_line(b->data, b->len);
	if (line)
		return set_why(why, len, "%s:%llu: binary data, not text from /proc", b->name,
			       (unsigned long long)line), -EINVAL;
	t->data = b->data;
	t->len = b->len;
	return 0;
}

/*
 * A live /proc changes between two reads: buddyinfo and pagetypeinfo are
 * read again (back to back) until they agree, at most this many times;
 * then pagetypeinfo's counts win (snapshot_parse()), or, strict, the
 * snapshot is refused.
 */
#define LIVE_TRIES 20

int pfnlab_snapshot_load(const char *dir, const struct pfnlab_snapshot_opts *opts, struct pfnlab_machine **out,
			 char *why, size_t len)
{
	static const char *const names[4] = {"pagetypeinfo", "buddyinfo", "zoneinfo", "iomem"};
	struct input_buf bufs[4];
	struct snapshot_files f;
	struct snapshot_text *parts[4] = {&f.pagetypeinfo, &f.buddyinfo, &f.zoneinfo, &f.iomem};
	struct snapshot *s = NULL;
	bool live = strcmp(dir, "/proc") == 0 || strcmp(dir, "/proc/") == 0, strict = opts && opts->strict;
	int err = 0;

	*out = NULL;
	memset(bufs, 0, sizeof(bufs));
	if (access(dir, F_OK) != 0)
		return set_why(why, len, "%s: no such directory", dir), -ENOENT;
	if (!(s = malloc(sizeof(*s))))
		return set_why(why, len, "out of host memory"), -ENOMEM;
	for (int attempt = 0;; attempt++) {
		for (int i = 0; i < 4; i++)
			input_buf_free(&bufs[i]);
		err = 0;
		for (int i = 0; i < 4 && !err; i++)
			err = read_part(dir, names[i], parts[i], &bufs[i], why, len);
		if (!err && !f.pagetypeinfo.data && !f.buddyinfo.data)
			err = (set_why(why, len, "%s: no pagetypeinfo or buddyinfo in it (a snapshot holds files named as in /proc)",
				       dir), -ENOENT);
		if (!err)
			err = snapshot_parse(&f, strict || (live && attempt < LIVE_TRIES), s, why, len);
		if (!(err == -EAGAIN && live && attempt < LIVE_TRIES))
			break;
	}
	if (!err)
		err = pfnlab_snapshot_build(s, opts, out, why, len);
	if (!err && opts && opts->parsed)
		*opts->parsed = *s;
	free(s);
	for (int i = 0; i < 4; i++)
		input_buf_free(&bufs[i]);
	return err;
}
