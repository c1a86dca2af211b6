/**
 * Our engine against PyTorch on the same models, CPU and threads, measured in the same run and
 * in turn (PyTorch stays running beside us; a round of each, RUNS rounds, row.ts): LLM greedy
 * tokens/s (a ~100M-parameter Qwen2 exported by the project's exporter, against transformers'
 * generate), seconds per guided UNet step (SD 1.5's block structure at half width, against
 * diffusers' UNet2DConditionModel), a Flux-class diffusion transformer's seconds per step and per
 * text-to-image (our FluxPipeline on the committed export test/fixtures/hf/flux/dev, against
 * diffusers' FluxPipeline on the seeded source it was exported from) and seconds per uncrop (our
 * DiffusionPipeline.uncrop on test/fixtures/hf/sd/sd-inpaint, against diffusers'
 * StableDiffusionInpaintPipeline on the same extended canvas and mask, the case of
 * sd/uncrop-reference.json). Ratios above 1 mean we are faster.
 * Needs the export venv (`./dev setup-export`); without it the LLM and UNet paths are skipped
 * and the Flux and uncrop rows time ours alone on the committed exports, saying why there is no
 * reference.
 *
 *   pnpm bench --only torch
 *   (BENCH_THREADS=2 BENCH_TOKENS=32 BENCH_RUNS=5; BENCH_PROVIDER=cuda: both on the GPU where
 *   torch has CUDA; BENCH_TORCH_PARTS=flux,uncrop to run some of llm, unet, flux, uncrop;
 *   BENCH_IMAGE_RUNS=3 rounds for the Flux and uncrop rows; BENCH_FLUX_SIZE=64 (image side)
 *   BENCH_FLUX_STEPS=4, BENCH_FLUX_HEADS=4 BENCH_FLUX_LAYERS=2 for a wider transformer than the
 *   committed one (heads of 128, built and exported in the run); BENCH_UNCROP_SCALE=4 to enlarge
 *   the uncrop image and its extensions)
 *
 *   BENCH_TORCH_PARTS=flux,uncrop pnpm bench --only flux,uncrop
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import {
  emitRow,
  emitSkip,
  interleaved,
  interleavedAll,
  medianOf,
} from '../../../scripts/bench/row';
import { openDiffusionPipeline } from '../src/diffusion/openDiffusionPipeline';
import { UnetModel } from '../src/diffusion/unetModel';
import { openFluxPipeline } from '../src/flux/openFluxPipeline';
import { ChatTokenizer } from '../src/llm/chatTokenizer';
import { DecoderModel } from '../src/llm/decoderModel';
import { LlmEngine } from '../src/llm/llmEngine';
import { createRng } from '../src/random/xoshiro128';
import * as ort from '../src/runtime/ort';
import { parseRuntimeConfig, type RuntimeConfig } from '../src/runtime/runtimeConfig';
import { startPythonReference } from './pythonReference';

const here = dirname(fileURLToPath(import.meta.url));
const python =
  process.env.SUBNET_EXPORT_PYTHON ?? join(here, '../../..', '.venv-export/bin/python');
const THREADS = Number(process.env.BENCH_THREADS ?? cpus().length);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 32);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** A pause before each timed run, so neither side's idle worker threads are still spinning. */
const SETTLE_MS = 50;
const PROVIDER = process.env.BENCH_PROVIDER ?? 'cpu';
const PARTS_ALL = ['llm', 'unet', 'flux', 'uncrop'] as const;
type Part = (typeof PARTS_ALL)[number];
const PARTS = (process.env.BENCH_TORCH_PARTS ?? PARTS_ALL.join(','))
  .split(',')
  .map((p) => p.trim())
  .filter((p) => p.length > 0);
for (const p of PARTS) {
  if (!(PARTS_ALL as readonly string[]).includes(p))
    throw new Error(`BENCH_TORCH_PARTS: unknown part "${p}" (${PARTS_ALL.join(', ')})`);
}
const wants = (part: Part) => PARTS.includes(part);
/** Rounds of the whole-image rows (Flux, uncrop): each round is a full generation per side. */
const IMAGE_RUNS = Number(process.env.BENCH_IMAGE_RUNS ?? 3);
const FLUX_SIZE = Number(process.env.BENCH_FLUX_SIZE ?? 64);
const FLUX_STEPS = Number(process.env.BENCH_FLUX_STEPS ?? 4);
/** 0: the committed tiny export; else a transformer of this many 128-wide heads, built here. */
const FLUX_HEADS = Number(process.env.BENCH_FLUX_HEADS ?? 0);
const FLUX_LAYERS = Number(process.env.BENCH_FLUX_LAYERS ?? 2);
const UNCROP_SCALE = Number(process.env.BENCH_UNCROP_SCALE ?? 1);
const fixtures = join(here, '..', 'test', 'fixtures', 'hf');

const cores = PROVIDER === 'cuda' ? undefined : THREADS;
const withCores = cores ? { cores } : {};
const sessionOptions = {
  executionProviders: [PROVIDER],
  intraOpNumThreads: THREADS,
};
const runtime: RuntimeConfig = parseRuntimeConfig({
  providers: [PROVIDER],
  intraOpNumThreads: THREADS,
});

/** As torch_reference.py's build_flux (ours takes them from its answer when it runs). */
const FLUX_PROMPT = 'a lighthouse on a cliff at dusk, oil painting';
const FLUX_GUIDANCE = 3.5;

interface FluxReference {
  dir: string;
  params: number;
  prompt: string;
  guidance: number;
  size: number;
  steps: number;
  textTokens: number;
  imageTokens: number;
  committed: boolean;
}

interface UncropReference {
  dir: string;
  params: number;
  image: string;
  imageSize: [number, number];
  canvas: [number, number];
  extend: { left: number; right: number; top: number; bottom: number };
  prompt: string;
  negativePrompt: string;
  guidance: number;
  steps: number;
  committed: boolean;
}

interface Reference {
  torch: string;
  diffusers: string;
  device: string;
  llm?: { dir: string; params: number; promptIds: number[]; tokens: number };
  unet?: { dir: string; params: number; latent: number[]; context: number[] };
  flux?: FluxReference;
  uncrop?: UncropReference;
}

/** One timed run on PyTorch's side: its seconds, and for Flux each transformer call's. */
type TorchRun = (what: Part) => Promise<{ seconds: number; steps?: number[] }>;

/** Why PyTorch cannot run here, or undefined when it can. */
function torchMissing(): string | undefined {
  const why = `${python} cannot import torch/diffusers/optimum (create it with ./dev setup-export)`;
  if (!existsSync(python)) return why;
  const status = spawnSync(python, [
    '-c',
    'import torch, diffusers, optimum.exporters.onnx',
  ]).status;
  return status === 0 ? undefined : why;
}

const missing = torchMissing();
if (missing !== undefined) {
  // The Flux and uncrop exports are committed: ours still runs, with no reference beside it.
  const alone = PARTS.filter((p) => p === 'flux' || p === 'uncrop');
  if (alone.length === 0) {
    emitSkip(missing);
    process.exit(0);
  }
  const skipped = PARTS.filter((p) => p === 'llm' || p === 'unet');
  const note = `No reference: ${missing}.${
    skipped.length > 0
      ? ` The ${skipped.join(' and ')} rows need it to build their models and were not run.`
      : ''
  }${
    FLUX_HEADS > 0 || UNCROP_SCALE !== 1
      ? ' BENCH_FLUX_HEADS and BENCH_UNCROP_SCALE need it too: ours ran the committed models and case.'
      : ''
  }`;
  const lines: TableLine[] = [];
  if (wants('flux')) await compareFlux(committedFlux(), undefined, lines, note);
  if (wants('uncrop')) await compareUncrop(await committedUncrop(), undefined, lines, note);
  printTable(lines, undefined);
  process.exit(0);
}

/** Seconds `fn` takes, after the settling pause. */
async function seconds(fn: () => Promise<unknown>): Promise<number> {
  await sleep(SETTLE_MS);
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

const dir = await mkdtemp(join(tmpdir(), 'bench-torch-'));
try {
  console.log(`building and exporting the models for PyTorch and us (${THREADS} threads)...`);
  const torch = await startPythonReference<Reference>(python, [
    join(here, 'torch_reference.py'),
    '--out',
    dir,
    '--threads',
    String(THREADS),
    '--tokens',
    String(TOKENS),
    '--device',
    PROVIDER === 'cuda' ? 'cuda' : 'cpu',
    '--parts',
    PARTS.join(','),
    '--flux-size',
    String(FLUX_SIZE),
    '--flux-steps',
    String(FLUX_STEPS),
    '--flux-heads',
    String(FLUX_HEADS),
    '--flux-layers',
    String(FLUX_LAYERS),
    '--uncrop-scale',
    String(UNCROP_SCALE),
  ]);
  try {
    await compare(torch.ready, async (what) => {
      await sleep(SETTLE_MS);
      return torch.ask<{ seconds: number; steps?: number[] }>(what);
    });
  } finally {
    await torch.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** name, ours, PyTorch, speed-up: the human table printed at the end. */
type TableLine = [string, string, string, string];

async function compare(ref: Reference, torchRun: TorchRun): Promise<void> {
  const torchSeconds = async (what: Part) => (await torchRun(what)).seconds;
  const reference = `PyTorch ${ref.torch} (${ref.device})`;
  const lines: TableLine[] = [];
  if (ref.llm) await compareLlm(ref.llm, reference, torchSeconds, lines);
  if (ref.unet) await compareUnet(ref.unet, reference, torchSeconds, lines);
  const theirs = { label: `${reference} diffusers ${ref.diffusers}`, run: torchRun };
  if (ref.flux) await compareFlux(ref.flux, theirs, lines);
  if (ref.uncrop) await compareUncrop(ref.uncrop, theirs, lines);
  printTable(lines, `PyTorch ${ref.torch} (${ref.device})`);
}

/** The human table; `against` is the reference, undefined when ours ran alone. */
function printTable(lines: readonly TableLine[], against: string | undefined): void {
  console.log(
    against
      ? `\nours (${PROVIDER}) vs ${against}, ${THREADS} threads, medians of ${RUNS} interleaved rounds (${IMAGE_RUNS} for whole images)`
      : `\nours (${PROVIDER}) alone (no PyTorch here), ${THREADS} threads, medians of ${IMAGE_RUNS} runs`,
  );
  console.log(`${'path'.padEnd(44)} ${'ours'.padStart(9)} ${'torch'.padStart(9)}  speed-up`);
  for (const [name, ours, theirs, speedUp] of lines)
    console.log(`${name.padEnd(44)} ${ours.padStart(9)} ${theirs.padStart(9)}  ${speedUp}`);
}

async function compareLlm(
  ref: NonNullable<Reference['llm']>,
  reference: string,
  torchSeconds: (what: Part) => Promise<number>,
  lines: TableLine[],
): Promise<void> {
  // LLM: the export as written, greedy from the same prompt ids, every token generated.
  const llmSession = await ort.InferenceSession.create(join(ref.dir, 'model.onnx'), sessionOptions);
  const tokenizer = await ChatTokenizer.fromDirectory(ref.dir);
  const quiet = pino({ level: 'silent' });
  const produced = { exact: 0, fast: 0 };
  const decode = (decodeMode: 'exact' | 'fast') => {
    const engine = new LlmEngine({
      model: new DecoderModel(llmSession),
      tokenizer,
      maxContext: 1024,
      decodeMode,
      logger: quiet,
    });
    return async () => {
      let n = 0;
      const s = await seconds(async () => {
        const r = await engine.complete({
          promptTokenIds: ref.promptIds,
          maxTokens: ref.tokens,
          temperature: 0,
        });
        n = r.tokenIds.length;
      });
      produced[decodeMode] = n;
      return n / s;
    };
  };
  const llm = await interleavedAll(RUNS, {
    exact: decode('exact'),
    fast: decode('fast'),
    torch: async () => ref.tokens / (await torchSeconds('llm')),
  });
  await llmSession.release();
  const model = `${(ref.params / 1e6).toFixed(0)}M Qwen2`;
  for (const mode of ['exact', 'fast'] as const) {
    const stopped =
      produced[mode] === ref.tokens ? undefined : `Ours stopped at ${produced[mode]} tokens.`;
    const [ours, theirs] = [medianOf(llm[mode]), medianOf(llm.torch)];
    lines.push([
      `LLM tokens/s (${model}, ${mode})`,
      ours.toFixed(1),
      theirs.toFixed(1),
      `${(ours / theirs).toFixed(2)}x${stopped ? ` (${stopped})` : ''}`,
    ]);
    emitRow({
      group: 'llm',
      path: `greedy ${ref.tokens} tokens, ${model}, ${mode} decode`,
      unit: 'tokens/s',
      higherIsBetter: true,
      ours: { label: `ours, ${mode} decode`, samples: llm[mode], ...(cores ? { cores } : {}) },
      reference: {
        label: `${reference} transformers generate`,
        samples: llm.torch,
        ...(cores ? { cores } : {}),
      },
      ...(stopped ? { note: stopped } : {}),
    });
  }
}

async function compareUnet(
  ref: NonNullable<Reference['unet']>,
  reference: string,
  torchSeconds: (what: Part) => Promise<number>,
  lines: TableLine[],
): Promise<void> {
  // UNet: one guided step on the same shapes.
  const unetSession = await ort.InferenceSession.create(
    join(ref.dir, 'model.onnx'),
    sessionOptions,
  );
  const unet = new UnetModel(unetSession);
  const rng = createRng(1);
  const [, c, h, w] = ref.latent as [number, number, number, number];
  const sample = rng.fillNormal(new Float32Array(c * h * w));
  const context = new ort.Tensor(
    'float32',
    rng.fillNormal(new Float32Array(ref.context.reduce((a, b) => a * b, 1))),
    ref.context,
  );
  const step = await interleaved(
    RUNS,
    () =>
      seconds(() => unet.predict({ sample, dims: [1, c, h, w], batch: 2, timestep: 500, context })),
    () => torchSeconds('unet'),
  );
  await unetSession.release();
  const unetName = `${(ref.params / 1e6).toFixed(0)}M`;
  const [oursStep, torchStep] = [medianOf(step.ours), medianOf(step.reference)];
  lines.push([
    `UNet step s (${unetName}, batch 2, ${h}x${w})`,
    oursStep.toFixed(3),
    torchStep.toFixed(3),
    `${(torchStep / oursStep).toFixed(2)}x`,
  ]);
  emitRow({
    group: 'diffusion',
    path: `UNet step, SD 1.5 blocks at half width (${unetName}), batch 2, ${h}x${w} latents`,
    unit: 's/step',
    higherIsBetter: false,
    ours: { label: 'ours', samples: step.ours, ...(cores ? { cores } : {}) },
    reference: {
      label: `${reference} diffusers UNet2DConditionModel`,
      samples: step.reference,
      ...(cores ? { cores } : {}),
    },
  });
}

/** PyTorch's side of the image rows: its label and its timed runs. */
interface Theirs {
  label: string;
  run: TorchRun;
}

/** The Flux row's settings on the committed export, where PyTorch cannot build its side. */
function committedFlux(): FluxReference {
  return {
    dir: join(fixtures, 'flux', 'dev'),
    params: 0,
    prompt: FLUX_PROMPT,
    guidance: FLUX_GUIDANCE,
    size: FLUX_SIZE,
    steps: FLUX_STEPS,
    textTokens: 0,
    imageTokens: (FLUX_SIZE / 16) ** 2,
    committed: true,
  };
}

/** The uncrop case of sd/uncrop-reference.json as committed (scale 1). */
async function committedUncrop(): Promise<UncropReference> {
  const json = JSON.parse(
    await readFile(join(fixtures, 'sd', 'uncrop-reference.json'), 'utf8'),
  ) as {
    cases: Record<
      string,
      {
        model_dir: string;
        prompt: string;
        negative_prompt: string;
        guidance_scale: number;
        num_inference_steps: number;
        width: number;
        height: number;
        uncrop: {
          image: string;
          extend_left: number;
          extend_right: number;
          extend_top: number;
          extend_bottom: number;
        };
      }
    >;
  };
  const c = json.cases['sd-uncrop'];
  if (!c) throw new Error('sd/uncrop-reference.json has no sd-uncrop case');
  const extend = {
    left: c.uncrop.extend_left,
    right: c.uncrop.extend_right,
    top: c.uncrop.extend_top,
    bottom: c.uncrop.extend_bottom,
  };
  return {
    dir: join(fixtures, c.model_dir),
    params: 0,
    image: join(fixtures, c.uncrop.image),
    imageSize: [c.width - extend.left - extend.right, c.height - extend.top - extend.bottom],
    canvas: [c.width, c.height],
    extend,
    prompt: c.prompt,
    negativePrompt: c.negative_prompt,
    guidance: c.guidance_scale,
    steps: c.num_inference_steps,
    committed: true,
  };
}

/** Seconds of one whole image per side (and whatever each run records), ours first. */
async function imageRounds(
  ours: () => Promise<number>,
  theirs: (() => Promise<number>) | undefined,
): Promise<{ ours: number[]; reference: number[] | undefined }> {
  if (theirs) return interleaved(IMAGE_RUNS, ours, theirs);
  await ours();
  const samples: number[] = [];
  for (let i = 0; i < IMAGE_RUNS; i++) samples.push(await ours());
  return { ours: samples, reference: undefined };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function fmt(x: number | undefined): string {
  return x === undefined ? '-' : x.toFixed(3);
}

function speedUp(ours: number, theirs: number | undefined): string {
  return theirs === undefined ? '-' : `${(theirs / ours).toFixed(2)}x`;
}

/**
 * Flux text-to-image, one image per side per round: the seconds of the whole run (prompt through
 * both text encoders, every transformer step, VAE decode, PNG) and the mean seconds of a
 * transformer step within it (ours: each step as the pipeline times it, Euler update included;
 * diffusers: each transformer call, timed by forward hooks).
 */
async function compareFlux(
  ref: FluxReference,
  theirs: Theirs | undefined,
  lines: TableLine[],
  note?: string,
): Promise<void> {
  const opened = await openFluxPipeline({ dir: ref.dir, runtime });
  const textTokens = ref.textTokens || opened.settings.maxSequenceLength;
  const oursSteps: number[] = [];
  const theirSteps: number[] = [];
  const ours = () => {
    let steps: number[] = [];
    return seconds(async () => {
      const r = await opened.pipeline.textToImage({
        prompt: ref.prompt,
        steps: ref.steps,
        cfg_scale: ref.guidance,
        width: ref.size,
        height: ref.size,
        seed: 1,
      });
      steps = r.stepTimesMs;
    }).then((s) => {
      oursSteps.push(mean(steps) / 1000);
      return s;
    });
  };
  const run = theirs?.run;
  const reference = run
    ? async () => {
        const r = await run('flux');
        theirSteps.push(mean(r.steps ?? []));
        return r.seconds;
      }
    : undefined;
  let rounds: Awaited<ReturnType<typeof imageRounds>>;
  try {
    rounds = await imageRounds(ours, reference);
  } finally {
    await opened.release();
  }
  // The first of each is the unmeasured warm-up.
  const stepSamples = { ours: oursSteps.slice(1), reference: theirSteps.slice(1) };
  const model = ref.committed
    ? 'tiny dev export (fixtures/hf/flux/dev)'
    : `dev-like, ${FLUX_HEADS} heads of 128, ${FLUX_LAYERS} double + ${FLUX_LAYERS} single blocks (${(ref.params / 1e6).toFixed(0)}M)`;
  const shape = `${ref.imageTokens} image + ${textTokens} text tokens`;
  const label = theirs ? `${theirs.label} FluxPipeline` : undefined;
  const side = (samples: number[] | undefined, what: string) =>
    samples && label ? { label: `${label}${what}`, samples, ...withCores } : null;
  const extra = note ? { note } : {};
  const [oursStep, torchStep] = [
    medianOf(stepSamples.ours),
    theirs ? medianOf(stepSamples.reference) : undefined,
  ];
  const [oursImage, torchImage] = [
    medianOf(rounds.ours),
    rounds.reference ? medianOf(rounds.reference) : undefined,
  ];
  lines.push([
    `Flux step s (${ref.size}x${ref.size})`,
    fmt(oursStep),
    fmt(torchStep),
    speedUp(oursStep, torchStep),
  ]);
  lines.push([
    `Flux image s (${ref.size}x${ref.size}, ${ref.steps} steps)`,
    fmt(oursImage),
    fmt(torchImage),
    speedUp(oursImage, torchImage),
  ]);
  emitRow({
    group: 'flux',
    path: `transformer step, ${ref.size}x${ref.size} (${shape}); ${model}`,
    unit: 's/step',
    higherIsBetter: false,
    ours: {
      label: 'ours, FluxPipeline step (Euler update included)',
      samples: stepSamples.ours,
      ...withCores,
    },
    reference: side(stepSamples.reference, ' transformer call'),
    ...extra,
  });
  emitRow({
    group: 'flux',
    path: `text-to-image ${ref.size}x${ref.size}: CLIP + T5, ${ref.steps} steps, VAE, PNG; ${model}`,
    unit: 's',
    higherIsBetter: false,
    ours: { label: 'ours', samples: rounds.ours, ...withCores },
    reference: side(rounds.reference, ''),
    ...extra,
  });
}

/**
 * Uncrop, one image per side per round: decode the PNG, extend the canvas from the edges, mask the
 * new area, inpaint (guided: batch 2), put the original pixels back, encode a PNG. diffusers'
 * StableDiffusionInpaintPipeline is given the canvas and mask our uncrop builds.
 */
async function compareUncrop(
  ref: UncropReference,
  theirs: Theirs | undefined,
  lines: TableLine[],
  note?: string,
): Promise<void> {
  const opened = await openDiffusionPipeline({ dir: ref.dir, runtime });
  const image = new Uint8Array(await readFile(ref.image));
  const ours = () =>
    seconds(() =>
      opened.pipeline.uncrop({
        prompt: ref.prompt,
        negative_prompt: ref.negativePrompt,
        steps: ref.steps,
        cfg_scale: ref.guidance,
        seed: 1,
        image,
        extend_left: ref.extend.left,
        extend_right: ref.extend.right,
        extend_top: ref.extend.top,
        extend_bottom: ref.extend.bottom,
      }),
    );
  const run = theirs?.run;
  let rounds: Awaited<ReturnType<typeof imageRounds>>;
  try {
    rounds = await imageRounds(ours, run ? async () => (await run('uncrop')).seconds : undefined);
  } finally {
    await opened.release();
  }
  const [w, h] = ref.imageSize;
  const [cw, ch] = ref.canvas;
  const e = ref.extend;
  const model = ref.committed
    ? 'tiny inpainting export (fixtures/hf/sd/sd-inpaint)'
    : `tiny inpainting export (fixtures/hf/sd/sd-inpaint), the committed case ${UNCROP_SCALE}x larger`;
  const [oursImage, torchImage] = [
    medianOf(rounds.ours),
    rounds.reference ? medianOf(rounds.reference) : undefined,
  ];
  lines.push([
    `uncrop s (${w}x${h} to ${cw}x${ch})`,
    fmt(oursImage),
    fmt(torchImage),
    speedUp(oursImage, torchImage),
  ]);
  emitRow({
    group: 'uncrop',
    path: `uncrop ${w}x${h} to ${cw}x${ch} (+${e.left} left, +${e.right} right, +${e.top} top, +${e.bottom} bottom), ${ref.steps} guided steps, PNG in and out; ${model}`,
    unit: 's',
    higherIsBetter: false,
    ours: { label: 'ours, DiffusionPipeline.uncrop', samples: rounds.ours, ...withCores },
    reference:
      theirs && rounds.reference
        ? {
            label: `${theirs.label} StableDiffusionInpaintPipeline, same canvas and mask`,
            samples: rounds.reference,
            ...withCores,
          }
        : null,
    ...(note ? { note } : {}),
  });
}
