#!/usr/bin/env bash
# Installs varde under a prefix, self-contained: PREFIX/bin/varde and its run-time data in PREFIX/share/varde/
# (reference/: gene tables, aliases, HGNC, OMOP CDM/DQD specs, schemas), which the binary finds beside itself,
# so it runs from any folder with no environment and no checkout.
#
#   scripts/install.sh [--prefix DIR] [--binary PATH]
#
# --prefix: default /usr/local. --binary: install this varde instead of building a release one
# (`swift build -c release --static-swift-stdlib`, ~9 minutes cold on 2 cores). The release binary is stripped
# of its symbol tables; the sizes before and after are printed on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=/usr/local binary=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    *) echo "install.sh: unknown argument $1 (use --prefix DIR, --binary PATH)" >&2; exit 64 ;;
  esac
done
if [[ -z "$binary" ]]; then
  swift build -c release --static-swift-stdlib --product varde >&2
  binary=.build/release/varde
fi
[[ -x "$binary" ]] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }
install -d "$prefix/bin" "$prefix/share/varde"
install -m 0755 "$binary" "$prefix/bin/varde"
if [[ "$binary" == *release* ]] && command -v strip >/dev/null; then
  before=$(stat -c %s "$prefix/bin/varde")
  strip "$prefix/bin/varde"
  echo "install.sh: varde stripped: $before -> $(stat -c %s "$prefix/bin/varde") bytes" >&2
fi
rm -rf "$prefix/share/varde/reference"
cp -R reference "$prefix/share/varde/reference"
chmod -R a+rX,go-w "$prefix/share/varde"
echo "installed $prefix/bin/varde and $prefix/share/varde/reference" >&2
