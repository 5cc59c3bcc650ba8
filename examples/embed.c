/*
 * embed.c - libpfnlab in a program of your own: a 256 MiB x86_64 machine
 * with a 128 MiB CMA area; a guest whose RAM borrows CMA pages (today's
 * kernels give movable allocations CMA first while free CMA exceeds half of
 * the free memory); VFIO pins eight of those borrowed pages long-term, where
 * they are; then a whole-area cma_alloc() fails, and pfnlab says who holds
 * each busy page.  Exit 0 when every pinned page is named as a culprit.
 *
 *   cc embed.c $(pkg-config --cflags --libs pfnlab) -o embed && ./embed
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <pfnlab.h>

#define MiB (1ull << 20)
#define PAGE 4096ull
#define GUEST_BASE 0x40000000ull
#define GUEST_RAM (64 * MiB)

static void out(void *arg, const char *buf, size_t len)
{
	fwrite(buf, 1, len, arg);
}

static void try(int err, const char *what)
{
	if (err < 0) {
		fprintf(stderr, "embed: %s: %s\n", what, pfnlab_strerror(err));
		exit(2);
	}
}

int main(void)
{
	struct pfnlab_sink sink = {out, stdout};
	struct pfnlab_contig_failure f;
	struct pfnlab_config cfg;
	struct pfnlab_machine *m;
	unsigned vm, pinned = 0, named = 0;
	uint64_t pfn;
	char why[256];
	int err;

	try(pfnlab_config_preset(&cfg, "x86_64", 256 * MiB), "preset");
	cfg.nr_cma = 1;
	snprintf(cfg.cma[0].name, sizeof(cfg.cma[0].name), "reserved");
	cfg.cma[0].size = 128 * MiB;
	if (pfnlab_machine_create(&cfg, &m, why, sizeof(why)) < 0) {
		fprintf(stderr, "embed: %s\n", why);
		return 2;
	}
	printf("libpfnlab %s (header %s)\n", pfnlab_version(), PFNLAB_VERSION);

	try(pfnlab_mm_create(m, "vm1", &vm), "mm_create");
	try(pfnlab_mm_map(m, vm, GUEST_BASE, GUEST_RAM, 0), "mm_map");
	try(pfnlab_mm_touch(m, vm, GUEST_BASE, GUEST_RAM, NULL), "mm_touch");
	for (uint64_t a = GUEST_BASE; a < GUEST_BASE + GUEST_RAM && pinned < 8; a += MiB) {
		try(pfnlab_mm_lookup(m, vm, a, &pfn), "mm_lookup");
		if (pfnlab_pageblock_type(m, pfn) != PFNLAB_MT_CMA)
			continue;
		try((int)pfnlab_pin(m, vm, a, 1, PFNLAB_FOLL_PIN | PFNLAB_FOLL_LONGTERM, "VFIO container of vm1", NULL),
		    "pin");
		pinned++;
	}

	err = pfnlab_cma_alloc(m, 0, 128 * MiB / PAGE, 0, &pfn);
	printf("cma_alloc of all of area reserved: %s\n", pfnlab_strerror(err));
	if (pfnlab_contig_failure(m, &f) == 0) {
		pfnlab_print_culprits(m, false, &sink);
		for (size_t i = 0; i < f.nr_culprits; i++)
			named += f.culprits[i].kind == PFNLAB_HOLD_LONGTERM_PIN;
	}
	printf("%u pages pinned in CMA, %u named as long-term pinned culprits\n", pinned, named);
	pfnlab_machine_destroy(m);
	return err == -EBUSY && pinned && named == pinned ? 0 : 1;
}
