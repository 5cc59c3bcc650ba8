/*
 * hugetlb.c - the hugetlb pool: huge page sizes' pages free and in use,
 * how the pool grows and shrinks, gigantic pages, and what
 * alloc_contig_range() and migration do with hugetlb pages.  The boot side
 * (hstates, hugetlb_cma, boot pages and messages) is hugetlb_boot.c's,
 * hugetlbfs files and their faults hugetlbfs.c's; hugetlb.h holds what the
 * three share.
 *
 * Models mm/hugetlb.c (Debian 6.1.192; 6.12 and v4.2 where they differ):
 *   - the pool: free pages on a LIFO free list (enqueue_huge_page(),
 *     dequeue_huge_page_node_exact(): PF_MEMALLOC_PIN takes only pinnable
 *     pages), nr/free/resv/surplus/overcommit, free_huge_page() (a
 *     temporary page, or any page while the pool has surplus, goes back to
 *     the buddy allocator);
 *   - set_max_huge_pages() (vm.nr_hugepages, hugetlb_sysctl_handler()):
 *     surplus made persistent,
 *     then alloc_pool_huge_page() until the first failure (6.12: the new
 *     pages join the free list after the loop, first-got at the head,
 *     prep_and_add_allocated_folios()); shrinking frees
 *     free pages down to what reservations need, the rest becomes surplus;
 *   - hugetlb_acct_memory(): gather_surplus_pages() with overcommit,
 *     return_unused_surplus_pages();
 *   - alloc_buddy_huge_page(): htlb_alloc_mask() (GFP_HIGHUSER_MOVABLE when
 *     the size can migrate and is not gigantic) | __GFP_THISNODE | __GFP_COMP
 *     | __GFP_NOWARN | __GFP_RETRY_MAYFAIL (v4.2: __GFP_REPEAT, pfnlab's
 *     bit for it that only era 2015's slow path reads), counting
 *     htlb_buddy_alloc_success/fail; with one node node_alloc_noretry never
 *     matters (the first failure ends the write);
 *   - gigantic pages: made and unmade here, taken from and given back to
 *     hugetlb_cma or alloc_contig_pages() through the machine's hooks
 *     (hugetlb_boot.c, a floor above contig.c and cma.c);
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
 * Simplified: one node; no subpools, cgroups, demotion, vmemmap freeing.
 */
#include <stdlib.h>
#include <string.h>

#include "hugetlb.h"

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

/* ---------------------------------------------------------------- the pool */

/* The free page @head onto the free list after @after (NIL_PFN: at its head). */
static void enqueue_after(struct pfnlab_machine *m, struct hstate *h, uint64_t head, uint64_t after)
{
	struct frame *f = &m->frames[head];
	uint32_t next = after == NIL_PFN ? h->free_head : m->frames[after].next;

	f->refcount = 0;
	f->mt = 0;
	f->prev = (uint32_t)after;
	f->next = next;
	if (next != NIL_PFN)
		m->frames[next].prev = (uint32_t)head;
	if (after == NIL_PFN)
		h->free_head = (uint32_t)head;
	else
		m->frames[after].next = (uint32_t)head;
	m->pgflags[head] = PGK_HUGETLB | HPG_FREED;
	h->free++;
}

/* models enqueue_huge_page(): onto the head of the free list */
void enqueue_huge_page(struct pfnlab_machine *m, struct hstate *h, uint64_t head)
{
	enqueue_after(m, h, head, NIL_PFN);
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
uint64_t dequeue_huge_page(struct pfnlab_machine *m, struct hstate *h, bool pin, bool nocma)
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
 * goes back to hugetlb_cma or the buddy allocator (the machine's hooks),
 * a smaller one to the buddy allocator
 */
static void update_and_free_page(struct pfnlab_machine *m, struct hstate *h, uint64_t head)
{
	struct frame *f = &m->frames[head];

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
	m->hooks.free_gigantic(m, head, h->order);
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
void prep_new_huge_page(struct pfnlab_machine *m, struct hstate *h, uint64_t pfn)
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
 * models alloc_gigantic_page(): past the fault point, hugetlb_cma first
 * (v6.1), then alloc_contig_pages(), through the machine's hooks
 */
static uint64_t alloc_gigantic_page(struct pfnlab_machine *m, const struct hstate *h, pfnlab_gfp_t gfp)
{
	if (pfnlab_fault_should_fail(m, PFNLAB_FAULT_HUGETLB_ALLOC))
		return NIL_PFN;
	return m->hooks.alloc_gigantic(m, h->order, gfp);
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
bool alloc_pool_huge_page(struct pfnlab_machine *m, struct hstate *h)
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
uint64_t alloc_surplus_huge_page(struct pfnlab_machine *m, struct hstate *h)
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

/*
 * Does set_max_huge_pages() add the pages it grows the pool by only once
 * its loop ends?  6.12 (v6.9: prep_and_add_allocated_folios()) collects
 * them and then enqueues them so that the first allocated heads the free
 * list, the order faults take them in; 6.1 frees each into the pool as it
 * comes, so the last allocated is taken first.
 */
static bool batch_growth(const struct pfnlab_machine *m)
{
	return m->cfg.era == PFNLAB_ERA_CURRENT && m->cfg.kernel == PFNLAB_KERNEL_6_12;
}

/* models set_max_huge_pages() */
int pfnlab_hugetlb_set_pages(struct pfnlab_machine *m, unsigned idx, uint64_t count)
{
	struct hstate *h;
	uint64_t min_count;

	if (!m)
		return -EINVAL;
	if (idx >= m->hugetlb.nr_hstates)
		return -EINVAL;
	if (pgflags_ensure(m))
		return -ENOMEM;
	h = &m->hugetlb.hstates[idx];
	while (h->surplus && count > persistent_huge_pages(h)) /* adjust_pool_surplus(-1) */
		h->surplus--;
	if (batch_growth(m)) { /* 6.12: prep_and_add_allocated_folios() after the loop, the first at the head */
		for (uint64_t last = NIL_PFN, pfn; count > persistent_huge_pages(h); last = pfn) {
			pfn = alloc_fresh_huge_page(m, h, htlb_alloc_mask(m, h) | PFNLAB___GFP_THISNODE);
			if (pfn == NIL_PFN)
				goto out;
			enqueue_after(m, h, pfn, last);
		}
	}
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

	if (!m)
		return -EINVAL;
	if (idx >= m->hugetlb.nr_hstates)
		return -EINVAL;
	h = &m->hugetlb.hstates[idx];
	if (hstate_is_gigantic(m, h))
		return -EINVAL;
	h->overcommit = count;
	return 0;
}

/*
 * models hugetlb_sysctl_handler() and hugetlb_overcommit_handler(): the
 * default size's vm.nr_hugepages (reads max_huge_pages, a write is
 * set_max_huge_pages()) and vm.nr_overcommit_hugepages (a write refused
 * for a gigantic size); the same in v4.2.  0, -EINVAL, -ENOENT (another
 * name), -ENOMEM.
 */
int hugetlb_sysctl_set(struct pfnlab_machine *m, const char *name, uint64_t value)
{
	int idx = pfnlab_hugetlb_find(m, 0);

	if (idx < 0)
		return -ENOENT;
	if (strcmp(name, "vm.nr_hugepages") == 0)
		return pfnlab_hugetlb_set_pages(m, (unsigned)idx, value);
	if (strcmp(name, "vm.nr_overcommit_hugepages") == 0)
		return pfnlab_hugetlb_set_overcommit(m, (unsigned)idx, value);
	return -ENOENT;
}

/* Read vm.nr_hugepages or vm.nr_overcommit_hugepages (hugetlb_sysctl_set()); 0 or -ENOENT. */
int hugetlb_sysctl_get(const struct pfnlab_machine *m, const char *name, uint64_t *value)
{
	int idx = pfnlab_hugetlb_find(m, 0);
	const struct hstate *h;

	if (idx < 0)
		return -ENOENT;
	h = &m->hugetlb.hstates[idx];
	if (strcmp(name, "vm.nr_hugepages") == 0)
		*value = h->max;
	else if (strcmp(name, "vm.nr_overcommit_hugepages") == 0)
		*value = h->overcommit;
	else
		return -ENOENT;
	return 0;
}

/*
 * models gather_surplus_pages() via hugetlb_acct_memory(): reserve @delta
 * pages, first from free pages nobody reserved, then surplus pages from
 * the buddy allocator within overcommit; -ENOMEM changes nothing
 */
int gather_surplus_pages(struct pfnlab_machine *m, struct hstate *h, uint64_t delta)
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
void return_unused_surplus_pages(struct pfnlab_machine *m, struct hstate *h, uint64_t unused)
{
	uint64_t n = unused < h->surplus ? unused : h->surplus;

	h->resv -= unused;
	if (hstate_is_gigantic(m, h))
		return;
	while (n-- && h->free_head != NIL_PFN)
		remove_and_free(m, h, h->free_head, true);
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

/* ------------------------------------------------------------ read access */

unsigned pfnlab_hugetlb_count(const struct pfnlab_machine *m)
{
	if (!m)
		return 0;
	return m->hugetlb.nr_hstates;
}

int pfnlab_hugetlb_find(const struct pfnlab_machine *m, uint64_t page_bytes)
{
	if (!m)
		return -EINVAL;
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

	if (!m || !info)
		return -EINVAL;
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
