#!/bin/sh
# Installs the npm packages the reader-experience tests need, pinned:
#   axe-core    the accessibility rules, injected into Chromium by tests/test_a11y.py
#   vnu-jar     the Nu HTML Checker, run with `java -jar` by tests/test_validity.py
#   lighthouse  Google's page audits, run on Debian's Chromium by tests/test_lighthouse.py
#               (in its own folder; 12.2.3: 13 wants Node 22, Debian's is 20)
# They go into the user's cache folder, in a folder named after the versions, so
# a version bump installs beside the old one and a second run does nothing.
# Node (npm) and Java come from Debian's packages when missing (root or sudo).
# tests/test_a11y.py and tests/test_validity.py read the versions from this file.
set -eu
AXE_CORE_VERSION=4.14.1
VNU_JAR_VERSION=26.9.27
LIGHTHOUSE_VERSION=12.2.3
KEY="axe-core-$AXE_CORE_VERSION+vnu-jar-$VNU_JAR_VERSION"
DIR="${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/shelfpost}/npm/$KEY"
LH_DIR="${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/shelfpost}/npm/lighthouse-$LIGHTHOUSE_VERSION"
LH_CLI="$LH_DIR/node_modules/lighthouse/cli/index.js"
if [ -f "$DIR/node_modules/axe-core/axe.min.js" ] && [ -f "$DIR/node_modules/vnu-jar/build/dist/vnu.jar" ] \
  && [ -f "$LH_CLI" ] && command -v java >/dev/null 2>&1; then
  exit 0
fi

MISSING=""
command -v npm >/dev/null 2>&1 || MISSING="$MISSING nodejs npm"
command -v java >/dev/null 2>&1 || MISSING="$MISSING default-jre-headless"
if [ -n "$MISSING" ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-node-tools: need root or sudo to apt-get install$MISSING" >&2; exit 1; }
    SUDO=sudo
  fi
  ARCHIVES="${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/shelfpost}/apt"
  mkdir -p "$ARCHIVES/partial"
  echo "install-node-tools: apt-get install$MISSING (debs cached in $ARCHIVES)"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    -o Dir::Cache::archives="$ARCHIVES" $MISSING >/dev/null
fi

if [ ! -f "$LH_CLI" ]; then
  echo "install-node-tools: npm install lighthouse@$LIGHTHOUSE_VERSION into $LH_DIR"
  mkdir -p "$LH_DIR"
  npm install --prefix "$LH_DIR" --no-audit --no-fund --ignore-scripts --loglevel=error -E \
    "lighthouse@$LIGHTHOUSE_VERSION"
  test -f "$LH_CLI"
fi
if [ -f "$DIR/node_modules/axe-core/axe.min.js" ] && [ -f "$DIR/node_modules/vnu-jar/build/dist/vnu.jar" ]; then
  exit 0
fi
echo "install-node-tools: npm install axe-core@$AXE_CORE_VERSION vnu-jar@$VNU_JAR_VERSION into $DIR"
mkdir -p "$DIR"
# --ignore-scripts: neither package needs an install script, and none should run.
npm install --prefix "$DIR" --no-audit --no-fund --ignore-scripts --loglevel=error \
  "axe-core@$AXE_CORE_VERSION" "vnu-jar@$VNU_JAR_VERSION"
test -f "$DIR/node_modules/axe-core/axe.min.js"
test -f "$DIR/node_modules/vnu-jar/build/dist/vnu.jar"
