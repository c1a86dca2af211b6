import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/image/decodeImage';
import { encodeImage } from '../../src/image/encodeImage';
import {
  averageHash,
  colorHash,
  differenceHash,
  hammingDistance,
  type ImageHashes,
  imageHashes,
  perceptualHash,
} from '../../src/image/imageHashes';
import type { RgbImage } from '../../src/image/rgbImage';
import { drawScenes, type Scene } from './drawnScenes';
import { runPython } from './pythonOracle';

// Pictures whose 8×8 low-frequency DCT block is all but zero (flat, a pure vertical ramp, a fine
// checkerboard): the median sits among rounding-level values, so any change flips about half the
// bits, in imagehash as here. The 1-pixel property is about pictures with content.
const DEGENERATE = new Set(['flat-grey-50x50', 'ramp-v-40x300', 'checker-96x96']);

// The reference is Python imagehash 4.3.2 on Pillow, run on the very PNG files hashed here.
describe('image hashes equal Python imagehash', () => {
  let dir: string;
  let scenes: Scene[];
  let pngs: Uint8Array[];
  let reference: ImageHashes[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hash-parity-'));
    scenes = await drawScenes();
    pngs = await Promise.all(scenes.map((s) => encodeImage(s.image, { format: 'png' })));
    const paths = scenes.map((s) => join(dir, `${s.name}.png`));
    await Promise.all(paths.map((p, i) => writeFile(p, pngs[i] as Uint8Array)));
    const out = await runPython('imagehashOracle.py', paths);
    reference = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ImageHashes);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('on every drawn scene (at least 20, up to 1024x1024 and down to 1x1), all four hashes', async () => {
    expect(scenes.length).toBeGreaterThanOrEqual(20);
    for (const name of ['svg-14-1024x1024', 'svg-15-1000x563', 'tiny-7x5', 'single-1x1']) {
      expect(scenes.map((s) => s.name)).toContain(name);
    }
    expect(reference).toHaveLength(scenes.length);
    const mismatches: string[] = [];
    for (const [i, scene] of scenes.entries()) {
      const decoded = await decodeImage(pngs[i] as Uint8Array, { maxPixels: 4_194_304 });
      const ours = imageHashes(decoded);
      const theirs = reference[i] as ImageHashes;
      for (const key of Object.keys(theirs) as (keyof ImageHashes)[]) {
        if (ours[key] !== theirs[key]) {
          mismatches.push(`${scene.name} ${key}: ours ${ours[key]} python ${theirs[key]}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    // The scenes are not degenerate: they hash to many distinct values.
    expect(new Set(reference.map((r) => r.perceptual_hash)).size).toBeGreaterThanOrEqual(18);
    expect(new Set(reference.map((r) => r.color_hash)).size).toBeGreaterThanOrEqual(10);
  });

  it('gives the same hashes one at a time as all four together', () => {
    for (const { name, image } of scenes) {
      const single = {
        average_hash: averageHash(image),
        perceptual_hash: perceptualHash(image),
        difference_hash: differenceHash(image),
        color_hash: colorHash(image),
      };
      expect({ name, ...single }).toEqual({ name, ...imageHashes(image) });
    }
  });

  it('moves the perceptual hash by at most 2 bits for a 1-pixel change, by many for another image', () => {
    let checked = 0;
    const failures: string[] = [];
    for (const scene of scenes) {
      const { image } = scene;
      if (image.width < 32 || image.height < 32 || DEGENERATE.has(scene.name)) continue;
      const changed = { ...image, data: image.data.slice() };
      const at = (image.width * (image.height >> 1) + (image.width >> 1)) * 3;
      for (let c = 0; c < 3; c++) changed.data[at + c] = 255 - (changed.data[at + c] as number);
      const before = imageHashes(image).perceptual_hash;
      const after = imageHashes(changed).perceptual_hash;
      const d = hammingDistance(before, after);
      if (d > 2) failures.push(`${scene.name}: ${d}`);
      checked++;
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(18);
    const a = imageHashes(scenes[0]?.image as RgbImage).perceptual_hash;
    const other = imageHashes(scenes[1]?.image as RgbImage).perceptual_hash;
    expect(hammingDistance(a, other)).toBeGreaterThanOrEqual(16);
  });
});
