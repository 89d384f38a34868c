import { ApiError, PodId } from '@agentpod/shared';
import { api } from '@/lib/api';

export const dynamic = 'force-dynamic';

/** The pod's log as a text file (the last 10,000 lines). */
export async function GET(_request: Request, props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  if (!PodId.safeParse(id).success) return new Response('not a pod id', { status: 400 });
  try {
    const { lines } = await (await api()).pods.logs(id, { tail: 10_000 });
    const text = lines.map((l) => `${l.stream === 'stderr' ? 'E ' : '  '}${l.text}`).join('\n');
    return new Response(`${text}\n`, {
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'content-disposition': `attachment; filename="${id}.log"`,
        'cache-control': 'no-store',
      },
    });
  } catch (err) {
    const status = err instanceof ApiError && err.status > 0 ? err.status : 502;
    return new Response(err instanceof Error ? err.message : 'failed', { status });
  }
}
