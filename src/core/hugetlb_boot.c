/*
 * hugetlb_boot.c - the hugetlb pool at boot: which huge page sizes exist
 * (hstates), the hugetlb_cma area, gigantic pages taken from memblock, the
 * hugepages= pools, and the kernel's boot messages about them.
 *
 * Models the __init part of mm/hugetlb.c (Debian 6.1.192; 6.12 and v4.2
 * where they differ): hugepagesz= / default_hugepagesz= / hugepages= in
 * command-line order, then the architecture's sizes (x86_64: the 1 GiB
 * size when the CPU has GBPAGES (arch_initcall), then HPAGE_SIZE in
 * hugetlb_init(); ppc64: 16 MiB, then 16 GiB) through hugetlb_add_hstate();
 * arch_hugetlb_valid_size(); hugetlb_cma_reserve() (one area "hugetlb0",
 * rounded up to the gigantic size, order_per_bit HUGETLB_PAGE_ORDER);
 * __alloc_bootmem_huge_page() (top-down, skipped when hugetlb_cma is set)
 * and gather_bootmem_prealloc(); hugetlb_hstate_alloc_pages() for the
 * smaller sizes once the buddy allocator is up; report_hugepages() and the
 * shortfall and hugetlb_cma messages, v4.2's wording in era 2015.
 *
 * At run time, where hugetlb.c's gigantic pages come from and go back to,
 * through the machine's hooks alloc_gigantic and free_gigantic (so the
 * pool stands below contig.c and cma.c): cma_alloc() from hugetlb_cma,
 * else alloc_contig_pages() (zones from the highest the mask allows,
 * every aligned range of one zone without reserved or hugetlb pages,
 * through alloc_contig_range(MIGRATE_MOVABLE)); v4.2's
 * alloc_gigantic_page() walks zones from the lowest and wants every page
 * of the range free.  Back: cma_release() or free_contig_range().
 *
 * Simplified: one node (no hugepages=N:... per node); vmemmap freeing is
 * only its boot message.
 */
#include <stdio.h>

#include "hugetlb.h"

static unsigned order_of_size(const struct pfnlab_machine *m, uint64_t bytes)
{
	unsigned o = 0;

	while (((uint64_t)1 << (o + m->cfg.page_shift)) < bytes && o < 63)
		o++;
	return o;
}

/* models arch_hugetlb_valid_size(): HPAGE_SIZE, or the gigantic size where the machine has one */
static bool valid_huge_order(const struct pfnlab_config *cfg, unsigned order)
{
	return order == cfg->pageblock_order || (cfg->gigantic_order && order == cfg->gigantic_order);
}

static bool valid_huge_size(const struct pfnlab_config *cfg, uint64_t bytes)
{
	for (unsigned o = 0; o < 40; o++)
		if (bytes == (uint64_t)1 << (o + cfg->page_shift))
			return valid_huge_order(cfg, o);
	return false;
}

/* The configuration's hugetlb boot parameters are ones the kernel would act on. */
int hugetlb_config_check(const struct pfnlab_config *cfg, char *why, size_t len)
{
	for (unsigned i = 0; i < 2; i++)
		if (cfg->hugepagesz[i] && !valid_huge_size(cfg, cfg->hugepagesz[i]))
			return set_why(why, len, "hugepagesz=%llu: unsupported huge page size",
				       (unsigned long long)cfg->hugepagesz[i]), -EINVAL;
	if (cfg->hugepagesz[0] && cfg->hugepagesz[0] == cfg->hugepagesz[1])
		return set_why(why, len, "hugepagesz=%llu given twice", (unsigned long long)cfg->hugepagesz[0]),
		       -EINVAL;
	if (cfg->hugepages[1] && !cfg->hugepagesz[1])
		return set_why(why, len, "hugepages= for a second page size needs its hugepagesz="), -EINVAL;
	if (cfg->default_hugepagesz && !valid_huge_size(cfg, cfg->default_hugepagesz))
		return set_why(why, len, "default_hugepagesz=%llu: unsupported huge page size",
			       (unsigned long long)cfg->default_hugepagesz), -EINVAL;
	if (cfg->gigantic_order && (cfg->gigantic_order <= cfg->max_order || cfg->gigantic_order > 30))
		return set_why(why, len, "gigantic page order %u must be above the largest buddy order %u",
			       cfg->gigantic_order, cfg->max_order), -EINVAL;
	if (cfg->hugetlb_cma_bytes && cfg->era != PFNLAB_ERA_CURRENT)
		return set_why(why, len, "hugetlb_cma: no such option in the 2015 kernel (v5.7)"), -EINVAL;
	if (cfg->hugetlb_cma_bytes && cfg->page_shift != 12)
		return set_why(why, len, "hugetlb_cma: modelled for x86_64 only"), -EINVAL;
	return 0;
}

/* models hugetlb_add_hstate(): register @order unless it is already */
static int add_hstate(struct pfnlab_machine *m, unsigned order)
{
	struct hugetlb_state *hs = &m->hugetlb;

	for (unsigned i = 0; i < hs->nr_hstates; i++)
		if (hs->hstates[i].order == order)
			return (int)i;
	hs->hstates[hs->nr_hstates] = (struct hstate){.order = order, .free_head = NIL_PFN};
	return (int)hs->nr_hstates++;
}

/*
 * The hstates in registration order: default_hugepagesz= and hugepagesz=
 * as parsed, then the architecture's (x86_64: gigantic_pages_init() at
 * arch_initcall, then HPAGE_SIZE in hugetlb_init(); ppc64: 16 MiB, then
 * 16 GiB); hugepages= counts noted per size.
 */
void hugetlb_setup_hstates(struct pfnlab_machine *m)
{
	const struct pfnlab_config *c = &m->cfg;
	struct hugetlb_state *hs = &m->hugetlb;
	int def = -1;

	hs->cma = -1;
	if (c->default_hugepagesz)
		def = add_hstate(m, order_of_size(m, c->default_hugepagesz));
	for (unsigned i = 0; i < 2; i++) {
		int idx;

		if (!c->hugepagesz[i]) {
			if (i == 0 && c->hugepages[0]) /* hugepages= before any hugepagesz=: the default size */
				hs->hstates[def >= 0 ? def : add_hstate(m, m->pb_order)].boot = c->hugepages[0];
			continue;
		}
		idx = add_hstate(m, order_of_size(m, c->hugepagesz[i]));
		hs->hstates[idx].boot = c->hugepages[i];
	}
	if (x86(m) && c->gigantic_order)
		add_hstate(m, c->gigantic_order);
	add_hstate(m, m->pb_order);
	if (!x86(m) && c->gigantic_order)
		add_hstate(m, c->gigantic_order);
	hs->default_idx = (unsigned)(def >= 0 ? def : add_hstate(m, m->pb_order));
}

/*
 * models hugetlb_cma_reserve(): the area "hugetlb0", the requested size
 * rounded up to the gigantic size, order_per_bit HUGETLB_PAGE_ORDER;
 * nothing (and a boot message) when it is smaller than one gigantic page,
 * the machine has no gigantic size, or there is no room
 */
void hugetlb_cma_reserve(struct pfnlab_machine *m)
{
	struct hugetlb_state *hs = &m->hugetlb;
	uint64_t size = m->cfg.hugetlb_cma_bytes, gig;

	hs->cma_asked = size;
	if (!size || !m->cfg.gigantic_order)
		return;
	gig = (uint64_t)1 << (m->cfg.gigantic_order + m->cfg.page_shift);
	if (size < gig) {
		hs->cma_err = -EINVAL;
		return;
	}
	size = (size + gig - 1) & ~(gig - 1);
	if (cma_declare(m, "hugetlb0", size, 0, 0, m->pb_order, NULL, 0))
		hs->cma_err = -ENOMEM;
	else
		hs->cma = (int)m->nr_cma - 1;
}

/*
 * models __alloc_bootmem_huge_page(): a gigantic page of memblock memory,
 * the highest free aligned range below @ceiling (the lowest one taken so
 * far: the search is top-down, so nothing free is left above it); NIL_PFN
 */
static uint64_t bootmem_huge_page(const struct pfnlab_machine *m, const struct hstate *h, uint64_t ceiling)
{
	uint64_t nr = hpages(h);

	for (uint64_t b = (ceiling - nr) & ~(nr - 1); ceiling >= nr; b -= nr) {
		bool ok = b >= m->reserved_end && !boot_cma_overlap(m, b, b + nr);

		for (uint64_t p = b; ok && p < b + nr; p++)
			ok = !(m->frames[p].flags & (F_HOLE | F_RESERVED));
		if (ok && pfn_zone_index(m, b) >= 0 && pfn_zone_index(m, b) == pfn_zone_index(m, b + nr - 1))
			return b;
		if (b < nr)
			break;
	}
	return NIL_PFN;
}

/*
 * Gigantic pages asked for at boot, from memblock before the buddy
 * allocator takes the rest (skipped when hugetlb_cma is set); they join
 * their zone's managed pages as gather_bootmem_prealloc() does.  Needs
 * pgflags[]; returns -ENOMEM without host memory for it.
 */
int hugetlb_boot_gigantic(struct pfnlab_machine *m)
{
	struct hugetlb_state *hs = &m->hugetlb;
	uint64_t ceiling = m->nr_pfns;

	for (unsigned i = 0; i < hs->nr_hstates; i++) {
		struct hstate *h = &hs->hstates[i];

		if (!hstate_is_gigantic(m, h) || !h->boot)
			continue;
		if (hs->cma >= 0) {
			hs->cma_skip = true;
			continue;
		}
		if (pgflags_ensure(m))
			return -ENOMEM;
		while (h->nr < h->boot) {
			uint64_t pfn = bootmem_huge_page(m, h, ceiling);

			if (pfn == NIL_PFN)
				break;
			ceiling = pfn;
			prep_new_huge_page(m, h, pfn);
			enqueue_huge_page(m, h, pfn);
			m->zones[pfn_zone_index(m, pfn)].managed += hpages(h);
		}
		h->max = h->booted = h->nr;
	}
	return 0;
}

/* The boot gigantic pages into @out (may be NULL); returns how many. */
size_t hugetlb_boot_ranges(const struct pfnlab_machine *m, struct pfnlab_pfn_range *out)
{
	const struct hugetlb_state *hs = &m->hugetlb;
	size_t n = 0;

	for (unsigned i = 0; i < hs->nr_hstates; i++) {
		const struct hstate *h = &hs->hstates[i];

		for (uint32_t p = h->free_head; hstate_is_gigantic(m, h) && p != NIL_PFN; p = m->frames[p].next) {
			if (out)
				out[n] = (struct pfnlab_pfn_range){p, p + hpages(h)};
			n++;
		}
	}
	return n;
}

/* The smaller sizes' hugepages= once the buddy allocator is up (hugetlb_init_hstates()). */
int hugetlb_boot_pool(struct pfnlab_machine *m)
{
	struct hugetlb_state *hs = &m->hugetlb;

	for (unsigned i = 0; i < hs->nr_hstates; i++) {
		struct hstate *h = &hs->hstates[i];

		if (hstate_is_gigantic(m, h) || !h->boot)
			continue;
		if (pgflags_ensure(m))
			return -ENOMEM;
		while (h->nr < h->boot && alloc_pool_huge_page(m, h))
			;
		h->max = h->booted = h->nr;
	}
	return 0;
}

/* string_get_size(size, 1, STRING_UNITS_2) of a power of two: "2.00 MiB", "16.0 GiB"; v4.2's memfmt(): "2 MB" */
static void size_text(const struct pfnlab_machine *m, uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;

	if (m->cfg.era == PFNLAB_ERA_2015) {
		snprintf(buf, len, "%llu %s", (unsigned long long)(bytes >= (1ull << 30) ? bytes >> 30 :
								   bytes >= (1ull << 20) ? bytes >> 20 : bytes >> 10),
			 bytes >= (1ull << 30) ? "GB" : bytes >= (1ull << 20) ? "MB" : "KB");
		return;
	}
	while (bytes >= 1024 && u < 4) {
		bytes >>= 10;
		u++;
	}
	snprintf(buf, len, bytes < 10 ? "%llu.00 %s" : bytes < 100 ? "%llu.0 %s" : "%llu %s",
		 (unsigned long long)bytes, units[u]);
}

/* hugetlb_vmemmap_optimizable_size() in KiB: x86_64 frees all but one page of a huge page's struct pages */
static unsigned long long vmemmap_kib(const struct pfnlab_machine *m, const struct hstate *h)
{
	uint64_t bytes = hpages(h) * 64;

	return x86(m) && bytes > 4096 ? (bytes - 4096) / 1024 : 0;
}

void pfnlab_hugetlb_boot_log(struct pfnlab_machine *m)
{
	if (!m)
		return;
	const struct hugetlb_state *hs = &m->hugetlb;
	bool cur = m->cfg.era == PFNLAB_ERA_CURRENT;
	char buf[32];

	if (hs->cma_asked && m->cfg.gigantic_order) { /* hugetlb_cma_reserve() in setup_arch() */
		uint64_t gig = (uint64_t)1 << (m->cfg.gigantic_order + m->cfg.page_shift);

		if (hs->cma_err == -EINVAL) {
			log_printf(m, "hugetlb_cma: cma area should be at least %llu MiB", (unsigned long long)(gig >> 20));
		} else {
			log_printf(m, "hugetlb_cma: reserve %llu MiB, up to %llu MiB per node",
				   (unsigned long long)(hs->cma_asked >> 20),
				   (unsigned long long)(((hs->cma_asked + gig - 1) & ~(gig - 1)) >> 20));
			if (hs->cma < 0) {
				log_printf(m, "hugetlb_cma: reservation failed: err %d, node 0", -ENOMEM);
			} else {
				const struct cma_area *a = &m->cma[hs->cma];
				unsigned long long mib = (a->count << m->cfg.page_shift) >> 20;

				log_printf(m, m->cfg.kernel == PFNLAB_KERNEL_6_12 ? "cma: Reserved %llu MiB at 0x%016llx on node 0"
										    : "cma: Reserved %llu MiB at 0x%016llx",
					   mib, (unsigned long long)(a->base_pfn << m->cfg.page_shift));
				log_printf(m, "hugetlb_cma: reserved %llu MiB on node 0", mib);
			}
		}
	}
	for (unsigned i = 0; i < hs->nr_hstates; i++) { /* gigantic: at hugepages= parse time */
		const struct hstate *h = &hs->hstates[i];

		if (!cur || !hstate_is_gigantic(m, h) || !h->boot)
			continue;
		size_text(m, hpages(h) << m->cfg.page_shift, buf, sizeof(buf));
		if (hs->cma_skip)
			log_printf(m, "HugeTLB: hugetlb_cma is enabled, skip boot time allocation");
		else if (h->booted < h->boot)
			log_printf(m, "HugeTLB: allocating %llu of page size %s failed.  Only allocated %llu hugepages.",
				   (unsigned long long)h->boot, buf, (unsigned long long)h->booted);
	}
	if (cur && hs->cma_asked && !m->cfg.gigantic_order) /* hugetlb_cma_check() */
		log_printf(m, "hugetlb_cma: the option isn't supported by current arch");
	for (unsigned i = 0; i < hs->nr_hstates; i++) { /* hugetlb_init_hstates() */
		const struct hstate *h = &hs->hstates[i];

		if (!cur || hstate_is_gigantic(m, h) || h->booted >= h->boot)
			continue;
		size_text(m, hpages(h) << m->cfg.page_shift, buf, sizeof(buf));
		log_printf(m, "HugeTLB: allocating %llu of page size %s failed.  Only allocated %llu hugepages.",
			   (unsigned long long)h->boot, buf, (unsigned long long)h->booted);
	}
	for (unsigned i = 0; i < hs->nr_hstates; i++) { /* report_hugepages() */
		const struct hstate *h = &hs->hstates[i];

		size_text(m, hpages(h) << m->cfg.page_shift, buf, sizeof(buf));
		if (!cur) {
			log_printf(m, "HugeTLB registered %s page size, pre-allocated %llu pages", buf,
				   (unsigned long long)h->booted);
			continue;
		}
		log_printf(m, "HugeTLB: registered %s page size, pre-allocated %llu pages", buf,
			   (unsigned long long)h->booted);
		log_printf(m, "HugeTLB: %llu KiB vmemmap can be freed for a %s page", vmemmap_kib(m, h), buf);
	}
}

/*
 * models pfn_range_valid_contig() (v6.1: online, one zone, no reserved or
 * hugetlb page) and v4.2's pfn_range_valid_gigantic() (also no page in
 * use).  v4.2 would also take a free CMA range: its isolation accepted CMA
 * pageblocks and undid it as MOVABLE, retyping part of the area; pfnlab
 * keeps CMA areas whole and skips such ranges.
 */
static bool range_valid_contig(const struct pfnlab_machine *m, const struct zone *z, uint64_t start, uint64_t nr)
{
	if (m->cfg.era == PFNLAB_ERA_2015 && boot_cma_overlap(m, start, start + nr))
		return false;
	for (uint64_t p = start; p < start + nr;) {
		const struct frame *f = &m->frames[p];

		if ((f->flags & (F_HOLE | F_RESERVED)) || !zone_spans(z, p))
			return false;
		if (f->flags & F_BUDDY) {
			p += 1ull << f->order;
		} else if (f->flags & F_ALLOC) {
			if (pg_kind(m, p) == PGK_HUGETLB || m->cfg.era == PFNLAB_ERA_2015)
				return false;
			p += 1ull << f->order;
		} else {
			if (m->cfg.era == PFNLAB_ERA_2015 && !(f->flags & F_PCP) && folio_head(m, p) != NIL_PFN)
				return false;
			p++;
		}
	}
	return true;
}

/* One zone's aligned candidates for alloc_contig_pages(); the first PFN taken, or NIL_PFN. */
static uint64_t alloc_contig_in_zone(struct pfnlab_machine *m, const struct zone *z, uint64_t nr)
{
	uint64_t end = z->start_pfn + z->spanned;

	for (uint64_t pfn = (z->start_pfn + nr - 1) & ~(nr - 1); pfn + nr <= end; pfn += nr)
		if (range_valid_contig(m, z, pfn, nr) && alloc_contig_range(m, pfn, pfn + nr, PFNLAB_MT_MOVABLE) == 0)
			return pfn;
	return NIL_PFN;
}

/*
 * models alloc_contig_pages(), mm/page_alloc.c: zones from the highest
 * @gfp allows down (v4.2's alloc_gigantic_page(): from ZONE_DMA up)
 */
static uint64_t alloc_contig_pages(struct pfnlab_machine *m, uint64_t nr, pfnlab_gfp_t gfp)
{
	int top = gfp_zone(m, gfp);

	for (int k = 0; k < m->nr_zones; k++) {
		int i = m->cfg.era == PFNLAB_ERA_2015 ? k : m->nr_zones - 1 - k;
		uint64_t pfn;

		if (m->zones[i].type > top)
			continue;
		pfn = alloc_contig_in_zone(m, &m->zones[i], nr);
		if (pfn != NIL_PFN)
			return pfn;
	}
	return NIL_PFN;
}

/*
 * models alloc_gigantic_page()'s sources (the machine's
 * hooks.alloc_gigantic): hugetlb_cma first (v6.1), then
 * alloc_contig_pages(); the first PFN, or NIL_PFN
 */
uint64_t hugetlb_alloc_gigantic(struct pfnlab_machine *m, unsigned order, pfnlab_gfp_t gfp)
{
	uint64_t pfn, nr = 1ull << order;

	if (m->hugetlb.cma >= 0 && cma_alloc(m, (unsigned)m->hugetlb.cma, nr, order, true, &pfn) == 0)
		return pfn;
	return alloc_contig_pages(m, nr, gfp);
}

/*
 * models free_gigantic_page() (the machine's hooks.free_gigantic): the
 * single pages of @head go back to hugetlb_cma (cma_release()) or to the
 * buddy allocator (free_contig_range())
 */
void hugetlb_free_gigantic(struct pfnlab_machine *m, uint64_t head, unsigned order)
{
	int cma = m->hugetlb.cma;
	uint64_t nr = 1ull << order;

	if (cma >= 0 && head >= m->cma[cma].base_pfn && head < m->cma[cma].base_pfn + m->cma[cma].count &&
	    pfnlab_cma_release(m, (unsigned)cma, head, nr) == 0)
		return;
	pfnlab_free_contig_range(m, head, nr);
}
