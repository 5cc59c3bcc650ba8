/*
 * claim.h - exact PFN blocks in and out of the buddy lists (claim.c), for
 * the replay of a kernel trace (src/input/replay_apply.c), which knows
 * which page the kernel allocated or freed and so cannot ask the allocator
 * to choose.  Nothing in the core calls it.
 */
#ifndef PFNLAB_CLAIM_H
#define PFNLAB_CLAIM_H

#include "model.h"

/**
 * claim_block_head() - the head of the free or allocated block holding
 * @pfn, or NIL_PFN for a hole, a reserved or per-CPU frame.
 */
uint64_t claim_block_head(const struct pfnlab_machine *m, uint64_t pfn);

/**
 * claim_range_zone() - the zone whose managed memory every frame of
 * [pfn, pfn + n) is, or NULL (a hole, a reserved or per-CPU frame, two
 * zones, beyond the machine).  The functions below take it as @z.
 */
struct zone *claim_range_zone(struct pfnlab_machine *m, uint64_t pfn, uint64_t n);

/** claim_range_free() - is every frame of the aligned block [pfn, pfn + 2^order) free? */
bool claim_range_free(const struct pfnlab_machine *m, uint64_t pfn, unsigned order);

/**
 * claim_take_free() - take every free page of the aligned block
 * [pfn, pfn + 2^order) off the free lists, splitting a larger free block
 * that holds it the way expand() does (the remainders stay on their list).
 * The frames of the block are left plain (no flags); allocated frames in
 * it are not touched.
 */
void claim_take_free(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order);

/** claim_take_if_free() - claim_take_free() when the block is all free; returns whether it was. */
bool claim_take_if_free(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order);

/** claim_split_alloc() - turn the allocation with head @head into 2^order order-0 allocations (split_page()). */
void claim_split_alloc(struct pfnlab_machine *m, uint64_t head);

/**
 * claim_mark_alloc() - make the plain frames [pfn, pfn + 2^order) one
 * allocation (refcount 1, on the LRU when @movable) and count it in
 * pgalloc_<zone> of @z.
 */
void claim_mark_alloc(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order, bool movable);

/**
 * claim_release() - give the block [pfn, pfn + 2^order) back to the buddy
 * allocator as __free_pages() does: free pages inside are taken off the
 * lists first, allocations inside are dropped, then the block is freed
 * (merging) onto the list of its pageblock's type.  The caller has split
 * any allocation that reaches outside the block.
 */
void claim_release(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order);

#endif /* PFNLAB_CLAIM_H */
