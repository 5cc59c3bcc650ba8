/*
 * pfnlab_cli.c - pfnlab itself inside the guest (issue 18 items 3 and 4):
 * the busy experiment runs `pfnlab snapshot /proc --pages --what-if
 * 'cma_alloc AREA all' --json` right before the kernel's whole-area
 * cma_alloc and `pfnlab replay --live --every 1 --format json` around it,
 * and records what they said ("RESULT pfnlab.*", every line they printed
 * as "INFO pfnlab-...") so that oracle/predict can judge their prediction
 * against what the kernel then did.  Only when the initramfs has
 * /bin/pfnlab (oracle/run.sh puts it, with its shared libraries, into the
 * busy experiment's initramfs).
 *
 * Keeping the kernel's numbers clean: pfnlab is started with
 * posix_spawn() (no fork: a fork would write-protect this process's
 * pages, and the copies its next writes make would land in the area), its
 * output is read through a pipe (pipe buffers are not movable, a file in
 * the rootfs would be shmem), and the --live process, which runs through
 * the cma_alloc, is stopped (SIGSTOP) as soon as the allocation has
 * failed until the frames left in the area are counted: pages it faulted
 * in then would land in the emptied area beside the held pages.  Its
 * trace buffer instance keeps recording meanwhile (4 MiB, the slab events
 * off: pfnlab reads none); it drains the buffer when continued, and its
 * last report is taken before the pipe of held pages is closed.  A
 * non-preemptible guest kernel gives it no CPU during the cma_alloc
 * itself, so whatever the buffer cannot hold is lost (and counted).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define PFNLAB "/bin/pfnlab"

extern char **environ;

/*
 * what pfnlab printed: one buffer, touched before the experiment
 * (scratch_init's rule); 1 MiB, for `--live` reports that name a thousand
 * held pages in each of their lines (2 GiB, N=1000: more than 256 KiB)
 */
static char out_buf[1 << 20];
static size_t out_len;

static pid_t live_pid = -1;
static int live_fd = -1;
static size_t live_scan;    /* bytes of out_buf already looked at */

void pfnlab_scratch_init(void)
{
	memset(out_buf, 0x5a, sizeof(out_buf));
	name_range("pfnlab_out", out_buf, sizeof(out_buf));
}

int pfnlab_present(void)
{
	return access(PFNLAB, X_OK) == 0;
}

/* pfnlab with @argv, its stdout and stderr into a pipe whose read end is returned in @fd */
static pid_t spawn(char *const argv[], int *fd)
{
	static char *const envp[] = {"PATH=/bin", "LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/lib64", NULL};
	posix_spawn_file_actions_t fa;
	int p[2], err;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		fail("pipe for pfnlab");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	err = posix_spawn(&pid, PFNLAB, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err)
		fail("posix_spawn %s: %s", PFNLAB, strerror(err));
	*fd = p[0];
	return pid;
}

/* Reads what @fd has within @timeout_ms into out_buf; returns 0 at EOF, 1 when more may come. */
static int drain(int fd, int timeout_ms)
{
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	ssize_t n;

	if (poll(&pf, 1, timeout_ms) <= 0)
		return 1;
	if (out_len + 1 >= sizeof(out_buf))
		fail("pfnlab printed more than %zu bytes", sizeof(out_buf));
	n = read(fd, out_buf + out_len, sizeof(out_buf) - 1 - out_len);
	if (n <= 0)
		return 0;
	out_len += (size_t)n;
	out_buf[out_len] = 0;
	return 1;
}

/* Reads @fd to its end (at most @secs seconds: a pfnlab that hangs is ended) and closes it. */
static void drain_all(int fd, pid_t pid, double secs)
{
	double t0 = now();

	while (drain(fd, 1000))
		if (now() - t0 > secs) {
			kill(pid, SIGKILL);
			printf("INFO pfnlab: pid %d killed after %.0f s without an end\n", (int)pid, secs);
			break;
		}
	close(fd);
}

static int wait_exit(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fail("waitpid pfnlab");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * Every line of out_buf from @from as "INFO pfnlab-@tag <line>"; the last
 * line starting with @a as "RESULT @ka <line>", likewise @b.
 */
static void report_lines(size_t from, const char *tag, const char *a, const char *ka, const char *b, const char *kb)
{
	const char *la = NULL, *lb = NULL;
	int na = 0, nb = 0;

	for (char *s = out_buf + from, *e; s < out_buf + out_len; s = e + 1) {
		e = strchr(s, '\n');
		if (!e)
			e = out_buf + out_len;
		printf("INFO pfnlab-%s %.*s\n", tag, (int)(e - s), s);
		if (a && !strncmp(s, a, strlen(a)))
			la = s, na = (int)(e - s);
		if (b && !strncmp(s, b, strlen(b)))
			lb = s, nb = (int)(e - s);
	}
	if (la && ka)
		result(ka, "%.*s", na, la);
	if (lb && kb)
		result(kb, "%.*s", nb, lb);
}

void pfnlab_what_if(void)
{
	char spec[300];
	char *argv[] = {"pfnlab", "snapshot", "/proc", "--pages", "--what-if", spec, "--json", NULL};
	double t0 = now();
	size_t from = out_len;
	int fd, rc;
	pid_t pid;

	snprintf(spec, sizeof(spec), "cma_alloc %s all", cma.name);
	pid = spawn(argv, &fd);
	drain_all(fd, pid, 300);
	rc = wait_exit(pid);
	result("pfnlab.whatif.seconds", "%.2f", now() - t0);
	result("pfnlab.whatif.exit", "%d", rc);
	report_lines(from, "whatif", "{\"what_if\"", "pfnlab.whatif", NULL, NULL);
}

/* The value of "@key": N in @line, -1 without one. */
static long long field(const char *line, const char *key)
{
	char pat[64];
	const char *s;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	s = strstr(line, pat);
	return s ? strtoll(s + strlen(pat), NULL, 10) : -1;
}

/* The "events" of the last health report after @from (-1: none yet); *@reports counts them. */
static long long last_events(size_t from, int *reports)
{
	long long ev = -1;

	*reports = 0;
	for (const char *s = out_buf + from; (s = strstr(s, "{\"t\": ")); s++) {
		if (!strchr(s, '\n'))	/* a report not yet whole */
			break;
		ev = field(s, "events");
		++*reports;
	}
	return ev;
}

/*
 * The slab events of the kmem system (kmalloc, kfree, kmem_cache_*,
 * rss_stat) are most of what the kernel emits and pfnlab reads none of
 * them: off in pfnlab's instance, so that more of the cma_alloc's page
 * events fit in its buffer while the reader gets no CPU.
 */
static void quiet_slab_events(void)
{
	static const char *const keep[] = {"mm_page_alloc", "mm_page_free", "mm_page_free_batched",
					   "mm_page_alloc_extfrag", "mm_page_alloc_zone_locked",
					   "mm_page_pcpu_drain", "mm_alloc_contig_migrate_range_info", NULL};
	char dir[128], path[512];
	struct dirent *d;
	DIR *dp;
	int off = 0;

	snprintf(dir, sizeof(dir), TRACEFS "/instances/pfnlab-%d/events/kmem", (int)live_pid);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp))) {
		int i = 0;

		while (keep[i] && strcmp(keep[i], d->d_name))
			i++;
		if (keep[i] || d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/enable", dir, d->d_name);
		off += write_file(path, "0") == 0;
	}
	closedir(dp);
	result("pfnlab.live.slab_events_off", "%d", off);
}

void pfnlab_live_start(void)
{
	static char *argv[] = {"pfnlab", "replay", "--live", "--every", "1", "--format", "json", NULL};
	static char status[4096];
	char path[128], v[32], *rss;
	double t0 = now();
	int reports = 0;

	live_scan = out_len;
	live_pid = spawn(argv, &live_fd);
	/* ready once the first report is out: tracing is on and the --pages snapshot built */
	while (now() - t0 < 600 && last_events(live_scan, &reports) < 0)
		if (!drain(live_fd, 1000))
			break;
	result("pfnlab.live.ready_seconds", "%.2f", now() - t0);
	if (!reports) {	/* it ended (or never got ready): what it said */
		kill(live_pid, SIGINT);
		drain_all(live_fd, live_pid, 60);
		report_lines(live_scan, "live", NULL, NULL, NULL, NULL);
		result("pfnlab.live.exit", "%d", wait_exit(live_pid));
		live_pid = -1;
		return;
	}
	quiet_slab_events();
	/* room for the page events of a whole-area cma_alloc while the reader gets no CPU */
	snprintf(path, sizeof(path), TRACEFS "/instances/pfnlab-%d/buffer_size_kb", (int)live_pid);
	snprintf(v, sizeof(v), "%d", 4096);
	result("pfnlab.live.buffer_size_kb", "%s", write_file(path, v) ? "default" : v);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)live_pid);
	if (read_file(path, status, sizeof(status)) > 0 && (rss = strstr(status, "VmRSS:")))
		result("pfnlab.live.rss_kB", "%lld", strtoll(rss + 6, NULL, 10));
}

void pfnlab_live_pause(void)
{
	if (live_pid > 0 && kill(live_pid, SIGSTOP))
		fail("SIGSTOP pfnlab");
}

/* Continue the --live reader, let it drain what the kernel did, then its final report (SIGINT). */
void pfnlab_live_finish(void)
{
	long long prev = -1, ev;
	double t0 = now();
	int reports, seen, settled = 0;

	if (live_pid <= 0)
		return;
	last_events(live_scan, &seen);
	if (kill(live_pid, SIGCONT))
		fail("SIGCONT pfnlab");
	/*
	 * Drained when three reports in a row (a second apart) applied fewer
	 * than 100 new events: what the idle guest's kernel still does.
	 */
	while (now() - t0 < 600 && settled < 2) {
		if (!drain(live_fd, 1000))
			break;
		ev = last_events(live_scan, &reports);
		if (reports == seen)
			continue;
		seen = reports;
		settled = prev >= 0 && ev - prev < 100 ? settled + 1 : 0;
		prev = ev;
	}
	result("pfnlab.live.drain_seconds", "%.2f", now() - t0);
	kill(live_pid, SIGINT);
	drain_all(live_fd, live_pid, 300);
	result("pfnlab.live.exit", "%d", wait_exit(live_pid));
	last_events(live_scan, &reports);
	result("pfnlab.live.reports", "%d", reports);
	report_lines(live_scan, "live", "{\"t\"", "pfnlab.live.health", "{\"what_if\"", "pfnlab.live.whatif");
	live_pid = -1;
}
