/**
 * The `tokenizer.json` equivalent of a CLIP tokenizer saved in the slow layout (`vocab.json` +
 * `merges.txt`, as Optimum and diffusers save SD/SDXL tokenizers), built as transformers'
 * CLIPTokenizerFast converts it: NFC, runs of whitespace to one space, lowercase; the CLIP split
 * (`<|startoftext|>|<|endoftext|>` are added tokens, then `'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|
 * [\p{N}]|[^\s\p{L}\p{N}]+`, whitespace dropped); GPT-2's byte-to-unicode map; BPE over the
 * merges with `</w>` closing each word, the end token for unknowns.
 *
 * Like transformers' CLIPTokenizer, the merges are the lines of merges.txt after the first
 * (the `#version` header), at most 48 894 of them (49 152 - 256 - 2).
 */

/** The CLIP pre-tokenizer's split, as CLIPTokenizerFast saves it. */
const CLIP_SPLIT = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";
const MAX_MERGES = 49152 - 256 - 2;

export interface AddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** The merge pairs of a CLIP merges.txt: lines 2 … 48 895, each "left right". */
export function parseClipMerges(text: string): [string, string][] {
  const lines = text
    .trim()
    .split('\n')
    .slice(1, MAX_MERGES + 1);
  return lines.map((line) => {
    const [left, right] = line.trim().split(/\s+/);
    return [left ?? '', right ?? ''];
  });
}

export function clipTokenizerJson(options: {
  vocab: Readonly<Record<string, number>>;
  merges: readonly (readonly [string, string])[];
  /** Tokens matched whole before the split (the special tokens); ids from the vocab. */
  addedTokens: readonly AddedToken[];
  unkToken: string;
}): object {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: options.addedTokens,
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_SPLIT }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: options.unkToken,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: options.vocab,
      merges: options.merges,
    },
  };
}
