import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileServer, startFileServer } from '../../test/fileServer';
import { InferenceErrorCode } from '../errors';
import { sha256Hex } from './downloadFile';
import { parseManifest } from './manifest';
import { ModelRegistry } from './modelRegistry';

const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
const small = new TextEncoder().encode('{"hello":"tokenizer"}');

function manifestFor(server: FileServer, files: Record<string, Uint8Array>) {
  return parseManifest({
    version: 1,
    models: [
      {
        id: 'tiny-llm',
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
      },
    ],
    adapters: [],
  });
}

describe('ModelRegistry pull / verify over HTTP', () => {
  let server: FileServer;
  let dir: string;
  let registry: ModelRegistry;
  const files = { 'model.onnx': big, 'tokenizer.json': small };

  beforeAll(async () => {
    server = await startFileServer(files);
    dir = await mkdtemp(join(tmpdir(), 'models-'));
    registry = new ModelRegistry(manifestFor(server, files), dir);
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes a truncated download from where it broke off', async () => {
    server.setMode('model.onnx', 'truncate');
    await expect(registry.pull('tiny-llm')).rejects.toMatchObject({
      code: InferenceErrorCode.DownloadIncomplete,
    });
    const status = await registry.status('tiny-llm');
    // The server sent half; what reached the disk is at most that (Node 24's fetch drops the
    // bytes it had queued but not yet handed out when the connection breaks).
    const kept = status.files[0]?.bytesOnDisk ?? 0;
    expect(status.files[0]).toEqual({
      path: 'model.onnx',
      size: big.length,
      state: 'partial',
      bytesOnDisk: kept,
    });
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(big.length / 2);
    expect(status.downloaded).toBe(false);

    server.setMode('model.onnx', 'ok');
    const progress: number[] = [];
    const res = await registry.pull('tiny-llm', {
      onProgress: (p) => p.file === 'model.onnx' && progress.push(p.received),
    });
    expect(res.downloaded).toEqual(['model.onnx', 'tokenizer.json']);
    expect(server.ranges.slice(-2)).toEqual([`bytes=${kept}-`, '']);
    expect(progress[0]).toBe(kept);
    expect(progress.at(-1)).toBe(big.length);
    expect(Buffer.compare(await readFile(registry.modelPath('tiny-llm')), Buffer.from(big))).toBe(
      0,
    );
    expect((await readdir(join(dir, 'models', 'tiny-llm'))).sort()).toEqual([
      'model.onnx',
      'tokenizer.json',
    ]);
    expect(await registry.verify('tiny-llm')).toEqual({
      id: 'tiny-llm',
      ok: true,
      files: [
        { path: 'model.onnx', outcome: 'ok' },
        { path: 'tokenizer.json', outcome: 'ok' },
      ],
    });
    expect(await registry.pull('tiny-llm')).toEqual({
      downloaded: [],
      alreadyPresent: ['model.onnx', 'tokenizer.json'],
    });
  });

  it('verify finds a changed byte and a missing file', async () => {
    const path = registry.modelPath('tiny-llm');
    const bytes = await readFile(path);
    bytes[1000] = (bytes[1000] ?? 0) ^ 1;
    await writeFile(path, bytes);
    await rm(registry.modelPath('tiny-llm', 'tokenizer.json'));
    expect((await registry.verify('tiny-llm')).files).toEqual([
      { path: 'model.onnx', outcome: 'hash-mismatch' },
      { path: 'tokenizer.json', outcome: 'missing' },
    ]);
    // pull repairs both
    expect((await registry.pull('tiny-llm')).downloaded).toEqual(['model.onnx', 'tokenizer.json']);
    expect((await registry.verify('tiny-llm')).ok).toBe(true);
  });

  it('deletes a corrupted download and says the hash did not match', async () => {
    await rm(join(dir, 'models'), { recursive: true });
    server.setMode('model.onnx', 'corrupt');
    const err = await registry.pull('tiny-llm').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: InferenceErrorCode.HashMismatch });
    expect((err as Error).message).toContain(`the manifest says ${sha256Hex(big)}`);
    expect(await readdir(join(dir, 'models', 'tiny-llm'))).toEqual([]);
    server.setMode('model.onnx', 'ok');
  });

  it('restarts from zero when the server ignores Range', async () => {
    await rm(join(dir, 'models'), { recursive: true });
    server.setMode('model.onnx', 'truncate');
    await expect(registry.pull('tiny-llm')).rejects.toMatchObject({
      code: InferenceErrorCode.DownloadIncomplete,
    });
    server.setMode('model.onnx', 'no-range');
    await registry.pull('tiny-llm');
    expect((await registry.verify('tiny-llm')).ok).toBe(true);
    server.setMode('model.onnx', 'ok');
  });

  it('says so clearly when the host cannot be reached', async () => {
    const gone = await startFileServer(files);
    const offline = new ModelRegistry(manifestFor(gone, files), join(dir, 'offline'));
    await gone.close();
    await expect(offline.pull('tiny-llm')).rejects.toMatchObject({
      code: InferenceErrorCode.Offline,
      message: expect.stringMatching(
        /^cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): this machine looks offline/,
      ),
    });
  });

  it('names the known models for an unknown id', () => {
    expect(() => registry.model('nope')).toThrow(
      "unknown model 'nope' (the manifest lists: tiny-llm)",
    );
  });
});

describe('parseManifest', () => {
  it('points at the field that is wrong', () => {
    const bad = {
      version: 1,
      models: [
        {
          id: 'm',
          taskKinds: ['text-generation'],
          pipeline: 'llm-decoder',
          precision: 'fp32',
          memoryBytes: 1,
          files: [{ path: '../x', url: 'http://h/x', sha256: 'abc', size: 1 }],
        },
      ],
    };
    expect(() => parseManifest(bad, 'ops.json')).toThrow(
      expect.objectContaining({
        code: InferenceErrorCode.BadManifest,
        message: expect.stringMatching(
          /^ops\.json .*models\.0\.files\.0\.path: a relative path without \.\..*models\.0\.files\.0\.sha256: 64 lowercase hex/,
        ),
      }),
    );
  });

  it('requires a server for the OpenAI-compatible pipeline', () => {
    const m = {
      version: 1,
      models: [
        {
          id: 'big',
          taskKinds: ['text-generation'],
          pipeline: 'llm-openai',
          precision: 'bf16',
          memoryBytes: 1,
          files: [],
        },
      ],
    };
    expect(() => parseManifest(m)).toThrow(/needs 'server'/);
  });
});

describe('ModelRegistry adapters with their adapter_config.json', () => {
  const weights = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff);
  const config = new TextEncoder().encode('{"peft_type":"LORA","r":4,"lora_alpha":8}');
  let server: FileServer;
  let dir: string;
  let registry: ModelRegistry;

  beforeAll(async () => {
    server = await startFileServer({ 'style.safetensors': weights, 'style.json': config });
    dir = await mkdtemp(join(tmpdir(), 'adapters-'));
    const file = (path: string, url: string, bytes: Uint8Array) => ({
      path,
      url: server.url(url),
      sha256: sha256Hex(bytes),
      size: bytes.length,
    });
    const manifest = parseManifest({
      version: 1,
      models: [
        {
          id: 'base',
          taskKinds: ['text-generation'],
          pipeline: 'llm-decoder',
          precision: 'fp32',
          memoryBytes: 1,
          files: [file('model.onnx', 'style.json', config)],
        },
      ],
      adapters: [
        {
          id: 'style',
          baseModel: 'base',
          file: file('adapter_model.safetensors', 'style.safetensors', weights),
          config: file('adapter_config.json', 'style.json', config),
        },
        {
          id: 'strong',
          baseModel: 'base',
          file: file('adapter_model.safetensors', 'style.safetensors', weights),
          alpha: 32,
        },
      ],
    });
    registry = new ModelRegistry(manifest, dir);
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('pulls and verifies the config next to the weights, and resolves both', async () => {
    expect(await registry.pull('style')).toEqual({
      downloaded: ['adapter_model.safetensors', 'adapter_config.json'],
      alreadyPresent: [],
    });
    expect((await readdir(join(dir, 'adapters', 'style'))).sort()).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
    ]);
    expect(await registry.verify('style')).toEqual({
      id: 'style',
      ok: true,
      files: [
        { path: 'adapter_model.safetensors', outcome: 'ok' },
        { path: 'adapter_config.json', outcome: 'ok' },
      ],
    });
    const resolve = registry.adapterResolver('base');
    expect(await resolve('style')).toEqual({
      path: join(dir, 'adapters', 'style', 'adapter_model.safetensors'),
      config: join(dir, 'adapters', 'style', 'adapter_config.json'),
    });
    expect(await resolve('strong')).toEqual({
      path: join(dir, 'adapters', 'strong', 'adapter_model.safetensors'),
      alpha: 32,
    });
    await rm(join(dir, 'adapters', 'style', 'adapter_config.json'));
    expect((await registry.status('style')).files.map((f) => [f.path, f.state])).toEqual([
      ['adapter_model.safetensors', 'complete'],
      ['adapter_config.json', 'missing'],
    ]);
  });

  it('refuses a config at the weights path', () => {
    const f = { path: 'a.safetensors', url: 'https://h/a', sha256: 'a'.repeat(64), size: 1 };
    expect(() =>
      parseManifest({
        version: 1,
        adapters: [{ id: 'x', baseModel: 'base', file: f, config: f }],
      }),
    ).toThrow(/adapters\.0: config\.path must differ from file\.path/);
  });
});
