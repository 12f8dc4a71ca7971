# Command-line tests for ecoplan plan, on the compiled-in reference sets.
. "$(dirname "$0")/lib.sh"
export ECOPLAN_HOME="$T_DIR/home"
unset ECOPLAN_REGION

ok "table" 0 '^ +1000 +weekly +BPR ' "" -- plan --qps 0.01..1000 --retrain daily,weekly bpr itemknn
ok "low load favours ItemKNN" 0 '^0\.0100 +daily +ItemKNN ' "" -- plan --qps 0.01..1000 --retrain daily,weekly bpr itemknn
ok "default set named" 0 '^profiles: +ref:schodl2025-mind \(default' "" -- plan --qps 1..10 --retrain weekly bpr itemknn
ok "seven points" 0 "^1000000,weekly," "" -- plan --qps 1..1e6 --retrain weekly --csv bpr itemknn
check "seven rows" test "$("$ECOPLAN" plan --qps 1..1e6 --retrain weekly --csv bpr itemknn | wc -l)" -eq 8
ok "csv header" 0 '^requests_per_sec,retrain,updates_per_year,greenest,greenest_g,greenest_accurate,greenest_accurate_g$' "" -- plan --qps 1..100 --retrain weekly --csv bpr itemknn
ok "points" 0 '^1000,weekly,' "" -- plan --qps 1..1000 --points 4 --retrain weekly --csv bpr itemknn
ok "accuracy floor" 0 '^1,weekly,[0-9.]+,Pop,[0-9.]+,ItemKNN,' "" -- plan --qps 1 --retrain weekly --min-ndcg 0.55 --csv itemknn ngcf pop
ok "nothing accurate enough" 0 '^1,weekly,[0-9.]+,Pop,[0-9.]+,,$' "" -- plan --qps 1 --retrain weekly --min-ndcg 0.99 --csv pop bpr
ok "tolerance" 0 'NDCG@10 >= 0\.5[0-9]+ \(within' "" -- plan --qps 1 --retrain weekly --accuracy-tolerance 0.1 bpr itemknn
ok "heatmap" 0 - "" -- plan --qps 1..100 --retrain daily,weekly --plot "$T_DIR/h.svg" bpr itemknn ngcf
check "heatmap is svg" grep -q '<rect' "$T_DIR/h.svg"

ok "zero rate" 2 "" 'rates must be more than 0' -- plan --qps 0..10 --retrain weekly bpr itemknn
ok "NaN rate" 2 "" '--qps' -- plan --qps nan..10 --retrain weekly bpr itemknn
ok "backwards" 2 "" 'backwards' -- plan --qps 10..1 --retrain weekly bpr itemknn
ok "bad cadence" 2 "" '--retrain' -- plan --qps 1..10 --retrain weekly,often bpr itemknn
ok "empty cadence" 2 "" 'empty cadence' -- plan --qps 1..10 --retrain weekly, bpr itemknn
ok "needs qps" 2 "" 'needs --qps and --retrain' -- plan --retrain weekly bpr
ok "both accuracy options" 2 "" 'choose one' -- plan --qps 1 --retrain weekly --min-ndcg 0.5 --accuracy-tolerance 0.1 bpr
ok "bad tolerance" 2 "" '--accuracy-tolerance' -- plan --qps 1 --retrain weekly --accuracy-tolerance 2 bpr
ok "unknown model" 2 "" 'frob: unknown model' -- plan --qps 1 --retrain weekly frob
ok "no profile" 1 "" "ease: no profile.*ecoplan profile ease" -- plan --qps 1 --retrain weekly ease
check "plan usage matches SYNOPSIS" same_usage plan
done_testing
