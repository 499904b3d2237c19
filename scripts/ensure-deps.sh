#!/usr/bin/env bash
# Install what building or testing Gatehouse needs, and only what is missing.
#
#   scripts/ensure-deps.sh build   Debian build/run packages, rustfmt, clippy
#   scripts/ensure-deps.sh test    build + PostgreSQL (scripts/ensure-postgres.sh) + pinned Python and npm peers
#
# Silent when nothing is missing; idempotent; safe without a terminal (CI).
set -euo pipefail

MODE="${1:-}"
case "$MODE" in
    build | test) ;;
    *)
        echo "usage: $0 build|test" >&2
        exit 2
        ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

BUILD_PACKAGES=(
    pkg-config libssl-dev clang libclang-dev libxml2-dev libxmlsec1-dev libxmlsec1-openssl xmlsec1 sqlite3
)

# Only for the test suite: the headless browser that tests/browser/ drives with Playwright.
TEST_PACKAGES=(chromium)

log() { printf 'ensure-deps: %s\n' "$*" >&2; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

SUDO=()
if [[ "$(id -u)" != 0 ]]; then
    SUDO=(sudo -n)
fi

APT_UPDATED=0
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if [[ "$APT_UPDATED" == 0 ]]; then
        "${SUDO[@]}" apt-get update -qq
        APT_UPDATED=1
    fi
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_debian_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        installed "$pkg" || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        log "installing Debian packages: ${missing[*]}"
        apt_install "${missing[@]}"
    fi
}

ensure_rust_components() {
    command -v cargo >/dev/null 2>&1 || { log "cargo not found; install Rust (rustup) first"; exit 1; }
    if ! cargo fmt --version >/dev/null 2>&1; then
        log "installing rustup component rustfmt"
        rustup component add rustfmt >/dev/null 2>&1
    fi
    if ! cargo clippy --version >/dev/null 2>&1; then
        log "installing rustup component clippy"
        rustup component add clippy >/dev/null 2>&1
    fi
}

# Python peers pinned in tests/interop/requirements.txt (name==version lines).
ensure_python_packages() {
    local req="$ROOT/tests/interop/requirements.txt"
    [[ -f "$req" ]] || return 0
    if ! command -v python3 >/dev/null 2>&1; then
        log "installing python3"
        apt_install python3 python3-pip python3-venv
    fi
    if ! python3 -m pip --version >/dev/null 2>&1; then
        log "installing python3-pip"
        apt_install python3-pip
    fi
    local frozen missing=() line want
    frozen="$(python3 -m pip freeze --disable-pip-version-check 2>/dev/null | tr '[:upper:]_' '[:lower:]-')"
    while IFS= read -r line || [[ -n "$line" ]]; do
        line="${line%%#*}"
        line="${line//[[:space:]]/}"
        [[ -n "$line" ]] || continue
        want="$(printf '%s' "$line" | tr '[:upper:]_' '[:lower:]-')"
        grep -qxF "$want" <<<"$frozen" || missing+=("$line")
    done <"$req"
    if ((${#missing[@]})); then
        log "installing Python packages: ${missing[*]}"
        local pip=(python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r "$req")
        local err
        if ! err="$("${pip[@]}" 2>&1)"; then
            # Debian's own python3 is "externally managed" (PEP 668); override that, else fail loudly.
            if grep -q externally-managed <<<"$err"; then
                "${pip[@]}" --break-system-packages
            else
                printf '%s\n' "$err" >&2
                exit 1
            fi
        fi
    fi
}

# Node peers: every tests/interop/*/package.json (and sdk-gen/*/package.json, tests/browser) with a
# committed package-lock.json is installed with `npm ci`, again only when the lock changed since.
ensure_node_packages() {
    local lock dir
    shopt -s nullglob
    local locks=("$ROOT"/tests/interop/*/package-lock.json "$ROOT"/sdk-gen/*/package-lock.json "$ROOT"/tests/browser/package-lock.json)
    shopt -u nullglob
    ((${#locks[@]})) || return 0
    if ! command -v npm >/dev/null 2>&1; then
        log "installing nodejs and npm"
        apt_install nodejs npm
    fi
    for lock in "${locks[@]}"; do
        dir="$(dirname "$lock")"
        if [[ ! -f "$dir/node_modules/.package-lock.json" || "$lock" -nt "$dir/node_modules/.package-lock.json" ]]; then
            log "installing npm packages in ${dir#"$ROOT"/}"
            (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
        fi
    done
}

ensure_debian_packages "${BUILD_PACKAGES[@]}"
ensure_rust_components

if [[ "$MODE" == test ]]; then
    ensure_debian_packages "${TEST_PACKAGES[@]}"
    bash "$ROOT/scripts/ensure-postgres.sh" >/dev/null
    ensure_python_packages
    ensure_node_packages
fi
