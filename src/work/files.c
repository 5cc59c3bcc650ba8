/*
 * files.c - the host's files: page cache a scenario puts on the host, as
 * a program reading, writing and mapping files does.
 *
 * Models what user space does to the page cache: a file of the size asked
 * for is read whole with read() (pages cached with the readahead mask:
 * movable, so they borrow CMA), part of it is then written with write()
 * (dirty pages with buffer heads, the flusher held off), part of it is
 * mapped MAP_SHARED by a reader process, NAME-reader, that reads through
 * the mapping (each page mapped once); `sync` is fsync() of every file.
 * A `mount` puts a file system on a block device: the device's page cache
 * holds the metadata the file system keeps (buffer.c), under the
 * device's name among the files.
 * The kernel's own rules (which pages alloc_contig_range() reclaims and
 * which it migrates, how a file system migrates dirty pages) are the
 * core's (filemap.c, vmscan.c, migrate.c).
 *
 * Simplified: the files are read from the start and written and mapped
 * from the start; there is no flusher, so dirty pages stay dirty until
 * `sync` or a migration writes them out; files are never deleted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

/* Where the reader process maps its file in its own address space. */
#define READER_MAP_ADDR 0x40000000ull

/** host_file() - the file called @name, or NULL. */
struct host_file *host_file(const struct host *h, const char *name)
{
	for (unsigned i = 0; i < h->nr_files; i++)
		if (strcmp(h->files[i].name, name) == 0)
			return &h->files[i];
	return NULL;
}

/* The first @ppm millionths of @pages, in bytes. */
static uint64_t share_bytes(const struct host *h, uint64_t pages, uint64_t ppm)
{
	return (pages * ppm / 1000000) << h->page_shift;
}

/* A new slot in the host's files for @name, unique among them: 0, -EEXIST, -ENOMEM. */
static int new_file(struct host *h, const char *name, char *why, size_t len, struct host_file **f)
{
	if (host_file(h, name))
		return set_why(why, len, "a file called '%s' exists already", name), -EEXIST;
	if (h->nr_files == h->cap_files) {
		unsigned cap = h->cap_files ? h->cap_files * 2 : 8;
		struct host_file *n = realloc(h->files, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		h->files = n;
		h->cap_files = cap;
	}
	*f = &h->files[h->nr_files];
	**f = (struct host_file){0};
	snprintf((*f)->name, sizeof((*f)->name), "%s", name);
	return 0;
}

/**
 * host_file_add() - a file on the host: created on @o->fs, read whole,
 * @o->dirty_ppm of it written, @o->mapped_ppm of it mapped and read by
 * the process NAME-reader.
 * @h: host
 * @name: the file's name, unique among the host's files
 * @o: size, file system and shares
 * @why: receives what went wrong
 * @len: size of @why
 *
 * Return: 0; -EEXIST (the name is taken), -EINVAL (an empty file), or
 * -ENOMEM (the host ran out of memory: the file keeps what was cached,
 * an event says how much).
 */
int host_file_add(struct host *h, const char *name, const struct file_opts *o, char *why, size_t len)
{
	struct host_file *f;
	struct pfnlab_file_info fi;
	uint64_t pages = (o->bytes + h->page_size - 1) >> h->page_shift, dirty, mapped;
	char rname[48], a[32], b[32];
	int err;

	if (!pages)
		return set_why(why, len, "file %s: read= must be at least one byte", name), -EINVAL;
	err = new_file(h, name, why, len, &f);
	if (err)
		return err;
	err = pfnlab_file_create(h->m, name, o->fs, pages << h->page_shift, &f->id);
	if (err)
		return err;
	h->nr_files++;
	dirty = share_bytes(h, pages, o->dirty_ppm);
	mapped = share_bytes(h, pages, o->mapped_ppm);
	err = pfnlab_file_read(h->m, f->id, 0, pages << h->page_shift);
	if (!err && dirty)
		err = pfnlab_file_write(h->m, f->id, 0, dirty);
	if (!err && mapped) {
		snprintf(rname, sizeof(rname), "%s-reader", name);
		err = pfnlab_mm_create(h->m, rname, &f->reader);
		if (!err)
			err = pfnlab_mm_map_file(h->m, f->reader, READER_MAP_ADDR, mapped, f->id, 0, PFNLAB_MAP_SHARED);
		if (!err)
			err = pfnlab_mm_touch(h->m, f->reader, READER_MAP_ADDR, mapped, NULL);
	}
	if (err == -ENOMEM && !pfnlab_file_info(h->m, f->id, &fi))
		host_event(h, "file %s: the host is out of memory: %s of %s cached", name,
			   size_str(fi.cached << h->page_shift, a, sizeof(a)), size_str(pages << h->page_shift, b, sizeof(b)));
	return err;
}

/**
 * host_mount() - mount a file system of @fs on a block device @name of
 * @bytes: its held metadata pages are allocated (pfnlab_fs_mount()).
 * @h: host
 * @name: the device's name, unique among the host's files
 * @fs: ext2 or ext4
 * @bytes: the device's size
 * @why: receives what went wrong
 * @len: size of @why
 *
 * Return: 0; -EEXIST (the name is taken), -EINVAL (the size), -ENOMEM.
 */
int host_mount(struct host *h, const char *name, enum pfnlab_fs fs, uint64_t bytes, char *why, size_t len)
{
	struct host_file *f;
	int err = new_file(h, name, why, len, &f);

	if (err)
		return err;
	err = pfnlab_fs_mount(h->m, name, fs, bytes, &f->id);
	if (err == -EINVAL)
		return set_why(why, len, "size= must be 64 KiB to 16 TiB"), err;
	if (err)
		return err;
	h->nr_files++;
	return 0;
}

/**
 * host_umount() - unmount the file system on device @name: its metadata
 * buffers are released (a file, or a device unmounted already, is refused
 * by pfnlab_fs_umount()).  Return: 0, -ENOENT.
 */
int host_umount(struct host *h, const char *name, char *why, size_t len)
{
	const struct host_file *f = host_file(h, name);

	if (!f || pfnlab_fs_umount(h->m, f->id))
		return set_why(why, len, "nothing is mounted on a device called '%s'", name), -ENOENT;
	return 0;
}

/** host_file_sync() - fsync() of the file called @name, or of every file when @name is NULL. Return: 0 or -ENOENT. */
int host_file_sync(struct host *h, const char *name)
{
	if (name) {
		const struct host_file *f = host_file(h, name);

		return f ? pfnlab_file_sync(h->m, f->id) : -ENOENT;
	}
	for (unsigned i = 0; i < h->nr_files; i++)
		pfnlab_file_sync(h->m, h->files[i].id);
	return 0;
}

/** host_files_destroy() - forget the host's files (their pages go with the machine). */
void host_files_destroy(struct host *h)
{
	free(h->files);
	h->files = NULL;
	h->nr_files = h->cap_files = 0;
}
