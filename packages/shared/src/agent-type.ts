import { z } from 'zod';
import { PodResources } from './pod.js';

/** An agent type as the API describes it to forms: everything a new adapter needs shown. */
export const AgentType = z.object({
  id: z.string(),
  displayName: z.string(),
  /** The image pods of this type start from unless they name one (the installation's). */
  image: z.string(),
  /** The config form, JSON Schema (draft 2020-12) with defaults and descriptions. */
  configSchema: z.record(z.string(), z.unknown()),
  /** Secrets the operator may set: password fields, write-only. */
  secretFields: z.array(z.string()),
  /** Secrets AgentPod generates for each pod. */
  generatedSecrets: z.array(z.string()),
  /** Generated secrets shown once, in the answer to the pod's creation. */
  revealedSecrets: z.array(z.string()),
  /** Settings the agent reads at its first start only (their later change is refused). */
  seededAtFirstStart: z
    .object({ config: z.array(z.string()), secrets: z.array(z.string()), changeIn: z.string() })
    .nullable(),
  capabilities: z.object({ devicePairing: z.boolean(), accessLink: z.boolean() }),
  defaultResources: PodResources,
});
export type AgentType = z.infer<typeof AgentType>;

export const AgentTypeList = z.object({ items: z.array(AgentType) });
export type AgentTypeList = z.infer<typeof AgentTypeList>;

/** Whether a subdomain can be given to a new pod, and why not. */
export const SubdomainCheck = z.object({
  subdomain: z.string(),
  available: z.boolean(),
  reason: z.string().nullable(),
});
export type SubdomainCheck = z.infer<typeof SubdomainCheck>;
