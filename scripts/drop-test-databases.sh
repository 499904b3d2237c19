#!/usr/bin/env bash
# Drops the per-test databases (gh_test_*) that earlier PostgreSQL test runs left behind.
# Usage: drop-test-databases.sh ADMIN_URL
set -euo pipefail
admin_url="$1"
psql "$admin_url" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'gh\_test\_%'" |
    while read -r name; do
        psql "$admin_url" -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
    done
