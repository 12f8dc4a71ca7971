# ecoplan: GNU Makefile. See README.md; `make help` lists the targets.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
O      ?= build
# The binary: ./ecoplan from the default build folder, inside any other
# (so that a second build, with another CC or the sanitizers, does not
# replace the first one's).
BIN    ?= $(if $(filter build,$(O)),ecoplan,$(O)/ecoplan)

PKG_CONFIG ?= pkg-config
# libcurl's headers only: ci-data/curl.c loads the library when a command
# first fetches, so that the others do not pay for loading it.
PKGS     = libcurl libcjson
LIB_PKGS = libcjson
GSL_LIBS ?= -lgsl -lopenblas -lm
CSV_LIBS ?= -lcsv
OMP      ?= -fopenmp
CFLAGS   ?= -O2 -g

WARN = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wvla -Wpointer-arith \
       -Wcast-qual -Wundef -Wnull-dereference -Wdouble-promotion \
       -Wimplicit-fallthrough
ifneq ($(DEVELOPER)$(CI),)
WARN += -Werror
endif
# clang reports every "#pragma omp simd" loop it leaves scalar; that is
# an optimisation note, not a defect. GCC's -O2 vectorises only loops
# that need no run-time check that their arrays do not overlap, and most
# of the models' element-wise loops need one; -fno-math-errno (below)
# lets it vectorise sqrtf, and -fno-trapping-math loops that choose by a
# float comparison (LeakyReLU's z > 0 ? z : 0.2 z stayed a branch a
# value: ecoplan reads no floating-point exception flags). None of these
# reorders a sum or changes a value: there is no -ffast-math, and
# results are bit-identical (bench/RESULTS.md, 10 and 46).
ifneq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
WARN += -Wno-pass-failed
else
VECT = -fvect-cost-model=dynamic
endif

ALL_CPPFLAGS = -I. -I$(O) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
               $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(CPPFLAGS)
ALL_CFLAGS   = -std=c11 -fno-math-errno -fno-trapping-math $(VECT) $(WARN) $(OMP) $(CFLAGS) $(SAN)
LIBS_ALL     = $(shell $(PKG_CONFIG) --libs $(LIB_PKGS) 2>/dev/null) \
               $(GSL_LIBS) $(CSV_LIBS) -lpthread -ldl

# Debian packages: to build, to test (check, lint-man), to sanitize.
DEPS_BUILD = gcc make pkg-config libgsl-dev libcsv-dev libcurl4-openssl-dev \
             libcjson-dev libopenblas-dev
DEPS_TEST  = libcmocka-dev mandoc python3
DEPS_SAN   = clang libomp-dev libclang-rt-14-dev

LIB_SRCS = $(wildcard core/*.c calc/*.c models/*.c profiles/*.c ci-data/*.c) \
           $(filter-out cli/main.c,$(wildcard cli/*.c))
LIB_OBJS = $(LIB_SRCS:%.c=$(O)/%.o) $(O)/embed_data.o
TESTS    = $(patsubst %.c,$(O)/%,$(wildcard tests/test_*.c))
MAN1     = $(wildcard man/*.1)
MAN5     = $(wildcard man/*.5)
MAN7     = $(wildcard man/*.7)

# Data compiled into the binary, as NAME=PATH (see core/embed.h).
EMBED_FILES = $(wildcard ci-data/data/*.csv) ci-data/data/ATTRIBUTION \
              $(wildcard profiles/data/*.csv) profiles/data/ATTRIBUTION \
              profiles/data/LICENSE.codecarbon
embed_name = $(patsubst %/data/,%,$(dir $(1)))/$(notdir $(1))

all: $(BIN)

# Objects are rebuilt when the compile command changes (a flag edited in
# this file, another CC, CFLAGS or SAN): $(O)/.cflags holds the last one.
# Expanded once here, so that no target-specific value leaks into it.
CFLAGS_LINE := $(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS)
$(O)/.cflags: FORCE
	@mkdir -p $(@D)
	@echo '$(CFLAGS_LINE)' | cmp -s - $@ || echo '$(CFLAGS_LINE)' >$@
FORCE:

$(O)/%.o: %.c $(O)/.cflags
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/tools/embedgen: tools/embedgen.c
	@mkdir -p $(@D)
	$(CC) -O1 -o $@ $<

$(O)/embed_data.c: $(O)/tools/embedgen $(EMBED_FILES) Makefile
	$(O)/tools/embedgen $@ $(foreach f,$(EMBED_FILES),$(call embed_name,$(f))=$(f))

# Generated code: a data table, exempt from the pedantic warnings.
$(O)/embed_data.o: $(O)/embed_data.c $(O)/.cflags
	$(CC) $(ALL_CPPFLAGS) -std=c11 $(CFLAGS) $(SAN) -c -o $@ $<

$(O)/libecoplan.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(O)/cli/main.o $(O)/libecoplan.a
	@mkdir -p $(@D)
	$(CC) $(OMP) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS_ALL) $(LDLIBS)

$(O)/tests/%.o: ALL_CPPFLAGS += $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
$(O)/tests/test_%: $(O)/tests/test_%.o $(O)/libecoplan.a
	$(CC) $(OMP) $(SAN) $(LDFLAGS) -o $@ $^ \
	    $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null) $(LIBS_ALL)

tests: $(BIN) $(TESTS)

# The test suite: unit tests, then the command-line tests. Each runner
# prints its summary; the last line is the total over all of them.
test: tests lint-man
	@sh tests/run.sh $(BIN) $(TESTS)

deps:
	@sh tools/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

deps-san:
	@sh tools/deps.sh $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_SAN)

# The README's two commands: each installs what it needs first.
check: deps
	@$(MAKE) --no-print-directory test

demo: deps
	@$(MAKE) --no-print-directory all
	sh tools/demo.sh $(if $(findstring /,$(BIN)),$(BIN),./$(BIN))

lint-man:
	mandoc -Tlint -W warning $(MAN1) $(MAN5) $(MAN7)

sanitize: deps-san
	@CLI_ASAN_OPTIONS=detect_leaks=0 \
	    $(MAKE) --no-print-directory O=build-san BIN=build-san/ecoplan \
	    CC=clang test \
	    SAN='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -Wno-pass-failed'

# Fuzzing: one libFuzzer harness per parser (tests/fuzz/fuzz_*.c), built
# with clang into build-fuzz/ and run FUZZ_SECONDS each, one at a time.
FUZZ_SECONDS ?= 60
FUZZ_DATA    = data_atomic data_udata data_ml1m data_csv data_presplit
FUZZ_HARNESS = $(FUZZ_DATA) profile codecarbon ci_uk ci_em ci_wt region num
FUZZ_SAN     = -fsanitize=fuzzer-no-link,address,undefined \
               -fno-sanitize-recover=all -fno-omit-frame-pointer -Wno-pass-failed
FUZZ_BINS    = $(FUZZ_HARNESS:%=$(O)/fuzz_%)

$(O)/tests/fuzz/fuzz_data_%.o: tests/fuzz/fuzz_data.c $(O)/.cflags
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(FUZZ_DEFS) -MMD -MP -c -o $@ $<
$(O)/tests/fuzz/fuzz_data_atomic.o: FUZZ_DEFS = -DFUZZ_NAME='"f.inter"'
$(O)/tests/fuzz/fuzz_data_udata.o: FUZZ_DEFS = -DFUZZ_NAME='"u.data"'
$(O)/tests/fuzz/fuzz_data_ml1m.o: FUZZ_DEFS = -DFUZZ_NAME='"ratings.dat"'
$(O)/tests/fuzz/fuzz_data_csv.o: FUZZ_DEFS = -DFUZZ_NAME='"f.csv"'
$(O)/tests/fuzz/fuzz_data_presplit.o: FUZZ_DEFS = -DFUZZ_SPLIT
$(O)/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(O)/libecoplan.a
	$(CC) $(OMP) $(SAN) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(LIBS_ALL)

fuzz-build: $(FUZZ_BINS)

fuzz: deps-san
	@$(MAKE) --no-print-directory O=build-fuzz CC=clang SAN='$(FUZZ_SAN)' \
	    fuzz-build
	@sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_HARNESS)

# The command-line tests with every ecoplan run under valgrind's
# memcheck: any memory error or definite leak fails the run (status 99).
# The tests that train models (profile, train, crash, man_examples) are
# left out: under valgrind they take tens of minutes; the sanitizer run
# covers them. OpenMP runs one thread, which keeps valgrind fast and
# free of the runtime's thread-pool noise.
MEMCHECK_TESTS ?= badinput ci compare datasets main measure plan rank \
                  schedule
VALGRIND ?= valgrind -q --error-exitcode=99 --leak-check=full \
            --show-leak-kinds=definite --errors-for-leak-kinds=definite

memcheck: $(BIN)
	@sh tools/deps.sh valgrind
	@OMP_NUM_THREADS=1 ECOPLAN_WRAPPER='$(VALGRIND)' \
	    CLI_TESTS='$(MEMCHECK_TESTS)' sh tests/run.sh $(BIN)

include bench/bench.mk

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@for b in $(BENCH_BINS); do ./$$b || exit 1; done

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/ecoplan
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	$(if $(MAN5),install -d $(DESTDIR)$(MANDIR)/man5 && install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN7),install -d $(DESTDIR)$(MANDIR)/man7 && install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ecoplan
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))

clean:
	rm -rf build build-san build-fuzz ecoplan

help:
	@echo "targets: all demo check test sanitize fuzz memcheck lint-man bench install uninstall clean deps"

.PHONY: FORCE all tests test deps deps-san check demo lint-man sanitize fuzz \
        fuzz-build memcheck bench \
        install uninstall clean help
.SECONDARY:
.DELETE_ON_ERROR:
-include $(shell find $(O) -name '*.d' 2>/dev/null)
