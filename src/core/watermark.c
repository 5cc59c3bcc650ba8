/*
 * watermark.c - min_free_kbytes, zone watermarks, lowmem reserves and the
 * watermark check.
 *
 * Models init_per_zone_wmark_min(), __setup_per_zone_wmarks(),
 * setup_per_zone_lowmem_reserve(), boost_watermark() and
 * __zone_watermark_ok() of mm/page_alloc.c (v6.1 and v4.2), and
 * set_recommended_min_free_kbytes() of mm/khugepaged.c, which raises
 * min_free_kbytes when THP is on.  Free CMA pages do not count for
 * allocations without ALLOC_CMA.  Since v5.0 a fragmenting fallback
 * raises a zone's watermarks by its boost (wmark_pages(), model.h) until
 * kswapd has reclaimed that much (kswapd.c); setting the watermarks up
 * drops it.
 */
#include "model.h"

static const unsigned lowmem_reserve_ratio[PFNLAB_NR_ZONES] = {256, 256, 32, 0};

static uint64_t isqrt(uint64_t x)
{
	uint64_t r = 0, bit = 1ull << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* managed pages of zones a GFP_USER allocation may use (nr_free_buffer_pages() at boot) */
static uint64_t lowmem_managed(const struct pfnlab_machine *m)
{
	uint64_t n = 0;

	for (int i = 0; i < m->nr_zones; i++)
		if (m->zones[i].type <= PFNLAB_ZONE_NORMAL)
			n += m->zones[i].managed;
	return n;
}

/* models init_per_zone_wmark_min() and set_recommended_min_free_kbytes() */
static int compute_min_free_kbytes(const struct pfnlab_machine *m)
{
	uint64_t kb_per_page = 1ull << (m->cfg.page_shift - 10);
	uint64_t lowmem = lowmem_managed(m);
	uint64_t v = isqrt(lowmem * kb_per_page * 16);
	uint64_t cap = m->cfg.era == PFNLAB_ERA_CURRENT ? 262144 : 65536;
	uint64_t nr_zones = 0, rec;

	if (v < 128)
		v = 128;
	if (v > cap)
		v = cap;
	if (!m->cfg.thp)
		return (int)v;
	for (int i = 0; i < m->nr_zones; i++)
		nr_zones += m->zones[i].type <= PFNLAB_ZONE_NORMAL;
	rec = m->pb_pages * nr_zones * 2 + m->pb_pages * nr_zones * 3 * 3;
	if (rec > lowmem / 20)
		rec = lowmem / 20;
	rec *= kb_per_page;
	return (int)(rec > v ? rec : v);
}

/* models setup_per_zone_lowmem_reserve() */
static void setup_lowmem_reserve(struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		unsigned ratio = lowmem_reserve_ratio[z->type];
		uint64_t upper = 0;

		for (int t = z->type + 1; t < PFNLAB_NR_ZONES; t++) {
			int j = m->zone_of_type[t];

			upper += j >= 0 ? m->zones[j].managed : 0;
			z->lowmem_reserve[t] = (!ratio || !z->managed) ? 0 : upper / ratio;
		}
	}
}

/*
 * The min watermark 6.12 gives ZONE_MOVABLE whatever its size
 * (__setup_per_zone_wmarks(): as highmem's, managed / 1024 within
 * [SWAP_CLUSTER_MAX, 128]); 32 for an unpopulated one
 */
uint64_t movable_zone_min(uint64_t managed)
{
	uint64_t v = managed / 1024;

	return v < 32 ? 32 : v > 128 ? 128 : v;
}

/*
 * models __setup_per_zone_wmarks(): the min watermark shared out in
 * proportion to the zones' managed pages (64-bit: no highmem); on 6.12
 * ZONE_MOVABLE takes no share and gets movable_zone_min() (6.1 and v4.2
 * count it as lowmem)
 */
void setup_watermarks(struct pfnlab_machine *m)
{
	uint64_t pages_min, lowmem = 0;
	bool cur = m->cfg.era == PFNLAB_ERA_CURRENT;
	bool movable_capped = cur && m->cfg.kernel == PFNLAB_KERNEL_6_12;

	m->min_free_kbytes = m->cfg.min_free_kbytes >= 0 ? m->cfg.min_free_kbytes
							  : compute_min_free_kbytes(m);
	pages_min = (uint64_t)m->min_free_kbytes >> (m->cfg.page_shift - 10);
	for (int i = 0; i < m->nr_zones; i++)
		if (!movable_capped || m->zones[i].type != PFNLAB_ZONE_MOVABLE)
			lowmem += m->zones[i].managed;
	for (int i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		uint64_t tmp = lowmem ? pages_min * z->managed / lowmem : 0, gap;

		if (movable_capped && z->type == PFNLAB_ZONE_MOVABLE)
			z->wmark[WMARK_MIN] = movable_zone_min(z->managed);
		else
			z->wmark[WMARK_MIN] = tmp;
		z->watermark_boost = 0;
		if (cur) {
			gap = tmp >> 2;
			if (gap < z->managed * m->cfg.watermark_scale_factor / 10000)
				gap = z->managed * m->cfg.watermark_scale_factor / 10000;
			z->wmark[WMARK_LOW] = z->wmark[WMARK_MIN] + gap;
			z->wmark[WMARK_HIGH] = z->wmark[WMARK_LOW] + gap;
			z->wmark[WMARK_PROMO] = z->wmark[WMARK_HIGH] + gap;
		} else {
			z->wmark[WMARK_LOW] = z->wmark[WMARK_MIN] + (tmp >> 2);
			z->wmark[WMARK_HIGH] = z->wmark[WMARK_MIN] + (tmp >> 1);
			z->wmark[WMARK_PROMO] = z->wmark[WMARK_HIGH];
		}
	}
	setup_lowmem_reserve(m);
}

/*
 * models boost_watermark() (v5.0+): a fallback that may fragment raises
 * the zone's watermarks by a pageblock, up to watermark_boost_factor
 * ten-thousandths of the high one (at least a pageblock); not in a zone
 * under four pageblocks, nor with the factor 0 or no high watermark yet.
 * True when the boost was raised (or stayed at its cap).
 */
bool boost_watermark(struct pfnlab_machine *m, struct zone *z)
{
	uint64_t factor = m->cfg.watermark_boost_factor, high = z->wmark[WMARK_HIGH], max_boost, boost;

	if (m->cfg.era == PFNLAB_ERA_2015 || !factor || m->pb_pages * 4 > z->managed)
		return false;
	max_boost = high / 10000 * factor + high % 10000 * factor / 10000; /* mult_frac() */
	if (!max_boost)
		return false;
	if (max_boost < m->pb_pages)
		max_boost = m->pb_pages;
	boost = z->watermark_boost + m->pb_pages;
	zone_set_boost(m, z, boost < max_boost ? boost : max_boost);
	return true;
}

/* Free pages this caller may not count (__zone_watermark_unusable_free()). */
static int64_t unusable_free(const struct zone *z, unsigned order, unsigned alloc_flags)
{
	int64_t n = ((int64_t)1 << order) - 1;

	if (!(alloc_flags & (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)))
		n += (int64_t)z->nr_reserved_highatomic;
	if (!(alloc_flags & ALLOC_CMA))
		n += z->nr_free_cma;
	return n;
}

/* models __zone_watermark_ok() of v4.2 with @free free pages */
static bool watermark_ok_2015(const struct pfnlab_machine *m, const struct zone *z, unsigned order,
			      uint64_t mark, int highest_zoneidx, unsigned alloc_flags, int64_t free)
{
	int64_t min = (int64_t)mark, free_pages = free - (((int64_t)1 << order) - 1);
	int64_t free_cma = (alloc_flags & ALLOC_CMA) ? 0 : z->nr_free_cma;

	if (alloc_flags & ALLOC_MIN_RESERVE)
		min -= min / 2;
	if (alloc_flags & ALLOC_NON_BLOCK)
		min -= min / 4;
	if (free_pages - free_cma <= min + (int64_t)z->lowmem_reserve[highest_zoneidx])
		return false;
	for (unsigned o = 0; o < order; o++) {
		free_pages -= (int64_t)(z->area[o].nr_free << o);
		min >>= 1;
		if (free_pages <= min)
			return false;
	}
	(void)m;
	return true;
}

/* models __zone_watermark_ok() of v6.1 (v4.2's in 2015) with @free free pages */
bool zone_watermark_ok_free(const struct pfnlab_machine *m, const struct zone *z, unsigned order, uint64_t mark,
			    int highest_zoneidx, unsigned alloc_flags, int64_t free)
{
	int64_t min = (int64_t)mark, free_pages;

	if (m->cfg.era == PFNLAB_ERA_2015)
		return watermark_ok_2015(m, z, order, mark, highest_zoneidx, alloc_flags, free);
	free_pages = free - unusable_free(z, order, alloc_flags);
	if (alloc_flags & (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + (int64_t)z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	for (unsigned o = order; o < m->nr_orders; o++) {
		const struct free_area *a = &z->area[o];

		if (!a->nr_free)
			continue;
		for (int t = 0; t < PFNLAB_MT_HIGHATOMIC; t++)
			if (a->list[t].head != NIL_PFN)
				return true;
		if ((alloc_flags & ALLOC_CMA) && a->list[PFNLAB_MT_CMA].head != NIL_PFN)
			return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    a->list[PFNLAB_MT_HIGHATOMIC].head != NIL_PFN)
			return true;
	}
	return false;
}

/* models zone_watermark_ok(): __zone_watermark_ok() with the zone's free pages */
bool zone_watermark_ok(const struct pfnlab_machine *m, const struct zone *z, unsigned order,
		       uint64_t mark, int highest_zoneidx, unsigned alloc_flags)
{
	return zone_watermark_ok_free(m, z, order, mark, highest_zoneidx, alloc_flags, z->nr_free);
}

/* models calculate_totalreserve_pages(): per zone its largest lowmem reserve plus the high watermark */
uint64_t totalreserve_pages(const struct pfnlab_machine *m)
{
	uint64_t total = 0;

	for (int i = 0; i < m->nr_zones; i++) {
		const struct zone *z = &m->zones[i];
		uint64_t max = 0;

		for (int j = z->type; j < PFNLAB_NR_ZONES; j++)
			if (z->lowmem_reserve[j] > max)
				max = z->lowmem_reserve[j];
		max += z->wmark[WMARK_HIGH];
		total += max < z->managed ? max : z->managed;
	}
	return total;
}

/* Does [pfn, end) hold a hole or reserved page (pageblock_is_reserved())? */
static bool block_has_reserved(const struct pfnlab_machine *m, uint64_t pfn, uint64_t end)
{
	for (; pfn < end; pfn++)
		if (m->frames[pfn].flags & (F_HOLE | F_RESERVED))
			return true;
	return false;
}

/*
 * models setup_zone_migrate_reserve() of v4.2: the first one or two
 * movable pageblocks of each zone become MIGRATE_RESERVE, the last resort
 * of __rmqueue.  Kernels since v4.4 have no such blocks.
 */
void setup_migrate_reserve(struct pfnlab_machine *m)
{
	if (m->cfg.era != PFNLAB_ERA_2015)
		return;
	for (int i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		uint64_t end = z->start_pfn + z->spanned;
		uint64_t start = (z->start_pfn + m->pb_pages - 1) & ~(m->pb_pages - 1);
		uint64_t reserve = ((z->wmark[WMARK_MIN] + m->pb_pages - 1) & ~(m->pb_pages - 1)) >> m->pb_order;

		if (reserve > 2)
			reserve = 2;
		for (uint64_t pfn = start; pfn < end && reserve; pfn += m->pb_pages) {
			uint64_t bend = pfn + m->pb_pages < end ? pfn + m->pb_pages : end;

			if (block_has_reserved(m, pfn, bend) || pb_type(m, pfn) != PFNLAB_MT_MOVABLE)
				continue;
			set_pageblock_migratetype(m, pfn, PFNLAB_MT_HIGHATOMIC);
			move_freepages_block(m, z, pfn, PFNLAB_MT_HIGHATOMIC, NULL);
			reserve--;
		}
	}
}
