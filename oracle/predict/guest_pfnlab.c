/*
 * guest_pfnlab.c - pfnlab's own predictions made inside the guest (issue
 * 18): the busy experiment's guest runs `pfnlab snapshot /proc --pages
 * --what-if 'cma_alloc AREA all' --json` right before the kernel's
 * whole-area cma_alloc and `pfnlab replay --live --format json` around it
 * (oracle/guest/pfnlab_cli.c) and records their JSON answers as
 * "RESULT pfnlab.whatif", "pfnlab.live.health" (the last report, after
 * the kernel's attempt, the held pages still held) and
 * "pfnlab.live.whatif" (the model's own whole-area cma_alloc at the end).
 * derive_guest_pfnlab() turns them into pfnlab's side of the rows judged
 * against what the kernel did (outcome, error, first busy PFN, busy frames
 * and their owning process, pages migrated) and the kernel's side where
 * the guest's facts are not already in that shape.  Nothing is replayed
 * here: these rows judge the real pfnlab on the real machine.
 *
 * Simplified: the JSON is read by key (pfnlab prints flat, known objects),
 * not parsed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

/* The number after "@key": in @js (the first one); false without. */
static bool json_num(const char *js, const char *key, long long *v)
{
	char pat[64];
	const char *s;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	s = js ? strstr(js, pat) : NULL;
	if (!s)
		return false;
	*v = strtoll(s + strlen(pat), NULL, 10);
	return true;
}

/* The string after "@key": in @js into @out; false without. */
static bool json_str(const char *js, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *s, *e;

	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	s = js ? strstr(js, pat) : NULL;
	if (!s)
		return false;
	s += strlen(pat);
	e = strchr(s, '"');
	if (!e)
		return false;
	snprintf(out, len, "%.*s", (int)(e - s), s);
	return true;
}

/* "comm:pages,..." of a what-if's "owners" (no process: "kernel"), "none" when it has none. */
static void owners(const char *js, char *out, size_t len)
{
	const char *s = js ? strstr(js, "\"owners\": [") : NULL;
	size_t n = 0;

	out[0] = 0;
	for (s = s ? strchr(s, '[') : NULL; s && (s = strstr(s, "{\"pid\": ")); s++) {
		char comm[64];
		long long pages;

		if (!json_str(s, "comm", comm, sizeof(comm)) || !json_num(s, "pages", &pages))
			break;
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s:%lld", n ? "," : "", comm[0] ? comm : "kernel",
				      pages);
		if (n >= len)
			break;
	}
	if (!out[0])
		snprintf(out, len, "none");
}

/* Is @pfn one of the comma-separated hex PFNs of @list? */
static bool listed(const char *list, long long pfn)
{
	for (const char *s = list; s && *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL)
		if (strtoll(s, NULL, 16) == pfn)
			return true;
	return false;
}

/* pfnlab's side of one what-if answer under @pre (whatif, live); @held: the guest's held PFNs. */
static void put_what_if(struct facts *p, const char *pre, const char *js, const char *held)
{
	char key[96], v[256];
	long long n, culprits = 0, nheld = 0, of_held = 0;

	if (!js)
		return;
	if (json_str(js, "result", v, sizeof(v))) {
		snprintf(key, sizeof(key), "%s.result", pre);
		put(p, key, "%s", !strcmp(v, "fails") ? "fail" : !strcmp(v, "succeeds") ? "success" : v);
	}
	if (json_str(js, "error", v, sizeof(v))) {
		snprintf(key, sizeof(key), "%s.err", pre);
		put(p, key, "%s", v[0] ? v : "none");
	}
	if (json_num(js, "migrated", &n)) {
		snprintf(key, sizeof(key), "%s.migrated", pre);
		put(p, key, "%lld", n);
	}
	for (const char *s = strstr(js, "\"culprits\": ["); s && (s = strstr(s, "{\"pfn\": ")); s++) {
		long long order = 0;

		json_num(s, "order", &order);
		culprits += 1ll << order;
		of_held += json_num(s, "pfn", &n) && !order && listed(held, n);
	}
	snprintf(key, sizeof(key), "%s.culprits", pre);
	put(p, key, "%lld", culprits);
	for (const char *s = held; s && *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL)
		nheld++;
	snprintf(key, sizeof(key), "%s.culprits_are_held", pre);
	put(p, key, "%s", nheld && culprits == nheld && of_held == nheld ? "yes" : "no");
	snprintf(key, sizeof(key), "%s.fin_pfn", pre);
	if (culprits && json_num(js, "first_busy_pfn", &n))
		put(p, key, "0x%llx", n);
	else
		put(p, key, "none");
	owners(js, v, sizeof(v));
	snprintf(key, sizeof(key), "%s.owner", pre);
	put(p, key, "%s", v);
}

void derive_guest_pfnlab(struct facts *k, struct facts *p)
{
	const char *h = get(k, "pfnlab.live.health"), *named = get(k, "busy.cma_owners_named"), *exp = get(k, "exp");
	long long n, lost, frames = 0;
	char v[64];

	if (!get(k, "pfnlab.whatif") && !h)
		return;
	/* the kernel's busy frames are all the experiment's own (its named regions): process:frames */
	for (const char *s = named; s && (s = strchr(s, ':')); s++)
		frames += strtoll(s + 1, NULL, 10);
	if (exp && named && strcmp(named, "none"))
		put(k, "busy.owner_process", "%s:%lld", exp, frames);
	put_what_if(p, "whatif", get(k, "pfnlab.whatif"), get(k, "held.pfns"));
	put_what_if(p, "live", get(k, "pfnlab.live.whatif"), get(k, "held.pfns"));
	if (!h)
		return;
	if (json_num(h, "events", &n) && json_num(h, "lost_events", &lost))
		put(p, "live.events", "%lld applied, %lld lost", n, lost);
	if (json_str(h, "whole_area_cma_alloc", v, sizeof(v)))
		put(p, "live.now", "%s", !strcmp(v, "fails") ? "fail" : "success");
	if (json_num(h, "borrowed", &n))
		put(p, "live.borrowed", "%lld", n);
	if (json_num(h, "cannot_move", &n))
		put(p, "live.cannot_move", "%lld", n);
	if (json_num(h, "unmovable", &n))
		put(p, "live.unmovable", "%lld", n);
}
