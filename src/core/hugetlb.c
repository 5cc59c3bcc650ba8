/*
 * hugetlb.c - the hugetlb pool: huge page sizes (hstates), their pages
 * free and in use, how the pool grows and shrinks, gigantic pages,
 * hugetlb_cma, hugetlbfs files and their faults, and what alloc_contig_range()
 * and migration do with hugetlb pages.
 *
 * Models mm/hugetlb.c (Debian 6.1.192; 6.12 and v4.2 where they differ):
 *   - hstates registered as the kernel does: hugepagesz= / default_hugepagesz=
 *     in command-line order, then the architecture's (x86_64: the 1 GiB size
 *     when the CPU has GBPAGES (arch_initcall), then HPAGE_SIZE in
 *     hugetlb_init(); ppc64: 16 MiB, then 16 GiB); the default one is
 *     HPAGE_SIZE unless default_hugepagesz= names another;
 *   - the pool: free pages on a LIFO free list (enqueue_huge_page(),
 *     dequeue_huge_page_node_exact(): PF_MEMALLOC_PIN takes only pinnable
 *     pages), nr/free/resv/surplus/overcommit, free_huge_page() (a
 *     temporary page, or any page while the pool has surplus, goes back to
 *     the buddy allocator);
 *   - set_max_huge_pages() (vm.nr_hugepages): surplus made persistent,
 *     then alloc_pool_huge_page() until the first failure; shrinking frees
 *     free pages down to what reservations need, the rest becomes surplus;
 *   - alloc_buddy_huge_page(): htlb_alloc_mask() (GFP_HIGHUSER_MOVABLE when
 *     the size can migrate and is not gigantic) | __GFP_THISNODE | __GFP_COMP
 *     | __GFP_NOWARN | __GFP_RETRY_MAYFAIL (v4.2: __GFP_REPEAT, pfnlab's
 *     bit for it that only era 2015's slow path reads), counting
 *     htlb_buddy_alloc_success/fail; with one node node_alloc_noretry never
 *     matters (the first failure ends the write);
 *   - gigantic pages: cma_alloc() from hugetlb_cma, else
 *     alloc_contig_pages() (zones from the highest the mask allows, every
 *     aligned range of one zone without reserved or hugetlb pages, through
 *     alloc_contig_range(MIGRATE_MOVABLE)); v4.2's alloc_gigantic_page()
 *     walks zones from the lowest and wants every page of the range free;
 *     at boot from memblock, top-down, unless hugetlb_cma is set;
 *   - hugetlb_cma_reserve(): one area "hugetlb0", rounded up to the
 *     gigantic size, order_per_bit HUGETLB_PAGE_ORDER, placed as any cma=;
 *   - hugetlbfs: hugetlb_reserve_pages() at mmap (gather_surplus_pages()
 *     with overcommit, else -ENOMEM), hugetlb_no_page() takes the reserved
 *     page and maps it whole (hugetlb_usage, not RSS), remove_inode_hugepages()
 *     and hugetlb_unreserve_pages() when the file goes;
 *   - isolate_or_dissolve_huge_page(): gigantic -ENOMEM, in use ->
 *     isolated for migration, free -> alloc_and_dissolve_huge_page();
 *     6.1 may give migration a free page inside the isolated range as a
 *     target and puts the migrated page back into the pool there; 6.12
 *     skips isolated pageblocks when dequeuing and dissolves what is left
 *     (replace_free_hugepage_folios());
 *   - migration targets: alloc_huge_page_nodemask() (a free pool page when
 *     free > reserved, else a temporary page from the buddy allocator,
 *     never for a gigantic size), v5.1's new_non_cma_page() (never the
 *     pool), v4.2's alloc_huge_page_node() (else a surplus page within
 *     overcommit); move_hugetlb_state().
 *
 * Simplified: one node; no subpools (hugetlbfs size=/min_size=), cgroups,
 * demotion, vmemmap freeing (only its boot message), private (COW)
 * hugetlbfs mappings, MAP_NORESERVE; hugetlbfs files are created at their
 * final size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static uint64_t hpages(const struct hstate *h)
{
	return 1ull << h->order;
}

bool hstate_is_gigantic(const struct pfnlab_machine *m, const struct hstate *h)
{
	return h->order >= m->nr_orders;
}

/* The hstate of the hugetlb folio at @head. */
struct hstate *folio_hstate(struct pfnlab_machine *m, uint64_t head)
{
	struct hugetlb_state *hs = &m->hugetlb;

	for (unsigned i = 0; i < hs->nr_hstates; i++)
		if (hs->hstates[i].order == m->frames[head].order)
			return &hs->hstates[i];
	return &hs->hstates[hs->default_idx]; /* not reached: every hugetlb folio has its hstate's order */
}

static bool x86(const struct pfnlab_machine *m)
{
	return m->cfg.page_shift == 12;
}

/*
 * models hugepage_migration_supported(): v6.1 every size on x86_64 and
 * ppc64 (PMD and PUD sizes); v4.2 only x86_64's PMD size (powerpc gained
 * hugepage migration later)
 */
bool hugepage_migration_supported(const struct pfnlab_machine *m, const struct hstate *h)
{
	if (m->cfg.era == PFNLAB_ERA_CURRENT)
		return true;
	return x86(m) && h->order == m->pb_order;
}

/* models htlb_alloc_mask(): movable when the size can migrate and is not gigantic */
static pfnlab_gfp_t htlb_alloc_mask(const struct pfnlab_machine *m, const struct hstate *h)
{
	return hugepage_migration_supported(m, h) && !hstate_is_gigantic(m, h) ? PFNLAB_GFP_HIGHUSER_MOVABLE
									      : PFNLAB_GFP_HIGHUSER;
}

/* May a pin keep the page at @pfn where it is (is_longterm_pinnable_page())? */
static bool page_pinnable(const struct pfnlab_machine *m, uint64_t pfn, bool movable_too)
{
	const struct zone *z;
	int mt = pb_type(m, pfn);

	if (mt == PFNLAB_MT_CMA || mt == PFNLAB_MT_ISOLATE)
		return false;
	if (!movable_too)
		return true;
	z = pfn_zone((struct pfnlab_machine *)m, pfn);
	return !z || z->type != PFNLAB_ZONE_MOVABLE;
}

/* ---------------------------------------------------------------- the pool */

/* models enqueue_huge_page(): onto the head of the free list */
static void enqueue_huge_page(struct pfnlab_machine *m, struct hstate *h, uint64_t head)
{
	struct frame *f = &m->frames[head];

	f->refcount = 0;
	f->mt = 0;
	f->prev = NIL_PFN;
	f->next = h->free_head;
	if (h->free_head != NIL_PFN)
		m->frames[h->free_head].prev = (uint32_t)head;
	h->free_head = (uint32_t)head;
	m->pgflags[head] = PGK_HUGETLB | HPG_FREED;
	h->free++;
}

/* Take the free page @head off the free list (list_del()). */
static void unlink_free(struct pfnlab_machine *m, struct hstate *h, uint64_t head)
{
	struct frame *f = &m->frames[head];

	if (f->prev != NIL_PFN)
		m->frames[f->prev].next = f->next;
	else
		h->free_head = f->next;
	if (f->next != NIL_PFN)
		m->frames[f->next].prev = f->prev;
	f->next = f->prev = 0;
	m->pgflags[head] &= (uint16_t)~HPG_FREED;
	h->free--;
}

/*
 * models dequeue_huge_page_node_exact(): the first free page (the last
 * freed), under PF_MEMALLOC_PIN only a pinnable one, under
 * memalloc_nocma (v5.9-v5.12) none in CMA, in 6.12 none in an isolated
 * pageblock (6.1 may hand alloc_contig_range() a page inside the range it
 * empties); refcount 1; NIL_PFN if none
 */
static uint64_t dequeue_huge_page(struct pfnlab_machine *m, struct hstate *h, bool pin, bool nocma)
{
	bool skip_isolated = m->cfg.era == PFNLAB_ERA_CURRENT && m->cfg.kernel == PFNLAB_KERNEL_6_12;

	for (uint32_t p = h->free_head; p != NIL_PFN; p = m->frames[p].next) {
		if (pin && !page_pinnable(m, p, true))
			continue;
		if (nocma && !page_pinnable(m, p, false))
			continue;
		if (skip_isolated && pb_type(m, p) == PFNLAB_MT_ISOLATE)
			continue;
		unlink_free(m, h, p);
		m->frames[p].refcount = 1;
		return p;
	}
	return NIL_PFN;
}

/* A gigantic page's frames become the 2^order single pages alloc_contig_range() hands out. */
static void destroy_compound_gigantic_page(struct pfnlab_machine *m, uint64_t head, unsigned order)
{
	for (uint64_t p = head; p < head + (1ull << order); p++)
		m->frames[p] = (struct frame){.flags = F_ALLOC, .refcount = 1};
}

/*
 * models update_and_free_page(): the page leaves hugetlb; a gigantic one
 * goes back to hugetlb_cma (cma_release()) or the buddy allocator
 * (free_contig_range()), a smaller one to the buddy allocator
 */
static void update_and_free_page(struct pfnlab_machine *m, struct hstate *h, uint64_t head)
{
	struct frame *f = &m->frames[head];
	int cma = m->hugetlb.cma;

	m->pgflags[head] = 0;
	f->next = f->prev = 0;
	f->mt = 0;
	if (!hstate_is_gigantic(m, h)) {
		f->refcount = 1;
		f->flags = F_ALLOC;
		if (f->order)
			m->frames[head + 1].refcount = 0;
		free_frames(m, head, h->order);
		return;
	}
	destroy_compound_gigantic_page(m, head, h->order);
	if (cma >= 0 && head >= m->cma[cma].base_pfn && head < m->cma[cma].base_pfn + m->cma[cma].count &&
	    pfnlab_cma_release(m, (unsigned)cma, head, hpages(h)) == 0)
		return;
	pfnlab_free_contig_range(m, head, hpages(h));
}

/* models remove_hugetlb_page() + update_and_free_page() of a free page */
static void remove_and_free(struct pfnlab_machine *m, struct hstate *h, uint64_t head, bool acct_surplus)
{
	unlink_free(m, h, head);
	h->nr--;
	if (acct_surplus)
		h->surplus--;
	update_and_free_page(m, h, head);
}

/*
 * models prep_new_huge_page(): the fresh block at @pfn (an allocation of
 * the hstate's order, or for a gigantic size 2^order single pages) becomes
 * a hugetlb folio, frozen (refcount 0), counted in the pool but on no list
 */
static void prep_new_huge_page(struct pfnlab_machine *m, struct hstate *h, uint64_t pfn)
{
	struct frame *f = &m->frames[pfn];

	if (hstate_is_gigantic(m, h)) /* prep_compound_gigantic_page() */
		for (uint64_t p = pfn + 1; p < pfn + hpages(h); p++)
			m->frames[p] = (struct frame){0};
	else if (h->order)
		m->frames[pfn + 1].refcount = 0;
	*f = (struct frame){.flags = F_ALLOC, .order = (uint8_t)h->order};
	m->pgflags[pfn] = PGK_HUGETLB;
	h->nr++;
}

/*
 * models free_huge_page(): the last reference to a hugetlb folio is gone;
 * a temporary page, or any page while the pool holds surplus pages, goes
 * back to the buddy allocator, else to the free list
 */
void free_huge_page(struct pfnlab_machine *m, uint64_t head)
{
	struct hstate *h = folio_hstate(m, head);
	struct frame *f = &m->frames[head];

	f->flags &= (uint8_t)~F_PINNED;
	f->next = f->prev = 0;
	f->mt = 0;
	if (h->order)
		m->frames[head + 1].refcount = 0;
	if (m->pgflags[head] & HPG_TEMPORARY) {
		h->nr--;
		update_and_free_page(m, h, head);
	} else if (h->surplus) {
		h->nr--;
		h->surplus--;
		update_and_free_page(m, h, head);
	} else {
		enqueue_huge_page(m, h, head);
	}
}

/*
 * models alloc_buddy_huge_page(): one block of the hstate's order from the
 * buddy allocator with @gfp | __GFP_COMP | __GFP_NOWARN | __GFP_RETRY_MAYFAIL
 * (v4.2's callers passed __GFP_REPEAT instead), counting
 * htlb_buddy_alloc_success/fail; NIL_PFN on failure
 */
static uint64_t alloc_buddy_huge_page(struct pfnlab_machine *m, const struct hstate *h, pfnlab_gfp_t gfp)
{
	uint64_t pfn;

	gfp |= PFNLAB___GFP_COMP | PFNLAB___GFP_NOWARN;
	gfp |= m->cfg.era == PFNLAB_ERA_CURRENT ? PFNLAB___GFP_RETRY_MAYFAIL : PFNLAB___GFP_REPEAT;
	pfn = pfnlab_fault_should_fail(m, PFNLAB_FAULT_HUGETLB_ALLOC) ? NIL_PFN : alloc_frames(m, gfp, h->order);
	m->vm[pfn == NIL_PFN ? VM_HTLB_BUDDY_ALLOC_FAIL : VM_HTLB_BUDDY_ALLOC_SUCCESS]++;
	return pfn;
}

/*
 * models pfn_range_valid_contig() (v6.1: online, one zone, no reserved or
 * hugetlb page) and v4.2's pfn_range_valid_gigantic() (also no page in
 * use).  v4.2 would also take a free CMA range: its isolation accepted CMA
 * pageblocks and undid it as MOVABLE, retyping part of the area; pfnlab
 * keeps CMA areas whole and skips such ranges.
 */
static bool range_valid_contig(const struct pfnlab_machine *m, const struct zone *z, uint64_t start, uint64_t nr)
{
	if (m->cfg.era == PFNLAB_ERA_2015 && boot_cma_overlap(m, start, start + nr))
		return false;
	for (uint64_t p = start; p < start + nr;) {
		const struct frame *f = &m->frames[p];

		if ((f->flags & (F_HOLE | F_RESERVED)) || !zone_spans(z, p))
			return false;
		if (f->flags & F_BUDDY) {
			p += 1ull << f->order;
		} else if (f->flags & F_ALLOC) {
			if (pg_kind(m, p) == PGK_HUGETLB || m->cfg.era == PFNLAB_ERA_2015)
				return false;
			p += 1ull << f->order;
		} else {
			if (m->cfg.era == PFNLAB_ERA_2015 && !(f->flags & F_PCP) && folio_head(m, p) != NIL_PFN)
				return false;
			p++;
		}
	}
	return true;
}

/* One zone's aligned candidates for alloc_contig_pages(); the first PFN taken, or NIL_PFN. */
static uint64_t alloc_contig_in_zone(struct pfnlab_machine *m, const struct zone *z, uint64_t nr)
{
	uint64_t end = z->start_pfn + z->spanned;

	for (uint64_t pfn = (z->start_pfn + nr - 1) & ~(nr - 1); pfn + nr <= end; pfn += nr)
		if (range_valid_contig(m, z, pfn, nr) && alloc_contig_range(m, pfn, pfn + nr, PFNLAB_MT_MOVABLE) == 0)
			return pfn;
	return NIL_PFN;
}

/*
 * models alloc_contig_pages(), mm/page_alloc.c: zones from the highest
 * @gfp allows down (v4.2's alloc_gigantic_page(): from ZONE_DMA up)
 */
static uint64_t alloc_contig_pages(struct pfnlab_machine *m, uint64_t nr, pfnlab_gfp_t gfp)
{
	int top = gfp_zone(m, gfp);

	for (int k = 0; k < m->nr_zones; k++) {
		int i = m->cfg.era == PFNLAB_ERA_2015 ? k : m->nr_zones - 1 - k;
		uint64_t pfn;

		if (m->zones[i].type > top)
			continue;
		pfn = alloc_contig_in_zone(m, &m->zones[i], nr);
		if (pfn != NIL_PFN)
			return pfn;
	}
	return NIL_PFN;
}

/* models alloc_gigantic_page(): hugetlb_cma first (v6.1), then alloc_contig_pages() */
static uint64_t alloc_gigantic_page(struct pfnlab_machine *m, const struct hstate *h, pfnlab_gfp_t gfp)
{
	uint64_t pfn;

	if (pfnlab_fault_should_fail(m, PFNLAB_FAULT_HUGETLB_ALLOC))
		return NIL_PFN;
	if (m->hugetlb.cma >= 0 && cma_alloc(m, (unsigned)m->hugetlb.cma, hpages(h), h->order, true, &pfn) == 0)
		return pfn;
	return alloc_contig_pages(m, hpages(h), gfp);
}

/* models alloc_fresh_huge_page(): a new frozen hugetlb folio counted in the pool; NIL_PFN */
static uint64_t alloc_fresh_huge_page(struct pfnlab_machine *m, struct hstate *h, pfnlab_gfp_t gfp)
{
	uint64_t pfn = hstate_is_gigantic(m, h) ? alloc_gigantic_page(m, h, gfp) : alloc_buddy_huge_page(m, h, gfp);

	if (pfn != NIL_PFN)
		prep_new_huge_page(m, h, pfn);
	return pfn;
}

/* models alloc_pool_huge_page(): one more free page in the pool; false when none could be had */
static bool alloc_pool_huge_page(struct pfnlab_machine *m, struct hstate *h)
{
	uint64_t pfn = alloc_fresh_huge_page(m, h, htlb_alloc_mask(m, h) | PFNLAB___GFP_THISNODE);

	if (pfn == NIL_PFN)
		return false;
	free_huge_page(m, pfn);
	return true;
}

/*
 * models alloc_surplus_huge_page(): a fresh page beyond nr_hugepages,
 * within nr_overcommit_hugepages (never gigantic); refcount 0, not on the
 * free list; NIL_PFN
 */
static uint64_t alloc_surplus_huge_page(struct pfnlab_machine *m, struct hstate *h)
{
	uint64_t pfn;

	if (hstate_is_gigantic(m, h) || h->surplus >= h->overcommit)
		return NIL_PFN;
	pfn = alloc_fresh_huge_page(m, h, htlb_alloc_mask(m, h));
	if (pfn != NIL_PFN)
		h->surplus++;
	return pfn;
}

#define persistent_huge_pages(h) ((h)->nr - (h)->surplus)

/* models set_max_huge_pages() */
int pfnlab_hugetlb_set_pages(struct pfnlab_machine *m, unsigned idx, uint64_t count)
{
	struct hstate *h;
	uint64_t min_count;

	if (idx >= m->hugetlb.nr_hstates)
		return -EINVAL;
	if (pgflags_ensure(m))
		return -ENOMEM;
	h = &m->hugetlb.hstates[idx];
	while (h->surplus && count > persistent_huge_pages(h)) /* adjust_pool_surplus(-1) */
		h->surplus--;
	while (count > persistent_huge_pages(h))
		if (!alloc_pool_huge_page(m, h))
			goto out;
	min_count = h->resv + h->nr - h->free;
	if (min_count < count)
		min_count = count;
	while (min_count < persistent_huge_pages(h) && h->free_head != NIL_PFN) /* remove_pool_huge_page() */
		remove_and_free(m, h, h->free_head, false);
	while (count < persistent_huge_pages(h)) /* adjust_pool_surplus(+1) */
		h->surplus++;
out:
	h->max = persistent_huge_pages(h);
	return 0;
}

int pfnlab_hugetlb_set_overcommit(struct pfnlab_machine *m, unsigned idx, uint64_t count)
{
	struct hstate *h;

	if (idx >= m->hugetlb.nr_hstates)
		return -EINVAL;
	h = &m->hugetlb.hstates[idx];
	if (hstate_is_gigantic(m, h))
		return -EINVAL;
	h->overcommit = count;
	return 0;
}

/*
 * models gather_surplus_pages() via hugetlb_acct_memory(): reserve @delta
 * pages, first from free pages nobody reserved, then surplus pages from
 * the buddy allocator within overcommit; -ENOMEM changes nothing
 */
static int gather_surplus_pages(struct pfnlab_machine *m, struct hstate *h, uint64_t delta)
{
	uint64_t needed = h->resv + delta > h->free ? h->resv + delta - h->free : 0;
	uint64_t *got;
	uint64_t n = 0;

	if (!needed) {
		h->resv += delta;
		return 0;
	}
	got = host_alloc(m, (size_t)needed * sizeof(*got));
	if (!got)
		return -ENOMEM;
	while (n < needed) {
		uint64_t pfn = alloc_surplus_huge_page(m, h);

		if (pfn == NIL_PFN)
			break;
		got[n++] = pfn;
	}
	if (n == needed)
		h->resv += delta;
	for (uint64_t i = 0; i < n; i++) {
		if (n == needed) {
			enqueue_huge_page(m, h, got[i]);
		} else { /* not enough: the surplus pages go back */
			h->nr--;
			h->surplus--;
			update_and_free_page(m, h, got[i]);
		}
	}
	free(got);
	return n == needed ? 0 : -ENOMEM;
}

/*
 * models hugetlb_acct_memory() for a negative delta: the reservation drops
 * and free surplus pages go back (return_unused_surplus_pages())
 */
static void return_unused_surplus_pages(struct pfnlab_machine *m, struct hstate *h, uint64_t unused)
{
	uint64_t n = unused < h->surplus ? unused : h->surplus;

	h->resv -= unused;
	if (hstate_is_gigantic(m, h))
		return;
	while (n-- && h->free_head != NIL_PFN)
		remove_and_free(m, h, h->free_head, true);
}

/* ------------------------------------------------------------- hugetlbfs */

static uint64_t bits_set(const uint64_t *b, uint64_t from, uint64_t to)
{
	uint64_t n = 0;

	for (uint64_t i = from; i < to; i++)
		n += b[i / 64] >> (i % 64) & 1;
	return n;
}

int pfnlab_hugetlbfs_create(struct pfnlab_machine *m, const char *name, uint64_t page_bytes, uint64_t bytes,
			    unsigned *id)
{
	int idx = pfnlab_hugetlb_find(m, page_bytes);
	uint64_t hsize, huge, *resv;
	struct mapping *mp;
	int err;

	if (idx < 0 || !bytes)
		return -EINVAL;
	hsize = (uint64_t)1 << (m->hugetlb.hstates[idx].order + m->cfg.page_shift);
	if (bytes > UINT64_MAX - hsize)
		return -EINVAL;
	huge = (bytes + hsize - 1) / hsize;
	resv = calloc((size_t)(huge + 63) / 64, sizeof(uint64_t));
	if (!resv)
		return -ENOMEM;
	err = mapping_create(m, name, PFNLAB_FS_HUGETLBFS, huge * hsize, id);
	if (err) {
		free(resv);
		return err;
	}
	mp = &m->mappings[*id - 1];
	mp->hstate = (unsigned)idx;
	mp->resv = resv;
	return 0;
}

/*
 * models hugetlb_reserve_pages() of a shared mapping: the huge pages of
 * [@pgoff, @pgoff + @pages) (base pages) not reserved yet in the file's
 * reserve map are reserved in the pool; -ENOMEM when they cannot be
 */
int hugetlb_reserve_pages(struct pfnlab_machine *m, struct mapping *mp, uint64_t pgoff, uint64_t pages)
{
	struct hstate *h = &m->hugetlb.hstates[mp->hstate];
	uint64_t from = pgoff >> h->order, to = (pgoff + pages) >> h->order;
	uint64_t chg = (to - from) - bits_set(mp->resv, from, to);
	int err = gather_surplus_pages(m, h, chg);

	if (err)
		return err;
	for (uint64_t i = from; i < to; i++)
		mp->resv[i / 64] |= 1ull << (i % 64);
	return 0;
}

/*
 * models remove_inode_hugepages() + hugetlb_unreserve_pages() when a
 * hugetlbfs file goes: every page leaves the page cache (freed to the pool
 * unless still referenced), then the reservations never faulted are given
 * back
 */
void hugetlbfs_evict(struct pfnlab_machine *m, struct mapping *mp)
{
	struct hstate *h = &m->hugetlb.hstates[mp->hstate];
	uint64_t nr = mp->nr_pages >> h->order, freed = 0;

	for (uint64_t i = 0; i < nr; i++) {
		uint32_t *slot = cache_slot(m, mp, i << h->order, false);
		uint64_t head;

		if (!slot || !*slot)
			continue;
		head = *slot - 1u;
		*slot = 0;
		mp->nr_cached -= hpages(h);
		m->frames[head].next = m->frames[head].prev = 0;
		m->pgflags[head] &= (uint16_t)~HPG_MIGRATABLE; /* no mapping: migration refuses it (-EBUSY) */
		freed++;
		if (!--m->frames[head].refcount)
			free_huge_page(m, head);
	}
	return_unused_surplus_pages(m, h, bits_set(mp->resv, 0, nr) - freed);
	free(mp->resv);
	mp->resv = NULL;
}

/* The free page a fault takes: pin-aware spaces prefer one a pin may keep (pfnlab's own). */
static uint64_t dequeue_for_fault(struct pfnlab_machine *m, struct hstate *h, const struct mm *mm)
{
	uint64_t pfn = NIL_PFN;

	if (mm->pin_aware && m->cfg.pin_policy == PFNLAB_PIN_AWARE)
		pfn = dequeue_huge_page(m, h, true, false);
	return pfn != NIL_PFN ? pfn : dequeue_huge_page(m, h, false, false);
}

/*
 * models alloc_huge_page() + hugetlb_add_to_page_cache() for page @index
 * (base pages, huge-aligned) of @mp: the reserved page (resv_huge_pages
 * drops), else a free one nobody reserved, else a surplus page; NIL_PFN
 */
static uint64_t hugetlb_new_page(struct pfnlab_machine *m, unsigned id, struct mapping *mp, uint64_t index,
				 const struct mm *mm)
{
	struct hstate *h = &m->hugetlb.hstates[mp->hstate];
	uint64_t hidx = index >> h->order, pfn;
	bool reserved = mp->resv[hidx / 64] >> (hidx % 64) & 1;

	if (reserved || h->free > h->resv) {
		pfn = dequeue_for_fault(m, h, mm);
		if (pfn != NIL_PFN && reserved)
			h->resv--;
	} else {
		pfn = alloc_surplus_huge_page(m, h);
		if (pfn != NIL_PFN)
			m->frames[pfn].refcount = 1;
	}
	if (pfn == NIL_PFN)
		return NIL_PFN;
	m->frames[pfn].next = id;
	m->frames[pfn].prev = (uint32_t)index;
	m->pgflags[pfn] = PGK_HUGETLB | HPG_MIGRATABLE;
	mp->nr_cached += hpages(h);
	if (m->ram)
		memset(m->ram + (pfn << m->cfg.page_shift), 0, (size_t)hpages(h) << m->cfg.page_shift);
	return pfn;
}

/*
 * models hugetlb_fault() -> hugetlb_no_page() of a shared hugetlbfs
 * mapping: the huge page holding @vpn, from the page cache or newly
 * taken from the pool, mapped whole; returns the pages newly mapped,
 * -EFAULT or -ENOMEM (VM_FAULT_OOM / SIGBUS: no page for it)
 */
long hugetlb_fault(struct pfnlab_machine *m, struct mm *mm, struct vma *v, uint64_t vpn)
{
	struct mapping *mp = mapping_get(m, v->mapping);
	uint64_t nr = 1ull << v->huge_order, base = vpn & ~(nr - 1), index = v->pgoff + (base - v->start), head;
	uint32_t *pte = mm_pte(m, mm, base, true), *slot;

	if (!mp || index >= mp->nr_pages)
		return -EFAULT;
	if (!pte)
		return -ENOMEM;
	if (*pte)
		return 0;
	slot = cache_slot(m, mp, index, true);
	if (!slot)
		return -ENOMEM;
	head = *slot ? *slot - 1u : hugetlb_new_page(m, v->mapping, mp, index, mm);
	if (head == NIL_PFN)
		return -ENOMEM;
	*slot = (uint32_t)(head + 1);
	for (uint64_t i = 0; i < nr; i++) {
		uint32_t *e = mm_pte(m, mm, base + i, true);

		if (!e) { /* out of host memory part way: the page stays cached, unmapped */
			while (i--)
				*mm_pte(m, mm, base + i, false) = 0;
			return -ENOMEM;
		}
		*e = (uint32_t)(head + i + 1);
	}
	m->frames[head].mt++;
	m->frames[head].refcount++;
	mm->hugetlb_usage += nr;
	return (long)nr;
}

/* models unmap_hugepage_range(): a mapping's huge pages are unmapped */
void hugetlb_unmap_vma(struct pfnlab_machine *m, struct mm *mm, struct vma *v)
{
	uint64_t nr = 1ull << v->huge_order;

	for (uint64_t off = 0; off < v->pages; off += nr) {
		uint32_t *pte = mm_pte(m, mm, v->start + off, false);
		uint64_t head;

		if (!pte || !*pte)
			continue;
		head = *pte - 1u;
		for (uint64_t i = 0; i < nr; i++)
			*mm_pte(m, mm, v->start + off + i, false) = 0;
		m->frames[head].mt--;
		mm->hugetlb_usage -= nr;
		if (!--m->frames[head].refcount)
			free_huge_page(m, head);
	}
}

int pfnlab_mm_hugetlb(const struct pfnlab_machine *m, unsigned id, uint64_t *pages)
{
	const struct mm *mm = mm_get((struct pfnlab_machine *)m, id);

	if (!mm)
		return -ENOENT;
	*pages = mm->hugetlb_usage;
	return 0;
}

/* ----------------------------------------------- contiguous allocation, migration */

/*
 * models alloc_and_dissolve_huge_page(): a free pool page inside a range
 * being isolated is replaced by a new one (GFP_HIGHUSER_MOVABLE |
 * __GFP_THISNODE, from anywhere the allocator finds one, CMA included) and
 * freed to the buddy allocator; -ENOMEM when no new page can be had
 */
static int alloc_and_dissolve_huge_page(struct pfnlab_machine *m, struct hstate *h, uint64_t old)
{
	uint64_t pfn = alloc_buddy_huge_page(m, h, htlb_alloc_mask(m, h) | PFNLAB___GFP_THISNODE);

	if (pfn == NIL_PFN)
		return -ENOMEM;
	prep_new_huge_page(m, h, pfn);
	remove_and_free(m, h, old, false);
	enqueue_huge_page(m, h, pfn);
	return 0;
}

/*
 * models isolate_or_dissolve_huge_page() for alloc_contig_range(): a
 * gigantic page is -ENOMEM (the caller gives up); one in use is isolated
 * for migration (*@isolated) if migratable, else -EBUSY; a free one is
 * dissolved (0, its frames now free)
 */
int isolate_or_dissolve_huge_page(struct pfnlab_machine *m, uint64_t head, bool *isolated)
{
	struct hstate *h = folio_hstate(m, head);

	*isolated = false;
	if (hstate_is_gigantic(m, h))
		return -ENOMEM;
	if (m->frames[head].refcount) {
		if (!(m->pgflags[head] & HPG_MIGRATABLE)) /* folio_isolate_hugetlb() */
			return -EBUSY;
		*isolated = true;
		return 0;
	}
	return alloc_and_dissolve_huge_page(m, h, head);
}

/*
 * models replace_free_hugepage_folios() (6.12): after migration, free pool
 * pages inside [@start, @end) are dissolved and replaced; 0 or -ENOMEM
 */
int replace_free_hugepage_folios(struct pfnlab_machine *m, uint64_t start, uint64_t end)
{
	for (uint64_t p = start; p < end;) {
		const struct frame *f = &m->frames[p];

		if ((f->flags & F_ALLOC) && pg_kind(m, p) == PGK_HUGETLB && !f->refcount) {
			int err = alloc_and_dissolve_huge_page(m, folio_hstate(m, p), p);

			if (err)
				return err;
			continue; /* its frames are free now */
		}
		p += (f->flags & (F_ALLOC | F_BUDDY)) ? 1ull << f->order : 1;
	}
	return 0;
}

/*
 * models the hugetlb side of a migration target: alloc_huge_page_nodemask()
 * (v6.1; 6.12 alloc_hugetlb_folio_nodemask()): a free pool page when free
 * pages outnumber reservations (pinnable only in a pin scope, none in CMA
 * under memalloc_nocma), else alloc_migrate_huge_page(): a temporary page
 * from the buddy allocator (never gigantic); v5.1's new_non_cma_page()
 * (PFNLAB_TARGET_NO_POOL): always the latter, with the target's own mask;
 * v4.2's alloc_huge_page_node(): the pool, else a surplus page.  Returns
 * the new folio (refcount 1) or NIL_PFN.
 */
uint64_t alloc_hugetlb_target(struct pfnlab_machine *m, uint64_t src, const struct pfnlab_migrate_target *t)
{
	struct hstate *h = folio_hstate(m, src);
	bool pin = t->flags & PFNLAB_TARGET_PIN, nocma = t->flags & (PFNLAB_TARGET_NOCMA | PFNLAB_TARGET_PIN);
	pfnlab_gfp_t gfp = htlb_alloc_mask(m, h) | (t->gfp & (PFNLAB___GFP_THISNODE | PFNLAB___GFP_NOWARN));
	unsigned saved = m->memalloc_flags;
	uint64_t pfn = NIL_PFN;

	if (pfnlab_fault_should_fail(m, PFNLAB_FAULT_MIGRATE_TARGET))
		return NIL_PFN;
	if (!(t->flags & PFNLAB_TARGET_NO_POOL) && h->free > h->resv) {
		pfn = dequeue_huge_page(m, h, pin, nocma && !pin);
		if (pfn != NIL_PFN)
			return pfn;
	}
	if (hstate_is_gigantic(m, h))
		return NIL_PFN;
	if (m->cfg.era == PFNLAB_ERA_2015) {
		pfn = alloc_surplus_huge_page(m, h);
		if (pfn != NIL_PFN)
			m->frames[pfn].refcount = 1;
		return pfn;
	}
	if (t->flags & PFNLAB_TARGET_NO_POOL)
		gfp = t->gfp;
	if (nocma)
		m->memalloc_flags |= MEMALLOC_NOCMA;
	if (pin)
		m->memalloc_flags |= MEMALLOC_PIN;
	pfn = alloc_fresh_huge_page(m, h, gfp);
	m->memalloc_flags = saved;
	if (pfn == NIL_PFN)
		return NIL_PFN;
	m->frames[pfn].refcount = 1;
	m->pgflags[pfn] |= HPG_TEMPORARY;
	return pfn;
}

/* A migration target that was not used goes back: to the pool, or the buddy allocator if temporary. */
void put_hugetlb_target(struct pfnlab_machine *m, uint64_t dst)
{
	free_huge_page(m, dst);
}

/*
 * models the move of an isolated hugetlbfs folio (hugetlbfs_migrate_folio(),
 * remove_migration_ptes()) and move_hugetlb_state(): @dst takes @src's
 * page-cache slot, PTEs and references; a temporary @dst hands its status
 * to @src, which is then freed (to the buddy allocator if temporary, else
 * to the pool's free list)
 */
void hugetlb_move_folio(struct pfnlab_machine *m, uint64_t src, uint64_t dst)
{
	struct frame *s = &m->frames[src], *d = &m->frames[dst];
	struct mapping *mp = mapping_get(m, s->next);
	uint64_t nr = 1ull << s->order, index = s->prev;

	d->next = s->next;
	d->prev = s->prev;
	d->mt = s->mt;
	d->refcount = s->refcount;
	if (mp) {
		*cache_slot(m, mp, index, false) = (uint32_t)(dst + 1);
		for (unsigned i = 0; i < mp->nr_mappers; i++) {
			const struct mapper *r = &mp->mappers[i];
			struct mm *mm = mm_get(m, r->mm);

			if (!mm || index < r->pgoff || index >= r->pgoff + r->pages)
				continue;
			for (uint64_t k = 0; k < nr; k++) {
				uint32_t *pte = mm_pte(m, mm, r->vstart + (index - r->pgoff) + k, false);

				if (pte && *pte == src + k + 1)
					*pte = (uint32_t)(dst + k + 1);
			}
		}
	}
	if (m->pgflags[dst] & HPG_TEMPORARY)
		m->pgflags[src] |= HPG_TEMPORARY;
	m->pgflags[dst] = PGK_HUGETLB | HPG_MIGRATABLE;
	s->refcount = 0;
	free_huge_page(m, src);
}

/* ---------------------------------------------------------------- boot */

static unsigned order_of_size(const struct pfnlab_machine *m, uint64_t bytes)
{
	unsigned o = 0;

	while (((uint64_t)1 << (o + m->cfg.page_shift)) < bytes && o < 63)
		o++;
	return o;
}

/* models arch_hugetlb_valid_size(): HPAGE_SIZE, or the gigantic size where the machine has one */
static bool valid_huge_order(const struct pfnlab_config *cfg, unsigned order)
{
	return order == cfg->pageblock_order || (cfg->gigantic_order && order == cfg->gigantic_order);
}

static bool valid_huge_size(const struct pfnlab_config *cfg, uint64_t bytes)
{
	for (unsigned o = 0; o < 40; o++)
		if (bytes == (uint64_t)1 << (o + cfg->page_shift))
			return valid_huge_order(cfg, o);
	return false;
}

/* The configuration's hugetlb boot parameters are ones the kernel would act on. */
int hugetlb_config_check(const struct pfnlab_config *cfg, char *why, size_t len)
{
	for (unsigned i = 0; i < 2; i++)
		if (cfg->hugepagesz[i] && !valid_huge_size(cfg, cfg->hugepagesz[i]))
			return set_why(why, len, "hugepagesz=%llu: unsupported huge page size",
				       (unsigned long long)cfg->hugepagesz[i]), -EINVAL;
	if (cfg->hugepagesz[0] && cfg->hugepagesz[0] == cfg->hugepagesz[1])
		return set_why(why, len, "hugepagesz=%llu given twice", (unsigned long long)cfg->hugepagesz[0]),
		       -EINVAL;
	if (cfg->hugepages[1] && !cfg->hugepagesz[1])
		return set_why(why, len, "hugepages= for a second page size needs its hugepagesz="), -EINVAL;
	if (cfg->default_hugepagesz && !valid_huge_size(cfg, cfg->default_hugepagesz))
		return set_why(why, len, "default_hugepagesz=%llu: unsupported huge page size",
			       (unsigned long long)cfg->default_hugepagesz), -EINVAL;
	if (cfg->gigantic_order && (cfg->gigantic_order <= cfg->max_order || cfg->gigantic_order > 30))
		return set_why(why, len, "gigantic page order %u must be above the largest buddy order %u",
			       cfg->gigantic_order, cfg->max_order), -EINVAL;
	if (cfg->hugetlb_cma_bytes && cfg->era != PFNLAB_ERA_CURRENT)
		return set_why(why, len, "hugetlb_cma: no such option in the 2015 kernel (v5.7)"), -EINVAL;
	if (cfg->hugetlb_cma_bytes && cfg->page_shift != 12)
		return set_why(why, len, "hugetlb_cma: modelled for x86_64 only"), -EINVAL;
	return 0;
}

/* models hugetlb_add_hstate(): register @order unless it is already */
static int add_hstate(struct pfnlab_machine *m, unsigned order)
{
	struct hugetlb_state *hs = &m->hugetlb;

	for (unsigned i = 0; i < hs->nr_hstates; i++)
		if (hs->hstates[i].order == order)
			return (int)i;
	hs->hstates[hs->nr_hstates] = (struct hstate){.order = order, .free_head = NIL_PFN};
	return (int)hs->nr_hstates++;
}

/*
 * The hstates in registration order: default_hugepagesz= and hugepagesz=
 * as parsed, then the architecture's (x86_64: gigantic_pages_init() at
 * arch_initcall, then HPAGE_SIZE in hugetlb_init(); ppc64: 16 MiB, then
 * 16 GiB); hugepages= counts noted per size.
 */
void hugetlb_setup_hstates(struct pfnlab_machine *m)
{
	const struct pfnlab_config *c = &m->cfg;
	struct hugetlb_state *hs = &m->hugetlb;
	int def = -1;

	hs->cma = -1;
	if (c->default_hugepagesz)
		def = add_hstate(m, order_of_size(m, c->default_hugepagesz));
	for (unsigned i = 0; i < 2; i++) {
		int idx;

		if (!c->hugepagesz[i]) {
			if (i == 0 && c->hugepages[0]) /* hugepages= before any hugepagesz=: the default size */
				hs->hstates[def >= 0 ? def : add_hstate(m, m->pb_order)].boot = c->hugepages[0];
			continue;
		}
		idx = add_hstate(m, order_of_size(m, c->hugepagesz[i]));
		hs->hstates[idx].boot = c->hugepages[i];
	}
	if (x86(m) && c->gigantic_order)
		add_hstate(m, c->gigantic_order);
	add_hstate(m, m->pb_order);
	if (!x86(m) && c->gigantic_order)
		add_hstate(m, c->gigantic_order);
	hs->default_idx = (unsigned)(def >= 0 ? def : add_hstate(m, m->pb_order));
}

/*
 * models hugetlb_cma_reserve(): the area "hugetlb0", the requested size
 * rounded up to the gigantic size, order_per_bit HUGETLB_PAGE_ORDER;
 * nothing (and a boot message) when it is smaller than one gigantic page,
 * the machine has no gigantic size, or there is no room
 */
void hugetlb_cma_reserve(struct pfnlab_machine *m)
{
	struct hugetlb_state *hs = &m->hugetlb;
	uint64_t size = m->cfg.hugetlb_cma_bytes, gig;

	hs->cma_asked = size;
	if (!size || !m->cfg.gigantic_order)
		return;
	gig = (uint64_t)1 << (m->cfg.gigantic_order + m->cfg.page_shift);
	if (size < gig) {
		hs->cma_err = -EINVAL;
		return;
	}
	size = (size + gig - 1) & ~(gig - 1);
	if (cma_declare(m, "hugetlb0", size, 0, 0, m->pb_order, NULL, 0))
		hs->cma_err = -ENOMEM;
	else
		hs->cma = (int)m->nr_cma - 1;
}

/*
 * models __alloc_bootmem_huge_page(): a gigantic page of memblock memory,
 * the highest free aligned range below @ceiling (the lowest one taken so
 * far: the search is top-down, so nothing free is left above it); NIL_PFN
 */
static uint64_t bootmem_huge_page(const struct pfnlab_machine *m, const struct hstate *h, uint64_t ceiling)
{
	uint64_t nr = hpages(h);

	for (uint64_t b = (ceiling - nr) & ~(nr - 1); ceiling >= nr; b -= nr) {
		bool ok = b >= m->reserved_end && !boot_cma_overlap(m, b, b + nr);

		for (uint64_t p = b; ok && p < b + nr; p++)
			ok = !(m->frames[p].flags & (F_HOLE | F_RESERVED));
		if (ok && pfn_zone_index(m, b) >= 0 && pfn_zone_index(m, b) == pfn_zone_index(m, b + nr - 1))
			return b;
		if (b < nr)
			break;
	}
	return NIL_PFN;
}

/*
 * Gigantic pages asked for at boot, from memblock before the buddy
 * allocator takes the rest (skipped when hugetlb_cma is set); they join
 * their zone's managed pages as gather_bootmem_prealloc() does.  Needs
 * pgflags[]; returns -ENOMEM without host memory for it.
 */
int hugetlb_boot_gigantic(struct pfnlab_machine *m)
{
	struct hugetlb_state *hs = &m->hugetlb;
	uint64_t ceiling = m->nr_pfns;

	for (unsigned i = 0; i < hs->nr_hstates; i++) {
		struct hstate *h = &hs->hstates[i];

		if (!hstate_is_gigantic(m, h) || !h->boot)
			continue;
		if (hs->cma >= 0) {
			hs->cma_skip = true;
			continue;
		}
		if (pgflags_ensure(m))
			return -ENOMEM;
		while (h->nr < h->boot) {
			uint64_t pfn = bootmem_huge_page(m, h, ceiling);

			if (pfn == NIL_PFN)
				break;
			ceiling = pfn;
			prep_new_huge_page(m, h, pfn);
			enqueue_huge_page(m, h, pfn);
			m->zones[pfn_zone_index(m, pfn)].managed += hpages(h);
		}
		h->max = h->booted = h->nr;
	}
	return 0;
}

/* The boot gigantic pages into @out (may be NULL); returns how many. */
size_t hugetlb_boot_ranges(const struct pfnlab_machine *m, struct pfnlab_pfn_range *out)
{
	const struct hugetlb_state *hs = &m->hugetlb;
	size_t n = 0;

	for (unsigned i = 0; i < hs->nr_hstates; i++) {
		const struct hstate *h = &hs->hstates[i];

		for (uint32_t p = h->free_head; hstate_is_gigantic(m, h) && p != NIL_PFN; p = m->frames[p].next) {
			if (out)
				out[n] = (struct pfnlab_pfn_range){p, p + hpages(h)};
			n++;
		}
	}
	return n;
}

/* The smaller sizes' hugepages= once the buddy allocator is up (hugetlb_init_hstates()). */
int hugetlb_boot_pool(struct pfnlab_machine *m)
{
	struct hugetlb_state *hs = &m->hugetlb;

	for (unsigned i = 0; i < hs->nr_hstates; i++) {
		struct hstate *h = &hs->hstates[i];

		if (hstate_is_gigantic(m, h) || !h->boot)
			continue;
		if (pgflags_ensure(m))
			return -ENOMEM;
		while (h->nr < h->boot && alloc_pool_huge_page(m, h))
			;
		h->max = h->booted = h->nr;
	}
	return 0;
}

/* string_get_size(size, 1, STRING_UNITS_2) of a power of two: "2.00 MiB", "16.0 GiB"; v4.2's memfmt(): "2 MB" */
static void size_text(const struct pfnlab_machine *m, uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;

	if (m->cfg.era == PFNLAB_ERA_2015) {
		snprintf(buf, len, "%llu %s", (unsigned long long)(bytes >= (1ull << 30) ? bytes >> 30 :
								   bytes >= (1ull << 20) ? bytes >> 20 : bytes >> 10),
			 bytes >= (1ull << 30) ? "GB" : bytes >= (1ull << 20) ? "MB" : "KB");
		return;
	}
	while (bytes >= 1024 && u < 4) {
		bytes >>= 10;
		u++;
	}
	snprintf(buf, len, bytes < 10 ? "%llu.00 %s" : bytes < 100 ? "%llu.0 %s" : "%llu %s",
		 (unsigned long long)bytes, units[u]);
}

/* hugetlb_vmemmap_optimizable_size() in KiB: x86_64 frees all but one page of a huge page's struct pages */
static unsigned long long vmemmap_kib(const struct pfnlab_machine *m, const struct hstate *h)
{
	uint64_t bytes = hpages(h) * 64;

	return x86(m) && bytes > 4096 ? (bytes - 4096) / 1024 : 0;
}

void pfnlab_hugetlb_boot_log(struct pfnlab_machine *m)
{
	const struct hugetlb_state *hs = &m->hugetlb;
	bool cur = m->cfg.era == PFNLAB_ERA_CURRENT;
	char buf[32];

	if (hs->cma_asked && m->cfg.gigantic_order) { /* hugetlb_cma_reserve() in setup_arch() */
		uint64_t gig = (uint64_t)1 << (m->cfg.gigantic_order + m->cfg.page_shift);

		if (hs->cma_err == -EINVAL) {
			log_printf(m, "hugetlb_cma: cma area should be at least %llu MiB", (unsigned long long)(gig >> 20));
		} else {
			log_printf(m, "hugetlb_cma: reserve %llu MiB, up to %llu MiB per node",
				   (unsigned long long)(hs->cma_asked >> 20),
				   (unsigned long long)(((hs->cma_asked + gig - 1) & ~(gig - 1)) >> 20));
			if (hs->cma < 0) {
				log_printf(m, "hugetlb_cma: reservation failed: err %d, node 0", -ENOMEM);
			} else {
				const struct cma_area *a = &m->cma[hs->cma];
				unsigned long long mib = (a->count << m->cfg.page_shift) >> 20;

				log_printf(m, m->cfg.kernel == PFNLAB_KERNEL_6_12 ? "cma: Reserved %llu MiB at 0x%016llx on node 0"
										    : "cma: Reserved %llu MiB at 0x%016llx",
					   mib, (unsigned long long)(a->base_pfn << m->cfg.page_shift));
				log_printf(m, "hugetlb_cma: reserved %llu MiB on node 0", mib);
			}
		}
	}
	for (unsigned i = 0; i < hs->nr_hstates; i++) { /* gigantic: at hugepages= parse time */
		const struct hstate *h = &hs->hstates[i];

		if (!cur || !hstate_is_gigantic(m, h) || !h->boot)
			continue;
		size_text(m, hpages(h) << m->cfg.page_shift, buf, sizeof(buf));
		if (hs->cma_skip)
			log_printf(m, "HugeTLB: hugetlb_cma is enabled, skip boot time allocation");
		else if (h->booted < h->boot)
			log_printf(m, "HugeTLB: allocating %llu of page size %s failed.  Only allocated %llu hugepages.",
				   (unsigned long long)h->boot, buf, (unsigned long long)h->booted);
	}
	if (cur && hs->cma_asked && !m->cfg.gigantic_order) /* hugetlb_cma_check() */
		log_printf(m, "hugetlb_cma: the option isn't supported by current arch");
	for (unsigned i = 0; i < hs->nr_hstates; i++) { /* hugetlb_init_hstates() */
		const struct hstate *h = &hs->hstates[i];

		if (!cur || hstate_is_gigantic(m, h) || h->booted >= h->boot)
			continue;
		size_text(m, hpages(h) << m->cfg.page_shift, buf, sizeof(buf));
		log_printf(m, "HugeTLB: allocating %llu of page size %s failed.  Only allocated %llu hugepages.",
			   (unsigned long long)h->boot, buf, (unsigned long long)h->booted);
	}
	for (unsigned i = 0; i < hs->nr_hstates; i++) { /* report_hugepages() */
		const struct hstate *h = &hs->hstates[i];

		size_text(m, hpages(h) << m->cfg.page_shift, buf, sizeof(buf));
		if (!cur) {
			log_printf(m, "HugeTLB registered %s page size, pre-allocated %llu pages", buf,
				   (unsigned long long)h->booted);
			continue;
		}
		log_printf(m, "HugeTLB: registered %s page size, pre-allocated %llu pages", buf,
			   (unsigned long long)h->booted);
		log_printf(m, "HugeTLB: %llu KiB vmemmap can be freed for a %s page", vmemmap_kib(m, h), buf);
	}
}

/* ------------------------------------------------------------ read access */

unsigned pfnlab_hugetlb_count(const struct pfnlab_machine *m)
{
	return m->hugetlb.nr_hstates;
}

int pfnlab_hugetlb_find(const struct pfnlab_machine *m, uint64_t page_bytes)
{
	const struct hugetlb_state *hs = &m->hugetlb;

	if (!page_bytes)
		return hs->nr_hstates ? (int)hs->default_idx : -ENOENT;
	for (unsigned i = 0; i < hs->nr_hstates; i++)
		if (page_bytes == (uint64_t)1 << (hs->hstates[i].order + m->cfg.page_shift))
			return (int)i;
	return -ENOENT;
}

int pfnlab_hugetlb_info(const struct pfnlab_machine *m, unsigned idx, struct pfnlab_hugetlb_info *info)
{
	const struct hstate *h;

	if (idx >= m->hugetlb.nr_hstates)
		return -EINVAL;
	h = &m->hugetlb.hstates[idx];
	*info = (struct pfnlab_hugetlb_info){
		.page_bytes = hpages(h) << m->cfg.page_shift, .order = h->order,
		.gigantic = hstate_is_gigantic(m, h), .is_default = idx == m->hugetlb.default_idx,
		.nr = h->nr, .free = h->free, .resv = h->resv, .surplus = h->surplus,
		.overcommit = h->overcommit, .boot = h->boot,
	};
	return 0;
}
