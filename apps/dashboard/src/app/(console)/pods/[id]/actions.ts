'use server';

import type {
  AccessLinkResponse,
  DeviceList,
  PodWithStatus,
  UpdatePodRequest,
} from '@agentpod/shared';
import { type ActionResult, runAction } from '@/lib/action-result';

export async function powerPod(
  id: string,
  verb: 'start' | 'stop' | 'restart',
): Promise<ActionResult<PodWithStatus>> {
  return runAction((client) => client.pods[verb](id));
}

export async function deletePod(id: string, purge: boolean): Promise<ActionResult<PodWithStatus>> {
  return runAction((client) => client.pods.delete(id, { purge }));
}

export async function updatePod(
  id: string,
  body: UpdatePodRequest,
): Promise<ActionResult<PodWithStatus>> {
  return runAction((client) => client.pods.update(id, body));
}

export async function accessLink(id: string): Promise<ActionResult<AccessLinkResponse>> {
  return runAction((client) => client.pods.accessLink(id));
}

export async function decideDevice(
  id: string,
  requestId: string,
  verb: 'approve' | 'reject',
): Promise<ActionResult<DeviceList>> {
  return runAction((client) =>
    verb === 'approve'
      ? client.pods.approveDevice(id, requestId)
      : client.pods.rejectDevice(id, requestId),
  );
}
