/*
 * test_procfs.c - the kernel text views (src/report/procfs.c) against real
 * captures: /proc/buddyinfo and /proc/pagetypeinfo of Linux 6.18 (the
 * ftrace capture in tests/data, 24 GiB x86_64 VM) and of Debian's 6.1
 * (the QEMU guest capture, embedded below), /proc/zoneinfo lines of the
 * 6.18 machine, and hand-computed fragmentation indexes.
 */
#include <errno.h>
#include <regex.h>

#include "model.h"
#include "test.h"

/* ---- helpers ---------------------------------------------------------- */

/* A file next to this source (tests/data/...), malloc'd, or NULL. */
static char *read_data(const char *name)
{
	char path[512];
	const char *slash = strrchr(__FILE__, '/');
	int dir = slash ? (int)(slash - __FILE__) : 1;
	FILE *f;
	struct test_text t = {0};
	char buf[4096];
	size_t n;

	snprintf(path, sizeof(path), "%.*s/data/%s", dir, slash ? __FILE__ : ".", name);
	f = fopen(path, "r");
	if (!f) {
		T_FAIL("cannot open %s", path);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		test_text_write(&t, buf, n);
	fclose(f);
	if (!t.p)
		test_text_write(&t, "", 0);
	return t.p;
}

/* Split @s (modified in place) into lines; returns the count. */
static size_t split_lines(char *s, char **lines, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		char *nl = strchr(s, '\n');

		lines[n++] = s;
		if (!nl)
			break;
		*nl = 0;
		s = nl + 1;
	}
	return n;
}

/* Does @text hold @line as a whole line? */
static bool has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == 0))
			return true;
	return false;
}

static int count_prefix(const char *text, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += strncmp(p, prefix, len) == 0;
	return n;
}

/* The first line of @text starting with @prefix, in a static buffer ("" if none). */
static const char *line_with(const char *text, const char *prefix)
{
	static char buf[1024];
	size_t len = strlen(prefix);

	buf[0] = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, prefix, len) == 0) {
			size_t n = strcspn(p, "\n");

			snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
			break;
		}
	}
	return buf;
}

/* The lines of one zone of a zoneinfo text ("Node 0, zone %8s" up to the next zone), malloc'd. */
static char *zone_block(const char *zoneinfo, const char *zone)
{
	char head[64];
	const char *a, *b;
	char *out;

	snprintf(head, sizeof(head), "Node 0, zone %8s\n", zone);
	a = strstr(zoneinfo, head);
	if (!a) {
		T_FAIL("zone %s not in zoneinfo", zone);
		return strdup("");
	}
	b = strstr(a + 1, "\nNode ");
	b = b ? b + 1 : a + strlen(a);
	out = malloc((size_t)(b - a) + 1);
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = 0;
	return out;
}

/* A line's shape: digits blanked, so fixed-width fields keep their width. */
static void shape(const char *line, char *out, size_t len)
{
	size_t i = 0;

	for (; line[i] && i + 1 < len; i++)
		out[i] = line[i] >= '0' && line[i] <= '9' ? ' ' : line[i];
	out[i] = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expect @model and @real to hold the same multiset of line shapes. */
static void check_same_shapes(const char *what, const char *model, const char *real)
{
	char *a = strdup(model), *b = strdup(real);
	static char sa[256][256], sb[256][256];
	char *la[256], *lb[256], *pa[256], *pb[256];
	size_t na = split_lines(a, la, 256), nb = split_lines(b, lb, 256);

	if (na != nb)
		T_FAIL("%s: %zu lines, the real capture has %zu", what, na, nb);
	for (size_t i = 0; i < na && i < nb; i++) {
		shape(la[i], sa[i], sizeof(sa[i]));
		shape(lb[i], sb[i], sizeof(sb[i]));
		pa[i] = sa[i];
		pb[i] = sb[i];
	}
	if (na == nb) {
		qsort(pa, na, sizeof(pa[0]), cmp_str);
		qsort(pb, nb, sizeof(pb[0]), cmp_str);
		for (size_t i = 0; i < na; i++)
			if (strcmp(pa[i], pb[i]) != 0) {
				T_FAIL("%s: line shape '%s' vs the real '%s'", what, pa[i], pb[i]);
				break;
			}
	}
	free(a);
	free(b);
}

static bool matches(const char *text, const char *pattern)
{
	regex_t re;
	bool found;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0) {
		T_FAIL("bad pattern %s", pattern);
		return false;
	}
	found = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return found;
}

static struct pfnlab_machine *build(const struct pfnlab_config *c)
{
	struct pfnlab_machine *m = NULL;
	char why[256];
	int err = pfnlab_machine_create(c, &m, why, sizeof(why));

	if (err)
		T_FAIL("machine: %s (%d)", why, err);
	return m;
}

static struct pfnlab_machine *preset(const char *name, uint64_t ram)
{
	struct pfnlab_config c;

	pfnlab_config_preset(&c, name, ram);
	return build(&c);
}

/* The 6.18 VM's RAM map (iomem.ram of the ftrace capture), end exclusive. */
static void real_ram_map(struct pfnlab_config *c)
{
	pfnlab_config_preset(c, "x86_64", 0);
	c->nr_ranges = 3;
	c->ranges[0] = (struct pfnlab_range){0x1000, 0x9fc00};
	c->ranges[1] = (struct pfnlab_range){0x100000, 0xc0000000};
	c->ranges[2] = (struct pfnlab_range){0x100000000ull, 0x640000000ull};
	c->ram_bytes = 0;
	for (unsigned i = 0; i < c->nr_ranges; i++)
		c->ram_bytes += c->ranges[i].end - c->ranges[i].start;
	c->min_free_kbytes = 67584;
	c->nr_cpus = 2;
}

/* /proc/buddyinfo and /proc/pagetypeinfo of Debian 12's 6.1.0 guest (debian-6.1-guest-proc.txt). */
static const char real_buddyinfo_6_1[] =
	"Node 0, zone      DMA      0      0      0      0      0      1      1      1      0      1      3 \n"
	"Node 0, zone    DMA32     10      3     11      7      6      6      6      5      3      1    101 \n";
static const char real_pagetypeinfo_6_1[] =
	"Page block order: 9\n"
	"Pages per block:  512\n"
	"\n"
	"Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 \n"
	"Node    0, zone      DMA, type    Unmovable      0      0      0      0      0      1      1      1      0      0      0 \n"
	"Node    0, zone      DMA, type      Movable      0      0      0      0      0      0      0      0      0      1      3 \n"
	"Node    0, zone      DMA, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0 \n"
	"Node    0, zone      DMA, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 \n"
	"Node    0, zone      DMA, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 \n"
	"Node    0, zone    DMA32, type    Unmovable      7      1      8      7      5      6      4      5      2      0      0 \n"
	"Node    0, zone    DMA32, type      Movable      2      2      2      0      0      0      1      0      0      0    101 \n"
	"Node    0, zone    DMA32, type  Reclaimable      1      0      1      0      1      0      1      0      1      1      0 \n"
	"Node    0, zone    DMA32, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 \n"
	"Node    0, zone    DMA32, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 \n"
	"\n"
	"Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
	"Node 0, zone      DMA            1            7            0            0            0 \n"
	"Node 0, zone    DMA32           38          204            6            0            0 \n";

/* ---- tests ------------------------------------------------------------ */

/*
 * Expect a fresh 4 GiB x86_64 machine's pagetypeinfo to have the kernel's
 * header (byte for byte as the 6.18 capture), Normal/Movable rows of 11
 * counts, no CMA row without CONFIG_CMA and one with a CMA area, and the
 * DMA buddyinfo line of pages 256..4095 free: one order-8, one order-9 and
 * three order-10 blocks.
 */
TEST(pagetypeinfo_fresh_x86_64_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m = preset("x86_64", 4ull << 30);
	char *real = read_data("pagetypeinfo.6.18");
	char *out, *bi;
	char *rl[64];

	if (!m || !real)
		return;
	out = test_view(m, "pagetypeinfo");
	CHECK(has_line(out, "Page block order: 9"));
	CHECK(has_line(out, "Pages per block:  512"));
	split_lines(real, rl, 64);
	CHECK(has_line(out, rl[3])); /* "Free pages count per migrate type at order ..." */
	CHECK_STR(line_with(out, "Free pages count"), rl[3]);
	CHECK(matches(out, "^Node    0, zone   Normal, type      Movable( +[0-9]+){11} $"));
	CHECK(!strstr(out, "type          CMA"));
	CHECK_EQ(count_prefix(out, "Node    0, zone"), 15);
	bi = test_view(m, "buddyinfo");
	CHECK_STR(line_with(bi, "Node 0, zone      DMA"),
		  "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 ");
	free(out);
	free(bi);
	pfnlab_machine_destroy(m);

	pfnlab_config_preset(&c, "x86_64", 4ull << 30);
	c.nr_cma = 1;
	c.cma[0].size = 256ull << 20;
	m = build(&c);
	if (m) {
		out = test_view(m, "pagetypeinfo");
		CHECK(matches(out, "^Node    0, zone   Normal, type          CMA( +[0-9]+){11} $"));
		CHECK_EQ(count_prefix(out, "Node    0, zone"), 18);
		CHECK(has_line(out, "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate "));
		/* the 256 MiB area is 128 CMA pageblocks above 4 GiB */
		CHECK(matches(out, "^Node 0, zone   Normal +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +128 +[0-9]+ $"));
		free(out);
		pfnlab_machine_destroy(m);
	}
	free(real);
}

/*
 * Expect the model's pagetypeinfo and buddyinfo to have, line shape for
 * line shape (digits blanked), what the real 6.18 capture (24 GiB, zones
 * DMA/DMA32/Normal) and the real 6.1 capture (512 MiB guest, DMA/DMA32)
 * have, and the header lines byte for byte.
 */
TEST(layout_matches_real_captures_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char *real_pti = read_data("pagetypeinfo.6.18"), *real_bi = read_data("buddyinfo.6.18");
	char *out;

	real_ram_map(&c);
	m = build(&c);
	if (m && real_pti && real_bi) {
		out = test_view(m, "pagetypeinfo");
		check_same_shapes("pagetypeinfo vs 6.18", out, real_pti);
		for (int i = 0; i < 4; i++) { /* order, per block, blank, free-count header */
			char *a = strdup(out), *b = strdup(real_pti), *la[64], *lb[64];
			size_t na = split_lines(a, la, 64), nb = split_lines(b, lb, 64);

			if (na > (size_t)i && nb > (size_t)i)
				CHECK_STR(la[i], lb[i]);
			else
				T_FAIL("line %d: the view has %zu lines, the capture %zu", i + 1, na, nb);
			free(a);
			free(b);
		}
		CHECK_STR(line_with(out, "Number of blocks type"), line_with(real_pti, "Number of blocks type"));
		/* the pageblock counts depend only on the RAM map: same as the real machine's sums */
		CHECK_STR(line_with(out, "Node 0, zone      DMA "),
			  "Node 0, zone      DMA            0            8            0            0            0 ");
		CHECK_STR(line_with(out, "Node 0, zone    DMA32 "),
			  "Node 0, zone    DMA32            0         1528            0            0            0 ");
		free(out);
		out = test_view(m, "buddyinfo");
		check_same_shapes("buddyinfo vs 6.18", out, real_bi);
		free(out);
	}
	pfnlab_machine_destroy(m);
	free(real_pti);
	free(real_bi);

	m = preset("x86_64", 512ull << 20);
	if (m) {
		out = test_view(m, "pagetypeinfo");
		check_same_shapes("pagetypeinfo vs 6.1", out, real_pagetypeinfo_6_1);
		CHECK_STR(line_with(out, "Free pages count"), line_with(real_pagetypeinfo_6_1, "Free pages count"));
		CHECK_STR(line_with(out, "Number of blocks type"),
			  line_with(real_pagetypeinfo_6_1, "Number of blocks type"));
		free(out);
		out = test_view(m, "buddyinfo");
		check_same_shapes("buddyinfo vs 6.1", out, real_buddyinfo_6_1);
		free(out);
		pfnlab_machine_destroy(m);
	}
}

/*
 * Expect the 6.18 machine's RAM map to give the zone geometry of the real
 * zoneinfo byte for byte: DMA spanned 4095, present 3998, managed 3840,
 * start_pfn 1; DMA32 present 782336, start_pfn 4096 (spanned 1044480, see
 * below); Normal spanned = present = 5505024, start_pfn 1048576.
 */
TEST(zoneinfo_geometry_check)
{
	static const struct {
		const char *zone, *field;
	} lines[] = {
		{"DMA", "        spanned "}, {"DMA", "        present "}, {"DMA", "        managed "},
		{"DMA", "  start_pfn: "}, {"DMA32", "        present "}, {"DMA32", "  start_pfn: "},
		{"Normal", "        spanned "}, {"Normal", "        present "},
		{"Normal", "  start_pfn: "}, {"Movable", "        spanned "},
	};
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char *real = read_data("zoneinfo.6.18"), *out;

	real_ram_map(&c);
	m = build(&c);
	if (!m || !real) {
		free(real);
		return;
	}
	out = test_view(m, "zoneinfo");
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char *a = zone_block(out, lines[i].zone), *b = zone_block(real, lines[i].zone);
		char la[1024];

		snprintf(la, sizeof(la), "%s", line_with(a, lines[i].field));
		test_variant = lines[i].zone;
		CHECK(la[0] != 0);
		CHECK_STR(la, line_with(b, lines[i].field));
		test_variant = NULL;
		free(a);
		free(b);
	}
	/*
	 * The kernel's DMA32 spans [16 MiB, 4 GiB) clipped to the node's PFN
	 * range, 1044480 pages, although its RAM ends at 3 GiB (the PCI hole
	 * counts as spanned, not present).
	 */
	{
		char *a = zone_block(out, "DMA32");
		const char *got = line_with(a, "        spanned ");

		CHECK_STR(got, "        spanned  1044480");
		free(a);
	}
	/* every kernel zone type appears, unpopulated ones in the short form */
	CHECK_EQ(count_prefix(out, "Node 0, zone "), 5);
	CHECK(strstr(out, "Node 0, zone  Movable\n  pages free     0\n"));
	CHECK(strstr(out, "Node 0, zone   Device\n  pages free     0\n"));
	CHECK(strstr(out, "        protection: (0, 0, 0, 0, 0)\nNode 0, zone   Device\n"));
	CHECK_EQ(count_prefix(out, "  per-node stats"), 1);
	CHECK_EQ(count_prefix(out, "    cpu: "), 6); /* 2 CPUs x 3 populated zones */
	free(out);
	free(real);
	pfnlab_machine_destroy(m);
}

/*
 * Give the 6.18 machine @m the real managed counts of DMA, DMA32 and
 * Normal (3840/772917/557056), set its watermarks up again and check the
 * lines starting with @fields of @zones in its zoneinfo against the real
 * file's, byte for byte; returns the zoneinfo (malloc'd)
 */
static char *check_real_watermarks(struct pfnlab_machine *m, const char *real, const char *const *zones, int nz,
				   const char *const *fields, int nf)
{
	static const uint64_t managed[] = {3840, 772917, 557056};
	char *out;

	for (int i = 0; i < 3 && i < m->nr_zones; i++)
		m->zones[i].managed = managed[i];
	setup_watermarks(m);
	out = test_view(m, "zoneinfo");
	for (int z = 0; z < nz; z++) {
		char *a = zone_block(out, zones[z]), *b = zone_block(real, zones[z]);

		test_variant = zones[z];
		for (int f = 0; f < nf; f++) {
			char la[1024];

			snprintf(la, sizeof(la), "%s", line_with(a, fields[f]));
			CHECK(la[0] != 0);
			CHECK_STR(la, line_with(b, fields[f]));
		}
		test_variant = NULL;
		free(a);
		free(b);
	}
	return out;
}

/*
 * Expect the watermark and lowmem_reserve formulas to reproduce the real
 * 6.18 zoneinfo (same in 6.1 for these zones) byte for byte, given the real
 * managed counts 3840/772917/557056 and min_free_kbytes 67584: min
 * 48/9790/7056, low 60/12237/8820, high 72/14684/10584, protection
 * (0, 3019, 5195, 5195, 5195) and (0, 0, 2176, 2176, 2176).  The promo
 * watermark is not a 6.1 zoneinfo line.  Also MemAvailable of meminfo:
 * free minus totalreserve_pages (high watermark plus the largest reserve).
 */
TEST(watermarks_match_real_check)
{
	static const char *const zones[] = {"DMA", "DMA32", "Normal"};
	static const char *const fields[] = {"        min ", "        low ", "        high ",
					     "        protection: "};
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char *real = read_data("zoneinfo.6.18"), *out;
	uint64_t reserve;

	real_ram_map(&c);
	m = build(&c);
	if (!m || !real) {
		free(real);
		return;
	}
	CHECK_EQ(m->nr_zones, 3);
	out = check_real_watermarks(m, real, zones, 3, fields, 4);
	CHECK_EQ(m->min_free_kbytes, 67584);
	CHECK_EQ(count_prefix(out, "        promo"), 0);
	free(out);
	/* totalreserve: min(high + largest reserve, managed) per zone; DMA's 72 + 5195 caps at 3840 */
	reserve = 3840 + (14684 + 2176) + (10584 + 0);
	{
		char want[128];
		uint64_t free_pages = 0;

		for (int i = 0; i < m->nr_zones; i++)
			free_pages += (uint64_t)m->zones[i].nr_free;
		out = test_view(m, "meminfo");
		snprintf(want, sizeof(want), "MemAvailable:   %8llu kB",
			 (unsigned long long)(free_pages - reserve) * 4);
		CHECK_STR(line_with(out, "MemAvailable:"), want);
		free(out);
	}
	free(real);
	pfnlab_machine_destroy(m);
}

/*
 * Expect 6.12's zoneinfo of the same machine to match the real 6.18 one
 * in every watermark line, promo included: min/low/high/promo 48/60/72/84,
 * 9790/12237/14684/17131, 7056/8820/10584/12348, and the unpopulated
 * Movable zone's 32 four times (6.12 caps a movable zone's min at
 * managed / 1024 within [32, 128], whatever it manages); 6.1 prints no
 * promo line and 0 there.  Then with movablecore=: 6.12 leaves ZONE_MOVABLE
 * out of the lowmem pages the min is shared over, 6.1 does not.
 */
TEST(watermarks_612_movable_check)
{
	static const char *const zones[] = {"DMA", "DMA32", "Normal", "Movable"};
	static const char *const fields[] = {"        min ", "        low ", "        high ", "        promo "};
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char *real = read_data("zoneinfo.6.18"), *out;

	real_ram_map(&c);
	c.kernel = PFNLAB_KERNEL_6_12;
	m = build(&c);
	if (!m || !real) {
		free(real);
		return;
	}
	out = check_real_watermarks(m, real, zones, 4, fields, 4);
	free(out);
	pfnlab_machine_destroy(m);
	free(real);

	/* 6.1 on the same map: the short form of Movable with 0, no promo line anywhere */
	real_ram_map(&c);
	m = build(&c);
	if (!m)
		return;
	out = test_view(m, "zoneinfo");
	CHECK_EQ(count_prefix(out, "        promo"), 0);
	CHECK(strstr(out, "Node 0, zone  Movable\n  pages free     0\n        boost    0\n        min      0\n"));
	free(out);
	pfnlab_machine_destroy(m);

	/* movablecore= on 8 GiB: 2 GiB movable (min 524288 / 1024 capped at 128), 64 MiB (16 raised to 32) */
	for (int k = 0; k < 4; k++) {
		uint64_t pages_min, lowmem = 0, mov_managed = 0;
		bool k612 = k & 1;
		int mi = -1;

		pfnlab_config_preset(&c, "x86_64", 8ull << 30);
		c.movablecore_bytes = k < 2 ? 2ull << 30 : 64ull << 20;
		c.kernel = k612 ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1;
		m = build(&c);
		if (!m)
			return;
		test_variant = k == 0 ? "6.1, 2 GiB" : k == 1 ? "6.12, 2 GiB" : k == 2 ? "6.1, 64 MiB" : "6.12, 64 MiB";
		pages_min = (uint64_t)m->min_free_kbytes >> 2;
		for (int i = 0; i < m->nr_zones; i++) {
			if (m->zones[i].type == PFNLAB_ZONE_MOVABLE) {
				mi = i;
				mov_managed = m->zones[i].managed;
				if (k612)
					continue;
			}
			lowmem += m->zones[i].managed;
		}
		CHECK(mi >= 0 && lowmem > 0);
		for (int i = 0; i < m->nr_zones && mi >= 0 && lowmem > 0; i++) {
			uint64_t want = pages_min * m->zones[i].managed / lowmem;

			if (k612 && i == mi)
				want = k < 2 ? 128 : 32;
			CHECK_EQ(m->zones[i].wmark[WMARK_MIN], want);
		}
		CHECK_EQ(mov_managed, k < 2 ? 524288 : 16384);
		test_variant = NULL;
		pfnlab_machine_destroy(m);
	}
}

/*
 * Expect meminfo's MemTotal to be the managed pages in kB, MemFree the
 * free pages, CmaTotal/CmaFree in the kernel's "%-16s%8lu kB" layout when
 * CMA is configured (and absent otherwise); vmstat's nr_free_pages and
 * pgalloc_* to equal pfnlab_vmstat(), no "pfnlab_" line, 6.1's 172 items
 * plus nr_unstable.
 */
TEST(meminfo_vmstat_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char *out, want[128];
	uint64_t managed = 0, pfn;

	pfnlab_config_preset(&c, "x86_64", 4ull << 30);
	c.nr_cma = 1;
	c.cma[0].size = 256ull << 20;
	m = build(&c);
	if (!m)
		return;
	for (int i = 0; i < m->nr_zones; i++)
		managed += m->zones[i].managed;
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 3, &pfn), 0);
	CHECK_EQ(pfnlab_alloc_pages(m, PFNLAB_GFP_HIGHUSER_MOVABLE, 0, &pfn), 0);
	out = test_view(m, "meminfo");
	snprintf(want, sizeof(want), "MemTotal:       %8llu kB", (unsigned long long)managed * 4);
	CHECK_STR(line_with(out, "MemTotal:"), want);
	snprintf(want, sizeof(want), "MemFree:        %8lld kB", pfnlab_vmstat(m, "nr_free_pages") * 4);
	CHECK_STR(line_with(out, "MemFree:"), want);
	CHECK(has_line(out, "CmaTotal:         262144 kB"));
	snprintf(want, sizeof(want), "CmaFree:        %8lld kB", pfnlab_vmstat(m, "nr_free_cma") * 4);
	CHECK(has_line(out, want));
	CHECK(has_line(out, "Hugepagesize:       2048 kB"));
	CHECK(has_line(out, "HugePages_Total:       0"));
	CHECK(strstr(out, "MemTotal:") == out);
	free(out);

	out = test_view(m, "vmstat");
	snprintf(want, sizeof(want), "nr_free_pages %lld", pfnlab_vmstat(m, "nr_free_pages"));
	CHECK(has_line(out, want));
	CHECK(strncmp(out, want, strlen(want)) == 0);
	for (const char *const *n = (const char *const[]){"pgalloc_dma", "pgalloc_dma32", "pgalloc_normal",
							  "pgalloc_movable", "nr_free_cma", NULL};
	     *n; n++) {
		snprintf(want, sizeof(want), "%s %lld", *n, pfnlab_vmstat(m, *n));
		CHECK(has_line(out, want));
	}
	CHECK(pfnlab_vmstat(m, "pgalloc_normal") == 9);
	CHECK_EQ(count_prefix(out, "pfnlab_"), 0);
	CHECK_EQ(count_prefix(out, "cma_alloc_success "), 1);
	CHECK_EQ(count_prefix(out, ""), 172 + 2 + 1); /* + cma_alloc_success/fail + nr_unstable */
	CHECK(has_line(out, "pgalloc_device 0"));
	CHECK(strstr(out, "direct_map_level3_splits 0\nnr_unstable 0\n"));
	free(out);
	pfnlab_machine_destroy(m);

	m = preset("x86_64", 1ull << 30);
	if (!m)
		return;
	out = test_view(m, "meminfo");
	CHECK(!strstr(out, "Cma"));
	free(out);
	out = test_view(m, "vmstat");
	CHECK_EQ(count_prefix(out, "cma_alloc"), 0);
	CHECK_EQ(count_prefix(out, "nr_free_cma "), 1); /* a zone item: printed without CONFIG_CMA too */
	CHECK_EQ(count_prefix(out, ""), 172 + 1);
	free(out);
	pfnlab_machine_destroy(m);
}

/*
 * Expect a fresh machine (only large blocks) to have unusable_index 0.000
 * at every order of Normal and extfrag_index -1.000 (would succeed) at
 * every order of every zone.
 */
TEST(fragindex_fresh_check)
{
	struct pfnlab_machine *m = preset("x86_64", 4ull << 30);
	char *out;
	char want[512];
	int n = 0;

	if (!m)
		return;
	out = test_view(m, "unusable_index");
	n = snprintf(want, sizeof(want), "Node 0, zone   Normal ");
	for (int o = 0; o <= 10; o++)
		n += snprintf(want + n, sizeof(want) - (size_t)n, "0.000 ");
	CHECK_STR(line_with(out, "Node 0, zone   Normal"), want);
	CHECK_EQ(count_prefix(out, "Node 0, zone "), 3);
	free(out);
	out = test_view(m, "extfrag_index");
	for (const char *z = "     DMA\0   DMA32\0  Normal\0"; *z; z += strlen(z) + 1) {
		n = snprintf(want, sizeof(want), "Node 0, zone %s ", z);
		for (int o = 0; o <= 10; o++)
			n += snprintf(want + n, sizeof(want) - (size_t)n, "-1.000 ");
		snprintf(want + n, sizeof(want) - (size_t)n, "\n");
		CHECK(strstr(out, want));
	}
	free(out);
	pfnlab_machine_destroy(m);
}

/*
 * A 16 MiB x86_64 machine, RAM [0, 16M) all managed: one DMA zone of 4096
 * pages.  Allocate every page at order 0, then free PFNs 0-3 (they merge
 * into one order-2 block) and every even PFN from 4 on (each buddy stays
 * allocated): 1 order-2 block + 2046 order-0 blocks, 2050 free pages,
 * 2047 free blocks.
 * Expect, by the formulas of mm/vmstat.c:
 *   unusable(o) = (free - suitable(o) << o) * 1000 / free
 *     o=0: suitable 2050 -> 0; o=1: 2 -> (2050-4)*1000/2050 = 998;
 *     o=2: 1 -> 998; o>=3: 0 -> 1000
 *   extfrag(o) = -1000 while a suitable block exists (o <= 2), else
 *     1000 - (1000 + 2050000 / 2^o) / 2047:
 *     o=3: 257250/2047=125 -> 875; o=4: 129125/2047=63 -> 937;
 *     o=5: 65062/2047=31 -> 969; o=6: 33031/2047=16 -> 984;
 *     o=7: 17015/2047=8 -> 992; o=8: 9007/2047=4 -> 996;
 *     o=9: 5003/2047=2 -> 998; o=10: 3001/2047=1 -> 999
 */
TEST(fragindex_hand_computed_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	static uint64_t pfns[4096];
	char *out;
	size_t n = 0;
	uint64_t pfn;

	pfnlab_config_preset(&c, "x86_64", 16ull << 20);
	c.nr_ranges = 1;
	c.ranges[0] = (struct pfnlab_range){0, 16ull << 20};
	c.reserved_low_bytes = 0;
	c.min_free_kbytes = 0;
	c.thp = false;
	c.pcp = false; /* the hand computation counts every freed page on the buddy lists */
	m = build(&c);
	if (!m)
		return;
	CHECK_EQ(m->nr_zones, 1);
	CHECK_EQ(m->zones[0].managed, 4096);
	while (n < 4096 && pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &pfn) == 0)
		pfns[n++] = pfn;
	CHECK_EQ(n, 4096);
	for (size_t i = 0; i < n; i++)
		if (pfns[i] < 4 || pfns[i] % 2 == 0)
			CHECK_EQ(pfnlab_free_pages(m, pfns[i], 0), 0);
	CHECK_EQ(m->zones[0].nr_free, 2050);
	CHECK_EQ(m->zones[0].area[2].nr_free, 1);
	CHECK_EQ(m->zones[0].area[0].nr_free, 2046);
	out = test_view(m, "unusable_index");
	CHECK_STR(out, "Node 0, zone      DMA 0.000 0.998 0.998 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 \n");
	free(out);
	out = test_view(m, "extfrag_index");
	CHECK_STR(out, "Node 0, zone      DMA -1.000 -1.000 -1.000  0.875  0.937  0.969  0.984  0.992  0.996  0.998  0.999 \n");
	free(out);
	out = test_view(m, "buddyinfo");
	CHECK_STR(out, "Node 0, zone      DMA   2046      0      1      0      0      0      0      0      0      0      0 \n");
	free(out);
	pfnlab_machine_destroy(m);
}

/*
 * Make @l a list of @n blocks only its walk sees: frames 0..@n - 1 chained
 * through next (the views count a free list by walking it, as the kernel
 * does).  @undo puts the list and the frames' links back (@n ignored).
 */
static void fake_list(struct pfnlab_machine *m, struct free_list *l, uint64_t n, struct free_list *saved,
		      uint32_t **next, bool undo)
{
	if (undo) {
		for (uint64_t p = 0; *next && p < m->nr_pfns && p < 123456; p++)
			m->frames[p].next = (*next)[p];
		free(*next);
		*next = NULL;
		*l = *saved;
		return;
	}
	if (!*next) {
		*saved = *l;
		*next = malloc(123456 * sizeof(**next));
		if (!*next)
			return;
		for (uint64_t p = 0; p < 123456; p++)
			(*next)[p] = m->frames[p].next;
	}
	for (uint64_t p = 0; p < n; p++)
		m->frames[p].next = p + 1 < n ? (uint32_t)(p + 1) : NIL_PFN;
	l->head = 0;
}

/*
 * Expect the 2015 era (v4.2) pagetypeinfo to list Unmovable, Reclaimable,
 * Movable, Reserve, Isolate (CMA between with CONFIG_CMA) in rows and
 * columns, and to print a list of 123456 blocks as is, where the current
 * era prints ">100000" (the cap since v5.4: 100000 itself is capped,
 * 99999 is not).
 */
TEST(pagetypeinfo_eras_check)
{
	static const char *const types[] = {"Unmovable", "Reclaimable", "Movable", "Reserve", "Isolate"};
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	struct free_list *l, saved;
	uint32_t *next = NULL;
	char *out;
	const char *p;

	pfnlab_config_preset(&c, "x86_64", 4ull << 30);
	c.era = PFNLAB_ERA_2015;
	m = build(&c);
	if (!m)
		return;
	out = test_view(m, "pagetypeinfo");
	CHECK_STR(line_with(out, "Number of blocks type"),
		  "Number of blocks type     Unmovable  Reclaimable      Movable      Reserve      Isolate ");
	p = strstr(out, "Node    0, zone   Normal, type");
	for (int i = 0; i < 5 && p; i++) {
		char want[64];

		snprintf(want, sizeof(want), "Node    0, zone   Normal, type %12s ", types[i]);
		test_variant = types[i];
		CHECK(strncmp(p, want, strlen(want)) == 0);
		test_variant = NULL;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	CHECK(!strstr(out, "HighAtomic"));
	free(out);
	l = &m->zones[m->zone_of_type[PFNLAB_ZONE_NORMAL]].area[0].list[PFNLAB_MT_MOVABLE];
	fake_list(m, l, 123456, &saved, &next, false);
	out = test_view(m, "pagetypeinfo");
	CHECK(matches(out, "^Node    0, zone   Normal, type      Movable 123456 "));
	CHECK(!strchr(out, '>'));
	free(out);
	fake_list(m, l, 0, &saved, &next, true);
	pfnlab_machine_destroy(m);

	c.era = PFNLAB_ERA_CURRENT;
	c.nr_cma = 1;
	c.cma[0].size = 64ull << 20;
	m = build(&c);
	if (!m)
		return;
	l = &m->zones[m->zone_of_type[PFNLAB_ZONE_NORMAL]].area[0].list[PFNLAB_MT_MOVABLE];
	for (uint64_t nr = 99999; nr <= 123456; nr += nr == 100000 ? 23456 : 1) {
		char want[128];

		fake_list(m, l, nr, &saved, &next, false);
		out = test_view(m, "pagetypeinfo");
		snprintf(want, sizeof(want), "^Node    0, zone   Normal, type      Movable %s ",
			 nr < 100000 ? " 99999" : ">100000");
		CHECK(matches(out, want));
		free(out);
	}
	fake_list(m, l, 0, &saved, &next, true);
	pfnlab_machine_destroy(m);

	/* the 2015 era with CONFIG_CMA: CMA between Reserve and Isolate */
	pfnlab_config_preset(&c, "x86_64", 4ull << 30);
	c.era = PFNLAB_ERA_2015;
	c.nr_cma = 1;
	c.cma[0].size = 64ull << 20;
	m = build(&c);
	if (!m)
		return;
	out = test_view(m, "pagetypeinfo");
	CHECK_STR(line_with(out, "Number of blocks type"),
		  "Number of blocks type     Unmovable  Reclaimable      Movable      Reserve          CMA      Isolate ");
	free(out);
	pfnlab_machine_destroy(m);
}

/*
 * Expect every view pfnlab_views() names to print (the CMA ones nothing
 * without CMA areas) and return 0, an
 * unknown view to return -EINVAL and print nothing, and a ppc64 machine
 * (no DMA32, no ZONE_DEVICE) to list DMA, Normal, Movable in zoneinfo
 * with three protection entries.
 */
TEST(views_check)
{
	struct pfnlab_machine *m = preset("ppc64", 4ull << 30);
	const char *const *v = pfnlab_views();
	struct test_text t = {0};
	struct pfnlab_sink s = {test_text_write, &t};
	int n = 0;
	char *out;

	if (!m)
		return;
	for (; v[n]; n++) {
		out = test_view(m, v[n]);
		/* the CMA views are empty on a machine without CMA areas, as debugfs would be */
		CHECK(out[0] != 0 || strncmp(v[n], "cma", 3) == 0);
		free(out);
	}
	CHECK_EQ(n, 9);
	CHECK_EQ(pfnlab_print(m, "slabinfo", &s), -EINVAL);
	CHECK(t.n == 0);
	free(t.p);
	out = test_view(m, "zoneinfo");
	CHECK_EQ(count_prefix(out, "Node 0, zone "), 3);
	CHECK(strstr(out, "Node 0, zone      DMA\n"));
	CHECK(strstr(out, "Node 0, zone   Normal\n  pages free     0\n"));
	CHECK(strstr(out, "Node 0, zone  Movable\n"));
	CHECK(!strstr(out, "Device"));
	CHECK(has_line(line_with(out, "        protection: "), "        protection: (0, 0, 0)"));
	free(out);
	out = test_view(m, "meminfo");
	CHECK(has_line(out, "Hugepagesize:      16384 kB"));
	CHECK(!strstr(out, "DirectMap"));
	free(out);
	out = test_view(m, "vmstat");
	CHECK(!strstr(out, "pgalloc_dma32"));
	CHECK(!strstr(out, "_device "));
	free(out);
	pfnlab_machine_destroy(m);
}

/* @label's value in kB from @out, or -1 */
static long long meminfo_kb_of(const char *out, const char *label)
{
	const char *l = line_with(out, label);
	long long v;

	return l && sscanf(l + strlen(label), "%lld", &v) == 1 ? v : -1;
}

/*
 * meminfo's page-cache, LRU and swap lines from the model's counters
 * (meminfo_proc_show()): an ext2 mount (its superblock and group
 * descriptor pages: Buffers), a 32,000-page file read and 100 of its
 * pages written (Cached, Dirty, the file LRU lines), 64 MiB of swap, a
 * watermark boost of 512 pages on DMA32.  Expect each line to
 * equal its vmstat counter in kB; the slab lines the 3 slab pages of the
 * 102 pages' buffer heads and the 74 of the page cache's xarray nodes;
 * MemAvailable si_mem_available()'s free -
 * reserve + file LRU - min(half of it, the low watermarks with their
 * boost: the smaller here) + reclaimable slab - min(half of it, the
 * same: half here); CommitLimit half the RAM plus the swap.
 */
TEST(meminfo_page_cache_check)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	unsigned dev = 0, f = 0;
	long long nfree, reserve = 0, low = 0, lru, cache, bufs, slab;
	char *out;

	pfnlab_config_preset(&c, "x86_64", 1ull << 30);
	c.swap_bytes = 64ull << 20;
	m = build(&c);
	if (!m)
		return;
	CHECK_EQ(pfnlab_fs_mount(m, "sda", PFNLAB_FS_EXT2, 1ull << 30, &dev), 0);
	CHECK_EQ(pfnlab_file_create(m, "log", PFNLAB_FS_EXT2, 32000 * 4096, &f), 0);
	CHECK_EQ(pfnlab_file_read(m, f, 0, 32000 * 4096), 0);
	CHECK_EQ(pfnlab_file_write(m, f, 0, 100 * 4096), 0);
	test_check_state(m);
	for (int i = 0; i < m->nr_zones; i++)
		if (m->zones[i].type == PFNLAB_ZONE_DMA32)
			m->zones[i].watermark_boost = 512;
	out = test_view(m, "meminfo");
	bufs = meminfo_kb_of(out, "Buffers:");
	cache = meminfo_kb_of(out, "Cached:");
	CHECK(bufs > 0);
	CHECK_EQ(bufs + cache, pfnlab_vmstat(m, "nr_file_pages") * 4);
	CHECK(cache >= 32000 * 4);
	CHECK_EQ(meminfo_kb_of(out, "Dirty:"), pfnlab_vmstat(m, "nr_dirty") * 4);
	CHECK(meminfo_kb_of(out, "Dirty:") >= 100 * 4);
	CHECK_EQ(meminfo_kb_of(out, "Writeback:"), pfnlab_vmstat(m, "nr_writeback") * 4);
	lru = pfnlab_vmstat(m, "nr_active_file") + pfnlab_vmstat(m, "nr_inactive_file");
	CHECK_EQ(meminfo_kb_of(out, "Active(file):") + meminfo_kb_of(out, "Inactive(file):"), lru * 4);
	CHECK_EQ(meminfo_kb_of(out, "Active:"),
		 (pfnlab_vmstat(m, "nr_active_anon") + pfnlab_vmstat(m, "nr_active_file")) * 4);
	CHECK_EQ(meminfo_kb_of(out, "Inactive:"),
		 (pfnlab_vmstat(m, "nr_inactive_anon") + pfnlab_vmstat(m, "nr_inactive_file")) * 4);
	CHECK_EQ(meminfo_kb_of(out, "Shmem:"), pfnlab_vmstat(m, "nr_shmem") * 4);
	CHECK_EQ(meminfo_kb_of(out, "SwapTotal:"), 64 * 1024);
	CHECK_EQ(meminfo_kb_of(out, "SwapFree:"), 64 * 1024);
	for (int i = 0; i < m->nr_zones; i++) {
		const struct zone *z = &m->zones[i];
		long long max = 0;

		for (int j = z->type; j < PFNLAB_NR_ZONES; j++)
			max = (long long)z->lowmem_reserve[j] > max ? (long long)z->lowmem_reserve[j] : max;
		max += (long long)z->wmark[WMARK_HIGH];
		reserve += max < (long long)z->managed ? max : (long long)z->managed;
		low += (long long)(z->wmark[WMARK_LOW] + z->watermark_boost);
	}
	CHECK(lru / 2 > low);
	slab = pfnlab_vmstat(m, "nr_slab_reclaimable");
	/*
	 * 102 buffer heads, 39 to a slab page; 512 xarray nodes, 14 to an
	 * order-1 slab: the file's 500 leaves, 8 above them and its root, and
	 * sda's 3 (the superblock's leaf, the inode table's at block 67, a root)
	 */
	CHECK_EQ(m->mappings[dev - 1].xa.nodes, 3);
	CHECK_EQ(m->xa_nodes.inuse, 512);
	CHECK_EQ(slab, 3 + 37 * 2);
	CHECK_EQ(meminfo_kb_of(out, "SReclaimable:"), slab * 4);
	CHECK_EQ(meminfo_kb_of(out, "KReclaimable:"), slab * 4);
	CHECK_EQ(meminfo_kb_of(out, "Slab:"), slab * 4);
	CHECK_EQ(meminfo_kb_of(out, "SUnreclaim:"), 0);
	nfree = pfnlab_vmstat(m, "nr_free_pages");
	CHECK_EQ(meminfo_kb_of(out, "MemAvailable:"),
		 (nfree - reserve + lru - (lru / 2 < low ? lru / 2 : low) + slab - slab / 2) * 4);
	CHECK_EQ(meminfo_kb_of(out, "CommitLimit:"), meminfo_kb_of(out, "MemTotal:") / 2 + 64 * 1024);
	free(out);
	pfnlab_machine_destroy(m);
}

RUN_TESTS(pagetypeinfo_fresh_x86_64_check, layout_matches_real_captures_check, zoneinfo_geometry_check,
	  watermarks_match_real_check, watermarks_612_movable_check, meminfo_vmstat_check, meminfo_page_cache_check, fragindex_fresh_check,
	  fragindex_hand_computed_check, pagetypeinfo_eras_check, views_check)
