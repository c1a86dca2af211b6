import type { Xoshiro128 } from '../random/xoshiro128';

/**
 * Picks the next token from one row of logits. The rule, which the validator repeats:
 * - temperature 0: argmax (the lowest id among equal logits); no random draw.
 * - otherwise: drop tokens with (logit - max logit) / temperature < -40 (relative probability
 *   below e^-40, which could not move a float64 sum that already holds the top token's 1);
 *   order the rest by logit descending, id ascending; keep the first top_k (0 = all);
 *   p_i = softmax(logit_i / temperature) over those, in float64; keep the shortest prefix
 *   whose cumulative p reaches top_p; draw u = rng.nextFloat64() * (sum of kept p) and take
 *   the first token whose cumulative p exceeds u. Exactly one draw per sampled token.
 */
export interface SamplingParams {
  temperature: number;
  topP: number;
  topK: number;
}

export function sampleToken(logits: Float32Array, params: SamplingParams, rng: Xoshiro128): number {
  if (params.temperature === 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) {
      if ((logits[i] as number) > (logits[best] as number)) best = i;
    }
    return best;
  }
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const floor = max - 40 * params.temperature;
  const order: number[] = [];
  for (let i = 0; i < logits.length; i++) if ((logits[i] as number) >= floor) order.push(i);
  order.sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b);
  const keep = params.topK > 0 ? Math.min(params.topK, order.length) : order.length;
  const probs = new Float64Array(keep);
  let sum = 0;
  for (let i = 0; i < keep; i++) {
    const p = Math.exp(((logits[order[i] as number] as number) - max) / params.temperature);
    probs[i] = p;
    sum += p;
  }
  let kept = keep;
  if (params.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < keep; i++) {
      cumulative += (probs[i] as number) / sum;
      if (cumulative >= params.topP) {
        kept = i + 1;
        break;
      }
    }
  }
  let keptSum = 0;
  for (let i = 0; i < kept; i++) keptSum += probs[i] as number;
  const u = rng.nextFloat64() * keptSum;
  let cumulative = 0;
  for (let i = 0; i < kept; i++) {
    cumulative += probs[i] as number;
    if (cumulative > u) return order[i] as number;
  }
  return order[kept - 1] as number;
}
