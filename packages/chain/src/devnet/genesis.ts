import { readFileSync } from 'node:fs';
import { bnToHex, u8aToHex } from '@polkadot/util';
import { xxhashAsU8a } from '@polkadot/util-crypto';

/** Aura slot duration of the spec-218 runtime (fast blocks: 3 s). */
export const DEVNET_SLOT_MS = 3000;

interface RawSpec {
  genesis: { raw: { top: Record<string, string> } };
  [k: string]: unknown;
}

const specs = new Map<string, RawSpec>();

function storageKey(pallet: string, item: string): string {
  return u8aToHex(new Uint8Array([...xxhashAsU8a(pallet, 128), ...xxhashAsU8a(item, 128)]));
}

function u64le(value: number): string {
  return bnToHex(BigInt(value), { bitLength: 64, isLe: true });
}

/**
 * The raw spec with `Timestamp.Now` and `Aura.CurrentSlot` set at genesis. Without them
 * chopsticks reads the clock twice while building block #1 (once for the Aura digest, once for
 * the timestamp inherent), and when a 3 s slot boundary falls between the two reads the runtime
 * panics with "Timestamp slot must match `CurrentSlot`".
 */
export function genesisWithClock(path: string, timestampMs: number): RawSpec {
  let spec = specs.get(path);
  if (!spec) {
    spec = JSON.parse(readFileSync(path, 'utf8')) as RawSpec;
    specs.set(path, spec);
  }
  const slot = Math.floor(timestampMs / DEVNET_SLOT_MS);
  const ts = slot * DEVNET_SLOT_MS;
  return {
    ...spec,
    genesis: {
      ...spec.genesis,
      raw: {
        ...spec.genesis.raw,
        top: {
          ...spec.genesis.raw.top,
          [storageKey('Timestamp', 'Now')]: u64le(ts),
          [storageKey('Aura', 'CurrentSlot')]: u64le(slot),
        },
      },
    },
  };
}
