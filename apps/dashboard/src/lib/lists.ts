// Whole lists for pages that filter on the client: the API pages by cursor.
import 'server-only';
import type { AgentPodClient, PodWithStatus, Tenant } from '@agentpod/shared';

const PAGE = 200;
/** More than a dashboard page should show at once; past it the list says so. */
const MAX_PAGES = 10;

async function collect<T>(
  fetchPage: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i += 1) {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return items;
}

export function allPods(client: AgentPodClient, tenantId?: string): Promise<PodWithStatus[]> {
  return collect((cursor) =>
    client.pods.list({ limit: PAGE, ...(cursor && { cursor }), ...(tenantId && { tenantId }) }),
  );
}

export function allTenants(client: AgentPodClient): Promise<Tenant[]> {
  return collect((cursor) => client.tenants.list({ limit: PAGE, ...(cursor && { cursor }) }));
}
