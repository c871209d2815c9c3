#!/bin/sh
# Installs what the reports' PDF tests need from Debian's packages: Noto CJK (the
# PDF's Chinese; without it WeasyPrint prints boxes) and poppler-utils (pdftotext
# reads the numbers back, pdftoppm turns a page into the PNG in docs/). WeasyPrint
# itself comes from PyPI and uses the system's Pango, which Chromium's install brings.
# The .deb files are kept in the user's cache folder ($CACHE_DIR/apt), as
# install-browser.sh does, so a reinstall reuses them.
set -eu
PACKAGES="fonts-noto-cjk poppler-utils"
if command -v pdftoppm >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK TC"; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-pdf-tools: need root or sudo to apt-get install $PACKAGES" >&2; exit 1; }
  SUDO=sudo
fi
ARCHIVES="${CACHE_DIR:-$HOME/.cache/shelfpost}/apt"
mkdir -p "$ARCHIVES/partial"
echo "install-pdf-tools: apt-get install $PACKAGES (debs cached in $ARCHIVES)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  -o Dir::Cache::archives="$ARCHIVES" $PACKAGES >/dev/null
pdftoppm -v 2>&1 | head -1
