#!/usr/bin/env bash
# The main job on the bundled real fixtures: check what a lab would load.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product varde >&2
varde=.build/release/varde
$varde check --reference fixtures/reference/Homo_sapiens_assembly19_chr1_1M.fasta \
  fixtures/reference/Homo_sapiens_assembly19.dbsnp135.chr1_1M.exome_intervals.vcf
$varde check fixtures/cohort/1kg_p3.chr22_16050000-16061300.vcf.gz fixtures/somatic/mutect2.NA12878.head300.vcf \
  fixtures/gvcf/NA12878.prod.chr20snippet.head2000.g.vcf.gz
