// @subnet/miner/testing: kept for callers of the earlier path; the model fixtures live in
// @subnet/inference/testing.
export {
  type ModelFixtures,
  modelsSection,
  TINY_DIFFUSION_TOKENIZER,
  type WriteModelFixturesOptions,
  writeModelFixtures,
} from '@subnet/inference/testing';
