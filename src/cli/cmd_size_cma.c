/*
 * cmd_size_cma.c - `pfnlab size-cma`: the smallest value of a monotone
 * parameter (the kvm_cma size, by default) for which runs meet a target
 * with the asked probability (docs/sweep.md).  Options, the parameter
 * searched, and the answer printed; the search is sweep_search()
 * (src/work/sweep/sweep_search.c), whose runs are executed here through
 * a study (study/) on the local or the MPI engine.  Rows stay in DIR, so
 * a second search (another confidence) reuses them.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "study/study.h"

/* What the search's runs need: the study, and the parameter searched. */
struct size_cma {
	struct study *st;
	const struct sweep_spec *s;
	int pi;                 /* the searched parameter */
	struct sweep_buf row;
};

/* The point whose searched value is @v (every other parameter has one value). */
static uint64_t point_of(const struct size_cma *sc, size_t v)
{
	for (uint64_t p = 0; p < sweep_points(sc->s); p++)
		if (sweep_point_value(sc->s, p, (size_t)sc->pi) == v)
			return p;
	return 0;
}

/* sweep_search()'s runs: seeds @from+1 .. @to of value @v, executed; *@met of them meet the target. */
static int make_runs(void *arg, size_t v, uint64_t from, uint64_t to, uint64_t *met)
{
	struct size_cma *sc = arg;
	uint64_t base = point_of(sc, v) * sweep_seeds(sc->s);
	uint64_t *ids = malloc((size_t)(to - from) * sizeof(*ids));
	int rc;

	if (!ids) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	for (uint64_t k = from; k < to; k++)
		ids[k - from] = base + k;
	rc = study_run(sc->st, ids, (size_t)(to - from));
	free(ids);
	if (rc)
		return rc;
	for (uint64_t k = from; k < to; k++) {
		int m;

		if (!study_has(sc->st, base + k))
			return EXIT_CHECK; /* lost with a rank */
		if (study_row(sc->st, base + k, &sc->row)) {
			cli_error("size-cma: run %llu does not read back", (unsigned long long)(base + k));
			return EXIT_INTERNAL;
		}
		m = sweep_row_meets(sc->s, sc->row.p, sc->row.n);
		if (m < 0) {
			cli_error("size-cma: run %llu: not a row", (unsigned long long)(base + k));
			return EXIT_INTERNAL;
		}
		*met += (uint64_t)m;
	}
	return 0;
}

static void print_text(const struct size_cma *sc, const struct sweep_search *se, const struct study_spec *ss,
		       const char *policy, size_t answer)
{
	const char *name = sweep_param_name(sc->s, (size_t)sc->pi);
	size_t w = strlen(name);

	for (size_t v = 0; v < se->nv; v++)
		if (se->p[v].v != SWEEP_UNTRIED && strlen(sweep_param_value(sc->s, (size_t)sc->pi, v)) > w)
			w = strlen(sweep_param_value(sc->s, (size_t)sc->pi, v));
	printf("pfnlab size-cma: %s, %s over %zu values, policy %s\n", ss->path, name, se->nv, policy);
	printf("target: %s in at least %g of runs (Wilson 95%% interval), at most %llu runs per value\n\n",
	       sweep_target(sc->s), se->conf, (unsigned long long)se->max_runs);
	printf("%-*s  %6s  %6s  %7s  %-18s  %s\n", (int)w, name, "runs", "met", "P(met)", "Wilson 95%", "verdict");
	for (size_t v = 0; v < se->nv; v++) {
		const struct sweep_probe *p = &se->p[v];
		char iv[40];

		if (p->v == SWEEP_UNTRIED)
			continue;
		snprintf(iv, sizeof(iv), "[%.3f, %.3f]", p->lo, p->hi);
		printf("%-*s  %6llu  %6llu  %7.3f  %-18s  %s\n", (int)w, sweep_param_value(sc->s, (size_t)sc->pi, v),
		       (unsigned long long)p->runs, (unsigned long long)p->met, (double)p->met / (double)p->runs, iv,
		       v == answer ? "meets: the answer" : sweep_verdict_name(p->v));
	}
	printf("\n");
	if (answer < se->nv)
		printf("answer: %s = %s (the target held in %llu of %llu runs)\n", name,
		       sweep_param_value(sc->s, (size_t)sc->pi, answer), (unsigned long long)se->p[answer].met,
		       (unsigned long long)se->p[answer].runs);
	else
		printf("answer: none: no value of %s up to %s meets the target with confidence %g\n", name,
		       sweep_param_value(sc->s, (size_t)sc->pi, se->nv - 1), se->conf);
}

static void print_json(const struct size_cma *sc, const struct sweep_search *se, const struct study_spec *ss,
		       const char *policy, size_t answer)
{
	printf("{\"scenario\": ");
	json_fstring(stdout, ss->path);
	printf(", \"param\": ");
	json_fstring(stdout, sweep_param_name(sc->s, (size_t)sc->pi));
	printf(", \"policy\": ");
	json_fstring(stdout, policy);
	printf(", \"target\": ");
	json_fstring(stdout, sweep_target(sc->s));
	printf(", \"confidence\": %g, \"max_runs\": %llu, \"answer\": ", se->conf, (unsigned long long)se->max_runs);
	if (answer < se->nv)
		json_fstring(stdout, sweep_param_value(sc->s, (size_t)sc->pi, answer));
	else
		printf("null");
	printf(", \"probes\": [");
	for (size_t v = 0, k = 0; v < se->nv; v++) {
		const struct sweep_probe *p = &se->p[v];
		char lo[32], hi[32];

		if (p->v == SWEEP_UNTRIED)
			continue;
		sweep_format_num(p->lo, lo, sizeof(lo));
		sweep_format_num(p->hi, hi, sizeof(hi));
		printf("%s{\"value\": ", k++ ? ", " : "");
		json_fstring(stdout, sweep_param_value(sc->s, (size_t)sc->pi, v));
		printf(", \"runs\": %llu, \"met\": %llu, \"lo\": %s, \"hi\": %s, \"verdict\": \"%s\"}",
		       (unsigned long long)p->runs, (unsigned long long)p->met, lo, hi, sweep_verdict_name(p->v));
	}
	printf("]}\n");
}

/* Which parameter --param NAME is: a param of the spec, ${NAME}, or for "cma" the kvm or cma line. */
/* Whether param @pi's values increase (the search assumes it); an exit code with the first pair out of order. */
static int values_increase(const struct sweep_spec *s, int pi)
{
	for (size_t v = 1; v < sweep_param_nvalues(s, (size_t)pi); v++) {
		double a = sweep_param_num(s, (size_t)pi, v - 1), b = sweep_param_num(s, (size_t)pi, v);

		if (!(a < b)) /* NAN too: a value that is not a number cannot be searched */
			return cli_error("size-cma: --values: '%s' then '%s': the values are searched smallest first; "
					 "give them in increasing order", sweep_param_value(s, (size_t)pi, v - 1),
					 sweep_param_value(s, (size_t)pi, v));
	}
	return 0;
}

static int resolve_param(struct study_spec *ss, const char *name, const char *values, char *resolved, size_t len)
{
	char err[1024];
	const char *def = NULL;
	int rc;

	snprintf(resolved, len, "%s", name);
	if (sweep_param_find(ss->s, name) < 0 && !strchr(name, '.') && !sweep_spec_uses(ss->s, name) &&
	    !strcmp(name, "cma")) {
		if (sweep_spec_has_line(ss->s, "kvm")) {
			snprintf(resolved, len, "kvm.cma_ratio");
			def = "1..30";
		} else if (sweep_spec_has_line(ss->s, "cma")) {
			snprintf(resolved, len, "cma.size");
			def = "1%..30% step 1%";
		} else {
			return cli_error("size-cma: --param cma: %s has no ${cma}, no kvm line and no cma line",
					 sweep_scenario_name(ss->s));
		}
	}
	if (sweep_param_find(ss->s, resolved) < 0 && !strchr(resolved, '.') && !sweep_spec_uses(ss->s, resolved))
		return cli_error("size-cma: --param %s: neither a param of %s nor ${%s} in its scenario", name, ss->path,
				 name);
	if (!values && sweep_param_find(ss->s, resolved) < 0)
		values = def;
	if (!values)
		return cli_error("size-cma: --param %s: which values? (--values, e.g. '64M..1G step 64M')", name);
	rc = sweep_spec_set_param(ss->s, resolved, values, "--values", err, sizeof(err));
	return rc ? cli_error("size-cma: %s", err) : 0;
}

enum { O_JOBS = 'j', O_OUT = 'o', O_PARAM = KEYS_CMD, O_VALUES, O_TARGET, O_CONFIDENCE, O_POLICY, O_MAX_RUNS,
       O_BATCH, O_ENGINE, O_FORMAT, O_NO_PROGRESS };

static const struct cli_opt opts[] = {
	{"param", O_PARAM, "NAME",
	 "a param of the spec, ${NAME} in the scenario, or VERB.KEY (a key of the machine, kvm or cma line).  "
	 "Default 'cma': ${cma}, else the kvm line's cma_ratio (values 1..30), else the cma line's size (1%..30%)",
	 NULL},
	{"values", O_VALUES, "LIST",
	 "the values, smallest first, as in a spec: '2..20', '64M..2G x2', '1%..10% step 0.5%', '128M, 256M, 512M'",
	 NULL},
	{"target", O_TARGET, "EXPR",
	 "what a run must show: 'KEY OP NUMBER [&& ...]' over the keys of 'pfnlab run --format json', e.g. "
	 "'hpt.failed == 0 && hpt.fallback == 0'",
	 NULL},
	{"confidence", O_CONFIDENCE, "C", "the share of runs that must meet the target (default 0.95)", NULL},
	{"policy", O_POLICY, "P", "the pin policy of every run (default: the scenario's)", "<policy>"},
	{"max-runs", O_MAX_RUNS, "N", "runs per value at most (default 1000)", NULL},
	{"batch", O_BATCH, "N", "runs of a first look at a value (default 20)", NULL},
	{"jobs", O_JOBS, "N", "concurrent runs, as for 'pfnlab sweep'", NULL},
	{"engine", O_ENGINE, "local|mpi", "as for 'pfnlab sweep'; 'mpirun -np N pfnlab size-cma ... --engine mpi'",
	 "local mpi"},
	{"out", O_OUT, "DIR", "where the runs are kept and reused (default size-cma-NAME-PARAM-POLICY.out)", "<dir>"},
	{"format", O_FORMAT, "text|json", "json: {\"answer\", \"probes\": [{value, runs, met, lo, hi, verdict}]}",
	 "text json"},
	{"no-progress", O_NO_PROGRESS, NULL, "no progress line (it is drawn only when stderr is a terminal)", NULL},
	{NULL, 0, NULL, NULL, NULL},
};

static int run(int argc, char **argv)
{
	const char *file = NULL, *param = NULL, *values = NULL, *target = NULL, *policy = NULL, *outdir = NULL;
	const char *format = "text";
	double conf = 0.95;
	unsigned long long max_runs = 1000, batch = 20, jobs = 0;
	bool mpi = false, no_progress = false;
	struct study_spec ss;
	struct study_opts o = {0};
	struct study *st = NULL;
	struct size_cma sc = {0};
	struct sweep_search se = {0};
	char resolved[128], err[1024], seeds[64], out[PATH_MAX];
	int rank = 0, size = 1, rc = 0, pi, key;
	size_t answer = 0;
	struct cli_args a;

	cli_args_init(&a, &cmd_size_cma, argc, argv);
	while (!rc && (key = cli_next(&a)) != CLI_END) {
		switch (key) {
		case CLI_STOP:
			return a.rc;
		case CLI_OPERAND:
			rc = cli_one_operand(&a, &file, "scenario");
			break;
		case O_NO_PROGRESS:
			no_progress = true;
			break;
		case O_PARAM:
			param = a.val;
			break;
		case O_VALUES:
			values = a.val;
			break;
		case O_TARGET:
			target = a.val;
			break;
		case O_POLICY:
			if (pfnlab_pin_policy_parse(a.val) < 0)
				rc = cli_bad_value(&a, "none, rfc2015, migrate-cma, migrate-movable or pin-aware");
			policy = a.val;
			break;
		case O_CONFIDENCE: {
			char *end;

			conf = strtod(a.val, &end);
			if (*end || end == a.val || !(conf > 0 && conf < 1))
				rc = cli_usage_error(&a, "%s: '%s' is not a probability in (0, 1)", a.spelled, a.val);
			break;
		}
		case O_MAX_RUNS:
			if (parse_uint(a.val, 1, 10000000, &max_runs))
				rc = cli_bad_value(&a, "a count, 1..10000000");
			break;
		case O_BATCH:
			if (parse_uint(a.val, 1, 1000000, &batch))
				rc = cli_bad_value(&a, "a count, 1..1000000");
			break;
		case O_JOBS:
			if (parse_uint(a.val, 1, 4096, &jobs))
				rc = cli_usage_error(&a, "%s: '%s' is not a worker count (1..4096)", a.spelled, a.val);
			break;
		case O_ENGINE:
			if (!strcmp(a.val, "mpi"))
				mpi = true;
			else if (!strcmp(a.val, "local"))
				mpi = false;
			else if (!strcmp(a.val, "slurm"))
				rc = cli_usage_error(&a, "--engine slurm: a search needs each step's results before the next; use local or mpi (or a sweep under slurm)");
			else
				rc = cli_bad_value(&a, "local or mpi");
			break;
		case O_OUT:
			outdir = a.val;
			break;
		default: /* O_FORMAT */
			rc = cli_format_opt(&a);
			format = a.val;
			break;
		}
	}
	if (rc)
		return rc;
	if (!file)
		return cli_error("size-cma: which scenario? (pfnlab size-cma SCENARIO --param cma --target EXPR)");
	if (!param)
		param = "cma";
	if (!target)
		return cli_error("size-cma: --target is required, e.g. --target 'hpt.failed == 0 && hpt.fallback == 0'");
	if (batch > max_runs)
		batch = max_runs;
	if (mpi && !study_mpi_env(&rank, &size))
		return study_mpirun(argc, argv, jobs ? (unsigned)jobs : study_cpus());
	rc = study_spec_load(file, &ss);
	if (!rc)
		rc = resolve_param(&ss, param, values, resolved, sizeof(resolved));
	pi = rc ? -1 : sweep_param_find(ss.s, resolved);
	if (!rc && pi >= 0)
		rc = values_increase(ss.s, pi);
	for (size_t i = 0; !rc && i < sweep_nparams(ss.s); i++) {
		enum sweep_kind k = sweep_param_kind(ss.s, i);

		if ((int)i != pi && k != SWEEP_SEED && !(k == SWEEP_POLICY && policy) && sweep_param_nvalues(ss.s, i) > 1)
			rc = cli_error("size-cma: param %s has %zu values; size-cma searches %s alone (fix %s to one value%s)",
				       sweep_param_name(ss.s, i), sweep_param_nvalues(ss.s, i), resolved,
				       sweep_param_name(ss.s, i), k == SWEEP_POLICY ? " or give --policy" : "");
	}
	snprintf(seeds, sizeof(seeds), "1..%llu", max_runs);
	if (!rc && (sweep_spec_set_param(ss.s, "seed", seeds, "size-cma", err, sizeof(err)) ||
		    (policy && sweep_spec_set_param(ss.s, "policy", policy, "--policy", err, sizeof(err))) ||
		    sweep_set_target(ss.s, target, "--target", err, sizeof(err))))
		rc = cli_error("size-cma: %s", err);
	if (!rc)
		rc = study_spec_finish(&ss);
	if (rc) {
		study_spec_free(&ss);
		return rc;
	}
	if (!policy) {
		int pp = sweep_param_find(ss.s, "policy");

		policy = pp >= 0 ? sweep_param_value(ss.s, (size_t)pp, 0) : "(the scenario's)";
	}
	if (!outdir) {
		const char *base = strrchr(ss.path, '/') ? strrchr(ss.path, '/') + 1 : ss.path;

		if (!strncmp(base, "builtin:", 8))
			base += 8;
		snprintf(out, sizeof(out), "size-cma-%.*s-%s-%s.out",
			 (int)(strchr(base, '.') ? strchr(base, '.') - base : (long)strlen(base)), base, resolved,
			 policy[0] == '(' ? "scenario" : policy);
		outdir = out;
	}
	o.dir = outdir;
	o.jobs = jobs ? (unsigned)jobs : mpi ? 1 : study_cpus();
	o.mpi = mpi;
	o.progress = !no_progress && isatty(STDERR_FILENO) && rank == 0;
	o.resume = true;
	o.quiet_resume = true;
	rc = study_open(&ss, &o, &st);
	if (rc || !st) {
		study_spec_free(&ss);
		return rc;
	}
	sc.st = st;
	sc.s = ss.s;
	sc.pi = pi;
	se.nv = sweep_param_nvalues(ss.s, (size_t)pi);
	se.conf = conf;
	se.max_runs = max_runs;
	se.batch = batch;
	se.run = make_runs;
	se.arg = &sc;
	se.p = calloc(se.nv, sizeof(*se.p));
	if (!se.p) {
		rc = (cli_error("out of memory"), EXIT_RESOURCE);
	} else {
		rc = sweep_search(&se, &answer);
		if (rc >= 128)
			fprintf(stderr, "pfnlab: size-cma: interrupted; the runs so far are kept in %s/ and reused next time\n",
				outdir);
		else if (!rc) {
			if (!strcmp(format, "json"))
				print_json(&sc, &se, &ss, policy, answer);
			else
				print_text(&sc, &se, &ss, policy, answer);
			rc = answer < se.nv ? EXIT_OK : EXIT_CHECK;
		}
	}
	sweep_buf_free(&sc.row);
	free(se.p);
	study_close(st);
	study_spec_free(&ss);
	if (mpi)
		study_mpi_status(rc);
	return rc;
}

static const struct cli_section sections[] = {{"Options", NULL, opts}, {NULL, NULL, NULL}};

const struct command cmd_size_cma = {
	.name = "size-cma",
	.summary = "smallest CMA size (or other parameter) meeting a target with a confidence",
	.synopsis = "SCENARIO --target EXPR [--param NAME] [--values LIST] [--confidence C] [--policy P] "
		    "[--max-runs N] [--batch N] [-j N] [--engine local|mpi] [--out DIR] [--format text|json] "
		    "[--no-progress]",
	.description =
		"Finds the smallest value of a parameter for which the share of runs meeting the target\n"
		"is at least C, shown by the Wilson 95% interval of that share lying at or above C\n"
		"(runs with seeds 1, 2, ... are added until the interval lies above or below C).  The\n"
		"parameter must be monotone: a larger value never makes the target harder to meet.\n"
		"SCENARIO is a scenario file, a sweep spec, or a built-in scenario (seed, ...).\n",
	.sections = sections,
	.operands = "<scenario>",
	.examples = "pfnlab size-cma seed --target 'hpt.failed == 0 && hpt.fallback == 0' --policy none\n",
	.exit_check = "no value meets the target",
	.exits = EXITS_USAGE | EXITS_RESOURCE | EXITS_INTERNAL | EXITS_BUSY | EXITS_SIGNAL,
	.run = run,
};
