/*
 * exp_pagecache.c - page cache in the CMA area: a file of R MiB on ext2
 * (a virtio disk made on the host, /dev/vda) is brought into the page
 * cache after the filler F, so that part of it lands in CMA; then a
 * whole-area cma_alloc.  Clean unmapped file pages are reclaimed by
 * alloc_contig_range (reclaim_clean_pages_from_list()), not migrated;
 * mapped and dirty ones are what this measures too.  Variants:
 *   read   the file read with read()            (clean, unmapped)
 *   mmap   the file mapped MAP_SHARED and read   (clean, mapped)
 *   dirty  the file overwritten with write()     (dirty; writeback held off)
 *
 * The data file: page i starts with page_tag(0xc, i), the rest 0xa5 bytes
 * (not sparse); the dirty variant writes page_tag(0xd, i).  Residency in
 * the page cache is read with mincore() on a mapping never touched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

#define CHUNK (1ul << 20)

static void fill_chunk(char *buf, size_t first_page, size_t pages, unsigned seed)
{
	for (size_t p = 0; p < pages; p++) {
		memset(buf + p * PAGE, 0xa5, PAGE);
		*(uint64_t *)(buf + p * PAGE) = page_tag(seed, first_page + p);
	}
}

/* Host side (oracle/run.sh): the data file the disk image carries. */
void make_data_file(const char *path, unsigned long mib, unsigned seed)
{
	static char buf[CHUNK];
	size_t pages = (mib << 20) / PAGE;
	FILE *fp = fopen(path, "wb");

	if (!fp) {
		perror(path);
		exit(1);
	}
	for (size_t i = 0; i < pages; i += CHUNK / PAGE) {
		fill_chunk(buf, i, CHUNK / PAGE, seed);
		if (fwrite(buf, CHUNK, 1, fp) != 1) {
			perror(path);
			exit(1);
		}
	}
	if (fclose(fp)) {
		perror(path);
		exit(1);
	}
}

/* Pages of the file in the page cache (mincore() of an untouched mapping). */
static size_t resident(const char *probe, unsigned char *vec, size_t pages)
{
	size_t n = 0;

	if (mincore((void *)probe, pages * PAGE, vec))
		fail("mincore");
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

/* Pages whose tag is not page_tag(@seed, i), read with pread() (through the page cache). */
static size_t file_mismatches(int fd, char *buf, size_t pages, unsigned seed)
{
	size_t bad = 0;

	for (size_t i = 0; i < pages; i += CHUNK / PAGE) {
		size_t n = pages - i < CHUNK / PAGE ? pages - i : CHUNK / PAGE;

		if (pread(fd, buf, n * PAGE, (off_t)(i * PAGE)) != (ssize_t)(n * PAGE))
			fail("pread /mnt/data");
		for (size_t p = 0; p < n; p++)
			bad += *(uint64_t *)(buf + p * PAGE) != page_tag(seed, i + p);
	}
	return bad;
}

static void file_state(const char *phase, const char *probe, unsigned char *vec, size_t pages)
{
	char key[96];

	snprintf(key, sizeof(key), "%s.file.resident", phase);
	result(key, "%zu", resident(probe, vec, pages));
	snprintf(key, sizeof(key), "%s.nr_dirty", phase);
	result(key, "%lld", vmstat("nr_dirty"));
	snprintf(key, sizeof(key), "%s.nr_writeback", phase);
	result(key, "%lld", vmstat("nr_writeback"));
	snprintf(key, sizeof(key), "%s.nr_file_pages", phase);
	result(key, "%lld", vmstat("nr_file_pages"));
}

void exp_pagecache(const char *variant)
{
	int dirty = !strcmp(variant, "dirty"), mapped = !strcmp(variant, "mmap");
	unsigned seed = dirty ? 0xd : 0xc;
	struct region f, m;
	struct stat st;
	unsigned char *vec;
	uint64_t *before = NULL;
	char *buf, *probe, *map = NULL;
	size_t pages, bad = 0;
	int fd;

	result("pagecache.variant", "%s", variant);
	mkdir("/mnt", 0755);
	if (mount("/dev/vda", "/mnt", "ext2", MS_NOATIME, NULL))
		fail("mount /dev/vda (ext2) on /mnt");
	fd = open("/mnt/data", dirty ? O_RDWR : O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		fail("open /mnt/data");
	pages = (size_t)st.st_size / PAGE;
	result("file.pages", "%zu", pages);
	if (pages != (par.r_mib << 20) / PAGE)
		fail("/mnt/data has %zu pages, not R = %lu MiB", pages, par.r_mib);
	/* no writeback before the cma_alloc: no flusher wakeups, nothing expires, high thresholds */
	sysctl("vm/dirty_writeback_centisecs", "0");
	sysctl("vm/dirty_expire_centisecs", "360000");
	sysctl("vm/dirty_background_ratio", "90");
	sysctl("vm/dirty_ratio", "95");
	buf = malloc(CHUNK);
	vec = malloc(pages);
	probe = mmap(NULL, pages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (!buf || !vec || probe == MAP_FAILED)
		fail("buffers / probe mapping");
	memset(buf, 0x5a, CHUNK);
	memset(vec, 0x5a, pages);
	name_range("buf", buf, CHUNK);
	name_range("mincore", vec, pages);
	file_state("mounted", probe, vec, pages);

	start(&f);
	phase_begin("file");
	if (mapped) {
		map = mmap(NULL, pages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			fail("mmap /mnt/data");
		region_adopt(&m, "M", map, pages, seed);
		bad = region_mismatches(&m);	/* reads every page through the mapping */
	} else if (dirty) {
		for (size_t i = 0; i < pages; i += CHUNK / PAGE) {
			fill_chunk(buf, i, CHUNK / PAGE, seed);
			if (pwrite(fd, buf, CHUNK, (off_t)(i * PAGE)) != (ssize_t)CHUNK)
				fail("pwrite /mnt/data");
		}
	} else {
		bad = file_mismatches(fd, buf, pages, seed);
	}
	phase_end("file");
	result("file.mismatches", "%zu", bad);
	file_state("file", probe, vec, pages);
	cma_census("file");
	zoneinfo("file");
	meminfo("file");
	if (mapped) {
		region_count(&m, "file");
		before = pfn_copy(&m);
	}

	cma_alloc_whole("pagecache", 1);
	file_state("after", probe, vec, pages);
	if (mapped) {
		region_count_present(&m, "after");
		result("after.M.moved", "%zu", region_moved(&m, before));
	}
	zoneinfo("after");
	meminfo("after");

	/* the data, through the page cache (re-read from the disk where reclaimed) */
	phase_begin("check");
	bad = mapped ? region_mismatches(&m) : file_mismatches(fd, buf, pages, seed);
	phase_end("check");
	result("check.mismatches", "%zu", bad);
	file_state("check", probe, vec, pages);
	close(fd);
	free(before);
}
