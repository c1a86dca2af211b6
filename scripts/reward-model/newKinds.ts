/**
 * The shipped reward model on the three new image kinds, with real pipeline outputs: Uncrop
 * (outpainting, the tiny SD inpainting export), a Flux-class DiT and Kandinsky 2.2 text-to-image
 * (their tiny random-weight exports, so the images are noise-like). For each kind, seeded tasks at
 * 64 to 128 px; the validator's reference image for each task; honest answers (the task re-run,
 * PNG round trip, another execution provider's ±1-2 levels of drift, JPEG q90) and cheats (another
 * seed, one step fewer, another prompt; for Uncrop also the lazy fill and a blurred fill); every
 * pair scored by the validator's own `checkImageAnswer` (no CLIP model, as a validator without one
 * runs it), then counted as accepted or not.
 *
 *   node_modules/.bin/tsx scripts/reward-model/newKinds.ts [--tasks 16] [--seed 1]
 *
 * How each kind reaches `checkImageAnswer`:
 * - Uncrop: as itself, with the task as the validator stores it (a valid Uncrop synapse input) and
 *   a diffusion runner whose `uncrop` hands back the reference made once per task with the
 *   validator's `reproduceImage` on the real pipeline. So the exact-original rule and the blanking
 *   of the kept area are the validator's own code.
 * - Flux and Kandinsky: the TextToImage synapse refuses sides under 512, so these small tasks
 *   cannot be stored as TextToImage inputs. Their reference is made with `reproduceImage(runner,
 *   'TextToImage', fields)` (the validator's mapping onto `textToImage`), and the pair is scored
 *   through `checkImageAnswer`'s path for every kind but Uncrop, entered as an Upscale task whose
 *   stub upscaler returns that reference: from the reference on, the path is the same for every
 *   kind but Uncrop (size check, hashes, detail ratio, reward model, calibration, `checkImage`).
 *
 * "Accepted": `checkImage` says `reproduced` (the combined score passed `perfectAbove`, so the
 * check scores 1), or the check's score is at least the reward model's threshold from
 * `reward-model.meta.json` next to the model in `@subnet/scoring` (the level its false-accept
 * rate of 0.025 was measured at). The model's own verdict on the raw probability (p >= threshold)
 * is counted too, to compare with the README's held-out figures.
 *
 * The Uncrop geometries keep the canvas a multiple of 64 px on both sides: the inpainting UNet has
 * three downsamplers, and its ONNX graph refuses a latent grid that is not a multiple of 8 (a
 * canvas of 80 or 88 px fails in `up_blocks.1/Concat`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runtimeConfigFromEnv } from '@subnet/inference';
import {
  type DiffusionPipeline,
  type DiffusionResult,
  extendCanvas,
  openDiffusionPipeline,
  pasteOriginal,
  type TextToImageParamsInput,
  type TiledUpscaler,
  type UncropCanvas,
  uncropCanvas,
} from '@subnet/inference/diffusion';
import {
  decodeImage,
  detailFeatures,
  encodeImage,
  imageBytesFromBase64,
  imageBytesToBase64,
  imageHashes,
  type RgbImage,
  readImageHeader,
} from '@subnet/inference/image';
import { createRng, deriveSeed, type Xoshiro128 } from '@subnet/inference/random';
import {
  type DiffusionFieldsByKind,
  type DiffusionRunner,
  taskFields,
} from '@subnet/inference/tasks';
import { hashDistanceFeatures, sameImageProbability, type XgbModel } from '@subnet/scoring';
import {
  type CheckModels,
  type CheckOutcome,
  checkImageAnswer,
  drawScene,
  imagePrompt,
  loadRewardModel,
  reproduceImage,
  rewardModelPath,
  scoringHashes,
} from '@subnet/validator/work';
import { openFluxPipeline } from '../../packages/inference/src/flux/index';
import { openKandinskyPipeline } from '../../packages/inference/src/kandinsky/index';
import { sharp } from './loadSharp.js';
import { seeded } from './random.js';

export const NEW_KINDS = ['Uncrop', 'Flux', 'Kandinsky'] as const;
export type NewKind = (typeof NEW_KINDS)[number];

/** The pair kinds, in table order; `uncropOnly` ones are made for Uncrop tasks alone. */
export const NEW_PAIR_KINDS = [
  { name: 'rerun-identical', honest: true, uncropOnly: false },
  { name: 'png-roundtrip', honest: true, uncropOnly: false },
  { name: 'provider-drift', honest: true, uncropOnly: false },
  { name: 'jpeg-q90', honest: true, uncropOnly: false },
  { name: 'jpeg-q90-original-kept', honest: true, uncropOnly: true },
  { name: 'other-seed', honest: false, uncropOnly: false },
  { name: 'fewer-steps', honest: false, uncropOnly: false },
  { name: 'other-prompt', honest: false, uncropOnly: false },
  { name: 'lazy-fill', honest: false, uncropOnly: true },
  { name: 'blurred-fill', honest: false, uncropOnly: true },
] as const;
export type NewPairKind = (typeof NEW_PAIR_KINDS)[number]['name'];

const FIXTURES = 'packages/inference/test/fixtures/hf';
export const MODEL_DIRS: Record<NewKind, string> = {
  Uncrop: `${FIXTURES}/sd/sd-inpaint`,
  Flux: `${FIXTURES}/flux/dev`,
  Kandinsky: `${FIXTURES}/kandinsky/model`,
};

/** Text-to-image sides: multiples of 16 (Flux packs 2x2 latents of its 8x VAE; Kandinsky needs 4). */
const SIDES = [64, 80, 96, 112, 128] as const;
/** Steps are drawn from 2 to 4, so that "one step fewer" always exists. */
const STEPS: readonly [number, number] = [2, 4];
const NEGATIVES = ['', 'blurry', 'low quality, watermark', 'text, frame'] as const;

/**
 * Uncrop inputs: image size and extensions. Both canvas sides are multiples of 64 (see above) and
 * one side grows by at least a quarter of the image's side along it.
 */
export const UNCROP_GEOMETRIES = [
  { width: 64, height: 48, extend_left: 0, extend_right: 0, extend_top: 16, extend_bottom: 0 },
  { width: 48, height: 64, extend_left: 16, extend_right: 0, extend_top: 0, extend_bottom: 0 },
  { width: 64, height: 32, extend_left: 0, extend_right: 0, extend_top: 16, extend_bottom: 16 },
  { width: 96, height: 64, extend_left: 32, extend_right: 0, extend_top: 0, extend_bottom: 0 },
  { width: 64, height: 64, extend_left: 32, extend_right: 32, extend_top: 0, extend_bottom: 0 },
  { width: 64, height: 96, extend_left: 0, extend_right: 0, extend_top: 0, extend_bottom: 32 },
  { width: 96, height: 96, extend_left: 32, extend_right: 0, extend_top: 32, extend_bottom: 0 },
  { width: 80, height: 64, extend_left: 0, extend_right: 48, extend_top: 0, extend_bottom: 0 },
] as const;

/** One scored pair. */
export interface PairResult {
  readonly kind: NewKind;
  readonly task: number;
  readonly pair: NewPairKind;
  readonly honest: boolean;
  /** `checkImageAnswer`'s verdict. */
  readonly outcome: CheckOutcome;
  /** Reproduced, or a score at least the threshold. */
  readonly accepted: boolean;
  /** The reward model's own verdict: raw probability at least the threshold (false if refused before it). */
  readonly modelAccepts: boolean;
  /**
   * The model's input row (ahash, phash, dhash, chash distances, detail ratio), recomputed here
   * from the same images (Uncrop: with the kept area blanked), with the probability it gives;
   * undefined when the check refused before the model (another size, original changed).
   */
  readonly features?: { row: number[]; probability: number };
}

export interface NewKindsOptions {
  tasks: number;
  seed?: number;
  kinds?: readonly NewKind[];
  /** Progress lines (stderr in the command). */
  progress?: (line: string) => void;
}

export interface NewKindsRun {
  results: PairResult[];
  threshold: number;
  /** The model's probability for an image compared with itself (what calibration divides by). */
  identicalProbability: number;
}

export function readThreshold(): number {
  const meta = JSON.parse(
    readFileSync(rewardModelPath().replace(/\.json$/, '.meta.json'), 'utf8'),
  ) as { threshold: number };
  return meta.threshold;
}

/** The model's probability for a pair of identical images (any image: distances 0, ratio 1). */
export function identicalProbability(model: XgbModel): number {
  const h = { average: '00', perceptual: '00', difference: '00', color: '00' };
  return sameImageProbability(model, { reference: h, candidate: h, detail: { detailRatio: 1 } });
}

function int(rng: Xoshiro128, [lo, hi]: readonly [number, number]): number {
  return lo + Math.floor(rng.nextFloat64() * (hi - lo + 1));
}

function pick<T>(rng: Xoshiro128, items: readonly T[]): T {
  return items[Math.floor(rng.nextFloat64() * items.length)] as T;
}

/** A prompt other than `prompt`, from the validator's prompt generator. */
function otherPrompt(rng: Xoshiro128, prompt: string): string {
  for (;;) {
    const p = imagePrompt(rng);
    if (p !== prompt) return p;
  }
}

function otherSeed(rng: Xoshiro128, seed: number): number {
  return (seed + 1 + Math.floor(rng.nextFloat64() * 1e9)) % 2 ** 32;
}

function toBase64(bytes: Uint8Array): string {
  return imageBytesToBase64(bytes);
}

/** Decodes an answer as the validator does (its limit is far above these sizes). */
function decode(bytes: Uint8Array): Promise<RgbImage> {
  return decodeImage(bytes, { maxPixels: 4096 * 4096 });
}

async function png(image: RgbImage): Promise<Uint8Array> {
  return encodeImage(image, { format: 'png' });
}

function raw(image: RgbImage) {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
}

/** The PNG decoded and written again by another encoder (sharp's defaults): same pixels. */
async function pngRoundTrip(bytes: Uint8Array): Promise<Uint8Array> {
  const out = await sharp(bytes).png().toBuffer();
  return new Uint8Array(out);
}

/** Another execution provider's rounding: seeded integer noise of ±`amplitude` levels. */
function drift(image: RgbImage, random: () => number, amplitude: number): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i++) {
    const noise = Math.round((random() * 2 - 1) * amplitude);
    data[i] = Math.max(0, Math.min(255, (image.data[i] as number) + noise));
  }
  return { width: image.width, height: image.height, data };
}

async function gaussianBlur(image: RgbImage, sigma: number): Promise<RgbImage> {
  const { data, info } = await raw(image).blur(sigma).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/**
 * The kept area flat mid grey, for the recomputed features only (the verdicts come from
 * `checkImageAnswer`, whose own helper is not exported): the same step, 128 over the original's
 * rectangle in all three channels.
 */
function blankKept(image: RgbImage, kept: { width: number; height: number }, c: UncropCanvas) {
  const data = Uint8Array.from(image.data);
  for (let y = 0; y < kept.height; y++) {
    const at = ((y + c.top) * image.width + c.left) * 3;
    data.fill(128, at, at + kept.width * 3);
  }
  return { width: image.width, height: image.height, data };
}

function unsupported(what: string): () => Promise<never> {
  return () => Promise.reject(new Error(`${what} is not part of this measurement`));
}

/** A runner over a text-to-image pipeline (Flux, Kandinsky): textToImage and nothing else. */
function textToImageRunner(pipeline: {
  textToImage(input: TextToImageParamsInput): Promise<DiffusionResult>;
}): DiffusionRunner {
  return {
    textToImage: (input) => pipeline.textToImage(input),
    imageToImage: unsupported('imageToImage'),
    inpaint: unsupported('inpaint'),
    uncrop: unsupported('uncrop'),
    controlNet: unsupported('controlNet'),
  };
}

/** A runner that answers the validator's reproduction of one Uncrop task with its reference. */
function uncropReferenceRunner(reference: DiffusionResult): DiffusionRunner {
  return {
    textToImage: unsupported('textToImage'),
    imageToImage: unsupported('imageToImage'),
    inpaint: unsupported('inpaint'),
    uncrop: async () => reference,
    controlNet: unsupported('controlNet'),
  };
}

interface Candidate {
  pair: NewPairKind;
  bytes: Uint8Array;
}

interface Scorer {
  model: XgbModel;
  threshold: number;
}

function verdict(
  scorer: Scorer,
  kind: NewKind,
  task: number,
  pair: NewPairKind,
  outcome: CheckOutcome,
  features: PairResult['features'],
): PairResult {
  const spec = NEW_PAIR_KINDS.find((k) => k.name === pair);
  if (!spec) throw new Error(`unknown pair kind ${pair}`);
  const p = outcome.details.sameProbability;
  return {
    kind,
    task,
    pair,
    honest: spec.honest,
    outcome,
    accepted: outcome.reason === 'reproduced' || outcome.score >= scorer.threshold,
    modelAccepts: p !== undefined && p >= scorer.threshold,
    ...(features ? { features } : {}),
  };
}

function modelRow(scorer: Scorer, reference: RgbImage, candidate: RgbImage) {
  const ref = scoringHashes(imageHashes(reference));
  const cand = scoringHashes(imageHashes(candidate));
  const detail = detailFeatures(reference, candidate);
  return {
    row: [...hashDistanceFeatures(ref, cand), detail.detailRatio],
    probability: sameImageProbability(scorer.model, { reference: ref, candidate: cand, detail }),
  };
}

/** Scores a text-to-image answer through `checkImageAnswer` (see the header: the Upscale entry). */
async function checkTextToImage(
  scorer: Scorer,
  reference: DiffusionResult,
  answer: Uint8Array,
): Promise<{ outcome: CheckOutcome; features?: PairResult['features'] }> {
  const stub = { upscaleBytes: async () => reference };
  const models: CheckModels = {
    rewardModel: scorer.model,
    upscaler: () => stub as unknown as TiledUpscaler,
  };
  const input = { image: toBase64(reference.png), model: 'new-kinds/reference' };
  const outcome = await checkImageAnswer(models, 'Upscale', input, {
    image_b64: toBase64(answer),
  });
  const image = await decode(answer);
  if (image.width !== reference.image.width || image.height !== reference.image.height) {
    return { outcome };
  }
  return { outcome, features: modelRow(scorer, reference.image, image) };
}

async function textToImageTasks(
  kind: 'Flux' | 'Kandinsky',
  runner: DiffusionRunner,
  scorer: Scorer,
  options: NewKindsOptions,
): Promise<PairResult[]> {
  const results: PairResult[] = [];
  for (let task = 0; task < options.tasks; task++) {
    const rng = createRng(deriveSeed(options.seed ?? 1, 'new-kinds', kind, task));
    const fields: DiffusionFieldsByKind['TextToImage'] = {
      prompt: imagePrompt(rng),
      negative_prompt: pick(rng, NEGATIVES),
      steps: int(rng, STEPS),
      cfg_scale: 2 + int(rng, [0, 12]) / 2,
      width: pick(rng, SIDES),
      height: pick(rng, SIDES),
      seed: rng.nextUint32(),
    };
    const reference = await reproduceImage(runner, 'TextToImage', fields);
    const rerun = await reproduceImage(runner, 'TextToImage', fields);
    const random = seeded(rng.nextUint32());
    const cheat = (f: Partial<typeof fields>) =>
      reproduceImage(runner, 'TextToImage', { ...fields, ...f });
    const candidates: Candidate[] = [
      { pair: 'rerun-identical', bytes: rerun.png },
      { pair: 'png-roundtrip', bytes: await pngRoundTrip(reference.png) },
      {
        pair: 'provider-drift',
        bytes: await png(drift(reference.image, random, 1 + Math.floor(random() * 2))),
      },
      {
        pair: 'jpeg-q90',
        bytes: await encodeImage(reference.image, { format: 'jpeg', quality: 90 }),
      },
      { pair: 'other-seed', bytes: (await cheat({ seed: otherSeed(rng, fields.seed) })).png },
      { pair: 'fewer-steps', bytes: (await cheat({ steps: fields.steps - 1 })).png },
      {
        pair: 'other-prompt',
        bytes: (await cheat({ prompt: otherPrompt(rng, fields.prompt) })).png,
      },
    ];
    for (const c of candidates) {
      const { outcome, features } = await checkTextToImage(scorer, reference, c.bytes);
      results.push(verdict(scorer, kind, task, c.pair, outcome, features));
    }
    options.progress?.(`${kind} task ${task + 1}/${options.tasks}`);
  }
  return results;
}

async function uncropTasks(
  pipeline: DiffusionPipeline,
  scorer: Scorer,
  options: NewKindsOptions,
): Promise<PairResult[]> {
  const results: PairResult[] = [];
  for (let task = 0; task < options.tasks; task++) {
    const rng = createRng(deriveSeed(options.seed ?? 1, 'new-kinds', 'Uncrop', task));
    const geometry = UNCROP_GEOMETRIES[
      task % UNCROP_GEOMETRIES.length
    ] as (typeof UNCROP_GEOMETRIES)[number];
    const { width, height, ...extents } = geometry;
    const original = drawScene(rng, width, height);
    const input: Record<string, unknown> = {
      prompt: imagePrompt(rng),
      negative_prompt: pick(rng, NEGATIVES),
      image: toBase64(await png(original)),
      ...extents,
      steps: int(rng, STEPS),
      cfg_scale: 2 + int(rng, [0, 12]) / 2,
      seed: rng.nextUint32(),
      model: 'tiny/sd-inpaint',
    };
    const fields = taskFields('Uncrop', input);
    const canvas = uncropCanvas(await readImageHeader(imageBytesFromBase64(fields.image)), fields);
    const reference = await reproduceImage(pipeline, 'Uncrop', fields);
    const rerun = await reproduceImage(pipeline, 'Uncrop', fields);
    const random = seeded(rng.nextUint32());
    const cheat = (f: Partial<typeof fields>) =>
      reproduceImage(pipeline, 'Uncrop', { ...fields, ...f });
    // Another provider paints the new area with its own rounding; the pipeline pastes the
    // original back exactly on every provider, so the drift stays outside it.
    const drifted = pasteOriginal(
      drift(reference.image, random, 1 + Math.floor(random() * 2)),
      original,
      canvas,
    );
    const jpeg = await encodeImage(reference.image, { format: 'jpeg', quality: 90 });
    const candidates: Candidate[] = [
      { pair: 'rerun-identical', bytes: rerun.png },
      { pair: 'png-roundtrip', bytes: await pngRoundTrip(reference.png) },
      { pair: 'provider-drift', bytes: await png(drifted) },
      { pair: 'jpeg-q90', bytes: jpeg },
      {
        pair: 'jpeg-q90-original-kept',
        bytes: await png(pasteOriginal(await decode(jpeg), original, canvas)),
      },
      { pair: 'other-seed', bytes: (await cheat({ seed: otherSeed(rng, fields.seed) })).png },
      { pair: 'fewer-steps', bytes: (await cheat({ steps: fields.steps - 1 })).png },
      {
        pair: 'other-prompt',
        bytes: (await cheat({ prompt: otherPrompt(rng, fields.prompt) })).png,
      },
      { pair: 'lazy-fill', bytes: await png(extendCanvas(original, canvas)) },
      {
        pair: 'blurred-fill',
        bytes: await png(pasteOriginal(await gaussianBlur(reference.image, 2), original, canvas)),
      },
    ];
    const models: CheckModels = {
      rewardModel: scorer.model,
      diffusion: () => uncropReferenceRunner(reference),
    };
    const refBlank = blankKept(reference.image, original, canvas);
    for (const c of candidates) {
      const outcome = await checkImageAnswer(models, 'Uncrop', input, {
        image_b64: toBase64(c.bytes),
      });
      const features =
        outcome.details.sameProbability === undefined
          ? undefined
          : modelRow(scorer, refBlank, blankKept(await decode(c.bytes), original, canvas));
      results.push(verdict(scorer, 'Uncrop', task, c.pair, outcome, features));
    }
    options.progress?.(`Uncrop task ${task + 1}/${options.tasks}`);
  }
  return results;
}

/** Waits for a model folder another job may be rewriting (its main ONNX file must exist). */
async function waitForExport(dir: string, file: string, progress?: (line: string) => void) {
  for (let tries = 0; !existsSync(join(dir, file)); tries++) {
    if (tries >= 12) throw new Error(`${dir} has no ${file} after 6 minutes`);
    progress?.(`${dir}/${file} missing; waiting 30 s`);
    await new Promise((r) => setTimeout(r, 30_000));
  }
}

/** Runs every kind's tasks and pairs; deterministic for the same options and exports. */
export async function runNewKinds(options: NewKindsOptions): Promise<NewKindsRun> {
  const runtime = runtimeConfigFromEnv(process.env, { intraOpNumThreads: 1 });
  const model = loadRewardModel();
  const scorer: Scorer = { model, threshold: readThreshold() };
  const results: PairResult[] = [];
  for (const kind of options.kinds ?? NEW_KINDS) {
    const started = Date.now();
    const dir = resolve(MODEL_DIRS[kind]);
    if (kind === 'Uncrop') {
      const opened = await openDiffusionPipeline({ dir, runtime });
      try {
        results.push(...(await uncropTasks(opened.pipeline, scorer, options)));
      } finally {
        await opened.release();
      }
    } else if (kind === 'Flux') {
      await waitForExport(dir, 'transformer/model.onnx', options.progress);
      const opened = await openFluxPipeline({ dir, runtime });
      try {
        const runner = textToImageRunner(opened.pipeline);
        results.push(...(await textToImageTasks(kind, runner, scorer, options)));
      } finally {
        await opened.release();
      }
    } else {
      const opened = await openKandinskyPipeline({ dir, runtime });
      try {
        const runner = textToImageRunner(opened.pipeline);
        results.push(...(await textToImageTasks(kind, runner, scorer, options)));
      } finally {
        await opened.release();
      }
    }
    options.progress?.(`${kind}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return {
    results,
    threshold: scorer.threshold,
    identicalProbability: identicalProbability(model),
  };
}

function share(n: number, of: number): string {
  return of === 0 ? '-' : (n / of).toFixed(3);
}

function range(values: number[], digits: number): string {
  if (values.length === 0) return '-';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? lo.toFixed(digits) : `${lo.toFixed(digits)} to ${hi.toFixed(digits)}`;
}

/** The markdown table and the rates, as printed by the command. */
export function report(run: NewKindsRun): string {
  const lines = [
    `reward model threshold ${run.threshold.toFixed(4)}; identical-image probability ${run.identicalProbability.toFixed(6)}`,
    '',
    '| kind | pair | label | pairs | accepted | share | model p >= threshold | raw p | detail ratio | luma PSNR dB | color shift | refused before the model |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const kinds = NEW_KINDS.filter((k) => run.results.some((r) => r.kind === k));
  for (const kind of kinds) {
    for (const spec of NEW_PAIR_KINDS) {
      const rows = run.results.filter((r) => r.kind === kind && r.pair === spec.name);
      if (rows.length === 0) continue;
      const accepted = rows.filter((r) => r.accepted).length;
      const model = rows.filter((r) => r.modelAccepts).length;
      const probs = rows.flatMap((r) => r.outcome.details.sameProbability ?? []);
      const ratios = rows.flatMap((r) => r.outcome.details.detailRatio ?? []);
      const psnr = rows.flatMap((r) => r.outcome.details.lumaPsnr ?? []);
      const shift = rows.flatMap((r) => r.outcome.details.colorShift ?? []);
      const before = rows.filter((r) => r.outcome.details.sameProbability === undefined);
      const reasons = [...new Set(before.map((r) => r.outcome.reason))].join(', ');
      lines.push(
        `| ${kind} | ${spec.name} | ${spec.honest ? 'honest' : 'cheat'} | ${rows.length} | ${accepted} | ${share(accepted, rows.length)} | ${model} | ${range(probs, 4)} | ${range(ratios, 3)} | ${range(psnr, 1)} | ${range(shift, 2)} | ${before.length ? `${before.length} (${reasons})` : '-'} |`,
      );
    }
  }
  lines.push(
    '',
    '| kind | false-accept rate (cheats) | true-accept rate (honest) |',
    '| --- | --- | --- |',
  );
  const rate = (rows: PairResult[]) =>
    `${share(rows.filter((r) => r.accepted).length, rows.length)} (${rows.filter((r) => r.accepted).length}/${rows.length})`;
  for (const kind of kinds) {
    const rows = run.results.filter((r) => r.kind === kind);
    lines.push(
      `| ${kind} | ${rate(rows.filter((r) => !r.honest))} | ${rate(rows.filter((r) => r.honest))} |`,
    );
  }
  lines.push(
    `| all new kinds | ${rate(run.results.filter((r) => !r.honest))} | ${rate(run.results.filter((r) => r.honest))} |`,
  );
  const listed = (title: string, rows: PairResult[]) => {
    if (rows.length === 0) return;
    lines.push(
      '',
      `${title} (model row: ahash phash dhash chash distances, detail ratio; then raw p, luma PSNR, color shift):`,
    );
    for (const r of rows) {
      const d = r.outcome.details;
      const row = r.features?.row.map((v, i) => (i < 4 ? String(v) : v.toFixed(3))).join(' ');
      const figures =
        d.sameProbability === undefined
          ? ''
          : `; p ${d.sameProbability.toFixed(4)}, ${d.lumaPsnr?.toFixed(1)} dB, shift ${d.colorShift?.toFixed(2)}`;
      lines.push(
        `  ${r.kind} task ${r.task} ${r.pair}: ${row ?? '-'}${figures} (${r.outcome.reason}, score ${r.outcome.score.toFixed(3)})`,
      );
    }
  };
  listed(
    'accepted cheats',
    run.results.filter((r) => !r.honest && r.accepted),
  );
  listed(
    'refused honest pairs',
    run.results.filter((r) => r.honest && !r.accepted),
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string', default: '16' },
      seed: { type: 'string', default: '1' },
      kinds: { type: 'string', default: NEW_KINDS.join(',') },
    },
  });
  const kinds = (values.kinds ?? '').split(',') as NewKind[];
  for (const k of kinds) {
    if (!NEW_KINDS.includes(k))
      throw new Error(`--kinds: ${k} is not one of ${NEW_KINDS.join(', ')}`);
  }
  const started = Date.now();
  const run = await runNewKinds({
    tasks: Number(values.tasks),
    seed: Number(values.seed),
    kinds,
    progress: (line) => console.error(line),
  });
  console.log(report(run));
  console.log(`\n${run.results.length} pairs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
