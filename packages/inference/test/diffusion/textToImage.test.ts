import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffusionPipeline } from '../../src/diffusion/diffusionPipeline';
import { InferenceErrorCode } from '../../src/errors';
import { decodeImage } from '../../src/image/decodeImage';
import { openTinyDiffusion } from '../../src/testModels/diffusion/tinyDiffusion';
import { repoRoot } from './pythonOracle';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('text-to-image on real onnxruntime sessions (tiny SD-shaped models)', () => {
  let models: Awaited<ReturnType<typeof openTinyDiffusion>>;
  beforeAll(async () => {
    models = await openTinyDiffusion();
  });
  afterAll(async () => {
    await models.release();
  });

  const task = {
    prompt: 'a red fox in the snow',
    negative_prompt: 'blurry',
    steps: 4,
    cfg_scale: 3,
    width: 64,
    height: 64,
  };

  it('same task + seed → byte-identical PNG; another seed → a different image', async () => {
    const pipeline = new DiffusionPipeline(models);
    const a = await pipeline.textToImage({ ...task, seed: 42 });
    const b = await new DiffusionPipeline(models).textToImage({ ...task, seed: 42 });
    const c = await pipeline.textToImage({ ...task, seed: 43 });
    expect(sha(a.png)).toBe(sha(b.png));
    expect(sha(a.png)).not.toBe(sha(c.png));
    expect([a.image.width, a.image.height]).toEqual([64, 64]);
    const decoded = await decodeImage(a.png, { maxPixels: 1 << 20 });
    expect(Buffer.from(decoded.data).equals(Buffer.from(a.image.data))).toBe(true);
    // Not a flat picture: the model and noise reach the pixels.
    expect(new Set(a.image.data).size).toBeGreaterThan(50);
    const differing = a.image.data.reduce((n, v, i) => n + (v === c.image.data[i] ? 0 : 1), 0);
    expect(differing).toBeGreaterThan(a.image.data.length / 2);
  });

  it('another process (another thread count) reproduces the PNG byte for byte', async () => {
    const params = { ...task, seed: 77 };
    const scheduler = { kind: 'euler_ancestral' as const };
    const here = sha((await new DiffusionPipeline(models, { scheduler }).textToImage(params)).png);
    const script = join(dirname(fileURLToPath(import.meta.url)), 'generateOnce.ts');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, JSON.stringify({ params, scheduler }), '2'],
      { cwd: repoRoot },
    );
    expect(stdout).toBe(here);
  });

  it('the prompt and the guidance scale change the image; cfg ≤ 1 runs one UNet pass per step', async () => {
    const pipeline = new DiffusionPipeline(models);
    const base = await pipeline.textToImage({ ...task, seed: 7 });
    const otherPrompt = await pipeline.textToImage({ ...task, prompt: 'a blue whale', seed: 7 });
    const unguided = await pipeline.textToImage({ ...task, cfg_scale: 1, seed: 7 });
    const unguidedNeg = await pipeline.textToImage({
      ...task,
      cfg_scale: 1,
      negative_prompt: 'other',
      seed: 7,
    });
    expect(sha(otherPrompt.png)).not.toBe(sha(base.png));
    expect(sha(unguided.png)).not.toBe(sha(base.png));
    // Without guidance the negative prompt is not used at all.
    expect(sha(unguidedNeg.png)).toBe(sha(unguided.png));
  });

  for (const kind of ['euler', 'euler_ancestral', 'ddim', 'lcm'] as const) {
    it(`${kind}: reproducible, reports each step`, async () => {
      const pipeline = new DiffusionPipeline(models, { scheduler: { kind } });
      const seen: number[] = [];
      const a = await pipeline.textToImage(
        { ...task, seed: 5 },
        { onStep: (p) => seen.push(p.timestep) },
      );
      const b = await pipeline.textToImage({ ...task, seed: 5 });
      expect(sha(a.png)).toBe(sha(b.png));
      expect(a.stepsRun).toBe(4);
      expect(a.stepTimesMs).toHaveLength(4);
      expect(seen).toEqual(kind === 'lcm' ? [999, 759, 499, 259] : [751, 501, 251, 1]);
    });
  }

  it('cancels between steps with INFERENCE_CANCELLED', async () => {
    const pipeline = new DiffusionPipeline(models);
    const controller = new AbortController();
    const run = pipeline.textToImage(
      { ...task, seed: 1 },
      { signal: controller.signal, onStep: (p) => p.step === 2 && controller.abort() },
    );
    await expect(run).rejects.toMatchObject({
      code: InferenceErrorCode.Cancelled,
      message: 'cancelled before step 3 of 4',
    });
  });

  it('refuses bad parameters as a bad request', async () => {
    const pipeline = new DiffusionPipeline(models);
    await expect(pipeline.textToImage({ ...task, width: 60, seed: 1 })).rejects.toMatchObject({
      code: InferenceErrorCode.BadRequest,
    });
    await expect(pipeline.textToImage({ ...task, seed: -1 })).rejects.toMatchObject({
      code: InferenceErrorCode.BadRequest,
    });
  });
});
