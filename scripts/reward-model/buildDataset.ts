/**
 * Builds the reward model's training CSV: for each synthetic reference scene, one candidate of
 * every pair kind (positives: same parameters through real-world variation; negatives: cheats),
 * with the Hamming distances of the four image hashes, the full-resolution detail features (luma
 * PSNR, detail ratio and color shift, `detailFeatures`) and the CLIP stand-in similarity.
 *
 *   tsx scripts/reward-model/buildDataset.ts [--scenes 240] [--out scripts/reward-model/data/pairs.csv]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type DetailFeatures,
  detailFeatures,
  type ImageHashes,
  imageHashes,
  type RgbImage,
} from '@subnet/inference/image';
import { clipStandInEmbedding, cosine } from './clipStandIn.js';
import { sharp } from './loadSharp.js';
import { PAIR_KINDS, renderScene } from './pairKinds.js';
import { seeded } from './random.js';
import { randomPrompt, type SceneParams } from './scenes.js';

export const CSV_HEADER =
  'scene,kind,label,ahash,phash,dhash,chash,luma_psnr,detail_ratio,color_shift,clip_standin';

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

/** Every this many scenes, one is black and white (scenes 3, 7, 11...). */
export const MONOCHROME_EVERY = 4;

/** One (reference, candidate) pair of a scene, with everything measured on it. */
export interface ScenePair {
  readonly kind: string;
  readonly label: 0 | 1;
  readonly referenceHashes: ImageHashes;
  readonly candidateHashes: ImageHashes;
  readonly detail: DetailFeatures;
  readonly clipStandIn: number;
}

/** The pairs of one reference scene, one per pair kind, in `PAIR_KINDS` order. */
export async function scenePairs(scene: number): Promise<ScenePair[]> {
  const params: SceneParams = {
    prompt: randomPrompt(scene),
    seed: 100_000 + scene,
    detail: 1,
    monochrome: scene % MONOCHROME_EVERY === MONOCHROME_EVERY - 1,
  };
  const reference = await renderScene(params);
  const refImage = await decode(reference);
  const referenceHashes = imageHashes(refImage);
  const refClip = await clipStandInEmbedding(reference);
  const pairs: ScenePair[] = [];
  for (const [k, kind] of PAIR_KINDS.entries()) {
    const random = seeded(scene * 1000 + k);
    const candidate = await kind.make(params, reference, random);
    const candImage = await decode(candidate);
    pairs.push({
      kind: kind.name,
      label: kind.label,
      referenceHashes,
      candidateHashes: imageHashes(candImage),
      detail: detailFeatures(refImage, candImage),
      clipStandIn: cosine(refClip, await clipStandInEmbedding(candidate)),
    });
  }
  return pairs;
}

/** All CSV rows for one reference scene. */
export async function sceneRows(scene: number): Promise<string[]> {
  return (await scenePairs(scene)).map((pair) =>
    [
      scene,
      pair.kind,
      pair.label,
      ...hashDistances(pair.referenceHashes, pair.candidateHashes),
      pair.detail.lumaPsnr.toFixed(4),
      pair.detail.detailRatio.toFixed(6),
      pair.detail.colorShift.toFixed(4),
      pair.clipStandIn.toFixed(6),
    ].join(','),
  );
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
