import { createHash } from 'node:crypto';
import type { Seed } from './xoshiro128';

/**
 * A child seed for a named sub-stream: the first 8 bytes (big-endian) of
 * sha256(`${seed}` + ('/' + label) for each label). Lets one task seed give independent streams
 * (e.g. 'sample' for tokens, 'latents' for noise) that both sides derive the same way.
 */
export function deriveSeed(seed: Seed, ...labels: readonly (string | number)[]): bigint {
  const text = [String(seed), ...labels.map(String)].join('/');
  const digest = createHash('sha256').update(text, 'utf8').digest();
  return digest.readBigUInt64BE(0);
}
