/*
 * pfnlab.h - public API of libpfnlab, a user-space model of Linux physical
 * memory management (buddy allocator, pageblocks, CMA, migration, pinning).
 *
 * One opaque context (struct pfnlab_machine) holds a whole machine; there
 * are no globals, so several machines can live in one process.  Every
 * function that can fail returns 0 or a negative errno (-EINVAL, -ENOMEM,
 * -EBUSY, ...), the values the modelled kernel code returns.
 *
 * NULL pointers.  A pointer argument may be NULL only where its description
 * says so ("may be NULL").  Anywhere else a NULL pointer the function would
 * follow (the machine, a configuration, a name, a sink or its write
 * callback, an out-pointer, an array or buffer with a count above 0) is
 * refused, never followed: a function returning an errno returns -EINVAL
 * and changes nothing; one returning a pointer returns NULL; counts and
 * other readings return the value their Return: names for it (0, -1 or
 * false); a void function does nothing.  The one exception is the per-page
 * hot path: pfnlab_alloc_pages() and pfnlab_free_pages() do not test @m,
 * which must be a live machine (testing it would add 4 instructions to the
 * ~497 of an order-0 allocation and free); pfnlab_alloc_pages() does test
 * @pfn (2 instructions).
 */
#ifndef PFNLAB_H
#define PFNLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The version of this header.  MAJOR names the ABI (the shared library's
 * soname is libpfnlab.so.MAJOR); MINOR grows when functions or enum values
 * are added; PATCH for fixes that change no declaration.  pfnlab_version()
 * says which library is loaded at run time.
 */
#define PFNLAB_VERSION_MAJOR 0
#define PFNLAB_VERSION_MINOR 2
#define PFNLAB_VERSION_PATCH 0
#define PFNLAB__STR(x) #x
#define PFNLAB__XSTR(x) PFNLAB__STR(x)
#define PFNLAB_VERSION                                                            \
	PFNLAB__XSTR(PFNLAB_VERSION_MAJOR) "." PFNLAB__XSTR(PFNLAB_VERSION_MINOR) "." \
	PFNLAB__XSTR(PFNLAB_VERSION_PATCH)

/*
 * Everything declared here is exported from libpfnlab.so, and nothing else:
 * the library is built with -fvisibility=hidden and src/libpfnlab.map.
 */
#ifdef __GNUC__
#pragma GCC visibility push(default)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The API by topic, one header each under pfnlab/, always through this one.
 */
#include "pfnlab/machine.h"
#include "pfnlab/mm.h"
#include "pfnlab/migrate.h"
#include "pfnlab/cma.h"
#include "pfnlab/pin.h"
#include "pfnlab/inspect.h"
#include "pfnlab/reclaim.h"

/**
 * pfnlab_strerror() - the name of an error this library returns.
 * @err: 0 or a negative errno
 *
 * Return: "success", "ENOMEM", "EBUSY", ... or "unknown error"; static.
 */
const char *pfnlab_strerror(int err);

/**
 * pfnlab_version() - the version of the library loaded at run time.
 *
 * Return: "MAJOR.MINOR.PATCH", a static string; PFNLAB_VERSION is the
 * version of the header a program was compiled with.
 */
const char *pfnlab_version(void);

#ifdef __cplusplus
}
#endif

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#endif /* PFNLAB_H */
