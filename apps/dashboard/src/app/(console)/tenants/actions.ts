'use server';

import type { Tenant } from '@agentpod/shared';
import { type ActionResult, runAction } from '@/lib/action-result';

export async function createTenant(
  name: string,
  displayName: string,
): Promise<ActionResult<Tenant>> {
  return runAction((client) =>
    client.tenants.create({ name, ...(displayName.trim() && { displayName: displayName.trim() }) }),
  );
}

export async function renameTenant(id: string, displayName: string): Promise<ActionResult<Tenant>> {
  return runAction((client) => client.tenants.update(id, { displayName }));
}

export async function deleteTenant(id: string): Promise<ActionResult<null>> {
  return runAction(async (client) => {
    await client.tenants.delete(id);
    return null;
  });
}
