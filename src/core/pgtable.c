/*
 * pgtable.c - page tables: the mapping (VMA) holding a virtual page, and
 * the page-table entry of that page.
 *
 * Page table: per mapping an array of chunk pointers, one chunk per
 * THP-sized span (512 entries on x86_64, 256 on ppc64), each entry the
 * PFN + 1 of the page mapped there.  Chunks are allocated on first touch,
 * so a 1 TiB guest costs 4 bytes per faulted page plus 8 bytes per 2 MiB.
 *
 * Models find_vma() (mm/mmap.c) and the walk to a PTE with its allocation
 * (pte_offset_map(), __pte_alloc()).  Below every file that reads or sets
 * PTEs: the faults and unmapping (mm.c), the page cache's faults and file
 * reverse map (filemap.c), migration and the checker.
 *
 * Simplified: one level (no PGD/PUD/PMD pages); a THP fills one chunk,
 * an entry per base page (no PMD entry).
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct vma *mm_find_vma(const struct mm *mm, uint64_t vpn)
{
	unsigned lo = 0, hi = mm->nr_vmas;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		struct vma *v = &mm->vmas[mid];

		if (vpn < v->start)
			hi = mid;
		else if (vpn >= v->start + v->pages)
			lo = mid + 1;
		else
			return v;
	}
	return NULL;
}

uint32_t *mm_pte(struct pfnlab_machine *m, struct mm *mm, uint64_t vpn, bool create)
{
	struct vma *v = mm_find_vma(mm, vpn);
	uint64_t off, c;

	if (!v)
		return NULL;
	off = vpn - v->start;
	c = off >> m->thp_order;
	if (!v->chunks[c]) {
		if (!create)
			return NULL;
		v->chunks[c] = calloc((size_t)1 << m->thp_order, sizeof(uint32_t));
		if (!v->chunks[c])
			return NULL;
	}
	return &v->chunks[c][off & ((1ull << m->thp_order) - 1)];
}

/*
 * The PTE of virtual page @vpn, with in *@n how many PTEs from it on lie
 * in the same chunk and mapping (a walk of consecutive pages looks the
 * chunk up once per chunk); NULL if there is none
 */
const uint32_t *mm_pte_span(const struct pfnlab_machine *m, const struct mm *mm, uint64_t vpn, uint64_t *n)
{
	const struct vma *v = mm_find_vma(mm, vpn);
	uint64_t off, c, mask = (1ull << m->thp_order) - 1;

	if (!v)
		return NULL;
	off = vpn - v->start;
	c = off >> m->thp_order;
	if (!v->chunks[c])
		return NULL;
	*n = mask + 1 - (off & mask);
	if (*n > v->pages - off)
		*n = v->pages - off;
	return &v->chunks[c][off & mask];
}

/*
 * Are the @n PTEs from @pte all none?  Two entries a load: a THP's span of
 * entries is read and written whole on every fault
 */
bool pte_none_range(const uint32_t *pte, uint64_t n)
{
	uint64_t used = n & 1 ? pte[n - 1] : 0;

	for (uint64_t i = 0; i + 1 < n; i += 2) {
		uint64_t two;

		memcpy(&two, pte + i, sizeof(two));
		used |= two;
	}
	return !used;
}

/* Map the @n PTEs from @pte to the consecutive pages from @pfn, two entries a store. */
void pte_set_range(uint32_t *pte, uint64_t n, uint64_t pfn)
{
	uint32_t e = (uint32_t)pfn + 1, pair[2] = {e, e + 1};
	uint64_t two, step = 2 | 2ull << 32; /* both halves count up by 2, whatever the byte order */

	memcpy(&two, pair, sizeof(two));

	for (uint64_t i = 0; i + 1 < n; i += 2, two += step)
		memcpy(pte + i, &two, sizeof(two));
	if (n & 1)
		pte[n - 1] = e + (uint32_t)n - 1;
}
