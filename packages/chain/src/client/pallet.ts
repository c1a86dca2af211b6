import type { ApiPromise } from '@polkadot/api';
import type { ApiDecoration, SubmittableExtrinsic } from '@polkadot/api/types';
import type { Event } from '@polkadot/types/interfaces';
import type { Codec } from '@polkadot/types/types';
import { ChainError, ChainErrorCode } from '../errors.js';

/** A storage item without generated types (subtensor has no api-augment package). */
export type StorageQuery = ((...args: unknown[]) => Promise<Codec>) & {
  entries: (...args: unknown[]) => Promise<[{ args: Codec[] }, Codec][]>;
  multi: (keys: unknown[]) => Promise<Codec[]>;
};

/** `api.query.<pallet>.<item>`, or `CHAIN_UNSUPPORTED_RUNTIME` when the runtime lacks it. */
export function storage(
  api: ApiPromise | ApiDecoration<'promise'>,
  item: string,
  pallet = 'subtensorModule',
): StorageQuery {
  const q = (api.query as unknown as Record<string, Record<string, StorageQuery> | undefined>)[
    pallet
  ]?.[item];
  if (!q)
    throw new ChainError(
      ChainErrorCode.Unsupported,
      `this runtime has no storage ${pallet}.${item}`,
    );
  return q;
}

/** `api.query.<pallet>.<item>` when the runtime has it. */
export function maybeStorage(
  api: ApiPromise | ApiDecoration<'promise'>,
  item: string,
  pallet = 'subtensorModule',
): StorageQuery | undefined {
  return (api.query as unknown as Record<string, Record<string, StorageQuery> | undefined>)[
    pallet
  ]?.[item];
}

export type CallFn = ((...args: unknown[]) => SubmittableExtrinsic<'promise'>) & {
  meta: { args: { length: number } };
};

/** `api.tx.<pallet>.<call>`, or `CHAIN_UNSUPPORTED_RUNTIME`. */
export function call(api: ApiPromise, name: string, pallet = 'subtensorModule'): CallFn {
  const fn = maybeCall(api, name, pallet);
  if (!fn)
    throw new ChainError(ChainErrorCode.Unsupported, `this runtime has no call ${pallet}.${name}`);
  return fn;
}

export function maybeCall(
  api: ApiPromise,
  name: string,
  pallet = 'subtensorModule',
): CallFn | undefined {
  return (api.tx as unknown as Record<string, Record<string, CallFn> | undefined>)[pallet]?.[name];
}

/** Whether `event` is `<pallet>.<name>`. */
export function isEvent(
  api: ApiPromise,
  event: Event,
  name: string,
  pallet = 'subtensorModule',
): boolean {
  const e = (
    api.events as unknown as Record<string, Record<string, { is(e: Event): boolean }> | undefined>
  )[pallet]?.[name];
  return Boolean(e?.is(event));
}
