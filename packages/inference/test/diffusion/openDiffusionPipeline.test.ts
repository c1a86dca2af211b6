import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffusionPipeline } from '../../src/diffusion/diffusionPipeline';
import { openDiffusionPipeline } from '../../src/diffusion/openDiffusionPipeline';
import { InferenceErrorCode } from '../../src/errors';
import type * as ort from '../../src/runtime/ort';
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
        tokenizer2: tokenizerOptions,
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

/** tokenizer_config.json naming the tiny tokenizer's special tokens, 16 positions. */
const tinyTokenizerConfig = {
  bos_token: '<|im_start|>',
  eos_token: '<|im_end|>',
  pad_token: '<|im_end|>',
  model_max_length: 16,
};

/**
 * An SDXL-shaped export as Optimum writes it: parts, tokenizers with their configs,
 * model_index.json, scheduler/scheduler_config.json and vae_decoder/config.json.
 */
async function writeSdxlExport(dir: string, options: { forceZeros: boolean }): Promise<void> {
  const bytes = tinyDiffusionModelBytes({ sdxl: true });
  const files: [string, Uint8Array | string][] = [
    ['text_encoder/model.onnx', bytes.textEncoder],
    ['text_encoder_2/model.onnx', bytes.textEncoder2 as Uint8Array],
    ['unet/model.onnx', bytes.unet],
    ['vae_decoder/model.onnx', bytes.vaeDecoder],
    ['vae_decoder/config.json', JSON.stringify({ scaling_factor: 0.13025, shift_factor: null })],
    [
      'model_index.json',
      JSON.stringify({
        _class_name: 'StableDiffusionXLPipeline',
        force_zeros_for_empty_prompt: options.forceZeros,
        scheduler: ['diffusers', 'EulerDiscreteScheduler'],
      }),
    ],
    [
      'scheduler/scheduler_config.json',
      JSON.stringify({
        _class_name: 'EulerDiscreteScheduler',
        beta_end: 0.012,
        beta_schedule: 'scaled_linear',
        beta_start: 0.00085,
        num_train_timesteps: 1000,
        prediction_type: 'epsilon',
        steps_offset: 1,
        timestep_spacing: 'trailing',
        use_karras_sigmas: false,
      }),
    ],
  ];
  for (const name of ['tokenizer', 'tokenizer_2']) {
    files.push([`${name}/tokenizer.json`, JSON.stringify(buildTinyTokenizer(384).tokenizerJson)]);
    files.push([`${name}/tokenizer_config.json`, JSON.stringify(tinyTokenizerConfig)]);
  }
  for (const [path, data] of files) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), data);
  }
}

describe('openDiffusionPipeline reads the export’s own files', () => {
  let dir: string;
  const runtime = parseRuntimeConfig({ providers: ['cpu'], intraOpNumThreads: 1 });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sdxl-optimum-'));
    await writeSdxlExport(dir, { forceZeros: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('logs one line of what it read: pipeline, scheduler, VAE, tokenizers, force_zeros', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const opened = await openDiffusionPipeline({ dir, runtime, logger });
    await opened.release();
    const read = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'diffusion export read');
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({
      pipelineClass: 'StableDiffusionXLPipeline',
      requiresSafetyChecker: null,
      scheduler: {
        exported: 'EulerDiscreteScheduler',
        kind: 'euler',
        spacing: 'trailing',
        offset: 1,
        trainTimesteps: 1000,
        betas: [0.00085, 0.012, 'scaled_linear'],
      },
      vaeScalingFactor: 0.13025,
      vaeScalingFrom: 'vae_decoder/config.json',
      tokenizers: [
        { layout: 'tokenizer.json', maxLength: 16, pad: '<|im_end|>' },
        { layout: 'tokenizer.json', maxLength: 16, pad: '<|im_end|>' },
      ],
      forceZerosForEmptyPrompt: true,
    });
  });

  it('force_zeros_for_empty_prompt: an empty negative prompt conditions on zeros', async () => {
    const opened = await openDiffusionPipeline({ dir, runtime });
    const size = { width: 32, height: 32 };
    const zeroRow = (t: ort.Tensor | undefined) => {
      const data = t?.data as Float32Array;
      const row = data.length / 2;
      return [data.subarray(0, row).every((v) => v === 0), data.subarray(row).some((v) => v !== 0)];
    };
    const empty = await opened.pipeline.encodePrompt('a castle', '', true, size);
    expect(empty.context.dims).toEqual([2, 16, 56]);
    expect(zeroRow(empty.context)).toEqual([true, true]);
    expect(zeroRow(empty.extra.text_embeds)).toEqual([true, true]);
    const negative = await opened.pipeline.encodePrompt('a castle', 'rain', true, size);
    expect(zeroRow(negative.context)).toEqual([false, true]);
    // The prompt's row is the same either way.
    expect(Array.from((empty.context.data as Float32Array).subarray(16 * 56))).toEqual(
      Array.from((negative.context.data as Float32Array).subarray(16 * 56)),
    );
    await opened.release();

    const plainDir = await mkdtemp(join(tmpdir(), 'sdxl-optimum-'));
    try {
      await writeSdxlExport(plainDir, { forceZeros: false });
      const plain = await openDiffusionPipeline({ dir: plainDir, runtime });
      const encoded = await plain.pipeline.encodePrompt('a castle', '', true, size);
      expect(zeroRow(encoded.context)).toEqual([false, true]);
      const task = { prompt: 'a castle', steps: 2, cfg_scale: 4, width: 32, height: 32, seed: 4 };
      const zeroed = await openDiffusionPipeline({ dir, runtime });
      const a = await zeroed.pipeline.textToImage(task);
      const b = await plain.pipeline.textToImage(task);
      expect(sha(a.png)).not.toBe(sha(b.png));
      await Promise.all([plain.release(), zeroed.release()]);
    } finally {
      await rm(plainDir, { recursive: true, force: true });
    }
  });

  it('starts from given initial noise when asked (parity runs)', async () => {
    const noise = Float32Array.from({ length: 4 * 4 * 4 }, (_, i) => Math.sin(i));
    const opened = await openDiffusionPipeline({
      dir,
      runtime,
      pipeline: { initialNoise: () => noise.slice() },
    });
    const task = { prompt: 'a castle', steps: 2, cfg_scale: 4, width: 32, height: 32 };
    const a = await opened.pipeline.textToImage({ ...task, seed: 1 });
    const b = await opened.pipeline.textToImage({ ...task, seed: 2 });
    expect(sha(a.png)).toBe(sha(b.png));
    const wrong = await openDiffusionPipeline({
      dir,
      runtime,
      pipeline: { initialNoise: () => new Float32Array(3) },
    });
    await expect(wrong.pipeline.textToImage({ ...task, seed: 1 })).rejects.toThrow(
      'initialNoise gave 3 values for latents of shape [1, 4, 4, 4]',
    );
    await Promise.all([opened.release(), wrong.release()]);
  });

  it('bad exports fail at load, naming the file and what is wrong', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'sdxl-bad-'));
    try {
      await writeSdxlExport(bad, { forceZeros: true });
      await writeFile(join(bad, 'model_index.json'), '{"_class_name": ');
      await expect(openDiffusionPipeline({ dir: bad, runtime })).rejects.toThrow(
        new RegExp(`^${join(bad, 'model_index.json')}: is not valid JSON`),
      );
      await writeFile(
        join(bad, 'model_index.json'),
        JSON.stringify({ _class_name: 'StableDiffusionXLControlNetPipeline' }),
      );
      await expect(openDiffusionPipeline({ dir: bad, runtime })).rejects.toThrow(
        `${join(bad, 'model_index.json')}: _class_name StableDiffusionXLControlNetPipeline needs controlnet/model.onnx, which the export lacks`,
      );
      await rm(join(bad, 'model_index.json'));
      await rm(join(bad, 'tokenizer_2', 'tokenizer.json'));
      await expect(openDiffusionPipeline({ dir: bad, runtime })).rejects.toThrow(
        `${join(bad, 'tokenizer_2')} has no tokenizer: neither tokenizer.json nor vocab.json + merges.txt (missing vocab.json and merges.txt)`,
      );
      await writeSdxlExport(bad, { forceZeros: true });
      await writeFile(
        join(bad, 'unet', 'model.onnx'),
        tinyDiffusionModelBytes({ sdxl: true }).vaeDecoder,
      );
      await expect(openDiffusionPipeline({ dir: bad, runtime })).rejects.toMatchObject({
        code: InferenceErrorCode.ModelShapeUnsupported,
        message: `${bad}: the UNet has no input named sample`,
      });
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});
