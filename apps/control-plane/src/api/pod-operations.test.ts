import { describe, expect, it } from 'vitest';
import { commandError } from './pod-operations.js';

describe('commandError', () => {
  it("takes the message of OpenClaw's --json error, not its opening brace", () => {
    // What `openclaw devices list --json` printed here without gateway credentials.
    const printed = `{
  "ok": false,
  "error": {
    "type": "cli_error",
    "message": "gateway device.pair.list requires credentials before opening a websocket\\nFix: configure gateway.auth token/password, pair this device, or pass --token/--password."
  }
}`;
    expect(commandError(printed)).toBe(
      'gateway device.pair.list requires credentials before opening a websocket',
    );
  });

  it('takes the first line of plain output, a string error, and says when there was none', () => {
    expect(commandError('  connect ECONNREFUSED\nat somewhere\n')).toBe('connect ECONNREFUSED');
    expect(commandError('{"error":"gateway closed"}')).toBe('gateway closed');
    expect(commandError('{ not json')).toBe('{ not json');
    expect(commandError('')).toBe('no output');
  });
});
