/*
 * scn_cli.h - what `pfnlab run`, `pfnlab compare` and `pfnlab bench` share
 * about scenarios: finding and parsing one (a file or a built-in), and
 * turning a run's error into a message and an exit code.
 */
#ifndef PFNLAB_SCN_CLI_H
#define PFNLAB_SCN_CLI_H

#include "cli.h"
#include "scenario.h"

/*
 * Parse FILE, or the built-in scenario NAME when no such file exists, or
 * "seed" when @arg is NULL.  On error prints it and returns the exit code.
 */
int scn_load(const char *arg, struct scn_program **p);

/* Print a failed run's error; returns the exit code for scn_run()'s @err. */
int scn_fail(int err, const struct scn_result *r);

/* Write the HTML report of @n runs to @path whole or not at all; returns an exit code. */
int scn_write_html(const char *path, const struct scn_result *r, size_t n);

/* @o set for a run on this host: its memory limit, and the progress line @prog when @progress. */
void scn_opts_host(struct scn_opts *o, struct progress *prog, bool progress);

/* Options run and compare both take (keys of their tables): --seed N, --max-steps N. */
enum { SO_SEED = KEYS_SCN, SO_MAX_STEPS };
/* The option cli_next() returned (SO_*); 0 or EXIT_USAGE after the message. */
int scn_opt(struct scn_opts *o, const struct cli_args *a);

#endif
