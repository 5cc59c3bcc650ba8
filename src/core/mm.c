/*
 * mm.c - address spaces: anonymous and file mappings, faults, unmapping,
 * get_user_pages, and page contents in backed mode.
 *
 * Models mmap()/munmap() of private anonymous memory and of files,
 * handle_mm_fault() (do_anonymous_page() and do_huge_pmd_anonymous_page():
 * a THP when the mapping allows it, the aligned span is inside it and a
 * huge block is free, otherwise an order-0 page), exit_mmap(), and
 * __get_user_pages() (pfnlab_gup(): fault the range in, then a reference
 * on each page; 6.1's follow_hugetlb_page() refusing a long-term pin of a
 * hugetlb page in CMA, whose WARNING is printed without its offsets,
 * registers and call trace, and the pages before it are released at once
 * where the kernel first offers them to check_and_migrate_movable_pages()).
 *
 * The page tables are pgtable.c's; file and memfd mappings fault through
 * filemap.c (filemap_fault()); references are rmap.c's.  mm.c calls those
 * three, none of them calls mm.c.
 *
 * A new anonymous folio joins the LRU (folio_add_lru(), swap.c).  With
 * swap, a page reclaim swapped out leaves a swap entry (PTE_SWAP) in its
 * PTE, and the next fault reads it back (do_swap_page(), as on a
 * synchronous device like zram: the page leaves swap at once).
 *
 * Faults, writes and pins of a space run as its task (current, for the
 * OOM killer: task_enter()/task_leave()); if the OOM killer picks that
 * task meanwhile, the faults stop (-EINTR) and the task exits when the
 * operation returns (the machine's hooks.exit_victims, oom_kill.c).
 *
 * Simplified: no COW after fork; munmap() takes whole mappings;
 * pfnlab_mm_touch() faults file pages for reading (anonymous pages are
 * always written: there is no zero page).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const struct mm *mm_get_const(const struct pfnlab_machine *m, unsigned id)
{
	return mm_get((struct pfnlab_machine *)m, id);
}

int pfnlab_mm_create(struct pfnlab_machine *m, const char *name, unsigned *id)
{
	struct mm *mm;
	unsigned slot;

	if (!m || !name || !id)
		return -EINVAL;
	if (m->nr_mms == m->cap_mms) {
		unsigned cap = m->cap_mms ? m->cap_mms * 2 : 16;
		struct mm *n = realloc(m->mms, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		m->mms = n;
		m->cap_mms = cap;
	}
	slot = m->nr_mms++;
	mm = &m->mms[slot];
	memset(mm, 0, sizeof(*mm));
	mm->live = true;
	snprintf(mm->name, sizeof(mm->name), "%s", name ? name : "");
	memcpy(mm->comm, mm->name, sizeof(mm->comm) - 1); /* the task: see pfnlab_mm_set_task() */
	mm->pid = (int)slot + 2;
	*id = slot + 1;
	return 0;
}

static bool range_pages(const struct pfnlab_machine *m, uint64_t addr, uint64_t len, uint64_t *vpn,
			uint64_t *pages)
{
	uint64_t mask = (1ull << m->cfg.page_shift) - 1;

	if ((addr & mask) || (len & mask) || !len || addr + len < addr)
		return false;
	*vpn = addr >> m->cfg.page_shift;
	*pages = len >> m->cfg.page_shift;
	return *vpn + *pages <= (1ull << 32) - 1;
}

int pfnlab_mm_map(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t len, unsigned flags)
{
	if (!m)
		return -EINVAL;
	struct mm *mm = mm_get(m, id);
	uint64_t vpn, pages, nchunks;
	unsigned i;
	struct vma *v;

	if (!mm)
		return -ENOENT;
	if (!range_pages(m, addr, len, &vpn, &pages))
		return -EINVAL;
	{
		unsigned lo = 0, hi = mm->nr_vmas;

		while (lo < hi) { /* the first mapping starting at or after vpn */
			unsigned mid = (lo + hi) / 2;

			if (mm->vmas[mid].start < vpn)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
	}
	if ((i < mm->nr_vmas && mm->vmas[i].start < vpn + pages) ||
	    (i > 0 && mm->vmas[i - 1].start + mm->vmas[i - 1].pages > vpn))
		return -EEXIST;
	if (mm->nr_vmas == mm->cap_vmas) {
		unsigned cap = mm->cap_vmas ? mm->cap_vmas * 2 : 4;
		struct vma *n = realloc(mm->vmas, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		mm->vmas = n;
		mm->cap_vmas = cap;
	}
	nchunks = (pages + (1ull << m->thp_order) - 1) >> m->thp_order;
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nr_vmas - i) * sizeof(*v));
	v = &mm->vmas[i];
	*v = (struct vma){.start = vpn, .pages = pages, .thp = flags & PFNLAB_MAP_THP,
			  .no_tables = (flags & PFNLAB_MAP_NOPGTABLE) || !m->cfg.pgtables};
	/* the table slots after the chunks */
	v->chunks = calloc(1, nchunks * sizeof(*v->chunks) + vma_table_spans(m, v) * sizeof(*v->tables));
	v->tables = v->chunks ? (uint32_t *)(v->chunks + nchunks) : NULL;
	if (!v->chunks) {
		memmove(&mm->vmas[i], &mm->vmas[i + 1], (mm->nr_vmas - i) * sizeof(*v));
		return -ENOMEM;
	}
	mm->nr_vmas++;
	return 0;
}

int pfnlab_mm_map_file(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t len, unsigned file,
		       uint64_t off, unsigned flags)
{
	if (!m)
		return -EINVAL;
	struct mapping *mp = mapping_get(m, file);
	struct mm *mm = mm_get(m, id);
	uint64_t psize = 1ull << m->cfg.page_shift, vpn = addr >> m->cfg.page_shift;
	uint64_t pages = len >> m->cfg.page_shift, pgoff = off >> m->cfg.page_shift;
	struct vma *v = NULL;
	unsigned huge = 0;
	int err;

	if (!mm || !mp)
		return -ENOENT;
	if ((off & (psize - 1)) || !len || (len & (psize - 1)) || pgoff + pages > mp->nr_pages ||
	    flags & ~PFNLAB_MAP_SHARED)
		return -EINVAL;
	if (mp->fs == PFNLAB_FS_HUGETLBFS) { /* hugetlbfs_file_mmap(): whole huge pages, shared (COW not modelled) */
		huge = m->hugetlb.hstates[mp->hstate].order;
		if (((vpn | pages | pgoff) & ((1ull << huge) - 1)) || !(flags & PFNLAB_MAP_SHARED))
			return -EINVAL;
	}
	err = pfnlab_mm_map(m, id, addr, len, 0);
	if (err)
		return err;
	if (huge) /* the mmap reserves the pool's pages */
		err = hugetlb_reserve_pages(m, mp, pgoff, pages);
	if (!err)
		err = mapping_add_mapper(mp, id, vpn, pgoff, pages, flags & PFNLAB_MAP_SHARED);
	if (err) {
		pfnlab_mm_unmap(m, id, addr, len);
		return err;
	}
	for (unsigned i = 0; i < mm->nr_vmas && !v; i++)
		if (mm->vmas[i].start == vpn)
			v = &mm->vmas[i];
	if (!v)
		return -EINVAL; /* pfnlab_mm_map() put it there */
	v->mapping = file;
	v->pgoff = pgoff;
	v->shared = flags & PFNLAB_MAP_SHARED;
	v->huge_order = huge;
	v->no_tables |= huge != 0; /* PMD-mapped: no PTE table */
	return 0;
}

/* Give a fresh anonymous folio to (mm, vpn): the rmap lives in the head frame. */
static void set_anon(struct pfnlab_machine *m, unsigned id, uint64_t head, uint64_t vpn)
{
	struct frame *f = &m->frames[head];

	f->flags |= F_ANON;
	f->next = id;
	f->prev = (uint32_t)vpn;
	f->mt = 1; /* mapcount */
	if (m->ram) /* anonymous faults hand out zeroed pages */
		memset(m->ram + (head << m->cfg.page_shift), 0, (size_t)1 << (m->cfg.page_shift + f->order));
	folio_add_lru(m, head);
	if (m->swap_pages) /* the faulting access set the PTE's accessed bit */
		folio_mark_young(m, head);
}

/* models do_swap_page(): read the swapped-out page back into a new anonymous page */
static long swap_in(struct pfnlab_machine *m, unsigned id, struct mm *mm, uint64_t vpn, uint32_t *pte,
		    pfnlab_gfp_t strip)
{
	uint64_t pfn = alloc_frames(m, PFNLAB_GFP_HIGHUSER_MOVABLE & ~strip, 0);

	if (pfn == NIL_PFN)
		return -ENOMEM;
	set_anon(m, id, pfn, vpn);
	*pte = (uint32_t)(pfn + 1);
	mm->rss++;
	mm->swapents--;
	swap_free_slot(m);
	m->vm[VM_PSWPIN]++;
	return 1;
}

/* models do_huge_pmd_anonymous_page(): all of the aligned span free and inside the mapping */
/*
 * models do_huge_pmd_anonymous_page(): the THP, then its deposited PTE
 * table; pages mapped, 0 to fall back to a base page, -ENOMEM
 */
static long try_thp(struct pfnlab_machine *m, unsigned id, struct mm *mm, struct vma *v, uint64_t vpn,
		    pfnlab_gfp_t strip)
{
	uint64_t span = 1ull << m->thp_order, base = vpn & ~(span - 1), pfn;
	uint32_t *pte;

	/* page-table chunks start at the mapping: a THP needs the mapping span-aligned */
	if (!v->thp || (v->start & (span - 1)) || base < v->start || base + span > v->start + v->pages)
		return 0;
	pte = mm_pte(m, mm, base, true);
	if (!pte)
		return 0;
	if (!pte_none_range(pte, span))
		return 0;
	pfn = alloc_frames(m, PFNLAB_GFP_TRANSHUGE_LIGHT & ~strip, m->thp_order);
	if (pfn == NIL_PFN)
		return 0;
	if (pte_table_ensure(m, id, v, base)) {
		free_frames(m, pfn, m->thp_order);
		return -ENOMEM;
	}
	set_anon(m, id, pfn, base);
	pte_set_range(pte, span, pfn);
	mm->rss += span;
	return (long)span;
}

/* models handle_mm_fault(); returns pages mapped, -EFAULT or -ENOMEM */
static long fault_page(struct pfnlab_machine *m, unsigned id, struct mm *mm, uint64_t vpn, bool write)
{
	struct vma *v = mm_find_vma(mm, vpn);
	uint32_t *pte;
	bool aware = mm->pin_aware && m->cfg.pin_policy == PFNLAB_PIN_AWARE;
	/* pin-aware: no CMA, no ZONE_MOVABLE (Normal at most), still movable */
	pfnlab_gfp_t strip = aware ? PFNLAB___GFP_HIGHMEM : 0;
	unsigned saved = m->memalloc_flags;
	uint64_t pfn;
	long r;

	if (v->huge_order)
		return hugetlb_fault(m, mm, v, vpn);
	pte = v->mapping ? mm_pte(m, mm, vpn, false) : mm_pte(m, mm, vpn, true);
	if (pte && *pte == PTE_SWAP) { /* a swapped-out anonymous page (also a COW copy of a file page) */
		if (aware)
			m->memalloc_flags |= MEMALLOC_NOCMA;
		r = swap_in(m, id, mm, vpn, pte, strip);
		m->memalloc_flags = saved;
		return r;
	}
	if (v->mapping)
		return filemap_fault(m, id, mm, v, vpn, write);
	if (!pte)
		return -ENOMEM;
	if (*pte)
		return 0;
	if (aware)
		m->memalloc_flags |= MEMALLOC_NOCMA;
	r = try_thp(m, id, mm, v, vpn, strip);
	if (r) {
		m->memalloc_flags = saved;
		return r;
	}
	/* do_anonymous_page(): the PTE table first, then the page */
	pfn = pte_table_ensure(m, id, v, vpn) ? NIL_PFN : alloc_frames(m, PFNLAB_GFP_HIGHUSER_MOVABLE & ~strip, 0);
	m->memalloc_flags = saved;
	if (pfn == NIL_PFN)
		return -ENOMEM;
	set_anon(m, id, pfn, vpn);
	*pte = (uint32_t)(pfn + 1);
	mm->rss++;
	return 1;
}

static bool range_mapped(const struct mm *mm, uint64_t vpn, uint64_t pages)
{
	while (pages) {
		const struct vma *v = mm_find_vma(mm, vpn);
		uint64_t n;

		if (!v)
			return false;
		n = v->start + v->pages - vpn;
		if (n >= pages)
			return true;
		vpn += n;
		pages -= n;
	}
	return true;
}

/* Fault in every page of [addr, addr + len), for writing if @write. */
int mm_fault_range(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t len, bool write,
		   uint64_t *faulted)
{
	struct mm *mm = mm_get(m, id);
	uint64_t vpn, pages, done = 0;

	if (faulted)
		*faulted = 0;
	if (!mm)
		return -ENOENT;
	if (!range_pages(m, addr, len, &vpn, &pages) || !range_mapped(mm, vpn, pages))
		return -EFAULT;
	for (uint64_t p = vpn; p < vpn + pages; p++) {
		long r = mm->oom_victim ? -EINTR : fault_page(m, id, mm, p, write);
		const struct vma *v;
		uint64_t mask;
		uint32_t *pte;

		if (r < 0) {
			if (faulted)
				*faulted = done;
			return (int)r;
		}
		done += (uint64_t)r;
		v = mm_find_vma(mm, p);
		if (v->huge_order) { /* hugetlbfs maps whole huge pages (the mapping is aligned to them) */
			p |= (1ull << v->huge_order) - 1;
			continue;
		}
		/* a huge page mapped from its first page on: skip the rest of it */
		mask = (1ull << m->thp_order) - 1;
		pte = (p & mask) || ((p - v->start) & mask) ? NULL : mm_pte(m, mm, p, false);
		if (pte && *pte && *pte != PTE_SWAP && (m->frames[*pte - 1].flags & F_ALLOC) &&
		    m->frames[*pte - 1].order == m->thp_order &&
		    pte[(1ull << m->thp_order) - 1] == *pte + (1u << m->thp_order) - 1)
			p += (1ull << m->thp_order) - 1;
	}
	if (faulted)
		*faulted = done;
	return 0;
}

/*
 * The operations of space @id run as its task (current) until
 * task_leave(); returns the task to restore
 */
unsigned task_enter(struct pfnlab_machine *m, unsigned id)
{
	unsigned prev = m->current_mm;

	m->current_mm = id;
	m->task_depth++;
	return prev;
}

/*
 * The operation is over: current is @prev again; a victim it left behind
 * exits, as a killed task does on its way back to user space
 */
void task_leave(struct pfnlab_machine *m, unsigned prev)
{
	m->current_mm = prev;
	if (!--m->task_depth && m->oom_victims)
		m->hooks.exit_victims(m);
}

int pfnlab_mm_touch(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t len, uint64_t *faulted)
{
	if (!m)
		return -EINVAL;
	unsigned prev = task_enter(m, id);
	int err = mm_fault_range(m, id, addr, len, false, faulted);

	task_leave(m, prev);
	return err;
}

int pfnlab_mm_rss(const struct pfnlab_machine *m, unsigned id, uint64_t *anon, uint64_t *file, uint64_t *shmem)
{
	if (!m)
		return -EINVAL;
	const struct mm *mm = mm_get_const(m, id);

	if (!mm)
		return -ENOENT;
	if (anon)
		*anon = mm->rss - mm->rss_file - mm->rss_shmem;
	if (file)
		*file = mm->rss_file;
	if (shmem)
		*shmem = mm->rss_shmem;
	return 0;
}

/* models follow_page(): the PFN mapped at virtual page @vpn, or NIL_PFN (none, or a swap entry) */
static uint64_t follow_page(const struct pfnlab_machine *m, const struct mm *mm, uint64_t vpn)
{
	const uint32_t *pte = mm_pte((struct pfnlab_machine *)m, (struct mm *)mm, vpn, false);

	return pte && *pte && *pte != PTE_SWAP ? *pte - 1u : NIL_PFN;
}

int pfnlab_mm_lookup(const struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t *pfn)
{
	if (!m || !pfn)
		return -EINVAL;
	const struct mm *mm = mm_get_const(m, id);
	uint64_t vpn = addr >> m->cfg.page_shift, p;

	if (!mm)
		return -ENOENT;
	if (!mm_find_vma(mm, vpn))
		return -EFAULT;
	p = follow_page(m, mm, vpn);
	if (p == NIL_PFN)
		return -ENOENT;
	*pfn = p;
	return 0;
}

/*
 * models check_vma_flags() for a file mapping under 6.12 (v6.5,
 * writable_file_mapping_allowed()): a writable long-term pin of a shared
 * mapping whose file system tracks dirty pages (not shmem) is -EFAULT
 */
static int gup_check_vma(const struct pfnlab_machine *m, const struct mm *mm, uint64_t addr, uint64_t npages,
			 unsigned flags)
{
	const unsigned need = PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE;
	uint64_t vpn = addr >> m->cfg.page_shift;

	if (m->cfg.era != PFNLAB_ERA_CURRENT || m->cfg.kernel != PFNLAB_KERNEL_6_12 || (flags & need) != need)
		return 0;
	for (const struct vma *v; (v = mm_find_vma(mm, vpn)) && vpn < (addr >> m->cfg.page_shift) + npages;
	     vpn = v->start + v->pages)
		if (v->mapping && v->shared && m->mappings[v->mapping - 1].fs != PFNLAB_FS_SHMEM &&
		    m->mappings[v->mapping - 1].fs != PFNLAB_FS_HUGETLBFS) /* shmem, hugetlbfs: no dirty tracking */
			return -EFAULT;
	return 0;
}

/*
 * models try_grab_folio() as 6.1's follow_hugetlb_page() calls it for a
 * long-term pin: the check meant for gup-fast (a page that may not be
 * pinned long-term: CMA or isolated pageblock, ZONE_MOVABLE) refuses the
 * hugetlb page on the slow path too, with a WARN_ON_ONCE, and
 * pin_user_pages() stops before it (mainline stopped this in v6.10, "mm:
 * gup: stop abusing try_grab_folio"; 6.12 pins, and migrates).  Returns
 * the index of the first refused page of the range, or @npages.
 */
static uint64_t hugetlb_grab_refused(struct pfnlab_machine *m, struct mm *mm, uint64_t vpn, uint64_t npages,
				     unsigned flags)
{
	if (!(flags & PFNLAB_FOLL_LONGTERM) || !m->pgflags || m->cfg.era != PFNLAB_ERA_CURRENT ||
	    m->cfg.kernel != PFNLAB_KERNEL_6_1 || m->cfg.pin_policy != PFNLAB_PIN_MIGRATE_MOVABLE)
		return npages;
	for (uint64_t i = 0, n; i < npages; i += n) {
		const uint32_t *pte = mm_pte_span(m, mm, vpn + i, &n);

		for (uint64_t j = 0; j < n && i + j < npages; j++) {
			uint64_t pfn = pte[j] - 1u, head = folio_head(m, pfn);

			if ((m->pgflags[head] & PGK_MASK) != PGK_HUGETLB || page_pinnable(m, pfn, true))
				continue;
			if (!m->warned_hugetlb_grab) {
				m->warned_hugetlb_grab = true;
				log_printf(m, "WARNING: CPU: %u PID: %d at mm/hugetlb.c:6629 follow_hugetlb_page", m->cpu,
					   mm->pid);
			}
			return i + j;
		}
	}
	return npages;
}

/* models __get_user_pages(): fault in, follow each page, take its reference (try_grab_folio()) */
int pfnlab_gup(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t npages, unsigned flags,
	       uint64_t *pfns)
{
	if (!m)
		return -EINVAL;
	struct mm *mm = mm_get(m, id);
	uint64_t psize = 1ull << m->cfg.page_shift, n;
	unsigned prev;
	int err;

	if (!mm)
		return -ENOENT;
	if (!npages || (addr & (psize - 1)) || !(flags & (PFNLAB_FOLL_GET | PFNLAB_FOLL_PIN)) ||
	    ((flags & PFNLAB_FOLL_GET) && (flags & PFNLAB_FOLL_PIN)) ||
	    ((flags & PFNLAB_FOLL_LONGTERM) && !(flags & PFNLAB_FOLL_PIN)) || npages > (1ull << 32))
		return -EINVAL;
	err = gup_check_vma(m, mm, addr, npages, flags);
	prev = task_enter(m, id);
	if (!err)
		err = mm_fault_range(m, id, addr, npages * psize, flags & PFNLAB_FOLL_WRITE, NULL);
	task_leave(m, prev); /* -EINTR: its task was killed and has exited */
	if (err)
		return err;
	n = hugetlb_grab_refused(m, mm, addr >> m->cfg.page_shift, npages, flags);
	if (n < npages) /* pin_user_pages() got a prefix or nothing: the callers' -EFAULT, the pin's -ENOMEM */
		return n ? -EFAULT : -ENOMEM;
	for (uint64_t i = 0; i < npages; i += n) { /* every page faulted in just now */
		const uint32_t *pte = mm_pte_span(m, mm, (addr >> m->cfg.page_shift) + i, &n);

		if (n > npages - i)
			n = npages - i;
		for (uint64_t j = 0, k; j < n; j += k) { /* a run of consecutive pages of one folio at a time */
			uint64_t pfn = pte[j] - 1u, head = folio_head(m, pfn), end = head + (1ull << m->frames[head].order);
			uint64_t most = n - j < end - pfn ? n - j : end - pfn;

			for (k = 1; k < most && pte[j + k] == pte[j] + k; k++)
				;
			grab(m, head, k, flags);
			for (uint64_t t = 0; pfns && t < k; t++)
				pfns[i + j + t] = pfn + t;
		}
	}
	return 0;
}

/* Copy between a buffer and the pages of a range; write faults pages in. */
static int mm_copy(struct pfnlab_machine *m, unsigned id, uint64_t addr, void *buf, size_t len,
		   bool write)
{
	struct mm *mm = mm_get(m, id);
	uint64_t psize = 1ull << m->cfg.page_shift;
	uint8_t *b = buf;

	if (!mm)
		return -ENOENT;
	if (!write && !m->ram)
		return -EPERM;
	if (addr + len < addr ||
	    (len && !range_mapped(mm, addr >> m->cfg.page_shift,
				  ((addr + len - 1) >> m->cfg.page_shift) - (addr >> m->cfg.page_shift) + 1)))
		return -EFAULT;
	while (len) {
		uint64_t vpn = addr >> m->cfg.page_shift, off = addr & (psize - 1);
		size_t n = (size_t)(psize - off) < len ? (size_t)(psize - off) : len;
		uint32_t *pte = mm_pte(m, mm, vpn, write);

		if (write && (!pte || !*pte || *pte == PTE_SWAP || mm_find_vma(mm, vpn)->mapping)) {
			long r = mm->oom_victim ? -EINTR : fault_page(m, id, mm, vpn, true);

			if (r < 0)
				return (int)r;
			pte = mm_pte(m, mm, vpn, false);
		}
		if (m->ram) {
			if (pte && *pte) {
				uint8_t *page = m->ram + ((uint64_t)(*pte - 1) << m->cfg.page_shift);

				if (write)
					memcpy(page + off, b, n);
				else
					memcpy(b, page + off, n);
			} else if (!write) {
				memset(b, 0, n);
			}
		}
		b += n;
		addr += n;
		len -= n;
	}
	return 0;
}

int pfnlab_mm_write(struct pfnlab_machine *m, unsigned id, uint64_t addr, const void *buf, size_t len)
{
	if (!m || (!buf && len))
		return -EINVAL;
	unsigned prev = task_enter(m, id);
	int err = mm_copy(m, id, addr, (void *)buf, len, true);

	task_leave(m, prev);
	return err;
}

int pfnlab_mm_read(struct pfnlab_machine *m, unsigned id, uint64_t addr, void *buf, size_t len)
{
	if (!m || (!buf && len))
		return -EINVAL;
	return mm_copy(m, id, addr, buf, len, false);
}

/* models zap_pte_range() over one mapping: drop the mappings and their references */
static void zap_vma(struct pfnlab_machine *m, struct mm *mm, struct vma *v)
{
	uint64_t chunk = 1ull << m->thp_order, nchunks = (v->pages + chunk - 1) >> m->thp_order;

	if (v->huge_order)
		hugetlb_unmap_vma(m, mm, v);
	for (uint64_t c = 0; c < nchunks; c++) {
		uint32_t *pte = v->chunks[c];

		if (!pte)
			continue;
		for (uint64_t i = 0; i < chunk; i++) {
			uint64_t head = pte[i] - 1u;
			struct frame *f;
			bool whole;

			if (pte[i] == PTE_SWAP) { /* zap_pte_range(): a swap entry frees its slot */
				pte[i] = 0;
				mm->swapents--;
				swap_free_slot(m);
				continue;
			}
			f = &m->frames[head];
			whole = !i && pte[0] && (f->flags & F_ALLOC) && f->order == m->thp_order;

			/* a THP's head entry comes first in its chunk; its tails only unmap */
			if (pte[i] && !(f->flags & F_ANON) && pg_kind(m, head)) {
				file_unmap_pte(m, mm, head);
				pte[i] = 0;
				continue;
			}
			if (pte[i] && (f->flags & F_ALLOC)) {
				f->mt--;
				if (!f->mt) {
					/* the folio's last mapping: it leaves the rmap */
					mm->pinned -= folio_pincount(m, head);
					f->next = f->prev = 0;
				}
				f->refcount--;
				if (!f->refcount)
					page_ref_release(m, head);
			}
			if (whole) { /* the THP covers the chunk: unmap it at once */
				mm->rss -= chunk;
				break;
			}
			if (!pte[i])
				continue;
			pte[i] = 0;
			mm->rss--;
		}
		pte_chunk_free(m, pte);
		v->chunks[c] = NULL;
	}
	if (v->mapping)
		mapping_remove_mapper(m, v->mapping, (unsigned)(mm - m->mms) + 1, v->start);
}

/* Mappings [@first, @last], their pages gone: free_pgtables(), then their chunks */
static void free_vma_tables(struct pfnlab_machine *m, struct mm *mm, unsigned first, unsigned last)
{
	pte_tables_free(m, mm, first, last);
	for (unsigned i = first; i <= last; i++) {
		free(mm->vmas[i].chunks);
		mm->vmas[i].chunks = NULL;
		mm->vmas[i].tables = NULL;
	}
}

int pfnlab_mm_unmap(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t len)
{
	if (!m)
		return -EINVAL;
	struct mm *mm = mm_get(m, id);
	uint64_t vpn, pages, end;
	unsigned first, last;

	if (!mm)
		return -ENOENT;
	if (!range_pages(m, addr, len, &vpn, &pages))
		return -EINVAL;
	end = vpn + pages;
	for (first = 0; first < mm->nr_vmas && mm->vmas[first].start != vpn; first++)
		;
	for (last = first; last < mm->nr_vmas && mm->vmas[last].start + mm->vmas[last].pages < end; last++)
		if (last + 1 < mm->nr_vmas &&
		    mm->vmas[last + 1].start != mm->vmas[last].start + mm->vmas[last].pages)
			return -EINVAL;
	if (first == mm->nr_vmas || last == mm->nr_vmas ||
	    mm->vmas[last].start + mm->vmas[last].pages != end)
		return -EINVAL;
	for (unsigned i = first; i <= last; i++)
		zap_vma(m, mm, &mm->vmas[i]);
	free_vma_tables(m, mm, first, last);
	memmove(&mm->vmas[first], &mm->vmas[last + 1], (mm->nr_vmas - last - 1) * sizeof(struct vma));
	mm->nr_vmas -= last - first + 1;
	return 0;
}

/* models exit_mmap(): every mapping zapped (pinned pages stay allocated until unpinned) */
void mm_exit_mmap(struct pfnlab_machine *m, struct mm *mm)
{
	for (unsigned i = 0; i < mm->nr_vmas; i++)
		zap_vma(m, mm, &mm->vmas[i]);
	if (mm->nr_vmas)
		free_vma_tables(m, mm, 0, mm->nr_vmas - 1);
	pte_frag_destroy(m, mm);
	free(mm->vmas);
	mm->vmas = NULL;
	mm->nr_vmas = mm->cap_vmas = 0;
}

/* The space's slot is free again (its mappings are gone). */
void mm_free(struct pfnlab_machine *m, struct mm *mm)
{
	m->oom_victims -= mm->oom_victim;
	free(mm->vmas);
	memset(mm, 0, sizeof(*mm));
}

int pfnlab_mm_destroy(struct pfnlab_machine *m, unsigned id)
{
	if (!m)
		return -EINVAL;
	struct mm *mm = mm_get(m, id);

	if (!mm)
		return -ENOENT;
	if (mm->pinned)
		return -EBUSY;
	mm_exit_mmap(m, mm);
	mm_free(m, mm);
	return 0;
}

/* Free every address space's tables (machine teardown; frames go with the machine). */
void mm_free_all(struct pfnlab_machine *m)
{
	for (unsigned i = 0; i < m->nr_mms; i++) {
		struct mm *mm = &m->mms[i];
		uint64_t chunk = 1ull << m->thp_order;

		for (unsigned k = 0; k < mm->nr_vmas; k++) {
			struct vma *v = &mm->vmas[k];

			for (uint64_t c = 0; c < (v->pages + chunk - 1) >> m->thp_order; c++)
				pte_chunk_free(m, v->chunks[c]);
			free(v->chunks);
		}
		free(mm->vmas);
	}
	free(m->mms);
	free(m->transient);
	pte_pool_destroy(m);
}
