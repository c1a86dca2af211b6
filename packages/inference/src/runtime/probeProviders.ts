import { DecoderModel } from '../llm/decoderModel';
import type { Logger } from '../log';
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
 * way for an operator to see whether CUDA or WebGPU really works on a box (docs/gpu.md). Every
 * provider by default, `providers` to probe only those; the CPU goes first, so each other
 * provider's logits are compared with it when it is among them.
 */
export async function probeProviders(
  base: RuntimeConfig = parseRuntimeConfig({}),
  options: { providers?: readonly ProviderName[]; logger?: Logger } = {},
): Promise<ProviderProbe[]> {
  const wanted = options.providers ?? providerNames;
  const order = (['cpu', ...providerNames.filter((p) => p !== 'cpu')] as ProviderName[]).filter(
    (p) => wanted.includes(p),
  );
  const bytes = buildTinyDecoder(defaultTinyDecoderConfig);
  const rng = createRng(deriveSeed(0, 'probe'));
  const ids = Array.from(
    { length: 16 },
    () => rng.nextUint32() % defaultTinyDecoderConfig.vocabSize,
  );
  const results: ProviderProbe[] = [];
  let cpuLogits: Float32Array | undefined;
  for (const provider of order) {
    const availability = providerAvailability(provider);
    if (!availability.available) {
      results.push({ provider, ok: false, reason: availability.reason ?? 'unavailable' });
      continue;
    }
    try {
      const created = await createSession(
        bytes,
        parseRuntimeConfig({ ...base, providers: [provider] }),
        options.logger,
      );
      const model = new DecoderModel(created.session);
      const { logits } = await model.forward(ids, model.emptyCache());
      await created.session.release();
      const probe: ProviderProbe = { provider, ok: true, device: created.device };
      if (provider === 'cpu') {
        cpuLogits = logits;
        probe.maxDiffFromCpu = 0;
      } else if (cpuLogits) {
        let maxDiff = 0;
        for (let i = 0; i < logits.length; i++)
          maxDiff = Math.max(maxDiff, Math.abs((logits[i] as number) - (cpuLogits[i] as number)));
        probe.maxDiffFromCpu = maxDiff;
      }
      results.push(probe);
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
