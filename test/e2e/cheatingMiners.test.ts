/**
 * Cheating miners against the validator, end to end: one devnet, the validator (bob) re-running
 * every answer (checkShare 1, LLM answers re-sampled with the task's seed), an honest miner, five
 * cheating miners (real axon, signatures and registration; their honest backends wrapped: fewer
 * denoising steps, another image seed, one cached image for every request, another text seed,
 * greedy text whatever the temperature)
 * and a miner that is down (registered, its axon served on chain, then stopped). Every live miner
 * serves the same work, so only the cheating tells them apart.
 *
 * After the first scoring period: each cheat failed its check by reproduction in the validator's
 * storage, the quality behind the scores puts the honest miner above every cheater, the honest
 * miner holds weight on chain and the miner that is down holds none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainClient } from '@subnet/chain';
import type { TaskResult } from '@subnet/validator/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cachedImage,
  fewerSteps,
  greedyText,
  otherImageSeed,
  otherTextSeed,
} from '../../scripts/local-network/cheatingBackends';
import {
  type LocalMiner,
  type LocalMinerSpec,
  type LocalNetwork,
  MINER_HOST,
  type MinerTasks,
  startLocalNetwork,
} from '../../scripts/local-network/startLocal';
import { logsOnFailure } from './support/logsOnFailure';

const TASKS: MinerTasks = {
  Completion: { models: ['tiny-llm'], volume: 2 },
  TextToImage: { models: ['tiny-sd'], volume: 2 },
};

const MINERS: LocalMinerSpec[] = [
  { wallet: 'charlie', name: 'honest', tasks: TASKS },
  { wallet: 'dave', name: 'fewer-steps', tasks: TASKS, wrapBackends: fewerSteps },
  { wallet: 'eve', name: 'other-image-seed', tasks: TASKS, wrapBackends: otherImageSeed },
  { wallet: 'ferdie', name: 'cached-image', tasks: TASKS, wrapBackends: cachedImage },
  {
    wallet: 'charlie',
    hotkey: 'text-cheat',
    name: 'other-text-seed',
    tasks: TASKS,
    wrapBackends: otherTextSeed,
  },
  { wallet: 'eve', hotkey: 'greedy', name: 'greedy-text', tasks: TASKS, wrapBackends: greedyText },
  { wallet: 'dave', hotkey: 'down', name: 'down', down: true },
];

/** The task kind each cheater cheats on. */
const CHEATS = [
  ['fewer-steps', 'TextToImage'],
  ['other-image-seed', 'TextToImage'],
  ['cached-image', 'TextToImage'],
  ['other-text-seed', 'Completion'],
  ['greedy-text', 'Completion'],
] as const;

let net: LocalNetwork;
let dir: string;
interface Outcome {
  period: number;
  kind: string;
  atMs: number;
  /** The block the weights landed in. */
  block?: number;
}
const outcomes: Outcome[] = [];
let wake: () => void = () => undefined;

/** The daemons' warnings, printed only when a test fails. */
const log = logsOnFailure();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cheating-miners-'));
  net = await startLocalNetwork({
    logger: log,
    dir,
    // Spec 218: these suites judge the validator against adversaries on the chain's clock (weights
    // at the same block of each period, within one block). Under chopsticks on a 2-core box a
    // spec-293 block takes 1.1-1.5 s to build, longer than the 1 s interval, so that clock itself
    // slips there. The runtime's own paths are covered on 293 by the chain package and the
    // local-network suite.
    runtime: 'spec218',
    blockMs: 1000,
    // Every answer of seven miners is re-run (images regenerated, texts re-sampled): periods of
    // 16 s and two checks at once leave the checks room on a loaded 2-core box (12 s were seen
    // to leave an answer unchecked when the suite's chain tests ran beside it).
    periodBlocks: 16,
    work: { check_concurrency: '2' },
    apiPort: 0,
    miners: MINERS,
    checkShare: 1,
    llmSampleMatch: true,
    onPeriodDone: (period, outcome) => {
      outcomes.push({
        period,
        kind: outcome.kind,
        atMs: Date.now(),
        ...('block' in outcome ? { block: outcome.block } : {}),
      });
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

/**
 * The first period the validator worked in full, and when its weights were set (`atMs`) and the
 * period before's (`sinceMs`): the validator joined that one part-way and planned only its share.
 */
async function firstSetPeriod(): Promise<{
  period: number;
  atMs: number;
  sinceMs: number;
  block: number;
}> {
  const sets = () => outcomes.filter((o) => o.kind === 'set');
  await new Promise<void>((resolve) => {
    wake = () => {
      if (sets().length >= 2) resolve();
    };
    wake();
  });
  const [before, full] = sets() as [Outcome, Outcome];
  return {
    period: full.period,
    atMs: full.atMs,
    sinceMs: before.atMs,
    block: full.block as number,
  };
}

/** SubtensorModule.Weights of the validator's uid, read from the chain's storage. */
async function chainWeights(): Promise<Map<number, number>> {
  // As of the block the first full period's weights landed in (later periods set others).
  const { block } = await firstSetPeriod();
  const api = await net.devnet.api.at(await net.devnet.api.rpc.chain.getBlockHash(block));
  const query = api.query.subtensorModule?.weights;
  if (!query) throw new Error('the runtime has no SubtensorModule.Weights');
  const row = (await query(net.netuid, net.validator.uid)).toJSON() as Array<[number, number]>;
  return new Map(row);
}

/** The validator's stored results of a miner in (sinceMs, untilMs], by task kind. */
async function results(name: string, untilMs: number, sinceMs = 0): Promise<TaskResult[]> {
  const rows = await net.validator.running.storage.results.listForUid(miner(name).uid);
  return rows
    .filter((r) => r.createdMs > sinceMs && r.createdMs <= untilMs)
    .sort((a, b) => a.taskKind.localeCompare(b.taskKind));
}

const checkScores = (rows: TaskResult[], kind: string) =>
  rows.filter((r) => r.taskKind === kind).map((r) => r.checkScore);

describe('cheating miners and a miner that is down', () => {
  it('serves every miner on chain at 127.0.0.2, the one that is down included', async () => {
    const client = await ChainClient.connect({ network: net.endpoint });
    const mg = await client.metagraph(net.netuid);
    await client.close();
    expect(net.miners.map((m) => [m.name, m.down])).toEqual([
      ['honest', false],
      ['fewer-steps', false],
      ['other-image-seed', false],
      ['cached-image', false],
      ['other-text-seed', false],
      ['greedy-text', false],
      ['down', true],
    ]);
    for (const m of net.miners) {
      expect(mg.neurons[m.uid]?.hotkey).toBe(m.hotkey);
      expect(mg.neurons[m.uid]?.axon).toMatchObject({ ip: MINER_HOST, port: m.axon.port });
      expect(m.axon.port).toBeGreaterThan(0);
    }
    // The miner that is down never answers: nothing listens on its axon any more.
    const down = miner('down');
    await expect(fetch(`http://${down.axon.ip}:${down.axon.port}/`)).rejects.toThrow();
  });

  it('re-runs every answer of the first full period: every cheater is caught', async () => {
    const { atMs, sinceMs } = await firstSetPeriod();
    // Every live miner answered its whole offer (2 Completions, 2 images), and each answer was
    // checked by reproduction.
    for (const m of net.miners.filter((n) => !n.down)) {
      const rows = await results(m.name, atMs, sinceMs);
      expect(rows.map((r) => [r.taskKind, r.statusCode, r.checked])).toEqual([
        ['Completion', 200, true],
        ['Completion', 200, true],
        ['TextToImage', 200, true],
        ['TextToImage', 200, true],
      ]);
    }
    const honest = await results('honest', atMs, sinceMs);
    expect(honest.map((r) => r.checkScore)).toEqual([1, 1, 1, 1]);
    // Why each check scored what it did is stored with it. The tiny random-weight NSFW model
    // flags some seeds' images; when it flags both the miner's and the validator's image the two
    // are still compared in full, and the reason says so.
    expect(honest.map((r) => r.checkReason)).toEqual([
      'agrees',
      'agrees',
      expect.stringMatching(/^(reproduced|both-nsfw)$/),
      expect.stringMatching(/^(reproduced|both-nsfw)$/),
    ]);
    for (const [name, kind] of CHEATS) {
      const rows = await results(name, atMs, sinceMs);
      const honestKind = kind === 'TextToImage' ? 'Completion' : 'TextToImage';
      // The work it did honestly checks out; the work it cheated on does not.
      expect(checkScores(rows, honestKind)).toEqual([1, 1]);
      const cheated = rows.filter((r) => r.taskKind === kind);
      expect(cheated).toHaveLength(2);
      if (kind === 'Completion') {
        // A text cheat is caught whenever its tokens differ from the task's seeded sample; on a
        // peaked distribution of the tiny model (a low task temperature, a short answer) the
        // greedy or other-seed text can be the very same tokens, and then it rightly agrees.
        const caught = cheated.filter((r) => r.checkReason === 'sample-mismatch');
        expect(caught.length).toBeGreaterThanOrEqual(1);
        for (const r of cheated) {
          if (r.checkReason === 'sample-mismatch') expect(r.checkScore).toBeLessThan(1);
          else expect([r.checkReason, r.checkScore]).toEqual(['agrees', 1]);
        }
      } else {
        expect(cheated.map((r) => r.checkReason).filter((r) => r === 'reproduced')).toEqual([]);
        // The reward model on the perceptual hashes of the validator's re-generation.
        for (const r of cheated) expect(r.checkScore).toBeLessThan(0.1);
      }
    }
    // The miner that is down answered nothing, so nothing of it is stored.
    expect(await results('down', Date.now())).toEqual([]);
  }, 120_000);

  it('scores the honest miner above every cheater on what the checks found', async () => {
    const { period } = await firstSetPeriod();
    const scored = await net.validator.running.storage.scores.listPeriod(period);
    const row = (name: string, kind: string) =>
      scored.find((s) => s.uid === miner(name).uid && s.taskKind === kind);
    for (const [name, kind] of CHEATS) {
      const honest = row('honest', kind)?.components;
      const cheater = row(name, kind)?.components;
      expect(honest?.check).toBe(1);
      expect(cheater?.check).toBeLessThan(1);
      expect(cheater?.quality).toBeLessThan(honest?.quality as number);
    }
    // The head-to-head comparisons of the honest miner against a cheater on the work it cheated
    // on: the honest miner wins each one.
    const comparisons = await net.validator.running.storage.comparisons.listBetween(0, Date.now());
    for (const [name, kind] of CHEATS) {
      const pair = new Set([miner('honest').uid, miner(name).uid]);
      for (const c of comparisons) {
        if (c.taskKind !== kind || !pair.has(c.uidA) || !pair.has(c.uidB)) continue;
        expect([c.uidA, c.preference]).toEqual([miner('honest').uid, 1]);
      }
    }
    expect(scored.some((s) => s.uid === miner('down').uid)).toBe(false);
  }, 120_000);

  it('sets weights on chain that give the honest miner weight and the down miner none', async () => {
    await firstSetPeriod();
    const weights = await chainWeights();
    expect(weights.get(miner('honest').uid)).toBeGreaterThan(0);
    expect(weights.get(miner('down').uid) ?? 0).toBe(0);
  }, 120_000);

  // A failed check pays nothing else either: speed, volume and head-to-head are scaled by the
  // checked quality (`taskScore`), so a fast cheater cannot outweigh its failed checks.
  it('sets weights on chain that rank the honest miner above every cheater', async () => {
    await firstSetPeriod();
    const weights = await chainWeights();
    const honest = weights.get(miner('honest').uid) ?? 0;
    for (const [name] of CHEATS) expect(weights.get(miner(name).uid) ?? 0).toBeLessThan(honest);
  });
});
