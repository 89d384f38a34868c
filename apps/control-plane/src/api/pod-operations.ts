import { once } from 'node:events';
import type { DeviceList, DevicePairing, LogLine, PodWithStatus } from '@agentpod/shared';
import { publicOrigin } from '@agentpod/shared';
import { EXEC_ENV } from '../adapters/extra-env.js';
import type { Database } from '../db/client.js';
import { recordEvent } from '../db/queries/events.js';
import { assertPodLive, getPod } from '../db/queries/pods.js';
import { AgentPodError, ConflictError } from '../errors.js';
import type { PodService } from '../pods/service.js';
import { containerName } from '../reconciler/names.js';
import {
  containerLogs,
  type DockerHost,
  execInContainer,
  findContainerByName,
  followContainerLogs,
  type LogLine as RuntimeLogLine,
} from '../runtime/index.js';
import type { ApiInstance } from './app.js';
import { CapabilityMissingError } from './problem.js';
import {
  AccessLinkResponse,
  DeviceListResponse,
  DeviceRequestParams,
  LogsQuery,
  LogsResponse,
  PodIdParams,
} from './schemas.js';

export interface PodOperationsDeps {
  db: Database;
  docker: DockerHost;
  pods: PodService;
  baseDomain: string;
  publicUrl: { scheme: 'http' | 'https'; port: number | undefined };
}

/** Logs, device pairing and access links: reads and actions on a pod's live agent. */
export function podOperationRoutes(deps: PodOperationsDeps) {
  const { db, docker, pods } = deps;

  /** The pod's running container: exec and device pairing need a live agent. */
  async function runningContainer(pod: PodWithStatus): Promise<string> {
    const container = await findContainerByName(docker, containerName(pod.id));
    if (!container?.state.running)
      throw new ConflictError('pod_not_running', `pod ${pod.id} is not running`);
    return container.id;
  }

  /** The agent's own device list, read through its CLI in the container. */
  async function listDevices(pairing: DevicePairing, containerId: string): Promise<DeviceList> {
    const result = await execInContainer(docker, containerId, pairing.listCommand(), {
      env: { ...EXEC_ENV },
      timeoutMs: 30_000,
    });
    if (result.exitCode !== 0) {
      throw new AgentPodError(
        'device_command_failed',
        `listing devices failed: ${commandError(result.stderr || result.stdout)}`,
      );
    }
    return pairing.parseList(result.stdout);
  }

  async function pairingOf(podId: string) {
    const pod = await getPod(db, podId);
    assertPodLive(pod);
    const adapter = pods.adapterFor(pod.agentType);
    if (!adapter.capabilities.devicePairing || !adapter.devicePairing) {
      throw new CapabilityMissingError(pod.agentType, 'device pairing');
    }
    return { pod, pairing: adapter.devicePairing, containerId: await runningContainer(pod) };
  }

  return (app: ApiInstance) => {
    // Open follow streams never end on their own: the server's close ends them (cleanly, with
    // the chunked terminator), or a shutdown would wait for every reader to hang up. Awaited, so
    // their connections are idle (and closed) by the time the server stops listening.
    const follows = new Map<AbortController, Promise<unknown>>();
    app.addHook('preClose', async () => {
      for (const abort of follows.keys()) abort.abort();
      await Promise.allSettled(follows.values());
    });
    app.get(
      '/pods/:id/logs',
      {
        schema: {
          tags: ['pods'],
          description:
            'follow=true streams application/x-ndjson lines until the client disconnects.',
          params: PodIdParams,
          querystring: LogsQuery,
          response: { 200: LogsResponse },
        },
      },
      async (req, reply) => {
        const pod = await getPod(db, req.params.id);
        const container = await findContainerByName(docker, containerName(pod.id));
        if (!container)
          throw new ConflictError('pod_has_no_container', `pod ${pod.id} has no container yet`);
        const query = {
          tail: req.query.tail,
          timestamps: true,
          ...(req.query.since && { since: req.query.since }),
        };
        if (!req.query.follow)
          return { lines: (await containerLogs(docker, container.id, query)).map(apiLine) };
        // A long-lived stream: Fastify hands over the raw response and stays out of the way.
        reply.hijack();
        reply.raw.writeHead(200, {
          'content-type': 'application/x-ndjson',
          'cache-control': 'no-store',
        });
        const abort = new AbortController();
        req.raw.on('close', () => abort.abort());
        const res = reply.raw;
        try {
          const following = followContainerLogs(docker, container.id, {
            ...query,
            signal: abort.signal,
            // A full socket buffer pauses the Docker stream until the client reads again.
            onLine: (line) =>
              res.write(`${JSON.stringify(apiLine(line))}\n`)
                ? undefined
                : once(res, 'drain', { signal: abort.signal }).catch(() => {}),
          });
          follows.set(abort, following);
          await following;
        } catch (err) {
          if (!abort.signal.aborted) req.log.warn({ err }, 'log stream ended with an error');
        } finally {
          follows.delete(abort);
          res.end();
        }
        return reply;
      },
    );

    app.get(
      '/pods/:id/devices',
      { schema: { tags: ['devices'], params: PodIdParams, response: { 200: DeviceListResponse } } },
      async (req) => {
        const { pairing, containerId } = await pairingOf(req.params.id);
        return listDevices(pairing, containerId);
      },
    );

    for (const verb of ['approve', 'reject'] as const) {
      app.post(
        `/pods/:id/devices/:requestId/${verb}`,
        {
          schema: {
            tags: ['devices'],
            params: DeviceRequestParams,
            response: { 200: DeviceListResponse },
          },
        },
        async (req) => {
          const { pod, pairing, containerId } = await pairingOf(req.params.id);
          const cmd =
            verb === 'approve'
              ? pairing.approveCommand(req.params.requestId)
              : pairing.rejectCommand(req.params.requestId);
          const result = await execInContainer(docker, containerId, cmd, {
            env: { ...EXEC_ENV },
            timeoutMs: 30_000,
          });
          if (result.exitCode !== 0) {
            throw new ConflictError(
              'device_request_failed',
              `could not ${verb} device request ${req.params.requestId}: ${commandError(result.stderr || result.stdout)}`,
            );
          }
          await recordEvent(db, {
            podId: pod.id,
            reason: verb === 'approve' ? 'DeviceApproved' : 'DeviceRejected',
            message: `device request ${req.params.requestId} ${verb === 'approve' ? 'approved' : 'rejected'}`,
          });
          return listDevices(pairing, containerId);
        },
      );
    }

    app.post(
      '/pods/:id/access-link',
      {
        schema: {
          tags: ['pods'],
          description:
            'The agent UI URL with the pod token in the fragment (never sent to servers). Recorded as an event.',
          params: PodIdParams,
          response: { 200: AccessLinkResponse },
        },
      },
      async (req) => {
        const pod = await getPod(db, req.params.id);
        // No sign-in link to a pod on its way out (and no event that says one was issued).
        assertPodLive(pod);
        const adapter = pods.adapterFor(pod.agentType);
        if (!adapter.capabilities.accessLink || !adapter.accessUrl)
          throw new CapabilityMissingError(pod.agentType, 'access links');
        const origin = publicOrigin(pod.subdomain, {
          baseDomain: deps.baseDomain,
          ...deps.publicUrl,
        });
        const url = adapter.accessUrl(origin, await pods.secretsOf(pod.id));
        await recordEvent(db, {
          podId: pod.id,
          reason: 'AccessLinkIssued',
          message: 'an access link was issued',
        });
        return {
          url,
          note:
            adapter.accessLinkNote ??
            (adapter.capabilities.devicePairing
              ? 'a new browser must be approved once: approve its request among the pod devices'
              : 'the link signs the browser in'),
        };
      },
    );
  };
}

/**
 * What a failed agent command said, in one line: its JSON error's message when it answered
 * `--json` with one (a first line of "{" says nothing), else its first line.
 */
export function commandError(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const said = JSON.parse(trimmed) as { error?: unknown; message?: unknown };
      const error = said.error as { message?: unknown } | string | undefined;
      const message =
        typeof error === 'string' ? error : (error?.message ?? said.message ?? undefined);
      if (typeof message === 'string' && message.trim()) return oneLine(message);
    } catch {
      // Not JSON after all: its first line, as for any other output.
    }
  }
  return oneLine(trimmed) || 'no output';
}

function oneLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').slice(0, 300);
}

/** A runtime line as the API shows it: Docker's timestamp as `time`. */
function apiLine(line: RuntimeLogLine): LogLine {
  return {
    stream: line.stream,
    text: line.text,
    ...(line.timestamp && { time: line.timestamp }),
  };
}
