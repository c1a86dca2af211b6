import { ScoringError } from '../errors.js';

/**
 * Cosine similarity of two embeddings (CLIP image embeddings), in [-1, 1]. A zero vector has
 * similarity 0 to everything.
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) {
    throw new ScoringError(
      'SCORING_INPUT_INVALID',
      `embeddings differ in length (${a.length} vs ${b.length})`,
    );
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new ScoringError('SCORING_INPUT_INVALID', `embedding value ${i} is not finite`);
    }
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}
