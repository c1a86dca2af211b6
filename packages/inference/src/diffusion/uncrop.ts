/**
 * Uncrop (outpainting) geometry: the canvas an image is extended onto, the checks on it (each
 * problem named by the task field that causes it), the canvas's first fill, and the masks the
 * inpainting path repaints through. Extensions are multiples of 8, the VAE's scale, so the
 * original image covers whole latent cells and the masks need no resampling: a latent cell is
 * new or kept, never both.
 */
import {
  UNCROP_CANVAS_MAX_PIXELS,
  UNCROP_CANVAS_MAX_SIDE,
  UNCROP_CANVAS_STEP,
  UNCROP_EXTEND_STEP,
} from '@subnet/protocol/tasks';
import { InferenceError, InferenceErrorCode } from '../errors';
import type { RgbImage } from '../image/rgbImage';

/** Pixels added on each side. */
export interface UncropExtents {
  extend_left: number;
  extend_right: number;
  extend_top: number;
  extend_bottom: number;
}

export interface UncropCanvas {
  width: number;
  height: number;
  /** Where the original image sits on the canvas. */
  left: number;
  top: number;
}

/** A refused uncrop, with the task field at fault; `message` starts with that field's name. */
export interface UncropProblem {
  field: string;
  message: string;
}

const SIDES = ['extend_left', 'extend_right', 'extend_top', 'extend_bottom'] as const;

/**
 * The canvas for `image` (its header: size and alpha) extended by `ext`, or the problem with it:
 * an alpha channel (what is transparent is not an edge to continue; flatten it first), sides that
 * are not multiples of 8, nothing to extend, a canvas over UNCROP_CANVAS_MAX_SIDE per side or
 * UNCROP_CANVAS_MAX_PIXELS in all, or canvas sides off the 64 grid (the fix names the extensions
 * that would fit). Miners and the validator's API check with this one function.
 */
export function checkUncrop(
  image: { width: number; height: number; hasAlpha: boolean },
  ext: UncropExtents,
  limits: { maxPixels: number; maxSide: number } = {
    maxPixels: UNCROP_CANVAS_MAX_PIXELS,
    maxSide: UNCROP_CANVAS_MAX_SIDE,
  },
): { canvas: UncropCanvas } | { problem: UncropProblem } {
  const problem = (field: string, why: string) => ({
    problem: { field, message: `${field}: ${why}` },
  });
  if (image.hasAlpha) {
    return problem(
      'image',
      'has an alpha channel; uncrop continues an opaque picture, so send it as RGB (flatten the transparency first)',
    );
  }
  const step = UNCROP_EXTEND_STEP;
  if (image.width % step !== 0 || image.height % step !== 0) {
    return problem(
      'image',
      `is ${image.width}x${image.height}; uncrop needs both sides to be multiples of ${step} (crop or pad it first)`,
    );
  }
  for (const side of SIDES) {
    const v = ext[side];
    if (!Number.isInteger(v) || v < 0 || v % step !== 0) {
      return problem(side, `must be a whole number of pixels ≥ 0 in steps of ${step}, got ${v}`);
    }
  }
  if (SIDES.every((side) => ext[side] === 0)) {
    return problem('extend_left', 'every side is extended by 0 pixels; extend at least one side');
  }
  const width = image.width + ext.extend_left + ext.extend_right;
  const height = image.height + ext.extend_top + ext.extend_bottom;
  const largest = (sides: readonly (typeof SIDES)[number][]) =>
    sides.reduce((a, b) => (ext[b] > ext[a] ? b : a));
  if (width > limits.maxSide) {
    return problem(
      largest(['extend_left', 'extend_right']),
      `the canvas would be ${width} pixels wide; at most ${limits.maxSide} are allowed`,
    );
  }
  if (height > limits.maxSide) {
    return problem(
      largest(['extend_top', 'extend_bottom']),
      `the canvas would be ${height} pixels high; at most ${limits.maxSide} are allowed`,
    );
  }
  if (width * height > limits.maxPixels) {
    return problem(
      largest(SIDES),
      `the canvas would be ${width}x${height} = ${width * height} pixels; at most ${limits.maxPixels} are allowed`,
    );
  }
  const offGrid = (size: number, near: (typeof SIDES)[number], far: (typeof SIDES)[number]) => {
    const grid = UNCROP_CANVAS_STEP;
    if (size % grid === 0) return undefined;
    const total = ext[near] + ext[far];
    const down = total - (size % grid);
    const up = total + grid - (size % grid);
    const field = ext[far] > 0 || ext[near] === 0 ? far : near;
    return problem(
      field,
      `the canvas would be ${size} pixels ${near === 'extend_left' ? 'wide' : 'high'}; its sides must be multiples of ${grid}, so ${near} + ${far} must total ${up}${down >= 0 ? ` or ${down}` : ''}, not ${total}`,
    );
  };
  const grid =
    offGrid(width, 'extend_left', 'extend_right') ?? offGrid(height, 'extend_top', 'extend_bottom');
  if (grid) return grid;
  return { canvas: { width, height, left: ext.extend_left, top: ext.extend_top } };
}

/** checkUncrop, throwing a bad request that names the field. */
export function uncropCanvas(
  image: { width: number; height: number; hasAlpha: boolean },
  ext: UncropExtents,
): UncropCanvas {
  const checked = checkUncrop(image, ext);
  if ('problem' in checked) {
    throw new InferenceError(InferenceErrorCode.BadRequest, checked.problem.message);
  }
  return checked.canvas;
}

/**
 * The image on its canvas, the new area first filled from the nearest edge pixel (each new pixel
 * copies the closest pixel of the image), so that the VAE sees a continuation of the border
 * rather than a hard frame where the image ends.
 */
export function extendCanvas(image: RgbImage, canvas: UncropCanvas): RgbImage {
  const { width, height, left, top } = canvas;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.max(0, y - top));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.max(0, x - left));
      const from = (sy * image.width + sx) * 3;
      const to = (y * width + x) * 3;
      data[to] = image.data[from] as number;
      data[to + 1] = image.data[from + 1] as number;
      data[to + 2] = image.data[from + 2] as number;
    }
  }
  return { width, height, data };
}

/**
 * 1 for each cell of a grid `scale` pixels per cell that lies in the new area, 0 for the image's
 * cells: scale 1 is the pixel mask, scale 8 the latent grid.
 */
export function uncropMask(canvas: UncropCanvas, image: RgbImage, scale: number): Uint8Array {
  const w = canvas.width / scale;
  const h = canvas.height / scale;
  const x0 = canvas.left / scale;
  const y0 = canvas.top / scale;
  const x1 = x0 + image.width / scale;
  const y1 = y0 + image.height / scale;
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) mask[y * w + x] = x >= x0 && x < x1 && y >= y0 && y < y1 ? 0 : 1;
  }
  return mask;
}

/** `generated` with the original image's pixels put back exactly where they were. */
export function pasteOriginal(
  generated: RgbImage,
  image: RgbImage,
  canvas: UncropCanvas,
): RgbImage {
  const data = Uint8Array.from(generated.data);
  const row = image.width * 3;
  for (let y = 0; y < image.height; y++) {
    const to = ((y + canvas.top) * generated.width + canvas.left) * 3;
    data.set(image.data.subarray(y * row, (y + 1) * row), to);
  }
  return { width: generated.width, height: generated.height, data };
}
