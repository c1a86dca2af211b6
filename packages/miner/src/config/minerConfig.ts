/**
 * The miner's configuration: one zod schema over defaults < config file < environment < flags,
 * validated once at start (STYLE 5). Flag names follow btcli (`--wallet.name`, `--axon.port`).
 */

import { subtensorConfigSchema, walletConfigSchema } from '@subnet/chain/config';
import { modelsConfigSchema } from '@subnet/inference/catalog';
import { LOG_LEVELS } from '@subnet/kit';
import { TASK_KINDS } from '@subnet/protocol/tasks';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65_535);
const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''),
  );

const taskLimitsSchema = z.strictObject({
  concurrency: z.coerce.number().int().min(1).max(1024),
  queue: z.coerce.number().int().min(0).max(10_000),
});

const servedTaskSchema = z.strictObject({
  /** Model ids (from the model registry) that serve this task kind. */
  models: list.pipe(z.array(z.string()).min(1)),
  /** Units of work offered per period (images, or tokens for Chat/Completion). */
  volume: z.coerce.number().min(0),
  loras: list.default([]),
});

const count = (min: number) => z.coerce.number().int().min(min);

/** The models this miner runs (the inference package's `models` section) and their reloads. */
const modelsSchema = modelsConfigSchema.extend({
  /**
   * A model whose backend breaks while running a task is reloaded in the background: the first
   * attempt after backoff_ms, the wait doubled after each failed attempt, up to max_backoff_ms.
   */
  reload: z
    .strictObject({ backoff_ms: count(1).default(1000), max_backoff_ms: count(1).default(60_000) })
    .prefault({}),
});
export type ModelsConfig = z.output<typeof modelsSchema>;
export type { ModelEntryConfig, ModelType } from '@subnet/inference/catalog';

export const minerConfigSchema = z.strictObject({
  netuid: z.coerce.number().int().min(0).max(65_535),
  subtensor: subtensorConfigSchema,
  wallet: walletConfigSchema,
  axon: z
    .strictObject({
      ip: z.string().default('0.0.0.0'),
      /** 0 picks a free port (announced on chain as such unless --axon.external_port). */
      port: z.coerce.number().int().min(0).max(65_535).default(8091),
      /** The IP announced on chain (serve_axon); required unless --subtensor.network local. */
      external_ip: z.string().optional(),
      external_port: port.optional(),
      body_limit_mb: z.coerce.number().min(1).max(512).default(24),
      /**
       * Worker threads for the sr25519 checks and answer signatures; 0 runs them on the axon's
       * own thread. Left out, the miner picks by core count (see docs/miner.md).
       */
      crypto_threads: z.coerce.number().int().min(0).max(64).optional(),
    })
    .prefault({}),
  blacklist: z
    .strictObject({
      min_stake: z.coerce.number().min(0).default(0),
      require_validator_permit: bool.default(true),
      allow_hotkeys: list.default([]),
      deny_hotkeys: list.default([]),
    })
    .prefault({}),
  limits: z
    .strictObject({
      per_validator: z.coerce.number().int().min(1).max(10_000).default(8),
      default: taskLimitsSchema.prefault({ concurrency: 1, queue: 4 }),
      tasks: z.partialRecord(z.enum(TASK_KINDS), taskLimitsSchema).default({}),
    })
    .prefault({}),
  tasks: z.partialRecord(z.enum(TASK_KINDS), servedTaskSchema).default({}),
  models: modelsSchema.prefault({}),
  metagraph: z
    .strictObject({ refresh_seconds: z.coerce.number().min(1).max(3600).default(60) })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(LOG_LEVELS).default('info'),
    })
    .prefault({}),
});

/** The configuration as the schema reads it (paths as the operator typed them). */
export type ParsedMinerConfig = z.output<typeof minerConfigSchema>;

/**
 * The miner's settings as its libraries take them: validated, paths absolute (when loaded with the
 * operator's folder), the chain's endpoint resolved from `subtensor.network`.
 */
export type MinerConfig = Omit<ParsedMinerConfig, 'subtensor'> & {
  readonly subtensor: {
    /** As configured: finney, test, local or a URL (for the commands a message suggests). */
    readonly network: string;
    /** The ws(s):// URL `network` names (`local` honours BT_SUBTENSOR_CHAIN_ENDPOINT). */
    readonly endpoint: string;
  };
};
