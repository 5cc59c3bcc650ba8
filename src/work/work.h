/*
 * work.h - the actors that live on a modelled host, and what they count.
 *
 * A host (struct host) is one pfnlab machine plus what runs on it:
 *
 *   struct host
 *     m                 the machine (libpfnlab core, public API only)
 *     guests[]          QEMU guests (guest.c): address space, RAM (anonymous,
 *                       a memfd or a hugetlbfs file, shared with a vhost-user
 *                       process), faults
 *       .hpt            the KVM hashed page table (kvm_hpt.c): kvm_cma or buddy
 *       .type1          VFIO type1 container: MAP_DMA/UNMAP_DMA (vfio.c)
 *       .spapr[]        SPAPR "register memory" regions (vfio.c)
 *       .pins[]         raw long-term pins made by a scenario (pin.c counts
 *                       every long-term pin and those in CMA)
 *     bg                kernel background: slab, page tables, page cache
 *                       (background.c)
 *     files[]           files read, written and mapped: real page cache
 *                       (files.c)
 *     log               the host's kernel log (printk lines), fed by the
 *                       core (pfnlab_set_log) and by the actors (printk.c)
 *     st                counters the run report prints
 *
 * The actors use only include/pfnlab.h: they drive the core the way the
 * kernel subsystems they model drive mm/.  Calls run one way, down this
 * list: host.c (the whole host) -> guest.c -> vfio.c, kvm_hpt.c,
 * background.c, files.c -> pin.c -> printk.c -> util.c.  Every function returns 0 or a
 * negative errno, the value the modelled ioctl or kernel call returns.
 */
#ifndef PFNLAB_WORK_H
#define PFNLAB_WORK_H

#include <stdbool.h>
#include <stdint.h>

#include "fmt.h"
#include "pfnlab.h"

/* Where QEMU maps guest RAM in its own address space (all guests alike). */
#define GUEST_RAM_HVA 0x40000000ull

/* One pin_user_pages() call that succeeded, and how much of it sits in CMA. */
struct pin_ref {
	long handle;      /* pfnlab_pin() handle */
	uint64_t pages;   /* pages pinned */
	uint64_t in_cma;  /* of which in MIGRATE_CMA pageblocks when pinned */
	bool longterm;
};

/* A list of pins: one VFIO mapping, one SPAPR region, one raw pin. */
struct pin_set {
	struct pin_ref *v;
	unsigned nr, cap;
};

/* The KVM hashed page table of a guest (struct kvm_hpt_info). */
struct hpt {
	bool present;
	bool cma;           /* from kvm_cma (else from the buddy allocator) */
	unsigned order;     /* log2 of its size in bytes */
	unsigned requested; /* the order QEMU asked for */
	uint64_t pfn;       /* first PFN */
	uint64_t pages;
	unsigned lpid;
	uint64_t *revmap;   /* vmalloc()ed reverse map: one order-0 page each */
	uint64_t nr_revmap;
};

/* struct vfio_dma: one VFIO_IOMMU_MAP_DMA mapping. */
struct vfio_dma {
	uint64_t iova, vaddr, size;
	unsigned prot;      /* VFIO_DMA_MAP_FLAG_READ | _WRITE */
	uint64_t chunks;    /* physically contiguous runs handed to iommu_map() */
	struct pin_set pins;
};

/* struct vfio_iommu: a type1 container. */
struct vfio_type1 {
	struct vfio_dma *dma; /* sorted by iova, not overlapping */
	unsigned nr, cap;
	unsigned dma_avail;   /* dma_entry_limit (65535) minus mappings */
	uint64_t pgsize;      /* smallest IOMMU page size: the host page size */
};

/* struct mm_iommu_table_group_mem_t: one SPAPR pre-registered region. */
struct spapr_mem {
	uint64_t ua, entries;
	struct pin_set pins;
};

/* A raw pin made by the scenario (`pin`), unpinned by label or at stop. */
struct raw_pin {
	char label[32];
	struct pin_set pins;
};

/* What guest RAM is: QEMU's memory backend.  A new one is a value here and a name in GUEST_BACKEND_NAMES. */
enum guest_backend {
	GUEST_BACKEND_ANON,  /* anonymous private memory (the default, memory-backend-ram) */
	GUEST_BACKEND_MEMFD, /* a memfd mapped shared (memory-backend-memfd, share=on) */
	GUEST_BACKEND_HUGETLBFS, /* a hugetlbfs file mapped shared (memory-backend-file on /dev/hugepages, share=on) */
	GUEST_BACKENDS
};

/* The scenario's backend= values, in enum guest_backend's order. */
#define GUEST_BACKEND_NAMES "anon|memfd|hugetlbfs"

struct guest {
	char name[32];
	unsigned mm;          /* address space id of its QEMU process */
	unsigned idx;         /* position in host.guests[] */
	uint64_t seq;         /* start order */
	uint64_t ram;         /* bytes of guest RAM at GUEST_RAM_HVA */
	enum guest_backend backend;
	unsigned memfd;       /* backend=memfd|hugetlbfs: the file holding guest RAM, else 0 */
	unsigned vhost_mm;    /* vhost_user: the backend process mapping that file, else 0 */
	uint64_t touched;     /* bytes faulted in so far, from the start of RAM */
	bool thp;
	bool pin_aware;
	uint64_t started_ns;
	uint64_t locked_vm;   /* pages accounted against RLIMIT_MEMLOCK */
	uint64_t memlock;     /* RLIMIT_MEMLOCK in pages, 0 = unlimited (CAP_IPC_LOCK) */
	struct hpt hpt;
	bool has_type1;
	struct vfio_type1 type1;
	struct spapr_mem *spapr;
	unsigned nr_spapr, cap_spapr;
	struct raw_pin *raw;
	unsigned nr_raw, cap_raw;
	uint64_t pinned_pages; /* long-term pinned pages now */
	uint64_t pinned_in_cma;
	bool oom_killed;       /* the OOM killer killed its QEMU: only its record is left */
};

/* A guest the OOM killer killed, remembered by name (later lines naming it are skipped). */
struct killed_guest {
	char name[32];
	uint64_t when_ns;
};

/* What happened, for the run report.  All counters are cumulative. */
struct work_stats {
	uint64_t guests_started, guests_failed, guests_stopped, guests_vfio;
	uint64_t guest_oom;          /* faults that found the host out of memory */
	uint64_t hpt_requested, hpt_ok, hpt_fallback, hpt_failed;
	uint64_t vfio_maps, vfio_map_failed, vfio_unmaps, memlock_exceeded;
	uint64_t spapr_regs, spapr_reg_failed;
	uint64_t pins_longterm_pages; /* pages pinned long-term, cumulative */
	uint64_t pins_longterm_now;
	uint64_t pins_in_cma_now, pins_in_cma_peak;
	uint64_t busy_messages;       /* "alloc_contig_range: ... PFNs busy" lines */
	uint64_t log_lines;
	uint64_t bg_alloc_failed;
	uint64_t guests_memfd;        /* guests started with RAM in a file: backend=memfd|hugetlbfs */
	uint64_t guests_oom_killed;   /* guests whose QEMU the OOM killer killed */
	uint64_t oom_kills;           /* every OOM kill (guests and other tasks) */
};

enum hpt_fallback {
	HPT_FALLBACK_2015,    /* v4.2 kvmppc_alloc_hpt(): buddy, order shrinking to 19 */
	HPT_FALLBACK_CURRENT, /* v6.1 kvmppc_allocate_hpt(): buddy at the same order, else -ENOMEM */
};

struct bg;

struct host {
	struct pfnlab_machine *m;
	unsigned page_shift;
	uint64_t page_size;
	int kvm_cma;                   /* index of the kvm_cma area, -1 if none */
	enum hpt_fallback hpt_fallback;
	unsigned dma_entry_limit;      /* vfio_iommu_type1 dma_entry_limit, 0 = 65535 */
	unsigned next_lpid;
	uint64_t next_seq;
	struct guest **guests;         /* running guests (and killed ones until guests_reap()) */
	unsigned nr_guests, cap_guests;
	struct guest **guest_names;    /* the same guests by name: open addressing, linear probing */
	unsigned names_cap;            /* slots, a power of two at least twice nr_guests (0: none yet) */
	unsigned nr_unreaped;          /* killed guests still in the table (guests_reap() takes them out) */
	struct killed_guest *killed;   /* guests the OOM killer killed */
	unsigned nr_killed, cap_killed;
	struct bg *bg;
	struct host_file *files;       /* the host's files (files.c) */
	unsigned nr_files, cap_files;
	struct pfnlab_sink out;        /* log and trace lines go here (write may be NULL) */
	bool trace_ops;                /* trace cma/contig/pin operations to out */
	bool trace_all;                /* trace everything, kmem events included */
	bool tracing;                  /* the core's trace sink is set now */
	struct pfnlab_sink core_log;   /* the sink given to pfnlab_set_log */
	struct pfnlab_sink core_trace; /* the sink given to pfnlab_set_trace */
	struct pfnlab_sink event;      /* notable events for the report, a line a write (write may be NULL) */
	struct work_stats st;
	uint64_t *pin_pfns;            /* pin_set_add()'s PFNs, kept from pin to pin */
	uint64_t pin_pfns_cap;
};

/* util.c: no actor below it */
uint64_t work_rng(uint64_t *s);
double work_rng_unit(uint64_t *s);
const char *size_str(uint64_t bytes, char *buf, size_t len);
const char *time_str(uint64_t ns, char *buf, size_t len);

/* printk.c: the kernel log, the trace session, the report's events */
void host_log_start(struct host *h);
void host_log_stop(struct host *h);
void host_log(struct host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void host_event(struct host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void host_trace_begin(struct host *h);
void host_trace_end(struct host *h);

/* pin.c: long-term pins and their counts */
int pin_set_add(struct host *h, struct guest *g, struct pin_set *s, uint64_t addr, uint64_t npages,
		bool write, bool longterm, const char *pinner, uint64_t *pfns);
void pin_set_release(struct host *h, struct guest *g, struct pin_set *s);
void pin_set_drop(struct host *h, struct guest *g, struct pin_set *s, bool undo);

/* kvm_hpt.c */
int kvm_cma_declare(struct pfnlab_config *cfg, unsigned ratio);
unsigned kvm_hpt_order_for_ram(uint64_t ram_bytes);
int kvm_hpt_alloc(struct host *h, struct guest *g, unsigned order);
void kvm_hpt_free(struct host *h, struct guest *g);
void kvm_boot_log(struct host *h, unsigned ratio);

/* vfio.c */
#define VFIO_DMA_MAP_FLAG_READ  0x1u
#define VFIO_DMA_MAP_FLAG_WRITE 0x2u
#define VFIO_DMA_ENTRY_LIMIT 65535u
int vfio_map_dma(struct host *h, struct guest *g, uint64_t iova, uint64_t vaddr, uint64_t size,
		 unsigned flags, char *why, size_t len);
int vfio_unmap_dma(struct host *h, struct guest *g, uint64_t iova, uint64_t size, uint64_t *unmapped,
		   char *why, size_t len);
int spapr_register(struct host *h, struct guest *g, uint64_t vaddr, uint64_t size, char *why, size_t len);
int spapr_unregister(struct host *h, struct guest *g, uint64_t vaddr, uint64_t size, char *why, size_t len);
int vfio_hotplug(struct host *h, struct guest *g, bool spapr, char *why, size_t len);
void vfio_unplug(struct host *h, struct guest *g);

/* background.c */
enum bg_class { BG_UNMOVABLE, BG_RECLAIMABLE, BG_PAGECACHE, BG_CLASSES };
int bg_create(struct host *h, uint64_t seed);
int bg_set(struct host *h, enum bg_class c, uint64_t pages, uint64_t lifetime_ns, bool exp_lifetime,
	   unsigned max_order);
int bg_pagecache_as(struct host *h, bool anon, uint64_t dirty_ppm);
uint64_t bg_next_expiry(const struct host *h);
uint64_t bg_expire(struct host *h, uint64_t now);
uint64_t bg_pages(const struct host *h, enum bg_class c);
void bg_destroy(struct host *h);

/* files.c: the host's files and their page cache */
struct host_file {
	char name[32];
	unsigned id;          /* pfnlab_file_create(), or pfnlab_fs_mount() for a device */
	unsigned reader;      /* the NAME-reader process mapping it, 0 if none */
};

struct file_opts {
	enum pfnlab_fs fs;
	uint64_t bytes;       /* the file's size: read whole */
	uint64_t dirty_ppm;   /* share of it then written (dirty), in millionths */
	uint64_t mapped_ppm;  /* share of it mapped and read by NAME-reader */
};

struct host_file *host_file(const struct host *h, const char *name);
int host_file_add(struct host *h, const char *name, const struct file_opts *o, char *why, size_t len);
int host_mount(struct host *h, const char *name, enum pfnlab_fs fs, uint64_t bytes, char *why, size_t len);
int host_umount(struct host *h, const char *name, char *why, size_t len);
int host_file_sync(struct host *h, const char *name);
void host_files_destroy(struct host *h);

/* guest.c */

struct guest_opts {
	uint64_t ram;
	enum guest_backend backend;
	bool vhost_user;      /* memfd, hugetlbfs: a vhost-user backend process maps it too */
	uint64_t vhost_fault; /* bytes of guest RAM that process faults in at start */
	bool thp;
	bool pin_aware;
	int hpt_order;        /* -1: QEMU's rule, 0: no HPT (radix / x86), else the order */
	uint64_t fault;       /* bytes to fault in at boot */
	uint64_t memlock;     /* RLIMIT_MEMLOCK bytes, 0 = unlimited */
	int oom_score_adj;    /* of its QEMU process, -1000..1000 */
};
struct guest *host_guest(const struct host *h, const char *name);
uint64_t host_hugepage_bytes(const struct host *h);
int guest_by_start(const void *a, const void *b);
int guest_start(struct host *h, const char *name, const struct guest_opts *o, struct guest **out);
int guest_touch(struct host *h, struct guest *g, uint64_t bytes, uint64_t *done);
void guest_stop(struct host *h, struct guest *g);
bool guests_oom(struct host *h);
void guests_reap(struct host *h);
const struct killed_guest *guest_killed(const struct host *h, const char *name);

/* host.c: the whole host, above every actor */
int host_init(struct host *h, struct pfnlab_machine *m);
void host_fini(struct host *h);
uint64_t host_pageblocks_of_type(const struct host *h, int mt);

#endif /* PFNLAB_WORK_H */
