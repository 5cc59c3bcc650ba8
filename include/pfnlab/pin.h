/*
 * pfnlab/pin.h - long-term pinning and pin policies; the log sink.
 *
 * Part of the public API of libpfnlab: programs include <pfnlab.h>, which
 * includes this file inside its extern "C" and visibility block.
 */
#ifndef PFNLAB_H_PIN
#define PFNLAB_H_PIN

#ifndef PFNLAB_H
#error "include <pfnlab.h>, not <pfnlab/pin.h>"
#endif

/* Long-term pinning. */

/**
 * pfnlab_pin() - pin_user_pages() with the machine's long-term policy:
 * pin @npages from @addr of space @id with @flags (PFNLAB_FOLL_PIN, maybe
 * FOLL_LONGTERM and FOLL_WRITE), faulting them in.
 * @m: machine
 * @id: address space
 * @addr: start, page aligned
 * @npages: pages, > 0
 * @flags: PFNLAB_FOLL_PIN, optionally PFNLAB_FOLL_LONGTERM, PFNLAB_FOLL_WRITE
 * @pinner: who pins, for culprit reports (copied; may be NULL)
 * @pfns: receives the pinned PFNs (may be NULL; undefined after a failure)
 *
 * Return: a pin handle (> 0) for pfnlab_unpin(), or -ENOMEM (policy
 * migrate-movable: pages could not leave CMA/ZONE_MOVABLE; nothing stays
 * pinned), -EFAULT, -EINVAL, -ENOENT; -EINVAL for a NULL pointer.  With
 * kernel 6.1 and policy migrate-movable a hugetlb page in CMA or
 * ZONE_MOVABLE is refused before anything migrates, as pfnlab_gup()
 * says: -ENOMEM at the range's first page, -EFAULT after it (what
 * io_uring's buffer registration returns for a short pin).
 */
long pfnlab_pin(struct pfnlab_machine *m, unsigned id, uint64_t addr, uint64_t npages,
		unsigned flags, const char *pinner, uint64_t *pfns);

/**
 * pfnlab_unpin() - unpin_user_pages() of every page a pfnlab_pin() pinned.
 * @m: machine
 * @handle: what pfnlab_pin() returned
 *
 * Return: 0, or -ENOENT for a handle not (or no longer) pinned; -EINVAL for a
 * NULL pointer.
 */
int pfnlab_unpin(struct pfnlab_machine *m, long handle);

/**
 * pfnlab_mm_set_pin_aware() - mark a space as one that will be pinned
 * (policy pin-aware: its faults avoid CMA and ZONE_MOVABLE).
 * @m: machine
 * @id: address space
 * @on: mark or unmark
 *
 * Return: 0 or -ENOENT; -EINVAL for a NULL pointer.
 */
int pfnlab_mm_set_pin_aware(struct pfnlab_machine *m, unsigned id, bool on);

/**
 * pfnlab_pin_policy_name() - the name of a long-term pin policy.
 * @p: policy
 *
 * Return: "none", "rfc2015", "migrate-cma", "migrate-movable", "pin-aware",
 * or "?" for a value out of range.
 */
const char *pfnlab_pin_policy_name(enum pfnlab_pin_policy p);

/**
 * pfnlab_pin_policy_parse() - the policy called @name.
 * @name: as pfnlab_pin_policy_name() prints it
 *
 * Return: an enum pfnlab_pin_policy value, or -EINVAL; -EINVAL for a NULL
 * pointer.
 */
int pfnlab_pin_policy_parse(const char *name);

/**
 * pfnlab_set_log() - send kernel log messages (printk text, one line each,
 * no timestamp) to @sink, or stop with NULL.
 * @m: machine
 * @sink: copied; its arg must stay valid while it is set
 */
void pfnlab_set_log(struct pfnlab_machine *m, const struct pfnlab_sink *sink);

#endif /* PFNLAB_H_PIN */
