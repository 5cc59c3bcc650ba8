/*
 * fuzz_trace.c - libFuzzer target for trace replay (src/input): any byte
 * string is a trace text, replayed strictly and then leniently on a fresh
 * 16 MiB machine (one zone, a 4 MiB CMA area).  A crash, a sanitizer
 * report or a state the whole-state checker rejects is a bug.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "trace_machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512];

	if (size > 8192)
		return 0;
	for (int lenient = 0; lenient < 2; lenient++) {
		struct pfnlab_machine *m = fuzz_trace_machine(size && (data[0] & 1) ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015);
		struct pfnlab_replay_opts o = {.lenient = lenient};
		struct pfnlab_replay *r;
		struct trace_prescan ps;

		trace_prescan((const char *)data, size, &ps);
		if (pfnlab_replay_create(m, &o, &r))
			abort();
		pfnlab_replay_feed(r, (const char *)data, size, "fuzz", why, sizeof(why));
		if (pfnlab_check(m, why, sizeof(why))) {
			fprintf(stderr, "invariant broken: %s\n", why);
			abort();
		}
		pfnlab_replay_destroy(r);
		pfnlab_machine_destroy(m);
	}
	return 0;
}
