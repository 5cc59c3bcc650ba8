/*
 * test_gfp.c - GFP names: parsing the kernel's renderings (v6.1, v6.12,
 * v4.x), rendering as show_gfp_flags() does, the migrate type and zone a
 * mask selects.  Expected strings are the ones real kernels print.
 */
#include <errno.h>

#include "model.h"
#include "gfp.h"
#include "test.h"

static pfnlab_gfp_t parse(const char *s, int *err)
{
	pfnlab_gfp_t g = 0xdeadu;

	*err = pfnlab_gfp_parse(s, strlen(s), &g);
	return g;
}

static const char *fmt(pfnlab_gfp_t g)
{
	static char buf[256];

	pfnlab_gfp_format(g, buf, sizeof(buf));
	return buf;
}

/* Expect the composite names the kernel prints to come back as the same masks. */
TEST(parse_composites)
{
	int err;

	CHECK_EQ(parse("GFP_HIGHUSER_MOVABLE", &err), PFNLAB_GFP_HIGHUSER_MOVABLE);
	CHECK_EQ(err, 0);
	CHECK_EQ(parse("GFP_KERNEL", &err), PFNLAB_GFP_KERNEL);
	CHECK_EQ(parse("GFP_KERNEL_ACCOUNT", &err), PFNLAB_GFP_KERNEL | PFNLAB___GFP_ACCOUNT);
	CHECK_EQ(parse("GFP_TRANSHUGE", &err), PFNLAB_GFP_TRANSHUGE);
	CHECK_EQ(parse("GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO", &err),
		 PFNLAB_GFP_HIGHUSER_MOVABLE | PFNLAB___GFP_COMP | PFNLAB___GFP_ZERO);
	CHECK_EQ(err, 0);
	CHECK_EQ(parse("none", &err), 0);
	CHECK_EQ(err, 0);
	CHECK_EQ(parse("GFP_NOWAIT|__GFP_NOWARN", &err), PFNLAB___GFP_KSWAPD_RECLAIM | PFNLAB___GFP_NOWARN);
}

/* Expect hex remainders and 2015 (v4.x) spellings to parse. */
TEST(parse_hex_and_2015)
{
	int err;

	CHECK_EQ(parse("GFP_KERNEL|0x4000000", &err), PFNLAB_GFP_KERNEL | 0x4000000u);
	CHECK_EQ(err, 0);
	CHECK_EQ(parse("GFP_TEMPORARY", &err), PFNLAB_GFP_KERNEL | PFNLAB___GFP_RECLAIMABLE);
	CHECK_EQ(parse("GFP_KERNEL|GFP_COLD|GFP_NOTRACK", &err), PFNLAB_GFP_KERNEL);
	CHECK_EQ(err, 0);
	CHECK_EQ(pfnlab_gfp_migratetype(parse("GFP_HIGHUSER|GFP_MOVABLE", &err)), PFNLAB_MT_MOVABLE);
	/* v4.2's __GFP_REPEAT is its own bit, not v6.1's __GFP_RETRY_MAYFAIL */
	CHECK_EQ(parse("GFP_KERNEL|GFP_REPEAT", &err), PFNLAB_GFP_KERNEL | PFNLAB___GFP_REPEAT);
	CHECK_EQ(err, 0);
	CHECK_STR(fmt(PFNLAB_GFP_KERNEL | PFNLAB___GFP_REPEAT | PFNLAB___GFP_ZERO), "GFP_KERNEL|__GFP_ZERO|__GFP_REPEAT");
}

/* Expect -EINVAL for unknown names, empty elements and bad hex. */
TEST(parse_errors)
{
	const char *bad[] = {"", "GFP_KERNELX", "GFP_KERNEL|", "|GFP_KERNEL", "GFP_KERNEL||__GFP_ZERO",
			     "0x", "0xfg", "0x1ffffffff", "gfp_kernel", "none|GFP_KERNEL"};
	int err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pfnlab_gfp_t g = parse(bad[i], &err);

		if (err != -EINVAL)
			T_FAIL("'%s' parsed to %#x", bad[i], g);
		CHECK_EQ(g, 0xdeadu);
	}
}

/* Expect show_gfp_flags() renderings, composite names first. */
TEST(format_like_kernel)
{
	CHECK_STR(fmt(PFNLAB_GFP_HIGHUSER_MOVABLE | PFNLAB___GFP_COMP | PFNLAB___GFP_ZERO),
		  "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO");
	CHECK_STR(fmt(PFNLAB_GFP_KERNEL | PFNLAB___GFP_ACCOUNT), "GFP_KERNEL_ACCOUNT");
	CHECK_STR(fmt(PFNLAB_GFP_KERNEL | PFNLAB___GFP_NOWARN | PFNLAB___GFP_NORETRY),
		  "GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY");
	CHECK_STR(fmt(PFNLAB_GFP_TRANSHUGE), "GFP_TRANSHUGE");
	CHECK_STR(fmt(PFNLAB_GFP_TRANSHUGE_LIGHT), "GFP_TRANSHUGE_LIGHT");
	CHECK_STR(fmt(PFNLAB_GFP_NOWAIT), "GFP_NOWAIT");
	CHECK_STR(fmt(PFNLAB_GFP_ATOMIC), "GFP_ATOMIC");
	CHECK_STR(fmt(0), "none");
	CHECK_STR(fmt(PFNLAB___GFP_MOVABLE), "__GFP_MOVABLE");
	CHECK_STR(fmt(PFNLAB_GFP_KERNEL | PFNLAB___GFP_NOLOCKDEP), "GFP_KERNEL|0x4000000");
}

/* Expect format then parse to give the mask back, for every single bit and pairs. */
TEST(round_trip)
{
	for (unsigned a = 0; a < 28; a++)
		for (unsigned b = a; b < 28; b++) {
			pfnlab_gfp_t g = (1u << a) | (1u << b), back;
			const char *s = fmt(g);

			if (pfnlab_gfp_parse(s, strlen(s), &back) || back != g)
				T_FAIL("%#x -> '%s' -> %#x", g, s, back);
		}
}

/* Expect GFP_ZONE_TABLE's choices on a 64-bit machine. */
TEST(zone_table)
{
	CHECK_EQ(gfp_zone(NULL, PFNLAB_GFP_KERNEL), PFNLAB_ZONE_NORMAL);
	CHECK_EQ(gfp_zone(NULL, PFNLAB_GFP_KERNEL | PFNLAB___GFP_DMA), PFNLAB_ZONE_DMA);
	CHECK_EQ(gfp_zone(NULL, PFNLAB_GFP_KERNEL | PFNLAB___GFP_DMA32), PFNLAB_ZONE_DMA32);
	CHECK_EQ(gfp_zone(NULL, PFNLAB_GFP_HIGHUSER_MOVABLE), PFNLAB_ZONE_MOVABLE);
	CHECK_EQ(gfp_zone(NULL, PFNLAB_GFP_USER | PFNLAB___GFP_MOVABLE), PFNLAB_ZONE_NORMAL);
	CHECK_EQ(gfp_zone(NULL, PFNLAB_GFP_HIGHUSER), PFNLAB_ZONE_NORMAL);
	CHECK_EQ(gfp_zone(NULL, PFNLAB___GFP_MOVABLE | PFNLAB___GFP_DMA32), PFNLAB_ZONE_DMA32);
}

/* Expect gfp_migratetype(): both mobility bits at once count as unmovable. */
TEST(migratetype)
{
	CHECK_EQ(pfnlab_gfp_migratetype(PFNLAB_GFP_KERNEL), PFNLAB_MT_UNMOVABLE);
	CHECK_EQ(pfnlab_gfp_migratetype(PFNLAB_GFP_HIGHUSER_MOVABLE), PFNLAB_MT_MOVABLE);
	CHECK_EQ(pfnlab_gfp_migratetype(PFNLAB_GFP_KERNEL | PFNLAB___GFP_RECLAIMABLE), PFNLAB_MT_RECLAIMABLE);
	CHECK_EQ(pfnlab_gfp_migratetype(PFNLAB___GFP_RECLAIMABLE | PFNLAB___GFP_MOVABLE), PFNLAB_MT_UNMOVABLE);
}

/* Expect the allocator's one-read decoding to say what gfp_migratetype() and gfp_zone_type() say, for every mask bit */
TEST(decode_table)
{
	for (unsigned b = 0; b < 64; b++) {
		pfnlab_gfp_t g = (pfnlab_gfp_t)(b | (b & 32 ? PFNLAB_GFP_KERNEL : 0));
		int mt, zone;

		gfp_decode(g, &mt, &zone);
		CHECK_EQ(mt, gfp_migratetype(g));
		CHECK_EQ(zone, gfp_zone_type(g));
	}
}

RUN_TESTS(parse_composites, parse_hex_and_2015, parse_errors, format_like_kernel, round_trip, zone_table,
	  migratetype, decode_table)
