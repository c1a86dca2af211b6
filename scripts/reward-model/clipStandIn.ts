/**
 * A documented stand-in for CLIP image similarity (no CLIP weights can be downloaded here): the
 * cosine similarity of 16x16 RGB thumbnails with each channel's mean removed. Like CLIP it is
 * high for the same picture through lossy transport and lower for different content, but it
 * knows nothing of semantics. The validator uses real CLIP embeddings from the inference package.
 */
import { sharp } from './loadSharp.js';

export async function clipStandInEmbedding(png: Buffer): Promise<Float64Array> {
  const data = await sharp(png).removeAlpha().resize(16, 16, { fit: 'fill' }).raw().toBuffer();
  const out = new Float64Array(data.length);
  for (let c = 0; c < 3; c++) {
    let mean = 0;
    for (let i = c; i < data.length; i += 3) mean += data[i] as number;
    mean /= data.length / 3;
    for (let i = c; i < data.length; i += 3) out[i] = (data[i] as number) - mean;
  }
  return out;
}

export function cosine(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
