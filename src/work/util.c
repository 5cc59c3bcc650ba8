/*
 * util.c - small helpers of the work layer, shared by the actors, the
 * scenario language and the run reports: sizes and model times as text,
 * and the actors' random numbers (splitmix64 of a state the caller keeps,
 * so runs are deterministic).  It uses no actor; reasons go into a
 * caller's buffer with set_why() (src/base/fmt.h).
 */
#include <stdio.h>

#include "work.h"

/** work_rng() - the actors' random numbers: splitmix64 of the state @s. */
uint64_t work_rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/** work_rng_unit() - a uniform number in (0, 1) from work_rng(). */
double work_rng_unit(uint64_t *s)
{
	return ((double)(work_rng(s) >> 11) + 0.5) / 9007199254740992.0;
}

/** size_str() - "7.5 GiB", "512 MiB", "64 KiB", "100 B". */
const char *size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	unsigned u = 0;
	uint64_t v = bytes;

	while (u < 5 && v >= 1024 && (v % 1024 == 0 || v >= 1024 * 1024)) {
		v /= 1024;
		u++;
	}
	if (u && bytes % (1ull << (10 * u)))
		snprintf(buf, len, "%.1f %s", (double)bytes / (double)(1ull << (10 * u)), unit[u]);
	else
		snprintf(buf, len, "%llu %s", (unsigned long long)v, unit[u]);
	return buf;
}

/** time_str() - model time as "HH:MM:SS" or "Dd HH:MM:SS". */
const char *time_str(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ull;

	if (s >= 86400)
		snprintf(buf, len, "%llud %02llu:%02llu:%02llu", (unsigned long long)(s / 86400),
			 (unsigned long long)(s / 3600 % 24), (unsigned long long)(s / 60 % 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%02llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	return buf;
}
