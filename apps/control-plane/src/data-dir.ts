import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from './errors.js';

/** Creates the data folder if needed and proves it is writable, before anything is written. */
export function ensureDataDir(dir: string): void {
  const probe = join(dir, `.write-probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, 'ok');
    rmSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new StartupError(
      'data_dir_unwritable',
      `cannot write to the data folder ${dir} (${code}); set AGENTPOD_DATA_DIR to a writable folder`,
      { cause: err },
    );
  }
}
