import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { InferenceError, InferenceErrorCode } from '../errors';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * A tokenizer from `tokenizer.json` + `tokenizer_config.json`, with the model's chat template
 * (Jinja) rendered by @huggingface/jinja.
 */
export class ChatTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly template: Template | undefined;
  private readonly config: Record<string, unknown>;
  readonly eosTokenIds: readonly number[];

  constructor(tokenizerJson: object, tokenizerConfig: Record<string, unknown>) {
    this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    this.config = tokenizerConfig;
    const chatTemplate = tokenizerConfig.chat_template;
    this.template = typeof chatTemplate === 'string' ? new Template(chatTemplate) : undefined;
    const eos = tokenName(tokenizerConfig.eos_token);
    const eosId = eos === undefined ? undefined : this.tokenizer.token_to_id(eos);
    this.eosTokenIds = eosId === undefined ? [] : [eosId];
  }

  /** Reads `tokenizer.json` and (if present) `tokenizer_config.json` from a directory. */
  static async fromDirectory(dir: string): Promise<ChatTokenizer> {
    const json = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as object;
    let config: Record<string, unknown> = {};
    try {
      config = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return new ChatTokenizer(json, config);
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
        'this model has no chat_template in tokenizer_config.json; send a plain prompt instead',
      );
    }
    return this.template.render({
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: tokenName(this.config.bos_token) ?? '',
      eos_token: tokenName(this.config.eos_token) ?? '',
    });
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
