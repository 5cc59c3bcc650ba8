/*
 * direct.c - the verbs that call the kernel directly, as a driver or a
 * test module would, without an actor in between:
 *
 *   pin NAME ... / unpin LABEL        pin_user_pages() of a guest's RAM
 *   alloc ... / free LABEL            alloc_pages() / __free_pages()
 *   cma_alloc ... / cma_release LABEL cma_alloc() / cma_release()
 *   sysctl vm.NAME=VALUE              a write to /proc/sys/vm/NAME
 *   compact                           echo 1 > /proc/sys/vm/compact_memory
 *
 * What stays allocated is held under the label of `as=` until the verb
 * that gives it back names it; unlabelled allocations stay for good.
 */
#include <stdlib.h>
#include <string.h>

#include "scn.h"

/* ------------------------------------------------------------ actions */

static struct label *label_find(struct exec *e, const char *name)
{
	for (unsigned i = 0; i < e->nr_labels; i++)
		if (!strcmp(e->labels[i].name, name))
			return &e->labels[i];
	return NULL;
}

static struct label *label_new(struct exec *e, const char *name)
{
	struct label *l;

	if (name && label_find(e, name)) {
		(void)RUN_ERR(e, "%s: label '%s' is in use", e->cur->verb->name, name);
		return NULL;
	}
	if (e->nr_labels == e->cap_labels) {
		unsigned cap = e->cap_labels ? e->cap_labels * 2 : 16;
		struct label *n = realloc(e->labels, cap * sizeof(*n));

		if (!n)
			return NULL;
		e->labels = n;
		e->cap_labels = cap;
	}
	l = &e->labels[e->nr_labels++];
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name ? name : "");
	return l;
}

static void label_drop(struct exec *e, struct label *l)
{
	free(l->a);
	*l = e->labels[--e->nr_labels];
}

static struct raw_pin *raw_find(struct exec *e, const char *label, struct guest **owner)
{
	for (unsigned i = 0; i < e->h.nr_guests; i++) {
		struct guest *g = e->h.guests[i];

		for (unsigned k = 0; k < g->nr_raw; k++)
			if (!strcmp(g->raw[k].label, label)) {
				*owner = g;
				return &g->raw[k];
			}
	}
	return NULL;
}

static int run_pin(struct exec *e, int *res)
{
	int err = 0;
	struct guest *g = arg_guest(e, &err);
	uint64_t off, size;
	bool lt, bad = false;
	const char *as = arg_key(e, "as", &bad);
	struct raw_pin *rp;
	struct guest *owner;
	char pinner[48];

	if (!g)
		return err;
	if (bad || arg_size(e, "offset", 0, 0, &off) || arg_amount(e, "size", g->ram, 0, &size) ||
	    arg_bool(e, "longterm", true, &lt))
		return -EINVAL;
	if (!size || ((off | size) & (e->h.page_size - 1)) || off + size > g->ram || off + size < off)
		return RUN_ERR(e, "pin %s: [offset, offset+size) must be a non-empty, page-aligned part of its %llu bytes of RAM",
			       g->name, (unsigned long long)g->ram);
	if (as && raw_find(e, as, &owner))
		return RUN_ERR(e, "pin: label '%s' is in use", as);
	if (g->nr_raw == g->cap_raw) {
		unsigned cap = g->cap_raw ? g->cap_raw * 2 : 4;
		struct raw_pin *n = realloc(g->raw, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->raw = n;
		g->cap_raw = cap;
	}
	rp = &g->raw[g->nr_raw];
	memset(rp, 0, sizeof(*rp));
	snprintf(rp->label, sizeof(rp->label), "%s", as ? as : "");
	snprintf(pinner, sizeof(pinner), "pin_user_pages by guest %.23s", g->name);
	*res = pin_set_add(&e->h, g, &rp->pins, GUEST_RAM_HVA + off, size >> e->h.page_shift, true, lt, pinner, NULL);
	if (!*res) {
		g->nr_raw++;
		if (off + size > g->touched && off <= g->touched)
			g->touched = off + size;
	} else {
		free(rp->pins.v);
	}
	return 0;
}

static int run_unpin(struct exec *e, int *res)
{
	bool bad = false;
	const char *l = arg_word(e, 0, &bad);
	struct guest *g;
	struct raw_pin *rp;

	if (bad)
		return -EINVAL;
	rp = raw_find(e, l, &g);
	if (!rp) {
		*res = -ENOENT;
		snprintf(e->msg, sizeof(e->msg), "unpin: no pin labelled '%s'", l);
		return 0;
	}
	pin_set_release(&e->h, g, &rp->pins);
	*rp = g->raw[--g->nr_raw];
	return 0;
}

static int run_alloc(struct exec *e, int *res)
{
	uint64_t order, count;
	bool bad = false;
	const char *gs = arg_key(e, "gfp", &bad), *as = arg_key(e, "as", &bad);
	pfnlab_gfp_t gfp = PFNLAB_GFP_KERNEL;
	struct label *l;

	if (bad || arg_uint(e, "order", 0, &order) || arg_uint(e, "count", 1, &count))
		return -EINVAL;
	if (gs && pfnlab_gfp_parse(gs, strlen(gs), &gfp))
		return RUN_ERR(e, "alloc gfp: '%s' is not a GFP mask", gs);
	if (order > pfnlab_machine_config(e->m)->max_order)
		return RUN_ERR(e, "alloc order: %llu is above the largest order %u", (unsigned long long)order,
			       pfnlab_machine_config(e->m)->max_order);
	if (!count || count > (pfnlab_nr_pfns(e->m) >> order) + 1)
		return RUN_ERR(e, "alloc count: 1..%llu (the machine's blocks of that order)",
			       (unsigned long long)(pfnlab_nr_pfns(e->m) >> order) + 1);
	l = label_new(e, as);
	if (!l)
		return -EINVAL;
	l->kind = LABEL_PAGES;
	l->a = malloc(count * sizeof(*l->a));
	if (!l->a)
		return -ENOMEM;
	for (l->n = 0; l->n < count; l->n++) {
		if (pfnlab_alloc_pages(e->m, gfp, (unsigned)order, &l->a[l->n].pfn)) {
			*res = -ENOMEM;
			break;
		}
		l->a[l->n].order = (unsigned)order;
	}
	if (*res)
		snprintf(e->msg, sizeof(e->msg), "alloc: %llu of %llu order-%llu allocations succeeded",
			 (unsigned long long)l->n, (unsigned long long)count, (unsigned long long)order);
	if (!as) {
		/* unlabelled allocations stay allocated for good */
		free(l->a);
		e->nr_labels--;
	}
	return 0;
}

/* free and cma_release: give back what the label holds, if it is of @kind. */
static int label_release(struct exec *e, enum label_kind kind, const char *what, int *res)
{
	bool bad = false;
	const char *n = arg_word(e, 0, &bad);
	struct label *l;

	if (bad)
		return -EINVAL;
	l = label_find(e, n);
	if (!l || l->kind != kind) {
		*res = -ENOENT;
		snprintf(e->msg, sizeof(e->msg), "%s: no %s labelled '%s'", e->cur->verb->name, what, n);
		return 0;
	}
	if (l->kind == LABEL_PAGES)
		for (uint64_t i = 0; i < l->n; i++)
			pfnlab_free_pages(e->m, l->a[i].pfn, l->a[i].order);
	else
		*res = pfnlab_cma_release(e->m, l->area, l->pfn, l->count);
	label_drop(e, l);
	return 0;
}

static int run_free(struct exec *e, int *res)
{
	return label_release(e, LABEL_PAGES, "allocation", res);
}

static int run_cma_alloc(struct exec *e, int *res)
{
	bool bad = false;
	const char *area = arg_key(e, "area", &bad), *as = arg_key(e, "as", &bad);
	uint64_t pages, size, align;
	int idx;
	struct label *l;
	uint64_t pfn;

	if (bad || arg_uint(e, "pages", 0, &pages) || arg_size(e, "size", 0, 0, &size) || arg_uint(e, "align", 0, &align))
		return -EINVAL;
	if (!area)
		area = e->h.kvm_cma >= 0 && pfnlab_cma_count(e->m) == 1 ? "kvm_cma" : "reserved";
	idx = pfnlab_cma_find(e->m, area);
	if (idx < 0 && !arg_key(e, "area", &bad) && pfnlab_cma_count(e->m))
		idx = 0;
	if (idx < 0)
		return RUN_ERR(e, "cma_alloc: no CMA area called '%s'", area);
	if (!pages)
		pages = (size + e->h.page_size - 1) >> e->h.page_shift;
	if (!pages)
		return RUN_ERR(e, "cma_alloc: give pages=N or size=SIZE");
	if (align > 40)
		return RUN_ERR(e, "cma_alloc align: 0..40");
	if (as && label_find(e, as))
		return RUN_ERR(e, "cma_alloc: label '%s' is in use", as);
	host_trace_begin(&e->h);
	*res = pfnlab_cma_alloc(e->m, (unsigned)idx, pages, (unsigned)align, &pfn);
	host_trace_end(&e->h);
	if (*res == -EINVAL)
		return RUN_ERR(e, "cma_alloc: %llu pages do not fit area '%s'", (unsigned long long)pages, area);
	if (!*res && as) {
		l = label_new(e, as);
		if (!l)
			return -EINVAL;
		l->kind = LABEL_CMA;
		l->area = (unsigned)idx;
		l->pfn = pfn;
		l->count = pages;
	}
	return 0;
}

static int run_cma_release(struct exec *e, int *res)
{
	return label_release(e, LABEL_CMA, "cma_alloc", res);
}

/* sysctl's one word, vm.NAME=VALUE: a positional word, checked here */
static int sysctl_word(const struct stmt *s, int i, const char *tok, char *err, size_t len)
{
	const char *eq = strchr(tok, '=');
	uint64_t u;

	if (strncmp(tok, "vm.", 3) || !eq || eq == tok + 3)
		return fail(err, len, "sysctl: '%s' is not vm.NAME=VALUE (usage: %s)", tok, s->verb->usage);
	if (!strchr(eq + 1, '$') && val_uint(eq + 1, &u, err, len))
		return fail(err, len, "sysctl: '%s' is not a number", eq + 1);
	return 0;
}

/* sysctl's word was checked by sysctl_word(): it is not a name */
static int check_sysctl(struct scn_program *p, const struct stmt *s, char *err, size_t len)
{
	return 0;
}

/* sysctl vm.NAME=VALUE: pfnlab_sysctl_set(); an unknown knob or a value out of its range ends the run */
static int run_sysctl(struct exec *e, int *res)
{
	bool bad = false;
	const char *w = arg_word(e, 0, &bad), *eq;
	char name[64], m[256];
	uint64_t v;
	int err;

	if (bad)
		return -EINVAL;
	eq = strchr(w, '=');
	if (!eq || val_uint(eq + 1, &v, m, sizeof(m)))
		return RUN_ERR(e, "sysctl: '%s' is not vm.NAME=VALUE", w);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - w), w);
	err = pfnlab_sysctl_set(e->m, name, v);
	if (err == -ENOENT)
		return RUN_ERR(e, "sysctl: no knob %s in this machine's era (see docs/scenario.md, \"sysctl\")", name);
	if (err == -ENOMEM)
		return err;
	if (err && !strcmp(name, "vm.nr_overcommit_hugepages")) /* hugetlb_overcommit_handler() */
		return RUN_ERR(e, "sysctl: %s: the default huge page size is gigantic (never surplus)", name);
	if (err)
		return RUN_ERR(e, "sysctl: %s=%llu is out of the kernel's range", name, (unsigned long long)v);
	return 0;
}

static int run_compact(struct exec *e, int *res)
{
	int err;

	(void)res;
	host_trace_begin(&e->h);
	err = pfnlab_compact_memory(e->m);
	host_trace_end(&e->h);
	return err;
}

const struct verb direct_verbs[] = {
	{"pin", F_WANT, 1, 1, "pin NAME [offset=SIZE] size=SIZE|N% [longterm=yes] [as=LABEL]", O_NOMEM | O_FAULT,
	 (const struct keyspec[]){{"offset", T_SIZE, 0}, {"size", T_AMOUNT, 0}, {"longterm", T_BOOL, 0}, {"as", T_NAME, 0},
				  {0}},
	 NULL, NULL, run_pin},
	{"unpin", F_WANT, 1, 1, "unpin LABEL", 0, NULL, NULL, NULL, run_unpin},
	{"alloc", F_WANT, 0, 0, "alloc [order=N] [gfp=GFP_KERNEL] [count=N] [as=LABEL]", O_NOMEM,
	 (const struct keyspec[]){{"order", T_UINT, 0}, {"gfp", T_GFP, 0}, {"count", T_UINT, 0}, {"as", T_NAME, 0}, {0}},
	 NULL, NULL, run_alloc},
	{"free", F_WANT, 1, 1, "free LABEL", 0, NULL, NULL, NULL, run_free},
	{"cma_alloc", F_WANT, 0, 0, "cma_alloc [area=NAME] pages=N|size=SIZE [align=N] [as=LABEL]", O_NOMEM | O_BUSY,
	 (const struct keyspec[]){{"area", T_NAME, 0}, {"pages", T_UINT, 0}, {"size", T_SIZE, 0}, {"align", T_UINT, 0},
				  {"as", T_NAME, 0}, {0}},
	 NULL, NULL, run_cma_alloc},
	{"cma_release", F_WANT, 1, 1, "cma_release LABEL", 0, NULL, NULL, NULL, run_cma_release},
	{"sysctl", 0, 1, 1, "sysctl vm.NAME=VALUE", 0, NULL, sysctl_word, check_sysctl, run_sysctl},
	{"compact", 0, 0, 0, "compact", 0, NULL, NULL, NULL, run_compact},
	{0},
};
