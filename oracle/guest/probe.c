/*
 * probe.c - what the oracle guest reads from the kernel: counters
 * (/proc/vmstat, meminfo, zoneinfo, buddyinfo, pagetypeinfo), the PFNs of a
 * region (/proc/self/pagemap), the CMA area and who uses it
 * (/proc/kpageflags, /proc/self/maps).  The files themselves are read and
 * written by base.c; the traced cma_alloc is cma_alloc.c's.
 *
 * Every buffer used after an allocation in the area is static and written
 * once by scratch_init() (and trace_scratch_init()) before the experiment: a page faulted in after a
 * failed cma_alloc lands in the emptied area and would be counted there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"

struct cma_area cma;

/* the static buffers; scratch_init() writes them all before the experiment */
static char vm_buf[16384], info_buf[8192], zone_buf[65536], maps_buf[16384], buddy_buf[16384];
static uint64_t *pm_buf, *pfn_buf, *kpf_buf;
static size_t scratch_pages;

/* Named user memory, so frames in CMA can be attributed to what holds them. */
static struct {
	const char *name;
	uintptr_t start, end;
} named[16];
static int nnamed;

void name_range(const char *name, const void *p, size_t len)
{
	if (nnamed < 16)
		named[nnamed++] = (typeof(named[0])){name, (uintptr_t)p, (uintptr_t)p + len};
}

/* Set /proc/sys/vm/NAME (or any /proc/sys path) and report it. */
void sysctl(const char *name, const char *value)
{
	char p[256], key[128];

	snprintf(p, sizeof(p), "/proc/sys/%s", name);
	if (write_file(p, value))
		fail("cannot set %s to %s", p, value);
	snprintf(key, sizeof(key), "sysctl.%s", name);
	for (char *c = key; *c; c++)
		if (*c == '/')
			*c = '.';
	result(key, "%s", value);
}

/* ---- scratch ---- */

/*
 * Allocate and write the scratch buffers (sized for the largest region) and
 * every static buffer, and fault in 256 KiB of stack.
 */
void scratch_init(void)
{
	volatile char stack[256 << 10];

	scratch_pages = par.f_mib > par.r_mib ? par.f_mib : par.r_mib;
	if (par.b_mib > scratch_pages)
		scratch_pages = par.b_mib;
	scratch_pages = (scratch_pages << 20) / PAGE;
	pm_buf = malloc(scratch_pages * 8);
	pfn_buf = malloc(scratch_pages * 8);
	kpf_buf = malloc(cma.count * 8);
	if (!pm_buf || !pfn_buf || !kpf_buf)
		fail("scratch buffers");
	/* non-zero, or the compiler turns malloc+memset into an untouched calloc */
	memset(pm_buf, 0x5a, scratch_pages * 8);
	memset(pfn_buf, 0x5a, scratch_pages * 8);
	memset(kpf_buf, 0x5a, cma.count * 8);
	memset(vm_buf, 0x5a, sizeof(vm_buf));
	memset(info_buf, 0x5a, sizeof(info_buf));
	memset(zone_buf, 0x5a, sizeof(zone_buf));
	memset(maps_buf, 0x5a, sizeof(maps_buf));
	memset(buddy_buf, 0x5a, sizeof(buddy_buf));
	memset((char *)stack, 0x5a, sizeof(stack));
	name_range("scratch", pm_buf, scratch_pages * 8);
	name_range("scratch", pfn_buf, scratch_pages * 8);
	name_range("scratch", kpf_buf, cma.count * 8);
}

/* ---- the CMA area ---- */

#include <dirent.h>

void find_cma(void)
{
	DIR *d = opendir("/sys/kernel/debug/cma");
	struct dirent *e;
	char p[512];
	int n = 0;

	if (!d)
		fail("no /sys/kernel/debug/cma (CONFIG_CMA_DEBUGFS missing or no cma= area)");
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (!n) {
			snprintf(cma.name, sizeof(cma.name), "%s", e->d_name);
			snprintf(p, sizeof(p), "/sys/kernel/debug/cma/%s/base_pfn", e->d_name);
			cma.base = read_u64(p);
			snprintf(p, sizeof(p), "/sys/kernel/debug/cma/%s/count", e->d_name);
			cma.count = read_u64(p);
		}
		n++;
	}
	closedir(d);
	if (n != 1)
		fail("expected exactly one CMA area, found %d", n);
	result("cma.name", "%s", cma.name);
	result("cma.base_pfn", "%" PRIu64, cma.base);
	result("cma.count", "%" PRIu64, cma.count);
}

int in_cma(uint64_t pfn)
{
	return pfn >= cma.base && pfn < cma.base + cma.count;
}

/* ---- counters ---- */

static long long vmstat_in(const char *text, const char *name)
{
	size_t l = strlen(name);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, l) && p[l] == ' ')
			return atoll(p + l + 1);
	return -1;
}

long long vmstat(const char *name)
{
	if (read_file("/proc/vmstat", vm_buf, sizeof(vm_buf)) <= 0)
		fail("cannot read /proc/vmstat");
	return vmstat_in(vm_buf, name);
}

/* /proc/vmstat now, in the mailbox, for vm_delta(); the mailbox's phase is @phase */
void vm_mark(const char *phase)
{
	if (read_file("/proc/vmstat", mbox->vmstat, sizeof(mbox->vmstat)) <= 0)
		fail("cannot read /proc/vmstat");
	snprintf(mbox->phase, sizeof(mbox->phase), "%s", phase);
	mbox->phase_done = 0;
}

/*
 * The counters of reclaim, compaction, migration, the OOM killer and the
 * page cache: "<phase>.vmstat.<name> <change since vm_mark()>" for those
 * this kernel has.
 */
void vm_delta(const char *phase)
{
	static const char *const prefixes[] = {
		"pgmigrate_", "pgsteal_", "pgscan_", "pgrefill", "pgactivate", "pgdeactivate", "pgrotated",
		"pgmajfault", "pgfree", "compact_", "oom_kill", "workingset_", "nr_dirty", "nr_writeback",
		"nr_file_pages", "nr_inactive_file", "nr_active_file", "nr_inactive_anon", "nr_active_anon",
		"nr_shmem", "nr_free_pages", "nr_free_cma", "nr_isolated_", "nr_mapped", "htlb_", "kswapd_",
		"pageoutrun", "allocstall_", "drop_pagecache", "pgpgin", "pgpgout", "nr_unevictable",
	};
	char key[160], name[96];

	if (read_file("/proc/vmstat", vm_buf, sizeof(vm_buf)) <= 0)
		return;
	for (const char *p = vm_buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		long long v, v0;
		int keep = 0;

		if (sscanf(p, "%95s %lld", name, &v) != 2)
			continue;
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]) && !keep; i++)
			keep = !strncmp(name, prefixes[i], strlen(prefixes[i]));
		if (!keep)
			continue;
		v0 = vmstat_in(mbox->vmstat, name);
		snprintf(key, sizeof(key), "%s.vmstat.%s", phase, name);
		result(key, "%lld", v0 < 0 ? v : v - v0);
	}
	if (!strcmp(mbox->phase, phase))
		mbox->phase_done = 1;
}

/*
 * "<phase>.meminfo.<line>_kB" of /proc/meminfo's lines the predictions
 * read, and PageTables: the kernel's page-table pages, which the model
 * does not have yet (recorded to measure what they take)
 */
void meminfo(const char *phase)
{
	char key[128];

	if (read_file("/proc/meminfo", info_buf, sizeof(info_buf)) <= 0)
		fail("cannot read /proc/meminfo");
	for (char *line = strtok(info_buf, "\n"); line; line = strtok(NULL, "\n")) {
		char k[64];
		unsigned long v;

		if (sscanf(line, "%63[^:]: %lu", k, &v) != 2)
			continue;
		if (strcmp(k, "MemTotal") && strcmp(k, "MemFree") && strcmp(k, "CmaTotal") && strcmp(k, "CmaFree") &&
		    strcmp(k, "Cached") && strcmp(k, "Dirty") && strcmp(k, "Writeback") && strcmp(k, "Shmem") &&
		    strcmp(k, "HugePages_Total") && strcmp(k, "HugePages_Free") && strcmp(k, "PageTables"))
			continue;
		snprintf(key, sizeof(key), "%s.meminfo.%s%s", phase, k, strncmp(k, "HugePages", 9) ? "_kB" : "");
		result(key, "%lu", v);
	}
}

/*
 * Per zone of node 0: free pages, managed pages, pages on per-CPU lists
 * and free CMA pages, as /proc/zoneinfo shows them.  pfnlab's prediction
 * starts from these (the model does not know the kernel's own footprint).
 * Also the zone's min/low/high watermarks.
 */
void zoneinfo(const char *phase)
{
	char zone[32] = "", key[128];
	unsigned long pcp = 0, v;

	if (read_file("/proc/zoneinfo", zone_buf, sizeof(zone_buf)) <= 0)
		fail("cannot read /proc/zoneinfo");
	for (char *line = strtok(zone_buf, "\n"); line; line = strtok(NULL, "\n")) {
		static const char *const fields[] = {"pages free", "managed", "nr_free_cma", "min", "low", "high"};
		static const char *const keys[] = {"free", "managed", "free_cma", "min", "low", "high"};
		char z[32];

		if (sscanf(line, "Node 0, zone %31s", z) == 1) {
			if (zone[0]) {
				snprintf(key, sizeof(key), "%s.zone.%s.pcp", phase, zone);
				result(key, "%lu", pcp);
			}
			snprintf(zone, sizeof(zone), "%s", z);
			pcp = 0;
			continue;
		}
		if (!zone[0])
			continue;
		if (sscanf(line, " count: %lu", &v) == 1) {
			pcp += v;
			continue;
		}
		while (*line == ' ')
			line++;
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			size_t l = strlen(fields[i]);

			if (!strncmp(line, fields[i], l) && line[l] == ' ' && sscanf(line + l, " %lu", &v) == 1) {
				/* the watermarks only for the phases that ask for them */
				if (i >= 3 && strcmp(phase, "start"))
					break;
				snprintf(key, sizeof(key), "%s.zone.%s.%s", phase, zone, keys[i]);
				result(key, "%lu", v);
				break;
			}
		}
	}
	if (zone[0]) {
		snprintf(key, sizeof(key), "%s.zone.%s.pcp", phase, zone);
		result(key, "%lu", pcp);
	}
}

/* Free pages outside CMA: every zone's free pages minus its free CMA pages. */
uint64_t free_noncma_pages(void)
{
	uint64_t free = 0, fcma = 0;
	unsigned long v;

	if (read_file("/proc/zoneinfo", zone_buf, sizeof(zone_buf)) <= 0)
		fail("cannot read /proc/zoneinfo");
	for (char *line = strtok(zone_buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, " pages free %lu", &v) == 1)
			free += v;
		else if (sscanf(line, " nr_free_cma %lu", &v) == 1)
			fcma += v;
	}
	return free - fcma;
}

/*
 * Free blocks per order (/proc/buddyinfo) and per migratetype and order
 * (/proc/pagetypeinfo): "<phase>.buddyinfo.<zone> n0 n1 ... n10" and
 * "<phase>.pagetypeinfo.<zone>.<type> n0 ... n10".
 */
void buddyinfo(const char *phase)
{
	char key[160], zone[32], type[32];
	int off;

	if (read_file("/proc/buddyinfo", buddy_buf, sizeof(buddy_buf)) > 0)
		for (char *line = strtok(buddy_buf, "\n"); line; line = strtok(NULL, "\n"))
			if (sscanf(line, "Node 0, zone %31s %n", zone, &off) == 1) {
				snprintf(key, sizeof(key), "%s.buddyinfo.%s", phase, zone);
				result(key, "%s", line + off);
			}
	if (read_file("/proc/pagetypeinfo", buddy_buf, sizeof(buddy_buf)) > 0)
		for (char *line = strtok(buddy_buf, "\n"); line; line = strtok(NULL, "\n"))
			if (sscanf(line, "Node %*d, zone %31[^,], type %31s %n", zone, type, &off) == 2) {
				snprintf(key, sizeof(key), "%s.pagetypeinfo.%s.%s", phase, zone, type);
				result(key, "%s", line + off);
			}
}

/* ---- regions and their PFNs ---- */

void region_map(struct region *r, const char *name, unsigned long mib, unsigned seed, enum region_kind kind)
{
	int fd = -1, flags = MAP_PRIVATE | MAP_ANONYMOUS;

	snprintf(r->name, sizeof(r->name), "%s", name);
	r->pages = (mib << 20) / PAGE;
	r->seed = seed;
	if (kind != REGION_ANON) { /* REGION_HUGETLB: QEMU's memory-backend-memfd,hugetlb=on */
		fd = memfd_create(name, kind == REGION_HUGETLB ? MFD_HUGETLB : 0);
		if (fd < 0 || ftruncate(fd, (off_t)(r->pages * PAGE)))
			fail("memfd %s (%lu MiB)", name, mib);
		flags = MAP_SHARED;
	}
	r->addr = mmap(NULL, r->pages * PAGE, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (r->addr == MAP_FAILED)
		fail("mmap %s (%lu MiB)", name, mib);
	if (fd >= 0)
		close(fd);
	if (kind != REGION_HUGETLB)
		madvise(r->addr, r->pages * PAGE, MADV_NOHUGEPAGE);
	r->pfn = calloc(r->pages, sizeof(*r->pfn));
	if (!r->pfn)
		fail("calloc");
	name_range(r->name, r->addr, r->pages * PAGE);
	name_range("pfn array", r->pfn, r->pages * sizeof(*r->pfn));
}

/* A region over memory mapped elsewhere (a file mapping). */
void region_adopt(struct region *r, const char *name, void *addr, size_t pages, unsigned seed)
{
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->addr = addr;
	r->pages = pages;
	r->seed = seed;
	r->pfn = calloc(r->pages, sizeof(*r->pfn));
	if (!r->pfn)
		fail("calloc");
	name_range(r->name, r->addr, r->pages * PAGE);
	name_range("pfn array", r->pfn, r->pages * sizeof(*r->pfn));
}

/* The tag the first 8 bytes of page @i of a region (or data file) carry. */
uint64_t page_tag(unsigned seed, size_t i)
{
	return ((uint64_t)seed << 40) ^ i;
}

/* Fault every page in, in address order, with a tag per page. */
void region_touch(struct region *r)
{
	for (size_t i = 0; i < r->pages; i++)
		*(uint64_t *)(r->addr + i * PAGE) = page_tag(r->seed, i);
}

/* region_map() then region_touch(): a region of @mib MiB, every page faulted in. */
void region_fill(struct region *r, const char *name, unsigned long mib, unsigned seed, enum region_kind kind)
{
	region_map(r, name, mib, seed, kind);
	region_touch(r);
}

size_t region_mismatches(const struct region *r)
{
	size_t bad = 0;

	for (size_t i = 0; i < r->pages; i++)
		bad += *(uint64_t *)(r->addr + i * PAGE) != page_tag(r->seed, i);
	return bad;
}

/* Read the PFNs of @r into @out (r->pfn when NULL). */
void region_pfns(const struct region *r, uint64_t *out)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t n = r->pages;
	uint64_t *pm = pm_buf;

	if (fd < 0 || n > scratch_pages)
		fail("open /proc/self/pagemap");
	if (pread(fd, pm, n * 8, (off_t)((uintptr_t)r->addr / PAGE) * 8) != (ssize_t)(n * 8))
		fail("read pagemap");
	close(fd);
	for (size_t i = 0; i < n; i++)
		(out ? out : r->pfn)[i] = (pm[i] >> 63) ? (pm[i] & ((1ull << 55) - 1)) : 0;
}

/* Count @r's pages present and in CMA now; report under "<phase>.<name>.*". */
size_t region_count_present(struct region *r, const char *phase)
{
	size_t present = 0, incma = 0;
	uint64_t lo = UINT64_MAX, hi = 0;
	char key[96];

	region_pfns(r, NULL);
	for (size_t i = 0; i < r->pages; i++) {
		uint64_t p = r->pfn[i];

		if (!p)
			continue;
		present++;
		if (in_cma(p)) {
			incma++;
			lo = p < lo ? p : lo;
			hi = p > hi ? p : hi;
		}
	}
	snprintf(key, sizeof(key), "%s.%s.pages", phase, r->name);
	result(key, "%zu", r->pages);
	snprintf(key, sizeof(key), "%s.%s.present", phase, r->name);
	result(key, "%zu", present);
	snprintf(key, sizeof(key), "%s.%s.in_cma", phase, r->name);
	result(key, "%zu", incma);
	if (incma) {
		snprintf(key, sizeof(key), "%s.%s.cma_pfn_min", phase, r->name);
		result(key, "0x%" PRIx64, lo);
		snprintf(key, sizeof(key), "%s.%s.cma_pfn_max", phase, r->name);
		result(key, "0x%" PRIx64, hi);
	}
	return present;
}

/* The same, for a region whose pages must all be present: its pages in CMA. */
size_t region_count(struct region *r, const char *phase)
{
	size_t present = region_count_present(r, phase), incma = 0;

	if (present != r->pages)
		fail("%s: %zu of %zu pages present (is this root?)", r->name, present, r->pages);
	for (size_t i = 0; i < r->pages; i++)
		incma += in_cma(r->pfn[i]);
	return incma;
}

/* Pages of @r whose PFN differs from @before. */
size_t region_moved(const struct region *r, const uint64_t *before)
{
	uint64_t *now_pfn = pfn_buf;
	size_t moved = 0;

	region_pfns(r, now_pfn);
	for (size_t i = 0; i < r->pages; i++)
		moved += now_pfn[i] != before[i];
	return moved;
}

uint64_t *pfn_copy(const struct region *r)
{
	uint64_t *c = malloc(r->pages * 8);

	if (!c)
		fail("malloc");
	memcpy(c, r->pfn, r->pages * 8);
	name_range("pfn copy", c, r->pages * 8);
	return c;
}

/* ---- who is in the CMA area ---- */

static void read_area_flags(void)
{
	int fd = open("/proc/kpageflags", O_RDONLY);

	if (fd < 0)
		fail("open /proc/kpageflags");
	if (pread(fd, kpf_buf, cma.count * 8, (off_t)cma.base * 8) != (ssize_t)(cma.count * 8))
		fail("read kpageflags");
	close(fd);
}

/*
 * Which mappings of this process hold frames in the CMA area, from
 * /proc/self/maps and pagemap: "<start>-<end> <name>:<pages>".
 */
static void cma_owners(const char *phase)
{
	char key[96];
	int fd = open("/proc/self/pagemap", O_RDONLY), n = 0;

	if (fd < 0 || read_file("/proc/self/maps", maps_buf, sizeof(maps_buf)) <= 0)
		fail("cannot read /proc/self/maps");
	snprintf(key, sizeof(key), "%s.cma_owners", phase);
	printf("RESULT %s ", key);
	for (char *line = maps_buf, *nl; line && *line; line = nl) {
		unsigned long a, b;
		size_t in = 0;
		char name[64] = "";

		nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %63s", &a, &b, name) < 2)
			continue;
		for (unsigned long va = a; va < b; va += PAGE) {
			uint64_t e;

			if (pread(fd, &e, 8, (off_t)(va / PAGE) * 8) == 8 && (e >> 63) &&
			    in_cma(e & ((1ull << 55) - 1)))
				in++;
		}
		if (in)
			printf("%s%lx-%lx%s%s:%zu", n++ ? "," : "", a, b, name[0] ? " " : "", name, in);
	}
	printf("%s\n", n ? "" : "none");
	snprintf(key, sizeof(key), "%s.cma_owners_named", phase);
	printf("RESULT %s ", key);
	n = 0;
	for (int i = 0; i < nnamed; i++) {
		size_t in = 0;

		for (uintptr_t va = named[i].start & ~(PAGE - 1); va < named[i].end; va += PAGE) {
			uint64_t e;

			if (pread(fd, &e, 8, (off_t)(va / PAGE) * 8) == 8 && (e >> 63) &&
			    in_cma(e & ((1ull << 55) - 1)))
				in++;
		}
		if (in)
			printf("%s%s:%zu", n++ ? "," : "", named[i].name, in);
	}
	close(fd);
	printf("%s\n", n ? "" : "none");
}

/*
 * Frames of the CMA area in use, from /proc/kpageflags: a frame is in use
 * when it has flags and is not a free buddy head (free tail pages and
 * per-CPU-list pages have no flags).  Reports the count, the first one, the
 * list (the first max(256, N) of them: complete whenever the frames in use
 * can be exactly the N held pages), their kpageflags values and the owners.
 */
size_t cma_occupancy(const char *phase)
{
	uint64_t *fl = kpf_buf, first = 0;
	size_t used = 0, limit = par.n_splice > 256 ? par.n_splice : 256;
	char key[96];

	read_area_flags();
	snprintf(key, sizeof(key), "%s.cma_in_use_pfns", phase);
	printf("RESULT %s ", key);
	for (uint64_t i = 0; i < cma.count; i++) {
		if (!fl[i] || (fl[i] >> KPF_BUDDY & 1))
			continue;
		if (!used++)
			first = cma.base + i;
		if (used <= limit)
			printf("%s0x%" PRIx64, used > 1 ? "," : "", cma.base + i);
	}
	printf("%s\n", used ? "" : "none");
	{
		/* which kinds of frames: kpageflags values and how many of each */
		uint64_t val[16];
		size_t cnt[16], nv = 0;

		for (uint64_t i = 0; i < cma.count; i++) {
			size_t j;

			if (!fl[i] || (fl[i] >> KPF_BUDDY & 1))
				continue;
			for (j = 0; j < nv && val[j] != fl[i]; j++)
				;
			if (j == nv && nv < 16) {
				val[nv] = fl[i];
				cnt[nv++] = 0;
			}
			if (j < nv)
				cnt[j]++;
		}
		snprintf(key, sizeof(key), "%s.cma_in_use_kpageflags", phase);
		printf("RESULT %s ", key);
		for (size_t j = 0; j < nv; j++)
			printf("%s0x%" PRIx64 ":%zu", j ? "," : "", val[j], cnt[j]);
		printf("%s\n", nv ? "" : "none");
	}
	cma_owners(phase);
	snprintf(key, sizeof(key), "%s.cma_in_use", phase);
	result(key, "%zu", used);
	if (used) {
		snprintf(key, sizeof(key), "%s.cma_first_in_use", phase);
		result(key, "0x%" PRIx64, first);
	}
	return used;
}

/*
 * The kinds of page in the CMA area by /proc/kpageflags:
 * "<phase>.cma.<kind> <frames>" for anon, shmem (swap-backed, not anon),
 * file (file LRU: clean, dirty, writeback, mapped, active), hugetlb, slab,
 * unevictable, other in use, and free buddy heads.
 */
void cma_census(const char *phase)
{
	enum { ANON, SHMEM, FILE_, F_DIRTY, F_WB, F_MAPPED, F_ACTIVE, HUGETLB, SLAB, UNEVICT, OTHER, BUDDY, N };
	static const char *const names[N] = {"anon", "shmem", "file", "file_dirty", "file_writeback", "file_mapped",
					     "file_active", "hugetlb", "slab", "unevictable", "other", "buddy_heads"};
	size_t c[N] = {0};
	char key[128];

	read_area_flags();
	for (uint64_t i = 0; i < cma.count; i++) {
		uint64_t f = kpf_buf[i];

#define F(b) ((f >> (b)) & 1)
		if (!f)
			continue;
		if (F(KPF_BUDDY)) {
			c[BUDDY]++;
		} else if (F(KPF_HUGE)) {
			c[HUGETLB]++;
		} else if (F(KPF_SLAB)) {
			c[SLAB]++;
		} else if (F(KPF_UNEVICTABLE)) {
			c[UNEVICT]++;
		} else if (F(KPF_ANON)) {
			c[ANON]++;
		} else if (F(KPF_SWAPBACKED)) {
			c[SHMEM]++;
		} else if (F(KPF_LRU)) {
			c[FILE_]++;
			c[F_DIRTY] += F(KPF_DIRTY);
			c[F_WB] += F(KPF_WRITEBACK);
			c[F_MAPPED] += F(KPF_MMAP);
			c[F_ACTIVE] += F(KPF_ACTIVE);
		} else {
			c[OTHER]++;
		}
#undef F
	}
	for (int k = 0; k < N; k++) {
		snprintf(key, sizeof(key), "%s.cma.%s", phase, names[k]);
		result(key, "%zu", c[k]);
	}
}

/* ---- the experiment's common start and the whole-area cma_alloc ---- */

/* Counters, then the filler F touched page by page. */
void start(struct region *f)
{
	zoneinfo("start");
	meminfo("start");
	region_fill(f, "F", par.f_mib, 0xf, REGION_ANON);
	region_count(f, "filled");
	zoneinfo("filled");
}
