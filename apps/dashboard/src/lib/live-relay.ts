// One upstream WebSocket (GET /api/v1/watch) per browser connection, relayed as Server-Sent
// Events: Next's standalone server takes no WebSocket upgrades, and EventSource reconnects on
// its own, sending the last event id, which goes upstream as `after` so nothing is lost.
import 'server-only';
import { randomUUID } from 'node:crypto';
import type { WatchCommand } from '@agentpod/shared';
import WebSocket from 'ws';
import { config } from './config';

interface Relay {
  token: string;
  send(command: WatchCommand): boolean;
}

// On globalThis: route handlers may be bundled apart, and the log route must find the relay
// the live route opened.
const REGISTRY = Symbol.for('agentpod.dashboard.relays');
const holder = globalThis as { [REGISTRY]?: Map<string, Relay> };
holder[REGISTRY] ??= new Map();
const registry = holder[REGISTRY];

export function relayFor(connection: string, token: string): Relay | undefined {
  const relay = registry.get(connection);
  return relay?.token === token ? relay : undefined;
}

const RETRY_MS = 2_000;
const KEEPALIVE_MS = 15_000;

function watchUrl(after: string | null): string {
  const url = new URL('/api/v1/watch', config.apiUrl.replace(/^http/, 'ws'));
  if (after) url.searchParams.set('after', after);
  return url.toString();
}

/**
 * The SSE body for one browser connection. Messages are the control plane's, unchanged, with
 * the event id as the SSE id; `ready` names the connection (for log subscriptions), `down` says
 * the control plane went away (then the stream ends and the browser retries), `auth` that the
 * session has ended.
 */
export function openRelay(token: string, after: string | null): ReadableStream<Uint8Array> {
  const id = randomUUID();
  const encoder = new TextEncoder();
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const write = (text: string) => {
        if (open) controller.enqueue(encoder.encode(text));
      };
      const socket = new WebSocket(watchUrl(after), {
        headers: { authorization: `Bearer ${token}` },
        handshakeTimeout: 10_000,
      });
      const keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
      cleanup = () => {
        if (!open) return;
        open = false;
        clearInterval(keepalive);
        registry.delete(id);
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.terminate();
        try {
          controller.close();
        } catch {
          // The browser went away first: the stream is already cancelled.
        }
      };
      const end = (event: 'down' | 'auth', reason: string) => {
        write(`event: ${event}\ndata: ${JSON.stringify({ reason })}\n\n`);
        cleanup();
      };
      write(`retry: ${RETRY_MS}\n\n`);
      registry.set(id, {
        token,
        send: (command) => {
          if (socket.readyState !== WebSocket.OPEN) return false;
          socket.send(JSON.stringify(command));
          return true;
        },
      });
      socket.on('open', () =>
        write(`event: ready\ndata: ${JSON.stringify({ connection: id })}\n\n`),
      );
      socket.on('message', (data) => {
        const text = data.toString();
        const eventId = /^\{"type":"event"/.test(text) ? eventIdOf(text) : undefined;
        write(`${eventId ? `id: ${eventId}\n` : ''}data: ${text}\n\n`);
      });
      socket.on('unexpected-response', (_req, res) => {
        if (res.statusCode === 401) end('auth', 'the session has ended');
        else end('down', `the control plane answered ${res.statusCode}`);
      });
      socket.on('error', (err) => end('down', err.message));
      socket.on('close', () => end('down', 'the control plane closed the connection'));
    },
    cancel() {
      cleanup();
    },
  });
}

function eventIdOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { event?: { id?: unknown } }).event?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
