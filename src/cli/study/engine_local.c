/*
 * engine_local.c - the local engine: every run is one forked child of
 * this process (docs/sweep.md).  The parent parses each point's scenario
 * once; the child inherits the program, runs it, writes its row, one
 * line, on a pipe and exits.  A child that dies instead becomes a
 * "crashed" row with its stderr; the sweep goes on.  Children die with
 * the sweep (PR_SET_PDEATHSIG).
 *
 * SIGINT, SIGTERM and SIGHUP are blocked and read from a signalfd by the
 * loops that wait for children (study_exec.c, engine_mpi.c); the children get
 * the mask back.  MPI ranks run their share through this engine too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "study_internal.h"

#define MAX_STDERR_BYTES 4096

/* One run in a forked child. */
struct job {
	pid_t pid;
	uint64_t run;
	int fd_out, fd_err;
	struct sweep_buf out, err;
};

unsigned study_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* ------------------------------------------------------------------ signals */

void local_signals_block(struct study *st)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &st->oldmask);
	st->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

void local_signals_restore(struct study *st)
{
	if (st->sfd >= 0)
		close(st->sfd);
	st->sfd = -1;
	sigprocmask(SIG_SETMASK, &st->oldmask, NULL);
}

/* The first signal that came sets st->interrupted. */
void local_read_signal(struct study *st)
{
	struct signalfd_siginfo si;

	while (read(st->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (!st->interrupted)
			st->interrupted = (int)si.ssi_signo;
}

/* ------------------------------------------------------------------ children */

static void child_run(struct study *st, uint64_t run, int policy, uint64_t seed, bool seed_set)
{
	struct scn_opts o = {.policy = policy, .seed_set = seed_set, .seed = seed, .host_limit_bytes = st->host_limit};
	struct sweep_buf body = {0}, row = {0};
	struct scn_result r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = scn_run(st->prog, &o, &r);
	if (rc) {
		int code = rc == -E2BIG || rc == -ENOMEM ? EXIT_RESOURCE : rc == -EUCLEAN ? EXIT_INTERNAL : EXIT_USAGE;

		sweep_row_fail(st->ss->s, run, "error", code, 0, r.error[0] ? r.error : pfnlab_strerror(rc), &row);
	} else {
		const char *obj;
		size_t len;

		if (study_run_json(&r, &body, &obj, &len))
			_exit(EXIT_INTERNAL);
		sweep_row_ok(st->ss->s, run, obj, len, &row);
	}
	if (row.failed || study_write_all(STDOUT_FILENO, row.p, row.n))
		_exit(EXIT_RESOURCE);
	_exit(0);
}

/* Parse the run's scenario unless the cached program is it. */
static int prepare(struct study *st, uint64_t run, int *policy, uint64_t *seed, bool *seed_set, char *err,
		   size_t errlen)
{
	char *text;
	size_t len;
	int rc = sweep_run_text(st->ss->s, run, &text, &len, policy, seed, seed_set);

	if (rc)
		return rc;
	if (st->prog && !strcmp(text, st->prog_text)) {
		free(text);
		return 0;
	}
	scn_free(st->prog);
	free(st->prog_text);
	st->prog = NULL;
	st->prog_text = NULL;
	rc = scn_parse(sweep_scenario_name(st->ss->s), text, len, &st->prog, err, errlen);
	if (rc) {
		st->prog = NULL;
		free(text);
		return rc;
	}
	st->prog_text = text;
	return 0;
}

/*
 * Start run @run in a child, job st->njobs.  Returns 0 (job started), 1
 * (the row is already in @row: the scenario does not parse) or a negative
 * errno.
 */
int local_start(struct study *st, uint64_t run, struct sweep_buf *row)
{
	struct job *j = &st->jobs[st->njobs];
	int po[2], pe[2], policy;
	uint64_t seed;
	bool seed_set;
	char err[1024];
	pid_t parent = getpid();
	int rc = prepare(st, run, &policy, &seed, &seed_set, err, sizeof(err));

	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		sweep_row_fail(st->ss->s, run, "error", EXIT_USAGE, 0, err, row);
		return 1;
	}
	if (pipe2(po, O_CLOEXEC))
		return -errno;
	if (pipe2(pe, O_CLOEXEC)) {
		close(po[0]);
		close(po[1]);
		return -errno;
	}
	fflush(NULL);
	j->pid = fork();
	if (j->pid < 0) {
		rc = -errno;
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		return rc;
	}
	if (j->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(EXIT_INTERNAL);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &st->oldmask, NULL);
		if (dup2(po[1], STDOUT_FILENO) < 0 || dup2(pe[1], STDERR_FILENO) < 0)
			_exit(EXIT_INTERNAL);
		close_range(3, ~0u, 0);
		child_run(st, run, policy, seed, seed_set);
	}
	close(po[1]);
	close(pe[1]);
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	j->run = run;
	j->fd_out = po[0];
	j->fd_err = pe[0];
	j->out = (struct sweep_buf){0};
	j->err = (struct sweep_buf){0};
	st->njobs++;
	return 0;
}

/* The children's pipes to poll, two per job (stdout, stderr); how many. */
size_t local_pollfds(const struct study *st, struct pollfd *pf)
{
	for (unsigned i = 0; i < st->njobs; i++) {
		pf[2 * i] = (struct pollfd){st->jobs[i].fd_out, POLLIN, 0};
		pf[2 * i + 1] = (struct pollfd){st->jobs[i].fd_err, POLLIN, 0};
	}
	return 2 * (size_t)st->njobs;
}

/* Read what a child wrote; true when both pipes are at their end. */
static bool job_read(struct job *j, int fd)
{
	char buf[65536];
	ssize_t r;

	for (;;) {
		bool is_out = fd == j->fd_out;
		struct sweep_buf *b = is_out ? &j->out : &j->err;

		r = read(fd, buf, sizeof(buf));
		if (r > 0) {
			size_t cap = is_out ? MAX_ROW_BYTES : MAX_STDERR_BYTES;

			if (b->n < cap)
				sweep_buf_add(b, buf, (size_t)r < cap - b->n ? (size_t)r : cap - b->n);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		close(fd);
		if (is_out)
			j->fd_out = -1;
		else
			j->fd_err = -1;
		break;
	}
	return j->fd_out < 0 && j->fd_err < 0;
}

/*
 * Read the pipes of job @i that @pf (as local_pollfds() laid it out) says
 * are ready; true when this read found both at their end.
 */
bool local_read(struct study *st, unsigned i, const struct pollfd *pf)
{
	struct job *j = &st->jobs[i];
	bool done = false;

	if (j->fd_out >= 0 && pf[2 * i].revents)
		done = job_read(j, j->fd_out);
	if (j->fd_err >= 0 && pf[2 * i + 1].revents)
		done = job_read(j, j->fd_err);
	return done;
}

/* Whether job @i closed both pipes (it is ending). */
bool local_done(const struct study *st, unsigned i)
{
	return st->jobs[i].fd_out < 0 && st->jobs[i].fd_err < 0;
}

/*
 * Job @i is done: its row into @row, and the job leaves the table (the
 * last takes its place).  Returns 1 with a row, 0 when the run was lost
 * to an interruption (no row).
 */
int local_end(struct study *st, unsigned i, struct sweep_buf *row)
{
	struct job *j = &st->jobs[i];
	int status = 0, rc = 1;
	char msg[MAX_STDERR_BYTES + 64];
	size_t nkv;

	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && j->out.n && j->out.p[j->out.n - 1] == '\n' &&
	    sweep_row_id(j->out.p, j->out.n) == (int64_t)j->run && !memchr(j->out.p, '\n', j->out.n - 1) &&
	    !sweep_json_flat(j->out.p, j->out.n, st->kv, 256, &nkv)) {
		sweep_buf_add(row, j->out.p, j->out.n);
	} else if (WIFSIGNALED(status) && st->interrupted) {
		rc = 0;
	} else {
		size_t n = j->err.n;

		while (n && (j->err.p[n - 1] == '\n' || j->err.p[n - 1] == ' '))
			n--;
		if (n)
			snprintf(msg, sizeof(msg), "%.*s", (int)n, j->err.p);
		else if (WIFSIGNALED(status))
			snprintf(msg, sizeof(msg), "the worker was killed by signal %d (%s)", WTERMSIG(status),
				 strsignal(WTERMSIG(status)));
		else
			snprintf(msg, sizeof(msg), "the worker exited with status %d without a row", WEXITSTATUS(status));
		sweep_row_fail(st->ss->s, j->run, "crashed", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			       WIFSIGNALED(status) ? WTERMSIG(status) : 0, msg, row);
	}
	sweep_buf_free(&j->out);
	sweep_buf_free(&j->err);
	*j = st->jobs[--st->njobs];
	return rc;
}

/* Kill every child and forget it. */
void local_kill(struct study *st)
{
	for (unsigned i = 0; i < st->njobs; i++) {
		kill(st->jobs[i].pid, SIGKILL);
		if (st->jobs[i].fd_out >= 0)
			close(st->jobs[i].fd_out);
		if (st->jobs[i].fd_err >= 0)
			close(st->jobs[i].fd_err);
		waitpid(st->jobs[i].pid, NULL, 0);
		sweep_buf_free(&st->jobs[i].out);
		sweep_buf_free(&st->jobs[i].err);
	}
	st->njobs = 0;
}

/* The job table: o.jobs children at most. */
int local_init(struct study *st)
{
	st->jobs = calloc(st->o.jobs, sizeof(*st->jobs));
	return st->jobs ? 0 : -ENOMEM;
}
