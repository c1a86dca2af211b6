import { DEFAULT_SCORING_CONFIG, type HeadToHeadConfig } from '../config.js';
import { ScoringError } from '../errors.js';
import type { Preference } from './preference.js';

export interface BradleyTerryFit {
  /** Latent reward per uid, in the order of `uids`. */
  readonly rewards: Float64Array;
  readonly uids: readonly number[];
  readonly iterations: number;
  /** The largest gradient component at the end (convergence: below 1e-9). */
  readonly gradientNorm: number;
}

interface PairCounts {
  i: number;
  j: number;
  /** Wins of i over j (a tie counts half to each side). */
  winsI: number;
  winsJ: number;
}

function aggregate(preferences: readonly Preference[], index: Map<number, number>): PairCounts[] {
  const pairs = new Map<number, PairCounts>();
  const n = index.size;
  for (const p of preferences) {
    const w = index.get(p.winner);
    const l = index.get(p.loser);
    if (w === undefined || l === undefined) {
      throw new ScoringError(
        'SCORING_INPUT_INVALID',
        `preference names an unknown uid (${p.winner} vs ${p.loser})`,
      );
    }
    if (w === l) continue;
    const i = Math.min(w, l);
    const j = Math.max(w, l);
    const key = i * n + j;
    let pair = pairs.get(key);
    if (pair === undefined) {
      pair = { i, j, winsI: 0, winsJ: 0 };
      pairs.set(key, pair);
    }
    const share = p.tie ? 0.5 : 1;
    if (p.tie || w === i) pair.winsI += share;
    if (p.tie || w === j) pair.winsJ += share;
  }
  return [...pairs.values()];
}

const sigmoid = (x: number): number =>
  x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
const logSigmoid = (x: number): number =>
  x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));

function objective(
  r: Float64Array,
  pairs: readonly PairCounts[],
  beta: number,
  lambda: number,
): number {
  let value = 0;
  for (const p of pairs) {
    const d = beta * ((r[p.i] as number) - (r[p.j] as number));
    value += p.winsI * logSigmoid(d) + p.winsJ * logSigmoid(-d);
  }
  for (const x of r) value -= 0.5 * lambda * x * x;
  return value;
}

/** Solves A x = b in place for a symmetric positive-definite A (row-major n x n) by Cholesky. */
function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j] as number;
    for (let k = 0; k < j; k++) d -= (a[j * n + k] as number) ** 2;
    const root = Math.sqrt(d);
    a[j * n + j] = root;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (a[i * n + k] as number) * (a[j * n + k] as number);
      a[i * n + j] = s / root;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = x[i] as number;
    for (let k = 0; k < i; k++) s -= (a[i * n + k] as number) * (x[k] as number);
    x[i] = s / (a[i * n + i] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i] as number;
    for (let k = i + 1; k < n; k++) s -= (a[k * n + i] as number) * (x[k] as number);
    x[i] = s / (a[i * n + i] as number);
  }
  return x;
}

/**
 * Fits each miner's latent reward from pairwise preferences with the Bradley-Terry / DPO
 * objective: maximise sum log sigma(beta (r_w - r_l)) - priorPrecision/2 * sum r^2 (ties count
 * half a win each way). The prior makes the objective strictly concave, so Newton's method with
 * a backtracking line search converges to the unique optimum; a miner with no comparisons stays
 * at 0. Deterministic for the same input.
 */
export function fitBradleyTerry(
  uids: readonly number[],
  preferences: readonly Preference[],
  config: HeadToHeadConfig = DEFAULT_SCORING_CONFIG.headToHead,
  maxIterations = 100,
): BradleyTerryFit {
  const n = uids.length;
  const index = new Map(uids.map((uid, i) => [uid, i]));
  if (index.size !== n) throw new ScoringError('SCORING_INPUT_INVALID', 'uids must be distinct');
  const pairs = aggregate(preferences, index);
  const { beta, priorPrecision: lambda } = config;
  let r = new Float64Array(n);
  let gradientNorm = Number.POSITIVE_INFINITY;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const grad = new Float64Array(n);
    const hess = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      grad[i] = -lambda * (r[i] as number);
      hess[i * n + i] = lambda;
    }
    for (const p of pairs) {
      const s = sigmoid(beta * ((r[p.i] as number) - (r[p.j] as number)));
      const total = p.winsI + p.winsJ;
      const g = beta * (p.winsI - total * s);
      const h = beta * beta * total * s * (1 - s);
      grad[p.i] = (grad[p.i] as number) + g;
      grad[p.j] = (grad[p.j] as number) - g;
      hess[p.i * n + p.i] = (hess[p.i * n + p.i] as number) + h;
      hess[p.j * n + p.j] = (hess[p.j * n + p.j] as number) + h;
      hess[p.i * n + p.j] = (hess[p.i * n + p.j] as number) - h;
      hess[p.j * n + p.i] = (hess[p.j * n + p.i] as number) - h;
    }
    gradientNorm = grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    if (gradientNorm < 1e-9) break;
    const step = choleskySolve(hess, grad, n);
    const current = objective(r, pairs, beta, lambda);
    let t = 1;
    let next = r;
    for (let k = 0; k < 50; k++) {
      next = r.map((x, i) => x + t * (step[i] as number));
      if (objective(next, pairs, beta, lambda) >= current) break;
      t /= 2;
    }
    r = next;
  }
  return { rewards: r, uids, iterations, gradientNorm };
}
