/**
 * `pnpm bench` (protocol): the axon's verification ceiling on one core.
 * Each row is measured against a reference measured in the same run and printed as a ratio.
 */
import { signatureVerify } from '@polkadot/util-crypto';
import {
  Dendrite,
  NonceWindow,
  SignatureVerifier,
  synapseRegistry,
  verifyRequest,
} from '../src/index';
import { devHotkey, Prompting } from '../src/testing/index';

function rate(label: string, n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(50, n); i++) fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const perS = n / ((performance.now() - t0) / 1000);
  console.log(`  ${label.padEnd(52)} ${perS.toFixed(0).padStart(8)} /s`);
  return perS;
}

const alice = await devHotkey('alice');
const bob = await devHotkey('bob');
const message = `1735689600000000000.${alice.address}.${bob.address}.5ecbd69c-1cec-11ee-b0dc-e29ce36fec1a.4adc92a2d30b60490fd7b501c488fea6d9c10ee8525c0193e2757acd8d2d3b5f`;
const signature = `0x${Buffer.from(alice.sign(message)).toString('hex')}`;
const verifier = new SignatureVerifier();

console.log('sr25519 verification of a request signature (one core)');
const ours = rate('ours: schnorrkel-wasm + cached key decode', 3000, () => {
  if (!verifier.verify(message, signature, alice.address)) throw new Error('verify failed');
});
const reference = rate('reference: @polkadot/util-crypto signatureVerify', 1500, () => {
  if (!signatureVerify(message, signature, alice.address).isValid) throw new Error('verify failed');
});
console.log(`  ratio ours / reference: ${(ours / reference).toFixed(2)}x`);

console.log('whole verifyRequest (headers, body, hash, nonce, signature)');
const dendrite = new Dendrite({ hotkey: alice });
const N = 2000;
const requests = Array.from({ length: N + 50 }, () =>
  dendrite.prepare({ ip: '127.0.0.1', port: 1, hotkey: bob.address }, Prompting, {
    roles: ['system', 'user'],
    messages: ['You are terse.', 'Explain the body hash in one sentence.'],
  }),
);
const ctx = {
  axonHotkey: bob.address,
  synapses: synapseRegistry([Prompting]),
  nonces: new NonceWindow(),
  verifier,
};
let k = 0;
const t0 = performance.now();
for (let i = 0; i < N + 50; i++) {
  const p = requests[k++];
  if (!p) break;
  const r = await verifyRequest({ path: '/Prompting', headers: p.headers, body: p.body }, ctx);
  if (!r.ok) throw new Error(r.message);
}
const full = (N + 50) / ((performance.now() - t0) / 1000);
console.log(`  ${'verifyRequest'.padEnd(52)} ${full.toFixed(0).padStart(8)} /s`);
console.log(`  ratio verifyRequest / bare reference verify: ${(full / reference).toFixed(2)}x`);
await dendrite.close();
