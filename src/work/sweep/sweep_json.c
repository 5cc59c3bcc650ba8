/*
 * sweep_json.c - a JSON object flattened into dotted leaf keys
 * ("hpt.failed" = 2): how rows are read back, for the CSV columns, the
 * statistics and the target.  Arrays are skipped; strings are kept up to
 * 255 bytes.  Pure: no files.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

struct jp {
	const char *p, *end;
	struct sweep_kv *kv;
	size_t max, n;
	int depth;
	bool big;
};

static void jws(struct jp *j)
{
	while (j->p < j->end && isspace((unsigned char)*j->p))
		j->p++;
}

/* A string into @out (may be NULL), truncated to @size. */
static int jstr(struct jp *j, char *out, size_t size)
{
	size_t n = 0;

	if (j->p >= j->end || *j->p != '"')
		return -EINVAL;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;

		if (c == '\\') {
			if (j->p >= j->end)
				return -EINVAL;
			c = *j->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned v = 0;

				for (int k = 0; k < 4; k++, j->p++) {
					if (j->p >= j->end || !isxdigit((unsigned char)*j->p))
						return -EINVAL;
					v = v * 16 + (unsigned)(isdigit((unsigned char)*j->p) ? *j->p - '0' : (tolower(*j->p) - 'a' + 10));
				}
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			default: break;
			}
		}
		if (out && n + 1 < size)
			out[n++] = c;
	}
	if (j->p >= j->end)
		return -EINVAL;
	j->p++;
	if (out && size)
		out[n] = 0;
	return 0;
}

static int jvalue(struct jp *j, const char *prefix);

static int jobject(struct jp *j, const char *prefix)
{
	if (++j->depth > 32)
		return -EINVAL;
	j->p++;
	jws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		char key[64], path[64];
		int rc;

		jws(j);
		if (jstr(j, key, sizeof(key)))
			return -EINVAL;
		jws(j);
		if (j->p >= j->end || *j->p != ':')
			return -EINVAL;
		j->p++;
		jws(j);
		snprintf(path, sizeof(path), "%.31s%s%.31s", prefix, *prefix ? "." : "", key);
		rc = jvalue(j, path);
		if (rc)
			return rc;
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			j->depth--;
			return 0;
		}
		return -EINVAL;
	}
}

static struct sweep_kv *jleaf(struct jp *j, const char *path)
{
	if (j->n == j->max) {
		j->big = true;
		return NULL;
	}
	snprintf(j->kv[j->n].key, sizeof(j->kv[0].key), "%s", path);
	j->kv[j->n].str[0] = 0;
	j->kv[j->n].num = NAN;
	j->kv[j->n].is_num = false;
	return &j->kv[j->n++];
}

static int jvalue(struct jp *j, const char *path)
{
	struct sweep_kv *kv;

	if (j->p >= j->end)
		return -EINVAL;
	switch (*j->p) {
	case '{':
		return jobject(j, path);
	case '[': {
		int depth = 0;
		bool str = false;

		for (; j->p < j->end; j->p++) {
			if (str) {
				if (*j->p == '\\')
					j->p++;
				else if (*j->p == '"')
					str = false;
			} else if (*j->p == '"') {
				str = true;
			} else if (*j->p == '[' || *j->p == '{') {
				depth++;
			} else if ((*j->p == ']' || *j->p == '}') && --depth == 0) {
				j->p++;
				return 0;
			}
		}
		return -EINVAL;
	}
	case '"':
		kv = jleaf(j, path);
		return jstr(j, kv ? kv->str : NULL, kv ? sizeof(kv->str) : 0);
	default: {
		char *end;
		double v;

		if (j->end - j->p >= 4 && (!strncmp(j->p, "true", 4) || !strncmp(j->p, "null", 4))) {
			kv = jleaf(j, path);
			if (kv && *j->p == 't') {
				kv->is_num = true;
				kv->num = 1;
			}
			j->p += 4;
			return 0;
		}
		if (j->end - j->p >= 5 && !strncmp(j->p, "false", 5)) {
			kv = jleaf(j, path);
			if (kv) {
				kv->is_num = true;
				kv->num = 0;
			}
			j->p += 5;
			return 0;
		}
		if (!(*j->p == '-' || isdigit((unsigned char)*j->p)))
			return -EINVAL;
		v = strtod(j->p, &end);
		if (end > j->end || end == j->p)
			return -EINVAL;
		j->p = end;
		kv = jleaf(j, path);
		if (kv) {
			kv->is_num = true;
			kv->num = v;
		}
		return 0;
	}
	}
}

int sweep_json_flat(const char *json, size_t len, struct sweep_kv *kv, size_t max, size_t *n)
{
	struct jp j = {json, json + len, kv, max, 0, 0, false};
	int rc;

	*n = 0;
	jws(&j);
	if (j.p >= j.end || *j.p != '{')
		return -EINVAL;
	rc = jobject(&j, "");
	*n = j.n;
	if (rc)
		return rc;
	jws(&j);
	if (j.p != j.end)
		return -EINVAL;
	return j.big ? -E2BIG : 0;
}

/* The leaf @key among @n leaves, or NULL. */
const struct sweep_kv *sweep_kv_find(const struct sweep_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return &kv[i];
	return NULL;
}
