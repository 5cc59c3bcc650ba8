/*
 * pfnlab/reclaim.h - tasks as the OOM killer sees them, the OOM killer's
 * kills and panics, vm sysctls, swap.
 *
 * Part of the public API of libpfnlab: programs include <pfnlab.h>, which
 * includes this file inside its extern "C" and visibility block.
 */
#ifndef PFNLAB_H_RECLAIM
#define PFNLAB_H_RECLAIM

#ifndef PFNLAB_H
#error "include <pfnlab.h>, not <pfnlab/reclaim.h>"
#endif

/* Tasks, reclaim and the OOM killer. */

/** struct pfnlab_task - the process owning an address space, as the OOM killer sees it. */
struct pfnlab_task {
	char comm[16];      /* task->comm (15 characters); default: the space's name */
	int pid;            /* default: the space id + 1 */
	unsigned uid;       /* default 0 */
	int oom_score_adj;  /* -1000..1000, default 0 */
	bool unkillable;    /* init or a kernel thread: never chosen; default false */
};

/**
 * pfnlab_mm_set_task() - describe the task owning an address space.
 * @m: machine
 * @id: address space
 * @t: the task; comm is copied up to 15 characters
 *
 * Return: 0, -ENOENT (no such space), -EINVAL (oom_score_adj out of
 * -1000..1000); -EINVAL for a NULL pointer.
 */
int pfnlab_mm_set_task(struct pfnlab_machine *m, unsigned id, const struct pfnlab_task *t);

/**
 * pfnlab_mm_task() - the task owning an address space.
 * @m: machine
 * @id: address space
 * @t: receives it
 *
 * Return: 0, or -ENOENT for no such space; -EINVAL for a NULL pointer.
 */
int pfnlab_mm_task(const struct pfnlab_machine *m, unsigned id, struct pfnlab_task *t);

/**
 * pfnlab_set_current() - the task whose allocations follow (current): the
 * OOM killer's "invoked oom-killer" line names it, and if it is chosen it
 * exits only when current changes.  Faults, pins and GUP of a space run as
 * its task whatever is set here.
 * @m: machine
 * @id: address space, or 0 for a kernel thread (the default)
 *
 * Return: 0, or -ENOENT for no such space; -EINVAL for a NULL pointer.
 */
int pfnlab_set_current(struct pfnlab_machine *m, unsigned id);

/** struct pfnlab_oom_event - a task the OOM killer killed. */
struct pfnlab_oom_event {
	unsigned mm;             /* the space it owned, gone now (its pins released) */
	int pid;
	char comm[16];
	uint64_t when_ns;        /* model time of the kill */
	long points;             /* oom_badness() */
	uint64_t total_vm_kb, anon_kb, file_kb, shmem_kb, pgtables_kb; /* at the kill, as printed */
	bool current;            /* the allocating task itself was chosen */
	char line[256];          /* the kernel's "Killed process" line */
};

/**
 * pfnlab_oom_next() - take the oldest OOM kill not taken yet.
 * @m: machine
 * @ev: receives it
 *
 * The victim's space no longer exists: its mappings were zapped, then its
 * pins released (exit_mm(), then the release of its files: VFIO
 * containers, io_uring buffers), as the kernel's do_exit() does.  Pin
 * handles it held are invalid and may be reused by later pins.
 *
 * Return: 0, or -ENOENT when there is none; -EINVAL for a NULL pointer.
 */
int pfnlab_oom_next(struct pfnlab_machine *m, struct pfnlab_oom_event *ev);

/**
 * pfnlab_panicked() - has the machine panicked (the OOM killer found no
 * task to kill: "System is deadlocked on memory", or vm.panic_on_oom)?  A
 * panicked machine keeps answering, as if it had no OOM killer.
 * @m: machine
 * @why: receives the panic message (may be NULL)
 * @len: size of @why
 *
 * Return: true after a panic; false for a NULL pointer.
 */
bool pfnlab_panicked(const struct pfnlab_machine *m, char *why, size_t len);

/**
 * pfnlab_sysctl_set() - write a vm sysctl.
 * @m: machine
 * @name: "vm.swappiness", "vm.dirty_ratio", "vm.dirty_background_ratio",
 *        "vm.dirty_bytes", "vm.dirty_background_bytes",
 *        "vm.dirty_expire_centisecs", "vm.dirty_writeback_centisecs",
 *        "vm.min_free_kbytes", "vm.watermark_scale_factor",
 *        "vm.watermark_boost_factor", "vm.panic_on_oom",
 *        "vm.oom_kill_allocating_task", "vm.oom_dump_tasks",
 *        "vm.drop_caches" (1, 2, 3: runs at once), or compaction's:
 *        "vm.compaction_proactiveness", "vm.extfrag_threshold",
 *        "vm.compact_unevictable_allowed", "vm.compact_memory" (1: runs at once),
 *        or the default huge page size's pool: "vm.nr_hugepages"
 *        (pfnlab_hugetlb_set_pages()), "vm.nr_overcommit_hugepages"
 *        (pfnlab_hugetlb_set_overcommit())
 * @value: the value written
 *
 * Return: 0, -ENOENT (no such knob in the machine's era: v4.2 has no
 * watermark_scale_factor, watermark_boost_factor or
 * compaction_proactiveness), -EINVAL (out of the kernel's range;
 * nr_overcommit_hugepages of a gigantic default size), -ENOMEM (no host
 * memory for the pool's page state); -EINVAL for a NULL pointer.
 */
int pfnlab_sysctl_set(struct pfnlab_machine *m, const char *name, uint64_t value);

/**
 * pfnlab_sysctl_get() - read a vm sysctl (vm.drop_caches reads 0).
 * @m: machine
 * @name: as for pfnlab_sysctl_set()
 * @value: receives it
 *
 * Return: 0, or -ENOENT (no such knob in the machine's era); -EINVAL for a NULL
 * pointer.
 */
int pfnlab_sysctl_get(const struct pfnlab_machine *m, const char *name, uint64_t *value);

/**
 * pfnlab_swap_pages() - the swap space (total_swap_pages) and its slots in use.
 * @m: machine
 * @total: receives the slots (may be NULL)
 * @used: receives the slots holding a page (may be NULL)
 */
void pfnlab_swap_pages(const struct pfnlab_machine *m, uint64_t *total, uint64_t *used);

#endif /* PFNLAB_H_RECLAIM */
