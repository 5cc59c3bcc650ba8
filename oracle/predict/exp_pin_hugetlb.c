/*
 * exp_pin_hugetlb.c - the pin-hugetlb experiment: a guest whose RAM is
 * hugetlbfs, pinned long-term.  F; vm.nr_hugepages raised to B's 2 MiB
 * pages and an eighth more while F is kept (pfnlab_hugetlb_set_pages():
 * each page a GFP_HIGHUSER_MOVABLE order-9 block, in CMA when the 5.7 rule
 * says so); B a hugetlbfs file (the guest's memfd with MFD_HUGETLB) mapped
 * shared, as large as the pool allows up to B MiB, and touched; F freed;
 * B registered with io_uring (io_uring.c) under pin policy migrate-movable
 * (compared) and none (contrast): each huge page in CMA migrates to a
 * free pool page outside CMA, else to a temporary page from the buddy
 * allocator; then a whole-area cma_alloc with B pinned, which must
 * dissolve the pool's free pages left in the area.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

#define HPAGE_MIB 2

/* The pool's frames in the area (as 2 MiB pages) and its counters, under "<phase>." */
static void pool_state(struct sim *s, struct facts *p, const char *phase)
{
	struct pfnlab_hugetlb_info hi = {0};
	char key[96];

	pfnlab_hugetlb_info(s->m, (unsigned)pfnlab_hugetlb_find(s->m, 0), &hi);
	snprintf(key, sizeof(key), "%s.pool.in_cma", phase);
	put(p, key, "%llu", (unsigned long long)(hugetlb_in_area(s) >> hi.order));
	snprintf(key, sizeof(key), "%s.meminfo.HugePages_Total", phase);
	put(p, key, "%llu", (unsigned long long)hi.nr);
	snprintf(key, sizeof(key), "%s.meminfo.HugePages_Free", phase);
	put(p, key, "%llu", (unsigned long long)hi.free);
}

/* Which of B's 2 MiB pages are in CMA, in address order, as the guest writes it ("<phase>.B.huge_map") */
static void huge_map(struct sim *s, struct facts *p, unsigned id, uint64_t pages, const char *phase)
{
	char map[4097], key[96];
	uint64_t n = pages / 512 < sizeof(map) - 1 ? pages / 512 : sizeof(map) - 1;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t pfn = 0;

		map[i] = !pfnlab_mm_lookup(s->m, id, VA_B + i * 512 * PAGE, &pfn) && in_area(s, pfn) ? 'C' : '.';
	}
	map[n] = 0;
	snprintf(key, sizeof(key), "%s.B.huge_map", phase);
	put(p, key, "%s", map);
	snprintf(key, sizeof(key), "%s.B.first_huge_in_cma", phase);
	put(p, key, "%s", map[0] == 'C' ? "yes" : "no");
}

/* Pages on the per-CPU lists of every zone, as the guest adds up /proc/zoneinfo's "count:" lines */
static void put_pcp(struct sim *s, struct facts *p, const char *phase)
{
	long long n = 0;
	char key[96];

	for (int z = 0; z < PFNLAB_NR_ZONES; z++) {
		long c = pfnlab_zone_pcp_pages(s->m, z); /* -1: no such zone */

		if (c > 0)
			n += c;
	}
	snprintf(key, sizeof(key), "%s.zone.DMA32.pcp", phase);
	put(p, key, "%lld", n);
}

static int model_policy(const struct facts *k, struct facts *p, enum pfnlab_pin_policy pol, bool contrast)
{
	struct facts tmp = {0}, *out = contrast ? &tmp : p;
	struct pfnlab_hugetlb_info hi;
	struct kvbuf bvec = {0};
	struct sim s;
	long long bm;
	uint64_t pages, map, want, *before = NULL;
	double clock = -1;
	unsigned f, b;
	long h = 0;
	int idx, rc = -EINVAL;

	if (!num(k, "param.b_mib", &bm) || bm < HPAGE_MIB)
		return -EINVAL;
	want = (uint64_t)bm / 2 + (uint64_t)bm / 16;
	if (sim_start(&s, k, out, PFNLAB_CMA_5_7, pol, !contrast) || fill(&s, &f))
		goto out;
	sim_catch_up(&s, "clock.filled", &clock);
	idx = pfnlab_hugetlb_find(s.m, 0);
	if (idx < 0 || sim_process(&s, &f, 1))
		goto out;
	sim_catch_up(&s, "clock.pool_begin", &clock);
	put(out, "pool.requested", "%llu", (unsigned long long)want);
	pfnlab_set_current(s.m, s.proc[0]); /* the guest's write to vm.nr_hugepages */
	rc = pfnlab_hugetlb_set_pages(s.m, (unsigned)idx, want);
	pfnlab_set_current(s.m, 0);
	if (rc || pfnlab_hugetlb_info(s.m, (unsigned)idx, &hi))
		goto fail;
	sim_catch_up(&s, "clock.pool_end", &clock);
	sim_next_syscall(&s, "pool"); /* its read back: the pool may leave nothing outside CMA for open() */
	rc = 0;
	if (s.killed)
		goto out;
	put(out, "pool.got", "%llu", (unsigned long long)hi.nr);
	pool_state(&s, out, "pool");
	map = hi.nr < (uint64_t)bm / 2 ? hi.nr : (uint64_t)bm / 2;
	if (!map) {
		put(out, "outcome", "the pool got no 2 MiB page");
		goto out;
	}
	put(out, "B.mib", "%llu", (unsigned long long)(map * HPAGE_MIB));
	bm = (long long)(map * HPAGE_MIB);
	pages = ((uint64_t)bm << 20) / PAGE;
	if (map_touch(&s, "B", VA_B, bm, REGION_HUGETLB, &b, 0xb) || !guest_array(&s, pages * 8) ||
	    sim_process(&s, (const unsigned[]){f, b}, 2))
		goto fail;
	sim_catch_up(&s, "clock.touched", &clock);
	count_in_cma(&s, "touched", "B", b, VA_B, bm);
	huge_map(&s, out, b, pages, "touched");
	pool_state(&s, out, "touched");
	sim_catch_up(&s, "clock.unmap_begin", &clock);
	if (pfnlab_mm_destroy(s.m, f))
		goto fail;
	count_in_cma(&s, "unmapped_F", "B", b, VA_B, bm);
	put_pcp(&s, out, "unmapped_F");
	before = pfns_of(&s, b, VA_B, pages);
	if (!before || !guest_array(&s, pages * 8) || sim_process(&s, &b, 1))
		goto fail;
	sim_catch_up(&s, "clock.pin_begin", &clock);
	h = io_uring_pin_phase(&s, b, pages, &bvec, out);
	if (s.killed)
		goto out;
	count_in_cma(&s, "pinned", "B", b, VA_B, bm);
	huge_map(&s, out, b, pages, "pinned");
	put(out, "pin.moved", "%llu", (unsigned long long)moved(&s, b, VA_B, before, pages));
	if (!contrast)
		put_mismatches(&s, "pin.B.mismatches", b, VA_B, bm, 0xb);
	pool_state(&s, out, "pinned");
	sim_cma_alloc(&s, "pinned_alloc", true);
	if (s.killed) /* by the guest's next open() (sim_cma_alloc()) */
		goto out;
	count_in_cma(&s, "pinned_alloc", "B", b, VA_B, bm);
	pool_state(&s, out, "pinned_alloc");
	if (h > 0) { /* io_sqe_buffers_unregister() */
		pfnlab_unpin(s.m, h);
		kvfree(&s, &bvec);
	}
	rc = 0;
	goto out;
fail:
	rc = -EINVAL;
out:
	if (contrast)
		for (size_t j = 0; j < tmp.n; j++) {
			char key[128];

			snprintf(key, sizeof(key), "%s.none", tmp.f[j].key);
			put(p, key, "%s", tmp.f[j].val);
		}
	free(before);
	facts_free(&tmp);
	sim_end(&s);
	return rc;
}

static int model_pin_hugetlb(const struct facts *k, struct facts *p)
{
	if (model_policy(k, p, PFNLAB_PIN_MIGRATE_MOVABLE, false))
		return -EINVAL;
	return model_policy(k, p, PFNLAB_PIN_NONE, true);
}

static void derive_pool(struct facts *k, const char *phase)
{
	char key[96];
	long long v;

	snprintf(key, sizeof(key), "%s.cma.hugetlb", phase);
	if (!num(k, key, &v))
		return;
	snprintf(key, sizeof(key), "%s.pool.in_cma", phase);
	put(k, key, "%lld", v / 512);
}

static void derive_pin_hugetlb(struct facts *k, struct facts *p)
{
	static const char *const phases[] = {"pool", "touched", "pinned", "pinned_alloc"};
	const char *map = get(k, "touched.B.huge_map");

	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		derive_pool(k, phases[i]);
	if (map)
		put(k, "touched.B.first_huge_in_cma", "%s", map[0] == 'C' ? "yes" : "no");
	derive_cma_alloc(k, "pinned_alloc");
	derive_cma_alloc(p, "pinned_alloc");
}

#define R(id, label, key, kind) {id, label, key, key, kind}
static const struct row rows[] = {
	R("requested", "nr_hugepages asked for (B / 2 MiB and an eighth)", "pool.requested", K_INFO),
	R("got", "2 MiB pages the pool got (F kept)", "pool.got", K_COUNT),
	R("pool.in_cma", "of them in the CMA area", "pool.pool.in_cma", K_COUNT),
	R("B.mib", "B mapped (MiB, at most what the pool covers)", "B.mib", K_COUNT),
	R("B.before", "B pages in CMA before the pin", "unmapped_F.B.in_cma", K_COUNT),
	R("B.first", "B's first 2 MiB page in CMA (6.1: -ENOMEM, else -EFAULT)", "touched.B.first_huge_in_cma", K_OUTCOME),
	R("B.map", "B's 2 MiB pages in CMA (C) in address order", "touched.B.huge_map", K_INFO),
	R("touched.free", "free pool pages after touching B", "touched.meminfo.HugePages_Free", K_COUNT),
	R("pcp", "pages on per-CPU lists after F is freed", "unmapped_F.zone.DMA32.pcp", K_INFO),
	R("result", "io_uring_register(BUFFERS) / pfnlab_pin", "pin.result", K_OUTCOME),
	R("errno", "its errno", "pin.errno", K_OUTCOME),
	R("B.after", "B pages in CMA after the pin", "pinned.B.in_cma", K_COUNT),
	R("moved", "B pages whose PFN the pin changed", "pin.moved", K_COUNT),
	R("pgmigrate", "pgmigrate_success during the pin", "pin.pgmigrate_success", K_COUNT),
	R("reason", "migrate reason of the pin's migration", "pin.trace.mm_migrate_pages.reason", K_OUTCOME),
	R("fresh", "temporary huge pages it allocated as targets", "pin.vmstat.htlb_buddy_alloc_success", K_COUNT),
	R("fresh.fail", "target allocations that failed", "pin.vmstat.htlb_buddy_alloc_fail", K_INFO),
	R("compact_stall", "direct compaction stalls during the pin", "pin.vmstat.compact_stall", K_INFO),
	R("allocstall", "direct reclaim stalls during the pin", "pin.vmstat.allocstall_normal", K_INFO),
	R("data", "B data mismatches after the pin", "pin.B.mismatches", K_ZERO),
	R("pinned.in_cma", "pool pages in the CMA area after the pin", "pinned.pool.in_cma", K_COUNT),
	R("pinned.total", "HugePages_Total after the pin", "pinned.meminfo.HugePages_Total", K_COUNT),
	R("pinned.free", "HugePages_Free after the pin", "pinned.meminfo.HugePages_Free", K_COUNT),
	R("alloc", "whole-area cma_alloc with B pinned", "pinned_alloc.cma_alloc.result", K_OUTCOME),
	R("alloc.in_cma", "pool pages in the CMA area after it", "pinned_alloc.pool.in_cma", K_COUNT),
	R("alloc.total", "HugePages_Total after it", "pinned_alloc.meminfo.HugePages_Total", K_COUNT),
	{"none.after", "contrast: pin policy none, B in CMA after pin", "pinned.B.in_cma", "pinned.B.in_cma.none", K_INFO},
	{"none.alloc", "contrast: pin policy none, whole-area cma_alloc", "pinned_alloc.cma_alloc.result",
	 "pinned_alloc.cma_alloc.result.none", K_INFO},
};

const struct experiment exp_pin_hugetlb = {"pin-hugetlb", model_pin_hugetlb, derive_pin_hugetlb, ROWS(rows)};
