/**
 * Diffusion on the CPU provider with the tiny SD-shaped UNet, scaled up: seconds per UNet step
 * (guided: batch 2) and per full text-to-image run, next to the CPU's matrix-multiply throughput
 * measured in the same run through onnxruntime (one big MatMul), the two taking turns (ROUNDS
 * rounds, row.ts `interleaved`). The UNet's arithmetic is counted from its shapes, so the ratio
 * says how close the pipeline runs to what the hardware gives (below 1: a share of it).
 *
 *   pnpm bench --only diffusion.bench.ts
 *   (BENCH_CHANNELS=128 BENCH_SIZE=512 BENCH_THREADS=2 BENCH_ROUNDS=5 to resize;
 *   BENCH_PROVIDER=cuda on a GPU)
 */

import { emitRow, interleaved, medianOf } from '../../../scripts/bench/row';
import { createScheduler, schedulerConfigSchema } from '../src/diffusion/createScheduler';
import { denoise } from '../src/diffusion/denoiseLoop';
import { DiffusionPipeline } from '../src/diffusion/diffusionPipeline';
import { createRng } from '../src/random/xoshiro128';
import * as ort from '../src/runtime/ort';
import { OnnxGraph } from '../src/testing/onnxGraph';
import { openTinyDiffusion } from '../src/testModels/diffusion/tinyDiffusion';
import { defaultTinyTextEncoderConfig } from '../src/testModels/diffusion/tinyTextEncoder';

const C = Number(process.env.BENCH_CHANNELS ?? 64);
const SIZE = Number(process.env.BENCH_SIZE ?? 256);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const STEPS = 4;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Full text-to-image runs timed (after one warm-up). */
const FULL_RUNS = 3;
const h = SIZE / 8;
const hw = h * h;
const S = defaultTinyTextEncoderConfig.seqLength;
const E = defaultTinyTextEncoderConfig.hidden;

// Reference: one N×N×N float32 MatMul through onnxruntime on the same threads.
const N = 512;
const g = new OnnxGraph('matmul');
const a = g.input('a', 'float32', [N, N]);
const b = g.input('b', 'float32', [N, N]);
g.output(g.op('MatMul', [a, b], {}, 'c'), 'float32', [N, N]);
const PROVIDER = process.env.BENCH_PROVIDER ?? 'cpu';
const sessionOptions = { executionProviders: [PROVIDER], intraOpNumThreads: THREADS };
const mm = await ort.InferenceSession.create(g.toBytes(17), sessionOptions);
const rng = createRng(1);
const feeds = {
  a: new ort.Tensor('float32', rng.fillNormal(new Float32Array(N * N)), [N, N]),
  b: new ort.Tensor('float32', rng.fillNormal(new Float32Array(N * N)), [N, N]),
};
const matmulFlops = 2 * N ** 3;

// The UNet step: batch 2 (classifier-free guidance), counted multiply-adds × 2 per sample.
const models = await openTinyDiffusion({
  unet: { channels: C },
  threads: THREADS,
  providers: [PROVIDER],
});
const pipeline = new DiffusionPipeline(models);
const flopsPerSample =
  2 * (4 * C * 9 * hw) + // conv in
  2 * hw * C * C * 2 + // to_q, to_out
  2 * S * E * C * 2 + // to_k, to_v
  2 * hw * S * C * 2 + // scores, weighted values
  2 * (C * 4 * 9 * hw); // conv out
const flopsPerStep = 2 * flopsPerSample;
const scheduler = createScheduler(schedulerConfigSchema.parse({}), STEPS);
const { context, extra } = await pipeline.encodePrompt('a lighthouse at dusk', 'fog', true, {
  width: SIZE,
  height: SIZE,
});
const latents = createRng(2).fillNormal(new Float32Array(4 * hw));
let stepTimes: number[] = [];
const secondsOf = async (fn: () => Promise<unknown>) => {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
};
// Seconds of 4 guided steps, and of one matmul, in turn.
const rounds = await interleaved(
  ROUNDS,
  () =>
    secondsOf(async () => {
      const r = await denoise({
        unet: pipeline.unet,
        scheduler,
        latents,
        dims: [1, 4, h, h],
        context,
        extra,
        guidance: 3,
        noise: createRng(3),
      });
      stepTimes = r.stepTimesMs;
    }),
  () => secondsOf(() => mm.run(feeds)),
);
const denoiseSeconds = medianOf(rounds.ours);
const mmSeconds = medianOf(rounds.reference);
const stepSeconds = denoiseSeconds / STEPS;
const stepGflops = flopsPerStep / stepSeconds / 1e9;
const matmulGflops = matmulFlops / mmSeconds / 1e9;
const fullRun = () =>
  secondsOf(() =>
    pipeline.textToImage({
      prompt: 'a lighthouse at dusk',
      steps: STEPS,
      cfg_scale: 3,
      width: SIZE,
      height: SIZE,
      seed: 1,
    }),
  );
await fullRun();
const fullSamples: number[] = [];
for (let i = 0; i < FULL_RUNS; i++) fullSamples.push(await fullRun());
const fullSeconds = medianOf(fullSamples);
await models.release();
await mm.release();

const row = (name: string, value: string, note = '') =>
  console.log(`${name.padEnd(34)} ${value.padStart(14)}  ${note}`);
console.log(
  `diffusion bench: UNet channels ${C}, image ${SIZE}x${SIZE} (latents ${h}x${h}), ${THREADS} thread(s), ${STEPS} steps, cfg on`,
);
row(
  'matmul reference',
  `${matmulGflops.toFixed(2)} GFLOP/s`,
  `${N}x${N}x${N} float32, median of ${ROUNDS} ${(mmSeconds * 1000).toFixed(2)} ms`,
);
row(
  'UNet step (batch 2)',
  `${stepSeconds.toFixed(4)} s/step`,
  `last run per step: ${stepTimes.map((t) => t.toFixed(1)).join(', ')} ms`,
);
row('UNet arithmetic per step', `${(flopsPerStep / 1e9).toFixed(3)} GFLOP`);
row(
  'UNet step throughput',
  `${stepGflops.toFixed(2)} GFLOP/s`,
  `ratio to matmul: ${(stepGflops / matmulGflops).toFixed(3)}`,
);
row(
  'text-to-image (encode+steps+VAE+PNG)',
  `${fullSeconds.toFixed(3)} s`,
  `ratio to 4 steps alone: ${(fullSeconds / denoiseSeconds).toFixed(2)}`,
);

const shape = `tiny SD-shaped UNet (${C} channels), ${SIZE}x${SIZE}`;
const cores = PROVIDER === 'cpu' ? { cores: THREADS } : {};
emitRow({
  group: 'diffusion',
  path: `UNet step (batch 2), ${shape}`,
  unit: 'GFLOP/s',
  higherIsBetter: true,
  ours: {
    label: 'ours, denoise loop',
    samples: rounds.ours.map((s) => (flopsPerStep * STEPS) / s / 1e9),
    ...cores,
  },
  reference: {
    label: `onnxruntime MatMul ${N}x${N}x${N} float32 (${PROVIDER})`,
    samples: rounds.reference.map((s) => matmulFlops / s / 1e9),
    ...cores,
  },
  note: `The reference is what the hardware gives: the ratio is the share of it one step reaches (${(flopsPerStep / 1e9).toFixed(3)} GFLOP per step, counted from the shapes; ${stepSeconds.toFixed(4)} s per step).`,
});
emitRow({
  group: 'diffusion',
  path: `text-to-image: encode, ${STEPS} steps, VAE, PNG; ${shape}`,
  unit: 's',
  higherIsBetter: false,
  ours: { label: 'ours', samples: fullSamples, ...cores },
  reference: null,
  note: `No reference runs this pipeline here; the ${STEPS} steps alone take ${((100 * denoiseSeconds) / fullSeconds).toFixed(0)}% of it.`,
});
