import { InferenceError, InferenceErrorCode } from '../errors';
import { f16ToF32 } from '../runtime/float16';

/**
 * Reader and writer for the safetensors format: an 8-byte little-endian header length, a JSON
 * header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {..} } and the raw
 * little-endian tensor bytes, offsets counted from the end of the header.
 * Tensors are returned as float32 (F32 as is, F16 and BF16 widened).
 */
export interface FloatTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: Map<string, FloatTensor>;
}

const BYTES_PER: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

function bad(message: string): InferenceError {
  return new InferenceError(InferenceErrorCode.BadSafetensors, message);
}

export function readSafetensors(buffer: Uint8Array): SafetensorsFile {
  if (buffer.length < 8) throw bad('file shorter than the 8-byte header length');
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(buffer.length - 8))
    throw bad(`header length ${headerLength} exceeds the file`);
  const dataStart = 8 + Number(headerLength);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(buffer.subarray(8, dataStart)));
  } catch (err) {
    throw new InferenceError(InferenceErrorCode.BadSafetensors, 'header is not JSON', {
      cause: err,
    });
  }
  const dataLength = buffer.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, FloatTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((entry ?? {}) as Record<string, unknown>)) {
        if (typeof v === 'string') metadata[k] = v;
      }
      continue;
    }
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = (entry ?? {}) as {
      dtype?: unknown;
      shape?: unknown;
      data_offsets?: unknown;
    };
    if (typeof dtype !== 'string' || !(dtype in BYTES_PER)) {
      throw bad(`tensor ${name}: dtype ${String(dtype)} is not supported (F32, F16, BF16)`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw bad(`tensor ${name}: bad shape`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2)
      throw bad(`tensor ${name}: bad data_offsets`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const width = BYTES_PER[dtype] as number;
    if (!(begin >= 0 && end >= begin && end <= dataLength) || end - begin !== count * width) {
      throw bad(
        `tensor ${name}: data_offsets [${begin}, ${end}] do not fit ${dtype}${JSON.stringify(shape)}`,
      );
    }
    const bytes = buffer.subarray(dataStart + begin, dataStart + end);
    tensors.set(name, { shape: shape as number[], data: toFloat32(bytes, dtype, count) });
  }
  return { metadata, tensors };
}

function toFloat32(bytes: Uint8Array, dtype: string, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    if (dtype === 'F32') out[i] = view.getFloat32(i * 4, true);
    else if (dtype === 'BF16') out[i] = bf16ToFloat(view.getUint16(i * 2, true));
    else out[i] = f16ToFloat(view.getUint16(i * 2, true));
  }
  return out;
}

function bf16ToFloat(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16);
  return view.getFloat32(0);
}

export const f16ToFloat = f16ToF32;

/** Writes float32 tensors (as F32) in name order. */
export function writeSafetensors(
  tensors: ReadonlyMap<string, FloatTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const names = [...tensors.keys()].sort();
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name) as FloatTensor;
    header[name] = {
      dtype: 'F32',
      shape: t.shape,
      data_offsets: [offset, offset + t.data.length * 4],
    };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors.get(name) as FloatTensor;
    for (let i = 0; i < t.data.length; i++) view.setFloat32(at + i * 4, t.data[i] as number, true);
    at += t.data.length * 4;
  }
  return out;
}
