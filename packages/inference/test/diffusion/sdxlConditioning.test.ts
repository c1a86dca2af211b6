import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffusionPipeline } from '../../src/diffusion/diffusionPipeline';
import { LoraInputs } from '../../src/diffusion/loraInputs';
import * as ort from '../../src/runtime/ort';
import { openTinyDiffusion } from '../../src/testModels/diffusion/tinyDiffusion';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
function floats(t: ort.Tensor | undefined): Float32Array {
  if (!t) throw new Error('missing tensor');
  return t.data as Float32Array;
}

describe('SDXL-style conditioning: two text encoders, pooled text_embeds, time_ids', () => {
  let models: Awaited<ReturnType<typeof openTinyDiffusion>>;
  beforeAll(async () => {
    models = await openTinyDiffusion({ sdxl: true });
  });
  afterAll(async () => {
    await models.release();
  });

  it('joins both encoders’ states, feeds the second one’s pooled output and the size', async () => {
    const pipeline = new DiffusionPipeline(models, { vaeScalingFactor: 0.13025 });
    const text = await pipeline.encodePrompt('a castle', 'rain', true, { width: 48, height: 32 });
    expect(text.context.dims).toEqual([2, 16, 56]);
    expect(text.extra.text_embeds?.dims).toEqual([2, 24]);
    expect(Array.from(text.extra.time_ids?.data as Float32Array)).toEqual([
      32, 48, 0, 0, 32, 48, 32, 48, 0, 0, 32, 48,
    ]);
    // The joined states are each encoder's penultimate layer (here hidden_states.0), side by
    // side (checked on row 1, token 3).
    const ids = models.tokenizer.encode('a castle');
    const run = async (session: ort.InferenceSession | undefined) =>
      session
        ? await session.run({
            input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, 16]),
            ...new LoraInputs(session).feeds(),
          })
        : {};
    const first = floats((await run(models.textEncoder))['hidden_states.0']);
    const second = await run(models.textEncoder2);
    const joined = (text.context.data as Float32Array).subarray((16 + 3) * 56, (16 + 4) * 56);
    expect(Array.from(joined.subarray(0, 32))).toEqual(Array.from(first.subarray(3 * 32, 4 * 32)));
    expect(Array.from(joined.subarray(32))).toEqual(
      Array.from(floats(second['hidden_states.0']).subarray(3 * 24, 4 * 24)),
    );
    expect(Array.from(floats(text.extra.text_embeds).subarray(24))).toEqual(
      Array.from(second.pooler_output?.data as Float32Array),
    );
  });

  it('generates reproducibly; the prompt reaches the UNet through both encoders', async () => {
    const pipeline = new DiffusionPipeline(models, {
      vaeScalingFactor: 0.13025,
      scheduler: { timestepSpacing: 'trailing' },
    });
    const task = {
      prompt: 'a castle',
      negative_prompt: 'rain',
      steps: 4,
      cfg_scale: 4,
      width: 48,
      height: 32,
      seed: 8,
    };
    const a = await pipeline.textToImage(task);
    const b = await pipeline.textToImage(task);
    const c = await pipeline.textToImage({ ...task, prompt: 'a meadow' });
    expect([a.image.width, a.image.height]).toEqual([48, 32]);
    expect(sha(a.png)).toBe(sha(b.png));
    expect(sha(a.png)).not.toBe(sha(c.png));
  });
});
