/** Argument checks shared by the repositories: what the schema's columns can hold. */
import { ValidatorError, ValidatorErrorCode } from '../errors';

export function invalid(message: string): ValidatorError {
  return new ValidatorError(ValidatorErrorCode.StorageInvalidValue, message);
}

export function checkUid(uid: number, what = 'uid'): void {
  if (!Number.isInteger(uid) || uid < 0 || uid > 65_535) {
    throw invalid(`${what} must be an integer in [0, 65535]; got ${uid}`);
  }
}

export function checkU16List(values: readonly number[], what: string): void {
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0 || v > 65_535) {
      throw invalid(`${what} must hold integers in [0, 65535]; got ${v}`);
    }
  }
}

export function checkFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw invalid(`${what} must be a finite number; got ${value}`);
}
