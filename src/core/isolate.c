/*
 * isolate.c - pageblock isolation: fence a PFN range off from the
 * allocator, check it became free, lift the fence.
 *
 * Models set_migratetype_isolate(), unset_migratetype_isolate(),
 * has_unmovable_pages() and test_pages_isolated() of mm/page_isolation.c.
 * Isolated blocks carry MIGRATE_ISOLATE in their pageblock type (v6.1 and
 * v4.2 alike); their free pages sit on the ISOLATE lists and are not counted
 * free.  Era rules: in 2015 a CMA or MOVABLE block, or any block of
 * ZONE_MOVABLE, always isolates; today a CMA block isolates only for a CMA
 * allocation, other blocks are scanned for unmovable pages.  Neither era
 * looks at pins here: a pinned page inside a CMA block isolates fine and
 * only fails later, in test_pages_isolated().
 *
 * A hugetlb page counts as movable when its size can migrate (v6.1;
 * v4.2 skipped every hugetlb page).
 *
 * Simplified: no memory-offline flags.
 */
#include "model.h"

static bool block_has_ram(const struct pfnlab_machine *m, uint64_t pfn)
{
	for (uint64_t p = pfn; p < pfn + m->pb_pages && p < m->nr_pfns; p++)
		if (!(m->frames[p].flags & F_HOLE))
			return true;
	return false;
}

/* models has_unmovable_pages(): true if the block holds a page that cannot move */
static bool has_unmovable_pages(const struct pfnlab_machine *m, const struct zone *z, uint64_t pfn,
				int mt)
{
	int bt = pb_type(m, pfn);

	if (m->cfg.era == PFNLAB_ERA_2015) {
		if (z->type == PFNLAB_ZONE_MOVABLE || bt == PFNLAB_MT_MOVABLE || bt == PFNLAB_MT_CMA)
			return false;
	} else if (bt == PFNLAB_MT_CMA) {
		return mt != PFNLAB_MT_CMA;
	}
	for (uint64_t p = pfn; p < pfn + m->pb_pages;) {
		const struct frame *f = &m->frames[p];

		if (f->flags & F_BUDDY) {
			p += 1ull << f->order;
			continue;
		}
		if (f->flags & F_RESERVED)
			return true;
		if ((f->flags & F_ALLOC) && pg_kind(m, p) == PGK_HUGETLB) {
			/* hugetlb pages are movable where their size can migrate (v4.2: always skipped) */
			if (m->cfg.era == PFNLAB_ERA_CURRENT &&
			    !hugepage_migration_supported(m, folio_hstate((struct pfnlab_machine *)m, p)))
				return true;
			p += 1ull << f->order;
			continue;
		}
		if (f->flags & F_ALLOC) {
			if (!(f->flags & F_LRU))
				return true;
			p += 1ull << f->order;
			continue;
		}
		p++;
	}
	return false;
}

/* models set_migratetype_isolate() */
static int isolate_block(struct pfnlab_machine *m, uint64_t pfn, int mt)
{
	struct zone *z = pfn_zone(m, pfn);

	if (!z || pb_type(m, pfn) == PFNLAB_MT_ISOLATE)
		return -EBUSY;
	if (pfnlab_fault_should_fail(m, PFNLAB_FAULT_ISOLATE) || has_unmovable_pages(m, z, pfn, mt))
		return -EBUSY;
	set_pageblock_migratetype(m, pfn, PFNLAB_MT_ISOLATE);
	move_freepages_block(m, z, pfn, PFNLAB_MT_ISOLATE, NULL);
	return 0;
}

/* models unset_migratetype_isolate(): free blocks of a pageblock or more re-merge */
static void unisolate_block(struct pfnlab_machine *m, uint64_t pfn, int mt)
{
	struct zone *z = pfn_zone(m, pfn);
	struct frame *f = &m->frames[pfn];

	if (!z || pb_type(m, pfn) != PFNLAB_MT_ISOLATE)
		return;
	if ((f->flags & F_BUDDY) && f->order >= m->pb_order) {
		unsigned order = f->order;

		list_del_block(m, z, pfn);
		set_pageblock_migratetype(m, pfn, mt);
		free_one_page(m, z, pfn, order, mt, false);
		return;
	}
	set_pageblock_migratetype(m, pfn, mt);
	move_freepages_block(m, z, pfn, mt, NULL);
}

/*
 * models start_isolate_page_range(): every pageblock with RAM in
 * [start, end) (pageblock-aligned by the caller) or none.
 */
int start_isolate_page_range(struct pfnlab_machine *m, uint64_t start, uint64_t end, int mt)
{
	for (uint64_t p = start; p < end; p += m->pb_pages) {
		if (!block_has_ram(m, p))
			continue;
		if (isolate_block(m, p, mt)) {
			undo_isolate_page_range(m, start, p, mt);
			return -EBUSY;
		}
	}
	/* isolate_single_pageblock(): a free block crossing either end is split there */
	if (m->cfg.era == PFNLAB_ERA_CURRENT) {
		struct zone *z = pfn_zone(m, start);

		if (z)
			split_free_block_at(m, z, start);
		z = end < m->nr_pfns ? pfn_zone(m, end) : NULL;
		if (z)
			split_free_block_at(m, z, end);
	}
	for (int i = 0; i < m->nr_zones; i++)
		pcp_drain_zone(m, &m->zones[i]);
	return 0;
}

/* models undo_isolate_page_range() */
void undo_isolate_page_range(struct pfnlab_machine *m, uint64_t start, uint64_t end, int mt)
{
	for (uint64_t p = start; p < end; p += m->pb_pages)
		if (block_has_ram(m, p))
			unisolate_block(m, p, mt);
}

/*
 * models test_pages_isolated() and __test_page_isolated_in_pageblock():
 * every block isolated, every page free; *fin is the first PFN that is not.
 */
int test_pages_isolated(struct pfnlab_machine *m, uint64_t start, uint64_t end, uint64_t *fin)
{
	uint64_t pfn;

	for (pfn = start & ~(m->pb_pages - 1); pfn < end; pfn += m->pb_pages)
		if (block_has_ram(m, pfn) && pb_type(m, pfn) != PFNLAB_MT_ISOLATE)
			break;
	if (pfn < end) {
		pfn = pfn < start ? start : pfn;
	} else {
		for (pfn = start; pfn < end;) {
			const struct frame *f = &m->frames[pfn];

			if (!(f->flags & F_BUDDY))
				break;
			pfn += 1ull << f->order;
		}
	}
	*fin = pfn;
	trace_printf(m, "test_pages_isolated", "start_pfn=0x%llx end_pfn=0x%llx fin_pfn=0x%llx ret=%s",
		     (unsigned long long)start, (unsigned long long)end, (unsigned long long)pfn,
		     end <= pfn ? "success" : "fail");
	return pfn < end ? -EBUSY : 0;
}
