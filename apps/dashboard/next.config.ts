import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const config: NextConfig = {
  // A self-contained server (node server.js) for the Docker image and scripts/start.sh.
  output: 'standalone',
  // The workspace root, so the standalone output carries @agentpod/shared and the hoisted deps.
  outputFileTracingRoot: fileURLToPath(new URL('../..', import.meta.url)),
  // `pnpm typecheck` checks the types and `pnpm lint` runs biome: the build does neither again.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  // gzip would hold back the live feed's Server-Sent Events; the proxy in front may compress.
  compress: false,
};

export default config;
