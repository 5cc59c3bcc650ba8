/*
 * predict.c - pfnlab's side of the real-kernel oracle: replay each
 * experiment of a recorded guest run on the model and hold the two side by
 * side.
 *
 *   predict [-v] [--partial] [--known FILE] [--out FILE] [--pcp on|off] RUN_DIR...
 *
 * Each RUN_DIR (oracle/results/<kernel release>/) holds the guest's output
 * of one boot per experiment: borrow.txt, pin.txt, busy.txt, migrate.txt
 * ("RESULT key value", "TRACE phase event", "DMESG phase line"; see
 * oracle/guest/oracle_init.c).  For every experiment predict builds a fresh
 * x86_64 machine of the same RAM with the same CMA area, era current
 * (v6.1), cma rule 5.7 (and 2015 where borrowing is compared), pin policy
 * migrate-movable, per-CPU lists on, THP off, and drives it through the
 * same steps with the same sizes.  It prints one table (and writes it to
 * --out) and exits 0 only when every compared row agrees or is listed in
 * the known-disagreements file; 2 when a run is incomplete.  --partial
 * compares only the experiments whose files exist (oracle/run.sh with a
 * subset of EXPERIMENTS); -v prints every prediction and pfnlab's culprit
 * report of the busy experiment on stderr.
 *
 * Agreement: outcomes (success/failure, errno, zero/non-zero pages in CMA,
 * trace event order) must be equal; counts within 10% of the kernel's;
 * a PFN within 10% of the area's size.
 *
 * Two inputs come from the kernel because the model cannot know them
 * (docs/oracle.md): the free pages of each zone when the experiment starts
 * (the model has no kernel image, slab or initramfs, so it takes
 * unmovable order-0 pages until its free counts match), and the CMA area's
 * base (memblock placed it below the initrd QEMU loaded at the top of RAM);
 * where pfnlab would have put the area is shown as an info row.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfnlab.h"

#define PAGE 4096ull
#define VA_F 0x100000000ull
#define VA_R 0x200000000ull
#define VA_B 0x300000000ull

/* ---- facts: key -> value, plus trace and log lines by phase ---- */

struct fact {
	char *key, *val;
};

struct line {
	char *phase, *text;
};

struct facts {
	struct fact *f;
	size_t n, cap;
	struct line *tr, *lg;
	size_t ntr, nlg, captr, caplg;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "predict: out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "predict: out of memory\n");
		exit(2);
	}
	return d;
}

static const char *get(const struct facts *fs, const char *key)
{
	for (size_t i = fs->n; i-- > 0;)
		if (!strcmp(fs->f[i].key, key))
			return fs->f[i].val;
	return NULL;
}

static void put(struct facts *fs, const char *key, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 64;
		fs->f = xrealloc(fs->f, fs->cap * sizeof(*fs->f));
	}
	fs->f[fs->n++] = (struct fact){xstrdup(key), xstrdup(buf)};
}

static void add_line(struct line **v, size_t *n, size_t *cap, const char *phase, const char *text)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = (struct line){xstrdup(phase), xstrdup(text)};
}

static void facts_free(struct facts *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->f[i].key);
		free(fs->f[i].val);
	}
	for (size_t i = 0; i < fs->ntr; i++) {
		free(fs->tr[i].phase);
		free(fs->tr[i].text);
	}
	for (size_t i = 0; i < fs->nlg; i++) {
		free(fs->lg[i].phase);
		free(fs->lg[i].text);
	}
	free(fs->f);
	free(fs->tr);
	free(fs->lg);
	*fs = (struct facts){0};
}

/* Read a guest output file; 0, or -errno. */
static int facts_load(struct facts *fs, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!fp)
		return -errno;
	while ((len = getline(&line, &cap, fp)) > 0) {
		char *a, *b;

		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		a = strchr(line, ' ');
		if (!a)
			continue;
		*a++ = 0;
		b = strchr(a, ' ');
		if (b)
			*b++ = 0;
		else
			b = a + strlen(a);
		if (!strcmp(line, "RESULT"))
			put(fs, a, "%s", b);
		else if (!strcmp(line, "TRACE"))
			add_line(&fs->tr, &fs->ntr, &fs->captr, a, b);
		else if (!strcmp(line, "DMESG"))
			add_line(&fs->lg, &fs->nlg, &fs->caplg, a, b);
	}
	free(line);
	fclose(fp);
	return 0;
}

static bool num(const struct facts *fs, const char *key, long long *v)
{
	const char *s = get(fs, key);
	char *end;

	if (!s || !*s)
		return false;
	*v = strtoll(s, &end, 0);
	return *end == 0 || *end == ' ';
}

/* ---- the model ---- */

struct sink_buf {
	char *text;
	size_t len, cap;
};

static void sink_write(void *arg, const char *buf, size_t len)
{
	struct sink_buf *s = arg;

	if (s->len + len + 1 > s->cap) {
		s->cap = (s->len + len + 1) * 2;
		s->text = xrealloc(s->text, s->cap);
	}
	memcpy(s->text + s->len, buf, len);
	s->len += len;
	s->text[s->len] = 0;
}

struct sim {
	struct pfnlab_machine *m;
	uint64_t base, count;      /* the CMA area */
	struct sink_buf trace, log;
	const struct facts *k;     /* the kernel's facts (sizes, calibration) */
	struct facts *p;           /* predictions */
};

static bool opt_pcp = true, opt_verbose, opt_partial;

static void file_write(void *arg, const char *buf, size_t len)
{
	fwrite(buf, 1, len, arg);
}

static int sim_start(struct sim *s, const struct facts *k, struct facts *p, enum pfnlab_cma_rule rule,
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
	c.backed = backed;
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
static void sim_end(struct sim *s)
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
	static const char *const zname[] = {"DMA", "DMA32", "Normal"};
	static const pfnlab_gfp_t zflag[] = {PFNLAB___GFP_DMA, PFNLAB___GFP_DMA32, 0};
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

static int map_touch(struct sim *s, const char *name, uint64_t va, long long mib, unsigned *id, unsigned seed)
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

static uint64_t *pfns_of(struct sim *s, unsigned id, uint64_t va, uint64_t pages)
{
	uint64_t *v = calloc(pages, sizeof(*v));

	if (!v)
		return NULL;
	for (uint64_t i = 0; i < pages; i++)
		if (pfnlab_mm_lookup(s->m, id, va + i * PAGE, &v[i]))
			v[i] = 0;
	return v;
}

static bool in_area(const struct sim *s, uint64_t pfn)
{
	return pfn >= s->base && pfn < s->base + s->count;
}

/* Pages of a space in CMA, under "<phase>.<name>.in_cma" and ".cma_pfn_min". */
static uint64_t count_in_cma(struct sim *s, const char *phase, const char *name, unsigned id, uint64_t va,
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

static uint64_t moved(struct sim *s, unsigned id, uint64_t va, const uint64_t *before, uint64_t pages)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < pages; i++) {
		uint64_t pfn = 0;

		pfnlab_mm_lookup(s->m, id, va + i * PAGE, &pfn);
		n += pfn != before[i];
	}
	return n;
}

static uint64_t mismatches(struct sim *s, unsigned id, uint64_t va, long long mib, unsigned seed)
{
	uint64_t pages = ((uint64_t)mib << 20) / PAGE, bad = 0;

	for (uint64_t i = 0; i < pages; i++) {
		uint64_t v = 0;

		if (pfnlab_mm_read(s->m, id, va + i * PAGE, &v, sizeof(v)) || v != (((uint64_t)seed << 40) ^ i))
			bad++;
	}
	return bad;
}

static long long vm(struct sim *s, const char *name)
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
static int sim_cma_alloc(struct sim *s, const char *phase, bool give_back)
{
	struct pfnlab_sink ts = {sink_write, &s->trace}, ls = {sink_write, &s->log};
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
static int fill(struct sim *s, unsigned *f)
{
	long long fm;

	if (!num(s->k, "param.f_mib", &fm) || calibrate(s))
		return -EINVAL;
	if (map_touch(s, "F", VA_F, fm, f, 0xf))
		return -ENOMEM;
	count_in_cma(s, "filled", "F", *f, VA_F, fm);
	return 0;
}

static int model_borrow(const struct facts *k, struct facts *p)
{
	static const enum pfnlab_cma_rule rules[] = {PFNLAB_CMA_5_7, PFNLAB_CMA_2015};
	long long rm, fm;

	if (!num(k, "param.r_mib", &rm) || !num(k, "param.f_mib", &fm))
		return -EINVAL;
	for (int i = 0; i < 2; i++) {
		struct facts tmp = {0};
		struct sim s;
		unsigned f, r;
		const char *sfx = i ? ".rule2015" : "";
		char key[96];

		if (sim_start(&s, k, &tmp, rules[i], PFNLAB_PIN_MIGRATE_MOVABLE, false) || fill(&s, &f) ||
		    map_touch(&s, "R", VA_R, rm, &r, 0xa)) {
			facts_free(&tmp);
			sim_end(&s);
			return -EINVAL;
		}
		count_in_cma(&s, "borrow", "R", r, VA_R, rm);
		count_in_cma(&s, "borrow", "F", f, VA_F, fm);
		for (size_t j = 0; j < tmp.n; j++) {
			snprintf(key, sizeof(key), "%s%s", tmp.f[j].key, sfx);
			put(p, key, "%s", tmp.f[j].val);
		}
		facts_free(&tmp);
		sim_end(&s);
	}
	return 0;
}

static int model_pin_policy(const struct facts *k, struct facts *p, enum pfnlab_pin_policy pol, const char *sfx)
{
	struct facts tmp = {0};
	struct sim s;
	long long bm;
	uint64_t pages, *before;
	unsigned f, b;
	long h;
	char key[96];

	if (!num(k, "param.b_mib", &bm))
		return -EINVAL;
	pages = ((uint64_t)bm << 20) / PAGE;
	if (sim_start(&s, k, &tmp, PFNLAB_CMA_5_7, pol, !*sfx) || fill(&s, &f) ||
	    map_touch(&s, "B", VA_B, bm, &b, 0xb))
		goto bad;
	count_in_cma(&s, "touched", "B", b, VA_B, bm);
	if (pfnlab_mm_destroy(s.m, f))
		goto bad;
	count_in_cma(&s, "unmapped_F", "B", b, VA_B, bm);
	before = pfns_of(&s, b, VA_B, pages);
	if (!before)
		goto bad;
	{
		long long mig0 = vm(&s, "pgmigrate_success");
		struct pfnlab_sink ts = {sink_write, &s.trace};
		const char *q;

		pfnlab_set_trace(s.m, &ts);
		h = pfnlab_pin(s.m, b, VA_B, pages, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM | PFNLAB_FOLL_WRITE,
			       "io_uring fixed buffer", NULL);
		pfnlab_set_trace(s.m, NULL);
		put(&tmp, "pin.result", "%s", h > 0 ? "success" : "fail");
		put(&tmp, "pin.pgmigrate_success", "%lld", vm(&s, "pgmigrate_success") - mig0);
		q = s.trace.text ? strstr(s.trace.text, "mm_migrate_pages: ") : NULL;
		q = q ? strstr(q, "reason=") : NULL;
		if (q)
			put(&tmp, "pin.trace.mm_migrate_pages.reason", "%.*s", (int)strcspn(q + 7, "\n"), q + 7);
		s.trace.len = 0;
	}
	count_in_cma(&s, "pinned", "B", b, VA_B, bm);
	put(&tmp, "pin.moved", "%llu", (unsigned long long)moved(&s, b, VA_B, before, pages));
	if (!*sfx)
		put(&tmp, "pin.B.mismatches", "%llu", (unsigned long long)mismatches(&s, b, VA_B, bm, 0xb));
	free(before);
	sim_cma_alloc(&s, "pinned_alloc", true);
	count_in_cma(&s, "pinned_alloc", "B", b, VA_B, bm);
	if (h > 0)
		pfnlab_unpin(s.m, h);
	for (size_t j = 0; j < tmp.n; j++) {
		snprintf(key, sizeof(key), "%s%s", tmp.f[j].key, sfx);
		put(p, key, "%s", tmp.f[j].val);
	}
	for (size_t j = 0; j < tmp.ntr; j++) {
		snprintf(key, sizeof(key), "%s%s", tmp.tr[j].phase, sfx);
		add_line(&p->tr, &p->ntr, &p->captr, key, tmp.tr[j].text);
	}
	facts_free(&tmp);
	sim_end(&s);
	return 0;
bad:
	facts_free(&tmp);
	sim_end(&s);
	return -EINVAL;
}

static int model_pin(const struct facts *k, struct facts *p)
{
	if (model_pin_policy(k, p, PFNLAB_PIN_MIGRATE_MOVABLE, ""))
		return -EINVAL;
	return model_pin_policy(k, p, PFNLAB_PIN_NONE, ".none");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int model_busy(const struct facts *k, struct facts *p)
{
	struct sim s;
	struct pfnlab_contig_failure cf;
	long long rm, n;
	uint64_t pages, *pf = NULL, *sorted = NULL, *held = NULL, *hva = NULL, incma = 0;
	unsigned f, r;
	bool all_get = true, same = true;
	char buf[4096];
	size_t len = 0;
	int rc = -EINVAL;

	if (!num(k, "param.r_mib", &rm) || !num(k, "param.n", &n) || n < 2)
		return -EINVAL;
	pages = ((uint64_t)rm << 20) / PAGE;
	if (sim_start(&s, k, p, PFNLAB_CMA_5_7, PFNLAB_PIN_MIGRATE_MOVABLE, true) || fill(&s, &f) ||
	    map_touch(&s, "R", VA_R, rm, &r, 0xa))
		goto out;
	count_in_cma(&s, "touched", "R", r, VA_R, rm);
	pf = pfns_of(&s, r, VA_R, pages);
	sorted = malloc(pages * sizeof(*sorted));
	held = malloc((size_t)n * sizeof(*held));
	hva = malloc((size_t)n * sizeof(*hva));
	if (!pf || !sorted || !held || !hva) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint64_t i = 0; i < pages; i++)
		if (in_area(&s, pf[i]))
			sorted[incma++] = pf[i];
	if (incma < (uint64_t)n) {
		put(p, "held.n", "%llu", (unsigned long long)incma);
		rc = 0;
		goto out;
	}
	/* the guest's choice: evenly spread over R's CMA pages by PFN */
	qsort(sorted, incma, sizeof(*sorted), cmp_u64);
	for (long long i = 0; i < n; i++) {
		struct pfnlab_page_info pi;

		held[i] = sorted[(uint64_t)i * (incma - 1) / (uint64_t)(n - 1)];
		pfnlab_page_info(s.m, held[i], &pi);
		hva[i] = pi.vaddr;
		/* vmsplice: the pipe keeps a plain reference (FOLL_GET) */
		if (pfnlab_gup(s.m, r, hva[i], 1, PFNLAB_FOLL_GET, NULL))
			goto out;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s0x%llx", i ? "," : "",
					(unsigned long long)held[i]);
	}
	put(p, "held.pfns", "%s", buf);
	put(p, "held.n", "%lld", n);
	put(p, "held.pfn_min", "0x%llx", (unsigned long long)held[0]);
	free(pf);
	pf = pfns_of(&s, r, VA_R, pages);

	sim_cma_alloc(&s, "busy", true);
	count_in_cma(&s, "busy", "R", r, VA_R, rm);
	put(p, "busy.R.moved", "%llu", (unsigned long long)moved(&s, r, VA_R, pf, pages));
	if (pfnlab_contig_failure(s.m, &cf) == 0) {
		put(p, "busy.fin_pfn", "0x%llx", (unsigned long long)cf.fin_pfn);
		put(p, "busy.culprits", "%zu", cf.nr_culprits);
		for (size_t i = 0; i < cf.nr_culprits; i++) {
			const struct pfnlab_culprit *c = &cf.culprits[i];
			bool found = false;

			all_get &= c->kind == PFNLAB_HOLD_GET && c->owner == r && c->order == 0;
			for (long long j = 0; j < n; j++)
				found |= c->pfn == held[j] && c->vaddr == hva[j];
			same &= found;
		}
		put(p, "busy.culprits_are_held", "%s", same && cf.nr_culprits == (size_t)n ? "yes" : "no");
		put(p, "busy.culprits_kind", "%s", all_get ? "FOLL_GET references of R" : "other");
		{
			size_t of_r = 0;

			for (size_t i = 0; i < cf.nr_culprits; i++)
				of_r += cf.culprits[i].owner == r && !strcmp(cf.culprits[i].owner_name, "R");
			if (of_r == cf.nr_culprits)
				put(p, "busy.culprits_owner", "R:%zu", of_r);
			else
				put(p, "busy.culprits_owner", "R:%zu,other:%zu", of_r, cf.nr_culprits - of_r);
		}
		if (cf.nr_culprits) {
			const struct pfnlab_culprit *c = &cf.culprits[0];

			put(p, "busy.first_culprit", "pfn 0x%llx = %s page %llu, %s", (unsigned long long)c->pfn,
			    c->owner_name, (unsigned long long)((c->vaddr - VA_R) / PAGE),
			    c->kind == PFNLAB_HOLD_GET ? "FOLL_GET" : "other hold");
		}
		if (opt_verbose) {
			struct pfnlab_sink out = {file_write, stderr};

			pfnlab_print_culprits(s.m, false, &out);
		}
	}
	put(p, "busy.R.mismatches", "%llu", (unsigned long long)mismatches(&s, r, VA_R, rm, 0xa));
	/* close the pipe: the references go */
	for (long long i = 0; i < n; i++) {
		uint64_t pfn;

		if (pfnlab_mm_lookup(s.m, r, hva[i], &pfn) || pfnlab_put_pages(s.m, &pfn, 1, PFNLAB_FOLL_GET))
			goto out;
	}
	free(pf);
	pf = pfns_of(&s, r, VA_R, pages);
	sim_cma_alloc(&s, "released", true);
	count_in_cma(&s, "released", "R", r, VA_R, rm);
	put(p, "released.R.moved", "%llu", (unsigned long long)moved(&s, r, VA_R, pf, pages));
	put(p, "released.R.mismatches", "%llu", (unsigned long long)mismatches(&s, r, VA_R, rm, 0xa));
	rc = 0;
out:
	free(pf);
	free(sorted);
	free(held);
	free(hva);
	sim_end(&s);
	return rc;
}

static int model_migrate(const struct facts *k, struct facts *p)
{
	struct sim s;
	long long rm, fm;
	uint64_t pages, *pf;
	unsigned f, r;

	if (!num(k, "param.r_mib", &rm) || !num(k, "param.f_mib", &fm))
		return -EINVAL;
	pages = ((uint64_t)rm << 20) / PAGE;
	if (sim_start(&s, k, p, PFNLAB_CMA_5_7, PFNLAB_PIN_MIGRATE_MOVABLE, true) || fill(&s, &f) ||
	    map_touch(&s, "R", VA_R, rm, &r, 0xa)) {
		sim_end(&s);
		return -EINVAL;
	}
	count_in_cma(&s, "touched", "R", r, VA_R, rm);
	pf = pfns_of(&s, r, VA_R, pages);
	if (!pf) {
		sim_end(&s);
		return -ENOMEM;
	}
	sim_cma_alloc(&s, "migrate", false);
	count_in_cma(&s, "migrate", "R", r, VA_R, rm);
	put(p, "migrate.R.moved", "%llu", (unsigned long long)moved(&s, r, VA_R, pf, pages));
	put(p, "migrate.R.mismatches", "%llu", (unsigned long long)mismatches(&s, r, VA_R, rm, 0xa));
	put(p, "migrate.F.mismatches", "%llu", (unsigned long long)mismatches(&s, f, VA_F, fm, 0xf));
	free(pf);
	sim_end(&s);
	return 0;
}

/* Where pfnlab itself would put the area (no base given). */
static void model_placement(const struct facts *k, struct facts *p)
{
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	struct pfnlab_cma_info ci;
	long long ram, cmamib;
	char why[256];

	if (!num(k, "host.ram_mib", &ram) || !num(k, "host.cma_mib", &cmamib))
		return;
	pfnlab_config_preset(&c, "x86_64", (uint64_t)ram << 20);
	c.thp = false;
	if (!get(k, "start.zone.DMA.managed"))
		c.zone_dma_end = 0;
	c.nr_cma = 1;
	c.cma[0].size = (uint64_t)cmamib << 20;
	if (pfnlab_machine_create(&c, &m, why, sizeof(why)))
		return;
	pfnlab_cma_info(m, 0, &ci);
	put(p, "cma.base_pfn", "0x%llx", (unsigned long long)ci.base_pfn);
	put(p, "cma.count", "%llu", (unsigned long long)ci.count);
	pfnlab_machine_destroy(m);
}

/* ---- kernel facts derived from trace and log lines ---- */

/* "ev1,ev2(ret=fail),..." for the cma_* and test_pages_isolated events of @phase */
static void event_order(const struct facts *fs, const char *phase, char *out, size_t len)
{
	size_t n = 0;

	out[0] = 0;
	for (size_t i = 0; i < fs->ntr; i++) {
		const char *t = fs->tr[i].text, *colon = strchr(t, ':');
		int w;

		if (strcmp(fs->tr[i].phase, phase) || !colon)
			continue;
		if (strncmp(t, "cma_", 4) && strncmp(t, "test_pages_isolated", 19))
			continue;
		w = snprintf(out + n, len - n, "%s%.*s%s", n ? " " : "", (int)(colon - t), t,
			     strstr(t, "ret=fail") ? "(fail)" : strstr(t, "ret=success") ? "(success)" : "");
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
}

static const char *first_event(const struct facts *fs, const char *phase, const char *name)
{
	size_t l = strlen(name);

	for (size_t i = 0; i < fs->ntr; i++)
		if (!strcmp(fs->tr[i].phase, phase) && !strncmp(fs->tr[i].text, name, l) && fs->tr[i].text[l] == ':')
			return fs->tr[i].text;
	return NULL;
}

/* Strip "<3>[    1.234567] " from a kernel log line. */
static const char *log_text(const char *s)
{
	if (*s == '<' && strchr(s, '>'))
		s = strchr(s, '>') + 1;
	if (*s == '[' && strchr(s, ']')) {
		s = strchr(s, ']') + 1;
		while (*s == ' ')
			s++;
	}
	return s;
}

static void derive(struct facts *k, struct facts *p)
{
	char buf[1024];
	const char *t, *q;

	for (const char *const *ph = (const char *const[]){"busy", "released", "migrate", "pinned_alloc", NULL}; *ph; ph++) {
		char key[96];

		event_order(k, *ph, buf, sizeof(buf));
		snprintf(key, sizeof(key), "%s.events", *ph);
		put(k, key, "%s", buf);
		event_order(p, *ph, buf, sizeof(buf));
		put(p, key, "%s", buf);
	}
	t = first_event(k, "busy", "test_pages_isolated");
	if (t && (q = strstr(t, "fin_pfn=")))
		put(k, "busy.fin_pfn", "0x%llx", strtoull(q + 8, NULL, 16));
	t = first_event(k, "busy", "test_pages_isolated");
	if (t)
		put(k, "busy.tpi_event", "%s", t);
	t = first_event(p, "busy", "test_pages_isolated");
	if (t)
		put(p, "busy.tpi_event", "%s", t);
	t = first_event(k, "busy", "cma_alloc_finish");
	if (t)
		put(k, "busy.finish_event", "%s", t);
	t = first_event(p, "busy", "cma_alloc_finish");
	if (t)
		put(p, "busy.finish_event", "%s", t);
	/* the error cma_alloc returned inside the kernel: "... ret: -16" or errorno=-16 */
	put(k, "busy.err", "?");
	for (size_t i = 0; i < k->nlg; i++)
		if (!strcmp(k->lg[i].phase, "busy") && strstr(k->lg[i].text, "alloc failed, req-size")) {
			const char *s = log_text(k->lg[i].text);
			long e = (q = strstr(s, "ret: ")) ? strtol(q + 5, NULL, 10) : 0;

			put(k, "busy.log", "%s", s);
			put(k, "busy.err", "%s", e ? pfnlab_strerror((int)e) : "?");
		}
	if (!strcmp(get(k, "busy.err"), "?") && (t = first_event(k, "busy", "cma_alloc_finish")) &&
	    (q = strstr(t, "errorno=")))
		put(k, "busy.err", "%s", pfnlab_strerror((int)strtol(q + 8, NULL, 10)));
	for (const char *const *ph = (const char *const[]){"released", "migrate", "pinned_alloc", NULL}; *ph; ph++) {
		char key[96];
		const char *r;

		snprintf(key, sizeof(key), "%s.cma_alloc.result", *ph);
		r = get(k, key);
		snprintf(key, sizeof(key), "%s.err", *ph);
		if (r)
			put(k, key, "%s", !strcmp(r, "success") ? "0" : "?");
	}
	/* are the frames still busy after the failure exactly the held ones? */
	{
		const char *used = get(k, "busy.cma_in_use_pfns"), *held = get(k, "held.pfns");
		long long nu, nh;

		if (used && held && num(k, "busy.cma_in_use", &nu) && num(k, "held.n", &nh))
			put(k, "busy.culprits_are_held", "%s", nu == nh && !strcmp(used, held) ? "yes" : "no");
		if (num(k, "busy.cma_in_use", &nu))
			put(k, "busy.culprits", "%lld", nu);
	}
}

/* ---- the table ---- */

enum kind {
	K_OUTCOME, /* equal strings */
	K_ZERO,    /* zero / non-zero */
	K_COUNT,   /* zero-ness equal and within 10% */
	K_PFN,     /* within 10% of the area's size */
	K_TEXT61,  /* equal on 6.1 kernels (pfnlab prints v6.1's text); info elsewhere */
	K_INFO,    /* shown, not judged */
};

struct row {
	const char *exp, *id, *label, *kkey, *pkey;
	enum kind kind;
};

static const struct row rows[] = {
	{"borrow", "F.in_cma", "filler F pages in CMA", "filled.F.in_cma", "filled.F.in_cma", K_COUNT},
	{"borrow", "R.in_cma", "R pages in CMA, cma rule 5.7", "borrow.R.in_cma", "borrow.R.in_cma", K_COUNT},
	{"borrow", "R.in_cma.2015", "contrast: R pages in CMA under cma rule 2015", "borrow.R.in_cma", "borrow.R.in_cma.rule2015", K_INFO},
	{"borrow", "R.pfn_min", "lowest PFN of R in CMA", "borrow.R.cma_pfn_min", "borrow.R.cma_pfn_min", K_PFN},
	{"borrow", "placement", "CMA area base PFN (pfnlab's own placement)", "cma.base_pfn", "cma.base_pfn", K_INFO},
	{"pin", "B.before", "B pages in CMA before the pin", "unmapped_F.B.in_cma", "unmapped_F.B.in_cma", K_COUNT},
	{"pin", "B.mlock", "B pages in CMA after mlock (not modelled)", "mlock.B.in_cma", "-", K_INFO},
	{"pin", "mlock.moved", "pages mlock moved (not modelled)", "mlock.moved", "-", K_INFO},
	{"pin", "result", "io_uring_register(BUFFERS) / pfnlab_pin", "pin.result", "pin.result", K_OUTCOME},
	{"pin", "B.after", "B pages in CMA after the pin", "pinned.B.in_cma", "pinned.B.in_cma", K_COUNT},
	{"pin", "moved", "B pages whose PFN the pin changed", "pin.moved", "pin.moved", K_COUNT},
	{"pin", "pgmigrate", "pgmigrate_success during the pin", "pin.pgmigrate_success", "pin.pgmigrate_success", K_COUNT},
	{"pin", "reason", "migrate reason of the pin's migration", "pin.trace.mm_migrate_pages.reason", "pin.trace.mm_migrate_pages.reason", K_OUTCOME},
	{"pin", "data", "B data mismatches after the pin", "pin.B.mismatches", "pin.B.mismatches", K_ZERO},
	{"pin", "alloc", "whole-area cma_alloc with B pinned", "pinned_alloc.cma_alloc.result", "pinned_alloc.cma_alloc.result", K_OUTCOME},
	{"pin", "none.after", "contrast: pin policy none, B in CMA after pin", "pinned.B.in_cma", "pinned.B.in_cma.none", K_INFO},
	{"pin", "none.alloc", "contrast: pin policy none, whole-area cma_alloc", "pinned_alloc.cma_alloc.result", "pinned_alloc.cma_alloc.result.none", K_INFO},
	{"busy", "R.in_cma", "R pages in CMA before", "touched.R.in_cma", "touched.R.in_cma", K_COUNT},
	{"busy", "held", "R pages held by vmsplice (in CMA)", "held.n", "held.n", K_OUTCOME},
	{"busy", "result", "whole-area cma_alloc", "busy.cma_alloc.result", "busy.cma_alloc.result", K_OUTCOME},
	{"busy", "err", "cma_alloc error inside the kernel", "busy.err", "busy.err", K_OUTCOME},
	{"busy", "events", "trace event order", "busy.events", "busy.events", K_OUTCOME},
	{"busy", "fin_pfn", "first busy PFN (test_pages_isolated fin_pfn)", "busy.fin_pfn", "busy.fin_pfn", K_PFN},
	{"busy", "tpi", "test_pages_isolated event", "busy.tpi_event", "busy.tpi_event", K_INFO},
	{"busy", "first", "first culprit", "held.first", "busy.first_culprit", K_INFO},
	{"busy", "culprits", "busy frames left in CMA (culprits)", "busy.culprits", "busy.culprits", K_COUNT},
	{"busy", "owner", "owner of the busy frames (mapping:frames)", "busy.cma_owners_named", "busy.culprits_owner", K_OUTCOME},
	{"busy", "culprits_are_held", "culprits are exactly the held pages", "busy.culprits_are_held", "busy.culprits_are_held", K_OUTCOME},
	{"busy", "migrated", "pages migrated by the failed attempt", "busy.pgmigrate_success", "busy.pgmigrate_success", K_COUNT},
	{"busy", "R.after", "R pages in CMA after the failure", "busy.R.in_cma", "busy.R.in_cma", K_COUNT},
	{"busy", "data", "R data mismatches after the failure", "busy.R.mismatches", "busy.R.mismatches", K_ZERO},
	{"busy", "log", "kernel log line", "busy.log", "busy.log", K_TEXT61},
	{"busy", "finish", "cma_alloc_finish event", "busy.finish_event", "busy.finish_event", K_INFO},
	{"busy", "released", "whole-area cma_alloc after closing the pipe", "released.cma_alloc.result", "released.cma_alloc.result", K_OUTCOME},
	{"busy", "released.migrated", "pages it migrated", "released.pgmigrate_success", "released.pgmigrate_success", K_COUNT},
	{"migrate", "R.in_cma", "R pages in CMA before", "touched.R.in_cma", "touched.R.in_cma", K_COUNT},
	{"migrate", "result", "whole-area cma_alloc", "migrate.cma_alloc.result", "migrate.cma_alloc.result", K_OUTCOME},
	{"migrate", "events", "trace event order", "migrate.events", "migrate.events", K_OUTCOME},
	{"migrate", "migrated", "pages it migrated (pgmigrate_success)", "migrate.pgmigrate_success", "migrate.pgmigrate_success", K_COUNT},
	{"migrate", "moved", "R pages whose PFN changed", "migrate.R.moved", "migrate.R.moved", K_COUNT},
	{"migrate", "R.after", "R pages in CMA after", "migrate.R.in_cma", "migrate.R.in_cma", K_COUNT},
	{"migrate", "data", "R data mismatches", "migrate.R.mismatches", "migrate.R.mismatches", K_ZERO},
};

static const char *const experiments[] = {"borrow", "pin", "busy", "migrate"};

struct known {
	char kernel[64], id[64], why[256];
	bool seen, agreed;
};

static struct known known[64];
static size_t nknown;

static void load_known(const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[512];

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp) && nknown < sizeof(known) / sizeof(known[0])) {
		struct known *k = &known[nknown];
		int off = 0;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%63s %63s %n", k->kernel, k->id, &off) < 2)
			continue;
		snprintf(k->why, sizeof(k->why), "%s", line + off);
		nknown++;
	}
	fclose(fp);
}

static struct known *find_known(const char *kernel, const char *id)
{
	for (size_t i = 0; i < nknown; i++)
		if (!fnmatch(known[i].kernel, kernel, 0) && !strcmp(known[i].id, id))
			return &known[i];
	return NULL;
}

struct out {
	FILE *fp[2];
};

static void emit(struct out *o, const char *fmt, ...)
{
	for (int i = 0; i < 2; i++) {
		va_list ap;

		if (!o->fp[i])
			continue;
		va_start(ap, fmt);
		vfprintf(o->fp[i], fmt, ap);
		va_end(ap);
	}
}

static bool within(long long k, long long p, long long tol)
{
	long long d = k > p ? k - p : p - k;

	return d <= tol;
}

/* "agree", "DISAGREE", "info", "missing" */
static const char *judge(const struct row *r, const char *kv, const char *pv, const char *kernel,
			 long long area, long long base, char *detail, size_t dlen)
{
	long long k, p;
	char *e1, *e2;

	detail[0] = 0;
	if (r->kind == K_INFO)
		return "info";
	if (r->kind == K_TEXT61 && strncmp(kernel, "6.1.", 4))
		return "info";
	if (!kv || !pv || !*kv || !*pv)
		return "missing";
	switch (r->kind) {
	case K_OUTCOME:
	case K_TEXT61:
		return strcmp(kv, pv) ? "DISAGREE" : "agree";
	case K_ZERO:
	case K_COUNT:
	case K_PFN:
		k = strtoll(kv, &e1, 0);
		p = strtoll(pv, &e2, 0);
		if (*e1 || *e2)
			return "DISAGREE";
		if (r->kind == K_ZERO)
			return (k == 0) == (p == 0) ? "agree" : "DISAGREE";
		if (r->kind == K_PFN) {
			snprintf(detail, dlen, "offset %lld vs %lld of %lld", k - base, p - base, area);
			return within(k, p, area / 10) ? "agree" : "DISAGREE";
		}
		if (k) {
			snprintf(detail, dlen, "%+.1f%%", 100.0 * (double)(p - k) / (double)k);
		}
		if ((k == 0) != (p == 0))
			return "DISAGREE";
		return within(k, p, k / 10) ? "agree" : "DISAGREE";
	default:
		return "info";
	}
}

static const char *rule_name(enum kind k)
{
	switch (k) {
	case K_OUTCOME:
		return "exact";
	case K_ZERO:
		return "0/non-0";
	case K_COUNT:
		return "10%";
	case K_PFN:
		return "10% area";
	case K_TEXT61:
		return "exact 6.1";
	default:
		return "-";
	}
}

struct tally {
	int agree, disagree, known, missing, fixed;
};

/* One kernel's run directory: load, predict, print its table. */
static int do_run(const char *dir, struct out *o, struct tally *t, bool verbose)
{
	struct facts k[4] = {{0}}, p[4] = {{0}};
	int (*model[4])(const struct facts *, struct facts *) = {model_borrow, model_pin, model_busy, model_migrate};
	const char *kernel = NULL, *area_name = "?";
	bool ran[4] = {false};
	long long area = 0, base = 0, ram = 0, cmamib = 0, fm = 0, rm = 0, bm = 0, n = 0;
	int bad = 0;

	for (int e = 0; e < 4; e++) {
		char path[4096];
		int err;

		snprintf(path, sizeof(path), "%s/%s.txt", dir, experiments[e]);
		err = facts_load(&k[e], path);
		if (err == -ENOENT && opt_partial)
			continue;
		if (err) {
			fprintf(stderr, "predict: %s: %s\n", path, strerror(-err));
			bad = 1;
			continue;
		}
		if (!get(&k[e], "end") || strcmp(get(&k[e], "end"), "ok")) {
			fprintf(stderr, "predict: %s: incomplete run (no \"RESULT end ok\"%s%s)\n", path,
				get(&k[e], "error") ? "; guest error: " : "",
				get(&k[e], "error") ? get(&k[e], "error") : "");
			bad = 1;
			continue;
		}
		if (model[e](&k[e], &p[e])) {
			fprintf(stderr, "predict: %s: the model run failed\n", path);
			bad = 1;
			continue;
		}
		if (e == 0)
			model_placement(&k[e], &p[e]);
		derive(&k[e], &p[e]);
		ran[e] = true;
		if (!kernel)
			kernel = get(&k[e], "kernel.release");
	}
	if (bad || !kernel) {
		for (int e = 0; e < 4; e++) {
			facts_free(&k[e]);
			facts_free(&p[e]);
		}
		t->missing++;
		return 2;
	}
	for (int e = 3; e >= 0; e--) {
		if (!ran[e])
			continue;
		num(&k[e], "cma.count", &area);
		num(&k[e], "cma.base_pfn", &base);
		num(&k[e], "host.ram_mib", &ram);
		num(&k[e], "host.cma_mib", &cmamib);
		num(&k[e], "param.f_mib", &fm);
		num(&k[e], "param.r_mib", &rm);
		num(&k[e], "param.b_mib", &bm);
		num(&k[e], "param.n", &n);
		if (get(&k[e], "cma.name"))
			area_name = get(&k[e], "cma.name");
	}
	emit(o, "\nkernel %s: guest %lld MiB, cma=%lldM (area %s, %lld pages at PFN 0x%llx), F=%lld MiB, R=%lld MiB, B=%lld MiB, N=%lld held pages\n",
	     kernel, ram, cmamib, area_name, area, base, fm, rm, bm, n);
	{
		const char *cal = NULL;

		for (int e = 0; e < 4 && !cal; e++)
			cal = get(&p[e], "calibration.pages");
		emit(o, "pfnlab: x86_64 preset, era current (v6.1), cma rule 5.7, pin policy migrate-movable, pcp %s, THP off;"
			" free pages at start set to the guest's (%s pages taken as kernel memory)\n",
		     opt_pcp ? "on" : "off", cal ? cal : "?");
	}
	emit(o, "%-8s %-50s %-26s %-26s %-9s %s\n", "exp", "quantity", "kernel", "pfnlab", "rule", "verdict");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		int e = 0;
		const char *kv, *pv, *v;
		char detail[96], id[96], kcell[512], pcell[512];
		struct known *kn;

		while (strcmp(experiments[e], r->exp))
			e++;
		if (!ran[e])
			continue;
		kv = get(&k[e], r->kkey);
		pv = strcmp(r->pkey, "-") ? get(&p[e], r->pkey) : NULL;
		v = judge(r, kv, pv, kernel, area, base, detail, sizeof(detail));
		snprintf(id, sizeof(id), "%s.%s", r->exp, r->id);
		kn = find_known(kernel, id);
		if (kn)
			kn->seen = true;
		if (!strcmp(v, "agree")) {
			t->agree++;
			if (kn) {
				kn->agreed = true;
				t->fixed++;
				v = "agree (listed as known: delete it)";
			}
		} else if (!strcmp(v, "DISAGREE")) {
			if (kn) {
				t->known++;
				v = "known disagreement";
			} else {
				t->disagree++;
			}
		} else if (!strcmp(v, "missing")) {
			t->missing++;
		}
		snprintf(kcell, sizeof(kcell), "%s", kv ? kv : "-");
		snprintf(pcell, sizeof(pcell), "%s", pv ? pv : (strcmp(r->pkey, "-") ? "-" : "n/m"));
		if (strlen(kcell) > 26 || strlen(pcell) > 26) {
			emit(o, "%-8s %-50s %-26s %-26s %-9s %s\n", r->exp, r->label, "(below)", "(below)",
			     rule_name(r->kind), v);
			emit(o, "         kernel: %s\n         pfnlab: %s\n", kcell, pcell);
		} else {
			emit(o, "%-8s %-50s %-26s %-26s %-9s %s%s%s%s\n", r->exp, r->label, kcell, pcell,
			     rule_name(r->kind), v, detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
		}
		if (kn && strcmp(v, "info") && !kn->agreed)
			emit(o, "         known: %s\n", kn->why);
	}
	if (verbose) {
		for (int e = 0; e < 4; e++)
			for (size_t i = 0; i < p[e].n; i++)
				fprintf(stderr, "pfnlab %s %s %s\n", experiments[e], p[e].f[i].key, p[e].f[i].val);
	}
	for (int e = 0; e < 4; e++) {
		facts_free(&k[e]);
		facts_free(&p[e]);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: predict [-v] [--partial] [--known FILE] [--out FILE] [--pcp on|off] RUN_DIR...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *outpath = NULL;
	struct out o = {{stdout, NULL}};
	struct tally t = {0};
	bool verbose = false;
	int ndirs = 0, rc = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = opt_verbose = true;
		else if (!strcmp(argv[i], "--known") && i + 1 < argc)
			load_known(argv[++i]);
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			outpath = argv[++i];
		else if (!strcmp(argv[i], "--pcp") && i + 1 < argc)
			opt_pcp = !strcmp(argv[++i], "on");
		else if (!strcmp(argv[i], "--partial"))
			opt_partial = true;
		else if (argv[i][0] == '-')
			usage();
		else
			argv[++ndirs] = argv[i]; /* the run directories, in order, from argv[1] */
	}
	if (!ndirs)
		usage();
	if (outpath && !(o.fp[1] = fopen(outpath, "w"))) {
		fprintf(stderr, "predict: %s: %s\n", outpath, strerror(errno));
		return 2;
	}
	emit(&o, "pfnlab oracle: real kernels against pfnlab %s (outcomes exact, counts within 10%%)\n", PFNLAB_VERSION);
	for (int i = 1; i <= ndirs; i++)
		if (do_run(argv[i], &o, &t, verbose))
			rc = 2;
	emit(&o, "\nsummary: %d agree, %d disagree, %d known disagreements, %d missing\n", t.agree, t.disagree,
	     t.known, t.missing);
	for (size_t i = 0; i < nknown; i++)
		if (known[i].agreed)
			emit(&o, "note: %s %s is listed in the known disagreements but now agrees; delete that line\n",
			     known[i].kernel, known[i].id);
	if (o.fp[1])
		fclose(o.fp[1]);
	if (rc)
		return rc;
	return t.disagree || t.missing ? 1 : 0;
}
