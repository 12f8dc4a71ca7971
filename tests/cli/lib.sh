# Shared helpers for the command-line tests (sourced, POSIX sh).
#
#   ok NAME STATUS OUT ERR -- ARG...
#
# runs "$ECOPLAN ARG..." and checks its exit status, stdout and stderr.
# OUT and ERR are extended regular expressions that must match some line
# of the stream; "" means the stream must be empty and "-" accepts
# anything. Every failure prints what was expected and what came. Each
# script ends with "done_testing", which prints "NAME: N passed, N
# failed, N skipped" and sets the exit status.

: "${ECOPLAN:=./ecoplan}"
T_PASS=0
T_FAIL=0
T_SKIP=0
T_NAME=$(basename "$0" .sh)
T_DIR=$(mktemp -d)
trap 'rm -rf "$T_DIR"' EXIT INT TERM

# match STREAM_FILE PATTERN: does the stream satisfy the pattern?
match() {
	case $2 in
	-) return 0 ;;
	"") [ ! -s "$1" ] ;;
	*) grep -Eq -- "$2" "$1" ;;
	esac
}

ok() {
	name=$1 want=$2 out=$3 err=$4
	shift 5
	"$ECOPLAN" "$@" >"$T_DIR/out" 2>"$T_DIR/err" </dev/null
	got=$?
	why=
	[ "$got" -eq "$want" ] || why="exit status $got, want $want"
	match "$T_DIR/out" "$out" || why="$why${why:+; }stdout does not match '$out'"
	match "$T_DIR/err" "$err" || why="$why${why:+; }stderr does not match '$err'"
	if [ -z "$why" ]; then
		T_PASS=$((T_PASS + 1))
	else
		T_FAIL=$((T_FAIL + 1))
		echo "FAIL: $name: $why"
		echo "  command: ecoplan $*"
		sed 's/^/  stdout: /' "$T_DIR/out" | head -n 20
		sed 's/^/  stderr: /' "$T_DIR/err" | head -n 20
	fi
}

# check NAME COMMAND...: a free-form test that passes when COMMAND does.
check() {
	name=$1
	shift
	if "$@"; then
		T_PASS=$((T_PASS + 1))
	else
		T_FAIL=$((T_FAIL + 1))
		echo "FAIL: $name"
	fi
}

# same_usage CMD: is "ecoplan CMD -h" the SYNOPSIS of ecoplan-CMD(1)?
# (git's t0450 check). Overstrike bold is stripped from mandoc's output.
same_usage() {
	page=$(dirname "$0")/../../man/ecoplan-$1.1
	syn=$(mandoc -Tascii -Owidth=400 "$page" |
	    sed 's/.\x08//g' | sed -n '/^SYNOPSIS/{n;p;}' | sed 's/^ *//')
	use=$("$ECOPLAN" "$1" -h | sed 's/^usage: //')
	[ -n "$syn" ] && [ "$syn" = "$use" ] && return 0
	echo "  SYNOPSIS: $syn"
	echo "  usage:    $use"
	return 1
}

skip() {
	T_SKIP=$((T_SKIP + 1))
	echo "SKIP: $1"
}

done_testing() {
	echo "$T_NAME: $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" -eq 0 ]
}
