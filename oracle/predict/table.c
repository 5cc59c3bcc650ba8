/*
 * table.c - the oracle's table: for one kernel's run directory, load each
 * experiment's results, replay it on pfnlab (where the model can), derive
 * the kernel's facts from its trace and log, and print one row per
 * quantity with the verdict.
 *
 * Agreement: outcomes (success/failure, errno, zero/non-zero pages in CMA,
 * trace event order, how the experiment ended) must be equal; counts
 * within 10% of the kernel's (equal text, "none" and "none", agrees); a PFN
 * within 10% of the area's size.  Rows of pfnlab's answers given inside the
 * guest (K_GUEST) are judged only for runs whose guest had pfnlab.  Rows of
 * an experiment pfnlab does not model yet are shown with pfnlab "n/m", not
 * judged.  When the kernel ended an experiment early (an OOM kill or a
 * panic), the rows it never reached are "not reached", not missing, and so
 * are the answers the guest's pfnlab would have given after that point.
 *
 * Known disagreements (--known FILE): "KERNEL-GLOB [SIZE-GLOB/]EXP.ROW
 * REASON" per line; a listed row that disagrees, or that pfnlab's run
 * ended before, does not fail the check, a listed row that agrees again is
 * flagged for deletion.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

static const struct experiment *const experiments[] = {
	&exp_borrow, &exp_pin, &exp_busy, &exp_migrate, &exp_busy_shmem, &exp_pagecache,
	&exp_pagecache_mmap, &exp_pagecache_dirty, &exp_pressure, &exp_compaction, &exp_pin_hugetlb,
};
#define NEXP (sizeof(experiments) / sizeof(experiments[0]))

/* Every experiment's first rows: how it ended. */
static const struct row outcome_rows[] = {
	{"outcome", "how the experiment ended", "outcome", "outcome", K_OUTCOME},
	{"outcome.detail", "OOM victim / panic message", "outcome.detail", "-", K_INFO},
};

struct known {
	char kernel[64], size[192], id[192], why[256];
	bool agreed, disagreed; /* it matched an agreeing row, a disagreeing one */
};

static struct known known[256];
static size_t nknown;

/*
 * Read the known disagreements of @path; 0, or -1 with "FILE:LINE: what is
 * wrong" on stderr (a file that cannot be read, a line too long, without a
 * reason, or beyond the table's room: none is dropped in silence)
 */
int load_known(const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[512];
	int lineno = 0, err = 0;

	if (!fp) {
		fprintf(stderr, "predict: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (!err && fgets(line, sizeof(line), fp)) {
		struct known *k = &known[nknown];
		char id[192], *slash;
		int off = 0;

		lineno++;
		if (!strchr(line, '\n') && !feof(fp)) {
			fprintf(stderr, "predict: %s:%d: line longer than %zu bytes\n", path, lineno, sizeof(line) - 2);
			err = 1;
			continue;
		}
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%63s %191s %n", k->kernel, id, &off) < 2 || !line[off]) {
			fprintf(stderr, "predict: %s:%d: not KERNEL-GLOB [SIZE-GLOB/]EXP.ROW REASON\n", path, lineno);
			err = 1;
			continue;
		}
		if (nknown + 1 == sizeof(known) / sizeof(known[0])) {
			fprintf(stderr, "predict: %s:%d: more than %zu known disagreements\n", path, lineno,
				sizeof(known) / sizeof(known[0]) - 1);
			err = 1;
			continue;
		}
		slash = strchr(id, '/');
		snprintf(k->size, sizeof(k->size), "%.*s", slash ? (int)(slash - id) : 1, slash ? id : "*");
		snprintf(k->id, sizeof(k->id), "%s", slash ? slash + 1 : id);
		snprintf(k->why, sizeof(k->why), "%s", line + off);
		nknown++;
	}
	if (!err && ferror(fp)) {
		fprintf(stderr, "predict: %s: %s\n", path, strerror(errno));
		err = 1;
	}
	fclose(fp);
	return err ? -1 : 0;
}

static struct known *find_known(const char *kernel, const char *size, const char *id)
{
	for (size_t i = 0; i < nknown; i++)
		if (!fnmatch(known[i].kernel, kernel, 0) && !fnmatch(known[i].size, size, 0) && !strcmp(known[i].id, id))
			return &known[i];
	return NULL;
}

void emit(struct out *o, const char *fmt, ...)
{
	for (int i = 0; i < 2; i++) {
		va_list ap;

		if (!o->fp[i])
			continue;
		va_start(ap, fmt);
		vfprintf(o->fp[i], fmt, ap);
		va_end(ap);
	}
}

static bool within(long long k, long long p, long long tol)
{
	long long d = k > p ? k - p : p - k;

	return d <= tol;
}

/* "agree", "DISAGREE", "info", "missing" */
static const char *judge(const struct row *r, const char *kv, const char *pv, const char *kernel,
			 long long area, long long base, char *detail, size_t dlen)
{
	long long k, p;
	char *e1, *e2;

	detail[0] = 0;
	if (r->kind == K_INFO)
		return "info";
	if (r->kind == K_TEXT61 && strncmp(kernel, "6.1.", 4))
		return "info";
	if (!kv || !pv || !*kv || !*pv)
		return "missing";
	switch (r->kind) {
	case K_OUTCOME:
	case K_TEXT61:
		return strcmp(kv, pv) ? "DISAGREE" : "agree";
	case K_ZERO:
	case K_COUNT:
	case K_PFN:
		k = strtoll(kv, &e1, 0);
		p = strtoll(pv, &e2, 0);
		if (*e1 || *e2)	/* not numbers: only the same text ("none" and "none") agrees */
			return strcmp(kv, pv) ? "DISAGREE" : "agree";
		if (r->kind == K_ZERO)
			return (k == 0) == (p == 0) ? "agree" : "DISAGREE";
		if (r->kind == K_PFN) {
			snprintf(detail, dlen, "offset %lld vs %lld of %lld", k - base, p - base, area);
			return within(k, p, area / 10) ? "agree" : "DISAGREE";
		}
		if (k)
			snprintf(detail, dlen, "%+.1f%%", 100.0 * (double)(p - k) / (double)k);
		if ((k == 0) != (p == 0))
			return "DISAGREE";
		return within(k, p, k / 10) ? "agree" : "DISAGREE";
	default:
		return "info";
	}
}

static const char *rule_name(enum kind k)
{
	switch (k) {
	case K_OUTCOME:
		return "exact";
	case K_ZERO:
		return "0/non-0";
	case K_COUNT:
		return "10%";
	case K_PFN:
		return "10% area";
	case K_TEXT61:
		return "exact 6.1";
	default:
		return "-";
	}
}

/* One row of experiment @e: judge, count, print. */
static void print_row(struct out *o, struct tally *t, const struct experiment *e, const struct row *row,
		      const struct facts *k, const struct facts *p, const char *kernel, const char *size,
		      long long area, long long base)
{
	struct row plain = *row;
	const struct row *r = &plain;
	const char *kv = get(k, r->kkey), *pv, *v, *ko = get(k, "outcome"), *in_guest = get(k, "pfnlab.in_guest");
	/* pfnlab's answers from inside the guest: only runs whose guest had pfnlab */
	bool ran = !(row->kind & K_GUEST) || (in_guest && !strcmp(in_guest, "yes"));
	/* data rows need page contents: not checked under --no-data */
	bool modelled;
	char detail[96], id[160], kcell[512], pcell[512];
	struct known *kn;

	plain.kind = (enum kind)(row->kind & ~K_GUEST);
	modelled = e->model && strcmp(r->pkey, "-") && (opt_data || r->kind != K_ZERO) && ran;

	pv = modelled ? get(p, r->pkey) : NULL;
	v = modelled ? judge(r, kv, pv, kernel, area, base, detail, sizeof(detail)) : "info";
	if (!modelled)
		detail[0] = 0;
	snprintf(id, sizeof(id), "%s.%s", e->name, r->id);
	kn = find_known(kernel, size, id);
	/*
	 * the kernel ended the experiment before this: no value of its own, or
	 * none from the guest's pfnlab, which the end stopped too
	 */
	if ((!kv || ((row->kind & K_GUEST) && modelled && !pv)) && ko && strcmp(ko, "completed") &&
	    r->kind != K_INFO && ran) {
		v = "not reached";
		t->not_reached++;
	} else if (!strcmp(v, "agree")) {
		t->agree++;
		if (kn) {
			kn->agreed = true;
			v = "agree (listed as known)";
		}
	} else if (!strcmp(v, "DISAGREE")) {
		if (kn) {
			kn->disagreed = true;
			t->known++;
			v = "known disagreement";
		} else {
			t->disagree++;
		}
	} else if (!strcmp(v, "missing")) {
		if (kn) { /* pfnlab's run ended before the row: listed, it is a known disagreement */
			kn->disagreed = true;
			t->known++;
			v = "known disagreement (pfnlab: none)";
		} else {
			t->missing++;
		}
	} else if (!e->model && strcmp(r->pkey, "-")) {
		t->not_modelled++;
	}
	snprintf(kcell, sizeof(kcell), "%s", kv ? kv : "-");
	snprintf(pcell, sizeof(pcell), "%s",
		 pv ? pv : modelled ? "-" : !ran ? "not in guest" : e->model && r->kind == K_ZERO ? "not checked" : "n/m");
	if (strlen(kcell) > 26 || strlen(pcell) > 26) {
		emit(o, "%-15s %-50s %-26s %-26s %-9s %s\n", e->name, r->label, "(below)", "(below)",
		     rule_name(modelled ? r->kind : K_INFO), v);
		emit(o, "                kernel: %s\n                pfnlab: %s\n", kcell, pcell);
	} else {
		emit(o, "%-15s %-50s %-26s %-26s %-9s %s%s%s%s\n", e->name, r->label, kcell, pcell,
		     rule_name(modelled ? r->kind : K_INFO), v, detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
	}
	if (kn && !strcmp(v, "known disagreement"))
		emit(o, "                known: %s\n", kn->why);
}

/* One kernel's run directory (one size): load, predict, print its table.  0, or 2 when a run is incomplete. */
int do_run(const char *dir, struct out *o, struct tally *t, bool partial, bool verbose)
{
	struct facts k[NEXP] = {{0}}, p[NEXP] = {{0}};
	const char *kernel = NULL, *area_name = "?", *size = "default";
	bool ran[NEXP] = {false};
	long long area = 0, base = 0, ram = 0, cmamib = 0, fm = 0, rm = 0, bm = 0, n = 0;
	int bad = 0;

	for (size_t e = 0; e < NEXP; e++) {
		const char *end;
		char path[4096];
		int err;

		snprintf(path, sizeof(path), "%s/%s.txt", dir, experiments[e]->name);
		err = facts_load(&k[e], path);
		if (err == -ENOENT && partial)
			continue;
		if (err) {
			fprintf(stderr, "predict: %s: %s\n", path, strerror(-err));
			bad = 1;
			continue;
		}
		end = get(&k[e], "end");
		if (!end || (strcmp(end, "ok") && strcmp(end, "panic"))) {
			fprintf(stderr, "predict: %s: incomplete run (no \"RESULT end ok\"%s%s)\n", path,
				get(&k[e], "error") ? "; guest error: " : "",
				get(&k[e], "error") ? get(&k[e], "error") : "");
			bad = 1;
			continue;
		}
		if (experiments[e]->model) {
			if (experiments[e]->model(&k[e], &p[e])) {
				fprintf(stderr, "predict: %s: the model run failed\n", path);
				bad = 1;
				continue;
			}
		}
		derive_common(&k[e]);
		derive_common(&p[e]); /* a model that ended in an OOM kill said so */
		if (experiments[e]->derive)
			experiments[e]->derive(&k[e], &p[e]);
		ran[e] = true;
		if (!kernel)
			kernel = get(&k[e], "kernel.release");
	}
	if (bad || !kernel) {
		for (size_t e = 0; e < NEXP; e++) {
			facts_free(&k[e]);
			facts_free(&p[e]);
		}
		t->missing++;
		return 2;
	}
	for (size_t e = NEXP; e-- > 0;) {
		if (!ran[e])
			continue;
		num(&k[e], "cma.count", &area);
		num(&k[e], "cma.base_pfn", &base);
		num(&k[e], "host.ram_mib", &ram);
		num(&k[e], "host.cma_mib", &cmamib);
		num(&k[e], "param.f_mib", &fm);
		num(&k[e], "param.r_mib", &rm);
		num(&k[e], "param.b_mib", &bm);
		num(&k[e], "param.n", &n);
		if (get(&k[e], "cma.name"))
			area_name = get(&k[e], "cma.name");
		if (get(&k[e], "host.size"))
			size = get(&k[e], "host.size");
	}
	emit(o, "\nkernel %s, size %s: guest %lld MiB, cma=%lldM (area %s, %lld pages at PFN 0x%llx), F=%lld MiB, R=%lld MiB, B=%lld MiB, N=%lld held pages\n",
	     kernel, size, ram, cmamib, area_name, area, base, fm, rm, bm, n);
	{
		const char *cal = NULL;

		for (size_t e = 0; e < NEXP && !cal; e++)
			cal = get(&p[e], "calibration.pages");
		emit(o, "pfnlab: x86_64 preset, era current (v6.1), cma rule 5.7, pin policy migrate-movable, pcp %s, THP off;"
			" free pages at start set to the guest's (%s pages taken as kernel memory)\n",
		     opt_pcp ? "on" : "off", cal ? cal : "?");
	}
	emit(o, "%-15s %-50s %-26s %-26s %-9s %s\n", "exp", "quantity", "kernel", "pfnlab", "rule", "verdict");
	for (size_t e = 0; e < NEXP; e++) {
		const char *ko;
		long long eb = base;	/* the area of this boot (a bigger initramfs puts it lower) */

		if (!ran[e])
			continue;
		num(&k[e], "cma.base_pfn", &eb);
		ko = get(&k[e], "outcome");
		for (size_t i = 0; i < sizeof(outcome_rows) / sizeof(outcome_rows[0]); i++)
			if (i == 0 || strcmp(ko, "completed"))
				print_row(o, t, experiments[e], &outcome_rows[i], &k[e], &p[e], kernel, size, area, eb);
		for (size_t i = 0; i < experiments[e]->nrows; i++)
			print_row(o, t, experiments[e], &experiments[e]->rows[i], &k[e], &p[e], kernel, size, area, eb);
	}
	if (verbose) {
		for (size_t e = 0; e < NEXP; e++)
			for (size_t i = 0; i < p[e].n; i++)
				fprintf(stderr, "pfnlab %s %s %s\n", experiments[e]->name, p[e].f[i].key, p[e].f[i].val);
	}
	for (size_t e = 0; e < NEXP; e++) {
		facts_free(&k[e]);
		facts_free(&p[e]);
	}
	return 0;
}

/*
 * The known disagreements listed but agreeing on every row they matched;
 * one that also matched a disagreement (a count that agrees by chance on
 * one kernel, say) still has work to do
 */
void known_notes(struct out *o)
{
	for (size_t i = 0; i < nknown; i++)
		if (known[i].agreed && !known[i].disagreed)
			emit(o, "note: %s %s/%s is listed in the known disagreements but now agrees; delete that line\n",
			     known[i].kernel, known[i].size, known[i].id);
}
