// How a new pod's files reach its fresh state volume, beside B running containers: one archive
// write per pod into its own created container (AgentPod alone, and before batching), against
// one helper container that mounts all their volumes (reconciler/fresh-files.ts, while pods are
// made in numbers). The same pods, the same files, the two ways taken alternately, in one run.
import {
  createContainer,
  DockerHost,
  ensureVolume,
  parseDockerHost,
  readFile,
  writeFiles,
  writeFilesToVolumes,
} from '../apps/control-plane/dist/runtime/index.js';
import {
  createBridge,
  dockerWithDeadline,
  machineCpuMs,
  parallel,
  removeLabelled,
  standinRunArgs,
  testEnv,
} from './lib.mjs';

const LABEL = 'agentpod.bench=files';
const MOUNT = '/home/node/.openclaw';

/** What the OpenClaw adapter writes into a new pod's volume, in size and shape. */
const filesOf = (name) => [
  {
    path: 'openclaw.json',
    content: `${JSON.stringify({ gateway: { bind: 'lan', port: 18789, name } }, null, 2)}\n`,
    mode: 0o600,
    uid: 1000,
    gid: 1000,
  },
  {
    path: '.agentpod/last-applied/openclaw.json',
    content: '{}\n',
    mode: 0o600,
    uid: 1000,
    gid: 1000,
  },
];

/** `pods` created (never started) containers, each with a new volume, as before a first start. */
async function newPods(host, image, prefix, pods) {
  const made = [];
  for (let i = 0; i < pods; i++) {
    const name = `${prefix}-${i}`;
    await ensureVolume(host, { name, labels: { 'agentpod.bench': 'files' } });
    const containerId = await createContainer(host, {
      name,
      image,
      env: {},
      user: '1000:1000',
      labels: { 'agentpod.bench': 'files' },
      mounts: [{ volume: name, target: MOUNT }],
    });
    made.push({ name, containerId });
  }
  return made;
}

/** CPU of the whole machine and wall time of `work`, in ms. */
async function measure(work) {
  const cpu = machineCpuMs();
  const started = performance.now();
  await work();
  return { wallMs: Math.round(performance.now() - started), cpuMs: machineCpuMs() - cpu };
}

export async function run({ smoke, size }) {
  const env = testEnv();
  const image = env.AGENTPOD_TEST_IMAGE_STANDIN;
  const host = new DockerHost(parseDockerHost(env.AGENTPOD_TEST_DOCKER_HOST), {
    timeoutMs: 120_000,
  });
  const background = smoke ? 0 : (size ?? 300);
  const pods = smoke ? 2 : 16;
  const rounds = smoke ? 1 : 3;
  await removeLabelled(LABEL);
  try {
    // The host's load: running containers on one bridge, as an installation's pods are.
    if (background > 0) {
      await createBridge('apbench-files', '10.234.0.0/16', LABEL);
      // Each with its state volume made first, labelled: `run -v` would make it unlabelled, and
      // neither `rm -v` nor removeLabelled would ever remove it.
      await parallel([...Array(background).keys()], 16, async (i) => {
        await dockerWithDeadline('volume', 'create', '--label', LABEL, `apbench-files-bg-${i}`);
        await dockerWithDeadline(
          ...standinRunArgs(image, `apbench-files-bg-${i}`, 'apbench-files', LABEL),
        );
      });
    }
    const trials = { direct: [], helper: [] };
    for (let round = 0; round < rounds; round++) {
      const direct = await newPods(host, image, `apbench-files-d${round}`, pods);
      const helper = await newPods(host, image, `apbench-files-h${round}`, pods);
      // One write per pod, in turn: what each reconcile did before (the lane is one call at a
      // time either way).
      trials.direct.push(
        await measure(async () => {
          for (const p of direct) await writeFiles(host, p.containerId, MOUNT, filesOf(p.name));
        }),
      );
      trials.helper.push(
        await measure(() =>
          writeFilesToVolumes(
            host,
            helper.map((p) => ({ volume: p.name, files: filesOf(p.name) })),
            { helperImage: image, labels: { 'agentpod.bench': 'files' } },
          ),
        ),
      );
      // Both ways put the same bytes where the pod reads them.
      for (const p of [...direct, ...helper]) {
        const text = (await readFile(host, p.containerId, `${MOUNT}/openclaw.json`)).toString();
        if (!text.includes(`"name": "${p.name}"`)) throw new Error(`${p.name}: wrong file`);
      }
      // Never started, on no network: these can go together.
      await dockerWithDeadline('rm', '-f', ...[...direct, ...helper].map((p) => p.name));
      await dockerWithDeadline('volume', 'rm', ...[...direct, ...helper].map((p) => p.name));
    }
    // One at a time off the shared bridge: parallel exits deadlock Docker before 20.10.27.
    for (let i = 0; i < background; i++) {
      await dockerWithDeadline('rm', '-f', '-v', `apbench-files-bg-${i}`);
      await dockerWithDeadline('volume', 'rm', `apbench-files-bg-${i}`);
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const perPod = (side, key) => Math.round(median(trials[side].map((t) => t[key])) / pods);
    return {
      background,
      pods,
      trials,
      perPod: {
        direct: { wallMs: perPod('direct', 'wallMs'), cpuMs: perPod('direct', 'cpuMs') },
        helper: { wallMs: perPod('helper', 'wallMs'), cpuMs: perPod('helper', 'cpuMs') },
      },
    };
  } finally {
    await removeLabelled(LABEL);
  }
}
