import { parseSynapseFields, type SynapseDef } from '@subnet/protocol';
import { TASK_KINDS, TASK_SYNAPSE_BY_KIND } from '@subnet/protocol/tasks';
import { describe, expect, it } from 'vitest';
import { syntheticTask, syntheticTaskId } from './syntheticTasks';
import { isOwnSeed, SEEDS_PER_VALIDATOR, seedOwner, taskSeed, taskSeedAt } from './taskSeeds';

const small = { imageSizes: [[512, 512] as const], inputImageSide: 64 };

describe('synthetic tasks', () => {
  it('builds a valid synapse input for every task kind', async () => {
    for (const kind of TASK_KINDS) {
      const task = await syntheticTask({
        kind,
        seed: taskSeed(3, 77),
        model: 'm-1',
        profile: small,
      });
      expect(task.id).toBe(`syn:${kind}:${taskSeed(3, 77)}`);
      const def = TASK_SYNAPSE_BY_KIND[kind] as SynapseDef;
      expect(parseSynapseFields(def, task.input)).toEqual(task.input);
      expect(task.input.model).toBe('m-1');
    }
  });

  it('is reproducible from its seed and differs between seeds', async () => {
    for (const kind of TASK_KINDS) {
      const a = await syntheticTask({ kind, seed: 1234, model: 'm', profile: small });
      const b = await syntheticTask({ kind, seed: 1234, model: 'm', profile: small });
      const c = await syntheticTask({ kind, seed: 1235, model: 'm', profile: small });
      expect(b).toEqual(a);
      expect(c.input).not.toEqual(a.input);
    }
  });

  it('pins the drawn content of a seed (a change to the generators is a visible change)', async () => {
    const t2i = await syntheticTask({ kind: 'TextToImage', seed: 42, model: 'sdxl' });
    expect(t2i.input).toMatchObject({ seed: 42, model: 'sdxl' });
    expect(t2i.input).toMatchInlineSnapshot(`
      {
        "cfg_scale": 5.5,
        "height": 768,
        "model": "sdxl",
        "negative_prompt": "low quality",
        "prompt": "a red fox, watercolor, vibrant colors, intricate patterns, golden hour, soft lighting",
        "seed": 42,
        "steps": 28,
        "width": 1344,
      }
    `);
    const chat = await syntheticTask({ kind: 'Chat', seed: 42, model: 'llm' });
    expect(chat.input.messages).toMatchInlineSnapshot(`
      [
        {
          "content": "You are terse. Answer in as few words as possible.",
          "role": "system",
        },
        {
          "content": "Why does black holes matter?",
          "role": "user",
        },
        {
          "content": "Good question. The main idea is simple.",
          "role": "assistant",
        },
        {
          "content": "Can you say more?",
          "role": "user",
        },
      ]
    `);
  });

  it('draws multi-turn chats with system, user and assistant roles over many seeds', async () => {
    const shapes = new Set<string>();
    const lengths = new Set<number>();
    for (let seed = 0; seed < 60; seed++) {
      const task = await syntheticTask({ kind: 'Chat', seed, model: 'llm' });
      const messages = task.input.messages as { role: string; content: string }[];
      shapes.add(messages.map((m) => m.role[0]).join(''));
      lengths.add(task.input.max_tokens as number);
      expect(messages[messages.length - 1]?.role).toBe('user');
    }
    expect([...shapes].sort()).toEqual(['suauau', 'suau', 'su', 'uauau', 'uau', 'u'].sort());
    expect(lengths.size).toBeGreaterThan(30);
  });

  it('keeps prompts within the profile budget', async () => {
    for (let seed = 0; seed < 40; seed++) {
      const chat = await syntheticTask({
        kind: 'Chat',
        seed,
        model: 'l',
        profile: { maxPromptChars: 60 },
      });
      const chars = (chat.input.messages as { content: string }[]).reduce(
        (n, m) => n + m.content.length,
        0,
      );
      const completion = await syntheticTask({
        kind: 'Completion',
        seed,
        model: 'l',
        profile: { maxPromptChars: 60 },
      });
      expect((completion.input.prompt as string).length).toBeLessThanOrEqual(60);
      // A system prompt is kept whole; everything else fits.
      expect(chars).toBeLessThanOrEqual(60 + 60);
    }
  });

  it('draws a new init image per task (nothing to cache)', async () => {
    const images = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      const task = await syntheticTask({ kind: 'ImageToImage', seed, model: 'm', profile: small });
      images.add(task.input.init_image as string);
    }
    expect(images.size).toBe(10);
  });

  it('names tasks by kind and seed', () => {
    expect(syntheticTaskId('Chat', 9)).toBe('syn:Chat:9');
  });
});

describe('task seeds', () => {
  it('puts the validator uid in the low 12 bits', () => {
    expect(SEEDS_PER_VALIDATOR).toBe(1_048_576);
    expect(taskSeed(5, 0)).toBe(5);
    expect(taskSeed(5, 1)).toBe(4_101);
    expect(taskSeed(4_095, SEEDS_PER_VALIDATOR - 1)).toBe(4_294_967_295);
    expect(taskSeed(5, SEEDS_PER_VALIDATOR + 1)).toBe(4_101);
    expect(seedOwner(4_101)).toBe(5);
    expect(isOwnSeed(4_101, 5)).toBe(true);
    expect(isOwnSeed(4_101, 6)).toBe(false);
    expect(isOwnSeed(2 ** 32, 0)).toBe(false);
    expect(() => taskSeed(4_096, 0)).toThrow(/validator uid/);
  });

  it('visits distinct seeds of the own range from a counter', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const seed = taskSeedAt(17, i);
      expect(seedOwner(seed)).toBe(17);
      seen.add(seed);
    }
    expect(seen.size).toBe(20_000);
    expect(taskSeedAt(17, 0)).toBe(0x5a3cd * 4096 + 17);
  });
});
