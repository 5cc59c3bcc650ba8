/*
 * replay_apply.c - one event of a kernel trace applied to a model
 * machine, and counted.
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
 * Simplified: no per-CPU lists (the trace's mm_page_alloc/mm_page_free are
 * what the callers saw; the pcp events are counted only); no time.
 */
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "gfp.h"
#include "input.h"

#define EMPTY_KEY UINT64_MAX
#define TOMB_KEY (UINT64_MAX - 1)

/* An open-addressing map of PFN to value. */
struct pfnmap {
	struct pfnmap_slot {
		uint64_t key, val;
	} *slot;
	size_t cap, used, live;
};

/* What a replay knows about the machine's pages beyond the machine itself. */
struct replay_model {
	struct pfnlab_machine *m;
	uint64_t *c;              /* the replay's counters (enum replay_counter) */
	uint64_t *seen;           /* per page: allocated in the trace and not freed */
	uint64_t *cma_own;        /* per page: taken by a cma_alloc of the trace, not released (lazy) */
	struct pfnmap fwd;        /* trace PFN -> model PFN | order << 56 (relocated allocations) */
	struct pfnmap rev;        /* model PFN -> trace PFN */
};

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
	struct pfnmap n = {calloc(cap, sizeof(*n.slot)), cap, 0, 0};

	if (!n.slot)
		return -ENOMEM;
	memset(n.slot, 0xff, cap * sizeof(*n.slot)); /* every key EMPTY_KEY */
	for (size_t i = 0; i < mp->cap; i++) {
		uint64_t k = mp->slot[i].key;
		size_t j;

		if (k >= TOMB_KEY)
			continue;
		for (j = mix(k) & (cap - 1); n.slot[j].key != EMPTY_KEY; j = (j + 1) & (cap - 1))
			;
		n.slot[j] = mp->slot[i];
		n.used++;
		n.live++;
	}
	free(mp->slot);
	*mp = n;
	return 0;
}

/* The slot holding @k, or NULL. */
static struct pfnmap_slot *map_slot(const struct pfnmap *mp, uint64_t k)
{
	if (!mp->live)
		return NULL;
	for (size_t j = mix(k) & (mp->cap - 1);; j = (j + 1) & (mp->cap - 1)) {
		if (mp->slot[j].key == k)
			return &mp->slot[j];
		if (mp->slot[j].key == EMPTY_KEY)
			return NULL;
	}
}

/* (inline: most replays relocate nothing, and the empty map is asked once an event) */
static inline uint64_t *map_find(const struct pfnmap *mp, uint64_t k)
{
	struct pfnmap_slot *e = mp->live ? map_slot(mp, k) : NULL;

	return e ? &e->val : NULL;
}

static int map_put(struct pfnmap *mp, uint64_t k, uint64_t v)
{
	struct pfnmap_slot *e = map_slot(mp, k);
	size_t j;

	if (e) {
		e->val = v;
		return 0;
	}
	if ((mp->used + 1) * 2 > mp->cap && map_grow(mp))
		return -ENOMEM;
	for (j = mix(k) & (mp->cap - 1); mp->slot[j].key < TOMB_KEY; j = (j + 1) & (mp->cap - 1))
		;
	if (mp->slot[j].key == EMPTY_KEY)
		mp->used++;
	mp->slot[j] = (struct pfnmap_slot){k, v};
	mp->live++;
	return 0;
}

static void map_del(struct pfnmap *mp, uint64_t k)
{
	struct pfnmap_slot *e = map_slot(mp, k);

	if (!e)
		return;
	e->key = TOMB_KEY;
	mp->live--;
}

static void map_free(struct pfnmap *mp)
{
	free(mp->slot);
	*mp = (struct pfnmap){0};
}

static inline bool seen_test(const struct replay_model *r, uint64_t pfn)
{
	return r->seen[pfn >> 6] >> (pfn & 63) & 1;
}

/* (a word at a time: an event's pages are one aligned block, most often a page) */
static inline void seen_assign(struct replay_model *r, uint64_t pfn, uint64_t n, bool v)
{
	if (n == 1) {
		uint64_t bit = 1ull << (pfn & 63);

		r->seen[pfn >> 6] = v ? r->seen[pfn >> 6] | bit : r->seen[pfn >> 6] & ~bit;
		return;
	}
	for (uint64_t p = pfn, end = pfn + n; p < end;) {
		uint64_t bits = end - p < 64 - (p & 63) ? end - p : 64 - (p & 63);
		uint64_t mask = (bits == 64 ? ~0ull : (1ull << bits) - 1) << (p & 63);

		if (v)
			r->seen[p >> 6] |= mask;
		else
			r->seen[p >> 6] &= ~mask;
		p += bits;
	}
}

/* ---- what events do to the model ---- */

/*
 * Move the allocation at model PFN @h (not the trace's page @h, but one the
 * model put there) elsewhere, keeping whose it is: migration.  Returns
 * false when no target could be allocated; the allocation is then dropped.
 */
static bool evict(struct replay_model *r, uint64_t h, pfnlab_gfp_t gfp)
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
static void take_allocated(struct replay_model *r, uint64_t pfn, uint64_t end, bool move, uint64_t *moved,
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
static void split_edges(struct replay_model *r, uint64_t pfn, uint64_t end)
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

/*
 * A page event inside a range a cma_alloc of the trace still holds.  A
 * kernel's page allocator never hands such a page out, and frees one only
 * for cma_release(): free_contig_range() frees each page before
 * trace_cma_release().  So a free there is the release's own, and an
 * allocation there means the release was lost (events lost, or tracing
 * off): either way the pages leave the CMA range, their bitmap bits
 * cleared as cma_clear_bitmap() does, and for an allocation they first go
 * back free, counted in cma_pages_released_unseen.  The CMA view stays
 * what the page allocator's events say.
 */
static void cma_leave_owned(struct replay_model *r, uint64_t pfn, uint64_t n, bool alloc)
{
	struct pfnlab_machine *m = r->m;

	for (uint64_t p = pfn; p < pfn + n; p++) {
		const struct frame *f = &m->frames[p];
		struct cma_area *a;

		if (!(r->cma_own[p >> 6] >> (p & 63) & 1))
			continue;
		r->cma_own[p >> 6] &= ~(1ull << (p & 63));
		a = cma_of(m, p, 1);
		if (a && a->bitmap && !((p - a->base_pfn) & ((1ull << a->order_per_bit) - 1)))
			cma_bits(a, p, 1, false); /* the bit whose first page this is */
		if (!alloc)
			continue;
		r->c[C_cma_pages_released_unseen]++;
		if (a)
			a->pages_released++;
		if ((f->flags & F_ALLOC) && !f->order && seen_test(r, p) && !map_find(&r->rev, p)) {
			claim_release(m, pfn_zone(m, p), p, 0);
			seen_assign(r, p, 1, false);
		}
	}
}

/* (decided inline: a trace without cma_alloc never holds pages there) */
static inline void cma_leave(struct replay_model *r, uint64_t pfn, uint64_t n, bool alloc)
{
	if (r->cma_own)
		cma_leave_owned(r, pfn, n, alloc);
}

/*
 * Where the model puts an allocation whose PFNs it has in use: models
 * __rmqueue_smallest() in the event's zone on the event's migrate type's
 * lists (what the kernel did, but for the block it chose), else the
 * model's whole allocator with the event's gfp_flags (fallback, stealing).
 */
static uint64_t relocate(struct replay_model *r, uint64_t pfn, unsigned order, int mt, pfnlab_gfp_t gfp)
{
	struct pfnlab_machine *m = r->m;
	struct zone *z = pfn_zone(m, pfn);
	uint64_t y = z && mt >= 0 && mt < PFNLAB_MT_HIGHATOMIC ? rmqueue_smallest(m, z, order, mt) : NIL_PFN;

	if (y != NIL_PFN) {
		claim_mark_alloc(m, z, y, order, mt == PFNLAB_MT_MOVABLE);
		return y;
	}
	return alloc_frames(m, gfp, order);
}

/* models the page-allocator side of an mm_page_alloc event */
static void apply_alloc(struct replay_model *r, uint64_t pfn, unsigned order, int mt, pfnlab_gfp_t gfp)
{
	struct pfnlab_machine *m = r->m;
	uint64_t n = 1ull << order, y;
	bool movable = gfp_migratetype(gfp) == PFNLAB_MT_MOVABLE;
	struct zone *z;

	if (order >= m->nr_orders || (pfn & (n - 1)) || !(z = claim_range_zone(m, pfn, n))) {
		r->c[C_pfn_invalid]++;
		return;
	}
	cma_leave(r, pfn, n, true);
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
				claim_release(m, pfn_zone(m, yy), yy, yo);
		} else if ((m->frames[pfn].flags & F_ALLOC) && !map_find(&r->rev, pfn)) {
			claim_release(m, z, pfn, m->frames[pfn].order);
		}
		seen_assign(r, pfn, n, false);
	}
	if (claim_take_if_free(m, z, pfn, order)) {
		claim_mark_alloc(m, z, pfn, order, movable);
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
		claim_take_free(m, z, pfn, order);
		claim_mark_alloc(m, z, pfn, order, movable);
	}
	seen_assign(r, pfn, n, true);
}

/* Does an allocation of another identity sit in [pfn, end)? */
static bool foreign_in(const struct replay_model *r, uint64_t pfn, uint64_t end)
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
static void apply_free(struct replay_model *r, uint64_t pfn, unsigned order)
{
	struct pfnlab_machine *m = r->m;
	uint64_t n = 1ull << order, h, *v;
	struct zone *z;

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
			claim_release(m, pfn_zone(m, y), y, yo);
		seen_assign(r, pfn, n, false);
		return;
	}
	if (!(z = claim_range_zone(m, pfn, n))) {
		r->c[C_pfn_invalid]++;
		return;
	}
	cma_leave(r, pfn, n, false);
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
	claim_release(m, z, pfn, order);
}

/* models steal_suitable_fallback(): the effect an extfrag event reports */
/*
 * The trace says the pageblock at @p was of type @want before it was
 * claimed; when the model has another type there (a snapshot's layout is a
 * guess), it swaps types with the nearest pageblock of type @want in the
 * zone, so that the zone's counts per type follow the trace.
 */
static void fix_block_type(struct replay_model *r, struct zone *z, uint64_t p, int want)
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

static void apply_extfrag(struct replay_model *r, uint64_t pfn, unsigned fallback_order, int alloc_mt,
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
/* models alloc_contig_range() as a successful cma_alloc() left it */
static void apply_cma_alloc(struct replay_model *r, uint64_t pfn, uint64_t count)
{
	struct pfnlab_machine *m = r->m;
	uint64_t end = pfn + count, moved = 0, lost = 0;
	struct cma_area *a;
	struct zone *z;

	r->c[C_cma_pages_allocated] += count;
	if (!count || !(z = claim_range_zone(m, pfn, count))) {
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

		claim_take_free(m, z, p, o);
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
static void apply_cma_fail(struct replay_model *r, const char *name, size_t nlen, uint64_t pfn, uint64_t count)
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
static void apply_cma_release(struct replay_model *r, uint64_t pfn, uint64_t count)
{
	struct pfnlab_machine *m = r->m;
	struct cma_area *a;
	struct zone *z;

	r->c[C_cma_pages_released] += count;
	if (!count || !(z = claim_range_zone(m, pfn, count))) {
		r->c[C_pfn_invalid]++;
		return;
	}
	/* the range's held pages leave their areas, bits cleared page by page (a range may straddle an area's end) */
	cma_leave(r, pfn, count, false);
	for (uint64_t p = pfn; p < pfn + count; p++) {
		const struct frame *f = &m->frames[p];

		if (!seen_test(r, p) || !(f->flags & F_ALLOC) || f->order || map_find(&r->rev, p))
			continue;
		claim_release(m, z, p, 0);
		seen_assign(r, p, 1, false);
	}
	a = cma_of(m, pfn, count);
	if (a && a->bitmap && !((pfn - a->base_pfn) % (1ull << a->order_per_bit))) {
		cma_bits(a, pfn, count, false);
		a->pages_released += count;
	}
}

/* The effect of an mm_page_alloc event. */
static void page_alloc(struct replay_model *r, const struct trace_event *ev)
{
	if (ev->failed) {
		r->c[C_alloc_failed]++;
		r->m->vm[VM_ALLOC_FAILED]++;
		return;
	}
	r->c[C_allocs]++;
	r->c[C_pages_allocated] += 1ull << ev->order;
	apply_alloc(r, ev->pfn, ev->order, ev->mt, ev->gfp);
}

/* The effect of an mm_page_free or mm_page_free_batched event. */
static void page_free(struct replay_model *r, enum trace_event_id id, uint64_t pfn, unsigned order)
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


/* Every event but the page allocations and frees. */
static void other_event(struct replay_model *r, const struct trace_event *ev)
{
	uint64_t *c = r->c, *vm = r->m->vm;

	switch (ev->id) {
	case EV_ALLOC_ZONE_LOCKED:
		c[C_zone_locked_pages] += 1ull << ev->order;
		break;
	case EV_PCPU_DRAIN:
		c[C_pcpu_drain_pages] += 1ull << ev->order;
		break;
	case EV_EXTFRAG:
		c[C_extfrag_events]++;
		c[C_extfrag_change_ownership] += ev->claimed;
		c[C_extfrag_fragmenting] += ev->fragmenting;
		vm[VM_EXTFRAG]++;
		vm[VM_EXTFRAG_CLAIMED] += ev->claimed;
		apply_extfrag(r, ev->pfn, ev->order, ev->mt, ev->fallback_mt, ev->claimed);
		break;
	case EV_CONTIG_INFO:
		c[C_contig_info_events]++;
		c[C_contig_migrated] += ev->nr[0];
		c[C_contig_reclaimed] += ev->nr[1];
		c[C_contig_mapped] += ev->nr[2];
		break;
	case EV_MIGRATE:
		c[C_migrate_calls]++;
		c[C_migrate_succeeded] += ev->nr[0];
		c[C_migrate_failed] += ev->nr[1];
		vm[VM_PGMIGRATE_SUCCESS] += ev->nr[0];
		vm[VM_PGMIGRATE_FAIL] += ev->nr[1];
		c[C_migrate_thp_succeeded] += ev->nr[2];
		c[C_migrate_thp_failed] += ev->nr[3];
		c[C_migrate_thp_split] += ev->nr[4];
		break;
	case EV_COMPACTION:
		c[C_compaction_events]++;
		c[C_compaction_isolated] += ev->nr[0];
		vm[VM_COMPACT_ISOLATED] += ev->nr[0];
		c[C_compaction_migrated] += ev->nr[1];
		c[C_compaction_failed] += ev->nr[2];
		break;
	case EV_CMA_ALLOC:
	case EV_CMA_ALLOC_FINISH:
		if (ev->id == EV_CMA_ALLOC)
			c[C_cma_alloc_calls]++; /* v5.13+ kernels count the call at cma_alloc_start */
		if (ev->failed) {
			c[C_cma_alloc_fail]++;
			apply_cma_fail(r, ev->area, ev->area_len, ev->pfn, ev->count);
		} else {
			c[C_cma_alloc_success]++;
			apply_cma_alloc(r, ev->pfn, ev->count);
		}
		break;
	case EV_CMA_ALLOC_START:
		c[C_cma_alloc_calls]++;
		break;
	case EV_CMA_BUSY_RETRY:
		c[C_cma_busy_retries]++;
		vm[VM_CMA_BUSY_RETRY]++;
		break;
	case EV_CMA_RELEASE:
		apply_cma_release(r, ev->pfn, ev->count);
		break;
	case EV_TEST_ISOLATED:
		c[C_isolation_tests]++;
		if (ev->failed) {
			c[C_isolation_failed]++;
			vm[VM_CONTIG_BUSY]++;
		}
		break;
	default:
		break;
	}
}

void replay_apply(struct replay_model *r, const struct trace_event *ev)
{
	/* mm_page_alloc and mm_page_free are most of a trace */
	if (ev->id == EV_PAGE_ALLOC)
		page_alloc(r, ev);
	else if (ev->id == EV_PAGE_FREE || ev->id == EV_PAGE_FREE_BATCHED)
		page_free(r, ev->id, ev->pfn, ev->order);
	else
		other_event(r, ev);
}

int replay_model_create(struct pfnlab_machine *m, uint64_t *c, struct replay_model **out)
{
	struct replay_model *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->seen = calloc(m->nr_pfns / 64 + 1, sizeof(uint64_t));
	if (!r->seen) {
		free(r);
		return -ENOMEM;
	}
	r->m = m;
	r->c = c;
	*out = r;
	return 0;
}

void replay_model_destroy(struct replay_model *r)
{
	if (!r)
		return;
	map_free(&r->fwd);
	map_free(&r->rev);
	free(r->seen);
	free(r->cma_own);
	free(r);
}
