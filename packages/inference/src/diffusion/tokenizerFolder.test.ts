import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  clipTokenizerConfig,
  tinyClipVocab,
  writeTinyClipTokenizer,
} from '../../test/diffusion/tinyClipTokenizer';
import { InferenceErrorCode } from '../errors';
import { buildTinyTokenizer } from '../testing/tinyTokenizer';
import { openTokenizerFolder } from './tokenizerFolder';

// Ids computed by transformers 4.57 CLIPTokenizer (the slow class diffusers loads) from the same
// vocab.json + merges.txt, with padding='max_length', max_length=12, truncation=True.
// Token ids: 320 'a</w>', 513 'and</w>', 515 'the</w>', 517 'cat</w>', 522 'dog</w>',
// 524 "'s</w>", 529 'horse</w>', 530 <|startoftext|>, 531 <|endoftext|>, 0 '!'.
const PROMPTS: [string, number[], number[]][] = [
  // prompt, ids padded with <|endoftext|>, ids padded with "!"
  [
    'The cat and the dog',
    [530, 515, 517, 513, 515, 522, 531, 531, 531, 531, 531, 531],
    [530, 515, 517, 513, 515, 522, 531, 0, 0, 0, 0, 0],
  ],
  // Lowercase, whitespace runs, "'s" split off, truncated to 10 tokens + end.
  [
    "A  HORSE's\trunning\n\nthe end!!",
    [530, 320, 529, 524, 81, 84, 77, 77, 520, 515, 68, 531],
    [530, 320, 529, 524, 81, 84, 77, 77, 520, 515, 68, 531],
  ],
  // The special tokens written in the text are the special tokens.
  [
    '<|startoftext|>cat<|endoftext|>',
    [530, 530, 517, 531, 531, 531, 531, 531, 531, 531, 531, 531],
    [530, 530, 517, 531, 531, 0, 0, 0, 0, 0, 0, 0],
  ],
  // Bytes of é and the emoji through the byte-level map; digits one by one.
  [
    'café 42 🐱',
    [530, 516, 69, 127, 358, 275, 273, 172, 253, 238, 365, 531],
    [530, 516, 69, 127, 358, 275, 273, 172, 253, 238, 365, 531],
  ],
  [
    "they're re-doing it",
    [530, 514, 68, 344, 6, 81, 324, 81, 324, 268, 521, 531],
    [530, 514, 68, 344, 6, 81, 324, 81, 324, 268, 521, 531],
  ],
];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clip-tokenizer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openTokenizerFolder: the slow CLIP layout (vocab.json + merges.txt)', () => {
  it('tokenizes as transformers’ CLIPTokenizer, with the length and pad of tokenizer_config.json', async () => {
    await writeTinyClipTokenizer(dir, {
      'tokenizer_config.json': clipTokenizerConfig({ maxLength: 12, pad: '<|endoftext|>' }),
    });
    const opened = await openTokenizerFolder({ dir });
    expect(opened.layout).toBe('vocab.json+merges.txt');
    expect(opened.maxLengthFrom).toBe('tokenizer_config.json');
    expect(opened.defaulted).toEqual([]);
    expect(opened.tokenizer.options).toEqual({
      maxLength: 12,
      bosToken: '<|startoftext|>',
      eosToken: '<|endoftext|>',
      padToken: '<|endoftext|>',
    });
    for (const [prompt, ids] of PROMPTS) expect(opened.tokenizer.encode(prompt)).toEqual(ids);
  });

  it('SDXL’s tokenizer_2: "!" padding named in special_tokens_map.json', async () => {
    const token = (content: string, normalized = true) => ({
      content,
      lstrip: false,
      normalized,
      rstrip: false,
      single_word: false,
    });
    await writeTinyClipTokenizer(dir, {
      'special_tokens_map.json': {
        bos_token: token('<|startoftext|>'),
        eos_token: token('<|endoftext|>'),
        pad_token: token('!', false),
        unk_token: token('<|endoftext|>'),
      },
    });
    const opened = await openTokenizerFolder({ dir, encoderMaxLength: 12 });
    expect(opened.maxLengthFrom).toBe('text encoder config.json');
    expect(opened.tokenizer.padId).toBe(0);
    for (const [prompt, , ids] of PROMPTS) expect(opened.tokenizer.encode(prompt)).toEqual(ids);
  });

  it('the model config overrides each setting; the rest still comes from the files', async () => {
    await writeTinyClipTokenizer(dir, {
      'tokenizer_config.json': clipTokenizerConfig({ maxLength: 77, pad: '<|endoftext|>' }),
    });
    const opened = await openTokenizerFolder({ dir, override: { maxLength: 12, padToken: '!' } });
    expect(opened.maxLengthFrom).toBe('config');
    expect(opened.tokenizer.options.bosToken).toBe('<|startoftext|>');
    expect(opened.tokenizer.encode('The cat and the dog')).toEqual(PROMPTS[0]?.[2]);
  });

  it('transformers’ “unset” model_max_length falls back to 77 and says so', async () => {
    await writeTinyClipTokenizer(dir, {
      'tokenizer_config.json': {
        ...clipTokenizerConfig({ maxLength: 0, pad: '<|endoftext|>' }),
        model_max_length: 1e30,
      },
    });
    const opened = await openTokenizerFolder({ dir });
    expect(opened.tokenizer.options.maxLength).toBe(77);
    expect(opened.defaulted).toEqual(['model_max_length']);
  });

  it('refuses a folder with no tokenizer, naming what is missing', async () => {
    await writeFile(join(dir, 'vocab.json'), JSON.stringify(tinyClipVocab()));
    await expect(openTokenizerFolder({ dir })).rejects.toMatchObject({
      code: InferenceErrorCode.BadExport,
      message: `${dir} has no tokenizer: neither tokenizer.json nor vocab.json + merges.txt (missing merges.txt)`,
    });
  });

  it('refuses the slow layout without its special tokens', async () => {
    await writeTinyClipTokenizer(dir);
    await expect(openTokenizerFolder({ dir })).rejects.toThrow(
      `${dir}: the tokenizer names no bos_token (neither ${join(dir, 'tokenizer_config.json')} nor ${join(dir, 'special_tokens_map.json')} has it)`,
    );
  });

  it('refuses special tokens the vocab lacks, naming the folder', async () => {
    await writeTinyClipTokenizer(dir, {
      'tokenizer_config.json': clipTokenizerConfig({ maxLength: 12, pad: '<pad>' }),
    });
    await expect(openTokenizerFolder({ dir })).rejects.toThrow(
      `${dir}: the tokenizer has no token "<pad>"`,
    );
  });

  it('names the file of malformed JSON', async () => {
    await writeTinyClipTokenizer(dir);
    await writeFile(join(dir, 'tokenizer_config.json'), '{"bos_token": ');
    await expect(openTokenizerFolder({ dir })).rejects.toThrow(
      new RegExp(`^${join(dir, 'tokenizer_config.json')}: is not valid JSON`),
    );
  });
});

describe('openTokenizerFolder: tokenizer.json', () => {
  it('is preferred to vocab.json + merges.txt; without config files CLIP’s defaults apply', async () => {
    await writeTinyClipTokenizer(dir);
    const tiny = buildTinyTokenizer(384);
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tiny.tokenizerJson));
    await expect(openTokenizerFolder({ dir })).rejects.toThrow(
      `${dir}: the tokenizer has no token "<|startoftext|>"`,
    );
    const opened = await openTokenizerFolder({
      dir,
      override: { bosToken: '<|im_start|>', eosToken: '<|im_end|>', padToken: '<|im_end|>' },
    });
    expect(opened.layout).toBe('tokenizer.json');
    expect(opened.defaulted).toEqual(['model_max_length']);
    const ids = opened.tokenizer.encode('a');
    expect(ids).toHaveLength(77);
    expect([ids[0], ids[2], ids[76]]).toEqual([
      opened.tokenizer.bosId,
      opened.tokenizer.eosId,
      opened.tokenizer.padId,
    ]);
  });
});
