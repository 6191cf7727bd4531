#!/usr/bin/env bash
# Installs (if missing) and starts a local PostgreSQL from Debian's packages, and creates the role
# and database the VigilPostgresTests use. Idempotent; run as root on a fresh Debian machine.
# It exports nothing: it prints the POSTGRES_* values to pass to `swift test`.
set -euo pipefail
# Everything but the final POSTGRES_* lines goes to stderr, so callers can use stdout as-is.
exec 3>&1 1>&2
# (The server started below must not inherit fd 3, or the caller's $(...) never ends.)

PGUSER_NAME="${VIGIL_PG_USER:-vigil}"
PGPASS="${VIGIL_PG_PASSWORD:-vigil-test}"
PGDB="${VIGIL_PG_DB:-vigil_test}"
PGPORT="${VIGIL_PG_PORT:-5432}"

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null 3>&-
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$VERSION main"; then
    pg_createcluster --port "$PGPORT" "$VERSION" main >/dev/null 3>&-
fi
PORT="$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')"
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    pg_ctlcluster "$VERSION" main start 3>&-
fi

for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$PORT" && break
    sleep 1
done
pg_isready -h 127.0.0.1 -p "$PORT" >/dev/null

psql_admin() { su postgres -c "psql -X -q -v ON_ERROR_STOP=1 -p $PORT $*"; }
if [ "$(psql_admin "-tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$PGUSER_NAME'\"")" != "1" ]; then
    psql_admin "-c \"CREATE ROLE $PGUSER_NAME LOGIN PASSWORD '$PGPASS'\""
fi
if [ "$(psql_admin "-tAc \"SELECT 1 FROM pg_database WHERE datname = '$PGDB'\"")" != "1" ]; then
    psql_admin "-c \"CREATE DATABASE $PGDB OWNER $PGUSER_NAME\""
fi

{
    echo "POSTGRES_HOST=127.0.0.1"
    echo "POSTGRES_PORT=$PORT"
    echo "POSTGRES_USER=$PGUSER_NAME"
    echo "POSTGRES_PASSWORD=$PGPASS"
    echo "POSTGRES_DB=$PGDB"
} >&3
