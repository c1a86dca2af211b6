/**
 * The inference package's tiny test models written out as an operator would have them: an LLM in
 * a registry cache (manifest + downloaded files), a diffusion export folder, and single-file
 * CLIP, NSFW and upscaler models. `modelsSection` gives the `models` section of a configuration
 * (a miner's, a validator's) pointing at them.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSafetensors } from '../lora/safetensors';
import { tinyDiffusionModelBytes } from '../testModels/diffusion/tinyDiffusion';
import {
  buildTinyClipVision,
  buildTinyNsfwClassifier,
  buildTinyUpscaler,
} from '../testModels/diffusion/tinyImageModels';
import { defaultTinyUnetConfig, tinyUnetLoraTargets } from '../testModels/diffusion/tinyUnet';
import { writeTestAdapter } from './loraFixtures';
import { tinyDecoderBytes } from './tinyLlm';
import { buildTinyTokenizer } from './tinyTokenizer';

export interface ModelFixtures {
  root: string;
  manifest: string;
  cacheDir: string;
  /** A diffusion folder with every part (VAE encoder and ControlNet included). */
  diffusionDir: string;
  /** A diffusion folder with only the required parts (no VAE encoder, no ControlNet). */
  plainDiffusionDir: string;
  /** A LoRA adapter of the tiny UNet's attention (PEFT layout). */
  unetLora: string;
  clip: string;
  nsfw: string;
  upscaler: string;
  remove(): Promise<void>;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const utf8 = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** The tokenizer options of the tiny diffusion text encoder (16 positions, ChatML specials). */
export const TINY_DIFFUSION_TOKENIZER = {
  max_length: 16,
  bos_token: '<|im_start|>',
  eos_token: '<|im_end|>',
  pad_token: '<|im_end|>',
};

export interface WriteModelFixturesOptions {
  /** Directory to write into (created; default a fresh temporary directory). */
  root?: string;
}

export async function writeModelFixtures(
  options: WriteModelFixturesOptions = {},
): Promise<ModelFixtures> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'test-models-')));
  await mkdir(root, { recursive: true });
  const put = async (path: string, data: Uint8Array) => {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, data);
  };

  const tok = buildTinyTokenizer();
  const llmFiles: Record<string, Uint8Array> = {
    'model.onnx': tinyDecoderBytes(),
    'tokenizer.json': utf8(tok.tokenizerJson),
    'tokenizer_config.json': utf8(tok.tokenizerConfig),
  };
  const cacheDir = join(root, 'cache');
  for (const [path, data] of Object.entries(llmFiles))
    await put(join(cacheDir, 'models', 'tiny-llm', path), data);
  // A LoRA adapter of the LLM's lm_head (PEFT layout), "downloaded" into the registry cache.
  const style = writeSafetensors(
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
  await put(join(cacheDir, 'adapters', 'style', 'style.safetensors'), style);
  const manifest = join(root, 'manifest.json');
  await writeFile(
    manifest,
    JSON.stringify({
      version: 1,
      models: [
        {
          id: 'tiny-llm',
          taskKinds: ['text-generation'],
          pipeline: 'llm-decoder',
          precision: 'fp32',
          memoryBytes: 4_000_000,
          files: Object.entries(llmFiles).map(([path, data]) => ({
            path,
            url: `https://models.example.org/tiny-llm/${path}`,
            sha256: sha256(data),
            size: data.length,
          })),
          defaults: { maxContext: 256 },
        },
      ],
      adapters: [
        {
          id: 'style',
          baseModel: 'tiny-llm',
          file: {
            path: 'style.safetensors',
            url: 'https://models.example.org/style.safetensors',
            sha256: sha256(style),
            size: style.length,
          },
          alpha: 2,
        },
      ],
    }),
  );

  const sd = tinyDiffusionModelBytes();
  const diffusionDir = join(root, 'tiny-sd');
  const plainDiffusionDir = join(root, 'tiny-sd-plain');
  const tokenizerJson = utf8(buildTinyTokenizer(384).tokenizerJson);
  const parts: [string, Uint8Array, boolean][] = [
    ['text_encoder', sd.textEncoder, true],
    ['unet', sd.unet, true],
    ['vae_decoder', sd.vaeDecoder, true],
    ['vae_encoder', sd.vaeEncoder, false],
    ['controlnet', sd.controlNet, false],
  ];
  for (const [name, data, required] of parts) {
    await put(join(diffusionDir, name, 'model.onnx'), data);
    if (required) await put(join(plainDiffusionDir, name, 'model.onnx'), data);
  }
  for (const dir of [diffusionDir, plainDiffusionDir])
    await put(join(dir, 'tokenizer', 'tokenizer.json'), tokenizerJson);

  await mkdir(join(root, 'loras'), { recursive: true });
  const unetLora = await writeTestAdapter({
    dir: join(root, 'loras'),
    name: 'pixel',
    inputs: tinyUnetLoraTargets(defaultTinyUnetConfig).map((t) => ({
      target: t.name,
      inDim: t.inDim,
      outDim: t.outDim,
    })),
    targets: ['unet.attn.to_q', 'unet.attn.to_out'],
    rank: 4,
    alpha: 4,
    seed: 2,
  });

  const clip = join(root, 'clip', 'vision.onnx');
  const nsfw = join(root, 'nsfw', 'model.onnx');
  const upscaler = join(root, 'upscaler', 'model.onnx');
  await put(clip, buildTinyClipVision());
  await put(nsfw, buildTinyNsfwClassifier());
  await put(upscaler, buildTinyUpscaler());

  return {
    root,
    manifest,
    cacheDir,
    diffusionDir,
    plainDiffusionDir,
    unetLora: unetLora.path,
    clip,
    nsfw,
    upscaler,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** A `models` config section over the fixtures (one intra-op thread: bit-reproducible). */
export function modelsSection(f: ModelFixtures) {
  const cpu = { providers: ['cpu'], threads: 1 };
  return {
    registry: { manifests: [f.manifest], cache_dir: f.cacheDir },
    budgets: { cpu: 1_000_000_000 },
    entries: {
      'tiny-llm': { type: 'llm', ...cpu },
      'tiny-sd': {
        type: 'diffusion',
        dir: f.diffusionDir,
        tokenizer: TINY_DIFFUSION_TOKENIZER,
        clip: 'tiny-clip',
        nsfw: 'tiny-nsfw',
        loras: { pixel: { path: f.unetLora } },
        ...cpu,
      },
      'tiny-sd-plain': {
        type: 'diffusion',
        dir: f.plainDiffusionDir,
        tokenizer: TINY_DIFFUSION_TOKENIZER,
        ...cpu,
      },
      'tiny-clip': { type: 'clip', file: f.clip, ...cpu },
      'tiny-nsfw': { type: 'nsfw', file: f.nsfw, ...cpu },
      'tiny-x2': { type: 'upscaler', file: f.upscaler, tile: 32, overlap: 4, ...cpu },
    },
  };
}

/** The committed tiny Hugging Face exports (test/fixtures/hf). */
const HF_FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test',
  'fixtures',
  'hf',
);
export const HF_FLUX_DIR = join(HF_FIXTURES, 'flux', 'dev');
export const HF_FLUX_SCHNELL_DIR = join(HF_FIXTURES, 'flux', 'schnell');

/**
 * `models.entries` for the committed tiny Flux-class exports (`tiny-flux`, with a guidance
 * embedding; `tiny-flux-schnell`, without), on one CPU thread. The tiny Kandinsky export is left
 * out: its MoVQ and UNet halve the image only twice, so at the protocol's 512 px their attention
 * spans 256 × 256 cells (tens of GB); it runs at 64 px in its parity tests.
 */
export function fluxModelEntries() {
  const cpu = { providers: ['cpu'], threads: 1 };
  return {
    'tiny-flux': { type: 'diffusion', dir: HF_FLUX_DIR, ...cpu },
    'tiny-flux-schnell': { type: 'diffusion', dir: HF_FLUX_SCHNELL_DIR, ...cpu },
  };
}
