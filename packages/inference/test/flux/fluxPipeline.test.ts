import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../../src/errors';
import type { FluxPipeline } from '../../src/flux/fluxPipeline';
import { openFluxPipeline } from '../../src/flux/openFluxPipeline';
import { imagePositionIds, packLatents, unpackLatents } from '../../src/flux/packedLatents';
import { bytes, fluxDir, maxAbsDiff, runtime } from './fluxReference';

const task = { prompt: 'a lighthouse at dawn', steps: 2, width: 64, height: 48, seed: 7 };

describe('Flux pipeline behaviour (tiny exports)', () => {
  let dev: Awaited<ReturnType<typeof openFluxPipeline>>;
  let schnell: Awaited<ReturnType<typeof openFluxPipeline>>;
  beforeAll(async () => {
    dev = await openFluxPipeline({ dir: fluxDir('dev'), runtime });
    schnell = await openFluxPipeline({ dir: fluxDir('schnell'), runtime });
  });
  afterAll(async () => {
    await dev?.release();
    await schnell?.release();
  });

  it('the same seed gives a byte-identical PNG; another seed another image', async () => {
    const p = dev.pipeline;
    const a = await p.textToImage({ ...task, cfg_scale: 3.5 });
    const b = await p.textToImage({ ...task, cfg_scale: 3.5 });
    expect(Buffer.from(b.png).equals(Buffer.from(a.png))).toBe(true);
    const c = await p.textToImage({ ...task, cfg_scale: 3.5, seed: 8 });
    expect(maxAbsDiff(c.image.data, a.image.data)).toBeGreaterThan(2);
    const s1 = await schnell.pipeline.textToImage(task);
    const s2 = await schnell.pipeline.textToImage(task);
    expect(Buffer.from(s2.png).equals(Buffer.from(s1.png))).toBe(true);
  }, 60_000);

  it('the guidance value reaches the guidance-embedding transformer', async () => {
    const a = await dev.pipeline.textToImage({ ...task, cfg_scale: 1 });
    const b = await dev.pipeline.textToImage({ ...task, cfg_scale: 9 });
    expect(maxAbsDiff(a.image.data, b.image.data)).toBeGreaterThan(2);
    // negative_prompt is unused (no classifier-free guidance batch).
    const c = await dev.pipeline.textToImage({ ...task, cfg_scale: 1, negative_prompt: 'fog' });
    expect(Buffer.from(c.png).equals(Buffer.from(a.png))).toBe(true);
  }, 60_000);

  it('guidance asked of a model without a guidance embedding is a cfg_scale BadRequest', async () => {
    const p = schnell.pipeline;
    expect(schnell.settings.guidanceEmbeds).toBe(false);
    await expect(p.textToImage({ ...task, cfg_scale: 3.5 })).rejects.toMatchObject({
      code: InferenceErrorCode.BadRequest,
      message: expect.stringMatching(/^cfg_scale: this model has no guidance embedding/),
    });
    await expect(
      p.imageToImage({
        ...task,
        cfg_scale: 1.5,
        init_image: await bytes('flux/inputs/image.png'),
      }),
    ).rejects.toMatchObject({ code: InferenceErrorCode.BadRequest, message: /^cfg_scale/ });
    // Unset (the schema default), 0 and 1 run unguided, all alike.
    const unset = await p.textToImage(task);
    const zero = await p.textToImage({ ...task, cfg_scale: 0 });
    const one = await p.textToImage({ ...task, cfg_scale: 1 });
    expect(Buffer.from(zero.png).equals(Buffer.from(unset.png))).toBe(true);
    expect(Buffer.from(one.png).equals(Buffer.from(unset.png))).toBe(true);
  }, 60_000);

  it('sizes must pack: width and height multiples of 16 (2 × the VAE scale)', async () => {
    await expect(dev.pipeline.textToImage({ ...task, width: 72 })).rejects.toMatchObject({
      code: InferenceErrorCode.BadRequest,
      message: 'width: must be a multiple of 16 for this model, got 72',
    });
  });

  it('reports each step and stops when cancelled', async () => {
    const controller = new AbortController();
    const steps: number[] = [];
    await expect(
      dev.pipeline.textToImage(
        { ...task, steps: 3 },
        {
          signal: controller.signal,
          onStep: (s) => {
            steps.push(s.step);
            expect(s.steps).toBe(3);
            if (s.step === 2) controller.abort();
          },
        },
      ),
    ).rejects.toMatchObject({ code: InferenceErrorCode.Cancelled });
    expect(steps).toEqual([1, 2]);
  }, 60_000);

  it('image-to-image runs the schedule tail; strength 0 is the VAE round trip', async () => {
    const p: FluxPipeline = dev.pipeline;
    const init_image = await bytes('flux/inputs/image.png');
    const size = { width: 64, height: 64 };
    const tail = await p.imageToImage({
      ...task,
      ...size,
      steps: 5,
      image_strength: 0.6,
      init_image,
    });
    expect(tail.stepsRun).toBe(3);
    const one = await p.imageToImage({
      ...task,
      ...size,
      steps: 5,
      image_strength: 0.1,
      init_image,
    });
    expect(one.stepsRun).toBe(1);
    const none = await p.imageToImage({
      ...task,
      ...size,
      steps: 5,
      image_strength: 0,
      init_image,
    });
    expect(none.stepsRun).toBe(0);
    expect(none.stepTimesMs).toEqual([]);
    expect(maxAbsDiff(none.image.data, tail.image.data)).toBeGreaterThan(2);
  }, 60_000);

  it('packs 2×2 patches channel-major per token and unpacks back', () => {
    const grid = { channels: 2, height: 4, width: 2 };
    const latents = Float32Array.from({ length: 16 }, (_, i) => i);
    const packed = packLatents(latents, grid);
    // Token (0, 0): channel 0's patch (0, 1, 2, 3), then channel 1's (8, 9, 10, 11).
    expect(Array.from(packed.subarray(0, 8))).toEqual([0, 1, 2, 3, 8, 9, 10, 11]);
    expect(Array.from(unpackLatents(packed, grid))).toEqual(Array.from(latents));
    expect(Array.from(imagePositionIds(grid))).toEqual([0, 0, 0, 0, 1, 0]);
  });

  it('a missing transformer folder is ModelNotDownloaded naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flux-missing-'));
    try {
      await cp(fluxDir('dev'), dir, {
        recursive: true,
        filter: (src) => !src.includes(`${join(fluxDir('dev'), 'transformer')}`),
      });
      await expect(openFluxPipeline({ dir, runtime })).rejects.toMatchObject({
        code: InferenceErrorCode.ModelNotDownloaded,
        message: expect.stringContaining('transformer/model.onnx'),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
