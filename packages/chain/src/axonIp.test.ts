import { describe, expect, it } from 'vitest';
import { intToIp, ipToInt } from './axonIp.js';

describe('axon IP encoding (as the SDK: netaddr int)', () => {
  it('encodes IPv4 as a big-endian integer and back', () => {
    expect(ipToInt('127.0.0.2')).toEqual({ ip: 2130706434n, ipType: 4 });
    expect(ipToInt('192.168.1.10')).toEqual({ ip: 3232235786n, ipType: 4 });
    expect(intToIp(2130706434n, 4)).toBe('127.0.0.2');
    expect(intToIp(0n, 4)).toBe('0.0.0.0');
  });

  it('encodes IPv6, compressing the longest zero run', () => {
    expect(ipToInt('::1')).toEqual({ ip: 1n, ipType: 6 });
    expect(ipToInt('2001:db8::8a2e:370:7334').ip).toBe(0x20010db8000000000000_8a2e03707334n);
    expect(intToIp(0x20010db8000000000000_8a2e03707334n, 6)).toBe('2001:db8::8a2e:370:7334');
    expect(intToIp(1n, 6)).toBe('::1');
    expect(intToIp(0x00010000000200030004000500060007n, 6)).toBe('1:0:2:3:4:5:6:7');
    expect(ipToInt('::ffff:1.2.3.4').ip).toBe(0xffff01020304n);
  });

  it('rejects what is not an address', () => {
    expect(() => ipToInt('localhost')).toThrow(/not an IPv4 or IPv6/);
  });
});
