import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { lockHolder } from './data-lock.js';

// While a server holds the PGlite folder, the CLI on the same machine cannot open the
// database; it reaches the server's API instead, with this token. It lives exactly as long as
// the server: in its memory and in a file only the folder's owner can read, never in the
// database, so no token list shows it and no leaked backup carries it.

export const LOCAL_ADMIN_TOKEN_FILE = 'local-admin.token';

export interface LocalAdminToken {
  token: string;
  remove(): void;
}

export function writeLocalAdminToken(dataDir: string): LocalAdminToken {
  const path = join(dataDir, LOCAL_ADMIN_TOKEN_FILE);
  const token = `apl_${randomBytes(32).toString('base64url')}`;
  // A crashed server's file may be there with other permissions: `mode` applies only to a new one.
  rmSync(path, { force: true });
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, remove: () => rmSync(path, { force: true }) };
}

/** The API of a live server on this data folder and its local admin token, if there is one. */
export function findLocalServer(dataDir: string): { url: string; token: string } | undefined {
  const holder = lockHolder(dataDir);
  // A holder on another host sharing the folder: its loopback URL is not ours to call.
  if (!holder?.url || holder.hostname !== hostname()) return undefined;
  const { url } = holder;
  try {
    return { url, token: readFileSync(join(dataDir, LOCAL_ADMIN_TOKEN_FILE), 'utf8').trim() };
  } catch (err) {
    // Not there (the server is stopping) or not ours to read: the caller tries the database.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') return undefined;
    throw err;
  }
}
