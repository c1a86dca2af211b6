import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromptTokenizer } from '../../src/diffusion/promptTokenizer';
import { openTokenizerFolder } from '../../src/diffusion/tokenizerFolder';
import { repoRoot } from './pythonOracle';

const here = dirname(fileURLToPath(import.meta.url));
const reference = join(here, '..', 'fixtures', 'clip-tokenizer', 'reference.json');
/** The real CLIP tokenizer as Optimum saved it in the committed SD fixtures. */
const fixtureTokenizer = join(here, '..', 'fixtures', 'hf', 'sd', 'sd15', 'tokenizer');
const exportPython = join(repoRoot, '.venv-export', 'bin', 'python');

interface Case {
  prompt: string;
  ids: number[];
  clipTokenizerIds?: number[];
}

const padded = (ids: readonly number[]) => [
  ...ids,
  ...new Array<number>(77 - ids.length).fill(49407),
];

describe('the real CLIP tokenizer in the slow layout (vocab.json + merges.txt) tokenizes as transformers', () => {
  let work: string;
  let slow: PromptTokenizer;
  let cases: Case[];
  beforeAll(async () => {
    const from = fixtureTokenizer;
    // The slow layout alone, as Optimum writes it: no tokenizer.json.
    work = await mkdtemp(join(tmpdir(), 'clip-slow-'));
    for (const file of [
      'vocab.json',
      'merges.txt',
      'tokenizer_config.json',
      'special_tokens_map.json',
    ]) {
      await copyFile(join(from, file), join(work, file));
    }
    const opened = await openTokenizerFolder({ dir: work });
    expect(opened.layout).toBe('vocab.json+merges.txt');
    expect(opened.maxLengthFrom).toBe('tokenizer_config.json');
    slow = opened.tokenizer;
    cases = (JSON.parse(await readFile(reference, 'utf8')) as { cases: Case[] }).cases;
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('gives the committed ids of transformers for tricky prompts', () => {
    expect(cases).toHaveLength(16);
    for (const c of cases) expect(slow.encode(c.prompt), c.prompt).toEqual(padded(c.ids));
  });

  it('equals the folder’s own tokenizer.json (the fixture has both layouts)', async () => {
    const fast = (await openTokenizerFolder({ dir: fixtureTokenizer })).tokenizer;
    for (const c of cases) expect(fast.encode(c.prompt)).toEqual(slow.encode(c.prompt));
  });

  // Broader evidence where the export tools are installed (CI has no .venv-export): 300
  // generated prompts of letters, digits, punctuation, accents and whitespace through
  // transformers' CLIPTokenizer itself.
  it.skipIf(!existsSync(exportPython))(
    'equals transformers’ CLIPTokenizer on 300 generated prompts (needs .venv-export)',
    async () => {
      const alphabet = 'aAbBcCdDeEzZ 0123456789 .,;:!?\'-()[]{}<>|/\\"@#$%^&*_+=~`\t\néèüßøñ';
      let state = 12345;
      const next = () => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state;
      };
      const prompts = Array.from({ length: 300 }, () =>
        Array.from(
          { length: 1 + (next() % 60) },
          () => alphabet[next() % alphabet.length] as string,
        ).join(''),
      );
      prompts.push("it's DON'T 'll 're <|endoftext|>x", 'a'.repeat(400));
      const script = [
        'import json, sys',
        'from transformers import CLIPTokenizer',
        't = CLIPTokenizer.from_pretrained(sys.argv[1])',
        'prompts = json.load(sys.stdin)',
        "print(json.dumps([t(p, padding='max_length', max_length=77, truncation=True).input_ids for p in prompts]))",
      ].join('\n');
      const child = promisify(execFile)(exportPython, ['-c', script, work], {
        maxBuffer: 64 * 1024 * 1024,
      });
      child.child.stdin?.end(JSON.stringify(prompts));
      const expected = JSON.parse((await child).stdout) as number[][];
      for (const [i, p] of prompts.entries()) expect(slow.encode(p), p).toEqual(expected[i]);
    },
    120_000,
  );
});
