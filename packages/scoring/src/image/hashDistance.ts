import { ScoringError } from '../errors.js';

const NIBBLE_BITS = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4] as const;

function nibble(hex: string, index: number, which: string): number {
  const value = Number.parseInt(hex.charAt(index), 16);
  if (Number.isNaN(value)) {
    throw new ScoringError('SCORING_INPUT_INVALID', `${which} hash is not hexadecimal: ${hex}`);
  }
  return value;
}

/**
 * Hamming distance between two image hashes written as hex strings (the text form of Python
 * `imagehash`: `str(average_hash(img))`, and likewise for the other hashes). Both must have the
 * same length.
 */
export function hashHammingDistance(a: string, b: string): number {
  if (a.length !== b.length || a.length === 0) {
    throw new ScoringError(
      'SCORING_INPUT_INVALID',
      `image hashes differ in length (${a.length} vs ${b.length} hex digits)`,
    );
  }
  let distance = 0;
  for (let i = 0; i < a.length; i++) {
    distance += NIBBLE_BITS[nibble(a, i, 'first') ^ nibble(b, i, 'second')] as number;
  }
  return distance;
}

/** The four image hashes the inference package computes for an image, as hex strings. */
export interface ImageHashes {
  readonly average: string;
  readonly perceptual: string;
  readonly difference: string;
  readonly color: string;
}

/**
 * The reward model's input row: Hamming distances of the average, perceptual, difference and
 * color hashes, in that order.
 */
export function hashDistanceFeatures(
  a: ImageHashes,
  b: ImageHashes,
): [number, number, number, number] {
  return [
    hashHammingDistance(a.average, b.average),
    hashHammingDistance(a.perceptual, b.perceptual),
    hashHammingDistance(a.difference, b.difference),
    hashHammingDistance(a.color, b.color),
  ];
}
