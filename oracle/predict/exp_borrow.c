/*
 * exp_borrow.c - the borrow experiment: F, then R touched page by page;
 * how many of R's pages the allocator put in the CMA area (cma rule 5.7
 * compared, 2015 shown as contrast), and where pfnlab itself would have
 * placed the area.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "predict.h"

static int model_borrow_rules(const struct facts *k, struct facts *p)
{
	static const enum pfnlab_cma_rule rules[] = {PFNLAB_CMA_5_7, PFNLAB_CMA_2015};
	long long rm, fm;

	if (!num(k, "param.r_mib", &rm) || !num(k, "param.f_mib", &fm))
		return -EINVAL;
	for (int i = 0; i < 2; i++) {
		struct facts tmp = {0};
		struct sim s;
		unsigned f, r = 0;
		const char *sfx = i ? ".rule2015" : "";
		char key[96];

		int err = sim_start(&s, k, &tmp, rules[i], PFNLAB_PIN_MIGRATE_MOVABLE, false) || fill(&s, &f) ? -EINVAL
			  : map_touch(&s, "R", VA_R, rm, REGION_ANON, &r, 0xa);

		/*
		 * the 2015 rule fills the memory outside CMA with movable pages
		 * first: R's page tables may find none left there, and the OOM
		 * killer takes R (its space made, then gone) while CMA is free
		 * (what the 5.7 rule was for)
		 */
		if (err && i && r && pfnlab_mm_rss(s.m, r, NULL, NULL, NULL) == -ENOENT) {
			put(p, "borrow.R.in_cma.rule2015", "R OOM-killed");
			facts_free(&tmp);
			sim_end(&s);
			continue;
		}
		if (err || !guest_array(&s, ((uint64_t)rm << 20) / PAGE * 8)) { /* R counted: its PFN array */
			facts_free(&tmp);
			sim_end(&s);
			return -EINVAL;
		}
		count_in_cma(&s, "borrow", "R", r, VA_R, rm);
		count_in_cma(&s, "borrow", "F", f, VA_F, fm);
		for (size_t j = 0; j < tmp.n; j++) {
			snprintf(key, sizeof(key), "%s%s", tmp.f[j].key, sfx);
			put(p, key, "%s", tmp.f[j].val);
		}
		facts_free(&tmp);
		sim_end(&s);
	}
	return 0;
}

/* Where pfnlab itself would put the area (no base given). */
static void model_placement(const struct facts *k, struct facts *p)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	struct pfnlab_cma_info ci;
	long long ram, cmamib;
	char why[256];

	if (!num(k, "host.ram_mib", &ram) || !num(k, "host.cma_mib", &cmamib))
		return;
	pfnlab_config_preset(&c, "x86_64", (uint64_t)ram << 20);
	c.thp = false;
	if (!get(k, "start.zone.DMA.managed"))
		c.zone_dma_end = 0;
	c.nr_cma = 1;
	c.cma[0].size = (uint64_t)cmamib << 20;
	if (pfnlab_machine_create(&c, &m, why, sizeof(why)))
		return;
	pfnlab_cma_info(m, 0, &ci);
	put(p, "cma.base_pfn", "0x%llx", (unsigned long long)ci.base_pfn);
	put(p, "cma.count", "%llu", (unsigned long long)ci.count);
	pfnlab_machine_destroy(m);
}

static int model_borrow(const struct facts *k, struct facts *p)
{
	int err = model_borrow_rules(k, p);

	if (!err)
		model_placement(k, p);
	return err;
}

static const struct row rows[] = {
	{"F.in_cma", "filler F pages in CMA", "filled.F.in_cma", "filled.F.in_cma", K_COUNT},
	{"R.in_cma", "R pages in CMA, cma rule 5.7", "borrow.R.in_cma", "borrow.R.in_cma", K_COUNT},
	{"R.in_cma.2015", "contrast: R pages in CMA under cma rule 2015", "borrow.R.in_cma", "borrow.R.in_cma.rule2015", K_INFO},
	{"R.pfn_min", "lowest PFN of R in CMA", "borrow.R.cma_pfn_min", "borrow.R.cma_pfn_min", K_PFN},
	{"placement", "CMA area base PFN (pfnlab's own placement)", "cma.base_pfn", "cma.base_pfn", K_INFO},
};

const struct experiment exp_borrow = {"borrow", model_borrow, NULL, ROWS(rows)};
