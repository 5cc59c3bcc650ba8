/*
 * snapshot_pages.c - a snapshot machine with every frame where it really
 * is: `pfnlab snapshot DIR --pages` reads DIR/kpageflags and
 * DIR/kpagecount (one 8-byte entry per PFN, KPF_* bits as
 * include/uapi/linux/kernel-page-flags.h numbers them), the CMA areas'
 * debugfs files (base_pfn, count, order_per_bit, bitmap) and, to name
 * owners, DIR/PID/{comm,maps,pagemap} of every process; it then lays the
 * frames of the machine snapshot.c built from the same directory anew.
 *
 *   KPF_BUDDY          free; since v4.6 every page of a free block has it,
 *                      so the runs are freed and merge as __free_one_page()
 *                      merges them
 *   KPF_RESERVED, a hole inside RAM       reserved
 *   KPF_ANON           an anonymous folio of the first process whose
 *                      pagemap maps it (or of "(owner not found)")
 *   KPF_LRU            page cache: shmem with KPF_SWAPBACKED, else file
 *   KPF_SLAB, KPF_PGTABLE, KPF_HUGE, anything else allocated
 *                      a kernel allocation (unmovable)
 *   no flag inside a CMA area   allocated by cma_alloc() when its bitmap
 *                      bit is set, else free whatever kpagecount says (a
 *                      per-CPU list page when kpageflags was read, maybe
 *                      faulted in by the time kpagecount was: cma_alloc()
 *                      drains those, and migrates a page taken since)
 *
 * Compound pages keep their order (the tail pages that follow a head).
 * Simplified: the model's virtual addresses are 32-bit page numbers, so a
 * process's anonymous folios are packed, in address order, into one
 * mapping from PAGES_BASE; pages_real_vaddr() gives the real address
 * back.  A folio mapped by several processes belongs to the first (by
 * PID); page-cache folios go into two pseudo files, "(file pages)" and
 * "(shmem pages)"; /proc shows no pins and no references beyond mappings,
 * so nothing is pinned.  Reading the live /proc, the frames pfnlab's own
 * process maps (anonymous, no process before it mapping them) are free:
 * they are its buffers, gone when it exits, not the machine's state.  Non-CMA pageblock types are not in /proc: the
 * counts pagetypeinfo gave stay, handed to pageblocks by how many
 * unmovable frames they hold (most: UNMOVABLE, then RECLAIMABLE, then
 * HIGHATOMIC, the rest MOVABLE).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

#define KPF_LOCKED        0
#define KPF_DIRTY         4
#define KPF_LRU           5
#define KPF_SLAB          7
#define KPF_WRITEBACK     8
#define KPF_BUDDY         10
#define KPF_ANON          12
#define KPF_SWAPBACKED    14
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE          17
#define KPF_NOPAGE        20
#define KPF_IDLE          25
#define KPF_PGTABLE       26
#define KPF_RESERVED      32

#define BIT(b) (1ull << (b))

#define PAGES_BASE 0x10000000ull      /* where packed anonymous folios start, bytes */
#define PAGES_MAX_VMA (64ull << 30)   /* larger mappings are not read (reservations) */
#define PAGEMAP_PRESENT BIT(63)
#define PAGEMAP_PFN (BIT(55) - 1)

const char *const pages_kind_names[PK_NR] = {
	"hole", "free", "reserved", "kernel", "slab", "pagetable", "hugetlb", "anon", "file", "shmem", "cma",
};

/* Working state: the raw entries and per-PFN facts. */
struct pctx {
	struct pfnlab_machine *m;
	struct pfnlab_pages *pg;
	const uint64_t *flags, *count;   /* kpageflags, kpagecount */
	uint64_t entries;
	char *why;
	size_t len;
};

static bool cma_pfn(const struct pfnlab_machine *m, uint64_t pfn)
{
	for (unsigned i = 0; i < m->nr_cma; i++)
		if (pfn >= m->cma[i].base_pfn && pfn < m->cma[i].base_pfn + m->cma[i].count)
			return true;
	return false;
}

static bool cma_bit_set(const struct pfnlab_machine *m, uint64_t pfn)
{
	for (unsigned i = 0; i < m->nr_cma; i++) {
		const struct cma_area *a = &m->cma[i];

		if (pfn >= a->base_pfn && pfn < a->base_pfn + a->count) {
			uint64_t b = (pfn - a->base_pfn) >> a->order_per_bit;

			return a->bitmap[b / 64] >> (b % 64) & 1;
		}
	}
	return false;
}

/* ---- reading ---- */

/* Is @dir the running kernel's /proc (where pfnlab reads itself too)? */
static bool live_proc(const char *dir)
{
	return strcmp(dir, "/proc") == 0 || strcmp(dir, "/proc/") == 0;
}

/* Read DIR/NAME whole; a missing file is data NULL when @optional. */
static int read_named(const char *dir, const char *name, bool optional, struct input_buf *b, char *why,
		      size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%.3900s/%.100s", dir, name);
	memset(b, 0, sizeof(*b));
	if (optional && access(path, F_OK) != 0)
		return 0;
	return input_read(path, 0, b, why, len);
}

/*
 * DIR/NAME, a file of 8-byte entries: /proc/kpageflags refuses reads
 * that are not whole entries, so it is read here in whole entries; a
 * compressed copy is decompressed.
 */
static int read_entries(const char *dir, const char *name, struct input_buf *b, char *why, size_t len)
{
	char path[4096];
	size_t cap = 1 << 20, n = 0;
	char *p = malloc(cap + 1);
	enum input_kind kind;
	int fd;

	snprintf(path, sizeof(path), "%.3900s/%.100s", dir, name);
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%.250s", path);
	if (!p)
		return set_why(why, len, "out of host memory"), -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(p);
		return set_why(why, len, "%s: %s", path, strerror(errno)), errno == ENOENT ? -ENOENT : -EIO;
	}
	for (;;) {
		ssize_t got;

		if (n == cap) {
			char *q = realloc(p, cap * 2 + 1);

			if (!q) {
				free(p);
				close(fd);
				return set_why(why, len, "out of host memory"), -ENOMEM;
			}
			p = q;
			cap *= 2;
		}
		got = read(fd, p + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(p);
			close(fd);
			return set_why(why, len, "%s: %s", path, strerror(e)), -EIO;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	p[n] = '\0';
	kind = input_detect(p, n);
	if (kind == INPUT_XZ || kind == INPUT_ZSTD || kind == INPUT_GZIP) {
		char sub[200];
		int err = input_decompress(kind, p, n, &b->data, &b->len, input_memory_limit(NULL, NULL), sub,
					   sizeof(sub));

		free(p);
		if (err)
			return set_why(why, len, "%s: %s", path, sub), err;
		return 0;
	}
	b->data = p;
	b->len = n;
	return 0;
}

/* One number from a one-line debugfs file. */
static int read_number(const char *dir, const char *name, uint64_t *v, char *why, size_t len)
{
	struct input_buf b;
	struct input_lines l;
	int err = read_named(dir, name, false, &b, why, len);

	if (err)
		return err;
	input_lines_init(&l, b.name, b.data, b.len);
	if (!input_lines_next(&l) || trace_parse_u64(l.s, l.n, false, v)) {
		err = (set_why(why, len, "%s:1: not a number", b.name), -EINVAL);
	}
	input_buf_free(&b);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the subdirectories of @dir, sorted (numeric ones only when @pids). */
static int list_dir(const char *dir, bool pids, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || (pids && strspn(e->d_name, "0123456789") != strlen(e->d_name)))
			continue;
		if (*n == cap) {
			char **p = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!p)
				goto nomem;
			v = p;
		}
		if (!(v[*n] = strdup(e->d_name)))
			goto nomem;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	*out = v;
	return 0;
nomem:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	*n = 0;
	return -ENOMEM;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* models nothing: the debugfs files of one CMA area (mm/cma_debug.c) into the machine */
static int read_cma_area(struct pfnlab_machine *m, const char *dir, const char *name, char *why, size_t len)
{
	char sub[4096];
	uint64_t base, count, opb;
	struct input_buf b;
	struct input_lines l;
	struct cma_area *a;
	int err;

	snprintf(sub, sizeof(sub), "%.3900s/%.100s", dir, name);
	if ((err = read_number(sub, "base_pfn", &base, why, len)) || (err = read_number(sub, "count", &count, why, len)) ||
	    (err = read_number(sub, "order_per_bit", &opb, why, len)))
		return err;
	if (opb > 20 || !count || base + count > m->nr_pfns || (count >> opb) == 0)
		return set_why(why, len, "%s: base_pfn %#llx, count %llu, order_per_bit %llu do not fit the machine (%llu PFNs)",
			       sub, (unsigned long long)base, (unsigned long long)count, (unsigned long long)opb,
			       (unsigned long long)m->nr_pfns), -EINVAL;
	if (m->nr_cma == PFNLAB_MAX_CMA)
		return set_why(why, len, "%s: more than %d CMA areas", dir, PFNLAB_MAX_CMA), -EINVAL;
	a = &m->cma[m->nr_cma];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->base_pfn = base;
	a->count = count;
	a->order_per_bit = (unsigned)opb;
	a->zone = pfn_zone_index(m, base);
	a->bitmap = calloc((count + 63) / 64 + 1, sizeof(uint64_t));
	if (!a->bitmap)
		return set_why(why, len, "out of host memory"), -ENOMEM;
	m->nr_cma++;
	if (a->zone < 0)
		return set_why(why, len, "%s/base_pfn: PFN %#llx is in no zone", sub, (unsigned long long)base), -EINVAL;
	/* bitmap: u32 words, "%u" separated by blanks (debugfs_create_u32_array) */
	err = read_named(sub, "bitmap", true, &b, why, len);
	if (err || !b.data)
		return err;
	input_lines_init(&l, b.name, b.data, b.len);
	{
		uint64_t word = 0, bits = count >> opb;

		while (!err && input_lines_next(&l)) {
			const char *s = l.s, *e = l.s + l.n;

			while (s < e) {
				const char *t;
				uint64_t v;

				while (s < e && (*s == ' ' || *s == '\t'))
					s++;
				if (s == e)
					break;
				for (t = s; t < e && *t != ' ' && *t != '\t'; t++)
					;
				if (trace_parse_u64(s, (size_t)(t - s), false, &v) || v > UINT32_MAX) {
					err = (set_why(why, len, "%s:%llu: '%.*s' is not a 32-bit bitmap word", b.name,
						      (unsigned long long)l.no, (int)(t - s), s), -EINVAL);
					break;
				}
				for (unsigned k = 0; k < 32; k++)
					if (v >> k & 1 && word * 32 + k < bits)
						a->bitmap[(word * 32 + k) / 64] |= 1ull << ((word * 32 + k) % 64);
				word++;
				s = t;
			}
		}
	}
	input_buf_free(&b);
	return err;
}

/* The CMA areas of the debugfs directory @dir in place of those snapshot.c guessed. */
static int read_cma(struct pctx *c, const char *dir)
{
	struct pfnlab_machine *m = c->m;
	char **names;
	size_t n;
	int err = list_dir(dir, false, &names, &n);

	if (err)
		return set_why(c->why, c->len, "out of host memory"), err;
	if (!n) {
		free(names);
		return 0;
	}
	c->pg->cma_from_debugfs = true;
	/* the guessed areas go, and their pageblocks are typed below with the others */
	for (unsigned i = 0; i < m->nr_cma; i++) {
		for (uint64_t p = m->cma[i].base_pfn; p < m->cma[i].base_pfn + m->cma[i].count; p += m->pb_pages)
			set_pageblock_migratetype(m, p, PFNLAB_MT_MOVABLE);
		free(m->cma[i].bitmap);
		m->cma[i].bitmap = NULL;
	}
	m->nr_cma = 0;
	for (int z = 0; z < m->nr_zones; z++)
		m->zones[z].cma_pages = 0;
	for (size_t i = 0; i < n && !err; i++)
		err = read_cma_area(m, dir, names[i], c->why, c->len);
	free_list(names, n);
	if (err)
		return err;
	m->cfg.nr_cma = m->nr_cma;
	m->cfg.config_cma = true;
	for (unsigned i = 0; i < m->nr_cma; i++) {
		const struct cma_area *a = &m->cma[i];

		memcpy(m->cfg.cma[i].name, a->name, sizeof(m->cfg.cma[i].name));
		m->cfg.cma[i].base = a->base_pfn << m->cfg.page_shift;
		m->cfg.cma[i].size = a->count << m->cfg.page_shift;
		m->cfg.cma[i].order_per_bit = a->order_per_bit;
		m->zones[a->zone].cma_pages += a->count;
		for (uint64_t p = a->base_pfn; p < a->base_pfn + a->count; p += m->pb_pages)
			set_pageblock_migratetype(m, p, PFNLAB_MT_CMA);
	}
	return 0;
}

/* ---- frames ---- */

/* No flag but those a free page may carry (a per-CPU list page, a page on its way) */
static bool blank(uint64_t f)
{
	return !(f & ~BIT(KPF_IDLE));
}

/* The kind of the frame at @pfn, a head of a folio of @order (tails: PK_TAIL). */
static int classify(const struct pctx *c, uint64_t pfn, unsigned *order)
{
	uint64_t f = c->flags[pfn], n = 1, max = 1ull << (c->m->nr_orders - 1);

	*order = 0;
	if (c->m->frames[pfn].flags & F_HOLE)
		return PK_HOLE;
	if (f & (BIT(KPF_NOPAGE) | BIT(KPF_RESERVED)))
		return PK_RESERVED;
	if (f & BIT(KPF_BUDDY))
		return PK_FREE;
	if (cma_bit_set(c->m, pfn)) /* handed out by cma_alloc(): order-0 pages of one reference */
		return PK_CMA;
	if (f & BIT(KPF_COMPOUND_TAIL))
		return PK_TAIL;
	if (f & BIT(KPF_COMPOUND_HEAD)) {
		while (pfn + n < c->entries && n < max && (c->flags[pfn + n] & BIT(KPF_COMPOUND_TAIL)))
			n++;
		while (n & (n - 1))
			n &= n - 1;
		while (pfn & (n - 1))
			n >>= 1;
		*order = (unsigned)__builtin_ctzll(n);
	}
	if (f & BIT(KPF_HUGE))
		return PK_HUGETLB;
	if (f & BIT(KPF_SLAB))
		return PK_SLAB;
	if (f & BIT(KPF_PGTABLE))
		return PK_PGTABLE;
	if (f & BIT(KPF_ANON))
		return PK_ANON;
	if (f & BIT(KPF_LRU))
		return f & BIT(KPF_SWAPBACKED) ? PK_SHMEM : PK_FILE;
	if (cma_pfn(c->m, pfn) && blank(f))
		return PK_FREE;
	return PK_KERNEL;
}

/* Empty every free list of @z. */
static void empty_lists(struct zone *z)
{
	for (unsigned o = 0; o < MAX_ORDERS; o++) {
		for (int t = 0; t < PFNLAB_MT_TYPES; t++)
			z->area[o].list[t] = (struct free_list){.head = NIL_PFN, .tail = NIL_PFN};
		z->area[o].nr_free = 0;
	}
	z->nr_free = z->nr_free_cma = 0;
}

/*
 * Type the zone's non-CMA pageblocks: pagetypeinfo's counts stay; the
 * pageblocks holding the most unmovable frames get UNMOVABLE first.
 */
struct pbscore {
	uint64_t pfn;
	uint64_t score;
};

static int cmp_score(const void *a, const void *b)
{
	const struct pbscore *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

static int type_pageblocks(struct pctx *c, struct zone *z, const uint8_t *kind)
{
	struct pfnlab_machine *m = c->m;
	static const int order[] = {PFNLAB_MT_UNMOVABLE, PFNLAB_MT_RECLAIMABLE, PFNLAB_MT_HIGHATOMIC};
	uint64_t want[PFNLAB_MT_TYPES] = {0}, n = 0, k = 0;
	struct pbscore *v = calloc(z->spanned / m->pb_pages + 2, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (uint64_t p = z->start_pfn & ~(m->pb_pages - 1); p < z->start_pfn + z->spanned; p += m->pb_pages) {
		int t;

		if (pageblock_zone(m, p) != (int)(z - m->zones) || !pfn_section_online(m, p))
			continue;
		t = pb_type(m, p) & PB_MT_MASK;
		if (t == PFNLAB_MT_CMA || t == PFNLAB_MT_ISOLATE)
			continue;
		want[t]++;
		v[n].pfn = p;
		for (uint64_t q = p; q < p + m->pb_pages && q < m->nr_pfns; q++)
			v[n].score += kind[q] == PK_KERNEL || kind[q] == PK_SLAB || kind[q] == PK_PGTABLE ||
				      kind[q] == PK_HUGETLB;
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_score);
	for (int i = 0; i < 3; i++)
		for (uint64_t j = 0; j < want[order[i]] && k < n; j++)
			set_pageblock_migratetype(m, v[k++].pfn, order[i]);
	while (k < n)
		set_pageblock_migratetype(m, v[k++].pfn, PFNLAB_MT_MOVABLE);
	free(v);
	return 0;
}

/* A pseudo file for page-cache frames; returns its id (0: none). */
static unsigned pseudo_file(struct pfnlab_machine *m, bool shmem, uint64_t pages)
{
	unsigned id = 0;

	if (!pages)
		return 0;
	if (shmem ? pfnlab_memfd_create(m, "(shmem pages)", pages << m->cfg.page_shift, &id)
		  : pfnlab_file_create(m, "(file pages)", PFNLAB_FS_EXT4, pages << m->cfg.page_shift, &id))
		return 0;
	mapping_get(m, id)->xa.untracked = true; /* its nodes are among the kernel's pages */
	return id;
}

/* A page-cache page at @head, page @index of file @id. */
static int set_cache(struct pfnlab_machine *m, unsigned id, uint64_t head, uint64_t index, bool shmem)
{
	struct mapping *mp = mapping_get(m, id);
	uint32_t *slot = mp ? cache_slot(m, mp, index, true) : NULL;
	struct frame *f = &m->frames[head];

	if (!slot)
		return -ENOMEM;
	*f = (struct frame){.flags = F_ALLOC, .refcount = 1, .next = id, .prev = (uint32_t)index};
	m->pgflags[head] = (uint16_t)(shmem ? PGK_SHMEM : PGK_FILE);
	folio_add_lru(m, head);
	*slot = (uint32_t)(head + 1);
	mp->nr_cached++;
	m->nr_file_pages++;
	m->nr_shmem += shmem;
	return 0;
}

/* ---- owners ---- */

/* A folio of pfnlab's own read from the live /proc: free, as it is once pfnlab has exited. */
static void free_own_folio(struct pfnlab_pages *pg, uint64_t *head_of, uint64_t head)
{
	uint64_t n = 1ull << pg->order[head];

	for (uint64_t q = head; q < head + n && q < pg->nr_pfns; q++) {
		pg->kind[q] = PK_FREE;
		pg->order[q] = 0;
		head_of[q] = NIL_PFN;
	}
	pg->own_pages += n;
}

/*
 * Read one process: comm, maps, pagemap; the folios it maps first become
 * its.  pfnlab's own process (@own) owns nothing: its anonymous folios
 * no process before it maps are laid free.
 */
static int read_process(struct pctx *c, const char *dir, const char *pid, uint32_t idx, uint64_t *head_of,
			uint64_t *unreadable, bool own)
{
	struct pfnlab_pages *pg = c->pg;
	struct pages_proc *pr = &pg->procs[idx];
	char sub[4096], path[4200];
	struct input_buf b;
	struct input_lines l;
	char why[512];
	int fd, err = 0;
	uint64_t buf[512];

	snprintf(sub, sizeof(sub), "%.3900s/%.100s", dir, pid);
	pr->pid = (uint32_t)strtoul(pid, NULL, 10);
	if (!read_named(sub, "comm", true, &b, why, sizeof(why)) && b.data) {
		size_t n = strcspn(b.data, "\n");

		snprintf(pr->comm, sizeof(pr->comm), "%.*s", (int)(n < 16 ? n : 16), b.data);
		input_buf_free(&b);
	}
	if (read_named(sub, "maps", true, &b, why, sizeof(why)) || !b.data) {
		input_buf_free(&b);
		return 0; /* kernel threads have empty maps; a process that exited is gone */
	}
	snprintf(path, sizeof(path), "%s/pagemap", sub);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		(*unreadable)++;
		input_buf_free(&b);
		return 0;
	}
	input_lines_init(&l, b.name, b.data, b.len);
	while (!err && input_lines_next(&l)) {
		unsigned long long lo, hi;
		char perms[8] = "";

		if (!l.n)
			continue;
		if (sscanf(l.s, "%llx-%llx %7s", &lo, &hi, perms) != 3 || hi <= lo || (lo & 4095) || (hi & 4095)) {
			err = (set_why(c->why, c->len, "%s:%llu: not a line of /proc/PID/maps (START-END PERMS ...)", b.name,
				      (unsigned long long)l.no), -EINVAL);
			break;
		}
		if (strncmp(perms, "---", 3) == 0 || hi - lo > PAGES_MAX_VMA)
			continue;
		for (uint64_t v = lo >> 12; v < hi >> 12;) {
			uint64_t want = (hi >> 12) - v < 512 ? (hi >> 12) - v : 512;
			ssize_t got = pread(fd, buf, want * 8, (off_t)(v * 8));

			if (got <= 0)
				break;
			for (uint64_t i = 0; i < (uint64_t)got / 8; i++) {
				uint64_t pfn = buf[i] & PAGEMAP_PFN, head;

				if (!(buf[i] & PAGEMAP_PRESENT) || !pfn || pfn >= c->entries)
					continue;
				pg->pagemap_pfns++;
				head = head_of[pfn];
				if (head == NIL_PFN || pg->owner[head])
					continue;
				if (own) {
					if (pg->kind[head] == PK_ANON)
						free_own_folio(pg, head_of, head);
					continue;
				}
				pg->owner[head] = idx + 1;
				if (pg->kind[head] == PK_ANON) {
					pg->real_vpn[head] = v + i - (pfn - head);
					pr->anon += 1ull << pg->order[head];
				} else {
					pr->other += 1ull << pg->order[head];
				}
			}
			v += (uint64_t)got / 8;
		}
	}
	close(fd);
	input_buf_free(&b);
	return err;
}

/* Install the anonymous folios owned by process @idx (NIL: by nobody) into a new address space. */
static int install_anon(struct pctx *c, uint32_t owner, const char *name, uint64_t pages)
{
	struct pfnlab_machine *m = c->m;
	struct pfnlab_pages *pg = c->pg;
	uint64_t vpn = PAGES_BASE >> m->cfg.page_shift;
	unsigned id;
	struct mm *mm;
	int err;

	if (!pages)
		return 0;
	if ((err = pfnlab_mm_create(m, name, &id)) ||
	    (err = pfnlab_mm_map(m, id, PAGES_BASE, pages << m->cfg.page_shift, PFNLAB_MAP_NOPGTABLE)))
		return set_why(c->why, c->len, "address space for %s: %s", name, pfnlab_strerror(err)), err;
	mm = mm_get(m, id); /* its PTE tables are among the snapshot's pages */
	if (owner)
		pg->procs[owner - 1].mm = id;
	for (uint64_t p = 0; p < pg->nr_pfns; p++) {
		struct frame *f;
		uint64_t n;

		if (pg->kind[p] != PK_ANON || pg->owner[p] != owner)
			continue;
		n = 1ull << pg->order[p];
		f = &m->frames[p];
		*f = (struct frame){.flags = F_ALLOC | F_ANON, .order = pg->order[p], .refcount = 1, .mt = 1,
				    .next = id, .prev = (uint32_t)vpn};
		folio_add_lru(m, p);
		for (uint64_t i = 0; i < n; i++) {
			uint32_t *pte = mm_pte(m, mm, vpn + i, true);

			if (!pte)
				return set_why(c->why, c->len, "out of host memory"), -ENOMEM;
			*pte = (uint32_t)(p + i + 1);
		}
		mm->rss += n;
		vpn += n;
	}
	return 0;
}

/* ---- the whole ---- */

static int lay_frames(struct pctx *c)
{
	struct pfnlab_machine *m = c->m;
	struct pfnlab_pages *pg = c->pg;
	uint64_t file_pages = 0, shmem_pages = 0, nofile = 0, noshmem = 0;
	unsigned file_id, shmem_id;
	int err = 0;

	if (pgflags_ensure(m)) /* page kinds and LRU links */
		return set_why(c->why, c->len, "out of host memory"), -ENOMEM;
	/* every frame outside the holes starts plain; zones lose their free lists */
	for (int z = 0; z < m->nr_zones; z++)
		empty_lists(&m->zones[z]);
	for (uint64_t p = 0; p < pg->nr_pfns; p++) {
		if (pg->kind[p] == PK_HOLE)
			continue;
		m->frames[p] = (struct frame){0};
		if (m->pgflags)
			m->pgflags[p] = 0;
	}
	for (uint64_t p = 0; p < pg->nr_pfns; p++) {
		if (pg->kind[p] == PK_FILE)
			file_pages += 1ull << pg->order[p];
		if (pg->kind[p] == PK_SHMEM)
			shmem_pages += 1ull << pg->order[p];
	}
	file_id = pseudo_file(m, false, file_pages);
	shmem_id = pseudo_file(m, true, shmem_pages);
	if ((file_pages && !file_id) || (shmem_pages && !shmem_id))
		return set_why(c->why, c->len, "out of host memory"), -ENOMEM;
	for (uint64_t p = 0; p < pg->nr_pfns && !err; p++) {
		unsigned order = pg->order[p];
		struct frame *f = &m->frames[p];

		switch (pg->kind[p]) {
		case PK_RESERVED:
			f->flags = F_RESERVED;
			break;
		case PK_KERNEL:
		case PK_SLAB:
		case PK_PGTABLE:
		case PK_HUGETLB:
		case PK_CMA:
			*f = (struct frame){.flags = F_ALLOC, .order = (uint8_t)order, .refcount = 1};
			break;
		case PK_FILE: /* the model's page cache holds single pages: a large folio is split */
			for (uint64_t i = 0; i < 1ull << order && !err; i++)
				err = set_cache(m, file_id, p + i, nofile++, false);
			break;
		case PK_SHMEM:
			for (uint64_t i = 0; i < 1ull << order && !err; i++)
				err = set_cache(m, shmem_id, p + i, noshmem++, true);
			break;
		default:
			break;
		}
	}
	if (err)
		return set_why(c->why, c->len, "out of host memory"), err;
	/* anonymous folios, by owner */
	for (uint32_t i = 0; i < pg->nr_procs && !err; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%.15s[%u]", pg->procs[i].comm, pg->procs[i].pid);
		err = install_anon(c, i + 1, name, pg->procs[i].anon);
	}
	if (!err) {
		uint64_t orphans = 0;

		for (uint64_t p = 0; p < pg->nr_pfns; p++)
			if (pg->kind[p] == PK_ANON && !pg->owner[p])
				orphans += 1ull << pg->order[p];
		err = install_anon(c, 0, "(owner not found)", orphans);
	}
	if (err)
		return err;
	/* pageblock types, then the free runs onto the lists of their pageblocks */
	for (int z = 0; z < m->nr_zones && !err; z++)
		err = type_pageblocks(c, &m->zones[z], pg->kind);
	if (err)
		return set_why(c->why, c->len, "out of host memory"), err;
	for (int zi = 0; zi < m->nr_zones; zi++) {
		struct zone *z = &m->zones[zi];
		uint64_t end = z->start_pfn + z->spanned, managed = 0;
		unsigned K = m->nr_orders - 1;

		for (uint64_t p = z->start_pfn; p < end;) {
			unsigned o = 0;

			if (pg->kind[p] != PK_FREE) {
				managed += pg->kind[p] != PK_HOLE && pg->kind[p] != PK_RESERVED;
				p++;
				continue;
			}
			while (o < K && !(p & ((2ull << o) - 1)) && p + (2ull << o) <= end) {
				bool all = true;

				for (uint64_t q = p + (1ull << o); q < p + (2ull << o) && all; q++)
					all = pg->kind[q] == PK_FREE;
				if (!all)
					break;
				o++;
			}
			free_one_page(m, z, p, o, pb_type(m, p) & PB_MT_MASK, false);
			managed += 1ull << o;
			p += 1ull << o;
		}
		if (managed != z->managed) {
			pg->managed_changed++;
			z->managed = managed;
		}
	}
	for (uint64_t p = 0, k = PK_HOLE; p < pg->nr_pfns; p++) {
		if (pg->kind[p] != PK_TAIL)
			k = pg->kind[p];
		pg->nr[k]++;
	}
	return 0;
}

int pfnlab_snapshot_pages(struct pfnlab_machine *m, const char *dir, const char *cma_dir, struct pfnlab_pages *pg,
			  char *why, size_t len)
{
	struct input_buf fb, cb;
	struct pctx c = {.m = m, .pg = pg, .why = why, .len = len};
	uint64_t *head_of = NULL, last = 0, unreadable = 0;
	char **pids = NULL;
	size_t npids = 0;
	int err;

	memset(pg, 0, sizeof(*pg));
	memset(&cb, 0, sizeof(cb));
	if ((err = read_entries(dir, "kpageflags", &fb, why, len)))
		return err;
	if ((err = read_entries(dir, "kpagecount", &cb, why, len)))
		goto out;
	if (fb.len % 8 || cb.len % 8) {
		err = (set_why(why, len, "%s: %zu bytes is not a whole number of 8-byte entries",
			      fb.len % 8 ? fb.name : cb.name, fb.len % 8 ? fb.len : cb.len), -EINVAL);
		goto out;
	}
	if (fb.len != cb.len) {
		err = (set_why(why, len, "%s: %zu entries, but %s has %zu (read at different times or truncated)", fb.name,
			      fb.len / 8, cb.name, cb.len / 8), -EINVAL);
		goto out;
	}
	for (int z = 0; z < m->nr_zones; z++)
		if (m->zones[z].start_pfn + m->zones[z].spanned > last)
			last = m->zones[z].start_pfn + m->zones[z].spanned;
	if (fb.len / 8 < last) {
		err = (set_why(why, len, "%s: entries for PFNs up to %#llx, but the zones reach %#llx (truncated?)", fb.name,
			      (unsigned long long)(fb.len / 8), (unsigned long long)last), -EINVAL);
		goto out;
	}
	c.flags = (const uint64_t *)(const void *)fb.data;
	c.count = (const uint64_t *)(const void *)cb.data;
	c.entries = last;
	pg->nr_pfns = last;
	pg->kind = calloc(last ? last : 1, 1);
	pg->order = calloc(last ? last : 1, 1);
	pg->owner = calloc(last ? last : 1, sizeof(*pg->owner));
	pg->real_vpn = calloc(last ? last : 1, sizeof(*pg->real_vpn));
	head_of = malloc((last ? last : 1) * sizeof(*head_of));
	if (!pg->kind || !pg->order || !pg->owner || !pg->real_vpn || !head_of) {
		err = (set_why(why, len, "out of host memory"), -ENOMEM);
		goto out;
	}
	{
		char cd[4096];

		if (cma_dir)
			snprintf(cd, sizeof(cd), "%.4000s", cma_dir);
		else if (live_proc(dir))
			snprintf(cd, sizeof(cd), "/sys/kernel/debug/cma");
		else
			snprintf(cd, sizeof(cd), "%.4000s/cma", dir);
		if ((err = read_cma(&c, cd)))
			goto out;
	}
	/* kinds and folio heads */
	for (uint64_t p = 0, head = NIL_PFN, hend = 0; p < last; p++) {
		unsigned o;
		int k = classify(&c, p, &o);

		head_of[p] = NIL_PFN;
		if (k == PK_TAIL && p < hend) {
			pg->kind[p] = PK_TAIL;
			head_of[p] = head;
			continue;
		}
		if (k == PK_TAIL) /* a tail without its head in reach: a kernel page */
			k = PK_KERNEL;
		pg->kind[p] = (uint8_t)k;
		pg->order[p] = (uint8_t)o;
		head = p;
		hend = p + (1ull << o);
		if (k != PK_HOLE && k != PK_FREE && k != PK_RESERVED)
			head_of[p] = p;
		if (o) { /* its tails take its kind */
			for (uint64_t q = p + 1; q < hend; q++) {
				pg->kind[q] = PK_TAIL;
				head_of[q] = k != PK_HOLE && k != PK_FREE && k != PK_RESERVED ? p : NIL_PFN;
			}
			p = hend - 1;
		}
	}
	/* a set bit whose first page shows free was read at another moment: the page is cma_alloc()'s */
	for (unsigned i = 0; i < m->nr_cma; i++) {
		struct cma_area *a = &m->cma[i];

		for (uint64_t b = 0; b < a->count >> a->order_per_bit; b++) {
			uint64_t p = a->base_pfn + (b << a->order_per_bit);

			if (!(a->bitmap[b / 64] >> (b % 64) & 1) || pg->kind[p] == PK_CMA)
				continue;
			if (pg->kind[p] == PK_FREE) {
				pg->kind[p] = PK_CMA;
				head_of[p] = p;
			} else {
				a->bitmap[b / 64] &= ~(1ull << (b % 64));
				pg->cma_bits_cleared++;
			}
		}
	}
	/* owners: processes in PID order */
	if ((err = list_dir(dir, true, &pids, &npids))) {
		set_why(why, len, "out of host memory");
		goto out;
	}
	pg->procs = calloc(npids ? npids : 1, sizeof(*pg->procs));
	if (!pg->procs) {
		err = (set_why(why, len, "out of host memory"), -ENOMEM);
		goto out;
	}
	{
		/* numeric order, not name order */
		size_t i, j;

		for (i = 1; i < npids; i++)
			for (j = i; j > 0 && strtoul(pids[j - 1], NULL, 10) > strtoul(pids[j], NULL, 10); j--) {
				char *t = pids[j];

				pids[j] = pids[j - 1];
				pids[j - 1] = t;
			}
	}
	for (size_t i = 0; i < npids && !err; i++) {
		bool own = live_proc(dir) && strtoul(pids[i], NULL, 10) == (unsigned long)getpid();

		err = read_process(&c, dir, pids[i], pg->nr_procs, head_of, &unreadable, own);
		pg->nr_procs++;
	}
	pg->procs_unreadable = unreadable;
	if (!err)
		err = lay_frames(&c);
out:
	free_list(pids, npids);
	free(head_of);
	input_buf_free(&fb);
	input_buf_free(&cb);
	if (err)
		pfnlab_pages_free(pg);
	return err;
}

void pfnlab_pages_free(struct pfnlab_pages *pg)
{
	free(pg->kind);
	free(pg->order);
	free(pg->owner);
	free(pg->real_vpn);
	free(pg->procs);
	memset(pg, 0, sizeof(*pg));
}

const struct pages_proc *pages_owner(const struct pfnlab_pages *pg, uint64_t pfn)
{
	uint64_t head = pfn;

	if (!pg->kind || pfn >= pg->nr_pfns)
		return NULL;
	while (head > 0 && pg->kind[head] == PK_TAIL)
		head--;
	return pg->owner[head] ? &pg->procs[pg->owner[head] - 1] : NULL;
}

uint64_t pages_real_vaddr(const struct pfnlab_pages *pg, uint64_t pfn, unsigned page_shift)
{
	uint64_t head = pfn;

	if (!pg->kind || pfn >= pg->nr_pfns)
		return 0;
	while (head > 0 && pg->kind[head] == PK_TAIL)
		head--;
	if (!pg->owner[head] || pg->kind[head] != PK_ANON)
		return 0;
	return ((uint64_t)pg->real_vpn[head] + (pfn - head)) << page_shift;
}
