/*
 * fuzz_snapshot.c - libFuzzer target for snapshot import (src/input): the
 * input is buddyinfo, pagetypeinfo, zoneinfo and iomem separated by lines
 * "@@" (read as a live /proc would be: buddyinfo and pagetypeinfo may differ);
 * what parses is built (at most 64 MiB of model metadata), printed and
 * checked.  A crash, a sanitizer report, a machine the checker rejects or
 * one that does not print back its pagetypeinfo is a bug.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void discard(void *arg, const char *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
}

/* The next "\n@@\n" in [p, end), or NULL. */
static const char *separator(const char *p, const char *end)
{
	for (; end - p >= 4; p++)
		if (!memcmp(p, "\n@@\n", 4))
			return p;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot_files f = {{"buddyinfo", NULL, 0}, {"pagetypeinfo", NULL, 0}, {"zoneinfo", NULL, 0}, {"iomem", NULL, 0}};
	struct snapshot_text *parts[4] = {&f.buddyinfo, &f.pagetypeinfo, &f.zoneinfo, &f.iomem};
	struct pfnlab_snapshot_opts o = {.host_limit_bytes = 64u << 20, .thp = true};
	struct pfnlab_machine *m = NULL;
	struct pfnlab_sink s = {discard, NULL};
	struct snapshot *snap;
	const char *p = (const char *)data, *end = p + size;
	char why[512];

	if (size > 16384 || !(snap = malloc(sizeof(*snap))))
		return 0;
	for (int i = 0; i < 4 && p <= end; i++) {
		const char *sep = separator(p, end);
		const char *e = sep ? sep + 1 : end;

		if (e > p) {
			parts[i]->data = p;
			parts[i]->len = (size_t)(e - p);
		}
		p = sep ? sep + 4 : end + 1;
	}
	if (!snapshot_parse(&f, false, snap, why, sizeof(why)) && !pfnlab_snapshot_build(snap, &o, &m, why, sizeof(why))) {
		if (pfnlab_check(m, why, sizeof(why))) {
			fprintf(stderr, "invariant broken: %s\n", why);
			abort();
		}
		for (const char *const *v = pfnlab_views(); *v; v++)
			pfnlab_print(m, *v, &s);
		pfnlab_machine_destroy(m);
	}
	free(snap);
	return 0;
}
