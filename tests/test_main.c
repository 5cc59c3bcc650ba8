/*
 * test_main.c - runs the tests of one test program: silent on success
 * apart from a closing "name: N passed, N failed" line, -v prints a line
 * per test, an argument selects tests by name.  Also the helpers tests
 * share (test.h): a text sink and view reader, the checker call, a tiny
 * machine, and the fault-injection walk.
 */
#include <errno.h>

#include "test.h"

int test_verbose;
int test_failed_checks;
const char *test_variant;

void test_text_write(void *arg, const char *buf, size_t len)
{
	struct test_text *t = arg;

	if (t->n + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *p;

		while (t->n + len + 1 > cap)
			cap *= 2;
		p = realloc(t->p, cap);
		if (!p)
			abort();
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->n, buf, len);
	t->n += len;
	t->p[t->n] = 0;
}

void test_tiny_config(struct pfnlab_config *c, uint64_t pages, unsigned max_order, unsigned pb_order)
{
	pfnlab_config_preset(c, "x86_64", pages << 12);
	if (c->ram_bytes < (4096ull << max_order))
		c->ram_bytes = 4096ull << max_order;
	c->nr_ranges = 1;
	c->ranges[0] = (struct pfnlab_range){0, pages << 12};
	c->reserved_low_bytes = 0;
	c->zone_dma_end = c->zone_dma32_end = 0;
	c->single_zone_dma = true;
	c->max_order = max_order;
	c->pageblock_order = pb_order;
	c->min_free_kbytes = 0;
	c->thp = false;
	c->pcp = false; /* the hand-made cases picture the buddy lists themselves */
	c->pgtables = false; /* ... and every page of their spaces (a test of page tables turns them on) */
}

void test_cma_area(struct pfnlab_config *c, uint64_t base, uint64_t count, const char *name)
{
	c->nr_cma = 1;
	c->cma[0].size = count << 12;
	c->cma[0].base = base << 12;
	snprintf(c->cma[0].name, sizeof(c->cma[0].name), "%s", name ? name : "");
}

void test_capture_write(void *arg, const char *buf, size_t len)
{
	struct test_capture *c = arg;

	if (c->len + len < sizeof(c->text)) {
		memcpy(c->text + c->len, buf, len);
		c->len += len;
		c->text[c->len] = 0;
	}
}

struct pfnlab_machine *test_machine(const struct pfnlab_config *c)
{
	struct pfnlab_machine *m;
	char why[256];

	if (pfnlab_machine_create(c, &m, why, sizeof(why))) {
		T_FAIL("machine: %s", why);
		return NULL;
	}
	return m;
}

struct pfnlab_machine *test_cma_machine(enum pfnlab_kernel kernel)
{
	struct pfnlab_config c;

	test_tiny_config(&c, 512, 5, 4);
	test_cma_area(&c, 256, 128, "test");
	c.kernel = kernel;
	return test_machine(&c);
}

size_t test_take_outside_cma(struct pfnlab_machine *m, uint64_t *out, size_t cap)
{
	size_t n = 0;
	uint64_t pfn;

	while (n < cap && pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL | PFNLAB___GFP_RETRY_MAYFAIL, 0, &pfn) == 0)
		out[n++] = pfn;
	return n;
}

static const char *const fault_point_names[PFNLAB_FAULT_POINTS] = {
	"migrate_target", "migrate_copy", "isolate", "iommu_map", "hpt_alloc", "host_alloc", "writeout",
	"hugetlb_alloc",
};

unsigned test_fault_walk(const struct test_fault_op *op, void *ctx, uint64_t samples)
{
	uint64_t hits[PFNLAB_FAULT_POINTS], total = 0;
	struct pfnlab_machine *m = op->setup(ctx);
	unsigned runs = 0;
	int err;

	if (!m) {
		T_FAIL("%s: setup", op->name);
		return 0;
	}
	for (int p = 0; p < PFNLAB_FAULT_POINTS; p++)
		hits[p] = pfnlab_fault_hits(m, (enum pfnlab_fault_point)p);
	err = op->run(ctx);
	CHECK_EQ(err, 0);
	if (op->clean)
		op->clean(ctx);
	for (int p = 0; p < PFNLAB_FAULT_POINTS; p++) {
		hits[p] = pfnlab_fault_hits(m, (enum pfnlab_fault_point)p) - hits[p];
		total += hits[p];
		if (test_verbose)
			fprintf(stderr, "%s: %s passed %llu times\n", op->name, fault_point_names[p],
				(unsigned long long)hits[p]);
	}
	op->verify(ctx, err);
	CHECK(total > 0);
	for (int p = 0; p < PFNLAB_FAULT_POINTS; p++)
		for (uint64_t nth = 1; nth <= hits[p]; nth += 1 + hits[p] / samples)
			for (int persistent = 0; persistent < 2; persistent++) {
				char var[96];

				snprintf(var, sizeof(var), "%s: %s pass %llu%s", op->name, fault_point_names[p],
					 (unsigned long long)nth, persistent ? " on" : "");
				test_variant = var;
				m = op->setup(ctx);
				if (!m) {
					T_FAIL("%s", "setup");
					test_variant = NULL;
					return runs;
				}
				pfnlab_fault_inject(m, (enum pfnlab_fault_point)p, nth, persistent);
				err = op->run(ctx);
				if (err && err != -ENOMEM && err != -EBUSY)
					T_FAIL("unexpected error %d", err);
				pfnlab_fault_inject(m, (enum pfnlab_fault_point)p, 0, false);
				op->verify(ctx, err);
				runs++;
				test_variant = NULL;
			}
	return runs;
}

void test_check_state(const struct pfnlab_machine *m)
{
	char why[512];

	if (pfnlab_check(m, why, sizeof(why)))
		T_FAIL("checker: %s", why);
}

char *test_view(const struct pfnlab_machine *m, const char *name)
{
	struct test_text t = {0};
	struct pfnlab_sink s = {test_text_write, &t};
	int err;

	test_text_write(&t, "", 0); /* "" when the view prints nothing */
	err = pfnlab_print(m, name, &s);
	if (err)
		T_FAIL("pfnlab_print(%s) = %d", name, err);
	return t.p;
}

int test_main(int argc, char **argv, const struct test_entry *tests, size_t n)
{
	const char *only = NULL;
	int passed = 0, failed = 0;
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			test_verbose = 1;
		else
			only = argv[i];
	}
	for (size_t i = 0; i < n; i++) {
		int before = test_failed_checks;

		if (only && strcmp(only, tests[i].name) != 0)
			continue;
		test_variant = NULL;
		tests[i].fn();
		if (test_failed_checks == before) {
			passed++;
			if (test_verbose)
				printf("ok   %s\n", tests[i].name);
		} else {
			failed++;
			printf("FAIL %s\n", tests[i].name);
		}
	}
	printf("%s: %d passed, %d failed\n", prog, passed, failed);
	return failed ? 1 : 0;
}
