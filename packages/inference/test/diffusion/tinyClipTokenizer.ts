import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { byteToUnicode } from '../../src/testing/tinyTokenizer';

/**
 * A small CLIP tokenizer in the slow layout Optimum saves (vocab.json + merges.txt): the 256
 * byte characters, the same with `</w>`, the words of MERGES, then the two special tokens
 * (ids 530 and 531), as CLIP's own vocab is built. Ids of prompts through transformers'
 * CLIPTokenizer are in tokenizerFolder.test.ts.
 */
export const TINY_CLIP_MERGES = [
  'a n',
  'an d</w>',
  't h',
  'th e</w>',
  'c a',
  'ca t</w>',
  'o n</w>',
  'i n',
  'in g</w>',
  'd o',
  'do g</w>',
  'r e',
  "' s</w>",
  'e r</w>',
  'h o',
  'ho r',
  'hor s',
  'hors e</w>',
] as const;

export function tinyClipVocab(): Record<string, number> {
  // In the order of CLIP's bytes_to_unicode(): the printable bytes first, then the others.
  const table = byteToUnicode();
  const chars = [
    ...table.filter((c) => (c.codePointAt(0) as number) < 256),
    ...table.filter((c) => (c.codePointAt(0) as number) >= 256),
  ];
  const tokens = [
    ...chars,
    ...chars.map((c) => `${c}</w>`),
    ...TINY_CLIP_MERGES.map((m) => m.replace(' ', '')),
    '<|startoftext|>',
    '<|endoftext|>',
  ];
  return Object.fromEntries(tokens.map((t, i) => [t, i]));
}

/** Writes vocab.json, merges.txt and the given JSON files (name → object) into `dir`. */
export async function writeTinyClipTokenizer(
  dir: string,
  files: Record<string, object> = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'vocab.json'), JSON.stringify(tinyClipVocab()));
  await writeFile(join(dir, 'merges.txt'), `#version: 0.2\n${TINY_CLIP_MERGES.join('\n')}\n`);
  for (const [name, value] of Object.entries(files)) {
    await writeFile(join(dir, name), JSON.stringify(value, null, 2));
  }
}

/** tokenizer_config.json as transformers 4.57 saves a CLIPTokenizer (special tokens as objects). */
export function clipTokenizerConfig(options: { maxLength: number; pad: string }): object {
  const token = (content: string) => ({
    __type: 'AddedToken',
    content,
    lstrip: false,
    normalized: true,
    rstrip: false,
    single_word: false,
  });
  return {
    add_prefix_space: false,
    bos_token: token('<|startoftext|>'),
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    eos_token: token('<|endoftext|>'),
    errors: 'replace',
    model_max_length: options.maxLength,
    pad_token: options.pad,
    tokenizer_class: 'CLIPTokenizer',
    unk_token: token('<|endoftext|>'),
  };
}
