/*
 * exp_hugetlb.c - the oracle's experiment on a guest whose RAM is
 * hugetlbfs (pin-hugetlb): the 2 MiB pool filled while F is kept, so the
 * pool's blocks go where the CMA rule sends order-9 movable allocations;
 * B a memfd with MFD_HUGETLB mapped MAP_SHARED (QEMU's
 * memory-backend-memfd,hugetlb=on) and touched; F freed; B registered
 * with io_uring, as VFIO pins a guest's RAM (FOLL_WRITE|FOLL_LONGTERM):
 * where B's huge pages went, the pool's pages in the CMA area, and a
 * whole-area cma_alloc with B pinned.  "clock.*" are CLOCK_MONOTONIC
 * seconds at each step, for the model's timers (6.12's pcp decay).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

/* Which of @r's 2 MiB pages are in CMA, in address order: "<phase>.<name>.huge_map" of 'C' and '.'. */
static void huge_map(const struct region *r, const char *phase)
{
	char map[4097], key[96]; /* on the stack init faulted in: no new page */
	size_t n = r->pages / 512 < sizeof(map) - 1 ? r->pages / 512 : sizeof(map) - 1;

	for (size_t i = 0; i < n; i++)
		map[i] = in_cma(r->pfn[i * 512]) ? 'C' : '.';
	map[n] = 0;
	snprintf(key, sizeof(key), "%s.%s.huge_map", phase, r->name);
	result(key, "%s", map);
}

/* The pool's pages in the area and its counters: "<phase>.cma.hugetlb", "<phase>.meminfo.HugePages_*". */
static void pool_state(const char *phase)
{
	cma_census(phase);
	meminfo(phase);
}

void exp_pin_hugetlb(void)
{
	/* B's 2 MiB pages and an eighth more: spare pool pages the pin may migrate into */
	unsigned long want = par.b_mib / 2 + par.b_mib / 16, got, map;
	struct region f, b;
	uint64_t *before;
	double t0;
	char v[32];
	long rr;
	int ring;

	start(&f);
	result("clock.filled", "%.3f", now());
	snprintf(v, sizeof(v), "%lu", want);
	result("pool.requested", "%lu", want);
	phase_begin("pool");
	result("clock.pool_begin", "%.3f", now());
	if (write_file(NR_HUGEPAGES, v))
		fail("cannot write %s to %s", v, NR_HUGEPAGES);
	result("clock.pool_end", "%.3f", now());
	got = (unsigned long)read_u64(NR_HUGEPAGES);
	phase_end("pool");
	result("pool.got", "%lu", got);
	pool_state("pool");
	/* B as large as the pool allows, at most B MiB (a mapping the pool cannot cover fails at mmap) */
	map = got < par.b_mib / 2 ? got : par.b_mib / 2;
	if (!map)
		fail("the pool got no 2 MiB page");
	result("B.mib", "%lu", map * 2);
	region_fill(&b, "B", map * 2, 0xb, REGION_HUGETLB);
	result("clock.touched", "%.3f", now());
	region_count(&b, "touched");
	huge_map(&b, "touched");
	pool_state("touched");
	t0 = now();
	result("clock.unmap_begin", "%.3f", t0);
	munmap(f.addr, f.pages * PAGE);
	result("unmap.seconds", "%.3f", now() - t0);
	zoneinfo("unmapped_F");
	buddyinfo("unmapped_F");
	region_count(&b, "unmapped_F");
	before = pfn_copy(&b);
	ring = ring_open();
	rr = ring_pin_phase(ring, &b);
	region_count(&b, "pinned");
	huge_map(&b, "pinned");
	result("pin.moved", "%zu", region_moved(&b, before));
	result("pin.B.mismatches", "%zu", region_mismatches(&b));
	pool_state("pinned");
	cma_alloc_whole("pinned_alloc", 1);
	region_count(&b, "pinned_alloc");
	pool_state("pinned_alloc");
	result("unpin.ret", "%ld", rr < 0 ? 0 : ring_unregister(ring));
	close(ring);
	free(before);
}
