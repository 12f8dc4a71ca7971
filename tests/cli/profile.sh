# Command-line tests for ecoplan profile and ecoplan profiles.
. "$(dirname "$0")/lib.sh"
export ECOPLAN_HOME="$T_DIR/home"
small=synthetic:users=200,items=150,inters=4000,seed=3
quick="--epochs 1 --repeat 1 --batch 1,16"

ok "profile two models" 0 '^bpr +[0-9.]+ +[0-9.e-]+' 'meter: estimate' -- profile -d "$small" $quick pop bpr
ok "profiles lists them" 0 '^bpr--synthetic_users_200' "" -- profiles list
ok "default verb is list" 0 '^pop--synthetic' "" -- profiles
ok "show by model" 0 '"schema":[[:space:]]*"ecoplan-profile/1"' "" -- profiles show bpr
ok "show by name" 0 '"model":[[:space:]]*"pop"' "" -- profiles show "pop--synthetic_users_200_items_150_inters_4000_seed_3.json"
ok "estimate is labelled" 0 '"estimated":[[:space:]]*true' "" -- profiles show pop
ok "profiles json" 0 '"kwh_per_query"' "" -- profiles --json

# Measuring again keeps the previous file in history/.
ok "profile again" 0 '^pop ' - -- profile -d "$small" $quick pop
check "history kept" test -n "$(ls "$ECOPLAN_HOME"/data/profiles/*/history/pop--* 2>/dev/null)"

ok "json output" 0 '"epoch_valid"' - -- profile -d "$small" $quick --json --no-save ease
ok "cpu watts override" 0 '"assumptions":[[:space:]]*"[^"]*20' - -- profile -d "$small" $quick --json --no-save --cpu-watts 20 pop
ok "custom metric sets" 0 '"ndcg@5\+recall@5"|"ndcg@5,recall@5"' - -- profile -d "$small" $quick --json --no-save --metrics mrr,ndcg@5+recall@5 pop

ok "rm" 0 '^removed 1 profile$' "" -- profiles rm bpr
ok "rm again" 1 "" 'bpr: no such profile' -- profiles rm bpr
ok "show missing" 1 "" 'nope: no such profile' -- profiles show nope
ok "bad verb" 2 "" "'frob': unknown verb" -- profiles frob
ok "show needs a name" 2 "" 'show needs one profile name' -- profiles show

# A damaged profile is listed with the reason, not a crash.
dir=$(ls -d "$ECOPLAN_HOME"/data/profiles/*/)
printf '{"schema": "ecoplan-profile/1", "model": "x", "dataset": {"name": "d"}, "meter": {"kind": "rapl"}, "training": {"epochs_per_update": 3, "epoch_train": {"kwh": "lots"}}}' >"$dir/x--d.json"
ok "damaged listed" 0 'unreadable: .*training.epoch_train.kwh: expected a number' "" -- profiles list
printf '{"schema": "ecoplan-profile/2", "model": "x"}' >"$dir/x--d.json"
ok "newer schema" 0 "newer than this ecoplan" "" -- profiles list
printf '{"schema": "ecoplan-profile/1", "model": "x", "dataset": {"na' >"$dir/x--d.json"
ok "truncated" 0 'not valid JSON \(truncated\?\)' "" -- profiles list
rm -f "$dir/x--d.json"

ok "unknown model" 2 "" 'frob: unknown model' -- profile frob
ok "bad meter" 2 "" "--meter: 'gas': expected auto" -- profile --meter gas pop
ok "unavailable meter" 1 "" 'rapl' -- profile --meter rapl --no-save -d "$small" pop
ok "bad batch" 2 "" "--batch: '0': out of range" -- profile --batch 1,0 pop
ok "bad repeat" 2 "" "--repeat: 'x': not a number" -- profile --repeat x pop
ok "bad watts" 2 "" "--cpu-watts: '-5': must not be negative" -- profile --cpu-watts -5 pop
ok "set unknown everywhere" 2 "" "unknown key" -- profile --set colour=red pop bpr
ok "set out of range" 2 "" "embedding_size: '0': out of range" -- profile --set embedding_size=0 bpr
check "profile usage matches SYNOPSIS" same_usage profile
check "profiles usage matches SYNOPSIS" same_usage profiles

done_testing
