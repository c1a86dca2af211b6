import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../../src/errors';
import { DdpmScheduler } from '../../src/kandinsky/ddpmScheduler';
import { openKandinskyPipeline } from '../../src/kandinsky/openKandinskyPipeline';
import { UnclipScheduler } from '../../src/kandinsky/unclipScheduler';
import { runtimeConfigFromEnv } from '../../src/runtime/runtimeConfig';

const here = dirname(fileURLToPath(import.meta.url));
const modelDir = join(here, '..', 'fixtures', 'hf', 'kandinsky', 'model');
const inputImage = join(here, '..', 'fixtures', 'hf', 'kandinsky', 'inputs', 'image.png');
const runtime = runtimeConfigFromEnv(process.env, { intraOpNumThreads: 1 });
const temps: string[] = [];

/** A copy of the fixture export, changed by `edit`. */
async function copyOf(edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kandinsky-'));
  temps.push(dir);
  await cp(modelDir, dir, { recursive: true });
  await edit(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

const task = {
  prompt: 'a lighthouse at dusk',
  negative_prompt: 'blurry',
  steps: 3,
  cfg_scale: 4,
  width: 32,
  height: 32,
  seed: 42,
};

describe('Kandinsky 2.2 pipeline (test/fixtures/hf/kandinsky/model)', () => {
  it('reads the export: schedulers, MoVQ scale, size rule, CLIP statistics', async () => {
    const opened = await openKandinskyPipeline({ dir: modelDir, runtime });
    try {
      const s = opened.settings;
      expect(s.decoderClass).toBe('KandinskyV22Pipeline');
      expect(s.priorClass).toBe('KandinskyV22PriorPipeline');
      expect(s.decoderScheduler).toMatchObject({
        varianceType: 'learned_range',
        betaSchedule: 'linear',
        timestepSpacing: 'leading',
        stepsOffset: 1,
        clipSample: undefined,
      });
      expect(s.priorScheduler).toEqual({
        trainTimesteps: 1000,
        varianceType: 'fixed_small_log',
        clipSample: 10,
        prediction: 'sample',
      });
      expect([s.movqScaleFactor, s.unetDownsamplings, s.sizeMultiple]).toEqual([2, 1, 4]);
      expect([s.embeddingDim, s.clipStd.length, s.zeroImageEmbeds.length]).toEqual([4, 4, 4]);
      expect(Object.keys(opened.devices).sort()).toEqual([
        'movq_decoder',
        'movq_encoder',
        'prior/prior',
        'prior/text_encoder',
        'unet',
      ]);
    } finally {
      await opened.release();
    }
  });

  it('the same seed gives the same PNG, another seed another; progress covers both stages', async () => {
    const opened = await openKandinskyPipeline({
      dir: modelDir,
      runtime,
      pipeline: { priorSteps: 2 },
    });
    try {
      const steps: number[] = [];
      const a = await opened.pipeline.textToImage(task, { onStep: (s) => steps.push(s.step) });
      const b = await opened.pipeline.textToImage(task);
      const c = await opened.pipeline.textToImage({ ...task, seed: 43 });
      expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(true);
      expect(Buffer.from(a.png).equals(Buffer.from(c.png))).toBe(false);
      expect([a.image.width, a.image.height]).toEqual([32, 32]);
      expect(steps).toEqual([1, 2, 3, 4, 5]);
      expect(a.stepsRun).toBe(5);

      const image = new Uint8Array(await readFile(inputImage));
      const i1 = await opened.pipeline.imageToImage({
        ...task,
        init_image: image,
        image_strength: 0.7,
      });
      const i2 = await opened.pipeline.imageToImage({
        ...task,
        init_image: image,
        image_strength: 0.7,
      });
      expect(Buffer.from(i1.png).equals(Buffer.from(i2.png))).toBe(true);
      expect(i1.stepsRun).toBe(2 + 2);
      const roundTrip = await opened.pipeline.imageToImage({
        ...task,
        init_image: image,
        image_strength: 0,
      });
      expect(roundTrip.stepsRun).toBe(0);
    } finally {
      await opened.release();
    }
  }, 60_000);

  it('stops when cancelled', async () => {
    const opened = await openKandinskyPipeline({
      dir: modelDir,
      runtime,
      pipeline: { priorSteps: 2 },
    });
    try {
      const abort = new AbortController();
      abort.abort();
      await expect(
        opened.pipeline.textToImage(task, { signal: abort.signal }),
      ).rejects.toMatchObject({
        code: InferenceErrorCode.Cancelled,
      });
    } finally {
      await opened.release();
    }
  });

  it('an export without the prior is refused, naming the prior', async () => {
    const dir = await copyOf((d) => rm(join(d, 'prior'), { recursive: true }));
    await expect(openKandinskyPipeline({ dir, runtime })).rejects.toMatchObject({
      code: InferenceErrorCode.ModelNotDownloaded,
      message: expect.stringMatching(/^prior: .*prior\/prior\/model\.onnx/),
    });
  });

  it('an export without the UNet is refused, naming its folder', async () => {
    const dir = await copyOf((d) => rm(join(d, 'unet', 'model.onnx')));
    await expect(openKandinskyPipeline({ dir, runtime })).rejects.toMatchObject({
      code: InferenceErrorCode.ModelNotDownloaded,
      message: expect.stringContaining('unet/model.onnx'),
    });
  });

  it('refuses a width or height the MoVQ and UNet cannot take, naming it', async () => {
    // Four MoVQ blocks: scale 8, so sides must be multiples of 64.
    const dir = await copyOf(async (d) => {
      const file = join(d, 'movq_decoder', 'config.json');
      const config = JSON.parse(await readFile(file, 'utf8'));
      config.block_out_channels = [32, 32, 32, 32];
      await writeFile(file, JSON.stringify(config));
    });
    const opened = await openKandinskyPipeline({ dir, runtime });
    try {
      expect(opened.settings.sizeMultiple).toBe(64);
      await expect(opened.pipeline.textToImage({ ...task, width: 96 })).rejects.toMatchObject({
        code: InferenceErrorCode.BadRequest,
        message: expect.stringMatching(/^width 96 must be a multiple of 64/),
      });
      await expect(
        opened.pipeline.textToImage({ ...task, height: 32, width: 64 }),
      ).rejects.toMatchObject({
        code: InferenceErrorCode.BadRequest,
        message: expect.stringMatching(/^height 32/),
      });
    } finally {
      await opened.release();
    }
  });
});

describe('Kandinsky schedulers', () => {
  it('UnCLIP spaces N steps over [T-1, 0] rounding half to even, and needs two steps', () => {
    const config = {
      trainTimesteps: 1000,
      varianceType: 'fixed_small_log' as const,
      clipSample: 10,
      prediction: 'sample' as const,
    };
    expect(Array.from(new UnclipScheduler(config, 3).timesteps)).toEqual([999, 500, 0]);
    expect(Array.from(new UnclipScheduler(config, 5).timesteps)).toEqual([999, 749, 500, 250, 0]);
    expect(() => new UnclipScheduler(config, 1)).toThrow(RangeError);
  });

  it('DDPM leading spacing with offset 1, and the tail keeps each step’s target', () => {
    const scheduler = DdpmScheduler.create(
      {
        trainTimesteps: 1000,
        betaStart: 0.00085,
        betaEnd: 0.012,
        betaSchedule: 'linear',
        varianceType: 'learned_range',
        prediction: 'epsilon',
        clipSample: undefined,
        timestepSpacing: 'leading',
        stepsOffset: 1,
      },
      4,
    );
    expect(Array.from(scheduler.timesteps)).toEqual([751, 501, 251, 1]);
    expect(Array.from(scheduler.tail(2).timesteps)).toEqual([251, 1]);
    const sample = new Float32Array([0.5, -0.5]);
    // The last step (t = 1 → -1 after it) still adds noise; without the variance it refuses.
    const model = new Float32Array([0.1, 0.2, 0, 0]);
    const noisy = scheduler.step(model, 3, sample, () => new Float32Array([1, 1]));
    const quiet = scheduler.step(model, 3, sample, () => new Float32Array([0, 0]));
    expect(noisy[0]).toBeGreaterThan(quiet[0] as number);
    expect(() =>
      scheduler.step(model.subarray(0, 2), 3, sample, () => new Float32Array(2)),
    ).toThrow(RangeError);
  });
});
