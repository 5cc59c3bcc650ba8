/*
 * cmd_snapshot.c - `pfnlab snapshot`: build a model machine from a
 * machine's /proc (a directory of copies, or /proc itself) and print it.
 */
#include <string.h>

#include "cli.h"
#include "input.h"

static void note(void *arg, const char *msg)
{
	if (arg)
		fprintf(stderr, "pfnlab: note: %s\n", msg);
}

int snapshot_machine(const char *dir, struct pfnlab_snapshot_opts *so, bool verbose, struct pfnlab_machine **m)
{
	char why[1024] = "";
	int err;

	so->note = note;
	so->note_arg = verbose ? (void *)1 : NULL;
	so->host_limit_bytes = host_limit_bytes();
	err = pfnlab_snapshot_load(dir, so, m, why, sizeof(why));
	if (!err)
		return EXIT_OK;
	cli_error("%s", why);
	return err == -ENOMEM || err == -E2BIG ? EXIT_RESOURCE : EXIT_USAGE;
}

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
	if (pg->cma_bits_cleared)
		printf("note: %llu CMA bitmap bits cleared: their first page was not a cma_alloc() page when read\n",
		       (unsigned long long)pg->cma_bits_cleared);
}

static int run(int argc, char **argv)
{
	const char *dir = NULL, *views[16], *what = NULL, *cma_dir = NULL;
	int nviews = 0;
	bool check = false, verbose = false, pages = false, json = false;
	struct pfnlab_pages pg = {0};
	struct pfnlab_snapshot_opts so = {.thp = true};
	struct pfnlab_machine *m;
	struct pfnlab_sink out;
	struct map_out map = {.ansi = false};
	char why[1024] = "";
	int rc = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int k = map_out_opt(&map, argc, argv, &i);

		if (k < 0)
			return EXIT_USAGE;
		if (k)
			continue;
		if (strcmp(a, "--print") == 0 && i + 1 < argc) {
			const char *const *known = pfnlab_views();
			bool ok = false;

			for (int v = 0; known[v]; v++)
				ok |= strcmp(known[v], argv[i + 1]) == 0;
			if (!ok)
				return cli_error("snapshot: --print: unknown view '%s'", argv[i + 1]);
			if (nviews == 16)
				return cli_error("snapshot: --print: at most 16 views");
			views[nviews++] = argv[++i];
		} else if (strcmp(a, "--page-size") == 0 && i + 1 < argc) {
			uint64_t sz;

			if (parse_size(argv[++i], &sz) || (sz != 4096 && sz != 16384 && sz != 65536))
				return cli_error("--page-size: invalid value '%s' (4K, 16K or 64K)", argv[i]);
			so.page_shift = (unsigned)__builtin_ctzll(sz);
		} else if (strcmp(a, "--no-thp") == 0) {
			so.thp = false;
		} else if (strcmp(a, "--pages") == 0) {
			pages = true;
		} else if (strcmp(a, "--what-if") == 0 && i + 1 < argc) {
			what = argv[++i];
		} else if (strcmp(a, "--cma-dir") == 0 && i + 1 < argc) {
			cma_dir = argv[++i];
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--check") == 0) {
			check = true;
		} else if (strcmp(a, "--strict") == 0) {
			so.strict = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			verbose = true;
		} else if (a[0] != '-' && !dir) {
			dir = a;
		} else if (a[0] == '-') {
			return cli_error("snapshot: unknown option '%s' (try 'pfnlab help snapshot')", a);
		} else {
			return cli_error("snapshot: one directory at a time ('%s' and '%s')", dir, a);
		}
	}
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

const struct command cmd_snapshot = {
	.name = "snapshot",
	.summary = "build a model machine from /proc (buddyinfo, pagetypeinfo, zoneinfo, iomem)",
	.run = run,
	.help =
		"usage: pfnlab snapshot DIR|/proc [--print VIEW]... [--page-size 4K|16K|64K] [--no-thp]\n"
		"                       [--check] [--strict] [-v] [--svg FILE] [--png FILE] [--ansi] [map options]\n"
		"                       [--pages [--cma-dir DIR] [--what-if WHAT] [--json]]\n\n"
		"Reads zoneinfo, pagetypeinfo, buddyinfo and the System RAM lines of iomem from a directory\n"
		"of files named as in /proc (compressed copies are read too; pagetypeinfo or buddyinfo\n"
		"must be there), or from /proc itself (pagetypeinfo needs root), and builds a machine with\n"
		"the same zones and spans, the same number of pageblocks of each type and the same free\n"
		"blocks per zone, type and order.  Positions are chosen deterministically, so\n"
		"--print pagetypeinfo and --print buddyinfo reproduce the files byte for byte.\n\n"
		"  --print VIEW    buddyinfo (default), pagetypeinfo, zoneinfo, meminfo, vmstat, cma, ...\n"
		"  --page-size S   the page size when iomem and zoneinfo cannot tell (default 4K)\n"
		"  --no-thp        min_free_kbytes without THP's raise (only without zoneinfo watermarks)\n"
		"  --check         run the whole-state checker (exit 4 if it fails)\n"
		"  --strict        refuse buddyinfo and pagetypeinfo that differ (by default a live\n"
		"                  /proc read file after file differs by a block or two, and\n"
		"                  pagetypeinfo's counts win, with a -v note)\n"
		"  -v              notes on stderr (zoneinfo's free count read at another moment,\n"
		"                  pageblocks isolated when the snapshot was taken)\n"
		"  --pages         every frame where it is (root): kpageflags, kpagecount, the CMA\n"
		"                  areas' debugfs files, every process's comm, maps and pagemap\n"
		"  --cma-dir DIR   the CMA debugfs directory (/sys/kernel/debug/cma for /proc, else DIR/cma)\n"
		"  --what-if WHAT  'cma_alloc AREA all|COUNT [align N]' or 'alloc_contig_range START END':\n"
		"                  what it would do now on the model (exit 1 if it would fail), the busy\n"
		"                  frames and the processes owning them; the real machine is not touched\n"
		"  --json          the --what-if answer as one JSON object\n\n"
		"The machine's map, as pfnlab map draws it (no view is printed unless --print asks):\n"
		"%MAPOUT%\n"
		"Without zoneinfo the zones are laid end to end from PFN 0.  Files that disagree (other\n"
		"kernels, truncated; other moments with --strict) are refused with FILE:LINE and exit 2.\n\n"
		"Examples:\n"
		"  sudo pfnlab snapshot /proc --print pagetypeinfo\n"
		"  pfnlab snapshot before/ --print buddyinfo --check\n"
		"  pfnlab snapshot before/ --svg before.svg\n"
		"  sudo pfnlab snapshot /proc --pages --what-if 'cma_alloc reserved all'\n",
};
