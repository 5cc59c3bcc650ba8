/*
 * output.c - how every command writes a named output (--svg, --png,
 * --html, --trace, sweep's --html, ...) and standard output (docs/cli.md,
 * "Outputs"):
 *
 *   -            standard output (so is /dev/stdout)
 *   new name     created through a temporary beside it, renamed when whole
 *   your file    replaced the same way (its mode kept); never truncated first
 *   other's file refused: a regular file another user owns is not replaced
 *   link         refused unless --follow-symlinks, then its target as above
 *   char device, FIFO   written directly, never replaced (/dev/null as root)
 *   directory, block device, socket   refused
 *
 * A temporary is created relative to the directory's fd with O_CREAT |
 * O_EXCL | O_NOFOLLOW (a planted link or file is never written through),
 * mode 0666 under the umask as a plain open gives, and renamed over the
 * target only when every write, fflush, fsync and close succeeded; a
 * failure removes it and leaves the target as it was.  Standard output is
 * a stream that remembers the first write error; main() reports it, once,
 * when the command ends (output_stdout_end()), whatever wrote to it.
 * Simplified: the owner is checked when the output is opened, not again at
 * the rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int exit_for_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOMEM:
		return EXIT_RESOURCE;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
	case EIO:
		return EXIT_WRITE;
	default:
		return EXIT_USAGE;
	}
}

int output_temp(int dirfd, const char *name, unsigned mode, char *tmp, size_t len)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	for (int tries = 0; tries < 100; tries++) {
		unsigned char r[6];
		char sfx[7];
		int fd;

		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			for (size_t i = 0; i < sizeof(r); i++)
				r[i] = (unsigned char)(rand() >> 7);
		for (size_t i = 0; i < sizeof(r); i++)
			sfx[i] = chars[r[i] % (sizeof(chars) - 1)];
		sfx[6] = 0;
		if (snprintf(tmp, len, ".%.200s.%s", name, sfx) >= (int)len)
			return -ENAMETOOLONG;
		fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

/* Whether --follow-symlinks was given (main.c keeps it in the environment, for re-executed ranks too). */
static bool follow_symlinks(void)
{
	const char *v = getenv("PFNLAB_FOLLOW_SYMLINKS");

	return v && *v && strcmp(v, "0") != 0;
}

/* @path's directory opened (O_DIRECTORY) and its last component in @name; -errno. */
static int open_parent(const char *path, char *name, size_t len)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd;

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
		slash = path - 1;
	} else if (slash == path) {
		snprintf(dir, sizeof(dir), "/");
	} else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path) >= (int)sizeof(dir)) {
		return -ENAMETOOLONG;
	}
	if (!slash[1] || !strcmp(slash + 1, ".") || !strcmp(slash + 1, ".."))
		return -EISDIR;
	if (snprintf(name, len, "%s", slash + 1) >= (int)len)
		return -ENAMETOOLONG;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

/* A message about @o and the exit code for @err. */
static int fail(const struct output *o, int err, const char *why)
{
	int rc = exit_for_errno(err);

	if (o->tmp[0] && rc != EXIT_USAGE)
		cli_error("%s %s: %s (%s)", o->what, o->path, why ? why : strerror(err),
			  o->existing ? "the file is left as it was" : "no file was written");
	else
		cli_error("%s %s: %s", o->what, o->path, why ? why : strerror(err));
	return rc;
}

/* Refuse @o's target: discard what is open, say why; the exit code. */
static int refuse(struct output *o, int err, const char *why)
{
	output_discard(o);
	return fail(o, err, why);
}

int output_open(struct output *o, const char *what, const char *path)
{
	struct stat st;
	char resolved[PATH_MAX];
	bool fresh = false;
	int fd;

	memset(o, 0, sizeof(*o));
	o->what = what;
	o->path = path;
	o->dirfd = -1;
	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout")) {
		o->is_stdout = true;
		o->f = stdout;
		return 0;
	}
	for (int hop = 0;; hop++) {
		fd = open_parent(path, o->name, sizeof(o->name));
		if (fd < 0)
			return fail(o, -fd, fd == -EISDIR ? "is a directory" : NULL);
		o->dirfd = fd;
		if (fstatat(fd, o->name, &st, AT_SYMLINK_NOFOLLOW)) {
			if (errno != ENOENT)
				return refuse(o, errno, NULL);
			fresh = true;
			break;
		}
		if (!S_ISLNK(st.st_mode))
			break;
		if (!follow_symlinks())
			return refuse(o, ELOOP, "is a symbolic link; pfnlab writes through one only with "
						"--follow-symlinks (docs/cli.md, Outputs)");
		if (hop || !realpath(path, resolved))
			return refuse(o, ELOOP, "is a symbolic link to nothing pfnlab can write");
		close(fd);
		o->dirfd = -1;
		path = resolved; /* no link left in it */
	}
	if (fresh || S_ISREG(st.st_mode)) {
		if (!fresh && st.st_uid != geteuid()) {
			char why[160];

			snprintf(why, sizeof(why), "belongs to uid %u; pfnlab replaces only files of its own user (uid %u)",
				 (unsigned)st.st_uid, (unsigned)geteuid());
			return refuse(o, EPERM, why);
		}
		o->existing = !fresh;
		fd = output_temp(o->dirfd, o->name, fresh ? 0666 : 0600, o->tmp, sizeof(o->tmp));
		if (fd < 0)
			return refuse(o, -fd, NULL);
		/* what a plain open would have kept: the file's mode and group */
		if (!fresh && (fchmod(fd, st.st_mode & 0777) || (fchown(fd, (uid_t)-1, st.st_gid) && errno != EPERM))) {
			int e = errno;

			close(fd);
			return refuse(o, e, NULL);
		}
	} else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
		struct stat now;

		fd = openat(o->dirfd, o->name, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return refuse(o, errno, NULL);
		if (fstat(fd, &now) || (now.st_mode & S_IFMT) != (st.st_mode & S_IFMT)) {
			close(fd);
			return refuse(o, EAGAIN, "changed while it was being opened");
		}
	} else {
		return refuse(o, EINVAL, S_ISDIR(st.st_mode) ? "is a directory"
					: "is a block device or a socket; pfnlab writes files, character devices and FIFOs");
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		int e = errno;

		close(fd);
		return refuse(o, e, NULL);
	}
	return 0;
}

int output_close(struct output *o)
{
	int err = 0;

	errno = 0;
	if (o->is_stdout) { /* its errors are reported once, by output_stdout_end() */
		fflush(stdout);
		return EXIT_OK;
	}
	if (fflush(o->f) || ferror(o->f))
		err = errno ? errno : EIO;
	if (!err && o->tmp[0] && fsync(fileno(o->f)))
		err = errno;
	if (fclose(o->f) && !err)
		err = errno ? errno : EIO;
	o->f = NULL;
	if (!err && o->tmp[0] && renameat(o->dirfd, o->tmp, o->dirfd, o->name))
		err = errno;
	if (!err)
		o->tmp[0] = 0; /* renamed: nothing to remove */
	else
		err = fail(o, err, NULL);
	output_discard(o);
	return err;
}

void output_discard(struct output *o)
{
	if (o->is_stdout)
		return;
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp[0] && o->dirfd >= 0)
		unlinkat(o->dirfd, o->tmp, 0);
	o->tmp[0] = 0;
	if (o->dirfd >= 0)
		close(o->dirfd);
	o->dirfd = -1;
}

int output_file(const char *what, const char *path, const void *data, size_t len)
{
	struct output o;
	int rc = output_open(&o, what, path);

	if (rc)
		return rc;
	fwrite(data, 1, len, o.f);
	return output_close(&o);
}

/* The stream's write: all of @buf to fd 1, the first error remembered. */
static ssize_t stdout_write(void *arg, const char *buf, size_t n)
{
	struct output_stdout *so = arg;
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(STDOUT_FILENO, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!so->err)
				so->err = w < 0 ? errno : EIO;
			return 0; /* stdio's "error": the stream's error flag is set */
		}
		done += (size_t)w;
	}
	return (ssize_t)n;
}

void output_stdout_begin(struct output_stdout *so)
{
	cookie_io_functions_t io = {.write = stdout_write};
	FILE *f;

	so->err = 0;
	so->f = NULL;
	f = fopencookie(so, "w", io);
	if (!f)
		return; /* stdout as it is: its errors without their errno */
	setvbuf(f, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, BUFSIZ);
	so->f = f;
	stdout = f; /* glibc's stdout is a variable (glibc manual, "Standard Streams") */
}

int output_stdout_end(struct output_stdout *so, int rc)
{
	int err = 0;

	errno = 0;
	if (fflush(stdout) || ferror(stdout))
		err = errno ? errno : EIO;
	if (fclose(stdout) && !err)
		err = errno ? errno : EIO;
	if (so->err)
		err = so->err;
	if (!err)
		return rc;
	cli_error("standard output: %s", strerror(err));
	if (rc != EXIT_OK && rc != EXIT_CHECK)
		return rc;
	return exit_for_errno(err) == EXIT_RESOURCE ? EXIT_RESOURCE : EXIT_WRITE;
}
