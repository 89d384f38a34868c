// Route handlers that change state check that the request comes from the dashboard's own pages
// (server actions get this check from Next itself): the Origin must name the host served.
import 'server-only';

export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get('origin');
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  if (!origin || !host || !URL.canParse(origin)) return false;
  return new URL(origin).host === host.split(',')[0]?.trim();
}
