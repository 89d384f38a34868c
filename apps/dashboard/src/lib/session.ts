// The logged-in operator's control-plane session token lives in one httpOnly cookie of the
// dashboard: the browser holds it but scripts cannot read it, and it only ever travels to the
// dashboard's server side, which sends it on as `Authorization: Bearer`.
import 'server-only';
import { cookies, headers } from 'next/headers';

export const SESSION_COOKIE = 'agentpod_session';

export async function sessionToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value || undefined;
}

/** Served through the proxy the request is HTTPS; a direct http://127.0.0.1:3000 is not. */
async function isHttps(): Promise<boolean> {
  return (await headers()).get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

export async function setSessionToken(token: string): Promise<void> {
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: await isHttps(),
    path: '/',
    // The control plane's session decides how long it lasts; the cookie just outlives it.
    maxAge: 60 * 60 * 24 * 30,
  });
}

export async function clearSessionToken(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
}

/**
 * The browser's address as the proxy saw it, for the control plane's per-client sign-in limit.
 * The last X-Forwarded-For entry is the one the nearest proxy wrote; earlier ones are the
 * client's own claim.
 */
export async function clientAddress(): Promise<string | undefined> {
  const forwarded = (await headers()).get('x-forwarded-for');
  const last = forwarded?.split(',').at(-1)?.trim();
  return last || undefined;
}
