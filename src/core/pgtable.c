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
 * On a machine whose frames fill a huge page (machine.c maps them), chunks
 * come from 2 MiB slabs mapped the same way (a fault per 2 MiB where the
 * host has transparent huge pages, not one per 4 KiB of heap) and go back
 * to the machine's free stack when unmapped, until the machine goes; a
 * smaller machine's come from the heap, where the sanitizers see them.
 *
 * Simplified: one level (no PGD/PUD/PMD pages); a THP fills one chunk,
 * an entry per base page (no PMD entry).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "model.h"

#define SLAB_BYTES (2u << 20)

/* The page-table chunks of a machine: slabs carved in order, freed chunks stacked for reuse. */
struct pte_pool {
	void **slabs;
	size_t nr_slabs, cap_slabs;
	size_t carved;        /* bytes of the last slab handed out */
	uint32_t **free;      /* freed chunks */
	size_t nr_free, cap_free;
};

/* Do @m's chunks come from slabs (else from the heap)? */
static bool pte_pooled(const struct pfnlab_machine *m)
{
	return m->nr_pfns * sizeof(struct frame) >= SLAB_BYTES &&
	       ((size_t)1 << m->thp_order) * sizeof(uint32_t) <= SLAB_BYTES;
}

/* A zeroed chunk of 2^thp_order PTEs, NULL when the host has no memory. */
static uint32_t *pte_chunk_alloc(struct pfnlab_machine *m)
{
	size_t bytes = ((size_t)1 << m->thp_order) * sizeof(uint32_t);
	struct pte_pool *p = m->pte_pool;
	uint32_t *c;

	if (!pte_pooled(m))
		return calloc(1, bytes);
	if (!p && !(p = m->pte_pool = calloc(1, sizeof(*p))))
		return NULL;
	if (p->nr_free) {
		c = p->free[--p->nr_free];
		memset(c, 0, bytes);
		return c;
	}
	if (!p->nr_slabs || p->carved + bytes > SLAB_BYTES) {
		void *s;

		if (p->nr_slabs == p->cap_slabs) {
			size_t cap = p->cap_slabs ? 2 * p->cap_slabs : 16;
			void **n = realloc(p->slabs, cap * sizeof(*n));

			if (!n)
				return NULL;
			p->slabs = n;
			p->cap_slabs = cap;
		}
		s = mmap(NULL, SLAB_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s == MAP_FAILED)
			return NULL;
		madvise(s, SLAB_BYTES, MADV_HUGEPAGE); /* advice only */
		p->slabs[p->nr_slabs++] = s;
		p->carved = 0;
	}
	c = (uint32_t *)((char *)p->slabs[p->nr_slabs - 1] + p->carved);
	p->carved += bytes;
	return c;
}

/* A chunk no mapping uses any more: kept for the next (lost to the machine's end if the stack cannot grow). */
void pte_chunk_free(struct pfnlab_machine *m, uint32_t *chunk)
{
	struct pte_pool *p = m->pte_pool;

	if (!pte_pooled(m)) {
		free(chunk);
		return;
	}
	if (!chunk || !p)
		return;
	if (p->nr_free == p->cap_free) {
		size_t cap = p->cap_free ? 2 * p->cap_free : 256;
		uint32_t **n = realloc(p->free, cap * sizeof(*n));

		if (!n)
			return;
		p->free = n;
		p->cap_free = cap;
	}
	p->free[p->nr_free++] = chunk;
}

/* Every chunk goes with its slab (machine teardown, after the mappings). */
void pte_pool_destroy(struct pfnlab_machine *m)
{
	struct pte_pool *p = m->pte_pool;

	if (!p)
		return;
	for (size_t i = 0; i < p->nr_slabs; i++)
		munmap(p->slabs[i], SLAB_BYTES);
	free(p->slabs);
	free(p->free);
	free(p);
	m->pte_pool = NULL;
}

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
		v->chunks[c] = pte_chunk_alloc(m);
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
