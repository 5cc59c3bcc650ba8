/*
 * filemap.c - address spaces with a page cache: files on a file system and
 * shmem/memfd objects, their pages, the file reverse map (i_mmap) and the
 * faults of file mappings.
 *
 * Models filemap_read() and the readahead allocation of
 * page_cache_ra_unbounded() (mm/filemap.c, mm/readahead.c),
 * generic_perform_write() with block_write_begin() (fs/buffer.c) and
 * shmem_write_begin(), filemap_fault()/shmem_fault() with the COW of a
 * private mapping (do_cow_fault()), filemap_add_folio() and
 * __filemap_remove_folio(), folio_mark_accessed() (mm/swap.c),
 * folio_mark_dirty(), truncate of a memfd.
 *
 * A page-cache folio holds one reference for the cache, one per mapping
 * and one for its buffer heads (PG_private); its head frame names the
 * address space (frame.next) and page index (frame.prev); the rest of
 * its state is in pgflags[] (model.h).
 *
 * Page-cache folios live on the LRU lists (swap.c): file pages on the
 * file lists, shmem on the anon lists; writeback starts and ends in
 * writeback.c, a floor below (with model time, or at once when someone
 * waits for it: fsync, migration under MIGRATE_SYNC).
 *
 * Simplified: readahead reads exactly the pages asked for (no window);
 * order-0 folios only, as ext4 and shmem (huge=never) allocate in 6.1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define CACHE_CHUNK (1ull << CACHE_CHUNK_SHIFT)

static const char *const fs_names[PFNLAB_FS_TYPES] = {"ext4", "ext2", "vfat", "shmem", "hugetlbfs", "bdev"};

const char *pfnlab_fs_name(enum pfnlab_fs fs)
{
	return (unsigned)fs < PFNLAB_FS_TYPES ? fs_names[fs] : "?";
}

int pfnlab_fs_parse(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int i = 0; i < PFNLAB_FS_TYPES; i++)
		if (strcmp(name, fs_names[i]) == 0)
			return i;
	return -EINVAL;
}

/* The slot of page @index in the page cache of @mp (PFN + 1, 0 when missing); @create fills its chunk. */
uint32_t *cache_slot(struct pfnlab_machine *m, struct mapping *mp, uint64_t index, bool create)
{
	if (create && index < mp->nr_pages && !mp->chunks[index >> CACHE_CHUNK_SHIFT])
		mp->chunks[index >> CACHE_CHUNK_SHIFT] = calloc(cache_chunk_slots(mp, index >> CACHE_CHUNK_SHIFT),
								sizeof(uint32_t));
	return cache_lookup(mp, index);
}

/*
 * The per-frame page state pgflags[] and LRU links lru[], allocated by the
 * first file, memfd or hugetlb page, or at boot with swap (then anonymous
 * folios are linked too); calloc'ed, so frames never used by the page
 * cache or the LRU cost no resident memory.
 */
int pgflags_ensure(struct pfnlab_machine *m)
{
	if (!m->pgflags) /* from now on kinds are tracked */
		m->pgflags = calloc(m->nr_pfns, sizeof(*m->pgflags));
	if (m->pgflags && !m->lru)
		m->lru = calloc(m->nr_pfns, sizeof(*m->lru));
	return m->pgflags && m->lru ? 0 : -ENOMEM;
}

/* A new address space of @bytes on file system @fs, open: 0, -EINVAL, -ENOMEM. */
int mapping_create(struct pfnlab_machine *m, const char *name, int fs, uint64_t bytes, unsigned *id)
{
	uint64_t pages = (bytes + (1ull << m->cfg.page_shift) - 1) >> m->cfg.page_shift;
	struct mapping *mp;

	if ((unsigned)fs >= PFNLAB_FS_TYPES || !pages || pages >= NIL_PFN)
		return -EINVAL;
	if (pgflags_ensure(m))
		return -ENOMEM;
	if (m->nr_mappings == m->cap_mappings) {
		unsigned cap = m->cap_mappings ? m->cap_mappings * 2 : 8;
		struct mapping *n = realloc(m->mappings, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		m->mappings = n;
		m->cap_mappings = cap;
	}
	mp = &m->mappings[m->nr_mappings];
	*mp = (struct mapping){.live = true, .open = true, .fs = fs, .nr_pages = pages};
	mp->chunks = calloc((size_t)((pages + CACHE_CHUNK - 1) >> CACHE_CHUNK_SHIFT), sizeof(*mp->chunks));
	if (!mp->chunks)
		return -ENOMEM;
	snprintf(mp->name, sizeof(mp->name), "%s", name ? name : "");
	*id = ++m->nr_mappings;
	return 0;
}

int pfnlab_file_create(struct pfnlab_machine *m, const char *name, enum pfnlab_fs fs, uint64_t bytes,
		       unsigned *id)
{
	if (!m || !name || !id)
		return -EINVAL;
	if (fs == PFNLAB_FS_SHMEM || fs == PFNLAB_FS_HUGETLBFS || fs == PFNLAB_FS_BDEV)
		return -EINVAL;
	int err = mapping_create(m, name, fs, bytes, id);

	if (!err && fs == PFNLAB_FS_EXT2)
		ext2_new_inode(m, mapping_get(m, *id));
	return err;
}

int pfnlab_memfd_create(struct pfnlab_machine *m, const char *name, uint64_t bytes, unsigned *id)
{
	if (!m || !name || !id)
		return -EINVAL;
	return mapping_create(m, name, PFNLAB_FS_SHMEM, bytes, id);
}

static bool is_shmem(const struct mapping *mp)
{
	return mp->fs == PFNLAB_FS_SHMEM;
}

/* memfds and hugetlbfs files (unlinked as QEMU leaves them) go with their last descriptor and mapping */
static bool freed_unused(const struct mapping *mp)
{
	return mp->fs == PFNLAB_FS_SHMEM || mp->fs == PFNLAB_FS_HUGETLBFS;
}

/*
 * models folio_mark_dirty() (NR_FILE_DIRTY counts file pages; shmem's is
 * noop_dirty_folio()); a clean inode's dirtied_when is now
 */
void folio_set_dirty(struct pfnlab_machine *m, uint64_t head)
{
	struct mapping *mp = mapping_get(m, m->frames[head].next);

	if (mp->dev) /* a writer's file_update_time() dirties an ext2 file's inode */
		mp->inode_dirty = true;
	if (m->pgflags[head] & PG_DIRTY)
		return;
	if (m->pgflags[head] & PG_WRITEBACK) /* simplified: the writer waits for it (folio_wait_stable() always) */
		folio_end_writeback(m, head);
	m->pgflags[head] |= PG_DIRTY;
	if (!mp->nr_dirty)
		mp->dirtied_when_ns = m->now_ns;
	mp->nr_dirty++;
	if (!is_shmem(mp)) {
		m->nr_dirty++;
		m->vm[VM_NR_DIRTIED]++;
	}
}

/*
 * models try_to_free_buffers() of clean buffers: PG_private and its
 * reference go; false when a buffer is in use (buffer_busy())
 */
bool folio_drop_buffers(struct pfnlab_machine *m, uint64_t head)
{
	if (m->pgflags[head] & PG_BH_HELD)
		return false;
	if (m->pgflags[head] & PG_PRIVATE) {
		m->pgflags[head] &= (uint16_t)~PG_PRIVATE;
		m->frames[head].refcount--;
		bh_free_folio(m);
	}
	return true;
}

/*
 * models create_empty_buffers() via block_write_begin(): a buffer head
 * per 4 KiB block (one per x86_64 page, 16 per ppc64 page) and one
 * reference for them; -ENOMEM when no slab page could be had
 */
int folio_attach_buffers(struct pfnlab_machine *m, uint64_t head)
{
	if (m->pgflags[head] & PG_PRIVATE)
		return 0;
	/* the reference write_begin's locked folio holds: reclaim and migration pass it by meanwhile */
	m->frames[head].refcount++;
	if (bh_alloc_folio(m)) {
		m->frames[head].refcount--;
		return -ENOMEM;
	}
	m->pgflags[head] |= PG_PRIVATE; /* the reference stays, the buffers' */
	return 0;
}

/* models filemap_add_folio(): a new folio for page @index, allocated with @gfp */
static uint64_t add_to_page_cache(struct pfnlab_machine *m, unsigned id, struct mapping *mp, uint64_t index,
				  uint32_t *slot, pfnlab_gfp_t gfp)
{
	uint64_t pfn = alloc_frames(m, gfp, 0);
	struct frame *f;

	if (pfn == NIL_PFN)
		return NIL_PFN;
	if (xa_insert(m, mp, index, gfp)) { /* the folio goes back: filemap_add_folio() failed */
		free_frames(m, pfn, 0);
		return NIL_PFN;
	}
	f = &m->frames[pfn];
	f->next = id;
	f->prev = (uint32_t)index;
	f->mt = 0;
	m->pgflags[pfn] = (uint16_t)(is_shmem(mp) ? PGK_SHMEM : PGK_FILE);
	folio_add_lru(m, pfn);
	if (m->ram)
		memset(m->ram + (pfn << m->cfg.page_shift), 0, (size_t)1 << m->cfg.page_shift);
	*slot = (uint32_t)(pfn + 1);
	mp->nr_cached++;
	m->nr_file_pages++;
	m->nr_shmem += is_shmem(mp);
	return pfn;
}

/*
 * models __filemap_remove_folio() (and truncate of a memfd): the folio
 * leaves the cache and drops the cache's reference and its buffers; with
 * no other reference it is freed.  Mappings must be gone first.
 */
void delete_from_page_cache(struct pfnlab_machine *m, uint64_t head)
{
	struct frame *f = &m->frames[head];
	struct mapping *mp = mapping_get(m, f->next);
	uint16_t pf = m->pgflags[head];

	folio_del_lru(m, head); /* when not isolated: truncate */
	if (pf & PG_DIRTY) {
		mp->nr_dirty--;
		m->nr_dirty -= !is_shmem(mp);
	}
	if (pf & PG_WRITEBACK) {
		mp->nr_writeback--;
		m->nr_writeback--;
	}
	*cache_slot(m, mp, f->prev, false) = 0;
	xa_erase(m, mp, f->prev);
	mp->nr_cached--;
	m->nr_file_pages--;
	m->nr_shmem -= is_shmem(mp);
	f->refcount -= 1u + ((pf & PG_PRIVATE) ? 1u : 0u);
	if (pf & PG_PRIVATE) /* try_to_release_folio() frees the buffers */
		bh_free_folio(m);
	m->pgflags[head] = 0;
	f->next = f->prev = 0;
	if (!f->refcount)
		page_ref_release(m, head);
}

/* The page @index of @mp, allocated with @gfp into the cache if missing; NIL_PFN on failure. */
uint64_t filemap_find_or_create(struct pfnlab_machine *m, unsigned id, struct mapping *mp, uint64_t index,
			       pfnlab_gfp_t gfp)
{
	uint32_t *slot = cache_slot(m, mp, index, true);

	if (!slot)
		return NIL_PFN;
	return *slot ? *slot - 1u : add_to_page_cache(m, id, mp, index, slot, gfp);
}

/*
 * models mapping_gfp_mask() of a new inode (inode_init_always(); a block
 * device's is GFP_USER, bdev_alloc()), with __GFP_WRITE for writes
 */
static pfnlab_gfp_t mapping_gfp(const struct mapping *mp, bool write)
{
	pfnlab_gfp_t gfp = mp->fs == PFNLAB_FS_BDEV ? PFNLAB_GFP_USER : PFNLAB_GFP_HIGHUSER_MOVABLE;

	return gfp | (write && !is_shmem(mp) ? PFNLAB___GFP_WRITE : 0);
}

/* models readahead_gfp_mask(), include/linux/pagemap.h */
static pfnlab_gfp_t readahead_gfp(const struct mapping *mp)
{
	return mapping_gfp(mp, false) | PFNLAB___GFP_NORETRY | PFNLAB___GFP_NOWARN;
}

/* The open file @id and the pages [@first, @last] of bytes [@off, @off + @len): 0, -ENOENT, -EINVAL. */
static int file_range(struct pfnlab_machine *m, unsigned id, uint64_t off, uint64_t len, struct mapping **mp,
		      uint64_t *first, uint64_t *last)
{
	uint64_t psize = 1ull << m->cfg.page_shift;

	*mp = mapping_get(m, id);
	if (!*mp || !(*mp)->open)
		return -ENOENT;
	if ((*mp)->fs == PFNLAB_FS_HUGETLBFS) /* not modelled: hugetlbfs has no write(), its read() copies */
		return -EINVAL;
	if (!len || off + len < off || off + len > (*mp)->nr_pages * psize)
		return -EINVAL;
	*first = off / psize;
	*last = (off + len - 1) / psize;
	return 0;
}

/* models filemap_read() / shmem_file_read_iter() */
int pfnlab_file_read(struct pfnlab_machine *m, unsigned id, uint64_t off, uint64_t len)
{
	if (!m)
		return -EINVAL;
	struct mapping *mp;
	uint64_t first, last;
	int err = file_range(m, id, off, len, &mp, &first, &last);

	if (err)
		return err;
	for (uint64_t i = first; i <= last; i++) {
		uint32_t *slot = cache_slot(m, mp, i, !is_shmem(mp));
		uint64_t pfn;

		if (is_shmem(mp)) { /* SGP_READ: a hole reads as zeros, nothing allocated */
			if (slot && *slot && (i > first || off % (1ull << m->cfg.page_shift) == 0))
				folio_mark_accessed(m, *slot - 1u);
			continue;
		}
		if (!slot)
			return -ENOMEM;
		pfn = *slot ? *slot - 1u : add_to_page_cache(m, id, mp, i, slot, readahead_gfp(mp));
		if (pfn == NIL_PFN) /* readahead failed: filemap_read_folio() tries once more */
			pfn = add_to_page_cache(m, id, mp, i, slot, mapping_gfp(mp, false));
		if (pfn == NIL_PFN)
			return -ENOMEM;
		folio_mark_accessed(m, pfn);
	}
	return 0;
}

/* models generic_perform_write() with block_write_begin()/block_write_end(), and shmem's */
int pfnlab_file_write(struct pfnlab_machine *m, unsigned id, uint64_t off, uint64_t len)
{
	if (!m)
		return -EINVAL;
	struct mapping *mp;
	uint64_t first, last;
	int err = file_range(m, id, off, len, &mp, &first, &last);

	if (err)
		return err;
	for (uint64_t i = first; i <= last; i++) {
		uint64_t pfn = filemap_find_or_create(m, id, mp, i, mapping_gfp(mp, true));

		if (pfn == NIL_PFN || (!is_shmem(mp) && folio_attach_buffers(m, pfn)))
			return -ENOMEM;
		folio_set_dirty(m, pfn);
	}
	balance_dirty_pages(m);
	return 0;
}

/* models vfs_fsync(): write back every dirty page and wait */
int pfnlab_file_sync(struct pfnlab_machine *m, unsigned id)
{
	if (!m)
		return -EINVAL;
	struct mapping *mp = mapping_get(m, id);

	if (!mp)
		return -ENOENT;
	if (freed_unused(mp)) /* nothing to write back */
		return 0;
	for (uint64_t i = cache_next(mp, 0); i < mp->nr_pages && (mp->nr_dirty || mp->nr_writeback);
	     i = cache_next(mp, i + 1)) {
		uint32_t *slot = cache_slot(m, mp, i, false);

		if (!slot || !*slot)
			continue;
		if (m->pgflags[*slot - 1u] & PG_DIRTY)
			folio_start_writeback(m, *slot - 1u);
		folio_end_writeback(m, *slot - 1u);
	}
	ext2_write_inode(m, mp); /* sync_inode_metadata() */
	return 0;
}

/* Every page of @mp's cache leaves it (freed unless referenced elsewhere). */
static void drop_cached_pages(struct pfnlab_machine *m, struct mapping *mp)
{
	for (uint64_t i = cache_next(mp, 0); i < mp->nr_pages && mp->nr_cached; i = cache_next(mp, i + 1)) {
		uint32_t *slot = cache_slot(m, mp, i, false);

		if (slot && *slot)
			delete_from_page_cache(m, *slot - 1u);
	}
}

/*
 * models truncate_inode_pages(), mm/truncate.c: writeback is waited for,
 * dirty pages are cancelled, buffers invalidated, and every page leaves the
 * cache (freed unless referenced elsewhere)
 */
int pfnlab_file_truncate_pages(struct pfnlab_machine *m, unsigned id)
{
	if (!m)
		return -EINVAL;
	struct mapping *mp = mapping_get(m, id);

	if (!mp || !mp->live)
		return -ENOENT;
	/* unmap_mapping_range() is not modelled; a mounted device's buffers are the file system's */
	if (mp->fs == PFNLAB_FS_HUGETLBFS || mp->nr_mappers || mp->held_pages)
		return -EBUSY;
	drop_cached_pages(m, mp);
	return 0;
}

/*
 * models shmem_evict_inode() / hugetlbfs_evict_inode() -> truncate: every
 * page leaves the cache; the slot is free again
 */
void truncate_mapping(struct pfnlab_machine *m, struct mapping *mp)
{
	if (mp->fs == PFNLAB_FS_HUGETLBFS)
		m->hooks.evict_hugetlbfs(m, mp);
	drop_cached_pages(m, mp);
	for (uint64_t c = 0; c < (mp->nr_pages + CACHE_CHUNK - 1) >> CACHE_CHUNK_SHIFT; c++)
		free(mp->chunks[c]);
	free(mp->chunks);
	free(mp->mappers);
	xa_index_free(mp);
	mp->chunks = NULL;
	mp->mappers = NULL;
	mp->live = false;
}

int pfnlab_file_close(struct pfnlab_machine *m, unsigned id)
{
	if (!m)
		return -EINVAL;
	struct mapping *mp = mapping_get(m, id);

	if (!mp || !mp->open)
		return -ENOENT;
	mp->open = false;
	if (freed_unused(mp) && !mp->nr_mappers)
		truncate_mapping(m, mp);
	return 0;
}

int pfnlab_file_info(const struct pfnlab_machine *m, unsigned id, struct pfnlab_file_info *info)
{
	if (!m || !info)
		return -EINVAL;
	const struct mapping *mp = mapping_get((struct pfnlab_machine *)m, id);

	if (!mp)
		return -ENOENT;
	*info = (struct pfnlab_file_info){.fs = (enum pfnlab_fs)mp->fs, .pages = mp->nr_pages,
					  .cached = mp->nr_cached, .dirty = mp->nr_dirty,
					  .writeback = mp->nr_writeback, .mappers = mp->nr_mappers,
					  .open = mp->open, .mounted = mp->held_pages != 0};
	memcpy(info->name, mp->name, sizeof(info->name));
	return 0;
}

unsigned pfnlab_nr_files(const struct pfnlab_machine *m)
{
	if (!m)
		return 0;
	return m->nr_mappings;
}

/* Record that space @mm maps @pages of @id from @pgoff at @vstart (vma_interval_tree_insert()). */
int mapping_add_mapper(struct mapping *mp, unsigned mm, uint64_t vstart, uint64_t pgoff, uint64_t pages, bool shared)
{
	if (mp->nr_mappers == mp->cap_mappers) {
		unsigned cap = mp->cap_mappers ? mp->cap_mappers * 2 : 4;
		struct mapper *n = realloc(mp->mappers, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		mp->mappers = n;
		mp->cap_mappers = cap;
	}
	mp->mappers[mp->nr_mappers++] =
		(struct mapper){.mm = mm, .vstart = vstart, .pgoff = pgoff, .pages = pages, .shared = shared};
	return 0;
}

/* The mapping at @vstart of space @mm is gone; a closed memfd with no mapping left is freed. */
void mapping_remove_mapper(struct pfnlab_machine *m, unsigned mapping, unsigned mm, uint64_t vstart)
{
	struct mapping *mp = mapping_get(m, mapping);

	if (!mp)
		return;
	for (unsigned i = 0; i < mp->nr_mappers; i++)
		if (mp->mappers[i].mm == mm && mp->mappers[i].vstart == vstart) {
			mp->mappers[i] = mp->mappers[--mp->nr_mappers];
			break;
		}
	if (freed_unused(mp) && !mp->open && !mp->nr_mappers)
		truncate_mapping(m, mp);
}

/* RSS counter of a page-cache folio's kind */
static uint64_t *rss_of(struct mm *mm, unsigned kind)
{
	return kind == PGK_SHMEM ? &mm->rss_shmem : &mm->rss_file;
}

/*
 * models filemap_fault()/shmem_fault() and do_read_fault()/do_shared_fault()/
 * do_cow_fault() for virtual page @vpn of file mapping @v: returns 1 (a
 * page mapped), -EFAULT beyond the file, -ENOMEM.
 */
long filemap_fault(struct pfnlab_machine *m, unsigned id, struct mm *mm, struct vma *v, uint64_t vpn, bool write)
{
	struct mapping *mp = mapping_get(m, v->mapping);
	uint64_t index = v->pgoff + (vpn - v->start), pfn;
	uint32_t *pte = mm_pte(m, mm, vpn, true);
	bool aware = mm->pin_aware && m->cfg.pin_policy == PFNLAB_PIN_AWARE;
	pfnlab_gfp_t strip = aware ? PFNLAB___GFP_HIGHMEM : 0;
	unsigned saved = m->memalloc_flags;
	struct frame *f;

	if (!mp || index >= mp->nr_pages)
		return -EFAULT;
	if (!pte)
		return -ENOMEM;
	if (*pte) {
		uint64_t cur = *pte - 1u;

		if (!write || (m->frames[cur].flags & F_ANON))
			return 0;
		if (v->shared) { /* wp_page_shared(): page_mkwrite dirties it */
			folio_set_dirty(m, cur);
			balance_dirty_pages(m);
			return 0;
		}
		/* do_wp_page(): the private copy replaces the page-cache page */
		*pte = 0;
		file_unmap_pte(m, mm, cur);
	}
	if (pte_table_ensure(m, id, v, vpn)) /* __do_fault(): the PTE table before the page */
		return -ENOMEM;
	if (aware)
		m->memalloc_flags |= MEMALLOC_NOCMA;
	pfn = filemap_find_or_create(m, v->mapping, mp, index,
			     (is_shmem(mp) ? mapping_gfp(mp, false) : readahead_gfp(mp)) & ~strip);
	if (pfn == NIL_PFN && !is_shmem(mp))
		pfn = filemap_find_or_create(m, v->mapping, mp, index, mapping_gfp(mp, false) & ~strip);
	if (pfn != NIL_PFN && write && !v->shared) { /* do_cow_fault(): a private anonymous copy */
		uint64_t cow = alloc_frames(m, PFNLAB_GFP_HIGHUSER_MOVABLE & ~strip, 0);

		m->memalloc_flags = saved;
		if (cow == NIL_PFN)
			return -ENOMEM;
		f = &m->frames[cow];
		f->flags |= F_ANON;
		f->next = id;
		f->prev = (uint32_t)vpn;
		f->mt = 1;
		folio_add_lru(m, cow);
		if (m->ram)
			memcpy(m->ram + (cow << m->cfg.page_shift), m->ram + (pfn << m->cfg.page_shift),
			       (size_t)1 << m->cfg.page_shift);
		*pte = (uint32_t)(cow + 1);
		mm->rss++;
		return 1;
	}
	m->memalloc_flags = saved;
	if (pfn == NIL_PFN)
		return -ENOMEM;
	f = &m->frames[pfn];
	f->mt++;
	f->refcount++;
	folio_mark_young(m, pfn);
	if (write)
		folio_set_dirty(m, pfn);
	*pte = (uint32_t)(pfn + 1);
	mm->rss++;
	(*rss_of(mm, pg_kind(m, pfn)))++;
	return 1;
}

/* A PTE of @mm mapping the page-cache folio @head went away (zap, unmap). */
void file_unmap_pte(struct pfnlab_machine *m, struct mm *mm, uint64_t head)
{
	struct frame *f = &m->frames[head];

	f->mt--;
	f->refcount--;
	mm->rss--;
	(*rss_of(mm, pg_kind(m, head)))--;
}

/* The PTE of mapper @mp mapping page @index, if it maps one. */
static uint32_t *mapper_pte(struct pfnlab_machine *m, const struct mapper *mp, uint64_t index)
{
	struct mm *mm;

	if (index < mp->pgoff || index >= mp->pgoff + mp->pages)
		return NULL;
	mm = mm_get(m, mp->mm);
	return mm ? mm_pte(m, mm, mp->vstart + (index - mp->pgoff), false) : NULL;
}

/* models try_to_unmap() of a page-cache folio through i_mmap; 0 when no mapping is left */
int folio_try_unmap(struct pfnlab_machine *m, uint64_t head)
{
	struct mapping *mp = mapping_get(m, m->frames[head].next);
	uint64_t index = m->frames[head].prev;

	for (unsigned i = 0; i < mp->nr_mappers && m->frames[head].mt; i++) {
		uint32_t *pte = mapper_pte(m, &mp->mappers[i], index);

		if (pte && *pte == head + 1) {
			*pte = 0;
			file_unmap_pte(m, mm_get(m, mp->mappers[i].mm), head);
		}
	}
	return m->frames[head].mt ? -EBUSY : 0;
}

/*
 * models folio_migrate_mapping() + remove_migration_ptes() of a
 * page-cache folio: the cache slot and every PTE point at @dst, whose
 * frame already carries the source's owner fields.
 */
void folio_move_cache(struct pfnlab_machine *m, uint64_t src, uint64_t dst)
{
	struct mapping *mp = mapping_get(m, m->frames[dst].next);
	uint64_t index = m->frames[dst].prev;

	*cache_slot(m, mp, index, false) = (uint32_t)(dst + 1);
	for (unsigned i = 0; i < mp->nr_mappers; i++) {
		uint32_t *pte = mapper_pte(m, &mp->mappers[i], index);

		if (pte && *pte == src + 1)
			*pte = (uint32_t)(dst + 1);
	}
	m->pgflags[dst] = m->pgflags[src];
	m->pgflags[src] = 0;
}

/*
 * models drop_pagecache_sb() -> invalidate_mapping_pages() over every
 * file (vm.drop_caches 1): clean, unmapped, idle page-cache pages leave
 * the cache; returns the pages freed
 */
uint64_t drop_pagecache(struct pfnlab_machine *m)
{
	uint64_t freed = 0;

	for (unsigned id = 1; id <= m->nr_mappings; id++) {
		struct mapping *mp = mapping_get(m, id);

		for (uint64_t i = mp ? cache_next(mp, 0) : 0; mp && i < mp->nr_pages && mp->nr_cached;
		     i = cache_next(mp, i + 1)) {
			uint32_t *slot = cache_slot(m, mp, i, false);
			uint64_t head;

			if (!slot || !*slot)
				continue;
			head = *slot - 1u;
			if ((m->pgflags[head] & (PG_DIRTY | PG_WRITEBACK)) || m->frames[head].mt ||
			    !(m->frames[head].flags & F_LRU))
				continue;
			/* filemap_release_folio() of clean buffers */
			if (!folio_drop_buffers(m, head) || m->frames[head].refcount != folio_expected_refs(m, head))
				continue;
			delete_from_page_cache(m, head);
			freed++;
		}
	}
	return freed;
}

/* Free every address space's tables (machine teardown; frames go with the machine). */
void mappings_free_all(struct pfnlab_machine *m)
{
	for (unsigned i = 0; i < m->nr_mappings; i++) {
		struct mapping *mp = &m->mappings[i];

		if (!mp->live)
			continue;
		for (uint64_t c = 0; c < (mp->nr_pages + CACHE_CHUNK - 1) >> CACHE_CHUNK_SHIFT; c++)
			free(mp->chunks[c]);
		free(mp->chunks);
		free(mp->mappers);
		free(mp->resv);
		free(mp->xa.fill);
	}
	free(m->mappings);
	free(m->pgflags);
	free(m->lru);
}
