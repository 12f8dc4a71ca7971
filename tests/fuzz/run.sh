#!/bin/sh
# run.sh DIR SECONDS HARNESS...: runs each libFuzzer harness DIR/fuzz_H
# for SECONDS, one after the other (one core each), starting from the
# seeds in tests/fuzz/corpus/H. New inputs go to DIR/corpus/H, crashes,
# leaks and timeouts to DIR/artifacts/. Prints one line per harness and
# exits 1 when any harness found something.
set -u
dir=$1 secs=$2
shift 2
fail=0
mkdir -p "$dir/artifacts"
for h in "$@"; do
	mkdir -p "$dir/corpus/$h"
	log=$dir/fuzz_$h.log
	# -timeout: an input that takes over 10 s is a hang; -rss_limit_mb
	# and -malloc_limit_mb: over 1 GiB is runaway allocation.
	"$dir/fuzz_$h" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=65536 \
	    -print_final_stats=1 -artifact_prefix="$dir/artifacts/$h-" \
	    "$dir/corpus/$h" "tests/fuzz/corpus/$h" >"$log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$st" -eq 0 ]; then
		echo "fuzz: $h: ${secs}s, ${runs:-?} runs, clean"
	else
		fail=1
		echo "fuzz: $h: FAILED (status $st); see $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|[^ ]*runtime error)' "$log" |
		    head -n 5
		ls "$dir/artifacts/$h-"* 2>/dev/null
	fi
done
exit "$fail"
