/*
 * exp_pin.c - the pin experiment: F, B; F freed; B pinned long-term
 * (io_uring buffer registration in the guest; here its arrays and
 * pfnlab_pin with FOLL_PIN|FOLL_LONGTERM|FOLL_WRITE, io_uring.c) under pin policy migrate-movable
 * (compared) and none (contrast); then a whole-area cma_alloc with B pinned.
 * The pin runs as the experiment's process: its migration targets
 * (GFP_USER, no __GFP_RETRY_MAYFAIL) may invoke the OOM killer, which then
 * picks that process when memory outside CMA runs out, as the kernels do
 * with CMA at 640 of 1024 MiB.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

static int model_pin_policy(const struct facts *k, struct facts *p, enum pfnlab_pin_policy pol, const char *sfx)
{
	struct facts tmp = {0};
	struct kvbuf bvec = {0};
	struct sim s;
	long long bm;
	uint64_t pages, *before;
	unsigned f, b;
	double clock = -1;
	long h;
	char key[96];

	if (!num(k, "param.b_mib", &bm))
		return -EINVAL;
	pages = ((uint64_t)bm << 20) / PAGE;
	if (sim_start(&s, k, &tmp, PFNLAB_CMA_5_7, pol, !*sfx) || fill(&s, &f))
		goto bad;
	sim_catch_up(&s, "clock.filled", &clock);
	if (map_touch(&s, "B", VA_B, bm, REGION_ANON, &b, 0xb))
		goto bad;
	sim_catch_up(&s, "clock.touched", &clock);
	count_in_cma(&s, "touched", "B", b, VA_B, bm);
	if (!guest_array(&s, pages * 8))	/* B's PFN array */
		goto bad;
	sim_catch_up(&s, "clock.unmap_begin", &clock);
	if (pfnlab_mm_destroy(s.m, f))
		goto bad;
	count_in_cma(&s, "unmapped_F", "B", b, VA_B, bm);
	before = pfns_of(&s, b, VA_B, pages);
	if (!before || !guest_array(&s, pages * 8))	/* the guest's copy of them */
		goto bad;
	if (sim_process(&s, &b, 1)) {	/* the pinning process: B and the guest's heap */
		free(before);
		goto bad;
	}
	sim_catch_up(&s, "clock.pin_begin", &clock);
	h = io_uring_pin_phase(&s, b, pages, &bvec, &tmp);
	count_in_cma(&s, "pinned", "B", b, VA_B, bm);
	put(&tmp, "pin.moved", "%llu", (unsigned long long)moved(&s, b, VA_B, before, pages));
	if (!*sfx)
		put_mismatches(&s, "pin.B.mismatches", b, VA_B, bm, 0xb);
	free(before);
	sim_cma_alloc(&s, "pinned_alloc", true);
	count_in_cma(&s, "pinned_alloc", "B", b, VA_B, bm);
	if (h > 0) { /* io_sqe_buffers_unregister() */
		pfnlab_unpin(s.m, h);
		kvfree(&s, &bvec);
	}
	for (size_t j = 0; j < tmp.n; j++) {
		snprintf(key, sizeof(key), "%s%s", tmp.f[j].key, sfx);
		put(p, key, "%s", tmp.f[j].val);
	}
	for (size_t j = 0; j < tmp.ntr; j++) {
		snprintf(key, sizeof(key), "%s%s", tmp.tr[j].phase, sfx);
		add_line(&p->tr, &p->ntr, &p->captr, key, tmp.tr[j].text);
	}
	facts_free(&tmp);
	sim_end(&s);
	return 0;
bad:
	facts_free(&tmp);
	sim_end(&s);
	return -EINVAL;
}

static int model_pin(const struct facts *k, struct facts *p)
{
	if (model_pin_policy(k, p, PFNLAB_PIN_MIGRATE_MOVABLE, ""))
		return -EINVAL;
	return model_pin_policy(k, p, PFNLAB_PIN_NONE, ".none");
}

static void derive_pin(struct facts *k, struct facts *p)
{
	derive_cma_alloc(k, "pinned_alloc");
	derive_cma_alloc(p, "pinned_alloc");
}

static const struct row rows[] = {
	{"B.before", "B pages in CMA before the pin", "unmapped_F.B.in_cma", "unmapped_F.B.in_cma", K_COUNT},
	{"B.mlock", "B pages in CMA after mlock (not modelled)", "mlock.B.in_cma", "-", K_INFO},
	{"mlock.moved", "pages mlock moved (not modelled)", "mlock.moved", "-", K_INFO},
	{"result", "io_uring_register(BUFFERS) / pfnlab_pin", "pin.result", "pin.result", K_OUTCOME},
	{"B.after", "B pages in CMA after the pin", "pinned.B.in_cma", "pinned.B.in_cma", K_COUNT},
	{"moved", "B pages whose PFN the pin changed", "pin.moved", "pin.moved", K_COUNT},
	{"pgmigrate", "pgmigrate_success during the pin", "pin.pgmigrate_success", "pin.pgmigrate_success", K_COUNT},
	{"reason", "migrate reason of the pin's migration", "pin.trace.mm_migrate_pages.reason", "pin.trace.mm_migrate_pages.reason", K_OUTCOME},
	{"data", "B data mismatches after the pin", "pin.B.mismatches", "pin.B.mismatches", K_ZERO},
	{"alloc", "whole-area cma_alloc with B pinned", "pinned_alloc.cma_alloc.result", "pinned_alloc.cma_alloc.result", K_OUTCOME},
	{"none.after", "contrast: pin policy none, B in CMA after pin", "pinned.B.in_cma", "pinned.B.in_cma.none", K_INFO},
	{"none.alloc", "contrast: pin policy none, whole-area cma_alloc", "pinned_alloc.cma_alloc.result", "pinned_alloc.cma_alloc.result.none", K_INFO},
};

const struct experiment exp_pin = {"pin", model_pin, derive_pin, ROWS(rows)};
