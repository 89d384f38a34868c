import { ID_ALPHABET, ID_BODY_LENGTH, ID_PREFIXES, type IdKind } from '@agentpod/shared';
import { customAlphabet } from 'nanoid';

const body = customAlphabet(ID_ALPHABET, ID_BODY_LENGTH);

/** A new random id such as `pod_3k9x…`: 20 base-36 characters, about 103 bits. */
export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${body()}`;
}
