import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageHashes } from '@subnet/inference/image';
import { afterAll, describe, expect, it } from 'vitest';
import { sharp } from './loadSharp.js';
import { PAIR_KINDS, renderScene } from './pairKinds.js';
import { seeded } from './random.js';
import { randomPrompt } from './scenes.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const python = join(repoRoot, '.venv/bin/python');
const oracle = fileURLToPath(new URL('./imagehash_oracle.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'builder-hashes-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the hashes the dataset uses (inference package) equal Python imagehash 4.3 on its scenes', () => {
  it('on scenes, their transformed candidates, odd sizes and flat images', async () => {
    const pngs: Buffer[] = [];
    for (const scene of [0, 1, 2]) {
      const params = { prompt: randomPrompt(scene), seed: 7 + scene, detail: 1 };
      const reference = await renderScene(params);
      pngs.push(reference);
      for (const kind of PAIR_KINDS.filter((_, k) => k % 3 === scene)) {
        pngs.push(await kind.make(params, reference, seeded(scene)));
      }
    }
    pngs.push(await sharp(pngs[0]).resize(301, 157, { fit: 'fill' }).png().toBuffer());
    pngs.push(await sharp(pngs[1]).resize(7, 9, { fit: 'fill' }).png().toBuffer());
    pngs.push(
      await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } })
        .png()
        .toBuffer(),
    );
    pngs.push(
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ff2a00' } })
        .png()
        .toBuffer(),
    );
    const files = pngs.map((png, i) => {
      const file = join(dir, `${i}.png`);
      writeFileSync(file, png);
      return file;
    });
    const expected = execFileSync(python, [oracle, ...files], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, string>);
    const ours = [];
    for (const png of pngs) {
      const { data, info } = await sharp(png)
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const h = imageHashes({ width: info.width, height: info.height, data: new Uint8Array(data) });
      ours.push({
        average: h.average_hash,
        perceptual: h.perceptual_hash,
        difference: h.difference_hash,
        color: h.color_hash,
      });
    }
    expect(ours).toEqual(expected);
    expect(new Set(ours.map((h) => h.perceptual)).size).toBeGreaterThan(8);
  });
});
