/*
 * cma_view.c - the CMA areas as `grep . FILE...` shows their debugfs
 * (mm/cma_debug.c: base_pfn, count, order_per_bit, used, maxchunk, bitmap)
 * and sysfs (mm/cma_sysfs.c: alloc_pages_success, alloc_pages_fail,
 * release_pages_success) files, one "path:value" line each.
 */
#include "report.h"

/* models cma_debugfs_add_one() and the cma sysfs attributes */
void show_cma(const struct pfnlab_machine *m, const struct pfnlab_sink *s)
{
	static const char dbg[] = "/sys/kernel/debug/cma/", sys[] = "/sys/kernel/mm/cma/";

	for (unsigned i = 0; i < pfnlab_cma_count(m); i++) {
		struct pfnlab_cma_info c;

		pfnlab_cma_info(m, i, &c);
		sink_printf(s, "%s%s/base_pfn:%llu\n", dbg, c.name, (unsigned long long)c.base_pfn);
		sink_printf(s, "%s%s/count:%llu\n", dbg, c.name, (unsigned long long)c.count);
		sink_printf(s, "%s%s/order_per_bit:%u\n", dbg, c.name, c.order_per_bit);
		sink_printf(s, "%s%s/used:%llu\n", dbg, c.name, (unsigned long long)c.used);
		sink_printf(s, "%s%s/maxchunk:%llu\n", dbg, c.name, (unsigned long long)c.maxchunk);
		sink_printf(s, "%s%s/alloc_pages_success:%llu\n", sys, c.name,
			    (unsigned long long)c.alloc_pages_success);
		sink_printf(s, "%s%s/alloc_pages_fail:%llu\n", sys, c.name, (unsigned long long)c.alloc_pages_fail);
		sink_printf(s, "%s%s/release_pages_success:%llu\n", sys, c.name,
			    (unsigned long long)c.release_pages_success);
	}
}

/* models the debugfs bitmap file: the bitmap as u32 words, "%u" separated by spaces */
void show_cma_bitmap(const struct pfnlab_machine *m, const struct pfnlab_sink *s)
{
	for (unsigned i = 0; i < m->nr_cma; i++) {
		const struct cma_area *a = &m->cma[i];
		uint64_t bits = a->count >> a->order_per_bit, words = (bits + 31) / 32;

		sink_printf(s, "/sys/kernel/debug/cma/%s/bitmap:", a->name);
		for (uint64_t w = 0; w < words; w++) {
			uint32_t v = (uint32_t)(a->bitmap[w / 2] >> (w % 2 * 32));

			if (w * 32 + 32 > bits && bits % 32)
				v &= (1u << (bits % 32)) - 1;
			sink_printf(s, "%s%u", w ? " " : "", v);
		}
		sink_printf(s, "\n");
	}
}
