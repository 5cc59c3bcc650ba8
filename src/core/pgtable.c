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
 * The PTE tables themselves are in the model's memory too, one per span
 * of PTRS_PER_PTE pages of address (a PMD entry: 2 MiB on x86_64, 16 MiB
 * on ppc64's 64 KiB pages), shared by every mapping of the space that
 * reaches the span, taken by the fault that first needs it (__pte_alloc()):
 * on a 4 KiB-page machine an unmovable order-0 page of its own
 * (GFP_PGTABLE_USER, so never in CMA or ZONE_MOVABLE); on ppc64 a 4 KiB
 * fragment, 16 to a page, from the space's fragment cache
 * (pte_fragment_alloc()).  Pages of tables count in NR_PAGETABLE.  When
 * mappings are unmapped, after their pages, a table goes back unless
 * another mapping still reaches its span (free_pgtables()); its page goes
 * back with its last table, once the cache no longer offers it.  A THP's
 * fault takes a table too (deposited beside the PMD mapping); hugetlbfs
 * mappings take none (PMD-mapped).  A space's table slots are per mapping
 * (vma.tables[]), so the shared table of a span sits in each mapping
 * that faulted there, and in the neighbour it is handed to.
 *
 * Simplified: one level (no PGD/PUD/PMD pages, no PMD fragments); a THP
 * fills one chunk, an entry per base page (no PMD entry); tables on
 * ppc64 are freed at once, not after an RCU grace period.
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

/* A page of PTE tables: pt_frag_refcount (frame.prev) drops by @n; at 0 the page goes back. */
static void pte_frag_put(struct pfnlab_machine *m, uint64_t pfn, unsigned n)
{
	struct frame *f = &m->frames[pfn];

	f->prev -= n;
	if (f->prev)
		return;
	f->mt = 0;
	f->next = 0;
	free_frames(m, pfn, 0);
	m->nr_pgtables--;
}

/* PTE table spans (PMD entries) of mapping @v: its slots in v->tables[] */
uint64_t vma_table_spans(const struct pfnlab_machine *m, const struct vma *v)
{
	return ((v->start + v->pages - 1) >> m->pte_order) - (v->start >> m->pte_order) + 1;
}

/* The slot of @v's table for span @span (an address >> pte_order), or NULL when @v does not reach it. */
static uint32_t *table_slot(const struct pfnlab_machine *m, const struct vma *v, uint64_t span)
{
	uint64_t first = v->start >> m->pte_order;

	return span >= first && span - first < vma_table_spans(m, v) ? &v->tables[span - first] : NULL;
}

/* The table of @span a mapping next to @v already has: the mappings reaching a span are consecutive. */
static uint32_t shared_table(const struct pfnlab_machine *m, const struct mm *mm, const struct vma *v,
			     uint64_t span)
{
	const uint32_t *t;
	uint32_t found = 0;

	for (const struct vma *w = v; !found && w-- > mm->vmas && (t = table_slot(m, w, span));)
		found = *t;
	for (const struct vma *w = v + 1; !found && w < mm->vmas + mm->nr_vmas && (t = table_slot(m, w, span)); w++)
		found = *t;
	return found;
}

/*
 * models __pte_alloc() -> pte_alloc_one(): the PTE table of the span
 * holding virtual page @vpn of mapping @v of space @id, if none of the
 * mappings reaching that span has it yet: the next table of the space's
 * fragment cache, else a new page (ppc64's pte_fragment_alloc(); one
 * table to a page elsewhere); 0, or -ENOMEM (the fault's VM_FAULT_OOM)
 */
int pte_table_alloc(struct pfnlab_machine *m, unsigned id, struct vma *v, uint64_t vpn)
{
	const pfnlab_gfp_t gfp = PFNLAB_GFP_KERNEL | PFNLAB___GFP_ZERO | PFNLAB___GFP_ACCOUNT; /* GFP_PGTABLE_USER */
	struct mm *mm = mm_get(m, id);
	uint32_t *slot = table_slot(m, v, vpn >> m->pte_order);
	uint64_t pfn;
	struct frame *f;

	if (*slot || v->no_tables)
		return 0;
	if ((*slot = shared_table(m, mm, v, vpn >> m->pte_order)))
		return 0;
	if (mm->pte_frag) { /* get_pte_from_cache() */
		*slot = mm->pte_frag;
		if (++mm->pte_frag_next == m->pte_frags)
			mm->pte_frag = 0;
		return 0;
	}
	pfn = alloc_frames(m, gfp, 0);
	if (pfn == NIL_PFN)
		return -ENOMEM;
	f = &m->frames[pfn];
	f->mt = MT_PGTABLE;
	f->next = id;
	f->prev = m->pte_frags; /* every table counted until handed out and freed */
	if (m->pte_frags > 1) {
		mm->pte_frag = (uint32_t)pfn + 1;
		mm->pte_frag_next = 1;
	}
	*slot = (uint32_t)pfn + 1;
	m->nr_pgtables++;
	return 0;
}

/*
 * models free_pgtables() of mappings [@first, @last] of @mm, whose pages
 * are gone and which are about to leave: a table whose span another
 * mapping still reaches (between the floor and ceiling) stays, handed to
 * that mapping; any other goes back (pte_fragment_free())
 */
void pte_tables_free(struct pfnlab_machine *m, struct mm *mm, unsigned first, unsigned last)
{
	struct vma *prev = first ? &mm->vmas[first - 1] : NULL;
	struct vma *next = last + 1 < mm->nr_vmas ? &mm->vmas[last + 1] : NULL;
	uint64_t done = UINT64_MAX; /* the span last handled: mappings side by side share it */

	for (unsigned i = first; i <= last; i++) {
		struct vma *v = &mm->vmas[i];

		for (uint64_t k = 0; v->tables && k < vma_table_spans(m, v); k++) {
			uint64_t span = (v->start >> m->pte_order) + k;
			uint32_t *keep;

			if (!v->tables[k] || span == done)
				continue;
			done = span;
			if ((prev && !prev->no_tables && (keep = table_slot(m, prev, span))) ||
			    (next && !next->no_tables && (keep = table_slot(m, next, span))))
				*keep = v->tables[k];
			else
				pte_frag_put(m, v->tables[k] - 1, 1);
		}
	}
}

/* models pte_frag_destroy() as the space goes: the tables its fragment cache never handed out */
void pte_frag_destroy(struct pfnlab_machine *m, struct mm *mm)
{
	if (mm->pte_frag)
		pte_frag_put(m, mm->pte_frag - 1, m->pte_frags - mm->pte_frag_next);
	mm->pte_frag = 0;
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
