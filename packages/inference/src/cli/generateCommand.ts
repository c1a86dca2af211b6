/**
 * `models generate <id> <prompt...>`: a smoke test of a downloaded LLM. Streams the reply to
 * stdout (the prompt is sent as a chat message), then one summary line to stderr.
 */
import {
  type CommandContext,
  type CommandSpec,
  type OptionValues,
  stringOption,
  UsageError,
} from '@subnet/kit';
import {
  cliLogger,
  cliRuntime,
  MODELS_LOGGING_FLAGS,
  openCliRegistry,
  REGISTRY_FLAGS,
  withFix,
} from './cliSettings';
import { rawOutput } from './terminal';

export interface GenerateSettings {
  maxTokens?: number;
  temperature?: number;
  seed?: bigint;
  adapter?: string;
}

const MAX_SEED = 2n ** 64n - 1n;

/** The generation flags, checked: a wrong value is a usage error naming the flag. */
export function generateSettings(values: OptionValues, invocation: string): GenerateSettings {
  const help = `run \`${invocation} --help\` for its options`;
  const settings: GenerateSettings = {};
  const maxTokens = stringOption(values, 'max-tokens');
  if (maxTokens !== undefined) {
    if (!/^[1-9]\d{0,8}$/.test(maxTokens))
      throw new UsageError(
        `--max-tokens must be a whole number above 0 (got "${maxTokens}")`,
        help,
      );
    settings.maxTokens = Number(maxTokens);
  }
  const temperature = stringOption(values, 'temperature');
  if (temperature !== undefined) {
    const t = Number(temperature);
    if (temperature.trim() === '' || !Number.isFinite(t) || t < 0)
      throw new UsageError(
        `--temperature must be a number, 0 or more (got "${temperature}")`,
        help,
      );
    settings.temperature = t;
  }
  const seed = stringOption(values, 'seed');
  if (seed !== undefined) {
    if (!/^\d{1,20}$/.test(seed) || BigInt(seed) > MAX_SEED)
      throw new UsageError(
        `--seed must be a whole number from 0 to 18446744073709551615 (got "${seed}")`,
        help,
      );
    settings.seed = BigInt(seed);
  }
  const adapter = stringOption(values, 'adapter');
  if (adapter !== undefined) settings.adapter = adapter;
  return settings;
}

async function run(ctx: CommandContext): Promise<number> {
  const [modelId, ...words] = ctx.positionals as [string, ...string[]];
  const settings = generateSettings(ctx.values, ctx.invocation);
  const runtime = cliRuntime(ctx);
  const logger = cliLogger(ctx);
  const { openLlmEngine } = await import('../llm/openLlmEngine');
  let loaded: Awaited<ReturnType<typeof openLlmEngine>>;
  try {
    const registry = await openCliRegistry(ctx);
    loaded = await openLlmEngine({ registry, modelId, runtime, logger });
  } catch (err) {
    throw withFix(err);
  }
  const reply = rawOutput(ctx.io, 'out');
  try {
    const started = performance.now();
    const stream = loaded.value.generate({
      messages: [{ role: 'user', content: words.join(' ') }],
      ...settings,
    });
    let next = await stream.next();
    while (!next.done) {
      reply.write(next.value.text);
      next = await stream.next();
    }
    reply.end();
    const seconds = (performance.now() - started) / 1000;
    const n = next.value.tokenIds.length;
    ctx.io.err(
      `${modelId} on ${loaded.device}: ${n} tokens, finish ${next.value.finishReason}, ${(n / seconds).toFixed(1)} tokens/s`,
    );
    return 0;
  } finally {
    reply.end();
    await loaded.dispose();
  }
}

export const generateCommand: CommandSpec = {
  name: 'generate',
  summary: 'run a downloaded LLM on one chat message and stream its reply',
  description:
    "A smoke test of an llm-decoder model of the registry: the prompt's words are sent as one chat message, the reply is streamed to stdout, and a summary line (device, tokens, tokens/s) goes to stderr. The execution providers are SUBNET_INFERENCE_PROVIDERS' (docs/gpu.md).",
  args: '<id> <prompt...>',
  positionals: { min: 2, max: Number.POSITIVE_INFINITY },
  options: {
    'max-tokens': {
      type: 'string',
      value: 'N',
      description: "the most tokens to generate (else the model's default)",
    },
    temperature: {
      type: 'string',
      value: 'T',
      description: "sampling temperature, 0 for greedy (else the model's default)",
    },
    seed: {
      type: 'string',
      value: 'S',
      description: 'the sampling seed, for a reproducible reply',
    },
    adapter: {
      type: 'string',
      value: 'ID',
      description: 'a LoRA adapter of the registry to apply',
    },
    ...REGISTRY_FLAGS,
    ...MODELS_LOGGING_FLAGS,
  },
  examples: ['pnpm models generate qwen2.5-0.5b-instruct Say hello --max-tokens 32 --seed 7'],
  run,
};
