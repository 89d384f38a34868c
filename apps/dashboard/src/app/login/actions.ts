'use server';

import { redirect } from 'next/navigation';
import { signIn, signOut } from '@/lib/auth';
import { clearSessionToken, clientAddress, sessionToken, setSessionToken } from '@/lib/session';

export interface LoginState {
  error: string | null;
  email: string;
}

export async function login(_previous: LoginState, form: FormData): Promise<LoginState> {
  const email = String(form.get('email') ?? '').trim();
  const password = String(form.get('password') ?? '');
  if (!email || !password) return { error: 'Enter your e-mail and password.', email };
  const result = await signIn(email, password, await clientAddress());
  if (!result.ok) return { error: result.message, email };
  await setSessionToken(result.token);
  redirect('/pods');
}

export async function logout(): Promise<void> {
  const token = await sessionToken();
  if (token) await signOut(token);
  await clearSessionToken();
  redirect('/login?signedOut=1');
}
