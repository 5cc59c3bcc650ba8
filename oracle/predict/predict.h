/*
 * predict.h - what the parts of oracle/predict share: the facts of a run
 * (the kernel's, read from a results file, and pfnlab's predictions), the
 * model helpers every replay uses, the table's rows, and one struct
 * experiment per experiment of the guest (oracle/guest/oracle_init.c).
 */
#ifndef ORACLE_PREDICT_H
#define ORACLE_PREDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfnlab.h"

#define PAGE 4096ull
#define VA_F 0x100000000ull
#define VA_R 0x200000000ull
#define VA_B 0x300000000ull
#define VA_GUEST 0x500000000ull  	/* the guest program's arrays (guest_array()) */

/* ---- facts: key -> value, plus trace and log lines by phase (facts.c) ---- */

struct fact {
	char *key, *val;
};

struct line {
	char *phase, *text;
};

struct facts {
	struct fact *f;
	size_t n, cap;
	struct line *tr, *lg;
	size_t ntr, nlg, captr, caplg;
};

/* a growing string */
struct strbuf {
	char *text;
	size_t len, cap;
};

void *xrealloc(void *p, size_t n);
const char *get(const struct facts *fs, const char *key);
void put(struct facts *fs, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void add_line(struct line **v, size_t *n, size_t *cap, const char *phase, const char *text);
void facts_free(struct facts *fs);
int facts_load(struct facts *fs, const char *path);
bool num(const struct facts *fs, const char *key, long long *v);
void strbuf_add(struct strbuf *s, const char *buf, size_t len);
void strbuf_printf(struct strbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_sink(void *arg, const char *buf, size_t len);

/* ---- the model (sim.c) ---- */

struct sim {
	struct pfnlab_machine *m;
	uint64_t base, count;      /* the CMA area */
	struct strbuf trace, log;
	const struct facts *k;     /* the kernel's facts (sizes, calibration) */
	struct facts *p;           /* predictions */
	unsigned guest;            /* the guest program's own heap (guest_array()), 0 until used */
	uint64_t guest_va;         /* where its next array goes */
	unsigned proc[4], nproc;   /* the experiment process's spaces (sim_process()), current in sim_cma_alloc() */
	bool killed;               /* the OOM killer killed the experiment's process: later phases are not reached */
};

extern bool opt_pcp, opt_verbose, opt_data;

int sim_start(struct sim *s, const struct facts *k, struct facts *p, enum pfnlab_cma_rule rule,
	      enum pfnlab_pin_policy pol, bool backed);
void sim_end(struct sim *s);
int sim_calibrate(struct sim *s);
int fill(struct sim *s, unsigned *f);
int sim_process(struct sim *s, const unsigned *ids, unsigned n);
enum region_kind { REGION_ANON, REGION_MEMFD, REGION_HUGETLB };

int map_touch(struct sim *s, const char *name, uint64_t va, long long mib, enum region_kind kind, unsigned *id,
	      unsigned seed);
int region_write(struct sim *s, unsigned id, uint64_t va, long long mib, unsigned seed);
uint64_t guest_array(struct sim *s, uint64_t bytes);
void guest_free(struct sim *s, uint64_t va, uint64_t bytes);
uint64_t *pfns_of(struct sim *s, unsigned id, uint64_t va, uint64_t pages);
bool in_area(const struct sim *s, uint64_t pfn);
uint64_t hugetlb_in_area(struct sim *s);
uint64_t count_in_cma(struct sim *s, const char *phase, const char *name, unsigned id, uint64_t va, long long mib);
uint64_t moved(struct sim *s, unsigned id, uint64_t va, const uint64_t *before, uint64_t pages);
void put_mismatches(struct sim *s, const char *key, unsigned id, uint64_t va, long long mib, unsigned seed);
long long vm(struct sim *s, const char *name);
int sim_cma_alloc(struct sim *s, const char *phase, bool give_back);
void sim_oom_outcome(struct sim *s, const char *phase);
void sim_next_syscall(struct sim *s, const char *phase);
/* sim_catch_up() - advance model time to the guest's "clock.@name" (seconds; *@last < 0 sets the origin) */
void sim_catch_up(struct sim *s, const char *name, double *last);
/*
 * put_migrate_reason() - @key: the reason of the last mm_migrate_pages
 * event in @trace, as the guest keeps it (a direct compaction for a
 * target comes before the pin's own event), "-" without one
 */
void put_migrate_reason(struct facts *out, const char *key, const char *trace);
void file_write(void *arg, const char *buf, size_t len);

/* ---- io_uring buffer registration, the kernel's side (io_uring.c) ---- */

/* A kvmalloc()'d buffer's pages: one compound block of @order, or @n order-0 pages (vmalloc). */
struct kvbuf {
	uint64_t *pfns;
	uint64_t n;
	unsigned order;
};
void kvfree(struct sim *s, struct kvbuf *b);
/*
 * io_uring_register(IORING_REGISTER_BUFFERS) of @pages at @va of space @id:
 * the long-term pin's handle (pfnlab_pin()) or its error; @bvec receives
 * the registered buffer's array, kept until kvfree()
 */
long io_uring_register_buffer(struct sim *s, unsigned id, uint64_t va, uint64_t pages, struct kvbuf *bvec);
/*
 * The guest's pin phase: B (@pages at VA_B of space @id) registered as the
 * experiment's process, traced; its facts into @out as the guest reports
 * them ("pin.result", "pin.errno", "pin.pgmigrate_success",
 * "pin.vmstat.*", the last mm_migrate_pages reason) and an OOM kill as the
 * outcome (s->killed).  Returns what io_uring_register_buffer() returned.
 */
long io_uring_pin_phase(struct sim *s, unsigned id, uint64_t pages, struct kvbuf *bvec, struct facts *out);

/* ---- kernel facts from trace and log lines (derive.c) ---- */

void event_order(const struct facts *fs, const char *phase, char *out, size_t len);
const char *first_event(const struct facts *fs, const char *phase, const char *name);
const char *log_text(const char *s);
void derive_common(struct facts *k);
void derive_contig_info(struct facts *k);
void derive_cma_alloc(struct facts *k, const char *phase);
void derive_failed_alloc(struct facts *k, struct facts *p, const char *phase);
/* derive_warn_alloc() - the kernel's first "page allocation failure" line of @phase ("none") */
void derive_warn_alloc(struct facts *k, const char *phase);

/* ---- pfnlab's own answers given inside the guest (guest_pfnlab.c) ---- */

void derive_guest_pfnlab(struct facts *k, struct facts *p);

/* ---- the table ---- */

enum kind {
	K_OUTCOME, /* equal strings */
	K_ZERO,    /* zero / non-zero */
	K_COUNT,   /* zero-ness equal and within 10% */
	K_PFN,     /* within 10% of the area's size */
	K_TEXT61,  /* equal on 6.1 kernels (pfnlab prints v6.1's text); info elsewhere */
	K_INFO,    /* shown, not judged */
	/*
	 * or'ed to one of the above: pfnlab's value is what pfnlab itself said
	 * inside the guest (guest_pfnlab.c); judged only for runs whose guest
	 * had pfnlab, shown as "not in guest" for the others
	 */
	K_GUEST = 0x100,
};

/* One row: pkey "-" when pfnlab has nothing to say (n/m, not modelled). */
struct row {
	const char *id, *label, *kkey, *pkey;
	enum kind kind;
};

/*
 * One experiment: its results file is <name>.txt; model() replays it on
 * pfnlab (NULL while the model cannot: every row is then shown as info,
 * pfnlab "n/m"); derive() turns the kernel's trace and log lines into facts.
 */
struct experiment {
	const char *name;
	int (*model)(const struct facts *k, struct facts *p);
	void (*derive)(struct facts *k, struct facts *p);
	const struct row *rows;
	size_t nrows;
};

#define ROWS(r) (r), sizeof(r) / sizeof((r)[0])

extern const struct experiment exp_borrow, exp_pin, exp_busy, exp_migrate, exp_busy_shmem, exp_pagecache,
	exp_pagecache_mmap, exp_pagecache_dirty, exp_pressure, exp_compaction, exp_pin_hugetlb;

#endif
