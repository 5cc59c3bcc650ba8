/*
 * events.c - model time passing: the event queue, the `guests` generators
 * that fill it, and the kernel background's expiries, run in time order.
 *
 *   advance TIME  let TIME pass: every background batch that expires and
 *                 every scheduled event (ties in the order scheduled) runs
 *                 at its time, each a step of the run (run_steps())
 *
 * A generator (a `guests` line, actors.c) schedules its first arrival; an
 * arrival starts a guest with sizes and lifetimes drawn from its
 * distributions, schedules the next arrival, the guest's stop and, for a
 * share of guests, a VFIO device (at once or after vfio_after).  Every draw
 * comes from the generator's own splitmix64 state, seeded from the run's
 * seed and the line: the same scenario and seed give the same run.
 *
 * Simplified: an arrival whose guest cannot start (no HPT, no memory) is
 * counted by the actors and the generator goes on.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

/* ------------------------------------------------------------ events */

int ev_push(struct exec *e, uint64_t t, enum ev_kind k, unsigned gen, const char *name)
{
	size_t i;

	if (e->nr_ev == e->cap_ev) {
		size_t cap = e->cap_ev ? e->cap_ev * 2 : 64;
		struct event *n = realloc(e->ev, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		e->ev = n;
		e->cap_ev = cap;
	}
	i = e->nr_ev++;
	e->ev[i] = (struct event){.t = t, .seq = e->ev_seq++, .kind = k, .gen = gen};
	snprintf(e->ev[i].name, sizeof(e->ev[i].name), "%s", name ? name : "");
	while (i) {
		size_t up = (i - 1) / 2;
		struct event tmp;

		if (e->ev[up].t < e->ev[i].t || (e->ev[up].t == e->ev[i].t && e->ev[up].seq < e->ev[i].seq))
			break;
		tmp = e->ev[up];
		e->ev[up] = e->ev[i];
		e->ev[i] = tmp;
		i = up;
	}
	return 0;
}

static bool ev_less(const struct event *a, const struct event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static struct event ev_pop(struct exec *e)
{
	struct event top = e->ev[0];
	size_t i = 0;

	e->ev[0] = e->ev[--e->nr_ev];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;
		struct event tmp;

		if (l < e->nr_ev && ev_less(&e->ev[l], &e->ev[s]))
			s = l;
		if (r < e->nr_ev && ev_less(&e->ev[r], &e->ev[s]))
			s = r;
		if (s == i)
			break;
		tmp = e->ev[i];
		e->ev[i] = e->ev[s];
		e->ev[s] = tmp;
		i = s;
	}
	return top;
}

/* One draw from @d. */
static uint64_t dist_sample(const struct dist *d, uint64_t *rng)
{
	switch (d->kind) {
	case D_EXP:
		return (uint64_t)(-log(work_rng_unit(rng)) * (double)d->v[0]);
	case D_UNIFORM:
		return d->v[0] + (uint64_t)(work_rng_unit(rng) * (double)(d->v[1] - d->v[0]));
	case D_CHOICE:
		return d->v[work_rng(rng) % d->n];
	default:
		return d->v[0];
	}
}

/* One arrival of generator @k: start a guest, schedule its device and its end. */
static int gen_arrive(struct exec *e, unsigned k)
{
	struct gen *g = &e->gens[k];
	struct guest_opts go = {.thp = g->thp, .hpt_order = g->hpt, .memlock = g->memlock, .backend = g->backend,
				.vhost_user = g->vhost_user};
	uint64_t now = pfnlab_now(e->m), page = e->h.page_size, gran = 256ull << 20;
	bool vfio = work_rng_unit(&g->rng) * 1e6 < (double)g->vfio_ppm;
	uint64_t life = dist_sample(&g->lifetime, &g->rng), after = g->has_after ? dist_sample(&g->vfio_after, &g->rng) : 0;
	struct guest *gu;
	char name[32], m[256] = "";
	unsigned *counter = &g->next_id;
	int err;

	go.ram = dist_sample(&g->ram, &g->rng);
	/* sPAPR guests have RAM in 256 MiB blocks; at least one page anyway */
	go.ram = go.ram >= gran ? go.ram / gran * gran : (go.ram + page - 1) / page * page;
	if (!go.ram)
		go.ram = page;
	go.pin_aware = g->pin_aware == 1 || (g->pin_aware == 0 && vfio);
	if (!g->fault || !strcmp(g->fault, "all"))
		go.fault = go.ram;
	else if (strcmp(g->fault, "none") && val_sizepct(g->fault, go.ram, 0, &go.fault, m, sizeof(m)))
		go.fault = go.ram;
	/*
	 * Generators with one prefix (two `guests` lines without name=) count
	 * on the first one's counter, so they never make the same name twice;
	 * a name a `guest` line took is passed over.
	 */
	for (unsigned i = 0; i < k; i++)
		if (!strcmp(e->gens[i].prefix, g->prefix)) {
			counter = &e->gens[i].next_id;
			break;
		}
	do
		snprintf(name, sizeof(name), "%s%u", g->prefix, ++*counter);
	while (host_guest(&e->h, name));
	if (--g->left)
		ev_push(e, now + dist_sample(&g->every, &g->rng), EV_ARRIVE, k, NULL);
	err = guest_start(&e->h, name, &go, &gu);
	if (!gu)
		return err == -ENOMEM || err == -EINVAL ? 0 : err;
	ev_push(e, now + (life ? life : 1), EV_STOP, k, name);
	if (vfio) {
		if (after)
			ev_push(e, now + after, EV_HOTPLUG, k, name);
		else
			vfio_hotplug(&e->h, gu, g->spapr, m, sizeof(m));
	}
	return 0;
}

static int run_event(struct exec *e, const struct event *ev)
{
	struct guest *g;
	char m[256];

	if (ev->kind == EV_ARRIVE)
		return gen_arrive(e, ev->gen);
	g = host_guest(&e->h, ev->name);
	if (!g)
		return 0; /* it never started, or a scenario line stopped it */
	if (ev->kind == EV_STOP)
		guest_stop(&e->h, g);
	else if (!(g->has_type1 && g->type1.nr) && !g->nr_spapr)
		vfio_hotplug(&e->h, g, e->gens[ev->gen].spapr, m, sizeof(m));
	return 0;
}

/* Let @ns of model time pass: background expiries and scheduled events, in time order. */
static int advance(struct exec *e, uint64_t ns)
{
	uint64_t now = pfnlab_now(e->m), target = now + ns; /* run_advance() keeps it within PFNLAB_NOW_MAX */

	for (;;) {
		uint64_t tb = bg_next_expiry(&e->h), te = e->nr_ev ? e->ev[0].t : UINT64_MAX;
		uint64_t t = tb < te ? tb : te;
		int err;

		if (t > target)
			break;
		if (t > now) {
			pfnlab_advance(e->m, t - now);
			now = t;
		}
		if (tb <= te) {
			err = run_steps(e, bg_expire(&e->h, now));
			guests_reap(&e->h);
			if (err)
				return err;
			continue;
		}
		err = run_steps(e, 1);
		if (err)
			return err;
		struct event ev = ev_pop(e);

		err = run_event(e, &ev);
		guests_reap(&e->h); /* guests the OOM killer killed meanwhile */
		if (err)
			return err;
		if (e->o->check) {
			char why[512];

			if (pfnlab_check(e->m, why, sizeof(why))) {
				snprintf(e->msg, sizeof(e->msg), "after a generated event: checker: %.400s", why);
				return -EUCLEAN;
			}
		}
	}
	if (target > now)
		pfnlab_advance(e->m, target - now);
	bg_expire(&e->h, pfnlab_now(e->m));
	guests_reap(&e->h);
	return 0;
}

/* advance TIME: a time, unless it holds a $VAR. */
static int check_advance(struct scn_program *p, const struct stmt *s, char *err, size_t len)
{
	uint64_t u;

	if (strchr(s->pos[0], '$'))
		return 0;
	return val_time(s->pos[0], &u, err, len) ? -EINVAL : 0;
}

static int run_advance(struct exec *e, int *res)
{
	bool bad = false;
	const char *v = arg_word(e, 0, &bad);
	uint64_t ns;
	char m[400];

	if (bad)
		return -EINVAL;
	if (val_time(v, &ns, m, sizeof(m)))
		return RUN_ERR(e, "advance: %s", m);
	if (pfnlab_now(e->m) > PFNLAB_NOW_MAX || ns > PFNLAB_NOW_MAX - pfnlab_now(e->m))
		return RUN_ERR(e, "advance: model time would pass its end (2^63 ns, about 292 years)");
	return advance(e, ns);
}

const struct verb event_verbs[] = {
	{"advance", 0, 1, 1, "advance TIME", 0, NULL, NULL, check_advance, run_advance},
	{0},
};
