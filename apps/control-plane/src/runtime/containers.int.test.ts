// Container lifecycle, exec, logs, stats and files against the real Docker daemon.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createContainer,
  findContainerByName,
  inspectContainer,
  listContainers,
  removeContainer,
  restartContainer,
  startContainer,
  stopContainer,
} from './containers.js';
import { DockerConflictError, DockerNotFoundError, DockerTimeoutError } from './errors.js';
import { execInContainer } from './exec.js';
import { readFile, writeFiles } from './files.js';
import { containerLogs, followContainerLogs, type LogLine } from './logs.js';
import { computeUsage, containerStats } from './stats.js';
import {
  eventually,
  removeTestObjects,
  TEST_LABELS,
  testHost,
  testImage,
  testName,
} from './testing.js';

const host = testHost();

beforeAll(() => removeTestObjects(host));
afterAll(() => removeTestObjects(host));

function echoSpec(name: string, extra: Record<string, string> = {}) {
  return {
    name,
    image: testImage('ECHO'),
    env: { GREETING: 'hello' },
    labels: { ...TEST_LABELS, ...extra },
    mounts: [],
  };
}

function shellSpec(name: string, script: string) {
  return {
    name,
    image: testImage('BASE'),
    cmd: ['/bin/sh', '-c', script],
    env: {},
    labels: TEST_LABELS,
    mounts: [],
  };
}

describe('a running echo container', () => {
  const name = testName('echo');
  let id = '';

  beforeAll(async () => {
    id = await createContainer(host, echoSpec(name, { 'agentpod.pod-id': name }));
    await startContainer(host, id);
    // Both lines are printed once the server listens.
    await eventually('echo to log both lines', async () =>
      (await containerLogs(host, id)).length >= 2 ? true : undefined,
    );
  });

  it('is running, with its labels, and listed by label', async () => {
    const view = await inspectContainer(host, id);
    expect(view).toMatchObject({
      id,
      name,
      image: testImage('ECHO'),
      labels: { 'agentpod.test': 'runtime', 'agentpod.pod-id': name },
      state: { status: 'running', running: true, oomKilled: false, finishedAt: null },
      restartCount: 0,
    });
    expect(view.state.startedAt).toBeInstanceOf(Date);
    expect(view.networks.bridge).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((await findContainerByName(host, name))?.id).toBe(id);

    const listed = await listContainers(host, { 'agentpod.pod-id': name });
    expect(listed.map((c) => [c.id, c.name, c.status])).toEqual([[id, name, 'running']]);
  });

  it('runs commands and reports exit code, stdout and stderr', async () => {
    const passwd = await execInContainer(host, id, ['cat', '/etc/passwd']);
    expect(passwd.exitCode).toBe(0);
    expect(passwd.stdout).toContain('node:x:1000:1000');
    expect(passwd.stderr).toBe('');

    const failing = await execInContainer(host, id, ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(failing).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });

    const withEnv = await execInContainer(host, id, ['sh', '-c', 'echo "$X $(id -u) $(pwd)"'], {
      env: { X: 'y' },
      user: '0',
      workingDir: '/tmp',
    });
    expect(withEnv.stdout).toBe('y 0 /tmp\n');
  });

  it('times out a command that runs too long', async () => {
    const err = await execInContainer(host, id, ['sleep', '30'], { timeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DockerTimeoutError);
  });

  it('returns stdout and stderr log lines with the right stream, and honours tail', async () => {
    const lines = await containerLogs(host, id);
    expect(lines).toContainEqual({ stream: 'stdout', text: 'echo listening on 8080' });
    expect(lines).toContainEqual({ stream: 'stderr', text: 'echo ready (stderr)' });
    expect(await containerLogs(host, id, { tail: 1 })).toHaveLength(1);
    const stamped = await containerLogs(host, id, { timestamps: true });
    expect(stamped.find((l) => l.stream === 'stdout')?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(stamped.map((l) => l.text)).toContain('echo listening on 8080');
  });

  it('reads one-shot stats samples; two of them give a CPU share', async () => {
    const first = await containerStats(host, id);
    const second = await containerStats(host, id);
    const usage = computeUsage(second, first);
    expect(usage.memoryBytes).toBeGreaterThan(0);
    expect(usage.memoryLimitBytes).toBeGreaterThan(0);
    expect(usage.pids).toBeGreaterThan(0);
    expect(usage.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(usage.readAt.getTime()).toBeGreaterThanOrEqual(computeUsage(first).readAt.getTime());
  });

  it('stops (twice), restarts and removes (twice)', async () => {
    await stopContainer(host, id, { timeoutSeconds: 5 });
    const stopped = await inspectContainer(host, id);
    expect(stopped.state).toMatchObject({ status: 'exited', running: false });
    expect(stopped.state.finishedAt).toBeInstanceOf(Date);
    await stopContainer(host, id, { timeoutSeconds: 5 }); // 304: already stopped

    await restartContainer(host, id, { timeoutSeconds: 5 });
    const restarted = await inspectContainer(host, id);
    expect(restarted.state.running).toBe(true);
    expect(restarted.state.startedAt?.getTime()).toBeGreaterThan(
      stopped.state.startedAt?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    await startContainer(host, id); // 304: already started

    await removeContainer(host, id, { force: true });
    expect(await findContainerByName(host, name)).toBeNull();
    await removeContainer(host, id, { force: true }); // 404: already gone
  });
});

describe('following logs', () => {
  it('streams lines until the container exits', async () => {
    const id = await createContainer(
      host,
      shellSpec(testName('follow'), 'echo first; echo second >&2; sleep 1; echo third'),
    );
    await startContainer(host, id);
    const lines: LogLine[] = [];
    await followContainerLogs(host, id, {
      tail: 100,
      onLine: (line) => lines.push(line),
      signal: new AbortController().signal,
    });
    // stdout and stderr are separate pipes: Docker keeps order within a stream, not across.
    expect(lines.slice(0, 2)).toEqual(
      expect.arrayContaining([
        { stream: 'stdout', text: 'first' },
        { stream: 'stderr', text: 'second' },
      ]),
    );
    expect(lines.slice(2)).toEqual([{ stream: 'stdout', text: 'third' }]);
  });

  it('stops following when the signal aborts, leaving the container running', async () => {
    const id = await createContainer(
      host,
      shellSpec(testName('follow-abort'), 'while true; do echo tick; sleep 1; done'),
    );
    await startContainer(host, id);
    const controller = new AbortController();
    const lines: LogLine[] = [];
    await followContainerLogs(host, id, {
      tail: 100,
      signal: controller.signal,
      onLine: (line) => {
        lines.push(line);
        if (lines.length === 2) controller.abort();
      },
    });
    expect(lines.slice(0, 2)).toEqual([
      { stream: 'stdout', text: 'tick' },
      { stream: 'stdout', text: 'tick' },
    ]);
    expect((await inspectContainer(host, id)).state.running).toBe(true);
  });
});

describe('typed errors', () => {
  it('inspect of a missing container is DockerNotFoundError', async () => {
    await expect(inspectContainer(host, 'aptest-no-such-container')).rejects.toBeInstanceOf(
      DockerNotFoundError,
    );
    expect(await findContainerByName(host, 'aptest-no-such-container')).toBeNull();
  });

  it('a second container with the same name is DockerConflictError', async () => {
    const name = testName('dup');
    const first = await createContainer(host, echoSpec(name));
    await expect(createContainer(host, echoSpec(name))).rejects.toBeInstanceOf(DockerConflictError);
    const same = await listContainers(host, TEST_LABELS);
    expect(same.filter((c) => c.name === name).map((c) => c.id)).toEqual([first]);
  });
});

describe('files', () => {
  it('writes files into a created (not started) container and reads them back', async () => {
    const id = await createContainer(host, echoSpec(testName('files')));
    const config = JSON.stringify({ gateway: { port: 18789 } });
    await writeFiles(host, id, '/home/node', [
      { path: '.openclaw/openclaw.json', content: config, mode: 0o600, uid: 1000, gid: 1000 },
      { path: 'notes/a/b.txt', content: Buffer.from('bee'), mode: 0o644 },
    ]);
    expect((await readFile(host, id, '/home/node/.openclaw/openclaw.json')).toString()).toBe(
      config,
    );
    expect((await readFile(host, id, '/home/node/notes/a/b.txt')).toString()).toBe('bee');
    await expect(readFile(host, id, '/home/node/missing.txt')).rejects.toBeInstanceOf(
      DockerNotFoundError,
    );

    await startContainer(host, id);
    const { stdout } = await execInContainer(host, id, [
      'stat',
      '-c',
      '%n %a %u:%g',
      '/home/node/.openclaw',
      '/home/node/.openclaw/openclaw.json',
    ]);
    expect(stdout).toBe(
      '/home/node/.openclaw 755 1000:1000\n/home/node/.openclaw/openclaw.json 600 1000:1000\n',
    );
  });
});
