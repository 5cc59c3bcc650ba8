/*
 * oom_kill.c - the OOM killer: when reclaim cannot satisfy an
 * allocation, kill the task using the most memory.
 *
 * Models out_of_memory(), oom_badness(), select_bad_process(),
 * oom_kill_process(), __oom_kill_process(), dump_header(), dump_tasks(),
 * dump_oom_summary() and check_panic_on_oom() of mm/oom_kill.c (Debian
 * 6.1.192, 6.12.117 where the task table has three more columns, and
 * v4.2): the printed lines byte for byte, through the machine's kernel
 * log sink, as a kernel built with the oracle's configuration prints
 * them (no cpusets or memory cgroups: "oom-kill:constraint=CONSTRAINT_NONE,
 * nodemask=(null),task=...").  v4.2 differs: badness at least 1 with a 3%
 * bonus for root, ties keep the first task, "Kill process ... score ...
 * or sacrifice child" then "Killed process ..." without shmem-rss, no
 * summary line, and panics with "Out of memory and no killable
 * processes...".  The header is rate limited as the kernel's (10 per 5
 * seconds of model time).
 *
 * Tasks are address spaces (struct mm: comm, pid, uid, oom_score_adj,
 * unkillable).  A victim exits at once, as do_exit() would: exit_mm()
 * zaps its mappings, then its files are released, which unpins what its
 * VFIO containers and io_uring buffers pinned (pfnlab_pin() records),
 * and the space is freed; the actors learn of it through
 * pfnlab_oom_next().  A victim that is the allocating task itself
 * (current) keeps running until the operation it is in returns (it
 * allocates from the OOM reserve meanwhile), then exits the same way.
 *
 * Simplified: no stack dump or Mem-Info block in the header; no process
 * tree (v4.2 sacrifices no child); no oom reaper (victims exit at once);
 * page tables counted as x86-64's, one page per PTE, PMD and PUD table a
 * space's mappings use; an allocation without a task is charged to a
 * kernel worker ("kworker/0:1").
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define OOM_SCORE_ADJ_MIN (-1000)
#define RATELIMIT_INTERVAL_NS 5000000000ull
#define RATELIMIT_BURST 10

static bool v42(const struct pfnlab_machine *m)
{
	return m->cfg.era == PFNLAB_ERA_2015;
}

/* models totalram_pages() + total_swap_pages */
static uint64_t total_pages(const struct pfnlab_machine *m)
{
	uint64_t n = m->swap_pages;

	for (int i = 0; i < m->nr_zones; i++)
		n += m->zones[i].managed;
	return n;
}

/* mm->total_vm: pages of all mappings */
static uint64_t total_vm(const struct mm *mm)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < mm->nr_vmas; i++)
		n += mm->vmas[i].pages;
	return n;
}

/*
 * Page-table pages of @mm (mm_pgtables_bytes() / PAGE_SIZE; v4.2 nr_ptes
 * and nr_pmds): a PTE table per page-table chunk in use, a PMD table per
 * 1 GiB and a PUD table per 512 GiB of address space holding one
 */
static void pgtables(const struct pfnlab_machine *m, const struct mm *mm, uint64_t *ptes, uint64_t *pmds)
{
	uint64_t last_pmd = UINT64_MAX, last_pud = UINT64_MAX, puds = 0, span = 1ull << m->thp_order;

	*ptes = *pmds = 0;
	for (unsigned i = 0; i < mm->nr_vmas; i++) {
		const struct vma *v = &mm->vmas[i];

		for (uint64_t c = 0; c < (v->pages + span - 1) / span; c++) {
			uint64_t vpn = v->start + c * span, pmd = vpn >> 18, pud = vpn >> 27;

			if (!v->chunks[c])
				continue;
			(*ptes)++;
			if (pmd != last_pmd)
				(*pmds)++;
			if (pud != last_pud)
				puds++;
			last_pmd = pmd;
			last_pud = pud;
		}
	}
	if (!v42(m))
		*pmds += puds;
}

/* pgtables_bytes of @mm (v6.1) */
static uint64_t pgtables_bytes(const struct pfnlab_machine *m, const struct mm *mm)
{
	uint64_t ptes, pmds;

	pgtables(m, mm, &ptes, &pmds);
	return (ptes + pmds) << 12;
}

/* models oom_badness(): LONG_MIN (v4.2: 0) for a task that may not be chosen */
static long oom_badness(const struct pfnlab_machine *m, const struct mm *mm, uint64_t totalpages)
{
	long points, adj = mm->oom_score_adj;
	uint64_t ptes, pmds;

	if (mm->unkillable || adj == OOM_SCORE_ADJ_MIN || (mm->oom_victim && !v42(m)))
		return v42(m) ? 0 : LONG_MIN;
	pgtables(m, mm, &ptes, &pmds);
	points = (long)(mm->rss + mm->swapents);
	if (v42(m)) {
		points += (long)(ptes + pmds);
		if (mm->uid == 0) /* CAP_SYS_ADMIN: a 3% bonus */
			points -= points * 3 / 100;
		points += adj * (long)(totalpages / 1000);
		return points > 0 ? points : 1;
	}
	points += (long)(pgtables_bytes(m, mm) >> m->cfg.page_shift);
	return points + adj * (long)(totalpages / 1000);
}

/*
 * models select_bad_process(): the task with the highest badness, in
 * creation order (v6.1: a later tie wins; v4.2: the first); NULL if none
 */
static struct mm *select_bad_process(struct pfnlab_machine *m, uint64_t totalpages, long *chosen_points)
{
	struct mm *chosen = NULL;

	*chosen_points = v42(m) ? 0 : LONG_MIN;
	for (unsigned i = 0; i < m->nr_mms; i++) {
		struct mm *mm = &m->mms[i];
		long points;

		if (!mm->live || mm->unkillable)
			continue;
		points = oom_badness(m, mm, totalpages);
		if (v42(m) ? (!points || points < *chosen_points || (chosen && points == *chosen_points))
			   : (points == LONG_MIN || points < *chosen_points))
			continue;
		chosen = mm;
		*chosen_points = points;
	}
	return chosen;
}

/* The comm of current (a kernel worker when no task allocates), its oom_score_adj in *@adj */
const char *current_comm(struct pfnlab_machine *m, int *adj)
{
	const struct mm *mm = mm_get(m, m->current_mm);

	*adj = mm ? mm->oom_score_adj : 0;
	return mm ? mm->comm : "kworker/0:1";
}

/* models dump_tasks() */
static void dump_tasks(struct pfnlab_machine *m)
{
	if (!v42(m))
		log_printf(m, "Tasks state (memory values in pages):");
	if (v42(m))
		log_printf(m, "[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name");
	else if (m->cfg.kernel == PFNLAB_KERNEL_6_12)
		log_printf(m, "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name");
	else
		log_printf(m, "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name");
	for (unsigned i = 0; i < m->nr_mms; i++) {
		const struct mm *mm = &m->mms[i];
		unsigned long long vm, rss;
		uint64_t ptes, pmds;

		if (!mm->live || mm->unkillable)
			continue;
		vm = total_vm(mm);
		rss = mm->rss;
		pgtables(m, mm, &ptes, &pmds);
		if (v42(m))
			log_printf(m, "[%5d] %5u %5d %8llu %8llu %7llu %7llu %8llu         %5hd %s", mm->pid, mm->uid, mm->pid,
				   vm, rss, (unsigned long long)ptes, (unsigned long long)pmds,
				   (unsigned long long)mm->swapents, (short)mm->oom_score_adj, mm->comm);
		else if (m->cfg.kernel == PFNLAB_KERNEL_6_12)
			log_printf(m, "[%7d] %5u %5d %8llu %8llu %8llu %8llu %9llu %8llu %8llu         %5hd %s", mm->pid,
				   mm->uid, mm->pid, vm, rss, (unsigned long long)(mm->rss - mm->rss_file - mm->rss_shmem),
				   (unsigned long long)mm->rss_file, (unsigned long long)mm->rss_shmem,
				   (unsigned long long)pgtables_bytes(m, mm), (unsigned long long)mm->swapents,
				   (short)mm->oom_score_adj, mm->comm);
		else
			log_printf(m, "[%7d] %5u %5d %8llu %8llu %8llu %8llu         %5hd %s", mm->pid, mm->uid, mm->pid, vm,
				   rss, (unsigned long long)pgtables_bytes(m, mm), (unsigned long long)mm->swapents,
				   (short)mm->oom_score_adj, mm->comm);
	}
}

/* models dump_header(): the "invoked oom-killer" line and the task table (@victim: the summary line) */
static void dump_header(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order, const struct mm *victim)
{
	char g[256] = "";
	int adj;
	const char *comm = current_comm(m, &adj);

	if (v42(m)) {
		log_printf(m, "%s invoked oom-killer: gfp_mask=0x%x, order=%u, oom_score_adj=%hd", comm,
			   gfp_v42_value(gfp), order, (short)adj);
	} else {
		if (gfp)
			pfnlab_gfp_format(gfp, g, sizeof(g));
		log_printf(m, "%s invoked oom-killer: gfp_mask=%#x(%s), order=%u, oom_score_adj=%hd", comm, gfp, g, order,
			   (short)adj);
	}
	if (m->sysctl.oom_dump_tasks)
		dump_tasks(m);
	if (victim && !v42(m))
		log_printf(m, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),task=%s,pid=%d,uid=%u", victim->comm,
			   victim->pid, victim->uid);
}

/* models __ratelimit(&oom_rs) of oom_kill_process() (DEFAULT_RATELIMIT_INTERVAL, _BURST) */
static bool oom_ratelimit(struct pfnlab_machine *m)
{
	return ratelimit(m, &m->oom_rs, RATELIMIT_INTERVAL_NS, RATELIMIT_BURST, "oom_kill_process");
}

/* models panic(): the machine stops (pfnlab_panicked()); the model keeps answering without an OOM killer */
static void oom_panic(struct pfnlab_machine *m, const char *msg)
{
	log_printf(m, "Kernel panic - not syncing: %s", msg);
	log_printf(m, v42(m) ? "---[ end Kernel panic - not syncing: %s" : "---[ end Kernel panic - not syncing: %s ]---",
		   msg);
	m->panicked = true;
	snprintf(m->panic_msg, sizeof(m->panic_msg), "%s", msg);
	m->vm[VM_OOM_PANIC]++;
}

/* Queue the event the actors take with pfnlab_oom_next(); @line is the kernel's Killed line. */
static void oom_event(struct pfnlab_machine *m, struct mm *mm, long points, const char *line)
{
	struct pfnlab_oom_event *ev;
	uint64_t kb = 1ull << (m->cfg.page_shift - 10), ptes, pmds;

	if (m->oom_head == m->nr_oom) /* all taken: start over */
		m->oom_head = m->nr_oom = 0;
	if (m->nr_oom == m->cap_oom) {
		unsigned cap = m->cap_oom ? m->cap_oom * 2 : 8;
		struct pfnlab_oom_event *n = realloc(m->oom_events, cap * sizeof(*n));

		if (!n)
			return; /* the kill happened; only its report is lost */
		m->oom_events = n;
		m->cap_oom = cap;
	}
	ev = &m->oom_events[m->nr_oom++];
	pgtables(m, mm, &ptes, &pmds);
	*ev = (struct pfnlab_oom_event){
		.mm = (unsigned)(mm - m->mms) + 1, .pid = mm->pid, .when_ns = m->now_ns, .points = points,
		.total_vm_kb = total_vm(mm) * kb, .anon_kb = (mm->rss - mm->rss_file - mm->rss_shmem) * kb,
		.file_kb = mm->rss_file * kb, .shmem_kb = mm->rss_shmem * kb,
		.pgtables_kb = v42(m) ? (ptes + pmds) * 4 : pgtables_bytes(m, mm) >> 10,
		.current = mm == mm_get(m, m->current_mm),
	};
	memcpy(ev->comm, mm->comm, sizeof(ev->comm));
	snprintf(ev->line, sizeof(ev->line), "%s", line);
}

/* models do_exit() of an OOM victim: exit_mm(), then its files (and pins) released, then the space freed */
static void oom_exit(struct pfnlab_machine *m, struct mm *mm)
{
	unsigned id = (unsigned)(mm - m->mms) + 1;

	mm_exit_mmap(m, mm);
	pins_release_mm(m, id);
	mm_free(m, mm);
}

/* models __oom_kill_process() and the kill of oom_kill_process() */
static void oom_kill_process(struct pfnlab_machine *m, struct mm *victim, long points, uint64_t totalpages,
			     pfnlab_gfp_t gfp, unsigned order, const char *message)
{
	uint64_t kb = 1ull << (m->cfg.page_shift - 10);
	unsigned long long anon = (victim->rss - victim->rss_file - victim->rss_shmem) * kb;
	char line[256];

	if (oom_ratelimit(m))
		dump_header(m, gfp, order, victim);
	m->vm[VM_OOM_KILL]++;
	m->oom_kills++;
	m->oom_victims += !victim->oom_victim;
	victim->oom_victim = true; /* mark_oom_victim() */
	if (v42(m)) {
		log_printf(m, "%s: Kill process %d (%s) score %llu or sacrifice child", message, victim->pid, victim->comm,
			   (unsigned long long)((uint64_t)points * 1000 / totalpages));
		snprintf(line, sizeof(line), "Killed process %d (%s) total-vm:%llukB, anon-rss:%llukB, file-rss:%llukB",
			 victim->pid, victim->comm, (unsigned long long)(total_vm(victim) * kb), anon,
			 (unsigned long long)((victim->rss_file + victim->rss_shmem) * kb));
	} else {
		unsigned long long pt = pgtables_bytes(m, victim);

		trace_printf(m, "mark_victim",
			     "pid=%d comm=%s total-vm=%llukB anon-rss=%llukB file-rss:%llukB shmem-rss:%llukB uid=%u pgtables=%llukB oom_score_adj=%hd",
			     victim->pid, victim->comm, (unsigned long long)(total_vm(victim) * kb), anon,
			     (unsigned long long)(victim->rss_file * kb), (unsigned long long)(victim->rss_shmem * kb),
			     victim->uid, pt >> 10, (short)victim->oom_score_adj);
		snprintf(line, sizeof(line),
			 "%s: Killed process %d (%s) total-vm:%llukB, anon-rss:%llukB, file-rss:%llukB, shmem-rss:%llukB, UID:%u pgtables:%llukB oom_score_adj:%hd",
			 message, victim->pid, victim->comm, (unsigned long long)(total_vm(victim) * kb), anon,
			 (unsigned long long)(victim->rss_file * kb), (unsigned long long)(victim->rss_shmem * kb), victim->uid,
			 pt >> 10, (short)victim->oom_score_adj);
	}
	log_printf(m, "%s", line);
	oom_event(m, victim, points, line);
	if (victim != mm_get(m, m->current_mm))
		oom_exit(m, victim);
}

/*
 * models out_of_memory(): true when it killed a task (or current is
 * already dying, or the request cannot use the OOM killer's help and
 * should just retry); false without a victim (after a panic)
 */
bool out_of_memory(struct pfnlab_machine *m, pfnlab_gfp_t gfp, unsigned order)
{
	struct mm *cur = mm_get(m, m->current_mm), *victim;
	uint64_t totalpages = total_pages(m);
	long points;

	if (m->panicked)
		return false;
	if (cur && cur->oom_victim) /* task_will_free_mem(current) */
		return true;
	if (!v42(m) && gfp && !(gfp & PFNLAB___GFP_FS))
		return true;
	if (m->sysctl.panic_on_oom) { /* check_panic_on_oom(): one node, CONSTRAINT_NONE */
		dump_header(m, gfp, order, NULL);
		oom_panic(m, m->sysctl.panic_on_oom == 2 ? "Out of memory: compulsory panic_on_oom is enabled"
							 : "Out of memory: system-wide panic_on_oom is enabled");
		return false;
	}
	if (m->sysctl.oom_kill_allocating_task && cur && !cur->unkillable && cur->oom_score_adj != OOM_SCORE_ADJ_MIN) {
		oom_kill_process(m, cur, 0, totalpages, gfp, order, "Out of memory (oom_kill_allocating_task)");
		return true;
	}
	victim = select_bad_process(m, totalpages, &points);
	if (!victim) {
		dump_header(m, gfp, order, NULL);
		if (v42(m)) {
			oom_panic(m, "Out of memory and no killable processes...");
		} else {
			log_printf(m, "Out of memory and no killable processes...");
			oom_panic(m, "System is deadlocked on memory");
		}
		return false;
	}
	oom_kill_process(m, victim, points, totalpages, gfp, order, "Out of memory");
	return true;
}

/* Deferred victims (they were current) exit now that their operation is over. */
void oom_reap_exiting(struct pfnlab_machine *m)
{
	for (unsigned i = 0; i < m->nr_mms && m->oom_victims; i++)
		if (m->mms[i].live && m->mms[i].oom_victim && i + 1 != m->current_mm)
			oom_exit(m, &m->mms[i]);
}

int pfnlab_oom_next(struct pfnlab_machine *m, struct pfnlab_oom_event *ev)
{
	if (!m || !ev)
		return -EINVAL;
	oom_reap_exiting(m);
	if (m->oom_head == m->nr_oom)
		return -ENOENT;
	*ev = m->oom_events[m->oom_head++];
	return 0;
}

bool pfnlab_panicked(const struct pfnlab_machine *m, char *why, size_t len)
{
	if (why && len)
		snprintf(why, len, "%s", m && m->panicked ? m->panic_msg : "");
	return m && m->panicked;
}

int pfnlab_mm_set_task(struct pfnlab_machine *m, unsigned id, const struct pfnlab_task *t)
{
	if (!m || !t)
		return -EINVAL;
	struct mm *mm = mm_get(m, id);

	if (!mm)
		return -ENOENT;
	if (t->oom_score_adj < OOM_SCORE_ADJ_MIN || t->oom_score_adj > 1000)
		return -EINVAL;
	snprintf(mm->comm, sizeof(mm->comm), "%s", t->comm);
	mm->pid = t->pid;
	mm->uid = t->uid;
	mm->oom_score_adj = t->oom_score_adj;
	mm->unkillable = t->unkillable;
	return 0;
}

int pfnlab_mm_task(const struct pfnlab_machine *m, unsigned id, struct pfnlab_task *t)
{
	if (!m || !t)
		return -EINVAL;
	const struct mm *mm = mm_get((struct pfnlab_machine *)m, id);

	if (!mm)
		return -ENOENT;
	*t = (struct pfnlab_task){.pid = mm->pid, .uid = mm->uid, .oom_score_adj = mm->oom_score_adj,
				  .unkillable = mm->unkillable};
	memcpy(t->comm, mm->comm, sizeof(t->comm));
	return 0;
}

int pfnlab_set_current(struct pfnlab_machine *m, unsigned id)
{
	if (!m)
		return -EINVAL;
	if (id && !mm_get(m, id))
		return -ENOENT;
	m->current_mm = id;
	oom_reap_exiting(m);
	return 0;
}
