/**
 * The validator's configuration: one zod schema over defaults < config file < environment <
 * flags, validated once at start. Flag names follow btcli (`--wallet.name`,
 * `--subtensor.network`); the storage flags are the ones `validator keys` takes too.
 */
import { z } from 'zod';

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''),
  );
const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

export const validatorConfigSchema = z.strictObject({
  netuid: z.coerce.number().int().min(0).max(65_535),
  subtensor: z
    .strictObject({
      /** finney | test | local | a ws:// or wss:// URL */
      network: z.string().min(1).default('local'),
    })
    .prefault({}),
  wallet: z
    .strictObject({
      name: z.string().min(1).default('default'),
      hotkey: z.string().min(1).default('default'),
      path: z.string().min(1).default('~/.bittensor/wallets'),
    })
    .prefault({}),
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
    })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    })
    .prefault({}),
});

export type ValidatorConfig = z.output<typeof validatorConfigSchema>;
