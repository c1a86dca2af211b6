/**
 * Capacity volumes are bounded when the answer is parsed: finite, 0..CAPACITY_VOLUME_MAX. A miner
 * that declares a flood (1e12), a negative or a non-number volume gets no capacity at all.
 */
import { describe, expect, it } from 'vitest';
import { parseBodyFields } from '../body';
import { Capacity, taskCapacitySchema } from './capacity';
import { CAPACITY_VOLUME_MAX } from './limits';

const entry = (volume: unknown) => ({ volume, models: ['tiny-llm'], loras: [] });

describe('Capacity volume bounds', () => {
  it('is a million per kind', () => {
    expect(CAPACITY_VOLUME_MAX).toBe(1_000_000);
  });

  it.each([0, 0.5, 2, CAPACITY_VOLUME_MAX])('accepts %d', (volume) => {
    expect(taskCapacitySchema.parse(entry(volume)).volume).toBe(volume);
  });

  it.each([
    [CAPACITY_VOLUME_MAX + 1, 'Too big: expected number to be <=1000000'],
    [1e12, 'Too big: expected number to be <=1000000'],
    [-5, 'Too small: expected number to be >=0'],
    [Number.POSITIVE_INFINITY, 'Invalid input: expected number, received Infinity'],
    [Number.NaN, 'Invalid input: expected number, received NaN'],
    ['lots', 'Invalid input: expected number, received string'],
    [null, 'Invalid input: expected number, received null'],
  ])('refuses %s', (volume, message) => {
    const r = taskCapacitySchema.safeParse(entry(volume));
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['volume', message],
    ]);
  });

  it('an answer body with a flooded volume fails naming the kind and the bound', () => {
    // JSON.parse reads 1e999 as Infinity: the bound catches it too.
    const body = JSON.parse(
      '{"capacities": {"Chat": {"volume": 1e999, "models": ["m"], "loras": []}}}',
    );
    expect(() => parseBodyFields(Capacity, body)).toThrow(
      'invalid Capacity: capacities.Chat.volume: Invalid input: expected number, received Infinity',
    );
  });
});
