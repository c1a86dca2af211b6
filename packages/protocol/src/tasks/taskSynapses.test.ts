import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors';
import { parseSynapseFields, type SynapseDef } from '../synapse';
import {
  EXAMPLE_IMAGE_B64,
  EXAMPLE_MASK_B64,
  EXAMPLE_SCRIBBLE_B64,
  INVALID_TASK_EXAMPLES,
  oversizedImageExample,
  TASK_DEFS,
  type TaskSynapseName,
  VALID_TASK_INPUTS,
} from '../testing/taskExamples';
import { TASK_KINDS, TASK_SYNAPSE_BY_KIND, TASK_SYNAPSES } from './index';

/** What each valid example parses to: every default filled, nothing else added. */
const EXPECTED: Record<TaskSynapseName, Record<string, unknown>> = {
  TextToImage: {
    prompt: 'a lighthouse on a cliff at dusk',
    steps: 10,
    cfg_scale: 3,
    width: 1024,
    height: 1024,
    seed: 42,
    model: 'sdxl-base',
  },
  ImageToImage: {
    prompt: 'the same scene in watercolor',
    negative_prompt: 'blurry',
    init_image: EXAMPLE_IMAGE_B64,
    image_strength: 0.75,
    steps: 20,
    cfg_scale: 7.5,
    width: 768,
    height: 1344,
    seed: 4_294_967_295,
    model: 'sdxl-base',
    lora: 'watercolor-v2',
  },
  Inpaint: {
    prompt: 'a red door',
    init_image: EXAMPLE_IMAGE_B64,
    mask_image: EXAMPLE_MASK_B64,
    steps: 8,
    cfg_scale: 3,
    width: 512,
    height: 512,
    seed: 0,
    model: 'sdxl-inpaint',
  },
  Uncrop: {
    prompt: 'the rest of the harbour',
    negative_prompt: 'text, frame',
    image: EXAMPLE_IMAGE_B64,
    extend_left: 64,
    extend_right: 8,
    extend_top: 0,
    extend_bottom: 512,
    steps: 12,
    cfg_scale: 5,
    seed: 31,
    model: 'sdxl-inpaint',
  },
  ControlNet: {
    prompt: 'a mountain range',
    control_image: EXAMPLE_SCRIBBLE_B64,
    control_type: 'scribble',
    conditioning_scale: 0.8,
    steps: 10,
    cfg_scale: 3,
    width: 1024,
    height: 1024,
    seed: 7,
    model: 'sd15-scribble',
  },
  Upscale: { image: EXAMPLE_IMAGE_B64, model: 'esrgan-x2' },
  ClipEmbeddings: {
    image_b64s: [EXAMPLE_IMAGE_B64, EXAMPLE_MASK_B64],
    model: 'openai/clip-vit-large-patch14',
  },
  Chat: {
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Name a prime number.' },
    ],
    max_tokens: 64,
    temperature: 0.7,
    top_p: 1,
    top_k: 0,
    top_logprobs: 5,
    stop: [],
    seed: 1234,
    model: 'llama-3.2-3b-instruct',
  },
  Completion: {
    prompt: 'The capital of France is',
    max_tokens: 8,
    temperature: 0,
    top_p: 1,
    top_k: 40,
    top_logprobs: 20,
    stop: ['\n'],
    seed: 99,
    model: 'llama-3.2-3b',
  },
  Capacity: {},
};

function rejection(def: SynapseDef, input: unknown): string {
  try {
    parseSynapseFields(def, input);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).code).toBe('PROTOCOL_INVALID_SYNAPSE');
    return (e as ProtocolError).message;
  }
  throw new Error(`${def.name} accepted ${JSON.stringify(input).slice(0, 200)}`);
}

describe('task synapse examples', () => {
  it.each(Object.keys(EXPECTED) as TaskSynapseName[])(
    'valid %s parses to the exact fields, defaults filled',
    (name) => {
      expect(parseSynapseFields(TASK_DEFS[name], VALID_TASK_INPUTS[name])).toStrictEqual(
        EXPECTED[name],
      );
    },
  );

  it('defaults are fresh values, not shared between parses', () => {
    const a = parseSynapseFields(TASK_DEFS.Chat, VALID_TASK_INPUTS.Chat);
    (a.stop as string[]).push('x');
    expect(parseSynapseFields(TASK_DEFS.Chat, VALID_TASK_INPUTS.Chat).stop).toEqual([]);
  });

  it('the examples are frozen', () => {
    expect(Object.isFrozen(VALID_TASK_INPUTS.Chat.messages[0])).toBe(true);
    expect(Object.isFrozen(INVALID_TASK_EXAMPLES[0]?.input)).toBe(true);
  });

  it.each(INVALID_TASK_EXAMPLES.map((x) => [`${x.synapse}.${x.field}: ${x.why}`, x] as const))(
    'rejects %s, naming the field',
    (_, example) => {
      const message = rejection(TASK_DEFS[example.synapse], example.input);
      const prefix = `invalid ${example.synapse}: `;
      expect(message.startsWith(prefix)).toBe(true);
      const detail = message.slice(prefix.length);
      expect(detail.startsWith(`${example.field}: `)).toBe(true);
      expect(detail).toMatch(example.error);
    },
  );

  it('every task synapse has invalid examples', () => {
    const covered = new Set(INVALID_TASK_EXAMPLES.map((x) => x.synapse));
    expect([...covered].sort()).toEqual(Object.keys(TASK_DEFS).sort());
  });

  it('rejects an image one base64 quad past the byte limit', () => {
    const example = oversizedImageExample();
    const message = rejection(TASK_DEFS[example.synapse], example.input);
    expect(message.slice('invalid ImageToImage: '.length)).toMatch(example.error);
  });

  it('reports every bad field at once', () => {
    const message = rejection(TASK_DEFS.TextToImage, {
      ...VALID_TASK_INPUTS.TextToImage,
      steps: 51,
      width: 1000,
    });
    expect(message).toBe(
      'invalid TextToImage: steps: Too big: expected number to be <=50; width: must be a multiple of 64',
    );
  });
});

describe('the task synapse list', () => {
  it('has the nine task kinds then Capacity, with their streaming flags', () => {
    expect(TASK_SYNAPSES.map((d) => [d.name, d.streaming])).toEqual([
      ['TextToImage', false],
      ['ImageToImage', false],
      ['Inpaint', false],
      ['Uncrop', false],
      ['ControlNet', false],
      ['Upscale', false],
      ['ClipEmbeddings', false],
      ['Chat', true],
      ['Completion', true],
      ['Capacity', false],
    ]);
    expect(Object.keys(TASK_SYNAPSE_BY_KIND)).toEqual([...TASK_KINDS]);
    for (const kind of TASK_KINDS) expect(TASK_SYNAPSE_BY_KIND[kind].name).toBe(kind);
  });

  const diffusion = ['steps', 'cfg_scale', 'width', 'height', 'seed', 'model', 'lora'];
  const sampling = [
    'max_tokens',
    'temperature',
    'top_p',
    'top_k',
    'top_logprobs',
    'stop',
    'seed',
    'model',
    'lora',
  ];
  const HASHED: Record<TaskSynapseName, string[]> = {
    TextToImage: ['prompt', 'negative_prompt', ...diffusion],
    ImageToImage: ['prompt', 'negative_prompt', 'init_image', 'image_strength', ...diffusion],
    Inpaint: ['prompt', 'negative_prompt', 'init_image', 'mask_image', ...diffusion],
    Uncrop: [
      'prompt',
      'negative_prompt',
      'image',
      'extend_left',
      'extend_right',
      'extend_top',
      'extend_bottom',
      ...diffusion.filter((f) => f !== 'width' && f !== 'height'),
    ],
    ControlNet: [
      'prompt',
      'negative_prompt',
      'control_image',
      'control_type',
      'conditioning_scale',
      ...diffusion,
    ],
    Upscale: ['image', 'model'],
    ClipEmbeddings: ['image_b64s', 'model'],
    Chat: ['messages', ...sampling],
    Completion: ['prompt', ...sampling],
    Capacity: [],
  };
  const OUTPUTS: Record<TaskSynapseName, string[]> = {
    TextToImage: ['image_b64', 'image_hashes', 'clip_embedding', 'is_nsfw'],
    ImageToImage: ['image_b64', 'image_hashes', 'clip_embedding', 'is_nsfw'],
    Inpaint: ['image_b64', 'image_hashes', 'clip_embedding', 'is_nsfw'],
    Uncrop: ['image_b64', 'image_hashes', 'clip_embedding', 'is_nsfw'],
    ControlNet: ['image_b64', 'image_hashes', 'clip_embedding', 'is_nsfw'],
    Upscale: ['image_b64', 'image_hashes', 'clip_embedding', 'is_nsfw'],
    ClipEmbeddings: ['clip_embeddings'],
    Chat: ['text', 'token_logprobs', 'finish_reason'],
    Completion: ['text', 'token_logprobs', 'finish_reason'],
    Capacity: ['capacities'],
  };

  it.each(Object.keys(HASHED) as TaskSynapseName[])(
    '%s hashes every input that defines the work, and no output',
    (name) => {
      const def = TASK_DEFS[name];
      expect(def.requiredHashFields).toEqual(HASHED[name]);
      // inputs and outputs partition the fields; every input is hashed
      expect([...HASHED[name], ...OUTPUTS[name]].sort()).toEqual(
        Object.keys(def.schema.shape).sort(),
      );
    },
  );

  it('outputs are optional, so a request without them validates', () => {
    for (const def of TASK_SYNAPSES) {
      const required = new Set(def.requiredFields);
      for (const key of Object.keys(def.schema.shape)) {
        if (!def.requiredHashFields.includes(key)) expect(required.has(key)).toBe(false);
      }
    }
  });
});
