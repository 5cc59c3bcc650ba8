/*
 * test_main.c - runs the tests of one test program: silent on success
 * apart from a closing "name: N passed, N failed" line, -v prints a line
 * per test, an argument selects tests by name.
 */
#include "test.h"

int test_verbose;
int test_failed_checks;
const char *test_variant;

int test_main(int argc, char **argv, const struct test_entry *tests, size_t n)
{
	const char *only = NULL;
	int passed = 0, failed = 0;
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			test_verbose = 1;
		else
			only = argv[i];
	}
	for (size_t i = 0; i < n; i++) {
		int before = test_failed_checks;

		if (only && strcmp(only, tests[i].name) != 0)
			continue;
		test_variant = NULL;
		tests[i].fn();
		if (test_failed_checks == before) {
			passed++;
			if (test_verbose)
				printf("ok   %s\n", tests[i].name);
		} else {
			failed++;
			printf("FAIL %s\n", tests[i].name);
		}
	}
	printf("%s: %d passed, %d failed\n", prog, passed, failed);
	return failed ? 1 : 0;
}
