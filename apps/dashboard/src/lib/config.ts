// The only module that reads the environment (server side only).
import 'server-only';

export interface DashboardConfig {
  /** The control plane, reached from the dashboard's server side only. */
  apiUrl: string;
  /** The dashboard's own host under the base domain, as the control plane routes it. */
  consoleSubdomain: string;
}

function readApiUrl(): string {
  const raw = process.env.AGENTPOD_API_URL ?? 'http://127.0.0.1:8080';
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) {
    throw new Error(`AGENTPOD_API_URL must be http(s)://host[:port], got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

// PORT and HOSTNAME are read by Next's standalone server.js itself; their defaults (3000,
// 127.0.0.1) are set by scripts/start.sh and the Dockerfile, since server.js defaults to 0.0.0.0.
export const config: DashboardConfig = {
  apiUrl: readApiUrl(),
  consoleSubdomain: process.env.AGENTPOD_CONSOLE_SUBDOMAIN || 'console',
};
