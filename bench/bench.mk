# Benchmarks: `make bench` builds and runs each bench/bench_*.c program,
# bench_perf first (machine limits, every model, the planner; see
# README.md for BENCH_QUICK and BENCH_JSON), then the others.
BENCH_SRCS = bench/bench_perf.c $(filter-out bench/bench_perf.c,$(wildcard bench/bench_*.c))
BENCH_BINS = $(patsubst %.c,$(O)/%,$(BENCH_SRCS))

$(O)/bench/bench_%: $(O)/bench/bench_%.o $(O)/libecoplan.a
	$(CC) $(OMP) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS_ALL)

# The profiling driver of bench/RESULTS.md (not run by `make bench`).
$(O)/bench/callgrind_driver: $(O)/bench/callgrind_driver.o $(O)/libecoplan.a
	$(CC) $(OMP) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS_ALL)
