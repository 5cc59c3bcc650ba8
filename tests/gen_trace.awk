# gen_trace.awk - a valid ftrace stream of N events (awk -v n=N -v form=current|2015 -f gen_trace.awk):
# allocations and frees that cycle over 64 Ki pages from PFN 0x10000 (order 0 and 2,
# movable and kernel), a lost-events line now and then, so the
# model's state stays bounded however long the stream is.
BEGIN {
	if (!n) n = 1000
	hex = form != "2015"
	print "# tracer: nop"
	for (i = 0; i < n; i++) {
		k = int(i / 2) % 16384
		o = (k % 8 == 0) ? 2 : 0
		pfn = 65536 + k * 4
		p = hex ? sprintf("0x%x", pfn) : sprintf("%d", pfn)
		t = sprintf("%d.%06d", 100 + int(i / 1000000), i % 1000000)
		if (i % 50000 == 49999) {
			printf "CPU:%d [LOST %d EVENTS]\n", i % 4, 1 + i % 7
			continue
		}
		if (i % 2 == 0) {
			mt = (k % 3 == 0) ? 0 : (hex ? 1 : 2)
			g = (k % 3 == 0) ? "GFP_KERNEL" : "GFP_HIGHUSER_MOVABLE"
			printf "           gen-%d     [%03d] .....  %s: mm_page_alloc: page=%016x pfn=%s order=%d migratetype=%d gfp_flags=%s\n", 1000 + i % 7, i % 4, t, 4096 * pfn, p, o, mt, g
		} else {
			printf "           gen-%d     [%03d] .....  %s: mm_page_free: page=%016x pfn=%s order=%d\n", 1000 + i % 7, i % 4, t, 4096 * pfn, p, o
		}
	}
}
