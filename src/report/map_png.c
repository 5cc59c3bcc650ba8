/*
 * map_png.c - physical memory at page granularity as a PNG (libpng), one
 * pixel per page, 1024 pages per row: free pages in the light colour of
 * their pageblock's migrate type, used pages in its full colour (with
 * pfnlab_map_opts.kinds: in the colour of their kind), long-term
 * pinned pages black, holes white, the busy range's pages magenta-tinted.
 */
#include <png.h>
#include <stdlib.h>

#include "report.h"

#define PNG_COLS 1024
#define PNG_MAX_PAGES (64ull << 20)

static const uint8_t rgb_used[PFNLAB_MT_TYPES][3] = {
	{214, 39, 40}, {44, 160, 44}, {230, 184, 0}, {255, 127, 14}, {31, 119, 180}, {127, 127, 127},
};
static const uint8_t rgb_free[PFNLAB_MT_TYPES][3] = {
	{246, 211, 211}, {213, 238, 213}, {249, 239, 194}, {255, 227, 201}, {208, 227, 242}, {229, 229, 229},
};

static void png_sink_write(png_structp p, png_bytep data, size_t len)
{
	const struct pfnlab_sink *s = png_get_io_ptr(p);

	s->write(s->arg, (const char *)data, len);
}

static void png_sink_flush(png_structp p)
{
	(void)p;
}

/* Colour of the page at @pfn. */
static void page_rgb(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, uint64_t pfn,
		     uint8_t px[3])
{
	const struct frame *f = &m->frames[pfn];
	uint64_t head;
	int mt = pb_type(m, pfn);
	const uint8_t *c;

	if (f->flags & F_HOLE) {
		px[0] = px[1] = px[2] = 255;
		return;
	}
	head = folio_head(m, pfn);
	if (head != NIL_PFN && (m->frames[head].flags & F_PINNED) && folio_pincount(m, head)) {
		px[0] = px[1] = px[2] = 0;
		return;
	}
	if (o && o->kinds && (head != NIL_PFN || (f->flags & F_RESERVED)))
		c = map_kind_rgb[map_kind(m, pfn, head)];
	else
		c = head != NIL_PFN || (f->flags & F_RESERVED) ? rgb_used[mt] : rgb_free[mt];
	px[0] = c[0];
	px[1] = c[1];
	px[2] = c[2];
	if (map_busy(m, o, pfn, pfn + 1)) {
		px[0] = (uint8_t)((px[0] + 255) / 2);
		px[2] = (uint8_t)((px[2] + 255) / 2);
	}
}

int pfnlab_map_png(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, const struct pfnlab_sink *s)
{
	uint64_t first, last, rows;
	png_structp p;
	png_infop info;
	uint8_t *row;

	if (map_args(m, o, s))
		return -EINVAL;
	if (map_window(m, o, &first, &last))
		return -ERANGE;
	if (last - first > PNG_MAX_PAGES)
		return -E2BIG;
	rows = (last - first + PNG_COLS - 1) / PNG_COLS;
	row = malloc(PNG_COLS * 3);
	p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = p ? png_create_info_struct(p) : NULL;
	if (!row || !p || !info) {
		png_destroy_write_struct(&p, &info);
		free(row);
		return -ENOMEM;
	}
	if (setjmp(png_jmpbuf(p))) {
		png_destroy_write_struct(&p, &info);
		free(row);
		return -EIO;
	}
	png_set_write_fn(p, (void *)s, png_sink_write, png_sink_flush);
	png_set_IHDR(p, info, PNG_COLS, (png_uint_32)rows, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(p, info);
	for (uint64_t r = 0; r < rows; r++) {
		for (uint64_t i = 0; i < PNG_COLS; i++) {
			uint64_t pfn = first + r * PNG_COLS + i;

			if (pfn < last)
				page_rgb(m, o, pfn, row + i * 3);
			else
				row[i * 3] = row[i * 3 + 1] = row[i * 3 + 2] = 255;
		}
		png_write_row(p, row);
	}
	png_write_end(p, NULL);
	png_destroy_write_struct(&p, &info);
	free(row);
	return 0;
}
