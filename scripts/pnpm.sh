# Sourced by the other scripts: makes sure the pinned pnpm (package.json "packageManager") is
# on PATH, installing it from the npm registry if not.
PNPM_VERSION=$(node -p "require(process.argv[1]).packageManager.split('@')[1]" "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/package.json")
if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "[pnpm] installing pnpm@$PNPM_VERSION" >&2
  npm install -g --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION" >&2
fi
