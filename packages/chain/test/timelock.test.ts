/**
 * Timelock encryption of weight commits, checked against `bittensor_drand` 2.0.0 (the Python
 * SDK's Rust extension) and the one public quicknet pulse we have (round 1000).
 *
 * One Python process serves the whole file: it reads one JSON request per line on stdin and
 * answers one JSON line. Two rounds: (1) the oracle decrypts our ciphertexts, encrypts its own,
 * and builds `get_encrypted_commit_v2` commits; (2) it decrypts the commits we built with the
 * block time and clock it used.
 *
 * Landing on round 1000 (the only pulse we have): `get_encrypted_commit_v2` takes the block time
 * unchecked, so for a predicted `blocks = firstRevealBlock + 3 - currentBlock` the oracle is
 * called with `block_time = (genesis + 3001.5 - now) / blocks`, which puts its target in the
 * middle of round 1000 only if its reveal block is ours (one block off moves it by about
 * 8e6 / blocks seconds).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainError, ChainErrorCode } from '../src/errors.js';
import { QUICKNET_ROUND_1000 } from '../src/testing/index.js';
import {
  DEFAULT_MAX_PLAINTEXT_BYTES,
  decodeAnyWeightsPayload,
  decodeLegacyWeightsPayload,
  decodeWeightsPayload,
  type EpochSchedule,
  encodeLegacyWeightsPayload,
  encodeWeightsPayload,
  encryptedWeightsCommit,
  MAX_COMMIT_BYTES,
  parseTle,
  predictFirstRevealBlock,
  QUICKNET,
  revealRoundFor,
  roundAt,
  roundTime,
  scheduleFromLegacyEpochs,
  TimelockError,
  type TimelockErrorReason,
  TLE_OVERHEAD_BYTES,
  timelockDecrypt,
  timelockEncrypt,
  unwrapEnvelope,
  verifyPulse,
  wrapEnvelope,
} from '../src/timelock/index.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const python = join(repoRoot, '.venv/bin/python');

const ROUND = 1000n;
const SIG_HEX = QUICKNET_ROUND_1000.signature.slice(2);
const SIG = hexToBytes(SIG_HEX);
/** A valid G1 point that is not the round-1000 signature. */
const OTHER_POINT = bls12_381.G1.Point.BASE.multiply(123_456_789n).toBytes(true);

const ORACLE = join(import.meta.dirname, '../scripts/timelock_oracle.py');

type Guarded<T> = { ok: T; error?: undefined } | { ok?: undefined; error: string };
interface V2Result {
  t0: number;
  t1: number;
  blockTime: number;
  round: number;
  commit: string;
  payload?: string;
}
interface OracleResponse {
  decrypt: Guarded<string>[];
  encryptAtRound: Guarded<string>[];
  at1000: Guarded<V2Result>[];
  blockTime12: Guarded<V2Result>[];
}

let proc: ChildProcessWithoutNullStreams;
let lines: Interface;
let stderr = '';

async function ask(req: object): Promise<OracleResponse> {
  const answer = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`oracle exited (${code}): ${stderr}`)));
  });
  proc.stdin.write(`${JSON.stringify(req)}\n`);
  return JSON.parse(await answer) as OracleResponse;
}

function ok<T>(g: Guarded<T> | undefined): T {
  if (g === undefined || g.ok === undefined) throw new Error(`oracle: ${g?.error ?? 'no answer'}`);
  return g.ok;
}

/** Deterministic bytes for reproducible ciphertexts (never for real commits). */
function counterRng(seed: number): (n: number) => Uint8Array {
  let x = seed;
  return (n) =>
    Uint8Array.from({ length: n }, () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x >>> 24;
    });
}

function expectInvalidArgument(f: () => unknown): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ChainError);
  expect((thrown as ChainError).code).toBe(ChainErrorCode.InvalidArgument);
}

function expectTimelockError(f: () => unknown, reason: TimelockErrorReason): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(TimelockError);
  expect((thrown as TimelockError).code).toBe(ChainErrorCode.Timelock);
  expect((thrown as TimelockError).reason).toBe(reason);
}

const HOTKEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

interface Case {
  name: string;
  schedule: EpochSchedule;
  period: number;
  uids: number[];
  values: number[];
  versionKey: bigint;
  /** Reveal block worked out by hand from the rule, where given. */
  expectedReveal?: number;
}

const s = (
  lastEpochBlock: number,
  pendingEpochAt: number,
  subnetEpochIndex: number,
  tempo: number,
  blocksSinceLastStep: number,
  currentBlock: number,
): EpochSchedule => ({
  lastEpochBlock,
  pendingEpochAt,
  subnetEpochIndex,
  tempo,
  blocksSinceLastStep,
  currentBlock,
});

const CASES: Case[] = [
  // bittensor-drand's own vectors: a fresh cycle at 10 (next epoch at 60); a pending epoch at 95.
  { name: 'cycle reset', schedule: s(10, 0, 0, 50, 0, 10), period: 1, expectedReveal: 60 },
  { name: 'pending before auto', schedule: s(80, 95, 0, 20, 0, 91), period: 1, expectedReveal: 95 },
  // Epochs at 150, 200: commit epoch 0 (block 121), target 2 at block 200.
  {
    name: 'mid epoch, period 2',
    schedule: s(100, 0, 0, 50, 20, 120),
    period: 2,
    expectedReveal: 200,
  },
  // The inclusion block 1010 runs an epoch: commit epoch 4, target 5 at 1020.
  {
    name: 'epoch at inclusion',
    schedule: s(1000, 0, 3, 10, 9, 1009),
    period: 1,
    expectedReveal: 1020,
  },
  // Pending fires at 1010, then every 100 blocks: target 9 at 1110.
  {
    name: 'pending, period 2',
    schedule: s(1000, 1010, 7, 100, 5, 1005),
    period: 2,
    expectedReveal: 1110,
  },
  // Safety net (blocksSinceLastStep > 50400) fires at the inclusion block 201; next at 1201.
  { name: 'safety net', schedule: s(100, 0, 5, 1000, 50401, 200), period: 1, expectedReveal: 1201 },
  { name: 'mainnet-like', schedule: s(5_000_000, 0, 13_000, 360, 200, 5_000_200), period: 3 },
  { name: 'tempo 1', schedule: s(40, 0, 9, 1, 0, 40), period: 3, expectedReveal: 44 },
  { name: 'last epoch ahead of head', schedule: s(500, 0, 2, 20, 0, 100), period: 1 },
  // Above MaxTempo the safety net sets the cadence: epochs at 50411 and 100812, the second seen
  // one block late by the pre-step check.
  { name: 'tempo 60000', schedule: s(0, 0, 0, 60_000, 0, 10), period: 2, expectedReveal: 100_813 },
  { name: 'period 0', schedule: s(100, 0, 4, 30, 3, 103), period: 0, expectedReveal: 104 },
  {
    name: 'legacy schedule (netuid 2, tempo 10)',
    schedule: scheduleFromLegacyEpochs({ netuid: 2, tempo: 10, currentBlock: 1234 }),
    period: 1,
  },
  {
    name: 'legacy schedule before the first epoch',
    schedule: scheduleFromLegacyEpochs({ netuid: 1, tempo: 99, currentBlock: 5 }),
    period: 2,
  },
].map((c, i) => ({
  uids: [0, 1, 2 + i, 300],
  values: [65535, 0, 1000 + i, 7],
  versionKey: 1_000_000_000_000n + BigInt(i),
  ...c,
}));

let oracle1: OracleResponse;
let oracle2: OracleResponse;
/** Our commits at round 1000, built with the block time and clock the oracle used. */
const ours: { commit: Uint8Array; revealRound: bigint; firstRevealBlock: number }[] = [];
const OUR_PLAINTEXTS = [new Uint8Array(0), new TextEncoder().encode('hello weights')];
let ourEnvelopes: Uint8Array[];
const ORACLE_DATA = Uint8Array.from({ length: 100 }, (_, i) => (i * 13) & 0xff);

beforeAll(async () => {
  if (!existsSync(python)) throw new Error(`${python} missing: run ./dev setup`);
  proc = spawn(python, [ORACLE], { stdio: 'pipe' });
  proc.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  lines = createInterface({ input: proc.stdout });

  ourEnvelopes = OUR_PLAINTEXTS.map((p) => wrapEnvelope(timelockEncrypt(p, ROUND), ROUND));
  const common = (c: Case) => ({
    schedule: c.schedule,
    period: c.period,
    uids: c.uids,
    values: c.values,
    versionKey: Number(c.versionKey),
    hotkey: bytesToHex(HOTKEY),
    sig: SIG_HEX,
  });
  oracle1 = await ask({
    decrypt: ourEnvelopes.map((e) => ({ envelope: bytesToHex(e), sig: SIG_HEX })),
    encryptAtRound: [{ data: bytesToHex(ORACLE_DATA), round: 1000 }],
    at1000: CASES.map((c) => ({
      ...common(c),
      blocks: predictFirstRevealBlock(c.schedule, c.period) + 3 - c.schedule.currentBlock,
    })),
    blockTime12: CASES.map(common),
  });
  CASES.forEach((c, i) => {
    const o = ok(oracle1.at1000[i]);
    ours.push(
      encryptedWeightsCommit({
        hotkey: HOTKEY,
        uids: c.uids,
        values: c.values,
        versionKey: c.versionKey,
        schedule: c.schedule,
        revealPeriodEpochs: c.period,
        blockTimeS: o.blockTime,
        nowS: o.t0,
      }),
    );
  });
  oracle2 = await ask({
    decrypt: ours.map((o) => ({
      envelope: bytesToHex(wrapEnvelope(o.commit, o.revealRound)),
      sig: SIG_HEX,
    })),
  });
}, 60_000);

afterAll(() => {
  proc?.stdin.end();
  proc?.kill();
});

describe('drand quicknet', () => {
  it('verifies the round-1000 pulse and rejects it for other rounds', () => {
    expect(verifyPulse(1000n, SIG)).toBe(true);
    expect(verifyPulse(1001n, SIG)).toBe(false);
    expect(verifyPulse(1000n, OTHER_POINT)).toBe(false);
    expect(verifyPulse(1000n, SIG.subarray(1))).toBe(false);
    // Regression: a Node Buffer (whose slice() is a view) was modified by the point decoder, and
    // a valid signature passed as a Buffer failed its check.
    const asBuffer = Buffer.from(SIG);
    expect(verifyPulse(1000n, asBuffer)).toBe(true);
    expect(verifyPulse(1000n, asBuffer)).toBe(true);
    expect(Buffer.compare(asBuffer, Buffer.from(SIG))).toBe(0);
  });

  it('maps rounds and times as drand does', () => {
    const g = QUICKNET.genesisTime;
    expect(roundAt(g - 1)).toBe(0n);
    expect(roundAt(g)).toBe(1n);
    expect(roundTime(1000n)).toBe(g + 2997);
    expect(roundAt(g + 2997)).toBe(1000n);
    expect(roundAt(g + 2999.9)).toBe(1000n);
    expect(roundAt(g + 3000)).toBe(1001n);
  });
});

describe('TLE against bittensor_drand', () => {
  it('our ciphertexts decrypt in the oracle with the round-1000 pulse', () => {
    expect(ok(oracle1.decrypt[0])).toBe('');
    expect(ok(oracle1.decrypt[1])).toBe(bytesToHex(OUR_PLAINTEXTS[1] as Uint8Array));
  });

  it("the oracle's encrypt_at_round decrypts here", () => {
    const env = unwrapEnvelope(hexToBytes(ok(oracle1.encryptAtRound[0])));
    expect(env.round).toBe(1000n);
    expect(env.tle.length).toBe(TLE_OVERHEAD_BYTES + ORACLE_DATA.length);
    expect(timelockDecrypt(env.tle, SIG, { round: 1000n })).toEqual(ORACLE_DATA);
  });

  it('writes the layout byte for byte: 244 + n bytes, lengths where arkworks puts them', () => {
    const tle = timelockEncrypt(new Uint8Array(5), ROUND, { rng: counterRng(1) });
    expect(tle.length).toBe(TLE_OVERHEAD_BYTES + 5);
    const le = (at: number) =>
      new DataView(tle.buffer, tle.byteOffset + at, 8).getBigUint64(0, true);
    expect([le(96), le(136), le(176), le(184), le(213)]).toEqual([32n, 32n, 49n, 21n, 12n]);
    expect(new TextDecoder().decode(tle.subarray(241))).toBe('AES_GCM_');
    expect(le(233)).toBe(8n);
    // The same randomness gives the same bytes; other randomness, other bytes.
    expect(timelockEncrypt(new Uint8Array(5), ROUND, { rng: counterRng(1) })).toEqual(tle);
    expect(timelockEncrypt(new Uint8Array(5), ROUND, { rng: counterRng(2) })).not.toEqual(tle);
  });
});

describe('encryptedWeightsCommit against get_encrypted_commit_v2', () => {
  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = CASES[i] as Case;
    const o = ok(oracle1.at1000[i]);
    const expectedPayload = bytesToHex(
      encodeWeightsPayload({
        hotkey: HOTKEY,
        uids: c.uids,
        values: c.values,
        versionKey: c.versionKey,
      }),
    );
    // Same reveal block, hence round 1000 for the oracle as for us, at either end of its call.
    expect(o.round).toBe(1000);
    for (const nowS of [o.t0, o.t1]) {
      const r = revealRoundFor({
        schedule: c.schedule,
        revealPeriodEpochs: c.period,
        blockTimeS: o.blockTime,
        nowS,
      });
      expect(r.revealRound).toBe(1000n);
    }
    if (c.expectedReveal !== undefined) {
      expect(predictFirstRevealBlock(c.schedule, c.period)).toBe(c.expectedReveal);
    }
    // Their commit opens to our payload bytes, in the oracle and here; ours opens in the oracle.
    expect(o.payload).toBe(expectedPayload);
    expect(bytesToHex(timelockDecrypt(hexToBytes(o.commit), SIG, { round: 1000n }))).toBe(
      expectedPayload,
    );
    const mine = ours[i] as (typeof ours)[number];
    expect(mine.revealRound).toBe(1000n);
    expect(mine.commit.length).toBe(hexToBytes(o.commit).length);
    expect(ok(oracle2.decrypt[i])).toBe(expectedPayload);

    // With a 12 s block time, the round from the oracle's clock before or after its call.
    const o12 = ok(oracle1.blockTime12[i]);
    const rounds = [o12.t0, o12.t1].map(
      (nowS) =>
        revealRoundFor({ schedule: c.schedule, revealPeriodEpochs: c.period, blockTimeS: 12, nowS })
          .revealRound,
    );
    expect(rounds).toContain(BigInt(o12.round));
  });
});

describe('predictFirstRevealBlock', () => {
  /** bittensor_drand's search, stepped block by block with no shortcut (small inputs only). */
  function stepped(sch: EpochSchedule, period: number): number | 'bound' {
    let { lastEpochBlock: last, pendingEpochAt: pending, subnetEpochIndex: index } = sch;
    let since = sch.blocksSinceLastStep;
    const runs = (b: number) =>
      (pending > 0 && b >= pending) || since > 50_400 || Math.max(0, b - last) >= sch.tempo;
    const e = sch.currentBlock + 1;
    const target = index + (runs(e) ? 1 : 0) + period;
    for (let r = e; r <= e + period * 50_400 + 50_400; r++) {
      if (index + (runs(r) ? 1 : 0) === target) return r;
      since += 1;
      if (runs(r)) [last, pending, index, since] = [r, 0, index + 1, 0];
    }
    return 'bound';
  }

  it('its periodic shortcut agrees with stepping every block', () => {
    const rng = counterRng(5);
    const pick = (n: number) => {
      const [a = 0, b = 0] = rng(2);
      return (a * 256 + b) % n;
    };
    for (let i = 0; i < 412; i++) {
      // The last few above MaxTempo + 1, where the safety net sets the cadence.
      const tempo = i < 400 ? ([1, 2, 3, 7, 50, 360][i % 6] as number) : 50_401 + pick(3) * 5000;
      const head = 200 + pick(300);
      const sch = s(
        Math.max(0, head - pick(2 * tempo + 5) + 3),
        pick(3) === 0 ? head + pick(2 * tempo + 3) : 0,
        pick(10),
        tempo,
        pick(4) === 0 ? 50_399 + pick(3) : pick(tempo + 2),
        head,
      );
      const period = pick(4);
      const want = stepped(sch, period);
      if (want === 'bound') expect(() => predictFirstRevealBlock(sch, period)).toThrow(ChainError);
      else expect(predictFirstRevealBlock(sch, period)).toBe(want);
    }
  });
});

describe('scheduleFromLegacyEpochs', () => {
  /**
   * Spec 218/293, straight from their code: epochs run where (b + netuid + 1) % (tempo + 1) ==
   * tempo; a commit in block B is filed under get_epoch_index(B) (+1 if B runs an epoch), and is
   * revealed in the epoch block b with get_epoch_index(b) - (period - 1) == that epoch.
   */
  function legacyRevealBlock(netuid: number, tempo: number, head: number, period: number): number {
    const index = (b: number) => Math.floor((b + netuid + 1) / (tempo + 1));
    const runs = (b: number) => (b + netuid + 1) % (tempo + 1) === tempo;
    const commitBlock = head + 1;
    const epoch = index(commitBlock) + (runs(commitBlock) ? 1 : 0);
    for (let b = commitBlock; ; b++) {
      if (runs(b) && index(b) - (period - 1) === epoch) return b;
    }
  }

  it('gives the block where a fixed-epoch runtime reveals', () => {
    let checked = 0;
    for (const netuid of [0, 1, 2, 7]) {
      for (const tempo of [1, 2, 10, 99, 360]) {
        for (const period of [1, 2, 3]) {
          for (let head = 0; head < 3 * (tempo + 1) + 4; head += Math.max(1, tempo >> 2)) {
            const schedule = scheduleFromLegacyEpochs({ netuid, tempo, currentBlock: head });
            expect(predictFirstRevealBlock(schedule, period)).toBe(
              legacyRevealBlock(netuid, tempo, head, period),
            );
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('by hand: netuid 1, tempo 100 runs epochs at 98, 199, 300', () => {
    // The runtime's own table: tempo 100, netuid 1, first epoch block 98.
    const sch = scheduleFromLegacyEpochs({ netuid: 1, tempo: 100, currentBlock: 150 });
    expect(sch).toEqual({
      lastEpochBlock: 98,
      pendingEpochAt: 0,
      subnetEpochIndex: 1,
      tempo: 101,
      blocksSinceLastStep: 52,
      currentBlock: 150,
    });
    expect(predictFirstRevealBlock(sch, 1)).toBe(199);
    expect(predictFirstRevealBlock(sch, 2)).toBe(300);
    // Committing at 199 (an epoch block) files it under the next epoch.
    const at198 = scheduleFromLegacyEpochs({ netuid: 1, tempo: 100, currentBlock: 198 });
    expect(predictFirstRevealBlock(at198, 1)).toBe(300);
  });
});

describe('weights payload', () => {
  it('encodes by hand-computed SCALE', () => {
    const bytes = encodeWeightsPayload({
      hotkey: new Uint8Array(32).fill(0xab),
      uids: [0, 1, 300],
      values: [65535, 0, 7],
      versionKey: 1000n,
    });
    expect(bytesToHex(bytes)).toBe(
      `80${'ab'.repeat(32)}0c000001002c010cffff00000700e803000000000000`,
    );
    const legacy = encodeLegacyWeightsPayload({
      uids: [0, 1, 300],
      values: [65535, 0, 7],
      versionKey: 1000n,
    });
    expect(bytesToHex(legacy)).toBe('0c000001002c010cffff00000700e803000000000000');
    expect(
      encodeWeightsPayload({ uids: [0, 1, 300], values: [65535, 0, 7], versionKey: 1000n }),
    ).toEqual(legacy);
    expect(decodeWeightsPayload(bytes).uids).toEqual([0, 1, 300]);
    expect(decodeLegacyWeightsPayload(legacy)).toEqual({
      uids: [0, 1, 300],
      values: [65535, 0, 7],
      versionKey: 1000n,
    });
    expect(decodeAnyWeightsPayload(legacy).hotkey).toBeUndefined();
    expect(decodeAnyWeightsPayload(bytes).hotkey).toEqual(new Uint8Array(32).fill(0xab));
  });

  it('refuses malformed and oversized payloads', () => {
    const good = encodeWeightsPayload({
      hotkey: HOTKEY,
      uids: [1, 2],
      values: [3, 4],
      versionKey: 9n,
    });
    for (let n = 0; n < good.length; n++) {
      expectTimelockError(() => decodeWeightsPayload(good.subarray(0, n)), 'payload');
    }
    expectTimelockError(() => decodeWeightsPayload(Uint8Array.from([...good, 0])), 'payload');
    // 2^30 uids declared in 11 bytes: over the default bound, and over the bytes left.
    const huge = hexToBytes('0300000040000000000000');
    expectTimelockError(() => decodeLegacyWeightsPayload(huge), 'too-large');
    expectTimelockError(() => decodeLegacyWeightsPayload(huge, { maxUids: 2 ** 32 }), 'payload');
    expectTimelockError(() => decodeWeightsPayload(good, { maxUids: 1 }), 'too-large');
    // Non-canonical compact (1 written in two-byte mode).
    expectTimelockError(
      () => decodeLegacyWeightsPayload(hexToBytes('05000100000000000000000000')),
      'payload',
    );
    expectInvalidArgument(() =>
      encodeWeightsPayload({ uids: [70_000], values: [1], versionKey: 0n }),
    );
  });
});

describe('untrusted ciphertexts', () => {
  const plain = new TextEncoder().encode('payload');
  const tle = timelockEncrypt(plain, ROUND, { rng: counterRng(3) });
  const patched = (at: number, bytes: number[]) => {
    const t = tle.slice();
    t.set(bytes, at);
    return t;
  };
  const u64 = (n: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, n, true);
    return [...b];
  };
  // Offsets: U 0, V len 96, W len 136, body len 176, ct len 184, nonce len 192 + ct, suite after.
  const ctLen = plain.length + 16;
  const nonceAt = 192 + ctLen;
  const suiteAt = nonceAt + 8 + 12;

  it('decrypts the untouched one', () => {
    expect(timelockDecrypt(tle, SIG, { round: 1000n })).toEqual(plain);
  });

  it('refuses every truncation and trailing bytes', () => {
    for (let n = 0; n < tle.length; n++) {
      expectTimelockError(() => parseTle(tle.subarray(0, n)), 'malformed');
    }
    expectTimelockError(() => parseTle(Uint8Array.from([...tle, 0])), 'malformed');
  });

  it('refuses wrong and oversized lengths', () => {
    expectTimelockError(() => parseTle(patched(96, u64(33n))), 'malformed');
    expectTimelockError(() => parseTle(patched(96, u64(2n ** 64n - 1n))), 'malformed');
    expectTimelockError(() => parseTle(patched(136, u64(31n))), 'malformed');
    expectTimelockError(() => parseTle(patched(176, u64(BigInt(tle.length)))), 'malformed');
    expectTimelockError(() => parseTle(patched(176, u64(2n ** 63n))), 'too-large');
    expectTimelockError(() => parseTle(patched(184, u64(BigInt(ctLen + 1)))), 'malformed');
    expectTimelockError(() => parseTle(patched(nonceAt, u64(11n))), 'malformed');
    expectTimelockError(() => parseTle(patched(suiteAt, u64(9n))), 'malformed');
    // A plaintext bound below the declared size.
    expectTimelockError(
      () => timelockDecrypt(tle, SIG, { maxPlaintextBytes: plain.length - 1 }),
      'too-large',
    );
    expect(timelockDecrypt(tle, SIG, { maxPlaintextBytes: plain.length })).toEqual(plain);
  });

  it('refuses another cipher suite', () => {
    expectTimelockError(
      () => parseTle(patched(suiteAt + 8, [...new TextEncoder().encode('AES_GCM!')])),
      'suite',
    );
    const short = Uint8Array.from([
      ...tle.subarray(0, suiteAt),
      ...u64(7n),
      ...tle.subarray(suiteAt + 8, suiteAt + 15),
    ]);
    expectTimelockError(() => parseTle(short), 'suite');
  });

  it('refuses invalid U points', () => {
    const x = (first: number, last: number) => {
      const b = new Array<number>(96).fill(0);
      b[0] = first;
      b[95] = last;
      return b;
    };
    expectTimelockError(() => parseTle(patched(0, x(0x80, 1))), 'point'); // not on the curve
    expectTimelockError(() => parseTle(patched(0, x(0x80, 2))), 'point'); // not in the subgroup
    expectTimelockError(() => parseTle(patched(0, x(0xc0, 0))), 'point'); // the identity
    expectTimelockError(() => parseTle(patched(0, x(0x00, 2))), 'point'); // uncompressed flag
  });

  it('refuses a non-canonical U (x.c1 + p, which reduces to a valid point)', () => {
    const p = bls12_381.fields.Fp.ORDER;
    const mask = (1n << 381n) - 1n;
    // The first of our deterministic ciphertexts whose x.c1 leaves room to add p in 381 bits.
    for (let seed = 10; ; seed++) {
      const t = timelockEncrypt(plain, ROUND, { rng: counterRng(seed) });
      const c1 = BigInt(`0x${bytesToHex(t.subarray(0, 48))}`) & mask;
      if (c1 + p > mask) continue;
      const big = hexToBytes((c1 + p).toString(16).padStart(96, '0'));
      big[0] = (big[0] as number) | ((t[0] as number) & 0xe0);
      const bad = t.slice();
      bad.set(big, 0);
      expect(parseTle(t).u.toBytes(true)).toEqual(t.subarray(0, 96));
      expectTimelockError(() => parseTle(bad), 'point');
      break;
    }
  });

  it('refuses signatures that are not the round pulse', () => {
    expectTimelockError(() => timelockDecrypt(tle, OTHER_POINT), 'signature');
    expectTimelockError(() => timelockDecrypt(tle, OTHER_POINT, { round: 1000n }), 'signature');
    expectTimelockError(() => timelockDecrypt(tle, SIG, { round: 1001n }), 'signature');
    expectTimelockError(() => timelockDecrypt(tle, SIG.subarray(0, 47)), 'point');
    const offCurve = new Uint8Array(48);
    offCurve[0] = 0x80;
    offCurve[47] = 3;
    expectTimelockError(() => timelockDecrypt(tle, offCurve), 'point');
  });

  it('refuses a tampered body and tampered V', () => {
    expectTimelockError(
      () => timelockDecrypt(patched(192, [(tle[192] as number) ^ 1]), SIG),
      'decrypt',
    );
    expectTimelockError(
      () => timelockDecrypt(patched(104, [(tle[104] as number) ^ 1]), SIG),
      'signature',
    );
  });

  it('never throws anything but a TimelockError on random corruption', () => {
    const rng = counterRng(99);
    for (let i = 0; i < 150; i++) {
      const t = tle.slice();
      const [at = 0, bit = 0] = rng(2);
      const k = (at * 7 + i * 13) % t.length;
      t[k] = (t[k] as number) ^ (1 << (bit & 7));
      try {
        parseTle(t);
      } catch (e) {
        expect(e).toBeInstanceOf(TimelockError);
      }
    }
  });

  it('refuses oversized plaintexts and commits', () => {
    expectTimelockError(
      () => timelockEncrypt(new Uint8Array(DEFAULT_MAX_PLAINTEXT_BYTES + 1), ROUND),
      'too-large',
    );
    const n = 1200; // 32 + 2 · 2400 + … > 5000 - 244
    expectTimelockError(
      () =>
        encryptedWeightsCommit({
          hotkey: HOTKEY,
          uids: Array.from({ length: n }, (_, i) => i),
          values: new Array<number>(n).fill(1),
          versionKey: 0n,
          schedule: s(10, 0, 0, 50, 0, 10),
          revealPeriodEpochs: 1,
          blockTimeS: 12,
          nowS: 1_800_000_000,
        }),
      'too-large',
    );
    expect(MAX_COMMIT_BYTES).toBe(5000);
  });

  it('refuses malformed envelopes', () => {
    const env = wrapEnvelope(tle, ROUND);
    expect(unwrapEnvelope(env)).toEqual({ tle, round: ROUND });
    expectTimelockError(() => unwrapEnvelope(env.subarray(0, env.length - 1)), 'malformed');
    expectTimelockError(() => unwrapEnvelope(Uint8Array.from([...env, 0])), 'malformed');
    expectTimelockError(() => unwrapEnvelope(env, { maxTleBytes: tle.length - 1 }), 'too-large');
  });
});

describe('argument checks', () => {
  it('refuses tempo 0, a wrong hotkey length and mismatched vectors', () => {
    expectInvalidArgument(() => predictFirstRevealBlock(s(0, 0, 0, 0, 0, 10), 1));
    const base = {
      uids: [1],
      values: [1],
      versionKey: 0n,
      schedule: s(10, 0, 0, 50, 0, 10),
      revealPeriodEpochs: 1,
      blockTimeS: 12,
      nowS: 1_800_000_000,
    };
    expectInvalidArgument(() => encryptedWeightsCommit({ ...base, hotkey: new Uint8Array(31) }));
    expectInvalidArgument(() =>
      encryptedWeightsCommit({ ...base, hotkey: HOTKEY, values: [1, 2] }),
    );
    expectInvalidArgument(() =>
      scheduleFromLegacyEpochs({ netuid: 1, tempo: 50_401, currentBlock: 5 }),
    );
  });
});
