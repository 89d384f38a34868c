import { describe, expect, it } from 'vitest';
import { mergePatch } from './service.js';

describe('mergePatch (RFC 7386)', () => {
  it('merges objects, deletes on null and replaces everything else', () => {
    expect(
      mergePatch(
        { model: 'a', extraEnv: { A: '1', B: '2' }, tags: ['x'] },
        { model: 'b', extraEnv: { B: null, C: '3' }, tags: ['y'] },
      ),
    ).toEqual({ model: 'b', extraEnv: { A: '1', C: '3' }, tags: ['y'] });
    expect(mergePatch({ a: 1 }, { a: null, b: { c: 1 } })).toEqual({ b: { c: 1 } });
  });
});
