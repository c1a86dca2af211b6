/**
 * Synthetic tasks: one generator per task kind, each a pure function of the task seed (plus the
 * model the miner serves and the validator's profile of sizes and lengths). Every random choice
 * comes from the package PRNG seeded with `deriveSeed(seed, 'synthetic', kind)`, so the validator
 * rebuilds a task from its seed when it checks the answer. The output is a valid input of the
 * kind's synapse (`parseSynapseFields` accepts it).
 */
import { encodeImage, imageBytesToBase64, type RgbImage } from '@subnet/inference/image';
import { createRng, deriveSeed, type Xoshiro128 } from '@subnet/inference/random';
import { parseSynapseFields, type SynapseDef } from '@subnet/protocol';
import {
  type ChatMessage,
  TASK_SYNAPSE_BY_KIND,
  type TaskKind,
  UNCROP_CANVAS_MAX_PIXELS,
  UNCROP_CANVAS_STEP,
  UNCROP_EXTEND_MAX,
  UNCROP_EXTEND_STEP,
} from '@subnet/protocol/tasks';
import {
  ASSISTANT_REPLIES,
  COMPLETION_OPENINGS,
  FOLLOW_UPS,
  INSTRUCTIONS,
  MODIFIERS,
  NEGATIVES,
  SETTINGS,
  STYLES,
  SUBJECTS,
  SYSTEM_PROMPTS,
  TOPICS,
} from './promptWords';
import { drawMask, drawScene, drawScribble } from './syntheticImages';

/** Sizes and lengths the generators draw from; the defaults follow the reference subnet. */
export interface SyntheticProfile {
  /** [width, height] buckets of generated images. */
  imageSizes: readonly (readonly [number, number])[];
  /** Inclusive range of diffusion steps. */
  steps: readonly [number, number];
  /** Inclusive range of guidance scales (drawn in steps of 0.5). */
  cfgScale: readonly [number, number];
  /** Side of drawn input images (init, mask, scribble, upscale input). */
  inputImageSide: number;
  /** Inclusive range of max_tokens of LLM tasks. */
  maxTokens: readonly [number, number];
  /** Temperatures LLM tasks draw from. */
  temperatures: readonly number[];
  /** Longest LLM prompt (all messages together), in characters. */
  maxPromptChars: number;
  /** Top alternatives asked with each token. */
  topLogprobs: number;
}

export const DEFAULT_SYNTHETIC_PROFILE: Readonly<SyntheticProfile> =
  Object.freeze<SyntheticProfile>({
    imageSizes: [
      [1024, 1024],
      [896, 1152],
      [1152, 896],
      [768, 1344],
      [1344, 768],
      [512, 512],
    ],
    steps: [4, 30],
    cfgScale: [2, 8],
    inputImageSide: 512,
    maxTokens: [32, 512],
    temperatures: [0, 0.3, 0.5, 0.7, 0.9, 1],
    maxPromptChars: 4_000,
    topLogprobs: 5,
  });

export interface SyntheticTaskRequest {
  kind: TaskKind;
  seed: number;
  /** The model the task asks for (from the miner's capacity). */
  model: string;
  lora?: string;
  profile?: Partial<SyntheticProfile>;
}

/** A synthetic task: its id (kind and seed), and the synapse input to send. */
export interface SyntheticTask {
  id: string;
  kind: TaskKind;
  seed: number;
  input: Record<string, unknown>;
}

export function syntheticTaskId(kind: TaskKind, seed: number): string {
  return `syn:${kind}:${seed}`;
}

function pick<T>(rng: Xoshiro128, items: readonly T[]): T {
  return items[Math.floor(rng.nextFloat64() * items.length)] as T;
}

function int(rng: Xoshiro128, [min, max]: readonly [number, number]): number {
  return min + Math.floor(rng.nextFloat64() * (max - min + 1));
}

/** 1 to 4 of the modifiers, no repeats, in drawn order. */
function modifiers(rng: Xoshiro128): string[] {
  const count = int(rng, [0, 4]);
  const pool = [...MODIFIERS];
  const out: string[] = [];
  for (let i = 0; i < count; i++)
    out.push(pool.splice(Math.floor(rng.nextFloat64() * pool.length), 1)[0] as string);
  return out;
}

/** From "a red fox" up to "a red fox at dusk, watercolor, soft lighting, wide angle". */
export function imagePrompt(rng: Xoshiro128): string {
  const parts: string[] = [pick(rng, SUBJECTS)];
  if (rng.nextFloat64() < 0.7) parts[0] = `${parts[0]} ${pick(rng, SETTINGS)}`;
  if (rng.nextFloat64() < 0.8) parts.push(pick(rng, STYLES));
  parts.push(...modifiers(rng));
  return parts.join(', ');
}

function fill(template: string, rng: Xoshiro128): string {
  return template.replace('{topic}', pick(rng, TOPICS));
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max);
}

/** A chat of 1 to 3 user turns (with the assistant's turns between), a system prompt 70% of the time. */
export function chatMessages(rng: Xoshiro128, maxChars: number): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (rng.nextFloat64() < 0.7)
    messages.push({ role: 'system', content: pick(rng, SYSTEM_PROMPTS) });
  messages.push({ role: 'user', content: fill(pick(rng, INSTRUCTIONS), rng) });
  const turns = int(rng, [0, 2]);
  for (let t = 0; t < turns; t++) {
    messages.push({ role: 'assistant', content: pick(rng, ASSISTANT_REPLIES) });
    messages.push({ role: 'user', content: pick(rng, FOLLOW_UPS) });
  }
  // Keep within the budget: drop the oldest exchanges (never the system prompt or the last turn).
  const total = () => messages.reduce((n, m) => n + m.content.length, 0);
  const first = messages[0]?.role === 'system' ? 1 : 0;
  while (total() > maxChars && messages.length - first > 1) messages.splice(first, 2);
  const last = messages[messages.length - 1] as ChatMessage;
  last.content = clip(last.content, Math.max(1, maxChars));
  return messages;
}

export function completionPrompt(rng: Xoshiro128, maxChars: number): string {
  return clip(fill(pick(rng, COMPLETION_OPENINGS), rng), Math.max(1, maxChars));
}

async function pngBase64(image: RgbImage): Promise<string> {
  return imageBytesToBase64(await encodeImage(image, { format: 'png' }));
}

function diffusionSettings(rng: Xoshiro128, p: SyntheticProfile, req: SyntheticTaskRequest) {
  const [width, height] = pick(rng, p.imageSizes);
  const cfgSteps = Math.round((p.cfgScale[1] - p.cfgScale[0]) * 2);
  return {
    negative_prompt: pick(rng, NEGATIVES),
    steps: int(rng, p.steps),
    cfg_scale: p.cfgScale[0] + int(rng, [0, cfgSteps]) / 2,
    width,
    height,
    seed: req.seed,
    model: req.model,
    ...(req.lora !== undefined ? { lora: req.lora } : {}),
  };
}

/**
 * How far a synthetic uncrop extends a square image (its side a multiple of 64): each axis grows by
 * a multiple of 64 (the canvas grid) up to the side itself, split between its two sides in steps
 * of 8, one axis (drawn) by at least a quarter of the side so that the painted area is never a
 * sliver (the check compares that area alone), and never a canvas past the protocol's limits.
 */
function uncropExtents(rng: Xoshiro128, side: number) {
  const grid = UNCROP_CANVAS_STEP;
  const room = Math.min(Math.sqrt(UNCROP_CANVAS_MAX_PIXELS) - side, 2 * UNCROP_EXTEND_MAX, side);
  const most = Math.max(1, Math.floor(room / grid));
  const least = Math.min(most, Math.max(1, Math.ceil(side / 4 / grid)));
  const wide = int(rng, [0, 1]) === 0;
  const axis = (atLeast: number) => {
    const total = int(rng, [atLeast, most]) * grid;
    const lo = Math.max(0, total - UNCROP_EXTEND_MAX);
    const hi = Math.min(total, UNCROP_EXTEND_MAX);
    const first = lo + int(rng, [0, (hi - lo) / UNCROP_EXTEND_STEP]) * UNCROP_EXTEND_STEP;
    return [first, total - first] as const;
  };
  const [extend_left, extend_right] = axis(wide ? least : 0);
  const [extend_top, extend_bottom] = axis(wide ? 0 : least);
  return { extend_left, extend_right, extend_top, extend_bottom };
}

function samplingSettings(rng: Xoshiro128, p: SyntheticProfile, req: SyntheticTaskRequest) {
  return {
    max_tokens: int(rng, p.maxTokens),
    temperature: pick(rng, p.temperatures),
    top_logprobs: p.topLogprobs,
    seed: req.seed,
    model: req.model,
    ...(req.lora !== undefined ? { lora: req.lora } : {}),
  };
}

async function draw(req: SyntheticTaskRequest, p: SyntheticProfile, rng: Xoshiro128) {
  const side = p.inputImageSide;
  switch (req.kind) {
    case 'TextToImage':
      return { prompt: imagePrompt(rng), ...diffusionSettings(rng, p, req) };
    case 'ImageToImage': {
      const prompt = imagePrompt(rng);
      const init_image = await pngBase64(drawScene(rng, side, side));
      const image_strength = int(rng, [3, 9]) / 10;
      return { prompt, init_image, image_strength, ...diffusionSettings(rng, p, req) };
    }
    case 'Inpaint': {
      const prompt = imagePrompt(rng);
      const init_image = await pngBase64(drawScene(rng, side, side));
      const mask_image = await pngBase64(drawMask(rng, side, side));
      return { prompt, init_image, mask_image, ...diffusionSettings(rng, p, req) };
    }
    case 'Uncrop': {
      const prompt = imagePrompt(rng);
      const image = await pngBase64(drawScene(rng, side, side));
      const { width: _w, height: _h, ...settings } = diffusionSettings(rng, p, req);
      return { prompt, image, ...uncropExtents(rng, side), ...settings };
    }
    case 'ControlNet': {
      const prompt = imagePrompt(rng);
      const control_image = await pngBase64(drawScribble(rng, side, side));
      const conditioning_scale = int(rng, [5, 15]) / 10;
      return { prompt, control_image, conditioning_scale, ...diffusionSettings(rng, p, req) };
    }
    case 'Upscale':
      return { image: await pngBase64(drawScene(rng, side >> 1, side >> 1)), model: req.model };
    case 'ClipEmbeddings': {
      const count = int(rng, [1, 3]);
      const image_b64s: string[] = [];
      for (let i = 0; i < count; i++)
        image_b64s.push(await pngBase64(drawScene(rng, side >> 2, side >> 2)));
      return { image_b64s, model: req.model };
    }
    case 'Chat':
      return { messages: chatMessages(rng, p.maxPromptChars), ...samplingSettings(rng, p, req) };
    case 'Completion':
      return { prompt: completionPrompt(rng, p.maxPromptChars), ...samplingSettings(rng, p, req) };
  }
}

/** Builds the task of `kind` for `seed`: the same request gives the same task, byte for byte. */
export async function syntheticTask(req: SyntheticTaskRequest): Promise<SyntheticTask> {
  const profile: SyntheticProfile = { ...DEFAULT_SYNTHETIC_PROFILE, ...req.profile };
  const rng = createRng(deriveSeed(req.seed, 'synthetic', req.kind));
  const drawn = await draw(req, profile, rng);
  // Validated here so that a bad profile fails at the validator, not as a 400 from every miner.
  const input = parseSynapseFields(TASK_SYNAPSE_BY_KIND[req.kind] as SynapseDef, drawn) as Record<
    string,
    unknown
  >;
  return { id: syntheticTaskId(req.kind, req.seed), kind: req.kind, seed: req.seed, input };
}
