'use server';

import { redirect } from 'next/navigation';
import { toProblem } from '@/lib/action-result';
import { anonymousApi } from '@/lib/api';
import { signIn } from '@/lib/auth';
import { formErrors } from '@/lib/problem';
import { clientAddress, setSessionToken } from '@/lib/session';

export interface SetupState {
  fields: Record<string, string>;
  form: string | null;
  values: { name: string; email: string };
}

export async function createFirstAdmin(_previous: SetupState, data: FormData): Promise<SetupState> {
  const values = {
    name: String(data.get('name') ?? '').trim(),
    email: String(data.get('email') ?? '').trim(),
  };
  const password = String(data.get('password') ?? '');
  if (password.length < 12) {
    return { fields: { password: 'must be at least 12 characters' }, form: null, values };
  }
  try {
    await anonymousApi().setup.createFirstAdmin({ ...values, password });
  } catch (err) {
    const problem = toProblem(err);
    // Someone else finished the setup first: sign in like everyone else.
    if (problem.code === 'setup_done') redirect('/login');
    return { ...formErrors(problem, ['name', 'email', 'password']), values };
  }
  const session = await signIn(values.email, password, await clientAddress());
  if (!session.ok) redirect('/login?created=1');
  await setSessionToken(session.token);
  redirect('/pods');
}
