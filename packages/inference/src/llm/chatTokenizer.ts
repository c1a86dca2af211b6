import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { InferenceError, InferenceErrorCode } from '../errors';
import { badExport, readJsonObject } from '../exportFiles';
import {
  type ChatMessage,
  ChatTemplate,
  type ChatTemplateText,
  readChatTemplate,
  templateOfValue,
} from './chatTemplate';
import {
  GENERATION_CONFIG_FILE,
  type GenerationConfig,
  readGenerationConfig,
} from './generationConfig';

export type { ChatMessage } from './chatTemplate';

/** The special-token attributes of a transformers tokenizer, passed to chat templates when set. */
const SPECIAL_TOKENS = [
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
] as const;

export interface ChatTokenizerOptions {
  /** The chat template when it is not `tokenizerConfig.chat_template` (chat_template.jinja, ...). */
  chatTemplate?: ChatTemplateText;
  /** `special_tokens_map.json`: fills the special tokens tokenizer_config.json leaves unset. */
  specialTokensMap?: Record<string, unknown>;
  generationConfig?: GenerationConfig;
  /** The files it was read from, for the load log. */
  readFiles?: string[];
  /** Paths named in errors (default: the bare file names). */
  files?: { tokenizerJson?: string; tokenizerConfig?: string; specialTokensMap?: string };
}

/** What a tokenizer was read from, for the load log. */
export interface TokenizerProvenance {
  files: string[];
  chatTemplate: ChatTemplateText['source'] | 'none';
}

/**
 * A tokenizer from `tokenizer.json` + `tokenizer_config.json` (and `special_tokens_map.json`,
 * `generation_config.json`, the chat template files), with the model's chat template (Jinja)
 * rendered by @huggingface/jinja.
 *
 * End of sequence is every id of the tokenizer's eos_token and of generation_config.json's
 * eos_token_id (the tokenizer's first). Chat text is tokenized without added special tokens, as
 * transformers' apply_chat_template(tokenize=True) does: a template that wants BOS writes it.
 */
export class ChatTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly template: ChatTemplate | undefined;
  /** The set special tokens by attribute (bos_token, eos_token, ...), as templates see them. */
  readonly specialTokens: Readonly<Record<string, string>>;
  private readonly additionalSpecialTokens: readonly string[];
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  readonly provenance: TokenizerProvenance;

  constructor(
    tokenizerJson: object,
    tokenizerConfig: Record<string, unknown>,
    options: ChatTokenizerOptions = {},
  ) {
    const files = {
      tokenizerJson: options.files?.tokenizerJson ?? 'tokenizer.json',
      tokenizerConfig: options.files?.tokenizerConfig ?? 'tokenizer_config.json',
      specialTokensMap: options.files?.specialTokensMap ?? 'special_tokens_map.json',
    };
    try {
      this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    } catch (err) {
      throw badExport(files.tokenizerJson, `is not a tokenizer (${(err as Error).message})`, err);
    }
    const configTemplate = options.chatTemplate
      ? undefined
      : templateOfValue(tokenizerConfig.chat_template, files.tokenizerConfig);
    const chatTemplate: ChatTemplateText | undefined =
      options.chatTemplate ??
      (configTemplate === undefined
        ? undefined
        : { text: configTemplate, source: 'tokenizer_config.json', path: files.tokenizerConfig });
    this.template = chatTemplate
      ? new ChatTemplate(chatTemplate.text, chatTemplate.path ?? chatTemplate.source)
      : undefined;
    this.provenance = {
      files: options.readFiles ?? [],
      chatTemplate: chatTemplate?.source ?? 'none',
    };

    const map = options.specialTokensMap ?? {};
    const { names, ids } = specialTokens(this.tokenizer, tokenizerConfig, map, files);
    this.specialTokens = names;
    const additional =
      tokenizerConfig.additional_special_tokens ?? map.additional_special_tokens ?? [];
    this.additionalSpecialTokens = Array.isArray(additional)
      ? additional.map(tokenName).filter((t): t is string => t !== undefined)
      : [];

    const generation = options.generationConfig;
    const eos = ids.get('eos_token');
    this.eosTokenIds = [
      ...new Set([...(eos === undefined ? [] : [eos]), ...(generation?.eosTokenIds ?? [])]),
    ];
    this.bosTokenId = ids.get('bos_token') ?? generation?.bosTokenId;
    this.padTokenId = ids.get('pad_token') ?? generation?.padTokenId;
  }

  /**
   * Reads an export folder as transformers does: `tokenizer.json` (required),
   * `tokenizer_config.json`, `special_tokens_map.json`, the chat template (chat_template.jinja,
   * chat_template.json, tokenizer_config.json) and `generation_config.json`. A malformed or
   * inconsistent file fails here, naming the file and the field.
   */
  static async fromDirectory(dir: string): Promise<ChatTokenizer> {
    const paths = {
      tokenizerJson: join(dir, 'tokenizer.json'),
      tokenizerConfig: join(dir, 'tokenizer_config.json'),
      specialTokensMap: join(dir, 'special_tokens_map.json'),
    };
    const json = await readJsonObject(paths.tokenizerJson, {
      required: true,
      what: 'the tokenizer, written by transformers next to the model',
    });
    const config = await readJsonObject(paths.tokenizerConfig);
    const map = await readJsonObject(paths.specialTokensMap);
    const template = await readChatTemplate(dir, config ?? {});
    const generation = await readGenerationConfig(dir);
    return new ChatTokenizer(json as object, config ?? {}, {
      ...(template ? { chatTemplate: template } : {}),
      ...(map ? { specialTokensMap: map } : {}),
      ...(generation ? { generationConfig: generation } : {}),
      files: paths,
      readFiles: [
        'tokenizer.json',
        ...(config ? ['tokenizer_config.json'] : []),
        ...(map ? ['special_tokens_map.json'] : []),
        ...(template && template.source !== 'tokenizer_config.json' ? [template.source] : []),
        ...(generation ? [GENERATION_CONFIG_FILE] : []),
      ],
    });
  }

  get hasChatTemplate(): boolean {
    return this.template !== undefined;
  }

  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? false })
      .ids;
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return '';
    return this.tokenizer.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? true,
    });
  }

  idToToken(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }

  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  applyChatTemplate(
    messages: readonly ChatMessage[],
    options: { addGenerationPrompt?: boolean } = {},
  ): string {
    if (!this.template) {
      throw new InferenceError(
        InferenceErrorCode.BadRequest,
        'this model has no chat template (chat_template.jinja, chat_template.json or tokenizer_config.json chat_template); send a plain prompt instead',
      );
    }
    return this.template.render(messages, {
      addGenerationPrompt: options.addGenerationPrompt ?? true,
      specialTokens: {
        ...this.specialTokens,
        ...(this.additionalSpecialTokens.length > 0
          ? { additional_special_tokens: this.additionalSpecialTokens }
          : {}),
      },
    });
  }

  /** Token ids of a chat, as apply_chat_template(tokenize=True): no special tokens added. */
  encodeChat(
    messages: readonly ChatMessage[],
    options: { addGenerationPrompt?: boolean } = {},
  ): number[] {
    return this.encode(this.applyChatTemplate(messages, options), { addSpecialTokens: false });
  }
}

function tokenName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'content' in value) {
    const content = (value as { content: unknown }).content;
    return typeof content === 'string' ? content : undefined;
  }
  return undefined;
}

/**
 * The set special tokens (tokenizer_config.json, then special_tokens_map.json for what it leaves
 * unset) and their ids. eos/bos must be in the vocabulary; added_tokens_decoder must agree with
 * tokenizer.json.
 */
function specialTokens(
  tokenizer: Tokenizer,
  config: Record<string, unknown>,
  map: Record<string, unknown>,
  files: { tokenizerJson: string; tokenizerConfig: string; specialTokensMap: string },
): { names: Record<string, string>; ids: Map<string, number> } {
  const added = addedTokenIds(config.added_tokens_decoder, files.tokenizerConfig);
  for (const [content, id] of added) {
    const own = tokenizer.token_to_id(content);
    if (own !== undefined && own !== id) {
      throw badExport(
        files.tokenizerConfig,
        `added_tokens_decoder gives '${content}' id ${id}, ${files.tokenizerJson} gives it ${own}`,
      );
    }
  }
  const names: Record<string, string> = {};
  const ids = new Map<string, number>();
  for (const attribute of SPECIAL_TOKENS) {
    const fromConfig = tokenName(config[attribute]);
    const name = fromConfig ?? tokenName(map[attribute]);
    if (name === undefined || name === '') continue;
    names[attribute] = name;
    const id = tokenizer.token_to_id(name) ?? added.get(name);
    if (id !== undefined) ids.set(attribute, id);
    else if (attribute === 'eos_token' || attribute === 'bos_token') {
      const file = fromConfig !== undefined ? files.tokenizerConfig : files.specialTokensMap;
      throw badExport(
        file,
        `${attribute} '${name}' is not in the vocabulary of ${files.tokenizerJson}`,
      );
    }
  }
  return { names, ids };
}

/** tokenizer_config.json's added_tokens_decoder: { "<id>": { content, special, ... } }. */
function addedTokenIds(value: unknown, file: string): Map<string, number> {
  const out = new Map<string, number>();
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw badExport(file, 'added_tokens_decoder must map ids to tokens');
  }
  for (const [key, token] of Object.entries(value)) {
    const id = Number(key);
    const content = tokenName(token);
    if (!Number.isInteger(id) || id < 0 || content === undefined) {
      throw badExport(
        file,
        `added_tokens_decoder entry ${JSON.stringify(key)} is not {id: {content}}`,
      );
    }
    out.set(content, id);
  }
  return out;
}
