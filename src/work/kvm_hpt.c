/*
 * kvm_hpt.c - the POWER KVM hashed page table (HPT) of each guest, taken
 * from the kvm_cma area.
 *
 * Models kvm_cma_reserve() and kvm_alloc_hpt_cma() of
 * arch/powerpc/kvm/book3s_hv_builtin.c, and the two generations of the HPT
 * allocator in arch/powerpc/kvm/book3s_64_mmu_hv.c:
 *
 *   2015 (v4.2) kvmppc_alloc_hpt():  cma_alloc() from kvm_cma; if that
 *        fails, __get_free_pages(GFP_KERNEL | __GFP_ZERO | __GFP_REPEAT |
 *        __GFP_NOWARN) of the same order, then one order less,
 *        down to order 19 (PPC_MIN_HPT_ORDER + 1 is the last one tried);
 *        orders above the largest buddy block cannot succeed there, so a
 *        large HPT effectively needs kvm_cma.  The kernel returns the order
 *        it got and QEMU runs the guest with that smaller table.
 *   current (v6.1) kvmppc_allocate_hpt(): cma_alloc(), else
 *        __get_free_pages() of exactly that order (__GFP_RETRY_MAYFAIL
 *        where 2015 had __GFP_REPEAT), else -ENOMEM; QEMU then
 *        fails to start the guest ("Failed to allocate KVM HPT of order N").
 *
 * Both allocate the reverse map with vmalloc(): one 16-byte revmap_entry per
 * HPTE, as many bytes as the table itself, in order-0 GFP_KERNEL pages.
 *
 * Sizes: kvm_cma = kvm_cma_resv_ratio% of RAM (default 5), one bitmap bit
 * per 2^KVM_CMA_CHUNK_ORDER bytes (order_per_bit = 18 - PAGE_SHIFT, 2 with
 * 64K pages); an HPT of order N is 2^N bytes, aligned to HPT_ALIGN_PAGES
 * (256 KiB).  QEMU picks order = log2(pow2ceil(guest RAM)) - 7 clamped to
 * [18, 46] (spapr_hpt_shift_for_ramsize()): 1/128 of guest RAM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

#define KVM_CMA_CHUNK_ORDER 18
#define PPC_MIN_HPT_ORDER 18
#define PPC_MAX_HPT_ORDER 46
/* the HPT's __get_free_pages(): v4.2 asks __GFP_REPEAT, v6.1 __GFP_RETRY_MAYFAIL */
#define HPT_GFP_2015 (PFNLAB_GFP_KERNEL | PFNLAB___GFP_ZERO | PFNLAB___GFP_REPEAT | PFNLAB___GFP_NOWARN)
#define HPT_GFP (PFNLAB_GFP_KERNEL | PFNLAB___GFP_ZERO | PFNLAB___GFP_RETRY_MAYFAIL | PFNLAB___GFP_NOWARN)

static unsigned order_base_2(uint64_t n)
{
	unsigned o = 0;

	while ((1ull << o) < n)
		o++;
	return o;
}

/**
 * kvm_cma_declare() - declare the kvm_cma area in a machine configuration,
 * before the machine is built; models kvm_cma_reserve(),
 * arch/powerpc/kvm/book3s_hv_builtin.c.
 * @cfg: configuration (its preset and RAM already set)
 * @ratio: kvm_cma_resv_ratio, percent of RAM; 0 declares nothing
 *
 * Return: 0, -EINVAL (ratio above 100), -ENOSPC (no CMA slot left).
 */
int kvm_cma_declare(struct pfnlab_config *cfg, unsigned ratio)
{
	uint64_t page = 1ull << cfg->page_shift, size;

	if (ratio > 100)
		return -EINVAL;
	if (!ratio)
		return 0;
	if (cfg->nr_cma >= PFNLAB_MAX_CMA)
		return -ENOSPC;
	/* selected_size = PAGE_ALIGN(memblock_phys_mem_size() * kvm_cma_resv_ratio / 100) */
	size = (cfg->ram_bytes / 100 * ratio + cfg->ram_bytes % 100 * ratio / 100 + page - 1) & ~(page - 1);
	snprintf(cfg->cma[cfg->nr_cma].name, sizeof(cfg->cma[0].name), "kvm_cma");
	cfg->cma[cfg->nr_cma].size = size;
	cfg->cma[cfg->nr_cma].base = 0;
	cfg->cma[cfg->nr_cma].order_per_bit =
		cfg->page_shift < KVM_CMA_CHUNK_ORDER ? KVM_CMA_CHUNK_ORDER - cfg->page_shift : 0;
	cfg->nr_cma++;
	return 0;
}

/** kvm_boot_log() - the boot messages of kvm_cma_reserve() and cma_declare_contiguous(). */
void kvm_boot_log(struct host *h, unsigned ratio)
{
	struct pfnlab_cma_info ci;

	if (h->kvm_cma < 0 || pfnlab_cma_info(h->m, (unsigned)h->kvm_cma, &ci))
		return;
	host_log(h, "kvm_cma_reserve: reserving %llu MiB for global area",
		 (unsigned long long)((pfnlab_machine_config(h->m)->ram_bytes / 100 * ratio) >> 20));
	host_log(h, "cma: Reserved %llu MiB at 0x%016llx",
		 (unsigned long long)((ci.count << h->page_shift) >> 20),
		 (unsigned long long)(ci.base_pfn << h->page_shift));
}

/** kvm_hpt_order_for_ram() - QEMU's HPT order for a guest of @ram_bytes (spapr_hpt_shift_for_ramsize(), hw/ppc/spapr.c). */
unsigned kvm_hpt_order_for_ram(uint64_t ram_bytes)
{
	unsigned shift = order_base_2(ram_bytes ? ram_bytes : 1);

	shift = shift > 7 ? shift - 7 : 0;
	if (shift < PPC_MIN_HPT_ORDER)
		shift = PPC_MIN_HPT_ORDER;
	if (shift > PPC_MAX_HPT_ORDER)
		shift = PPC_MAX_HPT_ORDER;
	return shift;
}

/* order_base_2(HPT_ALIGN_PAGES): HPT_ALIGN_PAGES = 256 KiB in pages */
static unsigned hpt_align(const struct host *h)
{
	return h->page_shift < 18 ? 18 - h->page_shift : 0;
}

/*
 * __get_free_pages() of an HPT: orders above the largest buddy block fail;
 * so does an attempt the fault point HPT_ALLOC fails.  A block the free
 * lists lack is the slow path's to find: in 2015 (__GFP_REPEAT) direct
 * compaction, async first, then reclaim and sync compaction while
 * fewer than 2^order pages were reclaimed.
 */
static int hpt_buddy(struct host *h, unsigned order, uint64_t *pfn)
{
	const struct pfnlab_config *c = pfnlab_machine_config(h->m);

	if (order < h->page_shift || order - h->page_shift > c->max_order)
		return -ENOMEM;
	if (pfnlab_fault_should_fail(h->m, PFNLAB_FAULT_HPT_ALLOC))
		return -ENOMEM;
	return pfnlab_alloc_pages(h->m, h->hpt_fallback == HPT_FALLBACK_2015 ? HPT_GFP_2015 : HPT_GFP,
				  order - h->page_shift, pfn) ? -ENOMEM : 0;
}

static void hpt_release(struct host *h, struct hpt *t)
{
	for (uint64_t i = 0; i < t->nr_revmap; i++)
		pfnlab_free_pages(h->m, t->revmap[i], 0);
	free(t->revmap);
	t->revmap = NULL;
	t->nr_revmap = 0;
	if (t->cma)
		pfnlab_cma_release(h->m, (unsigned)h->kvm_cma, t->pfn, t->pages);
	else if (t->pages)
		pfnlab_free_pages(h->m, t->pfn, t->order - h->page_shift);
	t->present = false;
	t->pages = 0;
}

/* vmalloc(npte * sizeof(struct revmap_entry)): order-0 GFP_KERNEL pages */
static int hpt_revmap(struct host *h, struct hpt *t)
{
	uint64_t bytes = 1ull << t->order; /* 2^(order-4) entries of 16 bytes */
	uint64_t pages = (bytes + h->page_size - 1) >> h->page_shift;

	t->revmap = malloc(pages * sizeof(*t->revmap));
	if (!t->revmap)
		return -ENOMEM;
	for (t->nr_revmap = 0; t->nr_revmap < pages; t->nr_revmap++)
		if (pfnlab_alloc_pages(h->m, PFNLAB_GFP_KERNEL, 0, &t->revmap[t->nr_revmap]))
			return -ENOMEM;
	return 0;
}

/**
 * kvm_hpt_alloc() - KVM_PPC_ALLOCATE_HTAB for guest @g: the HPT from
 * kvm_cma, else the fallback of the host's era, then the reverse map;
 * models kvmppc_alloc_hpt() (v4.2) and kvmppc_allocate_hpt() (v6.1),
 * arch/powerpc/kvm/book3s_64_mmu_hv.c.
 * @h: host
 * @g: guest (g->hpt receives the table)
 * @order: the order QEMU asks for
 *
 * Return: 0 (possibly with a smaller order in 2015 mode), -EINVAL (order
 * outside [18, 46] in current mode), -ENOMEM.
 */
int kvm_hpt_alloc(struct host *h, struct guest *g, unsigned order)
{
	struct hpt *t = &g->hpt;
	long long busy0 = pfnlab_vmstat(h->m, "pfnlab_cma_busy_retry");
	uint64_t msgs0 = h->st.busy_messages, pages;
	bool era2015 = h->hpt_fallback == HPT_FALLBACK_2015;
	char sz[32];
	int err = -ENOMEM;

	h->st.hpt_requested++;
	memset(t, 0, sizeof(*t));
	t->requested = order;
	if (era2015 && order < PPC_MIN_HPT_ORDER)
		order = PPC_MIN_HPT_ORDER;
	if (order < PPC_MIN_HPT_ORDER || order > PPC_MAX_HPT_ORDER || order < h->page_shift + 2) {
		h->st.hpt_failed++;
		host_event(h, "%s: HPT order %u is outside [%d, %d]: EINVAL", g->name, order, PPC_MIN_HPT_ORDER,
			   PPC_MAX_HPT_ORDER);
		return -EINVAL;
	}
	t->lpid = h->next_lpid++;
	pages = 1ull << (order - h->page_shift);
	if (h->kvm_cma >= 0 && pfnlab_fault_should_fail(h->m, PFNLAB_FAULT_HPT_ALLOC)) {
		err = -ENOMEM; /* kvm_alloc_hpt_cma() failed without a busy range */
	} else if (h->kvm_cma >= 0) {
		host_trace_begin(h);
		err = pfnlab_cma_alloc(h->m, (unsigned)h->kvm_cma, pages, hpt_align(h), &t->pfn);
		host_trace_end(h);
	}
	if (!err) {
		t->cma = true;
	} else {
		long long busy = pfnlab_vmstat(h->m, "pfnlab_cma_busy_retry") - busy0;
		char first[200];

		if (h->kvm_cma < 0)
			snprintf(first, sizeof(first), "%s: no kvm_cma; HPT order %u (%s) from the buddy allocator",
				 g->name, order, size_str(1ull << order, sz, sizeof(sz)));
		else
			snprintf(first, sizeof(first),
				 "%s: HPT order %u (%s) from kvm_cma failed after %lld busy retries (%llu \"PFNs busy\" lines): %s",
				 g->name, order, size_str(1ull << order, sz, sizeof(sz)), busy,
				 (unsigned long long)(h->st.busy_messages - msgs0), pfnlab_strerror(err));
		err = hpt_buddy(h, order, &t->pfn);
		/* 2015: shrink the order; the loop stops before trying PPC_MIN_HPT_ORDER */
		while (err && era2015 && order > PPC_MIN_HPT_ORDER) {
			order--;
			if (order > PPC_MIN_HPT_ORDER)
				err = hpt_buddy(h, order, &t->pfn);
		}
		if (err) {
			unsigned top = pfnlab_machine_config(h->m)->max_order + h->page_shift;

			h->st.hpt_failed++;
			if (era2015)
				host_event(h, "%s; the buddy allocator had no block of order %u down to %u either: ENOMEM", first,
					   top < t->requested ? top - h->page_shift : t->requested - h->page_shift,
					   PPC_MIN_HPT_ORDER + 1 - h->page_shift);
			else if (t->requested > top)
				host_event(h, "%s; order %u is above the largest buddy block (%s): ENOMEM", first,
					   t->requested - h->page_shift, size_str(1ull << top, sz, sizeof(sz)));
			else
				host_event(h, "%s; the buddy allocator has no free block of that order either: ENOMEM", first);
			return -ENOMEM;
		}
		pages = 1ull << (order - h->page_shift);
		host_event(h, "%s; fell back to order %u (%s) from the buddy allocator", first, order,
			   size_str(1ull << order, sz, sizeof(sz)));
	}
	t->present = true;
	t->order = order;
	t->pages = pages;
	if (hpt_revmap(h, t)) {
		hpt_release(h, t);
		h->st.hpt_failed++;
		host_event(h, "%s: HPT reverse map (vmalloc of %s) failed: ENOMEM", g->name,
			   size_str(1ull << order, sz, sizeof(sz)));
		return -ENOMEM;
	}
	if (t->cma && order == t->requested)
		h->st.hpt_ok++;
	else
		h->st.hpt_fallback++;
	if (pfnlab_machine_config(h->m)->era == PFNLAB_ERA_2015)
		host_log(h, "KVM guest htab at %llx (order %u), LPID %x",
			 0xc000000000000000ull | (t->pfn << h->page_shift), order, t->lpid);
	return 0;
}

/** kvm_hpt_free() - the table and its reverse map go back; models kvmppc_free_hpt(), book3s_64_mmu_hv.c. */
void kvm_hpt_free(struct host *h, struct guest *g)
{
	if (g->hpt.present || g->hpt.nr_revmap)
		hpt_release(h, &g->hpt);
}
