/*
 * predict - pfnlab's side of the real-kernel oracle: replay each
 * experiment of recorded guest runs on the model and hold the two side by
 * side.
 *
 *   predict [-v] [--partial] [--no-data] [--known FILE] [--out FILE] [--pcp on|off] RUN_DIR...
 *
 * Each RUN_DIR (oracle/results/<release>/ for the default size,
 * oracle/results/<size>/<release>/ for others) holds the guest's output of
 * one boot per experiment, <experiment>.txt ("RESULT key value",
 * "TRACE phase event", "DMESG phase line"; oracle/guest/oracle_init.c).
 * For every experiment pfnlab models, predict builds a fresh x86_64
 * machine of the same RAM with the same CMA area (sim.c) and drives it
 * through the same steps with the same sizes (exp_*.c); the others are
 * shown with the kernel's numbers and pfnlab "n/m".  It prints one table
 * (and writes it to --out) and exits 0 only when every compared row agrees
 * or is listed in the known-disagreements file, 1 when one disagrees or is
 * missing, 2 when a run is incomplete or unreadable.  --partial compares
 * only the experiments whose files exist (oracle/run.sh with a subset of
 * EXPERIMENTS); --no-data replays without page contents (pfnlab's
 * metadata-only mode, several times faster) and leaves the data-mismatch
 * rows unchecked; -v prints every prediction and pfnlab's culprit report
 * of the busy experiment on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

static void usage(void)
{
	fprintf(stderr, "usage: predict [-v] [--partial] [--no-data] [--known FILE] [--out FILE] [--pcp on|off] RUN_DIR...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *outpath = NULL;
	struct out o = {{stdout, NULL}};
	struct tally t = {0};
	bool partial = false;
	int ndirs = 0, rc = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			opt_verbose = true;
		else if (!strcmp(argv[i], "--known") && i + 1 < argc) {
			if (load_known(argv[++i]))
				return 2;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			outpath = argv[++i];
		else if (!strcmp(argv[i], "--pcp") && i + 1 < argc)
			opt_pcp = !strcmp(argv[++i], "on");
		else if (!strcmp(argv[i], "--partial"))
			partial = true;
		else if (!strcmp(argv[i], "--no-data"))
			opt_data = false;
		else if (argv[i][0] == '-')
			usage();
		else
			argv[++ndirs] = argv[i]; /* the run directories, in order, from argv[1] */
	}
	if (!ndirs)
		usage();
	if (outpath && !(o.fp[1] = fopen(outpath, "w"))) {
		fprintf(stderr, "predict: %s: %s\n", outpath, strerror(errno));
		return 2;
	}
	emit(&o, "pfnlab oracle: real kernels against pfnlab %s (outcomes exact, counts within 10%%; n/m = not modelled yet)\n",
	     PFNLAB_VERSION);
	for (int i = 1; i <= ndirs; i++)
		if (do_run(argv[i], &o, &t, partial, opt_verbose))
			rc = 2;
	emit(&o, "\nsummary: %d agree, %d disagree, %d known disagreements, %d missing, %d not modelled yet, %d not reached\n",
	     t.agree, t.disagree, t.known, t.missing, t.not_modelled, t.not_reached);
	known_notes(&o);
	if (o.fp[1])
		fclose(o.fp[1]);
	if (rc)
		return rc;
	return t.disagree || t.missing ? 1 : 0;
}
