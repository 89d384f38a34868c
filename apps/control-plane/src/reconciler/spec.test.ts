import type { ContainerPlan, Pod } from '@agentpod/shared';
import { describe, expect, it } from 'vitest';
import { openclaw } from '../adapters/openclaw.js';
import { containerCreateBody } from '../runtime/index.js';
import { buildPodSpec } from './spec.js';

const pod: Pod = {
  id: 'pod_0123456789abcdefghij',
  tenantId: 'ten_0123456789abcdefghij',
  name: 'alice',
  subdomain: 'alice',
  agentType: 'openclaw',
  image: null,
  config: {},
  secretRefs: [],
  resources: { memoryMb: 2048, cpus: 1, pidsLimit: 512 },
  egress: { mode: 'internet' },
  desiredState: 'running',
  generation: 1,
  restartRequestedAt: null,
  deletedAt: null,
  createdAt: '2026-11-29T00:00:00.000Z',
  updatedAt: '2026-11-29T00:00:00.000Z',
};

function plan(publicOrigin = 'https://alice.agents.example.com'): ContainerPlan {
  return openclaw.render(pod, {
    defaultImage: openclaw.defaultImage,
    publicOrigin,
    proxyAddresses: ['10.213.0.1/32'],
    secrets: { gatewayToken: 'gw-token' },
  });
}

const NET = 'agentpod-pods-inst_1';
const hashOf = (p: ContainerPlan) => buildPodSpec(pod, p, 'inst_1', NET).hash;

describe('the spec hash', () => {
  it('changes when a value AgentPod manages in a file changes', () => {
    expect(hashOf(plan('https://alice.other.example.com'))).not.toBe(hashOf(plan()));
  });

  it("joins the installation's pod network; another network is another spec (a recreate)", () => {
    const spec = buildPodSpec(pod, plan(), 'inst_1', NET);
    expect(containerCreateBody(spec.container).HostConfig?.NetworkMode).toBe(NET);
    expect(buildPodSpec(pod, plan(), 'inst_1', 'agentpod-pods-other').hash).not.toBe(spec.hash);
  });

  it('leaves out which keys are managed, so pods made before files were merged keep theirs', () => {
    const merged = plan();
    const whole = {
      ...merged,
      files: merged.files.map(({ path, content, mode }) => ({ path, content, mode })),
    };
    expect(merged.files[0]?.ownedPaths?.length).toBeGreaterThan(0);
    expect(hashOf(merged)).toBe(hashOf(whole));
  });
});

describe('container hardening', () => {
  it('rotates the json-file log with the configured sizes, by default 10m x 3', () => {
    expect(buildPodSpec(pod, plan(), 'inst_1', NET).container.logs).toEqual({
      maxSize: '10m',
      maxFiles: 3,
    });
    const spec = buildPodSpec(pod, plan(), 'inst_1', NET, { maxSize: '50m', maxFiles: 5 });
    expect(containerCreateBody(spec.container).HostConfig?.LogConfig).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '50m', 'max-file': '5' },
    });
  });

  it('recreates pods when the rotation setting changes', () => {
    expect(buildPodSpec(pod, plan(), 'inst_1', NET, { maxSize: '50m', maxFiles: 5 }).hash).not.toBe(
      hashOf(plan()),
    );
  });

  it("makes the root read-only with the adapter's tmpfs paths, owned by the pod's user", () => {
    const body = containerCreateBody(buildPodSpec(pod, plan(), 'inst_1', NET).container);
    expect(body.HostConfig?.ReadonlyRootfs).toBe(true);
    expect(body.HostConfig?.Tmpfs).toEqual({
      '/tmp': 'rw,noexec,nosuid,nodev,size=268435456,mode=1777,uid=1000,gid=1000',
      '/home/node': 'rw,noexec,nosuid,nodev,size=67108864,mode=755,uid=1000,gid=1000',
    });
  });

  it('keeps the root writable for an adapter that declares no filesystem', () => {
    const { filesystem: _fs, ...writable } = plan();
    const body = containerCreateBody(buildPodSpec(pod, writable, 'inst_1', NET).container);
    expect(body.HostConfig?.ReadonlyRootfs).toBeUndefined();
    expect(body.HostConfig?.Tmpfs).toBeUndefined();
    expect(hashOf(writable)).not.toBe(hashOf(plan()));
  });

  it('keeps the protections every pod has: no capabilities, no escalation, limits, non-root', () => {
    const body = containerCreateBody(buildPodSpec(pod, plan(), 'inst_1', NET).container);
    expect(body.HostConfig).toMatchObject({
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      PidsLimit: 512,
      Memory: 2048 * 1024 * 1024,
      NanoCpus: 1e9,
    });
    expect(body.User).toBe('1000:1000');
  });
});
