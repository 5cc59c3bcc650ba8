/*
 * background.c - the host kernel's own memory: slab, page tables and other
 * unmovable allocations, reclaimable slab, and page cache, each held at a
 * level and churned with lifetimes so free memory fragments as on a real
 * host.
 *
 * Models the allocation classes a hypervisor's kernel keeps busy:
 *   unmovable    kmalloc/slab of unreclaimable caches, page tables other
 *                than the modelled spaces' PTE tables (pgtable.c), vmalloc
 *                (GFP_KERNEL), orders 0..max_order (slab caches use
 *                high-order pages, weighted toward order 0);
 *   reclaimable  dentry/inode slab (GFP_KERNEL | __GFP_RECLAIMABLE);
 *   pagecache    page cache: ext4 files of 1 to 16 pages read with read()
 *                (clean, unmapped; the first pagecache_dirty share of each
 *                then written), deleted at expiry (their pages dropped as
 *                truncate_inode_pages() does, their ids reused); kswapd,
 *                direct reclaim and alloc_contig_range() may reclaim them.
 *                pagecache_as=anon keeps the earlier stand-in: anonymous
 *                memory mapped in 256 kernel-owned address spaces (short
 *                VMA lists), migratable but never reclaimed as page cache.
 * Allocations are made in batches of 16 (a slab cache refilling, a burst
 * of file reads); each batch lives a fixed or exponentially distributed
 * time, then is freed and a new batch of its class is made, so the level
 * stays and the free lists churn.  An allocation that fails is counted and
 * retried at the next expiry.
 *
 * Simplified: no shrinkers, and levels are what the user sets, not what
 * memory pressure leaves (a file counts until it expires even when reclaim
 * took its pages; it is not read again); the files are never mapped.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

#define PAGECACHE_HVA 0x10000000000ull /* 1 TiB: where the "files" are mapped */
#define PAGECACHE_SPACES 256           /* files spread over this many spaces (short VMA lists) */
#define BATCH 16                       /* allocations that share one lifetime */
#define PC_FILE_PAGES 16               /* a background file's size: its largest read */
#define PC_FILE UINT16_MAX             /* bg_alloc.space of a real file (where = its id) */

/* One allocation: a buddy block, or a page cache file. */
struct bg_alloc {
	uint64_t where;   /* PFN, the virtual address of the stand-in, or the file's id */
	uint32_t pages;
	uint16_t space;   /* page cache: index of the stand-in's address space, or PC_FILE */
	uint8_t order;
};

/* A batch of allocations of one class made together and freed together. */
struct bg_batch {
	uint64_t expires; /* model time, UINT64_MAX = never */
	uint32_t n;
	uint32_t next_free; /* free list of batch slots */
	uint8_t cls;
	struct bg_alloc a[BATCH];
};

struct bg_level {
	uint64_t target, now;  /* pages */
	uint64_t lifetime_ns;  /* 0 = forever */
	bool exp;              /* exponentially distributed lifetimes */
	unsigned max_order;
	uint64_t dirty_ppm;    /* page cache: millionths of each file written after its read */
};

struct heap_ent {
	uint64_t expires;
	uint32_t batch;
};

struct bg {
	uint64_t rng;
	struct bg_level lv[BG_CLASSES];
	struct bg_batch *batch;  /* slots; free ones chained from free_batch */
	uint32_t nr_batch, cap_batch, free_batch;
	struct heap_ent *heap;   /* min-heap on expires, one entry per live batch */
	size_t nr, cap;
	unsigned pc_mm[PAGECACHE_SPACES]; /* the page cache address spaces, 0 until needed */
	uint64_t pc_next;        /* next free virtual address (shared by all of them) */
	unsigned pc_rr;          /* the space the next file goes to */
	bool pc_anon;            /* page cache as the anonymous stand-in (pagecache_as=anon) */
	unsigned *pc_files;      /* real files whose pages were dropped, free to be used again */
	unsigned nr_pc_files, cap_pc_files;
	uint64_t pc_made;        /* real files made, for their names */
};

#define NO_BATCH UINT32_MAX

/* The owner of the page-cache spaces: the kernel, which the OOM killer never chooses. */
static const struct pfnlab_task kernel_task = {.comm = "page cache", .pid = 0, .unkillable = true};

static void heap_swap(struct heap_ent *a, struct heap_ent *b)
{
	struct heap_ent t = *a;

	*a = *b;
	*b = t;
}

static void sift_up(struct bg *b, size_t i)
{
	while (i && b->heap[(i - 1) / 2].expires > b->heap[i].expires) {
		heap_swap(&b->heap[(i - 1) / 2], &b->heap[i]);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct bg *b, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;

		if (l < b->nr && b->heap[l].expires < b->heap[s].expires)
			s = l;
		if (r < b->nr && b->heap[r].expires < b->heap[s].expires)
			s = r;
		if (s == i)
			return;
		heap_swap(&b->heap[i], &b->heap[s]);
		i = s;
	}
}

/* The file @id's pages leave the cache (deleted: truncate_inode_pages()); its id waits for the next file. */
static void pc_file_drop(struct host *h, unsigned id)
{
	struct bg *b = h->bg;

	pfnlab_file_truncate_pages(h->m, id);
	b->pc_files[b->nr_pc_files++] = id; /* room was made when the file was */
}

/* A file of @pages pages read into the page cache, @dirty of them then written; -ENOMEM when it could not be. */
static int pc_file_new(struct host *h, struct bg_alloc *a, uint32_t dirty)
{
	struct bg *b = h->bg;
	unsigned id;
	int err;

	if (!b->nr_pc_files) {
		char name[32];

		if (b->pc_made == b->cap_pc_files) {
			unsigned cap = b->cap_pc_files ? b->cap_pc_files * 2 : 256;
			unsigned *n = realloc(b->pc_files, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			b->pc_files = n;
			b->cap_pc_files = cap;
		}
		snprintf(name, sizeof(name), "pagecache-%llu", (unsigned long long)b->pc_made);
		if (pfnlab_file_create(h->m, name, PFNLAB_FS_EXT4, (uint64_t)PC_FILE_PAGES << h->page_shift, &id))
			return -ENOMEM;
		b->pc_made++;
	} else {
		id = b->pc_files[--b->nr_pc_files];
	}
	a->space = PC_FILE;
	a->where = id;
	err = pfnlab_file_read(h->m, id, 0, (uint64_t)a->pages << h->page_shift);
	if (!err && dirty)
		err = pfnlab_file_write(h->m, id, 0, (uint64_t)dirty << h->page_shift);
	if (err)
		pc_file_drop(h, id);
	return err ? -ENOMEM : 0;
}

static void alloc_free(struct host *h, int cls, const struct bg_alloc *a)
{
	struct bg *b = h->bg;

	if (cls == BG_PAGECACHE && a->space == PC_FILE)
		pc_file_drop(h, (unsigned)a->where);
	else if (cls == BG_PAGECACHE)
		pfnlab_mm_unmap(h->m, b->pc_mm[a->space], a->where, (uint64_t)a->pages << h->page_shift);
	else
		pfnlab_free_pages(h->m, a->where, a->order);
	b->lv[cls].now -= a->pages;
}

static void batch_free(struct host *h, uint32_t i)
{
	struct bg *b = h->bg;
	struct bg_batch *t = &b->batch[i];

	for (uint32_t k = 0; k < t->n; k++)
		alloc_free(h, t->cls, &t->a[k]);
	t->n = 0;
	t->next_free = b->free_batch;
	b->free_batch = i;
}

/* One new allocation of class @c into @a; -ENOMEM when the machine said no. */
static int alloc_one(struct host *h, enum bg_class c, struct bg_alloc *a)
{
	static const pfnlab_gfp_t gfp[BG_CLASSES] = {PFNLAB_GFP_KERNEL, PFNLAB_GFP_KERNEL | PFNLAB___GFP_RECLAIMABLE, 0};
	struct bg *b = h->bg;
	struct bg_level *lv = &b->lv[c];
	uint64_t r = work_rng(&b->rng);

	memset(a, 0, sizeof(*a));
	if (c == BG_PAGECACHE && !b->pc_anon) {
		a->pages = 1u << (r % 5);
		if (pc_file_new(h, a, (uint32_t)((a->pages * lv->dirty_ppm + 999999) / 1000000)))
			return -ENOMEM;
	} else if (c == BG_PAGECACHE) {
		unsigned sp = b->pc_rr++ % PAGECACHE_SPACES;
		uint64_t len;

		a->pages = 1u << (r % 5);
		a->space = (uint16_t)sp;
		len = (uint64_t)a->pages << h->page_shift;
		if (!b->pc_mm[sp] && pfnlab_mm_create(h->m, "page cache", &b->pc_mm[sp]))
			return -ENOMEM;
		if (b->pc_mm[sp] && pfnlab_mm_set_task(h->m, b->pc_mm[sp], &kernel_task)) /* not a process */
			return -ENOMEM;
		a->where = PAGECACHE_HVA + b->pc_next;
		if (pfnlab_mm_map(h->m, b->pc_mm[sp], a->where, len, 0))
			return -ENOMEM;
		if (pfnlab_mm_touch(h->m, b->pc_mm[sp], a->where, len, NULL)) {
			pfnlab_mm_unmap(h->m, b->pc_mm[sp], a->where, len);
			return -ENOMEM;
		}
		b->pc_next += len;
	} else {
		/* order 0 half the time, then halving up to max_order */
		while (a->order < lv->max_order && (r & 1)) {
			a->order++;
			r >>= 1;
		}
		if (pfnlab_alloc_pages(h->m, gfp[c], a->order, &a->where))
			return -ENOMEM;
		a->pages = 1u << a->order;
	}
	lv->now += a->pages;
	return 0;
}

/* A new batch of class @c, up to BATCH allocations or the level; -ENOMEM if nothing was made. */
static int batch_new(struct host *h, enum bg_class c)
{
	struct bg *b = h->bg;
	struct bg_level *lv = &b->lv[c];
	struct bg_batch *t;
	uint32_t i;
	int err = 0;

	if (b->nr == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct heap_ent *n = realloc(b->heap, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		b->heap = n;
		b->cap = cap;
	}
	if (b->free_batch == NO_BATCH) {
		if (b->nr_batch == b->cap_batch) {
			uint32_t cap = b->cap_batch ? b->cap_batch * 2 : 256;
			struct bg_batch *n = realloc(b->batch, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			b->batch = n;
			b->cap_batch = cap;
		}
		b->batch[b->nr_batch].next_free = NO_BATCH;
		b->free_batch = b->nr_batch++;
	}
	i = b->free_batch;
	t = &b->batch[i];
	b->free_batch = t->next_free;
	t->n = 0;
	t->cls = (uint8_t)c;
	while (t->n < BATCH && lv->now < lv->target) {
		err = alloc_one(h, c, &t->a[t->n]);
		if (err)
			break;
		t->n++;
	}
	if (!t->n) {
		t->next_free = b->free_batch;
		b->free_batch = i;
		return err ? err : -ENOMEM;
	}
	if (!lv->lifetime_ns)
		t->expires = UINT64_MAX;
	else
		t->expires = pfnlab_now(h->m) +
			     (lv->exp ? (uint64_t)(-log(work_rng_unit(&b->rng)) * (double)lv->lifetime_ns) + 1 : lv->lifetime_ns);
	b->heap[b->nr] = (struct heap_ent){t->expires, i};
	sift_up(b, b->nr++);
	return err;
}

static void fill(struct host *h, enum bg_class c)
{
	struct bg_level *lv = &h->bg->lv[c];

	while (lv->now < lv->target)
		if (batch_new(h, c)) {
			h->st.bg_alloc_failed++;
			return;
		}
}

/**
 * bg_create() - give the host its kernel background (empty until bg_set()).
 * @seed: seeds the sizes and lifetimes
 *
 * Return: 0 or -ENOMEM.
 */
int bg_create(struct host *h, uint64_t seed)
{
	if (h->bg)
		return 0;
	h->bg = calloc(1, sizeof(*h->bg));
	if (!h->bg)
		return -ENOMEM;
	h->bg->rng = seed ^ 0x6b67726f756e64ull;
	h->bg->free_batch = NO_BATCH;
	return 0;
}

/**
 * bg_set() - hold class @c at @pages pages from now on.
 * @lifetime_ns: how long each allocation lives; 0 = forever
 * @exp_lifetime: exponentially distributed with mean @lifetime_ns
 * @max_order: largest order of unmovable and reclaimable allocations
 *
 * Shrinking frees allocations at once; growing allocates until the level
 * is reached or an allocation fails (counted in st.bg_alloc_failed).
 *
 * Return: 0 or -ENOMEM (no host memory for the bookkeeping).
 */
int bg_set(struct host *h, enum bg_class c, uint64_t pages, uint64_t lifetime_ns, bool exp_lifetime,
	   unsigned max_order)
{
	struct bg_level *lv;
	struct bg *b;
	int err = bg_create(h, 0);

	if (err)
		return err;
	b = h->bg;
	lv = &b->lv[c];
	lv->target = pages;
	lv->lifetime_ns = lifetime_ns;
	lv->exp = exp_lifetime;
	lv->max_order = max_order;
	if (lv->now > lv->target) {
		size_t keep = 0;

		for (size_t i = 0; i < b->nr; i++) {
			if (b->batch[b->heap[i].batch].cls == c && lv->now > lv->target)
				batch_free(h, b->heap[i].batch);
			else
				b->heap[keep++] = b->heap[i];
		}
		b->nr = keep;
		for (size_t i = b->nr / 2 + 1; i-- > 0;)
			sift_down(b, i);
	}
	fill(h, c);
	return 0;
}

/**
 * bg_pagecache_as() - what the page cache class makes from now on.
 * @anon: the anonymous stand-in of 256 address spaces (pagecache_as=anon)
 *	instead of files read into the page cache
 * @dirty_ppm: millionths of each file written after it was read (dirty)
 *
 * Return: 0 or -ENOMEM.
 */
int bg_pagecache_as(struct host *h, bool anon, uint64_t dirty_ppm)
{
	int err = bg_create(h, 0);

	if (err)
		return err;
	h->bg->pc_anon = anon;
	h->bg->lv[BG_PAGECACHE].dirty_ppm = dirty_ppm;
	return 0;
}

/** bg_next_expiry() - model time of the next expiry, UINT64_MAX if none. */
uint64_t bg_next_expiry(const struct host *h)
{
	return h->bg && h->bg->nr ? h->bg->heap[0].expires : UINT64_MAX;
}

/** bg_expire() - free what expired by @now and replace it; returns the batches that expired. */
uint64_t bg_expire(struct host *h, uint64_t now)
{
	struct bg *b = h->bg;
	uint64_t n = 0;

	if (!b)
		return 0;
	while (b->nr && b->heap[0].expires <= now) {
		uint32_t i = b->heap[0].batch;
		enum bg_class c = (enum bg_class)b->batch[i].cls;

		b->heap[0] = b->heap[--b->nr];
		sift_down(b, 0);
		batch_free(h, i);
		fill(h, c);
		n++;
	}
	for (int c = 0; c < BG_CLASSES; c++)
		if (b->lv[c].now < b->lv[c].target)
			fill(h, (enum bg_class)c);
	return n;
}

/** bg_pages() - pages class @c holds now. */
uint64_t bg_pages(const struct host *h, enum bg_class c)
{
	return h->bg ? h->bg->lv[c].now : 0;
}

/** bg_destroy() - free everything the background holds. */
void bg_destroy(struct host *h)
{
	struct bg *b = h->bg;

	if (!b)
		return;
	for (size_t i = 0; i < b->nr; i++) {
		struct bg_batch *t = &b->batch[b->heap[i].batch];

		for (uint32_t k = 0; k < t->n; k++)
			if (t->cls != BG_PAGECACHE)
				pfnlab_free_pages(h->m, t->a[k].where, t->a[k].order);
			else if (t->a[k].space == PC_FILE)
				pfnlab_file_truncate_pages(h->m, (unsigned)t->a[k].where);
	}
	for (unsigned i = 0; i < PAGECACHE_SPACES; i++)
		if (b->pc_mm[i])
			pfnlab_mm_destroy(h->m, b->pc_mm[i]);
	free(b->heap);
	free(b->batch);
	free(b->pc_files);
	free(b);
	h->bg = NULL;
}
