import { describe, expect, it } from 'vitest';
import { engineVersionParts, hasLeaveDeadlock } from './engine-quirks.js';

describe('engine quirks', () => {
  it('reads the numeric part of the versions Docker reports', () => {
    expect(engineVersionParts('20.10.24+dfsg1')).toEqual([20, 10, 24]);
    expect(engineVersionParts('27.4.1')).toEqual([27, 4, 1]);
    expect(engineVersionParts('v24.0')).toEqual([24, 0, 0]);
    expect(engineVersionParts('dev')).toBeNull();
  });

  it('knows which engines have the network-leave deadlock', () => {
    expect(hasLeaveDeadlock('20.10.24+dfsg1')).toBe(true);
    expect(hasLeaveDeadlock('20.10.26')).toBe(true);
    expect(hasLeaveDeadlock('19.03.15')).toBe(true);
    expect(hasLeaveDeadlock('20.10.27')).toBe(false);
    expect(hasLeaveDeadlock('23.0.0')).toBe(false);
    expect(hasLeaveDeadlock('27.4.1')).toBe(false);
    // Unknown is not assumed broken: nothing is slowed down on a guess.
    expect(hasLeaveDeadlock('master-dockerproject-2026')).toBe(false);
  });
});
