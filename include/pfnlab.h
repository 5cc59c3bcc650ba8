/*
 * pfnlab.h - public API of libpfnlab, a user-space model of Linux physical
 * memory management (buddy allocator, pageblocks, CMA, migration, pinning).
 *
 * One opaque context (struct pfnlab_machine) holds a whole machine; there
 * are no globals, so several machines can live in one process.  Every
 * function that can fail returns 0 or a negative errno (-EINVAL, -ENOMEM,
 * -EBUSY, ...), the values the modelled kernel code returns.
 */
#ifndef PFNLAB_H
#define PFNLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The version of this header.  MAJOR names the ABI (the shared library's
 * soname is libpfnlab.so.MAJOR); MINOR grows when functions or enum values
 * are added; PATCH for fixes that change no declaration.  pfnlab_version()
 * says which library is loaded at run time.
 */
#define PFNLAB_VERSION_MAJOR 0
#define PFNLAB_VERSION_MINOR 1
#define PFNLAB_VERSION_PATCH 0
#define PFNLAB__STR(x) #x
#define PFNLAB__XSTR(x) PFNLAB__STR(x)
#define PFNLAB_VERSION                                                            \
	PFNLAB__XSTR(PFNLAB_VERSION_MAJOR) "." PFNLAB__XSTR(PFNLAB_VERSION_MINOR) "." \
	PFNLAB__XSTR(PFNLAB_VERSION_PATCH)

/*
 * Everything declared here is exported from libpfnlab.so, and nothing else:
 * the library is built with -fvisibility=hidden and src/libpfnlab.map.
 */
#ifdef __GNUC__
#pragma GCC visibility push(default)
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t pfnlab_gfp_t;

/* Output sink used by every report: a write callback. */
struct pfnlab_sink {
	void (*write)(void *arg, const char *buf, size_t len);
	void *arg;
};

/* GFP bits: the kernel's names, the v6.1 bit values (include/linux/gfp_types.h). */
#define PFNLAB___GFP_DMA             0x01u
#define PFNLAB___GFP_HIGHMEM         0x02u
#define PFNLAB___GFP_DMA32           0x04u
#define PFNLAB___GFP_MOVABLE         0x08u
#define PFNLAB___GFP_RECLAIMABLE     0x10u
#define PFNLAB___GFP_HIGH            0x20u
#define PFNLAB___GFP_IO              0x40u
#define PFNLAB___GFP_FS              0x80u
#define PFNLAB___GFP_ZERO            0x100u
#define PFNLAB___GFP_ATOMIC          0x200u
#define PFNLAB___GFP_DIRECT_RECLAIM  0x400u
#define PFNLAB___GFP_KSWAPD_RECLAIM  0x800u
#define PFNLAB___GFP_WRITE           0x1000u
#define PFNLAB___GFP_NOWARN          0x2000u
#define PFNLAB___GFP_RETRY_MAYFAIL   0x4000u
#define PFNLAB___GFP_NOFAIL          0x8000u
#define PFNLAB___GFP_NORETRY         0x10000u
#define PFNLAB___GFP_MEMALLOC        0x20000u
#define PFNLAB___GFP_COMP            0x40000u
#define PFNLAB___GFP_NOMEMALLOC      0x80000u
#define PFNLAB___GFP_HARDWALL        0x100000u
#define PFNLAB___GFP_THISNODE        0x200000u
#define PFNLAB___GFP_ACCOUNT         0x400000u
#define PFNLAB___GFP_ZEROTAGS        0x800000u
#define PFNLAB___GFP_SKIP_ZERO       0x1000000u
#define PFNLAB___GFP_SKIP_KASAN      0x2000000u
#define PFNLAB___GFP_NOLOCKDEP       0x4000000u
/* v4.2's __GFP_REPEAT: retry a costly order until 2^order pages were reclaimed (era 2015 only; no v6.1 bit) */
#define PFNLAB___GFP_REPEAT          0x8000000u

#define PFNLAB___GFP_RECLAIM (PFNLAB___GFP_DIRECT_RECLAIM | PFNLAB___GFP_KSWAPD_RECLAIM)
#define PFNLAB_GFP_ATOMIC    (PFNLAB___GFP_HIGH | PFNLAB___GFP_ATOMIC | PFNLAB___GFP_KSWAPD_RECLAIM)
#define PFNLAB_GFP_KERNEL    (PFNLAB___GFP_RECLAIM | PFNLAB___GFP_IO | PFNLAB___GFP_FS)
#define PFNLAB_GFP_NOWAIT    (PFNLAB___GFP_KSWAPD_RECLAIM)
#define PFNLAB_GFP_USER      (PFNLAB_GFP_KERNEL | PFNLAB___GFP_HARDWALL)
#define PFNLAB_GFP_HIGHUSER  (PFNLAB_GFP_USER | PFNLAB___GFP_HIGHMEM)
#define PFNLAB_GFP_HIGHUSER_MOVABLE (PFNLAB_GFP_HIGHUSER | PFNLAB___GFP_MOVABLE)
#define PFNLAB_GFP_TRANSHUGE_LIGHT \
	((PFNLAB_GFP_HIGHUSER_MOVABLE | PFNLAB___GFP_COMP | PFNLAB___GFP_NOMEMALLOC | \
	  PFNLAB___GFP_NOWARN) & ~PFNLAB___GFP_RECLAIM)
#define PFNLAB_GFP_TRANSHUGE (PFNLAB_GFP_TRANSHUGE_LIGHT | PFNLAB___GFP_DIRECT_RECLAIM)

/* Migrate types, numbered as in v4.4+ (enum migratetype, include/linux/mmzone.h). */
enum pfnlab_migratetype {
	PFNLAB_MT_UNMOVABLE = 0,
	PFNLAB_MT_MOVABLE = 1,
	PFNLAB_MT_RECLAIMABLE = 2,
	PFNLAB_MT_HIGHATOMIC = 3, /* MIGRATE_RESERVE in the 2015 era */
	PFNLAB_MT_CMA = 4,
	PFNLAB_MT_ISOLATE = 5,
	PFNLAB_MT_TYPES = 6,
};

/* Zone types (enum zone_type). */
enum pfnlab_zone_type {
	PFNLAB_ZONE_DMA = 0,
	PFNLAB_ZONE_DMA32 = 1,
	PFNLAB_ZONE_NORMAL = 2,
	PFNLAB_ZONE_MOVABLE = 3,
	PFNLAB_NR_ZONES = 4,
};

/*
 * Kernel eras.  Where Linux changed a behaviour the model can follow, the
 * era names which one: 2015 is v4.2 (the seed thread's kernel), current is
 * v6.1 (as checked against Debian's linux-source-6.1).
 */
enum pfnlab_era {
	PFNLAB_ERA_2015 = 0,
	PFNLAB_ERA_CURRENT = 1,
};

/*
 * Within the current era, the kernel whose rules apply where Debian's
 * 6.1.192 and 6.12.117 differ: 6.12 prints mm_alloc_contig_migrate_range_info
 * and refuses writable long-term pins of shared file mappings that need
 * dirty tracking (v6.5, writable_file_mapping_allowed()).
 */
enum pfnlab_kernel {
	PFNLAB_KERNEL_6_1 = 0,
	PFNLAB_KERNEL_6_12 = 1,
};

/* When may a movable allocation take CMA pages (__rmqueue). */
enum pfnlab_cma_rule {
	PFNLAB_CMA_2015 = 0, /* only once the movable free lists are empty */
	PFNLAB_CMA_5_7 = 1,  /* first, whenever free CMA > half of zone free */
};

/* What a long-term pin (FOLL_LONGTERM) does about pages in CMA / ZONE_MOVABLE. */
enum pfnlab_pin_policy {
	PFNLAB_PIN_NONE = 0,            /* 2015 mainline: pin pages wherever they are */
	PFNLAB_PIN_RFC2015 = 1,         /* seed RFC / 2016 powerpc patch: per page, move out of CMA, else pin in place */
	PFNLAB_PIN_MIGRATE_CMA = 2,     /* v5.1 (9a4e9f3b2d73): batch-migrate CMA pages, pin anyway on failure */
	PFNLAB_PIN_MIGRATE_MOVABLE = 3, /* v5.13+: CMA and ZONE_MOVABLE excluded, failure fails the pin */
	PFNLAB_PIN_AWARE = 4,           /* beyond Linux: spaces marked pin-aware fault outside CMA */
	PFNLAB_PIN_POLICIES = 5,
};

/* What cma_alloc() does after a candidate range was busy. */
enum pfnlab_cma_retry {
	PFNLAB_CMA_RETRY_KERNEL = 0,    /* next aligned candidate, start = bitmap_no + mask + 1, no cap */
	PFNLAB_CMA_RETRY_PAGEBLOCK = 1, /* jump past the pageblock of the busy candidate */
	PFNLAB_CMA_RETRY_BOUNDED = 2,   /* as the kernel, but at most cma_retry_max busy retries */
};

#define PFNLAB_MAX_RANGES 8
#define PFNLAB_MAX_CMA 8

/* A range of physical memory in bytes, [start, end). */
struct pfnlab_range {
	uint64_t start;
	uint64_t end;
};

/**
 * struct pfnlab_config - what a machine is made of; fill with
 * pfnlab_config_preset() and override fields before pfnlab_machine_create().
 */
struct pfnlab_config {
	char preset[16];             /* "x86_64", "ppc64" or "custom" */
	unsigned page_shift;         /* 12 (4 KiB) or 16 (64 KiB) */
	unsigned max_order;          /* largest buddy order, inclusive (MAX_PAGE_ORDER) */
	unsigned pageblock_order;    /* pageblock_order */
	uint64_t ram_bytes;          /* System RAM in total */
	unsigned nr_ranges;          /* System RAM ranges (e820/iomem); 0 = derive from ram_bytes */
	struct pfnlab_range ranges[PFNLAB_MAX_RANGES];
	uint64_t reserved_low_bytes; /* present but never managed below this address (x86: 1 MiB) */
	uint64_t zone_dma_end;       /* end of ZONE_DMA in bytes; 0 = no DMA zone */
	uint64_t zone_dma32_end;     /* end of ZONE_DMA32 in bytes; 0 = no DMA32 zone */
	bool single_zone_dma;        /* ppc64 (2015): all RAM in ZONE_DMA */
	uint64_t movablecore_bytes;  /* movablecore= (0 = none) */
	uint64_t kernelcore_bytes;   /* kernelcore= (0 = none) */
	enum pfnlab_era era;
	enum pfnlab_cma_rule cma_rule;
	bool config_cma;             /* CONFIG_CMA: CMA rows in /proc and CMA lists */
	bool no_compaction;          /* CONFIG_COMPACTION=n: no direct, kcompactd or proactive compaction */
	bool pcp;                    /* per-CPU page lists for order 0 (preset: on) */
	unsigned nr_cpus;            /* CPUs whose pcp lists are modelled (1..64) */
	unsigned watermark_scale_factor; /* vm.watermark_scale_factor, default 10 */
	unsigned watermark_boost_factor; /* vm.watermark_boost_factor, default 15000 */
	int min_free_kbytes;         /* -1 = computed as the kernel does at boot */
	bool thp;                    /* THP enabled: khugepaged raises min_free_kbytes */
	bool backed;                 /* page contents are real bytes (backed mode) */
	enum pfnlab_pin_policy pin_policy; /* long-term pin policy */
	enum pfnlab_cma_retry cma_retry;   /* cma_alloc() busy-retry strategy */
	unsigned cma_retry_max;      /* busy retries allowed with PFNLAB_CMA_RETRY_BOUNDED */
	enum pfnlab_kernel kernel;   /* era current: 6.1 (default) or 6.12 where they differ */
	uint64_t swap_bytes;         /* swap space (swapon at boot), 0 = none (the preset) */
	uint64_t disk_bw;            /* pfnlab's own: bytes per second the disk writes back, 0 = 256 MiB/s */
	uint64_t host_limit_bytes;   /* refuse machines needing more host memory (0 = no limit) */
	unsigned nr_cma;             /* CMA areas declared at boot (cma=) */
	struct {
		char name[32];
		uint64_t base;       /* bytes: a fixed base (aligned to the CMA alignment),
					or with a limit other than base + size the
					lowest placement; 0 = placed as the kernel does */
		uint64_t limit;      /* bytes; the area ends at or below it (0 = end of RAM);
					cma=SIZE@BASE-LIMIT */
		uint64_t size;       /* bytes */
		unsigned order_per_bit;
	} cma[PFNLAB_MAX_CMA];
	/*
	 * hugetlb at boot: the command line's default_hugepagesz=, then up to
	 * two hugepagesz= each followed by its hugepages= (hugepages[0]
	 * without hugepagesz[0] counts pages of the default size), and
	 * hugetlb_cma=.  Sizes in bytes: the pageblock (HPAGE_SIZE: 2 MiB
	 * x86_64, 16 MiB ppc64) or the gigantic size.
	 */
	unsigned gigantic_order;     /* PUD_SHIFT - PAGE_SHIFT: order of the gigantic page size (x86_64
					with GBPAGES: 18, 1 GiB; ppc64 hash: 18, 16 GiB); 0 = none */
	uint64_t default_hugepagesz; /* 0 = HPAGE_SIZE */
	uint64_t hugepagesz[2];      /* 0 = not given */
	uint64_t hugepages[2];
	uint64_t hugetlb_cma_bytes;  /* hugetlb_cma= (x86_64 gigantic pages, era current), 0 = none */
	void *(*alloc)(size_t size, void *arg); /* embedder allocator, optional */
	void (*free)(void *ptr, size_t size, void *arg);
	void *alloc_arg;
};

struct pfnlab_machine;

/**
 * pfnlab_config_preset() - fill @cfg with a named preset.
 * @cfg: configuration to fill
 * @name: "x86_64" or "ppc64"
 * @ram_bytes: System RAM in bytes
 *
 * Return: 0, or -EINVAL for an unknown preset.
 */
int pfnlab_config_preset(struct pfnlab_config *cfg, const char *name, uint64_t ram_bytes);

/**
 * pfnlab_config_check() - validate a configuration without building it.
 * @cfg: configuration
 * @why: on error, receives a one-line reason (may be NULL)
 * @len: size of @why
 *
 * Return: 0, -EINVAL for an impossible combination, -E2BIG when it would
 * need more host memory than a model may take, -EOVERFLOW for sizes that
 * overflow.
 */
int pfnlab_config_check(const struct pfnlab_config *cfg, char *why, size_t len);

/**
 * pfnlab_config_bytes() - host memory the machine would need.
 * @cfg: a valid configuration
 *
 * Return: bytes of model metadata (frames, pageblock flags, zones).
 */
uint64_t pfnlab_config_bytes(const struct pfnlab_config *cfg);

/**
 * pfnlab_machine_create() - build a freshly booted machine.
 * @cfg: configuration (validated again)
 * @out: receives the machine
 * @why: on error, receives a one-line reason (may be NULL); a reason about
 *       one CMA area starts "CMA area NAME" (its cfg->cma[] name)
 * @len: size of @why
 *
 * All managed memory is free, every pageblock MOVABLE except CMA areas,
 * which are typed CMA and free, as after boot.
 *
 * Return: 0, -EINVAL, -E2BIG, -EOVERFLOW or -ENOMEM.
 */
int pfnlab_machine_create(const struct pfnlab_config *cfg, struct pfnlab_machine **out, char *why,
			  size_t len);

/**
 * pfnlab_frame_size() - bytes of model metadata per page frame.
 *
 * Return: sizeof(struct frame), 16.
 */
size_t pfnlab_frame_size(void);

/**
 * pfnlab_machine_destroy() - free a machine and everything in it (address
 * spaces, pins, CMA areas); every pointer into it becomes invalid.
 * @m: machine, or NULL (nothing is done)
 */
void pfnlab_machine_destroy(struct pfnlab_machine *m);

/**
 * pfnlab_machine_config() - the configuration a machine was built from.
 * @m: machine
 *
 * Return: the machine's copy, valid until pfnlab_machine_destroy().
 */
const struct pfnlab_config *pfnlab_machine_config(const struct pfnlab_machine *m);

/**
 * pfnlab_alloc_pages() - allocate 2^@order contiguous pages.
 * @m: machine
 * @gfp: GFP flags (PFNLAB_GFP_*)
 * @order: 0..max_order
 * @pfn: receives the first PFN
 *
 * Models __alloc_pages(), mm/page_alloc.c: zonelist walk, watermarks,
 * per-CPU lists, __rmqueue with fallback and pageblock stealing; when the
 * low watermark says no, the slow path of the machine's era: kswapd woken
 * (it runs when the allocation returns), direct reclaim, retries and, for
 * order <= 3 without __GFP_RETRY_MAYFAIL, __GFP_NORETRY or
 * __GFP_THISNODE, the OOM killer (see pfnlab_oom_next()); direct
 * compaction for orders above 0 (costly orders and unmovable ones first).
 *
 * Return: 0, -ENOMEM, or -EINVAL for an order out of range.
 */
int pfnlab_alloc_pages(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, uint64_t *pfn);

/**
 * pfnlab_free_pages() - free an allocation made by pfnlab_alloc_pages().
 * @m: machine
 * @pfn: first PFN of the allocation
 * @order: the order it was allocated with
 *
 * Return: 0, or -EINVAL if @pfn is not the head of a live allocation of
 * that order (double free, never allocated, wrong order, pinned page).
 */
int pfnlab_free_pages(struct pfnlab_machine *m, uint64_t pfn, unsigned order);

/**
 * pfnlab_drain_pages() - give every per-CPU list's pages back to the buddy
 * lists (drain_all_pages()); nothing to do without cfg.pcp.
 * @m: machine
 */
void pfnlab_drain_pages(struct pfnlab_machine *m);

/**
 * pfnlab_compact_memory() - a write of 1 to /proc/sys/vm/compact_memory:
 * every zone compacted whole (compact_nodes(): MIGRATE_SYNC, skip hints
 * ignored), counted in the compact_* vmstat counters and traced as the
 * mm_compaction_* events.
 * @m: machine
 *
 * Return: 0.
 */
int pfnlab_compact_memory(struct pfnlab_machine *m);

/**
 * pfnlab_check() - whole-state checker: free lists, buddy invariants,
 * pageblock counts, counters.
 * @m: machine
 * @why: receives the first violation (may be NULL)
 * @len: size of @why
 *
 * Return: 0 when consistent, -EUCLEAN with the reason otherwise.
 */
int pfnlab_check(const struct pfnlab_machine *m, char *why, size_t len);

/* Address spaces (processes, guests): anonymous memory, faults, contents. */

#define PFNLAB_MAP_THP 0x1u /* faults try a transparent huge page first */

/**
 * pfnlab_mm_create() - a new, empty address space.
 * @m: machine
 * @name: a name for reports ("vm3", "qemu-1234"); truncated to 31 bytes
 * @id: receives its id (>= 1)
 *
 * Return: 0 or -ENOMEM.
 */
int pfnlab_mm_create(struct pfnlab_machine *m, const char *name, unsigned *id);

/**
 * pfnlab_mm_destroy() - unmap everything and free the space (exit_mmap()).
 * @m: machine
 * @id: address space
 *
 * Return: 0, -ENOENT for an unknown id, -EBUSY while pages are pinned
 * (nothing is changed then).
 */
int pfnlab_mm_destroy(struct pfnlab_machine *m, unsigned id);

/**
 * pfnlab_mm_map() - map anonymous memory (mmap(MAP_ANONYMOUS|MAP_PRIVATE)).
 * @m: machine
 * @id: address space
 * @addr: start, page aligned
 * @len: length, page aligned, > 0
 * @flags: PFNLAB_MAP_THP
 *
 * Return: 0, -EINVAL (unaligned, empty, beyond 16 TiB of pages), -EEXIST
 * (overlaps a mapping), -ENOENT, -ENOMEM.
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
 * pinned huge page), -ENOENT.
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
 * pages faulted before stay mapped), -ENOENT.
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
 * Return: 0, -EFAULT, -ENOMEM, -ENOENT.
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
 * Return: 0, -EFAULT, -ENOENT, -EPERM in metadata-only mode.
 */
int pfnlab_mm_read(struct pfnlab_machine *m, unsigned id, uint64_t addr, void *buf, size_t len);

/* Files and memfds: address spaces with a page cache. */

/*
 * The file system of a file, which decides how its dirty pages migrate:
 * ext4 and ext2 have buffer_migrate_folio(), vfat has no migrate_folio
 * (fallback_migrate_folio(): a dirty page is written out first), shmem
 * is memfd/tmpfs (migrate_folio(), swap-backed, no buffers).
 */
enum pfnlab_fs {
	PFNLAB_FS_EXT4 = 0,
	PFNLAB_FS_EXT2 = 1,
	PFNLAB_FS_VFAT = 2,
	PFNLAB_FS_SHMEM = 3,
	PFNLAB_FS_HUGETLBFS = 4, /* a file on hugetlbfs (pfnlab_hugetlbfs_create()) */
	PFNLAB_FS_TYPES = 5,
};

/**
 * pfnlab_fs_name() - the name of a file system kind.
 * @fs: kind
 *
 * Return: "ext4", "ext2", "vfat", "shmem", "hugetlbfs", or "?" for a value out of range.
 */
const char *pfnlab_fs_name(enum pfnlab_fs fs);

/**
 * pfnlab_fs_parse() - the file system kind called @name.
 * @name: as pfnlab_fs_name() prints it
 *
 * Return: an enum pfnlab_fs value, or -EINVAL.
 */
int pfnlab_fs_parse(const char *name);

/**
 * pfnlab_file_create() - create a file of @bytes (rounded up to pages) on
 * a file system of kind @fs, open; nothing of it is cached yet.
 * @m: machine
 * @name: a name for reports; truncated to 31 bytes
 * @fs: its file system
 * @bytes: its size
 * @id: set to the file's id (also a mapping id in pfnlab_page_info()).
 *
 * Return: 0, -EINVAL (bad @fs or size), -ENOMEM.
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
 * Return: 0, -EINVAL, -ENOMEM.
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
 * Return: 0, -ENOENT (no such file), -EINVAL (beyond its end), -ENOMEM.
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
 * Return: 0, -ENOENT, -EINVAL, -ENOMEM.
 */
int pfnlab_file_write(struct pfnlab_machine *m, unsigned id, uint64_t off, uint64_t len);

/**
 * pfnlab_file_sync() - fsync(): every dirty page is written back and
 * waited for; the pages stay cached, clean, with their buffers.  A shmem
 * object has nothing to write back.
 * @m: machine
 * @id: file or memfd
 *
 * Return: 0 or -ENOENT.
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
 * Return: 0, -ENOENT (no such file or already closed).
 */
int pfnlab_file_close(struct pfnlab_machine *m, unsigned id);

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
};

/**
 * pfnlab_file_info() - the state of a file or memfd.
 * @m: machine
 * @id: file or memfd
 * @info: receives it
 *
 * Return: 0 or -ENOENT.
 */
int pfnlab_file_info(const struct pfnlab_machine *m, unsigned id, struct pfnlab_file_info *info);

/**
 * pfnlab_nr_files() - files and memfds created so far.
 * @m: machine
 *
 * Return: n, their ids being 1..n (freed memfds stay counted).
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
 * the file's end), -EEXIST (overlaps a mapping), -ENOMEM.
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
 * Return: 0 or -ENOENT.
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
 * registration order (hugepagesz= first, then the architecture's).
 */
unsigned pfnlab_hugetlb_count(const struct pfnlab_machine *m);

/**
 * pfnlab_hugetlb_find() - the index of a huge page size.
 * @m: machine
 * @page_bytes: the size, or 0 for the default one
 *
 * Return: its index, or -ENOENT.
 */
int pfnlab_hugetlb_find(const struct pfnlab_machine *m, uint64_t page_bytes);

/**
 * pfnlab_hugetlb_info() - a huge page size and its pool now.
 * @m: machine
 * @idx: its index
 * @info: receives it
 *
 * Return: 0, or -EINVAL for an index out of range.
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
 * range, -ENOMEM without host memory for the model's page state.
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
 * Return: 0, or -EINVAL (index out of range, a gigantic size).
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
 * Return: 0, -EINVAL (no such page size, empty), -ENOMEM.
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
 * Return: 0 or -ENOENT.
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
 * outside any mapping.
 */
int pfnlab_mm_lookup(const struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t *pfn);

/* Reverse map and references. */

/** struct pfnlab_page_info - what a frame is and who holds it. */
struct pfnlab_page_info {
	uint64_t head;      /* PFN of the folio head (== pfn for order 0) */
	unsigned order;     /* folio order; 0 for free frames */
	int state;          /* PFNLAB_PAGE_* */
	unsigned owner;     /* address space id, 0 if none */
	uint64_t vaddr;     /* virtual address of this frame in the owner */
	uint32_t refcount;  /* _refcount of the head */
	uint32_t mapcount;  /* mappings of the head */
	uint32_t pincount;  /* FOLL_PIN references */
	uint32_t transient; /* short-lived extra references now held */
	bool longterm;      /* pinned with FOLL_LONGTERM */
	/* page-cache folios (state PFNLAB_PAGE_FILE or PFNLAB_PAGE_SHMEM) */
	unsigned mapping;   /* file or memfd id (pfnlab_file_create(), pfnlab_memfd_create()) */
	uint64_t index;     /* page index of this frame in it */
	bool dirty;         /* PG_dirty */
	bool writeback;     /* PG_writeback */
	bool buffers;       /* PG_private: buffer heads attached (one reference) */
};

enum {
	PFNLAB_PAGE_FREE, PFNLAB_PAGE_ALLOCATED, PFNLAB_PAGE_ANON, PFNLAB_PAGE_HOLE, PFNLAB_PAGE_RESERVED,
	PFNLAB_PAGE_FILE,  /* file page cache */
	PFNLAB_PAGE_SHMEM, /* shmem / memfd page (swap-backed) */
	PFNLAB_PAGE_HUGETLB, /* a hugetlb pool page, free or in use by hugetlbfs */
};

/**
 * pfnlab_page_state_name() - the name of a PFNLAB_PAGE_* state.
 * @state: pfnlab_page_info.state, pfnlab_culprit.page_kind
 *
 * Return: "free", "kernel", "anon", "hole", "reserved", "file", "shmem",
 * "hugetlb", or "?" for a value out of range.
 */
const char *pfnlab_page_state_name(int state);

/**
 * pfnlab_page_info() - what frame @pfn holds and who maps it (the reverse
 * map, O(1)).
 * @m: machine
 * @pfn: any PFN below pfnlab_nr_pfns()
 * @info: receives the answer
 *
 * Return: 0, or -EINVAL for a PFN beyond the machine.
 */
int pfnlab_page_info(const struct pfnlab_machine *m, uint64_t pfn, struct pfnlab_page_info *info);

/* GUP flags */
#define PFNLAB_FOLL_WRITE    0x01u
#define PFNLAB_FOLL_GET      0x04u
#define PFNLAB_FOLL_PIN      0x40000u
#define PFNLAB_FOLL_LONGTERM 0x100u
#define PFNLAB_GUP_PIN_COUNTING_BIAS 1024u

/**
 * pfnlab_gup() - take references on the pages of a range, faulting them in
 * (get_user_pages()/pin_user_pages() without a long-term policy).
 * @m: machine
 * @id: address space
 * @addr: start, page aligned
 * @npages: pages, > 0
 * @flags: PFNLAB_FOLL_GET (+1 each) or PFNLAB_FOLL_PIN (+1024 on a small
 *         page, +1 and pincount +1 on a huge one), optionally FOLL_WRITE
 * @pfns: receives one PFN per page (may be NULL)
 *
 * Return: 0 with every page referenced, or with none: -ENOENT (no such
 * space), -EINVAL (unaligned, no pages, neither GET nor PIN), -EFAULT (not
 * mapped), -ENOMEM (a fault found no memory).
 */
int pfnlab_gup(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t npages, unsigned flags,
	       uint64_t *pfns);

/**
 * pfnlab_put_pages() - drop what pfnlab_gup() took (put_page()/unpin_user_pages()).
 * @m: machine
 * @pfns: the pages, one PFN each
 * @npages: how many
 * @flags: the PFNLAB_FOLL_GET or PFNLAB_FOLL_PIN they were taken with
 *
 * Return: 0, or -EINVAL (nothing changed) if a page holds fewer such
 * references than asked to drop.
 */
int pfnlab_put_pages(struct pfnlab_machine *m, const uint64_t *pfns, uint64_t npages, unsigned flags);

/**
 * pfnlab_page_ref_transient() - an extra reference (I/O in flight, an LRU
 * batch) that lasts @ns of model time, then drops by itself.
 * @m: machine
 * @pfn: a page of an allocated folio
 * @ns: how long, in model time (see pfnlab_advance())
 *
 * Return: 0, -EINVAL (not an allocated page), -ENOMEM.
 */
int pfnlab_page_ref_transient(struct pfnlab_machine *m, uint64_t pfn, uint64_t ns);

/**
 * pfnlab_advance() - let @ns of model time pass; its events happen in time
 * order: writeback started before completes as the disk writes it, the
 * flusher runs every vm.dirty_writeback_centisecs while pages are dirty,
 * transient references that expire drop (a page whose last reference that
 * was is freed), in the current era kcompactd checks every 500 ms whether
 * to compact proactively (vm.compaction_proactiveness, 20 by default), and
 * a task the OOM killer chose while it was current exits first.
 * @m: machine
 * @ns: nanoseconds
 */
void pfnlab_advance(struct pfnlab_machine *m, uint64_t ns);

/**
 * pfnlab_now() - the model's logical time: the sum of pfnlab_advance() calls.
 * @m: machine
 *
 * Return: nanoseconds since the machine was built.
 */
uint64_t pfnlab_now(const struct pfnlab_machine *m);

/* Migration. */

enum pfnlab_migrate_mode { PFNLAB_MIGRATE_ASYNC, PFNLAB_MIGRATE_SYNC_LIGHT, PFNLAB_MIGRATE_SYNC };

enum pfnlab_migrate_reason {
	PFNLAB_MR_COMPACTION, PFNLAB_MR_MEMORY_FAILURE, PFNLAB_MR_MEMORY_HOTPLUG, PFNLAB_MR_SYSCALL,
	PFNLAB_MR_MEMPOLICY_MBIND, PFNLAB_MR_NUMA_MISPLACED, PFNLAB_MR_CONTIG_RANGE,
	PFNLAB_MR_LONGTERM_PIN, PFNLAB_MR_DEMOTION, PFNLAB_MR_TYPES
};

/* How migration targets are allocated (the new_page callback's context). */
#define PFNLAB_TARGET_NOCMA 0x1u /* memalloc_nocma: no CMA pages */
#define PFNLAB_TARGET_PIN   0x2u /* memalloc_pin: no CMA, no ZONE_MOVABLE (__GFP_MOVABLE dropped) */
#define PFNLAB_TARGET_NO_POOL 0x4u /* a hugetlb folio gets a fresh page from the buddy allocator with
				      this gfp, never a free pool page (v5.1's new_non_cma_page()) */

struct pfnlab_migrate_target {
	pfnlab_gfp_t gfp;   /* e.g. GFP_USER|__GFP_MOVABLE; THP targets add __GFP_COMP */
	unsigned flags;     /* PFNLAB_TARGET_* */
};

struct pfnlab_migrate_result {
	uint64_t nr_succeeded;     /* pages moved */
	uint64_t nr_failed;        /* pages not moved */
	uint64_t nr_thp_succeeded;
	uint64_t nr_thp_failed;
	uint64_t nr_thp_split;
};

/**
 * pfnlab_migrate_pages() - move pages to new frames (migrate_pages()).
 * @m: machine
 * @pfns: pages to move (any PFN of a folio stands for the folio; duplicates
 *        and non-anonymous pages count as failed)
 * @n: how many
 * @target: how to allocate the new frames
 * @mode: PFNLAB_MIGRATE_ASYNC, _SYNC_LIGHT or _SYNC (they differ only in
 *        the trace line)
 * @reason: why (named in the mm_migrate_pages trace event)
 * @res: receives the counts (may be NULL)
 *
 * A page with references beyond its mappings cannot move (-EAGAIN) and is
 * retried, 10 passes in all; a target that cannot be allocated ends the
 * call (-ENOMEM); a THP whose huge target fails is split and its pages
 * migrated one by one.  Success copies the contents, remaps the owner and
 * frees the old frame.  Counts pgmigrate_success/pgmigrate_fail and
 * emits mm_migrate_pages.
 *
 * Return: the number of folios not migrated (>= 0), -ENOMEM, or -EINVAL
 * for a mode or reason out of range.
 */
long pfnlab_migrate_pages(struct pfnlab_machine *m, const uint64_t *pfns, size_t n,
			  const struct pfnlab_migrate_target *target, enum pfnlab_migrate_mode mode,
			  enum pfnlab_migrate_reason reason, struct pfnlab_migrate_result *res);

/* CMA areas and contiguous allocation. */

/** struct pfnlab_cma_info - an area's debugfs and sysfs values. */
struct pfnlab_cma_info {
	char name[32];
	uint64_t base_pfn;               /* debugfs base_pfn */
	uint64_t count;                  /* debugfs count (pages) */
	unsigned order_per_bit;          /* debugfs order_per_bit */
	uint64_t used;                   /* debugfs used (pages) */
	uint64_t maxchunk;               /* debugfs maxchunk (pages) */
	int zone;                        /* enum pfnlab_zone_type */
	uint64_t alloc_pages_success;    /* sysfs */
	uint64_t alloc_pages_fail;       /* sysfs: pages requested by failed calls */
	uint64_t release_pages_success;  /* sysfs */
	uint64_t busy_retries;           /* pfnlab's own: cma_alloc_busy_retry events */
};

/**
 * pfnlab_cma_count() - number of CMA areas.
 * @m: machine
 *
 * Return: the count; areas are indexed 0..count-1 in cfg.cma[] order.
 */
unsigned pfnlab_cma_count(const struct pfnlab_machine *m);

/**
 * pfnlab_cma_find() - look a CMA area up by name.
 * @m: machine
 * @name: its cfg.cma[].name
 *
 * Return: its index, or -ENOENT.
 */
int pfnlab_cma_find(const struct pfnlab_machine *m, const char *name);

/**
 * pfnlab_cma_info() - an area's debugfs and sysfs values now.
 * @m: machine
 * @idx: area index
 * @info: receives them
 *
 * Return: 0, or -EINVAL for an index out of range.
 */
int pfnlab_cma_info(const struct pfnlab_machine *m, unsigned idx, struct pfnlab_cma_info *info);

/**
 * pfnlab_cma_alloc() - cma_alloc(): @count pages aligned to 2^@align pages
 * from area @idx, searched in the area's bitmap, each candidate taken with
 * alloc_contig_range(); busy candidates are retried by the machine's
 * cma_retry strategy.
 * @m: machine
 * @idx: area index
 * @count: pages, > 0, at most the area's size
 * @align: alignment order (the kernel's align argument)
 * @pfn: receives the first PFN
 *
 * Return: 0, -EBUSY (every candidate busy), -ENOMEM (no free bitmap range,
 * or migration targets ran out), -EINVAL.
 */
int pfnlab_cma_alloc(struct pfnlab_machine *m, unsigned idx, uint64_t count, unsigned align,
		     uint64_t *pfn);

/**
 * pfnlab_cma_release() - cma_release(): give back pages from pfnlab_cma_alloc().
 * @m: machine
 * @idx: area index
 * @pfn: first PFN, as pfnlab_cma_alloc() returned it
 * @count: pages, as allocated
 *
 * Return: 0, or -EINVAL (not inside the area, or not allocated there; nothing changed).
 */
int pfnlab_cma_release(struct pfnlab_machine *m, unsigned idx, uint64_t pfn, uint64_t count);

/**
 * pfnlab_alloc_contig_range() - alloc_contig_range(): isolate the
 * pageblocks, migrate movable pages out, take [@start, @end).
 * @m: machine
 * @start: first PFN
 * @end: one past the last PFN
 * @mt: PFNLAB_MT_CMA or PFNLAB_MT_MOVABLE (the blocks' type, restored after)
 *
 * Return: 0, -EBUSY (a page could not be freed; see
 * pfnlab_contig_failure()), -ENOMEM, -EINVAL.
 */
int pfnlab_alloc_contig_range(struct pfnlab_machine *m, uint64_t start, uint64_t end, int mt);

/**
 * pfnlab_free_contig_range() - free pages taken by pfnlab_alloc_contig_range()
 * (free_contig_range()).
 * @m: machine
 * @pfn: first PFN
 * @count: pages
 *
 * Return: 0, or -EINVAL (nothing freed) when a page of the range is not an
 * allocated, unmapped single page holding one reference.
 */
int pfnlab_free_contig_range(struct pfnlab_machine *m, uint64_t pfn, uint64_t count);

/* What holds a busy frame. */
enum pfnlab_culprit_kind {
	PFNLAB_HOLD_LONGTERM_PIN, /* FOLL_PIN|FOLL_LONGTERM */
	PFNLAB_HOLD_PIN,          /* FOLL_PIN */
	PFNLAB_HOLD_GET,          /* FOLL_GET (get_user_pages, vmsplice, ...) */
	PFNLAB_HOLD_TRANSIENT,    /* short-lived extra reference */
	PFNLAB_HOLD_UNMOVABLE,    /* a kernel allocation that cannot move */
	PFNLAB_HOLD_OTHER,        /* allocated, not mapped, no extra reference */
};

/* Why a busy folio did not leave the range. */
enum pfnlab_busy_reason {
	PFNLAB_BUSY_SKIPPED,    /* anonymous with extra references: never isolated (the pre-check) */
	PFNLAB_BUSY_EXTRA_REF,  /* isolated, but migration met extra references (-EAGAIN) */
	PFNLAB_BUSY_WRITEBACK,  /* under writeback when migration gave up */
	PFNLAB_BUSY_UNMOVABLE,  /* not on an LRU: a kernel allocation or reserved memory */
	PFNLAB_BUSY_NOT_MIGRATED, /* movable and unreferenced, yet not moved (no target, attempt ended) */
	PFNLAB_BUSY_NOT_REACHED,  /* page cache with extra references past where the attempt ended early:
				     never isolated, and would have failed as the one that ended it */
	PFNLAB_BUSY_GIGANTIC,   /* a gigantic hugetlb page: alloc_contig_range() gives up (-ENOMEM) */
	PFNLAB_BUSY_NO_REPLACEMENT, /* a free hugetlb page no new huge page could replace (-ENOMEM) */
	PFNLAB_BUSY_HUGETLB,    /* a hugetlb page left in the range: v4.2 never isolates or dissolves
				   them; v6.1 puts a page migration freed back into the pool */
	PFNLAB_BUSY_REASONS,
};

/**
 * pfnlab_busy_reason_name() - the name of a busy reason.
 * @r: reason
 *
 * Return: "skipped", "extra-ref", "writeback", "unmovable", "not-migrated",
 * "not-reached", "gigantic", "no-replacement", "hugetlb", or "?" for a value out of range.
 */
const char *pfnlab_busy_reason_name(enum pfnlab_busy_reason r);

/** struct pfnlab_culprit - one busy folio and who holds it. */
struct pfnlab_culprit {
	uint64_t pfn;          /* head PFN of the busy folio */
	unsigned order;
	enum pfnlab_culprit_kind kind;
	unsigned owner;        /* address space id, 0 if none */
	char owner_name[32];
	uint64_t vaddr;        /* virtual address of the head in the owner */
	uint32_t refcount, mapcount, pincount, transient;
	char pinner[48];       /* who pinned (e.g. "VFIO container of guest vm3") */
	uint64_t since_ns;     /* when the holding reference was taken (model time) */
	int page_kind;         /* PFNLAB_PAGE_ANON, _FILE, _SHMEM, _HUGETLB, _ALLOCATED (kernel), _RESERVED */
	enum pfnlab_busy_reason reason;
	unsigned mapping;      /* file or memfd id of a page-cache folio, else 0 */
	uint64_t index;        /* its page index there */
};

/** struct pfnlab_contig_failure - the last failed contiguous allocation. */
struct pfnlab_contig_failure {
	uint64_t start, end;   /* the range asked for */
	uint64_t outer_start;  /* rounded down to the buddy head, as the kernel prints it */
	uint64_t fin_pfn;      /* first PFN test_pages_isolated() found busy */
	int err;
	uint64_t when_ns;
	size_t nr_culprits;
	const struct pfnlab_culprit *culprits; /* valid until the next contiguous allocation */
};

/**
 * pfnlab_contig_failure() - the last failed contiguous allocation and its
 * culprits (every busy folio from the first busy PFN to the end of the range).
 * @m: machine
 * @f: receives it; f->culprits points into the machine
 *
 * Return: 0, or -ENOENT if no contiguous allocation has failed.
 */
int pfnlab_contig_failure(const struct pfnlab_machine *m, struct pfnlab_contig_failure *f);

/**
 * pfnlab_print_culprits() - the last failure and its culprits.
 * @m: machine
 * @json: true for one JSON object, false for text lines
 * @sink: where to write
 *
 * Return: 0, or -ENOENT if no contiguous allocation has failed.
 */
int pfnlab_print_culprits(const struct pfnlab_machine *m, bool json, const struct pfnlab_sink *sink);

/* Long-term pinning. */

/**
 * pfnlab_pin() - pin_user_pages() with the machine's long-term policy:
 * pin @npages from @addr of space @id with @flags (PFNLAB_FOLL_PIN, maybe
 * FOLL_LONGTERM and FOLL_WRITE), faulting them in.
 * @m: machine
 * @id: address space
 * @addr: start, page aligned
 * @npages: pages, > 0
 * @flags: PFNLAB_FOLL_PIN, optionally PFNLAB_FOLL_LONGTERM, PFNLAB_FOLL_WRITE
 * @pinner: who pins, for culprit reports (copied; may be NULL)
 * @pfns: receives the pinned PFNs (may be NULL)
 *
 * Return: a pin handle (> 0) for pfnlab_unpin(), or -ENOMEM (policy
 * migrate-movable: pages could not leave CMA/ZONE_MOVABLE; nothing stays
 * pinned), -EFAULT, -EINVAL, -ENOENT.
 */
long pfnlab_pin(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t npages,
		unsigned flags, const char *pinner, uint64_t *pfns);

/**
 * pfnlab_unpin() - unpin_user_pages() of every page a pfnlab_pin() pinned.
 * @m: machine
 * @handle: what pfnlab_pin() returned
 *
 * Return: 0, or -ENOENT for a handle not (or no longer) pinned.
 */
int pfnlab_unpin(struct pfnlab_machine *m, long handle);

/**
 * pfnlab_mm_set_pin_aware() - mark a space as one that will be pinned
 * (policy pin-aware: its faults avoid CMA and ZONE_MOVABLE).
 * @m: machine
 * @id: address space
 * @on: mark or unmark
 *
 * Return: 0 or -ENOENT.
 */
int pfnlab_mm_set_pin_aware(struct pfnlab_machine *m, unsigned id, bool on);

/**
 * pfnlab_pin_policy_name() - the name of a long-term pin policy.
 * @p: policy
 *
 * Return: "none", "rfc2015", "migrate-cma", "migrate-movable", "pin-aware",
 * or "?" for a value out of range.
 */
const char *pfnlab_pin_policy_name(enum pfnlab_pin_policy p);

/**
 * pfnlab_pin_policy_parse() - the policy called @name.
 * @name: as pfnlab_pin_policy_name() prints it
 *
 * Return: an enum pfnlab_pin_policy value, or -EINVAL.
 */
int pfnlab_pin_policy_parse(const char *name);

/**
 * pfnlab_set_log() - send kernel log messages (printk text, one line each,
 * no timestamp) to @sink, or stop with NULL.
 * @m: machine
 * @sink: copied; its arg must stay valid while it is set
 */
void pfnlab_set_log(struct pfnlab_machine *m, const struct pfnlab_sink *sink);

/* Pictures of physical memory. */

/** struct pfnlab_pfn_range - PFNs [start, end). */
struct pfnlab_pfn_range {
	uint64_t start, end;
};

/* The most SVG cells per row pfnlab_map_svg() draws. */
#define PFNLAB_MAP_MAX_COLUMNS 1024

/** struct pfnlab_map_opts - what a map shows; all fields optional (zero). */
struct pfnlab_map_opts {
	uint64_t first_pfn, last_pfn;      /* window; 0, 0 = the whole machine */
	unsigned columns;                  /* SVG cells per row; 0 = automatic; above PFNLAB_MAP_MAX_COLUMNS: -EINVAL */
	const char *title;                 /* any text: escaped where the format needs it */
	size_t nr_busy;                    /* extra ranges to highlight, besides the last */
	const struct pfnlab_pfn_range *busy; /* failed contiguous allocation */
	bool kinds;                        /* colour pages in use by kind (anon, file, shmem, kernel, ...),
					      not by migrate type */
};

/**
 * pfnlab_map_svg() - an SVG map, one cell per pageblock: colour = migrate
 * type, fill = pages in use, CMA areas outlined, long-term pinned pages
 * marked, busy ranges highlighted, zone boundaries, legend, PFN and address
 * axis, a tooltip per cell.
 * @m: machine
 * @o: what to show (may be NULL: everything)
 * @s: where to write the SVG document
 *
 * Return: 0, -ENOMEM, -ERANGE (the window is wholly outside the machine; one partly
 * outside is clipped), or -EINVAL when @o->columns is above PFNLAB_MAP_MAX_COLUMNS.
 */
int pfnlab_map_svg(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, const struct pfnlab_sink *s);

/**
 * pfnlab_map_ansi() - the same map for a terminal: ANSI colours, at most 80
 * columns and 24 rows of cells.
 * @m: machine
 * @o: what to show (may be NULL: everything)
 * @s: where to write
 *
 * Return: 0, -ENOMEM or -ERANGE (the window is wholly outside the machine).
 */
int pfnlab_map_ansi(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, const struct pfnlab_sink *s);

/**
 * pfnlab_map_png() - a PNG at page granularity (one pixel per page, 1024
 * per row) of the window in @o.
 * @m: machine
 * @o: what to show (may be NULL: everything)
 * @s: where to write the PNG bytes
 *
 * Return: 0, -E2BIG (window over 64 Mi pages: narrow it), -ERANGE (wholly outside the machine), -ENOMEM, -EIO.
 */
int pfnlab_map_png(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, const struct pfnlab_sink *s);

/* Fault injection (tests, robustness studies). */

enum pfnlab_fault_point {
	PFNLAB_FAULT_MIGRATE_TARGET, /* allocating a migration target page */
	PFNLAB_FAULT_MIGRATE_COPY,   /* copying a page (a machine check during the copy) */
	PFNLAB_FAULT_ISOLATE,        /* isolating a pageblock */
	PFNLAB_FAULT_IOMMU_MAP,      /* mapping a chunk in the IOMMU (VFIO) */
	PFNLAB_FAULT_HPT_ALLOC,      /* allocating a KVM hash page table */
	PFNLAB_FAULT_HOST_ALLOC,     /* the library's own host memory */
	PFNLAB_FAULT_WRITEOUT,       /* ->writepage() of a dirty folio migration writes out (-EIO) */
	PFNLAB_FAULT_HUGETLB_ALLOC,  /* a fresh huge page: pool growth, a dissolve's replacement, a
					temporary migration target */
	PFNLAB_FAULT_POINTS
};

/**
 * pfnlab_fault_inject() - make the @nth pass from now through @p fail;
 * with @persistent every pass after it too.
 * @m: machine
 * @p: failure point
 * @nth: which pass from now fails (1 = the next); 0 clears the point
 * @persistent: every later pass fails too
 *
 * Return: 0 or -EINVAL.
 */
int pfnlab_fault_inject(struct pfnlab_machine *m, enum pfnlab_fault_point p, uint64_t nth, bool persistent);

/**
 * pfnlab_fault_hits() - passes through a failure point so far (to walk
 * every injection point of an operation).
 * @m: machine
 * @p: failure point
 *
 * Return: the count, 0 for a point out of range.
 */
uint64_t pfnlab_fault_hits(const struct pfnlab_machine *m, enum pfnlab_fault_point p);

/**
 * pfnlab_fault_should_fail() - count a pass through a failure point (for
 * actors built on the library that model their own failure points).
 * @m: machine
 * @p: failure point, < PFNLAB_FAULT_POINTS
 *
 * Return: true if this pass must fail.
 */
bool pfnlab_fault_should_fail(struct pfnlab_machine *m, enum pfnlab_fault_point p);

/* GFP names. */

/**
 * pfnlab_gfp_parse() - parse the kernel's symbolic gfp_flags= rendering.
 * @s: e.g. "GFP_HIGHUSER_MOVABLE|__GFP_ZERO", "none" or "0x400"
 * @len: length of @s
 * @gfp: receives the flags
 *
 * Return: 0, or -EINVAL for an unknown name or empty element.
 */
int pfnlab_gfp_parse(const char *s, size_t len, pfnlab_gfp_t *gfp);

/**
 * pfnlab_gfp_format() - render flags as show_gfp_flags() does.
 * @gfp: flags
 * @buf: output buffer
 * @len: its size (256 is always enough)
 *
 * Return: length written (without the NUL).
 */
int pfnlab_gfp_format(pfnlab_gfp_t gfp, char *buf, size_t len);

/**
 * pfnlab_gfp_migratetype() - gfp_migratetype(): the free lists @gfp allocates from.
 * @gfp: flags
 *
 * Return: PFNLAB_MT_UNMOVABLE, PFNLAB_MT_MOVABLE or PFNLAB_MT_RECLAIMABLE.
 */
int pfnlab_gfp_migratetype(pfnlab_gfp_t gfp);


/**
 * pfnlab_set_trace() - send kernel-format trace lines to @sink.
 * @m: machine
 * @sink: sink, or NULL to stop tracing; copied, its arg must stay valid
 */
void pfnlab_set_trace(struct pfnlab_machine *m, const struct pfnlab_sink *sink);

/**
 * pfnlab_print() - print a kernel view of the machine.
 * @m: machine
 * @view: "buddyinfo", "pagetypeinfo", "zoneinfo", "meminfo", "vmstat",
 *        "extfrag_index" or "unusable_index"
 * @sink: where to write
 *
 * Return: 0, or -EINVAL for an unknown view (or a NULL argument).
 */
int pfnlab_print(const struct pfnlab_machine *m, const char *view, const struct pfnlab_sink *sink);

/**
 * pfnlab_views() - the view names pfnlab_print() knows.
 *
 * Return: a static, NULL-terminated array.
 */
const char *const *pfnlab_views(void);

/* Read access for reports and tests. */

/**
 * pfnlab_nr_pfns() - the size of the machine's PFN space.
 * @m: machine
 *
 * Return: one past the highest PFN (holes included).
 */
uint64_t pfnlab_nr_pfns(const struct pfnlab_machine *m);

/**
 * pfnlab_pageblock_type() - migrate type of the pageblock holding @pfn.
 * @m: machine
 * @pfn: any PFN below pfnlab_nr_pfns()
 *
 * Return: an enum pfnlab_migratetype value, or -EINVAL beyond the machine.
 */
int pfnlab_pageblock_type(const struct pfnlab_machine *m, uint64_t pfn);

/**
 * pfnlab_nr_free() - free blocks on one buddy list (a /proc/pagetypeinfo cell).
 * @m: machine
 * @zone: enum pfnlab_zone_type
 * @order: block order
 * @mt: enum pfnlab_migratetype
 *
 * Return: the count, or -1 for an empty zone or an argument out of range.
 */
long pfnlab_nr_free(const struct pfnlab_machine *m, int zone, unsigned order, int mt);

/**
 * pfnlab_zone_free_pages() - NR_FREE_PAGES of a zone.
 * @m: machine
 * @zone: enum pfnlab_zone_type
 *
 * Return: free pages, or -1 if the machine has no such zone.
 */
long pfnlab_zone_free_pages(const struct pfnlab_machine *m, int zone);

/**
 * pfnlab_vmstat() - a /proc/vmstat counter (or one of pfnlab's own, named
 * "pfnlab_*") by name.
 * @m: machine
 * @name: e.g. "pgmigrate_success", "nr_free_cma", "pfnlab_pin_migrated"
 *
 * Return: its value, or -1 when the name is unknown.
 */
long long pfnlab_vmstat(const struct pfnlab_machine *m, const char *name);

/* Tasks, reclaim and the OOM killer. */

/** struct pfnlab_task - the process owning an address space, as the OOM killer sees it. */
struct pfnlab_task {
	char comm[16];      /* task->comm (15 characters); default: the space's name */
	int pid;            /* default: the space id + 1 */
	unsigned uid;       /* default 0 */
	int oom_score_adj;  /* -1000..1000, default 0 */
	bool unkillable;    /* init or a kernel thread: never chosen; default false */
};

/**
 * pfnlab_mm_set_task() - describe the task owning an address space.
 * @m: machine
 * @id: address space
 * @t: the task; comm is copied up to 15 characters
 *
 * Return: 0, -ENOENT (no such space), -EINVAL (oom_score_adj out of -1000..1000).
 */
int pfnlab_mm_set_task(struct pfnlab_machine *m, unsigned id, const struct pfnlab_task *t);

/**
 * pfnlab_mm_task() - the task owning an address space.
 * @m: machine
 * @id: address space
 * @t: receives it
 *
 * Return: 0, or -ENOENT for no such space.
 */
int pfnlab_mm_task(const struct pfnlab_machine *m, unsigned id, struct pfnlab_task *t);

/**
 * pfnlab_set_current() - the task whose allocations follow (current): the
 * OOM killer's "invoked oom-killer" line names it, and if it is chosen it
 * exits only when current changes.  Faults, pins and GUP of a space run as
 * its task whatever is set here.
 * @m: machine
 * @id: address space, or 0 for a kernel thread (the default)
 *
 * Return: 0, or -ENOENT for no such space.
 */
int pfnlab_set_current(struct pfnlab_machine *m, unsigned id);

/** struct pfnlab_oom_event - a task the OOM killer killed. */
struct pfnlab_oom_event {
	unsigned mm;             /* the space it owned, gone now (its pins released) */
	int pid;
	char comm[16];
	uint64_t when_ns;        /* model time of the kill */
	long points;             /* oom_badness() */
	uint64_t total_vm_kb, anon_kb, file_kb, shmem_kb, pgtables_kb; /* at the kill, as printed */
	bool current;            /* the allocating task itself was chosen */
	char line[256];          /* the kernel's "Killed process" line */
};

/**
 * pfnlab_oom_next() - take the oldest OOM kill not taken yet.
 * @m: machine
 * @ev: receives it
 *
 * The victim's space no longer exists: its mappings were zapped, then its
 * pins released (exit_mm(), then the release of its files: VFIO
 * containers, io_uring buffers), as the kernel's do_exit() does.  Pin
 * handles it held are invalid and may be reused by later pins.
 *
 * Return: 0, or -ENOENT when there is none.
 */
int pfnlab_oom_next(struct pfnlab_machine *m, struct pfnlab_oom_event *ev);

/**
 * pfnlab_panicked() - has the machine panicked (the OOM killer found no
 * task to kill: "System is deadlocked on memory", or vm.panic_on_oom)?  A
 * panicked machine keeps answering, as if it had no OOM killer.
 * @m: machine
 * @why: receives the panic message (may be NULL)
 * @len: size of @why
 *
 * Return: true after a panic.
 */
bool pfnlab_panicked(const struct pfnlab_machine *m, char *why, size_t len);

/**
 * pfnlab_sysctl_set() - write a vm sysctl.
 * @m: machine
 * @name: "vm.swappiness", "vm.dirty_ratio", "vm.dirty_background_ratio",
 *        "vm.dirty_bytes", "vm.dirty_background_bytes",
 *        "vm.dirty_expire_centisecs", "vm.dirty_writeback_centisecs",
 *        "vm.min_free_kbytes", "vm.watermark_scale_factor",
 *        "vm.watermark_boost_factor", "vm.panic_on_oom",
 *        "vm.oom_kill_allocating_task", "vm.oom_dump_tasks",
 *        "vm.drop_caches" (1, 2, 3: runs at once), or compaction's:
 *        "vm.compaction_proactiveness", "vm.extfrag_threshold",
 *        "vm.compact_unevictable_allowed", "vm.compact_memory" (1: runs at once)
 * @value: the value written
 *
 * Return: 0, -ENOENT (no such knob in the machine's era: v4.2 has no
 * watermark_scale_factor, watermark_boost_factor or
 * compaction_proactiveness), -EINVAL (out of the kernel's range).
 */
int pfnlab_sysctl_set(struct pfnlab_machine *m, const char *name, uint64_t value);

/**
 * pfnlab_sysctl_get() - read a vm sysctl (vm.drop_caches reads 0).
 * @m: machine
 * @name: as for pfnlab_sysctl_set()
 * @value: receives it
 *
 * Return: 0, or -ENOENT (no such knob in the machine's era).
 */
int pfnlab_sysctl_get(const struct pfnlab_machine *m, const char *name, uint64_t *value);

/**
 * pfnlab_swap_pages() - the swap space (total_swap_pages) and its slots in use.
 * @m: machine
 * @total: receives the slots (may be NULL)
 * @used: receives the slots holding a page (may be NULL)
 */
void pfnlab_swap_pages(const struct pfnlab_machine *m, uint64_t *total, uint64_t *used);

/**
 * pfnlab_strerror() - the name of an error this library returns.
 * @err: 0 or a negative errno
 *
 * Return: "success", "ENOMEM", "EBUSY", ... or "unknown error"; static.
 */
const char *pfnlab_strerror(int err);

/**
 * pfnlab_version() - the version of the library loaded at run time.
 *
 * Return: "MAJOR.MINOR.PATCH", a static string; PFNLAB_VERSION is the
 * version of the header a program was compiled with.
 */
const char *pfnlab_version(void);

#ifdef __cplusplus
}
#endif

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#endif /* PFNLAB_H */
