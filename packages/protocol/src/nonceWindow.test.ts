import { describe, expect, it } from 'vitest';
import { NonceWindow, V_7_2_0 } from './nonceWindow';

const S = 1_000_000_000n;
const T0 = 1_800_000_000n * S;

function win(clock: { now: bigint }, opts: { maxEndpoints?: number; maxTimeoutS?: number } = {}) {
  return new NonceWindow({ ...opts, now: () => clock.now });
}
const req = (nonce: bigint, uuid = 'u', timeoutS = 12) => ({
  dendriteHotkey: 'hk',
  uuid,
  nonce,
  version: V_7_2_0,
  timeoutS,
});

describe('NonceWindow', () => {
  it('accepts a first nonce inside 4 s + timeout and refuses one just outside', () => {
    const clock = { now: T0 };
    const w = win(clock);
    expect(w.check(req(T0 - 16n * S + 1n)).ok).toBe(true);
    expect(w.check(req(T0 - 16n * S)).ok).toBe(false);
  });

  it('caps the unsigned timeout header when widening the window', () => {
    const clock = { now: T0 };
    const w = win(clock, { maxTimeoutS: 60 });
    expect(w.check(req(T0 - 63n * S, 'u', 1e9)).ok).toBe(true);
    expect(w.check(req(T0 - 65n * S, 'u', 1e9)).ok).toBe(false);
  });

  it('requires strictly increasing nonces per endpoint, independently per uuid', () => {
    const clock = { now: T0 };
    const w = win(clock);
    w.commit(req(T0));
    expect(w.check(req(T0)).ok).toBe(false);
    expect(w.check(req(T0 - 1n)).ok).toBe(false);
    expect(w.check(req(T0 + 1n)).ok).toBe(true);
    expect(w.check(req(T0, 'other')).ok).toBe(true);
  });

  it('forgets endpoints whose last nonce left the window, and a replay then still fails', () => {
    const clock = { now: T0 };
    const w = win(clock, { maxTimeoutS: 10 });
    w.commit(req(T0, 'a'));
    expect(w.size).toBe(1);
    clock.now = T0 + 15n * S;
    w.commit(req(clock.now, 'b'));
    expect(w.size).toBe(1);
    expect(w.check(req(T0, 'a', 10)).ok).toBe(false);
  });

  it('keeps at most maxEndpoints, dropping the least recently used', () => {
    const clock = { now: T0 };
    const w = win(clock, { maxEndpoints: 3 });
    for (const u of ['a', 'b', 'c']) w.commit(req(T0, u));
    w.commit(req(T0 + 1n, 'a'));
    w.commit(req(T0, 'd'));
    expect(w.size).toBe(3);
    expect(w.check(req(T0 + 1n, 'a')).ok).toBe(false);
    expect(w.check(req(T0, 'b')).ok).toBe(true);
  });
});
