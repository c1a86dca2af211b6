/**
 * A decompression bomb: a valid PNG of a few MB (correct CRCs and zlib checksum) whose header
 * claims 30000 x 30000 8-bit RGB and whose IDAT inflates to 2.7 GB of zeros. A decoder that trusts
 * the header, or inflates before checking the pixel count, allocates gigabytes.
 *
 * Built without inflating 2.7 GB here: one deflate segment of many zero rows, ended by a sync
 * flush (byte-aligned, not final), repeated; then a final empty block and the Adler-32 of the
 * zeros (a = 1, b = n mod 65521). Deflate caps out near 1:1032, hence the size.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

export const BOMB_PNG_SIDE = 30_000;
/** Bytes a full decode inflates to: one filter byte and 3 bytes a pixel per row. */
export const BOMB_PNG_INFLATED_BYTES = BOMB_PNG_SIDE * (1 + 3 * BOMB_PNG_SIDE);

const ROWS_PER_SEGMENT = 100;
const ADLER_MOD = 65_521;

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

function zerosZlib(rowBytes: number, rows: number): Buffer {
  if (rows % ROWS_PER_SEGMENT !== 0) throw new RangeError('rows must be a multiple of 100');
  const segment = deflateRawSync(Buffer.alloc(rowBytes * ROWS_PER_SEGMENT), {
    level: 9,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  const total = rowBytes * rows;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((total % ADLER_MOD) << 16) | 1) >>> 0, 0);
  const parts: Buffer[] = [Buffer.from([0x78, 0xda])];
  for (let i = 0; i < rows / ROWS_PER_SEGMENT; i++) parts.push(segment);
  // A final fixed-Huffman block holding only its end-of-block code.
  parts.push(Buffer.from([0x03, 0x00]), adler);
  return Buffer.concat(parts);
}

let cached: Buffer | undefined;

/** The bomb's bytes (built once, then shared). */
export function decompressionBombPng(): Buffer {
  if (cached) return cached;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(BOMB_PNG_SIDE, 0);
  ihdr.writeUInt32BE(BOMB_PNG_SIDE, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  cached = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zerosZlib(1 + 3 * BOMB_PNG_SIDE, BOMB_PNG_SIDE)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return cached;
}
