/*
 * cmd_sweep.c - `pfnlab sweep`: run a scenario over the cross product of
 * parameter values and seeds (docs/sweep.md) on the local engine (forked
 * workers), under mpirun (--engine mpi), or as a Slurm job array
 * (--engine slurm, then `pfnlab sweep merge`); print the statistics per
 * parameter point and write results.jsonl, results.csv, summary.json and
 * optionally an HTML page.  Options and printing only: the study (its
 * files and engines) is in study/, the statistics in src/work/sweep/.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "study/study.h"

enum engine { ENGINE_LOCAL, ENGINE_MPI, ENGINE_SLURM };

struct sweep_args {
	const char *spec, *out, *html, *format;
	enum engine engine;
	unsigned jobs;
	bool jobs_set, resume, no_progress, dry_run, merge;
	uint64_t slice_i, slice_n, slices;
};

/* The default output directory: the spec's name without its extension, plus ".out", here. */
static void default_out(const char *spec, char *buf, size_t len)
{
	const char *base = strrchr(spec, '/'), *dot;

	base = base ? base + 1 : spec;
	if (!strncmp(base, "builtin:", 8))
		base += 8;
	dot = strrchr(base, '.');
	snprintf(buf, len, "%.*s.out", (int)(dot && dot != base ? dot - base : (long)strlen(base)), base);
}

static int parse_slice(const char *v, uint64_t *i, uint64_t *n)
{
	unsigned long long a, b;
	char c;

	if (sscanf(v, "%llu/%llu%c", &a, &b, &c) != 2 || b == 0 || a >= b)
		return -EINVAL;
	*i = a;
	*n = b;
	return 0;
}

enum { O_OUT = 'o', O_DRY_RUN = 'n', O_JOBS = 'j', O_RESUME = KEYS_CMD, O_ENGINE, O_HTML, O_FORMAT, O_SLICE,
       O_SLICES, O_NO_PROGRESS };

static const struct cli_opt opts[] = {
	{"jobs", O_JOBS, "N", "concurrent runs (default: the number of CPUs; 1 per rank under MPI)", NULL},
	{"out", O_OUT, "DIR", "output directory (default: SPEC's name with .out)", "<dir>"},
	{"resume", O_RESUME, NULL, "keep DIR's rows and run only the missing runs (and crashed ones)", NULL},
	{"engine", O_ENGINE, "local|mpi|slurm",
	 "local: forked worker processes on this machine (default).  mpi: under 'mpirun -np N pfnlab sweep SPEC "
	 "--engine mpi', rank 0 hands runs out over TCP and writes the files (DIR on a file system all nodes "
	 "see); without mpirun around it, pfnlab starts 'mpirun -np N' itself (N from -j, default the CPUs; "
	 "$PFNLAB_MPIRUN replaces 'mpirun').  slurm: write DIR/sweep.sbatch, a job array whose tasks run "
	 "--slice I/N each into DIR/slice-I; then 'pfnlab sweep merge DIR/slice-* --out DIR'",
	 "local mpi slurm"},
	{"slices", O_SLICES, "N", "array tasks for --engine slurm (default 16)", NULL},
	{"slice", O_SLICE, "I/N", "only the runs whose id modulo N is I", NULL},
	{"html", O_HTML, "FILE",
	 "one self-contained page: the table, failure probability against the swept parameter (a line per "
	 "policy), a heatmap for two parameters",
	 "<file>"},
	{"format", O_FORMAT, "text|json", "json: print summary.json instead of the table", "text json"},
	{"no-progress", O_NO_PROGRESS, NULL, "no progress line (it is drawn only when stderr is a terminal)", NULL},
	{"dry-run", O_DRY_RUN, NULL, "check the spec and print its parameters and run count", NULL},
	{NULL, 0, NULL, NULL, NULL},
};

/* The options, and the operands: the spec, or after "merge" the directories (@dirs, up to @max). */
static int parse_args(int argc, char **argv, struct sweep_args *s, const char **dirs, int max, int *ndirs)
{
	struct cli_args a;
	unsigned long long n;
	int k, rc = 0;

	cli_args_init(&a, &cmd_sweep, argc, argv);
	while (!rc && (k = cli_next(&a)) != CLI_END) {
		switch (k) {
		case CLI_STOP:
			return a.rc;
		case CLI_OPERAND:
			if (!s->spec && !s->merge && !strcmp(a.val, "merge"))
				s->merge = true;
			else if (s->merge && *ndirs < max)
				dirs[(*ndirs)++] = a.val;
			else if (s->merge)
				rc = cli_usage_error(&a, "merge: at most %d directories", max);
			else if (s->spec)
				rc = cli_usage_error(&a, "one spec at a time ('%s' and '%s')", s->spec, a.val);
			else
				s->spec = a.val;
			break;
		case O_RESUME:
			s->resume = true;
			break;
		case O_NO_PROGRESS:
			s->no_progress = true;
			break;
		case O_DRY_RUN:
			s->dry_run = true;
			break;
		case O_JOBS:
			if (parse_uint(a.val, 1, 4096, &n))
				rc = cli_usage_error(&a, "%s: '%s' is not a worker count (1..4096)", a.spelled, a.val);
			s->jobs = (unsigned)n;
			s->jobs_set = true;
			break;
		case O_OUT:
			s->out = a.val;
			break;
		case O_HTML:
			s->html = a.val;
			break;
		case O_FORMAT:
			rc = cli_format_opt(&a);
			s->format = a.val;
			break;
		case O_ENGINE:
			if (!strcmp(a.val, "local"))
				s->engine = ENGINE_LOCAL;
			else if (!strcmp(a.val, "mpi"))
				s->engine = ENGINE_MPI;
			else if (!strcmp(a.val, "slurm"))
				s->engine = ENGINE_SLURM;
			else
				rc = cli_usage_error(&a, "--engine is local, mpi or slurm, not '%s'", a.val);
			break;
		case O_SLICE:
			if (parse_slice(a.val, &s->slice_i, &s->slice_n))
				rc = cli_usage_error(&a, "--slice: '%s' is not I/N with 0 <= I < N", a.val);
			break;
		default: /* O_SLICES */
			if (parse_uint(a.val, 1, 100000, &n))
				rc = cli_bad_value(&a, "a count, 1..100000");
			s->slices = n;
			break;
		}
	}
	return rc;
}

static int write_html(const char *path, const struct sweep_agg *agg, uint64_t missing)
{
	struct sweep_buf b = {0};
	struct pfnlab_sink sk;
	int rc;

	sweep_buf_sink(&b, &sk);
	sweep_report_html(agg, missing, &sk);
	rc = b.failed ? (cli_error("--html: out of memory"), EXIT_RESOURCE) : output_file("--html", path, b.p, b.n);
	sweep_buf_free(&b);
	return rc;
}

/* The first rows that did not complete, on stderr; how many there are. */
static uint64_t report_failed(const struct sweep_agg *agg, struct study *st)
{
	uint64_t bad = 0;

	for (size_t i = 0; i < sweep_agg_npoints(agg); i++)
		bad += sweep_agg_point(agg, i)->errors + sweep_agg_point(agg, i)->crashed;
	if (!bad)
		return 0;
	{
		struct sweep_buf row = {0};
		struct sweep_kv *kv = calloc(256, sizeof(*kv));
		unsigned shown = 0;

		for (uint64_t id = 0; kv && shown < 3 && id < sweep_runs(sweep_agg_spec(agg)); id++) {
			size_t n;
			const char *status = NULL, *err = "";

			if (!study_has(st, id) || study_row(st, id, &row) || sweep_json_flat(row.p, row.n, kv, 256, &n))
				continue;
			for (size_t k = 0; k < n; k++) {
				if (!strcmp(kv[k].key, "status"))
					status = kv[k].str;
				if (!strcmp(kv[k].key, "error"))
					err = kv[k].str;
			}
			if (status && strcmp(status, "ok")) {
				const char *nl = strchr(err, '\n');

				fprintf(stderr, "pfnlab: sweep: run %llu %s: %.*s\n", (unsigned long long)id, status,
					(int)(nl ? nl - err : (long)strlen(err)), err);
				shown++;
			}
		}
		free(kv);
		sweep_buf_free(&row);
	}
	fprintf(stderr, "pfnlab: sweep: %llu run%s did not complete (status error or crashed in results.jsonl)\n",
		(unsigned long long)bad, bad > 1 ? "s" : "");
	return bad;
}

/* Print the results, write summary.json and the page; the exit code. */
static int conclude(struct study *st, const struct study_spec *ss, const struct sweep_args *a, int rc_run)
{
	struct sweep_agg *agg = NULL;
	struct pfnlab_sink out;
	uint64_t missing;
	int rc = study_finish(st, &agg);

	if (rc)
		return rc;
	missing = study_missing(st);
	file_sink(&out, stdout);
	if (a->format && !strcmp(a->format, "json")) {
		sweep_agg_json(agg, missing, &out);
	} else {
		printf("pfnlab sweep: %s (scenario %s): %llu runs, %llu point%s x %llu seed%s\n", ss->path,
		       sweep_scenario_name(ss->s), (unsigned long long)sweep_runs(ss->s),
		       (unsigned long long)sweep_points(ss->s), sweep_points(ss->s) > 1 ? "s" : "",
		       (unsigned long long)sweep_seeds(ss->s), sweep_seeds(ss->s) > 1 ? "s" : "");
		if (sweep_target(ss->s))
			printf("target: %s\n", sweep_target(ss->s));
		printf("P(...): share of runs, Wilson 95%% interval in brackets\n\n");
		sweep_agg_table(agg, &out);
	}
	fflush(stdout);
	if (a->html && (rc = write_html(a->html, agg, missing)) != 0) {
		sweep_agg_free(agg);
		return rc;
	}
	if (isatty(STDERR_FILENO) && study_executed(st)) {
		double el = study_elapsed(st);

		fprintf(stderr, "sweep: %llu runs in %.1f s (%.1f runs/s); results in %s/\n",
			(unsigned long long)study_executed(st), el, el > 0 ? (double)study_executed(st) / el : 0.0,
			a->out);
	}
	rc = report_failed(agg, st) ? EXIT_CHECK : EXIT_OK;
	sweep_agg_free(agg);
	if (missing) {
		fprintf(stderr, "pfnlab: sweep: %llu of %llu runs have no row; 'pfnlab sweep %s --out %s --resume' completes them\n",
			(unsigned long long)missing, (unsigned long long)(sweep_runs(ss->s)), ss->path, a->out);
		rc = rc_run ? rc_run : EXIT_CHECK;
	}
	return rc;
}

static int dry_run(const struct study_spec *ss)
{
	printf("pfnlab sweep: %s (scenario %s): %llu runs, %llu points x %llu seeds\n", ss->path,
	       sweep_scenario_name(ss->s), (unsigned long long)sweep_runs(ss->s), (unsigned long long)sweep_points(ss->s),
	       (unsigned long long)sweep_seeds(ss->s));
	for (size_t i = 0; i < sweep_nparams(ss->s); i++) {
		size_t n = sweep_param_nvalues(ss->s, i);

		printf("param %s =", sweep_param_name(ss->s, i));
		for (size_t k = 0; k < n && k < 20; k++)
			printf("%s %s", k ? "," : "", sweep_param_value(ss->s, i, k));
		printf("%s  (%zu value%s)\n", n > 20 ? ", ..." : "", n, n > 1 ? "s" : "");
	}
	printf("failure:");
	for (size_t f = 0; f < sweep_nfailures(ss->s); f++)
		printf(" %s", sweep_failure(ss->s, f));
	printf("\n");
	if (sweep_target(ss->s))
		printf("target: %s\n", sweep_target(ss->s));
	return EXIT_OK;
}

/* pfnlab sweep merge DIR... --out DIR */
static int merge(const struct sweep_args *a, const char **dirs, int ndirs)
{
	struct study_spec ss;
	struct study_opts o = {0};
	struct study *st = NULL;
	int rc;

	if (!ndirs)
		return cli_error("sweep merge: which directories? (pfnlab sweep merge DIR... --out DIR)");
	if (!a->out)
		return cli_error("sweep merge: --out DIR is required");
	rc = study_spec_load_dir(dirs[0], &ss);
	if (!rc)
		rc = study_spec_finish(&ss);
	if (rc) {
		study_spec_free(&ss);
		return rc;
	}
	o.dir = a->out;
	o.resume = true;
	o.quiet_resume = true;
	rc = study_open(&ss, &o, &st);
	for (int i = 0; !rc && i < ndirs; i++) {
		uint64_t rows;

		rc = study_import(st, dirs[i], &rows);
	}
	if (!rc)
		rc = conclude(st, &ss, a, 0);
	study_close(st);
	study_spec_free(&ss);
	return rc;
}

static int run(int argc, char **argv)
{
	struct sweep_args a = {.format = "text"};
	struct study_spec ss;
	struct study_opts o = {0};
	struct study *st = NULL;
	char out[PATH_MAX];
	int rank = 0, size = 1, rc, ndirs = 0;
	const char **dirs = calloc((size_t)argc, sizeof(*dirs));

	if (!dirs)
		return cli_error("out of memory"), EXIT_RESOURCE;
	rc = parse_args(argc, argv, &a, dirs, argc, &ndirs);
	if (!rc && a.merge)
		rc = merge(&a, dirs, ndirs);
	free(dirs);
	if (rc || a.merge)
		return rc;
	if (!a.spec)
		return cli_error("sweep: which spec? (pfnlab sweep SPEC; docs/sweep.md)");
	if (a.slice_n && a.engine == ENGINE_SLURM)
		return cli_error("sweep: --slice runs one slice; --engine slurm makes the slices");
	if (a.engine == ENGINE_MPI && !study_mpi_env(&rank, &size))
		return study_mpirun(argc, argv, a.jobs_set ? a.jobs : study_cpus());
	rc = study_spec_load(a.spec, &ss);
	if (!rc)
		rc = study_spec_finish(&ss);
	if (rc) {
		study_spec_free(&ss);
		return rc;
	}
	if (!a.out) {
		default_out(ss.path, out, sizeof(out));
		a.out = out;
	}
	if (a.dry_run) {
		rc = dry_run(&ss);
	} else if (a.engine == ENGINE_SLURM) {
		rc = study_slurm(&ss, a.out, a.slices, a.jobs_set ? a.jobs : 0);
	} else {
		o.dir = a.out;
		o.jobs = a.jobs_set ? a.jobs : a.engine == ENGINE_MPI ? 1 : study_cpus();
		o.mpi = a.engine == ENGINE_MPI;
		o.progress = !a.no_progress && isatty(STDERR_FILENO) && rank == 0;
		o.resume = a.resume;
		o.slice_i = a.slice_i;
		o.slice_n = a.slice_n;
		rc = study_open(&ss, &o, &st);
		if (!rc && st) {
			int rr = study_run_all(st);

			if (rr >= 128) {
				struct sweep_agg *agg = NULL;

				study_finish(st, &agg); /* summary.json of the rows there are */
				sweep_agg_free(agg);
				fprintf(stderr, "pfnlab: sweep: interrupted (%s) with %llu of %llu runs done; 'pfnlab sweep %s --out %s --resume' completes them\n",
					strsignal(rr - 128), (unsigned long long)(sweep_runs(ss.s) - study_missing(st)),
					(unsigned long long)sweep_runs(ss.s), ss.path, a.out);
				rc = rr;
			} else {
				rc = rr ? rr : conclude(st, &ss, &a, 0);
			}
		}
		study_close(st);
	}
	study_spec_free(&ss);
	if (a.engine == ENGINE_MPI)
		study_mpi_status(rc);
	return rc;
}

static const struct cli_section sections[] = {{"Options", NULL, opts}, {NULL, NULL, NULL}};

const struct command cmd_sweep = {
	.name = "sweep",
	.summary = "run a scenario over parameter values and seeds; statistics per point",
	.synopsis = "SPEC [-j N] [--out DIR] [--resume] [--engine local|mpi|slurm] [--html FILE] [--format text|json] "
		    "[--slice I/N] [--slices N] [--no-progress] [--dry-run]\n"
		    "merge DIR... --out DIR [--html FILE] [--format text|json]",
	.description =
		"SPEC is a scenario with 'param NAME = VALUES' lines (docs/sweep.md):\n"
		"    param cma    = 2..10 step 2            ${cma} in the scenario\n"
		"    param kvm.cma_ratio = 2, 3, 5, 8       key cma_ratio of the kvm line\n"
		"    param policy = none, migrate-movable   the run's pin policy\n"
		"    param seed   = 1..100                  the run's seed\n"
		"or 'scenario FILE|NAME' with param lines only.  Every combination of values and\n"
		"seeds is one run; each run's JSON (the keys of 'pfnlab run --format json') becomes\n"
		"a row of DIR/results.jsonl and DIR/results.csv as it arrives.  DIR/summary.json and\n"
		"the printed table give per parameter point the mean, p50, p95, p99 of every metric\n"
		"and the probability of each failure metric being above zero with a Wilson 95%\n"
		"interval.\n",
	.sections = sections,
	.operands = "<file>",
	.notes = "Rows are byte-identical whatever the engine and worker count; when every run has its\n"
		 "row, results.jsonl and results.csv are rewritten in run-id order.\n",
	.examples = "pfnlab sweep examples/kvm-cma-size.sweep -j 4 --out cma.out --html cma.html\n"
		    "pfnlab sweep spec.sweep --engine slurm --slices 32 --out big.out\n"
		    "pfnlab sweep merge big.out/slice-* --out big.out\n",
	.exit_check = "some runs did not complete (a scenario error or a crashed worker: rows with status error "
		      "or crashed; or runs lost with an MPI rank)",
	.exits = EXITS_USAGE | EXITS_RESOURCE | EXITS_INTERNAL | EXITS_BUSY | EXITS_SIGNAL,
	.run = run,
};
