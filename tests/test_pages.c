/*
 * test_pages.c - `snapshot --pages` (src/input/snapshot_pages.c) and
 * `--what-if` against a machine the model itself filled: its frames are
 * written out as a /proc would show them (fixture_write(): kpageflags,
 * kpagecount, buddyinfo, pagetypeinfo, zoneinfo, the CMA area's debugfs
 * files, one process's comm, maps and pagemap), read back, and the rebuilt
 * machine must hold every frame where the first one had it, name the
 * owner and the real virtual address of every anonymous page, and answer
 * a cma_alloc and an alloc_contig_range the way the first machine does.
 * Malformed files are refused with their name and line.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "test.h"

#define APP_PID 4242
#define APP_ADDR 0x7f1234000000ull /* above the model's 32-bit page numbers: packed on import */
#define APP_LEN (320ull << 20)
#define MODEL_ADDR 0x40000000ull /* where the model maps it: its page numbers are 32-bit */

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		T_FAIL("cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static void put_view(const struct pfnlab_machine *m, const char *dir, const char *view)
{
	char *t = test_view(m, view);

	put_file(dir, view, t);
	free(t);
}

/* KPF_* bits of one frame, as fs/proc/page.c would report it. */
static uint64_t kpf(const struct pfnlab_machine *m, uint64_t pfn, uint64_t *count)
{
	struct pfnlab_page_info pi;
	uint64_t f = 0;

	*count = 0;
	if (pfnlab_page_info(m, pfn, &pi))
		return 1ull << 20;
	switch (pi.state) {
	case PFNLAB_PAGE_HOLE:
		return 1ull << 20; /* KPF_NOPAGE */
	case PFNLAB_PAGE_RESERVED:
		return 1ull << 32; /* KPF_RESERVED */
	case PFNLAB_PAGE_FREE:
		return m->frames[pfn].flags & F_PCP ? 0 : 1ull << 10; /* KPF_BUDDY */
	case PFNLAB_PAGE_ANON:
		f = 1ull << 12 | 1ull << 5 | 1ull << 11; /* ANON, LRU, MMAP */
		*count = pi.mapcount;
		break;
	case PFNLAB_PAGE_FILE:
		f = 1ull << 5 | 1ull << 34; /* LRU, MAPPEDTODISK */
		break;
	case PFNLAB_PAGE_SHMEM:
		f = 1ull << 5 | 1ull << 14; /* LRU, SWAPBACKED */
		break;
	default:
		break;
	}
	if (pi.order)
		f |= pi.head == pfn ? 1ull << 15 : 1ull << 16;
	return f;
}

/* Write @m as a /proc (and debugfs cma) directory @dir, with one process mapping space @id. */
static void fixture_write(const struct pfnlab_machine *m, const char *dir, unsigned id)
{
	char path[1100], sub[512];
	uint64_t n = pfnlab_nr_pfns(m);
	FILE *ff, *fc;
	int fd;

	put_view(m, dir, "buddyinfo");
	put_view(m, dir, "pagetypeinfo");
	put_view(m, dir, "zoneinfo");
	snprintf(path, sizeof(path), "%s/kpageflags", dir);
	ff = fopen(path, "wb");
	snprintf(path, sizeof(path), "%s/kpagecount", dir);
	fc = fopen(path, "wb");
	for (uint64_t p = 0; ff && fc && p < n; p++) {
		uint64_t c, f = kpf(m, p, &c);

		fwrite(&f, 8, 1, ff);
		fwrite(&c, 8, 1, fc);
	}
	if (ff)
		fclose(ff);
	if (fc)
		fclose(fc);
	for (unsigned i = 0; i < pfnlab_cma_count(m); i++) {
		struct pfnlab_cma_info ci;
		const struct cma_area *a = &m->cma[i];
		char num[64];

		pfnlab_cma_info(m, i, &ci);
		snprintf(sub, sizeof(sub), "%s/cma", dir);
		mkdir(sub, 0755);
		snprintf(sub, sizeof(sub), "%s/cma/%s", dir, ci.name);
		mkdir(sub, 0755);
		snprintf(num, sizeof(num), "%llu\n", (unsigned long long)ci.base_pfn);
		put_file(sub, "base_pfn", num);
		snprintf(num, sizeof(num), "%llu\n", (unsigned long long)ci.count);
		put_file(sub, "count", num);
		snprintf(num, sizeof(num), "%u\n", ci.order_per_bit);
		put_file(sub, "order_per_bit", num);
		snprintf(path, sizeof(path), "%s/bitmap", sub);
		ff = fopen(path, "w");
		for (uint64_t w = 0; ff && w < ((ci.count >> ci.order_per_bit) + 31) / 32; w++)
			fprintf(ff, "%u%c", (unsigned)(a->bitmap[w / 2] >> (32 * (w % 2))),
				w + 1 < ((ci.count >> ci.order_per_bit) + 31) / 32 ? ' ' : '\n');
		if (ff)
			fclose(ff);
	}
	snprintf(sub, sizeof(sub), "%s/%d", dir, APP_PID);
	mkdir(sub, 0755);
	put_file(sub, "comm", "app\n");
	snprintf(path, sizeof(path), "%llx-%llx rw-p 00000000 00:00 0 \n%llx-%llx ---p 00000000 00:00 0 \n",
		 APP_ADDR, APP_ADDR + APP_LEN, APP_ADDR + APP_LEN, APP_ADDR + APP_LEN + (1ull << 40));
	put_file(sub, "maps", path);
	snprintf(path, sizeof(path), "%s/pagemap", sub);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (uint64_t a = MODEL_ADDR; fd >= 0 && a < MODEL_ADDR + APP_LEN; a += 4096) {
		uint64_t pfn, e;

		if (pfnlab_mm_lookup(m, id, a, &pfn))
			continue;
		e = 1ull << 63 | pfn;
		if (pwrite(fd, &e, 8, (off_t)((a - MODEL_ADDR + APP_ADDR) / 4096 * 8)) != 8)
			T_FAIL("%s", "pagemap write");
	}
	if (fd >= 0)
		close(fd);
	/* a kernel thread: no maps, no pagemap */
	snprintf(sub, sizeof(sub), "%s/2", dir);
	mkdir(sub, 0755);
	put_file(sub, "comm", "kthreadd\n");
}

/*
 * A 512 MiB x86_64 machine with a 128 MiB CMA area: an application's
 * anonymous memory (at a real, 47-bit address; part of it unmapped again
 * so free holes lie between its pages, part borrowed from CMA), kernel
 * allocations of several orders, page cache, a few cma_alloc() pages.
 */
static struct pfnlab_machine *filled(unsigned *id, uint64_t *cma_pfn)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char why[256];
	unsigned fid;
	uint64_t pfn;

	pfnlab_config_preset(&c, "x86_64", 512ull << 20);
	c.pcp = false;
	c.nr_cma = 1;
	snprintf(c.cma[0].name, sizeof(c.cma[0].name), "reserved");
	c.cma[0].size = 128ull << 20;
	if (pfnlab_machine_create(&c, &m, why, sizeof(why))) {
		T_FAIL("machine: %s", why);
		return NULL;
	}
	for (unsigned i = 0; i < 300; i++)
		pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, i % 3, &pfn);
	CHECK(!pfnlab_mm_create(m, "app", id));
	CHECK(!pfnlab_mm_map(m, *id, MODEL_ADDR, 64ull << 20, 0));
	CHECK(!pfnlab_mm_map(m, *id, MODEL_ADDR + (64ull << 20), 16ull << 20, 0));
	CHECK(!pfnlab_mm_map(m, *id, MODEL_ADDR + (80ull << 20), APP_LEN - (80ull << 20), 0));
	CHECK(!pfnlab_mm_touch(m, *id, MODEL_ADDR, APP_LEN, NULL));
	CHECK(!pfnlab_mm_unmap(m, *id, MODEL_ADDR + (64ull << 20), 16ull << 20));
	CHECK(!pfnlab_file_create(m, "data", PFNLAB_FS_EXT4, 8ull << 20, &fid));
	CHECK(!pfnlab_file_read(m, fid, 0, 8ull << 20));
	CHECK(!pfnlab_cma_alloc(m, 0, 64, 0, cma_pfn));
	for (unsigned i = 0; i < 200; i++)
		pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, 0, &pfn);
	test_check_state(m);
	return m;
}

static struct pfnlab_machine *load(const char *dir, struct pfnlab_pages *pg, char *why, size_t len)
{
	struct pfnlab_machine *b = NULL;

	if (pfnlab_snapshot_load(dir, NULL, &b, why, len))
		return NULL;
	if (pfnlab_snapshot_pages(b, dir, NULL, pg, why, len)) {
		pfnlab_machine_destroy(b);
		return NULL;
	}
	return b;
}

static char *fixture_dir(void)
{
	char *d = strdup("/tmp/pfnlab-pages-XXXXXX");

	if (!d || !mkdtemp(d)) {
		T_FAIL("%s", "mkdtemp");
		free(d);
		return NULL;
	}
	return d;
}

static void remove_dir(const char *d)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) != 0)
		T_FAIL("cannot remove %s", d);
}

/* Every frame where the model had it; owners and real addresses; the same buddyinfo. */
TEST(pages_roundtrip_check)
{
	struct pfnlab_pages pg;
	struct pfnlab_machine *m, *b;
	unsigned id = 0;
	uint64_t cpfn = 0, anon = 0, same = 0, cmp = 0;
	char why[512], *dir = fixture_dir(), *b1, *b2;

	if (!dir || !(m = filled(&id, &cpfn))) {
		free(dir);
		return;
	}
	fixture_write(m, dir, id);
	b = load(dir, &pg, why, sizeof(why));
	if (!b) {
		T_FAIL("load: %s", why);
		goto out;
	}
	test_check_state(b);
	CHECK(pg.cma_from_debugfs);
	CHECK_EQ(pfnlab_cma_count(b), 1);
	CHECK_EQ(b->cma[0].base_pfn, m->cma[0].base_pfn);
	CHECK_EQ(pg.nr_procs, 2);
	CHECK_EQ(pg.nr[PK_CMA], 64);
	{
		uint64_t borrowed = 0;

		for (uint64_t p = b->cma[0].base_pfn; p < b->cma[0].base_pfn + b->cma[0].count; p++)
			borrowed += pg.kind[p] == PK_ANON;
		CHECK(borrowed > 0); /* the application borrowed CMA pages: the cma_alloc below must move them */
		/* replay --live's health of the area: 64 pages handed out, so no whole-area allocation */
		struct cma_health h;

		cma_health(b, 0, &h);
		CHECK_EQ(h.cma_allocated, 64);
		CHECK_EQ(h.borrowed, borrowed);
		CHECK_EQ(h.unmovable, 0);
		CHECK_EQ(h.verdict, -ENOMEM);
		CHECK_EQ(h.free + h.borrowed + h.cma_allocated, h.pages);
	}
	for (uint64_t p = 0; p < pfnlab_nr_pfns(m) && p < pfnlab_nr_pfns(b); p++) {
		struct pfnlab_page_info x, y;

		pfnlab_page_info(m, p, &x);
		pfnlab_page_info(b, p, &y);
		if (x.state == PFNLAB_PAGE_HOLE || y.state == PFNLAB_PAGE_HOLE)
			continue;
		cmp++;
		same += x.state == y.state;
		if (x.state == PFNLAB_PAGE_ANON && y.state == PFNLAB_PAGE_ANON) {
			const struct pages_proc *o = pages_owner(&pg, p);

			anon++;
			if (!o || o->pid != APP_PID || strcmp(o->comm, "app") ||
			    pages_real_vaddr(&pg, p, 12) != x.vaddr - MODEL_ADDR + APP_ADDR) {
				T_FAIL("PFN %#llx: owner %s vaddr %#llx, expected app[%d] at %#llx",
				       (unsigned long long)p, o ? o->comm : "none",
				       (unsigned long long)pages_real_vaddr(&pg, p, 12), APP_PID,
				       (unsigned long long)(x.vaddr - MODEL_ADDR + APP_ADDR));
				break;
			}
		}
	}
	CHECK_EQ(same, cmp);
	CHECK_EQ(anon, (APP_LEN - (16ull << 20)) >> 12);
	b1 = test_view(m, "buddyinfo");
	b2 = test_view(b, "buddyinfo");
	CHECK_STR(b2, b1);
	free(b1);
	free(b2);
	/* the same cma_alloc() on both: the same answer at the same place */
	{
		uint64_t p1 = 0, p2 = 0;
		int e1 = pfnlab_cma_alloc(m, 0, 4096, 0, &p1), e2 = pfnlab_cma_alloc(b, 0, 4096, 0, &p2);

		CHECK_EQ(e2, e1);
		CHECK_EQ(p2, p1);
		test_check_state(b);
	}
	pfnlab_pages_free(&pg);
	pfnlab_machine_destroy(b);
out:
	pfnlab_machine_destroy(m);
	remove_dir(dir);
	free(dir);
}

/* Broken files: the file, the line (text) or the entry count (binary). */
TEST(pages_bad_input_check)
{
	struct pfnlab_pages pg;
	struct pfnlab_machine *m, *b;
	unsigned id = 0;
	uint64_t cpfn = 0;
	char why[512], path[600], *dir = fixture_dir();

	if (!dir || !(m = filled(&id, &cpfn))) {
		free(dir);
		return;
	}
	fixture_write(m, dir, id);
	snprintf(path, sizeof(path), "%s/%d", dir, APP_PID);
	put_file(path, "maps", "7f00-7f10 rw-p 0 00:00 0\nnot a mapping\n");
	b = load(dir, &pg, why, sizeof(why));
	CHECK(!b);
	CHECK(strstr(why, "/maps:1: not a line of /proc/PID/maps") != NULL);
	put_file(path, "maps", "40000000-40001000 rw-p 00000000 00:00 0\n");
	snprintf(path, sizeof(path), "%s/cma/reserved", dir);
	put_file(path, "bitmap", "0 0 zz 0\n");
	b = load(dir, &pg, why, sizeof(why));
	CHECK(!b);
	CHECK(strstr(why, "/bitmap:1: 'zz' is not a 32-bit bitmap word") != NULL);
	put_file(path, "bitmap", "0\n");
	snprintf(path, sizeof(path), "%s/kpagecount", dir);
	CHECK(truncate(path, 8 * 1000) == 0);
	b = load(dir, &pg, why, sizeof(why));
	CHECK(!b);
	CHECK(strstr(why, "kpageflags: ") != NULL && strstr(why, "kpagecount has 1000") != NULL);
	CHECK(truncate(path, 8 * 1000 + 3) == 0);
	b = load(dir, &pg, why, sizeof(why));
	CHECK(!b);
	CHECK(strstr(why, "is not a whole number of 8-byte entries") != NULL);
	snprintf(path, sizeof(path), "%s/kpageflags", dir);
	CHECK(truncate(path, 8 * 1000) == 0);
	snprintf(path, sizeof(path), "%s/kpagecount", dir);
	CHECK(truncate(path, 8 * 1000) == 0);
	b = load(dir, &pg, why, sizeof(why));
	CHECK(!b);
	CHECK(strstr(why, "but the zones reach") != NULL);
	pfnlab_machine_destroy(m);
	remove_dir(dir);
	free(dir);
}

/* Set the kpageflags and kpagecount entries of @pfn in @dir. */
static void put_entry(const char *dir, uint64_t pfn, uint64_t flags, uint64_t count)
{
	char path[600];
	int ff, fc;

	snprintf(path, sizeof(path), "%s/kpageflags", dir);
	ff = open(path, O_WRONLY);
	snprintf(path, sizeof(path), "%s/kpagecount", dir);
	fc = open(path, O_WRONLY);
	if (ff < 0 || fc < 0 || pwrite(ff, &flags, 8, (off_t)(pfn * 8)) != 8 || pwrite(fc, &count, 8, (off_t)(pfn * 8)) != 8)
		T_FAIL("cannot write the entries of PFN %#llx", (unsigned long long)pfn);
	if (ff >= 0)
		close(ff);
	if (fc >= 0)
		close(fc);
}

/*
 * A free CMA frame read without flags but with a mapcount (on a per-CPU
 * list when kpageflags was read, faulted in before kpagecount was; the
 * busy oracle's pfnlab saw its own buffers so): expect it free, not a
 * kernel allocation that blocks the area; the same entries outside CMA
 * stay a kernel allocation.
 */
TEST(pages_pcp_frame_check)
{
	struct pfnlab_pages pg;
	struct pfnlab_machine *m, *b;
	unsigned id = 0;
	uint64_t cpfn = 0, in = 0, out = 0;
	char why[512], *dir = fixture_dir();

	if (!dir || !(m = filled(&id, &cpfn))) {
		free(dir);
		return;
	}
	fixture_write(m, dir, id);
	for (uint64_t p = 0; p < pfnlab_nr_pfns(m) && (!in || !out); p++) {
		struct pfnlab_page_info pi;
		bool cma = p >= m->cma[0].base_pfn && p < m->cma[0].base_pfn + m->cma[0].count;

		if (pfnlab_page_info(m, p, &pi) || pi.state != PFNLAB_PAGE_FREE || (cma ? in : out))
			continue;
		*(cma ? &in : &out) = p;
		put_entry(dir, p, 0, 1);
	}
	CHECK(in && out);
	b = load(dir, &pg, why, sizeof(why));
	if (!b) {
		T_FAIL("load: %s", why);
	} else {
		test_check_state(b);
		CHECK_EQ(pg.kind[in], PK_FREE);
		CHECK_EQ(pg.kind[out], PK_KERNEL);
		pfnlab_pages_free(&pg);
		pfnlab_machine_destroy(b);
	}
	pfnlab_machine_destroy(m);
	remove_dir(dir);
	free(dir);
}

RUN_TESTS(pages_roundtrip_check, pages_bad_input_check, pages_pcp_frame_check)
