#!/usr/bin/env bash
# Installs the dependencies, builds, and runs the control plane on its embedded defaults
# (PGlite in ./data, the local Docker socket, the API on http://127.0.0.1:8080) and the dashboard
# beside it (on 127.0.0.1:3000, served by the proxy at https://console.<base domain>).
# Any AGENTPOD_* / DATABASE_URL / DOCKER_HOST variable set in the environment is honoured;
# AGENTPOD_DASHBOARD_HOST and AGENTPOD_DASHBOARD_PORT move the dashboard. Ctrl-C (or either one
# exiting) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pnpm.sh
pnpm install --frozen-lockfile --reporter=silent
pnpm turbo run build --output-logs=errors-only >&2

dashboard_host=${AGENTPOD_DASHBOARD_HOST:-127.0.0.1}
dashboard_port=${AGENTPOD_DASHBOARD_PORT:-3000}
export AGENTPOD_CONSOLE_UPSTREAM=${AGENTPOD_CONSOLE_UPSTREAM:-$dashboard_host:$dashboard_port}

# The dashboard reads only its own settings: HOSTNAME and PORT are set here, never inherited
# from the shell (where HOSTNAME is the machine's name).
env HOSTNAME="$dashboard_host" PORT="$dashboard_port" NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 \
  AGENTPOD_API_URL="http://127.0.0.1:${AGENTPOD_PORT:-8080}" \
  node apps/dashboard/.next/standalone/apps/dashboard/server.js &
dashboard=$!
node apps/cli/dist/main.js server &
server=$!

stop() {
  trap - INT TERM EXIT
  kill -TERM "$server" "$dashboard" 2>/dev/null || true
  wait "$server" "$dashboard" 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT
# Whichever ends first (a start-up error, a crash, a signal) takes the other with it.
rc=0
wait -n "$server" "$dashboard" || rc=$?
exit "$rc"
