#!/usr/bin/env bash
# Installs the dependencies, builds, and runs the control plane on its embedded defaults:
# PGlite in ./data, the local Docker socket, the API on http://127.0.0.1:8080.
# Any AGENTPOD_* / DATABASE_URL / DOCKER_HOST variable set in the environment is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pnpm.sh
pnpm install --frozen-lockfile --reporter=silent
pnpm turbo run build --output-logs=errors-only >&2
exec node apps/cli/dist/main.js server
