#!/usr/bin/env bash
# Reader benchmark: Varde vs bcftools, full decode of an indexed VCF/BCF.
#
#   bench/reader.sh [FILE.vcf.gz|FILE.bcf ...]   (default: bench/data/cohort10k.vcf.gz)
#
# For FILE.vcf.gz, the sibling FILE.bcf is benchmarked too when it exists
# (bench/make_inputs.sh makes both). For each file it times, min of $RUNS runs:
#   bcftools        bcftools view -Ou FILE -o /dev/null   (single-threaded baseline)
#   varde -t1       varde check --threads 1 --quiet FILE
#   varde -t2       varde check --threads 2 --quiet FILE  (parallel by region)
# prints a markdown table and appends JSON lines to bench/results/reader-<date>.json.
#
# Environment: RUNS (default 3); VARDE (default .build/release/varde, built
# with `swift build -c release --static-swift-stdlib --product varde` when missing).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
runs=${RUNS:-3}
default_varde="$root/.build/release/varde"
varde=${VARDE:-$default_varde}

die() { echo "reader.sh: $*" >&2; exit 1; }

[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"
command -v bcftools >/dev/null || die "bcftools not found (apt-get install bcftools)"

# ---- inputs ---------------------------------------------------------------
(( $# > 0 )) || set -- "$here/data/cohort10k.vcf.gz"
files=()
for arg in "$@"; do
    [[ -f $arg ]] || die "$arg: no such file (generate inputs with bench/make_inputs.sh)"
    files+=("$arg")
    if [[ $arg == *.vcf.gz ]]; then
        if [[ -f ${arg%.vcf.gz}.bcf ]]; then
            files+=("${arg%.vcf.gz}.bcf")
        else
            echo "reader.sh: warning: no ${arg%.vcf.gz}.bcf beside $arg; VCF only" >&2
        fi
    fi
done
for f in "${files[@]}"; do
    bcftools index -n "$f" >/dev/null 2>&1 \
        || die "$f: not indexed (tabix -p vcf / bcftools index), or index unreadable"
done

# ---- varde binary ---------------------------------------------------------
if [[ ! -x $varde ]]; then
    [[ $varde == "$default_varde" ]] || die "VARDE=$varde is not an executable"
    command -v swift >/dev/null || die "$varde missing and swift not found to build it"
    echo "reader.sh: building varde (release)..." >&2
    (cd "$root" && swift build -c release --static-swift-stdlib --product varde) >&2 \
        || die "swift build -c release --static-swift-stdlib --product varde failed"
    [[ -x $varde ]] || die "build succeeded but $varde is missing"
fi

# ---- machine description --------------------------------------------------
json_str() {  # JSON string literal for $1
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\t'/ }
    printf '"%s"' "$s"
}
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
nproc_n=$(nproc)
kernel=$(uname -r)
cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
[[ -n $cpu ]] || cpu=$(uname -m)
mem_gib=$(awk '/^MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)
bcftools_version=$(bcftools --version | head -1)
varde_commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo none)
if [[ $varde_commit != none ]] && [[ -n $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    varde_commit+="-dirty"
fi
machine_json="\"date\":$(json_str "$now"),\"nproc\":$nproc_n,\"kernel\":$(json_str "$kernel"),\"cpu\":$(json_str "$cpu"),\"mem_gib\":$mem_gib,\"bcftools\":$(json_str "$bcftools_version"),\"varde_commit\":$(json_str "$varde_commit"),\"runs\":$runs"

results="$here/results/reader-$(date -u +%Y%m%dT%H%M%SZ).json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- timing ---------------------------------------------------------------
# measure CMD...: run CMD $runs times under /usr/bin/time; sets
# m_wall/m_user/m_sys (those of the fastest run by wall time) and m_rss_kib
# (max over runs). Fails the whole script if CMD exits non-zero.
measure() {
    m_wall= m_user= m_sys= m_rss_kib=0
    local i line wall user sys rss
    for (( i = 1; i <= runs; i++ )); do
        if ! /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/stdout" 2>"$tmp/stderr"; then
            {
                echo "reader.sh: FAILED: $*"
                grep '^Command' "$tmp/time" || true   # "exited with non-zero status N" / "terminated by signal N"
                echo "--- stderr (last 20 lines) ---"; tail -n 20 "$tmp/stderr"
                echo "--- stdout (last 5 lines) ---"; tail -n 5 "$tmp/stdout"
            } >&2
            exit 1
        fi
        # With a non-zero status, GNU time prepends a line; the numbers are last.
        read -r wall user sys rss < <(tail -n 1 "$tmp/time")
        if [[ -z $m_wall ]] || awk -v a="$wall" -v b="$m_wall" 'BEGIN { exit !(a < b) }'; then
            m_wall=$wall m_user=$user m_sys=$sys
        fi
        if (( rss > m_rss_kib )); then m_rss_kib=$rss; fi
    done
}

si() {  # human-readable rate: 1234567 -> 1.23M
    awk -v x="$1" 'BEGIN {
        split("k M G T", u, " "); s = ""
        for (i = 0; x >= 1000 && i < 4; i++) { x /= 1000; s = u[i + 1] }
        printf (x >= 100 ? "%.0f%s" : (x >= 10 ? "%.1f%s" : "%.2f%s")), x, s }'
}

rows=()
for f in "${files[@]}"; do
    records=$(bcftools index -n "$f" 2>/dev/null)
    samples=$(bcftools query -l "$f" | wc -l)
    genotypes=$(( records * samples ))
    case $f in *.bcf) fmt=bcf ;; *) fmt=vcf.gz ;; esac
    echo "reader.sh: $f: $records records x $samples samples" >&2
    cat "$f" >/dev/null  # warm the page cache so every tool reads from memory

    base_wall=
    for tool in bcftools bcftools-gt varde-t1 varde-t2; do
        case $tool in
            bcftools) cmd=(bcftools view -Ou "$f" -o /dev/null); threads=1 ;;
            # Decodes every genotype as Varde does (view -Ou on BCF copies the genotype block undecoded).
            bcftools-gt) cmd=(bcftools query -f '[%GT]\n' "$f" -o /dev/null); threads=1 ;;
            varde-t1) cmd=("$varde" check --threads 1 --quiet "$f"); threads=1 ;;
            varde-t2) cmd=("$varde" check --threads 2 --quiet "$f"); threads=2 ;;
        esac
        echo "reader.sh:   $tool ($runs runs)..." >&2
        measure "${cmd[@]}"
        [[ -n $base_wall ]] || base_wall=$m_wall
        read -r cpu_s rec_s gt_s rss_mib ratio < <(awk -v w="$m_wall" -v u="$m_user" -v s="$m_sys" \
            -v r="$records" -v g="$genotypes" -v k="$m_rss_kib" -v b="$base_wall" 'BEGIN {
                w0 = (w > 0 ? w : 0.005)   # %e has 10 ms resolution
                printf "%.2f %.0f %.0f %.1f %.3f\n", u + s, r / w0, g / w0, k / 1024, w / (b > 0 ? b : 0.005) }')
        rows+=("| $(basename "$f") | $tool | $records | $genotypes | $m_wall | $cpu_s | $(si "$rec_s") | $(si "$gt_s") | $rss_mib | $( [[ $tool == bcftools ]] && echo 1.00 || printf '%.2f' "$ratio") |")
        printf '{%s,"file":%s,"format":"%s","samples":%s,"records":%s,"genotypes":%s,"tool":"%s","threads":%s,"command":%s,"wall_s":%s,"user_s":%s,"sys_s":%s,"cpu_s":%s,"peak_rss_mib":%s,"records_per_s":%s,"genotypes_per_s":%s,"wall_ratio_vs_bcftools":%s}\n' \
            "$machine_json" "$(json_str "$(basename "$f")")" "$fmt" "$samples" "$records" "$genotypes" \
            "$tool" "$threads" "$(json_str "${cmd[*]}")" "$m_wall" "$m_user" "$m_sys" "$cpu_s" \
            "$rss_mib" "$rec_s" "$gt_s" "$ratio" >>"$tmp/results.jsonl"
    done
done

# ---- report (only a complete run is saved) -------------------------------
mkdir -p "$here/results"
cp "$tmp/results.jsonl" "$results"
echo
echo "Reader benchmark, $now: $cpu, $nproc_n cores, ${mem_gib} GiB, Linux $kernel; $bcftools_version; varde $varde_commit; min of $runs runs, warm cache"
echo
echo "| file | tool | records | genotypes | wall s | CPU s | records/s | genotypes/s | peak RSS MiB | wall vs bcftools |"
echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"
printf '%s\n' "${rows[@]}"
echo
echo "tools: bcftools = \`bcftools view -Ou FILE -o /dev/null\`; bcftools-gt = \`bcftools query -f '[%GT]\\n' FILE\`; varde-tN = \`varde check --threads N --quiet FILE\`. wall vs bcftools < 1 means Varde is faster."
echo "results: ${results#"$root"/}"
