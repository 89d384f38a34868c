import { AgentPodClient, ApiError, PodId } from '@agentpod/shared';
import { toProblem } from '@/lib/action-result';
import { config } from '@/lib/config';
import { sessionToken } from '@/lib/session';

export const dynamic = 'force-dynamic';

/**
 * The pod's devices, for the Devices panel. A read, so a route and not a server action: Next runs
 * a page's server actions one at a time, and asking the agent for its devices can take seconds
 * (the agent's own CLI, in its container); a save or a restart clicked meanwhile would wait.
 */
export async function GET(_request: Request, props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  if (!PodId.safeParse(id).success) {
    return Response.json(
      { code: 'validation_failed', detail: `${id} is not a pod id`, errors: [] },
      { status: 400 },
    );
  }
  const token = await sessionToken();
  if (!token) {
    return Response.json(
      { code: 'unauthorized', detail: 'not signed in', errors: [] },
      { status: 401 },
    );
  }
  try {
    const client = new AgentPodClient({ baseUrl: config.apiUrl, token });
    return Response.json(await client.pods.devices(id), {
      headers: { 'cache-control': 'no-store' },
    });
  } catch (err) {
    const status = err instanceof ApiError && err.status > 0 ? err.status : 502;
    return Response.json(toProblem(err), { status });
  }
}
