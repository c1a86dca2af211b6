import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { InferenceError, InferenceErrorCode } from '../errors';
import { exportError, readJsonObject } from '../exportFiles';

/** transformers writes this (int(1e30)) as model_max_length when a tokenizer sets none. */
const UNSET_MAX_LENGTH = 1e12;

/** What Flux pipelines use when the export names no length (FLUX.1-dev's 512). */
export const DEFAULT_T5_MAX_LENGTH = 512;

export interface T5TokenizerOptions {
  /** Exactly this many ids per prompt (the T5 sequence length the transformer sees). */
  maxLength: number;
  eosToken: string;
  padToken: string;
}

/**
 * T5's prompt tokenization as Flux feeds it: the `tokenizer.json` of `tokenizer_2/` (a
 * SentencePiece Unigram model with Metaspace pre-tokenization) without its own special tokens,
 * truncated to maxLength − 1 ids, then `</s>`, then `<pad>` up to maxLength.
 */
export class T5PromptTokenizer {
  private readonly tokenizer: Tokenizer;
  readonly eosId: number;
  readonly padId: number;

  constructor(
    tokenizerJson: object,
    readonly options: T5TokenizerOptions,
  ) {
    this.tokenizer = new Tokenizer(tokenizerJson, {});
    const id = (token: string) => {
      const value = this.tokenizer.token_to_id(token);
      if (value === undefined) {
        throw new InferenceError(
          InferenceErrorCode.BadExport,
          `the T5 tokenizer has no token ${JSON.stringify(token)}`,
        );
      }
      return value;
    };
    this.eosId = id(options.eosToken);
    this.padId = id(options.padToken);
  }

  /** Exactly maxLength ids. */
  encode(text: string): number[] {
    const { maxLength } = this.options;
    const ids = this.tokenizer
      .encode(text, { add_special_tokens: false })
      .ids.slice(0, maxLength - 1);
    ids.push(this.eosId);
    while (ids.length < maxLength) ids.push(this.padId);
    return ids;
  }
}

export interface OpenedT5Tokenizer {
  tokenizer: T5PromptTokenizer;
  /** Where the length came from. */
  maxLengthFrom: 'override' | 'tokenizer_config.json' | 'default';
}

/**
 * Opens `tokenizer_2/` of a Flux export: `tokenizer.json` (required), `tokenizer_config.json`
 * for eos / pad (default `</s>` / `<pad>`) and model_max_length (else `maxLength`, else 512).
 */
export async function openT5Tokenizer(options: {
  dir: string;
  maxLength?: number | undefined;
}): Promise<OpenedT5Tokenizer> {
  const { dir } = options;
  const json = await readJsonObject(join(dir, 'tokenizer.json'));
  if (!json) {
    throw new InferenceError(
      InferenceErrorCode.ModelNotDownloaded,
      `${dir} has no tokenizer.json (the T5 tokenizer); pull the model first`,
    );
  }
  const configFile = join(dir, 'tokenizer_config.json');
  const config = await readJsonObject(configFile);
  const token = (key: string, fallback: string): string => {
    const value = config?.[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'string') return value;
    const content = (value as { content?: unknown }).content;
    if (typeof content === 'string') return content;
    throw exportError(`${configFile}: ${key} must be a string or an object with a content string`);
  };
  let maxLength = options.maxLength;
  let maxLengthFrom: OpenedT5Tokenizer['maxLengthFrom'] = 'override';
  if (maxLength === undefined) {
    const fromConfig = config?.model_max_length;
    if (typeof fromConfig === 'number' && fromConfig < UNSET_MAX_LENGTH) {
      maxLength = fromConfig;
      maxLengthFrom = 'tokenizer_config.json';
    } else {
      maxLength = DEFAULT_T5_MAX_LENGTH;
      maxLengthFrom = 'default';
    }
  }
  if (!Number.isInteger(maxLength) || maxLength < 2) {
    throw exportError(`${dir}: the T5 max length must be an integer ≥ 2, got ${maxLength}`);
  }
  try {
    const tokenizer = new T5PromptTokenizer(json, {
      maxLength,
      eosToken: token('eos_token', '</s>'),
      padToken: token('pad_token', '<pad>'),
    });
    return { tokenizer, maxLengthFrom };
  } catch (cause) {
    if (cause instanceof InferenceError) throw exportError(`${dir}: ${cause.message}`, cause);
    throw exportError(`${dir}: cannot build the T5 tokenizer: ${(cause as Error).message}`, cause);
  }
}
