/*
 * migrate.c - page migration: move folios to new frames, carrying their
 * contents and mappings.
 *
 * Models migrate_pages()/migrate_pages_batch() of mm/migrate.c (v6.1):
 * up to NR_MAX_MIGRATE_PAGES_RETRY (10) passes; a folio with references
 * beyond its mappings (folio_expected_refs()) fails with -EAGAIN and is
 * retried; a target that cannot be allocated ends the call with -ENOMEM,
 * after a large folio is first split and its pieces queued; success copies
 * the contents, points the owner's page table at the new frame, moves the
 * rmap and frees the old frame.  Counts pgmigrate_success/fail and emits
 * mm_migrate_pages (v6.12 fields today, v4.2 fields in 2015).
 *
 * Simplified: anonymous folios only; no migration entries or locking, so
 * ASYNC and SYNC modes behave alike except in the trace line.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "model.h"

#define NR_MAX_MIGRATE_PAGES_RETRY 10

static const char *const mode_names[] = {"MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT", "MIGRATE_SYNC"};
static const char *const reason_names[PFNLAB_MR_TYPES] = {
	"compaction", "memory_failure", "memory_hotplug", "syscall_or_cpuset", "mempolicy_mbind",
	"numa_misplaced", "contig_range", "longterm_pin", "demotion",
};

/* Split a huge folio into order-0 folios, each mapped once (split_folio()). */
static int split_folio(struct pfnlab_machine *m, uint64_t head)
{
	struct frame *f = &m->frames[head];
	uint64_t n = 1ull << f->order;
	uint32_t owner = f->next, vpn = f->prev;
	uint8_t flags = f->flags;

	if (f->refcount != f->mt || f->mt != 1)
		return -EAGAIN;
	m->frames[head + 1].refcount = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct frame *p = &m->frames[head + i];

		p->flags = flags;
		p->order = 0;
		p->refcount = 1;
		p->mt = 1;
		p->next = owner;
		p->prev = vpn + (uint32_t)i;
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

/* models unmap_and_move(): 0, -EAGAIN (extra references) or -ENOMEM (no target) */
static int migrate_folio(struct pfnlab_machine *m, uint64_t src,
			 const struct pfnlab_migrate_target *t)
{
	struct frame *f = &m->frames[src];
	unsigned order = f->order, saved = m->memalloc_flags;
	pfnlab_gfp_t gfp = t->gfp | (order ? PFNLAB___GFP_COMP : 0);
	uint64_t dst, n = 1ull << order;
	struct mm *mm;

	if (f->refcount != f->mt)
		return -EAGAIN;
	if (t->flags & PFNLAB_TARGET_NOCMA)
		m->memalloc_flags |= MEMALLOC_NOCMA;
	if (t->flags & PFNLAB_TARGET_PIN)
		m->memalloc_flags |= MEMALLOC_PIN | MEMALLOC_NOCMA;
	dst = pfnlab_fault_should_fail(m, PFNLAB_FAULT_MIGRATE_TARGET) ? NIL_PFN : alloc_frames(m, gfp, order);
	m->memalloc_flags = saved;
	if (dst == NIL_PFN)
		return -ENOMEM;
	if (pfnlab_fault_should_fail(m, PFNLAB_FAULT_MIGRATE_COPY)) {
		/* the copy hit a machine check: the target goes back, the source stays */
		free_frames(m, dst, order);
		return -EAGAIN;
	}
	if (m->ram)
		copy_pages(m->ram + (dst << m->cfg.page_shift), m->ram + (src << m->cfg.page_shift),
			   (size_t)n << m->cfg.page_shift);
	mm = mm_get(m, f->next);
	if (mm)
		for (uint64_t i = 0; i < n; i++) {
			uint32_t *pte = mm_pte(m, mm, f->prev + i, false);

			if (pte && *pte == src + i + 1)
				*pte = (uint32_t)(dst + i + 1);
		}
	m->frames[dst].flags = f->flags;
	m->frames[dst].mt = f->mt;
	m->frames[dst].refcount = f->refcount;
	m->frames[dst].next = f->next;
	m->frames[dst].prev = f->prev;
	f->flags &= (uint8_t)~(F_ANON | F_PINNED);
	f->refcount = 1;
	f->mt = 0;
	free_frames(m, src, order);
	return 0;
}

struct batch {
	uint64_t *pfn;
	size_t n;
};

/*
 * One batch, as migrate_pages_batch(): passes until nothing is left to
 * retry; failed huge folios split into @split for a later round.
 * Returns -ENOMEM if a target could not be had, else 0.
 */
static int run_batch(struct pfnlab_machine *m, struct batch *b, struct batch *split,
		     const struct pfnlab_migrate_target *t, bool count_failures,
		     struct pfnlab_migrate_result *r, uint64_t *folios_failed)
{
	bool retry = true;

	for (int pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && retry; pass++) {
		size_t keep = 0;

		retry = false;
		for (size_t i = 0; i < b->n; i++) {
			uint64_t head = b->pfn[i];
			unsigned order = m->frames[head].order;
			int rc = migrate_folio(m, head, t);

			if (rc == 0) {
				r->nr_succeeded += 1ull << order;
				r->nr_thp_succeeded += order > 0;
				continue;
			}
			if (rc == -EAGAIN) {
				b->pfn[keep++] = head;
				retry = true;
				continue;
			}
			/* -ENOMEM */
			if (order && split && split_folio(m, head) == 0) {
				r->nr_thp_failed++;
				r->nr_thp_split++;
				for (uint64_t k = 0; k < (1ull << order); k++)
					split->pfn[split->n++] = head + k;
				continue;
			}
			r->nr_failed += 1ull << order;
			r->nr_thp_failed += order > 0;
			*folios_failed += count_failures;
			for (size_t k = 0; k < keep; k++)
				r->nr_failed += 1ull << m->frames[b->pfn[k]].order;
			b->n = 0;
			return -ENOMEM;
		}
		b->n = keep;
	}
	for (size_t i = 0; i < b->n; i++) {
		unsigned order = m->frames[b->pfn[i]].order;

		r->nr_failed += 1ull << order;
		r->nr_thp_failed += order > 0;
		*folios_failed += count_failures;
	}
	b->n = 0;
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

long pfnlab_migrate_pages(struct pfnlab_machine *m, const uint64_t *pfns, size_t n,
			  const struct pfnlab_migrate_target *target, enum pfnlab_migrate_mode mode,
			  enum pfnlab_migrate_reason reason, struct pfnlab_migrate_result *res)
{
	struct pfnlab_migrate_result r = {0};
	struct batch b = {0}, split = {0};
	uint64_t failed = 0, split_cap = 0;
	int rc = 0;

	if ((unsigned)mode > PFNLAB_MIGRATE_SYNC || (unsigned)reason >= PFNLAB_MR_TYPES)
		return -EINVAL;
	b.pfn = host_alloc(m, (n ? n : 1) * sizeof(*b.pfn));
	if (!b.pfn)
		return -ENOMEM;
	/* folios to move: heads of anonymous folios, each once */
	for (size_t i = 0; i < n; i++) {
		uint64_t head = pfns[i] < m->nr_pfns ? folio_head(m, pfns[i]) : NIL_PFN;

		if (head != NIL_PFN && (m->frames[head].flags & F_ANON)) {
			b.pfn[b.n++] = head;
			split_cap += 1ull << m->frames[head].order;
		} else {
			r.nr_failed++;
			failed++;
		}
	}
	if (!strictly_ascending(b.pfn, b.n)) { /* each folio once, in PFN order */
		size_t u = 0;

		qsort(b.pfn, b.n, sizeof(*b.pfn), cmp_u64);
		for (size_t i = 0; i < b.n; i++)
			if (!u || b.pfn[u - 1] != b.pfn[i])
				b.pfn[u++] = b.pfn[i];
		b.n = u;
	}
	split.pfn = host_alloc(m, (split_cap ? split_cap : 1) * sizeof(*split.pfn));
	if (!split.pfn) {
		free(b.pfn);
		return -ENOMEM;
	}
	rc = run_batch(m, &b, &split, target, true, &r, &failed);
	if (!rc && split.n)
		rc = run_batch(m, &split, NULL, target, false, &r, &failed);
	free(b.pfn);
	free(split.pfn);
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
