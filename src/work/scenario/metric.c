/*
 * metric.c - the counters of a run: the names `expect` may use and their
 * values now (docs/scenario.md, "Counters"), what the run report gets at
 * the end, and what scn_opts.record keeps for the HTML report (maps at the
 * moments that matter, a time series point after each action).
 *
 * Counters come from the actors' work_stats, the core's vmstat, the
 * pageblock types, the CMA areas (cma.NAME.FIELD), the default huge page
 * size's pool (hugepages.FIELD), the guests (guest.NAME.FIELD) and the
 * host's files (file.NAME.FIELD); `last` is the errno of the last action.
 */
#include <stdlib.h>
#include <string.h>

#include "scn.h"
#include "sweep.h"

static const char *const metric_keys[] = {
	"hpt.requested", "hpt.ok", "hpt.failed", "hpt.fallback",
	"pins.longterm_pages", "pins.longterm_now", "pins.longterm_in_cma", "pins.longterm_in_cma_peak",
	"pins.migrated", "pins.failed", "pins.unmovable_blocks",
	"contig.busy_retries", "contig.busy_messages",
	"pageblocks.unmovable_delta", "pageblocks.unmovable", "pageblocks.movable", "pageblocks.reclaimable",
	"pageblocks.cma",
	"guests.started", "guests.failed", "guests.stopped", "guests.running", "guests.vfio", "guests.oom",
	"guests.oom_killed", "oom.kills", "oom.panic",
	"vfio.maps", "vfio.map_failed", "vfio.unmaps", "vfio.memlock_exceeded", "spapr.registered", "spapr.failed",
	"kernel.unmovable_pages", "kernel.reclaimable_pages", "kernel.pagecache_pages", "kernel.alloc_failed",
	"hugepages.total", "hugepages.free", "hugepages.rsvd", "hugepages.surp",
	"last", "time", "policy", NULL,
};

static const char *const guest_fields[] = {
	"running", "ram", "touched", "hpt_order", "hpt_cma", "pinned", "pinned_in_cma", "locked_vm", NULL,
};

static const char *const file_fields[] = {
	"pages", "cached", "dirty", "writeback", "mappers", NULL,
};

static const char *const cma_fields[] = {
	"base_pfn", "count", "used", "maxchunk", "alloc_pages_success", "alloc_pages_fail",
	"release_pages_success", "busy_retries", NULL,
};

static bool in_list(const char *const *l, const char *s, size_t n)
{
	for (; *l; l++)
		if (strlen(*l) == n && !strncmp(*l, s, n))
			return true;
	return false;
}

/* Is @k a metric `expect` knows?  ($VAR parts are checked when the line runs.) */
int metric_check(const char *k, char *err, size_t len)
{
	const char *dot;

	if (strchr(k, '$'))
		return 0;
	if (in_list(metric_keys, k, strlen(k)))
		return 0;
	if (!strncmp(k, "vmstat.", 7) && k[7])
		return 0;
	if (!strncmp(k, "guest.", 6) && (dot = strrchr(k, '.')) > k + 6 && in_list(guest_fields, dot + 1, strlen(dot + 1)))
		return 0;
	if (!strncmp(k, "cma.", 4) && (dot = strrchr(k, '.')) > k + 4 && in_list(cma_fields, dot + 1, strlen(dot + 1)))
		return 0;
	if (!strncmp(k, "file.", 5) && (dot = strrchr(k, '.')) > k + 5 && in_list(file_fields, dot + 1, strlen(dot + 1)))
		return 0;
	return fail(err, len, "expect: unknown counter '%s' (see docs/scenario.md, \"Counters\")", k);
}

/* ------------------------------------------------------------ counters */

static uint64_t guests_running(const struct exec *e)
{
	return e->built ? e->h.nr_guests : 0;
}

/* file.NAME.FIELD (@dot: the last dot of @k): the page cache of a file of `files NAME`. */
static int file_metric(struct exec *e, const char *k, const char *dot, long long *out)
{
	char name[64];
	const struct host_file *f;
	struct pfnlab_file_info fi;

	snprintf(name, sizeof(name), "%.*s", (int)(dot - k - 5), k + 5);
	f = e->built ? host_file(&e->h, name) : NULL;
	if (!f || pfnlab_file_info(e->m, f->id, &fi))
		return RUN_ERR(e, "expect %s: no file called '%s' (files NAME ...)", k, name);
	dot++;
	*out = !strcmp(dot, "pages") ? (long long)fi.pages
	       : !strcmp(dot, "cached") ? (long long)fi.cached
	       : !strcmp(dot, "dirty") ? (long long)fi.dirty
	       : !strcmp(dot, "writeback") ? (long long)fi.writeback
	       : (long long)fi.mappers;
	return 0;
}

/* The value of counter @k now; -EINVAL with e->msg for an unknown one. */
int metric_get(struct exec *e, const char *k, long long *out)
{
	const struct work_stats *st = &e->h.st;
	struct { const char *k; long long v; } simple[] = {
		{"hpt.requested", (long long)st->hpt_requested}, {"hpt.ok", (long long)st->hpt_ok},
		{"hpt.failed", (long long)st->hpt_failed}, {"hpt.fallback", (long long)st->hpt_fallback},
		{"pins.longterm_pages", (long long)st->pins_longterm_pages},
		{"pins.longterm_now", (long long)st->pins_longterm_now},
		{"pins.longterm_in_cma", (long long)st->pins_in_cma_now},
		{"pins.longterm_in_cma_peak", (long long)st->pins_in_cma_peak},
		{"contig.busy_messages", (long long)st->busy_messages},
		{"guests.started", (long long)st->guests_started}, {"guests.failed", (long long)st->guests_failed},
		{"guests.stopped", (long long)st->guests_stopped}, {"guests.running", (long long)guests_running(e)},
		{"guests.vfio", (long long)st->guests_vfio}, {"guests.oom", (long long)st->guest_oom},
		{"guests.oom_killed", (long long)st->guests_oom_killed}, {"oom.kills", (long long)st->oom_kills},
		{"oom.panic", e->built && pfnlab_panicked(e->m, NULL, 0)},
		{"vfio.maps", (long long)st->vfio_maps}, {"vfio.map_failed", (long long)st->vfio_map_failed},
		{"vfio.unmaps", (long long)st->vfio_unmaps}, {"vfio.memlock_exceeded", (long long)st->memlock_exceeded},
		{"spapr.registered", (long long)st->spapr_regs}, {"spapr.failed", (long long)st->spapr_reg_failed},
		{"kernel.unmovable_pages", (long long)bg_pages(&e->h, BG_UNMOVABLE)},
		{"kernel.reclaimable_pages", (long long)bg_pages(&e->h, BG_RECLAIMABLE)},
		{"kernel.pagecache_pages", (long long)bg_pages(&e->h, BG_PAGECACHE)},
		{"kernel.alloc_failed", (long long)st->bg_alloc_failed},
		{"last", e->last}, {"time", e->built ? (long long)pfnlab_now(e->m) : 0}, {"policy", e->policy},
	};
	const char *dot;

	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (!strcmp(k, simple[i].k))
			return *out = simple[i].v, 0;
	if (!e->built)
		return RUN_ERR(e, "expect %s: the machine is not built yet (no action before this line)", k);
	if (!strcmp(k, "pins.migrated"))
		return *out = pfnlab_vmstat(e->m, "pfnlab_pin_migrated"), 0;
	if (!strcmp(k, "pins.failed"))
		return *out = pfnlab_vmstat(e->m, "pfnlab_pin_failed"), 0;
	if (!strcmp(k, "pins.unmovable_blocks"))
		return *out = pfnlab_vmstat(e->m, "pfnlab_pin_unmovable_blocks"), 0;
	if (!strcmp(k, "contig.busy_retries"))
		return *out = pfnlab_vmstat(e->m, "pfnlab_cma_busy_retry"), 0;
	if (!strncmp(k, "hugepages.", 10)) { /* the default size's pool, as /proc/meminfo's HugePages_* */
		struct pfnlab_hugetlb_info hi;
		int idx = pfnlab_hugetlb_find(e->m, 0);

		if (idx < 0 || pfnlab_hugetlb_info(e->m, (unsigned)idx, &hi))
			return RUN_ERR(e, "expect %s: the machine has no huge page size", k);
		*out = !strcmp(k + 10, "total") ? (long long)hi.nr
		       : !strcmp(k + 10, "free") ? (long long)hi.free
		       : !strcmp(k + 10, "rsvd") ? (long long)hi.resv
		       : (long long)hi.surplus;
		return 0;
	}
	if (!strncmp(k, "pageblocks.", 11)) {
		static const struct { const char *n; int mt; } pb[] = {
			{"unmovable", PFNLAB_MT_UNMOVABLE}, {"movable", PFNLAB_MT_MOVABLE},
			{"reclaimable", PFNLAB_MT_RECLAIMABLE}, {"cma", PFNLAB_MT_CMA},
		};

		if (!strcmp(k + 11, "unmovable_delta"))
			return *out = (long long)host_pageblocks_of_type(&e->h, PFNLAB_MT_UNMOVABLE) -
				      (long long)e->r->unmovable_start, 0;
		for (size_t i = 0; i < 4; i++)
			if (!strcmp(k + 11, pb[i].n))
				return *out = (long long)host_pageblocks_of_type(&e->h, pb[i].mt), 0;
	}
	if (!strncmp(k, "vmstat.", 7)) {
		*out = pfnlab_vmstat(e->m, k + 7);
		if (*out < 0)
			return RUN_ERR(e, "expect: unknown vmstat counter '%s'", k + 7);
		return 0;
	}
	dot = strrchr(k, '.');
	if (!strncmp(k, "cma.", 4) && dot > k + 4) {
		char name[64];
		struct pfnlab_cma_info ci;
		int idx;

		snprintf(name, sizeof(name), "%.*s", (int)(dot - k - 4), k + 4);
		idx = pfnlab_cma_find(e->m, name);
		if (idx < 0 || pfnlab_cma_info(e->m, (unsigned)idx, &ci))
			return RUN_ERR(e, "expect: no CMA area called '%s'", name);
		dot++;
		*out = !strcmp(dot, "base_pfn") ? (long long)ci.base_pfn
		       : !strcmp(dot, "count") ? (long long)ci.count
		       : !strcmp(dot, "used") ? (long long)ci.used
		       : !strcmp(dot, "maxchunk") ? (long long)ci.maxchunk
		       : !strcmp(dot, "alloc_pages_success") ? (long long)ci.alloc_pages_success
		       : !strcmp(dot, "alloc_pages_fail") ? (long long)ci.alloc_pages_fail
		       : !strcmp(dot, "release_pages_success") ? (long long)ci.release_pages_success
		       : (long long)ci.busy_retries;
		return 0;
	}
	if (!strncmp(k, "guest.", 6) && dot > k + 6) {
		char name[64];
		struct guest *g;

		snprintf(name, sizeof(name), "%.*s", (int)(dot - k - 6), k + 6);
		g = host_guest(&e->h, name);
		dot++;
		if (!strcmp(dot, "running"))
			return *out = g != NULL, 0;
		if (!g)
			return RUN_ERR(e, "expect %s: no running guest called '%s'", k, name);
		*out = !strcmp(dot, "ram") ? (long long)g->ram
		       : !strcmp(dot, "touched") ? (long long)g->touched
		       : !strcmp(dot, "hpt_order") ? (long long)(g->hpt.present ? g->hpt.order : 0)
		       : !strcmp(dot, "hpt_cma") ? (long long)(g->hpt.present && g->hpt.cma)
		       : !strcmp(dot, "pinned") ? (long long)g->pinned_pages
		       : !strcmp(dot, "pinned_in_cma") ? (long long)g->pinned_in_cma
		       : (long long)(g->locked_vm << e->h.page_shift);
		return 0;
	}
	if (!strncmp(k, "file.", 5) && dot > k + 5)
		return file_metric(e, k, dot, out);
	return RUN_ERR(e, "expect: unknown counter '%s'", k);
}

/* The last contiguous allocation failure by kind and reason, in runs with files, mounts or memfd guests. */
static void culprits_collect(const struct exec *e, struct scn_culprits *c)
{
	struct pfnlab_contig_failure f;

	memset(c, 0, sizeof(*c));
	if (!(e->h.nr_files || e->h.st.guests_memfd) || pfnlab_contig_failure(e->m, &f))
		return;
	*c = (struct scn_culprits){.shown = true, .start = f.start, .end = f.end, .fin_pfn = f.fin_pfn, .err = f.err,
				   .folios = f.nr_culprits};
	for (size_t i = 0; i < f.nr_culprits; i++) {
		const struct pfnlab_culprit *x = &f.culprits[i];

		if ((unsigned)x->page_kind < SCN_PAGE_KINDS)
			c->kind[x->page_kind]++;
		if ((unsigned)x->reason < PFNLAB_BUSY_REASONS)
			c->reason[x->reason]++;
	}
}

const char *const scn_compact_names[SCN_NR_COMPACT] = {
	"compact_migrate_scanned", "compact_free_scanned", "compact_isolated", "compact_stall", "compact_fail",
	"compact_success", "compact_daemon_wake", "compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
};

bool scn_compaction_ran(const struct scn_result *r)
{
	for (int i = 0; i < SCN_NR_COMPACT; i++)
		if (r->compact[i] && strcmp(scn_compact_names[i], "compact_isolated"))
			return true;
	return false;
}

bool scn_reclaim_acted(const struct scn_result *r)
{
	return r->reclaim.pgscan || r->reclaim.kswapd_runs || r->reclaim.direct_reclaims || r->reclaim.compact_stall ||
	       r->reclaim.oom_kill || r->reclaim.panic;
}

/* What the run report shows, taken when the run ends. */
void metric_collect(struct exec *e)
{
	struct scn_result *r = e->r;
	struct pfnlab_cma_info ci;

	r->st = e->h.st;
	r->model_ns = pfnlab_now(e->m);
	r->steps = e->steps;
	r->pins_migrated = (uint64_t)pfnlab_vmstat(e->m, "pfnlab_pin_migrated");
	r->pins_failed = (uint64_t)pfnlab_vmstat(e->m, "pfnlab_pin_failed");
	r->pins_unmovable_blocks = (uint64_t)pfnlab_vmstat(e->m, "pfnlab_pin_unmovable_blocks");
	r->busy_retries = (uint64_t)pfnlab_vmstat(e->m, "pfnlab_cma_busy_retry");
	r->reclaim.pgscan = (uint64_t)(pfnlab_vmstat(e->m, "pgscan_kswapd") + pfnlab_vmstat(e->m, "pgscan_direct"));
	r->reclaim.pgsteal = (uint64_t)(pfnlab_vmstat(e->m, "pgsteal_kswapd") + pfnlab_vmstat(e->m, "pgsteal_direct"));
	r->reclaim.direct_reclaims = (uint64_t)pfnlab_vmstat(e->m, "pfnlab_direct_reclaims");
	r->reclaim.kswapd_runs = (uint64_t)pfnlab_vmstat(e->m, "pageoutrun");
	r->reclaim.compact_stall = (uint64_t)pfnlab_vmstat(e->m, "compact_stall");
	r->reclaim.compact_success = (uint64_t)pfnlab_vmstat(e->m, "compact_success");
	r->reclaim.oom_kill = (uint64_t)pfnlab_vmstat(e->m, "oom_kill");
	r->reclaim.panic = pfnlab_panicked(e->m, NULL, 0);
	for (int i = 0; i < SCN_NR_COMPACT; i++)
		r->compact[i] = (uint64_t)pfnlab_vmstat(e->m, scn_compact_names[i]);
	r->unmovable_end = host_pageblocks_of_type(&e->h, PFNLAB_MT_UNMOVABLE);
	r->guests_running = e->h.nr_guests;
	culprits_collect(e, &r->culprits);
	if (e->h.kvm_cma >= 0 && !pfnlab_cma_info(e->m, (unsigned)e->h.kvm_cma, &ci)) {
		r->kvm_cma_pages = ci.count;
		r->kvm_cma_base_pfn = ci.base_pfn;
	}
}

/* Keep an SVG map of the machine now, captioned (at most SCN_MAX_MAPS; the last slot is the end's). */
void record_map(struct exec *e, const char *caption, bool last)
{
	struct scn_record *rec = &e->r->rec;
	struct pfnlab_map_opts mo = {.title = caption};
	struct sweep_buf g = {0};
	struct pfnlab_sink s;

	if (!e->o->record || (rec->nr_maps >= SCN_MAX_MAPS - 1 && !last) || rec->nr_maps >= SCN_MAX_MAPS)
		return;
	sweep_buf_sink(&g, &s);
	if (pfnlab_map_svg(e->m, &mo, &s) || g.failed || !(rec->map_caption[rec->nr_maps] = strdup(caption))) {
		sweep_buf_free(&g);
		return;
	}
	rec->map_svg[rec->nr_maps++] = g.p;
}

/* One point of every series after an action statement. */
void record_sample(struct exec *e)
{
	struct scn_record *rec = &e->r->rec;
	uint64_t hpt = e->h.st.hpt_failed + e->h.st.hpt_fallback;

	if (!e->o->record)
		return;
	if (rec->n == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 256;
		double *t = realloc(rec->t, cap * sizeof(double));

		if (!t)
			return;
		rec->t = t;
		for (int k = 0; k < SCN_NR_SERIES; k++) {
			double *y = realloc(rec->y[k], cap * sizeof(double));

			if (!y)
				return;
			rec->y[k] = y;
		}
		rec->cap = cap;
	}
	if (rec->n && hpt > (uint64_t)rec->y[SCN_HPT_FAILURES][rec->n - 1]) {
		char cap[160];

		snprintf(cap, sizeof(cap), "after HPT failure %llu (%.100s, line %d)", (unsigned long long)hpt,
			 e->p->file, e->cur ? e->cur->line : 0);
		record_map(e, cap, false);
	}
	rec->t[rec->n] = (double)pfnlab_now(e->m) / 1e9;
	rec->y[SCN_FREE_CMA][rec->n] = (double)pfnlab_vmstat(e->m, "nr_free_cma");
	rec->y[SCN_PINNED_IN_CMA][rec->n] = (double)e->h.st.pins_in_cma_now;
	rec->y[SCN_HPT_FAILURES][rec->n] = (double)hpt;
	rec->y[SCN_UNMOVABLE][rec->n] = (double)host_pageblocks_of_type(&e->h, PFNLAB_MT_UNMOVABLE);
	rec->y[SCN_BUSY_RETRIES][rec->n] = (double)pfnlab_vmstat(e->m, "pfnlab_cma_busy_retry");
	rec->n++;
}
