/*
 * compaction_scan.c - compaction's two scanners: the migrate scanner walks
 * a zone upwards isolating movable pages, the free scanner walks down from
 * its top taking free pages for them to move into; with the pageblock
 * skip hints and cached positions that let both resume where they stopped.
 *
 * Models the scanner half of mm/compaction.c (Debian 6.1.192; v4.2 where
 * --era 2015 differs): isolate_migratepages() with
 * fast_find_migrateblock() and isolate_migratepages_block();
 * isolate_freepages() with fast_isolate_freepages() and
 * isolate_freepages_block(); compaction_alloc() and compaction_free() (the
 * isolated free pages as migration targets); __reset_isolation_suitable(),
 * test_and_set_skip(), update_cached_migrate(), update_pageblock_skip().
 * compact_zone() (compaction.c) drives them; compaction.h holds the
 * compact_control they share.
 *
 * v4.2 (2015): no fast searches; async compaction scans only MOVABLE and
 * CMA pageblocks; the free scanner restarts at the zone end; a skip reset
 * clears every skip bit of the zone.
 *
 * Simplified: the migrate scanner takes order-0 folios only and skips
 * every larger allocation whole as a compound page; no lock contention,
 * need_resched() or too_many_isolated() throttling; no unevictable or
 * non-LRU movable pages.
 */
#include <stdlib.h>
#include <string.h>

#include "compact_control.h"

/* models isolation_suitable(): not marked for skipping (or told to ignore it) */
static bool isolation_suitable(const struct compact_control *cc, uint64_t pfn)
{
	return cc->ignore_skip_hint || !pageblock_skip(cc->m, pfn);
}

/* models reset_cached_positions() (v4.2: the free scanner restarts at the zone end) */
void reset_cached_positions(const struct pfnlab_machine *m, struct zone *z)
{
	z->compact_cached_migrate_pfn[0] = z->start_pfn;
	z->compact_cached_migrate_pfn[1] = z->start_pfn;
	z->compact_cached_free_pfn = v42(m) ? zone_end(z) & ~(m->pb_pages - 1) : pb_start(m, zone_end(z) - 1);
}

/* models pageblock_skip_persistent(): a compound page of at least pageblock order starts there */
static bool pageblock_skip_persistent(const struct pfnlab_machine *m, uint64_t pfn)
{
	const struct frame *f = &m->frames[pfn];

	return (f->flags & F_ALLOC) && f->order >= m->pb_order;
}

/* models __reset_isolation_pfn(): clear a block's skip bit if it may serve as source or target */
static bool reset_isolation_pfn(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, bool check_source,
				bool check_target)
{
	uint64_t start, last;

	if (!zone_spans(z, pfn) || pageblock_skip_persistent(m, pfn))
		return false;
	if (check_source && check_target && !pageblock_skip(m, pfn))
		return true;
	if (!check_source && check_target && pb_type(m, pfn) != PFNLAB_MT_MOVABLE)
		return false;
	start = pb_start(m, pfn) > z->start_pfn ? pb_start(m, pfn) : z->start_pfn;
	last = pb_end(m, pfn) - 1 < zone_end(z) - 1 ? pb_end(m, pfn) - 1 : zone_end(z) - 1;
	/* a sample every 2^PAGE_ALLOC_COSTLY_ORDER pages: an LRU page or a free page */
	for (uint64_t p = start; p <= last; p += 1u << PAGE_ALLOC_COSTLY_ORDER) {
		unsigned fl = m->frames[p].flags;

		if ((check_source && (fl & F_LRU) && (fl & F_ALLOC)) || (check_target && (fl & F_BUDDY))) {
			m->pageblock[p >> m->pb_order] &= (uint8_t)~PB_MIGRATE_SKIP;
			return true;
		}
	}
	return false;
}

/* models __reset_isolation_suitable() (v6.1; v4.2 clears every skip bit of the zone) */
void reset_isolation_suitable_zone(struct pfnlab_machine *m, struct zone *z)
{
	uint64_t migrate_pfn = z->start_pfn, free_pfn = zone_end(z) - 1;
	uint64_t reset_migrate = free_pfn, reset_free = migrate_pfn;
	bool source_set = false, free_set = false;

	if (!z->compact_blockskip_flush)
		return;
	z->compact_blockskip_flush = false;
	if (v42(m)) {
		for (uint64_t p = pb_start(m, z->start_pfn); p < zone_end(z); p += m->pb_pages)
			m->pageblock[p >> m->pb_order] &= (uint8_t)~PB_MIGRATE_SKIP;
		reset_cached_positions(m, z);
		return;
	}
	for (; migrate_pfn < free_pfn; migrate_pfn += m->pb_pages, free_pfn -= m->pb_pages) {
		if (reset_isolation_pfn(m, z, migrate_pfn, true, source_set) && migrate_pfn < reset_migrate) {
			source_set = true;
			reset_migrate = migrate_pfn;
			z->compact_init_migrate_pfn = reset_migrate;
			z->compact_cached_migrate_pfn[0] = reset_migrate;
			z->compact_cached_migrate_pfn[1] = reset_migrate;
		}
		if (reset_isolation_pfn(m, z, free_pfn, free_set, true) && free_pfn > reset_free) {
			free_set = true;
			reset_free = free_pfn;
			z->compact_init_free_pfn = reset_free;
			z->compact_cached_free_pfn = reset_free;
		}
		if (free_pfn < m->pb_pages)
			break;
	}
	if (reset_migrate >= reset_free) { /* leave no distance if no suitable block was reset */
		z->compact_cached_migrate_pfn[0] = migrate_pfn;
		z->compact_cached_migrate_pfn[1] = migrate_pfn;
		z->compact_cached_free_pfn = free_pfn;
	}
}

/* models reset_isolation_suitable(): kswapd going to sleep clears what a full compaction left */
void reset_isolation_suitable(struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++)
		if (m->zones[i].compact_blockskip_flush)
			reset_isolation_suitable_zone(m, &m->zones[i]);
}

/* models test_and_set_skip(): set the skip bit of the block @pfn starts; was it set? */
static bool test_and_set_skip(struct compact_control *cc, uint64_t pfn)
{
	bool skip;

	if (cc->ignore_skip_hint || (pfn & (cc->m->pb_pages - 1)))
		return false;
	skip = pageblock_skip(cc->m, pfn);
	if (!skip)
		set_pageblock_skip(cc->m, pfn);
	return skip;
}

/* models update_cached_migrate() */
static void update_cached_migrate(struct compact_control *cc, uint64_t pfn)
{
	struct zone *z = cc->zone;

	pfn = pb_end(cc->m, pfn);
	if (pfn > z->compact_cached_migrate_pfn[0])
		z->compact_cached_migrate_pfn[0] = pfn;
	if (cc->mode != PFNLAB_MIGRATE_ASYNC && pfn > z->compact_cached_migrate_pfn[1])
		z->compact_cached_migrate_pfn[1] = pfn;
}

/* models update_pageblock_skip(): a block the free scanner emptied */
static void update_pageblock_skip(struct compact_control *cc, uint64_t pfn)
{
	set_pageblock_skip(cc->m, pfn);
	if (pfn < cc->zone->compact_cached_free_pfn)
		cc->zone->compact_cached_free_pfn = pfn;
}

/* Room for @n more pages on the private free list; false when the host is out of memory. */
static bool freepages_reserve(struct compact_control *cc, size_t n)
{
	uint64_t *p;
	size_t cap;

	if (cc->fp_tail + n <= cc->fp_cap)
		return true;
	cap = (cc->fp_tail + n) * 2;
	p = host_alloc(cc->m, cap * sizeof(*p));
	if (!p)
		return false;
	if (cc->freepages)
		memcpy(p, cc->freepages, cc->fp_tail * sizeof(*p));
	free(cc->freepages);
	cc->freepages = p;
	cc->fp_cap = cap;
	return true;
}

size_t nr_freepages(const struct compact_control *cc)
{
	return cc->fp_tail - cc->fp_head;
}

/*
 * models __isolate_free_page(): take the free block at @pfn off its list
 * for compaction, if the zone stays above its min watermark; its pages
 * become the free list's (split_map_pages() does the rest).  Returns the
 * pages taken, 0 if none.
 */
static uint64_t isolate_free_page(struct compact_control *cc, uint64_t pfn)
{
	struct pfnlab_machine *m = cc->m;
	struct zone *z = cc->zone;
	unsigned order = m->frames[pfn].order;
	uint64_t n = 1ull << order;
	int mt = pb_type(m, pfn);

	if (mt != PFNLAB_MT_ISOLATE &&
	    !zone_watermark_ok(m, z, 0, z->wmark[WMARK_MIN] + n, 0, ALLOC_CMA))
		return 0;
	if (!freepages_reserve(cc, n))
		return 0;
	list_del_block(m, z, pfn);
	if (order + 1 >= m->pb_order)
		for (uint64_t p = pfn; p < pfn + n; p += m->pb_pages)
			if (mt_is_mergeable(pb_type(m, p)))
				set_pageblock_migratetype(m, p, PFNLAB_MT_MOVABLE);
	for (uint64_t p = pfn; p < pfn + n; p++) {
		struct frame *f = &m->frames[p];

		f->next = f->prev = 0;
		frame_set_state(f, 1, 0, 0, F_ALLOC); /* post_alloc_hook(), split_page() */
		cc->freepages[cc->fp_tail++] = p;
	}
	m->vm[VM_COMPACT_ISOLATED] += n;
	return n;
}

/* models split_map_pages(): the pages isolated since @from, in the list's order (reversed) */
static void split_map_pages(struct compact_control *cc, size_t from)
{
	for (size_t i = from, j = cc->fp_tail; i + 1 < j; i++) {
		uint64_t t = cc->freepages[i];

		j--;

		cc->freepages[i] = cc->freepages[j];
		cc->freepages[j] = t;
	}
}

/* models isolate_freepages_block() (not strict): free blocks of [*@start, @end) to the free list */
static uint64_t isolate_freepages_block(struct compact_control *cc, uint64_t *start, uint64_t end,
					unsigned stride)
{
	struct pfnlab_machine *m = cc->m;
	uint64_t pfn = *start, nr_scanned = 0, total = 0;

	for (; pfn < end; pfn += stride) {
		const struct frame *f = &m->frames[pfn];
		uint64_t isolated;

		nr_scanned++;
		if ((f->flags & F_ALLOC) && f->order) { /* PageCompound() */
			pfn += (1ull << f->order) - 1;
			continue;
		}
		if (!(f->flags & F_BUDDY))
			continue;
		isolated = isolate_free_page(cc, pfn);
		if (!isolated)
			break;
		nr_scanned += isolated - 1;
		total += isolated;
		if (cc->nr_migratepages <= nr_freepages(cc)) {
			pfn += isolated;
			break;
		}
		pfn += isolated - 1;
	}
	if (pfn > end)
		pfn = end;
	trace_printf(m, "mm_compaction_isolate_freepages", "range=(0x%llx ~ 0x%llx) nr_scanned=%llu nr_taken=%llu",
		     (unsigned long long)*start, (unsigned long long)pfn, (unsigned long long)nr_scanned,
		     (unsigned long long)total);
	*start = pfn;
	cc->total_free_scanned += nr_scanned;
	return total;
}

/* models suitable_migration_target(): a pageblock the free scanner may take pages from */
static bool suitable_migration_target(const struct compact_control *cc, uint64_t pfn)
{
	const struct frame *f = &cc->m->frames[pfn];
	int mt;

	if ((f->flags & F_BUDDY) && f->order >= cc->m->pb_order)
		return false;
	if (cc->ignore_block_suitable)
		return true;
	mt = pb_type(cc->m, pfn);
	return mt == PFNLAB_MT_MOVABLE || mt == PFNLAB_MT_CMA;
}

/* models freelist_scan_limit() */
static unsigned freelist_scan_limit(const struct compact_control *cc)
{
	unsigned shift = cc->fast_search_fail < 63 ? cc->fast_search_fail : 63;

	return shift >= 32 ? 1 : (COMPACT_CLUSTER_MAX >> shift) + 1;
}

/* models compact_scanners_met(): the free scanner's block is at or below the migrate scanner's */
bool compact_scanners_met(const struct compact_control *cc)
{
	return cc->free_pfn >> cc->m->pb_order <= cc->migrate_pfn >> cc->m->pb_order;
}

/*
 * Rotate free list @l so that @pfn is its head (move_freelist_head()),
 * or its tail (@tail: move_freelist_tail()); NIL_PFN leaves it as it is
 */
static void rotate_free_list(struct pfnlab_machine *m, struct free_list *l, uint32_t pfn, bool tail)
{
	struct frame *fr = m->frames;
	uint32_t prev;

	if (pfn == NIL_PFN)
		return;
	if (tail) {
		if (pfn == l->tail)
			return;
		pfn = fr[pfn].next; /* the entry after @pfn becomes the head */
	}
	if (pfn == l->head)
		return;
	prev = fr[pfn].prev;
	fr[l->tail].next = l->head;
	fr[l->head].prev = l->tail;
	fr[pfn].prev = NIL_PFN;
	fr[prev].next = NIL_PFN;
	l->head = pfn;
	l->tail = prev;
}

/* models next_search_order() */
static int next_search_order(struct compact_control *cc, int order)
{
	order--;
	if (order < 0)
		order = cc->order - 1;
	if (order == cc->search_order) {
		cc->search_order--;
		if (cc->search_order < 0)
			cc->search_order = cc->order - 1;
		return -1;
	}
	return order;
}

/* models fast_isolate_around(): the rest of the free pages of the block a fast search found */
static void fast_isolate_around(struct compact_control *cc, uint64_t pfn)
{
	struct zone *z = cc->zone;
	uint64_t start, end;

	if (nr_freepages(cc) >= cc->nr_migratepages)
		return;
	if (cc->direct && cc->mode == PFNLAB_MIGRATE_ASYNC)
		return;
	start = pb_start(cc->m, pfn) > z->start_pfn ? pb_start(cc->m, pfn) : z->start_pfn;
	end = pb_end(cc->m, pfn) < zone_end(z) ? pb_end(cc->m, pfn) : zone_end(z);
	if (!block_in_zone(z, start, end))
		return;
	isolate_freepages_block(cc, &start, end, 1);
	if (nr_freepages(cc) < cc->nr_migratepages) /* the block of @pfn; the scan may have left it */
		set_pageblock_skip(cc->m, pfn);
}

/*
 * models fast_isolate_freepages(): search the MOVABLE free lists below
 * the request's order for a block in the top quarter of the distance
 * between the scanners (the top half if none), isolate it and its
 * pageblock; otherwise restart the linear scan where the search saw free
 * pages
 */
static void fast_isolate_freepages(struct compact_control *cc)
{
	struct pfnlab_machine *m = cc->m;
	struct zone *z = cc->zone;
	unsigned limit = freelist_scan_limit(cc) >> 1 ? freelist_scan_limit(cc) >> 1 : 1;
	uint64_t nr_scanned = 0, low_pfn, min_pfn, highest = 0, distance, page = NIL_PFN;
	bool scan_start = false;

	if (cc->order <= 0)
		return;
	if (cc->free_pfn >= z->compact_init_free_pfn) {
		limit = (unsigned)(m->pb_pages >> 1);
		scan_start = true;
	}
	distance = cc->free_pfn - cc->migrate_pfn;
	low_pfn = pb_start(m, cc->free_pfn - (distance >> 2));
	min_pfn = pb_start(m, cc->free_pfn - (distance >> 1));
	if (min_pfn > low_pfn)
		low_pfn = min_pfn;
	if (cc->order - 1 < cc->search_order)
		cc->search_order = cc->order - 1;
	for (int order = cc->search_order; page == NIL_PFN && order >= 0; order = next_search_order(cc, order)) {
		struct free_list *l = &z->area[order].list[PFNLAB_MT_MOVABLE];
		unsigned order_scanned = 0;
		uint64_t high_pfn = 0;
		uint32_t freepage = NIL_PFN;

		if (!z->area[order].nr_free)
			continue;
		for (uint32_t p = l->tail; p != NIL_PFN; p = m->frames[p].prev) { /* list_for_each_entry_reverse */
			order_scanned++;
			nr_scanned++;
			freepage = p;
			if (p >= highest)
				highest = pb_start(m, p) > z->start_pfn ? pb_start(m, p) : z->start_pfn;
			if (p >= low_pfn) {
				cc->fast_search_fail = 0;
				cc->search_order = order;
				page = p;
				break;
			}
			if (p >= min_pfn && p > high_pfn) {
				high_pfn = p;
				limit >>= 1;
			}
			if (order_scanned >= limit)
				break;
			if (m->frames[p].prev == NIL_PFN)
				freepage = NIL_PFN; /* ran off the list: the cursor is the list head itself */
		}
		if (page == NIL_PFN && high_pfn) {
			page = high_pfn;
			freepage = (uint32_t)page;
		}
		rotate_free_list(m, l, freepage, false);
		if (page != NIL_PFN) {
			uint64_t n = isolate_free_page(cc, page);

			if (n) {
				nr_scanned += n - 1;
			} else {
				order = cc->search_order + 1;
				page = NIL_PFN;
			}
		}
		if (order_scanned >= limit)
			limit = limit >> 1 ? limit >> 1 : 1;
	}
	if (page == NIL_PFN) {
		cc->fast_search_fail++;
		if (scan_start) {
			if (highest >= min_pfn) {
				page = highest;
				cc->free_pfn = highest;
			} else if (cc->direct) {
				uint64_t end = pb_end(m, min_pfn) < zone_end(z) ? pb_end(m, min_pfn) : zone_end(z);

				if (block_in_zone(z, min_pfn, end))
					page = min_pfn;
				cc->free_pfn = min_pfn;
			}
		}
	}
	if (highest && highest >= z->compact_cached_free_pfn) {
		highest -= m->pb_pages;
		z->compact_cached_free_pfn = highest;
	}
	cc->total_free_scanned += nr_scanned;
	if (page != NIL_PFN)
		fast_isolate_around(cc, page);
}

/* models isolate_freepages(): fill the free list, the fast search first (v6.1) */
static void isolate_freepages(struct compact_control *cc)
{
	struct pfnlab_machine *m = cc->m;
	struct zone *z = cc->zone;
	size_t from = cc->fp_tail;
	uint64_t block_start, block_end, isolate_start, low_pfn;
	unsigned stride;

	if (!v42(m)) {
		fast_isolate_freepages(cc);
		if (nr_freepages(cc))
			goto splitmap;
	}
	isolate_start = cc->free_pfn;
	block_start = pb_start(m, isolate_start);
	block_end = block_start + m->pb_pages < zone_end(z) ? block_start + m->pb_pages : zone_end(z);
	low_pfn = pb_end(m, cc->migrate_pfn);
	stride = cc->mode == PFNLAB_MIGRATE_ASYNC && !v42(m) ? COMPACT_CLUSTER_MAX : 1;
	for (; block_start >= low_pfn; block_end = block_start, block_start -= m->pb_pages,
				       isolate_start = block_start) {
		uint64_t nr_isolated;

		if (!block_in_zone(z, block_start, block_end) || !suitable_migration_target(cc, block_start) ||
		    !isolation_suitable(cc, block_start)) {
			if (block_start < m->pb_pages)
				break;
			continue;
		}
		nr_isolated = isolate_freepages_block(cc, &isolate_start, block_end, stride);
		if (isolate_start == block_end)
			update_pageblock_skip(cc, block_start);
		if (nr_freepages(cc) >= cc->nr_migratepages) {
			if (isolate_start >= block_end)
				isolate_start = block_start - m->pb_pages;
			break;
		} else if (isolate_start < block_end) {
			break;
		}
		if (nr_isolated)
			stride = 1;
		else
			stride = stride << 1 < COMPACT_CLUSTER_MAX ? stride << 1 : COMPACT_CLUSTER_MAX;
		if (block_start < m->pb_pages)
			break;
	}
	cc->free_pfn = isolate_start;
splitmap:
	split_map_pages(cc, from);
}

/* models compaction_alloc(): a migration target from the free list */
uint64_t compaction_alloc(struct pfnlab_machine *m, uint64_t src, void *arg)
{
	struct compact_control *cc = arg;

	(void)m;
	(void)src;
	if (!nr_freepages(cc)) {
		cc->fp_head = cc->fp_tail = 0;
		isolate_freepages(cc);
		if (!nr_freepages(cc))
			return NIL_PFN;
	}
	return cc->freepages[cc->fp_head++];
}

/* models compaction_free(): an unused target back to the head of the free list */
void compaction_free(struct pfnlab_machine *m, uint64_t dst, void *arg)
{
	struct compact_control *cc = arg;

	if (cc->fp_head) {
		cc->freepages[--cc->fp_head] = dst;
		return;
	}
	if (!freepages_reserve(cc, 1)) { /* no room: the page goes back to the allocator */
		free_frames(m, dst, 0);
		return;
	}
	memmove(cc->freepages + 1, cc->freepages, cc->fp_tail * sizeof(*cc->freepages));
	cc->freepages[0] = dst;
	cc->fp_tail++;
}

/* models release_freepages(): the unused free pages back; the highest PFN, 0 if none */
uint64_t release_freepages(struct compact_control *cc)
{
	uint64_t high = 0;

	for (size_t i = cc->fp_head; i < cc->fp_tail; i++) {
		uint64_t p = cc->freepages[i];

		if (p > high)
			high = p;
		free_frames(cc->m, p, 0);
	}
	cc->fp_head = cc->fp_tail = 0;
	return high;
}

/* models suitable_migration_source() (v4.2: async scans only MOVABLE and CMA blocks) */
static bool suitable_migration_source(const struct compact_control *cc, uint64_t pfn)
{
	int mt = pb_type(cc->m, pfn);

	if (v42(cc->m))
		return cc->mode != PFNLAB_MIGRATE_ASYNC || mt == PFNLAB_MT_MOVABLE || mt == PFNLAB_MT_CMA;
	if (pageblock_skip_persistent(cc->m, pfn))
		return false;
	if (cc->mode != PFNLAB_MIGRATE_ASYNC || !cc->direct)
		return true;
	if (cc->migratetype == PFNLAB_MT_MOVABLE)
		return mt == PFNLAB_MT_MOVABLE || mt == PFNLAB_MT_CMA;
	return mt == cc->migratetype;
}

/*
 * Would isolate_migratepages_block() take the allocated head at @pfn for
 * compaction?  On an LRU, order 0, anonymous without references beyond
 * its mappings or in a page cache (not for a !__GFP_FS request), and in
 * the ISOLATE_ASYNC_MIGRATE modes not under writeback nor dirty without a
 * ->migrate_folio (vfat)
 */
static bool compaction_isolatable(const struct compact_control *cc, uint64_t pfn, bool async_migrate)
{
	const struct pfnlab_machine *m = cc->m;
	const struct frame *f = &m->frames[pfn];
	unsigned pf;

	if (!(f->flags & F_LRU) || !folio_movable(m, pfn))
		return false;
	if (f->flags & F_ANON)
		return f->refcount <= f->mt; /* the pre-check: no references beyond the mappings */
	if (!(cc->gfp & PFNLAB___GFP_FS))
		return false;
	pf = pg_flags(m, pfn);
	if (async_migrate && (pf & PG_WRITEBACK))
		return false;
	if (async_migrate && (pf & PG_DIRTY) && (pf & PGK_MASK) == PGK_FILE &&
	    m->mappings[f->next - 1].fs == PFNLAB_FS_VFAT)
		return false;
	return true;
}

/*
 * models isolate_migratepages_block() for compaction: the movable pages of
 * [@low, @end), which lie in one pageblock (so only @low can be its first
 * page, where the skip hint is read)
 */
static void isolate_migratepages_block(struct compact_control *cc, uint64_t low, uint64_t end)
{
	struct pfnlab_machine *m = cc->m;
	const struct frame *fr = m->frames;
	uint64_t start = low, nr_scanned = 0, nr_isolated = 0, next_skip = UINT64_MAX, valid = NIL_PFN;
	bool skip_on_failure = false, skip_updated = false;
	bool async_migrate = v42(m) ? cc->mode == PFNLAB_MIGRATE_ASYNC : cc->mode != PFNLAB_MIGRATE_SYNC;

	cc->migrate_pfn = low;
	if (cc->direct && cc->mode == PFNLAB_MIGRATE_ASYNC && !v42(m)) {
		skip_on_failure = true;
		next_skip = order_block_end(low, cc->order);
	}
	if (low < end && !(low & (m->pb_pages - 1))) {
		if (!isolation_suitable(cc, low)) {
			nr_scanned = 1;
			low = end;
			goto out;
		}
		valid = low;
	}
	for (; low < end; low++) {
		unsigned fl = fr[low].flags, ord;

		if (low >= next_skip) { /* only with skip_on_failure */
			if (nr_isolated)
				break;
			next_skip = order_block_end(low, cc->order);
		}
		nr_scanned++;
		ord = fr[low].order;
		if (fl & F_BUDDY) {
			low += (1ull << ord) - 1;
			continue;
		}
		if (!(fl & F_ALLOC))
			goto fail;
		if (ord) { /* PageCompound() */
			low += (1ull << ord) - 1;
			goto fail;
		}
		if (!compaction_isolatable(cc, low, async_migrate))
			goto fail;
		if (!skip_updated && !v42(m)) {
			skip_updated = true;
			if (test_and_set_skip(cc, low))
				goto out;
		}
		if (!folio_isolate_lru(m, low))
			goto fail;
		cc->migratepages[cc->nr_migratepages++] = low;
		nr_isolated++;
		if (cc->nr_migratepages >= COMPACT_CLUSTER_MAX && !cc->rescan) {
			low++;
			break;
		}
		continue;
fail:
		if (!skip_on_failure)
			continue;
		if (nr_isolated) {
			putback_movable_pages(m, cc->migratepages, cc->nr_migratepages);
			cc->nr_migratepages = 0;
			nr_isolated = 0;
		}
		if (low < next_skip) {
			low = next_skip - 1;
			next_skip += 1ull << cc->order;
		}
	}
	if (low > end)
		low = end;
	if (low == end && (!nr_isolated || cc->rescan)) {
		if (valid != NIL_PFN && !skip_updated)
			set_pageblock_skip(m, valid);
		update_cached_migrate(cc, low);
	}
out:
	trace_printf(m, "mm_compaction_isolate_migratepages", "range=(0x%llx ~ 0x%llx) nr_scanned=%llu nr_taken=%llu",
		     (unsigned long long)start, (unsigned long long)low, (unsigned long long)nr_scanned,
		     (unsigned long long)nr_isolated);
	cc->total_migrate_scanned += nr_scanned;
	m->vm[VM_COMPACT_ISOLATED] += nr_isolated;
	cc->migrate_pfn = low;
}

/* models update_fast_start_pfn() */
static void update_fast_start_pfn(struct compact_control *cc, uint64_t pfn)
{
	if (cc->fast_start_pfn == UINT64_MAX)
		return;
	if (!cc->fast_start_pfn || pfn < cc->fast_start_pfn)
		cc->fast_start_pfn = pfn;
}

/* models reinit_migrate_pfn() */
static uint64_t reinit_migrate_pfn(struct compact_control *cc)
{
	if (!cc->fast_start_pfn || cc->fast_start_pfn == UINT64_MAX)
		return cc->migrate_pfn;
	cc->migrate_pfn = cc->fast_start_pfn;
	cc->fast_start_pfn = UINT64_MAX;
	return cc->migrate_pfn;
}

/*
 * models fast_find_migrateblock(): start the migrate scanner at a
 * pageblock low in the zone that the MOVABLE free lists of orders
 * PAGE_ALLOC_COSTLY_ORDER..order-1 show to be partly free
 */
static uint64_t fast_find_migrateblock(struct compact_control *cc)
{
	struct pfnlab_machine *m = cc->m;
	struct zone *z = cc->zone;
	unsigned limit = freelist_scan_limit(cc), nr_scanned = 0;
	uint64_t pfn = cc->migrate_pfn, distance, high_pfn;
	bool found = false;

	if (v42(m) || cc->ignore_skip_hint)
		return pfn;
	if (pfn != z->start_pfn && pfn != pb_start(m, pfn))
		return pfn;
	if (cc->order <= PAGE_ALLOC_COSTLY_ORDER)
		return pfn;
	if (cc->direct && cc->migratetype != PFNLAB_MT_MOVABLE)
		return pfn;
	distance = (cc->free_pfn - cc->migrate_pfn) >> 1;
	if (cc->migrate_pfn != z->start_pfn)
		distance >>= 2;
	high_pfn = pb_start(m, cc->migrate_pfn + distance);
	for (int order = cc->order - 1; order >= PAGE_ALLOC_COSTLY_ORDER && !found && nr_scanned < limit;
	     order--) {
		struct free_list *l = &z->area[order].list[PFNLAB_MT_MOVABLE];

		if (!z->area[order].nr_free)
			continue;
		for (uint32_t p = l->head; p != NIL_PFN; p = m->frames[p].next) {
			if (nr_scanned++ >= limit) {
				rotate_free_list(m, l, p, true);
				break;
			}
			if (p < high_pfn) {
				if (pageblock_skip(m, p))
					continue;
				rotate_free_list(m, l, p, true);
				update_fast_start_pfn(cc, p);
				pfn = pb_start(m, p) > z->start_pfn ? pb_start(m, p) : z->start_pfn;
				cc->fast_search_fail = 0;
				found = true;
				set_pageblock_skip(m, p);
				break;
			}
		}
	}
	cc->total_migrate_scanned += nr_scanned;
	if (!found) {
		cc->fast_search_fail++;
		pfn = reinit_migrate_pfn(cc);
	}
	return pfn;
}

/* models isolate_migratepages(): the next pageblock with pages to move; true if some were isolated */
bool isolate_migratepages(struct compact_control *cc)
{
	struct pfnlab_machine *m = cc->m;
	struct zone *z = cc->zone;
	uint64_t low = fast_find_migrateblock(cc);
	uint64_t block_start = pb_start(m, low) > z->start_pfn ? pb_start(m, low) : z->start_pfn;
	uint64_t block_end = pb_end(m, low);
	bool fast_find_block = low != cc->migrate_pfn && !cc->fast_search_fail;

	for (; block_end <= cc->free_pfn; fast_find_block = false, cc->migrate_pfn = low = block_end,
					  block_start = block_end, block_end += m->pb_pages) {
		if (!block_in_zone(z, block_start, block_end))
			continue;
		if (!(low & (m->pb_pages - 1)) && !fast_find_block && !isolation_suitable(cc, block_start))
			continue;
		if (!suitable_migration_source(cc, block_start)) {
			if (!v42(m))
				update_cached_migrate(cc, block_end);
			continue;
		}
		isolate_migratepages_block(cc, low, block_end);
		break;
	}
	return cc->nr_migratepages > 0;
}
