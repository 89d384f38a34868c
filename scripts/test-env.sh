#!/usr/bin/env bash
# Installs and starts everything the tests need on a Debian 12 machine, then writes the
# settings the tests read to .test-env at the repository root. Idempotent: a rerun on a
# machine that already has everything takes a few seconds.
#
#   Docker Engine (docker.io)  real daemon on /var/run/docker.sock
#   PostgreSQL 15              a throwaway cluster on 127.0.0.1:$PG_PORT
#   Caddy                      the real reverse proxy for end-to-end tests
#   Chromium                   the real browser for device pairing (driven by playwright-core)
#   image registries           Docker's distribution registry: an open one and one behind
#                              htpasswd auth, on loopback, for pulls of the test images
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
# ip (network namespaces, veth pairs, bridges) and nsenter: the network filter's tests, the
# throwaway dockerd and the browser tests' Chromium in a namespace of its own.
command -v ip >/dev/null || need+=(iproute2)
command -v nsenter >/dev/null || need+=(util-linux)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/docker-compose ] || need+=(docker-compose)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v curl >/dev/null || need+=(curl)
command -v htpasswd >/dev/null || need+=(apache2-utils)
# The CLI's completion scripts are run in both shells they are written for.
command -v zsh >/dev/null || need+=(zsh)
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

# --- image registries ---------------------------------------------------------------------
# No public registry is reachable here: tests push their images to these and AgentPod pulls
# them back. Loopback registries need no TLS (Docker trusts 127.0.0.0/8 as insecure).
REGISTRY_PORT=${AGENTPOD_TEST_REGISTRY_PORT:-5055}
PRIVATE_REGISTRY_PORT=${AGENTPOD_TEST_PRIVATE_REGISTRY_PORT:-5056}
REGISTRY_USER=agentpod
REGISTRY_PASSWORD=test-registry-password
start_registry() { # NAME PORT [HTPASSWD]
  local dir="$STATE_DIR/registry-$1" status
  mkdir -p "$dir/data"
  {
    printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$dir/data"
    printf '  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%s\n' "$2"
    [ -n "${3:-}" ] && printf 'auth:\n  htpasswd:\n    realm: agentpod-test\n    path: %s\n' "$3"
  } > "$dir/config.yml"
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/v2/" || true)
  if [ "$status" != 200 ] && [ "$status" != 401 ]; then
    log "starting the $1 image registry on 127.0.0.1:$2"
    setsid docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 < /dev/null &
    for _ in $(seq 1 40); do
      status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/v2/" || true)
      [ "$status" = 200 ] || [ "$status" = 401 ] && break
      sleep 0.25
    done
    [ "$status" = 200 ] || [ "$status" = 401 ] || die "the $1 registry did not start; see $dir/registry.log"
  fi
}
HTPASSWD="$STATE_DIR/registry.htpasswd"
# Written whole or not at all: an empty file is a registry that refuses everyone.
if [ ! -s "$HTPASSWD" ]; then
  htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" > "$HTPASSWD.new"
  [ -s "$HTPASSWD.new" ] || die "htpasswd wrote nothing for the private registry"
  mv "$HTPASSWD.new" "$HTPASSWD"
fi
start_registry open "$REGISTRY_PORT"
start_registry private "$PRIVATE_REGISTRY_PORT" "$HTPASSWD"

# --- images -------------------------------------------------------------------------------
"$ROOT/scripts/build-test-images.sh" > "$STATE_DIR/images.env"

cat > "$ROOT/.test-env" <<ENV
# Written by scripts/test-env.sh; read by the test suites.
AGENTPOD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/agentpod_test
AGENTPOD_TEST_DOCKER_HOST=unix:///var/run/docker.sock
AGENTPOD_TEST_REGISTRY=127.0.0.1:$REGISTRY_PORT
AGENTPOD_TEST_PRIVATE_REGISTRY=127.0.0.1:$PRIVATE_REGISTRY_PORT
AGENTPOD_TEST_REGISTRY_USER=$REGISTRY_USER
AGENTPOD_TEST_REGISTRY_PASSWORD=$REGISTRY_PASSWORD
$(cat "$STATE_DIR/images.env")
ENV
log "wrote .test-env"
