#!/usr/bin/env bash
# Backend benchmark (issue 13): SQLite against one PostgreSQL server and against a sharded PostgreSQL store, same
# file, same run, against bcftools.
#
#   [SHARDS="URL URL URL"] bench/backends.sh POSTGRES_URL [bench/data/cohort10k.vcf.gz] [REGION]
#
# POSTGRES_URL names a database (e.g. the one scripts/start-postgres.sh prints); each store is a fresh schema in it.
# SHARDS (e.g. what scripts/start-shards.sh prints) adds a sharded store: its catalog a fresh schema of POSTGRES_URL,
# its large tables on those servers. PostgreSQL loads run ${PG_RUNS:-1} time(s) (they take minutes).
# For each backend, min of $RUNS runs (default 3) where it is cheap, warm cache, release build:
#   - load FILE (one batch) / bcftools view -Ou FILE
#   - a 1 Mb region, all-sample AC/AN/AF: varde query --region / bcftools view -r REGION FILE
#   - AF in a seeded 1,000-sample cohort: varde query --cohort / bcftools view -S | +fill-tags
#   - store bytes (varde stats)
#   - the per-genome workload: $GENOMES (default 100) single-sample files of FILE's first samples, one batch each
#     (varde load --files-from, --jobs 1): files/s
#   - concurrent clients: 8 connections (wrk, 2 threads, closed loop, $SECONDS_WRK s) doing registered-tier Beacon
#     count queries for random variants, spread over 2 varde serve processes on the one store: requests/s, p50/p99
# Prints a Markdown table; raw numbers go to bench/results/backends-TIMESTAMP.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
pg=${1:?usage: bench/backends.sh POSTGRES_URL [FILE] [REGION]}
file=${2:-$here/data/cohort10k.vcf.gz}
region=${3:-22:18000000-19000000}
runs=${RUNS:-3}
genomes=${GENOMES:-100}
seconds=${SECONDS_WRK:-10}
varde=${VARDE:-$root/.build/release/varde}
[[ -x $varde ]] || (cd "$root" && swift build -c release --static-swift-stdlib --product varde >&2)
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
export VARDE_PSEUDONYM_KEY=${VARDE_PSEUDONYM_KEY:-bench-secret-not-for-production-0123}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

. "$here/timing.sh"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
schema() { echo "${pg}?schema=bench_$1_$(date +%s%N | tail -c 9)"; }

cat "$file" >/dev/null
records=$(bcftools index -n "$file"); samples=$(bcftools query -l "$file" | wc -l)
bcftools query -l "$file" | shuf -n 1000 --random-source=<(yes 42) > "$tmp/cohort.txt"
bcf_parse=$(for i in $(seq "$runs"); do wall "bcftools view -Ou '$file' -o /dev/null"; done | best)
bcf_region=$(for i in $(seq "$runs"); do wall "bcftools view -r $region '$file'"; done | best)
bcf_cohort=$(for i in $(seq "$runs"); do wall "bcftools view -S '$tmp/cohort.txt' -r $region '$file' -Ou | bcftools +fill-tags -Ov -- -t AC,AN,AF"; done | best)

# The per-genome files: each sample's non-reference sites, renamed so they are new people.
mkdir -p "$tmp/genomes"
bcftools query -l "$file" | sed -n "1,${genomes}p" > "$tmp/genome-names"
while read -r s; do
  echo "G_$s" > "$tmp/genomes/$s.name"
  echo "bcftools view -s $s -c1 -a '$file' -Ou | bcftools reheader -s '$tmp/genomes/$s.name' | bcftools view -Oz -o '$tmp/genomes/$s.vcf.gz'"
done < "$tmp/genome-names" | xargs -P 2 -I{} bash -c '{}'
ls "$tmp"/genomes/*.vcf.gz > "$tmp/genome-files"

# A new store of the backend: a path, a schema, or a schema initialised over the shards.
new_store() {
  case $1 in
    sqlite) echo "$tmp/store-$2.db" ;;
    postgres) schema "$2" ;;
    sharded) local s; s=$(schema "sh$2"); "$varde" store init "$s" $(printf -- '--shard %s ' $SHARDS) >/dev/null; echo "$s" ;;
  esac
}
backends=(sqlite postgres)
[[ -n ${SHARDS:-} ]] && backends+=(sharded)
declare -A load_s region_s cohort_s bytes genome_fps rps p50 p99
for backend in "${backends[@]}"; do
  load_best=999999
  n=$([[ $backend == sqlite ]] && echo "$runs" || echo "${PG_RUNS:-1}")
  for i in $(seq "$n"); do
    store=$(new_store "$backend" "load$i")
    w=$(wall "'$varde' load --quiet --threads 2 --store '$store' '$file'")
    awk -v a="$w" -v b="$load_best" 'BEGIN{exit !(a<b)}' && load_best=$w
    last=$store
  done
  load_s[$backend]=$load_best
  region_s[$backend]=$(for i in $(seq "$runs"); do wall "'$varde' query --store '$last' --region $region"; done | best)
  cohort_s[$backend]=$(for i in $(seq "$runs"); do wall "'$varde' query --store '$last' --region $region --cohort '$tmp/cohort.txt'"; done | best)
  bytes[$backend]=$("$varde" stats --store "$last" | awk -F'\t' '$1=="bytes_on_disk" {print $2}')
  # Per-genome workload into a fresh store.
  gstore=$(new_store "$backend" genomes)
  gw=$(wall "'$varde' load --quiet --no-compact --jobs 1 --store '$gstore' --files-from '$tmp/genome-files'")
  genome_fps[$backend]=$(awk -v n="$genomes" -v w="$gw" 'BEGIN { printf "%.1f", n / w }')
  # Two servers on the loaded store, 8 clients.
  printf '[{"name":"bench","sha256":"%s","role":"registered"}]' "$(printf 'bench-token-0123456789' | sha256sum | cut -d' ' -f1)" > "$tmp/tokens.json"
  printf '{"tokensFile":"%s","auditLog":"%s/audit-%s.jsonl","requestsPerAddressPerWindow":100000000,"requestsPerTokenPerWindow":100000000}' \
    "$tmp/tokens.json" "$tmp" "$backend" > "$tmp/serve.json"
  ports=()
  for n in 1 2; do
    port=$((30000 + RANDOM % 20000))
    "$varde" serve --store "$last" --config "$tmp/serve.json" --port "$port" --log-level error >/dev/null 2>"$tmp/serve-$backend-$n.log" &
    pids+=($!)
    ports+=("$port")
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  done
  bcftools query -r "$region" -f '%CHROM\t%POS\t%REF\t%ALT\n' "$file" | shuf -n 2000 --random-source=<(yes 7) |
    awk -F'\t' '{printf "/g_variants?referenceName=%s&start=%d&referenceBases=%s&alternateBases=%s&requestedGranularity=count\n", $1, $2-1, $3, $4}' > "$tmp/paths"
  # 8 connections in all: 4 to each server, at once.
  wrks=()
  for port in "${ports[@]}"; do
    WRK_PATHS="$tmp/paths" WRK_TOKEN=bench-token-0123456789 wrk -t1 -c4 -d"${seconds}s" --latency -s "$here/serve-wrk.lua" \
      "http://127.0.0.1:$port" > "$tmp/wrk-$backend-$port.out" &
    wrks+=($!)
  done
  wait "${wrks[@]}"
  for port in "${ports[@]}"; do tail -1 "$tmp/wrk-$backend-$port.out" > "$tmp/wrk-$backend-$port.json"; done
  rps[$backend]=$(cat "$tmp"/wrk-"$backend"-*.json | python3 -c 'import json,sys; print(round(sum(json.loads(l)["rate"] for l in sys.stdin if l.strip())))')
  p50[$backend]=$(cat "$tmp"/wrk-"$backend"-*.json | python3 -c 'import json,sys; v=[json.loads(l) for l in sys.stdin if l.strip()]; print(max(x["p50_ms"] for x in v))')
  p99[$backend]=$(cat "$tmp"/wrk-"$backend"-*.json | python3 -c 'import json,sys; v=[json.loads(l) for l in sys.stdin if l.strip()]; print(max(x["p99_ms"] for x in v))')
  errors=$(cat "$tmp"/wrk-"$backend"-*.json | python3 -c 'import json,sys; print(sum(json.loads(l)["errors"] for l in sys.stdin if l.strip()))')
  [[ $errors == 0 ]] || echo "warning: $errors wrk errors on $backend" >&2
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pids=()
done

out=$here/results/backends-$(date -u +%Y%m%dT%H%MZ).md
{
printf '\nBackend benchmark, %s, %s, %s cores; %s; %s; %s records x %s samples, region %s\n\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)" "$(nproc)" "$(bcftools --version | head -1)" \
  "$(psql "$pg" -tAc 'SHOW server_version' 2>/dev/null | sed 's/^/PostgreSQL /')" "$records" "$samples" "$region"
names=(); for b in "${backends[@]}"; do case $b in sqlite) names+=(SQLite) ;; postgres) names+=(PostgreSQL) ;; sharded) names+=("$(wc -w <<<"$SHARDS")-shard PostgreSQL") ;; esac; done
row() {  # label, bcftools cell, then the array's name: one cell per backend
  local label=$1 bcf=$2 line b
  local -n a=$3
  line="| $label | $bcf |"
  for b in "${backends[@]}"; do line+=" ${a[$b]} |"; done
  echo "$line"
}
per() {  # label, denominator, array's name: value / denominator per backend
  local label=$1 d=$2 line b
  local -n a=$3
  line="| $label | |"
  for b in "${backends[@]}"; do line+=" $(ratio "${a[$b]}" "$d") |"; done
  echo "$line"
}
echo "| measure | bcftools |$(printf ' %s |' "${names[@]}")"
echo "|---|--:|$(for b in "${backends[@]}"; do printf -- '--:|'; done)"
row "load one batch, s" "${bcf_parse} (view -Ou)" load_s
per "load / bcftools parse" "$bcf_parse" load_s
row "1 Mb region, s" "${bcf_region} (view -r)" region_s
per "region / bcftools view -r" "$bcf_region" region_s
row "1,000-sample cohort AF, s" "${bcf_cohort} (view -S, fill-tags)" cohort_s
per "cohort / bcftools" "$bcf_cohort" cohort_s
row "store bytes" "" bytes
row "per-genome loads ($genomes files, one batch each), files/s" "" genome_fps
row "Beacon count queries, 8 clients over 2 varde serve, req/s" "" rps
row "same, p50 ms (worse server)" "" p50
row "same, p99 ms (worse server)" "" p99
} | tee "$out"
