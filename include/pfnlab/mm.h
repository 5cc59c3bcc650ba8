/*
 * pfnlab/mm.h - address spaces (processes, guests), files and memfds with
 * their page cache, hugetlb pools and hugetlbfs.
 *
 * Part of the public API of libpfnlab: programs include <pfnlab.h>, which
 * includes this file inside its extern "C" and visibility block.
 */
#ifndef PFNLAB_H_MM
#define PFNLAB_H_MM

#ifndef PFNLAB_H
#error "include <pfnlab.h>, not <pfnlab/mm.h>"
#endif

/* Address spaces (processes, guests): anonymous memory, faults, contents. */

#define PFNLAB_MAP_THP 0x1u /* faults try a transparent huge page first */
/*
 * the mapping's PTE tables take no memory of the model: it stands in for
 * part of a larger mapping whose tables the caller allocates itself
 * (oracle/predict's replays of a guest's munmap of single pages), or its
 * tables are already among the machine's pages (a snapshot's spaces)
 */
#define PFNLAB_MAP_NOPGTABLE 0x4u

/**
 * pfnlab_mm_create() - a new, empty address space.
 * @m: machine
 * @name: a name for reports ("vm3", "qemu-1234"); truncated to 31 bytes
 * @id: receives its id (>= 1)
 *
 * Return: 0 or -ENOMEM; -EINVAL for a NULL pointer.
 */
int pfnlab_mm_create(struct pfnlab_machine *m, const char *name, unsigned *id);

/**
 * pfnlab_mm_destroy() - unmap everything and free the space (exit_mmap()).
 * @m: machine
 * @id: address space
 *
 * Return: 0, -ENOENT for an unknown id, -EBUSY while pages are pinned
 * (nothing is changed then); -EINVAL for a NULL pointer.
 */
int pfnlab_mm_destroy(struct pfnlab_machine *m, unsigned id);

/**
 * pfnlab_mm_map() - map anonymous memory (mmap(MAP_ANONYMOUS|MAP_PRIVATE)).
 * @m: machine
 * @id: address space
 * @addr: start, page aligned
 * @len: length, page aligned, > 0
 * @flags: PFNLAB_MAP_THP, PFNLAB_MAP_NOPGTABLE
 *
 * Return: 0, -EINVAL (unaligned, empty, beyond 16 TiB of pages), -EEXIST
 * (overlaps a mapping), -ENOENT, -ENOMEM; -EINVAL for a NULL pointer.
 */
int pfnlab_mm_map(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t len, unsigned flags);

/**
 * pfnlab_mm_unmap() - unmap a range (munmap()); pages whose last reference
 * this was are freed, pinned pages stay allocated until unpinned.
 * @m: machine
 * @id: address space
 * @addr: start, page aligned
 * @len: length, page aligned; [@addr, @addr + @len) covers whole mappings
 *
 * Return: 0, -EINVAL (unaligned, not exactly covering mappings, cutting a
 * pinned huge page), -ENOENT; -EINVAL for a NULL pointer.
 */
int pfnlab_mm_unmap(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t len);

/**
 * pfnlab_mm_touch() - fault pages in (handle_mm_fault()): a THP where the
 * mapping allows and a huge block is free, else order-0 pages, all
 * GFP_HIGHUSER_MOVABLE (GFP_TRANSHUGE for THP).
 * @m: machine
 * @id: address space
 * @addr: start, page aligned
 * @len: length, page aligned, inside mappings
 * @faulted: receives the number of pages newly mapped (may be NULL)
 *
 * Return: 0, -EFAULT (an address not mapped), -ENOMEM (out of memory;
 * pages faulted before stay mapped), -ENOENT; -EINVAL for a NULL pointer.
 */
int pfnlab_mm_touch(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t len, uint64_t *faulted);

/**
 * pfnlab_mm_write() - write bytes at a virtual address, faulting pages in.
 * In metadata-only mode the bytes are dropped (the pages are still faulted).
 * @m: machine
 * @id: address space
 * @addr: where, any alignment; the range must lie inside mappings
 * @buf: the bytes
 * @len: how many
 *
 * Return: 0, -EFAULT, -ENOMEM, -ENOENT; -EINVAL for a NULL pointer.
 */
int pfnlab_mm_write(struct pfnlab_machine *m, unsigned id, uint64_t addr, const void *buf, size_t len);

/**
 * pfnlab_mm_read() - read bytes at a virtual address; unfaulted pages read
 * as zeros (the zero page).
 * @m: machine (backed mode: cfg.backed)
 * @id: address space
 * @addr: where, any alignment; the range must lie inside mappings
 * @buf: receives the bytes
 * @len: how many
 *
 * Return: 0, -EFAULT, -ENOENT, -EPERM in metadata-only mode; -EINVAL for a NULL
 * pointer.
 */
int pfnlab_mm_read(struct pfnlab_machine *m, unsigned id, uint64_t addr, void *buf, size_t len);

/* Files and memfds: address spaces with a page cache. */

/*
 * The file system of a file, which decides how its dirty pages migrate:
 * ext4 and ext2 have buffer_migrate_folio(), vfat has no migrate_folio
 * (fallback_migrate_folio(): a dirty page is written out first), shmem
 * is memfd/tmpfs (migrate_folio(), swap-backed, no buffers), bdev is the
 * page cache of a block device under a mounted file system (def_blk_aops:
 * buffer_migrate_folio_norefs(), which gives up while a buffer is held;
 * the mapping's mask is GFP_USER: not movable unless a caller asks).
 */
enum pfnlab_fs {
	PFNLAB_FS_EXT4 = 0,
	PFNLAB_FS_EXT2 = 1,
	PFNLAB_FS_VFAT = 2,
	PFNLAB_FS_SHMEM = 3,
	PFNLAB_FS_HUGETLBFS = 4, /* a file on hugetlbfs (pfnlab_hugetlbfs_create()) */
	PFNLAB_FS_BDEV = 5,      /* a block device's own page cache (pfnlab_fs_mount()) */
	PFNLAB_FS_TYPES = 6,
};

/**
 * pfnlab_fs_name() - the name of a file system kind.
 * @fs: kind
 *
 * Return: "ext4", "ext2", "vfat", "shmem", "hugetlbfs", "bdev", or "?" for a value
 * out of range.
 */
const char *pfnlab_fs_name(enum pfnlab_fs fs);

/**
 * pfnlab_fs_parse() - the file system kind called @name.
 * @name: as pfnlab_fs_name() prints it
 *
 * Return: an enum pfnlab_fs value, or -EINVAL; -EINVAL for a NULL pointer.
 */
int pfnlab_fs_parse(const char *name);

/**
 * pfnlab_file_create() - create a file of @bytes (rounded up to pages) on
 * a file system of kind @fs, open; nothing of it is cached yet.  An ext2
 * file lives on the ext2 file system mounted last (pfnlab_fs_mount()), if
 * one is: its inode is the next of group 0's inode table (12, 13, ...,
 * as on a fresh file system).  Writing the file dirties that inode
 * (file_update_time()); writing the inode back (the flusher after the
 * file's pages, pfnlab_file_sync()) dirties its inode table block's page
 * on the device (ext2_write_inode()), which the flusher writes with the
 * device.
 * @m: machine
 * @name: a name for reports; truncated to 31 bytes
 * @fs: its file system
 * @bytes: its size
 * @id: set to the file's id (also a mapping id in pfnlab_page_info()).
 *
 * Return: 0, -EINVAL (bad @fs or size), -ENOMEM; -EINVAL for a NULL pointer.
 */
int pfnlab_file_create(struct pfnlab_machine *m, const char *name, enum pfnlab_fs fs, uint64_t bytes,
		       unsigned *id);

/**
 * pfnlab_memfd_create() - memfd_create() and ftruncate() to @bytes: a
 * shmem object whose pages are allocated when written or faulted.
 * @m: machine
 * @name: a name for reports; truncated to 31 bytes
 * @bytes: its size
 * @id: set to its id (shared with files)
 *
 * Return: 0, -EINVAL, -ENOMEM; -EINVAL for a NULL pointer.
 */
int pfnlab_memfd_create(struct pfnlab_machine *m, const char *name, uint64_t bytes, unsigned *id);

/**
 * pfnlab_file_read() - read(): pages of [@off, @off + @len) missing from
 * the page cache are allocated with the readahead mask
 * (GFP_HIGHUSER_MOVABLE|__GFP_NORETRY|__GFP_NOWARN; a shmem object reads
 * holes without allocating), and every cached page is marked accessed
 * (folio_mark_accessed(): referenced, then active).
 * @m: machine
 * @id: file or memfd
 * @off: byte offset
 * @len: bytes
 *
 * Return: 0, -ENOENT (no such file), -EINVAL (beyond its end), -ENOMEM; -EINVAL
 * for a NULL pointer.
 */
int pfnlab_file_read(struct pfnlab_machine *m, unsigned id, uint64_t off, uint64_t len);

/**
 * pfnlab_file_write() - write(): pages are found or allocated
 * (GFP_HIGHUSER_MOVABLE) and dirtied; ext4/ext2/vfat attach buffer heads
 * (PG_private, one reference) as block_write_begin() does.
 * @m: machine
 * @id: file or memfd
 * @off: byte offset
 * @len: bytes
 *
 * Return: 0, -ENOENT, -EINVAL, -ENOMEM; -EINVAL for a NULL pointer.
 */
int pfnlab_file_write(struct pfnlab_machine *m, unsigned id, uint64_t off, uint64_t len);

/**
 * pfnlab_file_sync() - fsync(): every dirty page is written back and
 * waited for; the pages stay cached, clean, with their buffers.  An ext2
 * file's dirty inode is written too (sync_inode_metadata()): its buffer
 * is written and clean, the inode table block's page on the device dirty
 * (as ext2_write_super() leaves the superblock's).  A shmem object has
 * nothing to write back.
 * @m: machine
 * @id: file or memfd
 *
 * Return: 0 or -ENOENT; -EINVAL for a NULL pointer.
 */
int pfnlab_file_sync(struct pfnlab_machine *m, unsigned id);

/**
 * pfnlab_file_close() - close the file's descriptor.  A file keeps its
 * page cache; a memfd without mappings is freed with its pages (pages
 * still referenced from elsewhere leave the cache and are freed when the
 * last reference goes).
 * @m: machine
 * @id: file or memfd
 *
 * Return: 0, -ENOENT (no such file or already closed); -EINVAL for a NULL
 * pointer.
 */
int pfnlab_file_close(struct pfnlab_machine *m, unsigned id);

/**
 * pfnlab_file_truncate_pages() - every cached page of the file leaves the
 * page cache, as truncate_inode_pages() does when a deleted file's inode
 * is evicted: writeback is waited for, dirty pages are cancelled, buffers
 * dropped; a page referenced elsewhere is freed when the last reference
 * goes.  The file keeps its size and stays usable (its inode reused).
 * @m: machine
 * @id: file or memfd
 *
 * Return: 0, -ENOENT (no such file), -EBUSY (mapped somewhere, or a
 * hugetlbfs file: not modelled; a mounted block device); -EINVAL for a
 * NULL pointer.
 */
int pfnlab_file_truncate_pages(struct pfnlab_machine *m, unsigned id);

/**
 * pfnlab_fs_mount() - mount a file system of @fs on a block device of
 * @bytes: its superblock and group descriptor blocks (4 KiB blocks) are
 * read into the device's page cache and their buffers held until
 * pfnlab_fs_umount(), as ext2_fill_super() and ext4_fill_super() keep
 * s_sbh and s_group_desc[].  ext2 reads them with sb_bread()
 * (__GFP_MOVABLE: they may borrow CMA, where nothing can move them while
 * mounted); ext4 with sb_bread_unmovable() since v3.18.  ext2 then writes
 * its superblock (ext2_write_super(): mark_buffer_dirty() and
 * sync_dirty_buffer(), which cleans the buffer and leaves the page dirty).
 * ext2 also reads the root's inode table block (ext2_iget()), at the
 * block mke2fs puts group 0's inode table (after the reserved GDT blocks
 * and the two bitmaps), and releases it: a clean page that stays cached.
 * Every page is allocated with (GFP_USER & ~__GFP_FS) | __GFP_NOFAIL, plus
 * __GFP_MOVABLE for ext2, and marked accessed twice (active).
 * @m: machine
 * @name: the device's name for reports (its mapping's); truncated to 31 bytes
 * @fs: PFNLAB_FS_EXT2 or PFNLAB_FS_EXT4
 * @bytes: the device's size (at least 64 KiB)
 * @id: set to the device's mapping id (state PFNLAB_PAGE_FILE, file system
 *	PFNLAB_FS_BDEV in pfnlab_file_info(), whose pages are the part of the
 *	device the model keeps: the held blocks', on ext2 up to 512 blocks
 *	of group 0's inode table)
 *
 * Return: 0, -EINVAL (another @fs, a size out of range), -ENOMEM; -EINVAL
 * for a NULL pointer.
 */
int pfnlab_fs_mount(struct pfnlab_machine *m, const char *name, enum pfnlab_fs fs, uint64_t bytes, unsigned *id);

/**
 * pfnlab_fs_umount() - unmount: the held buffers are released (brelse()
 * in ext2_put_super()); the device's pages stay cached, clean pages free
 * to be reclaimed or migrated.  A dirty page stays dirty (kill_bdev() at
 * the last close is not modelled).
 * @m: machine
 * @id: the device, as pfnlab_fs_mount() returned it
 *
 * Return: 0, -ENOENT (no such device, or not mounted); -EINVAL for a NULL
 * pointer.
 */
int pfnlab_fs_umount(struct pfnlab_machine *m, unsigned id);

/** struct pfnlab_file_info - what a file or memfd holds. */
struct pfnlab_file_info {
	char name[32];
	enum pfnlab_fs fs;
	uint64_t pages;     /* size in pages */
	uint64_t cached;    /* pages in the page cache */
	uint64_t dirty;     /* ... of them dirty */
	uint64_t writeback; /* ... under writeback */
	unsigned mappers;   /* mappings of it in address spaces */
	bool open;
	bool mounted;       /* a block device under a mounted file system (pfnlab_fs_mount()) */
};

/**
 * pfnlab_file_info() - the state of a file or memfd.
 * @m: machine
 * @id: file or memfd
 * @info: receives it
 *
 * Return: 0 or -ENOENT; -EINVAL for a NULL pointer.
 */
int pfnlab_file_info(const struct pfnlab_machine *m, unsigned id, struct pfnlab_file_info *info);

/**
 * pfnlab_nr_files() - files and memfds created so far.
 * @m: machine
 *
 * Return: n, their ids being 1..n (freed memfds stay counted); 0 for a NULL
 * pointer.
 */
unsigned pfnlab_nr_files(const struct pfnlab_machine *m);

#define PFNLAB_MAP_SHARED 0x2u /* MAP_SHARED: writes go to the page cache; else MAP_PRIVATE (COW) */

/**
 * pfnlab_mm_map_file() - mmap() @len bytes of file or memfd @file from
 * byte @off at @addr of space @id.  A fault maps the cached page
 * (filemap_fault()/shmem_fault(), allocating it with GFP_HIGHUSER_MOVABLE
 * when missing); a write fault on a shared mapping dirties the page, on a
 * private one copies it to a new anonymous page (COW).
 * @m: machine
 * @id: address space
 * @addr: where, page aligned
 * @len: length, page aligned, > 0
 * @file: file or memfd id
 * @off: byte offset in it, page aligned
 * @flags: PFNLAB_MAP_SHARED or 0
 *
 * Return: 0, -ENOENT (no such space or file), -EINVAL (alignment, beyond
 * the file's end), -EEXIST (overlaps a mapping), -ENOMEM; -EINVAL for a NULL
 * pointer.
 */
int pfnlab_mm_map_file(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t len, unsigned file,
		       uint64_t off, unsigned flags);

/**
 * pfnlab_mm_rss() - resident pages of space @id by kind (MM_ANONPAGES,
 * MM_FILEPAGES, MM_SHMEMPAGES).
 * @m: machine
 * @id: address space
 * @anon: receives the anonymous pages (may be NULL)
 * @file: receives the file pages (may be NULL)
 * @shmem: receives the shmem pages (may be NULL)
 *
 * Return: 0 or -ENOENT; -EINVAL for a NULL pointer.
 */
int pfnlab_mm_rss(const struct pfnlab_machine *m, unsigned id, uint64_t *anon, uint64_t *file, uint64_t *shmem);

/*
 * hugetlb: pools of huge pages, one per page size (struct hstate), filled
 * at boot (hugepages=) or by vm.nr_hugepages, and hugetlbfs files whose
 * mappings take their pages from the pool.
 */

/** struct pfnlab_hugetlb_info - one huge page size and its pool (/sys/kernel/mm/hugepages/). */
struct pfnlab_hugetlb_info {
	uint64_t page_bytes;  /* the huge page size */
	unsigned order;       /* in base pages */
	bool gigantic;        /* above the largest buddy order: hugetlb_cma, alloc_contig_pages(), boot memory */
	bool is_default;      /* the default size: vm.nr_hugepages, /proc/meminfo's HugePages_* */
	uint64_t nr;          /* nr_hugepages: pages in the pool, surplus included */
	uint64_t free;        /* free_hugepages */
	uint64_t resv;        /* resv_hugepages: reserved by mappings, not yet faulted */
	uint64_t surplus;     /* surplus_hugepages: allocated beyond nr_hugepages (overcommit) */
	uint64_t overcommit;  /* nr_overcommit_hugepages */
	uint64_t boot;        /* hugepages= asked at boot */
};

/**
 * pfnlab_hugetlb_count() - the huge page sizes of the machine (hstates).
 * @m: machine
 *
 * Return: how many; they are indexed 0..count-1 in the kernel's
 * registration order (hugepagesz= first, then the architecture's); 0 for a NULL
 * pointer.
 */
unsigned pfnlab_hugetlb_count(const struct pfnlab_machine *m);

/**
 * pfnlab_hugetlb_find() - the index of a huge page size.
 * @m: machine
 * @page_bytes: the size, or 0 for the default one
 *
 * Return: its index, or -ENOENT; -EINVAL for a NULL pointer.
 */
int pfnlab_hugetlb_find(const struct pfnlab_machine *m, uint64_t page_bytes);

/**
 * pfnlab_hugetlb_info() - a huge page size and its pool now.
 * @m: machine
 * @idx: its index
 * @info: receives it
 *
 * Return: 0, or -EINVAL for an index out of range; -EINVAL for a NULL pointer.
 */
int pfnlab_hugetlb_info(const struct pfnlab_machine *m, unsigned idx, struct pfnlab_hugetlb_info *info);

/**
 * pfnlab_hugetlb_set_pages() - write nr_hugepages (set_max_huge_pages()):
 * grow the pool page by page (surplus pages first become persistent;
 * then fresh pages from the buddy allocator, or for a gigantic size from
 * hugetlb_cma, then alloc_contig_pages()), the first failure ending the
 * write; or shrink it, freeing free pages (keeping enough for the
 * reservations) and turning pages in use into surplus.
 * @m: machine
 * @idx: huge page size
 * @count: the pages wanted
 *
 * Return: 0 (the pool may end smaller than asked, as the kernel's write
 * succeeds: read pfnlab_hugetlb_info()), -EINVAL for an index out of
 * range, -ENOMEM without host memory for the model's page state; -EINVAL for a
 * NULL pointer.
 */
int pfnlab_hugetlb_set_pages(struct pfnlab_machine *m, unsigned idx, uint64_t count);

/**
 * pfnlab_hugetlb_set_overcommit() - write nr_overcommit_hugepages: how
 * many surplus pages reservations may add to the pool from the buddy
 * allocator when it is short.
 * @m: machine
 * @idx: huge page size
 * @count: the limit
 *
 * Return: 0, or -EINVAL (index out of range, a gigantic size); -EINVAL for a
 * NULL pointer.
 */
int pfnlab_hugetlb_set_overcommit(struct pfnlab_machine *m, unsigned idx, uint64_t count);

/**
 * pfnlab_hugetlbfs_create() - a file on a hugetlbfs mount of page size
 * @page_bytes, of @bytes (rounded up to huge pages), open; nothing of it
 * is allocated yet.  pfnlab_mm_map_file() maps it: the mapping reserves
 * the pages it covers (hugetlb_reserve_pages(), -ENOMEM when free minus
 * reserved pages fall short and overcommit cannot make it up), faults take
 * reserved pool pages and map them whole; the pages go back to the pool
 * when the file is closed and unmapped everywhere.
 * @m: machine
 * @name: a name for reports; truncated to 31 bytes
 * @page_bytes: the huge page size, 0 for the default one
 * @bytes: its size
 * @id: set to its id (shared with files and memfds)
 *
 * Return: 0, -EINVAL (no such page size, empty), -ENOMEM; -EINVAL for a NULL
 * pointer.
 */
int pfnlab_hugetlbfs_create(struct pfnlab_machine *m, const char *name, uint64_t page_bytes, uint64_t bytes,
			    unsigned *id);

/**
 * pfnlab_mm_hugetlb() - hugetlb pages mapped by space @id (hugetlb_usage,
 * the "HugetlbPages:" of /proc/PID/status; not part of its RSS).
 * @m: machine
 * @id: address space
 * @pages: receives the base pages mapped
 *
 * Return: 0 or -ENOENT; -EINVAL for a NULL pointer.
 */
int pfnlab_mm_hugetlb(const struct pfnlab_machine *m, unsigned id, uint64_t *pages);

/**
 * pfnlab_hugetlb_boot_log() - print the kernel's boot messages about the
 * hugetlb pool to the machine's log sink (pfnlab_set_log()): the
 * hugetlb_cma reservation, boot allocations that fell short, and each
 * registered page size with the pages it got.
 * @m: machine
 */
void pfnlab_hugetlb_boot_log(struct pfnlab_machine *m);

/**
 * pfnlab_mm_lookup() - the PFN mapped at @addr (follow_page()).
 * @m: machine
 * @id: address space
 * @addr: virtual address (any byte of the page)
 * @pfn: receives the PFN
 *
 * Return: 0, -ENOENT when nothing is mapped there (or no such space), -EFAULT
 * outside any mapping; -EINVAL for a NULL pointer.
 */
int pfnlab_mm_lookup(const struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t *pfn);

#endif /* PFNLAB_H_MM */
