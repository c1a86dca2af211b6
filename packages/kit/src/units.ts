/** TAO and RAO (1 TAO = 10^9 RAO), converted exactly: RAO are bigints, TAO are decimal text. */

export const RAO_PER_TAO = 1_000_000_000n;
const TAO_DECIMALS = 9;

/** `rao` as TAO with `decimals` places (default all 9, trailing zeros kept), truncated. */
export function raoToTao(rao: bigint, decimals = TAO_DECIMALS): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > TAO_DECIMALS) {
    throw new RangeError(`decimals must be 0..${TAO_DECIMALS}, got ${decimals}`);
  }
  const sign = rao < 0n ? '-' : '';
  const abs = rao < 0n ? -rao : rao;
  const whole = abs / RAO_PER_TAO;
  const frac = (abs % RAO_PER_TAO).toString().padStart(TAO_DECIMALS, '0').slice(0, decimals);
  return `${sign}${whole}${decimals > 0 ? `.${frac}` : ''}`;
}

/** `rao` as a TAO number (for display and scoring; loses precision past 2^53 RAO). */
export function raoToTaoNumber(rao: bigint): number {
  return Number(rao) / Number(RAO_PER_TAO);
}

/**
 * TAO typed by an operator (`1`, `0.5`, `1000.000000001`) as RAO, exactly. Refuses signs,
 * exponents, more than 9 decimals and values above 21 million TAO.
 */
export function taoToRao(text: string): bigint {
  const t = text.trim();
  const m = /^(\d{1,8})(?:\.(\d{1,9}))?$/.exec(t);
  if (!m) {
    throw new RangeError(
      `"${text}" is not an amount of TAO: expected a plain decimal number with at most 9 decimals (e.g. 0.5)`,
    );
  }
  const rao = BigInt(m[1] as string) * RAO_PER_TAO + BigInt((m[2] ?? '').padEnd(TAO_DECIMALS, '0'));
  if (rao > 21_000_000n * RAO_PER_TAO)
    throw new RangeError(`"${text}" TAO is more than will ever exist`);
  return rao;
}
