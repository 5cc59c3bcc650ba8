/*
 * sim.c - the model side of every replay: a fresh pfnlab machine shaped
 * like the guest (x86_64, the guest's RAM and CMA area, era current, the
 * cma rule and pin policy asked for, per-CPU lists, THP off), its free
 * pages calibrated to the kernel's at the start, and the guest's steps:
 * regions touched page by page, PFN counts, data checks, a whole-area
 * cma_alloc with its trace and log, the trace summed as the guest sums it
 * (oracle/guest/trace.c), and the kinds of page left in the area.
 *
 * Two inputs come from the kernel because the model cannot know them
 * (docs/oracle.md): the free pages of each zone when the experiment starts
 * (the model has no kernel image, slab or initramfs, so it takes
 * unmovable order-0 pages until its free counts match), and the CMA area's
 * base (memblock placed it below the initrd QEMU loaded at the top of RAM).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

bool opt_pcp = true, opt_verbose, opt_data = true;

void file_write(void *arg, const char *buf, size_t len)
{
	fwrite(buf, 1, len, arg);
}

int sim_start(struct sim *s, const struct facts *k, struct facts *p, enum pfnlab_cma_rule rule,
		     enum pfnlab_pin_policy pol, bool backed)
{
	struct pfnlab_config c;
	struct pfnlab_cma_info ci;
	long long ram, cmamib, base;
	char why[256];
	int err;

	memset(s, 0, sizeof(*s));
	s->k = k;
	s->p = p;
	if (!num(k, "host.ram_mib", &ram) || !num(k, "host.cma_mib", &cmamib) || !num(k, "cma.base_pfn", &base))
		return -EINVAL;
	pfnlab_config_preset(&c, "x86_64", (uint64_t)ram << 20);
	c.era = PFNLAB_ERA_CURRENT;
	c.cma_rule = rule;
	c.pin_policy = pol;
	c.thp = false;
	c.pcp = opt_pcp;
	c.nr_cpus = 1;
	c.backed = backed && opt_data;
	/* where 6.1.192 and 6.12 differ (mm_alloc_contig_migrate_range_info, file-backed pins) */
	c.kernel = get(k, "kernel.release") && !strncmp(get(k, "kernel.release"), "6.12", 4) ? PFNLAB_KERNEL_6_12
											      : PFNLAB_KERNEL_6_1;
	/* a kernel built without CONFIG_ZONE_DMA (tinyconfig) has DMA32 from PFN 0 */
	if (!get(k, "start.zone.DMA.managed"))
		c.zone_dma_end = 0;
	c.nr_cma = 1;
	c.cma[0].size = (uint64_t)cmamib << 20;
	c.cma[0].base = (uint64_t)base * PAGE;
	snprintf(c.cma[0].name, sizeof(c.cma[0].name), "%s", get(k, "cma.name") ? get(k, "cma.name") : "reserved");
	err = pfnlab_machine_create(&c, &s->m, why, sizeof(why));
	if (err) {
		fprintf(stderr, "predict: machine: %s\n", why);
		return err;
	}
	pfnlab_cma_info(s->m, 0, &ci);
	s->base = ci.base_pfn;
	s->count = ci.count;
	return 0;
}

/* Frees what sim_start() made; safe after a failed sim_start() too (it zeroes first). */
void sim_end(struct sim *s)
{
	pfnlab_machine_destroy(s->m);
	free(s->trace.text);
	free(s->log.text);
	s->m = NULL;
}

/* A zone's free pages with those on its per-CPU lists, or -1 without the zone */
static long zone_free_total(const struct pfnlab_machine *m, int zone)
{
	long buddy = pfnlab_zone_free_pages(m, zone);

	return buddy < 0 ? -1 : buddy + pfnlab_zone_pcp_pages(m, zone);
}

/*
 * The kernel's own footprint: take unmovable order-0 pages in each zone
 * until its free pages equal the guest's at the start of the experiment.
 * On 6.12 both sides count the per-CPU lists: a refill leaves up to 2,015
 * pages there, which counting the buddy alone left free on top of the
 * guest's.  On 6.1 the buddy alone: the guest's lists hold about 200 pages
 * from start to end at every size (pages of orders 1-3 and of types the
 * experiments never draw from, which the model's lists do not keep), so
 * they are the kernel's, not free to the experiment; counted as free they
 * put the model's NR_FREE_PAGES 100-200 pages above the guest's, which
 * moves the 5.7 CMA rule's balance point (R's CMA pages at 1.3 GiB with
 * CMA 96 MiB: 590 where 6.1 had 671).
 */
int sim_calibrate(struct sim *s)
{
	const char *const zname[] = {"DMA", "DMA32", "Normal"};
	const pfnlab_gfp_t zflag[] = {PFNLAB___GFP_DMA, PFNLAB___GFP_DMA32, 0};
	const char *rel = get(s->k, "kernel.release");
	const bool parked = !rel || strncmp(rel, "6.12", 4); /* 6.1: the guest's lists are the kernel's */
	long long taken = 0;

	for (int z = 0; z < 3; z++) {
		char key[64];
		long long kfree, kpcp = 0;
		long mfree = zone_free_total(s->m, z);

		snprintf(key, sizeof(key), "start.zone.%s.free", zname[z]);
		if (!num(s->k, key, &kfree))
			continue;
		snprintf(key, sizeof(key), "start.zone.%s.pcp", zname[z]);
		num(s->k, key, &kpcp);
		if (mfree < 0)
			continue;
		if (parked)
			kpcp = pfnlab_zone_pcp_pages(s->m, z);
		while (mfree > kfree + kpcp) {
			uint64_t pfn;

			if (pfnlab_alloc_pages(s->m, PFNLAB_GFP_KERNEL | zflag[z], 0, &pfn))
				return -ENOMEM;
			taken++;
			mfree = zone_free_total(s->m, z);
			if (parked)
				kpcp = pfnlab_zone_pcp_pages(s->m, z);
		}
	}
	put(s->p, "calibration.pages", "%lld", taken);
	return 0;
}

/*
 * A region of @mib MiB at @va, every page written with its tag, as
 * region_fill() in the guest: anonymous (MAP_PRIVATE|MAP_ANONYMOUS) or a
 * memfd of that size mapped MAP_SHARED, its descriptor closed (the mapping
 * keeps it alive).
 */
int map_touch(struct sim *s, const char *name, uint64_t va, long long mib, enum region_kind kind, unsigned *id,
	      unsigned seed)
{
	uint64_t pages = ((uint64_t)mib << 20) / PAGE;
	unsigned fd;
	int err = pfnlab_mm_create(s->m, name, id);

	if (!err && kind != REGION_ANON) { /* REGION_HUGETLB: memfd_create(MFD_HUGETLB), a hugetlbfs file */
		err = kind == REGION_MEMFD ? pfnlab_memfd_create(s->m, name, pages * PAGE, &fd)
					   : pfnlab_hugetlbfs_create(s->m, name, 0, pages * PAGE, &fd);
		if (!err)
			err = pfnlab_mm_map_file(s->m, *id, va, pages * PAGE, fd, 0, PFNLAB_MAP_SHARED);
		if (!err)
			err = pfnlab_file_close(s->m, fd);
	} else if (!err) {
		err = pfnlab_mm_map(s->m, *id, va, pages * PAGE, 0);
	}
	return err ? err : region_write(s, *id, va, mib, seed);
}

/* Every page of @mib MiB at @va of space @id written with its tag (seed, index), as region_fill() does. */
int region_write(struct sim *s, unsigned id, uint64_t va, long long mib, unsigned seed)
{
	uint64_t pages = ((uint64_t)mib << 20) / PAGE;

	for (uint64_t i = 0; i < pages; i++) {
		uint64_t tag = ((uint64_t)seed << 40) ^ i;
		int err = pfnlab_mm_write(s->m, id, va + i * PAGE, &tag, sizeof(tag));

		if (err)
			return err;
	}
	return 0;
}

/*
 * One of the guest program's own arrays (oracle/guest/probe.c: a region's
 * PFNs, 8 bytes per page, filled when the region is counted; their copy;
 * a sorted list): malloc'd anonymous memory whose pages are allocated when
 * first written, movable, so they borrow CMA like any anonymous page and
 * a whole-area cma_alloc migrates them too (about 80 pages per 160 MiB
 * region).  Returns its address, 0 if the model could not allocate it.
 */
uint64_t guest_array(struct sim *s, uint64_t bytes)
{
	uint64_t va = s->guest_va ? s->guest_va : VA_GUEST, len = (bytes + PAGE - 1) / PAGE * PAGE;

	if (!s->guest && pfnlab_mm_create(s->m, "guest", &s->guest))
		return 0;
	if (!len || pfnlab_mm_map(s->m, s->guest, va, len, 0))
		return 0;
	for (uint64_t off = 0; off < len; off += PAGE) {
		uint64_t v = 0x5a5a5a5a5a5a5a5aull;

		if (pfnlab_mm_write(s->m, s->guest, va + off, &v, sizeof(v)))
			return 0;
	}
	s->guest_va = va + len + PAGE;
	return va;
}

/* free() of a guest array: its pages go back (munmap of a large malloc). */
void guest_free(struct sim *s, uint64_t va, uint64_t bytes)
{
	if (va)
		pfnlab_mm_unmap(s->m, s->guest, va, (bytes + PAGE - 1) / PAGE * PAGE);
}

uint64_t *pfns_of(struct sim *s, unsigned id, uint64_t va, uint64_t pages)
{
	uint64_t *v = calloc(pages, sizeof(*v));

	if (!v)
		return NULL;
	for (uint64_t i = 0; i < pages; i++)
		if (pfnlab_mm_lookup(s->m, id, va + i * PAGE, &v[i]))
			v[i] = 0;
	return v;
}

bool in_area(const struct sim *s, uint64_t pfn)
{
	return pfn >= s->base && pfn < s->base + s->count;
}

/* Pages of a space in CMA, under "<phase>.<name>.in_cma" and ".cma_pfn_min". */
uint64_t count_in_cma(struct sim *s, const char *phase, const char *name, unsigned id, uint64_t va,
			     long long mib)
{
	uint64_t pages = ((uint64_t)mib << 20) / PAGE, n = 0, lo = UINT64_MAX;
	char key[96];

	for (uint64_t i = 0; i < pages; i++) {
		uint64_t pfn;

		if (!pfnlab_mm_lookup(s->m, id, va + i * PAGE, &pfn) && in_area(s, pfn)) {
			n++;
			lo = pfn < lo ? pfn : lo;
		}
	}
	snprintf(key, sizeof(key), "%s.%s.in_cma", phase, name);
	put(s->p, key, "%llu", (unsigned long long)n);
	if (n) {
		snprintf(key, sizeof(key), "%s.%s.cma_pfn_min", phase, name);
		put(s->p, key, "0x%llx", (unsigned long long)lo);
	}
	return n;
}

/* Frames of the hugetlb pool in the CMA area (the guest's cma_census(): kpageflags' HUGE pages there). */
uint64_t hugetlb_in_area(struct sim *s)
{
	uint64_t n = 0;

	for (uint64_t pfn = s->base; pfn < s->base + s->count; pfn++) {
		struct pfnlab_page_info pi;

		n += !pfnlab_page_info(s->m, pfn, &pi) && pi.state == PFNLAB_PAGE_HUGETLB;
	}
	return n;
}

uint64_t moved(struct sim *s, unsigned id, uint64_t va, const uint64_t *before, uint64_t pages)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < pages; i++) {
		uint64_t pfn = 0;

		pfnlab_mm_lookup(s->m, id, va + i * PAGE, &pfn);
		n += pfn != before[i];
	}
	return n;
}

/*
 * "<key> N": pages of a space whose first 8 bytes are not their tag, as
 * the guest checks them.  Only with page contents (backed); without
 * (--no-data) nothing is put and the table shows the row as not checked.
 */
void put_mismatches(struct sim *s, const char *key, unsigned id, uint64_t va, long long mib, unsigned seed)
{
	uint64_t pages = ((uint64_t)mib << 20) / PAGE, bad = 0;

	if (!opt_data)
		return;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t v = 0;

		if (pfnlab_mm_read(s->m, id, va + i * PAGE, &v, sizeof(v)) || v != (((uint64_t)seed << 40) ^ i))
			bad++;
	}
	put(s->p, key, "%llu", (unsigned long long)bad);
}

long long vm(struct sim *s, const char *name)
{
	return pfnlab_vmstat(s->m, name);
}

/* A sum under "<phase>.trace.<name>", kept in @v (at most @max of them). */
struct tsum {
	char name[96];
	long long v;
};

static void tsum_add(struct tsum *v, size_t *n, size_t max, const char *name, long long add)
{
	size_t i;

	for (i = 0; i < *n && strcmp(v[i].name, name); i++)
		;
	if (i == *n) {
		if (*n == max)
			return;
		snprintf(v[i].name, sizeof(v[i].name), "%s", name);
		v[(*n)++].v = 0;
	}
	v[i].v += add;
}

static bool printed_event(const char *ev)
{
	return !strncmp(ev, "cma_", 4) || !strncmp(ev, "test_pages_isolated:", 20) ||
	       !strncmp(ev, "mm_alloc_contig_migrate_range_info:", 35);
}

/*
 * The trace text of a phase as the guest reports it (oracle/guest/trace.c):
 * the cma_*, test_pages_isolated and mm_alloc_contig_migrate_range_info
 * events one per line; every other event counted by name
 * ("<phase>.trace.count.<event>") and its decimal fields summed
 * ("<phase>.trace.<event>.<field>"); for mm_migrate_pages also the calls
 * ("events"), the calls failing a page ("failed_events") and the reason.
 */
static void trace_events(const char *text, const char *phase, struct facts *fs)
{
	struct tsum sums[64];
	size_t nsums = 0;
	long long calls = 0, failed_calls = 0;
	char reason[32] = "-", key[160];

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n'), *ev;
		size_t len = nl ? (size_t)(nl - p) : strlen(p), nlen;
		char buf[512];

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, p, len);
		buf[len] = 0;
		p = nl ? nl + 1 : NULL;
		ev = strchr(buf, ']');
		ev = ev ? strstr(ev, ": ") : NULL;
		if (!ev)
			continue;
		ev += 2;
		nlen = strcspn(ev, ":");
		if (!ev[nlen] || nlen >= 48)
			continue;
		if (printed_event(ev)) {
			add_line(&fs->tr, &fs->ntr, &fs->captr, phase, ev);
			continue;
		}
		snprintf(key, sizeof(key), "count.%.*s", (int)nlen, ev);
		tsum_add(sums, &nsums, 64, key, 1);
		calls += !strncmp(ev, "mm_migrate_pages:", 17);
		for (const char *q = ev + nlen + 1; (q = strchr(q, '=')); q++) {
			const char *b = q;
			char *end;
			long long v;

			while (b > ev && b[-1] != ' ')
				b--;
			if (!strncmp(ev, "mm_migrate_pages:", 17) && !strncmp(b, "reason=", 7)) {
				snprintf(reason, sizeof(reason), "%.*s", (int)strcspn(q + 1, " "), q + 1);
				continue;
			}
			v = strtoll(q + 1, &end, 10);
			if (end == q + 1 || (*end && *end != ' ') || (q[1] == '0' && q[2] == 'x'))
				continue;
			snprintf(key, sizeof(key), "%.*s.%.*s", (int)nlen, ev, (int)(q - b), b);
			tsum_add(sums, &nsums, 64, key, v);
			failed_calls += !strncmp(ev, "mm_migrate_pages:", 17) && !strncmp(b, "nr_failed=", 10) && v;
		}
	}
	for (size_t i = 0; i < nsums; i++) {
		snprintf(key, sizeof(key), "%.40s.trace.%.96s", phase, sums[i].name);
		put(fs, key, "%lld", sums[i].v);
	}
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.events", phase);
	put(fs, key, "%lld", calls);
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.failed_events", phase);
	put(fs, key, "%lld", failed_calls);
	snprintf(key, sizeof(key), "%s.trace.mm_migrate_pages.reason", phase);
	put(fs, key, "%s", reason);
}

void put_migrate_reason(struct facts *out, const char *key, const char *trace)
{
	const char *q = NULL;

	for (const char *e = trace; e && (e = strstr(e, "mm_migrate_pages: ")); e++)
		q = e;
	q = q ? strstr(q, "reason=") : NULL;
	if (q)
		put(out, key, "%.*s", (int)strcspn(q + 7, "\n"), q + 7);
	else /* as the guest writes for a phase without the event */
		put(out, key, "-");
}

/*
 * Model time catches up with the guest's clock at a step ("clock.NAME",
 * CLOCK_MONOTONIC seconds; *@last < 0: the first step sets the origin), so
 * that the model's timers run as long as the kernel's did: 6.12's
 * decay_pcp_high() each second cuts the per-CPU lists' high by an eighth,
 * which decides how many pages stay on the lists when F is freed or a pin
 * starts (pin-hugetlb at 1.75 GiB: 55,797 without it, 49,749 with it,
 * the kernel's 42,688).
 */
void sim_catch_up(struct sim *s, const char *name, double *last)
{
	const char *v = get(s->k, name);
	double t;

	if (!v || sscanf(v, "%lf", &t) != 1)
		return;
	if (*last >= 0 && t > *last)
		pfnlab_advance(s->m, (uint64_t)((t - *last) * 1e9));
	*last = t;
}

/* Whole-area cma_alloc on the model, traced, with the facts the guest reports. */
/**
 * sim_process() - the guest's experiment process as the OOM killer sees it:
 * its spaces @ids (F, R, ... ; the guest heap is added when it exists) are
 * one task, named after the experiment ("exp"), with the recorded child's
 * pid.  From here on sim_cma_alloc() runs it as current.
 */
int sim_process(struct sim *s, const unsigned *ids, unsigned n)
{
	struct pfnlab_task t = {.pid = 1};
	const char *name = get(s->k, "exp");
	long long pid;

	if (name)
		snprintf(t.comm, sizeof(t.comm), "%s", name);
	if (num(s->k, "child.pid", &pid) && pid > 0 && pid < 1 << 22)
		t.pid = (int)pid;
	s->nproc = 0;
	for (unsigned i = 0; i < n + 1 && s->nproc < sizeof(s->proc) / sizeof(s->proc[0]); i++) {
		unsigned id = i < n ? ids[i] : s->guest;

		if (!id)
			continue;
		if (pfnlab_mm_set_task(s->m, id, &t))
			return -EINVAL;
		s->proc[s->nproc++] = id;
	}
	return 0;
}

/*
 * The guest's next system call after a cma_alloc, as the experiment's
 * process: an open() whose getname() allocates (GFP_KERNEL, order 0).
 * Where the cma_alloc used up the free pages outside CMA, that allocation's
 * slow path reclaims nothing (no swap, no page cache) and out_of_memory()
 * (mm/oom_kill.c) chooses by oom_badness(): the kernel's 6.1 call trace of
 * these runs (getname_flags -> __alloc_pages_slowpath -> out_of_memory).
 * A kill of the process ends the experiment in @phase.
 */
void sim_next_syscall(struct sim *s, const char *phase)
{
	uint64_t pfn;

	if (!s->nproc)
		return;
	pfnlab_set_current(s->m, s->proc[0]);
	if (pfnlab_alloc_pages(s->m, PFNLAB_GFP_KERNEL, 0, &pfn) == 0)
		pfnlab_free_pages(s->m, pfn, 0);
	pfnlab_set_current(s->m, 0);
	sim_oom_outcome(s, phase);
}

/*
 * sim_oom_outcome() - the OOM kills since the last call: the first
 * victim's name and line, and the outcome "oom-kill" in @phase when one
 * of them was the experiment's process
 */
void sim_oom_outcome(struct sim *s, const char *phase)
{
	struct pfnlab_oom_event ev;

	while (pfnlab_oom_next(s->m, &ev) == 0) {
		for (unsigned i = 0; i < s->nproc; i++)
			s->killed |= ev.mm == s->proc[i];
		if (get(s->p, "outcome.victim"))
			continue;
		put(s->p, "outcome.victim", "%s", ev.comm);
		put(s->p, "outcome.oom_kill_line", "%s", ev.line);
	}
	if (s->killed && !get(s->p, "outcome")) {
		put(s->p, "outcome", "oom-kill");
		put(s->p, "outcome.phase", "%s", phase);
	}
}

int sim_cma_alloc(struct sim *s, const char *phase, bool give_back)
{
	struct pfnlab_sink ts = {strbuf_sink, &s->trace}, ls = {strbuf_sink, &s->log};
	long long mig0 = vm(s, "pgmigrate_success"), fail0 = vm(s, "pgmigrate_fail");
	uint64_t pfn = 0;
	char key[96];
	int ret;

	s->trace.len = s->log.len = 0;
	if (s->trace.text)
		s->trace.text[0] = 0;
	pfnlab_set_trace(s->m, &ts);
	pfnlab_set_log(s->m, &ls);
	if (s->nproc)
		pfnlab_set_current(s->m, s->proc[0]);
	ret = pfnlab_cma_alloc(s->m, 0, s->count, 0, &pfn);
	pfnlab_set_current(s->m, 0);
	pfnlab_set_trace(s->m, NULL);
	pfnlab_set_log(s->m, NULL);
	snprintf(key, sizeof(key), "%s.cma_alloc.result", phase);
	put(s->p, key, "%s", ret ? "fail" : "success");
	snprintf(key, sizeof(key), "%s.err", phase);
	put(s->p, key, "%s", ret ? pfnlab_strerror(ret) : "0");
	snprintf(key, sizeof(key), "%s.pgmigrate_success", phase);
	put(s->p, key, "%lld", vm(s, "pgmigrate_success") - mig0);
	snprintf(key, sizeof(key), "%s.pgmigrate_fail", phase);
	put(s->p, key, "%lld", vm(s, "pgmigrate_fail") - fail0);
	trace_events(s->trace.text, phase, s->p);
	derive_contig_info(s->p);
	/* the lines derive_failed_alloc() picks from the kernel's log: cma_alloc's failure, warn_alloc()'s first */
	snprintf(key, sizeof(key), "%s.warn_alloc", phase);
	put(s->p, key, "none");
	for (char *line = s->log.text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		char lkey[96];

		if ((nl = strchr(line, '\n')))
			*nl = 0;
		if (strstr(line, "alloc failed, req-size")) {
			snprintf(lkey, sizeof(lkey), "%s.log", phase);
			put(s->p, lkey, "%s", line);
		} else if (strstr(line, "page allocation failure") && !strcmp(get(s->p, key), "none")) {
			put(s->p, key, "%s", line);
		}
	}
	if (!ret && give_back)
		pfnlab_cma_release(s->m, 0, pfn, s->count);
	sim_next_syscall(s, phase);
	return ret;
}

/* F, as start() does in the guest: every page touched, then counted (which fills F's PFN array). */
int fill(struct sim *s, unsigned *f)
{
	long long fm;

	if (!num(s->k, "param.f_mib", &fm) || sim_calibrate(s))
		return -EINVAL;
	if (map_touch(s, "F", VA_F, fm, REGION_ANON, f, 0xf) || !guest_array(s, ((uint64_t)fm << 20) / PAGE * 8))
		return -ENOMEM;
	count_in_cma(s, "filled", "F", *f, VA_F, fm);
	return 0;
}
