/*
 * report.h - printers of the report layer shared between its files.
 */
#ifndef PFNLAB_REPORT_H
#define PFNLAB_REPORT_H

#include "model.h"

/* Per-pageblock statistics of a memory map. */
/* Page kinds a map tells apart (pfnlab_map_opts.kinds): the PFNLAB_PAGE_* states, any later one in the last slot. */
#define MAP_KINDS 8

struct map_cell {
	uint32_t used, holes, pinned;
	uint32_t kind[MAP_KINDS]; /* pages in use by PFNLAB_PAGE_* state */
	int8_t mt, zone, cma;
};

extern const uint8_t map_kind_rgb[MAP_KINDS][3];
int map_kind(const struct pfnlab_machine *m, uint64_t pfn, uint64_t head);

int map_collect(const struct pfnlab_machine *m, uint64_t first, uint64_t last, struct map_cell **out,
		uint64_t *n);
bool map_busy(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, uint64_t a, uint64_t b);
/* The window of @o clipped to the machine (none asked: all of it); -ERANGE when it is wholly outside. */
int map_args(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, const struct pfnlab_sink *s);
int map_window(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, uint64_t *first, uint64_t *last);

void show_cma(const struct pfnlab_machine *m, const struct pfnlab_sink *s);
void show_cma_bitmap(const struct pfnlab_machine *m, const struct pfnlab_sink *s);

/* One line of a chart: n points (x[i], y[i]). */
struct chart_series {
	const char *name;
	size_t n;
	const double *x, *y;
};

/* A self-contained HTML page (html.c). */
void html_begin(const struct pfnlab_sink *s, const char *title);
void html_heading(const struct pfnlab_sink *s, int level, const char *text);
void html_para(const struct pfnlab_sink *s, const char *text);
void html_pre(const struct pfnlab_sink *s, const char *text);
void html_escape(const struct pfnlab_sink *s, const char *t);
/* @cells: nrows x ncols strings, row 0 the header */
void html_table(const struct pfnlab_sink *s, const char *const *cells, size_t nrows, size_t ncols);
void html_map(const struct pfnlab_sink *s, const char *caption, const char *svg);
void html_row_begin(const struct pfnlab_sink *s);
void html_row_end(const struct pfnlab_sink *s);
void html_chart(const struct pfnlab_sink *s, const char *title, const char *xlabel, const char *ylabel,
		const struct chart_series *ser, size_t nser);
void html_end(const struct pfnlab_sink *s);

#endif
