/*
 * gfp.c - GFP flag names, their parsing and rendering, and the two
 * decisions the allocator derives from them: the migrate type and the
 * highest usable zone.
 *
 * Rendering follows show_gfp_flags() of v6.1 (include/trace/events/mmflags.h):
 * composite names first, each taken only when all its bits are present.
 * Parsing accepts the v6.1 and v6.12 names and the v4.x (2015) names, which
 * lacked the leading "__" on single bits; v4.x bits with no current meaning
 * (GFP_COLD, GFP_NOTRACK, GFP_OTHER_NODE, GFP_NO_KSWAPD) parse to nothing;
 * GFP_REPEAT parses to __GFP_REPEAT, a bit of pfnlab's that only era 2015
 * reads (v4.13 gave its place to __GFP_RETRY_MAYFAIL) and that prints
 * after v6.1's names.
 * Simplified: KASAN-only bits are named on input but printed as hex.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gfp.h"

#define G(x) PFNLAB_##x
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct gfp_name {
	const char *name;
	pfnlab_gfp_t mask;
};

#define GFP_KERNEL_ACCOUNT (G(GFP_KERNEL) | G(__GFP_ACCOUNT))
#define GFP_NOFS (G(__GFP_RECLAIM) | G(__GFP_IO))
#define GFP_NOIO (G(__GFP_RECLAIM))

/* The order of __def_gfpflag_names in v6.1. */
static const struct gfp_name show_names[] = {
	{ "GFP_TRANSHUGE", G(GFP_TRANSHUGE) },
	{ "GFP_TRANSHUGE_LIGHT", G(GFP_TRANSHUGE_LIGHT) },
	{ "GFP_HIGHUSER_MOVABLE", G(GFP_HIGHUSER_MOVABLE) },
	{ "GFP_HIGHUSER", G(GFP_HIGHUSER) },
	{ "GFP_USER", G(GFP_USER) },
	{ "GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT },
	{ "GFP_KERNEL", G(GFP_KERNEL) },
	{ "GFP_NOFS", GFP_NOFS },
	{ "GFP_ATOMIC", G(GFP_ATOMIC) },
	{ "GFP_NOIO", GFP_NOIO },
	{ "GFP_NOWAIT", G(GFP_NOWAIT) },
	{ "GFP_DMA", G(__GFP_DMA) },
	{ "__GFP_HIGHMEM", G(__GFP_HIGHMEM) },
	{ "GFP_DMA32", G(__GFP_DMA32) },
	{ "__GFP_HIGH", G(__GFP_HIGH) },
	{ "__GFP_ATOMIC", G(__GFP_ATOMIC) },
	{ "__GFP_IO", G(__GFP_IO) },
	{ "__GFP_FS", G(__GFP_FS) },
	{ "__GFP_NOWARN", G(__GFP_NOWARN) },
	{ "__GFP_RETRY_MAYFAIL", G(__GFP_RETRY_MAYFAIL) },
	{ "__GFP_NOFAIL", G(__GFP_NOFAIL) },
	{ "__GFP_NORETRY", G(__GFP_NORETRY) },
	{ "__GFP_COMP", G(__GFP_COMP) },
	{ "__GFP_ZERO", G(__GFP_ZERO) },
	{ "__GFP_NOMEMALLOC", G(__GFP_NOMEMALLOC) },
	{ "__GFP_MEMALLOC", G(__GFP_MEMALLOC) },
	{ "__GFP_HARDWALL", G(__GFP_HARDWALL) },
	{ "__GFP_THISNODE", G(__GFP_THISNODE) },
	{ "__GFP_RECLAIMABLE", G(__GFP_RECLAIMABLE) },
	{ "__GFP_MOVABLE", G(__GFP_MOVABLE) },
	{ "__GFP_ACCOUNT", G(__GFP_ACCOUNT) },
	{ "__GFP_WRITE", G(__GFP_WRITE) },
	{ "__GFP_RECLAIM", G(__GFP_RECLAIM) },
	{ "__GFP_DIRECT_RECLAIM", G(__GFP_DIRECT_RECLAIM) },
	{ "__GFP_KSWAPD_RECLAIM", G(__GFP_KSWAPD_RECLAIM) },
	{ "__GFP_ZEROTAGS", G(__GFP_ZEROTAGS) },
	{ "__GFP_REPEAT", G(__GFP_REPEAT) }, /* v4.2's bit, after v6.1's names */
};

/* Names accepted on input beyond show_names: other kernels' spellings. */
static const struct gfp_name extra_names[] = {
	{ "__GFP_DMA", G(__GFP_DMA) },
	{ "__GFP_DMA32", G(__GFP_DMA32) },
	{ "__GFP_SKIP_ZERO", G(__GFP_SKIP_ZERO) },
	{ "__GFP_SKIP_KASAN", G(__GFP_SKIP_KASAN) },
	{ "__GFP_SKIP_KASAN_POISON", G(__GFP_SKIP_KASAN) },
	{ "__GFP_SKIP_KASAN_UNPOISON", G(__GFP_SKIP_KASAN) },
	{ "__GFP_NOLOCKDEP", G(__GFP_NOLOCKDEP) },
	{ "__GFP_NO_OBJ_EXT", 0 },
	/* v4.x (2015) */
	{ "GFP_TEMPORARY", G(GFP_KERNEL) | G(__GFP_RECLAIMABLE) },
	{ "GFP_IOFS", G(__GFP_IO) | G(__GFP_FS) },
	{ "GFP_HIGH", G(__GFP_HIGH) },
	{ "GFP_WAIT", G(__GFP_RECLAIM) },
	{ "GFP_IO", G(__GFP_IO) },
	{ "GFP_FS", G(__GFP_FS) },
	{ "GFP_COLD", 0 },
	{ "GFP_NOWARN", G(__GFP_NOWARN) },
	{ "GFP_REPEAT", G(__GFP_REPEAT) },
	{ "GFP_NOFAIL", G(__GFP_NOFAIL) },
	{ "GFP_NORETRY", G(__GFP_NORETRY) },
	{ "GFP_COMP", G(__GFP_COMP) },
	{ "GFP_ZERO", G(__GFP_ZERO) },
	{ "GFP_NOMEMALLOC", G(__GFP_NOMEMALLOC) },
	{ "GFP_MEMALLOC", G(__GFP_MEMALLOC) },
	{ "GFP_HARDWALL", G(__GFP_HARDWALL) },
	{ "GFP_THISNODE", G(__GFP_THISNODE) },
	{ "GFP_RECLAIMABLE", G(__GFP_RECLAIMABLE) },
	{ "GFP_MOVABLE", G(__GFP_MOVABLE) },
	{ "GFP_NOTRACK", 0 },
	{ "GFP_NO_KSWAPD", 0 },
	{ "GFP_OTHER_NODE", 0 },
	{ "GFP_WRITE", G(__GFP_WRITE) },
	{ "GFP_ACCOUNT", G(__GFP_ACCOUNT) },
};

static int lookup(const char *s, size_t len, pfnlab_gfp_t *mask)
{
	const struct gfp_name *tabs[2] = { show_names, extra_names };
	size_t sizes[2] = { ARRAY_SIZE(show_names), ARRAY_SIZE(extra_names) };

	for (int t = 0; t < 2; t++)
		for (size_t i = 0; i < sizes[t]; i++)
			if (strlen(tabs[t][i].name) == len && !memcmp(tabs[t][i].name, s, len)) {
				*mask = tabs[t][i].mask;
				return 0;
			}
	return -EINVAL;
}

static int parse_hex(const char *s, size_t len, pfnlab_gfp_t *v)
{
	uint64_t x = 0;

	if (len < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -EINVAL;
	for (size_t i = 2; i < len; i++) {
		int c = s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		x = x * 16 + (uint64_t)d;
		if (x > UINT32_MAX)
			return -EINVAL;
	}
	*v = (pfnlab_gfp_t)x;
	return 0;
}

int pfnlab_gfp_parse(const char *s, size_t len, pfnlab_gfp_t *gfp)
{
	pfnlab_gfp_t acc = 0, v;
	size_t i = 0;

	if (!s || !gfp)
		return -EINVAL;
	if (len == 4 && !memcmp(s, "none", 4)) {
		*gfp = 0;
		return 0;
	}
	if (len == 0)
		return -EINVAL;
	while (i <= len) {
		size_t j = i;

		while (j < len && s[j] != '|')
			j++;
		if (j == i)
			return -EINVAL;
		if (s[i] == '0') {
			if (parse_hex(s + i, j - i, &v))
				return -EINVAL;
		} else if (lookup(s + i, j - i, &v)) {
			return -EINVAL;
		}
		acc |= v;
		i = j + 1;
	}
	*gfp = acc;
	return 0;
}

/* models trace_print_flags_seq() over __def_gfpflag_names */
int pfnlab_gfp_format(pfnlab_gfp_t gfp, char *buf, size_t len)
{
	size_t n = 0;
	int w;

	if (!len)
		return 0;
	if (!buf)
		return -EINVAL;
	buf[0] = '\0';
	if (!gfp)
		return snprintf(buf, len, "none");
	for (size_t i = 0; i < ARRAY_SIZE(show_names) && gfp; i++) {
		pfnlab_gfp_t mask = show_names[i].mask;

		if ((gfp & mask) != mask)
			continue;
		gfp &= ~mask;
		w = snprintf(buf + n, len - n, "%s%s", n ? "|" : "", show_names[i].name);
		n = n + (size_t)w < len ? n + (size_t)w : len - 1;
	}
	if (gfp) {
		w = snprintf(buf + n, len - n, "%s0x%x", n ? "|" : "", gfp);
		n = n + (size_t)w < len ? n + (size_t)w : len - 1;
	}
	return (int)n;
}

/* models gfp_migratetype(), include/linux/gfp.h (see gfp_migratetype() in model.h) */
/*
 * The value v4.2 printed for @gfp ("mode:0x%x", "gfp_mask=0x%x"): its own
 * bit layout (include/linux/gfp.h of v4.2), __GFP_WAIT for direct reclaim
 * and __GFP_NO_KSWAPD for a mask that may reclaim but not wake kswapd
 */
unsigned gfp_v42_value(pfnlab_gfp_t gfp)
{
	static const struct {
		pfnlab_gfp_t now;
		unsigned v42;
	} bits[] = {
		{G(__GFP_DMA), 0x01}, {G(__GFP_HIGHMEM), 0x02}, {G(__GFP_DMA32), 0x04},
		{G(__GFP_MOVABLE), 0x08}, {G(__GFP_DIRECT_RECLAIM), 0x10}, {G(__GFP_HIGH), 0x20},
		{G(__GFP_IO), 0x40}, {G(__GFP_FS), 0x80}, {G(__GFP_NOWARN), 0x200},
		{G(__GFP_REPEAT), 0x400}, {G(__GFP_NOFAIL), 0x800}, {G(__GFP_NORETRY), 0x1000},
		{G(__GFP_MEMALLOC), 0x2000}, {G(__GFP_COMP), 0x4000}, {G(__GFP_ZERO), 0x8000},
		{G(__GFP_NOMEMALLOC), 0x10000}, {G(__GFP_HARDWALL), 0x20000}, {G(__GFP_THISNODE), 0x40000},
		{G(__GFP_RECLAIMABLE), 0x80000}, {G(__GFP_WRITE), 0x1000000},
	};
	unsigned v = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bits); i++)
		if (gfp & bits[i].now)
			v |= bits[i].v42;
	if ((gfp & G(__GFP_DIRECT_RECLAIM)) && !(gfp & G(__GFP_KSWAPD_RECLAIM)))
		v |= 0x400000; /* __GFP_NO_KSWAPD */
	return v;
}

int pfnlab_gfp_migratetype(pfnlab_gfp_t gfp)
{
	return gfp_migratetype(gfp);
}

/*
 * models gfp_zone() and GFP_ZONE_TABLE, include/linux/gfp.h (64-bit: no
 * HIGHMEM, so __GFP_HIGHMEM alone means Normal).  Invalid combinations
 * (GFP_ZONE_BAD) fall back to Normal, where the kernel would BUG.  The
 * table is GFP_ZONE_TABLE in model.h.
 */
int gfp_zone(const struct pfnlab_machine *m, pfnlab_gfp_t gfp)
{
	(void)m;
	return gfp_zone_type(gfp);
}
