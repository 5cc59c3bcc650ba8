/*
 * hugetlb.h - what the hugetlb files share among themselves, private to
 * them: the pool's operations (hugetlb.c) that the boot code
 * (hugetlb_boot.c) and hugetlbfs (hugetlbfs.c) call.  The rest of the core
 * sees hugetlb through model.h only.
 */
#ifndef PFNLAB_HUGETLB_H
#define PFNLAB_HUGETLB_H

#include "model.h"

/* Base pages in one huge page of @h (pages_per_huge_page()). */
static inline uint64_t hpages(const struct hstate *h)
{
	return 1ull << h->order;
}

/* The machine is x86_64 (4 KiB pages); else ppc64. */
static inline bool x86(const struct pfnlab_machine *m)
{
	return m->cfg.page_shift == 12;
}

void enqueue_huge_page(struct pfnlab_machine *m, struct hstate *h, uint64_t head);
uint64_t dequeue_huge_page(struct pfnlab_machine *m, struct hstate *h, bool pin, bool nocma);
void prep_new_huge_page(struct pfnlab_machine *m, struct hstate *h, uint64_t pfn);
bool alloc_pool_huge_page(struct pfnlab_machine *m, struct hstate *h);
uint64_t alloc_surplus_huge_page(struct pfnlab_machine *m, struct hstate *h);
int gather_surplus_pages(struct pfnlab_machine *m, struct hstate *h, uint64_t delta);
void return_unused_surplus_pages(struct pfnlab_machine *m, struct hstate *h, uint64_t unused);

#endif /* PFNLAB_HUGETLB_H */
