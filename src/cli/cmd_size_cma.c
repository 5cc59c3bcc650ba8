/*
 * cmd_size_cma.c - `pfnlab size-cma`: the smallest value of a monotone
 * parameter (the kvm_cma size, by default) for which runs meet a target
 * with the asked probability, found over the sweep machinery
 * (sweep_engine.c) on the local or the MPI engine (docs/sweep.md).
 *
 * A value meets the target when the Wilson 95% interval of the share of
 * its runs (seeds 1, 2, ...) meeting the target lies at or above the
 * confidence C; it misses when the interval lies below C.  Runs are added
 * until one or the other is shown, up to --max-runs (then it misses, as
 * "undecided"):
 *
 *   values v0 < v1 < ... (in the order given; larger is assumed better)
 *   binary search with a screen of --batch runs per probe: a probe whose
 *   interval lies below C moves up, any other moves down;
 *   the candidate is then confirmed with as many runs as showing C takes;
 *   a candidate that fails confirmation restarts the search above it.
 *
 * Everything the search decides follows from the rows, which do not depend
 * on the engine: the answer and its evidence are the same on any engine.
 * Rows stay in DIR, so a second search (another confidence) reuses them.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep_cli.h"

enum verdict { V_UNTRIED, V_MISSES, V_PLAUSIBLE, V_MEETS, V_UNDECIDED };

static const char *const verdict_name[] = {"untried", "misses", "screened", "meets", "undecided"};

struct probe {
	uint64_t runs, met;     /* runs made (seeds 1..runs), runs meeting the target */
	enum verdict v;
	double lo, hi;
};

struct search {
	struct study *st;
	const struct sweep_spec *s;
	int pi;                 /* the searched parameter */
	size_t nv;
	struct probe *p;
	double conf;
	uint64_t max_runs, batch;
	struct sweep_buf row;
};

static unsigned cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* The point whose searched value is @v (every other parameter has one value). */
static uint64_t point_of(const struct search *se, size_t v)
{
	for (uint64_t p = 0; p < sweep_points(se->s); p++)
		if (sweep_point_value(se->s, p, (size_t)se->pi) == v)
			return p;
	return 0;
}

/* Make value @v have @n runs, then count how many meet the target. */
static int ensure_runs(struct search *se, size_t v, uint64_t n)
{
	struct probe *pr = &se->p[v];
	uint64_t base = point_of(se, v) * sweep_seeds(se->s);
	uint64_t *ids;
	int rc;

	if (n > se->max_runs)
		n = se->max_runs;
	if (n <= pr->runs)
		return 0;
	ids = malloc((size_t)(n - pr->runs) * sizeof(*ids));
	if (!ids) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	for (uint64_t k = pr->runs; k < n; k++)
		ids[k - pr->runs] = base + k;
	rc = study_run(se->st, ids, (size_t)(n - pr->runs));
	free(ids);
	if (rc)
		return rc;
	for (uint64_t k = pr->runs; k < n; k++) {
		int m;

		if (!study_has(se->st, base + k))
			return EXIT_CHECK; /* lost with a rank */
		if (study_row(se->st, base + k, &se->row)) {
			cli_error("size-cma: run %llu does not read back", (unsigned long long)(base + k));
			return EXIT_INTERNAL;
		}
		m = sweep_row_meets(se->s, se->row.p, se->row.n);
		if (m < 0) {
			cli_error("size-cma: run %llu: not a row", (unsigned long long)(base + k));
			return EXIT_INTERNAL;
		}
		pr->met += (uint64_t)m;
	}
	pr->runs = n;
	sweep_wilson(pr->met, pr->runs, SWEEP_Z95, &pr->lo, &pr->hi);
	return 0;
}

/* Fewest runs (>= now) that could show the confidence if every further run met the target; 0 if none <= max. */
static uint64_t runs_needed(const struct search *se, const struct probe *pr)
{
	uint64_t lo = pr->runs + 1, hi = se->max_runs;
	double l, h;

	sweep_wilson(pr->met + (hi - pr->runs), hi, SWEEP_Z95, &l, &h);
	if (hi <= pr->runs || l < se->conf)
		return 0;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		sweep_wilson(pr->met + (mid - pr->runs), mid, SWEEP_Z95, &l, &h);
		if (l >= se->conf)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* A first look: misses (interval below C, or C out of reach) or plausible. */
static int screen(struct search *se, size_t v)
{
	struct probe *pr = &se->p[v];
	int rc;

	if (pr->v == V_MEETS || pr->v == V_MISSES || pr->v == V_UNDECIDED)
		return 0;
	rc = ensure_runs(se, v, se->batch);
	if (rc)
		return rc;
	if (pr->lo >= se->conf)
		pr->v = V_MEETS;
	else if (pr->hi < se->conf || !runs_needed(se, pr))
		pr->v = V_MISSES;
	else
		pr->v = V_PLAUSIBLE;
	return 0;
}

/* Runs until the interval lies above or below C, or --max-runs. */
static int confirm(struct search *se, size_t v)
{
	struct probe *pr = &se->p[v];

	while (pr->v == V_PLAUSIBLE) {
		uint64_t need = runs_needed(se, pr);
		int rc;

		if (!need) {
			pr->v = pr->runs >= se->max_runs && pr->hi >= se->conf ? V_UNDECIDED : V_MISSES;
			break;
		}
		rc = ensure_runs(se, v, need);
		if (rc)
			return rc;
		if (pr->lo >= se->conf)
			pr->v = V_MEETS;
		else if (pr->hi < se->conf)
			pr->v = V_MISSES;
	}
	return 0;
}

/* The search; *answer = index of the smallest value that meets, or nv. */
static int search(struct search *se, size_t *answer)
{
	size_t lo = 0, hi = se->nv;
	int rc;

	for (;;) {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			rc = screen(se, mid);
			if (rc)
				return rc;
			if (se->p[mid].v == V_MISSES || se->p[mid].v == V_UNDECIDED)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (hi == se->nv) {
			*answer = se->nv;
			return 0;
		}
		rc = confirm(se, hi);
		if (rc)
			return rc;
		if (se->p[hi].v == V_MEETS) {
			*answer = hi;
			return 0;
		}
		lo = hi + 1;
		hi = se->nv;
	}
}

static void print_text(const struct search *se, const struct study_spec *ss, const char *policy, size_t answer)
{
	const char *name = sweep_param_name(se->s, (size_t)se->pi);
	size_t w = strlen(name);

	for (size_t v = 0; v < se->nv; v++)
		if (se->p[v].v != V_UNTRIED && strlen(sweep_param_value(se->s, (size_t)se->pi, v)) > w)
			w = strlen(sweep_param_value(se->s, (size_t)se->pi, v));
	printf("pfnlab size-cma: %s, %s over %zu values, policy %s\n", ss->path, name, se->nv, policy);
	printf("target: %s in at least %g of runs (Wilson 95%% interval), at most %llu runs per value\n\n",
	       sweep_target(se->s), se->conf, (unsigned long long)se->max_runs);
	printf("%-*s  %6s  %6s  %7s  %-18s  %s\n", (int)w, name, "runs", "met", "P(met)", "Wilson 95%", "verdict");
	for (size_t v = 0; v < se->nv; v++) {
		const struct probe *p = &se->p[v];
		char iv[40];

		if (p->v == V_UNTRIED)
			continue;
		snprintf(iv, sizeof(iv), "[%.3f, %.3f]", p->lo, p->hi);
		printf("%-*s  %6llu  %6llu  %7.3f  %-18s  %s\n", (int)w, sweep_param_value(se->s, (size_t)se->pi, v),
		       (unsigned long long)p->runs, (unsigned long long)p->met, (double)p->met / (double)p->runs, iv,
		       v == answer ? "meets: the answer" : verdict_name[p->v]);
	}
	printf("\n");
	if (answer < se->nv)
		printf("answer: %s = %s (the target held in %llu of %llu runs)\n", name,
		       sweep_param_value(se->s, (size_t)se->pi, answer), (unsigned long long)se->p[answer].met,
		       (unsigned long long)se->p[answer].runs);
	else
		printf("answer: none: no value of %s up to %s meets the target with confidence %g\n", name,
		       sweep_param_value(se->s, (size_t)se->pi, se->nv - 1), se->conf);
}

static void print_json(const struct search *se, const struct study_spec *ss, const char *policy, size_t answer)
{
	struct sweep_buf b = {0};

	printf("{\"scenario\": \"%s\", \"param\": \"%s\", \"policy\": \"%s\", \"target\": \"%s\", \"confidence\": %g, "
	       "\"max_runs\": %llu, \"answer\": ",
	       ss->path, sweep_param_name(se->s, (size_t)se->pi), policy, sweep_target(se->s), se->conf,
	       (unsigned long long)se->max_runs);
	if (answer < se->nv)
		printf("\"%s\"", sweep_param_value(se->s, (size_t)se->pi, answer));
	else
		printf("null");
	printf(", \"probes\": [");
	for (size_t v = 0, k = 0; v < se->nv; v++) {
		const struct probe *p = &se->p[v];
		char lo[32], hi[32];

		if (p->v == V_UNTRIED)
			continue;
		sweep_format_num(p->lo, lo, sizeof(lo));
		sweep_format_num(p->hi, hi, sizeof(hi));
		printf("%s{\"value\": \"%s\", \"runs\": %llu, \"met\": %llu, \"lo\": %s, \"hi\": %s, \"verdict\": \"%s\"}",
		       k++ ? ", " : "", sweep_param_value(se->s, (size_t)se->pi, v), (unsigned long long)p->runs,
		       (unsigned long long)p->met, lo, hi, verdict_name[p->v]);
	}
	printf("]}\n");
	sweep_buf_free(&b);
}

/* Which parameter --param NAME is: a param of the spec, ${NAME}, or for "cma" the kvm or cma line. */
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
	struct search se = {0};
	char resolved[128], err[1024], seeds[64], out[PATH_MAX];
	int rank = 0, size = 1, rc, pi;
	size_t answer = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (!strcmp(a, "--no-progress")) {
			no_progress = true;
			continue;
		}
		if (a[0] != '-' || !a[1]) {
			if (file)
				return cli_error("size-cma: one scenario at a time ('%s' and '%s')", file, a);
			file = a;
			continue;
		}
		if (!strncmp(a, "-j", 2) && a[2]) {
			v = a + 2;
			a = "-j";
		} else if (!strcmp(a, "--param") || !strcmp(a, "--values") || !strcmp(a, "--target") ||
			   !strcmp(a, "--confidence") || !strcmp(a, "--policy") || !strcmp(a, "--max-runs") ||
			   !strcmp(a, "--batch") || !strcmp(a, "-j") || !strcmp(a, "--engine") || !strcmp(a, "--out") ||
			   !strcmp(a, "--format")) {
			if (i + 1 >= argc)
				return cli_error("size-cma: %s needs a value", a);
			v = argv[++i];
		} else {
			return cli_error("size-cma: unknown option '%s' (try 'pfnlab size-cma --help')", a);
		}
		if (!strcmp(a, "--param")) {
			param = v;
		} else if (!strcmp(a, "--values")) {
			values = v;
		} else if (!strcmp(a, "--target")) {
			target = v;
		} else if (!strcmp(a, "--policy")) {
			if (pfnlab_pin_policy_parse(v) < 0)
				return cli_error("size-cma: --policy: unknown policy '%s' (none, rfc2015, migrate-cma, migrate-movable, pin-aware)",
						 v);
			policy = v;
		} else if (!strcmp(a, "--confidence")) {
			char *end;

			conf = strtod(v, &end);
			if (*end || end == v || !(conf > 0 && conf < 1))
				return cli_error("size-cma: --confidence: '%s' is not a probability in (0, 1)", v);
		} else if (!strcmp(a, "--max-runs")) {
			if (parse_uint(v, 1, 10000000, &max_runs))
				return cli_error("size-cma: --max-runs: '%s' is not a count (1..10000000)", v);
		} else if (!strcmp(a, "--batch")) {
			if (parse_uint(v, 1, 1000000, &batch))
				return cli_error("size-cma: --batch: '%s' is not a count", v);
		} else if (!strcmp(a, "-j")) {
			if (parse_uint(v, 1, 4096, &jobs))
				return cli_error("size-cma: -j: '%s' is not a worker count (1..4096)", v);
		} else if (!strcmp(a, "--engine")) {
			if (!strcmp(v, "mpi"))
				mpi = true;
			else if (!strcmp(v, "local"))
				mpi = false;
			else if (!strcmp(v, "slurm"))
				return cli_error("size-cma: --engine slurm: a search needs each step's results before the next; use local or mpi (or a sweep under slurm)");
			else
				return cli_error("size-cma: --engine is local or mpi, not '%s'", v);
		} else if (!strcmp(a, "--out")) {
			outdir = v;
		} else {
			if (strcmp(v, "text") && strcmp(v, "json"))
				return cli_error("size-cma: --format is text or json, not '%s'", v);
			format = v;
		}
	}
	if (!file)
		return cli_error("size-cma: which scenario? (pfnlab size-cma SCENARIO --param cma --target EXPR)");
	if (!param)
		param = "cma";
	if (!target)
		return cli_error("size-cma: --target is required, e.g. --target 'hpt.failed == 0 && hpt.fallback == 0'");
	if (batch > max_runs)
		batch = max_runs;
	if (mpi && !study_mpi_env(&rank, &size))
		return study_mpirun(argc, argv, jobs ? (unsigned)jobs : cpus());
	rc = study_spec_load(file, &ss);
	if (!rc)
		rc = resolve_param(&ss, param, values, resolved, sizeof(resolved));
	pi = rc ? -1 : sweep_param_find(ss.s, resolved);
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
	o.jobs = jobs ? (unsigned)jobs : mpi ? 1 : cpus();
	o.mpi = mpi;
	o.progress = !no_progress && isatty(STDERR_FILENO) && rank == 0;
	o.resume = true;
	o.quiet_resume = true;
	rc = study_open(&ss, &o, &st);
	if (rc || !st) {
		study_spec_free(&ss);
		return rc;
	}
	se.st = st;
	se.s = ss.s;
	se.pi = pi;
	se.nv = sweep_param_nvalues(ss.s, (size_t)pi);
	se.conf = conf;
	se.max_runs = max_runs;
	se.batch = batch;
	se.p = calloc(se.nv, sizeof(*se.p));
	if (!se.p) {
		rc = cli_error("out of memory");
	} else {
		rc = search(&se, &answer);
		if (rc >= 128)
			fprintf(stderr, "pfnlab: size-cma: interrupted; the runs so far are kept in %s/ and reused next time\n",
				outdir);
		else if (!rc) {
			if (!strcmp(format, "json"))
				print_json(&se, &ss, policy, answer);
			else
				print_text(&se, &ss, policy, answer);
			rc = answer < se.nv ? EXIT_OK : EXIT_CHECK;
		}
	}
	sweep_buf_free(&se.row);
	free(se.p);
	study_close(st);
	study_spec_free(&ss);
	if (mpi)
		study_mpi_status(rc);
	return rc;
}

const struct command cmd_size_cma = {
	.name = "size-cma",
	.summary = "smallest CMA size (or other parameter) meeting a target with a confidence",
	.run = run,
	.help =
		"usage: pfnlab size-cma SCENARIO --target EXPR [--param NAME] [--values LIST]\n"
		"                       [--confidence C] [--policy P] [--max-runs N] [--batch N]\n"
		"                       [-j N] [--engine local|mpi] [--out DIR] [--format text|json]\n"
		"                       [--no-progress]\n\n"
		"Finds the smallest value of a parameter for which the share of runs meeting the target\n"
		"is at least C, shown by the Wilson 95% interval of that share lying at or above C\n"
		"(runs with seeds 1, 2, ... are added until the interval lies above or below C).  The\n"
		"parameter must be monotone: a larger value never makes the target harder to meet.\n\n"
		"  SCENARIO         a scenario file, a sweep spec, or a built-in scenario (seed, ...)\n"
		"  --param NAME     a param of the spec, ${NAME} in the scenario, or VERB.KEY (a key of\n"
		"                   the machine, kvm or cma line).  Default 'cma': ${cma}, else the kvm\n"
		"                   line's cma_ratio (values 1..30), else the cma line's size (1%..30%)\n"
		"  --values LIST    the values, smallest first, as in a spec: '2..20', '64M..2G x2',\n"
		"                   '1%..10% step 0.5%', '128M, 256M, 512M'\n"
		"  --target EXPR    what a run must show: 'KEY OP NUMBER [&& ...]' over the keys of\n"
		"                   'pfnlab run --format json', e.g. 'hpt.failed == 0 && hpt.fallback == 0'\n"
		"  --confidence C   the share of runs that must meet the target (default 0.95)\n"
		"  --policy P       the pin policy of every run (default: the scenario's)\n"
		"  --max-runs N     runs per value at most (default 1000)\n"
		"  --batch N        runs of a first look at a value (default 20)\n"
		"  -j N, --engine   as for 'pfnlab sweep'; 'mpirun -np N pfnlab size-cma ... --engine mpi'\n"
		"  --out DIR        where the runs are kept and reused (default size-cma-NAME-PARAM-POLICY.out)\n"
		"  --format json    {\"answer\", \"probes\": [{value, runs, met, lo, hi, verdict}]}\n\n"
		"Exit codes: 0 an answer, 1 no value meets the target, 2 bad option or scenario,\n"
		"3 out of memory, 4 internal error, 128+N interrupted by signal N.\n",
};
