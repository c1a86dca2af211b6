/**
 * `pnpm models`: the model registry from the command line (list, pull, verify), the execution
 * providers of this machine, a smoke test of a downloaded LLM, and exports of Hugging Face
 * folders. The miner serves the same commands as `pnpm miner models ...` with the kit's
 * `mountCommands('models', modelsProgram)`.
 */
import { CliError, type CommandContext, type CommandSpec, type ProgramSpec } from '@subnet/kit';
import type { ModelRegistry } from '../registry/modelRegistry';
import {
  cliLogger,
  cliRuntime,
  MODELS_LOGGING_FLAGS,
  openCliRegistry,
  REGISTRY_FLAGS,
  withFix,
} from './cliSettings';
import { exportCommand } from './exportCommand';
import { generateCommand } from './generateCommand';
import { createProgressBar, formatBytes } from './progressBar';
import { rawOutput } from './terminal';

async function registryOf(ctx: CommandContext): Promise<ModelRegistry> {
  try {
    return await openCliRegistry(ctx);
  } catch (err) {
    throw withFix(err);
  }
}

async function list(ctx: CommandContext): Promise<number> {
  const registry = await registryOf(ctx);
  const { io } = ctx;
  io.out(`cache: ${registry.cacheDir}`);
  const ids = registry.allIds();
  if (ids.length === 0) {
    io.out('the manifests list no models; add your own with --manifest FILE (docs/models.md)');
    return 0;
  }
  for (const id of ids) {
    const status = await registry.status(id);
    const size = status.files.reduce((s, f) => s + f.size, 0);
    const state = status.downloaded
      ? 'downloaded'
      : status.files.some((f) => f.state !== 'missing')
        ? 'partial'
        : 'not downloaded';
    const model = status.kind === 'model' ? registry.model(id) : undefined;
    const what = model
      ? `${model.pipeline} ${model.precision} ${model.taskKinds.join(',')}`
      : `adapter of ${registry.adapter(id)?.baseModel}`;
    io.out(`${id.padEnd(32)} ${state.padEnd(15)} ${formatBytes(size).padStart(10)}  ${what}`);
  }
  return 0;
}

async function pull(ctx: CommandContext): Promise<number> {
  const registry = await registryOf(ctx);
  const progress = rawOutput(ctx.io, 'err');
  for (const id of ctx.positionals) {
    const bars = new Map<string, ReturnType<typeof createProgressBar>>();
    try {
      const result = await registry.pull(id, {
        onProgress: (p) => {
          let bar = bars.get(p.file);
          if (!bar) {
            bar = createProgressBar(progress, `${id}/${p.file}`);
            bars.set(p.file, bar);
          }
          bar.update(p.received, p.total);
        },
      });
      ctx.io.out(
        `${id}: ${result.downloaded.length} downloaded, ${result.alreadyPresent.length} already present, sha256 checked`,
      );
    } catch (err) {
      throw withFix(err);
    } finally {
      progress.end();
    }
  }
  return 0;
}

/** Ids with at least one file (or partial file) in the cache. */
async function presentIds(registry: ModelRegistry): Promise<string[]> {
  const present: string[] = [];
  for (const id of registry.allIds()) {
    const status = await registry.status(id);
    if (status.files.some((f) => f.state !== 'missing')) present.push(id);
  }
  return present;
}

async function verify(ctx: CommandContext): Promise<number> {
  const registry = await registryOf(ctx);
  const ids = ctx.positionals.length > 0 ? ctx.positionals : await presentIds(registry);
  if (ids.length === 0) ctx.io.out('nothing is downloaded yet');
  const damaged: string[] = [];
  for (const id of ids) {
    let result: Awaited<ReturnType<ModelRegistry['verify']>>;
    try {
      result = await registry.verify(id);
    } catch (err) {
      throw withFix(err);
    }
    for (const f of result.files) ctx.io.out(`${id}/${f.path}: ${f.outcome}`);
    if (!result.ok) damaged.push(id);
  }
  if (damaged.length > 0) {
    throw new CliError(
      'MODELS_FILES_DAMAGED',
      `files of ${damaged.join(', ')} are missing or damaged`,
      {
        fix: `run \`pnpm models pull ${damaged.join(' ')}\` (with the same --manifest and --cache-dir) to fetch them again`,
      },
    );
  }
  return 0;
}

async function providers(ctx: CommandContext): Promise<number> {
  const runtime = cliRuntime(ctx);
  const logger = cliLogger(ctx);
  const { probeProviders } = await import('../runtime/probeProviders');
  const probes = await probeProviders(runtime, { logger });
  for (const p of probes) {
    ctx.io.out(
      p.ok
        ? `${p.provider.padEnd(7)} ok on ${p.device}${p.maxDiffFromCpu === undefined || p.provider === 'cpu' ? '' : `, max |logit - cpu| = ${p.maxDiffFromCpu.toExponential(2)}`}`
        : `${p.provider.padEnd(7)} unavailable: ${p.reason}`,
    );
  }
  const cpu = probes.find((p) => p.provider === 'cpu');
  if (!cpu?.ok) {
    throw new CliError(
      'INFERENCE_PROVIDER_UNAVAILABLE',
      `the CPU provider could not run the test model: ${cpu?.reason ?? 'not probed'}`,
      { fix: 'onnxruntime-node is not installed correctly: run `./dev setup` again' },
    );
  }
  return 0;
}

const commands: readonly CommandSpec[] = [
  {
    name: 'list',
    summary: 'the models and adapters of the manifests, and which are downloaded',
    options: REGISTRY_FLAGS,
    run: list,
  },
  {
    name: 'pull',
    summary: 'download models or adapters (resuming partial files) and check their sha256',
    description:
      'Bytes go to <file>.partial and an interrupted download resumes on the next pull; a file is moved into place only once its size and sha256 match the manifest, and a mismatch deletes the download. Files land in <cache>/models/<id>/ and <cache>/adapters/<id>/.',
    args: '<id...>',
    positionals: { min: 1, max: Number.POSITIVE_INFINITY },
    options: REGISTRY_FLAGS,
    examples: ['pnpm models pull qwen2.5-0.5b-instruct --manifest ./ops-manifest.json'],
    run: pull,
  },
  {
    name: 'verify',
    summary: 're-check the size and sha256 of downloaded files (no id: all that are there)',
    description:
      'Without ids, verifies everything that is at least partly downloaded. Exit 1 when a file is missing or damaged.',
    args: '[id...]',
    positionals: { min: 0, max: Number.POSITIVE_INFINITY },
    options: REGISTRY_FLAGS,
    run: verify,
  },
  {
    name: 'providers',
    summary: 'try each execution provider (cpu, cuda, webgpu) on a built-in test model',
    description:
      "Loads the built-in test decoder on each provider alone and runs it: prints `ok on <device>` with the largest logit difference from the CPU, or the exact reason a provider could not load (docs/gpu.md). The device and threads are SUBNET_INFERENCE_DEVICE_ID's and SUBNET_INFERENCE_THREADS'. Exit 1 when even the CPU fails.",
    options: MODELS_LOGGING_FLAGS,
    run: providers,
  },
  generateCommand,
  exportCommand,
];

export const modelsProgram: ProgramSpec = {
  name: 'pnpm models',
  summary:
    'The model registry (manifests, downloads, hashes), the execution providers of this machine, and exports of Hugging Face models to ONNX.',
  commands,
  footer: [
    'Environment:',
    '  SUBNET_MODELS_MANIFEST: manifests read before --manifest (a.json:b.json)',
    '  SUBNET_MODELS_DIR: the cache folder when --cache-dir is not given',
    '  SUBNET_INFERENCE_PROVIDERS: providers in order of preference, e.g. cuda,cpu',
    '  SUBNET_INFERENCE_DEVICE_ID: the GPU cuda runs on (default 0)',
    '  SUBNET_INFERENCE_THREADS: CPU threads per operator (default: one per core)',
    '  SUBNET_EXPORT_PYTHON: the Python of export when --python is not given',
    '  LOG_LEVEL: the log level when --logging.level is not given',
    '',
    'Relative paths are taken from the folder the command is run in. Guides: docs/models.md, docs/gpu.md.',
  ].join('\n'),
};
