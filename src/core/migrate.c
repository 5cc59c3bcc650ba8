/*
 * migrate.c - page migration: move folios to new frames, carrying their
 * contents and mappings.
 *
 * Models migrate_pages()/migrate_pages_batch() of mm/migrate.c (Debian
 * 6.1.192, whose migration core is 6.3's): up to NR_MAX_MIGRATE_PAGES_RETRY
 * (10) passes, force from the fourth.  Per folio, as
 * migrate_folio_unmap() and migrate_folio_move(): the target is allocated
 * first (so a folio that then fails still costs an allocation and a
 * free); a folio under writeback is -EBUSY outside MIGRATE_SYNC and
 * -EAGAIN in it until force, when it is waited for; then the move by
 * kind: anonymous and migrate_folio() (shmem) and buffer_migrate_folio()
 * (ext4, ext2: buffers move along) need exactly the references of
 * folio_expected_refs() (else -EAGAIN, retried), and a block device's
 * buffer_migrate_folio_norefs() also buffers nobody holds;
 * fallback_migrate_folio() (vfat) writes a dirty folio out first
 * (writeout(): writeback starts, -EAGAIN; -EBUSY outside MIGRATE_SYNC)
 * and drops clean buffers.  -EAGAIN is retried next pass, other errors
 * fail the folio for this call; a target that cannot be allocated ends the
 * call with -ENOMEM, after a large folio is first split and its pieces
 * queued.  Success copies the contents, points every mapping at the new
 * frame (and the page cache slot), moves the dirty bit and frees the old
 * frame.  Counts pgmigrate_success/fail and emits mm_migrate_pages (v6.12
 * fields today, v4.2 fields in 2015).  v4.2's unmap_and_move() checked in
 * the same order with the same arithmetic.
 *
 * hugetlb folios go first, each alone (migrate_hugetlbs(); targets and the
 * pool's side in hugetlb.c).
 *
 * Simplified: no migration entries or locking; a wait for writeback
 * completes it at once (no disk time).
 */
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "migrate.h"

#define NR_MAX_MIGRATE_PAGES_RETRY 10

static const char *const mode_names[] = {"MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT", "MIGRATE_SYNC"};
static const char *const reason_names[PFNLAB_MR_TYPES] = {
	"compaction", "memory_failure", "memory_hotplug", "syscall_or_cpuset", "mempolicy_mbind",
	"numa_misplaced", "contig_range", "longterm_pin", "demotion",
};

/*
 * Split an isolated huge folio into order-0 folios, each mapped once and
 * isolated (split_folio_to_list())
 */
static int split_folio(struct pfnlab_machine *m, uint64_t head)
{
	struct frame *f = &m->frames[head];
	uint64_t n = 1ull << f->order;
	uint32_t owner = f->next, vpn = f->prev;
	uint8_t flags = f->flags;
	uint16_t pf = pg_flags(m, head);

	if (f->refcount != f->mt + 1u || f->mt != 1) /* the mapping and the isolation */
		return -EAGAIN;
	m->frames[head + 1].refcount = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct frame *p = &m->frames[head + i];

		p->flags = flags;
		p->order = 0;
		p->refcount = 2;
		p->mt = 1;
		p->next = owner;
		p->prev = vpn + (uint32_t)i;
		if (m->pgflags)
			m->pgflags[head + i] = pf;
	}
	return 0;
}

/*
 * models folio_copy(), mm/util.c: the contents of @bytes (whole pages)
 * from @src to @dst.  The target is not read again soon, so on x86 the
 * stores bypass the cache, as a large memcpy() does: a cached 4 KiB copy
 * must first read every target line and costs about 1.6x the bandwidth.
 * The thread that copied sees its own stores; copy_pages_fence() orders
 * them for everyone else.
 */
#if defined(__x86_64__) && defined(__GNUC__)
/* copy_pages() with 32-byte streaming stores, half the instructions of SSE2 */
__attribute__((target("avx"))) static void copy_pages_avx(uint8_t *dst, const uint8_t *src, size_t bytes)
{
	for (const uint8_t *end = src + bytes; src < end; src += 128, dst += 128) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)src);
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(src + 32));
		__m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(src + 64));
		__m256i e = _mm256_loadu_si256((const __m256i *)(const void *)(src + 96));

		_mm256_stream_si256((__m256i *)(void *)dst, a);
		_mm256_stream_si256((__m256i *)(void *)(dst + 32), b);
		_mm256_stream_si256((__m256i *)(void *)(dst + 64), c);
		_mm256_stream_si256((__m256i *)(void *)(dst + 96), e);
	}
}
#endif

static void copy_pages(uint8_t *dst, const uint8_t *src, size_t bytes)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (((uintptr_t)dst & 31) == 0 && (bytes & 127) == 0 && __builtin_cpu_supports("avx")) {
		copy_pages_avx(dst, src, bytes);
		return; /* pfnlab_migrate_pages() fences once for all its copies */
	}
#endif
#ifdef __SSE2__
	if (((uintptr_t)dst & 15) == 0 && (bytes & 63) == 0) {
		__m128i *d = (__m128i *)(void *)dst;
		const __m128i *s = (const __m128i *)(const void *)src;

		for (size_t i = 0; i < bytes / 16; i += 4) {
			__m128i a = _mm_loadu_si128(s + i), b = _mm_loadu_si128(s + i + 1);
			__m128i c = _mm_loadu_si128(s + i + 2), e = _mm_loadu_si128(s + i + 3);

			_mm_stream_si128(d + i, a);
			_mm_stream_si128(d + i + 1, b);
			_mm_stream_si128(d + i + 2, c);
			_mm_stream_si128(d + i + 3, e);
		}
		return;
	}
#endif
	memcpy(dst, src, bytes);
}

/* Make the streaming stores of copy_pages() visible to other threads. */
static void copy_pages_fence(void)
{
#ifdef __SSE2__
	_mm_sfence();
#endif
}

/*
 * models writeout(): start writeback of a dirty folio for reclaim; the
 * folio is not migrated in this pass (-EAGAIN), -EIO if ->writepage() fails
 */
static int writeout(struct pfnlab_machine *m, uint64_t head)
{
	if (pfnlab_fault_should_fail(m, PFNLAB_FAULT_WRITEOUT))
		return -EIO;
	folio_start_writeback(m, head);
	m->vm[VM_WRITEOUT]++;
	return -EAGAIN;
}

/*
 * models move_to_new_folio()'s callback choice: 0 when the folio may move
 * now, else the callback's error
 */
static int move_check(struct pfnlab_machine *m, uint64_t src, int mode)
{
	const struct frame *f = &m->frames[src];
	unsigned pf = pg_flags(m, src);

	if ((pf & PGK_MASK) == PGK_FILE &&
	    m->mappings[f->next - 1].fs == PFNLAB_FS_VFAT) { /* fallback_migrate_folio() */
		if (pf & PG_DIRTY)
			return mode == PFNLAB_MIGRATE_SYNC ? writeout(m, src) : -EBUSY;
		folio_drop_buffers(m, src); /* filemap_release_folio() */
	}
	if (pf & PG_BH_HELD) /* buffer_migrate_folio_norefs(): a buffer still in use, after invalidate_bh_lrus() */
		return -EAGAIN;
	/* folio_migrate_mapping() / __buffer_migrate_folio(): the refcount freeze (+1: the isolation) */
	return f->refcount == folio_expected_refs(m, src) + 1 ? 0 : -EAGAIN;
}

/* get_new_page(): a target for @src from the context, or the buddy allocator */
static uint64_t new_target(struct pfnlab_machine *m, uint64_t src, const struct migrate_ctx *ctx)
{
	const struct pfnlab_migrate_target *t = ctx->target;
	unsigned order = m->frames[src].order, saved = m->memalloc_flags;
	uint64_t dst;

	if (pfnlab_fault_should_fail(m, PFNLAB_FAULT_MIGRATE_TARGET))
		return NIL_PFN;
	if (ctx->alloc)
		return ctx->alloc(m, src, ctx->arg);
	if (t->flags & PFNLAB_TARGET_NOCMA)
		m->memalloc_flags |= MEMALLOC_NOCMA;
	if (t->flags & PFNLAB_TARGET_PIN)
		m->memalloc_flags |= MEMALLOC_PIN | MEMALLOC_NOCMA;
	/* v5.16+ allocates every target as a folio (__folio_alloc(): __GFP_COMP at any order); v4.2 alloc_page() */
	dst = alloc_frames(m, t->gfp | (order || m->cfg.era == PFNLAB_ERA_CURRENT ? PFNLAB___GFP_COMP : 0), order);
	m->memalloc_flags = saved;
	return dst;
}

/* models migrate_folio_unmap() + migrate_folio_move(): 0, -EAGAIN, -EBUSY, -EIO or -ENOMEM */
static int migrate_folio(struct pfnlab_machine *m, uint64_t src, const struct migrate_ctx *ctx, int mode,
			 bool force)
{
	struct frame *f = &m->frames[src];
	unsigned order = f->order;
	uint64_t dst, n = 1ull << order;
	int rc = 0;
	bool file = folio_is_file_lru(m, src);

	if (f->refcount == 1) { /* only the isolation holds it: freed under us, done (no target) */
		folio_isolated_put(m, src, file);
		if (ctx->freed)
			ctx->freed(m, src, order, ctx->arg);
		return 0;
	}
	dst = new_target(m, src, ctx);
	if (dst == NIL_PFN)
		return -ENOMEM;
	if (pg_flags(m, src) & PG_WRITEBACK) {
		if (mode != PFNLAB_MIGRATE_SYNC) {
			rc = -EBUSY;
		} else if (!force) {
			rc = -EAGAIN;
		} else { /* folio_wait_writeback() */
			folio_end_writeback(m, src);
			m->vm[VM_WRITEBACK_WAITED]++;
		}
	}
	if (!rc)
		rc = move_check(m, src, mode);
	if (!rc && pfnlab_fault_should_fail(m, PFNLAB_FAULT_MIGRATE_COPY))
		rc = -EAGAIN; /* the copy hit a machine check: the target goes back, the source stays */
	if (rc) {
		if (ctx->release)
			ctx->release(m, dst, ctx->arg);
		else
			free_frames(m, dst, order);
		return rc;
	}
	if (m->ram)
		copy_pages(m->ram + (dst << m->cfg.page_shift), m->ram + (src << m->cfg.page_shift),
			   (size_t)n << m->cfg.page_shift);
	m->frames[dst].flags = f->flags;
	m->frames[dst].mt = f->mt;
	m->frames[dst].refcount = f->refcount - 1; /* the isolation's reference stays with the source */
	m->frames[dst].next = f->next;
	m->frames[dst].prev = f->prev;
	if (f->flags & F_ANON) {
		struct mm *mm = mm_get(m, f->next);

		for (uint64_t i = 0; mm && i < n; i++) {
			uint32_t *pte = mm_pte(m, mm, f->prev + i, false);

			if (pte && *pte == src + i + 1)
				*pte = (uint32_t)(dst + i + 1);
		}
		if (m->pgflags) { /* folio_migrate_flags(): active, referenced... move along */
			m->pgflags[dst] = m->pgflags[src];
			m->pgflags[src] = 0;
		}
	} else {
		folio_move_cache(m, src, dst);
	}
	folio_add_lru(m, dst);
	if (!m->frames[dst].refcount) { /* its last reference went while it moved (its owner was killed) */
		m->frames[dst].refcount = 1;
		page_ref_release(m, dst);
	}
	lru_isolated_sub(m, src, order, file);
	f->flags &= (uint8_t)~(F_ANON | F_PINNED);
	f->refcount = 1;
	f->mt = 0;
	free_frames(m, src, order);
	if (ctx->freed)
		ctx->freed(m, src, order, ctx->arg);
	return 0;
}

/* The folios of one migrate_pages() call: the list given, then the pieces of split huge folios. */
struct mig_list {
	uint64_t *pfn;
	uint8_t *gone;            /* migrated (or split): no longer on the list */
	size_t n;
};

/* A batch: indexes into the mig_list still to try. */
struct batch {
	uint32_t *idx;
	size_t n;
};

/*
 * One batch, as migrate_pages_batch(): passes until nothing is left to
 * retry; failed huge folios split into @split for a later round.
 * Returns -ENOMEM if a target could not be had, else 0.
 */
static int run_batch(struct pfnlab_machine *m, struct mig_list *l, struct batch *b, struct batch *split,
		     const struct migrate_ctx *t, int mode, bool count_failures,
		     struct pfnlab_migrate_result *r, uint64_t *folios_failed)
{
	bool retry = true;

	for (int pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && retry; pass++) {
		size_t keep = 0;

		retry = false;
		for (size_t i = 0; i < b->n; i++) {
			uint32_t x = b->idx[i];
			uint64_t head = l->pfn[x];
			unsigned order = m->frames[head].order;
			int rc = migrate_folio(m, head, t, mode, pass > 2);

			if (rc == 0) {
				r->nr_succeeded += 1ull << order;
				r->nr_thp_succeeded += order > 0;
				l->gone[x] = 1;
				continue;
			}
			if (rc == -EAGAIN) {
				b->idx[keep++] = x;
				retry = true;
				continue;
			}
			if (rc != -ENOMEM) { /* a permanent failure: to the returned list at once */
				r->nr_failed += 1ull << order;
				r->nr_thp_failed += order > 0;
				*folios_failed += count_failures;
				continue;
			}
			/* -ENOMEM */
			if (order && split && split_folio(m, head) == 0) {
				r->nr_thp_failed++;
				r->nr_thp_split++;
				l->gone[x] = 1;
				for (uint64_t k = 0; k < (1ull << order); k++) {
					l->pfn[l->n] = head + k;
					l->gone[l->n] = 0;
					split->idx[split->n++] = (uint32_t)l->n++;
				}
				continue;
			}
			r->nr_failed += 1ull << order;
			r->nr_thp_failed += order > 0;
			*folios_failed += count_failures;
			for (size_t k = 0; k < keep; k++)
				r->nr_failed += 1ull << m->frames[l->pfn[b->idx[k]]].order;
			b->n = 0;
			return -ENOMEM;
		}
		b->n = keep;
	}
	for (size_t i = 0; i < b->n; i++) {
		unsigned order = m->frames[l->pfn[b->idx[i]]].order;

		r->nr_failed += 1ull << order;
		r->nr_thp_failed += order > 0;
		*folios_failed += count_failures;
	}
	b->n = 0;
	return 0;
}

/*
 * models unmap_and_move_huge_page() for one isolated hugetlb folio: 0,
 * -EAGAIN (references beyond its mappings and page-cache slot; the target
 * goes back), -EBUSY (no longer in a page cache), -ENOSYS (the size cannot
 * migrate, or no allocator's target @t), -ENOMEM (no target)
 */
static int migrate_hugetlb_folio(struct pfnlab_machine *m, uint64_t src, const struct pfnlab_migrate_target *t)
{
	uint64_t dst, bytes = (uint64_t)1 << (m->frames[src].order + m->cfg.page_shift);
	int rc;

	if (!t || !hugepage_migration_supported(m, folio_hstate(m, src)))
		return -ENOSYS; /* or a caller's own targets (compaction never isolates hugetlb) */
	if (!m->frames[src].next) /* hugetlb_page_subpool() && !folio_mapping() */
		return -EBUSY;
	dst = alloc_hugetlb_target(m, src, t);
	if (dst == NIL_PFN)
		return -ENOMEM;
	/* migrate_huge_page_move_mapping(): the page cache's and the isolation's references only */
	rc = m->frames[src].refcount == folio_expected_refs(m, src) ? 0 : -EAGAIN;
	if (!rc && pfnlab_fault_should_fail(m, PFNLAB_FAULT_MIGRATE_COPY))
		rc = -EAGAIN;
	if (rc) {
		put_hugetlb_target(m, dst);
		return rc;
	}
	if (m->ram)
		copy_pages(m->ram + (dst << m->cfg.page_shift), m->ram + (src << m->cfg.page_shift), (size_t)bytes);
	hugetlb_move_folio(m, src, dst);
	return 0;
}

/*
 * models migrate_hugetlbs(): the hugetlb folios of a migrate_pages() call
 * go first, each alone, up to NR_MAX_MIGRATE_PAGES_RETRY passes; -EAGAIN
 * is retried, other errors fail the folio; -ENOMEM ends the whole call
 * (returned), with the folios of this pass that were to be retried
 * counted failed.  @h keeps the folios not migrated (ret_folios).
 */
static int migrate_hugetlbs(struct pfnlab_machine *m, struct mig_list *h, const struct pfnlab_migrate_target *t,
			    struct pfnlab_migrate_result *r, uint64_t *folios_failed)
{
	size_t nfail = 0; /* h->pfn[0, nfail): failed; [nfail, h->n): to (re)try */
	bool retry = true;

	for (int pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && retry; pass++) {
		uint64_t retry_pages = 0;
		size_t keep = nfail;

		retry = false;
		for (size_t i = nfail; i < h->n; i++) {
			uint64_t pfn = h->pfn[i], nr = 1ull << m->frames[pfn].order;
			int rc = migrate_hugetlb_folio(m, pfn, t);

			if (rc == 0) {
				r->nr_succeeded += nr;
			} else if (rc == -EAGAIN) {
				h->pfn[keep++] = pfn;
				retry_pages += nr;
				retry = true;
			} else if (rc == -ENOMEM) {
				r->nr_failed += nr + retry_pages;
				h->pfn[keep++] = pfn;
				for (size_t j = i + 1; j < h->n; j++)
					h->pfn[keep++] = h->pfn[j];
				h->n = keep;
				return -ENOMEM;
			} else {
				r->nr_failed += nr;
				(*folios_failed)++;
				h->pfn[keep++] = h->pfn[nfail]; /* the failed ones stay at the front */
				h->pfn[nfail++] = pfn;
			}
		}
		h->n = keep;
	}
	for (size_t i = nfail; i < h->n; i++) {
		r->nr_failed += 1ull << m->frames[h->pfn[i]].order;
		(*folios_failed)++;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool strictly_ascending(const uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i - 1] >= v[i])
			return false;
	return true;
}

/*
 * models migrate_pages(): the isolated folios @heads[0..*@n) (heads of
 * anonymous or page-cache folios, each once), in that order, to targets
 * @ctx gives; @bad more that could not even be queued count as failed.
 * On return @heads[0..*@n) are the folios not migrated, still isolated,
 * in their order (then failed pieces of split huge folios, as many as fit; the rest are put back), for the
 * caller to retry or put back.  Returns the folios that failed, or
 * -ENOMEM; @res gets the counts.
 */
long migrate_pages_ctx(struct pfnlab_machine *m, uint64_t *heads, size_t *n, uint64_t bad,
		       const struct migrate_ctx *target, enum pfnlab_migrate_mode mode,
		       enum pfnlab_migrate_reason reason, struct pfnlab_migrate_result *res)
{
	struct pfnlab_migrate_result r = {.nr_failed = bad};
	struct mig_list l = {0}, huge = {0};
	struct batch b = {0}, split = {0};
	uint64_t failed = bad, cap = 0;
	size_t kept = 0;
	int rc = 0;

	for (size_t i = 0; i < *n; i++)
		cap += 1 + (1ull << m->frames[heads[i]].order);
	l.pfn = host_alloc(m, (cap ? cap : 1) * sizeof(*l.pfn));
	l.gone = host_alloc(m, cap ? cap : 1);
	huge.pfn = host_alloc(m, (*n ? *n : 1) * sizeof(*huge.pfn));
	b.idx = host_alloc(m, (cap ? cap : 1) * sizeof(*b.idx));
	split.idx = host_alloc(m, (cap ? cap : 1) * sizeof(*split.idx));
	if (!l.pfn || !l.gone || !huge.pfn || !b.idx || !split.idx) {
		free(l.pfn);
		free(l.gone);
		free(huge.pfn);
		free(b.idx);
		free(split.idx);
		return -ENOMEM;
	}
	for (size_t i = 0; i < *n; i++) {
		if (pg_kind(m, heads[i]) == PGK_HUGETLB) {
			huge.pfn[huge.n++] = heads[i];
			continue;
		}
		l.pfn[l.n] = heads[i];
		l.gone[l.n] = 0;
		b.idx[b.n++] = (uint32_t)l.n++;
	}
	if (huge.n)
		rc = migrate_hugetlbs(m, &huge, target->target, &r, &failed);
	if (!rc)
		rc = run_batch(m, &l, &b, &split, target, mode, true, &r, &failed);
	if (!rc && split.n)
		rc = run_batch(m, &l, &split, NULL, target, mode, false, &r, &failed);
	for (size_t i = 0; i < huge.n; i++)
		heads[kept++] = huge.pfn[i];
	for (size_t i = 0; i < l.n; i++) {
		if (l.gone[i])
			continue;
		if (kept < *n)
			heads[kept++] = l.pfn[i];
		else /* a failed piece of a split folio past the caller's room: put back here */
			putback_movable_pages(m, &l.pfn[i], 1);
	}
	*n = kept;
	free(l.pfn);
	free(l.gone);
	free(huge.pfn);
	free(b.idx);
	free(split.idx);
	if (m->ram)
		copy_pages_fence();
	m->vm[VM_PGMIGRATE_SUCCESS] += r.nr_succeeded;
	m->vm[VM_PGMIGRATE_FAIL] += r.nr_failed;
	if (m->cfg.era == PFNLAB_ERA_2015)
		trace_printf(m, "mm_migrate_pages", "nr_succeeded=%llu nr_failed=%llu mode=%s reason=%s",
			     (unsigned long long)r.nr_succeeded, (unsigned long long)r.nr_failed,
			     mode_names[mode], reason == PFNLAB_MR_CONTIG_RANGE ? "cma" : reason_names[reason]);
	else
		trace_printf(m, "mm_migrate_pages",
			     "nr_succeeded=%llu nr_failed=%llu nr_thp_succeeded=%llu nr_thp_failed=%llu nr_thp_split=%llu nr_split=%llu mode=%s reason=%s",
			     (unsigned long long)r.nr_succeeded, (unsigned long long)r.nr_failed,
			     (unsigned long long)r.nr_thp_succeeded, (unsigned long long)r.nr_thp_failed,
			     (unsigned long long)r.nr_thp_split, (unsigned long long)r.nr_thp_split,
			     mode_names[mode], reason_names[reason]);
	if (res)
		*res = r;
	return rc ? rc : (long)failed;
}

/* migrate_pages_ctx() to targets the buddy allocator gives for @target */
long migrate_pages(struct pfnlab_machine *m, uint64_t *heads, size_t *n, uint64_t bad,
		   const struct pfnlab_migrate_target *target, enum pfnlab_migrate_mode mode,
		   enum pfnlab_migrate_reason reason, struct pfnlab_migrate_result *res)
{
	struct migrate_ctx ctx = {.target = target};

	return migrate_pages_ctx(m, heads, n, bad, &ctx, mode, reason, res);
}

/* models putback_movable_pages(): every folio left on the list back on its LRU (hugetlb: its active list) */
void putback_movable_pages(struct pfnlab_machine *m, const uint64_t *heads, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pg_kind(m, heads[i]) != PGK_HUGETLB) /* a hugetlb folio's isolation took no reference */
			folio_putback_lru(m, heads[i]);
}

/* A folio migration can take: anonymous, in a page cache, or a hugetlb page in use. */
bool folio_movable(const struct pfnlab_machine *m, uint64_t head)
{
	unsigned k = pg_kind(m, head);

	if (k == PGK_HUGETLB)
		return m->frames[head].refcount != 0;
	return (m->frames[head].flags & F_ANON) || k;
}

long pfnlab_migrate_pages(struct pfnlab_machine *m, const uint64_t *pfns, size_t n,
			  const struct pfnlab_migrate_target *target, enum pfnlab_migrate_mode mode,
			  enum pfnlab_migrate_reason reason, struct pfnlab_migrate_result *res)
{
	uint64_t *heads, bad = 0;
	size_t nh = 0, queued = 0;
	long ret;

	if (!m || !target || (n && !pfns))
		return -EINVAL;
	if ((unsigned)mode > PFNLAB_MIGRATE_SYNC || (unsigned)reason >= PFNLAB_MR_TYPES)
		return -EINVAL;
	heads = host_alloc(m, (n ? n : 1) * sizeof(*heads));
	if (!heads)
		return -ENOMEM;
	/* folios to move: heads of anonymous and page-cache folios, each once */
	for (size_t i = 0; i < n; i++) {
		uint64_t head = pfns[i] < m->nr_pfns ? folio_head(m, pfns[i]) : NIL_PFN;

		if (head != NIL_PFN && folio_movable(m, head))
			heads[nh++] = head;
		else
			bad++;
	}
	if (!strictly_ascending(heads, nh)) { /* each folio once, in PFN order */
		size_t u = 0;

		qsort(heads, nh, sizeof(*heads), cmp_u64);
		for (size_t i = 0; i < nh; i++)
			if (!u || heads[u - 1] != heads[i])
				heads[u++] = heads[i];
		nh = u;
	}
	for (size_t i = 0; i < nh; i++) /* folio_isolate_lru() each (hugetlb: isolated as it is, no LRU) */
		if (pg_kind(m, heads[i]) == PGK_HUGETLB || folio_isolate_lru(m, heads[i]))
			heads[queued++] = heads[i];
		else
			bad++;
	nh = queued;
	ret = migrate_pages(m, heads, &nh, bad, target, mode, reason, res);
	putback_movable_pages(m, heads, nh);
	free(heads);
	return ret;
}
