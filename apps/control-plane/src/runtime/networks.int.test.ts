// Networks against the real daemon: idempotent ensure, a custom subnet, and name resolution
// between two containers on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainer, inspectContainer, startContainer } from './containers.js';
import { execInContainer } from './exec.js';
import {
  connectContainer,
  disconnectContainer,
  ensureNetwork,
  inspectNetwork,
  listNetworks,
  removeNetwork,
} from './networks.js';
import {
  eventually,
  removeTestObjects,
  TEST_LABELS,
  testHost,
  testImage,
  testName,
} from './testing.js';

const host = testHost();
// A /28 unlikely to clash with Docker's default pools (172.17+/16, 192.168+/20).
const SUBNET = '10.213.77.0/28';
const GATEWAY = '10.213.77.1';

beforeAll(() => removeTestObjects(host));
afterAll(() => removeTestObjects(host));

describe('networks', () => {
  it('ensureNetwork creates once and then returns the same network', async () => {
    const name = testName('net');
    const spec = { name, labels: TEST_LABELS, subnet: SUBNET, gateway: GATEWAY };
    const first = await ensureNetwork(host, spec);
    const second = await ensureNetwork(host, spec);
    expect(second).toBe(first);

    const view = await inspectNetwork(host, name);
    expect(view).toMatchObject({
      id: first,
      name,
      driver: 'bridge',
      internal: false,
      labels: TEST_LABELS,
      subnets: [{ subnet: SUBNET, gateway: GATEWAY }],
    });
    const listed = await listNetworks(host, { 'agentpod.test': 'runtime' });
    expect(listed.filter((n) => n.name === name).map((n) => n.id)).toEqual([first]);

    await removeNetwork(host, name);
    expect(await inspectNetwork(host, name)).toBeNull();
    await removeNetwork(host, name); // already gone
  });

  it('concurrent ensures of one name agree on one network', async () => {
    const name = testName('net-race');
    const ids = await Promise.all(
      [1, 2, 3].map(() => ensureNetwork(host, { name, labels: TEST_LABELS, internal: true })),
    );
    expect(new Set(ids).size).toBe(1);
    const listed = await listNetworks(host, { 'agentpod.test': 'runtime' });
    expect(listed.filter((n) => n.name === name)).toHaveLength(1);
    await removeNetwork(host, name);
  });

  it('lets two containers on a custom subnet reach each other by name and alias', async () => {
    const net = testName('net-dns');
    await ensureNetwork(host, { name: net, labels: TEST_LABELS, subnet: SUBNET, gateway: GATEWAY });
    const serverName = testName('server');
    const server = await createContainer(host, {
      name: serverName,
      image: testImage('ECHO'),
      env: {},
      labels: TEST_LABELS,
      mounts: [],
      network: { name: net, aliases: ['echo-alias'], ipv4Address: '10.213.77.5' },
    });
    const client = await createContainer(host, {
      name: testName('client'),
      image: testImage('BASE'),
      cmd: ['sleep', '3600'],
      env: {},
      labels: TEST_LABELS,
      mounts: [],
      network: { name: net },
    });
    await startContainer(host, server);
    await startContainer(host, client);

    expect((await inspectContainer(host, server)).networks).toEqual({ [net]: '10.213.77.5' });
    const clientIp = (await inspectContainer(host, client)).networks[net] ?? '';
    expect(clientIp).toMatch(/^10\.213\.77\.([2-9]|1[0-4])$/);
    expect((await inspectNetwork(host, net))?.containers[server]).toBe('10.213.77.5');

    for (const target of [serverName, 'echo-alias']) {
      const body = await eventually(`wget ${target}`, async () => {
        const r = await execInContainer(host, client, [
          'wget',
          '-qO-',
          `http://${target}:8080/healthz`,
        ]);
        return r.exitCode === 0 ? r.stdout : undefined;
      });
      expect(JSON.parse(body)).toEqual({ ok: true });
    }
  });

  it('connects and disconnects idempotently', async () => {
    const net = testName('net-attach');
    await ensureNetwork(host, { name: net, labels: TEST_LABELS });
    const id = await createContainer(host, {
      name: testName('attach'),
      image: testImage('BASE'),
      cmd: ['sleep', '3600'],
      env: {},
      labels: TEST_LABELS,
      mounts: [],
    });
    await startContainer(host, id);

    await connectContainer(host, net, id, { aliases: ['late'] });
    await connectContainer(host, net, id, { aliases: ['late'] }); // already connected
    expect(Object.keys((await inspectContainer(host, id)).networks).sort()).toEqual(
      ['bridge', net].sort(),
    );

    await disconnectContainer(host, net, id);
    await disconnectContainer(host, net, id); // already disconnected
    expect(Object.keys((await inspectContainer(host, id)).networks)).toEqual(['bridge']);
  });
});
