// The agent types this installation can run, and the image each one starts from.
import type { AgentAdapter } from '@agentpod/shared';
import { NotFoundError } from '../errors.js';
import { openWebUI } from './open-webui.js';
import { openclaw } from './openclaw.js';

const BUILT_IN: readonly AgentAdapter[] = [openclaw, openWebUI];

export class UnknownAdapterError extends NotFoundError {
  constructor(readonly adapterId: string) {
    super('adapter', adapterId);
  }
}

/**
 * A reference is pinned when it names a digest, or a tag other than `latest`. No tag at all
 * means `latest` to Docker; a `host:port/` prefix is not a tag.
 */
export function isPinnedImage(ref: string): boolean {
  if (ref.includes('@')) return /@sha256:[0-9a-f]{64}$/.test(ref);
  const name = ref.slice(ref.lastIndexOf('/') + 1);
  const colon = name.indexOf(':');
  if (colon < 0) return false;
  const tag = name.slice(colon + 1);
  return tag !== '' && tag !== 'latest';
}

export interface AdapterRegistryOptions {
  /** Adapter id -> the image pods of that type start from unless they name their own. */
  imageOverrides?: Record<string, string>;
}

export class AdapterRegistry {
  private readonly byId: ReadonlyMap<string, AgentAdapter>;
  private readonly imageOverrides: Readonly<Record<string, string>>;

  constructor(
    { imageOverrides = {} }: AdapterRegistryOptions = {},
    adapters: readonly AgentAdapter[] = BUILT_IN,
  ) {
    this.byId = new Map(adapters.map((a) => [a.id, a]));
    for (const [id, image] of Object.entries(imageOverrides)) {
      // Fail at start-up, not at the first pod: a typo would otherwise be silently ignored.
      if (!this.byId.has(id)) throw new UnknownAdapterError(id);
      if (!isPinnedImage(image)) {
        throw new Error(
          `image override for ${id} must be pinned (a tag other than latest, or a digest): ${image}`,
        );
      }
    }
    this.imageOverrides = { ...imageOverrides };
  }

  get(id: string): AgentAdapter {
    const adapter = this.byId.get(id);
    if (!adapter) throw new UnknownAdapterError(id);
    return adapter;
  }

  list(): AgentAdapter[] {
    return [...this.byId.values()];
  }

  /** The image for pods of this type that do not name one (RenderContext.defaultImage). */
  defaultImageFor(id: string): string {
    return this.imageOverrides[id] ?? this.get(id).defaultImage;
  }
}

const builtIn = new AdapterRegistry();

export function getAdapter(id: string): AgentAdapter {
  return builtIn.get(id);
}

export function listAdapters(): AgentAdapter[] {
  return builtIn.list();
}
