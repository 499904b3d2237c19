#!/usr/bin/env bash
# SAML ACS verification (issue 7) against the release binary on SQLite, side by side with @node-saml/node-saml
# validating the same signed responses on the same machine in the same run; then authorize-to-token p50/p99.
# Only 127.0.0.1 is targeted. See benches/load/README.md.
#
# Knobs: GATEHOUSE_BIN, BENCH_PORT (18183), BENCH_RESPONSES (5000), BENCH_CONCURRENCY (16),
# BENCH_NODE_WORKERS (one per core), BENCH_ROUNDS (300), BENCH_KEEP_WORK (keep the temporary directory).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatehouse/target}"
BIN="${GATEHOUSE_BIN:-$CARGO_TARGET_DIR/release/gatehouse}"
PORT="${BENCH_PORT:-18183}"
BASE="http://127.0.0.1:${PORT}"
PEER="$ROOT/tests/interop/node-saml"

log() { printf '[saml-acs-bench] %s\n' "$*" >&2; }
[[ -x "$BIN" ]] || { log "no binary at $BIN; cargo build --release --bin gatehouse"; exit 1; }
[[ -d "$PEER/node_modules/@node-saml/node-saml" ]] || (cd "$PEER" && npm ci --no-audit --no-fund >&2)
for tool in curl openssl python3 node; do
    command -v "$tool" >/dev/null || { log "$tool is required"; exit 1; }
done

WORK="$(mktemp -d /tmp/gatehouse-saml-bench.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [[ -n "${BENCH_KEEP_WORK:-}" ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

GATEHOUSE_DATA_DIR="$WORK" GATEHOUSE_MAIL_DIR="$WORK/mail" GATEHOUSE_DATABASE_URL="sqlite://$WORK/gatehouse.db?mode=rwc" \
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

api() { # method path [json]
    curl -fsS -X "$1" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' ${3:+-d "$3"} "$BASE$2"
}
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# The IdP: an RSA-2048 key and a self-signed certificate.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/idp.key" -out "$WORK/idp.crt" -days 2 \
    -subj "/CN=bench idp" 2>/dev/null
CERT_B64="$(openssl x509 -in "$WORK/idp.crt" -outform DER | base64 -w0)"
IDP_ENTITY_ID="https://idp.bench.test/e"

ORG_ID="$(api POST /organizations '{"name":"Bench"}' | json '["id"]')"
CONN="$(api POST /connections "{\"organization_id\":\"$ORG_ID\",\"name\":\"Bench IdP\",\"type\":\"saml\",
    \"saml\":{\"idp_entity_id\":\"$IDP_ENTITY_ID\",\"idp_sso_url\":\"https://idp.bench.test/sso\",
    \"idp_certificates\":[\"$CERT_B64\"],\"allow_idp_initiated\":true}}")"
CONN_ID="$(echo "$CONN" | json '["id"]')"
api POST "/connections/$CONN_ID/activate" '{}' >/dev/null
CLIENTS="$(api GET /clients)"

log "node $(node --version), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
ACS_URL="$(echo "$CONN" | json '["saml"]["acs_url"]')"
SP_ENTITY_ID="$(echo "$CONN" | json '["saml"]["sp_entity_id"]')"
BASE="$BASE" API_KEY="$KEY" CONN_ID="$CONN_ID" \
    CLIENT_ID="$(echo "$CLIENTS" | json '["data"][0]["id"]')" \
    REDIRECT_URI="$(echo "$CLIENTS" | json '["data"][0]["redirect_uris"][0]')" \
    ACS_URL="$ACS_URL" SP_ENTITY_ID="$SP_ENTITY_ID" ONE_RESPONSE_OUT="$WORK/one.b64" \
    IDP_ENTITY_ID="$IDP_ENTITY_ID" IDP_KEY_PEM="$WORK/idp.key" IDP_CERT_PEM="$WORK/idp.crt" \
    node "$PEER/acs_bench.mjs" | tee "$WORK/node.jsonl" && status=0 || status=$?

# Validations per second in process (the issue's figure), on one of the same signed responses, every core.
VERIFY_BIN="${GATEHOUSE_VERIFY_BIN:-$(dirname "$BIN")/examples/saml_verify_rate}"
if [[ -x "$VERIFY_BIN" && -s "$WORK/one.b64" ]]; then
    log "in-process verification, load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$VERIFY_BIN" "$WORK/one.b64" "$WORK/idp.crt" "$IDP_ENTITY_ID" "$SP_ENTITY_ID" "$ACS_URL" \
        "${BENCH_VERIFY_SECONDS:-10}" >"$WORK/verify.json" || status=1
    cat "$WORK/verify.json"
    python3 - "$WORK/node.jsonl" "$WORK/verify.json" <<'PY' || status=1
import json, sys
node = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
node_rate = next(p["per_second"] for p in node if p["part"].startswith("node-saml"))
ours = json.load(open(sys.argv[2]))["per_second"]
print(json.dumps({"part": "ratio, in-process verify_response / node-saml", "ratio": round(ours / node_rate, 2)}))
PY
else
    log "no $VERIFY_BIN (cargo build --release --example saml_verify_rate) or no response written"; status=1
fi
if grep -q ' ERROR ' "$WORK/stderr"; then
    log "the server logged errors:"; grep ' ERROR ' "$WORK/stderr" | head -5 >&2; status=1
fi
log "server peak RSS: $(grep VmHWM /proc/$SERVER_PID/status | awk '{print $2, $3}'), load after $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
