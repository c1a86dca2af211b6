/**
 * The miner of the work loop's tests, as a `serve` for the protocol's `createTestAxon`: it answers
 * verified task synapses with the inference package's real engines on their test models, standing
 * in for the miner package (which the validator must not import). `behaviour` makes it cheat in
 * one way. The request path (verification, signing, streaming) is the protocol's own.
 */
import type { LlmEngine } from '@subnet/inference';
import type { DiffusionPipeline, TiledUpscaler } from '@subnet/inference/diffusion';
import {
  type ClipEmbedder,
  decodeImage,
  imageBytesFromBase64,
  imageBytesToBase64,
  imageHashes,
} from '@subnet/inference/image';
import type { AxonHandlerContext, Hotkey, Synapse } from '@subnet/protocol';
import { TASK_SYNAPSES } from '@subnet/protocol/tasks';
import { createTestAxon, type TestAxon } from '@subnet/protocol/testing';

export interface MinerBehaviour {
  /** Added to the task seed (another seed). */
  seedOffset?: number;
  /** Steps actually run instead of the task's. */
  steps?: number;
  /** Replaces every token after the first few with this token id, keeping the honest logprob. */
  tamperTokenId?: number;
  /** Answers an uncrop with the task's image as it came, not extended. */
  unextended?: boolean;
  /** Sends this CLIP embedding with every image (a misreport). */
  clipEmbedding?: number[];
  /** Answers every request with this HTTP status. */
  failWith?: number;
  /** Answers this many requests with 500 before answering honestly. */
  failFirst?: number;
}

export interface MinerServeOptions {
  llm?: LlmEngine;
  diffusion?: DiffusionPipeline;
  upscaler?: TiledUpscaler;
  clip?: ClipEmbedder;
  behaviour?: MinerBehaviour;
  /** The Capacity answer (volume, models and adapters per task kind). */
  capacities?: Record<string, { volume: number; models: string[]; loras: string[] }>;
}

export interface MinerServe {
  serve: AxonHandlerContext['serve'];
  /** Requests that reached `serve` (verified), by synapse name. */
  served: string[];
}

async function* llmEvents(llm: LlmEngine, s: Synapse, b: MinerBehaviour): AsyncGenerator<unknown> {
  const f = s as Record<string, unknown>;
  const request = {
    ...(f.messages ? { messages: f.messages as never } : { prompt: f.prompt as string }),
    maxTokens: f.max_tokens as number,
    temperature: f.temperature as number,
    topP: f.top_p as number,
    topK: f.top_k as number,
    seed: (f.seed as number) + (b.seedOffset ?? 0),
    stop: f.stop as string[],
    logprobs: f.top_logprobs as number,
  };
  const gen = llm.generate(request);
  const text = (id: number) => llm.tokenizer.decode([id]);
  let next = await gen.next();
  let count = 0;
  while (!next.done) {
    const e = next.value;
    const tampered =
      b.tamperTokenId !== undefined &&
      e.index >= 2 &&
      !llm.tokenizer.eosTokenIds.includes(e.tokenId);
    const tokenId = tampered ? (b.tamperTokenId as number) : e.tokenId;
    yield {
      type: 'token',
      index: e.index,
      token: tampered ? text(tokenId) : e.text,
      token_id: tokenId,
      logprob: e.logprob,
      top_logprobs: e.topLogprobs.map((t) => ({ token: text(t.tokenId), logprob: t.logprob })),
    };
    count++;
    next = await gen.next();
  }
  const result = next.value;
  yield {
    type: 'done',
    finish_reason: result.finishReason === 'stop' ? 'stop' : 'length',
    prompt_tokens: result.promptTokenIds.length,
    completion_tokens: count,
  };
}

const IMAGE_KINDS = new Set(['TextToImage', 'ImageToImage', 'Inpaint', 'Uncrop', 'ControlNet']);

async function generateImage(pipeline: DiffusionPipeline, s: Synapse, b: MinerBehaviour) {
  const f = s as Record<string, unknown>;
  const image = (field: string) => imageBytesFromBase64(f[field] as string);
  const params = {
    prompt: f.prompt as string,
    negative_prompt: (f.negative_prompt as string | undefined) ?? '',
    steps: b.steps ?? (f.steps as number),
    cfg_scale: f.cfg_scale as number,
    width: f.width as number,
    height: f.height as number,
    seed: (f.seed as number) + (b.seedOffset ?? 0),
  };
  if (s.name === 'Uncrop') {
    const bytes = image('image');
    const result = b.unextended
      ? { png: bytes, image: await decodeImage(bytes, { maxPixels: 1 << 24 }) }
      : await pipeline.uncrop({
          prompt: params.prompt,
          negative_prompt: params.negative_prompt,
          steps: params.steps,
          cfg_scale: params.cfg_scale,
          seed: params.seed,
          image: bytes,
          extend_left: f.extend_left as number,
          extend_right: f.extend_right as number,
          extend_top: f.extend_top as number,
          extend_bottom: f.extend_bottom as number,
        });
    return { image_b64: imageBytesToBase64(result.png), image_hashes: imageHashes(result.image) };
  }
  const result =
    s.name === 'ImageToImage'
      ? await pipeline.imageToImage({
          ...params,
          init_image: image('init_image'),
          image_strength: f.image_strength as number,
        })
      : s.name === 'Inpaint'
        ? await pipeline.inpaint({
            ...params,
            init_image: image('init_image'),
            mask_image: image('mask_image'),
          })
        : s.name === 'ControlNet'
          ? await pipeline.controlNet({
              ...params,
              control_image: image('control_image'),
              conditioning_scale: f.conditioning_scale as number,
            })
          : await pipeline.textToImage(params);
  return {
    image_b64: imageBytesToBase64(result.png),
    image_hashes: imageHashes(result.image),
    ...(b.clipEmbedding ? { clip_embedding: b.clipEmbedding } : {}),
  };
}

/** What the test miner does with each verified synapse. */
export function minerServe(options: MinerServeOptions): MinerServe {
  const behaviour = options.behaviour ?? {};
  const served: string[] = [];
  let failures = 0;

  const serve: AxonHandlerContext['serve'] = async ({ def, synapse }) => {
    served.push(def.name);
    const failWith =
      behaviour.failWith ?? (failures < (behaviour.failFirst ?? 0) ? 500 : undefined);
    if (failWith !== undefined) {
      failures++;
      return { status: failWith, message: 'miner failure' };
    }
    if (def.name === 'Capacity') return { fields: { capacities: options.capacities ?? {} } };
    if ((def.name === 'Chat' || def.name === 'Completion') && options.llm) {
      return { events: llmEvents(options.llm, synapse, behaviour) };
    }
    if (def.name === 'Upscale' && options.upscaler) {
      const up = await options.upscaler.upscaleBytes(imageBytesFromBase64(synapse.image as string));
      return {
        fields: { image_b64: imageBytesToBase64(up.png), image_hashes: imageHashes(up.image) },
      };
    }
    if (def.name === 'ClipEmbeddings' && options.clip) {
      const images = await Promise.all(
        (synapse.image_b64s as string[]).map((b) =>
          decodeImage(imageBytesFromBase64(b), { maxPixels: 1 << 22 }),
        ),
      );
      const embeddings = (await options.clip.embedImages(images)).map((e) => Array.from(e));
      const tampered = behaviour.clipEmbedding;
      return {
        fields: { clip_embeddings: tampered ? embeddings.map(() => tampered) : embeddings },
      };
    }
    if (IMAGE_KINDS.has(def.name) && options.diffusion) {
      return { fields: await generateImage(options.diffusion, synapse, behaviour) };
    }
    return { status: 404, message: 'not served' };
  };
  return { serve, served };
}

export interface TestMiner extends TestAxon {
  /** Requests that reached the miner (verified), by synapse name. */
  served: string[];
}

/**
 * `createTestAxon` serving the task synapses with `minerServe`, on 127.0.0.1 unless `host` says
 * otherwise (the chain refuses to serve 127.0.0.1 itself; the rest of 127/8 is loopback as well).
 */
export async function startTestMiner(
  options: MinerServeOptions & { hotkey: Hotkey; host?: string },
): Promise<TestMiner> {
  const miner = minerServe(options);
  const axon = await createTestAxon({
    hotkey: options.hotkey,
    synapses: TASK_SYNAPSES,
    serve: miner.serve,
    ...(options.host ? { host: options.host } : {}),
  });
  return { ...axon, served: miner.served };
}
