/**
 * The validator's configuration: one zod schema over defaults < config file < environment <
 * flags, validated once at start. Flag names follow btcli (`--wallet.name`,
 * `--subtensor.network`); the storage flags are the ones `validator keys` takes too. Numbers and
 * switches arrive as text from flags and the environment; text that is not one is reported as
 * typed (`--netuid must be a number (got "abc")`), never as zod's NaN.
 */

import { subtensorConfigSchema, walletConfigSchema } from '@subnet/chain/config';
import { modelsConfigSchema } from '@subnet/inference/catalog';
import { LOG_LEVELS } from '@subnet/kit';
import { TASK_KINDS } from '@subnet/protocol/tasks';
import { z } from 'zod';

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
/** `schema` over a number that may be typed as text. */
const num = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && NUMERIC.test(v) ? Number(v) : v), schema);
const whole = () => z.number().refine(Number.isInteger, 'must be a whole number');
const int = (min: number, max: number) => num(whole().min(min).max(max));
const real = (min: number, max: number) => num(z.number().min(min).max(max));
const SWITCH: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
};

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''),
  );
/** An inclusive range, as `[min, max]` or `"min-max"`. */
const range = z
  .union([z.tuple([num(z.number()), num(z.number())]), z.string().regex(/^\d+-\d+$/)])
  .transform((v) => (typeof v === 'string' ? (v.split('-').map(Number) as [number, number]) : v))
  .refine(([a, b]) => Number.isInteger(a) && Number.isInteger(b) && a >= 1 && a <= b, {
    message: 'must be min-max with 1 <= min <= max',
  });
/** A cap on a miner's answer, in bytes. */
const answerBytes = int(1_024, 256 * 1024 * 1024).optional();
const bool = z.preprocess(
  (v) => (typeof v === 'string' ? (SWITCH[v.trim().toLowerCase()] ?? v) : v),
  z.boolean(),
);
/** A u64 (the weights version key), typed as text or given as a number. */
const u64 = z.unknown().transform((v, ctx) => {
  if (typeof v === 'bigint' && v >= 0n) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\s*\d{1,20}\s*$/.test(v)) return BigInt(v.trim());
  ctx.addIssue({ code: 'custom', message: 'must be a whole number, 0 or more', input: v });
  return z.NEVER;
});

/** The storage settings, which `keys` reads too. */
export const databaseUrlSchema = z
  .string()
  .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must start with postgres:// or postgresql://');
export const dataDirSchema = z.string().min(1);

export const validatorConfigSchema = z.strictObject({
  netuid: int(0, 65_535),
  subtensor: subtensorConfigSchema,
  wallet: walletConfigSchema,
  /** PostgreSQL by URL (`--database-url`, SUBNET_VALIDATOR_DATABASE_URL); else embedded. */
  database_url: databaseUrlSchema.optional(),
  /** The embedded database's directory (`--data-dir`, SUBNET_VALIDATOR_DATA_DIR). */
  data_dir: dataDirSchema.optional(),
  api: z
    .strictObject({
      enabled: bool.default(true),
      host: z.string().min(1).default('127.0.0.1'),
      /** 0 picks a free port. */
      port: int(0, 65_535).default(8090),
      /** Model ids sold for chat and completions, and for the image endpoints (`/v1/models`). */
      text_models: list.default([]),
      image_models: list.default([]),
    })
    .prefault({}),
  metagraph: z.strictObject({ every_blocks: int(1, 10_000).default(5) }).prefault({}),
  period: z
    .strictObject({
      /** Length of a scoring period in blocks; weights are set once per period. */
      blocks: int(1, 100_000).default(360),
    })
    .prefault({}),
  weights: z
    .strictObject({
      /** The version key sent with weights (default the chain package's). */
      version_key: u64.optional(),
      /** Share of emissions per task kind (default 1 each). */
      task_shares: z.record(z.string(), num(z.number().min(0))).default({}),
      /**
       * Force how weights go on chain: `set`, `commit_hash` or `commit_timelocked`. Default: the
       * path the chain asks for, read from the runtime and the subnet each time (recommended).
       */
      path: z.enum(['set', 'commit_hash', 'commit_timelocked']).optional(),
      /**
       * Per mechanism of the subnet (by mecid), its own task shares. Mechanisms not listed get
       * the vector of `task_shares`; the subnet's mechanism count is read from the chain.
       */
      mechanisms: z
        .record(
          z.string().regex(/^\d{1,3}$/, 'a mechanism id (0-255)'),
          z.strictObject({
            task_shares: z.record(z.string(), num(z.number().min(0))),
          }),
        )
        .default({}),
    })
    .prefault({}),
  /**
   * Checking by reproduction: the validator's own copies of the models miners serve (the same
   * `models` section as a miner's: registry, budgets, entries by the model ids miners offer),
   * and how much of the work is checked. Without entries the validator sends no synthetic work.
   */
  checking: z
    .strictObject({
      models: modelsConfigSchema.prefault({}),
      /** Entry id of a CLIP vision tower for the image checks (else the reward model alone). */
      clip: z.string().min(1).optional(),
      /** Entry id of an NSFW classifier for the image checks. */
      nsfw: z.string().min(1).optional(),
      /** Share of single answers re-run with the same seed. */
      check_share: real(0, 1).default(0.5),
      /** Share of queries sent to two miners at once. */
      head_to_head_share: real(0, 1).default(0.25),
      /** Also re-sample LLM answers with the task's seed (miners on the same provider only). */
      llm_sample_match: bool.default(false),
      /** Wall time of one block; synthetic queries are spread over the period's blocks. */
      block_ms: int(100, 600_000).default(12_000),
      /** Narrows the synthetic tasks (defaults: the reference subnet's distributions). */
      profile: z
        .strictObject({
          /** Image sizes as WIDTHxHEIGHT. */
          image_sizes: list
            .pipe(
              z.array(
                z
                  .string()
                  .refine((v) => /^\d+x\d+$/.test(v), 'must be WIDTHxHEIGHT, e.g. 1024x1024'),
              ),
            )
            .optional(),
          steps: range.optional(),
          max_tokens: range.optional(),
          temperatures: list
            .transform((v) => v.map(Number))
            .pipe(z.array(z.number().min(0).max(2)).min(1))
            .optional(),
          max_prompt_chars: num(whole().min(1)).optional(),
          /** Side of the square input images (image-to-image, inpaint, uncrop), in pixels. */
          input_image_side: num(whole().min(64).max(1_344).multipleOf(64)).optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  /**
   * Bounds and deadlines of a period's work, whatever miners declare or do (defaults: the work
   * package's `DEFAULT_WORK_SETTINGS`; docs/validator.md explains each).
   */
  work: z
    .strictObject({
      concurrency: int(1, 4_096).optional(),
      per_miner_concurrency: int(1, 64).optional(),
      check_concurrency: int(1, 64).optional(),
      max_queries: int(1, 1_000_000).optional(),
      spread: num(z.number().gt(0).max(1)).optional(),
      deadline_share: num(z.number().gt(0).max(1)).optional(),
      /** Share of each miner's declared volume tested, as `min-max` (e.g. 0.5-1). */
      test_share: z
        .union([
          z.tuple([num(z.number()), num(z.number())]),
          z.string().regex(/^\d*\.?\d+-\d*\.?\d+$/, 'must be min-max, e.g. 0.5-1'),
        ])
        .transform((v) =>
          typeof v === 'string' ? (v.split('-').map(Number) as [number, number]) : v,
        )
        .refine(([a, b]) => a > 0 && a <= b && b <= 1, {
          message: 'must be min-max with 0 < min <= max <= 1',
        })
        .optional(),
      connect_ms: int(100, 60_000).optional(),
      idle_ms: int(100, 600_000).optional(),
      max_answer_bytes: answerBytes,
      /** Per task kind: max_volume, cost, expected_seconds, timeout_s, max_answer_bytes. */
      kinds: z
        .partialRecord(
          z.enum(TASK_KINDS),
          z.strictObject({
            max_volume: int(0, 1_000_000).optional(),
            cost: num(z.number().gt(0).max(1_000)).optional(),
            expected_seconds: num(z.number().gt(0).max(3_600)).optional(),
            timeout_s: num(z.number().gt(0).max(3_600)).optional(),
            max_answer_bytes: answerBytes,
          }),
        )
        .default({}),
      /** /healthz fails when no period was handled, or no weights set, for this many periods. */
      stale_periods: int(1, 1_000).default(3),
    })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(LOG_LEVELS).default('info'),
    })
    .prefault({}),
});

export type ValidatorConfig = z.output<typeof validatorConfigSchema>;
