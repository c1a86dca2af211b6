/**
 * The validator's configuration: one zod schema over defaults < config file < environment <
 * flags, validated once at start. Flag names follow btcli (`--wallet.name`,
 * `--subtensor.network`); the storage flags are the ones `validator keys` takes too.
 */

import { subtensorConfigSchema, walletConfigSchema } from '@subnet/chain/config';
import { modelsConfigSchema } from '@subnet/inference/catalog';
import { TASK_KINDS } from '@subnet/protocol/tasks';
import { z } from 'zod';

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''),
  );
/** An inclusive range, as `[min, max]` or `"min-max"`. */
const range = z
  .union([z.tuple([z.coerce.number(), z.coerce.number()]), z.string().regex(/^\d+-\d+$/)])
  .transform((v) => (typeof v === 'string' ? (v.split('-').map(Number) as [number, number]) : v))
  .refine(([a, b]) => Number.isInteger(a) && Number.isInteger(b) && a >= 1 && a <= b, {
    message: 'must be min-max with 1 <= min <= max',
  });
/** A cap on a miner's answer, in bytes. */
const answerBytes = z.coerce
  .number()
  .int()
  .min(1_024)
  .max(256 * 1024 * 1024)
  .optional();
const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

export const validatorConfigSchema = z.strictObject({
  netuid: z.coerce.number().int().min(0).max(65_535),
  subtensor: subtensorConfigSchema,
  wallet: walletConfigSchema,
  /** PostgreSQL by URL (`--database-url`, SUBNET_VALIDATOR_DATABASE_URL); else embedded. */
  database_url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /** The embedded database's directory (`--data-dir`, SUBNET_VALIDATOR_DATA_DIR). */
  data_dir: z.string().min(1).optional(),
  api: z
    .strictObject({
      enabled: bool.default(true),
      host: z.string().min(1).default('127.0.0.1'),
      /** 0 picks a free port. */
      port: z.coerce.number().int().min(0).max(65_535).default(8090),
      /** Model ids sold for chat and completions, and for the image endpoints (`/v1/models`). */
      text_models: list.default([]),
      image_models: list.default([]),
    })
    .prefault({}),
  metagraph: z
    .strictObject({ every_blocks: z.coerce.number().int().min(1).max(10_000).default(5) })
    .prefault({}),
  period: z
    .strictObject({
      /** Length of a scoring period in blocks; weights are set once per period. */
      blocks: z.coerce.number().int().min(1).max(100_000).default(360),
    })
    .prefault({}),
  weights: z
    .strictObject({
      /** The version key sent with weights (default the chain package's). */
      version_key: z.coerce.bigint().min(0n).optional(),
      /** Share of emissions per task kind (default 1 each). */
      task_shares: z.record(z.string(), z.coerce.number().min(0)).default({}),
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
            task_shares: z.record(z.string(), z.coerce.number().min(0)),
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
      check_share: z.coerce.number().min(0).max(1).default(0.5),
      /** Share of queries sent to two miners at once. */
      head_to_head_share: z.coerce.number().min(0).max(1).default(0.25),
      /** Also re-sample LLM answers with the task's seed (miners on the same provider only). */
      llm_sample_match: bool.default(false),
      /** Wall time of one block; synthetic queries are spread over the period's blocks. */
      block_ms: z.coerce.number().int().min(100).max(600_000).default(12_000),
      /** Narrows the synthetic tasks (defaults: the reference subnet's distributions). */
      profile: z
        .strictObject({
          /** Image sizes as WIDTHxHEIGHT. */
          image_sizes: list
            .pipe(z.array(z.string().regex(/^\d+x\d+$/, 'must be WIDTHxHEIGHT, e.g. 1024x1024')))
            .optional(),
          steps: range.optional(),
          max_tokens: range.optional(),
          temperatures: list
            .transform((v) => v.map(Number))
            .pipe(z.array(z.number().min(0).max(2)).min(1))
            .optional(),
          max_prompt_chars: z.coerce.number().int().min(1).optional(),
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
      concurrency: z.coerce.number().int().min(1).max(4_096).optional(),
      per_miner_concurrency: z.coerce.number().int().min(1).max(64).optional(),
      check_concurrency: z.coerce.number().int().min(1).max(64).optional(),
      max_queries: z.coerce.number().int().min(1).max(1_000_000).optional(),
      spread: z.coerce.number().gt(0).max(1).optional(),
      deadline_share: z.coerce.number().gt(0).max(1).optional(),
      /** Share of each miner's declared volume tested, as `min-max` (e.g. 0.5-1). */
      test_share: z
        .union([
          z.tuple([z.coerce.number(), z.coerce.number()]),
          z.string().regex(/^\d*\.?\d+-\d*\.?\d+$/, 'must be min-max, e.g. 0.5-1'),
        ])
        .transform((v) =>
          typeof v === 'string' ? (v.split('-').map(Number) as [number, number]) : v,
        )
        .refine(([a, b]) => a > 0 && a <= b && b <= 1, {
          message: 'must be min-max with 0 < min <= max <= 1',
        })
        .optional(),
      connect_ms: z.coerce.number().int().min(100).max(60_000).optional(),
      idle_ms: z.coerce.number().int().min(100).max(600_000).optional(),
      max_answer_bytes: answerBytes,
      /** Per task kind: max_volume, cost, expected_seconds, timeout_s, max_answer_bytes. */
      kinds: z
        .partialRecord(
          z.enum(TASK_KINDS),
          z.strictObject({
            max_volume: z.coerce.number().int().min(0).max(1_000_000).optional(),
            cost: z.coerce.number().gt(0).max(1_000).optional(),
            expected_seconds: z.coerce.number().gt(0).max(3_600).optional(),
            timeout_s: z.coerce.number().gt(0).max(3_600).optional(),
            max_answer_bytes: answerBytes,
          }),
        )
        .default({}),
      /** /healthz fails when no period was handled, or no weights set, for this many periods. */
      stale_periods: z.coerce.number().int().min(1).max(1_000).default(3),
    })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    })
    .prefault({}),
});

export type ValidatorConfig = z.output<typeof validatorConfigSchema>;
