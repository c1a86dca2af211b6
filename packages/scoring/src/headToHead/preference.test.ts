import { describe, expect, it } from 'vitest';
import { comparePair, preferencesForTask } from './preference.js';

describe('comparePair', () => {
  it('prefers the answer closer to the reference', () => {
    expect(
      comparePair({ uid: 1, quality: 0.7, seconds: 1 }, { uid: 2, quality: 0.9, seconds: 9 }),
    ).toEqual({
      winner: 2,
      loser: 1,
      tie: false,
    });
  });

  it('among equally close answers the clearly faster one wins, else a tie', () => {
    expect(
      comparePair({ uid: 1, quality: 0.9, seconds: 2 }, { uid: 2, quality: 0.905, seconds: 1 }),
    ).toEqual({
      winner: 2,
      loser: 1,
      tie: false,
    });
    expect(
      comparePair({ uid: 1, quality: 0.9, seconds: 1.02 }, { uid: 2, quality: 0.9, seconds: 1 }),
    ).toEqual({
      winner: 1,
      loser: 2,
      tie: true,
    });
  });

  it('records every pair of a task once', () => {
    const prefs = preferencesForTask([
      { uid: 1, quality: 1, seconds: 1 },
      { uid: 2, quality: 0.5, seconds: 1 },
      { uid: 3, quality: 0, seconds: 1 },
    ]);
    expect(prefs).toEqual([
      { winner: 1, loser: 2, tie: false },
      { winner: 1, loser: 3, tie: false },
      { winner: 2, loser: 3, tie: false },
    ]);
  });
});
