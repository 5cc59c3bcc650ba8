/*
 * run_report.c - what `pfnlab run` and `pfnlab compare` print: one walk
 * over a scenario's results, rendered as a short text report, a table with
 * one column per policy, or JSON.
 *
 * The JSON keys are a contract (docs/cli.md): policy, hpt.{requested, ok,
 * failed, fallback}, pins.{longterm_pages, longterm_in_cma_peak, migrated,
 * failed}, contig.{busy_retries, busy_messages}, pageblocks.unmovable_delta,
 * as nested objects; more keys may be added, none renamed.  Runs with page
 * cache or memfd guests add the last failed contiguous allocation's busy
 * folios by page kind and reason (a `culprits` line, a "culprits" object).
 * compaction.* (the compact_* counters without their prefix) appears only
 * when compaction ran, so runs without it print as they did before it existed.
 */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "scenario.h"

static const char *pname(int p)
{
	return pfnlab_pin_policy_name((enum pfnlab_pin_policy)p);
}

static long long unmovable_delta(const struct scn_result *r)
{
	return (long long)r->unmovable_end - (long long)r->unmovable_start;
}

/*
 * The busy folios of @c counted by kind, then by reason: "shmem 12, file 3;
 * extra-ref 12, writeback 3" as text, "kinds": {...}, "reasons": {...} as JSON.
 */
static void culprit_counts(const struct scn_culprits *c, bool json, const struct pfnlab_sink *s)
{
	bool any = false;

	sink_printf(s, "%s", json ? "\"kinds\": {" : "");
	for (int k = 0; k < SCN_PAGE_KINDS; k++)
		if (c->kind[k]) {
			sink_printf(s, json ? "%s\"%s\": %llu" : "%s%s %llu", any ? ", " : "", pfnlab_page_state_name(k),
				    (unsigned long long)c->kind[k]);
			any = true;
		}
	sink_printf(s, "%s", json ? "}, \"reasons\": {" : "; ");
	any = false;
	for (int k = 0; k < PFNLAB_BUSY_REASONS; k++)
		if (c->reason[k]) {
			sink_printf(s, json ? "%s\"%s\": %llu" : "%s%s %llu", any ? ", " : "",
				    pfnlab_busy_reason_name((enum pfnlab_busy_reason)k), (unsigned long long)c->reason[k]);
			any = true;
		}
	sink_printf(s, "%s", json ? "}" : "");
}

/**
 * run_report_text() - the report a person reads in ten seconds: the host,
 * the scenario's story (echo lines, printed views, notable events), then
 * the numbers.
 */
void run_report_text(const struct scn_result *r, const struct pfnlab_sink *s)
{
	const struct work_stats *st = &r->st;
	char a[32], b[32];

	sink_printf(s, "pfnlab run: %s, policy %s, seed %llu\n", r->scenario, pname(r->policy), (unsigned long long)r->seed);
	sink_printf(s, "host: %s, %s RAM, %s pages, era %s%s, CMA use %s", r->preset, size_str(r->ram_bytes, a, sizeof(a)),
	    size_str(1ull << r->page_shift, b, sizeof(b)), r->era == PFNLAB_ERA_2015 ? "2015" : "current",
	    r->era != PFNLAB_ERA_2015 && r->kernel == PFNLAB_KERNEL_6_12 ? " (kernel 6.12)" : "",
	    r->cma_rule == PFNLAB_CMA_2015 ? "2015" : "5.7");
	if (r->kvm_cma_pages)
		sink_printf(s, "; kvm_cma %s at PFN 0x%llx", size_str(r->kvm_cma_pages << r->page_shift, a, sizeof(a)),
		    (unsigned long long)r->kvm_cma_base_pfn);
	sink_printf(s, "\n\n");
	if (r->story_len)
		s->write(s->arg, r->story, r->story_len);
	if (r->events_dropped)
		sink_printf(s, "%12s  (%llu more events not shown)\n", "", (unsigned long long)r->events_dropped);
	sink_printf(s, "\nsummary after %s of model time\n", time_str(r->model_ns, a, sizeof(a)));
	sink_printf(s, "  guests      %llu started, %llu could not start, %llu running at the end; %llu got a VFIO device\n",
	    (unsigned long long)st->guests_started, (unsigned long long)st->guests_failed,
	    (unsigned long long)r->guests_running, (unsigned long long)st->guests_vfio);
	sink_printf(s, "  HPT         %llu requested: %llu from kvm_cma, %llu fell back to the buddy allocator, %llu failed\n",
	    (unsigned long long)st->hpt_requested, (unsigned long long)st->hpt_ok, (unsigned long long)st->hpt_fallback,
	    (unsigned long long)st->hpt_failed);
	sink_printf(s, "  pins        %llu pages pinned long-term (%s); %llu of them in CMA at the peak\n",
	    (unsigned long long)st->pins_longterm_pages, size_str(st->pins_longterm_pages << r->page_shift, a, sizeof(a)),
	    (unsigned long long)st->pins_in_cma_peak);
	sink_printf(s, "              %llu pages migrated at pin time, %llu long-term pins failed\n",
	    (unsigned long long)r->pins_migrated, (unsigned long long)r->pins_failed);
	sink_printf(s, "  contiguous  %llu cma_alloc busy retries, %llu \"alloc_contig_range: ... PFNs busy\" lines\n",
	    (unsigned long long)r->busy_retries, (unsigned long long)st->busy_messages);
	sink_printf(s, "  pageblocks  UNMOVABLE %llu -> %llu (%+lld)\n", (unsigned long long)r->unmovable_start,
	    (unsigned long long)r->unmovable_end, unmovable_delta(r));
	if (r->culprits.shown) {
		sink_printf(s, "  culprits    the last failed contiguous allocation [0x%llx, 0x%llx), %s: %llu busy folios: ",
		    (unsigned long long)r->culprits.start, (unsigned long long)r->culprits.end,
		    pfnlab_strerror(r->culprits.err), (unsigned long long)r->culprits.folios);
		culprit_counts(&r->culprits, false, s);
		sink_printf(s, "\n");
	}
	if (scn_reclaim_acted(r)) {
		sink_printf(s, "  reclaim     %llu pages scanned, %llu reclaimed; kswapd ran %llu times, %llu direct reclaims\n",
		    (unsigned long long)r->reclaim.pgscan, (unsigned long long)r->reclaim.pgsteal,
		    (unsigned long long)r->reclaim.kswapd_runs, (unsigned long long)r->reclaim.direct_reclaims);
		sink_printf(s, "  OOM killer  %llu kills, %llu of them a guest's QEMU%s\n", (unsigned long long)r->reclaim.oom_kill,
		    (unsigned long long)st->guests_oom_killed, r->reclaim.panic ? "; the kernel panicked" : "");
	}
	if (scn_compaction_ran(r)) {
		const uint64_t *c = r->compact;

		sink_printf(s, "  compaction  %llu direct stalls (%llu succeeded, %llu failed); %llu pages scanned to migrate, "
			       "%llu free; %llu isolated\n",
		    (unsigned long long)c[3], (unsigned long long)c[5], (unsigned long long)c[4], (unsigned long long)c[0],
		    (unsigned long long)c[1], (unsigned long long)c[2]);
		if (c[6] || c[7] || c[8])
			sink_printf(s, "              kcompactd woke %llu times and scanned %llu pages to migrate, %llu free\n",
			    (unsigned long long)c[6], (unsigned long long)c[7], (unsigned long long)c[8]);
	}
	if (r->expects_passed || r->expects_failed)
		sink_printf(s, "  expect      %llu passed, %llu failed\n", (unsigned long long)r->expects_passed,
		    (unsigned long long)r->expects_failed);
}

static void json_body(const struct scn_result *r, const struct pfnlab_sink *s, bool story)
{
	const struct work_stats *st = &r->st;

	sink_printf(s, "{\"scenario\": ");
	json_string(s, r->scenario, strlen(r->scenario));
	sink_printf(s, ", \"policy\": \"%s\", \"seed\": %llu, ", pname(r->policy), (unsigned long long)r->seed);
	sink_printf(s, "\"machine\": {\"preset\": \"%s\", \"ram_bytes\": %llu, \"page_size\": %llu, \"era\": \"%s\", "
	       "\"kernel\": \"%s\", \"cma_era\": \"%s\", \"kvm_cma_pages\": %llu, \"kvm_cma_base_pfn\": %llu}, ",
	    r->preset, (unsigned long long)r->ram_bytes, 1ull << r->page_shift, r->era == PFNLAB_ERA_2015 ? "2015" : "current",
	    r->era == PFNLAB_ERA_2015 ? "4.2" : r->kernel == PFNLAB_KERNEL_6_12 ? "6.12" : "6.1",
	    r->cma_rule == PFNLAB_CMA_2015 ? "2015" : "5.7", (unsigned long long)r->kvm_cma_pages,
	    (unsigned long long)r->kvm_cma_base_pfn);
	sink_printf(s, "\"hpt\": {\"requested\": %llu, \"ok\": %llu, \"failed\": %llu, \"fallback\": %llu}, ",
	    (unsigned long long)st->hpt_requested, (unsigned long long)st->hpt_ok, (unsigned long long)st->hpt_failed,
	    (unsigned long long)st->hpt_fallback);
	sink_printf(s, "\"pins\": {\"longterm_pages\": %llu, \"longterm_in_cma_peak\": %llu, \"migrated\": %llu, "
	       "\"failed\": %llu, \"longterm_now\": %llu, \"unmovable_blocks\": %llu}, ",
	    (unsigned long long)st->pins_longterm_pages, (unsigned long long)st->pins_in_cma_peak,
	    (unsigned long long)r->pins_migrated, (unsigned long long)r->pins_failed,
	    (unsigned long long)st->pins_longterm_now, (unsigned long long)r->pins_unmovable_blocks);
	sink_printf(s, "\"contig\": {\"busy_retries\": %llu, \"busy_messages\": %llu}, ", (unsigned long long)r->busy_retries,
	    (unsigned long long)st->busy_messages);
	sink_printf(s, "\"pageblocks\": {\"unmovable_delta\": %lld, \"unmovable_start\": %llu, \"unmovable_end\": %llu}, ",
	    unmovable_delta(r), (unsigned long long)r->unmovable_start, (unsigned long long)r->unmovable_end);
	if (scn_compaction_ran(r)) { /* only then: runs without compaction print as before */
		sink_printf(s, "\"compaction\": {");
		for (int i = 0; i < SCN_NR_COMPACT; i++)
			sink_printf(s, "%s\"%s\": %llu", i ? ", " : "", scn_compact_names[i] + strlen("compact_"),
				    (unsigned long long)r->compact[i]);
		sink_printf(s, "}, ");
	}
	sink_printf(s, "\"guests\": {\"started\": %llu, \"failed\": %llu, \"stopped\": %llu, \"running\": %llu, "
	       "\"vfio\": %llu, \"oom\": %llu, \"oom_killed\": %llu}, ",
	    (unsigned long long)st->guests_started, (unsigned long long)st->guests_failed,
	    (unsigned long long)st->guests_stopped, (unsigned long long)r->guests_running,
	    (unsigned long long)st->guests_vfio, (unsigned long long)st->guest_oom,
	    (unsigned long long)st->guests_oom_killed);
	sink_printf(s, "\"vfio\": {\"maps\": %llu, \"map_failed\": %llu, \"unmaps\": %llu, \"spapr_registered\": %llu, "
	       "\"spapr_failed\": %llu, \"memlock_exceeded\": %llu}, ",
	    (unsigned long long)st->vfio_maps, (unsigned long long)st->vfio_map_failed, (unsigned long long)st->vfio_unmaps,
	    (unsigned long long)st->spapr_regs, (unsigned long long)st->spapr_reg_failed,
	    (unsigned long long)st->memlock_exceeded);
	if (r->culprits.shown) {
		sink_printf(s, "\"culprits\": {\"start\": %llu, \"end\": %llu, \"fin_pfn\": %llu, \"error\": \"%s\", "
		       "\"folios\": %llu, ", (unsigned long long)r->culprits.start, (unsigned long long)r->culprits.end,
		    (unsigned long long)r->culprits.fin_pfn, pfnlab_strerror(r->culprits.err),
		    (unsigned long long)r->culprits.folios);
		culprit_counts(&r->culprits, true, s);
		sink_printf(s, "}, ");
	}
	if (scn_reclaim_acted(r))
		sink_printf(s, "\"reclaim\": {\"pgscan\": %llu, \"pgsteal\": %llu, \"kswapd_runs\": %llu, "
		       "\"direct_reclaims\": %llu, \"compact_stall\": %llu, \"compact_success\": %llu}, "
		       "\"oom\": {\"kills\": %llu, \"guests_killed\": %llu, \"panic\": %s}, ",
		    (unsigned long long)r->reclaim.pgscan, (unsigned long long)r->reclaim.pgsteal,
		    (unsigned long long)r->reclaim.kswapd_runs, (unsigned long long)r->reclaim.direct_reclaims,
		    (unsigned long long)r->reclaim.compact_stall, (unsigned long long)r->reclaim.compact_success,
		    (unsigned long long)r->reclaim.oom_kill, (unsigned long long)st->guests_oom_killed,
		    r->reclaim.panic ? "true" : "false");
	sink_printf(s, "\"expects\": {\"passed\": %llu, \"failed\": %llu}, \"model_time_ns\": %llu, \"steps\": %llu",
	    (unsigned long long)r->expects_passed, (unsigned long long)r->expects_failed,
	    (unsigned long long)r->model_ns, (unsigned long long)r->steps);
	if (story) {
		const char *p = r->story, *end = r->story + r->story_len;
		bool first = true;

		sink_printf(s, ", \"story\": [");
		while (p && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

			sink_printf(s, "%s", first ? "" : ", ");
			json_string(s, p, n);
			first = false;
			p += n + 1;
		}
		sink_printf(s, "]");
	}
	sink_printf(s, "}");
}

/** run_report_json() - one JSON object with the run's numbers and story. */
void run_report_json(const struct scn_result *r, const struct pfnlab_sink *s)
{
	json_body(r, s, true);
	sink_printf(s, "\n");
}

/** compare_report_json() - {"runs": [one object per policy]}. */
void compare_report_json(const struct scn_result *r, size_t n, const struct pfnlab_sink *s)
{
	sink_printf(s, "{\"runs\": [");
	for (size_t i = 0; i < n; i++) {
		sink_printf(s, "%s", i ? ", " : "");
		json_body(&r[i], s, false);
	}
	sink_printf(s, "]}\n");
}

/** compare_report_text() - one row per counter, one column per policy. */
void compare_report_text(const struct scn_result *r, size_t n, const struct pfnlab_sink *s)
{
	static const char *const names[] = {
		"hpt.requested", "hpt.ok", "hpt.fallback", "hpt.failed", "pins.longterm_pages",
		"pins.longterm_in_cma_peak", "pins.migrated", "pins.failed", "contig.busy_retries",
		"contig.busy_messages", "pageblocks.unmovable_delta", "guests.started", "guests.failed",
		"vfio.failed", "expects.failed",
	};
	char a[32];

	if (!n)
		return;
	sink_printf(s, "pfnlab compare: %s, seed %llu\n", r[0].scenario, (unsigned long long)r[0].seed);
	sink_printf(s, "host: %s, %s RAM, era %s, CMA use %s\n\n", r[0].preset, size_str(r[0].ram_bytes, a, sizeof(a)),
	    r[0].era == PFNLAB_ERA_2015 ? "2015" : "current", r[0].cma_rule == PFNLAB_CMA_2015 ? "2015" : "5.7");
	sink_printf(s, "%-27s", "");
	for (size_t i = 0; i < n; i++)
		sink_printf(s, " %16s", pname(r[i].policy));
	sink_printf(s, "\n");
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		sink_printf(s, "%-27s", names[k]);
		for (size_t i = 0; i < n; i++) {
			const struct scn_result *x = &r[i];
			long long v;

			switch (k) {
			case 0: v = (long long)x->st.hpt_requested; break;
			case 1: v = (long long)x->st.hpt_ok; break;
			case 2: v = (long long)x->st.hpt_fallback; break;
			case 3: v = (long long)x->st.hpt_failed; break;
			case 4: v = (long long)x->st.pins_longterm_pages; break;
			case 5: v = (long long)x->st.pins_in_cma_peak; break;
			case 6: v = (long long)x->pins_migrated; break;
			case 7: v = (long long)x->pins_failed; break;
			case 8: v = (long long)x->busy_retries; break;
			case 9: v = (long long)x->st.busy_messages; break;
			case 10: v = unmovable_delta(x); break;
			case 11: v = (long long)x->st.guests_started; break;
			case 12: v = (long long)x->st.guests_failed; break;
			case 13: v = (long long)(x->st.vfio_map_failed + x->st.spapr_reg_failed); break;
			default: v = (long long)x->expects_failed; break;
			}
			sink_printf(s, k == 10 ? " %+16lld" : " %16lld", v);
		}
		sink_printf(s, "\n");
	}
}
