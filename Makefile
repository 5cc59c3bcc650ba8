# pfnlab - build, test, benchmark.  `make help` lists the targets.
CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter -Wvla
CPPFLAGS := -Iinclude -Isrc/base -Isrc/core -Isrc/work -Isrc/input
LDLIBS  := -lpng -lm
# inputs (issue 6): compressed traces through liblzma, libzstd, zlib; trace-cmd .dat through libtracecmd
LDLIBS  += -llzma -lzstd -lz
TRACECMD_CFLAGS := $(shell pkg-config --cflags libtracecmd 2>/dev/null)
ifneq ($(TRACECMD_CFLAGS),)
CPPFLAGS += -DHAVE_LIBTRACECMD $(TRACECMD_CFLAGS)
LDLIBS  += $(shell pkg-config --libs libtracecmd)
endif

# every .c and .h below the layers' folders, sub-folders (src/work/scenario/, ...) included
LIB_SRC  := $(sort $(shell find src/base src/core src/report src/work src/input -name '*.c'))
CLI_SRC  := $(sort $(shell find src/cli -name '*.c'))
SRC_H    := $(sort $(shell find include src -name '*.h'))
TEST_SRC := $(wildcard tests/test_*.c)
TEST_MAIN := tests/test_main.c
TESTS    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(filter-out $(TEST_MAIN),$(TEST_SRC)))

LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
CLI_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))

.PHONY: all test check run deps asan bench instructions fuzz lint tidy valgrind clean help
all: $(BUILD)/pfnlab $(BUILD)/libpfnlab.a

$(BUILD)/%.o: %.c $(SRC_H) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c $< -o $@

$(BUILD)/libpfnlab.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/pfnlab: $(CLI_OBJ) $(BUILD)/libpfnlab.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libpfnlab.a $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/tests/test_main.o $(BUILD)/fuzz/ops.o $(BUILD)/libpfnlab.a $(SRC_H) $(wildcard tests/*.h fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(WARN) $(CFLAGS) -o $@ $< $(BUILD)/tests/test_main.o $(BUILD)/fuzz/ops.o $(BUILD)/libpfnlab.a $(LDLIBS)

## test: build and run every test (unit, reference model, CLI and golden files), TEST_JOBS at a time (default: the CPUs)
test: all $(TESTS) $(BUILD)/oracle/predict
	@sh tests/run.sh $(BUILD)

## check: install what is missing, then run the whole suite, then again under ASan+UBSan
check: deps
	$(MAKE) test
	$(MAKE) asan

## run: install what is missing, build, run the main job: the built-in seed scenario (pfnlab run)
run: deps all
	$(BUILD)/pfnlab run

deps:
	@sh scripts/deps.sh

## asan: the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
asan:
	$(MAKE) test BUILD=build-asan OPT=-O1 \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

## bench: the benchmarks the issues set targets for (pfnlab bench)
bench: $(BUILD)/pfnlab
	$(BUILD)/pfnlab bench

## instructions: instructions per allocator operation, model and floor, and per replayed event, under callgrind (bench/instructions.sh)
instructions: $(BUILD)/pfnlab
	sh bench/instructions.sh $(BUILD)

## fuzz: build the libFuzzer targets (clang) and run each for FUZZ_SECONDS (default 30);
## FUZZ_RUNS=N with FUZZ_SEED=S makes a run repeatable (CI); a crashing input is
## left in build-fuzz/ and printed in base64
FUZZ_SECONDS ?= 30
FUZZ_FLAGS := -max_total_time=$(FUZZ_SECONDS) -timeout=10 -artifact_prefix=build-fuzz/ \
  $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS)) $(if $(FUZZ_SEED),-seed=$(FUZZ_SEED))
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT=-O1 \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" build-fuzz/libpfnlab.a
	@mkdir -p build-fuzz/bin
	set -e; for t in $(FUZZ_TARGETS); do \
	  clang $(CPPFLAGS) -Ifuzz -O1 -g -fsanitize=fuzzer,address,undefined -o build-fuzz/bin/$$t \
	    fuzz/fuzz_$$t.c $$(ls fuzz/*.c | grep -v '/fuzz_') build-fuzz/libpfnlab.a $(LDLIBS); \
	  mkdir -p build-fuzz/corpus-$$t; \
	  build-fuzz/bin/$$t $(FUZZ_FLAGS) build-fuzz/corpus-$$t fuzz/corpus/$$t || { \
	    for c in build-fuzz/crash-* build-fuzz/timeout-* build-fuzz/leak-*; do \
	      [ -f "$$c" ] && { echo "$$c (base64):"; base64 -w0 "$$c"; echo; }; done; exit 1; }; \
	done

## valgrind: a representative subset of the suite under valgrind memcheck
VALGRIND_TESTS := test_gfp test_cma test_mm test_pgtable test_fault test_map test_compaction test_reclaim
valgrind: all $(patsubst %,$(BUILD)/tests/%,$(VALGRIND_TESTS))
	set -e; for t in $(VALGRIND_TESTS); do \
	  valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite $(BUILD)/tests/$$t; \
	done

## lint: cppcheck over the sources, tests, fuzz targets and examples (warnings are errors)
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 --inline-suppr \
	  --suppress=missingIncludeSystem -Iinclude -Isrc/base -Isrc/core -Isrc/work -Isrc/input -Isrc/report \
	  -Itests -Ifuzz src tests fuzz examples

## tidy: clang-tidy's static analyzer (clang-analyzer-*) over the sources, tests, fuzz targets, examples and oracle (warnings are errors)
CLANG_TIDY  ?= $(shell command -v clang-tidy-14 || command -v clang-tidy)
TIDY_JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
# every analyzer check but insecureAPI (memcpy, snprintf...), valist.Uninitialized, Padding and FloatLoopCounter
TIDY_CHECKS := -*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.*,-clang-analyzer-valist.Uninitialized,-clang-analyzer-optin.performance.Padding,-clang-analyzer-security.FloatLoopCounter
TIDY_SRC    := $(LIB_SRC) $(CLI_SRC) $(wildcard tests/*.c fuzz/*.c examples/*.c) $(wildcard oracle/predict/*.c)
tidy:
	@test -n "$(CLANG_TIDY)" || { echo "tidy: neither clang-tidy-14 nor clang-tidy is installed" >&2; exit 1; }
	@echo "$(CLANG_TIDY) over $(words $(TIDY_SRC)) files, $(TIDY_JOBS) at a time"
	@printf '%s\n' $(TIDY_SRC) | xargs -P$(TIDY_JOBS) -I{} $(CLANG_TIDY) --quiet --warnings-as-errors='*' \
	  -checks='$(TIDY_CHECKS)' {} -- -std=c11 -D_GNU_SOURCE $(CPPFLAGS) -Isrc/report -Itests -Ifuzz

# ---- the shared library and make install (issue 18) ------------------------------------------
# libpfnlab.so.MAJOR.MINOR (soname libpfnlab.so.MAJOR) is linked from PIC objects of its own
# ($(BUILD)/pic/), compiled with -fvisibility=hidden: it exports the functions of
# include/pfnlab.h and nothing else (src/libpfnlab.map).  libpfnlab.a, the command and the
# tests keep the plain objects and their internal functions.  The version is the header's.
VERSION_MAJOR := $(shell sed -n 's/^\#define PFNLAB_VERSION_MAJOR[ \t]*//p' include/pfnlab.h)
VERSION_MINOR := $(shell sed -n 's/^\#define PFNLAB_VERSION_MINOR[ \t]*//p' include/pfnlab.h)
VERSION_PATCH := $(shell sed -n 's/^\#define PFNLAB_VERSION_PATCH[ \t]*//p' include/pfnlab.h)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)
SONAME  := libpfnlab.so.$(VERSION_MAJOR)
SOFILE  := libpfnlab.so.$(VERSION_MAJOR).$(VERSION_MINOR)
PIC_OBJ := $(patsubst %.c,$(BUILD)/pic/%.o,$(LIB_SRC))

# The command's man pages and bash completion, generated from the CLI's option tables (src/cli/
# help.c): pfnlab(1), one pfnlab-CMD(1) per command, and the completion script.  CLI_COMMANDS is
# `pfnlab help`'s list (tests/cli/conventions.sh checks that they agree).
CLI_COMMANDS := machine run compare map sweep size-cma replay snapshot bench
MAN1 := $(BUILD)/man/pfnlab.1 $(patsubst %,$(BUILD)/man/pfnlab-%.1,$(CLI_COMMANDS))
MAN3 := docs/libpfnlab.3
MAN5 := docs/pfnlab-scenario.5
BASH_COMPLETION := $(BUILD)/pfnlab.bash
EXAMPLES := $(wildcard examples/*.scn examples/*.sweep examples/*.c)

all: $(BUILD)/libpfnlab.so $(BUILD)/$(SONAME) $(MAN1) $(BASH_COMPLETION)

$(BUILD)/pic/%.o: %.c $(SRC_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(BUILD)/$(SOFILE): $(PIC_OBJ) src/libpfnlab.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/libpfnlab.map \
	  -Wl,--no-undefined -o $@ $(PIC_OBJ) $(LDLIBS)

# the soname link (what ldconfig makes) and the link the linker finds with -lpfnlab
$(BUILD)/$(SONAME) $(BUILD)/libpfnlab.so: $(BUILD)/$(SOFILE)
	ln -sf $(SOFILE) $@

$(BUILD)/man/pfnlab.1: $(BUILD)/pfnlab
	@mkdir -p $(dir $@)
	$(BUILD)/pfnlab help --man > $@.tmp && mv $@.tmp $@

$(BUILD)/man/pfnlab-%.1: $(BUILD)/pfnlab
	@mkdir -p $(dir $@)
	$(BUILD)/pfnlab help --man $* > $@.tmp && mv $@.tmp $@

$(BUILD)/pfnlab.bash: $(BUILD)/pfnlab
	$(BUILD)/pfnlab help --completion > $@.tmp && mv $@.tmp $@

## install: the command, libpfnlab.so and .a, pfnlab.h and pfnlab/*.h, pfnlab.pc, man pages, examples (PREFIX=/usr/local, DESTDIR, LIBDIR...)
PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
DATADIR      ?= $(PREFIX)/share
MANDIR       ?= $(DATADIR)/man
DOCDIR       ?= $(DATADIR)/doc/pfnlab
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR  ?= $(DATADIR)/bash-completion/completions
INSTALL      ?= install

# the public headers: pfnlab.h includes each of include/pfnlab/*.h
PUBLIC_H     := $(sort $(wildcard include/pfnlab/*.h))

# everything install puts, and so everything uninstall removes
INSTALLED = $(BINDIR)/pfnlab $(LIBDIR)/$(SOFILE) $(LIBDIR)/$(SONAME) $(LIBDIR)/libpfnlab.so \
  $(LIBDIR)/libpfnlab.a $(INCLUDEDIR)/pfnlab.h $(addprefix $(INCLUDEDIR)/pfnlab/,$(notdir $(PUBLIC_H))) \
  $(PKGCONFIGDIR)/pfnlab.pc \
  $(addprefix $(MANDIR)/man1/,$(notdir $(MAN1))) $(MANDIR)/man3/$(notdir $(MAN3)) \
  $(MANDIR)/man5/$(notdir $(MAN5)) $(if $(BASH_COMPLETION),$(BASHCOMPDIR)/pfnlab) \
  $(addprefix $(DOCDIR)/examples/,$(notdir $(EXAMPLES)))

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/pfnlab $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m 755 $(BUILD)/pfnlab $(DESTDIR)$(BINDIR)/pfnlab
	$(INSTALL) -m 644 $(BUILD)/$(SOFILE) $(BUILD)/libpfnlab.a $(DESTDIR)$(LIBDIR)
	ln -sf $(SOFILE) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libpfnlab.so
	$(INSTALL) -m 644 include/pfnlab.h $(DESTDIR)$(INCLUDEDIR)
	$(INSTALL) -m 644 $(PUBLIC_H) $(DESTDIR)$(INCLUDEDIR)/pfnlab
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	  -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS_PRIVATE@|$(strip $(LDLIBS))|' src/pfnlab.pc.in \
	  > $(DESTDIR)$(PKGCONFIGDIR)/pfnlab.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/pfnlab.pc
	$(INSTALL) -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3
	$(INSTALL) -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	$(if $(BASH_COMPLETION),$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR) && \
	  $(INSTALL) -m 644 $(BASH_COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/pfnlab)
	$(INSTALL) -m 644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples

## uninstall: remove what install put (same PREFIX, DESTDIR, ... as the install)
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) $(DESTDIR)$(INCLUDEDIR)/pfnlab 2>/dev/null || true

.PHONY: install uninstall

## clean: remove build output
clean:
	rm -rf build build-asan build-fuzz build-me

## help: this list
help:
	@grep -E '^## ' Makefile | sed 's/^## /  make /'

## oracle: boot real kernels under QEMU, hold pfnlab against them, refresh oracle/results (root, minutes; not in CI)
oracle:
	bash oracle/run.sh

## oracle-check: pfnlab's predictions against the committed real-kernel results (seconds, no boot)
oracle-check: $(BUILD)/oracle/predict
	@PF=$(BUILD)/pfnlab sh tests/cli/oracle_check.sh

## oracle-tables: make every size's oracle/results table.txt again from its committed fixtures (a minute, no boot)
oracle-tables: $(BUILD)/oracle/predict
	@for d in oracle/results oracle/results/ram*; do \
	  set -- $$d/*/borrow.txt; [ -f "$$1" ] || continue; \
	  $(BUILD)/oracle/predict --known oracle/known-disagreements.txt --out $$d/table.txt $$(dirname $$@) >/dev/null; \
	  [ $$? -le 1 ] || { echo "oracle-tables: predict failed on $$d" >&2; exit 1; }; \
	  echo "$$d/table.txt: $$(sed -n 's/^summary: //p' $$d/table.txt | tr '\n' ' ')"; \
	done

oracle-predict: $(BUILD)/oracle/predict

PREDICT_SRC := $(wildcard oracle/predict/*.c)
$(BUILD)/oracle/predict: $(PREDICT_SRC) $(wildcard oracle/predict/*.h) $(BUILD)/libpfnlab.a include/pfnlab.h $(PUBLIC_H)
	@mkdir -p $(dir $@)
	$(CC) -Iinclude $(WARN) $(CFLAGS) -o $@ $(PREDICT_SRC) $(BUILD)/libpfnlab.a $(LDLIBS)

.PHONY: oracle oracle-check oracle-predict oracle-tables
