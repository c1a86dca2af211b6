import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecklist } from '@subnet/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../registry/downloadFile';
import { modelChecks } from './modelChecks';

const weights = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
const tokenizer = new TextEncoder().encode('{"model":{}}');

const entry = (id: string) => ({
  id,
  taskKinds: ['text-generation'],
  pipeline: 'llm-decoder',
  precision: 'fp32',
  memoryBytes: 1,
  files: [
    {
      path: 'model.onnx',
      url: `https://models.example.org/${id}/model.onnx`,
      sha256: sha256Hex(weights),
      size: weights.length,
    },
    {
      path: 'tokenizer.json',
      url: `https://models.example.org/${id}/tokenizer.json`,
      sha256: sha256Hex(tokenizer),
      size: tokenizer.length,
    },
  ],
});

describe('modelChecks', () => {
  let dir: string;
  let cacheDir: string;
  let manifest: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'model-checks-'));
    cacheDir = join(dir, 'cache');
    manifest = join(dir, 'ops.json');
    await writeFile(
      manifest,
      JSON.stringify({ version: 1, models: ['good', 'bad', 'absent'].map(entry) }),
    );
    for (const id of ['good', 'bad']) {
      await mkdir(join(cacheDir, 'models', id), { recursive: true });
      await writeFile(join(cacheDir, 'models', id, 'model.onnx'), weights);
      await writeFile(join(cacheDir, 'models', id, 'tokenizer.json'), tokenizer);
    }
    // Same size, one byte changed: only the sha256 tells.
    const damaged = Uint8Array.from(weights);
    damaged[500] = (damaged[500] as number) ^ 1;
    await writeFile(join(cacheDir, 'models', 'bad', 'model.onnx'), damaged);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const check = async (ids: string[], manifests = [manifest]) => {
    const checks = modelChecks({ cacheDir, manifests, ids });
    expect(checks.map((c) => c.name)).toEqual(['model files']);
    return await (checks[0] as (typeof checks)[number]).run();
  };

  it('is ok when every listed model is there with the sha256 of its manifest', async () => {
    expect(await check(['good'])).toEqual({
      status: 'ok',
      detail: '1 model, 97.7 KiB, sha256 checked',
    });
    expect(await check([])).toEqual({ status: 'ok', detail: 'no registry models configured' });
  });

  it('is a blocker naming the model whose file has another hash, with the pull that fixes it', async () => {
    expect(await check(['good', 'bad'])).toEqual({
      status: 'blocker',
      detail: 'bad: model.onnx hash-mismatch',
      fix: `run \`pnpm models pull bad --manifest ${manifest} --cache-dir ${cacheDir}\``,
    });
  });

  it('is a blocker for a model that is not downloaded, or in no manifest', async () => {
    expect(await check(['absent', 'good'])).toEqual({
      status: 'blocker',
      detail: 'absent: model.onnx missing, tokenizer.json missing',
      fix: `run \`pnpm models pull absent --manifest ${manifest} --cache-dir ${cacheDir}\``,
    });
    expect(await check(['good', 'elsewhere'])).toEqual({
      status: 'blocker',
      detail: 'elsewhere is in no manifest (they list: good, bad, absent)',
      fix: 'add the manifest that lists it to the registry manifests, or correct the id',
    });
    expect(await check(['good'], [join(dir, 'missing.json')])).toEqual({
      status: 'blocker',
      detail: `cannot read manifest ${join(dir, 'missing.json')}`,
      fix: 'check that each manifest exists and is a model manifest (docs/models.md, "The manifest")',
    });
  });

  it('prints as a doctor line through the kit checklist', async () => {
    const lines: string[] = [];
    const report = await runChecklist(
      modelChecks({ cacheDir, manifests: [manifest], ids: ['bad'] }),
      (l) => lines.push(l),
    );
    expect(report.blockers).toBe(1);
    expect(lines).toEqual([
      '[FAIL] model files  bad: model.onnx hash-mismatch',
      `                    fix: run \`pnpm models pull bad --manifest ${manifest} --cache-dir ${cacheDir}\``,
      '1 blocker, 0 warnings: fix the blockers before starting',
    ]);
  });
});
