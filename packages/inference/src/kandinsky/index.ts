// @subnet/inference/kandinsky: Kandinsky 2.2 (unCLIP prior + MoVQ decoder) over ONNX sessions.

export { type DdpmConfig, DdpmScheduler, type DdpmVarianceType } from './ddpmScheduler';
export { type KandinskyExportSettings, readKandinskyExport } from './kandinskyExport';
export { KandinskyPipeline } from './kandinskyPipeline';
export type {
  ImageEmbeddings,
  KandinskyPipelineOptions,
  KandinskySessions,
  KandinskyStage,
} from './kandinskyTypes';
export { openKandinskyPipeline } from './openKandinskyPipeline';
export { PriorModel, type PromptTokens, promptTokens } from './priorModel';
export { type UnclipConfig, UnclipScheduler } from './unclipScheduler';
