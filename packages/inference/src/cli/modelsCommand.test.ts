import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileServer, startFileServer } from '../../test/fileServer';
import { sha256Hex } from '../registry/downloadFile';
import { runModelsCommand } from './modelsCommand';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const weights = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);

function capture() {
  const out = { text: '', isTTY: false, write: (s: string) => (out.text += s) };
  return out;
}

describe('models CLI', () => {
  let server: FileServer;
  let dir: string;
  let manifest: string;

  beforeAll(async () => {
    server = await startFileServer({ 'w.onnx': weights });
    dir = await mkdtemp(join(tmpdir(), 'models-cli-'));
    manifest = join(dir, 'operator.json');
    await writeFile(
      manifest,
      JSON.stringify({
        version: 1,
        models: [
          {
            id: 'op-model',
            taskKinds: ['text-generation'],
            pipeline: 'llm-decoder',
            precision: 'fp16',
            memoryBytes: 2_000_000,
            files: [
              {
                path: 'w.onnx',
                url: server.url('w.onnx'),
                sha256: sha256Hex(weights),
                size: weights.length,
              },
            ],
          },
        ],
      }),
    );
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (...argv: string[]) => {
    const stdout = capture();
    const stderr = capture();
    const code = await runModelsCommand(
      [...argv, '--manifest', manifest, '--cache-dir', join(dir, 'cache')],
      {
        stdout,
        stderr,
        env: {},
      },
    );
    return { code, stdout: stdout.text, stderr: stderr.text };
  };

  it('lists, pulls with progress, and verifies', async () => {
    expect(await run('verify')).toEqual({
      code: 0,
      stdout: 'nothing is downloaded yet\n',
      stderr: '',
    });
    const before = await run('list');
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(
      /^op-model +not downloaded +97\.7 KiB {2}llm-decoder fp16 text-generation$/m,
    );

    const pulled = await run('pull', 'op-model');
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toBe('op-model: 1 downloaded, 0 already present, sha256 checked\n');
    expect(pulled.stderr).toMatch(/^op-model\/w\.onnx: downloading 97\.7 KiB\n/);
    expect(pulled.stderr).toMatch(/\[#{24}\] 100\.0% 97\.7 KiB\/97\.7 KiB/);

    expect((await run('list')).stdout).toMatch(/^op-model +downloaded /m);
    expect(await run('verify')).toEqual({ code: 0, stdout: 'op-model/w.onnx: ok\n', stderr: '' });
  });

  it('fails with the error code on a hash mismatch, and on unknown ids', async () => {
    await rm(join(dir, 'cache'), { recursive: true, force: true });
    server.setMode('w.onnx', 'corrupt');
    const bad = await run('pull', 'op-model');
    server.setMode('w.onnx', 'ok');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /error \[INFERENCE_HASH_MISMATCH\]: sha256 of http:\/\/127\.0\.0\.1:\d+\/w\.onnx is [0-9a-f]{64} but the manifest says/,
    );
    const unknown = await run('pull', 'other');
    expect(unknown).toMatchObject({
      code: 1,
      stderr:
        "error [INFERENCE_UNKNOWN_MODEL]: unknown model 'other' (the manifest lists: op-model)\n",
    });
    expect((await run('verify', 'op-model')).code).toBe(1);
  });

  it('probes the execution providers on the test model', async () => {
    const { code, stdout } = await run('providers');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^cpu {5}ok on cpu\n/);
    expect(stdout).toMatch(
      /^cuda {4}unavailable: libonnxruntime_providers_cuda\.so is not installed/m,
    );
  });

  it('answers usage errors with exit code 2', async () => {
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('pull')).code).toBe(2);
    expect((await run('--bogus')).code).toBe(2);
  });

  it('runs as the package script entry point', async () => {
    const tsx = join(packageDir, '..', '..', 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(tsx, [
      join(packageDir, 'src/cli/modelsCli.ts'),
      '--help',
    ]);
    expect(stdout).toMatch(/^Usage: models <command>/);
  });
});
