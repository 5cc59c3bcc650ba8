/*
 * exp_compaction.c - the compaction experiment: F fragmented by PFN (odd
 * PFNs freed, the lowest kept page of every 4th pageblock pinned), then
 * vm.nr_hugepages raised to every 2 MiB of RAM: how many 2 MiB pages the
 * kernel got (and how many from the CMA area), the compact_* counters and
 * the mm_compaction_* events.
 *
 * The replay runs twice: the first fill learns where F's pages land; the
 * second makes the same faults with the pages the pattern frees in
 * mappings of their own (the model unmaps whole mappings only), unmaps
 * them in the guest's order, pins the lowest kept page of every pageblock
 * whose index is a multiple of 4 long-term (pfnlab_pin() per page, as
 * io_uring registers one iovec per page), allocates the guest's arrays as
 * it does, then writes the guest's nr_hugepages for the default size
 * (pfnlab_hugetlb_set_pages(): set_max_huge_pages(), the first failing
 * allocation ends the write) and makes the guest's next system call
 * (sim_next_syscall(): with CMA at 640 of 1024 MiB the pool leaves too
 * little outside CMA, and both kernels OOM-kill the experiment in that
 * open()).  The pool pages got and
 * those in the area are judged; the compaction counters are shown only:
 * the model's slow path compacts inside the allocation, but its scanners'
 * counts are not the kernels' (docs/oracle.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

/* The counters the rows show, as phase deltas: "hugepages.vmstat.NAME". */
static const char *const counters[] = {
	"compact_stall", "compact_fail", "compact_success", "compact_migrate_scanned", "compact_free_scanned",
	"compact_isolated", "compact_daemon_wake", "compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
	"pgmigrate_success", "htlb_buddy_alloc_success", "htlb_buddy_alloc_fail",
};
#define NR_COUNTERS (sizeof(counters) / sizeof(counters[0]))

#define VA_D 0x400000000ull /* the replay's own: F's pages the pattern frees, one mapping each */

/*
 * F filled as fill() does (calibration, every page written in order, the
 * guest's PFN array), each page placed by @doomed: NULL, all in one
 * mapping F (the first pass, which learns the PFNs); else kept pages
 * packed into F's one mapping and the pages to be freed one mapping each
 * in D, the first to go at the highest address, so that freeing them in
 * order removes the last mapping each time (pfnlab_mm_unmap() takes whole
 * mappings only).  Those mappings take no PTE tables of their own: the
 * guest's, one per 2 MiB of F, are allocated here as its faults take
 * them (before the span's first page; GFP_PGTABLE_USER), and stay, as a
 * munmap of single pages leaves them.  @kva receives each kept page's
 * address.
 */
static int fill_placed(struct sim *s, uint64_t pages, const bool *doomed, unsigned *f, unsigned *d, uint64_t *kva)
{
	const pfnlab_gfp_t pgtable_user = PFNLAB_GFP_KERNEL | PFNLAB___GFP_ZERO | PFNLAB___GFP_ACCOUNT;
	unsigned flags = doomed ? PFNLAB_MAP_NOPGTABLE : 0;
	uint64_t ndoomed = 0, nkept = 0, dn = 0, kn = 0;

	for (uint64_t i = 0; doomed && i < pages; i++)
		ndoomed += doomed[i];
	nkept = pages - ndoomed;
	if (sim_calibrate(s) || pfnlab_mm_create(s->m, "F", f) || pfnlab_mm_create(s->m, "D", d) ||
	    (nkept && pfnlab_mm_map(s->m, *f, VA_F, nkept * PAGE, flags)))
		return -EINVAL;
	for (uint64_t j = ndoomed; j-- > 0;) /* ascending addresses: appended */
		if (pfnlab_mm_map(s->m, *d, VA_D + (ndoomed - 1 - j) * PAGE, PAGE, flags))
			return -ENOMEM;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t tag = (0xfull << 40) ^ i, table;
		bool gone = doomed && doomed[i];
		unsigned id = gone ? *d : *f;
		uint64_t va = gone ? VA_D + (ndoomed - 1 - dn++) * PAGE : VA_F + kn++ * PAGE;

		if (!gone)
			kva[kn - 1] = va;
		if (doomed && (!i || !((VA_F / PAGE + i) % 512)) && pfnlab_alloc_pages(s->m, pgtable_user, 0, &table))
			return -ENOMEM;
		if (pfnlab_mm_write(s->m, id, va, &tag, sizeof(tag)))
			return -ENOMEM;
	}
	return guest_array(s, pages * 8) ? 0 : -ENOMEM;
}

/* /proc/meminfo's MemTotal in pages: what sysconf(_SC_PHYS_PAGES) gives the guest (totalram_pages()) */
static uint64_t memtotal_pages(const struct sim *s)
{
	struct strbuf mi = {0};
	struct pfnlab_sink sink = {strbuf_sink, &mi};
	unsigned long long kb = 0;
	const char *q;

	pfnlab_print(s->m, "meminfo", &sink);
	q = mi.text ? strstr(mi.text, "MemTotal:") : NULL;
	if (q)
		sscanf(q + 9, "%llu", &kb);
	free(mi.text);
	return kb / (PAGE >> 10);
}

static int model_compaction(const struct facts *k, struct facts *p)
{
	struct sim s;
	struct facts tmp = {0};
	struct pfnlab_hugetlb_info hi;
	long long fm, req, v0[NR_COUNTERS];
	uint64_t pages, *pfn = NULL, *lowest = NULL, *kva = NULL, *kpfn = NULL, maxpfn = 0, nblocks;
	uint64_t freed = 0, kept = 0, npin = 0, ndoomed, want;
	bool *doomed = NULL;
	unsigned f, d;
	int idx, rc = -EINVAL;
	char key[96];

	if (!num(k, "param.f_mib", &fm) || fm < 1 || fm > (1ll << 30))
		return -EINVAL;
	pages = ((uint64_t)fm << 20) / PAGE;
	/* pass 1: where F's pages land */
	doomed = calloc(pages, sizeof(*doomed));
	kva = calloc(pages, sizeof(*kva));
	if (!doomed || !kva || sim_start(&s, k, &tmp, PFNLAB_CMA_5_7, PFNLAB_PIN_MIGRATE_MOVABLE, false))
		goto free;
	if (fill_placed(&s, pages, NULL, &f, &d, kva) || !(pfn = pfns_of(&s, f, VA_F, pages))) {
		sim_end(&s);
		goto free;
	}
	sim_end(&s);
	for (uint64_t i = 0; i < pages; i++)
		doomed[i] = pfn[i] & 1;
	/* pass 2: the same faults, F's pages placed so that the pattern can free them */
	if (sim_start(&s, k, p, PFNLAB_CMA_5_7, PFNLAB_PIN_MIGRATE_MOVABLE, false))
		goto free;
	if (fill_placed(&s, pages, doomed, &f, &d, kva))
		goto out;
	for (uint64_t i = 0; i < pages; i++)
		maxpfn = pfn[i] > maxpfn ? pfn[i] : maxpfn;
	nblocks = (maxpfn >> 9) + 1;
	lowest = malloc(nblocks * sizeof(*lowest));
	kpfn = calloc(pages, sizeof(*kpfn));
	/* the guest's lowest[] (memset) and iov[] arrays */
	if (!lowest || !kpfn || !guest_array(&s, nblocks * 8) || !guest_array(&s, nblocks * 16) ||
	    sim_process(&s, (const unsigned[]){f, d}, 2))
		goto out;
	memset(lowest, 0xff, nblocks * sizeof(*lowest));
	ndoomed = 0;
	for (uint64_t i = 0; i < pages; i++)
		ndoomed += doomed[i];
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t now;

		if (doomed[i]) { /* munmap of that page: always D's last mapping */
			if (pfnlab_mm_unmap(s.m, d, VA_D + (ndoomed - 1 - freed) * PAGE, PAGE))
				goto out;
			freed++;
			continue;
		}
		/* the same PFN as in pass 1, or the replay is not the same run */
		if (pfnlab_mm_lookup(s.m, f, kva[kept], &now) || now != pfn[i])
			goto out;
		kpfn[kept] = now;
		if ((now >> 9) % 4 == 0 && (lowest[now >> 9] == UINT64_MAX || now < kpfn[lowest[now >> 9]]))
			lowest[now >> 9] = kept;
		kept++;
	}
	for (uint64_t b = 0; b < nblocks; b++) {
		if (lowest[b] == UINT64_MAX)
			continue;
		if (pfnlab_pin(s.m, f, kva[lowest[b]], 1, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE,
			       "io_uring fixed buffer", NULL) <= 0)
			goto out;
		npin++;
	}
	put(p, "fragment.freed", "%llu", (unsigned long long)freed);
	put(p, "fragment.kept", "%llu", (unsigned long long)kept);
	put(p, "fragment.pinned", "%llu", (unsigned long long)npin);
	if (!guest_array(&s, pages * 8)) /* the guest's copy of F's PFNs */
		goto out;
	put(p, "fragmented.meminfo.MemFree_kB", "%lld", vm(&s, "nr_free_pages") * (long long)(PAGE >> 10));
	idx = pfnlab_hugetlb_find(s.m, 0);
	if (idx < 0)
		goto out;
	/* shown: the model's own MemTotal / 2 MiB; written: the guest's number (its input) */
	put(p, "hugepages.requested", "%llu", (unsigned long long)(memtotal_pages(&s) / 512));
	if (!num(k, "hugepages.requested", &req) || req < 0)
		goto out;
	want = (uint64_t)req;
	for (size_t i = 0; i < NR_COUNTERS; i++)
		v0[i] = vm(&s, counters[i]);
	if (pfnlab_hugetlb_set_pages(s.m, (unsigned)idx, want) ||
	    pfnlab_hugetlb_info(s.m, (unsigned)idx, &hi))
		goto out;
	sim_next_syscall(&s, "hugepages");
	put(p, "hugepages.got", "%llu", (unsigned long long)hi.nr);
	put(p, "hugepages.in_cma", "%llu", (unsigned long long)(hugetlb_in_area(&s) >> hi.order));
	for (size_t i = 0; i < NR_COUNTERS; i++) {
		snprintf(key, sizeof(key), "hugepages.vmstat.%s", counters[i]);
		put(p, key, "%lld", vm(&s, counters[i]) - v0[i]);
	}
	rc = 0;
out:
	sim_end(&s);
free:
	free(pfn);
	free(kpfn);
	free(kva);
	free(doomed);
	free(lowest);
	facts_free(&tmp);
	return rc;
}

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

/*
 * Judged: the pattern, the free memory before, the pages got and where.
 * Shown: the request (the guest's MemTotal / 2 MiB; the model's MemTotal
 * has no kernel image or memmap taken out: the replay writes the guest's
 * number), what compaction did (the scanners count differently from the
 * kernels'), F's data (not replayed).
 */
#define R(id, label, key, kind) {id, label, key, key, kind}
#define V(name, kind) R(name, name " during the raise", "hugepages.vmstat." name, kind)
static const struct row rows[] = {
	R("freed", "F pages freed (odd PFNs)", "fragment.freed", K_COUNT),
	R("pinned", "F pages pinned (one per 4th pageblock)", "fragment.pinned", K_COUNT),
	R("free", "MemFree before (kB)", "fragmented.meminfo.MemFree_kB", K_COUNT),
	R("buddyinfo", "free blocks per order before (DMA32)", "fragmented.buddyinfo.DMA32", K_INFO),
	R("requested", "nr_hugepages asked for (all of RAM)", "hugepages.requested", K_INFO),
	R("got", "2 MiB pages the kernel got", "hugepages.got", K_COUNT),
	R("in_cma", "of them in the CMA area", "hugepages.in_cma", K_COUNT),
	V("compact_stall", K_INFO),
	V("compact_fail", K_INFO),
	V("compact_success", K_INFO),
	V("compact_migrate_scanned", K_INFO),
	V("compact_free_scanned", K_INFO),
	V("compact_isolated", K_INFO),
	V("compact_daemon_wake", K_INFO),
	V("compact_daemon_migrate_scanned", K_INFO),
	V("compact_daemon_free_scanned", K_INFO),
	V("pgmigrate_success", K_INFO),
	V("htlb_buddy_alloc_fail", K_INFO),
	R("events", "mm_compaction_* events", "hugepages.compaction_events", K_INFO),
	R("kept_moved", "kept F pages moved by compaction", "compaction.F.kept_moved", K_INFO),
	R("data", "F data mismatches", "compaction.F.mismatches", K_INFO),
	R("buddyinfo.after", "free blocks per order after (DMA32)", "hugepages.buddyinfo.DMA32", K_INFO),
};

const struct experiment exp_compaction = {"compaction", model_compaction, derive_compaction, ROWS(rows)};
