# Command-line tests for ecoplan schedule: offline (an annual average
# only), then with the UK forecast from the local fake API of
# tests/ci_server.py (loopback only, as tests/cli/ci.sh does).
. "$(dirname "$0")/lib.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY \
    no_proxy NO_PROXY ECOPLAN_ELECTRICITYMAPS_TOKEN ECOPLAN_WATTTIME_USERNAME \
    ECOPLAN_WATTTIME_PASSWORD ECOPLAN_REGION ECOPLAN_DATA_DIR \
    ECOPLAN_CI_CACHE_TTL ECOPLAN_HTTP_RETRIES ECOPLAN_HTTP_CONNECT_TIMEOUT
export LC_ALL=C
export ECOPLAN_HOME="$T_DIR/home"
export ECOPLAN_UK_API_URL=http://127.0.0.1:1
export ECOPLAN_ELECTRICITYMAPS_API_URL=http://127.0.0.1:1
export ECOPLAN_WATTTIME_API_URL=http://127.0.0.1:1
export ECOPLAN_HTTP_TIMEOUT=1s ECOPLAN_HTTP_BACKOFF=10ms
here=$(dirname "$0")

# BPR on MIND (Schodl et al. 2025): 50 x (1.77 + 56.635) s, 0.03585 kWh.
ok "annual average only" 0 'only an annual average is available for DE: 344\.14 g/kWh' \
    'forecasts need --live' -- schedule --region DE bpr
ok "update from the profile" 0 '^BPR: one update takes 48 min 40 s and 0\.03585 kWh \(ref:schodl2025-mind\)$' \
    - -- schedule --region DE bpr
ok "flat emissions" 0 '12\.34 g CO2e' - -- schedule --region DE bpr
ok "pue" 0 '24\.67 g CO2e' - -- schedule --region DE --pue 2 bpr
ok "one metric" 0 'and 0\.01539 kWh' - -- schedule --region DE --metric-set mrr bpr
ok "json flat" 0 '"forecast":[[:space:]]*false' - -- schedule --region DE --json bpr

ok "needs region" 2 "" 'needs --region' -- schedule bpr
ok "needs one model" 2 "" 'needs one model' -- schedule --region DE bpr ngcf
ok "unknown region" 2 "" 'Atlantis' -- schedule --region Atlantis bpr
ok "bad within" 2 "" '--within' -- schedule --region DE --within soon bpr
ok "zero within" 2 "" '--within: .0h.: must be more than 0' -- schedule --region DE --within 0h bpr
ok "too short" 1 "" 'longer than --within 10min' -- schedule --region DE --within 10min bpr
ok "no duration" 1 "" 'does not say how long' -- schedule --region DE --profiles ref:spillo2023-mind bpr
ok "unknown model" 2 "" 'frob: unknown model' -- schedule --region DE frob
ok "no profile" 1 "" 'ecoplan profile ease' -- schedule --region DE ease
ok "bad pue" 2 "" '--pue' -- schedule --region DE --pue 0.9 bpr
check "schedule usage matches SYNOPSIS" same_usage schedule

PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
	skip "live tests: no $PY"
	done_testing
	exit $?
fi
# A wrapper such as valgrind (tests/run.sh) makes every run slower.
lifetime=60
[ -n "${ECOPLAN_WRAPPER:-}" ] && lifetime=1800
"$PY" "$here/../ci_server.py" --port-file "$T_DIR/port" --log "$T_DIR/log" \
    --lifetime "$lifetime" --fixtures "$here/../fixtures/ci" &
SRV=$!
trap 'kill "$SRV" 2>/dev/null; rm -rf "$T_DIR"' EXIT
trap 'exit 130' INT TERM
i=0
while [ ! -s "$T_DIR/port" ] && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -s "$T_DIR/port" ]; then
	check "the local server started" false
	done_testing
	exit $?
fi
export ECOPLAN_UK_API_URL="http://127.0.0.1:$(cat "$T_DIR/port")/good"

ok "UK forecast" 0 '^best start: .* g CO2e$' - -- schedule --region GB --live --within 24h bpr
ok "saving" 0 '^saving: +[0-9.]+ g CO2e \([0-9.]+%\)$' - -- schedule --region GB --within 24h bpr
ok "forecast json" 0 '"forecast":[[:space:]]*true' - -- schedule --region GB --json --within 24h ngcf
ok "best mean below now" 0 '"saving_g":[[:space:]]*[0-9]' - -- schedule --region GB --json --within 24h ngcf
done_testing
