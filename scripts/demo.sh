#!/usr/bin/env bash
# The main job on the embedded default, with the bundled real fixtures: check the files, load them into an
# SQLite variant store (one batch each), and query it.
#
# The first run's cost is the cold release build: a fresh clone's first run took 9 m 50 s on 2 cores, nearly all of
# it building (docs/operations.md, "Release binary and first run"). With a varde already installed (the Debian package, scripts/build-deb.sh), skip it:
#   VARDE_BIN=/usr/bin/varde scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [[ -n "${VARDE_BIN:-}" ]]; then
  varde=$VARDE_BIN
else
  swift build -c release --static-swift-stdlib --product varde >&2
  varde=.build/release/varde
fi
store=${VARDE_STORE:-$(mktemp -d)/demo.varde.db}
if [[ -z "${VARDE_PSEUDONYM_KEY:-}${VARDE_PSEUDONYM_KEY_FILE:-}" ]]; then
  echo "demo: using a throw-away pseudonym secret; in production keep VARDE_PSEUDONYM_KEY outside the store" >&2
  export VARDE_PSEUDONYM_KEY="demo-only-secret-$(date +%s%N)"
fi
cohort=fixtures/cohort/1kg_p3.chr22_16050000-16061300.vcf.gz
somatic=fixtures/somatic/mutect2.NA12878.head300.vcf

echo "== varde check (pre-flight)"
$varde check --quiet "$cohort" "$somatic" | grep -E "loadable|records |assembly|multi-allelic|tumour/normal|problems"

echo "== varde load into $store"
$varde load --store "$store" "$cohort"
# The Mutect2 pair is GRCh37 too; its tumour never enters population frequencies.
$varde load --store "$store" "$somatic"

echo "== varde query --region 22:16050000-16050700"
$varde query --store "$store" --region 22:16050000-16050700
echo "== varde samples (first 3)"
$varde samples --store "$store" | sed -n 1,4p
echo "== varde stats --verify"
$varde stats --store "$store" --verify
