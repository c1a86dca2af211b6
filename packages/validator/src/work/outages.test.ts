import { describe, expect, it } from 'vitest';
import type { ResultTiming } from '../storage/index';
import { findOutages } from './outages';

let nextId = 1;
const row = (uid: number, startedMs: number, statusCode: number): ResultTiming => ({
  id: nextId++,
  uid,
  startedMs,
  statusCode,
});

describe('findOutages', () => {
  it('excuses a window in which every miner was unreachable or timed out', () => {
    nextId = 1;
    const rows = [
      row(1, 0, 200),
      row(2, 100, 200),
      // 10 s later the validator's network is down: both miners fail, one 503, one 408.
      row(1, 10_000, 503),
      row(2, 10_500, 408),
      row(3, 11_000, 503),
      row(1, 20_000, 200),
    ];
    expect(findOutages(rows, { windowMs: 5_000 })).toEqual([
      { fromMs: 10_000, toMs: 15_000, uids: [1, 2, 3], ids: [3, 4, 5] },
    ]);
  });

  it('does not excuse a window with one success, a refusal or a server error', () => {
    nextId = 1;
    // A hanging miner next to an honest one that answers.
    expect(
      findOutages([row(1, 0, 408), row(2, 10, 200), row(3, 20, 408)], { windowMs: 5_000 }),
    ).toEqual([]);
    // A refusal and a 500 say the network worked.
    expect(findOutages([row(1, 0, 503), row(2, 10, 400)], { windowMs: 5_000 })).toEqual([]);
    expect(findOutages([row(1, 0, 503), row(2, 10, 500)], { windowMs: 5_000 })).toEqual([]);
  });

  it('needs at least two distinct miners failing (one miner down is that miner’s fault)', () => {
    nextId = 1;
    expect(findOutages([row(4, 0, 503), row(4, 100, 408)], { windowMs: 5_000 })).toEqual([]);
    expect(
      findOutages([row(4, 0, 503), row(5, 100, 503), row(6, 200, 503)], {
        windowMs: 5_000,
        minMiners: 3,
      }).map((o) => o.uids),
    ).toEqual([[4, 5, 6]]);
    expect(findOutages([], { windowMs: 5_000 })).toEqual([]);
  });
});
