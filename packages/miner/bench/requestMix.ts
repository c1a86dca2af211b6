/**
 * What the load client sends: signed Capacity requests, and (for the load bench) invalid ones mixed
 * in at a fixed fraction. The invalid kinds, and the status our axon must answer each with:
 *
 * - `bad-signature`      a valid request whose signature has one hex digit changed: 401
 *                        (the whole verification runs before it fails: the costly refusal);
 * - `replayed-nonce`     a copy of the connection's last valid request, already answered: 401;
 * - `malformed-body`     a signed request whose JSON body is cut in half: 400;
 * - `unregistered-caller` signed by a hotkey that is not on the metagraph: 403;
 * - `wrong-axon-hotkey`  signed for another axon's hotkey: 401.
 *
 * None of them is ever recorded by the axon's nonce window, so the valid requests that follow on
 * the same connection (same dendrite uuid, higher nonces) still verify.
 */

export const INVALID_KINDS = [
  'bad-signature',
  'replayed-nonce',
  'malformed-body',
  'unregistered-caller',
  'wrong-axon-hotkey',
] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];
export type RequestKind = 'valid' | InvalidKind;

/** What our axon answers each invalid kind with (verifyRequest.ts's order of checks). */
export const EXPECTED_STATUS: Readonly<Record<InvalidKind, number>> = {
  'bad-signature': 401,
  'replayed-nonce': 401,
  'malformed-body': 400,
  'unregistered-caller': 403,
  'wrong-axon-hotkey': 401,
};

/** One request ready to send on connection `conn` (POST /Capacity). */
export interface PreparedRequest {
  conn: number;
  kind: RequestKind;
  headers: Record<string, string>;
  body: string;
}

/**
 * Whether the `k`-th request (0-based) of a connection is an invalid one: exactly `fraction` of
 * them, evenly spread (k = 9, 19, 29, ... for 0.1).
 */
export function isInvalidSlot(k: number, fraction: number): boolean {
  return Math.floor((k + 1) * fraction) > Math.floor(k * fraction);
}

/** The kind of a connection's `n`-th invalid request: the kinds in turn, each connection offset. */
export function invalidKindAt(conn: number, n: number): InvalidKind {
  return INVALID_KINDS[(conn + n) % INVALID_KINDS.length] as InvalidKind;
}

/** The signature header with one hex digit of its R half changed (still well-formed hex). */
export function corruptSignature(signature: string): string {
  const at = 2 + 10;
  const digit = signature[at] === '0' ? '1' : '0';
  return `${signature.slice(0, at)}${digit}${signature.slice(at + 1)}`;
}
