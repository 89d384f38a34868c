// What AgentPod must know about particular Docker Engine versions, with the upstream reference.

/**
 * Docker Engine before 20.10.27 (and the 22.x betas before 23.0) can deadlock its network
 * controller when containers leave one user-defined network at about the same time: a leaving
 * endpoint locks the network, then the controller; the controller's watch loop, processing
 * another endpoint's removal, locks them in the other order (moby/moby#42545, #46661; fixed in
 * 20.10.27 by moby/moby#46693 and in 23.0). Every later create, start, stop and removal of a
 * container on a network then hangs until dockerd restarts. Debian 12's 20.10.24+dfsg1 has it:
 * eight parallel `docker rm -f` on one bridge of 1,000 containers hung it here (2026-12-01).
 */
export const LEAVE_DEADLOCK_FIXED_IN = '20.10.27';

/** The numeric part of a Docker version: `20.10.24+dfsg1` -> [20, 10, 24]. */
export function engineVersionParts(version: string): number[] | null {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

/** `1.41` against `1.43`: numeric by part. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when `version` has the network-leave deadlock; false for an unreadable version. */
export function hasLeaveDeadlock(version: string): boolean {
  const parts = engineVersionParts(version);
  return parts !== null && compareVersions(parts.join('.'), LEAVE_DEADLOCK_FIXED_IN) < 0;
}
