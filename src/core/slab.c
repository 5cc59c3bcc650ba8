/*
 * slab.c - SLUB caches reduced to their page counts: how many slab pages a
 * cache of fixed-size objects takes from the page allocator, and when they
 * go back.
 *
 * Models calculate_order() and calc_slab_order() (mm/slub.c, v6.1 and
 * v6.12 agree for the caches modelled): the slab order for an object size
 * given the page size and the CPUs; set_min_partial(); allocate_slab()'s
 * two tries (the cache's order without direct reclaim, __GFP_NORETRY and
 * __GFP_NOWARN, then its smallest order with the caller's mask); and
 * discard_slab() of a slab emptied while the cache keeps min_partial
 * empty ones.
 *
 * Simplified to counts: an object comes from a slab with room, else from
 * a new slab; freed objects empty the oldest slabs first, as if they had
 * filled the oldest slabs' holes.  No per-CPU slabs, partial lists or
 * memcg accounting.  A slab's head frame is marked PGK_SLAB, so no caller
 * can free it.
 */
#include <stdlib.h>

#include "model.h"

#define SLUB_MAX_ORDER 3    /* PAGE_ALLOC_COSTLY_ORDER */
#define MIN_PARTIAL 5
#define MAX_PARTIAL 10

static unsigned fls_u(unsigned x)
{
	return x ? 32u - (unsigned)__builtin_clz(x) : 0;
}

/* models calc_slab_order(): the lowest order from @order on that wastes at most 1/@fract */
static unsigned calc_slab_order(uint64_t page, unsigned size, unsigned order, unsigned fract)
{
	for (; order <= SLUB_MAX_ORDER; order++) {
		uint64_t slab = page << order;

		if (slab % size <= slab / fract)
			break;
	}
	return order;
}

/* models get_order() for @bytes on pages of @page bytes */
static unsigned bytes_order(uint64_t page, uint64_t bytes)
{
	unsigned order = 0;

	while ((page << order) < bytes)
		order++;
	return order;
}

/*
 * models calculate_order() and set_min_partial() for a cache of @size-byte
 * objects (its s->size: the object, and the free pointer when a
 * constructor keeps it outside)
 */
void slab_cache_init(struct slab_cache *c, const struct pfnlab_machine *m, unsigned size)
{
	uint64_t page = 1ull << m->cfg.page_shift;
	unsigned min_objects = 4 * (fls_u((unsigned)m->cfg.nr_cpus) + 1), order = SLUB_MAX_ORDER + 1;
	unsigned max_objects = (unsigned)((page << SLUB_MAX_ORDER) / size), partial = (fls_u(size) - 1) / 2;

	*c = (struct slab_cache){.size = size};
	if (min_objects > max_objects)
		min_objects = max_objects;
	for (; min_objects > 1 && order > SLUB_MAX_ORDER; min_objects--)
		for (unsigned fract = 16; fract >= 4 && order > SLUB_MAX_ORDER; fract /= 2)
			order = calc_slab_order(page, size, bytes_order(page, (uint64_t)min_objects * size), fract);
	if (order > SLUB_MAX_ORDER) /* one object to a slab */
		order = bytes_order(page, size);
	c->order = (uint8_t)order;
	c->min_order = (uint8_t)bytes_order(page, size);
	c->min_partial = (uint8_t)(partial < MIN_PARTIAL ? MIN_PARTIAL : partial > MAX_PARTIAL ? MAX_PARTIAL : partial);
	c->spare = (c->min_partial + 1ull) * ((page << order) / size);
}

/* Objects in a slab of @order */
static uint64_t slab_objects(const struct slab_cache *c, const struct pfnlab_machine *m, unsigned order)
{
	return (1ull << (m->cfg.page_shift + order)) / c->size;
}

/* A new slab for the cache, the oldest kept first: the ring grows when full. */
static int slab_push(struct slab_cache *c, uint64_t pfn)
{
	if (c->nr == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		uint64_t *n = malloc(cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < c->nr; i++)
			n[i] = slab_at(c, i);
		free(c->slabs);
		c->slabs = n;
		c->cap = cap;
		c->first = 0;
	}
	c->slabs[(c->first + c->nr++) & (c->cap - 1)] = pfn;
	return 0;
}

/*
 * models allocate_slab(): the cache's order first, without direct reclaim
 * when that is above its smallest, then the smallest with @gfp; NIL_PFN
 */
static uint64_t allocate_slab(struct pfnlab_machine *m, const struct slab_cache *c, pfnlab_gfp_t gfp, unsigned *order)
{
	pfnlab_gfp_t first = (gfp | PFNLAB___GFP_NOWARN | PFNLAB___GFP_NORETRY) & ~PFNLAB___GFP_NOFAIL;
	pfnlab_gfp_t comp = c->order ? PFNLAB___GFP_COMP : 0;
	uint64_t pfn;

	if ((first & PFNLAB___GFP_DIRECT_RECLAIM) && c->order > c->min_order)
		first = (first | PFNLAB___GFP_NOMEMALLOC) & ~PFNLAB___GFP_RECLAIM;
	*order = c->order;
	pfn = alloc_frames(m, first | comp, c->order);
	if (pfn == NIL_PFN) {
		*order = c->min_order;
		pfn = alloc_frames(m, gfp | (c->min_order ? PFNLAB___GFP_COMP : 0), c->min_order);
	}
	return pfn;
}

/*
 * models kmem_cache_alloc() of one object (@gfp: the caller's mask with
 * the cache's __GFP_RECLAIMABLE); 0, or -ENOMEM when no slab could be had
 */
int slab_alloc(struct pfnlab_machine *m, struct slab_cache *c, pfnlab_gfp_t gfp)
{
	if (c->inuse == c->objects) {
		unsigned order;
		uint64_t pfn = allocate_slab(m, c, gfp, &order);

		if (pfn == NIL_PFN)
			return -ENOMEM;
		if (slab_push(c, pfn)) {
			free_frames(m, pfn, order);
			return -ENOMEM;
		}
		m->pgflags[pfn] = PGK_SLAB; /* no longer the user's to free */
		c->objects += slab_objects(c, m, order);
		c->pages += 1ull << order;
	}
	c->inuse++;
	return 0;
}

/*
 * models kmem_cache_free() of @n objects: slabs emptied beyond the
 * cache's min_partial go back (discard_slab()), the oldest first
 */
void slab_free(struct pfnlab_machine *m, struct slab_cache *c, uint64_t n)
{
	c->inuse -= n;
	while (c->objects - c->inuse >= c->spare) { /* more than min_partial slabs' worth free */
		uint64_t pfn = slab_at(c, 0);
		unsigned order = m->frames[pfn].order;
		uint64_t objs = slab_objects(c, m, order);

		if (c->objects - objs < c->inuse)
			break;
		m->pgflags[pfn] = 0;
		free_frames(m, pfn, order);
		c->first = (c->first + 1) & (c->cap - 1);
		c->nr--;
		c->objects -= objs;
		c->pages -= 1ull << order;
	}
}

/* The cache's bookkeeping (machine teardown; the frames go with the machine) */
void slab_cache_free_all(struct slab_cache *c)
{
	free(c->slabs);
	c->slabs = NULL;
	c->first = c->nr = c->cap = 0;
	c->inuse = c->objects = c->pages = 0;
}
