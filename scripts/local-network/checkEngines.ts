/**
 * The validator's own engines for the local network: the same tiny test models the miners serve
 * (the inference package's tiny LLM, tiny diffusion set and tiny NSFW classifier), opened
 * in-process, as the models it checks answers by reproduction with. The NSFW classifier is the
 * one the miners' `tiny-sd` entry names, with the miners' defaults: without it the validator
 * would take an honest miner's NSFW flag on a reproduced image for a false claim.
 */
import { createSession, parseRuntimeConfig } from '@subnet/inference';
import { DiffusionPipeline } from '@subnet/inference/diffusion';
import { NsfwClassifier } from '@subnet/inference/image';
import { createTinyLlm } from '@subnet/inference/testing';
import { buildTinyNsfwClassifier, openTinyDiffusion } from '@subnet/inference/testing/diffusion';
import { type CheckModels, loadRewardModel } from '@subnet/validator/work';
import type { Logger } from 'pino';

export interface CheckEngines {
  models: CheckModels;
  release(): Promise<void>;
}

export interface CheckEngineOptions {
  /**
   * Also re-sample LLM answers with the task's seed (`CheckModels.llmSampleMatch`): exact here,
   * where the miners run the same models on the same execution provider as the validator.
   */
  llmSampleMatch?: boolean;
  /** Where the engines log (default the inference package's own logger). */
  logger?: Logger;
}

/** Check models for `tiny-llm` (Chat, Completion) and `tiny-sd` (image kinds). */
export async function openCheckEngines(options: CheckEngineOptions = {}): Promise<CheckEngines> {
  const llm = await createTinyLlm();
  const sessions = await openTinyDiffusion();
  const diffusion = new DiffusionPipeline(sessions);
  const nsfw = await createSession(
    buildTinyNsfwClassifier(),
    parseRuntimeConfig({ providers: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 }),
    options.logger,
  );
  return {
    models: {
      rewardModel: loadRewardModel(),
      llm: (model) => (model === 'tiny-llm' ? llm : undefined),
      diffusion: (model) => (model === 'tiny-sd' ? diffusion : undefined),
      nsfw: new NsfwClassifier(nsfw.session),
      ...(options.llmSampleMatch ? { llmSampleMatch: true } : {}),
    },
    release: async () => {
      await sessions.release();
      await nsfw.session.release();
    },
  };
}
