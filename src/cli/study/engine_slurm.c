/*
 * engine_slurm.c - the Slurm engine (docs/sweep.md): nothing runs here.
 * `pfnlab sweep SPEC --engine slurm --slices N -j C --out DIR` writes
 * DIR/sweep.sbatch, a job array of N tasks with C CPUs each; task I runs
 * `pfnlab sweep SPEC --slice I/N --out DIR/slice-I --resume` (so a
 * requeued task finishes its slice) on the local engine.  Then `pfnlab
 * sweep merge DIR/slice-* --out DIR` (study_files.c) combines the slices
 * into the files a local sweep gives.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "study_internal.h"

int study_slurm(const struct study_spec *ss, const char *out, uint64_t slices, unsigned jobs)
{
	char self[PATH_MAX], dir[PATH_MAX], spec[PATH_MAX], path[PATH_MAX + 32];
	struct sweep_buf b = {0};
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int rc;

	if (!slices)
		slices = 16;
	if (!jobs)
		jobs = 1;
	if (slices > sweep_runs(ss->s))
		slices = sweep_runs(ss->s);
	if (sl <= 0)
		return cli_error("--engine slurm: cannot find this program (/proc/self/exe)");
	self[sl] = 0;
	if (mkdir(out, 0755) && errno != EEXIST)
		return cli_error("--out %s: %s", out, strerror(errno));
	if (!realpath(out, dir))
		return cli_error("--out %s: %s", out, strerror(errno));
	if (!strncmp(ss->path, "builtin:", 8))
		snprintf(spec, sizeof(spec), "%s", ss->path + 8);
	else if (!realpath(ss->path, spec))
		return cli_error("%s: %s", ss->path, strerror(errno));
	sweep_buf_printf(&b,
			 "#!/bin/bash\n"
			 "# pfnlab sweep %s: %llu runs in %llu slices, one Slurm array task each\n"
			 "# (task I runs the runs whose id %% %llu == I into %s/slice-I; --resume\n"
			 "# makes a requeued task finish its slice).  Submit, then merge:\n"
			 "#   jid=$(sbatch --parsable %s/sweep.sbatch)\n"
			 "#   sbatch --dependency=afterany:$jid --wrap '%s sweep merge %s/slice-* --out %s'\n"
			 "#SBATCH --job-name=pfnlab-sweep\n"
			 "#SBATCH --array=0-%llu\n"
			 "#SBATCH --cpus-per-task=%u\n"
			 "#SBATCH --output=%s/slurm-%%A_%%a.out\n"
			 "set -eu\n"
			 "PFNLAB=${PFNLAB:-%s}\n"
			 "exec \"$PFNLAB\" sweep '%s' --slice \"$SLURM_ARRAY_TASK_ID/%llu\" --out \"%s/slice-$SLURM_ARRAY_TASK_ID\" \\\n"
			 "    -j \"${SLURM_CPUS_PER_TASK:-%u}\" --resume --no-progress\n",
			 ss->path, (unsigned long long)sweep_runs(ss->s), (unsigned long long)slices,
			 (unsigned long long)slices, dir, dir, self, dir, dir, (unsigned long long)(slices - 1), jobs, dir,
			 self, spec, (unsigned long long)slices, dir, jobs);
	snprintf(path, sizeof(path), "%s/sweep.sbatch", dir);
	rc = b.failed ? (cli_error("out of memory"), EXIT_RESOURCE) : study_dir_write(dir, "sweep.sbatch", b.p, b.n, true);
	sweep_buf_free(&b);
	if (rc)
		return rc;
	printf("sweep: %s: %llu runs in %llu array tasks of %u CPU%s\n"
	       "  jid=$(sbatch --parsable %s)\n"
	       "  sbatch --dependency=afterany:$jid --wrap '%s sweep merge %s/slice-* --out %s'\n",
	       path, (unsigned long long)sweep_runs(ss->s), (unsigned long long)slices, jobs, jobs > 1 ? "s" : "", path,
	       self, dir, dir);
	return EXIT_OK;
}
