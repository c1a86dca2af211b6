export { BOMB_PNG_INFLATED_BYTES, BOMB_PNG_SIDE, decompressionBombPng } from './bombPng';
export { DEV_KEY_NAMES, type DevKeyName, devHotkey, devHotkeys, devUri } from './devKeys';
export { Dummy, Prompting } from './exampleSynapses';
export {
  DEFAULT_HOSTILE_CAPACITY,
  HOSTILE_MODES,
  HOSTILE_VOLUMES,
  type HostileMode,
  HUGE_ANSWER_BYTES,
} from './hostileModes';
export {
  type HostileServer,
  type HostileServerOptions,
  listenHostileServer,
} from './hostileServer';
export { type ReadyProcess, type ReadyProcessOptions, startReadyProcess } from './readyProcess';
export {
  HOSTILE_AXON_ENTRY,
  type HostileAxon,
  type StartHostileAxonOptions,
  startHostileAxon,
} from './startHostileAxon';
export {
  EXAMPLE_IMAGE_B64,
  EXAMPLE_MASK_B64,
  EXAMPLE_SCRIBBLE_B64,
  INVALID_TASK_EXAMPLES,
  type InvalidTaskExample,
  oversizedImageExample,
  TASK_DEFS,
  type TaskSynapseName,
  VALID_TASK_INPUTS,
  type ValidTaskInputs,
} from './taskExamples';
export { createTestAxon, type TestAxon, type TestAxonOptions } from './testAxon';
