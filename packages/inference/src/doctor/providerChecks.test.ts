import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Check } from '@subnet/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerAvailability } from '../runtime/executionProviders';
import { type ProviderChecksOptions, providerChecks } from './providerChecks';

const byName = (checks: Check[], name: string) => {
  const check = checks.find((c) => c.name === name);
  if (!check) throw new Error(`no check ${name}`);
  return check;
};
const providers = (o: ProviderChecksOptions) =>
  byName(providerChecks(o), 'execution providers').run();
const gpuMemory = (o: ProviderChecksOptions) => byName(providerChecks(o), 'GPU memory').run();

describe('providerChecks', () => {
  let dir: string;
  /** A stand-in nvidia-smi: a script that prints `stdout` and exits with `code`. */
  const fakeSmi = async (name: string, stdout: string, code = 0, stderr = '') => {
    const path = join(dir, name);
    await writeFile(`${path}.out`, stdout);
    await writeFile(`${path}.err`, stderr);
    await writeFile(path, `#!/bin/sh\ncat '${path}.out'\ncat '${path}.err' >&2\nexit ${code}\n`);
    await chmod(path, 0o755);
    return path;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provider-checks-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names its two checks', () => {
    expect(providerChecks({ providers: ['cpu'] }).map((c) => c.name)).toEqual([
      'execution providers',
      'GPU memory',
    ]);
  });

  it('is ok when the cpu provider runs the test model; GPU memory is skipped without cuda', async () => {
    expect(await providers({ providers: ['cpu'] })).toEqual({
      status: 'ok',
      detail: 'cpu on cpu',
    });
    expect(await gpuMemory({ providers: ['cpu'] })).toEqual({
      status: 'skip',
      detail: 'no cuda provider configured (providers: cpu)',
    });
  });

  it('is a blocker for an unknown provider, and for none', async () => {
    expect(await providers({ providers: ['cpu', 'rocm'] })).toEqual({
      status: 'blocker',
      detail: 'unknown execution provider "rocm"',
      fix: 'the providers are cuda, webgpu, cpu (docs/gpu.md)',
    });
    expect(await providers({ providers: [] })).toEqual({
      status: 'blocker',
      detail: 'no execution provider configured',
      fix: 'list cpu at least',
    });
  });

  it.skipIf(providerAvailability('cuda').available)(
    'is a blocker naming cuda and the fix of docs/gpu.md when its provider is not installed',
    async () => {
      const result = await providers({ providers: ['cuda', 'cpu'] });
      expect(result).toEqual({
        status: 'blocker',
        detail: `cuda does not load: ${providerAvailability('cuda').reason}`,
        fix: 'install the CUDA 12 libraries and the CUDA provider of onnxruntime (docs/gpu.md, "CUDA"), check with `pnpm models providers`, or take cuda out of the providers',
      });
    },
  );

  it("reads the cuda GPU's free and total memory from nvidia-smi", async () => {
    const two = await fakeSmi('smi-two', '20000, 81559\n512, 81559\n');
    expect(await gpuMemory({ providers: ['cuda', 'cpu'], nvidiaSmi: two })).toEqual({
      status: 'ok',
      detail: 'GPU 0: 19.5 GiB free of 79.6 GiB',
    });
    expect(await gpuMemory({ providers: ['cuda'], deviceId: 1, nvidiaSmi: two })).toEqual({
      status: 'warn',
      detail: 'GPU 1: 512.0 MiB free of 79.6 GiB: another process holds most of it',
      fix: 'see what holds it with `nvidia-smi` (a miner already running?)',
    });
    expect(await gpuMemory({ providers: ['cuda'], deviceId: 2, nvidiaSmi: two })).toEqual({
      status: 'blocker',
      detail: 'GPU 2 is configured but nvidia-smi lists 2 GPUs',
      fix: 'set the device id to one of 0..1',
    });
  });

  it('warns when nvidia-smi is absent or fails', async () => {
    expect(
      await gpuMemory({ providers: ['cuda'], nvidiaSmi: join(dir, 'no-such-nvidia-smi') }),
    ).toEqual({
      status: 'warn',
      detail: 'nvidia-smi is not installed: the GPU memory was not checked',
      fix: 'install the NVIDIA driver (nvidia-smi comes with it; docs/gpu.md, "CUDA")',
    });
    const failing = await fakeSmi(
      'smi-failing',
      '',
      9,
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
    );
    expect(await gpuMemory({ providers: ['cuda'], nvidiaSmi: failing })).toEqual({
      status: 'warn',
      detail:
        "nvidia-smi failed: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
      fix: 'check the NVIDIA driver: `nvidia-smi` must list the GPU (docs/gpu.md, "CUDA")',
    });
  });
});
