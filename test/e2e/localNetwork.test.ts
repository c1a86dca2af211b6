/**
 * `pnpm start:local` end to end: the devnet, two miners serving the tiny models, the validator
 * with its work loop and organic API. The validator scores the miners from real work and sets its
 * weights on chain; an organic chat through the API with the dev key is answered by a miner.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainClient } from '@subnet/chain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalNetwork,
  MINER_HOST,
  startLocalNetwork,
} from '../../scripts/local-network/startLocal';
import { logsOnFailure } from './support/logsOnFailure';

let net: LocalNetwork;
let dir: string;
const outcomes: Array<{ period: number; kind: string; path?: string; values?: number[] }> = [];
let wake: () => void = () => undefined;

/** The daemons' warnings, printed only when a test fails. */
const log = logsOnFailure();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'local-network-'));
  net = await startLocalNetwork({
    logger: log,
    dir,
    blockMs: 1000,
    // Every answer is re-run: 12 s periods leave the checks room on a loaded 2-core box.
    periodBlocks: 12,
    apiPort: 0,
    onPeriodDone: (period, outcome) => {
      outcomes.push({
        period,
        kind: outcome.kind,
        ...(outcome.kind === 'committed' ? { path: outcome.path, values: outcome.values } : {}),
      });
      wake();
    },
  });
}, 150_000);

afterAll(async () => {
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function chainWeights(uid: number): Promise<Array<[number, number]>> {
  const query = net.devnet.api.query.subtensorModule?.weights;
  if (!query) throw new Error('the runtime has no SubtensorModule.Weights');
  return (await query(net.netuid, uid)).toJSON() as Array<[number, number]>;
}

describe('the local network', () => {
  it('serves both miners on chain at 127.0.0.2', async () => {
    const client = await ChainClient.connect({ network: net.endpoint });
    const mg = await client.metagraph(net.netuid);
    await client.close();
    expect(net.miners.map((m) => m.name)).toEqual(['charlie', 'dave']);
    for (const m of net.miners) {
      expect(mg.neurons[m.uid]?.hotkey).toBe(m.hotkey);
      expect(mg.neurons[m.uid]?.axon).toMatchObject({ ip: MINER_HOST, port: m.axon.port });
      expect(m.axon.ip).toBe(MINER_HOST);
    }
    expect(mg.neurons[net.validator.uid]?.validatorPermit).toBe(true);
  });

  it('sets the validator weights on chain from real work, covering both miners', async () => {
    // The first period the validator joins part-way plans only its share of the offers; the
    // next one is worked in full.
    const sets = () => outcomes.filter((o) => o.kind === 'set');
    const setTwice = new Promise<void>((resolve) => {
      wake = () => {
        if (sets().length >= 2) resolve();
      };
      wake();
    });
    await setTwice;
    const row = await chainWeights(net.validator.uid);
    expect(row.length).toBeGreaterThan(0);
    const uids = row.map(([uid]) => uid);
    for (const m of net.miners) expect(uids).toContain(m.uid);
    expect(row.some(([, value]) => value > 0)).toBe(true);
    // The scores behind them came from the work loop: both miners were queried and scored.
    const period = sets()[1]?.period as number;
    const scored = await net.validator.running.storage.scores.listPeriod(period);
    const [charlie, dave] = net.miners.map((m) => m.uid);
    expect(scored.map((s) => [s.uid, s.taskKind])).toEqual([
      [charlie, 'Chat'],
      [charlie, 'Completion'],
      [charlie, 'TextToImage'],
      [dave, 'Chat'],
      [dave, 'Completion'],
      [dave, 'TextToImage'],
    ]);
    // Both miners are honest and run the validator's models on the same provider: every answer
    // the validator re-ran (texts by logprobs, images by regeneration) checks out exactly.
    expect(scored.map((s) => s.components.check)).toEqual([1, 1, 1, 1, 1, 1]);
  }, 120_000);

  it('answers an organic chat through the API with the dev key', async () => {
    const response = await fetch(`${net.validator.apiUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${net.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'tiny-llm',
        messages: [{ role: 'user', content: 'Say hello' }],
        max_tokens: 16,
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      object: string;
      choices: Array<{ message: { role: string; content: string } }>;
    };
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0]?.message.role).toBe('assistant');
    expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);
  }, 60_000);

  it('with commit-reveal switched on, commits (hash: the devnet has no drand pulses) and reveals', async () => {
    await net.devnet.sudoSet({ commitRevealWeightsEnabled: true });
    const committed = () => outcomes.find((o) => o.kind === 'committed');
    await new Promise<void>((resolve) => {
      wake = () => {
        if (committed()) resolve();
      };
      wake();
    });
    expect(committed()?.path).toBe('commit_hash');
    const storage = net.validator.running.storage;
    const revealed = async () => {
      const rows = await storage.weights.history(net.netuid, 50);
      return rows.find((r) => r.path === 'commit_hash' && r.revealedBlock !== null);
    };
    const deadline = Date.now() + 90_000;
    let row = await revealed();
    while (!row && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      row = await revealed();
    }
    expect(row).toMatchObject({ status: 'done', mode: 'commit' });
    expect((await chainWeights(net.validator.uid)).map(([, v]) => v)).toEqual(row?.weights);
  }, 150_000);
});
