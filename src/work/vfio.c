/*
 * vfio.c - VFIO pass-through: the type1 IOMMU container and the POWER SPAPR
 * TCE "register memory" path, both pinning guest RAM long-term.
 *
 * Models, from drivers/vfio/vfio_iommu_type1.c: vfio_dma_do_map() (its
 * validation: -EINVAL for unaligned, empty or wrapping ranges and IOVAs
 * outside the aperture or in a reserved region, -EEXIST for an overlap,
 * -ENOSPC past dma_entry_limit mappings, a module parameter of 65535 by
 * default), vfio_pin_map_dma() and
 * vfio_pin_pages_remote() (pin in batches of PAGE_SIZE / sizeof(struct page *)
 * pages with FOLL_LONGTERM, hand physically contiguous runs to iommu_map(),
 * RLIMIT_MEMLOCK checked page by page with the kernel's warning and
 * -ENOMEM, everything unpinned when a map fails), vfio_dma_do_unmap() (v2:
 * a range may not bisect a mapping) and vfio_unmap_unpin().
 *
 * From drivers/vfio/vfio_iommu_spapr_tce.c and
 * arch/powerpc/mm/book3s64/iommu_api.c: tce_iommu_register_pages() ->
 * mm_iommu_do_alloc() (locked_vm accounted first, -ENOMEM over the limit;
 * pin_user_pages(FOLL_WRITE | FOLL_LONGTERM) in chunks of
 * (PAGE_SIZE << (MAX_ORDER - 1)) / sizeof(void *) entries; -EINVAL for a
 * region overlapping another, -EBUSY when the same region is registered
 * twice) and tce_iommu_unregister_pages().  This is the path of the seed
 * thread: QEMU pre-registers all guest RAM when a device is attached.
 *
 * Every pin goes through pfnlab_pin(), so the machine's long-term pin
 * policy (none, rfc2015, migrate-cma, migrate-movable, pin-aware) decides
 * whether pages in CMA are migrated first.  The pinner is named
 * "VFIO container of guest <name>" in culprit reports.
 *
 * Simplified: one container per guest; the IOMMU page size is the host
 * page size; the aperture is [0, 2^48) (x86 also reserves the MSI window
 * 0xfee00000-0xfeefffff); IOMMU page tables take no memory; a batch that
 * crosses RLIMIT_MEMLOCK is refused whole (the kernel pins it, then
 * unpins it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

#define IOVA_APERTURE (1ull << 48)
#define X86_MSI_START 0xfee00000ull
#define X86_MSI_END   0xfeefffffull

static void pinner_name(const struct guest *g, char *buf, size_t len)
{
	snprintf(buf, len, "VFIO container of guest %.23s", g->name);
}

/* The 2015 and current names of the function that warns about RLIMIT_MEMLOCK. */
static const char *memlock_func(const struct host *h)
{
	return pfnlab_machine_config(h->m)->era == PFNLAB_ERA_2015 ? "vfio_pin_pages" : "vfio_pin_pages_remote";
}

static void type1_init(struct host *h, struct guest *g)
{
	if (g->has_type1)
		return;
	g->has_type1 = true;
	g->type1.dma_avail = h->dma_entry_limit ? h->dma_entry_limit : VFIO_DMA_ENTRY_LIMIT;
	g->type1.pgsize = h->page_size;
}

/* First mapping whose end is above @iova (binary search). */
static unsigned dma_lower(const struct vfio_type1 *c, uint64_t iova)
{
	unsigned lo = 0, hi = c->nr;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (c->dma[mid].iova + c->dma[mid].size <= iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* vfio_iommu_iova_dma_valid(): inside the aperture, outside reserved regions. */
static bool iova_valid(const struct host *h, uint64_t iova, uint64_t last)
{
	if (last >= IOVA_APERTURE)
		return false;
	if (strcmp(pfnlab_machine_config(h->m)->preset, "x86_64") == 0 && iova <= X86_MSI_END &&
	    last >= X86_MSI_START)
		return false;
	return true;
}

/*
 * models vfio_iommu_map(): one iommu_map() per physically contiguous run of
 * a pinned batch, counted in @d->chunks.  A map can fail (fault point
 * IOMMU_MAP; the kernel's -ENOMEM from the IOMMU page-table allocation).
 */
static int iommu_map_runs(struct host *h, struct vfio_dma *d, const uint64_t *pfns, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		if (i && pfns[i] == pfns[i - 1] + 1)
			continue;
		if (pfnlab_fault_should_fail(h->m, PFNLAB_FAULT_IOMMU_MAP))
			return -ENOMEM;
		d->chunks++;
	}
	return 0;
}

/*
 * models vfio_pin_map_dma(): pin @d's range batch by batch and map each
 * batch, accounting locked_vm; on failure everything pinned is unpinned.
 * *@step names the step that failed ("pinning" or "mapping").
 */
static int pin_map_dma(struct host *h, struct guest *g, struct vfio_dma *d, const char **step)
{
	uint64_t batch = h->page_size / 8, total = d->size >> h->page_shift, done = 0, acct = 0;
	uint64_t *pfns = malloc((batch < total ? batch : total) * sizeof(*pfns));
	char pinner[48];
	int err = 0;

	if (!pfns)
		return -ENOMEM;
	pinner_name(g, pinner, sizeof(pinner));
	while (done < total) {
		uint64_t n = total - done < batch ? total - done : batch;

		if (g->memlock && g->locked_vm + acct + n > g->memlock) {
			host_log(h, "%s: RLIMIT_MEMLOCK (%llu) exceeded", memlock_func(h),
				 (unsigned long long)(g->memlock << h->page_shift));
			h->st.memlock_exceeded++;
			err = -ENOMEM;
			break;
		}
		err = pin_set_add(h, g, &d->pins, d->vaddr + (done << h->page_shift), n,
				  d->prot & VFIO_DMA_MAP_FLAG_WRITE, true, pinner, pfns);
		if (err)
			break;
		*step = "mapping in the IOMMU";
		err = iommu_map_runs(h, d, pfns, n);
		if (err)
			break;
		*step = "pinning";
		acct += n;
		done += n;
	}
	free(pfns);
	if (err) {
		pin_set_drop(h, g, &d->pins, true);
		return err;
	}
	g->locked_vm += acct;
	return 0;
}

/**
 * vfio_map_dma() - VFIO_IOMMU_MAP_DMA on guest @g's type1 container;
 * models vfio_dma_do_map(), drivers/vfio/vfio_iommu_type1.c.
 * @h: host
 * @g: guest (its QEMU process owns the container)
 * @iova: I/O virtual address
 * @vaddr: QEMU virtual address of the memory
 * @size: bytes
 * @flags: VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE
 * @why: receives the reason of a validation error (may be NULL)
 * @len: size of @why
 *
 * Return: 0, -EINVAL, -EEXIST, -ENOSPC, -EFAULT (memory not mapped),
 * -ENOMEM (RLIMIT_MEMLOCK, the pin policy could not move pages, or
 * iommu_map() failed).
 */
int vfio_map_dma(struct host *h, struct guest *g, uint64_t iova, uint64_t vaddr, uint64_t size,
		 unsigned flags, char *why, size_t len)
{
	struct vfio_type1 *c = &g->type1;
	struct vfio_dma *d;
	const char *step = "pinning";
	unsigned at;
	char a[32];
	int err;

	type1_init(h, g);
	if (!(flags & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)))
		return set_why(why, len, "neither the READ nor the WRITE flag"), -EINVAL;
	if (!size || ((size | iova | vaddr) & (c->pgsize - 1)))
		return set_why(why, len, "iova 0x%llx, vaddr 0x%llx and size 0x%llx must be non-zero multiples of the IOMMU page size %s",
			       (unsigned long long)iova, (unsigned long long)vaddr, (unsigned long long)size,
			       size_str(c->pgsize, a, sizeof(a))), -EINVAL;
	if (iova + size - 1 < iova || vaddr + size - 1 < vaddr)
		return set_why(why, len, "the range wraps around"), -EINVAL;
	at = dma_lower(c, iova);
	if (at < c->nr && c->dma[at].iova < iova + size)
		return set_why(why, len, "[0x%llx, 0x%llx) overlaps the mapping at iova 0x%llx",
			       (unsigned long long)iova, (unsigned long long)(iova + size),
			       (unsigned long long)c->dma[at].iova), -EEXIST;
	if (!c->dma_avail)
		return set_why(why, len, "the container already holds dma_entry_limit (%u) mappings",
			       h->dma_entry_limit ? h->dma_entry_limit : VFIO_DMA_ENTRY_LIMIT), -ENOSPC;
	if (!iova_valid(h, iova, iova + size - 1))
		return set_why(why, len, "iova range [0x%llx, 0x%llx) is outside the IOMMU aperture or reserved",
			       (unsigned long long)iova, (unsigned long long)(iova + size)), -EINVAL;
	if (c->nr == c->cap) {
		unsigned cap = c->cap ? c->cap * 2 : 4;
		struct vfio_dma *n = realloc(c->dma, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->dma = n;
		c->cap = cap;
	}
	memmove(&c->dma[at + 1], &c->dma[at], (c->nr - at) * sizeof(*d));
	d = &c->dma[at];
	*d = (struct vfio_dma){.iova = iova, .vaddr = vaddr, .size = size,
			       .prot = flags & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)};
	c->nr++;
	c->dma_avail--;
	err = pin_map_dma(h, g, d, &step);
	if (err) {
		/* vfio_remove_dma(): everything mapped so far goes */
		memmove(&c->dma[at], &c->dma[at + 1], (c->nr - at - 1) * sizeof(*d));
		c->nr--;
		c->dma_avail++;
		h->st.vfio_map_failed++;
		set_why(why, len, "%s %s of guest RAM failed", step, size_str(size, a, sizeof(a)));
		return err;
	}
	h->st.vfio_maps++;
	return 0;
}

/* models vfio_remove_dma() of mappings [i, j): unpin, unaccount, unlink */
static void remove_dmas(struct host *h, struct guest *g, unsigned i, unsigned j)
{
	struct vfio_type1 *c = &g->type1;

	for (unsigned k = i; k < j; k++) {
		g->locked_vm -= c->dma[k].size >> h->page_shift;
		pin_set_release(h, g, &c->dma[k].pins);
	}
	memmove(&c->dma[i], &c->dma[j], (c->nr - j) * sizeof(c->dma[0]));
	c->nr -= j - i;
	c->dma_avail += j - i;
	h->st.vfio_unmaps += j - i;
}

/**
 * vfio_unmap_dma() - VFIO_IOMMU_UNMAP_DMA (v2): remove and unpin every
 * mapping inside [@iova, @iova + @size); models vfio_dma_do_unmap(),
 * drivers/vfio/vfio_iommu_type1.c.
 * @unmapped: receives the bytes unmapped (0 when nothing was mapped there)
 *
 * Return: 0, or -EINVAL (unaligned, empty, or bisecting a mapping).
 */
int vfio_unmap_dma(struct host *h, struct guest *g, uint64_t iova, uint64_t size, uint64_t *unmapped,
		   char *why, size_t len)
{
	struct vfio_type1 *c = &g->type1;
	uint64_t end = iova + size;
	unsigned i, j = 0;

	*unmapped = 0;
	type1_init(h, g);
	if (!size || ((iova | size) & (c->pgsize - 1)) || end < iova)
		return set_why(why, len, "iova 0x%llx and size 0x%llx must be non-zero multiples of the IOMMU page size",
			       (unsigned long long)iova, (unsigned long long)size), -EINVAL;
	i = dma_lower(c, iova);
	if (i < c->nr && c->dma[i].iova < iova)
		return set_why(why, len, "iova 0x%llx bisects the mapping [0x%llx, 0x%llx)", (unsigned long long)iova,
			       (unsigned long long)c->dma[i].iova,
			       (unsigned long long)(c->dma[i].iova + c->dma[i].size)), -EINVAL;
	for (unsigned k = i; k < c->nr && c->dma[k].iova < end; k++)
		if (c->dma[k].iova + c->dma[k].size > end)
			return set_why(why, len, "the end 0x%llx bisects the mapping [0x%llx, 0x%llx)",
				       (unsigned long long)end, (unsigned long long)c->dma[k].iova,
				       (unsigned long long)(c->dma[k].iova + c->dma[k].size)), -EINVAL;
	for (unsigned k = i; k < c->nr && c->dma[k].iova < end; k++) {
		*unmapped += c->dma[k].size;
		j = k + 1;
	}
	if (*unmapped)
		remove_dmas(h, g, i, j);
	return 0;
}

/**
 * spapr_register() - VFIO_IOMMU_SPAPR_REGISTER_MEMORY: pre-register (pin
 * long-term) [@vaddr, @vaddr + @size) of @g's QEMU process; models
 * tce_iommu_register_pages() and mm_iommu_do_alloc(),
 * arch/powerpc/mm/book3s64/iommu_api.c.
 *
 * Return: 0, -EINVAL (unaligned, empty, wrapping, overlapping another
 * region), -EBUSY (registered already), -ENOMEM (RLIMIT_MEMLOCK, or the
 * pin policy failed), -EFAULT (memory not mapped).
 */
int spapr_register(struct host *h, struct guest *g, uint64_t vaddr, uint64_t size, char *why, size_t len)
{
	const struct pfnlab_config *cfg = pfnlab_machine_config(h->m);
	uint64_t entries = size >> h->page_shift, chunk = (h->page_size << cfg->max_order) / 8;
	struct spapr_mem mem = {.ua = vaddr, .entries = entries};
	char pinner[48];
	int err = 0;

	if (!size || ((vaddr | size) & (h->page_size - 1)) || vaddr + size < vaddr)
		return set_why(why, len, "vaddr 0x%llx and size 0x%llx must be non-zero multiples of the page size",
			       (unsigned long long)vaddr, (unsigned long long)size), -EINVAL;
	for (unsigned i = 0; i < g->nr_spapr; i++)
		if (g->spapr[i].ua == vaddr && g->spapr[i].entries == entries)
			return set_why(why, len, "[0x%llx, 0x%llx) is registered already", (unsigned long long)vaddr,
				       (unsigned long long)(vaddr + size)), -EBUSY;
	/* mm_iommu_adjust_locked_vm(): the whole region is accounted up front */
	if (g->memlock && g->locked_vm + entries > g->memlock) {
		h->st.memlock_exceeded++;
		h->st.spapr_reg_failed++;
		set_why(why, len, "locked_vm would exceed RLIMIT_MEMLOCK");
		return -ENOMEM;
	}
	if (g->nr_spapr == g->cap_spapr) {
		unsigned cap = g->cap_spapr ? g->cap_spapr * 2 : 2;
		struct spapr_mem *n = realloc(g->spapr, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->spapr = n;
		g->cap_spapr = cap;
	}
	pinner_name(g, pinner, sizeof(pinner));
	for (uint64_t e = 0; e < entries && !err; e += chunk) {
		uint64_t n = entries - e < chunk ? entries - e : chunk;

		err = pin_set_add(h, g, &mem.pins, vaddr + (e << h->page_shift), n, true, true, pinner, NULL);
	}
	/* the overlap check comes after pinning in mm_iommu_do_alloc() */
	for (unsigned i = 0; i < g->nr_spapr && !err; i++)
		if (g->spapr[i].ua < vaddr + size && vaddr < g->spapr[i].ua + (g->spapr[i].entries << h->page_shift)) {
			set_why(why, len, "[0x%llx, 0x%llx) overlaps a registered region", (unsigned long long)vaddr,
				(unsigned long long)(vaddr + size));
			err = -EINVAL;
		}
	if (err) {
		pin_set_drop(h, g, &mem.pins, true);
		h->st.spapr_reg_failed++;
		if (err != -EINVAL)
			set_why(why, len, "pinning %s of guest RAM failed", size_str(size, pinner, sizeof(pinner)));
		return err;
	}
	g->locked_vm += entries;
	g->spapr[g->nr_spapr++] = mem;
	h->st.spapr_regs++;
	return 0;
}

/**
 * spapr_unregister() - VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY of exactly a
 * registered region; models tce_iommu_unregister_pages() and mm_iommu_put().
 *
 * Return: 0, -EINVAL (unaligned), -ENOENT (no such region).
 */
int spapr_unregister(struct host *h, struct guest *g, uint64_t vaddr, uint64_t size, char *why, size_t len)
{
	if ((vaddr | size) & (h->page_size - 1))
		return set_why(why, len, "vaddr 0x%llx and size 0x%llx must be multiples of the page size",
			       (unsigned long long)vaddr, (unsigned long long)size), -EINVAL;
	for (unsigned i = 0; i < g->nr_spapr; i++) {
		struct spapr_mem *s = &g->spapr[i];

		if (s->ua != vaddr || s->entries != size >> h->page_shift)
			continue;
		g->locked_vm -= s->entries;
		pin_set_release(h, g, &s->pins);
		g->spapr[i] = g->spapr[--g->nr_spapr];
		return 0;
	}
	return set_why(why, len, "[0x%llx, 0x%llx) is not registered", (unsigned long long)vaddr,
		       (unsigned long long)(vaddr + size)), -ENOENT;
}

/**
 * vfio_hotplug() - a VFIO device added to a running guest: QEMU maps all
 * guest RAM (type1 MAP_DMA at iova 0) or pre-registers it (SPAPR).
 * @spapr: the POWER SPAPR TCE path instead of type1
 *
 * Return: 0, -EEXIST (the guest has a device already), or the error of
 * the map or registration (the device is not added then).
 */
int vfio_hotplug(struct host *h, struct guest *g, bool spapr, char *why, size_t len)
{
	char a[32];
	int err;

	if ((g->has_type1 && g->type1.nr) || g->nr_spapr)
		return set_why(why, len, "guest %s has a VFIO device already", g->name), -EEXIST;
	/* QEMU now knows this guest's RAM will be pinned */
	pfnlab_mm_set_pin_aware(h->m, g->mm, true);
	if (spapr)
		err = spapr_register(h, g, GUEST_RAM_HVA, g->ram, why, len);
	else
		err = vfio_map_dma(h, g, 0, GUEST_RAM_HVA, g->ram, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
				   why, len);
	if (!err) {
		h->st.guests_vfio++;
		g->touched = g->ram; /* pinning faulted everything in */
		return 0;
	}
	host_event(h, "%s: VFIO device not added: %s of %s guest RAM failed: %s", g->name,
		   spapr ? "VFIO_IOMMU_SPAPR_REGISTER_MEMORY" : "VFIO_IOMMU_MAP_DMA", size_str(g->ram, a, sizeof(a)),
		   pfnlab_strerror(err));
	return err;
}

/** vfio_unplug() - the device goes: every mapping and registration is unpinned (vfio_iommu_type1_release()). */
void vfio_unplug(struct host *h, struct guest *g)
{
	if (g->has_type1 && g->type1.nr)
		remove_dmas(h, g, 0, g->type1.nr);
	free(g->type1.dma);
	g->type1 = (struct vfio_type1){0};
	g->has_type1 = false;
	for (unsigned i = 0; i < g->nr_spapr; i++) {
		g->locked_vm -= g->spapr[i].entries;
		pin_set_release(h, g, &g->spapr[i].pins);
	}
	free(g->spapr);
	g->spapr = NULL;
	g->nr_spapr = g->cap_spapr = 0;
}
