/*
 * run.c - the interpreter: a parsed program run on a fresh machine.
 *
 * The setup lines that describe the machine run first, in order; the
 * machine and the host are built (setup.c); then each action runs through
 * its verb's row: the row's function, then want=ERRNO or the outcome rule
 * (expect.c), a time series point and the checker (scn_opts.check) unless
 * the verb only looks.  This file's own verbs steer the run:
 *
 *   repeat N [VAR] ... end   the block N times, $VAR = 1..N
 *   check                    the whole-state checker now (exit 4 if broken)
 *
 * Every statement, repeat pass, generated event and expired background
 * batch is a step; past scn_opts.max_steps the run stops (-E2BIG).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

/* Count @n steps; past the bound, the run stops (-E2BIG) with the reason in e->msg. */
int run_steps(struct exec *e, uint64_t n)
{
	e->steps += n;
	if (e->steps <= e->max_steps)
		return 0;
	snprintf(e->msg, sizeof(e->msg),
		 "stopped after %llu steps (statements, repeat passes, generated events, expired background batches): a runaway "
		 "loop? raise the bound with --max-steps",
		 (unsigned long long)e->max_steps);
	return -E2BIG;
}

static int exec_stmt(struct exec *e, const struct stmt *s)
{
	int res = 0, err;

	e->cur = s;
	e->msg[0] = 0;
	err = s->verb->run ? s->verb->run(e, &res) : 0;
	if (e->built)
		guests_reap(&e->h); /* guests the OOM killer killed during the statement */
	if (err)
		return err;
	if (s->verb->flags & F_WANT)
		return expect_want(e, res);
	return 0;
}

static int run_check(struct exec *e, int *res)
{
	char why[512];

	if (pfnlab_check(e->m, why, sizeof(why))) {
		snprintf(e->msg, sizeof(e->msg), "check: %.400s", why);
		return -EUCLEAN;
	}
	return 0;
}

/* repeat N [VAR]: a count, unless it holds a $VAR, and a variable name. */
static int check_repeat(struct scn_program *p, const struct stmt *s, char *err, size_t len)
{
	uint64_t u;

	if (!strchr(s->pos[0], '$') && (val_uint(s->pos[0], &u, err, len) || u > 100000000))
		return fail(err, len, "repeat: '%s' is not a count 0..100000000", s->pos[0]);
	if (s->npos == 2 && (val_name(s->pos[1], err, len) || !isalpha((unsigned char)s->pos[1][0])))
		return fail(err, len, "repeat: '%s' is not a variable name", s->pos[1]);
	return 0;
}

int scn_run(const struct scn_program *p, const struct scn_opts *o, struct scn_result *r)
{
	struct exec *e = calloc(1, sizeof(*e));
	int err = 0, i;
	uint64_t counters[32] = {0};
	int pc[32], depth = 0;

	memset(r, 0, sizeof(*r));
	if (!e)
		return -ENOMEM;
	e->p = p;
	e->o = o;
	e->r = r;
	e->policy = o->policy >= 0 ? o->policy : p->policy;
	e->seed = o->seed_set ? o->seed : p->seed_set ? p->seed : 1;
	e->max_steps = o->max_steps ? o->max_steps : SCN_MAX_STEPS;
	e->hpt_fallback = -1;
	pfnlab_config_preset(&e->cfg, "x86_64", 4ull << 30);
	r->policy = e->policy;
	r->seed = e->seed;
	snprintf(r->scenario, sizeof(r->scenario), "%s", p->file);
	/* setup lines */
	for (i = 0; i < p->first_action && !err; i++) {
		const struct stmt *s = &p->s[i];

		if (s->verb->flags & F_CONFIG)
			err = exec_stmt(e, s);
	}
	if (!err)
		err = setup_build(e);
	else
		snprintf(r->error, sizeof(r->error), "%.200s:%d: %.500s", p->file, e->cur->line, e->msg);
	if (!err) {
		record_map(e, "start: the host after boot", false);
		record_sample(e);
	}
	if (!err) {
		snprintf(r->preset, sizeof(r->preset), "%s", e->cfg.preset);
		r->ram_bytes = e->cfg.ram_bytes;
		r->page_shift = e->cfg.page_shift;
		r->era = e->cfg.era;
		r->cma_rule = e->cfg.cma_rule;
		r->kernel = e->cfg.kernel;
	}
	for (i = p->first_action; i < p->n && !err;) {
		const struct stmt *s = &p->s[i];

		e->cur = s;
		err = run_steps(e, 1);
		if (err) {
			snprintf(r->error, sizeof(r->error), "%.200s:%d: %.500s", p->file, s->line, e->msg);
			break;
		}
		if (s->verb->flags & F_OPEN) {
			uint64_t n;
			bool bad = false;
			const char *v;
			char m[400];

			e->cur = s;
			v = arg_word(e, 0, &bad);
			if (bad) {
				err = -EINVAL;
				break;
			}
			if (val_uint(v, &n, m, sizeof(m)) || n > 100000000) {
				err = RUN_ERR(e, "repeat: '%s' is not a count 0..100000000", v);
				break;
			}
			if (!n) {
				i = s->jump + 1;
				continue;
			}
			pc[depth] = i;
			counters[depth++] = n;
			if (s->npos == 2) {
				e->vars[e->nvars].name = s->pos[1];
				e->vars[e->nvars++].value = 1;
			}
			i++;
			continue;
		}
		if (s->verb->flags & F_CLOSE) {
			const struct stmt *rep = &p->s[s->jump];

			/* depth >= 1: scn_parse() pairs every end with a repeat, and a count of 0 jumps past the end */
			if (--counters[depth - 1]) {
				if (rep->npos == 2)
					e->vars[e->nvars - 1].value++;
				i = pc[depth - 1] + 1; /* NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult): see above */
			} else {
				depth--;
				if (rep->npos == 2)
					e->nvars--;
				i++;
			}
			continue;
		}
		err = exec_stmt(e, s);
		if (!err && !(s->verb->flags & F_LOOK))
			record_sample(e);
		if (!err && o->progress)
			o->progress(o->progress_arg, s->line, pfnlab_now(e->m));
		if (!err && o->moment)
			o->moment(o->moment_arg, e->m, s->line);
		if (!err && o->check && !(s->verb->flags & F_LOOK)) {
			char why[512];

			if (pfnlab_check(e->m, why, sizeof(why))) {
				snprintf(e->msg, sizeof(e->msg), "after %s: checker: %.400s", s->verb->name, why);
				err = -EUCLEAN;
			}
		}
		if (err)
			snprintf(r->error, sizeof(r->error), "%.200s:%d: %.500s", p->file, s->line,
				 e->msg[0] ? e->msg : err == -ENOMEM ? "out of host memory" : pfnlab_strerror(err));
		i++;
	}
	if (e->built && !err) {
		char why[512];

		record_map(e, "end", true);
		if (o->moment)
			o->moment(o->moment_arg, e->m, 0);
		metric_collect(e);
		if (o->check && pfnlab_check(e->m, why, sizeof(why))) {
			snprintf(r->error, sizeof(r->error), "%.200s: at the end: checker: %.500s", p->file, why);
			err = -EUCLEAN;
		}
	}
	if (e->built) {
		host_fini(&e->h);
		pfnlab_machine_destroy(e->m);
	}
	for (unsigned k = 0; k < e->nr_labels; k++)
		free(e->labels[k].a);
	free(e->labels);
	free(e->gens);
	free(e->ev);
	free(e);
	return err;
}

void scn_result_free(struct scn_result *r)
{
	for (size_t k = 0; k < r->rec.nr_maps; k++) {
		free(r->rec.map_caption[k]);
		free(r->rec.map_svg[k]);
	}
	free(r->rec.t);
	for (int k = 0; k < SCN_NR_SERIES; k++)
		free(r->rec.y[k]);
	r->rec = (struct scn_record){0};
	free(r->story);
	free(r->failures);
	r->story = r->failures = NULL;
}

const struct verb run_verbs[] = {
	{"check", 0, 0, 0, "check", 0, NULL, NULL, NULL, run_check},
	{"repeat", F_OPEN, 1, 2, "repeat N [VAR] ... end", 0, NULL, NULL, check_repeat, NULL},
	{"end", F_CLOSE, 0, 0, "end", 0, NULL, NULL, NULL, NULL},
	{0},
};
