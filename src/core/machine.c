/*
 * machine.c - presets, validation and boot of a modelled machine.
 *
 * Models the boot-time memory setup of Linux: the firmware memory map
 * (e820 on x86, one range on POWER), zone spans from free_area_init(),
 * ZONE_MOVABLE from kernelcore=/movablecore= (find_zone_movable_pfns_for_nodes,
 * simplified to "the top of the highest zone"), CMA reservations, and
 * memblock_free_all() handing every managed page to the buddy allocator in
 * the largest aligned blocks.
 *
 * Layout of the x86_64 preset (a QEMU/PC machine):
 *
 *   0    4K        636K  1M                 3G (or RAM)  4G            4G+rest
 *   |rsv|  RAM(rsv) |hole| RAM ............... | PCI hole  | RAM ...........|
 *   |<------ ZONE_DMA (to 16M) ------>|<- ZONE_DMA32 ---->|<- ZONE_NORMAL ->|
 *
 * The first MiB is present but reserved, as x86 kernels since v5.13 do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "model.h"

#define SZ_1M (1ull << 20)
#define SZ_16M (16ull << 20)
#define SZ_1G (1ull << 30)
#define SZ_4G (4ull << 30)

int pfnlab_config_preset(struct pfnlab_config *cfg, const char *name, uint64_t ram_bytes)
{
	if (!cfg || !name)
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	cfg->ram_bytes = ram_bytes;
	cfg->era = PFNLAB_ERA_CURRENT;
	cfg->cma_rule = PFNLAB_CMA_5_7;
	cfg->pcp = true;
	cfg->pgtables = true;
	cfg->nr_cpus = 1;
	cfg->watermark_scale_factor = 10;
	cfg->watermark_boost_factor = 15000;
	cfg->min_free_kbytes = -1;
	cfg->thp = true;
	cfg->gigantic_order = 18; /* 1 GiB (x86_64 with GBPAGES), 16 GiB (ppc64 hash) */
	if (strcmp(name, "x86_64") == 0) {
		cfg->page_shift = 12;
		cfg->max_order = 10;
		cfg->pageblock_order = 9;
		cfg->reserved_low_bytes = SZ_1M;
		cfg->zone_dma_end = SZ_16M;
		cfg->zone_dma32_end = SZ_4G;
	} else if (strcmp(name, "ppc64") == 0) {
		cfg->page_shift = 16;
		cfg->max_order = 8;
		cfg->pageblock_order = 8;
		cfg->single_zone_dma = true;
		cfg->era = PFNLAB_ERA_2015;
		cfg->cma_rule = PFNLAB_CMA_2015;
	} else {
		return -EINVAL;
	}
	snprintf(cfg->preset, sizeof(cfg->preset), "%s", name);
	return 0;
}

/* The System RAM ranges: given, or derived from the preset and ram_bytes. */
static unsigned ram_ranges(const struct pfnlab_config *cfg, struct pfnlab_range *r)
{
	uint64_t ram = cfg->ram_bytes, low;

	if (cfg->nr_ranges) {
		memcpy(r, cfg->ranges, sizeof(cfg->ranges[0]) * cfg->nr_ranges);
		return cfg->nr_ranges;
	}
	if (strcmp(cfg->preset, "x86_64") != 0) {
		r[0] = (struct pfnlab_range){0, ram};
		return 1;
	}
	/* QEMU's PC machine: RAM up to 3 GiB below 4G once it reaches 3.5 GiB. */
	low = ram >= 0xe0000000ull ? 3 * SZ_1G : ram;
	r[0] = (struct pfnlab_range){0x1000, 0x9fc00};
	r[1] = (struct pfnlab_range){SZ_1M, low};
	if (ram > low) {
		r[2] = (struct pfnlab_range){SZ_4G, SZ_4G + (ram - low)};
		return 3;
	}
	return 2;
}

static uint64_t max_pfn_of(const struct pfnlab_config *cfg)
{
	struct pfnlab_range r[PFNLAB_MAX_RANGES];
	unsigned n = ram_ranges(cfg, r);
	uint64_t end = 0;

	for (unsigned i = 0; i < n; i++)
		if (r[i].end > end)
			end = r[i].end;
	return end >> cfg->page_shift;
}

size_t pfnlab_frame_size(void)
{
	return sizeof(struct frame);
}

uint64_t pfnlab_config_bytes(const struct pfnlab_config *cfg)
{
	if (!cfg)
		return 0;
	uint64_t pfns = max_pfn_of(cfg);
	uint64_t pbs = (pfns >> cfg->pageblock_order) + 1;

	return pfns * sizeof(struct frame) + pbs + sizeof(struct pfnlab_machine);
}

/* The CMA area names: each a string, no two alike once an empty name is read as "reserved" (cma_reserve_boot()). */
static int cma_names_check(const struct pfnlab_config *cfg, char *why, size_t len)
{
	for (unsigned i = 0; i < cfg->nr_cma; i++) {
		const char *a = cfg->cma[i].name[0] ? cfg->cma[i].name : "reserved";

		if (!memchr(cfg->cma[i].name, 0, sizeof(cfg->cma[i].name)))
			return set_why(why, len, "CMA area %u: name is not a string of at most %zu bytes", i,
				       sizeof(cfg->cma[i].name) - 1), -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(a, cfg->cma[j].name[0] ? cfg->cma[j].name : "reserved"))
				return set_why(why, len, "CMA areas %u and %u are both called '%s'", j, i, a), -EINVAL;
	}
	return 0;
}

/* Every enum field holds one of its values. */
static int config_enums_check(const struct pfnlab_config *cfg, char *why, size_t len)
{
	if ((unsigned)cfg->era > PFNLAB_ERA_CURRENT)
		return set_why(why, len, "era %d is not 2015 (0) or current (1)", (int)cfg->era), -EINVAL;
	if ((unsigned)cfg->cma_rule > PFNLAB_CMA_5_7)
		return set_why(why, len, "cma_rule %d is not 2015 (0) or 5.7 (1)", (int)cfg->cma_rule), -EINVAL;
	if ((unsigned)cfg->pin_policy >= PFNLAB_PIN_POLICIES)
		return set_why(why, len, "pin_policy %d is not 0..%d", (int)cfg->pin_policy, PFNLAB_PIN_POLICIES - 1),
		       -EINVAL;
	if ((unsigned)cfg->cma_retry > PFNLAB_CMA_RETRY_BOUNDED)
		return set_why(why, len, "cma_retry %d is not 0..%d", (int)cfg->cma_retry, PFNLAB_CMA_RETRY_BOUNDED),
		       -EINVAL;
	if ((unsigned)cfg->kernel > PFNLAB_KERNEL_6_12)
		return set_why(why, len, "kernel %d is not 6.1 (0) or 6.12 (1)", (int)cfg->kernel), -EINVAL;
	return 0;
}

int pfnlab_config_check(const struct pfnlab_config *cfg, char *why, size_t len)
{
	struct pfnlab_range r[PFNLAB_MAX_RANGES];
	unsigned n;
	uint64_t page, block, pfns, need;
	int err;

	if (!cfg)
		return set_why(why, len, "no configuration (cfg is NULL)"), -EINVAL;
	if (!memchr(cfg->preset, 0, sizeof(cfg->preset)))
		return set_why(why, len, "preset is not a string of at most %zu bytes", sizeof(cfg->preset) - 1),
		       -EINVAL;
	err = config_enums_check(cfg, why, len);
	if (err)
		return err;
	if (cfg->page_shift < 12 || cfg->page_shift > 16)
		return set_why(why, len, "page size must be 4K..64K (page_shift 12..16), not 2^%u",
			       cfg->page_shift), -EINVAL;
	if (cfg->max_order >= MAX_ORDERS)
		return set_why(why, len, "max_order %u is above %d", cfg->max_order, MAX_ORDERS - 1),
		       -EINVAL;
	if (cfg->pageblock_order > cfg->max_order)
		return set_why(why, len, "pageblock order %u is above the largest order %u",
			       cfg->pageblock_order, cfg->max_order), -EINVAL;
	if (cfg->nr_cpus < 1 || cfg->nr_cpus > MAX_CPUS)
		return set_why(why, len, "cpus must be 1..%d", MAX_CPUS), -EINVAL;
	if (cfg->nr_ranges > PFNLAB_MAX_RANGES)
		return set_why(why, len, "at most %d RAM ranges", PFNLAB_MAX_RANGES), -EINVAL;
	page = 1ull << cfg->page_shift;
	block = page << cfg->max_order;
	if (cfg->ram_bytes > (1ull << 52))
		return set_why(why, len, "RAM size overflows the model (max 4 PiB)"), -EOVERFLOW;
	if (cfg->ram_bytes < block)
		return set_why(why, len, "RAM %llu bytes is smaller than one largest block (%llu bytes)",
			       (unsigned long long)cfg->ram_bytes, (unsigned long long)block), -EINVAL;
	n = ram_ranges(cfg, r);
	for (unsigned i = 0; i < n; i++) {
		if (r[i].start >= r[i].end)
			return set_why(why, len, "RAM range %u is empty", i), -EINVAL;
		if (i && r[i].start < r[i - 1].end)
			return set_why(why, len, "RAM ranges overlap or are unsorted"), -EINVAL;
	}
	need = pfnlab_config_bytes(cfg);
	if (cfg->host_limit_bytes && need > cfg->host_limit_bytes)
		return set_why(why, len, "the model needs %llu MiB of host memory, more than the %llu MiB allowed",
			       (unsigned long long)(need >> 20),
			       (unsigned long long)(cfg->host_limit_bytes >> 20)), -E2BIG;
	pfns = max_pfn_of(cfg);
	if (!pfns)
		return set_why(why, len, "the RAM ranges end within the first page: no page frame"), -EINVAL;
	if (pfns >= NIL_PFN)
		return set_why(why, len, "%llu page frames exceed the model's 32-bit PFNs",
			       (unsigned long long)pfns), -EOVERFLOW;
	if (cfg->movablecore_bytes && cfg->kernelcore_bytes)
		return set_why(why, len, "give movablecore or kernelcore, not both"), -EINVAL;
	if (cfg->movablecore_bytes >= cfg->ram_bytes || cfg->kernelcore_bytes >= cfg->ram_bytes)
		return set_why(why, len, "movablecore/kernelcore must be below the RAM size"), -EINVAL;
	if (cfg->nr_cma > PFNLAB_MAX_CMA)
		return set_why(why, len, "at most %d CMA areas", PFNLAB_MAX_CMA), -EINVAL;
	err = cma_names_check(cfg, why, len);
	if (err)
		return err;
	if (cfg->swap_bytes && cfg->backed)
		return set_why(why, len, "swap is not modelled in backed mode (page contents would leave memory)"),
		       -EINVAL;
	if ((cfg->swap_bytes >> cfg->page_shift) >= NIL_PFN)
		return set_why(why, len, "swap of %llu bytes exceeds the model's 32-bit slot count",
			       (unsigned long long)cfg->swap_bytes), -EOVERFLOW;
	return hugetlb_config_check(cfg, why, len);
}

/* The reclaim, writeback and OOM state of a new machine: sysctl defaults, empty LRU lists, swap. */
static int reclaim_setup(struct pfnlab_machine *m)
{
	m->sysctl = (struct vm_sysctl){.swappiness = 60, .dirty_ratio = 20, .dirty_background_ratio = 10,
				       .dirty_expire_centisecs = 3000, .dirty_writeback_centisecs = 500,
				       .oom_dump_tasks = 1};
	for (int i = 0; i < PFNLAB_NR_ZONES; i++)
		for (int l = 0; l < NR_LRU_LISTS; l++)
			m->lruvec[i].head[l] = m->lruvec[i].tail[l] = NIL_PFN;
	m->kswapd.highest = -1;
	m->kswapd.last_highest = m->nr_zones ? m->zones[m->nr_zones - 1].type : 0;
	writeback_reschedule(m);
	m->swap_pages = m->cfg.swap_bytes >> m->cfg.page_shift;
	return m->swap_pages ? pgflags_ensure(m) : 0; /* with swap, anonymous folios are linked too */
}

/* @size is never 0: pfnlab_config_check() refuses a machine without a page frame. */
static void *model_alloc(const struct pfnlab_config *cfg, size_t size)
{
	void *p;

	if (!cfg->alloc)
		return calloc(1, size); /* NOLINT(clang-analyzer-optin.portability.UnixAPI): size > 0, see above */
	p = cfg->alloc(size, cfg->alloc_arg);
	if (p)
		memset(p, 0, size);
	return p;
}

static void model_free(const struct pfnlab_config *cfg, void *p, size_t size)
{
	if (!p)
		return;
	if (cfg->free)
		cfg->free(p, size, cfg->alloc_arg);
	else
		free(p);
}

#define HUGE_MAP (2u << 20) /* a transparent huge page of the host */

/*
 * The machine's big arrays, a backed machine's page contents and the
 * frames: page-aligned like real memory (the migration copy streams whole
 * cache lines), zero, and faulted in by the host only where they are
 * written, 2 MiB at a time where the host allows transparent huge pages (a
 * region touched page by page then costs one fault per 512 pages, not one
 * per page: boot writes every frame)
 */
static void *map_alloc(const struct pfnlab_config *cfg, size_t size)
{
	void *p;

	if (cfg->alloc)
		return model_alloc(cfg, size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_HUGEPAGE); /* advice only: without THP, 4 KiB faults as before */
	return p;
}

static void map_free(const struct pfnlab_config *cfg, void *p, size_t size)
{
	if (p && !cfg->alloc)
		munmap(p, size);
	else
		model_free(cfg, p, size);
}

/*
 * The frames: mapped as above when they fill a huge page at least (smaller,
 * mapping gains nothing, and heap memory keeps the sanitizers' bounds checks)
 */
static void *frames_alloc(const struct pfnlab_config *cfg, size_t size)
{
	return size < HUGE_MAP ? model_alloc(cfg, size) : map_alloc(cfg, size);
}

static void frames_free(const struct pfnlab_config *cfg, void *p, size_t size)
{
	if (size < HUGE_MAP)
		model_free(cfg, p, size);
	else
		map_free(cfg, p, size);
}

static const char *const zone_names[PFNLAB_NR_ZONES] = {"DMA", "DMA32", "Normal", "Movable"};

/* Zone boundaries in PFNs: zone t spans [lim[t], lim[t+1]). */
static void zone_limits(const struct pfnlab_machine *m, uint64_t first, uint64_t last,
			uint64_t lim[PFNLAB_NR_ZONES + 1])
{
	const struct pfnlab_config *c = &m->cfg;
	unsigned s = c->page_shift;
	uint64_t dma = c->single_zone_dma ? last : c->zone_dma_end >> s;
	uint64_t dma32 = c->single_zone_dma ? last : c->zone_dma32_end >> s;

	lim[PFNLAB_ZONE_DMA] = first;
	lim[PFNLAB_ZONE_DMA32] = dma < first ? first : dma > last ? last : dma;
	lim[PFNLAB_ZONE_NORMAL] = dma32 < lim[1] ? lim[1] : dma32 > last ? last : dma32;
	lim[PFNLAB_ZONE_MOVABLE] = last;
	lim[PFNLAB_NR_ZONES] = last;
}

static uint64_t present_between(const struct pfnlab_machine *m, uint64_t a, uint64_t b)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < m->nr_ram; i++) {
		uint64_t lo = m->ram_start[i] > a ? m->ram_start[i] : a;
		uint64_t hi = m->ram_end[i] < b ? m->ram_end[i] : b;

		n += hi > lo ? hi - lo : 0;
	}
	return n;
}

/*
 * ZONE_MOVABLE takes the top of the highest populated zone so that it
 * holds movablecore bytes (or all but kernelcore), starting on a
 * MAX_ORDER boundary, like find_zone_movable_pfns_for_nodes().
 */
static void carve_movable(struct pfnlab_machine *m, uint64_t lim[PFNLAB_NR_ZONES + 1])
{
	const struct pfnlab_config *c = &m->cfg;
	uint64_t want, total, start, align = 1ull << c->max_order;
	int top = PFNLAB_ZONE_NORMAL;

	if (!c->movablecore_bytes && !c->kernelcore_bytes)
		return;
	while (top > 0 && lim[top] == lim[top + 1])
		top--;
	total = present_between(m, lim[PFNLAB_ZONE_DMA], lim[PFNLAB_NR_ZONES]);
	want = c->movablecore_bytes ? c->movablecore_bytes >> c->page_shift
				     : total - (c->kernelcore_bytes >> c->page_shift);
	if (present_between(m, lim[top], lim[top + 1]) <= want)
		return;
	/* lowest start whose present pages up to the zone end still reach want */
	uint64_t lo = lim[top], hi = lim[top + 1];
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (present_between(m, mid, lim[top + 1]) >= want)
			lo = mid;
		else
			hi = mid;
	}
	start = (lo + align - 1) & ~(align - 1);
	if (start >= lim[top + 1])
		return;
	for (int t = top + 1; t <= PFNLAB_ZONE_MOVABLE; t++)
		lim[t] = start;
}

static void setup_zones(struct pfnlab_machine *m, uint64_t first, uint64_t last)
{
	uint64_t lim[PFNLAB_NR_ZONES + 1];

	zone_limits(m, first, last, lim);
	carve_movable(m, lim);
	m->nr_zones = 0;
	for (int t = 0; t < PFNLAB_NR_ZONES; t++) {
		uint64_t a = lim[t], b = lim[t + 1], present;
		struct zone *z;

		m->zone_of_type[t] = -1;
		if (a >= b)
			continue;
		present = present_between(m, a, b);
		if (!present)
			continue;
		/* the span is the zone's range clamped to the node, holes included */
		z = &m->zones[m->nr_zones];
		z->type = t;
		z->name = zone_names[t];
		z->start_pfn = a;
		z->spanned = b - a;
		z->present = present;
		m->zone_of_type[t] = m->nr_zones++;
	}
}

/* Record the RAM ranges in PFNs, mark holes and reserved frames; returns the first present PFN. */
static uint64_t mark_memory_map(struct pfnlab_machine *m)
{
	struct pfnlab_range r[PFNLAB_MAX_RANGES];
	unsigned n = ram_ranges(&m->cfg, r), s = m->cfg.page_shift;
	uint64_t prev_end = 0;

	m->nr_ram = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = (r[i].start + (1ull << s) - 1) >> s, b = r[i].end >> s;

		if (a >= b)
			continue;
		m->ram_start[m->nr_ram] = a;
		m->ram_end[m->nr_ram++] = b;
		for (uint64_t p = prev_end; p < a; p++)
			m->frames[p].flags = F_HOLE;
		prev_end = b;
	}
	m->reserved_end = m->cfg.reserved_low_bytes >> s;
	for (uint64_t p = 0; p < m->reserved_end && p < m->nr_pfns; p++)
		if (!(m->frames[p].flags & F_HOLE))
			m->frames[p].flags = F_RESERVED;
	return m->nr_ram ? m->ram_start[0] : 0;
}

static void init_free_lists(struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++)
		for (unsigned o = 0; o < MAX_ORDERS; o++)
			for (int t = 0; t < PFNLAB_MT_TYPES; t++)
				m->zones[i].area[o].list[t] =
					(struct free_list){.head = NIL_PFN, .tail = NIL_PFN};
}

/*
 * models memblock_free_all() -> __free_pages_core(): each run of managed
 * PFNs goes to the buddy allocator in the largest naturally aligned
 * blocks; since v5.10 to the list tail (FPI_TO_TAIL), before to the head.
 */
static void release_run(struct pfnlab_machine *m, struct zone *z, uint64_t a, uint64_t b)
{
	bool tail = m->cfg.era == PFNLAB_ERA_CURRENT;

	while (a < b) {
		unsigned o = m->cfg.max_order;

		while (o && ((a & ((1ull << o) - 1)) || a + (1ull << o) > b))
			o--;
		z->managed += 1ull << o;
		free_one_page(m, z, a, o, pb_type(m, a), tail);
		a += 1ull << o;
	}
}

static int cmp_range(const void *x, const void *y)
{
	const struct pfnlab_pfn_range *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

/* The ranges memblock kept back, sorted: CMA areas and boot gigantic pages; NULL without host memory. */
static struct pfnlab_pfn_range *boot_withheld(const struct pfnlab_machine *m, size_t *n)
{
	size_t cap = m->nr_cma + hugetlb_boot_ranges(m, NULL) + 1;
	struct pfnlab_pfn_range *r = malloc(cap * sizeof(*r));

	*n = 0;
	if (!r)
		return NULL;
	for (unsigned k = 0; k < m->nr_cma; k++)
		r[(*n)++] = (struct pfnlab_pfn_range){m->cma[k].base_pfn, m->cma[k].base_pfn + m->cma[k].count};
	*n += hugetlb_boot_ranges(m, r + *n);
	qsort(r, *n, sizeof(*r), cmp_range);
	return r;
}

static void release_zone(struct pfnlab_machine *m, struct zone *z, const struct pfnlab_pfn_range *held, size_t nheld)
{
	uint64_t zend = z->start_pfn + z->spanned;

	for (unsigned i = 0; i < m->nr_ram; i++) {
		uint64_t a = m->ram_start[i], b = m->ram_end[i];

		if (a < z->start_pfn)
			a = z->start_pfn;
		if (a < m->reserved_end)
			a = m->reserved_end;
		if (b > zend)
			b = zend;
		/* CMA areas stay reserved until cma_activate_area(), boot gigantic pages are the pool's */
		for (size_t k = 0; k < nheld && a < b; k++) {
			if (held[k].end <= a || held[k].start >= b)
				continue;
			if (a < held[k].start)
				release_run(m, z, a, held[k].start);
			a = held[k].end;
		}
		if (a < b)
			release_run(m, z, a, b);
	}
}

/*
 * models cma_activate_area() -> init_cma_reserved_pageblock(): after the
 * boot free, each CMA pageblock is freed on its own (to the CMA lists, as
 * __free_pages() does, merging where the era allows).
 */
static void activate_cma(struct pfnlab_machine *m)
{
	for (unsigned k = 0; k < m->nr_cma; k++) {
		struct zone *z = &m->zones[m->cma[k].zone];

		for (uint64_t p = m->cma[k].base_pfn; p < m->cma[k].base_pfn + m->cma[k].count; p += m->pb_pages) {
			z->managed += m->pb_pages;
			free_one_page(m, z, p, m->pb_order, PFNLAB_MT_CMA, false);
		}
	}
}

/*
 * The floors above, wired once: the slow path and the woken kernel threads
 * (the kernel's direct calls and wakeups), the exit of a killed task, the
 * hugetlb folio's destructor and hugetlbfs's evict_inode, the sources of
 * gigantic pages
 */
static void mm_hooks_setup(struct pfnlab_machine *m)
{
	m->hooks.alloc_slowpath = alloc_pages_slowpath;
	m->hooks.run_woken = kthreads_run;
	m->hooks.wakeup_kswapd = wakeup_kswapd;
	m->hooks.exit_victims = oom_reap_exiting;
	m->hooks.free_huge_folio = free_huge_page;
	m->hooks.evict_hugetlbfs = hugetlbfs_evict;
	m->hooks.alloc_gigantic = hugetlb_alloc_gigantic;
	m->hooks.free_gigantic = hugetlb_free_gigantic;
}

int pfnlab_machine_create(const struct pfnlab_config *cfg, struct pfnlab_machine **out, char *why,
			  size_t len)
{
	struct pfnlab_machine *m;
	struct pfnlab_pfn_range *held;
	size_t nheld;
	int err;

	if (!out)
		return set_why(why, len, "no place for the machine (out is NULL)"), -EINVAL;
	*out = NULL;
	err = pfnlab_config_check(cfg, why, len);
	if (err)
		return err;
	m = model_alloc(cfg, sizeof(*m));
	if (!m)
		return set_why(why, len, "out of host memory"), -ENOMEM;
	m->cfg = *cfg;
	mm_hooks_setup(m);
	m->nr_orders = cfg->max_order + 1;
	m->pb_order = cfg->pageblock_order;
	m->pb_pages = 1ull << cfg->pageblock_order;
	m->nr_pfns = max_pfn_of(cfg);
	m->nr_pageblocks = (m->nr_pfns + m->pb_pages - 1) >> m->pb_order;
	m->frames = frames_alloc(cfg, m->nr_pfns * sizeof(struct frame));
	m->pageblock = model_alloc(cfg, m->nr_pageblocks);
	if (!m->frames || !m->pageblock) {
		unsigned long long frames = m->nr_pfns;

		pfnlab_machine_destroy(m);
		return set_why(why, len, "out of host memory for %llu frames", frames), -ENOMEM;
	}
	memset(m->pageblock, PFNLAB_MT_MOVABLE, m->nr_pageblocks);
	m->thp_order = cfg->pageblock_order;
	/*
	 * 64 KiB pages are a ppc64 hash MMU's: 4 KiB PTE tables (256 entries
	 * and their hash slots), H_PTE_FRAG_NR 16 to a page; a 4 KiB page
	 * holds one table of 512 entries
	 */
	m->pte_frags = cfg->page_shift == 16 ? 16 : 1;
	m->pte_order = cfg->page_shift == 16 ? 8 : 9;
	if (cfg->backed) {
		m->ram = map_alloc(cfg, m->nr_pfns << cfg->page_shift);
		if (!m->ram) {
			pfnlab_machine_destroy(m);
			return set_why(why, len, "out of host memory for the backing arena"), -ENOMEM;
		}
	}
	setup_zones(m, mark_memory_map(m), m->nr_pfns);
	init_free_lists(m);
	hugetlb_setup_hstates(m);
	err = cma_reserve_boot(m, why, len);
	if (!err) {
		hugetlb_cma_reserve(m); /* setup_arch(), after the cma= areas */
		err = cma_activate_areas(m, why, len);
	}
	if (!err && hugetlb_boot_gigantic(m)) {
		set_why(why, len, "out of host memory for the hugetlb pool");
		err = -ENOMEM;
	}
	if (err) {
		pfnlab_machine_destroy(m);
		return err;
	}
	held = boot_withheld(m, &nheld);
	if (!held) {
		pfnlab_machine_destroy(m);
		return set_why(why, len, "out of host memory"), -ENOMEM;
	}
	for (int i = 0; i < m->nr_zones; i++)
		release_zone(m, &m->zones[i], held, nheld);
	free(held);
	activate_cma(m);
	setup_watermarks(m);
	setup_migrate_reserve(m);
	pcp_setup(m);
	page_alloc_setup(m);
	compaction_init(m);
	bh_cache_init(m);
	xa_node_cache_init(m);
	if (reclaim_setup(m)) {
		pfnlab_machine_destroy(m);
		return set_why(why, len, "out of host memory for the LRU state"), -ENOMEM;
	}
	if (hugetlb_boot_pool(m)) {
		pfnlab_machine_destroy(m);
		return set_why(why, len, "out of host memory for the hugetlb pool"), -ENOMEM;
	}
	*out = m;
	return 0;
}

void pfnlab_machine_destroy(struct pfnlab_machine *m)
{
	struct pfnlab_config cfg;

	if (!m)
		return;
	cfg = m->cfg;
	mm_free_all(m);
	mappings_free_all(m);
	slab_cache_free_all(&m->bh);
	slab_cache_free_all(&m->xa_nodes);
	pins_free_all(m);
	writeback_free_all(m);
	free(m->oom_events);
	contig_free_all(m);
	cma_free_all(m);
	map_free(&cfg, m->ram, m->nr_pfns << cfg.page_shift);
	frames_free(&cfg, m->frames, m->nr_pfns * sizeof(struct frame));
	model_free(&cfg, m->pageblock, m->nr_pageblocks);
	model_free(&cfg, m, sizeof(*m));
}

const struct pfnlab_config *pfnlab_machine_config(const struct pfnlab_machine *m)
{
	if (!m)
		return NULL;
	return &m->cfg;
}

uint64_t pfnlab_nr_pfns(const struct pfnlab_machine *m)
{
	if (!m)
		return 0;
	return m->nr_pfns;
}
