import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Feeds a file's bytes into `hash` (or a new sha256) by streaming; returns the hash object. */
export async function hashFile(path: string, hash: Hash = createHash('sha256')): Promise<Hash> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash;
}

export async function sha256File(path: string): Promise<string> {
  return (await hashFile(path)).digest('hex');
}
