/*
 * test_ops.c - long pseudo-random operation streams over the whole public
 * API (fuzz/ops.c: allocations, spaces, faults, pins under every policy,
 * FOLL_GET, transient references, cma_alloc/release, migration, destroy,
 * and deliberately bad calls) on small machines of both eras, with the
 * whole-state checker and a page-contents check after every operation.
 */
#include "test.h"
#include "../fuzz/ops.h"

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Expect 300 streams of 2000 operations each to keep every invariant. */
TEST(random_streams)
{
	static uint8_t buf[2 + 3 * 2000 + 64];
	char why[512];

	for (uint64_t seed = 1; seed <= 300; seed++) {
		uint64_t x = seed * 0x9e3779b97f4a7c15ull;

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(xorshift(&x) >> 32);
		buf[0] = (uint8_t)seed; /* walk every configuration byte */
		buf[1] = (uint8_t)(seed >> 1) ^ (uint8_t)(seed * 7);
		if (ops_run(buf, sizeof(buf), why, sizeof(why))) {
			T_FAIL("seed %llu: %s", (unsigned long long)seed, why);
			return;
		}
	}
}

RUN_TESTS(random_streams)
