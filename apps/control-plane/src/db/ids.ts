import { randomBytes } from 'node:crypto';
import { ID_BODY_LENGTH, ID_PREFIXES, type IdKind } from '@agentpod/shared';

// An id body is 9 base-36 characters of milliseconds since 1970 (enough until the year 5188)
// followed by 11 random ones (about 57 bits), like a ULID in AgentPod's lowercase alphabet.
// Ids therefore sort by creation time, which breaks ties between rows created in the same
// millisecond in creation order; within one process they are strictly increasing.
const TIME_CHARS = 9;
const RANDOM_CHARS = ID_BODY_LENGTH - TIME_CHARS;
const RANDOM_SPACE = 36n ** BigInt(RANDOM_CHARS);

let lastTime = 0;
let lastRandom = 0n;

function randomPart(): bigint {
  return BigInt(`0x${randomBytes(8).toString('hex')}`) % RANDOM_SPACE;
}

/** A new id such as `pod_mid3kz0a1x9f2c7q8h4w`: time-ordered, URL-, DNS- and Docker-safe. */
export function newId(kind: IdKind, now: number = Date.now()): string {
  let random: bigint;
  if (now <= lastTime) {
    // Same (or an earlier, if the clock stepped back) millisecond: count up from the last id.
    now = lastTime;
    random = (lastRandom + 1n) % RANDOM_SPACE;
  } else {
    random = randomPart();
  }
  lastTime = now;
  lastRandom = random;
  const time = now.toString(36).padStart(TIME_CHARS, '0');
  return `${ID_PREFIXES[kind]}_${time}${random.toString(36).padStart(RANDOM_CHARS, '0')}`;
}
