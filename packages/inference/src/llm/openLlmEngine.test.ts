import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileServer, startFileServer } from '../../test/fileServer';
import { type OpenAiTestServer, startOpenAiServer } from '../../test/openAiServer';
import { InferenceErrorCode } from '../errors';
import { writeSafetensors } from '../lora/safetensors';
import { sha256Hex } from '../registry/downloadFile';
import { parseManifest } from '../registry/manifest';
import { ModelRegistry } from '../registry/modelRegistry';
import { parseRuntimeConfig } from '../runtime/runtimeConfig';
import { createTinyLlm, tinyDecoderBytes } from '../testing/tinyLlm';
import { buildTinyTokenizer } from '../testing/tinyTokenizer';
import { createLlmManager } from './openLlmEngine';
import { collectGeneration } from './types';

describe('LLM models from the registry, through the model manager', () => {
  let server: FileServer;
  let dir: string;
  let registry: ModelRegistry;
  let openAi: OpenAiTestServer;

  beforeAll(async () => {
    const tok = buildTinyTokenizer();
    const adapter = writeSafetensors(
      new Map([
        [
          'base_model.model.lm_head.lora_A.weight',
          { shape: [1, 32], data: new Float32Array(32).fill(0.1) },
        ],
        [
          'base_model.model.lm_head.lora_B.weight',
          { shape: [384, 1], data: Float32Array.from({ length: 384 }, (_, i) => (i % 7) - 3) },
        ],
      ]),
    );
    const files: Record<string, Uint8Array> = {
      'model.onnx': tinyDecoderBytes(),
      'tokenizer.json': new TextEncoder().encode(JSON.stringify(tok.tokenizerJson)),
      'tokenizer_config.json': new TextEncoder().encode(JSON.stringify(tok.tokenizerConfig)),
      'style.safetensors': adapter,
      'tone.safetensors': writeSafetensors(
        new Map([
          [
            'base_model.model.lm_head.lora_A.weight',
            { shape: [1, 32], data: new Float32Array(32).fill(-0.2) },
          ],
          [
            'base_model.model.lm_head.lora_B.weight',
            { shape: [384, 1], data: Float32Array.from({ length: 384 }, (_, i) => (i % 5) - 2) },
          ],
        ]),
      ),
    };
    server = await startFileServer(files);
    openAi = await startOpenAiServer(await createTinyLlm());
    const file = (path: string) => ({
      path,
      url: server.url(path),
      sha256: sha256Hex(files[path] as Uint8Array),
      size: (files[path] as Uint8Array).length,
    });
    const model = (id: string) => ({
      id,
      taskKinds: ['text-generation'],
      pipeline: 'llm-decoder',
      precision: 'fp32',
      memoryBytes: 1000,
      files: ['model.onnx', 'tokenizer.json', 'tokenizer_config.json'].map(file),
      defaults: { maxContext: 256, temperature: 0, maxTokens: 5 },
    });
    const manifest = parseManifest({
      version: 1,
      models: [
        model('llm-a'),
        model('llm-b'),
        model('llm-c'),
        {
          id: 'remote',
          taskKinds: ['text-generation'],
          pipeline: 'llm-openai',
          precision: 'bf16',
          memoryBytes: 1,
          files: [],
          server: { baseUrl: openAi.baseUrl, model: 'tiny', apiKeyEnv: 'REMOTE_KEY' },
        },
      ],
      adapters: [
        { id: 'style', baseModel: 'llm-a', file: file('style.safetensors'), alpha: 2 },
        { id: 'tone', baseModel: 'llm-a', file: file('tone.safetensors') },
        { id: 'other-base', baseModel: 'llm-b', file: file('tone.safetensors') },
      ],
    });
    dir = await mkdtemp(join(tmpdir(), 'llm-registry-'));
    registry = new ModelRegistry(manifest, dir);
  });
  afterAll(async () => {
    await server.close();
    await openAi.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a model that is not downloaded, then serves it once pulled, with its adapters', async () => {
    const records: Record<string, unknown>[] = [];
    const manager = createLlmManager({
      registry,
      runtime: parseRuntimeConfig({ intraOpNumThreads: 1 }),
      env: { REMOTE_KEY: 'secret' },
      budgets: { cpu: 2500 },
      logger: pino({ level: 'info' }, { write: (line: string) => records.push(JSON.parse(line)) }),
    });
    await expect(manager.acquire('llm-a')).rejects.toMatchObject({
      code: InferenceErrorCode.ModelNotDownloaded,
      message: `model llm-a is not downloaded to ${registry.cacheDir}`,
      fix: 'run `pnpm models pull llm-a` (with the same --manifest and --cache-dir)',
    });
    for (const id of ['llm-a', 'llm-b', 'llm-c', 'style', 'tone', 'other-base'])
      await registry.pull(id);

    const reference = await createTinyLlm();
    const req = {
      messages: [{ role: 'user' as const, content: 'Hello world' }],
      maxTokens: 6,
      temperature: 1,
      seed: 4,
    };
    const expected = await reference.complete(req);

    const a = await manager.acquire('llm-a');
    expect(records.filter((r) => r.msg === 'LLM export read')).toEqual([
      expect.objectContaining({
        model: 'llm-a',
        files: ['tokenizer.json', 'tokenizer_config.json'],
        chatTemplate: 'tokenizer_config.json',
        eosTokenIds: [383],
        kvType: 'float32',
        loraTargets: 5,
      }),
    ]);
    expect(await collectGeneration(a.value.generate(req))).toEqual(expected);
    const styled = await collectGeneration(a.value.generate({ ...req, adapter: 'style' }));
    expect(styled.logprobs).not.toEqual(expected.logprobs);
    // The manifest's defaults fill what a request leaves out (greedy, 5 tokens here).
    const defaulted = await collectGeneration(a.value.generate({ prompt: 'Hello world' }));
    const greedy = await reference.complete({
      prompt: 'Hello world',
      temperature: 0,
      maxTokens: 5,
    });
    expect(defaulted.tokenIds).toEqual(greedy.tokenIds);
    // Alternate adapters per request on the one loaded model: no reload, each its own output.
    const toned = await collectGeneration(a.value.generate({ ...req, adapter: 'tone' }));
    expect(toned.logprobs).not.toEqual(styled.logprobs);
    for (let i = 0; i < 3; i++) {
      expect(await collectGeneration(a.value.generate({ ...req, adapter: 'style' }))).toEqual(
        styled,
      );
      expect(await collectGeneration(a.value.generate({ ...req, adapter: 'tone' }))).toEqual(toned);
      expect(await collectGeneration(a.value.generate(req))).toEqual(expected);
    }
    expect(manager.stats().loads).toBe(1);
    // An adapter of another base model is unknown here.
    await expect(
      collectGeneration(a.value.generate({ ...req, adapter: 'other-base' })),
    ).rejects.toMatchObject({
      code: InferenceErrorCode.UnknownAdapter,
    });
    await expect(
      collectGeneration(a.value.generate({ ...req, adapter: 'other' })),
    ).rejects.toMatchObject({
      code: InferenceErrorCode.UnknownAdapter,
    });

    await manager.use('llm-b', async (engine) => collectGeneration(engine.generate(req)));
    await manager.use('llm-c', async (engine) => collectGeneration(engine.generate(req)));
    // llm-a is busy the whole time: loading llm-c over the budget evicted idle llm-b.
    expect(manager.loaded().map((m) => m.id)).toEqual(['llm-a', 'llm-c']);
    expect(manager.stats()).toMatchObject({ loads: 3, evictions: 1 });
    // The OpenAI-compatible entry is a client of its server, outside the CPU budget.
    const remote = await manager.use('remote', async (backend) =>
      collectGeneration(backend.generate(req)),
    );
    expect(remote.tokenIds).toEqual(expected.tokenIds);
    expect(remote.logprobs).toEqual(expected.logprobs);
    expect(openAi.authorizations.at(-1)).toBe('Bearer secret');
    expect(manager.loaded().map((m) => [m.id, m.device])).toEqual([
      ['llm-a', 'cpu'],
      ['llm-c', 'cpu'],
      ['remote', 'remote'],
    ]);
    a.release();
    await manager.close();
  });
});
