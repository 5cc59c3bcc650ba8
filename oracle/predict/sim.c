/*
 * sim.c - the model side of every replay: a fresh pfnlab machine shaped
 * like the guest (x86_64, the guest's RAM and CMA area, era current, the
 * cma rule and pin policy asked for, per-CPU lists, THP off), its free
 * pages calibrated to the kernel's at the start, and the guest's steps:
 * regions touched page by page, PFN counts, data checks, a whole-area
 * cma_alloc with its trace and log.
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

/*
 * The kernel's own footprint: take unmovable order-0 pages in each zone
 * until its free pages (buddy + per-CPU lists) equal the guest's at the
 * start of the experiment.
 */
static int calibrate(struct sim *s)
{
	const char *const zname[] = {"DMA", "DMA32", "Normal"};
	const pfnlab_gfp_t zflag[] = {PFNLAB___GFP_DMA, PFNLAB___GFP_DMA32, 0};
	long long taken = 0;

	for (int z = 0; z < 3; z++) {
		char key[64];
		long long kfree, kpcp = 0;
		long mfree = pfnlab_zone_free_pages(s->m, z);

		snprintf(key, sizeof(key), "start.zone.%s.free", zname[z]);
		if (!num(s->k, key, &kfree))
			continue;
		snprintf(key, sizeof(key), "start.zone.%s.pcp", zname[z]);
		num(s->k, key, &kpcp);
		if (mfree < 0)
			continue;
		while (mfree > kfree + kpcp) {
			uint64_t pfn;

			if (pfnlab_alloc_pages(s->m, PFNLAB_GFP_KERNEL | zflag[z], 0, &pfn))
				return -ENOMEM;
			taken++;
			mfree = pfnlab_zone_free_pages(s->m, z);
		}
	}
	put(s->p, "calibration.pages", "%lld", taken);
	return 0;
}

int map_touch(struct sim *s, const char *name, uint64_t va, long long mib, unsigned *id, unsigned seed)
{
	uint64_t pages = ((uint64_t)mib << 20) / PAGE;
	int err = pfnlab_mm_create(s->m, name, id);

	if (!err)
		err = pfnlab_mm_map(s->m, *id, va, pages * PAGE, 0);
	if (err)
		return err;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t tag = ((uint64_t)seed << 40) ^ i;

		err = pfnlab_mm_write(s->m, *id, va + i * PAGE, &tag, sizeof(tag));
		if (err)
			return err;
	}
	return 0;
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

/* The cma_* and test_pages_isolated events of the trace text, one per line. */
static void trace_events(const char *text, const char *phase, struct facts *fs)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n'), *ev;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char buf[512];

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, p, len);
		buf[len] = 0;
		ev = strchr(buf, ']');
		ev = ev ? strstr(ev, ": ") : NULL;
		if (ev && (!strncmp(ev + 2, "cma_", 4) || !strncmp(ev + 2, "test_pages_isolated", 19)))
			add_line(&fs->tr, &fs->ntr, &fs->captr, phase, ev + 2);
		p = nl ? nl + 1 : NULL;
	}
}

/* Whole-area cma_alloc on the model, traced, with the facts the guest reports. */
int sim_cma_alloc(struct sim *s, const char *phase, bool give_back)
{
	struct pfnlab_sink ts = {strbuf_sink, &s->trace}, ls = {strbuf_sink, &s->log};
	long long mig0 = vm(s, "pgmigrate_success");
	uint64_t pfn = 0;
	char key[96];
	int ret;

	s->trace.len = s->log.len = 0;
	if (s->trace.text)
		s->trace.text[0] = 0;
	pfnlab_set_trace(s->m, &ts);
	pfnlab_set_log(s->m, &ls);
	ret = pfnlab_cma_alloc(s->m, 0, s->count, 0, &pfn);
	pfnlab_set_trace(s->m, NULL);
	pfnlab_set_log(s->m, NULL);
	snprintf(key, sizeof(key), "%s.cma_alloc.result", phase);
	put(s->p, key, "%s", ret ? "fail" : "success");
	snprintf(key, sizeof(key), "%s.err", phase);
	put(s->p, key, "%s", ret ? pfnlab_strerror(ret) : "0");
	snprintf(key, sizeof(key), "%s.pgmigrate_success", phase);
	put(s->p, key, "%lld", vm(s, "pgmigrate_success") - mig0);
	if (s->trace.text)
		trace_events(s->trace.text, phase, s->p);
	if (s->log.text && s->log.len) {
		char *nl = strchr(s->log.text, '\n');

		if (nl)
			*nl = 0;
		snprintf(key, sizeof(key), "%s.log", phase);
		put(s->p, key, "%s", s->log.text);
	}
	if (!ret && give_back)
		pfnlab_cma_release(s->m, 0, pfn, s->count);
	return ret;
}

/* F then the experiment's region, as start() and region_touch() do in the guest. */
int fill(struct sim *s, unsigned *f)
{
	long long fm;

	if (!num(s->k, "param.f_mib", &fm) || calibrate(s))
		return -EINVAL;
	if (map_touch(s, "F", VA_F, fm, f, 0xf))
		return -ENOMEM;
	count_in_cma(s, "filled", "F", *f, VA_F, fm);
	return 0;
}
