#!/usr/bin/env bash
# Start a local PostgreSQL for the sync server's tests and print its URL on stdout (nothing else on stdout).
#
# As root on Debian 12: installs Debian's `postgresql` package when missing, starts the newest installed cluster,
# and creates (idempotently) the role dvw (password dvw, may create databases: each test module makes its own)
# and the database dvw_test owned by it. Use it as:
#   export DVW_TEST_POSTGRES_URL="$(.ci/postgres.sh)"
set -euo pipefail

if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  echo "installing postgresql" >&2
  $sudo apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
fi

version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  $sudo pg_createcluster "$version" main >&2
fi
port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')"
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
  $sudo pg_ctlcluster "$version" main start >&2
fi

as_postgres() {
  if [ -z "$sudo" ]; then su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qtAc \"$1\""; else
    sudo -u postgres psql -p "$port" -v ON_ERROR_STOP=1 -qtAc "$1"; fi
}

# Wait until the server accepts connections (a fresh cluster needs a moment).
for _ in $(seq 1 60); do
  if as_postgres "SELECT 1" >/dev/null 2>&1; then break; fi
  sleep 0.5
done

if [ "$(as_postgres "SELECT 1 FROM pg_roles WHERE rolname = 'dvw'")" != "1" ]; then
  as_postgres "CREATE ROLE dvw LOGIN CREATEDB PASSWORD 'dvw'" >&2
fi
if [ "$(as_postgres "SELECT 1 FROM pg_database WHERE datname = 'dvw_test'")" != "1" ]; then
  as_postgres "CREATE DATABASE dvw_test OWNER dvw" >&2
fi

echo "postgresql+psycopg://dvw:dvw@127.0.0.1:${port}/dvw_test"
