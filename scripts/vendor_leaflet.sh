#!/usr/bin/env bash
# Vendor Leaflet from the npm registry into static/vendor/leaflet/ so the map
# works offline (served by Streamlit static serving at <base>/app/static/...).
# Usage: scripts/vendor_leaflet.sh [VERSION]   (default 1.9.4)
set -euo pipefail

VERSION="${1:-1.9.4}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$REPO/static/vendor/leaflet"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cd "$TMP"
expected="$(npm view "leaflet@$VERSION" dist.integrity 2>/dev/null)"
[ -n "$expected" ] || { echo "cannot read dist.integrity for leaflet@$VERSION" >&2; exit 1; }

npm pack "leaflet@$VERSION" --silent >/dev/null 2>&1
tgz="leaflet-$VERSION.tgz"
[ -f "$tgz" ] || { echo "npm pack did not produce $tgz" >&2; exit 1; }

actual="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$actual" != "$expected" ]; then
    echo "integrity mismatch for $tgz" >&2
    echo "  expected $expected" >&2
    echo "  actual   $actual" >&2
    exit 1
fi
echo "integrity OK: $actual"

tar xzf "$tgz"
rm -rf "$DEST"
mkdir -p "$DEST/images"
cp package/dist/leaflet.js package/dist/leaflet.css "$DEST/"
cp package/dist/images/*.png "$DEST/images/"
cp package/LICENSE "$DEST/LICENSE"
echo "leaflet $VERSION vendored into ${DEST#$REPO/}:"
(cd "$DEST" && find . -type f | sort)
