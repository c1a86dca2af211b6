/**
 * The four image hashes validators compute for every image (average, perceptual, difference,
 * colour) on 1024×1024 PNGs: milliseconds per image for decode + hashes, the hashes alone and
 * the decode alone, against Python imagehash 4.3.2 on Pillow timing the same files in the same
 * run. Ratios above 1 mean we are faster. The hashes must also agree (they are defined to be
 * bit-identical).
 * Needs the project venv with imagehash (`./dev setup`); without it the bench says so and skips.
 *
 *   pnpm --filter @subnet/inference exec tsx bench/imageHashes.bench.ts
 *   (BENCH_IMAGES=4 BENCH_REPEATS=9 BENCH_SIZE=1024)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../src/image/decodeImage';
import { encodeImage } from '../src/image/encodeImage';
import { imageHashes } from '../src/image/imageHashes';
import type { RgbImage } from '../src/image/rgbImage';
import { createRng } from '../src/random/xoshiro128';
import { median } from './median';

const here = dirname(fileURLToPath(import.meta.url));
const python = join(here, '../../..', '.venv/bin/python');
const IMAGES = Number(process.env.BENCH_IMAGES ?? 4);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 9);
const SIZE = Number(process.env.BENCH_SIZE ?? 1024);

const probe = existsSync(python)
  ? spawnSync(python, ['-c', 'import imagehash, PIL'], { encoding: 'utf8' }).status
  : undefined;
if (probe !== 0) {
  process.stdout.write(
    `imageHashes bench skipped: ${python} with imagehash and Pillow is missing\n`,
  );
  process.exit(0);
}

/** A deterministic picture with content: colour gradients, soft blobs and a little noise. */
function drawImage(seed: number): RgbImage {
  const rng = createRng(seed);
  const blobs = Array.from({ length: 6 }, () => ({
    x: rng.nextFloat64() * SIZE,
    y: rng.nextFloat64() * SIZE,
    r: SIZE * (0.05 + 0.2 * rng.nextFloat64()),
    c: [rng.nextUint32() & 255, rng.nextUint32() & 255, rng.nextUint32() & 255],
  }));
  const data = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const i = (y * SIZE + x) * 3;
      let r = (x * 255) / SIZE;
      let g = (y * 255) / SIZE;
      let b = 128;
      for (const blob of blobs) {
        if (Math.hypot(x - blob.x, y - blob.y) < blob.r) {
          [r, g, b] = blob.c as [number, number, number];
        }
      }
      const n = (rng.nextUint32() & 15) - 8;
      data[i] = Math.max(0, Math.min(255, r + n));
      data[i + 1] = Math.max(0, Math.min(255, g + n));
      data[i + 2] = Math.max(0, Math.min(255, b + n));
    }
  }
  return { width: SIZE, height: SIZE, data };
}

const dir = await mkdtemp(join(tmpdir(), 'hash-bench-'));
try {
  const pngs = await Promise.all(
    Array.from({ length: IMAGES }, (_, i) => encodeImage(drawImage(i + 1), { format: 'png' })),
  );
  const paths = pngs.map((_, i) => join(dir, `image-${i}.png`));
  await Promise.all(paths.map((p, i) => writeFile(p, pngs[i] as Uint8Array)));
  const maxPixels = SIZE * SIZE;
  const decoded = await Promise.all(pngs.map((png) => decodeImage(png, { maxPixels })));

  const oursTotal =
    ((await median(REPEATS, async () => {
      for (const png of pngs) imageHashes(await decodeImage(png, { maxPixels }));
    })) *
      1000) /
    IMAGES;
  const oursHashes =
    ((await median(REPEATS, async () => {
      for (const image of decoded) imageHashes(image);
    })) *
      1000) /
    IMAGES;

  const oursDecode =
    ((await median(REPEATS, async () => {
      for (const png of pngs) await decodeImage(png, { maxPixels });
    })) *
      1000) /
    IMAGES;

  const run = spawnSync(python, [join(here, 'imagehash_reference.py'), String(REPEATS), ...paths], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`imagehash_reference.py failed: ${run.stderr}`);
  const ref = JSON.parse(run.stdout) as {
    total_ms: number;
    hashes_ms: number;
    decode_ms: number;
    hashes: string[][];
  };
  const agree = decoded.every((image, i) => {
    const h = imageHashes(image);
    const theirs = ref.hashes[i] ?? [];
    return [h.average_hash, h.perceptual_hash, h.difference_hash, h.color_hash].every(
      (v, k) => v === theirs[k],
    );
  });

  const row = (label: string, ours: number, theirs: number) =>
    `${label.padEnd(18)} ours ${ours.toFixed(1).padStart(6)} ms  imagehash ${theirs.toFixed(1).padStart(6)} ms  ratio ${(theirs / ours).toFixed(2)}x\n`;
  process.stdout.write(
    `image hashes, ${IMAGES} PNGs of ${SIZE}x${SIZE}, median of ${REPEATS}, per image:\n` +
      row('decode + hashes', oursTotal, ref.total_ms) +
      row('hashes only', oursHashes, ref.hashes_ms) +
      row('decode only', oursDecode, ref.decode_ms) +
      `hashes equal imagehash: ${agree ? 'yes' : 'NO'}\n`,
  );
  if (!agree) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
