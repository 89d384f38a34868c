import { asc, eq, sql } from 'drizzle-orm';
import { NotFoundError } from '../../errors.js';
import type { Database } from '../client.js';
import { podStatus, registryCredentials } from '../schema.js';

/** What the API shows of a registry credential: never the secret. */
export interface RegistryCredentialView {
  registry: string;
  username: string;
  createdAt: string;
  updatedAt: string;
}

type Row = typeof registryCredentials.$inferSelect;

const toView = (row: Row): RegistryCredentialView => ({
  registry: row.registry,
  username: row.username,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/**
 * Sets the credential of a registry (the secret already encrypted). Pulls that failed are due
 * again at once: wrong or missing credentials are the usual reason a pull gave up.
 */
export async function putRegistryCredential(
  db: Database,
  input: { registry: string; username: string; ciphertext: string },
): Promise<{ credential: RegistryCredentialView; retryPods: string[] }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(registryCredentials)
      .values(input)
      .onConflictDoUpdate({
        target: registryCredentials.registry,
        set: { username: input.username, ciphertext: input.ciphertext, updatedAt: sql`now()` },
      })
      .returning();
    if (!row) throw new Error(`registry credential ${input.registry} was not written`);
    const reset = await tx
      .update(podStatus)
      .set({ imagePull: null })
      .where(sql`${podStatus.imagePull} IS NOT NULL`)
      .returning({ podId: podStatus.podId });
    return { credential: toView(row), retryPods: reset.map((r) => r.podId) };
  });
}

export async function listRegistryCredentials(db: Database): Promise<RegistryCredentialView[]> {
  const rows = await db
    .select()
    .from(registryCredentials)
    .orderBy(asc(registryCredentials.registry));
  return rows.map(toView);
}

export async function deleteRegistryCredential(db: Database, registry: string): Promise<void> {
  const deleted = await db
    .delete(registryCredentials)
    .where(eq(registryCredentials.registry, registry))
    .returning({ registry: registryCredentials.registry });
  if (deleted.length === 0) throw new NotFoundError('registry_credential', registry);
}

/** The encrypted credential for a registry, for a pull. */
export async function getRegistryCredential(
  db: Database,
  registry: string,
): Promise<{ username: string; ciphertext: string } | null> {
  const [row] = await db
    .select({ username: registryCredentials.username, ciphertext: registryCredentials.ciphertext })
    .from(registryCredentials)
    .where(eq(registryCredentials.registry, registry));
  return row ?? null;
}
