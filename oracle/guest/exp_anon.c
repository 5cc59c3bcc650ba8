/*
 * exp_anon.c - the oracle's experiments on process memory: borrow, pin,
 * busy (anonymous R, or shmem R for busy-shmem) and migrate; and the
 * io_uring buffer registration every long-term pin of the oracle uses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guest.h"

/* ---- io_uring: IORING_REGISTER_BUFFERS pins with FOLL_WRITE|FOLL_LONGTERM ---- */

int ring_open(void)
{
	struct io_uring_params prm;
	int ring;

	memset(&prm, 0, sizeof(prm));
	ring = (int)syscall(__NR_io_uring_setup, 4, &prm);
	if (ring < 0)
		fail("io_uring_setup");
	return ring;
}

/* Returns 0 or -errno. */
long ring_register(int ring, const struct iovec *iov, unsigned n)
{
	long r = syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, iov, n);

	return r < 0 ? -errno : r;
}

/* The pin phase: @b registered as one buffer ("pin.*": when, how long, result, errno, pages migrated); 0 or -errno. */
long ring_pin_phase(int ring, const struct region *b)
{
	struct iovec iov = {.iov_base = b->addr, .iov_len = b->pages * PAGE};
	long long mig0 = vmstat("pgmigrate_success");
	double t0;
	long rr;

	phase_begin("pin");
	t0 = now();
	result("clock.pin_begin", "%.3f", t0);
	rr = ring_register(ring, &iov, 1);
	result("pin.seconds", "%.3f", now() - t0);
	result("pin.result", "%s", rr < 0 ? "fail" : "success");
	result("pin.errno", "%ld", rr < 0 ? -rr : 0);
	result("pin.pgmigrate_success", "%lld", vmstat("pgmigrate_success") - mig0);
	phase_end("pin");
	return rr;
}

long ring_unregister(int ring)
{
	long r = syscall(__NR_io_uring_register, ring, IORING_UNREGISTER_BUFFERS, NULL, 0);

	return r < 0 ? -errno : r;
}

/* ---- experiments ---- */

void exp_borrow(void)
{
	struct region f, r;

	start(&f);
	region_fill(&r, "R", par.r_mib, 0xa, REGION_ANON);
	region_count(&r, "borrow");
	region_count(&f, "borrow");
	zoneinfo("borrow");
	meminfo("borrow");
	cma_occupancy("borrow");
}

void exp_pin(void)
{
	struct region f, b;
	uint64_t *before;
	int ring;

	start(&f);
	result("clock.filled", "%.3f", now());
	region_fill(&b, "B", par.b_mib, 0xb, REGION_ANON);
	result("clock.touched", "%.3f", now());
	region_count(&b, "touched");
	result("clock.unmap_begin", "%.3f", now());
	munmap(f.addr, f.pages * PAGE);
	zoneinfo("unmapped_F");
	region_count(&b, "unmapped_F");
	before = pfn_copy(&b);
	result("mlock.ret", "%d", mlock(b.addr, b.pages * PAGE));
	region_count(&b, "mlock");
	result("mlock.moved", "%zu", region_moved(&b, before));
	ring = ring_open();
	ring_pin_phase(ring, &b);
	region_count(&b, "pinned");
	result("pin.moved", "%zu", region_moved(&b, before));
	result("pin.B.mismatches", "%zu", region_mismatches(&b));
	cma_alloc_whole("pinned_alloc", 1);
	region_count(&b, "pinned_alloc");
	result("unpin.ret", "%ld", ring_unregister(ring));
	close(ring);
	free(before);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * busy / busy-shmem: R anonymous, or a memfd mapped MAP_SHARED (its pages
 * are shmem: isolated despite the extra reference, then migration fails).
 */
void exp_busy(int shmem)
{
	struct region f, r;
	uint64_t *sorted, *held, *before;
	struct iovec *iov;
	size_t incma, k = 0, n = par.n_splice;
	int pfd[2], live;
	ssize_t sp = 0;

	start(&f);
	region_map(&r, "R", par.r_mib, 0xa, shmem ? REGION_MEMFD : REGION_ANON);
	result("R.kind", "%s", shmem ? "shmem (memfd, MAP_SHARED)" : "anon (MAP_PRIVATE|MAP_ANONYMOUS)");
	region_touch(&r);
	incma = region_count(&r, "touched");
	if (incma < n || n < 2)
		fail("only %zu of R's pages are in CMA, %zu wanted for vmsplice", incma, n);
	/*
	 * The N pages to hold: R's pages in CMA sorted by PFN, evenly spread,
	 * the lowest and the highest included (oracle/predict chooses alike).
	 */
	sorted = malloc(incma * 8);
	held = malloc(n * 8);
	iov = calloc(n, sizeof(*iov));
	if (!sorted || !held || !iov)
		fail("malloc");

	for (size_t i = 0; i < r.pages; i++)
		if (in_cma(r.pfn[i]))
			sorted[k++] = r.pfn[i];
	qsort(sorted, incma, 8, cmp_u64);
	name_range("sorted", sorted, incma * 8);
	for (size_t i = 0; i < n; i++)
		held[i] = sorted[i * (incma - 1) / (n - 1)];
	printf("RESULT held.pfns ");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < r.pages; j++)
			if (r.pfn[j] == held[i]) {
				iov[i] = (struct iovec){.iov_base = r.addr + j * PAGE, .iov_len = PAGE};
				break;
			}
		printf("%s0x%" PRIx64, i ? "," : "", held[i]);
	}
	putchar('\n');
	result("held.n", "%zu", n);
	result("held.pfn_min", "0x%" PRIx64, held[0]);
	result("held.first", "pfn 0x%" PRIx64 " = R page %zu", held[0],
	       (size_t)(((char *)iov[0].iov_base - r.addr) / PAGE));
	if (pipe(pfd))
		fail("pipe");
	if (fcntl(pfd[1], F_SETPIPE_SZ, (int)(((n + 15) / 16) * 16 * PAGE)) < 0)
		fail("F_SETPIPE_SZ for %zu pages", n);
	/* at most IOV_MAX (1024) iovecs per call */
	for (size_t i = 0; i < n; i += 1024) {
		size_t m = n - i < 1024 ? n - i : 1024;
		ssize_t got = vmsplice(pfd[1], iov + i, m, SPLICE_F_NONBLOCK);

		if (got != (ssize_t)(m * PAGE))
			fail("vmsplice returned %zd, wanted %zu", got, m * PAGE);
		sp += got;
	}
	result("held.bytes", "%zd", sp);
	before = pfn_copy(&r);
	region_count(&r, "held");
	result("held.moved_by_splice", "%zu", region_moved(&r, before));
	zoneinfo("held");
	/* pfnlab's predictions (anonymous R only): --live watching, --what-if right before */
	live = !shmem && pfnlab_present();
	result("pfnlab.in_guest", "%s", live ? "yes" : "no");
	if (live) {
		pfnlab_live_start();
		pfnlab_what_if();
	}

	cma_alloc_whole("busy", 1);
	region_count(&r, "busy");
	result("busy.R.moved", "%zu", region_moved(&r, before));
	{
		size_t still = 0;

		region_pfns(&r, NULL);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < r.pages; j++)
				if (r.pfn[j] == held[i] && r.addr + j * PAGE == iov[i].iov_base) {
					still++;
					break;
				}
		result("busy.held_unmoved", "%zu", still);
	}
	result("busy.R.mismatches", "%zu", region_mismatches(&r));
	if (live)	/* its report while the pipe still holds the pages */
		pfnlab_live_finish();

	close(pfd[0]);
	close(pfd[1]);
	free(before);
	before = pfn_copy(&r);
	cma_alloc_whole("released", 1);
	region_count(&r, "released");
	result("released.R.moved", "%zu", region_moved(&r, before));
	result("released.R.mismatches", "%zu", region_mismatches(&r));
	free(before);
	free(sorted);
	free(held);
	free(iov);
}

void exp_migrate(void)
{
	struct region f, r;
	uint64_t *before;

	start(&f);
	region_fill(&r, "R", par.r_mib, 0xa, REGION_ANON);
	region_count(&r, "touched");
	before = pfn_copy(&r);
	cma_alloc_whole("migrate", 0);
	region_count(&r, "migrate");
	result("migrate.R.moved", "%zu", region_moved(&r, before));
	result("migrate.R.mismatches", "%zu", region_mismatches(&r));
	result("migrate.F.mismatches", "%zu", region_mismatches(&f));
	free(before);
}
