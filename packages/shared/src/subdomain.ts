import { DnsLabel } from './tenant.js';

/** Names that would shadow the control plane's own hosts or confuse users. */
export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set([
  'admin',
  'api',
  'app',
  'auth',
  'dashboard',
  'docs',
  'grafana',
  'login',
  'mail',
  'metrics',
  'prometheus',
  'proxy',
  'status',
  'traefik',
  'www',
]);

export const Subdomain = DnsLabel.refine((s) => !RESERVED_SUBDOMAINS.has(s), {
  message: 'is reserved',
}).refine((s) => !s.startsWith('xn--'), { message: 'must not be a punycode label' });

export function publicHost(subdomain: string, baseDomain: string): string {
  return `${subdomain}.${baseDomain}`;
}
