/*
 * fuzz_ops.c - libFuzzer target: any byte string is an operation stream
 * (ops.c); an invariant the whole-state checker finds broken aborts.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512];

	if (size > 4096)
		return 0; /* keep each run short */
	if (ops_run(data, size, why, sizeof(why))) {
		fprintf(stderr, "invariant broken: %s\n", why);
		abort();
	}
	return 0;
}
