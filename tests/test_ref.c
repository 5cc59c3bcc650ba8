/*
 * test_ref.c - differential test of the buddy allocator against a slow,
 * independently written reference model.
 *
 * The reference (struct ref below) was written from the kernel's
 * mm/page_alloc.c (v6.1 as shipped in Debian's linux-source-6.1 for era
 * "current", checked against that source; v4.2 for era "2015", written from
 * its published source, of which this tree has no copy), not from src/core:
 * it shares no code and no data with buddy.c, page_alloc.c or watermark.c.  From the machine it
 * reads only the layout decided before the allocator runs: zone spans, RAM
 * ranges, the placed CMA areas and the configuration.
 *
 * What the reference models, per zone:
 *   - free lists per order and migrate type as plain arrays in list order
 *     (index 0 = list head), with the kernel's head/tail rules: expand() and
 *     frees to the head, frees to the tail when buddy_merge_likely(), boot
 *     frees to the tail in v6.1 (FPI_TO_TAIL) and through the normal free
 *     path in v4.2, move_freepages to the tail in v6.1 and the head in v4.2;
 *   - boot: memblock_free_all() in maximal aligned blocks, CMA pageblocks,
 *     v4.2's MIGRATE_RESERVE blocks; min_free_kbytes (when computed),
 *     watermarks and lowmem_reserve by each era's formulas;
 *   - __free_one_page() merging (v6.1: not across unmergeable pageblock
 *     types above pageblock_order);
 *   - __rmqueue_smallest, __rmqueue (CMA rules 2015 and 5.7), fallback with
 *     both eras' stealing and claim rules, v6.1's smallest-block rescan for
 *     movable requests, ALLOC_NOFRAGMENT, HIGHATOMIC reserves (v6.1),
 *     MIGRATE_RESERVE as the last resort (v4.2);
 *   - __alloc_pages(): the zonelist, the low watermark on the first pass and
 *     the min watermark with gfp_to_alloc_flags() on the second; the streams
 *     put nothing on the LRU, so reclaim never makes progress and the slow
 *     path's only effect on the free lists is v6.1's
 *     unreserve_highatomic_pageblock() before it gives up on an order <= 3
 *     request that may reclaim (should_reclaim_retry()), retried after each
 *     pageblock it gives back; no per-CPU lists (pcp off),
 *     watermark_boost_factor 0 (so the kernel would not boost either), and
 *     the machines built without compaction (CONFIG_COMPACTION=n,
 *     cfg.no_compaction), which test_compaction covers.
 *   Not modelled: v4.2's fair zone allocation policy (ALLOC_FAIR, v3.12 to
 *   v4.7), which the model lacks as well; isolation; pcp lists.
 *
 * What is compared after every operation (compare()): the returned PFN of
 * every allocation (or the failure), the return code of every free, every
 * free list of every zone element by element in list order (so the
 * multiset of (pfn, order, list type) too), area[].nr_free and the list
 * counts, NR_FREE_PAGES, NR_FREE_CMA_PAGES, nr_reserved_highatomic, every
 * pageblock's type, every frame's buddy/alloc state, and the counters
 * pgalloc_*, pgfree, extfrag events, claimed extfrag events and failed
 * allocations.  pfnlab_check() runs after every operation too.  Exact PFN
 * equality is determined here because both sides follow the same
 * deterministic list-order policy; nothing is compared "as a set only".
 *
 * The differences this test once found between the model and the kernel
 * are listed in struct ref_quirks; all are fixed in the model, and
 * -DREF_QUIRKS=<mask> makes the reference mimic the old behaviour (to see
 * the comparison catch each).  -DREF_SEED_FACTOR=n and -DREF_SHAPES=n (with
 * -DREF_SHAPE_SEED=n) make a longer soak.
 */
#include <errno.h>

#include "model.h"
#include "buddy.h"
#include "test.h"

#define RNIL UINT32_MAX
#define NMT PFNLAB_MT_TYPES

enum {
	R_UNMOV = PFNLAB_MT_UNMOVABLE,
	R_MOV = PFNLAB_MT_MOVABLE,
	R_RECL = PFNLAB_MT_RECLAIMABLE,
	R_HATOM = PFNLAB_MT_HIGHATOMIC, /* MIGRATE_RESERVE in v4.2 */
	R_CMA = PFNLAB_MT_CMA,
	R_ISO = PFNLAB_MT_ISOLATE,
};

enum { Z_DMA, Z_DMA32, Z_NORMAL, Z_MOVABLE };

/* The reference's own alloc flags (values unrelated to the model's). */
#define RA_WMARK_MIN 0u
#define RA_WMARK_LOW 1u
#define RA_WMARK_MASK 3u
#define RA_NON_BLOCK 0x10u
#define RA_MIN_RESERVE 0x20u
#define RA_HIGHATOMIC 0x40u
#define RA_OOM 0x80u
#define RA_CMA 0x100u
#define RA_NOFRAG 0x200u
#define RA_RESERVES (RA_NON_BLOCK | RA_MIN_RESERVE | RA_HIGHATOMIC | RA_OOM)

/*
 * Differences this test found between the model and the kernel, all since
 * fixed in the model; -DREF_QUIRKS=<mask> makes the reference mimic the old
 * behaviour again (to show the comparison notices each).
 */
struct ref_quirks {
	/*
	 * Q1: the model frees CMA pages in the boot run (FPI_TO_TAIL in v6.1);
	 * the kernel reserves them at boot and frees each pageblock later with
	 * cma_activate_area() through the normal free path (head unless
	 * buddy_merge_likely).  v6.1 CMA lists then differ in order.
	 * (A CMA area not aligned to MAX_ORDER is worse: see cma_straddle.)
	 */
	bool cma_in_boot_run;
	/*
	 * Q2: the model counts one movable page per movable allocation when
	 * stealing (its head frame), where a movable folio of order n is 2^n
	 * PageLRU pages to move_freepages().
	 */
	bool lru_head_only;
	/*
	 * Q3: the model gives ZONE_MOVABLE the highmem watermark rule with a
	 * zero kswapd gap; v6.1 treats ZONE_MOVABLE as a lowmem zone.
	 */
	bool movable_zone_highmem;
	/*
	 * Q4: the model sets ALLOC_NOFRAGMENT only when ZONE_DMA32 is
	 * populated below ZONE_NORMAL; v6.1 on one node sets it whenever the
	 * preferred zone is ZONE_NORMAL (alloc_flags_nofragment() checks
	 * DMA32 only when nr_online_nodes > 1).
	 */
	bool nofrag_needs_dma32;
};

#ifndef REF_QUIRKS
#define REF_QUIRKS 0x0 /* follow the kernel everywhere; bit n-1 mimics the old model's Qn */
#endif
static const struct ref_quirks quirks = {REF_QUIRKS & 1, REF_QUIRKS & 2, REF_QUIRKS & 4, REF_QUIRKS & 8};

/* ---- the reference model ---------------------------------------------- */

/*
 * What the streams exercised, counted by the reference; the tests assert
 * that each path they claim to cover was taken.
 */
static struct {
	uint64_t allocs, fails, slow_ok, lower_zone, wmark_skip, nofrag_relaxed;
	uint64_t extfrag, claims, find_smallest, steal_single;
	uint64_t ha_reserved, ha_alloc, ha_unreserved, reserve_alloc, cma_first, cma_fallback;
} cov;

struct rlist {
	uint32_t *v; /* v[0] is the list head */
	uint32_t n, cap;
};

struct rzone {
	int type;
	uint64_t start, end; /* span [start, end) */
	uint64_t managed;
	uint64_t wmark[3];
	uint64_t lowmem_reserve[PFNLAB_NR_ZONES];
	uint64_t highatomic; /* nr_reserved_highatomic */
	struct rlist fl[MAX_ORDERS][NMT];
};

struct ref {
	unsigned max_order, pb_order, page_shift;
	uint64_t pb_pages, nr_pfns, nr_pb;
	bool cur, cma_5_7, has_cma;
	int nz;
	struct rzone z[PFNLAB_NR_ZONES];
	int8_t *fo;     /* per PFN: order of the free block headed here, or -1 */
	uint8_t *fmt;   /* per PFN: list type of that free block */
	int8_t *ao;     /* per PFN: order of the live allocation headed here, or -1 */
	uint8_t *amt;   /* per PFN: migrate type of that allocation */
	uint8_t *lru;   /* per PFN: a page the kernel would see as PageLRU */
	uint8_t *state; /* per PFN: 0 hole, 1 reserved, 2 managed */
	uint8_t *pb;    /* per pageblock: migrate type */
	int min_free_kbytes;
	uint64_t extfrag, claimed, failed, pgfree, pgalloc[PFNLAB_NR_ZONES];
	bool broken; /* an internal inconsistency was met */
};

static void rl_add(struct rlist *l, uint32_t pfn, bool tail)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	if (tail) {
		l->v[l->n] = pfn;
	} else {
		memmove(l->v + 1, l->v, l->n * sizeof(*l->v));
		l->v[0] = pfn;
	}
	l->n++;
}

static bool rl_del(struct rlist *l, uint32_t pfn)
{
	for (uint32_t i = 0; i < l->n; i++) {
		if (l->v[i] != pfn)
			continue;
		memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof(*l->v));
		l->n--;
		return true;
	}
	return false;
}

static int r_zone_of(const struct ref *r, uint64_t pfn)
{
	for (int i = 0; i < r->nz; i++)
		if (pfn >= r->z[i].start && pfn < r->z[i].end)
			return i;
	return -1;
}

static int r_pbt(const struct ref *r, uint64_t pfn)
{
	return r->pb[pfn >> r->pb_order];
}

static void r_set_pbt(struct ref *r, uint64_t pfn, int mt)
{
	r->pb[pfn >> r->pb_order] = (uint8_t)mt;
}

static void r_add(struct ref *r, struct rzone *z, uint64_t pfn, unsigned o, int mt, bool tail)
{
	rl_add(&z->fl[o][mt], (uint32_t)pfn, tail);
	r->fo[pfn] = (int8_t)o;
	r->fmt[pfn] = (uint8_t)mt;
}

static void r_del(struct ref *r, struct rzone *z, uint64_t pfn)
{
	if (r->fo[pfn] < 0 || !rl_del(&z->fl[r->fo[pfn]][r->fmt[pfn]], (uint32_t)pfn)) {
		T_FAIL("reference: PFN %" PRIu64 " is not a free block on its list", pfn);
		r->broken = true;
		return;
	}
	r->fo[pfn] = -1;
}

/* move_to_free_list(): v6.1 to the tail, v4.2 (list_move) to the head */
static void r_move(struct ref *r, struct rzone *z, uint64_t pfn, int mt)
{
	unsigned o = (unsigned)r->fo[pfn];

	r_del(r, z, pfn);
	r_add(r, z, pfn, o, mt, r->cur);
}

/* NR_FREE_PAGES (every list but ISOLATE) or NR_FREE_CMA_PAGES */
static int64_t r_free(const struct rzone *z, bool cma_only)
{
	int64_t n = 0;

	for (unsigned o = 0; o < MAX_ORDERS; o++)
		for (int t = 0; t < NMT; t++)
			if (cma_only ? t == R_CMA : t != R_ISO)
				n += (int64_t)z->fl[o][t].n << o;
	return n;
}

static uint64_t r_area_nr(const struct rzone *z, unsigned o)
{
	uint64_t n = 0;

	for (int t = 0; t < NMT; t++)
		n += z->fl[o][t].n;
	return n;
}

/* page_is_buddy(): a free block of exactly @o headed at @pfn in the same zone */
static bool r_is_buddy(const struct ref *r, const struct rzone *z, uint64_t pfn, unsigned o)
{
	return pfn < r->nr_pfns && pfn >= z->start && pfn < z->end && r->fo[pfn] == (int)o;
}

static bool r_mergeable(int mt)
{
	return mt == R_UNMOV || mt == R_MOV || mt == R_RECL; /* < MIGRATE_PCPTYPES */
}

/* __free_one_page(): merge upwards, then head or tail of the list */
static void r_free_one(struct ref *r, struct rzone *z, uint64_t pfn, unsigned o, int mt, bool to_tail)
{
	while (o < r->max_order) {
		uint64_t buddy = pfn ^ (1ull << o);

		if (!r_is_buddy(r, z, buddy, o))
			break;
		if (r->cur && o >= r->pb_order) {
			int bmt = r_pbt(r, buddy);

			if (mt != bmt && (!r_mergeable(mt) || !r_mergeable(bmt)))
				break;
		}
		/* v4.2 merges across any pageblock types (isolation is not used here) */
		r_del(r, z, buddy);
		pfn &= buddy;
		o++;
	}
	if (!to_tail && o + 1 < r->max_order) {
		/* buddy_merge_likely(): is the buddy of our parent free at o + 1? */
		uint64_t parent = pfn & ~(1ull << o);

		to_tail = r_is_buddy(r, z, parent ^ (1ull << (o + 1)), o + 1);
	}
	r_add(r, z, pfn, o, mt, to_tail);
}

static void r_expand(struct ref *r, struct rzone *z, uint64_t pfn, unsigned low, unsigned high, int mt)
{
	while (high > low) {
		high--;
		r_add(r, z, pfn + (1ull << high), high, mt, false);
	}
}

static uint32_t r_smallest(struct ref *r, struct rzone *z, unsigned order, int mt)
{
	for (unsigned o = order; o <= r->max_order; o++) {
		uint32_t pfn;

		if (!z->fl[o][mt].n)
			continue;
		pfn = z->fl[o][mt].v[0];
		r_del(r, z, pfn);
		r_expand(r, z, pfn, order, o, mt);
		return pfn;
	}
	return RNIL;
}

/* move_freepages_block(); counts PageLRU pages in *movable */
static uint64_t r_move_block(struct ref *r, struct rzone *z, uint64_t pfn, int mt, uint64_t *movable)
{
	uint64_t start = pfn & ~(r->pb_pages - 1), end = start + r->pb_pages - 1, moved = 0;

	if (movable)
		*movable = 0;
	if (start < z->start || start >= z->end)
		start = pfn;
	if (end < z->start || end >= z->end)
		return 0;
	for (uint64_t p = start; p <= end;) {
		if (r->fo[p] < 0) {
			if (movable && r->lru[p])
				(*movable)++;
			p++;
			continue;
		}
		uint64_t size = 1ull << r->fo[p];

		r_move(r, z, p, mt);
		moved += size;
		p += size;
	}
	return moved;
}

static bool r_can_steal(const struct ref *r, unsigned o, int start_mt)
{
	return o >= r->pb_order || o >= r->pb_order / 2 || start_mt == R_RECL || start_mt == R_UNMOV;
}

static const int r_fallbacks[3][2] = {
	[R_UNMOV] = {R_RECL, R_MOV},
	[R_MOV] = {R_RECL, R_UNMOV},
	[R_RECL] = {R_UNMOV, R_MOV},
};

/* find_suitable_fallback(..., only_stealable = false, ...) */
static int r_find_fallback(const struct ref *r, const struct rzone *z, unsigned o, int mt, bool *can_steal)
{
	if (!r_area_nr(z, o))
		return -1;
	*can_steal = false;
	for (int i = 0; i < 2; i++) {
		int f = r_fallbacks[mt][i];

		if (!z->fl[o][f].n)
			continue;
		*can_steal = r_can_steal(r, o, mt);
		return f;
	}
	return -1;
}

static void r_change_range(struct ref *r, uint64_t pfn, unsigned o, int mt)
{
	for (uint64_t i = 0; i < (1ull << (o - r->pb_order)); i++)
		r_set_pbt(r, pfn + i * r->pb_pages, mt);
}

/* steal_suitable_fallback() of v6.1 (no watermark boost: factor 0) */
static void r_steal_cur(struct ref *r, struct rzone *z, uint64_t pfn, int start_mt, bool whole)
{
	unsigned o = (unsigned)r->fo[pfn];
	int old = r_pbt(r, pfn);
	uint64_t free_pages, movable, alike;

	if (old == R_HATOM)
		goto single;
	if (o >= r->pb_order) {
		r_change_range(r, pfn, o, start_mt);
		goto single;
	}
	if (!whole)
		goto single;
	free_pages = r_move_block(r, z, pfn, start_mt, &movable);
	if (start_mt == R_MOV)
		alike = movable;
	else if (old == R_MOV)
		alike = r->pb_pages - (free_pages + movable);
	else
		alike = 0;
	if (!free_pages)
		goto single;
	if (free_pages + alike >= r->pb_pages / 2)
		r_set_pbt(r, pfn, start_mt);
	return;
single:
	r_move(r, z, pfn, start_mt);
}

static void r_extfrag(struct ref *r, uint64_t pfn, int start_mt)
{
	r->extfrag++;
	r->claimed += r_pbt(r, pfn) == start_mt;
	cov.extfrag++;
	cov.claims += r_pbt(r, pfn) == start_mt;
}

/* __rmqueue_fallback() of v6.1: steal onto our lists; true if the caller retries */
static bool r_fallback_cur(struct ref *r, struct rzone *z, unsigned order, int mt, unsigned flags)
{
	unsigned min_order = order;
	bool can_steal = false;
	int f = -1, o;
	uint32_t pfn;

	if (order < r->pb_order && (flags & RA_NOFRAG))
		min_order = r->pb_order;
	for (o = (int)r->max_order; o >= (int)min_order; o--) {
		f = r_find_fallback(r, z, (unsigned)o, mt, &can_steal);
		if (f < 0)
			continue;
		if (!can_steal && mt == R_MOV && (unsigned)o > order)
			goto find_smallest;
		goto do_steal;
	}
	return false;
find_smallest:
	cov.find_smallest++;
	for (o = (int)order; o <= (int)r->max_order; o++) {
		f = r_find_fallback(r, z, (unsigned)o, mt, &can_steal);
		if (f >= 0)
			break;
	}
do_steal:
	pfn = z->fl[o][f].v[0];
	cov.steal_single += !can_steal;
	r_steal_cur(r, z, pfn, mt, can_steal);
	r_extfrag(r, pfn, mt);
	return true;
}

/* __rmqueue_fallback() of v4.2: take the block, stealing its pageblock if allowed */
static uint32_t r_fallback_2015(struct ref *r, struct rzone *z, unsigned order, int mt)
{
	for (int o = (int)r->max_order; o >= (int)order; o--) {
		bool can_steal;
		int f = r_find_fallback(r, z, (unsigned)o, mt, &can_steal);
		uint32_t pfn;

		if (f < 0)
			continue;
		pfn = z->fl[o][f].v[0];
		if (can_steal) {
			if ((unsigned)o >= r->pb_order)
				r_change_range(r, pfn, (unsigned)o, mt);
			else if (r_move_block(r, z, pfn, mt, NULL) >= r->pb_pages / 2)
				r_set_pbt(r, pfn, mt);
		}
		r_del(r, z, pfn);
		r_expand(r, z, pfn, order, (unsigned)o, mt);
		r_extfrag(r, pfn, mt);
		return pfn;
	}
	return RNIL;
}

/* rmqueue_buddy() -> __rmqueue() */
static uint32_t r_rmqueue(struct ref *r, struct rzone *z, unsigned order, int mt, unsigned flags)
{
	uint32_t p = RNIL;
	bool cma = flags & RA_CMA;

	if (r->cur && (flags & RA_HIGHATOMIC))
		p = r_smallest(r, z, order, R_HATOM);
	if (p != RNIL) {
		cov.ha_alloc++;
		return p;
	}
	if (cma && r->cma_5_7 && r_free(z, true) > r_free(z, false) / 2) {
		p = r_smallest(r, z, order, R_CMA);
		if (p != RNIL) {
			cov.cma_first++;
			return p;
		}
	}
	if (r->cur) {
		for (;;) {
			p = r_smallest(r, z, order, mt);
			if (p != RNIL)
				return p;
			if (cma) {
				p = r_smallest(r, z, order, R_CMA);
				if (p != RNIL) {
					cov.cma_fallback++;
					return p;
				}
			}
			if (!r_fallback_cur(r, z, order, mt, flags))
				break;
		}
		if (flags & (RA_OOM | RA_NON_BLOCK))
			p = r_smallest(r, z, order, R_HATOM);
		cov.ha_alloc += p != RNIL;
		return p;
	}
	p = r_smallest(r, z, order, mt);
	if (p == RNIL && cma) {
		p = r_smallest(r, z, order, R_CMA);
		cov.cma_fallback += p != RNIL;
	}
	if (p == RNIL)
		p = r_fallback_2015(r, z, order, mt);
	if (p == RNIL) {
		p = r_smallest(r, z, order, R_HATOM); /* MIGRATE_RESERVE */
		cov.reserve_alloc += p != RNIL;
	}
	return p;
}

/* __zone_watermark_ok() of v6.1 and of v4.2 */
static bool r_wmark_ok(const struct ref *r, const struct rzone *z, unsigned order, uint64_t mark,
		       int hz, unsigned flags)
{
	int64_t min = (int64_t)mark, free_pages = r_free(z, false);

	if (r->cur) {
		free_pages -= ((int64_t)1 << order) - 1;
		if (!(flags & RA_RESERVES))
			free_pages -= (int64_t)z->highatomic;
		if (!(flags & RA_CMA))
			free_pages -= r_free(z, true);
		if (flags & RA_MIN_RESERVE) {
			min -= min / 2;
			if (flags & RA_NON_BLOCK)
				min -= min / 4;
		}
		if (flags & RA_OOM)
			min -= min / 2;
		if (free_pages <= min + (int64_t)z->lowmem_reserve[hz])
			return false;
		if (!order)
			return true;
		for (unsigned o = order; o <= r->max_order; o++) {
			for (int t = 0; t < 3; t++)
				if (z->fl[o][t].n)
					return true;
			if ((flags & RA_CMA) && z->fl[o][R_CMA].n)
				return true;
			if ((flags & (RA_HIGHATOMIC | RA_OOM)) && z->fl[o][R_HATOM].n)
				return true;
		}
		return false;
	}
	free_pages -= ((int64_t)1 << order) - 1;
	if (flags & RA_MIN_RESERVE)
		min -= min / 2;
	if (flags & RA_NON_BLOCK)
		min -= min / 4;
	if (free_pages - ((flags & RA_CMA) ? 0 : r_free(z, true)) <= min + (int64_t)z->lowmem_reserve[hz])
		return false;
	for (unsigned o = 0; o < order; o++) {
		free_pages -= (int64_t)(r_area_nr(z, o) << o);
		min >>= 1;
		if (free_pages <= min)
			return false;
	}
	return true;
}

/* reserve_highatomic_pageblock() of v6.1 */
static void r_reserve_highatomic(struct ref *r, struct rzone *z, uint64_t pfn)
{
	int mt = r_pbt(r, pfn);

	if (z->highatomic >= z->managed / 100 + r->pb_pages)
		return;
	if (!r_mergeable(mt))
		return;
	z->highatomic += r->pb_pages;
	cov.ha_reserved++;
	r_set_pbt(r, pfn, R_HATOM);
	r_move_block(r, z, pfn, R_HATOM, NULL);
}

static int r_top_zone(const struct ref *r, int hz)
{
	int i = r->nz - 1;

	while (i >= 0 && r->z[i].type > hz)
		i--;
	return i;
}

/* get_page_from_freelist() */
static uint32_t r_gpff(struct ref *r, unsigned order, unsigned flags, int hz, int mt, int *zi)
{
	bool relaxed = false;

	for (;;) {
		for (int i = r_top_zone(r, hz); i >= 0; i--) {
			struct rzone *z = &r->z[i];
			uint32_t p;

			if (!r_wmark_ok(r, z, order, z->wmark[flags & RA_WMARK_MASK], hz, flags)) {
				cov.wmark_skip++;
				continue;
			}
			p = r_rmqueue(r, z, order, mt, flags);
			if (p == RNIL)
				continue;
			if (r->cur && (flags & RA_HIGHATOMIC))
				r_reserve_highatomic(r, z, p);
			cov.lower_zone += i != r_top_zone(r, hz);
			cov.nofrag_relaxed += relaxed;
			*zi = i;
			return p;
		}
		if (!(flags & RA_NOFRAG))
			return RNIL;
		flags &= ~RA_NOFRAG;
		relaxed = true;
	}
}

static int r_gfp_mt(pfnlab_gfp_t g)
{
	pfnlab_gfp_t m = g & (PFNLAB___GFP_MOVABLE | PFNLAB___GFP_RECLAIMABLE);

	return m == PFNLAB___GFP_MOVABLE ? R_MOV : m == PFNLAB___GFP_RECLAIMABLE ? R_RECL : R_UNMOV;
}

/* gfp_zone() for the flag combinations this file uses */
static int r_gfp_zone(pfnlab_gfp_t g)
{
	if (g & PFNLAB___GFP_DMA)
		return Z_DMA;
	if (g & PFNLAB___GFP_DMA32)
		return Z_DMA32;
	if ((g & PFNLAB___GFP_MOVABLE) && (g & PFNLAB___GFP_HIGHMEM))
		return Z_MOVABLE;
	return Z_NORMAL;
}

/*
 * unreserve_highatomic_pageblock(force) of v6.1: the first HIGHATOMIC free
 * block found (zones from the highest the request may use, orders from 0)
 * turns its pageblock to @mt; false when there is none
 */
static bool r_unreserve(struct ref *r, int hz, int mt)
{
	for (int i = r_top_zone(r, hz); i >= 0; i--) {
		struct rzone *z = &r->z[i];

		for (unsigned o = 0; o <= r->max_order; o++) {
			uint32_t pfn;

			if (!z->fl[o][R_HATOM].n)
				continue;
			pfn = z->fl[o][R_HATOM].v[0];
			if (r_pbt(r, pfn) == R_HATOM)
				z->highatomic -= z->highatomic < r->pb_pages ? z->highatomic : r->pb_pages;
			r_set_pbt(r, pfn, mt);
			cov.ha_unreserved++;
			if (r_move_block(r, z, pfn, mt, NULL))
				return true;
		}
	}
	return false;
}

/* __alloc_pages(): fast pass, then the slow path's flags (reclaim never helps: see above) */
static uint32_t ref_alloc(struct ref *r, pfnlab_gfp_t gfp, unsigned order)
{
	int mt = r_gfp_mt(gfp), hz = r_gfp_zone(gfp), top = r_top_zone(r, hz), zi = -1;
	unsigned cma = r->has_cma && mt == R_MOV ? RA_CMA : 0, flags = RA_WMARK_LOW | cma;
	uint32_t p;

	/* alloc_flags_nofragment(): the preferred zone is ZONE_NORMAL (v5.0+) */
	if (r->cur && top >= 0 && r->z[top].type == Z_NORMAL &&
	    (!quirks.nofrag_needs_dma32 || (top > 0 && r->z[top - 1].type == Z_DMA32)))
		flags |= RA_NOFRAG;
	p = r_gpff(r, order, flags, hz, mt, &zi);
	if (p == RNIL) {
		/* gfp_to_alloc_flags() */
		flags = RA_WMARK_MIN | cma;
		if (gfp & PFNLAB___GFP_HIGH)
			flags |= RA_MIN_RESERVE;
		if (!(gfp & PFNLAB___GFP_DIRECT_RECLAIM) && !(gfp & PFNLAB___GFP_NOMEMALLOC)) {
			flags |= RA_NON_BLOCK;
			if (order > 0 && (flags & RA_MIN_RESERVE))
				flags |= RA_HIGHATOMIC;
		}
		p = r_gpff(r, order, flags, hz, mt, &zi);
		/* should_reclaim_retry() gives up: the highatomic reserves go, one pageblock a retry */
		while (p == RNIL && r->cur && (gfp & PFNLAB___GFP_DIRECT_RECLAIM) && !(gfp & PFNLAB___GFP_NORETRY) &&
		       order <= 3 && r_unreserve(r, hz, mt))
			p = r_gpff(r, order, flags, hz, mt, &zi);
		cov.slow_ok += p != RNIL;
	}
	if (p == RNIL) {
		r->failed++;
		cov.fails++;
		return RNIL;
	}
	cov.allocs++;
	r->ao[p] = (int8_t)order;
	r->amt[p] = (uint8_t)mt;
	if (mt == R_MOV) {
		if (quirks.lru_head_only)
			r->lru[p] = 1;
		else
			memset(r->lru + p, 1, (size_t)1 << order);
	}
	r->pgalloc[r->z[zi].type] += 1ull << order;
	return p;
}

/* __free_pages() of a live allocation; -EINVAL for anything else */
static int ref_free(struct ref *r, uint64_t pfn, unsigned order)
{
	int zi;

	if (pfn >= r->nr_pfns || order > r->max_order || r->ao[pfn] != (int)order)
		return -EINVAL;
	zi = r_zone_of(r, pfn);
	r->ao[pfn] = -1;
	memset(r->lru + pfn, 0, (size_t)1 << order);
	r->pgfree += 1ull << order;
	r_free_one(r, &r->z[zi], pfn, order, r_pbt(r, pfn), false);
	return 0;
}

static uint64_t r_isqrt(uint64_t x)
{
	uint64_t s = 0;

	while ((s + 1) * (s + 1) <= x)
		s++;
	return s;
}

/* __setup_per_zone_wmarks() and setup_per_zone_lowmem_reserve() */
static void r_watermarks(struct ref *r, unsigned wsf)
{
	static const unsigned ratio[PFNLAB_NR_ZONES] = {256, 256, 32, 0};
	uint64_t pages_min = (uint64_t)r->min_free_kbytes >> (r->page_shift - 10), lowmem = 0;
	uint64_t by_type[PFNLAB_NR_ZONES] = {0};

	for (int i = 0; i < r->nz; i++) {
		by_type[r->z[i].type] = r->z[i].managed;
		if (!(quirks.movable_zone_highmem && r->cur && r->z[i].type == Z_MOVABLE))
			lowmem += r->z[i].managed;
	}
	for (int i = 0; i < r->nz; i++) {
		struct rzone *z = &r->z[i];
		uint64_t tmp = lowmem ? pages_min * z->managed / lowmem : 0, upper = 0;

		z->wmark[0] = tmp;
		if (quirks.movable_zone_highmem && r->cur && z->type == Z_MOVABLE) {
			uint64_t mp = z->managed / 1024;

			z->wmark[0] = mp < 32 ? 32 : mp > 128 ? 128 : mp;
			tmp = 0;
		}
		if (r->cur) {
			uint64_t gap = tmp >> 2, scale = z->managed * wsf / 10000;

			if (gap < scale)
				gap = scale;
			z->wmark[1] = z->wmark[0] + gap;
			z->wmark[2] = z->wmark[1] + gap;
		} else {
			z->wmark[1] = z->wmark[0] + (tmp >> 2);
			z->wmark[2] = z->wmark[0] + (tmp >> 1);
		}
		for (int t = z->type + 1; t < PFNLAB_NR_ZONES; t++) {
			upper += by_type[t];
			z->lowmem_reserve[t] = ratio[z->type] && z->managed ? upper / ratio[z->type] : 0;
		}
	}
}

/* setup_zone_migrate_reserve() of v4.2 */
static void r_migrate_reserve(struct ref *r)
{
	for (int i = 0; i < r->nz; i++) {
		struct rzone *z = &r->z[i];
		uint64_t start = (z->start + r->pb_pages - 1) & ~(r->pb_pages - 1);
		uint64_t reserve = ((z->wmark[0] + r->pb_pages - 1) & ~(r->pb_pages - 1)) >> r->pb_order;

		if (reserve > 2)
			reserve = 2;
		for (uint64_t pfn = start; pfn < z->end && reserve; pfn += r->pb_pages) {
			uint64_t bend = pfn + r->pb_pages < z->end ? pfn + r->pb_pages : z->end;
			bool reserved = false;

			for (uint64_t p = pfn; p < bend; p++)
				reserved |= r->state[p] != 2;
			if (reserved || r_pbt(r, pfn) != R_MOV)
				continue;
			r_set_pbt(r, pfn, R_HATOM);
			r_move_block(r, z, pfn, R_HATOM, NULL);
			reserve--;
		}
	}
}

/* __free_pages_memory(): maximal aligned blocks over [a, b) */
static void r_free_run(struct ref *r, struct rzone *z, uint64_t a, uint64_t b, bool cma_blocks)
{
	while (a < b) {
		unsigned o = r->max_order;

		while (o && ((a & ((1ull << o) - 1)) || a + (1ull << o) > b))
			o--;
		z->managed += 1ull << o;
		/* v6.1 boot frees go to the tail (FPI_TO_TAIL), v4.2 through __free_pages() */
		r_free_one(r, z, a, o, cma_blocks ? r_pbt(r, a) : R_MOV, r->cur);
		a += 1ull << o;
	}
}

static bool r_in_cma(const struct pfnlab_machine *m, uint64_t pfn)
{
	for (unsigned i = 0; i < m->nr_cma; i++)
		if (pfn >= m->cma[i].base_pfn && pfn < m->cma[i].base_pfn + m->cma[i].count)
			return true;
	return false;
}

/*
 * Build the freshly booted state from the layout of @m (zone spans, RAM
 * ranges, CMA placement) and its configuration.
 */
static struct ref *ref_boot(const struct pfnlab_machine *m)
{
	const struct pfnlab_config *c = &m->cfg;
	struct ref *r = calloc(1, sizeof(*r));
	uint64_t reserved_end = c->reserved_low_bytes >> c->page_shift;

	r->max_order = c->max_order;
	r->pb_order = c->pageblock_order;
	r->page_shift = c->page_shift;
	r->pb_pages = 1ull << r->pb_order;
	r->nr_pfns = m->nr_pfns;
	r->nr_pb = (r->nr_pfns + r->pb_pages - 1) >> r->pb_order;
	r->cur = c->era == PFNLAB_ERA_CURRENT;
	r->cma_5_7 = c->cma_rule == PFNLAB_CMA_5_7;
	r->has_cma = m->nr_cma > 0;
	r->fo = malloc(r->nr_pfns);
	r->fmt = calloc(r->nr_pfns, 1);
	r->ao = malloc(r->nr_pfns);
	r->amt = calloc(r->nr_pfns, 1);
	r->lru = calloc(r->nr_pfns, 1);
	r->state = calloc(r->nr_pfns, 1);
	r->pb = malloc(r->nr_pb);
	memset(r->fo, -1, r->nr_pfns);
	memset(r->ao, -1, r->nr_pfns);
	/* memmap_init(): every pageblock MOVABLE; the CMA areas' blocks CMA */
	memset(r->pb, R_MOV, r->nr_pb);
	for (unsigned i = 0; i < m->nr_cma; i++)
		for (uint64_t p = m->cma[i].base_pfn; p < m->cma[i].base_pfn + m->cma[i].count; p += r->pb_pages)
			r_set_pbt(r, p, R_CMA);
	for (unsigned i = 0; i < m->nr_ram; i++)
		for (uint64_t p = m->ram_start[i]; p < m->ram_end[i]; p++)
			r->state[p] = p < reserved_end ? 1 : 2;
	r->nz = m->nr_zones;
	for (int i = 0; i < r->nz; i++) {
		r->z[i].type = m->zones[i].type;
		r->z[i].start = m->zones[i].start_pfn;
		r->z[i].end = m->zones[i].start_pfn + m->zones[i].spanned;
	}
	/* memblock_free_all(): managed runs, ascending; CMA areas are memblock-reserved */
	for (int i = 0; i < r->nz; i++) {
		struct rzone *z = &r->z[i];
		uint64_t a = z->start;

		while (a < z->end) {
			uint64_t b;

			if (r->state[a] != 2 || (!quirks.cma_in_boot_run && r_in_cma(m, a))) {
				a++;
				continue;
			}
			for (b = a; b < z->end && r->state[b] == 2 && (quirks.cma_in_boot_run || !r_in_cma(m, b)); b++)
				;
			r_free_run(r, z, a, b, quirks.cma_in_boot_run);
			a = b;
		}
	}
	/* cma_activate_area(): each pageblock freed as one block, FPI_NONE */
	if (!quirks.cma_in_boot_run) {
		for (unsigned k = 0; k < m->nr_cma; k++) {
			struct rzone *z = &r->z[r_zone_of(r, m->cma[k].base_pfn)];

			for (uint64_t p = m->cma[k].base_pfn; p < m->cma[k].base_pfn + m->cma[k].count;
			     p += r->pb_pages) {
				z->managed += r->pb_pages;
				r_free_one(r, z, p, r->pb_order, R_CMA, false);
			}
		}
	}
	/* init_per_zone_wmark_min() */
	r->min_free_kbytes = c->min_free_kbytes;
	if (r->min_free_kbytes < 0) {
		uint64_t lowmem = 0, v, cap = r->cur ? 262144 : 65536;

		for (int i = 0; i < r->nz; i++)
			if (r->z[i].type <= Z_NORMAL)
				lowmem += r->z[i].managed;
		v = r_isqrt(lowmem * (1ull << (c->page_shift - 10)) * 16);
		r->min_free_kbytes = (int)(v < 128 ? 128 : v > cap ? cap : v);
	}
	r_watermarks(r, c->watermark_scale_factor);
	if (!r->cur)
		r_migrate_reserve(r);
	return r;
}

static void ref_destroy(struct ref *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nz; i++)
		for (unsigned o = 0; o < MAX_ORDERS; o++)
			for (int t = 0; t < NMT; t++)
				free(r->z[i].fl[o][t].v);
	free(r->fo);
	free(r->fmt);
	free(r->ao);
	free(r->amt);
	free(r->lru);
	free(r->state);
	free(r->pb);
	free(r);
}

/* ---- comparison --------------------------------------------------------- */

static int cmp_budget; /* mismatch lines still to print */

#define MISMATCH(...)                                  \
	do {                                           \
		bad++;                                 \
		if (report && cmp_budget > 0) {        \
			cmp_budget--;                  \
			T_FAIL(__VA_ARGS__);           \
		}                                      \
	} while (0)

static const char *mtn(int t)
{
	static const char *const n[NMT] = {"Unmovable", "Movable", "Reclaimable", "HighAtomic/Reserve", "CMA",
					   "Isolate"};

	return t >= 0 && t < NMT ? n[t] : "?";
}

/*
 * Compare the whole allocator state of @m with @r; returns the number of
 * differences, printing the first few when @report.
 */
static int compare(const struct ref *r, const struct pfnlab_machine *m, bool report, const char *when)
{
	int bad = 0;

	if (m->nr_zones != r->nz)
		MISMATCH("%s: %d zones, reference %d", when, m->nr_zones, r->nz);
	for (int i = 0; i < r->nz && i < m->nr_zones; i++) {
		const struct zone *mz = &m->zones[i];
		const struct rzone *z = &r->z[i];

		if (mz->managed != z->managed)
			MISMATCH("%s: zone %s managed %" PRIu64 ", reference %" PRIu64, when, mz->name, mz->managed,
				 z->managed);
		if (mz->nr_free != r_free(z, false))
			MISMATCH("%s: zone %s NR_FREE_PAGES %" PRId64 ", reference %" PRId64, when, mz->name,
				 mz->nr_free, r_free(z, false));
		if (mz->nr_free_cma != r_free(z, true))
			MISMATCH("%s: zone %s NR_FREE_CMA_PAGES %" PRId64 ", reference %" PRId64, when, mz->name,
				 mz->nr_free_cma, r_free(z, true));
		if (mz->nr_reserved_highatomic != z->highatomic)
			MISMATCH("%s: zone %s nr_reserved_highatomic %" PRIu64 ", reference %" PRIu64, when,
				 mz->name, mz->nr_reserved_highatomic, z->highatomic);
		for (unsigned o = 0; o < MAX_ORDERS; o++) {
			if (mz->area[o].nr_free != r_area_nr(z, o))
				MISMATCH("%s: zone %s order %u nr_free %" PRIu64 ", reference %" PRIu64, when, mz->name,
					 o, mz->area[o].nr_free, r_area_nr(z, o));
			for (int t = 0; t < NMT; t++) {
				const struct free_list *l = &mz->area[o].list[t];
				const struct rlist *rl = &z->fl[o][t];
				uint64_t p = l->head;
				uint32_t k = 0;

				for (; p != NIL_PFN && k <= rl->n && p < m->nr_pfns; p = m->frames[p].next, k++) {
					if (k == rl->n || p != rl->v[k]) {
						MISMATCH("%s: zone %s order %u %s list position %u: PFN %" PRIu64
							 ", reference %s%u",
							 when, mz->name, o, mtn(t), k, p, k == rl->n ? "end " : "",
							 k == rl->n ? 0 : rl->v[k]);
						break;
					}
				}
				if (k < rl->n && (p == NIL_PFN || p >= m->nr_pfns))
					MISMATCH("%s: zone %s order %u %s list ends at position %u, reference has PFN %u",
						 when, mz->name, o, mtn(t), k, rl->v[k]);
			}
		}
	}
	for (uint64_t b = 0; b < r->nr_pb && b < m->nr_pageblocks; b++)
		if ((m->pageblock[b] & PB_MT_MASK) != r->pb[b])
			MISMATCH("%s: pageblock at PFN %" PRIu64 " is %s, reference %s", when, b << r->pb_order,
				 mtn(m->pageblock[b] & PB_MT_MASK), mtn(r->pb[b]));
	for (uint64_t p = 0; p < r->nr_pfns; p++) {
		const struct frame *f = &m->frames[p];

		if (r->fo[p] >= 0) {
			if (!(f->flags & F_BUDDY) || f->order != r->fo[p] || f->mt != r->fmt[p])
				MISMATCH("%s: PFN %" PRIu64 " flags %#x order %u mt %u, reference a free order-%d %s block",
					 when, p, f->flags, f->order, f->mt, r->fo[p], mtn(r->fmt[p]));
		} else if (r->ao[p] >= 0) {
			if (!(f->flags & F_ALLOC) || f->order != r->ao[p] || f->refcount != 1 ||
			    !(f->flags & F_LRU) != (r->amt[p] != R_MOV))
				MISMATCH("%s: PFN %" PRIu64 " flags %#x order %u, reference a live order-%d %s allocation",
					 when, p, f->flags, f->order, r->ao[p], mtn(r->amt[p]));
		} else if (f->flags & (F_BUDDY | F_ALLOC | F_PCP)) {
			MISMATCH("%s: PFN %" PRIu64 " flags %#x, reference neither a free nor an allocated head", when,
				 p, f->flags);
		}
	}
	if (m->vm[VM_EXTFRAG] != r->extfrag)
		MISMATCH("%s: extfrag events %" PRIu64 ", reference %" PRIu64, when, m->vm[VM_EXTFRAG], r->extfrag);
	if (m->vm[VM_EXTFRAG_CLAIMED] != r->claimed)
		MISMATCH("%s: claimed extfrag events %" PRIu64 ", reference %" PRIu64, when,
			 m->vm[VM_EXTFRAG_CLAIMED], r->claimed);
	if (m->vm[VM_ALLOC_FAILED] != r->failed)
		MISMATCH("%s: failed allocations %" PRIu64 ", reference %" PRIu64, when, m->vm[VM_ALLOC_FAILED],
			 r->failed);
	if (m->vm[VM_PGFREE] != r->pgfree)
		MISMATCH("%s: pgfree %" PRIu64 ", reference %" PRIu64, when, m->vm[VM_PGFREE], r->pgfree);
	for (int t = 0; t < PFNLAB_NR_ZONES; t++)
		if (m->vm[VM_PGALLOC_DMA + t] != r->pgalloc[t])
			MISMATCH("%s: pgalloc of zone type %d %" PRIu64 ", reference %" PRIu64, when, t,
				 m->vm[VM_PGALLOC_DMA + t], r->pgalloc[t]);
	if (r->broken)
		MISMATCH("%s: the reference met an internal inconsistency", when);
	return bad;
}

/* Boot-time values compared once: watermarks, lowmem reserves, min_free_kbytes. */
static int compare_boot(const struct ref *r, const struct pfnlab_machine *m)
{
	int bad = 0;
	bool report = true;

	if (m->min_free_kbytes != r->min_free_kbytes)
		MISMATCH("min_free_kbytes %d, reference %d", m->min_free_kbytes, r->min_free_kbytes);
	for (int i = 0; i < r->nz && i < m->nr_zones; i++) {
		for (int w = 0; w < 3; w++)
			if (m->zones[i].wmark[w] != r->z[i].wmark[w])
				MISMATCH("zone %s watermark %s %" PRIu64 ", reference %" PRIu64, m->zones[i].name,
					 w == 0 ? "min" : w == 1 ? "low" : "high", m->zones[i].wmark[w], r->z[i].wmark[w]);
		for (int t = 0; t < PFNLAB_NR_ZONES; t++)
			if (m->zones[i].lowmem_reserve[t] != r->z[i].lowmem_reserve[t])
				MISMATCH("zone %s lowmem_reserve[%d] %" PRIu64 ", reference %" PRIu64, m->zones[i].name,
					 t, m->zones[i].lowmem_reserve[t], r->z[i].lowmem_reserve[t]);
	}
	for (uint64_t p = 0; p < r->nr_pfns; p++) {
		uint8_t want = r->state[p] == 0 ? F_HOLE : r->state[p] == 1 ? F_RESERVED : 0;

		if ((m->frames[p].flags & (F_HOLE | F_RESERVED)) != want)
			MISMATCH("PFN %" PRIu64 " hole/reserved flags %#x, reference %#x", p,
				 m->frames[p].flags & (F_HOLE | F_RESERVED), want);
	}
	return bad;
}

/* ---- machines ------------------------------------------------------------ */

enum mix { MIX_MOVABLE, MIX_TYPES, MIX_ZONES };

struct rcfg {
	const char *name;
	unsigned page_shift, max_order, pb_order;
	enum pfnlab_era era;
	enum pfnlab_cma_rule rule;
	unsigned nr_ranges;
	uint64_t ranges[4][2];   /* RAM in PFNs, [start, end) */
	uint64_t reserved_pages; /* the first PFNs, present but never managed */
	uint64_t dma_end, dma32_end; /* PFNs; both 0: one zone (ZONE_DMA, like ppc64) */
	uint64_t movablecore;    /* pages */
	uint64_t cma_base, cma_pages;
	int min_free_kbytes;     /* -1: computed */
	enum mix mix;
	unsigned ops;            /* operations per seed */
};

static bool make_quiet; /* random shapes: an impossible layout is skipped, not a failure */

static struct pfnlab_machine *make_machine(const struct rcfg *rc)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	uint64_t ram = 0;
	char why[256];
	int err;

	pfnlab_config_preset(&c, rc->page_shift == 16 ? "ppc64" : "x86_64", 1ull << 30);
	snprintf(c.preset, sizeof(c.preset), "custom");
	c.page_shift = rc->page_shift;
	c.max_order = rc->max_order;
	c.pageblock_order = rc->pb_order;
	c.nr_ranges = rc->nr_ranges;
	for (unsigned i = 0; i < rc->nr_ranges; i++) {
		c.ranges[i] = (struct pfnlab_range){rc->ranges[i][0] << rc->page_shift, rc->ranges[i][1] << rc->page_shift};
		ram += rc->ranges[i][1] - rc->ranges[i][0];
	}
	c.ram_bytes = ram << rc->page_shift;
	c.reserved_low_bytes = rc->reserved_pages << rc->page_shift;
	c.single_zone_dma = !rc->dma_end && !rc->dma32_end;
	c.zone_dma_end = rc->dma_end << rc->page_shift;
	c.zone_dma32_end = rc->dma32_end << rc->page_shift;
	c.movablecore_bytes = rc->movablecore << rc->page_shift;
	c.era = rc->era;
	c.cma_rule = rc->rule;
	c.min_free_kbytes = rc->min_free_kbytes;
	c.thp = false;
	c.pcp = false;
	c.watermark_boost_factor = 0;
	c.no_compaction = true; /* the reference has no compaction (see the top) */
	if (rc->cma_pages) {
		c.nr_cma = 1;
		snprintf(c.cma[0].name, sizeof(c.cma[0].name), "ref");
		c.cma[0].base = rc->cma_base << rc->page_shift;
		c.cma[0].size = rc->cma_pages << rc->page_shift;
	}
	err = pfnlab_machine_create(&c, &m, why, sizeof(why));
	if (err) {
		if (!make_quiet)
			T_FAIL("%s: machine: %s", rc->name, why);
		return NULL;
	}
	if (rc->cma_pages && (m->nr_cma != 1 || m->cma[0].base_pfn != rc->cma_base || m->cma[0].count != rc->cma_pages))
		T_FAIL("%s: CMA area placed at %" PRIu64 "+%" PRIu64 ", asked for %" PRIu64 "+%" PRIu64, rc->name,
		       m->nr_cma ? m->cma[0].base_pfn : 0, m->nr_cma ? m->cma[0].count : 0, rc->cma_base,
		       rc->cma_pages);
	return m;
}

/*
 * The machines.  All tiny so that a whole-state comparison after every
 * operation stays cheap; all with pageblock_order < max_order except the
 * ppc64-like one, which is the seed's shape (pageblock = largest block).
 */
#define ONE_RANGE(n) 1, {{0, (n)}}
/* an x86_64 PC in miniature: reserved low pages, a low hole, DMA/DMA32/Normal, a "PCI hole" */
#define X86_RANGES 3, {{1, 40}, {64, 384}, {512, 1024}}, 4, 64, 512

static const struct rcfg cfg_movable[] = {
	{"movable-2015", 12, 5, 3, PFNLAB_ERA_2015, PFNLAB_CMA_2015, ONE_RANGE(512), 0, 0, 0, 0, 0, 0, 0, MIX_MOVABLE, 6000},
	{"movable-current", 12, 5, 3, PFNLAB_ERA_CURRENT, PFNLAB_CMA_5_7, ONE_RANGE(512), 0, 0, 0, 0, 0, 0, 0, MIX_MOVABLE, 6000},
};

static const struct rcfg cfg_types[] = {
	{"types-2015", 12, 4, 2, PFNLAB_ERA_2015, PFNLAB_CMA_2015, ONE_RANGE(1024), 0, 0, 0, 0, 0, 0, 16, MIX_TYPES, 8000},
	{"types-current", 12, 4, 2, PFNLAB_ERA_CURRENT, PFNLAB_CMA_5_7, ONE_RANGE(1024), 0, 0, 0, 0, 0, 0, 16, MIX_TYPES, 8000},
	{"types-current-pb3", 12, 5, 3, PFNLAB_ERA_CURRENT, PFNLAB_CMA_5_7, ONE_RANGE(768), 0, 0, 0, 0, 0, 0, 0, MIX_TYPES, 8000},
	{"types-2015-pb6", 12, 7, 6, PFNLAB_ERA_2015, PFNLAB_CMA_2015, ONE_RANGE(1024), 0, 0, 0, 0, 0, 0, 64, MIX_TYPES, 6000},
	{"types-current-pb6", 12, 7, 6, PFNLAB_ERA_CURRENT, PFNLAB_CMA_5_7, ONE_RANGE(1024), 0, 0, 0, 0, 0, 0, 64, MIX_TYPES, 6000},
};

static const struct rcfg cfg_cma[] = {
	{"cma-2015", 12, 4, 3, PFNLAB_ERA_2015, PFNLAB_CMA_2015, ONE_RANGE(1024), 0, 0, 0, 0, 768, 128, 16, MIX_TYPES, 8000},
	{"cma-current-5.7", 12, 4, 3, PFNLAB_ERA_CURRENT, PFNLAB_CMA_5_7, ONE_RANGE(1024), 0, 0, 0, 0, 768, 128, 16, MIX_TYPES, 8000},
	{"cma-current-2015rule", 12, 4, 3, PFNLAB_ERA_CURRENT, PFNLAB_CMA_2015, ONE_RANGE(1024), 0, 0, 0, 0, 512, 256, 0, MIX_TYPES, 8000},
	{"ppc64-2015", 16, 4, 4, PFNLAB_ERA_2015, PFNLAB_CMA_2015, ONE_RANGE(1024), 0, 0, 0, 0, 768, 64, 256, MIX_TYPES, 8000},
};

static const struct rcfg cfg_zones[] = {
	{"x86-2015", 12, 4, 3, PFNLAB_ERA_2015, PFNLAB_CMA_2015, X86_RANGES, 0, 0, 0, 32, MIX_ZONES, 8000},
	{"x86-current", 12, 4, 3, PFNLAB_ERA_CURRENT, PFNLAB_CMA_5_7, X86_RANGES, 0, 0, 0, 32, MIX_ZONES, 8000},
	{"x86-current-cma", 12, 4, 3, PFNLAB_ERA_CURRENT, PFNLAB_CMA_5_7, X86_RANGES, 0, 768, 128, 32, MIX_ZONES, 8000},
	{"x86-2015-cma", 12, 4, 3, PFNLAB_ERA_2015, PFNLAB_CMA_2015, X86_RANGES, 0, 768, 128, 32, MIX_ZONES, 8000},
	{"x86-current-movablecore", 12, 4, 3, PFNLAB_ERA_CURRENT, PFNLAB_CMA_5_7, X86_RANGES, 256, 0, 0, 32, MIX_ZONES, 8000},
	{"x86-2015-movablecore", 12, 4, 3, PFNLAB_ERA_2015, PFNLAB_CMA_2015, X86_RANGES, 256, 0, 0, 32, MIX_ZONES, 8000},
	/* no RAM between the DMA and the Normal zone: ZONE_DMA32 is empty (quirk Q4) */
	{"x86-current-no-dma32", 12, 4, 3, PFNLAB_ERA_CURRENT, PFNLAB_CMA_5_7, 2, {{1, 64}, {512, 1024}}, 4, 64, 512, 0, 0, 0,
	 32, MIX_ZONES, 6000},
};

/* ---- random operation streams -------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *g)
{
	/* xorshift64* */
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return g->s * 2685821657736338717ull;
}

static unsigned rng_below(struct rng *g, unsigned n)
{
	return (unsigned)((rng_next(g) >> 32) % n);
}

static pfnlab_gfp_t pick_gfp(struct rng *g, enum mix mix)
{
	unsigned x = rng_below(g, 100);

	switch (mix) {
	case MIX_MOVABLE:
		return PFNLAB_GFP_HIGHUSER_MOVABLE;
	case MIX_TYPES:
		return x < 45 ? PFNLAB_GFP_HIGHUSER_MOVABLE
		       : x < 80 ? PFNLAB_GFP_KERNEL
				: PFNLAB_GFP_KERNEL | PFNLAB___GFP_RECLAIMABLE;
	case MIX_ZONES:
	default:
		if (x < 35)
			return PFNLAB_GFP_HIGHUSER_MOVABLE;
		if (x < 58)
			return PFNLAB_GFP_KERNEL;
		if (x < 70)
			return PFNLAB_GFP_KERNEL | PFNLAB___GFP_RECLAIMABLE;
		if (x < 78)
			return PFNLAB_GFP_KERNEL | PFNLAB___GFP_DMA32;
		if (x < 83)
			return PFNLAB_GFP_KERNEL | PFNLAB___GFP_DMA;
		if (x < 91)
			return PFNLAB_GFP_ATOMIC;
		if (x < 95)
			return PFNLAB_GFP_NOWAIT;
		return PFNLAB_GFP_USER | PFNLAB___GFP_MOVABLE; /* movable, but not from ZONE_MOVABLE */
	}
}

static unsigned pick_order(struct rng *g, unsigned max_order)
{
	unsigned x = rng_below(g, 100);

	if (x < 45)
		return 0;
	if (x < 62)
		return 1 <= max_order ? 1 : 0;
	if (x < 74)
		return 2 <= max_order ? 2 : 0;
	return rng_below(g, max_order + 1);
}

struct live {
	uint32_t pfn;
	uint8_t order;
};

static uint64_t total_ops; /* operations compared, over the whole program */

/*
 * Run @nops random operations on a fresh machine of @rc and on the
 * reference, comparing after each.  Stops at the first difference and
 * prints the operation that caused it.
 */
/* The machine and zones a failing stream ran on, for a reproducer. */
static void describe(const struct rcfg *rc, const struct pfnlab_machine *m)
{
	fprintf(stderr, "  machine: page_shift %u max_order %u pageblock_order %u era %s cma_rule %s min_free_kbytes %d"
		" reserved %" PRIu64 " dma_end %" PRIu64 " dma32_end %" PRIu64 " movablecore %" PRIu64 " cma %" PRIu64
		"+%" PRIu64 "\n  RAM PFNs:",
		rc->page_shift, rc->max_order, rc->pb_order, rc->era ? "current" : "2015", rc->rule ? "5.7" : "2015",
		rc->min_free_kbytes, rc->reserved_pages, rc->dma_end, rc->dma32_end, rc->movablecore, rc->cma_base,
		rc->cma_pages);
	for (unsigned i = 0; i < rc->nr_ranges; i++)
		fprintf(stderr, " [%" PRIu64 ", %" PRIu64 ")", rc->ranges[i][0], rc->ranges[i][1]);
	fprintf(stderr, "\n");
	for (int i = 0; i < m->nr_zones; i++) {
		const struct zone *z = &m->zones[i];

		fprintf(stderr, "  zone %s [%" PRIu64 ", %" PRIu64 ") managed %" PRIu64 " free %" PRId64
			" wmark %" PRIu64 "/%" PRIu64 "/%" PRIu64 " lowmem_reserve %" PRIu64 " %" PRIu64 " %" PRIu64
			" %" PRIu64 "\n",
			z->name, z->start_pfn, z->start_pfn + z->spanned, z->managed, z->nr_free, z->wmark[0], z->wmark[1],
			z->wmark[2], z->lowmem_reserve[0], z->lowmem_reserve[1], z->lowmem_reserve[2],
			z->lowmem_reserve[3]);
	}
}

static void run_stream(const struct rcfg *rc, uint64_t seed, unsigned nops)
{
	struct pfnlab_machine *m = make_machine(rc);
	struct ref *r;
	struct live *live;
	size_t nlive = 0;
	struct rng g = {seed * 0x9e3779b97f4a7c15ull + 1};
	char why[512], when[512];
	int failed_before = test_failed_checks;

	if (!m)
		return;
	live = calloc(m->nr_pfns + 1, sizeof(*live));
	r = ref_boot(m);
	cmp_budget = 12;
	snprintf(when, sizeof(when), "%s seed %" PRIu64 " after boot", rc->name, seed);
	if (pfnlab_check(m, why, sizeof(why)))
		T_FAIL("%s: checker: %s", when, why);
	if (compare(r, m, true, when) || compare_boot(r, m))
		goto out;
	for (unsigned i = 0; i < nops; i++) {
		unsigned x = rng_below(&g, 1000);
		/* phases of 1200 operations: filling (75% allocations), then draining (30%) */
		unsigned alloc_permille = (i / 1200) % 2 ? 300 : 750;

		if (x < 12) {
			/* a free that must be refused: a wrong order, a free block, a tail, a hole */
			uint64_t pfn;
			unsigned order;
			int got, want;

			if (nlive && x < 6) {
				struct live *l = &live[rng_below(&g, (unsigned)nlive)];

				pfn = l->pfn;
				order = (l->order + 1 + rng_below(&g, r->max_order)) % (r->max_order + 1);
			} else {
				pfn = rng_below(&g, (unsigned)m->nr_pfns + 8);
				order = rng_below(&g, r->max_order + 2);
				if (pfn < r->nr_pfns && r->ao[pfn] == (int)order)
					order = (order + 1) % (r->max_order + 1);
			}
			snprintf(when, sizeof(when), "%s seed %" PRIu64 " op %u: bad free of PFN %" PRIu64 " order %u",
				 rc->name, seed, i, pfn, order);
			got = pfnlab_free_pages(m, pfn, order);
			want = ref_free(r, pfn, order);
			if (got != -EINVAL || want != -EINVAL) {
				T_FAIL("%s: returned %d, reference %d, expected -EINVAL", when, got, want);
				break;
			}
		} else if (!nlive || x < alloc_permille) {
			pfnlab_gfp_t gfp = pick_gfp(&g, rc->mix);
			unsigned order = pick_order(&g, r->max_order);
			uint64_t pfn = NIL_PFN;
			int err = pfnlab_alloc_pages(m, gfp, order, &pfn);
			uint32_t want = ref_alloc(r, gfp, order);
			char gname[256];

			pfnlab_gfp_format(gfp, gname, sizeof(gname));
			snprintf(when, sizeof(when), "%s seed %" PRIu64 " op %u: alloc order %u %s", rc->name, seed, i,
				 order, gname);
			if ((err ? RNIL : (uint32_t)pfn) != want || (err && err != -ENOMEM)) {
				if (err)
					T_FAIL("%s: got error %d, reference %s%u", when, err,
					       want == RNIL ? "failure " : "PFN ", want == RNIL ? 0 : want);
				else
					T_FAIL("%s: got PFN %" PRIu64 ", reference %s%u", when, pfn,
					       want == RNIL ? "failure " : "PFN ", want == RNIL ? 0 : want);
				break;
			}
			if (!err)
				live[nlive++] = (struct live){(uint32_t)pfn, (uint8_t)order};
		} else {
			size_t k = rng_below(&g, (unsigned)nlive);
			struct live l = live[k];
			int got, want;

			live[k] = live[--nlive];
			snprintf(when, sizeof(when), "%s seed %" PRIu64 " op %u: free PFN %u order %u", rc->name, seed, i,
				 l.pfn, l.order);
			got = pfnlab_free_pages(m, l.pfn, l.order);
			want = ref_free(r, l.pfn, l.order);
			if (got || want) {
				T_FAIL("%s: returned %d, reference %d", when, got, want);
				break;
			}
		}
		total_ops++;
		if (pfnlab_check(m, why, sizeof(why))) {
			T_FAIL("%s: checker: %s", when, why);
			break;
		}
		if (compare(r, m, true, when))
			break;
	}
out:
	if (test_failed_checks != failed_before)
		describe(rc, m);
	ref_destroy(r);
	free(live);
	pfnlab_machine_destroy(m);
}

static void print_cov(const char *name)
{
	printf("     %-26s allocs %6" PRIu64 " fails %5" PRIu64 " slow %4" PRIu64 " lowerzone %5" PRIu64
	       " wmskip %5" PRIu64 " nofrag2 %4" PRIu64 " extfrag %5" PRIu64 " claims %4" PRIu64 " smallest %4" PRIu64
	       " single %4" PRIu64 " ha+ %3" PRIu64 " ha %4" PRIu64 " reserve %4" PRIu64 " cma1st %5" PRIu64
	       " cmafb %5" PRIu64 "\n",
	       name, cov.allocs, cov.fails, cov.slow_ok, cov.lower_zone, cov.wmark_skip, cov.nofrag_relaxed,
	       cov.extfrag, cov.claims, cov.find_smallest, cov.steal_single, cov.ha_reserved, cov.ha_alloc,
	       cov.reserve_alloc, cov.cma_first, cov.cma_fallback);
}

/*
 * Run @seeds streams of each configuration; after each configuration,
 * @expect checks what its streams exercised (cov holds that configuration's
 * counts).
 */
#ifndef REF_SEED_FACTOR
#define REF_SEED_FACTOR 1 /* more seeds for a long soak: -DREF_SEED_FACTOR=50 */
#endif

static void run_configs(const struct rcfg *cs, size_t n, unsigned seeds, void (*expect)(const struct rcfg *))
{
	seeds *= REF_SEED_FACTOR;
	for (size_t i = 0; i < n; i++) {
		int before = test_failed_checks;

		memset(&cov, 0, sizeof(cov));
		test_variant = cs[i].name;
		for (unsigned s = 1; s <= seeds && test_failed_checks == before; s++)
			run_stream(&cs[i], s, cs[i].ops);
		if (test_verbose)
			print_cov(cs[i].name);
		if (test_failed_checks == before) /* a stream cut short says nothing of coverage */
			expect(&cs[i]);
	}
	test_variant = NULL;
}

/* ---- tests ---------------------------------------------------------------- */

/*
 * What each configuration's streams must have exercised, so that a stream
 * that silently stopped reaching a path fails instead of passing vacuously.
 */
static void expect_cov(const struct rcfg *rc)
{
	bool cur = rc->era == PFNLAB_ERA_CURRENT, mixed = rc->mix != MIX_MOVABLE, dma32 = false;

	for (unsigned i = 0; i < rc->nr_ranges; i++)
		dma32 |= rc->ranges[i][0] < rc->dma32_end && rc->ranges[i][1] > rc->dma_end;

	if (!cov.allocs || !cov.fails || !cov.wmark_skip)
		T_FAIL("%s: allocations %" PRIu64 ", failures %" PRIu64 ", watermark refusals %" PRIu64
		       ": the stream did not reach memory pressure", rc->name, cov.allocs, cov.fails, cov.wmark_skip);
	if (mixed && (!cov.extfrag || !cov.claims))
		T_FAIL("%s: %" PRIu64 " fallbacks, %" PRIu64 " claimed: no stealing exercised", rc->name, cov.extfrag,
		       cov.claims);
	if (mixed && cur && rc->pb_order >= 2 && !cov.steal_single)
		T_FAIL("%s: no fallback that could not steal the pageblock", rc->name);
	if (mixed && cur && rc->pb_order >= 4 && !cov.find_smallest)
		T_FAIL("%s: the smallest-block rescan for movable requests was never taken", rc->name);
	if (!cur && rc->min_free_kbytes && !cov.reserve_alloc)
		T_FAIL("%s: no allocation fell back to MIGRATE_RESERVE", rc->name);
	if (rc->cma_pages && !cov.cma_fallback)
		T_FAIL("%s: no movable allocation fell back to CMA", rc->name);
	if (rc->cma_pages && rc->rule == PFNLAB_CMA_5_7 && !cov.cma_first)
		T_FAIL("%s: the 5.7 rule never took CMA first", rc->name);
	if (rc->mix == MIX_ZONES && (!cov.lower_zone || !cov.slow_ok))
		T_FAIL("%s: %" PRIu64 " allocations from a lower zone, %" PRIu64 " on the slow path", rc->name,
		       cov.lower_zone, cov.slow_ok);
	/* a reserve is used, or given back by a request that could not be served otherwise */
	if (rc->mix == MIX_ZONES && cur && (!cov.ha_reserved || !(cov.ha_alloc || cov.ha_unreserved) ||
					    (!cov.nofrag_relaxed && (dma32 || !quirks.nofrag_needs_dma32))))
		T_FAIL("%s: ALLOC_NOFRAGMENT relaxed %" PRIu64 " times, %" PRIu64 " HIGHATOMIC blocks reserved, %" PRIu64
		       " allocations from them, %" PRIu64 " given back",
		       rc->name, cov.nofrag_relaxed, cov.ha_reserved, cov.ha_alloc, cov.ha_unreserved);
}

/*
 * Expect every machine of this file, freshly booted, to hold exactly the
 * free lists (in list order), pageblock types, managed counts, watermarks,
 * lowmem reserves and hole/reserved frames the reference boot computes.
 */
TEST(ref_boot_check)
{
	static const struct {
		const struct rcfg *c;
		size_t n;
	} sets[] = {
		{cfg_movable, sizeof(cfg_movable) / sizeof(cfg_movable[0])},
		{cfg_types, sizeof(cfg_types) / sizeof(cfg_types[0])},
		{cfg_cma, sizeof(cfg_cma) / sizeof(cfg_cma[0])},
		{cfg_zones, sizeof(cfg_zones) / sizeof(cfg_zones[0])},
	};

	for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
		for (size_t i = 0; i < sets[k].n; i++) {
			struct pfnlab_machine *m = make_machine(&sets[k].c[i]);
			struct ref *r;
			char why[512];

			test_variant = sets[k].c[i].name;
			if (!m)
				continue;
			r = ref_boot(m);
			cmp_budget = 12;
			CHECK_EQ(pfnlab_check(m, why, sizeof(why)), 0);
			CHECK_EQ(compare(r, m, true, "boot"), 0);
			CHECK_EQ(compare_boot(r, m), 0);
			ref_destroy(r);
			pfnlab_machine_destroy(m);
		}
	}
	test_variant = NULL;
}

/*
 * Expect the x86_64 preset itself (64 MiB: orders 0..10, pageblock order 9,
 * the first MiB reserved, DMA and DMA32, min_free_kbytes computed) to boot
 * as the reference does, in both eras, and to follow it through 2000
 * random mixed-type operations each.
 */
TEST(ref_x86_64_preset_check)
{
	for (int era = 0; era < 2; era++) {
		struct rcfg rc = {era ? "x86_64-64M-current" : "x86_64-64M-2015", 12, 10, 9,
				  (enum pfnlab_era)era, era ? PFNLAB_CMA_5_7 : PFNLAB_CMA_2015,
				  2, {{1, 0x9f}, {256, 16384}}, 256, 4096, 1ull << 20, 0, 0, 0, -1, MIX_ZONES, 2000};

		test_variant = rc.name;
		run_stream(&rc, 7, rc.ops);
	}
	test_variant = NULL;
}

/*
 * Expect movable-only streams on one zone (pcp off, no CMA) to return
 * exactly the reference's PFNs and leave exactly its free lists, in both
 * eras, over 3 seeds of 6000 operations.
 */
TEST(ref_movable_only_check)
{
	run_configs(cfg_movable, sizeof(cfg_movable) / sizeof(cfg_movable[0]), 3, expect_cov);
}

/*
 * Expect UNMOVABLE/MOVABLE/RECLAIMABLE mixtures on one zone, where
 * fallback, stealing and pageblock claims happen all the time, to agree
 * with the reference after every operation (both eras, v4.2 MIGRATE_RESERVE
 * blocks included, pageblock orders 2, 3 and 6), over 3 seeds of 6000 to
 * 8000 operations per machine, each having taken the paths expect_cov()
 * asks for.
 */
TEST(ref_mixed_types_check)
{
	run_configs(cfg_types, sizeof(cfg_types) / sizeof(cfg_types[0]), 3, expect_cov);
}

/*
 * Expect machines with a CMA area (both eras, CMA rules 2015 and 5.7, and
 * the ppc64 shape with pageblock_order == max_order) to agree with the
 * reference after every operation, over 3 seeds of 8000 operations.
 */
TEST(ref_cma_check)
{
	run_configs(cfg_cma, sizeof(cfg_cma) / sizeof(cfg_cma[0]), 3, expect_cov);
}

/*
 * Expect x86_64-like machines with three zones, holes, reserved low pages,
 * lowmem reserves, non-zero watermarks, ALLOC_NOFRAGMENT, GFP_DMA/DMA32,
 * GFP_ATOMIC (HIGHATOMIC reserves) and GFP_NOWAIT, with and without a CMA
 * area or ZONE_MOVABLE, or with ZONE_DMA32 empty, to agree with the
 * reference after every operation, over 2 seeds of 6000 to 8000 operations.
 */
TEST(ref_zones_check)
{
	run_configs(cfg_zones, sizeof(cfg_zones) / sizeof(cfg_zones[0]), 2, expect_cov);
}

/*
 * A random machine shape: orders 1..7, any pageblock order up to the
 * largest, 4..64 largest blocks, one to three RAM ranges with holes at any
 * PFN, reserved low pages, one zone or DMA/DMA32/Normal at largest-block
 * boundaries, maybe ZONE_MOVABLE, maybe a CMA area of whole largest blocks
 * inside one RAM range, either era and CMA rule, any operation mix.
 */
static bool random_shape(struct rng *g, struct rcfg *rc, char *name, size_t len)
{
	unsigned mo = 1 + rng_below(g, 7), nb = 4 + rng_below(g, 61);
	uint64_t block = 1ull << mo, pages, cut[6];
	struct pfnlab_machine *m;

	if ((nb << mo) > 2048)
		nb = (unsigned)(2048 >> mo);
	pages = (uint64_t)nb << mo;
	memset(rc, 0, sizeof(*rc));
	rc->page_shift = 12;
	rc->max_order = mo;
	rc->pb_order = 1 + rng_below(g, mo);
	rc->era = (enum pfnlab_era)rng_below(g, 2);
	rc->rule = (enum pfnlab_cma_rule)rng_below(g, 2);
	rc->nr_ranges = 1 + rng_below(g, 3);
	/* sorted cut points: range i is [cut[2i], cut[2i+1]) */
	for (unsigned i = 0; i < 2 * rc->nr_ranges; i++)
		cut[i] = rng_below(g, (unsigned)pages + 1);
	for (unsigned i = 1; i < 2 * rc->nr_ranges; i++)
		for (unsigned j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
			uint64_t t = cut[j];

			cut[j] = cut[j - 1];
			cut[j - 1] = t;
		}
	/* cppcheck-suppress uninitvar ; cut[0] was filled above */
	cut[0] = rng_below(g, 2) ? 0 : cut[0];
	cut[2 * rc->nr_ranges - 1] = pages;
	for (unsigned i = 0; i < rc->nr_ranges; i++) {
		rc->ranges[i][0] = cut[2 * i];
		rc->ranges[i][1] = cut[2 * i + 1];
		if (rc->ranges[i][0] >= rc->ranges[i][1] || (i && rc->ranges[i][0] <= rc->ranges[i - 1][1]))
			return false;
	}
	rc->reserved_pages = rng_below(g, 3) ? 0 : rng_below(g, (unsigned)block + 1);
	if (rng_below(g, 2) && nb >= 3) {
		rc->dma_end = (1 + rng_below(g, nb - 2)) * block;
		rc->dma32_end = rc->dma_end + (1 + rng_below(g, nb - 1 - (unsigned)(rc->dma_end >> mo))) * block;
		if (rng_below(g, 3) == 0)
			rc->movablecore = (1 + rng_below(g, nb / 2)) * block;
	}
	if (rng_below(g, 2)) {
		unsigned i = rng_below(g, rc->nr_ranges);
		uint64_t a = (rc->ranges[i][0] + block - 1) & ~(block - 1), b = rc->ranges[i][1] & ~(block - 1);

		if (a < rc->reserved_pages)
			a = (rc->reserved_pages + block - 1) & ~(block - 1);
		if (!a)
			a = block; /* base 0 would mean "place it as the kernel does" */
		if (b > a) {
			unsigned n = (unsigned)((b - a) >> mo);
			unsigned first = rng_below(g, n), count = 1 + rng_below(g, n - first);

			rc->cma_base = a + ((uint64_t)first << mo);
			rc->cma_pages = (uint64_t)count << mo;
		}
	}
	rc->min_free_kbytes = (int[]){0, 4, 16, 64}[rng_below(g, 4)];
	rc->mix = (enum mix)rng_below(g, 3);
	rc->ops = 2500;
	snprintf(name, len, "shape(max %u pb %u pages %" PRIu64 " ranges %u zones %s%s cma %" PRIu64 "+%" PRIu64
		 " %s rule %s mfk %d mix %d)",
		 mo, rc->pb_order, pages, rc->nr_ranges, rc->dma_end ? "3" : "1", rc->movablecore ? "+movable" : "",
		 rc->cma_base, rc->cma_pages, rc->era ? "current" : "2015", rc->rule ? "5.7" : "2015",
		 rc->min_free_kbytes, rc->mix);
	rc->name = name;
	/* layouts the model refuses (a CMA area across zones, say) are skipped */
	make_quiet = true;
	m = make_machine(rc);
	make_quiet = false;
	if (!m)
		return false;
	pfnlab_machine_destroy(m);
	return true;
}

#ifndef REF_SHAPES
#define REF_SHAPES 24 /* a long soak: -DREF_SHAPES=2000 */
#endif
#ifndef REF_SHAPE_SEED
#define REF_SHAPE_SEED 0x5eed
#endif

/*
 * Expect REF_SHAPES random machine shapes (see random_shape()) each to
 * agree with the reference through 2500 random operations.
 */
TEST(ref_random_shapes_check)
{
	struct rng g = {REF_SHAPE_SEED};
	unsigned done = 0, tries = 0;

	while (done < REF_SHAPES && tries < 50 * REF_SHAPES) {
		struct rcfg rc;
		char name[256];
		int before = test_failed_checks;

		tries++;
		if (!random_shape(&g, &rc, name, sizeof(name)))
			continue;
		test_variant = name;
		run_stream(&rc, done + 1, rc.ops);
		done++;
		test_variant = NULL; /* name goes out of scope */
		if (test_failed_checks != before)
			break;
	}
	CHECK_EQ(done, REF_SHAPES);
}

/*
 * Expect compare() not to be blind: after 400 agreeing operations, a
 * reference with two list entries swapped, a pageblock retyped, a counter
 * bumped or a frame's order changed in the model must each be reported as
 * a difference, and the restored states must agree again.
 */
TEST(ref_detects_divergence_check)
{
	struct pfnlab_machine *m;
	struct ref *r;
	struct rlist *two = NULL;
	uint32_t tmp;

	m = make_machine(&cfg_types[1]);
	if (!m)
		return;
	r = ref_boot(m);
	{
		struct rng g = {42};
		struct live live[1024];
		size_t n = 0;

		for (int i = 0; i < 400; i++) {
			if (!n || rng_below(&g, 100) < 70) {
				pfnlab_gfp_t gfp = pick_gfp(&g, MIX_TYPES);
				unsigned o = pick_order(&g, r->max_order);
				uint64_t pfn;

				if (pfnlab_alloc_pages(m, gfp, o, &pfn) == 0)
					live[n++] = (struct live){(uint32_t)pfn, (uint8_t)o};
				ref_alloc(r, gfp, o);
			} else {
				size_t k = rng_below(&g, (unsigned)n);

				CHECK_EQ(pfnlab_free_pages(m, live[k].pfn, live[k].order), 0);
				CHECK_EQ(ref_free(r, live[k].pfn, live[k].order), 0);
				live[k] = live[--n];
			}
		}
	}
	cmp_budget = 12;
	CHECK_EQ(compare(r, m, true, "after 400 operations"), 0);
	for (unsigned o = 0; o <= r->max_order && !two; o++)
		for (int t = 0; t < NMT && !two; t++)
			if (r->z[0].fl[o][t].n >= 2)
				two = &r->z[0].fl[o][t];
	CHECK(two != NULL);
	if (two) {
		tmp = two->v[0], two->v[0] = two->v[1], two->v[1] = tmp;
		CHECK(compare(r, m, false, "") > 0);
		tmp = two->v[0], two->v[0] = two->v[1], two->v[1] = tmp;
		CHECK_EQ(compare(r, m, false, ""), 0);
	}
	r->pb[1] = r->pb[1] == R_UNMOV ? R_MOV : R_UNMOV;
	CHECK(compare(r, m, false, "") > 0);
	r->pb[1] = (uint8_t)(m->pageblock[1] & PB_MT_MASK);
	CHECK_EQ(compare(r, m, false, ""), 0);
	r->extfrag++;
	CHECK(compare(r, m, false, "") > 0);
	r->extfrag--;
	for (uint64_t p = 0; p < r->nr_pfns; p++) {
		if (r->fo[p] > 0) {
			m->frames[p].order--;
			CHECK(compare(r, m, false, "") > 0);
			m->frames[p].order++;
			break;
		}
	}
	CHECK_EQ(compare(r, m, false, ""), 0);
	ref_destroy(r);
	pfnlab_machine_destroy(m);
}

/* ---- the checker and bad frees ----------------------------------------- */

static struct pfnlab_machine *small_machine(enum pfnlab_era era, uint64_t cma_pages)
{
	struct rcfg rc = {"small", 12, 4, 2, era, PFNLAB_CMA_5_7, ONE_RANGE(256), 0, 0, 0, 0,
			  cma_pages ? 256 - cma_pages : 0, cma_pages, 0, MIX_TYPES, 0};

	return make_machine(&rc);
}

static int check_rc(const struct pfnlab_machine *m, char *why, size_t len)
{
	why[0] = 0;
	return pfnlab_check(m, why, len);
}

/* The head of zone 0's (@order, @mt) free list, or NIL_PFN. */
static uint64_t find_free(const struct pfnlab_machine *m, unsigned order, int mt)
{
	return m->zones[0].area[order].list[mt].head;
}

#define EXPECT_CAUGHT(m, what)                                                                     \
	do {                                                                                       \
		char w_[512];                                                                      \
		int e_ = check_rc((m), w_, sizeof(w_));                                            \
		if (e_ != -EUCLEAN || !w_[0])                                                      \
			T_FAIL("checker missed: %s (returned %d)", (what), e_);                    \
	} while (0)

#define EXPECT_CLEAN(m, what)                                                                      \
	do {                                                                                       \
		char w_[512];                                                                      \
		int e_ = check_rc((m), w_, sizeof(w_));                                            \
		if (e_)                                                                            \
			T_FAIL("checker after restoring %s: %s", (what), w_);                      \
	} while (0)

/*
 * Expect pfnlab_check() to report (-EUCLEAN, with a reason) each of a dozen
 * single corruptions of frames, lists, counters and pageblock flags, and to
 * pass again once each is undone.
 */
TEST(checker_catches_corruption_check)
{
	struct pfnlab_machine *m = small_machine(PFNLAB_ERA_CURRENT, 64);
	struct zone *z;
	uint64_t a, b, f, f1;
	uint8_t saved8;
	uint32_t saved32;

	if (!m)
		return;
	z = &m->zones[0];
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &a), 0);
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 2, &b), 0);
	EXPECT_CLEAN(m, "nothing");
	f = find_free(m, 4, PFNLAB_MT_MOVABLE);
	f1 = find_free(m, 0, PFNLAB_MT_UNMOVABLE);
	CHECK(f != NIL_PFN);
	CHECK(f1 != NIL_PFN);
	if (f == NIL_PFN || f1 == NIL_PFN)
		goto out;

	/* a free head that lost PageBuddy */
	m->frames[f].flags &= (uint8_t)~F_BUDDY;
	EXPECT_CAUGHT(m, "free head without F_BUDDY");
	m->frames[f].flags |= F_BUDDY;
	EXPECT_CLEAN(m, "F_BUDDY");

	/* a tail page inside a free block flagged as allocated */
	m->frames[f + 3].flags = F_ALLOC;
	EXPECT_CAUGHT(m, "F_ALLOC on a tail of a free block");
	m->frames[f + 3].flags = 0;
	EXPECT_CLEAN(m, "tail flags");

	/* a free block whose recorded order disagrees with its list */
	m->frames[f].order = 3;
	EXPECT_CAUGHT(m, "free block order 3 on the order-4 list");
	m->frames[f].order = 4;
	EXPECT_CLEAN(m, "order");

	/* the list type recorded in the frame */
	m->frames[f].mt = PFNLAB_MT_UNMOVABLE;
	EXPECT_CAUGHT(m, "frame mt disagrees with its list");
	m->frames[f].mt = PFNLAB_MT_MOVABLE;
	EXPECT_CLEAN(m, "frame mt");

	/* counters */
	z->nr_free++;
	EXPECT_CAUGHT(m, "NR_FREE_PAGES off by one");
	z->nr_free--;
	z->nr_free_cma--;
	EXPECT_CAUGHT(m, "NR_FREE_CMA_PAGES off by one");
	z->nr_free_cma++;
	z->area[2].nr_free++;
	EXPECT_CAUGHT(m, "area[2].nr_free off by one");
	z->area[2].nr_free--;
	EXPECT_CLEAN(m, "counters");

	/* a list that loops back to its head */
	saved32 = z->area[4].list[PFNLAB_MT_MOVABLE].tail;
	m->frames[saved32].next = z->area[4].list[PFNLAB_MT_MOVABLE].head;
	EXPECT_CAUGHT(m, "a free list that loops");
	m->frames[saved32].next = NIL_PFN;
	EXPECT_CLEAN(m, "loop");

	/* list links */
	saved32 = m->frames[f].prev;
	m->frames[f].prev = (uint32_t)f1;
	EXPECT_CAUGHT(m, "broken back link");
	m->frames[f].prev = saved32;
	saved32 = z->area[4].list[PFNLAB_MT_MOVABLE].tail;
	z->area[4].list[PFNLAB_MT_MOVABLE].tail = (uint32_t)f1;
	EXPECT_CAUGHT(m, "wrong tail pointer");
	z->area[4].list[PFNLAB_MT_MOVABLE].tail = saved32;
	EXPECT_CLEAN(m, "links");

	/* an allocated head that vanished: its pages are lost */
	m->frames[a].flags = 0;
	EXPECT_CAUGHT(m, "allocated head cleared");
	m->frames[a].flags = F_ALLOC;
	m->frames[b].refcount = 0;
	EXPECT_CAUGHT(m, "allocation with refcount 0");
	m->frames[b].refcount = 1;
	EXPECT_CLEAN(m, "allocations");

	/* pageblock flags: a CMA block retyped, an impossible type */
	saved8 = m->pageblock[(256 - 64) >> 2];
	m->pageblock[(256 - 64) >> 2] = PFNLAB_MT_MOVABLE;
	EXPECT_CAUGHT(m, "pageblock inside the CMA area typed MOVABLE");
	m->pageblock[(256 - 64) >> 2] = 7;
	EXPECT_CAUGHT(m, "pageblock type 7");
	m->pageblock[(256 - 64) >> 2] = saved8;
	EXPECT_CLEAN(m, "pageblock flags");

	/* two free buddies left unmerged: split the order-4 block by hand, lists and counters right */
	{
		struct free_list *l4 = &z->area[4].list[PFNLAB_MT_MOVABLE];
		struct free_list *l3 = &z->area[3].list[PFNLAB_MT_MOVABLE];
		uint64_t blocks4 = free_list_count(m->frames, l4, UINT64_MAX);

		list_del_block(m, z, f);
		/* put both halves on the order-3 list, correctly linked and counted */
		for (int h = 0; h < 2; h++) {
			uint64_t p = f + (uint64_t)h * 8;
			struct frame *fr = &m->frames[p];

			fr->flags = F_BUDDY;
			fr->order = 3;
			fr->mt = PFNLAB_MT_MOVABLE;
			fr->next = l3->head;
			fr->prev = NIL_PFN;
			if (l3->head != NIL_PFN)
				m->frames[l3->head].prev = (uint32_t)p;
			else
				l3->tail = (uint32_t)p;
			l3->head = (uint32_t)p;
			z->area[3].nr_free++;
			account_freepages(z, PFNLAB_MT_MOVABLE, 8);
		}
		CHECK_EQ(free_list_count(m->frames, l4, UINT64_MAX), blocks4 - 1);
		EXPECT_CAUGHT(m, "two free order-3 buddies not merged");
	}
out:
	pfnlab_machine_destroy(m);
}

/* Snapshot of everything a free could change. */
struct snap {
	struct frame *frames;
	uint8_t *pb;
	struct zone zones[PFNLAB_NR_ZONES];
	uint64_t vm[NR_VM_ITEMS];
};

static void snap_take(struct snap *s, const struct pfnlab_machine *m)
{
	s->frames = malloc(m->nr_pfns * sizeof(*s->frames));
	s->pb = malloc(m->nr_pageblocks);
	memcpy(s->frames, m->frames, m->nr_pfns * sizeof(*s->frames));
	memcpy(s->pb, m->pageblock, m->nr_pageblocks);
	memcpy(s->zones, m->zones, sizeof(s->zones));
	memcpy(s->vm, m->vm, sizeof(s->vm));
}

static bool snap_same(const struct snap *s, const struct pfnlab_machine *m)
{
	return !memcmp(s->frames, m->frames, m->nr_pfns * sizeof(*s->frames)) &&
	       !memcmp(s->pb, m->pageblock, m->nr_pageblocks) && !memcmp(s->zones, m->zones, sizeof(s->zones)) &&
	       !memcmp(s->vm, m->vm, sizeof(s->vm));
}

static void snap_free(struct snap *s)
{
	free(s->frames);
	free(s->pb);
}

/*
 * Expect freeing a free block's head, a page inside a free block, a live
 * allocation with the wrong order, its tail page, a PFN past the end and an
 * order past the largest all to return -EINVAL and leave every frame,
 * pageblock, zone and counter byte-for-byte unchanged, in both eras; and
 * the right free afterwards still to succeed.
 */
TEST(bad_free_changes_nothing_check)
{
	for (int era = 0; era < 2; era++) {
		struct pfnlab_machine *m = small_machine((enum pfnlab_era)era, 0);
		uint64_t a, b, f;
		struct snap s;

		test_variant = era ? "current" : "2015";
		if (!m)
			continue;
		CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 2, &a), 0);
		CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &b), 0);
		f = find_free(m, 4, PFNLAB_MT_MOVABLE);
		CHECK(f != NIL_PFN);
		snap_take(&s, m);
		if (f != NIL_PFN) {
			CHECK_EQ(pfnlab_free_pages(m, f, 4), -EINVAL);
			CHECK_EQ(pfnlab_free_pages(m, f, 0), -EINVAL);
			CHECK_EQ(pfnlab_free_pages(m, f + 1, 0), -EINVAL);
		}
		CHECK_EQ(pfnlab_free_pages(m, a, 0), -EINVAL);
		CHECK_EQ(pfnlab_free_pages(m, a, 3), -EINVAL);
		CHECK_EQ(pfnlab_free_pages(m, a + 1, 0), -EINVAL);
		CHECK_EQ(pfnlab_free_pages(m, b, 1), -EINVAL);
		CHECK_EQ(pfnlab_free_pages(m, m->nr_pfns, 0), -EINVAL);
		CHECK_EQ(pfnlab_free_pages(m, b, m->nr_orders), -EINVAL);
		CHECK(snap_same(&s, m));
		CHECK_EQ(pfnlab_free_pages(m, a, 2), 0);
		CHECK(!snap_same(&s, m));
		CHECK_EQ(pfnlab_free_pages(m, a, 2), -EINVAL);
		CHECK_EQ(pfnlab_free_pages(m, b, 0), 0);
		CHECK_EQ(m->zones[0].nr_free, 256);
		EXPECT_CLEAN(m, "frees");
		snap_free(&s);
		pfnlab_machine_destroy(m);
	}
	test_variant = NULL;
}

/*
 * Once a model bug (fixed: CMA pageblocks are freed one by one at boot).  Expect a CMA area aligned to a
 * pageblock but not to MAX_ORDER (allowed in era current) to boot with its
 * pages only on CMA lists and the pages next to it only on MOVABLE lists,
 * so that no unmovable allocation ever lands in it.
 */
TEST(cma_straddle_check)
{
	struct rcfg rc = {"cma-straddle", 12, 4, 2, PFNLAB_ERA_CURRENT, PFNLAB_CMA_5_7, ONE_RANGE(32), 0, 0, 0, 0,
			  24, 8, 0, MIX_TYPES, 0};
	struct pfnlab_machine *m = make_machine(&rc);
	struct ref *r;
	uint64_t pfn;

	if (!m)
		return;
	r = ref_boot(m);
	cmp_budget = 12;
	CHECK_EQ(compare(r, m, true, "boot"), 0);
	CHECK_EQ(m->zones[0].nr_free_cma, 8);
	while (pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &pfn) == 0)
		CHECK(pfn < 24);
	ref_destroy(r);
	pfnlab_machine_destroy(m);
}

/*
 * Once a checker gap (fixed).  Expect pfnlab_check() to reject a
 * free block above pageblock order that covers pageblocks whose types may
 * not merge in v6.1 (here MOVABLE and HIGHATOMIC): __free_one_page() never
 * builds one, and the same blind spot lets cma_straddle's boot pass.
 */
TEST(checker_unmergeable_block_check)
{
	struct rcfg rc = {"checker-gap", 12, 4, 2, PFNLAB_ERA_CURRENT, PFNLAB_CMA_5_7, ONE_RANGE(32), 0, 0, 0, 0,
			  0, 0, 0, MIX_TYPES, 0};
	struct pfnlab_machine *m = make_machine(&rc);
	char why[512];

	if (!m)
		return;
	CHECK_EQ(m->frames[0].flags, F_BUDDY);
	CHECK_EQ(m->frames[0].order, 4);
	CHECK_EQ(check_rc(m, why, sizeof(why)), 0);
	set_pageblock_migratetype(m, 4, PFNLAB_MT_HIGHATOMIC);
	CHECK_EQ(check_rc(m, why, sizeof(why)), -EUCLEAN);
	pfnlab_machine_destroy(m);
}

/* Expect the streams above to have compared at least 200000 operations in all. */
TEST(ref_total_ops_check)
{
	if (total_ops < 200000)
		T_FAIL("only %" PRIu64 " operations compared (run the whole file, not one test)", total_ops);
	if (test_verbose)
		printf("     %" PRIu64 " operations compared with the reference\n", total_ops);
}

RUN_TESTS(ref_boot_check, ref_x86_64_preset_check, ref_movable_only_check, ref_mixed_types_check, ref_cma_check,
	  ref_zones_check, ref_random_shapes_check, ref_detects_divergence_check, checker_catches_corruption_check,
	  bad_free_changes_nothing_check, cma_straddle_check, checker_unmergeable_block_check,
	  ref_total_ops_check)
