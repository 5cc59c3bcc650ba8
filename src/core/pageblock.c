/*
 * pageblock.c - the per-pageblock flag byte: migrate type (and the
 * "held from outside" isolation mark, model.h).
 *
 * Models get_pfnblock_flags_mask()/set_pageblock_migratetype(),
 * mm/page_alloc.c.  The kernel packs 4 bits per pageblock; a byte is as
 * small in practice (one byte per 2 MiB) and simpler.  Bit 4 is
 * PB_migrate_skip, compaction's hint (compaction.c).
 */
#include "model.h"

/*
 * Index in m->zones[] of the zone the pageblock holding @pfn counts in:
 * the zone of its first PFN, else of its last (a zone starting inside it), or -1
 */
int pageblock_zone(const struct pfnlab_machine *m, uint64_t pfn)
{
	uint64_t start = pfn & ~(m->pb_pages - 1);
	int i = pfn_zone_index(m, start);

	return i >= 0 ? i : pfn_zone_index(m, start + m->pb_pages - 1);
}

/*
 * models set_pageblock_migratetype(), mm/page_alloc.c, with the zone's
 * nr_isolate_pageblock that set_migratetype_isolate() and
 * unset_migratetype_isolate() keep
 */
void set_pageblock_migratetype(struct pfnlab_machine *m, uint64_t pfn, int mt)
{
	uint8_t *b = &m->pageblock[pfn >> m->pb_order];
	int old = *b & PB_MT_MASK;

	if (m->count_unmovable_claims && mt == PFNLAB_MT_UNMOVABLE && old != PFNLAB_MT_UNMOVABLE)
		m->vm[VM_PIN_UNMOVABLE_BLOCKS]++;
	if ((old == PFNLAB_MT_ISOLATE) != (mt == PFNLAB_MT_ISOLATE)) {
		int z = pageblock_zone(m, pfn);

		if (z >= 0)
			m->zones[z].nr_isolate_pageblock += mt == PFNLAB_MT_ISOLATE ? 1 : (uint64_t)-1;
	}
	*b = (uint8_t)((*b & ~PB_MT_MASK) | ((unsigned)mt & PB_MT_MASK));
}

/* Is the memory section holding @pfn online (does it contain any RAM)? */
bool pfn_section_online(const struct pfnlab_machine *m, uint64_t pfn)
{
	unsigned shift = (m->cfg.page_shift >= 16 ? 24 : 27) - m->cfg.page_shift;
	uint64_t s = pfn >> shift << shift, e = s + (1ull << shift);

	for (unsigned i = 0; i < m->nr_ram; i++)
		if (m->ram_start[i] < e && s < m->ram_end[i])
			return true;
	return false;
}

/*
 * Pageblocks of zone @z whose type is @mt, counted the way
 * pagetypeinfo_showblockcount_print() does: stepping a pageblock at a time
 * from the zone start, skipping offline memory sections.
 */
uint64_t count_pageblocks(const struct pfnlab_machine *m, const struct zone *z, int mt)
{
	uint64_t n = 0, end = z->start_pfn + z->spanned;

	for (uint64_t pfn = z->start_pfn; pfn < end; pfn += m->pb_pages)
		if (pfn_section_online(m, pfn) && pb_type(m, pfn) == mt)
			n++;
	return n;
}

int pfnlab_pageblock_type(const struct pfnlab_machine *m, uint64_t pfn)
{
	if (!m)
		return -EINVAL;
	if (pfn >= m->nr_pfns)
		return -EINVAL;
	return pb_type(m, pfn);
}
