/*
 * model.h - every core structure of the model in one place.
 * What only some files need sits in headers of their own: the
 * allocator's inline hot paths in buddy.h, pcp.h and gfp.h; hugetlb.h,
 * compaction.h and migrate.h, private to the files they name.
 *
 * Physical memory is an array of 16-byte frames, one per page frame (the
 * kernel's struct page is 64 bytes).  Pageblock flags live apart, one byte
 * per pageblock.  Zones own the free lists.
 *
 *   frames[pfn]      +--------+--------+----------+---------+-------+-------+
 *   (16 bytes)       | next   | prev   | refcount | mapcnt  | order | flags |
 *                    | u32    | u32    | u32      | u16     | u8    | u8    |
 *                    +--------+--------+----------+---------+-------+-------+
 *   free head:       list links (PFNs)   0          list mt   order   BUDDY
 *   on a pcp list:   pcp links           0          pcp mt    0       PCP
 *   allocated head:  owner    owner idx  >= 1       mapcount  order   ALLOC
 *   anything else:   0        0          0          0         0       0/HOLE/RESERVED
 *
 * A PFN is 32 bits: up to 16 TiB of 4 KiB pages (2^32 - 1 is the list end).
 *
 * Page-cache folios (file and shmem) keep their state beside the frames,
 * in the side array pgflags[] (2 bytes per frame, allocated when the first
 * file or memfd is created, so anonymous-only machines never touch it):
 *
 *   page-cache head: mapping id  page index  1 + mapcount + private + extra
 *                    mapcount    order  ALLOC|LRU        pgflags: kind, PG_*
 *
 * LRU lists (swap.c) link folio heads through a second side array,
 * lru[] (8 bytes per frame), allocated with pgflags[]; an anonymous folio
 * is linked only when the machine has swap (without swap anonymous memory
 * is never scanned, so it is only counted).
 *
 * Simplifications: one NUMA node (the structures carry a node id); per-CPU
 * lists hold order-0 pages only; compaction (compaction.c) runs from the
 * slow path, kcompactd, vm.compact_memory and proactively.
 */
#ifndef PFNLAB_MODEL_H
#define PFNLAB_MODEL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fmt.h"
#include "pfnlab.h"

#define NIL_PFN UINT32_MAX
#define MAX_ORDERS 16          /* max_order + 1 never exceeds this */
#define MAX_CPUS 64

/* frame.flags */
#define F_BUDDY    0x01u /* head of a free buddy block (PageBuddy) */
#define F_ALLOC    0x02u /* head of a live allocation */
#define F_PCP      0x04u /* free page sitting on a per-CPU list */
#define F_HOLE     0x08u /* no RAM behind this PFN (not present) */
#define F_RESERVED 0x10u /* present, never given to the buddy allocator */
#define F_LRU      0x20u /* on an LRU list: counts as movable for stealing */
#define F_ANON     0x40u /* head of an anonymous folio mapped by an address space */
#define F_PINNED   0x80u /* pinned with FOLL_LONGTERM at least once since it was last unpinned */

struct frame {
	uint32_t next;     /* free: next PFN on the list; allocated: owner id */
	uint32_t prev;     /* free: previous PFN; allocated: owner index */
	uint32_t refcount; /* _refcount */
	uint16_t mt;       /* free: the list's migrate type; allocated: mapcount */
	uint8_t order;     /* buddy order, or allocation order of a head */
	uint8_t flags;     /* F_* */
};

_Static_assert(sizeof(struct frame) == 16, "frame must stay 16 bytes");

/*
 * pageblock flag byte: bits 0-2 migrate type, bit 4 PB_migrate_skip, bit 3 "held":
 * isolated by someone outside the model (a snapshot taken while
 * alloc_contig_range() or memory offlining had the block isolated), so
 * nothing in the model will ever lift it.  Bit 6, PB_RETYPED: the slow
 * path gave the block back from HIGHATOMIC with free pages in it, which
 * stay unmerged (the checker allows it).
 */
#define PB_MT_MASK  0x07u
#define PB_HELD     0x08u
#define PB_MIGRATE_SKIP 0x10u /* PB_migrate_skip: compaction's "nothing to do here" hint (compaction.c) */
#define PB_RETYPED  0x40u /* unreserve_highatomic_pageblock() retyped it over unmerged free pages */

struct free_list { /* no count: the kernel's lists have none (free_list_count() walks) */
	uint32_t head;
	uint32_t tail;
};

struct free_area {
	struct free_list list[PFNLAB_MT_TYPES];
	uint64_t nr_free; /* blocks of this order on all lists (free_area.nr_free) */
	uint64_t pad_[1]; /* 64 bytes: the hot paths index area[] with a shift */
};

_Static_assert(sizeof(struct free_area) == 64, "free_area is indexed with a shift");

/*
 * The blocks on free list @l, counted by walking it as /proc/pagetypeinfo
 * does, up to @cap (the kernel stops at 100,000)
 */
static inline uint64_t free_list_count(const struct frame *frames, const struct free_list *l, uint64_t cap)
{
	uint64_t n = 0;

	for (uint32_t p = l->head; p != NIL_PFN && n < cap; p = frames[p].next)
		n++;
	return n;
}

enum { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

struct pcp_list {
	uint32_t head;
	uint32_t count;
};

struct per_cpu_pages {
	struct pcp_list lists[3]; /* MIGRATE_PCPTYPES */
	uint32_t count;
	uint32_t high;            /* pcp->high, as /proc/zoneinfo shows it (6.12: auto-tuned, 0 until first used) */
	uint32_t free_limit;      /* nr_pcp_high(): high, or at most 4 * batch while the zone's reclaim is active;
				     6.12: 0, every free takes pcp_free_high() */
	uint8_t batch;            /* at most 1 MiB / 4 * 1.5 pages (zone_batchsize()): 63 */
	uint8_t alloc_factor;     /* 6.12: refills since the last free, doubling the refill (nr_pcp_alloc()) */
	union {
		uint16_t free_factor; /* v6.1: bulk frees since the last allocation, doubling the batch */
		uint16_t free_count;  /* 6.12: pages freed since the last allocation, halved by each (nr_pcp_free()) */
	};
};

_Static_assert(sizeof(struct per_cpu_pages) == 40, "z->pcp[cpu] is indexed with a multiply by 5 and a shift");

struct zone {
	/*
	 * The allocation fast path's first 64 bytes: the vmstat counters and
	 * the mark zone_watermark_fast() compares them with, whether the zone
	 * is aligned to the largest block, its type
	 */
	int64_t nr_free;           /* NR_FREE_PAGES (buddy only, not pcp) */
	int64_t nr_free_cma;       /* NR_FREE_CMA_PAGES */
	uint64_t nr_reserved_highatomic;
	uint32_t low_mark[PFNLAB_NR_ZONES]; /* wmark[WMARK_LOW] + lowmem_reserve[t] (capped; fast_marks()) */
	bool buddy_aligned;        /* both ends aligned to the largest block, not 6.12 (zone_buddy_aligned()) */
	int type;                  /* enum pfnlab_zone_type */
	const char *name;          /* "DMA", "DMA32", "Normal", "Movable" */
	uint64_t start_pfn;        /* zone_start_pfn */
	uint64_t spanned;          /* spanned_pages */
	uint64_t present;          /* present_pages */
	uint64_t managed;          /* managed_pages */
	uint64_t cma_pages;        /* managed pages in CMA pageblocks */
	uint64_t wmark[NR_WMARK];
	uint64_t watermark_boost;
	uint64_t lowmem_reserve[PFNLAB_NR_ZONES];
	uint64_t nr_isolate_pageblock; /* pageblocks of the zone typed ISOLATE (has_isolate_pageblock()) */
	/* compaction state (compaction.c) */
	uint64_t compact_cached_free_pfn;        /* where the free scanner restarts */
	uint64_t compact_cached_migrate_pfn[2];  /* where the migrate scanner restarts: [0] async, [1] sync */
	uint64_t compact_init_migrate_pfn, compact_init_free_pfn; /* set by __reset_isolation_suitable() */
	unsigned compact_considered, compact_defer_shift; /* deferral: attempts skipped, 1 << shift allowed */
	int compact_order_failed;                /* smallest order that failed since the last success */
	bool compact_blockskip_flush;            /* skip bits to clear when kswapd sleeps (scanners met) */
	bool reclaim_active;                     /* ZONE_RECLAIM_ACTIVE: kswapd's balance_pgdat() runs (v6.1) */
	bool below_high;                         /* ZONE_BELOW_HIGH (6.12): an allocation found free pages under the high mark */
	bool boosted_wmark;                      /* ZONE_BOOSTED_WATERMARK (v5.0+): a fallback boosted the watermarks */
	int64_t bulk_taken;                      /* 6.1: pages the running rmqueue_bulk() took, not yet out of NR_FREE_PAGES */
	uint32_t pcp_high_min, pcp_high_max;     /* 6.12: zone->pageset_high_min/max, the range pcp->high is tuned in */
	struct free_area area[MAX_ORDERS];
	struct per_cpu_pages pcp[MAX_CPUS];
};

_Static_assert(offsetof(struct zone, type) <= 64, "the fast path's zone fields fit one cache line");

/* /proc/vmstat counters the model keeps; names in vmstat.c. */
enum vm_item {
	VM_PGALLOC_DMA, VM_PGALLOC_DMA32, VM_PGALLOC_NORMAL, VM_PGALLOC_MOVABLE,
	VM_PGFREE,
	VM_PGMIGRATE_SUCCESS, VM_PGMIGRATE_FAIL,
	VM_COMPACT_ISOLATED,
	VM_CMA_ALLOC_SUCCESS, VM_CMA_ALLOC_FAIL,
	VM_NR_FOLL_PIN_ACQUIRED, VM_NR_FOLL_PIN_RELEASED,
	VM_ALLOC_FAILED,        /* pfnlab's own: allocations that returned -ENOMEM */
	VM_EXTFRAG,             /* pfnlab's own: mm_page_alloc_extfrag events */
	VM_EXTFRAG_CLAIMED,     /* pfnlab's own: ... with change_ownership=1 */
	VM_PIN_MIGRATED,        /* pfnlab's own: pages migrated at long-term pin time */
	VM_PIN_FAILED,          /* pfnlab's own: long-term pins that failed */
	VM_PIN_UNMOVABLE_BLOCKS,/* pfnlab's own: pageblocks claimed UNMOVABLE by pin-time targets */
	VM_CMA_BUSY_RETRY,      /* pfnlab's own: cma_alloc_busy_retry events */
	VM_CONTIG_BUSY,         /* pfnlab's own: alloc_contig_range attempts that found PFNs busy */
	VM_PGACTIVATE,
	VM_CONTIG_RECLAIMED,    /* pfnlab's own: clean file pages reclaim_clean_pages_from_list() freed */
	VM_CONTIG_MIGRATED,     /* pfnlab's own: pages alloc_contig_range() migrated out of its range */
	VM_WRITEBACK_WAITED,    /* pfnlab's own: writebacks migration waited for (completed at once) */
	VM_WRITEOUT,            /* pfnlab's own: dirty folios writeout() started writeback of */
	/* compaction (compaction.c): v6.1 names */
	VM_COMPACT_MIGRATE_SCANNED, VM_COMPACT_FREE_SCANNED, VM_COMPACT_STALL, VM_COMPACT_FAIL,
	VM_COMPACT_SUCCESS, VM_COMPACT_DAEMON_WAKE, VM_COMPACT_DAEMON_MIGRATE_SCANNED,
	VM_COMPACT_DAEMON_FREE_SCANNED,
	VM_HTLB_BUDDY_ALLOC_SUCCESS, VM_HTLB_BUDDY_ALLOC_FAIL, /* hugetlb.c */
	/* reclaim (vmscan.c), swap, writeback and the OOM killer: v6.1 names */
	VM_PGDEACTIVATE, VM_PGREFILL,
	VM_PGSTEAL_KSWAPD, VM_PGSTEAL_DIRECT, VM_PGSCAN_KSWAPD, VM_PGSCAN_DIRECT,
	VM_PGSCAN_ANON, VM_PGSCAN_FILE, VM_PGSTEAL_ANON, VM_PGSTEAL_FILE,
	VM_KSWAPD_LOW_WMARK_HIT_QUICKLY, VM_KSWAPD_HIGH_WMARK_HIT_QUICKLY, VM_PAGEOUTRUN,
	VM_PGROTATED, VM_DROP_PAGECACHE, VM_OOM_KILL,
	VM_ALLOCSTALL_DMA, VM_ALLOCSTALL_DMA32, VM_ALLOCSTALL_NORMAL, VM_ALLOCSTALL_MOVABLE,
	VM_PGSKIP_DMA, VM_PGSKIP_DMA32, VM_PGSKIP_NORMAL, VM_PGSKIP_MOVABLE,
	VM_PSWPIN, VM_PSWPOUT, VM_PGPGOUT,
	VM_NR_VMSCAN_WRITE, VM_NR_VMSCAN_IMMEDIATE, VM_NR_DIRTIED, VM_NR_WRITTEN,
	VM_ALLOCSTALL,          /* v4.2's single allocstall */
	VM_PGSCAN_KSWAPD_Z,     /* v4.2 per-zone pgscan/pgsteal/pgrefill: 4 zones each, in zone order */
	VM_PGSCAN_DIRECT_Z = VM_PGSCAN_KSWAPD_Z + PFNLAB_NR_ZONES,
	VM_PGSTEAL_KSWAPD_Z = VM_PGSCAN_DIRECT_Z + PFNLAB_NR_ZONES,
	VM_PGSTEAL_DIRECT_Z = VM_PGSTEAL_KSWAPD_Z + PFNLAB_NR_ZONES,
	VM_PGREFILL_Z = VM_PGSTEAL_DIRECT_Z + PFNLAB_NR_ZONES,
	VM_DIRECT_RECLAIMS = VM_PGREFILL_Z + PFNLAB_NR_ZONES, /* pfnlab's own: try_to_free_pages() calls */
	VM_OOM_PANIC,           /* pfnlab's own: "System is deadlocked on memory" panics */
	VM_RECLAIM_LIVELOCK,    /* pfnlab's own: v4.2 __GFP_REPEAT shrink_zone() loops stopped (no change possible) */
	NR_VM_ITEMS
};

/*
 * A mapping of an address space: anonymous, or of a file or memfd (then
 * @mapping names it and virtual page start + i maps page pgoff + i).  Its
 * page table is a lazily filled array of chunks, one chunk per THP-sized
 * span; an entry is the PFN + 1 of the page mapped there, 0 when none.
 */
struct vma {
	uint64_t start;            /* first virtual page */
	uint64_t pages;            /* length in pages */
	bool thp;                  /* faults try a THP first */
	bool no_tables;            /* its PTE tables take no memory: PFNLAB_MAP_NOPGTABLE (also a snapshot's),
				      hugetlbfs (PMD-mapped) or a machine without cfg.pgtables */
	bool shared;               /* MAP_SHARED (file and memfd mappings) */
	unsigned mapping;          /* 0: anonymous; else the address space (struct mapping) id */
	uint64_t pgoff;            /* file page mapped at start */
	unsigned huge_order;       /* hugetlbfs: its hstate's order, faults map whole huge pages; else 0 */
	uint32_t **chunks;         /* pages >> thp_order (rounded up) chunk pointers */
	uint32_t *tables;          /* per PTE table span reached, PFN + 1 of the table's page, 0 none (pgtable.c) */
};

/*
 * An allocated frame of PTE tables (pgtable.c): its page_type PG_table
 * where an anonymous page keeps its mapcount, as the kernel's page_type
 * overlays _mapcount; frame.next the owning space's id, frame.prev its
 * pt_frag_refcount (the tables in use, and those not handed out yet while
 * it is the space's fragment cache)
 */
#define MT_PGTABLE 0xffffu

static inline bool frame_is_pgtable(const struct frame *f)
{
	return (f->flags & (F_ALLOC | F_ANON)) == F_ALLOC && f->mt == MT_PGTABLE;
}

/*
 * pgflags[head]: the page-cache state of a folio (the kernel's page flags
 * the frame has no room for).  0 for anything not in a page cache.
 */
#define PGK_MASK      0x0007u /* kind: PGK_* */
#define PGK_FILE      2u      /* file page cache (!PG_swapbacked) */
#define PGK_SHMEM     3u      /* shmem / memfd (PG_swapbacked) */
#define PG_DIRTY      0x0008u
#define PG_WRITEBACK  0x0010u
#define PG_ACTIVE     0x0020u
#define PG_REFERENCED 0x0040u
#define PG_PRIVATE    0x0200u /* buffer heads attached: one reference */
#define PG_BH_HELD    0x0100u /* ... one of them in use (b_count): a mounted file system's (buffer.c) */
#define PGK_ANON      1u      /* an anonymous folio whose LRU state is kept here (swap.c) */
#define PGK_SWAPCACHE 5u      /* an anonymous folio in the swap cache, being paged out (vmscan.c) */
#define PGK_SLAB      6u      /* a slab's head page (slab.c: buffer heads, xarray nodes): no other flag */
#define PG_LRU        0x0080u /* linked on an LRU list (lru[]) */
#define PG_RECLAIM    0x0400u /* PG_reclaim: rotate to the inactive tail when writeback ends */
#define PG_YOUNG      0x0800u /* a PTE mapping it was accessed since folio_referenced() last looked */
#define PG_WORKINGSET 0x1000u

/*
 * hugetlb folios (hugetlb.c): kind PGK_HUGETLB.  A pool page's head frame
 * is F_ALLOC with the hstate's order (above the largest buddy order for a
 * gigantic page), never F_LRU or F_ANON.  A free pool page has refcount 0
 * and sits on its hstate's free list, linked through frame.next/prev; a
 * page in use is a hugetlbfs page-cache folio (mapping id, page index,
 * 1 + mapcount + extra references; one mapcount per mapping of the whole
 * page, as the kernel's entire_mapcount).
 */
#define PGK_HUGETLB    4u
#define HPG_FREED      0x2000u /* HPageFreed: on the hstate's free list */
#define HPG_MIGRATABLE 0x4000u /* HPageMigratable: in use, may be isolated (not while isolated) */
#define HPG_TEMPORARY  0x8000u /* HPageTemporary: back to the buddy allocator at its last put */

/* One range of an address space's pages mapped by a process (i_mmap). */
struct mapper {
	unsigned mm;               /* address space id */
	uint64_t vstart;           /* first virtual page of the mapping */
	uint64_t pgoff;            /* file page mapped at vstart */
	uint64_t pages;
	bool shared;
};

/*
 * An address space (struct address_space of an inode): a file on a file
 * system or a shmem/memfd object.  The page cache is a lazily filled
 * table of chunks like a page table: index -> PFN + 1.
 */
/* xarray.c: what a page cache's xarray holds, as counts (indices below 2^32: 6 levels) */
#define XA_MAX_LEVELS 6
struct xa_index {
	uint8_t *fill;             /* per level, per group of 64 << (6 * level) indices: its nonempty children */
	uint64_t off[XA_MAX_LEVELS]; /* each level's first count in fill[] */
	uint64_t nonempty[XA_MAX_LEVELS]; /* groups with an entry, per level */
	uint64_t entries, nodes;   /* entries present; nodes the tree holds */
	uint8_t levels;            /* levels the file's size may need */
	bool zero;                 /* index 0 is present */
	bool untracked;            /* no nodes modelled: a hugetlbfs file; a snapshot's (among its kernel pages) */
};

struct mapping {
	char name[32];
	bool live;                 /* the slot holds an inode */
	bool open;                 /* a file descriptor is open */
	int fs;                    /* enum pfnlab_fs */
	uint64_t nr_pages;         /* i_size in pages */
	uint32_t **chunks;         /* (nr_pages >> 9) + 1 chunk pointers */
	uint64_t nr_cached, nr_dirty, nr_writeback;
	uint64_t dirtied_when_ns;  /* inode->dirtied_when: when its first dirty page of now appeared */
	unsigned nr_mappers, cap_mappers;
	struct mapper *mappers;
	unsigned hstate;           /* hugetlbfs: index of its page size in m->hugetlb.hstates[] */
	uint64_t held_pages;       /* bdev: pages [0, held_pages) hold buffers a mounted file system keeps (buffer.c) */
	/*
	 * ext2 (buffer.c): a device's mounted file system, its inode table and
	 * the next file's inode number; a file's device and its inode's block,
	 * and I_DIRTY_SYNC (the write dirtied the inode: file_update_time())
	 */
	int mounted_fs;            /* bdev: PFNLAB_FS_EXT2 or PFNLAB_FS_EXT4 while mounted, else 0 */
	unsigned dev;              /* ext2 file: the id of its device, 0 if none */
	uint64_t inode_block;      /* bdev: first block of group 0's inode table, 0 if none kept; ext2 file: its inode's */
	unsigned next_ino;         /* bdev (ext2): the next file's inode number */
	bool inode_dirty;          /* ext2 file: I_DIRTY_SYNC, written by ext2_write_inode() */
	bool wb_queued;            /* on the flusher work's b_io list (wakeup_flusher_threads()) */
	uint64_t *resv;            /* hugetlbfs: the reserve map, a bit per huge page reserved (resv_map) */
	struct xa_index xa;        /* its xarray's nodes (xarray.c) */
};
#define CACHE_CHUNK_SHIFT 9

struct mm {
	char name[32];
	bool live;
	/* the task (process) owning the space, for the OOM killer (oom_kill.c) */
	char comm[16];
	int pid;
	unsigned uid;
	int oom_score_adj;         /* -1000..1000 */
	bool unkillable;           /* init or a kernel thread: never chosen */
	bool oom_victim;           /* killed, exits when its current operation returns */
	uint64_t swapents;         /* MM_SWAPENTS: PTEs that hold a swap entry */
	unsigned nr_vmas, cap_vmas;
	struct vma *vmas;          /* sorted by start, not overlapping */
	uint64_t rss;              /* pages mapped */
	uint64_t rss_file;         /* ... of them file pages (MM_FILEPAGES) */
	uint64_t rss_shmem;        /* ... and shmem pages (MM_SHMEMPAGES) */
	uint64_t hugetlb_usage;    /* pages of hugetlb folios mapped (mm->hugetlb_usage, not in rss) */
	uint64_t pinned;           /* pages pinned (FOLL_PIN) */
	uint64_t locked_vm;        /* pages accounted as locked (VFIO) */
	bool pin_aware;            /* policy pin-aware: faults avoid CMA and ZONE_MOVABLE */
	uint32_t pte_frag;         /* mm->context.pte_frag: PFN + 1 of the page the next PTE table comes from, 0 none */
	unsigned pte_frag_next;    /* ... and that table's index in it */
};

#define HUGETLB_MAX_HSTATES 2

/* One huge page size and its pool (struct hstate, mm/hugetlb.c). */
struct hstate {
	unsigned order;
	uint64_t nr, free, resv, surplus; /* nr_huge_pages, free_huge_pages, resv_huge_pages, surplus_huge_pages */
	uint64_t max;              /* max_huge_pages: the persistent pages asked for */
	uint64_t overcommit;       /* nr_overcommit_huge_pages */
	uint64_t boot;             /* hugepages= for this size */
	uint64_t booted;           /* pages the boot allocation got (its messages) */
	uint32_t free_head;        /* hugepage_freelists[0]: head of the free pages, NIL_PFN when none */
};

/* The hugetlb pool of the machine: its page sizes in registration order, hugetlb_cma. */
struct hugetlb_state {
	unsigned nr_hstates;
	unsigned default_idx;      /* default_hstate: vm.nr_hugepages, /proc/meminfo */
	struct hstate hstates[HUGETLB_MAX_HSTATES];
	int cma;                   /* hugetlb_cma[0] in m->cma[], or -1 */
	uint64_t cma_asked;        /* hugetlb_cma= in bytes */
	int cma_err;               /* why no area: -EINVAL too small, -ENOMEM no room, 0 */
	bool cma_skip;             /* a gigantic boot allocation was skipped for hugetlb_cma */
};

/* The PTE of an anonymous page that was swapped out (a swap entry; PFNs stay below it). */
#define PTE_SWAP UINT32_MAX

/* LRU lists (enum lru_list, include/linux/mmzone.h) */
enum lru_list {
	LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE, LRU_UNEVICTABLE,
	NR_LRU_LISTS
};

struct lru_link {
	uint32_t next, prev;       /* toward the tail / the head; NIL_PFN at the ends */
};

/*
 * struct lruvec: the LRU lists of the node (v6.1) or of one zone (v4.2).
 * head is the most recently added folio, reclaim scans from the tail.
 * nr[] counts pages on each list, linked or only counted (anonymous
 * folios without swap); isolated[] the pages taken off for reclaim or
 * migration (NR_ISOLATED_ANON, NR_ISOLATED_FILE).
 */
struct lruvec {
	uint32_t head[NR_LRU_LISTS], tail[NR_LRU_LISTS];
	uint64_t nr[NR_LRU_LISTS];
	uint64_t isolated[2];
	uint64_t anon_cost, file_cost;     /* lru_note_cost() (v6.1) */
	uint64_t recent_scanned[2], recent_rotated[2]; /* zone_reclaim_stat (v4.2) */
};

/* kswapd and the reclaim state of the node (pgdat) */
struct kswapd_state {
	bool pending;              /* woken; runs when the allocation that woke it returns */
	bool running;              /* PF_KSWAPD|PF_MEMALLOC: inside balance_pgdat() */
	int order;                 /* kswapd_order (v4.2 kswapd_max_order) */
	int highest;               /* kswapd_highest_zoneidx (v4.2 classzone_idx), zone type */
	unsigned failures;         /* kswapd_failures (v6.1) */
	int last_highest;          /* the zone type it last balanced up to */
	bool dirty, writeback, congested; /* PGDAT_DIRTY, PGDAT_WRITEBACK, LRUVEC_CONGESTED */
};

/* The sysctls the model keeps (vm.*); vm.min_free_kbytes and the watermark ones live in cfg and m. */
struct vm_sysctl {
	unsigned swappiness;                 /* vm.swappiness, 60 */
	unsigned dirty_ratio;                /* vm.dirty_ratio, 20 */
	unsigned dirty_background_ratio;     /* vm.dirty_background_ratio, 10 */
	uint64_t dirty_bytes, dirty_background_bytes; /* 0: the ratios apply */
	unsigned dirty_expire_centisecs;     /* 3000 */
	unsigned dirty_writeback_centisecs;  /* 500 */
	unsigned panic_on_oom;               /* 0, 1, 2 */
	unsigned oom_kill_allocating_task;   /* 0 */
	unsigned oom_dump_tasks;             /* 1 */
};

/* A short-lived extra reference that expires at a logical time. */
struct transient_ref {
	uint64_t expires_ns;
	uint32_t pfn;
	uint32_t kind;
};

struct cma_area {
	char name[32];
	uint64_t base_pfn;
	uint64_t count;
	unsigned order_per_bit;
	int zone;
	uint64_t *bitmap;          /* one bit per 2^order_per_bit pages, set = allocated */
	uint64_t pages_success, pages_fail, pages_released, busy_retries;
};

struct fault_point {
	uint64_t hits, nth, injected;
	bool persistent;
};

/* A pin taken through pfnlab_pin(), for unpinning and culprit reports. */
struct pin_run {
	uint32_t pfn, pages;       /* pages consecutive PFNs from pfn */
};

struct pin_rec {
	unsigned mm;               /* 0: free slot */
	unsigned flags;
	uint64_t vpn, npages;
	uint64_t since_ns;
	struct pin_run *runs;      /* the pinned PFNs in order, as runs of consecutive ones */
	uint64_t nr_runs;
	char pinner[48];
};

/* The last failed alloc_contig_range(), with who holds the busy frames. */
struct contig_failure {
	bool valid;
	uint64_t start, end, outer_start, fin_pfn, when_ns;
	uint64_t scan_end;         /* where isolation had got to when migration ended */
	int err;
	size_t nr, cap;
	struct pfnlab_culprit *culprits;
};

/*
 * The node's compaction state (compaction.c): kcompactd, proactive
 * compaction, the compaction sysctls and the capture of a running direct
 * compaction.
 */
struct compaction_state {
	unsigned proactiveness;        /* vm.compaction_proactiveness, 20 (v6.1; absent in v4.2) */
	unsigned extfrag_threshold;    /* vm.extfrag_threshold, 500 */
	bool unevictable_allowed;      /* vm.compact_unevictable_allowed, 1 */
	bool kcompactd_pending;        /* woken: runs when the operation that woke it returns */
	bool proactive_trigger;        /* proactive_compact_trigger (a write of the proactiveness) */
	int kcompactd_max_order;       /* 0: no request */
	int kcompactd_highest;         /* kcompactd_highest_zoneidx, a zone type */
	uint64_t next_check_ns;        /* the next proactive check (500 ms after the last, or 32 s) */
	struct compact_control *capc;  /* current->capture_control of a direct compaction, or NULL */
	unsigned depth;                /* compact_zone() runs in progress (the checker's "idle" test) */
	bool kswapd_compacting;        /* v4.2: kswapd's compact_pgdat() runs (current_is_kswapd()) */
};

struct alloc_request;

/*
 * What a floor of the model reaches above itself, as the kernel reaches
 * its slow path, its kernel threads and a killed task's exit: set once
 * when the machine is created (mm_hooks_setup(), machine.c), never on the
 * fast path.
 */
struct mm_hooks {
	/* __alloc_pages_slowpath() (slowpath.c): only after the freelist attempt failed */
	uint64_t (*alloc_slowpath)(struct pfnlab_machine *m, struct alloc_request *ar);
	/* the woken kswapd, then kcompactd, run as the allocation returns (kswapd.c) */
	void (*run_woken)(struct pfnlab_machine *m);
	/* wakeup_kswapd() (kswapd.c), for rmqueue() after a watermark boost */
	void (*wakeup_kswapd)(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, int highest);
	/* OOM victims that were current exit as their operation returns (oom_kill.c) */
	void (*exit_victims)(struct pfnlab_machine *m);
	/* a hugetlb folio's destructor, its last reference gone (free_huge_page(), hugetlb.c) */
	void (*free_huge_folio)(struct pfnlab_machine *m, uint64_t head);
	/* hugetlbfs's evict_inode (hugetlbfs.c): its pages go back to the pool */
	void (*evict_hugetlbfs)(struct pfnlab_machine *m, struct mapping *mp);
	/* a gigantic page for the pool from hugetlb_cma or alloc_contig_pages() (hugetlb_boot.c) */
	uint64_t (*alloc_gigantic)(struct pfnlab_machine *m, unsigned order, pfnlab_gfp_t gfp);
	/* and back: cma_release() or free_contig_range() (hugetlb_boot.c) */
	void (*free_gigantic)(struct pfnlab_machine *m, uint64_t head, unsigned order);
};

/* a printk rate limit (struct ratelimit_state): the window's start (+1; 0 unused), messages printed, suppressed */
struct ratelimit_state {
	uint64_t begin_ns;
	unsigned printed, missed;
};

/*
 * A SLUB cache as counts (slab.c): bh_cachep (fs/buffer.c) and
 * radix_tree_node_cachep (lib/radix-tree.c, the page cache's xarray nodes)
 */
struct slab_cache {
	uint64_t *slabs;           /* its slabs' head PFNs, a ring from [first], the oldest first */
	size_t first, nr, cap;     /* cap: 0 or a power of two */
	uint64_t inuse, objects;   /* objects allocated, and room for them in its slabs */
	uint64_t pages;            /* pages of its slabs (NR_SLAB_RECLAIMABLE_B / PAGE_SIZE) */
	unsigned size;             /* s->size: bytes per object */
	uint8_t order, min_order;  /* oo and min: a slab's order, first choice and fallback */
	uint8_t min_partial;       /* empty slabs kept */
	uint64_t spare;            /* free objects at which slabs go back: min_partial + 1 slabs' worth */
};

/* The cache's @i-th slab, the oldest first (@i < nr). */
static inline uint64_t slab_at(const struct slab_cache *c, size_t i)
{
	return c->slabs[(c->first + i) & (c->cap - 1)];
}

struct pfnlab_machine {
	/*
	 * the entry points of page_alloc.c, chosen by page_alloc_setup(): [0]
	 * order 0, [1] larger; 0 or -ENOMEM, the PFN in *pfn; free: 0
	 */
	int (*alloc_fast[2])(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, uint64_t *pfn);
	int (*free_fast[2])(struct pfnlab_machine *m, uint64_t pfn, unsigned order);
	struct mm_hooks hooks;     /* the floors above the allocator, set once at creation */
	struct zone *preferred_zone[PFNLAB_NR_ZONES]; /* first zone of each zonelist, NULL if none */
	struct pfnlab_config cfg;
	uint64_t nr_pfns;          /* frames[] covers PFNs [0, nr_pfns) */
	uint64_t nr_pageblocks;
	unsigned nr_ram;           /* System RAM ranges in PFNs, sorted */
	uint64_t ram_start[PFNLAB_MAX_RANGES];
	uint64_t ram_end[PFNLAB_MAX_RANGES];
	uint64_t reserved_end;     /* present PFNs below this are reserved */
	unsigned nr_orders;        /* max_order + 1 */
	unsigned pb_order;
	bool k612;                 /* the current era's 6.12 rules apply (pcp_setup()) */
	uint64_t pb_pages;
	struct frame *frames;
	uint8_t *pageblock;        /* one flag byte per pageblock */
	int nr_zones;              /* populated zones, in zone order */
	struct zone zones[PFNLAB_NR_ZONES];
	int zone_of_type[PFNLAB_NR_ZONES]; /* index in zones[], -1 if absent */
	unsigned nr_cma;
	struct cma_area cma[PFNLAB_MAX_CMA];
	uint64_t vm[NR_VM_ITEMS];
	int min_free_kbytes;
	struct pfnlab_sink trace;  /* .write NULL when tracing is off */
	uint64_t clock_ns;         /* logical time, for trace timestamps */
	uint64_t now_ns;           /* logical time of the model (pfnlab_advance) */
	unsigned thp_order;        /* HPAGE_PMD_ORDER */
	unsigned pte_frags;        /* PTE_FRAG_NR: PTE tables per page (pgtable.c) */
	unsigned pte_order;        /* log2 of PTRS_PER_PTE: pages of address one PTE table maps */
	unsigned nr_mms, cap_mms;
	struct mm *mms;            /* address spaces, id = index + 1 */
	unsigned nr_transient, cap_transient;
	struct transient_ref *transient; /* min-heap on expires_ns */
	unsigned memalloc_flags;   /* PF_MEMALLOC_NOCMA / PF_MEMALLOC_PIN scope */
	uint8_t *ram;              /* backed mode: page contents, NULL otherwise */
	unsigned cpu;              /* the CPU operations run on */
	struct pfnlab_sink log;    /* kernel log lines; .write NULL when off */
	unsigned nr_pins, cap_pins;
	struct pte_pool *pte_pool; /* page-table chunks (pgtable.c) */
	struct pin_rec *pins;      /* handle = index + 1 */
	unsigned pin_free;         /* first free slot + 1 (0: none), linked through npages */
	bool count_unmovable_claims; /* inside a pin-time migration */
	struct contig_failure contig_fail;
	struct fault_point fault[PFNLAB_FAULT_POINTS];
	uint16_t *pgflags;         /* per-frame page-cache state; NULL until the first file */
	unsigned nr_mappings, cap_mappings;
	struct mapping *mappings;  /* address spaces, id = index + 1 */
	uint64_t nr_file_pages;    /* NR_FILE_PAGES (shmem included, as the kernel counts) */
	uint64_t nr_shmem;         /* NR_SHMEM */
	uint64_t nr_dirty;         /* NR_FILE_DIRTY */
	uint64_t nr_writeback;     /* NR_WRITEBACK */
	uint64_t nr_pgtables;      /* NR_PAGETABLE: PTE table pages of the spaces (pgtable.c) */
	struct slab_cache bh;      /* buffer.c: the slab pages of every buffer head */
	struct slab_cache xa_nodes; /* xarray.c: the page cache's tree nodes */
	struct compaction_state compaction;
	struct hugetlb_state hugetlb; /* hugetlb.c */
	/* LRU lists, reclaim, swap, writeback and the OOM killer (swap.c, vmscan.c, oom_kill.c) */
	struct lru_link *lru;      /* per-frame LRU links; allocated with pgflags[] */
	struct lruvec lruvec[PFNLAB_NR_ZONES]; /* [0] the node's (v6.1); v4.2: one per zone index */
	uint64_t zone_lru[PFNLAB_NR_ZONES][NR_LRU_LISTS]; /* NR_ZONE_INACTIVE_ANON... by zone index */
	uint64_t zone_pages_scanned[PFNLAB_NR_ZONES];     /* v4.2 NR_PAGES_SCANNED */
	uint64_t zone_scanned_pgfree[PFNLAB_NR_ZONES];    /* pgfree when it was last counted */
	struct kswapd_state kswapd;
	struct vm_sysctl sysctl;
	uint64_t swap_pages, swap_used;  /* total_swap_pages, and slots in use */
	unsigned reclaim_depth;    /* PF_MEMALLOC: inside direct reclaim or compaction */
	unsigned current_mm;       /* the task allocating (current), 0: a kernel thread */
	unsigned task_depth;       /* nested operations of current */
	unsigned nr_oom, cap_oom, oom_head;  /* events [oom_head, nr_oom) not taken yet */
	struct pfnlab_oom_event *oom_events; /* kills, for pfnlab_oom_next() */
	bool panicked;
	char panic_msg[64];
	uint64_t oom_kills;
	unsigned oom_victims;      /* spaces marked oom_victim and not freed yet */
	struct ratelimit_state oom_rs;   /* oom_kill_process()'s messages */
	struct ratelimit_state nopage_rs; /* warn_alloc()'s (slowpath.c) */
	bool warned_hugetlb_grab;  /* 6.1's WARN_ON_ONCE in follow_hugetlb_page() (mm.c) */
	uint64_t next_flush_ns;    /* the flusher's next periodic run (writeback.c) */
	uint64_t disk_busy_ns;     /* when the disk has written what it was given */
	uint64_t start_all_ns;     /* WB_start_all: the full flush in flight runs until then (writeback.c) */
	unsigned nr_wb, cap_wb;
	struct wb_done {           /* a writeback completion: min-heap on when_ns */
		uint64_t when_ns;
		uint32_t pfn, mapping, index;
	} *wb;
};

/* The page-cache flags of the folio at @head (0 when not a page-cache folio). */
static inline unsigned pg_flags(const struct pfnlab_machine *m, uint64_t head)
{
	return m->pgflags ? m->pgflags[head] : 0;
}

/* The page-cache kind of the folio at @head: 0 (anonymous, slab or kernel), PGK_FILE, PGK_SHMEM or PGK_HUGETLB. */
static inline unsigned pg_kind(const struct pfnlab_machine *m, uint64_t head)
{
	unsigned k = pg_flags(m, head) & PGK_MASK;

	return (1u << k) & ((1u << PGK_ANON) | (1u << PGK_SWAPCACHE) | (1u << PGK_SLAB)) ? 0 : k;
}

/*
 * Set a frame's refcount, mt, order and flags with one 8-byte store: the
 * hot paths rewrite them together, and byte stores may alias anything
 */
static inline __attribute__((always_inline)) uint64_t frame_state_word(uint32_t refcount, unsigned mt, unsigned order,
									unsigned flags)
{
	_Static_assert(offsetof(struct frame, refcount) == 8 && offsetof(struct frame, flags) == 15,
		       "refcount, mt, order and flags are the frame's second 8 bytes");
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return refcount | (uint64_t)(uint16_t)mt << 32 | (uint64_t)(uint8_t)order << 48 | (uint64_t)(uint8_t)flags << 56;
#else
	return (uint64_t)refcount << 32 | (uint64_t)(uint16_t)mt << 16 | (uint64_t)(uint8_t)order << 8 | (uint8_t)flags;
#endif
}

static inline __attribute__((always_inline)) void frame_set_state(struct frame *f, uint32_t refcount, unsigned mt,
								   unsigned order, unsigned flags)
{
	uint64_t w = frame_state_word(refcount, mt, order, flags);

	memcpy(&f->refcount, &w, sizeof(w));
}

/* The frame's refcount, mt, order and flags as one word (frame_state_word()'s layout). */
static inline __attribute__((always_inline)) uint64_t frame_get_state(const struct frame *f)
{
	uint64_t w;

	memcpy(&w, &f->refcount, sizeof(w));
	return w;
}

/* frames.c-level helpers, inline for the hot paths */
static inline struct frame *pfn_frame(const struct pfnlab_machine *m, uint64_t pfn)
{
	return &m->frames[pfn];
}

static inline int pb_type(const struct pfnlab_machine *m, uint64_t pfn)
{
	return m->pageblock[pfn >> m->pb_order] & PB_MT_MASK;
}

static inline bool zone_spans(const struct zone *z, uint64_t pfn)
{
	return pfn - z->start_pfn < z->spanned;
}

/* Index in m->zones[] of the zone spanning @pfn, or -1. */
static inline int pfn_zone_index(const struct pfnlab_machine *m, uint64_t pfn)
{
	for (int i = m->nr_zones - 1; i >= 0; i--)
		if (pfn >= m->zones[i].start_pfn)
			return zone_spans(&m->zones[i], pfn) ? i : -1;
	return -1;
}

static inline struct zone *pfn_zone(struct pfnlab_machine *m, uint64_t pfn)
{
	for (struct zone *z = m->zones + m->nr_zones; z != m->zones;) {
		z--;
		if (pfn >= z->start_pfn)
			return zone_spans(z, pfn) ? z : NULL;
	}
	return NULL;
}

/*
 * models is_longterm_pinnable_page() (v6.1): may a long-term pin keep the
 * page at @pfn where it is?  Not in a CMA or isolated pageblock, nor (with
 * @movable_too) in ZONE_MOVABLE
 */
static inline bool page_pinnable(const struct pfnlab_machine *m, uint64_t pfn, bool movable_too)
{
	const struct zone *z;
	int mt = pb_type(m, pfn);

	if (mt == PFNLAB_MT_CMA || mt == PFNLAB_MT_ISOLATE)
		return false;
	if (!movable_too)
		return true;
	z = pfn_zone((struct pfnlab_machine *)m, pfn);
	return !z || z->type != PFNLAB_ZONE_MOVABLE;
}

/* models wmark_pages(), include/linux/mmzone.h: watermark @i raised by the zone's boost (v5.0+; always 0 in v4.2) */
static inline uint64_t wmark_pages(const struct zone *z, int i)
{
	return z->wmark[i] + z->watermark_boost;
}

/* models migratetype_is_mergeable(), include/linux/mmzone.h */
static inline bool mt_is_mergeable(int mt)
{
	return mt < PFNLAB_MT_HIGHATOMIC;
}

/* cma.c */
int cma_reserve_boot(struct pfnlab_machine *m, char *why, size_t len);
int cma_declare(struct pfnlab_machine *m, const char *name, uint64_t size, uint64_t base_bytes,
		uint64_t limit_bytes, unsigned opb, char *why, size_t len);
int cma_alloc(struct pfnlab_machine *m, unsigned idx, uint64_t count, unsigned align, bool no_warn, uint64_t *out);
void cma_free_all(struct pfnlab_machine *m);
int cma_activate_areas(struct pfnlab_machine *m, char *why, size_t len);
bool boot_cma_overlap(const struct pfnlab_machine *m, uint64_t a, uint64_t b);

/* hugetlb.c */
bool hstate_is_gigantic(const struct pfnlab_machine *m, const struct hstate *h);
struct hstate *folio_hstate(struct pfnlab_machine *m, uint64_t head);
bool hugepage_migration_supported(const struct pfnlab_machine *m, const struct hstate *h);
void free_huge_page(struct pfnlab_machine *m, uint64_t head);
int isolate_or_dissolve_huge_page(struct pfnlab_machine *m, uint64_t head, bool *isolated);
int replace_free_hugepage_folios(struct pfnlab_machine *m, uint64_t start, uint64_t end);
uint64_t alloc_hugetlb_target(struct pfnlab_machine *m, uint64_t src, const struct pfnlab_migrate_target *t);
void put_hugetlb_target(struct pfnlab_machine *m, uint64_t dst);
void hugetlb_move_folio(struct pfnlab_machine *m, uint64_t src, uint64_t dst);

/* hugetlb_boot.c */
int hugetlb_config_check(const struct pfnlab_config *cfg, char *why, size_t len);
void hugetlb_setup_hstates(struct pfnlab_machine *m);
void hugetlb_cma_reserve(struct pfnlab_machine *m);
int hugetlb_boot_gigantic(struct pfnlab_machine *m);
size_t hugetlb_boot_ranges(const struct pfnlab_machine *m, struct pfnlab_pfn_range *out);
int hugetlb_boot_pool(struct pfnlab_machine *m);
uint64_t hugetlb_alloc_gigantic(struct pfnlab_machine *m, unsigned order, pfnlab_gfp_t gfp);
void hugetlb_free_gigantic(struct pfnlab_machine *m, uint64_t head, unsigned order);

/* hugetlbfs.c */
int hugetlb_reserve_pages(struct pfnlab_machine *m, struct mapping *mp, uint64_t pgoff, uint64_t pages);
void hugetlbfs_evict(struct pfnlab_machine *m, struct mapping *mp);
long hugetlb_fault(struct pfnlab_machine *m, struct mm *mm, struct vma *v, uint64_t vpn);
void hugetlb_unmap_vma(struct pfnlab_machine *m, struct mm *mm, struct vma *v);

/* isolate.c */
int start_isolate_page_range(struct pfnlab_machine *m, uint64_t start, uint64_t end, int mt);
void undo_isolate_page_range(struct pfnlab_machine *m, uint64_t start, uint64_t end, int mt);
int test_pages_isolated(struct pfnlab_machine *m, uint64_t start, uint64_t end, uint64_t *fin);

/* contig.c */
int alloc_contig_range(struct pfnlab_machine *m, uint64_t start, uint64_t end, int mt);
void contig_collect_culprits(struct pfnlab_machine *m);
bool contig_failed_at_pages(const struct pfnlab_machine *m, int ret);
void contig_free_all(struct pfnlab_machine *m);

/* gup.c */
void pins_free_all(struct pfnlab_machine *m);
void pins_release_mm(struct pfnlab_machine *m, unsigned mm);
const struct pin_rec *pin_find(const struct pfnlab_machine *m, unsigned mm, uint64_t vpn);

/* pageblock.c */
void set_pageblock_migratetype(struct pfnlab_machine *m, uint64_t pfn, int mt);
int pageblock_zone(const struct pfnlab_machine *m, uint64_t pfn);
uint64_t count_pageblocks(const struct pfnlab_machine *m, const struct zone *z, int mt);
bool pfn_section_online(const struct pfnlab_machine *m, uint64_t pfn);

/* buddy.c */
void free_one_page(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, unsigned order,
		   int mt, bool to_tail);
uint64_t rmqueue_smallest(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt);
void change_pageblock_range(struct pfnlab_machine *m, uint64_t pfn, unsigned order, int mt);
/* where 6.12's __rmqueue() found the last page of a refill (enum rmqueue_mode of mm/page_alloc.c) */
enum rmqueue_mode { RMQUEUE_NORMAL, RMQUEUE_CMA, RMQUEUE_STEAL };
uint64_t rmqueue_in_mode(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt, unsigned alloc_flags,
			 enum rmqueue_mode *mode);
uint64_t rmqueue(struct pfnlab_machine *m, struct zone *z, unsigned order, int mt,
		 unsigned alloc_flags);
uint64_t move_freepages_block(struct pfnlab_machine *m, struct zone *z, uint64_t pfn, int mt,
			      uint64_t *movable);
void list_del_block(struct pfnlab_machine *m, struct zone *z, uint64_t pfn);
void split_free_block_at(struct pfnlab_machine *m, struct zone *z, uint64_t pfn);
int find_suitable_fallback(const struct pfnlab_machine *m, const struct zone *z, unsigned order, int mt,
			   bool only_stealable, bool *can_steal);
void account_freepages(struct zone *z, int mt, int64_t delta);

/* memalloc scope flags (current->flags) */
#define MEMALLOC_NOCMA 0x1u  /* v5.1-v5.12 PF_MEMALLOC_NOCMA: no ALLOC_CMA */
#define MEMALLOC_PIN   0x2u  /* v5.13+ PF_MEMALLOC_PIN: __GFP_MOVABLE stripped */

/* alloc flags (mm/internal.h), the ones the model uses */
#define ALLOC_WMARK_MIN     0x00u
#define ALLOC_WMARK_LOW     0x01u
#define ALLOC_WMARK_HIGH    0x02u
#define ALLOC_WMARK_MASK    0x03u
#define ALLOC_NO_WATERMARKS 0x04u
#define ALLOC_OOM           0x08u
#define ALLOC_NON_BLOCK     0x10u
#define ALLOC_MIN_RESERVE   0x20u
#define ALLOC_HIGHATOMIC    0x200u
#define ALLOC_CMA           0x80u
#define ALLOC_NOFRAGMENT    0x100u
#define ALLOC_KSWAPD        0x800u
#define ALLOC_GFP_ATOMIC    0x1000u /* pfnlab's: the mask has __GFP_ATOMIC (6.1's zone_watermark_fast() reads the mask) */

/* models gfp_to_alloc_flags_cma(); @mt is gfp_migratetype() of the mask */
static inline unsigned alloc_flags_cma(const struct pfnlab_machine *m, int mt, unsigned flags)
{
	if (m->cfg.config_cma && mt == PFNLAB_MT_MOVABLE && !(m->memalloc_flags & MEMALLOC_NOCMA))
		flags |= ALLOC_CMA;
	return flags;
}

/* watermark.c */
void setup_watermarks(struct pfnlab_machine *m);
uint64_t movable_zone_min(uint64_t managed);
bool zone_watermark_ok(const struct pfnlab_machine *m, const struct zone *z, unsigned order,
		       uint64_t mark, int highest_zoneidx, unsigned alloc_flags);
bool zone_watermark_ok_free(const struct pfnlab_machine *m, const struct zone *z, unsigned order, uint64_t mark,
			    int highest_zoneidx, unsigned alloc_flags, int64_t free);
uint64_t totalreserve_pages(const struct pfnlab_machine *m);
void setup_migrate_reserve(struct pfnlab_machine *m);

/* pcp.c */
void pcp_setup(struct pfnlab_machine *m);
uint64_t pcp_alloc(struct pfnlab_machine *m, struct zone *z, int mt, unsigned alloc_flags);
void pcp_free_high(struct pfnlab_machine *m, struct zone *z, struct per_cpu_pages *p, int list);
void pcp_drain_zone(struct pfnlab_machine *m, struct zone *z);
void pcp_reclaim_active(struct pfnlab_machine *m, int highest, bool active);
uint64_t pcp_decay_next(const struct pfnlab_machine *m);
void pcp_decay(struct pfnlab_machine *m);
void pcp_update(struct pfnlab_machine *m);

/*
 * Do 6.12's rules apply (the current era, kernel 6.12: per-CPU high tuning,
 * fallback claims and steals, free-list hygiene)?  Decided once, by pcp_setup()
 */
static inline bool kernel_612(const struct pfnlab_machine *m)
{
	return m->k612;
}

/* gfp.c */
int gfp_zone(const struct pfnlab_machine *m, pfnlab_gfp_t gfp);
unsigned gfp_v42_value(pfnlab_gfp_t gfp);

/* trace.c */
void log_printf(struct pfnlab_machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool ratelimit(struct pfnlab_machine *m, struct ratelimit_state *rs, uint64_t interval_ns, unsigned burst,
	       const char *func);
const char *current_comm(struct pfnlab_machine *m, int *adj);
void trace_printf(struct pfnlab_machine *m, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void trace_page_alloc(struct pfnlab_machine *m, uint64_t pfn, unsigned order, pfnlab_gfp_t gfp, int mt);
void trace_page_free(struct pfnlab_machine *m, uint64_t pfn, unsigned order);
void trace_extfrag(struct pfnlab_machine *m, uint64_t pfn, unsigned alloc_order,
		   unsigned fallback_order, int alloc_mt, int fallback_mt);
int era_migratetype(const struct pfnlab_machine *m, int mt);
void trace_pcpu_drain(struct pfnlab_machine *m, uint64_t pfn, int mt);

/* vmstat.c */
const char *vm_item_name(enum vm_item i);
extern const char *const migratetype_names[PFNLAB_MT_TYPES];
extern const char *const migratetype_names_2015[PFNLAB_MT_TYPES];

/* page_alloc.c: the entry points chosen for the machine, the allocation path used by actors */
void page_alloc_setup(struct pfnlab_machine *m);
bool zone_buddy_aligned(const struct pfnlab_machine *m, const struct zone *z);
void zone_set_below_high(struct pfnlab_machine *m, struct zone *z, bool below);
void zone_set_boost(struct pfnlab_machine *m, struct zone *z, uint64_t boost);
bool boost_watermark(struct pfnlab_machine *m, struct zone *z);
uint64_t alloc_frames(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order);
uint64_t get_page_from_freelist(struct pfnlab_machine *m, unsigned order, unsigned alloc_flags, int highest,
				int mt, int *zone_type);
void free_frames(struct pfnlab_machine *m, uint64_t pfn, unsigned order);

#define MAX_RECLAIM_RETRIES 16
#define KSWAPD_ZONE_BALANCE_GAP_RATIO 100 /* v4.2 */

/* An allocation the slow path works on (struct alloc_context and the request). */
struct alloc_request {
	pfnlab_gfp_t gfp;          /* after current_gfp_context() */
	unsigned order;
	int highest;               /* gfp_zone(): the highest zone type it may use */
	int preferred;             /* the type of the highest populated zone up to it (v4.2 classzone_idx) */
	int mt;                    /* gfp_migratetype() */
	int zone_type;             /* receives the zone the page came from */
};

/* slowpath.c */
unsigned gfp_to_alloc_flags(const struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order);
uint64_t alloc_pages_slowpath(struct pfnlab_machine *m, struct alloc_request *ar);

/* struct scan_control of mm/vmscan.c */
#define DEACTIVATE_ANON 1u
#define DEACTIVATE_FILE 2u
struct scan_control {
	uint64_t nr_to_reclaim, nr_reclaimed, nr_scanned;
	pfnlab_gfp_t gfp;
	int order, priority, reclaim_idx; /* reclaim_idx: a zone type */
	bool may_writepage, may_unmap, may_swap, kswapd;
	unsigned may_deactivate;
	bool force_deactivate, skipped_deactivate, cache_trim_mode, file_is_tiny, compaction_ready;
	uint64_t anon_cost, file_cost;
	struct {
		uint64_t dirty, unqueued_dirty, congested, writeback, immediate, taken, file_taken;
	} nr;
};

/* swap.c */
struct lruvec *folio_lruvec(struct pfnlab_machine *m, uint64_t head, int *zi);
bool folio_on_lru_kind(const struct pfnlab_machine *m, uint64_t head);
bool folio_is_file_lru(const struct pfnlab_machine *m, uint64_t head);
bool folio_test_active(const struct pfnlab_machine *m, uint64_t head);
int folio_lru_list(const struct pfnlab_machine *m, uint64_t head);
void folio_set_active(struct pfnlab_machine *m, uint64_t head, bool on);
void folio_add_lru(struct pfnlab_machine *m, uint64_t head);
void folio_del_lru(struct pfnlab_machine *m, uint64_t head);
void page_ref_release(struct pfnlab_machine *m, uint64_t head);
bool folio_isolate_lru(struct pfnlab_machine *m, uint64_t head);
void lru_isolated_sub(struct pfnlab_machine *m, uint64_t head, unsigned order, bool file);
void folio_isolated_put(struct pfnlab_machine *m, uint64_t head, bool file);
void folio_putback_lru(struct pfnlab_machine *m, uint64_t head);
void folio_rotate_reclaimable(struct pfnlab_machine *m, uint64_t head);
void folio_mark_accessed(struct pfnlab_machine *m, uint64_t head);
void folio_mark_young(struct pfnlab_machine *m, uint64_t head);
bool swap_space_left(const struct pfnlab_machine *m);
bool swap_take_slot(struct pfnlab_machine *m);
void swap_free_slot(struct pfnlab_machine *m);
uint64_t zone_reclaimable_pages(const struct pfnlab_machine *m, int zi);

/* vmscan.c, kswapd.c */
uint64_t try_to_free_pages(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order);
bool shrink_node(struct pfnlab_machine *m, int zi, struct scan_control *sc);
bool zone_reclaimable(struct pfnlab_machine *m, int zi);
void age_active_anon(struct pfnlab_machine *m, int lv, struct scan_control *sc);
void wakeup_kswapd(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, int highest);
void kthreads_run(struct pfnlab_machine *m);
uint64_t drop_pagecache(struct pfnlab_machine *m);

/* writeback.c */
void global_dirty_limits(const struct pfnlab_machine *m, uint64_t *bg, uint64_t *thresh);
void wakeup_flusher_threads(struct pfnlab_machine *m, uint64_t nr_pages);
void balance_dirty_pages(struct pfnlab_machine *m);
uint64_t writeback_next_event(const struct pfnlab_machine *m);
void writeback_advance(struct pfnlab_machine *m, uint64_t until);
void writeback_wait(struct pfnlab_machine *m, uint64_t until, uint64_t pages);
void folio_start_writeback(struct pfnlab_machine *m, uint64_t head);
void folio_end_writeback(struct pfnlab_machine *m, uint64_t head);

/* reclaim_throttle.c: why a reclaimer sleeps (enum vmscan_throttle_state) */
enum vmscan_throttle { THROTTLE_WRITEBACK, THROTTLE_NOPROGRESS = 2, THROTTLE_CONGESTED };
void reclaim_throttle(struct pfnlab_machine *m, enum vmscan_throttle reason);
void consider_reclaim_throttle(struct pfnlab_machine *m, int priority, uint64_t nr_reclaimed, uint64_t nr_scanned);
void writeback_reschedule(struct pfnlab_machine *m);
void writeback_free_all(struct pfnlab_machine *m);

/* oom_kill.c */
bool out_of_memory(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order);
void oom_reap_exiting(struct pfnlab_machine *m);

/* rmap.c */
uint64_t folio_head(const struct pfnlab_machine *m, uint64_t pfn);
void grab(struct pfnlab_machine *m, uint64_t head, uint64_t npages, unsigned flags);
uint64_t folio_run(const struct pfnlab_machine *m, const uint64_t *pfns, uint64_t i, uint64_t n, uint64_t head);
uint64_t plain_refs(const struct pfnlab_machine *m, uint64_t head);
unsigned transient_refs(const struct pfnlab_machine *m, uint64_t head);
/* Model time left before PFNLAB_NOW_MAX (none once an operation's own waits took it past). */
static inline uint64_t time_left(const struct pfnlab_machine *m)
{
	return m->now_ns < PFNLAB_NOW_MAX ? PFNLAB_NOW_MAX - m->now_ns : 0;
}
uint64_t transient_next_expiry(const struct pfnlab_machine *m);
void transient_expire(struct pfnlab_machine *m, uint64_t when);
uint64_t folio_expected_refs(const struct pfnlab_machine *m, uint64_t head);
int page_state(const struct pfnlab_machine *m, uint64_t head);
static inline uint32_t folio_pincount(const struct pfnlab_machine *m, uint64_t head)
{
	return m->frames[head].order ? m->frames[head + 1].refcount
				     : m->frames[head].refcount / 1024;
}

/* an address space by id, NULL if none (here, below rmap.c and filemap.c, which look owners up) */
static inline struct mm *mm_get(struct pfnlab_machine *m, unsigned id)
{
	if (id == 0 || id > m->nr_mms || !m->mms[id - 1].live)
		return NULL;
	return &m->mms[id - 1];
}

/* a file's address space by id, NULL if none (here, below filemap.c and writeback.c) */
static inline struct mapping *mapping_get(struct pfnlab_machine *m, unsigned id)
{
	if (id == 0 || id > m->nr_mappings || !m->mappings[id - 1].live)
		return NULL;
	return &m->mappings[id - 1];
}

/* The slots of chunk @c of @mp's page cache: a whole chunk, or at the end of a short file what is left of it */
static inline uint64_t cache_chunk_slots(const struct mapping *mp, uint64_t c)
{
	uint64_t left = mp->nr_pages - (c << CACHE_CHUNK_SHIFT);

	return left < (1ull << CACHE_CHUNK_SHIFT) ? left : 1ull << CACHE_CHUNK_SHIFT;
}

/* models xa_load() on the page cache: the slot of page @index of @mp, NULL where no chunk holds it */
static inline uint32_t *cache_lookup(const struct mapping *mp, uint64_t index)
{
	uint32_t *chunk;

	if (index >= mp->nr_pages)
		return NULL;
	chunk = mp->chunks[index >> CACHE_CHUNK_SHIFT];
	return chunk ? &chunk[index & ((1ull << CACHE_CHUNK_SHIFT) - 1)] : NULL;
}

/*
 * The first index at or after @index whose chunk of slots exists
 * (mp->nr_pages when none): walks over a large, sparsely cached mapping
 * (a block device) step from chunk to chunk.
 */
static inline uint64_t cache_next(const struct mapping *mp, uint64_t index)
{
	while (index < mp->nr_pages && !mp->chunks[index >> CACHE_CHUNK_SHIFT])
		index = ((index >> CACHE_CHUNK_SHIFT) + 1) << CACHE_CHUNK_SHIFT;
	return index;
}

/* pgtable.c */
struct vma *mm_find_vma(const struct mm *mm, uint64_t vpn);
uint32_t *mm_pte(struct pfnlab_machine *m, struct mm *mm, uint64_t vpn, bool create);
void pte_chunk_free(struct pfnlab_machine *m, uint32_t *chunk);
int pte_table_alloc(struct pfnlab_machine *m, unsigned id, struct vma *v, uint64_t vpn);

/* The PTE table of virtual page @vpn (inside @v) for a fault: 0 at once when @v has it, else pte_table_alloc() */
static inline int pte_table_ensure(struct pfnlab_machine *m, unsigned id, struct vma *v, uint64_t vpn)
{
	return v->tables[(vpn >> m->pte_order) - (v->start >> m->pte_order)] ? 0 : pte_table_alloc(m, id, v, vpn);
}
void pte_tables_free(struct pfnlab_machine *m, struct mm *mm, unsigned first, unsigned last);
uint64_t vma_table_spans(const struct pfnlab_machine *m, const struct vma *v);
void pte_frag_destroy(struct pfnlab_machine *m, struct mm *mm);
void pte_pool_destroy(struct pfnlab_machine *m);
const uint32_t *mm_pte_span(const struct pfnlab_machine *m, const struct mm *mm, uint64_t vpn, uint64_t *n);
bool pte_none_range(const uint32_t *pte, uint64_t n);
void pte_set_range(uint32_t *pte, uint64_t n, uint64_t pfn);

/* mm.c */
unsigned task_enter(struct pfnlab_machine *m, unsigned id);
void task_leave(struct pfnlab_machine *m, unsigned prev);
int mm_fault_range(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t len, bool write,
		   uint64_t *faulted);
void mm_exit_mmap(struct pfnlab_machine *m, struct mm *mm);
void mm_free(struct pfnlab_machine *m, struct mm *mm);
void mm_free_all(struct pfnlab_machine *m);

/* filemap.c */
int pgflags_ensure(struct pfnlab_machine *m);
int mapping_create(struct pfnlab_machine *m, const char *name, int fs, uint64_t bytes, unsigned *id);
void truncate_mapping(struct pfnlab_machine *m, struct mapping *mp);
uint32_t *cache_slot(struct pfnlab_machine *m, struct mapping *mp, uint64_t index, bool create);
long filemap_fault(struct pfnlab_machine *m, unsigned id, struct mm *mm, struct vma *v, uint64_t vpn,
		   bool write);
void file_unmap_pte(struct pfnlab_machine *m, struct mm *mm, uint64_t head);
int mapping_add_mapper(struct mapping *mp, unsigned mm, uint64_t vstart, uint64_t pgoff, uint64_t pages, bool shared);
void mapping_remove_mapper(struct pfnlab_machine *m, unsigned mapping, unsigned mm, uint64_t vstart);
int folio_try_unmap(struct pfnlab_machine *m, uint64_t head);
void folio_move_cache(struct pfnlab_machine *m, uint64_t src, uint64_t dst);
void folio_set_dirty(struct pfnlab_machine *m, uint64_t head);
bool folio_drop_buffers(struct pfnlab_machine *m, uint64_t head);
int folio_attach_buffers(struct pfnlab_machine *m, uint64_t head);
void bh_cache_init(struct pfnlab_machine *m);
int bh_alloc_folio(struct pfnlab_machine *m);
void bh_free_folio(struct pfnlab_machine *m);
uint64_t bh_per_folio(const struct pfnlab_machine *m);

/* xarray.c */
void xa_node_cache_init(struct pfnlab_machine *m);
int xa_insert(struct pfnlab_machine *m, struct mapping *mp, uint64_t index, pfnlab_gfp_t gfp);
void xa_erase(struct pfnlab_machine *m, struct mapping *mp, uint64_t index);
void xa_index_free(struct mapping *mp);

/* slab.c */
void slab_cache_init(struct slab_cache *c, const struct pfnlab_machine *m, unsigned size);
int slab_alloc(struct pfnlab_machine *m, struct slab_cache *c, pfnlab_gfp_t gfp);
void slab_free(struct pfnlab_machine *m, struct slab_cache *c, uint64_t n);
void slab_cache_free_all(struct slab_cache *c);
void ext2_new_inode(struct pfnlab_machine *m, struct mapping *file);
void ext2_write_inode(struct pfnlab_machine *m, struct mapping *file);
uint64_t filemap_find_or_create(struct pfnlab_machine *m, unsigned id, struct mapping *mp, uint64_t index,
				pfnlab_gfp_t gfp);
void delete_from_page_cache(struct pfnlab_machine *m, uint64_t head);
void mappings_free_all(struct pfnlab_machine *m);

/* migrate.c */
long migrate_pages(struct pfnlab_machine *m, uint64_t *heads, size_t *n, uint64_t bad,
		   const struct pfnlab_migrate_target *target, enum pfnlab_migrate_mode mode,
		   enum pfnlab_migrate_reason reason, struct pfnlab_migrate_result *res);
bool folio_movable(const struct pfnlab_machine *m, uint64_t head);
void putback_movable_pages(struct pfnlab_machine *m, const uint64_t *heads, size_t n);

/* vmscan.c */
uint64_t reclaim_clean_pages_from_list(struct pfnlab_machine *m, uint64_t *list, size_t *n);

/* compaction.c: enum compact_result and enum compact_priority (include/linux/compaction.h, v6.1) */
enum compact_result {
	COMPACT_NOT_SUITABLE_ZONE, COMPACT_SKIPPED, COMPACT_DEFERRED, COMPACT_NO_SUITABLE_PAGE,
	COMPACT_CONTINUE, COMPACT_COMPLETE, COMPACT_PARTIAL_SKIPPED, COMPACT_CONTENDED, COMPACT_SUCCESS,
};
enum compact_priority { COMPACT_PRIO_SYNC_FULL, COMPACT_PRIO_SYNC_LIGHT, COMPACT_PRIO_ASYNC };
#define COMPACT_PRIO_MIN COMPACT_PRIO_SYNC_FULL         /* MIN_COMPACT_PRIORITY */
#define COMPACT_PRIO_MIN_COSTLY COMPACT_PRIO_SYNC_LIGHT /* MIN_COMPACT_COSTLY_PRIORITY */
#define COMPACT_PRIO_DEF COMPACT_PRIO_SYNC_LIGHT        /* DEF_COMPACT_PRIORITY */
#define COMPACT_PRIO_INIT COMPACT_PRIO_ASYNC            /* INIT_COMPACT_PRIORITY */
#define PAGE_ALLOC_COSTLY_ORDER 3
#define COMPACT_CLUSTER_MAX 32

unsigned fragmentation_score_node(const struct pfnlab_machine *m);
bool compaction_restarting(const struct zone *z, int order);
int fragmentation_index(const struct pfnlab_machine *m, const struct zone *z, unsigned order);
int unusable_free_index(const struct pfnlab_machine *m, const struct zone *z, unsigned order);
unsigned extfrag_for_order(const struct pfnlab_machine *m, const struct zone *z, unsigned order);
int compaction_suitable(struct pfnlab_machine *m, struct zone *z, int order, unsigned alloc_flags,
			int highest);
bool compaction_zonelist_suitable(struct pfnlab_machine *m, int order, unsigned alloc_flags, int highest,
				  const uint64_t *reclaimable);
int try_to_compact_pages(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, unsigned alloc_flags,
			 int highest, int prio, uint64_t *capture);
bool compaction_deferred(struct pfnlab_machine *m, struct zone *z, int order);
void compaction_defer_reset(struct pfnlab_machine *m, struct zone *z, int order, bool alloc_success);
bool gfp_compaction_allowed(const struct pfnlab_machine *m, pfnlab_gfp_t gfp);

/* compaction_scan.c */
void reset_isolation_suitable(struct pfnlab_machine *m);
/* models pageblock_skip(): is the pageblock holding @pfn marked PB_migrate_skip? */
static inline bool pageblock_skip(const struct pfnlab_machine *m, uint64_t pfn)
{
	return m->pageblock[pfn >> m->pb_order] & PB_MIGRATE_SKIP;
}

/* models set_pageblock_skip(): mark the pageblock holding @pfn PB_migrate_skip */
static inline void set_pageblock_skip(struct pfnlab_machine *m, uint64_t pfn)
{
	m->pageblock[pfn >> m->pb_order] |= PB_MIGRATE_SKIP;
}

/* kcompactd.c */
void compaction_init(struct pfnlab_machine *m);
int compaction_sysctl_set(struct pfnlab_machine *m, const char *name, uint64_t value);
int compaction_sysctl_get(const struct pfnlab_machine *m, const char *name, uint64_t *value);

/* hugetlb.c: vm.nr_hugepages and vm.nr_overcommit_hugepages */
int hugetlb_sysctl_set(struct pfnlab_machine *m, const char *name, uint64_t value);
int hugetlb_sysctl_get(const struct pfnlab_machine *m, const char *name, uint64_t *value);
void wakeup_kcompactd(struct pfnlab_machine *m, int order, int highest);
void kcompactd_run(struct pfnlab_machine *m);
void compact_pgdat(struct pfnlab_machine *m, int order);
void compact_nodes(struct pfnlab_machine *m);
void compaction_advance(struct pfnlab_machine *m, uint64_t until);

/* fault.c */
void *host_alloc(struct pfnlab_machine *m, size_t size);

#endif /* PFNLAB_MODEL_H */
