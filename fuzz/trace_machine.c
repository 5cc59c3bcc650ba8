/*
 * trace_machine.c - the machine the trace fuzz targets (fuzz_trace.c,
 * fuzz_trace_cma.c) replay on.
 */
#include <stdlib.h>

#include "trace_machine.h"

struct pfnlab_machine *fuzz_trace_machine(enum pfnlab_era era)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char why[256];

	pfnlab_config_preset(&c, "x86_64", 16ull << 20);
	c.nr_ranges = 1;
	c.ranges[0] = (struct pfnlab_range){0, 16ull << 20};
	c.reserved_low_bytes = 0;
	c.zone_dma_end = c.zone_dma32_end = 0;
	c.pcp = false;
	c.era = era;
	c.nr_cma = 1;
	c.cma[0].size = 4ull << 20;
	if (pfnlab_machine_create(&c, &m, why, sizeof(why)))
		abort();
	return m;
}
