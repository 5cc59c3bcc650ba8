/*
 * trace_machine.h - the machine the trace fuzz targets replay on.
 */
#ifndef PFNLAB_FUZZ_TRACE_MACHINE_H
#define PFNLAB_FUZZ_TRACE_MACHINE_H

#include "pfnlab.h"

/**
 * fuzz_trace_machine() - a fresh 16 MiB machine, one zone, a 4 MiB CMA
 * area, no per-CPU lists (a replay needs them off: the trace shows each
 * page the buddy allocator gave).  Aborts when it cannot be built.
 * @era: PFNLAB_ERA_2015 or PFNLAB_ERA_CURRENT
 */
struct pfnlab_machine *fuzz_trace_machine(enum pfnlab_era era);

#endif
