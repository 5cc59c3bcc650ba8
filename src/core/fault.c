/*
 * fault.c - fault injection: make the Nth pass through a failure point
 * fail, once (transient) or from then on (persistent), so tests can walk
 * every failure point of a long operation and check that nothing leaks.
 *
 * pfnlab's own (the kernel's counterpart is CONFIG_FAULT_INJECTION's
 * fail_page_alloc and failslab).  Points: migration target allocation,
 * the page copy (a machine check during copy), pageblock isolation, IOMMU
 * mapping and HPT allocation (checked by the actors), host memory
 * allocation inside the library, writeout, a fresh huge page for the
 * hugetlb pool.
 */
#include <stdlib.h>

#include "model.h"

int pfnlab_fault_inject(struct pfnlab_machine *m, enum pfnlab_fault_point p, uint64_t nth, bool persistent)
{
	if (!m)
		return -EINVAL;
	if ((unsigned)p >= PFNLAB_FAULT_POINTS)
		return -EINVAL;
	m->fault[p].nth = nth ? m->fault[p].hits + nth : 0;
	m->fault[p].persistent = persistent;
	return 0;
}

uint64_t pfnlab_fault_hits(const struct pfnlab_machine *m, enum pfnlab_fault_point p)
{
	if (!m)
		return 0;
	return (unsigned)p < PFNLAB_FAULT_POINTS ? m->fault[p].hits : 0;
}

bool pfnlab_fault_should_fail(struct pfnlab_machine *m, enum pfnlab_fault_point p)
{
	if (!m || (unsigned)p >= PFNLAB_FAULT_POINTS)
		return false;
	struct fault_point *f = &m->fault[p];

	f->hits++;
	if (!f->nth || f->hits < f->nth)
		return false;
	if (f->hits > f->nth && !f->persistent)
		return false;
	f->injected++;
	return true;
}

/* malloc() as a failure point. */
void *host_alloc(struct pfnlab_machine *m, size_t size)
{
	return pfnlab_fault_should_fail(m, PFNLAB_FAULT_HOST_ALLOC) ? NULL : malloc(size);
}
