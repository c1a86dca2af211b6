export { DEV_KEY_NAMES, type DevKeyName, devHotkey, devHotkeys, devUri } from './devKeys';
export { Dummy, Prompting } from './exampleSynapses';
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
