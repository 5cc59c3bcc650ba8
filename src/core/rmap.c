/*
 * rmap.c - the reverse map and the reference model of a page.
 *
 * Every allocated folio's head frame names its owner (address space id in
 * frame.next, virtual page in frame.prev): an O(1) reverse map, where the
 * kernel walks anon_vma chains.  References follow the kernel's rules:
 * _refcount counts mappings and every extra reference; FOLL_GET adds 1;
 * FOLL_PIN adds GUP_PIN_COUNTING_BIAS (1024) on a small page, and 1 plus
 * _pincount (kept in the first tail frame, as the kernel does) on a large
 * folio.  Short-lived references (I/O in flight, LRU batches) carry an
 * expiry time and drop when model time passes it (timer.c).
 *
 * Models folio_ref_*(), try_grab_folio()/gup_put_folio() (mm/gup.c),
 * folio_expected_refs() (mm/migrate.c) and folio_maybe_dma_pinned()
 * (include/linux/mm.h).  The bottom of the address-space files: mm.c and
 * filemap.c call rmap.c, rmap.c calls neither.
 */
#include <stdlib.h>

#include "model.h"

static uint64_t gigantic_head(const struct pfnlab_machine *m, uint64_t pfn);

/* The head of the folio holding @pfn, or NIL_PFN if it is not allocated. */
uint64_t folio_head(const struct pfnlab_machine *m, uint64_t pfn)
{
	uint64_t low, h = pfn & ~((1ull << m->thp_order) - 1);

	if (m->frames[pfn].flags & F_ALLOC)
		return pfn;
	if (m->frames[pfn].flags & (F_BUDDY | F_PCP | F_HOLE | F_RESERVED))
		return NIL_PFN;
	/* a tail of a THP or of a pageblock-sized hugetlb page, the common large folio: one look */
	if ((m->frames[h].flags & F_ALLOC) && m->frames[h].order >= m->thp_order)
		return h;
	/*
	 * the candidate heads are @pfn with its low set bits cleared one at a
	 * time: an order that leaves the candidate as it was tells nothing new
	 */
	for (low = pfn & ((1ull << (m->nr_orders - 1)) - 1); low; low &= low - 1) {
		unsigned o = (unsigned)__builtin_ctzll(low) + 1;
		const struct frame *f;

		h = pfn & ~((1ull << o) - 1);
		f = &m->frames[h];
		if ((f->flags & F_ALLOC) && f->order >= o)
			return h;
		if (f->flags & (F_BUDDY | F_PCP))
			return NIL_PFN;
	}
	return gigantic_head(m, pfn);
}

/*
 * The cold end of folio_head(): a tail of a gigantic hugetlb page (larger
 * than the largest buddy block), whose head is aligned to its size.
 */
static uint64_t gigantic_head(const struct pfnlab_machine *m, uint64_t pfn)
{
	unsigned o = m->cfg.gigantic_order;
	uint64_t h = pfn & ~((1ull << o) - 1);

	if (o && (m->frames[h].flags & F_ALLOC) && m->frames[h].order == o)
		return h;
	return NIL_PFN;
}

/* The PFNLAB_PAGE_* state of the allocated folio at @head. */
int page_state(const struct pfnlab_machine *m, uint64_t head)
{
	if (m->frames[head].flags & F_ANON)
		return PFNLAB_PAGE_ANON;
	switch (pg_kind(m, head)) {
	case PGK_FILE:
		return PFNLAB_PAGE_FILE;
	case PGK_SHMEM:
		return PFNLAB_PAGE_SHMEM;
	case PGK_HUGETLB:
		return PFNLAB_PAGE_HUGETLB;
	default:
		return PFNLAB_PAGE_ALLOCATED;
	}
}

const char *pfnlab_page_state_name(int state)
{
	static const char *const names[] = {"free", "kernel", "anon", "hole", "reserved", "file", "shmem", "hugetlb"};

	return state >= 0 && state <= PFNLAB_PAGE_HUGETLB ? names[state] : "?";
}

int pfnlab_page_info(const struct pfnlab_machine *m, uint64_t pfn, struct pfnlab_page_info *info)
{
	uint64_t head;
	const struct frame *f;

	if (!m || !info)
		return -EINVAL;
	if (pfn >= m->nr_pfns)
		return -EINVAL;
	*info = (struct pfnlab_page_info){.head = pfn};
	f = &m->frames[pfn];
	if (f->flags & F_HOLE) {
		info->state = PFNLAB_PAGE_HOLE;
		return 0;
	}
	if (f->flags & F_RESERVED) {
		info->state = PFNLAB_PAGE_RESERVED;
		return 0;
	}
	head = folio_head(m, pfn);
	if (head == NIL_PFN) {
		info->state = PFNLAB_PAGE_FREE;
		return 0;
	}
	f = &m->frames[head];
	info->head = head;
	info->order = f->order;
	info->refcount = f->refcount;
	info->state = page_state(m, head);
	info->longterm = f->flags & F_PINNED;
	if (f->flags & F_ANON) {
		info->mapcount = f->mt;
		info->pincount = folio_pincount(m, head);
		info->owner = f->next;
		if (info->owner)
			info->vaddr = ((uint64_t)f->prev + (pfn - head)) << m->cfg.page_shift;
	} else if (frame_is_pgtable(f)) { /* PTE tables: their space */
		info->owner = f->next;
	} else if (pg_kind(m, head) && !(pg_flags(m, head) & HPG_FREED)) { /* a free pool page's owner fields are links */
		unsigned pf = pg_flags(m, head);

		info->mapcount = f->mt;
		info->pincount = folio_pincount(m, head);
		info->mapping = f->next;
		info->index = f->prev + (pfn - head);
		info->dirty = pf & PG_DIRTY;
		info->writeback = pf & PG_WRITEBACK;
		info->buffers = pf & PG_PRIVATE;
		info->buffers_held = pf & PG_BH_HELD;
	}
	info->transient = transient_refs(m, head);
	return 0;
}

/* Short-lived references now held on the folio at @head. */
unsigned transient_refs(const struct pfnlab_machine *m, uint64_t head)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->nr_transient; i++)
		n += m->transient[i].pfn == head;
	return n;
}

/*
 * Take one reference of kind @flags on each of @npages pages of the folio at
 * @head (try_grab_folio() per page): the folio's counts move by @npages at
 * once
 */
void grab(struct pfnlab_machine *m, uint64_t head, uint64_t npages, unsigned flags)
{
	struct frame *f = &m->frames[head];

	if (!(flags & PFNLAB_FOLL_PIN)) {
		f->refcount += (uint32_t)npages;
		return;
	}
	if (f->order) {
		f->refcount += (uint32_t)npages;
		m->frames[head + 1].refcount += (uint32_t)npages;
	} else {
		f->refcount += (uint32_t)npages * PFNLAB_GUP_PIN_COUNTING_BIAS;
	}
	if (flags & PFNLAB_FOLL_LONGTERM)
		f->flags |= F_PINNED;
	m->vm[VM_NR_FOLL_PIN_ACQUIRED] += npages;
	if ((f->flags & F_ANON) && f->mt && f->next && mm_get(m, f->next))
		mm_get(m, f->next)->pinned += npages;
}

/*
 * How many entries of @pfns from @i on (at most @n) are the consecutive
 * pages of the folio at @head that starts with pfns[@i]
 */
uint64_t folio_run(const struct pfnlab_machine *m, const uint64_t *pfns, uint64_t i, uint64_t n, uint64_t head)
{
	const uint64_t *p = pfns + i;
	uint64_t end = head + (1ull << m->frames[head].order), most = end - p[0] < n - i ? end - p[0] : n - i, k = 1;

	while (k < most && p[k] == p[0] + k)
		k++;
	return k;
}

/* The references a page-cache folio holds at rest: cache, mappings, buffers (folio_expected_refs()). */
uint64_t folio_expected_refs(const struct pfnlab_machine *m, uint64_t head)
{
	const struct frame *f = &m->frames[head];
	unsigned pf = pg_flags(m, head);

	if (!pg_kind(m, head))
		return f->mt;
	if ((pf & PGK_MASK) == PGK_HUGETLB) /* one page-cache reference for the whole folio */
		return f->mt + (f->next ? 1 : 0);
	return f->mt + (1ull << f->order) + ((pf & PG_PRIVATE) ? 1 : 0);
}

/* References of the plain kind (FOLL_GET, transient) a folio holds beyond mappings and pins. */
uint64_t plain_refs(const struct pfnlab_machine *m, uint64_t head)
{
	const struct frame *f = &m->frames[head];
	uint64_t pins = folio_pincount(m, head);
	uint64_t base = folio_expected_refs(m, head) + (f->order ? pins : pins * PFNLAB_GUP_PIN_COUNTING_BIAS);

	return f->refcount > base ? f->refcount - base : 0;
}

/* Drop (or with @undo give back) @n references of the kind of @pin. */
static void drop_refs(struct pfnlab_machine *m, uint64_t head, uint64_t n, bool pin, bool undo)
{
	struct frame *f = &m->frames[head];
	uint32_t d = undo ? (uint32_t)n : -(uint32_t)n;

	if (!pin) {
		f->refcount += d;
		return;
	}
	if (f->order) {
		m->frames[head + 1].refcount += d;
		f->refcount += d;
	} else {
		f->refcount += d * PFNLAB_GUP_PIN_COUNTING_BIAS;
	}
}

/*
 * A run of pages of one folio drops its references at once: a run of k
 * pages needs k references of the kind, as k drops in turn would.  After
 * the drops, a folio is settled once per run; one its first page frees is
 * looked up again page by page, as the kernel's loop would find it gone.
 */
int pfnlab_put_pages(struct pfnlab_machine *m, const uint64_t *pfns, uint64_t npages, unsigned flags)
{
	bool pin = flags & PFNLAB_FOLL_PIN;
	uint64_t k;

	if (!m || (npages && !pfns))
		return -EINVAL;
	for (uint64_t i = 0; i < npages; i += k) {
		uint64_t head = pfns[i] < m->nr_pfns ? folio_head(m, pfns[i]) : NIL_PFN;

		k = head == NIL_PFN ? 1 : folio_run(m, pfns, i, npages, head);
		if (head == NIL_PFN || (pin ? folio_pincount(m, head) : plain_refs(m, head)) < k) {
			while (i--)
				drop_refs(m, folio_head(m, pfns[i]), 1, pin, true);
			return -EINVAL;
		}
		drop_refs(m, head, k, pin, false);
	}
	if (pin)
		m->vm[VM_NR_FOLL_PIN_RELEASED] += npages;
	for (uint64_t i = 0; i < npages; i += k) {
		uint64_t head = folio_head(m, pfns[i]);
		struct frame *f;
		bool release;

		k = 1;
		if (head == NIL_PFN)
			continue; /* released with an earlier page of its folio */
		f = &m->frames[head];
		release = !f->refcount && !(pg_flags(m, head) & HPG_FREED); /* a hugetlb page freed to the pool stays a folio */
		if (!release)
			k = folio_run(m, pfns, i, npages, head);
		if (pin) {
			if ((f->flags & F_ANON) && f->mt && f->next && mm_get(m, f->next))
				mm_get(m, f->next)->pinned -= k;
			if (!folio_pincount(m, head))
				f->flags &= (uint8_t)~F_PINNED;
		}
		if (release)
			page_ref_release(m, head);
	}
	return 0;
}

/* min-heap of transient references on expires_ns */
static void heap_swap(struct transient_ref *a, struct transient_ref *b)
{
	struct transient_ref t = *a;

	*a = *b;
	*b = t;
}

int pfnlab_page_ref_transient(struct pfnlab_machine *m, uint64_t pfn, uint64_t ns)
{
	if (!m)
		return -EINVAL;
	uint64_t head = pfn < m->nr_pfns ? folio_head(m, pfn) : NIL_PFN;
	unsigned i;

	if (head == NIL_PFN)
		return -EINVAL;
	if (m->nr_transient == m->cap_transient) {
		unsigned cap = m->cap_transient ? m->cap_transient * 2 : 64;
		struct transient_ref *n = realloc(m->transient, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		m->transient = n;
		m->cap_transient = cap;
	}
	i = m->nr_transient++;
	m->transient[i] = (struct transient_ref){.expires_ns = ns > time_left(m) ? UINT64_MAX : m->now_ns + ns,
						 .pfn = (uint32_t)head};
	while (i && m->transient[(i - 1) / 2].expires_ns > m->transient[i].expires_ns) {
		heap_swap(&m->transient[(i - 1) / 2], &m->transient[i]);
		i = (i - 1) / 2;
	}
	m->frames[head].refcount++;
	return 0;
}

/* The earliest transient reference expires: pop it off the heap and drop it. */
static void transient_drop(struct pfnlab_machine *m)
{
	uint64_t head = m->transient[0].pfn;
	unsigned i = 0;

	m->transient[0] = m->transient[--m->nr_transient];
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, s = i;

		if (l < m->nr_transient && m->transient[l].expires_ns < m->transient[s].expires_ns)
			s = l;
		if (r < m->nr_transient && m->transient[r].expires_ns < m->transient[s].expires_ns)
			s = r;
		if (s == i)
			break;
		heap_swap(&m->transient[i], &m->transient[s]);
		i = s;
	}
	if (!--m->frames[head].refcount)
		page_ref_release(m, head);
}

/* When the earliest transient reference expires: UINT64_MAX if none is held */
uint64_t transient_next_expiry(const struct pfnlab_machine *m)
{
	return m->nr_transient ? m->transient[0].expires_ns : UINT64_MAX;
}

/* Drop every transient reference expired at @when */
void transient_expire(struct pfnlab_machine *m, uint64_t when)
{
	while (m->nr_transient && m->transient[0].expires_ns <= when)
		transient_drop(m);
}
