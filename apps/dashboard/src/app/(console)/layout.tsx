import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { LiveProvider } from '@/components/live/live-provider';
import { currentOperator } from '@/lib/auth';
import { sessionToken } from '@/lib/session';
import { Header } from './header';

/** Every page behind the login: the header, and the tab's one live connection. */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const token = await sessionToken();
  if (!token) redirect('/login');
  // Unreachable (undefined) still renders the shell: the pages show their own error states.
  const operator = await currentOperator(token).catch(() => undefined);
  if (operator === null) redirect('/login?expired=1');
  return (
    <LiveProvider>
      <a
        href="#main"
        className="focus:bg-background sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:p-2"
      >
        Skip to content
      </a>
      <Header operator={operator ?? null} />
      <main id="main" className="mx-auto w-full max-w-6xl p-4 sm:p-6">
        {children}
      </main>
    </LiveProvider>
  );
}
