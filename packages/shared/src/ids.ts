import { z } from 'zod';

/**
 * Ids are a short type prefix and 20 lowercase base-36 characters: safe in URLs, in Docker
 * object names and in DNS labels, and readable in logs (`pod_4k9...` is obviously a pod).
 */
export const ID_BODY_LENGTH = 20;

export const ID_PREFIXES = {
  tenant: 'ten',
  pod: 'pod',
  event: 'evt',
  token: 'tok',
  audit: 'aud',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

export function idSchema(kind: IdKind) {
  const prefix = ID_PREFIXES[kind];
  return z
    .string()
    .regex(
      new RegExp(`^${prefix}_[0-9a-z]{${ID_BODY_LENGTH}}$`),
      `must be a ${kind} id (${prefix}_…)`,
    );
}

export const TenantId = idSchema('tenant');
export const PodId = idSchema('pod');
export const EventId = idSchema('event');
export const TokenId = idSchema('token');
