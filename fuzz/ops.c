/*
 * ops.c - an operation-stream interpreter over the public API: bytes in,
 * a sequence of allocations, frees, address-space operations, pins, CMA
 * allocations and migrations on a small machine, files and memfds (read,
 * write, fsync, close, shared and private mappings), the hugetlb pool
 * (nr_hugepages, overcommit, hugetlb_cma) and hugetlbfs mappings (faults,
 * pins, unmaps), file systems mounted and unmounted, with the whole-state
 * checker after every operation and page contents verified in backed mode.
 * Used by the libFuzzer target (fuzz_ops.c) and the random-stream test
 * (tests/test_ops.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ops.h"

#define MAX_LIVE 256
#define SPACES 4
#define SPACE_PAGES 64
#define FILES 4
#define FILE_PAGES 32
#define PAGE 4096ull

struct ops_state {
	struct pfnlab_machine *m;
	const uint8_t *p, *end;
	uint64_t allocs[MAX_LIVE];
	unsigned alloc_order[MAX_LIVE];
	unsigned nallocs;
	uint64_t cmas[MAX_LIVE], cma_count[MAX_LIVE];
	unsigned ncmas;
	long pins[MAX_LIVE];
	unsigned npins;
	uint64_t gets[MAX_LIVE];
	unsigned ngets;
	unsigned space[SPACES];   /* 0 = none */
	bool mapped[SPACES];
	bool backed;
	unsigned file[FILES];      /* 0 = none */
	unsigned fmapped[SPACES];  /* file mapped in the space's file window, 0 = none */
	bool hmapped[SPACES];      /* a hugetlbfs file mapped in the space's huge window */
	unsigned dev;              /* a mounted block device (pfnlab_fs_mount()), 0 = none */
};

#define HUGE_PAGES 32 /* two huge pages of the ops machine (16 pages each) */

/* Where space slot @i maps a hugetlbfs file: above its file window, huge-aligned. */
static uint64_t huge_addr(unsigned i)
{
	return 0x40000000ull + (uint64_t)i * 0x1000000ull + 0xc00000ull;
}

/* Where space slot @i maps a file: above its anonymous mapping. */
static uint64_t file_addr(unsigned i)
{
	return 0x40000000ull + (uint64_t)i * 0x1000000ull + 0x800000ull;
}

static unsigned next(struct ops_state *s)
{
	return s->p < s->end ? *s->p++ : 0;
}

static uint64_t space_addr(unsigned i)
{
	return 0x40000000ull + (uint64_t)i * 0x1000000ull;
}

/* The value page @vpn of space slot @i holds in backed mode. */
static uint64_t pattern(unsigned id, uint64_t va)
{
	return 0x9e3779b97f4a7c15ull * (id + 1) ^ va;
}

static int verify_space(struct ops_state *s, unsigned i, char *why, size_t len)
{
	if (!s->backed || !s->space[i] || !s->mapped[i])
		return 0;
	for (uint64_t k = 0; k < SPACE_PAGES; k++) {
		uint64_t va = space_addr(i) + k * PAGE, pfn, v = 0;

		if (pfnlab_mm_lookup(s->m, s->space[i], va, &pfn))
			continue; /* not faulted: reads as zero, nothing written */
		pfnlab_mm_read(s->m, s->space[i], va, &v, sizeof(v));
		if (v != pattern(s->space[i], va) && v != 0) {
			snprintf(why, len, "space %u va %#llx holds %#llx, wrote %#llx", s->space[i],
				 (unsigned long long)va, (unsigned long long)v,
				 (unsigned long long)pattern(s->space[i], va));
			return -1;
		}
	}
	return 0;
}

static void touch(struct ops_state *s, unsigned i, uint64_t first, uint64_t n)
{
	for (uint64_t k = first; k < first + n && k < SPACE_PAGES; k++) {
		uint64_t va = space_addr(i) + k * PAGE, v = pattern(s->space[i], va), pfn;

		if (!pfnlab_mm_lookup(s->m, s->space[i], va, &pfn))
			continue;
		if (pfnlab_mm_write(s->m, s->space[i], va, &v, sizeof(v)))
			return;
	}
}

static void op(struct ops_state *s)
{
	struct pfnlab_machine *m = s->m;
	unsigned o = next(s) % 23, a = next(s), b = next(s);
	unsigned i = a % SPACES;
	uint64_t pfn;

	switch (o) {
	case 0: { /* alloc */
		static const pfnlab_gfp_t g[] = {PFNLAB_GFP_KERNEL, PFNLAB_GFP_HIGHUSER_MOVABLE,
						 PFNLAB_GFP_KERNEL | PFNLAB___GFP_RECLAIMABLE, PFNLAB_GFP_ATOMIC};
		unsigned order = b % 5;

		if (s->nallocs < MAX_LIVE && !pfnlab_alloc_pages(m, g[a % 4], order, &pfn)) {
			s->allocs[s->nallocs] = pfn;
			s->alloc_order[s->nallocs++] = order;
		}
		break;
	}
	case 1: /* free */
		if (s->nallocs) {
			unsigned k = a % s->nallocs;

			pfnlab_free_pages(m, s->allocs[k], s->alloc_order[k]);
			s->allocs[k] = s->allocs[--s->nallocs];
			s->alloc_order[k] = s->alloc_order[s->nallocs];
		}
		break;
	case 2: /* create and map a space */
		if (!s->space[i]) {
			char name[16];

			snprintf(name, sizeof(name), "vm%u", i);
			if (pfnlab_mm_create(m, name, &s->space[i]))
				s->space[i] = 0;
		}
		if (s->space[i] && !s->mapped[i])
			s->mapped[i] = !pfnlab_mm_map(m, s->space[i], space_addr(i), SPACE_PAGES * PAGE,
						      (b & 1) ? PFNLAB_MAP_THP : 0);
		if (s->space[i] && (b & 2))
			pfnlab_mm_set_pin_aware(m, s->space[i], true);
		break;
	case 3: /* touch */
	case 4:
		if (s->space[i] && s->mapped[i]) {
			uint64_t first = b % SPACE_PAGES, n = 1 + next(s) % 32;

			if (first + n > SPACE_PAGES)
				n = SPACE_PAGES - first;
			pfnlab_mm_touch(m, s->space[i], space_addr(i) + first * PAGE, n * PAGE, NULL);
			touch(s, i, first, n);
		}
		break;
	case 5: /* unmap (refused while pages are pinned inside a huge page: fine) */
		if (s->space[i] && s->mapped[i] && !pfnlab_mm_unmap(m, s->space[i], space_addr(i), SPACE_PAGES * PAGE))
			s->mapped[i] = false;
		break;
	case 6: /* long-term pin */
	case 7:
		if (s->space[i] && s->mapped[i] && s->npins < MAX_LIVE) {
			uint64_t first = b % SPACE_PAGES, n = 1 + next(s) % 16;
			long h;

			if (first + n > SPACE_PAGES)
				n = SPACE_PAGES - first;
			h = pfnlab_pin(m, s->space[i], space_addr(i) + first * PAGE, n,
				       PFNLAB_FOLL_PIN | (o == 6 ? PFNLAB_FOLL_LONGTERM : 0), "ops", NULL);
			if (h > 0) {
				s->pins[s->npins++] = h;
				touch(s, i, first, n);
			}
		}
		break;
	case 8: /* unpin */
		if (s->npins) {
			unsigned k = a % s->npins;

			pfnlab_unpin(m, s->pins[k]);
			s->pins[k] = s->pins[--s->npins];
		}
		break;
	case 9: /* FOLL_GET and its put */
		if (s->space[i] && s->mapped[i] && s->ngets < MAX_LIVE &&
		    !pfnlab_gup(m, s->space[i], space_addr(i) + (b % SPACE_PAGES) * PAGE, 1, PFNLAB_FOLL_GET, &pfn)) {
			s->gets[s->ngets++] = pfn;
			touch(s, i, b % SPACE_PAGES, 1);
		} else if (s->ngets) {
			pfnlab_put_pages(m, &s->gets[--s->ngets], 1, PFNLAB_FOLL_GET);
		}
		break;
	case 10: /* transient reference, time passes */
		if (s->space[i] && s->mapped[i] && !pfnlab_mm_lookup(m, s->space[i], space_addr(i) + (b % SPACE_PAGES) * PAGE, &pfn))
			pfnlab_page_ref_transient(m, pfn, 1000ull * (next(s) % 8));
		pfnlab_advance(m, 1000);
		break;
	case 11: /* cma_alloc */
		if (pfnlab_cma_count(m) && s->ncmas < MAX_LIVE) {
			uint64_t count = 1 + b % 24;

			if (!pfnlab_cma_alloc(m, 0, count, a % 4, &pfn)) {
				s->cmas[s->ncmas] = pfn;
				s->cma_count[s->ncmas++] = count;
			}
		}
		break;
	case 12: /* cma_release */
		if (s->ncmas) {
			unsigned k = a % s->ncmas;

			pfnlab_cma_release(m, 0, s->cmas[k], s->cma_count[k]);
			s->cmas[k] = s->cmas[--s->ncmas];
			s->cma_count[k] = s->cma_count[s->ncmas];
		}
		break;
	case 13: { /* migrate some pages of a space */
		static const struct pfnlab_migrate_target t = {PFNLAB_GFP_USER | PFNLAB___GFP_MOVABLE, 0};
		uint64_t list[8];
		size_t n = 0;

		for (unsigned k = 0; s->space[i] && s->mapped[i] && k < 8; k++)
			if (!pfnlab_mm_lookup(m, s->space[i], space_addr(i) + ((b + k * 7) % SPACE_PAGES) * PAGE, &list[n]))
				n++;
		if (n)
			pfnlab_migrate_pages(m, list, n, &t, PFNLAB_MIGRATE_SYNC, PFNLAB_MR_COMPACTION, NULL);
		break;
	}
	case 14: /* destroy a space (refused while pinned) */
		if (s->space[i] && !pfnlab_mm_destroy(m, s->space[i])) {
			s->space[i] = 0;
			s->mapped[i] = false;
			s->fmapped[i] = 0;
			s->hmapped[i] = false;
		}
		break;
	case 15: { /* a file: create, read, write, fsync, close */
		unsigned f = a % FILES;
		uint64_t first = b % FILE_PAGES, n = 1 + next(s) % 8;

		if (first + n > FILE_PAGES)
			n = FILE_PAGES - first;
		if (!s->file[f]) {
			char name[16];

			snprintf(name, sizeof(name), "f%u", f);
			if ((b & 3) == PFNLAB_FS_SHMEM ? pfnlab_memfd_create(m, name, FILE_PAGES * PAGE, &s->file[f])
						       : pfnlab_file_create(m, name, (enum pfnlab_fs)(b & 3),
									    FILE_PAGES * PAGE, &s->file[f]))
				s->file[f] = 0;
			break;
		}
		switch ((a >> 2) % 4) {
		case 0:
			pfnlab_file_read(m, s->file[f], first * PAGE, n * PAGE);
			break;
		case 1:
			pfnlab_file_write(m, s->file[f], first * PAGE, n * PAGE);
			break;
		case 2:
			pfnlab_file_sync(m, s->file[f]);
			break;
		default:
			pfnlab_file_close(m, s->file[f]);
			s->file[f] = 0; /* closed files keep their cache; the slot may open a new one */
			break;
		}
		break;
	}
	case 16: /* map a file in a space's file window, shared or private, and fault some of it */
		if (s->space[i] && !s->fmapped[i] && s->file[b % FILES] &&
		    !pfnlab_mm_map_file(m, s->space[i], file_addr(i), FILE_PAGES * PAGE, s->file[b % FILES], 0,
					(a & 16) ? PFNLAB_MAP_SHARED : 0))
			s->fmapped[i] = s->file[b % FILES];
		if (s->space[i] && s->fmapped[i]) {
			uint64_t first = next(s) % FILE_PAGES, v = 0;

			if (a & 32)
				pfnlab_mm_write(m, s->space[i], file_addr(i) + first * PAGE, &v, sizeof(v));
			else
				pfnlab_mm_touch(m, s->space[i], file_addr(i) + first * PAGE, PAGE, NULL);
		}
		break;
	case 17: /* FOLL_GET or a long-term pin of file pages; unmap the file window */
		if (s->space[i] && s->fmapped[i] && (a & 64)) {
			if (!pfnlab_mm_unmap(m, s->space[i], file_addr(i), FILE_PAGES * PAGE))
				s->fmapped[i] = 0;
		} else if (s->space[i] && s->fmapped[i] && (a & 32) && s->npins < MAX_LIVE) {
			long h = pfnlab_pin(m, s->space[i], file_addr(i) + (b % FILE_PAGES) * PAGE, 1,
					    PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | (a & 1 ? PFNLAB_FOLL_WRITE : 0),
					    "ops-file", NULL);

			if (h > 0)
				s->pins[s->npins++] = h;
		} else if (s->space[i] && s->fmapped[i] && s->ngets < MAX_LIVE &&
			   !pfnlab_gup(m, s->space[i], file_addr(i) + (b % FILE_PAGES) * PAGE, 1,
				       PFNLAB_FOLL_GET | (a & 1 ? PFNLAB_FOLL_WRITE : 0), &pfn)) {
			s->gets[s->ngets++] = pfn;
		}
		break;
	case 18: { /* the hugetlb pool: nr_hugepages, nr_overcommit_hugepages of a size */
		unsigned idx = a % pfnlab_hugetlb_count(m);

		if (b & 0x80)
			pfnlab_hugetlb_set_overcommit(m, idx, b % 3);
		else
			pfnlab_hugetlb_set_pages(m, idx, b % 6);
		break;
	}
	case 19: /* a hugetlbfs file mapped shared (then closed, as QEMU's), touched, pinned, unmapped */
		if (s->space[i] && !s->hmapped[i]) {
			unsigned f = 0;

			if (!pfnlab_hugetlbfs_create(m, "huge", 0, HUGE_PAGES * PAGE, &f)) {
				s->hmapped[i] = !pfnlab_mm_map_file(m, s->space[i], huge_addr(i), HUGE_PAGES * PAGE, f, 0,
								    PFNLAB_MAP_SHARED);
				pfnlab_file_close(m, f);
			}
		} else if (s->space[i] && (b & 3) == 0) {
			if (!pfnlab_mm_unmap(m, s->space[i], huge_addr(i), HUGE_PAGES * PAGE))
				s->hmapped[i] = false;
		} else if (s->space[i] && (b & 3) == 1 && s->npins < MAX_LIVE) {
			long h = pfnlab_pin(m, s->space[i], huge_addr(i) + (a % HUGE_PAGES) * PAGE, 1 + next(s) % 20,
					    PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE, "ops-huge", NULL);

			if (h > 0)
				s->pins[s->npins++] = h;
		} else if (s->space[i]) {
			pfnlab_mm_touch(m, s->space[i], huge_addr(i) + (a % HUGE_PAGES) * PAGE, PAGE, NULL);
		}
		break;
	case 20: /* compaction and time: compact_memory, proactiveness, drop_caches, model time passing */
		switch (b % 4) {
		case 0:
			pfnlab_compact_memory(m);
			break;
		case 1:
			pfnlab_sysctl_set(m, "vm.compaction_proactiveness", a % 101);
			pfnlab_advance(m, (uint64_t)(1 + a % 8) * 250000000u);
			break;
		case 2:
			pfnlab_sysctl_set(m, "vm.drop_caches", 1 + a % 3);
			break;
		default:
			pfnlab_advance(m, (uint64_t)(1 + a % 16) * 10000000u);
			break;
		}
		break;
	case 21: /* a file system mounted on a small device (ext2's metadata may borrow CMA), or unmounted */
		if (s->dev)
			s->dev = pfnlab_fs_umount(m, s->dev) ? s->dev : 0;
		else if (pfnlab_fs_mount(m, "vda", b & 1 ? PFNLAB_FS_EXT4 : PFNLAB_FS_EXT2, (uint64_t)(1 + a % 64) << 30,
					 &s->dev))
			s->dev = 0;
		break;
	default: /* bad calls must be refused without harm */
		pfnlab_free_pages(m, (uint64_t)a * 3, b % 6);
		pfnlab_cma_release(m, 0, a, 1 + b % 4);
		pfnlab_unpin(m, (long)a - 3);
		break;
	}
}

int ops_run(const uint8_t *data, size_t len, char *why, size_t wlen)
{
	struct ops_state s = {.p = data, .end = data + len};
	struct pfnlab_config c;
	unsigned cfgb = next(&s), pol = next(&s);
	int rc = 0;

	pfnlab_config_preset(&c, "x86_64", 1024 * PAGE);
	c.nr_ranges = 1;
	c.ranges[0] = (struct pfnlab_range){0, 1024 * PAGE};
	c.reserved_low_bytes = 0;
	c.zone_dma_end = (cfgb & 1) ? 256 * PAGE : 0;
	c.zone_dma32_end = 0;
	c.single_zone_dma = !(cfgb & 1);
	c.max_order = 6;
	c.pageblock_order = 4;
	c.min_free_kbytes = (cfgb & 2) ? 64 : 0;
	c.thp = false;
	c.era = (cfgb & 4) ? PFNLAB_ERA_2015 : PFNLAB_ERA_CURRENT;
	c.cma_rule = (cfgb & 8) ? PFNLAB_CMA_5_7 : PFNLAB_CMA_2015;
	c.pcp = cfgb & 16;
	c.backed = cfgb & 32;
	c.pin_policy = (enum pfnlab_pin_policy)(pol % PFNLAB_PIN_POLICIES);
	c.cma_retry = (enum pfnlab_cma_retry)((pol >> 4) % 3);
	c.cma_retry_max = 3;
	c.kernel = (pol & 8) ? PFNLAB_KERNEL_6_12 : PFNLAB_KERNEL_6_1;
	c.nr_cma = (cfgb & 64) ? 0 : 1;
	c.cma[0].size = 256 * PAGE;
	c.cma[0].base = 768 * PAGE;
	c.cma[0].order_per_bit = (cfgb >> 7) & 1;
	c.gigantic_order = 8; /* 256 pages, above the largest buddy block */
	if ((pol & 0x80) && c.era == PFNLAB_ERA_CURRENT)
		c.hugetlb_cma_bytes = 256 * PAGE;
	snprintf(c.cma[0].name, sizeof(c.cma[0].name), "ops");
	s.backed = c.backed;
	if (pfnlab_machine_create(&c, &s.m, why, wlen))
		return -1;
	while (s.p < s.end && !rc) {
		op(&s);
		rc = pfnlab_check(s.m, why, wlen);
		for (unsigned i = 0; !rc && i < SPACES; i++)
			rc = verify_space(&s, i, why, wlen);
	}
	pfnlab_machine_destroy(s.m);
	return rc;
}
