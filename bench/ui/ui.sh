#!/usr/bin/env bash
# Web UI benchmark (issue 15): a gene page with N variants rendered on the server, a variant page, the CSV of
# every row, and the first contentful paint in chromium, against varde serve on loopback.
#
#   bench/ui/ui.sh [SITES] [SAMPLES] [RUNS]     default: 6,000 variants in BENCHG1, 200 samples, 20 runs
#
# The input is synthetic and seeded (bench/ui/make_vcf.py); the gene table is written beside it (VARDE_REFERENCE).
# Targets (spec/web-ui.md): gene page p95 <= 1 s, FCP <= 1.5 s, variant page <= 0.3 s, 5,000-row CSV <= 2 s.
# VARDE picks the binary (default: the release build, built when missing).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
sites=${1:-6000}
samples=${2:-200}
runs=${3:-20}
port=${PORT:-18090}
varde=${VARDE:-$root/.build/release/varde}
[[ -x $varde ]] || (cd "$root" && swift build -c release --static-swift-stdlib --product varde >&2)
tmp=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
export VARDE_PSEUDONYM_KEY=${VARDE_PSEUDONYM_KEY:-bench-secret-not-for-production-0123}
python3 "$here/make_vcf.py" "$sites" "$samples" > "$tmp/bench.vcf"
"$varde" load --quiet --store "$tmp/store.db" "$tmp/bench.vcf" >&2
mkdir -p "$tmp/ref"
printf '#SYMBOL\tENTREZ\tCHROM\tSTART\tEND\tSTRAND\nBENCHG1\t0\t22\t20000000\t21000000\t+\n' > "$tmp/ref/genes.GRCh37.tsv"
token=bench-token-$RANDOM$RANDOM
digest=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
printf '[{"name": "bench", "sha256": "%s", "role": "controlled"}]\n' "$digest" > "$tmp/tokens.json"
# SELECTION_CACHE=0: every page view runs the query (the first view of a page); the default 16 lets repeated views
# of one selection read memory, as paging does.
printf '{"tokensFile": "%s", "requestsPerTokenPerWindow": 100000000, "requestsPerAddressPerWindow": 100000000, "selectionCacheEntries": %d}\n' "$tmp/tokens.json" "${SELECTION_CACHE:-16}" > "$tmp/config.json"
VARDE_REFERENCE=$tmp/ref "$varde" serve --store "$tmp/store.db" --config "$tmp/config.json" --port "$port" --log-level warning 2>"$tmp/serve.log" &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
echo "{\"binary\": \"$varde\", \"selection_cache\": ${SELECTION_CACHE:-16}, \"sites\": $sites, \"samples\": $samples, \"cores\": $(nproc), \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
python3 "$here/ui_bench.py" "http://127.0.0.1:$port" "$token" BENCHG1 "$runs"
# The service's memory after the runs: peak and current resident set (what docs/operations.md sizes serve by).
echo "{\"serve_peak_rss_kib\": $(awk '/VmHWM/{print $2}' /proc/$server/status), \"serve_rss_kib\": $(awk '/VmRSS/{print $2}' /proc/$server/status)}"
