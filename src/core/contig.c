/*
 * contig.c - alloc_contig_range(): take an exact PFN range by isolating it,
 * migrating what is movable out of it and claiming the free pages; and
 * when that fails, name who holds every busy frame.
 *
 * Models alloc_contig_range(), __alloc_contig_migrate_range() and
 * free_contig_range() of mm/page_alloc.c, with the scanner of
 * isolate_migratepages_range() (mm/compaction.c).  Era differences:
 *   - 2015 (v4.2): isolation aligned to max(MAX_ORDER block, pageblock); a
 *     failed migration ends the attempt silently; no buddy head found for
 *     outer_start is -EBUSY; a busy range prints
 *     "alloc_contig_range: [%lx, %lx) PFNs busy"; targets GFP_USER|__GFP_MOVABLE;
 *     migrate reason "cma".
 *   - current (v6.1): pageblock alignment; -EBUSY from migration falls
 *     through to the check; outer_start falls back to start; no message,
 *     only the test_pages_isolated trace line.
 * Both: an anonymous page with references beyond its mappings is not even
 * isolated for migration (the pre-check of isolate_migratepages_block()),
 * so the range is emptied around it and the check fails at its PFN.  A
 * page-cache page (file or shmem: it has a mapping, so no pre-check) is
 * isolated whatever it holds; with an extra reference every migration
 * pass fails on it, the fifth call of migrate_pages() on the same list
 * ends the attempt with -EBUSY and the rest of the range is never
 * scanned.  Before each call, clean file pages on the list are reclaimed
 * instead of migrated (reclaim_clean_pages_from_list(), vmscan.c); every
 * isolation is followed by a call, on an empty list too (the last one,
 * when nothing movable is left before the end), as in the kernel.  Under
 * 6.12 the attempt ends with mm_alloc_contig_migrate_range_info, whose
 * values the kernel prints under the wrong labels (its caller passes them
 * in another order than the event declares): migratetype= shows the mapped
 * pages, nr_migrated= the migrate type, nr_reclaimed= the migrated pages,
 * nr_mapped= the reclaimed ones.  pfnlab prints it the same way.
 *
 * Culprit attribution is pfnlab's own (Linux has none; Android's
 * page_pinner comes closest): each busy folio with its owner, virtual
 * address, kind of reference, pinner, the time of the pin and why it did
 * not move (skipped at isolation, failed on an extra reference, not
 * reached because the attempt ended first, writeback, unmovable).
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define CONTIG_MIGRATE_TRIES 5
#define MAX_CULPRITS 65536

/*
 * A folio isolate_migratepages_block() takes for alloc_contig_range(): on
 * an LRU; anonymous only without references beyond its mappings (no
 * mapping: the pre-check), page cache whatever it holds
 */
static bool migratable(const struct pfnlab_machine *m, uint64_t pfn)
{
	const struct frame *f = &m->frames[pfn];

	if (!(f->flags & F_LRU))
		return false;
	if (f->flags & F_ANON)
		return f->refcount <= f->mt;
	return pg_kind(m, pfn);
}

/* an order-0 anonymous folio on an LRU with references beyond its mappings */
static inline bool pinned_small_anon(const struct frame *f)
{
	return (f->flags & (F_ALLOC | F_LRU | F_ANON)) == (F_ALLOC | F_LRU | F_ANON) && !f->order &&
	       f->refcount > f->mt;
}

static void note_failure(struct pfnlab_machine *m, uint64_t start, uint64_t end, uint64_t outer,
			 uint64_t fin, int err);

/* The folios isolated for one migrate_pages() call (cc->migratepages). */
struct isolated {
	uint64_t list[COMPACT_CLUSTER_MAX];
	size_t n;
	uint64_t pages;            /* cc->nr_migratepages (in pages: a hugetlb folio counts them all) */
	int err;                   /* -ENOMEM: a hugetlb page ended the attempt (err_pfn) */
	uint64_t err_pfn;
};

/*
 * A hugetlb folio met by the scanner (v6.1): isolate_or_dissolve_huge_page();
 * returns the PFN to go on at (after the folio, or at it once dissolved)
 */
static uint64_t scan_hugetlb(struct pfnlab_machine *m, uint64_t pfn, struct isolated *iso, uint64_t *scanned,
			     uint64_t *taken)
{
	uint64_t nr = 1ull << m->frames[pfn].order;
	bool isolated;
	int ret = isolate_or_dissolve_huge_page(m, pfn, &isolated);

	if (ret == -ENOMEM) {
		iso->err = ret;
		iso->err_pfn = pfn;
		return pfn + nr;
	}
	if (ret || !isolated) /* -EBUSY: skipped; dissolved: its frames are free buddy pages now */
		return ret ? pfn + nr : pfn;
	iso->list[iso->n++] = pfn;
	iso->pages += nr;
	*taken += nr;
	*scanned += nr - 1;
	return pfn + nr;
}

/*
 * models isolate_migratepages_block() for one pageblock's part of the range:
 * collect folios until COMPACT_CLUSTER_MAX pages (a small folio counts
 * one); returns the PFN it stopped at.  v4.2 never isolates hugetlb pages
 * (not on an LRU); v6.1 isolates or dissolves them (scan_hugetlb()).
 * What is not taken is passed by its order with no test of the batch,
 * which only fills where a folio is taken (isolate_batch() calls with
 * room left).
 */
static uint64_t scan_block(struct pfnlab_machine *m, uint64_t pfn, uint64_t end, struct isolated *iso)
{
	const struct frame *frames = m->frames;
	const uint16_t *hugetlb = m->cfg.era == PFNLAB_ERA_CURRENT ? m->pgflags : NULL; /* kinds to look at */
	uint64_t start = pfn, scanned = 0, taken = 0;

	while (pfn < end) {
		const struct frame *f = &frames[pfn];
		unsigned flags = f->flags;

		scanned++;
		if (!(flags & F_ALLOC)) { /* free, a hole, reserved memory or a tail */
			pfn += (flags & F_BUDDY) ? 1ull << f->order : 1;
			continue;
		}
		/*
		 * anonymous with references beyond its mappings, pinned mostly (no
		 * hugetlb page is on an LRU: pfnlab_check()): passed by, with the
		 * run of small ones after it, one scanned page each
		 */
		if ((flags & (F_LRU | F_ANON)) == (F_LRU | F_ANON) && f->refcount > f->mt) {
			uint64_t next = pfn + (1ull << f->order), run = next;

			while (run < end && pinned_small_anon(&frames[run]))
				run++;
			scanned += run - next;
			pfn = run;
			continue;
		}
		if (hugetlb && (hugetlb[pfn] & PGK_MASK) == PGK_HUGETLB) {
			pfn = scan_hugetlb(m, pfn, iso, &scanned, &taken);
			if (iso->err || iso->n == COMPACT_CLUSTER_MAX || iso->pages >= COMPACT_CLUSTER_MAX)
				break;
			continue;
		}
		/* off the LRU, or not to be taken (the anonymous ones with extra references went above) */
		if (!(flags & F_LRU) || !migratable(m, pfn) || !folio_isolate_lru(m, pfn)) {
			pfn += 1ull << f->order;
			continue;
		}
		iso->list[iso->n++] = pfn;
		iso->pages++;
		taken++;
		pfn += 1ull << f->order;
		if (iso->n == COMPACT_CLUSTER_MAX || iso->pages >= COMPACT_CLUSTER_MAX)
			break;
	}
	/*
	 * 6.1 marks a block it scanned whole and took nothing from
	 * PB_migrate_skip although alloc_contig_range() ignores the hints
	 * (no no_set_skip_hint test there; 6.12 has it, v4.2 honoured
	 * ignore_skip_hint): direct compaction and kcompactd then pass the
	 * block by until the skip bits are reset
	 */
	if (!taken && pfn >= end && !(start & (m->pb_pages - 1)) && m->cfg.era == PFNLAB_ERA_CURRENT &&
	    m->cfg.kernel != PFNLAB_KERNEL_6_12)
		set_pageblock_skip(m, start);
	m->vm[VM_COMPACT_ISOLATED] += taken;
	if (m->cfg.era == PFNLAB_ERA_CURRENT)
		trace_printf(m, "mm_compaction_isolate_migratepages",
			     "range=(0x%llx ~ 0x%llx) nr_scanned=%llu nr_taken=%llu",
			     (unsigned long long)start, (unsigned long long)(pfn < end ? pfn : end),
			     (unsigned long long)scanned, (unsigned long long)taken);
	return pfn;
}

/* models isolate_migratepages_range(): pageblock by pageblock until a batch is full */
static uint64_t isolate_batch(struct pfnlab_machine *m, uint64_t pfn, uint64_t end, struct isolated *iso)
{
	while (pfn < end && iso->n < COMPACT_CLUSTER_MAX && iso->pages < COMPACT_CLUSTER_MAX && !iso->err) {
		uint64_t block_end = (pfn | (m->pb_pages - 1)) + 1;

		pfn = scan_block(m, pfn, block_end < end ? block_end : end, iso);
	}
	return pfn;
}

/* Pages of the folios on @list that are mapped (folio_mapped() * nr). */
static uint64_t mapped_pages(const struct pfnlab_machine *m, const uint64_t *list, size_t n)
{
	uint64_t pages = 0;

	for (size_t i = 0; i < n; i++)
		pages += m->frames[list[i]].mt ? 1ull << m->frames[list[i]].order : 0;
	return pages;
}

/* Who a folio on the list belongs to: its owner fields (space and page, or file and index). */
static uint64_t folio_owner(const struct pfnlab_machine *m, uint64_t head)
{
	return (uint64_t)m->frames[head].next << 32 | m->frames[head].prev;
}

/* models __alloc_contig_migrate_range(): 0, -EBUSY or -ENOMEM */
static int migrate_range(struct pfnlab_machine *m, uint64_t start, uint64_t end, int mt)
{
	struct pfnlab_migrate_target t = {.gfp = PFNLAB_GFP_USER | PFNLAB___GFP_MOVABLE};
	struct isolated iso = {.n = 0};
	uint64_t pfn = start, owner[COMPACT_CLUSTER_MAX];
	uint64_t total_mapped = 0, total_migrated = 0, total_reclaimed = 0;
	uint64_t queued[COMPACT_CLUSTER_MAX];
	size_t nqueued;
	int tries = 0, ret = 0;

	if (m->cfg.era == PFNLAB_ERA_CURRENT)
		t.gfp |= PFNLAB___GFP_RETRY_MAYFAIL;
	while (pfn < end || iso.n) {
		struct pfnlab_migrate_result mr = {0};
		long rc;

		if (!iso.n) {
			iso.pages = 0;
			pfn = isolate_batch(m, pfn, end, &iso);
			tries = 0;
			if (iso.err) { /* a gigantic page, or a free one nothing could replace */
				ret = iso.err;
				note_failure(m, start, end, start, iso.err_pfn, ret);
				m->contig_fail.scan_end = iso.err_pfn;
				break;
			}
		} else if (++tries == CONTIG_MIGRATE_TRIES) {
			ret = -EBUSY;
			break;
		}
		total_reclaimed += reclaim_clean_pages_from_list(m, iso.list, &iso.n);
		total_mapped += mapped_pages(m, iso.list, iso.n);
		nqueued = iso.n;
		for (size_t i = 0; i < iso.n; i++) {
			queued[i] = iso.list[i];
			owner[i] = folio_owner(m, iso.list[i]);
		}
		/* what fails stays on the list (isolated) for the next try */
		rc = migrate_pages(m, iso.list, &iso.n, 0, &t, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_CONTIG_RANGE, &mr);
		m->vm[VM_CONTIG_MIGRATED] += mr.nr_succeeded;
		if (!rc)
			total_migrated += nqueued;
		if (rc == -ENOMEM) {
			ret = -ENOMEM;
			break;
		}
		/*
		 * a hugetlb folio that failed stays for the next try only if it is
		 * still there with its owner (isolation took no reference: one
		 * migration freed back to the pool may be another's target by now)
		 */
		size_t keep = 0;

		for (size_t i = 0; i < iso.n; i++) {
			size_t j = 0;

			while (j < nqueued && queued[j] != iso.list[i])
				j++;
			if (pg_kind(m, iso.list[i]) != PGK_HUGETLB ||
			    (j < nqueued && folio_movable(m, iso.list[i]) && folio_owner(m, iso.list[i]) == owner[j]))
				iso.list[keep++] = iso.list[i];
		}
		iso.n = keep;
	}
	putback_movable_pages(m, iso.list, iso.n);
	if (!iso.err)
		m->contig_fail.scan_end = pfn;
	if (m->cfg.era == PFNLAB_ERA_CURRENT && m->cfg.kernel == PFNLAB_KERNEL_6_12)
		trace_printf(m, "mm_alloc_contig_migrate_range_info",
			     "start=0x%llx end=0x%llx migratetype=%d nr_migrated=%llu nr_reclaimed=%llu nr_mapped=%llu",
			     (unsigned long long)start, (unsigned long long)end, (int)total_mapped,
			     (unsigned long long)mt, (unsigned long long)total_migrated,
			     (unsigned long long)total_reclaimed);
	return ret;
}

/*
 * Why the hugetlb folio at @head is still in the range: gigantic (given
 * up at once), a free page nothing could replace (-ENOMEM at it), a page
 * v4.2 never isolates or one migration freed back into the pool, extra
 * references
 */
static enum pfnlab_busy_reason hugetlb_busy_reason(const struct pfnlab_machine *m, uint64_t head)
{
	const struct frame *f = &m->frames[head];
	const struct contig_failure *cf = &m->contig_fail;

	if (f->order >= m->nr_orders)
		return PFNLAB_BUSY_GIGANTIC;
	if (cf->err == -ENOMEM && head == cf->fin_pfn)
		return PFNLAB_BUSY_NO_REPLACEMENT;
	if (m->cfg.era == PFNLAB_ERA_2015 || !f->refcount)
		return PFNLAB_BUSY_HUGETLB;
	return f->refcount > folio_expected_refs(m, head) ? PFNLAB_BUSY_EXTRA_REF : PFNLAB_BUSY_NOT_MIGRATED;
}

/* Why the user folio at @head is still in the range (pfnlab's own classification). */
static enum pfnlab_busy_reason busy_reason(const struct pfnlab_machine *m, uint64_t head)
{
	const struct frame *f = &m->frames[head];

	if (pg_kind(m, head) == PGK_HUGETLB)
		return hugetlb_busy_reason(m, head);

	if (pg_flags(m, head) & PG_WRITEBACK)
		return PFNLAB_BUSY_WRITEBACK;
	if (pg_flags(m, head) & PG_BH_HELD)
		return PFNLAB_BUSY_BUFFERS;
	if (f->refcount > folio_expected_refs(m, head)) {
		if (f->flags & F_ANON)
			return PFNLAB_BUSY_SKIPPED;
		/* page cache is isolated whatever it holds: it failed, or the attempt ended before it */
		return head < m->contig_fail.scan_end ? PFNLAB_BUSY_EXTRA_REF : PFNLAB_BUSY_NOT_REACHED;
	}
	return PFNLAB_BUSY_NOT_MIGRATED;
}

/* Classify a busy folio at @head and record it. */
static void add_culprit(struct pfnlab_machine *m, uint64_t head)
{
	struct contig_failure *cf = &m->contig_fail;
	const struct frame *f = &m->frames[head];
	struct pfnlab_culprit c = {.pfn = head, .order = f->order, .kind = PFNLAB_HOLD_UNMOVABLE,
				   .reason = PFNLAB_BUSY_UNMOVABLE};

	if (cf->nr == cf->cap) {
		size_t cap = cf->cap ? cf->cap * 2 : 64;
		struct pfnlab_culprit *p;

		if (cap > MAX_CULPRITS)
			return;
		p = realloc(cf->culprits, cap * sizeof(*p));
		if (!p)
			return;
		cf->culprits = p;
		cf->cap = cap;
	}
	c.refcount = f->refcount;
	c.page_kind = (f->flags & F_RESERVED) ? PFNLAB_PAGE_RESERVED : page_state(m, head);
	if (pg_kind(m, head) == PGK_HUGETLB && ((pg_flags(m, head) & HPG_FREED) || !f->next)) {
		/* a free pool page (its owner fields are links), or one out of any file */
		c.kind = PFNLAB_HOLD_OTHER;
		c.reason = hugetlb_busy_reason(m, head);
		strcpy(c.pinner, (pg_flags(m, head) & HPG_FREED) ? "hugetlb pool (free)" : "hugetlb pool");
	} else if (folio_movable(m, head) || pg_kind(m, head) == PGK_HUGETLB) {
		bool anon = f->flags & F_ANON;
		const struct pin_rec *r = anon ? pin_find(m, f->next, f->prev) : NULL;

		if (anon) {
			struct mm *mm = mm_get(m, f->next);

			c.owner = f->next;
			c.vaddr = (uint64_t)f->prev << m->cfg.page_shift;
			if (mm)
				memcpy(c.owner_name, mm->name, sizeof(c.owner_name));
		} else {
			c.mapping = f->next;
			c.index = f->prev;
			memcpy(c.owner_name, m->mappings[f->next - 1].name, sizeof(c.owner_name));
		}
		c.mapcount = f->mt;
		c.pincount = folio_pincount(m, head);
		c.transient = transient_refs(m, head);
		c.reason = busy_reason(m, head);
		if (c.pincount && (f->flags & F_PINNED))
			c.kind = PFNLAB_HOLD_LONGTERM_PIN;
		else if (c.pincount)
			c.kind = PFNLAB_HOLD_PIN;
		else if (c.transient)
			c.kind = PFNLAB_HOLD_TRANSIENT;
		else if (plain_refs(m, head))
			c.kind = PFNLAB_HOLD_GET;
		else
			c.kind = PFNLAB_HOLD_OTHER;
		if (r) {
			memcpy(c.pinner, r->pinner, sizeof(c.pinner));
			c.since_ns = r->since_ns;
		}
	} else if (f->flags & F_RESERVED) {
		c.order = 0;
		strcpy(c.pinner, "reserved memory");
	} else {
		strcpy(c.pinner, "kernel allocation");
	}
	cf->culprits[cf->nr++] = c;
}

/* Note the failure of [start, end); the culprits are collected by contig_collect_culprits(). */
static void note_failure(struct pfnlab_machine *m, uint64_t start, uint64_t end, uint64_t outer,
			 uint64_t fin, int err)
{
	struct contig_failure *cf = &m->contig_fail;

	cf->valid = true;
	cf->start = start;
	cf->end = end;
	cf->outer_start = outer;
	cf->fin_pfn = fin;
	cf->err = err;
	cf->when_ns = m->now_ns;
	cf->nr = 0;
}

/* Every busy folio of the last failure, from its first busy PFN to its end. */
void contig_collect_culprits(struct pfnlab_machine *m)
{
	struct contig_failure *cf = &m->contig_fail;

	cf->nr = 0;
	if (!cf->valid)
		return;
	if (cf->err == -ENOMEM) { /* the hugetlb page that ended the attempt */
		add_culprit(m, cf->fin_pfn);
		return;
	}
	for (uint64_t p = cf->fin_pfn; p < cf->end;) {
		const struct frame *f = &m->frames[p];
		uint64_t head;

		if (f->flags & F_BUDDY) {
			p += 1ull << f->order;
			continue;
		}
		if (f->flags & (F_HOLE | F_PCP)) {
			p++;
			continue;
		}
		if (f->flags & F_RESERVED) {
			add_culprit(m, p++);
			continue;
		}
		head = folio_head(m, p);
		if (head == NIL_PFN) {
			p++;
			continue;
		}
		/*
		 * a page-cache folio the attempt ended before reaching would have
		 * moved: no culprit; nor a hugetlb page v6.1 would have migrated
		 * or dissolved
		 */
		if (!(pg_kind(m, head) && head >= cf->scan_end &&
		      (busy_reason(m, head) == PFNLAB_BUSY_NOT_MIGRATED ||
		       (m->cfg.era == PFNLAB_ERA_CURRENT && busy_reason(m, head) == PFNLAB_BUSY_HUGETLB))))
			add_culprit(m, head);
		p = head + (1ull << m->frames[head].order);
	}
}

/* models the outer_start search of alloc_contig_range(); NIL_PFN in 2015 when none */
static uint64_t find_outer_start(const struct pfnlab_machine *m, uint64_t start)
{
	uint64_t outer = start;
	unsigned order = 0;

	while (!(m->frames[outer].flags & F_BUDDY)) {
		if (++order >= m->nr_orders)
			return m->cfg.era == PFNLAB_ERA_2015 ? NIL_PFN : start;
		outer &= ~((1ull << order) - 1);
	}
	if (m->cfg.era == PFNLAB_ERA_CURRENT && outer != start &&
	    outer + (1ull << m->frames[outer].order) <= start)
		outer = start;
	return outer;
}

/* Take every free page of [start, end) as an order-0 allocation; returns the end taken to. */
static uint64_t take_free_range(struct pfnlab_machine *m, uint64_t start, uint64_t end)
{
	uint64_t p = start;

	while (p < end) {
		struct frame *f = &m->frames[p];
		unsigned order = f->order;
		struct zone *z = pfn_zone(m, p);

		list_del_block(m, z, p);
		for (uint64_t i = 0; i < (1ull << order); i++)
			m->frames[p + i] = (struct frame){.flags = F_ALLOC, .refcount = 1};
		p += 1ull << order;
	}
	return p;
}

static void free_range(struct pfnlab_machine *m, uint64_t start, uint64_t end)
{
	for (uint64_t p = start; p < end; p++)
		free_frames(m, p, 0);
}

/*
 * alloc_contig_range() proper; a busy range is noted (cheaply: cma_alloc()
 * may try thousands of candidates) and its culprits collected by the caller.
 */
int alloc_contig_range(struct pfnlab_machine *m, uint64_t start, uint64_t end, int mt)
{
	uint64_t align = m->pb_pages, a, b, outer, outer_end, fin = 0;
	int zi, ret;

	if (start >= end || end > m->nr_pfns || (mt != PFNLAB_MT_CMA && mt != PFNLAB_MT_MOVABLE))
		return -EINVAL;
	zi = pfn_zone_index(m, start);
	if (zi < 0 || zi != pfn_zone_index(m, end - 1))
		return -EINVAL;
	if (m->cfg.era == PFNLAB_ERA_2015 && (1ull << m->cfg.max_order) > align)
		align = 1ull << m->cfg.max_order;
	a = start & ~(align - 1);
	b = (end + align - 1) & ~(align - 1);
	if (b > m->nr_pfns)
		b = m->nr_pfns;
	m->contig_fail.valid = false;
	ret = start_isolate_page_range(m, a, b, mt);
	if (ret)
		return ret;
	ret = migrate_range(m, start, end, mt);
	if (ret && (m->cfg.era == PFNLAB_ERA_2015 || ret != -EBUSY))
		goto done;
	ret = 0;
	/* 6.12: free pool pages migration left in the range are dissolved (replace_free_hugepage_folios()) */
	if (m->cfg.era == PFNLAB_ERA_CURRENT && m->cfg.kernel == PFNLAB_KERNEL_6_12 && m->pgflags) {
		ret = replace_free_hugepage_folios(m, start, end);
		if (ret)
			goto done;
	}
	for (int i = 0; i < m->nr_zones; i++)
		pcp_drain_zone(m, &m->zones[i]);
	outer = find_outer_start(m, start);
	if (outer == NIL_PFN) {
		ret = -EBUSY;
		note_failure(m, start, end, start, start, ret);
		goto done;
	}
	if (test_pages_isolated(m, outer, end, &fin)) {
		ret = -EBUSY;
		m->vm[VM_CONTIG_BUSY]++;
		if (m->cfg.era == PFNLAB_ERA_2015)
			log_printf(m, "alloc_contig_range: [%llx, %llx) PFNs busy", (unsigned long long)outer,
				   (unsigned long long)end);
		note_failure(m, start, end, outer, fin, ret);
		goto done;
	}
	outer_end = take_free_range(m, outer, end);
	free_range(m, outer, start);
	free_range(m, end, outer_end);
done:
	undo_isolate_page_range(m, a, b, mt);
	return ret;
}

/* Is @ret a failure whose culprits are worth collecting: busy pages, or a hugetlb page that ended it? */
bool contig_failed_at_pages(const struct pfnlab_machine *m, int ret)
{
	return ret == -EBUSY || (ret == -ENOMEM && m->contig_fail.valid && m->contig_fail.err == -ENOMEM);
}

int pfnlab_alloc_contig_range(struct pfnlab_machine *m, uint64_t start, uint64_t end, int mt)
{
	if (!m)
		return -EINVAL;
	int ret = alloc_contig_range(m, start, end, mt);

	if (contig_failed_at_pages(m, ret))
		contig_collect_culprits(m);
	return ret;
}

int pfnlab_free_contig_range(struct pfnlab_machine *m, uint64_t pfn, uint64_t count)
{
	if (!m)
		return -EINVAL;
	if (pfn + count > m->nr_pfns || pfn + count < pfn)
		return -EINVAL;
	for (uint64_t p = pfn; p < pfn + count; p++) {
		const struct frame *f = &m->frames[p];

		if (!(f->flags & F_ALLOC) || f->order || f->refcount != 1 || (f->flags & F_ANON) || pg_flags(m, p))
			return -EINVAL;
	}
	free_range(m, pfn, pfn + count);
	return 0;
}

int pfnlab_contig_failure(const struct pfnlab_machine *m, struct pfnlab_contig_failure *out)
{
	if (!m || !out)
		return -EINVAL;
	const struct contig_failure *cf = &m->contig_fail;

	if (!cf->valid)
		return -ENOENT;
	*out = (struct pfnlab_contig_failure){
		.start = cf->start, .end = cf->end, .outer_start = cf->outer_start,
		.fin_pfn = cf->fin_pfn, .err = cf->err, .when_ns = cf->when_ns,
		.nr_culprits = cf->nr, .culprits = cf->culprits,
	};
	return 0;
}

void contig_free_all(struct pfnlab_machine *m)
{
	free(m->contig_fail.culprits);
	m->contig_fail = (struct contig_failure){0};
}

const char *pfnlab_busy_reason_name(enum pfnlab_busy_reason r)
{
	static const char *const names[PFNLAB_BUSY_REASONS] = {
		"skipped", "extra-ref", "writeback", "unmovable", "not-migrated", "not-reached", "gigantic",
		"no-replacement", "hugetlb", "buffers",
	};

	return (unsigned)r < PFNLAB_BUSY_REASONS ? names[r] : "?";
}
