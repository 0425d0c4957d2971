#!/usr/bin/env bash
# Query benchmark (issue 4): varde query vs bcftools on the same indexed VCF, same run.
#
#   bench/query.sh [bench/data/cohort10k.vcf.gz] [REGION]
#
# Loads FILE into a fresh store (release build), then measures, min of $RUNS runs (default 5), warm cache:
#   - a 1 Mb region with all-sample AC/AN/AF: `varde query --region` vs `bcftools view -r REGION FILE`
#   - AF within a random 1,000-sample cohort (seeded): `varde query --region --cohort` vs
#     `bcftools view -S cohort -r REGION FILE | bcftools +fill-tags -- -t AC,AN,AF`
#   - single-variant lookups, warm, in-process (bench/VardeBench): p50/p99 over 2,000 random variants
# Wall times are whole processes (start, store open, query, output to /dev/null) on both sides, each started by
# `bash -c`, to the millisecond.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
runs=${RUNS:-5}
file=${1:-$here/data/cohort10k.vcf.gz}
region=${2:-22:18000000-19000000}
(cd "$root" && swift build -c release --static-swift-stdlib --product varde >&2 && swift build -c release --static-swift-stdlib --product varde-bench >&2)
varde=$root/.build/release/varde
bench=$root/.build/release/varde-bench
export VARDE_PSEUDONYM_KEY=${VARDE_PSEUDONYM_KEY:-bench-secret-not-for-production-0123}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

. "$here/timing.sh"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.4f", a/b}'; }

"$varde" load --quiet --threads 2 --store "$tmp/s.db" "$file"
bcftools query -l "$file" | awk 'BEGIN{srand(7)} rand() < 0.1' > "$tmp/cohort.txt"
cohort_size=$(wc -l < "$tmp/cohort.txt")
cat "$file" "$tmp/s.db" > /dev/null

rows=$("$varde" query --store "$tmp/s.db" --region "$region" | sed 1d | wc -l)
region_varde=$(for i in $(seq $runs); do wall "'$varde' query --store '$tmp/s.db' --region '$region'"; done | best)
region_bcf=$(for i in $(seq $runs); do wall "bcftools view -r '$region' '$file'"; done | best)
cohort_varde=$(for i in $(seq $runs); do wall "'$varde' query --store '$tmp/s.db' --region '$region' --cohort '$tmp/cohort.txt'"; done | best)
cohort_bcf=$(for i in $(seq $runs); do wall "bcftools view -S '$tmp/cohort.txt' -r '$region' '$file' -Ou | bcftools +fill-tags -- -t AC,AN,AF"; done | best)
"$bench" "$tmp/s.db" 2000 "$tmp/cohort.txt" "$region" > "$tmp/inproc.json"
p50=$(python3 -c "import json,sys; print('%.3f' % json.load(open('$tmp/inproc.json'))['lookup_ms']['p50'])")
p99=$(python3 -c "import json,sys; print('%.3f' % json.load(open('$tmp/inproc.json'))['lookup_ms']['p99'])")
inproc_cohort=$(python3 -c "import json,sys; print('%.3f' % json.load(open('$tmp/inproc.json'))['cohort']['cohort_region_s_min'])")

printf '\nQuery benchmark, %s, %s, %s cores; %s; %s, %s variants in %s, cohort of %s samples\n\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)" "$(nproc)" "$(bcftools --version | sed -n 1p)" \
  "$(basename "$file")" "$rows" "$region" "$cohort_size"
echo "| query | Varde s | bcftools s | ratio | goal |"
echo "|---|--:|--:|--:|---|"
echo "| 1 Mb region, all-sample AC/AN/AF | $region_varde | $region_bcf | $(ratio "$region_varde" "$region_bcf") | ≤ 0.05 |"
echo "| 1 Mb region, AF in the cohort | $cohort_varde | $cohort_bcf | $(ratio "$cohort_varde" "$cohort_bcf") | ≤ 0.01 |"
echo "| cohort query in-process (no process start) | $inproc_cohort | | $(ratio "$inproc_cohort" "$cohort_bcf") | |"
echo "| single-variant lookup in-process, p50 / p99 ms | $p50 / $p99 | | | < 5 ms |"
