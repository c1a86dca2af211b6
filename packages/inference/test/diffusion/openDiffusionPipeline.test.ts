import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffusionPipeline } from '../../src/diffusion/diffusionPipeline';
import { openDiffusionPipeline } from '../../src/diffusion/openDiffusionPipeline';
import { InferenceErrorCode } from '../../src/errors';
import { parseRuntimeConfig } from '../../src/runtime/runtimeConfig';
import { buildTinyTokenizer } from '../../src/testing/tinyTokenizer';
import {
  openTinyDiffusion,
  tinyDiffusionModelBytes,
} from '../../src/testModels/diffusion/tinyDiffusion';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const tokenizerOptions = {
  maxLength: 16,
  bosToken: '<|im_start|>',
  eosToken: '<|im_end|>',
  padToken: '<|im_end|>',
};

describe('openDiffusionPipeline (export folder layout, runtime session factory)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sd-export-'));
    const bytes = tinyDiffusionModelBytes();
    const parts: [string, Uint8Array][] = [
      ['text_encoder', bytes.textEncoder],
      ['unet', bytes.unet],
      ['vae_decoder', bytes.vaeDecoder],
      ['vae_encoder', bytes.vaeEncoder],
    ];
    for (const [name, data] of parts) {
      await mkdir(join(dir, name), { recursive: true });
      await writeFile(join(dir, name, 'model.onnx'), data);
    }
    await mkdir(join(dir, 'tokenizer'));
    await writeFile(
      join(dir, 'tokenizer', 'tokenizer.json'),
      JSON.stringify(buildTinyTokenizer(384).tokenizerJson),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('falls back to the CPU and generates the same PNG as in-memory sessions', async () => {
    const runtime = parseRuntimeConfig({ providers: ['cuda', 'cpu'], intraOpNumThreads: 1 });
    const opened = await openDiffusionPipeline({ dir, runtime, tokenizer: tokenizerOptions });
    expect(opened.devices).toEqual({
      text_encoder: 'cpu',
      unet: 'cpu',
      vae_decoder: 'cpu',
      vae_encoder: 'cpu',
    });
    const task = { prompt: 'a harbour', steps: 3, cfg_scale: 2, width: 32, height: 32, seed: 3 };
    const fromDisk = await opened.pipeline.textToImage(task);
    const memory = await openTinyDiffusion();
    const inMemory = await new DiffusionPipeline(memory).textToImage(task);
    expect(sha(fromDisk.png)).toBe(sha(inMemory.png));
    await Promise.all([opened.release(), memory.release()]);
  });

  it('opens the SDXL layout (text_encoder_2, tokenizer_2) with both encoders', async () => {
    const sdxlDir = await mkdtemp(join(tmpdir(), 'sdxl-export-'));
    try {
      const bytes = tinyDiffusionModelBytes({ sdxl: true });
      const parts: [string, Uint8Array | undefined][] = [
        ['text_encoder', bytes.textEncoder],
        ['text_encoder_2', bytes.textEncoder2],
        ['unet', bytes.unet],
        ['vae_decoder', bytes.vaeDecoder],
      ];
      for (const [name, data] of parts) {
        await mkdir(join(sdxlDir, name), { recursive: true });
        await writeFile(join(sdxlDir, name, 'model.onnx'), data as Uint8Array);
      }
      for (const name of ['tokenizer', 'tokenizer_2']) {
        await mkdir(join(sdxlDir, name));
        await writeFile(
          join(sdxlDir, name, 'tokenizer.json'),
          JSON.stringify(buildTinyTokenizer(384).tokenizerJson),
        );
      }
      const runtime = parseRuntimeConfig({ providers: ['cpu'], intraOpNumThreads: 1 });
      const opened = await openDiffusionPipeline({
        dir: sdxlDir,
        runtime,
        tokenizer: tokenizerOptions,
      });
      expect(Object.keys(opened.devices)).toEqual([
        'text_encoder',
        'text_encoder_2',
        'unet',
        'vae_decoder',
      ]);
      const text = await opened.pipeline.encodePrompt('a harbour', '', true, {
        width: 32,
        height: 32,
      });
      expect(text.context.dims).toEqual([2, 16, 56]);
      const task = { prompt: 'a harbour', steps: 2, cfg_scale: 2, width: 32, height: 32, seed: 4 };
      const memory = await openTinyDiffusion({ sdxl: true });
      const expected = await new DiffusionPipeline(memory).textToImage(task);
      expect(sha((await opened.pipeline.textToImage(task)).png)).toBe(sha(expected.png));
      await Promise.all([opened.release(), memory.release()]);
    } finally {
      await rm(sdxlDir, { recursive: true, force: true });
    }
  });

  it('says which part is missing', async () => {
    const runtime = parseRuntimeConfig({ providers: ['cpu'] });
    await expect(
      openDiffusionPipeline({ dir: join(dir, 'nowhere'), runtime }),
    ).rejects.toMatchObject({
      code: InferenceErrorCode.ModelNotDownloaded,
    });
  });
});
