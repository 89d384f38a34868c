// What a form needs to create a pod of any agent type, so a new adapter needs no dashboard
// code: its config as JSON Schema, its secret fields, its powers and its defaults; and whether
// a subdomain is free, checked while the operator types it.
import {
  AgentTypeList,
  configJsonSchema,
  DnsLabel,
  RESERVED_SUBDOMAINS,
  SubdomainCheck,
} from '@agentpod/shared';
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { AdapterRegistry } from '../adapters/index.js';
import type { Database } from '../db/client.js';
import { pods } from '../db/schema.js';
import type { ApiInstance } from './app.js';

const tags = ['agent types'];

export function agentTypeRoutes(
  db: Database,
  adapters: AdapterRegistry,
  reserved: { consoleSubdomain: string },
) {
  return (app: ApiInstance) => {
    app.get('/agent-types', { schema: { tags, response: { 200: AgentTypeList } } }, async () => ({
      items: adapters.list().map((a) => ({
        id: a.id,
        displayName: a.displayName,
        image: adapters.defaultImageFor(a.id),
        configSchema: configJsonSchema(a),
        secretFields: [...a.secretFields],
        generatedSecrets: [...a.generatedSecrets],
        revealedSecrets: [...(a.revealedSecrets ?? [])],
        seededAtFirstStart: a.seededAtFirstStart
          ? {
              config: [...a.seededAtFirstStart.config],
              secrets: [...a.seededAtFirstStart.secrets],
              changeIn: a.seededAtFirstStart.changeIn,
            }
          : null,
        capabilities: { ...a.capabilities },
        defaultResources: { ...a.defaultResources },
      })),
    }));

    app.get(
      '/subdomains/:subdomain',
      {
        schema: {
          tags,
          params: z.strictObject({ subdomain: z.string().max(253) }),
          response: { 200: SubdomainCheck },
        },
      },
      async (req) => {
        const { subdomain } = req.params;
        const answer = (reason: string | null) => ({ subdomain, available: !reason, reason });
        const label = DnsLabel.safeParse(subdomain);
        if (!label.success) return answer(label.error.issues[0]?.message ?? 'is not a DNS label');
        if (RESERVED_SUBDOMAINS.has(subdomain) || subdomain === reserved.consoleSubdomain) {
          return answer('is reserved');
        }
        if (subdomain.startsWith('xn--')) return answer('must not be a punycode label');
        const [taken] = await db
          .select({ id: pods.id })
          .from(pods)
          .where(and(eq(pods.subdomain, subdomain), isNull(pods.deletedAt)));
        return answer(taken ? `is taken by pod ${taken.id}` : null);
      },
    );
  };
}
