import { access, readFile } from 'node:fs/promises';
import { InferenceError, InferenceErrorCode } from '../errors';

/** A JSON object of an export folder (model_index.json, a config.json, tokenizer files). */
export type JsonObject = Readonly<Record<string, unknown>>;

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
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw exportError(`cannot read ${path}: ${(cause as Error).message}`, cause);
  }
}

/** A JSON object file, or undefined when it does not exist; malformed JSON names the file. */
export async function readOptionalJson(path: string): Promise<JsonObject | undefined> {
  const text = await readOptionalText(path);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw exportError(`${path} is not valid JSON: ${(cause as Error).message}`, cause);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw exportError(`${path} must hold a JSON object`);
  }
  return value as JsonObject;
}

/** A problem with the files of an export (malformed, missing or unsupported settings). */
export function exportError(message: string, cause?: unknown): InferenceError {
  return new InferenceError(
    InferenceErrorCode.ModelShapeUnsupported,
    message,
    cause === undefined ? undefined : { cause },
  );
}
