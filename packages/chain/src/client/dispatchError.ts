import type { ApiPromise } from '@polkadot/api';
import type { DispatchError } from '@polkadot/types/interfaces';
import { ChainDispatchError, ChainError, ChainErrorCode } from '../errors.js';

/** Turns a runtime `DispatchError` into a typed `ChainDispatchError` through the metadata. */
export function decodeDispatchError(api: ApiPromise, err: DispatchError): ChainError {
  if (err.isModule) {
    try {
      const meta = api.registry.findMetaError(err.asModule);
      return new ChainDispatchError(
        upperFirst(meta.section),
        meta.name,
        meta.docs.join(' ').trim(),
      );
    } catch (cause) {
      return new ChainError(ChainErrorCode.Dispatch, `unknown module error ${err.toString()}`, {
        cause,
      });
    }
  }
  if (err.isBadOrigin) return new ChainDispatchError('System', 'BadOrigin', 'bad origin');
  if (err.isToken) return new ChainDispatchError('Token', err.asToken.type, '');
  if (err.isArithmetic) return new ChainDispatchError('Arithmetic', err.asArithmetic.type, '');
  return new ChainDispatchError('System', err.type, err.toString());
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
