#!/usr/bin/env bash
# Installs and starts everything the tests need on a Debian 12 machine, then writes the
# settings the tests read to .test-env at the repository root. Idempotent: a rerun on a
# machine that already has everything takes a few seconds.
#
#   Docker Engine (docker.io)  real daemon on /var/run/docker.sock
#   PostgreSQL 15              a throwaway cluster on 127.0.0.1:$PG_PORT
#   Caddy                      the real reverse proxy for end-to-end tests
#   Chromium                   the real browser for device pairing (driven by playwright-core)
#   test images                built offline by scripts/build-test-images.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE_DIR=${AGENTPOD_TEST_STATE_DIR:-/var/tmp/agentpod-test}
PG_PORT=${AGENTPOD_TEST_PG_PORT:-54329}
DOCKER=/usr/bin/docker
log() { printf '[test-env] %s\n' "$*"; }
die() { printf '[test-env] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: it installs packages and starts dockerd"
mkdir -p "$STATE_DIR"

# --- packages ---------------------------------------------------------------------------
need=()
[ -x /usr/sbin/dockerd ] && [ -x "$DOCKER" ] || need+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v caddy >/dev/null || need+=(caddy)
command -v iptables >/dev/null || need+=(iptables)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- Docker engine ------------------------------------------------------------------------
if ! "$DOCKER" info >/dev/null 2>&1; then
  log "starting dockerd"
  setsid /usr/sbin/dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    "$DOCKER" info >/dev/null 2>&1 && break
    sleep 0.5
  done
  "$DOCKER" info >/dev/null 2>&1 || die "dockerd did not start; see /var/log/dockerd.log"
fi
log "docker $("$DOCKER" version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

# --- PostgreSQL ---------------------------------------------------------------------------
PG_BIN=/usr/lib/postgresql/15/bin
PG_DATA="$STATE_DIR/pg"
id postgres >/dev/null 2>&1 || useradd --system --home-dir "$STATE_DIR" postgres
if [ ! -f "$PG_DATA/PG_VERSION" ]; then
  log "creating a throwaway PostgreSQL cluster in $PG_DATA"
  rm -rf "$PG_DATA"
  install -d -o postgres -g postgres "$PG_DATA"
  su postgres -s /bin/sh -c "$PG_BIN/initdb -D '$PG_DATA' -U postgres -A trust -E UTF8 >/dev/null"
fi
if ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$PG_DATA' -l '$PG_DATA/server.log' -w -t 60 \
    -o \"-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off\" start >/dev/null" \
    || die "PostgreSQL did not start; see $PG_DATA/server.log"
fi
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='agentpod_test'" \
  | grep -q 1 || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE agentpod_test"
log "postgres $(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc 'SHOW server_version')"

# --- images -------------------------------------------------------------------------------
"$ROOT/scripts/build-test-images.sh" > "$STATE_DIR/images.env"

cat > "$ROOT/.test-env" <<ENV
# Written by scripts/test-env.sh; read by the test suites.
AGENTPOD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/agentpod_test
AGENTPOD_TEST_DOCKER_HOST=unix:///var/run/docker.sock
$(cat "$STATE_DIR/images.env")
ENV
log "wrote .test-env"
