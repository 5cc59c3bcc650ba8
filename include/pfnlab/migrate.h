/*
 * pfnlab/migrate.h - what a frame is and who holds it (reverse map,
 * references), GUP, model time, migration.
 *
 * Part of the public API of libpfnlab: programs include <pfnlab.h>, which
 * includes this file inside its extern "C" and visibility block.
 */
#ifndef PFNLAB_H_MIGRATE
#define PFNLAB_H_MIGRATE

#ifndef PFNLAB_H
#error "include <pfnlab.h>, not <pfnlab/migrate.h>"
#endif

/* Reverse map and references. */

/** struct pfnlab_page_info - what a frame is and who holds it. */
struct pfnlab_page_info {
	uint64_t head;      /* PFN of the folio head (== pfn for order 0) */
	unsigned order;     /* folio order; 0 for free frames */
	int state;          /* PFNLAB_PAGE_* */
	unsigned owner;     /* address space id, 0 if none (of a page of PTE tables: their space) */
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
	bool buffers_held;  /* ... and in use (b_count): a mounted file system's metadata */
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
 * Return: 0, or -EINVAL for a PFN beyond the machine; -EINVAL for a NULL
 * pointer.
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
 * mapped), -ENOMEM (a fault found no memory).  Kernel 6.1 with pin policy
 * migrate-movable refuses a FOLL_LONGTERM pin of a hugetlb page in CMA or
 * ZONE_MOVABLE (follow_hugetlb_page()): -ENOMEM when it is the range's
 * first page, else -EFAULT (the kernel's pin_user_pages() returns the
 * pages before it).  -EINVAL for a NULL pointer.
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
 * references than asked to drop; -EINVAL for a NULL pointer.
 */
int pfnlab_put_pages(struct pfnlab_machine *m, const uint64_t *pfns, uint64_t npages, unsigned flags);

/**
 * pfnlab_page_ref_transient() - an extra reference (I/O in flight, an LRU
 * batch) that lasts @ns of model time, then drops by itself.
 * @m: machine
 * @pfn: a page of an allocated folio
 * @ns: how long, in model time (see pfnlab_advance()); one that would end
 *       past PFNLAB_NOW_MAX never drops
 *
 * Return: 0, -EINVAL (not an allocated page), -ENOMEM; -EINVAL for a NULL
 * pointer.
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
 *
 * Return: 0, or -EOVERFLOW (nothing happens) when model time would pass
 * PFNLAB_NOW_MAX; -EINVAL for a NULL pointer.
 */
int pfnlab_advance(struct pfnlab_machine *m, uint64_t ns);

/* The end of model time: 2^63 - 1 ns, about 292 years (pfnlab_advance() refuses to pass it). */
#define PFNLAB_NOW_MAX ((uint64_t)INT64_MAX)

/**
 * pfnlab_now() - the model's logical time: the sum of pfnlab_advance() calls.
 * @m: machine
 *
 * Return: nanoseconds since the machine was built; 0 for a NULL pointer.
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
 * for a mode or reason out of range; -EINVAL for a NULL pointer.
 */
long pfnlab_migrate_pages(struct pfnlab_machine *m, const uint64_t *pfns, size_t n,
			  const struct pfnlab_migrate_target *target, enum pfnlab_migrate_mode mode,
			  enum pfnlab_migrate_reason reason, struct pfnlab_migrate_result *res);

#endif /* PFNLAB_H_MIGRATE */
