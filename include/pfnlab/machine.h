/*
 * pfnlab/machine.h - the machine: GFP bits, migrate types, zone types,
 * kernel eras and policies, the configuration, creating and destroying a
 * machine, allocating and freeing pages, the whole-state checker.
 *
 * Part of the public API of libpfnlab: programs include <pfnlab.h>, which
 * includes this file inside its extern "C" and visibility block.
 */
#ifndef PFNLAB_H_MACHINE
#define PFNLAB_H_MACHINE

#ifndef PFNLAB_H
#error "include <pfnlab.h>, not <pfnlab/machine.h>"
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
	bool pgtables;               /* address spaces' PTE tables take pages (preset: on) */
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
 * Return: 0, or -EINVAL for an unknown preset; -EINVAL for a NULL pointer.
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
 * overflow; -EINVAL for a NULL pointer.
 */
int pfnlab_config_check(const struct pfnlab_config *cfg, char *why, size_t len);

/**
 * pfnlab_config_bytes() - host memory the machine would need.
 * @cfg: a valid configuration
 *
 * Return: bytes of model metadata (frames, pageblock flags, zones); 0 for a
 * NULL pointer.
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
 * Return: 0, -EINVAL, -E2BIG, -EOVERFLOW or -ENOMEM; -EINVAL for a NULL
 * pointer.
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
 * Return: the machine's copy, valid until pfnlab_machine_destroy(); NULL for a
 * NULL pointer.
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
 * One of the two functions whose @m is not tested (see <pfnlab.h>): it must
 * be a live machine.
 *
 * Return: 0, -ENOMEM, or -EINVAL for an order out of range or a NULL @pfn.
 */
int pfnlab_alloc_pages(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, uint64_t *pfn);

/**
 * pfnlab_free_pages() - free an allocation made by pfnlab_alloc_pages().
 * @m: machine
 * @pfn: first PFN of the allocation
 * @order: the order it was allocated with
 *
 * One of the two functions whose @m is not tested (see <pfnlab.h>): it must
 * be a live machine.
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
 * Return: 0; -EINVAL for a NULL pointer.
 */
int pfnlab_compact_memory(struct pfnlab_machine *m);

/**
 * pfnlab_check() - whole-state checker: free lists, buddy invariants,
 * pageblock counts, counters.
 * @m: machine
 * @why: receives the first violation (may be NULL)
 * @len: size of @why
 *
 * Return: 0 when consistent, -EUCLEAN with the reason otherwise; -EINVAL for a
 * NULL pointer.
 */
int pfnlab_check(const struct pfnlab_machine *m, char *why, size_t len);

#endif /* PFNLAB_H_MACHINE */
