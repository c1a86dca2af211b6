import { describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import { tinyDecoderBytes } from '../testing/tinyLlm';
import { providerAvailability } from './executionProviders';
import { parseRuntimeConfig } from './runtimeConfig';
import { createSession } from './sessionFactory';

// This machine has no GPU and no CUDA provider libraries: the fallbacks below are real.
describe('createSession', () => {
  it('falls back from CUDA and WebGPU to the CPU, saying why', async () => {
    const config = parseRuntimeConfig({
      providers: ['cuda', 'webgpu', 'cpu'],
      intraOpNumThreads: 1,
    });
    const created = await createSession(tinyDecoderBytes(), config);
    expect(created.provider).toBe('cpu');
    expect(created.device).toBe('cpu');
    expect(created.fallbacks.map((f) => f.provider)).toEqual(['cuda', 'webgpu']);
    expect(created.fallbacks[0]?.reason).toMatch(
      /libonnxruntime_providers_cuda\.so is not installed.*docs\/gpu\.md/,
    );
    expect(created.session.inputNames).toContain('past_key_values.1.value');
    await created.session.release();
  });

  it('fails with a provider error when no configured provider loads', async () => {
    const config = parseRuntimeConfig({ providers: ['cuda'] });
    await expect(createSession(tinyDecoderBytes(), config)).rejects.toMatchObject({
      code: InferenceErrorCode.ProviderUnavailable,
    });
  });

  it('fails with a session error for bytes that are not a model', async () => {
    await expect(
      createSession(Uint8Array.from([1, 2, 3]), parseRuntimeConfig({})),
    ).rejects.toMatchObject({
      code: InferenceErrorCode.SessionCreateFailed,
    });
  });

  it('reports the CUDA provider as available once its library sits next to the binding', () => {
    expect(providerAvailability('cuda', '/nonexistent').available).toBe(false);
    expect(providerAvailability('cpu')).toEqual({ available: true });
  });
});

describe('parseRuntimeConfig', () => {
  it('applies defaults and freezes', () => {
    const config = parseRuntimeConfig(undefined);
    expect(config).toEqual({
      providers: ['cpu'],
      deviceId: 0,
      intraOpNumThreads: 0,
      interOpNumThreads: 0,
      graphOptimizationLevel: 'all',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('says what was received and what is allowed', () => {
    expect(() => parseRuntimeConfig({ providers: ['tpu'] })).toThrow(
      expect.objectContaining({
        code: InferenceErrorCode.BadConfig,
        message: expect.stringMatching(/"tpu".*providers/),
      }),
    );
    expect(() => parseRuntimeConfig({ threads: 2 })).toThrow(/threads/);
  });
});
