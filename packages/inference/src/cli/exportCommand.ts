/**
 * `models export <kind> --source <dir> --out <dir>`: runs the project's exporter
 * (scripts/models/export_models.py: Optimum, or torch.onnx where Optimum has no exporter) in the
 * export venv, adds LoRA inputs to an LLM, hashes every file written, and writes what the miner
 * needs to serve the export: a registry manifest for an LLM, the model-config entry for the rest.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  CliError,
  type CliIo,
  type CommandContext,
  type CommandSpec,
  closest,
  EXIT,
  type PathContext,
  resolvePath,
  stringOption,
  UsageError,
} from '@subnet/kit';
import { z } from 'zod';
import { InferenceError, InferenceErrorCode } from '../errors';
import type { Logger } from '../log';
import { addLoraInputs } from '../onnx/addLoraInputs';
import { sha256File } from '../registry/fileHash';
import { type Manifest, parseManifest } from '../registry/manifest';
import { cliLogger, MODELS_LOGGING_FLAGS } from './cliSettings';
import { rawOutput } from './terminal';

/** What the exporter makes, and the model-config type (or registry pipeline) that serves it. */
export const exportKinds = {
  llm: 'an LLM with past key/values (+ LoRA inputs): a registry llm-decoder model',
  sd: 'SD 1.x / 2.x / SD-Turbo: a diffusion folder',
  sdxl: 'SDXL / SDXL-Turbo (two text encoders): a diffusion folder',
  'sd-inpaint': 'an inpainting model (9-channel UNet): a diffusion folder',
  flux: 'a Flux-class diffusion transformer (FluxPipeline folder; fp32): a diffusion folder',
  kandinsky:
    'Kandinsky 2.2 (--source holds the prior/ and decoder/ pipeline folders; fp32): a diffusion folder',
  controlnet: 'a ControlNet (writes controlnet/ into the base model folder given as --out)',
  upscaler: 'a super-resolution model: an upscaler file',
  clip: 'a CLIP model (vision and text towers): a clip file',
  nsfw: 'an image classifier used as the NSFW flag: an nsfw file',
} as const;
export type ExportKind = keyof typeof exportKinds;

/** The export, with its paths absolute and its flags checked. */
export interface ExportSettings {
  kind: ExportKind;
  source: string;
  out: string;
  /** The id in the manifest / model config (default: the out folder's name). */
  id: string;
  dtype: 'fp32' | 'fp16';
  /** Where the manifest's file URLs point (default: file:// URLs of the out folder). */
  baseUrl?: string;
  /** Python of the export venv: a path, or a command looked up on PATH. */
  python: string;
  /** LLMs: skip adding LoRA inputs. */
  noLora: boolean;
}

const execFileAsync = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const EXPORTER = join(REPO_ROOT, 'scripts/models/export_models.py');
/** The export venv `./dev setup-export` creates. */
export const DEFAULT_EXPORT_PYTHON = join(REPO_ROOT, '.venv-export/bin/python');

/** The exporter's last stdout line. */
const exporterResultSchema = z.object({
  kind: z.string(),
  out: z.string(),
  files: z.array(z.string().min(1)).min(1),
});

export interface ExportedFile {
  path: string;
  size: number;
  sha256: string;
}

/** A program name stays a name (looked up on PATH); anything with a slash or ~ is a path. */
function pythonPath(value: string, paths: PathContext): string {
  return value.includes('/') || value.startsWith('~') ? resolvePath(value, paths) : value;
}

/** The flags of `models export`, checked; paths are taken from where the command was run. */
export function exportSettings(ctx: CommandContext): ExportSettings {
  const { values, io, invocation } = ctx;
  const help = `run \`${invocation} --help\` for its options`;
  const kind = ctx.positionals[0] as string;
  if (!(kind in exportKinds)) {
    const guess = closest(kind, Object.keys(exportKinds));
    throw new UsageError(
      `unknown export kind "${kind}"${guess ? ` (did you mean ${guess}?)` : ''}`,
      `name one of ${Object.keys(exportKinds).join(', ')} (\`${invocation} --help\` says what each is)`,
    );
  }
  const sourceFlag = stringOption(values, 'source');
  if (sourceFlag === undefined)
    throw new UsageError('--source DIR is required (the save_pretrained folder to export)', help);
  const outFlag = stringOption(values, 'out');
  if (outFlag === undefined)
    throw new UsageError('--out DIR is required (the folder the ONNX files are written to)', help);
  const dtype = stringOption(values, 'dtype') ?? 'fp32';
  if (dtype !== 'fp32' && dtype !== 'fp16')
    throw new UsageError(`--dtype must be fp32 or fp16 (got "${dtype}")`, help);
  const source = resolvePath(sourceFlag, io.paths);
  const out = resolvePath(outFlag, io.paths);
  const id = stringOption(values, 'id') ?? out.split('/').filter(Boolean).pop() ?? 'model';
  if (!/^[a-z0-9][a-z0-9._-]{0,127}$/.test(id)) {
    throw new UsageError(
      `the model id "${id}" is not valid (lowercase letters, digits, . _ -)`,
      stringOption(values, 'id') === undefined
        ? "pass --id ID (the id is otherwise the --out folder's name)"
        : help,
    );
  }
  const baseUrl = stringOption(values, 'base-url');
  const python = stringOption(values, 'python') ?? io.env.SUBNET_EXPORT_PYTHON;
  return {
    kind: kind as ExportKind,
    source,
    out,
    id,
    dtype,
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    python: python ? pythonPath(python, io.paths) : DEFAULT_EXPORT_PYTHON,
    noLora: values['no-lora'] === true,
  };
}

/** Runs the exporter and writes export.json (and an LLM's manifest.json); prints how to serve it. */
export async function runExport(
  settings: ExportSettings,
  io: CliIo,
  logger?: Logger,
): Promise<void> {
  const { kind, source, out, id, dtype, python } = settings;
  if (!existsSync(source)) {
    throw new CliError('EXPORT_SOURCE_MISSING', `--source ${source} does not exist`, {
      exitCode: EXIT.usage,
      fix: 'pass the folder save_pretrained wrote (relative paths are taken from where you run the command)',
    });
  }
  const notReady = await checkPython(python);
  if (notReady !== undefined) {
    throw new CliError('EXPORT_TOOLS_MISSING', `the export tools are not ready: ${notReady}`, {
      fix: 'create their environment with `./dev setup-export` (torch CPU, transformers, diffusers, optimum, peft into .venv-export; several GB), or point --python or SUBNET_EXPORT_PYTHON at a Python that has them',
    });
  }

  io.err(`exporting ${kind} from ${source} to ${out} (${dtype}) with ${python}`);
  const run = await runExporter(
    python,
    ['--kind', kind, '--source', source, '--out', out, '--dtype', dtype],
    io,
  );
  if (run.code !== 0) {
    throw new CliError('EXPORT_FAILED', `the exporter failed (exit ${run.code})`, {
      fix: 'its reason is in the lines above (a source without weights or tokenizer, a model_type or scheduler the kind does not take: docs/models.md, "Exporting a model")',
    });
  }
  const lastLine = run.stdout.trim().split('\n').pop() ?? '';
  let result: z.infer<typeof exporterResultSchema>;
  try {
    result = exporterResultSchema.parse(JSON.parse(lastLine));
  } catch (cause) {
    throw new CliError(
      'EXPORT_FAILED',
      `the exporter ended without its result line (got: ${lastLine.slice(0, 200)})`,
      { cause, fix: `check that ${EXPORTER} is this repository's exporter` },
    );
  }

  let loraTargets: string[] = [];
  if (kind === 'llm' && !settings.noLora) {
    const added = await addLoraToExport(join(out, 'model.onnx'), logger);
    loraTargets = added.targets;
    io.err(`LoRA inputs added to model.onnx for ${added.targets.length} projections`);
    for (const s of added.skipped) io.err(`  warning: ${s.node} has no LoRA input: ${s.reason}`);
  }

  const files: ExportedFile[] = [];
  for (const path of [...result.files].sort()) {
    const full = join(out, path);
    files.push({ path, size: (await stat(full)).size, sha256: await sha256File(full) });
  }
  const summary = { id, kind, dtype, source, files, ...(kind === 'llm' ? { loraTargets } : {}) };
  await writeFile(join(out, 'export.json'), `${JSON.stringify(summary, null, 2)}\n`);

  if (kind === 'llm') {
    const manifestPath = join(out, 'manifest.json');
    const manifest = llmManifest({ id, dtype, files, out, baseUrl: settings.baseUrl });
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    io.out(
      `${id}: ${files.length} files, ${formatMb(totalBytes(files))}; manifest written to ${manifestPath}`,
    );
    io.out(`serve it: pnpm models pull ${id} --manifest ${manifestPath}`);
    io.out(
      `  and in the miner config: models.registry.manifests: [${manifestPath}]; models.entries.${id}: { type: llm }`,
    );
  } else {
    io.out(
      `${id}: ${files.length} files, ${formatMb(totalBytes(files))}; hashes in ${join(out, 'export.json')}`,
    );
    io.out(`serve it: models.entries.${id}: ${configSnippet(kind, out)}`);
  }
}

/** Undefined when the Python runs and has the exporters; else why not. */
async function checkPython(python: string): Promise<string | undefined> {
  if (isAbsolute(python) && !existsSync(python)) return `${python} does not exist`;
  const probe = await execFileAsync(
    python,
    ['-c', 'import torch, transformers, diffusers, optimum.exporters.onnx, onnx'],
    { timeout: 120_000 },
  ).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code?: number | string; stderr?: string; message: string }) => ({
      code: typeof err.code === 'number' ? err.code : 127,
      stderr: err.code === 'ENOENT' ? 'ENOENT' : err.stderr || err.message,
    }),
  );
  if (probe.code === 0) return undefined;
  if (probe.stderr === 'ENOENT') return `${python} is not a program on PATH`;
  const missing = /No module named '([^']+)'/.exec(probe.stderr)?.[1];
  return missing
    ? `${python} has no module '${missing}'`
    : `${python} failed: ${probe.stderr.trim().split('\n').pop() ?? `exit ${probe.code}`}`;
}

/** Runs the exporter, passing its progress (stderr) through; keeps its stdout. */
function runExporter(
  python: string,
  args: readonly string[],
  io: CliIo,
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(python, [EXPORTER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const progress = rawOutput(io, 'err');
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.length > 1_000_000) stdout = stdout.slice(-100_000);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => progress.write(chunk));
    // Ctrl-C stops the exporter (which gets it too), and this command reports how it ended.
    const stop = () => child.kill('SIGINT');
    process.once('SIGINT', stop);
    child.on('error', (err) => {
      progress.end();
      io.err(`cannot run ${python}: ${err.message}`);
    });
    child.on('close', (code) => {
      process.off('SIGINT', stop);
      progress.end();
      resolvePromise({ code: code ?? 1, stdout });
    });
  });
}

/** Rewrites model.onnx with LoRA inputs (written beside it, then renamed over it). */
export async function addLoraToExport(
  modelPath: string,
  logger?: Logger,
): Promise<{ targets: string[]; skipped: { node: string; reason: string }[] }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(modelPath);
  } catch (err) {
    throw new InferenceError(
      InferenceErrorCode.ModelShapeUnsupported,
      `the LLM export has no ${modelPath}`,
      { cause: err },
    );
  }
  const added = addLoraInputs(bytes, logger ? { logger } : {});
  const tmp = `${modelPath}.lora-partial`;
  await writeFile(tmp, added.bytes);
  await rename(tmp, modelPath);
  return { targets: added.targets.map((t) => t.target), skipped: added.skipped };
}

/** The registry manifest of an exported LLM; file URLs under baseUrl, else file:// URLs. */
export function llmManifest(options: {
  id: string;
  dtype: string;
  files: readonly ExportedFile[];
  out: string;
  baseUrl?: string | undefined;
}): Manifest {
  const base = (options.baseUrl ?? pathToFileURL(options.out).href).replace(/\/+$/, '');
  const weights = options.files
    .filter((f) => /\.onnx(_data)?$|\.onnx\.data$/.test(f.path))
    .reduce((s, f) => s + f.size, 0);
  return parseManifest(
    {
      version: 1,
      models: [
        {
          id: options.id,
          description: 'exported by `pnpm models export llm`',
          taskKinds: ['text-generation'],
          pipeline: 'llm-decoder',
          precision: options.dtype,
          // The weights plus a quarter for activations and the KV cache of a few requests.
          memoryBytes: Math.max(1, Math.ceil(weights * 1.25)),
          files: options.files.map((f) => ({
            path: f.path,
            url: `${base}/${f.path.split('/').map(encodeURIComponent).join('/')}`,
            sha256: f.sha256,
            size: f.size,
          })),
        },
      ],
    },
    'the exported manifest',
  );
}

function configSnippet(kind: Exclude<ExportKind, 'llm'>, out: string): string {
  switch (kind) {
    case 'sd':
    case 'sdxl':
    case 'sd-inpaint':
    case 'flux':
    case 'kandinsky':
    case 'controlnet':
      return `{ type: diffusion, dir: ${out} }`;
    case 'upscaler':
      return `{ type: upscaler, file: ${join(out, 'model.onnx')} }`;
    case 'clip':
      return `{ type: clip, file: ${join(out, 'vision_model.onnx')} }`;
    case 'nsfw':
      return `{ type: nsfw, file: ${join(out, 'model.onnx')} }`;
  }
}

const totalBytes = (files: readonly ExportedFile[]) => files.reduce((s, f) => s + f.size, 0);
const formatMb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'export a Hugging Face model folder to the ONNX files the miner loads',
  description: [
    'Runs scripts/models/export_models.py in the export venv (`./dev setup-export` creates it) on a folder in the save_pretrained layout (nothing is downloaded), adds LoRA inputs to an LLM, hashes every file written into export.json, and prints how to serve the export: an LLM gets a registry manifest.json (pull it with `pnpm models pull ID --manifest OUT/manifest.json`), the other kinds the models.entries line of the miner config. The Python is --python, else SUBNET_EXPORT_PYTHON, else .venv-export/bin/python.',
    '',
    'Kinds:',
    ...Object.entries(exportKinds).map(([k, what]) => `  ${k}: ${what}`),
  ].join('\n'),
  args: '<kind>',
  positionals: { min: 1, max: 1 },
  options: {
    source: {
      type: 'string',
      value: 'DIR',
      description: 'the save_pretrained folder to export (required)',
    },
    out: {
      type: 'string',
      value: 'DIR',
      description: 'the folder the ONNX files are written to (required)',
    },
    id: {
      type: 'string',
      value: 'ID',
      description: "the model id in the manifest or config (default: the --out folder's name)",
    },
    dtype: { type: 'string', value: 'fp32|fp16', description: 'precision', default: 'fp32' },
    'base-url': {
      type: 'string',
      value: 'URL',
      description:
        "where the manifest's file URLs point (default: file:// URLs of the --out folder)",
    },
    python: {
      type: 'string',
      value: 'PATH',
      description: "the export venv's Python (else SUBNET_EXPORT_PYTHON, else .venv-export)",
    },
    'no-lora': { type: 'boolean', description: 'export an LLM without LoRA inputs' },
    ...MODELS_LOGGING_FLAGS,
  },
  examples: [
    'pnpm models export llm --source ./Qwen2.5-0.5B-Instruct --out ./exports/qwen2.5-0.5b',
    'pnpm models export sdxl --source ./sdxl-turbo --out ./exports/sdxl-turbo --dtype fp16',
    'pnpm models export kandinsky --source ./kandinsky-2-2 --out ./exports/kandinsky-2-2',
  ],
  run: async (ctx) => {
    await runExport(exportSettings(ctx), ctx.io, cliLogger(ctx));
    return 0;
  },
};
