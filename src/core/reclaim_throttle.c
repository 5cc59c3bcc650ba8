/*
 * reclaim_throttle.c - reclaimers that sleep while the disk catches up.
 *
 * Models reclaim_throttle(), skip_throttle_noprogress() and
 * consider_reclaim_throttle() of mm/vmscan.c and the early wake-up of
 * __acct_reclaim_writeback() (6.1.192; 6.12.118 is the same), with
 * Debian's CONFIG_HZ=250: kswapd that met folios under writeback marked
 * for immediate reclaim sleeps up to HZ/10, or until 33 more pages
 * finished writeback; a direct reclaimer sleeps one jiffy when its node
 * is congested or when the last priority reclaimed nothing, unless kswapd
 * gave up or write-pending pages are at most half of the reclaimable ones.
 * Each sleep is traced as mm_vmscan_throttled.
 *
 * Time: a sleep is the one place model time passes inside an operation.
 * Only the disk and the flusher run meanwhile (writeback_wait()); expiring
 * transient references and kcompactd's checks wait for the operation's
 * end, as the rest of the model's time does.
 *
 * Simplified: one reclaimer sleeps at a time (the model has one task), so
 * the wake-up comes after SWAP_CLUSTER_MAX + 1 pages.  v4.2 (--era 2015)
 * has no reclaim_throttle() (v5.16); its congestion_wait() and
 * wait_iff_congested() sleeps are not modelled: no time passes there.
 */
#include "model.h"

#define HZ 250
#define JIFFY_NS (1000000000ull / HZ)
#define SWAP_CLUSTER_MAX 32

/* models skip_throttle_noprogress(): kswapd gave up, or few reclaimable pages wait for the disk */
static bool skip_throttle_noprogress(const struct pfnlab_machine *m)
{
	uint64_t reclaimable = 0;

	if (m->kswapd.failures >= MAX_RECLAIM_RETRIES)
		return true;
	for (int zi = 0; zi < m->nr_zones; zi++)
		reclaimable += zone_reclaimable_pages(m, zi);
	return 2 * (m->nr_dirty + m->nr_writeback) <= reclaimable;
}

/* models reclaim_throttle(): the current reclaimer sleeps for @reason */
void reclaim_throttle(struct pfnlab_machine *m, enum vmscan_throttle reason)
{
	static const char *const names[] = {
		[THROTTLE_WRITEBACK] = "VMSCAN_THROTTLE_WRITEBACK",
		[THROTTLE_NOPROGRESS] = "VMSCAN_THROTTLE_NOPROGRESS",
		[THROTTLE_CONGESTED] = "VMSCAN_THROTTLE_CONGESTED",
	};
	uint64_t start = m->now_ns, jiffies = 1, slept;

	if (m->cfg.era == PFNLAB_ERA_2015)
		return;
	if (reason == THROTTLE_WRITEBACK)
		jiffies = HZ / 10;
	else if (skip_throttle_noprogress(m))
		return;
	writeback_wait(m, start + jiffies * JIFFY_NS, reason == THROTTLE_WRITEBACK ? SWAP_CLUSTER_MAX + 1 : UINT64_MAX);
	slept = (m->now_ns - start) / JIFFY_NS;
	trace_printf(m, "mm_vmscan_throttled", "nid=0 usec_timeout=%llu usect_delayed=%llu reason=%s",
		     (unsigned long long)(jiffies * JIFFY_NS / 1000), (unsigned long long)(slept * JIFFY_NS / 1000),
		     names[reason]);
}

/*
 * models consider_reclaim_throttle(): a direct reclaimer that got nothing
 * at priority 1 sleeps a jiffy (only direct reclaim calls it: kswapd
 * reclaims through shrink_node(), which the kernel's check leaves out too)
 */
void consider_reclaim_throttle(struct pfnlab_machine *m, int priority, uint64_t nr_reclaimed, uint64_t nr_scanned)
{
	if (nr_reclaimed > nr_scanned >> 3)
		return;
	if (priority == 1 && !nr_reclaimed)
		reclaim_throttle(m, THROTTLE_NOPROGRESS);
}
