// The one typed client the dashboard's server side uses: AgentPodClient with the operator's
// session token. A missing or ended session sends the browser to the login page.
import 'server-only';
import { AgentPodClient, ApiError } from '@agentpod/shared';
import { redirect } from 'next/navigation';
import { config } from './config';
import { sessionToken } from './session';

export async function api(): Promise<AgentPodClient> {
  const token = await sessionToken();
  if (!token) redirect('/login');
  return new AgentPodClient({ baseUrl: config.apiUrl, token });
}

/** For the routes that need no session (first-run setup). */
export function anonymousApi(): AgentPodClient {
  return new AgentPodClient({ baseUrl: config.apiUrl, token: 'none' });
}

/** Runs `call`; a 401 (the session ended) goes to the login page instead of an error page. */
export async function withApi<T>(call: (client: AgentPodClient) => Promise<T>): Promise<T> {
  const client = await api();
  try {
    return await call(client);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) redirect('/login?expired=1');
    throw err;
  }
}
