/*
 * writeback.c - dirty page cache back to disk: thresholds, the flusher,
 * and writeback completing with model time.
 *
 * Models global_dirtyable_memory() and domain_dirty_limits()
 * (mm/page-writeback.c: v6.1's per-PAGE_SIZE ratios, v4.2's percent),
 * the flusher's periodic (kupdate: inodes dirtied more than
 * dirty_expire_centisecs ago) and background (while NR_FILE_DIRTY is over
 * the background threshold, oldest inodes first) writeback of
 * wb_do_writeback() (fs/fs-writeback.c), wakeup_flusher_threads() from
 * reclaim, __folio_start_writeback() and folio_end_writeback():
 * PG_writeback cleared, a PG_reclaim folio rotated to the tail of its
 * inactive list (pgrotated).  Below filemap.c: the flusher finds dirty
 * pages with the page cache's lookup (cache_lookup(), model.h).
 *
 * Time: the flusher wakes every dirty_writeback_centisecs of model time
 * (timer.c); one disk takes the pages in order at the machine's
 * disk bandwidth (pfnlab's own parameter, cfg.disk_bw) and each page's
 * writeback ends when its transfer does.  A writer over the background
 * threshold starts background writeback at once (balance_dirty_pages()
 * would also throttle it over the dirty limit; the model cannot block).
 *
 * An inode's pages are written, then the inode itself if dirty (ext2:
 * its inode table block's page on the device, buffer.c).  A flush woken by
 * reclaim writes the inodes dirty when it starts (queue_io()'s b_io), one
 * full flush at a time (WB_start_all, v6.1 and v6.12).
 *
 * Simplified: whole inodes are written (no writeback_control chunks, no
 * per-bdi limits or bandwidth estimation); an early end of writeback
 * (fsync, a migration that waited) leaves its completion in the queue,
 * where it ends nothing when its time comes.
 */
#include <stdlib.h>

#include "model.h"

#define DEFAULT_DISK_BW (256ull << 20) /* bytes per second when cfg.disk_bw is 0 */

/* models global_dirtyable_memory(): free pages less the reserves, plus the file LRU */
static uint64_t dirtyable_memory(const struct pfnlab_machine *m)
{
	uint64_t free = 0, reserve = totalreserve_pages(m), file = 0;

	for (int i = 0; i < m->nr_zones; i++)
		free += m->zones[i].nr_free > 0 ? (uint64_t)m->zones[i].nr_free : 0;
	free -= reserve < free ? reserve : free;
	for (int i = 0; i < PFNLAB_NR_ZONES; i++)
		file += m->zone_lru[i][LRU_INACTIVE_FILE] + m->zone_lru[i][LRU_ACTIVE_FILE];
	return free + file + 1;
}

/* models global_dirty_limits() -> domain_dirty_limits(): the background and the dirty threshold */
void global_dirty_limits(const struct pfnlab_machine *m, uint64_t *bg, uint64_t *thresh)
{
	const struct vm_sysctl *s = &m->sysctl;
	uint64_t avail = dirtyable_memory(m), page = 1ull << m->cfg.page_shift, t, b;

	if (m->cfg.era == PFNLAB_ERA_2015) {
		t = s->dirty_bytes ? (s->dirty_bytes + page - 1) / page : s->dirty_ratio * avail / 100;
		b = s->dirty_background_bytes ? (s->dirty_background_bytes + page - 1) / page
					      : s->dirty_background_ratio * avail / 100;
	} else {
		t = s->dirty_bytes ? (s->dirty_bytes + page - 1) / page : (s->dirty_ratio * page / 100) * avail / page;
		b = s->dirty_background_bytes ? (s->dirty_background_bytes + page - 1) / page
					      : (s->dirty_background_ratio * page / 100) * avail / page;
		if (t > UINT32_MAX)
			t = UINT32_MAX;
	}
	if (b >= t)
		b = t / 2;
	*bg = b;
	*thresh = t;
}

static uint64_t disk_ns_per_page(const struct pfnlab_machine *m)
{
	uint64_t bw = m->cfg.disk_bw ? m->cfg.disk_bw : DEFAULT_DISK_BW;

	return ((1000000000ull << m->cfg.page_shift) + bw - 1) / bw;
}

static void wb_heap_swap(struct wb_done *a, struct wb_done *b)
{
	struct wb_done t = *a;

	*a = *b;
	*b = t;
}

/* Queue the end of the writeback of the folio at @head after the disk's current work. */
static void queue_completion(struct pfnlab_machine *m, uint64_t head)
{
	uint64_t start = m->disk_busy_ns > m->now_ns ? m->disk_busy_ns : m->now_ns;
	unsigned i;

	m->disk_busy_ns = start + disk_ns_per_page(m);
	if (m->nr_wb == m->cap_wb) {
		unsigned cap = m->cap_wb ? m->cap_wb * 2 : 64;
		struct wb_done *n = realloc(m->wb, cap * sizeof(*n));

		if (!n) { /* no room to wait: the write completes at once */
			folio_end_writeback(m, head);
			return;
		}
		m->wb = n;
		m->cap_wb = cap;
	}
	i = m->nr_wb++;
	m->wb[i] = (struct wb_done){.when_ns = m->disk_busy_ns, .pfn = (uint32_t)head,
				    .mapping = m->frames[head].next, .index = m->frames[head].prev};
	while (i && m->wb[(i - 1) / 2].when_ns > m->wb[i].when_ns) {
		wb_heap_swap(&m->wb[(i - 1) / 2], &m->wb[i]);
		i = (i - 1) / 2;
	}
}

/* Take the earliest completion off the queue. */
static struct wb_done pop_completion(struct pfnlab_machine *m)
{
	struct wb_done top = m->wb[0];
	unsigned i = 0;

	m->wb[0] = m->wb[--m->nr_wb];
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, s = i;

		if (l < m->nr_wb && m->wb[l].when_ns < m->wb[s].when_ns)
			s = l;
		if (r < m->nr_wb && m->wb[r].when_ns < m->wb[s].when_ns)
			s = r;
		if (s == i)
			break;
		wb_heap_swap(&m->wb[i], &m->wb[s]);
		i = s;
	}
	return top;
}

/* models folio_clear_dirty_for_io() + __folio_start_writeback() */
void folio_start_writeback(struct pfnlab_machine *m, uint64_t head)
{
	struct mapping *mp = mapping_get(m, m->frames[head].next);

	if (m->pgflags[head] & PG_DIRTY) {
		m->pgflags[head] &= (uint16_t)~PG_DIRTY;
		mp->nr_dirty--;
		m->nr_dirty--;
	}
	m->pgflags[head] |= PG_WRITEBACK;
	mp->nr_writeback++;
	m->nr_writeback++;
}

/* models folio_end_writeback(): a folio reclaim wanted (PG_reclaim) rotates to the inactive tail */
void folio_end_writeback(struct pfnlab_machine *m, uint64_t head)
{
	struct mapping *mp = mapping_get(m, m->frames[head].next);

	if (!(m->pgflags[head] & PG_WRITEBACK))
		return;
	m->pgflags[head] &= (uint16_t)~PG_WRITEBACK;
	mp->nr_writeback--;
	m->nr_writeback--;
	m->vm[VM_NR_WRITTEN]++;
	if (m->pgflags[head] & PG_RECLAIM) {
		m->pgflags[head] &= (uint16_t)~PG_RECLAIM;
		folio_rotate_reclaimable(m, head);
	}
}

/*
 * __writeback_single_inode(): start writeback of every dirty page of @mp
 * (its pages are written whole), then write the inode itself if it is
 * dirty; returns the pages started
 */
static uint64_t write_inode(struct pfnlab_machine *m, struct mapping *mp)
{
	uint64_t n = 0;

	mp->wb_queued = false;
	for (uint64_t i = cache_next(mp, 0); i < mp->nr_pages && mp->nr_dirty; i = cache_next(mp, i + 1)) {
		const uint32_t *slot = cache_lookup(mp, i);

		if (!slot || !*slot || !(m->pgflags[*slot - 1u] & PG_DIRTY))
			continue;
		folio_start_writeback(m, *slot - 1u);
		queue_completion(m, *slot - 1u);
		n++;
	}
	ext2_write_inode(m, mp);
	return n;
}

/*
 * The dirty inode dirtied first, or NULL (a file system's b_dirty list,
 * oldest first); @queued: of those on the work's b_io list only
 */
static struct mapping *oldest_dirty_inode(struct pfnlab_machine *m, bool queued)
{
	struct mapping *best = NULL;

	for (unsigned i = 0; i < m->nr_mappings; i++) {
		struct mapping *mp = &m->mappings[i];

		if (mp->live && mp->nr_dirty && mp->fs != PFNLAB_FS_SHMEM && (!queued || mp->wb_queued) &&
		    (!best || mp->dirtied_when_ns < best->dirtied_when_ns))
			best = mp;
	}
	return best;
}

/* models wb_check_background_flush(): write the oldest inodes while NR_FILE_DIRTY is over the threshold */
static void background_writeback(struct pfnlab_machine *m)
{
	uint64_t bg, thresh;
	struct mapping *mp;

	global_dirty_limits(m, &bg, &thresh);
	while (m->nr_dirty > bg && (mp = oldest_dirty_inode(m, false)))
		write_inode(m, mp);
}

/* models wb_check_old_data_flush(): inodes dirtied more than dirty_expire_centisecs ago */
static void kupdate_writeback(struct pfnlab_machine *m)
{
	uint64_t expire = (uint64_t)m->sysctl.dirty_expire_centisecs * 10000000ull;

	for (unsigned i = 0; i < m->nr_mappings && m->nr_dirty; i++) {
		struct mapping *mp = &m->mappings[i];

		if (mp->live && mp->nr_dirty && mp->fs != PFNLAB_FS_SHMEM && mp->dirtied_when_ns + expire <= m->now_ns)
			write_inode(m, mp);
	}
}

/*
 * models wakeup_flusher_threads(): start writeback of up to @nr_pages
 * dirty pages (0: all), oldest inodes first, of the inodes dirty when the
 * work started: queue_io() moves them to b_io once, and an inode dirtied
 * while the work runs (ext2_write_inode()'s device) waits for the next.
 * A full flush (@nr_pages 0, the call of v6.1 and v6.12) is one at a time
 * (WB_start_all): while one runs, another wake-up does nothing.  Its
 * wb_writeback() ends when its last page is submitted, which the block
 * layer's queue lets happen near the end of the transfer: simplified to
 * when the disk has written it.
 */
void wakeup_flusher_threads(struct pfnlab_machine *m, uint64_t nr_pages)
{
	uint64_t done = 0;
	struct mapping *mp;

	if (!nr_pages && m->now_ns < m->start_all_ns)
		return;
	for (unsigned i = 0; i < m->nr_mappings; i++)
		m->mappings[i].wb_queued = m->mappings[i].nr_dirty != 0;
	while ((!nr_pages || done < nr_pages) && (mp = oldest_dirty_inode(m, true)))
		done += write_inode(m, mp);
	for (unsigned i = 0; i < m->nr_mappings; i++)
		m->mappings[i].wb_queued = false;
	if (!nr_pages && done)
		m->start_all_ns = m->disk_busy_ns;
}

/* A writer dirtied pages (balance_dirty_pages_ratelimited()): over the background threshold, the flusher starts */
void balance_dirty_pages(struct pfnlab_machine *m)
{
	uint64_t bg, thresh;

	if (!m->nr_dirty)
		return;
	global_dirty_limits(m, &bg, &thresh);
	if (m->nr_dirty > bg)
		background_writeback(m);
}

/* When the flusher or the disk next has work: a completion, or a flusher run while pages are dirty. */
uint64_t writeback_next_event(const struct pfnlab_machine *m)
{
	uint64_t flush = m->sysctl.dirty_writeback_centisecs && m->nr_dirty ? m->next_flush_ns : UINT64_MAX;
	uint64_t done = m->nr_wb ? m->wb[0].when_ns : UINT64_MAX;

	return flush < done ? flush : done;
}

/*
 * Model time runs to @until, writeback completions and the flusher's
 * periodic runs in time order, or stops at the completion that brings the
 * pages written since the call to @pages (the wake-up of
 * __acct_reclaim_writeback()).  Returns whether it stopped there.
 */
static bool writeback_run(struct pfnlab_machine *m, uint64_t until, uint64_t pages)
{
	uint64_t period = (uint64_t)m->sysctl.dirty_writeback_centisecs * 10000000ull;
	uint64_t written = m->vm[VM_NR_WRITTEN];

	for (;;) {
		uint64_t flush = period ? m->next_flush_ns : UINT64_MAX;
		uint64_t done = m->nr_wb ? m->wb[0].when_ns : UINT64_MAX;

		if (flush > until && done > until)
			return false;
		if (done <= flush) {
			struct wb_done d = pop_completion(m);
			const struct frame *f = &m->frames[d.pfn];

			m->now_ns = d.when_ns > m->now_ns ? d.when_ns : m->now_ns;
			if ((f->flags & F_ALLOC) && pg_kind(m, d.pfn) == PGK_FILE && f->next == d.mapping &&
			    f->prev == d.index)
				folio_end_writeback(m, d.pfn);
			if (m->vm[VM_NR_WRITTEN] - written >= pages)
				return true;
			continue;
		}
		if (!m->nr_dirty && done > until) { /* idle ticks up to @until: the next one after it */
			m->next_flush_ns = flush + (until - flush) / period * period + period;
			continue;
		}
		m->now_ns = flush > m->now_ns ? flush : m->now_ns;
		m->next_flush_ns = flush + period;
		if (!m->nr_dirty)
			continue;
		background_writeback(m);
		kupdate_writeback(m);
	}
}

/* Model time runs to @until: writeback completions and the flusher's periodic runs, in time order */
void writeback_advance(struct pfnlab_machine *m, uint64_t until)
{
	writeback_run(m, until, UINT64_MAX);
}

/*
 * A reclaimer sleeps until @until or until @pages more pages finished
 * writeback, whichever comes first; model time is then the moment it wakes
 */
void writeback_wait(struct pfnlab_machine *m, uint64_t until, uint64_t pages)
{
	if (!writeback_run(m, until, pages) && m->now_ns < until)
		m->now_ns = until;
}

/* The flusher's period changed (vm.dirty_writeback_centisecs): its next run is one period from now. */
void writeback_reschedule(struct pfnlab_machine *m)
{
	m->next_flush_ns = m->now_ns + (uint64_t)m->sysctl.dirty_writeback_centisecs * 10000000ull;
}

void writeback_free_all(struct pfnlab_machine *m)
{
	free(m->wb);
	m->wb = NULL;
	m->nr_wb = m->cap_wb = 0;
}
