import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTokenizerFolder } from '../../src/diffusion/tokenizerFolder';
import { InferenceErrorCode } from '../../src/errors';
import { openT5Tokenizer } from '../../src/flux/t5Tokenizer';
import { fluxDir, loadReference } from './fluxReference';

/**
 * The prompt ids of both Flux tokenizers equal transformers' (CLIPTokenizer with padding to 77,
 * T5TokenizerFast over a SentencePiece Unigram tokenizer.json with padding to max length), for
 * plain, empty, unicode, whitespace-heavy, capitalised and over-long prompts.
 */
describe('Flux tokenizers give the reference ids (test/fixtures/hf/flux)', async () => {
  const reference = await loadReference();

  for (const model of ['dev', 'schnell'] as const) {
    const ref = reference.token_ids[model];

    it(`${model}: T5 Unigram ids equal T5TokenizerFast's, padded to ${ref.tokenizer_2.max_length}`, async () => {
      const { tokenizer, maxLengthFrom } = await openT5Tokenizer({
        dir: join(fluxDir(model), 'tokenizer_2'),
      });
      expect(maxLengthFrom).toBe('tokenizer_config.json');
      expect(tokenizer.options.maxLength).toBe(ref.tokenizer_2.max_length);
      expect([tokenizer.padId, tokenizer.eosId]).toEqual([
        ref.tokenizer_2.pad_token_id,
        ref.tokenizer_2.eos_token_id,
      ]);
      expect(ref.prompts).toContain('');
      expect(
        ref.prompts.some((p) => [...p].some((ch) => (ch.codePointAt(0) as number) > 127)),
      ).toBe(true);
      for (const [i, prompt] of ref.prompts.entries()) {
        expect(tokenizer.encode(prompt), JSON.stringify(prompt)).toEqual(ref.tokenizer_2.ids[i]);
      }
    });

    it(`${model}: CLIP ids equal CLIPTokenizer's`, async () => {
      const { tokenizer } = await openTokenizerFolder({ dir: join(fluxDir(model), 'tokenizer') });
      for (const [i, prompt] of ref.prompts.entries()) {
        expect(tokenizer.encode(prompt), JSON.stringify(prompt)).toEqual(ref.tokenizer.ids[i]);
      }
    });
  }

  it('the unknown-character pieces are <unk> and the over-long prompt is cut before </s>', async () => {
    const ref = reference.token_ids.dev;
    const { tokenizer } = await openT5Tokenizer({ dir: join(fluxDir('dev'), 'tokenizer_2') });
    const unicode = ref.prompts.findIndex((p) => p.includes('☕'));
    expect(tokenizer.encode(ref.prompts[unicode] as string)).toContain(2);
    const short = await openT5Tokenizer({
      dir: join(fluxDir('dev'), 'tokenizer_2'),
      maxLength: 8,
    });
    expect(short.maxLengthFrom).toBe('override');
    const long = ref.prompts[ref.prompts.length - 1] as string;
    const ids = short.tokenizer.encode(long);
    expect(ids).toEqual([...(ref.tokenizer_2.ids.at(-1) as number[]).slice(0, 7), 1]);
  });

  it('a tokenizer_2 folder without tokenizer.json is ModelNotDownloaded naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flux-t5-'));
    try {
      await writeFile(join(dir, 'tokenizer_config.json'), '{}');
      await expect(openT5Tokenizer({ dir })).rejects.toMatchObject({
        code: InferenceErrorCode.ModelNotDownloaded,
        message: expect.stringContaining(dir),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
