# Command-line tests for ecoplan rank: the seed study's ranking checks
# and one-metric saving, reproduced from the compiled-in reference sets.
. "$(dirname "$0")/lib.sh"
export ECOPLAN_HOME="$T_DIR/home"

# Schodl et al. 2025 against Spillo et al. 2023, training energy.
ok "MovieLens rho 0.973" 0 '^Spearman rho +0\.973$' "" -- rank ref:spillo2023-movielens ref:schodl2025-movielens
ok "MovieLens 18 models" 0 ': 18 models in both$' "" -- rank ref:spillo2023-movielens ref:schodl2025-movielens
ok "MIND rho 0.857" 0 '^Spearman rho +0\.857$' "" -- rank ref:spillo2023-mind ref:schodl2025-mind
ok "Amazon rho 0.724" 0 '^Spearman rho +0\.724$' "" -- rank ref:spillo2023-amazon ref:schodl2025-amazon
ok "json rho" 0 '"spearman_rho":[[:space:]]*0\.9731' "" -- rank --json ref:spillo2023-movielens ref:schodl2025-movielens
ok "NDCG rho" 0 '^Spearman rho +0\.876$' "" -- rank --by ndcg ref:spillo2023-movielens ref:schodl2025-movielens
# The mean one-metric saving over the study's 47 runs, and per dataset.
ok "saving 28.77%" 0 '^ref:schodl2025: .* saves 28\.77% of training energy \(mean over 47 runs\)$' "" -- rank ref:spillo2023 ref:schodl2025
ok "saving MIND" 0 'saves 32\.92% .*13 runs' "" -- rank ref:spillo2023-mind ref:schodl2025-mind
ok "saving json" 0 '"mean_pct":[[:space:]]*28\.77' "" -- rank --json ref:schodl2025 ref:spillo2023
ok "by inference" 0 '^Kendall tau-b ' "" -- rank --by inference ref:schodl2025-mind ref:schodl2025-mind
ok "inference needs figures" 1 "" 'share 0 models' -- rank --by inference ref:spillo2023-mind ref:schodl2025-mind
ok "local empty" 1 "" 'share 0 models' -- rank local ref:schodl2025-mind
ok "unknown set" 2 "" "'ref:x': unknown profile set \(known: local, ref:schodl2025-mind" -- rank ref:x ref:schodl2025-mind
ok "one set" 2 "" 'needs two profile sets' -- rank ref:schodl2025-mind
ok "bad by" 2 "" "--by: 'gpu'" -- rank --by gpu ref:schodl2025-mind ref:spillo2023-mind
check "rank usage matches SYNOPSIS" same_usage rank
done_testing
