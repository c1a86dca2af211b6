import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../apiKeys/apiKeyService';
import { openStorage } from './openStorage';
import { engineHarness, STORAGE_ENGINES } from './testing/engines';

const HOTKEY = '5RestartHotkeyxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const crashWriter = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'crashWriter.ts');

/** Runs the crash writer until it has written, then kills it with SIGKILL. */
async function writeThenKill(config: unknown): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', crashWriter, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('written')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before writing`)));
  });
  child.kill('SIGKILL');
  await exited;
}

describe.each(STORAGE_ENGINES)('a restart on %s', (engine) => {
  const harness = engineHarness(engine);
  beforeAll(() => harness.start());
  afterAll(() => harness.close());

  it('keeps scores, keys with their rate-limit state, usage and pending commits', async () => {
    const config = await harness.freshConfig();
    const before = await openStorage(config);
    await before.miners.sync({ uid: 5, hotkey: HOTKEY }, T0);
    await before.scores.setMoving({
      uid: 5,
      taskKind: 'chat',
      hotkey: HOTKEY,
      score: 0.625,
      samples: 12,
      updatedMs: T0,
    });
    await before.scores.recordPeriod([
      {
        period: 41,
        uid: 5,
        taskKind: 'chat',
        hotkey: HOTKEY,
        score: 0.5,
        components: { check: 1 },
        createdMs: T0,
      },
    ]);
    const keys = new ApiKeys(before.apiKeys, { now: () => T0 });
    const { id, secret } = await keys.createKey('kept', 2);
    expect((await keys.authorize(secret)).ok).toBe(true);
    expect((await keys.authorize(secret)).ok).toBe(true);
    await keys.recordUsage(id, { inputTokens: 5, outputTokens: 7 });
    const commit = await before.weights.recordCommit({
      netuid: 1,
      uids: [5],
      weights: [65_535],
      versionKey: 7,
      block: 90,
      commitHash: '0xfeed',
      salt: [9, 8, 7],
      revealAfterBlock: 450,
      nowMs: T0,
    });
    await before.state.set('scoring', { period: 41, startedMs: T0 }, T0);
    await before.close();

    const after = await openStorage(config);
    expect(after.migration).toEqual({ fromVersion: 4, toVersion: 4, applied: [] });
    expect(await after.scores.listMoving()).toEqual([
      { uid: 5, taskKind: 'chat', hotkey: HOTKEY, score: 0.625, samples: 12, updatedMs: T0 },
    ]);
    expect(await after.scores.listPeriod(41)).toEqual([
      {
        period: 41,
        uid: 5,
        taskKind: 'chat',
        hotkey: HOTKEY,
        score: 0.5,
        components: { check: 1 },
        createdMs: T0,
      },
    ]);
    expect(await after.scores.latestPeriod()).toBe(41);
    const restarted = new ApiKeys(after.apiKeys, { now: () => T0 + 1_000 });
    expect(await restarted.verifyKey(secret)).toMatchObject({ id, name: 'kept' });
    // The bucket was spent before the restart and is still spent after it: 1 s refilled 1/30 token.
    expect(await restarted.authorize(secret)).toEqual({
      ok: false,
      reason: 'rate_limited',
      retryAfterMs: 29_000,
    });
    expect(await after.apiKeys.usage(id)).toEqual({
      requests: 2,
      refused: 1,
      inputTokens: 5,
      outputTokens: 7,
      images: 0,
    });
    const [pending] = await after.weights.pendingCommits(1);
    expect(pending).toMatchObject({
      id: commit,
      status: 'pending',
      uids: [5],
      weights: [65_535],
      commitHash: '0xfeed',
      salt: [9, 8, 7],
      revealAfterBlock: 450,
    });
    expect(await after.state.get('scoring')).toEqual({ period: 41, startedMs: T0 });
    await after.close();
  });

  it('keeps what was written before the process was killed', async () => {
    const config = await harness.freshConfig();
    await writeThenKill(config);
    // The embedded engine's lock names a dead process now, and is taken over.
    const after = await openStorage(config);
    expect(await after.scores.listMoving()).toEqual([
      { uid: 3, taskKind: 'chat', hotkey: '5CrashHotkey', score: 0.75, samples: 2, updatedMs: 5 },
    ]);
    expect(
      (await after.weights.pendingCommits(1)).map((c) => [c.status, c.commitHash, c.salt]),
    ).toEqual([['pending', '0x01', [1, 2]]]);
    await after.close();
  });

  it('admits exactly the limit when requests race on one key', async () => {
    const storage = await openStorage(await harness.freshConfig());
    const keys = new ApiKeys(storage.apiKeys, { now: () => T0 });
    const { id, secret } = await keys.createKey('raced', 4);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => keys.authorize(secret)));
    expect(outcomes.filter((o) => o.ok).length).toBe(4);
    expect(await storage.apiKeys.usage(id)).toMatchObject({ requests: 4, refused: 6 });
    await storage.close();
  });
});
