/*
 * report.h - printers of the report layer shared between its files.
 */
#ifndef PFNLAB_REPORT_H
#define PFNLAB_REPORT_H

#include "model.h"

/* Per-pageblock statistics of a memory map. */
struct map_cell {
	uint32_t used, holes, pinned;
	int8_t mt, zone, cma;
};

int map_collect(const struct pfnlab_machine *m, uint64_t first, uint64_t last, struct map_cell **out,
		uint64_t *n);
bool map_busy(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, uint64_t a, uint64_t b);
void map_window(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, uint64_t *first,
		uint64_t *last);

void show_cma(const struct pfnlab_machine *m, const struct pfnlab_sink *s);
void show_cma_bitmap(const struct pfnlab_machine *m, const struct pfnlab_sink *s);

#endif
