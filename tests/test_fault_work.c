/*
 * test_fault_work.c - every failure point of the actors' long operations,
 * injected transiently and persistently at sampled passes:
 *
 *   vfio_map   VFIO_IOMMU_MAP_DMA of a whole x86 guest (8 MiB, backed,
 *              policy migrate-movable, half of the guest in CMA): pins,
 *              migrations out of CMA, iommu_map() of every run;
 *   hpt        a POWER guest start whose HPT comes from a kvm_cma holding
 *              movable borrowers (metadata only): isolation, migration,
 *              the kvm_cma attempt and the 2015 buddy fallback;
 *   spapr_1g   VFIO_IOMMU_SPAPR_REGISTER_MEMORY of 1 GiB of a POWER guest
 *              (64 KiB pages, metadata only, migrate-movable): the
 *              long-term pin of the seed thread.
 *
 * After each run: the checker passes; the contents of every page written
 * before are intact (backed runs); locked_vm is back where it was when the
 * operation failed, or counts the whole range when it succeeded; and once
 * everything stopped, pins balance (nr_foll_pin_acquired == released) and
 * every page is free again.
 */
#include <errno.h>

#include "test.h"
#include "work.h"

#define FILLER_HVA 0x4000000000ull
#define PATTERN 0x5a5a000000000000ull

struct fault_op;

struct rig {
	const struct fault_op *op; /* the operation walked */
	struct pfnlab_machine *m;
	struct host h;
	unsigned filler;      /* the space that pushes the guest or the borrowers into CMA */
	uint64_t filler_pages;
	struct guest *g;
	long long free0;      /* nr_free_pages of the fresh machine */
};

struct fault_op {
	const char *name;
	int (*setup)(struct rig *r);
	int (*run)(struct rig *r); /* the operation walked */
	bool backed;
	uint64_t mapped_pages;     /* locked_vm a success leaves */
};

static int machine_up(struct rig *r, const char *preset, uint64_t ram, uint64_t cma, unsigned kvm_ratio,
		      bool backed)
{
	struct pfnlab_config c;
	char why[256];

	memset(r, 0, sizeof(*r));
	pfnlab_config_preset(&c, preset, ram);
	c.backed = backed;
	c.cma_rule = PFNLAB_CMA_2015; /* movable memory takes CMA only when the rest is gone */
	c.pin_policy = PFNLAB_PIN_MIGRATE_MOVABLE;
	c.thp = false; /* khugepaged's min_free_kbytes would keep the fillers out of CMA */
	if (cma) {
		c.nr_cma = 1;
		c.cma[0].size = cma;
	}
	if (kvm_cma_declare(&c, kvm_ratio) || pfnlab_machine_create(&c, &r->m, why, sizeof(why))) {
		T_FAIL("machine: %s", why);
		return -1;
	}
	r->h.hpt_fallback = c.era == PFNLAB_ERA_2015 ? HPT_FALLBACK_2015 : HPT_FALLBACK_CURRENT;
	host_init(&r->h, r->m);
	r->free0 = pfnlab_vmstat(r->m, "nr_free_pages");
	return 0;
}

/*
 * The filler takes every free page outside CMA but @leave_pages, in two
 * mappings: the first @give_back pages at FILLER_HVA (to unmap later as a
 * whole), the rest after them.
 */
static int filler_up(struct rig *r, uint64_t leave_pages, uint64_t give_back)
{
	uint64_t page = r->h.page_size, rest, n = (uint64_t)(pfnlab_vmstat(r->m, "nr_free_pages") -
							    pfnlab_vmstat(r->m, "nr_free_cma"));

	r->filler_pages = n > leave_pages ? n - leave_pages : 0;
	if (give_back > r->filler_pages || pfnlab_mm_create(r->m, "filler", &r->filler))
		return -1;
	rest = r->filler_pages - give_back;
	if (give_back && (pfnlab_mm_map(r->m, r->filler, FILLER_HVA, give_back * page, 0) ||
			  pfnlab_mm_touch(r->m, r->filler, FILLER_HVA, give_back * page, NULL)))
		return -1;
	if (rest && (pfnlab_mm_map(r->m, r->filler, FILLER_HVA + give_back * page, rest * page, 0) ||
		     pfnlab_mm_touch(r->m, r->filler, FILLER_HVA + give_back * page, rest * page, NULL)))
		return -1;
	return 0;
}

/* Write the pattern into every page of @mm's [@hva, + @pages pages). */
static void write_pattern(struct rig *r, unsigned mm, uint64_t hva, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t v = PATTERN | i;

		pfnlab_mm_write(r->m, mm, hva + i * r->h.page_size, &v, sizeof(v));
	}
}

static bool pattern_intact(struct rig *r, unsigned mm, uint64_t hva, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t v = 0;

		pfnlab_mm_read(r->m, mm, hva + i * r->h.page_size, &v, sizeof(v));
		if (v != (PATTERN | i))
			return false;
	}
	return true;
}

/*
 * vfio_map: x86_64, 64 MiB with 16 MiB of CMA.  The filler leaves 4 MiB
 * outside CMA, the guest faults its 8 MiB in (half of it or more lands in
 * CMA), then the filler gives back 8 MiB: room for the pin-time migrations.
 */
static int vfio_setup(struct rig *r)
{
	struct guest_opts o = {.ram = 8ull << 20, .fault = 8ull << 20, .hpt_order = 0};

	if (machine_up(r, "x86_64", 64ull << 20, 16ull << 20, 0, true) || filler_up(r, 1024, 2048) ||
	    guest_start(&r->h, "vm1", &o, &r->g))
		return -1;
	write_pattern(r, r->g->mm, GUEST_RAM_HVA, 2048);
	return pfnlab_mm_unmap(r->m, r->filler, FILLER_HVA, 2048 * r->h.page_size);
}

static int vfio_run(struct rig *r)
{
	char why[256];

	return vfio_map_dma(&r->h, r->g, 0, GUEST_RAM_HVA, r->g->ram, 3, why, sizeof(why));
}

/*
 * hpt: ppc64, 4 GiB, kvm_cma 5% (204.8 MiB), THP off.  The filler takes
 * every page outside CMA, then all of kvm_cma but 256 pages through a
 * second mapping (the movable lists are empty by then), then gives the
 * first mapping back; a 4 GiB guest asks for an HPT of order 25 (32 MiB,
 * 512 pages) from kvm_cma, over borrowed pages wherever it goes.
 */
static int hpt_setup(struct rig *r)
{
	uint64_t borrow;

	if (machine_up(r, "ppc64", 4ull << 30, 0, 5, false) || filler_up(r, 0, 0))
		return -1;
	borrow = (uint64_t)pfnlab_vmstat(r->m, "nr_free_cma") - 256;
	if (pfnlab_mm_map(r->m, r->filler, FILLER_HVA * 2, borrow << 16, 0) ||
	    pfnlab_mm_touch(r->m, r->filler, FILLER_HVA * 2, borrow << 16, NULL))
		return -1;
	return pfnlab_mm_unmap(r->m, r->filler, FILLER_HVA, r->filler_pages << 16);
}

static int hpt_run(struct rig *r)
{
	struct guest_opts o = {.ram = 4ull << 30, .hpt_order = -1};

	return guest_start(&r->h, "vm1", &o, &r->g);
}

/*
 * spapr_1g: ppc64, 4 GiB with 1 GiB of CMA, metadata only.  The filler
 * leaves 512 MiB outside CMA, the 1 GiB guest faults in (half in CMA), the
 * filler gives back 1 GiB; then all guest RAM is registered.
 */
static int spapr_setup(struct rig *r)
{
	struct guest_opts o = {.ram = 1ull << 30, .fault = 1ull << 30, .hpt_order = 0};

	if (machine_up(r, "ppc64", 4ull << 30, 1ull << 30, 0, false) || filler_up(r, 8192, 16384) ||
	    guest_start(&r->h, "vm1", &o, &r->g))
		return -1;
	return pfnlab_mm_unmap(r->m, r->filler, FILLER_HVA, 16384ull << 16);
}

static int spapr_run(struct rig *r)
{
	char why[256];

	return spapr_register(&r->h, r->g, GUEST_RAM_HVA, r->g->ram, why, sizeof(why));
}

static const struct fault_op ops[] = {
	{"vfio_map", vfio_setup, vfio_run, true, 2048},
	{"hpt", hpt_setup, hpt_run, false, 0},
	{"spapr_1g", spapr_setup, spapr_run, false, 16384},
};

/* After @op returned @err: the state is sound, contents intact, then everything goes and nothing leaks. */
static void verify(const struct fault_op *op, struct rig *r, int err)
{
	char why[512];

	if (pfnlab_check(r->m, why, sizeof(why)))
		T_FAIL("checker: %s", why);
	if (op->run != hpt_run) {
		if (op->backed && !pattern_intact(r, r->g->mm, GUEST_RAM_HVA, r->g->ram >> r->h.page_shift))
			T_FAIL("%s", "guest RAM lost its contents");
		CHECK_EQ(r->g->locked_vm, err ? 0 : op->mapped_pages);
		CHECK_EQ(r->g->pinned_pages, err ? 0 : op->mapped_pages);
	}
	if (r->g)
		guest_stop(&r->h, r->g);
	CHECK_EQ(pfnlab_mm_destroy(r->m, r->filler), 0);
	CHECK_EQ(pfnlab_vmstat(r->m, "nr_foll_pin_acquired"), pfnlab_vmstat(r->m, "nr_foll_pin_released"));
	host_fini(&r->h);
	if (pfnlab_check(r->m, why, sizeof(why)))
		T_FAIL("checker after everything stopped: %s", why);
	pfnlab_drain_pages(r->m); /* freed pages wait on the per-CPU lists, as after drain_all_pages() */
	CHECK_EQ(pfnlab_vmstat(r->m, "nr_free_pages"), r->free0);
	pfnlab_machine_destroy(r->m);
}

static struct pfnlab_machine *rig_setup(void *ctx)
{
	struct rig *r = ctx;
	const struct fault_op *op = r->op;

	if (op->setup(r))
		return NULL;
	r->op = op; /* the setup starts from a zeroed rig */
	return r->m;
}

static int rig_run(void *ctx)
{
	struct rig *r = ctx;

	return r->op->run(r);
}

/* the setup put pages where they must move: the clean run migrated some */
static void rig_clean(void *ctx)
{
	struct rig *r = ctx;

	CHECK(pfnlab_vmstat(r->m, "pgmigrate_success") > 0);
}

static void rig_verify(void *ctx, int err)
{
	struct rig *r = ctx;

	verify(r->op, r, err);
}

static void walk(const struct fault_op *fo, uint64_t samples)
{
	const struct test_fault_op op = {fo->name, rig_setup, rig_run, rig_clean, rig_verify};
	struct rig r = {.op = fo};

	CHECK(test_fault_walk(&op, &r, samples) >= 4);
}

/* Expect a whole-guest VFIO map to pin, migrate and map everything or leave nothing behind. */
TEST(vfio_map_every_failure_point)
{
	walk(&ops[0], 16);
}

/* Expect an HPT taken from a kvm_cma full of borrowers to succeed, fall back, or fail cleanly. */
TEST(hpt_every_failure_point)
{
	walk(&ops[1], 16);
}

/* Expect a 1 GiB SPAPR registration to pin all of it outside CMA or nothing. */
TEST(spapr_1g_every_failure_point)
{
	walk(&ops[2], 8);
}

/* Expect the walks to reach the actors' own points: an iommu_map() and an HPT attempt can fail. */
TEST(actor_points_are_reached)
{
	struct rig r;
	char why[256];
	int err;

	if (vfio_setup(&r)) {
		T_FAIL("%s", "vfio setup");
		return;
	}
	pfnlab_fault_inject(r.m, PFNLAB_FAULT_IOMMU_MAP, 1, false);
	err = vfio_map_dma(&r.h, r.g, 0, GUEST_RAM_HVA, r.g->ram, 3, why, sizeof(why));
	CHECK_EQ(err, -ENOMEM);
	CHECK_STR(why, "mapping in the IOMMU 8 MiB of guest RAM failed");
	verify(&ops[0], &r, err);
	if (hpt_setup(&r)) {
		T_FAIL("%s", "hpt setup");
		return;
	}
	pfnlab_fault_inject(r.m, PFNLAB_FAULT_HPT_ALLOC, 1, true);
	err = hpt_run(&r);
	CHECK_EQ(err, -ENOMEM);
	CHECK(r.g == NULL);
	CHECK_EQ(r.h.st.hpt_failed, 1);
	verify(&ops[1], &r, err);
}

RUN_TESTS(vfio_map_every_failure_point, hpt_every_failure_point, spapr_1g_every_failure_point,
	  actor_points_are_reached)
