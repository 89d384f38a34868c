// Integration tests talk to the real Docker daemon and PostgreSQL server that
// scripts/test-env.sh starts; it writes their addresses to .test-env. Fail loudly when that
// file is missing instead of skipping: a skipped integration suite looks like a green one.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const file = fileURLToPath(new URL('../.test-env', import.meta.url));
  if (!existsSync(file)) {
    throw new Error('.test-env is missing: run scripts/test-env.sh (or scripts/test.sh) first');
  }
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) process.env[match[1]] ??= match[2];
  }
  // Control planes started by the tests route nothing unless a test asks for a proxy: the
  // default, a managed proxy, would take ports 80 and 443 of the machine the tests run on.
  process.env.AGENTPOD_PROXY ??= 'none';
  // Nor do they filter pods' traffic unless a test asks for it: rules for a pool (by default
  // 10.213.0.0/16) would also hold other tests' containers in that range to the filter.
  process.env.AGENTPOD_NETWORK_POLICY ??= 'off';
}
