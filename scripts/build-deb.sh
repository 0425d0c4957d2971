#!/usr/bin/env bash
# Builds the Debian package of varde with dpkg-deb: /usr/bin/varde, /usr/share/varde/reference (found beside
# the binary), /etc/varde/varde.json (a conffile), the systemd unit (sandboxed, User=varde), and a postinst that
# creates the varde user, /var/lib/varde (0700) and a root-only pseudonym secret /etc/varde/pseudonym.key.
#
#   scripts/build-deb.sh [--binary PATH] [--out DIR]       # prints the .deb's path
#
# Without --binary it builds a release varde (`swift build -c release --static-swift-stdlib`), which needs no
# Swift runtime on the target machine; a debug build (the tests use one) does.
set -euo pipefail
cd "$(dirname "$0")/.."
binary= out=.
while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "build-deb.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done
# The release number is the one the binary reports (Sources/VariantCore/Release.swift), plus the commit.
release=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/VariantCore/Release.swift)
version=$(git rev-parse --short HEAD 2>/dev/null || echo 0); version=${release}+git${version}
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT; chmod 0755 "$root"
scripts/install.sh --prefix "$root/usr" ${binary:+--binary "$binary"} >&2
install -d "$root/DEBIAN" "$root/etc/varde" "$root/lib/systemd/system" "$root/usr/share/doc/varde"
install -m 0644 packaging/debian/varde.json "$root/etc/varde/varde.json"
install -m 0644 packaging/debian/varde.service "$root/lib/systemd/system/varde.service"
install -m 0755 packaging/debian/postinst "$root/DEBIAN/postinst"
install -m 0644 README.md docs/privacy.md docs/operations.md packaging/nginx/varde.conf "$root/usr/share/doc/varde/"
echo /etc/varde/varde.json > "$root/DEBIAN/conffiles"
size=$(du -sk "$root/usr" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: varde
Version: $version
Architecture: $(dpkg --print-architecture)
Maintainer: Varde developers <varde@example.org>
Depends: adduser, libc6, libstdc++6, libsqlite3-0, libhts3 | libhts3t64, zlib1g
Installed-Size: $size
Section: science
Priority: optional
Description: national genomic variant store and OMOP genomics bridge
 Loads VCF/BCF/MAF through htslib into an indexed variant store (SQLite or PostgreSQL), keeps population
 aggregates, maps to OMOP CDM 5.4 and HL7 FHIR Genomics, and serves GA4GH Beacon v2 with access tiers.
CONTROL
mkdir -p "$out"
deb="$out/varde_${version}_$(dpkg --print-architecture).deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >&2
echo "$deb"
