import { describe, expect, it } from 'vitest';
import { buildTinyTokenizer } from '../testing/tinyTokenizer';
import { ChatTokenizer } from './chatTokenizer';

describe('ChatTokenizer on a byte-level BPE tokenizer.json', () => {
  const files = buildTinyTokenizer();
  const tok = new ChatTokenizer(files.tokenizerJson, files.tokenizerConfig);

  it('round-trips text, including bytes outside the merges', () => {
    for (const text of ['The miner answers.', 'naïve café — 東京 🚀', '  two  spaces\nnew line']) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });

  it('decodes an empty list to the empty string', () => {
    expect(tok.decode([])).toBe('');
  });

  it('uses the learned merges', () => {
    const ids = tok.encode(' the');
    expect(ids.length).toBe(1);
    expect(tok.encode('zzqx').length).toBe(4);
  });

  it('renders the ChatML template and keeps special tokens whole', () => {
    const text = tok.applyChatTemplate([{ role: 'user', content: 'Hi' }]);
    expect(text).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    const ids = tok.encode(text);
    expect(ids[0]).toBe(382);
    expect(ids.filter((id) => id >= 381)).toEqual([382, 383, 382]);
    expect(tok.eosTokenIds).toEqual([383]);
    expect(tok.decode(ids, { skipSpecialTokens: false })).toBe(text);
  });
});
