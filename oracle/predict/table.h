/*
 * table.h - the oracle's table (table.c) for main.c.
 */
#ifndef ORACLE_TABLE_H
#define ORACLE_TABLE_H

#include <stdio.h>

#include "predict.h"

/* the table goes to stdout and, with --out, a file */
struct out {
	FILE *fp[2];
};

struct tally {
	int agree, disagree, known, missing, not_modelled, not_reached;
};

int load_known(const char *path);
void emit(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int do_run(const char *dir, struct out *o, struct tally *t, bool partial, bool verbose);
void known_notes(struct out *o);

#endif
