/**
 * A small miner axon for the work loop's tests: node:http around the protocol's `verifyRequest`,
 * answering with the inference package's real engines on its test models. It stands in for the
 * miner package (which the validator must not import). `behaviour` makes it cheat in one way.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LlmEngine } from '@subnet/inference';
import type { DiffusionPipeline, TiledUpscaler } from '@subnet/inference/diffusion';
import {
  type ClipEmbedder,
  decodeImage,
  imageBytesFromBase64,
  imageBytesToBase64,
  imageHashes,
} from '@subnet/inference/image';
import {
  type AxonIdentity,
  type AxonResponse,
  buildErrorResponse,
  buildResponse,
  buildStreamHead,
  encodeStreamEvent,
  type Hotkey,
  NonceWindow,
  SignatureVerifier,
  type Synapse,
  synapseRegistry,
  verifyRequest,
} from '@subnet/protocol';
import { TASK_SYNAPSES } from '@subnet/protocol/tasks';

export interface MinerBehaviour {
  /** Added to the task seed (another seed). */
  seedOffset?: number;
  /** Steps actually run instead of the task's. */
  steps?: number;
  /** Replaces every token after the first few with this token id, keeping the honest logprob. */
  tamperTokenId?: number;
  /** Sends this CLIP embedding with every image (a misreport). */
  clipEmbedding?: number[];
  /** Answers every request with this HTTP status. */
  failWith?: number;
  /** Answers this many requests with 500 before answering honestly. */
  failFirst?: number;
}

export interface TestMinerOptions {
  hotkey: Hotkey;
  llm?: LlmEngine;
  diffusion?: DiffusionPipeline;
  upscaler?: TiledUpscaler;
  clip?: ClipEmbedder;
  behaviour?: MinerBehaviour;
  /** The Capacity answer (volume, models and adapters per task kind). */
  capacities?: Record<string, { volume: number; models: string[]; loras: string[] }>;
  /** Interface to listen on (default 127.0.0.1; the chain refuses to serve 127.0.0.1 itself). */
  host?: string;
}

export interface TestMiner {
  port: number;
  hotkey: Hotkey;
  /** Requests that reached the handlers (verified), by synapse name. */
  served: string[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: AxonResponse): void {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
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

const IMAGE_KINDS = new Set(['TextToImage', 'ImageToImage', 'Inpaint', 'ControlNet']);

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

export async function startTestMiner(options: TestMinerOptions): Promise<TestMiner> {
  const id: AxonIdentity = { hotkey: options.hotkey, uuid: randomUUID() };
  const synapses = synapseRegistry(TASK_SYNAPSES);
  const nonces = new NonceWindow();
  const verifier = new SignatureVerifier();
  const behaviour = options.behaviour ?? {};
  const served: string[] = [];
  let failures = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const startedAtMs = performance.now();
    const body = await readBody(req);
    const verified = await verifyRequest(
      { path: req.url ?? '/', headers: req.headers, body },
      { axonHotkey: options.hotkey.address, synapses, nonces, verifier },
    );
    if (!verified.ok) {
      send(
        res,
        buildErrorResponse(id, verified.def, undefined, {
          startedAtMs,
          status: verified.status,
          message: verified.message,
        }),
      );
      return;
    }
    const { def, synapse } = verified;
    served.push(def.name);
    const failWith =
      behaviour.failWith ?? (failures < (behaviour.failFirst ?? 0) ? 500 : undefined);
    if (failWith !== undefined) {
      failures++;
      send(
        res,
        buildErrorResponse(id, def, synapse, {
          startedAtMs,
          status: failWith,
          message: 'miner failure',
        }),
      );
      return;
    }
    if (def.name === 'Capacity') {
      Object.assign(synapse, { capacities: options.capacities ?? {} });
      send(res, buildResponse(id, def, synapse, { startedAtMs }));
      return;
    }
    if ((def.name === 'Chat' || def.name === 'Completion') && options.llm) {
      const head = buildStreamHead(id, def, synapse, { startedAtMs });
      res.writeHead(head.status, head.headers);
      for await (const event of llmEvents(options.llm, synapse, behaviour))
        res.write(encodeStreamEvent(event));
      res.end();
      return;
    }
    if (def.name === 'Upscale' && options.upscaler) {
      const up = await options.upscaler.upscaleBytes(imageBytesFromBase64(synapse.image as string));
      Object.assign(synapse, {
        image_b64: imageBytesToBase64(up.png),
        image_hashes: imageHashes(up.image),
      });
      send(res, buildResponse(id, def, synapse, { startedAtMs }));
      return;
    }
    if (def.name === 'ClipEmbeddings' && options.clip) {
      const images = await Promise.all(
        (synapse.image_b64s as string[]).map((b) =>
          decodeImage(imageBytesFromBase64(b), { maxPixels: 1 << 22 }),
        ),
      );
      const embeddings = (await options.clip.embedImages(images)).map((e) => Array.from(e));
      const tampered = behaviour.clipEmbedding;
      Object.assign(synapse, {
        clip_embeddings: tampered ? embeddings.map(() => tampered) : embeddings,
      });
      send(res, buildResponse(id, def, synapse, { startedAtMs }));
      return;
    }
    if (IMAGE_KINDS.has(def.name) && options.diffusion) {
      Object.assign(synapse, await generateImage(options.diffusion, synapse, behaviour));
      send(res, buildResponse(id, def, synapse, { startedAtMs }));
      return;
    }
    send(
      res,
      buildErrorResponse(id, def, synapse, { startedAtMs, status: 404, message: 'not served' }),
    );
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: String(e) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hotkey: options.hotkey,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
