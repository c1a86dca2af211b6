import { InferenceError, InferenceErrorCode } from '../errors';
import { type Logger, moduleLogger } from '../log';
import { deviceOf, executionProviderOption, providerAvailability } from './executionProviders';
import * as ort from './ort';
import type { ProviderName, RuntimeConfig } from './runtimeConfig';

export interface CreatedSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  /** 'cpu', 'cuda:0', 'webgpu:0'. */
  device: string;
  /** Providers tried before the one that loaded, and why each was passed over. */
  fallbacks: { provider: ProviderName; reason: string }[];
}

/**
 * Creates an onnxruntime session on the first configured provider that loads the model,
 * logging each fallback with its reason.
 */
export async function createSession(
  model: string | Uint8Array,
  config: RuntimeConfig,
  logger?: Logger,
): Promise<CreatedSession> {
  const log = moduleLogger('runtime', logger);
  const fallbacks: { provider: ProviderName; reason: string }[] = [];
  for (const provider of config.providers) {
    const availability = providerAvailability(provider);
    if (!availability.available) {
      fallbacks.push({ provider, reason: availability.reason ?? 'unavailable' });
      log.warn(
        { provider, reason: availability.reason },
        'execution provider unavailable, falling back',
      );
      continue;
    }
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [executionProviderOption(provider, config)],
      graphOptimizationLevel: config.graphOptimizationLevel,
      logSeverityLevel: 3,
    };
    if (config.intraOpNumThreads > 0) options.intraOpNumThreads = config.intraOpNumThreads;
    if (config.interOpNumThreads > 0) options.interOpNumThreads = config.interOpNumThreads;
    try {
      const session =
        typeof model === 'string'
          ? await ort.InferenceSession.create(model, options)
          : await ort.InferenceSession.create(model, options);
      const device = deviceOf(provider, config);
      log.info({ provider, device, fallbacks: fallbacks.length }, 'session created');
      return { session, provider, device, fallbacks };
    } catch (err) {
      const reason =
        err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
      fallbacks.push({ provider, reason });
      log.warn({ provider, reason }, 'execution provider failed to load the model, falling back');
    }
  }
  const tried = fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ');
  const code = config.providers.includes('cpu')
    ? InferenceErrorCode.SessionCreateFailed
    : InferenceErrorCode.ProviderUnavailable;
  throw new InferenceError(code, `no execution provider could load the model (${tried})`);
}
