# Command-line tests for ecoplan datasets.
. "$(dirname "$0")/lib.sh"

ok "lists built-ins" 0 '^synthetic +943 +1682 +100000' "" -- datasets
ok "lists ml1m shape" 0 '^synthetic-ml1m +6040 +3706 +1000209' "" -- datasets
ok "built-ins as JSON" 0 '"name":[[:space:]]*"synthetic-ml1m"' "" -- datasets --json
ok "describes synthetic" 0 '^split +RS 0.8:0.1:0.1 random, seed 2020: train' "" -- datasets synthetic
ok "synthetic parameters" 0 '^users +500$' "" -- datasets synthetic:users=500,items=300,inters=9000
ok "split option" 0 '^split +leave-one-out random, seed 7: train 11000, valid 500, test 500$' "" \
    -- datasets --split loo --seed 7 synthetic:users=500,items=300,inters=12000
ok "json describe" 0 '"sha256":[[:space:]]*"[0-9a-f]{64}"' "" -- datasets --json synthetic:users=50,items=40,inters=500

printf 'user_id:token\titem_id:token\nu1\ti1\nu1\ti2\nu2\ti1\n' >"$T_DIR/x.inter"
ok "describes a file" 0 '^format +atomic$' "" -- datasets "$T_DIR/x.inter"
ok "file fingerprint" 0 "^sha256 +$(sha256sum "$T_DIR/x.inter" | cut -c1-64)\$" "" -- datasets "$T_DIR/x.inter"

: >"$T_DIR/empty.csv"
ok "empty file" 1 "" "^ecoplan: .*empty.csv: empty file$" -- datasets "$T_DIR/empty.csv"
printf 'user_id:token\tname:token\nu\tx\n' >"$T_DIR/noitem.inter"
ok "missing column" 1 "" "noitem.inter:1: no 'item_id:token' column" -- datasets "$T_DIR/noitem.inter"
printf '1\t2\t3\t4\nx\t2\t3\t4\n' >"$T_DIR/u.data"
ok "non-numeric id" 1 "" "u.data:2: user id: 'x': expected a whole number" -- datasets "$T_DIR/u.data"
printf '1,2\n3,\0004\n' >"$T_DIR/nul.csv"
ok "NUL byte" 1 "" "nul.csv:2: NUL byte in line" -- datasets "$T_DIR/nul.csv"
ok "directory" 1 "" "is a directory" -- datasets "$T_DIR"
ok "missing file" 1 "" "nope.inter: No such file or directory" -- datasets "$T_DIR/nope.inter"
ok "bad synthetic key" 2 "" "unknown key 'size'" -- datasets synthetic:size=3
ok "bad split" 2 "" "^ecoplan: datasets: --split: 'kfold': unknown split" -- datasets --split kfold synthetic
ok "bad seed" 2 "" "^ecoplan: datasets: --seed: '-1': out of range" -- datasets --seed -1 synthetic
ok "unknown option" 2 "" "^usage: ecoplan datasets" -- datasets --frob
ok "-h shows usage" 0 "^usage: ecoplan datasets \[--split spec\]" "" -- datasets -h

# Resource limits: a dataset that would not fit in memory fails before
# it is loaded (ECOPLAN_MAX_MEMORY stands in for a small machine).
awk 'BEGIN { for (i = 0; i < 2000; i++) print i % 97 "," i % 89 }' >"$T_DIR/big.csv"
ok "fits by default" 0 '^interactions +' "" -- datasets "$T_DIR/big.csv"
export ECOPLAN_MAX_MEMORY=64K
ok "too big for the memory" 1 "" \
    "^ecoplan: .*big.csv: needs about [0-9.]+ KiB of memory, more than the limit of 64.0 KiB \(ECOPLAN_MAX_MEMORY\)$" \
    -- datasets "$T_DIR/big.csv"
truncate -s 2G "$T_DIR/huge.csv"
export ECOPLAN_MAX_MEMORY=1G
ok "huge file refused unread" 1 "" "huge.csv: needs about 2.0 GiB of memory" \
    -- datasets "$T_DIR/huge.csv"
ok "synthetic too big" 1 "" "needs about [0-9.]+ GiB of memory, more than the limit of 1.0 GiB" \
    -- datasets synthetic:users=100000,items=100000,inters=100000000
export ECOPLAN_MAX_MEMORY=lots
ok "bad ECOPLAN_MAX_MEMORY" 2 "" "^ecoplan: ECOPLAN_MAX_MEMORY: 'lots': expected a byte count" \
    -- datasets "$T_DIR/big.csv"
unset ECOPLAN_MAX_MEMORY
rm -f "$T_DIR/huge.csv"

# The usage line is the man page's SYNOPSIS.
check "usage matches SYNOPSIS" same_usage datasets

done_testing
