/*
 * args.c - parsing of sizes, numbers and the machine options every
 * subcommand shares, and building the machine a command models: the one
 * those options describe, or the one a /proc snapshot describes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "input.h"

int parse_uint(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (~0ull - 9) / 10)
			return -EOVERFLOW;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v = 0;
	const char *p = s;
	unsigned shift = 0;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (~0ull - 9) / 10)
			return -EOVERFLOW;
		v = v * 10 + (unsigned)(*p - '0');
	}
	switch (*p) {
	case 'K': case 'k': shift = 10; p++; break;
	case 'M': case 'm': shift = 20; p++; break;
	case 'G': case 'g': shift = 30; p++; break;
	case 'T': case 't': shift = 40; p++; break;
	case 'P': case 'p': shift = 50; p++; break;
	default: break;
	}
	if (shift && (strcmp(p, "iB") == 0 || strcmp(p, "B") == 0))
		p += strlen(p);
	else if (!shift && strcmp(p, "B") == 0)
		p++;
	if (*p)
		return -EINVAL;
	if (shift && v > (~0ull >> shift))
		return -EOVERFLOW;
	*out = v << shift;
	return 0;
}

enum {
	MO_PRESET = KEYS_MACHINE, MO_RAM, MO_PAGE_SIZE, MO_MAX_ORDER, MO_PB_ORDER, MO_ERA, MO_CMA_ERA, MO_CMA,
	MO_PIN_POLICY, MO_CMA_RETRY, MO_MOVABLECORE, MO_KERNELCORE, MO_NO_PCP, MO_PCP, MO_NO_PGTABLES, MO_CPUS, MO_NO_THP,
	MO_MFK, MO_WSF, MO_KERNEL,
};

const struct cli_opt machine_opts_table[] = {
	{"preset", MO_PRESET, "x86_64|ppc64",
	 "the machine (default x86_64): x86_64 has 4K pages, orders 0..10, pageblock order 9, zones "
	 "DMA/DMA32/Normal; ppc64 has 64K pages, orders 0..8, pageblock order 8, one zone (DMA), as a POWER8 host",
	 "x86_64 ppc64"},
	{"ram", MO_RAM, "SIZE", "System RAM (default 4G on x86_64, 64G on ppc64); K, M, G, T", NULL},
	{"page-size", MO_PAGE_SIZE, "4K|16K|64K", "override the page size", "4K 16K 64K"},
	{"max-order", MO_MAX_ORDER, "N", "largest buddy order (MAX_PAGE_ORDER)", NULL},
	{"pageblock-order", MO_PB_ORDER, "N", "pageblock_order (at most --max-order)", NULL},
	{"era", MO_ERA, "2015|current",
	 "kernel behaviour: v4.2 or v6.1 (default: current on x86_64, 2015 on ppc64)", "2015 current"},
	{"kernel", MO_KERNEL, "6.1|6.12",
	 "within --era current, whose rules where Debian's 6.1 and 6.12 differ (default 6.1): 6.12 tunes the "
	 "per-CPU lists' high, claims or steals from fallback pageblocks as v6.10+, prints "
	 "mm_alloc_contig_migrate_range_info",
	 "6.1 6.12"},
	{"cma-era", MO_CMA_ERA, "2015|5.7",
	 "when movable allocations take CMA pages: only once the movable lists are empty (2015), or first "
	 "whenever free CMA exceeds half the zone's free pages (5.7)",
	 "2015 5.7"},
	{"cma", MO_CMA, "SIZE|PCT%[@BASE[-END]][:NAME]",
	 "reserve a CMA area at boot, as cma= does (repeatable): @BASE fixes the base; @BASE-END places the "
	 "area in [BASE, END) (fixed when BASE + SIZE = END); otherwise the kernel's placement; PCT% of RAM; "
	 "NAME defaults to reserved, cma1, ...",
	 NULL},
	{"pin-policy", MO_PIN_POLICY, "P",
	 "long-term pin policy: none (2015), rfc2015 (2015 RFC / 2016 powerpc), migrate-cma (v5.1), "
	 "migrate-movable (v5.13+), pin-aware",
	 "<policy>"},
	{"cma-retry", MO_CMA_RETRY, "R",
	 "cma_alloc() after a busy range: kernel (next aligned candidate, no cap), pageblock (jump to the "
	 "next pageblock) or N (kernel rule, at most N busy retries)",
	 "kernel pageblock"},
	{"movablecore", MO_MOVABLECORE, "SIZE", "carve ZONE_MOVABLE as movablecore= does", NULL},
	{"kernelcore", MO_KERNELCORE, "SIZE", "carve ZONE_MOVABLE as kernelcore= does", NULL},
	{"no-pcp", MO_NO_PCP, NULL,
	 "no per-CPU page lists: order-0 pages straight from and to the buddy lists (the default models "
	 "them, as every kernel has them)",
	 NULL},
	{"pcp", MO_PCP, NULL, "per-CPU page lists for order-0 pages (the default)", NULL},
	{"no-pgtables", MO_NO_PGTABLES, NULL,
	 "address spaces' PTE tables take no pages (the default models them: unmovable, outside CMA)", NULL},
	{"cpus", MO_CPUS, "N", "CPUs with per-CPU lists (default 1)", NULL},
	{"no-thp", MO_NO_THP, NULL, "THP off: khugepaged does not raise min_free_kbytes", NULL},
	{"min-free-kbytes", MO_MFK, "N", "vm.min_free_kbytes (default: computed as at boot)", NULL},
	{"watermark-scale-factor", MO_WSF, "N", "vm.watermark_scale_factor (default 10)", NULL},
	{NULL, 0, NULL, NULL, NULL},
};

void machine_opts_init(struct machine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->preset = "x86_64";
}

/* --cma SIZE|PCT%[@BASE[-END]][:NAME] */
static int cma_opt(struct machine_opts *o, const struct cli_args *a)
{
	const char *v = a->val;
	unsigned long long n;
	char buf[96];
	char *at, *colon, *pct;

	if (o->nr_cma >= PFNLAB_MAX_CMA)
		return cli_bad_value(a, "at most 8 areas");
	snprintf(buf, sizeof(buf), "%s", v);
	colon = strchr(buf, ':');
	if (colon) {
		*colon++ = 0;
		if (!*colon || strlen(colon) >= sizeof(o->cma[0].name))
			return cli_bad_value(a, "a name of 1..31 characters after ':'");
		snprintf(o->cma[o->nr_cma].name, sizeof(o->cma[0].name), "%s", colon);
	}
	at = strchr(buf, '@');
	if (at)
		*at++ = 0;
	pct = strchr(buf, '%');
	if (pct) {
		*pct = 0;
		if (pct[1] || parse_uint(buf, 1, 99, &n))
			return cli_bad_value(a, "SIZE or PERCENT%, e.g. 256M or 5%");
		o->cma[o->nr_cma].pct = (unsigned)n;
	} else if (parse_size(buf, &o->cma[o->nr_cma].size) || !o->cma[o->nr_cma].size) {
		return cli_bad_value(a, "SIZE[@BASE[-END]][:NAME] or PERCENT%[@BASE[-END]][:NAME], e.g. 256M@1G or 5%:kvm_cma");
	}
	if (at) { /* early_cma(): cma=SIZE@BASE[-END] */
		char *dash = strchr(at, '-');

		if (dash)
			*dash++ = 0;
		if (parse_size(at, &o->cma[o->nr_cma].base) || (!dash && !o->cma[o->nr_cma].base) ||
		    (dash && (parse_size(dash, &o->cma[o->nr_cma].end) || o->cma[o->nr_cma].end <= o->cma[o->nr_cma].base)))
			return cli_bad_value(a, "SIZE[@BASE[-END]][:NAME] or PERCENT%[@BASE[-END]][:NAME] with "
						"END above BASE, e.g. 256M@1G, 256M@0-4G or 5%:kvm_cma");
		o->cma[o->nr_cma].has_base = true;
	}
	o->nr_cma++;
	return 0;
}

int machine_opt(struct machine_opts *o, const struct cli_args *a)
{
	const char *v = a->val;
	unsigned long long n;
	uint64_t sz;
	int p;

	switch (a->key) {
	case MO_PCP:
	case MO_NO_PCP:
		o->pcp_set = true;
		o->over.pcp = a->key == MO_PCP;
		return 0;
	case MO_NO_PGTABLES:
		o->no_pgtables = true;
		return 0;
	case MO_NO_THP:
		o->thp_set = true;
		o->over.thp = false;
		return 0;
	case MO_PRESET:
		if (strcmp(v, "x86_64") && strcmp(v, "ppc64"))
			return cli_bad_value(a, "x86_64 or ppc64");
		o->preset = v;
		return 0;
	case MO_RAM:
		if (parse_size(v, &o->ram) || !o->ram)
			return cli_bad_value(a, "a size such as 4G, 512M or 1T");
		o->ram_set = true;
		return 0;
	case MO_PAGE_SIZE:
		if (parse_size(v, &sz) || (sz != 4096 && sz != 16384 && sz != 65536))
			return cli_bad_value(a, "4K, 16K or 64K");
		o->over.page_shift = (unsigned)__builtin_ctzll(sz);
		o->page_shift_set = true;
		return 0;
	case MO_MAX_ORDER:
		if (parse_uint(v, 1, 15, &n))
			return cli_bad_value(a, "1..15");
		o->over.max_order = (unsigned)n;
		o->max_order_set = true;
		return 0;
	case MO_PB_ORDER:
		if (parse_uint(v, 0, 15, &n))
			return cli_bad_value(a, "0..15");
		o->over.pageblock_order = (unsigned)n;
		o->pb_order_set = true;
		return 0;
	case MO_ERA:
		if (strcmp(v, "2015") && strcmp(v, "current"))
			return cli_bad_value(a, "2015 or current");
		o->over.era = strcmp(v, "2015") ? PFNLAB_ERA_CURRENT : PFNLAB_ERA_2015;
		o->era_set = true;
		return 0;
	case MO_CMA_ERA:
		if (strcmp(v, "2015") && strcmp(v, "5.7"))
			return cli_bad_value(a, "2015 or 5.7");
		o->over.cma_rule = strcmp(v, "2015") ? PFNLAB_CMA_5_7 : PFNLAB_CMA_2015;
		o->cma_rule_set = true;
		return 0;
	case MO_KERNEL:
		if (strcmp(v, "6.1") && strcmp(v, "6.12"))
			return cli_bad_value(a, "6.1 or 6.12");
		o->over.kernel = strcmp(v, "6.1") ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1;
		o->kernel_set = true;
		return 0;
	case MO_CMA:
		return cma_opt(o, a);
	case MO_PIN_POLICY:
		p = pfnlab_pin_policy_parse(v);
		if (p < 0)
			return cli_bad_value(a, "none, rfc2015, migrate-cma, migrate-movable or pin-aware");
		o->over.pin_policy = (enum pfnlab_pin_policy)p;
		o->pin_policy_set = true;
		return 0;
	case MO_CMA_RETRY:
		if (strcmp(v, "kernel") == 0) {
			o->over.cma_retry = PFNLAB_CMA_RETRY_KERNEL;
		} else if (strcmp(v, "pageblock") == 0) {
			o->over.cma_retry = PFNLAB_CMA_RETRY_PAGEBLOCK;
		} else if (parse_uint(v, 0, 1u << 30, &n) == 0) {
			o->over.cma_retry = PFNLAB_CMA_RETRY_BOUNDED;
			o->over.cma_retry_max = (unsigned)n;
		} else {
			return cli_bad_value(a, "kernel, pageblock or a number of retries");
		}
		o->cma_retry_set = true;
		return 0;
	case MO_MOVABLECORE:
	case MO_KERNELCORE:
		if (parse_size(v, &sz) || !sz)
			return cli_bad_value(a, "a size such as 1G");
		*(a->key == MO_MOVABLECORE ? &o->movablecore : &o->kernelcore) = sz;
		return 0;
	case MO_CPUS:
		if (parse_uint(v, 1, 64, &n))
			return cli_bad_value(a, "1..64");
		o->over.nr_cpus = (unsigned)n;
		o->cpus_set = true;
		return 0;
	case MO_MFK:
		if (parse_uint(v, 0, 1u << 30, &n))
			return cli_bad_value(a, "0..1073741824");
		o->over.min_free_kbytes = (int)n;
		o->mfk_set = true;
		return 0;
	default: /* MO_WSF */
		if (parse_uint(v, 1, 3000, &n))
			return cli_bad_value(a, "1..3000");
		o->over.watermark_scale_factor = (unsigned)n;
		o->wsf_set = true;
		return 0;
	}
}

uint64_t host_limit_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size / 4 * 3 : 0;
}

int machine_build(const struct machine_opts *o, struct pfnlab_machine **m)
{
	struct pfnlab_config c;
	uint64_t ram = o->ram_set ? o->ram : strcmp(o->preset, "ppc64") == 0 ? 64ull << 30 : 4ull << 30;
	char why[256] = "";
	int err;

	pfnlab_config_preset(&c, o->preset, ram);
	if (o->page_shift_set)
		c.page_shift = o->over.page_shift;
	if (o->max_order_set)
		c.max_order = o->over.max_order;
	if (o->pb_order_set)
		c.pageblock_order = o->over.pageblock_order;
	if (o->era_set)
		c.era = o->over.era;
	if (o->cma_rule_set)
		c.cma_rule = o->over.cma_rule;
	if (o->kernel_set)
		c.kernel = o->over.kernel;
	if (o->pcp_set)
		c.pcp = o->over.pcp;
	if (o->cpus_set)
		c.nr_cpus = o->over.nr_cpus;
	if (o->thp_set)
		c.thp = false;
	if (o->no_pgtables)
		c.pgtables = false;
	if (o->mfk_set)
		c.min_free_kbytes = o->over.min_free_kbytes;
	if (o->wsf_set)
		c.watermark_scale_factor = o->over.watermark_scale_factor;
	if (o->pin_policy_set)
		c.pin_policy = o->over.pin_policy;
	if (o->cma_retry_set) {
		c.cma_retry = o->over.cma_retry;
		c.cma_retry_max = o->over.cma_retry_max;
	}
	c.movablecore_bytes = o->movablecore;
	c.kernelcore_bytes = o->kernelcore;
	c.nr_cma = o->nr_cma;
	for (unsigned i = 0; i < o->nr_cma; i++) {
		if (o->cma[i].name[0])
			snprintf(c.cma[i].name, sizeof(c.cma[i].name), "%s", o->cma[i].name);
		else
			snprintf(c.cma[i].name, sizeof(c.cma[i].name), i ? "cma%u" : "reserved", i);
		c.cma[i].size = o->cma[i].pct ? ram / 100 * o->cma[i].pct : o->cma[i].size;
		c.cma[i].base = o->cma[i].base;
		/* early_cma(): without -END the limit is BASE + SIZE, which makes the base fixed */
		if (o->cma[i].has_base)
			c.cma[i].limit = o->cma[i].end ? o->cma[i].end : o->cma[i].base + c.cma[i].size;
	}
	c.host_limit_bytes = host_limit_bytes();
	err = pfnlab_machine_create(&c, m, why, sizeof(why));
	if (!err)
		return 0;
	cli_error("machine: %s", why[0] ? why : pfnlab_strerror(err));
	return err == -E2BIG || err == -ENOMEM ? EXIT_RESOURCE : EXIT_USAGE;
}

/* pfnlab_snapshot_opts.note: on stderr when verbose */
static void note(void *arg, const char *msg)
{
	if (arg)
		fprintf(stderr, "pfnlab: note: %s\n", msg);
}

int snapshot_machine(const char *dir, struct pfnlab_snapshot_opts *so, bool verbose, struct pfnlab_machine **m)
{
	char why[1024] = "";
	int err;

	so->note = note;
	so->note_arg = verbose ? (void *)1 : NULL;
	so->host_limit_bytes = host_limit_bytes();
	err = pfnlab_snapshot_load(dir, so, m, why, sizeof(why));
	if (!err)
		return EXIT_OK;
	cli_error("%s", why);
	return err == -ENOMEM || err == -E2BIG ? EXIT_RESOURCE : EXIT_USAGE;
}
