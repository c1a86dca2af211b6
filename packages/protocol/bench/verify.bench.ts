/**
 * `pnpm bench` (protocol): the axon's sr25519 ceiling on one core, against the reference Python
 * SDK's native verify (`bittensor_wallet` `Keypair.verify`, run by `sr25519_reference.py` in the
 * repo's .venv), measured in the same run, interleaved. Rows (group `sr25519`):
 *
 * - `verify, one core`: `SignatureVerifier` as an axon builds it (the native addon when it is
 *   built, else wasm) on the same signed request messages as the reference; goal ≥ 0.8×.
 * - `verify, one core, wasm`: the wasm fallback (a clone without cargo).
 * - `verifyBatch of N, per signature, one core` (N = 8, 32; native addon only).
 * - `verifyRequest, one core`: the whole request check (headers, body hash, nonce, signature)
 *   against the reference's bare signature verify.
 *
 *   pnpm --filter @subnet/protocol bench
 *   env: BENCH_ROUNDS=5 BENCH_SAMPLE_S=1 BENCH_REQUESTS=3000
 * Without the venv the reference is null in every row and the note says why.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type BenchRow, emitRow, interleaved, medianOf, ratioOf } from '../../../scripts/bench/row';
import {
  Dendrite,
  NonceWindow,
  SignatureVerifier,
  signatureToHex,
  synapseRegistry,
  verifyRequest,
} from '../src/index';
import { DEV_KEY_NAMES, devHotkey, Prompting } from '../src/testing/index';
import type { PreparedSignature } from '../src/verifier';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SAMPLE_S = Number(process.env.BENCH_SAMPLE_S ?? 1);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const VENV_PYTHON = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url));
const REFERENCE_SCRIPT = fileURLToPath(new URL('./sr25519_reference.py', import.meta.url));
const REFERENCE_LABEL = 'bittensor_wallet Keypair.verify (Python SDK, native schnorrkel)';

interface Signed {
  message: string;
  signatureHex: string;
  address: string;
}

/** Request messages as the SDK's dendrite signs them, from the six dev keys to bob's axon. */
async function signedMessages(n: number): Promise<Signed[]> {
  const bob = await devHotkey('bob');
  const out: Signed[] = [];
  for (let i = 0; i < n; i++) {
    const signer = await devHotkey(DEV_KEY_NAMES[i % DEV_KEY_NAMES.length] ?? 'alice');
    const nonce = 1735689600000000000n + BigInt(i);
    const message = `${nonce}.${signer.address}.${bob.address}.5ecbd69c-1cec-11ee-b0dc-e29ce36fec1a.4adc92a2d30b60490fd7b501c488fea6d9c10ee8525c0193e2757acd8d2d3b5f`;
    out.push({
      message,
      signatureHex: signatureToHex(signer.sign(message)),
      address: signer.address,
    });
  }
  return out;
}

/** Calls `fn` for `SAMPLE_S` seconds; returns how many `perCall` units per second it did. */
function timedRate(fn: () => void, perCall = 1): number {
  let calls = 0;
  const t0 = performance.now();
  const end = t0 + SAMPLE_S * 1000;
  let t = t0;
  while (t < end) {
    for (let i = 0; i < 16; i++) fn();
    calls += 16;
    t = performance.now();
  }
  return (calls * perCall) / ((t - t0) / 1000);
}

function verifyRate(verifier: SignatureVerifier, items: readonly Signed[]): () => number {
  let k = 0;
  return () =>
    timedRate(() => {
      const s = items[k++ % items.length] as Signed;
      if (!verifier.verify(s.message, s.signatureHex, s.address)) throw new Error('verify failed');
    });
}

/** The Python SDK's verify in a process of its own: one sample per line asked. */
class Reference {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  #stderr = '';

  constructor(items: readonly Signed[]) {
    this.#child = spawn(VENV_PYTHON, [REFERENCE_SCRIPT, '--seconds', String(SAMPLE_S)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stderr?.on('data', (d: Buffer) => {
      this.#stderr += d.toString();
    });
    this.#child.on('error', (e) => {
      this.#stderr += e.message;
    });
    this.#lines = createInterface({ input: this.#child.stdout as NodeJS.ReadableStream })[
      Symbol.asyncIterator
    ]();
    const triples = items.map((s) => [s.message, s.signatureHex, s.address]);
    this.#child.stdin?.write(`${JSON.stringify(triples)}\n`);
  }

  async sample(): Promise<number> {
    this.#child.stdin?.write('\n');
    const line = await this.#lines.next();
    const rate = line.done
      ? Number.NaN
      : (JSON.parse(line.value) as { verifies_per_s: number }).verifies_per_s;
    if (!(rate > 0)) throw new Error(`sr25519_reference.py gave no sample: ${this.#stderr.trim()}`);
    return rate;
  }

  close(): void {
    this.#child.stdin?.end();
    this.#child.kill();
  }
}

/** The reference, or why it cannot run here. */
async function startReference(items: readonly Signed[]): Promise<Reference | string> {
  if (!existsSync(VENV_PYTHON)) return `no ${VENV_PYTHON} (./dev setup creates it)`;
  const reference = new Reference(items);
  try {
    await reference.sample();
    return reference;
  } catch (e) {
    reference.close();
    return (e as Error).message;
  }
}

async function measure(
  row: Omit<BenchRow, 'group' | 'unit' | 'higherIsBetter' | 'ours' | 'reference'> & {
    unit?: string;
  },
  ours: { label: string; sample: () => number | Promise<number> },
  reference: Reference | string,
): Promise<void> {
  const full: BenchRow = {
    group: 'sr25519',
    unit: 'verifies/s',
    higherIsBetter: true,
    ours: { label: ours.label, samples: [], cores: 1 },
    reference: null,
    ...row,
  };
  if (typeof reference === 'string') {
    await ours.sample();
    for (let i = 0; i < ROUNDS; i++) full.ours.samples.push(await ours.sample());
    full.note = [row.note, `no reference: ${reference}`].filter(Boolean).join('; ');
  } else {
    const s = await interleaved(ROUNDS, ours.sample, () => reference.sample());
    full.ours.samples = s.ours;
    full.reference = { label: REFERENCE_LABEL, samples: s.reference, cores: 1 };
  }
  const ratio = ratioOf(full);
  const ref = full.reference
    ? `${medianOf(full.reference.samples).toFixed(0).padStart(7)} /s`
    : '      –   ';
  console.log(
    `  ${full.path.padEnd(42)} ours ${medianOf(full.ours.samples).toFixed(0).padStart(7)} /s   reference ${ref}   ${ratio === null ? '' : `${ratio.toFixed(2)}x`}`,
  );
  emitRow(full);
}

const items = await signedMessages(16);
const auto = new SignatureVerifier();
const wasm = new SignatureVerifier({ backend: 'wasm' });
const reference = await startReference(items);
console.log(
  `sr25519 verification on one core (median of ${ROUNDS} samples of ${SAMPLE_S}s; our backend: ${auto.backend})`,
);

await measure(
  {
    path: 'verify, one core',
    goal: { ratio: 0.8 },
    ...(auto.backend === 'wasm'
      ? { note: `no native addon: pnpm --filter @subnet/protocol build:native (needs cargo)` }
      : {}),
  },
  {
    label: `ours: SignatureVerifier, ${auto.backend === 'native' ? 'native schnorrkel addon' : 'schnorrkel-wasm'}`,
    sample: verifyRate(auto, items),
  },
  reference,
);
await measure(
  { path: 'verify, one core, wasm', note: 'the fallback where the addon is not built' },
  { label: 'ours: SignatureVerifier, schnorrkel-wasm', sample: verifyRate(wasm, items) },
  reference,
);

if (auto.backend === 'native') {
  for (const n of [8, 32]) {
    const batch = Array.from({ length: n }, (_, i) => {
      const s = items[i % items.length] as Signed;
      return auto.prepare(s.message, s.signatureHex, s.address) as PreparedSignature;
    });
    await measure(
      {
        path: `verifyBatch of ${n}, per signature, one core`,
        note: 'a batch answers only whether all are valid',
      },
      {
        label: `ours: SignatureVerifier.verifyPreparedBatch, native addon`,
        sample: () =>
          timedRate(() => {
            if (!auto.verifyPreparedBatch(batch)) throw new Error('batch failed');
          }, n),
      },
      reference,
    );
  }
}

// The whole request check, on requests signed beforehand. Each sample replays them into a fresh
// nonce window whose clock reads the time they were signed, so every one is accepted afresh.
const alice = await devHotkey('alice');
const bob = await devHotkey('bob');
const dendrite = new Dendrite({ hotkey: alice });
const requests = Array.from({ length: REQUESTS }, () =>
  dendrite.prepare({ ip: '127.0.0.1', port: 1, hotkey: bob.address }, Prompting, {
    roles: ['system', 'user'],
    messages: ['You are terse.', 'Explain the body hash in one sentence.'],
  }),
);
const signedAt = BigInt(Date.now()) * 1_000_000n;
const synapses = synapseRegistry([Prompting]);
async function verifyRequestRate(): Promise<number> {
  const ctx = {
    axonHotkey: bob.address,
    synapses,
    nonces: new NonceWindow({ now: () => signedAt }),
    verifier: auto,
  };
  const t0 = performance.now();
  for (const p of requests) {
    const r = await verifyRequest({ path: '/Prompting', headers: p.headers, body: p.body }, ctx);
    if (!r.ok) throw new Error(r.message);
  }
  return requests.length / ((performance.now() - t0) / 1000);
}
await measure(
  {
    path: 'verifyRequest, one core',
    unit: 'requests/s',
    note: 'headers, body hash, nonce and signature, against the bare signature verify',
  },
  { label: `ours: verifyRequest, ${auto.backend}`, sample: verifyRequestRate },
  reference,
);

await dendrite.close();
if (typeof reference !== 'string') reference.close();
