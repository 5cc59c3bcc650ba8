/*
 * scn.h - what the files of the scenario language share (the public face
 * is src/work/scenario.h; docs/scenario.md, pfnlab-scenario(5)).
 *
 * Text becomes a program, the program a run:
 *
 *   lex.c     text -> lines -> words: comments, echo's text, key=value words
 *   parse.c   words -> statements checked against their verb's row;
 *             setup lines first, repeat ... end paired; the verb tables
 *   value.c   every kind of value a key takes: sizes, times, distributions...
 *   run.c     the interpreter: setup lines, then each action through its
 *             verb's run function; repeat, the step bound, the checker
 *   args.c    a running statement's words and keys, $VAR substituted, typed
 *   setup.c   the setup verbs and the machine they build
 *   actors.c  verbs that drive the actors of src/work: background, guests, VFIO
 *   direct.c  verbs that call the kernel directly: pin, alloc, cma_alloc
 *   events.c  the event queue, the `guests` generators, model time passing
 *   story.c   what a run tells: echo and print lines, the actors' events
 *   expect.c  expectations: `expect` lines and want=ERRNO
 *   metric.c  the counters `expect` names, the end result, the time series
 *
 * A verb is one row in the table of the file that runs it (struct verb):
 * its name, keys, positional words and the function that runs it.  A new
 * verb is one row and one function in one file; parse.c lists the tables.
 */
#ifndef PFNLAB_SCN_H
#define PFNLAB_SCN_H

#include <errno.h>
#include <stdio.h>

#include "scenario.h"

/* The message into @err, and -EINVAL.  A macro like RUN_ERR: callers (and the analyzer) see the error is not 0. */
#define fail(err, len, ...) (snprintf((err), (len), __VA_ARGS__), -EINVAL)

/* ---------------------------------------------------------------- values (value.c) */

enum vtype {
	T_SIZE,     /* 64K, 7.5G, 4096 */
	T_SIZEPCT,  /* a size or N% of something */
	T_UINT,
	T_BOOL,     /* on/off, yes/no, true/false, 1/0 */
	T_TIME,     /* 90s, 6h, 30d, 0 */
	T_LIFETIME, /* a time, exp:TIME, forever */
	T_NAME,     /* [A-Za-z0-9_.-]+ */
	T_ENUM,     /* one of keyspec.choices ("a|b|c") */
	T_DSIZE,    /* distribution of sizes */
	T_DTIME,    /* distribution of times */
	T_PCT,      /* N% */
	T_GFP,      /* GFP_KERNEL|__GFP_ZERO */
	T_ERRNO,    /* ENOMEM, ok */
	T_ADDR,     /* 0x1000, 1G */
	T_AMOUNT,   /* a size, N%, all or none */
	T_HPT,      /* auto, off, ORDER */
	T_MEMLOCK,  /* a size or unlimited */
	T_POLICIES, /* none,rfc2015 or !none */
	T_ADJ,      /* an oom_score_adj: -1000..1000 */
};

/* Distributions of the generator: constant, exp:MEAN, uniform:A..B, choice:A,B,... */
enum dist_kind { D_CONST, D_EXP, D_UNIFORM, D_CHOICE };
#define DIST_MAX 16

struct dist {
	enum dist_kind kind;
	unsigned n;
	uint64_t v[DIST_MAX];
};

int val_size(const char *s, uint64_t *out, char *err, size_t len);
int val_pct(const char *s, uint64_t *ppm, char *err, size_t len);
int val_sizepct(const char *s, uint64_t base, uint64_t align, uint64_t *out, char *err, size_t len);
int val_uint(const char *s, uint64_t *out, char *err, size_t len);
int val_addr(const char *s, uint64_t *out, char *err, size_t len);
int val_bool(const char *s, bool *out, char *err, size_t len);
int val_time(const char *s, uint64_t *ns, char *err, size_t len);
int val_enum(const char *s, const char *choices, int *idx, char *err, size_t len);
int val_name(const char *s, char *err, size_t len);
int val_errno(const char *s, int *out, char *err, size_t len);
int val_adj(const char *s, int *out, char *err, size_t len);
const char *val_errno_name(int e);
int val_dist(const char *s, bool time, struct dist *d, char *err, size_t len);
int val_check(enum vtype t, const char *choices, const char *v, char *err, size_t len);

/* ---------------------------------------------------------------- lines and words (lex.c) */

int lex_line(const char **t, const char *end, char *line, size_t size, char *err, size_t len);
size_t lex_word_len(const char *s);
int lex_text(char *rest, char **text);
int lex_words(char *line, char **tok, int max);
bool lex_is_key(const char *t);

/* ---------------------------------------------------------------- verbs and statements */

struct exec;
struct stmt;

struct keyspec {
	const char *key;
	enum vtype t;
	const char *choices;
};

#define F_SETUP  0x001u /* a setup line: before the first action, not inside repeat */
#define F_CONFIG 0x002u /* describes the machine: runs before the machine is built */
#define F_AREA   0x004u /* declares a CMA area (a machine error naming the area points here) */
#define F_FIRST  0x008u /* the first F_CONFIG line, and only once */
#define F_WANT   0x010u /* takes want=ERRNO */
#define F_TEXT   0x020u /* the rest of the line is its text */
#define F_LOOK   0x040u /* only looks: no time series point, no checker pass after it */
#define F_OPEN   0x080u /* opens a block (repeat) */
#define F_CLOSE  0x100u /* closes the innermost block (end) */

#define O_NOMEM 0x1u /* -ENOMEM is an outcome */
#define O_BUSY  0x2u /* -EBUSY is an outcome */
#define O_FAULT 0x4u /* -EFAULT is an outcome: pin_user_pages() stopped short of the range */

/* One verb of the language: a row of the table of the file that runs it. */
struct verb {
	const char *name;             /* NULL ends a table */
	unsigned flags;               /* F_* */
	int pmin, pmax;               /* how many positional words */
	const char *usage;
	unsigned outcome;             /* O_*: failures that are results, not mistakes */
	const struct keyspec *keys;   /* ended by a NULL key; NULL: none */
	/* parse time, word @i of the line: 0 a positional word, 1 a key=value pair it
	 * checked, or -EINVAL (NULL: positional words, then this row's keys) */
	int (*word)(const struct stmt *s, int i, const char *tok, char *err, size_t len);
	/* parse time, once the words are read (NULL: the first positional word is a name) */
	int (*check)(struct scn_program *p, const struct stmt *s, char *err, size_t len);
	/* run time: 0, or a negative errno that ends the run (e->msg says why); *@res
	 * receives the result of the modelled call (F_WANT verbs) */
	int (*run)(struct exec *e, int *res);
};

/* The verb tables, in the order their verbs are listed in messages (parse.c). */
extern const struct verb setup_verbs[], actor_verbs[], direct_verbs[], event_verbs[], story_verbs[],
	expect_verbs[], run_verbs[];

struct kv {
	char *key;
	char *val;
};

struct stmt {
	int line;
	const struct verb *verb;
	int npos;
	char **pos;
	int nkv;
	struct kv *kv;
	char *text;   /* F_TEXT */
	int jump;     /* F_OPEN: index of its end; F_CLOSE: index of its opener */
};

struct scn_program {
	char file[256];
	struct stmt *s;
	int n, cap;
	int policy;
	bool seed_set;
	uint64_t seed;
	int first_action; /* index of the first action statement, n if none */
};

/* ---------------------------------------------------------------- a run */

struct var {
	const char *name;
	uint64_t value;
};

struct label_alloc {
	uint64_t pfn;
	unsigned order;
};

enum label_kind { LABEL_PAGES, LABEL_CMA };

/* What `alloc ... as=L` or `cma_alloc ... as=L` holds, until `free L` or `cma_release L`. */
struct label {
	char name[32];
	enum label_kind kind;
	unsigned area;
	uint64_t pfn, count;  /* cma */
	struct label_alloc *a;
	uint64_t n;
};

/* One `guests` line: a generator of guest arrivals. */
struct gen {
	int line;
	unsigned left, next_id;
	char prefix[24];
	struct dist every, ram, lifetime, vfio_after;
	uint64_t vfio_ppm;
	bool spapr, thp, has_after;
	int pin_aware;        /* 0 vfio, 1 all, 2 none */
	enum guest_backend backend;
	bool vhost_user;
	const char *fault;
	uint64_t memlock;
	int hpt;
	uint64_t rng;
};

enum ev_kind { EV_ARRIVE, EV_HOTPLUG, EV_STOP };

struct event {
	uint64_t t, seq;
	enum ev_kind kind;
	unsigned gen;
	char name[32];
};

struct exec {
	const struct scn_program *p;
	const struct scn_opts *o;
	struct scn_result *r;
	int policy;
	uint64_t seed;
	struct pfnlab_config cfg;
	unsigned kvm_ratio;
	unsigned dma_entry_limit;
	int hpt_fallback;     /* -1: by era */
	bool built;
	struct pfnlab_machine *m;
	struct host h;
	const struct stmt *cur;
	struct var vars[32];
	int nvars;
	char sub[8][512];
	int subi;
	int last;             /* errno of the last action */
	struct label *labels;
	unsigned nr_labels, cap_labels;
	struct gen *gens;
	unsigned nr_gens;
	struct event *ev;
	size_t nr_ev, cap_ev;
	uint64_t ev_seq;
	uint64_t steps, max_steps; /* steps taken, and the bound (scn_opts.max_steps) */
	char msg[512];
};

#define RUN_ERR(e, ...) (snprintf((e)->msg, sizeof((e)->msg), __VA_ARGS__), -EINVAL)

/* run.c */
int run_steps(struct exec *e, uint64_t n);

/* args.c: each getter returns 0 (absent: *out = def), or -EINVAL with e->msg set */
const char *arg_subst(struct exec *e, const char *in);
const char *arg_key(struct exec *e, const char *k, bool *bad);
const char *arg_word(struct exec *e, int i, bool *bad);
int arg_size(struct exec *e, const char *k, uint64_t base, uint64_t def, uint64_t *out);
int arg_uint(struct exec *e, const char *k, uint64_t def, uint64_t *out);
int arg_addr(struct exec *e, const char *k, uint64_t def, uint64_t *out);
int arg_bool(struct exec *e, const char *k, bool def, bool *out);
int arg_enum(struct exec *e, const char *k, const char *choices, int def, int *out);
int arg_time(struct exec *e, const char *k, uint64_t def, uint64_t *out);
int arg_dist(struct exec *e, const char *k, bool time, struct dist *d, bool *have);
int arg_amount(struct exec *e, const char *k, uint64_t base, uint64_t def, uint64_t *out);
int arg_memlock(struct exec *e, const char *k, uint64_t *out);
int arg_hpt(struct exec *e, int *out);
int arg_adj(struct exec *e, const char *k, int *out);

/* actors.c: the running guest a statement's first word names; NULL with *@err 0 when
 * the OOM killer killed it (the statement is skipped, as the story tells), or -EINVAL */
struct guest *arg_guest(struct exec *e, int *err);

/* setup.c */
int setup_build(struct exec *e);

/* events.c */
int ev_push(struct exec *e, uint64_t t, enum ev_kind k, unsigned gen, const char *name);

/* story.c */
void text_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n);
void story_event(void *arg, const char *text, size_t len);

/* expect.c */
int expect_want(struct exec *e, int res);

/* metric.c */
int metric_check(const char *k, char *err, size_t len);
int metric_get(struct exec *e, const char *k, long long *out);
void metric_collect(struct exec *e);
void record_map(struct exec *e, const char *caption, bool last);
void record_sample(struct exec *e);

#endif /* PFNLAB_SCN_H */
