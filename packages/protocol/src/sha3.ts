import { createHash } from 'node:crypto';

/** SHA3-256 of the UTF-8 bytes of `text`, lowercase hex (the SDK's `get_hash`). */
export function sha3Hex(text: string | Uint8Array): string {
  return createHash('sha3-256').update(text).digest('hex');
}
