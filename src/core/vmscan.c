/*
 * vmscan.c - page reclaim: the LRU scans of kswapd and of direct reclaim,
 * and the clean-page reclaim of alloc_contig_range().
 *
 * Models mm/vmscan.c of Debian 6.1.192 (classic LRU, CONFIG_LRU_GEN off)
 * and of v4.2 (--era 2015): shrink_folio_list() (v4.2
 * shrink_page_list()), folio_check_references(), isolate_lru_folios(),
 * shrink_inactive_list(), shrink_active_list(), inactive_is_low(),
 * prepare_scan_count() and get_scan_count(), shrink_lruvec(),
 * shrink_node() (v4.2 shrink_zone()), shrink_zones(),
 * do_try_to_free_pages(), try_to_free_pages(),
 * reclaim_clean_pages_from_list() (zone_reclaimable_pages() is swap.c's); the
 * counters pgscan_*, pgsteal_*, pgrefill, pgactivate, pgdeactivate,
 * pgskip_*, allocstall_* (v4.2: per-zone names, one allocstall).
 *
 * Era differences taken here: v4.2 reclaims zone by zone (lists per
 * zone), counts a scanned page once more when mapped, activates a
 * referenced swap-backed page at once, keeps (does not activate) dirty
 * and writeback pages in direct reclaim, has no pinned-page check, scans
 * file pages only while the inactive list is not larger than the active
 * one, and tells the allocator "progress" while a zone is still
 * reclaimable (pages scanned < 6 x reclaimable pages).
 *
 * Simplified: no slab shrinkers, no memcg, no workingset shadow entries
 * (no refaults: costs come from pageout only), no v4.2 throttling
 * (congestion_wait(); 6.1's reclaim_throttle() is reclaim_throttle.c); a folio is referenced when a
 * PTE mapping it was used since the last look (one young bit per folio);
 * nothing is mlocked or VM_EXEC; shmem pages are never paged out; a large
 * anonymous folio is not swapped (activated); an anonymous folio is
 * swapped only without references beyond its mapping (the kernel would
 * leave one with extra references in the swap cache).
 */
#include <string.h>

#include "model.h"
#include "gfp.h"

#define SWAP_CLUSTER_MAX 32
#define DEF_PRIORITY 12
#define LIVELOCK_SCANS 4 /* full LRU rotations without a page reclaimed before a v4.2 loop is stopped */

enum folio_references { FOLIOREF_RECLAIM, FOLIOREF_RECLAIM_CLEAN, FOLIOREF_KEEP, FOLIOREF_ACTIVATE };

static bool v42(const struct pfnlab_machine *m)
{
	return m->cfg.era == PFNLAB_ERA_2015;
}

/* models can_reclaim_anon_pages() for global reclaim: a free swap slot */
static bool can_reclaim_anon(const struct pfnlab_machine *m)
{
	return swap_space_left(m);
}

/* models folio_referenced(): PTEs that used the folio since the last look (cleared); 0 when unmapped */
static unsigned folio_referenced(struct pfnlab_machine *m, uint64_t head)
{
	const struct frame *f = &m->frames[head];

	if (!f->mt || !(pg_flags(m, head) & PG_YOUNG))
		return 0;
	m->pgflags[head] &= (uint16_t)~PG_YOUNG;
	return f->mt;
}

/* folio_test_clear_referenced() */
static bool test_clear_referenced(struct pfnlab_machine *m, uint64_t head)
{
	if (!(pg_flags(m, head) & PG_REFERENCED))
		return false;
	m->pgflags[head] &= (uint16_t)~PG_REFERENCED;
	return true;
}

static void set_referenced(struct pfnlab_machine *m, uint64_t head)
{
	if (m->pgflags)
		m->pgflags[head] |= PG_REFERENCED;
}

/* models folio_check_references() (v4.2 page_check_references()) */
static enum folio_references check_references(struct pfnlab_machine *m, uint64_t head)
{
	unsigned ptes = folio_referenced(m, head);
	bool refd = test_clear_referenced(m, head), file = folio_is_file_lru(m, head);

	if (ptes) {
		if (v42(m) && !file) /* PageSwapBacked: anon and shmem */
			return FOLIOREF_ACTIVATE;
		set_referenced(m, head);
		return refd || ptes > 1 ? FOLIOREF_ACTIVATE : FOLIOREF_KEEP;
	}
	return refd && file ? FOLIOREF_RECLAIM_CLEAN : FOLIOREF_RECLAIM;
}

/* models folio_maybe_dma_pinned() */
static bool maybe_dma_pinned(const struct pfnlab_machine *m, uint64_t head)
{
	return folio_pincount(m, head) > 0;
}

/*
 * Page out the isolated anonymous folio at @head to swap: add_to_swap(),
 * try_to_unmap() (its PTE becomes a swap entry), a synchronous
 * pageout() and __remove_mapping(); 0 when it was freed, else what to do
 * with it (FOLIOREF_KEEP or FOLIOREF_ACTIVATE)
 */
static int swap_out(struct pfnlab_machine *m, uint64_t head, const struct scan_control *sc)
{
	struct frame *f = &m->frames[head];
	struct mm *mm;
	uint32_t *pte;

	if (!(sc->gfp & PFNLAB___GFP_IO))
		return FOLIOREF_KEEP;
	if (!v42(m) && maybe_dma_pinned(m, head))
		return FOLIOREF_KEEP;
	if (!f->mt && f->refcount == 1)
		return 0; /* unmapped and unreferenced: freed without being written */
	if (f->order || !swap_space_left(m))
		return FOLIOREF_ACTIVATE; /* add_to_swap() failed (a large folio: not split, pfnlab's own) */
	if (f->refcount != f->mt + 1u || maybe_dma_pinned(m, head) || !f->mt)
		return v42(m) ? FOLIOREF_ACTIVATE : FOLIOREF_KEEP;
	if (!sc->may_writepage)
		return FOLIOREF_KEEP;
	mm = mm_get(m, f->next);
	pte = mm ? mm_pte(m, mm, f->prev, false) : NULL;
	if (!pte || *pte != head + 1)
		return FOLIOREF_ACTIVATE;
	swap_take_slot(m);
	*pte = PTE_SWAP; /* try_to_unmap(): the PTE holds the swap entry */
	mm->rss--;
	mm->swapents++;
	f->mt = 0;
	f->refcount--;
	m->vm[VM_PSWPOUT]++;
	m->vm[VM_NR_VMSCAN_WRITE]++;
	m->vm[VM_PGPGOUT] += 1ull << (m->cfg.page_shift - 10);
	return 0;
}

/* models pageout() of a dirty file folio by kswapd: writeback starts (the flusher's disk, writeback.c) */
static void pageout_file(struct pfnlab_machine *m, uint64_t head)
{
	folio_start_writeback(m, head);
	m->pgflags[head] |= PG_RECLAIM;
	m->vm[VM_NR_VMSCAN_WRITE]++;
}

/* Is a dirty folio allowed to wait for the next kswapd pass (not written by this reclaimer)? */
static bool defer_dirty(const struct pfnlab_machine *m, uint64_t head, const struct scan_control *sc)
{
	if (v42(m))
		return !sc->kswapd || !m->kswapd.dirty;
	return !sc->kswapd || !(pg_flags(m, head) & PG_RECLAIM) || !m->kswapd.dirty;
}

/*
 * models shrink_folio_list() for one isolated folio: FOLIOREF_RECLAIM when
 * it was freed, else FOLIOREF_KEEP or FOLIOREF_ACTIVATE
 */
static int shrink_folio(struct pfnlab_machine *m, uint64_t head, struct scan_control *sc, bool ignore_references)
{
	struct frame *f = &m->frames[head];
	uint64_t nr = 1ull << f->order;
	bool file = folio_is_file_lru(m, head), anon = f->flags & F_ANON;
	unsigned pf = pg_flags(m, head);
	int ref = FOLIOREF_RECLAIM;

	sc->nr_scanned += v42(m) ? 1 : nr;
	if (!sc->may_unmap && f->mt)
		return FOLIOREF_KEEP;
	if (v42(m) && f->mt)
		sc->nr_scanned++; /* double the slab pressure for mapped pages */
	if (file && (pf & (PG_DIRTY | PG_WRITEBACK)))
		sc->nr.dirty += nr;
	if (file && (pf & PG_DIRTY))
		sc->nr.unqueued_dirty += nr;
	if (file && (pf & PG_WRITEBACK) && (pf & PG_RECLAIM))
		sc->nr.congested += nr;
	if (pf & PG_WRITEBACK) {
		if (sc->kswapd && (pf & PG_RECLAIM) && m->kswapd.writeback) { /* case 1 */
			sc->nr.immediate += nr;
			return v42(m) ? FOLIOREF_KEEP : FOLIOREF_ACTIVATE;
		}
		m->pgflags[head] |= PG_RECLAIM; /* case 2 (global reclaim: writeback throttling is sane) */
		sc->nr.writeback += nr;
		return v42(m) ? FOLIOREF_KEEP : FOLIOREF_ACTIVATE;
	}
	if (!ignore_references)
		ref = check_references(m, head);
	if (ref == FOLIOREF_ACTIVATE || ref == FOLIOREF_KEEP)
		return ref;
	if (anon) {
		int r = swap_out(m, head, sc);

		return r ? r : FOLIOREF_RECLAIM;
	}
	if (!file) /* shmem: never paged out here (pfnlab's own) */
		return FOLIOREF_ACTIVATE;
	if (f->mt && folio_try_unmap(m, head))
		return FOLIOREF_ACTIVATE;
	if (!v42(m) && maybe_dma_pinned(m, head))
		return FOLIOREF_ACTIVATE;
	if (pf & PG_DIRTY) {
		if (defer_dirty(m, head, sc)) {
			m->vm[VM_NR_VMSCAN_IMMEDIATE] += nr;
			m->pgflags[head] |= PG_RECLAIM;
			return v42(m) ? FOLIOREF_KEEP : FOLIOREF_ACTIVATE;
		}
		if (ref == FOLIOREF_RECLAIM_CLEAN || !(sc->gfp & PFNLAB___GFP_FS) || !sc->may_writepage)
			return FOLIOREF_KEEP;
		pageout_file(m, head);
		return FOLIOREF_KEEP; /* PAGE_SUCCESS, under writeback now */
	}
	/*
	 * filemap_release_folio() of clean buffers, then __remove_mapping():
	 * only the isolation's and the cache's references may be left
	 */
	if (!folio_drop_buffers(m, head) || f->refcount != folio_expected_refs(m, head) + 1)
		return FOLIOREF_KEEP;
	delete_from_page_cache(m, head);
	return FOLIOREF_RECLAIM;
}

/*
 * models shrink_folio_list(): the isolated folios @list[0..*n) are
 * reclaimed or kept; freed ones leave the list, the rest stay in their
 * order (activated ones with PG_active set).  Returns the pages freed.
 */
static uint64_t shrink_folio_list(struct pfnlab_machine *m, uint64_t *list, size_t *n, struct scan_control *sc,
				  bool ignore_references)
{
	uint64_t reclaimed = 0, activated = 0;
	size_t kept = 0;

	for (size_t i = 0; i < *n; i++) {
		uint64_t head = list[i];
		unsigned order = m->frames[head].order;
		bool file = folio_is_file_lru(m, head);
		int r = shrink_folio(m, head, sc, ignore_references);

		if (r == FOLIOREF_RECLAIM) {
			reclaimed += 1ull << order;
			folio_isolated_put(m, head, file); /* the isolation's reference was the last: freed */
			continue;
		}
		if (r == FOLIOREF_ACTIVATE) {
			folio_set_active(m, head, true);
			activated += 1ull << order;
		}
		list[kept++] = head;
	}
	*n = kept;
	m->vm[VM_PGACTIVATE] += activated;
	return reclaimed;
}

#define RECLAIM_LIST_MAX 32 /* COMPACT_CLUSTER_MAX: alloc_contig_range()'s lists are no longer */

/*
 * models reclaim_clean_pages_from_list(): frees the clean file folios of
 * the isolated @list (at most RECLAIM_LIST_MAX; clean: !PG_swapbacked,
 * !PG_dirty; writeback pages qualify) as shrink_folio_list() with
 * ignore_references, may_unmap and no writepage does; compacts the list
 * to the survivors, those it tried first; returns the pages freed
 */
uint64_t reclaim_clean_pages_from_list(struct pfnlab_machine *m, uint64_t *list, size_t *n)
{
	struct scan_control sc = {.gfp = PFNLAB_GFP_KERNEL, .may_unmap = true};
	uint64_t clean[RECLAIM_LIST_MAX], rest[RECLAIM_LIST_MAX], reclaimed;
	size_t nc = 0, others = 0;

	if (!m->pgflags || *n > RECLAIM_LIST_MAX)
		return 0;
	for (size_t i = 0; i < *n; i++) {
		uint64_t head = list[i];

		if (!folio_is_file_lru(m, head) || (m->pgflags[head] & PG_DIRTY)) {
			rest[others++] = head;
			continue;
		}
		m->pgflags[head] &= (uint16_t)~PG_ACTIVE; /* folio_clear_active() */
		clean[nc++] = head;
	}
	m->reclaim_depth++; /* memalloc_noreclaim_save() */
	reclaimed = shrink_folio_list(m, clean, &nc, &sc, true);
	m->reclaim_depth--;
	memcpy(list, clean, nc * sizeof(*list));
	memcpy(list + nc, rest, others * sizeof(*list));
	*n = nc + others;
	m->vm[VM_CONTIG_RECLAIMED] += reclaimed;
	return reclaimed;
}

/* The zone index of the zone type @t, or of the highest populated zone below it. */
static int zone_idx_at_most(const struct pfnlab_machine *m, int t)
{
	int i = m->nr_zones - 1;

	while (i >= 0 && m->zones[i].type > t)
		i--;
	return i;
}

/*
 * models isolate_lru_folios() (v4.2 isolate_lru_pages()): up to
 * @nr_to_scan pages from the tail of @lru; v6.1 skips folios of zones
 * above reclaim_idx (back to the head, pgskip_*).  Returns the pages
 * taken, *@nr_scanned the pages looked at.
 */
static uint64_t isolate_lru_folios(struct pfnlab_machine *m, struct lruvec *lv, int lru, uint64_t nr_to_scan,
				   struct scan_control *sc, uint64_t *list, size_t *n, uint64_t *nr_scanned)
{
	uint64_t scan = 0, total = 0, taken = 0, skipped_head = NIL_PFN, skipped_tail = NIL_PFN;

	*n = 0;
	while (scan < nr_to_scan && lv->tail[lru] != NIL_PFN) {
		uint64_t head = lv->tail[lru];
		const struct frame *f = &m->frames[head];
		uint64_t nr = 1ull << f->order;
		int zt = pfn_zone(m, head)->type;

		total += nr;
		if (!v42(m) && zt > sc->reclaim_idx) { /* to folios_skipped, spliced back at the head */
			m->vm[VM_PGSKIP_DMA + zt] += nr;
			folio_del_lru(m, head);
			m->lru[head].next = NIL_PFN;
			m->lru[head].prev = (uint32_t)skipped_tail;
			if (skipped_tail != NIL_PFN)
				m->lru[skipped_tail].next = (uint32_t)head;
			else
				skipped_head = head;
			skipped_tail = head;
			continue;
		}
		scan += v42(m) ? 1 : nr;
		if (!sc->may_unmap && f->mt) { /* list_move() to the head of the list */
			folio_del_lru(m, head);
			folio_add_lru(m, head);
			continue;
		}
		folio_isolate_lru(m, head);
		list[(*n)++] = head;
		taken += nr;
	}
	/* list_splice(&folios_skipped, src): back at the head, the last skipped first in the list */
	while (skipped_head != NIL_PFN) {
		uint64_t next = m->lru[skipped_head].next;

		folio_add_lru(m, skipped_head);
		skipped_head = next;
	}
	*nr_scanned = v42(m) ? scan : total;
	return taken;
}

/* Put the isolated survivors of @list back on their lists, in their order (move_folios_to_lru()). */
static uint64_t putback_list(struct pfnlab_machine *m, const uint64_t *list, size_t n)
{
	uint64_t moved = 0;

	for (size_t i = 0; i < n; i++) {
		moved += 1ull << m->frames[list[i]].order;
		folio_putback_lru(m, list[i]);
	}
	return moved;
}

/* models lru_note_cost() (v6.1) */
static void lru_note_cost(struct lruvec *lv, bool file, uint64_t nr_pages)
{
	uint64_t lrusize = lv->nr[LRU_INACTIVE_ANON] + lv->nr[LRU_ACTIVE_ANON] + lv->nr[LRU_INACTIVE_FILE] +
			   lv->nr[LRU_ACTIVE_FILE];

	if (file)
		lv->file_cost += nr_pages;
	else
		lv->anon_cost += nr_pages;
	if (lv->file_cost + lv->anon_cost > lrusize / 4) {
		lv->file_cost /= 2;
		lv->anon_cost /= 2;
	}
}

/* The zone type of the lruvec of v4.2 (its zone), for the per-zone counters. */
static int lruvec_zone_type(const struct pfnlab_machine *m, const struct lruvec *lv)
{
	return m->zones[lv - m->lruvec].type;
}

/* models shrink_inactive_list(): reclaim up to @nr_to_scan pages from the tail of @lru */
static uint64_t shrink_inactive_list(struct pfnlab_machine *m, struct lruvec *lv, int lru, uint64_t nr_to_scan,
				     struct scan_control *sc)
{
	uint64_t list[SWAP_CLUSTER_MAX], nr_scanned, nr_taken, reclaimed, pageout_before, unqueued, writeback;
	bool file = lru >= LRU_INACTIVE_FILE;
	size_t n;
	int zt = v42(m) ? lruvec_zone_type(m, lv) : 0;

	nr_taken = isolate_lru_folios(m, lv, lru, nr_to_scan, sc, list, &n, &nr_scanned);
	m->vm[sc->kswapd ? VM_PGSCAN_KSWAPD : VM_PGSCAN_DIRECT] += nr_scanned;
	m->vm[file ? VM_PGSCAN_FILE : VM_PGSCAN_ANON] += nr_scanned;
	if (v42(m)) {
		m->vm[(sc->kswapd ? VM_PGSCAN_KSWAPD_Z : VM_PGSCAN_DIRECT_Z) + zt] += nr_scanned;
		m->zone_pages_scanned[lv - m->lruvec] += nr_scanned;
	}
	if (!nr_taken)
		return 0;
	pageout_before = m->vm[VM_PSWPOUT];
	unqueued = sc->nr.unqueued_dirty;
	writeback = sc->nr.writeback;
	reclaimed = shrink_folio_list(m, list, &n, sc, false);
	unqueued = sc->nr.unqueued_dirty - unqueued;
	writeback = sc->nr.writeback - writeback;
	putback_list(m, list, n);
	m->vm[sc->kswapd ? VM_PGSTEAL_KSWAPD : VM_PGSTEAL_DIRECT] += reclaimed;
	m->vm[file ? VM_PGSTEAL_FILE : VM_PGSTEAL_ANON] += reclaimed;
	if (v42(m)) {
		m->vm[(sc->kswapd ? VM_PGSTEAL_KSWAPD_Z : VM_PGSTEAL_DIRECT_Z) + zt] += reclaimed;
		lv->recent_scanned[file] += nr_taken;
		if (writeback && writeback == nr_taken)
			m->kswapd.writeback = true; /* ZONE_WRITEBACK */
		if (unqueued == nr_taken)
			m->kswapd.dirty = true;     /* ZONE_DIRTY */
	} else {
		lru_note_cost(lv, file, m->vm[VM_PSWPOUT] - pageout_before);
		if (unqueued == nr_taken) /* dirty folios not queued for I/O: nudge the flushers */
			wakeup_flusher_threads(m, 0);
	}
	sc->nr.taken += nr_taken;
	if (file)
		sc->nr.file_taken += nr_taken;
	return reclaimed;
}

/* models shrink_active_list(): age up to @nr_to_scan pages of @lru to the inactive list */
static void shrink_active_list(struct pfnlab_machine *m, struct lruvec *lv, int lru, uint64_t nr_to_scan,
			       struct scan_control *sc)
{
	uint64_t list[SWAP_CLUSTER_MAX], nr_scanned, deactivated = 0;
	size_t n;

	isolate_lru_folios(m, lv, lru, nr_to_scan, sc, list, &n, &nr_scanned);
	m->vm[VM_PGREFILL] += nr_scanned;
	if (v42(m)) {
		m->vm[VM_PGREFILL_Z + lruvec_zone_type(m, lv)] += nr_scanned;
		m->zone_pages_scanned[lv - m->lruvec] += nr_scanned;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t head = list[i];

		if (folio_referenced(m, head) && v42(m))
			lv->recent_rotated[lru >= LRU_INACTIVE_FILE] += 1ull << m->frames[head].order;
		/* a referenced VM_EXEC file folio would stay active: nothing is VM_EXEC here */
		folio_set_active(m, head, false);
		if (!v42(m) && m->pgflags)
			m->pgflags[head] |= PG_WORKINGSET;
		deactivated += 1ull << m->frames[head].order;
	}
	putback_list(m, list, n);
	m->vm[VM_PGDEACTIVATE] += deactivated;
}

/* models int_sqrt() */
static uint64_t int_sqrt(uint64_t x)
{
	uint64_t r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/* models inactive_is_low() (v6.1) and inactive_list_is_low() (v4.2) for the inactive list @inactive */
static bool inactive_is_low(const struct pfnlab_machine *m, const struct lruvec *lv, int inactive)
{
	uint64_t in = lv->nr[inactive], act = lv->nr[inactive + 1], gb, ratio;

	if (v42(m)) {
		const struct zone *z = &m->zones[lv - m->lruvec];

		if (inactive == LRU_INACTIVE_FILE)
			return act > in;
		if (!m->swap_pages)
			return false;
		gb = z->managed >> (30 - m->cfg.page_shift); /* zone->inactive_ratio */
		return in * (gb ? int_sqrt(10 * gb) : 1) < act;
	}
	gb = (in + act) >> (30 - m->cfg.page_shift);
	ratio = gb ? int_sqrt(10 * gb) : 1;
	return in * ratio < act;
}

/* models prepare_scan_count() (v6.1): may_deactivate, cache_trim_mode, file_is_tiny */
static void prepare_scan_count(struct pfnlab_machine *m, struct scan_control *sc)
{
	const struct lruvec *lv = &m->lruvec[0];
	uint64_t free = 0, high = 0, file;

	sc->anon_cost = lv->anon_cost;
	sc->file_cost = lv->file_cost;
	if (!sc->force_deactivate) {
		sc->may_deactivate = 0;
		if (inactive_is_low(m, lv, LRU_INACTIVE_ANON))
			sc->may_deactivate |= DEACTIVATE_ANON;
		if (inactive_is_low(m, lv, LRU_INACTIVE_FILE))
			sc->may_deactivate |= DEACTIVATE_FILE;
	} else {
		sc->may_deactivate = DEACTIVATE_ANON | DEACTIVATE_FILE;
	}
	sc->cache_trim_mode = (lv->nr[LRU_INACTIVE_FILE] >> sc->priority) && !(sc->may_deactivate & DEACTIVATE_FILE);
	for (int i = 0; i < m->nr_zones; i++) {
		free += (uint64_t)m->zones[i].nr_free;
		high += wmark_pages(&m->zones[i], WMARK_HIGH);
	}
	file = lv->nr[LRU_ACTIVE_FILE] + lv->nr[LRU_INACTIVE_FILE];
	sc->file_is_tiny = file + free <= high && !(sc->may_deactivate & DEACTIVATE_ANON) &&
			   (lv->nr[LRU_INACTIVE_ANON] >> sc->priority);
}

/* lruvec_lru_size(): v6.1 counts the zones up to reclaim_idx, v4.2 the lruvec's zone */
static uint64_t lru_size(const struct pfnlab_machine *m, const struct lruvec *lv, int lru, int reclaim_idx)
{
	uint64_t n = 0;

	if (v42(m))
		return lv->nr[lru];
	for (int i = 0; i < m->nr_zones && m->zones[i].type <= reclaim_idx; i++)
		n += m->zone_lru[i][lru];
	return n;
}

enum scan_balance { SCAN_EQUAL, SCAN_FRACT, SCAN_ANON, SCAN_FILE };

/* models zone_reclaimable() (v4.2): pages scanned since the last free < 6 x reclaimable */
bool zone_reclaimable(struct pfnlab_machine *m, int zi)
{
	if (m->zone_scanned_pgfree[zi] != m->vm[VM_PGFREE]) { /* a page was freed since: the count restarts */
		m->zone_scanned_pgfree[zi] = m->vm[VM_PGFREE];
		m->zone_pages_scanned[zi] = 0;
	}
	return m->zone_pages_scanned[zi] < zone_reclaimable_pages(m, zi) * 6;
}

/* models get_scan_count(): pages of each evictable list to scan at sc->priority */
static void get_scan_count(struct pfnlab_machine *m, struct lruvec *lv, struct scan_control *sc, uint64_t nr[4])
{
	unsigned swappiness = m->sysctl.swappiness;
	enum scan_balance balance = SCAN_FRACT;
	uint64_t fraction[2] = {0, 0}, denominator = 1;
	bool force_scan = false;

	if (v42(m) && sc->kswapd && !zone_reclaimable(m, (int)(lv - m->lruvec)))
		force_scan = true;
	if (!sc->may_swap || !can_reclaim_anon(m)) {
		balance = SCAN_FILE;
	} else if (!sc->priority && swappiness) {
		balance = SCAN_EQUAL;
	} else if (v42(m)) {
		const struct zone *z = &m->zones[lv - m->lruvec];
		uint64_t anon = lv->nr[LRU_ACTIVE_ANON] + lv->nr[LRU_INACTIVE_ANON];
		uint64_t file = lv->nr[LRU_ACTIVE_FILE] + lv->nr[LRU_INACTIVE_FILE];

		if (file + (uint64_t)z->nr_free <= z->wmark[WMARK_HIGH]) {
			balance = SCAN_ANON;
		} else if (!inactive_is_low(m, lv, LRU_INACTIVE_FILE)) {
			balance = SCAN_FILE;
		} else {
			uint64_t ap, fp;

			for (int t = 0; t < 2; t++)
				if (lv->recent_scanned[t] > (t ? file : anon) / 4) {
					lv->recent_scanned[t] /= 2;
					lv->recent_rotated[t] /= 2;
				}
			ap = swappiness * (lv->recent_scanned[0] + 1) / (lv->recent_rotated[0] + 1);
			fp = (200 - swappiness) * (lv->recent_scanned[1] + 1) / (lv->recent_rotated[1] + 1);
			fraction[0] = ap;
			fraction[1] = fp;
			denominator = ap + fp + 1;
		}
	} else if (sc->file_is_tiny) {
		balance = SCAN_ANON;
	} else if (sc->cache_trim_mode) {
		balance = SCAN_FILE;
	} else {
		uint64_t total = sc->anon_cost + sc->file_cost, anon_cost = total + sc->anon_cost;
		uint64_t file_cost = total + sc->file_cost, ap, fp;

		total = anon_cost + file_cost;
		ap = swappiness * (total + 1) / (anon_cost + 1);
		fp = (200 - swappiness) * (total + 1) / (file_cost + 1);
		fraction[0] = ap;
		fraction[1] = fp;
		denominator = ap + fp;
	}
	for (int pass = 0; pass < (force_scan ? 2 : 1); pass++) {
		bool some = false;

		for (int lru = 0; lru < 4; lru++) {
			bool file = lru >= LRU_INACTIVE_FILE;
			uint64_t size = lru_size(m, lv, lru, sc->reclaim_idx), scan = size >> sc->priority;

			if (!scan && pass && force_scan)
				scan = size < SWAP_CLUSTER_MAX ? size : SWAP_CLUSTER_MAX;
			if (balance == SCAN_FRACT)
				scan = denominator ? scan * fraction[file] / denominator : 0;
			else if ((balance == SCAN_FILE || balance == SCAN_ANON) && (balance == SCAN_FILE) != file)
				scan = 0;
			nr[lru] = scan;
			some |= scan != 0;
		}
		if (some)
			break;
	}
}

/* models shrink_list(): an active list is aged only when deactivation is due */
static uint64_t shrink_list(struct pfnlab_machine *m, struct lruvec *lv, int lru, uint64_t nr_to_scan,
			    struct scan_control *sc)
{
	if (lru == LRU_ACTIVE_ANON || lru == LRU_ACTIVE_FILE) {
		bool file = lru == LRU_ACTIVE_FILE;

		if (v42(m) ? inactive_is_low(m, lv, lru - 1)
			   : (sc->may_deactivate & (file ? DEACTIVATE_FILE : DEACTIVATE_ANON)))
			shrink_active_list(m, lv, lru, nr_to_scan, sc);
		else
			sc->skipped_deactivate = true;
		return 0;
	}
	return shrink_inactive_list(m, lv, lru, nr_to_scan, sc);
}

/* models shrink_lruvec(): scan the lists in SWAP_CLUSTER_MAX batches, with proportional trimming */
static void shrink_lruvec(struct pfnlab_machine *m, struct lruvec *lv, struct scan_control *sc)
{
	uint64_t nr[4], targets[4], reclaimed = 0;
	bool proportional = !sc->kswapd && sc->priority == DEF_PRIORITY;

	get_scan_count(m, lv, sc, nr);
	memcpy(targets, nr, sizeof(nr));
	while (nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] || nr[LRU_INACTIVE_FILE]) {
		uint64_t nr_anon, nr_file, percentage, scanned;
		int lru;

		for (lru = 0; lru < 4; lru++) {
			if (nr[lru]) {
				uint64_t s = nr[lru] < SWAP_CLUSTER_MAX ? nr[lru] : SWAP_CLUSTER_MAX;

				nr[lru] -= s;
				reclaimed += shrink_list(m, lv, lru, s, sc);
			}
		}
		if (reclaimed < sc->nr_to_reclaim || proportional)
			continue;
		nr_file = nr[LRU_INACTIVE_FILE] + nr[LRU_ACTIVE_FILE];
		nr_anon = nr[LRU_INACTIVE_ANON] + nr[LRU_ACTIVE_ANON];
		if (!nr_file || !nr_anon)
			break;
		if (nr_file > nr_anon) {
			percentage = nr_anon * 100 / (targets[LRU_INACTIVE_ANON] + targets[LRU_ACTIVE_ANON] + 1);
			lru = LRU_INACTIVE_ANON;
		} else {
			percentage = nr_file * 100 / (targets[LRU_INACTIVE_FILE] + targets[LRU_ACTIVE_FILE] + 1);
			lru = LRU_INACTIVE_FILE;
		}
		nr[lru] = nr[lru + 1] = 0;
		lru = lru == LRU_INACTIVE_FILE ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
		for (int k = lru; k <= lru + 1; k++) {
			scanned = targets[k] - nr[k];
			nr[k] = targets[k] * (100 - percentage) / 100;
			nr[k] -= nr[k] < scanned ? nr[k] : scanned;
		}
		if (v42(m))
			proportional = true; /* v4.2 scan_adjusted: one nudge only */
	}
	sc->nr_reclaimed += reclaimed;
	if (m->swap_pages && inactive_is_low(m, lv, LRU_INACTIVE_ANON)) /* can_age_anon_pages() */
		shrink_active_list(m, lv, LRU_ACTIVE_ANON, SWAP_CLUSTER_MAX, sc);
}

/*
 * models kswapd_age_node() (v6.1) and age_active_anon() (v4.2) on lruvec
 * @lv: with swap, deactivate SWAP_CLUSTER_MAX pages when the inactive
 * anon list is short
 */
void age_active_anon(struct pfnlab_machine *m, int lv, struct scan_control *sc)
{
	if (m->swap_pages && inactive_is_low(m, &m->lruvec[lv], LRU_INACTIVE_ANON))
		shrink_active_list(m, &m->lruvec[lv], LRU_ACTIVE_ANON, SWAP_CLUSTER_MAX, sc);
}

/* models in_reclaim_compaction() */
static bool in_reclaim_compaction(const struct pfnlab_machine *m, const struct scan_control *sc)
{
	return sc->order && (v42(m) ? !m->cfg.no_compaction : gfp_compaction_allowed(m, sc->gfp)) &&
	       (sc->order > PAGE_ALLOC_COSTLY_ORDER || sc->priority < DEF_PRIORITY - 2);
}

/* models should_continue_reclaim() (v6.1 and v4.2's, with the compaction hook) */
static bool should_continue_reclaim(struct pfnlab_machine *m, int zi, uint64_t reclaimed, uint64_t scanned,
				    const struct scan_control *sc)
{
	uint64_t gap = 2ull << sc->order, inactive = 0;

	if (!in_reclaim_compaction(m, sc))
		return false;
	if (v42(m) && (sc->gfp & PFNLAB___GFP_REPEAT) ? !reclaimed && !scanned : !reclaimed)
		return false;
	for (int i = 0; i < m->nr_zones; i++) {
		if (v42(m) && i != zi)
			continue;
		inactive += m->zone_lru[i][LRU_INACTIVE_FILE];
		if (can_reclaim_anon(m))
			inactive += m->zone_lru[i][LRU_INACTIVE_ANON];
	}
	if (v42(m)) {
		int r;

		if (sc->nr_reclaimed < gap && inactive > gap)
			return true;
		r = compaction_suitable(m, &m->zones[zi], sc->order, 0, 0);
		return r != COMPACT_SUCCESS && r != COMPACT_CONTINUE;
	}
	for (int i = 0; i < m->nr_zones && m->zones[i].type <= sc->reclaim_idx; i++) {
		int r = compaction_suitable(m, &m->zones[i], sc->order, 0, sc->reclaim_idx);

		if (r == COMPACT_SUCCESS || r == COMPACT_CONTINUE)
			return false;
	}
	return inactive > gap;
}

/* Every page on the zone's LRU lists: what one livelock check counts in. */
static uint64_t zone_lru_pages(const struct pfnlab_machine *m, int zi)
{
	uint64_t n = 0;

	for (int l = 0; l < NR_LRU_LISTS; l++)
		n += m->zone_lru[zi][l];
	return n;
}

/*
 * models shrink_node() (v6.1) and shrink_zone() (v4.2, @zi the zone):
 * one pass over the lists, repeated while reclaim/compaction wants more;
 * returns whether it reclaimed anything.  v4.2 repeats a __GFP_REPEAT
 * pass while it scans anything, so pages that can never go (pinned, no
 * swap) with compaction skipped keep the kernel's loop running until
 * another CPU changes something; the model has no other CPU, so it stops
 * once every LRU page was scanned LIVELOCK_SCANS times in a row without a
 * page reclaimed, and counts the stop (pfnlab_reclaim_livelock)
 */
bool shrink_node(struct pfnlab_machine *m, int zi, struct scan_control *sc)
{
	bool reclaimable = false;
	uint64_t reclaimed, scanned, fruitless = 0;

	do {
		reclaimed = sc->nr_reclaimed;
		scanned = sc->nr_scanned;
		memset(&sc->nr, 0, sizeof(sc->nr));
		if (!v42(m))
			prepare_scan_count(m, sc);
		shrink_lruvec(m, &m->lruvec[v42(m) ? zi : 0], sc);
		if (sc->nr_reclaimed - reclaimed)
			reclaimable = true;
		if (!v42(m) && sc->kswapd) {
			if (sc->nr.writeback && sc->nr.writeback == sc->nr.taken)
				m->kswapd.writeback = true;
			if (sc->nr.unqueued_dirty == sc->nr.file_taken)
				m->kswapd.dirty = true;
			if (sc->nr.immediate)
				reclaim_throttle(m, THROTTLE_WRITEBACK);
		}
		if (!v42(m) && sc->kswapd && sc->nr.dirty && sc->nr.dirty == sc->nr.congested)
			m->kswapd.congested = true; /* LRUVEC_CONGESTED */
		if (!v42(m) && !sc->kswapd && m->kswapd.congested)
			reclaim_throttle(m, THROTTLE_CONGESTED);
		fruitless = sc->nr_reclaimed - reclaimed ? 0 : fruitless + (sc->nr_scanned - scanned);
		if (v42(m) && fruitless > LIVELOCK_SCANS * (zone_lru_pages(m, zi) + SWAP_CLUSTER_MAX)) {
			m->vm[VM_RECLAIM_LIVELOCK]++;
			break;
		}
	} while (should_continue_reclaim(m, zi, sc->nr_reclaimed - reclaimed, sc->nr_scanned - scanned, sc));
	if (reclaimable && !v42(m))
		m->kswapd.failures = 0;
	return reclaimable;
}

/*
 * models compaction_ready(): stop reclaiming the zone for a costly order
 * once compaction could run with a gap of free pages above the high
 * watermark (v4.2: plus the balance gap; a deferred zone only needs the
 * watermark) or the allocation would succeed already (v6.1)
 */
static bool compaction_ready(struct pfnlab_machine *m, int zi, const struct scan_control *sc)
{
	struct zone *z = &m->zones[zi];
	int r;

	if (v42(m)) {
		uint64_t gap = (z->managed + KSWAPD_ZONE_BALANCE_GAP_RATIO - 1) / KSWAPD_ZONE_BALANCE_GAP_RATIO;
		bool ok;

		if (gap > z->wmark[WMARK_LOW])
			gap = z->wmark[WMARK_LOW];
		ok = zone_watermark_ok(m, z, 0, z->wmark[WMARK_HIGH] + gap + (2ull << sc->order), 0, 0);
		if (compaction_deferred(m, z, sc->order))
			return ok;
		return compaction_suitable(m, z, sc->order, 0, 0) != COMPACT_SKIPPED && ok;
	}
	if (!gfp_compaction_allowed(m, sc->gfp))
		return false;
	r = compaction_suitable(m, z, sc->order, 0, sc->reclaim_idx);
	if (r == COMPACT_SUCCESS)
		return true;
	if (r == COMPACT_SKIPPED)
		return false;
	return zone_watermark_ok(m, z, 0, wmark_pages(z, WMARK_HIGH) + (2ull << sc->order), sc->reclaim_idx, 0);
}

/* models shrink_zones(): every zone the request may use, the node once (v6.1); true if any was reclaimable */
static bool shrink_zones(struct pfnlab_machine *m, struct scan_control *sc)
{
	bool reclaimable = false, node_done = false;

	for (int i = zone_idx_at_most(m, sc->reclaim_idx); i >= 0; i--) {
		if (v42(m)) {
			if (sc->priority != DEF_PRIORITY && !zone_reclaimable(m, i))
				continue;
			if (sc->order > PAGE_ALLOC_COSTLY_ORDER && compaction_ready(m, i, sc)) {
				sc->compaction_ready = true;
				continue;
			}
			if (shrink_node(m, i, sc) || zone_reclaimable(m, i))
				reclaimable = true;
			continue;
		}
		if (sc->order > PAGE_ALLOC_COSTLY_ORDER && compaction_ready(m, i, sc)) {
			sc->compaction_ready = true;
			continue;
		}
		if (node_done)
			continue;
		node_done = true;
		shrink_node(m, i, sc);
	}
	if (node_done)
		consider_reclaim_throttle(m, sc->priority, sc->nr_reclaimed, sc->nr_scanned);
	return reclaimable;
}

/* models do_try_to_free_pages(): priority 12 down to 0 until enough is reclaimed */
static uint64_t do_try_to_free_pages(struct pfnlab_machine *m, struct scan_control *sc)
{
	int initial = sc->priority;
	bool zones_reclaimable = false, thrash_retry = v42(m);
	uint64_t total_scanned = 0;

	for (;;) {
		if (v42(m))
			m->vm[VM_ALLOCSTALL]++;
		else
			m->vm[VM_ALLOCSTALL_DMA + sc->reclaim_idx]++;
		do {
			sc->nr_scanned = 0;
			zones_reclaimable = shrink_zones(m, sc);
			total_scanned += sc->nr_scanned;
			if (sc->nr_reclaimed >= sc->nr_to_reclaim || sc->compaction_ready)
				break;
			if (sc->priority < DEF_PRIORITY - 2)
				sc->may_writepage = true;
			if (v42(m) && total_scanned > sc->nr_to_reclaim + sc->nr_to_reclaim / 2) {
				wakeup_flusher_threads(m, total_scanned);
				sc->may_writepage = true;
			}
		} while (--sc->priority >= 0);
		if (sc->nr_reclaimed)
			return sc->nr_reclaimed;
		if (sc->compaction_ready)
			return 1;
		if (!v42(m) && sc->skipped_deactivate) {
			sc->priority = initial;
			sc->force_deactivate = true;
			sc->skipped_deactivate = false;
			continue;
		}
		if (thrash_retry) { /* v4.2: untapped cgroup reserves, retried once (may_thrash) */
			thrash_retry = false;
			sc->priority = initial;
			continue;
		}
		return v42(m) && zones_reclaimable ? 1 : 0;
	}
}

/*
 * models try_to_free_pages(): direct reclaim of SWAP_CLUSTER_MAX pages
 * for an allocation of @order with @gfp; returns the progress the slow
 * path sees (pages reclaimed, or 1 without a page when reclaim should go
 * on)
 */
uint64_t try_to_free_pages(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order)
{
	struct scan_control sc = {
		.nr_to_reclaim = SWAP_CLUSTER_MAX, .gfp = gfp, .reclaim_idx = gfp_zone_type(gfp),
		.order = (int)order, .priority = DEF_PRIORITY, .may_writepage = true, .may_unmap = true,
		.may_swap = true,
	};
	uint64_t r;

	m->vm[VM_DIRECT_RECLAIMS]++;
	m->reclaim_depth++;
	r = do_try_to_free_pages(m, &sc);
	m->reclaim_depth--;
	return r;
}
