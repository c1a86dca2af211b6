/**
 * The validator's own engines for the local network: the same tiny test models the miners serve
 * (the inference package's tiny LLM and tiny diffusion set), opened in-process, as the models
 * it checks answers by reproduction with.
 */
import { DiffusionPipeline } from '@subnet/inference/diffusion';
import { createTinyLlm } from '@subnet/inference/testing';
import { openTinyDiffusion } from '@subnet/inference/testing/diffusion';
import { type CheckModels, loadRewardModel } from '@subnet/validator/work';

export interface CheckEngines {
  models: CheckModels;
  release(): Promise<void>;
}

/** Check models for `tiny-llm` (Chat, Completion) and `tiny-sd` (image kinds). */
export async function openCheckEngines(): Promise<CheckEngines> {
  const llm = await createTinyLlm();
  const sessions = await openTinyDiffusion();
  const diffusion = new DiffusionPipeline(sessions);
  return {
    models: {
      rewardModel: loadRewardModel(),
      llm: (model) => (model === 'tiny-llm' ? llm : undefined),
      diffusion: (model) => (model === 'tiny-sd' ? diffusion : undefined),
    },
    release: () => sessions.release(),
  };
}
