import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InferenceError } from '../errors';
import type { ModelRegistry } from '../registry/modelRegistry';
import { openRegistry } from '../registry/openRegistry';
import { probeProviders } from '../runtime/probeProviders';
import { runtimeConfigFromEnv } from '../runtime/runtimeConfig';
import { exportCommand } from './exportCommand';
import { generateCommand } from './generateCommand';
import { createProgressBar, formatBytes, type ProgressOutput } from './progressBar';

export const modelsUsage = `Usage: models <command> [ids...] [options]

Commands:
  list              the models and adapters of the manifest, and which are downloaded
  pull <id...>      download (resuming partial files), check sha256, move into the cache
  verify [id...]    re-check size and sha256 (no id: everything that is at least partly downloaded)
  providers         try each execution provider (cpu, cuda, webgpu) on a built-in test model
  generate <id> <prompt...>
                    run a downloaded LLM on one chat message and stream the reply
  export <kind> --source <dir> --out <dir>
                    export a Hugging Face model folder (save_pretrained layout) to the ONNX
                    files the miner loads, hash them and write its manifest or config entry;
                    kinds: llm, sd, sdxl, sd-inpaint, controlnet, upscaler, clip, nsfw
                    (needs the export tools: ./dev setup-export)

Options:
  --manifest <file>   an operator manifest, added after the built-in one (repeatable);
                      SUBNET_MODELS_MANIFEST=a.json:b.json does the same
  --cache-dir <dir>   where files go (default $SUBNET_MODELS_DIR or ~/.cache/subnet/models)
  --max-tokens <n>, --temperature <t>, --seed <s>, --adapter <id>
                      generation settings for generate (else the model's defaults)
  --id <id>, --dtype fp32|fp16, --base-url <url>, --python <path>, --no-lora
                      for export: the model id (default: the out folder's name), precision,
                      where the manifest's file URLs point (default: file:// URLs of the
                      out folder), the export venv's Python, and LLMs without LoRA inputs
  -h, --help          this text

Relative paths are taken from the folder the command was run in.
`;

export interface CommandIo {
  stdout: ProgressOutput;
  stderr: ProgressOutput;
  env?: NodeJS.ProcessEnv;
  /** Where relative paths are taken from (default $INIT_CWD, where pnpm was run, else cwd). */
  cwd?: string;
}

/** `models list|pull|verify`: returns the exit code (0 ok, 1 failure, 2 usage). */
export async function runModelsCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${modelsUsage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...ids] = positionals;
  if (values.help || command === 'help') {
    io.stdout.write(modelsUsage);
    return 0;
  }
  if (command === 'providers') return providers(io);
  if (command === 'export') {
    const [kind, ...extra] = ids;
    if (!kind || extra.length > 0) {
      io.stderr.write(`export needs exactly one kind\n\n${modelsUsage}`);
      return 2;
    }
    try {
      return await exportCommand(
        {
          kind,
          ...(values.source ? { source: values.source } : {}),
          ...(values.out ? { out: values.out } : {}),
          ...(values.id ? { id: values.id } : {}),
          ...(values.dtype ? { dtype: values.dtype } : {}),
          ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}),
          ...(values.python ? { python: values.python } : {}),
          ...(values['no-lora'] ? { noLora: true } : {}),
        },
        io,
      );
    } catch (err) {
      io.stderr.write(`${describeError(err)}\n`);
      return 1;
    }
  }
  if (!command || !['list', 'pull', 'verify', 'generate'].includes(command)) {
    io.stderr.write(
      `${command ? `unknown command '${command}'` : 'no command given'}\n\n${modelsUsage}`,
    );
    return 2;
  }
  try {
    const cwd = io.cwd ?? io.env?.INIT_CWD ?? process.env.INIT_CWD ?? process.cwd();
    const registry = await openRegistry({
      manifests: (values.manifest ?? []).map((m) => resolve(cwd, m)),
      ...(values['cache-dir'] ? { cacheDir: resolve(cwd, values['cache-dir']) } : {}),
      ...(io.env ? { env: io.env } : {}),
    });
    if (command === 'list') return await list(registry, io);
    if (command === 'generate') {
      const [modelId, ...words] = ids;
      if (!modelId || words.length === 0) {
        io.stderr.write(`generate needs a model id and a prompt\n\n${modelsUsage}`);
        return 2;
      }
      const flags = {
        ...(values['max-tokens'] ? { maxTokens: values['max-tokens'] } : {}),
        ...(values.temperature ? { temperature: values.temperature } : {}),
        ...(values.seed ? { seed: values.seed } : {}),
        ...(values.adapter ? { adapter: values.adapter } : {}),
      };
      return await generateCommand({ registry, modelId, prompt: words.join(' '), flags, io });
    }
    if (command === 'pull') {
      if (ids.length === 0) {
        io.stderr.write(`pull needs at least one id\n\n${modelsUsage}`);
        return 2;
      }
      return await pull(registry, ids, io);
    }
    return await verify(registry, ids.length > 0 ? ids : await presentIds(registry), io);
  } catch (err) {
    io.stderr.write(`${describeError(err)}\n`);
    return 1;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      manifest: { type: 'string', multiple: true },
      'cache-dir': { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      seed: { type: 'string' },
      adapter: { type: 'string' },
      source: { type: 'string' },
      out: { type: 'string' },
      id: { type: 'string' },
      dtype: { type: 'string' },
      'base-url': { type: 'string' },
      python: { type: 'string' },
      'no-lora': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function list(registry: ModelRegistry, io: CommandIo): Promise<number> {
  io.stdout.write(`cache: ${registry.cacheDir}\n`);
  const ids = registry.allIds();
  if (ids.length === 0) {
    io.stdout.write(
      'the manifest lists no models; add your own with --manifest (see docs/models.md)\n',
    );
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
    io.stdout.write(
      `${id.padEnd(32)} ${state.padEnd(15)} ${formatBytes(size).padStart(10)}  ${what}\n`,
    );
  }
  return 0;
}

async function pull(
  registry: ModelRegistry,
  ids: readonly string[],
  io: CommandIo,
): Promise<number> {
  for (const id of ids) {
    const bars = new Map<string, ReturnType<typeof createProgressBar>>();
    const result = await registry.pull(id, {
      onProgress: (p) => {
        let bar = bars.get(p.file);
        if (!bar) {
          bar = createProgressBar(io.stderr, `${id}/${p.file}`);
          bars.set(p.file, bar);
        }
        bar.update(p.received, p.total);
      },
    });
    io.stdout.write(
      `${id}: ${result.downloaded.length} downloaded, ${result.alreadyPresent.length} already present, sha256 checked\n`,
    );
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

async function verify(
  registry: ModelRegistry,
  ids: readonly string[],
  io: CommandIo,
): Promise<number> {
  if (ids.length === 0) io.stdout.write('nothing is downloaded yet\n');
  let ok = true;
  for (const id of ids) {
    const result = await registry.verify(id);
    for (const f of result.files) io.stdout.write(`${id}/${f.path}: ${f.outcome}\n`);
    ok &&= result.ok;
  }
  if (!ok) io.stderr.write('some files are missing or damaged: run pull to fetch them again\n');
  return ok ? 0 : 1;
}

async function providers(io: CommandIo): Promise<number> {
  const probes = await probeProviders(runtimeConfigFromEnv(io.env ?? process.env));
  for (const p of probes) {
    io.stdout.write(
      p.ok
        ? `${p.provider.padEnd(7)} ok on ${p.device}${p.provider === 'cpu' ? '' : `, max |logit - cpu| = ${p.maxDiffFromCpu?.toExponential(2)}`}\n`
        : `${p.provider.padEnd(7)} unavailable: ${p.reason}\n`,
    );
  }
  return probes.every((p) => p.provider !== 'cpu' || p.ok) ? 0 : 1;
}

function describeError(err: unknown): string {
  if (err instanceof InferenceError) return `error [${err.code}]: ${err.message}`;
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}
