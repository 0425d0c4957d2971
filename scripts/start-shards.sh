#!/usr/bin/env bash
# Starts N (default 3) throw-away PostgreSQL clusters on loopback for the sharded-store tests and benchmarks
# (initdb + pg_ctl, ports 55441.., data under $VARDE_SHARDS_DIR, default /var/tmp/varde-shards), each with the role
# varde/varde (password authentication over TCP, as postgres_fdw requires for a non-superuser) and a database
# varde_shard. Prints the shard URLs, space-separated, for VARDE_TEST_PG_SHARDS. Run as root (CI) or as postgres.
# Idempotent: a running cluster is left as it is. `scripts/start-shards.sh stop` stops them.
set -euo pipefail
n=${VARDE_SHARDS:-3} base=${VARDE_SHARDS_PORT:-55441} dir=${VARDE_SHARDS_DIR:-/var/tmp/varde-shards}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
[[ -x $bin/initdb ]] || { echo "PostgreSQL's initdb is not installed: scripts/install-deps.sh installs postgresql" >&2; exit 1; }
as_postgres() { if [[ $(id -un) == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi; }
mkdir -p "$dir"; chown postgres: "$dir" 2>/dev/null || true
urls=()
for ((i = 1; i <= n; i++)); do
  port=$((base + i - 1)) data="$dir/s$i"
  if [[ ${1:-} == stop ]]; then
    [[ -f $data/postmaster.pid ]] && as_postgres "$bin/pg_ctl" -D "$data" -m fast stop >&2 || true
    continue
  fi
  if [[ ! -f $data/PG_VERSION ]]; then
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    cat >> "$data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
shared_buffers = 128MB
max_connections = 200
CONF
  fi
  if ! as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_postgres "$bin/pg_ctl" -D "$data" -l "$data/log" -w start >/dev/null
  fi
  psql_() { as_postgres psql -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }
  psql_ -tAc "SELECT 1 FROM pg_roles WHERE rolname='varde'" | grep -q 1 || psql_ -qc "CREATE ROLE varde LOGIN PASSWORD 'varde'"
  psql_ -tAc "SELECT 1 FROM pg_database WHERE datname='varde_shard'" | grep -q 1 || psql_ -qc "CREATE DATABASE varde_shard OWNER varde"
  urls+=("postgres://varde:varde@127.0.0.1:$port/varde_shard")
done
[[ ${1:-} == stop ]] || echo "${urls[*]}"
