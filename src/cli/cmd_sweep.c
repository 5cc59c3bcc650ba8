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
	bool jobs_set, resume, no_progress, dry_run;
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

static int parse_args(int argc, char **argv, struct sweep_args *a, bool merge)
{
	for (int i = 1 + merge; i < argc; i++) {
		const char *o = argv[i], *v = NULL;
		unsigned long long n;

		if (!strcmp(o, "--resume")) {
			a->resume = true;
			continue;
		}
		if (!strcmp(o, "--no-progress")) {
			a->no_progress = true;
			continue;
		}
		if (!strcmp(o, "--dry-run")) {
			a->dry_run = true;
			continue;
		}
		if (!strncmp(o, "-j", 2) && o[2]) {
			v = o + 2;
			o = "-j";
		} else if (!strcmp(o, "-j") || !strcmp(o, "--jobs") || !strcmp(o, "--out") || !strcmp(o, "--html") ||
			   !strcmp(o, "--engine") || !strcmp(o, "--slice") || !strcmp(o, "--slices") ||
			   !strcmp(o, "--format")) {
			if (i + 1 >= argc)
				return cli_error("sweep: %s needs a value", o);
			v = argv[++i];
		} else if (o[0] == '-' && o[1]) {
			return cli_error("sweep: unknown option '%s' (try 'pfnlab sweep --help')", o);
		} else if (merge) {
			continue; /* a directory: read by the caller */
		} else if (a->spec) {
			return cli_error("sweep: one spec at a time ('%s' and '%s')", a->spec, o);
		} else {
			a->spec = o;
			continue;
		}
		if (!strcmp(o, "-j") || !strcmp(o, "--jobs")) {
			if (parse_uint(v, 1, 4096, &n))
				return cli_error("sweep: -j: '%s' is not a worker count (1..4096)", v);
			a->jobs = (unsigned)n;
			a->jobs_set = true;
		} else if (!strcmp(o, "--out")) {
			a->out = v;
		} else if (!strcmp(o, "--html")) {
			a->html = v;
		} else if (!strcmp(o, "--format")) {
			if (strcmp(v, "text") && strcmp(v, "json"))
				return cli_error("sweep: --format is text or json, not '%s'", v);
			a->format = v;
		} else if (!strcmp(o, "--engine")) {
			if (!strcmp(v, "local"))
				a->engine = ENGINE_LOCAL;
			else if (!strcmp(v, "mpi"))
				a->engine = ENGINE_MPI;
			else if (!strcmp(v, "slurm"))
				a->engine = ENGINE_SLURM;
			else
				return cli_error("sweep: --engine is local, mpi or slurm, not '%s'", v);
		} else if (!strcmp(o, "--slice")) {
			if (parse_slice(v, &a->slice_i, &a->slice_n))
				return cli_error("sweep: --slice: '%s' is not I/N with 0 <= I < N", v);
		} else {
			if (parse_uint(v, 1, 100000, &n))
				return cli_error("sweep: --slices: '%s' is not a count (1..100000)", v);
			a->slices = n;
		}
	}
	return 0;
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

static int merge(int argc, char **argv)
{
	struct sweep_args a = {.format = "text"};
	struct study_spec ss;
	struct study_opts o = {0};
	struct study *st = NULL;
	const char *first = NULL;
	int rc = parse_args(argc, argv, &a, true);

	if (rc)
		return rc;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--out") || !strcmp(argv[i], "--html") || !strcmp(argv[i], "--format")) {
			i++;
			continue;
		}
		if (argv[i][0] != '-') {
			first = argv[i];
			break;
		}
	}
	if (!first)
		return cli_error("sweep merge: which directories? (pfnlab sweep merge DIR... --out DIR)");
	if (!a.out)
		return cli_error("sweep merge: --out DIR is required");
	rc = study_spec_load_dir(first, &ss);
	if (!rc)
		rc = study_spec_finish(&ss);
	if (rc) {
		study_spec_free(&ss);
		return rc;
	}
	o.dir = a.out;
	o.resume = true;
	o.quiet_resume = true;
	rc = study_open(&ss, &o, &st);
	for (int i = 2; !rc && i < argc; i++) {
		uint64_t rows;

		if (!strcmp(argv[i], "--out") || !strcmp(argv[i], "--html") || !strcmp(argv[i], "--format")) {
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		rc = study_import(st, argv[i], &rows);
	}
	if (!rc)
		rc = conclude(st, &ss, &a, 0);
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
	int rank = 0, size = 1, rc;

	if (argc >= 2 && !strcmp(argv[1], "merge"))
		return merge(argc, argv);
	rc = parse_args(argc, argv, &a, false);
	if (rc)
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

const struct command cmd_sweep = {
	.name = "sweep",
	.summary = "run a scenario over parameter values and seeds; statistics per point",
	.run = run,
	.help =
		"usage: pfnlab sweep SPEC [-j N] [--out DIR] [--resume] [--engine local|mpi|slurm]\n"
		"                    [--html FILE] [--format text|json] [--slice I/N] [--slices N]\n"
		"                    [--no-progress] [--dry-run]\n"
		"       pfnlab sweep merge DIR... --out DIR [--html FILE] [--format text|json]\n\n"
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
		"interval.\n\n"
		"  -j N             concurrent runs (default: the number of CPUs; 1 per rank under MPI)\n"
		"  --out DIR        output directory (default: SPEC's name with .out)\n"
		"  --resume         keep DIR's rows and run only the missing runs (and crashed ones)\n"
		"  --engine local   forked worker processes on this machine (default)\n"
		"  --engine mpi     under 'mpirun -np N pfnlab sweep SPEC --engine mpi': rank 0 hands runs\n"
		"                   out over TCP and writes the files (DIR on a file system all nodes\n"
		"                   see); without mpirun around it, pfnlab starts 'mpirun -np N' itself\n"
		"                   (N from -j, default the CPUs; $PFNLAB_MPIRUN replaces 'mpirun')\n"
		"  --engine slurm   write DIR/sweep.sbatch, a job array whose tasks run --slice I/N each\n"
		"                   into DIR/slice-I; then 'pfnlab sweep merge DIR/slice-* --out DIR'\n"
		"  --slices N       array tasks for --engine slurm (default 16)\n"
		"  --slice I/N      only the runs whose id modulo N is I\n"
		"  --html FILE      one self-contained page: the table, failure probability against the\n"
		"                   swept parameter (a line per policy), a heatmap for two parameters\n"
		"  --format json    print summary.json instead of the table\n"
		"  --no-progress    no progress line (it is drawn only when stderr is a terminal)\n"
		"  --dry-run        check the spec and print its parameters and run count\n\n"
		"Rows are byte-identical whatever the engine and worker count; when every run has its\n"
		"row, results.jsonl and results.csv are rewritten in run-id order.\n\n"
		"Exit codes: 0 every run completed, 1 some runs did not complete (a scenario error or a\n"
		"crashed worker, rows with status error or crashed; or runs lost with an MPI rank),\n"
		"2 bad option or spec (file:line: message), 3 out of memory, 4 internal error,\n"
		"128+N interrupted by signal N (--resume completes the sweep).\n",
};
