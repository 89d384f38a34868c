import { resolve } from 'node:path';
import { z } from 'zod';
import { StartupError } from './errors.js';

/**
 * The only module that reads the environment. Everything else receives a `Config`.
 * Every setting has an embedded default, so `agentpod server` runs with none set.
 */
const EnvSchema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  AGENTPOD_DATA_DIR: z.string().min(1).default('./data'),
  AGENTPOD_HOST: z.string().min(1).default('127.0.0.1'),
  AGENTPOD_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  AGENTPOD_BASE_DOMAIN: z
    .string()
    .regex(
      /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
      'must be a lowercase domain name',
    )
    .default('agents.localhost'),
  AGENTPOD_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  DOCKER_HOST: z.string().min(1).default('unix:///var/run/docker.sock'),
  DOCKER_TLS_VERIFY: z.string().optional(),
  DOCKER_CERT_PATH: z.string().optional(),
  AGENTPOD_DOCKER_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
});

export interface Config {
  /** PostgreSQL URL; unset means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  listen: { host: string; port: number };
  baseDomain: string;
  logLevel: z.infer<typeof EnvSchema>['AGENTPOD_LOG_LEVEL'];
  docker: { host: string; certDir: string | undefined; timeoutMs: number };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "unset", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new StartupError(
      'config_invalid',
      `${name} ${issue?.message ?? 'is invalid'} (got ${JSON.stringify(present[name])})`,
    );
  }
  const e = parsed.data;
  const tls = e.DOCKER_TLS_VERIFY !== undefined && e.DOCKER_TLS_VERIFY !== '0';
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.AGENTPOD_DATA_DIR),
    listen: { host: e.AGENTPOD_HOST, port: e.AGENTPOD_PORT },
    baseDomain: e.AGENTPOD_BASE_DOMAIN,
    logLevel: e.AGENTPOD_LOG_LEVEL,
    docker: {
      host: e.DOCKER_HOST,
      certDir: tls ? (e.DOCKER_CERT_PATH ?? resolve(env.HOME ?? '.', '.docker')) : undefined,
      timeoutMs: e.AGENTPOD_DOCKER_TIMEOUT_MS,
    },
  };
}
