#!/usr/bin/env bash
# Identity load run (issue 4) against the release binary on SQLite: password sign-in throughput and
# chained refresh_token grants. Prints a Markdown table. Only 127.0.0.1 is ever targeted.
# See benches/load/README.md.
#
# Knobs (environment):
#   GATEHOUSE_BIN              binary to run                    default $CARGO_TARGET_DIR/release/gatehouse
#   BENCH_DURATION             wrk duration per scenario        default 30s
#   BENCH_THREADS              wrk threads                      default 2
#   BENCH_SIGNIN_CONNECTIONS   wrk connections, password grant  default 16
#   BENCH_REFRESH_CONNECTIONS  wrk connections (= sessions), refresh grant  default 64
#   BENCH_PORT                 listen port                      default 18182
#   BENCH_RATE_LIMIT_BURST     GATEHOUSE_RATE_LIMIT_{IP,ACCOUNT}_BURST for the server  default 4000000000
#   BENCH_SIGNIN_ROUNDS        rounds of (grant, raw argon2id) pairs; the overhead is their median  default 3
#   BENCH_IN_ORGANIZATION      1: the user is a member of one organization (default policy), so every
#                              sign-in and refresh carries it and is admitted there; 0: no organization  default 1
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatehouse/target}"
BIN="${GATEHOUSE_BIN:-$CARGO_TARGET_DIR/release/gatehouse}"
DURATION="${BENCH_DURATION:-30s}"
THREADS="${BENCH_THREADS:-2}"
SIGNIN_CONNECTIONS="${BENCH_SIGNIN_CONNECTIONS:-16}"
REFRESH_CONNECTIONS="${BENCH_REFRESH_CONNECTIONS:-64}"
SIGNIN_ROUNDS="${BENCH_SIGNIN_ROUNDS:-3}"
PORT="${BENCH_PORT:-18182}"
BASE="http://127.0.0.1:${PORT}"
EMAIL="bench@example.com"
PASSWORD="correct horse battery staple 42"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ -x "$BIN" ]] || die "no release binary at $BIN; run: cargo build --release --bin gatehouse (or make bench)"
for n in "$SIGNIN_CONNECTIONS" "$REFRESH_CONNECTIONS" "$THREADS" "$SIGNIN_ROUNDS"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "thread, connection and round counts must be positive numbers"
done
((SIGNIN_CONNECTIONS % THREADS == 0 && REFRESH_CONNECTIONS % THREADS == 0)) ||
    die "connection counts must be multiples of BENCH_THREADS (wrk gives each thread connections/threads)"

ensure_tool() { # command package
    command -v "$1" >/dev/null 2>&1 && return 0
    log "installing $2"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}
ensure_tool wrk wrk
ensure_tool curl curl

WORK="$(mktemp -d /tmp/gatehouse-bench-identity.XXXXXX)"
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
cleanup() {
    stop_server
    if [[ -n "${BENCH_KEEP_WORK:-}" ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

proc_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f MiB", kb / 1024 }'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# Every request comes from 127.0.0.1 for one account, which the credential rate limits (60 per IP and
# 10 per account a minute by default) would answer with 429 almost at once. Raise both bursts so the
# run measures the sign-in itself; the limiter's check is still made on every request.
RATE_BURST="${BENCH_RATE_LIMIT_BURST:-4000000000}"

# Fresh SQLite database and data directory (secret.key, mail) inside $WORK.
DATA="$WORK/data"
mkdir -p "$DATA"
GATEHOUSE_DATA_DIR="$DATA" GATEHOUSE_MAIL_DIR="$DATA/mail" GATEHOUSE_DATABASE_URL="sqlite://$DATA/gh.db?mode=rwc" \
    GATEHOUSE_LISTEN="127.0.0.1:${PORT}" GATEHOUSE_PUBLIC_URL="$BASE" GATEHOUSE_LOG=warn \
    GATEHOUSE_RATE_LIMIT_IP_BURST="$RATE_BURST" GATEHOUSE_RATE_LIMIT_ACCOUNT_BURST="$RATE_BURST" \
    "$BIN" serve >"$WORK/stdout" 2>"$WORK/stderr" </dev/null &
SERVER_PID=$!
ready=""
for _ in $(seq 1 3000); do # at most ~60 s
    if curl -fsS -o /dev/null "$BASE/ready" 2>/dev/null; then ready=1; break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/stderr" >&2; die "server exited during start"; }
    sleep 0.02
done
[[ -n "$ready" ]] || die "server not ready after 60 s"
KEY="$(sed -n 's/^API key (shown once): *//p' "$WORK/stdout" | head -1)"
CLIENT="$(sed -n 's/^Client id: *//p' "$WORK/stdout" | head -1)"
[[ "$KEY" == gh_sk_* ]] || die "no bootstrap key on the server's stdout (fresh database expected)"
[[ "$CLIENT" == client_* ]] || die "no client id on the server's stdout"
sleep 1
IDLE_KB="$(proc_kb "$SERVER_PID" VmRSS)"

api() { # METHOD PATH [JSON body]; prints the body, fails on non-2xx
    local args=(-sS -o "$WORK/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $KEY" "$BASE$2")
    [[ $# -ge 3 ]] && args+=(-H 'content-type: application/json' -d "$3")
    local code
    code="$(curl "${args[@]}")"
    [[ "$code" == 2* ]] || { cat "$WORK/body" >&2; echo >&2; die "$1 $2 answered $code"; }
    cat "$WORK/body"
}

SIGNIN_BODY="{\"client_id\":\"$CLIENT\",\"grant_type\":\"password\",\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
api POST /user_management/users \
    "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"email_verified\":true}" >/dev/null
if [[ "${BENCH_IN_ORGANIZATION:-1}" == 1 ]]; then
    # The vendor's usual case: a sign-in and every refresh carry the user's one organization, so each
    # is admitted there (policy::admission: membership and policy).
    BENCH_USER="$(api GET "/user_management/users?email=$EMAIL" | sed -n 's/.*"id":"\(user_[0-9A-Z]*\)".*/\1/p' | head -1)"
    BENCH_ORG="$(api POST /organizations '{"name":"Bench"}' | sed -n 's/.*"id":"\(org_[0-9A-Z]*\)".*/\1/p' | head -1)"
    api POST /user_management/organization_memberships \
        "{\"user_id\":\"$BENCH_USER\",\"organization_id\":\"$BENCH_ORG\"}" >/dev/null
    api POST /user_management/authenticate "$SIGNIN_BODY" | grep -q "\"organization_id\":\"$BENCH_ORG\"" ||
        die "the sign-in did not carry the user's organization"
fi
api POST /user_management/authenticate "$SIGNIN_BODY" | grep -q '"refresh_token":"' ||
    die "password sign-in did not return a refresh token"

ROWS=()
FAILED=""
# run_wrk LABEL THREADS CONNECTIONS LUA [lua args...]: appends one row to $ROWS.
run_wrk() {
    local label="$1" threads="$2" conns="$3" lua="$4" out
    shift 4
    out="$WORK/wrk-${label//[^a-zA-Z0-9]/_}.txt"
    log "$label ($DURATION, $threads threads, $conns connections, load $(loadavg))"
    local before
    before="$(loadavg)"
    wrk -t"$threads" -c"$conns" -d"$DURATION" --latency --timeout 10s \
        -H "Authorization: Bearer $KEY" -s "$lua" "$BASE/user_management/authenticate" -- "$@" >"$out"
    cat "$out" >&2
    local rps p50 p99 non2xx errors statuses
    rps="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
    p50="$(awk '$1 == "50%" { print $2 }' "$out")"
    p99="$(awk '$1 == "99%" { print $2 }' "$out")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
    errors="$(awk '/Socket errors:/ { sub(/.*Socket errors: /, ""); print }' "$out")"
    statuses="$(awk '/^status [0-9]+:/ { printf "%s%s %s", sep, $2, $3; sep = ", " }' "$out" | tr -d ':')"
    [[ "${non2xx:-0}" == 0 ]] || FAILED+="$label: $non2xx non-2xx answers; "
    local hwm rss
    hwm="$(proc_kb "$SERVER_PID" VmHWM)"
    rss="$(proc_kb "$SERVER_PID" VmRSS)"
    ROWS+=("| $label | $threads / $conns | ${rps:-?} | ${p50:-?} | ${p99:-?} | ${non2xx:-0} | ${errors:-none} | ${statuses:-?} | $(mib "$hwm") / $(mib "$rss") | $before |")
}

# Sign-in overhead: how far the grant's rate falls short of raw argon2id's at the same parallelism.
grant_rps() { awk -F'|' -v label="$1" '{ l = $2; gsub(/^ +| +$/, "", l) } l == label { gsub(/ /, "", $4); print $4 }' <<<"$(printf '%s\n' "${ROWS[@]}")"; }
overhead() { awk -v raw="$1" -v grant="$2" 'BEGIN { if (raw > 0 && grant > 0) printf "%+.1f%%", (raw / grant - 1) * 100; else print "?" }'; }
# median of the overheads of one scenario's pairs ("one" or "all"), as a signed percentage
median_overhead() {
    printf '%s\n' "${PAIRS[@]}" | awk -F'|' -v s="$1" '$1 == s && $3 > 0 && $4 > 0 { print ($3 / $4 - 1) * 100 }' |
        sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "?"; else printf "%+.1f%%", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# (a) Password sign-in against raw argon2id. A sign-in is one argon2id verification of the stored hash
# plus a new session; the raw figure is the same verification (identity::password, same parameters,
# examples/argon2_rate) with nothing around it. Each round measures one request at a time against one
# thread, then BENCH_SIGNIN_CONNECTIONS at once against one thread per core, each grant run right beside
# its raw run: the raw rate alone drifts by up to 12% between runs on this machine, so the overhead is
# the median of the rounds' pairs rather than one pair.
ARGON2_BIN="${GATEHOUSE_ARGON2_BIN:-$(dirname "$BIN")/examples/argon2_rate}"
[[ -x "$ARGON2_BIN" ]] || die "no $ARGON2_BIN; run: cargo build --release --example argon2_rate (or make bench)"
seconds="${DURATION%s}"
[[ "$seconds" =~ ^[0-9]+$ ]] || seconds=30
raw_rate() { # THREADS
    log "raw argon2id verification, $1 thread(s) (${seconds}s, load $(loadavg))"
    "$ARGON2_BIN" "$1" "$seconds" | sed -n 's/.*"per_second":\([0-9.]*\).*/\1/p'
}
PAIRS=() # "scenario|round|raw|grant"
# measure_pair SCENARIO ROUND LABEL ARGON2_THREADS WRK_THREADS CONNECTIONS: odd rounds run the grant first,
# even rounds the raw verification first, so neither side always has the warmer machine.
measure_pair() {
    local scenario="$1" round="$2" label="$3" raw=""
    if ((round % 2 == 0)); then raw="$(raw_rate "$4")"; fi
    run_wrk "$label" "$5" "$6" "$HERE/signin.lua" "$CLIENT" "$EMAIL" "$PASSWORD"
    if ((round % 2 == 1)); then raw="$(raw_rate "$4")"; fi
    PAIRS+=("$scenario|$round|$raw|$(grant_rps "$label")")
}
for round in $(seq 1 "$SIGNIN_ROUNDS"); do
    measure_pair one "$round" "password grant, 1 connection, round $round" 1 1 1
    measure_pair all "$round" "password grant, round $round" "$(nproc)" "$THREADS" "$SIGNIN_CONNECTIONS"
done

# (b) refresh_token grants, each wrk connection chaining its own session's tokens.
log "signing in $REFRESH_CONNECTIONS sessions for the refresh run"
: >"$WORK/tokens"
for _ in $(seq 1 "$REFRESH_CONNECTIONS"); do
    # One at a time: the answer has no trailing newline, so add one per token.
    token="$(api POST /user_management/authenticate "$SIGNIN_BODY" | sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p')"
    if [[ -n "$token" ]]; then printf '%s\n' "$token" >>"$WORK/tokens"; fi
done
[[ "$(grep -c . "$WORK/tokens")" == "$REFRESH_CONNECTIONS" ]] || die "could not collect $REFRESH_CONNECTIONS refresh tokens"
run_wrk "refresh_token grant" "$THREADS" "$REFRESH_CONNECTIONS" "$HERE/refresh.lua" "$CLIENT" "$WORK/tokens" "$THREADS"
starved="$(awk '/^starved:/ { print $2 }' "$WORK"/wrk-refresh_token_grant.txt)"
[[ "${starved:-?}" == 0 ]] || FAILED+="refresh: $starved requests had no unused token (see refresh.lua); "

# Every session must still be active: a replayed token would have revoked one.
USER_ID="$(api GET "/user_management/users?email=$EMAIL" | sed -n 's/.*"id":"\(user_[0-9A-Z]*\)".*/\1/p' | head -1)"
revoked="$(api GET "/user_management/users/$USER_ID/sessions" | grep -o '"status":"revoked"' | wc -l || true)"
[[ "$revoked" == 0 ]] || FAILED+="$revoked sessions revoked (refresh token replayed?); "

peak_kb="$(proc_kb "$SERVER_PID" VmHWM)"
errors_logged="$(grep -ciE 'panic|error' "$WORK/stderr" || true)"
if [[ "$errors_logged" != 0 ]]; then
    log "server stderr has $errors_logged error lines; the first:"
    grep -m 5 -iE 'panic|error' "$WORK/stderr" >&2 || true
    FAILED+="server logged $errors_logged error lines; "
fi
stop_server

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo
echo "## Gatehouse identity load run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
echo "Binary \`$BIN\` ($("$BIN" --version 2>/dev/null || echo unknown)); $(nproc) cores ($cpu); SQLite;"
echo "wrk $DURATION per scenario; server and wrk share the machine. Server RSS: idle $(mib "$IDLE_KB"), peak (VmHWM) $(mib "$peak_kb")."
echo
echo "| scenario | wrk threads / connections | requests/s | p50 | p99 | non-2xx | socket errors | statuses | server peak / current RSS after | load avg before |"
echo "|---|---:|---:|---:|---:|---:|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "| password sign-in vs raw argon2id | round | raw verifications/s | password grants/s | overhead (raw/grant - 1) |"
echo "|---|---:|---:|---:|---:|"
for pair in "${PAIRS[@]}"; do
    IFS='|' read -r scenario round raw grant <<<"$pair"
    case "$scenario" in
    one) name="one at a time (1 thread / 1 connection)" ;;
    *) name="all cores ($(nproc) threads / $SIGNIN_CONNECTIONS connections)" ;;
    esac
    echo "| $name | $round | ${raw:-?} | ${grant:-?} | $(overhead "${raw:-0}" "${grant:-0}") |"
done
echo
echo "Median overhead over $SIGNIN_ROUNDS rounds: one at a time **$(median_overhead one)**, all cores **$(median_overhead all)**."
if [[ -n "$FAILED" ]]; then
    echo
    echo "INVALID RUN: $FAILED"
    exit 1
fi
