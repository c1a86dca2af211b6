// @subnet/miner/testing: the inference package's tiny test models written out as an operator
// would have them, and the miner config's `models` section over them.
export {
  type ModelFixtures,
  modelsSection,
  TINY_DIFFUSION_TOKENIZER,
  type WriteModelFixturesOptions,
  writeModelFixtures,
} from './modelFixtures';
