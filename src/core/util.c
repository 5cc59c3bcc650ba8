/*
 * util.c - small helpers of the public API: errno names, the library's
 * version.  (Formatted output to a sink and error reasons, which every
 * layer writes, are src/base/fmt.c's.)
 */
#include "model.h"

const char *pfnlab_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case -EINVAL: return "EINVAL";
	case -ENOMEM: return "ENOMEM";
	case -EBUSY: return "EBUSY";
	case -EAGAIN: return "EAGAIN";
	case -EEXIST: return "EEXIST";
	case -ENOSPC: return "ENOSPC";
	case -ENOENT: return "ENOENT";
	case -E2BIG: return "E2BIG";
	case -EOVERFLOW: return "EOVERFLOW";
	case -EUCLEAN: return "EUCLEAN";
	case -EFAULT: return "EFAULT";
	case -EPERM: return "EPERM";
	default: return "unknown error";
	}
}

const char *pfnlab_version(void)
{
	return PFNLAB_VERSION;
}
