#!/usr/bin/env bash
# Runs every test: installs missing Debian packages, builds, and runs the suites.
# The whole-corpus robustness test runs when VARDE_CORPUS names folders (CI sets it to the shared corpus).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [[ -z "${VARDE_CORPUS:-}" ]]; then
  corpus=()
  [[ -d ../shared/vcf-testdata ]] && corpus+=("$(cd ../shared/vcf-testdata && pwd)")
  [[ -d /usr/share/htslib-test ]] && corpus+=(/usr/share/htslib-test)
  VARDE_CORPUS=$(IFS=:; echo "${corpus[*]:-}")
  export VARDE_CORPUS
fi
# The OMOP export tests load into a real PostgreSQL: start the local cluster when we may (CI sets the URL itself).
if [[ -z "${VARDE_TEST_POSTGRES_URL:-}" ]]; then
  if [[ $(id -u) -eq 0 ]] && url=$(scripts/start-postgres.sh); then
    export VARDE_TEST_POSTGRES_URL=$url
  else
    echo "note: PostgreSQL not started (run as root, or set VARDE_TEST_POSTGRES_URL): the PostgreSQL export tests will be skipped" >&2
  fi
fi
# The sharded-store tests need shard servers: three throw-away clusters on loopback when we may.
if [[ -z "${VARDE_TEST_PG_SHARDS:-}" && -n "${VARDE_TEST_POSTGRES_URL:-}" && $(id -u) -eq 0 ]] && shards=$(scripts/start-shards.sh); then
  export VARDE_TEST_PG_SHARDS=$shards
fi
swift build --build-tests
swift test --skip-build --disable-xctest
