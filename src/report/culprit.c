/*
 * culprit.c - who blocks a contiguous allocation: the last failed
 * alloc_contig_range() and each busy folio's holder, as text or JSON.
 *
 * pfnlab's own report; Linux prints only the range ("PFNs busy", 2015) or
 * the first busy PFN (test_pages_isolated, today).  Each folio says what
 * holds it, its kind (anon, file, shmem, kernel, reserved) and why it
 * did not move (skipped at isolation, extra reference, writeback,
 * unmovable, not migrated).
 */
#include <stdio.h>

#include "model.h"
#include "fmt.h"

static const char *const kind_names[] = {
	[PFNLAB_HOLD_LONGTERM_PIN] = "longterm_pin", [PFNLAB_HOLD_PIN] = "pin",
	[PFNLAB_HOLD_GET] = "get", [PFNLAB_HOLD_TRANSIENT] = "transient",
	[PFNLAB_HOLD_UNMOVABLE] = "unmovable", [PFNLAB_HOLD_OTHER] = "other",
};

int pfnlab_print_culprits(const struct pfnlab_machine *m, bool json, const struct pfnlab_sink *k)
{
	struct pfnlab_contig_failure f;

	if (!m || !k || !k->write)
		return -EINVAL;
	if (pfnlab_contig_failure(m, &f))
		return -ENOENT;
	if (!json) {
		sink_printf(k, "contiguous allocation [%#llx, %#llx) failed: %s, first busy pfn %#llx, %zu busy folio%s\n",
			    (unsigned long long)f.start, (unsigned long long)f.end, pfnlab_strerror(f.err),
			    (unsigned long long)f.fin_pfn, f.nr_culprits, f.nr_culprits == 1 ? "" : "s");
		for (size_t i = 0; i < f.nr_culprits; i++) {
			const struct pfnlab_culprit *c = &f.culprits[i];

			sink_printf(k, "  pfn %#llx order %u %-12s %-8s %-12s", (unsigned long long)c->pfn, c->order,
				    kind_names[c->kind], pfnlab_page_state_name(c->page_kind),
				    pfnlab_busy_reason_name(c->reason));
			if (c->owner)
				sink_printf(k, " %s (space %u) va %#llx", c->owner_name[0] ? c->owner_name : "-",
					    c->owner, (unsigned long long)c->vaddr);
			if (c->mapping)
				sink_printf(k, " %s (file %u) page %#llx", c->owner_name[0] ? c->owner_name : "-",
					    c->mapping, (unsigned long long)c->index);
			sink_printf(k, " ref %u map %u pin %u", c->refcount, c->mapcount, c->pincount);
			if (c->pinner[0])
				sink_printf(k, " by \"%s\"", c->pinner);
			if (c->since_ns)
				sink_printf(k, " since %llu.%06llus", (unsigned long long)(c->since_ns / 1000000000u),
					    (unsigned long long)(c->since_ns / 1000 % 1000000));
			sink_printf(k, "\n");
		}
		return 0;
	}
	sink_printf(k, "{\"start\":%llu,\"end\":%llu,\"outer_start\":%llu,\"fin_pfn\":%llu,\"error\":\"%s\",\"time_ns\":%llu,\"culprits\":[",
		    (unsigned long long)f.start, (unsigned long long)f.end, (unsigned long long)f.outer_start,
		    (unsigned long long)f.fin_pfn, pfnlab_strerror(f.err), (unsigned long long)f.when_ns);
	for (size_t i = 0; i < f.nr_culprits; i++) {
		const struct pfnlab_culprit *c = &f.culprits[i];

		sink_printf(k, "%s{\"pfn\":%llu,\"order\":%u,\"kind\":\"%s\",\"space\":%u,\"space_name\":", i ? "," : "",
			    (unsigned long long)c->pfn, c->order, kind_names[c->kind], c->owner);
		json_string(k, c->owner_name, strlen(c->owner_name));
		sink_printf(k, ",\"vaddr\":%llu,\"refcount\":%u,\"mapcount\":%u,\"pincount\":%u,\"transient\":%u,\"pinner\":",
			    (unsigned long long)c->vaddr, c->refcount, c->mapcount, c->pincount, c->transient);
		json_string(k, c->pinner, strlen(c->pinner));
		sink_printf(k, ",\"since_ns\":%llu,\"page_kind\":\"%s\",\"reason\":\"%s\",\"file\":%u,\"index\":%llu}",
			    (unsigned long long)c->since_ns, pfnlab_page_state_name(c->page_kind),
			    pfnlab_busy_reason_name(c->reason), c->mapping, (unsigned long long)c->index);
	}
	sink_printf(k, "]}\n");
	return 0;
}
