/*
 * oracle_init.c - the whole user space of the oracle guest: it runs as
 * /init (PID 1) of a tiny initramfs, mounts what it needs, runs ONE
 * experiment chosen on the kernel command line in a child process, prints
 * the findings on the console and powers the machine off.
 *
 * Command line (read from /proc/cmdline):
 *   oracle.exp=EXP  the experiment (below)
 *   oracle.f=MiB    filler F, touched first (default 160)
 *   oracle.r=MiB    region R of borrow/busy/migrate, the data file of the
 *                   pagecache experiments (default 160)
 *   oracle.b=MiB    region B of pin and pressure (default 200)
 *   oracle.n=N      pages of R held by vmsplice in busy (default 64)
 *
 * Output, one fact per line, for oracle/run.sh and oracle/predict:
 *   RESULT <key> <value>     a measurement (keys are dotted: busy.fin_pfn)
 *   TRACE <phase> <event>    a trace event (timestamp and task stripped)
 *   DMESG <phase> <line>     a kernel log line printed during the phase
 *   INFO <text>              context for humans
 * The last line of a complete run is "RESULT end ok"; anything else is a
 * partial run (oracle/run.sh records a kernel panic as the run's outcome).
 *
 * The experiment runs in a child process named after it, so that when the
 * kernel's OOM killer runs it finds a victim other than init (an OOM with
 * only init to kill panics: "System is deadlocked on memory").  init waits
 * for it and reports "RESULT outcome completed", or "oom-kill" with the
 * victim and the kernel's "Out of memory: Killed process" line, or
 * "killed" with the signal; for a killed child it also prints the trace,
 * log and counters of the phase the child was in (the mailbox).
 *
 * How pages are counted: PFNs come from /proc/self/pagemap (root sees
 * them); a page is "in CMA" when its PFN lies in the area's
 * [base_pfn, base_pfn + count) from debugfs.  Occupancy of the area is read
 * from /proc/kpageflags (probe.c).  Two things keep the counts clean: every
 * scratch buffer is touched before the experiment (a page faulted in after
 * a failed cma_alloc lands in the emptied area and would count as busy),
 * and vm.compaction_proactiveness is 0 (kcompactd would move pages into
 * the area's free blocks on its own timer; pfnlab has no kcompactd).
 *
 * Experiments (each on a freshly booted guest; exp_*.c):
 *   borrow          F, then R: how many of R's pages the allocator put in CMA.
 *   pin             F, B; free F; mlock(B); io_uring IORING_REGISTER_BUFFERS
 *                   on B (FOLL_WRITE|FOLL_LONGTERM); whole-area cma_alloc.
 *   busy            F, R; vmsplice N of R's CMA pages into a pipe left
 *                   unread; whole-area cma_alloc fails; close the pipe, again.
 *                   With /bin/pfnlab in the initramfs, pfnlab's --what-if
 *                   runs right before the cma_alloc and --live around it
 *                   (pfnlab_cli.c).
 *   busy-shmem      the same with R a memfd mapped MAP_SHARED (shmem).
 *   migrate         F, R; whole-area cma_alloc migrates R's borrowed pages.
 *   pagecache       F; read() a file of R MiB from ext2 on a virtio disk;
 *                   whole-area cma_alloc: clean file pages reclaimed or moved.
 *   pagecache-mmap  the same with the file mapped and read through the mapping.
 *   pagecache-dirty the same with the file's pages written (dirty, writeback
 *                   held off by the vm.dirty_* sysctls).
 *   pressure        F, B kept; io_uring long-term pin of B while free
 *                   non-CMA memory is smaller than B's CMA pages.
 *   compaction      F fragmented (odd PFNs freed, one page pinned in every
 *                   4th pageblock); vm.nr_hugepages raised: pages obtained,
 *                   compaction counters and events.
 *   pin-hugetlb     F; the 2 MiB pool raised to B and an eighth; B a
 *                   hugetlb memfd mapped MAP_SHARED, touched; free F;
 *                   io_uring long-term pin of B; whole-area cma_alloc.
 *
 * Build: gcc -O2 -static -o oracle_init oracle/guest/ *.c  (no other library).
 * On the host, "oracle_init mkfile PATH MIB" writes the pagecache data file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

/* ---- command line, mounts ---- */

static void parse_cmdline(void)
{
	static char buf[4096];
	char *tok, *save;

	if (read_file("/proc/cmdline", buf, sizeof(buf)) <= 0)
		fail("cannot read /proc/cmdline");
	buf[strcspn(buf, "\n")] = 0;
	printf("INFO cmdline %s\n", buf);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, "oracle.exp=", 11))
			snprintf(par.exp, sizeof(par.exp), "%s", tok + 11);
		else if (!strncmp(tok, "oracle.f=", 9))
			par.f_mib = strtoul(tok + 9, NULL, 0);
		else if (!strncmp(tok, "oracle.r=", 9))
			par.r_mib = strtoul(tok + 9, NULL, 0);
		else if (!strncmp(tok, "oracle.b=", 9))
			par.b_mib = strtoul(tok + 9, NULL, 0);
		else if (!strncmp(tok, "oracle.n=", 9))
			par.n_splice = strtoul(tok + 9, NULL, 0);
	}
}

static void mounts(void)
{
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	if (mount("proc", "/proc", "proc", 0, NULL) && errno != EBUSY)
		fail("mount /proc");
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) && errno != EBUSY)
		fail("mount /sys");
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) && errno != EBUSY)
		fail("mount debugfs");
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		printf("INFO no tracefs: %s\n", strerror(errno));
}

/* ---- the experiments and the events each traces beyond the common ones ---- */

static void run_busy(void) { exp_busy(0); }
static void run_busy_shmem(void) { exp_busy(1); }
static void run_pagecache(void) { exp_pagecache("read"); }
static void run_pagecache_mmap(void) { exp_pagecache("mmap"); }
static void run_pagecache_dirty(void) { exp_pagecache("dirty"); }

#define ISOLATE "compaction/mm_compaction_isolate_migratepages"
static const struct {
	const char *name;
	void (*run)(void);
	const char *events[6];
} exps[] = {
	{"borrow", exp_borrow, {NULL}},
	{"pin", exp_pin, {NULL}},
	{"busy", run_busy, {NULL}},
	{"busy-shmem", run_busy_shmem, {ISOLATE, NULL}},
	{"migrate", exp_migrate, {NULL}},
	{"pagecache", run_pagecache, {ISOLATE, "vmscan", NULL}},
	{"pagecache-mmap", run_pagecache_mmap, {ISOLATE, "vmscan", NULL}},
	{"pagecache-dirty", run_pagecache_dirty, {ISOLATE, "vmscan", NULL}},
	{"pressure", exp_pressure, {"vmscan", "oom", "compaction", NULL}},
	{"compaction", exp_compaction, {"vmscan", "compaction", NULL}},
	{"pin-hugetlb", exp_pin_hugetlb, {"vmscan", "compaction", NULL}},
};

/*
 * The OOM killer's lines in the kernel log: "RESULT outcome.*" for the
 * kill of @pid (the victim's name, the kernel's line) and whoever invoked
 * it.  Returns 1 when @pid was killed by the OOM killer.
 */
static int oom_scan(int pid)
{
	static char log[1 << 18];
	int len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1), killed = 0, kills = 0;

	if (len <= 0)
		return 0;
	log[len] = 0;
	for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
		char *k = strstr(line, "Killed process "), *inv = strstr(line, " invoked oom-killer: ");
		int vpid;
		char comm[64];

		if (inv) {
			char *b = line;

			if (*b == '<' && strchr(b, '>'))	/* "<4>" and a timestamp if any */
				b = strchr(b, '>') + 1;
			if (*b == '[' && strchr(b, ']') && strchr(b, ']') < inv)
				b = strchr(b, ']') + 1;
			while (*b == ' ')
				b++;
			result("outcome.oom_invoker", "%.*s", (int)(inv - b), b);
			result("outcome.oom_invoked", "%s", inv + 1);
		}
		if (k && sscanf(k, "Killed process %d (%63[^)])", &vpid, comm) == 2) {
			kills++;
			result("outcome.oom_kill_line", "%s", strstr(line, "Out of memory") ? strstr(line, "Out of memory") : k);
			if (vpid == pid) {
				killed = 1;
				result("outcome.victim", "%s", comm);
			}
		}
	}
	result("outcome.oom_kills", "%d", kills);
	return killed;
}

/* init's side: wait for the experiment and report how it ended. */
static void supervise(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fail("waitpid");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		result("outcome", "completed");
		return;
	}
	if (WIFEXITED(st)) {
		result("outcome", "error");
		result("outcome.exit_status", "%d", WEXITSTATUS(st));
		power_off(1);
	}
	result("outcome.signal", "%d", WTERMSIG(st));
	result("outcome.phase", "%s", mbox->phase[0] ? mbox->phase : "-");
	result("outcome", "%s", oom_scan(pid) ? "oom-kill" : "killed");
	/* what happened in the phase the experiment did not finish */
	if (mbox->phase[0] && !mbox->phase_done) {
		trace_dump(mbox->phase);
		klog_dump(mbox->phase);
		vm_delta(mbox->phase);
	}
}

int main(int argc, char **argv)
{
	struct utsname u;
	size_t e;
	pid_t pid;

	if (argc == 4 && !strcmp(argv[1], "mkfile")) {
		make_data_file(argv[2], strtoul(argv[3], NULL, 0), 0xc);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mounts();
	printf("INFO pfnlab oracle guest started\n");
	parse_cmdline();
	uname(&u);
	result("kernel.release", "%s", u.release);
	result("exp", "%s", par.exp);
	result("param.f_mib", "%lu", par.f_mib);
	result("param.r_mib", "%lu", par.r_mib);
	result("param.b_mib", "%lu", par.b_mib);
	result("param.n", "%lu", par.n_splice);
	for (e = 0; e < sizeof(exps) / sizeof(exps[0]) && strcmp(exps[e].name, par.exp); e++)
		;
	if (e == sizeof(exps) / sizeof(exps[0]))
		fail("unknown experiment '%s'", par.exp);
	find_cma();
	trace_setup(exps[e].events);
	/*
	 * No proactive compaction: kcompactd would move pages of this
	 * process into the CMA area's free blocks at the top of the zone
	 * whenever its 500 ms timer finds the zone fragmented, which pfnlab
	 * does not model and which makes counts depend on timing.
	 */
	sysctl("vm/compaction_proactiveness", "0");
	mbox = mmap(NULL, sizeof(*mbox), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mbox == MAP_FAILED)
		fail("mmap mailbox");
	memset(mbox, 0, sizeof(*mbox));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		double t0;

		prctl(PR_SET_NAME, par.exp);
		result("child.pid", "%d", (int)getpid());
		scratch_init();
		trace_scratch_init();
		pfnlab_scratch_init();
		t0 = now();
		exps[e].run();
		result("seconds", "%.2f", now() - t0);
		result("vmstat.compact_daemon_wake", "%lld", vmstat("compact_daemon_wake"));
		result("vmstat.compact_migrate_scanned", "%lld", vmstat("compact_migrate_scanned"));
		result("vmstat.compact_isolated", "%lld", vmstat("compact_isolated"));
		fflush(stdout);
		_exit(0);
	}
	supervise(pid);
	result("vmstat.oom_kill", "%lld", vmstat("oom_kill"));
	result("end", "ok");
	power_off(0);
	return 0;
}
