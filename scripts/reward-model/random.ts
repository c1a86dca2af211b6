/** The dataset builder's PRNG: the scoring package's seeded mulberry32 (same stream as before). */
import { seededRandom } from '@subnet/scoring/testing';

export type Random = () => number;

export const seeded: (seed: number) => Random = seededRandom;

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

export function between(random: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}
