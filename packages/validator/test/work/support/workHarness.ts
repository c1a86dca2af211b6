/**
 * What the work-loop tests share: the validator's storage on a fresh PGlite database, its own
 * test models (the tiny LLM and the tiny diffusion set), the reward model, and test miners.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, type LlmEngine, parseRuntimeConfig } from '@subnet/inference';
import { DiffusionPipeline, TiledUpscaler } from '@subnet/inference/diffusion';
import { ClipEmbedder } from '@subnet/inference/image';
import { createTinyLlm } from '@subnet/inference/testing';
import {
  buildTinyClipVision,
  buildTinyUpscaler,
  openTinyDiffusion,
} from '@subnet/inference/testing/diffusion';
import { openStorage, type Storage } from '../../../src/storage/index';
import { freshPgliteDir } from '../../../src/storage/testing/index';
import { loadRewardModel } from '../../../src/work/checkResult';
import type { CheckModels } from '../../../src/work/checkTypes';

export interface Engines {
  llm: LlmEngine;
  diffusion: DiffusionPipeline;
  upscaler: TiledUpscaler;
  clip: ClipEmbedder;
  release(): Promise<void>;
}

export async function openEngines(): Promise<Engines> {
  const llm = await createTinyLlm();
  const sessions = await openTinyDiffusion();
  const runtime = parseRuntimeConfig({ providers: ['cpu'], intraOpNumThreads: 1 });
  const upscaler = (await createSession(buildTinyUpscaler(), runtime)).session;
  const clip = (await createSession(buildTinyClipVision(), runtime)).session;
  return {
    llm,
    diffusion: new DiffusionPipeline(sessions),
    upscaler: new TiledUpscaler(upscaler),
    clip: new ClipEmbedder(clip),
    async release() {
      await Promise.all([sessions.release(), upscaler.release(), clip.release()]);
    },
  };
}

/**
 * The validator's check models over its own engines: every model id maps to the test model.
 * `withClip` also gives the image checks a CLIP model.
 */
export function checkModels(engines: Engines, options: { withClip?: boolean } = {}): CheckModels {
  return {
    rewardModel: loadRewardModel(),
    llm: () => engines.llm,
    diffusion: () => engines.diffusion,
    upscaler: () => engines.upscaler,
    clipModel: () => engines.clip,
    ...(options.withClip ? { clip: engines.clip } : {}),
  };
}

export async function openTestStorage(): Promise<{ storage: Storage; close(): Promise<void> }> {
  const parent = mkdtempSync(join(tmpdir(), 'validator-work-'));
  const storage = await openStorage({ engine: 'pglite', dataDir: await freshPgliteDir(parent) });
  return {
    storage,
    async close() {
      await storage.close();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
