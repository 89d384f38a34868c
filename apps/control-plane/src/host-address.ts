// The address other machines reach this host at, for the default base domain: pods get
// `<subdomain>.<a-b-c-d>.sslip.io`, names a public resolver (sslip.io) answers with a.b.c.d,
// so a fresh host has working subdomains without any DNS work (Coolify does the same).
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

/** Interfaces that are never how others reach the host: loopback, Docker's own bridges. */
const INTERNAL_INTERFACE = /^(lo|docker\d*|br-[0-9a-f]+|veth.*|virbr\d*|cni\d*|flannel.*)$/;

/** The interface of the IPv4 default route, read from /proc/net/route (Linux). */
export function defaultRouteInterface(routeTable: string): string | undefined {
  for (const line of routeTable.split('\n').slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface && destination === '00000000' && mask === '00000000') return iface;
  }
  return undefined;
}

export type InterfaceTable = Record<
  string,
  { address: string; family: string | number; internal: boolean }[] | undefined
>;

/**
 * The host's primary IPv4 address: that of the default route's interface, else the first
 * non-internal one. Never loopback: OpenClaw refuses proxied clients whose address is loopback.
 */
export function primaryAddress(
  interfaces: InterfaceTable,
  routeIface?: string,
): string | undefined {
  const ipv4 = (name: string) =>
    (interfaces[name] ?? []).find(
      (a) =>
        (a.family === 'IPv4' || a.family === 4) && !a.internal && !a.address.startsWith('127.'),
    )?.address;
  if (routeIface) {
    const address = ipv4(routeIface);
    if (address) return address;
  }
  for (const name of Object.keys(interfaces).sort()) {
    if (INTERNAL_INTERFACE.test(name)) continue;
    const address = ipv4(name);
    if (address) return address;
  }
  return undefined;
}

/** `alice.10-0-0-5.sslip.io` resolves to 10.0.0.5. */
export function sslipDomain(address: string): string {
  return `${address.replaceAll('.', '-')}.sslip.io`;
}

export function detectHostAddress(): string | undefined {
  let routeTable = '';
  try {
    routeTable = readFileSync('/proc/net/route', 'utf8');
  } catch {
    // Not Linux, or no /proc: fall back to the interface list alone.
  }
  return primaryAddress(networkInterfaces() as InterfaceTable, defaultRouteInterface(routeTable));
}
