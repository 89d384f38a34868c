// P5: the API's reads against their limit, a bare Fastify route serving the same bytes from
// memory, measured in the same run with autocannon (50 connections, one core of its own).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlane, cpuMs, removeInstallation, root, scratchDatabase, testEnv } from './lib.mjs';

const require = createRequire(new URL('package.json', root));
const autocannon = require('autocannon');

function load(url, { connections, seconds, headers }) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, headers }, (err, r) =>
      err ? reject(err) : resolve(r),
    );
  });
}

function figures(r) {
  return {
    rps: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.non2xx,
  };
}

async function startBare(bodies) {
  const file = join(tmpdir(), `agentpod-bench-bodies-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(bodies));
  const child = spawn(
    process.execPath,
    [new URL('bare-fastify.mjs', import.meta.url).pathname, file],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /\{"url":"([^"]+)"\}/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`bare fastify exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/**
 * @param {{ smoke: boolean, database: 'postgres' | 'pglite' }} opts
 */
export async function run({ smoke, database = 'postgres' }) {
  const pods = smoke ? 5 : 100;
  const connections = smoke ? 5 : 50;
  const seconds = smoke ? 1 : 10;
  const env = testEnv();
  const db =
    database === 'postgres' ? await scratchDatabase(env.AGENTPOD_TEST_DATABASE_URL) : undefined;
  const cp = new ControlPlane({
    ...(db && { DATABASE_URL: db.url }),
    AGENTPOD_IMAGE_OPENCLAW: env.AGENTPOD_TEST_IMAGE_STANDIN,
    AGENTPOD_POD_SUBNET_POOL: '10.235.0.0/16',
  });
  let bare;
  try {
    await cp.start();
    const tenant = await cp.api('POST', '/tenants', { name: 'bench' });
    const ids = [];
    for (let i = 0; i < pods; i++) {
      // Stopped: the API is measured, not the reconciler's work beside it.
      const pod = await cp.api('POST', '/pods', {
        tenantId: tenant.id,
        subdomain: `bench-${i}`,
        desiredState: 'stopped',
      });
      ids.push(pod.id);
    }
    const routes = {
      one: `/api/v1/pods/${ids[0]}`,
      page: `/api/v1/pods?limit=100`,
    };
    const headers = { authorization: `Bearer ${cp.token}` };
    const bodies = {};
    for (const [name, path] of Object.entries(routes)) {
      const res = await fetch(`${cp.url}${path}`, { headers });
      bodies[`/${name}`] = await res.text();
    }
    bare = await startBare(bodies);
    const result = { pods, connections, seconds, database, routes: {} };
    for (const [name, path] of Object.entries(routes)) {
      const limit = figures(await load(`${bare.url}/${name}`, { connections, seconds }));
      const cpuBefore = cpuMs(cp.pid);
      const agentpod = figures(await load(`${cp.url}${path}`, { connections, seconds, headers }));
      const cpuPerSecond = (cpuMs(cp.pid) - cpuBefore) / seconds / 10; // % of one core
      result.routes[name] = {
        path: path.replace(ids[0], ':id'),
        bytes: Buffer.byteLength(bodies[`/${name}`]),
        limit,
        agentpod: { ...agentpod, cpuPercent: Math.round(cpuPerSecond) },
        ratio: Math.round((agentpod.rps / limit.rps) * 100) / 100,
      };
    }
    return result;
  } finally {
    bare?.stop();
    await cp.stop();
    // Stopped pods have no containers, but the installation's pod network was made for them.
    await removeInstallation(cp);
    await db?.drop();
  }
}
