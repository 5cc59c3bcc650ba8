/*
 * exp_pagecache.c - page cache in the CMA area: pagecache (a file read
 * with read()), pagecache-mmap (mapped and read through the mapping) and
 * pagecache-dirty (written, writeback held off), each followed by a
 * whole-area cma_alloc: pages reclaimed (clean file pages,
 * reclaim_clean_pages_from_list()) against pages migrated, the outcome,
 * the dirty and writeback state.
 *
 * The replay: the disk mounted (pfnlab_fs_mount(): ext2's held
 * metadata and the root's inode table block), an ext2 file of R MiB on
 * it (pfnlab_file_create(): inode 12) read with pfnlab_file_read(), or
 * mapped MAP_SHARED and faulted in page by page, or written with
 * pfnlab_file_write() (dirty, buffer heads attached, its inode dirty),
 * after F; the file's pages in the area by kind; the whole-area
 * cma_alloc, with the model's flusher and kswapd; what is left.  pfnlab
 * has no disk: a reclaimed page's contents are gone, so the read-back
 * check is the kernel's alone (shown, not judged).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

enum variant { READ, MMAP, DIRTY };

/*
 * The kernel's cma_alloc took the recorded time (TCG: mostly the CPU
 * work of migrating, which pfnlab does not time); its disk completed the
 * flusher's writes meanwhile.  The model's disk gets the same time: what
 * the cma_alloc's own sleeps (reclaim_throttle()) did not use passes after
 * it, before the "after" state is read.
 */
static void let_recorded_time_pass(struct sim *s, uint64_t t0)
{
	const char *sec = get(s->k, "pagecache.cma_alloc.seconds");
	double ns = sec ? strtod(sec, NULL) * 1e9 : 0;
	uint64_t used = pfnlab_now(s->m) - t0;

	if (ns > (double)used && ns < 3600e9)
		pfnlab_advance(s->m, (uint64_t)ns - used);
}

#define CHUNK (1ull << 20) /* the guest reads and writes the file 1 MiB at a time */

/* "<phase>.file.resident", "<phase>.nr_dirty", "<phase>.nr_writeback": file_state() in the guest */
static void file_state(struct sim *s, const char *phase, unsigned file)
{
	struct pfnlab_file_info fi;
	char key[96];

	if (pfnlab_file_info(s->m, file, &fi))
		return;
	snprintf(key, sizeof(key), "%s.file.resident", phase);
	put(s->p, key, "%llu", (unsigned long long)fi.cached);
	snprintf(key, sizeof(key), "%s.nr_dirty", phase);
	put(s->p, key, "%lld", vm(s, "nr_dirty"));
	snprintf(key, sizeof(key), "%s.nr_writeback", phase);
	put(s->p, key, "%lld", vm(s, "nr_writeback"));
}

/* File pages in the area by state, as cma_census() counts them from kpageflags. */
static void census(struct sim *s, const char *phase)
{
	uint64_t file = 0, dirty = 0, wb = 0, mapped = 0;
	char key[96];

	for (uint64_t pfn = s->base; pfn < s->base + s->count; pfn++) {
		struct pfnlab_page_info pi;

		if (pfnlab_page_info(s->m, pfn, &pi) || pi.state != PFNLAB_PAGE_FILE)
			continue;
		file++;
		dirty += pi.dirty;
		wb += pi.writeback;
		mapped += pi.mapcount > 0;
	}
	snprintf(key, sizeof(key), "%s.cma.file", phase);
	put(s->p, key, "%llu", (unsigned long long)file);
	snprintf(key, sizeof(key), "%s.cma.file_dirty", phase);
	put(s->p, key, "%llu", (unsigned long long)dirty);
	snprintf(key, sizeof(key), "%s.cma.file_writeback", phase);
	put(s->p, key, "%llu", (unsigned long long)wb);
	snprintf(key, sizeof(key), "%s.cma.file_mapped", phase);
	put(s->p, key, "%llu", (unsigned long long)mapped);
}

static int model_variant(const struct facts *k, struct facts *p, enum variant v)
{
	struct sim s;
	struct pfnlab_file_info fi;
	long long rm;
	uint64_t pages, bytes, cached, t0, *before = NULL;
	unsigned f, dev, file, mm = 0;
	int rc = -EINVAL;

	if (!num(k, "param.r_mib", &rm) || rm < 1 || rm > (1ll << 30))
		return -EINVAL;
	bytes = (uint64_t)rm << 20;
	pages = bytes / PAGE;
	/*
	 * no page contents: no row of these experiments checks data (pfnlab has
	 * no disk); the guest mounts the disk oracle/run.sh made (R + R/8 + 8
	 * MiB), whose superblock and group descriptor pages ext2 keeps
	 */
	if (sim_start(&s, k, p, PFNLAB_CMA_5_7, PFNLAB_PIN_MIGRATE_MOVABLE, false) ||
	    pfnlab_fs_mount(s.m, "vda", PFNLAB_FS_EXT2, bytes + bytes / 8 + (8ull << 20), &dev) ||
	    pfnlab_file_create(s.m, "data", PFNLAB_FS_EXT2, bytes, &file))
		goto out;
	/* the guest's: no writeback before the cma_alloc (no flusher wakeups, nothing expires, high thresholds) */
	if (pfnlab_sysctl_set(s.m, "vm.dirty_writeback_centisecs", 0) ||
	    pfnlab_sysctl_set(s.m, "vm.dirty_expire_centisecs", 360000) ||
	    pfnlab_sysctl_set(s.m, "vm.dirty_background_ratio", 90) || pfnlab_sysctl_set(s.m, "vm.dirty_ratio", 95) ||
	    fill(&s, &f))
		goto out;
	put(p, "file.pages", "%llu", (unsigned long long)pages);
	if (v == MMAP) {
		/* mapped MAP_SHARED read-only, every page read through the mapping */
		if (pfnlab_mm_create(s.m, "M", &mm) || pfnlab_mm_map_file(s.m, mm, VA_R, bytes, file, 0, PFNLAB_MAP_SHARED) ||
		    pfnlab_mm_touch(s.m, mm, VA_R, bytes, NULL))
			goto out;
	} else {
		for (uint64_t off = 0; off < bytes; off += CHUNK) {
			uint64_t len = bytes - off < CHUNK ? bytes - off : CHUNK;

			if (v == DIRTY ? pfnlab_file_write(s.m, file, off, len) : pfnlab_file_read(s.m, file, off, len))
				goto out;
		}
	}
	file_state(&s, "file", file);
	census(&s, "file");
	if (v == MMAP) {
		/* the guest counts M's pages (filling its PFN array) and keeps a copy of their PFNs */
		count_in_cma(&s, "file", "M", mm, VA_R, rm);
		before = pfns_of(&s, mm, VA_R, pages);
		if (!before || !guest_array(&s, pages * 8) || !guest_array(&s, pages * 8)) {
			rc = -ENOMEM;
			goto out;
		}
	}
	pfnlab_file_info(s.m, file, &fi);
	cached = fi.cached;
	t0 = pfnlab_now(s.m);
	sim_cma_alloc(&s, "pagecache", true);
	if (v == DIRTY)
		let_recorded_time_pass(&s, t0);
	file_state(&s, "after", file);
	pfnlab_file_info(s.m, file, &fi);
	put(p, "pagecache.reclaimed", "%lld", (long long)cached - (long long)fi.cached);
	if (v == MMAP) {
		uint64_t present = 0, moved = 0;

		for (uint64_t i = 0; i < pages; i++) {
			uint64_t pfn;
			bool here = !pfnlab_mm_lookup(s.m, mm, VA_R + i * PAGE, &pfn);

			present += here;
			moved += !here || pfn != before[i];
		}
		put(p, "after.M.present", "%llu", (unsigned long long)present);
		put(p, "after.M.moved", "%llu", (unsigned long long)moved);
	}
	rc = 0;
out:
	free(before);
	sim_end(&s);
	return rc;
}

static int model_read(const struct facts *k, struct facts *p)
{
	return model_variant(k, p, READ);
}

static int model_mmap(const struct facts *k, struct facts *p)
{
	return model_variant(k, p, MMAP);
}

static int model_dirty(const struct facts *k, struct facts *p)
{
	return model_variant(k, p, DIRTY);
}

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
	{"data", "file data mismatches reading it back (no disk)", "check.mismatches", "-", K_INFO}, \
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

const struct experiment exp_pagecache = {"pagecache", model_read, derive_pagecache, ROWS(rows_read)};
const struct experiment exp_pagecache_mmap = {"pagecache-mmap", model_mmap, derive_pagecache, ROWS(rows_mmap)};
const struct experiment exp_pagecache_dirty = {"pagecache-dirty", model_dirty, derive_pagecache, ROWS(rows_dirty)};
