import { bnToHex, u8aToHex } from '@polkadot/util';
import { xxhashAsU8a } from '@polkadot/util-crypto';
import type { RawChainSpec } from './rawGenesis.js';

function storageKey(pallet: string, item: string): string {
  return u8aToHex(new Uint8Array([...xxhashAsU8a(pallet, 128), ...xxhashAsU8a(item, 128)]));
}

function u64le(value: number): string {
  return bnToHex(BigInt(value), { bitLength: 64, isLe: true });
}

/**
 * The raw spec with `Timestamp.Now` and `Aura.CurrentSlot` set at genesis, on a slot boundary
 * of the runtime's Aura slot (`slotMs`: 3000 on spec 218, 1000 on spec 293). Without them
 * chopsticks reads the clock twice while building block #1 (once for the Aura digest, once for
 * the timestamp inherent), and when a slot boundary falls between the two reads the runtime
 * panics with "Timestamp slot must match `CurrentSlot`".
 */
export function genesisWithClock(
  spec: RawChainSpec,
  timestampMs: number,
  slotMs: number,
): RawChainSpec {
  const slot = Math.floor(timestampMs / slotMs);
  const ts = slot * slotMs;
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
