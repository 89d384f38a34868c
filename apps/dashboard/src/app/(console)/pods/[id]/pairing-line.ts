// Which lines of the agent's log mean "the device list may have changed". OpenClaw logs a
// browser that asks to pair (a connect closed with "pairing required") and its pairing
// decisions; it also logs every call made to it, including the `device.pair.list` that the
// Devices panel's own refresh makes. Counting that one would make each refresh ask for the next:
// a loop that keeps the agent busy for as long as the page is open.
const PAIRING = /pair/i;
const DEVICE_LIST_CALL = /\bdevice\.pair\.list\b/;

export function isPairingLine(text: string): boolean {
  return PAIRING.test(text) && !DEVICE_LIST_CALL.test(text);
}
