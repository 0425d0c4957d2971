#!/usr/bin/env bash
# Load benchmark (issue 3): varde load vs bcftools view -Ou on the same file, same run.
#
#   bench/load.sh [bench/data/cohort10k.vcf.gz]
#
# Measures, min of $RUNS runs (default 3), warm cache:
#   - bcftools view -Ou FILE (parse baseline) and varde load --threads 2 FILE into a fresh store: wall ratio
#   - store bytes / BCF bytes (FILE's sibling .bcf), peak RSS of the load
#   - adding one single-sample batch (one person's variant sites) to an empty store and to the loaded store:
#     the time must not grow with the store
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
runs=${RUNS:-3}
file=${1:-$here/data/cohort10k.vcf.gz}
varde=${VARDE:-$root/.build/release/varde}
[[ -x $varde ]] || (cd "$root" && swift build -c release --static-swift-stdlib --product varde >&2)
export VARDE_PSEUDONYM_KEY=${VARDE_PSEUDONYM_KEY:-bench-secret-not-for-production-0123}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bcf=${file%.vcf.gz}.bcf

best() { sort -n | head -1; }
timeit() { /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }; cat "$tmp/t"; }

cat "$file" >/dev/null
records=$(bcftools index -n "$file" 2>/dev/null); samples=$(bcftools query -l "$file" | wc -l)
bcf_wall=$(for i in $(seq $runs); do timeit bcftools view -Ou "$file" -o /dev/null | cut -d' ' -f1; done | best)
load_wall=999999; load_rss=0
for i in $(seq $runs); do
  rm -f "$tmp"/store.db*
  read -r w m < <(timeit "$varde" load --quiet --threads 2 --store "$tmp/store.db" "$file")
  awk -v a="$w" -v b="$load_wall" 'BEGIN{exit !(a<b)}' && load_wall=$w
  (( m > load_rss )) && load_rss=$m
done
store_bytes=$(stat -c %s "$tmp/store.db")
bcf_bytes=$(stat -c %s "$bcf" 2>/dev/null || echo 0)

# One more person: the variant sites of one simulated sample, renamed so it is new to the store.
one="$tmp/one.vcf.gz"
first=$(bcftools query -l "$file" | sed -n 1p)
echo "NEWPERSON1" > "$tmp/name"
bcftools view -s "$first" -c1 -a "$file" -Ou | bcftools reheader -s "$tmp/name" | bcftools view -Oz -o "$one"
one_records=$(bcftools view -H "$one" | wc -l)
add_empty=$(for i in $(seq $runs); do rm -f "$tmp"/empty.db*; timeit "$varde" load --quiet --threads 1 --store "$tmp/empty.db" "$one" | cut -d' ' -f1; done | best)
add_full=$(for i in $(seq $runs); do cp "$tmp/store.db" "$tmp/full.db"; timeit "$varde" load --quiet --threads 1 --store "$tmp/full.db" "$one" | cut -d' ' -f1; rm -f "$tmp"/full.db*; done | best)

printf '\nLoad benchmark, %s, %s, %s cores; %s; %s records x %s samples\n\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)" "$(nproc)" "$(bcftools --version | head -1)" "$records" "$samples"
echo "| measure | value |"
echo "|---|--:|"
echo "| bcftools view -Ou wall s | $bcf_wall |"
echo "| varde load --threads 2 wall s | $load_wall |"
echo "| **load / bcftools** | $(awk -v a="$load_wall" -v b="$bcf_wall" 'BEGIN{printf "%.2f", a/b}') |"
echo "| store bytes | $store_bytes |"
echo "| BCF bytes | $bcf_bytes |"
echo "| **store / BCF** | $(awk -v a="$store_bytes" -v b="$bcf_bytes" 'BEGIN{printf "%.2f", (b>0?a/b:0)}') |"
echo "| bytes per genotype | $(awk -v a="$store_bytes" -v r="$records" -v s="$samples" 'BEGIN{printf "%.4f", a/(r*s)}') |"
echo "| peak RSS of the load, MiB | $(( load_rss / 1024 )) |"
echo "| add 1 sample ($one_records sites) to an empty store, s | $add_empty |"
echo "| add the same sample to the $samples-sample store, s | $add_full |"
