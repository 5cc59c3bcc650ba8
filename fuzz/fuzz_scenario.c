/*
 * fuzz_scenario.c - libFuzzer target for the scenario language: any byte
 * string is parsed; one that parses and stays small (no loops, generators or
 * time) also runs, with the checker on, on a machine of at most 64 MiB of
 * model metadata.  A crash, a sanitizer report or a broken invariant is a bug.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scn_program *p;
	struct scn_opts o = {.policy = -1, .check = true, .host_limit_bytes = 64u << 20};
	struct scn_result r;
	char err[1024], *text;
	int rc;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (scn_parse("fuzz.scn", text, size, &p, err, sizeof(err))) {
		free(text);
		return 0;
	}
	if (!strstr(text, "repeat") && !strstr(text, "guests") && !strstr(text, "advance") &&
	    !strstr(text, "count=")) {
		rc = scn_run(p, &o, &r);
		if (rc == -EUCLEAN) {
			fprintf(stderr, "invariant broken: %s\n", r.error);
			abort();
		}
		scn_result_free(&r);
	}
	scn_free(p);
	free(text);
	return 0;
}
