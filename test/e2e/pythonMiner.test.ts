/**
 * A miner written on the reference Python SDK (bittensor 10.x `bt.axon`, test/python/python_miner.py)
 * is queried and scored by our validator. On the devnet a validator (bob, staked to a validator
 * permit) and two Python miners are registered; the miners serve Capacity and Completion on
 * 127.0.0.2 with the tiny test LLM in Python onnxruntime and publish their axons on chain. Our
 * validator (startValidator + createWorkLoop, checking every answer with its own copy of the
 * model, sample match on) runs a scoring period: the honest Python miner's answers check out and
 * it gets weight on chain; the same miner drawing random tokens scores 0 and gets none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainClient, loadHotkey, neuronByHotkey } from '@subnet/chain';
import { type Devnet, startDevnet } from '@subnet/chain/devnet';
import { devKeys, writeDevWallets } from '@subnet/chain/testing';
import type { LlmEngine } from '@subnet/inference';
import { createTinyLlm, writeModelFixtures } from '@subnet/inference/testing';
import { Dendrite } from '@subnet/protocol';
import { Capacity, Completion, foldTextStream } from '@subnet/protocol/tasks';
import { devHotkey } from '@subnet/protocol/testing';
import { loadValidatorConfig } from '@subnet/validator/config';
import { type RunningValidator, startValidator } from '@subnet/validator/daemon';
import type { WeightsOutcome } from '@subnet/validator/weights';
import {
  createWorkLoop,
  loadRewardModel,
  type PeriodWorkLoop,
  workSettings,
} from '@subnet/validator/work';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logsOnFailure } from './support/logsOnFailure';
import { type PythonMiner, startPythonMiner } from './support/pythonMiner';

const MINER_HOST = '127.0.0.2';
const TAO = 1_000_000_000n;
const BLOCK_MS = 1000;
const PERIOD_BLOCKS = 8;
const VOLUME = 3;

/** Completion tasks sized for the tiny LLM (as the local network draws them). */
const TINY_PROFILE = { maxTokens: [12, 20] as const, temperatures: [0.7], maxPromptChars: 80 };

const log = logsOnFailure();
let dir: string;
let devnet: Devnet;
let client: ChainClient;
let llm: LlmEngine;
let validator: RunningValidator;
let workLoop: PeriodWorkLoop;
let honest: PythonMiner;
let random: PythonMiner;
const uids = { validator: -1, honest: -1, random: -1 };
const outcomes: Array<WeightsOutcome & { atMs: number }> = [];
let wake: () => void = () => undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'python-miner-'));
  const walletPath = join(dir, 'wallets');
  await writeDevWallets(walletPath, { overwrite: true });
  // The tiny LLM as a registry cache holds it: model.onnx, tokenizer.json, tokenizer_config.json.
  const fixtures = await writeModelFixtures({ root: join(dir, 'models') });
  const modelDir = join(fixtures.cacheDir, 'models', 'tiny-llm');

  // The Python miners start meanwhile: charlie answers honestly, dave makes its tokens up.
  const python = (hotkeyUri: string, mode: 'honest' | 'random') =>
    startPythonMiner({ hotkeyUri, modelDir, mode, externalIp: MINER_HOST, volume: VOLUME });
  const pythonMiners = Promise.all([
    python('//Charlie//hotkey', 'honest').then((m) => {
      honest = m;
    }),
    python('//Dave//hotkey', 'random').then((m) => {
      random = m;
    }),
  ]);
  pythonMiners.catch(() => undefined); // awaited below, after the chain is ready
  devnet = await startDevnet({ logger: log });
  const netuid = devnet.netuid;
  client = await ChainClient.connect({ network: devnet.endpoint, logger: log });
  const keys = await devKeys();
  for (const name of ['bob', 'charlie', 'dave'] as const) {
    const k = keys[name];
    await client.burnedRegister({ netuid, coldkey: k.coldkey, hotkey: k.hotkey.address });
  }
  await client.addStake({
    netuid,
    coldkey: keys.bob.coldkey,
    hotkey: keys.bob.hotkey.address,
    amount: 1_000n * TAO,
  });
  await devnet.sudoSet({ minAllowedWeights: 1, maxWeightLimit: 65535 });
  for (let i = 0; i < 10; i++) {
    const mg = await client.metagraph(netuid);
    if (neuronByHotkey(mg, keys.bob.hotkey.address)?.validatorPermit) break;
    await devnet.newBlocks(6);
  }

  await pythonMiners;
  for (const [miner, k] of [
    [honest, keys.charlie],
    [random, keys.dave],
  ] as const) {
    if (miner.hotkey !== k.hotkey.address) throw new Error(`${miner.hotkey} is not ${k.name}`);
    await client.serveAxon({ netuid, hotkey: k.hotkey, ip: MINER_HOST, port: miner.port });
  }
  const mg = await client.metagraph(netuid);
  uids.validator = neuronByHotkey(mg, keys.bob.hotkey.address)?.uid ?? -1;
  uids.honest = neuronByHotkey(mg, keys.charlie.hotkey.address)?.uid ?? -1;
  uids.random = neuronByHotkey(mg, keys.dave.hotkey.address)?.uid ?? -1;
  devnet.setBlockMode({ intervalMs: BLOCK_MS });

  // Our validator, checking every answer with its own copy of the tiny LLM.
  llm = await createTinyLlm();
  const config = loadValidatorConfig({
    flags: {
      netuid: String(netuid),
      subtensor: { network: devnet.endpoint },
      wallet: { name: 'bob', path: walletPath },
      data_dir: join(dir, 'validator-db'),
      period: { blocks: String(PERIOD_BLOCKS) },
      metagraph: { every_blocks: '1' },
    },
  });
  workLoop = createWorkLoop({
    hotkey: await loadHotkey({ name: 'bob', hotkey: 'default', path: walletPath }),
    models: {
      rewardModel: loadRewardModel(),
      llm: (model) => (model === 'tiny-llm' ? llm : undefined),
      llmSampleMatch: true,
    },
    blockMs: BLOCK_MS,
    checkShare: 1,
    headToHeadShare: 0,
    profile: TINY_PROFILE,
    settings: workSettings({ testShare: [1, 1] }),
  });
  validator = await startValidator(config, {
    logger: log,
    workLoop,
    onPeriodDone: (_period, outcome) => {
      outcomes.push({ ...outcome, atMs: Date.now() });
      wake();
    },
  });
}, 180_000);

afterAll(async () => {
  await validator?.stop();
  await workLoop?.close();
  await Promise.all([honest?.stop(), random?.stop()]);
  await client?.close();
  await devnet?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The first period whose weights were set on chain (fails after three periods without). */
function weightsSet(): Promise<Extract<WeightsOutcome, { kind: 'set' }> & { atMs: number }> {
  return new Promise((resolve, reject) => {
    wake = () => {
      const set = outcomes.find((o) => o.kind === 'set');
      if (set?.kind === 'set') resolve(set);
      else if (outcomes.length >= 3)
        reject(new Error(`no weights set: ${JSON.stringify(outcomes)}`));
    };
    wake();
  });
}

async function chainWeights(uid: number): Promise<Map<number, number>> {
  const query = devnet.api.query.subtensorModule?.weights;
  if (!query) throw new Error('the runtime has no SubtensorModule.Weights');
  return new Map((await query(devnet.netuid, uid)).toJSON() as Array<[number, number]>);
}

describe('a Python SDK miner under our validator', () => {
  it('answers Completion with the very tokens our engine samples, and logprobs equal to 1e-12', async () => {
    const dendrite = new Dendrite({ hotkey: await devHotkey('alice') });
    const target = { ip: MINER_HOST, port: honest.port, hotkey: honest.hotkey };
    const capacity = await dendrite.call(target, Capacity, {});
    expect(capacity.dendrite.status_code).toBe(200);
    expect(capacity.capacities).toEqual({
      Completion: { volume: VOLUME, models: ['tiny-llm'], loras: [] },
    });
    const prompt = 'Tell me a story about a robot that learns';
    const cases = [
      // Greedy, cut by a stop sequence its text runs into ("...ppHell-ell...").
      { seed: 42, temperature: 0, top_p: 1, top_k: 0, stop: ['ell'] },
      { seed: 7, temperature: 0.7, top_p: 1, top_k: 0, stop: [] },
      { seed: 99, temperature: 1, top_p: 0.9, top_k: 50, stop: ['e'] },
    ];
    for (const c of cases) {
      const events: unknown[] = [];
      const stream = dendrite.stream(target, Completion, {
        prompt,
        max_tokens: 24,
        top_logprobs: 5,
        model: 'tiny-llm',
        ...c,
      });
      let step = await stream.next();
      while (!step.done) {
        events.push(step.value);
        step = await stream.next();
      }
      expect(step.value.dendrite.status_code).toBe(200);
      const answer = foldTextStream(events);
      const ours = await llm.complete({
        prompt,
        maxTokens: 24,
        temperature: c.temperature,
        topP: c.top_p,
        topK: c.top_k,
        seed: c.seed,
        stop: c.stop,
        logprobs: 5,
      });
      expect(answer.token_logprobs.map((t) => t.token_id)).toEqual(ours.tokenIds);
      expect(answer.text).toBe(ours.text);
      expect(answer.finish_reason).toBe(ours.finishReason);
      if (c.seed === 42)
        expect([answer.finish_reason, answer.text.includes('ell')]).toEqual(['stop', false]);
      for (const [i, t] of answer.token_logprobs.entries()) {
        expect(Math.abs(t.logprob - (ours.logprobs[i] as number))).toBeLessThan(1e-12);
        expect(t.top_logprobs.length).toBe(5);
      }
    }
    await dendrite.close();
  });

  it('is asked its Capacity, queried and checked by our validator, and weighted on chain', async () => {
    const set = await weightsSet();
    const bob = validator.hotkey.address;

    // Both axons are published on chain where the SDK serves them.
    const mg = await client.metagraph(devnet.netuid);
    expect(mg.neurons[uids.honest]?.axon).toMatchObject({ ip: MINER_HOST, port: honest.port });
    expect(mg.neurons[uids.random]?.axon).toMatchObject({ ip: MINER_HOST, port: random.port });

    // Each Python axon verified and answered our validator's Capacity question.
    for (const miner of [honest, random]) {
      expect(miner.served.some((s) => s.served === 'Capacity' && s.dendrite === bob)).toBe(true);
    }

    // Their Completion answers were stored and every one was checked by reproduction. The next
    // period's work starts before the weights are sent, so answers stored by then may still be
    // waiting for their check: they are given a bounded while to be checked.
    const rows = async (uid: number) =>
      (await validator.storage.results.listForUid(uid)).filter(
        (r) => r.taskKind === 'Completion' && r.createdMs <= set.atMs,
      );
    let [honestRows, randomRows] = await Promise.all([rows(uids.honest), rows(uids.random)]);
    for (let i = 0; i < 60 && [...honestRows, ...randomRows].some((r) => !r.checked); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      [honestRows, randomRows] = await Promise.all([rows(uids.honest), rows(uids.random)]);
    }
    for (const [miner, stored] of [
      [honest, honestRows],
      [random, randomRows],
    ] as const) {
      expect(stored.length).toBeGreaterThan(0);
      const answered = new Set(
        miner.served
          .filter((s) => s.served === 'Completion' && s.dendrite === bob)
          .map((s) => s.seed),
      );
      for (const r of stored) {
        expect(r.statusCode).toBe(200);
        expect(r.checked).toBe(true);
        expect(answered.has(Number(r.taskId.split(':')[2]))).toBe(true);
      }
    }
    // Honest: the validator's forward pass agrees with every logprob and its own sample with
    // the task's seed gives the same tokens (score 1). Random tokens: score 0.
    expect(honestRows.map((r) => r.checkScore)).toEqual(honestRows.map(() => 1));
    expect(randomRows.map((r) => r.checkScore)).toEqual(randomRows.map(() => 0));

    // The period's Completion scores, and the weights our validator set from them.
    const scored = await validator.storage.scores.listPeriod(set.period);
    const completion = (uid: number) =>
      scored.find((s) => s.uid === uid && s.taskKind === 'Completion');
    expect(completion(uids.honest)?.components.check).toBe(1);
    expect(completion(uids.honest)?.score).toBeGreaterThan(0);
    expect(completion(uids.random)?.components.check).toBe(0);
    expect(completion(uids.random)?.score).toBe(0);

    const weights = await chainWeights(uids.validator);
    expect(weights.get(uids.honest) ?? 0).toBeGreaterThan(0);
    expect(weights.get(uids.random) ?? 0).toBe(0);
    expect(set.uids[set.values.indexOf(Math.max(...set.values))]).toBe(uids.honest);
  }, 150_000);
});
