/*
 * kswapd.c - the node's background reclaim daemon.
 *
 * Models wakeup_kswapd(), kswapd(), kswapd_try_to_sleep(),
 * prepare_kswapd_sleep(), pgdat_balanced(), kswapd_age_node(),
 * kswapd_shrink_node() and balance_pgdat() of mm/vmscan.c (6.1.192), and
 * for --era 2015 v4.2's zone-by-zone kswapd: zone_balanced(), the
 * 25%-of-the-node rule of pgdat_balanced() for order > 0,
 * kswapd_shrink_zone() reclaiming a zone to its high watermark, and
 * compact_pgdat() after reclaim progress (compaction.c).
 *
 * Time: kswapd is woken by the allocation slow path and runs, until it
 * would sleep, when the allocation that woke it returns (the allocating
 * task and kswapd do not interleave).  No one wakes it during its nap,
 * so a premature sleep counts kswapd_high_wmark_hit_quickly and it goes
 * on reclaiming; 6.1 stops after MAX_RECLAIM_RETRIES runs that reclaimed
 * nothing (kswapd_failures), v4.2 once every zone is balanced or
 * unreclaimable.  pfnlab caps one run at KSWAPD_MAX_RUNS balance_pgdat()
 * calls (never reached by the tests).
 *
 * Watermark boost (v5.0+, watermark.c): rmqueue() wakes kswapd for a
 * boosted zone even when the node is balanced; balance_pgdat() reclaims
 * the boost without writeback or swap, then takes it off and wakes
 * kcompactd.
 *
 * Simplified: no slab shrinkers.  Its sleep on writeback, and direct
 * reclaimers', are in reclaim_throttle.c.
 */
#include "model.h"

#define DEF_PRIORITY 12
#define SWAP_CLUSTER_MAX 32
#define KSWAPD_MAX_RUNS 4096
#define NO_ZONE (-1) /* kswapd_highest_zoneidx == MAX_NR_ZONES: nothing requested */

static bool v42(const struct pfnlab_machine *m)
{
	return m->cfg.era == PFNLAB_ERA_2015;
}

/* The populated zones of type <= @highest, as indexes: [0, returned) */
static int zones_upto(const struct pfnlab_machine *m, int highest)
{
	int n = 0;

	while (n < m->nr_zones && m->zones[n].type <= highest)
		n++;
	return n;
}

/* models zone_watermark_ok_safe() at the high watermark (+@gap), no alloc flags (no ALLOC_CMA) */
static bool zone_high_ok(const struct pfnlab_machine *m, int zi, unsigned order, uint64_t gap, int highest)
{
	const struct zone *z = &m->zones[zi];

	return zone_watermark_ok(m, z, order, wmark_pages(z, WMARK_HIGH) + gap, highest, 0);
}

/* models zone_balanced() (v4.2) */
static bool zone_balanced(struct pfnlab_machine *m, int zi, unsigned order, uint64_t gap, int highest)
{
	if (!zone_high_ok(m, zi, order, gap, highest))
		return false;
	return !(order && !m->cfg.no_compaction && compaction_suitable(m, &m->zones[zi], (int)order, 0, highest) == COMPACT_SKIPPED);
}

/* models pgdat_balanced(): v6.1 any eligible zone at its high watermark; v4.2 all (order 0) or 25% */
static bool pgdat_balanced(struct pfnlab_machine *m, unsigned order, int highest)
{
	int n = zones_upto(m, highest);
	uint64_t managed = 0, balanced = 0;

	if (!v42(m)) {
		for (int i = 0; i < n; i++)
			if (zone_high_ok(m, i, order, 0, highest))
				return true;
		return n == 0;
	}
	for (int i = 0; i < n; i++) {
		managed += m->zones[i].managed;
		if (!zone_reclaimable(m, i) || zone_balanced(m, i, order, 0, i))
			balanced += m->zones[i].managed;
		else if (!order)
			return false;
	}
	return order ? balanced >= managed / 4 : true;
}

/* models pgdat_watermark_boosted(): does an eligible zone have a watermark boost? */
static bool watermark_boosted(const struct pfnlab_machine *m, int highest)
{
	for (int i = zones_upto(m, highest) - 1; i >= 0; i--)
		if (m->zones[i].watermark_boost)
			return true;
	return false;
}

/*
 * models wakeup_kswapd(): record the order and zone asked for; wake
 * kswapd unless the node is balanced for them or hopeless (then, for a
 * request that cannot reclaim, kcompactd instead)
 */
void wakeup_kswapd(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, int highest)
{
	struct kswapd_state *k = &m->kswapd;

	if (v42(m)) { /* @highest is the preferred zone's type here (ac->classzone_idx) */
		if (k->order < (int)order) {
			k->order = (int)order;
			if (k->highest == NO_ZONE || highest < k->highest)
				k->highest = highest;
		}
		for (int i = zones_upto(m, highest) - 1; i >= 0; i--) /* each zone of the zonelist */
			if (!k->running && !zone_balanced(m, i, order, 0, 0))
				k->pending = true;
		return;
	}
	if (k->highest == NO_ZONE || k->highest < highest)
		k->highest = highest;
	if (k->order < (int)order)
		k->order = (int)order;
	if (k->running || k->pending)
		return; /* !waitqueue_active(): kswapd is not asleep */
	if (k->failures >= MAX_RECLAIM_RETRIES || (pgdat_balanced(m, order, highest) && !watermark_boosted(m, highest))) {
		if (!(gfp & PFNLAB___GFP_DIRECT_RECLAIM))
			wakeup_kcompactd(m, (int)order, highest);
		return;
	}
	k->pending = true;
}

/* models kswapd_age_node() (v4.2 age_active_anon()): keep the inactive anon list in proportion */
static void kswapd_age(struct pfnlab_machine *m, int zi, struct scan_control *sc)
{
	age_active_anon(m, v42(m) ? zi : 0, sc);
}

/* models kswapd_shrink_node(): reclaim sum(max(high, 32)) pages; true if enough was scanned */
static bool kswapd_shrink_node(struct pfnlab_machine *m, struct scan_control *sc)
{
	int n = zones_upto(m, sc->reclaim_idx);

	sc->nr_to_reclaim = 0;
	for (int i = 0; i < n; i++) {
		uint64_t high = wmark_pages(&m->zones[i], WMARK_HIGH);

		sc->nr_to_reclaim += high > SWAP_CLUSTER_MAX ? high : SWAP_CLUSTER_MAX;
	}
	shrink_node(m, 0, sc);
	if (sc->order && sc->nr_reclaimed >= 2ull << sc->order)
		sc->order = 0;
	return sc->nr_scanned >= sc->nr_to_reclaim;
}

/*
 * models balance_pgdat() of v6.1: returns the order it finished reclaiming
 * at.  A boosted node reclaims the boosts' sum even when balanced, without
 * writeback or swap and at most down to priority DEF_PRIORITY - 2, unless
 * the node is found unbalanced (then it reclaims as usual); the boosts it
 * started with are taken off and kcompactd is woken for pageblock order.
 */
static int balance_pgdat(struct pfnlab_machine *m, int order, int highest)
{
	struct scan_control sc = {.gfp = PFNLAB_GFP_KERNEL, .order = order, .may_unmap = true, .kswapd = true};
	int n = zones_upto(m, highest);
	uint64_t nr_boost_reclaim = 0, zone_boosts[PFNLAB_NR_ZONES] = {0};
	bool boosted;

	m->vm[VM_PAGEOUTRUN]++;
	for (int i = 0; i < n; i++) {
		nr_boost_reclaim += m->zones[i].watermark_boost;
		zone_boosts[i] = m->zones[i].watermark_boost;
	}
	boosted = nr_boost_reclaim != 0;
restart:
	pcp_reclaim_active(m, highest, true);
	sc.priority = DEF_PRIORITY;
	do {
		uint64_t before = sc.nr_reclaimed, nr_reclaimed;
		bool raise_priority = true, balanced;

		sc.reclaim_idx = highest;
		balanced = pgdat_balanced(m, (unsigned)sc.order, highest);
		if (!balanced && nr_boost_reclaim) {
			nr_boost_reclaim = 0;
			goto restart;
		}
		if (!nr_boost_reclaim && balanced)
			goto out;
		if (nr_boost_reclaim && sc.priority == DEF_PRIORITY - 2)
			raise_priority = false;
		sc.may_writepage = !nr_boost_reclaim;
		sc.may_swap = !nr_boost_reclaim;
		kswapd_age(m, 0, &sc);
		if (sc.priority < DEF_PRIORITY - 2)
			sc.may_writepage = true;
		sc.nr_scanned = 0;
		if (kswapd_shrink_node(m, &sc))
			raise_priority = false;
		nr_reclaimed = sc.nr_reclaimed - before;
		nr_boost_reclaim -= nr_boost_reclaim < nr_reclaimed ? nr_boost_reclaim : nr_reclaimed;
		if (nr_boost_reclaim && !nr_reclaimed)
			break; /* no progress for a boost: no IO may be queued */
		if (raise_priority || !nr_reclaimed)
			sc.priority--;
	} while (sc.priority >= 1);
	if (!sc.nr_reclaimed)
		m->kswapd.failures++;
out:
	pcp_reclaim_active(m, highest, false);
	if (boosted) {
		for (int i = 0; i < n; i++) {
			struct zone *z = &m->zones[i];
			uint64_t take = z->watermark_boost < zone_boosts[i] ? z->watermark_boost : zone_boosts[i];

			if (zone_boosts[i])
				zone_set_boost(m, z, z->watermark_boost - take);
		}
		wakeup_kcompactd(m, (int)m->pb_order, highest);
	}
	return sc.order;
}

/* models kswapd_shrink_zone() (v4.2): reclaim the zone to its high watermark */
static bool kswapd_shrink_zone(struct pfnlab_machine *m, int zi, int classzone, struct scan_control *sc,
			       uint64_t *nr_attempted)
{
	struct zone *z = &m->zones[zi];
	unsigned testorder = (unsigned)sc->order;
	uint64_t gap = (z->managed + KSWAPD_ZONE_BALANCE_GAP_RATIO - 1) / KSWAPD_ZONE_BALANCE_GAP_RATIO;

	sc->nr_to_reclaim = z->wmark[WMARK_HIGH] > SWAP_CLUSTER_MAX ? z->wmark[WMARK_HIGH] : SWAP_CLUSTER_MAX;
	if (sc->order && compaction_suitable(m, z, sc->order, 0, classzone) != COMPACT_SKIPPED)
		testorder = 0;
	if (gap > z->wmark[WMARK_LOW])
		gap = z->wmark[WMARK_LOW];
	if (zone_balanced(m, zi, testorder, gap, classzone))
		return true;
	shrink_node(m, zi, sc);
	*nr_attempted += sc->nr_to_reclaim;
	m->kswapd.writeback = false; /* clear ZONE_WRITEBACK */
	if (zone_reclaimable(m, zi) && zone_balanced(m, zi, testorder, 0, classzone))
		m->kswapd.dirty = false;
	return sc->nr_scanned >= sc->nr_to_reclaim;
}

/* models balance_pgdat() of v4.2: returns the order; *@classzone (a zone type) receives end_zone's */
static int balance_pgdat_2015(struct pfnlab_machine *m, int order, int *classzone)
{
	struct scan_control sc = {.gfp = PFNLAB_GFP_KERNEL, .order = order, .priority = DEF_PRIORITY,
				  .may_writepage = true, .may_unmap = true, .may_swap = true, .kswapd = true};
	int end_zone = 0;

	m->vm[VM_PAGEOUTRUN]++;
	do {
		uint64_t nr_attempted = 0;
		bool raise_priority = true, needs_compaction = order > 0;
		int i;

		sc.nr_reclaimed = 0;
		for (i = m->nr_zones - 1; i >= 0; i--) {
			if (sc.priority != DEF_PRIORITY && !zone_reclaimable(m, i))
				continue;
			kswapd_age(m, i, &sc);
			if (!zone_balanced(m, i, (unsigned)order, 0, 0)) {
				end_zone = i;
				break;
			}
			m->kswapd.dirty = false;
		}
		if (i < 0)
			break;
		for (i = 0; i <= end_zone; i++)
			if (needs_compaction && zone_watermark_ok(m, &m->zones[i], (unsigned)order,
								  m->zones[i].wmark[WMARK_LOW], *classzone, 0))
				needs_compaction = false;
		if (sc.priority < DEF_PRIORITY - 2)
			sc.may_writepage = true;
		for (i = 0; i <= end_zone; i++) {
			if (sc.priority != DEF_PRIORITY && !zone_reclaimable(m, i))
				continue;
			sc.nr_scanned = 0;
			if (kswapd_shrink_zone(m, i, m->zones[end_zone].type, &sc, &nr_attempted))
				raise_priority = false;
		}
		if (order && sc.nr_reclaimed >= 2ull << order)
			order = sc.order = 0;
		if (needs_compaction && sc.nr_reclaimed > nr_attempted)
			compact_pgdat(m, order);
		if (raise_priority || !sc.nr_reclaimed)
			sc.priority--;
	} while (sc.priority >= 1 && !pgdat_balanced(m, (unsigned)order, *classzone));
	*classzone = m->zones[end_zone].type;
	return order;
}

/* models prepare_kswapd_sleep(): may kswapd sleep after reclaiming for @order? */
static bool prepare_sleep(struct pfnlab_machine *m, int order, int highest)
{
	if (!v42(m) && m->kswapd.failures >= MAX_RECLAIM_RETRIES)
		return true;
	if (!pgdat_balanced(m, (unsigned)order, highest))
		return false;
	if (!v42(m))
		m->kswapd.dirty = m->kswapd.writeback = m->kswapd.congested = false; /* clear_pgdat_congested() */
	return true;
}

/*
 * models kswapd_try_to_sleep(): true when kswapd sleeps; a premature
 * attempt counts kswapd_high_wmark_hit_quickly (no one wakes it during the
 * nap, so never the low one)
 */
static bool try_to_sleep(struct pfnlab_machine *m, int alloc_order, int reclaim_order, int highest)
{
	if (prepare_sleep(m, reclaim_order, highest)) {
		reset_isolation_suitable(m);
		if (!v42(m))
			wakeup_kcompactd(m, alloc_order, highest);
		return true;
	}
	m->vm[VM_KSWAPD_HIGH_WMARK_HIT_QUICKLY]++;
	return false;
}

/*
 * models kswapd() from a wakeup to its next sleep: balance_pgdat() until
 * the node is balanced (or, v6.1, hopeless); nothing while already
 * running or inside reclaim
 */
static void kswapd_run(struct pfnlab_machine *m)
{
	struct kswapd_state *k = &m->kswapd;
	int highest = k->last_highest;

	if (!k->pending || k->running || m->reclaim_depth)
		return;
	k->pending = false;
	k->running = true;
	m->reclaim_depth++; /* PF_MEMALLOC */
	for (int run = 0; run < KSWAPD_MAX_RUNS; run++) {
		int order = k->order, reclaim_order;
		bool asleep;

		/* kswapd_highest_zoneidx(): what was asked, else (v6.1) the last or (v4.2) the top zone */
		if (k->highest != NO_ZONE)
			highest = k->highest;
		else if (v42(m))
			highest = m->zones[m->nr_zones - 1].type;
		k->order = 0;
		k->highest = NO_ZONE;
		if (v42(m)) {
			reclaim_order = balance_pgdat_2015(m, order, &highest);
			asleep = try_to_sleep(m, reclaim_order, reclaim_order, highest);
		} else {
			reclaim_order = balance_pgdat(m, order, highest);
			asleep = reclaim_order < order ? try_to_sleep(m, order, reclaim_order, highest)
						       : try_to_sleep(m, 0, 0, highest);
		}
		if (asleep)
			break;
	}
	k->last_highest = highest;
	m->reclaim_depth--;
	k->running = false;
}

/*
 * The kernel threads a slow path woke, run as the allocation returns
 * (the machine's hooks.run_woken): kswapd, then kcompactd unless inside
 * reclaim
 */
void kthreads_run(struct pfnlab_machine *m)
{
	kswapd_run(m);
	if (!m->reclaim_depth)
		kcompactd_run(m);
}
