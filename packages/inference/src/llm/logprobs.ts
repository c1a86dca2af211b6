/**
 * Log-probabilities, ranks and top-k alternatives from one row of logits. All in float64 from
 * the float32 logits, in a fixed order, so a miner and a validator get the same numbers.
 */
export interface TokenLogprob {
  tokenId: number;
  logprob: number;
}

export function logSoftmax(logits: Float32Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] as number) - max);
  const logZ = max + Math.log(sum);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = (logits[i] as number) - logZ;
  return out;
}

/** The k most likely tokens, by logprob descending, then token id ascending. */
export function topLogprobs(logprobs: Float64Array, k: number): TokenLogprob[] {
  if (k <= 0) return [];
  const best: TokenLogprob[] = [];
  for (let id = 0; id < logprobs.length; id++) {
    const lp = logprobs[id] as number;
    if (best.length === k && lp <= (best[k - 1] as TokenLogprob).logprob) continue;
    let at = best.length;
    while (at > 0 && (best[at - 1] as TokenLogprob).logprob < lp) at--;
    best.splice(at, 0, { tokenId: id, logprob: lp });
    if (best.length > k) best.pop();
  }
  return best;
}

/** 1 + the number of tokens strictly more likely than `tokenId`. */
export function rankOf(logprobs: Float64Array, tokenId: number): number {
  const lp = logprobs[tokenId] as number;
  let rank = 1;
  for (let i = 0; i < logprobs.length; i++) if ((logprobs[i] as number) > lp) rank++;
  return rank;
}
