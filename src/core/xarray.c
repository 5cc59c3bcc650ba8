/*
 * xarray.c - the memory of the page cache's index: the xarray nodes of
 * every file's and shmem object's i_pages.
 *
 * Models what lib/xarray.c allocates and frees as page-cache folios come
 * and go (xas_create(), xas_expand(), xas_shrink(), xas_delete_node()): a
 * node of 64 slots (XA_CHUNK_SHIFT 6) for every 64 indices that hold a
 * page, one above for every 4,096, and so on up to the root; no node at
 * all while index 0 is the only entry (it sits in xa_head).  The tree is
 * as tall as the largest index present needs.  Nodes come from
 * radix_tree_node_cachep: 576-byte objects, 584 with the free pointer its
 * constructor keeps outside, 14 to an order-1 slab on 4 KiB pages, 112 to
 * a 64 KiB page; SLAB_RECLAIM_ACCOUNT, so __GFP_RECLAIMABLE and never in
 * CMA.  A folio's nodes are allocated after the folio, with __GFP_ACCOUNT
 * (XA_FLAGS_ACCOUNT): GFP_NOWAIT first, then the folio's mask reduced to
 * GFP_RECLAIM_MASK, as __filemap_add_folio() and shmem_add_to_page_cache()
 * pass it to xas_nomem(); they go when their last entry does.
 *
 * Simplified: only present folios hold entries: no workingset shadow
 * entries (reclaim frees a node the kernel keeps for its shadows until
 * the shadow shrinker runs), no swap entries (shmem is never swapped
 * here); a failed node allocation undoes the whole insertion; hugetlbfs
 * files keep no nodes here, nor a snapshot's files (theirs are among the
 * snapshot's kernel pages).  Era 2015 counts nodes alike (v4.2's radix
 * tree has the same 64 slots and growth), but allocates them one at a
 * time where v4.2's radix_tree_maybe_preload() filled a per-CPU pool of up
 * to 21 ahead of the insertion.
 */
#include <stdlib.h>

#include "model.h"

#define XA_CHUNK_SHIFT 6
#define XA_NODE_SIZE 584 /* sizeof(struct xa_node) 576, and the free pointer outside it */
/* GFP_RECLAIM_MASK (mm/internal.h) */
#define GFP_RECLAIM_MASK                                                                                           \
	(PFNLAB___GFP_RECLAIM | PFNLAB___GFP_HIGH | PFNLAB___GFP_IO | PFNLAB___GFP_FS | PFNLAB___GFP_NOWARN |      \
	 PFNLAB___GFP_RETRY_MAYFAIL | PFNLAB___GFP_NOFAIL | PFNLAB___GFP_NORETRY | PFNLAB___GFP_MEMALLOC |         \
	 PFNLAB___GFP_NOMEMALLOC | PFNLAB___GFP_NOLOCKDEP)

/* Groups at level @l of a file of @pages pages: indices >> (6 * (l + 1)) */
static uint64_t level_groups(uint64_t pages, unsigned l)
{
	return ((pages - 1) >> (XA_CHUNK_SHIFT * (l + 1))) + 1;
}

/* The levels a file of @pages pages may need: the root's is the last */
static unsigned file_levels(uint64_t pages)
{
	unsigned l = 1;

	while (l < XA_MAX_LEVELS && (pages - 1) >> (XA_CHUNK_SHIFT * l))
		l++;
	return l;
}

/* models radix_tree_init()'s radix_tree_node_cachep, made at boot */
void xa_node_cache_init(struct pfnlab_machine *m)
{
	slab_cache_init(&m->xa_nodes, m, XA_NODE_SIZE);
}

/* The fill counts of @mp, made on its first entry; false when out of host memory */
static bool xa_counts(struct mapping *mp)
{
	uint64_t n;

	if (mp->xa.fill)
		return true;
	n = level_groups(mp->nr_pages, 0); /* the leaves' counts first (off[0] 0) */
	mp->xa.levels = (uint8_t)file_levels(mp->nr_pages);
	for (unsigned l = 1; l < mp->xa.levels; l++) {
		mp->xa.off[l] = n;
		n += level_groups(mp->nr_pages, l);
	}
	mp->xa.fill = calloc(n, 1);
	return mp->xa.fill != NULL;
}

/* The tree's height: the levels the largest index present needs (0: none, or index 0 alone) */
static unsigned xa_height(const struct xa_index *x)
{
	for (unsigned l = x->levels; l-- > 0;)
		if (x->nonempty[l] > (x->fill[x->off[l]] != 0)) /* an index at or above 64 << (6 * l) */
			return l + 2; /* below the top level, whose only group is 0 */
	return x->entries > x->zero;
}

/* Nodes of a tree of @x's entries */
static uint64_t xa_nodes_needed(const struct xa_index *x)
{
	uint64_t n = 0;

	for (unsigned l = 0, h = xa_height(x); l < h; l++)
		n += x->nonempty[l];
	return n;
}

/*
 * Counts of @x with @index in (@d 1) or out (@d -1); false when the tree
 * keeps its nodes: no group filled or emptied, nor index 0 joined by a
 * second entry or left alone
 */
static bool xa_count(struct xa_index *x, uint64_t index, int d)
{
	x->entries += (uint64_t)(int64_t)d;
	if (!index)
		x->zero = d > 0;
	for (unsigned l = 0; l < x->levels; l++) {
		uint8_t *c = &x->fill[x->off[l] + (index >> (XA_CHUNK_SHIFT * (l + 1)))];

		*c = (uint8_t)(*c + d);
		if (*c != (d > 0 ? 1 : 0)) /* the group was and stays nonempty */
			return l || (x->zero && x->entries == 1u + (d > 0));
		x->nonempty[l] += (uint64_t)(int64_t)d;
	}
	return true;
}

/*
 * models the nodes xas_store() needs for a new entry at @index of @mp:
 * each first from xas_alloc() under the lock (GFP_NOWAIT | __GFP_NOWARN),
 * else from xas_nomem() with @gfp (the folio's), one at a time, the store
 * tried again after each, so a reclaim the allocation enters sees the
 * tree without the new entry; 0 or -ENOMEM (nothing changed)
 */
int xa_insert(struct pfnlab_machine *m, struct mapping *mp, uint64_t index, pfnlab_gfp_t gfp)
{
	const pfnlab_gfp_t slab = PFNLAB___GFP_ACCOUNT | PFNLAB___GFP_RECLAIMABLE;
	const pfnlab_gfp_t nowait = PFNLAB_GFP_NOWAIT | PFNLAB___GFP_NOWARN | slab;
	struct xa_index *x = &mp->xa;
	uint64_t have = 0; /* allocated for this entry, not yet in the tree */

	if (x->untracked)
		return 0;
	if (!xa_counts(mp))
		return -ENOMEM;
	for (;;) {
		uint64_t want;

		if (!xa_count(x, index, 1))
			return 0;
		want = xa_nodes_needed(x);
		if (want <= x->nodes + have) { /* a reclaim meanwhile may have left some spare */
			slab_free(m, &m->xa_nodes, x->nodes + have - want);
			x->nodes = want;
			return 0;
		}
		xa_count(x, index, -1);
		if (slab_alloc(m, &m->xa_nodes, nowait) && slab_alloc(m, &m->xa_nodes, (gfp & GFP_RECLAIM_MASK) | slab)) {
			slab_free(m, &m->xa_nodes, have);
			return -ENOMEM;
		}
		have++;
	}
}

/* models the nodes xas_store(NULL) frees when the entry at @index of @mp goes */
void xa_erase(struct pfnlab_machine *m, struct mapping *mp, uint64_t index)
{
	struct xa_index *x = &mp->xa;
	uint64_t want;

	if (x->untracked || !xa_count(x, index, -1))
		return;
	want = xa_nodes_needed(x);
	if (want != x->nodes) {
		slab_free(m, &m->xa_nodes, x->nodes - want);
		x->nodes = want;
	}
}

/* The counts of @mp (its pages already gone) */
void xa_index_free(struct mapping *mp)
{
	free(mp->xa.fill);
	mp->xa = (struct xa_index){0};
}
