/*
 * study_load.c - the spec of a study, loaded: a sweep spec file, a plain
 * scenario file (a spec without parameters) or a built-in scenario, and
 * the scenario a `scenario FILE|NAME` line names (relative to the spec);
 * or the copies an output directory keeps (DIR/spec.txt, scenario.txt),
 * for `pfnlab sweep merge`.  Before anything runs, the spec is checked
 * against its scenario (sweep_spec_finish()) and every point's scenario
 * is parsed, so a value the scenario language refuses is reported at its
 * line.  Also what a row holds: the run JSON's numeric keys (the metrics)
 * and every key (the CSV columns).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "study_internal.h"

/*
 * The JSON object of a run's result (the keys of `pfnlab run --format
 * json`, without the story) rendered into @b; *@obj, *@len point into it.
 * Return: 0 or -ENOMEM.
 */
int study_run_json(const struct scn_result *r, struct sweep_buf *b, const char **obj, size_t *len)
{
	struct pfnlab_sink sk;
	const char *lb, *rb;

	sweep_buf_sink(b, &sk);
	compare_report_json(r, 1, &sk);
	lb = b->p ? strchr(b->p, '[') : NULL;
	rb = b->p ? strrchr(b->p, ']') : NULL;
	if (!lb || !rb || rb < lb)
		return -ENOMEM;
	*obj = lb + 1;
	*len = (size_t)(rb - lb - 1);
	return 0;
}

/* The keys of a run's JSON: an empty result rendered, flattened into @kv (256 leaves). */
static int run_json_keys(struct sweep_kv *kv, size_t *n)
{
	struct scn_result r;
	struct sweep_buf b = {0};
	const char *obj;
	size_t len;
	int rc;

	memset(&r, 0, sizeof(r));
	*n = 0;
	rc = study_run_json(&r, &b, &obj, &len);
	if (!rc && sweep_json_flat(obj, len, kv, 256, n))
		rc = -ENOMEM;
	sweep_buf_free(&b);
	return rc;
}

/* The metrics: the numeric keys of a run's JSON but the seed; the row's own first columns. */
static int run_keys(struct study_spec *ss)
{
	static const char *const row_keys[] = {"run", "point"};
	struct sweep_kv *kv = calloc(256, sizeof(*kv));
	size_t n = 0;
	int rc = -ENOMEM;

	if (!kv || run_json_keys(kv, &n))
		goto out;
	ss->metrics = calloc(n + 1, sizeof(char *));
	ss->cols = calloc(n + 16 + SWEEP_MAX_PARAMS, sizeof(char *));
	if (!ss->metrics || !ss->cols)
		goto out;
	for (size_t i = 0; i < 2; i++)
		if (!(ss->cols[ss->ncols++] = strdup(row_keys[i])))
			goto out;
	/* params.NAME columns come from the spec: added by study_spec_finish() */
	for (size_t i = 0; i < n; i++) {
		if (kv[i].is_num && strcmp(kv[i].key, "seed"))
			if (!(ss->metrics[ss->nmetrics++] = strdup(kv[i].key)))
				goto out;
	}
	rc = 0;
out:
	free(kv);
	return rc;
}

/* The CSV columns: run, point, params.NAME..., status, every key of a run's JSON, exit, signal, error. */
static int finish_cols(struct study_spec *ss)
{
	struct sweep_kv *kv = calloc(256, sizeof(*kv));
	size_t n = 0;
	char name[80];

	if (!kv)
		return -ENOMEM;
	for (size_t i = 2; i < ss->ncols; i++)
		free(ss->cols[i]);
	ss->ncols = 2;
	for (size_t i = 0; i < sweep_nparams(ss->s); i++) {
		if (sweep_param_kind(ss->s, i) == SWEEP_SEED)
			continue;
		snprintf(name, sizeof(name), "params.%s", sweep_param_name(ss->s, i));
		if (!(ss->cols[ss->ncols++] = strdup(name)))
			goto fail;
	}
	if (!(ss->cols[ss->ncols++] = strdup("status")))
		goto fail;
	if (run_json_keys(kv, &n))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (!(ss->cols[ss->ncols++] = strdup(kv[i].key)))
			goto fail;
	if (!(ss->cols[ss->ncols++] = strdup("exit")) || !(ss->cols[ss->ncols++] = strdup("signal")) ||
	    !(ss->cols[ss->ncols++] = strdup("error")))
		goto fail;
	free(kv);
	return 0;
fail:
	free(kv);
	return -ENOMEM;
}

/* The exit code of a failed step: out of memory 3; else @err printed, 2.  0 when @rc is. */
static int spec_exit(int rc, const char *err)
{
	if (rc == -ENOMEM) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	return rc ? cli_error("%s", err) : 0;
}

/* The directory part of @path ("." if none). */
static void dir_of(const char *path, char *dir, size_t len)
{
	const char *sl = strrchr(path, '/');

	if (!sl)
		snprintf(dir, len, ".");
	else
		snprintf(dir, len, "%.*s", (int)(sl - path == 0 ? 1 : sl - path), path);
}

static int load_common(const char *name, const char *text, size_t len, struct study_spec *ss)
{
	char err[1024];
	int rc;

	if (memchr(text, 0, len))
		return cli_error("%s: not a text file (it contains NUL bytes)", name);
	rc = sweep_spec_parse(name, text, len, &ss->s, err, sizeof(err));
	if (rc)
		return spec_exit(rc, err);
	return spec_exit(run_keys(ss), NULL);
}

static int bind_scenario(struct study_spec *ss, const char *name, const char *text, size_t len)
{
	char err[1024];

	return spec_exit(sweep_spec_set_scenario(ss->s, name, text, len, err, sizeof(err)), err);
}

int study_spec_load(const char *arg, struct study_spec *ss)
{
	const struct scn_builtin *b = scn_builtin(arg);
	const char *ref;
	int e = 0, rc, line;

	memset(ss, 0, sizeof(*ss));
	if (b && access(arg, F_OK)) {
		snprintf(ss->path, sizeof(ss->path), "builtin:%s", b->name);
		ss->spec_len = strlen(b->text);
		ss->spec_text = strdup(b->text);
		if (!ss->spec_text)
			return cli_error("out of memory"), EXIT_RESOURCE;
	} else {
		snprintf(ss->path, sizeof(ss->path), "%s", arg);
		ss->spec_text = study_read_file(arg, &ss->spec_len, &e);
		if (!ss->spec_text)
			return cli_error("%s: %s%s", arg, e == EFBIG ? "larger than 64 MiB" : strerror(e),
					 e == ENOENT ? " (and no built-in scenario of that name; see 'pfnlab run --list')" : "");
	}
	rc = load_common(ss->path, ss->spec_text, ss->spec_len, ss);
	if (rc)
		return rc;
	ref = sweep_spec_scenario_ref(ss->s, &line);
	if (ref) {
		char dir[PATH_MAX], path[PATH_MAX * 2], name[PATH_MAX * 2];
		const struct scn_builtin *rb = NULL;

		dir_of(arg, dir, sizeof(dir));
		if (!strncmp(ref, "builtin:", 8))
			rb = scn_builtin(ref + 8);
		if (ref[0] == '/' || !strcmp(dir, "."))
			snprintf(path, sizeof(path), "%s", ref);
		else
			snprintf(path, sizeof(path), "%s/%s", dir, ref);
		if (!rb && access(path, F_OK))
			rb = scn_builtin(ref);
		if (rb) {
			snprintf(name, sizeof(name), "builtin:%s", rb->name);
			ss->scn_len = strlen(rb->text);
			ss->scn_text = strdup(rb->text);
			if (!ss->scn_text)
				return cli_error("out of memory"), EXIT_RESOURCE;
		} else {
			snprintf(name, sizeof(name), "%s", path);
			ss->scn_text = study_read_file(path, &ss->scn_len, &e);
			if (!ss->scn_text)
				return cli_error("%s:%d: scenario %s: %s", ss->path, line, path,
						 e == EFBIG ? "larger than 64 MiB" : strerror(e));
			if (memchr(ss->scn_text, 0, ss->scn_len))
				return cli_error("%s: not a text file (it contains NUL bytes)", path);
		}
		return bind_scenario(ss, name, ss->scn_text, ss->scn_len);
	}
	return 0;
}

int study_spec_load_dir(const char *dir, struct study_spec *ss)
{
	struct sweep_kv kv[32];
	const char *spec, *scn;
	size_t n;
	int e, rc;

	memset(ss, 0, sizeof(*ss));
	rc = study_dir_meta(dir, kv, 32, &n);
	if (rc)
		return cli_error("%s: no sweep here (%s/sweep.json: %s)", dir, dir,
				 rc == -EINVAL || rc == -E2BIG ? "not a sweep description" : strerror(-rc));
	spec = study_meta_str(kv, n, "spec");
	scn = study_meta_str(kv, n, "scenario");
	if (!spec || !scn)
		return cli_error("%s/sweep.json: no \"spec\" or \"scenario\"", dir);
	snprintf(ss->path, sizeof(ss->path), "%s", spec);
	ss->spec_text = study_dir_read(dir, "spec.txt", &ss->spec_len, &e);
	if (!ss->spec_text)
		return cli_error("%s/spec.txt: %s", dir, strerror(e));
	rc = load_common(ss->path, ss->spec_text, ss->spec_len, ss);
	if (rc)
		return rc;
	if (sweep_spec_scenario_ref(ss->s, NULL)) {
		ss->scn_text = study_dir_read(dir, "scenario.txt", &ss->scn_len, &e);
		if (!ss->scn_text)
			return cli_error("%s/scenario.txt: %s", dir, strerror(e));
		return bind_scenario(ss, scn, ss->scn_text, ss->scn_len);
	}
	return 0;
}

int study_spec_finish(struct study_spec *ss)
{
	char err[1024];
	int rc = sweep_spec_finish(ss->s, (const char *const *)ss->metrics, ss->nmetrics, err, sizeof(err));

	if (rc)
		return spec_exit(rc, err);
	if (finish_cols(ss))
		return spec_exit(-ENOMEM, NULL);
	/* every point's scenario parses (its first seed; seeds change numbers only) */
	for (uint64_t p = 0; p < sweep_points(ss->s); p++) {
		struct scn_program *prog;
		uint64_t seed;
		bool seed_set;
		char *text;
		size_t len;
		int policy;

		if (sweep_run_text(ss->s, p * sweep_seeds(ss->s), &text, &len, &policy, &seed, &seed_set))
			return spec_exit(-ENOMEM, NULL);
		rc = scn_parse(sweep_scenario_name(ss->s), text, len, &prog, err, sizeof(err));
		free(text);
		if (rc)
			return spec_exit(rc, err);
		scn_free(prog);
	}
	return 0;
}

void study_spec_free(struct study_spec *ss)
{
	sweep_spec_free(ss->s);
	for (size_t i = 0; i < ss->nmetrics; i++)
		free(ss->metrics[i]);
	for (size_t i = 0; i < ss->ncols; i++)
		free(ss->cols[i]);
	free(ss->metrics);
	free(ss->cols);
	free(ss->spec_text);
	free(ss->scn_text);
	memset(ss, 0, sizeof(*ss));
}
