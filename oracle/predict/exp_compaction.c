/*
 * exp_compaction.c - the compaction experiment: F fragmented by PFN (odd
 * PFNs freed, the lowest kept page of every 4th pageblock pinned), then
 * vm.nr_hugepages raised to every 2 MiB of RAM: how many 2 MiB pages the
 * kernel got (and how many from the CMA area), the compact_* counters and
 * the mm_compaction_* events.  The kernel's side only: pfnlab has no
 * compaction or hugetlb pool yet (rows show pfnlab "n/m"); the row keys
 * are what a model replay will put.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

static void derive_compaction(struct facts *k, struct facts *p)
{
	static const char prefix[] = "hugepages.trace.count.mm_compaction_";
	struct strbuf ev = {0};
	long long v;

	if (num(k, "hugepages.cma.hugetlb", &v))
		put(k, "hugepages.in_cma", "%lld", v / 512);
	for (size_t i = 0; i < k->n; i++)
		if (!strncmp(k->f[i].key, prefix, sizeof(prefix) - 1))
			strbuf_printf(&ev, "%s%s:%s", ev.len ? " " : "", k->f[i].key + sizeof(prefix) - 1, k->f[i].val);
	if (ev.text)
		put(k, "hugepages.compaction_events", "%s", ev.text);
	free(ev.text);
	(void)p;
}

#define R(id, label, key, kind) {id, label, key, key, kind}
#define V(name, kind) R(name, name " during the raise", "hugepages.vmstat." name, kind)
static const struct row rows[] = {
	R("freed", "F pages freed (odd PFNs)", "fragment.freed", K_COUNT),
	R("pinned", "F pages pinned (one per 4th pageblock)", "fragment.pinned", K_COUNT),
	R("free", "MemFree before (kB)", "fragmented.meminfo.MemFree_kB", K_COUNT),
	R("buddyinfo", "free blocks per order before (DMA32)", "fragmented.buddyinfo.DMA32", K_INFO),
	R("requested", "nr_hugepages asked for (all of RAM)", "hugepages.requested", K_OUTCOME),
	R("got", "2 MiB pages the kernel got", "hugepages.got", K_COUNT),
	R("in_cma", "of them in the CMA area", "hugepages.in_cma", K_COUNT),
	V("compact_stall", K_COUNT),
	V("compact_fail", K_COUNT),
	V("compact_success", K_COUNT),
	V("compact_migrate_scanned", K_COUNT),
	V("compact_free_scanned", K_COUNT),
	V("compact_isolated", K_COUNT),
	V("compact_daemon_wake", K_COUNT),
	V("compact_daemon_migrate_scanned", K_INFO),
	V("compact_daemon_free_scanned", K_INFO),
	V("pgmigrate_success", K_COUNT),
	V("htlb_buddy_alloc_fail", K_INFO),
	R("events", "mm_compaction_* events", "hugepages.compaction_events", K_INFO),
	R("kept_moved", "kept F pages moved by compaction", "compaction.F.kept_moved", K_COUNT),
	R("data", "F data mismatches", "compaction.F.mismatches", K_ZERO),
	R("buddyinfo.after", "free blocks per order after (DMA32)", "hugepages.buddyinfo.DMA32", K_INFO),
};

const struct experiment exp_compaction = {"compaction", NULL, derive_compaction, ROWS(rows)};
