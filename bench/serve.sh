#!/usr/bin/env bash
# Service benchmark (issue 6): varde serve on loopback, Beacon count queries and native region queries.
#
#   bench/serve.sh [STORE|VCF] [RATE] [SECONDS]   default: bench/data/cohort10k.vcf.gz, 200 req/s, 30 s
#
# Given a VCF/BCF (bench/make_inputs.sh makes the 10,000-sample one), it first loads it into a temporary store.
#
# For each workload (Beacon g_variants range count queries with a registered token; native /api/v1/variants
# region queries), it prints one JSON line per measurement:
#   - fixed rate (bench/fixed-rate.py, open loop, latency from the scheduled send time): p50/p90/p99 at RATE
#   - wrk --latency, 2 threads, 8 connections, closed loop: the most requests per second, with percentiles
# Query positions are drawn (seeded) from the store's own variants, 10 kb windows. Goal: p99 < 50 ms at 200 req/s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
input=${1:-$here/data/cohort10k.vcf.gz}
rate=${2:-200}
seconds=${3:-30}
port=${PORT:-18080}
varde=${VARDE:-$root/.build/release/varde}
[[ -x $varde ]] || (cd "$root" && swift build -c release --static-swift-stdlib --product varde >&2)
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
[[ -f $input ]] || { echo "no store or VCF at $input (bench/make_inputs.sh makes the VCFs)" >&2; exit 1; }
tmp=$(mktemp -d)
store=$input
case $input in
  *.vcf.gz|*.bcf|*.vcf)
    export VARDE_PSEUDONYM_KEY=${VARDE_PSEUDONYM_KEY:-bench-secret-not-for-production-0123}
    store=$tmp/store.db
    echo "loading $input into $store" >&2
    "$varde" load --quiet --threads 2 --store "$store" "$input" >&2 ;;
esac
token=bench-token-$RANDOM$RANDOM
digest=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
printf '[{"name": "bench", "sha256": "%s", "role": "registered"}]\n' "$digest" > "$tmp/tokens.json"
cat > "$tmp/config.json" <<JSON
{"tokensFile": "$tmp/tokens.json", "auditLog": "$tmp/audit.jsonl", "requestsPerTokenPerWindow": 100000000,
 "requestsPerAddressPerWindow": 100000000, "storeConnections": 4}
JSON
"$varde" serve --store "$store" --config "$tmp/config.json" --port "$port" --log-level warning 2>"$tmp/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/ready" >/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }

# Query windows: positions of stored variants, sampled with a fixed seed.
sqlite3 "$store" "SELECT c.name, v.pos FROM variant v JOIN contig c ON c.contig_id = v.contig_id ORDER BY v.vid" \
  | python3 -c '
import random, sys
rows = [l.strip().split("|") for l in sys.stdin if l.strip()]
random.seed(6)
pick = random.sample(rows, min(500, len(rows)))
with open(sys.argv[1], "w") as b, open(sys.argv[2], "w") as n:
    for c, p in pick:
        p = int(p)
        b.write(f"/g_variants?referenceName={c}&start={max(0, p - 5000)}&end={p + 5000}&requestedGranularity=count\n")
        n.write(f"/api/v1/variants?region={c}:{max(1, p - 5000)}-{p + 5000}&limit=100\n")
' "$tmp/beacon.paths" "$tmp/native.paths"

echo "{\"store\": \"$store\", \"rate\": $rate, \"seconds\": $seconds, \"cores\": $(nproc)}"
for workload in beacon native; do
  sed "s#^#http://127.0.0.1:$port#" "$tmp/$workload.paths" > "$tmp/$workload.urls"
  # warm-up
  python3 "$here/fixed-rate.py" "$tmp/$workload.urls" 50 3 8 "$token" >/dev/null
  printf '{"workload": "%s", "mode": "fixed-rate", "result": %s}\n' "$workload" \
    "$(python3 "$here/fixed-rate.py" "$tmp/$workload.urls" "$rate" "$seconds" 16 "$token")"
  printf '{"workload": "%s", "mode": "wrk-max", "result": %s}\n' "$workload" \
    "$(WRK_PATHS="$tmp/$workload.paths" WRK_TOKEN="$token" wrk -t2 -c8 -d"${seconds}s" --latency -s "$here/serve-wrk.lua" "http://127.0.0.1:$port" | tail -1)"
done
