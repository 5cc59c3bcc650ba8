/*
 * actors.c - the verbs that drive the actors of src/work: the host
 * kernel's background, QEMU guests one by one or from a generator, and
 * their VFIO devices.
 *
 *   kernel           background levels (background.c)
 *   guest            start one guest, optionally with a VFIO device
 *   guests           a generator of guests (events.c runs it)
 *   touch            guests fault their RAM in, taking turns
 *   hotplug, unplug  a VFIO device: type1 maps all RAM, spapr registers it
 *   stop             a guest, or all, shut down
 *   files, sync      a file read, partly written and mapped: real page
 *                    cache (files.c); fsync()
 *   vfio_map, vfio_unmap, spapr_register, spapr_unregister
 *                    the ioctls themselves
 *
 * A call the kernel fails for lack of memory is an outcome (*res, counted,
 * the run goes on); one it refuses as invalid ends the run unless the line
 * says want=ERRNO (expect.c).
 */
#include <stdlib.h>
#include <string.h>

#include "scn.h"

/*
 * The running guest the statement names; NULL with *@err 0 when the OOM
 * killer killed it (the statement is skipped), NULL with -EINVAL when
 * there is no such guest.
 */
struct guest *arg_guest(struct exec *e, int *err)
{
	bool bad = false;
	const char *n = arg_word(e, 0, &bad);
	struct guest *g;

	if (bad) {
		*err = -EINVAL;
		return NULL;
	}
	g = host_guest(&e->h, n);
	if (!g && guest_killed(&e->h, n)) { /* the OOM killer killed it: the line is skipped, as told */
		char t[32], line[160];

		snprintf(line, sizeof(line), "%s %s: skipped: the OOM killer killed it at %s", e->cur->verb->name, n,
			 time_str(guest_killed(&e->h, n)->when_ns, t, sizeof(t)));
		story_event(e, line, strlen(line));
		*err = 0;
	} else if (!g) {
		*err = RUN_ERR(e, "%s: no running guest called '%s'", e->cur->verb->name, n);
	}
	return g;
}

/* Key @k, N%, in millionths (0 when absent). */
static int arg_ppm(struct exec *e, const char *k, uint64_t *ppm)
{
	bool bad = false;
	const char *v = arg_key(e, k, &bad);
	char m[400];

	*ppm = 0;
	if (bad)
		return -EINVAL;
	if (v && val_pct(v, ppm, m, sizeof(m)))
		return RUN_ERR(e, "%s: %s", k, m);
	return 0;
}

static int run_kernel(struct exec *e, int *res)
{
	static const char *const keys[BG_CLASSES] = {"unmovable", "reclaimable", "pagecache"};
	uint64_t life = 0, mo, dirty;
	bool exp = false, bad = false;
	const char *lv = arg_key(e, "lifetime", &bad);
	int as;
	char m[400];

	if (bad || arg_uint(e, "max_order", 3, &mo) || arg_enum(e, "pagecache_as", "file|anon", -1, &as) ||
	    arg_ppm(e, "pagecache_dirty", &dirty))
		return -EINVAL;
	if ((as >= 0 || arg_key(e, "pagecache_dirty", &bad)) && bg_pagecache_as(&e->h, as == 1, dirty))
		return -ENOMEM;
	if (mo > pfnlab_machine_config(e->m)->max_order)
		return RUN_ERR(e, "kernel max_order: %llu is above the largest order %u", (unsigned long long)mo,
			       pfnlab_machine_config(e->m)->max_order);
	if (lv && strcmp(lv, "forever")) {
		exp = !strncmp(lv, "exp:", 4);
		if (val_time(exp ? lv + 4 : lv, &life, m, sizeof(m)))
			return RUN_ERR(e, "kernel lifetime: %s", m);
	}
	for (int c = 0; c < BG_CLASSES; c++) {
		uint64_t bytes;

		if (!arg_key(e, keys[c], &bad))
			continue;
		if (arg_size(e, keys[c], e->cfg.ram_bytes, 0, &bytes))
			return -EINVAL;
		if (bg_set(&e->h, (enum bg_class)c, bytes >> e->h.page_shift, life, exp, (unsigned)mo))
			return -ENOMEM;
	}
	return 0;
}

static int run_guest(struct exec *e, int *res)
{
	struct guest_opts go = {0};
	bool bad = false;
	const char *name = arg_word(e, 0, &bad);
	int vfio, backend;
	struct guest *g;
	char m[400] = "";

	if (bad || arg_size(e, "ram", e->cfg.ram_bytes, 0, &go.ram) || arg_bool(e, "thp", false, &go.thp) ||
	    arg_hpt(e, &go.hpt_order) || arg_enum(e, "vfio", "none|type1|spapr", 0, &vfio) ||
	    arg_memlock(e, "memlock", &go.memlock) || arg_bool(e, "pin_aware", vfio > 0, &go.pin_aware) ||
	    arg_enum(e, "backend", GUEST_BACKEND_NAMES, GUEST_BACKEND_ANON, &backend) ||
	    arg_bool(e, "vhost_user", false, &go.vhost_user) || arg_adj(e, "oom_score_adj", &go.oom_score_adj))
		return -EINVAL;
	go.backend = (enum guest_backend)backend;
	if (!arg_key(e, "ram", &bad))
		return RUN_ERR(e, "guest: ram= is required (usage: %s)", e->cur->verb->usage);
	if (!go.ram || (go.ram & (e->h.page_size - 1)))
		return RUN_ERR(e, "guest %s: ram %llu bytes is not a positive multiple of the page size", name,
			       (unsigned long long)go.ram);
	if (host_guest(&e->h, name))
		return RUN_ERR(e, "guest: a guest called '%s' is running already", name);
	if (go.backend != GUEST_BACKEND_ANON && go.thp)
		return RUN_ERR(e, "guest %s: thp=on needs backend=anon (a memfd or hugetlbfs file has no transparent huge pages)", name);
	if ((go.vhost_user || arg_key(e, "vhost_fault", &bad)) && go.backend == GUEST_BACKEND_ANON)
		return RUN_ERR(e, "guest %s: vhost_user needs backend=memfd|hugetlbfs (the backend maps the file QEMU passes it)", name);
	if (go.backend == GUEST_BACKEND_HUGETLBFS && go.ram < host_hugepage_bytes(&e->h)) /* QEMU's file_ram_alloc() */
		return RUN_ERR(e, "guest %s: backend=hugetlbfs: memory size %#llx must be equal to or larger than page size %#llx",
			       name, (unsigned long long)go.ram, (unsigned long long)host_hugepage_bytes(&e->h));
	if (arg_key(e, "vhost_fault", &bad) && !go.vhost_user)
		return RUN_ERR(e, "guest %s: vhost_fault= needs vhost_user=yes", name);
	if (arg_amount(e, "fault", go.ram, vfio ? 0 : go.ram, &go.fault) ||
	    arg_amount(e, "vhost_fault", go.ram, 0, &go.vhost_fault))
		return -EINVAL;
	*res = guest_start(&e->h, name, &go, &g);
	if (*res == -EINVAL)
		return RUN_ERR(e, "guest %s: HPT order out of range", name);
	if (g && vfio && !*res) {
		*res = vfio_hotplug(&e->h, g, vfio == 2, m, sizeof(m));
		if (*res && *res != -ENOMEM)
			return RUN_ERR(e, "guest %s: vfio: %s: %s", name, m, val_errno_name(*res));
	}
	return 0;
}

/* Guests take turns touching @step at a time until each touched its @want. */
static void touch_turns(struct exec *e, struct guest **list, uint64_t *want, unsigned n, uint64_t step, int *res)
{
	unsigned i;

	if (!step)
		step = UINT64_MAX;
	step = step == UINT64_MAX ? step : (step + e->h.page_size - 1) & ~(e->h.page_size - 1);
	for (bool more = true; more;) {
		more = false;
		for (i = 0; i < n; i++) {
			uint64_t chunk = want[i] < step ? want[i] : step, done = 0;

			if (!want[i] || list[i]->touched >= list[i]->ram)
				continue;
			*res = guest_touch(&e->h, list[i], chunk, &done);
			if (*res == -EINTR) { /* the OOM killer killed it: the others go on */
				want[i] = 0;
				*res = 0;
				continue;
			}
			if (*res)
				return;
			want[i] -= chunk;
			more |= want[i] && list[i]->touched < list[i]->ram;
		}
	}
}

static int run_touch(struct exec *e, int *res)
{
	bool bad = false;
	const char *who = arg_word(e, 0, &bad);
	struct guest *one = NULL;
	uint64_t step, *want;
	unsigned n, i;
	struct guest **list;
	int err = 0;

	if (bad || arg_size(e, "step", 0, 0, &step))
		return -EINVAL;
	if (strcmp(who, "all")) {
		one = host_guest(&e->h, who);
		if (!one)
			return RUN_ERR(e, "touch: no running guest called '%s'", who);
	}
	n = one ? 1 : e->h.nr_guests;
	want = malloc((n + 1) * sizeof(*want));
	list = malloc((n + 1) * sizeof(*list));
	if (!want || !list) {
		free(want);
		free(list);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		list[i] = one ? one : e->h.guests[i];
	qsort(list, n, sizeof(*list), guest_by_start); /* in the order they started */
	for (i = 0; i < n && !err; i++)
		if (arg_amount(e, "size", list[i]->ram, list[i]->ram, &want[i]))
			err = -EINVAL;
	if (!err)
		touch_turns(e, list, want, n, step, res);
	free(want);
	free(list);
	return err;
}

/* The reason a VFIO call on @g failed with @res, for the run's error or want= (expect.c). */
static int vfio_said(struct exec *e, const struct guest *g, int res, const char *m)
{
	if (res && m[0])
		snprintf(e->msg, sizeof(e->msg), "%s %s: %s: %s", e->cur->verb->name, g->name, m, val_errno_name(res));
	else if (res)
		snprintf(e->msg, sizeof(e->msg), "%s %s: %s", e->cur->verb->name, g->name, val_errno_name(res));
	return 0;
}

static int run_hotplug(struct exec *e, int *res)
{
	int err = 0, type;
	struct guest *g = arg_guest(e, &err);
	char m[400] = "";

	if (!g)
		return err;
	if (arg_enum(e, "type", "type1|spapr", strcmp(e->cfg.preset, "ppc64") == 0, &type))
		return -EINVAL;
	*res = vfio_hotplug(&e->h, g, type == 1, m, sizeof(m));
	return vfio_said(e, g, *res, m);
}

static int run_unplug(struct exec *e, int *res)
{
	int err = 0;
	struct guest *g = arg_guest(e, &err);
	char m[400] = "";

	if (!g)
		return err;
	if (!(g->has_type1 && g->type1.nr) && !g->nr_spapr) {
		*res = -ENOENT;
		snprintf(m, sizeof(m), "guest %s has no VFIO device", g->name);
	} else {
		vfio_unplug(&e->h, g);
	}
	return vfio_said(e, g, *res, m);
}

/* vfio_map and vfio_unmap: iova= and size=, both required. */
static int iova_size(struct exec *e, uint64_t *iova, uint64_t *size)
{
	if (!arg_key(e, "iova", (bool[]){0}) || !arg_key(e, "size", (bool[]){0}))
		return RUN_ERR(e, "%s: iova= and size= are required (usage: %s)", e->cur->verb->name, e->cur->verb->usage);
	return arg_addr(e, "iova", 0, iova) || arg_size(e, "size", 0, 0, size) ? -EINVAL : 0;
}

static int run_vfio_map(struct exec *e, int *res)
{
	int err = 0, fl;
	struct guest *g = arg_guest(e, &err);
	uint64_t iova, size, vaddr;
	char m[400] = "";

	if (!g)
		return err;
	if (iova_size(e, &iova, &size) || arg_enum(e, "flags", "rw|r|w|none", 0, &fl) ||
	    arg_addr(e, "vaddr", GUEST_RAM_HVA + iova, &vaddr))
		return -EINVAL;
	*res = vfio_map_dma(&e->h, g, iova, vaddr, size,
			    (unsigned[]){VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, VFIO_DMA_MAP_FLAG_READ,
					 VFIO_DMA_MAP_FLAG_WRITE, 0}[fl], m, sizeof(m));
	return vfio_said(e, g, *res, m);
}

static int run_vfio_unmap(struct exec *e, int *res)
{
	int err = 0;
	struct guest *g = arg_guest(e, &err);
	uint64_t iova, size, unmapped;
	char m[400] = "";

	if (!g)
		return err;
	if (iova_size(e, &iova, &size))
		return -EINVAL;
	*res = vfio_unmap_dma(&e->h, g, iova, size, &unmapped, m, sizeof(m));
	return vfio_said(e, g, *res, m);
}

/* spapr_register and spapr_unregister: [vaddr, vaddr + size) of the guest's RAM, all of it by default. */
static int run_spapr(struct exec *e, int *res, bool reg)
{
	int err = 0;
	struct guest *g = arg_guest(e, &err);
	uint64_t size, vaddr;
	char m[400] = "";

	if (!g)
		return err;
	if (arg_addr(e, "vaddr", GUEST_RAM_HVA, &vaddr) || arg_size(e, "size", 0, g->ram, &size))
		return -EINVAL;
	*res = reg ? spapr_register(&e->h, g, vaddr, size, m, sizeof(m))
		   : spapr_unregister(&e->h, g, vaddr, size, m, sizeof(m));
	return vfio_said(e, g, *res, m);
}

static int run_spapr_register(struct exec *e, int *res)
{
	return run_spapr(e, res, true);
}

static int run_spapr_unregister(struct exec *e, int *res)
{
	return run_spapr(e, res, false);
}

static int run_stop(struct exec *e, int *res)
{
	bool bad = false;
	const char *n = arg_word(e, 0, &bad);
	int err = 0;
	struct guest *g;

	if (bad)
		return -EINVAL;
	if (!strcmp(n, "all")) {
		while (e->h.nr_guests)
			guest_stop(&e->h, e->h.guests[0]);
		return 0;
	}
	g = arg_guest(e, &err);
	if (!g)
		return err;
	guest_stop(&e->h, g);
	return 0;
}

static int run_files(struct exec *e, int *res)
{
	struct file_opts fo = {0};
	bool bad = false;
	const char *name = arg_word(e, 0, &bad);
	int fs;
	char m[400] = "";

	if (bad || arg_size(e, "read", e->cfg.ram_bytes, 0, &fo.bytes) || arg_ppm(e, "dirty", &fo.dirty_ppm) ||
	    arg_ppm(e, "mapped", &fo.mapped_ppm) || arg_enum(e, "fs", "ext4|ext2|vfat", PFNLAB_FS_EXT4, &fs))
		return -EINVAL;
	fo.fs = (enum pfnlab_fs)fs;
	if (!arg_key(e, "read", &bad))
		return RUN_ERR(e, "files: read= is required (usage: %s)", e->cur->verb->usage);
	*res = host_file_add(&e->h, name, &fo, m, sizeof(m));
	if (*res && *res != -ENOMEM)
		return RUN_ERR(e, "files %s: %s", name, m[0] ? m : val_errno_name(*res));
	return 0;
}

static int run_mount(struct exec *e, int *res)
{
	bool bad = false;
	const char *name = arg_word(e, 0, &bad);
	uint64_t bytes = 0;
	int fs;
	char m[400] = "";

	if (bad || arg_size(e, "size", 0, 0, &bytes) || arg_enum(e, "fs", "ext2|ext4", PFNLAB_FS_EXT2, &fs))
		return -EINVAL;
	if (!arg_key(e, "size", &bad))
		return RUN_ERR(e, "mount: size= is required (usage: %s)", e->cur->verb->usage);
	*res = host_mount(&e->h, name, fs ? PFNLAB_FS_EXT4 : PFNLAB_FS_EXT2, bytes, m, sizeof(m));
	if (*res && *res != -ENOMEM)
		return RUN_ERR(e, "mount %s: %s", name, m[0] ? m : val_errno_name(*res));
	return 0;
}

static int run_umount(struct exec *e, int *res)
{
	bool bad = false;
	const char *name = arg_word(e, 0, &bad);
	char m[400] = "";

	if (bad)
		return -EINVAL;
	if (host_umount(&e->h, name, m, sizeof(m)))
		return RUN_ERR(e, "umount %s: %s", name, m);
	return 0;
}

static int run_sync(struct exec *e, int *res)
{
	bool bad = false;
	const char *name = e->cur->npos ? arg_word(e, 0, &bad) : NULL;

	if (bad)
		return -EINVAL;
	if (host_file_sync(&e->h, name))
		return RUN_ERR(e, "sync: no file called '%s' (files NAME ...)", name);
	return 0;
}

static int run_guests(struct exec *e, int *res)
{
	struct gen *g, *n;
	bool have, bad = false;
	uint64_t count, start;
	const char *prefix = arg_key(e, "name", &bad);
	int type, pa, backend;

	if (bad)
		return -EINVAL;
	n = realloc(e->gens, (e->nr_gens + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	e->gens = n;
	g = &e->gens[e->nr_gens];
	memset(g, 0, sizeof(*g));
	g->line = e->cur->line;
	if (arg_uint(e, "count", 1, &count) || arg_time(e, "start", 0, &start) ||
	    arg_dist(e, "every", true, &g->every, &have) || arg_dist(e, "lifetime", true, &g->lifetime, &have) ||
	    arg_dist(e, "ram", false, &g->ram, &have) || arg_dist(e, "vfio_after", true, &g->vfio_after, &g->has_after) ||
	    arg_enum(e, "vfio_type", "type1|spapr", strcmp(e->cfg.preset, "ppc64") == 0, &type) ||
	    arg_bool(e, "thp", false, &g->thp) || arg_enum(e, "pin_aware", "vfio|all|none", 0, &pa) ||
	    arg_memlock(e, "memlock", &g->memlock) || arg_hpt(e, &g->hpt) ||
	    arg_enum(e, "backend", GUEST_BACKEND_NAMES, GUEST_BACKEND_ANON, &backend) ||
	    arg_bool(e, "vhost_user", false, &g->vhost_user))
		return -EINVAL;
	g->backend = (enum guest_backend)backend;
	if (g->backend != GUEST_BACKEND_ANON && g->thp)
		return RUN_ERR(e, "guests: thp=on needs backend=anon (a memfd or hugetlbfs file has no transparent huge pages)");
	if (g->vhost_user && g->backend == GUEST_BACKEND_ANON)
		return RUN_ERR(e, "guests: vhost_user needs backend=memfd|hugetlbfs (the backend maps the file QEMU passes it)");
	if (!have)
		return RUN_ERR(e, "guests: ram= is required (usage: %s)", e->cur->verb->usage);
	if (!arg_key(e, "every", &bad))
		g->every = (struct dist){D_CONST, 1, {3600000000000ull}};
	if (!arg_key(e, "lifetime", &bad))
		g->lifetime = (struct dist){D_CONST, 1, {86400000000000ull}};
	if (arg_key(e, "vfio", &bad)) {
		char m[400];

		if (val_pct(arg_key(e, "vfio", &bad), &g->vfio_ppm, m, sizeof(m)))
			return RUN_ERR(e, "guests vfio: %s", m);
	}
	if (!count || count > 1000000)
		return RUN_ERR(e, "guests count: 1..1000000");
	g->left = (unsigned)count;
	g->spapr = type == 1;
	g->pin_aware = pa;
	g->fault = arg_key(e, "fault", &bad);
	for (int i = 0; i < e->cur->nkv; i++)
		if (!strcmp(e->cur->kv[i].key, "fault"))
			g->fault = e->cur->kv[i].val; /* lives as long as the program */
	snprintf(g->prefix, sizeof(g->prefix), "%.23s", prefix ? prefix : "vm");
	g->rng = e->seed * 0x2545f4914f6cdd1dull + (uint64_t)e->cur->line * 0x9e3779b97f4a7c15ull;
	e->nr_gens++;
	return ev_push(e, pfnlab_now(e->m) + start, EV_ARRIVE, e->nr_gens - 1, NULL) ? -ENOMEM : 0;
}

const struct verb actor_verbs[] = {
	{"kernel", 0, 0, 0,
	 "kernel [unmovable=SIZE|N%] [reclaimable=SIZE|N%] [pagecache=SIZE|N%] [pagecache_as=file|anon] [pagecache_dirty=N%] [lifetime=TIME|exp:TIME|forever] [max_order=N]",
	 0,
	 (const struct keyspec[]){{"unmovable", T_SIZEPCT, 0}, {"reclaimable", T_SIZEPCT, 0}, {"pagecache", T_SIZEPCT, 0},
				  {"pagecache_as", T_ENUM, "file|anon"}, {"pagecache_dirty", T_PCT, 0},
				  {"lifetime", T_LIFETIME, 0}, {"max_order", T_UINT, 0}, {0}},
	 NULL, NULL, run_kernel},
	{"guest", F_WANT, 1, 1,
	 "guest NAME ram=SIZE|N% [fault=all|none|SIZE|N%] [thp=on] [hpt=auto|off|ORDER] [vfio=none|type1|spapr] [memlock=SIZE|unlimited] [pin_aware=yes] [backend=" GUEST_BACKEND_NAMES "] [vhost_user=yes] [vhost_fault=SIZE|N%|all] [oom_score_adj=N]",
	 O_NOMEM,
	 (const struct keyspec[]){{"ram", T_SIZEPCT, 0}, {"thp", T_BOOL, 0}, {"fault", T_AMOUNT, 0}, {"hpt", T_HPT, 0},
				  {"vfio", T_ENUM, "none|type1|spapr"}, {"memlock", T_MEMLOCK, 0}, {"pin_aware", T_BOOL, 0},
				  {"backend", T_ENUM, GUEST_BACKEND_NAMES}, {"vhost_user", T_BOOL, 0}, {"vhost_fault", T_AMOUNT, 0},
				  {"oom_score_adj", T_ADJ, 0}, {0}},
	 NULL, NULL, run_guest},
	{"guests", 0, 0, 0,
	 "guests count=N every=DIST ram=DIST lifetime=DIST [vfio=N%] [vfio_type=type1|spapr] [vfio_after=DIST] [name=PREFIX] [start=TIME] ...",
	 0,
	 (const struct keyspec[]){{"count", T_UINT, 0}, {"name", T_NAME, 0}, {"every", T_DTIME, 0}, {"ram", T_DSIZE, 0},
				  {"lifetime", T_DTIME, 0}, {"vfio", T_PCT, 0}, {"vfio_type", T_ENUM, "type1|spapr"},
				  {"vfio_after", T_DTIME, 0}, {"thp", T_BOOL, 0}, {"fault", T_AMOUNT, 0}, {"start", T_TIME, 0},
				  {"pin_aware", T_ENUM, "vfio|all|none"}, {"memlock", T_MEMLOCK, 0}, {"hpt", T_HPT, 0},
				  {"backend", T_ENUM, GUEST_BACKEND_NAMES}, {"vhost_user", T_BOOL, 0}, {0}},
	 NULL, NULL, run_guests},
	{"touch", F_WANT, 1, 1, "touch NAME|all [size=SIZE|N%|all] [step=SIZE]", O_NOMEM,
	 (const struct keyspec[]){{"size", T_AMOUNT, 0}, {"step", T_SIZE, 0}, {0}}, NULL, NULL, run_touch},
	{"hotplug", F_WANT, 1, 1, "hotplug NAME [type=type1|spapr]", O_NOMEM,
	 (const struct keyspec[]){{"type", T_ENUM, "type1|spapr"}, {0}}, NULL, NULL, run_hotplug},
	{"unplug", F_WANT, 1, 1, "unplug NAME", 0, NULL, NULL, NULL, run_unplug},
	{"stop", F_WANT, 1, 1, "stop NAME|all", 0, NULL, NULL, NULL, run_stop},
	{"files", F_WANT, 1, 1, "files NAME read=SIZE|N% [dirty=N%] [mapped=N%] [fs=ext4|ext2|vfat]", O_NOMEM,
	 (const struct keyspec[]){{"read", T_SIZEPCT, 0}, {"dirty", T_PCT, 0}, {"mapped", T_PCT, 0},
				  {"fs", T_ENUM, "ext4|ext2|vfat"}, {0}},
	 NULL, NULL, run_files},
	{"sync", 0, 0, 1, "sync [NAME]", 0, NULL, NULL, NULL, run_sync},
	{"mount", F_WANT, 1, 1, "mount NAME size=SIZE [fs=ext2|ext4]", O_NOMEM,
	 (const struct keyspec[]){{"size", T_SIZE, 0}, {"fs", T_ENUM, "ext2|ext4"}, {0}}, NULL, NULL, run_mount},
	{"umount", 0, 1, 1, "umount NAME", 0, NULL, NULL, NULL, run_umount},
	{"vfio_map", F_WANT, 1, 1, "vfio_map NAME iova=ADDR size=SIZE [vaddr=ADDR] [flags=rw|r|w|none]", O_NOMEM,
	 (const struct keyspec[]){{"iova", T_ADDR, 0}, {"size", T_SIZE, 0}, {"vaddr", T_ADDR, 0},
				  {"flags", T_ENUM, "rw|r|w|none"}, {0}},
	 NULL, NULL, run_vfio_map},
	{"vfio_unmap", F_WANT, 1, 1, "vfio_unmap NAME iova=ADDR size=SIZE", 0,
	 (const struct keyspec[]){{"iova", T_ADDR, 0}, {"size", T_SIZE, 0}, {0}}, NULL, NULL, run_vfio_unmap},
	{"spapr_register", F_WANT, 1, 1, "spapr_register NAME [vaddr=ADDR] [size=SIZE]", O_NOMEM,
	 (const struct keyspec[]){{"vaddr", T_ADDR, 0}, {"size", T_SIZE, 0}, {0}}, NULL, NULL, run_spapr_register},
	{"spapr_unregister", F_WANT, 1, 1, "spapr_unregister NAME [vaddr=ADDR] [size=SIZE]", 0,
	 (const struct keyspec[]){{"vaddr", T_ADDR, 0}, {"size", T_SIZE, 0}, {0}}, NULL, NULL, run_spapr_unregister},
	{0},
};
