/*
 * sweep_internal.h - what the files of src/work/sweep/ share and nobody
 * else sees: the specification's structure (a parameter and its values,
 * a target's conditions) and the small helpers several of them use.
 * Everyone outside the folder goes through sweep.h.
 */
#ifndef PFNLAB_SWEEP_INTERNAL_H
#define PFNLAB_SWEEP_INTERNAL_H

#include "sweep.h"

#define MAX_FAILURES 32
#define MAX_TERMS 8

struct param {
	char name[64];
	enum sweep_kind kind;
	char verb[16], key[48];  /* SWEEP_KEY */
	char where[300];         /* "file:line" of its definition */
	char **v;                /* values, as substituted */
	double *num;             /* numeric value for charts, NAN if none */
	size_t n;
	bool used;
};

/* One condition of a target: KEY OP NUMBER. */
struct term {
	char key[64];
	int op;                  /* 0 ==, 1 !=, 2 <, 3 <=, 4 >, 5 >= */
	double val;
};

struct sweep_spec {
	char file[256];
	char scn_name[256];
	char ref[256];           /* `scenario` line, "" if inline */
	int ref_line;
	char *tmpl;              /* the scenario, spec lines blanked */
	size_t tmpl_len;
	int first_scn_line;      /* first scenario line of the spec itself (with a ref: an error) */
	struct param p[SWEEP_MAX_PARAMS];
	size_t np;
	int seed_idx;            /* index in p[], -1 */
	int policy_idx;
	char failure[MAX_FAILURES][64];
	size_t nfailure;
	bool failure_set;
	char failure_where[300];
	struct term term[MAX_TERMS];
	size_t nterm;
	char target_text[256];
	char target_where[300];
	uint64_t points, seeds, runs, hash;
	bool finished;
};

/* sweep_text.c: messages, JSON strings, sinks, names */
int sweep_fail(char *err, size_t errlen, const char *where, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void sweep_err_oom(char *err, size_t errlen);
void sweep_buf_json_str(struct sweep_buf *b, const char *s, size_t n);
void sweep_sink_str(const struct pfnlab_sink *s, const char *t);
void sweep_sink_fmt(const struct pfnlab_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sweep_sink_json_str(const struct pfnlab_sink *s, const char *t);
char *sweep_trim(char *s);
bool sweep_valid_name(const char *n, bool dotted);

/* sweep_values.c: a parameter's value list */
int sweep_param_values(struct param *p, const char *values, const char *where, char *err, size_t errlen);
void sweep_param_clear(struct param *p);

/* sweep_specification.c: the scenario template's lines */
size_t sweep_first_word(const char *line, size_t len, const char **w);
bool sweep_word_is(const char *w, size_t n, const char *s);

/* sweep_target.c */
bool sweep_term_holds(const struct term *t, double v);

/* sweep_json.c */
const struct sweep_kv *sweep_kv_find(const struct sweep_kv *kv, size_t n, const char *key);

#endif /* PFNLAB_SWEEP_INTERNAL_H */
