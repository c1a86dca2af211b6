// A CryptoPool worker thread: runs the sr25519 primitives on batches the pool sends, nothing else.
// Plain JavaScript so it loads the same way under node, tsx and vitest. Every check that decides
// what reaches here (hex format, marker bit, canonical scalar, the address's key) ran on the
// pool's thread, in verifier.ts; this file only calls schnorrkel (the native addon when the pool
// names one, else the wasm build).
//
// A batch: kinds[i] is 0 (verify) or 1 (sign); keys holds 32 bytes per job, sigs 64 bytes per job
// (the signature to check, or the room for the one made); message i is
// messages[ends[i-1] .. ends[i]]. The answer carries ok[i] (1 = valid / signed) and sigs back.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { sr25519_sign, sr25519_verify } from '@polkadot-labs/schnorrkel-wasm';

const addon = workerData?.addonPath ? createRequire(import.meta.url)(workerData.addonPath) : null;
const signer = workerData?.signer ?? null;

function verifyOne(key, message, signature) {
  try {
    return addon
      ? addon.verify(key, message, signature) === true
      : sr25519_verify(key, message, signature);
  } catch {
    return false;
  }
}

parentPort.on('message', (batch) => {
  const { id, kinds, keys, messages, ends, sigs } = batch;
  const n = kinds.length;
  const ok = new Uint8Array(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = ends[i];
    const message = messages.subarray(start, end);
    start = end;
    if (kinds[i] === 0) {
      ok[i] = verifyOne(
        keys.subarray(32 * i, 32 * i + 32),
        message,
        sigs.subarray(64 * i, 64 * i + 64),
      )
        ? 1
        : 0;
    } else if (signer) {
      try {
        const made =
          addon?.sign?.(signer.publicKey, signer.secretKey, message) ??
          sr25519_sign(signer.publicKey, signer.secretKey, message);
        sigs.set(made, 64 * i);
        ok[i] = 1;
      } catch {
        ok[i] = 0;
      }
    }
  }
  parentPort.postMessage({ id, ok, sigs }, [ok.buffer, sigs.buffer]);
});
