/*
 * derive.c - facts derived from the trace and log lines of a run (the
 * kernel's, and pfnlab's where it prints the same events): the order of
 * the cma_* and test_pages_isolated events of a phase, what a failed
 * cma_alloc left behind (first busy PFN, the error inside the kernel, its
 * log line, the pages the kernel dumped as migration failures, whether the
 * busy frames are exactly the held pages), 6.12's
 * mm_alloc_contig_migrate_range_info with its fields under their real
 * names, and how the experiment ended (completed, OOM kill, panic).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

/* "ev1 ev2(fail) ..." for the cma_* and test_pages_isolated events of @phase */
void event_order(const struct facts *fs, const char *phase, char *out, size_t len)
{
	size_t n = 0;

	out[0] = 0;
	for (size_t i = 0; i < fs->ntr; i++) {
		const char *t = fs->tr[i].text, *colon = strchr(t, ':');
		int w;

		if (strcmp(fs->tr[i].phase, phase) || !colon)
			continue;
		if (strncmp(t, "cma_", 4) && strncmp(t, "test_pages_isolated", 19))
			continue;
		w = snprintf(out + n, len - n, "%s%.*s%s", n ? " " : "", (int)(colon - t), t,
			     strstr(t, "ret=fail") ? "(fail)" : strstr(t, "ret=success") ? "(success)" : "");
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
}

const char *first_event(const struct facts *fs, const char *phase, const char *name)
{
	size_t l = strlen(name);

	for (size_t i = 0; i < fs->ntr; i++)
		if (!strcmp(fs->tr[i].phase, phase) && !strncmp(fs->tr[i].text, name, l) && fs->tr[i].text[l] == ':')
			return fs->tr[i].text;
	return NULL;
}

/* Strip "<3>[    1.234567] " from a kernel log line. */
const char *log_text(const char *s)
{
	if (*s == '<' && strchr(s, '>'))
		s = strchr(s, '>') + 1;
	if (*s == '[' && strchr(s, ']')) {
		s = strchr(s, ']') + 1;
		while (*s == ' ')
			s++;
	}
	return s;
}

/* "<phase>.events": the event order of a cma_alloc phase, on @fs (kernel's or pfnlab's). */
void derive_cma_alloc(struct facts *fs, const char *phase)
{
	char buf[1024], key[96];

	event_order(fs, phase, buf, sizeof(buf));
	snprintf(key, sizeof(key), "%s.events", phase);
	put(fs, key, "%s", buf);
}

/* Is every PFN of the comma-separated @list in @set (also comma-separated)? */
static bool all_in(const char *list, const char *set)
{
	size_t n = strlen(set);

	for (const char *p = list; p && *p;) {
		size_t l = strcspn(p, ",");
		bool found = false;

		for (const char *q = set; q < set + n && !found;) {
			size_t m = strcspn(q, ",");

			found = m == l && !strncmp(p, q, l);
			q += m + (q[m] == ',');
		}
		if (!found)
			return false;
		p += l + (p[l] == ',');
	}
	return true;
}

/*
 * What a failed whole-area cma_alloc of @phase left: the first busy PFN
 * and the test_pages_isolated event, the cma_alloc_finish event, the error
 * inside the kernel and its log line, the frames still in use and whether
 * they are exactly the held pages, the pages dumped as "migration failure".
 */
void derive_warn_alloc(struct facts *k, const char *phase)
{
	char key[96];

	snprintf(key, sizeof(key), "%s.cma_alloc.result", phase);
	if (!get(k, key))
		return; /* the phase was not reached */
	snprintf(key, sizeof(key), "%s.warn_alloc", phase);
	put(k, key, "none");
	for (size_t i = 0; i < k->nlg; i++) {
		const char *s = log_text(k->lg[i].text);

		if (!strcmp(k->lg[i].phase, phase) && strstr(s, "page allocation failure")) {
			put(k, key, "%s", s);
			return;
		}
	}
}

void derive_failed_alloc(struct facts *k, struct facts *p, const char *phase)
{
	const char *t, *q;
	char key[96];
	struct strbuf dumped = {0};
	long long ndumped = 0, nu, nh;
	const char *last_page = NULL;

	t = first_event(k, phase, "test_pages_isolated");
	if (t && (q = strstr(t, "fin_pfn="))) {
		snprintf(key, sizeof(key), "%s.fin_pfn", phase);
		put(k, key, "0x%llx", strtoull(q + 8, NULL, 16));
	}
	for (int side = 0; side < 2; side++) {
		struct facts *fs = side ? p : k;

		snprintf(key, sizeof(key), "%s.tpi_event", phase);
		if ((t = first_event(fs, phase, "test_pages_isolated")))
			put(fs, key, "%s", t);
		snprintf(key, sizeof(key), "%s.finish_event", phase);
		if ((t = first_event(fs, phase, "cma_alloc_finish")))
			put(fs, key, "%s", t);
	}
	/* the error cma_alloc returned inside the kernel: "... ret: -16" or errorno=-16 */
	snprintf(key, sizeof(key), "%s.err", phase);
	put(k, key, "?");
	for (size_t i = 0; i < k->nlg; i++) {
		const char *s = log_text(k->lg[i].text);

		if (strcmp(k->lg[i].phase, phase))
			continue;
		if (strstr(s, "alloc failed, req-size")) {
			long e = (q = strstr(s, "ret: ")) ? strtol(q + 5, NULL, 10) : 0;

			snprintf(key, sizeof(key), "%s.log", phase);
			put(k, key, "%s", s);
			snprintf(key, sizeof(key), "%s.err", phase);
			put(k, key, "%s", e ? pfnlab_strerror((int)e) : "?");
		}
		/*
		 * dump_page(): "page: refcount:4 mapcount:1 ... pfn:0x1c800" (6.12),
		 * "page:(____ptrval____) refcount:4 ... pfn:0x1c800" (6.1), later
		 * "page dumped because: ..."
		 */
		if (!strncmp(s, "page:", 5) && strstr(s, " pfn:"))
			last_page = s;
		if (!strcmp(s, "page dumped because: migration failure") && last_page && (q = strstr(last_page, " pfn:"))) {
			strbuf_printf(&dumped, "%s0x%llx", ndumped ? "," : "", strtoull(q + 5, NULL, 16));
			ndumped++;
			last_page = NULL;
		}
	}
	snprintf(key, sizeof(key), "%s.err", phase);
	if (!strcmp(get(k, key), "?") && (t = first_event(k, phase, "cma_alloc_finish")) && (q = strstr(t, "errorno=")))
		put(k, key, "%s", pfnlab_strerror((int)strtol(q + 8, NULL, 10)));
	snprintf(key, sizeof(key), "%s.dumped", phase);
	put(k, key, "%lld", ndumped);
	if (ndumped) {
		snprintf(key, sizeof(key), "%s.dumped_pfns", phase);
		put(k, key, "%s", dumped.text);
		snprintf(key, sizeof(key), "%s.dumped_are_held", phase);
		put(k, key, "%s", get(k, "held.pfns") && all_in(dumped.text, get(k, "held.pfns")) ? "yes" : "no");
	}
	free(dumped.text);
	/* are the frames still busy after the failure exactly the held ones? */
	{
		const char *used, *held = get(k, "held.pfns");

		snprintf(key, sizeof(key), "%s.cma_in_use_pfns", phase);
		used = get(k, key);
		snprintf(key, sizeof(key), "%s.cma_in_use", phase);
		if (num(k, key, &nu)) {
			snprintf(key, sizeof(key), "%s.culprits", phase);
			put(k, key, "%lld", nu);
			if (used && held && num(k, "held.n", &nh)) {
				snprintf(key, sizeof(key), "%s.culprits_are_held", phase);
				put(k, key, "%s", nu == nh && !strcmp(used, held) ? "yes" : "no");
			}
		}
	}
}

/*
 * 6.12's mm_alloc_contig_migrate_range_info passes its values in another
 * order than it declares them: the field printed as migratetype= is the
 * pages still mapped after the reclaim step, nr_migrated= the migratetype,
 * nr_reclaimed= the pages migrated, nr_mapped= the pages reclaimed
 * (mm/page_alloc.c, __alloc_contig_migrate_range()).  "<phase>.contig.*"
 * under the real names.
 */
void derive_contig_info(struct facts *k)
{
	for (size_t i = 0; i < k->ntr; i++) {
		const char *t = k->tr[i].text;
		unsigned long long a, b, c, d;
		char key[96];
		const char *q = strstr(t, "migratetype=");

		if (strncmp(t, "mm_alloc_contig_migrate_range_info:", 35) || !q ||
		    sscanf(q, "migratetype=%llu nr_migrated=%llu nr_reclaimed=%llu nr_mapped=%llu", &a, &b, &c, &d) != 4)
			continue;
		snprintf(key, sizeof(key), "%s.contig.migrated", k->tr[i].phase);
		put(k, key, "%llu", c);
		snprintf(key, sizeof(key), "%s.contig.reclaimed", k->tr[i].phase);
		put(k, key, "%llu", d);
		snprintf(key, sizeof(key), "%s.contig.mapped", k->tr[i].phase);
		put(k, key, "%llu", a);
		snprintf(key, sizeof(key), "%s.contig.migratetype", k->tr[i].phase);
		put(k, key, "%llu", b);
	}
}

/*
 * A phase the kernel cut short (the experiment's process was killed in
 * it): its whole-area cma_alloc's result from the cma_alloc_finish event
 * (a NULL page is a failure), and its pages migrated from the counters
 * init read at the end of the phase.
 */
static void derive_cut_phases(struct facts *k)
{
	static const char sfx[] = ".vmstat.pgmigrate_success";
	char key[128];

	for (size_t i = 0; i < k->ntr; i++) {
		const char *t = k->tr[i].text, *ph = k->tr[i].phase;

		if (strncmp(t, "cma_alloc_finish:", 17))
			continue;
		snprintf(key, sizeof(key), "%s.cma_alloc.result", ph);
		if (!get(k, key))
			put(k, key, "%s", strstr(t, " page=0000000000000000 ") ? "fail" : "success");
	}
	for (size_t i = 0, n = k->n; i < n; i++) {
		size_t l = strlen(k->f[i].key);

		if (l <= sizeof(sfx) - 1 || strcmp(k->f[i].key + l - (sizeof(sfx) - 1), sfx))
			continue;
		snprintf(key, sizeof(key), "%.*s.pgmigrate_success", (int)(l - (sizeof(sfx) - 1)), k->f[i].key);
		if (!get(k, key))
			put(k, key, "%s", k->f[i].val);
	}
}

/*
 * For every experiment: how it ended ("outcome": completed, oom-kill,
 * killed, panic; "outcome.detail": the victim and phase, or the panic
 * message), what the phase it ended in did, and the contig-range counters.
 */
void derive_common(struct facts *k)
{
	const char *o = get(k, "outcome");

	if (!o)
		put(k, "outcome", "%s", o = "completed");
	if (!strcmp(o, "oom-kill"))
		put(k, "outcome.detail", "victim %s (pid %s) in phase %s", get(k, "outcome.victim") ? get(k, "outcome.victim") : "?",
		    get(k, "child.pid") ? get(k, "child.pid") : "?", get(k, "outcome.phase") ? get(k, "outcome.phase") : "?");
	else if (!strcmp(o, "panic"))
		put(k, "outcome.detail", "%s", get(k, "outcome.panic") ? get(k, "outcome.panic") : "?");
	else if (!strcmp(o, "killed"))
		put(k, "outcome.detail", "signal %s in phase %s", get(k, "outcome.signal") ? get(k, "outcome.signal") : "?",
		    get(k, "outcome.phase") ? get(k, "outcome.phase") : "?");
	if (strcmp(o, "completed"))
		derive_cut_phases(k);
	derive_contig_info(k);
}
