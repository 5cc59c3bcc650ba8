/*
 * cmd_snapshot.c - `pfnlab snapshot`: build a model machine from a
 * machine's /proc (a directory of copies, or /proc itself) and print it.
 */
#include <string.h>

#include "cli.h"
#include "input.h"

/* What --pages found: frames by kind per zone, the CMA areas, the processes. */
static void pages_summary(const struct pfnlab_machine *m, const struct pfnlab_pages *pg, bool verbose)
{
	printf("pages: %llu PFNs read from kpageflags and kpagecount\n", (unsigned long long)pg->nr_pfns);
	for (int k = 0; k < PK_NR; k++)
		if (pg->nr[k])
			printf("  %-10s %10llu\n", pages_kind_names[k], (unsigned long long)pg->nr[k]);
	for (unsigned i = 0; i < pfnlab_cma_count(m); i++) {
		struct pfnlab_cma_info ci;
		uint64_t n[PK_NR] = {0};

		pfnlab_cma_info(m, i, &ci);
		for (uint64_t p = ci.base_pfn, k = PK_FREE; p < ci.base_pfn + ci.count && p < pg->nr_pfns; p++) {
			if (pg->kind[p] != PK_TAIL)
				k = pg->kind[p];
			n[k]++;
		}
		printf("CMA area %s: PFNs [%#llx, %#llx)%s: %llu free, %llu allocated by cma_alloc, %llu borrowed (anon %llu, file %llu, shmem %llu), %llu unmovable\n",
		       ci.name, (unsigned long long)ci.base_pfn, (unsigned long long)(ci.base_pfn + ci.count),
		       pg->cma_from_debugfs ? "" : " (placed from pagetypeinfo's counts: no debugfs cma)",
		       (unsigned long long)n[PK_FREE], (unsigned long long)n[PK_CMA],
		       (unsigned long long)(n[PK_ANON] + n[PK_FILE] + n[PK_SHMEM]), (unsigned long long)n[PK_ANON],
		       (unsigned long long)n[PK_FILE], (unsigned long long)n[PK_SHMEM],
		       (unsigned long long)(n[PK_KERNEL] + n[PK_SLAB] + n[PK_PGTABLE] + n[PK_HUGETLB] + n[PK_RESERVED]));
	}
	printf("processes: %u read, %llu pagemap entries with a PFN%s\n", pg->nr_procs,
	       (unsigned long long)pg->pagemap_pfns,
	       pg->nr_procs && !pg->pagemap_pfns ? " (none: reading PFNs from pagemap needs root)" : "");
	if (verbose)
		for (unsigned i = 0; i < pg->nr_procs; i++)
			if (pg->procs[i].anon || pg->procs[i].other)
				printf("  %s[%u]: %llu anon pages, %llu other pages it maps first\n", pg->procs[i].comm,
				       pg->procs[i].pid, (unsigned long long)pg->procs[i].anon,
				       (unsigned long long)pg->procs[i].other);
	if (pg->procs_unreadable)
		printf("note: %llu processes' pagemaps could not be opened\n", (unsigned long long)pg->procs_unreadable);
	if (pg->own_pages)
		printf("note: %llu pages of pfnlab's own process laid free (they are once it exits)\n",
		       (unsigned long long)pg->own_pages);
	if (pg->cma_bits_cleared)
		printf("note: %llu CMA bitmap bits cleared: their first page was not a cma_alloc() page when read\n",
		       (unsigned long long)pg->cma_bits_cleared);
}

enum { O_PRINT = KEYS_CMD, O_PAGE_SIZE, O_NO_THP, O_CHECK, O_STRICT, O_PAGES, O_WHAT_IF, O_CMA_DIR, O_JSON };

static const struct cli_opt opts[] = {
	{"print", O_PRINT, "VIEW", "buddyinfo (default), pagetypeinfo, zoneinfo, meminfo, vmstat, cma, ...", "<view>"},
	{"page-size", O_PAGE_SIZE, "S", "the page size when iomem and zoneinfo cannot tell (default 4K)",
	 "4K 16K 64K"},
	{"no-thp", O_NO_THP, NULL, "min_free_kbytes without THP's raise (only without zoneinfo watermarks)", NULL},
	{"check", O_CHECK, NULL, "run the whole-state checker (exit 4 if it fails)", NULL},
	{"strict", O_STRICT, NULL,
	 "refuse buddyinfo and pagetypeinfo that differ (by default a live /proc read file after file differs "
	 "by a block or two, and pagetypeinfo's counts win, with a -v note)",
	 NULL},
	{"pages", O_PAGES, NULL,
	 "every frame where it is (root): kpageflags, kpagecount, the CMA areas' debugfs files, every process's "
	 "comm, maps and pagemap",
	 NULL},
	{"cma-dir", O_CMA_DIR, "DIR", "the CMA debugfs directory (/sys/kernel/debug/cma for /proc, else DIR/cma)",
	 "<dir>"},
	{"what-if", O_WHAT_IF, "WHAT",
	 "'cma_alloc AREA all|COUNT [align N]' or 'alloc_contig_range START END': what it would do now on the "
	 "model (exit 1 if it would fail), the busy frames and the processes owning them; the real machine is "
	 "not touched",
	 NULL},
	{"json", O_JSON, NULL, "the --what-if answer as one JSON object", NULL},
	{"verbose", 'v', NULL,
	 "notes on stderr (zoneinfo's free count read at another moment, pageblocks isolated when the snapshot "
	 "was taken)",
	 NULL},
	{NULL, 0, NULL, NULL, NULL},
};

static int run(int argc, char **argv)
{
	const char *dir = NULL, *views[MAX_VIEWS], *what = NULL, *cma_dir = NULL;
	int nviews = 0, k;
	bool check = false, verbose = false, pages = false, json = false;
	struct pfnlab_pages pg = {0};
	struct pfnlab_snapshot_opts so = {.thp = true};
	struct pfnlab_machine *m;
	struct pfnlab_sink out;
	struct map_out map = {.ansi = false};
	char why[1024] = "";
	struct cli_args a;
	uint64_t sz;
	int rc = EXIT_OK;

	cli_args_init(&a, &cmd_snapshot, argc, argv);
	while (!rc && (k = cli_next(&a)) != CLI_END) {
		switch (k) {
		case CLI_STOP:
			return a.rc;
		case CLI_OPERAND:
			rc = cli_one_operand(&a, &dir, "directory");
			break;
		case O_PRINT:
			rc = print_opt(&a, views, &nviews);
			break;
		case O_PAGE_SIZE:
			if (parse_size(a.val, &sz) || (sz != 4096 && sz != 16384 && sz != 65536))
				rc = cli_bad_value(&a, "4K, 16K or 64K");
			else
				so.page_shift = (unsigned)__builtin_ctzll(sz);
			break;
		case O_NO_THP:
			so.thp = false;
			break;
		case O_CHECK:
			check = true;
			break;
		case O_STRICT:
			so.strict = true;
			break;
		case O_PAGES:
			pages = true;
			break;
		case O_WHAT_IF:
			what = a.val;
			break;
		case O_CMA_DIR:
			cma_dir = a.val;
			break;
		case O_JSON:
			json = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			rc = map_out_opt(&map, &a);
			break;
		}
	}
	if (rc)
		return rc;
	if (!dir)
		return cli_error("snapshot: which directory? (pfnlab snapshot DIR|/proc [--print VIEW])");
	if (map.given && !map_out_wanted(&map))
		return cli_error("snapshot: --pfns, --columns, --title and --kinds go with --svg, --png or --ansi");
	if ((what || cma_dir) && !pages)
		return cli_error("snapshot: --what-if and --cma-dir go with --pages");
	rc = snapshot_machine(dir, &so, verbose, &m);
	if (rc)
		return rc;
	if (pages) {
		int err = pfnlab_snapshot_pages(m, dir, cma_dir, &pg, why, sizeof(why));

		if (err) {
			cli_error("%s", why);
			pfnlab_machine_destroy(m);
			return err == -ENOMEM ? EXIT_RESOURCE : EXIT_USAGE;
		}
	}
	file_sink(&out, stdout);
	if (pages && !json && !nviews && !map_out_wanted(&map))
		pages_summary(m, &pg, verbose);
	else if (!nviews && !map_out_wanted(&map) && !what)
		views[nviews++] = "buddyinfo";
	for (int i = 0; i < nviews; i++)
		pfnlab_print(m, views[i], &out);
	if (map_out_wanted(&map))
		rc = map_out_draw(m, &map);
	if (!rc && check && pfnlab_check(m, why, sizeof(why))) {
		cli_error("check: %s", why);
		rc = EXIT_INTERNAL;
	}
	if (!rc && what) {
		struct what_if w;

		rc = what_if_parse(m, what, &w);
		if (!rc)
			rc = what_if_run(m, &pg, &w, json, stdout);
		if (!rc && check && pfnlab_check(m, why, sizeof(why))) {
			cli_error("check after --what-if: %s", why);
			rc = EXIT_INTERNAL;
		}
	}
	pfnlab_pages_free(&pg);
	pfnlab_machine_destroy(m);
	return rc;
}

static const struct cli_section sections[] = {
	{"Options", NULL, opts},
	MAP_OUT_SECTION("The machine's map, as pfnlab map draws it (no view is printed unless --print asks):"),
	{NULL, NULL, NULL}};

const struct command cmd_snapshot = {
	.name = "snapshot",
	.summary = "build a model machine from /proc (buddyinfo, pagetypeinfo, zoneinfo, iomem)",
	.synopsis = "DIR|/proc [--print VIEW]... [--page-size 4K|16K|64K] [--no-thp] [--check] [--strict] [-v] [--svg FILE] "
		    "[--png FILE] [--ansi] [map options] [--pages [--cma-dir DIR] [--what-if WHAT] [--json]]",
	.description =
		"Reads zoneinfo, pagetypeinfo, buddyinfo and the System RAM lines of iomem from a directory\n"
		"of files named as in /proc (compressed copies are read too; pagetypeinfo or buddyinfo\n"
		"must be there), or from /proc itself (pagetypeinfo needs root), and builds a machine with\n"
		"the same zones and spans, the same number of pageblocks of each type and the same free\n"
		"blocks per zone, type and order.  Positions are chosen deterministically, so\n"
		"--print pagetypeinfo and --print buddyinfo reproduce the files byte for byte.\n",
	.sections = sections,
	.operands = "<dir>",
	.notes = "Without zoneinfo the zones are laid end to end from PFN 0.  Files that disagree (other\n"
		 "kernels, truncated; other moments with --strict) are refused with FILE:LINE and exit 2.\n",
	.examples = "sudo pfnlab snapshot /proc --print pagetypeinfo\n"
		    "pfnlab snapshot before/ --print buddyinfo --check\n"
		    "pfnlab snapshot before/ --svg before.svg\n"
		    "sudo pfnlab snapshot /proc --pages --what-if 'cma_alloc reserved all'\n",
	.exit_check = "the --what-if allocation would fail",
	.exits = EXITS_USAGE | EXITS_RESOURCE | EXITS_INTERNAL,
	.run = run,
};
