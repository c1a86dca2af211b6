/**
 * The image work added last, end to end on the local network: an honest miner serving Uncrop (on
 * the tiny SD model) and text-to-image on the committed tiny Flux-class export (schnell-like: no
 * guidance embedding; the tiny Kandinsky export cannot run at the protocol's 512 px, see
 * fluxModelEntries); cheaters cutting corners (an uncrop answered with the task's image unextended, an
 * uncrop with one denoising step whatever the task asks, a Flux image of another seed); the validator (bob) re-running every
 * answer with its own copies of the models. After the first full scoring period: the honest
 * miner's answers reproduced (score 1), each cheat failed its check with its reason, and the
 * honest miner's quality and weight on chain are above every cheater's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskResult } from '@subnet/validator/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fewerUncropSteps,
  otherImageSeed,
  unextendedUncrop,
} from '../../scripts/local-network/cheatingBackends';
import {
  type LocalMiner,
  type LocalMinerSpec,
  type LocalNetwork,
  type MinerTasks,
  startLocalNetwork,
} from '../../scripts/local-network/startLocal';
import { logsOnFailure } from './support/logsOnFailure';

const UNCROP: MinerTasks = { Uncrop: { models: ['tiny-sd'], volume: 2 } };
const FLUX: MinerTasks = { TextToImage: { models: ['tiny-flux'], volume: 1 } };

const MINERS: LocalMinerSpec[] = [
  {
    wallet: 'charlie',
    name: 'honest',
    tasks: {
      ...UNCROP,
      // Schnell-like: no guidance embedding, so the validator draws its tasks at cfg_scale 1
      // (a miner refuses more with a 400, and the check would fail).
      TextToImage: { models: ['tiny-flux-schnell'], volume: 2 },
    },
  },
  { wallet: 'dave', name: 'unextended', tasks: UNCROP, wrapBackends: unextendedUncrop },
  { wallet: 'eve', name: 'fewer-steps', tasks: UNCROP, wrapBackends: fewerUncropSteps },
  // Not a step fewer: the tiny random-weight Flux transformer's velocity barely depends on its
  // input, so its images hardly change with the step count (scripts/reward-model/README.md).
  { wallet: 'ferdie', name: 'flux-other-seed', tasks: FLUX, wrapBackends: otherImageSeed },
];

let net: LocalNetwork;
let dir: string;
const sets: Array<{ period: number; atMs: number; block: number }> = [];
let wake: () => void = () => undefined;
const log = logsOnFailure();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'new-image-kinds-'));
  net = await startLocalNetwork({
    logger: log,
    dir,
    runtime: 'spec218',
    blockMs: 1000,
    // Every answer is re-run (uncrop canvases up to 1344 px): periods of 24 s and two checks at
    // once leave the checks room while the rest of the suite loads the 2-core CI box.
    periodBlocks: 24,
    work: { check_concurrency: '2' },
    // 4 to 6 steps, so that the cheat's one step is well short; 256 px images (canvases to 512).
    profile: { steps: '4-6', input_image_side: '256' },
    apiPort: 0,
    miners: MINERS,
    checkShare: 1,
    onPeriodDone: (period, outcome) => {
      if (outcome.kind === 'set') sets.push({ period, atMs: Date.now(), block: outcome.block });
      wake();
    },
  });
}, 180_000);

afterAll(async () => {
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function miner(name: string): LocalMiner {
  const found = net.miners.find((m) => m.name === name);
  if (!found) throw new Error(`no miner named ${name}`);
  return found;
}

/** The first period the validator worked in full (it joined the one before part-way). */
async function firstFullPeriod() {
  await new Promise<void>((resolve) => {
    wake = () => {
      if (sets.length >= 2) resolve();
    };
    wake();
  });
  const [before, full] = sets as [(typeof sets)[0], (typeof sets)[0]];
  return { ...full, sinceMs: before.atMs };
}

async function results(name: string): Promise<TaskResult[]> {
  const { atMs, sinceMs } = await firstFullPeriod();
  const rows = await net.validator.running.storage.results.listForUid(miner(name).uid);
  return rows.filter((r) => r.createdMs > sinceMs && r.createdMs <= atMs);
}

describe('uncrop and Flux on the local network', () => {
  it('checks every answer by reproduction: the honest ones reproduce, each cheat fails', async () => {
    const honest = await results('honest');
    const rows = honest
      .map((r) => [r.taskKind, r.statusCode, r.checked, r.checkScore, r.error])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    // Its text-to-image work runs on the schnell-like Flux export at cfg_scale 1; every answer
    // reproduced (the error names any refusal).
    expect(rows).toEqual([
      ['TextToImage', 200, true, 1, null],
      ['TextToImage', 200, true, 1, null],
      ['Uncrop', 200, true, 1, null],
      ['Uncrop', 200, true, 1, null],
    ]);
    const flux = await results('flux-other-seed');
    expect(flux.map((r) => [r.taskKind, r.statusCode, r.checked])).toEqual([
      ['TextToImage', 200, true],
    ]);
    expect(flux[0]?.checkScore).toBeLessThan(0.1);
    const unextended = await results('unextended');
    expect(unextended.map((r) => [r.taskKind, r.checked, r.checkScore, r.checkReason])).toEqual([
      ['Uncrop', true, 0, 'wrong-size'],
      ['Uncrop', true, 0, 'wrong-size'],
    ]);
    const fewer = await results('fewer-steps');
    expect(fewer).toHaveLength(2);
    for (const r of fewer) {
      expect([r.taskKind, r.checked, r.checkReason === 'reproduced']).toEqual([
        'Uncrop',
        true,
        false,
      ]);
      // The tiny random-weight UNet paints noise-like borders that change little with the step
      // count, so a short-cut answer keeps part of the score here (real weights are what the
      // reward model must be retrained on: scripts/reward-model/README.md); it never reproduces.
      expect(r.checkScore).toBeLessThan(0.5);
    }
  }, 150_000);

  it('weights the honest miner on chain above every cheater', async () => {
    const { period, block } = await firstFullPeriod();
    const scored = await net.validator.running.storage.scores.listPeriod(period);
    const quality = (name: string) =>
      scored.find((s) => s.uid === miner(name).uid && s.taskKind === 'Uncrop')?.components
        .quality ?? 0;
    expect(quality('honest')).toBeGreaterThan(quality('unextended'));
    expect(quality('honest')).toBeGreaterThan(quality('fewer-steps'));
    const api = await net.devnet.api.at(await net.devnet.api.rpc.chain.getBlockHash(block));
    const query = api.query.subtensorModule?.weights;
    if (!query) throw new Error('the runtime has no SubtensorModule.Weights');
    const row = new Map(
      (await query(net.netuid, net.validator.uid)).toJSON() as Array<[number, number]>,
    );
    const honest = row.get(miner('honest').uid) ?? 0;
    expect(honest).toBeGreaterThan(0);
    expect(row.get(miner('unextended').uid) ?? 0).toBeLessThan(honest);
    expect(row.get(miner('fewer-steps').uid) ?? 0).toBeLessThan(honest);
    expect(row.get(miner('flux-other-seed').uid) ?? 0).toBeLessThan(honest);
  }, 150_000);
});
