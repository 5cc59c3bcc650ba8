/*
 * cma.c - CMA areas reserved at boot (cma= / kvm_cma), placed, aligned and
 * activated as mm/cma.c does.
 *
 * Models cma_declare_contiguous_nid() (alignment: a pageblock since v5.18,
 * a MAX_ORDER block before, and at least 2^order_per_bit pages; size and
 * base rounded up to it; placement top-down below the end of RAM, or since
 * v5.11 bottom-up from 4 GiB when RAM reaches that far) and
 * cma_activate_area() (the area must sit in one zone; its pageblocks are
 * typed MIGRATE_CMA and its pages freed to the CMA lists).
 */
#include <stdio.h>
#include <string.h>

#include "model.h"

static uint64_t cma_align_pages(const struct pfnlab_machine *m, unsigned order_per_bit)
{
	uint64_t a = m->cfg.era == PFNLAB_ERA_CURRENT ? m->pb_pages : 1ull << m->cfg.max_order;

	if (a < m->pb_pages)
		a = m->pb_pages;
	if (a < (1ull << order_per_bit))
		a = 1ull << order_per_bit;
	return a;
}

static bool range_free_for_cma(const struct pfnlab_machine *m, uint64_t base, uint64_t count)
{
	bool in_ram = false;

	for (unsigned i = 0; i < m->nr_ram; i++)
		if (base >= m->ram_start[i] && base + count <= m->ram_end[i])
			in_ram = true;
	if (!in_ram || base < m->reserved_end)
		return false;
	for (unsigned i = 0; i < m->nr_cma; i++)
		if (base < m->cma[i].base_pfn + m->cma[i].count && m->cma[i].base_pfn < base + count)
			return false;
	return true;
}

/* Find a place for @count pages aligned to @align, the way memblock would. */
static uint64_t place_cma(const struct pfnlab_machine *m, uint64_t count, uint64_t align)
{
	uint64_t four_g = (4ull << 30) >> m->cfg.page_shift;
	uint64_t top = m->nr_pfns;

	if (m->cfg.era == PFNLAB_ERA_CURRENT && top >= four_g + count) {
		for (uint64_t b = (four_g + align - 1) & ~(align - 1); b + count <= top; b += align)
			if (range_free_for_cma(m, b, count))
				return b;
	}
	if (top < count)
		return NIL_PFN;
	for (uint64_t b = (top - count) & ~(align - 1);; b -= align) {
		if (range_free_for_cma(m, b, count))
			return b;
		if (b < align)
			break;
	}
	return NIL_PFN;
}

/* Reserve, check and type the boot-time CMA areas of the configuration. */
int cma_reserve_boot(struct pfnlab_machine *m, char *why, size_t len)
{
	for (unsigned i = 0; i < m->cfg.nr_cma; i++) {
		const char *name = m->cfg.cma[i].name[0] ? m->cfg.cma[i].name : "reserved";
		unsigned opb = m->cfg.cma[i].order_per_bit;
		uint64_t align = cma_align_pages(m, opb);
		uint64_t count = m->cfg.cma[i].size >> m->cfg.page_shift;
		uint64_t base = m->cfg.cma[i].base >> m->cfg.page_shift;
		struct cma_area *a;
		int zi;

		count = (count + align - 1) & ~(align - 1);
		if (!count)
			return set_why(why, len, "CMA area %s: size is zero", name), -EINVAL;
		if (opb > m->cfg.max_order + 8)
			return set_why(why, len, "CMA area %s: order_per_bit %u is too large", name, opb),
			       -EINVAL;
		if (base) {
			base = (base + align - 1) & ~(align - 1);
			if (!range_free_for_cma(m, base, count))
				return set_why(why, len,
					       "CMA area %s: [%#llx, %#llx) is not free RAM (outside RAM, reserved or overlapping another area)",
					       name, (unsigned long long)base << m->cfg.page_shift,
					       (unsigned long long)(base + count) << m->cfg.page_shift),
				       -EINVAL;
		} else {
			base = place_cma(m, count, align);
			if (base == NIL_PFN)
				return set_why(why, len, "CMA area %s: no room for %llu MiB", name,
					       (unsigned long long)(count << m->cfg.page_shift) >> 20),
				       -ENOMEM;
		}
		zi = pfn_zone_index(m, base);
		if (zi < 0 || zi != pfn_zone_index(m, base + count - 1))
			return set_why(why, len, "CMA area %s could not be activated", name), -EINVAL;
		a = &m->cma[m->nr_cma++];
		snprintf(a->name, sizeof(a->name), "%s", name);
		a->base_pfn = base;
		a->count = count;
		a->order_per_bit = opb;
		a->zone = zi;
		m->zones[zi].cma_pages += count;
		for (uint64_t p = base; p < base + count; p += m->pb_pages)
			set_pageblock_migratetype(m, p, PFNLAB_MT_CMA);
	}
	if (m->nr_cma)
		m->cfg.config_cma = true;
	return 0;
}
