/*
 * fuzz_trace_cma.c - libFuzzer target for traces with CMA and isolation
 * events (issue 16 item 9): every 4 bytes are one well-formed event, so
 * the fuzzer explores orders of events rather than spellings.  Byte 0
 * picks the event (mm_page_alloc, mm_page_free, cma_alloc_finish,
 * cma_release, test_pages_isolated, mm_page_alloc_extfrag, a lost-events
 * line, mm_page_free_batched) and whether its PFN falls in the CMA area,
 * bytes 1-2 the PFN, byte 3 the order or page count and the migrate type.
 * The trace is replayed on a 16 MiB machine with a 4 MiB CMA area; a
 * crash, a sanitizer report or a state the whole-state checker rejects is
 * a bug: whatever order the events come in, the model must stay whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "trace_machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CTX "  f-1 [000] .... 1.0: "

/* The event of @b (4 bytes) as a trace line into @out; returns its length. */
static int event_line(const struct pfnlab_machine *m, const uint8_t *b, char *out, size_t len)
{
	const struct cma_area *a = &m->cma[0];
	unsigned off = (unsigned)b[1] << 8 | b[2], order = b[3] % 5, count = 1 + (b[3] & 63), mt = b[3] >> 6;
	unsigned long long pfn = b[0] & 8 ? a->base_pfn + off % a->count : off % (m->nr_pfns + 64);
	const char *gfp = mt ? "GFP_HIGHUSER_MOVABLE" : "GFP_KERNEL";

	switch (b[0] % 8) {
	case 0:
		return snprintf(out, len, CTX "mm_page_alloc: page=ffffea0000000040 pfn=%#llx order=%u migratetype=%u gfp_flags=%s\n",
				pfn & ~((1ull << order) - 1), order, mt ? 1u : 0u, gfp);
	case 1:
		return snprintf(out, len, CTX "mm_page_free: page=ffffea0000000040 pfn=%#llx order=%u\n",
				pfn & ~((1ull << order) - 1), order);
	case 2:
		return snprintf(out, len, CTX "cma_alloc_finish: name=%s pfn=%#llx page=ffffea0000000040 count=%u align=0\n",
				a->name, pfn, count);
	case 3:
		return snprintf(out, len, CTX "cma_release: name=%s pfn=%#llx page=ffffea0000000040 count=%u\n", a->name, pfn,
				count);
	case 4:
		return snprintf(out, len, CTX "test_pages_isolated: start_pfn=%#llx end_pfn=%#llx fin_pfn=%#llx ret=%s\n", pfn,
				pfn + count, pfn + count / 2, mt & 1 ? "fail" : "success");
	case 5:
		return snprintf(out, len, CTX "mm_page_alloc_extfrag: page=ffffea0000000040 pfn=%#llx alloc_order=%u fallback_order=%u pageblock_order=9 alloc_migratetype=%u fallback_migratetype=%u fragmenting=1 change_ownership=%u\n",
				pfn & ~((1ull << order) - 1), order, order + (mt & 1) * 4, mt % 3, (mt + 1) % 3, mt >> 1);
	case 6:
		return snprintf(out, len, "CPU:0 [LOST %u EVENTS]\n", count);
	default:
		return snprintf(out, len, CTX "mm_page_free_batched: page=ffffea0000000040 pfn=%#llx order=0\n", pfn);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfnlab_machine *m;
	struct pfnlab_replay_opts o = {.lenient = true};
	struct pfnlab_replay *r;
	char why[512], *text;
	size_t n = 0;

	if (size > 4096)
		return 0;
	m = fuzz_trace_machine(PFNLAB_ERA_CURRENT);
	text = malloc(size / 4 * 320 + 32);
	if (!text)
		abort();
	n += (size_t)sprintf(text, "# tracer: nop\n");
	for (size_t i = 0; i + 4 <= size; i += 4)
		n += (size_t)event_line(m, data + i, text + n, 320);
	if (pfnlab_replay_create(m, &o, &r))
		abort();
	pfnlab_replay_feed(r, text, n, "fuzz", why, sizeof(why));
	if (pfnlab_check(m, why, sizeof(why))) {
		fprintf(stderr, "invariant broken: %s\n", why);
		abort();
	}
	pfnlab_replay_destroy(r);
	pfnlab_machine_destroy(m);
	free(text);
	return 0;
}
