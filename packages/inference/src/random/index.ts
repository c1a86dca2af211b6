export { deriveSeed } from './deriveSeed';
export type { Seed } from './xoshiro128';
export { createRng, splitMix64, Xoshiro128 } from './xoshiro128';
