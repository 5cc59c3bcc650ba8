/*
 * oracle_init.c - the whole user space of the oracle guest: it runs as
 * /init (PID 1) of a tiny initramfs, mounts what it needs, runs ONE
 * experiment chosen on the kernel command line, prints its findings on the
 * console and powers the machine off.
 *
 * Command line (read from /proc/cmdline):
 *   oracle.exp=borrow|pin|busy|migrate   the experiment
 *   oracle.f=MiB    filler F, touched first (default 160)
 *   oracle.r=MiB    region R of borrow/busy/migrate (default 160)
 *   oracle.b=MiB    region B of pin (default 200)
 *   oracle.n=N      pages of R held by vmsplice in busy (default 64)
 *
 * Output, one fact per line, for oracle/run.sh and oracle/predict.c:
 *   RESULT <key> <value>     a measurement (keys are dotted: busy.fin_pfn)
 *   TRACE <phase> <event>    a trace event (timestamp and task stripped)
 *   DMESG <phase> <line>     a kernel log line printed during the phase
 *   INFO <text>              context for humans
 * The last line of a complete run is "RESULT end ok"; anything else is a
 * partial run.
 *
 * How pages are counted: PFNs come from /proc/self/pagemap (root sees
 * them); a page is "in CMA" when its PFN lies in the area's
 * [base_pfn, base_pfn + count) from debugfs.  Occupancy of the area (who is
 * still there after a failed cma_alloc) is read from /proc/kpageflags: a
 * frame is in use when it has flags and is not a free buddy head (free tail
 * pages and per-CPU-list pages have no flags); the frames in use are then
 * attributed to this process's mappings through /proc/self/maps and
 * pagemap.  Two things keep the counts clean: every scratch buffer is
 * touched before the experiment (a page faulted in after a failed
 * cma_alloc lands in the emptied area and would count as busy), and
 * vm.compaction_proactiveness is 0 (kcompactd would move pages into the
 * area's free blocks on its own timer; pfnlab has no kcompactd).
 *
 * Experiments (each on a freshly booted guest):
 *   borrow   F, then R: how many of R's pages the allocator placed in CMA.
 *   pin      F, then B; free F; mlock(B) (control: not a long-term pin);
 *            io_uring IORING_REGISTER_BUFFERS on B, which pins with
 *            FOLL_WRITE|FOLL_LONGTERM: CMA pages of B before/after, pages
 *            migrated; then a whole-area cma_alloc with B pinned.
 *   busy     F, R; vmsplice N of R's CMA pages into a pipe left unread (the
 *            pipe holds plain page references); whole-area cma_alloc fails
 *            (-EBUSY inside, -ENOMEM from debugfs); which frames stay busy;
 *            close the pipe, the same cma_alloc succeeds.
 *   migrate  F, R; whole-area cma_alloc succeeds by migrating R's borrowed
 *            pages out; how many moved.
 *
 * Build: gcc -O2 -static -o oracle_init oracle_init.c  (no other library).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/io_uring.h>
#include <linux/reboot.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ul
#define KPF_BUDDY 10
#define TRACEFS "/sys/kernel/tracing"

static struct {
	char exp[16];
	unsigned long f_mib, r_mib, b_mib, n_splice;
} par = {"borrow", 160, 160, 200, 64};

static struct {
	char name[256];
	uint64_t base, count;
} cma;

static int tracing;

/*
 * Scratch buffers, allocated and touched before the experiment: a page
 * faulted in after a failed cma_alloc would land in the emptied CMA area
 * and be counted among the frames left busy there.
 */
static uint64_t *pm_buf, *pfn_buf, *kpf_buf;

/* Named user memory, so frames in CMA can be attributed to what holds them. */
static struct {
	const char *name;
	uintptr_t start, end;
} named[16];
static int nnamed;

static void name_range(const char *name, const void *p, size_t len)
{
	if (nnamed < 16)
		named[nnamed++] = (typeof(named[0])){name, (uintptr_t)p, (uintptr_t)p + len};
}
static size_t scratch_pages;
static char trace_buf[1 << 22];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void result(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("RESULT %s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static _Noreturn void power_off(int code)
{
	fflush(stdout);
	sync();
	if (getpid() == 1) {
		reboot(LINUX_REBOOT_CMD_POWER_OFF);
		for (;;)
			pause();
	}
	exit(code);
}

static _Noreturn void fail(const char *fmt, ...)
{
	va_list ap;

	printf("RESULT error ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d %s)\n", errno, strerror(errno));
	power_off(1);
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while ((size_t)got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return (int)got;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

static uint64_t read_u64(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)) <= 0)
		fail("cannot read %s", path);
	return strtoull(buf, NULL, 0);
}

/* ---- command line, mounts ---- */

static void parse_cmdline(void)
{
	static char buf[4096];
	char *tok, *save;

	if (read_file("/proc/cmdline", buf, sizeof(buf)) <= 0)
		fail("cannot read /proc/cmdline");
	buf[strcspn(buf, "\n")] = 0;
	printf("INFO cmdline %s\n", buf);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, "oracle.exp=", 11))
			snprintf(par.exp, sizeof(par.exp), "%s", tok + 11);
		else if (!strncmp(tok, "oracle.f=", 9))
			par.f_mib = strtoul(tok + 9, NULL, 0);
		else if (!strncmp(tok, "oracle.r=", 9))
			par.r_mib = strtoul(tok + 9, NULL, 0);
		else if (!strncmp(tok, "oracle.b=", 9))
			par.b_mib = strtoul(tok + 9, NULL, 0);
		else if (!strncmp(tok, "oracle.n=", 9))
			par.n_splice = strtoul(tok + 9, NULL, 0);
	}
}

static void mounts(void)
{
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	if (mount("proc", "/proc", "proc", 0, NULL) && errno != EBUSY)
		fail("mount /proc");
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) && errno != EBUSY)
		fail("mount /sys");
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) && errno != EBUSY)
		fail("mount debugfs");
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		printf("INFO no tracefs: %s\n", strerror(errno));
}

/* ---- the CMA area ---- */

static void find_cma(void)
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

static int in_cma(uint64_t pfn)
{
	return pfn >= cma.base && pfn < cma.base + cma.count;
}

/* ---- counters ---- */

static long long vmstat(const char *name)
{
	static char buf[16384];
	size_t l = strlen(name);

	if (read_file("/proc/vmstat", buf, sizeof(buf)) <= 0)
		fail("cannot read /proc/vmstat");
	for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, l) && p[l] == ' ')
			return atoll(p + l + 1);
	return -1;
}

static void meminfo(const char *phase)
{
	static char buf[8192];
	char key[128];

	if (read_file("/proc/meminfo", buf, sizeof(buf)) <= 0)
		fail("cannot read /proc/meminfo");
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char k[64];
		unsigned long v;

		if (sscanf(line, "%63[^:]: %lu", k, &v) != 2)
			continue;
		if (strcmp(k, "MemTotal") && strcmp(k, "MemFree") && strcmp(k, "CmaTotal") && strcmp(k, "CmaFree"))
			continue;
		snprintf(key, sizeof(key), "%s.meminfo.%s_kB", phase, k);
		result(key, "%lu", v);
	}
}

/*
 * Per zone of node 0: free pages, managed pages, pages on per-CPU lists
 * and free CMA pages, as /proc/zoneinfo shows them.  pfnlab's prediction
 * starts from these (the model does not know the kernel's own footprint).
 */
static void zoneinfo(const char *phase)
{
	static char buf[65536];
	char zone[32] = "", key[128];
	unsigned long pcp = 0, v;

	if (read_file("/proc/zoneinfo", buf, sizeof(buf)) <= 0)
		fail("cannot read /proc/zoneinfo");
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
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
		if (sscanf(line, " pages free %lu", &v) == 1) {
			snprintf(key, sizeof(key), "%s.zone.%s.free", phase, zone);
			result(key, "%lu", v);
		} else if (sscanf(line, " managed %lu", &v) == 1) {
			snprintf(key, sizeof(key), "%s.zone.%s.managed", phase, zone);
			result(key, "%lu", v);
		} else if (sscanf(line, " nr_free_cma %lu", &v) == 1) {
			snprintf(key, sizeof(key), "%s.zone.%s.free_cma", phase, zone);
			result(key, "%lu", v);
		} else if (sscanf(line, " count: %lu", &v) == 1) {
			pcp += v;
		}
	}
	if (zone[0]) {
		snprintf(key, sizeof(key), "%s.zone.%s.pcp", phase, zone);
		result(key, "%lu", pcp);
	}
}

/* ---- regions and their PFNs ---- */

struct region {
	char name[4];
	char *addr;
	size_t pages;
	unsigned seed;
	uint64_t *pfn;     /* from pagemap, 0 when not present */
};

static void region_map(struct region *r, const char *name, unsigned long mib, unsigned seed)
{
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->pages = (mib << 20) / PAGE;
	r->seed = seed;
	r->addr = mmap(NULL, r->pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->addr == MAP_FAILED)
		fail("mmap %s (%lu MiB)", name, mib);
	madvise(r->addr, r->pages * PAGE, MADV_NOHUGEPAGE);
	r->pfn = calloc(r->pages, sizeof(*r->pfn));
	if (!r->pfn)
		fail("calloc");
	name_range(r->name, r->addr, r->pages * PAGE);
	name_range("pfn array", r->pfn, r->pages * sizeof(*r->pfn));
}

/* Fault every page in, in address order, with a tag per page. */
static void region_touch(struct region *r)
{
	for (size_t i = 0; i < r->pages; i++)
		*(uint64_t *)(r->addr + i * PAGE) = ((uint64_t)r->seed << 40) ^ i;
}

static size_t region_mismatches(const struct region *r)
{
	size_t bad = 0;

	for (size_t i = 0; i < r->pages; i++)
		bad += *(uint64_t *)(r->addr + i * PAGE) != (((uint64_t)r->seed << 40) ^ i);
	return bad;
}

/* Read the PFNs of @r into @out (r->pfn when NULL). */
static void region_pfns(const struct region *r, uint64_t *out)
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

/* Count @r's pages in CMA now; report under "<phase>.<name>.*". */
static size_t region_count(struct region *r, const char *phase)
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
	if (present != r->pages)
		fail("%s: %zu of %zu pages present (is this root?)", r->name, present, r->pages);
	return incma;
}

/* Pages of @r whose PFN differs from @before. */
static size_t region_moved(const struct region *r, const uint64_t *before)
{
	uint64_t *now_pfn = pfn_buf;
	size_t moved = 0;

	region_pfns(r, now_pfn);
	for (size_t i = 0; i < r->pages; i++)
		moved += now_pfn[i] != before[i];
	return moved;
}

static uint64_t *pfn_copy(const struct region *r)
{
	uint64_t *c = malloc(r->pages * 8);

	if (!c)
		fail("malloc");
	memcpy(c, r->pfn, r->pages * 8);
	name_range("pfn copy", c, r->pages * 8);
	return c;
}

/*
 * Frames of the CMA area in use, from /proc/kpageflags: report the count,
 * the first one and (up to 256) the list.
 */
/*
 * Which mappings of this process hold frames in the CMA area, from
 * /proc/self/maps and pagemap: "<start>-<end> <name>:<pages>".
 */
static void cma_owners(const char *phase)
{
	static char maps[16384];
	char key[96];
	int fd = open("/proc/self/pagemap", O_RDONLY), n = 0;

	if (fd < 0 || read_file("/proc/self/maps", maps, sizeof(maps)) <= 0)
		fail("cannot read /proc/self/maps");
	snprintf(key, sizeof(key), "%s.cma_owners", phase);
	printf("RESULT %s ", key);
	for (char *line = maps, *nl; line && *line; line = nl) {
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

static size_t cma_occupancy(const char *phase)
{
	int fd = open("/proc/kpageflags", O_RDONLY);
	uint64_t *fl = kpf_buf, first = 0;
	size_t used = 0, shown = 0;
	char key[96];

	if (fd < 0)
		fail("open /proc/kpageflags");
	if (pread(fd, fl, cma.count * 8, (off_t)cma.base * 8) != (ssize_t)(cma.count * 8))
		fail("read kpageflags");
	close(fd);
	snprintf(key, sizeof(key), "%s.cma_in_use_pfns", phase);
	printf("RESULT %s ", key);
	for (uint64_t i = 0; i < cma.count; i++) {
		if (!fl[i] || (fl[i] >> KPF_BUDDY & 1))
			continue;
		if (!used++)
			first = cma.base + i;
		if (shown++ < 256)
			printf("%s0x%" PRIx64, shown > 1 ? "," : "", cma.base + i);
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

/* ---- tracing and the kernel log ---- */

static void trace_setup(void)
{
	static const char *const events[] = {
		"cma/enable", "page_isolation/test_pages_isolated/enable",
		"migrate/mm_migrate_pages/enable", "kmem/mm_alloc_contig_migrate_range_info/enable",
	};
	char p[256];
	struct stat st;

	if (stat(TRACEFS "/events", &st)) {
		result("trace.available", "no");
		return;
	}
	write_file(TRACEFS "/buffer_size_kb", "4096");
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(p, sizeof(p), TRACEFS "/events/%s", events[i]);
		if (stat(p, &st) == 0 && write_file(p, "1") == 0)
			printf("INFO trace event on: %s\n", events[i]);
		else
			printf("INFO trace event missing: %s\n", events[i]);
	}
	snprintf(p, sizeof(p), "file mm/cma.c +p");
	if (write_file("/sys/kernel/debug/dynamic_debug/control", p) == 0)
		printf("INFO dynamic debug on for mm/cma.c\n");
	tracing = 1;
	result("trace.available", "yes");
}

static void trace_clear(void)
{
	if (tracing)
		write_file(TRACEFS "/trace", "");
	klogctl(5 /* SYSLOG_ACTION_CLEAR */, NULL, 0);
}

/*
 * Print the events of @phase; mm_migrate_pages events are summed per
 * reason instead (a whole-area cma_alloc emits hundreds of them).
 */
static void trace_dump(const char *phase)
{
	char *buf = trace_buf;
	long long succ = 0, failed = 0, events = 0, entries = 0;
	char key[96], reason[32] = "-";
	int len;

	if (tracing && (len = read_file(TRACEFS "/trace", buf, sizeof(trace_buf))) > 0) {
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
			char *ev, *q;

			if (line[0] == '#')
				continue;
			entries++;
			ev = strchr(line, ']');
			ev = ev ? strstr(ev, ": ") : NULL;
			if (!ev)
				continue;
			ev += 2;
			if (!strncmp(ev, "mm_migrate_pages:", 17)) {
				events++;
				if ((q = strstr(ev, "nr_succeeded=")))
					succ += atoll(q + 13);
				if ((q = strstr(ev, "nr_failed=")))
					failed += atoll(q + 10);
				if ((q = strstr(ev, "reason=")))
					snprintf(reason, sizeof(reason), "%s", q + 7);
				continue;
			}
			printf("TRACE %s %s\n", phase, ev);
		}
	}
	snprintf(key, sizeof(key), "%s.trace.entries", phase);
	result(key, "%lld", entries);
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.events", phase);
	result(key, "%lld", events);
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.nr_succeeded", phase);
	result(key, "%lld", succ);
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.nr_failed", phase);
	result(key, "%lld", failed);
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.reason", phase);
	result(key, "%s", reason);
	if (tracing && (len = read_file(TRACEFS "/per_cpu/cpu0/stats", buf, sizeof(trace_buf))) > 0) {
		char *q = strstr(buf, "overrun: ");

		snprintf(key, sizeof(key), "%s.trace.overrun", phase);
		result(key, "%lld", q ? atoll(q + 9) : -1);
	}
	/* the kernel log of the phase */
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(trace_buf) - 1);
	if (len > 0) {
		buf[len] = 0;
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			printf("DMESG %s %s\n", phase, line);
	}
}

/* ---- cma_alloc through debugfs ---- */

/*
 * Whole-area cma_alloc (debugfs "alloc"); traced.  Returns 0 or the write's
 * -errno (debugfs turns every failure into -ENOMEM; the -EBUSY inside shows
 * in the trace).  Reports pages migrated (pgmigrate_success delta, trace
 * sum) and the time; frees the allocation again on success when @give_back.
 */
static int cma_alloc_whole(const char *phase, int give_back)
{
	char p[512], v[32], key[96];
	long long mig0 = vmstat("pgmigrate_success"), fail0 = vmstat("pgmigrate_fail");
	double t0;
	int err;

	snprintf(p, sizeof(p), "/sys/kernel/debug/cma/%s/alloc", cma.name);
	snprintf(v, sizeof(v), "%" PRIu64, cma.count);
	trace_clear();
	t0 = now();
	err = write_file(p, v);
	snprintf(key, sizeof(key), "%s.cma_alloc.seconds", phase);
	result(key, "%.3f", now() - t0);
	if (err)	/* who is left in the area, before anything else allocates */
		cma_occupancy(phase);
	snprintf(key, sizeof(key), "%s.cma_alloc.count", phase);
	result(key, "%" PRIu64, cma.count);
	snprintf(key, sizeof(key), "%s.cma_alloc.result", phase);
	result(key, "%s", err ? "fail" : "success");
	snprintf(key, sizeof(key), "%s.cma_alloc.errno", phase);
	result(key, "%d", -err);
	snprintf(key, sizeof(key), "%s.pgmigrate_success", phase);
	result(key, "%lld", vmstat("pgmigrate_success") - mig0);
	snprintf(key, sizeof(key), "%s.pgmigrate_fail", phase);
	result(key, "%lld", vmstat("pgmigrate_fail") - fail0);
	trace_dump(phase);
	if (!err) {
		char used[512];

		snprintf(used, sizeof(used), "/sys/kernel/debug/cma/%s/used", cma.name);
		snprintf(key, sizeof(key), "%s.cma_used", phase);
		result(key, "%" PRIu64, read_u64(used));
		if (give_back) {
			snprintf(p, sizeof(p), "/sys/kernel/debug/cma/%s/free", cma.name);
			if (write_file(p, v))
				fail("debugfs cma free");
		}
	}
	return err;
}

/* ---- experiments ---- */

static void start(struct region *f)
{
	zoneinfo("start");
	meminfo("start");
	region_map(f, "F", par.f_mib, 0xf);
	region_touch(f);
	region_count(f, "filled");
	zoneinfo("filled");
}

static void exp_borrow(void)
{
	struct region f, r;

	start(&f);
	region_map(&r, "R", par.r_mib, 0xa);
	region_touch(&r);
	region_count(&r, "borrow");
	region_count(&f, "borrow");
	zoneinfo("borrow");
	meminfo("borrow");
	cma_occupancy("borrow");
}

static int io_uring_setup(unsigned entries, struct io_uring_params *p)
{
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

static long io_uring_register(int fd, unsigned op, void *arg, unsigned n)
{
	return syscall(__NR_io_uring_register, fd, op, arg, n);
}

static void exp_pin(void)
{
	struct region f, b;
	struct io_uring_params prm;
	struct iovec iov;
	uint64_t *before;
	long long mig0;
	double t0;
	long rr;
	int ring;

	start(&f);
	region_map(&b, "B", par.b_mib, 0xb);
	region_touch(&b);
	region_count(&b, "touched");
	munmap(f.addr, f.pages * PAGE);
	zoneinfo("unmapped_F");
	region_count(&b, "unmapped_F");
	before = pfn_copy(&b);
	result("mlock.ret", "%d", mlock(b.addr, b.pages * PAGE));
	region_count(&b, "mlock");
	result("mlock.moved", "%zu", region_moved(&b, before));
	memset(&prm, 0, sizeof(prm));
	ring = io_uring_setup(4, &prm);
	if (ring < 0)
		fail("io_uring_setup");
	iov = (struct iovec){.iov_base = b.addr, .iov_len = b.pages * PAGE};
	mig0 = vmstat("pgmigrate_success");
	trace_clear();
	t0 = now();
	rr = io_uring_register(ring, IORING_REGISTER_BUFFERS, &iov, 1);
	result("pin.seconds", "%.3f", now() - t0);
	result("pin.result", "%s", rr < 0 ? "fail" : "success");
	result("pin.errno", "%d", rr < 0 ? errno : 0);
	result("pin.pgmigrate_success", "%lld", vmstat("pgmigrate_success") - mig0);
	trace_dump("pin");
	region_count(&b, "pinned");
	result("pin.moved", "%zu", region_moved(&b, before));
	result("pin.B.mismatches", "%zu", region_mismatches(&b));
	cma_alloc_whole("pinned_alloc", 1);
	region_count(&b, "pinned_alloc");
	rr = io_uring_register(ring, IORING_UNREGISTER_BUFFERS, NULL, 0);
	result("unpin.ret", "%ld", rr);
	close(ring);
	free(before);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void exp_busy(void)
{
	struct region f, r;
	uint64_t *sorted, *held, *before;
	struct iovec *iov;
	size_t incma, k = 0, n = par.n_splice;
	int pfd[2];
	ssize_t sp;

	start(&f);
	region_map(&r, "R", par.r_mib, 0xa);
	region_touch(&r);
	incma = region_count(&r, "touched");
	if (incma < n || n < 2)
		fail("only %zu of R's pages are in CMA, %zu wanted for vmsplice", incma, n);
	/*
	 * The N pages to hold: R's pages in CMA sorted by PFN, evenly spread,
	 * the lowest and the highest included (oracle/predict.c chooses alike).
	 */
	sorted = malloc(incma * 8);
	held = malloc(n * 8);
	iov = calloc(n, sizeof(*iov));
	if (!sorted || !held || !iov)
		fail("malloc");

	for (size_t i = 0; i < r.pages; i++)
		if (in_cma(r.pfn[i]))
			sorted[k++] = r.pfn[i];
	qsort(sorted, incma, 8, cmp_u64);
	name_range("sorted", sorted, incma * 8);
	for (size_t i = 0; i < n; i++)
		held[i] = sorted[i * (incma - 1) / (n - 1)];
	printf("RESULT held.pfns ");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < r.pages; j++)
			if (r.pfn[j] == held[i]) {
				iov[i] = (struct iovec){.iov_base = r.addr + j * PAGE, .iov_len = PAGE};
				break;
			}
		printf("%s0x%" PRIx64, i ? "," : "", held[i]);
	}
	putchar('\n');
	result("held.n", "%zu", n);
	result("held.pfn_min", "0x%" PRIx64, held[0]);
	result("held.first", "pfn 0x%" PRIx64 " = R page %zu", held[0],
	       (size_t)(((char *)iov[0].iov_base - r.addr) / PAGE));
	if (pipe(pfd))
		fail("pipe");
	if (fcntl(pfd[1], F_SETPIPE_SZ, (int)(((n + 15) / 16) * 16 * PAGE)) < 0)
		fail("F_SETPIPE_SZ for %zu pages", n);
	sp = vmsplice(pfd[1], iov, n, SPLICE_F_NONBLOCK);
	if (sp != (ssize_t)(n * PAGE))
		fail("vmsplice returned %zd, wanted %zu", sp, n * PAGE);
	result("held.bytes", "%zd", sp);
	before = pfn_copy(&r);
	region_count(&r, "held");
	result("held.moved_by_splice", "%zu", region_moved(&r, before));
	zoneinfo("held");

	cma_alloc_whole("busy", 1);
	region_count(&r, "busy");
	result("busy.R.moved", "%zu", region_moved(&r, before));
	{
		size_t still = 0;

		region_pfns(&r, NULL);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < r.pages; j++)
				if (r.pfn[j] == held[i] && r.addr + j * PAGE == iov[i].iov_base) {
					still++;
					break;
				}
		result("busy.held_unmoved", "%zu", still);
	}
	result("busy.R.mismatches", "%zu", region_mismatches(&r));

	close(pfd[0]);
	close(pfd[1]);
	free(before);
	before = pfn_copy(&r);
	cma_alloc_whole("released", 1);
	region_count(&r, "released");
	result("released.R.moved", "%zu", region_moved(&r, before));
	result("released.R.mismatches", "%zu", region_mismatches(&r));
	free(before);
	free(sorted);
	free(held);
	free(iov);
}

static void exp_migrate(void)
{
	struct region f, r;
	uint64_t *before;

	start(&f);
	region_map(&r, "R", par.r_mib, 0xa);
	region_touch(&r);
	region_count(&r, "touched");
	before = pfn_copy(&r);
	cma_alloc_whole("migrate", 0);
	region_count(&r, "migrate");
	result("migrate.R.moved", "%zu", region_moved(&r, before));
	result("migrate.R.mismatches", "%zu", region_mismatches(&r));
	result("migrate.F.mismatches", "%zu", region_mismatches(&f));
	free(before);
}

int main(void)
{
	struct utsname u;
	double t0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	mounts();
	printf("INFO pfnlab oracle guest started\n");
	parse_cmdline();
	uname(&u);
	result("kernel.release", "%s", u.release);
	result("exp", "%s", par.exp);
	result("param.f_mib", "%lu", par.f_mib);
	result("param.r_mib", "%lu", par.r_mib);
	result("param.b_mib", "%lu", par.b_mib);
	result("param.n", "%lu", par.n_splice);
	find_cma();
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
	memset(trace_buf, 0x5a, sizeof(trace_buf));
	name_range("scratch", pm_buf, scratch_pages * 8);
	name_range("scratch", pfn_buf, scratch_pages * 8);
	name_range("scratch", kpf_buf, cma.count * 8);
	name_range("trace_buf", trace_buf, sizeof(trace_buf));
	trace_setup();
	/*
	 * No proactive compaction: kcompactd would move pages of this
	 * process into the CMA area's free blocks at the top of the zone
	 * whenever its 500 ms timer finds the zone fragmented, which pfnlab
	 * does not model and which makes counts depend on timing.
	 */
	if (write_file("/proc/sys/vm/compaction_proactiveness", "0"))
		fail("cannot set vm.compaction_proactiveness to 0");
	result("sysctl.compaction_proactiveness", "0");
	t0 = now();
	if (!strcmp(par.exp, "borrow"))
		exp_borrow();
	else if (!strcmp(par.exp, "pin"))
		exp_pin();
	else if (!strcmp(par.exp, "busy"))
		exp_busy();
	else if (!strcmp(par.exp, "migrate"))
		exp_migrate();
	else
		fail("unknown experiment '%s'", par.exp);
	result("seconds", "%.2f", now() - t0);
	result("vmstat.compact_daemon_wake", "%lld", vmstat("compact_daemon_wake"));
	result("vmstat.compact_migrate_scanned", "%lld", vmstat("compact_migrate_scanned"));
	result("vmstat.compact_isolated", "%lld", vmstat("compact_isolated"));
	result("end", "ok");
	power_off(0);
	return 0;
}
