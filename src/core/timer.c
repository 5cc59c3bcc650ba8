/*
 * timer.c - model time: what expires as it passes.
 *
 * Models the kernel's timers and the threads they wake, in the order the
 * model runs them: the OOM reaper (oom_kill.c), the flusher and the disk's
 * completions (writeback.c), short-lived references dropping (rmap.c),
 * kcompactd's proactive checks (kcompactd.c) and 6.12's per-CPU high
 * decay (pcp.c, from vmstat_update()).  A floor above all of them:
 * they never call it, so time is the only thing here, and each owner
 * keeps its own events.
 *
 * Simplified: one clock, moved only by pfnlab_advance(); no timer wheel,
 * the next event is asked of each owner.
 */
#include "model.h"

/* models the timer softirq up to @ns from now: each expiry in time order */
int pfnlab_advance(struct pfnlab_machine *m, uint64_t ns)
{
	uint64_t target;

	if (!m)
		return -EINVAL;
	if (ns > time_left(m))
		return -EOVERFLOW;
	target = m->now_ns + ns;
	oom_reap_exiting(m);
	for (;;) { /* the next event: a reference drop, the flusher/disk or vmstat; kcompactd's checks before it */
		uint64_t when = writeback_next_event(m), ref = transient_next_expiry(m), decay = pcp_decay_next(m);

		if (ref < when)
			when = ref;
		if (decay < when)
			when = decay;
		if (when > target)
			break;
		if (when > m->now_ns) {
			compaction_advance(m, when - 1);
			m->now_ns = when;
		}
		writeback_advance(m, when);
		transient_expire(m, when);
		if (decay == when)
			pcp_decay(m);
	}
	writeback_advance(m, target);
	compaction_advance(m, target);
	m->now_ns = target;
	return 0;
}

uint64_t pfnlab_now(const struct pfnlab_machine *m)
{
	if (!m)
		return 0;
	return m->now_ns;
}
