// The control plane's public surface, used by the `agentpod` CLI.
export { type Config, loadConfig } from './config.js';
export {
  type ConfiguredDatabase,
  openConfiguredDatabase,
  openControlPlane,
} from './control-plane.js';
export type { DatabaseHandle } from './db/client.js';
export { runMigrations } from './db/migrate.js';
export { createApiToken, listApiTokens, revokeApiToken } from './db/queries/tokens.js';
export { AgentPodError, StartupError } from './errors.js';
export { findLocalServer } from './local-admin.js';
export { createLogger, type Logger } from './logger.js';
export { type RunningServer, startServer } from './server.js';
