/**
 * The four image hashes validators compute for every image (average, perceptual, difference,
 * colour) on 1024×1024 PNGs: milliseconds per image for decode + hashes, the hashes alone and
 * the decode alone, against Python imagehash 4.3.2 on Pillow timing the same files in the same
 * run, the two sides taking turns (a round of each, REPEATS rounds; row.ts `interleaved`).
 * Ratios above 1 mean we are faster; the goal for decode + hashes at 1024² is 2x. The hashes must
 * also agree (they are defined to be bit-identical).
 * Needs the project venv with imagehash (`./dev setup`); without it the bench says so and skips.
 *
 *   pnpm bench --only imageHashes      (BENCH_IMAGES=4 BENCH_REPEATS=9 BENCH_SIZE=1024)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitRow, emitSkip, interleaved, medianOf } from '../../../scripts/bench/row';
import { decodeImage } from '../src/image/decodeImage';
import { encodeImage } from '../src/image/encodeImage';
import { imageHashes } from '../src/image/imageHashes';
import type { RgbImage } from '../src/image/rgbImage';
import { createRng } from '../src/random/xoshiro128';
import { startPythonReference } from './pythonReference';

const here = dirname(fileURLToPath(import.meta.url));
const python = join(here, '../../..', '.venv/bin/python');
const IMAGES = Number(process.env.BENCH_IMAGES ?? 4);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 9);
const SIZE = Number(process.env.BENCH_SIZE ?? 1024);

const probe = existsSync(python)
  ? spawnSync(python, ['-c', 'import imagehash, PIL'], { encoding: 'utf8' }).status
  : undefined;
if (probe !== 0) {
  emitSkip(`${python} with imagehash and Pillow is missing (./dev setup)`);
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

  const ref = await startPythonReference<{
    hashes: string[][];
    imagehash: string;
    pillow: string;
  }>(python, [join(here, 'imagehash_reference.py'), ...paths]);
  try {
    const perImage = async (run: () => Promise<void> | void) => {
      const start = performance.now();
      await run();
      return (performance.now() - start) / IMAGES;
    };
    const theirs = (command: string) => async () => (await ref.ask<{ ms: number }>(command)).ms;
    const total = await interleaved(
      REPEATS,
      () =>
        perImage(async () => {
          for (const png of pngs) imageHashes(await decodeImage(png, { maxPixels }));
        }),
      theirs('total'),
    );
    const hashesOnly = await interleaved(
      REPEATS,
      () =>
        perImage(() => {
          for (const image of decoded) imageHashes(image);
        }),
      theirs('hashes'),
    );
    const decodeOnly = await interleaved(
      REPEATS,
      () =>
        perImage(async () => {
          for (const png of pngs) await decodeImage(png, { maxPixels });
        }),
      theirs('decode'),
    );
    const agree = decoded.every((image, i) => {
      const h = imageHashes(image);
      const theirHashes = ref.ready.hashes[i] ?? [];
      return [h.average_hash, h.perceptual_hash, h.difference_hash, h.color_hash].every(
        (v, k) => v === theirHashes[k],
      );
    });

    const line = (label: string, m: { ours: number[]; reference: number[] }) => {
      const ours = medianOf(m.ours);
      const theirsMs = medianOf(m.reference);
      return `${label.padEnd(18)} ours ${ours.toFixed(1).padStart(6)} ms  imagehash ${theirsMs.toFixed(1).padStart(6)} ms  ratio ${(theirsMs / ours).toFixed(2)}x\n`;
    };
    process.stdout.write(
      `image hashes, ${IMAGES} PNGs of ${SIZE}x${SIZE}, median of ${REPEATS} interleaved rounds, per image:\n` +
        line('decode + hashes', total) +
        line('hashes only', hashesOnly) +
        line('decode only', decodeOnly) +
        `hashes equal imagehash: ${agree ? 'yes' : 'NO'}\n`,
    );
    const reference = `imagehash ${ref.ready.imagehash} + Pillow ${ref.ready.pillow}`;
    const image = `${SIZE}² PNG`;
    const note = agree ? undefined : 'The hashes DIFFER from imagehash.';
    const row = (path: string, m: { ours: number[]; reference: number[] }, goal?: number) =>
      emitRow({
        group: 'image hashes',
        path,
        unit: 'ms/image',
        higherIsBetter: false,
        ours: { label: 'ours', samples: m.ours, cores: 1 },
        reference: { label: reference, samples: m.reference, cores: 1 },
        ...(goal === undefined ? {} : { goal: { ratio: goal } }),
        ...(note ? { note } : {}),
      });
    // The goal: "image hashes (4 hashes, 1024², decode included)" at least 2x imagehash.
    row(`4 hashes of a ${image}, decode included`, total, SIZE === 1024 ? 2 : undefined);
    row(`4 hashes of a decoded ${SIZE}² image`, hashesOnly);
    row(`decode of a ${image}`, decodeOnly);
    if (!agree) process.exitCode = 1;
  } finally {
    await ref.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
