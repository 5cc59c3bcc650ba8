/*
 * procfs.c - the kernel's text views of a machine: /proc/buddyinfo,
 * /proc/pagetypeinfo, /proc/zoneinfo, /proc/meminfo, /proc/vmstat and the
 * debugfs files extfrag/extfrag_index and extfrag/unusable_index.
 *
 * Models the seq_file show functions of mm/vmstat.c and fs/proc/meminfo.c
 * of v6.1, byte for byte, for the kernel configuration of a typical x86_64
 * distribution build (Debian's 6.1 amd64 config: CONFIG_NUMA, SWAP,
 * ZSWAP, ZSMALLOC, NUMA_BALANCING, TRANSPARENT_HUGEPAGE, HUGETLB_PAGE,
 * MEMORY_BALLOON, KSM, MIGRATION, COMPACTION, MEMORY_ISOLATION,
 * MEMORY_FAILURE, ZONE_DEVICE; no HIGHMEM), with CONFIG_CMA following the
 * machine (cfg.config_cma).  Only pagetypeinfo follows the machine's era:
 * in 2015 (v4.2) its rows use the v4.2 migrate-type order and names and its
 * free counts are not capped.  Every other view has the v6.1 layout in both
 * eras.
 *
 * The model keeps one node, its LRU lists, page cache, swap, reclaim and
 * compaction counters and one slab cache (the buffer heads'): counters it
 * does not keep print 0, as a freshly booted kernel with nothing running
 * would come close to.  Views read the state and never change it.
 */
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "report.h"

#define NODE_ID 0
#define ZONE_DEVICE_TYPE (-1) /* ZONE_DEVICE: never populated, not in the model's enum */

typedef void (*view_fn)(const struct pfnlab_machine *m, const struct pfnlab_sink *s);

/*
 * The zone types of the machine's kernel, in enum zone_type order.  An
 * x86_64 kernel (CONFIG_ZONE_DMA, CONFIG_ZONE_DMA32, CONFIG_ZONE_DEVICE)
 * has DMA, DMA32, Normal, Movable and Device; a ppc64 kernel is taken to
 * have DMA, Normal and Movable (no ZONE_DMA32, and ZONE_DEVICE left out).
 * A machine counts as x86_64-like when it has a DMA32 limit.
 */
static int kernel_zone_types(const struct pfnlab_machine *m, int types[PFNLAB_NR_ZONES + 1])
{
	int n = 0;

	types[n++] = PFNLAB_ZONE_DMA;
	if (m->cfg.zone_dma32_end)
		types[n++] = PFNLAB_ZONE_DMA32;
	types[n++] = PFNLAB_ZONE_NORMAL;
	types[n++] = PFNLAB_ZONE_MOVABLE;
	if (m->cfg.zone_dma32_end)
		types[n++] = ZONE_DEVICE_TYPE;
	return n;
}

static bool x86_like(const struct pfnlab_machine *m)
{
	return m->cfg.zone_dma32_end != 0;
}

static const char *kernel_zone_name(int type)
{
	static const char *const names[PFNLAB_NR_ZONES] = {"DMA", "DMA32", "Normal", "Movable"};

	return type == ZONE_DEVICE_TYPE ? "Device" : names[type];
}

/* The model's zone of a kernel zone type, or NULL when unpopulated. */
static const struct zone *zone_of(const struct pfnlab_machine *m, int type)
{
	if (type < 0 || type >= PFNLAB_NR_ZONES || m->zone_of_type[type] < 0)
		return NULL;
	return &m->zones[m->zone_of_type[type]];
}

/*
 * The migrate types /proc/pagetypeinfo lists, in the kernel's enum order
 * of the era: v6.1 Unmovable, Movable, Reclaimable, HighAtomic, [CMA],
 * Isolate; v4.2 Unmovable, Reclaimable, Movable, Reserve, [CMA], Isolate.
 * CMA only with CONFIG_CMA; Isolate always (CONFIG_MEMORY_ISOLATION).
 * Returns the count; @mts receives the model's indexes.
 */
static int kernel_migratetypes(const struct pfnlab_machine *m, int mts[PFNLAB_MT_TYPES],
			       const char *const **names)
{
	static const int cur[] = {PFNLAB_MT_UNMOVABLE, PFNLAB_MT_MOVABLE, PFNLAB_MT_RECLAIMABLE,
				  PFNLAB_MT_HIGHATOMIC, PFNLAB_MT_CMA, PFNLAB_MT_ISOLATE};
	static const int old[] = {PFNLAB_MT_UNMOVABLE, PFNLAB_MT_RECLAIMABLE, PFNLAB_MT_MOVABLE,
				  PFNLAB_MT_HIGHATOMIC, PFNLAB_MT_CMA, PFNLAB_MT_ISOLATE};
	bool v42 = m->cfg.era == PFNLAB_ERA_2015;
	const int *order = v42 ? old : cur;
	int n = 0;

	*names = v42 ? migratetype_names_2015 : migratetype_names;
	for (int i = 0; i < PFNLAB_MT_TYPES; i++)
		if (order[i] != PFNLAB_MT_CMA || m->cfg.config_cma)
			mts[n++] = order[i];
	return n;
}

/* models frag_show_print(), mm/vmstat.c */
static void frag_show_print(const struct pfnlab_machine *m, const struct zone *z,
			    const struct pfnlab_sink *s)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "Node %d, zone %8s ", NODE_ID, z->name);

	for (unsigned o = 0; o < m->nr_orders; o++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%6llu ",
			      (unsigned long long)z->area[o].nr_free);
	sink_printf(s, "%s\n", line);
}

/* models frag_show(), mm/vmstat.c: /proc/buddyinfo */
static void show_buddyinfo(const struct pfnlab_machine *m, const struct pfnlab_sink *s)
{
	for (int i = 0; i < m->nr_zones; i++)
		frag_show_print(m, &m->zones[i], s);
}

/* models pagetypeinfo_showfree_print(), mm/vmstat.c (the v5.4+ cap, v4.2 none) */
static void pagetypeinfo_showfree_print(const struct pfnlab_machine *m, const struct zone *z,
					const struct pfnlab_sink *s)
{
	const char *const *names;
	int mts[PFNLAB_MT_TYPES], nmt = kernel_migratetypes(m, mts, &names);
	bool capped = m->cfg.era == PFNLAB_ERA_CURRENT;

	for (int i = 0; i < nmt; i++) {
		char line[1024];
		int n = snprintf(line, sizeof(line), "Node %4d, zone %8s, type %12s ", NODE_ID, z->name,
				 names[mts[i]]);

		for (unsigned o = 0; o < m->nr_orders; o++) {
			uint64_t count = free_list_count(m->frames, &z->area[o].list[mts[i]],
							 capped ? 100000 : UINT64_MAX);
			bool overflow = capped && count >= 100000;

			n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%6llu ", overflow ? ">" : "",
				      (unsigned long long)count);
		}
		sink_printf(s, "%s\n", line);
	}
}

/* models pagetypeinfo_showblockcount_print(), mm/vmstat.c */
static void pagetypeinfo_showblockcount_print(const struct pfnlab_machine *m, const struct zone *z,
					      const struct pfnlab_sink *s)
{
	const char *const *names;
	int mts[PFNLAB_MT_TYPES], nmt = kernel_migratetypes(m, mts, &names);
	char line[1024];
	int n = snprintf(line, sizeof(line), "Node %d, zone %8s ", NODE_ID, z->name);

	for (int i = 0; i < nmt; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%12llu ",
			      (unsigned long long)count_pageblocks(m, z, mts[i]));
	sink_printf(s, "%s\n", line);
}

/* models pagetypeinfo_show(), mm/vmstat.c: /proc/pagetypeinfo (no page_owner section) */
static void show_pagetypeinfo(const struct pfnlab_machine *m, const struct pfnlab_sink *s)
{
	const char *const *names;
	int mts[PFNLAB_MT_TYPES], nmt = kernel_migratetypes(m, mts, &names);
	char line[1024];
	int n;

	if (!m->nr_zones)
		return;
	sink_printf(s, "Page block order: %u\n", m->pb_order);
	sink_printf(s, "Pages per block:  %llu\n\n", (unsigned long long)m->pb_pages);
	/* pagetypeinfo_showfree(): header, then the free counts */
	n = snprintf(line, sizeof(line), "%-43s ", "Free pages count per migrate type at order");
	for (unsigned o = 0; o < m->nr_orders; o++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%6u ", o);
	sink_printf(s, "%s\n", line);
	for (int i = 0; i < m->nr_zones; i++)
		pagetypeinfo_showfree_print(m, &m->zones[i], s);
	/* pagetypeinfo_showblockcount(): header, then the pageblock counts */
	n = snprintf(line, sizeof(line), "\n%-23s", "Number of blocks type ");
	for (int i = 0; i < nmt; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%12s ", names[mts[i]]);
	sink_printf(s, "%s\n", line);
	for (int i = 0; i < m->nr_zones; i++)
		pagetypeinfo_showblockcount_print(m, &m->zones[i], s);
}

/* Node stat items of v6.1 (enum node_stat_item) under the config above. */
static const char *const node_stat_names[] = {
	"nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file",
	"nr_unevictable", "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon",
	"nr_isolated_file", "workingset_nodes", "workingset_refault_anon",
	"workingset_refault_file", "workingset_activate_anon", "workingset_activate_file",
	"workingset_restore_anon", "workingset_restore_file", "workingset_nodereclaim",
	"nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback",
	"nr_writeback_temp", "nr_shmem", "nr_shmem_hugepages", "nr_shmem_pmdmapped",
	"nr_file_hugepages", "nr_file_pmdmapped", "nr_anon_transparent_hugepages",
	"nr_vmscan_write", "nr_vmscan_immediate_reclaim", "nr_dirtied", "nr_written",
	"nr_throttled_written", "nr_kernel_misc_reclaimable", "nr_foll_pin_acquired",
	"nr_foll_pin_released", "nr_kernel_stack", "nr_page_table_pages",
	"nr_sec_page_table_pages", "nr_swapcached", "pgpromote_success", "pgpromote_candidate",
};

/* Zone stat items of v6.1 (enum zone_stat_item; nr_zspages: CONFIG_ZSMALLOC). */
static const char *const zone_stat_names[] = {
	"nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon", "nr_zone_inactive_file",
	"nr_zone_active_file", "nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock",
	"nr_bounce", "nr_zspages", "nr_free_cma",
};

/* NUMA event items (enum numa_stat_item, CONFIG_NUMA). */
static const char *const numa_stat_names[] = {
	"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A machine-wide counter the model keeps under a kernel name, else 0. */
static unsigned long long global_value(const struct pfnlab_machine *m, const char *name)
{
	long long v = pfnlab_vmstat(m, name);

	return v < 0 ? 0 : (unsigned long long)v;
}

/* A zone counter: only the free-page counters exist per zone in the model. */
static unsigned long long zone_value(const struct zone *z, const char *name)
{
	if (!z)
		return 0;
	if (strcmp(name, "nr_free_pages") == 0)
		return z->nr_free > 0 ? (unsigned long long)z->nr_free : 0;
	if (strcmp(name, "nr_free_cma") == 0)
		return z->nr_free_cma > 0 ? (unsigned long long)z->nr_free_cma : 0;
	return 0;
}

static int fls_u64(uint64_t x)
{
	int n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

/* models calculate_normal_threshold(), mm/vmstat.c: the per-CPU stat threshold of a zone */
static int normal_threshold(const struct pfnlab_machine *m, const struct zone *z)
{
	uint64_t mem = z->managed >> (27 - m->cfg.page_shift); /* 128 MiB units */
	int t = 2 * fls_u64(m->cfg.nr_cpus) * (1 + fls_u64(mem));

	return t < 125 ? t : 125;
}

/*
 * lowmem_reserve[] of a zone over all kernel zone types.  ZONE_DEVICE has
 * no managed pages, so its entry repeats the cumulative sum up to Movable
 * (setup_per_zone_lowmem_reserve() walks every zone type); unpopulated
 * zones have nothing managed, so their whole row is 0.
 */
static unsigned long long protection(const struct zone *z, int type)
{
	if (!z)
		return 0;
	if (type == ZONE_DEVICE_TYPE)
		type = PFNLAB_ZONE_MOVABLE;
	return z->lowmem_reserve[type];
}

/*
 * A watermark of zone @type as zoneinfo prints it: with the boost; for an
 * unpopulated zone what __setup_per_zone_wmarks() computes with nothing
 * managed: 0, but 6.12's ZONE_MOVABLE, whose min (and with no gap above
 * it, low, high and promo) is movable_zone_min()
 */
static unsigned long long zoneinfo_wmark(const struct pfnlab_machine *m, const struct zone *z, int type, int w)
{
	if (z)
		return wmark_pages(z, w);
	return m->k612 && type == PFNLAB_ZONE_MOVABLE ? movable_zone_min(0) : 0;
}

/*
 * models zoneinfo_show_print(), mm/vmstat.c (v6.1; 6.12 adds the promo
 * watermark): one zone of /proc/zoneinfo.  Unpopulated zones (and
 * ZONE_DEVICE) print the short form, with zoneinfo_wmark()'s watermarks.
 * Per-CPU lists: the model's count/high/batch when cfg.pcp is on; without
 * them each CPU shows count 0, high 0, batch 1, the values of a zone whose
 * pcp lists are disabled (zone_pcp_disable()).
 */
static void zoneinfo_show_print(const struct pfnlab_machine *m, int type, bool first_populated,
				const struct pfnlab_sink *s)
{
	const struct zone *z = zone_of(m, type);
	int types[PFNLAB_NR_ZONES + 1], nt = kernel_zone_types(m, types);
	char line[1024];
	int n;

	sink_printf(s, "Node %d, zone %8s\n", NODE_ID, kernel_zone_name(type));
	if (z && first_populated) {
		sink_printf(s, "  per-node stats\n");
		for (size_t i = 0; i < ARRAY_LEN(node_stat_names); i++)
			sink_printf(s, "      %-12s %llu\n", node_stat_names[i],
				    global_value(m, node_stat_names[i]));
	}
	sink_printf(s, "  pages free     %llu\n", zone_value(z, "nr_free_pages"));
	sink_printf(s, "        boost    %llu\n", z ? (unsigned long long)z->watermark_boost : 0ull);
	sink_printf(s, "        min      %llu\n", zoneinfo_wmark(m, z, type, WMARK_MIN));
	sink_printf(s, "        low      %llu\n", zoneinfo_wmark(m, z, type, WMARK_LOW));
	sink_printf(s, "        high     %llu\n", zoneinfo_wmark(m, z, type, WMARK_HIGH));
	if (m->k612)
		sink_printf(s, "        promo    %llu\n", zoneinfo_wmark(m, z, type, WMARK_PROMO));
	sink_printf(s, "        spanned  %llu\n", z ? (unsigned long long)z->spanned : 0ull);
	sink_printf(s, "        present  %llu\n", z ? (unsigned long long)z->present : 0ull);
	sink_printf(s, "        managed  %llu\n", z ? (unsigned long long)z->managed : 0ull);
	sink_printf(s, "        cma      %llu\n", z ? (unsigned long long)z->cma_pages : 0ull);
	n = snprintf(line, sizeof(line), "        protection: (%llu", protection(z, types[0]));
	for (int i = 1; i < nt; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", %llu", protection(z, types[i]));
	sink_printf(s, "%s)\n", line);
	if (!z)
		return;
	for (size_t i = 0; i < ARRAY_LEN(zone_stat_names); i++)
		sink_printf(s, "      %-12s %llu\n", zone_stat_names[i], zone_value(z, zone_stat_names[i]));
	for (size_t i = 0; i < ARRAY_LEN(numa_stat_names); i++)
		sink_printf(s, "      %-12s %llu\n", numa_stat_names[i], 0ull);
	sink_printf(s, "  pagesets\n");
	for (unsigned c = 0; c < m->cfg.nr_cpus && c < MAX_CPUS; c++) {
		const struct per_cpu_pages *p = &z->pcp[c];

		sink_printf(s, "    cpu: %u\n", c);
		sink_printf(s, "              count: %u\n", m->cfg.pcp ? p->count : 0);
		sink_printf(s, "              high:  %u\n", m->cfg.pcp ? p->high : 0);
		sink_printf(s, "              batch: %u\n", m->cfg.pcp ? p->batch : 1);
		sink_printf(s, "  vm stats threshold: %d\n", normal_threshold(m, z));
	}
	sink_printf(s, "  node_unreclaimable:  %u\n", 0u);
	sink_printf(s, "  start_pfn:           %llu\n", (unsigned long long)z->start_pfn);
}

/* models zoneinfo_show(), mm/vmstat.c: every zone type, populated or not */
static void show_zoneinfo(const struct pfnlab_machine *m, const struct pfnlab_sink *s)
{
	int types[PFNLAB_NR_ZONES + 1], nt = kernel_zone_types(m, types);
	bool seen_populated = false;

	for (int i = 0; i < nt; i++) {
		bool populated = zone_of(m, types[i]) != NULL;

		zoneinfo_show_print(m, types[i], populated && !seen_populated, s);
		seen_populated |= populated;
	}
}

/* Sums over the populated zones. */
struct totals {
	unsigned long long managed, free, free_cma, cma, reserve;
};

/* models calculate_totalreserve_pages() and the sums si_meminfo() reads */
static struct totals machine_totals(const struct pfnlab_machine *m)
{
	struct totals t = {0};

	for (int i = 0; i < m->nr_zones; i++) {
		const struct zone *z = &m->zones[i];
		unsigned long long max = 0;

		t.managed += z->managed;
		t.free += z->nr_free > 0 ? (unsigned long long)z->nr_free : 0;
		t.free_cma += z->nr_free_cma > 0 ? (unsigned long long)z->nr_free_cma : 0;
		t.cma += z->cma_pages;
		for (int j = z->type; j < PFNLAB_NR_ZONES; j++)
			if (z->lowmem_reserve[j] > max)
				max = z->lowmem_reserve[j];
		max += z->wmark[WMARK_HIGH];
		t.reserve += max < z->managed ? max : z->managed;
	}
	return t;
}

static void meminfo_kb(const struct pfnlab_machine *m, const struct pfnlab_sink *s,
		       const char *label, unsigned long long pages)
{
	sink_printf(s, "%-16s%8llu kB\n", label, pages << (m->cfg.page_shift - 10));
}

/* models hugetlb_report_meminfo(), mm/hugetlb.c: the default size's pool, then every size's pages in kB */
static void show_hugetlb_meminfo(const struct pfnlab_machine *m, const struct pfnlab_sink *s)
{
	struct pfnlab_hugetlb_info hi = {0}, def = {0};
	unsigned long long total = 0;

	for (unsigned i = 0; pfnlab_hugetlb_info(m, i, &hi) == 0; i++) {
		total += hi.nr * (hi.page_bytes >> 10);
		if (hi.is_default)
			def = hi;
	}
	sink_printf(s, "HugePages_Total:   %5llu\n", (unsigned long long)def.nr);
	sink_printf(s, "HugePages_Free:    %5llu\n", (unsigned long long)def.free);
	sink_printf(s, "HugePages_Rsvd:    %5llu\n", (unsigned long long)def.resv);
	sink_printf(s, "HugePages_Surp:    %5llu\n", (unsigned long long)def.surplus);
	sink_printf(s, "Hugepagesize:   %8llu kB\n", (unsigned long long)(def.page_bytes >> 10));
	sink_printf(s, "Hugetlb:        %8llu kB\n", total);
}

/* nr_blockdev_pages(): the page cache of the block devices (file systems' metadata) */
static unsigned long long blockdev_pages(const struct pfnlab_machine *m)
{
	unsigned long long n = 0;

	for (unsigned i = 0; i < m->nr_mappings; i++)
		if (m->mappings[i].live && m->mappings[i].fs == PFNLAB_FS_BDEV)
			n += m->mappings[i].nr_cached;
	return n;
}

/* si_mem_available()'s share of reclaimable pages: all but half of them or the low watermarks, the smaller */
static unsigned long long reclaimable_share(unsigned long long pages, unsigned long long wmark_low)
{
	return pages - (pages / 2 < wmark_low ? pages / 2 : wmark_low);
}

/*
 * models meminfo_proc_show(), fs/proc/meminfo.c (v6.1), with
 * hugetlb_report_meminfo() and x86's arch_report_meminfo().  MemFree is
 * NR_FREE_PAGES (pages on per-CPU lists are not in it); MemAvailable is
 * si_mem_available(): free pages less totalreserve_pages, plus the file
 * LRU pages and reclaimable slab, each less half of it or the zones' low
 * watermarks.  Buffers is the block devices' page cache, Cached
 * the rest of NR_FILE_PAGES (no swap cache in the model); the LRU lines,
 * Dirty, Writeback, Shmem and the swap lines come from the model's
 * counters; CommitLimit is vm_commit_limit() with the default
 * overcommit_ratio of 50, plus the swap.  The slab lines count the one
 * slab cache the model keeps, the buffer heads' (reclaimable; a workload's
 * __GFP_RECLAIMABLE pages are plain kernel pages to it).  Zero: what
 * the model does not count (AnonPages, Mapped, unreclaimable slab, kernel
 * stacks, page tables).
 * Arch-dependent lines: VmallocTotal (x86_64 4-level paging), DirectMap
 * (x86 only; a ppc64 hash MMU prints none).
 */
static void show_meminfo(const struct pfnlab_machine *m, const struct pfnlab_sink *s)
{
	struct totals t = machine_totals(m);
	unsigned long long aa = global_value(m, "nr_active_anon"), ia = global_value(m, "nr_inactive_anon");
	unsigned long long af = global_value(m, "nr_active_file"), inf = global_value(m, "nr_inactive_file");
	unsigned long long buffers = blockdev_pages(m), file = global_value(m, "nr_file_pages");
	unsigned long long wmark_low = 0, slab = global_value(m, "nr_slab_reclaimable");
	long long avail;
	static const char *const zero_b[] = {
		"AnonPages:", "Mapped:",
	};
	static const char *const zero_c[] = {
		"SecPageTables:", "NFS_Unstable:", "Bounce:", "WritebackTmp:",
	};
	static const char *const thp[] = {
		"AnonHugePages:", "ShmemHugePages:", "ShmemPmdMapped:", "FileHugePages:",
		"FilePmdMapped:",
	};

	for (int i = 0; i < m->nr_zones; i++)
		wmark_low += wmark_pages(&m->zones[i], WMARK_LOW); /* low_wmark_pages(): the boost included */
	avail = (long long)t.free - (long long)t.reserve +
		(long long)(reclaimable_share(af + inf, wmark_low) + reclaimable_share(slab, wmark_low));
	meminfo_kb(m, s, "MemTotal:", t.managed);
	meminfo_kb(m, s, "MemFree:", t.free);
	meminfo_kb(m, s, "MemAvailable:", avail > 0 ? (unsigned long long)avail : 0);
	meminfo_kb(m, s, "Buffers:", buffers);
	meminfo_kb(m, s, "Cached:", file > buffers ? file - buffers : 0);
	meminfo_kb(m, s, "SwapCached:", 0);
	meminfo_kb(m, s, "Active:", aa + af);
	meminfo_kb(m, s, "Inactive:", ia + inf);
	meminfo_kb(m, s, "Active(anon):", aa);
	meminfo_kb(m, s, "Inactive(anon):", ia);
	meminfo_kb(m, s, "Active(file):", af);
	meminfo_kb(m, s, "Inactive(file):", inf);
	meminfo_kb(m, s, "Unevictable:", global_value(m, "nr_unevictable"));
	meminfo_kb(m, s, "Mlocked:", 0);
	meminfo_kb(m, s, "SwapTotal:", m->swap_pages);
	meminfo_kb(m, s, "SwapFree:", m->swap_pages - m->swap_used);
	sink_printf(s, "Zswap:          %8llu kB\n", 0ull);
	sink_printf(s, "Zswapped:       %8llu kB\n", 0ull);
	meminfo_kb(m, s, "Dirty:", global_value(m, "nr_dirty"));
	meminfo_kb(m, s, "Writeback:", global_value(m, "nr_writeback"));
	for (size_t i = 0; i < ARRAY_LEN(zero_b); i++)
		meminfo_kb(m, s, zero_b[i], 0);
	meminfo_kb(m, s, "Shmem:", global_value(m, "nr_shmem"));
	meminfo_kb(m, s, "KReclaimable:", slab);
	meminfo_kb(m, s, "Slab:", slab);
	meminfo_kb(m, s, "SReclaimable:", slab);
	meminfo_kb(m, s, "SUnreclaim:", 0);
	sink_printf(s, "KernelStack:    %8llu kB\n", 0ull);
	meminfo_kb(m, s, "PageTables:", global_value(m, "nr_page_table_pages"));
	for (size_t i = 0; i < ARRAY_LEN(zero_c); i++)
		meminfo_kb(m, s, zero_c[i], 0);
	meminfo_kb(m, s, "CommitLimit:", t.managed * 50 / 100 + m->swap_pages);
	meminfo_kb(m, s, "Committed_AS:", 0);
	sink_printf(s, "VmallocTotal:   %8llu kB\n", x86_like(m) ? ((32ull << 40) - 1) >> 10 : 0ull);
	meminfo_kb(m, s, "VmallocUsed:", 0);
	meminfo_kb(m, s, "VmallocChunk:", 0);
	meminfo_kb(m, s, "Percpu:", 0);
	sink_printf(s, "HardwareCorrupted: %5llu kB\n", 0ull);
	for (size_t i = 0; i < ARRAY_LEN(thp); i++)
		meminfo_kb(m, s, thp[i], 0);
	if (m->cfg.config_cma) {
		meminfo_kb(m, s, "CmaTotal:", t.cma);
		meminfo_kb(m, s, "CmaFree:", t.free_cma);
	}
	show_hugetlb_meminfo(m, s);
	if (x86_like(m)) {
		sink_printf(s, "DirectMap4k:    %8llu kB\n", 0ull);
		sink_printf(s, "DirectMap2M:    %8llu kB\n", 0ull);
	}
}

static void vmstat_line(const struct pfnlab_machine *m, const struct pfnlab_sink *s, const char *name)
{
	sink_printf(s, "%s %llu\n", name, global_value(m, name));
}

/* The per-zone event counters of vm_event_item, one per kernel zone type. */
static void vmstat_zone_lines(const struct pfnlab_machine *m, const struct pfnlab_sink *s,
			      const char *prefix)
{
	static const char *const suffix[PFNLAB_NR_ZONES] = {"dma", "dma32", "normal", "movable"};
	int types[PFNLAB_NR_ZONES + 1], nt = kernel_zone_types(m, types);
	char name[64];

	for (int i = 0; i < nt; i++) {
		snprintf(name, sizeof(name), "%s_%s", prefix,
			 types[i] == ZONE_DEVICE_TYPE ? "device" : suffix[types[i]]);
		vmstat_line(m, s, name);
	}
}

/* vm_event_item names of v6.1 after the per-zone ones, until the CMA pair. */
static const char *const vm_events_a[] = {
	"pgfree", "pgactivate", "pgdeactivate", "pglazyfree", "pgfault", "pgmajfault",
	"pglazyfreed", "pgrefill", "pgreuse", "pgsteal_kswapd", "pgsteal_direct",
	"pgdemote_kswapd", "pgdemote_direct", "pgscan_kswapd", "pgscan_direct",
	"pgscan_direct_throttle", "pgscan_anon", "pgscan_file", "pgsteal_anon", "pgsteal_file",
	"zone_reclaim_failed", "pginodesteal", "slabs_scanned", "kswapd_inodesteal",
	"kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly", "pageoutrun",
	"pgrotated", "drop_pagecache", "drop_slab", "oom_kill", "numa_pte_updates",
	"numa_huge_pte_updates", "numa_hint_faults", "numa_hint_faults_local",
	"numa_pages_migrated", "pgmigrate_success", "pgmigrate_fail", "thp_migration_success",
	"thp_migration_fail", "thp_migration_split", "compact_migrate_scanned",
	"compact_free_scanned", "compact_isolated", "compact_stall", "compact_fail",
	"compact_success", "compact_daemon_wake", "compact_daemon_migrate_scanned",
	"compact_daemon_free_scanned", "htlb_buddy_alloc_success", "htlb_buddy_alloc_fail",
};

/* ... and after the CMA pair to the end (the x86-only pair is separate). */
static const char *const vm_events_b[] = {
	"unevictable_pgs_culled", "unevictable_pgs_scanned", "unevictable_pgs_rescued",
	"unevictable_pgs_mlocked", "unevictable_pgs_munlocked", "unevictable_pgs_cleared",
	"unevictable_pgs_stranded", "thp_fault_alloc", "thp_fault_fallback",
	"thp_fault_fallback_charge", "thp_collapse_alloc", "thp_collapse_alloc_failed",
	"thp_file_alloc", "thp_file_fallback", "thp_file_fallback_charge", "thp_file_mapped",
	"thp_split_page", "thp_split_page_failed", "thp_deferred_split_page", "thp_split_pmd",
	"thp_scan_exceed_none_pte", "thp_scan_exceed_swap_pte", "thp_scan_exceed_share_pte",
	"thp_split_pud", "thp_zero_page_alloc", "thp_zero_page_alloc_failed", "thp_swpout",
	"thp_swpout_fallback", "balloon_inflate", "balloon_deflate", "balloon_migrate", "swap_ra",
	"swap_ra_hit", "ksm_swpin_copy", "cow_ksm", "zswpin", "zswpout",
};

/*
 * models vmstat_show() over vmstat_text[], mm/vmstat.c (v6.1): zone, NUMA,
 * node and writeback items, then the events, then the deprecated
 * nr_unstable.  nr_free_cma is a zone item the kernel prints with or
 * without CONFIG_CMA; cma_alloc_success/fail only with it.  The model's
 * own counters ("pfnlab_*") never appear.
 */
static void show_vmstat(const struct pfnlab_machine *m, const struct pfnlab_sink *s)
{
	static const char *const writeback[] = {"nr_dirty_threshold", "nr_dirty_background_threshold"};
	static const char *const early_events[] = {"pgpgin", "pgpgout", "pswpin", "pswpout"};

	for (size_t i = 0; i < ARRAY_LEN(zone_stat_names); i++)
		vmstat_line(m, s, zone_stat_names[i]);
	for (size_t i = 0; i < ARRAY_LEN(numa_stat_names); i++)
		vmstat_line(m, s, numa_stat_names[i]);
	for (size_t i = 0; i < ARRAY_LEN(node_stat_names); i++)
		vmstat_line(m, s, node_stat_names[i]);
	for (size_t i = 0; i < ARRAY_LEN(writeback); i++)
		vmstat_line(m, s, writeback[i]);
	for (size_t i = 0; i < ARRAY_LEN(early_events); i++)
		vmstat_line(m, s, early_events[i]);
	vmstat_zone_lines(m, s, "pgalloc");
	vmstat_zone_lines(m, s, "allocstall");
	vmstat_zone_lines(m, s, "pgskip");
	for (size_t i = 0; i < ARRAY_LEN(vm_events_a); i++)
		vmstat_line(m, s, vm_events_a[i]);
	if (m->cfg.config_cma) {
		vmstat_line(m, s, "cma_alloc_success");
		vmstat_line(m, s, "cma_alloc_fail");
	}
	for (size_t i = 0; i < ARRAY_LEN(vm_events_b); i++)
		vmstat_line(m, s, vm_events_b[i]);
	if (x86_like(m)) {
		vmstat_line(m, s, "direct_map_level2_splits");
		vmstat_line(m, s, "direct_map_level3_splits");
	}
	sink_printf(s, "nr_unstable 0\n");
}

/* models extfrag_show_print() (@extfrag) and unusable_show_print(), mm/vmstat.c */
static void index_show_print(const struct pfnlab_machine *m, const struct zone *z, bool extfrag,
			     const struct pfnlab_sink *s)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "Node %d, zone %8s ", NODE_ID, z->name);

	for (unsigned o = 0; o < m->nr_orders; o++) {
		int idx = extfrag ? fragmentation_index(m, z, o) : unusable_free_index(m, z, o);

		n += snprintf(line + n, sizeof(line) - (size_t)n, extfrag ? "%2d.%03d " : "%d.%03d ",
			      idx / 1000, idx % 1000);
	}
	sink_printf(s, "%s\n", line);
}

/* models extfrag_show(), mm/vmstat.c: debugfs extfrag/extfrag_index */
static void show_extfrag_index(const struct pfnlab_machine *m, const struct pfnlab_sink *s)
{
	for (int i = 0; i < m->nr_zones; i++)
		index_show_print(m, &m->zones[i], true, s);
}

/* models unusable_show(), mm/vmstat.c: debugfs extfrag/unusable_index */
static void show_unusable_index(const struct pfnlab_machine *m, const struct pfnlab_sink *s)
{
	for (int i = 0; i < m->nr_zones; i++)
		index_show_print(m, &m->zones[i], false, s);
}

/* The views, in pfnlab_views() order; view_fns[i] prints view_names[i]. */
static const char *const view_names[] = {
	"buddyinfo", "pagetypeinfo", "zoneinfo", "meminfo", "vmstat", "extfrag_index",
	"unusable_index", "cma", "cma_bitmap", NULL,
};

static const view_fn view_fns[] = {
	show_buddyinfo, show_pagetypeinfo, show_zoneinfo, show_meminfo, show_vmstat,
	show_extfrag_index, show_unusable_index, show_cma, show_cma_bitmap,
};

_Static_assert(ARRAY_LEN(view_names) == ARRAY_LEN(view_fns) + 1, "one printer per view name");

int pfnlab_print(const struct pfnlab_machine *m, const char *view, const struct pfnlab_sink *sink)
{
	if (!m || !view || !sink || !sink->write)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_LEN(view_fns); i++) {
		if (strcmp(view_names[i], view) == 0) {
			view_fns[i](m, sink);
			return 0;
		}
	}
	return -EINVAL;
}

const char *const *pfnlab_views(void)
{
	return view_names;
}
