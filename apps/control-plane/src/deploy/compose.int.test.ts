// docker/docker-compose.yml as Docker's own tooling reads it: Debian's docker-compose (Compose
// v1, 1.29, installed by scripts/test-env.sh) interpolates docker/.env.example into it and
// validates the result. Its services pull public images, which cannot start here; the image we
// build is run in control-plane-image.int.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoPath } from '../routing/testing.js';

const COMPOSE_FILE = repoPath('docker/docker-compose.yml');
const EXAMPLE = repoPath('docker/.env.example');
const scratch = mkdtempSync(join(tmpdir(), 'agentpod-compose-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `docker-compose config` with only `envFile` as settings: none leak in from this process. */
function composeConfig(envFile: string) {
  return spawnSync(
    '/usr/bin/docker-compose',
    ['-f', COMPOSE_FILE, '--env-file', envFile, 'config'],
    { env: { PATH: process.env.PATH ?? '', HOME: scratch }, encoding: 'utf8', timeout: 60_000 },
  );
}

describe('docker-compose config', () => {
  it('accepts docker/.env.example and puts its settings where they belong', () => {
    const result = composeConfig(EXAMPLE);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      'DATABASE_URL: postgres://agentpod:replace-with-openssl-rand-hex-24@127.0.0.1:5433/agentpod',
    );
    expect(result.stdout).toContain('- 127.0.0.1:5433:5432/tcp');
    expect(result.stdout).toContain(
      '--providers.http.endpoint=http://127.0.0.1:8080/api/v1/proxy/traefik',
    );
    expect(result.stdout).toContain(
      '--providers.http.headers.Authorization=Bearer replace-with-openssl-rand-hex-32',
    );
  });

  it('refuses a settings file that lacks a required value, and names it', () => {
    const envFile = join(scratch, 'no-secret-key.env');
    const example = readFileSync(EXAMPLE, 'utf8');
    writeFileSync(envFile, example.replace(/^AGENTPOD_SECRET_KEY=.*$/m, ''));
    const result = composeConfig(envFile);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set AGENTPOD_SECRET_KEY in docker/.env');
  });
});
