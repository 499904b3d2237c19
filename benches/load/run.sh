#!/usr/bin/env bash
# Load run against the release binary, on SQLite and then on PostgreSQL. Prints a Markdown table.
# Only 127.0.0.1 is ever targeted. See benches/load/README.md.
#
# Knobs (environment):
#   GATEHOUSE_BIN        binary to run            default $CARGO_TARGET_DIR/release/gatehouse
#   BENCH_BACKENDS       which databases           default "sqlite postgres"
#   BENCH_DURATION       wrk duration per scenario default 30s
#   BENCH_THREADS        wrk threads               default 2
#   BENCH_CONNECTIONS    wrk connections           default 64
#   BENCH_SEED_ORGS      organizations seeded before the list scenario  default 100000
#   BENCH_PORT           listen port               default 18181
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatehouse/target}"
BIN="${GATEHOUSE_BIN:-$CARGO_TARGET_DIR/release/gatehouse}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"
DURATION="${BENCH_DURATION:-30s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
SEED_ORGS="${BENCH_SEED_ORGS:-100000}"
PORT="${BENCH_PORT:-18181}"
BASE="http://127.0.0.1:${PORT}"
PG_DB=gatehouse_bench

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ -x "$BIN" ]] || die "no release binary at $BIN; run: cargo build --release --bin gatehouse (or make bench)"
[[ "$SEED_ORGS" =~ ^[0-9]+$ ]] || die "BENCH_SEED_ORGS must be a number"

ensure_tool() { # command package
    command -v "$1" >/dev/null 2>&1 && return 0
    log "installing $2"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}
ensure_tool wrk wrk
ensure_tool curl curl
ensure_tool sqlite3 sqlite3

WORK="$(mktemp -d /tmp/gatehouse-bench.XXXXXX)"
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
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
proc_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f MiB", kb / 1024 }'; }

# Start the server on $1 (database URL) with data dir $2; sets SERVER_PID, KEY, READY_MS.
start_server() {
    local url="$1" data="$2" t0
    : >"$WORK/stdout"
    READY_LOAD="$(loadavg)"
    t0="$(now_ms)"
    # The data dir also holds secret.key (sealing key) and, via GATEHOUSE_MAIL_DIR, the file mail
    # transport's output: both must stay inside $WORK, never ./data of the clone.
    GATEHOUSE_DATA_DIR="$data" GATEHOUSE_MAIL_DIR="$data/mail" GATEHOUSE_DATABASE_URL="$url" \
        GATEHOUSE_LISTEN="127.0.0.1:${PORT}" GATEHOUSE_PUBLIC_URL="$BASE" GATEHOUSE_LOG=warn "$BIN" serve >"$WORK/stdout" 2>"$WORK/stderr" </dev/null &
    SERVER_PID=$!
    for _ in $(seq 1 3000); do # at most ~60 s
        if curl -fsS -o /dev/null "$BASE/ready" 2>/dev/null; then
            READY_MS=$(($(now_ms) - t0))
            break
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/stderr" >&2; die "server exited during start"; }
        sleep 0.02
    done
    [[ -n "${READY_MS:-}" ]] || die "server not ready after 60 s"
    KEY="$(sed -n 's/^API key (shown once): //p' "$WORK/stdout" | head -1)"
    [[ "$KEY" == gh_sk_* ]] || die "no bootstrap key on the server's stdout (fresh database expected)"
}

# Writes the wrk Lua script for unique POST /organizations bodies.
cat >"$WORK/post.lua" <<'LUA'
-- Each wrk thread has its own Lua state; `tid` is set per thread in setup().
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end

local n = 0
local run = os.time()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
    n = n + 1
    return wrk.format(nil, nil, nil, string.format('{"name":"bench-%d-%d-%d"}', run, tid or 0, n))
end
LUA

# run_wrk LABEL PATH [extra wrk args...]: appends one result row to $ROWS.
run_wrk() {
    local label="$1" path="$2" out
    shift 2
    out="$WORK/wrk-$BACKEND-${label//[^a-zA-Z0-9]/_}.txt"
    local before
    before="$(loadavg)"
    log "$BACKEND: $label ($DURATION, $THREADS threads, $CONNECTIONS connections, load $before)"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 10s \
        -H "Authorization: Bearer $KEY" "$@" "$BASE$path" >"$out"
    local rps p50 p99 non2xx errors
    rps="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
    p50="$(awk '$1 == "50%" { print $2 }' "$out")"
    p99="$(awk '$1 == "99%" { print $2 }' "$out")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
    errors="$(awk '/Socket errors:/ { sub(/.*Socket errors: /, ""); print }' "$out")"
    ROWS+=("| $BACKEND | $label | ${rps:-?} | ${p50:-?} | ${p99:-?} | ${non2xx:-0} | ${errors:-none} | $before |")
}

# SQL expression (valid in SQLite and PostgreSQL): $1, an integer expression, as $2 Crockford
# base32 digits, most significant first.
b32() {
    local expr="$1" width="$2" k parts=()
    for ((k = width - 1; k >= 0; k--)); do
        parts+=("substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', CAST(((($expr) >> $((5 * k))) & 31) + 1 AS INTEGER), 1)")
    done
    local IFS='|'
    local joined="${parts[*]}"
    printf '%s' "${joined//|/ || }"
}

# ULID-like id for row i: 48-bit millisecond time (base + i) then 80 "random" bits derived from i.
BASE_MS=$(($(now_ms) - SEED_ORGS - 86400000))
ULID_EXPR="'org_' || $(b32 "$BASE_MS + i" 10) || $(b32 "(i * 2654435761) & 1099511627775" 8) || $(b32 "((i * 2246822519) + 3266489917) & 1099511627775" 8)"

seed_sqlite() { # db file
    log "sqlite: seeding $SEED_ORGS organizations"
    sqlite3 "$1" <<SQL
.timeout 30000
BEGIN IMMEDIATE;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $SEED_ORGS),
rows AS (SELECT i, $BASE_MS + i AS ms FROM seq)
INSERT INTO organizations (id, name, external_id, metadata, created_at, updated_at)
SELECT $ULID_EXPR,
       'Bench Org ' || i,
       NULL,
       '{}',
       strftime('%Y-%m-%dT%H:%M:%S', ms / 1000, 'unixepoch') || '.' || printf('%03d', ms % 1000) || '000000+00:00',
       strftime('%Y-%m-%dT%H:%M:%S', ms / 1000, 'unixepoch') || '.' || printf('%03d', ms % 1000) || '000000+00:00'
FROM rows;
COMMIT;
SQL
}

seed_postgres() { # database url
    log "postgres: seeding $SEED_ORGS organizations"
    psql -X -q -v ON_ERROR_STOP=1 "$1" <<SQL
BEGIN;
INSERT INTO organizations (id, name, external_id, metadata, created_at, updated_at)
SELECT $ULID_EXPR,
       'Bench Org ' || i,
       NULL,
       '{}'::json,
       to_timestamp(($BASE_MS + i) / 1000.0),
       to_timestamp(($BASE_MS + i) / 1000.0)
FROM (SELECT g::bigint AS i FROM generate_series(1, $SEED_ORGS) AS g) AS seq;
COMMIT;
ANALYZE organizations;
SQL
}

ROWS=()
SUMMARY=()

bench_backend() {
    BACKEND="$1"
    local url data dbfile org_id idle_kb peak_kb
    data="$WORK/$BACKEND"
    mkdir -p "$data"
    case "$BACKEND" in
        sqlite)
            dbfile="$data/gh.db"
            url="sqlite://$dbfile?mode=rwc"
            ;;
        postgres)
            local admin
            admin="$(bash "$ROOT/scripts/ensure-postgres.sh")"
            psql -X -q -v ON_ERROR_STOP=1 "$admin" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB"
            url="${admin%/*}/$PG_DB"
            [[ "$url" == *@127.0.0.1:* || "$url" == *@localhost:* ]] || die "refusing a non-loopback database: $url"
            ;;
        *) die "unknown backend $BACKEND" ;;
    esac

    READY_MS=""
    start_server "$url" "$data"
    sleep 1
    idle_kb="$(proc_kb "$SERVER_PID" VmRSS)"
    log "$BACKEND: ready in ${READY_MS} ms, idle RSS $(mib "$idle_kb")"

    org_id="$(curl -fsS -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
        -X POST "$BASE/organizations" -d '{"name":"Bench Target"}' | sed -n 's/.*"id":"\(org_[0-9A-Z]*\)".*/\1/p')"
    [[ "$org_id" == org_* ]] || die "could not create the target organization"

    run_wrk "GET /organizations/{id}" "/organizations/$org_id"
    run_wrk "POST /organizations" "/organizations" -s "$WORK/post.lua"

    case "$BACKEND" in
        sqlite) seed_sqlite "$dbfile" ;;
        postgres) seed_postgres "$url" ;;
    esac
    curl -fsS -o /dev/null -H "Authorization: Bearer $KEY" "$BASE/organizations?limit=100" ||
        die "list request failed after seeding"
    run_wrk "GET /organizations?limit=100 (≥${SEED_ORGS} rows)" "/organizations?limit=100"

    peak_kb="$(proc_kb "$SERVER_PID" VmHWM)"
    SUMMARY+=("| $BACKEND | ${READY_MS} ms | $(mib "$idle_kb") | $(mib "$peak_kb") | $READY_LOAD |")
    stop_server
    if [[ "$BACKEND" == postgres ]]; then
        psql -X -q "${url%/*}/postgres" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
}

for backend in $BACKENDS; do
    bench_backend "$backend"
done

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo
echo "## Gatehouse load run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
echo "Binary \`$BIN\` ($("$BIN" --version 2>/dev/null || echo unknown)); $(nproc) cores ($cpu);"
echo "wrk $THREADS threads, $CONNECTIONS connections, $DURATION per scenario; server and wrk share the machine."
echo
echo "| database | scenario | requests/s | p50 | p99 | non-2xx | socket errors | load avg before |"
echo "|---|---|---:|---:|---:|---:|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "| database | start to ready | idle RSS | peak RSS (VmHWM) | load avg at start |"
echo "|---|---:|---:|---:|---|"
printf '%s\n' "${SUMMARY[@]}"
