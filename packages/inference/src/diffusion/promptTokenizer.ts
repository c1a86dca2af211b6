import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { InferenceError, InferenceErrorCode } from '../errors';

/**
 * Prompt tokenization for CLIP text encoders: the model's `tokenizer.json` (CLIP BPE for SD/SDXL
 * exports; openTokenizerFolder builds its equivalent from the slow layout) run by
 * @huggingface/tokenizers without its own special tokens, then
 * [bos] + ids truncated to maxLength - 2 + [eos], padded with `pad` to maxLength (77 in SD/SDXL;
 * SD pads with the end token, SDXL's second tokenizer with "!").
 */
export interface PromptTokenizerOptions {
  maxLength: number;
  bosToken: string;
  eosToken: string;
  padToken: string;
}

export const CLIP_TOKENIZER_DEFAULTS: PromptTokenizerOptions = {
  maxLength: 77,
  bosToken: '<|startoftext|>',
  eosToken: '<|endoftext|>',
  padToken: '<|endoftext|>',
};

export class PromptTokenizer {
  private readonly tokenizer: Tokenizer;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;

  constructor(
    tokenizerJson: object,
    readonly options: PromptTokenizerOptions = CLIP_TOKENIZER_DEFAULTS,
  ) {
    this.tokenizer = new Tokenizer(tokenizerJson, {});
    const id = (token: string) => {
      const value = this.tokenizer.token_to_id(token);
      if (value === undefined) {
        throw new InferenceError(
          InferenceErrorCode.ModelShapeUnsupported,
          `the tokenizer has no token ${JSON.stringify(token)}`,
        );
      }
      return value;
    };
    this.bosId = id(options.bosToken);
    this.eosId = id(options.eosToken);
    this.padId = id(options.padToken);
  }

  static async fromFile(path: string, options?: PromptTokenizerOptions): Promise<PromptTokenizer> {
    return new PromptTokenizer(JSON.parse(await readFile(path, 'utf8')) as object, options);
  }

  /** Exactly maxLength ids. */
  encode(text: string): number[] {
    const { maxLength } = this.options;
    const ids = this.tokenizer
      .encode(text, { add_special_tokens: false })
      .ids.slice(0, maxLength - 2);
    const out = [this.bosId, ...ids, this.eosId];
    while (out.length < maxLength) out.push(this.padId);
    return out;
  }
}
