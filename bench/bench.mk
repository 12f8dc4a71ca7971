# Benchmarks: `make bench` builds and runs each bench/bench_*.c program.
BENCH_SRCS = $(wildcard bench/bench_*.c)
BENCH_BINS = $(patsubst %.c,$(O)/%,$(BENCH_SRCS))

$(O)/bench/bench_%: $(O)/bench/bench_%.o $(O)/libecoplan.a
	$(CC) $(OMP) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS_ALL)
