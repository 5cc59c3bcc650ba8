/*
 * guest.c - QEMU guests: a process whose guest RAM is anonymous, movable
 * memory, a KVM VM with its hashed page table, and devices.
 *
 * Models what a QEMU/KVM guest does to host memory over its life:
 *   start:  the VM is created and KVM_PPC_ALLOCATE_HTAB asks for the HPT
 *           (kvm_hpt.c); QEMU mmap()s guest RAM at GUEST_RAM_HVA: anonymous
 *           (MAP_PRIVATE|MAP_ANONYMOUS, optionally with transparent huge
 *           pages; memory-backend-ram) or a memfd of the RAM's size mapped
 *           MAP_SHARED (memory-backend-memfd, share=on: shmem pages, in the
 *           page cache of the memfd) or a hugetlbfs file mapped MAP_SHARED
 *           (memory-backend-file, mem-path=/dev/hugepages, share=on: RAM
 *           rounded up to whole huge pages of the default size, as
 *           file_ram_alloc() does; the mmap reserves them in the pool and
 *           fails with ENOMEM when the pool is short); with vhost_user a
 *           second process, NAME-vhost, maps the same file as a vhost-user
 *           backend does (VHOST_USER_SET_MEM_TABLE hands it the fd) and
 *           faults in what it touches;
 *   run:    the guest touches its RAM, all at boot or a slice at a time;
 *           every first touch is a GFP_HIGHUSER_MOVABLE fault (anonymous, or
 *           shmem_fault() of the memfd), which may land in CMA, or takes a
 *           whole huge page from the pool (hugetlb_fault());
 *   devices: VFIO pass-through pins guest RAM (vfio.c);
 *   stop:   devices go, the HPT is freed, the processes exit (exit_mmap);
 *           the memfd goes with its last mapping, a hugetlbfs file's pages
 *           go back to the pool (to the buddy allocator if surplus).
 * The host's table of running guests is kept here.
 *
 * The OOM killer may kill a guest's QEMU (its task: comm qemu-system-*,
 * the guest's oom_score_adj); the kernel released its memory and pins at
 * its exit, so guests_oom() tears down only what the actors hold (HPT,
 * VFIO and pin records), and the guest's record goes at the end of the
 * scenario step (guests_reap()).
 *
 * Simplified: guest RAM is one block at guest-physical address 0 (sPAPR
 * places RAM so); a memfd has no transparent huge pages (shmem huge=never,
 * the default); the vhost-user process maps all of RAM at the same
 * address in its own space; the guest never gives memory back (no balloon, no
 * free page reporting); a fault the host cannot serve (no task to kill:
 * the machine panicked) is reported and the guest keeps running with what
 * it has.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

/* FNV-1a of a guest name: its home slot in the name index. */
static unsigned name_slot(const struct host *h, const char *name)
{
	uint32_t x = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		x = (x ^ *p) * 16777619u;
	return x & (h->names_cap - 1);
}

/* Put @g into the name index (there is room: names_cap >= 2 * nr_guests). */
static void names_put(struct host *h, struct guest *g)
{
	unsigned i = name_slot(h, g->name);

	while (h->guest_names[i])
		i = (i + 1) & (h->names_cap - 1);
	h->guest_names[i] = g;
}

/* A name index of @cap slots holding every guest of the table. */
static int names_rebuild(struct host *h, unsigned cap)
{
	struct guest **n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	free(h->guest_names);
	h->guest_names = n;
	h->names_cap = cap;
	for (unsigned i = 0; i < h->nr_guests; i++)
		names_put(h, h->guests[i]);
	return 0;
}

/* Take @g out of the name index, moving later entries of its run back (no tombstones). */
static void names_del(struct host *h, const struct guest *g)
{
	unsigned mask = h->names_cap - 1, i = name_slot(h, g->name), j;

	while (h->guest_names[i] != g)
		i = (i + 1) & mask;
	for (j = (i + 1) & mask; h->guest_names[j]; j = (j + 1) & mask) {
		unsigned home = name_slot(h, h->guest_names[j]->name);

		/* the entry at j may fill the hole at i unless its home lies cyclically in (i, j] */
		if (i <= j ? home <= i || home > j : home <= i && home > j) {
			h->guest_names[i] = h->guest_names[j];
			i = j;
		}
	}
	h->guest_names[i] = NULL;
}

static int table_add(struct host *h, struct guest *g)
{
	if (2 * (h->nr_guests + 1) > h->names_cap && names_rebuild(h, h->names_cap ? 2 * h->names_cap : 32))
		return -ENOMEM;
	if (h->nr_guests == h->cap_guests) {
		unsigned cap = h->cap_guests ? h->cap_guests * 2 : 16;
		struct guest **n = realloc(h->guests, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		h->guests = n;
		h->cap_guests = cap;
	}
	g->idx = h->nr_guests;
	h->guests[h->nr_guests++] = g;
	names_put(h, g);
	return 0;
}

/** host_guest() - the running guest called @name, or NULL (a lookup in the name index). */
struct guest *host_guest(const struct host *h, const char *name)
{
	if (!h->names_cap)
		return NULL;
	for (unsigned i = name_slot(h, name); h->guest_names[i]; i = (i + 1) & (h->names_cap - 1))
		if (strcmp(h->guest_names[i]->name, name) == 0)
			return h->guest_names[i];
	return NULL;
}

/** guest_by_start() - qsort() order of guest pointers: the order the guests started in. */
int guest_by_start(const void *a, const void *b)
{
	const struct guest *x = *(struct guest *const *)a, *y = *(struct guest *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/** host_hugepage_bytes() - the default huge page size (what /dev/hugepages is mounted with), 0 if none. */
uint64_t host_hugepage_bytes(const struct host *h)
{
	struct pfnlab_hugetlb_info hi;
	int idx = pfnlab_hugetlb_find(h->m, 0);

	return idx < 0 || pfnlab_hugetlb_info(h->m, (unsigned)idx, &hi) ? 0 : hi.page_bytes;
}

/* Bytes of the mapping holding @o's RAM: hugetlbfs rounds up to whole huge pages (file_ram_alloc()). */
static uint64_t ram_map_bytes(const struct host *h, const struct guest_opts *o)
{
	uint64_t hsize = o->backend == GUEST_BACKEND_HUGETLBFS ? host_hugepage_bytes(h) : 0;

	return hsize ? (o->ram + hsize - 1) / hsize * hsize : o->ram;
}

/*
 * QEMU's memory backend: guest RAM mapped at GUEST_RAM_HVA of the guest's
 * space, anonymous, a memfd (memfd_create(), ftruncate() to the RAM's
 * size, mmap(MAP_SHARED)) or a file on /dev/hugepages (open, unlink,
 * ftruncate, mmap(MAP_SHARED)), and the vhost-user process mapping it.
 */
static int map_ram(struct host *h, struct guest *g, const struct guest_opts *o)
{
	uint64_t len = ram_map_bytes(h, o);
	char name[48];
	int err;

	if (o->backend == GUEST_BACKEND_ANON)
		return pfnlab_mm_map(h->m, g->mm, GUEST_RAM_HVA, o->ram, o->thp ? PFNLAB_MAP_THP : 0);
	if (o->backend == GUEST_BACKEND_HUGETLBFS)
		err = pfnlab_hugetlbfs_create(h->m, g->name, 0, len, &g->memfd);
	else
		err = pfnlab_memfd_create(h->m, g->name, len, &g->memfd);
	if (!err)
		err = pfnlab_mm_map_file(h->m, g->mm, GUEST_RAM_HVA, len, g->memfd, 0, PFNLAB_MAP_SHARED);
	if (err == -ENOMEM && o->backend == GUEST_BACKEND_HUGETLBFS) /* hugetlb_reserve_pages() refused the mmap */
		host_event(h, "%s: qemu-system-%s: unable to map backing store for guest RAM: Cannot allocate memory",
			   g->name, h->page_shift == 16 ? "ppc64" : "x86_64");
	if (err || !o->vhost_user)
		return err;
	snprintf(name, sizeof(name), "%s-vhost", g->name);
	err = pfnlab_mm_create(h->m, name, &g->vhost_mm);
	if (!err && o->pin_aware) /* its faults allocate guest RAM too */
		err = pfnlab_mm_set_pin_aware(h->m, g->vhost_mm, true);
	if (!err)
		err = pfnlab_mm_map_file(h->m, g->vhost_mm, GUEST_RAM_HVA, len, g->memfd, 0, PFNLAB_MAP_SHARED);
	return err;
}

/* The processes exit (exit_mmap()); QEMU's descriptor of the file is closed last: the file goes. */
static void unmap_ram(struct host *h, struct guest *g)
{
	if (g->vhost_mm)
		pfnlab_mm_destroy(h->m, g->vhost_mm);
	if (g->mm)
		pfnlab_mm_destroy(h->m, g->mm);
	if (g->memfd)
		pfnlab_file_close(h->m, g->memfd);
}

/**
 * guest_start() - create a guest: VM and HPT, guest RAM mapped, @o->fault
 * bytes of it faulted in.
 * @h: host
 * @name: unique name ("vm3")
 * @o: size and options
 * @out: receives the guest when it runs (also when faulting hit ENOMEM)
 *
 * Return: 0; -EEXIST (the name is taken), -EINVAL (RAM not a multiple of
 * the page size, THP on a memfd or hugetlbfs file, vhost_user with
 * anonymous RAM, hugetlbfs RAM smaller than a huge page), -ENOMEM with
 * *@out NULL (no HPT, or the hugetlb pool could not reserve the RAM: the
 * guest did not start) or with *@out set (running, but the host ran out
 * of memory while faulting in its RAM).
 */
int guest_start(struct host *h, const char *name, const struct guest_opts *o, struct guest **out)
{
	struct guest *g;
	int err;

	*out = NULL;
	if (host_guest(h, name))
		return -EEXIST;
	if (!o->ram || (o->ram & (h->page_size - 1)) || (unsigned)o->backend >= GUEST_BACKENDS ||
	    (o->backend == GUEST_BACKEND_ANON ? o->vhost_user : o->thp))
		return -EINVAL;
	if (o->backend == GUEST_BACKEND_HUGETLBFS && o->ram < host_hugepage_bytes(h)) { /* QEMU's file_ram_alloc() */
		host_event(h, "%s: qemu-system-%s: memory size %#llx must be equal to or larger than page size %#llx",
			   name, h->page_shift == 16 ? "ppc64" : "x86_64", (unsigned long long)o->ram,
			   (unsigned long long)host_hugepage_bytes(h));
		h->st.guests_failed++;
		return -EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->ram = o->ram;
	g->backend = o->backend;
	g->thp = o->thp;
	g->pin_aware = o->pin_aware;
	g->memlock = o->memlock >> h->page_shift;
	g->started_ns = pfnlab_now(h->m);
	err = pfnlab_mm_create(h->m, name, &g->mm);
	if (!err) { /* QEMU: the task the OOM killer sees */
		struct pfnlab_task t = {.oom_score_adj = o->oom_score_adj};

		/* task->comm keeps 15 bytes of qemu-system-ppc64 or qemu-system-x86_64 */
		memcpy(t.comm, h->page_shift == 16 ? "qemu-system-ppc" : "qemu-system-x86", 15);
		t.pid = 1000 + (int)h->next_seq;
		err = pfnlab_mm_set_task(h->m, g->mm, &t);
	}
	if (err) {
		pfnlab_mm_destroy(h->m, g->mm);
		free(g);
		return err;
	}
	if (o->hpt_order) {
		unsigned order = o->hpt_order < 0 ? kvm_hpt_order_for_ram(o->ram) : (unsigned)o->hpt_order;

		err = kvm_hpt_alloc(h, g, order);
		if (err) {
			if (h->hpt_fallback == HPT_FALLBACK_CURRENT)
				host_event(h, "qemu-system-ppc64: Failed to allocate KVM HPT of order %u (try smaller maxmem?): %s",
					   order, err == -ENOMEM ? "Cannot allocate memory" : "Invalid argument");
			pfnlab_mm_destroy(h->m, g->mm);
			free(g);
			h->st.guests_failed++;
			return err;
		}
	}
	if (o->pin_aware)
		pfnlab_mm_set_pin_aware(h->m, g->mm, true);
	err = map_ram(h, g, o);
	if (!err)
		err = table_add(h, g);
	if (err) {
		kvm_hpt_free(h, g);
		unmap_ram(h, g);
		free(g);
		h->st.guests_failed++;
		return err;
	}
	h->st.guests_started++;
	h->st.guests_memfd += g->memfd != 0;
	g->seq = h->next_seq++;
	*out = g;
	if (o->fault)
		err = guest_touch(h, g, o->fault, NULL);
	if (!err && g->vhost_mm && o->vhost_fault) {
		uint64_t len = (o->vhost_fault + h->page_size - 1) & ~(h->page_size - 1);

		err = pfnlab_mm_touch(h->m, g->vhost_mm, GUEST_RAM_HVA, len < o->ram ? len : o->ram, NULL);
		if (err == -ENOMEM)
			host_event(h, "%s-vhost: the host is out of memory faulting in guest RAM", g->name);
	}
	return err;
}

/**
 * guest_touch() - the guest touches @bytes more of its RAM (first touches
 * fault pages in, in address order).
 * @done: receives the bytes newly faulted in (may be NULL)
 *
 * Return: 0, or -ENOMEM when the host ran out (what was faulted stays).
 */
int guest_touch(struct host *h, struct guest *g, uint64_t bytes, uint64_t *done)
{
	uint64_t len = g->ram - g->touched, faulted = 0;
	char a[32], b[32];
	int err;

	if (bytes < len)
		len = bytes;
	len &= ~(h->page_size - 1);
	if (done)
		*done = 0;
	guests_oom(h);
	if (g->oom_killed)
		return -EINTR;
	if (!len)
		return 0;
	err = pfnlab_mm_touch(h->m, g->mm, GUEST_RAM_HVA + g->touched, len, &faulted);
	guests_oom(h);
	if (g->oom_killed)
		return -EINTR;
	if (err == -ENOMEM) {
		uint64_t got = faulted << h->page_shift;

		if (got > len)
			got = len;
		g->touched += got;
		if (!h->st.guest_oom++)
			host_event(h, "%s: the host is out of memory: guest RAM faulted in stops at %s of %s", g->name,
				   size_str(g->touched, a, sizeof(a)), size_str(g->ram, b, sizeof(b)));
		if (done)
			*done = got;
		return err;
	}
	if (err)
		return err;
	g->touched += len;
	if (done)
		*done = len;
	return 0;
}

/* Devices, pins and HPT go (the VM's files released); QEMU's address space is the caller's. */
static void release_vm(struct host *h, struct guest *g)
{
	vfio_unplug(h, g);
	for (unsigned i = 0; i < g->nr_raw; i++)
		pin_set_release(h, g, &g->raw[i].pins);
	free(g->raw);
	g->raw = NULL;
	g->nr_raw = g->cap_raw = 0;
	kvm_hpt_free(h, g);
}

static void table_remove(struct host *h, struct guest *g)
{
	names_del(h, g);
	h->nr_unreaped -= g->oom_killed;
	h->guests[g->idx] = h->guests[--h->nr_guests];
	h->guests[g->idx]->idx = g->idx;
	free(g);
}

/** guest_stop() - shut the guest down: devices, pins, HPT, then the process exits (exit_mmap()). */
void guest_stop(struct host *h, struct guest *g)
{
	if (!g->oom_killed) {
		release_vm(h, g);
		h->st.guests_stopped++;
	}
	unmap_ram(h, g); /* an OOM-killed QEMU's space is gone (g->mm 0); the vhost process and memfd are not */
	table_remove(h, g);
}

/**
 * guests_oom() - take the OOM killer's kills: a killed QEMU's guest is
 * marked, its VM's files are released (HPT, VFIO container, pin records:
 * the kernel unpinned at its exit), the kill is told as an event with the
 * kernel's line, and the guest is remembered by name.  Cheap when there is
 * nothing to take; call it after any operation that allocates.
 *
 * Return: true if a guest was killed.
 */
bool guests_oom(struct host *h)
{
	struct pfnlab_oom_event ev;
	bool any = false;

	while (pfnlab_oom_next(h->m, &ev) == 0) {
		struct guest *g = NULL;

		h->st.oom_kills++;
		for (unsigned i = 0; i < h->nr_guests && !g; i++)
			if (!h->guests[i]->oom_killed && h->guests[i]->mm == ev.mm)
				g = h->guests[i];
		if (!g) {
			host_event(h, "%s", ev.line);
			continue;
		}
		g->oom_killed = true;
		h->nr_unreaped++;
		release_vm(h, g);
		g->mm = 0;
		h->st.guests_oom_killed++;
		host_event(h, "%s: its QEMU was killed by the OOM killer: %s", g->name, ev.line);
		if (h->nr_killed == h->cap_killed) {
			unsigned cap = h->cap_killed ? h->cap_killed * 2 : 8;
			struct killed_guest *n = realloc(h->killed, cap * sizeof(*n));

			if (n) {
				h->killed = n;
				h->cap_killed = cap;
			}
		}
		if (h->nr_killed < h->cap_killed) {
			snprintf(h->killed[h->nr_killed].name, sizeof(h->killed[0].name), "%s", g->name);
			h->killed[h->nr_killed++].when_ns = ev.when_ns;
		}
		any = true;
	}
	return any;
}

/** guests_reap() - the records of killed guests go (between scenario steps). */
void guests_reap(struct host *h)
{
	guests_oom(h);
	for (unsigned i = h->nr_guests; i-- > 0 && h->nr_unreaped;)
		if (h->guests[i]->oom_killed)
			table_remove(h, h->guests[i]);
}

/** guest_killed() - the guest called @name the OOM killer killed (the last one of that name), or NULL. */
const struct killed_guest *guest_killed(const struct host *h, const char *name)
{
	for (unsigned i = h->nr_killed; i-- > 0;)
		if (!strcmp(h->killed[i].name, name))
			return &h->killed[i];
	return NULL;
}
