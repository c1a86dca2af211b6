import { describe, expect, it } from 'vitest';
import { expandHome, invocationDir, raoToTao, resolvePath, taoToRao } from '../src/index.js';

describe('TAO and RAO', () => {
  it('converts exactly both ways', () => {
    expect(raoToTao(1_500_000_000n)).toBe('1.500000000');
    expect(raoToTao(1_500_000_000n, 4)).toBe('1.5000');
    expect(raoToTao(1n, 9)).toBe('0.000000001');
    expect(raoToTao(-2_000_000_001n, 2)).toBe('-2.00');
    expect(raoToTao(7_000_000_000n, 0)).toBe('7');
    expect(taoToRao('1000.000000001')).toBe(1_000_000_000_001n);
    expect(taoToRao(' 0.5 ')).toBe(500_000_000n);
    expect(taoToRao('21000000')).toBe(21_000_000_000_000_000n);
  });

  it('refuses what is not a plain amount', () => {
    for (const bad of ['-1', '1e3', '0.0000000001', 'abc', '', '21000000.000000001', '1,5']) {
      expect(() => taoToRao(bad)).toThrow(RangeError);
    }
    expect(() => raoToTao(1n, 10)).toThrow('decimals must be 0..9, got 10');
  });
});

describe('paths from where the operator ran the command', () => {
  it('takes INIT_CWD when a package manager set it, else the cwd', () => {
    expect(invocationDir({ INIT_CWD: '/home/op/node' }, '/repo/packages/miner')).toBe(
      '/home/op/node',
    );
    expect(invocationDir({ INIT_CWD: 'relative' }, '/repo')).toBe('/repo');
    expect(invocationDir({}, '/repo')).toBe('/repo');
  });

  it('resolves relative paths there and expands ~', () => {
    const ctx = { cwd: '/home/op/node', home: '/home/op' };
    expect(resolvePath('miner.yaml', ctx)).toBe('/home/op/node/miner.yaml');
    expect(resolvePath('../wallets', ctx)).toBe('/home/op/wallets');
    expect(resolvePath('~/.bittensor/wallets', ctx)).toBe('/home/op/.bittensor/wallets');
    expect(resolvePath('~', ctx)).toBe('/home/op');
    expect(resolvePath('/etc/miner.yaml', ctx)).toBe('/etc/miner.yaml');
    expect(expandHome('~user/x', '/home/op')).toBe('~user/x');
  });
});
