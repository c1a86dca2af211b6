// @subnet/inference/catalog: the `models` section of a configuration, checked and loaded.
export {
  type CheckedModels,
  checkModelEntries,
  REMOTE_DEVICE,
  runtimeOf,
} from './checkModelEntries';
export { expandHome } from './expandHome';
export { type BackendOf, type BackendType, type LoadedBackend, loadModel } from './loadModel';
export { ModelCatalog, type ModelCatalogOptions } from './modelCatalog';
export {
  type ModelEntryConfig,
  type ModelsConfig,
  type ModelType,
  modelEntrySchema,
  modelsConfigSchema,
} from './modelsConfig';
