#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with a `gatehouse` role
# (password `gatehouse`, LOGIN CREATEDB) and print its admin URL on stdout, one line.
# Everything else goes to stderr. Idempotent: installs, creates or starts only what is missing.
#
#   GATEHOUSE_TEST_PG_URL=...  if set, printed as is and nothing else is done.
set -euo pipefail

HOST=127.0.0.1
PORT=5432
ROLE=gatehouse
PASSWORD=gatehouse
URL="postgres://${ROLE}:${PASSWORD}@${HOST}:${PORT}/postgres"
MIN_CONNECTIONS=200
SET_CONNECTIONS=300

if [[ -n "${GATEHOUSE_TEST_PG_URL:-}" ]]; then
    printf '%s\n' "$GATEHOUSE_TEST_PG_URL"
    exit 0
fi

log() { printf 'ensure-postgres: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

ready() { pg_isready -q -h "$HOST" -p "$PORT" >/dev/null 2>&1; }

# Up to 3 minutes: a cluster that was not shut down cleanly replays its WAL and fsyncs its data
# directory first, which took over a minute here with many test databases on disk.
wait_ready() {
    local _
    for _ in $(seq 1 360); do
        ready && return 0
        sleep 0.5
    done
    return 1
}

as_postgres() {
    # Run from / so psql does not complain about an unreadable working directory.
    (cd / && runuser -u postgres -- "$@")
}

# psql as the postgres superuser over the local socket of the cluster on $PORT.
super_psql() {
    as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres "$@"
}

# Cluster (version/name) listening on $PORT, if any.
cluster_on_port() {
    pg_lsclusters -h 2>/dev/null | awk -v p="$PORT" '$3 == p { print $1 "/" $2; exit }'
}

install_postgres() {
    [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed and this is not root; install it or set GATEHOUSE_TEST_PG_URL"
    log "installing postgresql (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
}

start_cluster() {
    local cluster version name
    cluster="$(cluster_on_port)"
    if [[ -z "$cluster" ]]; then
        version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" 2>/dev/null | sort -n | tail -1)"
        [[ -n "$version" ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
        name=main
        if pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v && $2 == "main" { f = 1 } END { exit !f }'; then
            name=gatehouse
        fi
        log "creating cluster $version/$name on port $PORT"
        pg_createcluster --locale=C.UTF-8 -p "$PORT" "$version" "$name" >&2
        cluster="$version/$name"
    fi
    # Containers without systemd-tmpfiles may lack the socket directory.
    install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    log "starting cluster $cluster"
    pg_ctlcluster "${cluster%/*}" "${cluster#*/}" start >&2 || true
    wait_ready || die "cluster $cluster did not become ready on $HOST:$PORT (see /var/log/postgresql/)"
}

if ! ready; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        install_postgres
    fi
    ready || start_cluster
fi

# From here on the server answers. If it is a local Debian cluster we can administer it.
if id postgres >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1 && super_psql -tAc 'select 1' >/dev/null 2>&1; then
    super_psql >&2 <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN
        CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}';
    ELSE
        ALTER ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}';
    END IF;
END
\$\$;
SQL
    max="$(super_psql -tAc 'show max_connections')"
    if (( max < MIN_CONNECTIONS )); then
        cluster="$(cluster_on_port)"
        [[ -n "$cluster" ]] || die "max_connections is $max (< $MIN_CONNECTIONS) and no local cluster on port $PORT to restart"
        log "raising max_connections from $max to $SET_CONNECTIONS and restarting $cluster"
        super_psql -c "ALTER SYSTEM SET max_connections = ${SET_CONNECTIONS}" >&2
        pg_ctlcluster "${cluster%/*}" "${cluster#*/}" restart >&2
        wait_ready || die "cluster $cluster did not come back after restart"
    fi
else
    log "cannot administer the server on $HOST:$PORT as the postgres OS user; assuming the ${ROLE} role exists"
fi

# The URL must work before we hand it out.
if ! PGCONNECT_TIMEOUT=5 psql -X -q "$URL" -tAc 'select 1' >/dev/null 2>&1; then
    die "cannot connect as ${ROLE} to $HOST:$PORT (check pg_hba.conf allows password auth for 127.0.0.1)"
fi

printf '%s\n' "$URL"
