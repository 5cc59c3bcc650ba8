/*
 * host.c - the hypervisor host as a whole: one machine with the actors
 * that live on it (guests, the kernel background, the kernel log), set up
 * and torn down together, and what is counted over all of it.
 *
 * The actors sit below: printk.c (log, trace, events) and util.c at the
 * bottom, pin.c, kvm_hpt.c, vfio.c and background.c above them, guest.c
 * above those; host.c alone may stop them all.
 */
#include <stdlib.h>

#include "work.h"

/**
 * host_init() - set up the actors' host on a freshly built machine.
 * @h: host, zeroed except for out, trace_ops, trace_all, hpt_fallback, event
 * @m: the machine (the host does not own it)
 *
 * Return: 0.
 */
int host_init(struct host *h, struct pfnlab_machine *m)
{
	const struct pfnlab_config *c = pfnlab_machine_config(m);
	int k = pfnlab_cma_find(m, "kvm_cma");

	h->m = m;
	h->page_shift = c->page_shift;
	h->page_size = 1ull << c->page_shift;
	h->kvm_cma = k < 0 ? -1 : k;
	h->next_lpid = 1;
	host_log_start(h);
	return 0;
}

/** host_fini() - stop every guest and the background, detach from the machine. */
void host_fini(struct host *h)
{
	guests_reap(h);
	while (h->nr_guests)
		guest_stop(h, h->guests[h->nr_guests - 1]);
	bg_destroy(h);
	host_files_destroy(h);
	free(h->guests);
	h->guests = NULL;
	free(h->guest_names);
	h->guest_names = NULL;
	h->names_cap = 0;
	free(h->killed);
	h->killed = NULL;
	free(h->pin_pfns);
	h->pin_pfns = NULL;
	h->pin_pfns_cap = 0;
	if (h->m)
		host_log_stop(h);
}

/** host_pageblocks_of_type() - how many pageblocks have migrate type @mt now. */
uint64_t host_pageblocks_of_type(const struct host *h, int mt)
{
	const struct pfnlab_config *c = pfnlab_machine_config(h->m);
	uint64_t step = 1ull << c->pageblock_order, n = 0, end = pfnlab_nr_pfns(h->m);

	for (uint64_t pfn = 0; pfn < end; pfn += step) {
		struct pfnlab_page_info pi;

		if (pfnlab_page_info(h->m, pfn, &pi) == 0 && pi.state == PFNLAB_PAGE_HOLE)
			continue;
		n += pfnlab_pageblock_type(h->m, pfn) == mt;
	}
	return n;
}
