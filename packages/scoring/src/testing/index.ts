export { float32UlpDistance } from './float32Ulps.js';
export { seededRandom, spearman } from './seededRandom.js';
