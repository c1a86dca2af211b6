/**
 * Flux's transformer works on a sequence of 2×2 latent patches: latents [1, C, h, w] become
 * [(h/2)·(w/2), 4C] with token (i, j) holding, per channel c, the patch values
 * (2i, 2j), (2i, 2j+1), (2i+1, 2j), (2i+1, 2j+1) at 4c … 4c+3. Each image token's position id is
 * [0, i, j]; every text token's is [0, 0, 0].
 */

export interface LatentGrid {
  channels: number;
  /** Latent height and width (pixels / the VAE's scale factor), both even. */
  height: number;
  width: number;
}

export function packLatents(latents: Float32Array, grid: LatentGrid): Float32Array {
  const { channels, height, width } = grid;
  const rows = height / 2;
  const cols = width / 2;
  const out = new Float32Array(latents.length);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      for (let c = 0; c < channels; c++) {
        for (let a = 0; a < 2; a++) {
          for (let b = 0; b < 2; b++) {
            out[k++] = latents[(c * height + 2 * i + a) * width + 2 * j + b] as number;
          }
        }
      }
    }
  }
  return out;
}

export function unpackLatents(packed: Float32Array, grid: LatentGrid): Float32Array {
  const { channels, height, width } = grid;
  const rows = height / 2;
  const cols = width / 2;
  const out = new Float32Array(packed.length);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      for (let c = 0; c < channels; c++) {
        for (let a = 0; a < 2; a++) {
          for (let b = 0; b < 2; b++) {
            out[(c * height + 2 * i + a) * width + 2 * j + b] = packed[k++] as number;
          }
        }
      }
    }
  }
  return out;
}

/** Position ids of the image tokens, [(h/2)·(w/2), 3] row-major: [0, row, column]. */
export function imagePositionIds(grid: LatentGrid): Float32Array {
  const rows = grid.height / 2;
  const cols = grid.width / 2;
  const ids = new Float32Array(rows * cols * 3);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const at = (i * cols + j) * 3;
      ids[at + 1] = i;
      ids[at + 2] = j;
    }
  }
  return ids;
}

/** Position ids of the text tokens: all zero, [tokens, 3]. */
export function textPositionIds(tokens: number): Float32Array {
  return new Float32Array(tokens * 3);
}
