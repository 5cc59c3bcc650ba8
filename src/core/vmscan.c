/*
 * vmscan.c - page reclaim.  For now only the reclaim alloc_contig_range()
 * does: clean file pages on its migration list are freed instead of
 * migrated.
 *
 * Models reclaim_clean_pages_from_list() and the steps of
 * shrink_folio_list() (mm/vmscan.c, 6.1) a clean, isolated file folio
 * goes through with ignore_references: writeback -> PG_reclaim and
 * activate (v4.2: kept, not activated); mapped -> try_to_unmap();
 * maybe DMA-pinned -> activate; dirty (a dirty PTE) -> activate; buffers
 * -> try_to_free_buffers(); __remove_mapping() frees it unless a
 * reference beyond the cache's is held (kept).  Survivors go back to the
 * head of the list, in their order, and are migrated.
 *
 * Simplified: no LRU lists yet (activation sets PG_active and counts
 * pgactivate), no PG_reclaim, no workingset shadow entries.
 */
#include "model.h"

/* models shrink_folio_list() for one clean file folio; true if it was freed */
static bool shrink_clean_folio(struct pfnlab_machine *m, uint64_t head)
{
	uint16_t *pf = &m->pgflags[head];
	bool activate = false;

	if (*pf & PG_WRITEBACK) {
		activate = m->cfg.era == PFNLAB_ERA_CURRENT; /* case 2: v4.2 kept it inactive */
	} else {
		if (m->frames[head].mt)
			folio_try_unmap(m, head);
		if (folio_pincount(m, head))
			activate = true;
		else if (*pf & PG_DIRTY)
			activate = m->cfg.era == PFNLAB_ERA_CURRENT;
		else {
			folio_drop_buffers(m, head); /* filemap_release_folio(): clean buffers go */
			if (m->frames[head].refcount == folio_expected_refs(m, head)) {
				delete_from_page_cache(m, head); /* __remove_mapping() */
				return true;
			}
		}
	}
	if (activate && !(*pf & PG_ACTIVE)) {
		*pf |= PG_ACTIVE;
		m->vm[VM_PGACTIVATE]++;
	}
	return false;
}

#define RECLAIM_LIST_MAX 32 /* COMPACT_CLUSTER_MAX: alloc_contig_range()'s lists are no longer */

/*
 * models reclaim_clean_pages_from_list(): frees the clean file folios of
 * @list (at most RECLAIM_LIST_MAX; clean: !PG_swapbacked, !PG_dirty;
 * writeback pages qualify), compacts the list to the survivors, those it
 * tried first; returns the pages freed
 */
uint64_t reclaim_clean_pages_from_list(struct pfnlab_machine *m, uint64_t *list, size_t *n)
{
	uint64_t reclaimed = 0;
	size_t kept = 0, others = 0;
	uint64_t rest[RECLAIM_LIST_MAX];

	if (!m->pgflags || *n > RECLAIM_LIST_MAX)
		return 0;
	for (size_t i = 0; i < *n; i++) {
		uint64_t head = list[i];
		unsigned pf = m->pgflags[head];

		if ((pf & PGK_MASK) != PGK_FILE || (pf & PG_DIRTY)) {
			rest[others++] = head;
			continue;
		}
		m->pgflags[head] &= (uint16_t)~PG_ACTIVE; /* folio_clear_active() */
		if (shrink_clean_folio(m, head))
			reclaimed++; /* page-cache folios are order 0 */
		else
			list[kept++] = head;
	}
	for (size_t i = 0; i < others; i++)
		list[kept++] = rest[i];
	*n = kept;
	m->vm[VM_CONTIG_RECLAIMED] += reclaimed;
	return reclaimed;
}
