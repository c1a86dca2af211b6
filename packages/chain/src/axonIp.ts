import { isIP } from 'node:net';
import { ChainError, ChainErrorCode } from './errors.js';

/** An IP address as the chain stores it: u128 and its version (the SDK's `ip_to_int`). */
export function ipToInt(ip: string): { ip: bigint; ipType: 4 | 6 } {
  const v = isIP(ip);
  if (v === 4) {
    const parts = ip.split('.').map(Number);
    let n = 0n;
    for (const p of parts) n = (n << 8n) | BigInt(p);
    return { ip: n, ipType: 4 };
  }
  if (v === 6) {
    return { ip: ipv6ToBigInt(ip), ipType: 6 };
  }
  throw new ChainError(ChainErrorCode.InvalidArgument, `"${ip}" is not an IPv4 or IPv6 address`);
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = Number(ipToInt(v4[1]).ip);
    text = `${text.slice(0, -v4[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(Number.parseInt(g, 16));
  return n;
}

/** The text form of a stored IP (the SDK's `int_to_ip`; IPv6 compressed as RFC 5952). */
export function intToIp(ip: bigint, ipType: number): string {
  if (ipType === 4 || (ipType !== 6 && ip <= 0xffffffffn)) {
    const n = Number(ip & 0xffffffffn);
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}
