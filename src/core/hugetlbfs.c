/*
 * hugetlbfs.c - hugetlbfs files and their huge pages: the file's reserve
 * map, the pool reservation made when it is mapped, faults that map a
 * whole huge page, unmapping, and giving everything back when the file goes.
 *
 * Models the hugetlbfs side of mm/hugetlb.c and fs/hugetlbfs/inode.c
 * (Debian 6.1.192): hugetlb_reserve_pages() at mmap (the pool's
 * gather_surplus_pages() with overcommit, else -ENOMEM); hugetlb_fault() ->
 * hugetlb_no_page() takes the reserved page (else a free one nobody
 * reserved, else a surplus page) into the page cache and maps it whole
 * (mm->hugetlb_usage, not RSS); unmap_hugepage_range();
 * remove_inode_hugepages() and hugetlb_unreserve_pages() when the file goes.
 * The pool itself is hugetlb.c's.
 *
 * Simplified: shared mappings only (no private COW mappings), no subpools
 * (size=/min_size=), no MAP_NORESERVE; files are created at their final
 * size; a pin-aware address space prefers a pool page a pin may keep
 * (pfnlab's own policy).
 */
#include <stdlib.h>
#include <string.h>

#include "hugetlb.h"

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
	if (!m || !name || !id)
		return -EINVAL;
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
	mp->xa.untracked = true; /* its huge pages' index nodes are not modelled */
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
	if (!m || !pages)
		return -EINVAL;
	const struct mm *mm = mm_get((struct pfnlab_machine *)m, id);

	if (!mm)
		return -ENOENT;
	*pages = mm->hugetlb_usage;
	return 0;
}
