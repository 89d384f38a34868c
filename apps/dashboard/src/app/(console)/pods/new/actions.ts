'use server';

import type { CreatedPod, CreatePodRequest, SubdomainCheck } from '@agentpod/shared';
import { type ActionResult, runAction } from '@/lib/action-result';

export async function createPod(request: CreatePodRequest): Promise<ActionResult<CreatedPod>> {
  return runAction((client) => client.pods.create(request));
}

export async function checkSubdomain(name: string): Promise<ActionResult<SubdomainCheck>> {
  return runAction((client) => client.subdomains.check(name));
}
