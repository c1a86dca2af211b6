import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../../src/errors';
import type { FluxPipeline } from '../../src/flux/fluxPipeline';
import { openFluxPipeline } from '../../src/flux/openFluxPipeline';
import { imagePositionIds, packLatents, unpackLatents } from '../../src/flux/packedLatents';
import { AdapterStore } from '../../src/lora/adapterStore';
import { readSafetensors } from '../../src/lora/safetensors';
import { writeTestAdapter } from '../../src/testing/loraFixtures';
import {
  bytes,
  fixtureAdapters,
  fixtures,
  fluxDir,
  loadReference,
  maxAbsDiff,
  runtime,
} from './fluxReference';

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

describe('Flux LoRA adapters on the transformer (tiny dev export)', () => {
  let dev: Awaited<ReturnType<typeof openFluxPipeline>>;
  let adapted: Awaited<ReturnType<typeof openFluxPipeline>>;
  let withAdapters: FluxPipeline;
  let store: AdapterStore;
  let dir: string;
  const paths: Record<string, { path: string; alpha?: number }> = {};
  beforeAll(async () => {
    dev = await openFluxPipeline({ dir: fluxDir('dev'), runtime });
    dir = await mkdtemp(join(tmpdir(), 'flux-lora-'));
    const reference = await loadReference();
    const style = reference.loras['dev-style'];
    if (!style) throw new Error('the fixture has no dev-style adapter');
    paths['dev-style'] = { path: join(fixtures, style.file), alpha: style.alpha };
    const inputs = dev.pipeline.loraInputs;
    const targets = inputs.map((i) => i.target);
    paths.zero = {
      path: (
        await writeTestAdapter({
          dir,
          name: 'zero',
          inputs,
          targets,
          rank: 4,
          alpha: 4,
          seed: 1,
          zeroB: true,
        })
      ).path,
    };
    // One feed-forward only (16 → 64): every other target is fed zeros.
    paths.ff = {
      path: (
        await writeTestAdapter({
          dir,
          name: 'ff',
          inputs,
          targets: ['transformer.transformer_blocks.0.ff.net.0.proj'],
          rank: 2,
          alpha: 2,
          seed: 2,
        })
      ).path,
    };
    store = new AdapterStore({
      inputs,
      budgetBytes: 1 << 20,
      resolve: async (id) => paths[id],
    });
    adapted = await openFluxPipeline({
      dir: fluxDir('dev'),
      runtime,
      pipeline: { adapters: store },
    });
    withAdapters = adapted.pipeline;
  });
  afterAll(async () => {
    await dev?.release();
    await adapted?.release();
    await rm(dir, { recursive: true, force: true });
  });

  it('the transformer has the LoRA inputs diffusers Flux LoRA files target', async () => {
    const reference = await loadReference();
    const inputs = dev.pipeline.loraInputs;
    expect(inputs).toHaveLength(15);
    expect(inputs.map((i) => i.target).sort()).toEqual(reference.loras['dev-style']?.targets);
    const byTarget = new Map(inputs.map((i) => [i.target, [i.inDim, i.outDim]]));
    expect(byTarget.get('transformer.transformer_blocks.0.attn.to_q')).toEqual([16, 16]);
    expect(byTarget.get('transformer.transformer_blocks.0.attn.to_out.0')).toEqual([16, 16]);
    expect(byTarget.get('transformer.transformer_blocks.0.ff.net.0.proj')).toEqual([16, 64]);
    expect(byTarget.get('transformer.transformer_blocks.0.ff_context.net.2')).toEqual([64, 16]);
    expect(byTarget.get('transformer.single_transformer_blocks.0.attn.to_v')).toEqual([16, 16]);
    // The same targets on the schnell export (another transformer, same widths).
    const schnell = await openFluxPipeline({ dir: fluxDir('schnell'), runtime });
    try {
      expect(schnell.pipeline.loraInputs).toEqual(inputs);
    } finally {
      await schnell.release();
    }
  });

  it('an adapter changes the image; none, or B = 0, gives the plain image', async () => {
    const plain = await dev.pipeline.textToImage({ ...task, cfg_scale: 3.5 });
    const none = await withAdapters.textToImage({ ...task, cfg_scale: 3.5 });
    const zero = await withAdapters.textToImage({ ...task, cfg_scale: 3.5, lora: 'zero' });
    const styled = await withAdapters.textToImage({ ...task, cfg_scale: 3.5, lora: 'dev-style' });
    const again = await withAdapters.textToImage({ ...task, cfg_scale: 3.5, lora: 'dev-style' });
    const ff = await withAdapters.textToImage({ ...task, cfg_scale: 3.5, lora: 'ff' });
    expect(Buffer.from(none.png).equals(Buffer.from(plain.png))).toBe(true);
    expect(Buffer.from(zero.png).equals(Buffer.from(plain.png))).toBe(true);
    expect(Buffer.from(again.png).equals(Buffer.from(styled.png))).toBe(true);
    expect(maxAbsDiff(styled.image.data, plain.image.data)).toBeGreaterThan(16);
    expect(maxAbsDiff(ff.image.data, plain.image.data)).toBeGreaterThan(2);
    expect(maxAbsDiff(ff.image.data, styled.image.data)).toBeGreaterThan(2);
    // A plain run after adapted ones is the plain image again (nothing sticks to the session).
    const after = await withAdapters.textToImage({ ...task, cfg_scale: 3.5 });
    expect(Buffer.from(after.png).equals(Buffer.from(plain.png))).toBe(true);
    expect(store.stats().loads).toBe(3);

    const init_image = await bytes('flux/inputs/image.png');
    const img = { ...task, width: 64, height: 64, steps: 3, image_strength: 0.7, init_image };
    const imgPlain = await withAdapters.imageToImage(img);
    const imgStyled = await withAdapters.imageToImage({ ...img, lora: 'dev-style' });
    expect(maxAbsDiff(imgStyled.image.data, imgPlain.image.data)).toBeGreaterThan(2);
  }, 120_000);

  it('an unknown adapter, or any adapter asked of a pipeline without adapters, is UnknownAdapter', async () => {
    const steps: number[] = [];
    const control = { onStep: (s: { step: number }) => steps.push(s.step) };
    await expect(
      dev.pipeline.textToImage({ ...task, lora: 'dev-style' }, control),
    ).rejects.toMatchObject({
      code: InferenceErrorCode.UnknownAdapter,
      message: "unknown adapter 'dev-style': this model has no adapters",
    });
    await expect(
      dev.pipeline.imageToImage({
        ...task,
        width: 64,
        height: 64,
        image_strength: 0,
        lora: 'dev-style',
        init_image: await bytes('flux/inputs/image.png'),
      }),
    ).rejects.toMatchObject({ code: InferenceErrorCode.UnknownAdapter });
    await expect(
      withAdapters.textToImage({ ...task, lora: 'missing' }, control),
    ).rejects.toMatchObject({
      code: InferenceErrorCode.UnknownAdapter,
      message: expect.stringContaining("'missing'"),
    });
    // Refused before any step ran.
    expect(steps).toEqual([]);
  });

  it('the diffusers file maps onto the inputs: A = lora_Aᵀ, B = (alpha / r) · lora_Bᵀ', async () => {
    const reference = await loadReference();
    const style = reference.loras['dev-style'];
    if (!style) throw new Error('the fixture has no dev-style adapter');
    const file = readSafetensors(await bytes(style.file));
    expect(file.metadata.lora_alpha).toBeUndefined();
    expect(JSON.parse(file.metadata.lora_adapter_metadata ?? '{}')).toMatchObject({
      'transformer.r': 4,
      'transformer.lora_alpha': 8,
    });
    // The loader's wiring: the pipeline gets a source forwarding to a store made after it.
    const wired = fixtureAdapters(reference);
    const opened = await openFluxPipeline({
      dir: fluxDir('dev'),
      runtime,
      pipeline: { adapters: wired.adapters },
    });
    try {
      const adapter = await wired.attach(opened.pipeline.loraInputs).get('dev-style');
      expect(adapter.targets).toHaveLength(15);
      expect(adapter.targets.every((t) => t.rank === 4 && t.alpha === 8 && t.scale === 2)).toBe(
        true,
      );
      const target = 'transformer.transformer_blocks.0.ff.net.0.proj';
      const loraA = file.tensors.get(`${target}.lora_A.weight`);
      const loraB = file.tensors.get(`${target}.lora_B.weight`);
      expect([loraA?.shape, loraB?.shape]).toEqual([
        [4, 16],
        [64, 4],
      ]);
      const a = adapter.feeds.get(`lora.${target}.A`);
      const b = adapter.feeds.get(`lora.${target}.B`);
      expect([a?.dims, b?.dims]).toEqual([
        [16, 4],
        [4, 64],
      ]);
      const [dataA, dataB] = [a?.data as Float32Array, b?.data as Float32Array];
      const [rawA, rawB] = [loraA?.data as Float32Array, loraB?.data as Float32Array];
      // Spot values, exact: a transposition or a missing scale would differ.
      expect(dataA[3 * 4 + 1]).toBe(rawA[1 * 16 + 3]);
      expect(dataB[2 * 64 + 37]).toBe(2 * (rawB[37 * 4 + 2] as number));
      expect(
        Array.from(dataB).map(
          (v, k) => v / 2 - (rawB[(k % 64) * 4 + Math.floor(k / 64)] as number),
        ),
      ).toEqual(new Array(256).fill(0));
    } finally {
      await opened.release();
    }
  });
});
