/*
 * map.c - pictures of physical memory: an SVG with one cell per pageblock,
 * a terminal map in 80 columns, and (map_png.c) a PNG at page granularity.
 *
 * Nothing in the kernel draws this; /proc/pagetypeinfo only counts.  A
 * cell's colour is its pageblock's migrate type, its fill the share of
 * pages in use (with pfnlab_map_opts.kinds: stacked by page kind, anon,
 * file, shmem, kernel...; the PNG colours each page so); CMA areas are outlined, pageblocks holding long-term pinned
 * pages marked, the busy range of the last failed contiguous allocation
 * (and any the caller adds) highlighted, zone boundaries drawn and labelled.
 * Every cell carries a tooltip.  Output depends only on the machine state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Fill colours per migrate type (Unmovable, Movable, Reclaimable, HighAtomic/Reserve, CMA, Isolate). */
static const char *const mt_fill[PFNLAB_MT_TYPES] = {
	"#d62728", "#2ca02c", "#e6b800", "#ff7f0e", "#1f77b4", "#7f7f7f",
};
static const char *const mt_light[PFNLAB_MT_TYPES] = {
	"#f6d3d3", "#d5eed5", "#f9efc2", "#ffe3c9", "#d0e3f2", "#e5e5e5",
};

/* Colours of pages in use by PFNLAB_PAGE_* state (free and hole never used); the last slot for later kinds. */
const uint8_t map_kind_rgb[MAP_KINDS][3] = {
	{255, 255, 255}, {214, 39, 40}, {44, 160, 44}, {255, 255, 255},
	{127, 127, 127}, {140, 86, 75}, {148, 103, 189}, {23, 190, 207},
};

/* The kind of the page at @pfn of the folio at @head (NIL_PFN: not allocated), a map_kind_rgb index. */
int map_kind(const struct pfnlab_machine *m, uint64_t pfn, uint64_t head)
{
	int k;

	if (head == NIL_PFN)
		return (m->frames[pfn].flags & F_RESERVED) ? PFNLAB_PAGE_RESERVED : PFNLAB_PAGE_FREE;
	k = page_state(m, head);
	return k < MAP_KINDS ? k : MAP_KINDS - 1;
}

static const char *mt_name(const struct pfnlab_machine *m, int mt)
{
	return (m->cfg.era == PFNLAB_ERA_2015 ? migratetype_names_2015 : migratetype_names)[mt];
}

/* Walk frames once and fill per-pageblock counters. */
int map_collect(const struct pfnlab_machine *m, uint64_t first, uint64_t last, struct map_cell **out,
		uint64_t *n)
{
	uint64_t pb0 = first >> m->pb_order, pb1 = (last + m->pb_pages - 1) >> m->pb_order;
	struct map_cell *c = calloc(pb1 - pb0 ? pb1 - pb0 : 1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	for (uint64_t p = pb0 << m->pb_order; p < (pb1 << m->pb_order) && p < m->nr_pfns;) {
		const struct frame *f = &m->frames[p];
		uint64_t len = 1;
		int kind = 0, pk = PFNLAB_PAGE_RESERVED; /* kind: 0 free, 1 used, 2 hole; pk: the page kind of a used one */
		bool pinned = false;

		if (f->flags & F_BUDDY)
			len = 1ull << f->order;
		else if (f->flags & F_HOLE)
			kind = 2;
		else if (f->flags & F_ALLOC) {
			len = 1ull << f->order;
			kind = 1;
			pk = map_kind(m, p, p);
			pinned = (f->flags & F_PINNED) && folio_pincount(m, p);
		} else if (!(f->flags & F_PCP))
			kind = 1;
		for (uint64_t q = p; q < p + len && q < m->nr_pfns; q++) {
			struct map_cell *cell;

			if (q < first || q >= last)
				continue;
			cell = &c[(q >> m->pb_order) - pb0];
			cell->used += kind == 1;
			cell->kind[pk] += kind == 1;
			cell->holes += kind == 2;
			cell->pinned += pinned;
		}
		p += len;
	}
	for (uint64_t b = pb0; b < pb1; b++) {
		struct map_cell *cell = &c[b - pb0];
		uint64_t pfn = b << m->pb_order;

		cell->mt = pb_type(m, pfn);
		cell->zone = pfn_zone_index(m, pfn);
		cell->cma = -1;
		for (unsigned i = 0; i < m->nr_cma; i++)
			if (pfn >= m->cma[i].base_pfn && pfn < m->cma[i].base_pfn + m->cma[i].count)
				cell->cma = (int)i;
	}
	*out = c;
	*n = pb1 - pb0;
	return 0;
}

bool map_busy(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, uint64_t a, uint64_t b)
{
	const struct contig_failure *cf = &m->contig_fail;

	if (cf->valid && cf->outer_start < b && a < cf->end)
		return true;
	for (size_t i = 0; o && i < o->nr_busy; i++)
		if (o->busy[i].start < b && a < o->busy[i].end)
			return true;
	return false;
}

/* Clamp the PFN window of @o to the machine. */
/* The pointers a map needs: a machine, a sink that writes, the busy ranges it counts (include/pfnlab.h's rule). */
int map_args(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, const struct pfnlab_sink *s)
{
	return !m || !s || !s->write || (o && o->nr_busy && !o->busy) ? -EINVAL : 0;
}

int map_window(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, uint64_t *first, uint64_t *last)
{
	if (o && (o->first_pfn || o->last_pfn) && o->first_pfn >= m->nr_pfns)
		return -ERANGE; /* nothing of the window is in the machine: not the whole machine instead */
	*first = o && o->first_pfn < m->nr_pfns ? o->first_pfn : 0;
	*last = o && o->last_pfn && o->last_pfn <= m->nr_pfns ? o->last_pfn : m->nr_pfns;
	*first &= ~(m->pb_pages - 1);
	if (*last <= *first)
		*last = m->nr_pfns;
	return 0;
}

static void human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const u[] = {"B", "K", "M", "G", "T", "P"};
	int i = 0;

	while (i < 5 && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		i++;
	}
	snprintf(buf, len, "%llu%s", (unsigned long long)bytes, u[i]);
}

#define LEFT 150
#define TOP 48

/* The used part of cell @k stacked by page kind from the bottom of the cell at @x, @y. */
static void kind_bars(const struct pfnlab_sink *s, const struct map_cell *k, uint64_t present, int x, int y, int cell)
{
	uint64_t below = 0;
	int top = y + cell;

	for (int t = 0; t < MAP_KINDS; t++) {
		const uint8_t *rgb = map_kind_rgb[t];
		int h;

		if (!k->kind[t])
			continue;
		below += k->kind[t];
		h = y + cell - (int)((below * (uint64_t)cell + present / 2) / present);
		if (top - h > 0)
			sink_printf(s, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%02x%02x%02x\"/>", x, h,
				    cell, top - h, rgb[0], rgb[1], rgb[2]);
		top = h;
	}
}

int pfnlab_map_svg(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, const struct pfnlab_sink *s)
{
	uint64_t first, last, n, cols, rows;
	struct map_cell *c;
	int err, w, h, cell;

	if (map_args(m, o, s))
		return -EINVAL;
	if (o && o->columns > PFNLAB_MAP_MAX_COLUMNS)
		return -EINVAL; /* the picture's width would overflow */
	err = map_window(m, o, &first, &last);
	if (err)
		return err;
	err = map_collect(m, first, last, &c, &n);
	if (err)
		return err;
	cols = o && o->columns ? o->columns : n <= 1024 ? 32 : n <= 8192 ? 64 : 128;
	rows = (n + cols - 1) / cols;
	cell = n <= 256 ? 24 : n <= 4096 ? 12 : 8;
	w = LEFT + (int)cols * cell + 20;
	if (w < 680)
		w = 680; /* room for the legend */
	h = TOP + (int)rows * cell + 110;
	sink_printf(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		       "font-family=\"monospace\" font-size=\"11\">\n", w, h, w, h);
	sink_printf(s, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, h);
	sink_printf(s, "<text x=\"8\" y=\"18\" font-size=\"14\">");
	html_escape(s, o && o->title ? o->title : "physical memory"); /* the user's text: XML-escaped */
	sink_printf(s, "</text>\n");
	sink_printf(s, "<text x=\"8\" y=\"34\">one cell = one pageblock (%llu pages, %llu KiB); fill = pages in use%s</text>\n",
		    (unsigned long long)m->pb_pages, (unsigned long long)(m->pb_pages << m->cfg.page_shift) >> 10,
		    o && o->kinds ? " by kind" : "");
	for (uint64_t r = 0; r < rows; r++) {
		uint64_t pfn = first + ((r * cols) << m->pb_order);
		char sz[32];

		if (r % (rows > 64 ? 8 : rows > 16 ? 4 : 1))
			continue;
		human(pfn << m->cfg.page_shift, sz, sizeof(sz));
		sink_printf(s, "<text x=\"4\" y=\"%d\">0x%llx %s</text>\n", TOP + (int)r * cell + 9,
			    (unsigned long long)pfn, sz);
	}
	for (uint64_t i = 0; i < n; i++) {
		const struct map_cell *k = &c[i];
		uint64_t pfn = first + (i << m->pb_order), present = m->pb_pages - k->holes;
		int x = LEFT + (int)(i % cols) * cell, y = TOP + (int)(i / cols) * cell;
		int fill = present ? (int)((k->used * cell + present / 2) / present) : 0;

		sink_printf(s, "<g><title>pageblock %llu: PFN 0x%llx-0x%llx, %s, %s%s",
			    (unsigned long long)(pfn >> m->pb_order), (unsigned long long)pfn,
			    (unsigned long long)(pfn + m->pb_pages - 1), k->zone >= 0 ? m->zones[k->zone].name : "no zone",
			    mt_name(m, k->mt), k->cma >= 0 ? ", CMA area " : "");
		html_escape(s, k->cma >= 0 ? m->cma[k->cma].name : ""); /* a name from the scenario */
		sink_printf(s, ", %llu/%llu pages used, %llu long-term pinned%s", (unsigned long long)k->used,
			    (unsigned long long)present, (unsigned long long)k->pinned, map_busy(m, o, pfn, pfn + m->pb_pages) ? ", busy range" : "");
		for (int t = 0; o && o->kinds && t < MAP_KINDS; t++)
			if (k->kind[t])
				sink_printf(s, ", %s %llu", pfnlab_page_state_name(t), (unsigned long long)k->kind[t]);
		sink_printf(s, "</title>");
		if (!present) {
			sink_printf(s, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#ffffff\" stroke=\"#eeeeee\"/></g>\n",
				    x, y, cell, cell);
			continue;
		}
		sink_printf(s, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", x, y, cell, cell,
			    mt_light[k->mt]);
		if (fill && !(o && o->kinds))
			sink_printf(s, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", x,
				    y + cell - fill, cell, fill, mt_fill[k->mt]);
		if (fill && o && o->kinds)
			kind_bars(s, k, present, x, y, cell);
		if (k->pinned)
			sink_printf(s, "<circle cx=\"%d\" cy=\"%d\" r=\"2.5\" fill=\"#000000\"/>", x + cell / 2,
				    y + cell / 2);
		if (map_busy(m, o, pfn, pfn + m->pb_pages))
			sink_printf(s, "<rect x=\"%d.5\" y=\"%d.5\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ff00ff\" stroke-width=\"2\"/>",
				    x, y, cell - 1, cell - 1);
		sink_printf(s, "</g>\n");
	}
	/* CMA outlines: cell edges whose neighbour is outside the same area */
	for (uint64_t i = 0; i < n; i++) {
		int a = c[i].cma, x = LEFT + (int)(i % cols) * cell, y = TOP + (int)(i / cols) * cell;

		if (a < 0)
			continue;
		if (i % cols == 0 || c[i - 1].cma != a)
			sink_printf(s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#08306b\" stroke-width=\"2\"/>\n", x, y, x, y + cell);
		if (i % cols == cols - 1 || i + 1 >= n || c[i + 1].cma != a)
			sink_printf(s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#08306b\" stroke-width=\"2\"/>\n", x + cell, y, x + cell, y + cell);
		if (i < cols || c[i - cols].cma != a)
			sink_printf(s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#08306b\" stroke-width=\"2\"/>\n", x, y, x + cell, y);
		if (i + cols >= n || c[i + cols].cma != a)
			sink_printf(s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#08306b\" stroke-width=\"2\"/>\n", x, y + cell, x + cell, y + cell);
	}
	/* zone boundaries */
	for (int z = 0; z < m->nr_zones; z++) {
		uint64_t zs = m->zones[z].start_pfn;
		uint64_t i;
		int x, y;

		if (zs < first || zs >= last)
			continue;
		i = (zs - first) >> m->pb_order;
		x = LEFT + (int)(i % cols) * cell;
		y = TOP + (int)(i / cols) * cell;
		sink_printf(s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\" stroke-width=\"3\"/>"
			       "<text x=\"%d\" y=\"%d\" font-size=\"9\">%s</text>\n",
			    x, y - 2, x, y + cell + 2, x + 2, y - 2, m->zones[z].name);
	}
	/* legend */
	{
		int y = TOP + (int)rows * cell + 24, x = 8;

		for (int t = 0; t < PFNLAB_MT_TYPES; t++) {
			sink_printf(s, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
				    x, y, (o && o->kinds ? mt_light : mt_fill)[t], x + 14, y + 9, mt_name(m, t));
			x += 110;
		}
		if (o && o->kinds) {
			y += 22;
			x = 8;
			for (int t = 0; t < MAP_KINDS; t++) {
				const uint8_t *rgb = map_kind_rgb[t];

				if (t == PFNLAB_PAGE_FREE || t == PFNLAB_PAGE_HOLE || !strcmp(pfnlab_page_state_name(t), "?"))
					continue;
				sink_printf(s, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#%02x%02x%02x\"/>"
					       "<text x=\"%d\" y=\"%d\">%s</text>\n",
					    x, y, rgb[0], rgb[1], rgb[2], x + 14, y + 9, pfnlab_page_state_name(t));
				x += 110;
			}
		}
		y += 22;
		sink_printf(s, "<rect x=\"8\" y=\"%d\" width=\"10\" height=\"10\" fill=\"none\" stroke=\"#08306b\" stroke-width=\"2\"/>"
			       "<text x=\"22\" y=\"%d\">CMA area</text>\n", y, y + 9);
		sink_printf(s, "<circle cx=\"123\" cy=\"%d\" r=\"2.5\" fill=\"#000000\"/><text x=\"132\" y=\"%d\">long-term pinned pages</text>\n",
			    y + 5, y + 9);
		sink_printf(s, "<rect x=\"318\" y=\"%d\" width=\"10\" height=\"10\" fill=\"none\" stroke=\"#ff00ff\" stroke-width=\"2\"/>"
			       "<text x=\"332\" y=\"%d\">busy range of a failed contiguous allocation</text>\n", y, y + 9);
		y += 22;
		sink_printf(s, "<text x=\"8\" y=\"%d\">rows: first PFN and physical address; %llu pageblocks per row</text>\n",
			    y + 9, (unsigned long long)cols);
	}
	sink_printf(s, "</svg>\n");
	free(c);
	return 0;
}

/* Background colours of the terminal map (256-colour), per migrate type, and per page kind (map_kind_rgb). */
static const int mt_ansi[PFNLAB_MT_TYPES] = {160, 34, 178, 208, 32, 244};
static const int kind_ansi[MAP_KINDS] = {231, 160, 34, 231, 244, 130, 98, 44};

int pfnlab_map_ansi(const struct pfnlab_machine *m, const struct pfnlab_map_opts *o, const struct pfnlab_sink *s)
{
	static const char *const shade[5] = {" ", "\u2591", "\u2592", "\u2593", "\u2588"};
	uint64_t first, last, n, per, cols = 64;
	struct map_cell *c;
	int err = map_args(m, o, s);

	if (err)
		return err;
	err = map_window(m, o, &first, &last);
	if (err)
		return err;
	err = map_collect(m, first, last, &c, &n);
	if (err)
		return err;
	per = (n + cols * 24 - 1) / (cols * 24); /* at most 24 rows */
	if (!per)
		per = 1;
	sink_printf(s, "%s: %llu pageblock%s per character, shade = pages in use%s\n",
		    o && o->title ? o->title : "physical memory", (unsigned long long)per, per == 1 ? "" : "s",
		    o && o->kinds ? ", colour = the kind most of them are (free: the migrate type)" : "");
	for (uint64_t i = 0; i < n; i += per * cols) {
		char sz[32];

		int last_bg = -1, last_fg = -1, bg, fg;

		human((first + (i << m->pb_order)) << m->cfg.page_shift, sz, sizeof(sz));
		sink_printf(s, "%-8s ", sz);
		for (uint64_t j = i; j < i + per * cols && j < n; j += per) {
			uint64_t used = 0, present = 0, pinned = 0, cnt[PFNLAB_MT_TYPES] = {0}, kinds[MAP_KINDS] = {0};
			bool cma = false, busy = false;
			int mt = 0, pk = 0, lvl;

			for (uint64_t k = j; k < j + per && k < n; k++) {
				uint64_t pfn = first + (k << m->pb_order);

				used += c[k].used;
				present += m->pb_pages - c[k].holes;
				pinned += c[k].pinned;
				cnt[c[k].mt] += m->pb_pages - c[k].holes;
				for (int t = 0; t < MAP_KINDS; t++)
					kinds[t] += c[k].kind[t];
				cma |= c[k].cma >= 0;
				busy |= map_busy(m, o, pfn, pfn + m->pb_pages);
			}
			for (int t = 1; t < PFNLAB_MT_TYPES; t++)
				if (cnt[t] > cnt[mt])
					mt = t;
			for (int t = 1; t < MAP_KINDS; t++)
				if (kinds[t] > kinds[pk])
					pk = t;
			if (!present) {
				if (last_bg >= 0)
					sink_printf(s, "\x1b[0m");
				last_bg = last_fg = -1;
				sink_printf(s, " ");
				continue;
			}
			lvl = (int)((used * 4 + present - 1) / present);
			bg = o && o->kinds && used ? kind_ansi[pk] : mt_ansi[mt];
			fg = busy ? 201 : pinned ? 16 : cma ? 17 : 232;
			if (bg != last_bg || fg != last_fg)
				sink_printf(s, "\x1b[48;5;%dm\x1b[38;5;%dm", bg, fg);
			last_bg = bg;
			last_fg = fg;
			sink_printf(s, "%s", busy ? (pinned ? "P" : "!") : pinned ? "P" : lvl ? shade[lvl] : " ");
		}
		if (last_bg >= 0)
			sink_printf(s, "\x1b[0m");
		sink_printf(s, "\n");
	}
	sink_printf(s, "         ");
	for (int t = 0; t < PFNLAB_MT_TYPES; t++)
		sink_printf(s, "\x1b[48;5;%dm \x1b[0m %s ", mt_ansi[t], mt_name(m, t));
	if (o && o->kinds) {
		sink_printf(s, "\n        ");
		for (int t = 0; t < MAP_KINDS; t++)
			if (t != PFNLAB_PAGE_FREE && t != PFNLAB_PAGE_HOLE && strcmp(pfnlab_page_state_name(t), "?"))
				sink_printf(s, " \x1b[48;5;%dm \x1b[0m %s", kind_ansi[t], pfnlab_page_state_name(t));
	}
	sink_printf(s, "\n         P pinned  ! busy range\n");
	free(c);
	return 0;
}
