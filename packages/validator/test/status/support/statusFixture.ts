/**
 * Known validator state written through the real repositories, for the status tests: three
 * miners (one with a hostile hotkey and a hostile error reason), two scored periods, moving
 * scores, results of both outcomes, a plain weight setting, a pending commit, and a newer failed
 * attempt. The constants are what the tests expect to read back.
 */
import { LAST_PERIOD_KEY } from '../../../src/daemon/validatorDaemon';
import type { Storage } from '../../../src/storage/index';

/** The clock of every test that uses the fixture (2026-09-21 14:13:20 UTC). */
export const NOW = 1_790_000_000_000;
export const NETUID = 7;
export const METAGRAPH_MS = NOW - 60_000;

export const VALIDATOR_HOTKEY = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
export const HONEST_HOTKEY = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
/** A hotkey that would run script if the page did not escape it (storage keeps any text). */
export const HOSTILE_HOTKEY = `"><img src=x onerror="window.__pwned='hotkey'">`;
export const IDLE_HOTKEY = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
/** An error reason as a miner could make it (the dendrite stores the miner's status message). */
export const HOSTILE_ERROR = `<script>window.__pwned='error'</script>miner <b>timed out</b>`;
export const FAILED_SET_ERROR = `rate limit <i>not</i> passed & "retry"`;

export async function seedStatusFixture(storage: Storage): Promise<void> {
  await storage.miners.syncMetagraph(
    [
      { uid: 0, hotkey: VALIDATOR_HOTKEY },
      { uid: 1, hotkey: HONEST_HOTKEY },
      { uid: 2, hotkey: HOSTILE_HOTKEY },
      { uid: 3, hotkey: IDLE_HOTKEY },
    ],
    METAGRAPH_MS,
  );
  await storage.scores.setMoving({
    uid: 1,
    taskKind: 'TextToImage',
    hotkey: HONEST_HOTKEY,
    score: 0.75,
    samples: 4,
    updatedMs: NOW - 9_000,
  });
  await storage.scores.setMoving({
    uid: 1,
    taskKind: 'Chat',
    hotkey: HONEST_HOTKEY,
    score: 0.5,
    samples: 2,
    updatedMs: NOW - 9_000,
  });
  await storage.scores.setMoving({
    uid: 2,
    taskKind: 'TextToImage',
    hotkey: HOSTILE_HOTKEY,
    score: 0.125,
    samples: 1,
    updatedMs: NOW - 9_000,
  });
  const period = (p: number, uid: number, hotkey: string, taskKind: string, score: number) => ({
    period: p,
    uid,
    taskKind,
    hotkey,
    score,
    components: { check: score },
    createdMs: NOW - 9_000,
  });
  await storage.scores.recordPeriod([
    period(41, 1, HONEST_HOTKEY, 'TextToImage', 0.7),
    period(42, 1, HONEST_HOTKEY, 'Chat', 0.6),
    period(42, 1, HONEST_HOTKEY, 'TextToImage', 0.8),
    period(42, 2, HOSTILE_HOTKEY, 'TextToImage', 0.1),
  ]);
  await storage.state.set(LAST_PERIOD_KEY, 42, NOW - 8_000);
  await storage.capacity.record({
    uid: 1,
    hotkey: HONEST_HOTKEY,
    period: 42,
    accepted: true,
    reason: null,
    volumes: { Chat: 4, TextToImage: 2 },
    updatedMs: NOW - 9_500,
  });
  await storage.capacity.record({
    uid: 2,
    hotkey: HOSTILE_HOTKEY,
    period: 42,
    accepted: false,
    reason: `Capacity 422: ${HOSTILE_ERROR}`,
    volumes: {},
    updatedMs: NOW - 9_500,
  });

  const result = (
    uid: number,
    hotkey: string,
    taskKind: string,
    statusCode: number,
    createdMs: number,
    extra: { error?: string; organic?: boolean } = {},
  ) => ({
    taskId: `task-${uid}-${createdMs}`,
    taskKind,
    uid,
    hotkey,
    startedMs: createdMs - 1_500,
    ...(statusCode === 200 ? { durationMs: 1_250 } : {}),
    statusCode,
    createdMs,
    ...extra,
  });
  const checkedId = await storage.results.record(
    result(1, HONEST_HOTKEY, 'TextToImage', 200, NOW - 30_000),
  );
  await storage.results.markChecked(checkedId as number, 0.93, NOW - 29_000, 'partial');
  await storage.results.record(result(1, HONEST_HOTKEY, 'Chat', 200, NOW - 20_000));
  await storage.results.record(
    result(2, HOSTILE_HOTKEY, 'TextToImage', 200, NOW - 40_000, { organic: true }),
  );
  await storage.results.record(
    result(2, HOSTILE_HOTKEY, 'TextToImage', 408, NOW - 10_000, { error: HOSTILE_ERROR }),
  );

  await storage.weights.recordSet({
    netuid: NETUID,
    uids: [1, 2],
    weights: [49_151, 16_384],
    versionKey: 3,
    status: 'done',
    block: 100,
    nowMs: NOW - 50_000,
  });
  await storage.weights.recordCommit({
    netuid: NETUID,
    uids: [1, 2, 3],
    weights: [40_000, 20_000, 5_535],
    versionKey: 3,
    block: 110,
    commitHash: '0xabc123',
    salt: [1, 2, 3, 4, 5, 6, 7, 8],
    revealAfterBlock: 120,
    nowMs: NOW - 5_000,
  });
  await storage.weights.recordSet({
    netuid: NETUID,
    uids: [1],
    weights: [65_535],
    versionKey: 3,
    status: 'failed',
    error: FAILED_SET_ERROR,
    nowMs: NOW - 1_000,
  });
}
