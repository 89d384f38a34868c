import type { Config } from './config.js';
import { ensureDataDir } from './data-dir.js';
import { DataDirLock } from './data-lock.js';
import { type DatabaseHandle, openDatabase, pgliteDirFor } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { ensureInstallationId } from './db/queries/installation.js';
import { StartupError } from './errors.js';
import type { Logger } from './logger.js';
import { DockerHost, DockerUnavailableError, parseDockerHost } from './runtime/index.js';

/** What a running control plane holds; `close()` releases all of it. */
export interface ControlPlaneContext {
  config: Config;
  db: ConfiguredDatabase;
  docker: DockerHost;
  logger: Logger;
  /** Labels every Docker object this installation makes (db/queries/installation.ts). */
  installationId: string;
}

export interface ConfiguredDatabase extends DatabaseHandle {
  /** Held while PGlite's folder is open (released by `close()`); none on PostgreSQL. */
  dataLock: DataDirLock | undefined;
}

/**
 * The database the configuration names: PostgreSQL at DATABASE_URL, else PGlite in the data
 * folder, opened only under the folder's lock (one process per PGlite folder).
 */
export async function openConfiguredDatabase(config: Config): Promise<ConfiguredDatabase> {
  if (config.databaseUrl) {
    return { ...(await openDatabase({ url: config.databaseUrl })), dataLock: undefined };
  }
  ensureDataDir(config.dataDir);
  const dataLock = DataDirLock.acquire(config.dataDir);
  let handle: DatabaseHandle;
  try {
    handle = await openDatabase({ pgliteDir: pgliteDirFor(config.dataDir) });
  } catch (err) {
    dataLock.release();
    throw err;
  }
  return {
    ...handle,
    dataLock,
    close: async () => {
      try {
        await handle.close();
      } finally {
        dataLock.release();
      }
    },
  };
}

export function createDockerHost(config: Config): DockerHost {
  try {
    const target = config.docker.certDir
      ? parseDockerHost(config.docker.host, { certDir: config.docker.certDir })
      : parseDockerHost(config.docker.host);
    return new DockerHost(target, { timeoutMs: config.docker.timeoutMs });
  } catch (err) {
    throw new StartupError('config_invalid', `DOCKER_HOST: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Checks everything the control plane depends on, in an order that writes nothing until the
 * checks that can fail without side effects have passed: config (already parsed), the data
 * folder, Docker, then the database and its migrations (all-or-nothing).
 */
export async function openControlPlane(
  config: Config,
  logger: Logger,
): Promise<ControlPlaneContext> {
  for (const notice of config.notices) logger.warn(notice);
  ensureDataDir(config.dataDir);
  const docker = createDockerHost(config);
  try {
    await docker.ping();
  } catch (err) {
    if (
      err instanceof DockerUnavailableError ||
      (err as { code?: string }).code === 'docker_timeout'
    ) {
      // The Docker layer's message already names the address and what to do; drop its op prefix.
      const message = (err as Error).message.replace(/^ping: /, '');
      throw new StartupError('docker_unavailable', `${message} (DOCKER_HOST)`, { cause: err });
    }
    throw err;
  }
  const db = await openConfiguredDatabase(config);
  if (db.created) {
    logger.info(
      { database: db.description, ms: db.created.ms, peakRssMb: db.created.peakRssMb },
      'created the embedded database (in a process of its own, now gone)',
    );
  }
  let installationId: string;
  try {
    const { applied } = await runMigrations(db);
    if (applied > 0)
      logger.info({ applied, database: db.description }, 'applied database migrations');
    installationId = await ensureInstallationId(db.db);
  } catch (err) {
    await db.close();
    throw err;
  }
  logger.info(
    { database: db.description, docker: docker.description, installation: installationId },
    'control plane dependencies ready',
  );
  return { config, db, docker, logger, installationId };
}
