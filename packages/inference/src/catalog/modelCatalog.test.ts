import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyClipTokenizer } from '../../test/diffusion/tinyClipTokenizer';
import { parseSchedulerOverrides } from '../diffusion/createScheduler';
import { InferenceErrorCode } from '../errors';
import { type ModelFixtures, modelsSection, writeModelFixtures } from '../testing/modelFixtures';
import { TINY_CLIP_IMAGE_SIZE } from '../testModels/diffusion/tinyImageModels';
import { checkModelEntries } from './checkModelEntries';
import { ModelCatalog } from './modelCatalog';
import { modelsConfigSchema } from './modelsConfig';

let f: ModelFixtures;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  f = await writeModelFixtures();
});
afterAll(() => f?.remove());

const parse = (section: unknown) => modelsConfigSchema.parse(section);

describe('checkModelEntries', () => {
  it('plans every entry on its device with the manifest or file size', async () => {
    const checked = await checkModelEntries({ models: parse(modelsSection(f)), env: {} });
    expect([...checked.plans.keys()]).toEqual([
      'tiny-llm',
      'tiny-sd',
      'tiny-sd-plain',
      'tiny-clip',
      'tiny-nsfw',
      'tiny-x2',
    ]);
    expect(checked.plans.get('tiny-llm')).toEqual({ device: 'cpu', bytes: 4_000_000 });
    expect([...(checked.parts.get('tiny-sd') ?? [])].sort()).toEqual([
      'controlnet',
      'text_encoder',
      'unet',
      'vae_decoder',
      'vae_encoder',
    ]);
    expect([...(checked.parts.get('tiny-sd-plain') ?? [])].sort()).toEqual([
      'text_encoder',
      'unet',
      'vae_decoder',
    ]);
  });

  it('names the key and the fix of a broken entry', async () => {
    const section = modelsSection(f);
    const broken = async (entries: Record<string, unknown>) =>
      checkModelEntries({
        models: parse({ ...section, entries: { ...section.entries, ...entries } }),
        env: {},
      }).then(
        () => undefined,
        (e: { code: string; message: string }) => [e.code, e.message],
      );
    expect(
      await broken({ 'tiny-clip': { type: 'clip', file: join(f.root, 'nope.onnx') } }),
    ).toEqual([
      InferenceErrorCode.BadConfig,
      `models.entries.tiny-clip: no model file at ${f.root}/nope.onnx`,
    ]);
    // A LoRA is a safetensors file or a PEFT save folder; a folder without the weights is named.
    const peft = join(f.root, 'peft-folder');
    await mkdir(peft, { recursive: true });
    const withLora = (path: string) => ({
      'tiny-sd': { ...section.entries['tiny-sd'], loras: { style: { path } } },
    });
    expect(await broken(withLora(peft))).toEqual([
      InferenceErrorCode.BadConfig,
      `models.entries.tiny-sd.loras.style: the folder ${peft} has no adapter_model.safetensors (PEFT) or pytorch_lora_weights.safetensors (diffusers)`,
    ]);
    await cp(f.unetLora, join(peft, 'adapter_model.safetensors'));
    expect(await broken(withLora(peft))).toBeUndefined();
    expect(await broken(withLora(f.unetLora))).toBeUndefined();
    expect(await broken(withLora(join(f.root, 'none.safetensors')))).toEqual([
      InferenceErrorCode.BadConfig,
      `models.entries.tiny-sd.loras.style: no file or adapter folder at ${f.root}/none.safetensors`,
    ]);
    expect(
      await broken({ 'tiny-sd': { ...section.entries['tiny-sd'], nsfw: 'tiny-clip' } }),
    ).toEqual([
      InferenceErrorCode.BadConfig,
      "models.entries.tiny-sd.nsfw: model 'tiny-clip' is a clip, not a nsfw",
    ]);
    await rm(join(f.cacheDir, 'models', 'tiny-llm', 'model.onnx'));
    try {
      const [code, message] = (await broken({})) ?? [];
      expect(code).toBe(InferenceErrorCode.BadConfig);
      expect(message).toContain('models.entries.tiny-llm: model tiny-llm is not downloaded');
      expect(message).toContain('missing model.onnx');
      expect(message).toContain('`pnpm models pull tiny-llm`');
    } finally {
      const fresh = await writeModelFixtures();
      const path = join('models', 'tiny-llm', 'model.onnx');
      await writeFile(join(f.cacheDir, path), await readFile(join(fresh.cacheDir, path)));
      await fresh.remove();
    }
  });
});

describe('checkModelEntries: diffusion export folders as Optimum writes them', () => {
  it('takes a slow-layout tokenizer (vocab.json + merges.txt); names a missing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sd-slow-tokenizer-'));
    try {
      await cp(f.plainDiffusionDir, dir, { recursive: true });
      await rm(join(dir, 'tokenizer'), { recursive: true });
      await writeTinyClipTokenizer(join(dir, 'tokenizer'));
      const check = (scheduler?: Record<string, unknown>) =>
        checkModelEntries({
          models: parse({
            entries: { sd: { type: 'diffusion', dir, ...(scheduler ? { scheduler } : {}) } },
          }),
          env: {},
        });
      expect([...((await check()).parts.get('sd') ?? [])].sort()).toEqual([
        'text_encoder',
        'unet',
        'vae_decoder',
      ]);
      await expect(check({ kind: 'pndm' })).rejects.toMatchObject({
        code: InferenceErrorCode.BadConfig,
        message: expect.stringMatching(/^models\.entries\.sd\.scheduler\.kind: Invalid option/),
      });
      await rm(join(dir, 'tokenizer', 'merges.txt'));
      await expect(check()).rejects.toMatchObject({
        code: InferenceErrorCode.BadConfig,
        message: `models.entries.sd: ${dir} has no tokenizer/tokenizer.json (or tokenizer/vocab.json + merges.txt)`,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a config scheduler block keeps only the settings it gives (the export decides the rest)', () => {
    expect(parseSchedulerOverrides({ kind: 'ddim', stepsOffset: 0 })).toEqual({
      kind: 'ddim',
      stepsOffset: 0,
    });
    expect(parse({ entries: { sd: { type: 'diffusion', dir: '/m/sd' } } }).entries.sd).toEqual({
      type: 'diffusion',
      dir: '/m/sd',
      loras: {},
      providers: ['cpu'],
      device_id: 0,
      threads: 0,
    });
  });
});

describe('ModelCatalog', () => {
  it('loads each model as its type and refuses another type', async () => {
    const catalog = await ModelCatalog.open({ models: parse(modelsSection(f)), log, env: {} });
    const text = await catalog.use('tiny-llm', 'llm', async (b) =>
      b.engine.complete({ prompt: 'hello', maxTokens: 4, temperature: 0, seed: 1 }),
    );
    expect(text.tokenIds).toHaveLength(4);
    const side = await catalog.use('tiny-clip', 'clip', async (b) => b.clip.imageSize);
    expect(side).toBe(TINY_CLIP_IMAGE_SIZE);
    await expect(catalog.use('tiny-clip', 'llm', async () => 1)).rejects.toMatchObject({
      code: InferenceErrorCode.UnknownModel,
      message: 'model tiny-clip is not a llm model',
    });
    await expect(catalog.use('nope', 'llm', async () => 1)).rejects.toMatchObject({
      code: InferenceErrorCode.UnknownModel,
      message:
        'unknown model nope (configured: tiny-llm, tiny-sd, tiny-sd-plain, tiny-clip, tiny-nsfw, tiny-x2)',
    });
    expect(
      catalog.manager
        .loaded()
        .map((m) => m.id)
        .sort(),
    ).toEqual(['tiny-clip', 'tiny-llm']);
    await catalog.manager.close();
    expect(catalog.manager.loaded()).toEqual([]);
  });
});
