// The control plane's public surface, used by the `agentpod` CLI.
export { type Config, loadConfig } from './config.js';
export { openControlPlane } from './control-plane.js';
export { ensureDataDir } from './data-dir.js';
export { type DatabaseHandle, openDatabase, pgliteDirFor } from './db/client.js';
export { runMigrations } from './db/migrate.js';
export { createApiToken, listApiTokens, revokeApiToken } from './db/queries/tokens.js';
export { AgentPodError, StartupError } from './errors.js';
export { createLogger, type Logger } from './logger.js';
export { type RunningServer, startServer } from './server.js';
