import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { InferenceSession } from './ort';
import type { ProviderName, RuntimeConfig } from './runtimeConfig';

/** The folder holding onnxruntime-node's native binding and libraries for this platform. */
export function onnxruntimeBinDir(): string {
  const main = createRequire(import.meta.url).resolve('onnxruntime-node');
  return join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

const CUDA_LIB: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'libonnxruntime_providers_cuda.so',
  win32: 'onnxruntime_providers_cuda.dll',
};

/**
 * Whether a provider can be tried at all here, and why not. Passing this check does not
 * guarantee the session loads (a driver or cuDNN may still be missing); the session factory
 * falls back on any failure.
 */
export function providerAvailability(
  name: ProviderName,
  binDir = onnxruntimeBinDir(),
): { available: boolean; reason?: string } {
  if (name === 'cpu') return { available: true };
  if (name === 'cuda') {
    const lib = CUDA_LIB[process.platform];
    if (!lib || process.arch !== 'x64') {
      return {
        available: false,
        reason: `onnxruntime-node has no CUDA provider for ${process.platform}/${process.arch}`,
      };
    }
    if (!existsSync(join(binDir, lib))) {
      return {
        available: false,
        reason: `${lib} is not installed in ${binDir} (install the CUDA provider: docs/gpu.md)`,
      };
    }
    return { available: true };
  }
  if (process.platform === 'linux' && process.arch !== 'x64') {
    return {
      available: false,
      reason: `onnxruntime-node has no WebGPU provider for linux/${process.arch}`,
    };
  }
  return { available: true };
}

export function executionProviderOption(
  name: ProviderName,
  config: RuntimeConfig,
): InferenceSession.ExecutionProviderConfig {
  if (name === 'cuda') return { name: 'cuda', deviceId: config.deviceId };
  if (name === 'webgpu') return { name: 'webgpu' };
  return { name: 'cpu' };
}

/** The device label a model lives on, used for per-device memory budgets. */
export function deviceOf(name: ProviderName, config: RuntimeConfig): string {
  if (name === 'cpu') return 'cpu';
  return `${name}:${config.deviceId}`;
}
