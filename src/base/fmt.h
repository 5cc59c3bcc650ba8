/*
 * fmt.h - formatted text, the two ways the library writes it: to a
 * struct pfnlab_sink in one write, and into a caller's reason buffer
 * (why, len).  Every layer uses it, the core included; it knows no model,
 * holds no state and does no I/O of its own.
 */
#ifndef PFNLAB_FMT_H
#define PFNLAB_FMT_H

#include <stdarg.h>
#include <stddef.h>

#include "pfnlab.h"

/* Formatted text to @s in one write; text past 1023 bytes is cut. */
void sink_printf(const struct pfnlab_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sink_vprintf(const struct pfnlab_sink *s, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* A reason into @why (may be NULL) of @len bytes; returns 0 so callers can `return set_why(...), -EINVAL;`. */
int set_why(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * @str (@len bytes, any bytes) as a JSON string to @s, quotes included;
 * bytes that are not well-formed UTF-8 become \ufffd: always valid JSON.
 */
void json_string(const struct pfnlab_sink *s, const char *str, size_t len);

#endif /* PFNLAB_FMT_H */
