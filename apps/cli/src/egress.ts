import { EgressPolicy } from '@agentpod/shared';
import { UsageError } from './errors.js';

export const EGRESS_HELP =
  'where the pod may connect: internet (the default), none, or allow=CIDR[,CIDR] (public addresses only)';

/** `internet`, `none` or `allow=203.0.113.0/24,198.51.100.7`; checked here so typos fail early. */
export function parseEgress(text: string): EgressPolicy {
  const value = text.trim();
  const candidate =
    value === 'internet' || value === 'none'
      ? { mode: value }
      : value.startsWith('allow=')
        ? {
            mode: 'allowlist',
            cidrs: value
              .slice('allow='.length)
              .split(',')
              .map((c) => c.trim())
              .filter((c) => c !== ''),
          }
        : undefined;
  const parsed = candidate && EgressPolicy.safeParse(candidate);
  if (!parsed?.success) {
    throw new UsageError(`--egress ${JSON.stringify(text)}: expected ${EGRESS_HELP}`);
  }
  return parsed.data;
}

export function describeEgress(egress: EgressPolicy): string {
  return egress.mode === 'allowlist' ? `allow ${egress.cidrs.join(', ')}` : egress.mode;
}
