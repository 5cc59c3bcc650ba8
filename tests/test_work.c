/*
 * test_work.c - the actors (src/work): KVM HPT sizing and fallback, VFIO
 * type1 and SPAPR validation and accounting, pin bookkeeping, the kernel
 * background, and the scenario language's parser and interpreter.
 */
#include <errno.h>

#include "test.h"
#include "scenario.h"
#include "work.h"


/* A machine made from @c plus a host on it. */
static struct pfnlab_machine *host_on(struct host *h, const struct pfnlab_config *c, struct test_capture *log)
{
	struct pfnlab_machine *m;
	char why[256];

	if (pfnlab_machine_create(c, &m, why, sizeof(why))) {
		T_FAIL("machine: %s", why);
		return NULL;
	}
	memset(h, 0, sizeof(*h));
	if (log)
		h->out = (struct pfnlab_sink){test_capture_write, log};
	h->hpt_fallback = c->era == PFNLAB_ERA_2015 ? HPT_FALLBACK_2015 : HPT_FALLBACK_CURRENT;
	host_init(h, m);
	return m;
}

/* A machine plus a host on it; kvm_ratio 0 = no kvm_cma. */
static struct pfnlab_machine *host_up(struct host *h, const char *preset, uint64_t ram, unsigned kvm_ratio,
				      enum pfnlab_pin_policy pol, struct test_capture *log)
{
	struct pfnlab_config c;

	pfnlab_config_preset(&c, preset, ram);
	c.pin_policy = pol;
	CHECK_EQ(kvm_cma_declare(&c, kvm_ratio), 0);
	return host_on(h, &c, log);
}

static void host_down(struct host *h, struct pfnlab_machine *m)
{
	char why[512];

	if (pfnlab_check(m, why, sizeof(why)))
		T_FAIL("checker: %s", why);
	host_fini(h);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_pages") + 0 > 0, 1);
	pfnlab_machine_destroy(m);
}

/* Expect QEMU's rule: 1/128 of guest RAM rounded up to a power of two, in [2^18, 2^46]. */
TEST(hpt_order_check)
{
	CHECK_EQ(kvm_hpt_order_for_ram(1), 18);
	CHECK_EQ(kvm_hpt_order_for_ram(16ull << 20), 18);
	CHECK_EQ(kvm_hpt_order_for_ram(32ull << 20), 18);
	CHECK_EQ(kvm_hpt_order_for_ram(64ull << 20), 19);
	CHECK_EQ(kvm_hpt_order_for_ram(1ull << 30), 23);
	CHECK_EQ(kvm_hpt_order_for_ram(3ull << 30), 25);
	CHECK_EQ(kvm_hpt_order_for_ram(4ull << 30), 25);
	CHECK_EQ(kvm_hpt_order_for_ram((4ull << 30) + 1), 26);
	CHECK_EQ(kvm_hpt_order_for_ram(128ull << 30), 30);
	CHECK_EQ(kvm_hpt_order_for_ram(1ull << 60), 46);
}

/* Expect kvm_cma = 5% of RAM, page aligned, one bit per 256 KiB. */
TEST(kvm_cma_declare_check)
{
	struct pfnlab_config c;

	pfnlab_config_preset(&c, "ppc64", 64ull << 30);
	CHECK_EQ(kvm_cma_declare(&c, 5), 0);
	CHECK_EQ(c.nr_cma, 1);
	CHECK_STR(c.cma[0].name, "kvm_cma");
	CHECK_EQ(c.cma[0].size, (64ull << 30) / 100 * 5 / 65536 * 65536 + 65536);
	CHECK_EQ(c.cma[0].order_per_bit, 2);
	pfnlab_config_preset(&c, "x86_64", 8ull << 30);
	CHECK_EQ(kvm_cma_declare(&c, 0), 0);
	CHECK_EQ(c.nr_cma, 0);
	CHECK_EQ(kvm_cma_declare(&c, 10), 0);
	CHECK_EQ(c.cma[0].order_per_bit, 6);
	CHECK_EQ(kvm_cma_declare(&c, 101), -EINVAL);
}

/*
 * No kvm_cma, 2015 allocator, a 8 GiB guest asks for order 26 (64 MiB):
 *   buddy order 10 > 8 (the largest, 16 MiB) ... order 8 fits
 * Expect the table to fall back to order 24 and count as a fallback.
 */
TEST(hpt_fallback_2015_check)
{
	struct host h;
	struct pfnlab_machine *m = host_up(&h, "ppc64", 16ull << 30, 0, PFNLAB_PIN_NONE, NULL);
	struct guest_opts o = {.ram = 8ull << 30, .hpt_order = -1};
	struct guest *g;

	if (!m)
		return;
	CHECK_EQ(guest_start(&h, "vm1", &o, &g), 0);
	CHECK(g != NULL);
	if (g) {
		CHECK_EQ(g->hpt.order, 24);
		CHECK_EQ(g->hpt.requested, 26);
		CHECK_EQ(g->hpt.cma, 0);
		CHECK_EQ(g->hpt.nr_revmap, 256); /* 16 MiB of revmap_entry in 64 KiB pages */
	}
	CHECK_EQ(h.st.hpt_fallback, 1);
	CHECK_EQ(h.st.hpt_ok, 0);
	host_down(&h, m);
}

/* Expect today's allocator to refuse an order above the largest buddy block: no guest. */
TEST(hpt_current_enomem_check)
{
	struct host h;
	struct pfnlab_machine *m = host_up(&h, "ppc64", 16ull << 30, 0, PFNLAB_PIN_NONE, NULL);
	struct guest_opts o = {.ram = 8ull << 30, .hpt_order = -1};
	struct guest *g;

	if (!m)
		return;
	h.hpt_fallback = HPT_FALLBACK_CURRENT;
	CHECK_EQ(guest_start(&h, "vm1", &o, &g), -ENOMEM);
	CHECK(g == NULL);
	CHECK_EQ(h.st.hpt_failed, 1);
	CHECK_EQ(h.st.guests_failed, 1);
	CHECK_EQ(h.nr_guests, 0);
	o.ram = 1ull << 30; /* order 23: 8 MiB fits a buddy block */
	CHECK_EQ(guest_start(&h, "vm2", &o, &g), 0);
	CHECK_EQ(h.st.hpt_fallback, 1);
	host_down(&h, m);
}

/* Expect an HPT from kvm_cma, its revmap from the buddy allocator, and the 2015 log line. */
TEST(hpt_cma_check)
{
	struct host h;
	struct test_capture log = {.len = 0};
	struct pfnlab_machine *m = host_up(&h, "ppc64", 16ull << 30, 5, PFNLAB_PIN_NONE, &log);
	struct guest_opts o = {.ram = 4ull << 30, .hpt_order = -1};
	struct pfnlab_cma_info ci;
	struct guest *g;

	if (!m)
		return;
	CHECK_EQ(guest_start(&h, "vm1", &o, &g), 0);
	CHECK_EQ(g->hpt.cma, 1);
	CHECK_EQ(g->hpt.order, 25);
	pfnlab_cma_info(m, (unsigned)h.kvm_cma, &ci);
	CHECK_EQ(ci.used, 512);
	CHECK(strstr(log.text, "] KVM guest htab at c000") != NULL);
	CHECK(strstr(log.text, "(order 25), LPID 1\n") != NULL);
	guest_stop(&h, g);
	pfnlab_cma_info(m, (unsigned)h.kvm_cma, &ci);
	CHECK_EQ(ci.used, 0);
	CHECK_EQ(h.st.hpt_ok, 1);
	host_down(&h, m);
}

/*
 *   iova   0      1M     2M                   0xfee00000 (x86 MSI)
 *          [ map  )      [ dma_entry_limit ... ]
 * Expect the kernel's -EINVAL, -EEXIST, -ENOSPC; unmap may not bisect.
 */
TEST(vfio_type1_rules_check)
{
	struct host h;
	struct pfnlab_machine *m = host_up(&h, "x86_64", 2ull << 30, 0, PFNLAB_PIN_NONE, NULL);
	struct guest_opts o = {.ram = 64ull << 20};
	struct guest *g;
	uint64_t un;
	char why[256];

	if (!m)
		return;
	h.dma_entry_limit = 3;
	CHECK_EQ(guest_start(&h, "vm1", &o, &g), 0);
	CHECK_EQ(vfio_map_dma(&h, g, 0, GUEST_RAM_HVA, 1 << 20, 3, why, sizeof(why)), 0);
	CHECK_EQ(g->locked_vm, 256);
	CHECK_EQ(g->pinned_pages, 256);
	CHECK_EQ(g->touched, 0); /* the pin faulted pages in; `touched` is the guest's own */
	CHECK_EQ(vfio_map_dma(&h, g, 4096, GUEST_RAM_HVA, 4096, 3, why, sizeof(why)), -EEXIST);
	CHECK_EQ(vfio_map_dma(&h, g, 2 << 20, GUEST_RAM_HVA + 1, 4096, 3, why, sizeof(why)), -EINVAL);
	CHECK_EQ(vfio_map_dma(&h, g, 2 << 20, GUEST_RAM_HVA, 0, 3, why, sizeof(why)), -EINVAL);
	CHECK_EQ(vfio_map_dma(&h, g, 2 << 20, GUEST_RAM_HVA, 4096, 0, why, sizeof(why)), -EINVAL);
	CHECK_EQ(vfio_map_dma(&h, g, ~0ull - 4095, GUEST_RAM_HVA, 8192, 3, why, sizeof(why)), -EINVAL);
	CHECK_EQ(vfio_map_dma(&h, g, 0xfee00000, GUEST_RAM_HVA, 4096, 3, why, sizeof(why)), -EINVAL);
	CHECK_EQ(vfio_map_dma(&h, g, 1ull << 48, GUEST_RAM_HVA, 4096, 3, why, sizeof(why)), -EINVAL);
	CHECK_EQ(vfio_map_dma(&h, g, 2 << 20, GUEST_RAM_HVA + (128 << 20), 4096, 3, why, sizeof(why)), -EFAULT);
	CHECK_EQ(vfio_map_dma(&h, g, 2 << 20, GUEST_RAM_HVA, 4096, 1, why, sizeof(why)), 0);
	CHECK_EQ(vfio_map_dma(&h, g, 3 << 20, GUEST_RAM_HVA, 4096, 2, why, sizeof(why)), 0);
	CHECK_EQ(vfio_map_dma(&h, g, 4 << 20, GUEST_RAM_HVA, 4096, 3, why, sizeof(why)), -ENOSPC);
	CHECK_EQ(g->type1.nr, 3);
	CHECK_EQ(vfio_unmap_dma(&h, g, 4096, 4096, &un, why, sizeof(why)), -EINVAL);
	CHECK_EQ(vfio_unmap_dma(&h, g, 0, 512 << 10, &un, why, sizeof(why)), -EINVAL);
	CHECK_EQ(vfio_unmap_dma(&h, g, 8 << 20, 4096, &un, why, sizeof(why)), 0);
	CHECK_EQ(un, 0);
	CHECK_EQ(vfio_unmap_dma(&h, g, 0, 3 << 20, &un, why, sizeof(why)), 0);
	CHECK_EQ(un, (1 << 20) + 4096);
	CHECK_EQ(g->type1.nr, 1);
	CHECK_EQ(g->locked_vm, 1);
	CHECK_EQ(h.st.pins_longterm_now, 1);
	vfio_unplug(&h, g);
	CHECK_EQ(g->locked_vm, 0);
	CHECK_EQ(h.st.pins_longterm_now, 0);
	CHECK_EQ(h.st.vfio_maps, 3);
	host_down(&h, m);
}

/* Expect RLIMIT_MEMLOCK to stop a map with -ENOMEM, the kernel's warning, nothing left pinned. */
TEST(vfio_memlock_check)
{
	struct host h;
	struct test_capture log = {.len = 0};
	struct pfnlab_machine *m = host_up(&h, "x86_64", 2ull << 30, 0, PFNLAB_PIN_NONE, &log);
	struct guest_opts o = {.ram = 64ull << 20, .memlock = 16ull << 20};
	struct guest *g;
	char why[256];

	if (!m)
		return;
	CHECK_EQ(guest_start(&h, "vm1", &o, &g), 0);
	CHECK_EQ(vfio_map_dma(&h, g, 0, GUEST_RAM_HVA, 32 << 20, 3, why, sizeof(why)), -ENOMEM);
	CHECK(strstr(log.text, "] vfio_pin_pages_remote: RLIMIT_MEMLOCK (16777216) exceeded\n") != NULL);
	CHECK_EQ(g->locked_vm, 0);
	CHECK_EQ(g->pinned_pages, 0);
	CHECK_EQ(h.st.pins_longterm_pages, 0);
	CHECK_EQ(h.st.memlock_exceeded, 1);
	CHECK_EQ(vfio_map_dma(&h, g, 0, GUEST_RAM_HVA, 16 << 20, 3, why, sizeof(why)), 0);
	CHECK_EQ(g->locked_vm, 4096);
	host_down(&h, m);
}

/* Expect SPAPR pre-registration: -EBUSY twice, -EINVAL on overlap (after pinning), -ENOENT. */
TEST(spapr_rules_check)
{
	struct host h;
	struct pfnlab_machine *m = host_up(&h, "ppc64", 16ull << 30, 5, PFNLAB_PIN_NONE, NULL);
	struct guest_opts o = {.ram = 1ull << 30, .hpt_order = -1};
	struct guest *g;
	char why[256];

	if (!m)
		return;
	CHECK_EQ(guest_start(&h, "vm1", &o, &g), 0);
	CHECK_EQ(spapr_register(&h, g, GUEST_RAM_HVA, 256 << 20, why, sizeof(why)), 0);
	CHECK_EQ(g->pinned_pages, 4096);
	CHECK_EQ(spapr_register(&h, g, GUEST_RAM_HVA, 256 << 20, why, sizeof(why)), -EBUSY);
	CHECK_EQ(spapr_register(&h, g, GUEST_RAM_HVA + (128 << 20), 256 << 20, why, sizeof(why)), -EINVAL);
	CHECK_EQ(g->pinned_pages, 4096);
	CHECK_EQ(spapr_register(&h, g, GUEST_RAM_HVA + 4096, 65536, why, sizeof(why)), -EINVAL);
	CHECK_EQ(spapr_unregister(&h, g, GUEST_RAM_HVA, 128 << 20, why, sizeof(why)), -ENOENT);
	CHECK_EQ(spapr_unregister(&h, g, GUEST_RAM_HVA, 256 << 20, why, sizeof(why)), 0);
	CHECK_EQ(g->pinned_pages, 0);
	CHECK_EQ(g->locked_vm, 0);
	CHECK_EQ(vfio_hotplug(&h, g, true, why, sizeof(why)), 0);
	CHECK_EQ(g->pinned_pages, 16384);
	CHECK_EQ(vfio_hotplug(&h, g, true, why, sizeof(why)), -EEXIST);
	CHECK_EQ(h.st.guests_vfio, 1);
	host_down(&h, m);
}

/*
 *   RAM   [ movable ............ full ][ CMA: guest RAM, pinned ]
 * Expect pins of guest RAM that borrowed CMA to count as in CMA under none,
 * and none of them under migrate-movable.
 */
static void pins_in_cma(enum pfnlab_pin_policy pol, bool want_in_cma)
{
	struct host h;
	struct pfnlab_machine *m = host_up(&h, "x86_64", 1ull << 30, 0, pol, NULL);
	struct pfnlab_config c;
	struct guest_opts o = {.ram = 32ull << 20, .fault = 32ull << 20};
	struct guest *g;
	uint64_t pfn;
	char why[256];

	if (!m)
		return;
	host_fini(&h);
	pfnlab_machine_destroy(m);
	/* a machine with a CMA area and its movable memory taken by unmovable blocks */
	pfnlab_config_preset(&c, "x86_64", 1ull << 30);
	c.era = PFNLAB_ERA_2015;
	c.cma_rule = PFNLAB_CMA_2015;
	c.thp = false;
	c.pin_policy = pol;
	c.pgtables = false; /* no page outside CMA is left for the guest's PTE tables */
	c.nr_cma = 1;
	c.cma[0].size = 64ull << 20;
	if (pfnlab_machine_create(&c, &m, why, sizeof(why))) {
		T_FAIL("machine: %s", why);
		return;
	}
	memset(&h, 0, sizeof(h));
	host_init(&h, m);
	for (unsigned order = 10; order-- > 0;)
		while (!pfnlab_alloc_pages(m, PFNLAB_GFP_KERNEL, order, &pfn))
			;
	CHECK_EQ(guest_start(&h, "vm1", &o, &g), 0);
	CHECK_EQ(pfnlab_vmstat(m, "nr_free_cma") < 16384 - 4096, 1);
	CHECK_EQ(vfio_map_dma(&h, g, 0, GUEST_RAM_HVA, 4 << 20, 3, why, sizeof(why)), want_in_cma ? 0 : -ENOMEM);
	if (want_in_cma) {
		CHECK_EQ(g->pinned_in_cma, 1024);
		CHECK_EQ(h.st.pins_in_cma_peak, 1024);
	} else {
		CHECK_EQ(h.st.pins_in_cma_peak, 0);
		CHECK_EQ(h.st.vfio_map_failed, 1);
	}
	host_down(&h, m);
}

TEST(pins_in_cma_check)
{
	test_variant = "none";
	pins_in_cma(PFNLAB_PIN_NONE, true);
	/* no room outside CMA: migrate-movable cannot move them and fails the pin */
	test_variant = "migrate-movable";
	pins_in_cma(PFNLAB_PIN_MIGRATE_MOVABLE, false);
	test_variant = NULL;
}

/*
 * A memfd guest: RAM is shmem mapped by QEMU and, with vhost_user, by
 * NAME-vhost too (two mappings of each page it touched); a VFIO device
 * pins all of it.  Invalid combinations are refused; the memfd goes with
 * the guest.
 */
TEST(guest_memfd_check)
{
	struct host h;
	struct pfnlab_machine *m = host_up(&h, "x86_64", 1ull << 30, 0, PFNLAB_PIN_MIGRATE_MOVABLE, NULL);
	struct guest_opts o = {.ram = 64ull << 20, .fault = 64ull << 20, .backend = GUEST_BACKEND_MEMFD,
			       .vhost_user = true, .vhost_fault = 1ull << 20};
	struct pfnlab_page_info pi;
	uint64_t anon = 1, file = 1, shmem = 0, pfn;
	struct guest *g;
	char why[256];

	if (!m)
		return;
	o.thp = true;
	CHECK_EQ(guest_start(&h, "bad", &o, &g), -EINVAL); /* a memfd has no THP */
	o.thp = false;
	o.backend = GUEST_BACKEND_ANON;
	CHECK_EQ(guest_start(&h, "bad", &o, &g), -EINVAL); /* vhost-user needs the memfd */
	o.backend = GUEST_BACKEND_MEMFD;
	CHECK_EQ(guest_start(&h, "vm1", &o, &g), 0);
	CHECK(g->memfd != 0 && g->vhost_mm != 0);
	CHECK_EQ(pfnlab_mm_rss(m, g->mm, &anon, &file, &shmem), 0);
	CHECK_EQ(anon, 0);
	CHECK_EQ(shmem, 16384);
	CHECK_EQ(pfnlab_mm_lookup(m, g->mm, GUEST_RAM_HVA, &pfn), 0);
	CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
	CHECK_EQ(pi.state, PFNLAB_PAGE_SHMEM);
	CHECK_EQ(pi.mapcount, 2); /* QEMU and the vhost-user backend */
	CHECK_EQ(pfnlab_mm_lookup(m, g->mm, GUEST_RAM_HVA + (2ull << 20), &pfn), 0);
	CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
	CHECK_EQ(pi.mapcount, 1); /* beyond what the backend touched */
	CHECK_EQ(vfio_hotplug(&h, g, false, why, sizeof(why)), 0);
	CHECK_EQ(g->pinned_pages, 16384);
	CHECK_EQ(g->pinned_in_cma, 0);
	guest_stop(&h, g);
	CHECK_EQ(pfnlab_vmstat(m, "nr_shmem"), 0);
	host_down(&h, m);
}

static struct pfnlab_hugetlb_info default_pool(const struct pfnlab_machine *m)
{
	struct pfnlab_hugetlb_info hi = {0};

	CHECK_EQ(pfnlab_hugetlb_info(m, (unsigned)pfnlab_hugetlb_find(m, 0), &hi), 0);
	return hi;
}

/*
 * hugetlbfs guests on x86_64 (1 GiB, hugepages=64 of 2 MiB):
 *   vm1  101 MiB, all faulted: 51 huge pages (RAM rounded up, as QEMU's
 *        file_ram_alloc() does), hugetlb_usage not RSS, 13 pages left free
 *   vm2  32 MiB: the mmap cannot reserve 16 pages (ENOMEM, QEMU's message,
 *        nothing reserved, the guest does not start)
 *   vm3  26 MiB, nothing faulted: 13 pages reserved (HugePages_Rsvd); its
 *        VFIO device faults and pins all of them; a vhost-user process maps
 *        the same file (two mappings of each page it touched)
 *   vm2  again with nr_overcommit_hugepages=16: 3 surplus pages from the
 *        buddy allocator, which go back there when it stops
 * Expect every page back in the pool (free 64) when the guests stop.
 */
TEST(guest_hugetlbfs_check)
{
	struct host h;
	struct test_capture log = {.len = 0};
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	struct guest_opts o = {.ram = 101ull << 20, .fault = 101ull << 20, .backend = GUEST_BACKEND_HUGETLBFS};
	struct pfnlab_page_info pi;
	uint64_t anon = 1, file = 1, shmem = 1, huge = 0, pfn;
	struct guest *g1, *g2, *g3;
	char why[256];

	pfnlab_config_preset(&c, "x86_64", 1ull << 30);
	c.pin_policy = PFNLAB_PIN_MIGRATE_MOVABLE;
	c.hugepages[0] = 64;
	m = host_on(&h, &c, NULL);
	if (!m)
		return;
	h.event = (struct pfnlab_sink){test_capture_write, &log};
	o.thp = true;
	CHECK_EQ(guest_start(&h, "bad", &o, &g1), -EINVAL); /* no THP on hugetlbfs */
	o.thp = false;
	o.ram = 1ull << 20;
	CHECK_EQ(guest_start(&h, "bad", &o, &g1), -EINVAL); /* below one huge page: QEMU does not start */
	CHECK(strstr(log.text, "bad: qemu-system-x86_64: memory size 0x100000 must be equal to or larger than page size 0x200000"));
	o.ram = 101ull << 20;
	CHECK_EQ(guest_start(&h, "vm1", &o, &g1), 0);
	test_check_state(m);
	CHECK_EQ(g1->touched, 101ull << 20);
	CHECK_EQ(pfnlab_mm_rss(m, g1->mm, &anon, &file, &shmem), 0);
	CHECK_EQ(anon + file + shmem, 0);
	CHECK_EQ(pfnlab_mm_hugetlb(m, g1->mm, &huge), 0);
	CHECK_EQ(huge, 51 * 512);
	CHECK_EQ(pfnlab_mm_lookup(m, g1->mm, GUEST_RAM_HVA + (101ull << 20), &pfn), 0); /* the rounded-up tail */
	CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
	CHECK_EQ(pi.state, PFNLAB_PAGE_HUGETLB);
	CHECK_EQ(default_pool(m).free, 13);
	CHECK_EQ(default_pool(m).resv, 0);

	o.ram = o.fault = 32ull << 20;
	CHECK_EQ(guest_start(&h, "vm2", &o, &g2), -ENOMEM);
	test_check_state(m);
	CHECK(g2 == NULL);
	CHECK(strstr(log.text, "vm2: qemu-system-x86_64: unable to map backing store for guest RAM: Cannot allocate memory"));
	CHECK_EQ(default_pool(m).free, 13);
	CHECK_EQ(default_pool(m).resv, 0);

	o.ram = 26ull << 20;
	o.fault = 0;
	o.vhost_user = true;
	o.vhost_fault = 4ull << 20;
	CHECK_EQ(guest_start(&h, "vm3", &o, &g3), 0);
	test_check_state(m);
	CHECK(g3->vhost_mm != 0);
	CHECK_EQ(default_pool(m).resv, 11); /* the vhost process faulted 2 of the 13 */
	CHECK_EQ(pfnlab_mm_lookup(m, g3->mm, GUEST_RAM_HVA, &pfn), -ENOENT); /* not in QEMU's page table yet */
	CHECK_EQ(vfio_hotplug(&h, g3, false, why, sizeof(why)), 0);
	test_check_state(m);
	CHECK_EQ(g3->pinned_pages, 13 * 512);
	CHECK_EQ(pfnlab_mm_lookup(m, g3->mm, GUEST_RAM_HVA, &pfn), 0);
	CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
	CHECK_EQ(pi.mapcount, 2); /* QEMU's pin faulted the page the backend has */
	CHECK_EQ(pfnlab_mm_lookup(m, g3->mm, GUEST_RAM_HVA + (4ull << 20), &pfn), 0);
	CHECK_EQ(pfnlab_page_info(m, pfn, &pi), 0);
	CHECK_EQ(pi.mapcount, 1);
	CHECK_EQ(default_pool(m).free, 0);
	CHECK_EQ(default_pool(m).resv, 0);
	guest_stop(&h, g3);
	test_check_state(m);
	CHECK_EQ(default_pool(m).free, 13);

	o.ram = o.fault = 32ull << 20;
	o.vhost_user = false;
	o.vhost_fault = 0;
	CHECK_EQ(pfnlab_hugetlb_set_overcommit(m, (unsigned)pfnlab_hugetlb_find(m, 0), 16), 0);
	CHECK_EQ(guest_start(&h, "vm2", &o, &g2), 0);
	test_check_state(m);
	CHECK_EQ(default_pool(m).nr, 67);
	CHECK_EQ(default_pool(m).surplus, 3);
	guest_stop(&h, g2);
	test_check_state(m);
	CHECK_EQ(default_pool(m).nr, 64);
	CHECK_EQ(default_pool(m).surplus, 0);
	guest_stop(&h, g1);
	test_check_state(m);
	CHECK_EQ(default_pool(m).free, 64);
	host_down(&h, m);
}

/* Files: read whole, a share written (dirty) and mapped by NAME-reader; sync cleans them. */
TEST(host_files_check)
{
	struct host h;
	struct pfnlab_machine *m = host_up(&h, "x86_64", 1ull << 30, 0, PFNLAB_PIN_NONE, NULL);
	struct file_opts fo = {.fs = PFNLAB_FS_EXT4, .bytes = 40ull << 20, .dirty_ppm = 250000, .mapped_ppm = 100000};
	struct pfnlab_file_info fi;
	const struct host_file *f;
	char why[256] = "";

	if (!m)
		return;
	CHECK_EQ(host_file_add(&h, "log", &fo, why, sizeof(why)), 0);
	CHECK_EQ(host_file_add(&h, "log", &fo, why, sizeof(why)), -EEXIST);
	CHECK(strstr(why, "exists already") != NULL);
	f = host_file(&h, "log");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(pfnlab_file_info(m, f->id, &fi), 0);
	CHECK_EQ(fi.cached, 10240);
	CHECK_EQ(fi.dirty, 2560);
	CHECK_EQ(fi.mappers, 1);
	CHECK_EQ(pfnlab_vmstat(m, "nr_file_pages"), 10240);
	CHECK_EQ(host_file_sync(&h, "nope"), -ENOENT);
	CHECK_EQ(host_file_sync(&h, NULL), 0);
	CHECK_EQ(pfnlab_file_info(m, f->id, &fi), 0);
	CHECK_EQ(fi.dirty, 0);
	CHECK_EQ(fi.cached, 10240);
	host_down(&h, m);
}

/* Expect the background to hold its level through churn and to shrink on request. */
TEST(background_check)
{
	struct host h;
	struct pfnlab_machine *m = host_up(&h, "x86_64", 1ull << 30, 0, PFNLAB_PIN_NONE, NULL);
	uint64_t hour = 3600000000000ull;

	if (!m)
		return;
	CHECK_EQ(bg_create(&h, 42), 0);
	CHECK_EQ(bg_set(&h, BG_UNMOVABLE, 4096, hour, true, 3), 0);
	CHECK_EQ(bg_set(&h, BG_PAGECACHE, 2048, hour, false, 0), 0);
	CHECK(bg_pages(&h, BG_UNMOVABLE) >= 4096);
	CHECK(bg_pages(&h, BG_PAGECACHE) >= 2048);
	for (int i = 0; i < 10; i++) {
		uint64_t t = bg_next_expiry(&h);

		CHECK(t != UINT64_MAX);
		pfnlab_advance(m, t - pfnlab_now(m));
		bg_expire(&h, pfnlab_now(m));
	}
	CHECK(bg_pages(&h, BG_UNMOVABLE) >= 4096);
	CHECK(bg_pages(&h, BG_PAGECACHE) >= 2048);
	CHECK_EQ(bg_set(&h, BG_UNMOVABLE, 0, 0, false, 0), 0);
	CHECK_EQ(bg_pages(&h, BG_UNMOVABLE), 0);
	CHECK_EQ(h.st.bg_alloc_failed, 0);
	host_down(&h, m);
}

static int parse(const char *text, char *err, size_t len)
{
	struct scn_program *p;
	int rc = scn_parse("t.scn", text, strlen(text), &p, err, len);

	if (!rc)
		scn_free(p);
	return rc;
}

/* Expect every syntax error with its file and line, nothing run. */
TEST(scenario_parse_check)
{
	char err[512];

	CHECK_EQ(parse("# only a comment\n\n", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "t.scn:2: empty scenario: no statements, only blank lines and comments");
	CHECK_EQ(parse("", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "t.scn:1: empty scenario: no statements, only blank lines and comments");
	CHECK_EQ(parse("machine ram=1G\nguest vm1 ram=64M # trailing comment\n", err, sizeof(err)), 0);
	CHECK_EQ(parse("machine ram=1G\n\nbogus\n", err, sizeof(err)), -EINVAL);
	CHECK(strncmp(err, "t.scn:3: unknown verb 'bogus'", 29) == 0);
	CHECK_EQ(parse("repeat 2 i\nguest vm$i ram=1G\n", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "t.scn:1: repeat without end");
	CHECK_EQ(parse("guest vm1 ram=1G\nmachine ram=2G\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "t.scn:2: machine: setup lines") == err);
	CHECK_EQ(parse("expect hpt.ok ~ 1\n", err, sizeof(err)), -EINVAL);
	CHECK_EQ(parse("expect guest.vm1.colour == 1\n", err, sizeof(err)), -EINVAL);
	CHECK_EQ(parse("expect guest.vm$i.pinned == 1\n", err, sizeof(err)), 0);
	CHECK_EQ(parse("guests ram=choice:1G,2G every=uniform:1h..2h lifetime=exp:1d vfio=30%\n", err, sizeof(err)), 0);
	CHECK_EQ(parse("guests ram=choice:1G,2G vfio=130%\n", err, sizeof(err)), -EINVAL);
	CHECK_EQ(parse("echo \"quoted # not a comment\"\necho plain # a comment\n", err, sizeof(err)), 0);
}

/* Expect repeat variables, want=, last and the counters to work together. */
TEST(scenario_run_check)
{
	static const char text[] =
		"machine preset=x86_64 ram=2G\n"
		"repeat 3 i\n"
		"  repeat 2 j\n"
		"    guest vm$i-$j ram=16M fault=all hpt=off\n"
		"  end\n"
		"end\n"
		"expect guests.running == 6\n"
		"expect guest.vm3-2.touched == 16M\n"
		"vfio_map vm1-1 iova=0 size=1M\n"
		"vfio_map vm1-1 iova=0 size=1M want=EEXIST\n"
		"expect last == EEXIST\n"
		"alloc order=10 count=513 as=big want=ENOMEM\n"
		"free big\n"
		"stop all\n"
		"expect guests.stopped == 6\n"
		"expect pins.longterm_now == 0\n"
		"expect time == 0\n"
		"advance 90m\n"
		"expect time == 5400000000000\n";
	struct scn_program *p;
	struct scn_opts o = {.policy = -1, .check = true};
	struct scn_result r;
	char err[512];

	CHECK_EQ(scn_parse("t.scn", text, strlen(text), &p, err, sizeof(err)), 0);
	CHECK_EQ(scn_run(p, &o, &r), 0);
	CHECK_EQ(r.expects_failed, 0);
	CHECK_EQ(r.expects_passed, 9);
	if (r.failures)
		T_FAIL("%s", r.failures);
	CHECK_EQ(r.st.guests_started, 6);
	scn_result_free(&r);
	/* the same program under another policy and seed */
	o.policy = PFNLAB_PIN_MIGRATE_MOVABLE;
	CHECK_EQ(scn_run(p, &o, &r), 0);
	CHECK_EQ(r.policy, PFNLAB_PIN_MIGRATE_MOVABLE);
	CHECK_EQ(r.expects_failed, 0);
	scn_result_free(&r);
	scn_free(p);
}

/*
 * The kernel background's page cache as real files (the default) and as
 * the anonymous stand-in (pagecache_as=anon), 80% of a 1 GiB host churning
 * for two hours, then a whole-area cma_alloc: expect the files' clean pages
 * in CMA reclaimed (pfnlab_contig_reclaimed) and the area allocated, the
 * dirty share counted; the stand-in's pages only migrated, none reclaimed,
 * and the cma_alloc failing for want of room to migrate them to (no swap);
 * the checker throughout.
 */
TEST(scenario_kernel_pagecache_check)
{
	static const char *const text[] = {
		"machine preset=x86_64 ram=1G\ncma name=big size=256M\n"
		"kernel pagecache=80% pagecache_dirty=25% lifetime=exp:1h\nadvance 2h\n"
		"expect vmstat.nr_file_pages > 100000\nexpect vmstat.nr_dirty > 0\n"
		"cma_alloc area=big size=256M\nexpect vmstat.pfnlab_contig_reclaimed > 0\n"
		"expect vmstat.nr_free_cma == 0\n",
		"machine preset=x86_64 ram=1G\ncma name=big size=256M\n"
		"kernel pagecache=80% pagecache_as=anon lifetime=exp:1h\nadvance 2h\n"
		"expect vmstat.nr_file_pages == 0\nexpect vmstat.nr_dirty == 0\n"
		"cma_alloc area=big size=256M\nexpect vmstat.pfnlab_contig_reclaimed == 0\n"
		"expect vmstat.cma_alloc_fail == 1\n",
	};

	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		struct scn_program *p;
		struct scn_opts o = {.policy = -1, .check = true};
		struct scn_result r;
		char err[512];

		CHECK_EQ(scn_parse("t.scn", text[i], strlen(text[i]), &p, err, sizeof(err)), 0);
		CHECK_EQ(scn_run(p, &o, &r), 0);
		CHECK_EQ(r.expects_failed, 0);
		CHECK_EQ(r.expects_passed, 4);
		if (r.failures)
			T_FAIL("%s", r.failures);
		scn_result_free(&r);
		scn_free(p);
	}
}

/* Expect echo to expand $VAR and leave a lone $ alone, stamped with model time. */
/*
 * The pool through sysctl on x86_64 (hugepages=4 of 2 MiB at boot) and a
 * hugetlbfs guest of 12 MiB: expect its mmap to take 2 surplus pages
 * within nr_overcommit_hugepages=2 and a second guest past it to fail
 * with ENOMEM; nr_hugepages=2 below what is in use to turn 4 pages into
 * surplus, nr_hugepages=8 to make them persistent first, then allocate 2;
 * the guest's pages back to the pool when it stops; nr_hugepages=0 to
 * empty the pool; the sysctls read back as written.
 */
TEST(scenario_hugetlb_sysctl_check)
{
	static const char text[] =
		"machine preset=x86_64 ram=1G hugepages=4\n"
		"sysctl vm.nr_overcommit_hugepages=2\n"
		"guest vm1 ram=12M backend=hugetlbfs hpt=off\n"
		"expect hugepages.total == 6\nexpect hugepages.surp == 2\nexpect hugepages.free == 0\n"
		"guest vm2 ram=2M backend=hugetlbfs hpt=off\nexpect last == ENOMEM\n"
		"sysctl vm.nr_hugepages=2\n"
		"expect hugepages.total == 6\nexpect hugepages.surp == 4\n"
		"sysctl vm.nr_hugepages=8\n"
		"expect hugepages.total == 8\nexpect hugepages.surp == 0\nexpect hugepages.free == 2\n"
		"stop vm1\nexpect hugepages.free == 8\n"
		"sysctl vm.nr_hugepages=0\nexpect hugepages.total == 0\n";
	struct scn_program *p;
	struct scn_opts o = {.policy = -1, .check = true};
	struct scn_result r;
	struct pfnlab_config c;
	struct pfnlab_machine *m;
	char err[512];
	uint64_t v = 0;
	long long want = 0;

	for (const char *t = strstr(text, "expect "); t; t = strstr(t + 1, "expect "))
		want++;
	CHECK_EQ(scn_parse("t.scn", text, sizeof(text) - 1, &p, err, sizeof(err)), 0);
	CHECK_EQ(scn_run(p, &o, &r), 0);
	CHECK_EQ(r.expects_failed, 0);
	CHECK_EQ(r.expects_passed, want);
	if (r.failures)
		T_FAIL("%s", r.failures);
	scn_result_free(&r);
	scn_free(p);

	for (int gigantic = 0; gigantic < 2; gigantic++) { /* the knobs read back; 1 GiB pages are never surplus */
		pfnlab_config_preset(&c, "x86_64", 4ull << 30);
		c.default_hugepagesz = gigantic ? 1ull << 30 : 0;
		if (pfnlab_machine_create(&c, &m, err, sizeof(err))) {
			T_FAIL("machine: %s", err);
			return;
		}
		CHECK_EQ(pfnlab_sysctl_set(m, "vm.nr_hugepages", 2), 0);
		CHECK_EQ(pfnlab_sysctl_get(m, "vm.nr_hugepages", &v), 0);
		CHECK_EQ(v, 2);
		CHECK_EQ(default_pool(m).nr, 2);
		CHECK_EQ(default_pool(m).page_bytes, gigantic ? 1ull << 30 : 2ull << 20);
		CHECK_EQ(pfnlab_sysctl_set(m, "vm.nr_overcommit_hugepages", 5), gigantic ? -EINVAL : 0);
		CHECK_EQ(pfnlab_sysctl_get(m, "vm.nr_overcommit_hugepages", &v), 0);
		CHECK_EQ(v, gigantic ? 0 : 5);
		test_check_state(m);
		pfnlab_machine_destroy(m);
	}
}

TEST(scenario_echo_check)
{
	static const char text[] = "machine ram=1G\nrepeat 2 n\n  echo \"vm$n costs $5 # not a comment\"\nend\n"
				   "advance 1d\necho done ${n}\n";
	struct scn_program *p;
	struct scn_opts o = {.policy = -1};
	struct scn_result r;
	char err[512];

	CHECK_EQ(scn_parse("t.scn", text, strlen(text), &p, err, sizeof(err)), 0);
	CHECK_EQ(scn_run(p, &o, &r), -EINVAL); /* $n outside its repeat */
	CHECK_STR(r.error, "t.scn:6: unknown variable '$n'");
	scn_result_free(&r);
	scn_free(p);
	CHECK_EQ(scn_parse("t.scn", text, strlen(text) - 15, &p, err, sizeof(err)), 0);
	CHECK_EQ(scn_run(p, &o, &r), 0);
	CHECK_STR(r.story ? r.story : "", "    00:00:00  vm1 costs $5 # not a comment\n    00:00:00  vm2 costs $5 # not a comment\n");
	scn_result_free(&r);
	scn_free(p);
}

/* Expect a run-time error to name its line and leave no result behind. */
TEST(scenario_error_check)
{
	static const char text[] = "machine ram=1G\nguest a ram=16M hpt=off\nstop b\n";
	struct scn_program *p;
	struct scn_opts o = {.policy = -1};
	struct scn_result r;
	char err[512];

	CHECK_EQ(scn_parse("t.scn", text, strlen(text), &p, err, sizeof(err)), 0);
	CHECK_EQ(scn_run(p, &o, &r), -EINVAL);
	CHECK_STR(r.error, "t.scn:3: stop: no running guest called 'b'");
	scn_result_free(&r);
	scn_free(p);
}

RUN_TESTS(hpt_order_check, kvm_cma_declare_check, hpt_fallback_2015_check, hpt_current_enomem_check,
	  hpt_cma_check, vfio_type1_rules_check, vfio_memlock_check, spapr_rules_check, pins_in_cma_check,
	  guest_memfd_check, guest_hugetlbfs_check, host_files_check, background_check, scenario_parse_check, scenario_run_check, scenario_echo_check,
	  scenario_kernel_pagecache_check, scenario_hugetlb_sysctl_check,
	  scenario_error_check)
