/**
 * Start-up refuses a task/model configuration that cannot serve: each case names the key to fix.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ModelFixtures, modelsSection, writeModelFixtures } from '@subnet/inference/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMinerConfig } from '../../src/config/loadConfig';
import { MinerError, MinerErrorCode } from '../../src/errors';
import { MinerMetrics } from '../../src/metrics/minerMetrics';
import { buildTaskBackends } from '../../src/tasks/buildTaskBackends';

let f: ModelFixtures;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  f = await writeModelFixtures();
});
afterAll(() => f?.remove());

type Section = ReturnType<typeof modelsSection>;

/** Builds with the given tasks and a changed models section; resolves to the error thrown. */
async function failure(
  tasks: Record<string, unknown>,
  change: (models: Section) => void = () => undefined,
): Promise<MinerError> {
  const models = structuredClone(modelsSection(f));
  change(models);
  const config = loadMinerConfig({ flags: { netuid: '1', tasks, models } });
  const err = await buildTaskBackends(config, log, { env: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof MinerError)) throw new Error(`expected a MinerError, got ${String(err)}`);
  return err;
}

const served = (kind: string, models: string[], loras: string[] = []) => ({
  [kind]: { models, volume: 1, loras },
});

describe('buildTaskBackends refuses configurations it cannot serve', () => {
  it('a task naming a model id that models.entries does not list', async () => {
    const err = await failure(served('TextToImage', ['sdxl-turbo']));
    expect(err.code).toBe(MinerErrorCode.ConfigInvalid);
    expect(err.message).toBe(
      "tasks.TextToImage.models names 'sdxl-turbo', which models.entries does not list (listed: tiny-llm, tiny-sd, tiny-sd-plain, tiny-clip, tiny-nsfw, tiny-x2)",
    );
  });

  it('a model of the wrong type for the task', async () => {
    const err = await failure(served('Chat', ['tiny-sd']));
    expect(err.message).toBe(
      "tasks.Chat.models: 'tiny-sd' is a diffusion model; Chat needs a llm model",
    );
    const clip = await failure(served('Upscale', ['tiny-clip']));
    expect(clip.message).toBe(
      "tasks.Upscale.models: 'tiny-clip' is a clip model; Upscale needs a upscaler model",
    );
  });

  it('a diffusion folder without the part the task needs', async () => {
    const control = await failure(served('ControlNet', ['tiny-sd-plain']));
    expect(control.message).toBe(
      "tasks.ControlNet.models: 'tiny-sd-plain' has no controlnet/model.onnx, which ControlNet needs",
    );
    const i2i = await failure(served('ImageToImage', ['tiny-sd-plain']));
    expect(i2i.message).toBe(
      "tasks.ImageToImage.models: 'tiny-sd-plain' has no vae_encoder/model.onnx, which ImageToImage needs",
    );
  });

  it('missing files: a diffusion folder, a model file, an LLM not in the registry or not downloaded', async () => {
    const folder = await failure({}, (m) => {
      (m.entries['tiny-sd-plain'] as { dir: string }).dir = join(f.root, 'nowhere');
    });
    expect(folder.message).toBe(
      `models.entries.tiny-sd-plain: ${join(f.root, 'nowhere')} has no text_encoder/model.onnx, unet/model.onnx, vae_decoder/model.onnx, tokenizer/tokenizer.json (or tokenizer/vocab.json + merges.txt)`,
    );
    const file = await failure({}, (m) => {
      (m.entries['tiny-x2'] as { file: string }).file = join(f.root, 'esrgan.onnx');
    });
    expect(file.message).toBe(
      `models.entries.tiny-x2: no model file at ${join(f.root, 'esrgan.onnx')}`,
    );
    const unknown = await failure({}, (m) => {
      (m.entries['tiny-llm'] as { registry_id?: string }).registry_id = 'qwen-0.5b';
    });
    expect(unknown.message).toBe(
      "models.entries.tiny-llm: unknown model 'qwen-0.5b' (the manifest lists: tiny-llm)",
    );
    const notPulled = await failure({}, (m) => {
      m.registry.cache_dir = join(f.root, 'empty-cache');
    });
    expect(notPulled.message).toBe(
      `models.entries.tiny-llm: model tiny-llm is not downloaded to ${join(f.root, 'empty-cache')} (missing model.onnx, tokenizer.json, tokenizer_config.json); run \`pnpm models pull tiny-llm\``,
    );
  });

  it('a clip/nsfw reference to a missing model or one of another type', async () => {
    const missing = await failure({}, (m) => {
      (m.entries['tiny-sd'] as { clip?: string }).clip = 'clip-vit-l';
    });
    expect(missing.message).toBe(
      "models.entries.tiny-sd.clip: no model 'clip-vit-l' in models.entries",
    );
    const wrong = await failure({}, (m) => {
      (m.entries['tiny-sd'] as { nsfw?: string }).nsfw = 'tiny-clip';
    });
    expect(wrong.message).toBe(
      "models.entries.tiny-sd.nsfw: model 'tiny-clip' is a clip, not a nsfw",
    );
  });

  it('an adapter the model does not have', async () => {
    const llm = await failure(served('Chat', ['tiny-llm'], ['pirate-style']));
    expect(llm.message).toBe(
      "tasks.Chat.loras: adapter 'pirate-style' is not an adapter of model 'tiny-llm' (the registry lists adapters with their baseModel)",
    );
    const sd = await failure(served('TextToImage', ['tiny-sd'], ['pixel-art']));
    expect(sd.message).toBe(
      "tasks.TextToImage.loras: adapter 'pixel-art' is not an adapter of model 'tiny-sd' (models.entries.tiny-sd.loras lists them)",
    );
  });

  it('a model file onnxruntime cannot load stops start-up naming the model', async () => {
    const broken = join(f.root, 'broken.onnx');
    await writeFile(broken, 'not an onnx model');
    const err = await failure(served('ClipEmbeddings', ['tiny-clip']), (m) => {
      (m.entries['tiny-clip'] as { file: string }).file = broken;
    });
    expect(err.code).toBe(MinerErrorCode.ModelNotLoaded);
    expect(err.message).toMatch(
      /^model 'tiny-clip' failed to load: no execution provider could load the model \(cpu: /,
    );
  });
});

describe('models under a device budget', () => {
  it('evicts the least recently used idle model, and miner_model_loaded follows', async () => {
    const models = structuredClone(modelsSection(f));
    models.budgets = { cpu: 150 };
    Object.assign(models.entries['tiny-clip'], { memory_bytes: 100 });
    Object.assign(models.entries['tiny-nsfw'], { memory_bytes: 100 });
    const config = loadMinerConfig({
      flags: {
        netuid: '1',
        models,
        tasks: { ClipEmbeddings: { models: ['tiny-clip'], volume: 1 } },
      },
    });
    const tasks = await buildTaskBackends(config, log, { env: {} });
    const metrics = new MinerMetrics();
    tasks.bindMetrics(metrics);
    const loaded = async () =>
      (await metrics.modelsLoaded.get()).values.map((v) => `${v.labels.model}@${v.labels.device}`);
    expect(await loaded()).toEqual(['tiny-clip@cpu']);
    await tasks.catalog.use('tiny-nsfw', 'nsfw', async () => undefined);
    expect(await loaded()).toEqual(['tiny-nsfw@cpu']);
    expect(tasks.catalog.manager.stats()).toEqual({ loads: 2, evictions: 1, used: { cpu: 100 } });
    await tasks.close();
    expect(await loaded()).toEqual([]);
  });
});
