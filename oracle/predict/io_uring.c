/*
 * io_uring.c - the kernel's side of the guest's io_uring buffer
 * registration, which the pin and pressure experiments make for B: what
 * it allocates besides the long-term pin.
 *
 * Models io_sqe_buffer_register() (io_uring/rsrc.c) for one buffer:
 * io_pin_pages() allocates the array of its pages' pointers (6.1 also the
 * array of their VMAs) with kvmalloc() before pin_user_pages(FOLL_LONGTERM),
 * then the registered buffer's bvec array (struct io_mapped_ubuf, 16
 * bytes a page) is allocated and kept, and the arrays are freed.
 * kvmalloc() (mm/util.c) of more than KMALLOC_MAX_CACHE_SIZE first tries
 * one compound block of get_order(size) (kmalloc_large(): GFP_KERNEL, so
 * outside CMA, with __GFP_NORETRY|__GFP_NOWARN), then vmalloc()'s order-0
 * pages.  For B = 600 MiB that is an order-9 block per array (2 MiB for
 * 1.2 MiB) and an order-10 block for the bvecs: pages outside CMA the
 * pin's migration targets no longer have.
 *
 * Simplified: smaller requests come from slabs the model does not have;
 * vmalloc's own page tables are not allocated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

#define KMALLOC_MAX_CACHE (2 * PAGE) /* SLUB: larger kmalloc()s go to the page allocator */
#define BVEC_BYTES 16                /* struct bio_vec */
#define IMU_HEADER 40                /* struct io_mapped_ubuf before its bvecs */

/* models kvmalloc(@bytes, GFP_KERNEL): 0 or -ENOMEM */
static int kvmalloc(struct sim *s, uint64_t bytes, struct kvbuf *b)
{
	unsigned order = 0;
	uint64_t n = (bytes + PAGE - 1) / PAGE, pfn;

	*b = (struct kvbuf){0};
	if (bytes <= KMALLOC_MAX_CACHE)
		return 0;
	while ((PAGE << order) < bytes)
		order++;
	b->pfns = calloc(n, sizeof(*b->pfns));
	if (!b->pfns)
		return -ENOMEM;
	if (!pfnlab_alloc_pages(s->m, PFNLAB_GFP_KERNEL | PFNLAB___GFP_NORETRY | PFNLAB___GFP_NOWARN | PFNLAB___GFP_COMP,
				order, &pfn)) {
		b->pfns[0] = pfn;
		b->n = 1;
		b->order = order;
		return 0;
	}
	for (; b->n < n; b->n++) /* vmalloc(): order-0 pages, GFP_KERNEL */
		if (pfnlab_alloc_pages(s->m, PFNLAB_GFP_KERNEL, 0, &b->pfns[b->n])) {
			kvfree(s, b);
			return -ENOMEM;
		}
	return 0;
}

void kvfree(struct sim *s, struct kvbuf *b)
{
	for (uint64_t i = 0; i < b->n; i++)
		pfnlab_free_pages(s->m, b->pfns[i], b->order);
	free(b->pfns);
	*b = (struct kvbuf){0};
}

long io_uring_register_buffer(struct sim *s, unsigned id, uint64_t va, uint64_t pages, struct kvbuf *bvec)
{
	struct kvbuf array = {0}, vmas = {0};
	bool v61 = pfnlab_machine_config(s->m)->kernel == PFNLAB_KERNEL_6_1; /* sim_start() chose it from the release */
	long h = -ENOMEM;

	*bvec = (struct kvbuf){0};
	if (kvmalloc(s, pages * sizeof(uint64_t), &array) || (v61 && kvmalloc(s, pages * sizeof(uint64_t), &vmas)))
		goto out;
	h = pfnlab_pin(s->m, id, va, pages, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE,
		       "io_uring fixed buffer", NULL);
	kvfree(s, &vmas); /* io_pin_pages() returns */
	if (h > 0 && kvmalloc(s, IMU_HEADER + pages * BVEC_BYTES, bvec)) {
		pfnlab_unpin(s->m, h);
		h = -ENOMEM;
	}
out:
	kvfree(s, &vmas);
	kvfree(s, &array);
	return h;
}

long io_uring_pin_phase(struct sim *s, unsigned id, uint64_t pages, struct kvbuf *bvec, struct facts *out)
{
	static const char *const counters[] = {"pgmigrate_success", "htlb_buddy_alloc_success", "htlb_buddy_alloc_fail",
					       "compact_stall", "compact_success", "allocstall_normal"};
	enum { N = sizeof(counters) / sizeof(counters[0]) };
	struct pfnlab_sink ts = {strbuf_sink, &s->trace};
	long long v0[N];
	char key[64];
	long h;

	for (size_t i = 0; i < N; i++)
		v0[i] = vm(s, counters[i]);
	s->trace.len = 0;
	if (s->trace.text)
		s->trace.text[0] = 0;
	pfnlab_set_trace(s->m, &ts);
	pfnlab_set_current(s->m, s->proc[0]);
	h = io_uring_register_buffer(s, id, VA_B, pages, bvec);
	pfnlab_set_current(s->m, 0);
	pfnlab_set_trace(s->m, NULL);
	sim_oom_outcome(s, "pin");
	put(out, "pin.result", "%s", h > 0 ? "success" : "fail");
	put(out, "pin.errno", "%ld", h > 0 ? 0 : -h);
	for (size_t i = 0; i < N; i++) { /* the guest's phase deltas */
		snprintf(key, sizeof(key), i ? "pin.vmstat.%s" : "pin.%s", counters[i]);
		put(out, key, "%lld", vm(s, counters[i]) - v0[i]);
	}
	put_migrate_reason(out, "pin.trace.mm_migrate_pages.reason", s->trace.text);
	s->trace.len = 0;
	return h;
}
