/**
 * Builds the reward model's training CSV: for each synthetic reference scene, one candidate of
 * every pair kind (positives: same parameters through real-world variation; negatives: cheats),
 * with the Hamming distances of the four image hashes and the CLIP stand-in similarity.
 *
 *   tsx scripts/reward-model/buildDataset.ts [--scenes 240] [--out scripts/reward-model/data/pairs.csv]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ImageHashes, imageHashes, type RgbImage } from '@subnet/inference/image';
import { clipStandInEmbedding, cosine } from './clipStandIn.js';
import { sharp } from './loadSharp.js';
import { PAIR_KINDS, renderScene } from './pairKinds.js';
import { seeded } from './random.js';
import { randomPrompt, type SceneParams } from './scenes.js';

export const CSV_HEADER = 'scene,kind,label,ahash,phash,dhash,chash,clip_standin';

async function decode(png: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function hamming(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = Number.parseInt(a.charAt(i), 16) ^ Number.parseInt(b.charAt(i), 16);
    while (x) {
      d += x & 1;
      x >>= 1;
    }
  }
  return d;
}

export function hashDistances(a: ImageHashes, b: ImageHashes): number[] {
  return [
    hamming(a.average_hash, b.average_hash),
    hamming(a.perceptual_hash, b.perceptual_hash),
    hamming(a.difference_hash, b.difference_hash),
    hamming(a.color_hash, b.color_hash),
  ];
}

/** All rows for one reference scene. */
export async function sceneRows(scene: number): Promise<string[]> {
  const params: SceneParams = { prompt: randomPrompt(scene), seed: 100_000 + scene, detail: 1 };
  const reference = await renderScene(params);
  const refHashes = imageHashes(await decode(reference));
  const refClip = await clipStandInEmbedding(reference);
  const rows: string[] = [];
  for (const [k, kind] of PAIR_KINDS.entries()) {
    const random = seeded(scene * 1000 + k);
    const candidate = await kind.make(params, reference, random);
    const distances = hashDistances(refHashes, imageHashes(await decode(candidate)));
    const clip = cosine(refClip, await clipStandInEmbedding(candidate));
    rows.push([scene, kind.name, kind.label, ...distances, clip.toFixed(6)].join(','));
  }
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenes: { type: 'string', default: '240' },
      out: { type: 'string', default: 'scripts/reward-model/data/pairs.csv' },
    },
  });
  const scenes = Number(values.scenes);
  const out = resolve(values.out);
  const lines = [CSV_HEADER];
  for (let scene = 0; scene < scenes; scene++) {
    lines.push(...(await sceneRows(scene)));
    if ((scene + 1) % 20 === 0) console.error(`scene ${scene + 1}/${scenes}`);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${lines.join('\n')}\n`);
  console.log(`wrote ${lines.length - 1} pairs from ${scenes} scenes to ${out}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
