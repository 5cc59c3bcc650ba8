/*
 * test_cma.c - CMA areas, cma_alloc() over alloc_contig_range(), long-term
 * pins under each policy, and the culprit report; the whole-state checker
 * runs after every operation.
 *
 * Machine: 64 frames of 4 KiB, largest order 4 (16 pages), pageblock order
 * 3 (8 pages), one zone; a 16-page CMA area at PFNs [48, 64).
 * Picture legend, one character per frame, '|' between pageblocks:
 *   .  free   1/2  page of address space 1 ("b") or 2 ("vm1")   P  long-term pinned page
 *   K  allocated, not mapped (kernel or CMA allocation)
 */
#include <errno.h>

#include "model.h"
#include "test.h"

#define PAGE 4096ull
#define NPAGES 64
#define CMA_BASE 48

static struct pfnlab_machine *machine(enum pfnlab_era era, enum pfnlab_pin_policy policy, bool backed)
{
	struct pfnlab_config c;

	test_tiny_config(&c, NPAGES, 4, 3);
	c.era = era;
	c.cma_rule = PFNLAB_CMA_2015;
	c.pin_policy = policy;
	c.backed = backed;
	test_cma_area(&c, CMA_BASE, 16, "test");
	return test_machine(&c);
}

static const char *picture(const struct pfnlab_machine *m)
{
	static char buf[NPAGES * 2];
	size_t n = 0;

	for (uint64_t p = 0; p < NPAGES; p++) {
		struct pfnlab_page_info pi;
		char ch = '?';

		if (p && p % 8 == 0)
			buf[n++] = '|';
		pfnlab_page_info(m, p, &pi);
		if (pi.state == PFNLAB_PAGE_FREE)
			ch = '.';
		else if (pi.state == PFNLAB_PAGE_ALLOCATED)
			ch = 'K';
		else if (pi.state == PFNLAB_PAGE_ANON)
			ch = pi.longterm ? 'P' : (char)('0' + pi.owner);
		buf[n++] = ch;
	}
	buf[n] = 0;
	return buf;
}


static size_t count_substr(const char *s, const char *sub)
{
	size_t n = 0;

	for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub))
		n++;
	return n;
}

/*
 * Fill the machine: space b (1) takes the 48 non-CMA pages, vm1 (2) then
 * borrows 8 CMA pages, b gives its first 16 virtual pages back (in the 2015
 * era those sit at the top of the non-CMA memory):
 *   |11111111|11111111|11111111|11111111|........|........|22222222|........|
 */
static void borrow(struct pfnlab_machine *m, unsigned *a, unsigned *b)
{
	CHECK_EQ(pfnlab_mm_create(m, "b", b), 0);
	CHECK_EQ(pfnlab_mm_map(m, *b, 0x100000, 16 * PAGE, 0), 0);
	CHECK_EQ(pfnlab_mm_map(m, *b, 0x110000, 32 * PAGE, 0), 0);
	CHECK_EQ(pfnlab_mm_touch(m, *b, 0x100000, 48 * PAGE, NULL), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_mm_create(m, "vm1", a), 0);
	CHECK_EQ(pfnlab_mm_map(m, *a, 0x200000, 8 * PAGE, 0), 0);
	for (uint64_t i = 0; i < 8; i++) {
		uint64_t v = 0xa5a5000000000000ull | i;

		CHECK_EQ(pfnlab_mm_write(m, *a, 0x200000 + i * PAGE, &v, sizeof(v)), 0);
	}
	test_check_state(m);
	for (uint64_t i = 0; i < 8; i++) {
		uint64_t pfn = 0;

		pfnlab_mm_lookup(m, *a, 0x200000 + i * PAGE, &pfn);
		if (pfnlab_pageblock_type(m, pfn) != PFNLAB_MT_CMA)
			T_FAIL("page %llu of a is at pfn %llu, outside CMA", (unsigned long long)i,
			       (unsigned long long)pfn);
	}
	CHECK_EQ(pfnlab_mm_unmap(m, *b, 0x100000, 16 * PAGE), 0);
	test_check_state(m);
}

static void contents_intact(struct pfnlab_machine *m, unsigned a)
{
	for (uint64_t i = 0; i < 8; i++) {
		uint64_t v = 0;

		CHECK_EQ(pfnlab_mm_read(m, a, 0x200000 + i * PAGE, &v, sizeof(v)), 0);
		CHECK_EQ(v, 0xa5a5000000000000ull | i);
	}
}

static int pinned_in_cma(const struct pfnlab_machine *m)
{
	int n = 0;

	for (uint64_t p = CMA_BASE; p < NPAGES; p++) {
		struct pfnlab_page_info pi;

		pfnlab_page_info(m, p, &pi);
		n += pi.state == PFNLAB_PAGE_ANON && pi.longterm;
	}
	return n;
}

/*
 *   |........|........|........|........|........|........|CCCCCCCC|CCCCCCCC|
 * Expect the CMA pageblocks typed CMA and free, the whole area allocatable,
 * debugfs used/maxchunk and sysfs counters to follow, and release to undo it.
 */
TEST(whole_area_alloc_and_release)
{
	struct pfnlab_machine *m = machine(PFNLAB_ERA_CURRENT, PFNLAB_PIN_NONE, false);
	struct pfnlab_cma_info ci;
	uint64_t pfn = 0;

	CHECK_EQ(pfnlab_cma_count(m), 1);
	CHECK_EQ(pfnlab_cma_find(m, "test"), 0);
	CHECK_EQ(pfnlab_cma_find(m, "nope"), -ENOENT);
	CHECK_EQ(pfnlab_pageblock_type(m, 48), PFNLAB_MT_CMA);
	CHECK_EQ(pfnlab_pageblock_type(m, 56), PFNLAB_MT_CMA);
	CHECK_EQ(pfnlab_pageblock_type(m, 40), PFNLAB_MT_MOVABLE);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 16, 0, &pfn), 0);
	CHECK_EQ(pfn, 48);
	test_check_state(m);
	CHECK_STR(picture(m), "........|........|........|........|........|........|KKKKKKKK|KKKKKKKK");
	CHECK_EQ(pfnlab_cma_info(m, 0, &ci), 0);
	CHECK_EQ(ci.used, 16);
	CHECK_EQ(ci.maxchunk, 0);
	CHECK_EQ(ci.alloc_pages_success, 16);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 1, 0, &pfn), -ENOMEM);
	CHECK_EQ(pfnlab_cma_release(m, 0, 48, 16), 0);
	test_check_state(m);
	CHECK_EQ(pfnlab_cma_info(m, 0, &ci), 0);
	CHECK_EQ(ci.used, 0);
	CHECK_EQ(ci.maxchunk, 16);
	CHECK_EQ(ci.release_pages_success, 16);
	CHECK_EQ(ci.alloc_pages_fail, 1);
	CHECK_EQ(pfnlab_nr_free(m, PFNLAB_ZONE_DMA, 4, PFNLAB_MT_CMA), 1);
	pfnlab_machine_destroy(m);
}

/* Expect bad releases refused with -EINVAL and nothing changed. */
TEST(bad_release)
{
	struct pfnlab_machine *m = machine(PFNLAB_ERA_CURRENT, PFNLAB_PIN_NONE, false);
	uint64_t pfn = 0;

	CHECK_EQ(pfnlab_cma_release(m, 0, 48, 4), -EINVAL);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 4, 0, &pfn), 0);
	CHECK_EQ(pfnlab_cma_release(m, 0, pfn, 8), -EINVAL);
	CHECK_EQ(pfnlab_cma_release(m, 0, 40, 4), -EINVAL);
	CHECK_EQ(pfnlab_cma_release(m, 1, pfn, 4), -EINVAL);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 17, 0, &pfn), -EINVAL);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 0, 0, &pfn), -EINVAL);
	test_check_state(m);
	CHECK_STR(picture(m), "........|........|........|........|........|........|KKKK....|........");
	CHECK_EQ(pfnlab_cma_release(m, 0, 48, 4), 0);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 *   |........|........|........|........|........|........|.K......|........|
 * Expect an aligned request (align order 2: mask 3) to skip candidates that
 * are not multiples of 4 pages, and a busy first candidate to move on by
 * mask + 1 bits: the kernel's retry rule.
 */
TEST(bitmap_alignment_and_retry)
{
	struct pfnlab_machine *m = machine(PFNLAB_ERA_CURRENT, PFNLAB_PIN_NONE, false);
	struct test_capture cap = {.len = 0};
	struct pfnlab_sink sink = {test_capture_write, &cap};
	uint64_t pfn = 0, kpfn = 0;

	/* an unmovable page planted inside CMA, outside the bitmap's knowledge */
	CHECK_EQ(pfnlab_alloc_contig_range(m, 49, 50, PFNLAB_MT_CMA), 0);
	test_check_state(m);
	CHECK_STR(picture(m), "........|........|........|........|........|........|.K......|........");
	pfnlab_set_trace(m, &sink);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 4, 2, &pfn), 0);
	CHECK_EQ(pfn, 52);
	CHECK_EQ(count_substr(cap.text, "cma_alloc_busy_retry: name=test pfn=0x30 "), 1);
	CHECK_EQ(count_substr(cap.text, "test_pages_isolated: start_pfn=0x30 end_pfn=0x34 fin_pfn=0x31 ret=fail"), 1);
	CHECK(strstr(cap.text, "cma_alloc_finish: name=test pfn=0x34 page=(____ptrval____) count=4 align=2\n") != NULL);
	test_check_state(m);
	(void)kpfn;
	pfnlab_set_trace(m, NULL);
	CHECK_EQ(pfnlab_cma_release(m, 0, 52, 4), 0);
	CHECK_EQ(pfnlab_free_contig_range(m, 49, 1), 0);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 *   |11111111|11111111|11111111|11111111|........|........|2222PPPP|........|
 * Policy none, 2015 kernel: the upper four of vm1's borrowed CMA pages are
 * pinned where they are.  Expect a whole-area cma_alloc to migrate the
 * lower four out, then fail with -EBUSY and the kernel's message
 * "alloc_contig_range: [30, 40) PFNs busy" (outer_start 0x30 is a free
 * buddy head once the lower pages left), and the culprit list to name vm1,
 * its addresses and the pinner.
 */
TEST(pinned_in_cma_blocks_cma_alloc_2015)
{
	struct pfnlab_machine *m = machine(PFNLAB_ERA_2015, PFNLAB_PIN_NONE, true);
	struct test_capture log = {.len = 0};
	struct pfnlab_sink sink = {test_capture_write, &log};
	struct pfnlab_contig_failure f;
	unsigned a = 0, b = 0;
	uint64_t pfn = 0;
	long h;

	borrow(m, &a, &b);
	CHECK_STR(picture(m), "11111111|11111111|11111111|11111111|........|........|22222222|........");
	h = pfnlab_pin(m, a, 0x204000, 4, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE,
		       "VFIO container of guest vm1", NULL);
	CHECK(h > 0);
	test_check_state(m);
	CHECK_STR(picture(m), "11111111|11111111|11111111|11111111|........|........|2222PPPP|........");
	pfnlab_set_log(m, &sink);
	pfnlab_advance(m, 5000000000ull);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 16, 0, &pfn), -EBUSY);
	test_check_state(m);
	CHECK_STR(log.text, "alloc_contig_range: [30, 40) PFNs busy\n");
	CHECK_EQ(pfnlab_contig_failure(m, &f), 0);
	CHECK_EQ(f.outer_start, 48);
	CHECK_EQ(f.fin_pfn, 52);
	CHECK_EQ(f.end, 64);
	CHECK_EQ(f.nr_culprits, 4);
	for (size_t i = 0; i < f.nr_culprits; i++) {
		CHECK_EQ(f.culprits[i].pfn, 52 + i);
		CHECK_EQ(f.culprits[i].kind, PFNLAB_HOLD_LONGTERM_PIN);
		CHECK_EQ(f.culprits[i].owner, a);
		CHECK_STR(f.culprits[i].owner_name, "vm1");
		CHECK_STR(f.culprits[i].pinner, "VFIO container of guest vm1");
		CHECK_EQ(f.culprits[i].vaddr, 0x204000 + i * PAGE);
		CHECK_EQ(f.culprits[i].pincount, 1);
		CHECK_EQ(f.culprits[i].since_ns, 0);
	}
	/* the work was done and wasted: the unpinned pages left CMA */
	CHECK_STR(picture(m), "11111111|11111111|11111111|11111111|2222....|........|....PPPP|........");
	contents_intact(m, a);
	CHECK_EQ(pfnlab_unpin(m, h), 0);
	CHECK_EQ(pfnlab_unpin(m, h), -ENOENT);
	test_check_state(m);
	/* unpinned, the same allocation migrates the rest out and succeeds */
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 16, 0, &pfn), 0);
	test_check_state(m);
	contents_intact(m, a);
	pfnlab_machine_destroy(m);
}

/*
 * A pinned page at the very start of the range: the 2015 kernel finds no
 * free buddy head for outer_start and gives up with -EBUSY, silently.
 */
TEST(pinned_at_start_is_silent_2015)
{
	struct pfnlab_machine *m = machine(PFNLAB_ERA_2015, PFNLAB_PIN_NONE, false);
	struct test_capture log = {.len = 0};
	struct pfnlab_sink sink = {test_capture_write, &log};
	unsigned a = 0, b = 0;
	uint64_t pfn = 0;

	borrow(m, &a, &b);
	CHECK(pfnlab_pin(m, a, 0x200000, 8, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM, "vfio", NULL) > 0);
	pfnlab_set_log(m, &sink);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 16, 0, &pfn), -EBUSY);
	CHECK_EQ(log.len, 0);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 * The same under today's kernel: no message, but the test_pages_isolated
 * trace line with the first busy PFN, one busy retry per candidate, and
 * cma_alloc_finish with a NULL page.
 */
TEST(pinned_in_cma_blocks_cma_alloc_current)
{
	struct pfnlab_machine *m = machine(PFNLAB_ERA_CURRENT, PFNLAB_PIN_NONE, true);
	struct test_capture tr = {.len = 0}, log = {.len = 0};
	struct pfnlab_sink ts = {test_capture_write, &tr}, ls = {test_capture_write, &log};
	struct test_capture js = {.len = 0};
	struct pfnlab_sink jsink = {test_capture_write, &js};
	unsigned a = 0, b = 0;
	uint64_t pfn = 0;
	long h;

	borrow(m, &a, &b);
	h = pfnlab_pin(m, a, 0x200000, 8, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM, "vfio", NULL);
	CHECK(h > 0);
	pfnlab_set_trace(m, &ts);
	pfnlab_set_log(m, &ls);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 16, 0, &pfn), -EBUSY);
	test_check_state(m);
	CHECK(strstr(tr.text, "cma_alloc_start: name=test count=16 align=0\n") != NULL);
	CHECK_EQ(count_substr(tr.text, "test_pages_isolated: start_pfn=0x30 end_pfn=0x40 fin_pfn=0x30 ret=fail"), 1);
	CHECK_EQ(count_substr(tr.text, "cma_alloc_busy_retry:"), 1);
	CHECK(strstr(tr.text, "cma_alloc_finish: name=test pfn=0x30 page=0000000000000000 count=16 align=0\n") != NULL);
	CHECK_EQ(count_substr(log.text, "PFNs busy"), 0);
	CHECK_STR(log.text, "cma: cma_alloc: test: alloc failed, req-size: 16 pages, ret: -16\n");
	CHECK_EQ(pfnlab_print_culprits(m, true, &jsink), 0);
	CHECK(strstr(js.text, "\"kind\":\"longterm_pin\",\"space\":2,\"space_name\":\"vm1\"") != NULL);
	CHECK_EQ(count_substr(js.text, "\"pinner\":\"vfio\""), 8);
	CHECK_EQ(pfnlab_unpin(m, h), 0);
	pfnlab_machine_destroy(m);
}

/*
 *   before: |11111111|11111111|11111111|11111111|........|........|22222222|........|
 *   after:  vm1's pinned pages outside CMA, CMA free again
 * Expect every migrating policy to move the pinned pages out of CMA before
 * pinning, keep their contents, and leave the whole area allocatable.
 */
TEST(migrating_policies_keep_pins_out_of_cma)
{
	const enum pfnlab_pin_policy pols[] = {PFNLAB_PIN_RFC2015, PFNLAB_PIN_MIGRATE_CMA,
					       PFNLAB_PIN_MIGRATE_MOVABLE, PFNLAB_PIN_AWARE};

	for (size_t k = 0; k < sizeof(pols) / sizeof(pols[0]); k++)
		for (int era = 0; era < 2; era++) {
			struct pfnlab_machine *m = machine((enum pfnlab_era)era, pols[k], true);
			unsigned a = 0, b = 0;
			uint64_t pfn = 0, pfns[8];
			long h;

			test_variant = pfnlab_pin_policy_name(pols[k]);
			borrow(m, &a, &b);
			h = pfnlab_pin(m, a, 0x200000, 8, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM, "vfio", pfns);
			CHECK(h > 0);
			test_check_state(m);
			CHECK_EQ(pinned_in_cma(m), 0);
			for (int i = 0; i < 8; i++)
				CHECK(pfns[i] < CMA_BASE);
			CHECK_EQ(pfnlab_vmstat(m, "pfnlab_pin_migrated"), 8);
			contents_intact(m, a);
			CHECK_EQ(pfnlab_cma_alloc(m, 0, 16, 0, &pfn), 0);
			test_check_state(m);
			CHECK_EQ(pfnlab_unpin(m, h), 0);
			test_check_state(m);
			pfnlab_machine_destroy(m);
			test_variant = NULL;
		}
}

/*
 * A long-term pin while the pageblocks under the pages are isolated
 * (alloc_contig_range() or memory offlining at work on another CPU):
 * v5.19's is_longterm_pinnable_page() counts MIGRATE_ISOLATE as
 * unpinnable, so migrate-movable and pin-aware move the 8 pages out of
 * the isolated blocks before pinning them; v5.1's migrate-cma looks at
 * CMA alone and pins them where they are.  Nothing is in CMA here.
 *   |11111111|........|........|...  vm1's pages (1, the first space) and
 *   every pageblock they touch isolated (here PFNs 0-7)
 */
TEST(pin_moves_pages_out_of_isolated_pageblocks)
{
	const enum pfnlab_pin_policy pols[] = {PFNLAB_PIN_MIGRATE_CMA, PFNLAB_PIN_MIGRATE_MOVABLE, PFNLAB_PIN_AWARE};

	for (size_t k = 0; k < sizeof(pols) / sizeof(pols[0]); k++) {
		struct pfnlab_machine *m = machine(PFNLAB_ERA_CURRENT, pols[k], true);
		bool moves = pols[k] != PFNLAB_PIN_MIGRATE_CMA;
		uint64_t before[8], pfns[8], lo = UINT64_MAX, hi = 0;
		unsigned a = 0;
		long h;

		test_variant = pfnlab_pin_policy_name(pols[k]);
		CHECK_EQ(pfnlab_mm_create(m, "vm1", &a), 0);
		CHECK_EQ(pfnlab_mm_map(m, a, 0x200000, 8 * PAGE, 0), 0);
		for (uint64_t i = 0; i < 8; i++) {
			uint64_t v = 0xa5a5000000000000ull | i;

			CHECK_EQ(pfnlab_mm_write(m, a, 0x200000 + i * PAGE, &v, sizeof(v)), 0);
			CHECK_EQ(pfnlab_mm_lookup(m, a, 0x200000 + i * PAGE, &before[i]), 0);
			lo = before[i] < lo ? before[i] : lo;
			hi = before[i] > hi ? before[i] : hi;
		}
		CHECK(hi < CMA_BASE);
		lo &= ~7ull;
		hi = (hi | 7) + 1;
		CHECK_EQ(start_isolate_page_range(m, lo, hi, PFNLAB_MT_MOVABLE), 0);
		for (uint64_t p = lo; p < hi; p += 8) /* isolated from outside the model, as a snapshot's */
			m->pageblock[p >> 3] |= PB_HELD;
		test_check_state(m);
		h = pfnlab_pin(m, a, 0x200000, 8, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM, "vfio", pfns);
		CHECK(h > 0);
		test_check_state(m);
		for (int i = 0; i < 8; i++) {
			CHECK_EQ(pfns[i] >= lo && pfns[i] < hi, !moves);
			CHECK_EQ(pfns[i] == before[i], !moves);
			CHECK(pfns[i] < CMA_BASE);
		}
		CHECK_EQ(pfnlab_vmstat(m, "pfnlab_pin_migrated"), moves ? 8 : 0);
		contents_intact(m, a);
		for (uint64_t p = lo; p < hi; p += 8)
			m->pageblock[p >> 3] &= (uint8_t)~PB_HELD;
		undo_isolate_page_range(m, lo, hi, PFNLAB_MT_MOVABLE);
		test_check_state(m);
		CHECK_EQ(pfnlab_unpin(m, h), 0);
		test_check_state(m);
		pfnlab_machine_destroy(m);
		test_variant = NULL;
	}
}

/*
 *   |11111111|11111111|11111111|11111111|11111111|11111111|22222222|........|
 * Policy migrate-movable with no free page outside CMA and no task the
 * OOM killer may choose (oom_score_adj -1000): expect the targets'
 * allocation to end in the OOM killer's panic, the pin to fail with
 * -ENOMEM, nothing pinned, pin counters balanced, contents intact.
 */
TEST(migrate_movable_fails_cleanly_without_room)
{
	struct pfnlab_machine *m = machine(PFNLAB_ERA_CURRENT, PFNLAB_PIN_MIGRATE_MOVABLE, true);
	struct pfnlab_task t = {.comm = "task", .pid = 100, .oom_score_adj = -1000};
	unsigned a = 0, b = 0;
	long h;

	CHECK_EQ(pfnlab_mm_create(m, "b", &b), 0);
	CHECK_EQ(pfnlab_mm_set_task(m, b, &t), 0);
	CHECK_EQ(pfnlab_mm_map(m, b, 0x100000, 48 * PAGE, 0), 0);
	CHECK_EQ(pfnlab_mm_touch(m, b, 0x100000, 48 * PAGE, NULL), 0);
	CHECK_EQ(pfnlab_mm_create(m, "vm1", &a), 0);
	CHECK_EQ(pfnlab_mm_set_task(m, a, &t), 0);
	CHECK_EQ(pfnlab_mm_map(m, a, 0x200000, 8 * PAGE, 0), 0);
	for (uint64_t i = 0; i < 8; i++) {
		uint64_t v = 0xa5a5000000000000ull | i;

		CHECK_EQ(pfnlab_mm_write(m, a, 0x200000 + i * PAGE, &v, sizeof(v)), 0);
	}
	test_check_state(m);
	CHECK(!pfnlab_panicked(m, NULL, 0));
	h = pfnlab_pin(m, a, 0x200000, 8, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM, "vfio", NULL);
	CHECK_EQ(h, -ENOMEM);
	CHECK(pfnlab_panicked(m, NULL, 0));
	test_check_state(m);
	CHECK_EQ(pinned_in_cma(m), 0);
	for (uint64_t p = 0; p < NPAGES; p++) {
		struct pfnlab_page_info pi;

		pfnlab_page_info(m, p, &pi);
		CHECK_EQ(pi.pincount, 0);
	}
	CHECK_EQ(pfnlab_vmstat(m, "pfnlab_pin_failed"), 1);
	CHECK_EQ(pfnlab_vmstat(m, "nr_foll_pin_acquired"), pfnlab_vmstat(m, "nr_foll_pin_released"));
	contents_intact(m, a);
	/* policy migrate-cma pins in place instead */
	pfnlab_machine_destroy(m);
}

/*
 * A page held by a plain reference (vmsplice into a pipe never read) and
 * one held by a transient reference: expect both named as culprits with
 * their kind, and the transient one gone once its time has passed.
 */
TEST(get_and_transient_culprits)
{
	struct pfnlab_machine *m = machine(PFNLAB_ERA_CURRENT, PFNLAB_PIN_NONE, false);
	struct pfnlab_contig_failure f;
	unsigned a = 0, b = 0;
	uint64_t p1 = 0, p2 = 0, pfn = 0;

	borrow(m, &a, &b);
	CHECK_EQ(pfnlab_gup(m, a, 0x200000, 1, PFNLAB_FOLL_GET, &p1), 0);
	CHECK_EQ(pfnlab_mm_lookup(m, a, 0x200000 + 3 * PAGE, &p2), 0);
	CHECK_EQ(pfnlab_page_ref_transient(m, p2, 1000), 0);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 16, 0, &pfn), -EBUSY);
	test_check_state(m);
	CHECK_EQ(pfnlab_contig_failure(m, &f), 0);
	CHECK_EQ(f.nr_culprits, 2);
	for (size_t i = 0; i < f.nr_culprits; i++) {
		if (f.culprits[i].pfn == p1)
			CHECK_EQ(f.culprits[i].kind, PFNLAB_HOLD_GET);
		else if (f.culprits[i].pfn == p2)
			CHECK_EQ(f.culprits[i].kind, PFNLAB_HOLD_TRANSIENT);
		else
			T_FAIL("unexpected culprit pfn %llu", (unsigned long long)f.culprits[i].pfn);
	}
	/* the other six pages of vm1 were migrated out even though the attempt failed */
	CHECK_EQ(pfnlab_vmstat(m, "pgmigrate_success"), 6);
	pfnlab_advance(m, 2000);
	CHECK_EQ(pfnlab_put_pages(m, &p1, 1, PFNLAB_FOLL_GET), 0);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 16, 0, &pfn), 0);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 * count - 1 pages with a busy page at the area's top half: expect two
 * candidates (bitmap_no 0 and 1, mask 0), as real 6.1 and 6.12 did in
 * ../shared/data/cma-busy-oracle.
 */
TEST(count_minus_one_tries_two_candidates)
{
	struct pfnlab_machine *m = machine(PFNLAB_ERA_CURRENT, PFNLAB_PIN_NONE, false);
	struct test_capture tr = {.len = 0};
	struct pfnlab_sink ts = {test_capture_write, &tr};
	struct pfnlab_cma_info ci;
	uint64_t pfn = 0;

	CHECK_EQ(pfnlab_alloc_contig_range(m, 60, 61, PFNLAB_MT_CMA), 0);
	pfnlab_set_trace(m, &ts);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 15, 0, &pfn), -EBUSY);
	CHECK_EQ(count_substr(tr.text, "cma_alloc_busy_retry: name=test pfn=0x30 "), 1);
	CHECK_EQ(count_substr(tr.text, "cma_alloc_busy_retry: name=test pfn=0x31 "), 1);
	CHECK_EQ(count_substr(tr.text, "cma_alloc_busy_retry:"), 2);
	CHECK_EQ(pfnlab_cma_info(m, 0, &ci), 0);
	CHECK_EQ(ci.alloc_pages_fail, 15);
	CHECK_EQ(ci.used, 0);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/*
 * cma_declare_contiguous_nid() on an 8 GiB x86_64 machine (RAM [0, 3 GiB)
 * and [4 GiB, 9 GiB), 2 MiB pageblocks; 4 MiB MAX_ORDER blocks in 2015):
 *
 *   0        1G       2G       3G  hole  4G                      9G
 *   |........|........|........|        |.........................|
 *
 * Expect: a placed area goes bottom-up from 4 GiB today, top-down below
 * the end of RAM in 2015; a limit caps both (today's bottom-up pass starts
 * at 4 GiB whatever the base); a base with a limit other than base + size
 * is the lowest placement; a fixed base must be aligned; base + size may
 * not exceed the limit.  A refusal's reason starts "CMA area NAME".
 */
TEST(cma_declare_placement)
{
	static const struct {
		enum pfnlab_era era;
		uint64_t size, base, limit;
		uint64_t want_base;       /* bytes, or 0 when the machine is refused */
		const char *want_error;
	} cases[] = {
		{PFNLAB_ERA_CURRENT, 64 << 20, 0, 0, 4ull << 30, NULL},
		{PFNLAB_ERA_2015, 64 << 20, 0, 0, (9ull << 30) - (64 << 20), NULL},
		{PFNLAB_ERA_CURRENT, 64 << 20, 0, 1ull << 30, (1ull << 30) - (64 << 20), NULL},
		{PFNLAB_ERA_2015, 64 << 20, 0, 1ull << 30, (1ull << 30) - (64 << 20), NULL},
		{PFNLAB_ERA_CURRENT, 64 << 20, 1ull << 30, 2ull << 30, (2ull << 30) - (64 << 20), NULL},
		{PFNLAB_ERA_CURRENT, 64 << 20, 6ull << 30, 7ull << 30, 4ull << 30, NULL},
		{PFNLAB_ERA_2015, 64 << 20, 6ull << 30, 7ull << 30, (7ull << 30) - (64 << 20), NULL},
		{PFNLAB_ERA_CURRENT, 64 << 20, 1ull << 30, (1ull << 30) + (64 << 20), 1ull << 30, NULL},
		{PFNLAB_ERA_CURRENT, 64 << 20, 1ull << 30, 0, 1ull << 30, NULL},
		{PFNLAB_ERA_CURRENT, 64 << 20, (1ull << 30) + (1 << 20), 0, 0, "must be aligned to 0x200000 bytes"},
		{PFNLAB_ERA_2015, 64 << 20, (1ull << 30) + (2 << 20), 0, 0, "must be aligned to 0x400000 bytes"},
		{PFNLAB_ERA_CURRENT, 63 << 20, 1ull << 30, (1ull << 30) + (63 << 20), 0, "exceeds limit 0x43e00000"},
		{PFNLAB_ERA_CURRENT, 64 << 20, 2ull << 30, (2ull << 30) + (32 << 20), 0, "exceeds limit"},
		{PFNLAB_ERA_CURRENT, 64 << 20, (3ull << 30) - (32 << 20), 0, 0, "is not free RAM"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pfnlab_config c;
		struct pfnlab_machine *m = NULL;
		struct pfnlab_cma_info ci;
		char why[256] = "", var[32];
		int err;

		snprintf(var, sizeof(var), "case %zu", i);
		test_variant = var;
		pfnlab_config_preset(&c, "x86_64", 8ull << 30);
		c.era = cases[i].era;
		c.nr_cma = 1;
		c.cma[0].size = cases[i].size;
		c.cma[0].base = cases[i].base;
		c.cma[0].limit = cases[i].limit;
		snprintf(c.cma[0].name, sizeof(c.cma[0].name), "pool");
		err = pfnlab_machine_create(&c, &m, why, sizeof(why));
		if (cases[i].want_error) {
			CHECK_EQ(err, -EINVAL);
			CHECK(strstr(why, cases[i].want_error) != NULL);
			CHECK(!strncmp(why, "CMA area pool", 13)); /* the documented prefix scenarios rely on */
		} else if (err) {
			T_FAIL("refused: %s", why);
		} else {
			CHECK_EQ(pfnlab_cma_info(m, 0, &ci), 0);
			CHECK_EQ(ci.base_pfn << 12, cases[i].want_base);
			test_check_state(m);
		}
		pfnlab_machine_destroy(m);
		test_variant = NULL;
	}
}

RUN_TESTS(cma_declare_placement, whole_area_alloc_and_release, bad_release, bitmap_alignment_and_retry,
	  pinned_in_cma_blocks_cma_alloc_2015, pinned_at_start_is_silent_2015,
	  pinned_in_cma_blocks_cma_alloc_current,
	  migrating_policies_keep_pins_out_of_cma, pin_moves_pages_out_of_isolated_pageblocks, migrate_movable_fails_cleanly_without_room,
	  get_and_transient_culprits, count_minus_one_tries_two_candidates)
