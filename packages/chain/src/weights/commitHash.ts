import { hexToU8a, isHex, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';
import { checkedU16, concatBytes, u64le, vecU16 } from '../timelock/bytes.js';

/** Subnets per mechanism in the storage index (`GLOBAL_MAX_SUBNET_COUNT`). */
export const MECHANISM_STRIDE = 4096;

/** `netuid_index = mecid * 4096 + netuid` (the SDK's `get_mechid_storage_index`). */
export function netuidIndex(netuid: number, mecid = 0): number {
  return mecid * MECHANISM_STRIDE + netuid;
}

export interface CommitHashInput {
  /** Hotkey: SS58 address, 0x hex public key, or the 32 bytes. */
  hotkey: string | Uint8Array;
  netuid: number;
  /** Mechanism id (0 unless the subnet has several). */
  mecid?: number;
  uids: readonly number[];
  values: readonly number[];
  salt: readonly number[];
  versionKey: bigint | number;
}

function publicKey(hotkey: string | Uint8Array): Uint8Array {
  if (hotkey instanceof Uint8Array) return hotkey;
  return isHex(hotkey) ? hexToU8a(hotkey) : decodeAddress(hotkey);
}

/**
 * The hash that `commit_weights` stores and `reveal_weights` must match:
 * `BlakeTwo256(SCALE(pubkey, u16 netuid_index, Vec<u16> uids, Vec<u16> values, Vec<u16> salt, u64 version_key))`.
 */
export function commitHash(input: CommitHashInput): `0x${string}` {
  const data = concatBytes(
    publicKey(input.hotkey),
    checkedU16(netuidIndex(input.netuid, input.mecid ?? 0), 'netuid index'),
    vecU16(input.uids, 'uids'),
    vecU16(input.values, 'values'),
    vecU16(input.salt, 'salt'),
    u64le(BigInt(input.versionKey)),
  );
  return u8aToHex(blake2AsU8a(data, 256)) as `0x${string}`;
}

/** A fresh random salt: `length` u16 values from the system CSPRNG. */
export function randomSalt(length = 8): number[] {
  const buf = new Uint16Array(length);
  crypto.getRandomValues(buf);
  return [...buf];
}
