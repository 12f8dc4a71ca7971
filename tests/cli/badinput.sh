# The bad-input matrix: every option of every command, from the table in
# badinput.table, given invalid values generated from its kind. Each must
# fail with an "ecoplan: " message and exit status 2: never a crash,
# never a hang, never success. A command option missing from the table
# fails the test, so that a new option cannot be forgotten.
. "$(dirname "$0")/lib.sh"
table=$(dirname "$0")/badinput.table
export ECOPLAN_HOME="$T_DIR/home"
# Nothing here may reach the network.
export ECOPLAN_UK_API_URL=http://127.0.0.1:1
export ECOPLAN_ELECTRICITYMAPS_API_URL=http://127.0.0.1:1
export ECOPLAN_WATTTIME_API_URL=http://127.0.0.1:1
export ECOPLAN_HTTP_TIMEOUT=1s ECOPLAN_HTTP_BACKOFF=10ms
unset ECOPLAN_REGION ECOPLAN_DATA_DIR

# values KIND: the invalid values of a kind, one a line ("" is empty).
values() {
	case $1 in
	count) printf '%s\n' '' -1 nan inf 1e999 99999999999999999999 5x \
	    1.5 ' 5' '5 ' 0x10 ;;
	real) printf '%s\n' '' -1 nan inf -inf 1e999 5x '1,5' ' 1' ;;
	fraction) printf '%s\n' '' -0.1 nan inf 1e999 1.5 5x ;;
	atleast1) printf '%s\n' '' 0 0.5 -1 nan inf 1e999 5x ;;
	pue) printf '%s\n' '' -1 0.5 nan inf 1e999 5x ;;
	rate) printf '%s\n' '' -1 nan inf 1e999 5/parsec 5x 5/s/s \
	    99999999999999999999/fortnightz ;;
	range) printf '%s\n' '' 0..5 10..1 nan..5 1..inf 1..1e999 -1..5 1..5x \
	    1.. ..5 1...5 ;;
	duration) printf '%s\n' '' -1h nanh infh 1e999h 5parsec 5hx h \
	    99999999999999999999y ;;
	cadence) printf '%s\n' '' -1 nan inf 1e999/yr frob 5x 0h -1d ;;
	cadencelist) printf '%s\n' '' , frob weekly, weekly,nan -1 \
	    weekly,,daily 1e999/yr ;;
	intensity) printf '%s\n' '' -1 nan inf 1e999 5kg/parsec 5x ;;
	power) printf '%s\n' '' -5 nan inf 1e999 5V 5Wx ;;
	batchlist) printf '%s\n' '' , 0 -1 nan 1e999 99999999999999999999 \
	    1,x 1,,2 1, ;;
	metrics) printf '%s\n' '' , frob mrr,frob ndcg@0 ndcg@x \
	    ndcg@99999999999999999999 mrr+ ;;
	enum) printf '%s\n' '' frob FROB-9 ;;
	set) printf '%s\n' '' colour=red =1 embedding_size= embedding_size=nan \
	    embedding_size=1e999 embedding_size=-1 \
	    embedding_size=99999999999999999999 embedding_size \
	    embedding_size=64x ;;
	dataset) printf '%s\n' '' synthetic:frob=1 synthetic:users=nan \
	    synthetic:users=1e999 synthetic:users=-1 \
	    synthetic:users=99999999999999999999 synthetic:users \
	    synthetic:users=5x train=a ;;
	split) printf '%s\n' '' kfold rs:frob 'rs:0.8:0.1' loo:x ;;
	region) printf '%s\n' '' frob-nowhere uk:99 uk:0 em: aws: wt: ;;
	profileset) printf '%s\n' '' ref:frob ;;
	name) printf '%s\n' '' ;;
	regex) printf '%s\n' '' '(' '[' ;;
	file) printf '%s\n' '' ;;
	*) echo "badinput.table: unknown kind '$1'" >&2; return 1 ;;
	esac
}

# base CMD: sets pre and post, the arguments around the option.
base() {
	line=$(sed -n "s/^base  *$1  *//p" "$table")
	pre=${line%%|*}
	post=${line#*|}
}

# Under a wrapper such as valgrind (tests/run.sh's ECOPLAN_WRAPPER) a run
# takes seconds: only every fifth case runs then, a different fifth for
# each option kind's values, which still passes through every command.
every=1
[ -n "${ECOPLAN_WRAPPER:-}" ] && every=${BADINPUT_EVERY:-5}
case_no=0

# try NAME CMD VALUE-WORDS...: runs and checks exit 2 and a message.
try() {
	tname=$1
	shift
	case_no=$((case_no + 1))
	[ $((case_no % every)) -eq 0 ] || return 0
	timeout 60 "$ECOPLAN" "$@" >"$T_DIR/out" 2>"$T_DIR/err" </dev/null
	got=$?
	why=
	[ "$got" -eq 2 ] || why="exit status $got, want 2"
	grep -Eq '^ecoplan: [^ ].*' "$T_DIR/err" ||
	    why="$why${why:+; }no 'ecoplan: ' message"
	if [ -z "$why" ]; then
		T_PASS=$((T_PASS + 1))
	else
		T_FAIL=$((T_FAIL + 1))
		echo "FAIL: $tname: $why"
		echo "  command: ecoplan $*"
		sed 's/^/  stderr: /' "$T_DIR/err" | head -n 5
	fi
}

grep -v '^#' "$table" | grep -v '^base ' | grep -v '^$' >"$T_DIR/rows"
while read -r cmd opt kind; do
	base "$cmd"
	words=$(echo "$cmd" | tr . ' ')
	if [ "$kind" = flag ]; then
		# shellcheck disable=SC2086
		try "$cmd $opt=x" $words $pre "$opt=x" $post
		continue
	fi
	# The value missing at the end of the line.
	# shellcheck disable=SC2086
	try "$cmd $opt missing" $words $pre "$opt"
	values "$kind" >"$T_DIR/values" || { T_FAIL=$((T_FAIL + 1)); continue; }
	while IFS= read -r v; do
		# shellcheck disable=SC2086
		try "$cmd $opt '$v'" $words $pre "$opt" "$v" $post
	done <"$T_DIR/values"
done <"$T_DIR/rows"

# Completeness: every option in each command's usage (its SYNOPSIS; -h
# aside, which every command takes) has a row.
for cmd in $("$ECOPLAN" --help | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
	[ "$cmd" = help ] && continue
	for o in $("$ECOPLAN" "$cmd" -h | sed -n '/^usage:/p; /^   /p' |
	    grep -oE '[[ ]-(-[a-z][a-z-]*|[a-z])' | tr -d '[ ' | sort -u); do
		if ! grep -Eq "^$cmd(\.[a-z]+)? +$o +" "$table"; then
			T_FAIL=$((T_FAIL + 1))
			echo "FAIL: $cmd $o: no line in badinput.table"
		else
			T_PASS=$((T_PASS + 1))
		fi
	done
done

done_testing
