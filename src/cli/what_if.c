/*
 * what_if.c - `--what-if 'cma_alloc AREA all|COUNT [align N]'` and
 * `--what-if 'alloc_contig_range START END'`: run the model's contiguous
 * allocation on a machine built from a real one and say what it would do
 * now: success or failure, the frames that block it, and the processes
 * that own them (from the pagemaps --pages read).  Only the model moves;
 * the real machine is never touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"

int what_if_parse(const struct pfnlab_machine *m, const char *spec, struct what_if *w)
{
	char verb[32] = "", a1[64] = "", a2[64] = "", a3[64] = "", a4[64] = "", extra[2] = "";
	int n = sscanf(spec, "%31s %63s %63s %63s %63s %1s", verb, a1, a2, a3, a4, extra);
	unsigned long long v;
	char *end;

	memset(w, 0, sizeof(*w));
	snprintf(w->spec, sizeof(w->spec), "%s", spec);
	if (n >= 3 && strcmp(verb, "cma_alloc") == 0 && (n == 3 || (n == 5 && strcmp(a3, "align") == 0))) {
		int idx = pfnlab_cma_find(m, a1);
		struct pfnlab_cma_info ci;

		if (idx < 0)
			return cli_error("--what-if: no CMA area '%s' on this machine (%u area%s)", a1, pfnlab_cma_count(m),
					 pfnlab_cma_count(m) == 1 ? "" : "s");
		pfnlab_cma_info(m, (unsigned)idx, &ci);
		w->cma = true;
		w->area = (unsigned)idx;
		if (strcmp(a2, "all") == 0) {
			w->count = ci.count;
		} else {
			v = strtoull(a2, &end, 0);
			if (*end || !v || v > ci.count)
				return cli_error("--what-if: '%s' is not a page count from 1 to %llu (the area's size) or 'all'",
						 a2, (unsigned long long)ci.count);
			w->count = v;
		}
		if (n == 5) {
			v = strtoull(a4, &end, 0);
			if (*end || v > 40)
				return cli_error("--what-if: align '%s' is not an order from 0 to 40", a4);
			w->align = (unsigned)v;
		}
		return 0;
	}
	if (n == 3 && strcmp(verb, "alloc_contig_range") == 0) {
		unsigned long long s = strtoull(a1, &end, 0);

		if (*end || (v = strtoull(a2, &end, 0), *end) || s >= v || v > pfnlab_nr_pfns(m))
			return cli_error("--what-if: alloc_contig_range START END: PFNs with START < END <= %#llx",
					 (unsigned long long)pfnlab_nr_pfns(m));
		w->start = s;
		w->end = v;
		return 0;
	}
	return cli_error("--what-if: '%s' is not 'cma_alloc AREA all|COUNT [align N]' or 'alloc_contig_range START END'",
			 spec);
}

/* The kind of the frame at @pfn as --pages read it, or the model's. */
static const char *kind_of(const struct pfnlab_machine *m, const struct pfnlab_pages *pg, uint64_t pfn, int model)
{
	if (pg && pg->kind && pfn < pg->nr_pfns && pg->kind[pfn] < PK_NR)
		return pages_kind_names[pg->kind[pfn]];
	return pfnlab_page_state_name(model);
}

#define MAX_BLOCKERS 16

/*
 * The frames that make isolation refuse [start, end) (has_unmovable_pages()
 * sees no LRU page; CMA pageblocks never refuse a CMA allocation): how
 * many, and the first MAX_BLOCKERS of them.
 */
static uint64_t isolation_blockers(const struct pfnlab_machine *m, uint64_t start, uint64_t end, uint64_t *v,
				   size_t *n)
{
	uint64_t total = 0;

	*n = 0;
	for (uint64_t p = start; p < end && p < pfnlab_nr_pfns(m);) {
		struct pfnlab_page_info pi;

		if (pfnlab_page_info(m, p, &pi)) {
			p++;
			continue;
		}
		if (pi.state == PFNLAB_PAGE_RESERVED || pi.state == PFNLAB_PAGE_ALLOCATED) {
			total++;
			if (*n < MAX_BLOCKERS)
				v[(*n)++] = p;
		}
		p++;
	}
	return total;
}

struct owner_sum {
	const struct pages_proc *p;
	uint64_t pages;
};

int what_if_run(struct pfnlab_machine *m, const struct pfnlab_pages *pg, const struct what_if *w, bool json,
		FILE *out)
{
	struct pfnlab_contig_failure f = {0};
	struct owner_sum *sums = NULL;
	size_t nsums = 0;
	uint64_t pfn = 0, start = w->start, end = w->end, before = pfnlab_vmstat(m, "pgmigrate_success");
	unsigned shift = pfnlab_machine_config(m)->page_shift;
	uint64_t blk[MAX_BLOCKERS], unmovable = 0;
	size_t nblk = 0;
	int err;

	if (w->cma) {
		struct pfnlab_cma_info ci;

		err = pfnlab_cma_alloc(m, w->area, w->count, w->align, &pfn);
		pfnlab_cma_info(m, w->area, &ci);
		start = pfn;
		end = pfn + w->count;
	} else {
		err = pfnlab_alloc_contig_range(m, w->start, w->end, PFNLAB_MT_MOVABLE);
		pfn = w->start;
	}
	if (err)
		pfnlab_contig_failure(m, &f);
	if (f.nr_culprits)
		sums = calloc(f.nr_culprits, sizeof(*sums));
	for (size_t i = 0; sums && i < f.nr_culprits; i++) {
		const struct pages_proc *p = pg ? pages_owner(pg, f.culprits[i].pfn) : NULL;
		size_t k = 0;

		while (k < nsums && sums[k].p != p)
			k++;
		if (k == nsums)
			sums[nsums++].p = p;
		sums[k].pages += 1ull << f.culprits[i].order;
	}
	if (err == -EBUSY && !f.nr_culprits)
		unmovable = isolation_blockers(m, w->cma ? start : w->start, w->cma ? end : w->end, blk, &nblk);
	if (json) {
		fprintf(out, "{\"what_if\": ");
		json_fstring(out, w->spec);
		fprintf(out, ", \"result\": \"%s\", \"error\": ", err ? "fails" : "succeeds");
		json_fstring(out, err ? pfnlab_strerror(err) : "");
		fprintf(out, ", \"pfn\": %llu, \"pages\": %llu, \"migrated\": %lld", (unsigned long long)(err ? 0 : pfn),
			(unsigned long long)(w->cma ? w->count : w->end - w->start),
			pfnlab_vmstat(m, "pgmigrate_success") - (long long)before);
		fprintf(out, ", \"first_busy_pfn\": %llu, \"culprits\": [", (unsigned long long)(err ? f.fin_pfn : 0));
		for (size_t i = 0; i < f.nr_culprits; i++) {
			const struct pfnlab_culprit *c = &f.culprits[i];
			const struct pages_proc *p = pg ? pages_owner(pg, c->pfn) : NULL;

			fprintf(out, "%s{\"pfn\": %llu, \"order\": %u, \"kind\": \"%s\", \"reason\": \"%s\", \"pid\": %u, \"comm\": ",
				i ? ", " : "", (unsigned long long)c->pfn, c->order, kind_of(m, pg, c->pfn, c->page_kind),
				pfnlab_busy_reason_name(c->reason), p ? p->pid : 0);
			json_fstring(out, p ? p->comm : "");
			fprintf(out, ", \"vaddr\": %llu}", (unsigned long long)(pg ? pages_real_vaddr(pg, c->pfn, shift) : 0));
		}
		fprintf(out, "], \"isolation_blockers\": %llu, \"owners\": [", (unsigned long long)unmovable);
		for (size_t k = 0; k < nsums; k++) {
			fprintf(out, "%s{\"pid\": %u, \"comm\": ", k ? ", " : "", sums[k].p ? sums[k].p->pid : 0);
			json_fstring(out, sums[k].p ? sums[k].p->comm : "");
			fprintf(out, ", \"pages\": %llu}", (unsigned long long)sums[k].pages);
		}
		fprintf(out, "]}\n");
	} else {
		fprintf(out, "what-if %s: ", w->spec);
		if (!err)
			fprintf(out, "succeeds: PFNs [%#llx, %#llx), %lld pages migrated out of the way\n",
				(unsigned long long)start, (unsigned long long)end,
				pfnlab_vmstat(m, "pgmigrate_success") - (long long)before);
		else
			fprintf(out, "fails: %s%s\n", pfnlab_strerror(err),
				f.nr_culprits ? "" : " (no range was free to try, or no frame was busy)");
		if (f.nr_culprits)
			fprintf(out, "  range [%#llx, %#llx), first busy PFN %#llx, %zu busy folio%s:\n",
				(unsigned long long)f.start, (unsigned long long)f.end, (unsigned long long)f.fin_pfn,
				f.nr_culprits, f.nr_culprits == 1 ? "" : "s");
		for (size_t i = 0; i < f.nr_culprits; i++) {
			const struct pfnlab_culprit *c = &f.culprits[i];
			const struct pages_proc *p = pg ? pages_owner(pg, c->pfn) : NULL;
			uint64_t va = pg ? pages_real_vaddr(pg, c->pfn, shift) : 0;

			fprintf(out, "  pfn %#llx order %u %-9s %-12s", (unsigned long long)c->pfn, c->order,
				kind_of(m, pg, c->pfn, c->page_kind), pfnlab_busy_reason_name(c->reason));
			if (p)
				fprintf(out, " %s[%u]", p->comm, p->pid);
			if (va)
				fprintf(out, " vaddr %#llx", (unsigned long long)va);
			fputc('\n', out);
		}
		if (unmovable) {
			fprintf(out, "  isolation refused: %llu frame%s in the range cannot move (no LRU page); the first:\n",
				(unsigned long long)unmovable, unmovable == 1 ? "" : "s");
			for (size_t i = 0; i < nblk; i++)
				fprintf(out, "  pfn %#llx %s\n", (unsigned long long)blk[i], kind_of(m, pg, blk[i], PFNLAB_PAGE_ALLOCATED));
		}
		for (size_t k = 0; k < nsums; k++)
			if (sums[k].p)
				fprintf(out, "  blocked by %s[%u]: %llu page%s\n", sums[k].p->comm, sums[k].p->pid,
					(unsigned long long)sums[k].pages, sums[k].pages == 1 ? "" : "s");
			else
				fprintf(out, "  blocked by no process (kernel or unmapped memory): %llu page%s\n",
					(unsigned long long)sums[k].pages, sums[k].pages == 1 ? "" : "s");
		fprintf(out, "  not seen: references taken without a mapping (a vmsplice pipe's get_page(), I/O in "
			     "flight) are invisible to /proc, so pages held only by them cannot be named\n");
	}
	free(sums);
	return err ? 1 : 0;
}
