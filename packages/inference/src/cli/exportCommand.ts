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
import { z } from 'zod';
import { InferenceError, InferenceErrorCode } from '../errors';
import { addLoraInputs } from '../onnx/addLoraInputs';
import { sha256File } from '../registry/fileHash';
import { type Manifest, parseManifest } from '../registry/manifest';
import type { ProgressOutput } from './progressBar';

/** What the exporter makes, and the model-config type (or registry pipeline) that serves it. */
export const exportKinds = {
  llm: 'an LLM with past key/values (+ LoRA inputs): a registry llm-decoder model',
  sd: 'SD 1.x / 2.x / SD-Turbo: a diffusion folder',
  sdxl: 'SDXL / SDXL-Turbo (two text encoders): a diffusion folder',
  'sd-inpaint': 'an inpainting model (9-channel UNet): a diffusion folder',
  controlnet: 'a ControlNet (writes controlnet/ into the base model folder given as --out)',
  upscaler: 'a super-resolution model: an upscaler file',
  clip: 'a CLIP model (vision and text towers): a clip file',
  nsfw: 'an image classifier used as the NSFW flag: an nsfw file',
} as const;
export type ExportKind = keyof typeof exportKinds;

export interface ExportFlags {
  kind: string;
  source?: string;
  out?: string;
  /** The id in the manifest / model config (default: the out folder's name). */
  id?: string;
  dtype?: string;
  /** Where the manifest's file URLs point (default: file:// URLs of the out folder). */
  baseUrl?: string;
  /** Python of the export venv (default $SUBNET_EXPORT_PYTHON, else <repo>/.venv-export). */
  python?: string;
  /** LLMs: skip adding LoRA inputs. */
  noLora?: boolean;
}

export interface ExportIo {
  stdout: ProgressOutput;
  stderr: ProgressOutput;
  env?: NodeJS.ProcessEnv;
  /** The folder relative paths are taken from (default $INIT_CWD, where pnpm was run, else cwd). */
  cwd?: string;
}

const execFileAsync = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const EXPORTER = join(REPO_ROOT, 'scripts/models/export_models.py');

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

export async function exportCommand(flags: ExportFlags, io: ExportIo): Promise<number> {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? env.INIT_CWD ?? process.cwd();
  if (!(flags.kind in exportKinds)) {
    io.stderr.write(
      `unknown export kind '${flags.kind}'; one of:\n${Object.entries(exportKinds)
        .map(([k, what]) => `  ${k.padEnd(11)} ${what}`)
        .join('\n')}\n`,
    );
    return 2;
  }
  const kind = flags.kind as ExportKind;
  if (!flags.source || !flags.out) {
    io.stderr.write(
      'export needs --source <folder> (a save_pretrained folder) and --out <folder>\n',
    );
    return 2;
  }
  const dtype = flags.dtype ?? 'fp32';
  if (dtype !== 'fp32' && dtype !== 'fp16') {
    io.stderr.write(`--dtype must be fp32 or fp16, not '${dtype}'\n`);
    return 2;
  }
  const source = resolve(cwd, flags.source);
  const out = resolve(cwd, flags.out);
  const id = flags.id ?? out.split('/').filter(Boolean).pop() ?? 'model';
  if (!/^[a-z0-9][a-z0-9._-]{0,127}$/.test(id)) {
    io.stderr.write(
      `the model id '${id}' is not valid (lowercase letters, digits, . _ -): pass --id\n`,
    );
    return 2;
  }
  if (!existsSync(source)) {
    io.stderr.write(`--source ${source} does not exist\n`);
    return 1;
  }
  const python = exportPython(flags, env);
  const ready = await checkPython(python);
  if (ready !== undefined) {
    io.stderr.write(
      `error: the export tools are not ready: ${ready}\n` +
        'create their environment with `./dev setup-export` (torch CPU, transformers, diffusers, optimum, peft into .venv-export; several GB),\n' +
        'or point --python / SUBNET_EXPORT_PYTHON at a Python that has them\n',
    );
    return 1;
  }

  io.stderr.write(`exporting ${kind} from ${source} to ${out} (${dtype}) with ${python}\n`);
  const run = await runExporter(
    python,
    ['--kind', kind, '--source', source, '--out', out, '--dtype', dtype],
    io,
  );
  if (run.code !== 0) {
    io.stderr.write(`error: the exporter failed (exit ${run.code}); its reason is above\n`);
    return 1;
  }
  const lastLine = run.stdout.trim().split('\n').pop() ?? '';
  let result: z.infer<typeof exporterResultSchema>;
  try {
    result = exporterResultSchema.parse(JSON.parse(lastLine));
  } catch {
    io.stderr.write(
      `error: the exporter ended without its result line (got: ${lastLine.slice(0, 200)})\n`,
    );
    return 1;
  }

  let loraTargets: string[] = [];
  if (kind === 'llm' && !flags.noLora) {
    const added = await addLoraToExport(join(out, 'model.onnx'));
    loraTargets = added.targets;
    io.stderr.write(`LoRA inputs added to model.onnx for ${added.targets.length} projections\n`);
    for (const s of added.skipped)
      io.stderr.write(`  warning: ${s.node} has no LoRA input: ${s.reason}\n`);
  }

  const files: ExportedFile[] = [];
  for (const path of [...result.files].sort()) {
    const full = join(out, path);
    files.push({ path, size: (await stat(full)).size, sha256: await sha256File(full) });
  }
  const summary = { id, kind, dtype, source, files, ...(kind === 'llm' ? { loraTargets } : {}) };
  await writeFile(join(out, 'export.json'), `${JSON.stringify(summary, null, 2)}\n`);

  if (kind === 'llm') {
    const manifest = llmManifest({ id, dtype, files, out, baseUrl: flags.baseUrl });
    await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    io.stdout.write(
      `${id}: ${files.length} files, ${formatMb(totalBytes(files))}; manifest written to ${join(out, 'manifest.json')}\n` +
        `serve it: pnpm models pull ${id} --manifest ${join(out, 'manifest.json')}\n` +
        `  and in the miner config: models.registry.manifests: [${join(out, 'manifest.json')}]; models.entries.${id}: { type: llm }\n`,
    );
  } else {
    io.stdout.write(
      `${id}: ${files.length} files, ${formatMb(totalBytes(files))}; hashes in ${join(out, 'export.json')}\n` +
        `serve it: models.entries.${id}: ${configSnippet(kind, out)}\n`,
    );
  }
  return 0;
}

function exportPython(flags: ExportFlags, env: NodeJS.ProcessEnv): string {
  return flags.python ?? env.SUBNET_EXPORT_PYTHON ?? join(REPO_ROOT, '.venv-export/bin/python');
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
      stderr: err.stderr || err.message,
    }),
  );
  if (probe.code === 0) return undefined;
  const missing = /No module named '([^']+)'/.exec(probe.stderr)?.[1];
  return missing
    ? `${python} has no module '${missing}'`
    : `${python} failed: ${probe.stderr.trim().split('\n').pop() ?? `exit ${probe.code}`}`;
}

/** Runs the exporter, passing its progress (stderr) through; keeps its stdout. */
function runExporter(
  python: string,
  args: readonly string[],
  io: ExportIo,
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(python, [EXPORTER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.length > 1_000_000) stdout = stdout.slice(-100_000);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => io.stderr.write(chunk));
    const stop = () => child.kill('SIGINT');
    process.once('SIGINT', stop);
    child.on('error', (err) => {
      io.stderr.write(`error: cannot run ${python}: ${err.message}\n`);
    });
    child.on('close', (code) => {
      process.off('SIGINT', stop);
      resolvePromise({ code: code ?? 1, stdout });
    });
  });
}

/** Rewrites model.onnx with LoRA inputs (written beside it, then renamed over it). */
export async function addLoraToExport(
  modelPath: string,
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
  const added = addLoraInputs(bytes);
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
