/*
 * test.h - the test harness: checks that print both values and where,
 * a silent run on success, -v for a line per test.
 *
 * A test file defines tests with TEST(name) { ... } and lists them in
 * RUN_TESTS(name1, name2, ...) at the bottom; main() comes from the macro.
 */
#ifndef PFNLAB_TEST_H
#define PFNLAB_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfnlab.h"

extern int test_verbose;
extern int test_failed_checks;
extern const char *test_variant;

/* A growing NUL-terminated text that a pfnlab_sink writes into (test_main.c). */
struct test_text {
	char *p;
	size_t n, cap;
};

void test_text_write(void *arg, const char *buf, size_t len);
/* The text of view @name of @m, malloc'd; "" when it prints nothing; a failing print fails the test. */
char *test_view(const struct pfnlab_machine *m, const char *name);
/*
 * A tiny x86_64 machine for hand-made cases: one zone (ZONE_DMA) of @pages
 * 4 KiB frames from PFN 0, nothing reserved, orders up to @max_order,
 * pageblock order @pb_order, min_free_kbytes 0, THP off; the RAM size is
 * at least one largest block.  test_cma_area() adds a CMA area of @count
 * pages at page @base; test_machine() builds the configuration or fails
 * the test (NULL).
 */
void test_tiny_config(struct pfnlab_config *c, uint64_t pages, unsigned max_order, unsigned pb_order);
void test_cma_area(struct pfnlab_config *c, uint64_t base, uint64_t count, const char *name);
struct pfnlab_machine *test_machine(const struct pfnlab_config *c);
/* 512 pages, orders to 5, 16-page pageblocks, CMA area "test" of 128 pages at 256; NULL fails the test. */
struct pfnlab_machine *test_cma_machine(enum pfnlab_kernel kernel);
/*
 * Take every free page outside CMA as a kernel page (__GFP_RETRY_MAYFAIL:
 * failing, not OOM-killing); returns how many, their PFNs in @out.
 */
size_t test_take_outside_cma(struct pfnlab_machine *m, uint64_t *out, size_t cap);
/* A sink (struct pfnlab_sink's arg) collecting what is written, NUL-terminated; beyond its size, dropped. */
struct test_capture {
	char text[1 << 16];
	size_t len;
};
void test_capture_write(void *arg, const char *buf, size_t len);
/*
 * A fault-injection walk (test_main.c): one clean run of the operation
 * counts the passes through each failure point, then about @samples passes
 * of each point are made to fail, once and from then on, each on a fresh
 * state.  @setup builds the state in @ctx and returns its machine (NULL
 * fails the test); @run is the operation (0, -ENOMEM or -EBUSY; the clean
 * run must give 0); @clean, if set, checks the clean run's state further;
 * @verify checks the state after @run returned @err, then frees it.
 */
struct test_fault_op {
	const char *name;
	struct pfnlab_machine *(*setup)(void *ctx);
	int (*run)(void *ctx);
	void (*clean)(void *ctx);
	void (*verify)(void *ctx, int err);
};

/* Return: the failing runs made (at least one point must have been passed). */
unsigned test_fault_walk(const struct test_fault_op *op, void *ctx, uint64_t samples);
/* The whole-state checker on @m; an inconsistency fails the test with its reason. */
void test_check_state(const struct pfnlab_machine *m);

#define TEST(name) static void name(void)

#define T_FAIL(fmt, ...)                                                                   \
	do {                                                                               \
		fprintf(stderr, "%s:%d: %s%s" fmt "\n", __FILE__, __LINE__,                   \
			test_variant ? test_variant : "", test_variant ? ": " : "", __VA_ARGS__); \
		test_failed_checks++;                                                      \
	} while (0)

#define CHECK(cond)                                                   \
	do {                                                          \
		if (!(cond))                                          \
			T_FAIL("check failed: %s", #cond);            \
	} while (0)

#define CHECK_EQ(a, b)                                                                     \
	do {                                                                               \
		long long va_ = (long long)(a), vb_ = (long long)(b);                      \
		if (va_ != vb_)                                                            \
			T_FAIL("%s == %s: got %lld, expected %lld", #a, #b, va_, vb_);     \
	} while (0)

#define CHECK_STR(a, b)                                                                    \
	do {                                                                               \
		const char *sa_ = (a), *sb_ = (b);                                         \
		if (strcmp(sa_, sb_) != 0)                                                 \
			T_FAIL("%s == %s:\n--- got\n%s\n--- expected\n%s", #a, #b, sa_, sb_); \
	} while (0)

struct test_entry {
	const char *name;
	void (*fn)(void);
};

int test_main(int argc, char **argv, const struct test_entry *tests, size_t n);

#define T_ENTRY(fn) {#fn, fn},
#define RUN_TESTS(...)                                                               \
	int main(int argc, char **argv)                                               \
	{                                                                             \
		static const struct test_entry tests_[] = {T_EACH(__VA_ARGS__)};      \
		return test_main(argc, argv, tests_, sizeof(tests_) / sizeof(tests_[0])); \
	}

/* T_EACH expands T_ENTRY over up to 40 arguments. */
#define T_E1(a) T_ENTRY(a)
#define T_E2(a, ...) T_ENTRY(a) T_E1(__VA_ARGS__)
#define T_E3(a, ...) T_ENTRY(a) T_E2(__VA_ARGS__)
#define T_E4(a, ...) T_ENTRY(a) T_E3(__VA_ARGS__)
#define T_E5(a, ...) T_ENTRY(a) T_E4(__VA_ARGS__)
#define T_E6(a, ...) T_ENTRY(a) T_E5(__VA_ARGS__)
#define T_E7(a, ...) T_ENTRY(a) T_E6(__VA_ARGS__)
#define T_E8(a, ...) T_ENTRY(a) T_E7(__VA_ARGS__)
#define T_E9(a, ...) T_ENTRY(a) T_E8(__VA_ARGS__)
#define T_E10(a, ...) T_ENTRY(a) T_E9(__VA_ARGS__)
#define T_E11(a, ...) T_ENTRY(a) T_E10(__VA_ARGS__)
#define T_E12(a, ...) T_ENTRY(a) T_E11(__VA_ARGS__)
#define T_E13(a, ...) T_ENTRY(a) T_E12(__VA_ARGS__)
#define T_E14(a, ...) T_ENTRY(a) T_E13(__VA_ARGS__)
#define T_E15(a, ...) T_ENTRY(a) T_E14(__VA_ARGS__)
#define T_E16(a, ...) T_ENTRY(a) T_E15(__VA_ARGS__)
#define T_E17(a, ...) T_ENTRY(a) T_E16(__VA_ARGS__)
#define T_E18(a, ...) T_ENTRY(a) T_E17(__VA_ARGS__)
#define T_E19(a, ...) T_ENTRY(a) T_E18(__VA_ARGS__)
#define T_E20(a, ...) T_ENTRY(a) T_E19(__VA_ARGS__)
#define T_E21(a, ...) T_ENTRY(a) T_E20(__VA_ARGS__)
#define T_E22(a, ...) T_ENTRY(a) T_E21(__VA_ARGS__)
#define T_E23(a, ...) T_ENTRY(a) T_E22(__VA_ARGS__)
#define T_E24(a, ...) T_ENTRY(a) T_E23(__VA_ARGS__)
#define T_E25(a, ...) T_ENTRY(a) T_E24(__VA_ARGS__)
#define T_E26(a, ...) T_ENTRY(a) T_E25(__VA_ARGS__)
#define T_E27(a, ...) T_ENTRY(a) T_E26(__VA_ARGS__)
#define T_E28(a, ...) T_ENTRY(a) T_E27(__VA_ARGS__)
#define T_E29(a, ...) T_ENTRY(a) T_E28(__VA_ARGS__)
#define T_E30(a, ...) T_ENTRY(a) T_E29(__VA_ARGS__)
#define T_E31(a, ...) T_ENTRY(a) T_E30(__VA_ARGS__)
#define T_E32(a, ...) T_ENTRY(a) T_E31(__VA_ARGS__)
#define T_E33(a, ...) T_ENTRY(a) T_E32(__VA_ARGS__)
#define T_E34(a, ...) T_ENTRY(a) T_E33(__VA_ARGS__)
#define T_E35(a, ...) T_ENTRY(a) T_E34(__VA_ARGS__)
#define T_E36(a, ...) T_ENTRY(a) T_E35(__VA_ARGS__)
#define T_E37(a, ...) T_ENTRY(a) T_E36(__VA_ARGS__)
#define T_E38(a, ...) T_ENTRY(a) T_E37(__VA_ARGS__)
#define T_E39(a, ...) T_ENTRY(a) T_E38(__VA_ARGS__)
#define T_E40(a, ...) T_ENTRY(a) T_E39(__VA_ARGS__)
#define T_NARG(...) T_NARG_(__VA_ARGS__, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, \
			    26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, \
			    7, 6, 5, 4, 3, 2, 1)
#define T_NARG_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, \
		a19, a20, a21, a22, a23, a24, a25, a26, a27, a28, a29, a30, a31, a32, a33, a34,  \
		a35, a36, a37, a38, a39, a40, N, ...)                                           \
	N
#define T_CAT(a, b) T_CAT_(a, b)
#define T_CAT_(a, b) a##b
#define T_EACH(...) T_CAT(T_E, T_NARG(__VA_ARGS__))(__VA_ARGS__)

#endif
