import { describe, expect, it } from 'vitest';
import { defaultRouteInterface, primaryAddress, sslipDomain } from './host-address.js';

const ROUTES = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
`;

const v4 = (address: string, internal = false) => ({ address, family: 'IPv4', internal });

describe('the host address for the default base domain', () => {
  it("takes the default route's interface address", () => {
    expect(defaultRouteInterface(ROUTES)).toBe('eth0');
    const interfaces = {
      lo: [v4('127.0.0.1', true)],
      docker0: [v4('172.17.0.1')],
      eth0: [v4('192.0.2.2'), { address: 'fe80::1', family: 'IPv6', internal: false }],
    };
    expect(primaryAddress(interfaces, 'eth0')).toBe('192.0.2.2');
  });

  it("never picks loopback or Docker's bridges when there is no default route", () => {
    const interfaces = {
      'br-0a1b2c3d4e5f': [v4('10.213.0.1')],
      docker0: [v4('172.17.0.1')],
      lo: [v4('127.0.0.1', true)],
      wlan0: [v4('10.1.2.3')],
    };
    expect(primaryAddress(interfaces, undefined)).toBe('10.1.2.3');
    expect(
      primaryAddress({ lo: [v4('127.0.0.1', true)], docker0: [v4('172.17.0.1')] }),
    ).toBeUndefined();
  });

  it('names the address the way sslip.io resolves it', () => {
    expect(sslipDomain('192.0.2.2')).toBe('192-0-2-2.sslip.io');
  });
});
