import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceError, InferenceErrorCode } from '../errors';
import { hashFile } from './fileHash';

export interface DownloadOptions {
  url: string;
  /** Final path; bytes land in `${dest}.partial` and are renamed on success. */
  dest: string;
  sha256: string;
  size: number;
  onProgress?: (received: number, total: number) => void;
  signal?: AbortSignal;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Bytes already on disk from an earlier, interrupted download. */
  resumedFrom: number;
}

const OFFLINE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Downloads one file: resumes a `.partial` left by an interrupted run (HTTP Range), checks size
 * and sha256, and renames into place only when both match, so `dest` is never half-written.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest, size } = options;
  const partial = `${dest}.partial`;
  await mkdir(dirname(dest), { recursive: true });
  let start = await fileSize(partial);
  if (start > size) {
    await rm(partial, { force: true });
    start = 0;
  }
  const resumedFrom = start;
  if (start < size || size === 0) {
    start = await fetchInto(options, partial, start);
  }
  if (start !== size) {
    throw new InferenceError(
      InferenceErrorCode.DownloadIncomplete,
      `download of ${url} stopped at ${start} of ${size} bytes; ${partial} is kept: run pull again to resume`,
    );
  }
  const actual = (await hashFile(partial)).digest('hex');
  if (actual !== options.sha256) {
    await rm(partial, { force: true });
    throw new InferenceError(
      InferenceErrorCode.HashMismatch,
      `sha256 of ${url} is ${actual} but the manifest says ${options.sha256}; the download was deleted (a corrupted mirror, or a wrong manifest entry)`,
    );
  }
  await rename(partial, dest);
  return { path: dest, bytes: size, resumedFrom };
}

/** Appends the bytes from `start` on to `partial`; returns the file's new length. */
async function fetchInto(
  options: DownloadOptions,
  partial: string,
  start: number,
): Promise<number> {
  const { url } = options;
  if (url.startsWith('file:')) return copyInto(options, partial, start);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: start > 0 ? { range: `bytes=${start}-` } : {},
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    throw networkError(url, err, start, partial);
  }
  if (response.status === 416 && start > 0) return start;
  let append = false;
  if (response.status === 206 && start > 0) {
    const range = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
    append = range !== null && Number(range[1]) === start;
    if (!append) {
      await response.body?.cancel();
      throw new InferenceError(
        InferenceErrorCode.DownloadFailed,
        `${url} answered a range other than the one asked for`,
      );
    }
  } else if (response.status !== 200) {
    await response.body?.cancel();
    throw new InferenceError(
      InferenceErrorCode.DownloadFailed,
      `${url} answered HTTP ${response.status} ${response.statusText}`,
    );
  }
  return writeBody(options, partial, response.body ?? [], append ? start : 0);
}

/**
 * A `file:` URL (what `models export` writes for a local export): the file is copied the way a
 * download is written, resumed from `start`, with the same size and sha256 checks.
 */
async function copyInto(options: DownloadOptions, partial: string, start: number): Promise<number> {
  let path: string;
  try {
    path = fileURLToPath(options.url);
  } catch (err) {
    throw new InferenceError(
      InferenceErrorCode.DownloadFailed,
      `${options.url} is not a file path`,
      {
        cause: err,
      },
    );
  }
  const found = await stat(path).catch(() => undefined);
  if (!found?.isFile()) {
    throw new InferenceError(
      InferenceErrorCode.DownloadFailed,
      `${path} (from ${options.url}) is not a readable file`,
    );
  }
  if (found.size !== options.size) {
    throw new InferenceError(
      InferenceErrorCode.HashMismatch,
      `${path} is ${found.size} bytes but the manifest says ${options.size}: the file changed after the manifest was written (export it again, or fix the entry)`,
    );
  }
  const from = start <= found.size ? start : 0;
  return writeBody(options, partial, createReadStream(path, { start: from }), from);
}

/** Writes `body` to `partial` (appending from `received` when above 0); returns its length. */
async function writeBody(
  options: DownloadOptions,
  partial: string,
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  from: number,
): Promise<number> {
  const { url, size } = options;
  let received = from;
  const out = createWriteStream(partial, { flags: from > 0 ? 'a' : 'w' });
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
  });
  options.onProgress?.(received, size);
  try {
    for await (const chunk of body) {
      if (options.signal?.aborted) throw options.signal.reason;
      received += chunk.length;
      if (received > size) {
        throw new InferenceError(
          InferenceErrorCode.HashMismatch,
          `${url} sent more than the ${size} bytes the manifest lists`,
        );
      }
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      options.onProgress?.(received, size);
    }
  } catch (err) {
    out.end();
    await closed;
    if (err instanceof InferenceError) {
      await rm(partial, { force: true });
      throw err;
    }
    if (options.signal?.aborted) {
      throw new InferenceError(
        InferenceErrorCode.Cancelled,
        `download of ${url} cancelled at ${received} bytes; run pull again to resume`,
        { cause: err },
      );
    }
    throw new InferenceError(
      InferenceErrorCode.DownloadIncomplete,
      `download of ${url} broke off at ${received} of ${size} bytes; ${partial} is kept: run pull again to resume`,
      { cause: err },
    );
  }
  out.end();
  await closed;
  return received;
}

function networkError(url: string, err: unknown, kept: number, partial: string): InferenceError {
  if (err instanceof Error && err.name === 'AbortError') {
    return new InferenceError(InferenceErrorCode.Cancelled, `download of ${url} cancelled`, {
      cause: err,
    });
  }
  const cause = (err as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? '';
  const host = safeHost(url);
  const keptNote = kept > 0 ? ` (${kept} bytes kept in ${partial} for resume)` : '';
  if (OFFLINE_CODES.has(code)) {
    return new InferenceError(
      InferenceErrorCode.Offline,
      `cannot reach ${host} (${code}): this machine looks offline or the host is down${keptNote}`,
      { cause: err },
    );
  }
  return new InferenceError(
    InferenceErrorCode.DownloadFailed,
    `request to ${host} failed: ${code || String(err)}${keptNote}`,
    { cause: err },
  );
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export const sha256Hex = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex');
