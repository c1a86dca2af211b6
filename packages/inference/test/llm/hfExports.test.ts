/**
 * Parity with the Hugging Face exporters: the committed fixtures under test/fixtures/hf/llm are
 * random-weight Llama and tied-embedding Qwen2 models exported by Optimum, with PEFT adapters,
 * and reference.json holds what transformers/PEFT computed for them. Each export folder is read
 * exactly as written; adapters get their LoRA inputs added in memory (addLoraInputs).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChatTokenizer } from '../../src/llm/chatTokenizer';
import { DecoderModel } from '../../src/llm/decoderModel';
import { LlmEngine } from '../../src/llm/llmEngine';
import { AdapterStore } from '../../src/lora/adapterStore';
import { readSafetensors } from '../../src/lora/safetensors';
import { addLoraInputs } from '../../src/onnx/addLoraInputs';
import * as ort from '../../src/runtime/ort';
import { runtimeConfigFromEnv } from '../../src/runtime/runtimeConfig';

const root = fileURLToPath(new URL('../fixtures/hf', import.meta.url));

interface Reference {
  model_dir: string;
  adapter_dir: string | null;
  prompt: string;
  add_special_tokens: boolean;
  prompt_ids: number[];
  generated_ids: number[];
  logprobs: number[];
  eos_token_id: number[];
  bos_token_id: number;
  chat: {
    messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
    add_generation_prompt: boolean;
    text: string;
    ids: number[];
  };
}

const reference = JSON.parse(await readFile(join(root, 'llm', 'reference.json'), 'utf8')) as {
  max_new_tokens: number;
  models: Record<string, Reference>;
};

async function openExport(ref: Reference) {
  const dir = join(root, ref.model_dir);
  const tokenizer = await ChatTokenizer.fromDirectory(dir);
  const raw = await readFile(join(dir, 'model.onnx'));
  const rewritten = ref.adapter_dir ? addLoraInputs(raw) : undefined;
  // The CPU unless SUBNET_INFERENCE_PROVIDERS says otherwise (scripts/gpu-check.sh: cuda).
  const session = await ort.InferenceSession.create(rewritten?.bytes ?? raw, {
    executionProviders: [...runtimeConfigFromEnv(process.env).providers],
    intraOpNumThreads: 1,
  });
  const model = new DecoderModel(session);
  const adapters = ref.adapter_dir
    ? new AdapterStore({
        inputs: model.loraInputs,
        budgetBytes: 64 << 20,
        resolve: async (id) =>
          id === 'peft' ? { path: join(root, ref.adapter_dir as string) } : undefined,
      })
    : undefined;
  const engine = new LlmEngine({ model, tokenizer, ...(adapters ? { adapters } : {}) });
  return { engine, tokenizer, model, rewritten, adapters };
}

describe('the tied Qwen2 export', () => {
  it('gets a LoRA input on lm_head, whose weight is the transposed embedding', async () => {
    const raw = await readFile(join(root, 'llm', 'qwen2-tied', 'model.onnx'));
    const { targets, skipped } = addLoraInputs(raw);
    expect(skipped).toEqual([]);
    const config = JSON.parse(
      await readFile(join(root, 'llm', 'qwen2-tied', 'config.json'), 'utf8'),
    ) as { hidden_size: number; vocab_size: number; tie_word_embeddings: boolean };
    expect(config.tie_word_embeddings).toBe(true);
    expect(targets.find((t) => t.target === 'lm_head')).toEqual({
      target: 'lm_head',
      inDim: config.hidden_size,
      outDim: config.vocab_size,
      weight: 'Transpose(model.embed_tokens.weight)',
      tied: true,
    });
    expect(targets.filter((t) => t.tied).map((t) => t.target)).toEqual(['lm_head']);
    expect(targets).toHaveLength(2 * 7 + 1);
  });

  it('applies the PEFT adapter on the tied lm_head', async () => {
    const ref = reference.models['qwen2-tied+qwen2-tied-lora'] as Reference;
    const { adapters } = await openExport(ref);
    const adapter = await (adapters as AdapterStore).get('peft');
    expect(adapter.targets.map((t) => t.target).sort()).toEqual([
      'lm_head',
      'model.layers.0.self_attn.q_proj',
      'model.layers.0.self_attn.v_proj',
      'model.layers.1.self_attn.q_proj',
      'model.layers.1.self_attn.v_proj',
    ]);
    // PEFT may save the tied base weight (lm_head.base_layer.weight): it is the model's own.
    const file = readSafetensors(
      await readFile(join(root, 'llm', 'qwen2-tied-lora', 'adapter_model.safetensors')),
    );
    expect(adapter.ignored).toEqual(
      [...file.tensors.keys()].filter((k) => k.endsWith('.base_layer.weight')),
    );
  });
});

describe.each(Object.entries(reference.models))('%s as exported', (_name, ref) => {
  it('reads eos ids, the chat template and tokenizes a chat as apply_chat_template does', async () => {
    const tokenizer = await ChatTokenizer.fromDirectory(join(root, ref.model_dir));
    expect(tokenizer.eosTokenIds).toEqual(ref.eos_token_id);
    expect(tokenizer.bosTokenId).toBe(ref.bos_token_id);
    expect(tokenizer.provenance.chatTemplate).toBe('chat_template.jinja');
    const text = tokenizer.applyChatTemplate(ref.chat.messages, {
      addGenerationPrompt: ref.chat.add_generation_prompt,
    });
    expect(text).toBe(ref.chat.text);
    expect(tokenizer.encodeChat(ref.chat.messages)).toEqual(ref.chat.ids);
    expect(tokenizer.encode(ref.prompt, { addSpecialTokens: ref.add_special_tokens })).toEqual(
      ref.prompt_ids,
    );
  });

  it('generates the reference greedy tokens with logprobs within 1e-4', async () => {
    const { engine, rewritten, adapters } = await openExport(ref);
    if (rewritten) expect(rewritten.skipped).toEqual([]);
    if (adapters) {
      const adapter = await adapters.get('peft');
      const config = JSON.parse(
        await readFile(join(root, ref.adapter_dir as string, 'adapter_config.json'), 'utf8'),
      ) as { r: number; lora_alpha: number; use_rslora: boolean };
      // PEFT: alpha / r, or alpha / sqrt(r) with use_rslora (the Qwen2 adapter has it).
      const scale = config.lora_alpha / (config.use_rslora ? Math.sqrt(config.r) : config.r);
      expect(new Set(adapter.targets.map((t) => t.scale))).toEqual(new Set([scale]));
      expect(adapter.alphaSource).toBe('adapter_config.json');
    }
    const result = await engine.complete({
      prompt: ref.prompt,
      maxTokens: reference.max_new_tokens,
      temperature: 0,
      ...(adapters ? { adapter: 'peft' } : {}),
    });
    expect(result.promptTokenIds).toEqual(ref.prompt_ids);
    expect(result.tokenIds).toEqual(ref.generated_ids);
    const worst = Math.max(
      ...result.logprobs.map((lp, i) => Math.abs(lp - (ref.logprobs[i] as number))),
    );
    expect(worst).toBeLessThan(1e-4);
  });
});
