#!/bin/sh
# Installs Debian's Noto Sans CJK (fonts-noto-cjk) into $CACHE_DIR/fonts for the
# charts of `shelfpost metrics chart` (Traditional Chinese labels drawn as paths).
# Taken from the system's copy when the package is installed, else the package is
# downloaded with apt-get and unpacked (no system change). A second run does nothing.
set -eu
CACHE_DIR="${CACHE_DIR:-$HOME/.cache/shelfpost}"
DEST="$CACHE_DIR/fonts"
FONT=NotoSansCJK-Regular.ttc
[ -f "$DEST/$FONT" ] && exit 0
mkdir -p "$DEST"
SYSTEM=/usr/share/fonts/opentype/noto/$FONT
if [ -f "$SYSTEM" ]; then
  cp "$SYSTEM" "$DEST/$FONT.tmp" && mv "$DEST/$FONT.tmp" "$DEST/$FONT"
  exit 0
fi
echo "install-cjk-fonts: fonts-noto-cjk from Debian's packages (once)"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
(cd "$WORK" && apt-get download -qq fonts-noto-cjk)
dpkg -x "$WORK"/fonts-noto-cjk_*.deb "$WORK/x"
cp "$WORK/x/usr/share/fonts/opentype/noto/$FONT" "$DEST/$FONT.tmp" && mv "$DEST/$FONT.tmp" "$DEST/$FONT"
