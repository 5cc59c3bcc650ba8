/*
 * test_api.c - the public API's argument rules (include/pfnlab.h): a NULL
 * pointer where an object is needed is refused with the function's
 * documented value and changes nothing; model time stops at
 * PFNLAB_NOW_MAX; configurations with enum values out of range or two CMA
 * areas of one name are refused with a reason.
 */
#include <errno.h>

#include "test.h"

static void sink_write(void *arg, const char *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
}

/* A small x86_64 machine with one CMA area, an address space and a file; NULL fails the test. */
static struct pfnlab_machine *api_machine(unsigned *mm, unsigned *file)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char why[256] = "";

	pfnlab_config_preset(&c, "x86_64", 256ull << 20);
	c.nr_cma = 1;
	c.cma[0].size = 16ull << 20;
	snprintf(c.cma[0].name, sizeof(c.cma[0].name), "area");
	if (pfnlab_machine_create(&c, &m, why, sizeof(why))) {
		T_FAIL("machine: %s", why);
		return NULL;
	}
	CHECK_EQ(pfnlab_mm_create(m, "p", mm), 0);
	CHECK_EQ(pfnlab_mm_map(m, *mm, 1ull << 30, 1ull << 20, 0), 0);
	CHECK_EQ(pfnlab_file_create(m, "f", PFNLAB_FS_EXT4, 1 << 20, file), 0);
	return m;
}

/*
 * Expect every function taking the machine to refuse a NULL one with its
 * documented value (-EINVAL, 0, -1, NULL, false, nothing), the two of the
 * per-page hot path excepted.
 */
TEST(null_machine_check)
{
	const struct pfnlab_sink s = {sink_write, NULL};
	struct pfnlab_page_info pi;
	struct pfnlab_cma_info ci;
	struct pfnlab_file_info fi;
	struct pfnlab_hugetlb_info hi;
	struct pfnlab_contig_failure cf;
	struct pfnlab_task t = {.comm = "x"};
	struct pfnlab_oom_event ev;
	struct pfnlab_migrate_target tg = {PFNLAB_GFP_HIGHUSER_MOVABLE, 0};
	uint64_t pfn = 0, u = 7, v = 7;
	unsigned id;
	char buf[8] = "x";

	CHECK_EQ(pfnlab_advance(NULL, 1), -EINVAL);
	CHECK_EQ(pfnlab_alloc_contig_range(NULL, 0, 1, PFNLAB_MT_MOVABLE), -EINVAL);
	CHECK_EQ(pfnlab_check(NULL, NULL, 0), -EINVAL);
	CHECK_EQ(pfnlab_cma_alloc(NULL, 0, 1, 0, &pfn), -EINVAL);
	CHECK_EQ(pfnlab_cma_count(NULL), 0);
	CHECK_EQ(pfnlab_cma_find(NULL, "area"), -EINVAL);
	CHECK_EQ(pfnlab_cma_info(NULL, 0, &ci), -EINVAL);
	CHECK_EQ(pfnlab_cma_release(NULL, 0, 0, 1), -EINVAL);
	CHECK_EQ(pfnlab_compact_memory(NULL), -EINVAL);
	CHECK_EQ(pfnlab_contig_failure(NULL, &cf), -EINVAL);
	pfnlab_drain_pages(NULL);
	CHECK_EQ(pfnlab_fault_hits(NULL, PFNLAB_FAULT_ISOLATE), 0);
	CHECK_EQ(pfnlab_fault_inject(NULL, PFNLAB_FAULT_ISOLATE, 1, false), -EINVAL);
	CHECK_EQ(pfnlab_fault_should_fail(NULL, PFNLAB_FAULT_ISOLATE), false);
	CHECK_EQ(pfnlab_file_close(NULL, 1), -EINVAL);
	CHECK_EQ(pfnlab_file_create(NULL, "f", PFNLAB_FS_EXT4, 4096, &id), -EINVAL);
	CHECK_EQ(pfnlab_file_info(NULL, 1, &fi), -EINVAL);
	CHECK_EQ(pfnlab_file_read(NULL, 1, 0, 1), -EINVAL);
	CHECK_EQ(pfnlab_file_sync(NULL, 1), -EINVAL);
	CHECK_EQ(pfnlab_file_truncate_pages(NULL, 1), -EINVAL);
	CHECK_EQ(pfnlab_file_write(NULL, 1, 0, 1), -EINVAL);
	CHECK_EQ(pfnlab_free_contig_range(NULL, 0, 1), -EINVAL);
	CHECK_EQ(pfnlab_gup(NULL, 1, 0, 1, PFNLAB_FOLL_GET, NULL), -EINVAL);
	pfnlab_hugetlb_boot_log(NULL);
	CHECK_EQ(pfnlab_hugetlb_count(NULL), 0);
	CHECK_EQ(pfnlab_hugetlb_find(NULL, 0), -EINVAL);
	CHECK_EQ(pfnlab_hugetlb_info(NULL, 0, &hi), -EINVAL);
	CHECK_EQ(pfnlab_hugetlb_set_overcommit(NULL, 0, 1), -EINVAL);
	CHECK_EQ(pfnlab_hugetlb_set_pages(NULL, 0, 1), -EINVAL);
	CHECK_EQ(pfnlab_hugetlbfs_create(NULL, "h", 0, 2 << 20, &id), -EINVAL);
	CHECK(pfnlab_machine_config(NULL) == NULL);
	pfnlab_machine_destroy(NULL);
	CHECK_EQ(pfnlab_map_ansi(NULL, NULL, &s), -EINVAL);
	CHECK_EQ(pfnlab_map_png(NULL, NULL, &s), -EINVAL);
	CHECK_EQ(pfnlab_map_svg(NULL, NULL, &s), -EINVAL);
	CHECK_EQ(pfnlab_memfd_create(NULL, "m", 4096, &id), -EINVAL);
	CHECK_EQ(pfnlab_migrate_pages(NULL, &pfn, 1, &tg, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_SYSCALL, NULL), -EINVAL);
	CHECK_EQ(pfnlab_mm_create(NULL, "p", &id), -EINVAL);
	CHECK_EQ(pfnlab_mm_destroy(NULL, 1), -EINVAL);
	CHECK_EQ(pfnlab_mm_hugetlb(NULL, 1, &u), -EINVAL);
	CHECK_EQ(pfnlab_mm_lookup(NULL, 1, 0, &pfn), -EINVAL);
	CHECK_EQ(pfnlab_mm_map(NULL, 1, 0, 4096, 0), -EINVAL);
	CHECK_EQ(pfnlab_mm_map_file(NULL, 1, 0, 4096, 1, 0, 0), -EINVAL);
	CHECK_EQ(pfnlab_mm_read(NULL, 1, 0, buf, 1), -EINVAL);
	CHECK_EQ(pfnlab_mm_rss(NULL, 1, &u, NULL, NULL), -EINVAL);
	CHECK_EQ(pfnlab_mm_set_pin_aware(NULL, 1, true), -EINVAL);
	CHECK_EQ(pfnlab_mm_set_task(NULL, 1, &t), -EINVAL);
	CHECK_EQ(pfnlab_mm_task(NULL, 1, &t), -EINVAL);
	CHECK_EQ(pfnlab_mm_touch(NULL, 1, 0, 4096, NULL), -EINVAL);
	CHECK_EQ(pfnlab_mm_unmap(NULL, 1, 0, 4096), -EINVAL);
	CHECK_EQ(pfnlab_mm_write(NULL, 1, 0, buf, 1), -EINVAL);
	CHECK_EQ(pfnlab_now(NULL), 0);
	CHECK_EQ(pfnlab_nr_files(NULL), 0);
	CHECK_EQ(pfnlab_nr_free(NULL, PFNLAB_ZONE_NORMAL, 0, PFNLAB_MT_MOVABLE), -1);
	CHECK_EQ(pfnlab_nr_pfns(NULL), 0);
	CHECK_EQ(pfnlab_oom_next(NULL, &ev), -EINVAL);
	CHECK_EQ(pfnlab_page_info(NULL, 0, &pi), -EINVAL);
	CHECK_EQ(pfnlab_page_ref_transient(NULL, 0, 1), -EINVAL);
	CHECK_EQ(pfnlab_pageblock_type(NULL, 0), -EINVAL);
	CHECK_EQ(pfnlab_panicked(NULL, buf, sizeof(buf)), false);
	CHECK_STR(buf, "");
	CHECK_EQ(pfnlab_pin(NULL, 1, 0, 1, PFNLAB_FOLL_PIN, NULL, NULL), -EINVAL);
	CHECK_EQ(pfnlab_print(NULL, "meminfo", &s), -EINVAL);
	CHECK_EQ(pfnlab_print_culprits(NULL, false, &s), -EINVAL);
	CHECK_EQ(pfnlab_put_pages(NULL, &pfn, 1, PFNLAB_FOLL_GET), -EINVAL);
	CHECK_EQ(pfnlab_set_current(NULL, 0), -EINVAL);
	pfnlab_set_log(NULL, &s);
	pfnlab_set_trace(NULL, &s);
	pfnlab_swap_pages(NULL, &u, &v);
	CHECK_EQ(u, 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(pfnlab_sysctl_get(NULL, "vm.swappiness", &u), -EINVAL);
	CHECK_EQ(pfnlab_sysctl_set(NULL, "vm.swappiness", 10), -EINVAL);
	CHECK_EQ(pfnlab_unpin(NULL, 1), -EINVAL);
	CHECK_EQ(pfnlab_vmstat(NULL, "nr_free_pages"), -1);
	CHECK_EQ(pfnlab_zone_free_pages(NULL, PFNLAB_ZONE_NORMAL), -1);
}

/*
 * Expect a NULL name, out-pointer, array, buffer or sink (the issue's
 * crashes: pfnlab_alloc_pages() without @pfn, pfnlab_migrate_pages()
 * without a target, pfnlab_cma_find() without a name, pfnlab_put_pages()
 * without its PFNs) to be refused with -EINVAL (-1 for pfnlab_vmstat())
 * and the machine unchanged, its checker content.
 */
TEST(null_argument_check)
{
	unsigned mm = 0, file = 0;
	struct pfnlab_machine *m = api_machine(&mm, &file);
	const struct pfnlab_sink nowrite = {NULL, NULL};
	struct pfnlab_migrate_target tg = {PFNLAB_GFP_HIGHUSER_MOVABLE, 0};
	struct pfnlab_map_opts o = {.nr_busy = 1};
	struct pfnlab_migrate_result res;
	uint64_t pfn, before;

	if (!m)
		return;
	before = (uint64_t)pfnlab_vmstat(m, "nr_free_pages");
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, NULL), -EINVAL);
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 3, NULL), -EINVAL);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages"), before);
	CHECK_EQ(pfnlab_mm_touch(m, mm, 1ull << 30, 4096, NULL), 0);
	CHECK_EQ(pfnlab_mm_lookup(m, mm, 1ull << 30, &pfn), 0);
	CHECK_EQ(pfnlab_migrate_pages(m, &pfn, 1, NULL, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_SYSCALL, &res), -EINVAL);
	CHECK_EQ(pfnlab_migrate_pages(m, NULL, 1, &tg, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_SYSCALL, &res), -EINVAL);
	CHECK_EQ(pfnlab_migrate_pages(m, NULL, 0, &tg, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_SYSCALL, &res), 0);
	CHECK_EQ(pfnlab_cma_find(m, NULL), -EINVAL);
	CHECK_EQ(pfnlab_cma_find(m, "area"), 0);
	CHECK_EQ(pfnlab_gup(m, mm, 1ull << 30, 1, PFNLAB_FOLL_GET, NULL), 0);
	CHECK_EQ(pfnlab_put_pages(m, NULL, 1, PFNLAB_FOLL_GET), -EINVAL);
	CHECK_EQ(pfnlab_put_pages(m, NULL, 0, PFNLAB_FOLL_GET), 0);
	CHECK_EQ(pfnlab_put_pages(m, &pfn, 1, PFNLAB_FOLL_GET), 0); /* the reference NULL left alone */
	CHECK_EQ(pfnlab_page_info(m, pfn, NULL), -EINVAL);
	CHECK_EQ(pfnlab_mm_lookup(m, mm, 1ull << 30, NULL), -EINVAL);
	CHECK_EQ(pfnlab_mm_read(m, mm, 1ull << 30, NULL, 1), -EINVAL);
	CHECK_EQ(pfnlab_mm_write(m, mm, 1ull << 30, NULL, 1), -EINVAL);
	CHECK_EQ(pfnlab_mm_hugetlb(m, mm, NULL), -EINVAL);
	CHECK_EQ(pfnlab_mm_task(m, mm, NULL), -EINVAL);
	CHECK_EQ(pfnlab_mm_set_task(m, mm, NULL), -EINVAL);
	CHECK_EQ(pfnlab_mm_create(m, NULL, &mm), -EINVAL);
	CHECK_EQ(pfnlab_mm_create(m, "q", NULL), -EINVAL);
	CHECK_EQ(pfnlab_file_create(m, NULL, PFNLAB_FS_EXT4, 4096, &file), -EINVAL);
	CHECK_EQ(pfnlab_memfd_create(m, "m", 4096, NULL), -EINVAL);
	CHECK_EQ(pfnlab_hugetlbfs_create(m, NULL, 0, 2 << 20, &file), -EINVAL);
	CHECK_EQ(pfnlab_nr_files(m), 1);
	CHECK_EQ(pfnlab_file_info(m, file, NULL), -EINVAL);
	CHECK_EQ(pfnlab_cma_info(m, 0, NULL), -EINVAL);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 1, 0, NULL), -EINVAL);
	CHECK_EQ(pfnlab_hugetlb_info(m, 0, NULL), -EINVAL);
	CHECK_EQ(pfnlab_contig_failure(m, NULL), -EINVAL);
	CHECK_EQ(pfnlab_oom_next(m, NULL), -EINVAL);
	CHECK_EQ(pfnlab_sysctl_get(m, NULL, &pfn), -EINVAL);
	CHECK_EQ(pfnlab_sysctl_get(m, "vm.swappiness", NULL), -EINVAL);
	CHECK_EQ(pfnlab_sysctl_set(m, NULL, 1), -EINVAL);
	CHECK_EQ(pfnlab_vmstat(m, NULL), -1);
	CHECK_EQ(pfnlab_print(m, "meminfo", NULL), -EINVAL);
	CHECK_EQ(pfnlab_print(m, "meminfo", &nowrite), -EINVAL);
	CHECK_EQ(pfnlab_print_culprits(m, true, NULL), -EINVAL);
	CHECK_EQ(pfnlab_map_svg(m, NULL, NULL), -EINVAL);
	CHECK_EQ(pfnlab_map_ansi(m, NULL, &nowrite), -EINVAL);
	CHECK_EQ(pfnlab_map_png(m, &o, NULL), -EINVAL);
	{
		const struct pfnlab_sink s = {sink_write, NULL};

		CHECK_EQ(pfnlab_map_svg(m, &o, &s), -EINVAL); /* nr_busy 1, busy NULL */
	}
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* Expect the functions without a machine to refuse NULL names, buffers and configurations. */
TEST(null_config_and_names_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m = (struct pfnlab_machine *)&c;
	pfnlab_gfp_t gfp = 1;
	char why[128] = "";

	CHECK_EQ(pfnlab_config_preset(NULL, "x86_64", 1ull << 30), -EINVAL);
	CHECK_EQ(pfnlab_config_preset(&c, NULL, 1ull << 30), -EINVAL);
	CHECK_EQ(pfnlab_config_check(NULL, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "NULL") != NULL);
	CHECK_EQ(pfnlab_config_bytes(NULL), 0);
	CHECK_EQ(pfnlab_machine_create(NULL, &m, why, sizeof(why)), -EINVAL);
	CHECK(m == NULL);
	pfnlab_config_preset(&c, "x86_64", 1ull << 30);
	CHECK_EQ(pfnlab_machine_create(&c, NULL, why, sizeof(why)), -EINVAL);
	CHECK_EQ(pfnlab_fs_parse(NULL), -EINVAL);
	CHECK_EQ(pfnlab_pin_policy_parse(NULL), -EINVAL);
	CHECK_EQ(pfnlab_gfp_parse(NULL, 4, &gfp), -EINVAL);
	CHECK_EQ(pfnlab_gfp_parse("none", 4, NULL), -EINVAL);
	CHECK_EQ(gfp, 1);
	CHECK_EQ(pfnlab_gfp_format(PFNLAB_GFP_KERNEL, NULL, 16), -EINVAL);
	CHECK_EQ(pfnlab_gfp_format(PFNLAB_GFP_KERNEL, NULL, 0), 0);
}

/*
 * Expect model time to run to PFNLAB_NOW_MAX and no further: an advance
 * past it is refused with -EOVERFLOW and the clock stays; a transient
 * reference lasting past it never drops.
 */
TEST(advance_overflow_check)
{
	unsigned mm = 0, file = 0;
	struct pfnlab_machine *m = api_machine(&mm, &file);
	struct pfnlab_page_info pi;
	uint64_t pfn;

	if (!m)
		return;
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &pfn), 0);
	CHECK_EQ(pfnlab_advance(m, 1000), 0);
	CHECK_EQ(pfnlab_page_ref_transient(m, pfn, UINT64_MAX), 0);
	CHECK_EQ(pfnlab_advance(m, UINT64_MAX), -EOVERFLOW);
	CHECK_EQ(pfnlab_now(m), 1000);
	CHECK_EQ(pfnlab_advance(m, PFNLAB_NOW_MAX - 999), -EOVERFLOW);
	CHECK_EQ(pfnlab_now(m), 1000);
	CHECK_EQ(pfnlab_advance(m, PFNLAB_NOW_MAX - 1000), 0);
	CHECK_EQ(pfnlab_now(m), PFNLAB_NOW_MAX);
	CHECK_EQ(pfnlab_advance(m, 1), -EOVERFLOW);
	CHECK_EQ(pfnlab_advance(m, 0), 0);
	CHECK_EQ(pfnlab_now(m), PFNLAB_NOW_MAX);
	CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
	CHECK_EQ(pi.transient, 1);
	test_check_state(m);
	pfnlab_machine_destroy(m);
}

/* Expect each enum field of the configuration out of range, and two CMA areas of one name, refused with a reason. */
TEST(config_enums_and_cma_names_check)
{
	static const struct {
		size_t off;
		const char *why;
	} fields[] = {
		{offsetof(struct pfnlab_config, era), "era 7"},
		{offsetof(struct pfnlab_config, cma_rule), "cma_rule 7"},
		{offsetof(struct pfnlab_config, pin_policy), "pin_policy 7"},
		{offsetof(struct pfnlab_config, cma_retry), "cma_retry 7"},
		{offsetof(struct pfnlab_config, kernel), "kernel 7"},
	};
	struct pfnlab_config c;
	char why[256];

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		int bad = 7;

		pfnlab_config_preset(&c, "x86_64", 1ull << 30);
		CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), 0);
		memcpy((char *)&c + fields[i].off, &bad, sizeof(bad));
		why[0] = 0;
		CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), -EINVAL);
		CHECK(strstr(why, fields[i].why) != NULL);
	}
	pfnlab_config_preset(&c, "x86_64", 1ull << 30);
	c.nr_cma = 3;
	for (unsigned i = 0; i < 3; i++)
		c.cma[i].size = 8ull << 20;
	snprintf(c.cma[0].name, sizeof(c.cma[0].name), "a");
	snprintf(c.cma[1].name, sizeof(c.cma[1].name), "b");
	snprintf(c.cma[2].name, sizeof(c.cma[2].name), "c");
	CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), 0);
	snprintf(c.cma[2].name, sizeof(c.cma[2].name), "a");
	CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), -EINVAL);
	CHECK_STR(why, "CMA areas 0 and 2 are both called 'a'");
	c.cma[0].name[0] = 0; /* an empty name is "reserved" */
	snprintf(c.cma[2].name, sizeof(c.cma[2].name), "reserved");
	CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), -EINVAL);
	CHECK_STR(why, "CMA areas 0 and 2 are both called 'reserved'");
	memset(c.cma[1].name, 'x', sizeof(c.cma[1].name)); /* no NUL */
	CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "CMA area 1: name is not a string") != NULL);
	pfnlab_config_preset(&c, "x86_64", 1ull << 30);
	memset(c.preset, 'x', sizeof(c.preset));
	CHECK_EQ(pfnlab_config_check(&c, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "preset") != NULL);
}

RUN_TESTS(null_machine_check, null_argument_check, null_config_and_names_check, advance_overflow_check,
	  config_enums_and_cma_names_check)
