/*
 * exp_busy.c - the busy experiment (the seed's failure) and busy-shmem:
 * F, R; N of R's CMA pages, evenly spread by PFN, held by plain page
 * references (vmsplice into a pipe never read in the guest,
 * pfnlab_gup(FOLL_GET) here); a whole-area cma_alloc fails; the frames left
 * busy; the references dropped, the same cma_alloc succeeds.
 *
 * busy-shmem is the same with R a memfd mapped MAP_SHARED: the kernel
 * isolates a shmem page despite the extra reference, its migration fails
 * five times and the attempt ends there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

/* A page of R: its PFN and its index in R. */
struct rpage {
	uint64_t pfn, index;
};

static int cmp_rpage(const void *a, const void *b)
{
	uint64_t x = ((const struct rpage *)a)->pfn, y = ((const struct rpage *)b)->pfn;

	return x < y ? -1 : x > y;
}

/* Frames of the area in use by user pages (anonymous, file, shmem): what kpageflags shows in use. */
static uint64_t area_in_use(struct sim *s, const uint64_t *held, long long n, bool *only_held)
{
	uint64_t used = 0, matched = 0;

	for (uint64_t pfn = s->base; pfn < s->base + s->count; pfn++) {
		struct pfnlab_page_info pi;

		if (pfnlab_page_info(s->m, pfn, &pi) ||
		    (pi.state != PFNLAB_PAGE_ANON && pi.state != PFNLAB_PAGE_FILE && pi.state != PFNLAB_PAGE_SHMEM))
			continue;
		used++;
		for (long long j = 0; j < n; j++)
			matched += held[j] == pfn;
	}
	*only_held = used == (uint64_t)n && matched == used;
	return used;
}

/*
 * busy and busy-shmem: R anonymous or a memfd mapped MAP_SHARED, N of its
 * CMA pages held with FOLL_GET; the failed whole-area cma_alloc, its
 * culprits and what it moved; the references dropped, the same again.
 */
static int model_busy_kind(const struct facts *k, struct facts *p, enum region_kind kind)
{
	struct sim s;
	struct pfnlab_contig_failure cf;
	long long rm, n, live_kb;
	uint64_t pages, *pf = NULL, *held = NULL, *hva = NULL, incma = 0, copy;
	struct rpage *sorted = NULL;
	unsigned f, r;
	bool all_get = true, same = true, only_held;
	struct strbuf pfns = {0};	/* "0x..,0x..": N of them, any N */
	int rc = -EINVAL;

	if (!num(k, "param.r_mib", &rm) || !num(k, "param.n", &n) || n < 2 || rm < 1 || rm > (1ll << 30))
		return -EINVAL;
	pages = ((uint64_t)rm << 20) / PAGE;
	if ((uint64_t)n > pages)	/* more held pages than R has: not a run the guest can make */
		return -EINVAL;
	if (sim_start(&s, k, p, PFNLAB_CMA_5_7, PFNLAB_PIN_MIGRATE_MOVABLE, true) || fill(&s, &f) ||
	    map_touch(&s, "R", VA_R, rm, kind, &r, 0xa))
		goto out;
	count_in_cma(&s, "touched", "R", r, VA_R, rm);
	pf = pfns_of(&s, r, VA_R, pages);
	sorted = malloc(pages * sizeof(*sorted));
	held = malloc((size_t)n * sizeof(*held));
	hva = malloc((size_t)n * sizeof(*hva));
	if (!pf || !sorted || !held || !hva || !guest_array(&s, pages * 8)) {	/* R's PFN array */
		rc = -ENOMEM;
		goto out;
	}
	for (uint64_t i = 0; i < pages; i++)
		if (in_area(&s, pf[i]))
			sorted[incma++] = (struct rpage){pf[i], i};
	if (incma < (uint64_t)n) {
		put(p, "held.n", "%llu", (unsigned long long)incma);
		rc = 0;
		goto out;
	}
	/* the guest's choice: evenly spread over R's CMA pages by PFN (its sorted array) */
	qsort(sorted, incma, sizeof(*sorted), cmp_rpage);
	if (!guest_array(&s, incma * 8))
		goto out;
	for (long long i = 0; i < n; i++) {
		const struct rpage *rp = &sorted[(uint64_t)i * (incma - 1) / (uint64_t)(n - 1)];

		held[i] = rp->pfn;
		hva[i] = VA_R + rp->index * PAGE;
		/* vmsplice: the pipe keeps a plain reference (FOLL_GET) */
		if (pfnlab_gup(s.m, r, hva[i], 1, PFNLAB_FOLL_GET, NULL))
			goto out;
		strbuf_printf(&pfns, "%s0x%llx", i ? "," : "", (unsigned long long)held[i]);
	}
	put(p, "held.pfns", "%s", pfns.text ? pfns.text : "");
	put(p, "held.n", "%lld", n);
	put(p, "held.pfn_min", "0x%llx", (unsigned long long)held[0]);
	free(pf);
	pf = pfns_of(&s, r, VA_R, pages);
	copy = guest_array(&s, pages * 8);	/* the guest's copy of R's PFNs */
	if (!copy)
		goto out;
	/* pfnlab --live running in the guest (issue 18): its resident memory (VmRSS), an input like the arrays */
	if (num(k, "pfnlab.live.rss_kB", &live_kb) && live_kb > 0 && !guest_array(&s, (uint64_t)live_kb << 10))
		goto out;

	if (sim_process(&s, (const unsigned[]){f, r}, 2))
		goto out;
	sim_cma_alloc(&s, "busy", true);
	if (s.killed) { /* the OOM killer ended the experiment */
		rc = 0;
		goto out;
	}
	count_in_cma(&s, "busy", "R", r, VA_R, rm);
	put(p, "busy.R.moved", "%llu", (unsigned long long)moved(&s, r, VA_R, pf, pages));
	put(p, "busy.cma_in_use", "%llu", (unsigned long long)area_in_use(&s, held, n, &only_held));
	put(p, "busy.in_use_are_held", "%s", only_held ? "yes" : "no");
	if (pfnlab_contig_failure(s.m, &cf) == 0) {
		size_t of_r = 0, dumped = 0, dumped_held = 0;

		put(p, "busy.fin_pfn", "0x%llx", (unsigned long long)cf.fin_pfn);
		put(p, "busy.culprits", "%zu", cf.nr_culprits);
		for (size_t i = 0; i < cf.nr_culprits; i++) {
			const struct pfnlab_culprit *c = &cf.culprits[i];
			bool found = false;

			all_get &= c->kind == PFNLAB_HOLD_GET && c->order == 0 &&
				   (c->owner == r || (kind == REGION_MEMFD && !strcmp(c->owner_name, "R")));
			for (long long j = 0; j < n; j++)
				found |= c->pfn == held[j];
			same &= found;
			of_r += !strcmp(c->owner_name, "R");
			/* isolated and failed: left on the list, what alloc_contig_dump_pages() dumps */
			dumped += c->reason == PFNLAB_BUSY_EXTRA_REF;
			dumped_held += c->reason == PFNLAB_BUSY_EXTRA_REF && found;
		}
		put(p, "busy.culprits_are_held", "%s", same && cf.nr_culprits == (size_t)n ? "yes" : "no");
		put(p, "busy.culprits_kind", "%s", all_get ? "FOLL_GET references of R" : "other");
		if (of_r == cf.nr_culprits)
			put(p, "busy.culprits_owner", "R:%zu", of_r);
		else
			put(p, "busy.culprits_owner", "R:%zu,other:%zu", of_r, cf.nr_culprits - of_r);
		put(p, "busy.dumped", "%zu", dumped);
		if (dumped)
			put(p, "busy.dumped_are_held", "%s", dumped_held == dumped ? "yes" : "no");
		if (cf.nr_culprits) {
			const struct pfnlab_culprit *c = &cf.culprits[0];

			put(p, "busy.first_culprit", "pfn 0x%llx = %s page %llu, %s, %s", (unsigned long long)c->pfn,
			    c->owner_name,
			    (unsigned long long)(kind == REGION_MEMFD ? c->index : (c->vaddr - VA_R) / PAGE),
			    c->kind == PFNLAB_HOLD_GET ? "FOLL_GET" : "other hold", pfnlab_busy_reason_name(c->reason));
		}
		if (opt_verbose) {
			struct pfnlab_sink out = {file_write, stderr};

			pfnlab_print_culprits(s.m, false, &out);
		}
	}
	put_mismatches(&s, "busy.R.mismatches", r, VA_R, rm, 0xa);
	/* close the pipe: the references go */
	for (long long i = 0; i < n; i++) {
		uint64_t pfn;

		if (pfnlab_mm_lookup(s.m, r, hva[i], &pfn) || pfnlab_put_pages(s.m, &pfn, 1, PFNLAB_FOLL_GET))
			goto out;
	}
	free(pf);
	pf = pfns_of(&s, r, VA_R, pages);
	guest_free(&s, copy, pages * 8);	/* a new copy replaces the old */
	if (!guest_array(&s, pages * 8))
		goto out;
	sim_cma_alloc(&s, "released", true);
	rc = 0;
	if (s.killed)
		goto out;
	count_in_cma(&s, "released", "R", r, VA_R, rm);
	put(p, "released.R.moved", "%llu", (unsigned long long)moved(&s, r, VA_R, pf, pages));
	put_mismatches(&s, "released.R.mismatches", r, VA_R, rm, 0xa);
	rc = 0;
out:
	free(pfns.text);
	free(pf);
	free(sorted);
	free(held);
	free(hva);
	sim_end(&s);
	return rc;
}

static int model_busy(const struct facts *k, struct facts *p)
{
	return model_busy_kind(k, p, REGION_ANON);
}

static int model_busy_shmem(const struct facts *k, struct facts *p)
{
	return model_busy_kind(k, p, REGION_MEMFD);
}

static void derive_busy(struct facts *k, struct facts *p)
{
	static const char *const phases[] = {"busy", "released"};

	for (int i = 0; i < 2; i++) {
		derive_cma_alloc(k, phases[i]);
		derive_cma_alloc(p, phases[i]);
		derive_warn_alloc(k, phases[i]);
	}
	derive_failed_alloc(k, p, "busy");
	put(k, "pfnlab.k.fin_pfn", "%s", get(k, "busy.fin_pfn") ? get(k, "busy.fin_pfn") : "none");
	derive_guest_pfnlab(k, p);
}

static const struct row rows[] = {
	{"R.in_cma", "R pages in CMA before", "touched.R.in_cma", "touched.R.in_cma", K_COUNT},
	{"held", "R pages held by vmsplice (in CMA)", "held.n", "held.n", K_OUTCOME},
	{"result", "whole-area cma_alloc", "busy.cma_alloc.result", "busy.cma_alloc.result", K_OUTCOME},
	{"err", "cma_alloc error inside the kernel", "busy.err", "busy.err", K_OUTCOME},
	{"events", "trace event order", "busy.events", "busy.events", K_OUTCOME},
	{"fin_pfn", "first busy PFN (test_pages_isolated fin_pfn)", "busy.fin_pfn", "busy.fin_pfn", K_PFN},
	{"tpi", "test_pages_isolated event", "busy.tpi_event", "busy.tpi_event", K_INFO},
	{"first", "first culprit", "held.first", "busy.first_culprit", K_INFO},
	{"culprits", "busy frames left in CMA (culprits)", "busy.culprits", "busy.culprits", K_COUNT},
	{"owner", "owner of the busy frames (mapping:frames)", "busy.cma_owners_named", "busy.culprits_owner", K_OUTCOME},
	{"culprits_are_held", "culprits are exactly the held pages", "busy.culprits_are_held", "busy.culprits_are_held", K_OUTCOME},
	{"migrated", "pages migrated by the failed attempt", "busy.pgmigrate_success", "busy.pgmigrate_success", K_COUNT},
	{"migrated.to_end", "pages migrated to the phase's end (also if killed)", "busy.vmstat.pgmigrate_success", "-", K_INFO},
	{"R.after", "R pages in CMA after the failure", "busy.R.in_cma", "busy.R.in_cma", K_COUNT},
	{"data", "R data mismatches after the failure", "busy.R.mismatches", "busy.R.mismatches", K_ZERO},
	{"log", "kernel log line", "busy.log", "busy.log", K_TEXT61},
	{"finish", "cma_alloc_finish event", "busy.finish_event", "busy.finish_event", K_INFO},
	{"released", "whole-area cma_alloc after closing the pipe", "released.cma_alloc.result", "released.cma_alloc.result", K_OUTCOME},
	{"released.migrated", "pages it migrated", "released.pgmigrate_success", "released.pgmigrate_success", K_COUNT},
	{"warn_alloc", "allocation failure line (warn_alloc)", "busy.warn_alloc", "busy.warn_alloc", K_OUTCOME},
	{"released.warn_alloc", "released: allocation failure line", "released.warn_alloc", "released.warn_alloc", K_OUTCOME},
	/* pfnlab itself in the guest: --what-if right before the cma_alloc, --live around it */
	{"whatif.result", "--what-if before it: whole-area cma_alloc", "busy.cma_alloc.result", "whatif.result", K_OUTCOME | K_GUEST},
	{"whatif.err", "--what-if: its error", "busy.err", "whatif.err", K_OUTCOME | K_GUEST},
	{"whatif.fin_pfn", "--what-if: first busy PFN", "pfnlab.k.fin_pfn", "whatif.fin_pfn", K_PFN | K_GUEST},
	{"whatif.culprits", "--what-if: busy frames (culprits)", "busy.culprits", "whatif.culprits", K_COUNT | K_GUEST},
	{"whatif.held", "--what-if: they are exactly the held pages", "busy.culprits_are_held", "whatif.culprits_are_held", K_OUTCOME | K_GUEST},
	{"whatif.owner", "--what-if: their process (comm:frames)", "busy.owner_process", "whatif.owner", K_OUTCOME | K_GUEST},
	{"whatif.migrated", "--what-if: pages it would migrate", "busy.pgmigrate_success", "whatif.migrated", K_COUNT | K_GUEST},
	{"live.events", "--live: events applied, lost", "-", "live.events", K_INFO | K_GUEST},
	{"live.now", "--live after it: whole-area cma_alloc now", "busy.cma_alloc.result", "live.now", K_OUTCOME | K_GUEST},
	{"live.borrowed", "--live: user frames left in CMA", "busy.cma_in_use", "live.borrowed", K_COUNT | K_GUEST},
	{"live.cannot_move", "--live: of which cannot move now", "busy.culprits", "live.cannot_move", K_COUNT | K_GUEST},
	{"live.unmovable", "--live: kernel frames in CMA", "-", "live.unmovable", K_INFO | K_GUEST},
	{"live.result", "--live at the end: its own whole-area cma_alloc", "busy.cma_alloc.result", "live.result", K_OUTCOME | K_GUEST},
	{"live.err", "--live: its error", "busy.err", "live.err", K_OUTCOME | K_GUEST},
	{"live.fin_pfn", "--live: first busy PFN", "pfnlab.k.fin_pfn", "live.fin_pfn", K_PFN | K_GUEST},
	{"live.culprits", "--live: busy frames (culprits)", "busy.culprits", "live.culprits", K_COUNT | K_GUEST},
	{"live.held", "--live: they are exactly the held pages", "busy.culprits_are_held", "live.culprits_are_held", K_OUTCOME | K_GUEST},
	{"live.owner", "--live: their process (comm:frames)", "busy.owner_process", "live.owner", K_OUTCOME | K_GUEST},
};

const struct experiment exp_busy = {"busy", model_busy, derive_busy, ROWS(rows)};

/*
 * busy-shmem: the frames left in use are counted like the guest counts
 * them (every user page in the area: the attempt ended early, R's
 * borrowers are still there); pfnlab's culprits, the held pages with why
 * each did not move, are shown beside them.
 */
static const struct row rows_shmem[] = {
	{"R.in_cma", "R (shmem) pages in CMA before", "touched.R.in_cma", "touched.R.in_cma", K_COUNT},
	{"held", "R pages held by vmsplice (in CMA)", "held.n", "held.n", K_OUTCOME},
	{"result", "whole-area cma_alloc", "busy.cma_alloc.result", "busy.cma_alloc.result", K_OUTCOME},
	{"err", "cma_alloc error inside the kernel", "busy.err", "busy.err", K_OUTCOME},
	{"events", "trace event order", "busy.events", "busy.events", K_OUTCOME},
	{"isolated", "pages isolated (isolate_migratepages nr_taken)", "busy.trace.mm_compaction_isolate_migratepages.nr_taken", "busy.trace.mm_compaction_isolate_migratepages.nr_taken", K_COUNT},
	{"calls", "migrate_pages calls", "busy.trace.mm_migrate_pages.events", "busy.trace.mm_migrate_pages.events", K_OUTCOME},
	{"failed_calls", "calls failing a page (tries on the busy batch)", "busy.trace.mm_migrate_pages.failed_events", "busy.trace.mm_migrate_pages.failed_events", K_OUTCOME},
	{"migrated", "pages migrated by the failed attempt", "busy.pgmigrate_success", "busy.pgmigrate_success", K_COUNT},
	{"failed", "page migration failures (pgmigrate_fail)", "busy.pgmigrate_fail", "busy.pgmigrate_fail", K_OUTCOME},
	{"contig.migrated", "6.12 contig range info: migrated", "busy.contig.migrated", "busy.contig.migrated", K_INFO},
	{"fin_pfn", "first busy PFN (test_pages_isolated fin_pfn)", "busy.fin_pfn", "busy.fin_pfn", K_PFN},
	{"dumped", "pages dumped: \"migration failure\"", "busy.dumped", "busy.dumped", K_OUTCOME},
	{"dumped_pfns", "their PFNs", "busy.dumped_pfns", "busy.dumped_pfns", K_INFO},
	{"dumped_are_held", "the dumped pages are held pages (the culprits)", "busy.dumped_are_held", "busy.dumped_are_held", K_OUTCOME},
	{"culprits", "frames left in use in CMA after the failure", "busy.culprits", "busy.cma_in_use", K_COUNT},
	{"culprits_are_held", "those frames are exactly the held pages", "busy.culprits_are_held", "busy.in_use_are_held", K_OUTCOME},
	{"pfnlab_culprits", "pfnlab's culprits (the held pages; first: reason)", "held.n", "busy.culprits", K_INFO},
	{"first", "first culprit", "held.first", "busy.first_culprit", K_INFO},
	{"R.after", "R pages in CMA after the failure (early end)", "busy.R.in_cma", "busy.R.in_cma", K_COUNT},
	{"moved", "R pages the failed attempt moved", "busy.R.moved", "busy.R.moved", K_COUNT},
	{"data", "R data mismatches after the failure", "busy.R.mismatches", "busy.R.mismatches", K_ZERO},
	{"log", "kernel log line", "busy.log", "busy.log", K_TEXT61},
	{"released", "whole-area cma_alloc after closing the pipe", "released.cma_alloc.result", "released.cma_alloc.result", K_OUTCOME},
	{"released.migrated", "pages it migrated", "released.pgmigrate_success", "released.pgmigrate_success", K_COUNT},
	{"warn_alloc", "allocation failure line (warn_alloc)", "busy.warn_alloc", "busy.warn_alloc", K_OUTCOME},
	{"released.warn_alloc", "released: allocation failure line", "released.warn_alloc", "released.warn_alloc", K_OUTCOME},
};

const struct experiment exp_busy_shmem = {"busy-shmem", model_busy_shmem, derive_busy, ROWS(rows_shmem)};
