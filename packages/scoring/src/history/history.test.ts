import { describe, expect, it } from 'vitest';
import { parseScoringConfig } from '../config.js';
import { resetChangedHotkeys, updateMovingAverages } from './movingAverage.js';
import { decayedHistory, periodScore } from './periodScore.js';

const config = parseScoringConfig({
  history: { movingAverageAlpha: 0.5, periodDecay: 0.5 },
}).history;

describe('moving averages', () => {
  it('folds scores per uid and starts a new hotkey from zero', () => {
    let state = updateMovingAverages(new Map(), [{ uid: 1, hotkey: 'A', score: 1 }], config);
    expect(state.get(1)).toEqual({ hotkey: 'A', value: 0.5, periods: 1 });
    state = updateMovingAverages(
      state,
      [
        { uid: 1, hotkey: 'A', score: 1 },
        { uid: 2, hotkey: 'B', score: 0.4 },
      ],
      config,
    );
    expect(state.get(1)).toEqual({ hotkey: 'A', value: 0.75, periods: 2 });
    expect(state.get(2)).toEqual({ hotkey: 'B', value: 0.2, periods: 1 });
    const replaced = updateMovingAverages(state, [{ uid: 1, hotkey: 'C', score: 0 }], config);
    expect(replaced.get(1)).toEqual({ hotkey: 'C', value: 0, periods: 1 });
    expect(replaced.get(2)).toEqual(state.get(2));
    expect(state.get(1)?.value).toBe(0.75); // the previous map is untouched
  });

  it('drops uids whose metagraph hotkey changed', () => {
    const state = updateMovingAverages(
      new Map(),
      [
        { uid: 1, hotkey: 'A', score: 1 },
        { uid: 2, hotkey: 'B', score: 1 },
      ],
      config,
    );
    const kept = resetChangedHotkeys(
      state,
      new Map([
        [1, 'A'],
        [2, 'Z'],
      ]),
    );
    expect([...kept.keys()]).toEqual([1]);
  });

  it('refuses a uid observed twice in a period', () => {
    expect(() =>
      updateMovingAverages(new Map(), [
        { uid: 1, hotkey: 'A', score: 1 },
        { uid: 1, hotkey: 'A', score: 0 },
      ]),
    ).toThrow(/twice/);
  });
});

describe('period scores', () => {
  it('averages score plus penalty and decays older periods', () => {
    expect(
      periodScore([
        { score: 1, penalty: 0 },
        { score: 0.5, penalty: -3 },
      ]),
    ).toBe(-0.75);
    expect(periodScore([])).toBe(0);
    expect(decayedHistory([1, 0, 1], config)).toBeCloseTo((1 + 0 + 0.25) / 1.75, 15);
    expect(decayedHistory([])).toBe(0);
  });
});
