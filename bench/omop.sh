#!/usr/bin/env bash
# OMOP export benchmark (issue 5): mapped rows/s exporting a store to CDM 5.4 CSV.
#
#   bench/omop.sh STORE.db            # an existing store (copied first: the vocabulary load writes into the copy)
#   bench/omop.sh                     # loads bench/data/cohort10k.vcf.gz into a fresh store first
#
# The vocabulary is the fixture Athena folder plus, when ../shared/omop/koios is there, the full Koios extracts
# (about 500,000 OMOP Genomic synonyms), so the synonym index has its real size. Measured, min of $RUNS (default 3):
#   - vocab load wall time;
#   - export wall time with the default policy (only mapped variants: a simulated cohort maps almost nothing,
#     the closed-world case) and with --unmapped zero, where every carrier of every variant goes through HGVSg,
#     the synonym look-up and a MEASUREMENT row: rows/s = variant measurement rows / wall seconds.
# Prints one JSON line; writes nothing else (the lead merges numbers into RESULTS.md).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
runs=${RUNS:-3}
varde=${VARDE:-$root/.build/release/varde}
[[ -x $varde ]] || (cd "$root" && swift build -c release --static-swift-stdlib --product varde >&2)
export VARDE_PSEUDONYM_KEY=${VARDE_PSEUDONYM_KEY:-bench-secret-not-for-production-0123}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
store="$tmp/store.db"
if [[ $# -ge 1 ]]; then
  for f in "$1" "$1-wal" "$1-shm"; do [[ -e $f ]] && cp "$f" "$tmp/store.db${f#"$1"}"; done
else
  "$varde" load --quiet --threads 2 --store "$store" "$here/data/cohort10k.vcf.gz"
fi
best() { sort -n | head -1; }
timeit() { /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }; cat "$tmp/t"; }

koios=()
[[ -d $root/../shared/omop/koios ]] && koios=(--koios "$root/../shared/omop/koios")
read -r vocab_wall _ < <(timeit "$varde" vocab load --quiet --store "$store" "$root/fixtures/omop/vocabulary" "${koios[@]}")
synonyms=$(awk -F'\t' '$1=="CONCEPT_SYNONYM" {print $2}' "$tmp/out")

run_export() {  # policy -> "wall rss rows"
  local wall=999999 rss=0 rows=0
  for i in $(seq "$runs"); do
    rm -rf "$tmp/cdm"
    read -r w m < <(timeit "$varde" omop export --quiet --store "$store" --out "$tmp/cdm" --default-birth-year 1970 --unmapped "$1")
    awk -v a="$w" -v b="$wall" 'BEGIN{exit !(a<b)}' && wall=$w
    (( m > rss )) && rss=$m
    rows=$(awk -F'\t' '$1=="total" && $2=="measurement_rows" {print $3}' "$tmp/cdm/mapping_report.tsv")
  done
  echo "$wall $rss $rows"
}
read -r skip_wall skip_rss skip_rows < <(run_export skip)
mapped=$(awk -F'\t' '$1=="total" && $2=="variants" {print $3}' "$tmp/cdm/mapping_report.tsv")
unmapped=$(awk -F'\t' '$1=="total" && $2=="variants" {print $4}' "$tmp/cdm/mapping_report.tsv")
read -r zero_wall zero_rss zero_rows < <(run_export zero)
all_rows=$(($(wc -l <"$tmp/cdm/measurement.csv") - 1))
rate() { awk -v r="$1" -v w="$2" 'BEGIN{ if (w > 0) printf "%.0f", r / w; else print 0 }'; }
printf '{"bench":"omop_export","store":"%s","synonyms":%s,"vocab_load_s":%s,"variants_mapped":%s,"variants_unmapped":%s,' \
  "${1:-cohort10k}" "${synonyms:-0}" "$vocab_wall" "$mapped" "$unmapped"
printf '"default":{"wall_s":%s,"peak_rss_kb":%s,"variant_rows":%s,"rows_per_s":%s},' "$skip_wall" "$skip_rss" "$skip_rows" "$(rate "$skip_rows" "$skip_wall")"
printf '"unmapped_zero":{"wall_s":%s,"peak_rss_kb":%s,"variant_rows":%s,"measurement_rows":%s,"rows_per_s":%s,"all_rows_per_s":%s}}\n' \
  "$zero_wall" "$zero_rss" "$zero_rows" "$all_rows" "$(rate "$zero_rows" "$zero_wall")" "$(rate "$all_rows" "$zero_wall")"
