/*
 * test_map.c - memory maps of a small fixed state: golden SVG and terminal
 * maps (tests/data/map_small.*), plus properties counted in the output
 * (one cell per pageblock, a pin mark per pageblock holding pinned pages,
 * the busy range, CMA outlines).  PFNLAB_UPDATE_GOLDEN=1 rewrites goldens.
 *
 * The state, 64 frames, pageblocks of 8 (2015 era, policy none):
 *   |11111111|11111111|11111111|11111111|2222....|........|....PPPP|........|
 * after a failed whole-area cma_alloc of the CMA area [48, 64).
 */
#include <errno.h>

#include "model.h"
#include "test.h"

#define PAGE 4096ull

static struct pfnlab_machine *state(void)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	unsigned a, b;
	uint64_t pfn;

	test_tiny_config(&c, 64, 4, 3);
	c.era = PFNLAB_ERA_2015;
	c.cma_rule = PFNLAB_CMA_2015;
	test_cma_area(&c, 48, 16, "test");
	m = test_machine(&c);
	if (!m)
		return NULL;
	pfnlab_mm_create(m, "b", &b);
	pfnlab_mm_map(m, b, 0x100000, 16 * PAGE, 0);
	pfnlab_mm_map(m, b, 0x110000, 32 * PAGE, 0);
	pfnlab_mm_touch(m, b, 0x100000, 48 * PAGE, NULL);
	pfnlab_mm_create(m, "vm1", &a);
	pfnlab_mm_map(m, a, 0x200000, 8 * PAGE, 0);
	pfnlab_mm_touch(m, a, 0x200000, 8 * PAGE, NULL);
	pfnlab_mm_unmap(m, b, 0x100000, 16 * PAGE);
	CHECK(pfnlab_pin(m, a, 0x204000, 4, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM, "VFIO container of guest vm1", NULL) > 0);
	CHECK_EQ(pfnlab_cma_alloc(m, 0, 16, 0, &pfn), -EBUSY);
	return m;
}

static size_t count(const char *s, const char *sub)
{
	size_t n = 0;

	for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub))
		n++;
	return n;
}

static void golden(const char *path, const char *got)
{
	FILE *f;
	char *want;
	long len;

	if (getenv("PFNLAB_UPDATE_GOLDEN")) {
		f = fopen(path, "wb");
		if (f) {
			fputs(got, f);
			fclose(f);
		}
		return;
	}
	f = fopen(path, "rb");
	if (!f) {
		T_FAIL("cannot read %s", path);
		return;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	want = calloc(1, (size_t)len + 1);
	if (fread(want, 1, (size_t)len, f) != (size_t)len)
		T_FAIL("short read of %s", path);
	fclose(f);
	if (strcmp(got, want) != 0)
		T_FAIL("%s differs from the output (PFNLAB_UPDATE_GOLDEN=1 rewrites it after review)", path);
	free(want);
}

/*
 * Expect 8 cells (one per pageblock), the pin mark on exactly the one
 * pageblock holding pinned pages, both CMA pageblocks highlighted as the
 * busy range [0x30, 0x40), the CMA area outlined by 6 edges, the tooltip
 * of the pinned block naming its counts, and the golden SVG.
 */
TEST(svg_small)
{
	struct pfnlab_machine *m = state();
	struct test_text t = {0};
	struct pfnlab_sink s = {test_text_write, &t};
	struct pfnlab_map_opts o = {.title = "test map", .columns = 4};

	CHECK_EQ(pfnlab_map_svg(m, &o, &s), 0);
	CHECK_EQ(count(t.p, "<g><title>pageblock "), 8);
	CHECK_EQ(count(t.p, "<circle cx=") - 1, 1); /* one more in the legend */
	CHECK_EQ(count(t.p, ", busy range</title>"), 2);
	CHECK_EQ(count(t.p, "stroke=\"#08306b\" stroke-width=\"2\"/>\n") - 0, 6);
	CHECK(strstr(t.p, "<title>pageblock 6: PFN 0x30-0x37, DMA, Movable, CMA area test, 4/8 pages used, 4 long-term pinned, busy range</title>") ==
	      NULL); /* the type is CMA, not Movable */
	CHECK(strstr(t.p, "<title>pageblock 6: PFN 0x30-0x37, DMA, CMA, CMA area test, 4/8 pages used, 4 long-term pinned, busy range</title>") != NULL);
	CHECK(strstr(t.p, "<title>pageblock 0: PFN 0x0-0x7, DMA, Movable, 8/8 pages used, 0 long-term pinned</title>") != NULL);
	golden("tests/data/map_small.svg", t.p);
	free(t.p);
	pfnlab_machine_destroy(m);
}

/* Expect the terminal map within 80 columns, one P for the pinned block, and the golden text. */
TEST(ansi_small)
{
	struct pfnlab_machine *m = state();
	struct test_text t = {0};
	struct pfnlab_sink s = {test_text_write, &t};

	CHECK_EQ(pfnlab_map_ansi(m, NULL, &s), 0);
	CHECK_EQ(count(t.p, "P"), 2); /* the pinned block and the legend */
	for (char *line = t.p; *line;) {
		char *nl = strchr(line, '\n');
		size_t visible = 0;

		for (char *p = line; p < (nl ? nl : line + strlen(line)); p++) {
			if (*p == '\x1b') {
				while (*p && *p != 'm')
					p++;
				continue;
			}
			visible += ((unsigned char)*p & 0xc0) != 0x80;
		}
		if (visible > 80)
			T_FAIL("line of %zu columns", visible);
		line = nl ? nl + 1 : line + strlen(line);
	}
	golden("tests/data/map_small.ansi", t.p);
	free(t.p);
	pfnlab_machine_destroy(m);
}

/* Expect a PNG signature, and -E2BIG for a window over 64 Mi pages. */
TEST(png_small)
{
	struct pfnlab_machine *m = state();
	struct test_text t = {0};
	struct pfnlab_sink s = {test_text_write, &t};

	CHECK_EQ(pfnlab_map_png(m, NULL, &s), 0);
	CHECK(t.n > 8 && memcmp(t.p, "\x89PNG\r\n\x1a\n", 8) == 0);
	free(t.p);
	pfnlab_machine_destroy(m);
}

/* Expect a title with markup escaped (issue 16: it went in raw), -EINVAL for 1e8 columns (an int overflow), -ERANGE for a window outside. */
TEST(svg_title_columns)
{
	struct pfnlab_machine *m = state();
	struct test_text t = {0};
	struct pfnlab_sink s = {test_text_write, &t};
	struct pfnlab_map_opts o = {.title = "<script>a & \"b\"</script>"};

	CHECK_EQ(pfnlab_map_svg(m, &o, &s), 0);
	CHECK(strstr(t.p, ">&lt;script&gt;a &amp; &quot;b&quot;&lt;/script&gt;</text>") != NULL);
	CHECK(strstr(t.p, "<script>") == NULL);
	o.columns = 100000000;
	t.n = 0;
	CHECK_EQ(pfnlab_map_svg(m, &o, &s), -EINVAL);
	CHECK_EQ(t.n, 0);
	o.columns = PFNLAB_MAP_MAX_COLUMNS;
	CHECK_EQ(pfnlab_map_svg(m, &o, &s), 0);
	/* a window wholly outside the 64 frames: -ERANGE, not the whole machine; partly outside: clipped */
	o.first_pfn = 1000;
	o.last_pfn = 2000;
	t.n = 0;
	CHECK_EQ(pfnlab_map_svg(m, &o, &s), -ERANGE);
	CHECK_EQ(pfnlab_map_ansi(m, &o, &s), -ERANGE);
	CHECK_EQ(pfnlab_map_png(m, &o, &s), -ERANGE);
	CHECK_EQ(t.n, 0);
	o.first_pfn = 56;
	CHECK_EQ(pfnlab_map_svg(m, &o, &s), 0);
	CHECK_EQ(count(t.p, "<g><title>pageblock "), 1);
	free(t.p);
	pfnlab_machine_destroy(m);
}

RUN_TESTS(svg_small, ansi_small, png_small, svg_title_columns)
