/*
 * exp_pressure.c - two experiments on memory pressure.
 *
 * pressure: F and B touched and both kept, so that B's pages in CMA
 * outnumber the free pages outside CMA; then B is pinned long-term
 * (io_uring buffer registration, FOLL_LONGTERM): under the migrate-movable
 * rule every CMA page of B must move out of the area first, into memory
 * that is not there.  The kernel's answer (success, an error, or an OOM
 * kill of this process, reported by init) and the pages moved before it.
 *
 * compaction: F fragmented by a known pattern, by PFN: every page of F at
 * an odd PFN freed (munmap of that page), and in every pageblock whose index is a
 * multiple of 4 the lowest remaining page of F pinned long-term (so that
 * block cannot be compacted); then vm.nr_hugepages set to as many 2 MiB
 * pages as the machine has RAM for: how many the kernel got (and where),
 * the compact_* counters and the mm_compaction_* events.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guest.h"

void exp_pressure(void)
{
	struct region f, b;
	uint64_t *before, freenc;
	size_t incma;
	long rr;
	int ring;

	start(&f);
	result("clock.filled", "%.3f", now());
	region_fill(&b, "B", par.b_mib, 0xb, REGION_ANON);
	result("clock.touched", "%.3f", now());
	incma = region_count(&b, "touched");
	freenc = free_noncma_pages();
	result("pressure.B.in_cma", "%zu", incma);
	result("pressure.free_noncma", "%" PRIu64, freenc);
	result("pressure.condition", "%s", incma > freenc ? "exceeds" : "fits");
	zoneinfo("touched");
	meminfo("touched");
	before = pfn_copy(&b);
	ring = ring_open();
	rr = ring_pin_phase(ring, &b);
	region_count(&b, "pinned");
	result("pin.moved", "%zu", region_moved(&b, before));
	result("pin.B.mismatches", "%zu", region_mismatches(&b));
	result("pin.F.mismatches", "%zu", region_mismatches(&f));
	zoneinfo("pinned");
	result("unpin.ret", "%ld", rr < 0 ? 0 : ring_unregister(ring));
	close(ring);
	free(before);
}

static void hugepages(const char *value)
{
	if (write_file("/proc/sys/vm/nr_hugepages", value))
		fail("cannot write %s to /proc/sys/vm/nr_hugepages", value);
}

void exp_compaction(void)
{
	struct region f;
	struct iovec *iov;
	uint64_t *lowest, maxpfn = 0, *before;
	size_t freed = 0, kept = 0, npin = 0, nblocks, moved = 0, bad = 0;
	long ram_pages = sysconf(_SC_PHYS_PAGES), want, got;
	char v[32];
	double t0;
	long rr;
	int ring;

	sysctl("vm/max_map_count", "1048576");	/* one mapping per kept run of F */
	start(&f);
	for (size_t i = 0; i < f.pages; i++)
		maxpfn = f.pfn[i] > maxpfn ? f.pfn[i] : maxpfn;
	nblocks = (size_t)(maxpfn >> 9) + 1;
	lowest = malloc(nblocks * sizeof(*lowest));
	iov = calloc(nblocks, sizeof(*iov));
	if (!lowest || !iov)
		fail("malloc");
	memset(lowest, 0xff, nblocks * sizeof(*lowest));
	/* the pattern: odd PFNs freed; even ones kept, the lowest of every 4th block pinned */
	for (size_t i = 0; i < f.pages; i++) {
		uint64_t pfn = f.pfn[i];

		if (pfn & 1) {
			/* munmap: the tinyconfig kernel has no madvise (CONFIG_ADVISE_SYSCALLS) */
			if (munmap(f.addr + i * PAGE, PAGE))
				fail("munmap");
			freed++;
			continue;
		}
		kept++;
		if ((pfn >> 9) % 4 == 0 && (lowest[pfn >> 9] == UINT64_MAX || pfn < f.pfn[lowest[pfn >> 9]]))
			lowest[pfn >> 9] = i;
	}
	for (size_t blk = 0; blk < nblocks; blk++)
		if (lowest[blk] != UINT64_MAX)
			iov[npin++] = (struct iovec){.iov_base = f.addr + lowest[blk] * PAGE, .iov_len = PAGE};
	ring = ring_open();
	rr = npin ? ring_register(ring, iov, (unsigned)npin) : 0;
	if (rr < 0)
		fail("io_uring register of %zu pages: %ld", npin, rr);
	result("fragment.freed", "%zu", freed);
	result("fragment.kept", "%zu", kept);
	result("fragment.pinned", "%zu", npin);
	result("fragment.pattern", "%s", "odd PFNs of F freed; lowest kept page of F in every pageblock with index % 4 == 0 pinned");
	before = pfn_copy(&f);
	zoneinfo("fragmented");
	meminfo("fragmented");
	buddyinfo("fragmented");

	want = ram_pages / 512;
	snprintf(v, sizeof(v), "%ld", want);
	result("hugepages.requested", "%ld", want);
	phase_begin("hugepages");
	t0 = now();
	hugepages(v);
	result("hugepages.seconds", "%.3f", now() - t0);
	got = (long)read_u64("/proc/sys/vm/nr_hugepages");
	result("hugepages.got", "%ld", got);
	phase_end("hugepages");
	cma_census("hugepages");
	zoneinfo("hugepages");
	meminfo("hugepages");
	buddyinfo("hugepages");
	hugepages("0");
	result("hugepages.after_release", "%" PRIu64, read_u64("/proc/sys/vm/nr_hugepages"));

	/* F's kept pages: moved by compaction?  their data intact? */
	region_pfns(&f, NULL);
	for (size_t i = 0; i < f.pages; i++) {
		if (before[i] & 1)
			continue;
		moved += f.pfn[i] != before[i];
		bad += *(uint64_t *)(f.addr + i * PAGE) != page_tag(f.seed, i);	/* kept: still mapped */
	}
	result("compaction.F.kept_moved", "%zu", moved);
	result("compaction.F.mismatches", "%zu", bad);
	result("unpin.ret", "%ld", npin ? ring_unregister(ring) : 0);
	close(ring);
	free(before);
	free(lowest);
	free(iov);
}
