/*
 * gfp.h - what a GFP mask says about where its pages may come from, inline
 * for the allocator's hot paths: gfp_migratetype() and gfp_zone() through
 * GFP_ZONE_TABLE, as include/linux/gfp.h has them.  gfp.c holds the rest
 * of the GFP flags (names, parsing, gfp_zone() of a machine).
 */
#ifndef PFNLAB_GFP_H
#define PFNLAB_GFP_H

#include "model.h"

/* models gfp_migratetype(), include/linux/gfp.h: both mobility bits at once count as unmovable */
static inline int gfp_migratetype(pfnlab_gfp_t gfp)
{
	_Static_assert(PFNLAB___GFP_MOVABLE == 0x08u && PFNLAB___GFP_RECLAIMABLE == 0x10u,
		       "the mobility bits index the packed table");
	/* none -> Unmovable, MOVABLE -> Movable, RECLAIMABLE -> Reclaimable, both -> Unmovable */
	const unsigned table = (PFNLAB_MT_UNMOVABLE << 0) | (PFNLAB_MT_MOVABLE << 2) |
			       (PFNLAB_MT_RECLAIMABLE << 4) | (PFNLAB_MT_UNMOVABLE << 6);

	return (int)((table >> (((gfp >> 3) & 3) * 2)) & 3);
}

/*
 * models GFP_ZONE_TABLE, include/linux/gfp.h: the highest zone type of each
 * combination of the zone modifiers __GFP_DMA (bit 0), __GFP_HIGHMEM (1),
 * __GFP_DMA32 (2) and __GFP_MOVABLE (3), two bits per entry.  64-bit: no
 * HIGHMEM, so __GFP_HIGHMEM alone means Normal; invalid combinations
 * (GFP_ZONE_BAD: more than one of DMA, DMA32, HIGHMEM) fall back to
 * Normal, where the kernel would BUG.
 */
#define GFP_ZONE_OF(b)                                                                    \
	((((b) & 1) + (((b) >> 1) & 1) + (((b) >> 2) & 1)) > 1 ? PFNLAB_ZONE_NORMAL :      \
	 ((b) & 1)                    ? PFNLAB_ZONE_DMA :                                \
	 ((b) & 4)                    ? PFNLAB_ZONE_DMA32 :                              \
	 ((b) & 8) && ((b) & 2)       ? PFNLAB_ZONE_MOVABLE : PFNLAB_ZONE_NORMAL)
#define GFP_ZONE_ENTRY(b) ((uint32_t)GFP_ZONE_OF(b) << (2 * (b)))
#define GFP_ZONE_TABLE                                                                        \
	(GFP_ZONE_ENTRY(0) | GFP_ZONE_ENTRY(1) | GFP_ZONE_ENTRY(2) | GFP_ZONE_ENTRY(3) |        \
	 GFP_ZONE_ENTRY(4) | GFP_ZONE_ENTRY(5) | GFP_ZONE_ENTRY(6) | GFP_ZONE_ENTRY(7) |        \
	 GFP_ZONE_ENTRY(8) | GFP_ZONE_ENTRY(9) | GFP_ZONE_ENTRY(10) | GFP_ZONE_ENTRY(11) |      \
	 GFP_ZONE_ENTRY(12) | GFP_ZONE_ENTRY(13) | GFP_ZONE_ENTRY(14) | GFP_ZONE_ENTRY(15))

/* models gfp_zone(), include/linux/gfp.h, through GFP_ZONE_TABLE */
static inline int gfp_zone_type(pfnlab_gfp_t gfp)
{
	_Static_assert(PFNLAB___GFP_DMA == 0x1u && PFNLAB___GFP_HIGHMEM == 0x2u &&
		       PFNLAB___GFP_DMA32 == 0x4u && PFNLAB___GFP_MOVABLE == 0x8u,
		       "the zone modifiers index GFP_ZONE_TABLE");
	return (int)((GFP_ZONE_TABLE >> ((gfp & 0xfu) * 2)) & 3);
}

/*
 * gfp_migratetype() and gfp_zone_type() of the mask's zone modifiers and
 * mobility bits (bits 0-4) at once, for the allocator's entry points:
 * one read of a table built from the two above at compile time.
 */
#define GFP_MT_OF(b)                                                                      \
	((b) >> 3 == 1 ? PFNLAB_MT_MOVABLE : (b) >> 3 == 2 ? PFNLAB_MT_RECLAIMABLE : PFNLAB_MT_UNMOVABLE)
#define GFP_DECODE(b) (uint8_t)(GFP_MT_OF(b) | GFP_ZONE_OF((b) & 0xf) << 2)
#define GFP_DECODE4(b) GFP_DECODE(b), GFP_DECODE((b) + 1), GFP_DECODE((b) + 2), GFP_DECODE((b) + 3)

static inline void gfp_decode(pfnlab_gfp_t gfp, int *mt, int *zone_type)
{
	static const uint8_t table[32] = {GFP_DECODE4(0),  GFP_DECODE4(4),  GFP_DECODE4(8),  GFP_DECODE4(12),
					  GFP_DECODE4(16), GFP_DECODE4(20), GFP_DECODE4(24), GFP_DECODE4(28)};
	unsigned v = table[gfp & 0x1fu];

	*mt = (int)(v & 3);
	*zone_type = (int)(v >> 2);
}

#endif /* PFNLAB_GFP_H */
