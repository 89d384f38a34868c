import { randomBytes } from 'node:crypto';
import type {
  AgentAdapter,
  CreatedPod,
  EgressPolicy,
  PodResources,
  PodWithStatus,
  PowerState,
} from '@agentpod/shared';
import type { z } from 'zod';
import type { Database } from '../db/client.js';
import { newId } from '../db/ids.js';
import { recordEvent } from '../db/queries/events.js';
import {
  assertPodLive,
  createPod,
  getPod,
  getPodSecrets,
  isPurgeRequested,
  type PodPatch,
  requestPodDeletion,
  updatePod,
} from '../db/queries/pods.js';
import { AgentPodError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { volumeName } from '../reconciler/names.js';
import type { AdapterLookup } from '../reconciler/reconcile.js';
import { parseImageRef } from '../runtime/image-ref.js';
import type { SecretBox } from '../secrets/secret-box.js';

export interface PodServiceDeps {
  db: Database;
  adapters: AdapterLookup;
  secrets: SecretBox;
  /** Wakes the reconciler for this pod at once. */
  notify: (podId: string) => void;
  /** After a write, before the API answers: its next read must see it (watch/pod-cache.ts). */
  written?: (podId: string) => Promise<void>;
  /** The dashboard's subdomain: never a pod's. */
  consoleSubdomain?: string;
}

export interface CreatePodInput {
  tenantId: string;
  name?: string | undefined;
  subdomain: string;
  agentType: string;
  image?: string | undefined;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  resources?: Partial<PodResources> | undefined;
  egress?: EgressPolicy | undefined;
  desiredState: PowerState;
}

export interface UpdatePodInput {
  name?: string | undefined;
  image?: string | null | undefined;
  /** A JSON merge patch (RFC 7386) of the config: null removes a key. */
  config?: Record<string, unknown> | undefined;
  /** A value sets the secret, null removes it. */
  secrets?: Record<string, string | null> | undefined;
  resources?: Partial<PodResources> | undefined;
  egress?: EgressPolicy | undefined;
  desiredState?: PowerState | undefined;
}

/**
 * Pod writes in the product's terms: validates against the pod's adapter, encrypts secrets,
 * writes desired state (bumping the generation) and wakes the reconciler. It does no Docker
 * work itself.
 */
/** The adapter-generated secret that signs browsers in to the agent (OpenClaw's gateway). */
const GATEWAY_TOKEN = 'gatewayToken';

export class PodService {
  constructor(private readonly deps: PodServiceDeps) {}

  /** The answer carries the adapter's revealed secrets: the only time anyone sees them. */
  async create(input: CreatePodInput): Promise<CreatedPod> {
    const adapter = this.adapterFor(input.agentType);
    if (input.subdomain === this.deps.consoleSubdomain) {
      throw new ValidationError(`${input.subdomain} is the dashboard's subdomain`, [
        { path: 'subdomain', message: 'is reserved' },
      ]);
    }
    if (input.image) checkImageRef(input.image);
    const config = validateConfig(adapter, input.config);
    checkSecretNames(adapter, input.secrets);
    const plain: Record<string, string> = { ...input.secrets };
    for (const name of adapter.generatedSecrets)
      plain[name] = randomBytes(32).toString('base64url');
    // Chosen here: the secrets are encrypted bound to the pod's id before its row exists.
    const id = newId('pod');
    const pod = await createPod(this.deps.db, {
      id,
      tenantId: input.tenantId,
      name: input.name ?? input.subdomain,
      subdomain: input.subdomain,
      agentType: adapter.id,
      image: input.image ?? null,
      config,
      resources: { ...adapter.defaultResources, ...input.resources },
      egress: input.egress ?? { mode: 'internet' },
      desiredState: input.desiredState,
      secrets: this.deps.secrets.encryptPodSecrets(id, plain),
    });
    await this.changed(pod.id);
    const revealed = adapter.revealedSecrets ?? [];
    return {
      ...pod,
      revealedSecrets: Object.fromEntries(revealed.map((n) => [n, plain[n] ?? ''])),
    };
  }

  async update(id: string, input: UpdatePodInput): Promise<PodWithStatus> {
    const current = await this.live(id);
    const adapter = this.adapterFor(current.agentType);
    if (input.image) checkImageRef(input.image);
    const patch: PodPatch = {
      name: input.name,
      image: input.image,
      desiredState: input.desiredState,
      resources: input.resources && { ...current.resources, ...input.resources },
      egress: input.egress,
    };
    if (input.config)
      patch.config = validateConfig(adapter, mergePatch(current.config, input.config));
    refuseSeededChanges(adapter, current.config, patch.config, input.secrets);
    if (input.secrets) {
      const set = Object.fromEntries(
        Object.entries(input.secrets).filter((e): e is [string, string] => e[1] !== null),
      );
      checkSecretNames(adapter, input.secrets);
      patch.secrets = {
        set: this.deps.secrets.encryptPodSecrets(id, set),
        unset: Object.keys(input.secrets).filter((k) => input.secrets?.[k] === null),
      };
    }
    const pod = await updatePod(this.deps.db, id, patch);
    await this.changed(id);
    return pod;
  }

  async setPower(id: string, desiredState: PowerState): Promise<PodWithStatus> {
    await this.live(id);
    const pod = await updatePod(this.deps.db, id, { desiredState });
    await this.changed(id);
    return pod;
  }

  /** Restart is desired state too: "running, and started after now". */
  async restart(id: string): Promise<PodWithStatus> {
    const current = await this.live(id);
    if (current.desiredState !== 'running') {
      throw new ConflictError(
        'pod_stopped',
        `pod ${id} is stopped; start it instead of restarting it`,
      );
    }
    const pod = await updatePod(this.deps.db, id, { restart: true });
    await this.changed(id);
    return pod;
  }

  /** Idempotent: asking again writes nothing unless it newly asks for a purge. */
  async delete(id: string, opts: { purge: boolean }): Promise<PodWithStatus> {
    const current = await getPod(this.deps.db, id);
    if (current.deletedAt) {
      if (!opts.purge || (await isPurgeRequested(this.deps.db, id))) return current;
      // The reconciler is done with a finished deletion: a purge flag set now would never run.
      if (current.status.phase === 'deleted') {
        throw new ConflictError(
          'pod_deleted',
          `pod ${id} is already deleted and its state volume was kept; remove ${volumeName(id)} with docker volume rm`,
        );
      }
    }
    const pod = await requestPodDeletion(this.deps.db, id, opts);
    await this.changed(id);
    return pod;
  }

  /**
   * Replaces the adapter's generated gateway token. The secret change bumps the generation,
   * so the reconciler rewrites the agent's configuration and recreates its container.
   */
  async rotateGatewayToken(id: string): Promise<PodWithStatus> {
    const current = await this.live(id);
    const adapter = this.adapterFor(current.agentType);
    if (!adapter.generatedSecrets.includes(GATEWAY_TOKEN))
      throw new AgentPodError(
        'capability_missing',
        `agent type ${adapter.id} does not support gateway token rotation`,
      );
    const value = randomBytes(32).toString('base64url');
    const pod = await updatePod(this.deps.db, id, {
      secrets: {
        set: this.deps.secrets.encryptPodSecrets(id, { [GATEWAY_TOKEN]: value }),
        unset: [],
      },
    });
    await recordEvent(this.deps.db, {
      podId: id,
      reason: 'GatewayTokenRotated',
      message: 'the gateway token was replaced; links made with the old one stop working',
    });
    await this.changed(id);
    return pod;
  }

  /** Decrypted secrets, for server-side use only (access links); never returned by the API. */
  async secretsOf(id: string): Promise<Record<string, string>> {
    return this.deps.secrets.decryptPodSecrets(id, await getPodSecrets(this.deps.db, id));
  }

  adapterFor(agentType: string): AgentAdapter {
    try {
      return this.deps.adapters.get(agentType);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new ValidationError(`unknown agent type ${agentType}`, [
          { path: 'agentType', message: 'unknown agent type' },
        ]);
      }
      throw err;
    }
  }

  private async changed(id: string): Promise<void> {
    this.deps.notify(id);
    await this.deps.written?.(id);
  }

  private async live(id: string): Promise<PodWithStatus> {
    const pod = await getPod(this.deps.db, id);
    assertPodLive(pod);
    return pod;
  }
}

/** Docker's own grammar, so a reference that passes here is one the daemon can pull. */
function checkImageRef(image: string): void {
  try {
    parseImageRef(image);
  } catch (err) {
    throw new ValidationError((err as Error).message, [
      { path: 'image', message: 'is not an image reference like registry/name:tag' },
    ]);
  }
}

function validateConfig(
  adapter: AgentAdapter,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const parsed = (adapter.configSchema as z.ZodType<Record<string, unknown>>).safeParse(config);
  if (!parsed.success) {
    throw new ValidationError(
      `config is not valid for ${adapter.displayName}`,
      parsed.error.issues.flatMap((i) => {
        const at = ['config', ...i.path.map(String)];
        // Name each unknown key itself, not the object that holds it.
        if (i.code === 'unrecognized_keys') {
          return i.keys.map((k) => ({
            path: [...at, k].join('.'),
            message: 'is not a known setting',
          }));
        }
        return [{ path: at.join('.'), message: i.message }];
      }),
    );
  }
  return parsed.data;
}

/**
 * The agent keeps these settings in its own state after its first start and would ignore a new
 * value without a word: refusing the change is honest, recreating the container is not enough.
 */
function refuseSeededChanges(
  adapter: AgentAdapter,
  current: Record<string, unknown>,
  next: Record<string, unknown> | undefined,
  secrets: Record<string, unknown> | undefined,
): void {
  const seeded = adapter.seededAtFirstStart;
  if (!seeded) return;
  const changed = [
    ...seeded.config
      .filter((k) => next && JSON.stringify(next[k]) !== JSON.stringify(current[k]))
      .map((k) => `config.${k}`),
    ...seeded.secrets.filter((k) => secrets && k in secrets).map((k) => `secrets.${k}`),
  ];
  if (changed.length === 0) return;
  throw new ConflictError(
    'seeded_at_first_start',
    `${adapter.displayName} reads ${changed.join(', ')} only on its first start and keeps its own value from then on; change ${changed.length === 1 ? 'it' : 'them'} in ${seeded.changeIn}, or create a new pod`,
  );
}

function checkSecretNames(adapter: AgentAdapter, secrets: Record<string, unknown>): void {
  const unknown = Object.keys(secrets).filter((k) => !adapter.secretFields.includes(k));
  if (unknown.length > 0) {
    throw new ValidationError(
      `${adapter.displayName} has no secret named ${unknown.join(', ')} (it has: ${adapter.secretFields.join(', ') || 'none'})`,
      unknown.map((k) => ({ path: `secrets.${k}`, message: 'unknown secret' })),
    );
  }
}

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isPlainObject(value) && isPlainObject(result[key])) {
      result[key] = mergePatch(result[key] as Record<string, unknown>, value);
    } else result[key] = value;
  }
  return result;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
