/**
 * What a dendrite signs and how: `{nonce}.{dendrite_hotkey}.{axon_hotkey}.{uuid}.{body_hash}` as
 * UTF-8, sr25519, sent as `0x`-hex in `bt_header_dendrite_signature`. The axon signs its own
 * `{axon_nonce}.{dendrite_hotkey}.{axon_hotkey}.{axon_uuid}` in its answer, as the SDK does.
 */
import type { Hotkey } from './keys';
import { signatureToHex } from './keys';

export interface RequestSigningFields {
  nonce: bigint;
  dendriteHotkey: string;
  axonHotkey: string;
  uuid: string;
  bodyHash: string;
}

export function requestMessage(f: RequestSigningFields): string {
  return `${f.nonce}.${f.dendriteHotkey}.${f.axonHotkey}.${f.uuid}.${f.bodyHash}`;
}

export function signRequest(hotkey: Hotkey, f: RequestSigningFields): string {
  return signatureToHex(hotkey.sign(requestMessage(f)));
}

export interface ResponseSigningFields {
  axonNonce: bigint;
  dendriteHotkey: string;
  axonHotkey: string;
  axonUuid: string;
}

export function responseMessage(f: ResponseSigningFields): string {
  return `${f.axonNonce}.${f.dendriteHotkey}.${f.axonHotkey}.${f.axonUuid}`;
}

export function signResponse(hotkey: Hotkey, f: ResponseSigningFields): string {
  return signatureToHex(hotkey.sign(responseMessage(f)));
}

let lastNonce = 0n;

/**
 * A fresh nonce: wall-clock nanoseconds since the epoch (the SDK's `time.time_ns()`), strictly
 * increasing within this process even when two calls share a millisecond.
 */
export function nextNonce(): bigint {
  const wall = BigInt(Date.now()) * 1_000_000n;
  lastNonce = wall > lastNonce ? wall : lastNonce + 1n;
  return lastNonce;
}
