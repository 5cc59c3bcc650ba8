/*
 * check.c - the whole-state checker.
 *
 * Walks every free list, per-CPU list and frame of the machine and checks
 * what must always hold: lists well linked and counted, every managed page
 * in exactly one free block, pcp list or allocation, no two free buddies
 * left unmerged that the merge rule would join, free counters equal to the
 * pages on the lists, CMA pages only on CMA (or isolate) lists, the hugetlb
 * pool's lists and counters and its hugetlbfs files; the LRU lists (links,
 * membership, per-zone and per-list counts, nothing left isolated), swap
 * entries and slots, the OOM state.  Tests run it after every operation;
 * the CLI runs it on demand (--check).
 */
#include <inttypes.h>

#include "model.h"

#define FAIL(...) return set_why(why, len, __VA_ARGS__), -EUCLEAN

static int check_list(const struct pfnlab_machine *m, const struct zone *z, unsigned o, int t,
		      uint64_t *pages, uint64_t *blocks, char *why, size_t len)
{
	const struct free_list *l = &z->area[o].list[t];
	uint64_t n = 0, prev = NIL_PFN;

	for (uint64_t p = l->head; p != NIL_PFN; p = m->frames[p].next) {
		const struct frame *f = &m->frames[p];

		if (p >= m->nr_pfns || !zone_spans(z, p))
			FAIL("zone %s order %u %s: PFN %#" PRIx64 " outside the zone", z->name, o,
			     migratetype_names[t], p);
		if (++n > z->area[o].nr_free) /* a list cannot hold more than its order's blocks: a loop */
			FAIL("zone %s order %u %s: list longer than the order's nr_free %" PRIu64, z->name, o,
			     migratetype_names[t], z->area[o].nr_free);
		if (!(f->flags & F_BUDDY) || f->order != o || f->mt != t)
			FAIL("zone %s order %u %s: PFN %#" PRIx64 " on the list is not a free block of it (flags %#x order %u mt %u)",
			     z->name, o, migratetype_names[t], p, f->flags, f->order, f->mt);
		if (p & ((1ull << o) - 1))
			FAIL("free block at PFN %#" PRIx64 " not aligned to order %u", p, o);
		if (f->prev != prev)
			FAIL("free block at PFN %#" PRIx64 ": broken back link", p);
		if (t == PFNLAB_MT_CMA && pb_type(m, p) != PFNLAB_MT_CMA)
			FAIL("free block at PFN %#" PRIx64 " on the CMA list outside a CMA pageblock", p);
		if (t != PFNLAB_MT_CMA && t != PFNLAB_MT_ISOLATE && pb_type(m, p) == PFNLAB_MT_CMA)
			FAIL("free block at PFN %#" PRIx64 " in a CMA pageblock on the %s list", p,
			     migratetype_names[t]);
		/* 6.12 (v6.10): a free block lies on its pageblocks' type's list, always */
		for (uint64_t q = p; kernel_612(m) && q < p + (1ull << o); q += m->pb_pages)
			if (pb_type(m, q) != t)
				FAIL("free block at PFN %#" PRIx64 " (order %u) on the %s list, pageblock %#" PRIx64
				     " of type %s", p, o, migratetype_names[t], q >> m->pb_order,
				     migratetype_names[pb_type(m, q)]);
		prev = p;
		*pages += 1ull << o;
	}
	if (l->tail != prev)
		FAIL("zone %s order %u %s: tail pointer wrong", z->name, o, migratetype_names[t]);
	*blocks += n;
	return 0;
}

static int check_lists(const struct pfnlab_machine *m, const struct zone *z, char *why, size_t len)
{
	int64_t free = 0, cma = 0;

	for (unsigned o = 0; o < MAX_ORDERS; o++) {
		uint64_t blocks = 0;

		for (int t = 0; t < PFNLAB_MT_TYPES; t++) {
			uint64_t pages = 0;
			int err;

			if (o >= m->nr_orders) {
				if (z->area[o].list[t].head != NIL_PFN)
					FAIL("zone %s: free block above the largest order", z->name);
				continue;
			}
			err = check_list(m, z, o, t, &pages, &blocks, why, len);
			if (err)
				return err;
			if (t != PFNLAB_MT_ISOLATE)
				free += (int64_t)pages;
			if (t == PFNLAB_MT_CMA)
				cma += (int64_t)pages;
		}
		if (blocks != z->area[o].nr_free)
			FAIL("zone %s order %u: nr_free %" PRIu64 " but %" PRIu64 " blocks on the lists",
			     z->name, o, z->area[o].nr_free, blocks);
	}
	if (free != z->nr_free)
		FAIL("zone %s: NR_FREE_PAGES %" PRId64 " but %" PRId64 " pages on the free lists", z->name,
		     z->nr_free, free);
	if (cma != z->nr_free_cma)
		FAIL("zone %s: NR_FREE_CMA_PAGES %" PRId64 " but %" PRId64 " pages on the CMA lists",
		     z->name, z->nr_free_cma, cma);
	return 0;
}

/*
 * The first pass's marks are the watermark and lowmem reserve they stand
 * for, the buddy test's shortcut the zone's alignment (page_alloc_setup()).
 */
static int check_marks(const struct pfnlab_machine *m, const struct zone *z, char *why, size_t len)
{
	if (z->buddy_aligned != zone_buddy_aligned(m, z))
		FAIL("zone %s: buddy_aligned %d, alignment says otherwise", z->name, z->buddy_aligned);
	bool high = kernel_612(m) && !z->below_high; /* 6.12 tries the high watermark first */

	if (z->below_high && !kernel_612(m))
		FAIL("zone %s: ZONE_BELOW_HIGH on a kernel without it", z->name);
	if (m->cfg.era == PFNLAB_ERA_2015 && (z->watermark_boost || z->boosted_wmark))
		FAIL("zone %s: watermark boost %" PRIu64 " in era 2015 (v5.0+)", z->name, z->watermark_boost);
	for (int t = 0; t < PFNLAB_NR_ZONES; t++) {
		uint64_t mark = wmark_pages(z, high ? WMARK_HIGH : WMARK_LOW) + z->lowmem_reserve[t];

		if (z->low_mark[t] != (mark < UINT32_MAX ? mark : UINT32_MAX))
			FAIL("zone %s: first-pass mark %u for zone type %d, %s watermark + reserve %" PRIu64,
			     z->name, z->low_mark[t], t, high ? "high" : "low", mark);
	}
	return 0;
}

/*
 * Compaction between operations: none running (its private free and
 * migrate lists empty, no capture armed), the cached scanner positions in
 * the zone (the migrate one may sit a pageblock past its end, as
 * update_cached_migrate() leaves it) and the deferral within its bounds
 */
static int check_compaction(const struct pfnlab_machine *m, const struct zone *z, char *why, size_t len)
{
	uint64_t end = z->start_pfn + z->spanned;

	if (m->compaction.depth || m->compaction.capc)
		FAIL("a compaction is still running (depth %u)", m->compaction.depth);
	if (z->compact_cached_free_pfn > end)
		FAIL("zone %s: cached free scanner PFN %#" PRIx64 " past the zone end", z->name,
		     z->compact_cached_free_pfn);
	for (int s = 0; s < 2; s++)
		if (z->compact_cached_migrate_pfn[s] > end + m->pb_pages)
			FAIL("zone %s: cached migrate scanner PFN %#" PRIx64 " past the zone end", z->name,
			     z->compact_cached_migrate_pfn[s]);
	if (z->compact_defer_shift > 6 || z->compact_considered > 1u << z->compact_defer_shift)
		FAIL("zone %s: deferral shift %u considered %u", z->name, z->compact_defer_shift,
		     z->compact_considered);
	return 0;
}

static int check_pcp(const struct pfnlab_machine *m, const struct zone *z, char *why, size_t len)
{
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		const struct per_cpu_pages *p = &z->pcp[c];
		uint32_t total = 0;

		if (c >= m->cfg.nr_cpus && p->count)
			FAIL("zone %s: pages on the pcp lists of CPU %u, which is not modelled", z->name, c);
		for (int t = 0; t < 3; t++) {
			uint32_t n = 0;
			uint64_t pfn = p->lists[t].head;

			if (pfn == NIL_PFN) {
				if (p->lists[t].count)
					FAIL("zone %s cpu %u: empty pcp list with count %u", z->name, c,
					     p->lists[t].count);
				continue;
			}
			do {
				const struct frame *f = &m->frames[pfn];

				if (!(f->flags & F_PCP) || !zone_spans(z, pfn))
					FAIL("zone %s cpu %u: PFN %#" PRIx64 " on a pcp list is not a pcp page",
					     z->name, c, pfn);
				if (m->frames[f->next].prev != pfn)
					FAIL("zone %s cpu %u: broken pcp links at %#" PRIx64, z->name, c, pfn);
				if (++n > p->lists[t].count)
					FAIL("zone %s cpu %u: pcp list longer than its count", z->name, c);
				pfn = f->next;
			} while (pfn != p->lists[t].head);
			if (n != p->lists[t].count)
				FAIL("zone %s cpu %u: pcp list count %u, walked %u", z->name, c,
				     p->lists[t].count, n);
			total += n;
		}
		if (total != p->count)
			FAIL("zone %s cpu %u: pcp count %u, lists hold %u", z->name, c, p->count, total);
		if (kernel_612(m)) {
			if (p->free_limit)
				FAIL("zone %s cpu %u: pcp free limit %u, 6.12 tunes high on every free", z->name, c,
				     p->free_limit);
			/*
			 * pcp->high may lie outside [high_min, high_max]: until its next
			 * use after the range changed, and for good in a small zone whose
			 * low watermark passes an eighth of it (the kernel's clamp() then
			 * alternates between the two)
			 */
			if (p->alloc_factor > 5 || p->free_count > (uint32_t)p->batch << 5)
				FAIL("zone %s cpu %u: alloc_factor %u, free_count %u with batch %u", z->name, c,
				     p->alloc_factor, p->free_count, p->batch);
			continue;
		}
		if (p->free_limit != (z->reclaim_active && p->high > 4u * p->batch ? 4u * p->batch : p->high))
			FAIL("zone %s cpu %u: pcp free limit %u with high %u, batch %u%s", z->name, c,
			     p->free_limit, p->high, p->batch, z->reclaim_active ? ", reclaim active" : "");
		if (p->alloc_factor || z->pcp_high_min != p->high || z->pcp_high_max != p->high)
			FAIL("zone %s cpu %u: alloc_factor %u, high range [%u, %u] with a fixed high %u", z->name, c,
			     p->alloc_factor, z->pcp_high_min, z->pcp_high_max, p->high);
	}
	return 0;
}

/*
 * Would these two free blocks have been merged by __free_one_page()?  From
 * pageblock order up, v6.1 merges by the blocks' types; a pageblock
 * unreserve_highatomic_pageblock() retyped keeps its free pages unmerged
 * (as the kernel's do), so there unmerged buddies are allowed (PB_RETYPED).
 */
static bool should_have_merged(const struct pfnlab_machine *m, uint64_t pfn, unsigned o)
{
	uint64_t buddy = pfn ^ (1ull << o);
	const struct frame *b;
	int a_mt, b_mt;

	if (o + 1 >= m->nr_orders || buddy >= m->nr_pfns || pfn_zone_index(m, buddy) != pfn_zone_index(m, pfn))
		return false;
	b = &m->frames[buddy];
	if (!(b->flags & F_BUDDY) || b->order != o)
		return false;
	if (o < m->pb_order)
		return true;
	if ((m->pageblock[pfn >> m->pb_order] | m->pageblock[buddy >> m->pb_order]) & PB_RETYPED)
		return false;
	a_mt = pb_type(m, pfn);
	b_mt = pb_type(m, buddy);
	if (a_mt == b_mt)
		return true;
	if (m->cfg.era == PFNLAB_ERA_2015)
		return a_mt != PFNLAB_MT_ISOLATE && b_mt != PFNLAB_MT_ISOLATE;
	return mt_is_mergeable(a_mt) && mt_is_mergeable(b_mt);
}

/* Every frame of a zone belongs to exactly one thing. */
static int check_frames(const struct pfnlab_machine *m, const struct zone *z, char *why, size_t len)
{
	uint64_t end = z->start_pfn + z->spanned, managed = 0;

	for (uint64_t p = z->start_pfn; p < end;) {
		const struct frame *f = &m->frames[p];
		uint64_t size = 1;

		if (f->flags & (F_HOLE | F_RESERVED)) {
			p++;
			continue;
		}
		if (f->flags & (F_BUDDY | F_ALLOC)) {
			size = 1ull << f->order;
			if (p & (size - 1))
				FAIL("block at PFN %#" PRIx64 " of order %u is misaligned", p, f->order);
			if (p + size > end)
				FAIL("block at PFN %#" PRIx64 " of order %u runs past its zone", p, f->order);
			if ((f->flags & F_BUDDY) && should_have_merged(m, p, f->order))
				FAIL("free blocks at PFN %#" PRIx64 " and its buddy, order %u, were not merged",
				     p, f->order);
			if ((f->flags & F_ALLOC) && f->refcount == 0 && !(pg_flags(m, p) & HPG_FREED))
				FAIL("allocated block at PFN %#" PRIx64 " has refcount 0", p);
			if ((f->flags & F_ALLOC) && f->refcount < f->mt && (f->flags & F_ANON))
				FAIL("folio at PFN %#" PRIx64 " has refcount %u below its mapcount %u", p,
				     f->refcount, f->mt);
			for (uint64_t t = p + 1; t < p + size; t++)
				if (m->frames[t].flags ||
				    (m->frames[t].refcount && !(t == p + 1 && (f->flags & F_ALLOC))))
					FAIL("PFN %#" PRIx64 " inside the block at %#" PRIx64 " (order %u) is not a plain tail (flags %#x)",
					     t, p, f->order, m->frames[t].flags);
		} else if (!(f->flags & F_PCP)) {
			FAIL("PFN %#" PRIx64 " in zone %s is neither free nor allocated: a page was lost", p,
			     z->name);
		}
		managed += size;
		p += size;
	}
	if (managed != z->managed)
		FAIL("zone %s: %" PRIu64 " managed pages accounted for, %" PRIu64 " expected", z->name,
		     managed, z->managed);
	return 0;
}

static int check_pageblocks(const struct pfnlab_machine *m, char *why, size_t len)
{
	uint64_t isolated[PFNLAB_NR_ZONES] = {0};

	for (uint64_t b = 0; b < m->nr_pageblocks; b++) {
		uint64_t pfn = b << m->pb_order;
		bool in_cma = false;
		int t = m->pageblock[b] & PB_MT_MASK;

		if (t >= PFNLAB_MT_TYPES)
			FAIL("pageblock at PFN %#" PRIx64 " has type %d", pfn, t);
		if (t == PFNLAB_MT_ISOLATE && pageblock_zone(m, pfn) >= 0)
			isolated[pageblock_zone(m, pfn)]++;
		for (unsigned i = 0; i < m->nr_cma; i++)
			if (pfn >= m->cma[i].base_pfn && pfn < m->cma[i].base_pfn + m->cma[i].count)
				in_cma = true;
		if (in_cma != (t == PFNLAB_MT_CMA) && t != PFNLAB_MT_ISOLATE)
			FAIL("pageblock at PFN %#" PRIx64 " is %s but %s a CMA area", pfn,
			     migratetype_names[t], in_cma ? "inside" : "outside");
	}
	for (int i = 0; i < m->nr_zones; i++)
		if (isolated[i] != m->zones[i].nr_isolate_pageblock)
			FAIL("zone %s: nr_isolate_pageblock %" PRIu64 " but %" PRIu64 " pageblocks isolated",
			     m->zones[i].name, m->zones[i].nr_isolate_pageblock, isolated[i]);
	return 0;
}

/*
 * The PTE tables of space @id's mapping @v: none in a mapping whose tables
 * are not modelled (vma.no_tables); else each on a page of that space's
 * tables outside CMA, one table per span (@span, @table: the last
 * span met in the space's earlier mappings, and its table), counted once
 * in @tables
 */
static int check_pte_tables(const struct pfnlab_machine *m, unsigned id, const struct vma *v, uint64_t *span,
			    uint32_t *table, uint64_t *tables, char *why, size_t len)
{
	for (uint64_t k = 0; k < vma_table_spans(m, v); k++) {
		uint64_t s = (v->start >> m->pte_order) + k, vaddr = s << (m->pte_order + m->cfg.page_shift), pfn;
		const struct frame *f;

		if (!v->tables[k])
			continue;
		if (v->no_tables)
			FAIL("space %u: vaddr %#" PRIx64 " has a PTE table in a mapping whose tables are not modelled", id,
			     vaddr);
		pfn = v->tables[k] - 1u;
		f = pfn < m->nr_pfns ? &m->frames[pfn] : NULL;
		if (!f || !frame_is_pgtable(f) || f->order || f->refcount != 1 || f->next != id ||
		    pb_type(m, pfn) == PFNLAB_MT_CMA)
			FAIL("space %u: the PTE table of vaddr %#" PRIx64 " is on PFN %#" PRIx64 ", no order-0 table page of it outside CMA",
			     id, vaddr, pfn);
		if (s == *span && *table && *table != v->tables[k])
			FAIL("space %u: two PTE tables for vaddr %#" PRIx64, id, vaddr);
		if (s != *span || !*table)
			(*tables)++;
		*span = s;
		*table = v->tables[k];
	}
	return 0;
}

/* Every page-table entry maps a folio whose rmap points back at it, and the counts add up. */
static int check_rmap(const struct pfnlab_machine *m, uint64_t *swap_used, char *why, size_t len)
{
	uint64_t chunk = 1ull << m->thp_order, tables = 0, table_pages = 0, frag_refs = 0;

	for (unsigned id = 1; id <= m->nr_mms; id++) {
		const struct mm *mm = &m->mms[id - 1];
		uint64_t rss = 0, rss_kind[2] = {0, 0}, huge = 0, swapents = 0, span = UINT64_MAX;
		uint32_t table = 0;

		if (!mm->live)
			continue;
		if (mm->oom_victim && id != m->current_mm)
			FAIL("space %u: an OOM victim outlived its operation", id);
		for (unsigned k = 0; k < mm->nr_vmas; k++) {
			const struct vma *v = &mm->vmas[k];

			int err;

			if (k && v->start < mm->vmas[k - 1].start + mm->vmas[k - 1].pages)
				FAIL("space %u: mappings overlap or are unsorted", id);
			if ((err = check_pte_tables(m, id, v, &span, &table, &tables, why, len)))
				return err;
			for (uint64_t c = 0; c < (v->pages + chunk - 1) / chunk; c++) {
				if (!v->chunks[c])
					continue;
				for (uint64_t i = 0; i < chunk; i++) {
					uint64_t vpn = v->start + c * chunk + i, pfn, head;
					const struct frame *f;

					if (!v->chunks[c][i])
						continue;
					if (!v->no_tables && vpn < v->start + v->pages &&
					    !v->tables[(vpn >> m->pte_order) - (v->start >> m->pte_order)])
						FAIL("space %u: vaddr %#" PRIx64 " has an entry but no PTE table", id,
						     vpn << m->cfg.page_shift);
					if (v->chunks[c][i] == PTE_SWAP) {
						swapents++;
						continue;
					}
					pfn = v->chunks[c][i] - 1u;
					head = pfn < m->nr_pfns ? folio_head(m, pfn) : NIL_PFN;
					if (vpn >= v->start + v->pages)
						FAIL("space %u: PTE beyond the end of its mapping", id);
					if (head == NIL_PFN)
						FAIL("space %u: vaddr %#" PRIx64 " maps PFN %#" PRIx64 ", which is not allocated",
						     id, vpn << m->cfg.page_shift, pfn);
					f = &m->frames[head];
					if (v->huge_order) { /* hugetlbfs: hugetlb_usage, not RSS */
						if (pg_kind(m, head) != PGK_HUGETLB || f->order != v->huge_order ||
						    f->next != v->mapping ||
						    f->prev + (pfn - head) != v->pgoff + (vpn - v->start))
							FAIL("space %u: vaddr %#" PRIx64 " of a hugetlbfs mapping maps PFN %#" PRIx64 ", not page %#" PRIx64 " of its file %u",
							     id, vpn << m->cfg.page_shift, pfn, v->pgoff + (vpn - v->start),
							     v->mapping);
						huge++;
						continue;
					}
					rss++;
					if (!(f->flags & F_ANON) && v->mapping && pg_kind(m, head)) {
						if (f->next != v->mapping || f->prev != v->pgoff + (vpn - v->start))
							FAIL("space %u: vaddr %#" PRIx64 " of a mapping of file %u page %#" PRIx64 " maps PFN %#" PRIx64 " of file %u page %#x",
							     id, vpn << m->cfg.page_shift, v->mapping,
							     v->pgoff + (vpn - v->start), pfn, f->next, f->prev);
						rss_kind[pg_kind(m, head) == PGK_SHMEM]++;
						continue;
					}
					if (!(f->flags & F_ANON) || f->next != id || f->prev + (pfn - head) != vpn)
						FAIL("space %u: vaddr %#" PRIx64 " maps PFN %#" PRIx64 " whose rmap says space %u vpn %#x",
						     id, vpn << m->cfg.page_shift, pfn, f->next, f->prev);
				}
			}
		}
		if (mm->pte_frag) { /* the fragment cache's page: its tables not handed out yet count too */
			if (mm->pte_frag > m->nr_pfns || !frame_is_pgtable(&m->frames[mm->pte_frag - 1]) ||
			    m->frames[mm->pte_frag - 1].next != id || !mm->pte_frag_next || mm->pte_frag_next >= m->pte_frags)
				FAIL("space %u: its PTE fragment cache names PFN %#x, table %u", id, mm->pte_frag - 1,
				     mm->pte_frag_next);
			tables += m->pte_frags - mm->pte_frag_next;
		}
		if (rss != mm->rss)
			FAIL("space %u: %" PRIu64 " pages mapped, rss says %" PRIu64, id, rss, mm->rss);
		if (huge != mm->hugetlb_usage)
			FAIL("space %u: %" PRIu64 " hugetlb pages mapped, hugetlb_usage says %" PRIu64, id, huge,
			     mm->hugetlb_usage);
		if (swapents != mm->swapents)
			FAIL("space %u: %" PRIu64 " swap entries, MM_SWAPENTS says %" PRIu64, id, swapents, mm->swapents);
		*swap_used += swapents;
		if (rss_kind[0] != mm->rss_file || rss_kind[1] != mm->rss_shmem)
			FAIL("space %u: %" PRIu64 " file and %" PRIu64 " shmem pages mapped, counters say %" PRIu64 " and %" PRIu64,
			     id, rss_kind[0], rss_kind[1], mm->rss_file, mm->rss_shmem);
	}
	/* and every anonymous folio with mappings is found by its owner's page table */
	for (uint64_t p = 0; p < m->nr_pfns; p++) {
		const struct frame *f = &m->frames[p];
		const struct mm *mm;
		uint32_t *pte;

		if (frame_is_pgtable(f)) {
			table_pages++;
			frag_refs += f->prev;
		}
		if (!(f->flags & F_ALLOC) || !(f->flags & F_ANON) || !f->mt)
			continue;
		mm = f->next && f->next <= m->nr_mms ? &m->mms[f->next - 1] : NULL;
		if (!mm || !mm->live)
			FAIL("folio at PFN %#" PRIx64 " is mapped by space %u, which does not exist", p, f->next);
		pte = mm_pte((struct pfnlab_machine *)m, (struct mm *)mm, f->prev, false);
		if (!pte || *pte != p + 1)
			FAIL("folio at PFN %#" PRIx64 " claims vaddr %#" PRIx64 " of space %u, which maps something else",
			     p, (uint64_t)f->prev << m->cfg.page_shift, f->next);
	}
	if (table_pages != m->nr_pgtables || frag_refs != tables)
		FAIL("%" PRIu64 " pages of PTE tables (NR_PAGETABLE says %" PRIu64 ") count %" PRIu64 " tables, the spaces hold %" PRIu64,
		     table_pages, m->nr_pgtables, frag_refs, tables);
	return 0;
}

/*
 * Every set CMA bitmap bit covers pages taken by cma_alloc(); no block is
 * left isolated but those held from outside (PB_HELD), which stay so.
 */
static int check_cma(const struct pfnlab_machine *m, char *why, size_t len)
{
	for (unsigned i = 0; i < m->nr_cma; i++) {
		const struct cma_area *a = &m->cma[i];
		uint64_t bits = a->count >> a->order_per_bit;

		for (uint64_t b = 0; b < bits; b++) {
			if (!(a->bitmap[b / 64] >> (b % 64) & 1))
				continue;
			/* the bit's first page is always taken; an odd count leaves the rest free, as in Linux */
			uint64_t pfn = a->base_pfn + (b << a->order_per_bit), head = folio_head(m, pfn);
			const struct frame *f = &m->frames[pfn];

			if (head != NIL_PFN && pg_kind(m, head) == PGK_HUGETLB && m->frames[head].order >= m->nr_orders)
				continue; /* a gigantic page from hugetlb_cma */
			if (!(f->flags & F_ALLOC) || (f->flags & F_ANON) || f->order || f->refcount != 1)
				FAIL("CMA area %s: bit %" PRIu64 " set but PFN %#" PRIx64 " is not a cma_alloc page",
				     a->name, b, pfn);
		}
	}
	for (uint64_t b = 0; b < m->nr_pageblocks; b++) {
		bool isolated = (m->pageblock[b] & PB_MT_MASK) == PFNLAB_MT_ISOLATE;
		bool held = m->pageblock[b] & PB_HELD;

		if (isolated && !held)
			FAIL("pageblock at PFN %#" PRIx64 " left isolated", b << m->pb_order);
		if (held && !isolated)
			FAIL("pageblock at PFN %#" PRIx64 " was isolated from outside but no longer is",
			     b << m->pb_order);
	}
	return 0;
}

/*
 * A free block larger than a pageblock may only cover pageblocks that the
 * era's merge rule lets merge: today the same type or all mergeable, in
 * 2015 anything but ISOLATE next to another type.
 */
static int check_free_block_types(const struct pfnlab_machine *m, char *why, size_t len)
{
	for (uint64_t p = 0; p < m->nr_pfns;) {
		const struct frame *f = &m->frames[p];
		uint64_t n = 1;

		if ((f->flags & F_BUDDY) && f->order > m->pb_order) {
			int first = pb_type(m, p);

			n = 1ull << f->order;
			for (uint64_t q = p + m->pb_pages; q < p + n; q += m->pb_pages) {
				int t = pb_type(m, q);
				bool ok = m->cfg.era == PFNLAB_ERA_2015
						  ? t == first || (t != PFNLAB_MT_ISOLATE && first != PFNLAB_MT_ISOLATE)
						  : t == first || (mt_is_mergeable(t) && mt_is_mergeable(first));

				if (!ok)
					FAIL("free block at PFN %#" PRIx64 " order %u covers a %s and a %s pageblock", p,
					     f->order, migratetype_names[first], migratetype_names[t]);
			}
		} else if (f->flags & (F_BUDDY | F_ALLOC)) {
			n = 1ull << f->order;
		}
		p += n;
	}
	return 0;
}

/* Every recorded pin still holds a pin on each of its pages. */
static int check_pins(const struct pfnlab_machine *m, char *why, size_t len)
{
	for (unsigned i = 0; i < m->nr_pins; i++) {
		const struct pin_rec *r = &m->pins[i];

		for (uint64_t j = 0; r->mm && j < r->nr_runs; j++)
			for (uint32_t k = 0; k < r->runs[j].pages; k++) {
				uint64_t head = folio_head(m, r->runs[j].pfn + k);

				if (head == NIL_PFN || !folio_pincount(m, head))
					FAIL("pin %u: PFN %#x holds no pin", i + 1, r->runs[j].pfn + k);
			}
	}
	return 0;
}

/* Does mapper @mp of a file map page @index to @pfn? */
static bool mapper_maps(const struct pfnlab_machine *m, const struct mapper *mp, uint64_t index, uint64_t pfn)
{
	const struct mm *mm;
	const uint32_t *pte;

	if (index < mp->pgoff || index >= mp->pgoff + mp->pages || !mp->mm || mp->mm > m->nr_mms)
		return false;
	mm = &m->mms[mp->mm - 1];
	pte = mm->live ? mm_pte((struct pfnlab_machine *)m, (struct mm *)mm, mp->vstart + index - mp->pgoff, false)
		       : NULL;
	return pte && *pte == pfn + 1;
}

/* One page-cache folio of file @id at @index: owner fields, kind, references, mappings. */
static int check_cache_page(const struct pfnlab_machine *m, unsigned id, const struct mapping *mp, uint64_t index,
			    uint64_t pfn, uint64_t counts[3], char *why, size_t len)
{
	const struct frame *f = &m->frames[pfn];
	unsigned pf = m->pgflags[pfn], maps = 0;
	uint64_t refs;

	if (pfn >= m->nr_pfns || !(f->flags & F_ALLOC) || !(f->flags & F_LRU) || (f->flags & F_ANON) || f->order)
		FAIL("file %u page %#" PRIx64 ": PFN %#" PRIx64 " is not an allocated page-cache folio (flags %#x)", id,
		     index, pfn, f->flags);
	if (f->next != id || f->prev != index)
		FAIL("file %u page %#" PRIx64 ": PFN %#" PRIx64 " says file %u page %#x", id, index, pfn, f->next,
		     f->prev);
	if ((pf & PGK_MASK) != (mp->fs == PFNLAB_FS_SHMEM ? PGK_SHMEM : PGK_FILE))
		FAIL("file %u page %#" PRIx64 ": PFN %#" PRIx64 " has kind %u on a %s file", id, index, pfn,
		     pf & PGK_MASK, pfnlab_fs_name((enum pfnlab_fs)mp->fs));
	if ((pf & PG_PRIVATE) && mp->fs == PFNLAB_FS_SHMEM)
		FAIL("shmem page at PFN %#" PRIx64 " has buffer heads", pfn);
	if ((pf & PG_BH_HELD) && (!(pf & PG_PRIVATE) || mp->fs != PFNLAB_FS_BDEV || index >= mp->held_pages))
		FAIL("page-cache PFN %#" PRIx64 " has held buffers but is no mounted device's page with buffers", pfn);
	if ((pf & PG_DIRTY) && (pf & PG_WRITEBACK))
		FAIL("page-cache PFN %#" PRIx64 " is dirty and under writeback at once", pfn);
	for (unsigned i = 0; i < mp->nr_mappers; i++)
		maps += mapper_maps(m, &mp->mappers[i], index, pfn);
	if (maps != f->mt)
		FAIL("page-cache PFN %#" PRIx64 " (file %u page %#" PRIx64 ") has mapcount %u but %u mappings", pfn, id,
		     index, f->mt, maps);
	refs = folio_expected_refs(m, pfn);
	if (f->refcount < refs)
		FAIL("page-cache PFN %#" PRIx64 " has refcount %u, below cache + mappings + buffers = %" PRIu64, pfn,
		     f->refcount, refs);
	counts[0]++;
	counts[1] += !!(pf & PG_DIRTY);
	counts[2] += !!(pf & PG_WRITEBACK);
	return 0;
}

/*
 * A slab cache: room for its objects in its slabs, at most min_partial
 * slabs' worth to spare, each slab an allocated frame of the cache's
 * order (or its fallback) marked slab, outside CMA.
 */
static int check_slab_cache(const struct pfnlab_machine *m, const struct slab_cache *c, const char *name, char *why,
			    size_t len)
{
	uint64_t objects = 0, pages = 0;

	for (size_t i = 0; i < c->nr; i++) {
		uint64_t p = slab_at(c, i);
		const struct frame *f = p < m->nr_pfns ? &m->frames[p] : NULL;

		if (!f || !(f->flags & F_ALLOC) || (f->flags & (F_ANON | F_LRU)) ||
		    (f->order != c->order && f->order != c->min_order) || f->refcount != 1 ||
		    m->pgflags[p] != PGK_SLAB || pb_type(m, p) == PFNLAB_MT_CMA)
			FAIL("%s slab %zu at PFN %#" PRIx64 " is no allocated slab frame outside CMA", name, i, p);
		objects += (1ull << (m->cfg.page_shift + f->order)) / c->size;
		pages += 1ull << f->order;
	}
	if (objects != c->objects || pages != c->pages || c->inuse > objects)
		FAIL("%s: %zu slabs of %" PRIu64 " pages hold %" PRIu64 " objects; the cache says %" PRIu64 " pages, %" PRIu64 " objects, %" PRIu64 " in use",
		     name, c->nr, pages, objects, c->pages, c->objects, c->inuse);
	if (c->nr && (objects - c->inuse) / ((1ull << (m->cfg.page_shift + c->order)) / c->size) > c->min_partial)
		FAIL("%s: %" PRIu64 " free objects, more than %u empty slabs", name, objects - c->inuse, c->min_partial);
	return 0;
}

/*
 * The xarray nodes a file's page cache needs, counted from its slots: the
 * tree as tall as its largest index needs (none for index 0 alone), and
 * per level a node for every distinct index >> (6 * (level + 1)).
 */
static uint64_t xa_nodes_of(const struct mapping *mp)
{
	uint64_t distinct[XA_MAX_LEVELS] = {0}, last[XA_MAX_LEVELS], max = 0, n = 0, nodes = 0;
	unsigned height = 0;

	for (uint64_t i = cache_next(mp, 0); i < mp->nr_pages; i = cache_next(mp, i + 1)) {
		const uint32_t *slot = cache_lookup(mp, i);

		if (!slot || !*slot)
			continue;
		for (unsigned l = 0; l < XA_MAX_LEVELS; l++) {
			uint64_t g = i >> (6 * (l + 1));

			distinct[l] += !n || g != last[l];
			last[l] = g;
		}
		max = i;
		n++;
	}
	if (n && max)
		while (height < XA_MAX_LEVELS && max >> (6 * height))
			height++;
	for (unsigned l = 0; l < height; l++)
		nodes += distinct[l];
	return nodes;
}

/*
 * The buffer-head and xarray-node caches: a head for every block of every
 * page with buffers, the nodes every file's cache needs; no other frame
 * marked slab.
 */
static int check_slabs(const struct pfnlab_machine *m, uint64_t buffers, uint64_t slabs, char *why, size_t len)
{
	uint64_t nodes = 0;
	int err;

	if (m->bh.inuse != buffers * bh_per_folio(m))
		FAIL("buffer heads: %" PRIu64 " allocated, %" PRIu64 " pages with buffers need %" PRIu64, m->bh.inuse,
		     buffers, buffers * bh_per_folio(m));
	for (unsigned id = 1; id <= m->nr_mappings; id++) {
		const struct mapping *mp = &m->mappings[id - 1];
		uint64_t want;

		if (!mp->live || mp->xa.untracked)
			continue;
		want = xa_nodes_of(mp);
		if (mp->xa.nodes != want || mp->xa.entries != mp->nr_cached)
			FAIL("file %u: %" PRIu64 " xarray nodes for %" PRIu64 " entries, its %" PRIu64 " pages need %" PRIu64,
			     id, mp->xa.nodes, mp->xa.entries, mp->nr_cached, want);
		nodes += want;
	}
	if (m->xa_nodes.inuse != nodes)
		FAIL("xarray nodes: %" PRIu64 " allocated, the files need %" PRIu64, m->xa_nodes.inuse, nodes);
	if ((err = check_slab_cache(m, &m->bh, "buffer heads", why, len)) ||
	    (err = check_slab_cache(m, &m->xa_nodes, "xarray nodes", why, len)))
		return err;
	if (slabs != m->bh.nr + m->xa_nodes.nr)
		FAIL("%" PRIu64 " frames marked slab, the caches hold %zu", slabs, m->bh.nr + m->xa_nodes.nr);
	return 0;
}

/*
 * Every file's page cache: each slot holds a folio that names it back,
 * of the file's kind, with references for the cache, its mappings and
 * buffers; per-file and machine counts add up; no other frame carries
 * page-cache state.
 */
static int check_page_cache(const struct pfnlab_machine *m, char *why, size_t len)
{
	uint64_t file_pages = 0, shmem = 0, dirty = 0, writeback = 0, cached = 0, buffers = 0, slabs = 0;

	if (!m->pgflags)
		return m->nr_mappings ? set_why(why, len, "files exist but no page-cache state"), -EUCLEAN : 0;
	for (unsigned id = 1; id <= m->nr_mappings; id++) {
		const struct mapping *mp = &m->mappings[id - 1];
		uint64_t counts[3] = {0, 0, 0};

		if (!mp->live || mp->fs == PFNLAB_FS_HUGETLBFS) /* hugetlbfs: check_hugetlb() */
			continue;
		for (uint64_t c = 0; c < (mp->nr_pages + (1ull << CACHE_CHUNK_SHIFT) - 1) >> CACHE_CHUNK_SHIFT; c++) {
			if (!mp->chunks[c])
				continue;
			for (uint64_t i = 0; i < cache_chunk_slots(mp, c); i++) { /* no slot beyond the file's end */
				uint64_t index = (c << CACHE_CHUNK_SHIFT) + i;
				int err;

				if (!mp->chunks[c][i])
					continue;
				err = check_cache_page(m, id, mp, index, mp->chunks[c][i] - 1u, counts, why, len);
				if (err)
					return err;
			}
		}
		if (counts[0] != mp->nr_cached || counts[1] != mp->nr_dirty || counts[2] != mp->nr_writeback)
			FAIL("file %u: %" PRIu64 "/%" PRIu64 "/%" PRIu64 " pages cached/dirty/writeback, counters say %" PRIu64 "/%" PRIu64 "/%" PRIu64,
			     id, counts[0], counts[1], counts[2], mp->nr_cached, mp->nr_dirty, mp->nr_writeback);
		file_pages += counts[0];
		if (mp->fs == PFNLAB_FS_SHMEM)
			shmem += counts[0];
		else
			dirty += counts[1];
		writeback += counts[2];
		for (unsigned i = 0; i < mp->nr_mappers; i++) {
			const struct mapper *mr = &mp->mappers[i];
			const struct mm *mm = mr->mm && mr->mm <= m->nr_mms ? &m->mms[mr->mm - 1] : NULL;
			const struct vma *v = mm && mm->live ? mm_find_vma(mm, mr->vstart) : NULL;

			if (!v || v->start != mr->vstart || v->mapping != id || v->pgoff != mr->pgoff ||
			    v->pages != mr->pages)
				FAIL("file %u: mapper %u (space %u vpn %#" PRIx64 ") has no such mapping", id, i, mr->mm,
				     mr->vstart);
		}
	}
	if (file_pages != m->nr_file_pages || shmem != m->nr_shmem || dirty != m->nr_dirty ||
	    writeback != m->nr_writeback)
		FAIL("page cache: %" PRIu64 " file (%" PRIu64 " shmem), %" PRIu64 " dirty, %" PRIu64 " writeback pages; counters say %" PRIu64 " (%" PRIu64 "), %" PRIu64 ", %" PRIu64,
		     file_pages, shmem, dirty, writeback, m->nr_file_pages, m->nr_shmem, m->nr_dirty, m->nr_writeback);
	for (uint64_t p = 0; p < m->nr_pfns; p++) {
		const struct frame *f = &m->frames[p];

		if (!m->pgflags[p] || (m->pgflags[p] & PGK_MASK) == PGK_HUGETLB)
			continue;
		if (m->pgflags[p] == PGK_SLAB) {
			slabs++;
			continue;
		}
		if ((m->pgflags[p] & PGK_MASK) == PGK_ANON) {
			if (!(f->flags & F_ALLOC) || !(f->flags & F_ANON))
				FAIL("PFN %#" PRIx64 " carries anonymous LRU state but is no anonymous folio", p);
			continue;
		}
		cached++;
		buffers += !!(m->pgflags[p] & PG_PRIVATE);
		if (!(f->flags & F_ALLOC) || (f->flags & F_ANON))
			FAIL("PFN %#" PRIx64 " carries page-cache state but is no page-cache folio", p);
	}
	if (cached != file_pages)
		FAIL("%" PRIu64 " frames carry page-cache state, the files hold %" PRIu64, cached, file_pages);
	return check_slabs(m, buffers, slabs, why, len);
}

/* One hstate's free list: free pool pages only, each once, linked both ways, counted. */
static int check_hugetlb_free(const struct pfnlab_machine *m, const struct hstate *h, char *why, size_t len)
{
	uint64_t n = 0, prev = NIL_PFN;

	for (uint64_t p = h->free_head; p != NIL_PFN; p = m->frames[p].next) {
		const struct frame *f = &m->frames[p];

		if (p >= m->nr_pfns || ++n > h->free)
			FAIL("hugetlb order %u: free list longer than free_huge_pages %" PRIu64 " or out of the machine",
			     h->order, h->free);
		if (!(f->flags & F_ALLOC) || f->order != h->order || f->refcount || f->mt ||
		    m->pgflags[p] != (PGK_HUGETLB | HPG_FREED))
			FAIL("hugetlb order %u: PFN %#" PRIx64 " on the free list is not a free pool page (flags %#x order %u refcount %u pgflags %#x)",
			     h->order, p, f->flags, f->order, f->refcount, m->pgflags[p]);
		if (f->prev != prev)
			FAIL("hugetlb order %u: broken back link at PFN %#" PRIx64, h->order, p);
		prev = p;
	}
	if (n != h->free)
		FAIL("hugetlb order %u: %" PRIu64 " pages on the free list, free_huge_pages %" PRIu64, h->order, n, h->free);
	return 0;
}

/* A hugetlb page in use: in its hugetlbfs file's slot, mapped as many times as its mapcount says. */
static int check_hugetlb_used(const struct pfnlab_machine *m, uint64_t p, char *why, size_t len)
{
	const struct frame *f = &m->frames[p];
	const struct mapping *mp;
	const uint32_t *slot;
	unsigned maps = 0;

	if (m->pgflags[p] & (HPG_FREED | HPG_TEMPORARY))
		FAIL("hugetlb page at PFN %#" PRIx64 " in use but marked %s", p,
		     (m->pgflags[p] & HPG_FREED) ? "free" : "temporary");
	if (f->refcount < folio_expected_refs(m, p))
		FAIL("hugetlb page at PFN %#" PRIx64 " has refcount %u, below page cache + mappings %" PRIu64, p,
		     f->refcount, folio_expected_refs(m, p));
	if (!f->next) { /* out of its file, held by references: no mapping left */
		if (f->mt)
			FAIL("hugetlb page at PFN %#" PRIx64 " out of any file is still mapped", p);
		return 0;
	}
	mp = f->next <= m->nr_mappings ? &m->mappings[f->next - 1] : NULL;
	if (!mp || !mp->live || mp->fs != PFNLAB_FS_HUGETLBFS || (f->prev & ((1ull << f->order) - 1)))
		FAIL("hugetlb page at PFN %#" PRIx64 " says hugetlbfs file %u page %#x", p, f->next, f->prev);
	slot = cache_slot((struct pfnlab_machine *)m, (struct mapping *)mp, f->prev, false);
	if (!slot || *slot != p + 1)
		FAIL("hugetlb page at PFN %#" PRIx64 ": file %u's page %#x is not it", p, f->next, f->prev);
	for (unsigned i = 0; i < mp->nr_mappers; i++)
		maps += mapper_maps(m, &mp->mappers[i], f->prev, p);
	if (maps != f->mt)
		FAIL("hugetlb page at PFN %#" PRIx64 " has mapcount %u but %u mappings", p, f->mt, maps);
	return 0;
}

/* Walk the linked LRU list @l of lruvec @lv: links, members, counts. */
static int check_lru_list(const struct pfnlab_machine *m, int lv, int l, uint64_t *linked, char *why, size_t len)
{
	const struct lruvec *v = &m->lruvec[lv];
	uint64_t prev = NIL_PFN, n = 0;

	for (uint64_t p = v->head[l]; p != NIL_PFN; p = m->lru[p].next) {
		const struct frame *f = &m->frames[p];
		int zi = pfn_zone_index(m, p);

		if (p >= m->nr_pfns || ++n > m->nr_pfns)
			FAIL("LRU list %d of lruvec %d: a link leaves the machine or loops", l, lv);
		if (!(f->flags & F_ALLOC) || !(f->flags & F_LRU) || !folio_on_lru_kind(m, p) ||
		    !(pg_flags(m, p) & PG_LRU))
			FAIL("LRU list %d: PFN %#" PRIx64 " is not an LRU folio (flags %#x pgflags %#x)", l, p, f->flags,
			     pg_flags(m, p));
		if (folio_lru_list(m, p) != l)
			FAIL("PFN %#" PRIx64 " belongs on LRU list %d but sits on list %d", p, folio_lru_list(m, p), l);
		if (m->cfg.era == PFNLAB_ERA_2015 && zi != lv)
			FAIL("PFN %#" PRIx64 " of zone %d on the LRU of zone %d", p, zi, lv);
		if (m->lru[p].prev != prev)
			FAIL("LRU list %d: broken back link at PFN %#" PRIx64, l, p);
		*linked += 1ull << f->order;
		prev = p;
	}
	if (v->tail[l] != prev)
		FAIL("LRU list %d of lruvec %d: tail pointer wrong", l, lv);
	return 0;
}

/*
 * The hugetlb pool: each hstate's free list and counters, every hugetlb
 * folio of a registered size, free ones on their list, used ones in their
 * file; each hugetlbfs file's cache and reservations, which add up to
 * resv_huge_pages.
 */
static int check_hugetlb(const struct pfnlab_machine *m, char *why, size_t len)
{
	const struct hugetlb_state *hs = &m->hugetlb;
	uint64_t nr[HUGETLB_MAX_HSTATES] = {0}, resv[HUGETLB_MAX_HSTATES] = {0};
	int err;

	for (unsigned i = 0; i < hs->nr_hstates; i++) {
		const struct hstate *h = &hs->hstates[i];

		if (h->free > h->nr || h->resv > h->free || h->surplus > h->nr)
			FAIL("hugetlb order %u: nr %" PRIu64 " free %" PRIu64 " resv %" PRIu64 " surplus %" PRIu64 " do not fit",
			     h->order, h->nr, h->free, h->resv, h->surplus);
		err = check_hugetlb_free(m, h, why, len);
		if (err)
			return err;
	}
	if (!m->pgflags)
		return hs->hstates[0].nr || (hs->nr_hstates > 1 && hs->hstates[1].nr)
			       ? set_why(why, len, "hugetlb pages counted but no page state"), -EUCLEAN : 0;
	for (uint64_t p = 0; p < m->nr_pfns;) {
		const struct frame *f = &m->frames[p];
		unsigned i;

		if (!(f->flags & (F_ALLOC | F_BUDDY))) {
			p++;
			continue;
		}
		if ((f->flags & F_ALLOC) && pg_kind(m, p) == PGK_HUGETLB) {
			for (i = 0; i < hs->nr_hstates && hs->hstates[i].order != f->order; i++)
				;
			if (i == hs->nr_hstates)
				FAIL("hugetlb page at PFN %#" PRIx64 " of order %u, no such huge page size", p, f->order);
			if (f->flags & (F_LRU | F_ANON))
				FAIL("hugetlb page at PFN %#" PRIx64 " is on an LRU or marked anonymous", p);
			nr[i]++;
			if (f->refcount) {
				err = check_hugetlb_used(m, p, why, len);
				if (err)
					return err;
			} else if (!(m->pgflags[p] & HPG_FREED)) {
				FAIL("hugetlb page at PFN %#" PRIx64 " has refcount 0 off the free list", p);
			}
		} else if (pg_kind(m, p) == PGK_HUGETLB) {
			FAIL("PFN %#" PRIx64 " carries hugetlb state but is no hugetlb page", p);
		}
		p += 1ull << f->order;
	}
	for (unsigned id = 1; id <= m->nr_mappings; id++) {
		const struct mapping *mp = &m->mappings[id - 1];
		const struct hstate *h;
		uint64_t cached = 0;

		if (!mp->live || mp->fs != PFNLAB_FS_HUGETLBFS)
			continue;
		h = &hs->hstates[mp->hstate];
		for (uint64_t i = 0; i < mp->nr_pages >> h->order; i++) {
			uint32_t *slot = cache_slot((struct pfnlab_machine *)m, (struct mapping *)mp, i << h->order, false);
			bool reserved = mp->resv[i / 64] >> (i % 64) & 1;

			if (slot && *slot) {
				const struct frame *f = &m->frames[*slot - 1u];

				if (pg_kind(m, *slot - 1u) != PGK_HUGETLB || f->next != id || f->prev != i << h->order)
					FAIL("hugetlbfs file %u: page %#" PRIx64 " holds PFN %#x, not its hugetlb page", id,
					     i << h->order, *slot - 1u);
				cached += 1ull << h->order;
			} else {
				resv[mp->hstate] += reserved;
			}
		}
		for (uint64_t c = 0; c < (mp->nr_pages + (1ull << CACHE_CHUNK_SHIFT) - 1) >> CACHE_CHUNK_SHIFT; c++)
			for (uint64_t i = 0; mp->chunks[c] && i < cache_chunk_slots(mp, c); i++) /* huge-aligned slots only */
				if (mp->chunks[c][i] && (((c << CACHE_CHUNK_SHIFT) + i) & ((1ull << h->order) - 1)))
					FAIL("hugetlbfs file %u: a page cached at unaligned index %#" PRIx64, id,
					     (c << CACHE_CHUNK_SHIFT) + i);
		if (cached != mp->nr_cached)
			FAIL("hugetlbfs file %u: %" PRIu64 " pages cached, its count says %" PRIu64, id, cached, mp->nr_cached);
	}
	for (unsigned i = 0; i < hs->nr_hstates; i++) {
		if (nr[i] != hs->hstates[i].nr)
			FAIL("hugetlb order %u: %" PRIu64 " pages found, nr_huge_pages %" PRIu64, hs->hstates[i].order, nr[i],
			     hs->hstates[i].nr);
		if (resv[i] != hs->hstates[i].resv)
			FAIL("hugetlb order %u: %" PRIu64 " pages reserved by files and not faulted, resv_huge_pages %" PRIu64,
			     hs->hstates[i].order, resv[i], hs->hstates[i].resv);
	}
	return 0;
}

/*
 * Every anonymous and page-cache folio is on its LRU list (linked when it
 * must be: page cache always, anonymous with swap), counts per zone and
 * per list add up, nothing is left isolated; swap slots match the swap
 * entries; the OOM state is consistent.
 */
static int check_lru(const struct pfnlab_machine *m, uint64_t swap_used, char *why, size_t len)
{
	uint64_t count[PFNLAB_NR_ZONES][NR_LRU_LISTS] = {{0}}, total_linked = 0;

	for (uint64_t p = 0; p < m->nr_pfns;) {
		const struct frame *f = &m->frames[p];
		uint64_t n = (f->flags & (F_ALLOC | F_BUDDY)) ? 1ull << f->order : 1;
		int zi;

		if (!(f->flags & F_ALLOC) || !folio_on_lru_kind(m, p)) {
			p += n;
			continue;
		}
		if (!(f->flags & F_LRU))
			FAIL("folio at PFN %#" PRIx64 " is off its LRU list (left isolated)", p);
		zi = pfn_zone_index(m, p);
		count[zi][folio_lru_list(m, p)] += n;
		if (m->lru && (!(f->flags & F_ANON) || m->swap_pages) && !(pg_flags(m, p) & PG_LRU))
			FAIL("folio at PFN %#" PRIx64 " should be linked on its LRU list", p);
		p += n;
	}
	for (int z = 0; z < m->nr_zones; z++)
		for (int l = 0; l < NR_LRU_LISTS; l++)
			if (count[z][l] != m->zone_lru[z][l])
				FAIL("zone %s: %" PRIu64 " pages belong on LRU list %d, its count says %" PRIu64,
				     m->zones[z].name, count[z][l], l, m->zone_lru[z][l]);
	for (int lv = 0; lv < PFNLAB_NR_ZONES; lv++) {
		for (int l = 0; l < NR_LRU_LISTS; l++) {
			uint64_t sum = 0;

			for (int z = 0; z < m->nr_zones; z++)
				if (m->cfg.era == PFNLAB_ERA_CURRENT || z == lv)
					sum += m->zone_lru[z][l];
			if ((m->cfg.era == PFNLAB_ERA_CURRENT && lv > 0) || lv >= m->nr_zones)
				sum = 0;
			if (m->lruvec[lv].nr[l] != sum)
				FAIL("lruvec %d list %d counts %" PRIu64 " pages, the zones %" PRIu64, lv, l,
				     m->lruvec[lv].nr[l], sum);
			if (m->lru && m->lruvec[lv].head[l] != NIL_PFN) {
				int err = check_lru_list(m, lv, l, &total_linked, why, len);

				if (err)
					return err;
			}
		}
		if (m->lruvec[lv].isolated[0] || m->lruvec[lv].isolated[1])
			FAIL("lruvec %d: %" PRIu64 " anon and %" PRIu64 " file pages still isolated", lv,
			     m->lruvec[lv].isolated[0], m->lruvec[lv].isolated[1]);
	}
	if (m->lru) {
		uint64_t pglru_pages = 0;

		for (uint64_t p = 0; p < m->nr_pfns; p++)
			if (m->pgflags[p] & PG_LRU)
				pglru_pages += 1ull << m->frames[p].order;
		if (pglru_pages != total_linked)
			FAIL("%" PRIu64 " pages are marked linked, the LRU lists hold %" PRIu64, pglru_pages, total_linked);
	}
	if (swap_used != m->swap_used || m->swap_used > m->swap_pages)
		FAIL("%" PRIu64 " swap entries in page tables, %" PRIu64 " of %" PRIu64 " slots in use", swap_used,
		     m->swap_used, m->swap_pages);
	if (m->task_depth || m->reclaim_depth || m->kswapd.running || m->kswapd.pending)
		FAIL("an operation left its context behind (task depth %u, reclaim depth %u, kswapd %s)", m->task_depth,
		     m->reclaim_depth, m->kswapd.running ? "running" : m->kswapd.pending ? "pending" : "asleep");
	return 0;
}

int pfnlab_check(const struct pfnlab_machine *m, char *why, size_t len)
{
	if (!m)
		return -EINVAL;
	uint64_t swap_used = 0;
	int err = check_pageblocks(m, why, len);

	if (!err)
		err = check_cma(m, why, len);
	if (!err)
		err = check_pins(m, why, len);
	if (!err)
		err = check_free_block_types(m, why, len);

	if (!err)
		err = check_rmap(m, &swap_used, why, len);
	if (!err)
		err = check_page_cache(m, why, len);
	if (!err)
		err = check_hugetlb(m, why, len);
	if (!err)
		err = check_lru(m, swap_used, why, len);

	for (int i = 0; !err && i < m->nr_zones; i++) {
		err = check_lists(m, &m->zones[i], why, len);
		if (!err)
			err = check_pcp(m, &m->zones[i], why, len);
		if (!err)
			err = check_marks(m, &m->zones[i], why, len);
		if (!err)
			err = check_frames(m, &m->zones[i], why, len);
		if (!err)
			err = check_compaction(m, &m->zones[i], why, len);
	}
	return err;
}
