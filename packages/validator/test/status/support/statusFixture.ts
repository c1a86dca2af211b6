/**
 * Known validator state written through the real repositories, for the status tests: the
 * validator itself (uid 0), the subnet owner (4) and another validator (5, a permit holder whose
 * only query failed), which are not miners; five miners: one with a hostile hotkey and a hostile
 * error reason, an idle one, and two of the same hardware (6 and 7, 6 holding a validator permit
 * but answering work) whose weights split 54/46 because 7 was seen for fewer periods; three scored
 * periods with the parts of each score, moving scores, results of both outcomes, a plain weight
 * setting, a pending commit, and a newer failed attempt; and the metagraph's neurons. The
 * constants are what the tests expect to read back.
 */
import { LAST_PERIOD_KEY } from '../../../src/daemon/validatorDaemon';
import type { NeuronView } from '../../../src/status/index';
import type { ScoreComponents, Storage } from '../../../src/storage/index';

/** The clock of every test that uses the fixture (2026-09-21 14:13:20 UTC). */
export const NOW = 1_790_000_000_000;
export const NETUID = 7;
export const METAGRAPH_MS = NOW - 60_000;

export const VALIDATOR_HOTKEY = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
export const HONEST_HOTKEY = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
/** A hotkey that would run script if the page did not escape it (storage keeps any text). */
export const HOSTILE_HOTKEY = `"><img src=x onerror="window.__pwned='hotkey'">`;
export const IDLE_HOTKEY = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
export const OWNER_HOTKEY = '5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy';
export const OTHER_VALIDATOR_HOTKEY = '5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw';
export const TWIN_A_HOTKEY = '5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL';
export const TWIN_B_HOTKEY = '5GNJqTPyNqANBkUVMN1LPPrxXnFouWXoe2wNSmmEoLctxiZY';

/**
 * The newest metagraph's neurons: permits for us, the owner, the other validator and twin A; our
 * last weights update at block 110, the block of the newest stored commit.
 */
export const NEURONS: readonly NeuronView[] = [
  { uid: 0, hotkey: VALIDATOR_HOTKEY, validatorPermit: true, lastUpdate: 110 },
  { uid: 1, hotkey: HONEST_HOTKEY, validatorPermit: false, lastUpdate: 3 },
  { uid: 2, hotkey: HOSTILE_HOTKEY, validatorPermit: false, lastUpdate: 3 },
  { uid: 3, hotkey: IDLE_HOTKEY, validatorPermit: false, lastUpdate: 3 },
  { uid: 4, hotkey: OWNER_HOTKEY, validatorPermit: true, lastUpdate: 2 },
  { uid: 5, hotkey: OTHER_VALIDATOR_HOTKEY, validatorPermit: true, lastUpdate: 105 },
  { uid: 6, hotkey: TWIN_A_HOTKEY, validatorPermit: true, lastUpdate: 3 },
  { uid: 7, hotkey: TWIN_B_HOTKEY, validatorPermit: false, lastUpdate: 3 },
];

/**
 * Why each miner has its weight, computed by hand from the period 42 rows below with the default
 * weights (0.5 quality, 0.2 head-to-head, 0.15 speed, 0.15 volume, k = 2) and both kinds at 50%:
 *   Chat:        uid 1 0.5 × (0.5 + 0.1 + 0.12 + 0.15) = 0.435; total 0.435
 *   TextToImage: uid 1 0.75 × (0.5 + 0.1 + 0.135 + 0.075) = 0.6075, uid 2 0.0625 × 0.6 = 0.0375,
 *                uid 5 0 (quality 0), uid 6 0.9 × 0.9 = 0.81, uid 7 0.83 × 0.9 = 0.747;
 *                total 2.202
 *   parts: uid 1 0.5 + 0.5 × 0.6075 / 2.202 = 0.63794, uid 2 0.5 × 0.0375 / 2.202 = 0.00851,
 *          uid 6 0.5 × 0.81 / 2.202 = 0.18392, uid 7 0.5 × 0.747 / 2.202 = 0.16962
 *   weights (part² over the sum 0.46964): 0.86656, 0.00015, 0.07203, 0.06126; uid 3 none.
 * The twins' 0.0720 / 0.0613 is 54/46: 0.9² against 0.83², the moving average over 30 periods
 * against 20.
 */
export const REASONS: Readonly<Record<number, readonly string[]>> = {
  1: [
    "weight 0.8666 from period 42 = part 0.6379^2 / the sum of every uid's part^2",
    "part 0.6379 = Chat (50% of emissions): 0.4350 of the kind's total 0.4350 + TextToImage (50% of emissions): 0.6075 of the kind's total 2.2020",
    'Chat 0.4350 = quality 0.5000 × (0.5 + 0.2 × head-to-head 0.5000 + 0.15 × speed 0.8000 + 0.15 × volume 1.0000)',
    'quality 0.5000 = moving average 0.5000 over 2 periods × answered 100%',
    'TextToImage 0.6075 = quality 0.7500 × (0.5 + 0.2 × head-to-head 0.5000 + 0.15 × speed 0.9000 + 0.15 × volume 0.5000)',
    'quality 0.7500 = moving average 0.7500 over 4 periods × answered 100%',
  ],
  2: [
    "weight 0.0002 from period 42 = part 0.0085^2 / the sum of every uid's part^2",
    "part 0.0085 = TextToImage (50% of emissions): 0.0375 of the kind's total 2.2020",
    'TextToImage 0.0375 = quality 0.0625 × (0.5 + 0.2 × head-to-head 0.5000 + 0.15 × speed 0.0000 + 0.15 × volume 0.0000)',
    'quality 0.0625 = moving average 0.1250 over 1 period × answered 50%',
  ],
  3: ['weight 0.0000 from period 42: no score in that period'],
  6: [
    "weight 0.0720 from period 42 = part 0.1839^2 / the sum of every uid's part^2",
    "part 0.1839 = TextToImage (50% of emissions): 0.8100 of the kind's total 2.2020",
    'TextToImage 0.8100 = quality 0.9000 × (0.5 + 0.2 × head-to-head 0.5000 + 0.15 × speed 1.0000 + 0.15 × volume 1.0000)',
    'quality 0.9000 = moving average 0.9000 over 30 periods × answered 100%',
  ],
  7: [
    "weight 0.0613 from period 42 = part 0.1696^2 / the sum of every uid's part^2",
    "part 0.1696 = TextToImage (50% of emissions): 0.7470 of the kind's total 2.2020",
    'TextToImage 0.7470 = quality 0.8300 × (0.5 + 0.2 × head-to-head 0.5000 + 0.15 × speed 1.0000 + 0.15 × volume 1.0000)',
    'quality 0.8300 = moving average 0.8300 over 20 periods × answered 100%',
  ],
};
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
      { uid: 4, hotkey: OWNER_HOTKEY },
      { uid: 5, hotkey: OTHER_VALIDATOR_HOTKEY },
      { uid: 6, hotkey: TWIN_A_HOTKEY },
      { uid: 7, hotkey: TWIN_B_HOTKEY },
    ],
    METAGRAPH_MS,
  );
  const moving = (uid: number, hotkey: string, score: number, samples: number) =>
    storage.scores.setMoving({
      uid,
      taskKind: 'TextToImage',
      hotkey,
      score,
      samples,
      updatedMs: NOW - 9_000,
    });
  await moving(5, OTHER_VALIDATOR_HOTKEY, 0, 1);
  await moving(6, TWIN_A_HOTKEY, 0.9, 30);
  await moving(7, TWIN_B_HOTKEY, 0.83, 20);
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
  const period = (
    p: number,
    uid: number,
    hotkey: string,
    taskKind: string,
    score: number,
    components: ScoreComponents = { check: score },
  ) => ({ period: p, uid, taskKind, hotkey, score, components, createdMs: NOW - 9_000 });
  const parts = (quality: number, speed: number, volume: number, reliability: number) => ({
    quality,
    headToHead: 0.5,
    speed,
    volume,
    reliability,
  });
  await storage.scores.recordPeriod([
    period(40, 6, TWIN_A_HOTKEY, 'TextToImage', 0.78),
    period(41, 1, HONEST_HOTKEY, 'TextToImage', 0.7),
    period(41, 6, TWIN_A_HOTKEY, 'TextToImage', 0.8),
    period(41, 7, TWIN_B_HOTKEY, 'TextToImage', 0.7),
    period(42, 1, HONEST_HOTKEY, 'Chat', 0.435, { ...parts(0.5, 0.8, 1, 1), check: 0.6 }),
    period(42, 1, HONEST_HOTKEY, 'TextToImage', 0.6075, {
      ...parts(0.75, 0.9, 0.5, 1),
      check: 0.8,
    }),
    period(42, 2, HOSTILE_HOTKEY, 'TextToImage', 0.0375, {
      ...parts(0.0625, 0, 0, 0.5),
      check: 0.1,
    }),
    period(42, 5, OTHER_VALIDATOR_HOTKEY, 'TextToImage', 0, { ...parts(0, 0, 0, 0), check: 0 }),
    period(42, 6, TWIN_A_HOTKEY, 'TextToImage', 0.81, { ...parts(0.9, 1, 1, 1), check: 0.95 }),
    period(42, 7, TWIN_B_HOTKEY, 'TextToImage', 0.747, { ...parts(0.83, 1, 1, 1), check: 0.95 }),
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
  // The other validator was asked once and did not answer: it is no failing miner.
  await storage.results.record(
    result(5, OTHER_VALIDATOR_HOTKEY, 'TextToImage', 408, NOW - 10_000, { error: 'timeout' }),
  );
  // Twin A holds a permit but answers work (a 2xx result): a miner. Twin B's accepted Capacity
  // answer would make it one too.
  await storage.results.record(result(6, TWIN_A_HOTKEY, 'TextToImage', 200, NOW - 15_000));
  await storage.capacity.record({
    uid: 7,
    hotkey: TWIN_B_HOTKEY,
    period: 42,
    accepted: true,
    reason: null,
    volumes: { TextToImage: 2 },
    updatedMs: NOW - 9_500,
  });

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
