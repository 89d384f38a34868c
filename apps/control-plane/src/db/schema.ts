import type { EgressPolicy, ImagePull, PodUsage } from '@agentpod/shared';
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

// Every timestamp is `timestamptz(3)`, written in UTC by the database (now()). Millisecond
// precision matches JavaScript's Date, so a pagination cursor round-trips exactly.
const createdAt = () =>
  timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow();
const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow();

export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  displayName: text('display_name').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Desired state. Written by the API only; `generation` is bumped by every write. */
export const pods = pgTable(
  'pods',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    subdomain: text('subdomain').notNull(),
    agentType: text('agent_type').notNull(),
    image: text('image'),
    config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
    memoryMb: integer('memory_mb').notNull(),
    cpus: doublePrecision('cpus').notNull(),
    pidsLimit: integer('pids_limit').notNull(),
    desiredState: text('desired_state', { enum: ['running', 'stopped'] }).notNull(),
    generation: integer('generation').notNull().default(1),
    /** A restart is desired state too: the container must have started after this time. */
    restartRequestedAt: timestamp('restart_requested_at', { withTimezone: true, precision: 3 }),
    /** Set when deletion is requested; the reconciler removes the objects, then the row stays as a tombstone. */
    deletedAt: timestamp('deleted_at', { withTimezone: true, precision: 3 }),
    /** With deletion: also remove the state volume. */
    purge: boolean('purge').notNull().default(false),
    /**
     * Where the pod may open connections beyond answering its proxy: the public internet (the
     * default: models need it), nowhere, or only the listed CIDRs. Private, link-local (cloud
     * metadata), host and other pods' addresses are refused in every mode.
     */
    egress: jsonb('egress').$type<EgressPolicy>().notNull().default({ mode: 'internet' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // A subdomain is free again once its pod is deleted.
    uniqueIndex('pods_subdomain_live_idx').on(t.subdomain).where(sql`${t.deletedAt} IS NULL`),
    index('pods_tenant_idx').on(t.tenantId),
  ],
);

/** Secret values of a pod, encrypted (AES-256-GCM) with the installation's key. */
export const podSecrets = pgTable(
  'pod_secrets',
  {
    podId: text('pod_id')
      .notNull()
      .references(() => pods.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    ciphertext: text('ciphertext').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.podId, t.name] })],
);

/** The last exit AgentPod has accounted for, per container (`at` null: none yet). */
export interface ExitMark {
  containerId: string;
  at: string | null;
  exitCode: number | null;
  oomKilled: boolean;
  restartCount: number;
}

/** Observed state. Written by the reconciler only, after it has looked at Docker. */
export const podStatus = pgTable('pod_status', {
  podId: text('pod_id')
    .primaryKey()
    .references(() => pods.id, { onDelete: 'cascade' }),
  phase: text('phase').notNull().default('pending'),
  containerId: text('container_id'),
  health: text('health').notNull().default('unknown'),
  restarts: integer('restarts').notNull().default(0),
  lastError: text('last_error'),
  observedGeneration: integer('observed_generation').notNull().default(0),
  specHash: text('spec_hash'),
  /**
   * The subnet of the network the pod is on: the installation's pod network, shared by its pods
   * (before migration 0007 every pod had a network of its own, hence once unique).
   */
  subnet: text('subnet'),
  /** The container's address on its pod network: where the proxy sends the pod's traffic. */
  ipAddress: text('ip_address'),
  /** The image reference the pin below belongs to; a different wanted reference needs a new pin. */
  imageRef: text('image_ref'),
  /** `repo@sha256:…` or a local image id: what new containers of this pod are created from. */
  imagePinned: text('image_pinned'),
  /** The pull under way or the failed one, with its backoff; null once the image is there. */
  imagePull: jsonb('image_pull').$type<ImagePull>(),
  /** The latest resource sample, written by the stats collector; null while not running. */
  usage: jsonb('usage').$type<PodUsage>(),
  /** The container's last exit that AgentPod has accounted for (recorded or caused itself). */
  lastExit: jsonb('last_exit').$type<ExitMark>(),
  updatedAt: updatedAt(),
});

export const podEvents = pgTable(
  'pod_events',
  {
    id: text('id').primaryKey(),
    podId: text('pod_id')
      .notNull()
      .references(() => pods.id, { onDelete: 'cascade' }),
    type: text('type', { enum: ['normal', 'warning'] }).notNull(),
    reason: text('reason').notNull(),
    message: text('message').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('pod_events_pod_time_idx').on(t.podId, t.createdAt),
    // The retention policy deletes by age across all pods.
    index('pod_events_time_idx').on(t.createdAt),
  ],
);

/**
 * Resource samples of running pods: raw ones (resolution 0) at the collector's interval, and
 * 5-minute rollups (resolution 300) kept longer. Rates are per second, computed from the
 * container's counters between two samples.
 */
export const podUsage = pgTable(
  'pod_usage',
  {
    podId: text('pod_id')
      .notNull()
      .references(() => pods.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    resolution: integer('resolution').notNull(),
    cpuPercent: doublePrecision('cpu_percent'),
    cpuPercentMax: doublePrecision('cpu_percent_max'),
    memoryBytes: doublePrecision('memory_bytes').notNull(),
    memoryBytesMax: doublePrecision('memory_bytes_max').notNull(),
    memoryLimitBytes: doublePrecision('memory_limit_bytes').notNull(),
    pids: doublePrecision('pids').notNull(),
    networkRxBps: doublePrecision('network_rx_bps').notNull(),
    networkTxBps: doublePrecision('network_tx_bps').notNull(),
    blockReadBps: doublePrecision('block_read_bps').notNull(),
    blockWriteBps: doublePrecision('block_write_bps').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.podId, t.resolution, t.at] }),
    index('pod_usage_time_idx').on(t.resolution, t.at),
  ],
);

/** API tokens are stored as SHA-256 hashes; the plain token is shown once, at creation. */
export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  /** The first characters of the token, to tell tokens apart in listings. */
  prefix: text('prefix').notNull(),
  role: text('role', { enum: ['admin'] })
    .notNull()
    .default('admin'),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3 }),
  revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
  /** Null: the token does not expire. */
  expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }),
});

/**
 * Every admin action (a write through the API, an access link issued, a sign-in): who, what,
 * when and from where. Kept under the same kind of retention policy as events.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** `token:<id>`, `operator:<user id>`, `local-admin`, or `anonymous` for a refused call. */
    actor: text('actor').notNull(),
    /** What was done, as `<noun>.<verb>`: `pod.create`, `pod.access_link`, `token.revoke`. */
    action: text('action').notNull(),
    /** The object acted on (a pod, tenant, token id, a registry host), when there is one. */
    target: text('target'),
    method: text('method').notNull(),
    path: text('path').notNull(),
    status: integer('status').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** Anything else worth keeping; never a secret value. */
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_target_idx').on(t.target, t.at)],
);

/**
 * One row: this installation's identity. Its id labels every Docker object the installation
 * makes, so two installations (or a test run beside a real one) on one Docker host never see,
 * sweep or reuse each other's objects.
 */
export const installation = pgTable(
  'installation',
  {
    singleton: boolean('singleton').primaryKey().default(true),
    id: text('id').notNull(),
    /** Set once by whoever creates the first operator account: there is only ever one first. */
    firstAdminAt: timestamp('first_admin_at', { withTimezone: true, precision: 3 }),
    createdAt: createdAt(),
  },
  (t) => [check('installation_one_row', sql`${t.singleton}`)],
);

/** Credentials for private image registries, the secret encrypted like pod secrets. */
export const registryCredentials = pgTable('registry_credentials', {
  /** `ghcr.io`, `registry.example.com:5000`; Docker Hub is `docker.io`. */
  registry: text('registry').primaryKey(),
  username: text('username').notNull(),
  /** The password or access token, AES-256-GCM encrypted. */
  ciphertext: text('ciphertext').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

// Operator accounts and their sessions, in better-auth's model (user, session, account,
// verification, rate limit). Property names are better-auth's field names; its drizzle adapter
// reads and writes these tables (auth/operators.ts).
const authTime = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const authUser = pgTable('auth_user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: boolean('email_verified').notNull().default(false),
  image: text('image'),
  createdAt: authTime('created_at').notNull().defaultNow(),
  updatedAt: authTime('updated_at').notNull().defaultNow(),
});

export const authSession = pgTable(
  'auth_session',
  {
    id: text('id').primaryKey(),
    expiresAt: authTime('expires_at').notNull(),
    token: text('token').notNull().unique(),
    createdAt: authTime('created_at').notNull().defaultNow(),
    updatedAt: authTime('updated_at').notNull().defaultNow(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    userId: text('user_id')
      .notNull()
      .references(() => authUser.id, { onDelete: 'cascade' }),
  },
  (t) => [index('auth_session_user_idx').on(t.userId)],
);

export const authAccount = pgTable(
  'auth_account',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    providerId: text('provider_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => authUser.id, { onDelete: 'cascade' }),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    idToken: text('id_token'),
    accessTokenExpiresAt: authTime('access_token_expires_at'),
    refreshTokenExpiresAt: authTime('refresh_token_expires_at'),
    scope: text('scope'),
    /** The scrypt hash of an e-mail + password account. */
    password: text('password'),
    createdAt: authTime('created_at').notNull().defaultNow(),
    updatedAt: authTime('updated_at').notNull().defaultNow(),
  },
  (t) => [index('auth_account_user_idx').on(t.userId)],
);

export const authVerification = pgTable('auth_verification', {
  id: text('id').primaryKey(),
  identifier: text('identifier').notNull(),
  value: text('value').notNull(),
  expiresAt: authTime('expires_at').notNull(),
  createdAt: authTime('created_at').notNull().defaultNow(),
  updatedAt: authTime('updated_at').notNull().defaultNow(),
});

/** Sign-in attempts per client, shared by every control plane on the database. */
export const authRateLimit = pgTable('auth_rate_limit', {
  id: text('id').primaryKey(),
  key: text('key').notNull().unique(),
  count: integer('count').notNull(),
  lastRequest: bigint('last_request', { mode: 'number' }).notNull(),
});
