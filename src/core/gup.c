/*
 * gup.c - long-term pinning (pin_user_pages(FOLL_LONGTERM)) under the
 * policies Linux went through, and the record of every pin for culprit
 * reports.
 *
 * Policies (enum pfnlab_pin_policy):
 *   none            2015 mainline: pin where the pages are.
 *   rfc2015         the seed's RFC (linux-mm, Aug 2015) as merged for
 *                   powerpc in 2016 (mm_iommu_move_page_from_cma()): page
 *                   by page, a small page in a CMA block is migrated to a
 *                   GFP_USER (unmovable) target first; pinned in place if
 *                   that fails.
 *   migrate-cma     v5.1, commit 9a4e9f3b2d73 (check_and_migrate_cma_pages()):
 *                   pin under memalloc_nocma, collect CMA pages, unpin,
 *                   migrate them in one batch to GFP_USER targets, re-pin;
 *                   if migration fails, pin the rest in place.
 *   migrate-movable v5.13+ (check_and_migrate_movable_pages(), v6.1):
 *                   pin under memalloc_pin (faults lose __GFP_MOVABLE),
 *                   CMA and ZONE_MOVABLE pages, and since v5.19 pages of
 *                   an isolated pageblock, are unpinnable: unpin,
 *                   migrate to GFP_USER targets, re-pin; a failed migration
 *                   fails the pin with -ENOMEM and nothing stays pinned.
 *   pin-aware       beyond Linux: spaces marked pin-aware fault outside
 *                   CMA and ZONE_MOVABLE from the start (mm.c), so a pin
 *                   finds nothing to move; stragglers move as under
 *                   migrate-movable but to movable targets, so no
 *                   pageblock is claimed UNMOVABLE.
 * Every policy that migrates takes any LRU folio: anonymous, shmem/memfd
 * and file pages alike, and hugetlb pages (collect_longterm_unpinnable_pages(),
 * check_and_migrate_cma_pages()).  A hugetlb page moves to another hugetlb
 * page: under migrate-movable a free pool page a pin may keep, else a
 * temporary one from the buddy allocator (none for a gigantic size: the
 * pin fails); v5.1's rule never took the pool's pages (they mostly sit in
 * CMA, its comment says) and always allocated a fresh one; 6.1 never gets
 * that far: follow_hugetlb_page() refuses a hugetlb page in CMA or
 * ZONE_MOVABLE outright (mm.c, hugetlb_grab_refused()), 6.12 migrates it.
 * Under 6.12 a writable long-term pin of
 * a shared mapping of a file that tracks dirty pages is refused (rmap.c).
 * The kernel's re-pin loop is unbounded; the model stops after
 * PIN_MAX_ROUNDS and fails the pin.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define PIN_MAX_ROUNDS 16

static const char *const policy_names[PFNLAB_PIN_POLICIES] = {
	"none", "rfc2015", "migrate-cma", "migrate-movable", "pin-aware",
};

const char *pfnlab_pin_policy_name(enum pfnlab_pin_policy p)
{
	return (unsigned)p < PFNLAB_PIN_POLICIES ? policy_names[p] : "?";
}

int pfnlab_pin_policy_parse(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int i = 0; i < PFNLAB_PIN_POLICIES; i++)
		if (strcmp(name, policy_names[i]) == 0)
			return i;
	return -EINVAL;
}

int pfnlab_mm_set_pin_aware(struct pfnlab_machine *m, unsigned id, bool on)
{
	if (!m)
		return -EINVAL;
	struct mm *mm = mm_get(m, id);

	if (!mm)
		return -ENOENT;
	mm->pin_aware = on;
	return 0;
}

/*
 * models is_longterm_pinnable_page(): v5.1 excludes CMA pageblocks; the
 * policies after it (v6.1) also ZONE_MOVABLE (v5.13) and an isolated
 * pageblock (v5.19, alloc_contig_range() or offlining at work)
 */
static bool pinnable(struct pfnlab_machine *m, uint64_t pfn, enum pfnlab_pin_policy p)
{
	if (p == PFNLAB_PIN_MIGRATE_CMA)
		return pb_type(m, pfn) != PFNLAB_MT_CMA;
	return page_pinnable(m, pfn, true);
}

/* The migration target of each policy (new_non_cma_page() / alloc_migration_target()). */
static struct pfnlab_migrate_target policy_target(enum pfnlab_pin_policy p)
{
	struct pfnlab_migrate_target t = {.gfp = PFNLAB_GFP_USER | PFNLAB___GFP_NOWARN};

	switch (p) {
	case PFNLAB_PIN_RFC2015:
		t.gfp |= PFNLAB___GFP_NORETRY;
		break;
	case PFNLAB_PIN_MIGRATE_CMA: /* hugetlb: alloc_migrate_huge_page(), never the pool's free pages */
		t.flags = PFNLAB_TARGET_NOCMA | PFNLAB_TARGET_NO_POOL;
		break;
	case PFNLAB_PIN_AWARE:
		t.gfp |= PFNLAB___GFP_MOVABLE;
		t.flags = PFNLAB_TARGET_NOCMA;
		break;
	default:
		t.flags = PFNLAB_TARGET_PIN;
		break;
	}
	return t;
}

static long migrate_for_pin(struct pfnlab_machine *m, uint64_t *list, size_t n, enum pfnlab_pin_policy p)
{
	struct pfnlab_migrate_target t = policy_target(p);
	struct pfnlab_migrate_result r;
	long ret;

	m->count_unmovable_claims = true;
	ret = pfnlab_migrate_pages(m, list, n, &t, PFNLAB_MIGRATE_SYNC,
				   p == PFNLAB_PIN_RFC2015 ? PFNLAB_MR_CONTIG_RANGE : PFNLAB_MR_LONGTERM_PIN, &r);
	m->count_unmovable_claims = false;
	m->vm[VM_PIN_MIGRATED] += r.nr_succeeded;
	return ret;
}

/* rfc2015: one page at a time, migrate out of CMA first, pin in place on failure */
static int pin_rfc2015(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t npages,
		       unsigned flags, uint64_t *pfns)
{
	uint64_t psize = 1ull << m->cfg.page_shift;

	for (uint64_t i = 0; i < npages; i++) {
		uint64_t va = addr + i * psize, pfn, head;
		int err = pfnlab_mm_touch(m, id, va, psize, NULL);

		if (!err)
			err = pfnlab_mm_lookup(m, id, va, &pfn);
		if (err) {
			pfnlab_put_pages(m, pfns, i, PFNLAB_FOLL_PIN);
			return err;
		}
		head = folio_head(m, pfn);
		if (pb_type(m, pfn) == PFNLAB_MT_CMA && m->frames[head].order == 0 &&
		    m->frames[head].refcount == folio_expected_refs(m, head))
			migrate_for_pin(m, &head, 1, PFNLAB_PIN_RFC2015);
		pfnlab_mm_lookup(m, id, va, &pfn);
		grab(m, folio_head(m, pfn), 1, flags);
		pfns[i] = pfn;
	}
	return 0;
}

/* Heads of the pinned pages that may not stay pinned where they are, each once. */
static size_t collect_unpinnable(struct pfnlab_machine *m, const uint64_t *pfns, uint64_t npages,
				 enum pfnlab_pin_policy p, uint64_t *list)
{
	size_t n = 0;
	uint64_t last = NIL_PFN;

	for (uint64_t i = 0; i < npages; i++) {
		uint64_t head = folio_head(m, pfns[i]);

		if (head == last || pinnable(m, head, p))
			continue;
		list[n++] = last = head;
	}
	return n;
}

/* migrate-cma, migrate-movable, pin-aware: pin, check, unpin, migrate, re-pin */
static int pin_migrating(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t npages,
			 unsigned flags, enum pfnlab_pin_policy p, uint64_t *pfns)
{
	unsigned scope = p == PFNLAB_PIN_MIGRATE_MOVABLE ? MEMALLOC_PIN : MEMALLOC_NOCMA;
	bool allow = true, fail_hard = p != PFNLAB_PIN_MIGRATE_CMA;
	uint64_t *list = host_alloc(m, (size_t)npages * sizeof(*list));
	int err = 0;

	if (!list)
		return -ENOMEM;
	for (int round = 0;; round++) {
		unsigned saved = m->memalloc_flags;
		size_t n;

		m->memalloc_flags |= scope;
		err = pfnlab_gup(m, id, addr, npages, flags, pfns);
		m->memalloc_flags = saved;
		if (err || !allow)
			break;
		n = collect_unpinnable(m, pfns, npages, p, list);
		if (!n)
			break;
		pfnlab_put_pages(m, pfns, npages, PFNLAB_FOLL_PIN);
		m->vm[VM_NR_FOLL_PIN_ACQUIRED] -= npages; /* the kernel counts a pin once */
		m->vm[VM_NR_FOLL_PIN_RELEASED] -= npages;
		if (round == PIN_MAX_ROUNDS || migrate_for_pin(m, list, n, p)) {
			if (fail_hard) {
				err = -ENOMEM;
				break;
			}
			allow = false;
		}
	}
	free(list);
	return err;
}

/* Cut @pfns into runs of consecutive PFNs (32-bit counts) in @runs; returns how many. */
static uint64_t pfn_runs(const uint64_t *pfns, uint64_t npages, struct pin_run *runs)
{
	uint64_t n = 0, start = pfns[0], len = 1;

	for (uint64_t k = 1; k < npages; k++) {
		if (pfns[k] == start + len && len < UINT32_MAX) {
			len++;
			continue;
		}
		runs[n++] = (struct pin_run){(uint32_t)start, (uint32_t)len};
		start = pfns[k];
		len = 1;
	}
	runs[n++] = (struct pin_run){(uint32_t)start, (uint32_t)len};
	return n;
}

static long add_record(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t npages,
		       unsigned flags, const char *pinner, const uint64_t *pfns)
{
	struct pin_rec *r = NULL;
	struct pin_run *runs;
	unsigned i;

	if (m->pin_free) { /* a slot freed by pfnlab_unpin(); its npages links the next */
		i = m->pin_free - 1;
		r = &m->pins[i];
		m->pin_free = (unsigned)r->npages;
	} else {
		if (m->nr_pins == m->cap_pins) {
			unsigned cap = m->cap_pins ? m->cap_pins * 2 : 16;
			struct pin_rec *n = realloc(m->pins, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			m->pins = n;
			m->cap_pins = cap;
		}
		i = m->nr_pins++;
		r = &m->pins[i];
	}
	*r = (struct pin_rec){.mm = id, .flags = flags, .vpn = addr >> m->cfg.page_shift,
			      .npages = npages, .since_ns = m->now_ns};
	r->runs = host_alloc(m, (size_t)npages * sizeof(*r->runs)); /* room for the most runs, then trimmed */
	if (!r->runs) {
		*r = (struct pin_rec){.npages = m->pin_free};
		m->pin_free = i + 1;
		return -ENOMEM;
	}
	r->nr_runs = pfn_runs(pfns, npages, r->runs);
	runs = realloc(r->runs, (size_t)r->nr_runs * sizeof(*r->runs));
	if (runs) /* a smaller block: only fails by keeping the larger */
		r->runs = runs;
	if (pinner)
		strncpy(r->pinner, pinner, sizeof(r->pinner) - 1);
	return (long)i + 1;
}

static long pin(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t npages, unsigned flags,
		const char *pinner, uint64_t *out)
{
	enum pfnlab_pin_policy p = (flags & PFNLAB_FOLL_LONGTERM) ? m->cfg.pin_policy : PFNLAB_PIN_NONE;
	uint64_t *pfns;
	long ret = 0;
	int err;

	pfns = out ? out : host_alloc(m, (size_t)npages * sizeof(*pfns)); /* the caller's array if it wants one */
	if (!pfns)
		return -ENOMEM;
	if (p == PFNLAB_PIN_NONE)
		err = pfnlab_gup(m, id, addr, npages, flags, pfns);
	else if (p == PFNLAB_PIN_RFC2015)
		err = pin_rfc2015(m, id, addr, npages, flags, pfns);
	else
		err = pin_migrating(m, id, addr, npages, flags, p, pfns);
	if (err) {
		if (flags & PFNLAB_FOLL_LONGTERM)
			m->vm[VM_PIN_FAILED]++;
	} else {
		ret = add_record(m, id, addr, npages, flags, pinner, pfns);
		if (ret < 0)
			pfnlab_put_pages(m, pfns, npages, PFNLAB_FOLL_PIN);
	}
	if (pfns != out)
		free(pfns);
	return err ? err : ret;
}

long pfnlab_pin(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t npages, unsigned flags,
		const char *pinner, uint64_t *out)
{
	unsigned prev;
	long ret;

	if (!m)
		return -EINVAL;
	if (!mm_get(m, id))
		return -ENOENT;
	if (!(flags & PFNLAB_FOLL_PIN) || (flags & PFNLAB_FOLL_GET) || !npages || npages > (1ull << 32))
		return -EINVAL;
	prev = task_enter(m, id);
	ret = pin(m, id, addr, npages, flags, pinner, out);
	task_leave(m, prev);
	return ret;
}

int pfnlab_unpin(struct pfnlab_machine *m, long handle)
{
	struct pin_rec *r;
	uint64_t buf[256];
	size_t n = 0;

	if (!m)
		return -EINVAL;
	if (handle <= 0 || handle > (long)m->nr_pins || !m->pins[handle - 1].mm)
		return -ENOENT;
	r = &m->pins[handle - 1];
	for (uint64_t j = 0; j < r->nr_runs; j++) { /* the pages in order, 256 at a time */
		uint64_t pfn = r->runs[j].pfn, left = r->runs[j].pages;

		while (left) {
			size_t take = left < 256 - n ? (size_t)left : 256 - n;

			for (size_t t = 0; t < take; t++)
				buf[n + t] = pfn + t;
			n += take;
			pfn += take;
			left -= take;
			if (n == 256 || (!left && j + 1 == r->nr_runs)) {
				pfnlab_put_pages(m, buf, n, PFNLAB_FOLL_PIN);
				n = 0;
			}
		}
	}
	free(r->runs);
	*r = (struct pin_rec){.npages = m->pin_free};
	m->pin_free = (unsigned)handle;
	return 0;
}

/* The latest live pin of space @mm covering virtual page @vpn, or NULL. */
const struct pin_rec *pin_find(const struct pfnlab_machine *m, unsigned mm, uint64_t vpn)
{
	const struct pin_rec *best = NULL;

	for (unsigned i = 0; i < m->nr_pins; i++) {
		const struct pin_rec *r = &m->pins[i];

		if (r->mm == mm && vpn >= r->vpn && vpn < r->vpn + r->npages &&
		    (!best || r->since_ns >= best->since_ns))
			best = r;
	}
	return best;
}

/* The pins space @mm made go, as its files are released when it exits (VFIO containers, io_uring buffers). */
void pins_release_mm(struct pfnlab_machine *m, unsigned mm)
{
	for (unsigned i = 0; i < m->nr_pins; i++)
		if (m->pins[i].mm == mm)
			pfnlab_unpin(m, (long)i + 1);
}

void pins_free_all(struct pfnlab_machine *m)
{
	for (unsigned i = 0; i < m->nr_pins; i++)
		free(m->pins[i].runs);
	free(m->pins);
	m->pins = NULL;
	m->nr_pins = m->cap_pins = m->pin_free = 0;
}
