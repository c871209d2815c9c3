#!/bin/sh
# Installs what the browser tests need from Debian's packages: Chromium (driven by
# Playwright through executable_path; Playwright never downloads a browser here)
# and a CJK font, without which Chinese renders as boxes in screenshots.
# The .deb files are kept in the user's cache folder ($CACHE_DIR/apt), so a
# reinstall reuses them; file names carry the package versions.
set -eu
PACKAGES="chromium fonts-wqy-microhei"
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "wenquanyi"; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-browser: need root or sudo to apt-get install $PACKAGES" >&2; exit 1; }
  SUDO=sudo
fi
ARCHIVES="${CACHE_DIR:-$HOME/.cache/shelfpost}/apt"
mkdir -p "$ARCHIVES/partial"
echo "install-browser: apt-get install $PACKAGES (debs cached in $ARCHIVES)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  -o Dir::Cache::archives="$ARCHIVES" $PACKAGES >/dev/null
/usr/bin/chromium --version
