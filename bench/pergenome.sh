#!/usr/bin/env bash
# Per-genome ingest benchmark (issue 12): one genome per file, as labs deliver them, loaded one batch per file.
#
#   bench/pergenome.sh [bench/data/cohort10k.vcf.gz] [N=1000] [REGION=22:18000000-19000000]
#
# From the 10,000-sample cohort: N samples as single-sample VCF.gz files (bcftools +split; hom-ref sites dropped,
# as a lab's VCF has them; no-calls kept) and the same N samples as one multi-sample file. Then, same run, release
# build:
#   - each file loaded by its own `varde load --no-compact` process, 1st to Nth: wall time per batch (must stay flat)
#   - store bytes and the cohort query (150 of the N samples, REGION) before compaction, after `varde compact`, and
#     on the one-batch store; bcftools on the one-batch file for the ratio; the TSVs must be byte-identical
#   - compaction time; store bytes and cohort query at N/4, N/2, N (compacted), for the projection
#   - `varde load --files-from --jobs 2` of all N files: files/s and records/s on 2 cores
# Whole-process wall times to the millisecond, min of $RUNS (default 5) for queries.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
file=${1:-$here/data/cohort10k.vcf.gz}
n=${2:-1000}
region=${3:-22:18000000-19000000}
runs=${RUNS:-5}
varde=${VARDE:-$root/.build/release/varde}
[[ -x $varde ]] || (cd "$root" && swift build -c release --static-swift-stdlib --product varde >&2)
export VARDE_PSEUDONYM_KEY=${VARDE_PSEUDONYM_KEY:-bench-secret-not-for-production-0123}
tmp=${BENCH_TMP:-$(mktemp -d)}; [[ -n ${BENCH_TMP:-} ]] || trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/files"

. "$here/timing.sh"
used_bytes() { "$varde" stats --store "$1" | awk -F'\t' '$1=="bytes_on_disk"{print $2}'; }
query_time() { local c=${2:-$tmp/cohort.txt}; for i in $(seq $runs); do wall "'$varde' query --store '$1' --region '$region' --cohort '$c'"; done | best; }

# Inputs.
bcftools query -l "$file" | awk -v n="$n" 'NR % int(10000 / n) == 1' | head -n "$n" > "$tmp/samples.txt"
awk 'BEGIN{srand(11)} rand() < 0.15' "$tmp/samples.txt" > "$tmp/cohort.txt"
t0=$EPOCHREALTIME
split_s="(reused)"
if [[ ! -f $tmp/together.vcf.gz.tbi ]]; then   # BENCH_TMP keeps the inputs of an earlier run
  bcftools +split -S "$tmp/samples.txt" -e 'GT="RR"' -Oz -o "$tmp/files" "$file"
  split_s=$(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN{printf "%.1f", e-s}')
  bcftools view -S "$tmp/samples.txt" -Oz -o "$tmp/together.vcf.gz" "$file"
  tabix -p vcf "$tmp/together.vcf.gz"
fi
rm -f "$tmp"/*.db "$tmp"/*.db-wal "$tmp"/*.db-shm
ls "$tmp"/files/*.vcf.gz | sort > "$tmp/list.txt"
records_total=0
while read -r f; do records_total=$(( records_total + $(bcftools index -n "$f" 2>/dev/null || bcftools view -H "$f" | wc -l) )); done < <(head -20 "$tmp/list.txt")
records_per_file=$(( records_total / 20 ))

# 1. One by one, one process per file.
: > "$tmp/per-batch.tsv"
i=0
while read -r f; do
  i=$((i + 1))
  s=$(wall "'$varde' load --quiet --no-compact --threads 1 --store '$tmp/pf.db' '$f'")
  echo -e "$i\t$s" >> "$tmp/per-batch.tsv"
  if (( i == n / 4 || i == n / 2 )); then cp "$tmp/pf.db" "$tmp/pf-$i.db"; fi
done < "$tmp/list.txt"
mean() { awk -v a="$1" -v b="$2" -F'\t' '$1>=a && $1<=b {s+=$2; c++} END{printf "%.4f", s/c}' "$tmp/per-batch.tsv"; }
slope=$(awk -F'\t' '{x+=$1; y+=$2; xx+=$1*$1; xy+=$1*$2; c++} END{printf "%.3g", (c*xy-x*y)/(c*xx-x*x)}' "$tmp/per-batch.tsv")

# 2. Before compaction, compacted, one batch.
cat "$tmp/pf.db" "$tmp/together.vcf.gz" > /dev/null
bytes_before=$(used_bytes "$tmp/pf.db"); q_before=$(query_time "$tmp/pf.db")
"$varde" query --store "$tmp/pf.db" --region "$region" --cohort "$tmp/cohort.txt" > "$tmp/before.tsv"
t0=$EPOCHREALTIME
"$varde" compact --quiet --store "$tmp/pf.db" > "$tmp/compact.txt"
compact_s=$(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN{printf "%.2f", e-s}')
bytes_after=$(used_bytes "$tmp/pf.db"); q_after=$(query_time "$tmp/pf.db")
"$varde" query --store "$tmp/pf.db" --region "$region" --cohort "$tmp/cohort.txt" > "$tmp/after.tsv"
"$varde" load --quiet --threads 2 --no-compact --store "$tmp/one.db" "$tmp/together.vcf.gz"
bytes_one=$(used_bytes "$tmp/one.db"); q_one=$(query_time "$tmp/one.db")
"$varde" query --store "$tmp/one.db" --region "$region" --cohort "$tmp/cohort.txt" > "$tmp/one.tsv"
q_bcf=$(for i in $(seq $runs); do wall "bcftools view -S '$tmp/cohort.txt' -r '$region' '$tmp/together.vcf.gz' -Ou | bcftools +fill-tags -- -t AC,AN,AF"; done | best)
verify=$("$varde" stats --store "$tmp/pf.db" --verify | awk -F'\t' '$1=="aggregates_verified"{print $2}')
same_before=$(cmp -s "$tmp/before.tsv" "$tmp/after.tsv" && echo identical || echo DIFFERENT)
# The one-batch file also has the sites none of the N carries (AC 0: other samples of the cohort did); the per-file
# store never met them. Every variant carried (AC > 0) must be the same, byte for byte.
carried() { awk -F'\t' 'NR == 1 || $6 > 0' "$1"; }
same_one=$(cmp -s <(carried "$tmp/after.tsv") <(carried "$tmp/one.tsv") && echo "identical ($(carried "$tmp/one.tsv" | sed 1d | wc -l) carried variants)" || echo DIFFERENT)

# 3. Sizes for the projection: N/4 and N/2 snapshots, compacted.
proj=""
for k in $((n / 4)) $((n / 2)); do
  t0=$EPOCHREALTIME
  "$varde" compact --quiet --store "$tmp/pf-$k.db" > /dev/null
  c=$(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN{printf "%.2f", e-s}')
  # The cohort's members among the first k samples (the same 15 % sampling).
  head -n "$k" "$tmp/list.txt" | xargs -n1 basename | sed 's/\.vcf\.gz$//' | grep -Fx -f "$tmp/cohort.txt" > "$tmp/cohort-$k.txt"
  proj+="| $k | $(used_bytes "$tmp/pf-$k.db") | $(query_time "$tmp/pf-$k.db" "$tmp/cohort-$k.txt") | $c |"$'\n'
done
proj+="| $n | $bytes_after | $q_after | $compact_s |"

# 4. The whole folder in one run, two workers.
t0=$EPOCHREALTIME
"$varde" load --quiet --no-compact --jobs 2 --store "$tmp/run.db" --files-from "$tmp/list.txt" > "$tmp/run.tsv"
run_s=$(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN{printf "%.2f", e-s}')
run_records=$(awk -F'\t' 'NR>1 {s+=$5} END{print s}' "$tmp/run.tsv")

printf '\nPer-genome benchmark, %s, %s, %s cores; %s; %s single-sample files (~%s records each; split in %s s), cohort of %s, %s\n\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)" "$(nproc)" \
  "$(bcftools --version | sed -n 1p)" "$n" "$records_per_file" "$split_s" "$(wc -l < "$tmp/cohort.txt")" "$region"
echo "| measure | value |"
echo "|---|--:|"
echo "| load per batch, files 1-10, mean s | $(mean 1 10) |"
echo "| load per batch, files $((n/2-9))-$((n/2)), mean s | $(mean $((n/2-9)) $((n/2))) |"
echo "| load per batch, files $((n-9))-$n, mean s | $(mean $((n-9)) $n) |"
echo "| least-squares slope, s per batch | $slope |"
echo "| store bytes: per-file, before compaction | $bytes_before |"
echo "| store bytes: per-file, compacted | $bytes_after |"
echo "| store bytes: one batch | $bytes_one |"
echo "| **bytes compacted / one batch** | $(awk -v a="$bytes_after" -v b="$bytes_one" 'BEGIN{printf "%.3f", a/b}') |"
echo "| bytes before compaction / one batch | $(awk -v a="$bytes_before" -v b="$bytes_one" 'BEGIN{printf "%.3f", a/b}') |"
echo "| cohort query s: before compaction / compacted / one batch | $q_before / $q_after / $q_one |"
echo "| **cohort query compacted / one batch** | $(awk -v a="$q_after" -v b="$q_one" 'BEGIN{printf "%.3f", a/b}') |"
echo "| cohort query before compaction / one batch | $(awk -v a="$q_before" -v b="$q_one" 'BEGIN{printf "%.3f", a/b}') |"
echo "| bcftools view -S -r \| +fill-tags on the one-batch file, s | $q_bcf |"
echo "| compacted cohort query / bcftools | $(awk -v a="$q_after" -v b="$q_bcf" 'BEGIN{printf "%.4f", a/b}') |"
echo "| varde compact, s | $compact_s |"
echo "| query TSV before vs after compaction; compacted vs one batch (variants with AC > 0) | $same_before; $same_one |"
echo "| stats --verify after compaction | $verify |"
echo "| load --files-from --jobs 2, all $n files: s, files/s, records/s | $run_s, $(awk -v a="$n" -v b="$run_s" 'BEGIN{printf "%.1f", a/b}'), $(awk -v a="$run_records" -v b="$run_s" 'BEGIN{printf "%.0f", a/b}') |"
echo
echo "Sizes for the projection (compacted):"
echo
echo "| samples | store bytes | cohort query s | compaction s |"
echo "|--:|--:|--:|--:|"
echo "$proj"
cp "$tmp/per-batch.tsv" "${PER_BATCH_OUT:-/dev/null}" 2>/dev/null || true
