import { describe, expect, it } from 'vitest';
import type { DiffusionResult } from '../../src/diffusion/diffusionTypes';
import { flowMatchSchedule, transformerTimestep } from '../../src/flux/flowMatchSchedule';
import { openFluxPipeline } from '../../src/flux/openFluxPipeline';
import { decodeImage } from '../../src/image/decodeImage';
import {
  bytes,
  type FluxCase,
  fixtureAdapters,
  floats,
  fluxDir,
  loadReference,
  maxAbsDiff,
  runtime,
  taskOf,
} from './fluxReference';

/**
 * Parity with diffusers 0.39's FluxPipeline / FluxImg2ImgPipeline on the committed tiny
 * random-weight exports (test/fixtures/hf/flux): each export is opened as written, each case runs
 * from diffusers' own initial noise, and the schedule, the text conditioning and the image must
 * equal diffusers' (sigmas and timesteps within 1e-6, the image within 2 grey levels). A case
 * with `lora` runs with diffusers' LoRA file (load_lora_weights) through the package's adapter
 * store.
 */
describe('Flux exports run as diffusers runs them (test/fixtures/hf/flux)', async () => {
  const reference = await loadReference();

  it('has the four committed cases', () => {
    expect(Object.keys(reference.cases).sort()).toEqual([
      'flux-img2img',
      'flux-lora-txt2img',
      'flux-schnell-txt2img',
      'flux-txt2img',
    ]);
    expect(reference.cases['flux-lora-txt2img']?.lora).toBe('dev-style');
  });

  for (const [name, c] of Object.entries(reference.cases)) {
    it(`${name}: the schedule, text conditioning and image equal diffusers'`, async () => {
      const noise = await floats(c.initial_noise.file);
      const seen: number[][] = [];
      const adapters = fixtureAdapters(reference);
      const opened = await openFluxPipeline({
        dir: fluxDir(c.model_dir.endsWith('dev') ? 'dev' : 'schnell'),
        runtime,
        pipeline: {
          initialNoise: (task) => {
            seen.push([...task.dims]);
            return noise.slice();
          },
          adapters: adapters.adapters,
        },
      });
      const store = adapters.attach(opened.pipeline.loraInputs);
      try {
        expectSettings(opened.settings, c);

        // The schedule, as the scheduler set it and as the loop fed it.
        const schedule = flowMatchSchedule(
          opened.settings.scheduler,
          c.num_inference_steps,
          c.image_seq_len,
        );
        expect(maxAbsDiff(schedule.sigmas, c.scheduler_sigmas)).toBeLessThanOrEqual(1e-6);
        expect(maxAbsDiff(schedule.timesteps, c.scheduler_timesteps)).toBeLessThanOrEqual(1e-6);
        if (c.mu === null) expect(schedule.mu).toBeUndefined();
        else expect(schedule.mu).toBeCloseTo(c.mu, 12);
        const run = schedule.timesteps.slice(c.num_inference_steps - c.timesteps_run.length);
        expect(run).toEqual(c.timesteps_run);
        expect(run.map((t) => transformerTimestep(t))).toEqual(c.transformer_timesteps);

        // CLIP's pooled output and T5's states.
        const text = await opened.pipeline.encodePrompt(c.prompt);
        const tc = c.text_conditioning;
        expect(text.embeds.dims).toEqual(tc.prompt_embeds.shape);
        const embeds = await floats(tc.prompt_embeds.file);
        expect(maxAbsDiff(text.embeds.data as Float32Array, embeds)).toBeLessThan(1e-4);
        const pooled = await floats(tc.pooled_prompt_embeds.file);
        expect(maxAbsDiff(text.pooled.data as Float32Array, pooled)).toBeLessThan(1e-4);

        let result: DiffusionResult;
        const steps: number[] = [];
        const control = { onStep: (p: { step: number }) => steps.push(p.step) };
        if (c.pipeline === 'FluxImg2ImgPipeline') {
          result = await opened.pipeline.imageToImage(
            {
              ...taskOf(c),
              init_image: await bytes(c.input_image as string),
              image_strength: c.strength as number,
            },
            control,
          );
        } else {
          result = await opened.pipeline.textToImage(taskOf(c), control);
        }
        expect(seen).toEqual([c.initial_noise.shape]);
        expect(store.stats().loads).toBe(c.lora === undefined ? 0 : 1);
        expect(result.stepsRun).toBe(c.timesteps_run.length);
        expect(steps).toEqual(c.timesteps_run.map((_, i) => i + 1));
        const expected = await decodeImage(await bytes(c.output_image), { maxPixels: 1 << 20 });
        expect([result.image.width, result.image.height]).toEqual([c.width, c.height]);
        expect([expected.width, expected.height]).toEqual([c.width, c.height]);
        const diff = maxAbsDiff(result.image.data, expected.data);
        expect(diff).toBeLessThanOrEqual(2);
        // The random-weight models must actually paint something the noise decides.
        expect(new Set(result.image.data).size).toBeGreaterThan(16);
      } finally {
        await opened.release();
      }
    }, 60_000);
  }
});

function expectSettings(
  s: Awaited<ReturnType<typeof openFluxPipeline>>['settings'],
  c: FluxCase,
): void {
  expect(s.pipelineClass).toBe('FluxPipeline');
  expect(s.guidanceEmbeds).toBe(c.guidance_embeds);
  expect(s.vaeScaleFactor).toBe(c.vae_scale_factor);
  expect(s.vaeScalingFactor).toBe(c.vae_scaling_factor);
  expect(s.vaeShiftFactor).toBe(c.vae_shift_factor);
  expect(s.maxSequenceLength).toBe(c.max_sequence_length);
  expect(s.maxSequenceLengthFrom).toBe('tokenizer_config.json');
  expect(s.scheduler.useDynamicShifting).toBe(c.mu !== null);
}
