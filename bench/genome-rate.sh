#!/usr/bin/env bash
# Samples per hour for one genome per file (issue 12): a single-sample VCF of real size is not simulated here, so
# this builds one 22-chromosome single-sample file from 22 simulated samples' non-reference sites (each sample's
# 5 Mb of chr22 moved onto one GRCh38 autosome, same positions), loads it with `varde load`, and extrapolates
# linearly to a genome of 4.5 M non-reference calls (loading streams: time grows with records, memory does not).
#
#   bench/genome-rate.sh [bench/data/cohort10k.vcf.gz]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
file=${1:-$here/data/cohort10k.vcf.gz}
varde=${VARDE:-$root/.build/release/varde}
runs=${RUNS:-3}
export VARDE_PSEUDONYM_KEY=${VARDE_PSEUDONYM_KEY:-bench-secret-not-for-production-0123}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
lengths=(248956422 242193529 198295559 190214555 181538259 170805979 159345973 145138636 138394717 133797422 135086622 133275309 114364328 107043718 101991189 90338345 83257441 80373285 58617616 64444167 46709983 50818468)
bcftools query -l "$file" | awk 'NR <= 22' > "$tmp/samples.txt"
{
  echo '##fileformat=VCFv4.2'
  for c in $(seq 1 22); do echo "##contig=<ID=$c,length=${lengths[$((c-1))]}>"; done
  echo '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">'
  printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tGENOME1\n'
  c=0
  while read -r s; do
    c=$((c + 1))
    bcftools view -s "$s" "$file" -Ou | bcftools view -e 'GT="RR"' -H | awk -v c="$c" 'BEGIN{OFS="\t"} {$1=c; $8="."; print $1,$2,$3,$4,$5,$6,$7,$8,"GT",$10}'
  done < "$tmp/samples.txt"
} | bgzip > "$tmp/genome.vcf.gz"
tabix -p vcf "$tmp/genome.vcf.gz"
records=$(bcftools index -n "$tmp/genome.vcf.gz")
best=999999
for i in $(seq $runs); do
  rm -f "$tmp"/g.db*
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$tmp/rss" "$varde" load --quiet --threads 2 --store "$tmp/g.db" "$tmp/genome.vcf.gz"
  s=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.3f", b-a}')
  awk -v a="$s" -v b="$best" 'BEGIN{exit !(a<b)}' && best=$s
done
bstart=$EPOCHREALTIME; bcftools view -Ou "$tmp/genome.vcf.gz" -o /dev/null; bcf=$(awk -v a="$bstart" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.3f", b-a}')
printf '\nGenome-rate benchmark, %s, %s cores: one single-sample file of %s records on 22 autosomes\n\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)" "$records"
echo "| measure | value |"
echo "|---|--:|"
echo "| varde load wall s (min of $runs) | $best |"
echo "| bcftools view -Ou wall s | $bcf |"
echo "| records/s | $(awk -v r="$records" -v s="$best" 'BEGIN{printf "%.0f", r/s}') |"
echo "| peak RSS KiB | $(cat "$tmp/rss") |"
echo "| extrapolated: one 4.5 M-call genome, s | $(awk -v r="$records" -v s="$best" 'BEGIN{printf "%.1f", 4500000/(r/s)}') |"
echo "| extrapolated: genomes per hour, one load at a time | $(awk -v r="$records" -v s="$best" 'BEGIN{printf "%.0f", 3600/(4500000/(r/s))}') |"
