// Operator accounts (the people who use the dashboard): better-auth with e-mail and password,
// sessions and its sign-in rate limit in the control plane's own database, so every control
// plane on one database shares them. Sessions travel as bearer tokens (its bearer plugin): the
// dashboard's server side holds one per signed-in operator and sends it to the API like an API
// token; the browser only ever has the dashboard's own httpOnly cookie.
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { bearer } from 'better-auth/plugins/bearer';
import { count, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import {
  authAccount,
  authRateLimit,
  authSession,
  authUser,
  authVerification,
  installation,
} from '../db/schema.js';
import { ConflictError, ValidationError } from '../errors.js';

export const MIN_PASSWORD_LENGTH = 12;

export interface OperatorAuthOptions {
  /** Signs better-auth's tokens; derived from the installation's secret key. */
  secret: string;
  /** Where the API is reached (better-auth builds its own URLs from it). */
  baseURL: string;
  /** Origins allowed to call the auth routes from a browser: the dashboard's. */
  trustedOrigins: string[];
}

export function createOperatorAuth(db: Database, opts: OperatorAuthOptions) {
  return betterAuth({
    appName: 'AgentPod',
    basePath: '/api/auth',
    baseURL: opts.baseURL,
    secret: opts.secret,
    trustedOrigins: opts.trustedOrigins,
    database: drizzleAdapter(db, {
      provider: 'pg',
      schema: {
        user: authUser,
        session: authSession,
        account: authAccount,
        verification: authVerification,
        rateLimit: authRateLimit,
      },
    }),
    // Accounts are made by the first-run setup (and later by an admin), never by sign-up.
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
    },
    session: { expiresIn: 7 * 24 * 3600, updateAge: 24 * 3600 },
    rateLimit: {
      enabled: true,
      storage: 'database',
      window: 60,
      max: 100,
      customRules: { '/sign-in/email': { window: 60, max: 5 } },
    },
    // The dashboard forwards its client's address: the limit is per browser, not per dashboard.
    advanced: { ipAddress: { ipAddressHeaders: ['x-forwarded-for'] } },
    telemetry: { enabled: false },
    plugins: [bearer()],
  });
}

export type OperatorAuth = ReturnType<typeof createOperatorAuth>;

/** Whether the first operator account still has to be made (the dashboard's setup page). */
export async function needsFirstAdmin(db: Database): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(authUser);
  return (row?.n ?? 0) === 0;
}

/**
 * Makes the first operator account, once. Claiming `installation.first_admin_at` first makes
 * two setups racing (two browsers, two control planes) end with exactly one account.
 */
export async function createFirstAdmin(
  db: Database,
  auth: OperatorAuth,
  input: { email: string; password: string; name: string },
): Promise<{ id: string; email: string }> {
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`, [
      { path: 'password', message: `must have at least ${MIN_PASSWORD_LENGTH} characters` },
    ]);
  }
  const claimed = await db
    .update(installation)
    .set({ firstAdminAt: sql`now()` })
    .where(isNull(installation.firstAdminAt))
    .returning({ id: installation.id });
  if (claimed.length === 0 || !(await needsFirstAdmin(db))) {
    throw new ConflictError('setup_done', 'the first admin exists already; sign in instead');
  }
  try {
    const ctx = await auth.$context;
    const hash = await ctx.password.hash(input.password);
    const user = await ctx.internalAdapter.createUser(
      { email: input.email.toLowerCase(), name: input.name, emailVerified: true },
      { method: 'email-password' },
    );
    await ctx.internalAdapter.linkAccount({
      userId: user.id,
      providerId: 'credential',
      accountId: user.id,
      password: hash,
    });
    return { id: user.id, email: user.email };
  } catch (err) {
    // Nothing was made: let the next attempt claim the setup again.
    await db
      .update(installation)
      .set({ firstAdminAt: null })
      .where(eq(installation.singleton, true));
    throw err;
  }
}
