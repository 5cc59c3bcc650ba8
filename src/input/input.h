/*
 * input.h - the input layer: what users bring from their machines, read
 * into the model.
 *
 *   source.c       a file, a pipe or standard input as a stream of text,
 *                  decoded as it is read; its lines one at a time; small
 *                  files (a snapshot's) read whole
 *   decompress.c   .xz (liblzma), .zst (libzstd), .gz (zlib) decoders, by
 *                  magic number, a buffer at a time
 *   tracedat.c     trace-cmd .dat files through libtracecmd, rendered as
 *                  `trace-cmd report` text record by record
 *   trace_parse.c  one line of ftrace text: context columns, event name, fields
 *   trace_event.c  one line of a trace read into a struct trace_event
 *   replay_apply.c one event applied to the model
 *   replay.c       a trace's lines read, applied and counted; the summary
 *   snapshot_parse.c  /proc/buddyinfo, pagetypeinfo, zoneinfo, iomem text
 *   snapshot.c     a machine built to match a snapshot
 *   snapshot_pages.c  its frames laid as kpageflags, kpagecount, the CMA
 *                  areas' debugfs files and the processes' pagemaps say
 *   live.c         the running kernel's trace buffers as lines (libtracefs);
 *                  the CMA areas' health
 *
 * A replay runs reader -> parser -> applier, a line at a time: source.c
 * yields lines (struct input_lines), trace_event.c turns one into a struct
 * trace_event, replay_apply.c applies that to the machine; replay.c drives
 * the three and counts.  Nothing below replay.c keeps more than one line
 * (and a buffer): a trace of any length, or one that never ends, is
 * replayed in constant memory.  A caller with its own source of lines
 * (`replay --live`) opens it with input_open() (or has its text in
 * memory: input_lines_init()), and hands the lines to pfnlab_replay_run().
 *
 * The input layer sits above the core (it drives the model through
 * src/core/model.h) and below the CLI.  With src/cli it is the only code
 * that reads files; the core never does.  Every error is a negative errno
 * with a one-line reason "FILE:LINE: what is wrong" in a caller's buffer.
 */
#ifndef PFNLAB_INPUT_H
#define PFNLAB_INPUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model.h"

/* ---- source.c, decompress.c, tracedat.c ---- */

enum input_kind {
	INPUT_PLAIN,    /* text */
	INPUT_XZ,       /* .xz: FD 37 7A 58 5A 00 */
	INPUT_ZSTD,     /* .zst: 28 B5 2F FD */
	INPUT_GZIP,     /* .gz: 1F 8B */
	INPUT_TRACEDAT, /* trace-cmd .dat: 17 08 44 "tracing" */
};

/**
 * input_detect() - what a buffer holds, by its magic number.
 * @p: the first bytes
 * @n: how many (at least 10 are needed to see every magic)
 *
 * Return: an enum input_kind (INPUT_PLAIN when no magic matches).
 */
enum input_kind input_detect(const void *p, size_t n);

/** input_kind_name() - "text", "xz", "zstd", "gzip", "trace-cmd dat". */
const char *input_kind_name(enum input_kind k);

/* One step of a decoder: compressed bytes in, decoded bytes out. */
struct decoder_io {
	const uint8_t *in;     /* compressed bytes not consumed yet (advanced) */
	size_t inlen;
	bool in_eof;           /* nothing follows @in */
	char *out;             /* where decoded bytes go */
	size_t cap;            /* room there (> 0) */
	size_t produced;       /* receives how many were written */
};

struct decoder;

/**
 * decoder_create() - a streaming decoder.
 * @kind: INPUT_XZ, INPUT_ZSTD or INPUT_GZIP
 * @memlimit: the most memory its dictionary or window may take (0: the library's default)
 * @out: receives the decoder
 * @why: reason on error
 * @len: size of @why
 *
 * Return: 0, -ENOMEM, -EINVAL (not a compressed kind).
 */
int decoder_create(enum input_kind kind, uint64_t memlimit, struct decoder **out, char *why, size_t len);

/**
 * decoder_run() - decode what @io offers into @io->out.
 *
 * Return: 0 (call again: with more input, or more room), 1 at the end of
 * the data (every stream complete, nothing more produced), -EINVAL
 * (corrupt or truncated data), -E2BIG (the data needs more memory than the
 * limit), -ENOMEM; reason in @why.
 */
int decoder_run(struct decoder *d, struct decoder_io *io, char *why, size_t len);

/** decoder_destroy() - free a decoder (NULL is ignored). */
void decoder_destroy(struct decoder *d);

/**
 * input_decompress() - decode a whole buffer held in memory (a file read
 * in pieces of its own, as /proc/kpageflags is), through decoder_run().
 * @kind: INPUT_XZ, INPUT_ZSTD or INPUT_GZIP
 * @in: compressed bytes
 * @inlen: their number
 * @out: receives a malloc'd, NUL-terminated buffer
 * @outlen: receives its length (without the NUL)
 * @limit: refuse to produce this many bytes or more, and a decoder needing
 *         more memory (0: no limit)
 * @why: receives a reason on error ("xz data is truncated", ...)
 * @len: size of @why
 *
 * Return: 0, -EINVAL (corrupt or truncated data), -E2BIG (over @limit),
 * -ENOMEM.
 */
int input_decompress(enum input_kind kind, const void *in, size_t inlen, char **out, size_t *outlen,
		     uint64_t limit, char *why, size_t len);

struct tracedat;

/**
 * input_tracedat_open() - a trace-cmd .dat file, to be read as the text
 * lines `trace-cmd report` prints ("comm-pid [cpu] ts: event: fields"),
 * with "CPU:N [LOST M EVENTS]" before records that lost events.
 * @fd: an open, seekable descriptor of the .dat file, at its start (not taken over)
 * @name: its name for messages
 * @out: receives the reader
 * @why: reason on error
 * @len: size of @why
 *
 * Return: 0, -EINVAL (not a readable .dat file), -ENOMEM, -ENOTSUP.
 */
int input_tracedat_open(int fd, const char *name, struct tracedat **out, char *why, size_t len);

/**
 * input_tracedat_read() - the next bytes of the text, record after record.
 * @n: receives how many bytes were put in @out (at most @cap)
 *
 * Return: 0, 1 at the end (nothing put), -ENOMEM.
 */
int input_tracedat_read(struct tracedat *d, char *out, size_t cap, size_t *n, char *why, size_t len);

/** input_tracedat_close() - free the reader (NULL is ignored). */
void input_tracedat_close(struct tracedat *d);

/**
 * input_memory_limit() - how much memory input may take: half of this
 * host's RAM or, when the process runs in a memory cgroup with a limit,
 * half of that limit (cgroup v2 memory.max or v1 memory.limit_in_bytes,
 * the smallest over the cgroup and its parents).
 * @proc_cgroup: the /proc/self/cgroup to read (NULL: the real one)
 * @cgroup_root: where the cgroup file systems are mounted (NULL: /sys/fs/cgroup)
 *
 * Return: bytes (at least 64 MiB).
 */
uint64_t input_memory_limit(const char *proc_cgroup, const char *cgroup_root);

/* Options of an input stream. */
struct input_stream_opts {
	/* a read that waits (a pipe, trace_pipe) gives up when this becomes non-zero (a signal handler sets it) */
	const volatile sig_atomic_t *stop;
	uint64_t mem_limit;    /* decoders' memory, staged .dat data (0: input_memory_limit()) */
	bool regular_only;     /* refuse FIFOs, devices and sockets (snapshot files) */
};

struct input_stream;

/**
 * input_open() - open a trace or snapshot file as a stream of text.
 * @path: a file, or "-" for standard input
 * @o: options (may be NULL)
 * @out: receives the stream; release with input_close()
 * @why: receives "PATH: reason" on error
 * @len: size of @why
 *
 * The first bytes decide what the data is: text, or .xz, .zst, .gz
 * (decoded as they are read), or a trace-cmd .dat file (rendered as text
 * through libtracecmd; one from a pipe, or compressed, is first copied to
 * an unlinked temporary file, at most the memory limit).  A name that
 * promises a compression the bytes do not have is an error, as are
 * directories, empty files and missing files.  Pipes, FIFOs and
 * character devices are read as they come, unless @o->regular_only.
 *
 * Return: 0, -ENOENT, -EISDIR, -EINVAL (bad or empty data, not a regular
 * file), -ENOMEM, -EIO, -E2BIG, -ENOTSUP (.dat support not built in).
 */
int input_open(const char *path, const struct input_stream_opts *o, struct input_stream **out, char *why,
	       size_t len);

/** input_close() - close the stream (NULL is ignored); standard input stays open. */
void input_close(struct input_stream *st);

/** input_stream_name() - the name for messages: the path, or "<stdin>". */
const char *input_stream_name(const struct input_stream *st);

/** input_stream_kind() - what the bytes on disk are. */
enum input_kind input_stream_kind(const struct input_stream *st);

/** input_stream_seekable() - can input_stream_rewind() start it again (a regular file)? */
bool input_stream_seekable(const struct input_stream *st);

/**
 * input_stream_progress() - bytes read from the file so far, and its size
 * (0 when unknown: a pipe, a .dat file).
 */
void input_stream_progress(const struct input_stream *st, uint64_t *done, uint64_t *total);

/**
 * input_stream_read() - the next decoded bytes.
 * @n: receives how many were put in @out (at most @cap, at least 1 unless at the end)
 *
 * Return: 0, 1 at the end (nothing put), -EINTR (the stop flag was set
 * while waiting), or the error of the data (reason in @why, without the name).
 */
int input_stream_read(struct input_stream *st, char *out, size_t cap, size_t *n, char *why, size_t len);

/** input_stream_rewind() - back to the first byte of a seekable stream.  Return: 0, -ESPIPE, -EIO, -ENOMEM. */
int input_stream_rewind(struct input_stream *st, char *why, size_t len);

/* A small file held in memory, decoded. */
struct input_buf {
	char *data;            /* NUL-terminated; len bytes before the NUL */
	size_t len;
	char name[256];        /* the path as given */
};

/**
 * input_read() - a small file (a snapshot's) read whole into memory.
 * @path: a regular file (or one of /proc); compressed ones are decoded
 * @max: refuse this many bytes of text or more (0: the memory limit)
 * @b: receives the text; release with input_buf_free()
 * @why: receives "PATH: reason" on error
 * @len: size of @why
 *
 * Return: as input_open(), and -E2BIG at @max.
 */
int input_read(const char *path, uint64_t max, struct input_buf *b, char *why, size_t len);

/** input_buf_free() - release what input_read() filled in. */
void input_buf_free(struct input_buf *b);

/**
 * input_binary_line() - does a text hold binary data?
 * @text: the bytes
 * @len: their number
 *
 * Return: the line (from 1) of the first NUL byte, or 0 when there is none.
 */
uint64_t input_binary_line(const char *text, size_t len);

#define INPUT_LINE_MAX (1u << 20)   /* a longer line is no text pfnlab reads */

/* A text growing in memory, up to a limit (a small file read whole, a report). */
struct input_text {
	char *p;               /* NUL-terminated once anything was appended */
	size_t len, cap;
	uint64_t limit;        /* the most bytes it may hold (0: no limit) */
};

/**
 * input_text_reserve() - room for @want more bytes and a NUL.
 * @t: the text
 * @want: bytes about to be added
 *
 * Return: 0, -E2BIG (more than @t->limit), -ENOMEM.
 */
int input_text_reserve(struct input_text *t, size_t want);

/** input_text_append() - add @n bytes at @s, NUL-terminated.  Return: as input_text_reserve(). */
int input_text_append(struct input_text *t, const char *s, size_t n);

/*
 * The lines of an input, one at a time, with their numbers for messages:
 * a text in memory, or a stream read through a buffer of its own.  The
 * current line stays valid until the next call.
 */
struct input_lines {
	const char *name;      /* the file, for "NAME:LINE: ..." messages */
	const char *p, *end;   /* what is buffered and not read yet */
	const char *s;         /* the current line, without its newline and a '\r' before it */
	size_t n;              /* its length */
	uint64_t no;           /* its number, from 1 */
	/*
	 * why the lines ended before the end of the input: -EILSEQ (binary
	 * data on line no + 1), -E2BIG (line no + 1 longer than
	 * INPUT_LINE_MAX), -ENOSPC (the held window is full: not sticky),
	 * -EINTR (stopped), or the stream's error
	 */
	int err;
	int stop_err;          /* an error waiting at @end */
	bool eof;              /* nothing follows @end */
	struct input_stream *src;  /* NULL: the whole text is in memory */
	char *buf;             /* the stream's buffer, [buf, buf + cap) (a text in memory: the text) */
	size_t cap;
	const char *mark;      /* held from here (input_lines_hold()), or NULL */
	uint64_t mark_no;
	size_t window;         /* the most bytes held */
	struct trace_memo *memo; /* the look-ahead's line splits (trace_event.c), or NULL; freed with the lines */
	char why[256];         /* the stream's reason for err */
};

/** input_lines_init() - read @text (@len bytes, named @name) a line at a time. */
void input_lines_init(struct input_lines *l, const char *name, const char *text, size_t len);

/** input_lines_stream() - read @st a line at a time.  Return: 0 or -ENOMEM. */
int input_lines_stream(struct input_lines *l, struct input_stream *st);

/** input_lines_free() - free the buffer input_lines_stream() took (not the stream). */
void input_lines_free(struct input_lines *l);

/** input_lines_more() - input_lines_next() beyond what is buffered (the slow path). */
bool input_lines_more(struct input_lines *l);

/**
 * input_lines_next() - the next line into @l->s and @l->n, and its number
 * into @l->no.  A last line without a newline is a line.  Inline: it runs
 * once a line.
 *
 * Return: false at the end of the input, or when @l->err says why it stopped.
 */
static inline bool input_lines_next(struct input_lines *l)
{
	const char *nl;

	if (l->p >= l->end || !(nl = memchr(l->p, '\n', (size_t)(l->end - l->p))))
		return input_lines_more(l);
	l->s = l->p;
	l->n = (size_t)(nl - l->p);
	if (l->n && l->s[l->n - 1] == '\r')
		l->n--;
	l->p = nl + 1;
	l->no++;
	return true;
}

/**
 * input_lines_hold() - keep every line read from now on (at most @window
 * bytes), to read them again after input_lines_rewind(): a look-ahead.
 * When the window is full input_lines_next() returns false with @l->err
 * -ENOSPC; input_lines_release() then lets it go on.
 */
void input_lines_hold(struct input_lines *l, size_t window);

/** input_lines_release() - stop holding; the lines go on from where they are. */
void input_lines_release(struct input_lines *l);

/** input_lines_rewind() - back to where input_lines_hold() was called, and stop holding. */
void input_lines_rewind(struct input_lines *l);

/** input_lines_restart() - back to the first line of a seekable stream.  Return: 0 or a negative errno. */
int input_lines_restart(struct input_lines *l);

/**
 * input_lines_error() - why the lines stopped early, as "NAME:LINE: ..." in @why.
 * @what: what the text should have been, for binary data and long lines ("trace text")
 *
 * Return: @l->err (0: the input simply ended).
 */
int input_lines_error(const struct input_lines *l, const char *what, char *why, size_t len);

/* ---- trace_parse.c ---- */

/* Known events; the replay applies or counts each. */
enum trace_event_id {
	EV_UNKNOWN = 0,
	EV_PAGE_ALLOC,         /* kmem:mm_page_alloc */
	EV_PAGE_FREE,          /* kmem:mm_page_free */
	EV_PAGE_FREE_BATCHED,  /* kmem:mm_page_free_batched */
	EV_ALLOC_ZONE_LOCKED,  /* kmem:mm_page_alloc_zone_locked */
	EV_PCPU_DRAIN,         /* kmem:mm_page_pcpu_drain */
	EV_EXTFRAG,            /* kmem:mm_page_alloc_extfrag */
	EV_CONTIG_INFO,        /* kmem:mm_alloc_contig_migrate_range_info (v6.10+) */
	EV_MIGRATE,            /* migrate:mm_migrate_pages */
	EV_MIGRATE_START,      /* migrate:mm_migrate_pages_start */
	EV_COMPACTION,         /* compaction:* */
	EV_CMA_ALLOC,          /* cma:cma_alloc (v4.1..v5.12) */
	EV_CMA_RELEASE,        /* cma:cma_release (both forms) */
	EV_CMA_ALLOC_START,    /* cma:cma_alloc_start (v5.13+) */
	EV_CMA_ALLOC_FINISH,   /* cma:cma_alloc_finish (v5.13+) */
	EV_CMA_BUSY_RETRY,     /* cma:cma_alloc_busy_retry (v5.13+) */
	EV_TEST_ISOLATED,      /* page_isolation:test_pages_isolated */
	EV_NR_IDS
};

/* What kind of line trace_split_line() found. */
enum trace_line_kind {
	TL_SKIP,   /* comment, header, blank, anything that is no event */
	TL_EVENT,  /* "<comm>-<pid> [cpu] [flags] ts: event: fields" */
	TL_LOST,   /* "CPU:N [LOST M EVENTS]" or trace-cmd's "CPU:N [M EVENTS DROPPED]" */
};

struct trace_line {
	const char *name;      /* event name (not NUL-terminated) */
	size_t name_len;
	enum trace_event_id id; /* trace_event_lookup() of the name */
	const char *fields;    /* everything after "event: " */
	size_t fields_len;
	bool has_flags;        /* the flags column (irqs-off, need-resched, ...) is there */
	uint64_t lost;         /* TL_LOST: events lost (0 when the count is unknown) */
	bool lost_unknown;     /* TL_LOST: "[EVENTS DROPPED]" without a count */
};

/**
 * trace_split_line() - find the event name and fields of one line.
 * @s: the line, without its newline
 * @n: its length
 * @tl: receives the parts
 *
 * Reads the shapes of /sys/kernel/tracing/trace and trace_pipe (with or
 * without the flags column, with or without the TGID column) and of
 * `trace-cmd report` (event names padded after the colon).
 *
 * Return: an enum trace_line_kind.
 */
enum trace_line_kind trace_split_line(const char *s, size_t n, struct trace_line *tl);

/**
 * trace_page_head() - the head of an mm_page_alloc, mm_page_free or
 * mm_page_free_batched line in its usual form, read in one pass as
 * trace_split_line() would read it, never past a newline.
 * @s: the start of the line
 * @end: the end of what is buffered (more lines may follow)
 * @tl: receives the name, its id, has_flags and the fields' start (not fields_len)
 *
 * Return: the fields' start, or NULL for any other line (and any unusual
 * form of these): trace_split_line() reads it.
 */
const char *trace_page_head(const char *s, const char *end, struct trace_line *tl);

/** trace_event_lookup() - the id of an event name (EV_UNKNOWN if not one pfnlab reads). */
enum trace_event_id trace_event_lookup(const char *name, size_t len);

#define TRACE_MAX_FIELDS 24

/* The "key=value" fields of an event, in order. */
struct trace_fields {
	unsigned n;
	struct {
		const char *k, *v;
		uint32_t klen, vlen;
	} f[TRACE_MAX_FIELDS];
};

/**
 * trace_split_fields() - cut "k=v k=v ..." into pairs.  A value runs to
 * the next blank, or to the closing parenthesis when it opens one
 * ("range=(0x1 ~ 0x2)"); words without '=' belong to the value before.
 *
 * Return: 0, or -EINVAL when a field has no '=' at all or there are too many.
 */
int trace_split_fields(const char *s, size_t n, struct trace_fields *tf);

/** trace_field() - the value of @key; @hint is where it usually is.  NULL if absent. */
const char *trace_field(const struct trace_fields *tf, unsigned hint, const char *key, uint32_t *vlen);

/**
 * trace_parse_u64() - a number as the kernel prints it: decimal, "0x" hex,
 * or plain hex when @hex.  Return: 0 or -EINVAL.
 */
int trace_parse_u64(const char *v, size_t n, bool hex, uint64_t *out);

/** trace_parse_s64() - a signed decimal ("-16").  Return: 0 or -EINVAL. */
int trace_parse_s64(const char *v, size_t n, int64_t *out);

/* ---- trace_event.c ---- */

/*
 * One line of a trace, read: what kind of line, and what a known event
 * says.  event_parse() sets the fields of the line's kind and those its
 * event carries; the others are left as they were (it runs once a line).
 */
struct trace_event {
	enum trace_line_kind line;
	/*
	 * TL_EVENT: the event; EV_UNKNOWN for one pfnlab does not read, and
	 * for a malformed line whose fields are not key=value pairs
	 */
	enum trace_event_id id;
	bool has_flags;        /* TL_EVENT: the flags column is there */
	bool header;           /* TL_SKIP: a "# tracer:" header or trace-cmd's "cpus=" line */
	bool trace_cmd;        /* TL_SKIP: trace-cmd's "cpus=" line */
	uint64_t lost;         /* TL_LOST: events lost (0 when the count is unknown) */
	bool lost_unknown;     /* TL_LOST: "[EVENTS DROPPED]" without a count */
	/* what a known event says, in the model's terms */
	bool failed;           /* no page (page=0, (null)), errorno != 0, ret=fail */
	bool claimed;          /* extfrag: change_ownership=1 */
	bool fragmenting;      /* extfrag: fragmenting=1 */
	unsigned order;        /* kmem events: order=; extfrag: fallback_order= */
	int mt;                /* migratetype= (extfrag: alloc_migratetype=), model numbering */
	int fallback_mt;       /* extfrag: fallback_migratetype=, model numbering */
	uint64_t pfn;          /* the first page */
	uint64_t count;        /* cma events: pages */
	pfnlab_gfp_t gfp;      /* mm_page_alloc: gfp_flags= */
	const char *area;      /* cma_alloc_finish: name= (not NUL-terminated; NULL otherwise) */
	uint32_t area_len;
	/*
	 * the counts it carries: mm_migrate_pages succeeded, failed, THP
	 * succeeded, THP failed, THP split; mm_compaction_* isolated, migrated,
	 * failed; mm_alloc_contig_migrate_range_info migrated, reclaimed, mapped
	 */
	uint64_t nr[5];
};

/* An event name the parser read, and how many well-formed lines had it. */
struct trace_event_count {
	const char *name;
	uint64_t count;
};

#define TRACE_EVENT_NAMES 256  /* distinct names counted by name; the rest count as "(other)" */

struct event_parser;

/** event_parser_create() - a parser for one trace.  Return: 0 or -ENOMEM. */
int event_parser_create(struct event_parser **out);

/** event_parser_destroy() - free the parser. */
void event_parser_destroy(struct event_parser *ep);

/**
 * event_parse() - read the current line of @l.
 * @ep: the parser (it learns the trace's era from the pfn= forms)
 * @l: the reader; its current line, name and number
 * @ev: receives what the line says
 * @why: receives "NAME:LINE: reason" when the line is malformed
 * @wlen: size of @why
 *
 * A well-formed event line is counted under its name.
 *
 * Return: 0, or -EINVAL for a malformed line of a known event (@ev then
 * holds what was read before the fault).
 */
int event_parse(struct event_parser *ep, const struct input_lines *l, struct trace_event *ev, char *why,
		size_t wlen);

/**
 * event_parse_next() - the next line of @l, when it is an mm_page_alloc,
 * mm_page_free or mm_page_free_batched line in its usual form, found,
 * parsed and counted in one pass over the buffered text, as
 * input_lines_next() and event_parse() would have read it.
 * @ep: the parser; it reads this way only once the era is known and the
 *      event's name has been counted once
 * @l: the reader: on success the line becomes its current line
 * @ev: receives what the line says
 *
 * Return: true when it read the line; false leaves @l as it was (the
 * line is then read by input_lines_next() and event_parse(), which word
 * any error).
 */
bool event_parse_next(struct event_parser *ep, struct input_lines *l, struct trace_event *ev);

/** event_parser_era() - PFNLAB_ERA_2015 (decimal pfn=), _CURRENT (hex) or -1 (not seen yet). */
int event_parser_era(const struct event_parser *ep);

/**
 * event_parser_names() - the names counted, sorted by name.
 * @ep: the parser
 * @out: receives up to TRACE_EVENT_NAMES names with their counts
 * @other: receives the count of well-formed event lines whose names did not fit
 *
 * Return: the number of names in @out.
 */
unsigned event_parser_names(const struct event_parser *ep, struct trace_event_count *out, uint64_t *other);

/*
 * PFNs at or beyond this are no machine's pfnlab can model (its PFNs are
 * 32 bits): an event that names one is counted in pfn_invalid, and never
 * sizes a machine.
 */
#define TRACE_PFN_LIMIT ((uint64_t)NIL_PFN)

/* The bytes of a stream that cannot be read twice (a pipe) the look-ahead reads. */
#define TRACE_LOOKAHEAD_WINDOW (16u << 20)

/* What a look-ahead over a trace found, to size a machine for it. */
struct trace_prescan {
	uint64_t max_pfn;      /* highest PFN an event touches, below TRACE_PFN_LIMIT (0 if none) */
	uint64_t max_line;     /* the line it is on */
	bool any_pfn;          /* at least one event had a PFN below TRACE_PFN_LIMIT */
	uint64_t beyond;       /* events whose PFNs reach TRACE_PFN_LIMIT */
	int era;               /* PFNLAB_ERA_2015 (decimal pfn=), _CURRENT (hex), -1 unknown */
	bool partial;          /* only the first window of a stream was seen */
};

/**
 * trace_lookahead() - what machine a trace needs, read before any of its
 * events is applied.
 * @l: the trace's lines, at their start
 * @want_size: the highest PFN is wanted (else only the era: the look-ahead
 *             stops at the first kmem PFN)
 * @window: bytes of a stream that cannot be read twice to look at
 * @ps: receives what was found
 *
 * A text in memory or a regular file is read to its end (a file is then
 * started again: two reads, constant memory); of a pipe only the first
 * @window bytes are read, held, and handed out again (@ps->partial when
 * more followed).  Lines the look-ahead cannot read (binary data, a
 * read error) are left for the replay to meet and report.  What it split
 * of the lines handed out again stays in @l->memo: event_parse() does not
 * split those lines a second time.
 *
 * Return: 0, or the error of starting a file again.
 */
int trace_lookahead(struct input_lines *l, bool want_size, size_t window, struct trace_prescan *ps);

/** trace_prescan() - trace_lookahead() over a whole text in memory. */
void trace_prescan(const char *text, size_t len, struct trace_prescan *ps);

/* ---- replay_apply.c ---- */

/* The counters of a replay, in the summary's order; the names are its JSON keys. */
#define REPLAY_COUNTERS(X)                                                                  \
	X(lines_total) X(events_total) X(events_known) X(events_unknown) X(lines_skipped)   \
	X(lines_malformed) X(lost_lines) X(lost_events) X(lost_unknown)                      \
	X(pages_allocated) X(allocs) X(alloc_failed) X(pages_freed) X(frees)                 \
	X(pages_freed_batched) X(frees_unseen) X(pages_freed_unseen)                         \
	X(extfrag_events) X(extfrag_change_ownership) X(extfrag_fragmenting) X(extfrag_type_fixes) \
	X(alloc_relocated) X(alloc_forced) X(free_conflicts) X(pfn_invalid) \
	X(zone_locked_pages) X(pcpu_drain_pages)                                             \
	X(migrate_calls) X(migrate_succeeded) X(migrate_failed) X(migrate_thp_succeeded)     \
	X(migrate_thp_failed) X(migrate_thp_split)                                           \
	X(compaction_events) X(compaction_isolated) X(compaction_migrated)                   \
	X(compaction_failed)                                                                 \
	X(cma_alloc_calls) X(cma_alloc_success) X(cma_alloc_fail) X(cma_pages_allocated)     \
	X(cma_pages_released) X(cma_pages_released_unseen) X(cma_busy_retries) X(cma_pages_moved) \
	X(cma_conflicts)        \
	X(isolation_tests) X(isolation_failed)                                               \
	X(contig_info_events) X(contig_migrated) X(contig_reclaimed) X(contig_mapped)

#define REPLAY_COUNTER_ENUM(n) C_##n,
enum replay_counter { REPLAY_COUNTERS(REPLAY_COUNTER_ENUM) NR_REPLAY_COUNTERS };

struct replay_model;

/**
 * replay_model_create() - the model side of a replay of @m.
 * @m: the machine (not owned)
 * @c: the replay's counters (NR_REPLAY_COUNTERS); the model adds to them
 * @out: receives the model side
 *
 * Return: 0 or -ENOMEM.
 */
int replay_model_create(struct pfnlab_machine *m, uint64_t *c, struct replay_model **out);

/** replay_model_destroy() - free the model side (not the machine). */
void replay_model_destroy(struct replay_model *rm);

/**
 * replay_apply() - apply one well-formed event to the machine and count it.
 * @rm: the model side
 * @ev: an event event_parse() read (TL_EVENT; EV_UNKNOWN does nothing)
 *
 * mm_page_alloc claims its PFNs (or, when the model has them in use,
 * allocates elsewhere and remembers where), frees give them back,
 * mm_page_alloc_extfrag with change_ownership=1 retypes the pageblock,
 * cma_alloc/cma_alloc_finish take their range and cma_release frees it,
 * migration and isolation events are counted.  The machine stays
 * consistent whatever the event says (replay_apply.c explains how).
 */
void replay_apply(struct replay_model *rm, const struct trace_event *ev);

/* ---- replay.c ---- */

struct pfnlab_replay;

/* Options of a replay. */
struct pfnlab_replay_opts {
	bool lenient;          /* a malformed line of a known event is skipped, not an error */
	/* called about every 2^16 lines: bytes read of the total (0: unknown), events so far */
	void (*progress)(void *arg, uint64_t done, uint64_t total, uint64_t events);
	void *progress_arg;
	/*
	 * pfnlab_replay_run() stops soon after this becomes non-zero (a signal
	 * handler sets it): at the stream's next read, what was read applied
	 */
	const volatile sig_atomic_t *stop;
	uint64_t every;        /* call @report each time this many more events were read (0: never) */
	void (*report)(void *arg, const struct pfnlab_replay *r);
	void *report_arg;
};

/**
 * pfnlab_replay_create() - a replay that drives @m.
 * @m: the machine the trace is applied to (not owned; it must outlive the replay)
 * @opts: options (may be NULL)
 * @out: receives the replay
 *
 * Return: 0 or -ENOMEM.  A machine with per-CPU lists is refused (-EINVAL):
 * the trace already shows the buddy allocator's view of every page.
 */
int pfnlab_replay_create(struct pfnlab_machine *m, const struct pfnlab_replay_opts *opts,
			 struct pfnlab_replay **out);

/**
 * pfnlab_replay_run() - parse and apply lines as they come, to the end of
 * the input (a stream that never ends: until opts.stop is set).
 * @r: the replay
 * @l: the lines (input_lines_stream() or input_lines_init())
 * @why: receives "NAME:LINE: reason" on error
 * @wlen: size of @why
 *
 * Events are applied in order: mm_page_alloc claims its PFNs (or, when the
 * model has them in use, allocates elsewhere and remembers where), frees
 * give them back, mm_page_alloc_extfrag with change_ownership=1 retypes
 * the pageblock, cma_alloc/cma_alloc_finish take their range and
 * cma_release frees it, migration and isolation events are counted.
 * Nothing is kept of a line once it is applied.  Several inputs may be
 * run in turn; line numbers are the input's.
 *
 * Return: 0 at the end of the input; -EINTR when opts.stop was set (what
 * was read before is applied and counted); -EINVAL for a malformed line of
 * a known event (without lenient), binary data, a line too long, a text
 * that holds no trace at all; the input's error (-EIO, -EINVAL for
 * corrupt compressed data, ...).
 */
int pfnlab_replay_run(struct pfnlab_replay *r, struct input_lines *l, char *why, size_t wlen);

/** pfnlab_replay_feed() - pfnlab_replay_run() over a whole text in memory, named @name. */
int pfnlab_replay_feed(struct pfnlab_replay *r, const char *text, size_t len, const char *name,
		       char *why, size_t wlen);

/**
 * pfnlab_replay_summary() - print what the replay counted.
 * @r: the replay
 * @json: one JSON object (keys in docs/formats.md) or "key: value" text
 * @sink: where to write
 */
void pfnlab_replay_summary(const struct pfnlab_replay *r, bool json, const struct pfnlab_sink *sink);

/** pfnlab_replay_events() - event lines parsed so far. */
uint64_t pfnlab_replay_events(const struct pfnlab_replay *r);

/** pfnlab_replay_counter() - a summary value by its JSON key (0 if unknown). */
uint64_t pfnlab_replay_counter(const struct pfnlab_replay *r, const char *key);

/** pfnlab_replay_destroy() - free the replay (not the machine). */
void pfnlab_replay_destroy(struct pfnlab_replay *r);

/* ---- snapshot_parse.c, snapshot.c ---- */

/* One /proc text of a snapshot. */
struct snapshot_text {
	const char *name;      /* file name for messages ("snap/pagetypeinfo") */
	const char *data;      /* NULL when the file is absent */
	size_t len;
};

/* The files of a snapshot directory. */
struct snapshot_files {
	struct snapshot_text buddyinfo, pagetypeinfo, zoneinfo, iomem;
};

#define SNAPSHOT_FILE_MAX (64u << 20)  /* bytes of text in one snapshot file, decoded (zoneinfo of 1024 CPUs: ~1 MiB) */
#define SNAP_MAX_ZONES 4
#define SNAP_MAX_RAM 64

/* One zone as the snapshot describes it. */
struct snap_zone {
	char name[16];
	int type;                            /* enum pfnlab_zone_type */
	bool have_zoneinfo, have_buddy, have_types, have_blocks;
	uint64_t start, spanned, present, managed, free_pages; /* zoneinfo */
	uint64_t wmark[NR_WMARK];            /* as printed: with the boost */
	bool have_wmark[NR_WMARK];
	uint64_t boost;                      /* zoneinfo's boost (v5.0+), 0 when absent */
	uint64_t protection[PFNLAB_NR_ZONES];
	bool have_protection;
	uint64_t buddy[MAX_ORDERS];          /* buddyinfo: free blocks per order */
	uint64_t nfree[PFNLAB_MT_TYPES][MAX_ORDERS]; /* pagetypeinfo: free blocks per type, order */
	bool capped[PFNLAB_MT_TYPES][MAX_ORDERS];   /* printed ">100000" */
	uint64_t blocks[PFNLAB_MT_TYPES];    /* pagetypeinfo: pageblocks per type */
	int64_t buddy_delta[MAX_ORDERS];     /* buddyinfo's free blocks minus pagetypeinfo's, read apart */
	char where[300];                     /* "FILE:LINE" of its first mention, for messages */
};

/* A parsed snapshot. */
struct snapshot {
	unsigned nr_orders;                  /* columns of buddyinfo / pagetypeinfo */
	unsigned pb_order;                   /* "Page block order:" (0 when unknown) */
	int era;                             /* PFNLAB_ERA_* from the type names, -1 unknown */
	bool config_cma;                     /* pagetypeinfo has a CMA row */
	bool have_isolate;                   /* pagetypeinfo has an Isolate row */
	bool have_pagetypeinfo, have_buddyinfo, have_zoneinfo, have_iomem;
	unsigned nr_zones;
	struct snap_zone zones[SNAP_MAX_ZONES];
	uint64_t blocks_disagree;            /* free blocks buddyinfo and pagetypeinfo disagree on */
	unsigned nr_ram;                     /* iomem "System RAM", bytes, sorted */
	uint64_t ram_start[SNAP_MAX_RAM], ram_end[SNAP_MAX_RAM];
};

/**
 * snapshot_parse() - parse the texts of a snapshot and check they agree.
 * @files: the texts (absent ones have data NULL)
 * @strict: refuse free counts of buddyinfo and pagetypeinfo that differ
 *          (else pagetypeinfo's win, the difference in buddy_delta and
 *          blocks_disagree)
 * @s: receives the snapshot
 * @why: receives "FILE:LINE: reason" on error
 * @len: size of @why
 *
 * Return: 0, -EINVAL (bad layout, inconsistent counts, different kernels),
 * -EAGAIN (@strict: buddyinfo and pagetypeinfo read at different moments),
 * -ENOENT (neither pagetypeinfo nor buddyinfo).
 */
int snapshot_parse(const struct snapshot_files *files, bool strict, struct snapshot *s, char *why, size_t len);

/* Options of a snapshot import. */
struct pfnlab_snapshot_opts {
	unsigned page_shift;         /* 0: from iomem and zoneinfo, else 4 KiB */
	uint64_t host_limit_bytes;   /* refuse a model needing more host memory (0: none) */
	bool thp;                    /* for min_free_kbytes when zoneinfo gives no watermarks */
	bool strict;                 /* refuse buddyinfo and pagetypeinfo that differ (snapshot_parse()) */
	struct snapshot *parsed;     /* pfnlab_snapshot_load(): receives the parsed snapshot (may be NULL) */
	/* notes about the snapshot that are no errors ("zoneinfo says 77791 free ...") */
	void (*note)(void *arg, const char *msg);
	void *note_arg;
};

/**
 * pfnlab_snapshot_build() - build a machine that matches a snapshot.
 * @s: a parsed snapshot
 * @opts: options (may be NULL)
 * @out: receives the machine
 * @why: reason on error
 * @len: size of @why
 *
 * The machine has the snapshot's zones and spans, the same number of
 * pageblocks of each type per zone and the same free blocks per zone, type
 * and order; positions are chosen deterministically (snapshot.c explains
 * how).  Pages not free are allocated (refcount 1, no owner) or, up to
 * present - managed, reserved.
 *
 * Return: 0, -EINVAL (the counts cannot be laid out), -E2BIG, -ENOMEM.
 */
int pfnlab_snapshot_build(const struct snapshot *s, const struct pfnlab_snapshot_opts *opts,
			  struct pfnlab_machine **out, char *why, size_t len);

/**
 * pfnlab_snapshot_load() - read a snapshot directory (files named as in
 * /proc: buddyinfo, pagetypeinfo, zoneinfo, iomem; or /proc itself) and
 * build its machine.
 *
 * Return: as snapshot_parse() and pfnlab_snapshot_build(), or -ENOENT
 * / -ENOTDIR for a missing directory.
 */
int pfnlab_snapshot_load(const char *dir, const struct pfnlab_snapshot_opts *opts,
			 struct pfnlab_machine **out, char *why, size_t len);

/* ---- snapshot_pages.c ---- */

/* What a frame of a real machine holds, as kpageflags says (PK_TAIL: a tail of the folio before). */
enum pages_kind {
	PK_HOLE, PK_FREE, PK_RESERVED, PK_KERNEL, PK_SLAB, PK_PGTABLE, PK_HUGETLB, PK_ANON, PK_FILE, PK_SHMEM,
	PK_CMA,                  /* handed out by cma_alloc() (its debugfs bitmap) */
	PK_NR,
	PK_TAIL = PK_NR,
};

/** pages_kind_names - "hole", "free", "reserved", "kernel", "slab", ... by enum pages_kind. */
extern const char *const pages_kind_names[PK_NR];

/* One process that maps memory. */
struct pages_proc {
	uint32_t pid;
	char comm[17];
	unsigned mm;             /* the model's address space of its anonymous folios (0: none) */
	uint64_t anon;           /* pages of anonymous folios it was the first to map */
	uint64_t other;          /* pages of other folios (page cache, kernel) it was the first to map */
};

/* What --pages read, beside the machine: kinds, owners. */
struct pfnlab_pages {
	uint64_t nr_pfns;
	uint8_t *kind;           /* per PFN: enum pages_kind */
	uint8_t *order;          /* per head: the folio's order */
	uint32_t *owner;         /* per head: 1 + index in procs[] of the first process mapping it, 0: none */
	uint64_t *real_vpn;      /* per anonymous head with an owner: its virtual page number there */
	uint64_t nr[PK_NR];      /* frames of each kind (tails count with their head) */
	unsigned nr_procs;
	struct pages_proc *procs;
	uint64_t procs_unreadable;  /* processes whose pagemap could not be opened */
	uint64_t pagemap_pfns;      /* present pagemap entries with a PFN (0 without root) */
	uint64_t cma_bits_cleared;  /* CMA bitmap bits whose first page was not cma_alloc()'s */
	uint64_t own_pages;         /* live /proc: pfnlab's own anonymous pages, laid free */
	unsigned managed_changed;   /* zones whose managed count the frames changed */
	bool cma_from_debugfs;      /* the areas' places came from debugfs, not pagetypeinfo's counts */
};

/**
 * pfnlab_snapshot_pages() - lay the frames of a snapshot machine as the
 * real machine has them.
 * @m: a machine pfnlab_snapshot_load() built from the same @dir
 * @dir: /proc, or a directory of copies (kpageflags, kpagecount, PID/comm,
 *       PID/maps, PID/pagemap)
 * @cma_dir: the CMA areas' debugfs directory (NULL: /sys/kernel/debug/cma
 *       for /proc, else DIR/cma; absent: the areas snapshot.c placed stay)
 * @pg: receives what was read; release with pfnlab_pages_free()
 * @why: "FILE:LINE: what is wrong" (binary files: "FILE: ...")
 * @len: size of @why
 *
 * Return: 0, -ENOENT (a file is missing), -EINVAL (malformed or
 * truncated input), -ENOMEM.
 */
int pfnlab_snapshot_pages(struct pfnlab_machine *m, const char *dir, const char *cma_dir, struct pfnlab_pages *pg,
			  char *why, size_t len);

/** pfnlab_pages_free() - release what pfnlab_snapshot_pages() filled in. */
void pfnlab_pages_free(struct pfnlab_pages *pg);

/** pages_owner() - the first process mapping the folio holding @pfn, or NULL. */
const struct pages_proc *pages_owner(const struct pfnlab_pages *pg, uint64_t pfn);

/** pages_real_vaddr() - the real virtual address of an anonymous @pfn in its owner (0: none known). */
uint64_t pages_real_vaddr(const struct pfnlab_pages *pg, uint64_t pfn, unsigned page_shift);

/* ---- live.c ---- */

#define CMA_HEALTH_BLOCKERS 8

/* A CMA area now, and what a whole-area cma_alloc() would meet. */
struct cma_health {
	uint64_t pages;          /* the area's size */
	uint64_t free;           /* on the free lists */
	uint64_t cma_allocated;  /* handed out by cma_alloc() (bitmap) */
	uint64_t borrowed;       /* anonymous and page-cache pages (movable allocations) */
	uint64_t pinned;         /* ... of them that cannot move now (pins, extra references, writeback) */
	uint64_t unmovable;      /* kernel allocations and reserved frames not cma_alloc()'s */
	uint64_t free_outside;   /* free pages outside CMA: room for migration targets */
	int verdict;             /* whole-area cma_alloc(): 0, -ENOMEM (no free range or no room), -EBUSY */
	unsigned nr_blockers;
	uint64_t blocker[CMA_HEALTH_BLOCKERS]; /* the first frames that cannot move */
};

/** cma_health() - area @idx of @m now (the machine is not changed). */
void cma_health(const struct pfnlab_machine *m, unsigned idx, struct cma_health *h);

/** cma_health_owner() - who holds @pfn: the address space or file name, "kernel" or "reserved". */
const char *cma_health_owner(const struct pfnlab_machine *m, uint64_t pfn);

struct live_source;

/**
 * live_open() - start reading the running kernel's events: a buffer
 * instance of pfnlab's own with the kmem, cma, migrate, page_isolation and
 * compaction events enabled.
 * @out: receives the source
 * @why: what is missing on error (root, tracefs, libtracefs, the events)
 * @len: size of @why
 *
 * Return: 0, -EPERM (not root), -ENOENT (no tracefs or none of the events),
 * -EIO, -ENOMEM, -ENOTSUP (built without libtracefs).
 */
int live_open(struct live_source **out, char *why, size_t len);

/**
 * live_read() - drain every CPU's buffer once, each record handed to
 * @line as one text line ("comm-pid [cpu] secs: event: fields", or a
 * "CPU:N [LOST M EVENTS]" line before a record that lost events); @line
 * returns non-zero to stop before the buffers are empty.
 *
 * Return: 0 or -EIO.
 */
int live_read(struct live_source *ls, int (*line)(void *arg, const char *s, size_t n), void *arg);

/** live_records() - records read so far. */
uint64_t live_records(const struct live_source *ls);

/** live_close() - stop tracing and remove the instance. */
void live_close(struct live_source *ls);

#endif /* PFNLAB_INPUT_H */
