import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runProgram } from '@subnet/kit';
import { memoryIo } from '@subnet/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFluxPipeline } from '../flux/openFluxPipeline';
import { openKandinskyPipeline } from '../kandinsky/openKandinskyPipeline';
import { openLlmEngine } from '../llm/openLlmEngine';
import { sha256Hex } from '../registry/downloadFile';
import { parseManifest } from '../registry/manifest';
import { openRegistry } from '../registry/openRegistry';
import * as ort from '../runtime/ort';
import { parseRuntimeConfig } from '../runtime/runtimeConfig';
import { createTinyLlm, tinyDecoderBytes } from '../testing/tinyLlm';
import { buildTinyTokenizer } from '../testing/tinyTokenizer';
import { buildTinyClipVision } from '../testModels/diffusion/tinyImageModels';
import { llmManifest } from './exportCommand';
import { modelsProgram } from './modelsCommand';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const exportPython = join(repoRoot, '.venv-export/bin/python');
const fixturesHf = join(repoRoot, 'packages/inference/test/fixtures/hf');

/** `pnpm models <argv>` run in the folder `cwd`: exit code, stdout and stderr. */
async function models(argv: readonly string[], cwd?: string, env: Record<string, string> = {}) {
  const io = memoryIo({ env, ...(cwd ? { cwd } : {}) });
  const code = await runProgram(modelsProgram, argv, io);
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}
const utf8 = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'models-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Files as an export folder `name` holds them, and their sizes and hashes. */
async function writeExport(name: string, written: Record<string, Uint8Array>) {
  const out = join(dir, name);
  await mkdir(out, { recursive: true });
  for (const [path, bytes] of Object.entries(written)) await writeFile(join(out, path), bytes);
  const files = Object.entries(written).map(([path, bytes]) => ({
    path,
    size: bytes.length,
    sha256: sha256Hex(bytes),
  }));
  return { out, files };
}

describe('models export: usage and a missing export venv', () => {
  it('refuses an unknown kind, missing flags, a bad --dtype or id, with exit 2', async () => {
    const help = '  fix: run `pnpm models export --help` for its options';
    expect(await models(['export', 'sdx', '--source', 's', '--out', 'o'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'pnpm models export: unknown export kind "sdx" (did you mean sd?) [USAGE]\n' +
        '  fix: name one of llm, sd, sdxl, sd-inpaint, flux, kandinsky, controlnet, upscaler, clip, nsfw (`pnpm models export --help` says what each is)',
    });
    expect(await models(['export', 'llm', '--out', dir])).toEqual({
      code: 2,
      stdout: '',
      stderr: `pnpm models export: --source DIR is required (the save_pretrained folder to export) [USAGE]\n${help}`,
    });
    expect(await models(['export', 'llm', '--source', dir])).toEqual({
      code: 2,
      stdout: '',
      stderr: `pnpm models export: --out DIR is required (the folder the ONNX files are written to) [USAGE]\n${help}`,
    });
    expect(
      await models(['export', 'llm', '--source', '.', '--out', 'o', '--dtype', 'int4']),
    ).toEqual({
      code: 2,
      stdout: '',
      stderr: `pnpm models export: --dtype must be fp32 or fp16 (got "int4") [USAGE]\n${help}`,
    });
    expect(await models(['export', 'llm', '--source', '.', '--out', 'Big_Model'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'pnpm models export: the model id "Big_Model" is not valid (lowercase letters, digits, . _ -) [USAGE]\n' +
        "  fix: pass --id ID (the id is otherwise the --out folder's name)",
    });
    expect((await models(['export', 'llm', 'sd', '--source', '.', '--out', 'o'])).stderr).toBe(
      'pnpm models export: takes at most 1 argument [USAGE]\n  fix: run `pnpm models export --help` for its usage',
    );
  });

  it('names the setup command when the export Python is missing, and resolves paths from the caller', async () => {
    const src = join(dir, 'src-model');
    await mkdir(src, { recursive: true });
    const python = join(dir, 'no-python');
    expect(
      await models(
        ['export', 'sd', '--source', 'src-model', '--out', 'out', '--python', './no-python'],
        dir,
      ),
    ).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `pnpm models export: the export tools are not ready: ${python} does not exist [EXPORT_TOOLS_MISSING]\n` +
        '  fix: create their environment with `./dev setup-export` (torch CPU, transformers, diffusers, optimum, peft into .venv-export; several GB), or point --python or SUBNET_EXPORT_PYTHON at a Python that has them',
    });
    // SUBNET_EXPORT_PYTHON, relative to where the command runs, when --python is not given.
    const fromEnv = await models(['export', 'sd', '--source', 'src-model', '--out', 'out'], dir, {
      SUBNET_EXPORT_PYTHON: './env-python',
    });
    expect(fromEnv.stderr.split('\n')[0]).toBe(
      `pnpm models export: the export tools are not ready: ${join(dir, 'env-python')} does not exist [EXPORT_TOOLS_MISSING]`,
    );
    expect(await models(['export', 'sd', '--source', 'nowhere', '--out', 'out'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `pnpm models export: --source ${join(dir, 'nowhere')} does not exist [EXPORT_SOURCE_MISSING]\n` +
        '  fix: pass the folder save_pretrained wrote (relative paths are taken from where you run the command)',
    });
  });
});

describe('an exported LLM manifest', () => {
  it('is pulled from its file:// URLs with the size and sha256 checks, and generates', async () => {
    const tok = buildTinyTokenizer();
    const model = tinyDecoderBytes();
    const tokenizerConfig = utf8(tok.tokenizerConfig);
    const { out, files } = await writeExport('exported-llm', {
      'model.onnx': model,
      'tokenizer.json': utf8(tok.tokenizerJson),
      'tokenizer_config.json': tokenizerConfig,
    });
    const manifest = llmManifest({ id: 'exported-llm', dtype: 'fp32', files, out });
    expect(manifest.models[0]?.files.map((f) => f.url)).toEqual(
      files.map((f) => `file://${out}/${f.path}`),
    );
    expect(manifest.models[0]?.memoryBytes).toBe(Math.ceil(model.length * 1.25));
    const manifestPath = join(out, 'manifest.json');
    await writeFile(manifestPath, JSON.stringify(manifest));
    expect(parseManifest(JSON.parse(await readFile(manifestPath, 'utf8')))).toEqual(manifest);

    const cache = join(dir, 'cache');
    const pulled = await models(
      ['pull', 'exported-llm', '--manifest', 'exported-llm/manifest.json', '--cache-dir', 'cache'],
      dir,
    );
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toBe('exported-llm: 3 downloaded, 0 already present, sha256 checked');
    expect(await readFile(join(cache, 'models/exported-llm/model.onnx'))).toEqual(
      Buffer.from(model),
    );

    const registry = await openRegistry({ manifests: [manifestPath], cacheDir: cache, env: {} });
    const loaded = await openLlmEngine({
      registry,
      modelId: 'exported-llm',
      runtime: parseRuntimeConfig({ providers: ['cpu'], intraOpNumThreads: 1 }),
    });
    try {
      // The same tokens as the tiny model built in memory: the pulled copy is the model.
      const request = { prompt: 'hello', maxTokens: 4, temperature: 0 };
      const result = await loaded.value.complete(request);
      expect(result.tokenIds).toEqual((await (await createTinyLlm()).complete(request)).tokenIds);
    } finally {
      await loaded.dispose();
    }

    // A file changed after the export no longer matches its manifest: refused, nothing kept
    // (same size, different bytes: the sha256 check; another size: said at once).
    const same = Buffer.from(tokenizerConfig);
    same[same.length - 2] = same[same.length - 2] === 0x20 ? 0x09 : 0x20;
    await writeFile(join(out, 'tokenizer_config.json'), same);
    const io1 = await models([
      'pull',
      'exported-llm',
      '--manifest',
      manifestPath,
      '--cache-dir',
      join(dir, 'cache1'),
    ]);
    expect(io1.code).toBe(1);
    expect(io1.stderr).toContain(
      `pnpm models pull: sha256 of ${pathToFileURL(join(out, 'tokenizer_config.json')).href} is ${sha256Hex(same)} but the manifest says ${files[2]?.sha256}`,
    );
    await writeFile(join(out, 'tokenizer.json'), utf8({ changed: true }));
    const cache2 = join(dir, 'cache2');
    const io2 = await models([
      'pull',
      'exported-llm',
      '--manifest',
      manifestPath,
      '--cache-dir',
      cache2,
    ]);
    expect(io2.code).toBe(1);
    expect(io2.stderr.split('\n').find((l) => l.startsWith('pnpm models pull:'))).toBe(
      `pnpm models pull: ${join(out, 'tokenizer.json')} is 16 bytes but the manifest says ${files[1]?.size}: the file changed after the manifest was written (export it again, or fix the entry) [INFERENCE_HASH_MISMATCH]`,
    );
    expect(existsSync(join(cache2, 'models/exported-llm/tokenizer.json'))).toBe(false);
  });
});

describe('an export that is not an LLM decoder', () => {
  it('fails at load naming the file and the missing input', async () => {
    const { out, files } = await writeExport('not-an-llm', {
      'model.onnx': buildTinyClipVision(),
      'tokenizer.json': utf8(buildTinyTokenizer().tokenizerJson),
    });
    const manifestPath = join(out, 'manifest.json');
    await writeFile(
      manifestPath,
      JSON.stringify(llmManifest({ id: 'not-an-llm', dtype: 'fp32', files, out })),
    );
    const cache = join(dir, 'cache-not-llm');
    expect(
      (await models(['pull', 'not-an-llm', '--manifest', manifestPath, '--cache-dir', cache])).code,
    ).toBe(0);
    const registry = await openRegistry({ manifests: [manifestPath], cacheDir: cache, env: {} });
    await expect(
      openLlmEngine({
        registry,
        modelId: 'not-an-llm',
        runtime: parseRuntimeConfig({ providers: ['cpu'], intraOpNumThreads: 1 }),
      }),
    ).rejects.toMatchObject({
      code: 'INFERENCE_MODEL_SHAPE_UNSUPPORTED',
      message: `${join(cache, 'models/not-an-llm/model.onnx')}: the model has no input named input_ids`,
    });
  });
});

const torchReady = (() => {
  if (!existsSync(exportPython)) return false;
  try {
    execFileSync(exportPython, ['-c', 'import torch, optimum.exporters.onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!torchReady)(
  'models export llm with the export venv (skipped without .venv-export: `./dev setup-export`)',
  () => {
    it('exports a tiny Llama with LoRA inputs; pulled from its manifest, it runs', async () => {
      const src = join(dir, 'tiny-llama-src');
      execFileSync(exportPython, [join(repoRoot, 'scripts/models/tiny_models.py'), 'llama', src], {
        stdio: 'ignore',
      });
      const exported = await models(
        [
          'export',
          'llm',
          '--source',
          'tiny-llama-src',
          '--out',
          'tiny-llama',
          '--python',
          exportPython,
        ],
        dir,
      );
      expect(exported.code, exported.stderr).toBe(0);
      const manifestPath = join(dir, 'tiny-llama', 'manifest.json');
      expect(exported.stdout.split('\n')).toEqual([
        expect.stringMatching(/^tiny-llama: \d+ files, [\d.]+ MB; manifest written to /),
        `serve it: pnpm models pull tiny-llama --manifest ${manifestPath}`,
        `  and in the miner config: models.registry.manifests: [${manifestPath}]; models.entries.tiny-llama: { type: llm }`,
      ]);
      const out = join(dir, 'tiny-llama');
      const summary = JSON.parse(await readFile(join(out, 'export.json'), 'utf8'));
      for (const f of summary.files) {
        const bytes = await readFile(join(out, f.path));
        expect([f.path, bytes.length, sha256Hex(bytes)]).toEqual([f.path, f.size, f.sha256]);
      }
      expect(summary.loraTargets).toContain('model.layers.0.self_attn.q_proj');
      const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
      expect(session.inputNames).toContain('lora.model.layers.0.self_attn.q_proj.A');
      await session.release();

      const cache = join(dir, 'cache-llama');
      const manifest = join(out, 'manifest.json');
      expect(
        (await models(['pull', 'tiny-llama', '--manifest', manifest, '--cache-dir', cache])).code,
      ).toBe(0);
      const registry = await openRegistry({ manifests: [manifest], cacheDir: cache, env: {} });
      const loaded = await openLlmEngine({
        registry,
        modelId: 'tiny-llama',
        runtime: parseRuntimeConfig({ providers: ['cpu'], intraOpNumThreads: 1 }),
      });
      try {
        const result = await loaded.value.complete({
          prompt: 'hello',
          maxTokens: 3,
          temperature: 0,
        });
        expect(result.tokenIds).toHaveLength(3);
      } finally {
        await loaded.dispose();
      }
    }, 300_000);
  },
);

/** The files under `root`, as paths relative to it, sorted. */
async function filesUnder(root: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await filesUnder(root, path)));
    else if (entry.isFile()) found.push(path);
  }
  return found.sort();
}

const exportFailedFix =
  '  fix: its reason is in the lines above (a source without weights or tokenizer, a model_type or scheduler the kind does not take: docs/models.md, "Exporting a model")';

describe.skipIf(!torchReady)(
  'models export flux and kandinsky with the export venv (skipped without .venv-export: `./dev setup-export`)',
  () => {
    const cpu = parseRuntimeConfig({ providers: ['cpu'], intraOpNumThreads: 1 });
    beforeAll(() => {
      // The tiny sources the committed fixtures were exported from (make_*_fixture.py).
      const build = (script: string, ...args: string[]) =>
        execFileSync(exportPython, [join(repoRoot, 'scripts/models', script), ...args], {
          stdio: 'ignore',
        });
      build('flux/tiny_flux.py', join(dir, 'tiny-flux-src'), '--variant', 'dev');
      build('kandinsky/tiny_kandinsky.py', join(dir, 'tiny-kandinsky-src'));
    }, 300_000);

    /** `models export KIND` from dir/SOURCE to dir/ID: checks what it prints and export.json. */
    async function exportChecked(kind: string, source: string, id: string) {
      const run = await models(
        ['export', kind, '--source', source, '--out', id, '--python', exportPython],
        dir,
      );
      expect(run.code, run.stderr).toBe(0);
      const out = join(dir, id);
      const summary = JSON.parse(await readFile(join(out, 'export.json'), 'utf8'));
      expect(Object.keys(summary)).toEqual(['id', 'kind', 'dtype', 'source', 'files']);
      expect([summary.id, summary.kind, summary.dtype, summary.source]).toEqual([
        id,
        kind,
        'fp32',
        join(dir, source),
      ]);
      let total = 0;
      for (const f of summary.files) {
        const bytes = await readFile(join(out, f.path));
        total += bytes.length;
        expect(f).toEqual({ path: f.path, size: bytes.length, sha256: sha256Hex(bytes) });
      }
      expect(run.stdout.split('\n')).toEqual([
        `${id}: ${summary.files.length} files, ${(total / 1e6).toFixed(1)} MB; hashes in ${join(out, 'export.json')}`,
        `serve it: models.entries.${id}: { type: diffusion, dir: ${out} }`,
      ]);
      return { out, paths: (summary.files as { path: string }[]).map((f) => f.path) };
    }

    it('flux: the tiny dev source exports to the committed fixture, and opens as it does', async () => {
      const { out, paths } = await exportChecked('flux', 'tiny-flux-src', 'tiny-flux');
      const fixture = join(fixturesHf, 'flux/dev');
      expect(paths).toEqual(await filesUnder(fixture));
      const differing: string[] = [];
      for (const path of paths) {
        const [a, b] = [await readFile(join(out, path)), await readFile(join(fixture, path))];
        if (!a.equals(b)) differing.push(path);
      }
      // Every ONNX part is the fixture's, byte for byte; make_flux_fixture.py rewrites
      // tokenizer.json without indentation, the same JSON.
      expect(differing).toEqual(['tokenizer_2/tokenizer.json']);
      const tokenizerJson = async (root: string) =>
        JSON.parse(await readFile(join(root, 'tokenizer_2/tokenizer.json'), 'utf8'));
      expect(await tokenizerJson(out)).toEqual(await tokenizerJson(fixture));

      const exported = await openFluxPipeline({ dir: out, runtime: cpu });
      const committed = await openFluxPipeline({ dir: fixture, runtime: cpu });
      try {
        expect(exported.settings).toEqual(committed.settings);
        expect([
          exported.settings.pipelineClass,
          exported.settings.guidanceEmbeds,
          exported.settings.maxSequenceLength,
          exported.settings.scheduler.useDynamicShifting,
        ]).toEqual(['FluxPipeline', true, 512, true]);
        expect(Object.keys(exported.devices)).toEqual([
          'text_encoder',
          'text_encoder_2',
          'transformer',
          'vae_decoder',
          'vae_encoder',
        ]);
      } finally {
        await exported.release();
        await committed.release();
      }
    }, 300_000);

    it('kandinsky: the tiny prior/ + decoder/ source exports to the committed fixture byte for byte, and opens', async () => {
      const { out, paths } = await exportChecked(
        'kandinsky',
        'tiny-kandinsky-src',
        'tiny-kandinsky',
      );
      const fixture = join(fixturesHf, 'kandinsky/model');
      expect(paths).toEqual(await filesUnder(fixture));
      for (const path of paths) {
        const [a, b] = [await readFile(join(out, path)), await readFile(join(fixture, path))];
        expect([path, sha256Hex(a)]).toEqual([path, sha256Hex(b)]);
      }
      const exported = await openKandinskyPipeline({ dir: out, runtime: cpu });
      try {
        expect([exported.settings.decoderClass, exported.settings.priorClass]).toEqual([
          'KandinskyV22Pipeline',
          'KandinskyV22PriorPipeline',
        ]);
        expect(Object.keys(exported.devices)).toEqual([
          'prior/text_encoder',
          'prior/prior',
          'unet',
          'movq_decoder',
          'movq_encoder',
        ]);
      } finally {
        await exported.release();
      }
    }, 300_000);

    it("refuses fp16 and a source of another kind with the exporter's one line, writing nothing", async () => {
      const out = join(dir, 'refused');
      expect(
        await models(
          ['export', 'flux', '--source', 'tiny-flux-src', '--out', 'refused', '--dtype', 'fp16'],
          dir,
          { SUBNET_EXPORT_PYTHON: exportPython },
        ),
      ).toEqual({
        code: 1,
        stdout: '',
        stderr: [
          `exporting flux from ${join(dir, 'tiny-flux-src')} to ${out} (fp16) with ${exportPython}`,
          'export_models: fp16 Flux export is not supported (torch.onnx on CPU); export fp32',
          'pnpm models export: the exporter failed (exit 2) [EXPORT_FAILED]',
          exportFailedFix,
        ].join('\n'),
      });
      expect(existsSync(out)).toBe(false);

      // The rest straight through the exporter: exit 2, one line on stderr, nothing on stdout.
      const exporter = (kind: string, source: string, dtype = 'fp32') => {
        const args = ['--kind', kind, '--source', join(dir, source), '--out', out];
        try {
          execFileSync(
            exportPython,
            [join(repoRoot, 'scripts/models/export_models.py'), ...args, '--dtype', dtype],
            { stdio: 'pipe', encoding: 'utf8' },
          );
          return { status: 0, stdout: '', stderr: '' };
        } catch (err) {
          const { status, stdout, stderr } = err as {
            status: number;
            stdout: string;
            stderr: string;
          };
          return { status, stdout, stderr };
        }
      };
      const src = (name: string) => join(dir, name);
      expect(exporter('kandinsky', 'tiny-kandinsky-src', 'fp16')).toEqual({
        status: 2,
        stdout: '',
        stderr:
          'export_models: fp16 Kandinsky export is not supported (torch.onnx on CPU); export fp32\n',
      });
      expect(exporter('kandinsky', 'tiny-flux-src')).toEqual({
        status: 2,
        stdout: '',
        stderr: `export_models: missing folder: ${src('tiny-flux-src/prior')} (--source holds prior/ and decoder/, the two Kandinsky 2.2 pipeline folders)\n`,
      });
      expect(exporter('flux', 'tiny-kandinsky-src/decoder')).toEqual({
        status: 2,
        stdout: '',
        stderr: `export_models: ${src('tiny-kandinsky-src/decoder/model_index.json')}: _class_name is 'KandinskyV22Pipeline', not a Flux pipeline (FluxPipeline)\n`,
      });
      expect(exporter('sd', 'tiny-flux-src')).toEqual({
        status: 2,
        stdout: '',
        stderr: `export_models: ${src('tiny-flux-src')} is a Flux pipeline (model_index.json _class_name FluxPipeline): use --kind flux\n`,
      });
      expect(exporter('sd', 'tiny-kandinsky-src/decoder')).toEqual({
        status: 2,
        stdout: '',
        stderr: `export_models: ${src('tiny-kandinsky-src/decoder')} is a Kandinsky pipeline (model_index.json _class_name KandinskyV22Pipeline): use --kind kandinsky with the folder that holds prior/ and decoder/\n`,
      });
      expect(existsSync(out)).toBe(false);
    }, 300_000);
  },
);
