import sharp from 'sharp';
import type { RgbImage } from '../../src/image/rgbImage';
import { createRng } from '../../src/random/xoshiro128';

/**
 * Varied, text-free test pictures drawn deterministically: SVG scenes (gradients, shapes, strokes)
 * rendered by sharp, and pixel-level scenes (noise, ramps, checkers, flat colours) drawn from the
 * package PRNG. Sizes vary (tiny, odd, wide, tall) so every resize path is exercised.
 */
export interface Scene {
  name: string;
  image: RgbImage;
}

async function fromSvg(svg: string): Promise<RgbImage> {
  const { data, info } = await sharp(Buffer.from(svg))
    .flatten({ background: '#000000' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function svgScene(seed: number, width: number, height: number): string {
  const rng = createRng(seed);
  const int = (n: number) => Math.floor(rng.nextFloat64() * n);
  const color = () => `rgb(${int(256)},${int(256)},${int(256)})`;
  const parts: string[] = [
    `<defs><linearGradient id="g" x1="0" y1="0" x2="${rng.nextFloat64().toFixed(3)}" y2="1">`,
    `<stop offset="0" stop-color="${color()}"/><stop offset="1" stop-color="${color()}"/>`,
    '</linearGradient></defs>',
    `<rect width="${width}" height="${height}" fill="url(#g)"/>`,
  ];
  for (let i = 0, n = 3 + int(6); i < n; i++) {
    const kind = int(3);
    if (kind === 0) {
      parts.push(
        `<circle cx="${int(width)}" cy="${int(height)}" r="${4 + int(width / 3)}" fill="${color()}"/>`,
      );
    } else if (kind === 1) {
      parts.push(
        `<rect x="${int(width)}" y="${int(height)}" width="${4 + int(width / 2)}" height="${4 + int(height / 2)}" fill="${color()}" transform="rotate(${int(90)})"/>`,
      );
    } else {
      parts.push(
        `<path d="M${int(width)} ${int(height)} Q${int(width)} ${int(height)} ${int(width)} ${int(height)}" stroke="${color()}" stroke-width="${1 + int(12)}" fill="none"/>`,
      );
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

function drawPixels(
  width: number,
  height: number,
  paint: (x: number, y: number) => [number, number, number],
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      data.set([r, g, b], (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

export async function drawScenes(): Promise<Scene[]> {
  const scenes: Scene[] = [];
  const svgSizes: [number, number][] = [
    [256, 256],
    [320, 200],
    [200, 320],
    [97, 61],
    [512, 384],
    [64, 64],
    [333, 111],
    [150, 450],
    [640, 480],
    [48, 40],
    [400, 400],
    [123, 257],
    [9, 8],
    [1024, 96],
    // Full-size pictures, as validators hash them, and an odd-sized one.
    [1024, 1024],
    [1000, 563],
  ];
  for (const [i, [w, h]] of svgSizes.entries()) {
    scenes.push({ name: `svg-${i}-${w}x${h}`, image: await fromSvg(svgScene(1000 + i, w, h)) });
  }
  const noise = createRng(7);
  const byte = () => noise.nextUint32() & 255;
  scenes.push({ name: 'noise-80x60', image: drawPixels(80, 60, () => [byte(), byte(), byte()]) });
  scenes.push({
    name: 'ramp-h-256x32',
    image: drawPixels(256, 32, (x) => [x, 255 - x, (x * 3) & 255]),
  });
  scenes.push({
    name: 'ramp-v-40x300',
    image: drawPixels(40, 300, (_, y) => [y % 256, 128, 255 - (y % 256)]),
  });
  scenes.push({
    name: 'checker-96x96',
    image: drawPixels(96, 96, (x, y) =>
      ((x >> 3) + (y >> 3)) & 1 ? [250, 20, 20] : [10, 10, 200],
    ),
  });
  scenes.push({ name: 'flat-grey-50x50', image: drawPixels(50, 50, () => [128, 128, 128]) });
  scenes.push({ name: 'flat-orange-33x17', image: drawPixels(33, 17, () => [255, 140, 0]) });
  scenes.push({ name: 'black-16x16', image: drawPixels(16, 16, () => [0, 0, 0]) });
  scenes.push({
    name: 'hue-wheel-180x180',
    image: drawPixels(180, 180, (x, y) => {
      const a = Math.atan2(y - 90, x - 90);
      return [
        Math.round(127.5 + 127.5 * Math.cos(a)),
        Math.round(127.5 + 127.5 * Math.cos(a - 2.094)),
        Math.round(127.5 + 127.5 * Math.cos(a + 2.094)),
      ];
    }),
  });
  scenes.push({
    name: 'rings-210x140',
    image: drawPixels(210, 140, (x, y) => {
      const d = Math.hypot(x - 105, y - 70);
      return [Math.floor(d * 3) & 255, Math.floor(d * 7) & 255, 90];
    }),
  });
  scenes.push({
    name: 'soft-noise-128x128',
    image: drawPixels(128, 128, (x, y) => {
      const v = 100 + (byte() >> 3) + ((x * y) >> 7);
      return [v & 255, (v + 40) & 255, (v + 80) & 255];
    }),
  });
  // Large with fine detail everywhere: a colour ramp under per-pixel noise.
  scenes.push({
    name: 'noisy-ramp-1024x1024',
    image: drawPixels(1024, 1024, (x, y) => {
      const n = (byte() & 31) - 16;
      const clamp = (v: number) => Math.max(0, Math.min(255, v));
      return [clamp((x >> 2) + n), clamp((y >> 2) - n), clamp(((x + y) >> 3) + n)];
    }),
  });
  // Smaller than every hash size (each resize enlarges), down to a single pixel.
  scenes.push({ name: 'tiny-7x5', image: drawPixels(7, 5, () => [byte(), byte(), byte()]) });
  scenes.push({ name: 'single-1x1', image: drawPixels(1, 1, () => [200, 60, 30]) });
  // colorhash fractions of 4/8 and 5/8, where imagehash's digit rule differs from plain binary.
  scenes.push({
    name: 'black-5-of-8-40x10',
    image: drawPixels(40, 10, (x) => (x < 25 ? [0, 0, 0] : [140, 140, 140])),
  });
  scenes.push({
    name: 'red-4-of-8-16x16',
    image: drawPixels(16, 16, (_, y) => (y < 8 ? [230, 20, 20] : [90, 90, 90])),
  });
  return scenes;
}
