/*
 * base.c - the bottom of the oracle guest program, used by every other
 * file: the experiment's parameters, the mailbox shared with init, the
 * output lines (RESULT), failing (which powers the machine off when init
 * fails) and whole-file reads and writes of /proc, /sys and debugfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

struct params par = {"borrow", 160, 160, 200, 64};
struct mailbox *mbox;

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void result(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("RESULT %s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* init powers the machine off (no sync: nothing written needs to last) */
_Noreturn void power_off(int code)
{
	fflush(stdout);
	if (getpid() == 1) {
		reboot(LINUX_REBOOT_CMD_POWER_OFF);
		for (;;)
			pause();
	}
	_exit(code);
}

_Noreturn void fail(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	printf("RESULT error ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d %s)\n", e, strerror(e));
	power_off(1);
}

int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while ((size_t)got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return (int)got;
}

int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

uint64_t read_u64(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)) <= 0)
		fail("cannot read %s", path);
	return strtoull(buf, NULL, 0);
}
