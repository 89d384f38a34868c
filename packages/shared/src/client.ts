// The one typed client of the REST API: the CLI uses it, and so will the dashboard. Each method
// is one route; responses are checked against the shared schemas, and every failure is an
// ApiError with the server's stable code.
import { z } from 'zod';
import type { DeviceList } from './adapter.js';
import { AgentTypeList, SubdomainCheck } from './agent-type.js';
import {
  AccessLinkResponse,
  API_PATH,
  CreatedPod,
  type CreatePodRequest,
  type CreateTenantRequest,
  DeviceListResponse,
  EventPage,
  type EventQuery,
  LogLine,
  type LogsQuery,
  LogsResponse,
  type PageQuery,
  type PodListQuery,
  PodPage,
  type PodStatsQuery,
  PodStatsSeries,
  TenantPage,
  type UpdatePodRequest,
  type UpdateTenantRequest,
} from './api.js';
import { ApiError } from './api-error.js';
import { AuditPage, type AuditQuery } from './audit.js';
import { DoctorReport } from './doctor.js';
import { ndjsonLines } from './ndjson.js';
import { PodWithStatus } from './pod.js';
import { ProxyStatus } from './proxy.js';
import {
  type PutRegistryCredentialRequest,
  RegistryCredential,
  RegistryCredentialList,
} from './registry.js';
import { Tenant } from './tenant.js';
import { ApiTokenList, type CreateApiTokenRequest, CreatedApiToken } from './token.js';

export interface AgentPodClientOptions {
  /** The control plane's URL, e.g. `http://127.0.0.1:8080`; the client adds `/api/v1`. */
  baseUrl: string;
  /** An API token (`agentpod token create`). */
  token: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

interface Call {
  /** Undefined values are left out. */
  query?: object;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

const tenantPath = (id: string) => `/tenants/${encodeURIComponent(id)}`;
const podPath = (id: string) => `/pods/${encodeURIComponent(id)}`;
const SetupStatus = z.object({ needsFirstAdmin: z.boolean() });
const FirstAdmin = z.object({ id: z.string(), email: z.string() });
const tokenPath = (id: string) => `/tokens/${encodeURIComponent(id)}`;
const registryPath = (host: string) => `/registries/${encodeURIComponent(host)}`;

export class AgentPodClient {
  readonly #base: string;
  /** The base URL as error messages show it: without any credentials. */
  readonly #where: string;
  readonly #token: string;
  readonly #fetch: (url: URL, init: RequestInit) => Promise<Response>;

  constructor(opts: AgentPodClientOptions) {
    const url = URL.canParse(opts.baseUrl) ? new URL(opts.baseUrl) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new TypeError(`the AgentPod URL must be http(s)://host[:port], got "${opts.baseUrl}"`);
    }
    this.#base = opts.baseUrl.replace(/\/+$/, '');
    url.username = '';
    url.password = '';
    this.#where = url.toString().replace(/\/+$/, '');
    this.#token = opts.token;
    // Called as a plain function: browsers refuse `fetch` called as a method of another object.
    const given = opts.fetch;
    this.#fetch = (url, init) => (given ?? globalThis.fetch)(url, init);
  }

  readonly tenants = {
    create: (body: CreateTenantRequest) => this.#json(Tenant, 'POST', '/tenants', { body }),
    list: (query: PageQuery = {}) => this.#json(TenantPage, 'GET', '/tenants', { query }),
    get: (id: string) => this.#json(Tenant, 'GET', tenantPath(id)),
    update: (id: string, body: UpdateTenantRequest) =>
      this.#json(Tenant, 'PATCH', tenantPath(id), { body }),
    /** Refused with `tenant_has_pods` while the tenant has pods. */
    delete: async (id: string): Promise<void> => {
      await this.#send('DELETE', tenantPath(id));
    },
  };

  /** Admin API tokens; a new token's value is in `create`'s answer only. */
  readonly tokens = {
    create: (body: CreateApiTokenRequest) =>
      this.#json(CreatedApiToken, 'POST', '/tokens', { body }),
    list: () => this.#json(ApiTokenList, 'GET', '/tokens'),
    /** Revoking a revoked token changes nothing; an unknown id is `token_not_found`. */
    revoke: async (id: string): Promise<void> => {
      await this.#send('DELETE', tokenPath(id));
    },
  };

  /** The agent types this installation runs, with their config forms as JSON Schema. */
  readonly agentTypes = {
    list: () => this.#json(AgentTypeList, 'GET', '/agent-types'),
  };

  readonly subdomains = {
    /** Whether a new pod could have this subdomain, and why not. */
    check: (subdomain: string) =>
      this.#json(SubdomainCheck, 'GET', `/subdomains/${encodeURIComponent(subdomain)}`),
  };

  /** The first-run setup; needs no token (pass any). */
  readonly setup = {
    status: () => this.#json(SetupStatus, 'GET', '/setup'),
    createFirstAdmin: (body: { email: string; password: string; name?: string }) =>
      this.#json(FirstAdmin, 'POST', '/setup', { body }),
  };

  /** Credentials for private image registries; the password is write-only. */
  readonly registries = {
    list: () => this.#json(RegistryCredentialList, 'GET', '/registries'),
    /** Pulls that gave up are tried again once credentials change. */
    put: (registry: string, body: PutRegistryCredentialRequest) =>
      this.#json(RegistryCredential, 'PUT', registryPath(registry), { body }),
    remove: async (registry: string): Promise<void> => {
      await this.#send('DELETE', registryPath(registry));
    },
  };

  /** The proxy in front of the pods: is it routing what it should? */
  readonly proxy = {
    status: () => this.#json(ProxyStatus, 'GET', '/proxy'),
    /** The PEM root of Caddy's internal CA, for clients that must trust the pods' certificates. */
    rootCertificate: async (): Promise<string> => (await this.#send('GET', '/proxy/ca.pem')).text(),
  };

  /**
   * Writes return at once with the desired state; the reconciler does the Docker work and the
   * pod's `status` catches up (poll `get` or `events`).
   */
  readonly pods = {
    /** Also the adapter's revealed secrets (`revealedSecrets`): the only time they are shown. */
    create: (body: CreatePodRequest) => this.#json(CreatedPod, 'POST', '/pods', { body }),
    list: (query: PodListQuery = {}) => this.#json(PodPage, 'GET', '/pods', { query }),
    get: (id: string) => this.#json(PodWithStatus, 'GET', podPath(id)),
    update: (id: string, body: UpdatePodRequest) =>
      this.#json(PodWithStatus, 'PATCH', podPath(id), { body }),
    /** Removes container and network; the state volume is kept unless `purge`. */
    delete: (id: string, opts: { purge?: boolean } = {}) =>
      this.#json(PodWithStatus, 'DELETE', podPath(id), { query: { purge: opts.purge } }),
    start: (id: string) => this.#json(PodWithStatus, 'POST', `${podPath(id)}/start`),
    stop: (id: string) => this.#json(PodWithStatus, 'POST', `${podPath(id)}/stop`),
    restart: (id: string) => this.#json(PodWithStatus, 'POST', `${podPath(id)}/restart`),
    /** Newest first, filtered by reason, type and time. */
    events: (id: string, query: EventQuery = {}) =>
      this.#json(EventPage, 'GET', `${podPath(id)}/events`, {
        query: { ...query, reason: query.reason?.join(',') },
      }),
    /** CPU, memory, pids and I/O in buckets of `step` seconds (default: the last hour). */
    stats: (id: string, query: PodStatsQuery = {}) =>
      this.#json(PodStatsSeries, 'GET', `${podPath(id)}/stats`, { query }),
    logs: (id: string, query: LogsQuery = {}) =>
      this.#json(LogsResponse, 'GET', `${podPath(id)}/logs`, { query }),
    /** The log from `tail` lines back, then new lines as they come, until `signal` aborts. */
    followLogs: (id: string, opts: LogsQuery & { signal?: AbortSignal } = {}) =>
      this.#followLogs(id, opts),
    devices: (id: string): Promise<DeviceList> =>
      this.#json(DeviceListResponse, 'GET', `${podPath(id)}/devices`),
    /** Answers with the device lists after the change. */
    approveDevice: (id: string, requestId: string): Promise<DeviceList> =>
      this.#json(DeviceListResponse, 'POST', devicePath(id, requestId, 'approve')),
    rejectDevice: (id: string, requestId: string): Promise<DeviceList> =>
      this.#json(DeviceListResponse, 'POST', devicePath(id, requestId, 'reject')),
    /** The agent UI's URL with its sign-in token; issuing one is recorded as an event. */
    accessLink: (id: string) =>
      this.#json(AccessLinkResponse, 'POST', `${podPath(id)}/access-link`),
    /**
     * A new gateway token for the agent; the old one (and every access link made with it)
     * stops working once the reconciler has restarted the agent.
     */
    rotateGatewayToken: (id: string) =>
      this.#json(PodWithStatus, 'POST', `${podPath(id)}/gateway-token/rotate`),
  };

  /**
   * The installation's own checks: Docker, the database and its migrations, the proxy, DNS,
   * certificates, disk and memory, clocks, agent images. Slow (seconds): for people and cron.
   */
  readonly doctor = {
    run: () => this.#json(DoctorReport, 'GET', '/doctor'),
  };

  /** Every admin action, newest first (who, what, on which object, from where). */
  readonly audit = {
    list: (query: AuditQuery = {}) => this.#json(AuditPage, 'GET', '/audit', { query }),
  };

  async *#followLogs(id: string, opts: LogsQuery & { signal?: AbortSignal }) {
    const { signal, tail, since } = opts;
    const what = `GET ${podPath(id)}/logs`;
    try {
      const res = await this.#send('GET', `${podPath(id)}/logs`, {
        query: { tail, since, follow: true },
        signal,
      });
      if (!res.body) return;
      for await (const line of ndjsonLines(res.body, signal)) {
        yield this.#check(LogLine, parseJson(line), what, res.status);
      }
    } catch (err) {
      // Aborting is how a caller stops following: the stream ends, it does not fail.
      if (signal?.aborted) return;
      if (err instanceof ApiError) throw err;
      throw new ApiError(0, 'unreachable', `${what} on ${this.#where} broke off: ${why(err)}`, [], {
        cause: err,
      });
    }
  }

  async #json<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    call?: Call,
  ): Promise<z.output<S>> {
    const res = await this.#send(method, path, call);
    const body = parseJson(await res.text());
    return this.#check(schema, body, `${method} ${path}`, res.status);
  }

  #check<S extends z.ZodType>(schema: S, body: unknown, what: string, status: number) {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new ApiError(
      status,
      'invalid_response',
      `${what} on ${this.#where} answered with a body this client does not understand (${issues.join('; ')})`,
    );
  }

  async #send(method: string, path: string, call: Call = {}): Promise<Response> {
    const url = new URL(`${this.#base}${API_PATH}${path}`);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: 'application/json',
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method,
        headers,
        ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
        ...(call.signal && { signal: call.signal }),
      });
    } catch (err) {
      if (call.signal?.aborted) throw err;
      throw new ApiError(
        0,
        'unreachable',
        `cannot reach the AgentPod API at ${this.#where}: ${why(err)}`,
        [],
        { cause: err },
      );
    }
    if (!res.ok) throw await ApiError.from(res, `${method} ${path}`);
    return res;
  }
}

function devicePath(id: string, requestId: string, verb: 'approve' | 'reject'): string {
  return `${podPath(id)}/devices/${encodeURIComponent(requestId)}/${verb}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Node's fetch says only "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND) is the cause. */
function why(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}
