// A pod's public URL. The API does not name the base domain, but the dashboard itself is served
// at <console subdomain>.<base domain> through the same proxy, so the request says it.
import 'server-only';
import { headers } from 'next/headers';
import { config } from './config';
import type { PodUrlTemplate } from './pod-url';

/** `https://<subdomain>.<base domain>[:port]`, or null when not served as console.<domain>. */
export async function podOriginTemplate(): Promise<PodUrlTemplate | null> {
  const h = await headers();
  const host = (h.get('x-forwarded-host') ?? h.get('host') ?? '').split(',')[0]?.trim() ?? '';
  const prefix = `${config.consoleSubdomain}.`;
  if (!host.startsWith(prefix)) return null;
  const scheme = h.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'http' ? 'http' : 'https';
  return { scheme, suffix: host.slice(prefix.length - 1) };
}
