#!/bin/sh
# Installs PostgreSQL (the server) for the Bluesky AppView tests: the reference
# AppView of @atproto/dev-env (TestNetwork) keeps its index in Postgres. Debian's
# package is used, keyed by its major version; each test run makes its own
# throw-away cluster with initdb in a temporary folder (tests/bsky_appview.py),
# so nothing is configured system-wide. A second run does nothing.
set -eu
PG_MAJOR="${PG_MAJOR:-15}"
BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
if [ -x "$BIN/initdb" ] && [ -x "$BIN/postgres" ] && [ -x "$BIN/pg_ctl" ]; then
  exit 0
fi
echo "install-postgres: PostgreSQL $PG_MAJOR from Debian's packages (once)"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "postgresql-$PG_MAJOR"
# Debian's package starts a cluster of its own; the tests never use it.
$SUDO sh -c "pg_ctlcluster $PG_MAJOR main stop 2>/dev/null || true"
