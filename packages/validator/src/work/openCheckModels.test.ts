import { join } from 'node:path';
import { type ModelFixtures, modelsSection, writeModelFixtures } from '@subnet/inference/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadValidatorConfig } from '../config/loadConfig';
import { ValidatorErrorCode } from '../errors';
import { openCheckModels } from './openCheckModels';

let f: ModelFixtures;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  f = await writeModelFixtures();
});
afterAll(() => f?.remove());

const checkingOf = (checking: Record<string, unknown>) =>
  loadValidatorConfig({ flags: { netuid: '1', checking } }).checking;

describe('openCheckModels', () => {
  it('loads every entry at start and finds each by the model id a task names', async () => {
    const opened = await openCheckModels(
      checkingOf({ models: modelsSection(f), clip: 'tiny-clip', nsfw: 'tiny-nsfw' }),
      { log, env: {} },
    );
    try {
      expect(opened.loaded).toEqual({
        llm: ['tiny-llm'],
        diffusion: ['tiny-sd', 'tiny-sd-plain'],
        upscaler: ['tiny-x2'],
        clip: ['tiny-clip'],
        nsfw: ['tiny-nsfw'],
      });
      const { models } = opened;
      const llm = models.llm?.('tiny-llm');
      const scored = await llm?.score({ prompt: 'hello', completionTokenIds: [65, 66], topK: 2 });
      expect(scored?.tokens.map((t) => t.tokenId)).toEqual([65, 66]);
      expect(models.llm?.('tiny-sd')).toBeUndefined();
      expect(models.diffusion?.('tiny-sd')).toBeDefined();
      expect(models.diffusion?.('tiny-llm')).toBeUndefined();
      expect(models.upscaler?.('tiny-x2')).toBeDefined();
      expect(models.clipModel?.('tiny-clip')).toBe(models.clip);
      expect(models.nsfw).toBeDefined();
      expect(models.llmSampleMatch).toBe(false);
    } finally {
      await opened.release();
    }
  });

  it('stops start-up on a broken entry, naming the checking key', async () => {
    const section = modelsSection(f);
    const missing = join(f.root, 'missing.onnx');
    const err = await openCheckModels(
      checkingOf({
        models: {
          ...section,
          entries: { ...section.entries, 'tiny-clip': { type: 'clip', file: missing } },
        },
      }),
      { log, env: {} },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ValidatorErrorCode.ConfigInvalid,
      message: `checking.models.entries.tiny-clip: no model file at ${missing}`,
    });
  });

  it('refuses a clip or nsfw reference to another kind of model', async () => {
    const err = await openCheckModels(checkingOf({ models: modelsSection(f), clip: 'tiny-llm' }), {
      log,
      env: {},
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ValidatorErrorCode.ConfigInvalid,
      message: "checking.clip: 'tiny-llm' is a llm model; it must name a clip entry",
    });
    const none = await openCheckModels(checkingOf({ models: modelsSection(f), nsfw: 'nope' }), {
      log,
      env: {},
    }).catch((e: unknown) => e);
    expect((none as Error).message).toBe(
      "checking.nsfw: 'nope' is not in checking.models.entries; it must name a nsfw entry",
    );
  });
});
