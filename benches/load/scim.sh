#!/usr/bin/env bash
# SCIM load (issue 8) against the release binary on SQLite: provision users and groups with
# Okta-shaped requests, then seed more directory users straight into the database and time
# `filter=userName eq "..."`. Prints JSON lines. Only 127.0.0.1 is targeted.
#
# Knobs: GATEHOUSE_BIN, BENCH_PORT (18182), SCIM_USERS (10000), SCIM_GROUPS (500),
# SCIM_MEMBERS_PER_GROUP (40), SCIM_CONCURRENCY (16), SCIM_LOOKUP_USERS (100000), SCIM_LOOKUPS (2000)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatehouse/target}"
BIN="${GATEHOUSE_BIN:-$CARGO_TARGET_DIR/release/gatehouse}"
PORT="${BENCH_PORT:-18182}"
BASE="http://127.0.0.1:${PORT}"
USERS="${SCIM_USERS:-10000}"
NGROUPS="${SCIM_GROUPS:-500}"
PER_GROUP="${SCIM_MEMBERS_PER_GROUP:-40}"
CONCURRENCY="${SCIM_CONCURRENCY:-16}"
LOOKUP_USERS="${SCIM_LOOKUP_USERS:-100000}"
LOOKUPS="${SCIM_LOOKUPS:-2000}"

log() { printf '[scim-bench] %s\n' "$*" >&2; }
[[ -x "$BIN" ]] || { log "no binary at $BIN; cargo build --release --bin gatehouse"; exit 1; }

WORK="$(mktemp -d /tmp/gatehouse-scim-bench.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

DB="$WORK/gatehouse.db"
GATEHOUSE_DATA_DIR="$WORK" GATEHOUSE_MAIL_DIR="$WORK/mail" GATEHOUSE_DATABASE_URL="sqlite://$DB?mode=rwc" \
    GATEHOUSE_LISTEN="127.0.0.1:${PORT}" GATEHOUSE_PUBLIC_URL="$BASE" GATEHOUSE_LOG=warn \
    "$BIN" serve >"$WORK/stdout" 2>"$WORK/stderr" </dev/null &
SERVER_PID=$!
for _ in $(seq 1 3000); do
    curl -fsS -o /dev/null "$BASE/ready" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/stderr" >&2; exit 1; }
    sleep 0.02
done
KEY="$(sed -n 's/^API key (shown once): //p' "$WORK/stdout" | head -1)"
[[ "$KEY" == gh_sk_* ]] || { log "no bootstrap key"; exit 1; }

log "provision: $USERS users, $NGROUPS groups x $PER_GROUP members, concurrency $CONCURRENCY (load $(cut -d' ' -f1-3 /proc/loadavg))"
RESULT="$(python3 "$ROOT/benches/load/scim_load.py" provision "$BASE" "$KEY" "$SERVER_PID" \
    "$USERS" "$NGROUPS" "$PER_GROUP" "$CONCURRENCY")"
echo "$RESULT" | python3 -c 'import json,sys; r=json.load(sys.stdin); [r.pop(k) for k in ("token","scim_base")]; print(json.dumps(r))'
read -r SCIM_BASE TOKEN DOMAIN DIR_ID ORG_ID < <(echo "$RESULT" | python3 -c \
    'import json,sys; r=json.load(sys.stdin); print(r["scim_base"], r["token"], r["domain"], r["directory_id"], r["organization_id"])')

# Directory users beyond the provisioned ones, inserted in SQL (same shape as the server writes).
EXTRA=$((LOOKUP_USERS - USERS))
if ((EXTRA > 0)); then
    log "seeding $EXTRA more directory users in SQL"
    sqlite3 "$DB" >/dev/null <<SQL
PRAGMA busy_timeout = 30000;
WITH RECURSIVE n(i) AS (SELECT $USERS UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $LOOKUP_USERS)
INSERT INTO directory_users (id, directory_id, organization_id, user_id, user_name, external_id, display_name,
    first_name, last_name, primary_email, active, resource, created_at, updated_at)
SELECT printf('directory_user_SEED%021d', i), '$DIR_ID', '$ORG_ID', NULL, printf('user%d@$DOMAIN', i),
    printf('00u%017d', i), NULL, NULL, NULL, printf('user%d@$DOMAIN', i), 1,
    json_object('userName', printf('user%d@$DOMAIN', i)), (SELECT created_at FROM directory_users LIMIT 1),
    (SELECT created_at FROM directory_users LIMIT 1)
FROM n;
SQL
fi
log "lookups: $LOOKUPS x userName eq over $LOOKUP_USERS users (load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 "$ROOT/benches/load/scim_load.py" lookups "$SCIM_BASE" "$TOKEN" "$DOMAIN" "$LOOKUP_USERS" "$LOOKUPS"
log "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
