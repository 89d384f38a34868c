// AgentPod's own container stops and removals, one at a time on a Docker Engine that can deadlock
// when containers leave one network together (runtime/engine-quirks.ts). All pods share one
// network, so a mass deletion would otherwise leave it several at a time: that is what hung
// Debian's dockerd 20.10 here. Exits AgentPod does not cause (crashes) it cannot order.
import pLimit from 'p-limit';
import type { Logger } from '../logger.js';
import { hasLeaveDeadlock, LEAVE_DEADLOCK_FIXED_IN } from '../runtime/engine-quirks.js';
import type { DockerHost } from '../runtime/index.js';

/** Runs a stop or a removal of a pod's container: at once, or after the one before it. */
export type ExitGate = <T>(work: () => Promise<T>) => Promise<T>;

/** The engine's version is asked at the first exit, and again only if that look failed. */
export function exitGate(docker: DockerHost, logger: Logger): ExitGate {
  const oneAtATime = pLimit(1);
  let serial: Promise<boolean> | null = null;
  const look = async (): Promise<boolean> => {
    const { Version = '' } = await docker.call('system.version', () => docker.docker.version());
    const affected = hasLeaveDeadlock(Version);
    if (affected) {
      logger.warn(
        { dockerVersion: Version },
        `Docker ${Version} can deadlock when containers leave a network together (fixed in ${LEAVE_DEADLOCK_FIXED_IN} and 23.0): AgentPod stops and removes pod containers one at a time`,
      );
    }
    return affected;
  };
  return async (work) => {
    serial ??= look().catch(() => {
      serial = null;
      // Not known: the safe order, this once.
      return true;
    });
    return (await serial) ? oneAtATime(work) : work();
  };
}
