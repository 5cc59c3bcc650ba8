/*
 * cma.c - CMA areas reserved at boot (cma= / kvm_cma), placed, aligned and
 * activated as mm/cma.c does.
 *
 * Models cma_declare_contiguous_nid() (alignment: a pageblock since v5.18,
 * a MAX_ORDER block before, and at least 2^order_per_bit pages; the size
 * rounded up to it, a fixed base that is not aligned refused, the limit
 * rounded down; a base is fixed unless a limit other than base + size
 * comes with it, as dma_contiguous_reserve() decides for cma=; otherwise
 * placement in [base, limit): since v5.11 bottom-up from 4 GiB first when
 * RAM reaches 4 GiB + the size, then top-down) and
 * cma_activate_area() (the area must sit in one zone; its pageblocks are
 * typed MIGRATE_CMA and its pages freed to the CMA lists).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static uint64_t cma_align_pages(const struct pfnlab_machine *m, unsigned order_per_bit)
{
	uint64_t a = m->cfg.era == PFNLAB_ERA_CURRENT ? m->pb_pages : 1ull << m->cfg.max_order;

	if (a < m->pb_pages)
		a = m->pb_pages;
	if (a < (1ull << order_per_bit))
		a = 1ull << order_per_bit;
	return a;
}

static int cma_bitmap_alloc(struct pfnlab_machine *m);

static bool range_free_for_cma(const struct pfnlab_machine *m, uint64_t base, uint64_t count)
{
	bool in_ram = false;

	for (unsigned i = 0; i < m->nr_ram; i++)
		if (base >= m->ram_start[i] && base + count <= m->ram_end[i])
			in_ram = true;
	if (!in_ram || base < m->reserved_end)
		return false;
	for (unsigned i = 0; i < m->nr_cma; i++)
		if (base < m->cma[i].base_pfn + m->cma[i].count && m->cma[i].base_pfn < base + count)
			return false;
	return true;
}

/*
 * Find a place for @count pages aligned to @align in [@floor, @limit), the
 * way memblock would: since v5.11 bottom-up from 4 GiB first when RAM
 * reaches 4 GiB + the size, then top-down.
 */
static uint64_t place_cma(const struct pfnlab_machine *m, uint64_t count, uint64_t align, uint64_t floor,
			  uint64_t limit)
{
	uint64_t four_g = (4ull << 30) >> m->cfg.page_shift;

	/* the bottom-up pass starts at 4 GiB whatever the floor (as the kernel does) */
	if (m->cfg.era == PFNLAB_ERA_CURRENT && m->nr_pfns >= four_g + count) {
		for (uint64_t b = (four_g + align - 1) & ~(align - 1); b + count <= limit; b += align)
			if (range_free_for_cma(m, b, count))
				return b;
	}
	if (limit < floor + count)
		return NIL_PFN;
	for (uint64_t b = (limit - count) & ~(align - 1); b >= floor; b -= align) {
		if (range_free_for_cma(m, b, count))
			return b;
		if (b < align)
			break;
	}
	return NIL_PFN;
}

/*
 * models cma_declare_contiguous_nid(): reserve, check and type one area of
 * @size bytes named @name, at @base_bytes up to @limit_bytes (0: placed,
 * end of RAM), @opb its order_per_bit; -EINVAL with the reason in @why
 */
int cma_declare(struct pfnlab_machine *m, const char *name, uint64_t size, uint64_t base_bytes,
		uint64_t limit_bytes, unsigned opb, char *why, size_t len)
{
	uint64_t align = cma_align_pages(m, opb), align_bytes = align << m->cfg.page_shift;
	uint64_t count = size >> m->cfg.page_shift;
	/* ALIGN(base, alignment) and limit &= ~(alignment - 1), in pages */
	uint64_t base = ((base_bytes + align_bytes - 1) & ~(align_bytes - 1)) >> m->cfg.page_shift;
	uint64_t limit = (limit_bytes & ~(align_bytes - 1)) >> m->cfg.page_shift;
	/* dma_contiguous_reserve(): a base is fixed unless a limit other than base + size comes with it */
	bool fixed = base_bytes && (!limit_bytes || base_bytes + size == limit_bytes);
	struct cma_area *a;
	int zi;

	count = (count + align - 1) & ~(align - 1);
	if (m->nr_cma >= PFNLAB_MAX_CMA)
		return set_why(why, len, "CMA area %s: no slot left (at most %d areas)", name, PFNLAB_MAX_CMA), -EINVAL;
	if (!count)
		return set_why(why, len, "CMA area %s: size is zero", name), -EINVAL;
	if (opb > m->cfg.max_order + 8)
		return set_why(why, len, "CMA area %s: order_per_bit %u is too large", name, opb), -EINVAL;
	if (fixed && (base_bytes & (align_bytes - 1)))
		return set_why(why, len, "CMA area %s: region at %#llx must be aligned to %#llx bytes", name,
			       (unsigned long long)base_bytes, (unsigned long long)align_bytes),
		       -EINVAL;
	if (!limit || limit > m->nr_pfns)
		limit = m->nr_pfns;
	if (base + count > limit)
		return set_why(why, len, "CMA area %s: size %#llx of region at %#llx exceeds limit %#llx", name,
			       (unsigned long long)count << m->cfg.page_shift,
			       (unsigned long long)base << m->cfg.page_shift,
			       (unsigned long long)limit << m->cfg.page_shift),
		       -EINVAL;
	if (fixed) {
		if (!range_free_for_cma(m, base, count))
			return set_why(why, len,
				       "CMA area %s: [%#llx, %#llx) is not free RAM (outside RAM, reserved or overlapping another area)",
				       name, (unsigned long long)base << m->cfg.page_shift,
				       (unsigned long long)(base + count) << m->cfg.page_shift),
			       -EINVAL;
	} else {
		base = place_cma(m, count, align, base, limit);
		if (base == NIL_PFN)
			return set_why(why, len, "CMA area %s: no room for %llu MiB below %#llx", name,
				       (unsigned long long)(count << m->cfg.page_shift) >> 20,
				       (unsigned long long)limit << m->cfg.page_shift),
			       -EINVAL; /* the kernel's -ENOMEM; -ENOMEM here means the host's memory */
	}
	zi = pfn_zone_index(m, base);
	if (zi < 0 || zi != pfn_zone_index(m, base + count - 1))
		return set_why(why, len, "CMA area %s could not be activated", name), -EINVAL;
	a = &m->cma[m->nr_cma++];
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->base_pfn = base;
	a->count = count;
	a->order_per_bit = opb;
	a->zone = zi;
	m->zones[zi].cma_pages += count;
	for (uint64_t p = base; p < base + count; p += m->pb_pages)
		set_pageblock_migratetype(m, p, PFNLAB_MT_CMA);
	m->cfg.config_cma = true;
	return 0;
}

/* Reserve, check and type the boot-time CMA areas of the configuration (cma=). */
int cma_reserve_boot(struct pfnlab_machine *m, char *why, size_t len)
{
	for (unsigned i = 0; i < m->cfg.nr_cma; i++) {
		int err = cma_declare(m, m->cfg.cma[i].name[0] ? m->cfg.cma[i].name : "reserved", m->cfg.cma[i].size,
				      m->cfg.cma[i].base, m->cfg.cma[i].limit, m->cfg.cma[i].order_per_bit, why, len);

		if (err)
			return err;
	}
	return 0;
}

/* models cma_init_reserved_areas(): every area reserved at boot gets its bitmap */
int cma_activate_areas(struct pfnlab_machine *m, char *why, size_t len)
{
	if (cma_bitmap_alloc(m))
		return set_why(why, len, "out of host memory for CMA bitmaps"), -ENOMEM;
	return 0;
}

/* Bitmaps are allocated once the machine exists (cma_activate_area()). */
static int cma_bitmap_alloc(struct pfnlab_machine *m)
{
	for (unsigned i = 0; i < m->nr_cma; i++) {
		uint64_t bits = m->cma[i].count >> m->cma[i].order_per_bit;

		m->cma[i].bitmap = calloc((bits + 63) / 64 + 1, sizeof(uint64_t));
		if (!m->cma[i].bitmap)
			return -ENOMEM;
	}
	return 0;
}

void cma_free_all(struct pfnlab_machine *m)
{
	for (unsigned i = 0; i < m->nr_cma; i++) {
		free(m->cma[i].bitmap);
		m->cma[i].bitmap = NULL;
	}
}

static bool bit_test(const uint64_t *b, uint64_t i)
{
	return b[i / 64] >> (i % 64) & 1;
}

/* bits [i, i + n) set or cleared a word at a time, as bitmap_set()/bitmap_clear() */
static void bits_assign(uint64_t *b, uint64_t i, uint64_t n, bool v)
{
	while (n) {
		unsigned shift = (unsigned)(i % 64);
		uint64_t span = 64 - shift < n ? 64 - shift : n;
		uint64_t mask = (span == 64 ? ~0ull : ((1ull << span) - 1)) << shift;

		if (v)
			b[i / 64] |= mask;
		else
			b[i / 64] &= ~mask;
		i += span;
		n -= span;
	}
}

/* The first zero bit at or after @i, or @n. */
static uint64_t next_zero(const uint64_t *b, uint64_t n, uint64_t i)
{
	while (i < n) {
		uint64_t w = ~b[i / 64] >> (i % 64);

		if (w)
			return i + (uint64_t)__builtin_ctzll(w) < n ? i + (uint64_t)__builtin_ctzll(w) : n;
		i = (i | 63) + 1;
	}
	return n;
}

static uint64_t next_set(const uint64_t *b, uint64_t n, uint64_t i)
{
	while (i < n) {
		uint64_t w = b[i / 64] >> (i % 64);

		if (w)
			return i + (uint64_t)__builtin_ctzll(w) < n ? i + (uint64_t)__builtin_ctzll(w) : n;
		i = (i | 63) + 1;
	}
	return n;
}

/* models bitmap_find_next_zero_area_off(), lib/bitmap.c */
static uint64_t find_zero_area(const uint64_t *b, uint64_t size, uint64_t start, uint64_t nr,
			       uint64_t mask, uint64_t off)
{
	for (;;) {
		uint64_t idx = next_zero(b, size, start), end, s;

		idx = ((idx + off + mask) & ~mask) - off;
		end = idx + nr;
		if (end > size)
			return size;
		s = next_set(b, end, idx);
		if (s < end) {
			start = s + 1;
			continue;
		}
		return idx;
	}
}

static const char *page_str(const struct pfnlab_machine *m, uint64_t pfn, bool ok, char *buf, size_t len)
{
	if (!ok)
		return "0000000000000000";
	if (m->cfg.era == PFNLAB_ERA_CURRENT)
		return "(____ptrval____)";
	snprintf(buf, len, "%016llx",
		 (unsigned long long)((m->cfg.page_shift >= 16 ? 0xf000000000000000ull : 0xffffea0000000000ull) +
				      pfn * 64));
	return buf;
}

/* The next bitmap start after a busy candidate, by the machine's retry strategy. */
static uint64_t next_start(const struct pfnlab_machine *m, const struct cma_area *a, uint64_t bitmap_no,
			   uint64_t mask)
{
	uint64_t s = bitmap_no + mask + 1;

	if (m->cfg.cma_retry == PFNLAB_CMA_RETRY_PAGEBLOCK) {
		uint64_t pfn = a->base_pfn + (bitmap_no << a->order_per_bit);
		uint64_t next_pb = (pfn | (m->pb_pages - 1)) + 1;
		uint64_t b = (next_pb - a->base_pfn) >> a->order_per_bit;

		if (b > s)
			s = b;
	}
	return s;
}

/* models cma_alloc(), mm/cma.c; @no_warn: no "alloc failed" message */
int cma_alloc(struct pfnlab_machine *m, unsigned idx, uint64_t count, unsigned align, bool no_warn, uint64_t *out)
{
	struct cma_area *a;
	uint64_t maxno, nbits, mask, off, start = 0, pfn = 0, retries = 0;
	char pbuf[24];
	int ret = -ENOMEM;
	bool ok = false;

	if (idx >= m->nr_cma || !count || align > 40)
		return -EINVAL;
	a = &m->cma[idx];
	maxno = a->count >> a->order_per_bit;
	nbits = (count + (1ull << a->order_per_bit) - 1) >> a->order_per_bit;
	if (nbits > maxno)
		return -EINVAL;
	mask = align > a->order_per_bit ? (1ull << (align - a->order_per_bit)) - 1 : 0;
	off = (a->base_pfn & ((1ull << align) - 1)) >> a->order_per_bit;
	if (m->cfg.era == PFNLAB_ERA_CURRENT)
		trace_printf(m, "cma_alloc_start", "name=%s count=%llu align=%u", a->name,
			     (unsigned long long)count, align);
	for (;;) {
		uint64_t bitmap_no = find_zero_area(a->bitmap, maxno, start, nbits, mask, off);

		if (bitmap_no >= maxno)
			break;
		bits_assign(a->bitmap, bitmap_no, nbits, true);
		pfn = a->base_pfn + (bitmap_no << a->order_per_bit);
		ret = alloc_contig_range(m, pfn, pfn + count, PFNLAB_MT_CMA);
		if (!ret) {
			ok = true;
			break;
		}
		bits_assign(a->bitmap, bitmap_no, nbits, false);
		if (ret != -EBUSY)
			break;
		a->busy_retries++;
		m->vm[VM_CMA_BUSY_RETRY]++;
		if (m->cfg.era == PFNLAB_ERA_CURRENT)
			trace_printf(m, "cma_alloc_busy_retry", "name=%s pfn=0x%llx page=%s count=%llu align=%u",
				     a->name, (unsigned long long)pfn, page_str(m, pfn, true, pbuf, sizeof(pbuf)),
				     (unsigned long long)count, align);
		if (m->cfg.cma_retry == PFNLAB_CMA_RETRY_BOUNDED && ++retries > m->cfg.cma_retry_max)
			break;
		start = next_start(m, a, bitmap_no, mask);
	}
	if (m->cfg.era == PFNLAB_ERA_CURRENT)
		trace_printf(m, "cma_alloc_finish", "name=%s pfn=0x%llx page=%s count=%llu align=%u", a->name,
			     (unsigned long long)pfn, page_str(m, pfn, ok, pbuf, sizeof(pbuf)),
			     (unsigned long long)count, align);
	else
		trace_printf(m, "cma_alloc", "pfn=%llx page=%s count=%llu align=%u", (unsigned long long)pfn,
			     page_str(m, pfn, ok, pbuf, sizeof(pbuf)), (unsigned long long)count, align);
	if (!ok && !no_warn && m->cfg.era == PFNLAB_ERA_CURRENT)
		log_printf(m, "cma: cma_alloc: %s: alloc failed, req-size: %llu pages, ret: %d", a->name,
			   (unsigned long long)count, ret);
	if (ok) {
		m->vm[VM_CMA_ALLOC_SUCCESS]++;
		a->pages_success += count;
		*out = pfn;
		return 0;
	}
	m->vm[VM_CMA_ALLOC_FAIL]++;
	a->pages_fail += count;
	if (contig_failed_at_pages(m, ret))
		contig_collect_culprits(m); /* the last candidate's */
	return ret;
}

int pfnlab_cma_alloc(struct pfnlab_machine *m, unsigned idx, uint64_t count, unsigned align, uint64_t *out)
{
	if (!m || !out)
		return -EINVAL;
	return cma_alloc(m, idx, count, align, false, out);
}

/* models cma_release(), mm/cma.c */
int pfnlab_cma_release(struct pfnlab_machine *m, unsigned idx, uint64_t pfn, uint64_t count)
{
	struct cma_area *a;
	uint64_t first, nbits;
	char pbuf[24];

	if (!m)
		return -EINVAL;
	if (idx >= m->nr_cma || !count)
		return -EINVAL;
	a = &m->cma[idx];
	if (pfn < a->base_pfn || pfn + count > a->base_pfn + a->count || pfn + count < pfn)
		return -EINVAL;
	if ((pfn - a->base_pfn) & ((1ull << a->order_per_bit) - 1))
		return -EINVAL;
	first = (pfn - a->base_pfn) >> a->order_per_bit;
	nbits = (count + (1ull << a->order_per_bit) - 1) >> a->order_per_bit;
	for (uint64_t i = first; i < first + nbits; i++)
		if (!bit_test(a->bitmap, i))
			return -EINVAL;
	if (pfnlab_free_contig_range(m, pfn, count))
		return -EINVAL;
	bits_assign(a->bitmap, first, nbits, false);
	a->pages_released += count;
	if (m->cfg.era == PFNLAB_ERA_CURRENT)
		trace_printf(m, "cma_release", "name=%s pfn=0x%llx page=%s count=%llu", a->name,
			     (unsigned long long)pfn, page_str(m, pfn, true, pbuf, sizeof(pbuf)),
			     (unsigned long long)count);
	else
		trace_printf(m, "cma_release", "pfn=%llx page=%s count=%llu", (unsigned long long)pfn,
			     page_str(m, pfn, true, pbuf, sizeof(pbuf)), (unsigned long long)count);
	return 0;
}

unsigned pfnlab_cma_count(const struct pfnlab_machine *m)
{
	if (!m)
		return 0;
	return m->nr_cma;
}

int pfnlab_cma_find(const struct pfnlab_machine *m, const char *name)
{
	if (!m || !name)
		return -EINVAL;
	for (unsigned i = 0; i < m->nr_cma; i++)
		if (strcmp(m->cma[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

/* models the debugfs used/maxchunk files (mm/cma_debug.c) and the sysfs counters */
int pfnlab_cma_info(const struct pfnlab_machine *m, unsigned idx, struct pfnlab_cma_info *info)
{
	const struct cma_area *a;
	uint64_t maxno, used = 0, run = 0, best = 0;

	if (!m || !info)
		return -EINVAL;
	if (idx >= m->nr_cma)
		return -EINVAL;
	a = &m->cma[idx];
	maxno = a->count >> a->order_per_bit;
	for (uint64_t i = 0; i < maxno; i++) {
		if (bit_test(a->bitmap, i)) {
			used++;
			run = 0;
		} else if (++run > best) {
			best = run;
		}
	}
	*info = (struct pfnlab_cma_info){
		.base_pfn = a->base_pfn, .count = a->count, .order_per_bit = a->order_per_bit,
		.used = used << a->order_per_bit, .maxchunk = best << a->order_per_bit,
		.zone = m->zones[a->zone].type, .alloc_pages_success = a->pages_success,
		.alloc_pages_fail = a->pages_fail, .release_pages_success = a->pages_released,
		.busy_retries = a->busy_retries,
	};
	memcpy(info->name, a->name, sizeof(info->name));
	return 0;
}

/* Does [@a, @b) meet a CMA area (memblock memory kept back from the buddy allocator)? */
bool boot_cma_overlap(const struct pfnlab_machine *m, uint64_t a, uint64_t b)
{
	for (unsigned k = 0; k < m->nr_cma; k++)
		if (m->cma[k].base_pfn < b && m->cma[k].base_pfn + m->cma[k].count > a)
			return true;
	return false;
}
