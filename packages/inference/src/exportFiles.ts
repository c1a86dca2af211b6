import { access, readFile } from 'node:fs/promises';
import { InferenceError, InferenceErrorCode } from './errors';

/**
 * Reading the small JSON and text files that the Hugging Face exporters write next to a model
 * (tokenizer.json, tokenizer_config.json, generation_config.json, adapter_config.json,
 * model_index.json, scheduler_config.json, ...), for the LLM, LoRA and diffusion loaders alike.
 * Every failure is an INFERENCE_BAD_EXPORT naming the file, so an operator can tell which one of
 * an export is broken.
 */
export type JsonObject = Readonly<Record<string, unknown>>;

/** A problem with the files of an export: malformed, missing, or a setting we cannot honour. */
export function exportError(message: string, cause?: unknown): InferenceError {
  return new InferenceError(
    InferenceErrorCode.BadExport,
    message,
    cause === undefined ? undefined : { cause },
  );
}

/** `exportError` for one file: "<file>: <why>". */
export function badExport(file: string, why: string, cause?: unknown): InferenceError {
  return exportError(`${file}: ${why}`, cause);
}

export async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The file's text, or undefined when it does not exist. */
export async function readOptionalText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw badExport(path, `cannot be read (${(err as Error).message})`, err);
  }
}

/** A JSON object file; undefined when absent (unless `required`), an error when malformed. */
export async function readJsonObject(
  path: string,
  options: { required?: boolean; what?: string } = {},
): Promise<JsonObject | undefined> {
  const text = await readOptionalText(path);
  if (text === undefined) {
    if (!options.required) return undefined;
    throw badExport(path, `is missing${options.what ? ` (${options.what})` : ''}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badExport(path, `is not valid JSON (${(err as Error).message})`, err);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badExport(path, 'must hold a JSON object');
  }
  return value as JsonObject;
}
