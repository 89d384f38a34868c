// P3's periodic resync, measured apart: the CPU of one pass over N pods (one listing of the
// installation's containers, compared with the pods' rows) in a process that does nothing else,
// at 100 and 1,000 pods, beside its floor in the same run: the same listing fetched with a bare
// HTTP GET on Docker's socket and parsed, nothing more. In the running control plane the pass's
// logged figure ('resync pass') is the whole process's CPU while it ran, probes and stats
// included: an upper bound. This is the pass alone.
//
// The pods' containers are created, not started: a listing row has the same fields (labels, the
// pod network, the state volume) with an empty address, and 1,000 of them take about 20 s to
// make instead of the fleet's twenty minutes.
import { request } from 'node:http';
import { unsettledPodIds } from '../apps/control-plane/dist/reconciler/resync.js';
import { ownershipLabels } from '../apps/control-plane/dist/reconciler/spec.js';
import {
  createContainer,
  DockerHost,
  ensureVolume,
  LABEL_IMAGE_PIN,
  LABEL_INSTALLATION,
  LABEL_MANAGED,
  LABEL_SPEC_HASH,
  labelFilter,
  listContainers,
  parseDockerHost,
} from '../apps/control-plane/dist/runtime/index.js';
import { createBridge, parallel, removeLabelled, testEnv } from './lib.mjs';

const BENCH_LABEL = 'agentpod.bench';
const LABEL = `${BENCH_LABEL}=resync`;
const NETWORK = 'apbench-resync';
const INSTALLATION = 'benchresync';

/** The labels a pod's container carries (reconciler/spec.ts), each value of its real length. */
const podLabels = (podId) => ({
  ...ownershipLabels({ id: podId, tenantId: 'tnt_0000000000000000000bench' }, INSTALLATION),
  [LABEL_SPEC_HASH]: 'f'.repeat(64),
  [LABEL_IMAGE_PIN]: `sha256:${'e'.repeat(64)}`,
  [BENCH_LABEL]: 'resync',
});

const podId = (i) => `pod_${String(i).padStart(22, '0')}`;

/** A stopped pod's row, settled: the created container is what it should have. */
const rowOf = (id) => ({
  id,
  deleting: false,
  desiredState: 'stopped',
  generation: 1,
  observedGeneration: 1,
  phase: 'stopped',
  health: 'unknown',
  specHash: 'f'.repeat(64),
});

/** Docker's listing of the containers with `labels`, fetched and parsed with nothing between. */
function bareListing(socketPath, labels) {
  const filters = JSON.stringify({ label: labelFilter(labels) });
  const path = `/containers/json?all=1&filters=${encodeURIComponent(filters)}`;
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ rows: JSON.parse(body.toString()), bytes: body.length });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The process's CPU (ms) and the wall time of `work`, which must be all this process does. */
async function measure(work) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return {
    cpuMs: (used.user + used.system) / 1000,
    wallMs: performance.now() - started,
    result,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x) => Math.round(x * 10) / 10;

export async function run({ smoke, size }) {
  const env = testEnv();
  const image = env.AGENTPOD_TEST_IMAGE_STANDIN;
  const target = parseDockerHost(env.AGENTPOD_TEST_DOCKER_HOST);
  if (!target.socketPath) throw new Error('the resync benchmark needs Docker on a unix socket');
  const host = new DockerHost(target, { timeoutMs: 120_000 });
  const sizes = smoke ? [3] : size ? [size] : [100, 1000];
  const passes = smoke ? 3 : 20;
  const labels = { [LABEL_MANAGED]: 'true', [LABEL_INSTALLATION]: INSTALLATION };
  await removeLabelled(LABEL);
  try {
    await createBridge(NETWORK, '10.235.0.0/16', LABEL);
    const figures = [];
    let made = 0;
    for (const pods of sizes) {
      await parallel(
        [...Array(pods - made).keys()].map((k) => made + k),
        8,
        async (i) => {
          const id = podId(i);
          const volume = `apbench-resync-${i}`;
          await ensureVolume(host, { name: volume, labels: { [BENCH_LABEL]: 'resync' } });
          await createContainer(host, {
            name: `apbench-resync-${i}`,
            image,
            env: {},
            labels: podLabels(id),
            mounts: [{ volume, target: '/home/node/.openclaw' }],
            network: { name: NETWORK, aliases: [`pod-${i}`] },
          });
        },
      );
      made = pods;
      const rows = [...Array(pods).keys()].map((i) => rowOf(podId(i)));
      // Settled stopped pods: each row is matched to its container and judged, and none queued.
      const pass = () =>
        measure(async () => {
          const containers = await listContainers(host, labels);
          return { listed: containers.length, queued: unsettledPodIds(rows, containers, NETWORK) };
        });
      const floor = () => measure(() => bareListing(target.socketPath, labels));
      // Warm both paths (JIT, the socket), then alternate them so drift falls on both alike.
      for (let k = 0; k < 3; k++) {
        await pass();
        await floor();
      }
      const agentpod = [];
      const bare = [];
      for (let k = 0; k < passes; k++) {
        const a = await pass();
        const { listed, queued } = a.result;
        if (listed !== pods) throw new Error(`the listing held ${listed} containers, not ${pods}`);
        if (queued.length > 0) {
          throw new Error(`the pass queued ${queued.length} of ${pods} settled pods`);
        }
        agentpod.push(a);
        bare.push(await floor());
      }
      const summary = (xs) => ({
        cpuMsMedian: round1(median(xs.map((x) => x.cpuMs))),
        cpuMsMax: round1(Math.max(...xs.map((x) => x.cpuMs))),
        wallMsMedian: round1(median(xs.map((x) => x.wallMs))),
      });
      figures.push({
        pods,
        listingBytes: bare[0].result.bytes,
        agentpod: summary(agentpod),
        floor: summary(bare),
      });
      console.error(`[resync] ${JSON.stringify(figures.at(-1))}`);
    }
    return { passes, sizes: figures };
  } finally {
    await removeLabelled(LABEL);
  }
}
