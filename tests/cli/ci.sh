# Command-line tests for "ecoplan ci": the built-in tables offline, then
# every live source against a local fake API (tests/ci_server.py, on
# 127.0.0.1, started and stopped here), one case per way a server can
# fail, each checking the exact fallback, its message, and that nothing
# was cached from the bad response. Nothing here leaves loopback.
. "$(dirname "$0")/lib.sh"

# No proxy between us and loopback; no token or setting from outside.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY \
    no_proxy NO_PROXY ECOPLAN_ELECTRICITYMAPS_TOKEN ECOPLAN_WATTTIME_USERNAME \
    ECOPLAN_WATTTIME_PASSWORD ECOPLAN_REGION ECOPLAN_DATA_DIR \
    ECOPLAN_CI_CACHE_TTL ECOPLAN_HTTP_RETRIES ECOPLAN_HTTP_CONNECT_TIMEOUT
export LC_ALL=C NO_COLOR=1
export ECOPLAN_HOME="$T_DIR/home"
# Until a test says otherwise, every API is a closed loopback port.
export ECOPLAN_UK_API_URL=http://127.0.0.1:1
export ECOPLAN_ELECTRICITYMAPS_API_URL=http://127.0.0.1:1
export ECOPLAN_WATTTIME_API_URL=http://127.0.0.1:1
export ECOPLAN_HTTP_TIMEOUT=1s ECOPLAN_HTTP_BACKOFF=10ms

here=$(dirname "$0")
W='^ecoplan: warning: '

# with VAR=VALUE COMMAND...: runs one test with VAR set, then puts VAR
# back as it was (the shells differ on "VAR=VALUE function"). Not
# nestable.
with() {
	_var=${1%%=*}
	eval "_had=\${$_var+1} _old=\${$_var-}"
	export "$1"
	shift
	"$@"
	if [ -n "$_had" ]; then
		export "$_var=$_old"
	else
		unset "$_var"
	fi
}

# --- Offline: the built-in tables --------------------------------------

ok "country by alpha-2" 0 '^intensity:  344\.14 g/kWh$' "" -- ci DE
ok "country by alpha-3, any case" 0 '^region:     DE \(Germany\)$' "" -- ci deu
ok "year and source" 0 '^source:     Ember yearly electricity data 2025' "" \
    -- ci Germany
ok "basis" 0 '^basis:      lifecycle, average, production mix$' "" -- ci FR
ok "UK is GB" 0 '^region:     GB \(United Kingdom\)$' "" -- ci UK
ok "state, scaled" 0 '^intensity:  221\.59 g/kWh$' "" -- ci us-ca
ok "aggregate" 0 '^intensity:  213\.31 g/kWh$' "" -- ci EU
ok "World by default" 0 '^region:     World$' "" -- ci
with ECOPLAN_REGION=FR ok "ECOPLAN_REGION" 0 '^region:     FR \(France\)$' "" -- ci
ok "GCP is operational" 0 '^basis:      direct, average$' "" \
    -- ci gcp:europe-west9
ok "AWS region" 0 '^intensity:  279\.7 g/kWh$' "" -- ci aws:eu-west-1
ok "Azure region" 0 '^region:     azure:westeurope \(Netherlands\)$' "" \
    -- ci AZURE:westeurope
ok "uk: falls back to GB" 0 '^value of:   GB \(United Kingdom\)$' \
    "${W}uk:13: UK regional values are live only \(use --live\); using the built-in value for GB \(United Kingdom\): 210\.89 g/kWh \(2024\)$" \
    -- ci uk:13
ok "em: falls back to its country" 0 '^intensity:  143\.3 g/kWh$' \
    "${W}em:DK-DK1: Electricity Maps zones are live only \(use --live\); using the built-in value for DK \(Denmark\): 143\.3 g/kWh \(2024\)$" \
    -- ci em:dk-dk1
ok "unknown zone falls back to World" 0 '^from:       World average \(no value for wt:CAISO_NORTH\)$' \
    "${W}wt:CAISO_NORTH: no built-in value; using the World average: 472\.99 g/kWh \(2024\)$" \
    -- ci wt:CAISO_NORTH
ok "JSON" 0 '^	"g_per_kwh":	344\.14,$' "" -- ci DE --json
ok "JSON origin" 0 '^	"origin":	"table",$' "" -- ci DE --json
ok "JSON warnings" 0 '^	"warnings":	\["uk:13: UK regional values' - \
    -- ci uk:13 --json
ok "unknown region" 2 "" \
    "^ecoplan: ci: 'germny': unknown region; did you mean DE \(Germany\)\?$" \
    -- ci germny
ok "unknown cloud region" 2 "" \
    "^ecoplan: ci: 'aws:eu-wst-1': unknown cloud region; did you mean aws:eu-west-1 " \
    -- ci aws:eu-wst-1
ok "bad UK region" 2 "" "^ecoplan: ci: 'uk:18': UK region ids are 1 to 17" \
    -- ci uk:18
ok "unknown prefix" 2 "" "unknown region prefix 'xx'" -- ci xx:1
ok "unknown option" 2 "" '^ecoplan: ci: --frob: unknown option$' -- ci --frob
ok "missing value" 2 "" '^ecoplan: ci: --source: missing value$' \
    -- ci DE --source
ok "bad source" 2 "" "did you mean 'electricitymaps'\?$" \
    -- ci DE --source electricitymap
ok "source that cannot serve" 2 "" \
    '^ecoplan: ci: DE: the UK API covers only GB and uk:1 to uk:17$' \
    -- ci DE --source uk
ok "too many arguments" 2 "" '^ecoplan: ci: too many arguments$' -- ci DE FR
ok "-h" 0 '^usage: ecoplan ci \[region\] \[--live\]' "" -- ci -h
ok "usage lists forecast" 0 '^       ecoplan ci forecast region ' "" -- ci -h
# The usage is the manual's SYNOPSIS, form for form (git's t0450).
if command -v mandoc >/dev/null 2>&1; then
	bs=$(printf '\b')
	mandoc -Tascii -Owidth=200 "$here/../../man/ecoplan-ci.1" |
	    sed "s/.$bs//g" | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' |
	    sed '1d;$d;/^$/d;s/^ *//' >"$T_DIR/synopsis"
	"$ECOPLAN" ci -h | sed 's/^usage: //; s/^ *//' >"$T_DIR/usage"
	check "usage matches the SYNOPSIS" cmp -s "$T_DIR/synopsis" \
	    "$T_DIR/usage"
else
	skip "usage matches the SYNOPSIS: no mandoc"
fi
with ECOPLAN_HTTP_TIMEOUT=soon ok "bad setting" 2 "" \
    "^ecoplan: ci: ECOPLAN_HTTP_TIMEOUT: 'soon': " -- ci GB --live
with ECOPLAN_CI_CACHE_TTL=later ok "bad cache setting" 2 "" \
    "^ecoplan: ci: ECOPLAN_CI_CACHE_TTL: 'later': " -- ci GB

ok "list" 0 '^REGION +g/kWh +YEAR +BASIS +NAME$' "" -- ci list
ok "list has countries" 0 '^DE +344\.14 +2024 +lifecycle +Germany$' "" \
    -- ci list
ok "list search" 0 '^uk:13 +- +- +live +London$' "" -- ci list london
ok "list by country" 0 '^Kerala +32\.98 +2024 ' "" -- ci list india
ok "list JSON" 0 '"region":	"aws:eu-west-1"' "" -- ci list eu-west-1 --json
ok "list no match" 1 "" "^ecoplan: ci: list: no region matches 'zzzz'$" \
    -- ci list zzzz
ok "list too many" 2 "" '^ecoplan: ci: list: too many arguments$' \
    -- ci list a b

ok "forecast offline is flat" 0 '^flat at 344\.14 g/kWh: every window is as green as any other$' \
    "${W}DE: forecasts need --live; showing the annual value of DE, 344\.14 g/kWh \(2024\), as a flat series$" \
    -- ci forecast DE --hours 6
ok "forecast hours" 0 '; 6 hourly values, ' - -- ci forecast DE --hours 6
ok "forecast JSON" 0 '^	"step_secs":	3600,$' - -- ci forecast DE --json
ok "forecast no live source" 0 - \
    "${W}World: no live source gives a forecast; showing" -- ci forecast World
ok "forecast needs a region" 2 "" '^ecoplan: ci: forecast: missing region$' \
    -- ci forecast
ok "forecast hours range" 2 "" "^ecoplan: ci: --hours: '73': out of range" \
    -- ci forecast DE --hours 73
ok "forecast window too long" 2 "" \
    '^ecoplan: ci: --window: 7 h is longer than --hours \(6 h\)$' \
    -- ci forecast DE --hours 6 --window 7h
ok "forecast bad window" 2 "" "^ecoplan: ci: --window: " \
    -- ci forecast DE --window 0s
ok "forecast plot" 0 - - -- ci forecast DE --hours 12 --plot "$T_DIR/flat.svg"
check "plot is SVG" grep -q '^<svg xmlns="http://www.w3.org/2000/svg"' \
    "$T_DIR/flat.svg"
ok "forecast plot to stdout" 0 '^</svg>$' - -- ci forecast DE --plot -
ok "forecast plot unwritable" 1 "" "^ecoplan: ci: $T_DIR/no/such/p\.svg: " \
    -- ci forecast DE --plot "$T_DIR/no/such/p.svg"
check "nothing cached offline" [ ! -e "$ECOPLAN_HOME/cache/ci" ]

# --- Live, against the local server ------------------------------------

PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
	skip "live tests: no $PY"
	done_testing
	exit $?
fi

TOKEN=em-test-token-5f2e
WT_PASS='pa ss-9d1'
LOG="$T_DIR/server.log"
: >"$LOG"
# Under a wrapper such as valgrind (tests/run.sh's ECOPLAN_WRAPPER)
# every run is many times slower: the server lives longer and the
# timeout test allows for the start-up time.
lifetime=90 slack=2
if [ -n "${ECOPLAN_WRAPPER:-}" ]; then
	lifetime=1800 slack=20
fi
"$PY" "$here/../ci_server.py" --port-file "$T_DIR/port" --log "$LOG" \
    --lifetime "$lifetime" --fixtures "$here/../fixtures/ci" --token "$TOKEN" \
    --wt-user alice --wt-password "$WT_PASS" &
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
BASE="http://127.0.0.1:$(cat "$T_DIR/port")"

# use LABEL: every API at the server's scenario LABEL, in a fresh home.
use() {
	H="$T_DIR/h-$1"
	export ECOPLAN_HOME="$H"
	export ECOPLAN_UK_API_URL="$BASE/$1"
	export ECOPLAN_ELECTRICITYMAPS_API_URL="$BASE/$1"
	export ECOPLAN_WATTTIME_API_URL="$BASE/$1"
}

# Was nothing cached? Did the server get N requests for LABEL?
nocache() { [ -z "$(ls -A "$H/cache/ci" 2>/dev/null)" ]; }
cached() { [ -s "$H/cache/ci/$1" ]; }
requests() { [ "$(awk -v l="$1" '$2 == l' "$LOG" | wc -l)" -eq "$2" ]; }
# Were LABEL's requests at least SECS apart (Retry-After honoured)?
spaced() {
	awk -v l="$1" -v s="$2" '$2 == l { if (n++ && $1 - t < s) bad = 1;
	    t = $1 } END { exit bad || n < 2 }' "$LOG"
}

TABLE_GB="${W}using the built-in table value for GB instead: 210\.89 g/kWh \(2024\)$"
TABLE_DE="${W}using the built-in table value for DE instead: 344\.14 g/kWh \(2024\)$"

use good
ok "UK live" 0 '^intensity:  263 g/kWh \(index: moderate\)$' "" \
    -- ci GB --live
ok "UK live basis" 0 '^basis:      direct, average, consumption mix$' "" \
    -- ci GB --live
ok "UK live origin" 0 '^from:       live, fetched ' "" -- ci GB --live
check "UK live cached" cached uk-now-GB.json
ok "fresh cache without --live" 0 \
    '^from:       cache, fetched .* \([0-9]+ s old\)$' "" -- ci GB
ok "UK regional live" 0 '^intensity:  266 g/kWh \(index: moderate\)$' "" \
    -- ci uk:3 --live
ok "UK regional is a forecast" 0 \
    '^basis:      direct, average, consumption mix, forecast$' "" \
    -- ci uk:3 --live
ok "--source implies --live" 0 '^intensity:  263 g/kWh' "" -- ci GB --source uk
ok "--source table skips the cache" 0 '^from:       built-in table$' "" \
    -- ci GB --source table

# A stale value beats the table when the fetch fails, with its age.
export ECOPLAN_CI_CACHE_TTL=0s
with "ECOPLAN_UK_API_URL=$BASE/s500.stale" ok "stale cache after 500" 0 \
    '^from:       stale cache, fetched .* \([0-9]+ s old\)$' \
    "${W}using a stale cached uk value for GB, fetched .* \([0-9]+ s old\)$" \
    -- ci GB --live
ok "stale cache ignored offline" 0 '^from:       built-in table$' "" -- ci GB
unset ECOPLAN_CI_CACHE_TTL

use s401
with ECOPLAN_ELECTRICITYMAPS_TOKEN=$TOKEN ok "401" 0 '^intensity:  344\.14 g/kWh$' \
    "${W}electricitymaps: DE: HTTP 401 Unauthorized: Invalid auth-token$" \
    -- ci DE --live
check "401: not retried" requests s401 1
check "401: table said" grep -Eq "$TABLE_DE" "$T_DIR/err"
check "401: nothing cached" nocache

use good
with ECOPLAN_ELECTRICITYMAPS_TOKEN=wrong-token ok "wrong token" 0 \
    '^from:       built-in table$' "$TABLE_DE" -- ci DE --live

use s429
ok "429" 0 '^intensity:  210\.89 g/kWh$' \
    "${W}uk: GB: HTTP 429 Too Many Requests after 3 attempts: rate limited$" \
    -- ci GB --live
check "429: three attempts" requests s429 3
check "429: table said" grep -Eq "$TABLE_GB" "$T_DIR/err"
check "429: Retry-After honoured" spaced s429 0.9
check "429: nothing cached" nocache

use s429once
ok "429 then success" 0 '^intensity:  263 g/kWh' "" -- ci GB --live
check "429 then success: two attempts" requests s429once 2
check "429 then success: waited" spaced s429once 0.9
check "429 then success: cached" cached uk-now-GB.json

use s429long
ok "429 asking too long a wait" 0 '^from:       built-in table$' \
    "${W}uk: GB: HTTP 429 Too Many Requests \(the server asks to wait 3600 s\): rate limited$" \
    -- ci GB --live
check "429 too long: no retry" requests s429long 1
check "429 too long: table said" grep -Eq "$TABLE_GB" "$T_DIR/err"
check "429 too long: nothing cached" nocache

use s500
ok "500" 0 '^intensity:  210\.89 g/kWh$' \
    "${W}uk: GB: HTTP 500 Internal Server Error after 3 attempts: the database is down$" \
    -- ci GB --live
check "500: table said" grep -Eq "$TABLE_GB" "$T_DIR/err"
check "500: three attempts" requests s500 3
check "500: nothing cached" nocache
use s500.once
export ECOPLAN_HTTP_RETRIES=0
ok "500 without retries" 0 - "${W}uk: GB: HTTP 500 Internal Server Error: " \
    -- ci GB --live
unset ECOPLAN_HTTP_RETRIES
check "500 without retries: one attempt" requests s500.once 1

use s500once
ok "500 then success" 0 '^intensity:  263 g/kWh' "" -- ci GB --live
check "500 then success: two attempts" requests s500once 2

use badjson
ok "invalid JSON" 0 '^from:       built-in table$' \
    "${W}uk: GB: bad response: invalid JSON at byte [0-9]+$" -- ci GB --live
check "invalid JSON: table said" grep -Eq "$TABLE_GB" "$T_DIR/err"
check "invalid JSON: nothing cached" nocache

use truncated
ok "truncated body" 0 '^from:       built-in table$' \
    "${W}uk: GB: truncated response: the connection closed before the end of the body$" \
    -- ci GB --live
check "truncated: nothing cached" nocache
check "truncated: table said" grep -Eq "$TABLE_GB" "$T_DIR/err"

use huge
ok "body over the cap" 0 '^from:       built-in table$' \
    "${W}uk: GB: response larger than the limit of 1048576 bytes$" \
    -- ci GB --live
check "over the cap: nothing cached" nocache
check "over the cap: table said" grep -Eq "$TABLE_GB" "$T_DIR/err"

use hugestream
ok "streamed body over the cap" 0 '^from:       built-in table$' \
    "${W}uk: GB: response larger than the limit of 1048576 bytes$" \
    -- ci GB --live
check "streamed over the cap: nothing cached" nocache
check "streamed over the cap: table said" grep -Eq "$TABLE_GB" "$T_DIR/err"

use slow
t0=$(date +%s)
ok "slower than the timeout" 0 '^from:       built-in table$' \
    "${W}uk: GB: timed out after 1 s$" -- ci GB --live
t1=$(date +%s)
check "timeout: gave up in time" [ $((t1 - t0)) -le "$slack" ]
check "timeout: nothing cached" nocache
check "timeout: table said" grep -Eq "$TABLE_GB" "$T_DIR/err"

use refused
export ECOPLAN_UK_API_URL=http://127.0.0.1:1
ok "connection refused" 0 '^from:       built-in table$' \
    "${W}uk: GB: Failed to connect to 127\.0\.0\.1 port 1" -- ci GB --live
check "refused: table said" grep -Eq "$TABLE_GB" "$T_DIR/err"

# Electricity Maps, with the token from the credentials file.
use good
mkdir -p "$H/config"
printf '# test\nelectricitymaps_token = %s\n' "$TOKEN" >"$H/config/credentials"
chmod 644 "$H/config/credentials"
ok "credentials file open to others" 0 '^from:       built-in table$' \
    "${W}electricitymaps: DE: $H/config/credentials: refused: mode 0644 lets others read it; run 'chmod 600 $H/config/credentials'$" \
    -- ci DE --live
chmod 600 "$H/config/credentials"
ok "Electricity Maps live" 0 '^intensity:  216 g/kWh$' "" \
    -- ci em:US-CAR-DUK --live
ok "Electricity Maps basis" 0 \
    '^basis:      lifecycle, average, consumption mix, estimated$' "" \
    -- ci em:US-CAR-DUK --live
check "Electricity Maps: token sent" grep -q ' good /carbon-intensity/latest auth=ok$' "$LOG"
ok "Electricity Maps history" 0 '^DE \(Germany\): history, Electricity Maps API v3$' "" \
    -- ci forecast DE --live --hours 24
ok "Electricity Maps history minimum" 0 '^mean 599\.96 g/kWh, min 492 at 2024-03-06 11:00 UTC' "" \
    -- ci forecast DE --live --hours 24

# The UK forecast: the real day of the sample, moved to start now.
ok "UK forecast" 0 '^greenest 1 h: .*, mean 71 g/kWh$' \
    "${W}uk: GB: the forecast reaches 24 h, not the 48 h asked for$" \
    -- ci forecast GB --live
ok "UK forecast, 3 h window" 0 '^greenest 3 h: .*, mean 75\.17 g/kWh$' - \
    -- ci forecast GB --live --window 3h
with LC_ALL=C.UTF-8 ok "UK forecast sparkline" 0 '^▂▂▁▁▁▁▁▂▂▂▂▂▂▃▃▃▃▃▃▃▂▃▃▂▂▂▂▃▃▄▄▄▅▆▇▇█▇██████▇▇▆▇$' - \
    -- ci forecast GB --live
ok "UK forecast ASCII sparkline" 0 '^  \^\^$' - -- ci forecast GB --live
ok "UK forecast plot" 0 '^greenest' - \
    -- ci forecast GB --live --plot "$T_DIR/gb.svg"
check "UK forecast plot written" grep -q '>greenest</text>' "$T_DIR/gb.svg"
ok "UK forecast JSON" 0 '^		"window_mean":	71,$' - \
    -- ci forecast GB --live --json
ok "UK forecast from the cache" 0 '^from cache, fetched ' "" \
    -- ci forecast GB --hours 24
ok "UK regional forecast" 0 '^uk:3 \(North West England\): forecast, ' "" \
    -- ci forecast uk:3 --live --hours 12

# WattTime: log in, then the MOER and its signal index.
export ECOPLAN_WATTTIME_USERNAME=alice ECOPLAN_WATTTIME_PASSWORD="$WT_PASS"
ok "WattTime live" 0 \
    '^intensity:  394\.63 g/kWh \(percentile 53 of recent values\)$' "" \
    -- ci wt:CAISO_NORTH --live
ok "WattTime is marginal" 0 '^basis:      direct, marginal, forecast$' "" \
    -- ci wt:CAISO_NORTH --live
check "WattTime: logged in" grep -q ' good /login auth=ok$' "$LOG"
check "WattTime: bearer token sent" grep -q ' good /v3/forecast auth=ok$' "$LOG"
ok "WattTime by coordinates" 0 '^region:     azure:westus \(California\)$' "" \
    -- ci azure:westus --source watttime
ok "WattTime forecast" 0 '; 24 5-minute values, ' "" \
    -- ci forecast wt:CAISO_NORTH --live --hours 2
use wtexpired
ok "WattTime token expired" 0 '^intensity:  394\.63 g/kWh' "" \
    -- ci wt:CAISO_NORTH --live
check "WattTime: logged in again" [ "$(grep -c ' wtexpired /login ' "$LOG")" -eq 2 ]
use good.pw
with ECOPLAN_WATTTIME_PASSWORD=wrong-pw ok "WattTime bad password" 0 \
    '^from:       World average' \
    "${W}watttime: wt:CAISO_NORTH: login: HTTP 401 Unauthorized: Unauthorized: bad username or password$" \
    -- ci wt:CAISO_NORTH --live
unset ECOPLAN_WATTTIME_USERNAME ECOPLAN_WATTTIME_PASSWORD

# No secret in any output, cache, or the server's log.
check "no secret in any output, cache or log" sh -c \
    "! grep -rqF -e '$TOKEN' -e '$WT_PASS' -e wt-test-token \
    --exclude=credentials '$T_DIR'"

done_testing
