#!/usr/bin/env bash
# FHIR export benchmark (issue 17): resources/s and peak memory of a whole-cohort `varde fhir export`, filtered by a
# 20-gene panel inside the simulated chr22:16,000,001-21,000,000 (GRCh38; genes of reference/genes.GRCh38.tsv).
#
#   bench/fhir.sh STORE.db          # an existing store (copied first: `cohort create` writes into the copy)
#   bench/fhir.sh                   # loads bench/data/cohort10k.vcf.gz (bench/make_inputs.sh) into a fresh store first
#   VARDE=.build/debug/varde RUNS=1 bench/fhir.sh STORE.db   # any build; the default is the release build
#
# Measured, min wall of $RUNS (default 3) and max peak RSS: the export to NDJSON and to one Bundle per person, with
# the panel (PANEL=comma-separated symbols to change it) and without it (ALL=1 adds the unfiltered export).
# resources/s = resources written / wall seconds. Prints one JSON line; writes nothing else.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
runs=${RUNS:-3}
varde=${VARDE:-$root/.build/release/varde}
[[ -x $varde ]] || (cd "$root" && swift build -c release --static-swift-stdlib --product varde >&2)
export VARDE_PSEUDONYM_KEY=${VARDE_PSEUDONYM_KEY:-bench-secret-not-for-production-0123}
export VARDE_REFERENCE=${VARDE_REFERENCE:-$root/reference}
panel=${PANEL:-COMT,TBX1,HIRA,CRKL,DGCR8,SNAP29,PEX26,TUBA8,USP18,MICAL3,BID,CECR2,SLC25A18,ATP6V1E1,BCL2L13,CLTCL1,UFD1,CDC45,SEPTIN5,GP1BB}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
store="$tmp/store.db"
if [[ $# -ge 1 ]]; then
  for f in "$1" "$1-wal" "$1-shm"; do [[ -e $f ]] && cp "$f" "$tmp/store.db${f#"$1"}"; done
else
  "$varde" load --quiet --threads 2 --store "$store" "$here/data/cohort10k.vcf.gz"
fi
"$varde" cohort create bench-all --store "$store" --where role=germline >/dev/null
samples=$("$varde" samples --store "$store" | tail -n +2 | wc -l)

timeit() { /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }; cat "$tmp/t"; }
run() {  # label, extra args... -> JSON member
  local label=$1; shift
  local wall=999999 rss=0 total=0 bytes=0
  for i in $(seq "$runs"); do
    rm -rf "$tmp/out.d"
    read -r w m < <(timeit "$varde" fhir export --quiet --store "$store" --cohort bench-all --out "$tmp/out.d" "$@")
    awk -v a="$w" -v b="$wall" 'BEGIN{exit !(a<b)}' && wall=$w
    (( m > rss )) && rss=$m
    total=$(awk -F'\t' 'NR>1 {s+=$2} END {print s+0}' "$tmp/out")
    bytes=$(du -sb "$tmp/out.d" | cut -f1)
  done
  local obs; obs=$(awk -F'\t' '$1=="Observation" {print $2}' "$tmp/out")
  printf '"%s":{"wall_s":%s,"peak_rss_kb":%s,"resources":%s,"observations":%s,"bytes":%s,"resources_per_s":%s}' \
    "$label" "$wall" "$rss" "$total" "${obs:-0}" "$bytes" "$(awk -v r="$total" -v w="$wall" 'BEGIN{ if (w > 0) printf "%.0f", r / w; else print 0 }')"
}
printf '{"bench":"fhir_export","store":"%s","samples":%s,"panel_genes":%s,' "${1:-cohort10k}" "$samples" "$(tr ',' '\n' <<<"$panel" | wc -l)"
run panel_ndjson --format ndjson --genes "$panel"; printf ','
run panel_bundle --format bundle --genes "$panel"
if [[ ${ALL:-0} == 1 ]]; then printf ','; run all_ndjson --format ndjson; fi
printf '}\n'
