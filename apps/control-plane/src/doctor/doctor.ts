// `GET /api/v1/doctor`: the installation checks itself, each check with what it found and what
// to do. Every check runs at once under its own deadline, so a hung dependency is a failed
// check, never a hung answer; one that throws is a failed check with its message.
import { lookup } from 'node:dns/promises';
import { statfs } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import type { DoctorCheck, DoctorReport } from '@agentpod/shared';
import { sql } from 'drizzle-orm';
import type { AdapterRegistry } from '../adapters/index.js';
import { type DatabaseHandle, queryRows } from '../db/client.js';
import { migrationState } from '../db/migrate.js';
import type { ReverseProxy } from '../routing/proxy.js';
import {
  compareVersions,
  hasLeaveDeadlock,
  LEAVE_DEADLOCK_FIXED_IN,
} from '../runtime/engine-quirks.js';
import type { DockerHost } from '../runtime/host.js';
import { registryOf } from '../runtime/image-ref.js';
import { inspectImage, type RegistryAuth } from '../runtime/images.js';

/** Docker 20.10's API: the oldest AgentPod is tested on. */
export const MIN_DOCKER_API = '1.41';
const CHECK_TIMEOUT_MS = 10_000;
const CLOCK_WARN_MS = 1_000;
const CLOCK_FAIL_MS = 5_000;
/** Renewal is due well before this (ACME renews 90-day certificates with 30 days left). */
const CERT_WARN_DAYS = 14;
/** Short-lived certificates (Caddy's internal CA: 12 hours) renew at a third of their life. */
const CERT_WARN_SHARE = 0.15;
const GiB = 1024 ** 3;

export interface DoctorDeps {
  db: DatabaseHandle;
  docker: DockerHost;
  proxy: ReverseProxy;
  adapters: AdapterRegistry;
  registryAuth: (registry: string) => Promise<RegistryAuth | undefined>;
  baseDomain: string;
  publicUrl: { scheme: 'https' | 'http'; port: number | undefined };
  /** The hosts the proxy routes: the certificate of the first is checked. */
  routedHosts: () => Promise<string[]>;
}

type Finding = Omit<DoctorCheck, 'id' | 'title'>;
const ok = (detail: string): Finding => ({ status: 'ok', detail, fix: null });
const warn = (detail: string, fix: string): Finding => ({ status: 'warn', detail, fix });
const fail = (detail: string, fix: string): Finding => ({ status: 'fail', detail, fix });
const skip = (detail: string): Finding => ({ status: 'skip', detail, fix: null });

interface DockerInfo {
  MemTotal?: number;
  DockerRootDir?: string;
  SystemTime?: string;
  /** This process's clock when the answer came (not Docker's field): what SystemTime is set against. */
  receivedAt: number;
}

export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  // One `docker info` for the checks that need it; its failure is the docker check's to report.
  const info = deps.docker
    .call('system.info', () => deps.docker.docker.info() as Promise<Omit<DockerInfo, 'receivedAt'>>)
    .then((answer): DockerInfo => ({ ...answer, receivedAt: Date.now() }))
    .catch(() => null);
  const checks: [string, string, () => Promise<Finding>][] = [
    ['docker', 'Docker daemon', () => dockerCheck(deps)],
    ['database', 'Database and migrations', () => databaseCheck(deps)],
    ['proxy', 'Proxy', () => proxyCheck(deps)],
    ['dns', 'Base domain resolves to this host', () => dnsCheck(deps)],
    ['certificates', 'Certificates', () => certificateCheck(deps)],
    ['memory', "Memory against the pods' limits", async () => memoryCheck(deps, await info)],
    ['disk', "Free disk for Docker's data", async () => diskCheck(deps, await info)],
    ['clock', 'Clocks', async () => clockCheck(deps, await info)],
    ...deps.adapters
      .list()
      .map((a): [string, string, () => Promise<Finding>] => [
        `image:${a.id}`,
        `${a.displayName} image`,
        () => imageCheck(deps, deps.adapters.defaultImageFor(a.id)),
      ]),
  ];
  const findings = await Promise.all(
    checks.map(async ([id, title, check]) => ({ id, title, ...(await bounded(check)) })),
  );
  return { checkedAt: new Date().toISOString(), checks: findings };
}

async function bounded(check: () => Promise<Finding>): Promise<Finding> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Finding>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          fail(
            `no answer within ${CHECK_TIMEOUT_MS / 1000} s`,
            'see the detail of the checks it depends on',
          ),
        ),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      check().catch((err: unknown) =>
        fail(oneLine(err), 'see the control plane log for more (AGENTPOD_LOG_LEVEL=debug)'),
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function dockerCheck({ docker }: DoctorDeps): Promise<Finding> {
  let version: { Version?: string; ApiVersion?: string };
  try {
    version = await docker.call('system.version', () => docker.docker.version());
  } catch (err) {
    return fail(oneLine(err), 'start the Docker daemon, or set DOCKER_HOST to where it runs');
  }
  const detail = `Docker ${version.Version ?? '?'}, API ${version.ApiVersion ?? '?'} (${docker.description})`;
  if (!version.ApiVersion || compareVersions(version.ApiVersion, MIN_DOCKER_API) < 0) {
    return fail(
      `${detail}: API ${MIN_DOCKER_API} or newer is needed`,
      'upgrade Docker to 20.10 or newer',
    );
  }
  if (hasLeaveDeadlock(version.Version ?? '')) {
    return warn(
      `${detail}: this engine can deadlock when containers leave a network together (moby/moby#46661); AgentPod stops and removes pods one at a time on it, but crashes of several pods at once can still hang Docker until it restarts`,
      `upgrade Docker to ${LEAVE_DEADLOCK_FIXED_IN} or 23.0 or newer`,
    );
  }
  return ok(detail);
}

async function databaseCheck({ db }: DoctorDeps): Promise<Finding> {
  const started = Date.now();
  let state: Awaited<ReturnType<typeof migrationState>>;
  try {
    state = await migrationState(db);
  } catch (err) {
    return fail(
      `${db.description}: ${oneLine(err)}`,
      db.kind === 'postgres'
        ? 'start PostgreSQL or correct DATABASE_URL; the control plane reconnects by itself'
        : 'check the data folder (AGENTPOD_DATA_DIR) and the control plane log',
    );
  }
  const detail = `${db.description}, ${state.applied} migrations applied, answered in ${Date.now() - started} ms`;
  if (state.applied < state.known) {
    return fail(
      `${detail}: ${state.known - state.applied} pending`,
      'run `agentpod migrate`, or restart the control plane (it migrates at start)',
    );
  }
  if (state.applied > state.known) {
    return fail(
      `${detail}: ${state.applied - state.known} more than this version knows (a newer AgentPod migrated it)`,
      'run the AgentPod version that migrated this database, or a newer one',
    );
  }
  return ok(`${detail}, none pending`);
}

async function proxyCheck({ proxy }: DoctorDeps): Promise<Finding> {
  const status = proxy.status();
  if (status.mode === 'none') return skip('AGENTPOD_PROXY=none: nothing routes the pods by name');
  // The status is the last sync's word; a Caddy is asked now whether it still answers.
  const down = await proxy.admin?.getConfig().then(
    () => null,
    (err: unknown) => err,
  );
  if (down) {
    return fail(
      `${status.mode}: its admin API does not answer: ${oneLine(down)}`,
      'check that the proxy runs and its admin API answers (agentpod proxy status)',
    );
  }
  const routes = status.routes === null ? '' : `, ${status.routes} routes`;
  const synced = status.lastSyncedAt ? `, in sync at ${status.lastSyncedAt}` : '';
  if (status.ok) return ok(`${status.mode}${routes}${synced}`);
  return fail(
    `${status.mode}: ${status.detail ?? 'not in sync'}`,
    status.mode === 'traefik'
      ? "check that Traefik polls AgentPod's provider endpoint (agentpod proxy status)"
      : 'check that the proxy runs and its admin API answers (agentpod proxy status)',
  );
}

async function dnsCheck({ proxy, baseDomain }: DoctorDeps): Promise<Finding> {
  if (proxy.status().mode === 'none') return skip('no proxy: pods are not reached by name');
  const name = `agentpod-doctor.${baseDomain}`;
  let addresses: string[];
  try {
    addresses = (await lookup(name, { all: true })).map((a) => a.address);
  } catch (err) {
    return fail(
      `${name} does not resolve (${(err as NodeJS.ErrnoException).code ?? oneLine(err)})`,
      `add a wildcard DNS record *.${baseDomain} (and ${baseDomain}) pointing to this host`,
    );
  }
  const local = new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((i) => i?.address),
  );
  const here = addresses.filter((a) => local.has(a) || a.startsWith('127.') || a === '::1');
  if (here.length > 0) return ok(`*.${baseDomain} resolves to ${addresses.join(', ')}, this host`);
  return warn(
    `*.${baseDomain} resolves to ${addresses.join(', ')}, not an address of this host`,
    'fine behind NAT or a load balancer that forwards to this host; otherwise point the record here',
  );
}

async function certificateCheck(deps: DoctorDeps): Promise<Finding> {
  const { proxy, publicUrl } = deps;
  if (proxy.status().mode === 'none') return skip('no proxy: no certificates to check');
  if (publicUrl.scheme !== 'https') return skip('pods are served over http (AGENTPOD_PUBLIC_URL)');
  const [host] = await deps.routedHosts();
  if (!host) return skip('no host is routed yet: no certificate to check');
  const port = publicUrl.port ?? 443;
  // Where the name leads; where it leads nowhere (see dns), the proxy on this host.
  const address = (await lookup(host).then(
    () => true,
    () => false,
  ))
    ? host
    : '127.0.0.1';
  const cert = await new Promise<{ validFrom: string; validTo: string; issuer: string }>(
    (resolve, reject) => {
      const options = { host: address, port, servername: host, rejectUnauthorized: false };
      const socket = tlsConnect(options, () => {
        const peer = socket.getPeerCertificate();
        socket.destroy();
        if (!peer?.valid_to) return reject(new Error(`${host}:${port} sent no certificate`));
        const issuer = peer.issuer?.O ?? peer.issuer?.CN ?? 'unknown';
        resolve({
          validFrom: peer.valid_from,
          validTo: peer.valid_to,
          issuer: Array.isArray(issuer) ? issuer.join(', ') : issuer,
        });
      });
      socket.setTimeout(CHECK_TIMEOUT_MS - 1_000, () => socket.destroy(new Error('timed out')));
      socket.on('error', reject);
    },
  ).catch((err: unknown) => err as Error);
  if (cert instanceof Error) {
    return fail(
      `cannot read the certificate for ${host} from ${address}:${port}: ${oneLine(cert)}`,
      'check that the proxy listens on that port and that the name resolves (see dns)',
    );
  }
  const left = Date.parse(cert.validTo) - Date.now();
  const lifetime = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
  const days = Math.floor(left / 86_400_000);
  const detail = `${host}${address === host ? '' : ` (from ${address}:${port})`}: valid until ${new Date(cert.validTo).toISOString()} (${days} days), issued by ${cert.issuer}`;
  if (left <= 0)
    return fail(`${detail}: expired`, "check the proxy's certificate renewal (its log)");
  if (left < Math.min(CERT_WARN_DAYS * 86_400_000, lifetime * CERT_WARN_SHARE)) {
    return warn(detail, "renewal should have happened by now: check the proxy's log");
  }
  return ok(detail);
}

async function memoryCheck({ db }: DoctorDeps, info: DockerInfo | null): Promise<Finding> {
  if (!info?.MemTotal) return skip("Docker's memory is unknown (see docker)");
  const rows = await queryRows<{ mb: number; pods: number }>(
    db.db,
    sql`SELECT coalesce(sum(memory_mb), 0)::int AS mb, count(*)::int AS pods FROM pods
        WHERE desired_state = 'running' AND deleted_at IS NULL`,
  ).catch(() => null);
  if (!rows) return skip("the pods' limits are in the database (see database)");
  const [row] = rows;
  const limitsGiB = (row?.mb ?? 0) / 1024;
  const hostGiB = info.MemTotal / GiB;
  const share = Math.round((limitsGiB / hostGiB) * 100);
  const detail = `${row?.pods ?? 0} running pods may use ${limitsGiB.toFixed(1)} GiB, ${share}% of the host's ${hostGiB.toFixed(1)} GiB`;
  if (share > 100) {
    return warn(
      detail,
      'pods that all reach their limits will be OOM-killed: lower limits or add memory',
    );
  }
  return ok(detail);
}

async function diskCheck({ docker }: DoctorDeps, info: DockerInfo | null): Promise<Finding> {
  if (docker.config.kind !== 'unix')
    return skip(`Docker runs on another host (${docker.description})`);
  if (!info?.DockerRootDir) return skip("Docker's data folder is unknown (see docker)");
  const fs = await statfs(info.DockerRootDir);
  const free = fs.bavail * fs.bsize;
  const share = Math.round((free / (fs.blocks * fs.bsize)) * 100);
  const detail = `${(free / GiB).toFixed(1)} GiB free (${share}%) in ${info.DockerRootDir}`;
  const fix = 'free space (docker system prune removes unused images) or grow the disk';
  if (free < GiB || share < 5) return fail(detail, fix);
  if (share < 15) return warn(detail, fix);
  return ok(detail);
}

async function clockCheck({ db }: DoctorDeps, info: DockerInfo | null): Promise<Finding> {
  const skews: string[] = [];
  let worst = 0;
  if (info?.SystemTime) {
    const skew = Date.parse(info.SystemTime) - info.receivedAt;
    skews.push(`Docker ${signed(skew)}`);
    worst = Math.max(worst, Math.abs(skew));
  }
  const here = Date.now();
  const [row] =
    db.kind === 'postgres'
      ? ((await queryRows<{ now: string }>(db.db, sql`SELECT now()::text AS now`).catch(
          () => null,
        )) ?? [])
      : [];
  if (row) {
    const skew = Date.parse(row.now) - here;
    skews.push(`PostgreSQL ${signed(skew)}`);
    worst = Math.max(worst, Math.abs(skew));
  }
  if (skews.length === 0) return skip('nothing to compare with');
  const detail = `against this control plane: ${skews.join(', ')}`;
  const fix = 'run NTP (systemd-timesyncd or chrony) on every host';
  if (worst > CLOCK_FAIL_MS) return fail(detail, fix);
  if (worst > CLOCK_WARN_MS) return warn(detail, fix);
  return ok(detail);
}

async function imageCheck(deps: DoctorDeps, ref: string): Promise<Finding> {
  const present = await inspectImage(deps.docker, ref);
  if (present) return ok(`${ref} is present (${present.id.slice(7, 19)})`);
  const auth = await deps.registryAuth(registryOf(ref));
  try {
    await deps.docker.call('image.distribution', () =>
      deps.docker.docker.getImage(ref).distribution({ ...(auth && { authconfig: auth }) }),
    );
  } catch (err) {
    return fail(
      `${ref} is not present and cannot be pulled: ${oneLine(err)}`,
      `check the reference and the registry's credentials (agentpod registry login ${registryOf(ref)})`,
    );
  }
  return ok(`${ref} is not present yet; its registry has it (pulled on first use)`);
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : '-'}${(Math.abs(ms) / 1000).toFixed(1)} s`;
}

/** The message that says what happened: a query's cause rather than Drizzle's wrapping of it. */
function oneLine(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return (cause instanceof Error ? cause.message : String(cause)).replace(/\s*\n\s*/g, ' ').trim();
}
