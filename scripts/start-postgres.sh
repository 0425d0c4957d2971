#!/usr/bin/env bash
# Starts the local PostgreSQL cluster (Debian's postgresql package) and makes the test role and database.
# Prints the URL to use as VARDE_TEST_POSTGRES_URL. Run as root (CI) or with sudo. Idempotent.
set -euo pipefail
user=varde password=varde db=varde_test port=${VARDE_PG_PORT:-5432}
command -v pg_lsclusters >/dev/null || { echo "postgresql is not installed: scripts/install-deps.sh installs it" >&2; exit 1; }
cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
if [[ -z "$cluster" ]]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_createcluster "$version" main --port "$port" >&2
  cluster="$version main"
fi
read -r version name <<<"$cluster"
if ! pg_lsclusters --no-header | awk -v v="$version" -v n="$name" '$1==v && $2==n {print $4}' | grep -q online; then
  pg_ctlcluster "$version" "$name" start >&2
fi
port=$(pg_lsclusters --no-header | awk -v v="$version" -v n="$name" '$1==v && $2==n {print $3}')
as_postgres() { if [[ $(id -un) == postgres ]]; then "$@"; else su postgres -c "$(printf '%q ' "$@")"; fi; }
as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_roles WHERE rolname='$user'" | grep -q 1 \
  || as_postgres psql -p "$port" -qc "CREATE ROLE $user LOGIN PASSWORD '$password'" >&2
as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
  || as_postgres psql -p "$port" -qc "CREATE DATABASE $db OWNER $user" >&2
# A sharded store's catalog reaches its shards through postgres_fdw and dblink, which only a superuser installs.
as_postgres psql -p "$port" -d "$db" -qc "CREATE EXTENSION IF NOT EXISTS postgres_fdw; CREATE EXTENSION IF NOT EXISTS dblink;
  GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO $user" >&2
echo "postgres://$user:$password@127.0.0.1:$port/$db"
