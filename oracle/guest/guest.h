/*
 * guest.h - what the parts of the oracle guest program share: the
 * experiment's parameters, the CMA area, the output lines and file access
 * (base.c, at the bottom), the /proc and /sys readers (probe.c), tracing and
 * the kernel log (trace.c), the traced cma_alloc (cma_alloc.c), one entry
 * point per experiment (exp_*.c) and the process layout (oracle_init.c, at
 * the top: only it calls the experiments).  See oracle_init.c for the whole
 * story.
 */
#ifndef ORACLE_GUEST_H
#define ORACLE_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define PAGE 4096ul
#define TRACEFS "/sys/kernel/tracing"

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h) */
enum {
	KPF_REFERENCED = 2, KPF_UPTODATE = 3, KPF_DIRTY = 4, KPF_LRU = 5, KPF_ACTIVE = 6, KPF_SLAB = 7,
	KPF_WRITEBACK = 8, KPF_BUDDY = 10, KPF_MMAP = 11, KPF_ANON = 12, KPF_SWAPBACKED = 14,
	KPF_COMPOUND_HEAD = 15, KPF_COMPOUND_TAIL = 16, KPF_HUGE = 17, KPF_UNEVICTABLE = 18,
};

struct params {
	char exp[32];
	unsigned long f_mib, r_mib, b_mib, n_splice;
};
extern struct params par;

struct cma_area {
	char name[256];
	uint64_t base, count;
};
extern struct cma_area cma;

/*
 * Shared between the experiment's process and init (MAP_SHARED, made
 * before the fork): the phase the experiment is in and /proc/vmstat when it
 * began, so init can report what happened up to the point where the
 * kernel killed the experiment.
 */
struct mailbox {
	char phase[64];
	int phase_done;         /* the experiment printed the phase's vmstat deltas */
	char vmstat[16384];     /* /proc/vmstat at the start of the phase */
};
extern struct mailbox *mbox;

/* base.c: output, failing, whole files */
void result(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void power_off(int code);
double now(void);
int read_file(const char *path, char *buf, size_t len);
int write_file(const char *path, const char *s);
uint64_t read_u64(const char *path);

/* probe.c: counters, regions, the CMA area */
void find_cma(void);
int in_cma(uint64_t pfn);
long long vmstat(const char *name);
void vm_mark(const char *phase);
void vm_delta(const char *phase);
void meminfo(const char *phase);
void zoneinfo(const char *phase);
void buddyinfo(const char *phase);
uint64_t free_noncma_pages(void);
void name_range(const char *name, const void *p, size_t len);
void scratch_init(void);
size_t cma_occupancy(const char *phase);
void cma_census(const char *phase);
void sysctl(const char *name, const char *value);

struct region {
	char name[4];
	char *addr;
	size_t pages;
	unsigned seed;
	uint64_t *pfn;     /* from pagemap, 0 when not present */
};

enum region_kind { REGION_ANON, REGION_MEMFD, REGION_HUGETLB };

void region_map(struct region *r, const char *name, unsigned long mib, unsigned seed, enum region_kind kind);
void region_adopt(struct region *r, const char *name, void *addr, size_t pages, unsigned seed);
void region_touch(struct region *r);
void region_fill(struct region *r, const char *name, unsigned long mib, unsigned seed, enum region_kind kind);
uint64_t page_tag(unsigned seed, size_t i);
size_t region_mismatches(const struct region *r);
void region_pfns(const struct region *r, uint64_t *out);
size_t region_count(struct region *r, const char *phase);
size_t region_count_present(struct region *r, const char *phase);
size_t region_moved(const struct region *r, const uint64_t *before);
uint64_t *pfn_copy(const struct region *r);
void start(struct region *f);

/* cma_alloc.c: the whole-area cma_alloc as a traced phase */
int cma_alloc_whole(const char *phase, int give_back);

/* trace.c: trace events and the kernel log of a phase */
void trace_setup(const char *const *extra);
void trace_scratch_init(void);
void trace_clear(void);
void trace_dump(const char *phase);
void klog_dump(const char *phase);
void phase_begin(const char *phase);
void phase_end(const char *phase);

/* pfnlab_cli.c: pfnlab itself in the guest (busy: --what-if before the cma_alloc, --live around it) */
void pfnlab_scratch_init(void);
int pfnlab_present(void);
void pfnlab_what_if(void);
void pfnlab_live_start(void);
void pfnlab_live_pause(void);
void pfnlab_live_finish(void);

/* io_uring: IORING_REGISTER_BUFFERS pins with FOLL_WRITE|FOLL_LONGTERM */
int ring_open(void);
long ring_register(int ring, const struct iovec *iov, unsigned n);
long ring_pin_phase(int ring, const struct region *b);
long ring_unregister(int ring);

/* the experiments */
void exp_borrow(void);
void exp_pin(void);
void exp_busy(int shmem);
void exp_migrate(void);
void exp_pagecache(const char *variant);
void exp_pressure(void);
void exp_compaction(void);
void exp_pin_hugetlb(void);
void make_data_file(const char *path, unsigned long mib, unsigned seed);

#endif
