/*
 * pin.c - the actors' long-term pins: pin_user_pages() through the core
 * under the machine's pin policy, kept in sets (one VFIO mapping, one SPAPR
 * region, one scenario pin), with the counts the run report shows: pages
 * pinned long-term, and how many of them sit in CMA pageblocks.
 *
 * Simplified: a pin's pages are counted as in CMA by the pageblock type at
 * pin time; a pin is released whole, never in part.
 */
#include <errno.h>
#include <stdlib.h>

#include "work.h"

/* How many of @pfns sit in CMA pageblocks: a run of consecutive PFNs in one pageblock is looked up once. */
static uint64_t pages_in_cma(const struct host *h, const uint64_t *pfns, uint64_t npages)
{
	uint64_t pb_mask = (1ull << pfnlab_machine_config(h->m)->pageblock_order) - 1, n = 0, k;

	for (uint64_t i = 0; i < npages; i += k) {
		uint64_t most = (pfns[i] | pb_mask) + 1 - pfns[i]; /* the pageblock's pages from pfns[i] on */

		if (most > npages - i)
			most = npages - i;
		for (k = 1; k < most && pfns[i + k] == pfns[i] + k; k++)
			;
		if (pfnlab_pageblock_type(h->m, pfns[i]) == PFNLAB_MT_CMA)
			n += k;
	}
	return n;
}

/**
 * pin_set_add() - pin_user_pages() under the machine's policy and keep the
 * handle in @s; counts long-term pins and those that stay in CMA.
 * @h: host
 * @g: the guest whose QEMU process pins
 * @s: the set the pin joins
 * @addr: first virtual address
 * @npages: pages
 * @write: FOLL_WRITE
 * @longterm: FOLL_LONGTERM
 * @pinner: who pins, for culprit reports
 * @pfns: receives the pinned PFNs (may be NULL)
 *
 * Return: 0 or the negative errno of pfnlab_pin() (nothing pinned then).
 */
int pin_set_add(struct host *h, struct guest *g, struct pin_set *s, uint64_t addr, uint64_t npages,
		bool write, bool longterm, const char *pinner, uint64_t *pfns)
{
	unsigned flags = PFNLAB_FOLL_PIN | (write ? PFNLAB_FOLL_WRITE : 0) | (longterm ? PFNLAB_FOLL_LONGTERM : 0);
	uint64_t *buf = pfns, in_cma = 0;
	long handle;

	if (s->nr == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 4;
		struct pin_ref *n = realloc(s->v, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->v = n;
		s->cap = cap;
	}
	if (!buf && npages > h->pin_pfns_cap) { /* the host's array, grown: a fresh one per pin costs page faults */
		uint64_t *n = realloc(h->pin_pfns, npages * sizeof(*n));

		if (!n)
			return -ENOMEM;
		h->pin_pfns = n;
		h->pin_pfns_cap = npages;
	}
	if (!buf)
		buf = h->pin_pfns;
	host_trace_begin(h);
	handle = pfnlab_pin(h->m, g->mm, addr, npages, flags, pinner, buf);
	host_trace_end(h);
	if (handle > 0)
		in_cma = pages_in_cma(h, buf, npages);
	if (handle <= 0)
		return handle ? (int)handle : -EINVAL;
	s->v[s->nr++] = (struct pin_ref){handle, npages, in_cma, longterm};
	if (longterm) {
		h->st.pins_longterm_pages += npages;
		h->st.pins_longterm_now += npages;
		h->st.pins_in_cma_now += in_cma;
		g->pinned_pages += npages;
		g->pinned_in_cma += in_cma;
		if (h->st.pins_in_cma_now > h->st.pins_in_cma_peak)
			h->st.pins_in_cma_peak = h->st.pins_in_cma_now;
	}
	return 0;
}

/** pin_set_release() - unpin_user_pages() of every pin in @s, @g's counters follow. */
void pin_set_release(struct host *h, struct guest *g, struct pin_set *s)
{
	pin_set_drop(h, g, s, false);
}

/**
 * pin_set_drop() - unpin every pin in @s (of a guest the OOM killer
 * killed, only forget them: its exit released them, and their handles may
 * belong to new pins by now).
 * @undo: the pins were part of an operation that failed: they leave the
 *        cumulative count too, as if never made
 */
void pin_set_drop(struct host *h, struct guest *g, struct pin_set *s, bool undo)
{
	for (unsigned i = 0; i < s->nr; i++) {
		struct pin_ref *p = &s->v[i];

		if (!g || !g->oom_killed)
			pfnlab_unpin(h->m, p->handle);
		if (p->longterm && undo)
			h->st.pins_longterm_pages -= p->pages;
		if (p->longterm) {
			h->st.pins_longterm_now -= p->pages;
			h->st.pins_in_cma_now -= p->in_cma;
			if (g) {
				g->pinned_pages -= p->pages;
				g->pinned_in_cma -= p->in_cma;
			}
		}
	}
	free(s->v);
	*s = (struct pin_set){0};
}
