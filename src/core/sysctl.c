/*
 * sysctl.c - the vm sysctls the model keeps (/proc/sys/vm).
 *
 * Models the vm_table entries of kernel/sysctl.c and mm/ (6.1 and v4.2)
 * for the knobs the model acts on: their ranges (proc_dointvec_minmax
 * limits), what writing them does (watermarks recomputed for
 * min_free_kbytes and watermark_scale_factor, the flusher rescheduled for
 * dirty_writeback_centisecs, drop_caches run at once), and which exist in
 * which era: v4.2 has no watermark_scale_factor (v4.6) or
 * watermark_boost_factor (v5.0).  dirty_bytes and dirty_ratio exclude
 * each other as in the kernel (writing one zeroes the other).
 * Compaction's knobs (compaction_sysctl_set()) and hugetlb's
 * (hugetlb_sysctl_set(): nr_hugepages, nr_overcommit_hugepages) are found
 * through the same two entry points.
 */
#include <string.h>

#include "model.h"

enum { K_SWAPPINESS, K_DIRTY_RATIO, K_DIRTY_BG_RATIO, K_DIRTY_BYTES, K_DIRTY_BG_BYTES, K_DIRTY_EXPIRE,
       K_DIRTY_WRITEBACK, K_MIN_FREE_KBYTES, K_WSF, K_WBF, K_PANIC_ON_OOM, K_OOM_KILL_ALLOC, K_OOM_DUMP,
       K_DROP_CACHES, NR_KNOBS };

struct knob {
	const char *name;
	uint64_t min, max;
	bool since_2016;   /* absent in v4.2 */
};

static const struct knob knobs[NR_KNOBS] = {
	[K_SWAPPINESS] = {"vm.swappiness", 0, 200, false}, /* 6.1: 0..200; v4.2: 0..100 (below) */
	[K_DIRTY_RATIO] = {"vm.dirty_ratio", 0, 100, false},
	[K_DIRTY_BG_RATIO] = {"vm.dirty_background_ratio", 0, 100, false},
	[K_DIRTY_BYTES] = {"vm.dirty_bytes", 2 * 4096, UINT64_MAX, false}, /* at least 2 pages */
	[K_DIRTY_BG_BYTES] = {"vm.dirty_background_bytes", 1, UINT64_MAX, false},
	[K_DIRTY_EXPIRE] = {"vm.dirty_expire_centisecs", 0, INT32_MAX, false},
	[K_DIRTY_WRITEBACK] = {"vm.dirty_writeback_centisecs", 0, INT32_MAX, false},
	[K_MIN_FREE_KBYTES] = {"vm.min_free_kbytes", 0, INT32_MAX, false},
	[K_WSF] = {"vm.watermark_scale_factor", 1, 3000, true}, /* 6.1: 1..3000 */
	[K_WBF] = {"vm.watermark_boost_factor", 0, INT32_MAX, true},
	[K_PANIC_ON_OOM] = {"vm.panic_on_oom", 0, 2, false},
	[K_OOM_KILL_ALLOC] = {"vm.oom_kill_allocating_task", 0, INT32_MAX, false},
	[K_OOM_DUMP] = {"vm.oom_dump_tasks", 0, INT32_MAX, false},
	[K_DROP_CACHES] = {"vm.drop_caches", 1, 4, false},
};

static int knob_find(const struct pfnlab_machine *m, const char *name)
{
	for (int i = 0; i < NR_KNOBS; i++)
		if (strcmp(name, knobs[i].name) == 0)
			return knobs[i].since_2016 && m->cfg.era == PFNLAB_ERA_2015 ? -ENOENT : i;
	return -ENOENT;
}

int pfnlab_sysctl_get(const struct pfnlab_machine *m, const char *name, uint64_t *value)
{
	if (!m || !name || !value)
		return -EINVAL;
	const struct vm_sysctl *s = &m->sysctl;
	int k = knob_find(m, name);

	if (k < 0) {
		int err = compaction_sysctl_get(m, name, value);

		return err == -ENOENT ? hugetlb_sysctl_get(m, name, value) : err;
	}
	switch (k) {
	case K_SWAPPINESS: *value = s->swappiness; break;
	case K_DIRTY_RATIO: *value = s->dirty_ratio; break;
	case K_DIRTY_BG_RATIO: *value = s->dirty_background_ratio; break;
	case K_DIRTY_BYTES: *value = s->dirty_bytes; break;
	case K_DIRTY_BG_BYTES: *value = s->dirty_background_bytes; break;
	case K_DIRTY_EXPIRE: *value = s->dirty_expire_centisecs; break;
	case K_DIRTY_WRITEBACK: *value = s->dirty_writeback_centisecs; break;
	case K_MIN_FREE_KBYTES: *value = (uint64_t)m->min_free_kbytes; break;
	case K_WSF: *value = m->cfg.watermark_scale_factor; break;
	case K_WBF: *value = m->cfg.watermark_boost_factor; break;
	case K_PANIC_ON_OOM: *value = s->panic_on_oom; break;
	case K_OOM_KILL_ALLOC: *value = s->oom_kill_allocating_task; break;
	case K_OOM_DUMP: *value = s->oom_dump_tasks; break;
	default: *value = 0; break; /* drop_caches is write-only */
	}
	return 0;
}

/* models drop_caches_sysctl_handler(): 1 page cache, 2 slab (nothing to drop here), 3 both; 4 quiet */
static void drop_caches(struct pfnlab_machine *m, uint64_t v)
{
	if (v & 1) {
		drop_pagecache(m);
		m->vm[VM_DROP_PAGECACHE]++;
	}
}

/*
 * models setup_per_zone_wmarks(): the watermarks, then each zone's per-CPU
 * high and batch (zone_pcp_update()), and the fast path's marks with them
 */
static void setup_per_zone_wmarks(struct pfnlab_machine *m)
{
	setup_watermarks(m);
	pcp_update(m);
	page_alloc_setup(m);
}

int pfnlab_sysctl_set(struct pfnlab_machine *m, const char *name, uint64_t v)
{
	if (!m || !name)
		return -EINVAL;
	struct vm_sysctl *s = &m->sysctl;
	int k = knob_find(m, name);

	if (k < 0) {
		int err = compaction_sysctl_set(m, name, v);

		return err == -ENOENT ? hugetlb_sysctl_set(m, name, v) : err;
	}
	if (v < knobs[k].min || v > knobs[k].max || (k == K_SWAPPINESS && m->cfg.era == PFNLAB_ERA_2015 && v > 100))
		return -EINVAL;
	switch (k) {
	case K_SWAPPINESS: s->swappiness = (unsigned)v; break;
	case K_DIRTY_RATIO: s->dirty_ratio = (unsigned)v; s->dirty_bytes = 0; break;
	case K_DIRTY_BG_RATIO: s->dirty_background_ratio = (unsigned)v; s->dirty_background_bytes = 0; break;
	case K_DIRTY_BYTES: s->dirty_bytes = v; s->dirty_ratio = 0; break;
	case K_DIRTY_BG_BYTES: s->dirty_background_bytes = v; s->dirty_background_ratio = 0; break;
	case K_DIRTY_EXPIRE: s->dirty_expire_centisecs = (unsigned)v; break;
	case K_DIRTY_WRITEBACK:
		s->dirty_writeback_centisecs = (unsigned)v;
		writeback_reschedule(m);
		break;
	case K_MIN_FREE_KBYTES:
		m->cfg.min_free_kbytes = (int)v;
		setup_per_zone_wmarks(m);
		break;
	case K_WSF:
		m->cfg.watermark_scale_factor = (unsigned)v;
		setup_per_zone_wmarks(m);
		break;
	case K_WBF: m->cfg.watermark_boost_factor = (unsigned)v; break;
	case K_PANIC_ON_OOM: s->panic_on_oom = (unsigned)v; break;
	case K_OOM_KILL_ALLOC: s->oom_kill_allocating_task = (unsigned)v; break;
	case K_OOM_DUMP: s->oom_dump_tasks = (unsigned)v; break;
	default: drop_caches(m, v); break;
	}
	return 0;
}
