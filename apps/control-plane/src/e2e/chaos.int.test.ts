// SIGKILL chaos: the built `agentpod server` on its own PostgreSQL database takes pod creates,
// updates and deletes through the API and is SIGKILLed at a random moment, then restarted. After
// every restart the pods must converge: exactly one container per live pod, none (and no network)
// for a deleted one, no object whose pod id no row explains, and no acknowledged write lost.
// AGENTPOD_CHAOS_TRIALS sets the number of trials (CI: a few); AGENTPOD_CHAOS_SEED replays a run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../db/testing.js';
import { podNetworkName } from '../reconciler/names.js';
import {
  LABEL_INSTALLATION,
  LABEL_POD_ID,
  listContainers,
  listNetworks,
  listVolumes,
} from '../runtime/index.js';
import {
  eventually,
  removeTestObjects,
  seededRandom,
  testHost,
  testImage,
} from '../runtime/testing.js';
import { ControlPlaneProcess } from './testing.js';

const TRIALS = Number(process.env.AGENTPOD_CHAOS_TRIALS ?? 8);
const SEED = Number(process.env.AGENTPOD_CHAOS_SEED ?? randomBytes(4).readUInt32BE());
/** Live pods at most: enough to overlap operations, few enough for a 2-core CI machine. */
const MAX_LIVE = 5;
const docker = testHost();
let cp: ControlPlaneProcess;
let dropDatabase: () => Promise<void>;
let dataDir: string;
let installation = '';

beforeAll(async () => {
  const db = await createScratchDatabase();
  dropDatabase = db.drop;
  dataDir = mkdtempSync(join(tmpdir(), 'agentpod-chaos-'));
  cp = new ControlPlaneProcess({
    DATABASE_URL: db.url,
    AGENTPOD_DATA_DIR: dataDir,
    AGENTPOD_SECRET_KEY: randomBytes(32).toString('base64'),
    AGENTPOD_PROXY: 'none',
    AGENTPOD_IMAGE_OPENCLAW: testImage('STANDIN'),
    AGENTPOD_POD_SUBNET_POOL: '10.242.0.0/16',
    AGENTPOD_SWEEP_DRY_RUN: 'true',
    AGENTPOD_RESYNC_INTERVAL_MS: '2000',
  });
  await cp.start();
  installation = /"installation":"([\w-]+)"/.exec(cp.output)?.[1] ?? '';
  expect(installation).not.toBe('');
});

afterAll(async () => {
  await cp?.kill();
  if (installation) await removeTestObjects(docker, { [LABEL_INSTALLATION]: installation });
  await dropDatabase?.();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function allPods(): Promise<PodWithStatus[]> {
  const pods: PodWithStatus[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `/pods?includeDeleted=true&limit=100${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await cp.api<{ items: PodWithStatus[]; nextCursor: string | null }>('GET', query);
    if (page.status !== 200) throw new Error(`GET /pods answered ${page.status}`);
    pods.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return pods;
}

interface Acknowledged {
  created: Set<string>;
  deleted: Set<string>;
}

/** Undefined while something is still off; the reason, for the timeout's message. */
async function divergence(ack: Acknowledged): Promise<string | undefined> {
  const pods = await allPods();
  const only = { [LABEL_INSTALLATION]: installation };
  const containers = await listContainers(docker, only);
  const networks = await listNetworks(docker, only);
  const volumes = await listVolumes(docker, only);
  const ids = new Set(pods.map((p) => p.id));
  for (const id of ack.created) if (!ids.has(id)) return `acknowledged pod ${id} has no row`;
  for (const pod of pods) {
    const mine = containers.filter((c) => c.labels[LABEL_POD_ID] === pod.id);
    const nets = networks.filter((n) => n.labels[LABEL_POD_ID] === pod.id);
    if (pod.deletedAt) {
      if (pod.status.phase !== 'deleted') return `pod ${pod.id} is still ${pod.status.phase}`;
      if (mine.length > 0 || nets.length > 0) return `deleted pod ${pod.id} left objects behind`;
      continue;
    }
    if (ack.deleted.has(pod.id)) return `acknowledged delete of ${pod.id} is lost`;
    if (mine.length !== 1) return `pod ${pod.id} has ${mine.length} containers`;
    if (nets.length !== 0) return `pod ${pod.id} has ${nets.length} networks of its own`;
    if (!(podNetworkName(installation) in (mine[0]?.networks ?? {})))
      return `pod ${pod.id} is not on the pod network`;
    if (pod.status.observedGeneration !== pod.generation) return `pod ${pod.id} not reconciled`;
    const running = mine[0]?.status === 'running';
    if (running !== (pod.desiredState === 'running')) return `pod ${pod.id} power differs`;
  }
  // The installation's one pod network is the only network without a pod.
  const shared = networks.filter((n) => n.name === podNetworkName(installation));
  if (shared.length > 1) return `${shared.length} pod networks`;
  for (const o of [...containers, ...networks.filter((n) => !shared.includes(n))]) {
    if (!ids.has(o.labels[LABEL_POD_ID] ?? '')) return `orphan ${JSON.stringify(o.labels)}`;
  }
  for (const v of volumes) {
    if (!ids.has(v.labels[LABEL_POD_ID] ?? '')) return `orphan volume ${v.name}`;
  }
  return undefined;
}

describe('SIGKILL at random moments during pod writes', () => {
  it(
    `converges after every restart (${TRIALS} trials, seed ${SEED})`,
    async () => {
      console.info(`chaos: ${TRIALS} trials, replay with AGENTPOD_CHAOS_SEED=${SEED}`);
      const rand = seededRandom(SEED);
      const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)] as T;
      const tenant = await cp.api<{ id: string }>('POST', '/tenants', { name: 'chaos' });
      expect(tenant.status).toBe(201);
      const ack: Acknowledged = { created: new Set(), deleted: new Set() };
      const live = new Set<string>();
      const converge: number[] = [];
      let writes = 0;

      for (let trial = 0; trial < TRIALS; trial++) {
        const ops: Promise<void>[] = [];
        const touched = new Set<string>();
        const creates = live.size < MAX_LIVE ? 1 + Math.floor(rand() * 2) : 0;
        for (let n = 0; n < creates; n++) {
          ops.push(
            cp
              .api<{ id: string }>('POST', '/pods', {
                tenantId: tenant.body.id,
                subdomain: `chaos-${trial}-${n}`,
                resources: { memoryMb: 64 },
              })
              .then((r) => {
                if (r.status !== 201) return;
                ack.created.add(r.body.id);
                live.add(r.body.id);
              }),
          );
        }
        for (const kind of ['update', 'delete'] as const) {
          const candidates = [...live].filter((id) => !touched.has(id));
          if (candidates.length === 0 || rand() < 0.3) continue;
          const id = pick(candidates);
          touched.add(id);
          if (kind === 'delete') {
            ops.push(
              cp.api('DELETE', `/pods/${id}`).then((r) => {
                if (r.status >= 200 && r.status < 300) {
                  ack.deleted.add(id);
                  live.delete(id);
                }
              }),
            );
          } else {
            const body =
              rand() < 0.5
                ? { resources: { memoryMb: pick([64, 80, 96]) } }
                : { desiredState: pick(['running', 'stopped']) };
            ops.push(cp.api('PATCH', `/pods/${id}`, body).then(() => undefined));
          }
        }
        writes += ops.length;
        // The kill lands anywhere: before, during or after the writes and their reconciles.
        const delayMs = Math.floor(rand() * 2_500);
        const settled = Promise.allSettled(ops);
        await new Promise((r) => setTimeout(r, delayMs));
        await cp.kill();
        await settled;
        await cp.start();
        const restartedAt = Date.now();
        await eventually(
          `trial ${trial} (seed ${SEED}) to converge`,
          async () => {
            const off = await divergence(ack);
            if (off) throw new Error(off);
            return true;
          },
          { timeoutMs: 120_000, intervalMs: 500 },
        );
        converge.push(Date.now() - restartedAt);
      }

      const sorted = [...converge].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      console.info(
        `chaos figures: ${TRIALS} trials, ${writes} writes, ${ack.created.size} pods created, ${ack.deleted.size} deleted; converged after restart in median ${median} ms, max ${sorted.at(-1)} ms`,
      );
      expect(cp.output).not.toMatch(/unhandled ?rejection/i);
    },
    TRIALS * 150_000,
  );
});
