#!/usr/bin/env bash
# Runs every test on real components. Installs and starts what the tests need first
# (scripts/test-env.sh: Docker Engine, PostgreSQL 15, Caddy, the offline-built test images).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-env.sh
. scripts/pnpm.sh
pnpm install --frozen-lockfile --reporter=silent
echo "[test] lint and format (biome)"
pnpm lint
echo "[test] build and typecheck"
pnpm turbo run build typecheck --output-logs=errors-only
echo "[test] unit and integration tests (vitest)"
mkdir -p test-results
rc=0
pnpm vitest run --reporter=verbose --reporter=json --outputFile.json=test-results/vitest.json "$@" || rc=$?
node scripts/test-summary.mjs test-results/vitest.json "${rc:-0}"
exit $rc
