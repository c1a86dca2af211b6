import { DecoderModel } from '../llm/decoderModel';
import { deriveSeed } from '../random/deriveSeed';
import { createRng } from '../random/xoshiro128';
import { buildTinyDecoder, defaultTinyDecoderConfig } from '../testing/tinyDecoder';
import { providerAvailability } from './executionProviders';
import {
  type ProviderName,
  parseRuntimeConfig,
  providerNames,
  type RuntimeConfig,
} from './runtimeConfig';
import { createSession } from './sessionFactory';

export interface ProviderProbe {
  provider: ProviderName;
  ok: boolean;
  device?: string;
  /** Largest |logit difference| from the CPU provider on the same input (float32 kernels differ). */
  maxDiffFromCpu?: number;
  reason?: string;
}

/**
 * Loads the built-in test decoder on each provider alone and runs one forward pass: the quick
 * way for an operator to see whether CUDA or WebGPU really works on a box (docs/gpu.md).
 */
export async function probeProviders(
  base: RuntimeConfig = parseRuntimeConfig({}),
): Promise<ProviderProbe[]> {
  const bytes = buildTinyDecoder(defaultTinyDecoderConfig);
  const rng = createRng(deriveSeed(0, 'probe'));
  const ids = Array.from(
    { length: 16 },
    () => rng.nextUint32() % defaultTinyDecoderConfig.vocabSize,
  );
  const results: ProviderProbe[] = [];
  let cpuLogits: Float32Array | undefined;
  for (const provider of ['cpu', ...providerNames.filter((p) => p !== 'cpu')] as ProviderName[]) {
    const availability = providerAvailability(provider);
    if (!availability.available) {
      results.push({ provider, ok: false, reason: availability.reason ?? 'unavailable' });
      continue;
    }
    try {
      const created = await createSession(
        bytes,
        parseRuntimeConfig({ ...base, providers: [provider] }),
      );
      const model = new DecoderModel(created.session);
      const { logits } = await model.forward(ids, model.emptyCache());
      await created.session.release();
      let maxDiff = 0;
      if (cpuLogits)
        for (let i = 0; i < logits.length; i++)
          maxDiff = Math.max(maxDiff, Math.abs((logits[i] as number) - (cpuLogits[i] as number)));
      else cpuLogits = logits;
      results.push({ provider, ok: true, device: created.device, maxDiffFromCpu: maxDiff });
    } catch (err) {
      results.push({
        provider,
        ok: false,
        reason: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return results;
}
