/*
 * kcompactd.c - compaction no allocation waits for: the kcompactd thread
 * that kswapd wakes, proactive compaction by the fragmentation score,
 * vm.compact_memory, and v4.2's compaction from kswapd; compaction's state
 * at boot and its vm sysctls.
 *
 * Models the background part of mm/compaction.c (Debian 6.1.192):
 * wakeup_kcompactd(), kcompactd_node_suitable(), kcompactd_do_work()
 * (sync-light, deferral honoured); kcompactd's timeout every
 * HPAGE_FRAG_CHECK_INTERVAL_MSEC of model time with
 * should_proactive_compact_node() and proactive_compact_node()
 * (vm.compaction_proactiveness), backing off COMPACT_MAX_DEFER_SHIFT
 * when a run did not lower the score; compact_nodes() for
 * vm.compact_memory; v4.2's compact_pgdat() (asynchronous, from kswapd).
 *
 * Simplified: one node; kcompactd runs between the model's operations
 * (kcompactd_run() after the operation that woke it, compaction_advance()
 * when model time passes), never alongside one.
 */
#include <string.h>

#include "compact_control.h"

/* models kcompactd_node_suitable() */
static bool kcompactd_node_suitable(struct pfnlab_machine *m)
{
	for (int i = 0; i < m->nr_zones; i++)
		if (m->zones[i].type <= m->compaction.kcompactd_highest &&
		    compaction_suitable(m, &m->zones[i], m->compaction.kcompactd_max_order, 0,
					m->compaction.kcompactd_highest) == COMPACT_CONTINUE)
			return true;
	return false;
}

/*
 * models wakeup_kcompactd(): note the order and zone and wake kcompactd
 * if some zone is worth compacting; it runs when kcompactd_run() is called
 * (after the operation that woke it)
 */
void wakeup_kcompactd(struct pfnlab_machine *m, int order, int highest)
{
	struct compaction_state *c = &m->compaction;

	if (v42(m) || !order || m->cfg.no_compaction)
		return;
	if (c->kcompactd_max_order < order)
		c->kcompactd_max_order = order;
	if (c->kcompactd_highest > highest)
		c->kcompactd_highest = highest;
	if (c->kcompactd_pending || !kcompactd_node_suitable(m))
		return;
	trace_printf(m, "mm_compaction_wakeup_kcompactd", "nid=0 order=%d classzone_idx=%-8s", order,
		     zone_type_names[highest]);
	c->kcompactd_pending = true;
}

/* models kcompactd_do_work() */
static void kcompactd_do_work(struct pfnlab_machine *m)
{
	struct compaction_state *c = &m->compaction;
	struct compact_control cc = {
		.m = m, .order = c->kcompactd_max_order, .search_order = c->kcompactd_max_order,
		.highest = c->kcompactd_highest, .mode = PFNLAB_MIGRATE_SYNC_LIGHT, .gfp = PFNLAB_GFP_KERNEL,
	};

	trace_printf(m, "mm_compaction_kcompactd_wake", "nid=0 order=%d classzone_idx=%-8s", cc.order,
		     zone_type_names[cc.highest]);
	m->vm[VM_COMPACT_DAEMON_WAKE]++;
	for (int i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		int status;

		if (z->type > cc.highest || compaction_deferred(m, z, cc.order) ||
		    compaction_suitable(m, z, cc.order, 0, z->type) != COMPACT_CONTINUE)
			continue;
		cc.zone = z;
		status = compact_zone_run(&cc);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(m, z, cc.order, false);
		} else if (status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE) {
			pcp_drain_zone(m, z);
			defer_compaction(m, z, cc.order);
		}
		m->vm[VM_COMPACT_DAEMON_MIGRATE_SCANNED] += cc.total_migrate_scanned;
		m->vm[VM_COMPACT_DAEMON_FREE_SCANNED] += cc.total_free_scanned;
	}
	if (c->kcompactd_max_order <= cc.order)
		c->kcompactd_max_order = 0;
	if (c->kcompactd_highest >= cc.highest)
		c->kcompactd_highest = node_highest(m);
}

/* models compact_node() (@proactive: proactive_compact_node()): every zone, whole */
static void compact_node(struct pfnlab_machine *m, bool proactive)
{
	for (int i = 0; i < m->nr_zones; i++) {
		struct compact_control cc = {
			.m = m, .zone = &m->zones[i], .order = -1, .search_order = -1, .gfp = PFNLAB_GFP_KERNEL,
			.mode = proactive ? PFNLAB_MIGRATE_SYNC_LIGHT : PFNLAB_MIGRATE_SYNC,
			.ignore_skip_hint = true, .whole_zone = true, .proactive = proactive,
		};

		if (v42(m)) /* __compact_pgdat() for compact_memory */
			reset_isolation_suitable_zone(m, cc.zone);
		compact_zone_run(&cc);
		if (proactive && m->cfg.kernel == PFNLAB_KERNEL_6_12) {
			m->vm[VM_COMPACT_DAEMON_MIGRATE_SCANNED] += cc.total_migrate_scanned;
			m->vm[VM_COMPACT_DAEMON_FREE_SCANNED] += cc.total_free_scanned;
		}
	}
}

/* models compact_nodes(): a write of vm.compact_memory */
void compact_nodes(struct pfnlab_machine *m)
{
	pfnlab_drain_pages(m); /* lru_add_drain_all() has no per-CPU page lists to drain but these */
	compact_node(m, false);
}

int pfnlab_compact_memory(struct pfnlab_machine *m)
{
	if (!m)
		return -EINVAL;
	return compaction_sysctl_set(m, "vm.compact_memory", 1);
}

/*
 * models v4.2's compact_pgdat(): kswapd compacts every zone
 * asynchronously for @order, unless deferred, and stops deferring a zone
 * that then meets its low watermark at the order
 */
void compact_pgdat(struct pfnlab_machine *m, int order)
{
	if (order < 0)
		return;
	m->compaction.kswapd_compacting = true;
	for (int i = 0; i < m->nr_zones; i++) {
		struct zone *z = &m->zones[i];
		struct compact_control cc = {.m = m, .zone = z, .order = order, .search_order = order,
					     .mode = PFNLAB_MIGRATE_ASYNC, .gfp = PFNLAB_GFP_KERNEL,
					     .highest = z->type};

		if (compaction_deferred(m, z, order))
			continue;
		compact_zone_run(&cc);
		if (zone_watermark_ok(m, z, (unsigned)order, z->wmark[WMARK_LOW], 0, 0))
			compaction_defer_reset(m, z, order, false);
	}
	m->compaction.kswapd_compacting = false;
}

/* Run kcompactd if something woke it (the kernel's thread, once the waker sleeps). */
void kcompactd_run(struct pfnlab_machine *m)
{
	struct compaction_state *c = &m->compaction;

	if (!c->kcompactd_pending)
		return;
	c->kcompactd_pending = false;
	kcompactd_do_work(m);
	trace_printf(m, "mm_compaction_kcompactd_sleep", "nid=0");
	c->next_check_ns = m->now_ns + HPAGE_FRAG_CHECK_INTERVAL_NS;
}

/*
 * models kcompactd's timeout: every 500 ms of model time up to now, a
 * proactive check (should_proactive_compact_node()), compacting the node
 * while its score is over the high mark; a run that did not lower the
 * score waits 500 ms << COMPACT_MAX_DEFER_SHIFT.  The caller makes sure
 * nothing else changes the machine up to @until (pfnlab_advance() stops
 * at each expiring reference), so checks that find nothing to do are
 * skipped whole: they would decide alike.
 */
void compaction_advance(struct pfnlab_machine *m, uint64_t until)
{
	struct compaction_state *c = &m->compaction;
	uint64_t now = m->now_ns;

	if (v42(m) || m->cfg.no_compaction)
		return;
	while (c->proactiveness && c->next_check_ns <= until) {
		uint64_t wait = HPAGE_FRAG_CHECK_INTERVAL_NS;
		unsigned prev = fragmentation_score_node(m);

		if (!kswapd_is_running(m) && prev > fragmentation_score_wmark(m, false)) {
			if (c->next_check_ns > m->now_ns)
				m->now_ns = c->next_check_ns;
			compact_node(m, true);
			if (fragmentation_score_node(m) >= prev)
				wait <<= COMPACT_MAX_DEFER_SHIFT;
		} else {
			/* nothing changes until @until: the checks up to it decide alike */
			wait *= (until - c->next_check_ns) / HPAGE_FRAG_CHECK_INTERVAL_NS + 1;
		}
		c->next_check_ns += wait;
	}
	if (!c->proactiveness && c->next_check_ns <= until)
		c->next_check_ns = until + HPAGE_FRAG_CHECK_INTERVAL_NS;
	if (m->now_ns < now)
		m->now_ns = now;
}

/* The compaction state of a new machine: the sysctl defaults, kcompactd asleep. */
void compaction_init(struct pfnlab_machine *m)
{
	struct compaction_state *c = &m->compaction;

	*c = (struct compaction_state){
		.proactiveness = v42(m) ? 0 : 20, .extfrag_threshold = 500, .unevictable_allowed = true,
		.kcompactd_highest = node_highest(m), .next_check_ns = m->now_ns + HPAGE_FRAG_CHECK_INTERVAL_NS,
	};
}

/*
 * compaction's vm sysctls: vm.compaction_proactiveness (0..100, v6.1 only),
 * vm.extfrag_threshold (0..1000), vm.compact_unevictable_allowed (0, 1;
 * v4.1+), vm.compact_memory (write: compact everything now).  0, -ENOENT
 * (not a compaction knob or not in the era), -EINVAL (out of range).
 */
int compaction_sysctl_set(struct pfnlab_machine *m, const char *name, uint64_t value)
{
	struct compaction_state *c = &m->compaction;

	if (strcmp(name, "vm.compaction_proactiveness") == 0) {
		if (v42(m))
			return -ENOENT;
		if (value > 100)
			return -EINVAL;
		c->proactiveness = (unsigned)value;
		if (value) /* proactive_compact_trigger: a check at once */
			c->next_check_ns = m->now_ns;
		compaction_advance(m, m->now_ns);
		return 0;
	}
	if (strcmp(name, "vm.extfrag_threshold") == 0) {
		if (value > 1000)
			return -EINVAL;
		c->extfrag_threshold = (unsigned)value;
		return 0;
	}
	if (strcmp(name, "vm.compact_unevictable_allowed") == 0) {
		if (value > 1)
			return -EINVAL;
		c->unevictable_allowed = value;
		return 0;
	}
	if (strcmp(name, "vm.compact_memory") == 0) {
		if (value != 1)
			return -EINVAL;
		compact_nodes(m);
		return 0;
	}
	return -ENOENT;
}

/* Read a compaction sysctl (vm.compact_memory reads 0); 0 or -ENOENT. */
int compaction_sysctl_get(const struct pfnlab_machine *m, const char *name, uint64_t *value)
{
	const struct compaction_state *c = &m->compaction;

	if (strcmp(name, "vm.compaction_proactiveness") == 0 && !v42(m))
		*value = c->proactiveness;
	else if (strcmp(name, "vm.extfrag_threshold") == 0)
		*value = c->extfrag_threshold;
	else if (strcmp(name, "vm.compact_unevictable_allowed") == 0)
		*value = c->unevictable_allowed;
	else if (strcmp(name, "vm.compact_memory") == 0)
		*value = 0;
	else
		return -ENOENT;
	return 0;
}
