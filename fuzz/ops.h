/* ops.h - the API operation-stream interpreter (ops.c). */
#ifndef PFNLAB_FUZZ_OPS_H
#define PFNLAB_FUZZ_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "pfnlab.h"

/**
 * ops_run() - interpret @data as operations on a small machine, checking
 * the whole state after each.
 *
 * Return: 0, or -1 with the reason in @why (an inconsistency: a bug).
 */
int ops_run(const uint8_t *data, size_t len, char *why, size_t wlen);

#endif
