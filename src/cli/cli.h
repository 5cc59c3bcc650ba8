/*
 * cli.h - shared pieces of the pfnlab command line: exit codes, option
 * parsing, machine options common to every subcommand.
 */
#ifndef PFNLAB_CLI_H
#define PFNLAB_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pfnlab.h"

/*
 * Exit codes: this enum and cli_exits[] (usage.c) are the one table;
 * docs/cli.md and pfnlab(1) print it, each command's help says which it
 * returns.  128 + N: interrupted by signal N (sweep, size-cma, replay).
 */
enum {
	EXIT_OK = 0,
	EXIT_CHECK = 1,    /* an expectation or comparison failed */
	EXIT_USAGE = 2,    /* bad command line or bad input (an output that may not be written included) */
	EXIT_RESOURCE = 3, /* out of memory: the model does not fit this host */
	EXIT_INTERNAL = 4, /* the state checker found an inconsistency */
	EXIT_WRITE = 5,    /* an output could not be written whole: out of space (ENOSPC, EDQUOT, EFBIG), EIO */
	EXIT_BUSY = 6,     /* the output directory is in use by another pfnlab (its lock) */
};
#define EXIT_SIGNAL(n) (128 + (n)) /* interrupted by signal N */

/* struct command.exits: the codes above 1 a command returns */
#define EXITS_USAGE (1u << EXIT_USAGE)
#define EXITS_RESOURCE (1u << EXIT_RESOURCE)
#define EXITS_INTERNAL (1u << EXIT_INTERNAL)
#define EXITS_WRITE (1u << EXIT_WRITE)
#define EXITS_BUSY (1u << EXIT_BUSY)
#define EXITS_SIGNAL (1u << 31)

struct cli_exit {
	int code;           /* EXIT_SIGNAL(0) stands for 128 + N */
	const char *brief;  /* in a command's help: "Exit codes: 0 ok, 2 <brief>..." */
	const char *text;   /* in pfnlab(1) and `pfnlab help` */
};
extern const struct cli_exit cli_exits[]; /* ends with brief == NULL */

/*
 * Options (options.c, usage.c; docs/cli.md "Conventions").  Every command
 * declares its options once, in tables of struct cli_opt: the parser,
 * `pfnlab help CMD` (= `pfnlab CMD --help`), the man page pfnlab-CMD(1) and
 * the bash completion are all made from them.  Options that several
 * commands share are shared tables (machine_opts_table, map_out_table).
 */
#define CLI_LONG 256 /* keys from here on have no short letter */
/* key ranges of the shared tables (KEY_GROUP(key) tells which) */
#define KEY_GROUP(k) ((k) & ~0x3f)
enum { KEYS_MACHINE = CLI_LONG + 0x40, KEYS_MAP_OUT = CLI_LONG + 0x80, KEYS_SCN = CLI_LONG + 0xc0, KEYS_CMD = CLI_LONG + 0x100 };

struct cli_opt {
	const char *name;     /* the long name without "--"; NULL ends a table */
	int key;              /* what cli_next() returns: a short letter, or a key >= CLI_LONG */
	const char *arg;      /* the value's name in help ("FILE", "text|json"); NULL: a flag */
	const char *help;     /* one paragraph */
	const char *complete; /* completion of the value: words ("text json"), or one of <file>,
			       * <dir>, <scenario>, <policy>, <view>, <figure>; NULL: nothing */
};

struct cli_section {
	const char *title;          /* "Options", "Machine options", ... */
	const char *intro;          /* a paragraph before the list, or NULL */
	const struct cli_opt *opts;
};

/* One subcommand; its help, man page and completion are made from this. */
struct command {
	const char *name;
	const char *summary;        /* one line: `pfnlab help`, the man page's NAME */
	const char *synopsis;       /* what follows "pfnlab NAME ", one form a line */
	const char *description;    /* paragraphs; a line that starts with a space is kept as it is */
	const struct cli_section *sections; /* the options, in help order; ends with {0} */
	const char *operands;       /* completion of the operands, as cli_opt.complete */
	const char *notes;          /* paragraphs after the options, or NULL */
	const char *examples;       /* command lines, one a line, or NULL */
	const char *exit_check;     /* what exit code 1 means here; NULL: never returned */
	unsigned exits;             /* EXITS_*: the other codes returned besides 0 */
	int (*run)(int argc, char **argv);
};

extern const struct command cmd_machine, cmd_run, cmd_compare, cmd_map, cmd_bench;
extern const struct command cmd_replay, cmd_snapshot, cmd_sweep, cmd_size_cma;
extern const struct command *const cli_commands[]; /* ends with NULL */
extern const struct cli_opt cli_common_opts[]; /* [0] -h, --help; --follow-symlinks: every command's */

#define CLI_MAX_OPTS 96

/* The parser's state over one command line (options.c). */
struct cli_args {
	const struct command *cmd;
	int argc;
	char **argv;
	int key;          /* the option cli_next() returned */
	const char *val;  /* the option's value, or the operand */
	char spelled[64]; /* the option as given ("--jobs" or "-j"), for messages */
	int rc;           /* after CLI_STOP: the exit code (0 after --help) */
	bool ended;       /* "--" or the end was seen */
	int nopts;
	const struct cli_opt *opt[CLI_MAX_OPTS];
	struct option longopts[CLI_MAX_OPTS];
	char shorts[2 * CLI_MAX_OPTS + 4];
};

enum { CLI_STOP = -1, CLI_END = 0, CLI_OPERAND = 1 };

/* Parse @argv (argv[0] is the command's name) by @cmd's tables. */
void cli_args_init(struct cli_args *a, const struct command *cmd, int argc, char **argv);
/*
 * The next option's key (its value in a->val), CLI_OPERAND (a->val), CLI_END,
 * or CLI_STOP: an error was printed, or the help (exit code in a->rc).
 */
int cli_next(struct cli_args *a);
/* Error on stderr as "pfnlab: <msg>"; returns EXIT_USAGE. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "pfnlab: CMD: <message>" on stderr; returns EXIT_USAGE. */
int cli_usage_error(const struct cli_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "pfnlab: CMD: --opt: invalid value 'V' (@what)"; returns EXIT_USAGE. */
int cli_bad_value(const struct cli_args *a, const char *what);
/* An operand a command takes once, into *@slot: 0, or EXIT_USAGE ("one @what at a time"). */
int cli_one_operand(const struct cli_args *a, const char **slot, const char *what);
/* --format text|json: 0, or EXIT_USAGE after the message. */
int cli_format_opt(const struct cli_args *a);

/* usage.c: `pfnlab help CMD`, which `pfnlab CMD --help` prints too. */
void cli_print_help(const struct command *c, FILE *f);
/* `pfnlab help`: the commands and the exit codes. */
void cli_usage(FILE *f);
/* Does @c return exit code @code (one above 1, or 128+N)? */
bool cli_cmd_returns(const struct command *c, int code);
extern const char cli_overview[]; /* what pfnlab is, in two lines */
/* help.c: `pfnlab help` with its hidden forms (--man, --completion, --options); returns an exit code. */
int cli_help(int argc, char **argv);

/*
 * A per-operation workload of `pfnlab bench`: built once, then rounds of
 * @ops operations.  BENCH_COUNT sizes it for bench/instructions.sh, which
 * counts the instructions of one round under callgrind.
 */
enum bench_size { BENCH_FULL, BENCH_QUICK, BENCH_COUNT };

struct bench_workload {
	void *state;
	size_t ops;                  /* operations (alloc+free pairs, or mixed ops) per round */
	int rounds;                  /* rounds timed; the figure is the best */
	void (*round)(void *state);
	void (*destroy)(void *state);
};

/* alloc_free_batch_ns: 1 GiB half full of order-0 pages, then rounds of BENCH_BATCH_REPS x
 * (BENCH_BATCH allocations, their frees in reverse) */
#define BENCH_BATCH 1024
#define BENCH_BATCH_REPS 100
#define BENCH_BATCH_HELD (1u << 17)

/* bench_floor.c: the order-0, mixed and batch workloads on a bare buddy allocator; 0 or -1 */
int bench_bare_order0(struct bench_workload *w, enum bench_size size);
int bench_pcp_order0(struct bench_workload *w, enum bench_size size);
int bench_bare_mixed(struct bench_workload *w, enum bench_size size);
int bench_bare_batch(struct bench_workload *w, enum bench_size size);

/*
 * The benchmarks' random numbers (xorshift64): the model's workloads
 * (cmd_bench.c) and their floors (bench_floor.c) draw the same, inline in both.
 */
static inline uint64_t bench_rng(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* Parse "4G", "512M", "64K", "1T", "4096" (bytes); returns 0 or -EINVAL/-EOVERFLOW. */
int parse_size(const char *s, uint64_t *out);

/* Parse a decimal unsigned in [lo, hi]. */
int parse_uint(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *out);

/*
 * Machine options (machine_opts_table): --preset, --ram, --page-size,
 * --max-order, --pageblock-order, --era, --kernel, --cma-era, --cma, --movablecore,
 * --kernelcore, --pcp, --no-pcp, --no-pgtables, --cpus, --no-thp, --min-free-kbytes,
 * --watermark-scale-factor, --pin-policy, --cma-retry.
 */
struct machine_opts {
	const char *preset;
	bool ram_set;
	uint64_t ram;
	struct pfnlab_config over; /* fields set explicitly */
	bool page_shift_set, max_order_set, pb_order_set, era_set, cma_rule_set, kernel_set;
	bool pcp_set, cpus_set, thp_set, mfk_set, wsf_set, pin_policy_set, cma_retry_set, no_pgtables;
	unsigned nr_cma;
	struct { uint64_t size, base, end; bool has_base; unsigned pct; char name[32]; } cma[PFNLAB_MAX_CMA];
	uint64_t movablecore, kernelcore;
};

void machine_opts_init(struct machine_opts *o);
/* The option cli_next() returned (a key of KEYS_MACHINE); 0 or EXIT_USAGE after the message. */
int machine_opt(struct machine_opts *o, const struct cli_args *a);
/* Build the machine; on error prints it and returns the exit code (> 0). */
int machine_build(const struct machine_opts *o, struct pfnlab_machine **m);
extern const struct cli_opt machine_opts_table[];
#define MACHINE_SECTION {"Machine options", NULL, machine_opts_table}

/* --print VIEW (machine, replay, snapshot): appended to @views; 0 or EXIT_USAGE after the message. */
#define MAX_VIEWS 16
int print_opt(const struct cli_args *a, const char **views, int *nviews);

/*
 * args.c: the machine a /proc snapshot describes (@so: its options;
 * notes on stderr when @verbose).  On error prints it and returns the exit
 * code (> 0).
 */
struct pfnlab_snapshot_opts;
int snapshot_machine(const char *dir, struct pfnlab_snapshot_opts *so, bool verbose, struct pfnlab_machine **m);

/* what_if.c: a contiguous allocation tried on the model of a real machine. */
struct what_if {
	char spec[128];
	bool cma;                /* cma_alloc (else alloc_contig_range) */
	unsigned area, align;
	uint64_t count;          /* cma_alloc pages */
	uint64_t start, end;     /* alloc_contig_range PFNs */
};
struct pfnlab_pages;
/* Parse "cma_alloc AREA all|COUNT [align N]" or "alloc_contig_range START END"; prints errors, returns an exit code. */
int what_if_parse(const struct pfnlab_machine *m, const char *spec, struct what_if *w);
/* Run it on @m and print the outcome (text or one JSON line); returns 0 on success, 1 on failure. */
int what_if_run(struct pfnlab_machine *m, const struct pfnlab_pages *pg, const struct what_if *w, bool json,
		FILE *out);

/* replay_live.c: `pfnlab replay --live`. */
struct live_opts {
	double duration_s, every_s;   /* 0: until SIGINT; 0: only at the end */
	const char *html, *cma_dir;
	bool json, check, verbose;
};
int replay_live(const struct live_opts *o);


/* The most host memory a model may take: 3/4 of this computer's RAM (0: unknown, no limit). */
uint64_t host_limit_bytes(void);

/* The progress line (progress.c). */
struct progress {
	bool on, shown;
	double t0, last;
};

void progress_init(struct progress *p, bool wanted);
void progress_show(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void progress_done(struct progress *p);

/* file_sink.c: a sink writing to a FILE. */
void file_sink(struct pfnlab_sink *s, FILE *f);
/* @s as a JSON string, quoted: json_string() (src/base/fmt.c) to a FILE. */
void json_fstring(FILE *f, const char *s);

/*
 * Named outputs and standard output (output.c, docs/cli.md "Outputs"):
 * "-" is stdout; a regular file is written to a temporary beside it and
 * renamed over it only when whole; a link is refused unless
 * --follow-symlinks; a character device or FIFO is written directly; a
 * regular file of another user is not replaced.  Every function prints
 * its error ("pfnlab: WHAT PATH: why") and returns an exit code.
 */
struct output {
	FILE *f;                       /* write here */
	const char *what, *path;       /* the option ("--svg") and its value, for messages */
	int dirfd;                     /* the target's directory (-1: none) */
	bool is_stdout, existing;      /* "-"; a file of ours being replaced */
	char name[256], tmp[256];      /* the target's name in dirfd; the temporary ("": written directly) */
};

int output_open(struct output *o, const char *what, const char *path);
/* Flush, fsync, close, rename: the output is complete only when this returns 0. */
int output_close(struct output *o);
/* Give up: the temporary removed, the target as it was. */
void output_discard(struct output *o);
/* @len bytes to @path whole or not at all. */
int output_file(const char *what, const char *path, const void *data, size_t len);
/*
 * A temporary for @name in directory @dirfd (".NAME.XXXXXX", O_RDWR | O_CREAT |
 * O_EXCL | O_NOFOLLOW, @mode under the umask): its fd, its name in @tmp; or -errno.
 */
int output_temp(int dirfd, const char *name, unsigned mode, char *tmp, size_t len);
/* The exit code for an errno: ENOMEM 3; ENOSPC, EDQUOT, EFBIG, EIO 5; else 2. */
int exit_for_errno(int err);
/*
 * main(): stdout becomes a stream that remembers its first write error
 * (@so->err, an errno); at the end it is flushed and closed, and an error
 * is reported and turns exit code 0 or 1 (@rc) into 5 (3 for ENOMEM).
 */
struct output_stdout {
	int err;
	FILE *f;
};

void output_stdout_begin(struct output_stdout *so);
int output_stdout_end(struct output_stdout *so, int rc);

/*
 * Map output options (map_out.c, map_out_table), shared by map, replay and
 * snapshot: --svg FILE, --png FILE, --ansi, --pfns A-B, --columns N, --title TEXT, --kinds.
 */
struct map_out {
	struct pfnlab_map_opts mo;
	const char *svg, *png; /* "-" is standard output */
	bool ansi;
	bool given;            /* --svg, --png, --pfns, --columns, --title or --kinds was given */
};

/* The option cli_next() returned (a key of KEYS_MAP_OUT); 0 or EXIT_USAGE after the message. */
int map_out_opt(struct map_out *o, const struct cli_args *a);
bool map_out_wanted(const struct map_out *o);
bool map_out_to_stdout(const struct map_out *o);
/* Draw @m into every output asked for; returns an exit code. */
int map_out_draw(const struct pfnlab_machine *m, const struct map_out *o);
extern const struct cli_opt map_out_table[];
/*
 * A key of either shared table (KEYS_MAP_OUT: map_out_opt(); KEYS_MACHINE:
 * machine_opt(), which sets *@machine_given); 0 or EXIT_USAGE after the message.
 */
int cli_shared_opt(const struct cli_args *a, struct machine_opts *mo, struct map_out *out, bool *machine_given);
#define MAP_OUT_SECTION(intro) {"Map output options", intro, map_out_table}

#endif
