import type { LlmEngine } from '@subnet/inference';
import type { TiledUpscaler } from '@subnet/inference/diffusion';
import type { ClipEmbedder, NsfwClassifier } from '@subnet/inference/image';
import type { DiffusionRunner } from '@subnet/inference/tasks';
import type { ScoringConfig, XgbModel } from '@subnet/scoring';

/** The validator's own models, by the model id a task names. */
export interface CheckModels {
  /** The reward model (`loadRewardModel()`). */
  rewardModel: XgbModel;
  llm?: (
    model: string,
  ) => Pick<LlmEngine, 'score' | 'complete' | 'tokenizer' | 'model'> | undefined;
  /**
   * Also re-sample LLM answers with the task's seed and scale the score by the share of the
   * miner's tokens that match the validator's sample from the start (catches another seed). Only
   * for miners on the validator's execution provider, where sampling reproduces exactly; off by
   * default, as in the reference subnet, whose logprob check cannot tell seeds apart.
   */
  llmSampleMatch?: boolean;
  diffusion?: (model: string) => DiffusionRunner | undefined;
  /** Upscalers by model id (Upscale tasks). */
  upscaler?: (model: string) => TiledUpscaler | undefined;
  /** CLIP models by model id (ClipEmbeddings tasks). */
  clipModel?: (model: string) => ClipEmbedder | undefined;
  /** CLIP image tower for the image checks; without it they rest on the reward model alone. */
  clip?: ClipEmbedder;
  /** The NSFW flag of the images checked (the classifier's `classify` is all a check uses). */
  nsfw?: Pick<NsfwClassifier, 'classify'>;
  scoring?: ScoringConfig;
}

/** A check's verdict: `score` in [0, 1], a hard `penalty` (0 or negative), and why. */
export interface CheckOutcome {
  score: number;
  penalty: number;
  reason: string;
  /** Figures behind the verdict (probabilities, distances), for logs and the status page. */
  details: Record<string, number>;
}
