/** Small helpers the axon benches share for measuring ours against a reference that may be absent. */
import { interleaved } from '../../../scripts/bench/row';

/**
 * `interleaved` (one unmeasured warm-up each, then `rounds` alternating samples) when there is a
 * reference; without one, the same warm-up and rounds of ours alone.
 */
export async function measureSides(
  rounds: number,
  ours: () => Promise<number>,
  reference: (() => Promise<number>) | undefined,
): Promise<{ ours: number[]; reference: number[] }> {
  if (reference) return interleaved(rounds, ours, reference);
  await ours();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push(await ours());
  return { ours: samples, reference: [] };
}

/** Cores and such, to 0.1. */
export const round1 = (x: number) => Math.round(x * 10) / 10;

export const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
