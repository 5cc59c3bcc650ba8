/*
 * pfnlab/cma.h - CMA areas, contiguous allocation, and what held a range
 * that could not be had (culprits).
 *
 * Part of the public API of libpfnlab: programs include <pfnlab.h>, which
 * includes this file inside its extern "C" and visibility block.
 */
#ifndef PFNLAB_H_CMA
#define PFNLAB_H_CMA

#ifndef PFNLAB_H
#error "include <pfnlab.h>, not <pfnlab/cma.h>"
#endif

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
 * Return: the count; areas are indexed 0..count-1 in cfg.cma[] order; 0 for a
 * NULL pointer.
 */
unsigned pfnlab_cma_count(const struct pfnlab_machine *m);

/**
 * pfnlab_cma_find() - look a CMA area up by name.
 * @m: machine
 * @name: its cfg.cma[].name
 *
 * Return: its index, or -ENOENT; -EINVAL for a NULL pointer.
 */
int pfnlab_cma_find(const struct pfnlab_machine *m, const char *name);

/**
 * pfnlab_cma_info() - an area's debugfs and sysfs values now.
 * @m: machine
 * @idx: area index
 * @info: receives them
 *
 * Return: 0, or -EINVAL for an index out of range; -EINVAL for a NULL pointer.
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
 * or migration targets ran out), -EINVAL; -EINVAL for a NULL pointer.
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
 * Return: 0, or -EINVAL (not inside the area, or not allocated there; nothing
 * changed); -EINVAL for a NULL pointer.
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
 * pfnlab_contig_failure()), -ENOMEM, -EINVAL; -EINVAL for a NULL pointer.
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
 * allocated, unmapped single page holding one reference; -EINVAL for a NULL
 * pointer.
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
	PFNLAB_BUSY_BUFFERS,    /* block device page cache whose buffers a mounted file system holds:
				   buffer_migrate_folio_norefs() -EAGAIN, try_to_free_buffers() fails */
	PFNLAB_BUSY_REASONS,
};

/**
 * pfnlab_busy_reason_name() - the name of a busy reason.
 * @r: reason
 *
 * Return: "skipped", "extra-ref", "writeback", "unmovable", "not-migrated",
 * "not-reached", "gigantic", "no-replacement", "hugetlb", "buffers", or "?" for a
 * value out of range.
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
 * Return: 0, or -ENOENT if no contiguous allocation has failed; -EINVAL for a
 * NULL pointer.
 */
int pfnlab_contig_failure(const struct pfnlab_machine *m, struct pfnlab_contig_failure *f);

/**
 * pfnlab_print_culprits() - the last failure and its culprits.
 * @m: machine
 * @json: true for one JSON object, false for text lines
 * @sink: where to write
 *
 * Return: 0, or -ENOENT if no contiguous allocation has failed; -EINVAL for a
 * NULL pointer.
 */
int pfnlab_print_culprits(const struct pfnlab_machine *m, bool json, const struct pfnlab_sink *sink);

#endif /* PFNLAB_H_CMA */
