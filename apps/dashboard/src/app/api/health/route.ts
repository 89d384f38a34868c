export const dynamic = 'force-dynamic';

/** Liveness of the dashboard's own server (the image's HEALTHCHECK); it asks nothing upstream. */
export function GET(): Response {
  return Response.json({ ok: true });
}
