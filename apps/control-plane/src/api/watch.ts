// GET /api/v1/watch: the live feed as a WebSocket (packages/shared/src/watch.ts says what
// travels). A client that falls too far behind is closed with 1013 and reconnects with
// `after`: it catches up from the database instead of this process buffering without bound.
import { EventId, WatchCommand, type WatchMessage } from '@agentpod/shared';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import type { DockerHost } from '../runtime/index.js';
import type { WatchFeed } from '../watch/feed.js';
import { WatchSession } from '../watch/session.js';
import type { ApiInstance } from './app.js';

const PING_MS = 15_000;
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export function watchRoutes(deps: { db: Database; docker: DockerHost; feed: WatchFeed }) {
  return (app: ApiInstance) => {
    app.get(
      '/watch',
      {
        websocket: true,
        schema: {
          tags: ['watch'],
          description:
            'WebSocket: pods, events and log lines as they change. `after`: the last event id the client has.',
          querystring: z.strictObject({ after: EventId.optional() }),
        },
      },
      (socket, req) => {
        const send = (message: WatchMessage) => {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
            socket.close(1013, 'too far behind: reconnect with after=<last event id>');
            return;
          }
          socket.send(JSON.stringify(message));
        };
        const session = new WatchSession({ ...deps, send });
        let alive = true;
        const ping = setInterval(() => {
          if (!alive) {
            socket.terminate();
            return;
          }
          alive = false;
          socket.ping();
        }, PING_MS);
        ping.unref();
        socket.on('pong', () => {
          alive = true;
        });
        socket.on('message', (data) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(String(data));
          } catch {
            parsed = undefined;
          }
          const command = WatchCommand.safeParse(parsed);
          if (!command.success) {
            send({ type: 'error', code: 'invalid_command', detail: 'not a watch command' });
            return;
          }
          session.command(command.data);
        });
        socket.on('close', () => {
          clearInterval(ping);
          session.close();
        });
        const { after } = req.query as { after?: string };
        session.open(after).catch((err: unknown) => {
          req.log.warn({ err: (err as Error).message }, 'watch session failed to open');
          socket.close(1011, 'could not read the current state; reconnect');
        });
      },
    );
  };
}
