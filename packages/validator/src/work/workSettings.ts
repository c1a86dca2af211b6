/**
 * How much work a period may hold and how each task kind is timed, whatever miners declare: the
 * validator's own bounds (`work` in its config). Every number a miner sends is capped by these
 * before it is planned with; every call to a miner runs under these deadlines.
 *
 * Per kind:
 * - `maxVolume`: the most units of the kind one miner is planned for in a period (as the
 *   reference subnet's per-task `max_capacity`); a larger declared volume is capped to it.
 * - `cost`: volume units one query costs (default 1: volume counts queries).
 * - `expectedSeconds`: the answer time that scores full speed on the reference hardware.
 * - `timeoutS`: the total deadline of one query (default the synapse's own timeout).
 * - `maxAnswerBytes`: the largest answer of the kind (an image kind's largest PNG in base64 with
 *   room to spare; the upscaler's output is the big one). Never above the period's own cap.
 */
import { TASK_KINDS, TASK_SYNAPSE_BY_KIND, type TaskKind } from '@subnet/protocol/tasks';

export interface KindSettings {
  readonly maxVolume: number;
  readonly cost: number;
  readonly expectedSeconds: number;
  readonly timeoutS: number;
  readonly maxAnswerBytes: number;
}

export interface WorkSettings {
  /** Queries in flight at once over all miners. */
  readonly concurrency: number;
  /** Queries in flight at once to one miner. */
  readonly perMinerConcurrency: number;
  /** Checks by reproduction running at once (they use the validator's CPU or GPU). */
  readonly checkConcurrency: number;
  /** The most synthetic queries one period plans, whatever miners declare. */
  readonly maxQueries: number;
  /** Share of the period's remaining wall time its queries are spread over. */
  readonly spread: number;
  /**
   * Share of the period's remaining wall time by which its work must be done (queries answered,
   * checks run); what has not answered by then counts as not answered.
   */
  readonly deadlineShare: number;
  /** The share of a miner's (capped) declared volume that is tested: drawn in [min, max]. */
  readonly testShare: readonly [number, number];
  /** Connect deadline of one query, ms. */
  readonly connectMs: number;
  /** Longest silence between stream events of a streamed answer, ms. */
  readonly idleMs: number;
  /** Largest answer accepted from a miner, bytes. */
  readonly maxAnswerBytes: number;
  readonly kinds: Readonly<Record<TaskKind, KindSettings>>;
}

const IMAGE_MAX_VOLUME = 256;
const TEXT_MAX_VOLUME = 1_024;
const MIB = 1024 * 1024;

/** Per-kind defaults: sized for SDXL-class images and 8B-class LLMs on one datacenter GPU. */
export const DEFAULT_KIND_SETTINGS: Readonly<Record<TaskKind, Omit<KindSettings, 'timeoutS'>>> =
  Object.freeze({
    // 1344 x 1344 x 3 bytes is 5.4 MB raw: its PNG in base64 stays under 8 MB.
    TextToImage: {
      maxVolume: IMAGE_MAX_VOLUME,
      cost: 1,
      expectedSeconds: 6,
      maxAnswerBytes: 12 * MIB,
    },
    ImageToImage: {
      maxVolume: IMAGE_MAX_VOLUME,
      cost: 1,
      expectedSeconds: 6,
      maxAnswerBytes: 12 * MIB,
    },
    Inpaint: { maxVolume: IMAGE_MAX_VOLUME, cost: 1, expectedSeconds: 6, maxAnswerBytes: 12 * MIB },
    // The canvas is at most 1344 x 1344 too; the inpainting UNet runs over all of it.
    Uncrop: { maxVolume: IMAGE_MAX_VOLUME, cost: 1, expectedSeconds: 7, maxAnswerBytes: 12 * MIB },
    ControlNet: {
      maxVolume: IMAGE_MAX_VOLUME,
      cost: 1,
      expectedSeconds: 8,
      maxAnswerBytes: 12 * MIB,
    },
    // The protocol's 32 MB output image in base64.
    Upscale: { maxVolume: IMAGE_MAX_VOLUME, cost: 1, expectedSeconds: 6, maxAnswerBytes: 48 * MIB },
    ClipEmbeddings: {
      maxVolume: TEXT_MAX_VOLUME,
      cost: 1,
      expectedSeconds: 1,
      maxAnswerBytes: 4 * MIB,
    },
    // 4096 tokens with 20 alternatives each, as JSON events.
    Chat: { maxVolume: TEXT_MAX_VOLUME, cost: 1, expectedSeconds: 8, maxAnswerBytes: 16 * MIB },
    Completion: {
      maxVolume: TEXT_MAX_VOLUME,
      cost: 1,
      expectedSeconds: 8,
      maxAnswerBytes: 16 * MIB,
    },
  });

export const DEFAULT_WORK_SETTINGS: WorkSettings = Object.freeze({
  concurrency: 64,
  perMinerConcurrency: 2,
  checkConcurrency: 1,
  maxQueries: 4_096,
  spread: 0.8,
  deadlineShare: 0.92,
  // A random share of each declared volume is tested, so a miner cannot tell how much of what
  // it declares will be asked; what it serves is measured against what was tested.
  testShare: [0.5, 1] as const,
  connectMs: 5_000,
  idleMs: 15_000,
  maxAnswerBytes: 48 * 1024 * 1024,
  kinds: Object.freeze(
    Object.fromEntries(
      TASK_KINDS.map((kind) => [
        kind,
        { ...DEFAULT_KIND_SETTINGS[kind], timeoutS: TASK_SYNAPSE_BY_KIND[kind].defaultTimeout },
      ]),
    ) as Record<TaskKind, KindSettings>,
  ),
});

/** One figure of every kind's settings, by kind (what the planner and the scores take). */
export function perKind(
  settings: WorkSettings,
  figure: keyof KindSettings,
): Record<TaskKind, number> {
  return Object.fromEntries(
    TASK_KINDS.map((kind) => [kind, settings.kinds[kind][figure]]),
  ) as Record<TaskKind, number>;
}

/** The defaults with some settings replaced (per kind, only the fields given). */
export function workSettings(
  overrides: Partial<Omit<WorkSettings, 'kinds'>> & {
    kinds?: Partial<Record<TaskKind, Partial<KindSettings>>>;
  } = {},
): WorkSettings {
  const { kinds, ...rest } = overrides;
  const merged = Object.fromEntries(
    TASK_KINDS.map((kind) => [kind, { ...DEFAULT_WORK_SETTINGS.kinds[kind], ...kinds?.[kind] }]),
  ) as Record<TaskKind, KindSettings>;
  return Object.freeze({ ...DEFAULT_WORK_SETTINGS, ...rest, kinds: Object.freeze(merged) });
}

/** The `work` section of the validator's config, as parsed (snake_case, every field optional). */
export interface WorkConfig {
  concurrency?: number | undefined;
  per_miner_concurrency?: number | undefined;
  check_concurrency?: number | undefined;
  max_queries?: number | undefined;
  spread?: number | undefined;
  deadline_share?: number | undefined;
  test_share?: readonly [number, number] | undefined;
  connect_ms?: number | undefined;
  idle_ms?: number | undefined;
  max_answer_bytes?: number | undefined;
  kinds?: Partial<
    Record<
      TaskKind,
      {
        max_volume?: number | undefined;
        cost?: number | undefined;
        expected_seconds?: number | undefined;
        timeout_s?: number | undefined;
        max_answer_bytes?: number | undefined;
      }
    >
  >;
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The work settings a config's `work` section describes (defaults where it is silent). */
export function workSettingsFromConfig(config: WorkConfig): WorkSettings {
  const kinds: Partial<Record<TaskKind, Partial<KindSettings>>> = {};
  for (const [kind, k] of Object.entries(config.kinds ?? {}) as [
    TaskKind,
    NonNullable<WorkConfig['kinds']>[TaskKind],
  ][]) {
    if (!k) continue;
    kinds[kind] = defined({
      maxVolume: k.max_volume,
      cost: k.cost,
      expectedSeconds: k.expected_seconds,
      timeoutS: k.timeout_s,
      maxAnswerBytes: k.max_answer_bytes,
    });
  }
  return workSettings({
    ...defined({
      concurrency: config.concurrency,
      perMinerConcurrency: config.per_miner_concurrency,
      checkConcurrency: config.check_concurrency,
      maxQueries: config.max_queries,
      spread: config.spread,
      deadlineShare: config.deadline_share,
      testShare: config.test_share,
      connectMs: config.connect_ms,
      idleMs: config.idle_ms,
      maxAnswerBytes: config.max_answer_bytes,
    }),
    kinds,
  });
}
