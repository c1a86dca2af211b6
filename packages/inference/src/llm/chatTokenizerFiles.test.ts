import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import { createTinyLlm } from '../testing/tinyLlm';
import { buildTinyTokenizer } from '../testing/tinyTokenizer';
import { ChatTokenizer } from './chatTokenizer';
import { LlmEngine } from './llmEngine';
import { checkTokenizerFitsModel } from './openLlmEngine';

/**
 * ChatTokenizer.fromDirectory on export folders written the ways transformers 4.57 writes them.
 * The tiny tokenizer has specials <|endoftext|> 381, <|im_start|> 382, <|im_end|> 383.
 */
const files = buildTinyTokenizer();
const hi = [{ role: 'user' as const, content: 'Hi' }];
let root: string;
let n = 0;

async function exportDir(
  contents: Record<string, unknown>,
  options: { tokenizerJson?: object | null } = {},
): Promise<string> {
  const dir = join(root, `export-${n++}`);
  await mkdir(dir);
  if (options.tokenizerJson !== null) {
    await writeFile(
      join(dir, 'tokenizer.json'),
      JSON.stringify(options.tokenizerJson ?? files.tokenizerJson),
    );
  }
  for (const [name, value] of Object.entries(contents)) {
    await writeFile(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  }
  return dir;
}

const { chat_template: _template, ...configWithoutTemplate } = files.tokenizerConfig;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hf-export-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the chat template, where transformers looks for it', () => {
  it('takes chat_template.jinja, then chat_template.json, then tokenizer_config.json', async () => {
    const dir = await exportDir({
      'chat_template.jinja': 'jinja:{{ messages[0].content }}',
      'chat_template.json': { chat_template: 'json:{{ messages[0].content }}' },
      'tokenizer_config.json': {
        ...files.tokenizerConfig,
        chat_template: 'config:{{ messages[0].content }}',
      },
    });
    const rendered = async () => {
      const tok = await ChatTokenizer.fromDirectory(dir);
      return [tok.provenance.chatTemplate, tok.applyChatTemplate(hi)];
    };
    expect(await rendered()).toEqual(['chat_template.jinja', 'jinja:Hi']);
    await unlink(join(dir, 'chat_template.jinja'));
    expect(await rendered()).toEqual(['chat_template.json', 'json:Hi']);
    await unlink(join(dir, 'chat_template.json'));
    expect(await rendered()).toEqual(['tokenizer_config.json', 'config:Hi']);
  });

  it('uses "default" of a list of named templates, and refuses a list without one', async () => {
    const named = (templates: { name: string; template: string }[]) =>
      exportDir({
        'tokenizer_config.json': { ...files.tokenizerConfig, chat_template: templates },
      });
    const tool = { name: 'tool_use', template: 'tools' };
    const tok = await ChatTokenizer.fromDirectory(
      await named([tool, { name: 'default', template: 'default:{{ messages[0].content }}' }]),
    );
    expect(tok.applyChatTemplate(hi)).toBe('default:Hi');
    const dir = await named([tool]);
    await expect(ChatTokenizer.fromDirectory(dir)).rejects.toMatchObject({
      code: InferenceErrorCode.BadExport,
      message: `${join(dir, 'tokenizer_config.json')}: chat_template lists tool_use but no "default"`,
    });
  });

  it('passes the special tokens, tools = none and add_generation_prompt as transformers does', async () => {
    const dir = await exportDir({
      'tokenizer_config.json': { ...configWithoutTemplate, eos_token: undefined, bos_token: null },
      'special_tokens_map.json': {
        eos_token: { content: '<|im_end|>', lstrip: false },
        bos_token: '<|im_start|>',
        additional_special_tokens: ['<|im_start|>', { content: '<|im_end|>' }],
      },
      'chat_template.jinja':
        '{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|{{ unk_token is defined }}|{{ tools is none }}|{{ additional_special_tokens | join(",") }}|{{ add_generation_prompt }}',
    });
    const tok = await ChatTokenizer.fromDirectory(dir);
    expect(tok.applyChatTemplate(hi)).toBe(
      '<|im_start|>|<|im_end|>|<|endoftext|>|false|true|<|im_start|>,<|im_end|>|true',
    );
    expect(tok.applyChatTemplate(hi, { addGenerationPrompt: false }).endsWith('|false')).toBe(true);
    expect(tok.eosTokenIds).toEqual([383]);
    expect(tok.bosTokenId).toBe(382);
    expect(tok.padTokenId).toBe(381);
    expect(tok.provenance.files).toEqual([
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'chat_template.jinja',
    ]);
  });

  it("turns the template's raise_exception into a bad request with its message", async () => {
    const dir = await exportDir({
      'tokenizer_config.json': configWithoutTemplate,
      'chat_template.jinja':
        "{% if messages[0]['role'] != 'system' %}{{ raise_exception('the first message must be a system message') }}{% endif %}ok",
    });
    const tok = await ChatTokenizer.fromDirectory(dir);
    expect(() => tok.applyChatTemplate(hi)).toThrow(
      expect.objectContaining({
        code: InferenceErrorCode.BadRequest,
        message: `the chat template (${join(dir, 'chat_template.jinja')}) failed on these messages: the first message must be a system message`,
      }),
    );
    expect(tok.applyChatTemplate([{ role: 'system', content: 'x' }])).toBe('ok');
  });

  it('says there is no template when none of the three places has one', async () => {
    const tok = await ChatTokenizer.fromDirectory(
      await exportDir({ 'tokenizer_config.json': configWithoutTemplate }),
    );
    expect(tok.provenance.chatTemplate).toBe('none');
    expect(() => tok.applyChatTemplate(hi)).toThrow(/this model has no chat template/);
  });
});

describe('end of sequence and BOS', () => {
  it('unites the tokenizer eos with generation_config.json eos_token_id (an int or a list)', async () => {
    const eos = async (generation: unknown, config = files.tokenizerConfig) =>
      (
        await ChatTokenizer.fromDirectory(
          await exportDir({
            'tokenizer_config.json': config,
            'generation_config.json': generation,
          }),
        )
      ).eosTokenIds;
    expect(await eos({ eos_token_id: 381 })).toEqual([383, 381]);
    expect(await eos({ eos_token_id: [383, 382, 381] })).toEqual([383, 382, 381]);
    expect(await eos({ eos_token_id: null })).toEqual([383]);
    expect(await eos({ eos_token_id: [382] }, configWithoutTemplate)).toEqual([383, 382]);
    const { eos_token: _eos, ...noEos } = configWithoutTemplate;
    expect(await eos({ eos_token_id: [382, 381] }, noEos)).toEqual([382, 381]);
  });

  it('tokenizes a chat without added special tokens and a plain prompt with them (BOS once)', async () => {
    // A post-processor that adds <|endoftext|> (381) as BOS, like Llama's TemplateProcessing.
    const withBos = {
      ...files.tokenizerJson,
      post_processor: {
        type: 'TemplateProcessing',
        single: [
          { SpecialToken: { id: '<|endoftext|>', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
        ],
        pair: [
          { SpecialToken: { id: '<|endoftext|>', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
        ],
        special_tokens: {
          '<|endoftext|>': { id: '<|endoftext|>', ids: [381], tokens: ['<|endoftext|>'] },
        },
      },
    };
    const dir = await exportDir(
      {
        'tokenizer_config.json': { ...configWithoutTemplate, bos_token: '<|endoftext|>' },
        'chat_template.jinja':
          "{{ bos_token }}{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>' }}{% endfor %}",
      },
      { tokenizerJson: withBos },
    );
    const tok = await ChatTokenizer.fromDirectory(dir);
    const chat = tok.encodeChat(hi);
    expect(chat.slice(0, 2)).toEqual([381, 382]);
    expect(chat.filter((id) => id === 381)).toHaveLength(1);
    const prompt = tok.encode('Hello world', { addSpecialTokens: true });
    expect(prompt).toEqual([381, ...tok.encode('Hello world')]);
    const base = await createTinyLlm();
    const engine = new LlmEngine({ model: base.model, tokenizer: tok, maxContext: 256 });
    const opts = { maxTokens: 1, temperature: 0 };
    expect((await engine.complete({ messages: hi, ...opts })).promptTokenIds).toEqual(chat);
    expect((await engine.complete({ prompt: 'Hello world', ...opts })).promptTokenIds).toEqual(
      prompt,
    );
  });
});

describe('bad exports fail at load, naming the file and the field', () => {
  it('a missing tokenizer.json', async () => {
    const dir = await exportDir(
      { 'tokenizer_config.json': files.tokenizerConfig },
      { tokenizerJson: null },
    );
    await expect(ChatTokenizer.fromDirectory(dir)).rejects.toMatchObject({
      code: InferenceErrorCode.BadExport,
      message: `${join(dir, 'tokenizer.json')}: is missing (the tokenizer, written by transformers next to the model)`,
    });
  });

  it('an eos_token that is not in the vocabulary', async () => {
    const dir = await exportDir({
      'tokenizer_config.json': { ...files.tokenizerConfig, eos_token: '<|eot_id|>' },
    });
    await expect(ChatTokenizer.fromDirectory(dir)).rejects.toMatchObject({
      code: InferenceErrorCode.BadExport,
      message: `${join(dir, 'tokenizer_config.json')}: eos_token '<|eot_id|>' is not in the vocabulary of ${join(dir, 'tokenizer.json')}`,
    });
  });

  it('malformed JSON, in whichever file', async () => {
    for (const name of [
      'tokenizer_config.json',
      'special_tokens_map.json',
      'generation_config.json',
      'chat_template.json',
    ]) {
      const dir = await exportDir({ [name]: '{"eos_token": ' });
      await expect(ChatTokenizer.fromDirectory(dir)).rejects.toMatchObject({
        code: InferenceErrorCode.BadExport,
        message: expect.stringMatching(
          new RegExp(`^${join(dir, name).replaceAll('.', '\\.')}: is not valid JSON \\(`),
        ),
      });
    }
  });

  it('a bad eos_token_id, a contradicting added_tokens_decoder, a template that does not parse', async () => {
    const gen = await exportDir({ 'generation_config.json': { eos_token_id: ['<|im_end|>'] } });
    await expect(ChatTokenizer.fromDirectory(gen)).rejects.toThrow(
      `${join(gen, 'generation_config.json')}: eos_token_id must be a token id or a list of token ids, not ["<|im_end|>"]`,
    );
    const added = await exportDir({
      'tokenizer_config.json': {
        ...files.tokenizerConfig,
        added_tokens_decoder: { '380': { content: '<|im_end|>', special: true } },
      },
    });
    await expect(ChatTokenizer.fromDirectory(added)).rejects.toThrow(
      `${join(added, 'tokenizer_config.json')}: added_tokens_decoder gives '<|im_end|>' id 380, ${join(added, 'tokenizer.json')} gives it 383`,
    );
    const template = await exportDir({ 'chat_template.jinja': '{% for m in messages %}' });
    await expect(ChatTokenizer.fromDirectory(template)).rejects.toMatchObject({
      code: InferenceErrorCode.BadExport,
      message: expect.stringMatching(
        new RegExp(
          `^${join(template, 'chat_template.jinja').replaceAll('.', '\\.')}: the chat template does not parse`,
        ),
      ),
    });
  });
});

describe('a tokenizer of another model', () => {
  it('is refused when its end-of-sequence ids are outside the logits', async () => {
    const dir = await exportDir({ 'generation_config.json': { eos_token_id: [383, 500] } });
    const tok = await ChatTokenizer.fromDirectory(dir);
    const { model } = await createTinyLlm();
    expect(() => checkTokenizerFitsModel(tok, model, dir)).toThrow(
      expect.objectContaining({
        code: InferenceErrorCode.BadExport,
        message: `${dir}: end-of-sequence ids 500 (tokenizer_config.json eos_token, generation_config.json eos_token_id) are outside the model's 384 logits`,
      }),
    );
  });
});
