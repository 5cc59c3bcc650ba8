/*
 * story.c - what a run tells, in order: echo lines, printed views, and the
 * notable events the actors report (a guest that could not start, an HPT
 * that fell back, the host out of memory), each stamped with model time.
 * The run report prints the story under its summary.
 *
 *   echo TEXT     TEXT, $VAR substituted
 *   print VIEW... a kernel view (pfnlab_print()), `guests` or `culprits`
 *
 * At most MAX_EVENT_LINES events are told; the rest are counted.
 */
#include <stdlib.h>
#include <string.h>

#include "scn.h"

/* Append @n bytes of @s to the growing text *@buf (a failed allocation drops them). */
void text_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap * 2 : 4096;
		char *nb;

		while (c < *len + n + 1)
			c *= 2;
		nb = realloc(*buf, c);
		if (!nb)
			return;
		*buf = nb;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = 0;
}

/* The story as a sink: what is written to it is appended to r->story. */
static void story_write(void *arg, const char *buf, size_t len)
{
	struct exec *e = arg;

	text_add(&e->r->story, &e->r->story_len, &e->r->story_cap, buf, len);
}

#define MAX_EVENT_LINES 40

/* The host's notable events (struct host.event), one a write, stamped with model time. */
void story_event(void *arg, const char *text, size_t len)
{
	struct exec *e = arg;
	const struct pfnlab_sink s = {story_write, e};
	char t[32];

	e->r->events++;
	if (e->r->events > MAX_EVENT_LINES) {
		e->r->events_dropped++;
		return;
	}
	sink_printf(&s, "%12s  %.*s\n", time_str(e->built ? pfnlab_now(e->m) : 0, t, sizeof(t)), (int)len, text);
}

static void print_guests(struct exec *e)
{
	const struct pfnlab_sink s = {story_write, e};
	char a[32], b[32], c[32];
	unsigned n = e->h.nr_guests;
	struct guest **list = malloc((n + 1) * sizeof(*list));

	if (!list)
		return;
	if (n) { /* guests is NULL before the first: no memcpy() from NULL */
		memcpy(list, e->h.guests, n * sizeof(*list));
		qsort(list, n, sizeof(*list), guest_by_start);
	}

	sink_printf(&s, "%-12s %10s %10s %10s %5s %-6s %10s %10s\n", "guest", "ram", "touched", "hpt", "order", "from",
		    "pinned", "in CMA");
	for (unsigned i = 0; i < n; i++) {
		struct guest *g = list[i];

		sink_printf(&s, "%-12s %10s %10s %10s %5u %-6s %10llu %10llu\n", g->name, size_str(g->ram, a, sizeof(a)),
			    size_str(g->touched, b, sizeof(b)),
			    g->hpt.present ? size_str(1ull << g->hpt.order, c, sizeof(c)) : "-",
			    g->hpt.present ? g->hpt.order : 0, !g->hpt.present ? "-" : g->hpt.cma ? "cma" : "buddy",
			    (unsigned long long)g->pinned_pages, (unsigned long long)g->pinned_in_cma);
	}
	free(list);
}

static int run_print(struct exec *e, int *res)
{
	const struct pfnlab_sink s = {story_write, e};

	for (int i = 0; i < e->cur->npos; i++) {
		bool bad = false;
		const char *v = arg_word(e, i, &bad);

		if (bad)
			return -EINVAL;
		if (!strcmp(v, "guests")) {
			print_guests(e);
		} else if (!strcmp(v, "culprits")) {
			if (pfnlab_print_culprits(e->m, false, &s))
				sink_printf(&s, "no contiguous allocation has failed\n");
		} else if (pfnlab_print(e->m, v, &s)) {
			const char *const *known = pfnlab_views();
			char list[512] = "";

			for (int k = 0; known[k]; k++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s, ", known[k]);
			return RUN_ERR(e, "print: unknown view '%.64s' (%.380sguests, culprits)", v, list);
		}
	}
	return 0;
}

/* print VIEW...: the views are known when the line runs. */
static int check_print(struct scn_program *p, const struct stmt *s, char *err, size_t len)
{
	return 0;
}

static int run_echo(struct exec *e, int *res)
{
	const struct pfnlab_sink s = {story_write, e};
	char t[32];
	const char *text = arg_subst(e, e->cur->text);

	if (!text)
		return -EINVAL;
	sink_printf(&s, "%12s  %s\n", time_str(pfnlab_now(e->m), t, sizeof(t)), text);
	return 0;
}

const struct verb story_verbs[] = {
	{"print", F_LOOK, 1, 8, "print VIEW...", 0, NULL, NULL, check_print, run_print},
	{"echo", F_TEXT | F_LOOK, 0, 0, "echo TEXT", 0, NULL, NULL, NULL, run_echo},
	{0},
};
