/*
 * test_buffer.c - a mounted file system's metadata in the block device's
 * page cache (pfnlab_fs_mount(), src/core/buffer.c): where ext2 and ext4
 * put it, what a held buffer does to migration, reclaim and
 * alloc_contig_range(), and what unmounting gives back; the whole-state
 * checker after every operation.
 *
 * Picture: one character per page frame of a small machine (512 pages,
 * 16-page pageblocks) with a CMA area of 128 pages at 256.
 *   K  kernel page   D  dirty device page, buffer held   B  clean one, held
 *   S  a buffer-head slab page   .  free
 */
#include <errno.h>

#include "model.h"
#include "test.h"

#define PAGE 4096ull
#define VDA_BYTES (571ull << 20) /* the oracle's disk for R = 500 MiB: R + R/8 + 8 MiB */

/* The frame holding page @index of the device @dev (NIL_PFN when not cached). */
static uint64_t dev_page(struct pfnlab_machine *m, unsigned dev, uint64_t index)
{
	for (uint64_t p = 0; p < 512; p++) {
		struct pfnlab_page_info pi;

		CHECK_EQ(pfnlab_page_info(m, p, &pi), 0);
		if (pi.state == PFNLAB_PAGE_FILE && pi.mapping == dev && pi.index == index)
			return p;
	}
	return NIL_PFN;
}

/* How many of the device's pages [0, @n) sit in movable or CMA pageblocks; each must be cached. */
static unsigned dev_pages_movable(struct pfnlab_machine *m, unsigned dev, uint64_t n)
{
	unsigned movable = 0;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t p = dev_page(m, dev, i);
		int mt = p == NIL_PFN ? -1 : pfnlab_pageblock_type(m, p);

		CHECK(p != NIL_PFN);
		movable += mt == PFNLAB_MT_MOVABLE || mt == PFNLAB_MT_CMA;
	}
	return movable;
}

/*
 *   0                     256                          384        512
 *   |KKKKKKKKKKKKKKKKKKKKK|DBI.........................|KKKKKKKKKS|
 * Everything outside CMA but one page is taken, then ext2 is mounted on a
 * 571 MiB disk (5 groups: one group descriptor block).  Expect the free
 * page to become the slab page (S) of its three buffer heads, the two held
 * pages (superblock, index 0, dirty from ext2_write_super(); group
 * descriptors, index 1) and the root's inode table block (I, index 39:
 * 35 reserved GDT blocks and two bitmaps before it, as mke2fs lays them
 * out; read and released, clean) in CMA (sb_bread() is movable), nr_dirty
 * 1, and the whole-area alloc_contig_range() to fail -EBUSY on the held
 * two: both culprits "buffers", ten migration failures (two pages, five
 * migrate_pages() calls).  After unmounting the same allocation succeeds:
 * the clean pages are reclaimed, the dirty superblock page migrated out,
 * still dirty.
 */
TEST(mount_ext2_in_cma_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	struct pfnlab_contig_failure cf = {0};
	struct pfnlab_file_info fi;
	struct pfnlab_page_info pi;
	uint64_t kern[512], sb, gd, it;
	size_t nk;
	unsigned dev = 0;

	if (!m)
		return;
	nk = test_take_outside_cma(m, kern, 512);
	for (int i = 0; i < 3; i++) /* room for the buffer heads' slab page and the xarray nodes' slab */
		CHECK_EQ(pfnlab_free_pages(m, kern[--nk], 0), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_fs_mount(m, "vda", PFNLAB_FS_EXT2, VDA_BYTES, &dev), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_slab_reclaimable"), 1 + 2);
	CHECK_EQ(m->xa_nodes.inuse, 1); /* superblock 0, descriptors 1, inode table below 64: one leaf */
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages") - pfnlab_vmstat(m, "nr_free_cma"), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_file_info(m, dev, &fi), 0);
	CHECK_EQ(fi.fs, PFNLAB_FS_BDEV);
	CHECK_STR(pfnlab_fs_name(fi.fs), "bdev");
	CHECK(fi.mounted);
	CHECK_EQ(fi.cached, 3);
	CHECK_EQ(fi.dirty, 1);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 1);
	CHECK_EQ(pfnlab_vmstat(m, "nr_file_pages"), 3);
	sb = dev_page(m, dev, 0);
	gd = dev_page(m, dev, 1);
	it = dev_page(m, dev, 39);
	CHECK(sb >= 256 && sb < 384);
	CHECK(gd >= 256 && gd < 384);
	CHECK(it >= 256 && it < 384);
	CHECK_EQ(pfnlab_page_info(m, it, &pi), 0);
	CHECK(!pi.dirty && pi.buffers && !pi.buffers_held);
	CHECK_EQ(pfnlab_page_info(m, sb, &pi), 0);
	CHECK(pi.dirty && pi.buffers && pi.buffers_held);
	CHECK_EQ(pi.refcount, 2); /* the cache's and the buffers' */
	CHECK_EQ(pfnlab_page_info(m, gd, &pi), 0);
	CHECK(!pi.dirty && pi.buffers && pi.buffers_held);
	for (size_t i = 0; i < nk; i++) /* room for the migration targets */
		CHECK_EQ(pfnlab_free_pages(m, kern[i], 0), 0);

	CHECK_EQ(pfnlab_alloc_contig_range(m, 256, 384, PFNLAB_MT_CMA), -EBUSY);
	test_check_state(m);
	CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_fail"), 10);
	CHECK_EQ(pfnlab_contig_failure(m, &cf), 0);
	CHECK_EQ(cf.nr_culprits, 2);
	for (unsigned i = 0; i < cf.nr_culprits && i < 2; i++) {
		CHECK_EQ(cf.culprits[i].reason, PFNLAB_BUSY_BUFFERS);
		CHECK(cf.culprits[i].pfn == sb || cf.culprits[i].pfn == gd);
	}
	CHECK_STR(pfnlab_busy_reason_name(PFNLAB_BUSY_BUFFERS), "buffers");
	CHECK_EQ(dev_page(m, dev, 0), sb);

	CHECK_EQ(pfnlab_fs_umount(m, dev), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_fs_umount(m, dev), -ENOENT);
	CHECK_EQ(pfnlab_alloc_contig_range(m, 256, 384, PFNLAB_MT_CMA), 0);
	test_check_state(m);
	sb = dev_page(m, dev, 0);
	gd = dev_page(m, dev, 1);
	CHECK(sb < 256 || (sb >= 384 && sb != NIL_PFN));
	CHECK_EQ(gd, NIL_PFN); /* clean: reclaim_clean_pages_from_list() freed it */
	CHECK_EQ(dev_page(m, dev, 39), NIL_PFN); /* the same */
	CHECK_EQ(pfnlab_page_info(m, sb, &pi), 0);
	CHECK(pi.dirty && pi.buffers && !pi.buffers_held);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 1);
	pfnlab_machine_destroy(m);
}

/*
 * ext4 on the same machine, nothing taken: sb_bread_unmovable() puts its
 * pages in an unmovable pageblock, clean (its superblock is not written
 * through the page).  A 64 GiB device has 512 groups: ext2's 32-byte
 * descriptors fill 4 blocks (5 held pages), ext4's 64-byte ones 8 (9).
 * Expect those counts (and ext2's root inode table block, clean, at
 * 1027), one slab page for their 15 buffer heads, the pageblock types,
 * and the errors: a device whose metadata does not fit (-ENOMEM, nothing
 * left behind but the buffer-head cache's min_partial of 5 empty slab
 * pages, which SLUB keeps; the clean inode table page reclaimed), vfat, a
 * device under 64 KiB, a file created on "bdev", truncating a mounted
 * device, a NULL pointer.
 */
TEST(mount_ext4_unmovable_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	struct pfnlab_file_info fi;
	unsigned e4 = 0, e2 = 0, id = 0;
	long long free0, slab0;

	if (!m)
		return;
	for (int i = 0; i < 2; i++) {
		unsigned *dev = i ? &e2 : &e4;
		uint64_t pages = i ? 5 : 9; /* held; ext2 also reads the root's inode table block, 1027 */

		CHECK_EQ(pfnlab_fs_mount(m, i ? "sdb" : "sda", i ? PFNLAB_FS_EXT2 : PFNLAB_FS_EXT4, 64ull << 30, dev), 0);
		test_check_state(m);
		CHECK_EQ(pfnlab_file_info(m, *dev, &fi), 0);
		CHECK_EQ(fi.cached, pages + i);
		CHECK_EQ(fi.dirty, i); /* ext2 wrote its superblock */
		CHECK_EQ(dev_pages_movable(m, *dev, pages), i ? pages : 0);
		CHECK(!i || dev_page(m, *dev, 1027) != NIL_PFN);
	}
	/* 16 TiB of ext2: 1,025 held pages do not fit in 512; what was read goes again */
	free0 = pfnlab_vmstat(m, "nr_free_pages");
	slab0 = pfnlab_vmstat(m, "nr_slab_reclaimable");
	CHECK_EQ(slab0, 1 + 2); /* and one order-1 slab of xarray nodes: sda's 1, sdb's 3 */
	CHECK_EQ(m->xa_nodes.inuse, 4);
	CHECK_EQ(pfnlab_fs_mount(m, "huge", PFNLAB_FS_EXT2, 16ull << 40, &id), -ENOMEM);
	test_check_state(m);
	/* 5 empty buffer-head slabs kept; the xarray-node slab had room for the failed mount's nodes */
	CHECK_EQ(pfnlab_vmstat(m, "nr_slab_reclaimable"), slab0 + 5);
	/* the failing reads reclaimed sdb's one page nothing holds, the root's inode table block */
	CHECK_EQ(dev_page(m, e2, 1027), NIL_PFN);
	CHECK_EQ(m->xa_nodes.inuse, 1 + 1); /* sdb: 0-4 in one leaf, under a root that 1,027 needed no more */
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages"), free0 - 5 + 1);
	CHECK_EQ(pfnlab_fs_mount(m, "sdc", PFNLAB_FS_VFAT, 1ull << 30, &id), -EINVAL);
	CHECK_EQ(pfnlab_fs_mount(m, "sdc", PFNLAB_FS_EXT2, 60 << 10, &id), -EINVAL);
	CHECK_EQ(pfnlab_fs_mount(m, NULL, PFNLAB_FS_EXT2, 1ull << 30, &id), -EINVAL);
	CHECK_EQ(pfnlab_file_create(m, "x", PFNLAB_FS_BDEV, PAGE, &id), -EINVAL);
	CHECK_EQ(pfnlab_file_truncate_pages(m, e2), -EBUSY);
	CHECK_EQ(pfnlab_fs_umount(m, 0), -ENOENT);
	CHECK_EQ(pfnlab_fs_umount(NULL, e2), -EINVAL);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* The dirty pages of @id, and its pages under writeback (pfnlab_file_info()) */
static uint64_t file_dirty(struct pfnlab_machine *m, unsigned id, uint64_t *writeback)
{
	struct pfnlab_file_info fi;

	CHECK_EQ(pfnlab_file_info(m, id, &fi), 0);
	*writeback = fi.writeback;
	return fi.dirty;
}

/*
 * ext2_write_inode(): a written ext2 file's inode is dirty (file_update_time())
 * and writing it dirties its inode table block's page on the device, which
 * the flusher writes with the device later.  On the 571 MiB disk, files
 * get inodes 12 and 13, both in the root's table block (index 39, read at
 * mount).  Expect: fsync of the written file leaves its data clean and the
 * device with two dirty pages (superblock, inode table block); with
 * vm.dirty_expire_centisecs 100 and dirty_writeback_centisecs 100, 1.5 s
 * later the flusher's periodic run has written the expired device (its
 * superblock page) and the file written again since, whose inode then
 * dirties the table block anew: one dirty page, the table block's, and
 * nothing under writeback once the disk is done; 1.5 s more and nothing
 * is dirty.  A file created before any mount, an ext4 file, and a file
 * on an ext2 too small for mke2fs's layout (no inode table kept) dirty
 * no device page.
 */
TEST(ext2_write_inode_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	unsigned dev = 0, early = 0, data = 0, other = 0, e4 = 0, tiny = 0, small = 0;
	uint64_t wb, it;

	if (!m)
		return;
	CHECK_EQ(pfnlab_file_create(m, "early", PFNLAB_FS_EXT2, 4 * PAGE, &early), 0);
	CHECK_EQ(pfnlab_fs_mount(m, "vda", PFNLAB_FS_EXT2, VDA_BYTES, &dev), 0);
	CHECK_EQ(pfnlab_file_create(m, "data", PFNLAB_FS_EXT2, 20 * PAGE, &data), 0);
	CHECK_EQ(pfnlab_file_create(m, "other", PFNLAB_FS_EXT2, 4 * PAGE, &other), 0);
	CHECK_EQ(pfnlab_file_create(m, "e4", PFNLAB_FS_EXT4, 4 * PAGE, &e4), 0);
	it = dev_page(m, dev, 39);
	CHECK(it != NIL_PFN);
	CHECK_EQ(file_dirty(m, dev, &wb), 1);

	CHECK_EQ(pfnlab_file_write(m, early, 0, 4 * PAGE), 0);
	CHECK_EQ(pfnlab_file_sync(m, early), 0);
	CHECK_EQ(pfnlab_file_write(m, e4, 0, 4 * PAGE), 0);
	CHECK_EQ(pfnlab_file_sync(m, e4), 0);
	test_check_state(m);
	CHECK_EQ(file_dirty(m, dev, &wb), 1);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 1);

	CHECK_EQ(pfnlab_file_write(m, data, 0, 20 * PAGE), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 21);
	CHECK_EQ(pfnlab_file_sync(m, data), 0);
	test_check_state(m);
	CHECK_EQ(file_dirty(m, data, &wb), 0);
	CHECK_EQ(file_dirty(m, dev, &wb), 2);
	CHECK_EQ(dev_page(m, dev, 39), it);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 2);
	CHECK_EQ(pfnlab_file_sync(m, other), 0); /* a clean inode: nothing */
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 2);

	CHECK_EQ(pfnlab_file_write(m, data, 0, PAGE), 0);
	CHECK_EQ(pfnlab_sysctl_set(m, "vm.dirty_expire_centisecs", 100), 0);
	CHECK_EQ(pfnlab_sysctl_set(m, "vm.dirty_writeback_centisecs", 100), 0);
	CHECK_EQ(pfnlab_advance(m, 1500000000ull), 0);
	test_check_state(m);
	CHECK_EQ(file_dirty(m, data, &wb), 0);
	CHECK_EQ(wb, 0);
	CHECK_EQ(file_dirty(m, dev, &wb), 1);
	CHECK_EQ(wb, 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 1);
	CHECK_EQ(pfnlab_advance(m, 1500000000ull), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_writeback"), 0);

	/* 1 MiB of ext2 is too small for mke2fs's layout: no inode table, its file's sync dirties nothing */
	CHECK_EQ(pfnlab_fs_mount(m, "tiny", PFNLAB_FS_EXT2, 1ull << 20, &tiny), 0);
	CHECK_EQ(pfnlab_file_sync(m, tiny), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 0);
	CHECK_EQ(pfnlab_file_create(m, "small", PFNLAB_FS_EXT2, 4 * PAGE, &small), 0);
	CHECK_EQ(pfnlab_file_write(m, small, 0, 4 * PAGE), 0);
	CHECK_EQ(pfnlab_file_sync(m, small), 0);
	test_check_state(m);
	CHECK_EQ(file_dirty(m, tiny, &wb), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 0);
	pfnlab_machine_destroy(m);
}

/*
 * drop_caches (vm.drop_caches=1) while ext2 is mounted, then after
 * unmounting.  Expect the held pages to stay (try_to_free_buffers()
 * refuses a buffer in use), then the clean group descriptor page to go
 * and the dirty superblock page to stay.
 */
TEST(held_buffers_survive_reclaim_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	struct pfnlab_file_info fi;
	unsigned dev = 0;

	if (!m)
		return;
	CHECK_EQ(pfnlab_fs_mount(m, "vda", PFNLAB_FS_EXT2, VDA_BYTES, &dev), 0);
	CHECK_EQ(pfnlab_sysctl_set(m, "vm.drop_caches", 1), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_file_info(m, dev, &fi), 0);
	CHECK_EQ(fi.cached, 2);
	CHECK_EQ(pfnlab_fs_umount(m, dev), 0);
	CHECK_EQ(pfnlab_sysctl_set(m, "vm.drop_caches", 1), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_file_info(m, dev, &fi), 0);
	CHECK_EQ(fi.cached, 1);
	CHECK(dev_page(m, dev, 0) != NIL_PFN);
	CHECK_EQ(dev_page(m, dev, 1), NIL_PFN);
	pfnlab_machine_destroy(m);
}

/*
 * The checker refuses a held buffer anywhere but a mounted device's
 * metadata page: on an ext4 file's page with buffers, on a device page
 * without buffers.
 */
TEST(checker_sees_stray_held_buffers_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	unsigned f = 0, dev = 0;
	uint64_t pfn, sb;
	char why[256];

	if (!m)
		return;
	CHECK_EQ(pfnlab_file_create(m, "a", PFNLAB_FS_EXT4, 2 * PAGE, &f), 0);
	CHECK_EQ(pfnlab_file_write(m, f, 0, PAGE), 0);
	CHECK_EQ(pfnlab_fs_mount(m, "vda", PFNLAB_FS_EXT2, VDA_BYTES, &dev), 0);
	test_check_state(m);
	pfn = m->mappings[f - 1].chunks[0][0] - 1u;
	m->pgflags[pfn] |= PG_BH_HELD;
	CHECK_EQ(pfnlab_check(m, why, sizeof(why)), -EUCLEAN);
	m->pgflags[pfn] &= (uint16_t)~PG_BH_HELD;
	test_check_state(m);
	sb = dev_page(m, dev, 0);
	m->pgflags[sb] &= (uint16_t)~PG_PRIVATE;
	m->frames[sb].refcount--;
	CHECK_EQ(pfnlab_check(m, why, sizeof(why)), -EUCLEAN);
	m->pgflags[sb] |= PG_PRIVATE;
	m->frames[sb].refcount++;
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* A cache's slabs: outside CMA in reclaimable pageblocks, kernel pages no caller may free. */
static void check_cache_slabs(struct pfnlab_machine *m, const struct slab_cache *c)
{
	struct pfnlab_page_info pi;

	for (size_t i = 0; i < c->nr; i++) {
		uint64_t p = slab_at(c, i);

		CHECK_EQ(pfnlab_pageblock_type(m, p), PFNLAB_MT_RECLAIMABLE);
		CHECK_EQ(pfnlab_page_info(m, p, &pi), 0);
		CHECK_EQ(pi.state, PFNLAB_PAGE_ALLOCATED);
		CHECK_EQ(pfnlab_free_pages(m, p, m->frames[p].order), -EBUSY);
		CHECK_EQ(pfnlab_free_contig_range(m, p, 1), -EINVAL);
	}
}

/* @nr buffer-head slab pages and @xa pages of xarray-node slabs, counted as reclaimable slab */
static void check_slabs(struct pfnlab_machine *m, uint64_t nr, uint64_t xa)
{
	CHECK_EQ(pfnlab_vmstat(m, "nr_slab_reclaimable"), nr + xa);
	CHECK_EQ(m->bh.nr, nr);
	CHECK_EQ(m->xa_nodes.pages, xa);
	check_cache_slabs(m, &m->bh);
	check_cache_slabs(m, &m->xa_nodes);
}

/*
 * Buffer heads (bh_cachep: 104 bytes, 39 to a 4 KiB slab page, 630 to a
 * 64 KiB one; one per 4 KiB block).  On the 512-page x86_64 machine an
 * ext4 file of 250 pages: 100 written need 3 slab pages, 250 need 7;
 * truncated, the cache keeps min_partial (5) empty slabs and frees 2.  On
 * a ppc64 machine 100 written 64 KiB pages carry 1,600 heads: 3 slab
 * pages.  Beside them the file's xarray nodes (3, then 5: one order-1
 * slab of 14, kept empty after the truncate).  Expect those counts, every
 * slab page reclaimable, outside CMA and refused to pfnlab_free_pages()
 * and pfnlab_free_contig_range(), and the free pages to account for them.
 */
TEST(buffer_head_slabs_check)
{
	struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
	struct pfnlab_config c;
	long long free0;
	unsigned f = 0;

	if (!m)
		return;
	CHECK_EQ(pfnlab_file_create(m, "db", PFNLAB_FS_EXT4, 250 * PAGE, &f), 0);
	free0 = pfnlab_vmstat(m, "nr_free_pages");
	CHECK_EQ(pfnlab_file_write(m, f, 0, 100 * PAGE), 0);
	test_check_state(m);
	check_slabs(m, 3, 2);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages"), free0 - 105);
	CHECK_EQ(pfnlab_file_write(m, f, 100 * PAGE, 150 * PAGE), 0);
	test_check_state(m);
	check_slabs(m, 7, 2);
	CHECK_EQ(pfnlab_file_truncate_pages(m, f), 0);
	test_check_state(m);
	check_slabs(m, 5, 2);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages"), free0 - 7);
	pfnlab_machine_destroy(m);

	pfnlab_config_preset(&c, "ppc64", 1ull << 30);
	m = test_machine(&c);
	if (!m)
		return;
	CHECK_EQ(pfnlab_file_create(m, "db", PFNLAB_FS_EXT4, 100 * 65536, &f), 0);
	CHECK_EQ(pfnlab_file_write(m, f, 0, 100 * 65536), 0);
	test_check_state(m);
	check_slabs(m, 3, 1);
	pfnlab_machine_destroy(m);
}

/*
 * wakeup_flusher_threads() from reclaim writes the inodes dirty when its
 * work starts (queue_io()): ext2's device (dirty superblock page), then
 * the written file, whose ext2_write_inode() dirties the device again,
 * too late for this work: one dirty page after, the inode table block's.
 * While the full flush runs (WB_start_all, until the disk has its pages)
 * another wake-up does nothing; one after it writes the device.  The
 * v4.2 call (a page count) has no such rule.  Fails without the queue
 * (the device rewritten at once) or without WB_start_all.
 */
TEST(flusher_work_queue_check)
{
	for (int counted = 0; counted < 2; counted++) { /* the v6.1 call (all pages), the v4.2 one */
		struct pfnlab_machine *m = test_cma_machine(PFNLAB_KERNEL_6_1);
		unsigned dev = 0, data = 0;
		uint64_t wb;

		if (!m)
			return;
		CHECK_EQ(pfnlab_fs_mount(m, "vda", PFNLAB_FS_EXT2, VDA_BYTES, &dev), 0);
		CHECK_EQ(pfnlab_file_create(m, "data", PFNLAB_FS_EXT2, 20 * PAGE, &data), 0);
		CHECK_EQ(pfnlab_file_write(m, data, 0, 20 * PAGE), 0);
		CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 21);
		wakeup_flusher_threads(m, counted ? 100 : 0);
		test_check_state(m);
		CHECK_EQ(pfnlab_vmstat(m, "nr_writeback"), 21);
		CHECK_EQ(file_dirty(m, dev, &wb), 1);
		CHECK_EQ(dev_page(m, dev, 39) != NIL_PFN, 1);
		wakeup_flusher_threads(m, counted ? 100 : 0);
		test_check_state(m);
		CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), counted ? 0 : 1);
		CHECK_EQ(pfnlab_advance(m, m->disk_busy_ns - m->now_ns), 0);
		CHECK_EQ(pfnlab_vmstat(m, "nr_writeback"), 0);
		wakeup_flusher_threads(m, counted ? 100 : 0);
		CHECK_EQ(pfnlab_vmstat(m, "nr_dirty"), 0);
		CHECK_EQ(pfnlab_vmstat(m, "nr_writeback"), counted ? 0 : 1);
		test_check_state(m);
		pfnlab_machine_destroy(m);
	}
}

RUN_TESTS(mount_ext2_in_cma_check, mount_ext4_unmovable_check, ext2_write_inode_check, flusher_work_queue_check,
	  held_buffers_survive_reclaim_check,
	  checker_sees_stray_held_buffers_check, buffer_head_slabs_check)
