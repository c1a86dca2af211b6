import { z } from 'zod';
import { InferenceError, InferenceErrorCode } from '../errors';

export const providerNames = ['cuda', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof providerNames)[number];

/** How sessions are created: providers in order of preference, the device, threads. */
export const runtimeConfigSchema = z
  .object({
    /** Tried in order; the first that loads the model wins. 'cpu' last is a safe fallback. */
    providers: z.array(z.enum(providerNames)).min(1).default(['cpu']),
    /** GPU ordinal for CUDA. */
    deviceId: z.number().int().min(0).default(0),
    /** Threads inside one operator; 0 = onnxruntime's default (one per physical core). */
    intraOpNumThreads: z.number().int().min(0).default(0),
    /** Threads across operators (parallel execution mode only); 0 = default. */
    interOpNumThreads: z.number().int().min(0).default(0),
    graphOptimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
  })
  .strict();

export type RuntimeConfigInput = z.input<typeof runtimeConfigSchema>;
export type RuntimeConfig = Readonly<z.output<typeof runtimeConfigSchema>>;

/** Validates once and freezes; the error says what was received and what is allowed. */
export function parseRuntimeConfig(input: unknown): RuntimeConfig {
  const parsed = runtimeConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw new InferenceError(
      InferenceErrorCode.BadConfig,
      `invalid inference runtime config ${JSON.stringify(input)}: ${problems.join('; ')}. ` +
        `providers is a list of ${providerNames.join(', ')}; see docs/gpu.md`,
    );
  }
  return Object.freeze({
    ...parsed.data,
    providers: Object.freeze([...parsed.data.providers]),
  }) as RuntimeConfig;
}

/** Environment variables as a record (the caller's `io.env`; this package never reads process.env). */
export type EnvRecord = Readonly<Record<string, string | undefined>>;

/**
 * The runtime config from environment variables, for operators: SUBNET_INFERENCE_PROVIDERS
 * (e.g. "cuda,cpu"), SUBNET_INFERENCE_DEVICE_ID, SUBNET_INFERENCE_THREADS (intra-op). A pure
 * function of `env`, which the caller passes (a CLI's `io.env`, a daemon's config loader);
 * `overrides` (from a config file or flags) win.
 */
export function runtimeConfigFromEnv(
  env: EnvRecord,
  overrides: RuntimeConfigInput = {},
): RuntimeConfig {
  const input: Record<string, unknown> = {};
  if (env.SUBNET_INFERENCE_PROVIDERS)
    input.providers = env.SUBNET_INFERENCE_PROVIDERS.split(',')
      .map((p) => p.trim())
      .filter(Boolean);
  if (env.SUBNET_INFERENCE_DEVICE_ID) input.deviceId = Number(env.SUBNET_INFERENCE_DEVICE_ID);
  if (env.SUBNET_INFERENCE_THREADS) input.intraOpNumThreads = Number(env.SUBNET_INFERENCE_THREADS);
  return parseRuntimeConfig({ ...input, ...overrides });
}
