/*
 * pfnlab/inspect.h - looking at a machine: pictures of physical memory,
 * fault injection, GFP names, trace sink, the kernel's text views and read
 * access.
 *
 * Part of the public API of libpfnlab: programs include <pfnlab.h>, which
 * includes this file inside its extern "C" and visibility block.
 */
#ifndef PFNLAB_H_INSPECT
#define PFNLAB_H_INSPECT

#ifndef PFNLAB_H
#error "include <pfnlab.h>, not <pfnlab/inspect.h>"
#endif

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
 * outside is clipped), or -EINVAL when @o->columns is above
 * PFNLAB_MAP_MAX_COLUMNS; -EINVAL for a NULL pointer.
 */
int pfnlab_map_svg(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, const struct pfnlab_sink *s);

/**
 * pfnlab_map_ansi() - the same map for a terminal: ANSI colours, at most 80
 * columns and 24 rows of cells.
 * @m: machine
 * @o: what to show (may be NULL: everything)
 * @s: where to write
 *
 * Return: 0, -ENOMEM or -ERANGE (the window is wholly outside the machine);
 * -EINVAL for a NULL pointer.
 */
int pfnlab_map_ansi(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, const struct pfnlab_sink *s);

/**
 * pfnlab_map_png() - a PNG at page granularity (one pixel per page, 1024
 * per row) of the window in @o.
 * @m: machine
 * @o: what to show (may be NULL: everything)
 * @s: where to write the PNG bytes
 *
 * Return: 0, -E2BIG (window over 64 Mi pages: narrow it), -ERANGE (wholly
 * outside the machine), -ENOMEM, -EIO; -EINVAL for a NULL pointer.
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
 * Return: 0 or -EINVAL; -EINVAL for a NULL pointer.
 */
int pfnlab_fault_inject(struct pfnlab_machine *m, enum pfnlab_fault_point p, uint64_t nth, bool persistent);

/**
 * pfnlab_fault_hits() - passes through a failure point so far (to walk
 * every injection point of an operation).
 * @m: machine
 * @p: failure point
 *
 * Return: the count, 0 for a point out of range; 0 for a NULL pointer.
 */
uint64_t pfnlab_fault_hits(const struct pfnlab_machine *m, enum pfnlab_fault_point p);

/**
 * pfnlab_fault_should_fail() - count a pass through a failure point (for
 * actors built on the library that model their own failure points).
 * @m: machine
 * @p: failure point, < PFNLAB_FAULT_POINTS
 *
 * Return: true if this pass must fail; false for a point out of range or a
 * NULL pointer.
 */
bool pfnlab_fault_should_fail(struct pfnlab_machine *m, enum pfnlab_fault_point p);

/* GFP names. */

/**
 * pfnlab_gfp_parse() - parse the kernel's symbolic gfp_flags= rendering.
 * @s: e.g. "GFP_HIGHUSER_MOVABLE|__GFP_ZERO", "none" or "0x400"
 * @len: length of @s
 * @gfp: receives the flags
 *
 * Return: 0, or -EINVAL for an unknown name or empty element; -EINVAL for a
 * NULL pointer.
 */
int pfnlab_gfp_parse(const char *s, size_t len, pfnlab_gfp_t *gfp);

/**
 * pfnlab_gfp_format() - render flags as show_gfp_flags() does.
 * @gfp: flags
 * @buf: output buffer
 * @len: its size (256 is always enough)
 *
 * Return: length written (without the NUL); -EINVAL for a NULL pointer.
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
 * Return: one past the highest PFN (holes included); 0 for a NULL pointer.
 */
uint64_t pfnlab_nr_pfns(const struct pfnlab_machine *m);

/**
 * pfnlab_pageblock_type() - migrate type of the pageblock holding @pfn.
 * @m: machine
 * @pfn: any PFN below pfnlab_nr_pfns()
 *
 * Return: an enum pfnlab_migratetype value, or -EINVAL beyond the machine;
 * -EINVAL for a NULL pointer.
 */
int pfnlab_pageblock_type(const struct pfnlab_machine *m, uint64_t pfn);

/**
 * pfnlab_nr_free() - free blocks on one buddy list (a /proc/pagetypeinfo cell,
 * uncapped), counted by walking the list as the kernel does: O(blocks).
 * @m: machine
 * @zone: enum pfnlab_zone_type
 * @order: block order
 * @mt: enum pfnlab_migratetype
 *
 * Return: the count, or -1 for an empty zone or an argument out of range; -1
 * for a NULL pointer.
 */
long pfnlab_nr_free(const struct pfnlab_machine *m, int zone, unsigned order, int mt);

/**
 * pfnlab_zone_free_pages() - NR_FREE_PAGES of a zone.
 * @m: machine
 * @zone: enum pfnlab_zone_type
 *
 * Return: free pages, or -1 if the machine has no such zone; -1 for a NULL
 * pointer.
 */
long pfnlab_zone_free_pages(const struct pfnlab_machine *m, int zone);

/**
 * pfnlab_zone_pcp_pages() - pages on a zone's per-CPU lists, all CPUs: the
 * sum of /proc/zoneinfo's "count:" lines (free, but not in NR_FREE_PAGES).
 * @m: machine
 * @zone: enum pfnlab_zone_type
 *
 * Return: the pages (0 without per-CPU lists), or -1 if the machine has no
 * such zone; -1 for a NULL pointer.
 */
long pfnlab_zone_pcp_pages(const struct pfnlab_machine *m, int zone);

/**
 * pfnlab_vmstat() - a /proc/vmstat counter (or one of pfnlab's own, named
 * "pfnlab_*") by name.
 * @m: machine
 * @name: e.g. "pgmigrate_success", "nr_free_cma", "pfnlab_pin_migrated"
 *
 * Return: its value, or -1 when the name is unknown; -1 for a NULL pointer.
 */
long long pfnlab_vmstat(const struct pfnlab_machine *m, const char *name);

#endif /* PFNLAB_H_INSPECT */
