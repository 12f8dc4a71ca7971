# Command-line tests for ecoplan compare: the seed study's break-evens
# reproduced from the compiled-in reference sets, the scenario options,
# output formats, and bad input.
. "$(dirname "$0")/lib.sh"
export ECOPLAN_HOME="$T_DIR/home"
unset ECOPLAN_REGION
mind="--profiles ref:schodl2025-mind"

# Schodl et al. 2025, MIND: 193.45 and 60.95 queries per model update.
ok "BPR vs ItemKNN break-even" 0 '^BPR vs ItemKNN +194 \(193\.4[0-9]\)' "" -- compare $mind bpr itemknn
ok "NGCF vs FISM break-even" 0 '^NGCF vs FISM +61 \(60\.9[0-9]*\)' "" -- compare $mind ngcf fism
ok "break-even json" 0 '"breakeven_queries_per_update":[[:space:]]*193\.445' "" -- compare --json $mind bpr itemknn
ok "default set named" 0 '^profiles: +ref:schodl2025-mind \(default' "" -- compare ngcf fism
ok "verdict line" 0 '^at 50 req/s with weekly retraining NGCF emits 80% less than FISM; break-even at 2\.39 req/s$' "" -- compare --qps 50 ngcf fism
ok "World average said" 0 'World average: no --region' "" -- compare ngcf fism
ok "region used" 0 '^intensity: +[0-9.]+ g/kWh, FR' "" -- compare --region FR ngcf fism
export ECOPLAN_REGION=FR
ok "ECOPLAN_REGION used" 0 'FR.*from \$ECOPLAN_REGION' "" -- compare ngcf fism
unset ECOPLAN_REGION
ok "explicit intensity" 0 '"ci_serve_g_per_kwh":[[:space:]]*100,' "" -- compare --json --ci 100 ngcf fism
ok "train region" 0 '\(training\)$' "" -- compare --region FR --train-region DE ngcf fism
# By hand, NGCF at 50 req/s, weekly (365.25 / 7 updates a year):
# (52.1786 x 0.114115 + 50 x 31557600 x 2.46562e-5 / 23679) kWh
# = 5.95435 + 1.64300 = 7.59734 kWh; at 100 g/kWh, 759.73 g.
ok "by hand" 0 '"g":[[:space:]]*759\.73' "" -- compare --json --ci 100 --qps 50 ngcf fism
# Training in DE (344.14 g/kWh): 5.95435 kWh x 344.14 = 2049.2 g.
ok "training region" 0 '"train_g":[[:space:]]*2049\.1' "" -- compare --json --region FR --train-region DE --qps 50 ngcf fism
ok "pue doubles emissions" 0 '"g":[[:space:]]*7186\.9' "" -- compare --json --pue 2 --qps 50 ngcf fism
ok "cadence in updates" 0 '"updates_per_year":[[:space:]]*365\.25' "" -- compare --json --retrain daily ngcf fism
ok "cadence interval" 0 '"updates_per_year":[[:space:]]*730\.5' "" -- compare --json --retrain 12h ngcf fism
ok "per-minute rate" 0 '"requests_per_sec":[[:space:]]*50,' "" -- compare --json --qps 3000/min ngcf fism
ok "one-metric set" 0 '"metric_set":[[:space:]]*"mrr"' "" -- compare --json --metric-set mrr ngcf fism
ok "one-metric saving field" 0 '"one_metric_saving_pct":[[:space:]]*57\.07' "" -- compare --json $mind bpr itemknn
ok "one-metric update energy" 0 '"update_kwh":[[:space:]]*0\.01538870112355' "" -- compare --json --metric-set mrr $mind bpr itemknn
ok "dominance" 0 'LightGCN dominates' "" -- compare $mind lightgcn sgl
ok "three models" 0 '^NGCF vs BPR ' "" -- compare ngcf fism bpr
ok "csv" 0 '^pair,NGCF,mind,+,,,,,,,,,,,FISM,crossing,60\.9' "" -- compare --csv ngcf fism
ok "uncertainty" 0 'N\* 60\.[0-9]+ \[[0-9.]+, [0-9.]+\] queries/update' "" -- compare --uncertainty 2000 --seed 7 ngcf fism
ok "uncertainty json" 0 '"p_a_greener":' "" -- compare --json --uncertainty 500 ngcf fism
ok "movielens set" 0 '^BPR vs ItemKNN +277 ' "" -- compare --profiles ref:schodl2025-movielens bpr itemknn
ok "amazon set" 0 '^BPR vs ItemKNN +66 ' "" -- compare --profiles ref:schodl2025-amazon bpr itemknn
ok "plot" 0 - "" -- compare --qps 50 --plot "$T_DIR/p.svg" ngcf fism bpr
check "plot is svg" grep -q '<svg' "$T_DIR/p.svg"
check "plot marks crossing" grep -q 'NGCF = FISM' "$T_DIR/p.svg"

# Bad input.
ok "unknown model" 2 "" 'frob: unknown model.*known: .*bpr.*dgcf.*SGL' -- compare frob bpr
ok "no profile anywhere" 1 "" "ease: no profile on this machine.*ecoplan profile ease" -- compare ease bpr
ok "not in the set" 1 "" 'DMF: not in ref:schodl2025-mind|NeuMF: ref:schodl2025-mind has no inference' -- compare $mind neumf bpr
ok "no inference in spillo" 1 "" 'training only' -- compare --profiles ref:spillo2023-mind bpr itemknn
ok "unknown set" 2 "" "'ref:nope': unknown profile set" -- compare --profiles ref:nope bpr itemknn
ok "zero rate" 2 "" '--qps: .0.: must be more than 0' -- compare --qps 0 bpr itemknn
ok "negative rate" 2 "" '--qps' -- compare --qps -5 bpr itemknn
ok "NaN rate" 2 "" '--qps' -- compare --qps nan bpr itemknn
ok "NaN intensity" 2 "" '--ci' -- compare --ci nan bpr itemknn
ok "zero intensity" 2 "" '--ci' -- compare --ci 0 bpr itemknn
ok "pue below 1" 2 "" '--pue' -- compare --pue 0.5 bpr itemknn
ok "zero years" 2 "" '--years' -- compare --years 0 bpr itemknn
ok "bad cadence" 2 "" '--retrain' -- compare --retrain fortnightlyish bpr itemknn
ok "bad batch" 2 "" '--batch' -- compare --batch 0 bpr itemknn
ok "bad samples" 2 "" '--uncertainty' -- compare --uncertainty 0 bpr itemknn
ok "bad metric set" 2 "" "--metric-set: 'x'" -- compare --metric-set x bpr itemknn
ok "unknown region" 2 "" 'region' -- compare --region Atlantis bpr itemknn
ok "one model" 2 "" 'needs at least two models' -- compare bpr
ok "named twice" 2 "" 'bpr: named twice' -- compare bpr BPR
ok "json and csv" 2 "" 'choose one' -- compare --json --csv bpr itemknn
ok "region and ci" 2 "" 'choose one' -- compare --region DE --ci 100 bpr itemknn

# Local profiles come first; different datasets are refused.
small="--epochs 1 --repeat 1 --batch 1"
ok "profile pop" 0 - - -- profile -d synthetic:users=60,items=40,inters=600,seed=1 $small pop
ok "profile itemknn" 0 - - -- profile -d synthetic:users=70,items=40,inters=600,seed=2 $small itemknn
ok "mixed datasets refused" 2 "" 'measured on .* but itemknn on .*--allow-mixed' -- compare pop itemknn
ok "mixed allowed" 0 '^profiles: +local$' 'mixes datasets' -- compare --allow-mixed pop itemknn
ok "local missing one" 1 "" "bpr: no profile on this machine.*ecoplan profile bpr" -- compare pop bpr
ok "local set named" 1 "" "bpr: no profile on this machine" -- compare --profiles local pop bpr
ok "reference still there" 0 '^BPR vs ItemKNN +194 ' "" -- compare $mind bpr itemknn

check "compare usage matches SYNOPSIS" same_usage compare
done_testing
