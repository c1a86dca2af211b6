/**
 * Doctor checks of a daemon's execution providers: each configured provider really creates a
 * session on the built-in test model and runs it (a provider that only "exists" is not enough:
 * CUDA fails at session creation when a library is missing), and the GPU has memory free.
 */
import { execFile } from 'node:child_process';
import type { Check, CheckResult, Logger } from '@subnet/kit';
import { formatBytes } from '../cli/progressBar';
import { probeProviders } from '../runtime/probeProviders';
import { type ProviderName, parseRuntimeConfig, providerNames } from '../runtime/runtimeConfig';

export interface ProviderChecksOptions {
  /** The providers the daemon is configured with, in its order (`cuda`, `webgpu`, `cpu`). */
  readonly providers: readonly string[];
  /** The GPU cuda runs on (default 0). */
  readonly deviceId?: number;
  readonly logger?: Logger;
  /** The nvidia-smi to run (default `nvidia-smi` on PATH). */
  readonly nvidiaSmi?: string;
}

/** What to do when a provider does not load, from docs/gpu.md. */
const PROVIDER_FIXES: Record<ProviderName, string> = {
  cuda: 'install the CUDA 12 libraries and the CUDA provider of onnxruntime (docs/gpu.md, "CUDA"), check with `pnpm models providers`, or take cuda out of the providers',
  webgpu:
    'install a GPU driver with Vulkan (Linux: libvulkan1 and the vendor\'s ICD; docs/gpu.md, "WebGPU"), or take webgpu out of the providers',
  cpu: 'onnxruntime-node is not installed correctly: run `./dev setup` again',
};

const isProviderName = (p: string): p is ProviderName =>
  (providerNames as readonly string[]).includes(p);

async function providersCheck(options: ProviderChecksOptions): Promise<CheckResult> {
  const unknown = options.providers.filter((p) => !isProviderName(p));
  if (unknown.length > 0) {
    return {
      status: 'blocker',
      detail: `unknown execution provider${unknown.length === 1 ? '' : 's'} ${unknown.map((p) => `"${p}"`).join(', ')}`,
      fix: `the providers are ${providerNames.join(', ')} (docs/gpu.md)`,
    };
  }
  const configured = options.providers as readonly ProviderName[];
  if (configured.length === 0) {
    return {
      status: 'blocker',
      detail: 'no execution provider configured',
      fix: 'list cpu at least',
    };
  }
  const probes = await probeProviders(parseRuntimeConfig({ deviceId: options.deviceId ?? 0 }), {
    providers: configured,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const failed = probes.filter((p) => !p.ok);
  if (failed.length > 0) {
    const first = failed[0] as (typeof failed)[number];
    return {
      status: 'blocker',
      detail: failed.map((p) => `${p.provider} does not load: ${p.reason}`).join('; '),
      fix: PROVIDER_FIXES[first.provider],
    };
  }
  return {
    status: 'ok',
    detail: probes
      .map((p) =>
        p.provider === 'cpu' || p.maxDiffFromCpu === undefined
          ? `${p.provider} on ${p.device}`
          : `${p.provider} on ${p.device} (max |logit - cpu| ${p.maxDiffFromCpu.toExponential(1)})`,
      )
      .join(', '),
  };
}

/** `nvidia-smi`'s free and total MiB of each GPU, or why it could not say. */
function queryGpuMemory(
  nvidiaSmi: string,
  timeoutMs: number,
): Promise<{ gpus: { free: number; total: number }[] } | { absent: true } | { error: string }> {
  return new Promise((resolve) => {
    execFile(
      nvidiaSmi,
      ['--query-gpu=memory.free,memory.total', '--format=csv,noheader,nounits'],
      { timeout: timeoutMs },
      (err, stdout, stderr) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean };
          if (e.code === 'ENOENT') return resolve({ absent: true });
          const why = e.killed
            ? `no answer within ${timeoutMs / 1000} s`
            : (`${stderr}`.trim() || `${stdout}`.trim() || e.message).split('\n')[0];
          return resolve({ error: why ?? e.message });
        }
        const gpus = `${stdout}`
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const [free, total] = line.split(',').map((v) => Number(v.trim()));
            return { free: free ?? Number.NaN, total: total ?? Number.NaN };
          });
        if (gpus.length === 0 || gpus.some((g) => !Number.isFinite(g.free + g.total)))
          return resolve({ error: `unexpected output: ${`${stdout}`.trim().slice(0, 120)}` });
        resolve({ gpus });
      },
    );
  });
}

const MIB = 1024 * 1024;

async function gpuMemoryCheck(options: ProviderChecksOptions): Promise<CheckResult> {
  if (!options.providers.includes('cuda')) {
    return {
      status: 'skip',
      detail: `no cuda provider configured (providers: ${options.providers.join(', ') || 'none'})`,
    };
  }
  const device = options.deviceId ?? 0;
  const answer = await queryGpuMemory(options.nvidiaSmi ?? 'nvidia-smi', 5000);
  if ('absent' in answer) {
    return {
      status: 'warn',
      detail: 'nvidia-smi is not installed: the GPU memory was not checked',
      fix: 'install the NVIDIA driver (nvidia-smi comes with it; docs/gpu.md, "CUDA")',
    };
  }
  if ('error' in answer) {
    return {
      status: 'warn',
      detail: `nvidia-smi failed: ${answer.error}`,
      fix: 'check the NVIDIA driver: `nvidia-smi` must list the GPU (docs/gpu.md, "CUDA")',
    };
  }
  const gpu = answer.gpus[device];
  if (!gpu) {
    return {
      status: 'blocker',
      detail: `GPU ${device} is configured but nvidia-smi lists ${answer.gpus.length} GPU${answer.gpus.length === 1 ? '' : 's'}`,
      fix: `set the device id to one of 0..${answer.gpus.length - 1}`,
    };
  }
  const detail = `GPU ${device}: ${formatBytes(gpu.free * MIB)} free of ${formatBytes(gpu.total * MIB)}`;
  if (gpu.free < gpu.total * 0.1) {
    return {
      status: 'warn',
      detail: `${detail}: another process holds most of it`,
      fix: 'see what holds it with `nvidia-smi` (a miner already running?)',
    };
  }
  return { status: 'ok', detail };
}

/**
 * 'execution providers' (each configured provider loads and runs the test model; a blocker names
 * the one that does not and the fix from docs/gpu.md) and 'GPU memory' (free and total memory of
 * the cuda GPU from nvidia-smi; a warning without nvidia-smi; skipped without cuda).
 */
export function providerChecks(options: ProviderChecksOptions): Check[] {
  return [
    { name: 'execution providers', timeoutMs: 120_000, run: () => providersCheck(options) },
    { name: 'GPU memory', timeoutMs: 10_000, run: () => gpuMemoryCheck(options) },
  ];
}
