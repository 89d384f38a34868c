import { PodId } from '@agentpod/shared';
import { z } from 'zod';
import { relayFor } from '@/lib/live-relay';
import { isSameOrigin } from '@/lib/same-origin';
import { sessionToken } from '@/lib/session';

const Body = z.object({
  connection: z.string(),
  podId: PodId,
  follow: z.boolean(),
  tail: z.int().min(0).max(5_000).optional(),
});

/** Starts or stops a pod's log on this browser's live connection (the same upstream socket). */
export async function POST(request: Request): Promise<Response> {
  if (!isSameOrigin(request)) return new Response('cross-origin request refused', { status: 403 });
  const token = await sessionToken();
  if (!token) return new Response('not signed in', { status: 401 });
  const body = Body.safeParse(await request.json().catch(() => null));
  if (!body.success) return new Response('invalid request', { status: 400 });
  const { connection, podId, follow, tail } = body.data;
  const relay = relayFor(connection, token);
  if (!relay) return new Response('no such live connection', { status: 409 });
  const sent = relay.send(
    follow
      ? { type: 'logs', podId, ...(tail !== undefined && { tail }) }
      : { type: 'logs-stop', podId },
  );
  return new Response(null, { status: sent ? 204 : 409 });
}
