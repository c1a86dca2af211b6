/**
 * Input images of synthetic image tasks, drawn from the task's PRNG: a scene (a two-colour
 * gradient, random shapes and per-pixel noise), an inpainting mask (white shapes on black) and a
 * scribble (white strokes on black). Every task draws a new image, so no answer can be cached
 * across tasks, and the same seed draws the same pixels.
 */
import type { RgbImage } from '@subnet/inference/image';
import type { Xoshiro128 } from '@subnet/inference/random';

function int(rng: Xoshiro128, min: number, max: number): number {
  return min + Math.floor(rng.nextFloat64() * (max - min + 1));
}

function color(rng: Xoshiro128): [number, number, number] {
  return [int(rng, 0, 255), int(rng, 0, 255), int(rng, 0, 255)];
}

function blank(width: number, height: number): Uint8Array {
  return new Uint8Array(width * height * 3);
}

function put(data: Uint8Array, width: number, x: number, y: number, c: readonly number[]): void {
  const i = (y * width + x) * 3;
  data[i] = c[0] as number;
  data[i + 1] = c[1] as number;
  data[i + 2] = c[2] as number;
}

/** Fills a rectangle or an ellipse inside the box with colour `c`. */
function shape(
  rng: Xoshiro128,
  img: { width: number; height: number; data: Uint8Array },
  c: readonly number[],
): void {
  const { width, height, data } = img;
  const w = int(rng, Math.max(2, width >> 3), width >> 1);
  const h = int(rng, Math.max(2, height >> 3), height >> 1);
  const x0 = int(rng, 0, width - w);
  const y0 = int(rng, 0, height - h);
  const ellipse = rng.nextFloat64() < 0.5;
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      if (ellipse) {
        const dx = (x - x0 - w / 2) / (w / 2);
        const dy = (y - y0 - h / 2) / (h / 2);
        if (dx * dx + dy * dy > 1) continue;
      }
      put(data, width, x, y, c);
    }
  }
}

/** A scene: vertical gradient between two colours, 3 to 6 shapes, noise of ±8 per channel. */
export function drawScene(rng: Xoshiro128, width: number, height: number): RgbImage {
  const data = blank(width, height);
  const top = color(rng);
  const bottom = color(rng);
  for (let y = 0; y < height; y++) {
    const t = height > 1 ? y / (height - 1) : 0;
    const c = top.map((v, k) => Math.round(v + ((bottom[k] as number) - v) * t));
    for (let x = 0; x < width; x++) put(data, width, x, y, c);
  }
  const img = { width, height, data };
  const shapes = int(rng, 3, 6);
  for (let s = 0; s < shapes; s++) shape(rng, img, color(rng));
  for (let i = 0; i < data.length; i++) {
    const v = (data[i] as number) + int(rng, -8, 8);
    data[i] = Math.min(255, Math.max(0, v));
  }
  return img;
}

/** A mask: 1 to 2 white shapes on black (white = repaint). */
export function drawMask(rng: Xoshiro128, width: number, height: number): RgbImage {
  const img = { width, height, data: blank(width, height) };
  const shapes = int(rng, 1, 2);
  for (let s = 0; s < shapes; s++) shape(rng, img, [255, 255, 255]);
  return img;
}

/** A scribble: 2 to 4 white strokes (random walks, 3 pixels wide) on black. */
export function drawScribble(rng: Xoshiro128, width: number, height: number): RgbImage {
  const data = blank(width, height);
  const strokes = int(rng, 2, 4);
  const white = [255, 255, 255];
  for (let s = 0; s < strokes; s++) {
    let x = int(rng, 0, width - 1);
    let y = int(rng, 0, height - 1);
    let angle = rng.nextFloat64() * 2 * Math.PI;
    const length = int(rng, width >> 2, width);
    for (let i = 0; i < length; i++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const px = Math.round(x) + dx;
          const py = Math.round(y) + dy;
          if (px >= 0 && py >= 0 && px < width && py < height) put(data, width, px, py, white);
        }
      }
      angle += (rng.nextFloat64() - 0.5) * 0.6;
      x = Math.min(width - 1, Math.max(0, x + Math.cos(angle)));
      y = Math.min(height - 1, Math.max(0, y + Math.sin(angle)));
    }
  }
  return { width, height, data };
}
