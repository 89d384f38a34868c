// Sign-in, sign-out and the session, against better-auth inside the control plane
// (`/api/auth/*`, bearer plugin: the session token comes back in `set-auth-token`).
import 'server-only';
import { config } from './config';

export type SignInResult = { ok: true; token: string } | { ok: false; message: string };

export interface Operator {
  email: string;
  name: string;
}

const authUrl = (path: string) => `${config.apiUrl}/api/auth/${path}`;

export async function signIn(
  email: string,
  password: string,
  clientAddress: string | undefined,
): Promise<SignInResult> {
  let res: Response;
  try {
    res = await fetch(authUrl('sign-in/email'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(clientAddress && { 'x-forwarded-for': clientAddress }),
      },
      body: JSON.stringify({ email, password }),
      cache: 'no-store',
    });
  } catch {
    return { ok: false, message: 'The AgentPod control plane cannot be reached. Try again.' };
  }
  const token = res.headers.get('set-auth-token');
  if (res.ok && token) return { ok: true, token };
  if (res.status === 401) return { ok: false, message: 'Wrong e-mail or password.' };
  if (res.status === 429) {
    return { ok: false, message: 'Too many sign-in attempts. Wait a minute, then try again.' };
  }
  const body = (await res.json().catch(() => null)) as { message?: string } | null;
  return { ok: false, message: body?.message ?? `Sign-in failed (${res.status}).` };
}

export async function signOut(token: string): Promise<void> {
  await fetch(authUrl('sign-out'), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    cache: 'no-store',
  }).catch(() => undefined);
}

/** The operator the token belongs to; null when the session has ended or never was. */
export async function currentOperator(token: string): Promise<Operator | null> {
  const res = await fetch(authUrl('get-session'), {
    headers: { authorization: `Bearer ${token}` },
    cache: 'no-store',
  });
  if (!res.ok) throw new Error(`the control plane answered ${res.status} for the session`);
  const body = (await res.json()) as { user?: { email: string; name: string } } | null;
  return body?.user ? { email: body.user.email, name: body.user.name } : null;
}
