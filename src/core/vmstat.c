/*
 * vmstat.c - names of the counters and migrate types, as /proc prints them.
 *
 * Models the name tables of mm/vmstat.c (vmstat_text) and
 * migratetype_names[] (mm/page_alloc.c).  Counters whose name starts with
 * "pfnlab_" are the model's own and never appear in kernel views.
 */
#include <string.h>

#include "model.h"

const char *const migratetype_names[PFNLAB_MT_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

/* v4.2 names, indexed by today's numbering (HIGHATOMIC's slot was Reserve) */
const char *const migratetype_names_2015[PFNLAB_MT_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "Reserve", "CMA", "Isolate",
};

static const char *const vm_names[NR_VM_ITEMS] = {
	[VM_PGALLOC_DMA] = "pgalloc_dma",
	[VM_PGALLOC_DMA32] = "pgalloc_dma32",
	[VM_PGALLOC_NORMAL] = "pgalloc_normal",
	[VM_PGALLOC_MOVABLE] = "pgalloc_movable",
	[VM_PGFREE] = "pgfree",
	[VM_PGMIGRATE_SUCCESS] = "pgmigrate_success",
	[VM_PGMIGRATE_FAIL] = "pgmigrate_fail",
	[VM_COMPACT_ISOLATED] = "compact_isolated",
	[VM_CMA_ALLOC_SUCCESS] = "cma_alloc_success",
	[VM_CMA_ALLOC_FAIL] = "cma_alloc_fail",
	[VM_NR_FOLL_PIN_ACQUIRED] = "nr_foll_pin_acquired",
	[VM_NR_FOLL_PIN_RELEASED] = "nr_foll_pin_released",
	[VM_ALLOC_FAILED] = "pfnlab_alloc_failed",
	[VM_EXTFRAG] = "pfnlab_extfrag",
	[VM_EXTFRAG_CLAIMED] = "pfnlab_extfrag_claimed",
	[VM_PIN_MIGRATED] = "pfnlab_pin_migrated",
	[VM_PIN_FAILED] = "pfnlab_pin_failed",
	[VM_PIN_UNMOVABLE_BLOCKS] = "pfnlab_pin_unmovable_blocks",
	[VM_CMA_BUSY_RETRY] = "pfnlab_cma_busy_retry",
	[VM_CONTIG_BUSY] = "pfnlab_contig_busy",
	[VM_PGACTIVATE] = "pgactivate",
	[VM_CONTIG_RECLAIMED] = "pfnlab_contig_reclaimed",
	[VM_CONTIG_MIGRATED] = "pfnlab_contig_migrated",
	[VM_WRITEBACK_WAITED] = "pfnlab_writeback_waited",
	[VM_WRITEOUT] = "pfnlab_writeout",
	[VM_COMPACT_MIGRATE_SCANNED] = "compact_migrate_scanned",
	[VM_COMPACT_FREE_SCANNED] = "compact_free_scanned",
	[VM_COMPACT_STALL] = "compact_stall",
	[VM_COMPACT_FAIL] = "compact_fail",
	[VM_COMPACT_SUCCESS] = "compact_success",
	[VM_COMPACT_DAEMON_WAKE] = "compact_daemon_wake",
	[VM_COMPACT_DAEMON_MIGRATE_SCANNED] = "compact_daemon_migrate_scanned",
	[VM_COMPACT_DAEMON_FREE_SCANNED] = "compact_daemon_free_scanned",
	[VM_HTLB_BUDDY_ALLOC_SUCCESS] = "htlb_buddy_alloc_success",
	[VM_HTLB_BUDDY_ALLOC_FAIL] = "htlb_buddy_alloc_fail",
	[VM_PGDEACTIVATE] = "pgdeactivate",
	[VM_PGREFILL] = "pgrefill",
	[VM_PGSTEAL_KSWAPD] = "pgsteal_kswapd",
	[VM_PGSTEAL_DIRECT] = "pgsteal_direct",
	[VM_PGSCAN_KSWAPD] = "pgscan_kswapd",
	[VM_PGSCAN_DIRECT] = "pgscan_direct",
	[VM_PGSCAN_ANON] = "pgscan_anon",
	[VM_PGSCAN_FILE] = "pgscan_file",
	[VM_PGSTEAL_ANON] = "pgsteal_anon",
	[VM_PGSTEAL_FILE] = "pgsteal_file",
	[VM_KSWAPD_LOW_WMARK_HIT_QUICKLY] = "kswapd_low_wmark_hit_quickly",
	[VM_KSWAPD_HIGH_WMARK_HIT_QUICKLY] = "kswapd_high_wmark_hit_quickly",
	[VM_PAGEOUTRUN] = "pageoutrun",
	[VM_PGROTATED] = "pgrotated",
	[VM_DROP_PAGECACHE] = "drop_pagecache",
	[VM_OOM_KILL] = "oom_kill",
	[VM_ALLOCSTALL_DMA] = "allocstall_dma",
	[VM_ALLOCSTALL_DMA32] = "allocstall_dma32",
	[VM_ALLOCSTALL_NORMAL] = "allocstall_normal",
	[VM_ALLOCSTALL_MOVABLE] = "allocstall_movable",
	[VM_PGSKIP_DMA] = "pgskip_dma",
	[VM_PGSKIP_DMA32] = "pgskip_dma32",
	[VM_PGSKIP_NORMAL] = "pgskip_normal",
	[VM_PGSKIP_MOVABLE] = "pgskip_movable",
	[VM_PSWPIN] = "pswpin",
	[VM_PSWPOUT] = "pswpout",
	[VM_PGPGOUT] = "pgpgout",
	[VM_NR_VMSCAN_WRITE] = "nr_vmscan_write",
	[VM_NR_VMSCAN_IMMEDIATE] = "nr_vmscan_immediate_reclaim",
	[VM_NR_DIRTIED] = "nr_dirtied",
	[VM_NR_WRITTEN] = "nr_written",
	[VM_ALLOCSTALL] = "allocstall",
	[VM_PGSCAN_KSWAPD_Z + 0] = "pgscan_kswapd_dma",
	[VM_PGSCAN_KSWAPD_Z + 1] = "pgscan_kswapd_dma32",
	[VM_PGSCAN_KSWAPD_Z + 2] = "pgscan_kswapd_normal",
	[VM_PGSCAN_KSWAPD_Z + 3] = "pgscan_kswapd_movable",
	[VM_PGSCAN_DIRECT_Z + 0] = "pgscan_direct_dma",
	[VM_PGSCAN_DIRECT_Z + 1] = "pgscan_direct_dma32",
	[VM_PGSCAN_DIRECT_Z + 2] = "pgscan_direct_normal",
	[VM_PGSCAN_DIRECT_Z + 3] = "pgscan_direct_movable",
	[VM_PGSTEAL_KSWAPD_Z + 0] = "pgsteal_kswapd_dma",
	[VM_PGSTEAL_KSWAPD_Z + 1] = "pgsteal_kswapd_dma32",
	[VM_PGSTEAL_KSWAPD_Z + 2] = "pgsteal_kswapd_normal",
	[VM_PGSTEAL_KSWAPD_Z + 3] = "pgsteal_kswapd_movable",
	[VM_PGSTEAL_DIRECT_Z + 0] = "pgsteal_direct_dma",
	[VM_PGSTEAL_DIRECT_Z + 1] = "pgsteal_direct_dma32",
	[VM_PGSTEAL_DIRECT_Z + 2] = "pgsteal_direct_normal",
	[VM_PGSTEAL_DIRECT_Z + 3] = "pgsteal_direct_movable",
	[VM_PGREFILL_Z + 0] = "pgrefill_dma",
	[VM_PGREFILL_Z + 1] = "pgrefill_dma32",
	[VM_PGREFILL_Z + 2] = "pgrefill_normal",
	[VM_PGREFILL_Z + 3] = "pgrefill_movable",
	[VM_DIRECT_RECLAIMS] = "pfnlab_direct_reclaims",
	[VM_RECLAIM_LIVELOCK] = "pfnlab_reclaim_livelock",
	[VM_OOM_PANIC] = "pfnlab_oom_panics",
};

_Static_assert(sizeof(vm_names) / sizeof(vm_names[0]) == NR_VM_ITEMS, "a name for every counter");

const char *vm_item_name(enum vm_item i)
{
	return vm_names[i];
}

long long pfnlab_vmstat(const struct pfnlab_machine *m, const char *name)
{
	if (!m || !name)
		return -1;
	int64_t free = 0, cma = 0;

	for (int i = 0; i < m->nr_zones; i++) {
		free += m->zones[i].nr_free;
		cma += m->zones[i].nr_free_cma;
	}
	if (strcmp(name, "nr_free_pages") == 0)
		return free;
	if (strcmp(name, "nr_free_cma") == 0)
		return cma;
	if (strcmp(name, "nr_file_pages") == 0)
		return (long long)m->nr_file_pages;
	if (strcmp(name, "nr_shmem") == 0)
		return (long long)m->nr_shmem;
	if (strcmp(name, "nr_slab_reclaimable") == 0) /* the buffer heads' and xarray nodes' slabs: the only ones modelled */
		return (long long)(m->bh.pages + m->xa_nodes.pages);
	if (strcmp(name, "nr_dirty") == 0)
		return (long long)m->nr_dirty;
	if (strcmp(name, "nr_writeback") == 0)
		return (long long)m->nr_writeback;
	if (strcmp(name, "nr_page_table_pages") == 0) /* pgtable.c's PTE tables: the only level modelled */
		return (long long)m->nr_pgtables;
	for (int l = 0; l < NR_LRU_LISTS; l++) {
		static const char *const lru_names[NR_LRU_LISTS] = {
			"nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
		};
		uint64_t n = 0;

		if (strcmp(name, lru_names[l]))
			continue;
		for (int z = 0; z < PFNLAB_NR_ZONES; z++)
			n += m->zone_lru[z][l];
		return (long long)n;
	}
	if (strcmp(name, "nr_isolated_anon") == 0 || strcmp(name, "nr_isolated_file") == 0) {
		uint64_t n = 0;

		for (int z = 0; z < PFNLAB_NR_ZONES; z++)
			n += m->lruvec[z].isolated[name[12] == 'f'];
		return (long long)n;
	}
	if (strcmp(name, "nr_dirty_threshold") == 0 || strcmp(name, "nr_dirty_background_threshold") == 0) {
		uint64_t bg, thresh;

		global_dirty_limits(m, &bg, &thresh);
		return (long long)(name[9] == 't' ? thresh : bg);
	}
	for (int i = 0; i < NR_VM_ITEMS; i++)
		if (strcmp(name, vm_names[i]) == 0)
			return (long long)m->vm[i];
	return -1;
}

long pfnlab_zone_free_pages(const struct pfnlab_machine *m, int zone)
{
	if (!m)
		return -1;
	if (zone < 0 || zone >= PFNLAB_NR_ZONES || m->zone_of_type[zone] < 0)
		return -1;
	return (long)m->zones[m->zone_of_type[zone]].nr_free;
}

long pfnlab_zone_pcp_pages(const struct pfnlab_machine *m, int zone)
{
	long n = 0;

	if (!m)
		return -1;
	if (zone < 0 || zone >= PFNLAB_NR_ZONES || m->zone_of_type[zone] < 0)
		return -1;
	if (!m->cfg.pcp)
		return 0;
	for (unsigned c = 0; c < m->cfg.nr_cpus && c < MAX_CPUS; c++)
		n += m->zones[m->zone_of_type[zone]].pcp[c].count;
	return n;
}

long pfnlab_nr_free(const struct pfnlab_machine *m, int zone, unsigned order, int mt)
{
	if (!m)
		return -1;
	if (zone < 0 || zone >= PFNLAB_NR_ZONES || m->zone_of_type[zone] < 0 ||
	    order >= m->nr_orders || mt < 0 || mt >= PFNLAB_MT_TYPES)
		return -1;
	return (long)free_list_count(m->frames, &m->zones[m->zone_of_type[zone]].area[order].list[mt], UINT64_MAX);
}
