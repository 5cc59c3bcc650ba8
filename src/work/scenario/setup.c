/*
 * setup.c - the setup verbs, which describe the host before anything runs,
 * and the machine they build at the first action.
 *
 *   machine   the preset, RAM and the kernel's knobs (struct pfnlab_config),
 *             the hugetlb boot words (hugepages=, hugepagesz=, hugetlb_cma=);
 *             first and once
 *   cma       one CMA area, as cma= or a cma_declare_contiguous() caller
 *   kvm       kvm_cma (kvm_cma_resv_ratio) and the HPT fallback of an era
 *   policy    the long-term pin policy (the command line may override it)
 *   seed      the seed of the generators and the background churn
 *
 * machine, cma and kvm run in order into e->cfg; policy and seed are taken
 * when the program is parsed.  setup_build() then creates the machine and
 * the host with its actors; a machine error points at the line whose area
 * it names, else at the first line that describes the machine.
 */
#include <stdlib.h>
#include <string.h>

#include "scn.h"

/* ------------------------------------------------------------ machine */

/*
 * The kernel command line's hugetlb words: hugepagesz= with its
 * hugepages= (alone, hugepages= counts pages of the default size),
 * default_hugepagesz= and hugetlb_cma=; the machine checks the sizes.
 */
static int setup_hugetlb(struct exec *e)
{
	uint64_t n;

	if (arg_size(e, "hugepagesz", 0, 0, &e->cfg.hugepagesz[0]) ||
	    arg_size(e, "default_hugepagesz", 0, 0, &e->cfg.default_hugepagesz) ||
	    arg_size(e, "hugetlb_cma", 0, 0, &e->cfg.hugetlb_cma_bytes) || arg_uint(e, "hugepages", 0, &n))
		return -EINVAL;
	e->cfg.hugepages[0] = n;
	return 0;
}

static int setup_machine(struct exec *e, int *res)
{
	int idx;
	uint64_t u;
	bool b;
	const char *v;

	v = arg_key(e, "preset", &b);
	if (!v)
		v = "x86_64";
	u = strcmp(v, "ppc64") == 0 ? 64ull << 30 : 4ull << 30;
	if (arg_size(e, "ram", 0, u, &u))
		return -EINVAL;
	if (!u)
		return RUN_ERR(e, "machine ram: must not be zero");
	pfnlab_config_preset(&e->cfg, v, u);
	if (arg_key(e, "page_size", &b)) {
		if (arg_enum(e, "page_size", "4K|16K|64K", 0, &idx))
			return -EINVAL;
		e->cfg.page_shift = (unsigned[]){12, 14, 16}[idx];
	}
	if (arg_key(e, "max_order", &b)) {
		if (arg_uint(e, "max_order", 0, &u) || u < 1 || u > 15)
			return RUN_ERR(e, "machine max_order: 1..15");
		e->cfg.max_order = (unsigned)u;
	}
	if (arg_key(e, "pageblock_order", &b)) {
		if (arg_uint(e, "pageblock_order", 0, &u) || u > 15)
			return RUN_ERR(e, "machine pageblock_order: 0..15");
		e->cfg.pageblock_order = (unsigned)u;
	}
	if (arg_key(e, "era", &b) && !arg_enum(e, "era", "2015|current", 0, &idx))
		e->cfg.era = idx ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
	if (arg_key(e, "kernel", &b) && !arg_enum(e, "kernel", "6.1|6.12", 0, &idx))
		e->cfg.kernel = idx ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1;
	if (arg_key(e, "cma_era", &b) && !arg_enum(e, "cma_era", "2015|5.7", 0, &idx))
		e->cfg.cma_rule = idx ? PFNLAB_CMA_5_7 : PFNLAB_CMA_2015;
	if (arg_bool(e, "pcp", e->cfg.pcp, &e->cfg.pcp) || arg_bool(e, "thp", e->cfg.thp, &e->cfg.thp) ||
	    arg_bool(e, "pgtables", e->cfg.pgtables, &e->cfg.pgtables))
		return -EINVAL;
	if (arg_key(e, "cpus", &b)) {
		if (arg_uint(e, "cpus", 1, &u) || u < 1 || u > 64)
			return RUN_ERR(e, "machine cpus: 1..64");
		e->cfg.nr_cpus = (unsigned)u;
	}
	if (arg_key(e, "min_free_kbytes", &b)) {
		if (arg_uint(e, "min_free_kbytes", 0, &u) || u > (1u << 30))
			return RUN_ERR(e, "machine min_free_kbytes: 0..1073741824");
		e->cfg.min_free_kbytes = (int)u;
	}
	if (arg_key(e, "watermark_scale_factor", &b)) {
		if (arg_uint(e, "watermark_scale_factor", 10, &u) || u < 1 || u > 3000)
			return RUN_ERR(e, "machine watermark_scale_factor: 1..3000");
		e->cfg.watermark_scale_factor = (unsigned)u;
	}
	if (arg_size(e, "movablecore", 0, 0, &e->cfg.movablecore_bytes) ||
	    arg_size(e, "kernelcore", 0, 0, &e->cfg.kernelcore_bytes) || arg_size(e, "swap", 0, 0, &e->cfg.swap_bytes))
		return -EINVAL;
	if (arg_key(e, "cma_retry", &b) && !arg_enum(e, "cma_retry", "kernel|pageblock|bounded", 0, &idx))
		e->cfg.cma_retry = (enum pfnlab_cma_retry)idx;
	if (arg_uint(e, "cma_retry_max", 64, &u))
		return -EINVAL;
	e->cfg.cma_retry_max = (unsigned)u;
	if (setup_hugetlb(e))
		return -EINVAL;
	if (arg_uint(e, "vfio_dma_entry_limit", 65535, &u))
		return -EINVAL;
	if (!u || u > 0xffffffffu)
		return RUN_ERR(e, "machine vfio_dma_entry_limit: 1..4294967295");
	e->dma_entry_limit = (unsigned)u;
	return 0;
}

static int setup_cma(struct exec *e, int *res)
{
	uint64_t size, base, limit, opb;
	bool b;
	const char *name;

	if (e->cfg.nr_cma >= PFNLAB_MAX_CMA)
		return RUN_ERR(e, "cma: at most %d areas", PFNLAB_MAX_CMA);
	name = arg_key(e, "name", &b);
	if (!arg_key(e, "size", &b))
		return RUN_ERR(e, "cma: size= is required (usage: %s)", e->cur->verb->usage);
	if (arg_size(e, "size", e->cfg.ram_bytes, 0, &size) || arg_addr(e, "base", 0, &base) ||
	    arg_addr(e, "limit", 0, &limit) || arg_uint(e, "order_per_bit", 0, &opb))
		return -EINVAL;
	if (limit && limit <= base)
		return RUN_ERR(e, "cma: limit 0x%llx is not above base 0x%llx", (unsigned long long)limit,
			       (unsigned long long)base);
	size &= ~((1ull << e->cfg.page_shift) - 1);
	if (!size)
		return RUN_ERR(e, "cma: size must be at least one page");
	if (opb > 20)
		return RUN_ERR(e, "cma order_per_bit: 0..20");
	snprintf(e->cfg.cma[e->cfg.nr_cma].name, sizeof(e->cfg.cma[0].name), "%s",
		 name ? name : e->cfg.nr_cma ? "cma" : "reserved");
	for (unsigned i = 0; i < e->cfg.nr_cma; i++)
		if (!strcmp(e->cfg.cma[i].name, e->cfg.cma[e->cfg.nr_cma].name))
			return RUN_ERR(e, "cma: an area called '%s' exists already", e->cfg.cma[i].name);
	e->cfg.cma[e->cfg.nr_cma].size = size;
	e->cfg.cma[e->cfg.nr_cma].base = base;
	e->cfg.cma[e->cfg.nr_cma].limit = limit;
	e->cfg.cma[e->cfg.nr_cma].order_per_bit = (unsigned)opb;
	e->cfg.nr_cma++;
	return 0;
}

static int setup_kvm(struct exec *e, int *res)
{
	uint64_t ratio;
	int fb;

	if (arg_uint(e, "cma_ratio", 5, &ratio) || arg_enum(e, "hpt_fallback", "2015|current", -1, &fb))
		return -EINVAL;
	if (ratio > 100)
		return RUN_ERR(e, "kvm cma_ratio: 0..100 (percent of RAM)");
	for (unsigned i = 0; i < e->cfg.nr_cma; i++)
		if (!strcmp(e->cfg.cma[i].name, "kvm_cma"))
			return RUN_ERR(e, "kvm: kvm_cma is declared already");
	if (kvm_cma_declare(&e->cfg, (unsigned)ratio))
		return RUN_ERR(e, "kvm: no CMA slot left for kvm_cma (at most %d areas)", PFNLAB_MAX_CMA);
	e->kvm_ratio = (unsigned)ratio;
	if (fb >= 0)
		e->hpt_fallback = fb;
	return 0;
}

/* policy NAME: the run's policy unless the command line names one. */
static int check_policy(struct scn_program *p, const struct stmt *s, char *err, size_t len)
{
	if (pfnlab_pin_policy_parse(s->pos[0]) < 0)
		return fail(err, len, "policy: unknown policy '%s' (none, rfc2015, migrate-cma, migrate-movable, pin-aware)",
			    s->pos[0]);
	p->policy = pfnlab_pin_policy_parse(s->pos[0]);
	return 0;
}

/* seed N: the seed unless the command line gives one. */
static int check_seed(struct scn_program *p, const struct stmt *s, char *err, size_t len)
{
	uint64_t u;

	if (val_uint(s->pos[0], &u, err, len))
		return fail(err, len, "seed: '%s' is not a number", s->pos[0]);
	p->seed_set = true;
	p->seed = u;
	return 0;
}

/* The index of the CMA area a machine error is about (pfnlab_machine_create()'s "CMA area NAME"), or -1. */
static int cma_area_of_error(const struct exec *e, const char *why)
{
	size_t n;

	if (strncmp(why, "CMA area ", 9))
		return -1;
	why += 9;
	n = strcspn(why, ": ");
	for (unsigned i = 0; i < e->cfg.nr_cma; i++)
		if (strlen(e->cfg.cma[i].name) == n && !strncmp(e->cfg.cma[i].name, why, n))
			return (int)i;
	return -1;
}

/* Build the machine described by the setup lines. */
int setup_build(struct exec *e)
{
	char why[256] = "";
	int err;

	if (e->built)
		return 0;
	e->cfg.pin_policy = (enum pfnlab_pin_policy)e->policy;
	e->cfg.host_limit_bytes = e->o->host_limit_bytes;
	err = pfnlab_machine_create(&e->cfg, &e->m, why, sizeof(why));
	if (err) {
		int line = 0, area = cma_area_of_error(e, why), nth = 0;
		const char *verb = "machine";

		/* the line of the area the reason names (the cma and kvm lines declare areas in order), else the first setup line */
		for (int i = 0; i < e->p->first_action; i++) {
			const struct verb *v = e->p->s[i].verb;

			if ((v->flags & F_AREA) && area >= 0 && nth++ == area) {
				line = e->p->s[i].line;
				verb = v->name;
				break;
			}
			if ((v->flags & F_CONFIG) && !line)
				line = e->p->s[i].line;
		}
		snprintf(e->r->error, sizeof(e->r->error), "%s:%d: %s: %s", e->p->file, line ? line : 1, verb,
			 why[0] ? why : pfnlab_strerror(err));
		return err == -E2BIG || err == -ENOMEM ? -E2BIG : -EINVAL;
	}
	e->built = true;
	e->h.out = e->o->out;
	e->h.dma_entry_limit = e->dma_entry_limit;
	e->h.trace_ops = e->o->out.write != NULL;
	e->h.trace_all = e->o->trace_all;
	e->h.hpt_fallback = e->hpt_fallback >= 0 ? (enum hpt_fallback)e->hpt_fallback
			    : e->cfg.era == PFNLAB_ERA_2015 ? HPT_FALLBACK_2015 : HPT_FALLBACK_CURRENT;
	e->h.event = (struct pfnlab_sink){story_event, e};
	host_init(&e->h, e->m);
	if (bg_create(&e->h, e->seed))
		return -ENOMEM;
	kvm_boot_log(&e->h, e->kvm_ratio);
	if (e->cfg.hugepages[0] || e->cfg.hugepagesz[0] || e->cfg.default_hugepagesz || e->cfg.hugetlb_cma_bytes)
		pfnlab_hugetlb_boot_log(e->m);
	e->r->unmovable_start = host_pageblocks_of_type(&e->h, PFNLAB_MT_UNMOVABLE);
	return 0;
}

const struct verb setup_verbs[] = {
	{"machine", F_SETUP | F_CONFIG | F_FIRST, 0, 0, "machine [preset=ppc64] [ram=SIZE] [era=2015|current] ...", 0,
	 (const struct keyspec[]){{"preset", T_ENUM, "x86_64|ppc64"}, {"ram", T_SIZE, 0}, {"page_size", T_ENUM, "4K|16K|64K"},
				  {"max_order", T_UINT, 0}, {"pageblock_order", T_UINT, 0}, {"era", T_ENUM, "2015|current"},
				  {"kernel", T_ENUM, "6.1|6.12"}, {"cma_era", T_ENUM, "2015|5.7"}, {"pcp", T_BOOL, 0}, {"pgtables", T_BOOL, 0}, {"cpus", T_UINT, 0}, {"thp", T_BOOL, 0},
				  {"min_free_kbytes", T_UINT, 0}, {"watermark_scale_factor", T_UINT, 0},
				  {"movablecore", T_SIZE, 0}, {"kernelcore", T_SIZE, 0},
				  {"cma_retry", T_ENUM, "kernel|pageblock|bounded"}, {"cma_retry_max", T_UINT, 0},
				  {"vfio_dma_entry_limit", T_UINT, 0}, {"swap", T_SIZE, 0}, {"hugepages", T_UINT, 0},
				  {"hugepagesz", T_SIZE, 0}, {"default_hugepagesz", T_SIZE, 0}, {"hugetlb_cma", T_SIZE, 0}, {0}},
	 NULL, NULL, setup_machine},
	{"cma", F_SETUP | F_CONFIG | F_AREA, 0, 0, "cma name=NAME size=SIZE|N% [base=ADDR] [limit=ADDR] [order_per_bit=N]", 0,
	 (const struct keyspec[]){{"name", T_NAME, 0}, {"size", T_SIZEPCT, 0}, {"base", T_ADDR, 0}, {"limit", T_ADDR, 0},
				  {"order_per_bit", T_UINT, 0}, {0}},
	 NULL, NULL, setup_cma},
	{"kvm", F_SETUP | F_CONFIG | F_AREA, 0, 0, "kvm [cma_ratio=5] [hpt_fallback=2015|current]", 0,
	 (const struct keyspec[]){{"cma_ratio", T_UINT, 0}, {"hpt_fallback", T_ENUM, "2015|current"}, {0}},
	 NULL, NULL, setup_kvm},
	{"policy", F_SETUP, 1, 1, "policy none|rfc2015|migrate-cma|migrate-movable|pin-aware", 0, NULL, NULL, check_policy,
	 NULL},
	{"seed", F_SETUP, 1, 1, "seed N", 0, NULL, NULL, check_seed, NULL},
	{0},
};
