import { describe, expect, it } from 'vitest';
import { type QueryOutcome, reclassifyRound } from './queryMiner';

const outcome = (uid: number, statusCode: number, fault: QueryOutcome['fault']): QueryOutcome => ({
  taskId: 't',
  kind: 'Chat',
  uid,
  hotkey: `h${uid}`,
  startedMs: 0,
  durationMs: 1,
  statusCode,
  statusMessage: null,
  attempts: 2,
  fault,
});

describe('reclassifyRound', () => {
  it('blames the validator when every miner of the round was unreachable', () => {
    const round = [outcome(1, 503, 'miner'), outcome(2, 503, 'miner')];
    expect(reclassifyRound(round).map((o) => o.fault)).toEqual(['validator', 'validator']);
  });

  it('keeps the miners’ faults when one answered, or when only one miner was asked', () => {
    const mixed = [outcome(1, 503, 'miner'), outcome(2, 200, 'none')];
    expect(reclassifyRound(mixed).map((o) => o.fault)).toEqual(['miner', 'none']);
    expect(reclassifyRound([outcome(1, 503, 'miner')]).map((o) => o.fault)).toEqual(['miner']);
    const failing = [outcome(1, 503, 'miner'), outcome(2, 500, 'miner')];
    expect(reclassifyRound(failing).map((o) => o.fault)).toEqual(['miner', 'miner']);
  });
});
