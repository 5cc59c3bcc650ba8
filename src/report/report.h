/*
 * report.h - printers of the report layer shared between its files.
 */
#ifndef PFNLAB_REPORT_H
#define PFNLAB_REPORT_H

#include "model.h"

void show_cma(const struct pfnlab_machine *m, const struct pfnlab_sink *s);
void show_cma_bitmap(const struct pfnlab_machine *m, const struct pfnlab_sink *s);

#endif
