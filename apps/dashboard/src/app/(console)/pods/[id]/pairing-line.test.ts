import { describe, expect, it } from 'vitest';
import { isPairingLine } from './pairing-line';

describe('isPairingLine', () => {
  it('is true for a browser asking to pair and for a pairing decision', () => {
    expect(
      isPairingLine(
        '[ws] closed before connect conn=3f2 remote=10.0.0.2 origin=https://alice.agents.test code=1008 reason=pairing required',
      ),
    ).toBe(true);
    expect(isPairingLine('[gateway] device pairing auto-approved device=ab12 role=operator')).toBe(
      true,
    );
    expect(isPairingLine('[ws] ⇄ res ✓ device.pair.approve 41ms conn=cb6d id=7')).toBe(true);
  });

  it('is false for the list call the Devices panel itself makes, and for other lines', () => {
    expect(
      isPairingLine('[ws] ⇄ res ✓ device.pair.list 336ms conn=cb6d887e…05da id=2:8385ea36-d…c339'),
    ).toBe(false);
    expect(isPairingLine('[gateway] http server listening (13 plugins)')).toBe(false);
  });
});
