import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CommandSpec, commandHelp, programHelp, runProgram } from '@subnet/kit';
import { memoryIo } from '@subnet/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileServer, startFileServer } from '../../test/fileServer';
import { sha256Hex } from '../registry/downloadFile';
import { modelsProgram } from './modelsCommand';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(packageDir, 'bin', 'models.mjs');
const weights = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);

/** Runs `pnpm models <argv>` in this process, in the folder `cwd`. */
async function models(
  argv: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  const io = memoryIo({ env: options.env ?? {}, ...(options.cwd ? { cwd: options.cwd } : {}) });
  const code = await runProgram(modelsProgram, argv, io);
  const text = (lines: string[]) => (lines.length > 0 ? `${lines.join('\n')}\n` : '');
  return { code, stdout: text(io.stdout), stderr: text(io.stderr) };
}

/** Runs the bin as the operator would (`pnpm models ...` runs it in the folder they are in). */
function modelsProcess(
  argv: readonly string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.INIT_CWD;
  delete env.SUBNET_MODELS_DIR;
  delete env.SUBNET_MODELS_MANIFEST;
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...argv], { cwd, env }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
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

  const run = (...argv: string[]) =>
    models([...argv, '--manifest', manifest, '--cache-dir', join(dir, 'cache')]);

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
    // Not a terminal: a line when the download starts and one when it ends.
    expect(pulled.stderr).toMatch(
      /^op-model\/w\.onnx: downloading 97\.7 KiB\nop-model\/w\.onnx \[#{24}\] 100\.0% 97\.7 KiB\/97\.7 KiB [\d.]+ \S+\/s\n$/,
    );

    expect((await run('list')).stdout).toMatch(/^op-model +downloaded /m);
    expect(await run('verify')).toEqual({ code: 0, stdout: 'op-model/w.onnx: ok\n', stderr: '' });
  });

  it('fails with the error code and its fix on a hash mismatch, unknown ids and damaged files', async () => {
    await rm(join(dir, 'cache'), { recursive: true, force: true });
    server.setMode('w.onnx', 'corrupt');
    const bad = await run('pull', 'op-model');
    server.setMode('w.onnx', 'ok');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^pnpm models pull: sha256 of http:\/\/127\.0\.0\.1:\d+\/w\.onnx is [0-9a-f]{64} but the manifest says [0-9a-f]{64}.* \[INFERENCE_HASH_MISMATCH\]\n {2}fix: the file at that URL is not the one the manifest lists \(the download was deleted\): ask its publisher, or correct the manifest\n/m,
    );
    const unknown = await run('pull', 'other');
    expect(unknown).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "pnpm models pull: unknown model 'other' (the manifest lists: op-model) [INFERENCE_UNKNOWN_MODEL]\n" +
        '  fix: run `pnpm models list` (with the same --manifest flags) for the ids your manifests list; add a manifest with --manifest FILE\n',
    });
    expect((await run('verify', 'other')).stderr).toContain('[INFERENCE_UNKNOWN_MODEL]');
    expect(await run('verify', 'op-model')).toEqual({
      code: 1,
      stdout: 'op-model/w.onnx: missing\n',
      stderr:
        'pnpm models verify: files of op-model are missing or damaged [MODELS_FILES_DAMAGED]\n' +
        '  fix: run `pnpm models pull op-model` (with the same --manifest and --cache-dir) to fetch them again\n',
    });
    const noManifest = await models(['list', '--manifest', 'nowhere.json'], { cwd: dir });
    expect(noManifest.code).toBe(1);
    expect(noManifest.stderr.split('\n').slice(0, 3)).toEqual([
      `pnpm models list: cannot read manifest ${join(dir, 'nowhere.json')} [INFERENCE_BAD_MANIFEST]`,
      '  fix: check that the file exists and is a model manifest (docs/models.md, "The manifest")',
      `  cause: ENOENT: no such file or directory, open '${join(dir, 'nowhere.json')}'`,
    ]);
  });

  it('takes relative --cache-dir and --manifest, and SUBNET_MODELS_*, from where it is run', async () => {
    const here = join(dir, 'operator-folder');
    await mkdir(here, { recursive: true });
    await writeFile(join(here, 'mine.json'), JSON.stringify({ version: 1, models: [] }));
    const flags = await models(['list', '--cache-dir', 'cache', '--manifest', '../operator.json'], {
      cwd: here,
    });
    expect(flags.code).toBe(0);
    expect(flags.stdout.split('\n')[0]).toBe(`cache: ${join(here, 'cache')}`);
    expect(flags.stdout).toMatch(/^op-model +not downloaded/m);
    const env = await models(['list'], {
      cwd: here,
      env: { SUBNET_MODELS_DIR: 'env-cache', SUBNET_MODELS_MANIFEST: 'mine.json:../operator.json' },
    });
    expect(env.stdout.split('\n')[0]).toBe(`cache: ${join(here, 'env-cache')}`);
    expect(env.stdout).toMatch(/^op-model +not downloaded/m);
    const home = await models(['list', '--cache-dir', '~/models'], { cwd: here });
    expect(home.stdout.split('\n')[0]).toBe('cache: /home/operator/models');
    const none = await models(['list'], { cwd: here });
    expect(none.stdout).toBe(
      'cache: /home/operator/.cache/subnet/models\nthe manifests list no models; add your own with --manifest FILE (docs/models.md)\n',
    );
  });

  it('probes the execution providers on the test model', async () => {
    const { code, stdout } = await models(['providers']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^cpu {5}ok on cpu\n/);
    expect(stdout).toMatch(
      /^cuda {4}unavailable: libonnxruntime_providers_cuda\.so is not installed/m,
    );
    const bad = await models(['providers'], { env: { SUBNET_INFERENCE_PROVIDERS: 'gpu' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^pnpm models providers: invalid inference runtime config .*\[INFERENCE_BAD_CONFIG\]\n {2}fix: SUBNET_INFERENCE_PROVIDERS is a comma-separated list of cuda, webgpu, cpu;/,
    );
    const level = await models(['providers'], { env: { LOG_LEVEL: 'loud' } });
    expect(level).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'pnpm models providers: LOG_LEVEL=loud is not a log level [USAGE]\n' +
        '  fix: set LOG_LEVEL to one of trace, debug, info, warn, error (or unset it)\n',
    });
  });

  it('answers usage mistakes with exit 2, saying what is wrong and where to look', async () => {
    const cases: [string[], string][] = [
      [['frobnicate'], 'pnpm models: unknown command "frobnicate"'],
      [['lst'], 'pnpm models: unknown command "lst" (did you mean "list"?)'],
      [[], 'pnpm models: name a command'],
      [['pull'], 'pnpm models pull: needs <id...> [USAGE]'],
      [['list', 'extra'], 'pnpm models list: takes no arguments (got "extra") [USAGE]'],
      [
        ['pull', 'x', '--cache-dri', 'c'],
        'pnpm models pull: unknown option --cache-dri (did you mean --cache-dir?) [USAGE]',
      ],
      [['pull', 'x', '--cache-dir'], 'pnpm models pull: --cache-dir needs a value [USAGE]'],
      [['generate', 'tiny'], 'pnpm models generate: needs <id> <prompt...> [USAGE]'],
      [
        ['generate', 'tiny', 'hi', '--max-tokens', 'lots'],
        'pnpm models generate: --max-tokens must be a whole number above 0 (got "lots") [USAGE]',
      ],
      [
        ['generate', 'tiny', 'hi', '--temperature', 'warm'],
        'pnpm models generate: --temperature must be a number, 0 or more (got "warm") [USAGE]',
      ],
      [
        ['generate', 'tiny', 'hi', '--seed=-1'],
        'pnpm models generate: --seed must be a whole number from 0 to 18446744073709551615 (got "-1") [USAGE]',
      ],
      [
        ['generate', 'tiny', 'hi', '--seed', '18446744073709551616'],
        'pnpm models generate: --seed must be a whole number from 0 to 18446744073709551615 (got "18446744073709551616") [USAGE]',
      ],
      [
        ['generate', 'tiny', 'hi', '--logging.level', 'loud'],
        'pnpm models generate: --logging.level "loud" is not a level [USAGE]',
      ],
      [['export'], 'pnpm models export: needs <kind> [USAGE]'],
    ];
    for (const [argv, first] of cases) {
      const { code, stderr, stdout } = await models(argv);
      expect([argv, code, stdout, stderr.split('\n')[0]]).toEqual([argv, 2, '', first]);
    }
    expect((await models(['pull'])).stderr).toBe(
      'pnpm models pull: needs <id...> [USAGE]\n  fix: run `pnpm models pull --help` for its usage\n',
    );
  });

  it("prints every command's help within 80 columns, no word split", async () => {
    const top = await models(['--help']);
    expect(top.code).toBe(0);
    const lines = top.stdout.split('\n');
    const from = lines.indexOf('Commands:') + 1;
    const listed = lines
      .slice(from, lines.indexOf('', from))
      .filter((l) => /^ {2}\S/.test(l))
      .map((l) => l.trim().split(/ {2,}/)[0]);
    expect(listed).toEqual([
      'list',
      'pull <id...>',
      'verify [id...]',
      'providers',
      'generate <id> <prompt...>',
      'export <kind>',
    ]);
    expectWrapped(top.stdout, [
      modelsProgram.summary,
      modelsProgram.footer ?? '',
      ...modelsProgram.commands.map((c) => c.summary),
    ]);
    expect(top.stdout).toBe(`${programHelp(modelsProgram, 80)}\n`);
    for (const command of modelsProgram.commands) {
      const { code, stdout } = await models([command.name, '--help']);
      expect([command.name, code]).toEqual([command.name, 0]);
      expect(stdout).toBe(`${commandHelp(modelsProgram, command, 80)}\n`);
      expectWrapped(stdout, texts(command));
    }
  });

  it('runs as a process from the folder it is started in, with its exit codes', async () => {
    const here = join(dir, 'process-cwd');
    await mkdir(here, { recursive: true });
    await writeFile(join(here, 'operator.json'), JSON.stringify({ version: 1, models: [] }));
    const [help, list, unknown, usage] = await Promise.all([
      modelsProcess(['--help'], here),
      modelsProcess(['list', '--cache-dir', 'rel-cache', '--manifest', 'operator.json'], here),
      modelsProcess(['pull', 'nope', '--manifest', 'operator.json', '--cache-dir', 'c'], here),
      modelsProcess(['pull', '--bogus'], here),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout.split('\n')[0]).toBe('Usage: pnpm models <command> [options]');
    expect(list).toEqual({
      code: 0,
      stdout: `cache: ${join(here, 'rel-cache')}\nthe manifests list no models; add your own with --manifest FILE (docs/models.md)\n`,
      stderr: '',
    });
    expect(unknown).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "pnpm models pull: unknown model 'nope' (the manifest lists: none) [INFERENCE_UNKNOWN_MODEL]\n" +
        '  fix: run `pnpm models list` (with the same --manifest flags) for the ids your manifests list; add a manifest with --manifest FILE\n',
    });
    expect(usage).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'pnpm models pull: unknown option --bogus [USAGE]\n  fix: run `pnpm models pull --help` for its options\n',
    });
  }, 60_000);
});

/** The texts a command's help must show: its summary, description and option descriptions. */
function texts(command: CommandSpec): string[] {
  return [
    command.summary,
    command.description ?? '',
    ...Object.values(command.options).map((o) => o.description),
    ...(command.examples ?? []),
  ];
}

/** No line over 80 columns, and every word of `sources` appears whole in `help`. */
function expectWrapped(help: string, sources: readonly string[]): void {
  const lines = help.split('\n');
  expect(lines.filter((l) => l.length > 80)).toEqual([]);
  const words = new Set(help.split(/\s+/).filter(Boolean));
  const missing = sources.flatMap((s) => s.split(/\s+/)).filter((w) => w !== '' && !words.has(w));
  expect(missing).toEqual([]);
}
