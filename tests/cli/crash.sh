# Crash safety of the profile store: "ecoplan profile" killed with
# SIGKILL at random moments never leaves a damaged or missing profile,
# and two processes writing one store at once lose nothing.
. "$(dirname "$0")/lib.sh"
export ECOPLAN_HOME="$T_DIR/home"
ds=synthetic:users=60,items=40,inters=300,seed=3
quick="--epochs 1 --repeat 1 --batch 1 --meter estimate"
kills=${CRASH_KILLS:-30}

ok "first profile" 0 - - -- profile -d "$ds" $quick pop
store=$(ls -d "$ECOPLAN_HOME"/data/profiles/*/)
pfile=pop--synthetic_users_60_items_40_inters_300_seed_3.json

# every_file_parses: each *.json of the store (history too) is complete
# JSON, "profiles list" reads them all, and no temporary file is listed.
every_file_parses() {
	python3 - "$store" <<'PY' || return 1
import json, os, sys
bad = 0
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith(".json"):
            try:
                with open(os.path.join(root, f)) as fh:
                    json.load(fh)
            except Exception as e:
                print("  %s: %s" % (f, e))
                bad = 1
sys.exit(bad)
PY
	"$ECOPLAN" profiles list >"$T_DIR/list" 2>&1 || return 1
	! grep -Eq 'unreadable|\.tmp' "$T_DIR/list" || { cat "$T_DIR/list"; return 1; }
	[ -s "$store/$pfile" ] || { echo "  $pfile is gone"; return 1; }
}

# Kill at random points between 0 and 2 s into a run (one run takes
# about 1.5 s here, longer under the sanitizers: the kills then fall
# earlier in it, which is still a spread over its phases).
seed=${CRASH_SEED:-$$}
echo "crash: seed $seed, $kills kills"
i=0 bad=0
while [ "$i" -lt "$kills" ]; do
	i=$((i + 1))
	delay=$(awk -v s="$seed" -v i="$i" 'BEGIN { srand(s + i); printf "%.3f", rand() * 2 }')
	"$ECOPLAN" profile -d "$ds" $quick pop >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if ! every_file_parses; then
		echo "  after kill $i at ${delay}s"
		bad=$((bad + 1))
	fi
done
check "store intact after $kills kills" [ "$bad" -eq 0 ]

# Two writers at once, different models and then the same model: both
# measurements are kept (the same model's earlier one in history/).
hist_before=$(ls "$store/history" 2>/dev/null | wc -l)
"$ECOPLAN" profile -d "$ds" $quick pop >/dev/null 2>&1 &
p1=$!
"$ECOPLAN" profile -d "$ds" $quick bpr >/dev/null 2>&1 &
p2=$!
wait "$p1"
s1=$?
wait "$p2"
s2=$?
check "two writers succeed" [ "$s1$s2" = 00 ]
check "both profiles present" test -s "$store/$pfile" -a -s "$store/bpr--synthetic_users_60_items_40_inters_300_seed_3.json"
"$ECOPLAN" profile -d "$ds" $quick pop >/dev/null 2>&1 &
p1=$!
"$ECOPLAN" profile -d "$ds" $quick pop >/dev/null 2>&1 &
p2=$!
wait "$p1"
s1=$?
wait "$p2"
s2=$?
hist_after=$(ls "$store/history" | wc -l)
check "same model twice succeeds" [ "$s1$s2" = 00 ]
check "no measurement lost" [ "$hist_after" -ge $((hist_before + 2)) ]
check "store parses at the end" every_file_parses

done_testing
