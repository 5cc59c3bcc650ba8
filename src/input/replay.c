/*
 * replay.c - a kernel trace applied to a model machine, event by event,
 * and counted.
 *
 * What each event does to the model (the kernel function it stands for):
 *   mm_page_alloc          the PFNs leave the free lists (rmqueue + expand,
 *                          claim.c); a failed one (page=0) is counted
 *   mm_page_free           the block goes back and merges (__free_pages)
 *   mm_page_free_batched   counted; applied as a free only in traces that
 *                          hold no mm_page_free (the kernel emits both for
 *                          a batched page: free_pages_prepare() then
 *                          free_unref_page_list())
 *   mm_page_alloc_extfrag  change_ownership=1: the pageblock (all of them
 *                          for a fallback block >= pageblock_order) takes
 *                          the allocation's type and its free pages move
 *                          to that type's lists (steal_suitable_fallback);
 *                          if the model had another type there than the
 *                          event's fallback type, it first swaps types with
 *                          the nearest pageblock of that type;
 *                          change_ownership=0: the fallback block moves
 *                          to the allocation's list
 *   cma_alloc, cma_alloc_finish (success)
 *                          the range is taken (alloc_contig_range), pages
 *                          in use there move elsewhere first (migration)
 *   cma_release            the range's pages still held go back (free_contig_range)
 *   mm_migrate_pages, compaction:*, test_pages_isolated, cma_alloc_start,
 *   cma_alloc_busy_retry, mm_alloc_contig_migrate_range_info,
 *   mm_page_alloc_zone_locked, mm_page_pcpu_drain
 *                          counted (no PFN-level effect the events above
 *                          do not already carry)
 *
 * The model may disagree with the trace about a page: the trace started
 * after boot, events were lost, or the machine came from a snapshot whose
 * free pages sit elsewhere.  Then:
 *   - a free of a page never seen allocated frees it if the model holds it
 *     as an allocation from before the trace, and is counted
 *     (frees_unseen, pages_freed_unseen); it is no error;
 *   - an allocation of pages the model has in use is made elsewhere: from
 *     the smallest free block of the event's zone and migrate type, else by
 *     the model's own allocator with the event's gfp_flags and order
 *     (alloc_relocated); the trace's PFN is remembered, so its free frees
 *     the right pages.
 *
 * 6.10+ kernels print mm_alloc_contig_migrate_range_info with its values
 * under the wrong labels (6.12.117 shows "migratetype=13264 nr_migrated=4"
 * for 13264 pages migrated from a CMA range): the arguments are passed as
 * (migratetype, migrated, reclaimed, mapped) to slots declared (migrated,
 * reclaimed, mapped, migratetype).  A line whose nr_migrated is a valid
 * migrate type is read that way; one whose nr_migrated is not (>= 6) comes
 * from a fixed kernel and is read as labelled.
 *
 * Simplified: no per-CPU lists (the trace's mm_page_alloc/mm_page_free are
 * what the callers saw; the pcp events are counted only); no time (the
 * timestamps are not read); one trace buffer instance.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

/* Counters of the summary, in output order; names are the JSON keys. */
#define COUNTERS(X)                                                                         \
	X(lines_total) X(events_total) X(events_known) X(events_unknown) X(lines_skipped)   \
	X(lines_malformed) X(lost_lines) X(lost_events) X(lost_unknown)                      \
	X(pages_allocated) X(allocs) X(alloc_failed) X(pages_freed) X(frees)                 \
	X(pages_freed_batched) X(frees_unseen) X(pages_freed_unseen)                         \
	X(extfrag_events) X(extfrag_change_ownership) X(extfrag_fragmenting) X(extfrag_type_fixes) \
	X(alloc_relocated) X(alloc_forced) X(free_conflicts) X(pfn_invalid) \
	X(zone_locked_pages) X(pcpu_drain_pages)                                             \
	X(migrate_calls) X(migrate_succeeded) X(migrate_failed) X(migrate_thp_succeeded)     \
	X(migrate_thp_failed) X(migrate_thp_split)                                           \
	X(compaction_events) X(compaction_isolated) X(compaction_migrated)                   \
	X(compaction_failed)                                                                 \
	X(cma_alloc_calls) X(cma_alloc_success) X(cma_alloc_fail) X(cma_pages_allocated)     \
	X(cma_pages_released) X(cma_pages_released_unseen) X(cma_busy_retries) X(cma_pages_moved) \
	X(cma_conflicts)        \
	X(isolation_tests) X(isolation_failed)                                               \
	X(contig_info_events) X(contig_migrated) X(contig_reclaimed) X(contig_mapped)

#define X_ENUM(n) C_##n,
enum counter { COUNTERS(X_ENUM) NR_COUNTERS };
#define X_NAME(n) #n,
static const char *const counter_names[NR_COUNTERS] = {COUNTERS(X_NAME)};

#define NAME_SLOTS 512
#define NAME_MAX_LEN 64
#define GFP_SLOTS 256
#define GFP_MAX_LEN 192
#define EMPTY_KEY UINT64_MAX
#define TOMB_KEY (UINT64_MAX - 1)

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

/* An open-addressing map of PFN to value. */
struct pfnmap {
	uint64_t *key, *val;
	size_t cap, used, live;
};

struct pfnlab_replay {
	struct pfnlab_machine *m;
	struct pfnlab_replay_opts o;
	uint64_t *seen;           /* per page: allocated in the trace and not freed */
	uint64_t *cma_own;        /* per page: taken by a cma_alloc of the trace, not released (lazy) */
	struct pfnmap fwd;        /* trace PFN -> model PFN | order << 56 (relocated allocations) */
	struct pfnmap rev;        /* model PFN -> trace PFN */
	struct name_ent names[NAME_SLOTS];
	unsigned nr_names;
	uint64_t other_names;     /* events whose names did not fit the table */
	struct gfp_ent gfp[GFP_SLOTS];
	struct gfp_ent *last_gfp;  /* the mask of the last allocation, tried first */
	int era;                  /* of the trace's kmem events, -1 unknown */
	bool flags_column, saw_header, trace_cmd;
	uint64_t c[NR_COUNTERS];
	int64_t free_before[PFNLAB_NR_ZONES];
	uint64_t pb_before[PFNLAB_NR_ZONES][PFNLAB_MT_TYPES];
	/* the line being read, for messages */
	const char *file;
	uint64_t line;
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

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static int map_grow(struct pfnmap *mp)
{
	size_t cap = mp->cap ? mp->cap * 2 : 1024;
	struct pfnmap n = {calloc(cap, sizeof(uint64_t)), calloc(cap, sizeof(uint64_t)), cap, 0, 0};

	if (!n.key || !n.val) {
		free(n.key);
		free(n.val);
		return -ENOMEM;
	}
	memset(n.key, 0xff, cap * sizeof(uint64_t));
	for (size_t i = 0; i < mp->cap; i++) {
		uint64_t k = mp->key[i];
		size_t j;

		if (k >= TOMB_KEY)
			continue;
		for (j = mix(k) & (cap - 1); n.key[j] != EMPTY_KEY; j = (j + 1) & (cap - 1))
			;
		n.key[j] = k;
		n.val[j] = mp->val[i];
		n.used++;
		n.live++;
	}
	free(mp->key);
	free(mp->val);
	*mp = n;
	return 0;
}

static uint64_t *map_find(const struct pfnmap *mp, uint64_t k)
{
	if (!mp->live)
		return NULL;
	for (size_t j = mix(k) & (mp->cap - 1);; j = (j + 1) & (mp->cap - 1)) {
		if (mp->key[j] == k)
			return &mp->val[j];
		if (mp->key[j] == EMPTY_KEY)
			return NULL;
	}
}

static int map_put(struct pfnmap *mp, uint64_t k, uint64_t v)
{
	uint64_t *p = map_find(mp, k);
	size_t j;

	if (p) {
		*p = v;
		return 0;
	}
	if ((mp->used + 1) * 2 > mp->cap && map_grow(mp))
		return -ENOMEM;
	for (j = mix(k) & (mp->cap - 1); mp->key[j] < TOMB_KEY; j = (j + 1) & (mp->cap - 1))
		;
	if (mp->key[j] == EMPTY_KEY)
		mp->used++;
	mp->key[j] = k;
	mp->val[j] = v;
	mp->live++;
	return 0;
}

static void map_del(struct pfnmap *mp, uint64_t k)
{
	uint64_t *p = map_find(mp, k);

	if (!p)
		return;
	mp->key[p - mp->val] = TOMB_KEY;
	mp->live--;
}

static void map_free(struct pfnmap *mp)
{
	free(mp->key);
	free(mp->val);
	*mp = (struct pfnmap){0};
}

static inline bool seen_test(const struct pfnlab_replay *r, uint64_t pfn)
{
	return r->seen[pfn >> 6] >> (pfn & 63) & 1;
}

static void seen_assign(struct pfnlab_replay *r, uint64_t pfn, uint64_t n, bool v)
{
	for (uint64_t p = pfn; p < pfn + n; p++) {
		if (v)
			r->seen[p >> 6] |= 1ull << (p & 63);
		else
			r->seen[p >> 6] &= ~(1ull << (p & 63));
	}
}

/* An error about the current line: "FILE:LINE: what". */
static int line_error(struct pfnlab_replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int line_error(struct pfnlab_replay *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_why(r->why, r->wlen, "%s:%llu: %s", r->file, (unsigned long long)r->line, msg);
	return -EINVAL;
}

/* ---- the model side ---- */

/* The migrate type (model numbering) an event's number stands for in the trace's era. */
static int trace_mt(const struct pfnlab_replay *r, uint64_t v)
{
	static const int old[PFNLAB_MT_TYPES] = {PFNLAB_MT_UNMOVABLE, PFNLAB_MT_RECLAIMABLE, PFNLAB_MT_MOVABLE,
						 PFNLAB_MT_HIGHATOMIC, PFNLAB_MT_CMA, PFNLAB_MT_ISOLATE};

	if (v >= PFNLAB_MT_TYPES)
		return -1;
	return r->era == PFNLAB_ERA_2015 ? old[v] : (int)v;
}

/*
 * Move the allocation at model PFN @h (not the trace's page @h, but one the
 * model put there) elsewhere, keeping whose it is: migration.  Returns
 * false when no target could be allocated; the allocation is then dropped.
 */
static bool evict(struct pfnlab_replay *r, uint64_t h, pfnlab_gfp_t gfp)
{
	struct pfnlab_machine *m = r->m;
	unsigned order = m->frames[h].order, saved = m->memalloc_flags;
	uint64_t *ident = map_find(&r->rev, h), y, who = ident ? *ident : h;
	bool traced = ident || seen_test(r, h);

	m->memalloc_flags |= MEMALLOC_NOCMA;
	y = alloc_frames(m, gfp, order);
	m->memalloc_flags = saved;
	if (ident)
		map_del(&r->rev, h);
	if (y == NIL_PFN) {
		if (traced)
			map_del(&r->fwd, who);
		return false;
	}
	if (traced) {
		map_put(&r->fwd, who, y | (uint64_t)order << 56);
		map_put(&r->rev, y, who);
	}
	return true;
}

/* Drop a model allocation inside a range being taken (its identity moves or is lost). */
static void take_allocated(struct pfnlab_replay *r, uint64_t pfn, uint64_t end, bool move, uint64_t *moved,
			   uint64_t *lost)
{
	struct pfnlab_machine *m = r->m;

	for (uint64_t p = pfn; p < end;) {
		struct frame *f = &m->frames[p];

		if (!(f->flags & F_ALLOC)) {
			p += (f->flags & F_BUDDY) ? 1ull << f->order : 1;
			continue;
		}
		uint64_t size = 1ull << f->order;

		if (move && evict(r, p, PFNLAB_GFP_HIGHUSER_MOVABLE))
			*moved += size;
		else
			*lost += size;
		if (!move) {
			uint64_t *ident = map_find(&r->rev, p);

			if (ident) {
				map_del(&r->fwd, *ident);
				map_del(&r->rev, p);
			}
		}
		if (f->order)
			m->frames[p + 1].refcount = 0;
		*f = (struct frame){0};
		p += size;
	}
}

/* Split allocations that straddle the edges of [pfn, end) into order-0 pages. */
static void split_edges(struct pfnlab_replay *r, uint64_t pfn, uint64_t end)
{
	uint64_t edge[2] = {pfn, end - 1};

	for (int i = 0; i < 2; i++) {
		uint64_t h = claim_block_head(r->m, edge[i]);

		if (h != NIL_PFN && (r->m->frames[h].flags & F_ALLOC) &&
		    (h < pfn || h + (1ull << r->m->frames[h].order) > end)) {
			uint64_t *ident = map_find(&r->rev, h);

			if (ident) {
				/* a relocated allocation cut in pieces: the pieces stay in use, unnamed */
				map_del(&r->fwd, *ident);
				map_del(&r->rev, h);
			}
			claim_split_alloc(r->m, h);
		}
	}
}

/* Orders of the aligned blocks [pfn, end) decomposes into, one at a time. */
static unsigned piece_order(const struct pfnlab_machine *m, uint64_t p, uint64_t end)
{
	unsigned o = p ? (unsigned)__builtin_ctzll(p) : 63;

	if (o >= m->nr_orders)
		o = m->nr_orders - 1;
	while (p + (1ull << o) > end)
		o--;
	return o;
}

/*
 * Where the model puts an allocation whose PFNs it has in use: models
 * __rmqueue_smallest() in the event's zone on the event's migrate type's
 * lists (what the kernel did, but for the block it chose), else the
 * model's whole allocator with the event's gfp_flags (fallback, stealing).
 */
static uint64_t relocate(struct pfnlab_replay *r, uint64_t pfn, unsigned order, int mt, pfnlab_gfp_t gfp)
{
	struct pfnlab_machine *m = r->m;
	struct zone *z = pfn_zone(m, pfn);
	uint64_t y = z && mt >= 0 && mt < PFNLAB_MT_HIGHATOMIC ? rmqueue_smallest(m, z, order, mt) : NIL_PFN;

	if (y != NIL_PFN) {
		claim_mark_alloc(m, y, order, mt == PFNLAB_MT_MOVABLE);
		return y;
	}
	return alloc_frames(m, gfp, order);
}

/* models the page-allocator side of an mm_page_alloc event */
static void apply_alloc(struct pfnlab_replay *r, uint64_t pfn, unsigned order, int mt, pfnlab_gfp_t gfp)
{
	struct pfnlab_machine *m = r->m;
	uint64_t n = 1ull << order, y;
	bool movable = pfnlab_gfp_migratetype(gfp) == PFNLAB_MT_MOVABLE;

	if (order >= m->nr_orders || (pfn & (n - 1)) || !claim_range_usable(m, pfn, n)) {
		r->c[C_pfn_invalid]++;
		return;
	}
	if (seen_test(r, pfn) || map_find(&r->fwd, pfn)) {
		/* allocated twice without a free in between: the free was lost */
		uint64_t *v = map_find(&r->fwd, pfn);

		r->c[C_free_conflicts]++;
		if (v) {
			uint64_t yy = *v & ((1ull << 56) - 1);
			unsigned yo = (unsigned)(*v >> 56);

			map_del(&r->rev, yy);
			map_del(&r->fwd, pfn);
			if ((m->frames[yy].flags & F_ALLOC) && m->frames[yy].order == yo)
				claim_release(m, yy, yo);
		} else if ((m->frames[pfn].flags & F_ALLOC) && !map_find(&r->rev, pfn)) {
			claim_release(m, pfn, m->frames[pfn].order);
		}
		seen_assign(r, pfn, n, false);
	}
	if (claim_take_if_free(m, pfn, order)) {
		claim_mark_alloc(m, pfn, order, movable);
	} else if ((y = relocate(r, pfn, order, mt, gfp)) != NIL_PFN) {
		r->c[C_alloc_relocated]++;
		map_put(&r->fwd, pfn, y | (uint64_t)order << 56);
		map_put(&r->rev, y, pfn);
	} else {
		/* nowhere else: take the pages, whatever held them */
		uint64_t moved = 0, lost = 0;

		r->c[C_alloc_forced]++;
		split_edges(r, pfn, pfn + n);
		take_allocated(r, pfn, pfn + n, false, &moved, &lost);
		claim_take_free(m, pfn, order);
		claim_mark_alloc(m, pfn, order, movable);
	}
	seen_assign(r, pfn, n, true);
}

/* Does an allocation of another identity sit in [pfn, end)? */
static bool foreign_in(const struct pfnlab_replay *r, uint64_t pfn, uint64_t end)
{
	if (!r->rev.live)
		return false;
	for (uint64_t p = pfn; p < end;) {
		const struct frame *f = &r->m->frames[p];

		if ((f->flags & F_ALLOC) && map_find(&r->rev, p))
			return true;
		p += (f->flags & (F_ALLOC | F_BUDDY)) ? 1ull << f->order : 1;
	}
	return false;
}

/* models the page-allocator side of an mm_page_free event */
static void apply_free(struct pfnlab_replay *r, uint64_t pfn, unsigned order)
{
	struct pfnlab_machine *m = r->m;
	uint64_t n = 1ull << order, h, *v;

	if (pfn >= m->nr_pfns || order >= m->nr_orders || (pfn & (n - 1))) {
		r->c[C_pfn_invalid]++;
		return;
	}
	v = map_find(&r->fwd, pfn);
	if (!seen_test(r, pfn) && !v) {
		r->c[C_frees_unseen]++;
		r->c[C_pages_freed_unseen] += n;
	}
	if (v) {
		uint64_t y = *v & ((1ull << 56) - 1);
		unsigned yo = (unsigned)(*v >> 56);

		map_del(&r->fwd, pfn);
		map_del(&r->rev, y);
		if ((m->frames[y].flags & F_ALLOC) && m->frames[y].order == yo)
			claim_release(m, y, yo);
		seen_assign(r, pfn, n, false);
		return;
	}
	if (!claim_range_usable(m, pfn, n)) {
		r->c[C_pfn_invalid]++;
		return;
	}
	seen_assign(r, pfn, n, false);
	h = claim_block_head(m, pfn);
	if (h == NIL_PFN)
		return;
	if (m->frames[h].flags & F_BUDDY) {
		if (claim_range_free(m, pfn, order))
			return; /* free already: freed before the model knew it was in use */
	} else if (h < pfn || m->frames[h].order > order) {
		if (map_find(&r->rev, h)) {
			r->c[C_free_conflicts]++;
			return;
		}
		claim_split_alloc(m, h);
	}
	if (foreign_in(r, pfn, pfn + n)) {
		r->c[C_free_conflicts]++;
		return;
	}
	claim_release(m, pfn, order);
}

/* models steal_suitable_fallback(): the effect an extfrag event reports */
/*
 * The trace says the pageblock at @p was of type @want before it was
 * claimed; when the model has another type there (a snapshot's layout is a
 * guess), it swaps types with the nearest pageblock of type @want in the
 * zone, so that the zone's counts per type follow the trace.
 */
static void fix_block_type(struct pfnlab_replay *r, struct zone *z, uint64_t p, int want)
{
	struct pfnlab_machine *m = r->m;
	int have = pb_type(m, p);
	uint64_t zs = z->start_pfn & ~(m->pb_pages - 1), ze = z->start_pfn + z->spanned;

	if (have == want || want < 0 || want >= PFNLAB_MT_HIGHATOMIC || have >= PFNLAB_MT_HIGHATOMIC)
		return;
	for (uint64_t d = m->pb_pages; p >= zs + d || p + d < ze; d += m->pb_pages) {
		uint64_t c[2] = {p >= zs + d ? p - d : NIL_PFN, p + d < ze ? p + d : NIL_PFN};

		for (int k = 0; k < 2; k++) {
			if (c[k] == NIL_PFN || !zone_spans(z, c[k]) || pb_type(m, c[k]) != want)
				continue;
			set_pageblock_migratetype(m, c[k], have);
			move_freepages_block(m, z, c[k], have, NULL);
			set_pageblock_migratetype(m, p, want);
			move_freepages_block(m, z, p, want, NULL);
			r->c[C_extfrag_type_fixes]++;
			return;
		}
	}
}

static void apply_extfrag(struct pfnlab_replay *r, uint64_t pfn, unsigned fallback_order, int alloc_mt,
			  int fallback_mt, bool claimed)
{
	struct pfnlab_machine *m = r->m;
	struct zone *z;
	uint64_t first, count;

	if (pfn >= m->nr_pfns || !(z = pfn_zone(m, pfn)) || alloc_mt < 0 || alloc_mt >= PFNLAB_MT_HIGHATOMIC ||
	    fallback_order >= m->nr_orders || (pfn & ((1ull << fallback_order) - 1))) {
		r->c[C_pfn_invalid]++;
		return;
	}
	if (pb_type(m, pfn) >= PFNLAB_MT_CMA)
		return; /* CMA and isolated blocks are never stolen */
	if (!claimed) {
		const struct frame *f = &m->frames[pfn];

		if ((f->flags & F_BUDDY) && f->mt != alloc_mt && f->mt < PFNLAB_MT_CMA) {
			unsigned o = f->order;

			list_del_block(m, z, pfn);
			free_one_page(m, z, pfn, o, alloc_mt, false);
		}
		return;
	}
	first = pfn & ~(m->pb_pages - 1);
	count = fallback_order > m->pb_order ? 1ull << (fallback_order - m->pb_order) : 1;
	first &= ~((count << m->pb_order) - 1);
	for (uint64_t i = 0; i < count; i++) {
		uint64_t p = first + (i << m->pb_order);

		if (p >= m->nr_pfns || !zone_spans(z, p) || pb_type(m, p) >= PFNLAB_MT_CMA)
			continue;
		fix_block_type(r, z, p, fallback_mt);
		set_pageblock_migratetype(m, p, alloc_mt);
		move_freepages_block(m, z, p, alloc_mt, NULL);
	}
}

/* The CMA area holding [pfn, pfn + n), or NULL. */
static struct cma_area *cma_of(struct pfnlab_machine *m, uint64_t pfn, uint64_t n)
{
	for (unsigned i = 0; i < m->nr_cma; i++)
		if (pfn >= m->cma[i].base_pfn && pfn + n <= m->cma[i].base_pfn + m->cma[i].count)
			return &m->cma[i];
	return NULL;
}

static void cma_bits(struct cma_area *a, uint64_t pfn, uint64_t n, bool set)
{
	uint64_t mask = (1ull << a->order_per_bit) - 1;
	uint64_t b0 = (pfn - a->base_pfn) >> a->order_per_bit;
	uint64_t b1 = (pfn - a->base_pfn + n + mask) >> a->order_per_bit;

	for (uint64_t b = b0; b < b1; b++) {
		if (set)
			a->bitmap[b / 64] |= 1ull << (b % 64);
		else
			a->bitmap[b / 64] &= ~(1ull << (b % 64));
	}
}

/* models alloc_contig_range() as a successful cma_alloc() left it */
static void apply_cma_alloc(struct pfnlab_replay *r, uint64_t pfn, uint64_t count)
{
	struct pfnlab_machine *m = r->m;
	uint64_t end = pfn + count, moved = 0, lost = 0;
	struct cma_area *a;

	r->c[C_cma_pages_allocated] += count;
	if (!count || !claim_range_usable(m, pfn, count)) {
		r->c[C_pfn_invalid]++;
		return;
	}
	if (!r->cma_own && !(r->cma_own = calloc(m->nr_pfns / 64 + 1, sizeof(uint64_t)))) {
		r->c[C_cma_conflicts] += count;
		return;
	}
	split_edges(r, pfn, end);
	for (uint64_t p = pfn; p < end;) {
		unsigned o = piece_order(m, p, end);

		claim_take_free(m, p, o);
		p += 1ull << o;
	}
	/* pages of an earlier cma_alloc still held: released while tracing was off */
	for (uint64_t p = pfn; p < end; p++)
		if (r->cma_own[p >> 6] >> (p & 63) & 1) {
			m->frames[p] = (struct frame){0};
			r->c[C_cma_pages_released_unseen]++;
			if ((a = cma_of(m, p, 1)))
				a->pages_released++;
		}
	take_allocated(r, pfn, end, true, &moved, &lost);
	r->c[C_cma_pages_moved] += moved;
	r->c[C_cma_conflicts] += lost;
	for (uint64_t p = pfn; p < end; p++) {
		m->frames[p] = (struct frame){.flags = F_ALLOC, .refcount = 1};
		r->cma_own[p >> 6] |= 1ull << (p & 63);
	}
	seen_assign(r, pfn, count, true);
	a = cma_of(m, pfn, count);
	if (a && a->bitmap && !((pfn - a->base_pfn) % (1ull << a->order_per_bit))) {
		cma_bits(a, pfn, count, true);
		a->pages_success += count;
	}
	m->vm[VM_CMA_ALLOC_SUCCESS]++;
}

/* models cma_sysfs_account_fail_pages(): a failed cma_alloc() counts the pages it asked for */
static void apply_cma_fail(struct pfnlab_replay *r, const char *name, size_t nlen, uint64_t pfn, uint64_t count)
{
	struct pfnlab_machine *m = r->m;
	struct cma_area *a = NULL;

	for (unsigned i = 0; i < m->nr_cma && !a; i++)
		if (name ? strlen(m->cma[i].name) == nlen && !memcmp(m->cma[i].name, name, nlen)
			 : pfn >= m->cma[i].base_pfn && pfn < m->cma[i].base_pfn + m->cma[i].count)
			a = &m->cma[i];
	if (!a && m->nr_cma == 1)
		a = &m->cma[0];
	if (a)
		a->pages_fail += count;
	m->vm[VM_CMA_ALLOC_FAIL]++;
}

/* models free_contig_range() of a cma_release() */
static void apply_cma_release(struct pfnlab_replay *r, uint64_t pfn, uint64_t count)
{
	struct pfnlab_machine *m = r->m;
	struct cma_area *a;

	r->c[C_cma_pages_released] += count;
	if (!count || !claim_range_usable(m, pfn, count)) {
		r->c[C_pfn_invalid]++;
		return;
	}
	for (uint64_t p = pfn; p < pfn + count; p++) {
		const struct frame *f = &m->frames[p];

		if (r->cma_own)
			r->cma_own[p >> 6] &= ~(1ull << (p & 63));
		if (!seen_test(r, p) || !(f->flags & F_ALLOC) || f->order || map_find(&r->rev, p))
			continue;
		claim_release(m, p, 0);
		seen_assign(r, p, 1, false);
	}
	a = cma_of(m, pfn, count);
	if (a && a->bitmap && !((pfn - a->base_pfn) % (1ull << a->order_per_bit))) {
		cma_bits(a, pfn, count, false);
		a->pages_released += count;
	}
}

/* ---- reading events ---- */

/* gfp_flags= through pfnlab_gfp_parse(), remembered: a trace has few distinct masks. */
static int parse_gfp(struct pfnlab_replay *r, const char *s, size_t n, pfnlab_gfp_t *gfp)
{
	uint32_t h;
	struct gfp_ent *e = r->last_gfp;

	if (e && e->len == n && !memcmp(e->s, s, n)) {
		*gfp = e->gfp;
		return 0;
	}
	h = fnv(s, n);
	e = &r->gfp[h & (GFP_SLOTS - 1)];
	if (e->used && e->hash == h && e->len == n && !memcmp(e->s, s, n)) {
		*gfp = e->gfp;
		r->last_gfp = e;
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
		r->last_gfp = e;
	}
	return 0;
}

/* The table entry of an event name, added on first sight. */
static struct name_ent *name_entry(struct pfnlab_replay *r, const char *name, size_t len)
{
	uint32_t h = fnv(name, len);

	for (unsigned i = 0; i < NAME_SLOTS; i++) {
		struct name_ent *e = &r->names[(h + i) & (NAME_SLOTS - 1)];

		if (e->used) {
			if (e->hash == h && e->len == len && !memcmp(e->name, name, len))
				return e;
			continue;
		}
		if (len >= NAME_MAX_LEN || r->nr_names >= NAME_SLOTS / 2)
			return NULL;
		e->used = true;
		e->hash = h;
		e->len = (uint16_t)len;
		memcpy(e->name, name, len);
		e->name[len] = '\0';
		e->id = (uint8_t)trace_event_lookup(name, len);
		r->nr_names++;
		return e;
	}
	return NULL;
}

/* Fields of a known event, with the hint of where each usually sits. */
struct want {
	const char *key;
	unsigned hint;
};

static const char *need(struct pfnlab_replay *r, const struct trace_fields *tf, const char *ev, struct want w,
			uint32_t *vl, int *err)
{
	const char *v = trace_field(tf, w.hint, w.key, vl);

	if (!v && !*err)
		*err = line_error(r, "%s: no %s= field", ev, w.key);
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
static uint64_t num(struct pfnlab_replay *r, const struct trace_fields *tf, const char *ev, struct want w,
		    bool hex, int *err)
{
	uint32_t vl;
	const char *v = need(r, tf, ev, w, &vl, err);
	uint64_t x = 0;

	if (v && trace_parse_u64(v, vl, hex, &x) && !*err)
		*err = line_error(r, "%s: %s=%.*s is not a number", ev, w.key, (int)vl, v);
	return x;
}

/* The pfn= field of a kmem event, noting the era its form shows. */
static uint64_t kmem_pfn(struct pfnlab_replay *r, const struct trace_fields *tf, const char *ev, unsigned hint,
			 int *err)
{
	uint32_t vl;
	const char *v = need(r, tf, ev, (struct want){"pfn", hint}, &vl, err);
	uint64_t x = 0;
	int era;

	if (!v)
		return 0;
	era = vl > 2 && v[0] == '0' && v[1] == 'x' ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
	if (trace_parse_u64(v, vl, false, &x)) {
		if (!*err)
			*err = line_error(r, "%s: pfn=%.*s is not a number", ev, (int)vl, v);
		return 0;
	}
	if (x == 0 && vl == 1) {
		/* "pfn=0" of a failed allocation says nothing about the form */
	} else if (r->era < 0) {
		r->era = era;
	} else if (r->era != era && !(era == PFNLAB_ERA_2015 && x == 0)) {
		if (!*err)
			*err = line_error(r, "%s: pfn=%.*s is in the %s form, earlier events used the %s form (mixed traces?)",
					  ev, (int)vl, v, era == PFNLAB_ERA_2015 ? "2015 (decimal)" : "current (hex)",
					  r->era == PFNLAB_ERA_2015 ? "2015 (decimal)" : "current (hex)");
	}
	return x;
}

static int order_of(struct pfnlab_replay *r, const char *ev, uint64_t order, int *err)
{
	if (order >= MAX_ORDERS && !*err)
		*err = line_error(r, "%s: order=%llu is beyond any kernel's largest order", ev,
				  (unsigned long long)order);
	return (int)order;
}

/* The effect of an mm_page_alloc event (@mt as the trace numbers it). */
static void page_alloc(struct pfnlab_replay *r, bool failed, uint64_t pfn, unsigned order, uint64_t mt,
		       pfnlab_gfp_t gfp)
{
	if (failed) {
		r->c[C_alloc_failed]++;
		r->m->vm[VM_ALLOC_FAILED]++;
		return;
	}
	r->c[C_allocs]++;
	r->c[C_pages_allocated] += 1ull << order;
	apply_alloc(r, pfn, order, trace_mt(r, mt), gfp);
}

/* The effect of an mm_page_free or mm_page_free_batched event. */
static void page_free(struct pfnlab_replay *r, enum trace_event_id id, uint64_t pfn, unsigned order)
{
	r->c[C_pages_freed] += 1ull << order;
	if (id == EV_PAGE_FREE) {
		r->c[C_frees]++;
		apply_free(r, pfn, order);
		return;
	}
	r->c[C_pages_freed_batched] += 1ull << order;
	if (!r->c[C_frees])
		apply_free(r, pfn, order);
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
 * the line was read and applied; false sends it to the generic path,
 * which also words the errors.
 */
static bool fast_page_event(struct pfnlab_replay *r, enum trace_event_id id, const struct trace_line *tl)
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
	if (!fast_num(v, vl, &pfn) || (r->era != era && !(pfn == 0 && vl == 1)))
		return false;
	if (!(p = FAST_KV(p, end, "order=", &v, &vl)) || !fast_num(v, vl, &order) || order >= MAX_ORDERS)
		return false;
	if (id != EV_PAGE_ALLOC) {
		if (p != end)
			return false;
		page_free(r, id, pfn, (unsigned)order);
		return true;
	}
	if (!(p = FAST_KV(p, end, "migratetype=", &v, &vl)) || !fast_num(v, vl, &mt) ||
	    mt >= PFNLAB_MT_TYPES || (size_t)(end - p) <= 10 || memcmp(p, "gfp_flags=", 10))
		return false;
	/* the mask runs to the end of the line (the last field) */
	v = p + 10;
	vl = (size_t)(end - v);
	if (memchr(v, ' ', vl) || parse_gfp(r, v, vl, &gfp))
		return false;
	page_alloc(r, pfn == 0 && is_null_ptr(page, pl), pfn, (unsigned)order, mt, gfp);
	return true;
}

/* Parse and apply one event of a known kind; 0 or -EINVAL (message set). */
static int apply_event(struct pfnlab_replay *r, enum trace_event_id id, const struct trace_line *tl)
{
	struct trace_fields tf;
	char ev[NAME_MAX_LEN];
	size_t evl = tl->name_len < NAME_MAX_LEN ? tl->name_len : NAME_MAX_LEN - 1;
	int err = 0;
	uint32_t vl;
	const char *v;

	if ((id == EV_PAGE_ALLOC || id == EV_PAGE_FREE || id == EV_PAGE_FREE_BATCHED) && r->era >= 0 &&
	    fast_page_event(r, id, tl))
		return 0;
	memcpy(ev, tl->name, evl);
	ev[evl] = '\0';
	if (trace_split_fields(tl->fields, tl->fields_len, &tf))
		return line_error(r, "%s: fields are not key=value pairs", ev);
	switch (id) {
	case EV_PAGE_ALLOC: {
		pfnlab_gfp_t gfp = 0;
		const char *page = need(r, &tf, ev, (struct want){"page", 0}, &vl, &err);
		uint32_t pl = vl;
		uint64_t pfn = kmem_pfn(r, &tf, ev, 1, &err);
		int order = order_of(r, ev, num(r, &tf, ev, (struct want){"order", 2}, false, &err), &err);
		uint64_t mt = num(r, &tf, ev, (struct want){"migratetype", 3}, false, &err);

		v = need(r, &tf, ev, (struct want){"gfp_flags", 4}, &vl, &err);
		if (v && !err && parse_gfp(r, v, vl, &gfp))
			err = line_error(r, "%s: gfp_flags=%.*s has a name pfnlab does not know", ev, (int)vl, v);
		if (!err && mt >= PFNLAB_MT_TYPES)
			err = line_error(r, "%s: migratetype=%llu is not a migrate type", ev, (unsigned long long)mt);
		if (err)
			return err;
		page_alloc(r, is_null_ptr(page, pl) && pfn == 0, pfn, (unsigned)order, mt, gfp);
		return 0;
	}
	case EV_PAGE_FREE:
	case EV_PAGE_FREE_BATCHED: {
		uint64_t pfn;
		int order;

		need(r, &tf, ev, (struct want){"page", 0}, &vl, &err);
		pfn = kmem_pfn(r, &tf, ev, 1, &err);
		order = order_of(r, ev, num(r, &tf, ev, (struct want){"order", 2}, false, &err), &err);
		if (err)
			return err;
		page_free(r, id, pfn, (unsigned)order);
		return 0;
	}
	case EV_ALLOC_ZONE_LOCKED:
	case EV_PCPU_DRAIN: {
		int order;

		need(r, &tf, ev, (struct want){"page", 0}, &vl, &err);
		kmem_pfn(r, &tf, ev, 1, &err);
		order = order_of(r, ev, num(r, &tf, ev, (struct want){"order", 2}, false, &err), &err);
		num(r, &tf, ev, (struct want){"migratetype", 3}, false, &err);
		if (err)
			return err;
		r->c[id == EV_PCPU_DRAIN ? C_pcpu_drain_pages : C_zone_locked_pages] += 1ull << order;
		return 0;
	}
	case EV_EXTFRAG: {
		uint64_t pfn, fo, amt, fmt, frag, own;

		need(r, &tf, ev, (struct want){"page", 0}, &vl, &err);
		pfn = kmem_pfn(r, &tf, ev, 1, &err);
		order_of(r, ev, num(r, &tf, ev, (struct want){"alloc_order", 2}, false, &err), &err);
		fo = (uint64_t)order_of(r, ev, num(r, &tf, ev, (struct want){"fallback_order", 3}, false, &err), &err);
		num(r, &tf, ev, (struct want){"pageblock_order", 4}, false, &err);
		amt = num(r, &tf, ev, (struct want){"alloc_migratetype", 5}, false, &err);
		fmt = num(r, &tf, ev, (struct want){"fallback_migratetype", 6}, false, &err);
		frag = num(r, &tf, ev, (struct want){"fragmenting", 7}, false, &err);
		own = num(r, &tf, ev, (struct want){"change_ownership", 8}, false, &err);
		if (!err && (amt >= PFNLAB_MT_TYPES || fmt >= PFNLAB_MT_TYPES))
			err = line_error(r, "%s: a migratetype is not a migrate type", ev);
		if (err)
			return err;
		r->c[C_extfrag_events]++;
		r->c[C_extfrag_change_ownership] += own != 0;
		r->c[C_extfrag_fragmenting] += frag != 0;
		r->m->vm[VM_EXTFRAG]++;
		r->m->vm[VM_EXTFRAG_CLAIMED] += own != 0;
		apply_extfrag(r, pfn, (unsigned)fo, trace_mt(r, amt), trace_mt(r, fmt), own != 0);
		return 0;
	}
	case EV_CONTIG_INFO: {
		uint64_t a, b, c, d;

		num(r, &tf, ev, (struct want){"start", 0}, false, &err);
		num(r, &tf, ev, (struct want){"end", 1}, false, &err);
		a = num(r, &tf, ev, (struct want){"migratetype", 2}, false, &err);
		b = num(r, &tf, ev, (struct want){"nr_migrated", 3}, false, &err);
		c = num(r, &tf, ev, (struct want){"nr_reclaimed", 4}, false, &err);
		d = num(r, &tf, ev, (struct want){"nr_mapped", 5}, false, &err);
		if (err)
			return err;
		r->c[C_contig_info_events]++;
		if (b < PFNLAB_MT_TYPES) {
			/* 6.10+: migratetype=<mapped> nr_migrated=<type> nr_reclaimed=<migrated> nr_mapped=<reclaimed> */
			r->c[C_contig_migrated] += c;
			r->c[C_contig_reclaimed] += d;
			r->c[C_contig_mapped] += a;
		} else {
			r->c[C_contig_migrated] += b;
			r->c[C_contig_reclaimed] += c;
			r->c[C_contig_mapped] += d;
		}
		return 0;
	}
	case EV_MIGRATE: {
		uint64_t ok = num(r, &tf, ev, (struct want){"nr_succeeded", 0}, false, &err);
		uint64_t bad = num(r, &tf, ev, (struct want){"nr_failed", 1}, false, &err), x;

		need(r, &tf, ev, (struct want){"mode", tf.n > 4 ? tf.n - 2 : 2}, &vl, &err);
		need(r, &tf, ev, (struct want){"reason", tf.n > 4 ? tf.n - 1 : 3}, &vl, &err);
		if (err)
			return err;
		r->c[C_migrate_calls]++;
		r->c[C_migrate_succeeded] += ok;
		r->c[C_migrate_failed] += bad;
		r->m->vm[VM_PGMIGRATE_SUCCESS] += ok;
		r->m->vm[VM_PGMIGRATE_FAIL] += bad;
		if ((v = trace_field(&tf, 2, "nr_thp_succeeded", &vl)) && !trace_parse_u64(v, vl, false, &x))
			r->c[C_migrate_thp_succeeded] += x;
		if ((v = trace_field(&tf, 3, "nr_thp_failed", &vl)) && !trace_parse_u64(v, vl, false, &x))
			r->c[C_migrate_thp_failed] += x;
		if ((v = trace_field(&tf, 4, "nr_thp_split", &vl)) && !trace_parse_u64(v, vl, false, &x))
			r->c[C_migrate_thp_split] += x;
		return 0;
	}
	case EV_MIGRATE_START:
		need(r, &tf, ev, (struct want){"mode", 0}, &vl, &err);
		need(r, &tf, ev, (struct want){"reason", 1}, &vl, &err);
		return err;
	case EV_COMPACTION: {
		uint64_t x;

		r->c[C_compaction_events]++;
		if (tl->name_len == 34 && !memcmp(tl->name, "mm_compaction_isolate_migratepages", 34)) {
			need(r, &tf, ev, (struct want){"range", 0}, &vl, &err);
			num(r, &tf, ev, (struct want){"nr_scanned", 1}, false, &err);
			x = num(r, &tf, ev, (struct want){"nr_taken", 2}, false, &err);
			if (err)
				return err;
			r->c[C_compaction_isolated] += x;
			r->m->vm[VM_COMPACT_ISOLATED] += x;
		} else if (tl->name_len == 26 && !memcmp(tl->name, "mm_compaction_migratepages", 26)) {
			x = num(r, &tf, ev, (struct want){"nr_migrated", 0}, false, &err);
			r->c[C_compaction_migrated] += x;
			x = num(r, &tf, ev, (struct want){"nr_failed", 1}, false, &err);
			r->c[C_compaction_failed] += x;
		}
		return err;
	}
	case EV_CMA_ALLOC: {
		/* v4.1..v5.12: "pfn=%lx page=%p count=%u align=%u", pfn in hex without 0x */
		uint64_t pfn = num(r, &tf, ev, (struct want){"pfn", 0}, true, &err), count;
		const char *page = need(r, &tf, ev, (struct want){"page", 1}, &vl, &err);
		uint32_t pl = vl;

		count = num(r, &tf, ev, (struct want){"count", 2}, false, &err);
		num(r, &tf, ev, (struct want){"align", 3}, false, &err);
		if (err)
			return err;
		r->c[C_cma_alloc_calls]++;
		if (is_null_ptr(page, pl)) {
			r->c[C_cma_alloc_fail]++;
			apply_cma_fail(r, NULL, 0, pfn, count);
			return 0;
		}
		r->c[C_cma_alloc_success]++;
		apply_cma_alloc(r, pfn, count);
		return 0;
	}
	case EV_CMA_ALLOC_FINISH: {
		uint64_t pfn, count;
		int64_t errno_v = 0;
		const char *page, *name;
		uint32_t pl, nl;

		name = need(r, &tf, ev, (struct want){"name", 0}, &nl, &err);
		pfn = num(r, &tf, ev, (struct want){"pfn", 1}, true, &err);
		page = need(r, &tf, ev, (struct want){"page", 2}, &pl, &err);
		count = num(r, &tf, ev, (struct want){"count", 3}, false, &err);
		num(r, &tf, ev, (struct want){"align", 4}, false, &err);
		if ((v = trace_field(&tf, 5, "errorno", &vl)) && trace_parse_s64(v, vl, &errno_v) && !err)
			err = line_error(r, "%s: errorno=%.*s is not a number", ev, (int)vl, v);
		if (err)
			return err;
		if (is_null_ptr(page, pl) || errno_v) {
			r->c[C_cma_alloc_fail]++;
			apply_cma_fail(r, name, nl, pfn, count);
			return 0;
		}
		r->c[C_cma_alloc_success]++;
		apply_cma_alloc(r, pfn, count);
		return 0;
	}
	case EV_CMA_ALLOC_START:
		need(r, &tf, ev, (struct want){"name", 0}, &vl, &err);
		if (!trace_field(&tf, 1, "count", &vl))
			num(r, &tf, ev, (struct want){"request_count", 1}, false, &err);
		num(r, &tf, ev, (struct want){"align", tf.n ? tf.n - 1 : 0}, false, &err);
		if (!err)
			r->c[C_cma_alloc_calls]++;
		return err;
	case EV_CMA_BUSY_RETRY:
		need(r, &tf, ev, (struct want){"name", 0}, &vl, &err);
		num(r, &tf, ev, (struct want){"pfn", 1}, true, &err);
		need(r, &tf, ev, (struct want){"page", 2}, &vl, &err);
		num(r, &tf, ev, (struct want){"count", 3}, false, &err);
		if (err)
			return err;
		r->c[C_cma_busy_retries]++;
		r->m->vm[VM_CMA_BUSY_RETRY]++;
		return 0;
	case EV_CMA_RELEASE: {
		bool named = trace_field(&tf, 0, "name", &vl) != NULL;
		uint64_t pfn = num(r, &tf, ev, (struct want){"pfn", named}, true, &err);
		uint64_t count;

		need(r, &tf, ev, (struct want){"page", 1 + named}, &vl, &err);
		count = num(r, &tf, ev, (struct want){"count", 2 + named}, false, &err);
		if (err)
			return err;
		apply_cma_release(r, pfn, count);
		return 0;
	}
	case EV_TEST_ISOLATED: {
		num(r, &tf, ev, (struct want){"start_pfn", 0}, false, &err);
		num(r, &tf, ev, (struct want){"end_pfn", 1}, false, &err);
		num(r, &tf, ev, (struct want){"fin_pfn", 2}, false, &err);
		v = need(r, &tf, ev, (struct want){"ret", 3}, &vl, &err);
		if (!err && !(vl == 7 && !memcmp(v, "success", 7)) && !(vl == 4 && !memcmp(v, "fail", 4)))
			err = line_error(r, "%s: ret=%.*s is neither success nor fail", ev, (int)vl, v);
		if (err)
			return err;
		r->c[C_isolation_tests]++;
		if (vl == 4) {
			r->c[C_isolation_failed]++;
			r->m->vm[VM_CONTIG_BUSY]++;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* ---- the public side ---- */

static void record_before(struct pfnlab_replay *r)
{
	const struct pfnlab_machine *m = r->m;

	for (int i = 0; i < m->nr_zones; i++) {
		r->free_before[i] = m->zones[i].nr_free;
		for (int t = 0; t < PFNLAB_MT_TYPES; t++)
			r->pb_before[i][t] = count_pageblocks(m, &m->zones[i], t);
	}
}

int pfnlab_replay_create(struct pfnlab_machine *m, const struct pfnlab_replay_opts *opts,
			 struct pfnlab_replay **out)
{
	struct pfnlab_replay *r;

	*out = NULL;
	if (m->cfg.pcp)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->seen = calloc(m->nr_pfns / 64 + 1, sizeof(uint64_t));
	if (!r->seen) {
		free(r);
		return -ENOMEM;
	}
	r->m = m;
	if (opts)
		r->o = *opts;
	r->era = -1;
	record_before(r);
	*out = r;
	return 0;
}

void pfnlab_replay_destroy(struct pfnlab_replay *r)
{
	if (!r)
		return;
	map_free(&r->fwd);
	map_free(&r->rev);
	free(r->seen);
	free(r->cma_own);
	free(r);
}

int pfnlab_replay_feed(struct pfnlab_replay *r, const char *text, size_t len, const char *name, char *why,
		       size_t wlen)
{
	const char *p = text, *end = text + len;
	uint64_t bin = input_binary_line(text, len), events_before = r->c[C_events_total];
	uint64_t lost_before = r->c[C_lost_lines], bad_before = r->c[C_lines_malformed];
	struct name_ent *last = NULL;

	r->file = name;
	r->why = why;
	r->wlen = wlen;
	r->line = 0;
	if (bin)
		return set_why(why, wlen, "%s:%llu: binary data, not trace text (a trace-cmd .dat or compressed file under another name?)",
			       name, (unsigned long long)bin), -EINVAL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct trace_line tl;
		enum trace_line_kind k;

		r->line++;
		r->c[C_lines_total]++;
		if (n && p[n - 1] == '\r')
			n--;
		k = trace_split_line(p, n, &tl);
		if (k == TL_EVENT) {
			struct name_ent *e = last && last->len == tl.name_len && !memcmp(last->name, tl.name, tl.name_len)
						     ? last : name_entry(r, tl.name, tl.name_len);
			enum trace_event_id id = e ? (enum trace_event_id)e->id : trace_event_lookup(tl.name, tl.name_len);
			int err = id == EV_UNKNOWN ? 0 : apply_event(r, id, &tl);

			if (err) {
				if (!r->o.lenient)
					return err;
				r->c[C_lines_malformed]++;
				r->c[C_lines_skipped]++;
			} else {
				r->c[C_events_total]++;
				r->c[id == EV_UNKNOWN ? C_events_unknown : C_events_known]++;
				if (e)
					e->count++;
				else
					r->other_names++;
				last = e;
				r->flags_column |= tl.has_flags;
			}
		} else if (k == TL_LOST) {
			r->c[C_lost_lines]++;
			r->c[C_lost_events] += tl.lost;
			r->c[C_lost_unknown] += tl.lost_unknown;
		} else {
			const char *q = p;

			while (q < p + n && (*q == ' ' || *q == '\t'))
				q++;
			if ((size_t)(p + n - q) >= 9 && !memcmp(q, "# tracer:", 9))
				r->saw_header = true;
			if ((size_t)(p + n - q) >= 5 && !memcmp(q, "cpus=", 5))
				r->saw_header = r->trace_cmd = true;
			r->c[C_lines_skipped]++;
		}
		if (r->o.progress && !(r->line & ((1u << 20) - 1)))
			r->o.progress(r->o.progress_arg, (uint64_t)(p - text), len, r->c[C_events_total]);
		p = nl ? nl + 1 : end;
	}
	if (r->c[C_events_total] == events_before && r->c[C_lost_lines] == lost_before &&
	    r->c[C_lines_malformed] == bad_before && !r->saw_header)
		return set_why(why, wlen, "%s: no trace events and no trace header in %llu lines (not a kernel trace?)",
			       name, (unsigned long long)r->line), -EINVAL;
	return 0;
}

uint64_t pfnlab_replay_events(const struct pfnlab_replay *r)
{
	return r->c[C_events_total];
}

uint64_t pfnlab_replay_counter(const struct pfnlab_replay *r, const char *key)
{
	for (int i = 0; i < NR_COUNTERS; i++)
		if (strcmp(counter_names[i], key) == 0)
			return r->c[i];
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp((*(const struct name_ent *const *)a)->name, (*(const struct name_ent *const *)b)->name);
}

/* The migrate types /proc/pagetypeinfo of the machine's era lists, and their names. */
static int view_types(const struct pfnlab_machine *m, int *mts, const char *const **names)
{
	static const int cur[] = {PFNLAB_MT_UNMOVABLE, PFNLAB_MT_MOVABLE, PFNLAB_MT_RECLAIMABLE,
				  PFNLAB_MT_HIGHATOMIC, PFNLAB_MT_CMA, PFNLAB_MT_ISOLATE};
	static const int old[] = {PFNLAB_MT_UNMOVABLE, PFNLAB_MT_RECLAIMABLE, PFNLAB_MT_MOVABLE,
				  PFNLAB_MT_HIGHATOMIC, PFNLAB_MT_CMA, PFNLAB_MT_ISOLATE};
	const int *order = m->cfg.era == PFNLAB_ERA_2015 ? old : cur;
	int n = 0;

	*names = m->cfg.era == PFNLAB_ERA_2015 ? migratetype_names_2015 : migratetype_names;
	for (int i = 0; i < PFNLAB_MT_TYPES; i++)
		if (order[i] != PFNLAB_MT_CMA || m->cfg.config_cma)
			mts[n++] = order[i];
	return n;
}

void pfnlab_replay_summary(const struct pfnlab_replay *r, bool json, const struct pfnlab_sink *s)
{
	const struct pfnlab_machine *m = r->m;
	const struct name_ent *sorted[NAME_SLOTS];
	const char *const *mtn;
	const char *era = r->era == PFNLAB_ERA_2015 ? "2015" : r->era == PFNLAB_ERA_CURRENT ? "current" : "unknown";
	int mts[PFNLAB_MT_TYPES], nmt = view_types(m, mts, &mtn);
	unsigned n = 0;

	for (unsigned i = 0; i < NAME_SLOTS; i++)
		if (r->names[i].used && r->names[i].count)
			sorted[n++] = &r->names[i];
	/* cppcheck-suppress uninitvar ; only the n entries filled are sorted */
	qsort(sorted, n, sizeof(sorted[0]), cmp_names);
	if (json) {
		sink_printf(s, "{\"era\": \"%s\", \"flags_column\": %s, \"trace_cmd\": %s", era,
			    r->flags_column ? "true" : "false", r->trace_cmd ? "true" : "false");
		for (int i = 0; i < NR_COUNTERS; i++)
			sink_printf(s, ", \"%s\": %llu", counter_names[i], (unsigned long long)r->c[i]);
		sink_printf(s, ", \"events_by_name\": {");
		for (unsigned i = 0; i < n; i++)
			sink_printf(s, "%s\"%s\": %llu", i ? ", " : "", sorted[i]->name,
				    (unsigned long long)sorted[i]->count);
		if (r->other_names)
			sink_printf(s, "%s\"(other)\": %llu", n ? ", " : "", (unsigned long long)r->other_names);
		sink_printf(s, "}, \"zones\": {");
		for (int i = 0; i < m->nr_zones; i++) {
			const struct zone *z = &m->zones[i];

			sink_printf(s, "%s\"%s\": {\"free_pages_before\": %lld, \"free_pages_after\": %lld, \"free_pages_delta\": %lld, \"pageblocks_delta\": {",
				    i ? ", " : "", z->name, (long long)r->free_before[i], (long long)z->nr_free,
				    (long long)(z->nr_free - r->free_before[i]));
			for (int k = 0; k < nmt; k++)
				sink_printf(s, "%s\"%s\": %lld", k ? ", " : "", mtn[mts[k]],
					    (long long)count_pageblocks(m, z, mts[k]) - (long long)r->pb_before[i][mts[k]]);
			sink_printf(s, "}, \"pageblocks_after\": {");
			for (int k = 0; k < nmt; k++)
				sink_printf(s, "%s\"%s\": %llu", k ? ", " : "", mtn[mts[k]],
					    (unsigned long long)count_pageblocks(m, z, mts[k]));
			sink_printf(s, "}}");
		}
		sink_printf(s, "}}\n");
		return;
	}
	sink_printf(s, "%-26s %s\n", "era", era);
	sink_printf(s, "%-26s %s\n", "flags_column", r->flags_column ? "yes" : "no");
	for (int i = 0; i < NR_COUNTERS; i++)
		if (r->c[i] || i < C_pages_freed_unseen || i == C_extfrag_events || i == C_extfrag_change_ownership)
			sink_printf(s, "%-26s %llu\n", counter_names[i], (unsigned long long)r->c[i]);
	sink_printf(s, "events_by_name:\n");
	for (unsigned i = 0; i < n; i++)
		sink_printf(s, "  %-36s %llu\n", sorted[i]->name, (unsigned long long)sorted[i]->count);
	if (r->other_names)
		sink_printf(s, "  %-36s %llu\n", "(other)", (unsigned long long)r->other_names);
	for (int i = 0; i < m->nr_zones; i++) {
		const struct zone *z = &m->zones[i];
		char line[512];
		int k, len = snprintf(line, sizeof(line), "zone %-8s free pages %lld -> %lld (%+lld), pageblocks",
				      z->name, (long long)r->free_before[i], (long long)z->nr_free,
				      (long long)(z->nr_free - r->free_before[i]));

		for (k = 0; k < nmt; k++)
			len += snprintf(line + len, sizeof(line) - (size_t)len, " %s %+lld", mtn[mts[k]],
					(long long)count_pageblocks(m, z, mts[k]) - (long long)r->pb_before[i][mts[k]]);
		sink_printf(s, "%s\n", line);
	}
}

/* ---- prescan ---- */

void trace_prescan(const char *text, size_t len, struct trace_prescan *ps)
{
	const char *p = text, *end = text + len;

	*ps = (struct trace_prescan){.era = -1};
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct trace_line tl;
		struct trace_fields tf;

		if (trace_split_line(p, n, &tl) == TL_EVENT) {
			enum trace_event_id id = trace_event_lookup(tl.name, tl.name_len);
			uint64_t pfn = 0, count = 1, order = 0;
			uint32_t vl;
			const char *v;
			bool hex = id >= EV_CMA_ALLOC && id <= EV_CMA_BUSY_RETRY;

			if (id != EV_UNKNOWN && id != EV_COMPACTION && id != EV_TEST_ISOLATED && id != EV_CONTIG_INFO &&
			    id != EV_MIGRATE && id != EV_MIGRATE_START && !trace_split_fields(tl.fields, tl.fields_len, &tf) &&
			    (v = trace_field(&tf, 1, "pfn", &vl)) && !trace_parse_u64(v, vl, hex, &pfn)) {
				if (!hex && ps->era < 0)
					ps->era = vl > 2 && v[1] == 'x' ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
				if ((v = trace_field(&tf, 2, "order", &vl)) && !trace_parse_u64(v, vl, false, &order) &&
				    order < MAX_ORDERS) {
					count = 1ull << order;
					if (order > ps->max_order)
						ps->max_order = (unsigned)order;
				}
				if (hex && (v = trace_field(&tf, 2, "count", &vl)))
					trace_parse_u64(v, vl, false, &count);
				if (count && pfn + count - 1 > ps->max_pfn && pfn + count - 1 < (1ull << 40))
					ps->max_pfn = pfn + count - 1;
				ps->any_pfn = true;
			}
		}
		p = nl ? nl + 1 : end;
	}
}
