/*
 * sweep_stats.c - the two statistics a sweep reports (docs/sweep.md):
 *
 *   nearest-rank quantile   sorted[ceil(q n) - 1]: always a value some run had
 *   Wilson score interval   of a proportion k/n; it stays inside [0, 1] and
 *                           means something at k = 0 or k = n, where most
 *                           sweeps live (0 of 20 runs: [0, 0.161])
 *
 * Pure: no files.
 */
#include <math.h>

#include "sweep.h"

double sweep_quantile(const double *sorted, size_t n, double q)
{
	size_t r;

	if (!n)
		return NAN;
	r = (size_t)ceil(q * (double)n - 1e-9);
	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return sorted[r - 1];
}

void sweep_wilson(uint64_t k, uint64_t n, double z, double *lo, double *hi)
{
	double p, d, c, h;

	if (!n) {
		*lo = 0;
		*hi = 1;
		return;
	}
	p = (double)k / (double)n;
	d = 1 + z * z / (double)n;
	c = (p + z * z / (2.0 * (double)n)) / d;
	h = z * sqrt(p * (1 - p) / (double)n + z * z / (4.0 * (double)n * (double)n)) / d;
	*lo = k == 0 ? 0 : fmax(0, c - h);
	*hi = k == n ? 1 : fmin(1, c + h);
}
