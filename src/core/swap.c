/*
 * swap.c - the LRU lists a folio lives on, and the swap device.
 *
 * Models the LRU bookkeeping of mm/swap.c, mm/vmscan.c and
 * include/linux/mm_inline.h: folio_add_lru() (lruvec_add_folio()),
 * lruvec_del_folio(), folio_isolate_lru()/folio_putback_lru(),
 * folio_mark_accessed() and folio_activate(), folio_rotate_reclaimable();
 * which list a folio belongs on (folio_lru_list()); __folio_put(), where
 * a folio's last reference leaves the LRU for the allocator (rmap.c and
 * the files above call it); and a swap device: add_to_swap() takes a
 * slot, swap_free() gives it back.
 *
 * Lists: per node in v6.1 (lruvec[0]), per zone in v4.2 (lruvec[zone
 * index]); a new folio goes to the head, reclaim scans from the tail.
 * Anonymous and shmem folios live on the anon lists, file pages on the
 * file lists.  A new anonymous folio starts inactive (v6.1) or active
 * (v4.2, lru_cache_add_active_or_unevictable()); file and shmem pages
 * start inactive.  F_LRU is PageLRU: set while the folio is on its list,
 * cleared while it is isolated for reclaim or migration (the isolation
 * holds a reference, as the kernel's does).
 *
 * Simplified: no per-CPU lru_add batches (a folio joins its list at once);
 * no unevictable list (nothing is mlocked); anonymous folios are linked
 * only when the machine has swap, otherwise only counted (no reclaim
 * scans them: get_scan_count() scans file pages only without swap), so
 * a machine without page cache or swap never touches lru[].  The swap
 * device is synchronous, like zram: a page is written out and freed in
 * the pass that reclaims it, and read back at its next fault, leaving
 * swap at once; slots are only counted.
 */
#include <stdlib.h>

#include "model.h"

/* The lruvec of the folio at @head and its zone index. */
struct lruvec *folio_lruvec(struct pfnlab_machine *m, uint64_t head, int *zi)
{
	*zi = pfn_zone_index(m, head);
	return &m->lruvec[m->cfg.era == PFNLAB_ERA_2015 ? *zi : 0];
}

/* Is the folio at @head one the LRU keeps (an anonymous or page-cache folio)? */
bool folio_on_lru_kind(const struct pfnlab_machine *m, uint64_t head)
{
	unsigned k = pg_kind(m, head);

	return (m->frames[head].flags & F_ANON) || k == PGK_FILE || k == PGK_SHMEM; /* never hugetlb */
}

/* models folio_is_file_lru(): file pages (not shmem, not anonymous) */
bool folio_is_file_lru(const struct pfnlab_machine *m, uint64_t head)
{
	return !(m->frames[head].flags & F_ANON) && pg_kind(m, head) == PGK_FILE;
}

/* Is the folio active (PG_active), an anonymous one without its own state taking the era's default? */
bool folio_test_active(const struct pfnlab_machine *m, uint64_t head)
{
	unsigned pf = pg_flags(m, head);

	if ((m->frames[head].flags & F_ANON) && !(pf & PGK_MASK))
		return m->cfg.era == PFNLAB_ERA_2015; /* a new anonymous page of v4.2 starts active */
	return pf & PG_ACTIVE;
}

/* models folio_lru_list() */
int folio_lru_list(const struct pfnlab_machine *m, uint64_t head)
{
	return (folio_is_file_lru(m, head) ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON) + folio_test_active(m, head);
}

/*
 * Give the anonymous folio at @head its own LRU state in pgflags[]
 * (PGK_ANON) before one of its bits changes; false without pgflags[]
 */
static bool anon_own_state(struct pfnlab_machine *m, uint64_t head)
{
	uint16_t *pf;

	if (!m->pgflags)
		return false;
	pf = &m->pgflags[head];
	if ((m->frames[head].flags & F_ANON) && !(*pf & PGK_MASK))
		*pf = (uint16_t)(PGK_ANON | (m->cfg.era == PFNLAB_ERA_2015 ? PG_ACTIVE : 0));
	return true;
}

/* Set or clear PG_active of the folio at @head (it must not be on a list). */
void folio_set_active(struct pfnlab_machine *m, uint64_t head, bool on)
{
	if (folio_test_active(m, head) == on || !anon_own_state(m, head))
		return;
	if (on)
		m->pgflags[head] |= PG_ACTIVE;
	else
		m->pgflags[head] &= (uint16_t)~PG_ACTIVE;
}

/* Are folios of this kind linked on their list, or only counted (anonymous without swap)? */
static bool linked(const struct pfnlab_machine *m, uint64_t head)
{
	return m->lru && (!(m->frames[head].flags & F_ANON) || m->swap_pages);
}

static void account(struct pfnlab_machine *m, uint64_t head, int lru, int64_t pages)
{
	int zi;
	struct lruvec *lv = folio_lruvec(m, head, &zi);

	lv->nr[lru] += (uint64_t)pages;
	m->zone_lru[zi][lru] += (uint64_t)pages;
}

/* models lruvec_add_folio() (@tail: lruvec_add_folio_tail()); the folio gets F_LRU */
static void lru_add(struct pfnlab_machine *m, uint64_t head, bool tail)
{
	struct frame *f = &m->frames[head];
	int lru = folio_lru_list(m, head), zi;
	struct lruvec *lv = folio_lruvec(m, head, &zi);

	f->flags |= F_LRU;
	account(m, head, lru, (int64_t)1 << f->order);
	if (!linked(m, head))
		return;
	anon_own_state(m, head);
	m->pgflags[head] |= PG_LRU;
	if (lv->head[lru] == NIL_PFN) {
		m->lru[head] = (struct lru_link){NIL_PFN, NIL_PFN};
		lv->head[lru] = lv->tail[lru] = (uint32_t)head;
	} else if (tail) {
		m->lru[head] = (struct lru_link){NIL_PFN, lv->tail[lru]};
		m->lru[lv->tail[lru]].next = (uint32_t)head;
		lv->tail[lru] = (uint32_t)head;
	} else {
		m->lru[head] = (struct lru_link){lv->head[lru], NIL_PFN};
		m->lru[lv->head[lru]].prev = (uint32_t)head;
		lv->head[lru] = (uint32_t)head;
	}
}

/* models lruvec_del_folio(): off its list (and F_LRU cleared) */
static void lru_del(struct pfnlab_machine *m, uint64_t head)
{
	struct frame *f = &m->frames[head];
	int lru = folio_lru_list(m, head), zi;
	struct lruvec *lv = folio_lruvec(m, head, &zi);

	f->flags &= (uint8_t)~F_LRU;
	account(m, head, lru, -((int64_t)1 << f->order));
	if (!(pg_flags(m, head) & PG_LRU))
		return;
	struct lru_link l = m->lru[head];

	if (l.prev != NIL_PFN)
		m->lru[l.prev].next = l.next;
	else
		lv->head[lru] = l.next;
	if (l.next != NIL_PFN)
		m->lru[l.next].prev = l.prev;
	else
		lv->tail[lru] = l.prev;
	m->pgflags[head] &= (uint16_t)~PG_LRU;
}

/* models folio_add_lru() of a new or migrated folio: to the head of its list */
void folio_add_lru(struct pfnlab_machine *m, uint64_t head)
{
	lru_add(m, head, false);
}

/* The folio at @head leaves the LRU for good (its last reference went, or it left the page cache). */
void folio_del_lru(struct pfnlab_machine *m, uint64_t head)
{
	if ((m->frames[head].flags & F_LRU) && folio_on_lru_kind(m, head))
		lru_del(m, head);
}

/* NR_ISOLATED_ANON + @file, of the lruvec of the folio at @head */
static uint64_t *isolated_of(struct pfnlab_machine *m, uint64_t head, bool file)
{
	int zi;

	return &folio_lruvec(m, head, &zi)->isolated[file];
}

/*
 * models folio_isolate_lru(): take the folio off its list for reclaim or
 * migration, holding a reference; false if it is not on an LRU
 */
bool folio_isolate_lru(struct pfnlab_machine *m, uint64_t head)
{
	struct frame *f = &m->frames[head];

	if (!(f->flags & F_LRU) || !folio_on_lru_kind(m, head))
		return false;
	lru_del(m, head);
	*isolated_of(m, head, folio_is_file_lru(m, head)) += 1ull << f->order;
	f->refcount++;
	return true;
}

/*
 * An isolated folio of @order (a file page if @file) stops being counted
 * as isolated: it was migrated away or split (NR_ISOLATED_* decremented)
 */
void lru_isolated_sub(struct pfnlab_machine *m, uint64_t head, unsigned order, bool file)
{
	*isolated_of(m, head, file) -= 1ull << order;
}

/*
 * models __folio_put(): the last reference is gone; a hugetlb folio goes
 * to its destructor (the machine's hooks), any other leaves the LRU
 * (__page_cache_release()) and goes back to the allocator
 */
void page_ref_release(struct pfnlab_machine *m, uint64_t head)
{
	struct frame *f = &m->frames[head];

	if (pg_kind(m, head) == PGK_HUGETLB) { /* its destructor: back to the pool */
		m->hooks.free_huge_folio(m, head);
		return;
	}
	folio_del_lru(m, head);
	if (m->pgflags)
		m->pgflags[head] = 0;
	f->flags &= (uint8_t)~(F_ANON | F_PINNED | F_LRU);
	f->refcount = 1; /* free_frames() expects the allocation's own reference */
	free_frames(m, head, f->order);
}

/*
 * The isolation's reference of a folio that left its LRU kind (reclaimed:
 * out of the page cache) is dropped: it is freed when that was the last
 */
void folio_isolated_put(struct pfnlab_machine *m, uint64_t head, bool file)
{
	struct frame *f = &m->frames[head];

	lru_isolated_sub(m, head, f->order, file);
	if (!--f->refcount) {
		f->refcount = 1;
		page_ref_release(m, head);
	}
}

/*
 * models folio_putback_lru(): an isolated folio back on its list (at the
 * head); if the isolation held the last reference, it is freed
 */
void folio_putback_lru(struct pfnlab_machine *m, uint64_t head)
{
	struct frame *f = &m->frames[head];

	lru_isolated_sub(m, head, f->order, folio_is_file_lru(m, head));
	if (!--f->refcount) {
		f->refcount = 1;
		page_ref_release(m, head);
		return;
	}
	lru_add(m, head, false);
}

/* models folio_rotate_reclaimable(): a folio whose writeback ended under PG_reclaim goes to the tail */
void folio_rotate_reclaimable(struct pfnlab_machine *m, uint64_t head)
{
	if (!(m->frames[head].flags & F_LRU) || folio_test_active(m, head))
		return;
	lru_del(m, head);
	lru_add(m, head, true);
	m->vm[VM_PGROTATED] += 1ull << m->frames[head].order;
}

/* models folio_activate(): an inactive folio on its list moves to the head of the active one */
static void folio_activate(struct pfnlab_machine *m, uint64_t head)
{
	if (folio_test_active(m, head) || !anon_own_state(m, head))
		return;
	lru_del(m, head);
	m->pgflags[head] |= PG_ACTIVE;
	lru_add(m, head, false);
	m->vm[VM_PGACTIVATE] += 1ull << m->frames[head].order;
}

/*
 * models folio_mark_accessed(): the first access sets PG_referenced, a
 * second one activates an inactive folio on the LRU and clears it
 */
void folio_mark_accessed(struct pfnlab_machine *m, uint64_t head)
{
	uint16_t *pf;

	if (!anon_own_state(m, head))
		return;
	pf = &m->pgflags[head];
	if (!(*pf & PG_REFERENCED)) {
		*pf |= PG_REFERENCED;
	} else if (!folio_test_active(m, head)) {
		if (m->frames[head].flags & F_LRU) /* off the LRU (isolated): no batch holds it either */
			folio_activate(m, head);
		m->pgflags[head] &= (uint16_t)~PG_REFERENCED;
	}
}

/* A PTE mapping the folio was used (a fault, a touch, FOLL_TOUCH): the young bit of the model */
void folio_mark_young(struct pfnlab_machine *m, uint64_t head)
{
	if (anon_own_state(m, head))
		m->pgflags[head] |= PG_YOUNG;
}

/* models get_nr_swap_pages() > 0: is there a free swap slot? */
bool swap_space_left(const struct pfnlab_machine *m)
{
	return m->swap_used < m->swap_pages;
}

/* models add_to_swap()'s slot: false when swap is full */
bool swap_take_slot(struct pfnlab_machine *m)
{
	if (!swap_space_left(m))
		return false;
	m->swap_used++;
	return true;
}

/* models swap_free() of one entry */
void swap_free_slot(struct pfnlab_machine *m)
{
	m->swap_used--;
}

void pfnlab_swap_pages(const struct pfnlab_machine *m, uint64_t *total, uint64_t *used)
{
	if (total)
		*total = m ? m->swap_pages : 0;
	if (used)
		*used = m ? m->swap_used : 0;
}

/*
 * models zone_reclaimable_pages() (mm/vmscan.c, 6.1.192): the zone's LRU
 * pages, anonymous ones only with a free swap slot (can_reclaim_anon_pages()),
 * free pages when there is nothing else; here with the lists it counts,
 * below reclaim_throttle.c, vmscan.c and slowpath.c, which ask it
 */
uint64_t zone_reclaimable_pages(const struct pfnlab_machine *m, int zi)
{
	const uint64_t *nr = m->zone_lru[zi];
	uint64_t r = nr[LRU_INACTIVE_FILE] + nr[LRU_ACTIVE_FILE];

	if (swap_space_left(m))
		r += nr[LRU_INACTIVE_ANON] + nr[LRU_ACTIVE_ANON];
	if (!r && m->cfg.era != PFNLAB_ERA_2015)
		r = (uint64_t)m->zones[zi].nr_free;
	return r;
}
