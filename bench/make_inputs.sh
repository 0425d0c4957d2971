#!/usr/bin/env bash
# Generate the simulated benchmark inputs under bench/data/.
#
#   bench/make_inputs.sh                        # the standard set: cohort5k, cohort10k
#   bench/make_inputs.sh NAME SAMPLES LENGTH [SEED] [-- extra simulate_cohort.py args]
#
# For each NAME it writes bench/data/NAME.vcf.gz with .tbi and .csi indexes,
# and bench/data/NAME.bcf with a .csi index. Inputs are simulated with msprime
# (seeded, deterministic): nothing is downloaded.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data="$here/data"
threads=$(nproc)

for tool in python3 bgzip tabix bcftools; do
    command -v "$tool" >/dev/null || { echo "make_inputs: $tool not found (apt-get install bcftools tabix)" >&2; exit 1; }
done
python3 -c 'import msprime' 2>/dev/null \
    || { echo "make_inputs: msprime missing: pip install -r $here/requirements.txt" >&2; exit 1; }

make_one() {
    local name=$1 samples=$2 length=$3 seed=${4:-42}
    shift $(( $# < 4 ? $# : 4 ))
    [[ ${1:-} == -- ]] && shift
    local vcf="$data/$name.vcf.gz" bcf="$data/$name.bcf"
    mkdir -p "$data"
    echo "== $name: $samples samples x $length bp, seed $seed" >&2

    local t0=$SECONDS
    python3 "$here/simulate_cohort.py" --samples "$samples" --length "$length" \
        --seed "$seed" --contig 22 --out "$vcf" "$@"
    local t_sim=$(( SECONDS - t0 ))

    t0=$SECONDS
    rm -f "$vcf.tbi" "$vcf.csi" "$bcf" "$bcf.csi"
    tabix -f -p vcf "$vcf"                 # .tbi
    tabix -f -C -p vcf "$vcf"              # .csi
    bcftools view --threads "$threads" -Ob -o "$bcf.partial" "$vcf"
    mv "$bcf.partial" "$bcf"
    bcftools index -f --csi "$bcf"         # .csi
    local t_idx=$(( SECONDS - t0 ))

    local records samples_n
    records=$(bcftools index -n "$vcf" 2>/dev/null)
    samples_n=$(bcftools query -l "$vcf" | wc -l)
    [[ $records == "$(bcftools index -n "$bcf" 2>/dev/null)" ]] \
        || { echo "make_inputs: record counts differ between $vcf and $bcf" >&2; exit 1; }
    printf '%s: %s records x %s samples = %s genotypes; simulate+bgzip %ss, index+bcf %ss\n' \
        "$name" "$records" "$samples_n" "$(( records * samples_n ))" "$t_sim" "$t_idx"
    ls -l "$vcf" "$vcf.tbi" "$vcf.csi" "$bcf" "$bcf.csi" | awk '{printf "  %8.1f MiB  %s\n", $5/1048576, $9}'
}

if (( $# == 0 )); then
    make_one cohort5k 5000 5000000 42
    make_one cohort10k 10000 5000000 42
elif (( $# >= 3 )); then
    make_one "$@"
else
    sed -n '2,9p' "$0" >&2
    exit 2
fi
