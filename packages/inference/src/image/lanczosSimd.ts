/**
 * The horizontal pass of `resizeLanczos` as a small WebAssembly SIMD kernel: per output pixel,
 * eight taps at a time, pixels widened to 32 bits and multiplied by the 32-bit fixed-point
 * weights, summed in four 32-bit lanes. Integer sums wrap like the C int they stand for and do
 * not depend on the order of addition, so the sums equal the scalar loop's exactly.
 *
 * The module is assembled below by hand (no toolchain); its one function is
 *
 *   h(src, width, rows, outW, taps, weights, kbytes, dst)
 *
 * where `taps` holds (start, count rounded up to 8) per output pixel as i32 pairs, `weights`
 * holds each output's taps zero-padded to `kbytes` bytes, and `dst` receives rows · outW i32
 * sums (without the rounding term). Reads may run up to 8 bytes past the last row, into zeroed
 * padding. The module's memory grows to the largest image seen and is kept for the next call.
 * Where WebAssembly SIMD is missing, `simdHorizontalSums` returns undefined.
 */
const FD = 0xfd;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const i32Const = (v: number) => [0x41, v]; // small non-negative values only (< 64)
const LOOP = [0x03, 0x40];
const BLOCK = [0x02, 0x40];
const END = 0x0b;
const BR_IF = (depth: number) => [0x0d, depth];
const V128_LOAD = (offset: number) => [FD, 0x00, 0, offset];
const V128_LOAD8X8_U = [FD, 0x02, 0, 0];
const I32X4_EXTEND_LOW_U = [FD, 0xa9, 0x01];
const I32X4_EXTEND_HIGH_U = [FD, 0xaa, 0x01];
const I32X4_MUL = [FD, 0xb5, 0x01];
const I32X4_ADD = [FD, 0xae, 0x01];
const lane = (i: number) => [...get(17), FD, 0x1b, i];

// Locals: 0 src, 1 width, 2 rows, 3 outW, 4 taps, 5 weights, 6 kbytes, 7 dst (params);
// 8 y, 9 o, 10 rowp, 11 p, 12 wp, 13 end, 14 dp, 15 tp, 16 wrow (i32); 17 acc, 18 v (v128).
const body = [
  [2, 9, 0x7f, 2, 0x7b],
  [...get(7), ...set(14)], // dp = dst
  [...get(0), ...set(10)], // rowp = src
  [...get(2), ...set(8)], // y = rows
  LOOP, // each row
  [...get(4), ...set(15)], // tp = taps
  [...get(5), ...set(16)], // wrow = weights
  [...get(3), ...set(9)], // o = outW
  LOOP, // each output pixel
  [...get(10), ...get(15), 0x28, 2, 0, I32_ADD, ...tee(11)], // p = rowp + start
  [...get(15), 0x28, 2, 4, I32_ADD, ...set(13)], // end = p + count8
  [...get(16), ...set(12)], // wp = wrow
  [FD, 0x0c, ...new Array<number>(16).fill(0), ...set(17)], // acc = 0
  BLOCK,
  [...get(11), ...get(13), 0x4f, ...BR_IF(0)], // p >= end: done
  LOOP, // eight taps
  [...get(11), ...V128_LOAD8X8_U, ...tee(18), ...I32X4_EXTEND_LOW_U],
  [...get(12), ...V128_LOAD(0), ...I32X4_MUL, ...get(17), ...I32X4_ADD, ...set(17)],
  [...get(18), ...I32X4_EXTEND_HIGH_U],
  [...get(12), ...V128_LOAD(16), ...I32X4_MUL, ...get(17), ...I32X4_ADD, ...set(17)],
  [...get(11), ...i32Const(8), I32_ADD, ...set(11)], // p += 8
  [...get(12), ...i32Const(32), I32_ADD, ...set(12)], // wp += 32
  [...get(11), ...get(13), 0x49, ...BR_IF(0)], // p < end: again
  [END, END],
  [...get(14), ...lane(0), ...lane(1), I32_ADD, ...lane(2), I32_ADD, ...lane(3), I32_ADD],
  [0x36, 2, 0], // *dp = lane sum
  [...get(14), ...i32Const(4), I32_ADD, ...set(14)], // dp += 4
  [...get(15), ...i32Const(8), I32_ADD, ...set(15)], // tp += 8
  [...get(16), ...get(6), I32_ADD, ...set(16)], // wrow += kbytes
  [...get(9), ...i32Const(1), I32_SUB, ...tee(9), ...BR_IF(0)], // --o: again
  [END],
  [...get(10), ...get(1), I32_ADD, ...set(10)], // rowp += width
  [...get(8), ...i32Const(1), I32_SUB, ...tee(8), ...BR_IF(0)], // --y: again
  [END, END],
].flat();

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
const moduleBytes = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 8, ...new Array<number>(8).fill(0x7f), 0]),
  ...section(3, [1, 0]),
  ...section(5, [1, 0x00, 1]),
  ...section(7, [2, ...name('memory'), 0x02, 0, ...name('h'), 0x00, 0]),
  ...section(10, [1, ...uleb(body.length), ...body]),
]);

/** The parts of the WebAssembly API used here (the project's type libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
}

interface Kernel {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  h: (...args: number[]) => void;
}

let kernel: Kernel | null | undefined;

function load(): Kernel | null {
  if (kernel === undefined) {
    kernel = null;
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm?.validate(moduleBytes)) {
      kernel = new wasm.Instance(new wasm.Module(moduleBytes)).exports as Kernel;
    }
  }
  return kernel;
}

/** Whether the SIMD kernel runs here (false: the scalar loop is used). */
export function simdAvailable(): boolean {
  return load() !== null;
}

export interface HorizontalTaps {
  start: Int32Array;
  count: Int32Array;
  /** [outSize × ksize] fixed-point weights, zero past each output's count. */
  weights: Int32Array;
  ksize: number;
}

/**
 * Σ pixel · weight for every row and output pixel (rows · outWidth sums, row-major), or
 * undefined where WebAssembly SIMD is missing. The sums are a view of the module's memory: read
 * them before the next call.
 */
export function simdHorizontalSums(
  src: { width: number; height: number; data: Uint8Array },
  outWidth: number,
  taps: HorizontalTaps,
): Int32Array | undefined {
  const k = load();
  if (!k) return undefined;
  const { width, height, data } = src;
  const kpad = Math.ceil(taps.ksize / 8) * 8;
  const align = (n: number) => Math.ceil(n / 16) * 16;
  const srcAt = 0;
  const tapsAt = align(width * height + 16);
  const weightsAt = tapsAt + align(outWidth * 8);
  const dstAt = weightsAt + outWidth * kpad * 4;
  const bytes = dstAt + height * outWidth * 4;
  const missing = bytes - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
  const buffer = k.memory.buffer;
  const mem = new Uint8Array(buffer);
  mem.set(data, srcAt);
  mem.fill(0, srcAt + width * height, tapsAt);
  const tapWords = new Int32Array(buffer, tapsAt, outWidth * 2);
  const weightWords = new Int32Array(buffer, weightsAt, outWidth * kpad);
  weightWords.fill(0);
  for (let o = 0; o < outWidth; o++) {
    const n = taps.count[o] as number;
    tapWords[2 * o] = taps.start[o] as number;
    tapWords[2 * o + 1] = Math.ceil(n / 8) * 8;
    weightWords.set(taps.weights.subarray(o * taps.ksize, o * taps.ksize + n), o * kpad);
  }
  k.h(srcAt, width, height, outWidth, tapsAt, weightsAt, kpad * 4, dstAt);
  return new Int32Array(buffer, dstAt, height * outWidth);
}
