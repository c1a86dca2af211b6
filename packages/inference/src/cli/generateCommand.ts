import { openLlmEngine } from '../llm/openLlmEngine';
import type { ModelRegistry } from '../registry/modelRegistry';
import { runtimeConfigFromEnv } from '../runtime/runtimeConfig';
import type { ProgressOutput } from './progressBar';

export interface GenerateFlags {
  maxTokens?: string;
  temperature?: string;
  seed?: string;
  adapter?: string;
}

/**
 * `models generate <id> <prompt...>`: a smoke test of a downloaded LLM. Streams the reply to
 * stdout (the prompt is sent as a chat message), then one summary line to stderr.
 */
export async function generateCommand(options: {
  registry: ModelRegistry;
  modelId: string;
  prompt: string;
  flags: GenerateFlags;
  io: { stdout: ProgressOutput; stderr: ProgressOutput; env?: NodeJS.ProcessEnv };
}): Promise<number> {
  const { registry, modelId, prompt, flags, io } = options;
  const loaded = await openLlmEngine({
    registry,
    modelId,
    runtime: runtimeConfigFromEnv(io.env ?? process.env),
  });
  try {
    const started = performance.now();
    const stream = loaded.value.generate({
      messages: [{ role: 'user', content: prompt }],
      ...(flags.maxTokens ? { maxTokens: Number(flags.maxTokens) } : {}),
      ...(flags.temperature ? { temperature: Number(flags.temperature) } : {}),
      ...(flags.seed ? { seed: BigInt(flags.seed) } : {}),
      ...(flags.adapter ? { adapter: flags.adapter } : {}),
    });
    let next = await stream.next();
    while (!next.done) {
      io.stdout.write(next.value.text);
      next = await stream.next();
    }
    const seconds = (performance.now() - started) / 1000;
    const n = next.value.tokenIds.length;
    io.stdout.write('\n');
    io.stderr.write(
      `${modelId} on ${loaded.device}: ${n} tokens, finish ${next.value.finishReason}, ${(n / seconds).toFixed(1)} tokens/s\n`,
    );
    return 0;
  } finally {
    await loaded.dispose();
  }
}
