import { describe, expect, it } from 'vitest';
import { createRng } from '../random/xoshiro128';
import { tinyChatTokenizer } from '../testing/tinyLlm';
import { IncrementalDecoder } from './incrementalDecoder';

describe('IncrementalDecoder', () => {
  const tok = tinyChatTokenizer();
  const decode = (ids: readonly number[]) => tok.decode(ids);

  it('streams the same text as decoding everything, for text with multi-byte characters', () => {
    const ids = tok.encode('The miner — naïve 東京 🚀 answers.');
    const dec = new IncrementalDecoder(decode);
    const pieces = ids.map((id) => dec.push(id));
    expect(pieces.join('') + dec.flush()).toBe(tok.decode(ids));
    // The rocket is four bytes, four byte tokens: nothing is emitted until the last arrives.
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
  });

  it('matches a full decode for random token sequences, broken UTF-8 included', () => {
    const rng = createRng(77);
    for (let trial = 0; trial < 30; trial++) {
      const ids = Array.from({ length: 40 }, () => rng.nextUint32() % 381);
      const dec = new IncrementalDecoder(decode);
      let text = '';
      for (const id of ids) text += dec.push(id);
      text += dec.flush();
      expect(text).toBe(tok.decode(ids));
      expect(dec.text).toBe(text);
    }
  });
});
