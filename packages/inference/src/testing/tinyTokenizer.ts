/**
 * Builds a real byte-level BPE `tokenizer.json` (the format of GPT-2/Qwen-style tokenizers) by
 * training merges on a fixed corpus, plus a `tokenizer_config.json` with a ChatML template.
 * Deterministic: ties between pair counts break by the pair's text.
 */
export const TINY_SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const CORPUS = [
  'The miner answers the validator with tokens and their log probabilities.',
  'A validator scores the completion of every miner on the same prompt and seed.',
  'Hello world! The quick brown fox jumps over the lazy dog, then the dog sleeps.',
  'Inference on the subnet: images, text, adapters, models and weights on chain.',
  'Tell me a story about a robot that learns to paint the sea at night.',
].join(' ');

/** GPT-2's reversible map from bytes to printable characters. */
export function byteToUnicode(): string[] {
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    table[b] = String.fromCodePoint(printable ? b : 256 + extra++);
  }
  return table;
}

function preTokenize(text: string): string[] {
  return text.match(/ ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+/gu) ?? [];
}

export interface TinyTokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

export function buildTinyTokenizer(vocabSize = 384): TinyTokenizerFiles {
  const bytes = byteToUnicode();
  const encoder = new TextEncoder();
  const vocab = new Map<string, number>();
  for (const ch of bytes) vocab.set(ch, vocab.size);
  const mergeCount = vocabSize - 256 - TINY_SPECIAL_TOKENS.length;
  let words = preTokenize(CORPUS).map((w) =>
    Array.from(encoder.encode(w), (b) => bytes[b] as string),
  );
  const merges: string[] = [];
  while (merges.length < mergeCount) {
    const counts = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.length; i++) {
        const key = `${w[i]} ${w[i + 1]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, count] of counts) {
      if (count > bestCount || (count === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = count;
      }
    }
    if (!best) throw new Error('corpus too small for the requested vocabulary');
    const [a, b] = best.split(' ') as [string, string];
    merges.push(best);
    vocab.set(a + b, vocab.size);
    words = words.map((w) => {
      const out: string[] = [];
      for (let i = 0; i < w.length; i++) {
        if (w[i] === a && w[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(w[i] as string);
      }
      return out;
    });
  }
  const addedTokens = TINY_SPECIAL_TOKENS.map((content, i) => ({
    id: vocab.size + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const byteLevel = {
    type: 'ByteLevel',
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: true,
  };
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokens,
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: byteLevel,
      decoder: byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        vocab: Object.fromEntries(vocab),
        merges,
      },
    },
    tokenizerConfig: {
      chat_template: CHATML_TEMPLATE,
      eos_token: '<|im_end|>',
      pad_token: '<|endoftext|>',
      bos_token: null,
      add_bos_token: false,
      clean_up_tokenization_spaces: false,
    },
  };
}
