import { openRelay } from '@/lib/live-relay';
import { sessionToken } from '@/lib/session';

export const dynamic = 'force-dynamic';

const EVENT_ID = /^evt_[0-9a-z]{20}$/;

/** The live feed for this browser, as Server-Sent Events (see lib/live-relay.ts). */
export async function GET(request: Request): Promise<Response> {
  const token = await sessionToken();
  if (!token) return new Response('not signed in', { status: 401 });
  const url = new URL(request.url);
  // A reconnecting EventSource sends the last id it saw; a fresh page names what it rendered.
  const after = request.headers.get('last-event-id') ?? url.searchParams.get('after');
  const body = openRelay(token, after && EVENT_ID.test(after) ? after : null);
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  });
}
