import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '@subnet/kit';
import { memoryIo } from '@subnet/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileServer, startFileServer } from '../../test/fileServer';
import { sha256Hex } from '../registry/downloadFile';
import { createTinyLlm, tinyDecoderBytes } from '../testing/tinyLlm';
import { buildTinyTokenizer } from '../testing/tinyTokenizer';
import { modelsProgram } from './modelsCommand';

describe('models generate', () => {
  let server: FileServer;
  let dir: string;
  let manifest: string;

  beforeAll(async () => {
    const tok = buildTinyTokenizer();
    const files: Record<string, Uint8Array> = {
      'model.onnx': tinyDecoderBytes(),
      'tokenizer.json': new TextEncoder().encode(JSON.stringify(tok.tokenizerJson)),
      'tokenizer_config.json': new TextEncoder().encode(JSON.stringify(tok.tokenizerConfig)),
    };
    server = await startFileServer(files);
    dir = await mkdtemp(join(tmpdir(), 'models-generate-'));
    manifest = join(dir, 'manifest.json');
    await writeFile(
      manifest,
      JSON.stringify({
        version: 1,
        models: [
          {
            id: 'tiny',
            taskKinds: ['text-generation'],
            pipeline: 'llm-decoder',
            precision: 'fp32',
            memoryBytes: 1_000_000,
            files: Object.entries(files).map(([path, bytes]) => ({
              path,
              url: server.url(path),
              sha256: sha256Hex(bytes),
              size: bytes.length,
            })),
            defaults: { maxContext: 256, maxTokens: 7 },
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
    const io = memoryIo({ env: { SUBNET_INFERENCE_THREADS: '1' } });
    const code = await runProgram(
      modelsProgram,
      [...argv, '--manifest', manifest, '--cache-dir', join(dir, 'cache')],
      io,
    );
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };

  it('refuses before pull, then streams the reply of the downloaded model', async () => {
    const early = await run('generate', 'tiny', 'Hello', 'world');
    expect(early.code).toBe(1);
    expect(early.stderr).toBe(
      `pnpm models generate: model tiny is not downloaded to ${join(dir, 'cache')} [INFERENCE_MODEL_NOT_DOWNLOADED]\n` +
        '  fix: run `pnpm models pull tiny` (with the same --manifest and --cache-dir)',
    );
    expect((await run('pull', 'tiny')).code).toBe(0);

    const out = await run(
      'generate',
      'tiny',
      'Hello',
      'world',
      '--seed',
      '3',
      '--temperature',
      '0.9',
    );
    const reference = await createTinyLlm();
    const expected = await reference.complete({
      messages: [{ role: 'user', content: 'Hello world' }],
      maxTokens: 7,
      temperature: 0.9,
      seed: 3,
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(expected.text);
    expect(out.stderr).toMatch(/^tiny on cpu: 7 tokens, finish length, [\d.]+ tokens\/s$/);
  });

  it('rejects flags the request schema refuses with its error, and an unknown adapter', async () => {
    const bad = await run('generate', 'tiny', 'Hi', '--temperature', '9');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'pnpm models generate: bad request: temperature: Too big: expected number to be <=4 [INFERENCE_BAD_REQUEST]',
    );
    const adapter = await run('generate', 'tiny', 'Hi', '--adapter', 'nope');
    expect(adapter.code).toBe(1);
    expect(adapter.stderr).toMatch(/^pnpm models generate: .*\[INFERENCE_UNKNOWN_ADAPTER\]/);
  });
});
