#!/usr/bin/env bash
# Regenerates the generated part of both SDKs from the committed sdk-gen/openapi.json.
#
#   scripts/sdk.sh          write sdk-gen/typescript/src/schema.d.ts and sdk-gen/python/gatehouse_client/
#   scripts/sdk.sh --check  regenerate into a temp dir and fail if the committed code differs (stale)
#
# Generators are pinned: openapi-typescript in sdk-gen/typescript/package-lock.json,
# openapi-python-client (and the ruff it formats with) in tests/interop/requirements.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SDK="$ROOT/sdk-gen"
CHECK=0
[[ "${1:-}" == "--check" ]] && CHECK=1

TS_GEN="$SDK/typescript/node_modules/.bin/openapi-typescript"
if [[ ! -x "$TS_GEN" ]]; then
    echo "sdk: $TS_GEN is missing; run scripts/ensure-deps.sh test" >&2
    exit 2
fi
if ! command -v openapi-python-client >/dev/null 2>&1; then
    echo "sdk: openapi-python-client is missing; run scripts/ensure-deps.sh test" >&2
    exit 2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
OUT="$SDK"
((CHECK)) && OUT="$WORK/out"
mkdir -p "$OUT/typescript/src" "$OUT/python"

# Both generators read the spec through normalize_spec.py (poem-openapi output quirks).
python3 "$SDK/normalize_spec.py" "$SDK/openapi.json" >"$WORK/openapi.sdk.json"
"$TS_GEN" "$WORK/openapi.sdk.json" --output "$OUT/typescript/src/schema.d.ts" --silent >/dev/null

openapi-python-client generate --path "$WORK/openapi.sdk.json" --config "$SDK/python/config.yml" \
    --meta none --output-path "$OUT/python/gatehouse_client" --overwrite >"$WORK/python.log" 2>&1 || {
    cat "$WORK/python.log" >&2
    exit 1
}
if grep -q "Warning" "$WORK/python.log"; then
    cat "$WORK/python.log" >&2
    echo "sdk: openapi-python-client skipped parts of the API; fix the spec or normalize_spec.py" >&2
    exit 1
fi
find "$OUT/python/gatehouse_client" \( -name __pycache__ -o -name .ruff_cache \) -prune -exec rm -rf {} +

if ((CHECK)); then
    stale=0
    diff -u "$SDK/typescript/src/schema.d.ts" "$OUT/typescript/src/schema.d.ts" >"$WORK/ts.diff" || stale=1
    diff -ru -x __pycache__ "$SDK/python/gatehouse_client" "$OUT/python/gatehouse_client" >"$WORK/py.diff" || stale=1
    if ((stale)); then
        head -c 4000 "$WORK/ts.diff" "$WORK/py.diff" >&2
        echo "sdk: the generated SDK code is stale against sdk-gen/openapi.json; run 'make sdk' and commit" >&2
        exit 1
    fi
    echo "sdk: generated code is up to date"
else
    echo "sdk: regenerated sdk-gen/typescript/src/schema.d.ts and sdk-gen/python/gatehouse_client"
fi
