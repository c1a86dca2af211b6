/**
 * Protocol-buffers messages as flat field lists: enough to edit an ONNX file without a schema
 * compiler. Decoding keeps every field's raw payload, so re-encoding reproduces the fields
 * that were not touched byte for byte.
 */
export type RawField =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 1; value: Uint8Array }
  | { field: number; wire: 2; value: Uint8Array }
  | { field: number; wire: 5; value: Uint8Array };

function readVarint(buf: Uint8Array, at: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  let pos = at;
  while (true) {
    if (pos >= buf.length) throw new RangeError('truncated varint');
    const byte = buf[pos++] as number;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 63n) throw new RangeError('varint too long');
  }
}

export function decodeFields(buf: Uint8Array): RawField[] {
  const fields: RawField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    pos = afterKey;
    if (wire === 0) {
      const [value, next] = readVarint(buf, pos);
      fields.push({ field, wire, value });
      pos = next;
    } else if (wire === 2) {
      const [length, next] = readVarint(buf, pos);
      const end = next + Number(length);
      if (end > buf.length) throw new RangeError('truncated length-delimited field');
      fields.push({ field, wire, value: buf.subarray(next, end) });
      pos = end;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (pos + size > buf.length) throw new RangeError('truncated fixed-width field');
      fields.push({ field, wire, value: buf.subarray(pos, pos + size) });
      pos += size;
    } else {
      throw new RangeError(`unsupported wire type ${wire}`);
    }
  }
  return fields;
}

function varintBytes(value: bigint): number[] {
  let v = value < 0n ? (1n << 64n) + value : value;
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export function encodeFields(fields: readonly RawField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (p: Uint8Array) => {
    parts.push(p);
    total += p.length;
  };
  for (const f of fields) {
    push(Uint8Array.from(varintBytes(BigInt((f.field << 3) | f.wire))));
    if (f.wire === 0) push(Uint8Array.from(varintBytes(f.value)));
    else if (f.wire === 2) {
      push(Uint8Array.from(varintBytes(BigInt(f.value.length))));
      push(f.value);
    } else push(f.value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function fieldStrings(fields: readonly RawField[], field: number): string[] {
  return fields
    .filter((f) => f.field === field && f.wire === 2)
    .map((f) => decoder.decode(f.value as Uint8Array));
}

export function stringField(field: number, value: string): RawField {
  return { field, wire: 2, value: encoder.encode(value) };
}

export function messageField(field: number, fields: readonly RawField[]): RawField {
  return { field, wire: 2, value: encodeFields(fields) };
}

export function intField(field: number, value: number | bigint): RawField {
  return { field, wire: 0, value: BigInt(value) };
}

/** The int64 values of a repeated field, packed or not. */
export function fieldInts(fields: readonly RawField[], field: number): bigint[] {
  const out: bigint[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 0) out.push(f.value);
    else if (f.wire === 2) {
      let pos = 0;
      while (pos < f.value.length) {
        const [v, next] = readVarint(f.value, pos);
        out.push(v);
        pos = next;
      }
    }
  }
  return out;
}
