/*
 * html.c - one self-contained HTML page (no scripts, fonts or anything
 * fetched from the network): headings, tables, inline SVG maps and time
 * series drawn as inline SVG line charts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Text with &, <, >, " escaped. */
void html_escape(const struct pfnlab_sink *s, const char *t)
{
	for (; *t; t++) {
		switch (*t) {
		case '&': sink_printf(s, "&amp;"); break;
		case '<': sink_printf(s, "&lt;"); break;
		case '>': sink_printf(s, "&gt;"); break;
		case '"': sink_printf(s, "&quot;"); break;
		default: s->write(s->arg, t, 1);
		}
	}
}

void html_begin(const struct pfnlab_sink *s, const char *title)
{
	sink_printf(s, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	html_escape(s, title);
	sink_printf(s, "</title>\n<style>\n"
		       "body{font-family:sans-serif;margin:16px;color:#222;background:#fff}\n"
		       "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}\n"
		       "th{background:#eee}td:first-child,th:first-child{text-align:left}\n"
		       ".row{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}\n"
		       ".fig{border:1px solid #ddd;padding:4px}\n"
		       ".map svg{max-width:640px;height:auto}\n"
		       "pre{background:#f6f6f6;padding:6px;overflow-x:auto}\n"
		       "</style></head><body>\n<h1>");
	html_escape(s, title);
	sink_printf(s, "</h1>\n");
}

void html_heading(const struct pfnlab_sink *s, int level, const char *text)
{
	sink_printf(s, "<h%d>", level);
	html_escape(s, text);
	sink_printf(s, "</h%d>\n", level);
}

void html_para(const struct pfnlab_sink *s, const char *text)
{
	sink_printf(s, "<p>");
	html_escape(s, text);
	sink_printf(s, "</p>\n");
}

void html_table(const struct pfnlab_sink *s, const char *const *cells, size_t nrows, size_t ncols)
{
	sink_printf(s, "<table>\n");
	for (size_t r = 0; r < nrows; r++) {
		sink_printf(s, "<tr>");
		for (size_t c = 0; c < ncols; c++) {
			sink_printf(s, r ? "<td>" : "<th>");
			html_escape(s, cells[r * ncols + c] ? cells[r * ncols + c] : "");
			sink_printf(s, r ? "</td>" : "</th>");
		}
		sink_printf(s, "</tr>\n");
	}
	sink_printf(s, "</table>\n");
}

/* A figure holding a map SVG produced earlier (trusted: our own output). */
void html_map(const struct pfnlab_sink *s, const char *caption, const char *svg)
{
	sink_printf(s, "<div class=\"fig map\"><div>");
	html_escape(s, caption);
	sink_printf(s, "</div>\n%s", "");
	s->write(s->arg, svg, strlen(svg));
	sink_printf(s, "</div>\n");
}

void html_row_begin(const struct pfnlab_sink *s)
{
	sink_printf(s, "<div class=\"row\">\n");
}

void html_row_end(const struct pfnlab_sink *s)
{
	sink_printf(s, "</div>\n");
}

static const char *const series_colour[] = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
					      "#e377c2", "#7f7f7f"};

/* A round step for an axis spanning @span in about 5 ticks. */
static double nice_step(double span)
{
	double p = pow(10, floor(log10(span > 0 ? span : 1))), r = span / p;

	return (r <= 1.5 ? 0.2 : r <= 3.5 ? 0.5 : r <= 7.5 ? 1 : 2) * p;
}

void html_chart(const struct pfnlab_sink *s, const char *title, const char *xlabel, const char *ylabel,
		const struct chart_series *ser, size_t nser)
{
	const int W = 560, H = 260, L = 64, R = 150, T = 28, B = 40;
	double xmin = INFINITY, xmax = -INFINITY, ymin = 0, ymax = -INFINITY, step;

	for (size_t i = 0; i < nser; i++)
		for (size_t k = 0; k < ser[i].n; k++) {
			xmin = fmin(xmin, ser[i].x[k]);
			xmax = fmax(xmax, ser[i].x[k]);
			ymax = fmax(ymax, ser[i].y[k]);
		}
	if (!isfinite(xmin)) {
		xmin = 0;
		xmax = 1;
	}
	if (xmax <= xmin)
		xmax = xmin + 1;
	if (!(ymax > ymin))
		ymax = ymin + 1;
	step = nice_step(ymax - ymin);
	ymax = ceil(ymax / step) * step;
	sink_printf(s, "<div class=\"fig chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		       "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		    W, H, W, H);
	sink_printf(s, "<text x=\"%d\" y=\"16\" font-size=\"13\">", L);
	html_escape(s, title);
	sink_printf(s, "</text>\n");
	for (double v = ymin; v <= ymax + step / 2; v += step) {
		double y = T + (H - T - B) * (1 - (v - ymin) / (ymax - ymin));

		sink_printf(s, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>"
			       "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			    L, y, W - R, y, L - 4, y + 4, v);
	}
	sink_printf(s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>", L, H - B, W - R, H - B);
	sink_printf(s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", L, T, L, H - B);
	sink_printf(s, "<text x=\"%d\" y=\"%d\" text-anchor=\"start\">%g</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%g</text>\n",
		    L, H - B + 14, xmin, W - R, H - B + 14, xmax);
	sink_printf(s, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (L + W - R) / 2, H - 8);
	html_escape(s, xlabel);
	sink_printf(s, "</text><text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">", (T + H - B) / 2,
		    (T + H - B) / 2);
	html_escape(s, ylabel);
	sink_printf(s, "</text>\n");
	for (size_t i = 0; i < nser; i++) {
		const char *col = series_colour[i % 8];

		sink_printf(s, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" points=\"", col, nser > 1 && i ? "1.5" : "2");
		for (size_t k = 0; k < ser[i].n; k++)
			sink_printf(s, "%.1f,%.1f ", L + (W - L - R) * (ser[i].x[k] - xmin) / (xmax - xmin),
				    T + (H - T - B) * (1 - (ser[i].y[k] - ymin) / (ymax - ymin)));
		sink_printf(s, "\"/>\n<rect x=\"%d\" y=\"%zu\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%zu\">",
			    W - R + 10, T + i * 16, col, W - R + 24, T + i * 16 + 9);
		html_escape(s, ser[i].name);
		sink_printf(s, "</text>\n");
	}
	sink_printf(s, "</svg></div>\n");
}

void html_pre(const struct pfnlab_sink *s, const char *text)
{
	sink_printf(s, "<pre>");
	html_escape(s, text);
	sink_printf(s, "</pre>\n");
}

void html_end(const struct pfnlab_sink *s)
{
	sink_printf(s, "<p style=\"color:#777\">pfnlab %s</p>\n</body></html>\n", PFNLAB_VERSION);
}
