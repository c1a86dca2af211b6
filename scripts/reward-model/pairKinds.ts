/**
 * The pairs the reward model learns from. Each pair is (reference image, candidate image):
 * positives are the same task re-run with the variation real GPUs show; negatives are the
 * cheats a miner would try.
 */
import { sharp } from './loadSharp.js';
import { between, type Random } from './random.js';
import { nearPrompt, randomPrompt, SCENE_SIZE, type SceneParams, sceneSvg } from './scenes.js';

export interface PairKind {
  readonly name: string;
  /** 1: same parameters (accept), 0: different (reject). */
  readonly label: 0 | 1;
  /** The candidate image (PNG) for a reference scene. */
  make(reference: SceneParams, referencePng: Buffer, random: Random): Promise<Buffer>;
}

export async function renderScene(params: SceneParams): Promise<Buffer> {
  const rendered = sharp(Buffer.from(sceneSvg(params))).removeAlpha();
  const colours = params.monochrome ? rendered.greyscale().toColourspace('srgb') : rendered;
  return colours.png().toBuffer();
}

/** Small deterministic per-pixel noise and gain: another GPU's or precision's rounding. */
async function precisionDrift(png: Buffer, random: Random, amplitude: number): Promise<Buffer> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const gain = between(random, 0.985, 1.015);
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) {
    const noise = Math.round((random() * 2 - 1) * amplitude);
    out[i] = Math.max(0, Math.min(255, Math.round((data[i] as number) * gain) + noise));
  }
  return sharp(out, { raw: { width: info.width, height: info.height, channels: 3 } })
    .png()
    .toBuffer();
}

export const PAIR_KINDS: readonly PairKind[] = [
  { name: 'png-roundtrip', label: 1, make: async (_s, png) => sharp(png).png().toBuffer() },
  {
    name: 'jpeg-roundtrip',
    label: 1,
    make: async (_s, png, random) =>
      sharp(
        await sharp(png)
          .jpeg({ quality: Math.round(between(random, 70, 95)) })
          .toBuffer(),
      )
        .png()
        .toBuffer(),
  },
  {
    name: 'webp-roundtrip',
    label: 1,
    make: async (_s, png, random) =>
      sharp(
        await sharp(png)
          .webp({ quality: Math.round(between(random, 80, 95)) })
          .toBuffer(),
      )
        .png()
        .toBuffer(),
  },
  {
    name: 'other-precision',
    label: 1,
    make: async (_s, png, random) => precisionDrift(png, random, 3),
  },
  {
    name: 'other-provider',
    label: 1,
    make: async (_s, png, random) => {
      const drifted = await precisionDrift(png, random, 2);
      const soft = await sharp(drifted)
        .blur(between(random, 0.3, 0.6))
        .png()
        .toBuffer();
      return sharp(await sharp(soft).jpeg({ quality: 92 }).toBuffer())
        .png()
        .toBuffer();
    },
  },
  {
    name: 'other-seed',
    label: 0,
    make: async (scene, _p, random) =>
      renderScene({ ...scene, seed: scene.seed + 1 + Math.floor(random() * 1e6) }),
  },
  {
    name: 'other-prompt',
    label: 0,
    make: async (scene, _p, random) =>
      renderScene({ ...scene, prompt: randomPrompt(Math.floor(random() * 1e6)) }),
  },
  {
    name: 'cached-near-prompt',
    label: 0,
    make: async (scene, _p, random) =>
      renderScene({ ...scene, prompt: nearPrompt(scene.prompt, Math.floor(random() * 1e6)) }),
  },
  {
    name: 'fewer-steps',
    label: 0,
    make: async (scene, _p, random) => {
      const rough = await renderScene({ ...scene, detail: between(random, 0.3, 0.7) });
      return sharp(rough)
        .blur(between(random, 0.8, 2))
        .png()
        .toBuffer();
    },
  },
  {
    name: 'resized',
    label: 0,
    make: async (_s, png, random) => {
      const small = Math.round(SCENE_SIZE / between(random, 4, 8));
      const down = await sharp(png).resize(small, small).png().toBuffer();
      return sharp(down).resize(SCENE_SIZE, SCENE_SIZE).png().toBuffer();
    },
  },
  {
    name: 'blurred',
    label: 0,
    make: async (_s, png, random) =>
      sharp(png)
        .blur(between(random, 2, 5))
        .png()
        .toBuffer(),
  },
];
