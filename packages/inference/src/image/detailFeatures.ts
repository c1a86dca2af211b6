import { InferenceError, InferenceErrorCode } from '../errors';
import type { RgbImage } from './rgbImage';

/**
 * Full-resolution comparison of a candidate image with a reference of the same size: what the
 * 8x8 and 32x32 grey thumbnails behind the perceptual hashes cannot see. A candidate rendered
 * small and upscaled, or blurred, keeps its thumbnails (and hashes) but loses its fine detail; a
 * cached picture of a near prompt keeps its layout but not its colours.
 *
 * PSNR and detail ratio are computed on luma Y = 0.299 R + 0.587 G + 0.114 B, all figures in
 * double precision summed in row-major order, so they are the same on every platform.
 */
export interface DetailFeatures {
  /**
   * Peak signal-to-noise ratio of the candidate's luma against the reference's, in dB:
   * 10 log10(255^2 / MSE), capped at `PSNR_CAP_DB` (identical images give the cap).
   */
  lumaPsnr: number;
  /**
   * High-frequency energy of the candidate over the reference's: the mean squared 4-neighbour
   * Laplacian of luma (interior pixels), each plus `DETAIL_ENERGY_FLOOR`, capped at
   * `DETAIL_RATIO_CAP`. 1 for the same detail; blurring or down-then-up resizing pushes it
   * towards 0, sharpening or added noise above 1.
   */
  detailRatio: number;
  /**
   * Root mean square difference, in 8-bit levels, of the mean R, G and B of the two images over
   * a grid of `COLOR_GRID` x `COLOR_GRID` cells (fewer along a side shorter than that): 0 for
   * the same colours; pixel noise and compression artefacts average out within a cell, a changed
   * colour does not.
   */
  colorShift: number;
}

/** The PSNR given to identical images (and the most any pair gets). */
export const PSNR_CAP_DB = 60;
/** Added to both Laplacian energies: below about one grey level squared an image counts as flat. */
export const DETAIL_ENERGY_FLOOR = 1;
/** The largest detail ratio reported. */
export const DETAIL_RATIO_CAP = 10;
/** Cells along each side of the grid whose mean colours `colorShift` compares. */
export const COLOR_GRID = 16;

function lumaPlane(image: RgbImage): Float64Array {
  const { data } = image;
  const out = new Float64Array(image.width * image.height);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) {
    out[i] =
      0.299 * (data[j] as number) +
      0.587 * (data[j + 1] as number) +
      0.114 * (data[j + 2] as number);
  }
  return out;
}

/** Mean squared 4-neighbour Laplacian over the interior pixels (0 for images under 3x3). */
function laplacianEnergy(y: Float64Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  for (let row = 1; row < height - 1; row++) {
    let i = row * width + 1;
    for (let col = 1; col < width - 1; col++, i++) {
      const l =
        4 * (y[i] as number) -
        (y[i - 1] as number) -
        (y[i + 1] as number) -
        (y[i - width] as number) -
        (y[i + width] as number);
      sum += l * l;
    }
  }
  return sum / ((width - 2) * (height - 2));
}

/** Mean R, G, B of each cell of a `gx` x `gy` grid, cell (i, j) at [(j * gx + i) * 3 + c]. */
function cellMeans(image: RgbImage, gx: number, gy: number): Float64Array {
  const { width, height, data } = image;
  const sums = new Float64Array(gx * gy * 3);
  const counts = new Float64Array(gx * gy);
  const column = Int32Array.from({ length: width }, (_, x) => Math.floor((x * gx) / width));
  for (let y = 0, p = 0; y < height; y++) {
    const row = Math.floor((y * gy) / height) * gx;
    for (let x = 0; x < width; x++, p += 3) {
      const cell = row + (column[x] as number);
      const k = cell * 3;
      counts[cell] = (counts[cell] as number) + 1;
      sums[k] = (sums[k] as number) + (data[p] as number);
      sums[k + 1] = (sums[k + 1] as number) + (data[p + 1] as number);
      sums[k + 2] = (sums[k + 2] as number) + (data[p + 2] as number);
    }
  }
  for (let i = 0; i < sums.length; i++) {
    sums[i] = (sums[i] as number) / (counts[Math.floor(i / 3)] as number);
  }
  return sums;
}

function colorShift(reference: RgbImage, candidate: RgbImage): number {
  const gx = Math.min(COLOR_GRID, reference.width);
  const gy = Math.min(COLOR_GRID, reference.height);
  const a = cellMeans(reference, gx, gy);
  const b = cellMeans(candidate, gx, gy);
  let squared = 0;
  for (let i = 0; i < a.length; i++) squared += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(squared / a.length);
}

function checkImage(image: RgbImage, which: string): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InferenceError(
      InferenceErrorCode.BadRequest,
      `${which} image has no pixels (${width}x${height})`,
    );
  }
  if (data.length !== width * height * 3) {
    throw new InferenceError(
      InferenceErrorCode.BadRequest,
      `${which} image holds ${data.length} bytes, not ${width}x${height}x3`,
    );
  }
}

/**
 * Luma PSNR, detail ratio and color shift of `candidate` against `reference`. Both must have the same size:
 * a candidate of another size is not a reproduction (the caller rejects it before asking), so
 * a mismatch here throws INFERENCE_BAD_REQUEST rather than resizing.
 */
export function detailFeatures(reference: RgbImage, candidate: RgbImage): DetailFeatures {
  checkImage(reference, 'reference');
  checkImage(candidate, 'candidate');
  if (reference.width !== candidate.width || reference.height !== candidate.height) {
    throw new InferenceError(
      InferenceErrorCode.BadRequest,
      `images differ in size (reference ${reference.width}x${reference.height}, candidate ${candidate.width}x${candidate.height})`,
    );
  }
  const { width, height } = reference;
  const ref = lumaPlane(reference);
  const cand = lumaPlane(candidate);
  let squared = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = (ref[i] as number) - (cand[i] as number);
    squared += d * d;
  }
  const mse = squared / ref.length;
  const lumaPsnr = mse === 0 ? PSNR_CAP_DB : Math.min(PSNR_CAP_DB, 10 * Math.log10(65025 / mse));
  const ratio =
    (laplacianEnergy(cand, width, height) + DETAIL_ENERGY_FLOOR) /
    (laplacianEnergy(ref, width, height) + DETAIL_ENERGY_FLOOR);
  return {
    lumaPsnr,
    detailRatio: Math.min(DETAIL_RATIO_CAP, ratio),
    colorShift: colorShift(reference, candidate),
  };
}
