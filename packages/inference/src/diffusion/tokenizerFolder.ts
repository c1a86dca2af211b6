import { join } from 'node:path';
import { InferenceError } from '../errors';
import { exportError, type JsonObject, readJsonObject, readOptionalText } from '../exportFiles';
import { type AddedToken, clipTokenizerJson, parseClipMerges } from './clipBpeTokenizer';
import {
  CLIP_TOKENIZER_DEFAULTS,
  PromptTokenizer,
  type PromptTokenizerOptions,
} from './promptTokenizer';

/** transformers writes this (int(1e30)) as model_max_length when a tokenizer sets none. */
const UNSET_MAX_LENGTH = 1e12;

export type TokenizerLayout = 'tokenizer.json' | 'vocab.json+merges.txt';

export interface OpenedTokenizer {
  tokenizer: PromptTokenizer;
  layout: TokenizerLayout;
  /** Where the length came from: the override, tokenizer_config.json, the encoder's config, or 77. */
  maxLengthFrom: 'config' | 'tokenizer_config.json' | 'text encoder config.json' | 'default';
}

/**
 * One tokenizer folder of a diffusion export (`tokenizer/` or `tokenizer_2/`), either layout:
 * `tokenizer.json` when present, else the slow CLIP layout `vocab.json` + `merges.txt` (see
 * clipBpeTokenizer). Settings, each taken from the first that gives it:
 * - bos/eos/pad: `override`, `tokenizer_config.json`, `special_tokens_map.json` (a token may be a
 *   string or an object with `content`); the slow layout must name bos and eos there; pad then
 *   defaults to CLIPTokenizer's `<|endoftext|>`. A tokenizer.json without either file takes
 *   CLIP's defaults (`defaulted` lists them so the caller logs it).
 * - length: `override`, `model_max_length` of tokenizer_config.json (unless transformers' "unset"
 *   value), the text encoder's `max_position_embeddings` (`encoderMaxLength`), else 77.
 */
export async function openTokenizerFolder(options: {
  dir: string;
  override?: Partial<PromptTokenizerOptions> | undefined;
  encoderMaxLength?: number | undefined;
}): Promise<OpenedTokenizer & { defaulted: string[] }> {
  const { dir } = options;
  const override = options.override ?? {};
  const configFile = join(dir, 'tokenizer_config.json');
  const mapFile = join(dir, 'special_tokens_map.json');
  const config = await readJsonObject(configFile);
  const map = await readJsonObject(mapFile);
  const json = await readJsonObject(join(dir, 'tokenizer.json'));
  const layout: TokenizerLayout = json ? 'tokenizer.json' : 'vocab.json+merges.txt';
  const slow = json ? undefined : await readSlowLayout(dir);
  const defaulted: string[] = [];

  const special = (key: string, fallback: string | undefined): string => {
    const fromFiles =
      tokenContent(config?.[key], `${configFile} ${key}`) ??
      tokenContent(map?.[key], `${mapFile} ${key}`);
    const value = fromFiles ?? fallback;
    if (value === undefined) {
      throw exportError(
        `${dir}: the tokenizer names no ${key} (neither ${configFile} nor ${mapFile} has it); set it in the model's tokenizer config`,
      );
    }
    if (fromFiles === undefined) defaulted.push(key);
    return value;
  };
  const noConfig = config === undefined && map === undefined && json !== undefined;
  const clip = CLIP_TOKENIZER_DEFAULTS;
  const bosToken = override.bosToken ?? special('bos_token', noConfig ? clip.bosToken : undefined);
  const eosToken = override.eosToken ?? special('eos_token', noConfig ? clip.eosToken : undefined);
  const padToken = override.padToken ?? special('pad_token', clip.padToken);

  let maxLength = override.maxLength;
  let maxLengthFrom: OpenedTokenizer['maxLengthFrom'] = 'config';
  if (maxLength === undefined) {
    const fromConfig = config?.model_max_length;
    if (fromConfig !== undefined && fromConfig !== null && Number(fromConfig) < UNSET_MAX_LENGTH) {
      if (!Number.isInteger(fromConfig) || (fromConfig as number) < 3) {
        throw exportError(
          `${configFile}: model_max_length must be an integer ≥ 3, got ${JSON.stringify(fromConfig)}`,
        );
      }
      maxLength = fromConfig as number;
      maxLengthFrom = 'tokenizer_config.json';
    } else if (options.encoderMaxLength !== undefined) {
      maxLength = options.encoderMaxLength;
      maxLengthFrom = 'text encoder config.json';
    } else {
      maxLength = clip.maxLength;
      maxLengthFrom = 'default';
      defaulted.push('model_max_length');
    }
  }
  const settings: PromptTokenizerOptions = { maxLength, bosToken, eosToken, padToken };

  const tokenizerJson =
    json ??
    slowLayoutJson({
      dir,
      config,
      files: slow as SlowLayout,
      specials: [bosToken, eosToken, padToken],
      eosToken,
    });
  try {
    return {
      tokenizer: new PromptTokenizer(tokenizerJson, settings),
      layout,
      maxLengthFrom,
      defaulted,
    };
  } catch (cause) {
    if (cause instanceof InferenceError) throw exportError(`${dir}: ${cause.message}`, cause);
    throw exportError(`${dir}: cannot build the tokenizer: ${(cause as Error).message}`, cause);
  }
}

interface SlowLayout {
  vocab: Readonly<Record<string, number>>;
  merges: string;
}

async function readSlowLayout(dir: string): Promise<SlowLayout> {
  const vocabFile = join(dir, 'vocab.json');
  const vocab = await readJsonObject(vocabFile);
  const merges = await readOptionalText(join(dir, 'merges.txt'));
  if (!vocab || merges === undefined) {
    const missing = [!vocab && 'vocab.json', merges === undefined && 'merges.txt']
      .filter((m) => m !== false)
      .join(' and ');
    throw exportError(
      `${dir} has no tokenizer: neither tokenizer.json nor vocab.json + merges.txt (missing ${missing})`,
    );
  }
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id))
      throw exportError(`${vocabFile}: the id of ${JSON.stringify(token)} is not an integer`);
  }
  return { vocab: vocab as Readonly<Record<string, number>>, merges };
}

/** The slow layout as a tokenizer.json object; unk is tokenizer_config.json's, else eos. */
function slowLayoutJson(options: {
  dir: string;
  config: JsonObject | undefined;
  files: SlowLayout;
  specials: readonly string[];
  eosToken: string;
}): object {
  const { vocab } = options.files;
  const unkToken =
    tokenContent(options.config?.unk_token, `${options.dir} unk_token`) ?? options.eosToken;
  return clipTokenizerJson({
    vocab,
    merges: parseClipMerges(options.files.merges),
    addedTokens: addedTokens(options.config, [...options.specials, unkToken], vocab),
    unkToken,
  });
}

/**
 * The added tokens: tokenizer_config.json's `added_tokens_decoder` when it has one, else the
 * special tokens found in the vocab (as transformers registers them: normalized, special).
 */
function addedTokens(
  config: JsonObject | undefined,
  specials: readonly string[],
  vocab: Readonly<Record<string, number>>,
): AddedToken[] {
  const decoder = config?.added_tokens_decoder;
  if (decoder && typeof decoder === 'object') {
    return Object.entries(decoder as Record<string, Record<string, unknown>>).map(([id, t]) => ({
      id: Number(id),
      content: String(t.content),
      single_word: t.single_word === true,
      lstrip: t.lstrip === true,
      rstrip: t.rstrip === true,
      normalized: t.normalized !== false,
      special: t.special !== false,
    }));
  }
  const seen = new Set<string>();
  const out: AddedToken[] = [];
  for (const content of specials) {
    const id = vocab[content];
    if (id === undefined || seen.has(content)) continue;
    seen.add(content);
    out.push({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: true,
      special: true,
    });
  }
  return out.sort((a, b) => a.id - b.id);
}

/** A special token of a tokenizer file: a string, `{ content }` (AddedToken), or absent/null. */
function tokenContent(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  throw exportError(`${where} must be a string or an object with a content string`);
}
