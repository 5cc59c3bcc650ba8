/*
 * test_fault.c - every failure point of two long operations, injected
 * transiently and persistently at each pass the operation makes: a
 * whole-area cma_alloc() that must migrate borrowers out, and a long-term
 * pin (policy migrate-movable) of a space partly in CMA.  After each run:
 * the checker passes, pin counters balance, page contents are intact, and
 * once everything is released every page is free again (nothing leaked).
 */
#include <errno.h>

#include "model.h"
#include "test.h"

#define PAGE 4096ull
#define NPAGES 1024
#define GUEST 0x40000000ull

/*
 * 1024 frames, CMA [768, 1024); a filler fills non-CMA memory, the guest
 * (space 2) lands 192 pages in CMA, the filler frees 256 pages of room.
 */
static struct pfnlab_machine *setup(enum pfnlab_pin_policy policy, unsigned *guest, long long *free0)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	unsigned filler;

	test_tiny_config(&c, NPAGES, 6, 4);
	c.pcp = true; /* as the default machine: freed pages wait on the per-CPU lists */
	c.backed = true;
	c.pin_policy = policy;
	test_cma_area(&c, 768, 256, NULL);
	m = test_machine(&c);
	if (!m)
		return NULL;
	*free0 = pfnlab_vmstat(m, "nr_free_pages");
	pfnlab_mm_create(m, "filler", &filler);
	pfnlab_mm_map(m, filler, 0x100000, 256 * PAGE, 0);
	pfnlab_mm_map(m, filler, 0x200000, 512 * PAGE, 0);
	pfnlab_mm_touch(m, filler, 0x100000, 256 * PAGE, NULL);
	pfnlab_mm_touch(m, filler, 0x200000, 512 * PAGE, NULL);
	pfnlab_mm_create(m, "guest", guest);
	pfnlab_mm_map(m, *guest, GUEST, 192 * PAGE, 0);
	for (uint64_t i = 0; i < 192; i++) {
		uint64_t v = 0x5a5a000000000000ull | i;

		pfnlab_mm_write(m, *guest, GUEST + i * PAGE, &v, sizeof(v));
	}
	pfnlab_mm_unmap(m, filler, 0x100000, 256 * PAGE);
	return m;
}

static void verify(struct pfnlab_machine *m, unsigned guest, long long free0, long handle, uint64_t cma_pfn)
{
	char why[512];

	if (pfnlab_check(m, why, sizeof(why)))
		T_FAIL("checker: %s", why);
	for (uint64_t i = 0; i < 192; i++) {
		uint64_t v = 0;

		pfnlab_mm_read(m, guest, GUEST + i * PAGE, &v, sizeof(v));
		if (v != (0x5a5a000000000000ull | i)) {
			T_FAIL("guest page %llu lost its contents", (unsigned long long)i);
			break;
		}
	}
	if (handle > 0)
		CHECK_EQ(pfnlab_unpin(m, handle), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_foll_pin_acquired"), pfnlab_vmstat(m, "nr_foll_pin_released"));
	if (cma_pfn != UINT64_MAX)
		CHECK_EQ(pfnlab_cma_release(m, 0, cma_pfn, 256), 0);
	CHECK_EQ(pfnlab_mm_destroy(m, 1), 0);
	CHECK_EQ(pfnlab_mm_destroy(m, guest), 0);
	if (pfnlab_check(m, why, sizeof(why)))
		T_FAIL("checker after release: %s", why);
	pfnlab_drain_pages(m); /* freed pages wait on the per-CPU lists, as after drain_all_pages() */
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages"), free0);
}

/* One walk's state: the machine of setup(), the pin handle or CMA range taken */
struct walk_rig {
	enum pfnlab_pin_policy policy;
	struct pfnlab_machine *m;
	unsigned guest;
	long long free0;
	long handle;
	uint64_t pfn;
};

static struct pfnlab_machine *rig_setup(void *ctx)
{
	struct walk_rig *r = ctx;

	r->handle = 0;
	r->pfn = UINT64_MAX;
	return r->m = setup(r->policy, &r->guest, &r->free0);
}

/* a whole-area cma_alloc() */
static int cma_run(void *ctx)
{
	struct walk_rig *r = ctx;
	int err = pfnlab_cma_alloc(r->m, 0, 256, 0, &r->pfn);

	if (err)
		r->pfn = UINT64_MAX;
	return err;
}

/* a long-term pin of the guest */
static int pin_run(void *ctx)
{
	struct walk_rig *r = ctx;

	r->handle = pfnlab_pin(r->m, r->guest, GUEST, 192, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM, "test", NULL);
	return r->handle > 0 ? 0 : (int)r->handle;
}

static void rig_verify(void *ctx, int err)
{
	struct walk_rig *r = ctx;

	verify(r->m, r->guest, r->free0, r->handle, r->pfn);
	pfnlab_machine_destroy(r->m);
}


/* Expect a whole-area cma_alloc to fail or succeed cleanly at every injected failure. */
TEST(cma_alloc_every_failure_point)
{
	static const struct test_fault_op op = {"cma_alloc", rig_setup, cma_run, NULL, rig_verify};
	struct walk_rig r = {.policy = PFNLAB_PIN_NONE};

	CHECK(test_fault_walk(&op, &r, 40) > 20);
}

/* Expect a migrate-movable long-term pin to fail cleanly (nothing pinned) or succeed at every failure. */
TEST(longterm_pin_every_failure_point)
{
	static const struct test_fault_op op = {"pin", rig_setup, pin_run, NULL, rig_verify};
	struct walk_rig r = {.policy = PFNLAB_PIN_MIGRATE_MOVABLE};

	CHECK(test_fault_walk(&op, &r, 40) > 20);
}

/* Expect migrate-cma to pin in place rather than fail when its migration fails. */
TEST(migrate_cma_pins_in_place_on_failure)
{
	unsigned guest;
	long long free0;
	struct pfnlab_machine *m = setup(PFNLAB_PIN_MIGRATE_CMA, &guest, &free0);
	long h;

	if (!m)
		return;
	pfnlab_fault_inject(m, PFNLAB_FAULT_MIGRATE_TARGET, 1, true);
	h = pfnlab_pin(m, guest, GUEST, 192, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM, "test", NULL);
	CHECK(h > 0);
	pfnlab_fault_inject(m, PFNLAB_FAULT_MIGRATE_TARGET, 0, false);
	verify(m, guest, free0, h, UINT64_MAX);
	pfnlab_machine_destroy(m);
}

RUN_TESTS(cma_alloc_every_failure_point, longterm_pin_every_failure_point, migrate_cma_pins_in_place_on_failure)
