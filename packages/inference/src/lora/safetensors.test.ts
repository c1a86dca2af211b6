import { describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import { f16ToFloat, readSafetensors, writeSafetensors } from './safetensors';

function fileWith(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips F32 tensors and metadata', () => {
    const tensors = new Map([
      ['b', { shape: [2, 1], data: Float32Array.from([1.5, -2]) }],
      ['a', { shape: [3], data: Float32Array.from([0.25, 3, 1e-7]) }],
    ]);
    const bytes = writeSafetensors(tensors, { lora_alpha: '8' });
    expect((new DataView(bytes.buffer).getUint32(0, true) + 8) % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ lora_alpha: '8' });
    expect(Array.from(back.tensors.get('a')?.data ?? [])).toEqual(
      Array.from(Float32Array.from([0.25, 3, 1e-7])),
    );
    expect(back.tensors.get('b')?.shape).toEqual([2, 1]);
  });

  it('widens F16 and BF16', () => {
    // F16 0x3c00 = 1, 0xc000 = -2, 0x0001 = 2^-24; BF16 0x3fc0 = 1.5
    const data = Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0xc0, 0x3f]);
    const file = fileWith(
      {
        h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
        b: { dtype: 'BF16', shape: [1], data_offsets: [6, 8] },
      },
      data,
    );
    const t = readSafetensors(file).tensors;
    expect(Array.from(t.get('h')?.data ?? [])).toEqual([1, -2, 2 ** -24]);
    expect(Array.from(t.get('b')?.data ?? [])).toEqual([1.5]);
    expect(f16ToFloat(0x7c00)).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects offsets that do not fit the dtype and shape, and unknown dtypes', () => {
    const short = fileWith(
      { x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } },
      new Uint8Array(8),
    );
    expect(() => readSafetensors(short)).toThrow(
      expect.objectContaining({ code: InferenceErrorCode.BadSafetensors }),
    );
    const past = fileWith(
      { x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } },
      new Uint8Array(8),
    );
    expect(() => readSafetensors(past)).toThrow(/do not fit/);
    const i8 = fileWith(
      { x: { dtype: 'I8', shape: [1], data_offsets: [0, 1] } },
      new Uint8Array(1),
    );
    expect(() => readSafetensors(i8)).toThrow(/not supported/);
    expect(() => readSafetensors(new Uint8Array(4))).toThrow(/8-byte/);
  });
});
