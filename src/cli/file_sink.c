/*
 * file_sink.c - text to a FILE for the commands: a struct pfnlab_sink
 * that writes to one (the library's views and reports take a sink), and
 * a JSON string written to one, quotes included.
 */
#include <string.h>

#include "cli.h"
#include "fmt.h"

static void file_write(void *arg, const char *buf, size_t len)
{
	fwrite(buf, 1, len, (FILE *)arg);
}

void file_sink(struct pfnlab_sink *s, FILE *f)
{
	s->write = file_write;
	s->arg = f;
}

void json_fstring(FILE *f, const char *s)
{
	struct pfnlab_sink sk;

	file_sink(&sk, f);
	json_string(&sk, s ? s : "", s ? strlen(s) : 0);
}
