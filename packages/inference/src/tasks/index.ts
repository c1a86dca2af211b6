// @subnet/inference/tasks: the task synapse → inference request mapping that miners (to run a
// task) and validators (to reproduce it) share, so that both make the same call with the same seed.
export {
  DIFFUSION_KINDS,
  type DiffusionFieldsByKind,
  type DiffusionKind,
  type DiffusionRequestByKind,
  type DiffusionRunner,
  diffusionRequestOf,
  isDiffusionKind,
  runDiffusionTask,
} from './diffusionRequests';
export { clipImagesOf, upscaleInputOf } from './imageInputs';
export { type TaskFields, taskFields } from './taskFields';
export {
  generateRequestOf,
  type ScoredCompletion,
  scoreRequestOf,
  type TextFieldsByKind,
  type TextKind,
  type TextPromptFieldsByKind,
} from './textRequests';
