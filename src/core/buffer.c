/*
 * buffer.c - a block device's page cache under a mounted file system: the
 * metadata blocks a file system reads at mount and keeps referenced.
 *
 * Models __bread_gfp() (fs/buffer.c: the block device's mask without
 * __GFP_FS, with __GFP_NOFAIL, plus __GFP_MOVABLE for sb_bread()) and what
 * ext2_fill_super() and ext4_fill_super() keep: the superblock's buffer
 * (s_sbh) and every group descriptor block's (s_group_desc[]), each with a
 * b_count reference until put_super.  ext2 reads them with sb_bread(), so
 * they may borrow CMA; ext4 has read them with sb_bread_unmovable() since
 * v3.18 (commit "ext4: use non-movable memory for the superblock").  A
 * held buffer makes its page unmovable in practice:
 * buffer_migrate_folio_norefs() (def_blk_aops) answers -EAGAIN to every
 * pass, try_to_free_buffers() refuses it, so neither reclaim nor
 * alloc_contig_range() can empty the frame while the file system is
 * mounted.  ext2 then writes its superblock at mount (ext2_write_super():
 * mark_buffer_dirty() dirties the page, sync_dirty_buffer() writes and
 * cleans the buffer only), so the page stays dirty.
 *
 * ext2's inodes: the mount reads the root's inode table block
 * (ext2_iget(), released: a clean cached page), at the block mke2fs puts
 * group 0's inode table.  A file created on the file system takes the
 * next inode there (12 first, after lost+found; 16 to a block, 256-byte
 * inodes); a write dirties the inode (file_update_time()) and writing the
 * inode (ext2_write_inode(), from the flusher after the file's pages or
 * from fsync) dirties its table block's page, which the device's next
 * writeback cleans.
 *
 * Simplified: 4 KiB blocks (mke2fs's choice above 512 MiB), ext2's 32-byte
 * and ext4's 64-byte (64bit) group descriptors, one group per 32,768
 * blocks; the device's page cache covers only the held blocks and the
 * first 512 blocks of ext2's inode table in group 0 (the rest of the
 * device is never read; a file whose inode would lie beyond has none on
 * the device); ext2's first read of the superblock at 1 KiB blocks,
 * dropped by sb_set_blocksize() before the 4 KiB read, is not modelled
 * (the page it frees is the one the second read takes from the per-CPU
 * list); nor the root directory's page, the bitmaps a new file takes,
 * ext4's inodes and journal, nor the indirect blocks a read of a file walks.
 *
 * Also the buffer heads themselves: every page with buffers (a written
 * page of a file, a held block's page) has one per 4 KiB block, from
 * bh_cachep, a SLUB cache of 104-byte objects (struct buffer_head on
 * 64-bit, v6.1 and v6.12), 39 to an order-0 slab page (630 to a 64 KiB
 * one), which SLAB_RECLAIM_ACCOUNT makes __GFP_RECLAIMABLE: memory
 * outside CMA that a large write takes beside its page cache (2,626 pages
 * for 400 MiB on x86_64), counted as nr_slab_reclaimable (slab.c).
 */
#include "model.h"

#define FS_BLOCK_SHIFT 12           /* 4 KiB file system blocks */
#define FS_BLOCKS_PER_GROUP (8u << FS_BLOCK_SHIFT) /* one block bitmap's bits */
#define BH_SIZE 104                 /* sizeof(struct buffer_head), 64-bit, v6.1 and v6.12 */
#define EXT2_ROOT_INO 2u
#define EXT2_FIRST_INO 12u          /* a fresh file system's first file: after lost+found (11) */
#define EXT2_INODE_BLOCKS 512u      /* the inode table blocks of group 0 kept: 8,192 inodes */

/* Buffer heads of a page with buffers: one per 4 KiB block */
uint64_t bh_per_folio(const struct pfnlab_machine *m)
{
	return 1ull << (m->cfg.page_shift - FS_BLOCK_SHIFT);
}

/* The page of a device's page cache that holds its block @block */
static uint64_t block_page(const struct pfnlab_machine *m, uint64_t block)
{
	return block >> (m->cfg.page_shift - FS_BLOCK_SHIFT);
}

/* models buffer_init()'s bh_cachep, made at boot */
void bh_cache_init(struct pfnlab_machine *m)
{
	slab_cache_init(&m->bh, m, BH_SIZE);
}

/*
 * models folio_alloc_buffers() with retry (create_empty_buffers()): one
 * buffer head per block of the page from bh_cachep (alloc_buffer_head():
 * GFP_NOFS | __GFP_ACCOUNT | __GFP_NOFAIL, SLAB_RECLAIM_ACCOUNT's
 * __GFP_RECLAIMABLE).  0, or -ENOMEM when no slab page could be had (the
 * kernel would loop).
 */
int bh_alloc_folio(struct pfnlab_machine *m)
{
	const pfnlab_gfp_t gfp = (PFNLAB_GFP_KERNEL & ~PFNLAB___GFP_FS) | PFNLAB___GFP_ACCOUNT |
				 PFNLAB___GFP_RECLAIMABLE | PFNLAB___GFP_NOFAIL;
	uint64_t heads = bh_per_folio(m);

	for (uint64_t i = 0; i < heads; i++)
		if (slab_alloc(m, &m->bh, gfp)) {
			slab_free(m, &m->bh, i);
			return -ENOMEM;
		}
	return 0;
}

/* models drop_buffers()'s free_buffer_head() of every head of a page */
void bh_free_folio(struct pfnlab_machine *m)
{
	slab_free(m, &m->bh, bh_per_folio(m));
}

/* The blocks ext2_fill_super()/ext4_fill_super() hold: the superblock's (0) and the group descriptors'. */
static uint64_t held_blocks(enum pfnlab_fs fs, uint64_t blocks)
{
	uint64_t groups = (blocks + FS_BLOCKS_PER_GROUP - 1) / FS_BLOCKS_PER_GROUP;
	uint64_t desc = fs == PFNLAB_FS_EXT4 ? 64 : 32;

	return 1 + ((groups * desc + (1u << FS_BLOCK_SHIFT) - 1) >> FS_BLOCK_SHIFT);
}

/*
 * models sb_bread()/sb_bread_unmovable() (__bread_gfp(), its pages
 * allocated with @gfp): the page of @block, with buffers; NIL_PFN if
 * none could be had
 */
static uint64_t bread(struct pfnlab_machine *m, unsigned id, struct mapping *mp, uint64_t block, pfnlab_gfp_t gfp)
{
	uint64_t index = block_page(m, block), pfn;
	uint32_t *slot = cache_slot(m, mp, index, true);
	bool cached = slot && *slot;

	pfn = slot ? filemap_find_or_create(m, id, mp, index, gfp) : NIL_PFN;
	if (pfn == NIL_PFN)
		return NIL_PFN;
	if (!cached) { /* grow_dev_folio(): FGP_ACCESSED, then __find_get_block()'s touch_buffer() */
		if (folio_attach_buffers(m, pfn))
			return NIL_PFN;
		folio_mark_accessed(m, pfn);
	}
	folio_mark_accessed(m, pfn);
	return pfn;
}

/* sb_bread()'s mask on a device: GFP_USER less __GFP_FS, __GFP_NOFAIL, __GFP_MOVABLE for sb_bread() */
static pfnlab_gfp_t bread_gfp(bool movable)
{
	return (PFNLAB_GFP_USER & ~PFNLAB___GFP_FS) | PFNLAB___GFP_NOFAIL | (movable ? PFNLAB___GFP_MOVABLE : 0);
}

/* sb_bread() of a block whose buffer the file system keeps until put_super */
static int bread_held(struct pfnlab_machine *m, unsigned id, struct mapping *mp, uint64_t block, bool movable)
{
	uint64_t pfn = bread(m, id, mp, block, bread_gfp(movable));

	if (pfn == NIL_PFN)
		return -ENOMEM;
	m->pgflags[pfn] |= PG_BH_HELD;
	return 0;
}

/*
 * The first block of group 0's inode table as mke2fs lays out ext2 (4 KiB
 * blocks, sparse_super, resize_inode, no flex_bg): the superblock's block,
 * the group descriptors, the reserved GDT blocks of
 * calc_reserved_gdt_blocks() (room to grow 1,024-fold or to 2^32 blocks,
 * at most a block of them per pointer an indirect block holds), the
 * block and the inode bitmap
 */
static uint64_t ext2_inode_table(uint64_t blocks, uint64_t held)
{
	uint64_t max = blocks < UINT32_MAX / 1024 ? blocks * 1024 : UINT32_MAX;
	uint64_t groups = (max + FS_BLOCKS_PER_GROUP - 1) / FS_BLOCKS_PER_GROUP;
	uint64_t per_block = (1u << FS_BLOCK_SHIFT) / 32, desc = held - 1, rsv;

	rsv = (groups + per_block - 1) / per_block - desc;
	if (rsv > (1u << FS_BLOCK_SHIFT) / 4)
		rsv = (1u << FS_BLOCK_SHIFT) / 4;
	return held + rsv + 2;
}

/* The inode table block of inode @ino in group 0 (256-byte inodes, mke2fs's default: 16 to a block) */
static uint64_t ext2_inode_block(const struct mapping *dev, unsigned ino)
{
	return dev->inode_block + (ino - 1u) / ((1u << FS_BLOCK_SHIFT) / 256);
}

/*
 * A new ext2 file's inode: the next of the ext2 file system mounted last,
 * if any, in group 0's inode table (ext2_new_inode() of a fresh file
 * system; a file on a device whose table the model does not keep, or past
 * the blocks it keeps, has no device)
 */
void ext2_new_inode(struct pfnlab_machine *m, struct mapping *file)
{
	for (unsigned i = m->nr_mappings; i-- > 0;) {
		struct mapping *dev = &m->mappings[i];
		uint64_t block;

		if (!dev->live || dev->fs != PFNLAB_FS_BDEV || dev->mounted_fs != PFNLAB_FS_EXT2)
			continue;
		block = ext2_inode_block(dev, dev->next_ino);
		if (dev->inode_block && block_page(m, block) < dev->nr_pages) {
			file->dev = i + 1;
			file->inode_block = block;
			dev->next_ino++;
		}
		return;
	}
}

/*
 * models ext2_write_inode() without sync (the flusher's, and fsync's
 * sync_inode_metadata(), whose sync_dirty_buffer() cleans the buffer but
 * not its page): the inode goes into its table block's buffer, marked
 * dirty, so the device's page is dirty.  The block's page was read when
 * the inode was (ext2_iget()); one reclaimed since is read again without
 * reclaim, as the model's flusher runs inside its caller (none free: the
 * inode stays dirty).
 */
void ext2_write_inode(struct pfnlab_machine *m, struct mapping *file)
{
	unsigned id = file->dev;
	struct mapping *dev = mapping_get(m, id);
	uint64_t pfn;

	if (!file->inode_dirty || !dev || dev->mounted_fs != PFNLAB_FS_EXT2)
		return;
	pfn = bread(m, id, dev, file->inode_block, bread_gfp(true) & ~(PFNLAB___GFP_RECLAIM | PFNLAB___GFP_NOFAIL));
	if (pfn == NIL_PFN)
		return;
	file->inode_dirty = false;
	folio_set_dirty(m, pfn);
}

int pfnlab_fs_mount(struct pfnlab_machine *m, const char *name, enum pfnlab_fs fs, uint64_t bytes, unsigned *id)
{
	uint64_t blocks, held, itable;
	struct mapping *mp;
	unsigned dev;
	int err;

	if (!m || !name || !id)
		return -EINVAL;
	blocks = bytes >> FS_BLOCK_SHIFT;
	if ((fs != PFNLAB_FS_EXT2 && fs != PFNLAB_FS_EXT4) || m->cfg.page_shift < FS_BLOCK_SHIFT ||
	    blocks < 16 || blocks > (1ull << 32))
		return -EINVAL;
	held = held_blocks(fs, blocks);
	itable = fs == PFNLAB_FS_EXT2 ? ext2_inode_table(blocks, held) : 0;
	if (itable + EXT2_INODE_BLOCKS > blocks)
		itable = 0; /* too small for mke2fs's layout: no inode table kept */
	/*
	 * the device's page cache as far as the model keeps it: the pages of
	 * the held blocks, on ext2 up to the inode table blocks it keeps
	 */
	err = mapping_create(m, name, PFNLAB_FS_BDEV,
			     (itable ? itable + EXT2_INODE_BLOCKS : held) << FS_BLOCK_SHIFT, &dev);
	if (err)
		return err;
	mp = mapping_get(m, dev);
	mp->held_pages = block_page(m, held + bh_per_folio(m) - 1);
	mp->mounted_fs = fs;
	mp->inode_block = itable;
	mp->next_ino = EXT2_FIRST_INO;
	for (uint64_t b = 0; b < held && !err; b++)
		err = bread_held(m, dev, mp, b, fs == PFNLAB_FS_EXT2);
	/* ext2_iget() of the root: its table block read and released (it stays cached) */
	if (!err && itable && bread(m, dev, mp, ext2_inode_block(mp, EXT2_ROOT_INO), bread_gfp(true)) == NIL_PFN)
		err = -ENOMEM;
	if (err) { /* the mount fails: what was read goes again (kill_bdev() at the last close) */
		pfnlab_fs_umount(m, dev);
		pfnlab_file_truncate_pages(m, dev);
		pfnlab_file_close(m, dev);
		return err;
	}
	if (fs == PFNLAB_FS_EXT2) /* ext2_write_super(): the buffer is written and clean, its page dirty */
		folio_set_dirty(m, *cache_slot(m, mp, 0, false) - 1u);
	*id = dev;
	return 0;
}

/* models ext2_put_super()'s brelse() of every buffer the mount held */
int pfnlab_fs_umount(struct pfnlab_machine *m, unsigned id)
{
	if (!m)
		return -EINVAL;
	struct mapping *mp = mapping_get(m, id);

	if (!mp || !mp->live || mp->fs != PFNLAB_FS_BDEV || !mp->held_pages)
		return -ENOENT;
	for (uint64_t i = 0; i < mp->held_pages; i++) {
		uint32_t *slot = cache_slot(m, mp, i, false);

		if (slot && *slot)
			m->pgflags[*slot - 1u] &= (uint16_t)~PG_BH_HELD;
	}
	mp->held_pages = 0;
	mp->mounted_fs = 0;
	return 0;
}
