/*
 * engine_mpi.c - the MPI engine, without linking MPI (docs/sweep.md):
 * under `mpirun -np N pfnlab sweep ... --engine mpi` each rank reads its
 * rank from the launcher's environment.  Rank 0 listens on a TCP port and
 * publishes it in DIR/.coordinator (DIR must be on a file system every
 * node sees) with the job's id; the other ranks connect, say HELLO with
 * the spec's hash, and then take "RUN id" lines and send rows back,
 * running each in a forked child (engine_local.c).  Rank 0 hands runs out
 * one at a time as ranks become free (study_exec.c's loop calls it), and runs
 * its own share.  A rank that dies is reported; its run in flight is left
 * for --resume.
 *
 *   rank 0 (coordinator + worker)          rank k
 *     listen, DIR/.coordinator  <------  connect, "HELLO k slots hash host"
 *     "RUN 17"                   ------>  fork: scenario -> row
 *     row line                  <------
 *     "QUIT"                     ------>  exit 0
 *
 * Without mpirun around it, study_mpirun() starts `mpirun -np N` on this
 * very command and returns rank 0's exit code.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "study_internal.h"

#define MAX_RANKS 4096

/* A connected MPI rank (rank 0's view). */
struct conn {
	int fd;
	int rank;               /* -1 until HELLO */
	char host[64];
	unsigned slots;
	uint64_t inflight[64];
	unsigned ninflight;
	struct sweep_buf in;
	bool dead;
};

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pf = {fd, POLLOUT, 0};

				poll(&pf, 1, 1000);
				continue;
			}
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ------------------------------------------------------------------ the launcher's environment */

bool study_mpi_env(int *rank, int *size)
{
	const char *r = getenv("OMPI_COMM_WORLD_RANK"), *n = getenv("OMPI_COMM_WORLD_SIZE");

	if (!r || !n) {
		r = getenv("PMI_RANK");
		n = getenv("PMI_SIZE");
	}
	if (!r || !n)
		return false;
	*rank = atoi(r);
	*size = atoi(n);
	return *size >= 1 && *rank >= 0 && *rank < *size;
}

/* The job's id, from the launcher's environment: ranks of another job ignore our DIR/.coordinator. */
void mpi_token(char *buf, size_t len)
{
	static const char *const vars[] = {"PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid", "OMPI_MCA_orte_ess_jobid",
					   "PMI_KVSNAME", "SLURM_JOB_ID"};

	snprintf(buf, len, "job");
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v) {
			snprintf(buf, len, "%s", v);
			for (char *c = buf; *c; c++)
				if (*c == ' ' || *c == '\n')
					*c = '_';
			return;
		}
	}
}

/* ------------------------------------------------------------------ rank 0 */

/* DIR/.coordinator: this job's rank 0 listens at these addresses, or is done. */
static int coordinator_publish(struct study *st, bool done)
{
	struct sweep_buf b = {0};
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	struct ifaddrs *ifa = NULL;
	int rc;

	sweep_buf_printf(&b, "pfnlab-sweep %s %016llx %s\n", st->token, (unsigned long long)sweep_hash(st->ss->s),
			 done ? "done" : "open");
	if (!done) {
		if (getsockname(st->lfd, (struct sockaddr *)&sa, &sl))
			return cli_error("sweep: mpi: getsockname: %s", strerror(errno));
		sweep_buf_printf(&b, "port %u\n", ntohs(sa.sin_port));
		if (!getifaddrs(&ifa)) {
			for (int pass = 0; pass < 2; pass++)
				for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
					char ip[INET_ADDRSTRLEN];
					struct sockaddr_in *a = (struct sockaddr_in *)i->ifa_addr;
					bool lo;

					if (!a || a->sin_family != AF_INET)
						continue;
					lo = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
					if (lo != (pass == 1))
						continue;
					inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
					sweep_buf_printf(&b, "addr %s\n", ip);
				}
			freeifaddrs(ifa);
		}
		sweep_buf_printf(&b, "addr 127.0.0.1\n");
	}
	rc = b.failed ? (cli_error("out of memory"), EXIT_RESOURCE) : files_write(st->files, ".coordinator", b.p, b.n);
	sweep_buf_free(&b);
	return rc;
}

/* Rank 0: listen, and say where in DIR/.coordinator; an exit code. */
int mpi_listen(struct study *st)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};

	st->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (st->lfd < 0 || bind(st->lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(st->lfd, 128))
		return cli_error("sweep: mpi: cannot listen on a TCP port: %s", strerror(errno));
	st->conns = calloc(MAX_RANKS, sizeof(*st->conns));
	if (!st->conns) {
		cli_error("out of memory");
		return EXIT_RESOURCE;
	}
	return coordinator_publish(st, false);
}

static void conn_send(struct study *st, struct conn *c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void conn_send(struct study *st, struct conn *c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!c->dead && send_all(c->fd, buf, (size_t)n))
		c->dead = true;
}

static void conn_lost(struct study *st, struct conn *c, const char *why)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->dead = true;
	if (c->ninflight)
		fprintf(stderr, "pfnlab: sweep: rank %d on %s %s with %u run%s in flight (run %llu%s); 'pfnlab sweep --resume' completes %s\n",
			c->rank, c->host[0] ? c->host : "?", why, c->ninflight, c->ninflight > 1 ? "s" : "",
			(unsigned long long)c->inflight[0], c->ninflight > 1 ? ", ..." : "", c->ninflight > 1 ? "them" : "it");
	c->ninflight = 0;
	sweep_buf_free(&c->in);
}

static void conn_line(struct study *st, struct conn *c, char *line, size_t len)
{
	if (c->rank < 0) {
		int rank;
		unsigned slots;
		unsigned long long hash;
		char host[64];

		if (sscanf(line, "HELLO %d %u %llx %63s", &rank, &slots, &hash, host) != 4) {
			conn_lost(st, c, "said no HELLO");
			return;
		}
		if (hash != sweep_hash(st->ss->s)) {
			fprintf(stderr, "pfnlab: sweep: rank %d on %s has another spec (hash %016llx, not %016llx); ignored\n",
				rank, host, hash, (unsigned long long)sweep_hash(st->ss->s));
			conn_send(st, c, "BYE spec\n");
			conn_lost(st, c, "refused");
			return;
		}
		c->rank = rank;
		c->slots = slots < 1 ? 1 : slots > 64 ? 64 : slots;
		snprintf(c->host, sizeof(c->host), "%s", host);
		return;
	}
	{
		int64_t id = sweep_row_id(line, len + 1);
		unsigned k;
		int rc;

		for (k = 0; k < c->ninflight; k++)
			if ((int64_t)c->inflight[k] == id)
				break;
		if (id < 0 || k == c->ninflight) {
			conn_lost(st, c, "sent a row it was not asked for");
			return;
		}
		c->inflight[k] = c->inflight[--c->ninflight];
		line[len] = '\n';
		rc = files_store(st->files, line, len + 1);
		if (rc == -EINVAL)
			fprintf(stderr, "pfnlab: sweep: rank %d sent a malformed row for run %lld; left for --resume\n",
				c->rank, (long long)id);
		else if (rc && !st->store_err)
			st->store_err = rc;
	}
}

static void conn_read(struct study *st, struct conn *c)
{
	char buf[65536];
	ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
	size_t start = 0;

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_lost(st, c, "was lost");
		return;
	}
	if (r < 0)
		return;
	sweep_buf_add(&c->in, buf, (size_t)r);
	for (size_t i = 0; i < c->in.n && !c->dead; i++)
		if (c->in.p[i] == '\n') {
			c->in.p[i] = 0;
			conn_line(st, c, c->in.p + start, i - start);
			start = i + 1;
		}
	if (c->dead)
		return;
	memmove(c->in.p, c->in.p + start, c->in.n - start);
	c->in.n -= start;
	if (c->in.n > MAX_ROW_BYTES)
		conn_lost(st, c, "sent a line too long");
}

/* ------------------------------------------------------------------ rank 0, in study_exec.c's loop */

/* Hand runs @ids[*@next...] to the ranks that have free slots. */
void mpi_hand_out(struct study *st, const uint64_t *ids, size_t n, size_t *next)
{
	for (size_t c = 0; c < st->nconns && !st->interrupted; c++) {
		struct conn *cn = &st->conns[c];

		while (!cn->dead && cn->rank >= 0 && cn->ninflight < cn->slots && *next < n) {
			if (files_has(st->files, ids[*next])) {
				(*next)++;
				continue;
			}
			cn->inflight[cn->ninflight++] = ids[*next];
			conn_send(st, cn, "RUN %llu\n", (unsigned long long)ids[(*next)++]);
			if (cn->dead)
				conn_lost(st, cn, "was lost");
		}
	}
}

/* Runs in flight on the ranks. */
size_t mpi_busy(const struct study *st)
{
	size_t busy = 0;

	for (size_t c = 0; c < st->nconns; c++)
		busy += st->conns[c].ninflight;
	return busy;
}

/* The listening socket, then each rank's, to poll; how many. */
size_t mpi_pollfds(const struct study *st, struct pollfd *pf)
{
	pf[0] = (struct pollfd){st->lfd, st->lfd >= 0 ? POLLIN : 0, 0};
	for (size_t c = 0; c < st->nconns; c++)
		pf[1 + c] = (struct pollfd){st->conns[c].fd, st->conns[c].fd >= 0 ? POLLIN : 0, 0};
	return 1 + st->nconns;
}

/* A rank connecting, when @pf (as mpi_pollfds() laid it out) says so. */
void mpi_accept(struct study *st, const struct pollfd *pf)
{
	int fd;

	if (!pf[0].revents || st->lfd < 0)
		return;
	fd = accept4(st->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd >= 0 && st->nconns < MAX_RANKS) {
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		st->conns[st->nconns++] = (struct conn){.fd = fd, .rank = -1};
	} else if (fd >= 0) {
		close(fd);
	}
}

/* Lines from the ranks @pf says are ready; @n as mpi_pollfds() returned. */
void mpi_read(struct study *st, const struct pollfd *pf, size_t n)
{
	for (size_t c = 0; c + 1 < n; c++)
		if (st->conns[c].fd >= 0 && pf[1 + c].revents)
			conn_read(st, &st->conns[c]);
}

/* Interrupted: the ranks stop; their runs in flight are left for --resume. */
void mpi_interrupt(struct study *st)
{
	for (size_t c = 0; c < st->nconns; c++) {
		conn_send(st, &st->conns[c], "QUIT\n");
		st->conns[c].ninflight = 0;
	}
}

/* Stop the ranks, stop listening, say so in DIR/.coordinator. */
void mpi_close(struct study *st)
{
	for (size_t c = 0; c < st->nconns; c++) {
		if (st->conns[c].fd >= 0) {
			conn_send(st, &st->conns[c], "QUIT\n");
			close(st->conns[c].fd);
		}
		sweep_buf_free(&st->conns[c].in);
	}
	if (st->lfd >= 0) {
		close(st->lfd);
		coordinator_publish(st, true);
	}
	free(st->conns);
	st->conns = NULL;
	st->nconns = 0;
}

/* ------------------------------------------------------------------ rank k */

/* Connect to rank 0: wait for DIR/.coordinator of this job, try its addresses. */
static int worker_connect(struct study *st)
{
	double t = study_now();

	for (;;) {
		size_t len;
		int e;
		char *text = study_dir_read(st->dir, ".coordinator", &len, &e);
		char magic[32], token[128], state[16];
		unsigned long long hash;

		if (text && sscanf(text, "%31s %127s %llx %15s", magic, token, &hash, state) == 4 &&
		    !strcmp(magic, "pfnlab-sweep") && !strcmp(token, st->token)) {
			unsigned port = 0;
			char *save = NULL;

			if (hash != sweep_hash(st->ss->s)) {
				free(text);
				cli_error("sweep: mpi rank %d: rank 0 runs another spec than this rank (%s)", st->rank,
					  sweep_file(st->ss->s));
				return -EINVAL;
			}
			if (!strcmp(state, "done")) {
				free(text);
				return -ECONNREFUSED; /* the sweep ended before this rank came */
			}
			for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
				char ip[64];
				struct sockaddr_in sa = {.sin_family = AF_INET};
				int fd;

				if (sscanf(l, "port %u", &port) == 1 || sscanf(l, "addr %63s", ip) != 1)
					continue;
				sa.sin_port = htons((uint16_t)port);
				if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
					continue;
				fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
				if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
					free(text);
					return fd;
				}
				if (fd >= 0)
					close(fd);
			}
		}
		free(text);
		if (study_now() - t > 120)
			return -ETIMEDOUT;
		usleep(20000);
	}
}

/* A rank other than 0: take RUN lines, send rows, until QUIT; an exit code. */
int mpi_serve(struct study *st)
{
	struct sweep_buf in = {0}, row = {0};
	char host[64] = "?";
	int fd = worker_connect(st), rc = 0;
	bool quit = false;

	if (fd == -ECONNREFUSED)
		return EXIT_OK;
	if (fd < 0) {
		if (fd == -ETIMEDOUT)
			cli_error("sweep: mpi rank %d: no coordinator in %s/.coordinator after 120 s (is --out on a file system every node sees?)",
				  st->rank, st->dir);
		return EXIT_USAGE;
	}
	gethostname(host, sizeof(host) - 1);
	{
		char hello[160];
		int n = snprintf(hello, sizeof(hello), "HELLO %d %u %016llx %s\n", st->rank, st->o.jobs,
				 (unsigned long long)sweep_hash(st->ss->s), host);

		send_all(fd, hello, (size_t)n);
	}
	while (!quit || st->njobs) {
		struct pollfd pf[2 + 2 * 64];
		unsigned np = 0;

		pf[np++] = (struct pollfd){fd, POLLIN, 0};
		pf[np++] = (struct pollfd){st->sfd, POLLIN, 0};
		np += (unsigned)local_pollfds(st, pf + np);
		if (poll(pf, np, 1000) < 0 && errno != EINTR)
			break;
		if (pf[1].revents) {
			local_read_signal(st);
			if (st->interrupted) {
				local_kill(st);
				rc = EXIT_SIGNAL(st->interrupted);
				break;
			}
		}
		for (unsigned i = 0; i < st->njobs; i++) {
			if (!local_read(st, i, pf + 2))
				continue;
			row.n = 0;
			if (local_end(st, i, &row) && send_all(fd, row.p, row.n))
				quit = true;
			i = st->njobs; /* poll indices moved: read the rest next round */
		}
		if (pf[0].revents) {
			char buf[4096];
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			size_t start = 0;

			if (r <= 0 && !(r < 0 && errno == EINTR)) {
				local_kill(st); /* rank 0 is gone */
				break;
			}
			if (r > 0)
				sweep_buf_add(&in, buf, (size_t)r);
			for (size_t i = 0; i < in.n; i++) {
				unsigned long long id;

				if (in.p[i] != '\n')
					continue;
				in.p[i] = 0;
				if (sscanf(in.p + start, "RUN %llu", &id) == 1 && id < sweep_runs(st->ss->s) &&
				    st->njobs < st->o.jobs) {
					int s;

					row.n = 0;
					s = local_start(st, id, &row);
					if (s == 1) {
						send_all(fd, row.p, row.n);
					} else if (s < 0) {
						sweep_row_fail(st->ss->s, id, "crashed", -1, 0, strerror(-s), &row);
						send_all(fd, row.p, row.n);
					}
				} else if (!strncmp(in.p + start, "QUIT", 4) || !strncmp(in.p + start, "BYE", 3)) {
					quit = true;
					if (!strncmp(in.p + start, "BYE", 3)) {
						cli_error("sweep: mpi rank %d: rank 0 refused this rank (another spec)", st->rank);
						rc = EXIT_USAGE;
					}
				}
				start = i + 1;
			}
			if (start) {
				memmove(in.p, in.p + start, in.n - start);
				in.n -= start;
			}
		}
	}
	close(fd);
	sweep_buf_free(&in);
	sweep_buf_free(&row);
	return rc;
}

/* ------------------------------------------------------------------ mpirun */

int study_mpirun(int argc, char **argv, unsigned n)
{
	const char *launcher = getenv("PFNLAB_MPIRUN");
	char **av = calloc((size_t)argc + 16, sizeof(char *));
	char self[PATH_MAX], np[16], *lcopy = NULL, status[256];
	int ws = 0, code;
	pid_t pid;
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t k = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!av)
		return cli_error("out of memory"), EXIT_RESOURCE;
	if (sl <= 0) {
		free(av);
		return cli_error("--engine mpi: cannot find this program (/proc/self/exe)");
	}
	self[sl] = 0;
	snprintf(np, sizeof(np), "%u", n);
	if (launcher && *launcher) {
		char *save = NULL;

		lcopy = strdup(launcher);
		for (char *t = lcopy ? strtok_r(lcopy, " ", &save) : NULL; t && k < 8; t = strtok_r(NULL, " ", &save))
			av[k++] = t;
	} else {
		av[k++] = "mpirun";
		if ((long)n > cpus)
			av[k++] = "--oversubscribe";
		if (geteuid() == 0)
			av[k++] = "--allow-run-as-root";
		/* a rank that dies ends only itself: rank 0 reports it and goes on (Open MPI 4) */
		av[k++] = "--enable-recovery";
		av[k++] = "--mca";
		av[k++] = "orte_abort_on_non_zero_status";
		av[k++] = "0";
	}
	av[k++] = "-np";
	av[k++] = np;
	av[k++] = self;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--jobs")) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "-j", 2) && argv[i][2])
			continue;
		av[k++] = argv[i];
	}
	av[k] = NULL;
	/* with recovery mpirun's status is not rank 0's: rank 0 leaves it in a file here */
	code = study_status_create(status, sizeof(status));
	if (code) {
		free(lcopy);
		free(av);
		return code;
	}
	setenv("PFNLAB_MPI_STATUS", status, 1);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execvp(av[0], av);
		fprintf(stderr, "pfnlab: --engine mpi: cannot run '%s': %s (install openmpi-bin, or start pfnlab under mpirun yourself)\n",
			av[0], strerror(errno));
		_exit(127);
	}
	free(lcopy);
	free(av);
	if (pid < 0)
		return cli_error("--engine mpi: fork: %s", strerror(errno));
	signal(SIGINT, SIG_IGN); /* mpirun passes Ctrl-C on to the ranks */
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	code = study_status_read(status);
	if (code >= 0)
		return code;
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws) == 127 ? EXIT_USAGE : WEXITSTATUS(ws) ? WEXITSTATUS(ws) : EXIT_CHECK;
	return EXIT_SIGNAL(WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
}

void study_mpi_status(int rc)
{
	const char *path = getenv("PFNLAB_MPI_STATUS");
	int rank, size;

	if (path && study_mpi_env(&rank, &size) && rank == 0)
		study_status_write(path, rc);
}
