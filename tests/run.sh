#!/bin/sh
# run.sh BIN TEST...: runs the cmocka unit-test binaries, then every
# tests/cli/*.sh against BIN, and prints one closing line over all of
# them: "total: N passed, N failed, N skipped", after a list of what
# failed (so that the end of a long log names it). Exits 1 on any failure.
#
# ECOPLAN_WRAPPER, when set, is a command put in front of every run of
# BIN by the command-line tests (e.g. "valgrind --error-exitcode=99 ...";
# see .ci/run). CLI_TESTS, when set, names the tests/cli scripts to run
# (basenames without .sh) instead of all of them.
set -u
bin=$1
shift
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
pass=0 fail=0 skip=0
log=$(mktemp)
failed=$(mktemp)
wrap=
trap 'rm -f "$log" "$failed" ${wrap:+"$wrap"}' EXIT INT TERM
if [ -n "${ECOPLAN_WRAPPER:-}" ]; then
	# A script, so that tests which run "$ECOPLAN" directly are
	# wrapped too.
	wrap=$(mktemp)
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$ECOPLAN_WRAPPER" "$bin" \
	    >"$wrap"
	chmod +x "$wrap"
	bin=$wrap
fi

for t in "$@"; do
	"./$t" >"$log" 2>&1
	st=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
	skip=$((skip + ${s:-0}))
	sed -n "s|^\[  FAILED  \] \([a-z_].*\)|$t: \1|p" "$log" >>"$failed"
	if [ "$st" -ne 0 ] && [ -z "$f" ]; then
		echo "$t: exited with status $st"
		echo "$t: exited with status $st" >>"$failed"
		fail=$((fail + 1))
	fi
done

for s in tests/cli/*.sh; do
	[ "$(basename "$s")" = lib.sh ] && continue
	case " ${CLI_TESTS:-$(basename "$s" .sh)} " in
	*" $(basename "$s" .sh) "*) ;;
	*) continue ;;
	esac
	# Under the sanitizers, LeakSanitizer's tracer has been seen to crash
	# ("Tracer caught signal 11") when a CLI process with OpenMP worker
	# threads exits; leaks are checked by the unit tests, so the CLI
	# runs keep ASan and UBSan but not leak detection.
	ECOPLAN=$bin ASAN_OPTIONS=${CLI_ASAN_OPTIONS:-${ASAN_OPTIONS:-}} \
	    sh "$s" >"$log" 2>&1
	st=$?
	cat "$log"
	line=$(grep -E '^[a-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	k=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
	skip=$((skip + ${k:-0}))
	sed -n "s|^FAIL: |$s: |p" "$log" >>"$failed"
	if [ "$st" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "$s: exited with status $st"
		echo "$s: exited with status $st" >>"$failed"
		fail=$((fail + 1))
	fi
done

if [ -s "$failed" ]; then
	echo "failed:"
	sed 's/^/  /' "$failed"
fi
echo "total: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
