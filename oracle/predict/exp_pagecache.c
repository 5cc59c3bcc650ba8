/*
 * exp_pagecache.c - page cache in the CMA area: pagecache (a file read
 * with read()), pagecache-mmap (mapped and read through the mapping) and
 * pagecache-dirty (written, writeback held off), each followed by a
 * whole-area cma_alloc: pages reclaimed (clean file pages,
 * reclaim_clean_pages_from_list()) against pages migrated, the outcome,
 * the dirty and writeback state.  The kernel's side only: pfnlab has no
 * page cache yet, so every row is shown with pfnlab "n/m"; the row keys
 * are what a model replay will put.
 */
#include <stdio.h>

#include "predict.h"

static void derive_pagecache(struct facts *k, struct facts *p)
{
	long long before, after;

	derive_cma_alloc(k, "pagecache");
	derive_cma_alloc(p, "pagecache");
	if (num(k, "file.file.resident", &before) && num(k, "after.file.resident", &after))
		put(k, "pagecache.reclaimed", "%lld", before - after);
}

#define R(id, label, key, kind) {id, label, key, key, kind}
#define PAGECACHE_ROWS \
	R("resident", "file pages in the page cache (mincore)", "file.file.resident", K_COUNT), \
	R("in_cma", "file pages in CMA (kpageflags: file LRU)", "file.cma.file", K_COUNT), \
	R("dirty_in_cma", "of which dirty", "file.cma.file_dirty", K_COUNT), \
	R("wb_in_cma", "of which under writeback", "file.cma.file_writeback", K_COUNT), \
	R("mapped_in_cma", "of which mapped", "file.cma.file_mapped", K_COUNT), \
	R("nr_dirty", "nr_dirty before the cma_alloc", "file.nr_dirty", K_COUNT), \
	R("nr_writeback", "nr_writeback before the cma_alloc", "file.nr_writeback", K_COUNT), \
	R("result", "whole-area cma_alloc", "pagecache.cma_alloc.result", K_OUTCOME), \
	R("events", "trace event order", "pagecache.events", K_OUTCOME), \
	R("isolated", "pages isolated (isolate_migratepages nr_taken)", "pagecache.trace.mm_compaction_isolate_migratepages.nr_taken", K_COUNT), \
	R("migrated", "pages migrated (pgmigrate_success)", "pagecache.pgmigrate_success", K_COUNT), \
	R("migrate_fail", "pgmigrate_fail", "pagecache.pgmigrate_fail", K_COUNT), \
	R("reclaimed", "file pages gone from the page cache (mincore)", "pagecache.reclaimed", K_COUNT), \
	R("contig.reclaimed", "6.12 contig range info: reclaimed", "pagecache.contig.reclaimed", K_INFO), \
	R("contig.migrated", "6.12 contig range info: migrated", "pagecache.contig.migrated", K_INFO), \
	R("contig.mapped", "6.12 contig range info: mapped after reclaim", "pagecache.contig.mapped", K_INFO), \
	R("pgsteal", "pgsteal_file during the cma_alloc", "pagecache.vmstat.pgsteal_file", K_INFO), \
	R("pgscan", "pgscan_file during the cma_alloc", "pagecache.vmstat.pgscan_file", K_INFO), \
	R("seconds", "cma_alloc seconds (TCG)", "pagecache.cma_alloc.seconds", K_INFO), \
	R("nr_dirty.after", "nr_dirty after", "after.nr_dirty", K_COUNT), \
	R("nr_writeback.after", "nr_writeback after", "after.nr_writeback", K_COUNT), \
	R("resident.after", "file pages in the page cache after", "after.file.resident", K_COUNT), \
	R("data", "file data mismatches (read back)", "check.mismatches", K_ZERO), \
	R("refault", "workingset_refault_file reading it back", "check.vmstat.workingset_refault_file", K_INFO)

static const struct row rows_read[] = {PAGECACHE_ROWS};

static const struct row rows_mmap[] = {
	PAGECACHE_ROWS,
	R("M.in_cma", "mapped file pages in CMA (pagemap)", "file.M.in_cma", K_COUNT),
	R("M.present", "mapped pages still present after", "after.M.present", K_COUNT),
	R("M.moved", "mapped pages moved or unmapped", "after.M.moved", K_COUNT),
	R("majfault", "major faults reading it back", "check.vmstat.pgmajfault", K_INFO),
};

static const struct row rows_dirty[] = {PAGECACHE_ROWS};

const struct experiment exp_pagecache = {"pagecache", NULL, derive_pagecache, ROWS(rows_read)};
const struct experiment exp_pagecache_mmap = {"pagecache-mmap", NULL, derive_pagecache, ROWS(rows_mmap)};
const struct experiment exp_pagecache_dirty = {"pagecache-dirty", NULL, derive_pagecache, ROWS(rows_dirty)};
