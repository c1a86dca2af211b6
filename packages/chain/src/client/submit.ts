import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { DispatchError, EventRecord } from '@polkadot/types/interfaces';
import { ChainError, ChainErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { decodeDispatchError } from './dispatchError.js';
import type { NonceTracker } from './nonceTracker.js';
import { isEvent } from './pallet.js';

export interface SubmitOptions {
  /** Wait for the block that includes it (default) or for its finalization. */
  waitFor?: 'inclusion' | 'finalization';
  /** Give up waiting after this long (default 120 s). The extrinsic may still land later. */
  timeoutMs?: number;
}

export interface TxReceipt {
  blockHash: string;
  blockNumber: number;
  txHash: string;
  events: EventRecord[];
}

/**
 * Signs with a locally tracked nonce, sends, and waits for inclusion. A pool rejection becomes
 * `CHAIN_TX_REJECTED`; a failed dispatch becomes a `ChainDispatchError` with the pallet's name
 * for it. The per-signer lock is held only until the pool accepts the extrinsic, so several
 * extrinsics from one key can be in flight at once. When `lost` aborts (the connection dropped:
 * the node forgets the status subscription and it is not resumed), the wait ends at once with
 * `CHAIN_CONNECTION`; an extrinsic already in the pool may still land.
 */
export async function submitExtrinsic(
  api: ApiPromise,
  nonces: NonceTracker,
  signer: KeyringPair,
  tx: SubmittableExtrinsic<'promise'>,
  options: SubmitOptions & { log?: Logger; label?: string; lost?: AbortSignal } = {},
): Promise<TxReceipt> {
  const waitFor = options.waitFor ?? 'inclusion';
  const timeoutMs = options.timeoutMs ?? 120_000;
  const label = options.label ?? `${tx.method.section}.${tx.method.method}`;
  let included!: Promise<{ blockHash: string; events: EventRecord[]; txHash: string }>;

  await nonces.withNonce(api, signer.address, async (nonce) => {
    let accept!: () => void;
    let reject!: (e: unknown) => void;
    const accepted = new Promise<void>((res, rej) => {
      accept = res;
      reject = rej;
    });
    included = new Promise((resolve, fail) => {
      let settled = false;
      let unsub: (() => void) | undefined;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        options.lost?.removeEventListener('abort', onLost);
        unsubscribe(unsub);
        const e = new ChainError(
          ChainErrorCode.Timeout,
          `${label}: not included within ${timeoutMs} ms`,
        );
        reject(e);
        fail(e);
      }, timeoutMs);
      const onLost = () => {
        const e = new ChainError(
          ChainErrorCode.Connection,
          `${label}: connection lost before inclusion; the extrinsic may still land`,
          { cause: options.lost?.reason },
        );
        reject(e);
        done(() => fail(e));
      };
      const done = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.lost?.removeEventListener('abort', onLost);
        unsubscribe(unsub);
        fn();
      };
      if (options.lost?.aborted) {
        onLost();
        return;
      }
      options.lost?.addEventListener('abort', onLost, { once: true });
      tx.signAndSend(signer, { nonce }, (result) => {
        const s = result.status;
        if (s.isReady || s.isFuture || s.isBroadcast || s.isInBlock || s.isFinalized) accept();
        if (s.isInvalid || s.isDropped || s.isUsurped || s.isRetracted || s.isFinalityTimeout) {
          // Dropped or retracted around a lost connection says nothing sure: unknown, not refused.
          const unsure = options.lost?.aborted || s.isRetracted || s.isFinalityTimeout;
          const e = new ChainError(
            unsure ? ChainErrorCode.Connection : ChainErrorCode.TxRejected,
            `${label}: transaction ${s.type}${unsure ? '; it may still land' : ''}`,
          );
          reject(e);
          done(() => fail(e));
          return;
        }
        const isDone = waitFor === 'finalization' ? s.isFinalized : s.isInBlock || s.isFinalized;
        if (isDone) {
          const blockHash = (s.isInBlock ? s.asInBlock : s.asFinalized).toHex();
          done(() => resolve({ blockHash, events: result.events, txHash: result.txHash.toHex() }));
        }
      })
        .then((u) => {
          if (settled) unsubscribe(u);
          else unsub = u;
        })
        .catch((err: unknown) => {
          const message = (err as Error)?.message ?? String(err);
          // Only the node's own answer is a refusal (an RPC error: `1010: Invalid Transaction`,
          // `1014: Priority is too low`...). Anything else (the connection dropped while it was
          // being sent, no answer) leaves its fate unknown: it may still land.
          const refusal = !options.lost?.aborted && isNodeRefusal(err, message);
          const e = new ChainError(
            refusal ? ChainErrorCode.TxRejected : ChainErrorCode.Connection,
            refusal ? `${label}: ${message}` : `${label}: ${message}; the extrinsic may still land`,
            { cause: err },
          );
          reject(e);
          done(() => fail(e));
        });
    });
    included.catch(() => undefined);
    await accepted;
  });

  const { blockHash, events, txHash } = await included;
  const failed = events.find((r) => isEvent(api, r.event, 'ExtrinsicFailed', 'system'));
  if (failed) {
    const [dispatchError] = failed.event.data as unknown as [DispatchError];
    const err = decodeDispatchError(api, dispatchError);
    options.log?.debug({ tx: label, error: err.message }, 'extrinsic failed');
    throw err;
  }
  const header = await api.rpc.chain.getHeader(blockHash);
  options.log?.debug({ tx: label, block: header.number.toNumber() }, 'extrinsic included');
  return { blockHash, blockNumber: header.number.toNumber(), txHash, events };
}

/** Whether a failed send was the node refusing it (an RPC error with its code), not a lost answer. */
function isNodeRefusal(err: unknown, message: string): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return (typeof code === 'number' && code > 0) || /^\d{3,5}:/.test(message);
}

/** Ends a status subscription; after a lost connection the node has forgotten it already. */
function unsubscribe(unsub: (() => void) | undefined): void {
  try {
    unsub?.();
  } catch {
    // nothing to end
  }
}
