import { DnsLabel } from './tenant.js';

/** Names that would shadow the control plane's own hosts or confuse users. */
export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set([
  'admin',
  'api',
  'app',
  'auth',
  'console',
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

/** `https://alice.agents.example.com`, with the port only when it is not the scheme's default. */
export function publicOrigin(
  subdomain: string,
  opts: { baseDomain: string; scheme: 'http' | 'https'; port?: number | undefined },
): string {
  const defaultPort = opts.scheme === 'https' ? 443 : 80;
  const port = opts.port && opts.port !== defaultPort ? `:${opts.port}` : '';
  return `${opts.scheme}://${publicHost(subdomain, opts.baseDomain)}${port}`;
}
